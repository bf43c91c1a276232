//! `titlematch serve`: the matcher and the review page over HTTP.

use super::EngineArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use titlematch::server::{self, AppState, ServerConfig, Tokens};

/// Arguments of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: String,
    /// A reviewer token for the review API: NAME:TOKEN (decisions are written as NAME) or TOKEN
    /// (shared: each request names its reviewer). Repeatable. Command lines are visible to
    /// other users of the machine: prefer --tokens-file.
    #[arg(long = "reviewer-token", value_name = "[NAME:]TOKEN")]
    reviewer_token: Vec<String>,
    /// File of reviewer tokens, one `name:token` per line (blank lines and # comments skipped).
    #[arg(
        long = "tokens-file",
        env = "TITLEMATCH_TOKENS_FILE",
        value_name = "PATH"
    )]
    tokens_file: Option<PathBuf>,
    /// Review database: its approved aliases are exact matches; the review API works on it.
    #[arg(long = "review-db", env = "TITLEMATCH_REVIEW_DB", default_value = titlematch::review::DEFAULT_DB, value_name = "PATH")]
    review_db: PathBuf,
    /// Most titles in one batch request.
    #[arg(long, default_value_t = server::DEFAULT_MAX_BATCH)]
    max_batch: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = server::DEFAULT_MAX_BODY, value_name = "BYTES")]
    max_body: usize,
    /// Longest a request may take, in milliseconds (then: 503 timeout).
    #[arg(long, default_value_t = server::DEFAULT_TIMEOUT.as_millis() as u64, value_name = "MS")]
    timeout_ms: u64,
    /// Single-title answers kept in the cache (0: no cache).
    #[arg(long, default_value_t = server::DEFAULT_CACHE_ENTRIES)]
    cache_entries: usize,
    /// Industry ladder used when a request names none: general, banking, law, consulting,
    /// academia, nursing.
    #[arg(long, default_value = "general")]
    ladder: String,
    /// Threads of the async executor (default: one per core). Matching runs on separate
    /// blocking and rayon threads.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Run `serve`: until SIGTERM or Ctrl-C, then let the requests in flight finish.
pub fn run(a: ServeArgs) -> Result<ExitCode> {
    if a.timeout_ms == 0 || a.max_batch == 0 || a.max_body == 0 {
        bail!("--timeout-ms, --max-batch and --max-body must be greater than zero");
    }
    let mut tokens = Tokens::default();
    for t in &a.reviewer_token {
        tokens.add_spec(t).context("--reviewer-token")?;
    }
    if let Some(f) = &a.tokens_file {
        tokens
            .add_file(f)
            .with_context(|| format!("reading the tokens file {}", f.display()))?;
    }
    let mut engine = a.engine.open()?;
    super::review::install_overlay(&mut engine, &a.engine, &a.review_db)?;
    let config = ServerConfig {
        review_db: a.review_db.clone(),
        max_batch: a.max_batch,
        max_body: a.max_body,
        timeout: Duration::from_millis(a.timeout_ms),
        cache_entries: a.cache_entries,
        ladder: a.ladder.clone(),
        ..ServerConfig::default()
    };
    let ntokens = tokens.len();
    let state = AppState::new(engine, config, tokens)?;
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = a.workers {
        rt.worker_threads(n.max(1));
    }
    let rt = rt.build().context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&a.addr).await.with_context(|| format!("listening on {}", a.addr))?;
        let addr = listener.local_addr()?;
        eprintln!("titlematch: listening on http://{addr} (review page: http://{addr}/review)");
        if ntokens == 0 {
            eprintln!("titlematch: no reviewer tokens (--reviewer-token, --tokens-file): the review API and page are off");
        } else {
            eprintln!("titlematch: {ntokens} reviewer token(s); review database {}", a.review_db.display());
        }
        server::serve(listener, state, server::shutdown_signal()).await?;
        eprintln!("titlematch: stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
