//! `GET /openapi.json`: the API described by hand, beside the handlers it describes
//! (`src/server/openapi.json`). The integration tests call every operation in it and check the
//! status, content type and body shape it documents.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The OpenAPI 3.1 document of the service.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// `GET /openapi.json`.
pub(super) async fn document() -> Response {
    let mut r = OPENAPI_JSON.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_is_json_with_this_version() {
        let v: serde_json::Value = serde_json::from_str(OPENAPI_JSON).expect("openapi.json parses");
        assert_eq!(
            v["openapi"].as_str().map(|s| s.starts_with("3.1")),
            Some(true)
        );
        assert_eq!(v["info"]["version"], env!("CARGO_PKG_VERSION"));
        assert!(v["paths"].as_object().map_or(0, |p| p.len()) >= 15);
    }

    #[test]
    fn every_ref_resolves() {
        let v: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        let mut refs = Vec::new();
        fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, x) in m {
                        if k == "$ref" {
                            out.extend(x.as_str().map(str::to_string));
                        }
                        walk(x, out);
                    }
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        walk(&v, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            let ptr = r
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{r} is not local"));
            assert!(v.pointer(ptr).is_some(), "{r} does not resolve");
        }
    }
}
