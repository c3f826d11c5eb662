//! The fjall database plus a cache of open keyspace handles.
//!
//! Keyspace names are `&'static str` chosen by the engine, so the cache never needs
//! eviction and a lookup is a hash of a short string under a read lock. Keyspaces are
//! created on first *write* only: reading a keyspace that was never written answers
//! "empty" without creating anything on disk.

use crate::error::from_fjall;
use eddy_storage::{StorageError, StorageResult};
use fjall::config::PartitioningPolicy;
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
            .keyspace(name, || create_options(memtable_bytes))
            .map_err(from_fjall)?;
        self.open.write().entry(name).or_insert_with(|| ks.clone());
        Ok(ks)
    }
}

/// Options of a keyspace this process creates. fjall stores them with the keyspace, so
/// a keyspace created by an older eddy keeps the options it was created with.
///
/// Bloom filters below level 0 are partitioned (fjall partitions only from level 3).
/// Every write reads its key first (old image, no-op rule, ItemCount), and for a new key
/// the filters are what answer. Unpartitioned and unpinned, each level-1+ table's filter
/// was one block of up to a megabyte that had to pass through the 8 MiB block cache,
/// which could not keep them once a table held a few hundred MB: in a PutItem profile
/// after a 40 s fill, 4-6k `pread`s a second reloaded and re-checksummed whole filter
/// blocks (the old-item read took 22% of eddy's CPU), and eddy spent 25-36 µs of CPU per
/// insert. Partitioned, a lookup loads one ~4 KiB partition through the cache, found by a
/// small pinned top-level index: 23-26 µs per insert, the same as pinning every filter in
/// memory, without resident memory that grows with the number of keys.
fn create_options(memtable_bytes: u64) -> KeyspaceCreateOptions {
    KeyspaceCreateOptions::default()
        .max_memtable_size(memtable_bytes)
        .manual_journal_persist(true)
        .filter_block_partitioning_policy(PartitioningPolicy::new([false, true]))
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
