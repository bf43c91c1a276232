//! The review API: the same SQLite store as `titlematch review`, behind reviewer tokens.
//!
//! Reads of the queue and every decision need `Authorization: Bearer TOKEN`. A named token
//! decides the reviewer name written on decisions; with a shared token the request body names
//! the reviewer (`"reviewer": "alice"`). Decisions that change aliases (approve, undo) take the
//! engine's write lock for a moment, refresh its overlay and invalidate the match cache, so the
//! very next `POST /v1/match` sees them.

use super::{
    blocking, json, parse_json, parse_json_or_default, ApiError, AppState, MAX_LIST_LIMIT,
};
use crate::engine::Engine;
use crate::error::Error;
use crate::level::LevelCode;
use crate::review::{
    check_note, check_reviewer, parse_band, Approval, ApproveArgs, Candidate, Counts, Decision,
    HistoryFilter, ListFilter, ReviewStore, Status, DEFAULT_LIST_LIMIT,
};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

/// The token's reviewer name (`None` for a shared token), or why the request is refused.
fn authorize(s: &AppState, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    if s.0.tokens.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "review_disabled",
            "the review API is off: start `titlematch serve` with --reviewer-token or --tokens-file",
        ));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the reviewer token as `Authorization: Bearer TOKEN`",
            )
        })?;
    s.0.tokens.check(token).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "unknown reviewer token",
        )
    })
}

/// The reviewer a decision is written under.
fn reviewer(token_name: Option<String>, given: Option<&str>) -> Result<String, ApiError> {
    let given = given.map(str::trim).filter(|g| !g.is_empty());
    match (token_name, given) {
        (Some(name), Some(g)) if g != name => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "token_mismatch",
            format!("this token belongs to {name:?}, not {g:?}"),
        )),
        (Some(name), _) => Ok(name),
        (None, Some(g)) => {
            check_reviewer(g).map_err(|e| ApiError::bad_request("invalid_reviewer", e.to_string()))
        }
        (None, None) => Err(ApiError::bad_request(
            "reviewer_required",
            "this is a shared token: name the reviewer with \"reviewer\" in the body",
        )),
    }
}

fn note(n: Option<&str>) -> Result<Option<String>, ApiError> {
    check_note(n).map_err(|e| ApiError::bad_request("invalid_note", e.to_string()))
}

/// Refusals of a decision (already decided, alias owned by another role, ...) are conflicts
/// with the store's state; anything else keeps its own status.
fn decision_error(e: Error) -> ApiError {
    match e {
        Error::Invalid(m) => ApiError::conflict(m),
        e => e.into(),
    }
}

fn path_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ApiError> {
    id.map(|Path(i)| i).map_err(|r| {
        ApiError::bad_request(
            "bad_path",
            format!("the id must be a whole number: {}", r.body_text()),
        )
    })
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(q)| q).map_err(|r| {
        ApiError::bad_request("bad_query", format!("bad query string: {}", r.body_text()))
    })
}

impl AppState {
    /// Run a decision that may change the approved aliases: store lock, then the engine's write
    /// lock; afterwards the overlay is the store's and the cache is invalidated.
    fn decide<T>(
        &self,
        f: impl FnOnce(&mut ReviewStore, &mut Engine) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut slot = self.slot();
        let (res, installed) = {
            let store = self.open_slot(&mut slot, false)?.ok_or_else(|| {
                ApiError::not_found("the review store is empty: nothing is queued yet")
            })?;
            let mut engine = self.engine_mut();
            let res = f(store, &mut engine);
            // The decision functions leave the overlay as the store has it; record that.
            let installed = store.approved_aliases().ok();
            if let Some(a) = &installed {
                if let Err(e) = engine.set_overlay(a) {
                    tracing::warn!("reinstalling approved aliases: {e}");
                }
            }
            self.overlay_changed(&engine);
            (res, installed)
        };
        slot.installed = installed;
        res
    }
}

/// `GET /v1/review/whoami`.
pub(super) async fn whoami(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = authorize(&s, &headers)?;
    json(&serde_json::json!({ "reviewer": name, "shared": name.is_none() }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    status: Option<String>,
    limit: Option<usize>,
    min_count: Option<u64>,
    family: Option<String>,
    band: Option<String>,
    include_covered: Option<bool>,
}

#[derive(Serialize)]
struct CandidateView {
    #[serde(flatten)]
    candidate: Candidate,
    suggested_role_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_decision: Option<Decision>,
}

#[derive(Serialize)]
struct ListResponse {
    candidates: Vec<CandidateView>,
    counts: Counts,
}

/// `GET /v1/review/candidates`: most frequent first.
pub(super) async fn list(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let q = query(q)?;
    let status = match q.status.as_deref().map(str::trim) {
        None | Some("") => Some(Status::Pending),
        Some("all") => None,
        Some(x) => Some(
            x.parse::<Status>()
                .map_err(|e| ApiError::bad_request("bad_query", e.to_string()))?,
        ),
    };
    let band = q
        .band
        .as_deref()
        .map(parse_band)
        .transpose()
        .map_err(|e| ApiError::bad_request("bad_query", e.to_string()))?;
    let filter = ListFilter {
        status,
        min_count: q.min_count.unwrap_or(0),
        family: q.family.filter(|f| !f.trim().is_empty()),
        band,
        limit: q
            .limit
            .unwrap_or(DEFAULT_LIST_LIMIT)
            .clamp(1, MAX_LIST_LIMIT),
        include_covered: q.include_covered.unwrap_or(false),
    };
    blocking(move || {
        let found = s.with_store(false, |store| {
            let rows = store.list(&filter)?;
            let mut out = Vec::with_capacity(rows.len());
            for c in rows {
                let last = if c.status == Status::Pending {
                    None
                } else {
                    store
                        .history(&HistoryFilter {
                            candidate: Some(c.id),
                            limit: 1,
                            ..HistoryFilter::default()
                        })?
                        .pop()
                };
                out.push((c, last));
            }
            Ok((out, store.counts()?))
        })?;
        let (rows, counts) = found.unwrap_or_default();
        let engine = s.engine();
        let candidates = rows
            .into_iter()
            .map(|(c, last)| CandidateView {
                suggested_role_name: c
                    .suggested_role
                    .as_deref()
                    .and_then(|r| engine.taxonomy().get(r))
                    .map(|r| r.name.clone()),
                candidate: c,
                last_decision: last,
            })
            .collect();
        json(&ListResponse { candidates, counts })
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApproveRequest {
    role: Option<String>,
    level: Option<String>,
    #[serde(default)]
    whole_title: bool,
    note: Option<String>,
    #[serde(default)]
    force: bool,
    reviewer: Option<String>,
}

fn approve_args(s: &AppState, r: ApproveRequest, name: String) -> Result<ApproveArgs, ApiError> {
    let level = match r.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Some(
            l.to_ascii_uppercase()
                .parse::<LevelCode>()
                .map_err(|e| ApiError::bad_request("unknown_level", e))?,
        ),
        None => None,
    };
    let role = r
        .role
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty());
    if let Some(code) = &role {
        if s.engine().taxonomy().get(code).is_none() {
            return Err(ApiError::bad_request(
                "unknown_role",
                format!("unknown role code {code:?} (see GET /v1/roles)"),
            ));
        }
    }
    Ok(ApproveArgs {
        role,
        level,
        whole_title: r.whole_title,
        reviewer: name,
        note: note(r.note.as_deref())?,
        force: r.force,
    })
}

/// `POST /v1/review/candidates/{id}/approve`.
pub(super) async fn approve(
    State(s): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let token = authorize(&s, &headers)?;
    let id = path_id(id)?;
    let req: ApproveRequest = parse_json_or_default(body, s.config().max_body)?;
    let name = reviewer(token, req.reviewer.as_deref())?;
    blocking(move || {
        let args = approve_args(&s, req, name)?;
        let ok: Approval = s.decide(|store, engine| {
            if store.candidate(id)?.is_none() {
                return Err(ApiError::not_found(format!("no candidate {id}")));
            }
            store.approve(id, &args, engine).map_err(decision_error)
        })?;
        json(&ok)
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NoteRequest {
    note: Option<String>,
    reviewer: Option<String>,
}

/// The id, reviewer and note of a reject or undo request, checked.
fn note_request(
    s: &AppState,
    headers: &HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(i64, String, Option<String>), ApiError> {
    let token = authorize(s, headers)?;
    let id = path_id(id)?;
    let req: NoteRequest = parse_json_or_default(body, s.config().max_body)?;
    let name = reviewer(token, req.reviewer.as_deref())?;
    Ok((id, name, note(req.note.as_deref())?))
}

/// `POST /v1/review/candidates/{id}/reject`.
pub(super) async fn reject(
    State(s): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (id, name, note) = note_request(&s, &headers, id, body)?;
    blocking(move || {
        let d = s
            .with_store(false, |store| {
                if store.candidate(id)?.is_none() {
                    return Err(ApiError::not_found(format!("no candidate {id}")));
                }
                store
                    .reject(id, &name, note.as_deref())
                    .map_err(decision_error)
            })?
            .ok_or_else(|| ApiError::not_found(format!("no candidate {id}")))?;
        json(&d)
    })
    .await
}

/// `POST /v1/review/decisions/{id}/undo`.
pub(super) async fn undo(
    State(s): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (id, name, note) = note_request(&s, &headers, id, body)?;
    blocking(move || {
        let d = s.decide(|store, _engine| {
            if store.decision(id)?.is_none() {
                return Err(ApiError::not_found(format!("no decision {id}")));
            }
            store
                .undo(id, &name, note.as_deref())
                .map_err(decision_error)
        })?;
        json(&d)
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BulkRequest {
    ids: Vec<i64>,
    note: Option<String>,
    reviewer: Option<String>,
}

#[derive(Serialize)]
struct BulkItem {
    id: i64,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<Decision>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// `POST /v1/review/bulk-approve`: approve each candidate with its suggestion (a group that
/// shares one); each id succeeds or fails on its own.
pub(super) async fn bulk_approve(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let token = authorize(&s, &headers)?;
    let req: BulkRequest = parse_json(body, s.config().max_body)?;
    let name = reviewer(token, req.reviewer.as_deref())?;
    let note = note(req.note.as_deref())?;
    if req.ids.is_empty() {
        return Err(ApiError::bad_request("invalid_request", "ids is empty"));
    }
    let max = s.config().max_batch;
    if req.ids.len() > max {
        return Err(ApiError::bad_request(
            "too_many_ids",
            format!("{} ids; at most {max} per request", req.ids.len()),
        ));
    }
    blocking(move || {
        let args = ApproveArgs { note, ..ApproveArgs::by(&name) };
        let mut results = Vec::with_capacity(req.ids.len());
        for id in req.ids {
            // One decision at a time, so matching goes on between them.
            let r = s.decide(|store, engine| {
                if store.candidate(id)?.is_none() {
                    return Err(ApiError::not_found(format!("no candidate {id}")));
                }
                store.approve(id, &args, engine).map_err(decision_error)
            });
            results.push(match r {
                Ok(a) => BulkItem { id, ok: true, alias: Some(a.alias), role: Some(a.role), decision: Some(a.decision), code: None, message: None },
                Err(e) => BulkItem { id, ok: false, alias: None, role: None, decision: None, code: Some(e.code()), message: Some(e.message().to_string()) },
            });
        }
        let approved = results.iter().filter(|r| r.ok).count();
        json(&serde_json::json!({ "approved": approved, "failed": results.len() - approved, "results": results }))
    })
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HistoryQuery {
    candidate: Option<i64>,
    reviewer: Option<String>,
    alias: Option<String>,
    limit: Option<usize>,
}

/// `GET /v1/review/history`: the latest decisions, oldest first.
pub(super) async fn history(
    State(s): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    let q = query(q)?;
    let f = HistoryFilter {
        alias: q.alias.filter(|a| !a.trim().is_empty()),
        candidate: q.candidate,
        reviewer: q.reviewer.filter(|r| !r.trim().is_empty()),
        limit: q
            .limit
            .unwrap_or(DEFAULT_LIST_LIMIT)
            .clamp(1, MAX_LIST_LIMIT),
    };
    blocking(move || {
        let decisions = s
            .with_store(false, |store| Ok(store.history(&f)?))?
            .unwrap_or_default();
        json(&serde_json::json!({ "decisions": decisions }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewer_comes_from_the_token_or_the_body() {
        assert_eq!(reviewer(Some("alice".into()), None).unwrap(), "alice");
        assert_eq!(
            reviewer(Some("alice".into()), Some(" alice ")).unwrap(),
            "alice"
        );
        assert_eq!(
            reviewer(Some("alice".into()), Some("bob"))
                .unwrap_err()
                .code(),
            "token_mismatch"
        );
        assert_eq!(reviewer(None, Some("bob")).unwrap(), "bob");
        assert_eq!(
            reviewer(None, None).unwrap_err().code(),
            "reviewer_required"
        );
        assert_eq!(
            reviewer(None, Some("titlematch")).unwrap_err().code(),
            "invalid_reviewer"
        );
    }
}
