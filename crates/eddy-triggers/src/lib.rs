//! Event source mappings: DynamoDB stream → function, with Lambda's delivery semantics.
//!
//! [`Triggers`] owns every mapping. Each enabled mapping runs one poller task
//! (`poller.rs`) that reads its stream in-process through the engine's typed reader
//! (no HTTP, no iterators), follows shard lineage, filters and batches records, invokes
//! the function through the [`Invoker`] trait, interprets the result (errors, partial
//! batch responses, bisecting, retries, record age) in `deliver.rs`, and writes a durable
//! checkpoint after every delivered or discarded batch. The REST API
//! (`/2015-03-31/event-source-mappings`) is in `api/`.
//!
//! The function side is behind [`Invoker`] so this crate does not depend on how functions
//! run; the binary plugs in eddy's local function runtime. On-failure destinations go
//! through [`FailureDestination`] for the same reason (SNS and SQS are another crate).

pub mod api;
mod batch;
mod deliver;
pub mod filter;
pub mod metrics;
pub mod model;
mod poller;
#[cfg(test)]
mod tests;
mod window;

use eddy_engine::Engine;
use eddy_storage::{KeyRange, Storage, StorageError};
use futures::future::BoxFuture;
use model::{MAPPINGS, Mapping};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The result of one synchronous invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The function's response bytes (or its error body).
    pub payload: Vec<u8>,
    /// `X-Amz-Function-Error` (`Unhandled`) when the function failed.
    pub function_error: Option<String>,
}

/// Why an invocation could not happen at all (not a function error).
#[derive(Debug, Clone)]
pub enum InvokeError {
    /// The function does not exist (any more).
    NotFound,
    /// Concurrency exhausted or another transient refusal; retried without counting.
    Throttled(String),
    /// Any other failure of the platform.
    Service(String),
}

/// Runs functions. Implemented by eddy's local function runtime (and by fakes in tests).
pub trait Invoker: Send + Sync + 'static {
    /// Resolves a function name, full or partial ARN (optionally `:qualifier`) to the
    /// ARN the mapping stores; `None` when there is no such function.
    fn function_arn(&self, name_or_arn: &str) -> Option<String>;
    /// Invokes `function_arn` synchronously (RequestResponse) with `payload`.
    fn invoke(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
    ) -> BoxFuture<'static, Result<Invocation, InvokeError>>;
}

/// Sends on-failure invocation records (spec §2.9) to SQS queues or SNS topics.
pub trait FailureDestination: Send + Sync + 'static {
    /// Delivers `record` to `destination_arn`.
    fn send(
        &self,
        destination_arn: &str,
        record: serde_json::Value,
    ) -> BoxFuture<'static, Result<(), String>>;
}

/// Settings of the trigger service.
#[derive(Debug, Clone)]
pub struct TriggerConfig {
    /// Region used in ARNs.
    pub region: String,
    /// Account id used in ARNs.
    pub account_id: String,
    /// Pause before retrying a failed batch (doubles per attempt, capped at 16x).
    pub retry_backoff: Duration,
    /// How long an idle poller waits for new records before re-reading stream metadata.
    pub idle_wait: Duration,
}

impl Default for TriggerConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            retry_backoff: Duration::from_millis(100),
            idle_wait: Duration::from_millis(500),
        }
    }
}

/// What the pollers share.
pub(crate) struct Shared {
    pub(crate) engine: Arc<Engine>,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) invoker: Arc<dyn Invoker>,
    pub(crate) destination: Arc<dyn FailureDestination>,
    pub(crate) config: TriggerConfig,
}

impl Shared {
    /// Now, on the engine's clock.
    pub(crate) fn engine_now_ms(&self) -> i64 {
        self.engine.now_millis()
    }
}

/// One mapping in memory: its definition, its last processing result and its poller.
pub(crate) struct Running {
    pub(crate) mapping: Mapping,
    pub(crate) last_result: Arc<Mutex<String>>,
    pub(crate) metrics: Arc<metrics::MappingMetrics>,
    pub(crate) poller: Option<poller::PollerHandle>,
}

/// Every event source mapping of the node.
pub struct Triggers {
    pub(crate) shared: Arc<Shared>,
    pub(crate) mappings: tokio::sync::Mutex<BTreeMap<String, Running>>,
}

impl Triggers {
    /// Loads the stored mappings and starts the pollers of the enabled ones.
    pub async fn open(
        engine: Arc<Engine>,
        invoker: Arc<dyn Invoker>,
        destination: Arc<dyn FailureDestination>,
        config: TriggerConfig,
    ) -> Result<Arc<Self>, StorageError> {
        let storage = engine.storage().clone();
        let shared = Arc::new(Shared {
            engine,
            storage: storage.clone(),
            invoker,
            destination,
            config,
        });
        let mut mappings = BTreeMap::new();
        let mut range = KeyRange::prefix(&[]);
        loop {
            let page = storage.scan(MAPPINGS, &range, false, 256)?;
            let Some((last, _)) = page.last() else { break };
            range.start = std::ops::Bound::Excluded(last.clone());
            for (_, v) in page {
                let m: Mapping = serde_json::from_slice(&v)
                    .map_err(|e| StorageError::Corrupt(format!("event source mapping: {e}")))?;
                let last_result = Arc::new(Mutex::new("No records processed".to_string()));
                let metrics = Arc::new(metrics::MappingMetrics::default());
                let poller = m.enabled.then(|| {
                    poller::spawn(
                        shared.clone(),
                        m.clone(),
                        last_result.clone(),
                        metrics.clone(),
                    )
                });
                let running = Running {
                    mapping: m,
                    last_result,
                    metrics,
                    poller,
                };
                mappings.insert(running.mapping.uuid.clone(), running);
            }
        }
        Ok(Arc::new(Self {
            shared,
            mappings: tokio::sync::Mutex::new(mappings),
        }))
    }

    /// Every mapping's delivery metrics in the Prometheus text format.
    pub async fn metrics_text(&self) -> String {
        let all = self.mappings.lock().await;
        let list: Vec<_> = all
            .values()
            .map(|r| {
                (
                    r.mapping.uuid.clone(),
                    r.mapping.function_arn.clone(),
                    r.metrics.clone(),
                )
            })
            .collect();
        drop(all);
        let mut out = String::new();
        metrics::render(&mut out, &list);
        out
    }

    /// Stops every poller (in-flight invocations finish or are abandoned; checkpoints
    /// stay where the last delivered batch left them).
    pub async fn shutdown(&self) {
        let mut all = self.mappings.lock().await;
        for r in all.values_mut() {
            if let Some(p) = r.poller.take() {
                p.stop().await;
            }
        }
    }
}
