//! Formatting output rows: the input row as it was, plus the appended columns.
//!
//! Rows are formatted into plain byte buffers by rayon workers (a slice of rows each) and
//! written in order by the caller, so the writing side needs no locking and no fallible writer
//! per worker: quoting a CSV field and escaping a JSON string are done here, infallibly.

use super::answers::{Answer, Answers};
use super::reader::{Chunk, Row};
use super::{Format, OUTPUT_COLUMNS};
use crate::score::Band;
use std::borrow::Cow;

/// How output rows look.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Input format.
    pub input: Format,
    /// Output format.
    pub output: Format,
    /// Output delimiter (CSV/TSV).
    pub delim: u8,
    /// Output line end is CR LF.
    pub crlf: bool,
    /// Input fields written, in order (CSV input). Columns a previous run appended are left out,
    /// because this run appends them again.
    pub keep: Vec<usize>,
    /// JSON object keys of the kept fields, already quoted (CSV input, JSONL output).
    pub json_keys: Vec<String>,
    /// Alternatives appended per row.
    pub top: usize,
}

pub(crate) fn band_str(b: Band) -> &'static str {
    match b {
        Band::High => "high",
        Band::Medium => "medium",
        Band::Low => "low",
    }
}

/// Append a CSV field, quoted when it must be.
pub(crate) fn put_field(out: &mut Vec<u8>, f: &[u8], delim: u8) {
    if f.iter()
        .any(|&b| b == delim || b == b'"' || b == b'\n' || b == b'\r')
    {
        out.push(b'"');
        for &b in f {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(f);
    }
}

/// Append a JSON string literal.
pub(crate) fn put_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

impl Layout {
    /// Names of the appended columns.
    pub fn appended(&self) -> Vec<String> {
        let mut v: Vec<String> = OUTPUT_COLUMNS.iter().map(|s| s.to_string()).collect();
        for k in 1..=self.top {
            v.push(format!("alt{k}_role_code"));
            v.push(format!("alt{k}_role_name"));
            v.push(format!("alt{k}_confidence"));
        }
        v
    }

    /// The header line of a CSV/TSV output (nothing for JSONL).
    pub fn header(&self, names: &[String], bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if self.output == Format::Jsonl {
            return out;
        }
        if bom {
            out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
        }
        let mut first = true;
        for name in self
            .keep
            .iter()
            .map(|&i| names.get(i).map(String::as_str).unwrap_or(""))
            .map(str::to_string)
            .chain(self.appended())
        {
            if !first {
                out.push(self.delim);
            }
            first = false;
            put_field(&mut out, name.as_bytes(), self.delim);
        }
        self.end_line(&mut out);
        out
    }

    fn end_line(&self, out: &mut Vec<u8>) {
        if self.crlf && self.output != Format::Jsonl {
            out.extend_from_slice(b"\r\n");
        } else {
            out.push(b'\n');
        }
    }

    /// Format rows (with their answers, `None` for rows that could not be read).
    pub fn rows(
        &self,
        chunk: &Chunk,
        rows: &[Row],
        ids: &[Option<u32>],
        answers: &Answers,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(rows.len() * 200);
        let error = self.suffix(None);
        for (row, id) in rows.iter().zip(ids) {
            // A title the matcher failed on is written like an unreadable row.
            let suffix = match id
                .map(|id| answers.get(id))
                .filter(|a| a.failure().is_none())
            {
                Some(a) => a.suffix(),
                None => &error[..],
            };
            match (self.input, self.output) {
                (Format::Jsonl, _) => self.jsonl_row(&mut out, chunk, row, suffix),
                (_, Format::Jsonl) => self.csv_to_json_row(&mut out, chunk, row, suffix),
                _ => self.csv_row(&mut out, chunk, row, suffix),
            }
            self.end_line(&mut out);
        }
        out
    }

    fn field<'c>(&self, chunk: &'c Chunk, row: &Row, i: usize) -> Cow<'c, str> {
        match chunk.field(row, i) {
            // Readable rows were checked to be UTF-8; others are decoded lossily.
            Some(f) => String::from_utf8_lossy(f),
            None => Cow::Borrowed(""),
        }
    }

    fn csv_row(&self, out: &mut Vec<u8>, chunk: &Chunk, row: &Row, suffix: &[u8]) {
        if row.verbatim {
            out.extend_from_slice(chunk.line(row));
        } else {
            for (n, &i) in self.keep.iter().enumerate() {
                if n > 0 {
                    out.push(self.delim);
                }
                match (&row.problem, chunk.field(row, i)) {
                    (None, Some(f)) => put_field(out, f, self.delim),
                    _ => put_field(out, self.field(chunk, row, i).as_bytes(), self.delim),
                }
            }
        }
        // The suffix starts with a delimiter; without kept fields it has nothing to follow.
        let skip = usize::from(self.keep.is_empty() && !row.verbatim).min(suffix.len());
        out.extend_from_slice(&suffix[skip..]);
    }

    /// The appended columns of an answer (`None`: of an unreadable row), as this layout writes
    /// them: for CSV/TSV each field with its leading delimiter; for JSONL the `"key":value`
    /// members, comma separated, without braces. The same for every row with that answer, so
    /// it is made once per distinct title.
    pub fn suffix(&self, a: Option<Answer<'_>>) -> Vec<u8> {
        let mut out = Vec::with_capacity(160);
        let empty = String::new();
        type Alt = (String, String, String);
        let (values, alts): ([Option<String>; 10], Vec<Alt>) = match a {
            Some(a) => (
                [
                    a.role_code().map(str::to_string),
                    a.role_name().map(str::to_string),
                    a.level_code().map(str::to_string),
                    a.level_name().map(str::to_string),
                    Some(format!("{:.3}", a.confidence())),
                    Some(band_str(a.band()).to_string()),
                    Some(a.match_type().as_str().to_string()),
                    a.soc_code().map(str::to_string),
                    a.soc_title().map(str::to_string),
                    Some(a.needs_review().to_string()),
                ],
                a.alternatives()
                    .take(self.top)
                    .map(|(c, n, x)| (c.to_string(), n.to_string(), format!("{x:.3}")))
                    .collect(),
            ),
            None => (
                [
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some("error".into()),
                    None,
                    None,
                    Some("true".into()),
                ],
                Vec::new(),
            ),
        };
        if self.output == Format::Jsonl {
            for (i, (name, v)) in OUTPUT_COLUMNS.iter().zip(&values).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b"\":");
                match (*name, v) {
                    (_, None) => out.extend_from_slice(b"null"),
                    ("confidence" | "needs_review", Some(v)) => out.extend_from_slice(v.as_bytes()),
                    (_, Some(v)) => put_json_str(&mut out, v),
                }
            }
            if self.top > 0 {
                out.extend_from_slice(b",\"alternatives\":[");
                for (k, (c, n, x)) in alts.iter().enumerate() {
                    if k > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(b"{\"role_code\":");
                    put_json_str(&mut out, c);
                    out.extend_from_slice(b",\"role_name\":");
                    put_json_str(&mut out, n);
                    out.extend_from_slice(b",\"confidence\":");
                    out.extend_from_slice(x.as_bytes());
                    out.push(b'}');
                }
                out.push(b']');
            }
            return out;
        }
        for v in &values {
            out.push(self.delim);
            put_field(
                &mut out,
                v.as_ref().unwrap_or(&empty).as_bytes(),
                self.delim,
            );
        }
        for k in 0..self.top {
            let (c, n, x) = alts
                .get(k)
                .map(|(c, n, x)| (c.as_str(), n.as_str(), x.as_str()))
                .unwrap_or(("", "", ""));
            for v in [c, n, x] {
                out.push(self.delim);
                put_field(&mut out, v.as_bytes(), self.delim);
            }
        }
        out
    }

    fn jsonl_row(&self, out: &mut Vec<u8>, chunk: &Chunk, row: &Row, suffix: &[u8]) {
        let line = chunk.line(row);
        if row.object {
            // The line as it was, with the fields added before its closing brace.
            let close = line.iter().rposition(|&b| b == b'}').unwrap_or(line.len());
            let open = line
                .iter()
                .position(|&b| b == b'{')
                .map(|p| p + 1)
                .unwrap_or(0);
            out.extend_from_slice(&line[..close]);
            if line[open.min(close)..close]
                .iter()
                .any(|b| !b.is_ascii_whitespace())
            {
                out.push(b',');
            }
        } else {
            out.extend_from_slice(b"{\"_raw\":");
            put_json_str(out, &String::from_utf8_lossy(line));
            out.push(b',');
        }
        out.extend_from_slice(suffix);
        out.push(b'}');
    }

    fn csv_to_json_row(&self, out: &mut Vec<u8>, chunk: &Chunk, row: &Row, suffix: &[u8]) {
        out.push(b'{');
        for (n, &i) in self.keep.iter().enumerate() {
            out.extend_from_slice(self.json_keys[n].as_bytes());
            out.push(b':');
            put_json_str(out, &self.field(chunk, row, i));
            out.push(b',');
        }
        out.extend_from_slice(suffix);
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut out = Vec::new();
        put_field(&mut out, b"plain", b',');
        out.push(b'|');
        put_field(&mut out, b"a,b \"c\"\nd", b',');
        out.push(b'|');
        put_field(&mut out, b"a,b", b'\t');
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain|\"a,b \"\"c\"\"\nd\"|a,b"
        );
    }

    #[test]
    fn json_strings_round_trip() {
        for s in [
            "plain",
            "quote \" back \\ slash",
            "new\nline\ttab\r",
            "\u{1}\u{1f} ctl",
            "Ärztin 医生",
        ] {
            let mut out = Vec::new();
            put_json_str(&mut out, s);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }
}
