//! What each fuzz target does with one input, shared by the targets in `fuzz_targets/` and by
//! `tests/fuzz_regressions.rs`, which replays the saved inputs in `tests/data/fuzz/` through
//! exactly the same code. The property everywhere: no panic, whatever the bytes. An `Err` is a
//! fine answer to a broken file.
//!
//! Inputs that hold more than one file (data files, O*NET folders) start with a selector byte
//! or separate the files with a NUL byte, as each function says.

#![allow(dead_code)]

use std::path::Path;
use titlematch::bulk::{self, BulkOptions, Column, Format};
use titlematch::data::DataFiles;
use titlematch::Engine;

/// The targets, by the name used for the fuzz binary and as the prefix of saved inputs.
pub const TARGETS: [&str; 6] = [
    "normalize",
    "bulk_csv",
    "bulk_jsonl",
    "data_files",
    "onet_files",
    "review_import",
];

/// `normalize`: the normalizer and the matcher on any text.
pub fn normalize(engine: &Engine, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let n = engine.normalizer().normalize(&text);
    let _ = n.text();
    let m = engine.match_title(&text);
    assert!(
        (0.0..=1.0).contains(&m.confidence),
        "confidence {} out of 0..1",
        m.confidence
    );
}

/// The options of a bulk run, chosen by the first byte: small chunks, a small cache and a small
/// record limit, so that short inputs reach the chunking, caching and record-splitting paths.
fn bulk_options(format: Format, sel: u8) -> BulkOptions {
    let column = match sel & 3 {
        0 => Column::Auto,
        1 => Column::Index(0),
        2 => Column::Index(1),
        _ => Column::Name("title".into()),
    };
    let format = match (format, sel & 0x18) {
        (Format::Jsonl, _) => Format::Jsonl,
        (_, 0x08) => Format::Tsv,
        _ => Format::Csv,
    };
    BulkOptions {
        format: Some(format),
        column,
        has_header: sel & 4 == 0,
        delimiter: if sel & 0x20 != 0 { Some(b';') } else { None },
        chunk_rows: 1 + (sel as usize >> 6),
        cache_entries: 4,
        max_record_bytes: 256,
        ..BulkOptions::default()
    }
}

/// `bulk_csv` / `bulk_jsonl`: a whole export through [`bulk::normalize`]. When the run succeeds,
/// every row in is a row out, and the output is UTF-8 (both documented).
pub fn bulk(engine: &Engine, format: Format, data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let opts = bulk_options(format, sel);
    let mut out = Vec::new();
    if let Ok(s) = bulk::normalize(engine, body, &mut out, &opts) {
        assert_eq!(s.rows_in, s.rows_out, "rows in != rows out ({opts:?})");
        assert!(
            std::str::from_utf8(&out).is_ok(),
            "output is not UTF-8 ({opts:?})"
        );
    }
}

/// `data_files`: one data-file loader, chosen by the first byte, on the rest as text.
pub fn data_files(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    let text = text.as_ref();
    let builtin = || DataFiles::builtin();
    match sel % 10 {
        0 => drop(titlematch::normalize::Abbreviations::parse(text)),
        1 => drop(titlematch::level::LevelWords::parse(text)),
        2 => drop(titlematch::normalize::Noise::load(
            &builtin().with_file("noise.toml", text),
        )),
        3 => drop(titlematch::normalize::Noise::load(
            &builtin().with_file("locations.txt", text),
        )),
        4 => drop(titlematch::level::Ladder::load(
            &builtin().with_file("levels.toml", text),
        )),
        5 => drop(titlematch::score::Scoring::load(
            &builtin().with_file("scoring.toml", text),
        )),
        6 => drop(titlematch::taxonomy::load_roles(&DataFiles::from_files([
            ("roles/x.toml", text),
        ]))),
        7 => drop(titlematch::review::Renames::parse(text)),
        8 => drop(titlematch::soc::SocStructure::from_major_groups(
            text,
            "soc_major_groups.csv",
        )),
        _ => drop(titlematch::soc::SocStructure::from_structure(
            text,
            "soc_structure_2018.tsv",
        )),
    }
}

/// `onet_files`: an O*NET folder written to `dir` and read with [`titlematch::soc::OnetFiles::load`].
/// The input is the files separated by NUL bytes: "Occupation Data", "Alternate Titles",
/// "Sample of Reported Titles", and "Read Me.txt" when there is a fourth part.
pub fn onet_files(dir: &Path, data: &[u8]) {
    use titlematch::soc::onet::{ALTERNATE_TITLES, OCCUPATION_DATA, READ_ME, REPORTED_TITLES};
    let mut parts = data.splitn(4, |&b| b == 0);
    for name in [OCCUPATION_DATA, ALTERNATE_TITLES, REPORTED_TITLES] {
        let body = parts.next().unwrap_or_default();
        std::fs::write(dir.join(format!("{name}.txt")), body).expect("write to the temp folder");
    }
    let read_me = dir.join(READ_ME);
    match parts.next() {
        Some(body) => std::fs::write(&read_me, body).expect("write to the temp folder"),
        None => {
            let _ = std::fs::remove_file(&read_me);
        }
    }
    let _ = titlematch::soc::OnetFiles::load(dir);
}

/// `review_import`: a decisions CSV imported into a fresh review store in `dir`.
pub fn review_import(engine: &mut Engine, dir: &Path, data: &[u8]) {
    let db = dir.join("review.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("review.db{suffix}")));
    }
    let mut store = titlematch::review::ReviewStore::open(&db).expect("a fresh store opens");
    let _ = store.import_decisions(data, "fuzz", engine, &mut |_| {});
}
