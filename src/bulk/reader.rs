//! Reading an export into chunks of rows.
//!
//! CSV and TSV go through `csv_core` directly instead of the `csv` crate's reader, because a
//! bulk run needs two things that reader hides: the raw bytes of each record (to read again, line
//! by line, the lines that a quote which never closes has swallowed, and to list a bad row in the
//! errors file), and a bound on how much one record may hold (an unterminated quote near the top
//! of a 5 GB file must not pull the rest of the file into memory).

use super::summary::ErrorKind;
use super::{Column, MAX_ERROR_RAW_BYTES, MAX_TITLE_BYTES};
use csv_core::ReadRecordResult;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::VecDeque;
use std::io::{self, BufRead};
use std::ops::Range;

const QUOTE: u8 = b'"';

/// A failure of the reader thread.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Reading failed at this line.
    Io(u64, io::Error),
    /// The input does not fit the options (a column the first row lacks, ...).
    Invalid(String),
}

/// Rows read, in input order, with their bytes in shared buffers.
#[derive(Debug, Default)]
pub(crate) struct Chunk {
    /// CSV: the unescaped field bytes of every row; JSONL: the lines.
    pub data: Vec<u8>,
    /// CSV: the end of every field in `data`.
    pub ends: Vec<u32>,
    /// Trimmed titles of the readable rows.
    pub titles: String,
    /// The rows.
    pub rows: Vec<Row>,
    /// Input bytes consumed once this chunk was read.
    pub input_bytes: u64,
    /// JSONL blank lines skipped in this chunk.
    pub blank_lines: u64,
}

/// One row of a chunk.
#[derive(Debug)]
pub(crate) struct Row {
    /// 1-based input line where the row starts.
    pub line: u64,
    /// CSV: where the first field starts in `data`; JSONL: the line.
    pub data: Range<u32>,
    /// CSV: the row's fields as a range of `ends`.
    pub fields: Range<u32>,
    /// The title in `titles`, for readable rows.
    pub title: Option<Range<u32>>,
    /// JSONL: the line is a JSON object (fields can be spliced in).
    pub object: bool,
    /// CSV: `data` is the record as it was read (quoting included), to be written unchanged.
    pub verbatim: bool,
    /// Why the row cannot be read.
    pub problem: Option<Box<Problem>>,
}

/// Why a row cannot be read.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub kind: ErrorKind,
    pub reason: String,
    /// The raw text of the row, lossily decoded, cut to [`MAX_ERROR_RAW_BYTES`].
    pub raw: String,
}

impl Chunk {
    /// Field `i` of a CSV row, if the row has it.
    pub fn field(&self, row: &Row, i: usize) -> Option<&[u8]> {
        let n = (row.fields.end - row.fields.start) as usize;
        if i >= n {
            return None;
        }
        let at = row.fields.start as usize + i;
        let start = if i == 0 {
            row.data.start as usize
        } else {
            self.ends[at - 1] as usize
        };
        Some(&self.data[start..self.ends[at] as usize])
    }

    /// The title of a readable row.
    pub fn title(&self, row: &Row) -> Option<&str> {
        row.title
            .as_ref()
            .map(|r| &self.titles[r.start as usize..r.end as usize])
    }

    /// The bytes of a JSONL row, or of a verbatim CSV row.
    pub fn line(&self, row: &Row) -> &[u8] {
        &self.data[row.data.start as usize..row.data.end as usize]
    }
}

/// The input, with bytes that can be pushed back (peeked at the start, or the tail of a record
/// that grew too large).
pub(crate) struct Input<R> {
    inner: R,
    carry: Vec<u8>,
    carry_pos: usize,
    consumed: u64,
}

impl<R: BufRead> Input<R> {
    pub fn new(inner: R) -> Input<R> {
        Input {
            inner,
            carry: Vec::new(),
            carry_pos: 0,
            consumed: 0,
        }
    }

    /// Bytes consumed so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// The next bytes; empty at the end of the input.
    fn fill(&mut self) -> io::Result<&[u8]> {
        if self.carry_pos < self.carry.len() {
            return Ok(&self.carry[self.carry_pos..]);
        }
        loop {
            match self.inner.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if self.carry_pos < self.carry.len() {
            self.carry_pos += n;
            if self.carry_pos >= self.carry.len() {
                self.carry.clear();
                self.carry_pos = 0;
            }
        } else {
            self.inner.consume(n);
        }
        self.consumed += n as u64;
    }

    /// Put bytes back in front of the input.
    fn push_back(&mut self, bytes: &[u8]) {
        let mut carry = Vec::with_capacity(bytes.len() + self.carry.len() - self.carry_pos);
        carry.extend_from_slice(bytes);
        carry.extend_from_slice(&self.carry[self.carry_pos..]);
        self.carry = carry;
        self.carry_pos = 0;
        self.consumed -= bytes.len() as u64;
    }

    /// At least `n` bytes (fewer only at the end of the input), without consuming them.
    pub fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        self.peek_until(n, |_| false)
    }

    /// Bytes up to and including the first newline, or `max` bytes, without consuming them.
    pub fn peek_line(&mut self, max: usize) -> io::Result<&[u8]> {
        self.peek_until(max, |b| b.contains(&b'\n'))
    }

    /// Bytes until `done` says enough (or `n` bytes, or the end), without consuming them.
    pub fn peek_until(&mut self, n: usize, done: impl Fn(&[u8]) -> bool) -> io::Result<&[u8]> {
        if self.carry_pos > 0 {
            self.carry.drain(..self.carry_pos);
            self.carry_pos = 0;
        }
        while self.carry.len() < n && !done(&self.carry) {
            let buf = loop {
                match self.inner.fill_buf() {
                    Ok(b) => break b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min(n - self.carry.len());
            self.carry.extend_from_slice(&buf[..take]);
            self.inner.consume(take);
        }
        Ok(&self.carry)
    }

    /// Skip `n` bytes that were peeked (a byte-order mark).
    pub fn skip(&mut self, n: usize) {
        self.consume(n);
    }
}

/// What the first bytes say about the encoding.
pub(crate) enum Bom {
    None,
    Utf8,
    Utf16,
}

pub(crate) fn bom(prefix: &[u8]) -> Bom {
    if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Bom::Utf8
    } else if prefix.starts_with(&[0xFF, 0xFE]) || prefix.starts_with(&[0xFE, 0xFF]) {
        Bom::Utf16
    } else {
        Bom::None
    }
}

/// Where the quoting of one CSV record goes wrong, if it does. csv-core reads any bytes (it
/// prefers *a* parse to none); this says when its parse is a guess. A quote inside an unquoted
/// field (`5" monitor`) is kept literally by csv-core and is not a problem.
pub(crate) fn quote_problem(content: &[u8], delim: u8) -> Option<String> {
    #[derive(Clone, Copy)]
    enum S {
        Start,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut s = S::Start;
    let mut col = 1;
    for &b in content {
        s = match s {
            S::Start if b == QUOTE => S::Quoted,
            S::Start | S::Unquoted if b == delim => {
                col += 1;
                S::Start
            }
            S::Start | S::Unquoted => S::Unquoted,
            S::Quoted if b == QUOTE => S::QuoteInQuoted,
            S::Quoted => S::Quoted,
            S::QuoteInQuoted if b == QUOTE => S::Quoted,
            S::QuoteInQuoted if b == delim => {
                col += 1;
                S::Start
            }
            S::QuoteInQuoted if b == b'\r' || b == b'\n' => S::Start,
            S::QuoteInQuoted => {
                return Some(format!(
                    "bad quoting: text after the closing quote of column {col}"
                ))
            }
        };
    }
    match s {
        S::Quoted => Some(format!(
            "bad quoting: the quote that opens column {col} never closes"
        )),
        _ => None,
    }
}

fn lossy_cut(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(MAX_ERROR_RAW_BYTES)];
    String::from_utf8_lossy(cut).into_owned()
}

/// `s` cut to at most `max` bytes at a character boundary.
pub(crate) fn cut_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn count_newlines(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

fn is_term(b: &u8) -> bool {
    *b == b'\n' || *b == b'\r'
}

/// A problem found while reading: its kind and reason.
type Flag = (ErrorKind, String);

/// The record last read by [`CsvSource::advance`].
#[derive(Debug, Default, Clone)]
struct Current {
    line: u64,
    outlen: usize,
    nfields: usize,
    /// The record's own bytes in `raw`, without line ends around it.
    content: Range<usize>,
    problem: Option<(ErrorKind, String)>,
}

/// CSV or TSV records, one at a time, with their raw bytes.
pub(crate) struct CsvSource<R> {
    input: Input<R>,
    core: csv_core::Reader,
    /// For reading one line on its own.
    single: csv_core::Reader,
    delim: u8,
    max_record: usize,
    /// Line number of the next unread byte.
    line: u64,
    /// Lines to read on their own (after a record with bad quoting), with a forced problem.
    pending: VecDeque<(u64, Vec<u8>, Option<Flag>)>,
    /// Discard the rest of an overlong line before reading on.
    skip_line: bool,
    out: Vec<u8>,
    ends: Vec<usize>,
    raw: Vec<u8>,
    cur: Current,
    replay: bool,
    /// Fields per row: the header's, or the first row's.
    pub expected: Option<usize>,
    /// Position of the title column.
    pub title: usize,
    /// Header names, for error reasons.
    pub names: Vec<String>,
    /// The first record ended with CR LF.
    pub crlf: bool,
    /// Keep readable records as read (the output has the same format and columns), rather
    /// than their fields.
    pub verbatim: bool,
    started: bool,
}

enum Step {
    Record,
    End,
    Overflow,
}

impl<R: BufRead> CsvSource<R> {
    pub fn new(input: Input<R>, delim: u8, max_record: usize) -> CsvSource<R> {
        let build = || csv_core::ReaderBuilder::new().delimiter(delim).build();
        CsvSource {
            input,
            core: build(),
            single: build(),
            delim,
            max_record: max_record.max(1024),
            line: 1,
            pending: VecDeque::new(),
            skip_line: false,
            out: vec![0; 4096],
            ends: vec![0; 64],
            raw: Vec::with_capacity(4096),
            cur: Current::default(),
            replay: false,
            expected: None,
            title: 0,
            names: Vec::new(),
            crlf: false,
            verbatim: false,
            started: false,
        }
    }

    /// Bytes consumed.
    pub fn consumed(&self) -> u64 {
        self.input.consumed()
    }

    /// Return the current record again on the next [`CsvSource::advance`].
    pub fn replay(&mut self) {
        self.replay = true;
    }

    /// The fields of the current record.
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let ends = &self.ends[..self.cur.nfields];
        let out = &self.out[..self.cur.outlen];
        ends.iter().scan(0usize, move |start, &end| {
            let f = &out[*start..end];
            *start = end;
            Some(f)
        })
    }

    /// Field count of the current record.
    pub fn field_count(&self) -> usize {
        self.cur.nfields
    }

    /// The current record's problem.
    #[cfg(test)]
    pub fn problem(&self) -> Option<&(ErrorKind, String)> {
        self.cur.problem.as_ref()
    }

    /// Read the next record; false at the end of the input.
    pub fn advance(&mut self) -> io::Result<bool> {
        if self.replay {
            self.replay = false;
            self.classify_current(false);
            return Ok(true);
        }
        loop {
            if let Some((line, bytes, forced)) = self.pending.pop_front() {
                self.read_single(line, bytes, forced);
                return Ok(true);
            }
            if self.skip_line {
                self.discard_line()?;
            }
            match self.read_core()? {
                Step::End => return Ok(false),
                Step::Overflow => self.split_overflow(),
                Step::Record => {
                    let lead = self.raw.iter().take_while(|b| is_term(b)).count();
                    let start_line = self.line + count_newlines(&self.raw[..lead]);
                    self.line += count_newlines(&self.raw);
                    let mut end = self.raw.len();
                    while end > lead && is_term(&self.raw[end - 1]) {
                        end -= 1;
                    }
                    if !self.started {
                        self.started = true;
                        self.crlf = self.raw[end..].starts_with(b"\r\n")
                            || self.raw[end..].starts_with(b"\r");
                    }
                    self.cur.line = start_line;
                    self.cur.content = lead..end;
                    if self.classify_current(true) {
                        return Ok(true);
                    }
                    // A multi-line record that is broken: read its lines one by one.
                    let content = self.raw[lead..end].to_vec();
                    self.queue_lines(start_line, &content);
                }
            }
        }
    }

    /// Set the current record's problem; false when it is a broken multi-line record that must
    /// be read again line by line.
    fn classify_current(&mut self, may_split: bool) -> bool {
        let content = &self.raw[self.cur.content.clone()];
        let quoted = content.contains(&QUOTE);
        let bad_quote = if quoted {
            quote_problem(content, self.delim)
        } else {
            None
        };
        let ragged = self.expected.is_some_and(|e| e != self.cur.nfields);
        if may_split && (bad_quote.is_some() || ragged) && content.iter().any(is_term) {
            return false;
        }
        self.cur.problem = match (bad_quote, ragged) {
            (Some(q), _) => Some((ErrorKind::BadQuoting, q)),
            (None, true) => {
                let e = self.expected.unwrap_or(0);
                Some((
                    ErrorKind::FieldCount,
                    format!("{} fields where the header has {e}", self.cur.nfields),
                ))
            }
            (None, false) => None,
        };
        true
    }

    /// Queue the lines of `content` to be read one by one. A lone CR ends a line too (as it
    /// does for csv-core), so no queued line holds a line end.
    fn queue_lines(&mut self, first_line: u64, content: &[u8]) {
        for (i, l) in content.split(|&b| b == b'\n').enumerate() {
            for piece in l.split(|&b| b == b'\r') {
                if !piece.is_empty() {
                    self.pending
                        .push_back((first_line + i as u64, piece.to_vec(), None));
                }
            }
        }
    }

    /// The record grew past the limit: hand its complete lines over to be read one by one and
    /// push its last, incomplete line back; a single overlong line is cut.
    fn split_overflow(&mut self) {
        self.core.reset();
        let raw = std::mem::take(&mut self.raw);
        let lead = raw.iter().take_while(|b| is_term(b)).count();
        let start_line = self.line + count_newlines(&raw[..lead]);
        match raw[lead..].iter().rposition(|&b| b == b'\n') {
            Some(p) => {
                let p = lead + p;
                self.line += count_newlines(&raw[..=p]);
                self.queue_lines(start_line, &raw[lead..p]);
                self.input.push_back(&raw[p + 1..]);
            }
            None => {
                self.line = start_line;
                let reason = format!("line longer than {} bytes: cut there", self.max_record);
                self.pending.push_back((
                    start_line,
                    raw[lead..].to_vec(),
                    Some((ErrorKind::TooLong, reason)),
                ));
                self.skip_line = true;
            }
        }
        self.raw = raw;
        self.raw.clear();
    }

    fn discard_line(&mut self) -> io::Result<()> {
        loop {
            let buf = self.input.fill()?;
            if buf.is_empty() {
                break;
            }
            match buf.iter().position(|&b| b == b'\n') {
                Some(p) => {
                    self.input.consume(p + 1);
                    self.line += 1;
                    break;
                }
                None => {
                    let n = buf.len();
                    self.input.consume(n);
                }
            }
        }
        self.skip_line = false;
        Ok(())
    }

    fn read_core(&mut self) -> io::Result<Step> {
        self.raw.clear();
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            let input = self.input.fill()?;
            let (res, nin, nout, nend) =
                self.core
                    .read_record(input, &mut self.out[outlen..], &mut self.ends[endlen..]);
            self.raw.extend_from_slice(&input[..nin]);
            self.input.consume(nin);
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    self.cur = Current {
                        outlen,
                        nfields: endlen,
                        ..Current::default()
                    };
                    return Ok(Step::Record);
                }
                ReadRecordResult::End => return Ok(Step::End),
            }
            if self.raw.len() > self.max_record {
                return Ok(Step::Overflow);
            }
        }
    }

    /// Read one line on its own as the current record.
    fn read_single(&mut self, line: u64, bytes: Vec<u8>, forced: Option<(ErrorKind, String)>) {
        self.single.reset();
        let (mut outlen, mut endlen, mut at) = (0, 0, 0);
        loop {
            let (res, nin, nout, nend) = self.single.read_record(
                &bytes[at..],
                &mut self.out[outlen..],
                &mut self.ends[endlen..],
            );
            at += nin;
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => break,
            }
        }
        self.raw = bytes;
        self.cur = Current {
            line,
            outlen,
            nfields: endlen,
            content: 0..self.raw.len(),
            problem: None,
        };
        self.classify_current(false);
        if forced.is_some() {
            self.cur.problem = forced;
        }
    }

    /// Append the current record to `chunk`.
    pub fn push_current(&self, chunk: &mut Chunk) {
        let out = &self.out[..self.cur.outlen];
        let ends = &self.ends[..self.cur.nfields];
        let content = &self.raw[self.cur.content.clone()];
        let mut problem = self.cur.problem.clone();
        // The raw record is UTF-8 exactly when every field is (fields are the record less ASCII
        // quotes and delimiters), so one check serves the common case.
        if problem.is_none() && std::str::from_utf8(content).is_err() {
            let mut start = 0;
            let mut col = None;
            for (i, &end) in ends.iter().enumerate() {
                if std::str::from_utf8(&out[start..end]).is_err() {
                    col = Some(i);
                    break;
                }
                start = end;
            }
            let reason = match col {
                Some(i) => format!(
                    "invalid UTF-8 in column {}{}",
                    i + 1,
                    self.names
                        .get(i)
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default()
                ),
                None => "invalid UTF-8".to_string(),
            };
            problem = Some((ErrorKind::InvalidUtf8, reason));
        }
        let title = match problem {
            Some(_) => None,
            None => {
                let start = if self.title == 0 {
                    0
                } else {
                    ends.get(self.title - 1).copied().unwrap_or(out.len())
                };
                let end = ends.get(self.title).copied().unwrap_or(out.len());
                // UTF-8: checked above.
                let t = std::str::from_utf8(&out[start..end]).unwrap_or("").trim();
                let t = cut_at_char(t, MAX_TITLE_BYTES);
                let at = chunk.titles.len() as u32;
                chunk.titles.push_str(t);
                Some(at..chunk.titles.len() as u32)
            }
        };
        let base = chunk.data.len() as u32;
        let verbatim = self.verbatim && problem.is_none();
        let fields = if verbatim {
            chunk.data.extend_from_slice(content);
            0..0
        } else {
            chunk.data.extend_from_slice(out);
            let first = chunk.ends.len() as u32;
            chunk.ends.extend(ends.iter().map(|&e| base + e as u32));
            first..chunk.ends.len() as u32
        };
        let data = if verbatim {
            base..chunk.data.len() as u32
        } else {
            base..base
        };
        let problem = problem.map(|(kind, reason)| {
            Box::new(Problem {
                kind,
                reason,
                raw: lossy_cut(content),
            })
        });
        chunk.rows.push(Row {
            line: self.cur.line,
            data,
            fields,
            title,
            object: false,
            verbatim,
            problem,
        });
    }

    /// Read rows into a new chunk; `None` at the end of the input.
    pub fn next_chunk(
        &mut self,
        max_rows: usize,
        max_bytes: usize,
    ) -> Result<Option<Chunk>, ReadError> {
        let mut chunk = Chunk::default();
        while chunk.rows.len() < max_rows && chunk.data.len() < max_bytes {
            let more = self.advance().map_err(|e| ReadError::Io(self.line, e))?;
            if !more {
                break;
            }
            if self.expected.is_none() {
                // No header: the first row sets the width.
                let n = self.cur.nfields;
                if self.title >= n {
                    return Err(ReadError::Invalid(format!(
                        "column {} does not exist: the first row has {n} fields",
                        self.title + 1
                    )));
                }
                self.expected = Some(n);
            }
            self.push_current(&mut chunk);
        }
        chunk.input_bytes = self.consumed();
        Ok((!chunk.rows.is_empty()).then_some(chunk))
    }
}

/// The title value of a JSONL line.
#[derive(Debug, PartialEq)]
pub(crate) enum Found {
    Missing,
    Text(String),
    NotText(&'static str),
}

/// Deserializes a JSON object, keeping only the value of `key` (and, when asked, the key names).
struct TitleSeed<'a> {
    key: &'a str,
    keys: Option<&'a mut Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for TitleSeed<'_> {
    type Value = Found;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Found, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TitleSeed<'_> {
    type Value = Found;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Found, A::Error> {
        let mut found = Found::Missing;
        while let Some(k) = map.next_key_seed(KeySeed {
            key: self.key,
            keys: self.keys.as_deref_mut(),
        })? {
            if k && found == Found::Missing {
                found = map.next_value::<TitleValue>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// A key: true when it is the one wanted.
struct KeySeed<'a> {
    key: &'a str,
    keys: Option<&'a mut Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = bool;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
        if let Some(keys) = self.keys {
            keys.push(v.to_string());
        }
        Ok(v == self.key)
    }
}

struct TitleValue(Found);

impl<'de> serde::Deserialize<'de> for TitleValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<TitleValue, D::Error> {
        d.deserialize_any(TitleValueVisitor)
    }
}

struct TitleValueVisitor;

impl<'de> Visitor<'de> for TitleValueVisitor {
    type Value = TitleValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a title")
    }
    fn visit_str<E>(self, v: &str) -> Result<TitleValue, E> {
        Ok(TitleValue(Found::Text(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<TitleValue, E> {
        Ok(TitleValue(Found::Text(String::new())))
    }
    fn visit_none<E>(self) -> Result<TitleValue, E> {
        Ok(TitleValue(Found::Text(String::new())))
    }
    fn visit_bool<E>(self, v: bool) -> Result<TitleValue, E> {
        Ok(TitleValue(Found::Text(v.to_string())))
    }
    fn visit_i64<E>(self, v: i64) -> Result<TitleValue, E> {
        Ok(TitleValue(Found::Text(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<TitleValue, E> {
        Ok(TitleValue(Found::Text(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<TitleValue, E> {
        Ok(TitleValue(Found::Text(v.to_string())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TitleValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(TitleValue(Found::NotText("an array")))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TitleValue, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(TitleValue(Found::NotText("an object")))
    }
}

/// Read the value of `key` from one JSON line (and its key names into `keys`, when given).
pub(crate) fn extract(
    line: &[u8],
    key: &str,
    keys: Option<&mut Vec<String>>,
) -> Result<Found, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let found = TitleSeed { key, keys }.deserialize(&mut de)?;
    de.end()?;
    Ok(found)
}

/// JSONL lines, one at a time.
pub(crate) struct JsonlSource<R> {
    input: Input<R>,
    max_line: usize,
    line: u64,
    buf: Vec<u8>,
    /// The key holding the titles.
    pub key: String,
    /// Keys of the first object.
    pub first_keys: Vec<String>,
}

impl<R: BufRead> JsonlSource<R> {
    /// Open, resolving the column to a key from the first object when it is not a name.
    pub fn open(
        mut input: Input<R>,
        column: &Column,
        max_line: usize,
    ) -> Result<JsonlSource<R>, ReadError> {
        let max_line = max_line.max(1024);
        // Look at the first non-blank line without consuming it (stop reading as soon as it is
        // complete: in a pipe, more input may be slow to come).
        let blank = |l: &[u8]| l.iter().all(u8::is_ascii_whitespace);
        let has_line = |b: &[u8]| {
            let mut pieces = b.split(|&c| c == b'\n').peekable();
            while let Some(l) = pieces.next() {
                if pieces.peek().is_none() {
                    return false;
                }
                if !blank(l) {
                    return true;
                }
            }
            false
        };
        let peeked = input
            .peek_until(max_line, has_line)
            .map_err(|e| ReadError::Io(1, e))?;
        let mut first_keys = Vec::new();
        let mut first_is_object = false;
        let mut first_line = 0;
        if let Some((i, l)) = peeked
            .split(|&b| b == b'\n')
            .enumerate()
            .find(|(_, l)| !blank(l))
        {
            first_line = i as u64 + 1;
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            first_is_object = extract(l, "", Some(&mut first_keys)).is_ok();
        }
        let key = match column {
            Column::Name(n) => n.clone(),
            Column::Index(_) | Column::Auto if first_line == 0 => String::new(),
            _ if !first_is_object => {
                return Err(ReadError::Invalid(format!(
                    "line {first_line} is not a JSON object, so the title key cannot be worked out: give the key by name"
                )))
            }
            Column::Index(i) => match first_keys.get(*i) {
                Some(k) => k.clone(),
                None => {
                    return Err(ReadError::Invalid(format!(
                        "the first object has {} keys, so there is no key number {}; its keys are: {}",
                        first_keys.len(),
                        i + 1,
                        super::runner::list_names(&first_keys)
                    )))
                }
            },
            Column::Auto => match super::runner::detect_column(&first_keys) {
                Some(i) => first_keys[i].clone(),
                None => {
                    return Err(ReadError::Invalid(format!(
                        "no key of the first object looks like a job title; give the key with --column. Its keys are: {}",
                        super::runner::list_names(&first_keys)
                    )))
                }
            },
        };
        Ok(JsonlSource {
            input,
            max_line,
            line: 1,
            buf: Vec::new(),
            key,
            first_keys,
        })
    }

    /// Read one line into `buf` (without its line end); `None` at the end of the input. The
    /// bool is true when the line was cut at the limit.
    fn read_line(&mut self) -> io::Result<Option<(u64, bool)>> {
        self.buf.clear();
        let mut cut = false;
        let mut any = false;
        loop {
            let avail = self.input.fill()?;
            if avail.is_empty() {
                break;
            }
            any = true;
            let (take, used, done) = match avail.iter().position(|&b| b == b'\n') {
                Some(p) => (p, p + 1, true),
                None => (avail.len(), avail.len(), false),
            };
            let room = self.max_line.saturating_sub(self.buf.len());
            if take > room {
                cut = true;
            }
            self.buf.extend_from_slice(&avail[..take.min(room)]);
            self.input.consume(used);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let line = self.line;
        self.line += 1;
        Ok(Some((line, cut)))
    }

    /// Read rows into a new chunk; `None` at the end of the input.
    pub fn next_chunk(
        &mut self,
        max_rows: usize,
        max_bytes: usize,
    ) -> Result<Option<Chunk>, ReadError> {
        let mut chunk = Chunk::default();
        while chunk.rows.len() < max_rows && chunk.data.len() < max_bytes {
            let Some((line, cut)) = self.read_line().map_err(|e| ReadError::Io(self.line, e))?
            else {
                break;
            };
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                chunk.blank_lines += 1;
                continue;
            }
            let (found, object) = if cut {
                (
                    Err((
                        ErrorKind::TooLong,
                        format!("line longer than {} bytes: cut there", self.max_line),
                    )),
                    false,
                )
            } else if std::str::from_utf8(&self.buf).is_err() {
                // Checked first: the key search does not decode the values it skips, and a line
                // written back as it is must be UTF-8.
                (
                    Err((ErrorKind::InvalidUtf8, "invalid UTF-8".to_string())),
                    false,
                )
            } else {
                match extract(&self.buf, &self.key, None) {
                    Ok(Found::Text(t)) => (Ok(t), true),
                    Ok(Found::Missing) => (
                        Err((ErrorKind::MissingKey, format!("no key {:?}", self.key))),
                        true,
                    ),
                    Ok(Found::NotText(what)) => (
                        Err((
                            ErrorKind::NotText,
                            format!("the value of {:?} is {what}, not text", self.key),
                        )),
                        true,
                    ),
                    Err(e) => (
                        Err((ErrorKind::NotJson, format!("not a JSON object: {e}"))),
                        false,
                    ),
                }
            };
            let start = chunk.data.len() as u32;
            // A line that was read as JSON is valid UTF-8 and is written back as it is; any
            // other line is written as a string, so keep it lossily decoded.
            if object {
                chunk.data.extend_from_slice(trim_end(&self.buf));
            } else {
                chunk
                    .data
                    .extend_from_slice(String::from_utf8_lossy(&self.buf).as_bytes());
            }
            let data = start..chunk.data.len() as u32;
            let (title, problem) = match found {
                Ok(t) => {
                    let t = cut_at_char(t.trim(), MAX_TITLE_BYTES);
                    let at = chunk.titles.len() as u32;
                    chunk.titles.push_str(t);
                    (Some(at..chunk.titles.len() as u32), None)
                }
                Err((kind, reason)) => (
                    None,
                    Some(Box::new(Problem {
                        kind,
                        reason,
                        raw: lossy_cut(&self.buf),
                    })),
                ),
            };
            chunk.rows.push(Row {
                line,
                data,
                fields: 0..0,
                title,
                object,
                verbatim: false,
                problem,
            });
        }
        chunk.input_bytes = self.input.consumed();
        Ok((!chunk.rows.is_empty() || chunk.blank_lines > 0).then_some(chunk))
    }
}

fn trim_end(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &b[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &[u8], expected: Option<usize>) -> Vec<(u64, Vec<String>, Option<ErrorKind>)> {
        let mut src = CsvSource::new(
            Input::new(io::BufReader::with_capacity(16, text)),
            b',',
            1 << 20,
        );
        src.expected = expected;
        let mut out = Vec::new();
        while src.advance().unwrap() {
            let f = src
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((src.cur.line, f, src.problem().map(|p| p.0)));
        }
        out
    }

    #[test]
    fn quoting_rules() {
        assert_eq!(quote_problem(b"a,\"b, c\",\"say \"\"hi\"\"\"", b','), None);
        assert_eq!(quote_problem(b"5\" monitor,x", b','), None);
        assert!(quote_problem(b"\"abc\"d,e", b',')
            .unwrap()
            .contains("column 1"));
        assert!(quote_problem(b"a,\"open", b',')
            .unwrap()
            .contains("never closes"));
        assert_eq!(quote_problem(b"a\t\"b\tc\"", b'\t'), None);
    }

    #[test]
    fn line_numbers_count_crlf_blank_lines_and_quoted_newlines() {
        let r = records(b"h1,h2\r\n\r\na,\"x\ny\"\r\nb,c\r\n", Some(2));
        let lines: Vec<u64> = r.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 3, 5]);
        assert_eq!(r[1].1, vec!["a", "x\ny"]);
        assert!(r.iter().all(|r| r.2.is_none()));
    }

    #[test]
    fn an_unterminated_quote_costs_only_its_own_line() {
        let r = records(
            b"id,title\n1,\"Manager, Sales\n2,Engineer\n3,\"Director, Ops\"\n4,Nurse\n",
            Some(2),
        );
        let ids: Vec<&str> = r.iter().map(|r| r.1[0].as_str()).collect();
        assert_eq!(ids, vec!["id", "1", "2", "3", "4"]);
        assert_eq!(r[1].2, Some(ErrorKind::BadQuoting));
        assert_eq!(r[1].0, 2);
        assert_eq!((r[2].0, r[2].2), (3, None));
        assert_eq!(r[3].1, vec!["3", "Director, Ops"]);
        assert_eq!(r[4].1, vec!["4", "Nurse"]);
    }

    #[test]
    fn an_overlong_record_is_split_and_memory_stays_bounded() {
        let mut text = b"id,title\n1,\"never closed\n".to_vec();
        for i in 2..400 {
            text.extend_from_slice(format!("{i},Engineer number {i}\n").as_bytes());
        }
        let mut src = CsvSource::new(
            Input::new(io::BufReader::with_capacity(64, &text[..])),
            b',',
            1024,
        );
        src.expected = Some(2);
        let mut n = 0;
        let mut bad = 0;
        while src.advance().unwrap() {
            n += 1;
            assert!(src.raw.len() < 4096);
            bad += src.problem().is_some() as usize;
        }
        assert_eq!(n, 400);
        assert_eq!(bad, 1);
    }

    #[test]
    fn a_single_overlong_line_is_cut_and_the_next_line_survives() {
        let mut text = b"a,b\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5000));
        text.extend_from_slice(b",y\nc,d\n");
        let mut src = CsvSource::new(
            Input::new(io::BufReader::with_capacity(64, &text[..])),
            b',',
            1024,
        );
        src.expected = Some(2);
        let mut got = Vec::new();
        while src.advance().unwrap() {
            got.push((src.cur.line, src.problem().map(|p| p.0)));
        }
        assert_eq!(
            got,
            vec![(1, None), (2, Some(ErrorKind::TooLong)), (3, None)]
        );
    }

    #[test]
    fn json_title_extraction() {
        assert_eq!(
            extract(br#"{"a":[1,{"b":2}],"title":"RN"}"#, "title", None).unwrap(),
            Found::Text("RN".into())
        );
        assert_eq!(
            extract(br#"{"title":null}"#, "title", None).unwrap(),
            Found::Text(String::new())
        );
        assert_eq!(
            extract(br#"{"t":1}"#, "title", None).unwrap(),
            Found::Missing
        );
        assert_eq!(
            extract(br#"{"title":{"x":1}}"#, "title", None).unwrap(),
            Found::NotText("an object")
        );
        assert!(extract(br#"[1]"#, "title", None).is_err());
        assert!(extract(br#"{"title":"a"} x"#, "title", None).is_err());
        let mut keys = Vec::new();
        extract(br#"{"id":1,"job \"title\"":"x"}"#, "", Some(&mut keys)).unwrap();
        assert_eq!(keys, vec!["id", "job \"title\""]);
    }
}
