//! The Lambda Runtime API (`/2018-06-01/runtime/...`) served to one function instance.
//!
//! Each instance gets its own server on `127.0.0.1:<ephemeral port>`, so a request id can
//! only ever be answered by the process it was handed to, and an instance is torn down by
//! dropping its server with it. The invoker hands work over through [`RuntimeApi::submit`];
//! `GET next` long-polls until there is some (it never answers "nothing to do", which
//! awslambdaric cannot handle) and always sends `Content-Type: application/json` plus the
//! `Lambda-Runtime-*` headers (spec §2.13, dependencies Appendix B).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};

/// Largest response a function may return (6 MB, as on AWS).
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// One invocation handed to a runtime.
#[derive(Debug)]
pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) deadline_ms: u64,
    pub(crate) invoked_arn: String,
    pub(crate) trace_id: String,
    pub(crate) client_context: Option<String>,
}

/// What a runtime answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reply {
    /// `POST .../response`.
    Success(Bytes),
    /// `POST .../error` or `POST /runtime/init/error`: the body is forwarded to the caller.
    Error(Bytes),
    /// The response was over [`MAX_RESPONSE_BYTES`].
    TooLarge(usize),
}

/// Shared state of one instance's Runtime API.
pub(crate) struct RuntimeApi {
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    sender: mpsc::Sender<Invocation>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Reply>>>,
    init_error: Mutex<Option<Bytes>>,
    /// Notified (one stored permit) when an init error arrives.
    pub(crate) init_failed: Notify,
}

impl RuntimeApi {
    pub(crate) fn new() -> Arc<Self> {
        let (sender, rx) = mpsc::channel(1);
        Arc::new(Self {
            queue: tokio::sync::Mutex::new(rx),
            sender,
            waiting: Mutex::default(),
            init_error: Mutex::default(),
            init_failed: Notify::new(),
        })
    }

    /// Queues `inv` for the runtime's next `GET next`; the receiver gets its answer.
    pub(crate) async fn submit(&self, inv: Invocation) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().insert(inv.request_id.clone(), tx);
        // The channel only closes when the instance is dropped; then nobody awaits `rx`.
        let _ = self.sender.send(inv).await;
        rx
    }

    /// Forgets a request the invoker gave up on (timeout, crash).
    pub(crate) fn abandon(&self, request_id: &str) {
        self.waiting.lock().remove(request_id);
    }

    /// The init error body, if the runtime reported one.
    pub(crate) fn take_init_error(&self) -> Option<Bytes> {
        self.init_error.lock().take()
    }
}

/// Binds `127.0.0.1:0` and serves `api` until the returned task is aborted.
pub(crate) async fn serve(
    api: Arc<RuntimeApi>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .layer(DefaultBodyLimit::max(MAX_RESPONSE_BYTES + 1024 * 1024))
        .with_state(api);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::debug!(error = %e, "runtime API server stopped");
        }
    });
    Ok((addr, task))
}

async fn next(State(api): State<Arc<RuntimeApi>>) -> Response {
    let inv = api.queue.lock().await.recv().await;
    let Some(inv) = inv else {
        return (StatusCode::GONE, "instance shutting down").into_response();
    };
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    put("content-type", "application/json");
    put("lambda-runtime-aws-request-id", &inv.request_id);
    put("lambda-runtime-deadline-ms", &inv.deadline_ms.to_string());
    put("lambda-runtime-invoked-function-arn", &inv.invoked_arn);
    put("lambda-runtime-trace-id", &inv.trace_id);
    if let Some(cc) = &inv.client_context {
        put("lambda-runtime-client-context", cc);
    }
    (StatusCode::OK, headers, inv.payload).into_response()
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [("content-type", "application/json")],
        r#"{"status":"OK"}"#,
    )
        .into_response()
}

fn deliver(api: &RuntimeApi, id: &str, reply: Reply) -> Response {
    let Some(tx) = api.waiting.lock().remove(id) else {
        return (
            StatusCode::BAD_REQUEST,
            [("content-type", "application/json")],
            r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#,
        )
            .into_response();
    };
    let too_large = matches!(reply, Reply::TooLarge(_));
    let _ = tx.send(reply);
    if too_large {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [("content-type", "application/json")],
            r#"{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}"#,
        )
            .into_response();
    }
    accepted()
}

async fn response(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let reply = if body.len() > MAX_RESPONSE_BYTES {
        Reply::TooLarge(body.len())
    } else {
        Reply::Success(body)
    };
    deliver(&api, &id, reply)
}

async fn error(
    State(api): State<Arc<RuntimeApi>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    deliver(&api, &id, Reply::Error(body))
}

async fn init_error(State(api): State<Arc<RuntimeApi>>, body: Bytes) -> Response {
    *api.init_error.lock() = Some(body);
    api.init_failed.notify_one();
    accepted()
}
