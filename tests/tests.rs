//! The one integration-test binary (one link instead of many, which matters on 2 cores).
//! Each module says what belongs in it.

// Shared helpers: the engine built once, paths to ../shared/data, running the binary.
mod common;

// Behaviour of `match_title`, driven by cases in tests/data/cases.toml.
mod engine;

// The built-in job architecture: counts, uniqueness, SOC validity, reachability, O*NET coverage.
mod data_quality;

// The labeled dev set: accuracy floors.
mod devset;

// The CLI as a user runs it: match, build, roles, bad data folders.
mod cli;

// `titlematch normalize`: bulk files in, every row out.
mod bulk;

// The review queue: store, decisions, overlay, concurrency, crash safety.
mod review;

// The HTTP service and the review page.
mod http;

// `titlematch eval`.
mod eval_cli;

// O*NET suggestions.
mod onet;

// Inputs found by fuzzing (tests/fuzz), replayed.
mod fuzz_regressions;
