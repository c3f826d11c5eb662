//! The Lambda REST API for functions: routing by method and path, one module per
//! operation, and the response type handed back to `eddy-server`.
//!
//! The server has already read the body (with its size limit), verified SigV4 and
//! assigned the request id; this layer decodes, validates, calls the store and the
//! pools, and renders the answer or the Lambda error envelope ([`crate::error`]). The
//! response is a plain struct so the server renders it without this crate knowing about
//! request ids or CRCs.

mod concurrency;
mod create_function;
mod delete_function;
mod get_function;
mod invoke;
mod list_functions;
mod update_function_code;
mod update_function_configuration;
mod validate;

use crate::Functions;
use crate::error::LambdaError;
use axum::http::{HeaderMap, Method};
use bytes::Bytes;
use percent_encoding::percent_decode_str;
use serde_json::Value;
use std::sync::Arc;

/// An answer to a Lambda REST request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers to add (names in lower case).
    pub headers: Vec<(&'static str, String)>,
    /// Body bytes (JSON, or the raw function result for Invoke).
    pub body: Vec<u8>,
}

impl RestResponse {
    pub(crate) fn json(status: u16, v: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The error envelope: `x-amzn-ErrorType`, `{"Type", "message"|"Message"}`.
    pub fn error(e: &LambdaError) -> Self {
        let w = e.wire();
        let mut headers = vec![
            ("content-type", "application/json".to_string()),
            ("x-amzn-errortype", w.code.to_string()),
        ];
        if matches!(e, LambdaError::TooManyRequests { .. }) {
            headers.push(("retry-after", "1".into()));
        }
        Self {
            status: w.status,
            headers,
            body: e.to_body(),
        }
    }
}

/// True for the paths this crate answers: `/2015-03-31/functions...` and the
/// concurrency paths `/2017-10-31/...` and `/2019-09-30/...`.
pub fn is_function_path(path: &str) -> bool {
    [
        "/2015-03-31/functions",
        "/2017-10-31/functions",
        "/2019-09-30/functions",
    ]
    .iter()
    .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

/// Answers one Lambda REST request (one of the paths of [`is_function_path`]).
pub async fn handle_rest(
    functions: &Arc<Functions>,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> RestResponse {
    let result = route(functions, method, path, query, headers, body).await;
    result.unwrap_or_else(|e| {
        if matches!(e, LambdaError::Service(_)) {
            tracing::error!(error = %e, "lambda API: internal error");
        }
        RestResponse::error(&e)
    })
}

async fn route(
    f: &Arc<Functions>,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<RestResponse, LambdaError> {
    let (version, rest) = path
        .trim_start_matches('/')
        .split_once("/functions")
        .unwrap_or(("", ""));
    let segments: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let q = Query::parse(query);
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (version, method.as_str(), seg.as_slice()) {
        ("2015-03-31", "POST", []) => create_function::create_function(f, &body).await,
        ("2015-03-31", "GET", []) => list_functions::list_functions(f, &q),
        ("2015-03-31", "GET", [name]) => get_function::get_function(f, name, &q),
        ("2015-03-31", "DELETE", [name]) => delete_function::delete_function(f, name, &q).await,
        ("2015-03-31", "GET", [name, "configuration"]) => {
            get_function::get_function_configuration(f, name, &q)
        }
        ("2015-03-31", "PUT", [name, "configuration"]) => {
            update_function_configuration::update_function_configuration(f, name, &body).await
        }
        ("2015-03-31", "PUT", [name, "code"]) => {
            update_function_code::update_function_code(f, name, &body).await
        }
        ("2015-03-31", "POST", [name, "invocations"]) => {
            invoke::invoke(f, name, &q, headers, body).await
        }
        ("2017-10-31", "PUT", [name, "concurrency"]) => {
            concurrency::put_function_concurrency(f, name, &body).await
        }
        ("2017-10-31", "DELETE", [name, "concurrency"]) => {
            concurrency::delete_function_concurrency(f, name).await
        }
        ("2019-09-30", "GET", [name, "concurrency"]) => {
            concurrency::get_function_concurrency(f, name)
        }
        _ => Err(LambdaError::UnknownOperation(format!(
            "No Lambda operation for {method} {path}"
        ))),
    }
}

/// Decoded query parameters.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    fn parse(q: Option<&str>) -> Self {
        let pairs = q
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let dec = |s: &str| {
                    percent_decode_str(&s.replace('+', " "))
                        .decode_utf8_lossy()
                        .into_owned()
                };
                (dec(k), dec(v))
            })
            .collect();
        Self(pairs)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Decodes a JSON request body into `T`; malformed bodies are
/// `InvalidRequestContentException`, as on AWS.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, LambdaError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        LambdaError::InvalidRequestContent(format!("Could not parse request body into json: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_paths_are_recognised() {
        assert!(is_function_path("/2015-03-31/functions"));
        assert!(is_function_path("/2015-03-31/functions/"));
        assert!(is_function_path("/2015-03-31/functions/f/invocations"));
        assert!(is_function_path("/2017-10-31/functions/f/concurrency"));
        assert!(!is_function_path("/2015-03-31/event-source-mappings/"));
        assert!(!is_function_path("/2015-03-31/functionsx"));
    }

    #[test]
    fn queries_decode() {
        let q = Query::parse(Some("Marker=a%3Ab&MaxItems=5&Qualifier=%24LATEST"));
        assert_eq!(q.get("Marker"), Some("a:b"));
        assert_eq!(q.get("MaxItems"), Some("5"));
        assert_eq!(q.get("Qualifier"), Some("$LATEST"));
        assert_eq!(q.get("Nope"), None);
    }
}
