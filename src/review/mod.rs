//! The review queue: titles the engine is unsure of become **candidate aliases** for a person to
//! judge; an approved alias is an exact match from then on, a rejected one stops coming back.
//!
//! The store is one SQLite file ([`ReviewStore`], default [`DEFAULT_DB`]) in WAL mode with a busy
//! timeout, so several reviewers (processes) can work at once, and with numbered schema
//! migrations. It holds:
//!
//! - **candidates**: one per normalized title, with raw examples, how often it was seen, when,
//!   the engine's suggestion (role, level, SOC, confidence, band) and a status
//!   ([`Status`]: pending, approved, rejected, remapped);
//! - **decisions**: an append-only audit log (who, when, what, note); the database refuses to
//!   update or delete a decision. A candidate's status only changes together with the decision
//!   row that records the change, and [`ReviewStore::undo`] reverses a decision by writing a new
//!   one;
//! - **approved aliases**, which [`overlay_for`] hands to [`Engine::set_overlay`].
//!
//! ```
//! use titlematch::review::{ApproveArgs, ListFilter, ReviewStore};
//! use titlematch::Engine;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let db = dir.path().join("review.db");
//! let mut engine = Engine::builtin()?;
//! let m = engine.match_title("Glorbin Flurk III"); // this organization's word, unknown so far
//! assert!(m.role.is_none());
//!
//! // The title is queued, a reviewer approves it for a role...
//! titlematch::review::queue(&db, &engine, &[m])?;
//! let mut store = ReviewStore::open(&db)?;
//! let c = &store.list(&ListFilter::default())?[0];
//! assert_eq!(c.alias.as_deref(), Some("glorbin flurk"));
//! let args = ApproveArgs { role: Some("SEI.GEN".into()), ..ApproveArgs::by("alice") };
//! let ok = store.approve(c.id, &args, &mut engine)?;
//! assert_eq!(ok.alias, "glorbin flurk"); // the level words stay the level reader's job
//!
//! // ...and from then on the title is an approved exact alias, at the level its words say.
//! let m = engine.match_title("Glorbin Flurk III");
//! assert_eq!(m.role_code(), Some("SEI.GEN"));
//! assert_eq!(m.level_code().as_deref(), Some("P3"));
//! assert_eq!(m.explain.approved, Some(true));
//! # Ok::<(), titlematch::Error>(())
//! ```

mod decisions;
mod import_export;
mod migrations;
mod renames;
mod store;

pub use decisions::{Approval, SyncReport};
pub use import_export::{ExportFormat, ImportReport, EXPORT_COLUMNS};
pub use migrations::SCHEMA_VERSION;
pub use renames::{Rename, Renames};
pub use store::{ApprovedAlias, Counts, RecordReport, ReviewStore};

use crate::engine::{Engine, OverlayAlias};
use crate::error::{Error, Result};
use crate::level::LevelCode;
use crate::matching::{Match, MatchType};
use crate::score::Band;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// Default path of the store, relative to the working directory (beside the index artifacts,
/// which `titlematch build` replaces without touching this file).
pub const DEFAULT_DB: &str = "index/review.db";

/// Environment variable that names the store for every command that touches it.
pub const DB_ENV: &str = "TITLEMATCH_REVIEW_DB";

/// How long a writer waits for another process's transaction before giving up. Transactions
/// are short (one decision, or one batch of an import), so this is only reached when something
/// holds the database far longer than titlematch ever does.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest reviewer name, in characters.
pub const MAX_REVIEWER_CHARS: usize = 64;

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Raw examples kept per candidate (the first ones seen, distinct).
pub const MAX_EXAMPLES: usize = 5;

/// Rows of `review import` written per transaction. Each row is its own savepoint inside it,
/// so a bad row never takes its neighbours with it; a crash loses at most the open batch, and
/// running the import again skips the rows already decided.
pub const IMPORT_BATCH: usize = 50;

/// Default number of candidates `review list` shows.
pub const DEFAULT_LIST_LIMIT: usize = 50;

/// The name the store writes decisions under when it acts on its own (following a role
/// rename, sending an alias whose role disappeared back to review). Reviewers cannot use it.
pub const SYSTEM_REVIEWER: &str = "titlematch";

/// Where a candidate is in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for a reviewer.
    Pending,
    /// Approved with the suggested role.
    Approved,
    /// Not an alias (not a job title, too vague, ...); it does not come back.
    Rejected,
    /// Approved with another role than the suggestion.
    Remapped,
}

impl Status {
    /// The name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Remapped => "remapped",
        }
    }

    /// Approved or remapped: the candidate has an active alias.
    pub fn has_alias(self) -> bool {
        matches!(self, Status::Approved | Status::Remapped)
    }
}

impl std::str::FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Status> {
        match s {
            "pending" => Ok(Status::Pending),
            "approved" => Ok(Status::Approved),
            "rejected" => Ok(Status::Rejected),
            "remapped" => Ok(Status::Remapped),
            _ => Err(Error::Invalid(format!(
                "unknown status {s:?} (expected pending, approved, rejected or remapped)"
            ))),
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a decision did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Approved with the suggested role.
    Approve,
    /// Approved with another role.
    Remap,
    /// Rejected.
    Reject,
    /// Reversed an earlier decision (see [`Decision::reverses`]).
    Undo,
    /// The alias followed its role to a new code (data `renames.csv`); by [`SYSTEM_REVIEWER`].
    Rename,
    /// The alias's role disappeared from the taxonomy: back to pending; by [`SYSTEM_REVIEWER`].
    Orphan,
    /// Another approval took the alias over with `--force`: back to pending.
    Supersede,
    /// An approval refused because another role owns the alias (changes nothing; recorded so
    /// the conflict is on file).
    Refuse,
}

impl Action {
    /// The name stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Remap => "remap",
            Action::Reject => "reject",
            Action::Undo => "undo",
            Action::Rename => "rename",
            Action::Orphan => "orphan",
            Action::Supersede => "supersede",
            Action::Refuse => "refuse",
        }
    }

    fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "approve" => Action::Approve,
            "remap" => Action::Remap,
            "reject" => Action::Reject,
            "undo" => Action::Undo,
            "rename" => Action::Rename,
            "orphan" => Action::Orphan,
            "supersede" => Action::Supersede,
            "refuse" => Action::Refuse,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One sighting of a title the engine was unsure of, ready to be recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateInput {
    /// The normalized title (the candidate's identity).
    pub title: String,
    /// The title as written.
    pub example: String,
    /// The normalized title without level and noise words ([`Engine::core_text`]): the alias a
    /// reviewer approves by default. `None` when not computed.
    pub core: Option<String>,
    /// The engine's role, if any.
    pub suggested_role: Option<String>,
    /// The engine's level, if any.
    pub suggested_level: Option<String>,
    /// The first SOC suggestion, if any.
    pub suggested_soc: Option<String>,
    /// The engine's confidence.
    pub confidence: f64,
    /// Its band.
    pub band: Band,
    /// How the engine found the role.
    pub match_type: MatchType,
    /// Times seen (1 for one match; a bulk run passes its count).
    pub seen: u64,
}

impl CandidateInput {
    /// A candidate from a match the engine was unsure of: `Some` only when the band is below
    /// high or there is no role at all, and the title has words.
    ///
    /// ```
    /// # let engine = titlematch::Engine::builtin().unwrap();
    /// use titlematch::review::CandidateInput;
    /// assert!(CandidateInput::from_match(&engine.match_title("Registered Nurse")).is_none());
    /// let c = CandidateInput::from_match(&engine.match_title("Glorbin Flurk III")).unwrap();
    /// assert_eq!(c.title, "glorbin flurk iii");
    /// ```
    pub fn from_match(m: &Match) -> Option<CandidateInput> {
        if m.band == Band::High && m.match_type != MatchType::None {
            return None;
        }
        if m.normalized.trim().is_empty() {
            return None;
        }
        Some(CandidateInput {
            title: m.normalized.clone(),
            example: m.input.clone(),
            core: None,
            suggested_role: m.role.as_ref().map(|r| r.code.clone()),
            suggested_level: m.level_code(),
            suggested_soc: m.soc.first().map(|s| s.soc_code.clone()),
            confidence: m.confidence,
            band: m.band,
            match_type: m.match_type,
            seen: 1,
        })
    }

    /// The same, with [`CandidateInput::core`] filled in by the engine; `None` also for titles
    /// the normalizer knows are not job titles ("n/a", "see resume").
    pub fn from_match_with(engine: &Engine, m: &Match) -> Option<CandidateInput> {
        let mut c = CandidateInput::from_match(m)?;
        if engine.normalizer().normalize(&m.input).junk {
            return None;
        }
        c.core = Some(engine.core_text(&m.input));
        Some(c)
    }
}

/// A candidate alias in the store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Its id (what `review approve ID` takes).
    pub id: i64,
    /// The normalized title.
    pub title: String,
    /// The alias approval teaches by default: the title without level and noise words.
    pub alias: Option<String>,
    /// Raw titles seen, first ones first (at most [`MAX_EXAMPLES`]).
    pub examples: Vec<String>,
    /// How many times it was seen.
    pub count: u64,
    /// First sighting (UTC, ISO 8601).
    pub first_seen: String,
    /// Last sighting.
    pub last_seen: String,
    /// The engine's role when last seen.
    pub suggested_role: Option<String>,
    /// The engine's level.
    pub suggested_level: Option<String>,
    /// The engine's first SOC suggestion.
    pub suggested_soc: Option<String>,
    /// The engine's confidence.
    pub confidence: Option<f64>,
    /// Its band.
    pub band: Option<Band>,
    /// How the engine found the role (`partial`, `none`, ...).
    pub match_type: Option<String>,
    /// Review status.
    pub status: Status,
    /// A note from the store (why it came back to review, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One row of the decision log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Its id (what `review undo ID` takes).
    pub id: i64,
    /// The candidate decided on.
    pub candidate_id: i64,
    /// The candidate's normalized title.
    pub title: String,
    /// What was done.
    pub action: Action,
    /// Who decided.
    pub reviewer: String,
    /// When (UTC, ISO 8601).
    pub at: String,
    /// Status before.
    pub prev_status: Status,
    /// Status after.
    pub new_status: Status,
    /// The role approved (or the role of the alias acted on).
    pub role: Option<String>,
    /// The level fixed by the alias, if any.
    pub level: Option<String>,
    /// The alias text.
    pub alias: Option<String>,
    /// The whole title (level words included) was approved as the alias.
    pub whole_title: bool,
    /// Approved with `--force` over another role's alias.
    pub forced: bool,
    /// The role that already owned the alias, for refused and forced approvals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict_role: Option<String>,
    /// What it owned it by (`built-in alias "..."`, `approved in decision N`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict_with: Option<String>,
    /// The decision an undo reverses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverses: Option<i64>,
    /// The reviewer's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Which candidates [`ReviewStore::list`] returns: most frequent first.
#[derive(Debug, Clone, PartialEq)]
pub struct ListFilter {
    /// Only this status (`None`: every status). Default: pending.
    pub status: Option<Status>,
    /// Seen at least this many times.
    pub min_count: u64,
    /// Suggested role in this job family (the code's prefix: `SEI` for `SEI.GEN`).
    pub family: Option<String>,
    /// Only this band.
    pub band: Option<Band>,
    /// At most this many (0: no limit).
    pub limit: usize,
    /// Also list pending candidates that an approved alias already answers (approving
    /// "Cyber Defender III" answers "Cyber Defender II" too). Hidden by default.
    pub include_covered: bool,
}

impl Default for ListFilter {
    fn default() -> ListFilter {
        ListFilter {
            status: Some(Status::Pending),
            min_count: 0,
            family: None,
            band: None,
            limit: DEFAULT_LIST_LIMIT,
            include_covered: false,
        }
    }
}

/// Which decisions [`ReviewStore::history`] returns (oldest first, the latest `limit`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryFilter {
    /// Decisions whose alias or candidate title contains this text (case-insensitive).
    pub alias: Option<String>,
    /// Decisions on this candidate.
    pub candidate: Option<i64>,
    /// Decisions by this reviewer.
    pub reviewer: Option<String>,
    /// At most this many, the latest (0: all).
    pub limit: usize,
}

/// What an approval does; see [`ReviewStore::approve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproveArgs {
    /// The role; `None` accepts the suggestion, another role remaps.
    pub role: Option<String>,
    /// The level. Without `whole_title` it must agree with what the title's level words say
    /// (they stay the level reader's job); a title with no level words gets it fixed on the
    /// alias.
    pub level: Option<LevelCode>,
    /// Approve the whole normalized title, level words included, as the alias, with its level
    /// fixed.
    pub whole_title: bool,
    /// Who decides (required).
    pub reviewer: String,
    /// Why.
    pub note: Option<String>,
    /// Take the alias over from the role that owns it (recorded as such).
    pub force: bool,
}

impl ApproveArgs {
    /// Accept the suggestion, as `reviewer`.
    pub fn by(reviewer: &str) -> ApproveArgs {
        ApproveArgs {
            role: None,
            level: None,
            whole_title: false,
            reviewer: reviewer.to_string(),
            note: None,
            force: false,
        }
    }
}

/// What [`queue`] recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueReport {
    /// Matches offered.
    pub matches: usize,
    /// Of those, sightings recorded (the engine was unsure).
    pub queued: usize,
    /// New candidates.
    pub new: usize,
}

/// Record the matches the engine was unsure of in the store at `db` (created if needed).
/// One transaction for the whole slice.
pub fn queue(db: &Path, engine: &Engine, matches: &[Match]) -> Result<QueueReport> {
    let inputs: Vec<CandidateInput> = matches
        .iter()
        .filter_map(|m| CandidateInput::from_match_with(engine, m))
        .collect();
    let mut report = QueueReport {
        matches: matches.len(),
        queued: inputs.len(),
        new: 0,
    };
    if inputs.is_empty() {
        return Ok(report);
    }
    let mut store = ReviewStore::open(db)?;
    report.new = store.record_candidates(&inputs)?.new;
    Ok(report)
}

/// The review queue as the sink of a bulk run (`normalize --queue-review`): records each
/// low-confidence title with the number of rows it had.
///
/// ```
/// use titlematch::bulk::{self, BulkOptions, Hooks};
/// let dir = tempfile::tempdir().unwrap();
/// let db = dir.path().join("review.db");
/// let engine = titlematch::Engine::builtin()?;
/// let mut sink = titlematch::review::StoreSink::new(&db, &engine);
/// let input = "title\nqwxz analyst\nqwxz analyst\nRegistered Nurse\n";
/// let hooks = Hooks { review: Some(&mut sink), ..Hooks::default() };
/// bulk::normalize_with(&engine, input.as_bytes(), std::io::sink(), &BulkOptions::default(), hooks)?;
/// let store = titlematch::review::ReviewStore::open(&db)?;
/// let queued = store.list(&Default::default())?;
/// assert_eq!((queued[0].title.as_str(), queued[0].count), ("qwxz analyst", 2));
/// # Ok::<(), titlematch::Error>(())
/// ```
#[derive(Debug)]
pub struct StoreSink<'a> {
    db: std::path::PathBuf,
    engine: &'a Engine,
}

impl<'a> StoreSink<'a> {
    /// A sink writing to the store at `db` (created when the run has candidates).
    pub fn new(db: &Path, engine: &'a Engine) -> StoreSink<'a> {
        StoreSink {
            db: db.to_path_buf(),
            engine,
        }
    }
}

impl crate::bulk::ReviewSink for StoreSink<'_> {
    fn submit(&mut self, candidates: Vec<crate::bulk::ReviewCandidate>) -> Result<usize> {
        let inputs: Vec<CandidateInput> = candidates
            .iter()
            .filter_map(|c| {
                let mut i = CandidateInput::from_match_with(self.engine, &c.matched)?;
                i.title = c.normalized.clone();
                i.example = c.example.clone();
                i.seen = c.count.max(1);
                Some(i)
            })
            .collect();
        if inputs.is_empty() {
            return Ok(0);
        }
        ReviewStore::open(&self.db)?.record_candidates(&inputs)?;
        Ok(inputs.len())
    }
}

/// Install the approved aliases of the store at `db` into `engine`, after bringing them in line
/// with the engine's taxonomy: aliases of renamed roles follow `renames`, and aliases whose
/// role disappeared go back to review. A store that does not exist yet means no aliases (and
/// is not created).
pub fn overlay_for(engine: &mut Engine, db: &Path, renames: &Renames) -> Result<SyncReport> {
    if !db.exists() {
        return Ok(SyncReport::default());
    }
    let mut store = ReviewStore::open(db)?;
    let report = store.sync(renames, engine.taxonomy())?;
    store.refresh_overlay(engine)?;
    Ok(report)
}

/// The approved aliases as the engine takes them.
impl From<&ApprovedAlias> for OverlayAlias {
    fn from(a: &ApprovedAlias) -> OverlayAlias {
        OverlayAlias {
            alias: a.alias.clone(),
            role: a.role.clone(),
            level: a.level,
            reviewer: a.reviewer.clone(),
        }
    }
}

/// A reviewer name, checked: required, at most [`MAX_REVIEWER_CHARS`] characters, no control
/// characters, not [`SYSTEM_REVIEWER`].
pub fn check_reviewer(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Error::Invalid(
            "a reviewer name is required (--reviewer NAME)".into(),
        ));
    }
    if n.chars().count() > MAX_REVIEWER_CHARS {
        return Err(Error::Invalid(format!(
            "reviewer name is longer than {MAX_REVIEWER_CHARS} characters"
        )));
    }
    if n.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "reviewer name contains control characters".into(),
        ));
    }
    if n.eq_ignore_ascii_case(SYSTEM_REVIEWER) {
        return Err(Error::Invalid(format!(
            "{SYSTEM_REVIEWER:?} is reserved for the store's own decisions; give your name"
        )));
    }
    Ok(n.to_string())
}

/// A note, checked: at most [`MAX_NOTE_CHARS`] characters; blank is no note.
pub fn check_note(note: Option<&str>) -> Result<Option<String>> {
    let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if n.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::Invalid(format!(
            "note is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    if n.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::Invalid("note contains control characters".into()));
    }
    Ok(Some(n.to_string()))
}

fn band_str(b: Band) -> &'static str {
    match b {
        Band::High => "high",
        Band::Medium => "medium",
        Band::Low => "low",
    }
}

/// Parse a band name (`high`, `medium`, `low`).
pub fn parse_band(s: &str) -> Result<Band> {
    match s {
        "high" => Ok(Band::High),
        "medium" => Ok(Band::Medium),
        "low" => Ok(Band::Low),
        _ => Err(Error::Invalid(format!(
            "unknown band {s:?} (expected high, medium or low)"
        ))),
    }
}

/// Cut `s` to at most `max` bytes at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewer_names_are_checked() {
        assert_eq!(check_reviewer("  alice ").unwrap(), "alice");
        assert!(check_reviewer("").is_err());
        assert!(check_reviewer("   ").is_err());
        assert!(check_reviewer(&"x".repeat(MAX_REVIEWER_CHARS + 1)).is_err());
        assert!(check_reviewer(&"é".repeat(MAX_REVIEWER_CHARS)).is_ok());
        assert!(check_reviewer("bob\u{7}").is_err());
        assert!(check_reviewer("TitleMatch").is_err());
    }

    #[test]
    fn notes_are_checked() {
        assert_eq!(check_note(None).unwrap(), None);
        assert_eq!(check_note(Some("  ")).unwrap(), None);
        assert_eq!(
            check_note(Some("two\nlines")).unwrap().as_deref(),
            Some("two\nlines")
        );
        assert!(check_note(Some(&"n".repeat(MAX_NOTE_CHARS + 1))).is_err());
        assert!(check_note(Some("esc\u{1b}[31m")).is_err());
    }

    #[test]
    fn cut_keeps_char_boundaries() {
        assert_eq!(cut("héllo", 2), "h");
        assert_eq!(cut("héllo", 3), "hé");
        assert_eq!(cut("abc", 10), "abc");
    }

    #[test]
    fn names_round_trip() {
        for s in [
            Status::Pending,
            Status::Approved,
            Status::Rejected,
            Status::Remapped,
        ] {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        for a in [
            Action::Approve,
            Action::Remap,
            Action::Reject,
            Action::Undo,
            Action::Rename,
            Action::Orphan,
            Action::Supersede,
            Action::Refuse,
        ] {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        for b in [Band::High, Band::Medium, Band::Low] {
            assert_eq!(parse_band(band_str(b)).unwrap(), b);
        }
    }
}
