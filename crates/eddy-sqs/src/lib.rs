//! SQS-compatible queues for eddy.
//!
//! Skeleton: the public API below is the contract other crates (SNS fan-out, event
//! source mapping on-failure destinations) code against; the implementation follows.

use eddy_storage::Storage;
use std::sync::Arc;

/// A source of wall-clock time, injectable so tests can move time.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}

/// Settings of the queue service.
#[derive(Clone)]
pub struct SqsConfig {
    /// Region in queue ARNs.
    pub region: String,
    /// Account id in queue ARNs and URLs.
    pub account_id: String,
    /// eddy's own URL (`http://host:port`), the base of queue URLs.
    pub endpoint_url: String,
    /// Time source for delays, visibility timeouts and retention.
    pub clock: Arc<dyn Clock>,
}

impl Default for SqsConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            endpoint_url: "http://localhost:8000".into(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// One message attribute (`DataType` is `String`, `Number` or `Binary`, optionally with
/// a `.custom` suffix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    /// `String`, `Number`, `Binary`, or one of those followed by `.label`.
    pub data_type: String,
    /// The value for `String` and `Number` types.
    pub string_value: Option<String>,
    /// The value for `Binary` types.
    pub binary_value: Option<Vec<u8>>,
}

/// Errors of the queue service; variant names are the SQS error codes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SqsError {
    /// The queue does not exist.
    #[error("{0}")]
    QueueDoesNotExist(String),
    /// Storage failed.
    #[error("{0}")]
    Internal(String),
}

/// A JSON-protocol answer: status, headers and body.
#[derive(Debug, Clone)]
pub struct SqsResponse {
    /// HTTP status.
    pub status: u16,
    /// Extra headers (content type, `x-amzn-query-error` on errors).
    pub headers: Vec<(&'static str, String)>,
    /// JSON body.
    pub body: Vec<u8>,
}

/// The queue service.
pub struct Queues {
    #[allow(dead_code)]
    storage: Arc<dyn Storage>,
    #[allow(dead_code)]
    config: SqsConfig,
}

impl Queues {
    /// Opens the service over `storage`, loading every queue and message.
    pub async fn open(storage: Arc<dyn Storage>, config: SqsConfig) -> Result<Arc<Self>, SqsError> {
        Ok(Arc::new(Self { storage, config }))
    }

    /// Sends a message to the queue with ARN `queue_arn`; returns the MessageId once the
    /// message is durable.
    pub async fn send_message(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, MessageAttribute)>,
    ) -> Result<String, SqsError> {
        let _ = (body, attributes);
        Err(SqsError::QueueDoesNotExist(format!("no queue {queue_arn}")))
    }

    /// True when a queue with this ARN exists.
    pub fn queue_exists(&self, queue_arn: &str) -> bool {
        let _ = queue_arn;
        false
    }

    /// Answers one JSON-protocol request (`X-Amz-Target: AmazonSQS.<op>`).
    pub async fn handle(&self, op: &str, body: &[u8]) -> SqsResponse {
        let _ = (op, body);
        SqsResponse {
            status: 400,
            headers: vec![("content-type", "application/x-amz-json-1.0".into())],
            body: br#"{"__type":"com.amazonaws.sqs#UnsupportedOperation","message":"not yet"}"#
                .to_vec(),
        }
    }

    /// Stops background work (none yet).
    pub async fn shutdown(&self) {}
}
