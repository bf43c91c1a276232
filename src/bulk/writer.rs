//! Formatting output rows: the input row as it was, plus the appended columns.
//!
//! Rows are formatted into plain byte buffers by rayon workers (a slice of rows each) and
//! written in order by the caller, so the writing side needs no locking and no fallible writer
//! per worker: quoting a CSV field and escaping a JSON string are done here, infallibly.

use super::reader::{Chunk, Row};
use super::answers::{Answer, Answers};
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
    if f.iter().any(|&b| b == delim || b == b'"' || b == b'\n' || b == b'\r') {
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

fn put_json_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => put_json_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
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
        for name in self.keep.iter().map(|&i| names.get(i).map(String::as_str).unwrap_or("")).map(str::to_string).chain(self.appended()) {
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
    pub fn rows(&self, chunk: &Chunk, rows: &[Row], ids: &[Option<u32>], answers: &Answers) -> Vec<u8> {
        let mut out = Vec::with_capacity(rows.len() * 160);
        for (row, id) in rows.iter().zip(ids) {
            // A title the matcher failed on is written like an unreadable row.
            let answer = id.map(|id| answers.get(id)).filter(|a| a.failure().is_none());
            match (self.input, self.output) {
                (Format::Jsonl, _) => self.jsonl_row(&mut out, chunk, row, answer),
                (_, Format::Jsonl) => self.csv_to_json_row(&mut out, chunk, row, answer),
                _ => self.csv_row(&mut out, chunk, row, answer),
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

    fn csv_row(&self, out: &mut Vec<u8>, chunk: &Chunk, row: &Row, a: Option<Answer<'_>>) {
        for (n, &i) in self.keep.iter().enumerate() {
            if n > 0 {
                out.push(self.delim);
            }
            match (&row.problem, chunk.field(row, i)) {
                (None, Some(f)) => put_field(out, f, self.delim),
                _ => put_field(out, self.field(chunk, row, i).as_bytes(), self.delim),
            }
        }
        let d = self.delim;
        let put = |out: &mut Vec<u8>, s: &str| {
            out.push(d);
            put_field(out, s.as_bytes(), d);
        };
        // Each appended field brings its delimiter; without kept fields the first one goes.
        let start = out.len();
        match a {
            Some(a) => {
                put(out, a.role_code().unwrap_or(""));
                put(out, a.role_name().unwrap_or(""));
                put(out, a.level_code().unwrap_or(""));
                put(out, a.level_name().unwrap_or(""));
                put(out, &format!("{:.3}", a.confidence()));
                put(out, band_str(a.band()));
                put(out, a.match_type().as_str());
                put(out, a.soc_code().unwrap_or(""));
                put(out, a.soc_title().unwrap_or(""));
                put(out, if a.needs_review() { "true" } else { "false" });
                let mut alts = a.alternatives();
                for _ in 0..self.top {
                    match alts.next() {
                        Some((code, name, c)) => {
                            put(out, code);
                            put(out, name);
                            put(out, &format!("{c:.3}"));
                        }
                        None => (0..3).for_each(|_| put(out, "")),
                    }
                }
            }
            None => {
                for c in OUTPUT_COLUMNS {
                    put(
                        out,
                        match c {
                            "match_type" => "error",
                            "needs_review" => "true",
                            _ => "",
                        },
                    );
                }
                (0..3 * self.top).for_each(|_| put(out, ""));
            }
        }
        if self.keep.is_empty() && out.len() > start {
            out.remove(start);
        }
    }

    fn put_appended_json(&self, out: &mut Vec<u8>, a: Option<Answer<'_>>) {
        let key = |out: &mut Vec<u8>, k: &str| {
            out.push(b'"');
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b"\":");
        };
        match a {
            Some(a) => {
                key(out, "role_code");
                put_json_opt(out, a.role_code());
                out.push(b',');
                key(out, "role_name");
                put_json_opt(out, a.role_name());
                out.push(b',');
                key(out, "level_code");
                put_json_opt(out, a.level_code());
                out.push(b',');
                key(out, "level_name");
                put_json_opt(out, a.level_name());
                out.push(b',');
                key(out, "confidence");
                out.extend_from_slice(format!("{:.3}", a.confidence()).as_bytes());
                out.push(b',');
                key(out, "band");
                put_json_str(out, band_str(a.band()));
                out.push(b',');
                key(out, "match_type");
                put_json_str(out, a.match_type().as_str());
                out.push(b',');
                key(out, "soc_code");
                put_json_opt(out, a.soc_code());
                out.push(b',');
                key(out, "soc_title");
                put_json_opt(out, a.soc_title());
                out.push(b',');
                key(out, "needs_review");
                out.extend_from_slice(if a.needs_review() { b"true" } else { b"false" });
                if self.top > 0 {
                    out.push(b',');
                    key(out, "alternatives");
                    out.push(b'[');
                    for (k, (code, name, c)) in a.alternatives().take(self.top).enumerate() {
                        if k > 0 {
                            out.push(b',');
                        }
                        out.extend_from_slice(b"{\"role_code\":");
                        put_json_str(out, code);
                        out.extend_from_slice(b",\"role_name\":");
                        put_json_str(out, name);
                        out.extend_from_slice(format!(",\"confidence\":{c:.3}}}").as_bytes());
                    }
                    out.push(b']');
                }
            }
            None => {
                out.extend_from_slice(
                    b"\"role_code\":null,\"role_name\":null,\"level_code\":null,\"level_name\":null,\"confidence\":null,\"band\":null,\"match_type\":\"error\",\"soc_code\":null,\"soc_title\":null,\"needs_review\":true",
                );
                if self.top > 0 {
                    out.extend_from_slice(b",\"alternatives\":[]");
                }
            }
        }
    }

    fn jsonl_row(&self, out: &mut Vec<u8>, chunk: &Chunk, row: &Row, a: Option<Answer<'_>>) {
        let line = chunk.line(row);
        if row.object {
            // The line as it was, with the fields added before its closing brace.
            let close = line.iter().rposition(|&b| b == b'}').unwrap_or(line.len());
            let open = line.iter().position(|&b| b == b'{').map(|p| p + 1).unwrap_or(0);
            out.extend_from_slice(&line[..close]);
            if line[open.min(close)..close].iter().any(|b| !b.is_ascii_whitespace()) {
                out.push(b',');
            }
        } else {
            out.extend_from_slice(b"{\"_raw\":");
            put_json_str(out, &String::from_utf8_lossy(line));
            out.push(b',');
        }
        self.put_appended_json(out, a);
        out.push(b'}');
    }

    fn csv_to_json_row(&self, out: &mut Vec<u8>, chunk: &Chunk, row: &Row, a: Option<Answer<'_>>) {
        out.push(b'{');
        for (n, &i) in self.keep.iter().enumerate() {
            out.extend_from_slice(self.json_keys[n].as_bytes());
            out.push(b':');
            put_json_str(out, &self.field(chunk, row, i));
            out.push(b',');
        }
        self.put_appended_json(out, a);
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
        assert_eq!(String::from_utf8(out).unwrap(), "plain|\"a,b \"\"c\"\"\nd\"|a,b");
    }

    #[test]
    fn json_strings_round_trip() {
        for s in ["plain", "quote \" back \\ slash", "new\nline\ttab\r", "\u{1}\u{1f} ctl", "Ärztin 医生"] {
            let mut out = Vec::new();
            put_json_str(&mut out, s);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }
}
