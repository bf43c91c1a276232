//! Behaviour of `Engine::match_title`:
//! 1. every case in tests/data/cases.toml gets the role, level and match type it states;
//! 2. bad input (huge, binary-ish, non-Latin) never panics and answers within the limits;
//! 3. batch matching returns the same answers as one-by-one, in order;
//! 4. every answer's SOC suggestions are marked needs_review and its confidence is in 0..1.

use crate::common;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Case {
    title: String,
    role: Option<String>,
    level: Option<String>,
    not_level: Option<String>,
    match_type: Option<String>,
    min_confidence: Option<f64>,
    max_confidence: Option<f64>,
    reason: Option<String>,
}

#[test]
fn cases_from_data_file() {
    let text = std::fs::read_to_string(common::repo().join("tests/data/cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    let engine = common::engine();
    let mut failures = Vec::new();
    for c in &cases.case {
        let m = engine.match_title(&c.title);
        let mut why = Vec::new();
        match c.role.as_deref() {
            Some("none") if m.role.is_some() => {
                why.push(format!("expected no role, got {:?}", m.role_code()))
            }
            Some("none") | None => {}
            Some(r) if m.role_code() != Some(r) => {
                why.push(format!("role {:?} != {r}", m.role_code()))
            }
            _ => {}
        }
        if let Some(l) = &c.level {
            if m.level_code().as_deref() != Some(l) {
                why.push(format!("level {:?} != {l}", m.level_code()));
            }
        }
        if let Some(l) = &c.not_level {
            if m.level_code().as_deref() == Some(l) {
                why.push(format!("level must not be {l}"));
            }
        }
        if let Some(t) = &c.match_type {
            if m.match_type.as_str() != t {
                why.push(format!("match_type {} != {t}", m.match_type.as_str()));
            }
        }
        if let Some(x) = c.min_confidence {
            if m.confidence < x {
                why.push(format!("confidence {} < {x}", m.confidence));
            }
        }
        if let Some(x) = c.max_confidence {
            if m.confidence > x {
                why.push(format!("confidence {} > {x}", m.confidence));
            }
        }
        if let Some(r) = &c.reason {
            if !m.reason.as_deref().unwrap_or("").contains(r.as_str()) {
                why.push(format!("reason {:?} lacks {r:?}", m.reason));
            }
        }
        if !why.is_empty() {
            failures.push(format!(
                "{:?}: {} (explain: stage {}, key {:?}, signals {:?})",
                c.title,
                why.join("; "),
                m.explain.stage,
                m.explain.key,
                m.explain.level_signals
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.case.len(),
        failures.join("\n")
    );
}

#[test]
fn hostile_input_is_bounded_and_never_panics() {
    let engine = common::engine();
    let huge = "Senior Software Engineer ".repeat(500);
    let inputs = [
        huge.as_str(),
        "\u{feff}\u{200b}Nurse\u{0000}",
        "Программист",
        "软件工程师",
        "مهندس برمجيات",
        "Ｓｅｎｉｏｒ　Ｅｎｇｉｎｅｅｒ",
        "((((((((((",
        "----////&&&&",
        "a/b/c/d/e/f/g/h/i/j",
        "Manager / Director / VP / Chief / Head / Lead",
        "Level 2 Level 3 Level 4 II III IV",
    ];
    for t in inputs {
        let m = engine.match_title(t);
        assert!((0.0..=1.0).contains(&m.confidence), "{t:?}");
        assert!(
            m.normalized.len() <= titlematch::limits::MAX_INPUT_BYTES,
            "{t:?}"
        );
        if m.role.is_none() {
            assert!(m.reason.is_some(), "a none match says why: {t:?}");
        }
    }
    let m = engine.match_title(&huge);
    assert!(m.explain.truncated, "a 12 KB title is cut and says so");
}

#[test]
fn batch_equals_single_and_keeps_order() {
    let engine = common::engine();
    let titles = [
        "Registered Nurse",
        "asdf",
        "Sr. InfoSec Eng II",
        "",
        "Line Cook - PT Nights",
        "HVAC Tech II",
    ];
    let batch = engine.match_batch(&titles);
    assert_eq!(batch.len(), titles.len());
    for (t, b) in titles.iter().zip(&batch) {
        let s = engine.match_title(t);
        assert_eq!(b.input, *t);
        assert_eq!(b.role_code(), s.role_code());
        assert_eq!(b.level_code(), s.level_code());
        assert_eq!(b.confidence, s.confidence);
    }
}

#[test]
fn answers_carry_review_status_and_explanation() {
    let engine = common::engine();
    for t in [
        "Registered Nurse",
        "Sr. InfoSec Eng II",
        "Secuirty Enginer",
        "Accountant (Remote, Austin TX)",
    ] {
        let m = engine.match_title(t);
        assert!(m.is_match(), "{t}");
        assert!(
            !m.soc.is_empty(),
            "{t}: at least the role's own SOC mapping"
        );
        assert!(m.soc.iter().all(|s| s.review_status == "needs_review"));
        assert!(
            m.explain.key.is_some() && !m.explain.score.is_empty(),
            "{t}: explain names the key and the score parts"
        );
        let z: f64 = m.explain.score.iter().map(|c| c.contribution).sum();
        let p = 1.0 / (1.0 + (-z).exp());
        assert!(
            (p - m.confidence).abs() < 0.001,
            "{t}: the breakdown sums to the confidence ({p} vs {})",
            m.confidence
        );
    }
    let m = engine.match_title("Accountant (Remote, Austin TX)");
    let dropped: Vec<&str> = m.explain.noise.iter().map(|d| d.text.as_str()).collect();
    assert!(
        dropped.contains(&"remote") && dropped.iter().any(|d| d.contains("austin")),
        "{dropped:?}"
    );
}

#[test]
fn engine_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<titlematch::Engine>();
}

#[test]
fn industry_ladders_change_what_rank_words_mean() {
    let engine = common::engine();
    let with = |title: &str, ladder: &str| {
        let opts = titlematch::MatchOptions {
            ladder: ladder.into(),
            ..Default::default()
        };
        engine.match_with(title, &opts).level_code()
    };
    // A bank VP is mid-career, not the general ladder's M6.
    assert_eq!(with("VP, Credit Risk", "general").as_deref(), Some("M6"));
    assert_eq!(with("VP, Credit Risk", "banking").as_deref(), Some("P4"));
    assert_eq!(
        with("Associate, Equity Research", "banking").as_deref(),
        Some("P2")
    );
    // Faculty ranks keep "professor" for the role.
    let m = engine.match_title("Assistant Professor of Biology");
    assert_eq!(m.level_code().as_deref(), Some("P3"));
    assert!(
        m.role_code().is_some_and(|c| c.starts_with("PRF.")),
        "{:?}",
        m.role_code()
    );
}
