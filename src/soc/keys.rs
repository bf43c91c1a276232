//! Lookup keys for O*NET titles and for queries, made the way the role lookup makes them.
//!
//! A key is the title's *core*: normalized by the one [`Normalizer`], without noise words and
//! without level words ("Senior Software Engineer III - Remote" -> `software engineer`,
//! "Information Technology Director" -> `information technology`). Level words are read with
//! the `general` ladder of `level_words.csv`, exactly as `Engine::core_text` reads them, so an
//! O*NET title and a user's title meet on the same key. What the level words said is kept as a
//! flag: a title is *managerial* when one of them is on the M or E track ("Director",
//! "Manager", "Chief"). When the level words are the whole title ("Chief Executive Officer",
//! "Manager"), the key is the title without noise instead, so that it is never empty.
//!
//! The *full* key keeps the level words ("sous chef", "nurse manager"): O*NET lists many titles
//! with them, and an exact hit on the full key is the strongest evidence there is.
//!
//! O*NET writes synonyms in parentheses ("Accounts Payable Clerk (AP Clerk)", "CEO (Chief
//! Executive Officer)"); [`variants`] splits them so each form is a key of its own.

use crate::data::DataFiles;
use crate::error::Result;
use crate::level::LevelWords;
use crate::normalize::{join, Normalizer, Token, NORMALIZER_VERSION};
use sha2::{Digest, Sha256};

/// Version of the key rules below; part of the O*NET artifacts' identity.
pub const KEY_VERSION: u32 = 1;

/// Files of the data folder that change keys (normalizer tables and level words).
pub const KEY_FILES: [&str; 4] = [
    crate::normalize::abbrev::FILE,
    crate::normalize::noise::FILE,
    crate::normalize::noise::LOCATIONS,
    crate::level::words::FILE,
];

/// The key of one title.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TitleKey {
    /// The title's words without noise, level words kept ("sous chef", "it director" after
    /// abbreviations: "information technology director").
    pub full: String,
    /// The core text (see the module docs); empty only for titles with no words at all.
    pub core: String,
    /// The core of the first segment alone, when the title has several segments
    /// ("Registered Nurse - ICU" -> `registered nurse`).
    pub primary: Option<String>,
    /// A level word on the management or executive track was found.
    pub managerial: bool,
}

/// Makes [`TitleKey`]s. Cheap to share (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct Keyer {
    normalizer: Normalizer,
    level_words: LevelWords,
    fingerprint: String,
}

impl Keyer {
    /// Load the normalizer and the level words from a data folder (or the built-in data).
    pub fn load(data: &DataFiles) -> Result<Keyer> {
        let normalizer = Normalizer::load(data)?;
        let level_words = LevelWords::load(data)?;
        let mut h = Sha256::new();
        h.update(format!(
            "normalizer {NORMALIZER_VERSION} keys {KEY_VERSION}\0"
        ));
        for f in KEY_FILES {
            h.update(f.as_bytes());
            h.update([0]);
            h.update(data.get(f).unwrap_or_default().as_bytes());
            h.update([0]);
        }
        let fingerprint = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(Keyer {
            normalizer,
            level_words,
            fingerprint,
        })
    }

    /// The normalizer.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Hash of everything that decides keys (rules version, normalizer tables, level words).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The key of a title.
    pub fn key(&self, title: &str) -> TitleKey {
        let n = self.normalizer.normalize(title);
        let content: Vec<&Token> = n.content().collect();
        let words: Vec<&str> = content.iter().map(|t| t.text.as_str()).collect();
        let segs: Vec<u16> = content.iter().map(|t| t.segment).collect();
        let hits = self.level_words.find("general", &words, &segs);
        let managerial = hits.iter().any(|h| h.level.track.is_managerial());
        let in_hit = |i: usize| hits.iter().any(|h| h.covers(i));
        let kept: Vec<&Token> = (0..content.len())
            .filter(|&i| !in_hit(i))
            .map(|i| content[i])
            .collect();
        let mut full = join(content.iter().copied());
        if full.is_empty() {
            full = n.text();
        }
        let mut core = join(kept.iter().copied());
        if core.is_empty() {
            core = full.clone();
        }
        let first = kept.first().map(|t| (t.segment, t.part));
        let primary = first.and_then(|f| {
            let p: Vec<&Token> = kept
                .iter()
                .copied()
                .filter(|t| (t.segment, t.part) == f)
                .collect();
            (p.len() < kept.len()).then(|| join(p.into_iter()))
        });
        TitleKey {
            full,
            core,
            primary,
            managerial,
        }
    }
}

/// The forms of an O*NET title written with a synonym in parentheses: the text outside and the
/// text inside ("Triage RN (Triage Registered Nurse)" -> both), when the parenthesis ends the
/// title. A one-word parenthesis that is
/// not an acronym is a qualifier, not a synonym ("Analyst (Cyber)"), and is left out. Titles
/// without (balanced) parentheses are returned whole.
pub fn variants(title: &str) -> Vec<String> {
    if !title.contains('(') {
        return vec![title.to_string()];
    }
    let (mut outside, mut inside, mut cur) = (String::new(), Vec::new(), String::new());
    let mut depth = 0usize;
    for c in title.chars() {
        match c {
            '(' => {
                if depth > 0 {
                    return vec![title.to_string()];
                }
                depth = 1;
            }
            ')' => {
                if depth == 0 {
                    return vec![title.to_string()];
                }
                depth = 0;
                inside.push(std::mem::take(&mut cur));
                outside.push(' ');
            }
            c if depth > 0 => cur.push(c),
            c => outside.push(c),
        }
    }
    if depth > 0 {
        return vec![title.to_string()];
    }
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = vec![squash(&outside)];
    // Only a parenthesis that ends the title renames the whole title; one in the middle
    // abbreviates the words before it ("Radiological-Defense (CBR-D) Operations Specialist").
    let last = if title.trim_end().ends_with(')') {
        inside.pop()
    } else {
        None
    };
    if let Some(i) = last {
        let i = squash(&i);
        let words = i.split(' ').count();
        let acronym = i.chars().filter(|c| c.is_ascii_uppercase()).count() >= 2;
        if !i.is_empty() && (words >= 2 || acronym) && !out.contains(&i) {
            out.push(i);
        }
    }
    out.retain(|s| !s.is_empty());
    if out.is_empty() {
        out.push(title.to_string());
    }
    out
}

/// The singular of an occupation title's head noun: the last word before the first comma
/// ("Registered Nurses" -> "Registered Nurse", "Cooks, Restaurant" -> "Cook, Restaurant").
/// `None` when nothing changes.
pub fn singular_title(title: &str) -> Option<String> {
    let head_end = title.find(',').unwrap_or(title.len());
    let head = &title[..head_end];
    let start = head.rfind([' ', '-', '/']).map(|i| i + 1).unwrap_or(0);
    let word = &head[start..];
    let one = singular(word)?;
    Some(format!("{}{}{}", &title[..start], one, &title[head_end..]))
}

/// Singular forms of an occupation title, to index beside it: the whole title with its head
/// noun singular, and, for a title joining two plural groups ("Stationary Engineers and Boiler
/// Operators", "Chefs and Head Cooks"), each group singular ("Stationary Engineer", "Boiler
/// Operator"). A title whose first group is not plural ("Heavy and Tractor-Trailer Truck
/// Drivers") is not split.
pub fn occupation_forms(title: &str) -> Vec<String> {
    let mut out: Vec<String> = singular_title(title).into_iter().collect();
    if let Some(at) = title.find(" and ") {
        let (left, right) = (&title[..at], &title[at + 5..]);
        let last = left.rsplit([' ', '-', '/']).next().unwrap_or(left);
        if !left.contains(',') && singular(last).is_some() {
            for part in [left, right] {
                if let Some(one) = singular_title(part) {
                    if !out.contains(&one) {
                        out.push(one);
                    }
                }
            }
        }
    }
    out
}

/// English singular of one plural noun, for occupation titles only (they are regular:
/// "Workers", "Secretaries", "Coaches", "Boilermakers"; "Women"/"Men" are irregular).
pub(crate) fn singular(word: &str) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    if lower.len() < 4 {
        return None;
    }
    for (plural, one) in [("women", "woman"), ("men", "man")] {
        if lower.ends_with(plural) {
            return Some(format!("{}{}", &word[..word.len() - plural.len()], &one));
        }
    }
    let keep_s = ["ss", "us", "is", "ics", "sales", "series", "species"];
    if !lower.ends_with('s') || keep_s.iter().any(|k| lower.ends_with(k)) {
        return None;
    }
    let cut = if lower.ends_with("ies") {
        return Some(format!("{}y", &word[..word.len() - 3]));
    } else if ["ches", "shes", "xes", "sses", "zzes"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        2
    } else {
        1
    };
    Some(word[..word.len() - cut].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parenthesized_synonyms_are_split() {
        assert_eq!(
            variants("Accounts Payable Clerk (AP Clerk)"),
            ["Accounts Payable Clerk", "AP Clerk"]
        );
        assert_eq!(
            variants("CEO (Chief Executive Officer)"),
            ["CEO", "Chief Executive Officer"]
        );
        assert_eq!(
            variants("Certified Pharmacy Technician (CPhT)"),
            ["Certified Pharmacy Technician", "CPhT"]
        );
        assert_eq!(variants("Threat Analyst (Cyber)"), ["Threat Analyst"]);
        assert_eq!(
            variants("Shipboard (CBR-D) Specialist"),
            ["Shipboard Specialist"]
        );
        assert_eq!(variants("Broken (Title"), ["Broken (Title"]);
        assert_eq!(variants("Plain Title"), ["Plain Title"]);
    }

    #[test]
    fn occupation_titles_get_singular_forms() {
        assert_eq!(
            occupation_forms("Stationary Engineers and Boiler Operators"),
            [
                "Stationary Engineers and Boiler Operator",
                "Stationary Engineer",
                "Boiler Operator"
            ]
        );
        assert_eq!(
            occupation_forms("Chefs and Head Cooks"),
            ["Chefs and Head Cook", "Chef", "Head Cook"]
        );
        assert_eq!(
            occupation_forms("Heavy and Tractor-Trailer Truck Drivers"),
            ["Heavy and Tractor-Trailer Truck Driver"]
        );
        assert_eq!(
            occupation_forms("Laborers and Freight, Stock, and Material Movers, Hand"),
            ["Laborer"]
        );
        assert!(occupation_forms("Sales").is_empty());
    }

    #[test]
    fn singular_titles() {
        assert_eq!(
            singular_title("Registered Nurses").as_deref(),
            Some("Registered Nurse")
        );
        assert_eq!(
            singular_title("Cooks, Institution and Cafeteria").as_deref(),
            Some("Cook, Institution and Cafeteria")
        );
        assert_eq!(
            singular_title("Secretaries and Administrative Assistants").as_deref(),
            Some("Secretaries and Administrative Assistant")
        );
        assert_eq!(
            singular_title("Coaches and Scouts").as_deref(),
            Some("Coaches and Scout")
        );
        assert_eq!(
            singular_title("Heavy and Tractor-Trailer Truck Drivers").as_deref(),
            Some("Heavy and Tractor-Trailer Truck Driver")
        );
        assert_eq!(
            singular_title("Fishing and Hunting Workers").as_deref(),
            Some("Fishing and Hunting Worker")
        );
        assert_eq!(
            singular_title("Firefighters").as_deref(),
            Some("Firefighter")
        );
        assert_eq!(
            singular_title("Security Guards").as_deref(),
            Some("Security Guard")
        );
        assert_eq!(
            singular_title("Athletes and Sports Competitors").as_deref(),
            Some("Athletes and Sports Competitor")
        );
        assert_eq!(
            singular_title("Motorboat Operators").as_deref(),
            Some("Motorboat Operator")
        );
        assert_eq!(singular_title("Actuaries").as_deref(), Some("Actuary"));
        assert_eq!(
            singular_title("Nursery Workers, Farm").as_deref(),
            Some("Nursery Worker, Farm")
        );
        assert_eq!(
            singular_title("Fishers and Related Fishing Workers").as_deref(),
            Some("Fishers and Related Fishing Worker")
        );
        assert_eq!(
            singular_title("Firefighting Foremen"),
            Some("Firefighting Foreman".into())
        );
        assert_eq!(singular_title("Economists").as_deref(), Some("Economist"));
        assert_eq!(singular_title("Sales"), None);
        assert_eq!(singular_title("Statistics"), None);
    }
}
