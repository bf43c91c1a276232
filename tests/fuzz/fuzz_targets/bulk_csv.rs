//! `bulk::normalize` on any CSV export: never panics, and rows in = rows out when it succeeds.
//! The first byte picks the options (column, header, delimiter, chunk size).
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use titlematch::bulk::Format;
use titlematch::Engine;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::builtin().expect("built-in engine"))
}

fuzz_target!(|data: &[u8]| harness::bulk(engine(), Format::Csv, data));
