//! Removing the entries of indexes that no longer exist: a GSI dropped by UpdateTable
//! (`DELETING` until its purge is done), every index of a deleted table, and, at startup,
//! any index whose purge a crash interrupted (its id is in no table any more).
//!
//! A purge first passes the lock barrier, so that no write that still saw the index in
//! the catalog can add an entry behind the purge's back, then deletes the index's key
//! prefix (its 8-byte id) page by page, then its `index_meta` records. Index ids are
//! random and never reused, so entries of a dead index are unreachable even before they
//! are gone.

use super::{INDEX, INDEX_META};
use crate::catalog::Catalog;
use crate::{Engine, storage_error};
use eddy_storage::{KeyRange, StorageError, WriteBatch};
use eddy_types::ApiError;
use std::ops::Bound;
use std::sync::Arc;

/// Entries deleted per batch.
const PURGE_PAGE: usize = 1000;

impl Engine {
    /// True when some table still has index `index_id` (in any state).
    pub(crate) fn index_is_live(&self, index_id: u64) -> bool {
        self.catalog.names().iter().any(|name| {
            self.catalog.get(name).is_some_and(|t| {
                let d = &t.def;
                d.gsis
                    .iter()
                    .chain(&d.lsis)
                    .chain(&d.deleting_gsis)
                    .any(|i| i.id == index_id)
            })
        })
    }

    /// Deletes every entry and the bookkeeping records of index `index_id`. Stops early
    /// (returning `Ok(false)`) when `stopped()` turns true between pages.
    pub(crate) async fn purge_index(
        &self,
        index_id: u64,
        stopped: &(dyn Fn() -> bool + Sync),
    ) -> Result<bool, StorageError> {
        self.locks.barrier().await;
        let range = KeyRange::prefix(&index_id.to_be_bytes());
        loop {
            if stopped() {
                return Ok(false);
            }
            let page = self.storage.scan(INDEX, &range, false, PURGE_PAGE)?;
            if page.is_empty() {
                break;
            }
            let mut batch = WriteBatch::new();
            for (k, _) in page {
                batch.delete(INDEX, k);
            }
            self.storage.commit(batch).await?;
        }
        let mut batch = WriteBatch::new();
        let records = self.storage.scan(INDEX_META, &range, false, 16)?;
        for (k, _) in records {
            batch.delete(INDEX_META, k);
        }
        if !batch.is_empty() {
            self.storage.commit(batch).await?;
        }
        self.indexes.stats.forget(index_id);
        Ok(true)
    }

    /// Drops a purged GSI from its table's `DELETING` list (under the DDL lock).
    pub(crate) async fn finish_delete(
        &self,
        table: &str,
        table_id: u64,
        index_id: u64,
    ) -> Result<(), ApiError> {
        let _ddl = self.ddl_lock.lock().await;
        let Some(entry) = self.catalog.get(table).filter(|t| t.def.id == table_id) else {
            return Ok(());
        };
        if !entry.def.deleting_gsis.iter().any(|i| i.id == index_id) {
            return Ok(());
        }
        let mut def = entry.def.clone();
        def.deleting_gsis.retain(|i| i.id != index_id);
        let mut batch = WriteBatch::new();
        Catalog::stage_put(&mut batch, &def, entry.stats());
        self.storage.commit(batch).await.map_err(storage_error)?;
        self.catalog.put(Arc::new(entry.with_def(def)));
        tracing::info!(table, index_id, "index deleted");
        Ok(())
    }

    /// Purges the entries and records of every index id that belongs to no table (an
    /// interrupted purge). Walks both keyspaces one 8-byte id prefix at a time.
    pub(crate) async fn sweep_index_orphans(
        &self,
        stopped: &(dyn Fn() -> bool + Sync),
    ) -> Result<(), StorageError> {
        for keyspace in [INDEX, INDEX_META] {
            let mut range = KeyRange::prefix(&[]);
            loop {
                if stopped() {
                    return Ok(());
                }
                let first = self.storage.scan(keyspace, &range, false, 1)?;
                let Some((key, _)) = first.into_iter().next() else {
                    break;
                };
                let Some(id_bytes) = key.get(..8) else { break };
                let mut id = [0u8; 8];
                id.copy_from_slice(id_bytes);
                let id = u64::from_be_bytes(id);
                if !self.index_is_live(id) {
                    tracing::info!(index_id = id, "purging entries of a deleted index");
                    if !self.purge_index(id, stopped).await? {
                        return Ok(());
                    }
                }
                match eddy_storage::prefix_successor(&id.to_be_bytes()) {
                    Some(next) => range.start = Bound::Included(next),
                    None => break,
                }
            }
        }
        Ok(())
    }
}
