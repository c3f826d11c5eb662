//! Primary keys: validation of client-supplied keys and their storage encoding.
//!
//! Storage key of an item (see docs/design/storage-keys.md):
//! `table_id: u64 BE | hash64(partition key bytes): u64 BE | enc(partition key) | enc(sort key)`.
//! The hash prefix spreads partitions over the key space like DynamoDB's partitioning
//! (so a parallel Scan can split it into ranges), and the partition key encoding is
//! self-delimiting so that a Query over one partition is a prefix scan in sort-key order.
//! `enc` is order-preserving: strings and binaries are escaped (0x00 -> 0x00 0xFF) and
//! terminated by 0x00 0x01; numbers use `Number::encode_key`.

use crate::model::{KeyAttr, KeySchema, ScalarType, TableDef};
use eddy_types::{ApiError, AttributeValue, Item};

/// Largest partition key value, in bytes.
const MAX_HASH_KEY: usize = 2048;
/// Largest sort key value, in bytes.
const MAX_RANGE_KEY: usize = 1024;

/// The primary key of one item, validated against its table's schema.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimaryKey {
    /// Partition key value.
    pub hash: AttributeValue,
    /// Sort key value, when the table has one.
    pub range: Option<AttributeValue>,
}

impl PrimaryKey {
    /// The key as an item (for ReturnValues and UnprocessedKeys).
    pub fn to_item(&self, schema: &KeySchema) -> Item {
        let mut m = Item::new();
        m.insert(schema.hash.name.clone(), self.hash.clone());
        if let (Some(r), Some(v)) = (&schema.range, &self.range) {
            m.insert(r.name.clone(), v.clone());
        }
        m
    }

    /// The storage key for this item in table `table_id`.
    pub fn encode(&self, table_id: u64) -> Vec<u8> {
        let mut out = partition_prefix(table_id, &self.hash);
        if let Some(r) = &self.range {
            encode_value(r, &mut out);
        }
        out
    }
}

/// `id | hash64(enc(hash)) | enc(hash)`: the prefix shared by every key of one partition,
/// of a table (id = table id, keyspace `items`) or of an index (id = index id, keyspace
/// `index`). A Query is a range scan under this prefix.
pub fn partition_prefix(id: u64, hash: &AttributeValue) -> Vec<u8> {
    let mut pk = Vec::with_capacity(32);
    encode_value(hash, &mut pk);
    let mut out = Vec::with_capacity(16 + pk.len() + 16);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&fnv64(&pk).to_be_bytes());
    out.extend_from_slice(&pk);
    out
}

/// Storage key of one index entry (keyspace `index`): the index partition prefix, the
/// index sort key (if the index has one), then the item's table key, which makes entries
/// unique when several items share index key values.
pub fn index_entry_key(
    index_id: u64,
    index_hash: &AttributeValue,
    index_range: Option<&AttributeValue>,
    table_key: &PrimaryKey,
) -> Vec<u8> {
    let mut out = partition_prefix(index_id, index_hash);
    if let Some(r) = index_range {
        encode_value(r, &mut out);
    }
    encode_value(&table_key.hash, &mut out);
    if let Some(r) = &table_key.range {
        encode_value(r, &mut out);
    }
    out
}

/// FNV-1a, 64 bit: stable across versions and platforms (part of the on-disk format).
fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Appends the order-preserving, self-delimiting encoding of a key value (S, N or B).
pub fn encode_value(v: &AttributeValue, out: &mut Vec<u8>) {
    match v {
        AttributeValue::S(s) => escape(s.as_bytes(), out),
        AttributeValue::B(b) => escape(b, out),
        AttributeValue::N(n) => n.encode_key(out),
        // Validation guarantees key values are scalars.
        _ => {}
    }
}

fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

/// The storage-key prefix of every item of table `table_id`.
pub fn table_prefix(table_id: u64) -> Vec<u8> {
    table_id.to_be_bytes().to_vec()
}

/// Checks one key attribute value against its definition.
fn check_key_value(attr: &KeyAttr, v: &AttributeValue) -> Result<usize, ApiError> {
    let (ty, len) = match v {
        AttributeValue::S(s) => (ScalarType::S, s.len()),
        AttributeValue::N(n) => (ScalarType::N, n.significant_digits().div_ceil(2) + 1),
        AttributeValue::B(b) => (ScalarType::B, b.len()),
        _ => return Err(ApiError::validation("Invalid attribute value type")),
    };
    if ty != attr.ty {
        return Err(ApiError::validation(format!(
            "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
            attr.name,
            attr.ty.as_str(),
            ty.as_str()
        )));
    }
    if len == 0 && ty != ScalarType::N {
        let what = if ty == ScalarType::S {
            "string"
        } else {
            "binary"
        };
        return Err(ApiError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {}",
            attr.name
        )));
    }
    Ok(len)
}

fn check_sizes(hash_len: usize, range_len: usize) -> Result<(), ApiError> {
    if hash_len > MAX_HASH_KEY || range_len > MAX_RANGE_KEY {
        return Err(ApiError::validation(
            "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes",
        ));
    }
    Ok(())
}

/// Extracts and validates the primary key of a full item (PutItem, BatchWriteItem puts).
pub fn key_of_item(schema: &KeySchema, item: &Item) -> Result<PrimaryKey, ApiError> {
    let missing = || ApiError::validation("One of the required keys was not given a value");
    let hash = item.get(&schema.hash.name).ok_or_else(missing)?;
    let range = match &schema.range {
        Some(r) => Some(item.get(&r.name).ok_or_else(missing)?),
        None => None,
    };
    let hl = check_key_value(&schema.hash, hash)?;
    let rl = match (&schema.range, range) {
        (Some(attr), Some(v)) => check_key_value(attr, v)?,
        _ => 0,
    };
    check_sizes(hl, rl)?;
    Ok(PrimaryKey {
        hash: hash.clone(),
        range: range.cloned(),
    })
}

/// Validates a `Key` parameter (GetItem, DeleteItem, UpdateItem, BatchGetItem...).
/// AWS answers every shape mismatch (missing, extra or wrongly typed key attribute)
/// with one message.
pub fn key_from_param(schema: &KeySchema, key: &Item) -> Result<PrimaryKey, ApiError> {
    let mismatch = || ApiError::validation("The provided key element does not match the schema");
    let expected = 1 + usize::from(schema.range.is_some());
    if key.len() != expected {
        return Err(mismatch());
    }
    let attrs = std::iter::once(&schema.hash).chain(schema.range.as_ref());
    for attr in attrs {
        let scalar = match key.get(&attr.name) {
            Some(AttributeValue::S(_)) => ScalarType::S,
            Some(AttributeValue::N(_)) => ScalarType::N,
            Some(AttributeValue::B(_)) => ScalarType::B,
            _ => return Err(mismatch()),
        };
        if scalar != attr.ty {
            return Err(mismatch());
        }
    }
    key_of_item(schema, key)
}

/// An index key value longer than the index allows (a table key attribute may be one).
fn check_index_key_size(
    index: &str,
    attr: &KeyAttr,
    v: &AttributeValue,
    max: usize,
) -> Result<(), ApiError> {
    let len = match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => return Ok(()),
    };
    if len > max {
        return Err(ApiError::validation(format!(
            "One or more parameter values were invalid: Size limit exceeded for Index Key {} Actual Size: {len} bytes Max Size: {max} bytes IndexName: {index}",
            attr.name
        )));
    }
    Ok(())
}

/// Checks the secondary-index key attributes an item carries: they must have the type
/// the index declares and, for strings and binaries, be non-empty. Items without an
/// index's key attributes are simply not in that (sparse) index.
pub fn check_index_keys(def: &TableDef, item: &Item) -> Result<(), ApiError> {
    check_index_keys_with(def, item, false)
}

/// [`check_index_keys`] with UpdateItem's wording for an empty index key value, which
/// differs from PutItem's ("The update expression attempted to update a secondary index
/// key to a value that is not supported").
pub fn check_index_keys_for_update(def: &TableDef, item: &Item) -> Result<(), ApiError> {
    check_index_keys_with(def, item, true)
}

fn check_index_keys_with(def: &TableDef, item: &Item, update: bool) -> Result<(), ApiError> {
    for index in def.gsis.iter().chain(&def.lsis) {
        let attrs = std::iter::once(&index.key.hash).chain(index.key.range.as_ref());
        for (attr, max) in attrs.zip([MAX_HASH_KEY, MAX_RANGE_KEY]) {
            let Some(value) = item.get(&attr.name) else {
                continue;
            };
            check_index_key_size(&index.name, attr, value, max)?;
            if def.key.is_key(&attr.name) {
                continue;
            }
            let (ty, empty) = match value {
                AttributeValue::S(s) => (ScalarType::S, s.is_empty()),
                AttributeValue::N(_) => (ScalarType::N, false),
                AttributeValue::B(b) => (ScalarType::B, b.is_empty()),
                _ => (ScalarType::S, false),
            };
            let scalar = matches!(
                value,
                AttributeValue::S(_) | AttributeValue::N(_) | AttributeValue::B(_)
            );
            if !scalar || ty != attr.ty {
                return Err(ApiError::validation(
                    "One or more parameter values were invalid: Type mismatch for Index Key",
                ));
            }
            if empty && update {
                let what = if ty == ScalarType::S {
                    "string"
                } else {
                    "binary"
                };
                return Err(ApiError::validation(format!(
                    "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty {what} value."
                )));
            }
            if empty {
                let what = if ty == ScalarType::S {
                    "string"
                } else {
                    "binary"
                };
                return Err(ApiError::validation(format!(
                    "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {what} value. IndexName: {}, IndexKey: {}",
                    index.name, attr.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_prefix_free_order() {
        let mut a = Vec::new();
        escape(b"a", &mut a);
        let mut b = Vec::new();
        escape(b"a\0", &mut b);
        let mut c = Vec::new();
        escape(b"ab", &mut c);
        assert!(a < b && b < c);
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
