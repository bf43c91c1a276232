//! The HTTP service (`titlematch serve`) and the review page.
//!
//! Resume parsers and ATS pipelines written in Python, Java or JavaScript call the matcher over
//! HTTP; reviewers triage the review queue in a browser at `/review`. One [`Engine`] is shared
//! by every request (in a read-write lock: matching reads it, approving or undoing an alias
//! writes its overlay for a moment).
//!
//! | route | what |
//! | --- | --- |
//! | `POST /v1/match` | one title: the JSON of `titlematch match --json` |
//! | `POST /v1/match/batch` | many titles, answers in order |
//! | `GET /v1/roles`, `GET /v1/roles/{code}` | the catalog, and one role card |
//! | `GET /v1/levels` | the level ladder |
//! | `/v1/review/...` | the review queue: list, approve, reject, bulk approve, history, undo (reviewer token) |
//! | `GET /review` | the review page |
//! | `GET /healthz`, `GET /metrics`, `GET /openapi.json` | health, Prometheus metrics, the API description |
//!
//! Matching never runs on the async executor: a title is matched on tokio's blocking pool and a
//! batch on rayon's pool (from a blocking thread). Repeated titles are answered from a bounded
//! cache of serialized answers that an approval invalidates.
//!
//! Limits ([`ServerConfig`]): titles longer than [`MAX_TITLE_BYTES`], bodies over
//! `max_body`, batches over `max_batch` titles are refused; a request taking longer than
//! `timeout` is answered with `503 timeout`. Every error is JSON `{"code", "message"}` (see
//! [`ApiError`]); a handler that panics answers `500 internal` without the panic's text.
//!
//! ```no_run
//! use titlematch::server::{self, AppState, ServerConfig, Tokens};
//! # async fn run() -> titlematch::Result<()> {
//! let engine = titlematch::Engine::builtin()?;
//! let mut tokens = Tokens::default();
//! tokens.add_spec("alice:a-long-random-token")?;
//! let state = AppState::new(engine, ServerConfig::default(), tokens)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await
//!     .map_err(|e| titlematch::Error::io("127.0.0.1:8080", e))?;
//! server::serve(listener, state, server::shutdown_signal()).await
//! # }
//! ```

mod auth;
mod cache;
mod error;
mod metrics;
mod openapi;
mod review_api;
mod review_page;
mod routes;

pub use auth::{Tokens, MIN_TOKEN_BYTES};
pub use error::{panic_response, ApiError};
pub use metrics::{Metrics, LATENCY_BUCKETS};
pub use openapi::OPENAPI_JSON;

use crate::engine::{Engine, OverlayAlias};
use crate::error::{Error, Result};
use crate::review::ReviewStore;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};
use tower_http::catch_panic::CatchPanicLayer;

/// Longest title accepted, in bytes (the engine's own input limit: longer "titles" are pasted
/// résumés). Longer ones are refused with `400 title_too_long` rather than silently cut.
pub const MAX_TITLE_BYTES: usize = crate::limits::MAX_INPUT_BYTES;

/// Default most titles in one `POST /v1/match/batch` (and ids in one bulk approval).
pub const DEFAULT_MAX_BATCH: usize = 1000;

/// Default largest request body, in bytes: a full batch of long titles fits.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

/// Default time a request may take before it is answered with `503 timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default number of single-title answers kept in the cache.
pub const DEFAULT_CACHE_ENTRIES: usize = 4096;

/// How often the server looks for aliases approved or undone by other processes (the CLI
/// working on the same store), so that they become exact matches here too.
pub const DEFAULT_OVERLAY_POLL: Duration = Duration::from_secs(2);

/// Most candidates or decisions one review list request returns.
pub const MAX_LIST_LIMIT: usize = 1000;

/// How the server behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// The review store (the CLI's default is [`crate::review::DEFAULT_DB`]). It is created when
    /// the first candidate is queued; until then the queue is empty.
    pub review_db: PathBuf,
    /// Most titles per batch.
    pub max_batch: usize,
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Longest a request may take.
    pub timeout: Duration,
    /// Single-title answers cached (0: no cache).
    pub cache_entries: usize,
    /// The industry ladder used when a request names none.
    pub ladder: String,
    /// How often to pick up aliases approved elsewhere (`None`: never).
    pub overlay_poll: Option<Duration>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            review_db: PathBuf::from(crate::review::DEFAULT_DB),
            max_batch: DEFAULT_MAX_BATCH,
            max_body: DEFAULT_MAX_BODY,
            timeout: DEFAULT_TIMEOUT,
            cache_entries: DEFAULT_CACHE_ENTRIES,
            ladder: "general".into(),
            overlay_poll: Some(DEFAULT_OVERLAY_POLL),
        }
    }
}

/// The review store, opened on first use, with the aliases last installed from it.
#[derive(Debug, Default)]
struct StoreSlot {
    store: Option<ReviewStore>,
    installed: Option<Vec<OverlayAlias>>,
}

struct Shared {
    engine: RwLock<Engine>,
    /// Bumped (under the engine's write lock) whenever the overlay changes.
    generation: AtomicU64,
    config: ServerConfig,
    tokens: Tokens,
    store: Mutex<StoreSlot>,
    metrics: Metrics,
    cache: cache::MatchCache,
    started: Instant,
    /// Fixed for the engine's life; kept here so that cheap handlers need no lock.
    ladders: Vec<String>,
    roles: usize,
    data_hash: String,
}

/// What every request shares: the engine, the review store, tokens, metrics. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.0.config)
            .field("tokens", &self.0.tokens)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The state for `engine` (with its overlay already installed, if any), checked: the
    /// default ladder must exist and the limits must be positive.
    pub fn new(engine: Engine, config: ServerConfig, tokens: Tokens) -> Result<AppState> {
        if !engine.ladders().contains(&config.ladder) {
            return Err(Error::Invalid(format!(
                "unknown ladder {:?}; known: {}",
                config.ladder,
                engine.ladders().join(", ")
            )));
        }
        if config.max_batch == 0 || config.max_body == 0 || config.timeout.is_zero() {
            return Err(Error::Invalid(
                "max batch, max body and timeout must be greater than zero".into(),
            ));
        }
        let cache = cache::MatchCache::new(config.cache_entries);
        let (ladders, roles, data_hash) = (
            engine.ladders(),
            engine.taxonomy().len(),
            engine.data_hash().to_string(),
        );
        Ok(AppState(Arc::new(Shared {
            engine: RwLock::new(engine),
            generation: AtomicU64::new(0),
            config,
            tokens,
            store: Mutex::new(StoreSlot::default()),
            metrics: Metrics::default(),
            cache,
            started: Instant::now(),
            ladders,
            roles,
            data_hash,
        })))
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    /// The counters behind `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    fn engine(&self) -> RwLockReadGuard<'_, Engine> {
        self.0.engine.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn engine_mut(&self) -> RwLockWriteGuard<'_, Engine> {
        self.0
            .engine
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Call with the engine's write lock held, after changing its overlay.
    fn overlay_changed(&self, _held: &RwLockWriteGuard<'_, Engine>) {
        self.0.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn slot(&self) -> MutexGuard<'_, StoreSlot> {
        self.0.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Run `f` on the review store (opened on first use). Without `create`, a store that does
    /// not exist yet gives `Ok(None)` and is not created.
    fn with_store<T>(
        &self,
        create: bool,
        f: impl FnOnce(&mut ReviewStore) -> Result<T, ApiError>,
    ) -> Result<Option<T>, ApiError> {
        let mut slot = self.slot();
        match self.open_slot(&mut slot, create)? {
            Some(store) => f(store).map(Some),
            None => Ok(None),
        }
    }

    fn open_slot<'a>(
        &self,
        slot: &'a mut StoreSlot,
        create: bool,
    ) -> Result<Option<&'a mut ReviewStore>> {
        if slot.store.is_none() {
            let path = &self.0.config.review_db;
            if !create && !path.exists() {
                return Ok(None);
            }
            slot.store = Some(ReviewStore::open(path)?);
        }
        Ok(slot.store.as_mut())
    }

    /// Install the store's approved aliases into the engine when they differ from the ones
    /// installed last (another process approved or undid one). Returns whether it changed.
    pub fn sync_overlay(&self) -> Result<bool> {
        let mut slot = self.slot();
        let aliases = match self.open_slot(&mut slot, false)? {
            Some(store) => store.approved_aliases()?,
            None => return Ok(false),
        };
        if slot.installed.as_ref() == Some(&aliases) {
            return Ok(false);
        }
        let mut engine = self.engine_mut();
        engine.set_overlay(&aliases)?;
        self.overlay_changed(&engine);
        slot.installed = Some(aliases);
        Ok(true)
    }

    fn spawn_overlay_poller(&self) -> Option<tokio::task::JoinHandle<()>> {
        let every = self.0.config.overlay_poll?;
        let s = self.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let s = s.clone();
                match tokio::task::spawn_blocking(move || s.sync_overlay()).await {
                    Ok(Err(e)) => tracing::warn!("reading approved aliases: {e}"),
                    Ok(Ok(true)) => {
                        tracing::debug!("approved aliases changed: overlay reinstalled")
                    }
                    _ => {}
                }
            }
        }))
    }
}

/// The routes, with the limits, metrics and error handling of `state`'s configuration.
pub fn router(state: AppState) -> Router {
    let max_body = state.config().max_body;
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/metrics", get(routes::metrics))
        .route("/openapi.json", get(openapi::document))
        .route("/v1/match", post(routes::match_one))
        .route("/v1/match/batch", post(routes::match_batch))
        .route("/v1/roles", get(routes::roles))
        .route("/v1/roles/{code}", get(routes::role_card))
        .route("/v1/levels", get(routes::levels))
        .route("/v1/review/whoami", get(review_api::whoami))
        .route("/v1/review/candidates", get(review_api::list))
        .route(
            "/v1/review/candidates/{id}/approve",
            post(review_api::approve),
        )
        .route(
            "/v1/review/candidates/{id}/reject",
            post(review_api::reject),
        )
        .route("/v1/review/bulk-approve", post(review_api::bulk_approve))
        .route("/v1/review/history", get(review_api::history))
        .route("/v1/review/decisions/{id}/undo", post(review_api::undo))
        .route("/review", get(review_page::page))
        .route("/review/app.js", get(review_page::script))
        .route("/review/app.css", get(review_page::style))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), timeout))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Serve `state` on `listener` until `shutdown` completes; then stop accepting connections
/// and let the requests in flight finish. Also picks up aliases approved by other processes
/// every [`ServerConfig::overlay_poll`].
pub async fn serve<F>(listener: tokio::net::TcpListener, state: AppState, shutdown: F) -> Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "listener".into());
    let poller = state.spawn_overlay_poller();
    let res = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(p) = poller {
        p.abort();
    }
    res.map_err(|e| Error::io(addr, e))
}

/// Completes on SIGTERM or Ctrl-C (SIGINT).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route {} {} (see /openapi.json)",
        req.method(),
        req.uri().path()
    ))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {} (see /openapi.json)",
            req.method(),
            req.uri().path()
        ),
    )
}

async fn timeout(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let limit = s.config().timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} ms", limit.as_millis()),
        )
        .into_response(),
    }
}

async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let _in_flight = s.metrics().start();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut resp = next.run(req).await;
    let route = route.as_deref().unwrap_or(metrics::UNMATCHED);
    s.metrics()
        .record(route, resp.status().as_u16(), start.elapsed());
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Run blocking work (matching, SQLite) off the executor.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(_) => Err(ApiError::internal(
            "the server failed while answering this request; it has been logged",
        )),
    }
}

/// A JSON request body, with body-size and syntax errors as API errors.
fn parse_json<T: DeserializeOwned>(
    body: std::result::Result<Bytes, BytesRejection>,
    max_body: usize,
) -> Result<T, ApiError> {
    let bytes = read_body(body, max_body)?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "bad_json",
            "the request body is empty; send a JSON object",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(
            "bad_json",
            format!("the request body is not the JSON expected: {e}"),
        )
    })
}

/// Like [`parse_json`], but an empty body is the type's default.
fn parse_json_or_default<T: DeserializeOwned + Default>(
    body: std::result::Result<Bytes, BytesRejection>,
    max_body: usize,
) -> Result<T, ApiError> {
    let bytes = read_body(body, max_body)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(
            "bad_json",
            format!("the request body is not the JSON expected: {e}"),
        )
    })
}

fn read_body(
    body: std::result::Result<Bytes, BytesRejection>,
    max_body: usize,
) -> Result<Bytes, ApiError> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body is larger than {max_body} bytes"),
            )
        } else {
            ApiError::bad_request(
                "bad_body",
                format!("could not read the request body: {}", r.body_text()),
            )
        }
    })
}

/// A JSON response from already-serialized bytes.
fn json_bytes(status: StatusCode, body: Bytes) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// A JSON response.
fn json<T: serde::Serialize>(value: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value)
        .map_err(|e| ApiError::internal(format!("serializing the answer: {e}")))?;
    Ok(json_bytes(StatusCode::OK, Bytes::from(body)))
}
