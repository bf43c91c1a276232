//! What a bulk run reports at the end: counts for people (`Display`) and for machines (serde).

use super::Format;
use serde::Serialize;
use std::fmt;

/// Why a row could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Text after a closing quote, or a quote that never closes.
    BadQuoting,
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// More or fewer fields than the header.
    FieldCount,
    /// A JSONL line that is not a JSON object.
    NotJson,
    /// A JSONL object without the title key.
    MissingKey,
    /// A JSONL title that is an array or an object.
    NotText,
    /// A record longer than the limit, cut.
    TooLong,
    /// The matcher failed on the title (a bug in titlematch: report it with the title).
    Internal,
}

impl ErrorKind {
    /// The snake_case name used in the errors file.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadQuoting => "bad_quoting",
            ErrorKind::InvalidUtf8 => "invalid_utf8",
            ErrorKind::FieldCount => "field_count",
            ErrorKind::NotJson => "not_json",
            ErrorKind::MissingKey => "missing_key",
            ErrorKind::NotText => "not_text",
            ErrorKind::TooLong => "too_long",
            ErrorKind::Internal => "internal",
        }
    }

    pub(crate) const ALL: [ErrorKind; 8] = [
        ErrorKind::BadQuoting,
        ErrorKind::InvalidUtf8,
        ErrorKind::FieldCount,
        ErrorKind::NotJson,
        ErrorKind::MissingKey,
        ErrorKind::NotText,
        ErrorKind::TooLong,
        ErrorKind::Internal,
    ];
}

/// One row that could not be read. It was still written, with `match_type` `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based input line where the row starts.
    pub line: u64,
    /// 1-based data row (the row's position in the output, header not counted).
    pub row: u64,
    /// What kind of problem.
    pub kind: ErrorKind,
    /// The problem, in words.
    pub reason: String,
    /// The raw text of the row (lossily decoded, cut at 64 KiB).
    pub raw: String,
}

/// Rows per match type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MatchTypeCounts {
    /// `exact`.
    pub exact: u64,
    /// `alias`.
    pub alias: u64,
    /// `fuzzy`.
    pub fuzzy: u64,
    /// `partial`.
    pub partial: u64,
    /// `none` (including empty titles).
    pub none: u64,
    /// `error`: rows that could not be read.
    pub error: u64,
}

/// Rows per confidence band (rows that were matched, including `none`; not `error` rows).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BandCounts {
    /// `high`.
    pub high: u64,
    /// `medium`.
    pub medium: u64,
    /// `low`.
    pub low: u64,
}

/// A title and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TitleCount {
    /// The normalized title (the raw one when it normalizes to nothing).
    pub title: String,
    /// One raw title that normalizes to it.
    pub example: String,
    /// Rows.
    pub count: u64,
}

/// The account of a bulk run. `rows_in == rows_out` always; `rows_error` of them could not be
/// read and were written as `error` rows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Input format.
    pub format: Option<Format>,
    /// Output format.
    pub output_format: Option<Format>,
    /// The CSV delimiter used (`,`, `;`, tab), for CSV/TSV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<char>,
    /// The title column (header name or JSONL key; `#3` for a 1-based position without a header).
    pub column: String,
    /// The column was detected from the header rather than given.
    pub column_detected: bool,
    /// The input started with a UTF-8 byte-order mark (the output keeps one).
    pub bom: bool,
    /// Data rows read (a header is not a row).
    pub rows_in: u64,
    /// Rows written.
    pub rows_out: u64,
    /// Rows written as `error`.
    pub rows_error: u64,
    /// Error rows per kind (only kinds that occurred).
    pub errors_by_kind: Vec<(ErrorKind, u64)>,
    /// The first errors (all of them are in the errors file).
    pub errors: Vec<RowError>,
    /// Blank JSONL lines skipped (they are not rows).
    pub blank_lines: u64,
    /// Rows whose title was empty (matched as `none`).
    pub empty_titles: u64,
    /// Distinct titles (trimmed), exact while the cache had room.
    pub unique_titles: u64,
    /// False when the cache filled up: `unique_titles` is then a lower bound.
    pub unique_titles_exact: bool,
    /// Titles the engine matched (distinct titles, plus repeats once the cache was full).
    pub titles_matched: u64,
    /// Rows per match type.
    pub match_types: MatchTypeCounts,
    /// Rows per band.
    pub bands: BandCounts,
    /// Rows that need a person: band not `high`, or `none`, or `error`.
    pub needs_review: u64,
    /// `needs_review / rows_in` (0 for an empty input).
    pub needs_review_share: f64,
    /// The most frequent unmatched titles (empty titles not included).
    pub top_unmatched: Vec<TitleCount>,
    /// Low-confidence titles handed to the review hook, and how many it queued (`None`
    /// without a hook).
    pub review_queued: Option<u64>,
    /// Candidates offered to the review hook.
    pub review_candidates: u64,
    /// Seconds from start to end.
    pub seconds: f64,
    /// `rows_in / seconds`.
    pub rows_per_second: f64,
    /// Advice about the input (e.g. it looks like another encoding).
    pub hints: Vec<String>,
}

impl Summary {
    /// Share of rows of a count, in percent.
    fn pct(&self, n: u64) -> f64 {
        if self.rows_in == 0 {
            0.0
        } else {
            100.0 * n as f64 / self.rows_in as f64
        }
    }
}

/// `1234567` -> `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Summary {
    /// A few lines for a person, e.g. on stderr after `titlematch normalize`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = thousands;
        writeln!(
            f,
            "rows          {} in, {} out, {} unreadable{}   ({:.2} s, {} rows/s)",
            t(self.rows_in),
            t(self.rows_out),
            t(self.rows_error),
            if self.blank_lines > 0 {
                format!(" ({} blank lines skipped)", t(self.blank_lines))
            } else {
                String::new()
            },
            self.seconds,
            t(self.rows_per_second.round() as u64)
        )?;
        let fmt_name = |x: Option<Format>| x.map(|x| x.as_str()).unwrap_or("-");
        let delim = match self.delimiter {
            Some('\t') | None => String::new(),
            Some(c) => format!(", delimiter {c:?}"),
        };
        writeln!(
            f,
            "column        {:?}{}   ({} -> {}{delim}{})",
            self.column,
            if self.column_detected {
                " (detected)"
            } else {
                ""
            },
            fmt_name(self.format),
            fmt_name(self.output_format),
            if self.bom { ", BOM" } else { "" }
        )?;
        writeln!(
            f,
            "titles        {}{} distinct, {} matched by the engine{}",
            if self.unique_titles_exact {
                ""
            } else {
                "at least "
            },
            t(self.unique_titles),
            t(self.titles_matched),
            if self.empty_titles > 0 {
                format!(", {} empty", t(self.empty_titles))
            } else {
                String::new()
            }
        )?;
        let m = &self.match_types;
        let types = [
            ("exact", m.exact),
            ("alias", m.alias),
            ("fuzzy", m.fuzzy),
            ("partial", m.partial),
            ("none", m.none),
            ("error", m.error),
        ];
        let parts: Vec<String> = types
            .iter()
            .map(|(n, c)| format!("{n} {} ({:.1}%)", t(*c), self.pct(*c)))
            .collect();
        writeln!(f, "match types   {}", parts.join("  "))?;
        let b = &self.bands;
        writeln!(
            f,
            "bands         high {} ({:.1}%)  medium {} ({:.1}%)  low {} ({:.1}%)",
            t(b.high),
            self.pct(b.high),
            t(b.medium),
            self.pct(b.medium),
            t(b.low),
            self.pct(b.low)
        )?;
        writeln!(
            f,
            "needs review  {} rows ({:.1}%)",
            t(self.needs_review),
            100.0 * self.needs_review_share
        )?;
        if let Some(q) = self.review_queued {
            writeln!(
                f,
                "review queue  {} of {} low-confidence titles queued",
                t(q),
                t(self.review_candidates)
            )?;
        }
        if !self.top_unmatched.is_empty() {
            writeln!(f, "top unmatched")?;
            for u in &self.top_unmatched {
                writeln!(
                    f,
                    "  {:>9}  {:?}{}",
                    t(u.count),
                    u.title,
                    if u.example != u.title {
                        format!("  (e.g. {:?})", u.example)
                    } else {
                        String::new()
                    }
                )?;
            }
        }
        if self.rows_error > 0 {
            let kinds: Vec<String> = self
                .errors_by_kind
                .iter()
                .map(|(k, n)| format!("{} {}", k.as_str(), t(*n)))
                .collect();
            writeln!(
                f,
                "unreadable    {} rows written as match_type error: {}",
                t(self.rows_error),
                kinds.join(", ")
            )?;
            for e in &self.errors {
                writeln!(f, "  line {} (row {}): {}", e.line, e.row, e.reason)?;
            }
            if self.rows_error > self.errors.len() as u64 {
                writeln!(
                    f,
                    "  ... {} more",
                    t(self.rows_error - self.errors.len() as u64)
                )?;
            }
        }
        for h in &self.hints {
            writeln!(f, "hint          {h}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
