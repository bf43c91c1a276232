//! Bulk normalization of HR exports (CSV, TSV, JSONL): streaming, chunked, parallel, and every
//! row accounted for.
//!
//! [`normalize`] reads an export (a Workday, SuccessFactors, BambooHR or ATS download), matches
//! the title column of every row, and writes every input row back, in input order, with these
//! columns appended:
//!
//! | column | value |
//! | --- | --- |
//! | `role_code`, `role_name` | the role, empty when there is none |
//! | `level_code`, `level_name` | the level, empty when there is no role |
//! | `confidence` | 0..1 with three decimals (empty for `error` rows) |
//! | `band` | `high`, `medium`, `low` (empty for `error` rows) |
//! | `match_type` | `exact`, `alias`, `fuzzy`, `partial`, `none`, or `error` for a row that could not be read |
//! | `soc_code`, `soc_title` | the first SOC suggestion (always to be reviewed) |
//! | `needs_review` | `true` unless the band is `high` |
//!
//! With [`MatchOptions::top`] above 0, `alt1_role_code`, `alt1_role_name`, `alt1_confidence`, ...
//! follow (in JSONL: an `alternatives` array).
//!
//! ```
//! use titlematch::bulk::{self, BulkOptions, Column};
//!
//! let engine = titlematch::Engine::builtin()?;
//! let input = "id,Job Title\n1,Sr. InfoSec Eng II\n2,\"Nurse, Registered\"\n3,asdf qwerty\n";
//! let mut output = Vec::new();
//! let opts = BulkOptions { column: Column::Name("Job Title".into()), ..BulkOptions::default() };
//! let summary = bulk::normalize(&engine, input.as_bytes(), &mut output, &opts)?;
//! assert_eq!((summary.rows_in, summary.rows_out), (3, 3));
//!
//! let text = String::from_utf8(output).unwrap();
//! let mut lines = text.lines();
//! assert_eq!(lines.next(), Some(
//!     "id,Job Title,role_code,role_name,level_code,level_name,confidence,band,match_type,soc_code,soc_title,needs_review"));
//! assert!(lines.next().unwrap().starts_with("1,Sr. InfoSec Eng II,SEI.GEN,"));
//! # Ok::<(), titlematch::Error>(())
//! ```
//!
//! ## What is read
//!
//! - **CSV and TSV** (RFC 4180 quoting: quoted fields may hold delimiters, doubled quotes and
//!   newlines), with or without a UTF-8 byte-order mark, LF or CRLF line ends. The delimiter of a
//!   CSV is `,` unless the header has more `;` than `,` (European Excel exports) or
//!   [`BulkOptions::delimiter`] says otherwise. The format comes from [`BulkOptions::format`], or
//!   is sniffed from the first line (`{` means JSONL, tabs mean TSV).
//! - **JSONL**: one JSON object per line; the title is the value of one key (a string; `null`
//!   is an empty title; a number is read as text). Output lines are the input lines, byte for
//!   byte, with the fields added before the closing brace. Blank lines are not rows and are
//!   skipped (and counted in [`Summary::blank_lines`]).
//! - UTF-16 input (Excel's "Unicode Text") is refused with a message saying how to convert it.
//!
//! ## Rows that cannot be read
//!
//! Rows in = rows out, always. A row that cannot be read is written through with `match_type`
//! `error` and empty role columns, reported to the errors sink (`line,row,kind,reason,raw`, CSV)
//! and counted in [`Summary::rows_error`]:
//!
//! - **invalid UTF-8** anywhere in the row (`invalid_utf8`): written with U+FFFD for the bad
//!   bytes, so the output stays clean UTF-8; the title is not matched even if it is the clean
//!   field, because a row with broken bytes is usually a file in another encoding (the summary
//!   then suggests converting it);
//! - **wrong number of fields** (`field_count`): written as header-wide (padded with empty
//!   fields, or cut; the whole raw line is in the errors file);
//! - **bad quoting** (`bad_quoting`): text after a closing quote, or a quote that never closes.
//!   A quote that never closes would swallow the following lines into one field: when a
//!   multi-line record has bad quoting or the wrong number of fields, each of its lines is read
//!   again on its own, so only the broken line is an error and the lines after it come out as
//!   their own rows. A record over [`BulkOptions::max_record_bytes`] is split the same way, so
//!   memory stays bounded whatever the file holds;
//! - in JSONL, a line that is not a JSON object (`not_json`, written as
//!   `{"_raw": "<the line>", ...}`), a missing key (`missing_key`), or a title that is an array
//!   or object (`not_text`). When *no* object of the first chunk has the key, the run stops
//!   with an error listing the keys there are (a misspelled key, not a few bad rows).
//!
//! - the matcher failing on a title (`internal`): a bug, but it costs the rows with that title,
//!   not the run; the title is in the errors file so it can be reported.
//!
//! The only fatal errors are I/O errors ([`Error::Bulk`](crate::Error::Bulk), with the line and
//! the number of rows already written) and a missing column, which is found before any row is
//! written.
//!
//! ## How it runs
//!
//! A reader thread parses the input into chunks of [`BulkOptions::chunk_rows`] rows (or
//! [`CHUNK_BYTES`]); the calling thread looks each title up in a cache keyed by the trimmed
//! title, matches the chunk's new titles once each in parallel (rayon), formats the rows in
//! parallel and writes them in input order. At most two chunks wait between the threads, so
//! memory is flat whatever the file size. The cache holds at most
//! [`BulkOptions::cache_entries`] titles; when it is full, new titles are matched once per chunk
//! instead (exports repeat their titles heavily, and the frequent ones come early).
//!
//! The cache key is the raw title, trimmed, rather than its normalized text: two titles with
//! the same normalized text can still differ in the segments and compound parts the matcher
//! reads ("Controller / Office Manager" vs "Controller Office Manager").
//!
//! ## Pipes and distributed engines
//!
//! Input and output are any `Read` and `Write`, so the command reads stdin and writes stdout
//! (`titlematch normalize - --format jsonl`) and can run as a streaming step: Spark's
//! `rdd.pipe(...)`, Hadoop Streaming's `-mapper`. Each task then gets a slice of lines without
//! the header, so use JSONL (every line stands alone) or CSV/TSV with
//! [`BulkOptions::has_header`] off and the column as a position; quoted fields with newlines do
//! not survive being split by lines, which JSONL avoids.

mod answers;
mod reader;
mod runner;
mod summary;
mod writer;

pub use runner::{normalize, normalize_with};
pub use summary::{BandCounts, ErrorKind, MatchTypeCounts, RowError, Summary, TitleCount};

use crate::engine::MatchOptions;
use crate::matching::Match;
use std::fmt;
use std::io::Write;
use std::str::FromStr;
use std::time::Duration;

/// Rows per chunk by default: enough to keep both cores busy on the chunk's new titles and to
/// amortize the hand-over between threads, small enough that a chunk of wide rows stays a few
/// megabytes.
pub const DEFAULT_CHUNK_ROWS: usize = 16_384;

/// A chunk also ends once its rows hold this many bytes, so that very wide rows do not make a
/// chunk large (two chunks wait between the threads at most).
pub const CHUNK_BYTES: usize = 8 << 20;

/// Distinct titles cached per run by default. An entry costs about 100 bytes (measured: 100,000
/// distinct titles added 8 MB to the peak resident memory), so a full cache is about 25 MB.
pub const DEFAULT_CACHE_ENTRIES: usize = 250_000;

/// A record (or JSONL line) larger than this is not held whole: a CSV record is read again line
/// by line (it is almost always a quote that never closes), a longer single line is cut and
/// flagged `too_long`.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 4 << 20;

/// Titles are cut to this many bytes (at a character boundary) before matching and caching;
/// the engine reads no more than [`MAX_INPUT_BYTES`](crate::limits::MAX_INPUT_BYTES) anyway.
pub const MAX_TITLE_BYTES: usize = crate::limits::MAX_INPUT_BYTES;

/// The errors file and the summary keep at most this many bytes of a bad row's raw text.
pub const MAX_ERROR_RAW_BYTES: usize = 64 << 10;

/// Errors kept in the [`Summary`] (all of them go to the errors sink).
pub const SUMMARY_ERRORS: usize = 20;

/// Distinct unmatched titles counted for [`Summary::top_unmatched`]; beyond it, new ones are not
/// tracked (the frequent ones appear early).
pub const UNMATCHED_TRACKED: usize = 100_000;

/// Distinct low-confidence titles collected for the review hook.
pub const REVIEW_CANDIDATES: usize = 50_000;

/// Column names appended to every row, in order.
pub const OUTPUT_COLUMNS: [&str; 10] = [
    "role_code",
    "role_name",
    "level_code",
    "level_name",
    "confidence",
    "band",
    "match_type",
    "soc_code",
    "soc_title",
    "needs_review",
];

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-separated values (or another one-byte delimiter, see [`BulkOptions::delimiter`]).
    Csv,
    /// Tab-separated values, quoted like CSV when a field needs it.
    Tsv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The format a file name implies: `.csv`, `.tsv`/`.tab`, `.jsonl`/`.ndjson`.
    ///
    /// ```
    /// use titlematch::bulk::Format;
    /// assert_eq!(Format::from_path("out/Employees.TSV".as_ref()), Some(Format::Tsv));
    /// assert_eq!(Format::from_path("big.ndjson".as_ref()), Some(Format::Jsonl));
    /// assert_eq!(Format::from_path("notes.txt".as_ref()), None);
    /// ```
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }

    /// The name used on the command line and in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Jsonl => "jsonl",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = crate::Error;

    /// `csv`, `tsv` or `jsonl` (also `ndjson`), any case.
    fn from_str(s: &str) -> crate::Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "tsv" | "tab" => Ok(Format::Tsv),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            _ => Err(crate::Error::Invalid(format!(
                "unknown format {s:?}; use csv, tsv or jsonl"
            ))),
        }
    }
}

/// Which column (or JSONL key) holds the titles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Column {
    /// A header name (or JSONL key). A CSV header that differs only in case or surrounding spaces
    /// also matches, when exactly one does.
    Name(String),
    /// A 0-based position (for JSONL: the position of the key in the first object).
    Index(usize),
    /// Detect it from the header: the first of `Job Title`, `Business Title`, `Title`,
    /// `Position Title`, `Position`, ... (case, spaces and underscores ignored) that names
    /// exactly one column. [`Summary::column_detected`] says when this happened.
    #[default]
    Auto,
}

/// Options of a bulk run.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// Input format; `None` sniffs it from the first line.
    pub format: Option<Format>,
    /// Output format; `None` is the input's. JSONL input can only be written as JSONL.
    pub output_format: Option<Format>,
    /// The title column.
    pub column: Column,
    /// CSV delimiter; `None` is `,` (or `;` when the header has more of those). TSV is always
    /// a tab.
    pub delimiter: Option<u8>,
    /// The first CSV/TSV row is a header (default). Without one, the column must be an
    /// [`Column::Index`], the field count is the first row's, no header is written, and JSONL
    /// output names the fields `column_1`, `column_2`, ...
    pub has_header: bool,
    /// Rows per chunk.
    pub chunk_rows: usize,
    /// Distinct titles cached for the run.
    pub cache_entries: usize,
    /// See [`DEFAULT_MAX_RECORD_BYTES`].
    pub max_record_bytes: usize,
    /// How each title is matched. The default for bulk runs reports no alternatives, one SOC
    /// suggestion and no exploration: `top > 0` appends that many alternative roles.
    pub match_options: MatchOptions,
    /// Length of [`Summary::top_unmatched`].
    pub top_unmatched: usize,
}

impl Default for BulkOptions {
    fn default() -> BulkOptions {
        BulkOptions {
            format: None,
            output_format: None,
            column: Column::Auto,
            delimiter: None,
            has_header: true,
            chunk_rows: DEFAULT_CHUNK_ROWS,
            cache_entries: DEFAULT_CACHE_ENTRIES,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            match_options: MatchOptions {
                top: 0,
                soc_top: 1,
                explore: false,
                ..MatchOptions::default()
            },
            top_unmatched: 20,
        }
    }
}

/// Where a run is, reported after each chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Rows written so far.
    pub rows: u64,
    /// Input bytes consumed so far (compare with the file size for a percentage).
    pub bytes: u64,
    /// Rows written as `error` so far.
    pub errors: u64,
    /// Time since the run started.
    pub elapsed: Duration,
}

/// A low-confidence title of the run, for the review queue.
#[derive(Debug, Clone)]
pub struct ReviewCandidate {
    /// The normalized title (the grouping key).
    pub normalized: String,
    /// One raw title of the run that normalizes to it (the first seen).
    pub example: String,
    /// Rows of the run with this normalized title.
    pub count: u64,
    /// The example matched again with alternatives (top 3) and exploration, for the reviewer.
    pub matched: Match,
}

/// Receives the run's low-confidence titles at the end of a run: the hook for the review queue
/// (`--queue-review`). Candidates are the distinct normalized titles whose band was not `high`
/// (including `none`, excluding empty titles and `error` rows), most frequent first, at most
/// [`REVIEW_CANDIDATES`] of them.
///
/// A closure `FnMut(Vec<ReviewCandidate>) -> Result<usize>` is a sink:
///
/// ```
/// use titlematch::bulk::{self, BulkOptions, Hooks, ReviewCandidate};
///
/// let engine = titlematch::Engine::builtin()?;
/// let input = "title\nqwxz analyst\nqwxz analyst\nRegistered Nurse\n";
/// let mut got = Vec::new();
/// let mut sink = |c: Vec<ReviewCandidate>| { let n = c.len(); got = c; Ok(n) };
/// let hooks = Hooks { review: Some(&mut sink), ..Hooks::default() };
/// let s = bulk::normalize_with(&engine, input.as_bytes(), std::io::sink(), &BulkOptions::default(), hooks)?;
/// assert_eq!(s.review_queued, Some(got.len() as u64));
/// assert!(got.iter().all(|c| c.matched.band != titlematch::Band::High));
/// # Ok::<(), titlematch::Error>(())
/// ```
pub trait ReviewSink {
    /// Take the candidates; return how many were queued (a store may skip known ones).
    fn submit(&mut self, candidates: Vec<ReviewCandidate>) -> crate::Result<usize>;
}

impl<F> ReviewSink for F
where
    F: FnMut(Vec<ReviewCandidate>) -> crate::Result<usize>,
{
    fn submit(&mut self, candidates: Vec<ReviewCandidate>) -> crate::Result<usize> {
        self(candidates)
    }
}

/// Optional receivers of a run's side outputs; `Hooks::default()` has none.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Every unreadable row, as CSV `line,row,kind,reason,raw` with a header.
    pub errors: Option<&'a mut dyn Write>,
    /// Called after each chunk.
    pub progress: Option<&'a mut dyn FnMut(&Progress)>,
    /// Receives the low-confidence titles at the end.
    pub review: Option<&'a mut dyn ReviewSink>,
}

impl fmt::Debug for Hooks<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("errors", &self.errors.is_some())
            .field("progress", &self.progress.is_some())
            .field("review", &self.review.is_some())
            .finish()
    }
}
