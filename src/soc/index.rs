//! The O*NET lookup structures: every O*NET title under its key, an fst of the keys and a
//! tantivy (BM25) index over them, built once and kept on disk beside the role index.
//!
//! ```text
//! index/onet/<id>/          <id> = hash of the O*NET files, the key rules and this layout
//!   manifest.json           what it was built from (O*NET version, counts, hashes)
//!   keys.fst                key -> key id
//!   tokens.fst              word -> number of keys holding it (for word weights)
//!   titles.json             occupations, titles (occupation, source, managerial, text), postings
//!   text/                   tantivy index over the keys (crate::index::TextIndex)
//! ```
//!
//! A folder is built under a temporary name and renamed into place when complete, so a reader
//! never sees half an index and two processes building at once both end with a good one. When
//! the O*NET files (or the normalizer's tables or level words) change, the id changes: a new
//! folder is built and the stale folders built from the same O*NET folder are removed.

use super::keys::{occupation_forms, variants, Keyer, TitleKey};
use super::onet::{Occupation, OnetFiles, OnetInfo, TitleSource};
use crate::error::{Error, Result};
use crate::index::{read_fst, write, TextIndex};
use fst::{IntoStreamer, Map, Streamer};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// Version of the O*NET artifact layout.
pub const FORMAT_VERSION: u32 = 1;

/// Set on a posting when the key is the title's core (level words stripped), not its full
/// text. Title ids stay below it (a few hundred thousand at most).
pub const CORE_BIT: u32 = 1 << 31;

/// What an O*NET index folder was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnetManifest {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// [`Keyer::fingerprint`] of the keys.
    pub key_fingerprint: String,
    /// The O*NET folder (as given) and what was read from it.
    pub info: OnetInfo,
    /// Number of distinct keys.
    pub keys: usize,
    /// Number of titles (occupation titles and their singulars, alternate, short, reported).
    pub titles: usize,
    /// titlematch version that built it.
    pub built_by: String,
}

/// One indexed title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexedTitle {
    /// Occupation index.
    #[serde(rename = "o")]
    pub occupation: u32,
    /// Where it came from.
    #[serde(rename = "s")]
    pub source: TitleSource,
    /// The title's level words are on the management or executive track.
    #[serde(rename = "m", default, skip_serializing_if = "std::ops::Not::not")]
    pub managerial: bool,
    /// The title as written.
    #[serde(rename = "t")]
    pub text: String,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    occupations: Vec<Occupation>,
    titles: Vec<IndexedTitle>,
    /// Postings of key k: `ids[offsets[k]..offsets[k + 1]]` (see [`CORE_BIT`]).
    offsets: Vec<u32>,
    ids: Vec<u32>,
}

/// The built O*NET index.
pub struct OnetIndex {
    /// Occupations, in file order.
    pub occupations: Vec<Occupation>,
    /// Titles (title id = position).
    pub titles: Vec<IndexedTitle>,
    /// Distinct keys, sorted (key id = position).
    pub keys: Vec<String>,
    offsets: Vec<u32>,
    ids: Vec<u32>,
    /// Key -> key id.
    pub fst: Map<Vec<u8>>,
    /// Word -> number of keys holding it.
    pub tokens: Map<Vec<u8>>,
    /// BM25 over the keys.
    pub text: TextIndex,
    /// What it was built from.
    pub manifest: OnetManifest,
}

impl std::fmt::Debug for OnetIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnetIndex")
            .field("manifest", &self.manifest)
            .finish_non_exhaustive()
    }
}

/// The folder name of an index built from these inputs.
pub fn index_id(onet_hash: &str, key_fingerprint: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "onet index {FORMAT_VERSION}\0{onet_hash}\0{key_fingerprint}"
    ));
    h.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl OnetIndex {
    /// Postings of key `k`: title ids, with [`CORE_BIT`] set when the key is the title's core.
    pub fn titles_of(&self, k: usize) -> &[u32] {
        match (self.offsets.get(k), self.offsets.get(k + 1)) {
            (Some(&a), Some(&b)) => self.ids.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Number of keys holding the word `token`.
    pub fn token_df(&self, token: &str) -> u64 {
        self.tokens.get(token).unwrap_or(0)
    }

    /// Key id of an exact key.
    pub fn key_id(&self, key: &str) -> Option<usize> {
        self.fst.get(key).map(|v| v as usize)
    }

    /// Build from parsed files, in memory or in `dir` (which must not exist yet).
    pub fn build(files: &OnetFiles, keyer: &Keyer, dir: Option<&Path>) -> Result<OnetIndex> {
        let mut titles: Vec<IndexedTitle> =
            Vec::with_capacity(files.titles.len() + 2 * files.occupations.len());
        for (i, o) in files.occupations.iter().enumerate() {
            let t = |text: String| IndexedTitle {
                occupation: i as u32,
                source: TitleSource::Occupation,
                managerial: false,
                text,
            };
            titles.push(t(o.title.clone()));
            for one in occupation_forms(&o.title) {
                titles.push(t(one));
            }
        }
        titles.extend(files.titles.iter().map(|t| IndexedTitle {
            occupation: t.occupation,
            source: t.source,
            managerial: false,
            text: t.text.clone(),
        }));
        // PERF: normalizing ~70,000 titles is most of the build; it parallelizes cleanly.
        let keyed: Vec<Vec<TitleKey>> = titles
            .par_iter()
            .map(|t| variants(&t.text).iter().map(|v| keyer.key(v)).collect())
            .collect();
        let mut by_key: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (i, ks) in keyed.iter().enumerate() {
            titles[i].managerial = ks.iter().any(|k| k.managerial);
            for k in ks {
                let i = i as u32;
                if !k.full.is_empty() {
                    by_key.entry(k.full.as_str()).or_default().push(i);
                }
                if !k.core.is_empty() && k.core != k.full {
                    by_key
                        .entry(k.core.as_str())
                        .or_default()
                        .push(i | CORE_BIT);
                }
            }
        }
        for list in by_key.values_mut() {
            list.sort_unstable_by_key(|&x| (x & !CORE_BIT, x & CORE_BIT));
            // A title under one key both as full and as core text keeps the full (stronger) entry.
            list.dedup_by(|b, a| *a & !CORE_BIT == *b & !CORE_BIT);
        }
        let keys: Vec<String> = by_key.keys().map(|k| k.to_string()).collect();
        let mut offsets = Vec::with_capacity(keys.len() + 1);
        let mut ids = Vec::with_capacity(titles.len());
        offsets.push(0);
        for list in by_key.values() {
            ids.extend_from_slice(list);
            offsets.push(ids.len() as u32);
        }
        drop(by_key);
        let fst = Map::from_iter(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (k.as_bytes(), i as u64)),
        )?;
        let mut df: BTreeMap<&str, u64> = BTreeMap::new();
        for k in &keys {
            for t in k.split(' ') {
                *df.entry(t).or_default() += 1;
            }
        }
        let tokens = Map::from_iter(df.iter().map(|(t, n)| (t.as_bytes(), *n)))?;
        drop(df);
        let manifest = OnetManifest {
            format_version: FORMAT_VERSION,
            key_fingerprint: keyer.fingerprint().to_string(),
            info: files.info.clone(),
            keys: keys.len(),
            titles: titles.len(),
            built_by: env!("CARGO_PKG_VERSION").to_string(),
        };
        let text = match dir {
            None => TextIndex::build(&keys, None)?,
            Some(dir) => {
                let t = dir.join("text");
                std::fs::create_dir_all(&t).map_err(|e| Error::io(&t, e))?;
                let text = TextIndex::build(&keys, Some(&t))?;
                write(&dir.join("keys.fst"), fst.as_fst().as_bytes())?;
                write(&dir.join("tokens.fst"), tokens.as_fst().as_bytes())?;
                let stored = Stored {
                    occupations: files.occupations.clone(),
                    titles: titles.clone(),
                    offsets: offsets.clone(),
                    ids: ids.clone(),
                };
                write(
                    &dir.join("titles.json"),
                    &serde_json::to_vec(&stored)
                        .map_err(|e| Error::index(dir.join("titles.json"), e.to_string()))?,
                )?;
                // The manifest goes last: its presence means the rest is complete.
                let m = serde_json::to_vec_pretty(&manifest)
                    .map_err(|e| Error::index(dir.join("manifest.json"), e.to_string()))?;
                write(&dir.join("manifest.json"), &m)?;
                text
            }
        };
        Ok(OnetIndex {
            occupations: files.occupations.clone(),
            titles,
            keys,
            offsets,
            ids,
            fst,
            tokens,
            text,
            manifest,
        })
    }

    /// Read the manifest in `dir`, if there is a readable one.
    pub fn read_manifest(dir: &Path) -> Option<OnetManifest> {
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).ok()?).ok()
    }

    /// Open an index built in `dir`. Fails when anything is missing, of another version or
    /// corrupt.
    pub fn open(dir: &Path) -> Result<OnetIndex> {
        let mpath = dir.join("manifest.json");
        let manifest = OnetIndex::read_manifest(dir)
            .ok_or_else(|| Error::index(&mpath, "missing or unreadable"))?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(Error::index(
                &mpath,
                "built by another version of titlematch",
            ));
        }
        let fpath = dir.join("keys.fst");
        let fst = read_fst(&fpath)?;
        let tokens = read_fst(&dir.join("tokens.fst"))?;
        let tpath = dir.join("titles.json");
        let bytes = std::fs::read(&tpath).map_err(|e| Error::io(&tpath, e))?;
        let s: Stored =
            serde_json::from_slice(&bytes).map_err(|e| Error::index(&tpath, e.to_string()))?;
        let mut keys = Vec::with_capacity(fst.len());
        let mut stream = fst.keys().into_stream();
        while let Some(k) = stream.next() {
            keys.push(
                String::from_utf8(k.to_vec())
                    .map_err(|_| Error::index(&fpath, "a key is not UTF-8"))?,
            );
        }
        let consistent = s.offsets.len() == keys.len() + 1
            && s.offsets.windows(2).all(|w| w[0] <= w[1])
            && s.offsets.last().is_some_and(|&n| n as usize == s.ids.len())
            && s.ids
                .iter()
                .all(|&i| ((i & !CORE_BIT) as usize) < s.titles.len())
            && s.titles
                .iter()
                .all(|t| (t.occupation as usize) < s.occupations.len())
            && keys.len() == manifest.keys
            && s.titles.len() == manifest.titles;
        if !consistent {
            return Err(Error::index(
                &tpath,
                "does not match keys.fst or the manifest",
            ));
        }
        let text = TextIndex::open(&dir.join("text"))
            .map_err(|e| Error::index(dir.join("text"), e.to_string()))?;
        if text.len() != keys.len() as u64 {
            return Err(Error::index(dir.join("text"), "does not match keys.fst"));
        }
        Ok(OnetIndex {
            occupations: s.occupations,
            titles: s.titles,
            keys,
            offsets: s.offsets,
            ids: s.ids,
            fst,
            tokens,
            text,
            manifest,
        })
    }

    /// Open the index for these inputs under `root`, building it when it is missing or broken.
    /// Returns the index and why it was built (`None` when opened).
    pub fn open_or_build(
        root: &Path,
        id: &str,
        load: impl FnOnce() -> Result<OnetFiles>,
        keyer: &Keyer,
    ) -> Result<(OnetIndex, Option<String>)> {
        let dir = root.join(id);
        let why = if dir.join("manifest.json").is_file() {
            match OnetIndex::open(&dir) {
                Ok(ix) if ix.manifest.key_fingerprint == keyer.fingerprint() => {
                    return Ok((ix, None))
                }
                Ok(_) => "the existing one was built with other key rules".to_string(),
                Err(e) => format!("the existing one failed to open: {e}"),
            }
        } else {
            "none built for these O*NET files yet".to_string()
        };
        let files = load()?;
        std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
        let tmp = root.join(format!(".{id}.tmp-{}-{}", std::process::id(), nanos()));
        let built = OnetIndex::build(&files, keyer, Some(&tmp));
        let built = match built {
            Ok(b) => b,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        drop(built);
        if dir.exists() {
            // A broken folder (or one another process just finished: then it is as good as ours).
            if OnetIndex::open(&dir).is_err() {
                std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            }
        }
        if std::fs::rename(&tmp, &dir).is_err() {
            // Another process put a complete index there first.
            let _ = std::fs::remove_dir_all(&tmp);
        }
        let ix = OnetIndex::open(&dir)?;
        prune_stale(root, id, &ix.manifest.info.dir);
        Ok((ix, Some(why)))
    }
}

/// Remove index folders built from the same O*NET folder with other inputs, and temporary
/// folders left by an interrupted build more than an hour ago. Best effort.
fn prune_stale(root: &Path, keep: &str, source: &str) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if name == keep || !p.is_dir() {
            continue;
        }
        let stale = if name.starts_with('.') && name.contains(".tmp-") {
            e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600)
        } else {
            OnetIndex::read_manifest(&p).is_some_and(|m| m.info.dir == source)
        };
        if stale {
            let _ = std::fs::remove_dir_all(&p);
        }
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}
