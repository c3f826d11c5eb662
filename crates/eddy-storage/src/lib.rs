//! The storage contract.
//!
//! The engine sees storage as a set of named *keyspaces*, each an ordered map from byte
//! keys to byte values, plus one operation that changes several keyspaces atomically and
//! durably: [`Storage::commit`]. Everything DynamoDB-specific (key encoding, item codec,
//! catalog layout) lives above this trait, so a backend is a few hundred lines.
//!
//! Contract every backend must honour (checked by [`testing::run_all`]):
//! - `commit` is atomic across keyspaces: after a crash either every operation of a batch
//!   is visible or none is.
//! - When `commit` resolves `Ok`, the batch is durable (for durable backends) and visible
//!   to every later `get`/`scan`. Concurrent commits may be grouped into one fsync.
//! - Within a batch, operations apply in order (a later put to the same key wins).
//! - Batches apply in the order `commit` was *called* (the batch is submitted by the call
//!   itself, not when the future is first polled): when a commit resolves, every batch
//!   submitted before it is applied (or failed). Stream sequence numbers depend on this.
//! - `scan` returns keys in unsigned byte order (reversed when asked), honouring bounds.

use futures::future::BoxFuture;
use std::ops::Bound;

#[cfg(feature = "testing")]
pub mod testing;

/// Errors in storage vocabulary. The engine decides what each means to a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// An I/O error that may succeed if retried (disk full, interrupted...).
    #[error("transient storage error: {0}")]
    Transient(String),
    /// Data on disk is not what was written; the node must not continue serving.
    #[error("storage corruption: {0}")]
    Corrupt(String),
    /// The store is shutting down or has been closed.
    #[error("storage closed")]
    Closed,
    /// Any other backend failure.
    #[error("storage error: {0}")]
    Other(String),
}

/// Result alias for storage calls.
pub type StorageResult<T> = Result<T, StorageError>;

/// One key/value pair returned by a scan.
pub type KvPair = (Vec<u8>, Vec<u8>);

/// One operation inside a [`WriteBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Insert or overwrite `key` in `keyspace`.
    Put {
        /// Keyspace name (ASCII letters, digits, `_` and `-`).
        keyspace: &'static str,
        /// The key.
        key: Vec<u8>,
        /// The value.
        value: Vec<u8>,
    },
    /// Remove `key` from `keyspace` (no error if absent).
    Delete {
        /// Keyspace name.
        keyspace: &'static str,
        /// The key.
        key: Vec<u8>,
    },
}

/// A set of writes applied atomically by [`Storage::commit`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// Operations in application order.
    pub ops: Vec<WriteOp>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a put.
    pub fn put(&mut self, keyspace: &'static str, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push(WriteOp::Put {
            keyspace,
            key,
            value,
        });
    }

    /// Adds a delete.
    pub fn delete(&mut self, keyspace: &'static str, key: Vec<u8>) {
        self.ops.push(WriteOp::Delete { keyspace, key });
    }

    /// True when the batch has no operations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }
}

/// A range of keys for [`Storage::scan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    /// Lower bound.
    pub start: Bound<Vec<u8>>,
    /// Upper bound.
    pub end: Bound<Vec<u8>>,
}

impl KeyRange {
    /// Every key starting with `prefix`.
    pub fn prefix(prefix: &[u8]) -> Self {
        let start = Bound::Included(prefix.to_vec());
        let end = match prefix_successor(prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        Self { start, end }
    }

    /// True when `key` lies inside the range.
    pub fn contains(&self, key: &[u8]) -> bool {
        let lo = match &self.start {
            Bound::Included(s) => key >= s.as_slice(),
            Bound::Excluded(s) => key > s.as_slice(),
            Bound::Unbounded => true,
        };
        let hi = match &self.end {
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
            Bound::Unbounded => true,
        };
        lo && hi
    }
}

/// The smallest key greater than every key that starts with `prefix`, if any.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut s = prefix.to_vec();
    while let Some(last) = s.pop() {
        if last < 0xff {
            s.push(last + 1);
            return Some(s);
        }
    }
    None
}

/// An ordered, transactional key-value store with named keyspaces.
///
/// Reads are synchronous: backends serve them from memory or the page cache quickly
/// enough to call from async code. Commits are asynchronous so that a durable backend
/// can group many concurrent commits into one fsync without blocking executor threads.
pub trait Storage: Send + Sync + 'static {
    /// Reads one key.
    fn get(&self, keyspace: &'static str, key: &[u8]) -> StorageResult<Option<Vec<u8>>>;

    /// Reads at most `limit` pairs inside `range`, in ascending key order, or descending
    /// when `reverse` is set.
    fn scan(
        &self,
        keyspace: &'static str,
        range: &KeyRange,
        reverse: bool,
        limit: usize,
    ) -> StorageResult<Vec<KvPair>>;

    /// Applies `batch` atomically. Resolves once the batch is durable (on durable
    /// backends) and visible to readers. The batch is submitted by this call, so batches
    /// apply in call order even if their futures are polled in another order.
    fn commit(&self, batch: WriteBatch) -> BoxFuture<'static, StorageResult<()>>;

    /// Makes everything committed so far durable and stops background work; called on
    /// graceful shutdown. Later commits fail with [`StorageError::Closed`].
    fn close(&self) -> StorageResult<()>;

    /// A short name for logs and metrics ("fjall", "memory").
    fn name(&self) -> &'static str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_range_covers_exactly_the_prefix() {
        let r = KeyRange::prefix(&[1, 0xff]);
        assert!(r.contains(&[1, 0xff]));
        assert!(r.contains(&[1, 0xff, 0, 9]));
        assert!(!r.contains(&[2]));
        assert!(!r.contains(&[1, 0xfe, 0xff]));
        assert_eq!(prefix_successor(&[0xff, 0xff]), None);
    }
}
