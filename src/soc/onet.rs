//! Reading an O*NET database folder: "Occupation Data", "Alternate Titles" and "Sample of
//! Reported Titles", plus "Read Me" for the version.
//!
//! The files are O*NET's tab-separated text format: a header row, one record per line, no
//! quoting, CRLF line endings (LF is accepted too). Each file may end in `.txt` (O*NET's text
//! release) or `.tsv`; `.txt` wins when both are there. Columns are found by their header name,
//! so the extra `Title` column of the Excel-to-text conversions is simply ignored. `Short Title`
//! is empty or `n/a` when there is none.
//!
//! Everything is checked as it is read: a missing file, a missing column, a row with too few
//! or too many fields, a malformed O*NET-SOC code, a code that "Occupation Data" does not list,
//! or text that is not UTF-8 is an [`Error::Data`] naming the file and the line.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The three files read, by their O*NET name (without extension).
pub const OCCUPATION_DATA: &str = "Occupation Data";
/// Alternate titles (about 56,000 in 29.3).
pub const ALTERNATE_TITLES: &str = "Alternate Titles";
/// Titles reported by job incumbents (about 7,800 in 29.3).
pub const REPORTED_TITLES: &str = "Sample of Reported Titles";
/// The release note whose first line is the version.
pub const READ_ME: &str = "Read Me.txt";

/// Extensions accepted for the data files, in order of preference.
pub const EXTENSIONS: [&str; 2] = ["txt", "tsv"];

/// Where an O*NET title came from. The order is the order of trust when ranking.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TitleSource {
    /// The occupation's own title ("Registered Nurses"), or its singular form.
    Occupation,
    /// An entry of "Alternate Titles".
    Alternate,
    /// The short form given beside an alternate title ("CEO", "AP Clerk").
    Short,
    /// An entry of "Sample of Reported Titles".
    Reported,
}

impl TitleSource {
    /// The name used in evidence text.
    pub fn as_str(self) -> &'static str {
        match self {
            TitleSource::Occupation => "occupation title",
            TitleSource::Alternate => "alternate title",
            TitleSource::Short => "short title",
            TitleSource::Reported => "reported title",
        }
    }
}

/// One O*NET-SOC occupation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Occupation {
    /// O*NET-SOC code, e.g. `29-1141.00`.
    pub code: String,
    /// Occupation title, e.g. "Registered Nurses".
    pub title: String,
}

impl Occupation {
    /// The SOC 2018 detailed code: the first seven characters (`29-1141`).
    pub fn soc_code(&self) -> &str {
        soc_part(&self.code)
    }
}

/// The SOC 2018 part of an O*NET-SOC code (`29-1141.01` -> `29-1141`).
pub fn soc_part(code: &str) -> &str {
    code.get(..7).unwrap_or(code)
}

/// One title listed under an occupation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnetTitle {
    /// Index of the occupation in [`OnetFiles::occupations`].
    pub occupation: u32,
    /// The title as written.
    pub text: String,
    /// Which file (and column) it came from.
    pub source: TitleSource,
}

/// Row counts and identity of an O*NET folder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OnetInfo {
    /// First line of "Read Me.txt" ("O*NET 29.3 Database"), or `unknown` without one.
    pub version: String,
    /// Second line of "Read Me.txt" when it names the release ("May 2025 Release").
    pub release: Option<String>,
    /// The folder read.
    pub dir: String,
    /// Rows of "Occupation Data".
    pub occupations: usize,
    /// Rows of "Alternate Titles".
    pub alternate_titles: usize,
    /// Alternate titles that have a short title.
    pub short_titles: usize,
    /// Rows of "Sample of Reported Titles".
    pub reported_titles: usize,
    /// The files read, by name as found.
    pub files: Vec<String>,
    /// SHA-256 of the files read (names and contents), hex.
    pub content_hash: String,
}

/// The paths of the files of one O*NET folder.
#[derive(Debug, Clone)]
pub struct OnetDir {
    /// The folder.
    pub dir: PathBuf,
    /// "Occupation Data", "Alternate Titles", "Sample of Reported Titles", in that order.
    pub files: [PathBuf; 3],
    /// "Read Me.txt", when present.
    pub read_me: Option<PathBuf>,
}

impl OnetDir {
    /// Find the files in `dir`. A missing file is an error naming the file expected.
    pub fn locate(dir: &Path) -> Result<OnetDir> {
        if !dir.is_dir() {
            return Err(Error::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "O*NET folder not found"),
            ));
        }
        let find = |name: &str| -> Result<PathBuf> {
            EXTENSIONS.iter().map(|ext| dir.join(format!("{name}.{ext}"))).find(|p| p.is_file()).ok_or_else(|| {
                Error::data(
                    dir.join(format!("{name}.txt")).display().to_string(),
                    None,
                    "file",
                    format!("missing: the O*NET folder needs \"{name}.txt\" (or .tsv); download the text release with `titlematch onet fetch DIR`"),
                )
            })
        };
        let files = [
            find(OCCUPATION_DATA)?,
            find(ALTERNATE_TITLES)?,
            find(REPORTED_TITLES)?,
        ];
        let read_me = Some(dir.join(READ_ME)).filter(|p| p.is_file());
        // Canonical, so that index folders built from it can be recognized later.
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        Ok(OnetDir {
            dir,
            files,
            read_me,
        })
    }

    /// Read the raw bytes of every file and their content hash.
    pub fn read(&self) -> Result<RawFiles> {
        let mut h = Sha256::new();
        let mut bytes = Vec::new();
        for p in self.files.iter().chain(self.read_me.iter()) {
            let b = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            h.update(
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
                    .as_bytes(),
            );
            h.update([0]);
            h.update((b.len() as u64).to_le_bytes());
            h.update(&b);
            bytes.push(b);
        }
        let read_me = if self.read_me.is_some() {
            bytes.pop()
        } else {
            None
        };
        let hash = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(RawFiles {
            dir: self.clone(),
            bytes,
            read_me,
            hash,
        })
    }
}

/// The bytes of an O*NET folder, read but not parsed.
#[derive(Debug, Clone)]
pub struct RawFiles {
    /// Where they came from.
    pub dir: OnetDir,
    bytes: Vec<Vec<u8>>,
    read_me: Option<Vec<u8>>,
    /// SHA-256 of names and contents, hex.
    pub hash: String,
}

/// A parsed O*NET folder.
#[derive(Debug, Clone)]
pub struct OnetFiles {
    /// Occupations in file order.
    pub occupations: Vec<Occupation>,
    /// Alternate, short and reported titles in file order.
    pub titles: Vec<OnetTitle>,
    /// Version and counts.
    pub info: OnetInfo,
}

impl OnetFiles {
    /// Locate, read and parse the folder.
    pub fn load(dir: &Path) -> Result<OnetFiles> {
        OnetFiles::parse(&OnetDir::locate(dir)?.read()?)
    }

    /// Parse files already read.
    pub fn parse(raw: &RawFiles) -> Result<OnetFiles> {
        let names: Vec<String> = raw
            .dir
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let text: Vec<String> = raw
            .bytes
            .iter()
            .zip(&names)
            .map(|(b, n)| decode(b, n))
            .collect::<Result<_>>()?;

        let occ = Table::parse(&text[0], &names[0], &["O*NET-SOC Code", "Title"])?;
        let mut occupations = Vec::with_capacity(occ.rows.len());
        let mut by_code: HashMap<String, u32> = HashMap::new();
        for (line, f) in &occ.rows {
            let code = f[occ.col[0]];
            check_code(code, &names[0], *line)?;
            let title = f[occ.col[1]];
            if title.is_empty() {
                return Err(Error::data(
                    &names[0],
                    Some(*line),
                    "Title",
                    "empty occupation title",
                ));
            }
            if by_code
                .insert(code.to_string(), occupations.len() as u32)
                .is_some()
            {
                return Err(Error::data(
                    &names[0],
                    Some(*line),
                    "O*NET-SOC Code",
                    format!("{code} is listed twice"),
                ));
            }
            occupations.push(Occupation {
                code: code.to_string(),
                title: title.to_string(),
            });
        }
        if occupations.is_empty() {
            return Err(Error::data(&names[0], None, "rows", "no occupations"));
        }
        let lookup = |code: &str, file: &str, line: usize| -> Result<u32> {
            check_code(code, file, line)?;
            by_code.get(code).copied().ok_or_else(|| {
                Error::data(file, Some(line), "O*NET-SOC Code", format!("{code} is not in \"{OCCUPATION_DATA}\" (files from different O*NET releases?)"))
            })
        };

        let mut titles = Vec::new();
        let alt = Table::parse(&text[1], &names[1], &["O*NET-SOC Code", "Alternate Title"])?;
        let short_col = alt.optional("Short Title");
        let (mut n_alt, mut n_short) = (0, 0);
        for (line, f) in &alt.rows {
            let occupation = lookup(f[alt.col[0]], &names[1], *line)?;
            let t = f[alt.col[1]];
            if t.is_empty() {
                return Err(Error::data(
                    &names[1],
                    Some(*line),
                    "Alternate Title",
                    "empty title",
                ));
            }
            titles.push(OnetTitle {
                occupation,
                text: t.to_string(),
                source: TitleSource::Alternate,
            });
            n_alt += 1;
            if let Some(s) = short_col
                .map(|c| f[c])
                .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("n/a"))
            {
                titles.push(OnetTitle {
                    occupation,
                    text: s.to_string(),
                    source: TitleSource::Short,
                });
                n_short += 1;
            }
        }
        let rep = Table::parse(
            &text[2],
            &names[2],
            &["O*NET-SOC Code", "Reported Job Title"],
        )?;
        for (line, f) in &rep.rows {
            let occupation = lookup(f[rep.col[0]], &names[2], *line)?;
            let t = f[rep.col[1]];
            if t.is_empty() {
                return Err(Error::data(
                    &names[2],
                    Some(*line),
                    "Reported Job Title",
                    "empty title",
                ));
            }
            titles.push(OnetTitle {
                occupation,
                text: t.to_string(),
                source: TitleSource::Reported,
            });
        }
        let (version, release) = match &raw.read_me {
            Some(b) => read_me_version(&String::from_utf8_lossy(b)),
            None => ("unknown".to_string(), None),
        };
        let info = OnetInfo {
            version,
            release,
            dir: raw.dir.dir.display().to_string(),
            occupations: occupations.len(),
            alternate_titles: n_alt,
            short_titles: n_short,
            reported_titles: rep.rows.len(),
            files: raw
                .dir
                .files
                .iter()
                .chain(raw.dir.read_me.iter())
                .map(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect(),
            content_hash: raw.hash.clone(),
        };
        Ok(OnetFiles {
            occupations,
            titles,
            info,
        })
    }

    /// The same data with only the titles `keep` accepts (occupations stay): for measuring on
    /// titles the index has not seen. The counts in `info` follow.
    pub fn retain_titles(mut self, keep: impl FnMut(&OnetTitle) -> bool) -> OnetFiles {
        self.titles.retain(keep);
        let count = |s: TitleSource| self.titles.iter().filter(|t| t.source == s).count();
        self.info.alternate_titles = count(TitleSource::Alternate);
        self.info.short_titles = count(TitleSource::Short);
        self.info.reported_titles = count(TitleSource::Reported);
        self
    }
}

/// The version and release lines of a "Read Me.txt".
fn read_me_version(text: &str) -> (String, Option<String>) {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let version = lines.next().unwrap_or("unknown").to_string();
    let release = lines
        .next()
        .filter(|l| l.to_ascii_lowercase().contains("release"))
        .map(str::to_string);
    (version, release)
}

/// Check an O*NET-SOC code: `dd-dddd.dd`.
fn check_code(code: &str, file: &str, line: usize) -> Result<()> {
    let b = code.as_bytes();
    let ok = b.len() == 10
        && b[2] == b'-'
        && b[7] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 7 || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::data(
            file,
            Some(line),
            "O*NET-SOC Code",
            format!("{code:?} is not an O*NET-SOC code (dd-dddd.dd)"),
        ))
    }
}

/// Decode file bytes as UTF-8 (a BOM is dropped). Another encoding is an error naming the line
/// of the first byte that is not UTF-8.
pub fn decode(bytes: &[u8], file: &str) -> Result<String> {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(Error::data(
            file,
            Some(1),
            "encoding",
            "UTF-16 text; O*NET text files are UTF-8 (convert with `iconv -f UTF-16 -t UTF-8`)",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(Error::data(
                file,
                Some(line),
                "encoding",
                format!(
                    "not UTF-8 (byte 0x{:02X}); O*NET text files are UTF-8: convert the file (e.g. `iconv -f WINDOWS-1252 -t UTF-8`)",
                    bytes[at]
                ),
            ))
        }
    }
}

/// A tab-separated file with a header: the positions of the wanted columns and the rows.
struct Table<'a> {
    /// Positions of the required columns, in the order asked.
    col: Vec<usize>,
    header: Vec<&'a str>,
    /// (1-based line, fields).
    rows: Vec<(usize, Vec<&'a str>)>,
}

impl<'a> Table<'a> {
    fn parse(text: &'a str, file: &str, required: &[&str]) -> Result<Table<'a>> {
        let mut lines = text
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)));
        let header: Vec<&str> = match lines.next() {
            Some((_, h)) if !h.trim().is_empty() => h.split('\t').map(str::trim).collect(),
            _ => return Err(Error::data(file, Some(1), "header", "empty file")),
        };
        let mut col = Vec::new();
        for want in required {
            match header.iter().position(|h| h.eq_ignore_ascii_case(want)) {
                Some(i) => col.push(i),
                None => {
                    return Err(Error::data(
                        file,
                        Some(1),
                        "header",
                        format!(
                        "no column \"{want}\" (found: {}); is this an O*NET file, tab-separated?",
                        header.join(" | ")
                    ),
                    ))
                }
            }
        }
        let mut rows = Vec::new();
        for (line, l) in lines {
            if l.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = l.split('\t').map(str::trim).collect();
            if f.len() != header.len() {
                let what = if f.len() < header.len() {
                    "truncated row"
                } else {
                    "too many fields"
                };
                return Err(Error::data(
                    file,
                    Some(line),
                    "row",
                    format!(
                        "{what}: {} fields, the header has {}",
                        f.len(),
                        header.len()
                    ),
                ));
            }
            rows.push((line, f));
        }
        Ok(Table { col, header, rows })
    }

    fn optional(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (name, body) in files {
            std::fs::write(d.path().join(name), body).unwrap();
        }
        d
    }

    const OCC: &[u8] = b"O*NET-SOC Code\tTitle\tDescription\r\n29-1141.00\tRegistered Nurses\tCare.\r\n35-1011.00\tChefs and Head Cooks\tCook.\r\n";
    const ALT: &[u8] = b"O*NET-SOC Code\tAlternate Title\tShort Title\tSource(s)\r\n29-1141.00\tRegistered Nurse (RN)\tRN\t08\r\n35-1011.00\tSous Chef\tn/a\t04\r\n";
    const REP: &[u8] = b"O*NET-SOC Code\tReported Job Title\tShown in My Next Move\r\n29-1141.00\tStaff Nurse\tY\r\n";

    #[test]
    fn reads_text_format_with_crlf() {
        let d = folder(&[
            ("Occupation Data.txt", OCC),
            ("Alternate Titles.txt", ALT),
            ("Sample of Reported Titles.txt", REP),
            (
                "Read Me.txt",
                b"O*NET 99.1 Database\r\nJanuary 2030 Release\r\n",
            ),
        ]);
        let f = OnetFiles::load(d.path()).unwrap();
        assert_eq!(f.occupations.len(), 2);
        assert_eq!(f.info.version, "O*NET 99.1 Database");
        assert_eq!(f.info.release.as_deref(), Some("January 2030 Release"));
        assert_eq!(
            (
                f.info.alternate_titles,
                f.info.short_titles,
                f.info.reported_titles
            ),
            (2, 1, 1)
        );
        let texts: Vec<(&str, TitleSource)> = f
            .titles
            .iter()
            .map(|t| (t.text.as_str(), t.source))
            .collect();
        assert_eq!(
            texts,
            [
                ("Registered Nurse (RN)", TitleSource::Alternate),
                ("RN", TitleSource::Short),
                ("Sous Chef", TitleSource::Alternate),
                ("Staff Nurse", TitleSource::Reported)
            ]
        );
        assert_eq!(
            f.occupations[f.titles[2].occupation as usize].code,
            "35-1011.00"
        );
    }

    #[test]
    fn reads_excel_conversions_with_a_title_column() {
        let alt = b"O*NET-SOC Code\tTitle\tAlternate Title\tShort Title\tSource(s)\n35-1011.00\tChefs and Head Cooks\tSous Chef\t\t04\n";
        let rep = b"O*NET-SOC Code\tTitle\tReported Job Title\tShown in My Next Move\n35-1011.00\tChefs and Head Cooks\tChef\tY\n";
        let d = folder(&[
            ("Occupation Data.tsv", OCC),
            ("Alternate Titles.tsv", alt),
            ("Sample of Reported Titles.tsv", rep),
        ]);
        let f = OnetFiles::load(d.path()).unwrap();
        assert_eq!(
            f.titles.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            ["Sous Chef", "Chef"]
        );
        assert_eq!(f.info.version, "unknown");
    }

    fn err(files: &[(&str, &[u8])]) -> String {
        let d = folder(files);
        OnetFiles::load(d.path()).unwrap_err().to_string()
    }

    #[test]
    fn bad_folders_name_the_file_and_line() {
        let e = err(&[("Occupation Data.txt", OCC), ("Alternate Titles.txt", ALT)]);
        assert!(
            e.contains("Sample of Reported Titles.txt") && e.contains("missing"),
            "{e}"
        );

        let bad_cols = b"Code\tName\n29-1141.00\tStaff Nurse\n";
        let e = err(&[
            ("Occupation Data.txt", OCC),
            ("Alternate Titles.txt", ALT),
            ("Sample of Reported Titles.txt", bad_cols),
        ]);
        assert!(
            e.contains("Sample of Reported Titles.txt:1: header: no column \"O*NET-SOC Code\""),
            "{e}"
        );

        let truncated = b"O*NET-SOC Code\tAlternate Title\tShort Title\tSource(s)\n29-1141.00\tNurse\tn/a\t08\n29-1141.00\tRN\n";
        let e = err(&[
            ("Occupation Data.txt", OCC),
            ("Alternate Titles.txt", truncated),
            ("Sample of Reported Titles.txt", REP),
        ]);
        assert!(
            e.contains("Alternate Titles.txt:3: row: truncated row: 2 fields, the header has 4"),
            "{e}"
        );

        let latin1 = b"O*NET-SOC Code\tReported Job Title\tShown in My Next Move\n29-1141.00\tStaff Nurse\tY\n35-1011.00\tCommis de cuisine \xe9quipe\tN\n";
        let e = err(&[
            ("Occupation Data.txt", OCC),
            ("Alternate Titles.txt", ALT),
            ("Sample of Reported Titles.txt", latin1),
        ]);
        assert!(
            e.contains("Sample of Reported Titles.txt:3: encoding: not UTF-8 (byte 0xE9)"),
            "{e}"
        );

        let e = err(&[
            ("Occupation Data.txt", b"\xff\xfeO\x00"),
            ("Alternate Titles.txt", ALT),
            ("Sample of Reported Titles.txt", REP),
        ]);
        assert!(e.contains("Occupation Data.txt:1: encoding: UTF-16"), "{e}");

        let unknown =
            b"O*NET-SOC Code\tReported Job Title\tShown in My Next Move\n11-1011.00\tBoss\tY\n";
        let e = err(&[
            ("Occupation Data.txt", OCC),
            ("Alternate Titles.txt", ALT),
            ("Sample of Reported Titles.txt", unknown),
        ]);
        assert!(
            e.contains("Sample of Reported Titles.txt:2: O*NET-SOC Code: 11-1011.00 is not in"),
            "{e}"
        );

        let bad_code = b"O*NET-SOC Code\tTitle\tDescription\n29-1141\tRegistered Nurses\tCare.\n";
        let e = err(&[
            ("Occupation Data.txt", bad_code),
            ("Alternate Titles.txt", ALT),
            ("Sample of Reported Titles.txt", REP),
        ]);
        assert!(
            e.contains(
                "Occupation Data.txt:2: O*NET-SOC Code: \"29-1141\" is not an O*NET-SOC code"
            ),
            "{e}"
        );
    }

    #[test]
    fn hash_changes_with_content() {
        let a = folder(&[
            ("Occupation Data.txt", OCC),
            ("Alternate Titles.txt", ALT),
            ("Sample of Reported Titles.txt", REP),
        ]);
        let h1 = OnetDir::locate(a.path()).unwrap().read().unwrap().hash;
        std::fs::write(
            a.path().join("Sample of Reported Titles.txt"),
            b"O*NET-SOC Code\tReported Job Title\tShown in My Next Move\n",
        )
        .unwrap();
        let h2 = OnetDir::locate(a.path()).unwrap().read().unwrap().hash;
        assert_ne!(h1, h2);
    }
}
