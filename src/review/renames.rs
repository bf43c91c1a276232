//! The renames table, `data/renames.csv`: role codes that were renamed or merged.
//!
//! ```text
//! old_code,new_code,note
//! SEC.ANA,SEI.ANA,split security analysts out of InfoSec engineering
//! ```
//!
//! When a role code disappears from the taxonomy, approved aliases of the old code follow the
//! table to the new code (several old codes may merge into one; chains `A -> B -> C` are
//! followed). An alias whose role disappeared without a rename goes back to review.

use crate::data::DataFiles;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The file, relative to the data folder.
pub const FILE: &str = "renames.csv";

/// One rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The code the old code became.
    pub new_code: String,
    /// Why (free text, shown in the decision that moves the alias).
    pub note: String,
}

/// Role code renames, by old code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    map: BTreeMap<String, Rename>,
}

impl Renames {
    /// No renames.
    pub fn none() -> Renames {
        Renames::default()
    }

    /// Read `renames.csv` from the data files; a data set without the file has no renames.
    pub fn load(data: &DataFiles) -> Result<Renames> {
        match data.get(FILE) {
            Some(text) => Renames::parse(text),
            None => Ok(Renames::none()),
        }
    }

    /// Read the renames of a data folder, or of the built-in data when `data_dir` is `None`.
    pub fn for_data_dir(data_dir: Option<&Path>) -> Result<Renames> {
        match data_dir {
            None => Renames::load(&DataFiles::builtin()),
            Some(dir) => {
                let p = dir.join(FILE);
                match std::fs::read_to_string(&p) {
                    Ok(text) => Renames::parse(&text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Renames::none()),
                    Err(e) => Err(Error::io(p, e)),
                }
            }
        }
    }

    /// Parse the CSV text (header `old_code,new_code,note`).
    ///
    /// ```
    /// use titlematch::review::Renames;
    /// let r = Renames::parse("old_code,new_code,note\nAAA.BBB,CCC.DDD,merged\nCCC.DDD,EEE.FFF,\n").unwrap();
    /// assert_eq!(r.resolve("AAA.BBB").as_deref(), Some("EEE.FFF"));
    /// assert_eq!(r.resolve("XXX.YYY"), None);
    /// ```
    pub fn parse(text: &str) -> Result<Renames> {
        let err =
            |line: Option<usize>, field: &str, msg: String| Error::data(FILE, line, field, msg);
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .comment(Some(b'#'))
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| err(Some(1), "header", e.to_string()))?
            .clone();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(old_i), Some(new_i)) = (col("old_code"), col("new_code")) else {
            return Err(err(
                Some(1),
                "header",
                "expected the columns old_code,new_code,note".into(),
            ));
        };
        let note_i = col("note");
        let mut map = BTreeMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                err(
                    e.position().map(|p| p.line() as usize),
                    "row",
                    e.to_string(),
                )
            })?;
            let line = rec.position().map(|p| p.line() as usize);
            let old = rec.get(old_i).unwrap_or("").to_string();
            let new = rec.get(new_i).unwrap_or("").to_string();
            for (field, code) in [("old_code", &old), ("new_code", &new)] {
                if !valid_code(code) {
                    return Err(err(
                        line,
                        field,
                        format!("{code:?} is not a role code (FAM.SPC)"),
                    ));
                }
            }
            if old == new {
                return Err(err(line, "new_code", format!("{old} is renamed to itself")));
            }
            let note = note_i.and_then(|i| rec.get(i)).unwrap_or("").to_string();
            if map
                .insert(
                    old.clone(),
                    Rename {
                        new_code: new,
                        note,
                    },
                )
                .is_some()
            {
                return Err(err(line, "old_code", format!("{old} is renamed twice")));
            }
        }
        let r = Renames { map };
        for start in r.map.keys() {
            let mut seen = vec![start.as_str()];
            let mut cur = start.as_str();
            while let Some(next) = r.map.get(cur) {
                if seen.contains(&next.new_code.as_str()) {
                    return Err(err(
                        None,
                        "new_code",
                        format!(
                            "renames form a cycle: {} -> {}",
                            seen.join(" -> "),
                            next.new_code
                        ),
                    ));
                }
                cur = &next.new_code;
                seen.push(cur);
            }
        }
        Ok(r)
    }

    /// The code `code` ends up as after following the renames, or `None` when it was not
    /// renamed.
    pub fn resolve(&self, code: &str) -> Option<String> {
        let mut cur = self.map.get(code)?;
        // Cycles are refused at load, so this ends.
        while let Some(next) = self.map.get(&cur.new_code) {
            cur = next;
        }
        Some(cur.new_code.clone())
    }

    /// The first rename of `code`, with its note.
    pub fn get(&self, code: &str) -> Option<&Rename> {
        self.map.get(code)
    }

    /// Number of renames.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

fn valid_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7 && b[3] == b'.' && b[..3].iter().chain(&b[4..]).all(u8::is_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_chains_and_merges() {
        let r = Renames::parse(
            "old_code,new_code,note\nAAA.ONE,BBB.TWO,x\nAAA.TWO,BBB.TWO,merged\nBBB.TWO,CCC.THR,\n",
        )
        .unwrap();
        assert_eq!(r.resolve("AAA.ONE").as_deref(), Some("CCC.THR"));
        assert_eq!(r.resolve("AAA.TWO").as_deref(), Some("CCC.THR"));
        assert_eq!(r.resolve("CCC.THR"), None);
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn empty_file_and_header_only() {
        assert!(Renames::parse("old_code,new_code,note\n")
            .unwrap()
            .is_empty());
        assert!(Renames::parse("old_code,new_code,note\n# a comment\n")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn refuses_bad_rows() {
        let e = Renames::parse("old_code,new_code,note\nAAA.ONE,BBB.TWO,\nBBB.TWO,AAA.ONE,\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cycle"), "{e}");
        let e = Renames::parse("old_code,new_code,note\nAAA.ONE,bad,\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("renames.csv:2") && e.contains("new_code"), "{e}");
        let e = Renames::parse("old_code,new_code,note\nAAA.ONE,BBB.TWO,\nAAA.ONE,CCC.TWO,\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");
        let e = Renames::parse("from,to\n").unwrap_err().to_string();
        assert!(e.contains("old_code,new_code"), "{e}");
        let e = Renames::parse("old_code,new_code,note\nAAA.ONE,AAA.ONE,\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("itself"), "{e}");
    }
}
