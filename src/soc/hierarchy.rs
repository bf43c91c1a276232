//! The SOC 2018 structure: which major, minor and broad group a detailed code sits in.
//!
//! Two sources, richest first:
//!
//! - BLS's `soc_structure_2018` file (tab-separated: `Major Group`, `Minor Group`,
//!   `Broad Group`, `Detailed Occupation`, `Title`; one code per row, each group before its
//!   members), found in the folder given with `--soc DIR` / `TITLEMATCH_SOC`. It gives every
//!   group title.
//! - Without it, the 23 major groups from `data/soc_major_groups.csv` (`code,title`; a copy is
//!   built into the crate). Minor and broad group titles are then empty strings: they cannot be
//!   derived from the code alone (minor `15-1200` but `29-1000`).
//!
//! SOC 2018 is a U.S. Bureau of Labor Statistics publication (public domain).

use crate::data::DataFiles;
use crate::error::{Error, Result};
use crate::matching::SocHierarchy;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Name of the major-group list in the data folder.
pub const MAJOR_GROUPS_FILE: &str = "soc_major_groups.csv";

/// File names tried, in order, for the BLS structure file inside a `--soc` folder.
pub const STRUCTURE_FILES: [&str; 2] = ["soc_structure_2018.tsv", "soc_structure_2018.txt"];

const BUILTIN_MAJOR_GROUPS: &str = include_str!("../../data/soc_major_groups.csv");

/// Parents of one SOC code, by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Parents {
    minor: Option<String>,
    broad: Option<String>,
}

/// SOC 2018 group titles and the parents of each code.
///
/// ```
/// use titlematch::soc::SocStructure;
/// let s = SocStructure::builtin();
/// let h = s.hierarchy("15-1212").unwrap();
/// assert_eq!(h.major, "15-0000 Computer and Mathematical Occupations");
/// assert_eq!(h.minor, ""); // only with the BLS structure file
/// assert!(s.hierarchy("99-9999").is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct SocStructure {
    /// Code (`15-0000`, `15-1200`, `15-1210`, `15-1212`) -> title.
    titles: BTreeMap<String, String>,
    /// Detailed or broad code -> its minor and broad groups.
    parents: BTreeMap<String, Parents>,
    /// Where the structure came from, for `info`.
    origin: String,
}

/// True for text shaped like a SOC code: `dd-dddd`.
pub fn is_soc_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7
        && b[2] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
}

impl SocStructure {
    /// The major groups built into the crate.
    pub fn builtin() -> SocStructure {
        // The built-in copy is checked by a unit test, so this cannot fail.
        SocStructure::from_major_groups(BUILTIN_MAJOR_GROUPS, MAJOR_GROUPS_FILE).unwrap_or_default()
    }

    /// The major groups of the data folder (`soc_major_groups.csv`), or the built-in copy when
    /// the folder has none.
    pub fn from_data(data: &DataFiles) -> Result<SocStructure> {
        match data.get(MAJOR_GROUPS_FILE) {
            Some(text) => SocStructure::from_major_groups(text, MAJOR_GROUPS_FILE),
            None => Ok(SocStructure::builtin()),
        }
    }

    /// Parse a `code,title` list of major groups.
    pub fn from_major_groups(text: &str, file: &str) -> Result<SocStructure> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let h = rdr
            .headers()
            .map_err(|e| Error::data(file, Some(1), "header", e.to_string()))?;
        if h.iter().collect::<Vec<_>>() != ["code", "title"] {
            return Err(Error::data(file, Some(1), "header", "expected code,title"));
        }
        let mut titles = BTreeMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                Error::data(
                    file,
                    e.position().map(|p| p.line() as usize),
                    "row",
                    e.to_string(),
                )
            })?;
            let line = rec.position().map(|p| p.line() as usize);
            let code = rec[0].trim();
            if !is_soc_code(code) || !code.ends_with("-0000") {
                return Err(Error::data(
                    file,
                    line,
                    "code",
                    format!("{code:?} is not a SOC major group code (dd-0000)"),
                ));
            }
            let title = rec[1].trim();
            if title.is_empty() {
                return Err(Error::data(file, line, "title", "empty title"));
            }
            titles.insert(code.to_string(), title.to_string());
        }
        if titles.is_empty() {
            return Err(Error::data(file, None, "rows", "no major groups"));
        }
        Ok(SocStructure {
            titles,
            parents: BTreeMap::new(),
            origin: file.to_string(),
        })
    }

    /// Read BLS's structure file from the folder `dir` (see [`STRUCTURE_FILES`]).
    pub fn from_dir(dir: &Path) -> Result<SocStructure> {
        let path = STRUCTURE_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                Error::io(
                    dir.join(STRUCTURE_FILES[0]),
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "SOC 2018 structure file not found in the --soc folder",
                    ),
                )
            })?;
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let name = path.display().to_string();
        let text = super::onet::decode(&bytes, &name)?;
        let mut s = SocStructure::from_structure(&text, &name)?;
        s.origin = path.display().to_string();
        Ok(s)
    }

    /// Parse the text of BLS's structure file.
    pub fn from_structure(text: &str, file: &str) -> Result<SocStructure> {
        let mut lines = text
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)));
        let Some((_, header)) = lines.next() else {
            return Err(Error::data(file, Some(1), "header", "empty file"));
        };
        let cols: Vec<&str> = header.split('\t').map(str::trim).collect();
        if cols.len() < 5
            || cols[..4]
                != [
                    "Major Group",
                    "Minor Group",
                    "Broad Group",
                    "Detailed Occupation",
                ]
        {
            return Err(Error::data(
                file,
                Some(1),
                "header",
                format!("expected columns Major Group, Minor Group, Broad Group, Detailed Occupation, Title; found {}", cols.join(", ")),
            ));
        }
        let mut titles = BTreeMap::new();
        let mut parents = BTreeMap::new();
        let (mut minor, mut broad): (Option<String>, Option<String>) = (None, None);
        for (line, row) in lines {
            if row.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = row
                .split('\t')
                .map(|s| s.trim().trim_matches('\u{a0}'))
                .collect();
            if f.len() < 5 {
                return Err(Error::data(
                    file,
                    Some(line),
                    "row",
                    format!("{} fields, expected 5 (truncated row?)", f.len()),
                ));
            }
            let filled: Vec<usize> = (0..4).filter(|&i| !f[i].is_empty()).collect();
            let [level] = filled[..] else {
                return Err(Error::data(
                    file,
                    Some(line),
                    "code",
                    "expected exactly one code per row",
                ));
            };
            let code = f[level];
            if !is_soc_code(code) {
                return Err(Error::data(
                    file,
                    Some(line),
                    "code",
                    format!("{code:?} is not a SOC code (dd-dddd)"),
                ));
            }
            let title = f[4..]
                .iter()
                .find(|s| !s.is_empty())
                .copied()
                .unwrap_or_default();
            titles.insert(code.to_string(), title.to_string());
            match level {
                0 => (minor, broad) = (None, None),
                1 => (minor, broad) = (Some(code.to_string()), None),
                2 => {
                    broad = Some(code.to_string());
                    parents.insert(
                        code.to_string(),
                        Parents {
                            minor: minor.clone(),
                            broad: None,
                        },
                    );
                }
                _ => {
                    parents.insert(
                        code.to_string(),
                        Parents {
                            minor: minor.clone(),
                            broad: broad.clone(),
                        },
                    );
                }
            }
        }
        if !titles.keys().any(|c| c.ends_with("-0000")) {
            return Err(Error::data(file, None, "rows", "no major groups"));
        }
        Ok(SocStructure {
            titles,
            parents,
            origin: file.to_string(),
        })
    }

    /// Where the structure came from (a file path, or the major-group list).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// True when minor and broad group titles are known (the BLS structure file was read).
    pub fn has_groups(&self) -> bool {
        !self.parents.is_empty()
    }

    /// The title of any SOC code the structure knows (a group or, with the BLS file, a
    /// detailed occupation).
    pub fn title(&self, code: &str) -> Option<&str> {
        self.titles.get(code).map(String::as_str)
    }

    /// The groups above `code` (a detailed or broad SOC code, or an O*NET-SOC code, whose first
    /// seven characters are used). `None` when the major group is unknown.
    pub fn hierarchy(&self, code: &str) -> Option<SocHierarchy> {
        let code = code.get(..7)?;
        let major_code = format!("{}-0000", code.get(..2)?);
        let major = self.titles.get(&major_code)?;
        let label = |c: &Option<String>| -> String {
            c.as_ref()
                .and_then(|c| self.titles.get(c).map(|t| format!("{c} {t}")))
                .unwrap_or_default()
        };
        let p = self.parents.get(code).cloned().unwrap_or_default();
        Some(SocHierarchy {
            major: format!("{major_code} {major}"),
            minor: label(&p.minor),
            broad: label(&p.broad),
        })
    }

    /// Number of codes with a title (groups and, with the BLS file, detailed occupations).
    pub fn len(&self) -> usize {
        self.titles.len()
    }

    /// True when nothing is known.
    pub fn is_empty(&self) -> bool {
        self.titles.is_empty()
    }
}

/// The path of the structure file in `dir`, if one is there.
pub fn structure_file(dir: &Path) -> Option<PathBuf> {
    STRUCTURE_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Major Group\tMinor Group\tBroad Group\tDetailed Occupation\tTitle\r\n\
        15-0000\t\t\t\tComputer and Mathematical Occupations\r\n\
        \t15-1200\t\t\tComputer Occupations\r\n\
        \t\t15-1210\t\tComputer and Information Analysts\r\n\
        \t\t\t15-1211\tComputer Systems Analysts\r\n\
        \t\t\t15-1212\tInformation Security Analysts\r\n";

    #[test]
    fn builtin_has_the_23_major_groups() {
        let s = SocStructure::builtin();
        assert_eq!(s.len(), 23);
        assert_eq!(s.title("55-0000"), Some("Military Specific Occupations"));
        assert_eq!(
            s.hierarchy("29-1141.01").unwrap().major,
            "29-0000 Healthcare Practitioners and Technical Occupations"
        );
    }

    #[test]
    fn structure_file_gives_minor_and_broad_groups() {
        let s = SocStructure::from_structure(SAMPLE, "x.tsv").unwrap();
        let h = s.hierarchy("15-1212").unwrap();
        assert_eq!(h.major, "15-0000 Computer and Mathematical Occupations");
        assert_eq!(h.minor, "15-1200 Computer Occupations");
        assert_eq!(h.broad, "15-1210 Computer and Information Analysts");
        assert_eq!(s.hierarchy("15-1210").unwrap().broad, "");
        assert!(s.hierarchy("11-1011").is_none());
        assert!(s.has_groups());
    }

    #[test]
    fn bad_structure_rows_name_the_line() {
        let bad = format!("{SAMPLE}\t\t\t15-12x3\tOops\n");
        let e = SocStructure::from_structure(&bad, "x.tsv")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.tsv:7: code:"), "{e}");
        let e = SocStructure::from_structure("A\tB\n", "x.tsv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.tsv:1: header"), "{e}");
        let e = SocStructure::from_major_groups("code,title\n11-1000,Top\n", "m.csv")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.csv:2: code"), "{e}");
    }
}
