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
use std::collections::HashSet;

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
    words: HashSet<Vec<String>>,
    max_word_len: usize,
    locations: HashSet<Vec<String>>,
    max_location_len: usize,
    junk: HashSet<String>,
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
            let re = Regex::new(&p.regex).map_err(|e| Error::data(FILE, None, format!("pattern {}", p.name), e.to_string()))?;
            patterns.push((p.name, re));
        }
        let any_pattern = RegexSet::new(patterns.iter().map(|(_, r)| r.as_str())).map_err(|e| Error::data(FILE, None, "pattern", e.to_string()))?;
        let words: HashSet<Vec<String>> = f.words.iter().map(|w| phrase(w)).filter(|p| !p.is_empty()).collect();
        let mut locations = HashSet::new();
        for (i, line) in data.require(LOCATIONS)?.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.chars().any(|c| c.is_uppercase()) {
                return Err(Error::data(LOCATIONS, Some(i + 1), "name", "place names must be lowercase"));
            }
            locations.insert(phrase(line));
        }
        Ok(Noise {
            patterns,
            any_pattern,
            max_word_len: words.iter().map(Vec::len).max().unwrap_or(1),
            words,
            max_location_len: locations.iter().map(Vec::len).max().unwrap_or(1),
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
        (1..=self.max_word_len.min(tokens.len() - i)).rev().find(|&n| {
            let p: Vec<String> = tokens[i..i + n].iter().map(|s| s.to_string()).collect();
            self.words.contains(&p)
        })
    }

    /// True when the tokens are all place names (greedy cover by known phrases).
    pub fn is_location(&self, tokens: &[&str]) -> bool {
        let mut i = 0;
        while i < tokens.len() {
            let hit = (1..=self.max_location_len.min(tokens.len() - i)).rev().find(|&n| {
                let p: Vec<String> = tokens[i..i + n].iter().map(|s| s.to_string()).collect();
                self.locations.contains(&p)
            });
            match hit {
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
