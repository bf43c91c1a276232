//! Noise: the parts of an exported title that are not the job.
//!
//! Three kinds, all data (`data/noise.toml`, `data/locations.txt`):
//! - **patterns**: regular expressions over the folded title (requisition numbers, pay rates,
//!   contract lengths, hours, gender markers); a match is cut out and ends the segment.
//! - **words**: work arrangements and posting chatter ("remote", "contract", "nights", "2nd
//!   shift"). They stay in the normalized text, marked as noise, so an alias that really contains
//!   one ("Contract Specialist") still matches exactly; lookups then retry without them.
//! - **locations**: a segment after the first that is only place names ("Austin, TX", "EMEA")
//!   is dropped.
//!
//! `junk` lists whole titles that are not job titles ("N/A", "see resume").

use crate::data::DataFiles;
use crate::error::{Error, Result};
use regex::{Regex, RegexSet};
use std::collections::{HashMap, HashSet};

/// The noise rules file.
pub const FILE: &str = "noise.toml";
/// The place-name list.
pub const LOCATIONS: &str = "locations.txt";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoiseFile {
    #[serde(default)]
    pattern: Vec<PatternRow>,
    words: Vec<String>,
    junk: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternRow {
    name: String,
    regex: String,
}

/// Compiled noise rules.
#[derive(Debug, Clone)]
pub struct Noise {
    patterns: Vec<(String, Regex)>,
    /// All patterns at once: one pass says whether any needs running.
    any_pattern: RegexSet,
    words: Phrases,
    locations: Phrases,
    junk: HashSet<String>,
}

/// A set of word sequences, indexed by first word (longest first), looked up without
/// allocating.
#[derive(Debug, Clone, Default)]
struct Phrases {
    by_first: HashMap<String, Vec<Vec<String>>>,
}

impl Phrases {
    fn insert(&mut self, p: Vec<String>) {
        if p.is_empty() {
            return;
        }
        let list = self.by_first.entry(p[0].clone()).or_default();
        if !list.contains(&p) {
            list.push(p);
            list.sort_by_key(|p| std::cmp::Reverse(p.len()));
        }
    }

    /// Length of the longest phrase starting at `tokens[i]`.
    fn longest_at(&self, tokens: &[&str], i: usize) -> Option<usize> {
        self.by_first
            .get(tokens[i])?
            .iter()
            .find(|p| {
                i + p.len() <= tokens.len() && p.iter().zip(&tokens[i..]).all(|(a, b)| a == b)
            })
            .map(Vec::len)
    }
}

fn phrase(s: &str) -> Vec<String> {
    s.split_whitespace().map(|w| w.to_lowercase()).collect()
}

impl Noise {
    /// Load and validate the noise rules and place names.
    pub fn load(data: &DataFiles) -> Result<Noise> {
        let text = data.require(FILE)?;
        let f: NoiseFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| crate::data::line_of(text, s.start));
            Error::data(FILE, line, "toml", e.message().to_string())
        })?;
        let mut patterns = Vec::new();
        for p in f.pattern {
            let re = Regex::new(&p.regex).map_err(|e| {
                Error::data(FILE, None, format!("pattern {}", p.name), e.to_string())
            })?;
            patterns.push((p.name, re));
        }
        let any_pattern = RegexSet::new(patterns.iter().map(|(_, r)| r.as_str()))
            .map_err(|e| Error::data(FILE, None, "pattern", e.to_string()))?;
        let mut words = Phrases::default();
        for w in &f.words {
            words.insert(phrase(w));
        }
        let mut locations = Phrases::default();
        for (i, line) in data.require(LOCATIONS)?.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.chars().any(|c| c.is_uppercase()) {
                return Err(Error::data(
                    LOCATIONS,
                    Some(i + 1),
                    "name",
                    "place names must be lowercase",
                ));
            }
            locations.insert(phrase(line));
        }
        Ok(Noise {
            patterns,
            any_pattern,
            words,
            locations,
            junk: f.junk.iter().map(|j| phrase(j).join(" ")).collect(),
        })
    }

    /// Cut pattern matches out of `folded`, replacing each with a segment break. Returns the new
    /// text and the pieces removed (with the rule name).
    pub fn cut_patterns(&self, folded: &str) -> (String, Vec<(String, String)>) {
        let mut text = folded.to_string();
        let mut cut = Vec::new();
        if !self.any_pattern.is_match(folded) {
            return (text, cut);
        }
        for (name, re) in &self.patterns {
            if !re.is_match(&text) {
                continue;
            }
            for m in re.find_iter(&text) {
                cut.push((m.as_str().trim().to_string(), name.clone()));
            }
            text = re.replace_all(&text, " | ").into_owned();
        }
        (text, cut)
    }

    /// Length of the noise phrase starting at `tokens[i]`, if any (longest first).
    pub fn word_at(&self, tokens: &[&str], i: usize) -> Option<usize> {
        self.words.longest_at(tokens, i)
    }

    /// True when the tokens are all place names (greedy cover by known phrases).
    pub fn is_location(&self, tokens: &[&str]) -> bool {
        let mut i = 0;
        while i < tokens.len() {
            match self.locations.longest_at(tokens, i) {
                Some(n) => i += n,
                None => return false,
            }
        }
        !tokens.is_empty()
    }

    /// True when the whole normalized title is a known non-title ("n/a", "see resume").
    pub fn is_junk(&self, text: &str) -> bool {
        self.junk.contains(text)
    }
}
