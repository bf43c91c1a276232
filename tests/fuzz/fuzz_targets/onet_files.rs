//! The O*NET folder reader on any files (NUL-separated in the input): `Err` is fine, a panic
//! is not. The files go to one temporary folder per process, rewritten for every input.
#![no_main]

#[path = "../harness.rs"]
mod harness;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn dir() -> &'static tempfile::TempDir {
    static D: OnceLock<tempfile::TempDir> = OnceLock::new();
    D.get_or_init(|| tempfile::tempdir().expect("temp folder"))
}

fuzz_target!(|data: &[u8]| harness::onet_files(dir().path(), data));
