//! Invoke: `POST /2015-03-31/functions/{name}/invocations[?Qualifier=]` (spec §2.12).
//!
//! `RequestResponse` (default) → 200 with the function's result, or its error JSON plus
//! `X-Amz-Function-Error: Unhandled`; `Event` → 202 at once, the invocation runs in the
//! background and is retried twice if it fails; `DryRun` → 204 once the function is
//! known. `X-Amz-Log-Type: Tail` adds `X-Amz-Log-Result` (base64 of the last 4 KB of the
//! invocation's log).

use super::{Query, RestResponse};
use crate::Functions;
use crate::error::LambdaError;
use crate::model::LATEST;
use crate::runtime::logs;
use axum::http::HeaderMap;
use base64::Engine as _;
use bytes::Bytes;
use std::sync::Arc;

/// Largest synchronous payload (6 MB).
pub const MAX_SYNC_PAYLOAD: usize = 6_291_456;
/// Largest asynchronous payload (1 MB).
pub const MAX_ASYNC_PAYLOAD: usize = 1_048_576;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn enum_error(value: &str, member: &str, set: &str) -> LambdaError {
    LambdaError::Validation(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{set}]"
    ))
}

pub(super) async fn invoke(
    f: &Arc<Functions>,
    name: &str,
    q: &Query,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<RestResponse, LambdaError> {
    let kind = match header(headers, "x-amz-invocation-type") {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return Err(enum_error(
                other,
                "invocationType",
                "Event, RequestResponse, DryRun",
            ));
        }
    };
    let tail = match header(headers, "x-amz-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => return Err(enum_error(other, "logType", "None, Tail")),
    };
    let client_context = match header(headers, "x-amz-client-context") {
        None => None,
        Some(b64) => Some(decode_client_context(b64)?),
    };
    let limit = if kind == InvocationType::Event {
        MAX_ASYNC_PAYLOAD
    } else {
        MAX_SYNC_PAYLOAD
    };
    if body.len() > limit {
        return Err(LambdaError::RequestTooLarge(format!(
            "Request must be smaller than {limit} bytes for the InvokeFunction operation"
        )));
    }
    if !body.iter().all(u8::is_ascii_whitespace)
        && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body)
    {
        return Err(LambdaError::InvalidRequestContent(format!(
            "Could not parse request body into json: Could not parse payload into json: {e}"
        )));
    }
    let qualifier = q.get("Qualifier").filter(|s| !s.is_empty());
    match kind {
        InvocationType::DryRun => {
            super::get_function::load(f, name, q)?;
            Ok(RestResponse::empty(204))
        }
        InvocationType::Event => {
            super::get_function::load(f, name, q)?;
            spawn_async(
                f.clone(),
                name.to_string(),
                qualifier.map(str::to_string),
                body,
            );
            Ok(RestResponse::empty(202))
        }
        InvocationType::RequestResponse => {
            let out = f
                .invoke_inner(name, qualifier, body, client_context)
                .await?;
            let mut resp = RestResponse {
                status: 200,
                headers: vec![
                    ("content-type", "application/json".into()),
                    ("x-amz-executed-version", LATEST.into()),
                ],
                body: out.payload,
            };
            if let Some(e) = out.function_error {
                resp.headers.push(("x-amz-function-error", e));
            }
            if tail {
                let encoded =
                    base64::engine::general_purpose::STANDARD.encode(logs::tail(&out.log));
                resp.headers.push(("x-amz-log-result", encoded));
            }
            Ok(resp)
        }
    }
}

/// `X-Amz-Client-Context`: base64 of a JSON object, at most 3583 bytes.
fn decode_client_context(b64: &str) -> Result<String, LambdaError> {
    let bad = || {
        LambdaError::InvalidRequestContent(
            "Client context must be a valid Base64-encoded JSON object.".into(),
        )
    };
    if b64.len() > 3583 {
        return Err(LambdaError::InvalidParameterValue(
            "Client context must be smaller than 3583 bytes.".into(),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|_| bad())?;
    Ok(text)
}

/// Runs an `Event` invocation in the background: one attempt plus two retries on a
/// function error (or a throttle), stopping early when eddy shuts down.
fn spawn_async(f: Arc<Functions>, name: String, qualifier: Option<String>, body: Bytes) {
    let mut shutdown = f.pools().shutdown_signal();
    tokio::spawn(async move {
        let delays = f.config.async_retry_delays.clone();
        for attempt in 0..=delays.len() {
            let result = f
                .invoke_inner(&name, qualifier.as_deref(), body.clone(), None)
                .await;
            let failed = match &result {
                Ok(out) => out.function_error.is_some(),
                Err(LambdaError::TooManyRequests { .. } | LambdaError::Service(_)) => true,
                Err(_) => false,
            };
            if !failed {
                return;
            }
            let Some(delay) = delays.get(attempt) else {
                tracing::warn!(function = %name, attempts = attempt + 1, "asynchronous invocation failed; retries exhausted, event dropped");
                return;
            };
            tracing::info!(function = %name, attempt = attempt + 1, "asynchronous invocation failed; retrying");
            tokio::select! {
                () = tokio::time::sleep(*delay) => {}
                _ = shutdown.wait_for(|s| *s) => return,
            }
        }
    });
}
