//! DynamoDB Streams: change capture in the write batch, shards, retention, and the
//! Streams API (`api/`).
//!
//! # Ordering and visibility
//! Sequence numbers come from one node-wide counter. The write path renders each record
//! before taking the sequencer lock, then, under it, numbers the records and *submits*
//! the storage batch (both backends apply batches in submission order; see
//! [`eddy_storage::Storage::commit`]). So storage applies records in sequence order, and
//! once a commit holding number `n` resolves, every number below `n` has been applied or
//! failed. [`Streams::visible`] tracks that high-water mark; readers never look above it,
//! which is what keeps a consumer from skipping a record whose batch is still in flight
//! (the "lost records around LATEST" bug of other emulators). The append is O(1): no scan
//! for the next number, no read of the log.
//!
//! # Recovery
//! The counter restarts above the highest number found in any stream's log or metadata
//! (closed shard ends, trim points), so numbers keep increasing across `kill -9`.

pub(crate) mod api;
pub mod iterator;
pub mod meta;
pub mod reader;
pub mod record;
mod worker;

#[cfg(test)]
mod tests;

use eddy_storage::{KeyRange, Storage, StorageError, StorageResult, WriteBatch};
use futures::future::BoxFuture;
use iterator::IteratorCodec;
use meta::{ShardMeta, StreamMeta, StreamStatus, new_shard_id};
use parking_lot::{Mutex, RwLock};
use record::PendingRecord;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub(crate) use worker::StreamWorker;

tokio::task_local! {
    /// The authenticated principal of the request being served, when `--stream-identity`
    /// is on. A task-local rather than a parameter so that the single write path can name
    /// who changed an item without every operation threading it through.
    pub(crate) static PRINCIPAL: Option<Arc<str>>;
}

/// Keyspace of stream metadata (`s` + id) and the iterator secret (`k`).
pub const STREAMS: &str = "streams";
/// Keyspace of stream records: `stream id (BE) + sequence number (BE)`.
pub const STREAM_RECORDS: &str = "stream_records";

const SECRET_KEY: &[u8] = b"k";
/// Node-wide sequence floor: the highest number handed out when a stream was last
/// forgotten, so forgetting the stream that held the highest numbers cannot let the
/// counter go back on restart.
const FLOOR_KEY: &[u8] = b"h";

/// Stream settings of a node.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// How long records are kept (AWS: 24 h).
    pub retention: Duration,
    /// How often the open shard of every stream is closed and replaced (AWS: ~4 h).
    pub rollover: Duration,
    /// Whether records of authenticated writes carry `userIdentity` (off: AWS-identical).
    pub identity: bool,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(24 * 3600),
            rollover: Duration::from_secs(4 * 3600),
            identity: false,
        }
    }
}

/// One stream in memory.
pub(crate) type StreamHandle = Arc<RwLock<StreamMeta>>;

/// Every stream of the node, the sequencer and the iterator codec.
pub(crate) struct Streams {
    streams: RwLock<BTreeMap<u64, StreamHandle>>,
    /// The next sequence number to hand out. Held while numbering records and submitting
    /// their batch, and while closing shards, so numbers and shard ranges agree with
    /// storage order.
    next_seq: Mutex<u64>,
    /// Every record numbered up to this has been applied (or its batch failed).
    visible: AtomicU64,
    /// Publishes the visibility mark to in-process consumers (trigger pollers), so they
    /// wake on a new record instead of polling on a timer.
    visible_tx: tokio::sync::watch::Sender<u64>,
    pub(crate) codec: IteratorCodec,
}

/// Storage key of a stream's metadata.
fn meta_key(id: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(9);
    k.push(b's');
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// Storage key of a record.
pub(crate) fn record_key(stream_id: u64, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(16);
    k.extend_from_slice(&stream_id.to_be_bytes());
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The sequence number inside a record key.
pub(crate) fn key_seq(key: &[u8]) -> u64 {
    key.get(8..16)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_be_bytes)
}

/// Every record key of a stream.
pub(crate) fn stream_range(stream_id: u64) -> KeyRange {
    KeyRange::prefix(&stream_id.to_be_bytes())
}

impl Streams {
    /// Loads every stream, recovers the sequencer, and loads (or creates) the iterator
    /// secret.
    pub(crate) async fn load(storage: &dyn Storage) -> StorageResult<Self> {
        let mut streams = BTreeMap::new();
        let mut high = 0u64;
        let mut range = KeyRange::prefix(b"s");
        loop {
            let page = storage.scan(STREAMS, &range, false, 256)?;
            let Some((last, _)) = page.last() else { break };
            range.start = std::ops::Bound::Excluded(last.clone());
            for (_, v) in page {
                let m: StreamMeta = serde_json::from_slice(&v)
                    .map_err(|e| StorageError::Corrupt(format!("stream record: {e}")))?;
                high = high.max(m.high_water());
                let last = storage.scan(STREAM_RECORDS, &stream_range(m.id), true, 1)?;
                if let Some((k, _)) = last.first() {
                    high = high.max(key_seq(k));
                }
                streams.insert(m.id, Arc::new(RwLock::new(m)));
            }
        }
        if let Some(f) = storage.get(STREAMS, FLOOR_KEY)?
            && let Ok(b) = <[u8; 8]>::try_from(f.as_slice())
        {
            high = high.max(u64::from_be_bytes(b));
        }
        let secret = match storage.get(STREAMS, SECRET_KEY)? {
            Some(s) if s.len() == 32 => s,
            _ => {
                let mut s = Vec::with_capacity(32);
                s.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                s.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
                let mut b = WriteBatch::new();
                b.put(STREAMS, SECRET_KEY.to_vec(), s.clone());
                storage.commit(b).await?;
                s
            }
        };
        let mut key = [0u8; 32];
        key.copy_from_slice(&secret);
        Ok(Self {
            streams: RwLock::new(streams),
            next_seq: Mutex::new(high + 1),
            visible: AtomicU64::new(high),
            visible_tx: tokio::sync::watch::channel(high).0,
            codec: IteratorCodec::new(key),
        })
    }

    /// The visibility high-water mark.
    pub(crate) fn visible(&self) -> u64 {
        self.visible.load(Ordering::Acquire)
    }

    /// Marks every number up to `seq` as applied.
    fn advance(&self, seq: u64) {
        let before = self.visible.fetch_max(seq, Ordering::AcqRel);
        if before < seq && self.visible_tx.receiver_count() > 0 {
            self.visible_tx.send_if_modified(|v| {
                let grew = *v < seq;
                *v = (*v).max(seq);
                grew
            });
        }
    }

    /// A receiver that changes whenever the visibility mark advances.
    pub(crate) fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.visible_tx.subscribe()
    }

    /// A stream by id.
    pub(crate) fn get(&self, id: u64) -> Option<StreamHandle> {
        self.streams.read().get(&id).cloned()
    }

    /// Every stream, newest first (by creation time, then id).
    pub(crate) fn all(&self) -> Vec<StreamHandle> {
        let mut v: Vec<StreamHandle> = self.streams.read().values().cloned().collect();
        v.sort_by_key(|s| {
            let m = s.read();
            std::cmp::Reverse((m.created_ms, m.id))
        });
        v
    }

    /// A new, enabled stream for a table, with one open shard. Its metadata is staged in
    /// `batch`; call [`Streams::insert`] once the batch has committed.
    pub(crate) fn create(
        &self,
        batch: &mut WriteBatch,
        table: &crate::model::TableDef,
        view_type: meta::ViewType,
        now_ms: i64,
    ) -> StreamMeta {
        // Labels are unique per table: a table recreated within the same millisecond
        // still gets a fresh one.
        let mut created_ms = now_ms;
        {
            let all = self.streams.read();
            while all
                .values()
                .any(|s| s.read().table_name == table.name && s.read().created_ms == created_ms)
            {
                created_ms += 1;
            }
        }
        // A shard's StartingSequenceNumber is a number of its own that no record uses,
        // so AT_SEQUENCE_NUMBER with it means "from the start" even after the first
        // record has been trimmed (and then one with a trimmed record's number is
        // TrimmedDataAccessException, without ambiguity).
        let start = {
            let mut next = self.next_seq.lock();
            *next += 1;
            *next - 1
        };
        let m = StreamMeta {
            id: crate::new_id(),
            table_name: table.name.clone(),
            table_id: table.id,
            label: meta::label_from_ms(created_ms),
            view_type,
            key_schema: table.key.clone(),
            created_ms,
            status: StreamStatus::Enabled,
            disabled_ms: None,
            shards: vec![ShardMeta {
                ordinal: 0,
                id: new_shard_id(created_ms),
                parent: None,
                created_ms,
                start,
                end: None,
            }],
            trimmed_through: 0,
        };
        stage(batch, &m);
        m
    }

    /// Publishes a stream whose metadata has committed.
    pub(crate) fn insert(&self, m: StreamMeta) {
        self.streams.write().insert(m.id, Arc::new(RwLock::new(m)));
    }

    /// Numbers `records`, adds them to `batch` and submits it. Records of streams that
    /// are no longer enabled are dropped (the write happened after the disable). Returns
    /// the commit future and the highest number used.
    pub(crate) fn submit(
        &self,
        storage: &dyn Storage,
        mut batch: WriteBatch,
        records: Vec<PendingRecord>,
    ) -> (BoxFuture<'static, StorageResult<()>>, Option<u64>) {
        let mut next = self.next_seq.lock();
        let streams = self.streams.read();
        let mut max = None;
        for r in records {
            let open = streams
                .get(&r.stream_id)
                .is_some_and(|s| s.read().status == StreamStatus::Enabled);
            if !open {
                continue;
            }
            let n = *next;
            *next += 1;
            batch.put(STREAM_RECORDS, record_key(r.stream_id, n), r.value);
            max = Some(n);
        }
        drop(streams);
        // Submitted under the lock: storage applies batches in submission order, which
        // is therefore sequence order.
        let fut = storage.commit(batch);
        (fut, max)
    }

    /// Awaits a commit made by [`Streams::submit`] and publishes its records. If the
    /// caller is cancelled (a client hanging up) before the commit resolves, the rest of
    /// the wait moves to a task, so the visibility mark still passes a batch that storage
    /// applies anyway.
    pub(crate) async fn finish(
        self: &Arc<Self>,
        fut: BoxFuture<'static, StorageResult<()>>,
        max: Option<u64>,
    ) -> StorageResult<()> {
        let Some(max) = max else { return fut.await };
        let mut publish = Publish {
            fut: Some(fut),
            streams: self.clone(),
            max,
        };
        let r = match publish.fut.as_mut() {
            Some(f) => f.await,
            None => Ok(()),
        };
        publish.fut = None;
        if r.is_ok() {
            self.advance(max);
        }
        r
    }

    /// Closes the open shard of stream `id` and, when `reopen`, opens a child shard
    /// (rollover); otherwise marks the stream DISABLED (disable, table deletion). The
    /// metadata is submitted under the sequencer lock, after every record of the closed
    /// shard.
    pub(crate) async fn close_shard(
        self: &Arc<Self>,
        storage: &dyn Storage,
        id: u64,
        reopen: bool,
        now_ms: i64,
    ) -> StorageResult<()> {
        let Some(handle) = self.get(id) else {
            return Ok(());
        };
        let (fut, end) = {
            let mut next = self.next_seq.lock();
            let mut m = handle.write();
            let Some(open) = m.shards.last_mut().filter(|s| s.end.is_none()) else {
                return Ok(());
            };
            // Every shard's range starts with a number of its own (see `create`), so
            // even an empty shard ends at or after its start.
            let end = (*next - 1).max(open.start);
            open.end = Some(end);
            let (parent, ordinal) = (open.id.clone(), open.ordinal + 1);
            if reopen {
                let created_ms = now_ms.max(open.created_ms + 1);
                m.shards.push(ShardMeta {
                    ordinal,
                    id: new_shard_id(created_ms),
                    parent: Some(parent),
                    created_ms,
                    start: *next,
                    end: None,
                });
                *next += 1;
            } else {
                m.status = StreamStatus::Disabled;
                m.disabled_ms = Some(now_ms);
            }
            let mut batch = WriteBatch::new();
            stage(&mut batch, &m);
            (storage.commit(batch), end)
        };
        let r = fut.await;
        if r.is_ok() {
            self.advance(end);
        }
        r
    }

    /// Persists a stream's current metadata (after trimming).
    pub(crate) async fn save(&self, storage: &dyn Storage, id: u64) -> StorageResult<()> {
        let Some(handle) = self.get(id) else {
            return Ok(());
        };
        // Submitted under the read lock, so a concurrent close_shard's newer metadata
        // cannot be overtaken by this older snapshot.
        let fut = {
            let m = handle.read();
            let mut batch = WriteBatch::new();
            stage(&mut batch, &m);
            storage.commit(batch)
        };
        fut.await
    }

    /// Forgets a stream whose retention has passed (its records are deleted separately),
    /// recording the sequence floor in the same batch.
    pub(crate) fn remove(&self, batch: &mut WriteBatch, id: u64) {
        batch.delete(STREAMS, meta_key(id));
        let floor = *self.next_seq.lock() - 1;
        batch.put(STREAMS, FLOOR_KEY.to_vec(), floor.to_be_bytes().to_vec());
    }

    /// Drops a removed stream from memory (after its deletion committed).
    pub(crate) fn forget(&self, id: u64) {
        self.streams.write().remove(&id);
    }
}

/// A commit whose records are published once it resolves, even if its waiter is dropped.
struct Publish {
    fut: Option<BoxFuture<'static, StorageResult<()>>>,
    streams: Arc<Streams>,
    max: u64,
}

impl Drop for Publish {
    fn drop(&mut self) {
        let Some(fut) = self.fut.take() else { return };
        let (streams, max) = (self.streams.clone(), self.max);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if fut.await.is_ok() {
                    streams.advance(max);
                }
            });
        }
    }
}

/// Stages a stream's metadata record.
pub(crate) fn stage(batch: &mut WriteBatch, m: &StreamMeta) {
    // Serializing plain structs of strings and numbers cannot fail.
    let bytes = serde_json::to_vec(m).unwrap_or_default();
    batch.put(STREAMS, meta_key(m.id), bytes);
}
