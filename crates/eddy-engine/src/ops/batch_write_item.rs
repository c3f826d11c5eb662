//! BatchWriteItem: up to 25 puts and deletes across tables.
//!
//! Eddy applies the whole batch as one atomic commit (stronger than DynamoDB, which
//! applies each request independently), so `UnprocessedItems` is always empty.

use super::common::{
    CapacityMode, capacity_mode, check_table_name, consumed, decode, encode, touched_indexes,
    write_units,
};
use super::constraints::*;
use crate::Engine;
use crate::keys::{key_from_param, key_of_item};
use crate::write::PlannedWrite;
use eddy_types::size::{MAX_ITEM_SIZE, item_size};
use eddy_types::{ApiError, Item};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    request_items: Option<BTreeMap<String, Vec<WriteRequest>>>,
    return_consumed_capacity: Option<String>,
    return_item_collection_metrics: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WriteRequest {
    put_request: Option<PutRequest>,
    delete_request: Option<DeleteRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutRequest {
    item: Option<Item>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteRequest {
    key: Option<Item>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    unprocessed_items: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Vec<Value>>,
}

impl Engine {
    /// BatchWriteItem.
    pub(crate) async fn batch_write_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let requests = input.request_items.unwrap_or_default();
        if requests.is_empty() {
            return Err(ApiError::validation(
                "BatchWriteItem cannot have a null or no requests set",
            ));
        }
        let mut v = Violations::new();
        v.one_of(
            "returnConsumedCapacity",
            input.return_consumed_capacity.as_deref(),
            RETURN_CONSUMED_CAPACITY,
        );
        v.one_of(
            "returnItemCollectionMetrics",
            input.return_item_collection_metrics.as_deref(),
            RETURN_ITEM_COLLECTION_METRICS,
        );
        v.finish()?;
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let mut total = 0;
        for (table, list) in &requests {
            check_table_name(Some(table))?;
            if list.is_empty() {
                return Err(ApiError::validation(format!(
                    "The batch write request list for a table cannot be null or empty: {table}"
                )));
            }
            total += list.len();
        }
        if total > 25 {
            return Err(ApiError::validation(
                "Too many items requested for the BatchWriteItem call",
            ));
        }
        let mut entries = Vec::new();
        for table in requests.keys() {
            entries.push(self.table(Some(table))?);
        }
        let counts: Vec<usize> = requests.values().map(Vec::len).collect();
        let mut writes = Vec::with_capacity(total);
        for ((_, list), entry) in requests.into_iter().zip(&entries) {
            let mut seen = HashSet::new();
            for req in list {
                let (key, new) = match (req.put_request, req.delete_request) {
                    (Some(p), None) => {
                        let item = p.item.ok_or_else(|| {
                            ApiError::validation("Item to put in PutItem cannot be null")
                        })?;
                        let key = key_of_item(&entry.def.key, &item)?;
                        if item_size(&item) > MAX_ITEM_SIZE {
                            return Err(ApiError::validation(
                                "Item size has exceeded the maximum allowed size",
                            ));
                        }
                        (key, Some(item))
                    }
                    (None, Some(d)) => {
                        let k = d.key.ok_or_else(|| {
                            ApiError::validation(
                                "Cannot have null key for GetItem, DeleteItem, or UpdateItem",
                            )
                        })?;
                        (key_from_param(&entry.def.key, &k)?, None)
                    }
                    _ => {
                        return Err(ApiError::validation(
                            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                        ));
                    }
                };
                if !seen.insert(key.encode(entry.def.id)) {
                    return Err(ApiError::validation(
                        "Provided list of item keys contains duplicates",
                    ));
                }
                writes.push(PlannedWrite {
                    entry,
                    key,
                    decide: Box::new(move |_| Ok(new)),
                });
            }
        }
        let outcomes = self.write_many(writes).await?;
        let consumed_capacity = (cap != CapacityMode::None).then(|| {
            // write_many preserves request order, which is table order here.
            let mut it = outcomes.iter();
            let mut out = Vec::new();
            for (entry, &n) in entries.iter().zip(&counts) {
                let mut units = 0.0;
                let mut indexes: Vec<(bool, String, f64)> = Vec::new();
                for o in it.by_ref().take(n) {
                    units += write_units(o.old_size, o.new_size);
                    for (g, name, u) in touched_indexes(entry, o.old.as_ref(), o.new.as_ref()) {
                        match indexes.iter_mut().find(|i| i.1 == name) {
                            Some(i) => i.2 += u,
                            None => indexes.push((g, name, u)),
                        }
                    }
                }
                out.extend(consumed(cap, &entry.def.name, units, &indexes));
            }
            out
        });
        encode(&Output {
            unprocessed_items: Map::new(),
            consumed_capacity,
        })
    }
}
