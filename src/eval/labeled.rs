//! Reading labeled titles: a TSV or CSV file (or a folder of them) with a `title` column and
//! any of `role`, `level`, `soc` and `kind`.
//!
//! - `role`: a role code, or `none` when the title is not a job title at all (the right answer
//!   is then "no role"), or several codes separated by `|` when any of them is right (a title
//!   labeled by its SOC occupation, which some roles share). Empty: not scored.
//! - `level`: a level code (`INT`, `P1`..`P6`, `S1`..`S4`, `M1`..`M6`, `E1`, `E2`). Empty: not
//!   scored.
//! - `soc`: one or more SOC 2018 (`15-1252`) or O*NET-SOC (`15-1252.00`) codes separated by `|`
//!   or `;`; any of them counts as right. Group codes (`15-1250`, `15-1200`, `15-0000`) are
//!   scored only at the precision they have.
//! - `kind`: a free label (`clean`, `typo`, `junk`, ...) by which the report breaks the figures
//!   down.
//!
//! `.csv` files are read as comma-separated with the usual quoting; every other file as
//! tab-separated without quoting (a `"` in a TSV title is just a character).

use crate::error::{Error, Result};
use crate::level::LevelCode;
use serde::Serialize;
use std::path::Path;

/// What a row says the role is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleLabel {
    /// This role code is right (or any of several, written `A.GEN|B.GEN`).
    Role(String),
    /// The title is not a job title: the right answer is no role.
    NoRole,
}

impl RoleLabel {
    /// The label as written: a code, codes separated by `|`, or `none`.
    pub fn as_str(&self) -> &str {
        match self {
            RoleLabel::Role(c) => c,
            RoleLabel::NoRole => "none",
        }
    }

    /// The role codes that count as right (none for [`RoleLabel::NoRole`]).
    ///
    /// ```
    /// use titlematch::eval::RoleLabel;
    /// let l = RoleLabel::Role("PKG.GEN|WHS.PCK".into());
    /// assert_eq!(l.codes().collect::<Vec<_>>(), ["PKG.GEN", "WHS.PCK"]);
    /// assert!(l.accepts("WHS.PCK") && !l.accepts("PKG"));
    /// assert_eq!(RoleLabel::NoRole.codes().count(), 0);
    /// ```
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        let text = match self {
            RoleLabel::Role(c) => c.as_str(),
            RoleLabel::NoRole => "",
        };
        text.split(['|', ';'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }

    /// True when `code` is one of the right roles.
    pub fn accepts(&self, code: &str) -> bool {
        self.codes().any(|c| c == code)
    }
}

/// How many digits of a SOC code are compared: major group (2), minor group (3), broad
/// occupation (5) or detailed occupation (6), counting the digits of `15-1252` without the dash.
pub const SOC_DIGITS: [usize; 4] = [2, 3, 5, 6];

/// A SOC 2018 code as its six digits, with the precision it carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocCode {
    digits: [u8; 6],
}

impl SocCode {
    /// Parse `15-1252`, `151252` or the SOC part of an O*NET-SOC code (`15-1252.00`).
    ///
    /// ```
    /// use titlematch::eval::SocCode;
    /// let c = SocCode::parse("15-1252.01").unwrap();
    /// assert_eq!(c.to_string(), "15-1252");
    /// assert_eq!(c.precision(), 6);
    /// assert_eq!(SocCode::parse("15-1250").unwrap().precision(), 5);
    /// assert_eq!(SocCode::parse("15-0000").unwrap().precision(), 2);
    /// assert!(SocCode::parse("15-12").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<SocCode> {
        let s = s.trim();
        let soc = s.split_once('.').map_or(s, |(soc, _)| soc);
        let mut digits = [0u8; 6];
        let mut n = 0;
        for (i, c) in soc.chars().enumerate() {
            match c {
                '0'..='9' if n < 6 => {
                    digits[n] = c as u8;
                    n += 1;
                }
                '-' if i == 2 => {}
                _ => return None,
            }
        }
        (n == 6).then_some(SocCode { digits })
    }

    /// The number of leading digits that mean something: 2 for a major group (`15-0000`), 3 for
    /// a minor group (`11-1000`, and `15-1200` with its second digit), 5 for a broad occupation
    /// (`15-1250`), 6 for a detailed one.
    pub fn precision(&self) -> usize {
        let d = &self.digits;
        if d[2..].iter().all(|&c| c == b'0') {
            2
        } else if d[3..].iter().all(|&c| c == b'0') || d[4..].iter().all(|&c| c == b'0') {
            // Minor groups end in 000, except 15-1200, 31-1100 and 51-5100.
            3
        } else if d[5] == b'0' {
            5
        } else {
            6
        }
    }

    /// The first `n` digits.
    pub fn prefix(&self, n: usize) -> &[u8] {
        &self.digits[..n.min(6)]
    }

    /// True when both codes are at least `n` digits precise and agree on them.
    pub fn agrees(&self, other: &SocCode, n: usize) -> bool {
        self.precision() >= n && other.precision() >= n && self.prefix(n) == other.prefix(n)
    }
}

impl std::fmt::Display for SocCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = |r: std::ops::Range<usize>| {
            self.digits[r]
                .iter()
                .map(|&b| b as char)
                .collect::<String>()
        };
        write!(f, "{}-{}", d(0..2), d(2..6))
    }
}

impl Serialize for SocCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One labeled title.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabeledRow {
    /// The title as written.
    pub title: String,
    /// The right role, when labeled.
    pub role: Option<RoleLabel>,
    /// The right level, when labeled.
    pub level: Option<LevelCode>,
    /// Acceptable SOC codes (empty: not labeled).
    pub soc: Vec<SocCode>,
    /// The row's kind (`clean`, `typo`, ...), when the file has that column.
    pub kind: Option<String>,
    /// The file the row came from.
    pub file: String,
    /// Its 1-based line in that file.
    pub line: usize,
}

/// Read labeled rows from a file, or from every `.tsv` and `.csv` file of a folder (sorted by
/// name, concatenated).
pub fn read_labeled(path: &Path) -> Result<Vec<LabeledRow>> {
    if path.is_dir() {
        let rd = std::fs::read_dir(path).map_err(|e| Error::io(path, e))?;
        let mut files = Vec::new();
        for entry in rd {
            let p = entry.map_err(|e| Error::io(path, e))?.path();
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            if p.is_file() && matches!(ext.as_deref(), Some("tsv" | "csv")) {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(Error::Invalid(format!(
                "{}: no .tsv or .csv files with labeled titles in this folder",
                path.display()
            )));
        }
        let mut rows = Vec::new();
        for f in files {
            rows.extend(read_file(&f)?);
        }
        Ok(rows)
    } else {
        read_file(path)
    }
}

fn read_file(path: &Path) -> Result<Vec<LabeledRow>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let name = path.display().to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::data(
            &name,
            None,
            "encoding",
            format!(
                "not UTF-8 (first bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let csv = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    parse_labeled(&text, &name, if csv { b',' } else { b'\t' })
}

/// Parse labeled rows from text; `delimiter` is `b'\t'` (no quoting) or `b','` (CSV quoting).
/// `name` names the source in error messages and in [`LabeledRow::file`].
///
/// ```
/// use titlematch::eval::{parse_labeled, RoleLabel};
/// let rows = parse_labeled("title\trole\tlevel\nSenior Nurse\tRN.GEN\tS3\nasdf\tnone\t\n", "x.tsv", b'\t')?;
/// assert_eq!(rows.len(), 2);
/// assert_eq!(rows[1].role, Some(RoleLabel::NoRole));
/// assert_eq!(rows[1].level, None);
/// # Ok::<(), titlematch::Error>(())
/// ```
pub fn parse_labeled(text: &str, name: &str, delimiter: u8) -> Result<Vec<LabeledRow>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(delimiter != b'\t')
        .flexible(true)
        .has_headers(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| Error::data(name, Some(1), "header", e.to_string()))?
        .clone();
    let col = |want: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(want))
    };
    let title_col = col("title").ok_or_else(|| {
        Error::data(
            name,
            Some(1),
            "title",
            format!(
                "no `title` column (columns: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let (role_col, level_col, soc_col, kind_col) =
        (col("role"), col("level"), col("soc"), col("kind"));
    if role_col.is_none() && level_col.is_none() && soc_col.is_none() {
        return Err(Error::data(
            name,
            Some(1),
            "header",
            "no label column: need at least one of `role`, `level`, `soc`",
        ));
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            Error::data(
                name,
                e.position().map(|p| p.line() as usize),
                "row",
                e.to_string(),
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let role = get(role_col).map(|r| {
            if r.eq_ignore_ascii_case("none") {
                RoleLabel::NoRole
            } else {
                RoleLabel::Role(r.to_string())
            }
        });
        let level = match get(level_col) {
            None => None,
            Some(l) => Some(
                l.to_ascii_uppercase()
                    .parse::<LevelCode>()
                    .map_err(|e| Error::data(name, Some(line), "level", e))?,
            ),
        };
        let mut soc = Vec::new();
        for s in get(soc_col)
            .unwrap_or("")
            .split(['|', ';'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let c = SocCode::parse(s).ok_or_else(|| {
                Error::data(
                    name,
                    Some(line),
                    "soc",
                    format!(
                        "{s:?} is not a SOC 2018 code (15-1252) or O*NET-SOC code (15-1252.00)"
                    ),
                )
            })?;
            if !soc.contains(&c) {
                soc.push(c);
            }
        }
        rows.push(LabeledRow {
            title: rec.get(title_col).unwrap_or("").to_string(),
            role,
            level,
            soc,
            kind: get(kind_col).map(str::to_string),
            file: name.to_string(),
            line,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tsv_with_all_columns() {
        let t = "title\trole\tlevel\tsoc\tkind\nSr. \"Rock\" Dev\tSWE.GEN\tp3\t15-1252|11-3021.00\tnoisy\nN/A\tnone\t\t\tjunk\nIntern\t\tINT\t\t\n";
        let rows = parse_labeled(t, "a.tsv", b'\t').unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].title, "Sr. \"Rock\" Dev");
        assert_eq!(rows[0].role, Some(RoleLabel::Role("SWE.GEN".into())));
        assert_eq!(rows[0].level.map(|l| l.to_string()).as_deref(), Some("P3"));
        assert_eq!(
            rows[0]
                .soc
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            ["15-1252", "11-3021"]
        );
        assert_eq!(rows[0].kind.as_deref(), Some("noisy"));
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].role, Some(RoleLabel::NoRole));
        assert_eq!(rows[2].role, None);
        assert_eq!(rows[2].level, Some(LevelCode::INT));
        assert_eq!(rows[2].kind, None);
    }

    #[test]
    fn reads_csv_with_quotes_and_any_column_order() {
        let t = "kind,soc,title\nclean,15-1252;15-1253,\"Engineer, Software\"\n";
        let rows = parse_labeled(t, "a.csv", b',').unwrap();
        assert_eq!(rows[0].title, "Engineer, Software");
        assert_eq!(rows[0].soc.len(), 2);
        assert_eq!(rows[0].role, None);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = parse_labeled("title\tlevel\nA\tP3\nB\tP9\n", "x.tsv", b'\t')
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.tsv:3: level:"), "{e}");
        let e = parse_labeled("title\tsoc\nA\t15-12\n", "x.tsv", b'\t')
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.tsv:2: soc:") && e.contains("15-12"), "{e}");
        let e = parse_labeled("name\trole\nA\tB\n", "x.tsv", b'\t')
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `title` column"), "{e}");
        let e = parse_labeled("title\tkind\nA\tclean\n", "x.tsv", b'\t')
            .unwrap_err()
            .to_string();
        assert!(e.contains("no label column"), "{e}");
    }

    #[test]
    fn soc_precision_and_agreement() {
        let d = SocCode::parse("15-1252").unwrap();
        let b = SocCode::parse("15-1250").unwrap();
        let m = SocCode::parse("15-1200").unwrap();
        assert_eq!(SocCode::parse("11-1000").unwrap().precision(), 3);
        assert_eq!(SocCode::parse("11-1010").unwrap().precision(), 5);
        assert_eq!((d.precision(), b.precision(), m.precision()), (6, 5, 3));
        assert!(d.agrees(&b, 5));
        assert!(!d.agrees(&b, 6));
        assert!(d.agrees(&m, 3) && !d.agrees(&m, 5));
        assert!(d.agrees(&SocCode::parse("15-1299").unwrap(), 3));
        assert!(SocCode::parse("151252").is_some());
        assert!(SocCode::parse("15-1252x").is_none());
        assert!(SocCode::parse("1-51252").is_none());
    }
}
