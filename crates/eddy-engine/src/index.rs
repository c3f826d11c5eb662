//! Secondary-index maintenance: every item write keeps its table's GSI and LSI entries
//! exact, in the same storage batch as the item itself.
//!
//! Layout (docs/design/storage-keys.md, keyspace `index`): one entry per (index, item),
//! key `index_entry_key(index.id, index pk, index sk?, table key)`, value the projected
//! item (table keys + index keys + projected attributes) in the item codec. An item is in
//! an index only when it carries every index key attribute as a non-empty scalar of the
//! declared type within the key size limits (sparse indexes); writes enforce the types
//! (`keys::check_index_keys`), and items that predate an index and violate them are
//! simply left out, as DynamoDB's backfill does.
//!
//! [`stage`] is the pure part (old item, new item → entry deletes/puts and statistics
//! deltas). [`Engine::stage_indexes`] is the hook `write_group` calls under the item's
//! lock: it reads the table's *live* definition from the catalog (not the one the request
//! started with), which is what makes a concurrent UpdateTable safe; see `backfill.rs`
//! for the argument. Index creation (backfill), deletion (purge) and statistics live in
//! the submodules.

mod backfill;
#[cfg(test)]
mod engine_tests;
mod inspect;
mod jobs;
mod purge;
mod stats;
#[cfg(test)]
mod tests;

pub use inspect::stored_index_entries;
pub(crate) use jobs::Indexes;
pub use stats::IndexDelta;
pub(crate) use stats::IndexStats;

use crate::Engine;
use crate::catalog::TableEntry;
use crate::keys::{PrimaryKey, index_entry_key};
use crate::model::{IndexDef, IndexStatus, KeyAttr, ScalarType, TableDef};
use eddy_storage::WriteBatch;
use eddy_types::codec::encode_item;
use eddy_types::size::item_size;
use eddy_types::{AttributeValue, Item};

/// Keyspace of every secondary-index entry of every table.
pub const INDEX: &str = "index";
/// Keyspace of per-index bookkeeping: backfill checkpoints and saved statistics.
pub const INDEX_META: &str = "index_meta";

/// Largest index partition key value, in bytes (as for table keys).
const MAX_HASH_KEY: usize = 2048;
/// Largest index sort key value, in bytes.
const MAX_RANGE_KEY: usize = 1024;

/// One item's entry in one index: its storage key and the projected item.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexEntry {
    /// Key in the `index` keyspace.
    pub key: Vec<u8>,
    /// The projected item (the entry's value, before encoding).
    pub item: Item,
}

impl IndexEntry {
    /// The encoded value stored under [`IndexEntry::key`].
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(128);
        encode_item(&self.item, &mut buf);
        buf
    }

    fn size(&self) -> i64 {
        item_size(&self.item) as i64
    }
}

/// The value of index key attribute `attr` in `item`, when it can key an index entry:
/// present, a scalar of the declared type, non-empty (S/B) and within `max` bytes.
fn key_value<'a>(item: &'a Item, attr: &KeyAttr, max: usize) -> Option<&'a AttributeValue> {
    let v = item.get(&attr.name)?;
    let (ty, len) = match v {
        AttributeValue::S(s) => (ScalarType::S, s.len()),
        AttributeValue::B(b) => (ScalarType::B, b.len()),
        AttributeValue::N(n) => (ScalarType::N, n.significant_digits().div_ceil(2) + 1),
        _ => return None,
    };
    let empty = len == 0 && ty != ScalarType::N;
    (ty == attr.ty && !empty && len <= max).then_some(v)
}

/// The projection of `item` into `index`: table keys, index keys and, per the
/// projection type, every other attribute (ALL), none (KEYS_ONLY) or the listed ones
/// (INCLUDE).
pub fn project(def: &TableDef, index: &IndexDef, item: &Item) -> Item {
    let included = |name: &str| match index.projection.projection_type.as_str() {
        "ALL" => true,
        "INCLUDE" => index
            .projection
            .non_key_attributes
            .as_ref()
            .is_some_and(|n| n.iter().any(|a| a == name)),
        _ => false,
    };
    item.iter()
        .filter(|(k, _)| def.key.is_key(k) || index.key.is_key(k) || included(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The entry `item` (whose table key is `key`) has in `index`, or `None` when the item
/// is not in the index.
pub fn entry_for(
    def: &TableDef,
    index: &IndexDef,
    key: &PrimaryKey,
    item: &Item,
) -> Option<IndexEntry> {
    let hash = key_value(item, &index.key.hash, MAX_HASH_KEY)?;
    let range = match &index.key.range {
        Some(r) => Some(key_value(item, r, MAX_RANGE_KEY)?),
        None => None,
    };
    Some(IndexEntry {
        key: index_entry_key(index.id, hash, range, key),
        item: project(def, index, item),
    })
}

/// Stages the index changes of one item write (`old` → `new`, either may be absent)
/// into `batch`, assuming every index of `def` is complete (each item in an index has
/// its entry). Returns the statistics deltas.
pub fn stage(
    batch: &mut WriteBatch,
    def: &TableDef,
    key: &PrimaryKey,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Vec<IndexDelta> {
    stage_with(batch, def, key, old, new, &|_, _| true)
}

/// [`stage`], where `exists(index, entry_key)` tells whether an entry the old item
/// implies is really stored: during a backfill an item not reached yet has none. A
/// missing old entry is treated as absent, so that the statistics stay exact and an
/// unchanged item still gets its entry.
pub fn stage_with(
    batch: &mut WriteBatch,
    def: &TableDef,
    key: &PrimaryKey,
    old: Option<&Item>,
    new: Option<&Item>,
    exists: &dyn Fn(&IndexDef, &[u8]) -> bool,
) -> Vec<IndexDelta> {
    let mut deltas = Vec::new();
    for index in def.gsis.iter().chain(&def.lsis) {
        let before = old
            .and_then(|o| entry_for(def, index, key, o))
            .filter(|e| exists(index, &e.key));
        let after = new.and_then(|n| entry_for(def, index, key, n));
        let delta = match (before, after) {
            (None, None) => continue,
            (Some(b), None) => {
                batch.delete(INDEX, b.key.clone());
                IndexDelta::new(index.id, -1, -b.size())
            }
            (None, Some(a)) => {
                batch.put(INDEX, a.key.clone(), a.encode());
                IndexDelta::new(index.id, 1, a.size())
            }
            (Some(b), Some(a)) if b == a => continue,
            (Some(b), Some(a)) => {
                if b.key != a.key {
                    batch.delete(INDEX, b.key.clone());
                }
                batch.put(INDEX, a.key.clone(), a.encode());
                IndexDelta::new(index.id, 0, a.size() - b.size())
            }
        };
        deltas.push(delta);
    }
    deltas
}

impl Engine {
    /// The write path's index hook (called by `write_group` under the item's lock, next
    /// to the item put/delete): stages the entry changes of every index of the table's
    /// live definition into `batch` and returns the statistics deltas, to be recorded
    /// once the batch has committed ([`IndexStats::record`]).
    pub(crate) fn stage_indexes(
        &self,
        batch: &mut WriteBatch,
        entry: &TableEntry,
        key: &PrimaryKey,
        old: Option<&Item>,
        new: Option<&Item>,
    ) -> Vec<IndexDelta> {
        // The live definition, read under the item lock: an index added after this
        // request looked its table up is maintained too (see backfill.rs). A table
        // deleted meanwhile has no indexes left to maintain.
        let Some(live) = self
            .catalog
            .get(&entry.def.name)
            .filter(|t| t.def.id == entry.def.id)
        else {
            return Vec::new();
        };
        let def = &live.def;
        if def.gsis.is_empty() && def.lsis.is_empty() {
            return Vec::new();
        }
        if !def.gsis.iter().any(|g| g.status == IndexStatus::Creating) {
            return stage(batch, def, key, old, new);
        }
        let exists = |index: &IndexDef, entry_key: &[u8]| {
            index.status != IndexStatus::Creating
                // A read error counts as present: at worst the statistics drift.
                || self.storage.get(INDEX, entry_key).map_or(true, |v| v.is_some())
        };
        stage_with(batch, def, key, old, new, &exists)
    }
}
