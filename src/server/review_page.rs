//! `GET /review`: the review page. A static page (HTML, one script, one style sheet, compiled
//! into the binary) that talks to the review API with `fetch`; no front-end build.
//!
//! The page is served with a strict Content-Security-Policy (scripts and styles from this
//! origin only, no inline code, no framing), and it writes every value from the store into
//! the document as text, never as HTML.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("assets/review.html");
const SCRIPT: &str = include_str!("assets/review.js");
const STYLE: &str = include_str!("assets/review.css");

/// The page's Content-Security-Policy.
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; \
                       base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `GET /review`.
pub(super) async fn page() -> Response {
    asset(PAGE, "text/html; charset=utf-8")
}

/// `GET /review/app.js`.
pub(super) async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

/// `GET /review/app.css`.
pub(super) async fn style() -> Response {
    asset(STYLE, "text/css; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_loads_its_assets_and_has_no_inline_code() {
        assert!(PAGE.contains("src=\"/review/app.js\""));
        assert!(PAGE.contains("href=\"/review/app.css\""));
        // The CSP forbids inline scripts, styles and handlers: the page must not need them.
        assert!(
            !PAGE.contains("<script>") && !PAGE.contains("style=\"") && !PAGE.contains(" onclick=")
        );
        assert!(!PAGE.contains("<style"));
    }

    #[test]
    fn script_never_writes_html_from_data() {
        // Values from the store go in with textContent; innerHTML is not used at all.
        assert!(
            !SCRIPT.contains("innerHTML")
                && !SCRIPT.contains("outerHTML")
                && !SCRIPT.contains("insertAdjacentHTML")
        );
        assert!(!SCRIPT.contains("eval("));
    }
}
