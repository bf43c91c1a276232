//! SOC 2018 and O*NET-SOC suggestions from the O*NET database.
//!
//! Every match carries occupation codes for a reviewer to confirm. The matched role's own SOC
//! mappings (from `data/`) are always there; with an O*NET database folder (`--onet DIR`,
//! `TITLEMATCH_ONET`), [`Onet`] adds what O*NET's 1,016 occupation titles, ~56,000 alternate
//! titles and ~7,800 reported titles say about the title itself.
//!
//! - [`onet`]: reading O*NET's tab-separated files (`.txt` or `.tsv`, with or without the
//!   Excel conversions' extra `Title` column), with errors that name the file and line.
//! - [`keys`]: the lookup key of a title: normalized, without noise or level words, plus
//!   whether its level words make it a manager's title.
//! - [`index`]: the fst and BM25 index over the keys, built once under `index/onet/<id>/`.
//! - [`suggest`]: ranking occupations by evidence and merging with the role's mappings.
//! - [`hierarchy`]: SOC 2018 major / minor / broad groups.
//! - [`fetch`]: downloading and unpacking O*NET's text release.
//!
//! ```no_run
//! use std::path::Path;
//! use titlematch::{soc::Onet, DataFiles};
//!
//! let onet = Onet::open(
//!     Path::new("../shared/data/onet/29.3"),
//!     Some(Path::new("../shared/data/soc2018")),
//!     Some(Path::new("index/onet")),
//!     &DataFiles::builtin(),
//! )?;
//! let soc = onet.suggest_title("IT Director", &[], 3);
//! assert_eq!(soc[0].soc_code, "11-3021");
//! assert!(soc.iter().all(|s| s.review_status == "needs_review"));
//! # Ok::<(), titlematch::Error>(())
//! ```
//!
//! O*NET content is © USDOL/ETA, used under CC BY 4.0 (see the README's data section);
//! titlematch does not ship it: the user points at a downloaded copy.

pub mod fetch;
pub mod hierarchy;
pub mod index;
pub mod keys;
pub mod onet;
pub mod suggest;

pub use hierarchy::SocStructure;
pub use keys::{Keyer, TitleKey};
pub use onet::{Occupation, OnetFiles, OnetInfo, TitleSource};

use crate::data::DataFiles;
use crate::engine::IndexStatus;
use crate::error::Result;
use crate::matching::SocSuggestion;
use crate::taxonomy::SocMapping;
use index::OnetIndex;
use std::path::Path;

/// An opened O*NET database: its titles indexed for lookup, and the SOC 2018 structure.
/// `Send + Sync`; share it across threads.
#[derive(Debug)]
pub struct Onet {
    index: OnetIndex,
    keyer: Keyer,
    structure: SocStructure,
    status: IndexStatus,
}

impl Onet {
    /// Open the O*NET files in `dir`.
    ///
    /// - `soc_dir`: a folder with BLS's `soc_structure_2018.tsv`, for minor and broad group
    ///   titles; without it only major groups are named (from `soc_major_groups.csv` in `data`,
    ///   or the built-in copy).
    /// - `index_dir`: where the built index is kept (e.g. `index/onet`); it is reused while the
    ///   O*NET files, the normalizer tables and the level words are unchanged, and rebuilt
    ///   otherwise. `None` builds in memory.
    /// - `data`: the data folder whose normalizer and level words make the keys (the same the
    ///   engine uses, so O*NET titles and user titles meet on the same keys).
    pub fn open(
        dir: &Path,
        soc_dir: Option<&Path>,
        index_dir: Option<&Path>,
        data: &DataFiles,
    ) -> Result<Onet> {
        let keyer = Keyer::load(data)?;
        let structure = match soc_dir {
            Some(d) => SocStructure::from_dir(d)?,
            None => SocStructure::from_data(data)?,
        };
        let located = onet::OnetDir::locate(dir)?;
        let raw = located.read()?;
        let (index, status) = match index_dir {
            None => (
                OnetIndex::build(&OnetFiles::parse(&raw)?, &keyer, None)?,
                IndexStatus::InMemory,
            ),
            Some(root) => {
                let id = index::index_id(&raw.hash, keyer.fingerprint());
                let (ix, why) =
                    OnetIndex::open_or_build(root, &id, || OnetFiles::parse(&raw), &keyer)?;
                (
                    ix,
                    why.map(IndexStatus::Built).unwrap_or(IndexStatus::Opened),
                )
            }
        };
        Ok(Onet {
            index,
            keyer,
            structure,
            status,
        })
    }

    /// An in-memory index over files already parsed (for example without the reported titles,
    /// to measure on them).
    pub fn from_files(files: &OnetFiles, structure: SocStructure, keyer: Keyer) -> Result<Onet> {
        let index = OnetIndex::build(files, &keyer, None)?;
        Ok(Onet {
            index,
            keyer,
            structure,
            status: IndexStatus::InMemory,
        })
    }

    /// Suggestions for a title whose core text (normalized, without noise and level words, as
    /// `Engine::core_text` gives it) is `core`; `managerial` says the title's level words are on
    /// the management or executive track; `role_soc` are the matched role's SOC mappings that
    /// fit the level, primary first (empty when there is no role). Up to `top` suggestions,
    /// best first, all `needs_review`; a code both sources name is marked `sources_agree` and
    /// ranked first unless only a weak O*NET guess backs it (see [`suggest`]).
    pub fn suggest(
        &self,
        core: &str,
        managerial: bool,
        role_soc: &[SocMapping],
        top: usize,
    ) -> Vec<SocSuggestion> {
        let q = suggest::Query {
            forms: vec![suggest::Form { full: core, core }],
            primary: None,
            managerial,
        };
        suggest::suggest(&self.index, &self.structure, &q, role_soc, top)
    }

    /// Suggestions for a raw title: keys it with the same rules as the O*NET titles (core,
    /// first segment, manager or not), then as [`Onet::suggest`]. Prefer this when the title is
    /// at hand: a title that is all level words ("CEO", "Director") still finds its O*NET
    /// titles.
    pub fn suggest_title(
        &self,
        title: &str,
        role_soc: &[SocMapping],
        top: usize,
    ) -> Vec<SocSuggestion> {
        let keys: Vec<TitleKey> = keys::variants(title)
            .iter()
            .map(|v| self.keyer.key(v))
            .filter(|k| !k.core.is_empty())
            .collect();
        let Some(main) = keys.first() else {
            return suggest::suggest(
                &self.index,
                &self.structure,
                &suggest::Query {
                    forms: Vec::new(),
                    primary: None,
                    managerial: false,
                },
                role_soc,
                top,
            );
        };
        let q = suggest::Query {
            forms: keys
                .iter()
                .map(|k| suggest::Form {
                    full: &k.full,
                    core: &k.core,
                })
                .collect(),
            primary: main.primary.as_deref(),
            managerial: keys.iter().any(|k| k.managerial),
        };
        suggest::suggest(&self.index, &self.structure, &q, role_soc, top)
    }

    /// The key a title is looked up with.
    pub fn key(&self, title: &str) -> TitleKey {
        self.keyer.key(title)
    }

    /// Version and row counts of the O*NET files.
    pub fn info(&self) -> OnetInfo {
        self.index.manifest.info.clone()
    }

    /// Whether the index was opened, built, or is in memory.
    pub fn index_status(&self) -> &IndexStatus {
        &self.status
    }

    /// The SOC 2018 structure used for hierarchies.
    pub fn structure(&self) -> &SocStructure {
        &self.structure
    }

    /// Number of titles indexed (occupation titles and their singular forms included).
    pub fn titles(&self) -> usize {
        self.index.titles.len()
    }

    /// Number of distinct lookup keys.
    pub fn keys(&self) -> usize {
        self.index.keys.len()
    }

    /// The occupation with this O*NET-SOC code.
    pub fn occupation(&self, code: &str) -> Option<&Occupation> {
        self.index.occupations.iter().find(|o| o.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onet_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Onet>();
    }
}
