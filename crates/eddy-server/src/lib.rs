//! eddy's HTTP front end: one port for every API.
//!
//! Why one crate and one handler: AWS SDKs, boto3 and the aws CLI talk to eddy exactly as
//! to DynamoDB (AWS JSON 1.0 over `POST /`), so the server's job is protocol plumbing that
//! is identical for every operation: route on `X-Amz-Target` (later also on the Lambda
//! REST paths and the SNS query protocol, see [`service`]), enforce the body limit,
//! verify SigV4 ([`sigv4`]), call the engine, and render the answer with
//! `x-amzn-RequestId`, `x-amz-crc32` and the error envelope ([`response`]).
//!
//! [`run`] is the only entry point; `main` and the tests both use it on a listener they
//! bound themselves (tests bind `127.0.0.1:0`).

pub mod body;
pub mod config;
mod handler;
pub mod response;
pub mod service;
pub mod sigv4;

pub use config::{Credential, Credentials, CredentialsError, DEFAULT_MAX_BODY_BYTES, ServerConfig};
/// The function service, re-exported so the binary wires it without its own dependency.
pub use eddy_lambda;
/// SNS-compatible notifications, re-exported for the same reason.
pub use eddy_sns;
/// SQS-compatible queues, re-exported for the same reason.
pub use eddy_sqs;
/// Event source mappings, re-exported for the same reason.
pub use eddy_triggers;

/// The services hosted next to DynamoDB on the same port (each optional).
#[derive(Default, Clone)]
pub struct Services {
    /// The Lambda function API (`/2015-03-31/functions...`).
    pub functions: Option<Arc<eddy_lambda::Functions>>,
    /// Event source mappings (`/2015-03-31/event-source-mappings...`) and their
    /// `/metrics`.
    pub triggers: Option<Arc<eddy_triggers::Triggers>>,
    /// SQS-compatible queues (`X-Amz-Target: AmazonSQS.*`).
    pub sqs: Option<Arc<eddy_sqs::Queues>>,
    /// SNS-compatible notifications (form-encoded `Action=...` on `POST /`, the
    /// SubscribeURL/UnsubscribeURL GETs and the signing certificate) and their `/metrics`.
    pub sns: Option<Arc<eddy_sns::Sns>>,
}

use axum::Router;
use axum::serve::ListenerExt;
use eddy_engine::Engine;
use handler::AppState;
use std::future::Future;
use std::sync::Arc;

/// Serves requests on `listener` until `shutdown` resolves, then stops accepting, lets
/// in-flight requests finish (idle keep-alive connections are closed), and returns.
///
/// The engine and its storage stay open: closing storage is the caller's job, after this
/// returns, so no request can observe a closed store.
pub async fn run(
    listener: tokio::net::TcpListener,
    engine: Arc<Engine>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with_functions(listener, engine, None, config, shutdown).await
}

/// [`run`] plus the Lambda function API (`/2015-03-31/functions...`) answered by
/// `functions`. Without it those paths answer 404 `UnknownOperationException`. Stopping
/// the function processes is the caller's job (`Functions::shutdown`), after this returns.
pub async fn run_with_functions(
    listener: tokio::net::TcpListener,
    engine: Arc<Engine>,
    functions: Option<Arc<eddy_lambda::Functions>>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let services = Services {
        functions,
        ..Services::default()
    };
    run_with_services(listener, engine, services, config, shutdown).await
}

/// [`run`] plus every hosted service in `services`. Stopping them (pollers, function
/// processes) is the caller's job, after this returns.
pub async fn run_with_services(
    listener: tokio::net::TcpListener,
    engine: Arc<Engine>,
    services: Services,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let verifier = sigv4::Verifier::new(config.credentials.clone());
    let mode = if verifier.is_verifying() {
        "verify"
    } else {
        "open"
    };
    tracing::debug!(
        region = %config.region,
        account_id = %config.account_id,
        auth = mode,
        max_body_bytes = config.max_body_bytes,
        "HTTP server starting"
    );
    let state = Arc::new(AppState {
        engine,
        functions: services.functions,
        triggers: services.triggers,
        sqs: services.sqs,
        sns: services.sns,
        verifier,
        config,
    });
    let app = router(state);
    let listener = listener.tap_io(|tcp| {
        // Small JSON answers should leave at once rather than wait for Nagle.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::trace!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::debug!("HTTP server drained");
    Ok(())
}

/// All routing happens in [`service::Service::classify`]; axum only supplies the
/// connection handling, so the router is a single fallback.
fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handler::handle).with_state(state)
}
