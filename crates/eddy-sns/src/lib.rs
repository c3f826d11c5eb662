//! SNS-compatible notifications for eddy: topics, subscriptions and Publish over the AWS
//! query protocol, a durable outbox, and delivery to http/https, email/email-json (SMTP),
//! sms (an HTTP gateway), whatsapp (the WhatsApp Cloud API), lambda and sqs.
//!
//! Why a crate of its own: SNS has its own wire format (form-encoded requests, XML
//! answers), its own state (`sns_*` keyspaces) and its own workers (one delivery worker
//! per subscription). `eddy-server` routes SNS requests here; the binary plugs the
//! function service and the queue service in through [`FunctionInvoker`] and
//! [`QueueSender`], so this crate depends on neither.
//!
//! # Guarantees
//! - Publish answers only after one outbox entry per matching confirmed subscription is
//!   committed (durable on fjall). Each entry is delivered at least once, across
//!   restarts, or ends in the subscription's RedrivePolicy queue (or, without one, is
//!   logged and dropped once the retry policy is spent).
//! - Each subscription has its own worker and its own in-flight limit: a slow or dead
//!   endpoint delays only its own subscription.
//!
//! See `docs/adr/0009-sns.md`.

mod api;
pub mod config;
mod deliver;
pub mod envelope;
pub mod error;
pub mod filter;
pub mod metrics;
pub mod model;
pub mod outbox;
pub mod policy;
mod protocols;
pub mod query;
pub mod sign;
pub mod xml;

pub use config::{SnsConfig, WhatsAppConfig};
pub use deliver::Pending;
pub use error::SnsError;
pub use outbox::Attr;

use eddy_storage::Storage;
use futures::future::BoxFuture;
use model::Catalog;
use query::Params;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Delivery to SQS queues (implemented by the binary over `eddy-sqs`).
pub trait QueueSender: Send + Sync + 'static {
    /// True when the queue exists.
    fn queue_exists(&self, queue_arn: &str) -> bool;

    /// Sends one message; `Err` is retried per the delivery policy.
    fn send(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, Attr)>,
        group_id: Option<String>,
    ) -> BoxFuture<'static, Result<(), String>>;
}

/// Delivery to functions (implemented by the binary over `eddy-lambda`).
pub trait FunctionInvoker: Send + Sync + 'static {
    /// Invokes the function with `payload`; `Err` (including a function error) is retried
    /// per the delivery policy.
    fn invoke(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
    ) -> BoxFuture<'static, Result<(), String>>;
}

/// An HTTP answer for the server to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsResponse {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl SnsResponse {
    fn xml(status: u16, body: String) -> Self {
        Self {
            status,
            content_type: "text/xml",
            body: body.into_bytes(),
        }
    }
}

/// The notification service. Create with [`Sns::open`].
pub struct Sns {
    config: SnsConfig,
    catalog: Arc<Catalog>,
    engine: Arc<deliver::Engine>,
    fifo_seq: AtomicU64,
}

impl Sns {
    /// Loads topics and subscriptions, the signing key (generated on first start), and
    /// starts delivering whatever the outbox still holds.
    pub async fn open(
        storage: Arc<dyn Storage>,
        config: SnsConfig,
        queues: Option<Arc<dyn QueueSender>>,
        functions: Option<Arc<dyn FunctionInvoker>>,
    ) -> Result<Arc<Self>, String> {
        let catalog = Arc::new(Catalog::open(storage.clone()).map_err(|e| e.to_string())?);
        let cn = format!("sns.{}.eddy", config.region);
        let signer = Arc::new(sign::SignerCell::new(storage.clone(), cn));
        let warm = signer.clone();
        tokio::spawn(async move {
            if let Err(e) = warm.get().await {
                tracing::error!(error = %e, "cannot load or create the SNS signing key");
            }
        });
        let protocols = protocols::Protocols::new(config.clone(), signer, queues, functions)?;
        let metrics = Arc::new(metrics::Metrics::default());
        let engine = deliver::Engine::start(
            catalog.clone(),
            protocols,
            metrics,
            config.max_in_flight_per_subscription,
        )?;
        let seed = u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_micros()),
        )
        .unwrap_or(0);
        Ok(Arc::new(Self {
            config,
            catalog,
            engine,
            fifo_seq: AtomicU64::new(seed),
        }))
    }

    /// Answers a query-protocol request: `query` is the URL's query string, `body` the
    /// form body (parameters from both are merged, the body winning).
    pub async fn handle(&self, query: &str, body: &[u8], request_id: &str) -> SnsResponse {
        let mut params = Params::parse(query.as_bytes());
        params.extend(body);
        self.run(&params, request_id).await
    }

    async fn run(&self, params: &Params, request_id: &str) -> SnsResponse {
        match self.dispatch(params).await {
            Ok(out) => SnsResponse::xml(
                200,
                xml::response(out.action, out.result.as_deref(), request_id),
            ),
            Err(e) => {
                if e.sender {
                    tracing::debug!(error = %e, "SNS request failed");
                } else {
                    tracing::error!(error = %e, "SNS request failed");
                }
                SnsResponse::xml(e.status, xml::error_body(&e, request_id))
            }
        }
    }

    /// True for the unauthenticated GETs SNS subscribers make against eddy: the
    /// SubscribeURL (`GET /?Action=ConfirmSubscription...`), the UnsubscribeURL
    /// (`GET /?Action=Unsubscribe...`) and the signing certificate.
    pub fn is_public_get(path: &str, query: &str) -> bool {
        if path.starts_with("/SimpleNotificationService-") && path.ends_with(".pem") {
            return true;
        }
        path == "/"
            && Params::parse(query.as_bytes())
                .get("Action")
                .is_some_and(|a| a == "ConfirmSubscription" || a == "Unsubscribe")
    }

    /// Answers a request [`Sns::is_public_get`] accepted.
    pub async fn handle_public_get(
        &self,
        path: &str,
        query: &str,
        request_id: &str,
    ) -> SnsResponse {
        if path != "/" {
            let signer = match self.engine.protocols.signer.get().await {
                Ok(s) => s,
                Err(e) => {
                    return SnsResponse::xml(
                        500,
                        xml::error_body(&SnsError::internal(e), request_id),
                    );
                }
            };
            if path == signer.cert_path() {
                return SnsResponse {
                    status: 200,
                    content_type: "application/x-x509-ca-cert",
                    body: signer.cert_pem().into_bytes(),
                };
            }
            return SnsResponse::xml(
                404,
                xml::error_body(&SnsError::not_found("No such certificate"), request_id),
            );
        }
        let params = Params::parse(query.as_bytes());
        self.run(&params, request_id).await
    }

    /// Per-topic and per-subscription delivery metrics, Prometheus text.
    pub fn metrics_text(&self) -> String {
        self.engine.metrics.render()
    }

    /// Deliveries still in the outbox (at most `limit`).
    pub fn pending(&self, limit: usize) -> Vec<Pending> {
        self.engine.pending(limit)
    }

    /// Stops the delivery workers. Unfinished deliveries stay in the outbox and resume
    /// at the next start.
    pub async fn shutdown(&self) {
        self.engine.shutdown();
    }
}

impl Attr {
    /// The binary value, decoded.
    pub fn binary_bytes(&self) -> Option<Vec<u8>> {
        use base64::Engine as _;
        self.binary_value
            .as_deref()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
    }
}
