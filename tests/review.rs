//! The review queue: store, decisions, overlay, CLI, concurrency, crash safety.
//!
//! 1. Titles the engine is unsure of (band below high, or no role) are queued once per
//!    normalized title, counted, ranked by count; confident matches and junk are not queued;
//!    filters by family, band and count work.
//! 2. Approving teaches the role alias without the level words: the next match of the title is
//!    an exact-stage match on a reviewed, approved alias, with the level read from the title;
//!    `--whole-title` fixes the level; a level that disagrees with the level words is refused.
//! 3. Rejected candidates do not come back as pending; their counts still move.
//! 4. An alias another role owns (built in, or approved) is refused with a clear message and
//!    the refusal is recorded; `force` takes it over and records what it overrode.
//! 5. Undo writes a new decision, reverses aliases and status, only for the latest decision;
//!    undoing an undo redoes.
//! 6. Renamed roles carry their aliases (renames table); aliases of removed roles go back to
//!    pending with a note; both are decisions by `titlematch`.
//! 7. Export to CSV, edit, import: decisions applied, re-import changes nothing, bad rows are
//!    reported by line; approved aliases export as TOML in the role files' alias form.
//! 8. The CLI end to end: `match --queue-review`, `review list/approve/reject/history/undo/
//!    export/import/check`, `--json`, `--review-db` and `TITLEMATCH_REVIEW_DB`, required
//!    reviewer names.
//! 9. Several processes approving at once lose no decision; a bulk import killed with SIGKILL
//!    leaves a consistent database that a second run completes.

use crate::common;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use titlematch::review::{
    self, Action, ApproveArgs, CandidateInput, HistoryFilter, ListFilter, Renames, ReviewStore,
    Status,
};
use titlematch::taxonomy::Taxonomy;
use titlematch::{Band, DataFiles, Engine, MatchType};

/// One engine over the repository's data for the library tests; approvals install overlays,
/// so each test holds the lock while it uses it, and starts with no approved aliases.
fn engine() -> MutexGuard<'static, Engine> {
    static E: OnceLock<Mutex<Engine>> = OnceLock::new();
    let m = E.get_or_init(|| {
        let data = DataFiles::from_dir(&common::repo().join("data")).expect("data/ loads");
        Mutex::new(Engine::from_data(data, None).expect("engine opens"))
    });
    let mut e = m.lock().unwrap_or_else(|e| e.into_inner());
    e.set_overlay(&[]).expect("empty overlay");
    e
}

fn store(dir: &Path) -> ReviewStore {
    ReviewStore::open(&dir.join("review.db")).expect("store opens")
}

/// Queue titles through the engine, as `match --queue-review` does.
fn queue(engine: &Engine, db: &Path, titles: &[&str]) -> review::QueueReport {
    let ms: Vec<_> = titles.iter().map(|t| engine.match_title(t)).collect();
    review::queue(db, engine, &ms).expect("queue")
}

fn id_of(s: &ReviewStore, title: &str) -> i64 {
    s.candidate_by_title(title)
        .expect("read")
        .unwrap_or_else(|| panic!("{title:?} is queued"))
        .id
}

/// A candidate recorded as is (for titles the engine is sure of, which `queue` skips).
fn record(engine: &Engine, s: &mut ReviewStore, title: &str) -> i64 {
    let m = engine.match_title(title);
    let input = CandidateInput {
        title: m.normalized.clone(),
        example: title.into(),
        core: Some(engine.core_text(title)),
        suggested_role: m.role_code().map(str::to_string),
        suggested_level: m.level_code(),
        suggested_soc: None,
        confidence: m.confidence,
        band: m.band,
        match_type: m.match_type,
        seen: 1,
    };
    s.record_candidates(&[input]).expect("record");
    id_of(s, &m.normalized)
}

/// A role other than SEI.GEN, for tests that need two.
fn other_role(e: &Engine) -> String {
    e.taxonomy()
        .roles()
        .iter()
        .map(|r| r.code.clone())
        .find(|c| c != "SEI.GEN")
        .expect("two roles")
}

fn remap(role: &str, reviewer: &str) -> ApproveArgs {
    ApproveArgs {
        role: Some(role.into()),
        ..ApproveArgs::by(reviewer)
    }
}

fn assert_consistent(s: &ReviewStore) {
    let problems = s.check().expect("check runs");
    assert!(problems.is_empty(), "store problems: {problems:#?}");
}

#[test]
fn unsure_titles_are_queued_counted_and_ranked() {
    let e = engine();
    let dir = common::tempdir();
    let db = dir.path().join("review.db");
    let r = queue(
        &e,
        &db,
        &[
            "Glorbin Flurk III",
            "Registered Nurse",
            "n/a",
            "",
            "Glorbin Flurk III",
            "glorbin-flurk iii!",
            "Quorble Snet",
        ],
    );
    assert_eq!(r.matches, 7);
    assert_eq!(
        r.queued, 4,
        "the confident match, the junk and the empty title are not queued"
    );
    assert_eq!(r.new, 2);
    let mut s = ReviewStore::open(&db).unwrap();
    let all = s.list(&ListFilter::default()).unwrap();
    assert_eq!(
        all.iter()
            .map(|c| (c.title.as_str(), c.count))
            .collect::<Vec<_>>(),
        [("glorbin flurk iii", 3), ("quorble snet", 1)]
    );
    let top = &all[0];
    assert_eq!(top.examples, ["Glorbin Flurk III", "glorbin-flurk iii!"]);
    assert_eq!(
        top.alias.as_deref(),
        Some("glorbin flurk"),
        "the proposed alias has no level words"
    );
    assert_eq!(
        (top.status, top.band, top.match_type.as_deref()),
        (Status::Pending, Some(Band::Low), Some("none"))
    );
    assert!(top.first_seen <= top.last_seen && top.first_seen.ends_with('Z'));
    // Filters.
    assert_eq!(
        s.list(&ListFilter {
            min_count: 2,
            ..ListFilter::default()
        })
        .unwrap()
        .len(),
        1
    );
    assert_eq!(
        s.list(&ListFilter {
            limit: 1,
            ..ListFilter::default()
        })
        .unwrap()
        .len(),
        1
    );
    let dw = record(&e, &mut s, "Data Wrangler");
    let sugg = s.candidate(dw).unwrap().unwrap();
    let fam = sugg
        .suggested_role
        .as_deref()
        .expect("a partial match suggests a role")
        .split('.')
        .next()
        .unwrap()
        .to_string();
    let by_fam = s
        .list(&ListFilter {
            family: Some(fam.to_lowercase()),
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(by_fam.iter().map(|c| c.id).collect::<Vec<_>>(), [dw]);
    assert!(s
        .list(&ListFilter {
            family: Some("ZZZ".into()),
            ..ListFilter::default()
        })
        .unwrap()
        .is_empty());
    let low = s
        .list(&ListFilter {
            band: Some(Band::Low),
            ..ListFilter::default()
        })
        .unwrap();
    assert_eq!(low.len(), 2 + usize::from(sugg.band == Some(Band::Low)));
    assert!(s
        .list(&ListFilter {
            band: Some(Band::High),
            ..ListFilter::default()
        })
        .unwrap()
        .iter()
        .all(|c| c.id == dw));
    assert_consistent(&s);
}

#[test]
fn approving_teaches_the_role_alias_and_the_title_matches_exactly() {
    let mut e = engine();
    let dir = common::tempdir();
    let db = dir.path().join("review.db");
    queue(&e, &db, &["Glorbin Flurk III", "Glorbin Flurk II"]);
    let mut s = ReviewStore::open(&db).unwrap();
    let id = id_of(&s, "glorbin flurk iii");
    let ok = s
        .approve(
            id,
            &ApproveArgs {
                note: Some("our SOC's word".into()),
                ..remap("SEI.GEN", "alice")
            },
            &mut e,
        )
        .unwrap();
    assert_eq!(ok.alias, "glorbin flurk");
    assert_eq!(
        ok.level, None,
        "the level words stay the level reader's job"
    );
    assert_eq!(ok.decision.action, Action::Remap);
    assert_eq!(
        (ok.decision.reviewer.as_str(), ok.decision.note.as_deref()),
        ("alice", Some("our SOC's word"))
    );
    assert_eq!(ok.preview.role_code(), Some("SEI.GEN"));
    for (title, level) in [
        ("Glorbin Flurk III", "P3"),
        ("Glorbin Flurk I", "P1"),
        ("Senior Glorbin Flurk", "P3"),
        ("glorbin flurk", "P2"),
    ] {
        let m = e.match_title(title);
        assert_eq!(m.role_code(), Some("SEI.GEN"), "{title}");
        assert_eq!(m.level_code().as_deref(), Some(level), "{title}");
        assert_eq!(m.explain.stage, "exact", "{title}");
        assert!(
            matches!(m.match_type, MatchType::Exact | MatchType::Alias),
            "{title}"
        );
        assert_eq!(m.explain.approved, Some(true), "{title}");
        assert_eq!(m.explain.alias_type.as_deref(), Some("reviewed"), "{title}");
        assert_eq!(
            m.explain.alias_source.as_deref(),
            Some("review:alice"),
            "{title}"
        );
        assert_eq!(m.band, Band::High, "{title}");
    }
    let c = s.candidate(id).unwrap().unwrap();
    assert_eq!(c.status, Status::Remapped);
    // "Glorbin Flurk II" is answered by the same alias now: hidden from the queue by default.
    let pending = s.list(&ListFilter::default()).unwrap();
    assert!(
        pending.iter().all(|c| c.title != "glorbin flurk ii"),
        "{pending:?}"
    );
    assert!(s
        .list(&ListFilter {
            include_covered: true,
            ..ListFilter::default()
        })
        .unwrap()
        .iter()
        .any(|c| c.title == "glorbin flurk ii"));
    // A fresh engine gets the alias from the store.
    let mut fresh = Engine::builtin().unwrap();
    assert_eq!(fresh.match_title("Glorbin Flurk III").role_code(), None);
    let sync = review::overlay_for(&mut fresh, &db, &Renames::none()).unwrap();
    assert!(sync.is_empty());
    assert_eq!(
        fresh.match_title("Glorbin Flurk III").role_code(),
        Some("SEI.GEN")
    );
    // No suggestion and no --role: nothing to approve.
    let q = record(&e, &mut s, "Quorble Snet");
    assert!(s
        .approve(q, &ApproveArgs::by("bob"), &mut e)
        .unwrap_err()
        .to_string()
        .contains("no suggested role"));
    // The suggestion accepted as is: status approved.
    let vid = record(&e, &mut s, "Data Wrangler");
    let sugg = s.candidate(vid).unwrap().unwrap().suggested_role;
    assert!(sugg.is_some(), "a partial match suggests a role");
    let ok = s.approve(vid, &ApproveArgs::by("bob"), &mut e).unwrap();
    assert_eq!(ok.decision.action, Action::Approve);
    assert_eq!(s.candidate(vid).unwrap().unwrap().status, Status::Approved);
    assert_eq!(Some(ok.role), sugg);
    assert_eq!(
        e.match_title("Data Wrangler").explain.alias_type.as_deref(),
        Some("reviewed")
    );
    assert_consistent(&s);
}

#[test]
fn levels_stay_with_the_level_words_unless_the_whole_title_is_approved() {
    let mut e = engine();
    let dir = common::tempdir();
    let mut s = store(dir.path());
    let id = record(&e, &mut s, "Zorblat Quenter III");
    let err = s
        .approve(
            id,
            &ApproveArgs {
                level: Some("P4".parse().unwrap()),
                ..remap("SEI.GEN", "alice")
            },
            &mut e,
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("read as P3") && err.contains("--whole-title"),
        "{err}"
    );
    assert_eq!(
        s.counts().unwrap().decisions,
        0,
        "a refused level writes nothing"
    );
    // A level that agrees is fine, and not stored.
    let ok = s
        .approve(
            id,
            &ApproveArgs {
                level: Some("P3".parse().unwrap()),
                ..remap("SEI.GEN", "alice")
            },
            &mut e,
        )
        .unwrap();
    assert_eq!(
        (ok.alias.as_str(), ok.level.as_deref()),
        ("zorblat quenter", None)
    );
    s.undo(ok.decision.id, "alice", None).unwrap();
    // The whole title, with its level fixed.
    let ok = s
        .approve(
            id,
            &ApproveArgs {
                level: Some("P4".parse().unwrap()),
                whole_title: true,
                ..remap("SEI.GEN", "alice")
            },
            &mut e,
        )
        .unwrap();
    assert_eq!(
        (ok.alias.as_str(), ok.level.as_deref(), ok.whole_title),
        ("zorblat quenter iii", Some("P4"), true)
    );
    let m = e.match_title("Zorblat Quenter III");
    assert_eq!(
        (m.role_code(), m.level_code().as_deref()),
        (Some("SEI.GEN"), Some("P4"))
    );
    assert_eq!(
        e.match_title("Zorblat Quenter II").role_code(),
        None,
        "only the whole title was taught"
    );
    // A title without level words gets the level on its alias.
    let id = record(&e, &mut s, "Quorble Snet");
    let ok = s
        .approve(
            id,
            &ApproveArgs {
                level: Some("P4".parse().unwrap()),
                ..remap("SEI.GEN", "alice")
            },
            &mut e,
        )
        .unwrap();
    assert_eq!(
        (ok.alias.as_str(), ok.level.as_deref()),
        ("quorble snet", Some("P4"))
    );
    assert_eq!(
        e.match_title("Quorble Snet").level_code().as_deref(),
        Some("P4")
    );
    // Only level words: the whole title or nothing.
    let id = record(&e, &mut s, "Senior III");
    assert!(s
        .approve(id, &remap("SEI.GEN", "alice"), &mut e)
        .unwrap_err()
        .to_string()
        .contains("only level words"));
    assert_consistent(&s);
}

#[test]
fn rejected_candidates_stop_coming_back() {
    let e = engine();
    let dir = common::tempdir();
    let db = dir.path().join("review.db");
    queue(&e, &db, &["Quorble Snet", "Glorbin Flurk"]);
    let mut s = ReviewStore::open(&db).unwrap();
    let id = id_of(&s, "quorble snet");
    let d = s.reject(id, "alice", Some("not a job title")).unwrap();
    assert_eq!(
        (d.action, d.prev_status, d.new_status),
        (Action::Reject, Status::Pending, Status::Rejected)
    );
    drop(s);
    queue(&e, &db, &["Quorble Snet", "quorble snet"]);
    let s = ReviewStore::open(&db).unwrap();
    let c = s.candidate(id).unwrap().unwrap();
    assert_eq!((c.status, c.count), (Status::Rejected, 3));
    assert!(s
        .list(&ListFilter::default())
        .unwrap()
        .iter()
        .all(|c| c.id != id));
    assert_eq!(
        s.list(&ListFilter {
            status: Some(Status::Rejected),
            ..ListFilter::default()
        })
        .unwrap()
        .len(),
        1
    );
    let mut s = s;
    let err = s.reject(id, "bob", None).unwrap_err().to_string();
    assert!(
        err.contains("already rejected") && err.contains(&format!("review undo {}", d.id)),
        "{err}"
    );
    assert_consistent(&s);
}

#[test]
fn an_alias_another_role_owns_is_refused_and_recorded_unless_forced() {
    let mut e = engine();
    let dir = common::tempdir();
    let mut s = store(dir.path());
    // Built-in: "registered nurse" belongs to the nursing role.
    let owner = e
        .match_title("Registered Nurse")
        .role_code()
        .unwrap()
        .to_string();
    let rn = record(&e, &mut s, "Registered Nurse");
    let err = s
        .approve(rn, &remap("SEI.GEN", "mallory"), &mut e)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("already belongs to") && err.contains(&owner) && err.contains("--force"),
        "{err}"
    );
    let h = s
        .history(&HistoryFilter {
            candidate: Some(rn),
            ..HistoryFilter::default()
        })
        .unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (
            h[0].action,
            h[0].conflict_role.as_deref(),
            h[0].reviewer.as_str()
        ),
        (Action::Refuse, Some(owner.as_str()), "mallory")
    );
    assert_eq!(s.candidate(rn).unwrap().unwrap().status, Status::Pending);
    assert_eq!(
        e.match_title("Registered Nurse").role_code(),
        Some(owner.as_str())
    );
    assert!(s
        .undo(h[0].id, "mallory", None)
        .unwrap_err()
        .to_string()
        .contains("nothing to undo"));
    // Forced: recorded with what it overrode.
    let ok = s
        .approve(
            rn,
            &ApproveArgs {
                force: true,
                ..remap("SEI.GEN", "mallory")
            },
            &mut e,
        )
        .unwrap();
    assert!(ok.decision.forced);
    assert_eq!(ok.decision.conflict_role.as_deref(), Some(owner.as_str()));
    assert_eq!(
        e.match_title("Registered Nurse").role_code(),
        Some("SEI.GEN")
    );
    // Approved by a reviewer: same alias for another role.
    let other = other_role(&e);
    let a = record(&e, &mut s, "Glorbin Flurk III");
    let b = record(&e, &mut s, "Glorbin Flurk II");
    s.approve(a, &remap("SEI.GEN", "alice"), &mut e).unwrap();
    let err = s
        .approve(b, &remap(&other, "bob"), &mut e)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("\"glorbin flurk\" already belongs to SEI.GEN") && err.contains("decision"),
        "{err}"
    );
    // Same role: fine.
    let c = record(&e, &mut s, "Glorbin Flurk IV");
    s.approve(c, &remap("SEI.GEN", "bob"), &mut e).unwrap();
    // Forced over a reviewer's alias: the other candidates lose it and are pending again.
    let ok = s
        .approve(
            b,
            &ApproveArgs {
                force: true,
                note: Some("theirs now".into()),
                ..remap(&other, "bob")
            },
            &mut e,
        )
        .unwrap();
    let mut lost = ok.superseded.clone();
    lost.sort();
    assert_eq!(lost, [a, c]);
    for id in [a, c] {
        let cand = s.candidate(id).unwrap().unwrap();
        assert_eq!(cand.status, Status::Pending);
        assert!(
            cand.note
                .as_deref()
                .unwrap()
                .contains(&format!("taken over by {other}")),
            "{cand:?}"
        );
    }
    assert_eq!(
        e.match_title("Glorbin Flurk III").role_code(),
        Some(other.as_str())
    );
    assert_eq!(
        s.aliases()
            .unwrap()
            .iter()
            .filter(|x| x.alias == "glorbin flurk")
            .count(),
        1
    );
    assert_consistent(&s);
}

#[test]
fn undo_writes_a_new_decision_and_reverses_only_the_latest() {
    let mut e = engine();
    let dir = common::tempdir();
    let mut s = store(dir.path());
    let id = record(&e, &mut s, "Glorbin Flurk III");
    let ok = s.approve(id, &remap("SEI.GEN", "alice"), &mut e).unwrap();
    let first = ok.decision.id;
    let u = s.undo(first, "bob", Some("wrong role")).unwrap();
    assert_eq!(
        (u.action, u.reverses, u.prev_status, u.new_status),
        (Action::Undo, Some(first), Status::Remapped, Status::Pending)
    );
    assert_eq!(u.reviewer, "bob");
    assert!(s.aliases().unwrap().is_empty());
    s.refresh_overlay(&mut e).unwrap();
    assert_eq!(e.match_title("Glorbin Flurk III").role_code(), None);
    let err = s.undo(first, "bob", None).unwrap_err().to_string();
    assert!(
        err.contains("not the latest") && err.contains(&u.id.to_string()),
        "{err}"
    );
    // Undo the undo: approved again, as a new alias row.
    let r = s.undo(u.id, "alice", None).unwrap();
    assert_eq!(r.new_status, Status::Remapped);
    s.refresh_overlay(&mut e).unwrap();
    assert_eq!(
        e.match_title("Glorbin Flurk III").role_code(),
        Some("SEI.GEN")
    );
    let h = s
        .history(&HistoryFilter {
            candidate: Some(id),
            ..HistoryFilter::default()
        })
        .unwrap();
    assert_eq!(
        h.iter().map(|d| d.action).collect::<Vec<_>>(),
        [Action::Remap, Action::Undo, Action::Undo]
    );
    assert!(s
        .undo(999, "bob", None)
        .unwrap_err()
        .to_string()
        .contains("no decision 999"));
    // Reject, then undo: pending again.
    let v = record(&e, &mut s, "Quorble Snet");
    let d = s.reject(v, "alice", None).unwrap();
    s.undo(d.id, "alice", None).unwrap();
    assert_eq!(s.candidate(v).unwrap().unwrap().status, Status::Pending);
    assert_consistent(&s);
}

#[test]
fn renamed_roles_carry_aliases_and_removed_roles_send_them_back_to_review() {
    let mut e = engine();
    let dir = common::tempdir();
    let mut s = store(dir.path());
    let other = other_role(&e);
    let a = record(&e, &mut s, "Glorbin Flurk III");
    let b = record(&e, &mut s, "Quorble Snet");
    s.approve(a, &remap("SEI.GEN", "alice"), &mut e).unwrap();
    s.approve(b, &remap(&other, "alice"), &mut e).unwrap();
    // The next taxonomy: SEI.GEN renamed to SEI.ENG, the other role gone.
    let roles: Vec<_> = e
        .taxonomy()
        .roles()
        .iter()
        .filter(|r| r.code != other)
        .cloned()
        .map(|mut r| {
            if r.code == "SEI.GEN" {
                r.code = "SEI.ENG".into();
            }
            r
        })
        .collect();
    let next = Taxonomy::new(roles);
    let renames =
        Renames::parse("old_code,new_code,note\nSEI.GEN,SEI.ENG,split by specialty\n").unwrap();
    let rep = s.sync(&renames, &next).unwrap();
    assert_eq!(rep.renamed.len(), 1);
    assert_eq!(
        (
            rep.renamed[0].alias.as_str(),
            rep.renamed[0].to_role.as_deref()
        ),
        ("glorbin flurk", Some("SEI.ENG"))
    );
    assert_eq!(rep.orphaned.len(), 1);
    assert_eq!(rep.orphaned[0].candidate_id, b);
    let aliases = s.aliases().unwrap();
    assert_eq!(
        aliases
            .iter()
            .map(|x| (x.alias.as_str(), x.role.as_str(), x.reviewer.as_str()))
            .collect::<Vec<_>>(),
        [("glorbin flurk", "SEI.ENG", "alice")]
    );
    assert_eq!(s.candidate(a).unwrap().unwrap().status, Status::Remapped);
    let orphan = s.candidate(b).unwrap().unwrap();
    assert_eq!(orphan.status, Status::Pending);
    assert!(
        orphan
            .note
            .as_deref()
            .unwrap()
            .contains(&format!("{other} is no longer in the taxonomy")),
        "{orphan:?}"
    );
    let h = s
        .history(&HistoryFilter {
            reviewer: Some(review::SYSTEM_REVIEWER.into()),
            ..HistoryFilter::default()
        })
        .unwrap();
    let mut acts: Vec<Action> = h.iter().map(|d| d.action).collect();
    acts.sort_by_key(|a| a.as_str());
    assert_eq!(acts, [Action::Orphan, Action::Rename]);
    assert!(h.iter().any(|d| d
        .note
        .as_deref()
        .is_some_and(|n| n.contains("split by specialty"))));
    // Nothing more to do the second time.
    assert!(s.sync(&renames, &next).unwrap().is_empty());
    assert_eq!(s.counts().unwrap().decisions, 4);
    assert_consistent(&s);
}

#[test]
fn reviewer_names_and_notes_are_required_and_bounded() {
    let mut e = engine();
    let dir = common::tempdir();
    let mut s = store(dir.path());
    let id = record(&e, &mut s, "Quorble Snet");
    assert!(s
        .reject(id, " ", None)
        .unwrap_err()
        .to_string()
        .contains("reviewer name is required"));
    assert!(s
        .approve(id, &remap("SEI.GEN", ""), &mut e)
        .unwrap_err()
        .to_string()
        .contains("reviewer name is required"));
    assert!(s.reject(id, &"r".repeat(65), None).is_err());
    assert!(s
        .reject(id, "titlematch", None)
        .unwrap_err()
        .to_string()
        .contains("reserved"));
    assert!(s
        .reject(id, "alice", Some(&"n".repeat(2001)))
        .unwrap_err()
        .to_string()
        .contains("note is longer"));
    assert!(s
        .approve(id, &remap("NOT.ARL", "alice"), &mut e)
        .unwrap_err()
        .to_string()
        .contains("unknown role code"));
    assert!(s
        .approve(424242, &remap("SEI.GEN", "alice"), &mut e)
        .unwrap_err()
        .to_string()
        .contains("no candidate 424242"));
    assert_eq!(s.counts().unwrap().decisions, 0);
    let evil = "Robert'); DROP TABLE decisions;--";
    let d = s.reject(id, evil, Some(evil)).unwrap();
    assert_eq!((d.reviewer.as_str(), d.note.as_deref()), (evil, Some(evil)));
    assert_consistent(&s);
}

#[test]
fn export_edit_import_round_trip() {
    let mut e = engine();
    let dir = common::tempdir();
    let db = dir.path().join("review.db");
    let other = other_role(&e);
    queue(
        &e,
        &db,
        &[
            "Glorbin Flurk III",
            "Quorble Snet",
            "Zorblat Quenter",
            "Plinth Warbo",
            "Plinth Warbo",
        ],
    );
    let mut s = ReviewStore::open(&db).unwrap();
    let mut csv_out = Vec::new();
    let n = s
        .export(
            &ListFilter {
                limit: 0,
                ..ListFilter::default()
            },
            review::ExportFormat::Csv,
            &mut csv_out,
        )
        .unwrap();
    assert_eq!(n, 4);
    let text = String::from_utf8(csv_out).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        review::EXPORT_COLUMNS
    );
    // The reviewer fills in the decision columns in a spreadsheet.
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(rdr.headers().unwrap()).unwrap();
    for r in rdr.records() {
        let mut r: Vec<String> = r.unwrap().iter().map(str::to_string).collect();
        let (dec, role, note) = match r[1].as_str() {
            "glorbin flurk iii" => ("remap", "SEI.GEN", "SOC word"),
            "quorble snet" => ("reject", "", "not a title"),
            "plinth warbo" => ("approve", other.as_str(), ""),
            _ => ("", "", ""),
        };
        r[15] = dec.into();
        r[16] = role.into();
        r[19] = note.into();
        w.write_record(&r).unwrap();
    }
    // Plus rows by title, one of them not in the queue, and broken ones.
    w.write_record([
        "",
        "Snorkel Varp",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "approve",
        "SEI.GEN",
        "",
        "",
        "",
    ])
    .unwrap();
    w.write_record([
        "x", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "approve", "", "", "", "",
    ])
    .unwrap();
    w.write_record([
        "",
        "Quorble Snet",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "maybe",
        "",
        "",
        "",
        "",
    ])
    .unwrap();
    let edited = w.into_inner().unwrap();
    let mut calls = 0;
    let r = s
        .import_decisions(edited.as_slice(), "carol", &mut e, &mut |_| calls += 1)
        .unwrap();
    assert_eq!(
        (
            r.rows,
            r.approved + r.remapped,
            r.rejected,
            r.skipped,
            r.failed
        ),
        (7, 3, 1, 1, 2),
        "{r:#?}"
    );
    assert!(calls >= 1);
    let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [7, 8], "{r:#?}");
    assert!(r.errors[0].message.contains("\"x\" is not a number"));
    assert!(r.errors[1].message.contains("unknown decision \"maybe\""));
    assert_eq!(
        e.match_title("Glorbin Flurk III").role_code(),
        Some("SEI.GEN")
    );
    assert_eq!(e.match_title("Snorkel Varp").role_code(), Some("SEI.GEN"));
    assert_eq!(
        e.match_title("Plinth Warbo").role_code(),
        Some(other.as_str())
    );
    assert_eq!(
        s.candidate(id_of(&s, "quorble snet"))
            .unwrap()
            .unwrap()
            .status,
        Status::Rejected
    );
    let h = s.history(&HistoryFilter::default()).unwrap();
    assert!(h.iter().all(|d| d.reviewer == "carol"));
    assert_eq!(h.len(), 4);
    // Running the same file again changes nothing.
    let again = s
        .import_decisions(edited.as_slice(), "carol", &mut e, &mut |_| ())
        .unwrap();
    assert_eq!(
        (
            again.already,
            again.approved + again.remapped + again.rejected
        ),
        (4, 0),
        "{again:#?}"
    );
    assert_eq!(s.counts().unwrap().decisions, 4);
    // A file without a decision column is refused before anything is written.
    let err = s
        .import_decisions("id,title\n1,x\n".as_bytes(), "carol", &mut e, &mut |_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no `decision` column"), "{err}");
    assert_consistent(&s);
}

#[test]
fn approved_aliases_export_as_data_in_the_role_files_form() {
    let mut e = engine();
    let dir = common::tempdir();
    let mut s = store(dir.path());
    let a = record(&e, &mut s, "Glorbin Flurk III");
    let b = record(&e, &mut s, "Zorblat Quenter III");
    s.approve(a, &remap("SEI.GEN", "alice"), &mut e).unwrap();
    s.approve(
        b,
        &ApproveArgs {
            whole_title: true,
            level: Some("P4".parse().unwrap()),
            ..remap("SEI.GEN", "bob")
        },
        &mut e,
    )
    .unwrap();
    let text = s.export_aliases_as_data(Some(e.taxonomy())).unwrap();
    assert_eq!(
        text,
        s.export_aliases_as_data(Some(e.taxonomy())).unwrap(),
        "deterministic"
    );
    let v: toml::Value = toml::from_str(&text).expect("valid TOML");
    let blocks = v["reviewed"].as_array().unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0]["code"].as_str(), Some("SEI.GEN"));
    assert_eq!(
        blocks[0]["file"].as_str(),
        Some(format!("data/{}", e.taxonomy().get("SEI.GEN").unwrap().file).as_str())
    );
    let aliases = blocks[0]["aliases"].as_array().unwrap();
    let got: Vec<(&str, &str, Option<&str>)> = aliases
        .iter()
        .map(|x| {
            (
                x["alias"].as_str().unwrap(),
                x["source"].as_str().unwrap(),
                x.get("level").and_then(|l| l.as_str()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("glorbin flurk", "review:alice", None),
            ("zorblat quenter iii", "review:bob", Some("P4"))
        ]
    );
    for x in aliases {
        assert_eq!(x["type"].as_str(), Some("reviewed"));
        assert_eq!(x["approved"].as_bool(), Some(true));
    }
}

#[test]
fn the_store_path_is_created_and_a_newer_schema_is_refused_clearly() {
    let dir = common::tempdir();
    let p = dir.path().join("deep/er/review.db");
    let s = ReviewStore::open(&p).unwrap();
    assert_eq!(s.schema_version().unwrap(), review::SCHEMA_VERSION);
    assert!(p.exists());
    let err = ReviewStore::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("is a folder"), "{err}");
}

// ---- The binary ------------------------------------------------------------------------------

fn tm(dir: &Path, args: &[&str]) -> Output {
    common::run_in(dir, args)
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        common::stdout(o),
        common::stderr(o)
    );
    common::stdout(o)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).expect("JSON output")
}

#[test]
fn cli_from_queue_to_approved_match() {
    let dir = common::tempdir();
    let d = dir.path();
    ok(&tm(
        d,
        &[
            "match",
            "--queue-review",
            "Glorbin Flurk III",
            "Glorbin Flurk III",
            "Registered Nurse",
            "Quorble Snet",
        ],
    ));
    assert!(
        d.join("index/review.db").exists(),
        "default store under index/"
    );
    let list = tm(d, &["review", "list"]);
    let text = ok(&list);
    assert!(
        text.contains("glorbin flurk iii -> \"glorbin flurk\""),
        "{text}"
    );
    let rows = json(&tm(d, &["review", "list", "--json"]));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["title"].as_str(), rows[0]["count"].as_u64()),
        (Some("glorbin flurk iii"), Some(2))
    );
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    let vid = rows[1]["id"].as_i64().unwrap().to_string();
    // A decision needs a reviewer.
    let o = tm(d, &["review", "approve", &id, "--role", "SEI.GEN"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("--reviewer"),
        "{}",
        common::stderr(&o)
    );
    let o = tm(
        d,
        &[
            "review",
            "approve",
            &id,
            "--role",
            "SEI.GEN",
            "--reviewer",
            "alice",
            "--note",
            "our word for security engineers",
        ],
    );
    let text = ok(&o);
    assert!(
        text.contains("alias \"glorbin flurk\" -> SEI.GEN"),
        "{text}"
    );
    assert!(
        text.contains("now \"Glorbin Flurk III\" -> SEI.GEN P3"),
        "{text}"
    );
    ok(&tm(
        d,
        &[
            "review",
            "reject",
            &vid,
            "--reviewer",
            "alice",
            "--note",
            "not a job title",
        ],
    ));
    // The next match is an approved exact alias, without a rebuild.
    let m = json(&tm(d, &["match", "--json", "Glorbin Flurk III"]));
    assert_eq!(m["role"]["code"], "SEI.GEN");
    assert_eq!(m["level"]["code"], "P3");
    assert_eq!(m["explain"]["approved"], true);
    assert_eq!(m["explain"]["stage"], "exact");
    assert_eq!(m["explain"]["alias_type"], "reviewed");
    // History, filtered and as JSON.
    let h = json(&tm(
        d,
        &["review", "history", "--json", "--alias", "Glorbin Flurk"],
    ));
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(
        (
            h[0]["action"].as_str(),
            h[0]["reviewer"].as_str(),
            h[0]["role"].as_str()
        ),
        (Some("remap"), Some("alice"), Some("SEI.GEN"))
    );
    let all = ok(&tm(d, &["review", "history"]));
    assert!(
        all.contains("reject") && all.contains("not a job title"),
        "{all}"
    );
    // Undo, and the match goes back.
    let did = h[0]["id"].as_i64().unwrap().to_string();
    let text = ok(&tm(d, &["review", "undo", &did, "--reviewer", "bob"]));
    assert!(
        text.contains(&format!("reverses decision {did}")) && text.contains("pending again"),
        "{text}"
    );
    let m = json(&tm(d, &["match", "--json", "Glorbin Flurk III"]));
    assert_eq!(m["role"], serde_json::Value::Null);
    ok(&tm(
        d,
        &[
            "review",
            "approve",
            &id,
            "--role",
            "SEI.GEN",
            "--reviewer",
            "alice",
        ],
    ));
    // Export for data.
    let data = ok(&tm(d, &["review", "export", "--approved", "--as-data"]));
    let v: toml::Value = toml::from_str(&data).expect("TOML");
    assert_eq!(
        v["reviewed"][0]["aliases"][0]["alias"].as_str(),
        Some("glorbin flurk")
    );
    let text = ok(&tm(d, &["review", "check"]));
    assert!(
        text.contains("ok") && text.contains("1 approved aliases"),
        "{text}"
    );
}

#[test]
fn cli_export_import_and_store_paths() {
    let dir = common::tempdir();
    let d = dir.path();
    let db = d.join("elsewhere/queue.db");
    let dbs = db.to_str().unwrap();
    ok(&tm(
        d,
        &[
            "match",
            "--queue-review",
            "--review-db",
            dbs,
            "Quorble Snet",
            "Glorbin Flurk",
            "Quorble Snet",
        ],
    ));
    assert!(db.exists() && !d.join("index/review.db").exists());
    // Reading commands do not create a store.
    let o = tm(d, &["review", "list"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("no review database"),
        "{}",
        common::stderr(&o)
    );
    // The environment variable names the store too.
    let o = Command::new(common::bin())
        .args(["review", "list", "--json"])
        .current_dir(d)
        .env_remove("TITLEMATCH_DATA")
        .env_remove("TITLEMATCH_INDEX")
        .env("TITLEMATCH_REVIEW_DB", dbs)
        .output()
        .unwrap();
    assert_eq!(json(&o).as_array().unwrap().len(), 2);
    let csv_text = ok(&tm(
        d,
        &["review", "export", "--format", "csv", "--review-db", dbs],
    ));
    assert!(csv_text.starts_with("id,title,alias,count"), "{csv_text}");
    let mut out = String::new();
    for (i, line) in csv_text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else if line.contains(",quorble snet,") {
            out.push_str(&format!(
                "{}reject,,,,a meme",
                line.trim_end_matches(",,,,")
            ));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    std::fs::write(d.join("decisions.csv"), &out).unwrap();
    let o = tm(
        d,
        &[
            "review",
            "import",
            "decisions.csv",
            "--reviewer",
            "alice",
            "--review-db",
            dbs,
        ],
    );
    let text = ok(&o);
    assert!(
        text.contains("2 rows: 0 approved, 0 remapped, 1 rejected, 0 already decided, 1 skipped"),
        "{text}"
    );
    let o = tm(
        d,
        &[
            "review",
            "import",
            "decisions.csv",
            "--reviewer",
            "alice",
            "--review-db",
            dbs,
        ],
    );
    assert!(ok(&o).contains("1 already decided"));
    let h = json(&tm(d, &["review", "history", "--json", "--review-db", dbs]));
    assert_eq!(h[0]["note"], "a meme");
    let j = json(&tm(
        d,
        &[
            "review",
            "export",
            "--format",
            "json",
            "--status",
            "all",
            "--review-db",
            dbs,
        ],
    ));
    assert_eq!(j.as_array().unwrap().len(), 2);
    // A bad row makes the exit code 1 and names the line.
    std::fs::write(d.join("bad.csv"), "id,decision\n999,approve\n").unwrap();
    let o = tm(
        d,
        &[
            "review",
            "import",
            "bad.csv",
            "--reviewer",
            "alice",
            "--review-db",
            dbs,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        common::stderr(&o).contains("bad.csv:2: no candidate 999"),
        "{}",
        common::stderr(&o)
    );
}

/// Prepare a folder with its own copy of the data (others may edit the repository's while
/// tests run), its index built, and `n` pending candidates in `review.db`.
fn prepared(n: usize, prefix: &str) -> (tempfile::TempDir, Vec<i64>) {
    let dir = common::tempdir();
    common::copy_dir(&common::repo().join("data"), &dir.path().join("data"));
    ok(&tm(
        dir.path(),
        &["build", "--data", "data", "--index", "index"],
    ));
    let mut s = store(dir.path());
    let inputs: Vec<CandidateInput> = (0..n)
        .map(|i| CandidateInput {
            title: format!("{prefix} zq{}", word(i)),
            example: format!("{prefix} zq{}", word(i)),
            core: None,
            suggested_role: Some("SEI.GEN".into()),
            suggested_level: Some("P2".into()),
            suggested_soc: None,
            confidence: 0.3,
            band: Band::Low,
            match_type: MatchType::Partial,
            seen: 1,
        })
        .collect();
    s.record_candidates(&inputs).unwrap();
    let all = s
        .list(&ListFilter {
            status: None,
            limit: 0,
            include_covered: true,
            ..ListFilter::default()
        })
        .unwrap();
    let by_title: std::collections::HashMap<&str, i64> =
        all.iter().map(|c| (c.title.as_str(), c.id)).collect();
    let ids = inputs.iter().map(|c| by_title[c.title.as_str()]).collect();
    (dir, ids)
}

/// A letters-only word for `i` (digits would be read as noise or levels).
fn word(mut i: usize) -> String {
    let mut w = String::new();
    loop {
        w.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            return w;
        }
    }
}

fn review_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(common::bin());
    c.arg("review")
        .args(args)
        .args(["--review-db", "review.db"]);
    if matches!(args.first(), Some(&"approve" | &"import")) {
        c.args(["--data", "data", "--index", "index"]);
    }
    c.current_dir(dir)
        .env_remove("TITLEMATCH_DATA")
        .env_remove("TITLEMATCH_INDEX")
        .env_remove("TITLEMATCH_REVIEW_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

#[test]
fn concurrent_approvals_from_several_processes_lose_no_decision() {
    const N: usize = 6;
    let (dir, ids) = prepared(N + 1, "glorbin");
    let d = dir.path();
    // N reviewers approve N different candidates at the same time.
    let children: Vec<_> = ids[..N]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            review_cmd(
                d,
                &[
                    "approve",
                    &id.to_string(),
                    "--reviewer",
                    &format!("reviewer{i}"),
                    "--note",
                    "concurrent",
                ],
            )
            .spawn()
            .unwrap()
        })
        .collect();
    for c in children {
        ok(&c.wait_with_output().unwrap());
    }
    // N reviewers decide the same candidate at once: exactly one wins, the others are told.
    let last = ids[N].to_string();
    let children: Vec<_> = (0..N)
        .map(|i| {
            let who = format!("racer{i}");
            if i % 2 == 0 {
                review_cmd(d, &["approve", &last, "--reviewer", &who])
            } else {
                review_cmd(d, &["reject", &last, "--reviewer", &who])
            }
            .spawn()
            .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let wins = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        wins,
        1,
        "{:#?}",
        outs.iter().map(common::stderr).collect::<Vec<_>>()
    );
    for o in outs.iter().filter(|o| !o.status.success()) {
        let e = common::stderr(o);
        assert!(
            e.contains("already") || e.contains("decided meanwhile"),
            "{e}"
        );
    }
    let s = store(d);
    let c = s.counts().unwrap();
    assert_eq!(c.decisions, N as u64 + 1);
    let h = s.history(&HistoryFilter::default()).unwrap();
    let mut who: Vec<&str> = h
        .iter()
        .filter(|x| x.note.as_deref() == Some("concurrent"))
        .map(|x| x.reviewer.as_str())
        .collect();
    who.sort();
    assert_eq!(
        who,
        (0..N).map(|i| format!("reviewer{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        c.aliases as usize,
        N + usize::from(s.candidate(ids[N]).unwrap().unwrap().status.has_alias())
    );
    assert_consistent(&s);
}

#[test]
fn a_bulk_import_killed_mid_write_leaves_a_consistent_database() {
    const ROWS: usize = 50_000;
    let (dir, ids) = prepared(ROWS, "florbix");
    let d = dir.path();
    // Every tenth row approves (engine work per row), the rest reject.
    let mut csv_text = String::from("id,decision,role,note\n");
    for (i, id) in ids.iter().enumerate() {
        if i % 10 == 0 {
            csv_text.push_str(&format!("{id},approve,SEI.GEN,bulk\n"));
        } else {
            csv_text.push_str(&format!("{id},reject,,bulk\n"));
        }
    }
    std::fs::write(d.join("big.csv"), &csv_text).unwrap();
    // Three times: start the import, wait until a few more batches are committed, then kill -9
    // (SIGKILL) it wherever it is, and check the file. Each run picks up where the last left.
    let mut decided = 0;
    for round in 1..=3 {
        let mut child = review_cmd(d, &["import", "big.csv", "--reviewer", "bulk"])
            .spawn()
            .unwrap();
        let watcher = ReviewStore::open(&d.join("review.db")).unwrap();
        let start = Instant::now();
        let goal = decided + 3 * review::IMPORT_BATCH as u64 + round;
        while watcher.counts().unwrap().decisions < goal {
            assert!(
                child.try_wait().unwrap().is_none(),
                "the import ended before it could be killed"
            );
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "the import made no progress"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        // Land at a different point of the work each round (planning, writing, committing).
        std::thread::sleep(Duration::from_millis(7 * round * round));
        child.kill().unwrap();
        assert!(!child.wait().unwrap().success(), "killed, not finished");
        drop(watcher);
        // The file itself: SQLite's own check, through a plain connection.
        let conn = rusqlite::Connection::open(d.join("review.db")).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        drop(conn);
        // The store's invariants: every decided candidate has its decision row, every approval
        // its alias, and no half-written batch.
        let s = store(d);
        assert_consistent(&s);
        let c = s.counts().unwrap();
        assert!((c.decisions as usize) < ROWS, "killed mid-way: {c:?}");
        let approved = c.candidates.get("approved").copied().unwrap_or(0);
        decided = c.candidates.get("rejected").copied().unwrap_or(0) + approved;
        assert_eq!(
            decided, c.decisions,
            "one decision per decided candidate: {c:?}"
        );
        assert!(decided >= goal, "{c:?}");
        assert_eq!(c.aliases, approved);
        assert_eq!(
            decided % review::IMPORT_BATCH as u64,
            0,
            "whole batches or nothing: {c:?}"
        );
        eprintln!("round {round}: killed the import after {decided} of {ROWS} decisions ({approved} approvals)");
    }
    // The same file again picks up where the kill left off: the decided rows are recognised.
    let head: String = csv_text
        .lines()
        .take(1 + decided as usize + review::IMPORT_BATCH)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(d.join("head.csv"), head).unwrap();
    let text = ok(
        &review_cmd(d, &["import", "head.csv", "--reviewer", "bulk"])
            .output()
            .unwrap(),
    );
    assert!(
        text.contains(&format!("{decided} already decided")) && text.contains(" 0 failed"),
        "{text}"
    );
    let s = store(d);
    assert_eq!(
        s.counts().unwrap().decisions,
        decided + review::IMPORT_BATCH as u64
    );
    assert_consistent(&s);
}
