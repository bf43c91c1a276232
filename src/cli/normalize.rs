//! `titlematch normalize`: a whole export in, every row out with role, level and confidence,
//! and a summary on stderr.

use super::EngineArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use titlematch::bulk::{self, BulkOptions, Column, Format, Hooks, Progress};
use titlematch::MatchOptions;

/// Arguments of `normalize`.
#[derive(Debug, Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct NormalizeArgs {
    /// The export to read (CSV, TSV or JSONL), or `-` for stdin.
    input: String,
    /// Column with the titles: a header name (or JSONL key), or a 1-based position. Default:
    /// detected from the header (Job Title, Business Title, Title, Position, ...).
    #[arg(long, short = 'c')]
    column: Option<String>,
    /// Where to write: a file, or `-` for stdout (the default). A .csv/.tsv/.jsonl extension
    /// picks the output format; otherwise it is the input's.
    #[arg(long, short = 'o')]
    output: Option<String>,
    /// Input format: csv, tsv or jsonl. Default: from the extension, else sniffed.
    #[arg(long)]
    format: Option<String>,
    /// Output format: csv, tsv or jsonl (JSONL input stays JSONL).
    #[arg(long)]
    output_format: Option<String>,
    /// CSV delimiter (one character, e.g. ';'). Default: ',' or ';' from the header.
    #[arg(long)]
    delimiter: Option<char>,
    /// The file has no header row (give --column as a position). Use this for a streaming step
    /// that gets slices of a CSV/TSV file.
    #[arg(long)]
    no_header: bool,
    /// Errors file (CSV: line,row,kind,reason,raw). Default: beside the output file
    /// (`<output>.errors.csv`); with output on stdout, none (the summary lists the first ones).
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Also write the summary as JSON to this file.
    #[arg(long)]
    summary_json: Option<PathBuf>,
    /// Industry ladder: general, banking, law, consulting, academia, nursing.
    #[arg(long, default_value = "general")]
    ladder: String,
    /// Append this many alternative roles per row (altN_role_code, altN_role_name,
    /// altN_confidence).
    #[arg(long, default_value_t = 0)]
    top: usize,
    /// Rows per chunk (parallel work unit).
    #[arg(long, default_value_t = bulk::DEFAULT_CHUNK_ROWS)]
    chunk_rows: usize,
    /// Distinct titles to cache.
    #[arg(long, default_value_t = bulk::DEFAULT_CACHE_ENTRIES)]
    cache: usize,
    /// Queue the low-confidence titles (band below high, or no role) in the review store, once
    /// per normalized title with its row count, for `titlematch review`.
    #[arg(long)]
    queue_review: bool,
    /// The review store. Aliases approved in it are used for matching (when it exists), and
    /// --queue-review adds to it.
    #[arg(long = "review-db", env = "TITLEMATCH_REVIEW_DB", default_value = titlematch::review::DEFAULT_DB, value_name = "PATH")]
    review_db: PathBuf,
    /// No progress bar and no summary (errors still go to stderr).
    #[arg(long, short = 'q')]
    quiet: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

const AFTER_HELP: &str = "\
Every input row is written, in order, with these columns appended: role_code, role_name,
level_code, level_name, confidence, band, match_type, soc_code, soc_title, needs_review.
A row that cannot be read (bad quoting, invalid UTF-8, wrong field count, a JSONL line that is
not an object or lacks the key) is written with match_type `error` and listed in the errors
file; the exit code is still 0. Exit code 2 means the run could not be done (missing column,
unreadable file).

Examples:
  titlematch normalize employees.csv --column \"Job Title\" -o employees.normalized.csv
  titlematch normalize - --column title --format jsonl < big.jsonl > out.jsonl
  titlematch normalize applicants.tsv -o out.tsv --queue-review   # then: titlematch review list

As a streaming step (stdin to stdout, no progress bar without a terminal):
  Spark:  rdd.pipe(\"titlematch normalize - --format jsonl --column title --quiet\")
  Hadoop: -mapper \"titlematch normalize - --format tsv --no-header --column 3 --quiet\"
Slices of a CSV/TSV have no header (use --no-header and a position) and break quoted fields
that hold newlines; JSONL has neither problem.";

enum Output {
    Stdout,
    File { path: PathBuf, tmp: PathBuf },
}

/// Run `normalize`.
pub fn run(a: NormalizeArgs) -> Result<ExitCode> {
    let parse_format = |s: &Option<String>| -> Result<Option<Format>> {
        s.as_deref()
            .map(str::parse::<Format>)
            .transpose()
            .map_err(anyhow::Error::from)
    };
    let stdin = a.input == "-";
    let in_path = (!stdin).then(|| PathBuf::from(&a.input));
    let format = match parse_format(&a.format)? {
        Some(f) => Some(f),
        None => in_path.as_deref().and_then(Format::from_path),
    };
    let out_path = a.output.as_deref().filter(|o| *o != "-").map(PathBuf::from);
    let output_format = match parse_format(&a.output_format)? {
        Some(f) => Some(f),
        None => out_path.as_deref().and_then(Format::from_path),
    };
    let column = match &a.column {
        None => Column::Auto,
        // All digits: a 1-based position (headers that are numbers are rare in exports).
        Some(c) => match c.trim().parse::<usize>() {
            Ok(0) => bail!("column positions start at 1"),
            Ok(n) => Column::Index(n - 1),
            Err(_) => Column::Name(c.clone()),
        },
    };
    let delimiter = match a.delimiter {
        None => None,
        Some(c) if c.is_ascii() && c != '"' && c != '\n' && c != '\r' => Some(c as u8),
        Some(c) => bail!(
            "the delimiter must be one ASCII character other than a quote or a line end, not {c:?}"
        ),
    };
    let match_options = MatchOptions {
        top: a.top.min(titlematch::limits::MAX_TOP),
        soc_top: 1,
        explore: false,
        ladder: a.ladder.clone(),
    };
    let opts = BulkOptions {
        format,
        output_format,
        column,
        delimiter,
        has_header: !a.no_header,
        chunk_rows: a.chunk_rows,
        cache_entries: a.cache,
        match_options,
        ..BulkOptions::default()
    };

    // Open everything before the engine, so a typo in a path fails fast.
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = match &in_path {
        None => (Box::new(std::io::stdin()), None),
        Some(p) => {
            let f = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
            let size = f.metadata().ok().map(|m| m.len()).filter(|_| p.is_file());
            (Box::new(f), size)
        }
    };
    let output = match &out_path {
        None => Output::Stdout,
        Some(p) => {
            if let (Some(i), Ok(o)) = (&in_path, p.canonicalize()) {
                if i.canonicalize().ok().as_ref() == Some(&o) {
                    bail!(
                        "the output {} is the input: write to another file",
                        p.display()
                    );
                }
            }
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "output".into());
            let tmp = p.with_file_name(format!(".{name}.titlematch-{}.tmp", std::process::id()));
            Output::File {
                path: p.clone(),
                tmp,
            }
        }
    };
    let errors_path = a.errors.clone().or_else(|| match &output {
        Output::File { path, .. } => Some(errors_beside(path)),
        Output::Stdout => None,
    });

    let mut engine = a.engine.open()?;
    if a.review_db.exists() {
        super::review::install_overlay(&mut engine, &a.engine, &a.review_db)?;
    }
    let engine = engine;
    let mut review_sink = a
        .queue_review
        .then(|| titlematch::review::StoreSink::new(&a.review_db, &engine));
    let mut errors_file = match &errors_path {
        Some(p) => Some(BufWriter::new(File::create(p).with_context(|| {
            format!("cannot create the errors file {}", p.display())
        })?)),
        None => None,
    };

    let bar = progress_bar(!a.quiet && std::io::stderr().is_terminal(), size);
    let mut on_progress = |p: &Progress| {
        if let Some(bar) = &bar {
            if size.is_some() {
                bar.set_position(p.bytes);
            } else {
                bar.tick();
            }
            let rate = p.rows as f64 / p.elapsed.as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{} rows, {}/s{}",
                HumanCount(p.rows),
                HumanCount(rate as u64),
                if p.errors > 0 {
                    format!(", {} unreadable", HumanCount(p.errors))
                } else {
                    String::new()
                }
            ));
        }
    };
    let hooks = Hooks {
        errors: errors_file.as_mut().map(|w| w as &mut dyn Write),
        progress: Some(&mut on_progress),
        review: review_sink.as_mut().map(|s| s as &mut dyn bulk::ReviewSink),
    };

    let result = match &output {
        Output::Stdout => {
            let out = std::io::stdout();
            bulk::normalize_with(
                &engine,
                input,
                BufWriter::with_capacity(1 << 20, out.lock()),
                &opts,
                hooks,
            )
        }
        Output::File { path, tmp } => {
            let file =
                File::create(tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
            let r = bulk::normalize_with(
                &engine,
                input,
                BufWriter::with_capacity(1 << 20, file),
                &opts,
                hooks,
            );
            match &r {
                Ok(_) => std::fs::rename(tmp, path).with_context(|| {
                    format!("cannot move {} to {}", tmp.display(), path.display())
                })?,
                Err(_) => {
                    let _ = std::fs::remove_file(tmp);
                }
            }
            r
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = result.with_context(|| {
        format!(
            "normalizing {}",
            if stdin { "stdin" } else { a.input.as_str() }
        )
    })?;
    if let Some(w) = errors_file.as_mut() {
        w.flush().context("writing the errors file")?;
    }
    if let Some(p) = &a.summary_json {
        let text = serde_json::to_string_pretty(&summary)?;
        std::fs::write(p, text + "\n").with_context(|| format!("cannot write {}", p.display()))?;
    }
    if !a.quiet {
        let mut err = std::io::stderr().lock();
        write!(err, "{summary}")?;
        if let Output::File { path, .. } = &output {
            writeln!(err, "output        {}", path.display())?;
        }
        if a.queue_review {
            writeln!(err, "review store  {}", a.review_db.display())?;
        }
        if let Some(p) = &errors_path {
            if summary.rows_error > 0 {
                writeln!(
                    err,
                    "errors file   {} ({} rows)",
                    p.display(),
                    HumanCount(summary.rows_error)
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `out/employees.normalized.csv` -> `out/employees.normalized.errors.csv`.
fn errors_beside(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    output.with_file_name(format!("{stem}.errors.csv"))
}

fn progress_bar(show: bool, size: Option<u64>) -> Option<ProgressBar> {
    if !show {
        return None;
    }
    let bar = match size {
        Some(n) => {
            let b = ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed_precise} [{bar:30}] {percent:>3}%  {msg}  ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b
        }
        None => {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("{spinner} {elapsed_precise}  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b
        }
    };
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}
