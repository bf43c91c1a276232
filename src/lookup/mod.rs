//! Step 3 of the pipeline: find candidate aliases for the normalized, level-stripped title.
//!
//! The cascade stops at the first stage that answers: an exact key in the alias fst
//! ([`crate::index::Artifacts::key_id`]), then the same after typo correction ([`fuzzy`]), then
//! BM25 over the keys re-ranked by [`rerank`]. Which key variants are tried, and in what
//! order, is decided by the engine (see `engine.rs`); this module holds the stages.

pub mod fuzzy;
pub mod profile;
pub mod rerank;

pub use fuzzy::{correct, join_compound, split_compound, Correction};
pub use profile::RoleProfiles;
pub use rerank::{similarity, similarity_weighted, Similarity};
