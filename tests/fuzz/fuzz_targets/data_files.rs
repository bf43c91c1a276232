//! The data-file loaders (abbreviations, level words, noise, places, ladder, scoring, roles,
//! renames, SOC structure) on any text: `Err` is fine, a panic is not. The first byte picks
//! the loader.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::data_files(data));
