//! Abbreviation expansion from `data/abbreviations.csv`.
//!
//! Each row is `abbr,expansion,context,note`. An abbreviation with no context always expands.
//! One with a context (`|`-separated words) expands only when one of those words occurs
//! elsewhere in the title, which is how ambiguous forms are resolved ("PM" with "software" is a
//! product manager, with "construction" a project manager). An ambiguous abbreviation whose
//! contexts all miss, and that has no context-free row, stays as written.

use crate::data::DataFiles;
use crate::error::{Error, Result};
use std::collections::HashMap;

/// The file the table is read from.
pub const FILE: &str = "abbreviations.csv";

#[derive(Debug, Clone)]
struct Rule {
    abbr: Vec<String>,
    expansion: Vec<String>,
    context: Vec<String>,
}

/// The abbreviation table, indexed by first token.
#[derive(Debug, Clone, Default)]
pub struct Abbreviations {
    by_first: HashMap<String, Vec<Rule>>,
    len: usize,
}

/// One expansion that was applied, for the explanation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Expansion {
    /// What the title said.
    pub from: String,
    /// What it was read as.
    pub to: String,
}

impl Abbreviations {
    /// Load and validate the table.
    pub fn load(data: &DataFiles) -> Result<Abbreviations> {
        let text = data.require(FILE)?;
        Abbreviations::parse(text)
    }

    /// Parse the CSV text of the table.
    pub fn parse(text: &str) -> Result<Abbreviations> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| Error::data(FILE, Some(1), "header", e.to_string()))?
            .clone();
        if headers.iter().collect::<Vec<_>>() != ["abbr", "expansion", "context", "note"] {
            return Err(Error::data(
                FILE,
                Some(1),
                "header",
                "expected columns abbr,expansion,context,note",
            ));
        }
        let mut t = Abbreviations::default();
        let mut seen = std::collections::HashSet::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize);
                Error::data(FILE, line, "row", e.to_string())
            })?;
            let line = rec.position().map(|p| p.line() as usize);
            let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            let abbr = words(&rec[0]);
            let expansion = words(&rec[1]);
            let context: Vec<String> = rec[2]
                .split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if abbr.is_empty() {
                return Err(Error::data(FILE, line, "abbr", "empty abbreviation"));
            }
            if expansion.is_empty() {
                return Err(Error::data(
                    FILE,
                    line,
                    "expansion",
                    format!("empty expansion for {:?}", &rec[0]),
                ));
            }
            for w in abbr.iter().chain(&expansion).chain(&context) {
                if w.chars().any(|c| c.is_uppercase()) {
                    return Err(Error::data(
                        FILE,
                        line,
                        "abbr",
                        format!("{w:?} must be lowercase"),
                    ));
                }
            }
            if !seen.insert((abbr.clone(), context.clone())) {
                return Err(Error::data(
                    FILE,
                    line,
                    "abbr",
                    format!("{:?} is listed twice with the same context", &rec[0]),
                ));
            }
            t.len += 1;
            t.by_first.entry(abbr[0].clone()).or_default().push(Rule {
                abbr,
                expansion,
                context,
            });
        }
        for rules in t.by_first.values_mut() {
            // Longest abbreviation first; among equals, context rules before the fallback.
            rules.sort_by(|a, b| {
                b.abbr
                    .len()
                    .cmp(&a.abbr.len())
                    .then(b.context.len().min(1).cmp(&a.context.len().min(1)))
            });
        }
        // Idempotence: no word of an expansion may itself be an abbreviation.
        for rules in t.by_first.values() {
            for r in rules {
                for w in &r.expansion {
                    if let Some(rs) = t.by_first.get(w) {
                        if rs
                            .iter()
                            .any(|x| x.abbr.len() == 1 && x.expansion != [w.clone()])
                        {
                            return Err(Error::data(FILE, None, "expansion", format!(
                                "expansion {:?} of {:?} contains {w:?}, which is itself an abbreviation: expand it fully",
                                r.expansion.join(" "), r.abbr.join(" "))));
                        }
                    }
                }
            }
        }
        Ok(t)
    }

    /// Number of rows in the table.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Try to expand the abbreviation starting at `tokens[i]`. `all` holds every word of the
    /// title, for context checks. Returns the number of tokens consumed and the expansion.
    pub fn expand_at<'a>(
        &'a self,
        tokens: &[&str],
        i: usize,
        all: &[&str],
    ) -> Option<(usize, &'a [String])> {
        let rules = self.by_first.get(tokens[i])?;
        for r in rules {
            let n = r.abbr.len();
            if i + n > tokens.len() || r.abbr.iter().zip(&tokens[i..i + n]).any(|(a, t)| a != t) {
                continue;
            }
            if r.context.is_empty() || r.context.iter().any(|c| all.iter().any(|w| w == c)) {
                return Some((n, &r.expansion));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "abbr,expansion,context,note\nsr,senior,,\npm,project manager,construction|project,\npm,product manager,software|product,\ncust svc,customer service,,\n";

    #[test]
    fn expands_with_context_and_phrases() {
        let a = Abbreviations::parse(T).unwrap();
        let toks = ["sr", "pm", "software"];
        assert_eq!(a.expand_at(&toks, 0, &toks).unwrap().1, ["senior"]);
        assert_eq!(
            a.expand_at(&toks, 1, &toks).unwrap().1,
            ["product", "manager"]
        );
        let alone = ["pm"];
        assert!(a.expand_at(&alone, 0, &alone).is_none());
        let cs = ["cust", "svc", "rep"];
        assert_eq!(a.expand_at(&cs, 0, &cs).unwrap().0, 2);
    }

    #[test]
    fn rejects_bad_rows_with_line_numbers() {
        let e = Abbreviations::parse("abbr,expansion,context,note\nsr,,,\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("abbreviations.csv:2") && e.contains("expansion"),
            "{e}"
        );
        let e = Abbreviations::parse("abbr,expansion\nsr,senior\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("header"), "{e}");
        let e = Abbreviations::parse("abbr,expansion,context,note\nsr,senior,,\nsr,senior,,\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");
    }
}
