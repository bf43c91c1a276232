//! Seniority words (`data/level_words.csv`) and the reader that finds them in a title.
//!
//! A row is `ladder,phrase,level,position,note`. `level` is a level code, or two (`INT/S1`): the
//! second is the level on support and trade roles. `position` says where in a title segment the
//! phrase counts: `prefix` (at the start, possibly after other level words: "Senior Staff
//! Engineer"), `suffix` (at the end: "Engineer II", "Engineer, Lead") or `any`. Words count only
//! as whole tokens, so "internal" never holds "intern". A word in brackets is context that must
//! follow but is not consumed: `charge [nurse]` reads "charge" as M1 and leaves "nurse" for the
//! role. `[...word]` is context that must end the segment, with anything between:
//! `chief [...officer]` reads "Chief Happiness Officer" as E2 while a bare `chief` prefix ("Chief
//! Electrician") says something else. Ladders other than `general` override or add phrases on
//! top of it.

use super::ladder::LevelCode;
use crate::data::DataFiles;
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};

/// The file the words are read from.
pub const FILE: &str = "level_words.csv";

/// Where a phrase may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Position {
    /// At the start of a segment.
    Prefix,
    /// At the end of a segment.
    Suffix,
    /// Anywhere.
    Any,
}

#[derive(Debug, Clone)]
struct Phrase {
    words: Vec<String>,
    context: Vec<String>,
    /// A word that must end the segment (`[...officer]`), after at least one other word.
    last: Option<String>,
    level: LevelCode,
    /// The level on support and trade roles, when it differs (`INT/S1`: a trainee).
    support: Option<LevelCode>,
    position: Position,
}

/// A level phrase found in a title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelHit {
    /// Index of the first token (in the token list given to [`LevelWords::find`]).
    pub start: usize,
    /// Number of tokens consumed.
    pub len: usize,
    /// The level it signals (general track: P codes for individual contributors).
    pub level: LevelCode,
    /// The level it signals on a support or trade role (S track), when the data gives one
    /// (`INT/S1`: "Truck Driver Trainee" is S1, "Appraiser Trainee" INT).
    pub support: Option<LevelCode>,
    /// The phrase as written in the data.
    pub phrase: String,
    /// Whether the phrase is positional (prefix/suffix) rather than `any`.
    pub positional: bool,
}

impl LevelHit {
    /// True when token `i` is part of the phrase.
    pub fn covers(&self, i: usize) -> bool {
        i >= self.start && i < self.start + self.len
    }
}

/// One ladder's phrases, indexed by first and last word (longest phrase first in each list).
#[derive(Debug, Clone, Default)]
struct Table {
    phrases: Vec<Phrase>,
    by_first: HashMap<String, Vec<usize>>,
    by_last: HashMap<String, Vec<usize>>,
}

impl Table {
    fn new(mut phrases: Vec<Phrase>) -> Table {
        let weight = |p: &Phrase| p.words.len() + p.context.len() + p.last.is_some() as usize;
        phrases.sort_by_key(|p| std::cmp::Reverse(weight(p)));
        let mut t = Table {
            phrases,
            ..Table::default()
        };
        for (i, p) in t.phrases.iter().enumerate() {
            t.by_first.entry(p.words[0].clone()).or_default().push(i);
            if p.context.is_empty() && p.last.is_none() {
                t.by_last
                    .entry(p.words[p.words.len() - 1].clone())
                    .or_default()
                    .push(i);
            }
        }
        t
    }
}

/// The level words of every ladder.
#[derive(Debug, Clone)]
pub struct LevelWords {
    ladders: BTreeMap<String, Table>,
}

impl LevelWords {
    /// Load and validate the table.
    pub fn load(data: &DataFiles) -> Result<LevelWords> {
        LevelWords::parse(data.require(FILE)?)
    }

    /// Parse the CSV text.
    pub fn parse(text: &str) -> Result<LevelWords> {
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let h = rdr
            .headers()
            .map_err(|e| Error::data(FILE, Some(1), "header", e.to_string()))?;
        if h.iter().collect::<Vec<_>>() != ["ladder", "phrase", "level", "position", "note"] {
            return Err(Error::data(
                FILE,
                Some(1),
                "header",
                "expected ladder,phrase,level,position,note",
            ));
        }
        let mut raw: BTreeMap<String, Vec<Phrase>> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                Error::data(
                    FILE,
                    e.position().map(|p| p.line() as usize),
                    "row",
                    e.to_string(),
                )
            })?;
            let line = rec.position().map(|p| p.line() as usize);
            let ladder = rec[0].trim().to_string();
            if ladder.is_empty() {
                return Err(Error::data(FILE, line, "ladder", "empty ladder name"));
            }
            let mut words = Vec::new();
            let mut context = Vec::new();
            let mut last = None;
            for w in rec[1].split_whitespace() {
                if last.is_some() {
                    return Err(Error::data(
                        FILE,
                        line,
                        "phrase",
                        "[...word] (the segment's last word) must come last",
                    ));
                }
                if let Some(c) = w.strip_prefix("[...").and_then(|w| w.strip_suffix(']')) {
                    last = Some(c.to_string());
                } else if let Some(c) = w.strip_prefix('[').and_then(|w| w.strip_suffix(']')) {
                    context.push(c.to_string());
                } else if !context.is_empty() {
                    return Err(Error::data(
                        FILE,
                        line,
                        "phrase",
                        "context words in [brackets] must come last",
                    ));
                } else {
                    words.push(w.to_string());
                }
            }
            if words.is_empty() {
                return Err(Error::data(FILE, line, "phrase", "empty phrase"));
            }
            if words.iter().any(|w| w.chars().any(char::is_uppercase)) {
                return Err(Error::data(
                    FILE,
                    line,
                    "phrase",
                    "phrases must be lowercase (as normalized)",
                ));
            }
            // `INT/S1`: the level, then the level on support roles.
            let (level, support) = match rec[2].trim().split_once('/') {
                Some((l, s)) => (l, Some(s)),
                None => (rec[2].trim(), None),
            };
            let level: LevelCode = level
                .trim()
                .parse()
                .map_err(|e: String| Error::data(FILE, line, "level", e))?;
            let support: Option<LevelCode> = support
                .map(|s| s.trim().parse())
                .transpose()
                .map_err(|e: String| Error::data(FILE, line, "level", e))?;
            if support.is_some_and(|s| s.track != super::ladder::Track::S) {
                return Err(Error::data(
                    FILE,
                    line,
                    "level",
                    "the level after / is the one on support roles: an S level (S1-S4)",
                ));
            }
            let position = match rec[3].trim() {
                "prefix" => Position::Prefix,
                "suffix" => Position::Suffix,
                "any" => Position::Any,
                p => {
                    return Err(Error::data(
                        FILE,
                        line,
                        "position",
                        format!("{p:?}: expected prefix, suffix or any"),
                    ))
                }
            };
            if !seen.insert((ladder.clone(), rec[1].trim().to_string(), position)) {
                return Err(Error::data(
                    FILE,
                    line,
                    "phrase",
                    format!("{:?} listed twice for ladder {ladder}", &rec[1]),
                ));
            }
            if last.is_some() && !context.is_empty() {
                return Err(Error::data(
                    FILE,
                    line,
                    "phrase",
                    "use either [word] or [...word] context, not both",
                ));
            }
            raw.entry(ladder).or_default().push(Phrase {
                words,
                context,
                last,
                level,
                support,
                position,
            });
        }
        let general = raw
            .remove("general")
            .ok_or_else(|| Error::data(FILE, None, "ladder", "no `general` ladder"))?;
        let mut ladders = BTreeMap::new();
        for (name, over) in raw {
            let mut merged: Vec<Phrase> = general
                .iter()
                .filter(|g| {
                    !over
                        .iter()
                        .any(|o| o.words == g.words && o.context == g.context && o.last == g.last)
                })
                .cloned()
                .collect();
            merged.extend(over);
            ladders.insert(name, Table::new(merged));
        }
        ladders.insert("general".to_string(), Table::new(general));
        Ok(LevelWords { ladders })
    }

    /// Names of the ladders (`general` first is not guaranteed; sorted).
    pub fn ladders(&self) -> impl Iterator<Item = &str> {
        self.ladders.keys().map(String::as_str)
    }

    /// True when `name` is a known ladder.
    pub fn has_ladder(&self, name: &str) -> bool {
        self.ladders.contains_key(name)
    }

    fn at<'a>(
        &self,
        t: &'a Table,
        toks: &[&str],
        i: usize,
        end: usize,
        pos: &[Position],
    ) -> Option<(usize, &'a Phrase)> {
        if i >= end {
            return None;
        }
        t.by_first
            .get(toks[i])?
            .iter()
            .map(|&k| &t.phrases[k])
            .filter(|p| pos.contains(&p.position))
            .find_map(|p| {
                let n = p.words.len();
                let m = p.context.len();
                (i + n + m <= toks.len()
                    && i + n <= end
                    && p.words.iter().zip(&toks[i..i + n]).all(|(a, b)| a == b)
                    && p.context
                        .iter()
                        .zip(&toks[i + n..i + n + m])
                        .all(|(a, b)| a == b)
                    && p.last.as_ref().is_none_or(|w| {
                        end >= i + n + 2 && toks[..end].last() == Some(&w.as_str())
                    }))
                .then_some((n, p))
            })
    }

    fn ending_at<'a>(
        &self,
        t: &'a Table,
        toks: &[&str],
        begin: usize,
        j: usize,
    ) -> Option<(usize, &'a Phrase)> {
        if j <= begin {
            return None;
        }
        t.by_last
            .get(toks[j - 1])?
            .iter()
            .map(|&k| &t.phrases[k])
            .filter(|p| matches!(p.position, Position::Suffix | Position::Any))
            .find_map(|p| {
                let n = p.words.len();
                (j >= begin + n && p.words.iter().zip(&toks[j - n..j]).all(|(a, b)| a == b))
                    .then_some((n, p))
            })
    }

    /// Find level phrases in `toks`, where `segments[k]` is the segment of token `k`.
    /// Unknown ladder names read as `general`.
    pub fn find(&self, ladder: &str, toks: &[&str], segments: &[u16]) -> Vec<LevelHit> {
        let Some(phrases) = self
            .ladders
            .get(ladder)
            .or_else(|| self.ladders.get("general"))
        else {
            return Vec::new();
        };
        let mut hits = Vec::new();
        let mut s = 0;
        while s < toks.len() {
            let mut e = s;
            while e < toks.len() && segments[e] == segments[s] {
                e += 1;
            }
            let hit = |start: usize, n: usize, p: &Phrase, positional: bool| LevelHit {
                start,
                len: n,
                level: p.level,
                support: p.support,
                phrase: p.words.join(" "),
                positional,
            };
            // Leading phrases.
            let mut i = s;
            while let Some((n, p)) =
                self.at(phrases, toks, i, e, &[Position::Prefix, Position::Any])
            {
                hits.push(hit(i, n, p, p.position != Position::Any));
                i += n;
            }
            // Trailing phrases. In a later segment ("HR Generalist - Plant 4") a trailing
            // numeral is part of that segment's own name unless the segment is nothing but
            // level words ("Engineer, II").
            let mut j = e;
            let mut trailing = Vec::new();
            while j > i {
                match self.ending_at(phrases, toks, i, j) {
                    Some((n, p)) => {
                        trailing.push(hit(j - n, n, p, p.position != Position::Any));
                        j -= n;
                    }
                    None => break,
                }
            }
            if s == 0 || j == i {
                hits.extend(trailing);
            } else {
                hits.extend(trailing.into_iter().filter(|h| !h.positional));
            }
            // Anywhere in between.
            let mut k = i;
            while k < j {
                match self.at(phrases, toks, k, j, &[Position::Any]) {
                    Some((n, p)) => {
                        hits.push(hit(k, n, p, false));
                        k += n;
                    }
                    None => k += 1,
                }
            }
            s = e;
        }
        hits.sort_by_key(|h| h.start);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> LevelWords {
        LevelWords::parse(include_str!("../../data/level_words.csv")).unwrap()
    }

    fn read(title: &str) -> Vec<(String, String)> {
        let toks: Vec<&str> = title.split(' ').collect();
        let segs = vec![0u16; toks.len()];
        words()
            .find("general", &toks, &segs)
            .into_iter()
            .map(|h| (h.phrase, h.level.to_string()))
            .collect()
    }

    #[test]
    fn reads_prefix_suffix_and_anywhere() {
        assert_eq!(
            read("senior software engineer ii"),
            [("senior".into(), "P3".into()), ("ii".into(), "P2".into())]
        );
        assert_eq!(
            read("engineering manager"),
            [("manager".into(), "M2".into())]
        );
        assert_eq!(read("head of data"), [("head of".into(), "M5".into())]);
        assert_eq!(read("charge nurse"), [("charge".into(), "M1".into())]);
    }

    #[test]
    fn a_context_word_may_end_the_segment() {
        // Any "Chief X Officer" is the C-suite; a bare "chief" prefix is not.
        assert_eq!(
            read("chief happiness officer"),
            [("chief".into(), "E2".into())]
        );
        assert_eq!(read("chief electrician"), [("chief".into(), "P6".into())]);
        // "officer" must follow at least one other word, and end the segment.
        assert_eq!(read("chief officer"), [("chief".into(), "P6".into())]);
        assert_eq!(
            read("chief officer trainer"),
            [("chief".into(), "P6".into())]
        );
        let e = LevelWords::parse(
            "ladder,phrase,level,position,note\ngeneral,chief [...officer] x,E2,prefix,\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("must come last"), "{e}");
    }

    #[test]
    fn whole_tokens_and_positions_only() {
        assert!(read("internal auditor").is_empty());
        assert!(read("international sales").is_empty());
        // "lead" in the middle is not a prefix or suffix.
        assert!(read("abatement lead worker").is_empty());
        // roman "i" only at the end.
        assert!(read("i t support").is_empty());
    }

    #[test]
    fn ladders_override_general() {
        let w = words();
        let toks = ["vice", "president", "credit", "risk"];
        let segs = [0, 0, 1, 1];
        assert_eq!(w.find("general", &toks, &segs)[0].level.to_string(), "M6");
        assert_eq!(w.find("banking", &toks, &segs)[0].level.to_string(), "P4");
    }

    #[test]
    fn bad_rows_name_the_line() {
        let e = LevelWords::parse("ladder,phrase,level,position,note\ngeneral,senior,P9,any,\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("level_words.csv:2") && e.contains("P9"), "{e}");
        let e = LevelWords::parse("ladder,phrase,level,position,note\ngeneral,senior,P3,middle,\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("position"), "{e}");
        let e =
            LevelWords::parse("ladder,phrase,level,position,note\ngeneral,trainee,INT/P1,any,\n")
                .unwrap_err()
                .to_string();
        assert!(e.contains("support roles"), "{e}");
        let w =
            LevelWords::parse("ladder,phrase,level,position,note\ngeneral,trainee,INT/S1,any,\n")
                .unwrap();
        let hit = &w.find("general", &["trainee", "driver"], &[0, 0])[0];
        assert_eq!(
            (hit.level.to_string(), hit.support.map(|s| s.to_string())),
            ("INT".into(), Some("S1".into()))
        );
    }
}
