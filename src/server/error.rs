//! Errors as the API returns them: a status, a stable machine-readable `code`, and a message for
//! people. Never a stack trace: panics become a plain `internal` error (see [`panic_response`]).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error response: `{"code": "...", "message": "..."}` with an HTTP status.
///
/// ```
/// use axum::http::StatusCode;
/// use titlematch::server::ApiError;
/// let e = ApiError::bad_request("title_too_long", "title is 2000 bytes; the limit is 1024");
/// assert_eq!(e.status(), StatusCode::BAD_REQUEST);
/// assert_eq!(e.code(), "title_too_long");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// An error with any status.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400: the request is wrong (`code` says how).
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409: the request is valid but the review store's state refuses it.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 500: the server's fault.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

/// Library errors: what the user handed in is a 400, the store and the disk are 500s.
impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> ApiError {
        match &e {
            crate::Error::Invalid(m) => ApiError::bad_request("invalid", m.clone()),
            crate::Error::Review { .. } => {
                ApiError::internal(e.to_string()).with_code("store_error")
            }
            _ if e.is_user_error() => ApiError::bad_request("invalid", e.to_string()),
            _ => ApiError::internal(e.to_string()),
        }
    }
}

impl ApiError {
    /// The same error with another code.
    pub(crate) fn with_code(mut self, code: &'static str) -> ApiError {
        self.code = code;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&Body {
            code: self.code,
            message: &self.message,
        })
        .unwrap_or_else(|_| br#"{"code":"internal","message":"error"}"#.to_vec());
        let mut r = (self.status, body).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"titlematch review\""),
            );
        }
        r
    }
}

/// The response for a handler that panicked: a JSON `internal` error without the panic's text
/// (which goes to the server's log through the panic hook, not to the client).
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("the server failed while answering this request; it has been logged")
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_map_to_statuses() {
        let e: ApiError = crate::Error::Invalid("bad".into()).into();
        assert_eq!((e.status(), e.code()), (StatusCode::BAD_REQUEST, "invalid"));
        let e: ApiError = crate::Error::Review {
            path: "x.db".into(),
            message: "locked".into(),
        }
        .into();
        assert_eq!(
            (e.status(), e.code()),
            (StatusCode::INTERNAL_SERVER_ERROR, "store_error")
        );
        let e: ApiError = crate::Error::index("index/x", "stale").into();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn a_panic_answers_without_its_text() {
        let r = panic_response(Box::new("index out of bounds at src/secret.rs:12"));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(r.into_body(), 1 << 16))
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["code"], "internal");
        let text = body.to_string();
        assert!(
            !text.contains("secret") && !text.contains("bounds"),
            "{text}"
        );
    }

    #[test]
    fn unauthorized_says_how_to_authenticate() {
        let r = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "token").into_response();
        assert!(r.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
    }
}
