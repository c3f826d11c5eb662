//! In-memory storage backend: one `BTreeMap` per keyspace under a single lock.
//!
//! Used by `eddy --in-memory` and by engine tests. Nothing survives the process, so
//! "durable" is vacuous; everything else in the [`Storage`] contract holds:
//!
//! - **Atomicity and isolation.** A commit validates the whole batch first, then applies
//!   it under the write lock. Readers take the read lock, so they see a batch entirely or
//!   not at all (a scan is a consistent snapshot of its keyspace).
//! - **No visibility-before-durability gap.** When `commit` returns its (already
//!   resolved) future, the batch is visible; there is no fsync to wait for.
//! - **Same limits as the durable backend.** Keys must be 1..=65535 bytes, fjall's limit;
//!   enforcing it here too means engine tests on the memory store catch what would fail
//!   in production.
//!
//! One lock for all keyspaces keeps cross-keyspace atomicity trivial. Commits hold it
//! only for the in-memory inserts, which is far shorter than any fsync would be.

use eddy_storage::{KeyRange, KvPair, Storage, StorageError, StorageResult, WriteBatch, WriteOp};
use futures::future::BoxFuture;
use parking_lot::RwLock;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, Ordering};

/// Longest accepted key, in bytes (the durable backend's limit).
pub const MAX_KEY_LEN: usize = 65_535;

type Keyspace = BTreeMap<Vec<u8>, Vec<u8>>;

/// An ordered in-memory store with named keyspaces.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    /// Every keyspace, created on first write. One lock so that a batch spanning
    /// keyspaces is applied (and observed) atomically.
    keyspaces: RwLock<HashMap<&'static str, Keyspace>>,
    /// Set by [`Storage::close`]; later commits fail with [`StorageError::Closed`].
    closed: AtomicBool,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Rejects keys fjall cannot store, so both backends accept exactly the same batches.
fn check_batch(batch: &WriteBatch) -> StorageResult<()> {
    for op in &batch.ops {
        let (WriteOp::Put { key, keyspace, .. } | WriteOp::Delete { key, keyspace }) = op;
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(StorageError::Other(format!(
                "invalid key length {} in keyspace {keyspace} (allowed 1..={MAX_KEY_LEN})",
                key.len()
            )));
        }
    }
    Ok(())
}

/// True when no key can satisfy both bounds. `BTreeMap::range` panics on some of
/// these (start > end, or equal excluded bounds), so they are answered up front.
fn is_empty_range(range: &KeyRange) -> bool {
    use Bound::{Excluded, Included};
    match (&range.start, &range.end) {
        (Included(s), Included(e)) => s > e,
        (Included(s) | Excluded(s), Included(e) | Excluded(e)) => s >= e,
        _ => false,
    }
}

impl Storage for MemoryStorage {
    fn get(&self, keyspace: &'static str, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        let map = self.keyspaces.read();
        Ok(map.get(keyspace).and_then(|ks| ks.get(key).cloned()))
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
        let map = self.keyspaces.read();
        let Some(ks) = map.get(keyspace) else {
            return Ok(Vec::new());
        };
        let bounds: (Bound<&[u8]>, Bound<&[u8]>) = (
            range.start.as_ref().map(Vec::as_slice),
            range.end.as_ref().map(Vec::as_slice),
        );
        let iter = ks
            .range::<[u8], _>(bounds)
            .map(|(k, v)| (k.clone(), v.clone()));
        Ok(if reverse {
            iter.rev().take(limit).collect()
        } else {
            iter.take(limit).collect()
        })
    }

    fn commit(&self, batch: WriteBatch) -> BoxFuture<'static, StorageResult<()>> {
        let result = check_batch(&batch).and_then(|()| {
            let mut map = self.keyspaces.write();
            // Checked under the lock: a commit racing `close` either lands before the
            // close or fails, never after close has returned.
            if self.closed.load(Ordering::Acquire) {
                return Err(StorageError::Closed);
            }
            for op in batch.ops {
                match op {
                    WriteOp::Put {
                        keyspace,
                        key,
                        value,
                    } => {
                        map.entry(keyspace).or_default().insert(key, value);
                    }
                    WriteOp::Delete { keyspace, key } => {
                        if let Some(ks) = map.get_mut(keyspace) {
                            ks.remove(&key);
                        }
                    }
                }
            }
            Ok(())
        });
        Box::pin(futures::future::ready(result))
    }

    fn close(&self) -> StorageResult<()> {
        let _guard = self.keyspaces.write();
        self.closed.store(true, Ordering::Release);
        Ok(())
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn passes_the_conformance_suite() {
        eddy_storage::testing::run_all(MemoryStorage::new).await;
    }

    #[test]
    fn empty_range_detection_matches_btreemap_semantics() {
        use Bound::{Excluded, Included, Unbounded};
        let r = |start, end| KeyRange { start, end };
        let k = |s: &[u8]| s.to_vec();
        assert!(is_empty_range(&r(Included(k(b"b")), Included(k(b"a")))));
        assert!(is_empty_range(&r(Excluded(k(b"a")), Excluded(k(b"a")))));
        assert!(is_empty_range(&r(Included(k(b"a")), Excluded(k(b"a")))));
        assert!(!is_empty_range(&r(Included(k(b"a")), Included(k(b"a")))));
        assert!(!is_empty_range(&r(Excluded(k(b"a")), Unbounded)));
        assert!(!is_empty_range(&r(Excluded(k(b"a")), Included(k(b"a\0")))));
    }
}
