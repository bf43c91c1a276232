//! `titlematch review`: the review queue of candidate aliases (list, approve, reject, import,
//! export, history, undo, check).

use super::EngineArgs;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use titlematch::review::{
    self, ApproveArgs, Candidate, Decision, ExportFormat, HistoryFilter, ListFilter, Renames,
    ReviewStore, Status,
};
use titlematch::Engine;

/// Arguments of `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// List candidate aliases, most frequent first.
    List(ListArgs),
    /// Approve a candidate: its alias becomes an exact match (with --role: for another role).
    Approve(ApproveCmd),
    /// Reject a candidate: not an alias; it stops coming back.
    Reject(RejectCmd),
    /// Apply a CSV of decisions (e.g. an edited `review export`).
    Import(ImportCmd),
    /// Export the queue as CSV/JSON, or the approved aliases (as data with --as-data).
    Export(ExportCmd),
    /// Show the decision log.
    History(HistoryCmd),
    /// Reverse a decision by writing a new one.
    Undo(UndoCmd),
    /// Check the store's integrity, and move aliases of renamed or removed roles.
    Check(CheckCmd),
}

/// The review database.
#[derive(Debug, Args, Clone)]
struct DbArgs {
    /// Review database file (SQLite).
    #[arg(long = "review-db", env = "TITLEMATCH_REVIEW_DB", default_value = review::DEFAULT_DB, value_name = "PATH")]
    review_db: PathBuf,
}

impl DbArgs {
    fn open(&self) -> Result<ReviewStore> {
        Ok(ReviewStore::open(&self.review_db)?)
    }

    /// Open a store that must already exist (reading commands do not create one).
    fn open_existing(&self) -> Result<ReviewStore> {
        if !self.review_db.exists() {
            bail!(
                "no review database at {} (candidates are queued by `titlematch match --queue-review`; or give --review-db / {})",
                self.review_db.display(),
                review::DB_ENV
            );
        }
        self.open()
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BandArg {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusArg {
    Pending,
    Approved,
    Rejected,
    Remapped,
    All,
}

impl StatusArg {
    fn status(self) -> Option<Status> {
        match self {
            StatusArg::Pending => Some(Status::Pending),
            StatusArg::Approved => Some(Status::Approved),
            StatusArg::Rejected => Some(Status::Rejected),
            StatusArg::Remapped => Some(Status::Remapped),
            StatusArg::All => None,
        }
    }
}

#[derive(Debug, Args)]
struct FilterArgs {
    /// Only candidates seen at least this many times.
    #[arg(long, default_value_t = 0)]
    min_count: u64,
    /// Only candidates whose suggested role is in this family (code prefix, e.g. SEI).
    #[arg(long)]
    family: Option<String>,
    /// Only this confidence band.
    #[arg(long, value_enum)]
    band: Option<BandArg>,
    /// Only this status.
    #[arg(long, value_enum, default_value = "pending")]
    status: StatusArg,
    /// Also show pending candidates an approved alias already answers.
    #[arg(long)]
    include_covered: bool,
}

impl FilterArgs {
    fn filter(&self, limit: usize) -> ListFilter {
        let band = self.band.map(|b| match b {
            BandArg::High => titlematch::Band::High,
            BandArg::Medium => titlematch::Band::Medium,
            BandArg::Low => titlematch::Band::Low,
        });
        ListFilter {
            status: self.status.status(),
            min_count: self.min_count,
            family: self.family.clone(),
            band,
            limit,
            include_covered: self.include_covered,
        }
    }
}

#[derive(Debug, Args)]
struct ListArgs {
    #[command(flatten)]
    filter: FilterArgs,
    /// At most this many (0: all).
    #[arg(long, default_value_t = review::DEFAULT_LIST_LIMIT)]
    limit: usize,
    /// Print a JSON array.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
struct ApproveCmd {
    /// Candidate id (from `review list`).
    id: i64,
    /// Role code; without it the suggestion is accepted, with another code it is remapped.
    #[arg(long)]
    role: Option<String>,
    /// Level (e.g. P3): must agree with the title's level words unless --whole-title.
    #[arg(long)]
    level: Option<String>,
    /// Approve the whole title, level words included, as the alias (its level fixed).
    #[arg(long)]
    whole_title: bool,
    /// Who decides (required; recorded).
    #[arg(long)]
    reviewer: String,
    /// Why.
    #[arg(long)]
    note: Option<String>,
    /// Take the alias over from the role that already owns it (recorded).
    #[arg(long)]
    force: bool,
    /// Print the decision as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Args)]
struct RejectCmd {
    /// Candidate id.
    id: i64,
    /// Who decides (required; recorded).
    #[arg(long)]
    reviewer: String,
    /// Why.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
struct ImportCmd {
    /// CSV of decisions: `decision` (approve, remap, reject, blank) and `id` or `title`, plus
    /// optional `role`, `level`, `whole_title`, `note` (the columns of `review export`).
    file: PathBuf,
    /// Who decides (required; recorded on every decision).
    #[arg(long)]
    reviewer: String,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Json,
}

#[derive(Debug, Args)]
struct ExportCmd {
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: FormatArg,
    /// Export the approved aliases instead of the queue.
    #[arg(long)]
    approved: bool,
    /// With --approved: print them as TOML in the form of data/roles/*.toml alias entries.
    #[arg(long, requires = "approved")]
    as_data: bool,
    #[command(flatten)]
    filter: FilterArgs,
    /// At most this many candidates (0: all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Debug, Args)]
struct HistoryCmd {
    /// Only decisions whose alias or title contains this text.
    #[arg(long)]
    alias: Option<String>,
    /// Only decisions on this candidate.
    #[arg(long)]
    candidate: Option<i64>,
    /// Only decisions by this reviewer.
    #[arg(long)]
    reviewer: Option<String>,
    /// The latest this many (0: all).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Print a JSON array.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
struct UndoCmd {
    /// Decision id (from `review history`).
    decision: i64,
    /// Who decides (required; recorded).
    #[arg(long)]
    reviewer: String,
    /// Why.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
struct CheckCmd {
    /// Print a JSON report.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Run `review`.
pub fn run(a: ReviewArgs) -> Result<ExitCode> {
    match a.cmd {
        Cmd::List(a) => list(a),
        Cmd::Approve(a) => approve(a),
        Cmd::Reject(a) => reject(a),
        Cmd::Import(a) => import(a),
        Cmd::Export(a) => export(a),
        Cmd::History(a) => history(a),
        Cmd::Undo(a) => undo(a),
        Cmd::Check(a) => check(a),
    }
}

/// The data folder `EngineArgs::open` reads (`None`: the built-in data).
fn data_dir(e: &EngineArgs) -> Option<PathBuf> {
    e.data.clone().or_else(|| {
        let d = PathBuf::from("data");
        d.is_dir().then_some(d)
    })
}

/// Open the engine with the store's approved aliases installed, after following renames.
fn engine_with_store(e: &EngineArgs, store: &mut ReviewStore) -> Result<Engine> {
    let mut engine = e.open()?;
    let renames = Renames::for_data_dir(data_dir(e).as_deref()).context("reading renames.csv")?;
    let report = store.sync(&renames, engine.taxonomy())?;
    print_sync(&report);
    store.refresh_overlay(&mut engine)?;
    Ok(engine)
}

/// For the commands that match (`match`, `normalize`): install the approved aliases of the
/// review database `db` into `engine` (nothing when the file does not exist), after following
/// role renames of the data folder.
pub(super) fn install_overlay(engine: &mut Engine, e: &EngineArgs, db: &Path) -> Result<()> {
    let renames = Renames::for_data_dir(data_dir(e).as_deref()).context("reading renames.csv")?;
    let report = review::overlay_for(engine, db, &renames)
        .with_context(|| format!("reading approved aliases from {}", db.display()))?;
    print_sync(&report);
    Ok(())
}

fn print_sync(r: &review::SyncReport) {
    for c in &r.renamed {
        eprintln!(
            "titlematch: alias {:?} follows role {} to {} (decision {})",
            c.alias,
            c.from_role,
            c.to_role.as_deref().unwrap_or("?"),
            c.decision_id
        );
    }
    for c in &r.orphaned {
        eprintln!("titlematch: role {} is gone: alias {:?} (candidate {}) is back in review (decision {})", c.from_role, c.alias, c.candidate_id, c.decision_id);
    }
}

fn list(a: ListArgs) -> Result<ExitCode> {
    let store = a.db.open_existing()?;
    let rows = store.list(&a.filter.filter(a.limit))?;
    let out = std::io::stdout();
    let mut out = out.lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        eprintln!("titlematch: no candidates match (the queue is filled by `titlematch match --queue-review`)");
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:>5}  {:>5}  {:<6}  {:<7}  {:>4}  {:<11}  {:<8}  TITLE -> ALIAS",
        "ID", "COUNT", "BAND", "TYPE", "CONF", "SUGGESTED", "STATUS"
    )?;
    for c in &rows {
        print_candidate(&mut out, c)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_candidate(out: &mut impl Write, c: &Candidate) -> std::io::Result<()> {
    let band = c
        .band
        .map(|b| format!("{b:?}").to_lowercase())
        .unwrap_or_default();
    let sugg = match (&c.suggested_role, &c.suggested_level) {
        (Some(r), Some(l)) => format!("{r} {l}"),
        (Some(r), None) => r.clone(),
        _ => "-".into(),
    };
    let alias = match &c.alias {
        Some(a) if *a != c.title => format!(" -> {a:?}"),
        _ => String::new(),
    };
    let conf = c.confidence.map(|x| format!("{x:.2}")).unwrap_or_default();
    writeln!(
        out,
        "{:>5}  {:>5}  {:<6}  {:<7}  {:>4}  {:<11}  {:<8}  {}{alias}",
        c.id,
        c.count,
        band,
        c.match_type.as_deref().unwrap_or(""),
        conf,
        sugg,
        c.status,
        c.title
    )?;
    if let Some(n) = &c.note {
        writeln!(out, "{:>5}  note: {n}", "")?;
    }
    Ok(())
}

fn approve(a: ApproveCmd) -> Result<ExitCode> {
    let mut store = a.db.open_existing()?;
    let mut engine = engine_with_store(&a.engine, &mut store)?;
    let level = match &a.level {
        Some(l) => Some(
            l.trim()
                .to_ascii_uppercase()
                .parse()
                .map_err(|e: String| anyhow!(e))?,
        ),
        None => None,
    };
    let args = ApproveArgs {
        role: a.role.clone(),
        level,
        whole_title: a.whole_title,
        reviewer: a.reviewer.clone(),
        note: a.note.clone(),
        force: a.force,
    };
    let ok = store.approve(a.id, &args, &mut engine)?;
    let out = std::io::stdout();
    let mut out = out.lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &ok)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let d = &ok.decision;
    let name = engine
        .taxonomy()
        .get(&ok.role)
        .map(|r| r.name.as_str())
        .unwrap_or("");
    let level = ok
        .level
        .as_ref()
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    let verb = if d.action == review::Action::Remap {
        "remapped"
    } else {
        "approved"
    };
    writeln!(
        out,
        "{verb} candidate {} ({:?}): alias {:?} -> {} {name}{level}",
        d.candidate_id, d.title, ok.alias, ok.role
    )?;
    if let Some(c) = &d.conflict_role {
        writeln!(
            out,
            "forced over {c} ({})",
            d.conflict_with.as_deref().unwrap_or("")
        )?;
    }
    for s in &ok.superseded {
        writeln!(out, "candidate {s} lost the alias and is pending again")?;
    }
    writeln!(out, "decision {} by {} at {}", d.id, d.reviewer, d.at)?;
    let p = &ok.preview;
    let band = format!("{:?}", p.band).to_lowercase();
    writeln!(
        out,
        "now {:?} -> {} {}  {} (reviewed alias), confidence {:.2} {band}",
        p.input,
        p.role_code().unwrap_or("-"),
        p.level_code().unwrap_or_default(),
        p.match_type.as_str(),
        p.confidence
    )?;
    Ok(ExitCode::SUCCESS)
}

fn reject(a: RejectCmd) -> Result<ExitCode> {
    let mut store = a.db.open_existing()?;
    let d = store.reject(a.id, &a.reviewer, a.note.as_deref())?;
    println!(
        "rejected candidate {} ({:?}); decision {} by {} at {}",
        d.candidate_id, d.title, d.id, d.reviewer, d.at
    );
    Ok(ExitCode::SUCCESS)
}

fn undo(a: UndoCmd) -> Result<ExitCode> {
    let mut store = a.db.open_existing()?;
    let d = store.undo(a.decision, &a.reviewer, a.note.as_deref())?;
    println!(
        "decision {} by {} reverses decision {}: candidate {} ({:?}) is {} again",
        d.id,
        d.reviewer,
        d.reverses.unwrap_or(a.decision),
        d.candidate_id,
        d.title,
        d.new_status
    );
    Ok(ExitCode::SUCCESS)
}

fn import(a: ImportCmd) -> Result<ExitCode> {
    review::check_reviewer(&a.reviewer)?;
    let file =
        std::fs::File::open(&a.file).with_context(|| format!("opening {}", a.file.display()))?;
    let mut store = a.db.open()?;
    let mut engine = engine_with_store(&a.engine, &mut store)?;
    let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = |r: &review::ImportReport| {
        if show {
            eprint!("\r{} rows read", r.rows);
        }
    };
    let r = store.import_decisions(
        std::io::BufReader::new(file),
        &a.reviewer,
        &mut engine,
        &mut progress,
    )?;
    if show {
        eprintln!();
    }
    for e in &r.errors {
        eprintln!("{}:{}: {}", a.file.display(), e.line, e.message);
    }
    if (r.errors.len() as u64) < r.failed + r.refused {
        eprintln!("... and more");
    }
    println!(
        "{} rows: {} approved, {} remapped, {} rejected, {} already decided, {} skipped, {} refused, {} failed",
        r.rows, r.approved, r.remapped, r.rejected, r.already, r.skipped, r.refused, r.failed
    );
    Ok(if r.failed + r.refused > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn export(a: ExportCmd) -> Result<ExitCode> {
    let mut store = a.db.open_existing()?;
    let out = std::io::stdout();
    let mut out = out.lock();
    if a.as_data {
        let engine = engine_with_store(&a.engine, &mut store)?;
        out.write_all(
            store
                .export_aliases_as_data(Some(engine.taxonomy()))?
                .as_bytes(),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    if a.approved {
        let aliases = store.aliases()?;
        match a.format {
            FormatArg::Json => {
                serde_json::to_writer_pretty(&mut out, &aliases)?;
                writeln!(out)?;
            }
            FormatArg::Csv => {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record([
                    "alias",
                    "role",
                    "level",
                    "whole_title",
                    "reviewer",
                    "decision",
                    "approved_at",
                    "candidate",
                ])?;
                for x in &aliases {
                    w.write_record([
                        x.alias.clone(),
                        x.role.clone(),
                        x.level.map(|l| l.to_string()).unwrap_or_default(),
                        x.whole_title.to_string(),
                        x.reviewer.clone(),
                        x.decision_id.to_string(),
                        x.approved_at.clone(),
                        x.candidate_id.to_string(),
                    ])?;
                }
                w.flush()?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let format = match a.format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Json => ExportFormat::Json,
    };
    let n = store.export(&a.filter.filter(a.limit), format, &mut out)?;
    eprintln!("titlematch: exported {n} candidates");
    Ok(ExitCode::SUCCESS)
}

fn history(a: HistoryCmd) -> Result<ExitCode> {
    let store = a.db.open_existing()?;
    let rows = store.history(&HistoryFilter {
        alias: a.alias.clone(),
        candidate: a.candidate,
        reviewer: a.reviewer.clone(),
        limit: a.limit,
    })?;
    let out = std::io::stdout();
    let mut out = out.lock();
    if a.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        eprintln!("titlematch: no decisions match");
    }
    for d in &rows {
        print_decision(&mut out, d)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_decision(out: &mut impl Write, d: &Decision) -> std::io::Result<()> {
    let what = match (&d.alias, &d.role) {
        (Some(a), Some(r)) => {
            let level = d
                .level
                .as_ref()
                .map(|l| format!(" {l}"))
                .unwrap_or_default();
            format!("  {a:?} -> {r}{level}")
        }
        _ => String::new(),
    };
    let rev = d
        .reverses
        .map(|r| format!(" (reverses {r})"))
        .unwrap_or_default();
    writeln!(
        out,
        "{:>5}  {}  {:<12}  {:<9}  #{} {:?}  {} -> {}{rev}{what}",
        d.id,
        d.at,
        d.reviewer,
        d.action.as_str(),
        d.candidate_id,
        d.title,
        d.prev_status,
        d.new_status
    )?;
    if let Some(c) = &d.conflict_role {
        writeln!(
            out,
            "{:>5}  conflict: {c} ({})",
            "",
            d.conflict_with.as_deref().unwrap_or("")
        )?;
    }
    if let Some(n) = &d.note {
        writeln!(out, "{:>5}  note: {n}", "")?;
    }
    Ok(())
}

fn check(a: CheckCmd) -> Result<ExitCode> {
    let mut store = a.db.open_existing()?;
    engine_with_store(&a.engine, &mut store)?;
    let problems = store.check()?;
    let counts = store.counts()?;
    if a.json {
        let v = serde_json::json!({ "path": path_str(store.path()), "schema_version": store.schema_version()?, "counts": counts, "problems": problems });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let by: Vec<String> = counts
            .candidates
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        println!(
            "{}: schema version {}, candidates: {}, {} decisions, {} approved aliases",
            store.path().display(),
            store.schema_version()?,
            if by.is_empty() {
                "none".to_string()
            } else {
                by.join(", ")
            },
            counts.decisions,
            counts.aliases
        );
        for p in &problems {
            println!("problem: {p}");
        }
        if problems.is_empty() {
            println!("ok");
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn path_str(p: &Path) -> String {
    p.display().to_string()
}
