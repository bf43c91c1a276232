//! Matching, the catalog, health and metrics.

use super::cache::Cached;
use super::{blocking, json, json_bytes, parse_json, ApiError, AppState, MAX_TITLE_BYTES};
use crate::engine::MatchOptions;
use crate::limits::{DEFAULT_SOC_TOP, DEFAULT_TOP, MAX_TOP};
use crate::matching::Match;
use crate::review::{ApprovedAlias, CandidateInput};
use crate::taxonomy::{Alias, Role, SocMapping};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Most adjacent roles on a role card.
pub const MAX_ADJACENT: usize = 12;

/// Response header saying whether `queue_review` queued the title.
pub const QUEUED_HEADER: &str = "titlematch-queued";

fn default_top() -> usize {
    DEFAULT_TOP
}

fn default_soc_top() -> usize {
    DEFAULT_SOC_TOP
}

/// `POST /v1/match`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MatchRequest {
    title: String,
    #[serde(default = "default_top")]
    top: usize,
    #[serde(default = "default_soc_top")]
    soc_top: usize,
    #[serde(default)]
    ladder: Option<String>,
    #[serde(default)]
    queue_review: bool,
}

/// `POST /v1/match/batch`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BatchRequest {
    titles: Vec<String>,
    #[serde(default = "default_top")]
    top: usize,
    #[serde(default = "default_soc_top")]
    soc_top: usize,
    #[serde(default)]
    ladder: Option<String>,
    #[serde(default)]
    queue_review: bool,
}

#[derive(Serialize)]
struct BatchResponse<'a> {
    count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    queued: Option<usize>,
    results: &'a [Match],
}

impl AppState {
    /// Match options from a request, checked. The CLI's `match` looks for alternatives even
    /// after an exact alias (`explore`), and so does the API, so that both give the same JSON.
    fn options(
        &self,
        top: usize,
        soc_top: usize,
        ladder: Option<String>,
    ) -> Result<MatchOptions, ApiError> {
        if top > MAX_TOP || soc_top > MAX_TOP {
            return Err(ApiError::bad_request(
                "invalid_option",
                format!("top and soc_top are at most {MAX_TOP}"),
            ));
        }
        let ladder = ladder.unwrap_or_else(|| self.0.config.ladder.clone());
        if !self.0.ladders.contains(&ladder) {
            return Err(ApiError::bad_request(
                "unknown_ladder",
                format!(
                    "unknown ladder {ladder:?}; known: {}",
                    self.0.ladders.join(", ")
                ),
            ));
        }
        Ok(MatchOptions {
            top,
            ladder,
            soc_top,
            explore: true,
        })
    }
}

fn check_title(title: &str, index: Option<usize>) -> Result<(), ApiError> {
    if title.len() > MAX_TITLE_BYTES {
        let which = index
            .map(|i| format!("titles[{i}]"))
            .unwrap_or_else(|| "title".into());
        return Err(ApiError::bad_request(
            "title_too_long",
            format!(
                "{which} is {} bytes; the limit is {MAX_TITLE_BYTES}",
                title.len()
            ),
        ));
    }
    Ok(())
}

/// `POST /v1/match`: one title, the JSON of `titlematch match --json`.
pub(super) async fn match_one(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: MatchRequest = parse_json(body, s.config().max_body)?;
    check_title(&req.title, None)?;
    let opts = s.options(req.top, req.soc_top, req.ladder)?;
    // A title to queue is always matched (the store records each sighting).
    let key = (!req.queue_review).then(|| {
        format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}",
            opts.top, opts.soc_top, opts.ladder, req.title
        )
    });
    if let Some(k) = &key {
        if let Some(c) = s.0.cache.get(k, s.generation()) {
            s.metrics().cache(true);
            s.metrics().matched(c.band, c.match_type);
            return Ok(json_bytes(StatusCode::OK, c.body));
        }
        s.metrics().cache(false);
    }
    let queue = req.queue_review;
    let title = req.title;
    let st = s.clone();
    let (body, queued) = blocking(move || {
        let (m, generation, input) = {
            let engine = st.engine();
            let generation = st.generation();
            let m = engine.match_with(&title, &opts);
            let input = if queue {
                CandidateInput::from_match_with(&engine, &m)
            } else {
                None
            };
            (m, generation, input)
        };
        st.metrics().matched(m.band, m.match_type);
        let body = Bytes::from(
            serde_json::to_vec(&m)
                .map_err(|e| ApiError::internal(format!("serializing the match: {e}")))?,
        );
        if let Some(k) = key {
            st.0.cache.put(
                k,
                Cached {
                    body: body.clone(),
                    band: m.band,
                    match_type: m.match_type,
                    generation,
                },
            );
        }
        let queued = match input {
            Some(i) => {
                st.with_store(true, |store| Ok(store.record_candidates(&[i])?))?;
                true
            }
            None => false,
        };
        Ok((body, queued))
    })
    .await?;
    let mut r = json_bytes(StatusCode::OK, body);
    if queue {
        r.headers_mut().insert(
            QUEUED_HEADER,
            HeaderValue::from_static(if queued { "true" } else { "false" }),
        );
    }
    Ok(r)
}

/// `POST /v1/match/batch`: many titles, matched on rayon's pool, answers in input order.
pub(super) async fn match_batch(
    State(s): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: BatchRequest = parse_json(body, s.config().max_body)?;
    let max = s.config().max_batch;
    if req.titles.len() > max {
        return Err(ApiError::bad_request(
            "too_many_titles",
            format!("{} titles; a batch holds at most {max}", req.titles.len()),
        ));
    }
    for (i, t) in req.titles.iter().enumerate() {
        check_title(t, Some(i))?;
    }
    let opts = s.options(req.top, req.soc_top, req.ladder)?;
    let st = s.clone();
    let body = blocking(move || {
        let (ms, inputs) = {
            let engine = st.engine();
            let ms: Vec<Match> = req
                .titles
                .par_iter()
                .map(|t| engine.match_with(t, &opts))
                .collect();
            let inputs: Vec<CandidateInput> = if req.queue_review {
                ms.iter()
                    .filter_map(|m| CandidateInput::from_match_with(&engine, m))
                    .collect()
            } else {
                Vec::new()
            };
            (ms, inputs)
        };
        for m in &ms {
            st.metrics().matched(m.band, m.match_type);
        }
        if !inputs.is_empty() {
            st.with_store(true, |store| Ok(store.record_candidates(&inputs)?))?;
        }
        let out = BatchResponse {
            count: ms.len(),
            queued: req.queue_review.then_some(inputs.len()),
            results: &ms,
        };
        serde_json::to_vec(&out)
            .map_err(|e| ApiError::internal(format!("serializing the matches: {e}")))
    })
    .await?;
    Ok(json_bytes(StatusCode::OK, Bytes::from(body)))
}

/// `GET /v1/roles` filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RolesQuery {
    /// Code or name contains this (case-insensitive).
    q: Option<String>,
    /// Job family or code prefix (`SEI`).
    family: Option<String>,
}

#[derive(Serialize)]
struct RoleSummary<'a> {
    code: &'a str,
    name: &'a str,
    superfunction: &'a str,
    family: &'a str,
    track: crate::level::Track,
    default_level: String,
    aliases: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    soc: Option<&'a str>,
}

#[derive(Serialize)]
struct RolesResponse<'a> {
    count: usize,
    roles: Vec<RoleSummary<'a>>,
}

fn bad_query(r: QueryRejection) -> ApiError {
    ApiError::bad_request("bad_query", format!("bad query string: {}", r.body_text()))
}

fn bad_path(r: PathRejection) -> ApiError {
    ApiError::bad_request("bad_path", format!("bad path parameter: {}", r.body_text()))
}

/// `GET /v1/roles`: the catalog, in load order.
pub(super) async fn roles(
    State(s): State<AppState>,
    q: Result<Query<RolesQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(bad_query)?;
    blocking(move || {
        let engine = s.engine();
        let needle =
            q.q.as_deref()
                .map(|n| n.trim().to_lowercase())
                .filter(|n| !n.is_empty());
        let family = q.family.as_deref().map(str::trim).filter(|f| !f.is_empty());
        let roles: Vec<RoleSummary> = engine
            .taxonomy()
            .roles()
            .iter()
            .filter(|r| {
                needle.as_ref().is_none_or(|n| {
                    r.code.to_lowercase().contains(n) || r.name.to_lowercase().contains(n)
                })
            })
            .filter(|r| {
                family.is_none_or(|f| {
                    r.family.eq_ignore_ascii_case(f)
                        || r.code
                            .split('.')
                            .next()
                            .is_some_and(|p| p.eq_ignore_ascii_case(f))
                })
            })
            .map(|r| RoleSummary {
                code: &r.code,
                name: &r.name,
                superfunction: &r.superfunction,
                family: &r.family,
                track: r.track,
                default_level: r.default_level.to_string(),
                aliases: r.aliases.len(),
                soc: r.soc.first().map(|m| m.code.as_str()),
            })
            .collect();
        json(&RolesResponse {
            count: roles.len(),
            roles,
        })
    })
    .await
}

#[derive(Serialize)]
struct LevelBrief<'a> {
    code: &'a str,
    name: &'a str,
    summary: &'a str,
    default: bool,
}

#[derive(Serialize)]
struct Adjacent<'a> {
    code: &'a str,
    name: &'a str,
    why: String,
}

#[derive(Serialize)]
struct RoleCard<'a> {
    code: &'a str,
    name: &'a str,
    description: &'a str,
    superfunction: &'a str,
    family: &'a str,
    track: crate::level::Track,
    default_level: String,
    levels: Vec<LevelBrief<'a>>,
    aliases: &'a [Alias],
    reviewed_aliases: Vec<ApprovedAlias>,
    soc: &'a [SocMapping],
    adjacent: Vec<Adjacent<'a>>,
}

/// Roles near `role`: those sharing its primary SOC code first, then its job family.
fn adjacent<'a>(role: &Role, all: &'a [Role]) -> Vec<Adjacent<'a>> {
    let primary = role.soc.first().map(|m| m.code.as_str());
    let mut out: Vec<Adjacent> = Vec::new();
    for r in all {
        if out.len() >= MAX_ADJACENT {
            break;
        }
        if r.code != role.code
            && primary.is_some()
            && r.soc.first().map(|m| m.code.as_str()) == primary
        {
            out.push(Adjacent {
                code: &r.code,
                name: &r.name,
                why: format!("same SOC code {}", primary.unwrap_or_default()),
            });
        }
    }
    for r in all {
        if out.len() >= MAX_ADJACENT {
            break;
        }
        if r.code != role.code && r.family == role.family && !out.iter().any(|a| a.code == r.code) {
            out.push(Adjacent {
                code: &r.code,
                name: &r.name,
                why: format!("same family {}", r.family),
            });
        }
    }
    out
}

/// `GET /v1/roles/{code}`: the role card.
pub(super) async fn role_card(
    State(s): State<AppState>,
    code: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(code) = code.map_err(bad_path)?;
    let code = code.trim().to_ascii_uppercase();
    blocking(move || {
        let reviewed: Vec<ApprovedAlias> = s
            .with_store(false, |store| Ok(store.aliases()?))?
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.role == code)
            .collect();
        let engine = s.engine();
        let tax = engine.taxonomy();
        let role = tax
            .get(&code)
            .ok_or_else(|| ApiError::not_found(format!("no role {code:?} (see GET /v1/roles)")))?;
        let track = format!("{:?}", role.track);
        let levels = engine
            .ladder()
            .levels()
            .iter()
            .filter(|l| l.track == track)
            .map(|l| LevelBrief {
                code: &l.code,
                name: &l.name,
                summary: &l.summary,
                default: l.code == role.default_level.to_string(),
            })
            .collect();
        json(&RoleCard {
            code: &role.code,
            name: &role.name,
            description: &role.description,
            superfunction: &role.superfunction,
            family: &role.family,
            track: role.track,
            default_level: role.default_level.to_string(),
            levels,
            aliases: &role.aliases,
            reviewed_aliases: reviewed,
            soc: &role.soc,
            adjacent: adjacent(role, tax.roles()),
        })
    })
    .await
}

/// `GET /v1/levels`: the ladder and the industry ladders' names.
pub(super) async fn levels(State(s): State<AppState>) -> Result<Response, ApiError> {
    blocking(move || {
        let engine = s.engine();
        json(&serde_json::json!({ "levels": engine.ladder().levels(), "ladders": s.0.ladders }))
    })
    .await
}

/// `GET /healthz`.
pub(super) async fn healthz(State(s): State<AppState>) -> Result<Response, ApiError> {
    json(&serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "roles": s.0.roles,
        "data_hash": s.0.data_hash,
        "uptime_seconds": s.0.started.elapsed().as_secs(),
    }))
}

/// `GET /metrics`: Prometheus text format.
pub(super) async fn metrics(State(s): State<AppState>) -> Response {
    let mut r = s.metrics().render().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}
