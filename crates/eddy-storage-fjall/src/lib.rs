//! Durable embedded storage on [fjall] 3 (an LSM-tree), with group commit.
//!
//! Each eddy keyspace is a fjall keyspace; a [`WriteBatch`] becomes one fjall batch, which
//! fjall applies atomically across keyspaces and journals as one checksummed record, so
//! after a crash a batch is recovered entirely or not at all.
//!
//! # Group commit
//!
//! Commits are not synced one by one. A dedicated committer thread takes every batch that
//! is waiting, applies each as its own atomic fjall batch, syncs the journal once for the
//! whole group and only then resolves the callers' futures (module `committer`). With many
//! concurrent writers this turns one fsync per commit into one per group: throughput
//! scales with concurrency while each commit still waits for its own sync.
//!
//! # Visibility before durability
//!
//! A batch is applied to the memtables (visible to `get`/`scan`) *before* the group's
//! fsync, and its `commit` resolves only after. So a reader may briefly see a batch that
//! a power cut at that moment would erase. This is safe for eddy because the engine holds
//! a per-item lock from reading an item until the commit that changes it resolves: a
//! conditional writer (`ConditionExpression`, `UpdateItem`, transactions) therefore never
//! decides on another writer's unacknowledged state, and a client never gets an answer
//! that depends on one. Plain readers (GetItem, Query) may observe such state a few
//! hundred microseconds early, which is indistinguishable from a read that raced the
//! acknowledgement. Anything that *publishes* what it read (stream readers, replication)
//! must not rely on this and should stop at a durable watermark instead.
//!
//! Reads go through a fjall snapshot, so a concurrent reader never sees half a batch.
//!
//! # Row cache
//!
//! Point reads first ask a small cache of whole values (module `row_cache`), which the
//! committer keeps coherent: it drops a group's keys and holds them pending while it
//! applies the group, and a value read from fjall is cached only if no group began
//! meanwhile. A hit skips the LSM walk (memtables, then a table per level), which was
//! ~20% of a GetItem's CPU.
//!
//! # Lifecycle
//!
//! [`Storage::close`] stops accepting commits, lets the committer finish everything
//! already submitted, joins it and syncs the journal; later commits fail with
//! [`StorageError::Closed`]. Dropping the store without `close` does the same (errors are
//! logged). A commit future that is dropped before it resolves does *not* cancel the
//! commit: the batch was handed to the committer when `commit` was called.
//!
//! # Limits
//!
//! Keys must be 1..=65535 bytes and keyspace names 1..=255 bytes (fjall's limits); a
//! batch violating either is rejected as a whole before anything is applied.

mod committer;
mod error;
mod keyspaces;
mod options;
mod row_cache;

pub use options::FjallOptions;

use committer::{GroupLimits, Request, committer_gone, group_commit_worker};
use eddy_storage::{KeyRange, KvPair, Storage, StorageError, StorageResult, WriteBatch, WriteOp};
use error::from_fjall;
use fjall::{Database, PersistMode, Readable};
use futures::future::BoxFuture;
use keyspaces::{Keyspaces, check_name};
use parking_lot::{Mutex, RwLock};
use row_cache::{Lookup, RowCache};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// Longest accepted key, in bytes (fjall stores key lengths as `u16`).
pub const MAX_KEY_LEN: usize = 65_535;

/// A [`Storage`] on a fjall database in one directory, with group commit.
pub struct FjallStorage {
    keyspaces: Arc<Keyspaces>,
    /// Values of recently read keys; the committer keeps it coherent with every batch.
    row_cache: Arc<RowCache>,
    /// Queue to the committer thread; `None` once closed. Senders hold the read lock
    /// while sending, so `close` (write lock) knows no send can slip in after it.
    queue: RwLock<Option<Sender<Request>>>,
    /// The committer thread, joined by `close`.
    committer: Mutex<Option<JoinHandle<()>>>,
}

impl FjallStorage {
    /// Opens (or creates) the database in directory `path` and starts the committer.
    ///
    /// Recovers from the journal if the previous process crashed. Fails if another
    /// process or another open `FjallStorage` holds the directory.
    pub fn open(path: &Path, opts: FjallOptions) -> StorageResult<Self> {
        if opts.worker_threads == 0 || opts.max_group_commits == 0 {
            return Err(StorageError::Other(
                "worker_threads and max_group_commits must be at least 1".into(),
            ));
        }
        if opts.max_journal_bytes < 64 << 20 {
            return Err(StorageError::Other(
                "max_journal_bytes must be at least 64 MiB".into(),
            ));
        }
        let db = Database::builder(path)
            .cache_size(opts.cache_bytes)
            .worker_threads(opts.worker_threads)
            .max_journaling_size(opts.max_journal_bytes)
            .manual_journal_persist(true)
            .open()
            .map_err(from_fjall)?;
        let keyspaces = Arc::new(Keyspaces::new(db, opts.memtable_bytes));
        let limits = GroupLimits {
            max_commits: opts.max_group_commits,
            max_bytes: opts.max_group_bytes,
            durable: opts.durable,
        };
        let row_cache = Arc::new(RowCache::new(opts.row_cache_bytes));
        let (tx, rx) = mpsc::channel();
        let (worker_keyspaces, worker_cache) = (keyspaces.clone(), row_cache.clone());
        let handle = std::thread::Builder::new()
            .name("eddy-fjall-commit".into())
            .spawn(move || group_commit_worker(worker_keyspaces, worker_cache, rx, limits))
            .map_err(|e| StorageError::Other(format!("cannot start committer thread: {e}")))?;
        Ok(Self {
            keyspaces,
            row_cache,
            queue: RwLock::new(Some(tx)),
            committer: Mutex::new(Some(handle)),
        })
    }

    /// Stops the committer after it has drained its queue. Idempotent.
    fn stop_committer(&self) -> StorageResult<()> {
        drop(self.queue.write().take());
        let handle = self.committer.lock().take();
        match handle.map(JoinHandle::join) {
            Some(Err(_)) => Err(committer_gone()),
            _ => Ok(()),
        }
    }
}

/// Rejects what fjall would panic on, before anything of the batch is applied.
fn check_batch(batch: &WriteBatch) -> StorageResult<usize> {
    let mut bytes = 0;
    for op in &batch.ops {
        let (WriteOp::Put { keyspace, key, .. } | WriteOp::Delete { keyspace, key }) = op;
        check_name(keyspace)?;
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(StorageError::Other(format!(
                "invalid key length {} in keyspace {keyspace} (allowed 1..={MAX_KEY_LEN})",
                key.len()
            )));
        }
        bytes += key.len();
        if let WriteOp::Put { value, .. } = op {
            if u32::try_from(value.len()).is_err() {
                return Err(StorageError::Other("value larger than 4 GiB".into()));
            }
            bytes += value.len();
        }
    }
    Ok(bytes)
}

/// True when no key can satisfy both bounds (answered without asking fjall).
fn is_empty_range(range: &KeyRange) -> bool {
    use Bound::{Excluded, Included};
    match (&range.start, &range.end) {
        (Included(s), Included(e)) => s > e,
        (Included(s) | Excluded(s), Included(e) | Excluded(e)) => s >= e,
        (_, Excluded(e)) => e.is_empty(),
        _ => false,
    }
}

impl Storage for FjallStorage {
    fn get(&self, keyspace: &'static str, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        let Some(ks) = self.keyspaces.existing(keyspace)? else {
            return Ok(None);
        };
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Ok(None);
        }
        let epoch = match self.row_cache.lookup(keyspace, key) {
            Lookup::Hit(value) => return Ok(Some(value)),
            Lookup::Miss(epoch) => Some(epoch),
            Lookup::Bypass => None,
        };
        let snapshot = self.keyspaces.db().snapshot();
        let value = snapshot.get(&ks, key).map_err(from_fjall)?;
        if let (Some(epoch), Some(v)) = (epoch, &value) {
            self.row_cache.fill(keyspace, key, epoch, v);
        }
        Ok(value.map(|v| v.to_vec()))
    }

    fn scan(
        &self,
        keyspace: &'static str,
        range: &KeyRange,
        reverse: bool,
        limit: usize,
    ) -> StorageResult<Vec<KvPair>> {
        if limit == 0 || is_empty_range(range) {
            return Ok(Vec::new());
        }
        let Some(ks) = self.keyspaces.existing(keyspace)? else {
            return Ok(Vec::new());
        };
        let bounds: (Bound<&[u8]>, Bound<&[u8]>) = (
            range.start.as_ref().map(Vec::as_slice),
            range.end.as_ref().map(Vec::as_slice),
        );
        let snapshot = self.keyspaces.db().snapshot();
        let iter = snapshot.range::<&[u8], _>(&ks, bounds);
        let pair = |g: fjall::Guard| {
            let (k, v) = g.into_inner().map_err(from_fjall)?;
            Ok((k.to_vec(), v.to_vec()))
        };
        if reverse {
            iter.rev().take(limit).map(pair).collect()
        } else {
            iter.take(limit).map(pair).collect()
        }
    }

    fn commit(&self, batch: WriteBatch) -> BoxFuture<'static, StorageResult<()>> {
        let (ack, done) = oneshot::channel();
        let submitted = check_batch(&batch).and_then(|bytes| match &*self.queue.read() {
            None => Err(StorageError::Closed),
            Some(queue) => queue
                .send(Request { batch, bytes, ack })
                .map_err(|_| committer_gone()),
        });
        Box::pin(async move {
            submitted?;
            done.await.unwrap_or_else(|_| Err(committer_gone()))
        })
    }

    fn close(&self) -> StorageResult<()> {
        self.stop_committer()?;
        self.keyspaces
            .db()
            .persist(PersistMode::SyncAll)
            .map_err(from_fjall)
    }

    fn name(&self) -> &'static str {
        "fjall"
    }
}

impl Drop for FjallStorage {
    fn drop(&mut self) {
        // fjall's own drop syncs the journal once the last handle goes; stopping the
        // committer first makes sure every submitted batch is in it.
        if let Err(e) = self.stop_committer() {
            tracing::error!(error = %e, "stopping the fjall committer on drop");
        }
    }
}
