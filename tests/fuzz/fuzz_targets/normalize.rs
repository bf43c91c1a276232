//! `Normalizer::normalize` and `Engine::match_title` on any text: never panic.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use titlematch::Engine;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::builtin().expect("built-in engine"))
}

fuzz_target!(|data: &[u8]| harness::normalize(engine(), data));
