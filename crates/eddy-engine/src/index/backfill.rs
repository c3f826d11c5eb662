//! Backfill: filling a GSI created by UpdateTable from the items already in the table.
//!
//! The index enters the catalog as `CREATING` (durably, before UpdateTable answers), and
//! a background task walks the table's items in key order, a page at a time. Each page
//! is one storage batch: the entries of its items plus the checkpoint (the last item key
//! done, `index_meta` key `index id | 'c'`). A crash therefore leaves a prefix of pages
//! done and recorded; on open every `CREATING` index resumes after its checkpoint. The
//! index only turns `ACTIVE` (catalog record, checkpoint removed, same batch) after the
//! last page, and a `CREATING` index is not readable, so no partial index is ever seen.
//!
//! Why concurrent writes end up correct:
//! 1. Every write stages index entries from the table definition it reads from the
//!    catalog *while holding its item lock* (`Engine::stage_indexes`), not from the
//!    definition its request started with.
//! 2. Before the first page, the task passes a lock barrier (`KeyLocks::barrier`): it
//!    waits for every write that held an item lock when the index was published. Every
//!    write that starts after the barrier therefore sees the index and maintains it, and
//!    every write before it has committed before the scan begins.
//! 3. A page takes the locks of its items, re-reads them, and only then writes their
//!    entries (skipping entries already exactly right). So for each item, the backfill's
//!    read-and-write and any writer's read-modify-write are serialized: if the writer
//!    comes first the backfill sees its result; if the backfill comes first the writer
//!    sees the entry and replaces it (its old entry is computed from the item it read).
//!    Items written after the page's scan are maintained by their writers (point 2).
//! 4. Deletion (of the index, which cancels the backfill, or of its table) publishes the
//!    new definition, then purges behind a barrier. A page re-checks that the index is
//!    still CREATING after taking its locks: either it got them before the purge's
//!    barrier started (the barrier waits for its commit, the purge sees its entries) or
//!    after (the re-check sees the deletion and writes nothing).
//!
//! Statistics stay exact for the same reason: a writer touching a `CREATING` index checks
//! whether the old entry is really stored before counting its removal.

use super::stats::{IndexDelta, meta_key};
use super::{INDEX, INDEX_META, entry_for};
use crate::catalog::{Catalog, ITEMS, TableEntry};
use crate::keys::{PrimaryKey, table_prefix};
use crate::model::{IndexDef, IndexStatus, KeySchema};
use crate::{Engine, storage_error};
use eddy_storage::{KeyRange, StorageError, WriteBatch};
use eddy_types::codec::decode_item;
use eddy_types::size::item_size;
use eddy_types::{ApiError, Item};
use std::ops::Bound;
use std::sync::Arc;

/// Items per backfill page (one batch, one fsync, one set of item locks).
const PAGE_SIZE: usize = if cfg!(test) { 16 } else { 256 };
/// Tag byte of the backfill checkpoint of an index in `index_meta`.
const CHECKPOINT_TAG: u8 = b'c';

/// The `index_meta` key of the backfill checkpoint of `index_id`.
pub(crate) fn checkpoint_key(index_id: u64) -> Vec<u8> {
    meta_key(index_id, CHECKPOINT_TAG)
}

/// What one backfill step found.
pub(crate) enum Step {
    /// A page was done; there may be more.
    More,
    /// Every item is done: the index can turn ACTIVE.
    Done,
    /// The index (or its table) no longer exists as CREATING: stop.
    Gone,
}

/// The table key of a stored item.
pub(crate) fn stored_key(schema: &KeySchema, item: &Item) -> Option<PrimaryKey> {
    let hash = item.get(&schema.hash.name)?.clone();
    let range = match &schema.range {
        Some(r) => Some(item.get(&r.name)?.clone()),
        None => None,
    };
    Some(PrimaryKey { hash, range })
}

impl Engine {
    /// The table `table` (incarnation `table_id`) and its index `index_id`, if that
    /// index is still being created.
    fn creating_index(
        &self,
        table: &str,
        table_id: u64,
        index_id: u64,
    ) -> Option<(Arc<TableEntry>, IndexDef)> {
        let entry = self.catalog.get(table).filter(|t| t.def.id == table_id)?;
        let index = entry
            .def
            .gsis
            .iter()
            .find(|i| i.id == index_id && i.status == IndexStatus::Creating)?
            .clone();
        Some((entry, index))
    }

    /// Backfills one page of index `index_id` after its checkpoint.
    pub(crate) async fn backfill_page(
        &self,
        table: &str,
        table_id: u64,
        index_id: u64,
    ) -> Result<Step, StorageError> {
        let Some((entry, index)) = self.creating_index(table, table_id, index_id) else {
            return Ok(Step::Gone);
        };
        let checkpoint_key = checkpoint_key(index_id);
        let mut range = KeyRange::prefix(&table_prefix(table_id));
        if let Some(done) = self.storage.get(INDEX_META, &checkpoint_key)? {
            range.start = Bound::Excluded(done);
        }
        let page = self.storage.scan(ITEMS, &range, false, PAGE_SIZE)?;
        let Some((last, _)) = page.last() else {
            return Ok(Step::Done);
        };
        let last = last.clone();
        let keys: Vec<Vec<u8>> = page.into_iter().map(|(k, _)| k).collect();
        let locks = self.locks.lock(keys.iter().map(Vec::as_slice)).await;
        // Deleted (with its table, or cancelled) while waiting for the locks: a purge that
        // started after that has passed its barrier, so writing now would leave entries
        // behind it. A purge that started before waits for these locks instead.
        if self.creating_index(table, table_id, index_id).is_none() {
            return Ok(Step::Gone);
        }
        let mut batch = WriteBatch::new();
        let mut deltas = Vec::new();
        for skey in &keys {
            // Re-read under the lock: the scan only nominated the keys.
            let Some(bytes) = self.storage.get(ITEMS, skey)? else {
                continue;
            };
            let item = match decode_item(&bytes) {
                Ok(item) => item,
                Err(e) => {
                    tracing::error!(table, error = %e, "corrupt item skipped by index backfill");
                    continue;
                }
            };
            let Some(key) = stored_key(&entry.def.key, &item) else {
                continue;
            };
            let Some(e) = entry_for(&entry.def, &index, &key, &item) else {
                continue;
            };
            let value = e.encode();
            let size = item_size(&e.item) as i64;
            let delta = match self.storage.get(INDEX, &e.key)? {
                Some(existing) if existing == value => continue,
                Some(existing) => {
                    let old = decode_item(&existing).map_or(0, |i| item_size(&i) as i64);
                    IndexDelta::new(index_id, 0, size - old)
                }
                None => IndexDelta::new(index_id, 1, size),
            };
            batch.put(INDEX, e.key, value);
            deltas.push(delta);
        }
        batch.put(INDEX_META, checkpoint_key, last);
        self.indexes.stats.stage_save(&mut batch, index_id, &deltas);
        self.storage.commit(batch).await?;
        drop(locks);
        self.indexes.stats.record(&deltas);
        Ok(Step::More)
    }

    /// Marks a fully backfilled index ACTIVE: catalog record and checkpoint removal in
    /// one batch, under the DDL lock (so no concurrent UpdateTable is overwritten).
    pub(crate) async fn finish_backfill(
        &self,
        table: &str,
        table_id: u64,
        index_id: u64,
    ) -> Result<(), ApiError> {
        let _ddl = self.ddl_lock.lock().await;
        let Some((entry, _)) = self.creating_index(table, table_id, index_id) else {
            return Ok(());
        };
        let mut def = entry.def.clone();
        for index in def.gsis.iter_mut().filter(|i| i.id == index_id) {
            index.status = IndexStatus::Active;
        }
        let mut batch = WriteBatch::new();
        Catalog::stage_put(&mut batch, &def, entry.stats());
        batch.delete(INDEX_META, checkpoint_key(index_id));
        self.indexes.stats.stage_save(&mut batch, index_id, &[]);
        self.storage.commit(batch).await.map_err(storage_error)?;
        self.catalog.put(Arc::new(entry.with_def(def)));
        tracing::info!(table, index_id, "index backfill complete");
        Ok(())
    }
}
