//! Reading an index's stored entries straight from storage, for tests that check the
//! `index` keyspace end to end (e.g. after killing and restarting the binary) without
//! going through Query.

use super::INDEX;
use crate::catalog::CATALOG;
use crate::model::TableDef;
use eddy_storage::{KeyRange, Storage};
use eddy_types::attr::item_to_json;
use eddy_types::codec::decode_item;
use serde_json::Value;
use std::ops::Bound;

/// The status and entries of index `index` of table `table` as stored: the index status
/// (`CREATING`, `ACTIVE` or `DELETING`) and every entry's projected item in wire JSON,
/// in entry-key order. Errors name what is missing or undecodable.
pub fn stored_index_entries(
    storage: &dyn Storage,
    table: &str,
    index: &str,
) -> Result<(String, Vec<Value>), String> {
    let record = storage
        .get(CATALOG, table.as_bytes())
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no table {table}"))?;
    let record: Value = serde_json::from_slice(&record).map_err(|e| e.to_string())?;
    let def: TableDef = serde_json::from_value(record["def"].clone()).map_err(|e| e.to_string())?;
    let found = def
        .gsis
        .iter()
        .chain(&def.lsis)
        .chain(&def.deleting_gsis)
        .find(|i| i.name == index);
    let index = found.ok_or_else(|| format!("no index {index} on {table}"))?;
    let mut range = KeyRange::prefix(&index.id.to_be_bytes());
    let mut out = Vec::new();
    loop {
        let page = storage
            .scan(INDEX, &range, false, 1000)
            .map_err(|e| e.to_string())?;
        let Some((last, _)) = page.last() else { break };
        range.start = Bound::Excluded(last.clone());
        for (_, v) in page {
            out.push(item_to_json(&decode_item(&v).map_err(|e| e.to_string())?));
        }
    }
    Ok((index.status.as_str().to_string(), out))
}
