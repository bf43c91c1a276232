//! Criterion benchmarks of `Engine::match_title` on each path of the cascade, plus the parts it
//! is built from, so every number has a baseline beside it.
//!
//! Run: `cargo bench --bench match_title`. Each benchmark asserts on its result first, so a
//! change that sends a title down another path fails loudly instead of timing the wrong thing.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use titlematch::{DataFiles, Engine, MatchType};

fn engine() -> Engine {
    let data = DataFiles::from_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data"
    )))
    .expect("data");
    Engine::from_data(data, None).expect("engine")
}

fn paths(c: &mut Criterion) {
    let e = engine();
    let cases: [(&str, &str, MatchType); 5] = [
        ("exact", "Registered Nurse", MatchType::Exact),
        (
            "exact_with_levels_and_noise",
            "Sr. InfoSec Eng II - Remote",
            MatchType::Alias,
        ),
        ("fuzzy", "Secuirty Enginer", MatchType::Fuzzy),
        (
            "bm25",
            "Senior Payments Platform Backend Engineer",
            MatchType::Partial,
        ),
        ("none", "asdf qwerty zxcv", MatchType::None),
    ];
    let mut g = c.benchmark_group("match_title");
    for (name, title, want) in cases {
        let m = e.match_title(title);
        assert_eq!(
            m.match_type, want,
            "{title}: {:?} via {:?}",
            m.match_type, m.explain.key
        );
        g.bench_with_input(BenchmarkId::from_parameter(name), title, |b, t| {
            b.iter(|| e.match_title(black_box(t)))
        });
    }
    g.finish();

    // Building blocks, for comparison.
    let mut g = c.benchmark_group("parts");
    g.bench_function("normalize", |b| {
        b.iter(|| {
            e.normalizer()
                .normalize(black_box("Sr. InfoSec Eng II - Remote"))
        })
    });
    g.bench_function("jaro_winkler_pair", |b| {
        b.iter(|| {
            strsim::jaro_winkler(
                black_box("information security engineer"),
                black_box("information security analyst"),
            )
        })
    });
    g.finish();
}

fn batch(c: &mut Criterion) {
    let e = engine();
    let titles: Vec<String> = e
        .taxonomy()
        .roles()
        .iter()
        .flat_map(|r| {
            r.aliases
                .iter()
                .take(3)
                .map(|a| format!("Senior {} - Remote", a.text))
        })
        .collect();
    let refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let mut g = c.benchmark_group("match_batch");
    g.throughput(criterion::Throughput::Elements(refs.len() as u64));
    g.sample_size(10);
    g.bench_function("aliases_with_noise", |b| {
        b.iter(|| e.match_batch(black_box(&refs)))
    });
    g.finish();
}

fn build(c: &mut Criterion) {
    let data = DataFiles::from_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data"
    )))
    .expect("data");
    let mut g = c.benchmark_group("engine");
    g.sample_size(10);
    g.bench_function("build_in_memory", |b| {
        b.iter(|| Engine::from_data(black_box(data.clone()), None).expect("engine"))
    });
    g.finish();
}

criterion_group!(benches, paths, batch, build);
criterion_main!(benches);
