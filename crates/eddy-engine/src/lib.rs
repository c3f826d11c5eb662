//! DynamoDB semantics over the storage trait.
//!
//! [`Engine`] owns the table catalog and implements every DynamoDB operation, one module
//! per operation under `ops/`. The HTTP layer hands it an operation name and the raw JSON
//! body through [`Engine::dynamodb`]; the engine decodes the input DTO, validates it in
//! DynamoDB's order, runs the operation and returns the encoded JSON response. Every item
//! mutation goes through one write path (`write.rs`): lock the item, read the old image,
//! decide, commit one storage batch, unlock.

mod catalog;
mod index;
mod keys;
mod locks;
mod model;
mod ops;
pub mod partiql;
pub mod streams;
mod ttl;
mod write;

pub use catalog::{CATALOG, ITEMS};
pub use index::{INDEX, INDEX_META, stored_index_entries};
pub use streams::{STREAM_RECORDS, STREAMS, StreamConfig};

use catalog::Catalog;
use eddy_storage::{Storage, StorageError};
use eddy_types::ApiError;
use locks::KeyLocks;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Static settings of one eddy node that show up in responses (ARNs, endpoints).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// AWS region name used in ARNs (`us-east-1` by default).
    pub region: String,
    /// 12-digit account id used in ARNs (`000000000000` by default).
    pub account_id: String,
    /// Pause between two passes of the TTL expiry worker (5 s by default).
    pub ttl_interval: Duration,
    /// Stream retention, shard rollover and identity settings.
    pub streams: StreamConfig,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            ttl_interval: Duration::from_secs(5),
            streams: StreamConfig::default(),
        }
    }
}

/// Who sent a request and how to name it in logs; built by the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The authenticated principal (only with `--credentials`), for stream identity.
    pub principal: Option<String>,
    /// The `x-amzn-RequestId` of this request.
    pub request_id: String,
}

/// A source of wall-clock time, injectable so tests can control it.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}

/// The DynamoDB engine. Cheap to share behind an `Arc`.
pub struct Engine {
    storage: Arc<dyn Storage>,
    config: EngineConfig,
    catalog: Catalog,
    locks: KeyLocks,
    /// Secondary-index statistics and background work (backfills, purges).
    indexes: index::Indexes,
    /// Items and client tokens held by in-flight transactions (TransactionConflict).
    txns: ops::TxnRegistry,
    /// Serialises control-plane changes (create/update/delete table, tags).
    ddl_lock: tokio::sync::Mutex<()>,
    clock: Arc<dyn Clock>,
    /// The TTL expiry worker, started by `open` and stopped by `shutdown`.
    ttl_worker: parking_lot::Mutex<Option<ttl::TtlWorker>>,
    /// Every stream, the sequencer and the iterator codec.
    streams: Arc<streams::Streams>,
    /// Stream rollover and trimming, started by `open` and stopped by `shutdown`.
    stream_worker: parking_lot::Mutex<Option<streams::StreamWorker>>,
}

impl Engine {
    /// Opens the engine over `storage`, loading the catalog. Inside a tokio runtime it
    /// also starts the background work: the orphan sweep and the TTL expiry worker (every
    /// `config.ttl_interval`), which [`Engine::shutdown`] stops.
    pub async fn open(
        storage: Arc<dyn Storage>,
        config: EngineConfig,
    ) -> Result<Arc<Self>, ApiError> {
        Self::open_with_clock(storage, config, Arc::new(SystemClock)).await
    }

    /// Opens the engine with an injected clock (tests).
    pub async fn open_with_clock(
        storage: Arc<dyn Storage>,
        config: EngineConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<Self>, ApiError> {
        let catalog = Catalog::load(storage.as_ref()).map_err(storage_error)?;
        let indexes = index::Indexes::new(storage.clone());
        let streams = streams::Streams::load(storage.as_ref())
            .await
            .map_err(storage_error)?;
        let engine = Arc::new(Self {
            storage,
            config,
            catalog,
            locks: KeyLocks::default(),
            indexes,
            txns: ops::TxnRegistry::default(),
            ddl_lock: tokio::sync::Mutex::new(()),
            clock,
            ttl_worker: parking_lot::Mutex::new(None),
            streams: Arc::new(streams),
            stream_worker: parking_lot::Mutex::new(None),
        });
        // Safe to run concurrently with CreateTable: an item with table id X can only
        // exist after table X entered the catalog, and ids are never reused.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&engine);
            let is_live =
                move |id: u64| weak.upgrade().is_none_or(|e| e.catalog.ids().contains(&id));
            handle.spawn(ops::sweep_orphans(engine.storage.clone(), is_live));
            let worker = ttl::TtlWorker::spawn(&engine, &handle, engine.config.ttl_interval);
            *engine.ttl_worker.lock() = Some(worker);
            *engine.stream_worker.lock() = Some(streams::StreamWorker::spawn(&engine, &handle));
            index::Indexes::start(&engine);
        }
        Ok(engine)
    }

    /// Runs the DynamoDB operation `op` (the part of `X-Amz-Target` after the dot) on a
    /// JSON body and returns the JSON response body.
    pub async fn dynamodb(
        &self,
        op: &str,
        body: &[u8],
        ctx: &RequestContext,
    ) -> Result<Vec<u8>, ApiError> {
        let principal = ctx
            .principal
            .as_deref()
            .filter(|_| self.config.streams.identity);
        match principal {
            Some(p) => {
                let p: Arc<str> = Arc::from(p);
                streams::PRINCIPAL
                    .scope(Some(p), self.dispatch(op, body))
                    .await
            }
            None => self.dispatch(op, body).await,
        }
    }

    /// Runs the DynamoDB Streams operation `op` (after `DynamoDBStreams_20120810.`).
    pub async fn dynamodb_streams(&self, op: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        self.streams_api(op, body).await
    }

    async fn dispatch(&self, op: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        match op {
            "PutItem" => self.put_item(body).await,
            "GetItem" => self.get_item(body).await,
            "UpdateItem" => self.update_item(body).await,
            "DeleteItem" => self.delete_item(body).await,
            "BatchGetItem" => self.batch_get_item(body).await,
            "BatchWriteItem" => self.batch_write_item(body).await,
            "Query" => self.query(body).await,
            "Scan" => self.scan(body).await,
            "TransactWriteItems" => self.transact_write_items(body).await,
            "TransactGetItems" => self.transact_get_items(body).await,
            "ExecuteStatement" => self.execute_statement(body).await,
            "BatchExecuteStatement" => self.batch_execute_statement(body).await,
            "ExecuteTransaction" => self.execute_transaction(body).await,
            "CreateTable" => self.create_table(body).await,
            "DescribeTable" => self.describe_table(body).await,
            "ListTables" => self.list_tables(body).await,
            "UpdateTable" => self.update_table(body).await,
            "DeleteTable" => self.delete_table(body).await,
            "TagResource" => self.tag_resource(body).await,
            "UntagResource" => self.untag_resource(body).await,
            "ListTagsOfResource" => self.list_tags_of_resource(body).await,
            "UpdateTimeToLive" => self.update_time_to_live(body).await,
            "DescribeTimeToLive" => self.describe_time_to_live(body).await,
            "DescribeEndpoints" => Ok(self.describe_endpoints()),
            "DescribeLimits" => Ok(self.describe_limits()),
            _ => Err(ApiError::UnknownOperation(
                "An unknown operation was requested.".into(),
            )),
        }
    }

    /// Stops background work (the TTL worker), persists catalog statistics and closes
    /// storage (graceful shutdown).
    pub async fn shutdown(&self) -> Result<(), ApiError> {
        let worker = self.ttl_worker.lock().take();
        if let Some(worker) = worker {
            worker.stop().await;
        }
        let worker = self.stream_worker.lock().take();
        if let Some(worker) = worker {
            worker.stop().await;
        }
        self.indexes.stop().await;
        let mut batch = self.catalog.save_all();
        self.indexes.stats.stage_save_all(&mut batch);
        if !batch.is_empty() {
            self.storage.commit(batch).await.map_err(storage_error)?;
        }
        self.storage.close().map_err(storage_error)
    }

    /// The engine's clock: milliseconds since the epoch (injectable in tests).
    pub fn now_millis(&self) -> i64 {
        self.clock.now_millis()
    }

    /// The region this node reports.
    pub fn region(&self) -> &str {
        &self.config.region
    }

    /// The storage backend.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// Seconds since the epoch with millisecond precision, as DynamoDB renders times.
    fn now_seconds(&self) -> f64 {
        self.clock.now_millis() as f64 / 1000.0
    }
}

/// A fresh table or index id: random, so ids never repeat across deletes and restarts.
pub(crate) fn new_id() -> u64 {
    let b = uuid::Uuid::new_v4().into_bytes();
    u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// Maps a storage failure to what the client sees, logging the detail.
pub(crate) fn storage_error(e: StorageError) -> ApiError {
    tracing::error!(error = %e, "storage failure");
    match e {
        StorageError::Closed => ApiError::InternalServerError("The server is shutting down".into()),
        _ => ApiError::InternalServerError("Internal server error".into()),
    }
}

/// An internal error with a logged detail.
pub(crate) fn internal(detail: String) -> ApiError {
    tracing::error!(%detail, "internal error");
    ApiError::InternalServerError("Internal server error".into())
}

/// A stored item that cannot be decoded (storage corruption): an internal error.
pub(crate) fn corrupt_item(e: eddy_types::codec::CodecError) -> ApiError {
    internal(format!("corrupt item: {e}"))
}
