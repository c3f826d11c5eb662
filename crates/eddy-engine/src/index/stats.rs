//! Approximate per-index statistics (DescribeTable's `ItemCount` / `IndexSizeBytes`).
//!
//! Like the table counters, they are kept in memory and counted as writes commit: every
//! staged entry change yields an [`IndexDelta`] that the writer records after its batch
//! is durable. They are saved in the `index_meta` keyspace (key `index id | 's'`, value
//! count and bytes as two big-endian i64) on graceful shutdown and by every backfill
//! page, and loaded lazily the first time an index is counted or described. A crash
//! loses the changes since the last save, as for tables.

use super::INDEX_META;
use crate::model::TableStats;
use eddy_storage::{Storage, WriteBatch};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Tag byte of the statistics record of an index in `index_meta`.
const STATS_TAG: u8 = b's';

/// The `index_meta` key of record `tag` of index `index_id`.
pub(crate) fn meta_key(index_id: u64, tag: u8) -> Vec<u8> {
    let mut k = index_id.to_be_bytes().to_vec();
    k.push(tag);
    k
}

/// The effect of one write on one index's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDelta {
    /// The index.
    pub index_id: u64,
    /// Entries added (negative: removed).
    pub count: i64,
    /// Bytes added (negative: removed).
    pub bytes: i64,
}

impl IndexDelta {
    /// A delta for `index_id`.
    pub fn new(index_id: u64, count: i64, bytes: i64) -> Self {
        Self {
            index_id,
            count,
            bytes,
        }
    }
}

#[derive(Debug, Default)]
struct Counter {
    count: AtomicI64,
    bytes: AtomicI64,
}

/// Every index's counters, by index id.
pub(crate) struct IndexStats {
    storage: Arc<dyn Storage>,
    counters: RwLock<HashMap<u64, Arc<Counter>>>,
}

impl IndexStats {
    /// An empty registry over `storage` (records load on first use).
    pub(crate) fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            storage,
            counters: RwLock::new(HashMap::new()),
        }
    }

    fn counter(&self, index_id: u64) -> Arc<Counter> {
        if let Some(c) = self.counters.read().get(&index_id) {
            return c.clone();
        }
        let saved = self.storage.get(INDEX_META, &meta_key(index_id, STATS_TAG));
        let (count, bytes) = match saved {
            Ok(Some(v)) if v.len() == 16 => {
                let mut a = [0u8; 8];
                let mut b = [0u8; 8];
                a.copy_from_slice(&v[..8]);
                b.copy_from_slice(&v[8..]);
                (i64::from_be_bytes(a), i64::from_be_bytes(b))
            }
            _ => (0, 0),
        };
        let fresh = Arc::new(Counter {
            count: AtomicI64::new(count),
            bytes: AtomicI64::new(bytes),
        });
        self.counters
            .write()
            .entry(index_id)
            .or_insert(fresh)
            .clone()
    }

    /// Records committed deltas.
    pub(crate) fn record(&self, deltas: &[IndexDelta]) {
        for d in deltas {
            let c = self.counter(d.index_id);
            c.count.fetch_add(d.count, Ordering::Relaxed);
            c.bytes.fetch_add(d.bytes, Ordering::Relaxed);
        }
    }

    /// The current figures of one index (never negative).
    pub(crate) fn get(&self, index_id: u64) -> TableStats {
        let c = self.counter(index_id);
        TableStats {
            item_count: c.count.load(Ordering::Relaxed).max(0),
            size_bytes: c.bytes.load(Ordering::Relaxed).max(0),
        }
    }

    /// Adds the record of one index, as it would be after `pending` deltas, to `batch`.
    pub(crate) fn stage_save(&self, batch: &mut WriteBatch, index_id: u64, pending: &[IndexDelta]) {
        let c = self.counter(index_id);
        let mine = pending.iter().filter(|d| d.index_id == index_id);
        let (dc, db) = mine.fold((0, 0), |(c, b), d| (c + d.count, b + d.bytes));
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(&(c.count.load(Ordering::Relaxed) + dc).to_be_bytes());
        v.extend_from_slice(&(c.bytes.load(Ordering::Relaxed) + db).to_be_bytes());
        batch.put(INDEX_META, meta_key(index_id, STATS_TAG), v);
    }

    /// Adds the record of every counted index to `batch` (graceful shutdown).
    pub(crate) fn stage_save_all(&self, batch: &mut WriteBatch) {
        let ids: Vec<u64> = self.counters.read().keys().copied().collect();
        for id in ids {
            self.stage_save(batch, id, &[]);
        }
    }

    /// Drops the counters of a purged index.
    pub(crate) fn forget(&self, index_id: u64) {
        self.counters.write().remove(&index_id);
    }
}
