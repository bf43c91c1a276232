//! `titlematch eval` as a user runs it:
//! 1. on the dev set (tests/data/devset, a folder of TSV files) it writes the Markdown report,
//!    the JSON and the SVG reliability diagram, and the figures stay above the floors below;
//! 2. on a small labeled file whose answers are known, every figure is exactly what it should
//!    be, and a folder of TSV + CSV files gives the same figures as one file;
//! 3. `--fit` writes a confidence model that loads, and reports it on the held-out split;
//! 4. bad labels are errors naming the file and line.
//!
//! The floors sit a few points under the figures measured with the fitted model in
//! data/scoring.toml (see each constant), so that a change that makes matching or calibration
//! worse fails here; raise them when the engine gets better.

use crate::common;
use serde_json::Value;
use std::path::Path;

/// Role top-1 over all rows (measured 91.9%, 1410/1535).
const ROLE_TOP1: f64 = 0.87;
/// Role top-3 (measured 94.9%).
const ROLE_TOP3: f64 = 0.92;
/// Level exact over rows with a level label (measured 95.2%).
const LEVEL_EXACT: f64 = 0.88;
/// Level within one step on the same track (measured 96.8%).
const LEVEL_WITHIN_ONE: f64 = 0.90;
/// SOC top-1 at 2 digits, major group (measured 95.4%).
const SOC2_TOP1: f64 = 0.91;
/// SOC top-1 at 6 digits, detailed occupation (measured 92.4%).
const SOC6_TOP1: f64 = 0.86;
/// Expected calibration error over all answered rows, at most (measured 0.011).
const ECE_ALL: f64 = 0.05;
/// Expected calibration error on the held-out split, at most (measured 0.025).
const ECE_HELD_OUT: f64 = 0.07;
/// Share of rows accepted automatically at 95% precision, at least (measured 88.2%).
const AUTO_95: f64 = 0.75;
/// Role top-1 per kind (measured: clean 92.4, abbreviated 91.0, typo 97.4, noisy 91.3,
/// compound 92.0, non_english 77.1, junk 93.8).
const ROLE_TOP1_BY_KIND: [(&str, f64); 7] = [
    ("clean", 0.88),
    ("abbreviated", 0.80),
    ("typo", 0.90),
    ("noisy", 0.90),
    ("compound", 0.78),
    ("non_english", 0.62),
    ("junk", 0.80),
];

/// Run `titlematch eval` in `dir` over the repository's data, with the index in `dir/index`.
fn eval(dir: &Path, args: &[&str]) -> std::process::Output {
    let data = common::repo().join("data");
    let data = data.to_str().unwrap();
    let mut all = vec!["eval"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--data", data, "--index", "index"]);
    common::run_in(dir, &all)
}

fn rate(v: &Value) -> f64 {
    v["rate"]
        .as_f64()
        .unwrap_or_else(|| panic!("no rate in {v}"))
}

fn soc(v: &Value, digits: u64, top: &str) -> f64 {
    let s = v["soc"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["digits"] == digits)
        .unwrap();
    rate(&s[top])
}

#[test]
fn devset_report_json_and_plot_meet_the_floors() {
    let d = common::tempdir();
    let devset = common::repo().join("tests/data/devset");
    let o = eval(
        d.path(),
        &[
            devset.to_str().unwrap(),
            "--json",
            "--report",
            "report.md",
            "--plot",
            "calibration.svg",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();

    // The dev set is what the issue asks for: at least 600 titles, every kind present.
    assert!(
        v["rows"].as_u64().unwrap() >= 600,
        "dev set rows: {}",
        v["rows"]
    );
    let kinds: Vec<&str> = v["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    for (k, _) in ROLE_TOP1_BY_KIND {
        assert!(
            kinds.contains(&k),
            "kind {k} missing from the dev set: {kinds:?}"
        );
    }

    let o_ = &v["overall"];
    let checks = [
        ("role top-1", rate(&o_["role_top1"]), ROLE_TOP1),
        ("role top-3", rate(&o_["role_topk"]), ROLE_TOP3),
        ("level exact", rate(&o_["level_exact"]), LEVEL_EXACT),
        (
            "level within one",
            rate(&o_["level_within_one"]),
            LEVEL_WITHIN_ONE,
        ),
        ("SOC top-1 2 digits", soc(o_, 2, "top1"), SOC2_TOP1),
        ("SOC top-1 6 digits", soc(o_, 6, "top1"), SOC6_TOP1),
    ];
    for (name, got, floor) in checks {
        assert!(got >= floor, "{name}: {got:.3} is under the floor {floor}");
    }
    // Top-k can only add to top-1, and coarser SOC digits can only add to finer ones.
    assert!(rate(&o_["role_topk"]) >= rate(&o_["role_top1"]));
    assert!(soc(o_, 2, "top1") >= soc(o_, 3, "top1") && soc(o_, 3, "top1") >= soc(o_, 6, "top1"));
    for k in v["by_kind"].as_array().unwrap() {
        let name = k["kind"].as_str().unwrap();
        let floor = ROLE_TOP1_BY_KIND
            .iter()
            .find(|f| f.0 == name)
            .map_or(0.0, |f| f.1);
        assert!(
            rate(&k["role_top1"]) >= floor,
            "role top-1 for kind {name}: {} under {floor}",
            rate(&k["role_top1"])
        );
    }

    let cal = &v["calibration"];
    let ece = cal["all"]["ece"].as_f64().unwrap();
    let ece_h = cal["held_out"]["ece"].as_f64().unwrap();
    assert!(ece <= ECE_ALL, "ECE {ece:.3} above {ECE_ALL}");
    assert!(
        ece_h <= ECE_HELD_OUT,
        "held-out ECE {ece_h:.3} above {ECE_HELD_OUT}"
    );
    assert!(
        cal["held_out"]["answered"].as_u64().unwrap() >= 150,
        "held-out split too small: {}",
        cal["held_out"]
    );
    assert_eq!(cal["all"]["bins"].as_array().unwrap().len(), 10);
    let a95 = &cal["all"]["auto_accept"][0];
    assert_eq!(a95["target"], 0.95);
    assert!(
        a95["share"].as_f64().unwrap() >= AUTO_95,
        "auto-accept at 95%: {a95}"
    );
    assert!(a95["precision"].as_f64().unwrap() >= 0.95);
    assert_eq!(cal["all"]["auto_accept"][1]["target"], 0.99);

    // The 20 worst misses: wrong, most confident first.
    let misses = v["worst_misses"].as_array().unwrap();
    assert_eq!(misses.len(), 20);
    assert!(misses
        .windows(2)
        .all(|w| w[0]["confidence"].as_f64() >= w[1]["confidence"].as_f64()));
    assert!(misses
        .iter()
        .all(|m| m["role_top1"] == false && m["answer_role"].is_string()));

    let md = std::fs::read_to_string(d.path().join("report.md")).unwrap();
    for part in [
        "## Headline",
        "| Role top-1 |",
        "| SOC top-3, 6 digits |",
        "## By kind",
        "| non_english |",
        "## Calibration",
        "| held-out |",
        "## Worst misses",
    ] {
        assert!(md.contains(part), "report lacks {part:?}");
    }
    let svg = std::fs::read_to_string(d.path().join("calibration.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for part in [
        "Role confidence vs accuracy",
        "perfect calibration",
        "held-out rows",
        "Confidence (probability the role is right)",
        "n=",
    ] {
        assert!(svg.contains(part), "diagram lacks {part:?}");
    }
}

/// Four rows whose answers are known: the first two are the documented examples of lib.rs
/// (SEI.GEN P3, SOC 15-1212), `asdf` is no title, and "Registered Nurse" is deliberately
/// labeled with a wrong role, level and SOC code.
const SYNTHETIC: &str = "title\trole\tlevel\tsoc\tkind
Senior Information Security Engineer\tSEI.GEN\tP3\t15-1212\tclean
Sr. InfoSec Eng II\tSEI.GEN\tP2\t15-1299.00\tabbreviated
asdf\tnone\t\t\tjunk
Registered Nurse\tSEI.GEN\tS3\t15-1212\tclean
";

fn check_synthetic(v: &Value) {
    let o = &v["overall"];
    let rt = |x: &Value| (x["right"].as_u64().unwrap(), x["total"].as_u64().unwrap());
    assert_eq!(v["rows"], 4);
    assert_eq!(rt(&o["role_top1"]), (3, 4), "3 right of 4: {o}");
    assert_eq!(o["role_top1"]["rate"], 0.75);
    assert_eq!(rt(&o["role_topk"]), (3, 4));
    // Levels: P3 right; P2 for a P3 answer is one step off; S3 for the nurse's level is wrong.
    assert_eq!(rt(&o["level_exact"]), (1, 3));
    assert_eq!(rt(&o["level_within_one"]), (2, 3));
    // SOC: 15-1212 right at every precision; 15-1299 agrees with 15-1212 on 2 and 3 digits only.
    for (digits, right) in [(2, 2), (3, 2), (5, 1), (6, 1)] {
        let s = o["soc"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["digits"] == digits)
            .unwrap();
        assert_eq!(rt(&s["top1"]), (right, 3), "SOC top-1 at {digits} digits");
        assert_eq!(rt(&s["top3"]), (right, 3), "SOC top-3 at {digits} digits");
    }
    let kinds: Vec<(String, (u64, u64))> = v["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kind"].as_str().unwrap().to_string(), rt(&k["role_top1"])))
        .collect();
    assert_eq!(
        kinds,
        [
            ("abbreviated".to_string(), (1, 1)),
            ("clean".to_string(), (1, 2)),
            ("junk".to_string(), (1, 1))
        ]
    );
    // Calibration points: the three rows answered with a role; `asdf` makes no claim.
    assert_eq!(v["calibration"]["all"]["rows"], 4);
    assert_eq!(v["calibration"]["all"]["answered"], 3);
    let acc = v["calibration"]["all"]["accuracy"].as_f64().unwrap();
    assert!((acc - 2.0 / 3.0).abs() < 1e-9);
    let misses = v["worst_misses"].as_array().unwrap();
    assert_eq!(misses.len(), 1);
    assert_eq!(misses[0]["title"], "Registered Nurse");
    assert_eq!(misses[0]["line"], 5);
}

#[test]
fn known_answers_give_exact_figures_from_a_file_or_a_folder() {
    let d = common::tempdir();
    std::fs::write(d.path().join("labeled.tsv"), SYNTHETIC).unwrap();
    let o = eval(d.path(), &["labeled.tsv", "--json"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    check_synthetic(&v);

    // The same rows split over a TSV and a CSV (with quoting) in a folder, plus a file that is
    // not labeled data: the same figures.
    let dir = d.path().join("set");
    std::fs::create_dir(&dir).unwrap();
    let lines: Vec<&str> = SYNTHETIC.lines().collect();
    std::fs::write(
        dir.join("a.tsv"),
        format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2]),
    )
    .unwrap();
    std::fs::write(
        dir.join("b.csv"),
        "kind,title,role,level,soc\njunk,asdf,none,,\nclean,\"Registered Nurse\",SEI.GEN,S3,\"15-1212\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("notes.md"), "not data").unwrap();
    let o = eval(d.path(), &["set", "--json", "--report", "r.md"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let w: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(w["overall"], v["overall"]);
    assert_eq!(
        w["worst_misses"][0]["file"]
            .as_str()
            .map(|f| f.ends_with("b.csv")),
        Some(true)
    );
    let md = std::fs::read_to_string(d.path().join("r.md")).unwrap();
    assert!(md.contains("| Role top-1 | 75.0% (3/4) |"), "{md}");
    assert!(
        md.contains("| Level within one step (same track) | 66.7% (2/3) |"),
        "{md}"
    );

    // Markdown goes to stdout without --report and --json.
    let o = eval(d.path(), &["labeled.tsv"]);
    assert!(
        common::stdout(&o).starts_with("# titlematch eval: labeled.tsv"),
        "{}",
        common::stdout(&o)
    );

    // Bad labels: the file, line and field, and exit code 2.
    std::fs::write(
        d.path().join("bad_level.tsv"),
        "title\tlevel\nNurse\tS2\nEngineer\tP9\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("bad_role.tsv"),
        "title\trole\nNurse\tRNU.GEN\nEngineer\tNOT.AROLE\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("no_title.tsv"),
        "name\trole\nNurse\tRNU.GEN\n",
    )
    .unwrap();
    for (file, want) in [
        ("bad_level.tsv", "bad_level.tsv:3: level"),
        ("bad_role.tsv", "bad_role.tsv:3: NOT.AROLE"),
        ("no_title.tsv", "no `title` column"),
    ] {
        let o = eval(d.path(), &[file]);
        assert_eq!(o.status.code(), Some(2), "{file}");
        assert!(
            common::stderr(&o).contains(want),
            "{file}: {}",
            common::stderr(&o)
        );
    }
}

#[test]
fn fit_writes_a_model_that_loads_and_is_checked_on_held_out_rows() {
    let d = common::tempdir();
    let devset = common::repo().join("tests/data/devset");
    let o = eval(
        d.path(),
        &[
            devset.to_str().unwrap(),
            "--fit",
            "scoring.toml",
            "--json",
            "--report",
            "fit.md",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let text = std::fs::read_to_string(d.path().join("scoring.toml")).unwrap();
    let s: titlematch::score::Scoring = toml::from_str(&text).unwrap();
    s.validate().unwrap();
    assert!(
        s.fitted_on.contains("held out") && s.fitted_on.contains("L2 ="),
        "{}",
        s.fitted_on
    );
    assert!(s.medium <= s.high && s.high < 1.0);

    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = &v["fit"];
    assert_eq!(f["scoring"]["high"].as_f64(), Some(s.high));
    assert_eq!(
        f["weights"].as_array().unwrap().len(),
        12,
        "bias and 11 weights"
    );
    // The fit split and the held-out split do not overlap and cover all rows.
    let cal = &v["calibration"];
    let rows = |x: &Value| x["rows"].as_u64().unwrap();
    assert_eq!(
        rows(&cal["fit"]) + rows(&cal["held_out"]),
        rows(&cal["all"])
    );
    // `high` is the 99%-precision threshold of the fit split, rounded down (by less than 0.01)
    // to a value that accepts the same answers.
    let fit99 = &cal["fit"]["auto_accept"][1];
    assert_eq!(fit99["target"], 0.99);
    let t = fit99["threshold"].as_f64().unwrap();
    assert!(
        s.high <= t && t - s.high < 0.01,
        "high {} for threshold {fit99}",
        s.high
    );
    assert!(fit99["precision"].as_f64().unwrap() >= 0.99);
    // The honest check: calibration on rows the fit never saw.
    let ece_h = cal["held_out"]["ece"].as_f64().unwrap();
    assert!(
        ece_h <= ECE_HELD_OUT,
        "held-out ECE after the fit: {ece_h:.3}"
    );
    let md = std::fs::read_to_string(d.path().join("fit.md")).unwrap();
    assert!(
        md.contains("## Fit") && md.contains("| held-out |") && md.contains("fit rows where not 0"),
        "{md}"
    );
    // Deterministic: the same rows give the same model.
    let o = eval(
        d.path(),
        &[devset.to_str().unwrap(), "--fit", "scoring2.toml"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join("scoring2.toml")).unwrap(),
        text
    );
}
