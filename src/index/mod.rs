//! Built artifacts: the alias fst, the token vocabulary fst, the postings side table and the
//! tantivy index, with a manifest that says what they were built from.
//!
//! ```text
//! index/
//!   manifest.json   format + normalizer version, data hash, counts
//!   aliases.fst     normalized alias key -> key id
//!   tokens.fst      every token of every key -> number of keys holding it
//!   postings.json   key id -> [(role index, alias index)], plus role codes for a sanity check
//!   text/           tantivy index over the keys (BM25)
//! ```
//!
//! The fst files are small (hundreds of KB), so they are read into memory rather than memory
//! mapped: no `unsafe`, no page faults on the hot path. `verify()` checks their checksums on load.

pub mod text;

use crate::error::{Error, Result};
use crate::normalize::{Normalizer, NORMALIZER_VERSION};
use crate::taxonomy::{AliasKind, Taxonomy};
use fst::Map;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
pub use text::TextIndex;

/// Version of the artifact layout; part of the manifest.
pub const FORMAT_VERSION: u32 = 2;

/// Alias index value meaning "the role's own name", not one of its listed aliases.
pub const ROLE_NAME: u32 = u32::MAX;

/// One (role, alias) pair under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasRef {
    /// Role index in the taxonomy.
    pub role: u32,
    /// Alias index in the role, or [`ROLE_NAME`].
    pub alias: u32,
}

/// What the artifacts were built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// [`NORMALIZER_VERSION`].
    pub normalizer_version: u32,
    /// Content hash of the data files.
    pub data_hash: String,
    /// Number of roles.
    pub roles: usize,
    /// Number of distinct keys.
    pub keys: usize,
    /// titlematch version that built it.
    pub built_by: String,
}

#[derive(Serialize, Deserialize)]
struct Postings {
    role_codes: Vec<String>,
    keys: Vec<String>,
    postings: Vec<Vec<AliasRef>>,
}

/// The lookup structures of one taxonomy.
pub struct Artifacts {
    /// Distinct normalized keys, sorted (key id = position).
    pub keys: Vec<String>,
    /// Key id -> aliases with that key.
    pub postings: Vec<Vec<AliasRef>>,
    /// Normalized key -> key id.
    pub alias_fst: Map<Vec<u8>>,
    /// Token -> number of keys holding it.
    pub token_fst: Map<Vec<u8>>,
    /// BM25 index over the keys.
    pub text: TextIndex,
    /// Inverse document frequency of every word of the keys, for re-ranking.
    pub idf: rustc_hash::FxHashMap<String, f64>,
    /// What it was built from.
    pub manifest: Manifest,
}

impl std::fmt::Debug for Artifacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Artifacts")
            .field("manifest", &self.manifest)
            .finish_non_exhaustive()
    }
}

/// Collect every alias key of the taxonomy, checking that no key is claimed by two roles
/// unless every alias under it is marked `ambiguous`.
pub fn collect_keys(tax: &Taxonomy, norm: &Normalizer) -> Result<BTreeMap<String, Vec<AliasRef>>> {
    let mut map: BTreeMap<String, Vec<AliasRef>> = BTreeMap::new();
    for (ri, role) in tax.roles().iter().enumerate() {
        let mut add = |key: String, alias: u32| {
            let list = map.entry(key).or_default();
            // Same role twice under one key: keep the first (canonical name comes last).
            if !list.iter().any(|a| a.role == ri as u32) {
                list.push(AliasRef {
                    role: ri as u32,
                    alias,
                });
            }
        };
        for (ai, a) in role.aliases.iter().enumerate() {
            let key = norm.normalize(&a.text).text();
            if key.is_empty() {
                return Err(Error::data(
                    &role.file,
                    None,
                    format!("role {}: alias {:?}", role.code, a.text),
                    "normalizes to nothing (only noise or punctuation)",
                ));
            }
            add(key, ai as u32);
        }
        let key = norm.normalize(&role.name).text();
        if !key.is_empty() {
            add(key, ROLE_NAME);
        }
    }
    let mut problems = Vec::new();
    let mut first_file = None;
    for (key, refs) in &map {
        if refs.len() < 2 {
            continue;
        }
        let unmarked: Vec<&str> = refs
            .iter()
            .filter(|r| {
                r.alias != ROLE_NAME
                    && !tax.role(r.role as usize).aliases[r.alias as usize].ambiguous
            })
            .map(|r| tax.role(r.role as usize).code.as_str())
            .collect();
        if !unmarked.is_empty() {
            let codes: Vec<String> = refs
                .iter()
                .map(|r| {
                    let role = tax.role(r.role as usize);
                    let text = if r.alias == ROLE_NAME {
                        &role.name
                    } else {
                        &role.aliases[r.alias as usize].text
                    };
                    format!("{} ({text:?} in {})", role.code, role.file)
                })
                .collect();
            first_file.get_or_insert_with(|| tax.role(refs[0].role as usize).file.clone());
            problems.push(format!(
                "{key:?} is claimed by {} ({} unmarked)",
                codes.join(", "),
                unmarked.join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::data(
            first_file.unwrap_or_default(),
            None,
            "aliases",
            format!(
                "{} normalized alias(es) belong to several roles; keep each in one role, or mark it `ambiguous = true` in each: {}",
                problems.len(),
                problems.join("; ")
            ),
        ));
    }
    Ok(map)
}

impl Artifacts {
    /// Build everything in memory, or under `dir` (replacing what is there) when given.
    pub fn build(
        tax: &Taxonomy,
        norm: &Normalizer,
        data_hash: &str,
        dir: Option<&Path>,
    ) -> Result<Artifacts> {
        let map = collect_keys(tax, norm)?;
        let keys: Vec<String> = map.keys().cloned().collect();
        let postings: Vec<Vec<AliasRef>> = map.into_values().collect();
        let alias_fst = Map::from_iter(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.as_bytes(), i as u64)),
        )?;
        // The typo vocabulary leaves out keys known only as misspellings: "enginer" must be
        // corrected to "engineer", not accepted as a word.
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for (k, refs) in keys.iter().zip(&postings) {
            let clean = refs.iter().any(|r| {
                r.alias == ROLE_NAME
                    || tax.role(r.role as usize).aliases[r.alias as usize].kind
                        != AliasKind::Misspelling
            });
            if !clean {
                continue;
            }
            for t in k.split(' ') {
                *counts.entry(t).or_default() += 1;
            }
        }
        let token_fst = Map::from_iter(counts.iter().map(|(t, c)| (t.as_bytes(), *c)))?;
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            normalizer_version: NORMALIZER_VERSION,
            data_hash: data_hash.to_string(),
            roles: tax.len(),
            keys: keys.len(),
            built_by: env!("CARGO_PKG_VERSION").to_string(),
        };
        let text = match dir {
            None => TextIndex::build(&keys, None)?,
            Some(dir) => {
                if dir.exists() {
                    for name in [
                        "manifest.json",
                        "aliases.fst",
                        "tokens.fst",
                        "postings.json",
                    ] {
                        let p = dir.join(name);
                        if p.exists() {
                            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                        }
                    }
                    let t = dir.join("text");
                    if t.exists() {
                        std::fs::remove_dir_all(&t).map_err(|e| Error::io(&t, e))?;
                    }
                }
                let t = dir.join("text");
                std::fs::create_dir_all(&t).map_err(|e| Error::io(&t, e))?;
                let text = TextIndex::build(&keys, Some(&t))?;
                write(&dir.join("aliases.fst"), alias_fst.as_fst().as_bytes())?;
                write(&dir.join("tokens.fst"), token_fst.as_fst().as_bytes())?;
                let p = Postings {
                    role_codes: tax.roles().iter().map(|r| r.code.clone()).collect(),
                    keys: keys.clone(),
                    postings: postings.clone(),
                };
                write(
                    &dir.join("postings.json"),
                    &serde_json::to_vec(&p).expect("postings serialize"),
                )?;
                // The manifest goes last: its presence means the rest is complete.
                write(
                    &dir.join("manifest.json"),
                    &serde_json::to_vec_pretty(&manifest).expect("manifest serialize"),
                )?;
                text
            }
        };
        let idf = Artifacts::idf_table(&token_fst, keys.len());
        Ok(Artifacts {
            keys,
            postings,
            alias_fst,
            token_fst,
            text,
            idf,
            manifest,
        })
    }

    /// Read the manifest in `dir`, if there is a readable one.
    pub fn read_manifest(dir: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(dir.join("manifest.json")).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Open artifacts built in `dir` for this taxonomy. Fails when anything is missing,
    /// stale (another data hash or version) or corrupt.
    pub fn open(dir: &Path, tax: &Taxonomy, data_hash: &str) -> Result<Artifacts> {
        let mpath = dir.join("manifest.json");
        let manifest = Artifacts::read_manifest(dir)
            .ok_or_else(|| Error::index(&mpath, "missing or unreadable"))?;
        if manifest.format_version != FORMAT_VERSION
            || manifest.normalizer_version != NORMALIZER_VERSION
        {
            return Err(Error::index(
                &mpath,
                "built by another version of titlematch",
            ));
        }
        if manifest.data_hash != data_hash {
            return Err(Error::index(&mpath, "built from other data"));
        }
        let alias_fst = read_fst(&dir.join("aliases.fst"))?;
        let token_fst = read_fst(&dir.join("tokens.fst"))?;
        let ppath = dir.join("postings.json");
        let bytes = std::fs::read(&ppath).map_err(|e| Error::io(&ppath, e))?;
        let p: Postings =
            serde_json::from_slice(&bytes).map_err(|e| Error::index(&ppath, e.to_string()))?;
        let codes: Vec<&str> = tax.roles().iter().map(|r| r.code.as_str()).collect();
        if p.role_codes != codes
            || p.keys.len() != p.postings.len()
            || p.keys.len() != alias_fst.len()
        {
            return Err(Error::index(&ppath, "does not match the roles in the data"));
        }
        let text = TextIndex::open(&dir.join("text"))
            .map_err(|e| Error::index(dir.join("text"), e.to_string()))?;
        let idf = Artifacts::idf_table(&token_fst, p.keys.len());
        Ok(Artifacts {
            keys: p.keys,
            postings: p.postings,
            alias_fst,
            token_fst,
            text,
            idf,
            manifest,
        })
    }

    /// Weight of a word: `ln(1 + keys / (1 + keys holding it))`; unknown words weigh most.
    pub fn word_weight(&self, word: &str) -> f64 {
        self.idf
            .get(word)
            .copied()
            .unwrap_or_else(|| (1.0 + self.keys.len() as f64).ln())
    }

    fn idf_table(token_fst: &Map<Vec<u8>>, keys: usize) -> rustc_hash::FxHashMap<String, f64> {
        use fst::Streamer;
        let mut out =
            rustc_hash::FxHashMap::with_capacity_and_hasher(token_fst.len(), Default::default());
        let mut s = token_fst.stream();
        while let Some((k, df)) = s.next() {
            if let Ok(w) = std::str::from_utf8(k) {
                out.insert(w.to_string(), (1.0 + keys as f64 / (1.0 + df as f64)).ln());
            }
        }
        out
    }

    /// Key id of an exact normalized key.
    pub fn key_id(&self, key: &str) -> Option<usize> {
        self.alias_fst.get(key).map(|v| v as usize)
    }
}

/// Write an artifact, naming the file on failure.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Read an fst artifact into memory and verify its checksum, naming the file on failure.
pub(crate) fn read_fst(path: &Path) -> Result<Map<Vec<u8>>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let map = Map::new(bytes).map_err(|e| Error::index(path, e.to_string()))?;
    map.as_fst()
        .verify()
        .map_err(|e| Error::index(path, format!("checksum: {e}")))?;
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DataFiles;

    fn parts() -> (Taxonomy, Normalizer, String) {
        let data = DataFiles::builtin();
        (
            crate::taxonomy::load_roles(&data).unwrap(),
            Normalizer::load(&data).unwrap(),
            data.content_hash(),
        )
    }

    #[test]
    fn builds_opens_and_refuses_stale_artifacts() {
        let (tax, norm, hash) = parts();
        let dir = tempfile::tempdir().unwrap();
        let built = Artifacts::build(&tax, &norm, &hash, Some(dir.path())).unwrap();
        let id = built
            .key_id("registered nurse")
            .expect("canonical key present");
        assert!(built.postings[id]
            .iter()
            .any(|r| tax.role(r.role as usize).code == "RNU.GEN"));
        // Misspellings are keys but not words of the typo vocabulary.
        assert!(built.token_fst.contains_key("engineer"));
        assert!(!built.token_fst.contains_key("enginer"));

        let opened = Artifacts::open(dir.path(), &tax, &hash).unwrap();
        assert_eq!(opened.keys, built.keys);
        assert_eq!(opened.text.len(), built.text.len());
        assert!(
            opened.word_weight("nurse") < opened.word_weight("zzzz"),
            "unknown words weigh most"
        );

        let err = Artifacts::open(dir.path(), &tax, "another hash")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("built from other data") && err.contains("titlematch build"),
            "{err}"
        );
        std::fs::write(dir.path().join("aliases.fst"), b"not an fst").unwrap();
        assert!(
            Artifacts::open(dir.path(), &tax, &hash).is_err(),
            "a corrupt fst is refused"
        );
    }
}
