//! The run: open the input, resolve the column, then read chunks on one thread while this one
//! matches, formats and writes them in order.

use super::answers::{Answer, Answers, Fresh};
use super::reader::{self, Bom, Chunk, CsvSource, Input, JsonlSource, ReadError};
use super::summary::{thousands, ErrorKind, RowError, Summary, TitleCount};
use super::writer::{put_field, put_json_str, Layout};
use super::{
    BulkOptions, Column, Format, Hooks, Progress, ReviewCandidate, CHUNK_BYTES, OUTPUT_COLUMNS,
    REVIEW_CANDIDATES, SUMMARY_ERRORS, UNMATCHED_TRACKED,
};
use crate::engine::{Engine, MatchOptions};
use crate::error::{Error, Result};
use crate::matching::MatchType;
use crate::score::Band;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{BufReader, Read, Write};
use std::panic::AssertUnwindSafe;
use std::time::Instant;

/// Rows formatted per rayon task.
const FORMAT_ROWS: usize = 2048;

/// Header names that hold job titles, best first, compared lowercased with only letters and
/// digits kept ("Job Title", "job_title" and "JOBTITLE" are all `jobtitle`). `Job Profile` and
/// `Role` come last: in Workday and most HRIS exports they are the employer's own catalogue,
/// while the free-text title is in `Business Title` / `Job Title`.
const TITLE_COLUMNS: [&str; 16] = [
    "jobtitle",
    "businesstitle",
    "title",
    "positiontitle",
    "currentjobtitle",
    "currenttitle",
    "employeetitle",
    "jobpositiontitle",
    "jobtitlename",
    "position",
    "positionname",
    "jobname",
    "designation",
    "job",
    "role",
    "jobprofile",
];

/// Normalize a whole export: read `input`, write every row to `output` with the columns of
/// [`OUTPUT_COLUMNS`] appended, and return the [`Summary`]. Unreadable rows are written as
/// `error` rows and listed in the summary; use [`normalize_with`] to also get them all as an
/// errors file, progress reports, or the review hook.
///
/// ```
/// use titlematch::bulk::{self, BulkOptions, Format};
///
/// let engine = titlematch::Engine::builtin()?;
/// let input = "{\"id\":1,\"title\":\"Registered Nurse\"}\n{\"id\":2}\nnot json\n";
/// let mut out = Vec::new();
/// let s = bulk::normalize(&engine, input.as_bytes(), &mut out, &BulkOptions {
///     column: bulk::Column::Name("title".into()),
///     ..BulkOptions::default()
/// })?;
/// assert_eq!(s.format, Some(Format::Jsonl));
/// assert_eq!((s.rows_in, s.rows_out, s.rows_error), (3, 3, 2));
/// let lines: Vec<serde_json::Value> =
///     String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
/// assert_eq!(lines[0]["id"], 1);
/// assert_eq!(lines[0]["match_type"], "exact");
/// assert_eq!(lines[1]["match_type"], "error");
/// assert_eq!(lines[2]["_raw"], "not json");
/// # Ok::<(), titlematch::Error>(())
/// ```
pub fn normalize<R: Read + Send, W: Write>(
    engine: &Engine,
    input: R,
    output: W,
    opts: &BulkOptions,
) -> Result<Summary> {
    normalize_with(engine, input, output, opts, Hooks::default())
}

/// [`normalize`], with an errors sink, a progress callback and a review hook.
pub fn normalize_with<R: Read + Send, W: Write>(
    engine: &Engine,
    input: R,
    mut output: W,
    opts: &BulkOptions,
    hooks: Hooks<'_>,
) -> Result<Summary> {
    let started = Instant::now();
    let ladder = &opts.match_options.ladder;
    if !engine.ladders().contains(ladder) {
        return Err(Error::Invalid(format!(
            "unknown ladder {ladder:?}; known: {}",
            engine.ladders().join(", ")
        )));
    }
    let read_err = |line: u64| {
        move |e: std::io::Error| Error::Bulk {
            op: "reading the input",
            line,
            rows_written: 0,
            source: e,
        }
    };
    let mut input = Input::new(BufReader::with_capacity(1 << 18, input));
    let bom = match reader::bom(input.peek(4).map_err(read_err(1))?) {
        Bom::Utf16 => {
            return Err(Error::Invalid(
                "the input is UTF-16 (what Excel saves as \"Unicode Text\"); save it as \"CSV UTF-8\" instead, or convert it: iconv -f UTF-16 -t UTF-8 in.txt > in.tsv".into(),
            ))
        }
        Bom::Utf8 => {
            input.skip(3);
            true
        }
        Bom::None => false,
    };
    let peeked = input.peek_line(64 << 10).map_err(read_err(1))?;
    // Only the first line: the peek may hold more.
    let first_line = peeked
        .split(|&b| b == b'\n')
        .next()
        .unwrap_or_default()
        .to_vec();
    let format = opts.format.unwrap_or_else(|| sniff_format(&first_line));
    let out_format = opts.output_format.unwrap_or(format);
    if format == Format::Jsonl && out_format != Format::Jsonl {
        return Err(Error::Invalid(format!("JSONL input can only be written as JSONL, not {out_format}: its objects need not share their keys")));
    }
    let summary = Summary {
        format: Some(format),
        output_format: Some(out_format),
        bom,
        unique_titles_exact: true,
        ..Summary::default()
    };
    let mut run = Run::new(engine, opts, summary, hooks, started);
    if let Some(w) = run.hooks.errors.as_mut() {
        w.write_all(b"line,row,kind,reason,raw\n")
            .map_err(|e| Error::Bulk {
                op: "writing the errors file",
                line: 1,
                rows_written: 0,
                source: e,
            })?;
    }
    match format {
        Format::Csv | Format::Tsv => {
            let delim = match format {
                Format::Tsv => b'\t',
                _ => opts
                    .delimiter
                    .unwrap_or_else(|| sniff_delimiter(&first_line)),
            };
            run.summary.delimiter = Some(delim as char);
            let mut src = CsvSource::new(input, delim, opts.max_record_bytes);
            let names: Vec<String>;
            if opts.has_header {
                if !src.advance().map_err(read_err(1))? {
                    return Ok(run.finish());
                }
                names = src
                    .fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                let (title, detected) = resolve_column(&names, &opts.column)?;
                src.title = title;
                src.expected = Some(names.len());
                src.names = names.clone();
                run.summary.column = names[title].clone();
                run.summary.column_detected = detected;
            } else {
                let Column::Index(title) = opts.column else {
                    return Err(Error::Invalid(
                        "without a header row, give the title column as a position".into(),
                    ));
                };
                src.title = title;
                if !src.advance().map_err(read_err(1))? {
                    return Ok(run.finish());
                }
                let n = src.field_count();
                if title >= n {
                    return Err(Error::Invalid(format!(
                        "column {} does not exist: the first row has {n} fields",
                        title + 1
                    )));
                }
                src.expected = Some(n);
                src.replay();
                names = (1..=n).map(|i| format!("column_{i}")).collect();
                run.summary.column = format!("#{}", title + 1);
            }
            let keep = kept_columns(&names, src.title, opts.has_header);
            let out_delim = match out_format {
                Format::Tsv => b'\t',
                _ if format == Format::Csv => delim,
                _ => b',',
            };
            let json_keys = keep
                .iter()
                .map(|&i| {
                    let mut k = Vec::new();
                    put_json_str(&mut k, &names[i]);
                    String::from_utf8_lossy(&k).into_owned()
                })
                .collect();
            // Readable rows go out as they came in when nothing about them changes.
            src.verbatim = out_format == format && out_delim == delim && keep.len() == names.len();
            run.layout = Layout {
                input: format,
                output: out_format,
                delim: out_delim,
                crlf: src.crlf,
                keep,
                json_keys,
                top: opts.match_options.top,
            };
            if opts.has_header {
                output
                    .write_all(&run.layout.header(&names, bom))
                    .map_err(|e| Error::Bulk {
                        op: "writing the output",
                        line: 1,
                        rows_written: 0,
                        source: e,
                    })?;
            }
            run.drive(&mut output, move |rows, bytes| src.next_chunk(rows, bytes))?;
        }
        Format::Jsonl => {
            let mut src = JsonlSource::open(input, &opts.column, opts.max_record_bytes).map_err(
                |e| match e {
                    ReadError::Io(line, e) => read_err(line)(e),
                    ReadError::Invalid(m) => Error::Invalid(m),
                },
            )?;
            run.summary.column = src.key.clone();
            run.summary.column_detected = opts.column == Column::Auto && !src.key.is_empty();
            run.first_keys = Some(src.first_keys.clone());
            run.layout = Layout {
                input: format,
                output: Format::Jsonl,
                delim: b',',
                crlf: false,
                keep: Vec::new(),
                json_keys: Vec::new(),
                top: opts.match_options.top,
            };
            run.drive(&mut output, move |rows, bytes| src.next_chunk(rows, bytes))?;
        }
    }
    output.flush().map_err(|e| Error::Bulk {
        op: "writing the output",
        line: run.last_line,
        rows_written: run.summary.rows_out,
        source: e,
    })?;
    if let Some(w) = run.hooks.errors.as_mut() {
        w.flush().map_err(|e| Error::Bulk {
            op: "writing the errors file",
            line: run.last_line,
            rows_written: run.summary.rows_out,
            source: e,
        })?;
    }
    run.review()?;
    Ok(run.finish())
}

/// The first line says JSON (`{`), tabs (TSV) or commas (CSV).
fn sniff_format(first: &[u8]) -> Format {
    let t = first.trim_ascii_start();
    if t.starts_with(b"{") {
        return Format::Jsonl;
    }
    let tabs = first.iter().filter(|&&b| b == b'\t').count();
    let commas = first.iter().filter(|&&b| b == b',').count();
    if tabs > 0 && tabs >= commas {
        Format::Tsv
    } else {
        Format::Csv
    }
}

/// `;` when the header has more of those than commas (Excel in locales with a decimal comma).
fn sniff_delimiter(first: &[u8]) -> u8 {
    let semis = first.iter().filter(|&&b| b == b';').count();
    let commas = first.iter().filter(|&&b| b == b',').count();
    if semis > commas {
        b';'
    } else {
        b','
    }
}

fn canon(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The column that looks like the job title, if one does.
pub(crate) fn detect_column(names: &[String]) -> Option<usize> {
    let canon: Vec<String> = names.iter().map(|n| canon(n)).collect();
    TITLE_COLUMNS
        .iter()
        .find_map(|want| canon.iter().position(|c| c == want))
}

/// `1 "id", 2 "Job Title"`, for messages (at most 60 names).
pub(crate) fn list_names(names: &[String]) -> String {
    let mut v: Vec<String> = names
        .iter()
        .take(60)
        .enumerate()
        .map(|(i, n)| format!("{} {n:?}", i + 1))
        .collect();
    if names.len() > 60 {
        v.push(format!("... ({} in all)", names.len()));
    }
    v.join(", ")
}

/// The position of the title column, and whether it was detected.
fn resolve_column(names: &[String], column: &Column) -> Result<(usize, bool)> {
    match column {
        Column::Name(want) => {
            if let Some(i) = names.iter().position(|n| n == want) {
                return Ok((i, false));
            }
            let loose: Vec<usize> = (0..names.len()).filter(|&i| names[i].trim().eq_ignore_ascii_case(want.trim())).collect();
            if loose.len() == 1 {
                return Ok((loose[0], false));
            }
            let close = names
                .iter()
                .map(|n| (strsim::normalized_levenshtein(&n.to_lowercase(), &want.to_lowercase()), n))
                .filter(|(s, _)| *s >= 0.6)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, n)| format!(" (did you mean {n:?}?)"))
                .unwrap_or_default();
            Err(Error::Invalid(format!("column {want:?} not found{close}; the columns are: {}", list_names(names))))
        }
        Column::Index(i) => {
            if *i < names.len() {
                Ok((*i, false))
            } else {
                Err(Error::Invalid(format!("there is no column {}: the header has {}: {}", i + 1, names.len(), list_names(names))))
            }
        }
        Column::Auto => match detect_column(names) {
            Some(i) => Ok((i, true)),
            None => Err(Error::Invalid(format!(
                "no column looks like a job title; give it with --column (a name or a 1-based position). The columns are: {}",
                list_names(names)
            ))),
        },
    }
}

/// Input columns written back: all of them, except the columns a previous run appended. Those
/// are recognized only as the exact block this run would append, at the end of the header
/// (`role_code` ... `needs_review`, then `altN_*` triples), so that a column of the user's own
/// that happens to be called `band` is never dropped.
fn kept_columns(names: &[String], title: usize, has_header: bool) -> Vec<usize> {
    let all: Vec<usize> = (0..names.len()).collect();
    if !has_header {
        return all;
    }
    for top in 0..=crate::limits::MAX_TOP {
        let width = OUTPUT_COLUMNS.len() + 3 * top;
        if names.len() < width {
            break;
        }
        let start = names.len() - width;
        let block = &names[start..];
        let base = block.iter().zip(OUTPUT_COLUMNS).all(|(n, c)| n == c);
        let alts = (0..top).all(|k| {
            let t = &block[OUTPUT_COLUMNS.len() + 3 * k..];
            t[0] == format!("alt{}_role_code", k + 1)
                && t[1] == format!("alt{}_role_name", k + 1)
                && t[2] == format!("alt{}_confidence", k + 1)
        });
        if base && alts && title < start {
            return (0..start).collect();
        }
    }
    all
}

/// Rows and a first raw example, per normalized title.
type Counted = (u64, Box<str>);
type TitleCounts = HashMap<Box<str>, Counted>;

struct Run<'e, 'h> {
    engine: &'e Engine,
    opts: &'e BulkOptions,
    hooks: Hooks<'h>,
    layout: Layout,
    summary: Summary,
    started: Instant,
    answers: Answers,
    unmatched: TitleCounts,
    review: TitleCounts,
    review_full: bool,
    error_counts: HashMap<ErrorKind, u64>,
    last_line: u64,
    /// Keys of the first JSONL object (for the message when no object has the key).
    first_keys: Option<Vec<String>>,
    chunks: u64,
}

impl<'e, 'h> Run<'e, 'h> {
    fn new(
        engine: &'e Engine,
        opts: &'e BulkOptions,
        summary: Summary,
        hooks: Hooks<'h>,
        started: Instant,
    ) -> Run<'e, 'h> {
        Run {
            engine,
            opts,
            hooks,
            layout: Layout {
                input: Format::Csv,
                output: Format::Csv,
                delim: b',',
                crlf: false,
                keep: Vec::new(),
                json_keys: Vec::new(),
                top: 0,
            },
            summary,
            started,
            answers: Answers::new(opts.cache_entries),
            unmatched: HashMap::new(),
            review: HashMap::new(),
            review_full: false,
            error_counts: HashMap::new(),
            last_line: 1,
            first_keys: None,
            chunks: 0,
        }
    }

    /// Read chunks on a second thread, process them here, in order.
    fn drive<W, S>(&mut self, output: &mut W, mut source: S) -> Result<()>
    where
        W: Write,
        S: FnMut(usize, usize) -> std::result::Result<Option<Chunk>, ReadError> + Send,
    {
        let rows = self.opts.chunk_rows.max(1);
        std::thread::scope(|scope| {
            // Two chunks in flight at most: memory stays flat, the reader stays ahead.
            let (tx, rx) = std::sync::mpsc::sync_channel(2);
            scope.spawn(move || loop {
                let next = source(rows, CHUNK_BYTES);
                let stop = !matches!(next, Ok(Some(_)));
                if tx.send(next).is_err() || stop {
                    return;
                }
            });
            for next in rx {
                match next {
                    Ok(Some(chunk)) => self.process(chunk, output)?,
                    Ok(None) => break,
                    Err(ReadError::Io(line, source)) => {
                        return Err(Error::Bulk {
                            op: "reading the input",
                            line,
                            rows_written: self.summary.rows_out,
                            source,
                        });
                    }
                    Err(ReadError::Invalid(m)) => return Err(Error::Invalid(m)),
                }
            }
            Ok(())
        })
    }

    fn process<W: Write>(&mut self, chunk: Chunk, output: &mut W) -> Result<()> {
        self.summary.blank_lines += chunk.blank_lines;
        let rows = &chunk.rows;
        // 1. Answers from the cache; the chunk's new titles, once each.
        let mut ids: Vec<Option<u32>> = Vec::with_capacity(rows.len());
        let mut new_index: HashMap<&str, usize> = HashMap::new();
        let mut new_titles: Vec<&str> = Vec::new();
        let mut waiting: Vec<(usize, usize)> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let id = match chunk.title(row) {
                None => None,
                Some(t) => match self.answers.lookup(t) {
                    Some(id) => Some(id),
                    None => {
                        let k = *new_index.entry(t).or_insert_with(|| {
                            new_titles.push(t);
                            new_titles.len() - 1
                        });
                        waiting.push((i, k));
                        None
                    }
                },
            };
            ids.push(id);
        }
        if self.chunks == 0 {
            self.check_first_chunk(&chunk)?;
        }
        self.chunks += 1;
        // 2. Match them in parallel.
        let engine = self.engine;
        let mo = &self.opts.match_options;
        // A panic in the matcher costs its title, not the run: the rows become `internal` errors.
        let fresh: Vec<Fresh> = new_titles
            .par_iter()
            .map(|t| {
                match std::panic::catch_unwind(AssertUnwindSafe(|| engine.match_with(t, mo))) {
                    Ok(m) => Fresh::from(m),
                    Err(p) => Fresh::failed(panic_message(p.as_ref())),
                }
            })
            .collect();
        self.summary.titles_matched += new_titles.len() as u64;
        let layout = &self.layout;
        let new: Vec<u32> = new_titles
            .iter()
            .zip(fresh)
            .map(|(t, f)| self.answers.add(t, f, layout))
            .collect();
        for (i, k) in waiting {
            ids[i] = Some(new[k]);
        }
        // 3. Count, and report the unreadable rows.
        for (i, (row, id)) in rows.iter().zip(&ids).enumerate() {
            let row_no = self.summary.rows_out + i as u64 + 1;
            let failure = id.and_then(|id| self.answers.get(id).failure());
            match (id, &row.problem) {
                (Some(_), _) if failure.is_some() => {
                    let title = chunk.title(row).unwrap_or("");
                    let reason = format!(
                        "the matcher failed on this title: {}",
                        failure.unwrap_or("")
                    );
                    self.error(RowError {
                        line: row.line,
                        row: row_no,
                        kind: ErrorKind::Internal,
                        reason,
                        raw: title.to_string(),
                    })?
                }
                (Some(id), _) => self.count(*id, chunk.title(row).unwrap_or("")),
                (None, Some(p)) => self.error(RowError {
                    line: row.line,
                    row: row_no,
                    kind: p.kind,
                    reason: p.reason.clone(),
                    raw: p.raw.clone(),
                })?,
                (None, None) => self.error(RowError {
                    line: row.line,
                    row: row_no,
                    kind: ErrorKind::NotText,
                    reason: "no title".into(),
                    raw: String::new(),
                })?,
            }
        }
        // 4. Format in parallel, write in order.
        let (layout, answers) = (&self.layout, &self.answers);
        let bufs: Vec<Vec<u8>> = rows
            .par_chunks(FORMAT_ROWS)
            .zip(ids.par_chunks(FORMAT_ROWS))
            .map(|(r, a)| layout.rows(&chunk, r, a, answers))
            .collect();
        for (n, b) in bufs.iter().enumerate() {
            let done = (n * FORMAT_ROWS) as u64;
            output.write_all(b).map_err(|e| Error::Bulk {
                op: "writing the output",
                line: rows.get(n * FORMAT_ROWS).map_or(self.last_line, |r| r.line),
                rows_written: self.summary.rows_out + done,
                source: e,
            })?;
        }
        self.summary.rows_in += rows.len() as u64;
        self.summary.rows_out += rows.len() as u64;
        self.last_line = rows.last().map_or(self.last_line, |r| r.line);
        self.answers.end_chunk();
        if let Some(p) = self.hooks.progress.as_mut() {
            p(&Progress {
                rows: self.summary.rows_out,
                bytes: chunk.input_bytes,
                errors: self.summary.rows_error,
                elapsed: self.started.elapsed(),
            });
        }
        Ok(())
    }

    /// A misspelled JSONL key makes every row an error: say so once instead.
    fn check_first_chunk(&self, chunk: &Chunk) -> Result<()> {
        let Some(keys) = &self.first_keys else {
            return Ok(());
        };
        let missing = chunk
            .rows
            .iter()
            .filter(|r| {
                r.problem
                    .as_ref()
                    .is_some_and(|p| p.kind == ErrorKind::MissingKey)
            })
            .count();
        let with_key = chunk
            .rows
            .iter()
            .filter(|r| {
                r.title.is_some()
                    || r.problem
                        .as_ref()
                        .is_some_and(|p| p.kind == ErrorKind::NotText)
            })
            .count();
        if missing > 0 && with_key == 0 {
            return Err(Error::Invalid(format!(
                "no object of the first {} has the key {:?}; the first object's keys are: {}",
                chunk.rows.len(),
                self.summary.column,
                list_names(keys)
            )));
        }
        Ok(())
    }

    fn count(&mut self, id: u32, title: &str) {
        let a: Answer<'_> = self.answers.get(id);
        let s = &mut self.summary;
        let m = &mut s.match_types;
        match a.match_type() {
            MatchType::Exact => m.exact += 1,
            MatchType::Alias => m.alias += 1,
            MatchType::Fuzzy => m.fuzzy += 1,
            MatchType::Partial => m.partial += 1,
            MatchType::None => m.none += 1,
        }
        match a.band() {
            Band::High => s.bands.high += 1,
            Band::Medium => s.bands.medium += 1,
            Band::Low => s.bands.low += 1,
        }
        s.needs_review += a.needs_review() as u64;
        if title.is_empty() {
            s.empty_titles += 1;
            return;
        }
        if !a.needs_review() {
            return;
        }
        let key: &str = match a.normalized() {
            Some(n) if !n.is_empty() => n,
            _ => title,
        };
        if a.match_type() == MatchType::None {
            bump(&mut self.unmatched, key, title, UNMATCHED_TRACKED);
        }
        if self.hooks.review.is_some() && !bump(&mut self.review, key, title, REVIEW_CANDIDATES) {
            self.review_full = true;
        }
    }

    fn error(&mut self, e: RowError) -> Result<()> {
        self.summary.rows_error += 1;
        self.summary.match_types.error += 1;
        self.summary.needs_review += 1;
        *self.error_counts.entry(e.kind).or_default() += 1;
        if let Some(w) = self.hooks.errors.as_mut() {
            let mut line = Vec::new();
            let line_no = e.line.to_string();
            let row_no = e.row.to_string();
            let fields: [&[u8]; 5] = [
                line_no.as_bytes(),
                row_no.as_bytes(),
                e.kind.as_str().as_bytes(),
                e.reason.as_bytes(),
                e.raw.as_bytes(),
            ];
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                put_field(&mut line, f, b',');
            }
            line.push(b'\n');
            w.write_all(&line).map_err(|source| Error::Bulk {
                op: "writing the errors file",
                line: e.line,
                rows_written: self.summary.rows_out,
                source,
            })?;
        }
        if self.summary.errors.len() < SUMMARY_ERRORS {
            self.summary.errors.push(e);
        }
        Ok(())
    }

    /// Hand the low-confidence titles to the review hook, matched again with alternatives.
    fn review(&mut self) -> Result<()> {
        let Some(sink) = self.hooks.review.as_mut() else {
            return Ok(());
        };
        let mut list: Vec<(Box<str>, Counted)> =
            std::mem::take(&mut self.review).into_iter().collect();
        list.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(&b.0)));
        let opts = MatchOptions {
            top: 3,
            soc_top: 3,
            explore: true,
            ladder: self.opts.match_options.ladder.clone(),
        };
        let engine = self.engine;
        let candidates: Vec<ReviewCandidate> = list
            .into_par_iter()
            .map(|(normalized, (count, example))| {
                let matched = engine.match_with(&example, &opts);
                ReviewCandidate {
                    normalized: normalized.into(),
                    example: example.into(),
                    count,
                    matched,
                }
            })
            .collect();
        self.summary.review_candidates = candidates.len() as u64;
        let queued = sink.submit(candidates)?;
        self.summary.review_queued = Some(queued as u64);
        if self.review_full {
            self.summary.hints.push(format!("only the first {REVIEW_CANDIDATES} distinct low-confidence titles were offered to the review queue"));
        }
        Ok(())
    }

    fn finish(mut self) -> Summary {
        let s = &mut self.summary;
        s.unique_titles = self.answers.cached_len() as u64;
        if self.answers.missed_cache {
            s.unique_titles_exact = false;
        }
        s.needs_review_share = if s.rows_in == 0 {
            0.0
        } else {
            s.needs_review as f64 / s.rows_in as f64
        };
        let mut kinds: Vec<(ErrorKind, u64)> = ErrorKind::ALL
            .iter()
            .filter_map(|k| self.error_counts.get(k).map(|n| (*k, *n)))
            .collect();
        kinds.retain(|(_, n)| *n > 0);
        s.errors_by_kind = kinds;
        let mut top: Vec<TitleCount> = self
            .unmatched
            .into_iter()
            .map(|(title, (count, example))| TitleCount {
                title: title.into(),
                example: example.into(),
                count,
            })
            .collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.title.cmp(&b.title)));
        top.truncate(self.opts.top_unmatched);
        s.top_unmatched = top;
        let utf8 = self
            .error_counts
            .get(&ErrorKind::InvalidUtf8)
            .copied()
            .unwrap_or(0);
        if utf8 > 0 && (utf8 >= 10 || utf8 * 100 >= s.rows_in) {
            s.hints.push(format!(
                "{} not UTF-8: the file is probably Windows-1252 or Latin-1 (an older Excel \"CSV\" export); convert it first: iconv -f WINDOWS-1252 -t UTF-8 in.csv > in.utf8.csv",
                if utf8 == 1 { "1 row is".to_string() } else { format!("{} rows are", thousands(utf8)) }
            ));
        }
        if self.answers.missed_cache
            && self.opts.cache_entries > 0
            && self.answers.cached_len() >= self.opts.cache_entries
        {
            s.hints.push(format!("the title cache filled up at {} titles: later new titles were matched once per chunk", self.opts.cache_entries));
        }
        s.seconds = self.started.elapsed().as_secs_f64();
        s.rows_per_second = if s.seconds > 0.0 {
            s.rows_in as f64 / s.seconds
        } else {
            0.0
        };
        debug_assert_eq!(s.rows_in, s.rows_out);
        self.summary
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    match (p.downcast_ref::<&str>(), p.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "panic".to_string(),
    }
}

/// Count `key` in a bounded map; false when the map is full and the key new.
fn bump(map: &mut TitleCounts, key: &str, example: &str, cap: usize) -> bool {
    if let Some(e) = map.get_mut(key) {
        e.0 += 1;
        return true;
    }
    if map.len() >= cap {
        return false;
    }
    map.insert(key.into(), (1, example.into()));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_resolve_by_name_loosely_by_case_and_by_position() {
        let n = names(&["Employee ID", "Job Title ", "Dept"]);
        assert_eq!(
            resolve_column(&n, &Column::Name("Job Title ".into())).unwrap(),
            (1, false)
        );
        assert_eq!(
            resolve_column(&n, &Column::Name("job title".into())).unwrap(),
            (1, false)
        );
        assert_eq!(resolve_column(&n, &Column::Index(2)).unwrap(), (2, false));
        assert_eq!(resolve_column(&n, &Column::Auto).unwrap(), (1, true));
        let e = resolve_column(&n, &Column::Name("Job Titel".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean \"Job Title \"?"), "{e}");
        assert!(
            e.contains("1 \"Employee ID\", 2 \"Job Title \", 3 \"Dept\""),
            "{e}"
        );
        assert!(resolve_column(&n, &Column::Index(3)).is_err());
    }

    #[test]
    fn detection_prefers_the_free_text_title_to_the_catalogue() {
        assert_eq!(
            detect_column(&names(&["Job Profile", "Business Title", "Worker"])),
            Some(1)
        );
        assert_eq!(detect_column(&names(&["id", "JOB_TITLE"])), Some(1));
        assert_eq!(detect_column(&names(&["id", "name"])), None);
    }

    #[test]
    fn previous_output_columns_are_replaced_only_as_the_whole_appended_block() {
        let mut n = names(&["id", "title", "band"]);
        assert_eq!(kept_columns(&n, 1, true), vec![0, 1, 2]);
        n.extend(OUTPUT_COLUMNS.iter().map(|s| s.to_string()));
        assert_eq!(kept_columns(&n, 1, true), vec![0, 1, 2]);
        n.extend(["alt1_role_code", "alt1_role_name", "alt1_confidence"].map(String::from));
        assert_eq!(kept_columns(&n, 1, true), vec![0, 1, 2]);
        n.push("note".into());
        assert_eq!(kept_columns(&n, 1, true).len(), n.len());
        assert_eq!(
            kept_columns(&n[..3 + OUTPUT_COLUMNS.len()], 1, false).len(),
            3 + OUTPUT_COLUMNS.len()
        );
    }

    #[test]
    fn sniffing() {
        assert_eq!(sniff_format(b"  {\"a\":1}"), Format::Jsonl);
        assert_eq!(sniff_format(b"a\tb\tc"), Format::Tsv);
        assert_eq!(sniff_format(b"a,b\tc,d"), Format::Csv);
        assert_eq!(sniff_delimiter(b"id;Job Title;Dept, Sub"), b';');
        assert_eq!(sniff_delimiter(b"id,Job Title"), b',');
    }
}
