//! `ReviewStore::import_decisions` on any bytes, into a fresh store for every input: `Err` is
//! fine, a panic is not.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use std::sync::{Mutex, OnceLock};
use titlematch::Engine;

struct State {
    engine: Engine,
    dir: tempfile::TempDir,
}

fn state() -> &'static Mutex<State> {
    static S: OnceLock<Mutex<State>> = OnceLock::new();
    S.get_or_init(|| {
        Mutex::new(State {
            engine: Engine::builtin().expect("built-in engine"),
            dir: tempfile::tempdir().expect("temp folder"),
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let mut s = state().lock().unwrap_or_else(|e| e.into_inner());
    let State { engine, dir } = &mut *s;
    harness::review_import(engine, dir.path(), data);
});
