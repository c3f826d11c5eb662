//! The one request handler: classify, read the body, authenticate, dispatch, render.
//!
//! Why a single handler instead of a stack of tower layers: every request needs the same
//! few steps (request id, span, body limit, SigV4, panic guard, CRC), and doing them in one
//! function keeps the PutItem/GetItem path to a handful of small allocations. The order
//! matches DynamoDB Local where it is observable: body size, then authentication, then the
//! operation name, then the body's JSON syntax.

use crate::body::{BodyError, read_limited};
use crate::config::ServerConfig;
use crate::response::{self, RequestId};
use crate::service::{self, Service};
use crate::sigv4::Verifier;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Response, StatusCode};
use bytes::Bytes;
use eddy_engine::{Engine, RequestContext};
use eddy_types::ApiError;
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use time::OffsetDateTime;
use tracing::Instrument;

/// Everything a request needs, shared by all connections.
pub struct AppState {
    /// The DynamoDB engine.
    pub engine: Arc<Engine>,
    /// The Lambda function service, when this server hosts one.
    pub functions: Option<Arc<eddy_lambda::Functions>>,
    /// Event source mappings, when this server hosts them.
    pub triggers: Option<Arc<eddy_triggers::Triggers>>,
    /// SQS-compatible queues, when this server hosts them.
    pub sqs: Option<Arc<eddy_sqs::Queues>>,
    /// SNS-compatible notifications, when this server hosts them.
    pub sns: Option<Arc<eddy_sns::Sns>>,
    /// SigV4 checker (holds the credentials and the signing-key cache).
    pub verifier: Verifier,
    /// Static settings.
    pub config: ServerConfig,
}

/// Largest Lambda request body (CreateFunction with a 50 MB zip, base64 in JSON).
const LAMBDA_MAX_BODY_BYTES: usize = 70 * 1024 * 1024;

/// axum entry point (installed as the router's fallback, so it sees every request).
pub async fn handle(State(state): State<Arc<AppState>>, req: Request) -> Response<Body> {
    let id = RequestId::next();
    let (parts, body) = req.into_parts();
    let service = Service::classify(&parts.method, parts.uri.path(), &parts.headers);
    // Fields are given at creation: recording them later costs another formatting pass.
    // Debug level: at the default `info` filter no span is built per request (it cost a
    // few percent of GetItem's CPU); errors log the request id themselves.
    let span = tracing::debug_span!("request", request_id = id.as_str(), op = service.op_name());
    guard_panics(serve(&state, &parts, body, service, &id), &id)
        .instrument(span)
        .await
}

/// Runs `fut`; a panic inside it becomes a logged `InternalServerError` response instead
/// of a dropped connection.
async fn guard_panics(fut: impl Future<Output = Response<Body>>, id: &RequestId) -> Response<Body> {
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(resp) => resp,
        Err(panic) => {
            let msg = panic_message(panic.as_ref());
            tracing::error!(
                request_id = id.as_str(),
                panic = msg,
                "request handler panicked"
            );
            let err = ApiError::InternalServerError("Internal server error".into());
            response::error(&err, id)
        }
    }
}

async fn serve(
    state: &AppState,
    parts: &Parts,
    body: Body,
    service: Service<'_>,
    id: &RequestId,
) -> Response<Body> {
    // SNS subscribers fetch the SubscribeURL, UnsubscribeURL and signing certificate with
    // plain unauthenticated GETs, as they would from AWS.
    if matches!(service, Service::HealthCheck | Service::NotFound)
        && parts.method == axum::http::Method::GET
        && let Some(sns) = &state.sns
        && eddy_sns::Sns::is_public_get(parts.uri.path(), parts.uri.query().unwrap_or(""))
    {
        let query = parts.uri.query().unwrap_or("");
        let resp = sns
            .handle_public_get(parts.uri.path(), query, id.as_str())
            .await;
        return response::sns(resp, id);
    }
    match service {
        Service::HealthCheck => {
            // DynamoDB Local answers `GET /` with this 400; health checks key on it.
            let err = ApiError::MissingAuthenticationToken(
                "Request must contain either a valid (registered) AWS access key ID or X.509 certificate.".into(),
            );
            return response::error(&err, id);
        }
        Service::Metrics => {
            let mut text = String::new();
            if let Some(t) = &state.triggers {
                text.push_str(&t.metrics_text().await);
            }
            if let Some(sns) = &state.sns {
                text.push_str(&sns.metrics_text());
            }
            let mut resp = Response::new(Body::from(text));
            resp.headers_mut().insert(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4"),
            );
            return resp;
        }
        Service::NotFound => {
            let err = ApiError::UnknownOperation(format!(
                "No route for {} {}",
                parts.method,
                parts.uri.path()
            ));
            return response::error_with_status(&err, 404, id);
        }
        _ => {}
    }

    // Lambda accepts function zips of up to 50 MB (about 70 MB once base64 in JSON).
    let limit = match service {
        Service::Lambda => state.config.max_body_bytes.max(LAMBDA_MAX_BODY_BYTES),
        _ => state.config.max_body_bytes,
    };
    let body = match read_limited(body, &parts.headers, limit).await {
        Ok(b) => b,
        Err(BodyError::TooLarge(seen)) => {
            let err = ApiError::RequestEntityTooLarge(format!(
                "Request body of {seen} bytes exceeds the maximum request size of {limit} bytes"
            ));
            tracing::info!(size = seen, "request body too large");
            return response::error(&err, id);
        }
        Err(BodyError::Read(e)) => {
            // The client went away mid-body; the answer will most likely not arrive.
            tracing::debug!(error = %e, "failed to read request body");
            let err = ApiError::Serialization("Could not read the request body".into());
            return response::error(&err, id);
        }
    };

    let now = OffsetDateTime::now_utc();
    let principal =
        match state
            .verifier
            .verify(&parts.method, &parts.uri, &parts.headers, &body, now)
        {
            Ok(p) => p,
            Err(err) => {
                tracing::debug!(error = %err, "authentication failed");
                return response::error(&err, id);
            }
        };

    let result = match service {
        Service::DynamoDb(op) => match check_json(&body) {
            Ok(json) => {
                let ctx = RequestContext {
                    principal,
                    request_id: id.as_str().to_string(),
                };
                // The engine's typed decode rejects malformed JSON too, so the full
                // syntax check only runs when the engine already failed: a syntax error
                // then wins over whatever validation error the decoder hit first.
                state
                    .engine
                    .dynamodb(op, json, &ctx)
                    .await
                    .map_err(|e| check_syntax(json).err().unwrap_or(e))
            }
            Err(e) => Err(e),
        },
        // Streams shares the JSON protocol, the port and the signing name.
        Service::Streams(op) => match check_json(&body) {
            Ok(json) => state
                .engine
                .dynamodb_streams(op, json)
                .await
                .map_err(|e| check_syntax(json).err().unwrap_or(e)),
            Err(e) => Err(e),
        },
        Service::Eddy("GetFunctionLogs") => function_logs(state, &body),
        Service::Eddy("ListPendingDeliveries") => {
            check_json(&body).and_then(|json| pending_deliveries(state, json))
        }
        Service::Sqs(op) => match &state.sqs {
            Some(queues) => return response::sqs(queues.handle(op, &body).await, id),
            None => Err(service::unknown_operation()),
        },
        Service::Eddy(_) | Service::UnknownOperation => Err(service::unknown_operation()),
        Service::UnsupportedContentType => Err(ApiError::UnknownOperation(format!(
            "Unsupported Content-Type '{}': use application/x-amz-json-1.0",
            parts
                .headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        ))),
        Service::Lambda => {
            if let Some(triggers) = &state.triggers
                && eddy_triggers::Triggers::handles(parts.uri.path())
            {
                let r = triggers
                    .handle(
                        parts.method.as_str(),
                        parts.uri.path(),
                        parts.uri.query().unwrap_or(""),
                        &body,
                    )
                    .await;
                let mut headers = vec![("content-type", "application/json".to_string())];
                if let Some(t) = r.error_type {
                    headers.push(("x-amzn-errortype", t.to_string()));
                }
                let resp = eddy_lambda::RestResponse {
                    status: r.status,
                    headers,
                    body: r.body,
                };
                return response::lambda(resp, id);
            }
            if let Some(functions) = &state.functions
                && eddy_lambda::is_function_path(parts.uri.path())
            {
                let resp = eddy_lambda::handle_rest(
                    functions,
                    &parts.method,
                    parts.uri.path(),
                    parts.uri.query(),
                    &parts.headers,
                    body,
                )
                .await;
                return response::lambda(resp, id);
            }
            // restJson1 clients read the error code from this header.
            let mut resp = response::error_with_status(&service::unknown_operation(), 404, id);
            resp.headers_mut().insert(
                "x-amzn-errortype",
                HeaderValue::from_static("UnknownOperationException"),
            );
            return resp;
        }
        Service::Sns => match &state.sns {
            Some(sns) => {
                let query = parts.uri.query().unwrap_or("");
                return response::sns(sns.handle(query, &body, id.as_str()).await, id);
            }
            None => Err(service::unknown_operation()),
        },
        Service::HealthCheck | Service::Metrics | Service::NotFound => {
            Err(service::unknown_operation())
        }
    };

    match result {
        Ok(out) => response::json(StatusCode::OK, out, id),
        Err(err) => {
            if matches!(err, ApiError::InternalServerError(_)) {
                tracing::error!(error = %err, "internal error");
            } else {
                tracing::debug!(error = %err, "request failed");
            }
            response::error(&err, id)
        }
    }
}

/// The JSON protocol requires a JSON object. An empty body counts as `{}` (hand-written
/// clients omit it for parameterless calls); a body that does not start like an object is
/// a `SerializationException` before the engine sees it. Full syntax is checked by
/// [`check_syntax`] when the engine fails (the success path parses the body only once).
fn check_json(body: &Bytes) -> Result<&[u8], ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(b"{}");
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        return Err(ApiError::Serialization(
            "Start of list, string, number or literal found where a structure was expected".into(),
        ));
    }
    Ok(body)
}

/// `SerializationException` unless `body` is syntactically one JSON value.
fn check_syntax(body: &[u8]) -> Result<(), ApiError> {
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => Ok(()),
        Err(e) => Err(ApiError::Serialization(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "<non-string panic payload>"
    }
}

/// `Eddy.GetFunctionLogs` (used by `eddy logs`): `{"FunctionName", "After"?, "Limit"?}` →
/// `{"Lines": [...], "Next": position}`; a follower passes `Next` back as `After`.
fn function_logs(state: &AppState, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|_| {
        ApiError::Serialization("Start of structure or map found where not expected.".into())
    })?;
    let name = v
        .get("FunctionName")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| ApiError::validation("FunctionName is required"))?;
    let not_found = || ApiError::ResourceNotFound(format!("Function not found: {name}"));
    let functions = state.functions.as_ref().ok_or_else(not_found)?;
    let arn = functions.function_arn(name).ok_or_else(not_found)?;
    // `arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`
    let name = arn.split(':').nth(6).unwrap_or(name);
    let after = v.get("After").and_then(serde_json::Value::as_u64);
    let limit = v
        .get("Limit")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(1000)
        .clamp(1, 10_000);
    let (lines, next) = functions.logs(name).since(after, limit as usize);
    Ok(serde_json::to_vec(&serde_json::json!({"Lines": lines, "Next": next})).unwrap_or_default())
}

/// Default and largest `Limit` of `Eddy.ListPendingDeliveries`.
const PENDING_DEFAULT_LIMIT: u64 = 100;
const PENDING_MAX_LIMIT: u64 = 10_000;

/// `Eddy.ListPendingDeliveries` (used by `eddy sns pending`, ADR 0010): `{"Limit"?}` →
/// `{"Deliveries": [...], "Truncated": bool}`, the SNS outbox entries still to be
/// delivered, oldest first per subscription.
fn pending_deliveries(state: &AppState, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::Serialization(format!("The request body is not valid JSON: {e}")))?;
    let limit = match v.get("Limit") {
        None | Some(serde_json::Value::Null) => PENDING_DEFAULT_LIMIT,
        Some(l) => l
            .as_u64()
            .filter(|n| (1..=PENDING_MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::validation(format!(
                    "Limit must be an integer from 1 to {PENDING_MAX_LIMIT}"
                ))
            })?,
    };
    let sns = state.sns.as_ref().ok_or_else(|| {
        ApiError::UnknownOperation("This server does not host notifications (SNS).".into())
    })?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut pending = sns.pending(limit + 1);
    let truncated = pending.len() > limit;
    pending.truncate(limit);
    Ok(pending_json(&pending, truncated))
}

/// The wire shape of `Eddy.ListPendingDeliveries` (times in epoch seconds, as AWS JSON).
fn pending_json(pending: &[eddy_sns::Pending], truncated: bool) -> Vec<u8> {
    let secs = |ms: u64| serde_json::json!(ms as f64 / 1000.0);
    let deliveries: Vec<serde_json::Value> = pending
        .iter()
        .map(|p| {
            let mut d = serde_json::json!({
                "SubscriptionArn": p.subscription_arn,
                "TopicArn": p.topic_arn,
                "Protocol": p.protocol,
                "Endpoint": p.endpoint,
                "MessageId": p.message_id,
                "Type": p.kind,
                "Attempts": p.attempts,
                "EnqueuedAt": secs(p.enqueued_ms),
            });
            if let Some(ms) = p.next_attempt_ms {
                d["NextAttemptAt"] = secs(ms);
            }
            if let Some(e) = &p.last_error {
                d["LastError"] = serde_json::json!(e);
            }
            d
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({"Deliveries": deliveries, "Truncated": truncated}))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_deliveries_wire_shape() {
        let p = eddy_sns::Pending {
            subscription_arn: "arn:aws:sns:us-east-1:000000000000:t:0f8fad5b".into(),
            topic_arn: "arn:aws:sns:us-east-1:000000000000:t".into(),
            protocol: "http".into(),
            endpoint: "http://127.0.0.1:9/hook".into(),
            message_id: "m-1".into(),
            kind: "Notification",
            attempts: 2,
            enqueued_ms: 1_764_120_473_123,
            next_attempt_ms: Some(1_764_120_493_500),
            last_error: Some("HTTP 500 Internal Server Error".into()),
        };
        let mut fresh = p.clone();
        fresh.attempts = 0;
        fresh.next_attempt_ms = None;
        fresh.last_error = None;
        let v: serde_json::Value =
            serde_json::from_slice(&pending_json(&[p, fresh], true)).expect("json");
        assert_eq!(v["Truncated"], true);
        let d = &v["Deliveries"][0];
        assert_eq!(
            d["SubscriptionArn"],
            "arn:aws:sns:us-east-1:000000000000:t:0f8fad5b"
        );
        assert_eq!(d["TopicArn"], "arn:aws:sns:us-east-1:000000000000:t");
        assert_eq!(d["Protocol"], "http");
        assert_eq!(d["Endpoint"], "http://127.0.0.1:9/hook");
        assert_eq!(d["MessageId"], "m-1");
        assert_eq!(d["Type"], "Notification");
        assert_eq!(d["Attempts"], 2);
        assert_eq!(d["EnqueuedAt"].as_f64(), Some(1_764_120_473.123));
        assert_eq!(d["NextAttemptAt"].as_f64(), Some(1_764_120_493.5));
        assert_eq!(d["LastError"], "HTTP 500 Internal Server Error");
        let fresh = &v["Deliveries"][1];
        assert_eq!(fresh["Attempts"], 0);
        assert!(fresh.get("NextAttemptAt").is_none() && fresh.get("LastError").is_none());
    }

    #[test]
    fn json_check_accepts_objects_and_empty_bodies_only() {
        assert_eq!(check_json(&Bytes::from_static(b"")).ok(), Some(&b"{}"[..]));
        assert_eq!(
            check_json(&Bytes::from_static(b" \n")).ok(),
            Some(&b"{}"[..])
        );
        assert!(check_json(&Bytes::from_static(b" {\"a\":1} ")).is_ok());
        for bad in [&b"[]"[..], b"\"x\"", b"1"] {
            let b = Bytes::copy_from_slice(bad);
            let r = check_json(&b);
            assert!(matches!(r, Err(ApiError::Serialization(_))), "{bad:?}");
        }
        for bad in [&b"{nope"[..], b"{}x", b"{\"a\":"] {
            assert!(
                matches!(check_syntax(bad), Err(ApiError::Serialization(_))),
                "{bad:?}"
            );
        }
        assert!(check_syntax(b" {\"a\": [1, {}]} ").is_ok());
    }

    #[tokio::test]
    async fn a_panicking_handler_becomes_internal_server_error_json() {
        let id = RequestId::next();
        let resp = guard_panics(async { panic!("boom") }, &id).await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(resp.headers()["x-amzn-requestid"], id.as_str());
        let body = axum::body::to_bytes(resp.into_body(), 1024)
            .await
            .unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(
            v["__type"],
            "com.amazonaws.dynamodb.v20120810#InternalServerError"
        );
    }

    #[test]
    fn panic_messages_are_extracted() {
        let p: Box<dyn std::any::Any + Send> = Box::new("boom");
        assert_eq!(panic_message(p.as_ref()), "boom");
        let p: Box<dyn std::any::Any + Send> = Box::new(String::from("bang"));
        assert_eq!(panic_message(p.as_ref()), "bang");
        let p: Box<dyn std::any::Any + Send> = Box::new(7u8);
        assert_eq!(panic_message(p.as_ref()), "<non-string panic payload>");
    }
}
