//! Inputs found by fuzzing (tests/fuzz), replayed as plain tests.
//!
//! Every file in `tests/data/fuzz/` is named `<target>-<short name>` and goes through the same
//! function its fuzz target runs (`tests/fuzz/harness.rs`), so a crash found by
//! `cargo +nightly fuzz run --fuzz-dir tests/fuzz <target>` stays fixed once its input is
//! copied there. The `*-seed-*` files are hand-written inputs (unterminated quotes, wrong TOML
//! types, bad codes) that keep every path exercised. A panic fails the test.

#[path = "fuzz/harness.rs"]
mod harness;

use std::path::PathBuf;
use titlematch::bulk::Format;

fn dir() -> PathBuf {
    crate::common::repo()
        .join("tests")
        .join("data")
        .join("fuzz")
}

/// The saved inputs of one target, by file name; at least one must exist.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir())
        .expect("tests/data/fuzz exists")
        .map(|e| e.expect("readable entry").path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let (t, _) = name.split_once('-')?;
            (t == target).then(|| (name.clone(), std::fs::read(&p).expect("readable input")))
        })
        .collect();
    out.sort();
    assert!(
        !out.is_empty(),
        "no saved inputs for {target} in tests/data/fuzz"
    );
    out
}

/// Run `f` on each input, naming the input when it panics.
fn replay(target: &str, mut f: impl FnMut(&[u8])) {
    for (name, bytes) in inputs(target) {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&bytes)));
        assert!(r.is_ok(), "tests/data/fuzz/{name} panicked");
    }
}

#[test]
fn every_saved_input_names_a_target() {
    for e in std::fs::read_dir(dir()).expect("tests/data/fuzz exists") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        let target = name.split_once('-').map(|(t, _)| t).unwrap_or("");
        assert!(
            harness::TARGETS.contains(&target),
            "tests/data/fuzz/{name}: the name must start with one of {:?} and a '-'",
            harness::TARGETS
        );
    }
}

#[test]
fn normalize_inputs() {
    replay("normalize", |b| {
        harness::normalize(crate::common::engine(), b)
    });
}

#[test]
fn bulk_csv_inputs() {
    replay("bulk_csv", |b| {
        harness::bulk(crate::common::engine(), Format::Csv, b)
    });
}

#[test]
fn bulk_jsonl_inputs() {
    replay("bulk_jsonl", |b| {
        harness::bulk(crate::common::engine(), Format::Jsonl, b)
    });
}

#[test]
fn data_files_inputs() {
    replay("data_files", harness::data_files);
}

#[test]
fn onet_files_inputs() {
    let tmp = crate::common::tempdir();
    replay("onet_files", |b| harness::onet_files(tmp.path(), b));
}

#[test]
fn review_import_inputs() {
    let tmp = crate::common::tempdir();
    let mut engine = titlematch::Engine::builtin().expect("built-in engine");
    replay("review_import", |b| {
        harness::review_import(&mut engine, tmp.path(), b)
    });
}
