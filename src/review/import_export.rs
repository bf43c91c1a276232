//! Spreadsheet review: export the queue as CSV (or JSON), import a CSV of decisions, and export
//! the approved aliases in the form of the data files.

use super::decisions::{write_approval, write_reject, Plan};
use super::store::ReviewStore;
use super::{
    check_note, check_reviewer, ApproveArgs, CandidateInput, ListFilter, Status, IMPORT_BATCH,
};
use crate::engine::Engine;
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;
use rusqlite::TransactionBehavior;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};

/// Columns of `review export --format csv`. The last five are for the reviewer to fill in and
/// are what `review import` reads (with `id`, or `title` for titles not in the queue yet).
pub const EXPORT_COLUMNS: [&str; 20] = [
    "id",
    "title",
    "alias",
    "count",
    "examples",
    "suggested_role",
    "suggested_level",
    "suggested_soc",
    "confidence",
    "band",
    "match_type",
    "status",
    "first_seen",
    "last_seen",
    "store_note",
    "decision",
    "role",
    "level",
    "whole_title",
    "note",
];

/// Most row errors kept in an [`ImportReport`] (the count goes on).
const MAX_REPORTED_ERRORS: usize = 1000;

/// Output format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// CSV with [`EXPORT_COLUMNS`].
    Csv,
    /// A JSON array of candidates.
    Json,
}

/// One row `review import` could not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportError {
    /// Line in the file (1 is the header).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// What `review import` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: u64,
    /// Approved with the suggested role.
    pub approved: u64,
    /// Approved with another role.
    pub remapped: u64,
    /// Rejected.
    pub rejected: u64,
    /// Already decided that way (a second run of the same file changes nothing).
    pub already: u64,
    /// Rows without a decision.
    pub skipped: u64,
    /// Approvals refused because another role owns the alias (recorded as decisions).
    pub refused: u64,
    /// Rows that could not be applied.
    pub failed: u64,
    /// The first row errors, refusals included.
    pub errors: Vec<ImportError>,
}

impl ImportReport {
    fn error(&mut self, line: u64, message: String) {
        self.failed += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(ImportError { line, message });
        }
    }
}

enum Todo {
    Approve(Box<Plan>),
    Reject { id: i64, note: Option<String> },
}

/// A spreadsheet cell that starts like a formula is prefixed with `'`, so opening the export
/// in a spreadsheet never runs what a job title smuggled in.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn uncell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest)
            if matches!(
                rest.chars().next(),
                Some('=' | '+' | '-' | '@' | '\t' | '\r')
            ) =>
        {
            rest
        }
        _ => s,
    }
}

/// A candidate for a title a decisions file names that is not queued yet (maybe even a
/// confident match: the reviewer wants it decided).
fn input_for(engine: &Engine, m: &crate::matching::Match) -> CandidateInput {
    let mut input = CandidateInput::from_match(m).unwrap_or(CandidateInput {
        title: m.normalized.clone(),
        example: m.input.clone(),
        core: None,
        suggested_role: m.role_code().map(str::to_string),
        suggested_level: m.level_code(),
        suggested_soc: m.soc.first().map(|s| s.soc_code.clone()),
        confidence: m.confidence,
        band: m.band,
        match_type: m.match_type,
        seen: 1,
    });
    input.core = Some(engine.core_text(&m.input));
    input
}

fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl ReviewStore {
    /// Write the candidates `filter` selects, in `format`. Returns the number written.
    pub fn export<W: Write>(
        &self,
        filter: &ListFilter,
        format: ExportFormat,
        mut out: W,
    ) -> Result<usize> {
        let rows = self.list(filter)?;
        let io = |e: std::io::Error| Error::io("<output>", e);
        match format {
            ExportFormat::Json => {
                serde_json::to_writer_pretty(&mut out, &rows)
                    .map_err(|e| Error::io("<output>", e.into()))?;
                writeln!(out).map_err(io)?;
            }
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(&mut out);
                let csv_err = |e: csv::Error| Error::io("<output>", e.into());
                w.write_record(EXPORT_COLUMNS).map_err(csv_err)?;
                for c in &rows {
                    let opt = |o: &Option<String>| o.as_deref().map(cell).unwrap_or_default();
                    w.write_record([
                        c.id.to_string(),
                        cell(&c.title),
                        opt(&c.alias),
                        c.count.to_string(),
                        cell(&c.examples.join(" | ")),
                        opt(&c.suggested_role),
                        opt(&c.suggested_level),
                        opt(&c.suggested_soc),
                        c.confidence.map(|x| format!("{x:.3}")).unwrap_or_default(),
                        c.band
                            .map(|b| super::band_str(b).to_string())
                            .unwrap_or_default(),
                        opt(&c.match_type),
                        c.status.to_string(),
                        c.first_seen.clone(),
                        c.last_seen.clone(),
                        opt(&c.note),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ])
                    .map_err(csv_err)?;
                }
                w.flush().map_err(io)?;
            }
        }
        Ok(rows.len())
    }

    /// The approved aliases as TOML in the form of the role files' `aliases` arrays, grouped by
    /// role and sorted, so they can be committed to a taxonomy repository and reviewed in a
    /// diff. With a taxonomy, each block names the role and the file it lives in.
    pub fn export_aliases_as_data(&self, taxonomy: Option<&Taxonomy>) -> Result<String> {
        let mut by_role: BTreeMap<String, Vec<super::ApprovedAlias>> = BTreeMap::new();
        for a in self.aliases()? {
            by_role.entry(a.role.clone()).or_default().push(a);
        }
        let mut s = String::new();
        s.push_str(
            "# Reviewer-approved aliases (titlematch review export --approved --as-data).\n",
        );
        s.push_str("# Each [[reviewed]] block holds aliases of one role in the form of the `aliases` array of\n");
        s.push_str("# that role in data/roles/*.toml: copy them there to make them part of the taxonomy.\n");
        s.push_str("# An alias with a `level` was approved as a whole title; the others leave the level to\n");
        s.push_str("# the title's level words.\n");
        for (role, mut aliases) in by_role {
            aliases.sort_by(|a, b| a.alias.cmp(&b.alias).then(a.id.cmp(&b.id)));
            aliases.dedup_by(|a, b| a.alias == b.alias && a.level == b.level);
            s.push_str("\n[[reviewed]]\n");
            s.push_str(&format!("code = {}\n", toml_str(&role)));
            if let Some(r) = taxonomy.and_then(|t| t.get(&role)) {
                s.push_str(&format!("name = {}\n", toml_str(&r.name)));
                s.push_str(&format!(
                    "file = {}\n",
                    toml_str(&format!("data/{}", r.file))
                ));
            } else if taxonomy.is_some() {
                s.push_str("# NOTE: this role is not in the taxonomy\n");
            }
            s.push_str("aliases = [\n");
            for a in aliases {
                let level = a
                    .level
                    .map(|l| format!(", level = {}", toml_str(&l.to_string())))
                    .unwrap_or_default();
                s.push_str(&format!(
                    "  {{ alias = {}, type = \"reviewed\", confidence = 1.0, approved = true, source = {}{level} }}, # decision {}, {}\n",
                    toml_str(&a.alias),
                    toml_str(&format!("review:{}", a.reviewer)),
                    a.decision_id,
                    a.approved_at.get(..10).unwrap_or(&a.approved_at)
                ));
            }
            s.push_str("]\n");
        }
        Ok(s)
    }

    /// Apply a CSV of decisions (the columns of [`EXPORT_COLUMNS`]; only `decision` and `id`
    /// or `title` are required) as `reviewer`. `decision` is `approve`, `remap` (needs `role`),
    /// `reject`, or blank to skip; `role`, `level`, `whole_title` and `note` are as for
    /// `review approve`. A title not in the queue yet is added to it first. Rows are written
    /// in batches of [`IMPORT_BATCH`], each row in its own savepoint: a row that fails is
    /// reported and the others go on; rows already decided the same way count as `already`, so
    /// an interrupted import can simply be run again. `progress` is called after each batch.
    pub fn import_decisions<R: Read>(
        &mut self,
        input: R,
        reviewer: &str,
        engine: &mut Engine,
        progress: &mut dyn FnMut(&ImportReport),
    ) -> Result<ImportReport> {
        let reviewer = check_reviewer(reviewer)?;
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers = rdr
            .headers()
            .map_err(|e| Error::Invalid(format!("reading the decisions file: {e}")))?
            .clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
        };
        let (c_id, c_title, c_dec) = (col("id"), col("title"), col("decision"));
        let Some(c_dec) = c_dec else {
            return Err(Error::Invalid("the decisions file has no `decision` column (see `titlematch review export --format csv`)".into()));
        };
        if c_id.is_none() && c_title.is_none() {
            return Err(Error::Invalid(
                "the decisions file needs an `id` or a `title` column".into(),
            ));
        }
        let (c_role, c_level, c_whole, c_note, c_force) = (
            col("role"),
            col("level"),
            col("whole_title"),
            col("note"),
            col("force"),
        );
        let mut report = ImportReport::default();
        let mut batch: Vec<(u64, csv::StringRecord)> = Vec::with_capacity(IMPORT_BATCH);
        let mut records = rdr.records();
        let res = loop {
            let next = records.next();
            let done = next.is_none();
            if let Some(rec) = next {
                report.rows += 1;
                match rec {
                    Ok(r) => {
                        let line = r.position().map(|p| p.line()).unwrap_or(0);
                        batch.push((line, r));
                    }
                    Err(e) => {
                        let line = e.position().map(|p| p.line()).unwrap_or(0);
                        report.error(line, format!("unreadable row: {e}"));
                    }
                }
            }
            if batch.len() >= IMPORT_BATCH || (done && !batch.is_empty()) {
                let rows = std::mem::take(&mut batch);
                let get = |r: &csv::StringRecord, c: Option<usize>| {
                    c.and_then(|i| r.get(i))
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                };
                // Titles not in the queue yet join it in one transaction for the batch.
                let mut titles: HashMap<String, String> = HashMap::new();
                let mut new: Vec<CandidateInput> = Vec::new();
                for (_, r) in &rows {
                    let skip = matches!(
                        get(r, Some(c_dec))
                            .unwrap_or_default()
                            .to_ascii_lowercase()
                            .as_str(),
                        "" | "skip" | "pending"
                    );
                    let (None, Some(raw), false) = (get(r, c_id), get(r, c_title), skip) else {
                        continue;
                    };
                    let raw = uncell(&raw).to_string();
                    if titles.contains_key(&raw) {
                        continue;
                    }
                    let m = engine.match_title(&raw);
                    if !m.normalized.is_empty()
                        && !new.iter().any(|i| i.title == m.normalized)
                        && self.candidate_by_title(&m.normalized)?.is_none()
                    {
                        new.push(input_for(engine, &m));
                    }
                    titles.insert(raw, m.normalized);
                }
                if !new.is_empty() {
                    self.record_candidates(&new)?;
                }
                let mut todo: Vec<(u64, Todo)> = Vec::new();
                for (line, r) in rows {
                    let decision = get(&r, Some(c_dec))
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    let kind = match decision.as_str() {
                        "" | "skip" | "pending" => {
                            report.skipped += 1;
                            continue;
                        }
                        "approve" | "approved" | "yes" | "y" => "approve",
                        "remap" | "remapped" => "remap",
                        "reject" | "rejected" | "no" | "n" => "reject",
                        other => {
                            report.error(line, format!("unknown decision {other:?} (expected approve, remap, reject, or blank to skip)"));
                            continue;
                        }
                    };
                    let step = (|| -> Result<Option<Todo>> {
                        let id = self.import_candidate(get(&r, c_id), get(&r, c_title), &titles)?;
                        let role = get(&r, c_role).map(|s| s.to_ascii_uppercase());
                        let note = check_note(get(&r, c_note).as_deref())?;
                        let c = self
                            .candidate(id)?
                            .ok_or_else(|| Error::Invalid(format!("no candidate {id}")))?;
                        if kind == "reject" {
                            return match c.status {
                                Status::Pending => Ok(Some(Todo::Reject { id, note })),
                                Status::Rejected => Ok(None),
                                s => Err(Error::Invalid(format!(
                                    "candidate {id} is already {s}; undo that decision first"
                                ))),
                            };
                        }
                        if kind == "remap" && role.is_none() {
                            return Err(Error::Invalid("`remap` needs a role".into()));
                        }
                        if c.status.has_alias() {
                            let same =
                                role.is_none() || self.alias_role_of(id)?.as_ref() == role.as_ref();
                            return if same {
                                Ok(None)
                            } else {
                                Err(Error::Invalid(format!("candidate {id} is already {} with another role; undo that decision first", c.status)))
                            };
                        }
                        if c.status == Status::Rejected {
                            return Err(Error::Invalid(format!(
                                "candidate {id} is already rejected; undo that decision first"
                            )));
                        }
                        let level = match get(&r, c_level) {
                            Some(l) => {
                                Some(l.to_ascii_uppercase().parse().map_err(Error::Invalid)?)
                            }
                            None => None,
                        };
                        let flag = |c: Option<usize>| {
                            get(&r, c)
                                .map(|v| {
                                    matches!(
                                        v.to_ascii_lowercase().as_str(),
                                        "1" | "true" | "yes" | "y" | "x"
                                    )
                                })
                                .unwrap_or(false)
                        };
                        let args = ApproveArgs {
                            role,
                            level,
                            whole_title: flag(c_whole),
                            reviewer: reviewer.clone(),
                            note,
                            force: flag(c_force),
                        };
                        Ok(Some(Todo::Approve(Box::new(
                            self.plan_approval(id, &args, engine)?,
                        ))))
                    })();
                    match step {
                        Ok(Some(t)) => todo.push((line, t)),
                        Ok(None) => report.already += 1,
                        Err(e) => report.error(line, e.to_string()),
                    }
                }
                if let Err(e) = self.write_batch(todo, &reviewer, &mut report) {
                    break Err(e);
                }
                progress(&report);
            }
            if done {
                break Ok(());
            }
        };
        self.refresh_overlay(engine)?;
        res.map(|()| report)
    }

    /// The candidate a row is about: by id, or by title (added to the queue when new).
    /// The candidate a row is about: by id, or by title (queued before, see above).
    fn import_candidate(
        &self,
        id: Option<String>,
        title: Option<String>,
        titles: &HashMap<String, String>,
    ) -> Result<i64> {
        if let Some(id) = id {
            return id
                .parse::<i64>()
                .map_err(|_| Error::Invalid(format!("id {id:?} is not a number")));
        }
        let Some(title) = title else {
            return Err(Error::Invalid(
                "the row has neither an id nor a title".into(),
            ));
        };
        let title = uncell(&title);
        let key = titles
            .get(title)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| Error::Invalid(format!("{title:?} has no words")))?;
        self.candidate_by_title(key)?
            .map(|c| c.id)
            .ok_or_else(|| Error::Invalid(format!("{title:?} could not be queued")))
    }

    fn write_batch(
        &mut self,
        todo: Vec<(u64, Todo)>,
        reviewer: &str,
        report: &mut ImportReport,
    ) -> Result<()> {
        if todo.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |e: rusqlite::Error| Error::Review {
            path: path.clone(),
            message: e.to_string(),
        };
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        for (line, t) in todo {
            let sp = tx.savepoint().map_err(err)?;
            let res = match &t {
                Todo::Reject { id, note } => {
                    write_reject(&sp, &path, *id, reviewer, note.as_deref()).map(|_| None)
                }
                Todo::Approve(p) => write_approval(&sp, &path, p).map(Some),
            };
            match res {
                Ok(outcome) => {
                    sp.commit().map_err(err)?;
                    match (outcome, &t) {
                        (None, _) => report.rejected += 1,
                        (Some(super::decisions::Outcome::Refused { message }), _) => {
                            report.refused += 1;
                            if report.errors.len() < MAX_REPORTED_ERRORS {
                                report.errors.push(ImportError { line, message });
                            }
                        }
                        (Some(super::decisions::Outcome::Approved { .. }), Todo::Approve(p))
                            if p.is_remap() =>
                        {
                            report.remapped += 1
                        }
                        (Some(super::decisions::Outcome::Approved { .. }), _) => {
                            report.approved += 1
                        }
                    }
                }
                Err(e) => {
                    drop(sp);
                    report.error(line, e.to_string());
                }
            }
        }
        tx.commit().map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused_and_restored() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-5 engineer"), "'-5 engineer");
        assert_eq!(cell("nurse"), "nurse");
        assert_eq!(uncell(&cell("@SUM(A1)")), "@SUM(A1)");
        assert_eq!(uncell("'quoted"), "'quoted");
    }

    #[test]
    fn toml_strings_escape() {
        assert_eq!(toml_str("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(toml_str("tab\there"), r#""tab\u0009here""#);
        let v: toml::Value = toml::from_str(&format!("x = {}", toml_str("q\"\\\u{1}"))).unwrap();
        assert_eq!(v["x"].as_str(), Some("q\"\\\u{1}"));
    }
}
