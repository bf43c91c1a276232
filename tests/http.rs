//! The HTTP service and the review page, called over a real socket on 127.0.0.1 (the server
//! runs in-process on a tokio runtime, or as a `titlematch serve` process):
//!
//! - `POST /v1/match` answers exactly the JSON of `titlematch match --json`; a batch answers in
//!   order, each answer the same as the single one;
//! - limits (title length, batch size, body size, timeout) and every error are JSON
//!   `{code, message}` with the right status, never a stack trace;
//! - roles, role cards and levels;
//! - the review API: tokens (none, wrong, named, shared), list, approve (an exact match at
//!   once, even for a title answered from the cache before), reject, bulk approve, history (who
//!   decided what), undo; approvals made with the CLI on the same store reach the server;
//! - `/metrics` counts requests, latency and matches by band;
//! - `/openapi.json`: every operation in it answers with the status, content type and body
//!   shape it documents;
//! - SIGTERM: a request in flight finishes, then the process exits cleanly;
//! - a headless Chromium approves a candidate on `/review` by clicking (screenshots are saved
//!   under `target/test-artifacts/`).

use crate::common;
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use titlematch::server::{self, AppState, ServerConfig, Tokens};
use titlematch::Engine;

const ALICE: &str = "alice-token-0123456789";
const BOB: &str = "bob-token-0123456789";
const SHARED: &str = "shared-team-token-0123";

/// Long enough for a debug build on a busy 2-core machine; only reached when something hangs.
const DEADLINE: Duration = Duration::from_secs(120);

// ---- the server under test ------------------------------------------------------------

/// A snapshot of `data/` and an index built from it, once for the whole test binary: every
/// server and every `titlematch` child opens the same files, and nothing rebuilds the index
/// (which others may have mapped) should `data/` change during the run.
fn fixture() -> &'static (tempfile::TempDir, PathBuf, PathBuf) {
    static F: OnceLock<(tempfile::TempDir, PathBuf, PathBuf)> = OnceLock::new();
    F.get_or_init(|| {
        let d = common::tempdir();
        let data = d.path().join("data");
        copy_dir(&common::repo().join("data"), &data);
        let index = d.path().join("index");
        Engine::open(&data, &index).expect("index builds");
        (d, data, index)
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn data_dir() -> &'static Path {
    &fixture().1
}

fn index_dir() -> &'static Path {
    &fixture().2
}

fn fresh_engine() -> Engine {
    Engine::open(data_dir(), index_dir()).expect("engine opens")
}

/// The engine the servers run, for expectations (built once).
fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(fresh_engine)
}

struct Server {
    base: String,
    db: PathBuf,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// Start a server on 127.0.0.1:0 with `tokens` (`name:token` or shared `token`).
fn start_with(tokens: &[&str], config: impl FnOnce(&mut ServerConfig)) -> Server {
    let dir = common::tempdir();
    let db = dir.path().join("review.db");
    let mut cfg = ServerConfig {
        review_db: db.clone(),
        overlay_poll: None,
        ..ServerConfig::default()
    };
    config(&mut cfg);
    let mut t = Tokens::default();
    for spec in tokens {
        t.add_spec(spec).unwrap();
    }
    let state = AppState::new(fresh_engine(), cfg, t).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(server::serve(listener, state, async move {
        let _ = rx.await;
    }));
    Server {
        base: format!("http://{addr}"),
        db,
        dir,
        stop: Some(tx),
        rt: Some(rt),
    }
}

fn start() -> Server {
    start_with(
        &[&format!("alice:{ALICE}"), &format!("bob:{BOB}"), SHARED],
        |_| {},
    )
}

fn client() -> &'static reqwest::blocking::Client {
    static C: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    C.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .timeout(DEADLINE)
            .build()
            .unwrap()
    })
}

/// An answer: status, content type, headers, body (JSON when it is JSON).
#[derive(Debug)]
struct Answer {
    status: u16,
    ctype: String,
    headers: reqwest::header::HeaderMap,
    text: String,
    json: Value,
}

fn send(method: &str, url: &str, token: Option<&str>, body: Option<&[u8]>) -> Answer {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut rq = client().request(m, url);
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    if let Some(b) = body {
        rq = rq
            .header("content-type", "application/json")
            .body(b.to_vec());
    }
    let r = rq.send().unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let ctype = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r.text().unwrap();
    let json = if ctype.starts_with("application/json") {
        serde_json::from_str(&text).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    Answer {
        status,
        ctype,
        headers,
        text,
        json,
    }
}

impl Server {
    fn get(&self, path: &str, token: Option<&str>) -> Answer {
        send("GET", &format!("{}{path}", self.base), token, None)
    }

    fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        send(
            "POST",
            &format!("{}{path}", self.base),
            token,
            Some(body.to_string().as_bytes()),
        )
    }

    fn post_raw(&self, path: &str, body: &[u8]) -> Answer {
        send("POST", &format!("{}{path}", self.base), None, Some(body))
    }

    fn match_title(&self, title: &str) -> Value {
        let a = self.post("/v1/match", None, &json!({ "title": title }));
        assert_eq!(a.status, 200, "{}", a.text);
        a.json
    }

    /// Queue titles for review (one batch), and return the candidate id of each, in order.
    fn queue(&self, titles: &[&str]) -> Vec<i64> {
        let a = self.post(
            "/v1/match/batch",
            None,
            &json!({ "titles": titles, "queue_review": true }),
        );
        assert_eq!(a.status, 200, "{}", a.text);
        let list = self.get("/v1/review/candidates?limit=1000&status=all", Some(ALICE));
        assert_eq!(list.status, 200, "{}", list.text);
        titles
            .iter()
            .map(|t| {
                let norm = engine().normalizer().normalize(t).text();
                list.json["candidates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["title"] == norm.as_str())
                    .unwrap_or_else(|| {
                        panic!(
                            "{t:?} was not queued (the engine is sure of it now?): {}",
                            list.text
                        )
                    })["id"]
                    .as_i64()
                    .unwrap()
            })
            .collect()
    }
}

/// An error answer: the status, JSON with a code and a message, no internals.
fn assert_error(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status, status, "{}", a.text);
    assert!(
        a.ctype.starts_with("application/json"),
        "content type {:?}: {}",
        a.ctype,
        a.text
    );
    assert_eq!(a.json["code"], code, "{}", a.text);
    let msg = a.json["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message: {}", a.text));
    assert!(!msg.is_empty());
    for leak in ["panicked", "backtrace", "src/", ".rs:"] {
        assert!(!msg.contains(leak), "the message leaks {leak:?}: {msg}");
    }
    assert_eq!(a.json.as_object().map(|o| o.len()), Some(2), "{}", a.text);
}

// ---- matching --------------------------------------------------------------------------

#[test]
fn match_answers_the_json_of_match_cli() {
    let s = start();
    let titles = [
        "Sr. InfoSec Eng II",
        "Registered Nurse",
        "Warehouse Associate - 2nd Shift",
        "asdf qwerty",
    ];
    let dir = common::tempdir();
    let data = data_dir();
    let idx = dir.path().join("index");
    let mut args = vec!["match", "--json"];
    args.extend(titles);
    args.extend([
        "--data",
        data.to_str().unwrap(),
        "--index",
        idx.to_str().unwrap(),
    ]);
    let out = common::run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let cli: Vec<Value> = common::stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cli.len(), titles.len());
    for (t, want) in titles.iter().zip(&cli) {
        let got = s.match_title(t);
        assert_eq!(
            &got, want,
            "POST /v1/match {t:?} differs from `match --json`"
        );
        // The second time comes from the cache, and must be the same.
        assert_eq!(&s.match_title(t), want);
    }
    let sei = s.match_title("Sr. InfoSec Eng II");
    assert_eq!(sei["role"]["code"], "SEI.GEN");
    assert_eq!(sei["level"]["code"], "P3");
}

#[test]
fn batch_answers_in_order_like_single_matches() {
    let s = start();
    let titles = [
        "Registered Nurse",
        "",
        "Sr. InfoSec Eng II",
        "asdf",
        "VP, Sales - EMEA",
        "Registered Nurse",
    ];
    let a = s.post("/v1/match/batch", None, &json!({ "titles": titles }));
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["count"], titles.len());
    assert!(a.json.get("queued").is_none());
    let results = a.json["results"].as_array().unwrap();
    assert_eq!(results.len(), titles.len());
    for (t, r) in titles.iter().zip(results) {
        assert_eq!(r["input"], *t);
        assert_eq!(r, &s.match_title(t), "batch and single differ for {t:?}");
    }
    // Options apply to every title.
    let a = s.post(
        "/v1/match/batch",
        None,
        &json!({ "titles": ["Software Engineer II"], "top": 0, "soc_top": 1 }),
    );
    assert_eq!(
        a.json["results"][0]["alternatives"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert!(a.json["results"][0]["soc"].as_array().unwrap().len() <= 1);
    let a = s.post("/v1/match/batch", None, &json!({ "titles": [] }));
    assert_eq!((a.status, a.json["count"].as_u64()), (200, Some(0)));
}

#[test]
fn limits_and_bad_requests_are_json_errors() {
    let s = start_with(&[], |c| {
        c.max_batch = 5;
        c.max_body = 16 * 1024;
    });
    let long = "x".repeat(server::MAX_TITLE_BYTES + 1);
    assert_error(
        &s.post("/v1/match", None, &json!({ "title": long })),
        400,
        "title_too_long",
    );
    let ok = "y".repeat(server::MAX_TITLE_BYTES);
    assert_eq!(
        s.post("/v1/match", None, &json!({ "title": ok })).status,
        200
    );
    let a = s.post("/v1/match/batch", None, &json!({ "titles": ["a", long] }));
    assert_error(&a, 400, "title_too_long");
    assert!(
        a.json["message"].as_str().unwrap().contains("titles[1]"),
        "{}",
        a.text
    );
    assert_error(
        &s.post("/v1/match/batch", None, &json!({ "titles": vec!["a"; 6] })),
        400,
        "too_many_titles",
    );
    assert_eq!(
        s.post("/v1/match/batch", None, &json!({ "titles": vec!["a"; 5] }))
            .status,
        200
    );
    let big = json!({ "titles": vec!["z".repeat(1000); 20] });
    assert_error(
        &s.post("/v1/match/batch", None, &big),
        413,
        "body_too_large",
    );

    assert_error(&s.post_raw("/v1/match", b"{\"title\": "), 400, "bad_json");
    assert_error(&s.post_raw("/v1/match", b""), 400, "bad_json");
    assert_error(&s.post_raw("/v1/match", b"[1,2]"), 400, "bad_json");
    assert_error(
        &s.post("/v1/match", None, &json!({ "title": 7 })),
        400,
        "bad_json",
    );
    assert_error(
        &s.post("/v1/match", None, &json!({ "titel": "Nurse" })),
        400,
        "bad_json",
    );
    assert_error(
        &s.post(
            "/v1/match",
            None,
            &json!({ "title": "Nurse", "ladder": "pirate" }),
        ),
        400,
        "unknown_ladder",
    );
    assert_error(
        &s.post("/v1/match", None, &json!({ "title": "Nurse", "top": 21 })),
        400,
        "invalid_option",
    );
    assert_eq!(
        s.post(
            "/v1/match",
            None,
            &json!({ "title": "Associate", "ladder": "law" })
        )
        .status,
        200
    );

    assert_error(&s.get("/v1/nothing-here", None), 404, "not_found");
    assert_error(&s.get("/v1/match", None), 405, "method_not_allowed");
    assert_error(
        &send("DELETE", &format!("{}/v1/roles", s.base), None, None),
        405,
        "method_not_allowed",
    );
    assert_error(&s.get("/v1/roles/NOPE.XYZ", None), 404, "not_found");
    assert_error(&s.get("/v1/roles?bogus=1", None), 400, "bad_query");
    // Without tokens the review API is off, and says how to turn it on.
    let a = s.get("/v1/review/candidates", Some(ALICE));
    assert_error(&a, 403, "review_disabled");
    assert!(a.json["message"]
        .as_str()
        .unwrap()
        .contains("--reviewer-token"));
}

#[test]
fn slow_requests_time_out_with_json() {
    let s = start_with(&[], |c| c.timeout = Duration::from_millis(1));
    let titles: Vec<String> = (0..1000)
        .map(|i| format!("Qwxz Analyst Senior {i}"))
        .collect();
    assert_error(
        &s.post("/v1/match/batch", None, &json!({ "titles": titles })),
        503,
        "timeout",
    );
}

#[test]
fn roles_cards_and_levels() {
    let s = start();
    let tax = engine().taxonomy();
    let a = s.get("/v1/roles", None);
    assert_eq!(a.status, 200);
    assert_eq!(a.json["count"], tax.len());
    assert_eq!(a.json["roles"].as_array().unwrap().len(), tax.len());
    let a = s.get("/v1/roles?q=nurse", None);
    let found = a.json["roles"].as_array().unwrap();
    assert!(found.iter().any(|r| r["code"] == "RNU.GEN"));
    assert!(found.iter().all(
        |r| r["name"].as_str().unwrap().to_lowercase().contains("nurse")
            || r["code"].as_str().unwrap().to_lowercase().contains("nurse")
    ));
    let a = s.get("/v1/roles?family=SEI", None);
    assert!(a.json["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "SEI.GEN"));

    let role = tax.get("SEI.GEN").unwrap();
    let card = s.get("/v1/roles/sei.gen", None);
    assert_eq!(card.status, 200, "{}", card.text);
    let c = &card.json;
    assert_eq!(c["name"], role.name.as_str());
    assert_eq!(c["family"], role.family.as_str());
    assert_eq!(c["default_level"], role.default_level.to_string());
    let levels = c["levels"].as_array().unwrap();
    assert_eq!(levels.iter().filter(|l| l["default"] == true).count(), 1);
    assert!(levels
        .iter()
        .any(|l| l["code"] == role.default_level.to_string() && l["default"] == true));
    let aliases = c["aliases"].as_array().unwrap();
    assert_eq!(aliases.len(), role.aliases.len());
    assert!(aliases.iter().all(|a| a["type"].is_string()
        && a["confidence"].is_number()
        && a["approved"].is_boolean()));
    let soc = c["soc"].as_array().unwrap();
    assert!(!soc.is_empty() && soc.iter().all(|m| m["review_status"].is_string()));
    let adj = c["adjacent"].as_array().unwrap();
    assert!(!adj.is_empty());
    assert!(adj
        .iter()
        .all(|a| a["code"] != "SEI.GEN" && tax.get(a["code"].as_str().unwrap()).is_some()));
    assert_eq!(c["reviewed_aliases"], json!([]));

    let a = s.get("/v1/levels", None);
    assert_eq!(a.json["levels"].as_array().unwrap().len(), 19);
    assert!(a.json["ladders"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "general"));
}

// ---- the review API --------------------------------------------------------------------

#[test]
fn review_api_needs_a_reviewer_token() {
    let s = start();
    s.post(
        "/v1/match",
        None,
        &json!({ "title": "Glorbin Flurk III", "queue_review": true }),
    );
    let a = s.get("/v1/review/candidates", None);
    assert_error(&a, 401, "unauthorized");
    assert!(a.headers.get("www-authenticate").is_some());
    assert_error(
        &s.get("/v1/review/candidates", Some("alice-token-012345678")),
        401,
        "unauthorized",
    );
    assert_error(
        &s.get("/v1/review/history", Some("nope")),
        401,
        "unauthorized",
    );
    assert_error(
        &s.post("/v1/review/candidates/1/reject", None, &json!({})),
        401,
        "unauthorized",
    );

    assert_eq!(
        s.get("/v1/review/whoami", Some(ALICE)).json,
        json!({ "reviewer": "alice", "shared": false })
    );
    assert_eq!(
        s.get("/v1/review/whoami", Some(SHARED)).json,
        json!({ "reviewer": null, "shared": true })
    );
    // A shared token names its reviewer; a named token cannot act as someone else.
    assert_error(
        &s.post("/v1/review/candidates/1/reject", Some(SHARED), &json!({})),
        400,
        "reviewer_required",
    );
    assert_error(
        &s.post(
            "/v1/review/candidates/1/reject",
            Some(ALICE),
            &json!({ "reviewer": "bob" }),
        ),
        403,
        "token_mismatch",
    );
    assert_error(
        &s.post(
            "/v1/review/candidates/1/reject",
            Some(SHARED),
            &json!({ "reviewer": "titlematch" }),
        ),
        400,
        "invalid_reviewer",
    );
    // Nothing was decided by the refused requests.
    let list = s.get("/v1/review/candidates", Some(BOB));
    assert_eq!(list.status, 200);
    assert_eq!(list.json["candidates"][0]["status"], "pending");
    assert_eq!(list.json["counts"]["decisions"], 0);
}

#[test]
fn review_flow_approve_reject_bulk_undo() {
    let s = start();
    // An empty store: the queue is empty, not an error.
    let a = s.get("/v1/review/candidates", Some(ALICE));
    assert_eq!(
        (a.status, a.json["candidates"].as_array().map(Vec::len)),
        (200, Some(0))
    );

    let before = s.match_title("Glorbin Flurk III"); // now in the cache
    assert!(before["role"].is_null());
    let a = s.post(
        "/v1/match",
        None,
        &json!({ "title": "Glorbin Flurk III", "queue_review": true }),
    );
    assert_eq!(a.headers["titlematch-queued"], "true");
    let a = s.post(
        "/v1/match",
        None,
        &json!({ "title": "Registered Nurse", "queue_review": true }),
    );
    assert_eq!(a.headers["titlematch-queued"], "false");
    let ids = s.queue(&[
        "Glorbin Flurk III",
        "Wizard of Light Bulb Moments",
        "Nurse Wrangler",
        "Forklift Jockey",
    ]);
    let (glorbin, wizard, nurse, forklift) = (ids[0], ids[1], ids[2], ids[3]);
    let list = s.get("/v1/review/candidates", Some(ALICE)).json;
    let g = list["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == glorbin)
        .unwrap()
        .clone();
    assert_eq!(
        (
            g["count"].as_u64(),
            g["alias"].as_str(),
            g["status"].as_str()
        ),
        (Some(2), Some("glorbin flurk"), Some("pending"))
    );
    assert_eq!(list["candidates"][0]["id"], glorbin, "most frequent first");

    // Approve: an exact match at once, although the old answer was cached.
    let a = s.post(
        &format!("/v1/review/candidates/{glorbin}/approve"),
        Some(ALICE),
        &json!({ "role": "sei.gen", "note": "our word" }),
    );
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["decision"]["reviewer"], "alice");
    assert_eq!(a.json["preview"]["role"]["code"], "SEI.GEN");
    let m = s.match_title("Glorbin Flurk III");
    assert_eq!(
        (m["role"]["code"].as_str(), m["match_type"].as_str()),
        (Some("SEI.GEN"), Some("exact")),
        "{m}"
    );
    assert_eq!(m["level"]["code"], "P3");
    assert_eq!(m["explain"]["alias_source"], "review:alice");
    assert_error(
        &s.post(
            &format!("/v1/review/candidates/{glorbin}/approve"),
            Some(BOB),
            &json!({}),
        ),
        409,
        "conflict",
    );
    let card = s.get("/v1/roles/SEI.GEN", None).json;
    assert!(card["reviewed_aliases"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["alias"] == "glorbin flurk" && a["reviewer"] == "alice"));

    // Reject with a shared token: the body names the reviewer.
    let a = s.post(
        &format!("/v1/review/candidates/{wizard}/reject"),
        Some(SHARED),
        &json!({ "reviewer": "carol", "note": "not a title" }),
    );
    assert_eq!(
        (
            a.status,
            a.json["reviewer"].as_str(),
            a.json["new_status"].as_str()
        ),
        (200, Some("carol"), Some("rejected")),
        "{}",
        a.text
    );

    // Bulk: each id on its own.
    let a = s.post(
        "/v1/review/bulk-approve",
        Some(BOB),
        &json!({ "ids": [nurse, 999_999, forklift] }),
    );
    assert_eq!(a.status, 200, "{}", a.text);
    let r = a.json["results"].as_array().unwrap();
    assert_eq!(
        (a.json["approved"].as_u64(), a.json["failed"].as_u64()),
        (Some(2), Some(1)),
        "{}",
        a.text
    );
    assert_eq!(
        (
            r[0]["ok"].as_bool(),
            r[1]["ok"].as_bool(),
            r[1]["code"].as_str()
        ),
        (Some(true), Some(false), Some("not_found"))
    );
    let nurse_role = r[0]["role"].as_str().unwrap().to_string();
    assert_eq!(
        s.match_title("Nurse Wrangler")["role"]["code"],
        nurse_role.as_str()
    );
    assert_eq!(s.match_title("Nurse Wrangler")["match_type"], "exact");

    // Who decided what.
    let h = s.get("/v1/review/history", Some(ALICE)).json;
    let who: Vec<(String, String)> = h["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["reviewer"].as_str().unwrap().into(),
                d["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(who.len(), 4, "{h}");
    assert_eq!(who[0], ("alice".into(), "remap".into()));
    assert_eq!(who[1], ("carol".into(), "reject".into()));
    assert_eq!(who[2].0, "bob");
    let mine = s.get("/v1/review/history?reviewer=carol", Some(ALICE)).json;
    assert_eq!(mine["decisions"].as_array().unwrap().len(), 1);
    let decided = s.get("/v1/review/candidates?status=all", Some(ALICE)).json;
    let w = decided["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == wizard)
        .unwrap();
    assert_eq!(
        (
            w["status"].as_str(),
            w["last_decision"]["reviewer"].as_str()
        ),
        (Some("rejected"), Some("carol"))
    );

    // Undo the approval: the title no longer matches.
    let did = a.json["results"][0]["decision"]["id"].as_i64().unwrap();
    let first = h["decisions"][0]["id"].as_i64().unwrap();
    let u = s.post(
        &format!("/v1/review/decisions/{first}/undo"),
        Some(ALICE),
        &json!({}),
    );
    assert_eq!(
        (
            u.status,
            u.json["action"].as_str(),
            u.json["new_status"].as_str()
        ),
        (200, Some("undo"), Some("pending")),
        "{}",
        u.text
    );
    assert!(s.match_title("Glorbin Flurk III")["role"].is_null());
    assert_eq!(
        s.match_title("Nurse Wrangler")["role"]["code"],
        nurse_role.as_str(),
        "undo touched another alias"
    );
    // Undo with an empty body works too.
    let u = send(
        "POST",
        &format!("{}/v1/review/decisions/{did}/undo", s.base),
        Some(BOB),
        None,
    );
    assert_eq!(u.status, 200, "{}", u.text);
    assert_ne!(s.match_title("Nurse Wrangler")["match_type"], "exact");

    // Not found, bad ids, bad roles and levels.
    assert_error(
        &s.post(
            "/v1/review/candidates/999999/approve",
            Some(ALICE),
            &json!({}),
        ),
        404,
        "not_found",
    );
    assert_error(
        &s.post(
            "/v1/review/candidates/999999/reject",
            Some(ALICE),
            &json!({}),
        ),
        404,
        "not_found",
    );
    assert_error(
        &s.post("/v1/review/decisions/999999/undo", Some(ALICE), &json!({})),
        404,
        "not_found",
    );
    assert_error(
        &s.post("/v1/review/candidates/abc/approve", Some(ALICE), &json!({})),
        400,
        "bad_path",
    );
    assert_error(
        &s.post(
            &format!("/v1/review/candidates/{glorbin}/approve"),
            Some(ALICE),
            &json!({ "role": "NOPE.X" }),
        ),
        400,
        "unknown_role",
    );
    assert_error(
        &s.post(
            &format!("/v1/review/candidates/{glorbin}/approve"),
            Some(ALICE),
            &json!({ "level": "Q9" }),
        ),
        400,
        "unknown_level",
    );
    assert_error(
        &s.post(
            "/v1/review/bulk-approve",
            Some(ALICE),
            &json!({ "ids": [] }),
        ),
        400,
        "invalid_request",
    );
    assert_error(
        &s.get("/v1/review/candidates?status=maybe", Some(ALICE)),
        400,
        "bad_query",
    );
    // The refused requests wrote nothing.
    assert_eq!(
        s.get("/v1/review/history?limit=1000", Some(ALICE)).json["decisions"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn approvals_made_with_the_cli_reach_the_server() {
    let s = start_with(&[&format!("alice:{ALICE}")], |c| {
        c.overlay_poll = Some(Duration::from_millis(50))
    });
    let id = s.queue(&["Zorbly Technician"])[0];
    assert!(
        s.match_title("Zorbly Technician")["role"].is_null()
            || s.match_title("Zorbly Technician")["match_type"] != "exact"
    );
    let data = data_dir();
    let out = common::run_in(
        s.dir.path(),
        &[
            "review",
            "approve",
            &id.to_string(),
            "--role",
            "SEI.GEN",
            "--reviewer",
            "dana",
            "--review-db",
            s.db.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
            "--index",
            index_dir().to_str().unwrap(),
        ],
    );
    if !out.status.success() && common::stderr(&out).contains("unknown role code") {
        panic!(
            "the test's role code is gone from the data: {}",
            common::stderr(&out)
        );
    }
    assert!(out.status.success(), "{}", common::stderr(&out));
    let start = Instant::now();
    loop {
        let m = s.match_title("Zorbly Technician");
        if m["match_type"] == "exact" {
            assert_eq!(m["role"]["code"], "SEI.GEN");
            assert_eq!(m["explain"]["alias_source"], "review:dana");
            break;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the server never picked up the CLI's approval: {m}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---- health, metrics -------------------------------------------------------------------

fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn health_and_metrics() {
    let s = start();
    let h = s.get("/healthz", None);
    assert_eq!((h.status, h.json["status"].as_str()), (200, Some("ok")));
    assert_eq!(h.json["roles"], engine().taxonomy().len());
    for t in [
        "Registered Nurse",
        "Registered Nurse",
        "asdf",
        "Qwxz Analyst",
    ] {
        s.match_title(t);
    }
    s.post(
        "/v1/match/batch",
        None,
        &json!({ "titles": ["Registered Nurse", "Sr. InfoSec Eng II"] }),
    );
    s.post_raw("/v1/match", b"nope");
    s.get("/v1/nope", None);
    let m = s.get("/metrics", None);
    assert_eq!(m.status, 200);
    assert!(
        m.ctype.starts_with("text/plain; version=0.0.4"),
        "{}",
        m.ctype
    );
    let t = &m.text;
    assert_eq!(
        metric(
            t,
            "titlematch_http_requests_total{route=\"/v1/match\",status=\"200\"}"
        ),
        4.0,
        "{t}"
    );
    assert_eq!(
        metric(
            t,
            "titlematch_http_requests_total{route=\"/v1/match\",status=\"400\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            t,
            "titlematch_http_requests_total{route=\"/v1/match/batch\",status=\"200\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            t,
            "titlematch_http_requests_total{route=\"unmatched\",status=\"404\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            t,
            "titlematch_http_request_duration_seconds_count{route=\"/v1/match\"}"
        ),
        5.0
    );
    assert_eq!(
        metric(
            t,
            "titlematch_http_request_duration_seconds_bucket{route=\"/v1/match\",le=\"+Inf\"}"
        ),
        5.0
    );
    assert_eq!(
        metric(
            t,
            "titlematch_matches_total{band=\"high\",match_type=\"exact\"}"
        ),
        3.0,
        "{t}"
    );
    let mut all = 0.0;
    for band in ["high", "medium", "low"] {
        for ty in ["exact", "alias", "fuzzy", "partial", "none"] {
            all += metric(
                t,
                &format!("titlematch_matches_total{{band=\"{band}\",match_type=\"{ty}\"}}"),
            );
        }
    }
    assert_eq!(all, 6.0, "4 single + 2 batch titles");
    assert_eq!(
        metric(t, "titlematch_match_cache_requests_total{result=\"hit\"}"),
        1.0
    );
    assert_eq!(
        metric(t, "titlematch_match_cache_requests_total{result=\"miss\"}"),
        3.0
    );
    assert_eq!(
        metric(t, "titlematch_http_requests_in_flight"),
        1.0,
        "the /metrics request itself"
    );
}

// ---- the OpenAPI document --------------------------------------------------------------

/// Validate `v` against a JSON schema of the document (the subset it uses: $ref, anyOf, type,
/// enum, properties, required, additionalProperties, items).
fn validate(doc: &Value, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{r} does not resolve"));
        return validate(doc, target, v, at, errs);
    }
    if let Some(any) = schema["anyOf"].as_array() {
        if !any.iter().any(|s| {
            let mut e = Vec::new();
            validate(doc, s, v, at, &mut e);
            e.is_empty()
        }) {
            errs.push(format!("{at}: matches no anyOf branch: {v}"));
        }
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let is = |t: &str| match t {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        errs.push(format!("{at}: expected {types:?}, got {v}"));
        return;
    }
    if let Some(e) = schema["enum"].as_array() {
        if !e.contains(v) {
            errs.push(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let Some(o) = v.as_object() {
        let props = schema["properties"].as_object();
        for r in schema["required"].as_array().into_iter().flatten() {
            if !o.contains_key(r.as_str().unwrap()) {
                errs.push(format!("{at}: missing required {r}"));
            }
        }
        for (k, x) in o {
            match props.and_then(|p| p.get(k)) {
                Some(s) => validate(doc, s, x, &format!("{at}.{k}"), errs),
                None => match &schema["additionalProperties"] {
                    Value::Bool(false) => errs.push(format!("{at}: {k:?} is not documented")),
                    s @ Value::Object(_) => validate(doc, s, x, &format!("{at}.{k}"), errs),
                    _ => {}
                },
            }
        }
    }
    if let (Some(a), Some(items)) = (v.as_array(), schema.get("items")) {
        for (i, x) in a.iter().enumerate() {
            validate(doc, items, x, &format!("{at}[{i}]"), errs);
        }
    }
}

#[test]
fn openapi_document_matches_the_server() {
    let s = start();
    let doc = s.get("/openapi.json", None).json;
    assert_eq!(doc["openapi"], "3.1.0");
    // Candidates 1-4, which the document's examples refer to.
    assert_eq!(
        s.queue(&[
            "Glorbin Flurk III",
            "Wizard of Light Bulb Moments",
            "Nurse Wrangler",
            "Forklift Jockey"
        ]),
        [1, 2, 3, 4]
    );

    // Every operation, in an order where the examples make sense (approve 1 is decision 1,
    // reject 2 is decision 2, undo 2 reverses it).
    let order = [
        "health",
        "metrics",
        "openapi",
        "reviewPage",
        "reviewScript",
        "reviewStyle",
        "match",
        "matchBatch",
        "listRoles",
        "roleCard",
        "listLevels",
        "whoami",
        "listCandidates",
        "approveCandidate",
        "rejectCandidate",
        "history",
        "undoDecision",
        "bulkApprove",
    ];
    let mut ops: Vec<(String, String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((
                op["operationId"].as_str().unwrap().to_string(),
                method.to_uppercase(),
                path.clone(),
                op.clone(),
            ));
        }
    }
    let mut documented: Vec<&str> = ops.iter().map(|o| o.0.as_str()).collect();
    let mut tested = order.to_vec();
    documented.sort();
    tested.sort();
    assert_eq!(
        documented, tested,
        "the document's operations and this test's list differ"
    );

    for id in order {
        let (_, method, path, op) = ops.iter().find(|o| o.0 == id).unwrap();
        let mut url = path.clone();
        for p in op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
        {
            let ex = &p["example"];
            let val = ex
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| ex.to_string());
            url = url.replace(&format!("{{{}}}", p["name"].as_str().unwrap()), &val);
        }
        assert!(!url.contains('{'), "{id}: a path parameter has no example");
        let body = op["requestBody"]["content"]["application/json"]["example"].clone();
        let token = op.get("security").map(|_| ALICE);
        let a = send(
            method,
            &format!("{}{url}", s.base),
            token,
            (!body.is_null())
                .then(|| body.to_string().into_bytes())
                .as_deref(),
        );
        let responses = op["responses"].as_object().unwrap();
        let ok: Vec<(&String, &Value)> = responses
            .iter()
            .filter(|(k, _)| k.starts_with('2'))
            .collect();
        assert_eq!(ok.len(), 1, "{id}: one success status");
        let (status, resp) = ok[0];
        assert_eq!(
            a.status.to_string(),
            *status,
            "{id} {method} {url}: {}",
            a.text
        );
        let (ctype, media) = resp["content"].as_object().unwrap().iter().next().unwrap();
        assert!(
            a.ctype.starts_with(ctype.as_str()),
            "{id}: content type {:?}, documented {ctype}",
            a.ctype
        );
        if ctype == "application/json" {
            let mut errs = Vec::new();
            validate(&doc, &media["schema"], &a.json, id, &mut errs);
            assert!(
                errs.is_empty(),
                "{id}: the answer does not match the document:\n{}\n{}",
                errs.join("\n"),
                a.text
            );
        } else {
            assert!(!a.text.is_empty(), "{id}: empty body");
        }
        if id == "bulkApprove" {
            assert_eq!(
                a.json["approved"], 2,
                "the example should approve both: {}",
                a.text
            );
        }
        // Documented error responses are the Error schema.
        for (code, r) in responses.iter().filter(|(k, _)| !k.starts_with('2')) {
            assert_eq!(r["$ref"], "#/components/responses/Error", "{id} {code}");
        }
    }

    // Errors match the Error schema too.
    let e = s.post_raw("/v1/match", b"{");
    let mut errs = Vec::new();
    validate(
        &doc,
        &json!({ "$ref": "#/components/schemas/Error" }),
        &e.json,
        "error",
        &mut errs,
    );
    assert!(errs.is_empty(), "{errs:?}");
    // A candidate that was decided carries its last decision, as documented.
    let all = s.get("/v1/review/candidates?status=all", Some(ALICE));
    let mut errs = Vec::new();
    validate(
        &doc,
        &json!({ "$ref": "#/components/schemas/CandidateList" }),
        &all.json,
        "list",
        &mut errs,
    );
    assert!(errs.is_empty(), "{errs:?}");
    assert!(all.json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c.get("last_decision").is_some()));
}

// ---- graceful shutdown -----------------------------------------------------------------

/// `titlematch serve` on a free port; returns the child and its base URL.
/// A `titlematch serve` process, killed when dropped (a failing test leaves nothing running).
struct ServeProcess(Child);

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_serve(
    dir: &Path,
    extra: &[&str],
) -> (ServeProcess, String, std::sync::mpsc::Receiver<String>) {
    let data = data_dir();
    let child = Command::new(common::bin())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--data",
            data.to_str().unwrap(),
            "--index",
            index_dir().to_str().unwrap(),
        ])
        .args(extra)
        .current_dir(dir)
        .env_remove("TITLEMATCH_DATA")
        .env_remove("TITLEMATCH_INDEX")
        .env_remove("TITLEMATCH_REVIEW_DB")
        .env_remove("TITLEMATCH_TOKENS_FILE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("titlematch serve starts");
    let mut child = ServeProcess(child);
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let start = Instant::now();
    loop {
        let line = rx
            .recv_timeout(DEADLINE.saturating_sub(start.elapsed()))
            .expect("serve prints its address");
        if let Some(rest) = line.split("listening on ").nth(1) {
            let base = rest.split_whitespace().next().unwrap().to_string();
            return (child, base, rx);
        }
    }
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let dir = common::tempdir();
    let (mut child, base, lines) = spawn_serve(dir.path(), &[]);
    let titles: Vec<String> = (0..1000)
        .map(|i| format!("Senior Qwxz Analyst Zorb {i}"))
        .collect();
    let body = json!({ "titles": titles }).to_string().into_bytes();
    let mut finished = None;
    for _attempt in 0..5 {
        let (url, b) = (format!("{base}/v1/match/batch"), body.clone());
        let batch = std::thread::spawn(move || send("POST", &url, None, Some(&b)));
        // Wait until the batch is being answered (in flight besides this /metrics request).
        let seen = loop {
            let m = send("GET", &format!("{base}/metrics"), None, None);
            if metric(&m.text, "titlematch_http_requests_in_flight") >= 2.0 {
                break true;
            }
            if batch.is_finished() {
                break false;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        if !seen {
            batch.join().unwrap();
            continue; // too quick to catch: try again
        }
        let kill = Command::new("kill")
            .args(["-TERM", &child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        finished = Some(batch.join().unwrap());
        break;
    }
    let a = finished.expect("never caught the batch in flight");
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json["count"], 1000);
    assert_eq!(
        a.json["results"][999]["input"],
        "Senior Qwxz Analyst Zorb 999"
    );
    let status = child.0.wait().unwrap();
    assert!(status.success(), "serve exited with {status}");
    let rest: Vec<String> = lines.try_iter().collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
    // And it no longer listens.
    assert!(client().get(format!("{base}/healthz")).send().is_err());
}

#[test]
fn serve_refuses_bad_options() {
    let dir = common::tempdir();
    let out = common::run_in(
        dir.path(),
        &[
            "serve",
            "--reviewer-token",
            "short",
            "--addr",
            "127.0.0.1:0",
        ],
    );
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("at least"),
        "{}",
        common::stderr(&out)
    );
    std::fs::write(dir.path().join("tokens"), "alice alice-token-0123456789\n").unwrap();
    let out = common::run_in(
        dir.path(),
        &["serve", "--tokens-file", "tokens", "--addr", "127.0.0.1:0"],
    );
    assert!(!out.status.success());
    assert!(
        common::stderr(&out).contains("tokens:1"),
        "{}",
        common::stderr(&out)
    );
    let out = common::run_in(
        dir.path(),
        &["serve", "--timeout-ms", "0", "--addr", "127.0.0.1:0"],
    );
    assert!(!out.status.success());
}

// ---- the review page in a browser -------------------------------------------------------

/// A WebDriver session on a chromedriver child.
struct Browser {
    driver: Child,
    base: String,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = client()
            .delete(format!("{}/session/{}", self.base, self.session))
            .send();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    fn start(profile: &Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while client()
            .get(format!("{base}/status"))
            .send()
            .map(|r| !r.status().is_success())
            .unwrap_or(true)
        {
            assert!(start.elapsed() < DEADLINE, "chromedriver never answered");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium().unwrap().to_str().unwrap(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1500,900",
                     format!("--user-data-dir={}", profile.display())]
        }}}});
        let r: Value = client()
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {r}"))
            .to_string();
        Browser {
            driver,
            base,
            session,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rq = client().request(m, url);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r: Value = rq.send().unwrap().json().unwrap();
        r["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> Option<String> {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v[ELEMENT].as_str().map(str::to_string)
    }

    /// Wait for an element (the page loads data with fetch).
    fn wait_for(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.find(css) {
                return e;
            }
            assert!(start.elapsed() < DEADLINE, "{css} never appeared");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn text(&self, element: &str) -> String {
        self.cmd("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn wait_text(&self, css: &str, want: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.find(css) {
                let t = self.text(&e);
                if t.contains(want) {
                    return t;
                }
            }
            assert!(start.elapsed() < DEADLINE, "{css} never showed {want:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, element: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    fn type_into(&self, element: &str, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn screenshot(&self, path: &Path) {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64_decode(b64.as_str().expect("a screenshot"));
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|c| val(*c) as u32).collect();
        let n = v
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, x)| n | x << (18 - 6 * i));
        out.extend(n.to_be_bytes()[1..].iter().take(chunk.len() - 1));
    }
    out
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn has_chromedriver() -> bool {
    Command::new("chromedriver")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn browser_approves_a_candidate_by_clicking() {
    if chromium().is_none() || !has_chromedriver() {
        let msg = "the browser test needs the Debian packages `chromium` and `chromium-driver` \
                   (apt-get install -y chromium chromium-driver; .ci/run installs them)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("SKIPPED browser_approves_a_candidate_by_clicking: {msg}");
        return;
    }
    let s = start();
    let ids = s.queue(&[
        "Forklift Jockey",
        "Nurse Wrangler",
        "Glorbin Flurk III",
        "Wizard of Light Bulb Moments",
    ]);
    let list = s.get("/v1/review/candidates", Some(ALICE)).json;
    let fork = list["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ids[0])
        .unwrap()
        .clone();
    let role = fork["suggested_role"]
        .as_str()
        .expect("Forklift Jockey has a suggestion")
        .to_string();
    assert_ne!(s.match_title("Forklift Jockey")["match_type"], "exact");

    let profile = common::tempdir();
    let b = Browser::start(profile.path());
    b.goto(&format!("{}/review", s.base));
    let token = b.wait_for("#token");
    b.type_into(&token, ALICE);
    b.click(&b.wait_for("#signin-button"));
    b.wait_text("#me-name", "alice");
    let approve = b.wait_for(&format!("button.approve[data-id=\"{}\"]", ids[0]));
    let artifacts = common::repo().join("target").join("test-artifacts");
    b.screenshot(&artifacts.join("review-page.png"));
    b.click(&approve);
    let status = b.wait_text(&format!("#cand-{} td.status", ids[0]), "by alice");
    assert!(
        status.starts_with("approved") || status.starts_with("remapped"),
        "{status}"
    );
    b.wait_text("#history", "alice");
    b.screenshot(&artifacts.join("review-page-approved.png"));

    let m = s.match_title("Forklift Jockey");
    assert_eq!(
        (m["role"]["code"].as_str(), m["match_type"].as_str()),
        (Some(role.as_str()), Some("exact")),
        "{m}"
    );
    assert_eq!(m["explain"]["alias_source"], "review:alice");
    let h = s.get("/v1/review/history", Some(ALICE)).json;
    assert_eq!(h["decisions"][0]["reviewer"], "alice");
    assert_eq!(h["decisions"][0]["candidate_id"], ids[0]);
}
