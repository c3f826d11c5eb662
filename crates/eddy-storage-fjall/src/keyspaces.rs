//! The fjall database plus a cache of open keyspace handles.
//!
//! Keyspace names are `&'static str` chosen by the engine, so the cache never needs
//! eviction and a lookup is a hash of a short string under a read lock. Keyspaces are
//! created on first *write* only: reading a keyspace that was never written answers
//! "empty" without creating anything on disk.

use crate::error::from_fjall;
use eddy_storage::{StorageError, StorageResult};
use fjall::{Database, Keyspace, KeyspaceCreateOptions};
use parking_lot::RwLock;
use std::collections::HashMap;

/// Longest keyspace name fjall accepts.
const MAX_NAME_LEN: usize = 255;

/// Shared by the storage handle (reads) and the committer thread (writes).
pub(crate) struct Keyspaces {
    db: Database,
    /// Handles opened so far. fjall keeps its own map too, but reaching it means a
    /// write lock; this one is read-mostly.
    open: RwLock<HashMap<&'static str, Keyspace>>,
    /// Memtable size for keyspaces created by this process.
    memtable_bytes: u64,
}

impl Keyspaces {
    pub(crate) fn new(db: Database, memtable_bytes: u64) -> Self {
        Self {
            db,
            open: RwLock::new(HashMap::new()),
            memtable_bytes,
        }
    }

    pub(crate) fn db(&self) -> &Database {
        &self.db
    }

    /// The keyspace if it exists, for reads.
    pub(crate) fn existing(&self, name: &'static str) -> StorageResult<Option<Keyspace>> {
        if let Some(ks) = self.open.read().get(name) {
            return Ok(Some(ks.clone()));
        }
        if check_name(name).is_err() || !self.db.keyspace_exists(name) {
            return Ok(None);
        }
        self.open_or_create(name).map(Some)
    }

    /// The keyspace, created if needed, for writes.
    pub(crate) fn open_or_create(&self, name: &'static str) -> StorageResult<Keyspace> {
        if let Some(ks) = self.open.read().get(name) {
            return Ok(ks.clone());
        }
        check_name(name)?;
        // Created without holding our lock (creation writes and syncs files); fjall
        // serialises creation itself and hands a racing second caller the same keyspace.
        let memtable_bytes = self.memtable_bytes;
        let ks = self
            .db
            .keyspace(name, || {
                KeyspaceCreateOptions::default()
                    .max_memtable_size(memtable_bytes)
                    .manual_journal_persist(true)
            })
            .map_err(from_fjall)?;
        self.open.write().entry(name).or_insert_with(|| ks.clone());
        Ok(ks)
    }
}

/// fjall panics on names it cannot store; turn that into an error.
pub(crate) fn check_name(name: &str) -> StorageResult<()> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(StorageError::Other(format!(
            "invalid keyspace name {name:?} (1..={MAX_NAME_LEN} bytes)"
        )));
    }
    Ok(())
}
