//! The table catalog: every table's [`TableDef`], kept in memory and persisted in the
//! `catalog` keyspace.
//!
//! Control-plane operations are rare, so the catalog is a plain map behind a lock; item
//! operations take a cheap `Arc<TableEntry>` clone and never hold the lock across I/O.
//! Per-table statistics are approximate (as on AWS, where they refresh every ~6 hours):
//! they are counted in memory as writes commit and persisted when the catalog is saved.

use crate::model::{TableDef, TableStats};
use eddy_storage::{KeyRange, Storage, StorageError, WriteBatch};
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Keyspace holding one JSON `TableDef` per table name.
pub const CATALOG: &str = "catalog";
/// Keyspace holding every item of every table (keys start with the table id).
pub const ITEMS: &str = "items";

/// Approximate per-table counters, shared by every version of a table's entry so that
/// writes racing with UpdateTable are still counted.
#[derive(Debug, Default)]
pub struct Counters {
    item_count: AtomicI64,
    size_bytes: AtomicI64,
}

/// A live table: its definition plus mutable counters.
#[derive(Debug)]
pub struct TableEntry {
    /// The definition (replaced wholesale by UpdateTable).
    pub def: TableDef,
    counters: Arc<Counters>,
}

impl TableEntry {
    /// Wraps a definition with counters starting at `stats`.
    pub fn new(def: TableDef, stats: TableStats) -> Self {
        let counters = Counters {
            item_count: AtomicI64::new(stats.item_count),
            size_bytes: AtomicI64::new(stats.size_bytes),
        };
        Self {
            def,
            counters: Arc::new(counters),
        }
    }

    /// A new version of this table with another definition and the same counters.
    pub fn with_def(&self, def: TableDef) -> Self {
        Self {
            def,
            counters: self.counters.clone(),
        }
    }

    /// Current statistics.
    pub fn stats(&self) -> TableStats {
        TableStats {
            item_count: self.counters.item_count.load(Ordering::Relaxed).max(0),
            size_bytes: self.counters.size_bytes.load(Ordering::Relaxed).max(0),
        }
    }

    /// Records the effect of one committed write.
    pub fn record_write(&self, old_size: Option<usize>, new_size: Option<usize>) {
        let count = i64::from(new_size.is_some()) - i64::from(old_size.is_some());
        let size = new_size.unwrap_or(0) as i64 - old_size.unwrap_or(0) as i64;
        self.counters.item_count.fetch_add(count, Ordering::Relaxed);
        self.counters.size_bytes.fetch_add(size, Ordering::Relaxed);
    }
}

/// The persisted form: definition plus the statistics at save time.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    def: TableDef,
    item_count: i64,
    size_bytes: i64,
}

/// All tables, by name.
#[derive(Default)]
pub struct Catalog {
    tables: RwLock<BTreeMap<String, Arc<TableEntry>>>,
}

impl Catalog {
    /// Loads every table from storage.
    pub fn load(storage: &dyn Storage) -> Result<Self, StorageError> {
        let mut tables = BTreeMap::new();
        let mut range = KeyRange::prefix(&[]);
        loop {
            let page = storage.scan(CATALOG, &range, false, 256)?;
            let Some((last, _)) = page.last() else { break };
            range.start = std::ops::Bound::Excluded(last.clone());
            for (_, v) in &page {
                let stored: Stored = serde_json::from_slice(v)
                    .map_err(|e| StorageError::Corrupt(format!("catalog record: {e}")))?;
                let stats = TableStats {
                    item_count: stored.item_count,
                    size_bytes: stored.size_bytes,
                };
                let name = stored.def.name.clone();
                tables.insert(name, Arc::new(TableEntry::new(stored.def, stats)));
            }
        }
        Ok(Self {
            tables: RwLock::new(tables),
        })
    }

    /// Looks a table up.
    pub fn get(&self, name: &str) -> Option<Arc<TableEntry>> {
        self.tables.read().get(name).cloned()
    }

    /// Every table name in order.
    pub fn names(&self) -> Vec<String> {
        self.tables.read().keys().cloned().collect()
    }

    /// The ids of every live table.
    pub fn ids(&self) -> Vec<u64> {
        self.tables.read().values().map(|t| t.def.id).collect()
    }

    /// Inserts or replaces a table in memory (after its record committed).
    pub fn put(&self, entry: Arc<TableEntry>) {
        self.tables.write().insert(entry.def.name.clone(), entry);
    }

    /// Removes a table from memory (after its deletion committed).
    pub fn remove(&self, name: &str) -> Option<Arc<TableEntry>> {
        self.tables.write().remove(name)
    }

    /// Adds the catalog record of `entry` to `batch`.
    pub fn stage_put(batch: &mut WriteBatch, def: &TableDef, stats: TableStats) {
        let stored = Stored {
            def: def.clone(),
            item_count: stats.item_count,
            size_bytes: stats.size_bytes,
        };
        // Serializing plain structs of strings and numbers cannot fail.
        let bytes = serde_json::to_vec(&stored).unwrap_or_default();
        batch.put(CATALOG, def.name.as_bytes().to_vec(), bytes);
    }

    /// Writes every table's record with current statistics (on shutdown).
    pub fn save_all(&self) -> WriteBatch {
        let mut batch = WriteBatch::new();
        for entry in self.tables.read().values() {
            Self::stage_put(&mut batch, &entry.def, entry.stats());
        }
        batch
    }
}
