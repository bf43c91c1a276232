//! Opening the store, recording candidates, and reading it back.

use super::migrations::{MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE};
use super::{
    band_str, cut, parse_band, Action, Candidate, CandidateInput, Decision, HistoryFilter,
    ListFilter, BUSY_TIMEOUT, MAX_EXAMPLES,
};
use crate::engine::{Engine, OverlayAlias};
use crate::error::{Error, Result};
use crate::level::LevelCode;
use crate::limits::MAX_INPUT_BYTES;
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The current time as SQLite writes it (UTC, ISO 8601 with milliseconds).
pub(super) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

const CANDIDATE_COLS: &str =
    "c.id, c.title, c.core, c.examples, c.count, c.first_seen, c.last_seen, c.suggested_role, \
     c.suggested_level, c.suggested_soc, c.confidence, c.band, c.match_type, c.status, c.note";

const DECISION_COLS: &str = "d.id, d.candidate_id, c.title, d.action, d.reviewer, d.at, d.prev_status, d.new_status, d.role, \
     d.level, d.alias, d.whole_title, d.forced, d.conflict_role, d.conflict_with, d.reverses, d.note";

/// The review store: one SQLite file. Open one per thread or process; SQLite serializes the
/// writers (WAL mode, [`BUSY_TIMEOUT`]) and every change is one transaction.
#[derive(Debug)]
pub struct ReviewStore {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
}

/// What [`ReviewStore::record_candidates`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RecordReport {
    /// Candidates created.
    pub new: usize,
    /// Existing candidates whose count went up.
    pub updated: usize,
}

/// An approved alias, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovedAlias {
    /// Row id.
    pub id: i64,
    /// The alias text (normalized).
    pub alias: String,
    /// Role code.
    pub role: String,
    /// Level fixed by the alias (whole-title approvals).
    pub level: Option<LevelCode>,
    /// The whole title was approved.
    pub whole_title: bool,
    /// The candidate it came from.
    pub candidate_id: i64,
    /// Who approved it.
    pub reviewer: String,
    /// The decision that added it.
    pub decision_id: i64,
    /// When that decision was made.
    pub approved_at: String,
}

/// How many of each thing the store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Candidates by status.
    pub candidates: std::collections::BTreeMap<String, u64>,
    /// Decision rows.
    pub decisions: u64,
    /// Active approved aliases.
    pub aliases: u64,
}

impl ReviewStore {
    /// Open (or create) the store at `path`: creates the folder, switches to WAL mode, sets the
    /// busy timeout and applies pending schema migrations.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let store = titlematch::review::ReviewStore::open(&dir.path().join("sub/review.db"))?;
    /// assert_eq!(store.schema_version()?, titlematch::review::SCHEMA_VERSION);
    /// # Ok::<(), titlematch::Error>(())
    /// ```
    pub fn open(path: &Path) -> Result<ReviewStore> {
        let err = |e: rusqlite::Error| Error::Review {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        if path.is_dir() {
            return Err(Error::Review {
                path: path.to_path_buf(),
                message: "is a folder; give the path of the database file".into(),
            });
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Review {
                path: path.to_path_buf(),
                message: format!("cannot use write-ahead logging (journal mode stays {mode:?}); put the database on a local disk"),
            });
        }
        // NOTE: FULL syncs the log on every commit: a decision a reviewer saw confirmed
        // survives a power cut, not only a crash of the process. Imports commit in batches.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        let mut store = ReviewStore {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| Error::Review {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn migrate(&mut self) -> Result<()> {
        // Fast path without the write lock: many processes open the store at once.
        let current: Option<i64> = self
            .conn
            .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
            .ok()
            .flatten();
        if current == Some(SCHEMA_VERSION) {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |e: rusqlite::Error| Error::Review {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute_batch(VERSION_TABLE).map_err(err)?;
        let version: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(Error::Review {
                path: path.clone(),
                message: format!("schema version {version} is newer than this titlematch knows ({SCHEMA_VERSION}); upgrade titlematch"),
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql).map_err(|e| Error::Review {
                path: path.clone(),
                message: format!("migration to version {}: {e}", i + 1),
            })?;
            tx.execute(
                &format!("INSERT INTO schema_version (version, applied_at) VALUES (?1, {NOW})"),
                [i as i64 + 1],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_version",
                [],
                |r| r.get(0),
            )
            .map_err(self.err())
    }

    /// Record sightings of titles: a new title becomes a pending candidate; a known one gets
    /// its count, last sighting and examples updated (and, while pending, the engine's latest
    /// suggestion). Approved and rejected candidates do not come back as pending: only their
    /// counts move. One transaction for the whole slice.
    pub fn record_candidates(&mut self, inputs: &[CandidateInput]) -> Result<RecordReport> {
        // Group by title first: a bulk run sees the same title many times.
        let mut groups: Vec<(&CandidateInput, u64, Vec<String>)> = Vec::new();
        let mut at: HashMap<&str, usize> = HashMap::new();
        for c in inputs {
            if c.title.trim().is_empty() {
                continue;
            }
            let i = *at.entry(c.title.as_str()).or_insert_with(|| {
                groups.push((c, 0, Vec::new()));
                groups.len() - 1
            });
            let g = &mut groups[i];
            g.0 = c;
            g.1 += c.seen.max(1);
            let ex = cut(c.example.trim(), MAX_INPUT_BYTES).to_string();
            if !ex.is_empty() && g.2.len() < MAX_EXAMPLES && !g.2.contains(&ex) {
                g.2.push(ex);
            }
        }
        let path = self.path.clone();
        let err = |e: rusqlite::Error| Error::Review {
            path: path.clone(),
            message: e.to_string(),
        };
        let mut report = RecordReport::default();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut find = tx
                .prepare_cached("SELECT id, status, examples FROM candidates WHERE title = ?1")
                .map_err(err)?;
            for (c, n, examples) in &groups {
                let title = cut(c.title.trim(), MAX_INPUT_BYTES);
                let core = c.core.as_deref().map(|s| cut(s, MAX_INPUT_BYTES));
                let band = band_str(c.band);
                let existing: Option<(i64, String, String)> = find
                    .query_row([title], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
                    .map_err(err)?;
                match existing {
                    None => {
                        let ex = serde_json::to_string(examples).unwrap_or_else(|_| "[]".into());
                        tx.execute(
                            &format!(
                                "INSERT INTO candidates (title, core, examples, count, first_seen, last_seen, suggested_role, \
                                 suggested_level, suggested_soc, confidence, band, match_type, status) \
                                 VALUES (?1, ?2, ?3, ?4, {NOW}, {NOW}, ?5, ?6, ?7, ?8, ?9, ?10, 'pending')"
                            ),
                            params![title, core, ex, *n as i64, c.suggested_role, c.suggested_level, c.suggested_soc, c.confidence, band, c.match_type.as_str()],
                        )
                        .map_err(err)?;
                        report.new += 1;
                    }
                    Some((id, status, old)) => {
                        let mut all: Vec<String> = serde_json::from_str(&old).unwrap_or_default();
                        for e in examples {
                            if all.len() < MAX_EXAMPLES && !all.contains(e) {
                                all.push(e.clone());
                            }
                        }
                        let ex = serde_json::to_string(&all).unwrap_or_else(|_| "[]".into());
                        if status == "pending" {
                            tx.execute(
                                &format!(
                                    "UPDATE candidates SET count = count + ?2, last_seen = {NOW}, examples = ?3, \
                                     core = COALESCE(?4, core), suggested_role = ?5, suggested_level = ?6, suggested_soc = ?7, \
                                     confidence = ?8, band = ?9, match_type = ?10 WHERE id = ?1"
                                ),
                                params![id, *n as i64, ex, core, c.suggested_role, c.suggested_level, c.suggested_soc, c.confidence, band, c.match_type.as_str()],
                            )
                            .map_err(err)?;
                        } else {
                            tx.execute(
                                &format!("UPDATE candidates SET count = count + ?2, last_seen = {NOW}, examples = ?3, core = COALESCE(core, ?4) WHERE id = ?1"),
                                params![id, *n as i64, ex, core],
                            )
                            .map_err(err)?;
                        }
                        report.updated += 1;
                    }
                }
            }
        }
        tx.commit().map_err(err)?;
        Ok(report)
    }

    /// One candidate by id.
    pub fn candidate(&self, id: i64) -> Result<Option<Candidate>> {
        self.conn
            .query_row(
                &format!("SELECT {CANDIDATE_COLS} FROM candidates c WHERE c.id = ?1"),
                [id],
                candidate_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// One candidate by normalized title.
    pub fn candidate_by_title(&self, title: &str) -> Result<Option<Candidate>> {
        self.conn
            .query_row(
                &format!("SELECT {CANDIDATE_COLS} FROM candidates c WHERE c.title = ?1"),
                [title],
                candidate_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Candidates, most frequent first (then most recently seen).
    pub fn list(&self, f: &ListFilter) -> Result<Vec<Candidate>> {
        let mut sql = format!("SELECT {CANDIDATE_COLS} FROM candidates c WHERE c.count >= ?1");
        let mut args: Vec<Value> = vec![Value::Integer(f.min_count.min(i64::MAX as u64) as i64)];
        if let Some(s) = f.status {
            args.push(Value::Text(s.as_str().into()));
            sql.push_str(&format!(" AND c.status = ?{}", args.len()));
        }
        if let Some(fam) = &f.family {
            args.push(Value::Text(format!("{}.", fam.trim().to_ascii_uppercase())));
            sql.push_str(&format!(
                " AND substr(c.suggested_role, 1, length(?{n})) = ?{n}",
                n = args.len()
            ));
        }
        if let Some(b) = f.band {
            args.push(Value::Text(band_str(b).into()));
            sql.push_str(&format!(" AND c.band = ?{}", args.len()));
        }
        if !f.include_covered {
            sql.push_str(" AND NOT (c.status = 'pending' AND EXISTS (SELECT 1 FROM aliases a WHERE a.retired_by IS NULL AND a.alias = c.core))");
        }
        sql.push_str(" ORDER BY c.count DESC, c.last_seen DESC, c.id");
        if f.limit > 0 {
            args.push(Value::Integer(f.limit.min(i64::MAX as usize) as i64));
            sql.push_str(&format!(" LIMIT ?{}", args.len()));
        }
        let mut st = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), candidate_row)
            .map_err(self.err())?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(self.err())
    }

    /// One decision by id.
    pub fn decision(&self, id: i64) -> Result<Option<Decision>> {
        self.conn
            .query_row(&format!("SELECT {DECISION_COLS} FROM decisions d JOIN candidates c ON c.id = d.candidate_id WHERE d.id = ?1"), [id], decision_row)
            .optional()
            .map_err(self.err())
    }

    /// The decision log, oldest first (the latest `limit` rows).
    pub fn history(&self, f: &HistoryFilter) -> Result<Vec<Decision>> {
        let mut sql = format!("SELECT {DECISION_COLS} FROM decisions d JOIN candidates c ON c.id = d.candidate_id WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(a) = &f.alias {
            let needle = a
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            args.push(Value::Text(needle));
            let n = args.len();
            sql.push_str(&format!(" AND (instr(lower(COALESCE(d.alias, '')), ?{n}) > 0 OR instr(lower(c.title), ?{n}) > 0 OR instr(lower(COALESCE(c.core, '')), ?{n}) > 0)"));
        }
        if let Some(id) = f.candidate {
            args.push(Value::Integer(id));
            sql.push_str(&format!(" AND d.candidate_id = ?{}", args.len()));
        }
        if let Some(r) = &f.reviewer {
            args.push(Value::Text(r.trim().to_string()));
            sql.push_str(&format!(" AND d.reviewer = ?{}", args.len()));
        }
        sql.push_str(" ORDER BY d.id DESC");
        if f.limit > 0 {
            args.push(Value::Integer(f.limit.min(i64::MAX as usize) as i64));
            sql.push_str(&format!(" LIMIT ?{}", args.len()));
        }
        let mut st = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), decision_row)
            .map_err(self.err())?;
        let mut out = rows
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(self.err())?;
        out.reverse();
        Ok(out)
    }

    /// The active approved aliases, oldest first.
    pub fn aliases(&self) -> Result<Vec<ApprovedAlias>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT a.id, a.alias, a.role, a.level, a.whole_title, a.candidate_id, a.reviewer, a.added_by, d.at \
                 FROM aliases a JOIN decisions d ON d.id = a.added_by WHERE a.retired_by IS NULL ORDER BY a.id",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                let level: Option<String> = r.get(3)?;
                Ok(ApprovedAlias {
                    id: r.get(0)?,
                    alias: r.get(1)?,
                    role: r.get(2)?,
                    level: level.and_then(|l| l.parse().ok()),
                    whole_title: r.get(4)?,
                    candidate_id: r.get(5)?,
                    reviewer: r.get(6)?,
                    decision_id: r.get(7)?,
                    approved_at: r.get(8)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(self.err())
    }

    /// The role of a candidate's active alias, if it has one.
    pub fn alias_role_of(&self, candidate: i64) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT role FROM aliases WHERE candidate_id = ?1 AND retired_by IS NULL",
                [candidate],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    /// The active approved aliases as the engine takes them ([`Engine::set_overlay`]).
    pub fn approved_aliases(&self) -> Result<Vec<OverlayAlias>> {
        Ok(self.aliases()?.iter().map(OverlayAlias::from).collect())
    }

    /// Install the approved aliases into `engine`. Aliases whose role the engine does not know
    /// are left out (see [`ReviewStore::sync`], which sends them back to review).
    pub fn refresh_overlay(&self, engine: &mut Engine) -> Result<usize> {
        let all: Vec<OverlayAlias> = self
            .approved_aliases()?
            .into_iter()
            .filter(|a| engine.taxonomy().get(&a.role).is_some())
            .collect();
        engine.set_overlay(&all)?;
        Ok(all.len())
    }

    /// How many candidates (by status), decisions and active aliases the store holds.
    pub fn counts(&self) -> Result<Counts> {
        let mut c = Counts::default();
        let mut st = self
            .conn
            .prepare("SELECT status, COUNT(*) FROM candidates GROUP BY status")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(self.err())?;
        for row in rows {
            let (s, n) = row.map_err(self.err())?;
            c.candidates.insert(s, n as u64);
        }
        c.decisions = self
            .conn
            .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get::<_, i64>(0))
            .map_err(self.err())? as u64;
        c.aliases = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM aliases WHERE retired_by IS NULL",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(self.err())? as u64;
        Ok(c)
    }

    /// Check the file and the store's invariants; returns the problems found (none when
    /// consistent): SQLite's integrity and foreign-key checks; every approved or remapped
    /// candidate has exactly one active alias and no other candidate has any; every
    /// candidate's status is the one its latest decision left; no alias text is active for two
    /// roles.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut st = self
            .conn
            .prepare("PRAGMA integrity_check")
            .map_err(self.err())?;
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .map_err(self.err())?
            .collect::<std::result::Result<_, _>>()
            .map_err(self.err())?;
        if rows != ["ok"] {
            problems.extend(rows.into_iter().map(|r| format!("integrity: {r}")));
        }
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(self.err())?;
        if n > 0 {
            problems.push(format!("{n} rows point at rows that do not exist"));
        }
        let queries: [(&str, &str); 4] = [
            (
                "SELECT c.id, c.status, (SELECT COUNT(*) FROM aliases a WHERE a.candidate_id = c.id AND a.retired_by IS NULL) AS n \
                 FROM candidates c WHERE (c.status IN ('approved', 'remapped') AND n != 1) OR (c.status IN ('pending', 'rejected') AND n != 0)",
                "candidate {0} is {1} with {2} active aliases",
            ),
            (
                "SELECT c.id, c.status, COALESCE((SELECT d.new_status FROM decisions d WHERE d.candidate_id = c.id AND d.action != 'refuse' \
                 ORDER BY d.id DESC LIMIT 1), 'pending') AS s FROM candidates c WHERE c.status != s",
                "candidate {0} is {1} but its latest decision left it {2}",
            ),
            (
                "SELECT a.alias, COUNT(DISTINCT a.role), '' FROM aliases a WHERE a.retired_by IS NULL GROUP BY a.alias HAVING COUNT(DISTINCT a.role) > 1",
                "alias {0:?} is active for {1} roles",
            ),
            (
                "SELECT a.id, a.candidate_id, d.candidate_id FROM aliases a JOIN decisions d ON d.id = a.added_by WHERE d.candidate_id != a.candidate_id",
                "alias {0} of candidate {1} was added by a decision on candidate {2}",
            ),
        ];
        for (sql, msg) in queries {
            let mut st = self.conn.prepare(sql).map_err(self.err())?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        value_text(r.get(0)?),
                        value_text(r.get(1)?),
                        value_text(r.get(2)?),
                    ))
                })
                .map_err(self.err())?;
            for row in rows {
                let (a, b, c) = row.map_err(self.err())?;
                problems.push(
                    msg.replace("{0:?}", &format!("{a:?}"))
                        .replace("{0}", &a)
                        .replace("{1}", &b)
                        .replace("{2}", &c),
                );
            }
        }
        Ok(problems)
    }

    /// The latest decision that changed the candidate's status (refusals change nothing).
    pub(super) fn latest_decision(&self, candidate: i64) -> Result<Option<Decision>> {
        latest_decision(&self.conn, candidate).map_err(self.err())
    }
}

pub(super) fn latest_decision(
    conn: &Connection,
    candidate: i64,
) -> rusqlite::Result<Option<Decision>> {
    conn.query_row(
        &format!("SELECT {DECISION_COLS} FROM decisions d JOIN candidates c ON c.id = d.candidate_id WHERE d.candidate_id = ?1 AND d.action != 'refuse' ORDER BY d.id DESC LIMIT 1"),
        [candidate],
        decision_row,
    )
    .optional()
}

pub(super) fn decision_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<Decision>> {
    conn.query_row(&format!("SELECT {DECISION_COLS} FROM decisions d JOIN candidates c ON c.id = d.candidate_id WHERE d.id = ?1"), [id], decision_row).optional()
}

fn value_text(v: Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => t,
        Value::Blob(b) => format!("<{} bytes>", b.len()),
    }
}

fn bad_column(i: usize, what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        format!("{what} {v:?}").into(),
    )
}

pub(super) fn candidate_row(r: &Row<'_>) -> rusqlite::Result<Candidate> {
    let examples: String = r.get(3)?;
    let status: String = r.get(13)?;
    let band: Option<String> = r.get(11)?;
    Ok(Candidate {
        id: r.get(0)?,
        title: r.get(1)?,
        alias: r.get(2)?,
        examples: serde_json::from_str(&examples).unwrap_or_default(),
        count: r.get::<_, i64>(4)?.max(0) as u64,
        first_seen: r.get(5)?,
        last_seen: r.get(6)?,
        suggested_role: r.get(7)?,
        suggested_level: r.get(8)?,
        suggested_soc: r.get(9)?,
        confidence: r.get(10)?,
        band: band.and_then(|b| parse_band(&b).ok()),
        match_type: r.get(12)?,
        status: status
            .parse()
            .map_err(|_| bad_column(13, "status", &status))?,
        note: r.get(14)?,
    })
}

pub(super) fn decision_row(r: &Row<'_>) -> rusqlite::Result<Decision> {
    let action: String = r.get(3)?;
    let prev: String = r.get(6)?;
    let new: String = r.get(7)?;
    Ok(Decision {
        id: r.get(0)?,
        candidate_id: r.get(1)?,
        title: r.get(2)?,
        action: Action::parse(&action).ok_or_else(|| bad_column(3, "action", &action))?,
        reviewer: r.get(4)?,
        at: r.get(5)?,
        prev_status: prev.parse().map_err(|_| bad_column(6, "status", &prev))?,
        new_status: new.parse().map_err(|_| bad_column(7, "status", &new))?,
        role: r.get(8)?,
        level: r.get(9)?,
        alias: r.get(10)?,
        whole_title: r.get(11)?,
        forced: r.get(12)?,
        conflict_role: r.get(13)?,
        conflict_with: r.get(14)?,
        reverses: r.get(15)?,
        note: r.get(16)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::MatchType;
    use crate::review::Status;
    use crate::score::Band;

    fn input(title: &str, example: &str) -> CandidateInput {
        CandidateInput {
            title: title.into(),
            example: example.into(),
            core: Some(title.into()),
            suggested_role: Some("SEI.GEN".into()),
            suggested_level: Some("P2".into()),
            suggested_soc: None,
            confidence: 0.4,
            band: Band::Low,
            match_type: MatchType::Partial,
            seen: 1,
        }
    }

    #[test]
    fn migrations_apply_once_and_refuse_newer_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.db");
        let s = ReviewStore::open(&p).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        drop(s);
        let s = ReviewStore::open(&p).unwrap();
        let rows: i64 = s
            .conn
            .query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, SCHEMA_VERSION);
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        s.conn
            .execute("INSERT INTO schema_version VALUES (99, 'future')", [])
            .unwrap();
        drop(s);
        let e = ReviewStore::open(&p).unwrap_err().to_string();
        assert!(e.contains("newer"), "{e}");
    }

    #[test]
    fn not_a_database_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.db");
        std::fs::write(
            &p,
            "this is a text file, not SQLite, and it is long enough to have a header",
        )
        .unwrap();
        let e = ReviewStore::open(&p).unwrap_err().to_string();
        assert!(e.contains("r.db") && e.contains("not a database"), "{e}");
    }

    #[test]
    fn sightings_group_and_count() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ReviewStore::open(&dir.path().join("r.db")).unwrap();
        let r = s
            .record_candidates(&[
                input("a b", "A B"),
                input("a b", "a-b"),
                input("a b", "A B"),
                input("c d", "C D"),
            ])
            .unwrap();
        assert_eq!(r, RecordReport { new: 2, updated: 0 });
        let r = s.record_candidates(&[input("a b", "A  B!")]).unwrap();
        assert_eq!(r, RecordReport { new: 0, updated: 1 });
        let c = s.candidate_by_title("a b").unwrap().unwrap();
        assert_eq!(c.count, 4);
        assert_eq!(c.examples, ["A B", "a-b", "A  B!"]);
        assert_eq!(c.status, Status::Pending);
        let many: Vec<CandidateInput> = (0..20).map(|i| input("a b", &format!("ex {i}"))).collect();
        s.record_candidates(&many).unwrap();
        assert_eq!(
            s.candidate_by_title("a b").unwrap().unwrap().examples.len(),
            MAX_EXAMPLES
        );
        let listed = s.list(&ListFilter::default()).unwrap();
        assert_eq!(
            listed.iter().map(|c| c.title.as_str()).collect::<Vec<_>>(),
            ["a b", "c d"]
        );
        assert!(s.check().unwrap().is_empty());
    }

    #[test]
    fn decisions_are_append_only_in_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ReviewStore::open(&dir.path().join("r.db")).unwrap();
        s.record_candidates(&[input("a b", "A B")]).unwrap();
        let id = s.candidate_by_title("a b").unwrap().unwrap().id;
        let d = s.reject(id, "alice", Some("not a title")).unwrap();
        let e = s
            .conn
            .execute(
                "UPDATE decisions SET reviewer = 'mallory' WHERE id = ?1",
                [d.id],
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("append-only"), "{e}");
        let e = s
            .conn
            .execute("DELETE FROM decisions", [])
            .unwrap_err()
            .to_string();
        assert!(e.contains("append-only"), "{e}");
        assert_eq!(s.decision(d.id).unwrap().unwrap().reviewer, "alice");
    }

    #[test]
    fn text_is_stored_as_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = ReviewStore::open(&dir.path().join("r.db")).unwrap();
        let evil = "x'); DROP TABLE decisions; --";
        s.record_candidates(&[input(evil, evil)]).unwrap();
        let c = s.candidate_by_title(evil).unwrap().unwrap();
        s.reject(c.id, "o'brien \"; DELETE FROM candidates; --", Some(evil))
            .unwrap();
        let h = s
            .history(&HistoryFilter {
                alias: Some("drop table".into()),
                ..HistoryFilter::default()
            })
            .unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].reviewer, "o'brien \"; DELETE FROM candidates; --");
        assert_eq!(h[0].note.as_deref(), Some(evil));
        assert!(s.check().unwrap().is_empty());
    }
}
