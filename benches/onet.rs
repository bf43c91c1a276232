//! Benchmarks of the O*NET suggestions: opening a built index, and one suggestion per path
//! (exact title, manager title, BM25 only), beside the role match of the same title.
//!
//! Run: `cargo bench --bench onet` (needs `../shared/data/onet/29.3`; skipped without it).
//! Building the index is timed once and printed before the benchmarks (it takes seconds, so
//! criterion's repeated sampling would only slow the run down). Peak memory is measured by
//! `benches/onet.sh`, which runs the release binary under `/usr/bin/time -v`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;
use titlematch::soc::Onet;
use titlematch::{DataFiles, Engine};

fn shared(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(p)
}

fn data() -> DataFiles {
    DataFiles::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).expect("data")
}

fn onet(c: &mut Criterion) {
    let (dir, soc) = (shared("onet/29.3"), shared("soc2018"));
    if !dir.is_dir() {
        eprintln!("skipping: {} not found", dir.display());
        return;
    }
    let data = data();
    let tmp = tempfile::tempdir().expect("tempdir");
    let index = tmp.path().join("onet");
    let t = Instant::now();
    let built = Onet::open(&dir, Some(&soc), Some(&index), &data).expect("build");
    println!(
        "onet/build_on_disk: {:.2} s ({} titles, {} keys)",
        t.elapsed().as_secs_f64(),
        built.titles(),
        built.keys()
    );
    drop(built);

    let mut g = c.benchmark_group("onet");
    g.sample_size(20);
    g.bench_function("open_built", |b| {
        b.iter(|| Onet::open(black_box(&dir), Some(&soc), Some(&index), &data).expect("open"))
    });
    g.finish();

    let o = Onet::open(&dir, Some(&soc), Some(&index), &data).expect("open");
    let engine = Engine::from_data(data.clone(), None).expect("engine");
    let cases = [
        ("exact", "Registered Nurse", "29-1141"),
        ("manager", "IT Director", "11-3021"),
        (
            "levels_and_noise",
            "Senior Software Engineer III - Remote",
            "15-1252",
        ),
        (
            "bm25_only",
            "Senior Payments Platform Backend Engineer",
            "15-1254",
        ),
    ];
    let mut g = c.benchmark_group("onet_suggest");
    for (name, title, want) in cases {
        let s = o.suggest_title(title, &[], 3);
        assert_eq!(
            s.first().map(|s| s.soc_code.as_str()),
            Some(want),
            "{title}: {s:?}"
        );
        g.bench_with_input(BenchmarkId::from_parameter(name), title, |b, t| {
            b.iter(|| o.suggest_title(black_box(t), &[], 3))
        });
    }
    // Baseline: the role match of the same title (without O*NET).
    g.bench_function("baseline_match_title", |b| {
        b.iter(|| engine.match_title(black_box("IT Director")))
    });
    g.finish();
}

criterion_group!(benches, onet);
criterion_main!(benches);
