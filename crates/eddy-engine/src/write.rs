//! The single write path every item mutation goes through.
//!
//! lock the item's stripe → read the old item → let the operation decide the new state
//! (condition check, update application, validation) → stage the item change, its index
//! entries and its stream record in ONE storage batch → number the records and submit
//! the batch (under the stream sequencer lock) → commit (durable on return) → publish the
//! records → update statistics → unlock. A write that changes nothing (the new item
//! equals the old one semantically) stages nothing and produces no record. PutItem, UpdateItem, DeleteItem and
//! BatchWriteItem all use it (and so does the TTL expiry worker), so every write path gets
//! the same guarantees.

use crate::Engine;
use crate::catalog::{ITEMS, TableEntry};
use crate::keys::{PrimaryKey, check_index_keys};
use crate::streams::record::{Change, Identity, render};
use eddy_storage::WriteBatch;
use eddy_types::codec::{decode_item, encode_item};
use eddy_types::size::item_size;
use eddy_types::{ApiError, Item};
use std::sync::Arc;

/// Who caused a write. Every write names its origin so that the stream record staged in
/// the same batch can mark TTL deletions with the service identity (`userIdentity` =
/// `dynamodb.amazonaws.com`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WriteOrigin {
    /// A client request (PutItem, UpdateItem, DeleteItem, batches, transactions).
    #[default]
    Client,
    /// The TTL expiry worker deleting an expired item.
    Ttl,
}

/// What a write did: the item before and after, with their DynamoDB sizes (computed
/// once here, then used for statistics and consumed capacity).
#[derive(Debug, Default)]
pub struct WriteOutcome {
    /// The item before the write, if it existed.
    pub old: Option<Item>,
    /// The item after the write, if it exists.
    pub new: Option<Item>,
    /// `item_size` of `old`.
    pub old_size: Option<usize>,
    /// `item_size` of `new`.
    pub new_size: Option<usize>,
}

impl WriteOutcome {
    fn new(old: Option<Item>, new: Option<Item>) -> Self {
        Self {
            old_size: old.as_ref().map(item_size),
            new_size: new.as_ref().map(item_size),
            old,
            new,
        }
    }
}

/// Why a write group did not commit.
#[derive(Debug)]
pub enum GroupError {
    /// One entry per write, in request order: `Some` for each write whose decision failed.
    Decisions(Vec<Option<ApiError>>),
    /// A storage (or other internal) failure; nothing is known to be written.
    Other(ApiError),
}

/// A write's decision: the new state of the item from its old state (`Ok(None)` deletes).
pub type Decide<'a> = Box<dyn FnOnce(Option<&Item>) -> Result<Option<Item>, ApiError> + Send + 'a>;

/// One write inside a (possibly multi-item) write group.
pub struct PlannedWrite<'a> {
    /// The table.
    pub entry: &'a Arc<TableEntry>,
    /// The validated primary key.
    pub key: PrimaryKey,
    /// Decides the new state from the old one; `Ok(None)` deletes.
    pub decide: Decide<'a>,
}

impl Engine {
    /// Reads one item by its validated key (no locking: reads see committed state).
    pub(crate) fn read_item(
        &self,
        entry: &TableEntry,
        key: &PrimaryKey,
    ) -> Result<Option<Item>, ApiError> {
        let skey = key.encode(entry.def.id);
        self.read_raw(&skey)
    }

    /// The stored bytes of an item (see `eddy_types::codec`), not decoded.
    pub(crate) fn read_item_bytes(
        &self,
        entry: &TableEntry,
        key: &PrimaryKey,
    ) -> Result<Option<Vec<u8>>, ApiError> {
        self.storage
            .get(ITEMS, &key.encode(entry.def.id))
            .map_err(crate::storage_error)
    }

    fn read_raw(&self, skey: &[u8]) -> Result<Option<Item>, ApiError> {
        match self
            .storage
            .get(ITEMS, skey)
            .map_err(crate::storage_error)?
        {
            Some(bytes) => decode_item(&bytes).map(Some).map_err(crate::corrupt_item),
            None => Ok(None),
        }
    }

    /// Runs one single-item write.
    pub(crate) async fn write_one(
        &self,
        entry: &Arc<TableEntry>,
        key: PrimaryKey,
        decide: impl FnOnce(Option<&Item>) -> Result<Option<Item>, ApiError> + Send,
    ) -> Result<WriteOutcome, ApiError> {
        self.write_one_as(WriteOrigin::Client, entry, key, decide)
            .await
    }

    /// Runs one single-item write on behalf of `origin`.
    pub(crate) async fn write_one_as(
        &self,
        origin: WriteOrigin,
        entry: &Arc<TableEntry>,
        key: PrimaryKey,
        decide: impl FnOnce(Option<&Item>) -> Result<Option<Item>, ApiError> + Send,
    ) -> Result<WriteOutcome, ApiError> {
        let write = PlannedWrite {
            entry,
            key,
            decide: Box::new(decide),
        };
        let mut out = self
            .write_group_as(origin, vec![write])
            .await
            .map_err(first_error)?;
        Ok(out.pop().unwrap_or_default())
    }

    /// Runs several item writes as one atomic commit. The first decision error aborts
    /// the whole group before anything is written.
    pub(crate) async fn write_many(
        &self,
        writes: Vec<PlannedWrite<'_>>,
    ) -> Result<Vec<WriteOutcome>, ApiError> {
        self.write_group(writes).await.map_err(first_error)
    }

    /// Runs several item writes as one atomic commit, all or nothing. Every write's
    /// decision is evaluated (under the locks of all of them); if any fails, nothing is
    /// written and the per-write errors are returned in request order (what transactions
    /// turn into CancellationReasons).
    pub(crate) async fn write_group(
        &self,
        writes: Vec<PlannedWrite<'_>>,
    ) -> Result<Vec<WriteOutcome>, GroupError> {
        self.write_group_as(WriteOrigin::Client, writes).await
    }

    /// [`Engine::write_group`] on behalf of `origin`.
    pub(crate) async fn write_group_as(
        &self,
        origin: WriteOrigin,
        writes: Vec<PlannedWrite<'_>>,
    ) -> Result<Vec<WriteOutcome>, GroupError> {
        self.write_group_with(origin, writes, WriteBatch::new())
            .await
    }

    /// [`Engine::write_group_as`] that also commits `extra` (records outside the items
    /// keyspace, e.g. a transaction's idempotency token) in the same atomic batch, and
    /// only if the group commits.
    pub(crate) async fn write_group_with(
        &self,
        origin: WriteOrigin,
        writes: Vec<PlannedWrite<'_>>,
        extra: WriteBatch,
    ) -> Result<Vec<WriteOutcome>, GroupError> {
        let skeys: Vec<Vec<u8>> = writes
            .iter()
            .map(|w| w.key.encode(w.entry.def.id))
            .collect();
        let _locks = self.locks.lock(skeys.iter().map(Vec::as_slice)).await;
        let mut batch = extra;
        let mut outcomes = Vec::with_capacity(writes.len());
        let mut errors: Vec<Option<ApiError>> = Vec::with_capacity(writes.len());
        let mut stats = Vec::with_capacity(writes.len());
        let mut index_deltas = Vec::new();
        let mut records = Vec::new();
        let identity = self.stream_identity(origin);
        let now_ms = self.clock.now_millis();
        for (w, skey) in writes.into_iter().zip(skeys) {
            let old = self.read_raw(&skey).map_err(GroupError::Other)?;
            let decided = (w.decide)(old.as_ref()).and_then(|new| {
                if let Some(item) = &new {
                    check_index_keys(&w.entry.def, item)?;
                }
                Ok(new)
            });
            let new = match decided {
                Ok(new) => {
                    errors.push(None);
                    new
                }
                Err(e) => {
                    errors.push(Some(e));
                    outcomes.push(WriteOutcome::new(old, None));
                    continue;
                }
            };
            let outcome = WriteOutcome::new(old, new);
            let (old, new) = (&outcome.old, &outcome.new);
            if old != new {
                match new {
                    Some(item) => {
                        let mut buf = Vec::with_capacity(256);
                        encode_item(item, &mut buf);
                        batch.put(ITEMS, skey, buf);
                    }
                    None => batch.delete(ITEMS, skey),
                }
                let (o, n) = (old.as_ref(), new.as_ref());
                index_deltas.extend(self.stage_indexes(&mut batch, w.entry, &w.key, o, n));
                stats.push((w.entry, outcome.old_size, outcome.new_size));
                if let Some(stream) = &w.entry.def.stream {
                    let keys = w.key.to_item(&w.entry.def.key);
                    let change = Change {
                        keys: &keys,
                        old: old.as_ref(),
                        new: new.as_ref(),
                        old_size: outcome.old_size,
                        new_size: outcome.new_size,
                    };
                    let (id, view) = (stream.id, stream.view_type);
                    records.extend(render(id, view, &change, identity.as_ref(), now_ms));
                }
            }
            outcomes.push(outcome);
        }
        if errors.iter().any(Option::is_some) {
            return Err(GroupError::Decisions(errors));
        }
        if !batch.is_empty() {
            let committed = if records.is_empty() {
                self.storage.commit(batch).await
            } else {
                let (fut, max) = self.streams.submit(self.storage.as_ref(), batch, records);
                self.streams.finish(fut, max).await
            };
            committed.map_err(|e| GroupError::Other(crate::storage_error(e)))?;
            for (entry, old, new) in stats {
                entry.record_write(old, new);
            }
            self.indexes.stats.record(&index_deltas);
        }
        Ok(outcomes)
    }
}

impl Engine {
    /// The `userIdentity` of records written on behalf of `origin`: the service for TTL
    /// deletions; the authenticated principal for client writes when the operator
    /// enabled `--stream-identity` (absent otherwise, as on AWS).
    fn stream_identity(&self, origin: WriteOrigin) -> Option<Identity> {
        match origin {
            WriteOrigin::Ttl => Some(Identity::Service),
            WriteOrigin::Client => crate::streams::PRINCIPAL
                .try_with(|p| p.as_deref().map(|p| Identity::User(p.to_string())))
                .ok()
                .flatten(),
        }
    }
}

/// The error a single write or a non-transactional group reports: the first failed
/// decision, else the storage failure.
fn first_error(e: GroupError) -> ApiError {
    match e {
        GroupError::Decisions(errors) => errors
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| crate::internal("write group failed without a reason".into())),
        GroupError::Other(e) => e,
    }
}
