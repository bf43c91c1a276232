//! Decisions: approve (or remap), reject, undo, and following the taxonomy (renames, roles
//! that disappeared). Each one is a single transaction that writes its decision row, the alias
//! changes and the candidate's new status together, or nothing.

use super::store::{decision_by_id, latest_decision, NOW};
use super::{
    check_note, check_reviewer, Action, ApproveArgs, Decision, Renames, ReviewStore, Status,
    SYSTEM_REVIEWER,
};
use crate::engine::{Engine, MatchOptions, OverlayAlias};
use crate::error::{Error, Result};
use crate::level::LevelCode;
use crate::limits::MAX_TOP;
use crate::matching::{Match, MatchType};
use crate::normalize::join;
use crate::taxonomy::Taxonomy;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::path::Path;

/// The outcome of [`ReviewStore::approve`].
#[derive(Debug, Clone, Serialize)]
pub struct Approval {
    /// The decision written.
    pub decision: Decision,
    /// The alias now approved (normalized text).
    pub alias: String,
    /// Its role.
    pub role: String,
    /// The level fixed on the alias (whole-title approvals, or a title without level words
    /// approved with a level); `None` when the title's level words decide.
    pub level: Option<String>,
    /// The whole title is the alias.
    pub whole_title: bool,
    /// Candidates whose alias this approval took over (`force`), now pending again.
    pub superseded: Vec<i64>,
    /// How the candidate's first example matches with the alias installed.
    pub preview: Match,
}

/// One alias moved by [`ReviewStore::sync`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncChange {
    /// The decision that recorded it.
    pub decision_id: i64,
    /// The candidate.
    pub candidate_id: i64,
    /// The alias.
    pub alias: String,
    /// The role code it had.
    pub from_role: String,
    /// The role code it has now (`None`: back to review).
    pub to_role: Option<String>,
}

/// What [`ReviewStore::sync`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// Aliases that followed a renamed role.
    pub renamed: Vec<SyncChange>,
    /// Aliases whose role disappeared, sent back to review.
    pub orphaned: Vec<SyncChange>,
    /// Pending candidates whose suggested role was renamed.
    pub suggestions_updated: usize,
}

impl SyncReport {
    /// Nothing changed.
    pub fn is_empty(&self) -> bool {
        self.renamed.is_empty() && self.orphaned.is_empty() && self.suggestions_updated == 0
    }
}

/// An approval worked out against the engine, not yet written.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    candidate_id: i64,
    role: String,
    remap: bool,
    alias: String,
    level: Option<LevelCode>,
    whole: bool,
    builtin_owner: Option<(String, String)>,
    preview: Match,
    reviewer: String,
    note: Option<String>,
    force: bool,
}

impl Plan {
    /// The approval is with another role than the suggestion.
    pub(super) fn is_remap(&self) -> bool {
        self.remap
    }
}

/// What writing a plan did.
#[derive(Debug)]
pub(super) enum Outcome {
    Approved {
        decision_id: i64,
        superseded: Vec<i64>,
    },
    Refused {
        message: String,
    },
}

/// An active alias with its candidate's status, as `sync` reads it.
struct ActiveRow {
    id: i64,
    alias: String,
    role: String,
    level: Option<String>,
    whole: bool,
    candidate: i64,
    reviewer: String,
    status: String,
}

struct Active {
    id: i64,
    role: String,
    level: Option<String>,
    candidate_id: i64,
    added_by: i64,
    reviewer: String,
}

fn sql_err(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::Review {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

impl ReviewStore {
    /// Approve candidate `id`: its alias becomes an exact match for `args.role` (or the
    /// suggested role) from then on.
    ///
    /// The alias is the title without its level words ("Cyber Defender III" teaches "cyber
    /// defender"; the level reader keeps reading "III"), unless `args.whole_title`. A `level`
    /// that disagrees with the title's level words is refused unless the whole title is
    /// approved (a title without level words gets the level fixed on its alias).
    ///
    /// Refused, with a clear message: a role the engine does not know; a candidate already
    /// decided (undo first); an alias another role owns, built in or approved, unless
    /// `args.force` (the refusal is recorded as a [`Action::Refuse`] decision, and a forced
    /// approval records the role it overrode); an alias that would not change how the title
    /// matches. On return the engine's overlay holds the store's approved aliases.
    pub fn approve(
        &mut self,
        id: i64,
        args: &ApproveArgs,
        engine: &mut Engine,
    ) -> Result<Approval> {
        let res = self.plan_approval(id, args, engine).and_then(|plan| {
            let path = self.path.clone();
            let err = sql_err(&path);
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(&err)?;
            let outcome = write_approval(&tx, &path, &plan)?;
            tx.commit().map_err(&err)?;
            self.approval(plan, outcome)
        });
        self.refresh_overlay(engine)?;
        res
    }

    pub(super) fn approval(&self, plan: Plan, outcome: Outcome) -> Result<Approval> {
        match outcome {
            Outcome::Refused { message } => Err(Error::Invalid(message)),
            Outcome::Approved {
                decision_id,
                superseded,
            } => {
                let decision = self.decision(decision_id)?.ok_or_else(|| Error::Review {
                    path: self.path.clone(),
                    message: format!("decision {decision_id} vanished"),
                })?;
                Ok(Approval {
                    decision,
                    alias: plan.alias,
                    role: plan.role,
                    level: plan.level.map(|l| l.to_string()),
                    whole_title: plan.whole,
                    superseded,
                    preview: plan.preview,
                })
            }
        }
    }

    /// Work an approval out against the engine: role, alias, level, owners, preview. Writes
    /// nothing; leaves the engine's overlay holding only the new alias.
    pub(super) fn plan_approval(
        &self,
        id: i64,
        args: &ApproveArgs,
        engine: &mut Engine,
    ) -> Result<Plan> {
        let reviewer = check_reviewer(&args.reviewer)?;
        let note = check_note(args.note.as_deref())?;
        let c = self.candidate(id)?.ok_or_else(|| {
            Error::Invalid(format!("no candidate {id} (see `titlematch review list`)"))
        })?;
        if c.status != Status::Pending {
            return Err(self.already(&c.title, id, c.status)?);
        }
        let role = match args.role.as_deref().map(str::trim) {
            Some(r) => r.to_ascii_uppercase(),
            None => c.suggested_role.clone().ok_or_else(|| {
                Error::Invalid(format!(
                    "candidate {id} ({:?}) has no suggested role: give one with --role",
                    c.title
                ))
            })?,
        };
        if engine.taxonomy().get(&role).is_none() {
            let hint = if args.role.is_none() {
                " (the suggestion is out of date: give --role)"
            } else {
                ""
            };
            return Err(Error::Invalid(format!(
                "unknown role code {role:?}{hint}; see `titlematch roles` for the list"
            )));
        }
        let remap = c.suggested_role.as_deref() != Some(role.as_str());
        let example = c
            .examples
            .first()
            .cloned()
            .unwrap_or_else(|| c.title.clone());
        let n = engine.normalizer().normalize(&c.title);
        let whole_text = join(n.content());
        let core = engine.core_text(&c.title);
        let mut whole = args.whole_title;
        if whole_text.is_empty() {
            return Err(Error::Invalid(format!(
                "candidate {id} ({:?}) has no words left to approve as an alias",
                c.title
            )));
        }
        if core.is_empty() && !whole {
            return Err(Error::Invalid(format!(
                "{:?} is only level words: approve it with --whole-title (and --level)",
                c.title
            )));
        }
        let overlay = |alias: &str, level: Option<LevelCode>| OverlayAlias {
            alias: alias.to_string(),
            role: role.clone(),
            level,
            reviewer: reviewer.clone(),
        };
        // The level the title's words give on this role, with the role alias installed.
        let mut read_level = None;
        if !core.is_empty() {
            engine.set_overlay(&[overlay(&core, None)])?;
            let m = engine.match_title(&example);
            if m.role_code() == Some(role.as_str()) {
                read_level = m.level.as_ref().map(|l| l.code);
            }
        }
        if let Some(want) = args.level {
            if Some(want) != read_level && !whole {
                if core == whole_text {
                    // No level words: the only way to say "this title is P3" is on the alias.
                    whole = true;
                } else {
                    let read = read_level
                        .map(|l| l.to_string())
                        .unwrap_or_else(|| "no level".into());
                    return Err(Error::Invalid(format!(
                        "the level words of {:?} read as {read} on {role}, not {want}; they stay the level reader's job. \
                         Drop --level, or approve the whole title with --whole-title to fix {want} for this exact title",
                        c.title
                    )));
                }
            }
        }
        let (alias, level) = if whole {
            let level = args
                .level
                .or(read_level)
                .or_else(|| c.suggested_level.as_deref().and_then(|l| l.parse().ok()));
            if level.is_none() {
                return Err(Error::Invalid(format!(
                    "give the level of {:?} with --level",
                    c.title
                )));
            }
            (whole_text, level)
        } else {
            (core, None)
        };
        // Who owns the alias among the built-in aliases?
        engine.set_overlay(&[])?;
        let key = engine.normalizer().normalize(&alias).text();
        let m0 = engine.match_with(
            &alias,
            &MatchOptions {
                top: MAX_TOP,
                explore: false,
                ..MatchOptions::default()
            },
        );
        let mut owners: Vec<(String, String)> = Vec::new();
        if matches!(m0.match_type, MatchType::Exact | MatchType::Alias)
            && m0.explain.key.as_deref() == Some(key.as_str())
        {
            let what = format!(
                "built-in {} alias {:?}",
                m0.explain.alias_type.as_deref().unwrap_or("role"),
                m0.explain.alias.as_deref().unwrap_or(&alias)
            );
            if let Some(r) = m0.role_code() {
                owners.push((r.to_string(), what.clone()));
            }
            for a in &m0.alternatives {
                if a.via == key && matches!(a.match_type, MatchType::Exact | MatchType::Alias) {
                    owners.push((a.role.code.clone(), format!("built-in alias {:?}", a.via)));
                }
            }
        }
        let builtin_owner = if owners.iter().any(|o| o.0 == role) {
            None
        } else {
            owners.into_iter().next()
        };
        // Does the alias do what the reviewer wants?
        engine.set_overlay(&[overlay(&alias, level)])?;
        let preview = engine.match_title(&example);
        if preview.role_code() != Some(role.as_str())
            || preview.explain.alias_type.as_deref() != Some("reviewed")
        {
            let got = match (&preview.role, &preview.explain.alias) {
                (Some(r), Some(a)) => format!(
                    "{} via {} alias {a:?}",
                    r.code,
                    preview.explain.alias_type.as_deref().unwrap_or("an")
                ),
                (Some(r), None) => r.code.clone(),
                _ => "no role".into(),
            };
            let hint = if whole { "" } else { "; try --whole-title" };
            return Err(Error::Invalid(format!("approving {alias:?} for {role} would not change how {example:?} matches (it gives {got}){hint}")));
        }
        Ok(Plan {
            candidate_id: id,
            role,
            remap,
            alias,
            level,
            whole,
            builtin_owner,
            preview,
            reviewer,
            note,
            force: args.force,
        })
    }

    fn already(&self, title: &str, id: i64, status: Status) -> Result<Error> {
        let by = match self.latest_decision(id)? {
            Some(d) => format!(" (decision {} by {}, {})", d.id, d.reviewer, d.at),
            None => String::new(),
        };
        let undo = match self.latest_decision(id)? {
            Some(d) => format!("; `titlematch review undo {}` first to change it", d.id),
            None => String::new(),
        };
        Ok(Error::Invalid(format!(
            "candidate {id} ({title:?}) is already {status}{by}{undo}"
        )))
    }

    /// Reject candidate `id`: it is not an alias, and it stops coming back.
    pub fn reject(&mut self, id: i64, reviewer: &str, note: Option<&str>) -> Result<Decision> {
        let reviewer = check_reviewer(reviewer)?;
        let note = check_note(note)?;
        let path = self.path.clone();
        let err = sql_err(&path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let did = write_reject(&tx, &path, id, &reviewer, note.as_deref())?;
        tx.commit().map_err(&err)?;
        self.decision(did)?.ok_or_else(|| Error::Review {
            path: path.clone(),
            message: format!("decision {did} vanished"),
        })
    }

    /// Reverse decision `decision_id` by writing a new decision: the candidate goes back to the
    /// status it had, aliases the decision added are retired, and aliases it retired come back
    /// (as new rows). Only the latest decision on a candidate can be undone; refusals changed
    /// nothing and cannot. Call [`ReviewStore::refresh_overlay`] afterwards to update an engine.
    pub fn undo(
        &mut self,
        decision_id: i64,
        reviewer: &str,
        note: Option<&str>,
    ) -> Result<Decision> {
        let reviewer = check_reviewer(reviewer)?;
        let note = check_note(note)?;
        let path = self.path.clone();
        let err = sql_err(&path);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let d = decision_by_id(&tx, decision_id)
            .map_err(&err)?
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "no decision {decision_id} (see `titlematch review history`)"
                ))
            })?;
        if d.action == Action::Refuse {
            return Err(Error::Invalid(format!("decision {decision_id} refused an approval and changed nothing: there is nothing to undo")));
        }
        if let Some(last) = latest_decision(&tx, d.candidate_id).map_err(&err)? {
            if last.id != d.id {
                return Err(Error::Invalid(format!(
                    "decision {decision_id} is not the latest on candidate {} ({:?}): decision {} ({} by {}) came after it; undo that one first",
                    d.candidate_id, d.title, last.id, last.action, last.reviewer
                )));
            }
        }
        let status: String = tx
            .query_row(
                "SELECT status FROM candidates WHERE id = ?1",
                [d.candidate_id],
                |r| r.get(0),
            )
            .map_err(&err)?;
        tx.execute(
            &format!(
                "INSERT INTO decisions (candidate_id, action, reviewer, at, prev_status, new_status, role, level, alias, whole_title, reverses, note) \
                 VALUES (?1, 'undo', ?2, {NOW}, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ),
            params![d.candidate_id, reviewer, status, d.prev_status.as_str(), d.role, d.level, d.alias, d.whole_title, d.id, note],
        )
        .map_err(&err)?;
        let uid = tx.last_insert_rowid();
        tx.execute(
            "UPDATE aliases SET retired_by = ?1 WHERE added_by = ?2 AND retired_by IS NULL",
            params![uid, d.id],
        )
        .map_err(&err)?;
        let back: Vec<(String, String, Option<String>, bool, i64, String)> = {
            let mut st = tx.prepare("SELECT alias, role, level, whole_title, candidate_id, reviewer FROM aliases WHERE retired_by = ?1 ORDER BY id").map_err(&err)?;
            let rows = st
                .query_map([d.id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .map_err(&err)?;
            rows.collect::<std::result::Result<_, _>>().map_err(&err)?
        };
        for (alias, role, level, whole, cid, by) in back {
            if let Some((other, added)) = tx
                .query_row("SELECT role, added_by FROM aliases WHERE alias = ?1 AND retired_by IS NULL AND role != ?2", params![alias, role], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .optional()
                .map_err(&err)?
            {
                return Err(Error::Invalid(format!(
                    "cannot undo decision {decision_id}: it would bring back alias {alias:?} for {role}, but {other} owns it now (decision {added})"
                )));
            }
            tx.execute(
                "INSERT INTO aliases (alias, role, level, whole_title, candidate_id, reviewer, added_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![alias, role, level, whole, cid, by, uid],
            )
            .map_err(&err)?;
        }
        tx.execute(
            "UPDATE candidates SET status = ?2, note = NULL WHERE id = ?1",
            params![d.candidate_id, d.prev_status.as_str()],
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)?;
        self.decision(uid)?.ok_or_else(|| Error::Review {
            path: path.clone(),
            message: format!("decision {uid} vanished"),
        })
    }

    /// Bring the approved aliases in line with a taxonomy: an alias whose role code was renamed
    /// or merged (`renames`) follows it; one whose role disappeared goes back to pending with a
    /// note, never silently lost. Pending suggestions of renamed roles are updated too. Writes
    /// (as [`SYSTEM_REVIEWER`]) only when something changes.
    pub fn sync(&mut self, renames: &Renames, taxonomy: &Taxonomy) -> Result<SyncReport> {
        let path = self.path.clone();
        let err = sql_err(&path);
        let known = |code: &str| taxonomy.get(code).is_some();
        let target = |code: &str| renames.resolve(code).filter(|t| known(t));
        let roles = |conn: &Connection, sql: &str| -> Result<Vec<String>> {
            let mut st = conn.prepare(sql).map_err(&err)?;
            let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(&err)?;
            rows.collect::<std::result::Result<Vec<_>, _>>()
                .map_err(&err)
        };
        const ALIAS_ROLES: &str = "SELECT DISTINCT role FROM aliases WHERE retired_by IS NULL";
        const SUGGESTED: &str = "SELECT DISTINCT suggested_role FROM candidates WHERE status = 'pending' AND suggested_role IS NOT NULL";
        let stale_aliases = roles(&self.conn, ALIAS_ROLES)?.iter().any(|r| !known(r));
        let stale_suggestions = roles(&self.conn, SUGGESTED)?
            .iter()
            .any(|r| !known(r) && target(r).is_some());
        let mut report = SyncReport::default();
        if !stale_aliases && !stale_suggestions {
            return Ok(report);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let rows: Vec<ActiveRow> = {
            let mut st = tx
                .prepare(
                    "SELECT a.id, a.alias, a.role, a.level, a.whole_title, a.candidate_id, a.reviewer, \
                     c.status FROM aliases a JOIN candidates c ON c.id = a.candidate_id \
                     WHERE a.retired_by IS NULL ORDER BY a.id",
                )
                .map_err(&err)?;
            let rows = st
                .query_map([], |r| {
                    Ok(ActiveRow {
                        id: r.get(0)?,
                        alias: r.get(1)?,
                        role: r.get(2)?,
                        level: r.get(3)?,
                        whole: r.get(4)?,
                        candidate: r.get(5)?,
                        reviewer: r.get(6)?,
                        status: r.get(7)?,
                    })
                })
                .map_err(&err)?;
            rows.collect::<std::result::Result<_, _>>().map_err(&err)?
        };
        for ActiveRow {
            id: aid,
            alias,
            role,
            level,
            whole,
            candidate: cid,
            reviewer: by,
            status,
        } in rows
        {
            if known(&role) {
                continue;
            }
            let owner: Option<String> = match target(&role) {
                Some(t) => tx
                    .query_row("SELECT role FROM aliases WHERE alias = ?1 AND retired_by IS NULL AND role != ?2 AND role != ?3", params![alias, t, role], |r| r.get(0))
                    .optional()
                    .map_err(&err)?,
                None => None,
            };
            match target(&role).filter(|_| owner.is_none()) {
                Some(t) => {
                    let why = renames
                        .get(&role)
                        .map(|r| r.note.as_str())
                        .filter(|n| !n.is_empty())
                        .map(|n| format!(": {n}"))
                        .unwrap_or_default();
                    let note = format!("role {role} was renamed to {t} (renames.csv{why})");
                    tx.execute(
                        &format!(
                            "INSERT INTO decisions (candidate_id, action, reviewer, at, prev_status, new_status, role, level, alias, whole_title, note) \
                             VALUES (?1, 'rename', ?2, {NOW}, ?3, ?3, ?4, ?5, ?6, ?7, ?8)"
                        ),
                        params![cid, SYSTEM_REVIEWER, status, t, level, alias, whole, note],
                    )
                    .map_err(&err)?;
                    let did = tx.last_insert_rowid();
                    tx.execute(
                        "UPDATE aliases SET retired_by = ?1 WHERE id = ?2",
                        params![did, aid],
                    )
                    .map_err(&err)?;
                    tx.execute(
                        "INSERT INTO aliases (alias, role, level, whole_title, candidate_id, reviewer, added_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![alias, t, level, whole, cid, by, did],
                    )
                    .map_err(&err)?;
                    report.renamed.push(SyncChange {
                        decision_id: did,
                        candidate_id: cid,
                        alias,
                        from_role: role,
                        to_role: Some(t),
                    });
                }
                None => {
                    let note = match (&owner, target(&role)) {
                        (Some(o), Some(t)) => format!("role {role} was renamed to {t}, but {o} already has the alias {alias:?}; review it again"),
                        _ => format!("role {role} is no longer in the taxonomy (and renames.csv does not say what it became); review it again"),
                    };
                    tx.execute(
                        &format!(
                            "INSERT INTO decisions (candidate_id, action, reviewer, at, prev_status, new_status, role, level, alias, whole_title, note) \
                             VALUES (?1, 'orphan', ?2, {NOW}, ?3, 'pending', ?4, ?5, ?6, ?7, ?8)"
                        ),
                        params![cid, SYSTEM_REVIEWER, status, role, level, alias, whole, note],
                    )
                    .map_err(&err)?;
                    let did = tx.last_insert_rowid();
                    tx.execute(
                        "UPDATE aliases SET retired_by = ?1 WHERE id = ?2",
                        params![did, aid],
                    )
                    .map_err(&err)?;
                    tx.execute(
                        "UPDATE candidates SET status = 'pending', note = ?2 WHERE id = ?1",
                        params![cid, note],
                    )
                    .map_err(&err)?;
                    report.orphaned.push(SyncChange {
                        decision_id: did,
                        candidate_id: cid,
                        alias,
                        from_role: role,
                        to_role: None,
                    });
                }
            }
        }
        for old in roles(&tx, SUGGESTED)? {
            if let (false, Some(t)) = (known(&old), target(&old)) {
                report.suggestions_updated +=
                    tx.execute("UPDATE candidates SET suggested_role = ?1 WHERE status = 'pending' AND suggested_role = ?2", params![t, old]).map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(report)
    }
}

pub(super) fn write_reject(
    conn: &Connection,
    path: &Path,
    id: i64,
    reviewer: &str,
    note: Option<&str>,
) -> Result<i64> {
    let err = sql_err(path);
    let status: Option<String> = conn
        .query_row("SELECT status FROM candidates WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(&err)?;
    let Some(status) = status else {
        return Err(Error::Invalid(format!(
            "no candidate {id} (see `titlematch review list`)"
        )));
    };
    if status != "pending" {
        let by = latest_decision(conn, id)
            .map_err(&err)?
            .map(|d| {
                format!(
                    " (decision {} by {}); `titlematch review undo {}` first to change it",
                    d.id, d.reviewer, d.id
                )
            })
            .unwrap_or_default();
        return Err(Error::Invalid(format!(
            "candidate {id} is already {status}{by}"
        )));
    }
    conn.execute(
        &format!("INSERT INTO decisions (candidate_id, action, reviewer, at, prev_status, new_status, note) VALUES (?1, 'reject', ?2, {NOW}, 'pending', 'rejected', ?3)"),
        params![id, reviewer, note],
    )
    .map_err(&err)?;
    let did = conn.last_insert_rowid();
    conn.execute(
        "UPDATE candidates SET status = 'rejected', note = NULL WHERE id = ?1",
        [id],
    )
    .map_err(&err)?;
    Ok(did)
}

/// Write a planned approval inside the caller's transaction: re-checks the candidate's status
/// and the approved aliases (another reviewer may have acted since the plan), then writes the
/// decision, the alias and the status, or a refusal.
pub(super) fn write_approval(conn: &Connection, path: &Path, p: &Plan) -> Result<Outcome> {
    let err = sql_err(path);
    let status: String = conn
        .query_row(
            "SELECT status FROM candidates WHERE id = ?1",
            [p.candidate_id],
            |r| r.get(0),
        )
        .map_err(&err)?;
    if status != "pending" {
        let by = latest_decision(conn, p.candidate_id)
            .map_err(&err)?
            .map(|d| format!(": {} by {} (decision {})", d.action, d.reviewer, d.id))
            .unwrap_or_default();
        return Err(Error::Invalid(format!(
            "candidate {} was decided meanwhile{by}",
            p.candidate_id
        )));
    }
    let level = p.level.map(|l| l.to_string());
    let actives: Vec<Active> = {
        let mut st = conn.prepare("SELECT id, role, level, candidate_id, added_by, reviewer FROM aliases WHERE alias = ?1 AND retired_by IS NULL ORDER BY id").map_err(&err)?;
        let rows = st
            .query_map([&p.alias], |r| {
                Ok(Active {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    level: r.get(2)?,
                    candidate_id: r.get(3)?,
                    added_by: r.get(4)?,
                    reviewer: r.get(5)?,
                })
            })
            .map_err(&err)?;
        rows.collect::<std::result::Result<_, _>>().map_err(&err)?
    };
    let clashes: Vec<&Active> = actives
        .iter()
        .filter(|a| a.role != p.role || a.level != level)
        .collect();
    // (owner role, what it owns the alias by, what the reviewer can do instead)
    let conflict: Option<(String, String, String)> = match (&p.builtin_owner, clashes.first()) {
        (Some((role, with)), _) => Some((
            role.clone(),
            with.clone(),
            "Choose another --role, or pass --force to make the approved alias win over the built-in one".into(),
        )),
        (None, Some(a)) if a.role != p.role => Some((
            a.role.clone(),
            format!("approved by {} in decision {}", a.reviewer, a.added_by),
            format!("Choose another --role, undo decision {}, or pass --force to take the alias over", a.added_by),
        )),
        (None, Some(a)) => {
            let lvl = a.level.as_deref().map(|l| format!("fixed at {l}")).unwrap_or_else(|| "with the level from the title".into());
            Some((
                a.role.clone(),
                format!("approved {lvl} by {} in decision {}", a.reviewer, a.added_by),
                format!("Undo decision {} first, or pass --force to replace it", a.added_by),
            ))
        }
        (None, None) => None,
    };
    let action = if p.remap {
        Action::Remap
    } else {
        Action::Approve
    };
    if let Some((owner, with, hint)) = &conflict {
        if !p.force {
            let note = format!("refused: {:?} already belongs to {owner} ({with})", p.alias);
            conn.execute(
                &format!(
                    "INSERT INTO decisions (candidate_id, action, reviewer, at, prev_status, new_status, role, level, alias, whole_title, conflict_role, conflict_with, note) \
                     VALUES (?1, 'refuse', ?2, {NOW}, 'pending', 'pending', ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ),
                params![p.candidate_id, p.reviewer, p.role, level, p.alias, p.whole, owner, with, p.note.as_deref().map(|n| format!("{note}; {n}")).unwrap_or(note)],
            )
            .map_err(&err)?;
            let did = conn.last_insert_rowid();
            return Ok(Outcome::Refused {
                message: format!(
                    "refused: the alias {:?} already belongs to {owner} ({with}); recorded as decision {did}. {hint}",
                    p.alias
                ),
            });
        }
    }
    let new_status = if p.remap {
        Status::Remapped
    } else {
        Status::Approved
    };
    let (crole, cwith) = match &conflict {
        Some((r, w, _)) => (Some(r.as_str()), Some(w.as_str())),
        None => (None, None),
    };
    conn.execute(
        &format!(
            "INSERT INTO decisions (candidate_id, action, reviewer, at, prev_status, new_status, role, level, alias, whole_title, forced, conflict_role, conflict_with, note) \
             VALUES (?1, ?2, ?3, {NOW}, 'pending', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
        ),
        params![p.candidate_id, action.as_str(), p.reviewer, new_status.as_str(), p.role, level, p.alias, p.whole, conflict.is_some(), crole, cwith, p.note],
    )
    .map_err(&err)?;
    let did = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO aliases (alias, role, level, whole_title, candidate_id, reviewer, added_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![p.alias, p.role, level, p.whole, p.candidate_id, p.reviewer, did],
    )
    .map_err(&err)?;
    let mut superseded = Vec::new();
    for a in clashes {
        let st: String = conn
            .query_row(
                "SELECT status FROM candidates WHERE id = ?1",
                [a.candidate_id],
                |r| r.get(0),
            )
            .map_err(&err)?;
        let note = format!(
            "alias {:?} taken over by {} in decision {did} (forced by {})",
            p.alias, p.role, p.reviewer
        );
        conn.execute(
            &format!(
                "INSERT INTO decisions (candidate_id, action, reviewer, at, prev_status, new_status, role, level, alias, note) \
                 VALUES (?1, 'supersede', ?2, {NOW}, ?3, 'pending', ?4, ?5, ?6, ?7)"
            ),
            params![a.candidate_id, p.reviewer, st, a.role, a.level, p.alias, note],
        )
        .map_err(&err)?;
        let sid = conn.last_insert_rowid();
        conn.execute(
            "UPDATE aliases SET retired_by = ?1 WHERE id = ?2",
            params![sid, a.id],
        )
        .map_err(&err)?;
        conn.execute(
            "UPDATE candidates SET status = 'pending', note = ?2 WHERE id = ?1",
            params![a.candidate_id, note],
        )
        .map_err(&err)?;
        superseded.push(a.candidate_id);
    }
    conn.execute(
        "UPDATE candidates SET status = ?2, note = NULL WHERE id = ?1",
        params![p.candidate_id, new_status.as_str()],
    )
    .map_err(&err)?;
    Ok(Outcome::Approved {
        decision_id: did,
        superseded,
    })
}
