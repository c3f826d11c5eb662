//! `ExclusiveStartKey` of a Query or Scan: its shape, its types, and where reading
//! resumes in storage.
//!
//! A start key names the table key plus, when an index is read, the index key (what
//! `LastEvaluatedKey` carries). Reading resumes strictly after the storage key it
//! designates: the item key for a table, the index entry key for an index.

use super::read_params::ReadOp;
use crate::catalog::TableEntry;
use crate::keys::{index_entry_key, key_of_item};
use crate::model::{IndexDef, KeyAttr, ScalarType};
use eddy_types::{ApiError, AttributeValue, Item};

/// A validated `ExclusiveStartKey`.
pub struct StartKey {
    /// The key as given.
    pub attrs: Item,
    /// Where the read resumes (exclusively) in the keyspace it reads.
    pub storage_key: Vec<u8>,
    /// The partition key value of the schema read (table or index).
    pub hash: AttributeValue,
}

fn scalar_type(v: &AttributeValue) -> Option<ScalarType> {
    match v {
        AttributeValue::S(_) => Some(ScalarType::S),
        AttributeValue::N(_) => Some(ScalarType::N),
        AttributeValue::B(_) => Some(ScalarType::B),
        _ => None,
    }
}

/// Checks `ExclusiveStartKey` against the table key plus, when reading an index, the
/// index key. Shape errors are DynamoDB Local's (its texts also appear in AWS reports);
/// a wrongly typed value gets AWS's "does not match the schema" (Local: "Type mismatch
/// for attribute to update").
pub fn start_key(
    entry: &TableEntry,
    index: Option<(&IndexDef, bool)>,
    esk: &Item,
    op: ReadOp,
) -> Result<StartKey, ApiError> {
    let invalid = || ApiError::validation("The provided starting key is invalid");
    let table = &entry.def.key;
    let read = index.map_or(table, |(i, _)| &i.key);
    // Local's order: an empty key, a GSI key attribute missing, then the size, then
    // the names.
    let gsi_missing = matches!(index, Some((_, true)))
        && [Some(&read.hash), read.range.as_ref()]
            .into_iter()
            .flatten()
            .any(|a| !esk.contains_key(&a.name));
    if esk.is_empty() || gsi_missing {
        return Err(invalid());
    }
    let mut expected: Vec<&KeyAttr> = Vec::new();
    for attr in [&read.hash]
        .into_iter()
        .chain(&read.range)
        .chain([&table.hash])
        .chain(&table.range)
    {
        if !expected.iter().any(|a| a.name == attr.name) {
            expected.push(attr);
        }
    }
    if esk.len() != expected.len() {
        return Err(ApiError::validation(
            "Exclusive Start Key must have same size as table's key schema",
        ));
    }
    if expected.iter().any(|a| !esk.contains_key(&a.name)) {
        return Err(invalid());
    }
    for attr in &expected {
        if esk.get(&attr.name).and_then(scalar_type) != Some(attr.ty) {
            let plain = read.is_key(&attr.name) && (op == ReadOp::Query || index.is_some());
            let msg = "The provided key element does not match the schema";
            return Err(ApiError::validation(if plain {
                msg.to_string()
            } else {
                format!("The provided starting key is invalid: {msg}")
            }));
        }
    }
    let table_key = key_of_item(table, esk)
        .map_err(|e| ApiError::validation(format!("The provided starting key is invalid: {e}")))?;
    let storage_key = match index {
        None => table_key.encode(entry.def.id),
        Some((i, _)) => {
            let hash = esk.get(&i.key.hash.name).ok_or_else(invalid)?;
            let range = i.key.range.as_ref().and_then(|r| esk.get(&r.name));
            index_entry_key(i.id, hash, range, &table_key)
        }
    };
    let hash = esk.get(&read.hash.name).cloned().ok_or_else(invalid)?;
    Ok(StartKey {
        attrs: esk.clone(),
        storage_key,
        hash,
    })
}
