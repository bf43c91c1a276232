//! The command line as a new user runs it:
//! 1. `match` builds the index on first use (with a message), reuses it after, rebuilds when the
//!    data changes; prints aligned human output or one JSON object;
//! 2. `build` and `roles` (list and role card);
//! 3. a broken data file is a clear error naming the file, line and field, exit code 2.

use crate::common;

fn workdir() -> tempfile::TempDir {
    let d = common::tempdir();
    common::copy_dir(&common::repo().join("data"), &d.path().join("data"));
    d
}

#[test]
fn match_builds_then_reuses_then_rebuilds_the_index() {
    let d = workdir();
    let o = common::run_in(d.path(), &["match", "Sr. InfoSec Eng II"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("built index"),
        "first run builds: {}",
        common::stderr(&o)
    );
    assert!(d.path().join("index/manifest.json").exists());
    let out = common::stdout(&o);
    assert!(out.contains("SEI.GEN") && out.contains("P3"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("confidence")), "{out}");

    let o = common::run_in(d.path(), &["match", "Registered Nurse"]);
    assert!(
        !common::stderr(&o).contains("built index"),
        "second run reuses the index"
    );

    // Change the data: the next call rebuilds.
    let f = d.path().join("data/noise.toml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, format!("{text}\n# edited\n")).unwrap();
    let o = common::run_in(d.path(), &["match", "Registered Nurse"]);
    assert!(
        common::stderr(&o).contains("built index"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn match_json_has_the_documented_fields() {
    let d = workdir();
    let o = common::run_in(
        d.path(),
        &[
            "match",
            "Associate Security Engineering (InfoSec)",
            "--json",
            "--top",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in [
        "input",
        "normalized",
        "role",
        "level",
        "confidence",
        "band",
        "match_type",
        "alternatives",
        "soc",
        "explain",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
    assert_eq!(v["role"]["code"], "SEI.GEN");
    assert_eq!(v["level"]["code"], "P1");
    assert_eq!(v["level"]["source"], "title");
    assert!(v["alternatives"].as_array().unwrap().len() <= 2);
    assert!(v["soc"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["review_status"] == "needs_review"));
    assert!(["high", "medium", "low"].contains(&v["band"].as_str().unwrap()));
}

#[test]
fn build_and_roles() {
    let d = workdir();
    let o = common::run_in(d.path(), &["build"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("roles"),
        "{}",
        common::stderr(&o)
    );
    let o = common::run_in(d.path(), &["roles"]);
    assert!(common::stdout(&o).lines().count() >= 400);
    let o = common::run_in(d.path(), &["roles", "SEI.GEN", "--level", "P1"]);
    let card = common::stdout(&o);
    for want in [
        "Security Engineering (InfoSec)",
        "SEI.GEN.P1",
        "Entry-Level Professional",
        "Typical experience",
        "0–2 yrs",
        "Junior Security Engineering (InfoSec)",
        "15-0000",
        "needs_review",
    ] {
        assert!(card.contains(want), "role card lacks {want:?}:\n{card}");
    }
    let o = common::run_in(d.path(), &["roles", "NOPE.XXX"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("unknown role code"));
}

#[test]
fn broken_data_names_file_line_and_field() {
    let d = workdir();
    let f = d.path().join("data/roles/technology.toml");
    let text = std::fs::read_to_string(&f).unwrap();
    let broken = text.replacen("default_level = \"P2\"", "default_level = \"P9\"", 1);
    std::fs::write(&f, &broken).unwrap();
    let line = broken.lines().position(|l| l.contains("P9")).unwrap() + 1;
    let o = common::run_in(d.path(), &["match", "Nurse"]);
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(
        err.contains("roles/technology.toml")
            && err.contains("default_level")
            && err.contains("P9"),
        "{err}"
    );
    // The line is the role's `code` line, just above the bad field.
    let code_line = broken
        .lines()
        .take(line)
        .enumerate()
        .filter(|(_, l)| l.starts_with("code = "))
        .last()
        .unwrap()
        .0
        + 1;
    assert!(
        err.contains(&format!("technology.toml:{code_line}")),
        "{err} (want line {code_line})"
    );

    // A file that is not UTF-8.
    std::fs::write(&f, text).unwrap();
    std::fs::write(
        d.path().join("data/level_words.csv"),
        b"ladder,phrase,level,position,note\ngeneral,s\xffnior,P3,any,\n",
    )
    .unwrap();
    let o = common::run_in(d.path(), &["match", "Nurse"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("level_words.csv"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn match_with_onet_suggests_codes_even_without_a_role() {
    let d = workdir();
    let onet = common::shared_data().join("onet/29.3");
    let soc = common::shared_data().join("soc2018");
    let args = [
        "match",
        "IT Director",
        "Taxidermist",
        "--json",
        "--onet",
        onet.to_str().unwrap(),
        "--soc",
        soc.to_str().unwrap(),
    ];
    let o = common::run_in(d.path(), &args);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("built O*NET index"),
        "{}",
        common::stderr(&o)
    );
    let lines: Vec<serde_json::Value> = common::stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0]["soc"][0]["soc_code"], "11-3021",
        "{}",
        lines[0]["soc"]
    );
    assert_eq!(lines[0]["level"]["code"], "M4");
    assert!(lines[1]["role"].is_null(), "{}", lines[1]);
    assert!(
        !lines[1]["soc"].as_array().unwrap().is_empty(),
        "a title O*NET knows is never empty-handed"
    );
    for l in &lines {
        for s in l["soc"].as_array().unwrap() {
            assert_eq!(s["review_status"], "needs_review");
            assert!(
                s["hierarchy"]["major"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{s}"
            );
        }
    }
    // The second run reuses the O*NET index.
    let o = common::run_in(d.path(), &args);
    assert!(
        !common::stderr(&o).contains("built O*NET index"),
        "{}",
        common::stderr(&o)
    );
}
