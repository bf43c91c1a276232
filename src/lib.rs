//! # titlematch
//!
//! Turns the free-text job titles people and HR systems write ("Sr. InfoSec Eng II",
//! "RN - ICU (Nights)", "VP, Sales - EMEA") into a canonical **role** and **level** of a job
//! architecture, with a **confidence** that can be thresholded, ranked alternatives, an
//! explanation, and suggested SOC 2018 / O*NET-SOC codes, always marked `needs_review`.
//!
//! ## Matching one title
//!
//! ```
//! use titlematch::Engine;
//!
//! let engine = Engine::builtin()?;               // built-in job architecture, index in memory
//! let m = engine.match_title("Sr. InfoSec Eng II");
//! assert_eq!(m.role_code(), Some("SEI.GEN"));    // Security Engineering (InfoSec)
//! assert_eq!(m.level_code().as_deref(), Some("P3"));
//! println!("{} {:.2} {:?}", m.role.as_ref().unwrap().name, m.confidence, m.band);
//! # Ok::<(), titlematch::Error>(())
//! ```
//!
//! `Engine` is `Send + Sync`; share one (e.g. in an `Arc`) across threads. For many titles,
//! [`Engine::match_batch`] runs them on rayon's pool and keeps their order:
//!
//! ```
//! # let engine = titlematch::Engine::builtin()?;
//! let out = engine.match_batch(&["Registered Nurse", "Warehouse Associate - 2nd Shift", "asdf"]);
//! assert_eq!(out.len(), 3);
//! assert!(out[0].is_match());
//! # Ok::<(), titlematch::Error>(())
//! ```
//!
//! With files on disk, [`Engine::open`] reads `data/` and reuses the artifacts in `index/`,
//! rebuilding them when the data changed (a manifest records the data's content hash).
//!
//! ## A whole export
//!
//! [`bulk::normalize`] streams a CSV, TSV or JSONL export through the engine in parallel chunks
//! and writes every row back, in order, with the role, level, confidence and SOC columns added:
//!
//! ```
//! use titlematch::bulk::{self, BulkOptions, Column};
//! # let engine = titlematch::Engine::builtin()?;
//! let input = "id,Job Title\n1,RN - ICU (Nights)\n2,Cust Svc Rep\n";
//! let mut output = Vec::new();
//! let opts = BulkOptions { column: Column::Name("Job Title".into()), ..BulkOptions::default() };
//! let summary = bulk::normalize(&engine, input.as_bytes(), &mut output, &opts)?;
//! assert_eq!((summary.rows_in, summary.rows_out), (2, 2));
//! # Ok::<(), titlematch::Error>(())
//! ```
//!
//! ## Around the engine
//!
//! - [`bulk`]: exports in, every row out, errors file, summary.
//! - [`review`]: the SQLite review queue; approved aliases come back through
//!   [`Engine::set_overlay`] and are exact matches from then on.
//! - [`server`]: the HTTP API and the review page.
//! - [`eval`]: accuracy and calibration on labeled titles, and fitting [`score::Scoring`].
//! - [`soc`]: O\*NET-SOC suggestions from an O\*NET database ([`Engine::set_onet`]).
//!
//! ## The pipeline
//!
//! 1. [`normalize`]: Unicode folding, punctuation, abbreviations (data), noise (data),
//!    compound titles. One versioned normalizer serves index keys and queries alike.
//! 2. [`level`]: seniority words read by position, onto the INT/P/S/M/E ladder; industry
//!    ladders (`banking`, `law`, `consulting`, `academia`, `nursing`) change what words mean.
//! 3. [`lookup`]: exact key in an fst of aliases, then typo correction with a Levenshtein
//!    automaton, then BM25 (tantivy) re-ranked with string similarity.
//! 4. [`score`]: features -> logistic confidence fitted on a labeled dev set, and bands.
//!
//! ## Limits
//!
//! - Titles are cut to [`limits::MAX_INPUT_BYTES`] bytes and [`limits::MAX_TOKENS`] tokens;
//!   the explanation says when.
//! - Confidence is the probability that the **role** is right; the level has its own `source`
//!   (`title` or `default`).
//! - Non-Latin scripts are kept as written, not transliterated: they match only aliases written
//!   in that script.
//! - SOC suggestions are suggestions: every one is `needs_review`.

#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod bulk;
pub mod data;
pub mod engine;
pub mod error;
pub mod eval;
pub mod index;
pub mod level;
pub mod limits;
pub mod lookup;
pub mod matching;
pub mod normalize;
pub mod review;
pub mod score;
pub mod server;
pub mod soc;
pub mod taxonomy;

pub use data::DataFiles;
pub use engine::{Engine, IndexStatus, MatchOptions, OverlayAlias};
pub use error::{Error, Result};
pub use matching::{Alternative, Explain, LevelRef, Match, MatchType, RoleRef, SocSuggestion};
pub use score::Band;

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
