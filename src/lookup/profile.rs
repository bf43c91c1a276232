//! Role profiles: the words of all of a role's aliases together.
//!
//! Titles of the trades are compositional: a modifier (what is worked on, with what, where) and a
//! head (the kind of worker). "Seed Tester" may appear in no alias, yet one role may have both
//! "seed analyst" and "germination tester". BM25 and the re-rank score one alias at a time, so
//! they see half the title in each; a profile lets the engine see that the role as a whole
//! explains all of it, provided the title's head word is one of the role's own heads.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Words of SOC titles that say nothing of the occupation.
const SOC_TITLE_STOPWORDS: [&str; 5] = ["and", "except", "all", "other", "the"];

/// Every role's words and head words, by role index.
#[derive(Debug, Default)]
pub struct RoleProfiles {
    words: Vec<HashSet<String>>,
    heads: Vec<HashSet<String>>,
    roles_with: HashMap<String, usize>,
    roles_headed: HashMap<String, usize>,
}

impl RoleProfiles {
    /// Build from the normalized alias keys with, per key, the roles that own it, and the SOC
    /// titles each role maps to for every level ("Extruding and Drawing Machine Setters,
    /// Operators, and Tenders, Metal and Plastic"): their words, singular, join the role's
    /// words, and their plural nouns its heads.
    pub fn build<'a>(
        roles: usize,
        keys: impl Iterator<Item = (&'a str, Vec<u32>)>,
        soc_titles: impl Iterator<Item = (u32, &'a str)>,
    ) -> Self {
        let mut p = RoleProfiles {
            words: vec![HashSet::default(); roles],
            heads: vec![HashSet::default(); roles],
            roles_with: HashMap::default(),
            roles_headed: HashMap::default(),
        };
        for (key, owners) in keys {
            let toks: Vec<&str> = key.split(' ').collect();
            let head = super::rerank::head_word(&toks);
            for r in owners {
                let Some(words) = p.words.get_mut(r as usize) else {
                    continue;
                };
                words.extend(toks.iter().map(|t| t.to_string()));
                if let Some(h) = head {
                    p.heads[r as usize].insert(h.to_string());
                }
            }
        }
        for (r, title) in soc_titles {
            let Some(words) = p.words.get_mut(r as usize) else {
                continue;
            };
            for w in title.split(|c: char| !c.is_ascii_alphanumeric()) {
                let w = w.to_ascii_lowercase();
                if w.len() < 3 || SOC_TITLE_STOPWORDS.contains(&w.as_str()) {
                    continue;
                }
                match crate::soc::keys::singular(&w) {
                    Some(one) => {
                        p.heads[r as usize].insert(one.clone());
                        words.insert(one);
                    }
                    None => {
                        words.insert(w);
                    }
                }
            }
        }
        for words in &p.words {
            for w in words {
                *p.roles_with.entry(w.clone()).or_default() += 1;
            }
        }
        for heads in &p.heads {
            for h in heads {
                *p.roles_headed.entry(h.clone()).or_default() += 1;
            }
        }
        p
    }

    /// How many roles have the word in any alias ("technician": hundreds; "carpenter": a few).
    pub fn roles_with(&self, word: &str) -> usize {
        self.roles_with.get(word).copied().unwrap_or(0)
    }

    /// How many roles have the word as the head of an alias or SOC title ("technician":
    /// hundreds; "farm", a modifier, almost none).
    pub fn roles_headed(&self, word: &str) -> usize {
        self.roles_headed.get(word).copied().unwrap_or(0)
    }

    /// The weighted share of the query's words found anywhere in the role's aliases, or 0 when
    /// the query's head word is not a head of any of the role's aliases.
    pub fn coverage(&self, role: u32, query: &[&str], weight: &dyn Fn(&str) -> f64) -> f64 {
        let (Some(words), Some(heads)) =
            (self.words.get(role as usize), self.heads.get(role as usize))
        else {
            return 0.0;
        };
        match super::rerank::head_word(query) {
            Some(h) if heads.contains(h) => {}
            _ => return 0.0,
        }
        let (mut all, mut hit) = (0.0, 0.0);
        for q in query {
            let w = weight(q);
            all += w;
            if words.contains(*q) {
                hit += w;
            }
        }
        if all > 0.0 {
            hit / all
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_explains_a_title_across_its_aliases() {
        let keys = [
            ("seed analyst", vec![0]),
            ("germination tester", vec![0]),
            ("quality tester", vec![1]),
        ];
        let p = RoleProfiles::build(
            2,
            keys.iter().map(|(k, r)| (*k, r.clone())),
            std::iter::empty(),
        );
        let one = |_: &str| 1.0;
        assert_eq!(p.coverage(0, &["seed", "tester"], &one), 1.0);
        assert_eq!(p.coverage(1, &["seed", "tester"], &one), 0.5);
        // "tester" is no head of a role with only "tester training"-like keys: no credit.
        assert_eq!(p.coverage(0, &["tester", "seed"], &one), 0.0);
        assert_eq!(p.coverage(7, &["seed"], &one), 0.0);
        assert_eq!(p.roles_with("tester"), 2);
        assert_eq!(p.roles_with("seed"), 1);
        assert_eq!(p.roles_with("nothing"), 0);
        assert_eq!(p.roles_headed("tester"), 2);
        assert_eq!(p.roles_headed("seed"), 0);
    }
}
