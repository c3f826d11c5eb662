//! Query: the items of one partition (of the table or of an index), optionally narrowed
//! by a sort-key condition, in sort-key order.
//!
//! A Query is one range scan: the partition prefix `partition_prefix(id, pk)` followed by
//! the order-preserving sort-key encoding, with bounds derived from the sort-key
//! condition (see `key_range`), read forwards or backwards by `read_page`. Its cost
//! depends on the items read, never on the size of the table.
//!
//! Validation order after the request-level checks (`read_params`), as DynamoDB Local
//! answers: table → index → key attributes used as documents → key-condition structure →
//! `ConsistentRead` on a GSI → number of conditions → key schema (partition key, then sort
//! key) → `ExclusiveStartKey` → filter on key attributes → `Select`.

use super::common::{capacity_mode, decode};
use super::read_page::{PageRequest, page_output};
use super::read_params::{
    Constraints, LegacyCondition, ReadExprParams, ReadOp, check_consistent, check_key_paths,
    find_index,
};
use super::select::SelectRequest;
use super::start_key::start_key;
use crate::Engine;
use crate::keys::{encode_value, partition_prefix};
use crate::model::{KeyAttr, KeySchema, ScalarType};
use eddy_expr::{KeyCond, KeyOp};
use eddy_storage::{KeyRange, prefix_successor};
use eddy_types::{ApiError, AttributeValue, Item};
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Bound;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    index_name: Option<String>,
    select: Option<String>,
    attributes_to_get: Option<Vec<String>>,
    limit: Option<i64>,
    consistent_read: Option<bool>,
    key_conditions: Option<HashMap<String, LegacyCondition>>,
    query_filter: Option<HashMap<String, LegacyCondition>>,
    conditional_operator: Option<String>,
    scan_index_forward: Option<bool>,
    exclusive_start_key: Option<Item>,
    return_consumed_capacity: Option<String>,
    projection_expression: Option<String>,
    filter_expression: Option<String>,
    key_condition_expression: Option<String>,
    expression_attribute_names: Option<HashMap<String, String>>,
    expression_attribute_values: Option<HashMap<String, AttributeValue>>,
}

impl Engine {
    /// Query.
    pub(crate) async fn query(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Constraints::default();
        c.select_index(input.select.as_deref(), input.index_name.as_deref());
        c.rcc_table_operator(
            input.return_consumed_capacity.as_deref(),
            input.table_name.as_deref(),
            input.conditional_operator.as_deref(),
        );
        c.attributes_to_get(input.attributes_to_get.as_deref());
        c.int("limit", input.limit, 1, None);
        c.finish()?;
        let exprs = ReadExprParams {
            op: ReadOp::Query,
            key_condition: input.key_condition_expression.as_deref(),
            filter: input.filter_expression.as_deref(),
            projection: input.projection_expression.as_deref(),
            key_conditions: input.key_conditions.as_ref(),
            legacy_filter: input.query_filter.as_ref(),
            conditional_operator: input.conditional_operator.as_deref(),
            attributes_to_get: input.attributes_to_get.as_deref(),
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
        }
        .parse()?;
        let entry = self.table(input.table_name.as_deref())?;
        let index = input
            .index_name
            .as_deref()
            .map(|n| find_index(&entry, n))
            .transpose()?;
        check_key_paths(&entry, &exprs.expr_paths)?;
        let conds = match (&exprs.key_condition, exprs.key_conditions) {
            (Some(kce), _) => eddy_expr::key_conditions(kce)?,
            (None, Some(legacy)) => legacy,
            (None, None) => return Err(crate::internal("Query without key conditions".into())),
        };
        check_consistent(index.is_some_and(|i| i.1), input.consistent_read)?;
        match conds.len() {
            0 => return Err(ApiError::validation("Conditions must be at least length 1")),
            1 | 2 => {}
            _ => {
                return Err(ApiError::validation(
                    "Conditions can be of length 1 or 2 only",
                ));
            }
        }
        let schema = index.map_or(&entry.def.key, |(i, _)| &i.key);
        let (hash, range_cond) = match_schema(schema, &conds)?;
        let reverse = input.scan_index_forward == Some(false);
        let id = index.map_or(entry.def.id, |(i, _)| i.id);
        let mut range = key_range(&partition_prefix(id, hash), range_cond);
        if let Some(esk) = &input.exclusive_start_key {
            let start = start_key(&entry, index, esk, ReadOp::Query)?;
            check_within(schema, hash, range_cond, &start.attrs, &start.hash)?;
            match reverse {
                true => range.end = Bound::Excluded(start.storage_key),
                false => range.start = Bound::Excluded(start.storage_key),
            }
        }
        if let Some(filter) = &exprs.filter {
            let names: Vec<&str> = eddy_expr::condition_paths(filter)
                .iter()
                .map(|p| p.top_level())
                .collect();
            let param = if exprs.legacy_filter {
                "QueryFilter"
            } else {
                "Filter Expression"
            };
            if let Some(key) = [Some(&schema.hash), schema.range.as_ref()]
                .into_iter()
                .flatten()
                .find(|k| names.contains(&k.name.as_str()))
            {
                return Err(ApiError::validation(format!(
                    "{param} can only contain non-primary key attributes: Primary key attribute: {}",
                    key.name
                )));
            }
        }
        let select = SelectRequest {
            entry: &entry,
            index,
            select: input.select.as_deref(),
            projection: exprs.projection,
            legacy_projection: exprs.legacy_projection,
            query_filter: exprs.filter.as_ref(),
        }
        .resolve()?;
        let consistent = input.consistent_read.unwrap_or(false);
        let page = self.read_page(PageRequest {
            entry: &entry,
            index,
            range,
            reverse,
            limit: input.limit.map(|l| l as usize),
            filter: exprs.filter.as_ref(),
            select: &select,
            consistent,
        })?;
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        page_output(page, &select, cap, &entry, index, consistent)
    }
}

fn missed(attr: &KeyAttr) -> ApiError {
    ApiError::validation(format!(
        "Query condition missed key schema element: {}",
        attr.name
    ))
}

fn not_supported() -> ApiError {
    ApiError::validation("Query key condition not supported")
}

/// The values of a condition must have the key's type, and strings and binaries must not
/// be empty.
fn check_values(attr: &KeyAttr, cond: &KeyCond) -> Result<(), ApiError> {
    let ty = |v: &AttributeValue| match v {
        AttributeValue::S(_) => Some(ScalarType::S),
        AttributeValue::N(_) => Some(ScalarType::N),
        AttributeValue::B(_) => Some(ScalarType::B),
        _ => None,
    };
    if cond.values.iter().any(|v| ty(v) != Some(attr.ty)) {
        return Err(ApiError::validation(
            "One or more parameter values were invalid: Condition parameter type does not match schema type",
        ));
    }
    for v in &cond.values {
        let what = match v {
            AttributeValue::S(s) if s.is_empty() => "string",
            AttributeValue::B(b) if b.is_empty() => "binary",
            _ => continue,
        };
        return Err(ApiError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {}",
            attr.name
        )));
    }
    Ok(())
}

/// Matches the conditions against the key schema read: the partition-key value, and the
/// sort-key condition if any.
fn match_schema<'c>(
    schema: &KeySchema,
    conds: &'c [KeyCond],
) -> Result<(&'c AttributeValue, Option<&'c KeyCond>), ApiError> {
    let find = |attr: &KeyAttr| conds.iter().find(|c| c.name == attr.name);
    if schema.range.is_none() && conds.len() > 1 {
        return Err(not_supported());
    }
    let hash = find(&schema.hash).ok_or_else(|| missed(&schema.hash))?;
    check_values(&schema.hash, hash).and_then(|()| match hash.op {
        KeyOp::Eq => Ok(()),
        _ => Err(not_supported()),
    })?;
    let value = hash.values.first().ok_or_else(not_supported)?;
    let Some(range_attr) = &schema.range else {
        return Ok((value, None));
    };
    let Some(range) = find(range_attr) else {
        if conds.len() > 1 {
            return Err(missed(range_attr));
        }
        return Ok((value, None));
    };
    if range.op == KeyOp::NotIndexable {
        return Err(ApiError::validation(
            "Attempted conditional constraint is not an indexable operation",
        ));
    }
    check_values(range_attr, range)?;
    Ok((value, Some(range)))
}

/// `ExclusiveStartKey` must lie inside the query (AWS's texts; DynamoDB Local answers
/// "does not match the range key predicate" to all three).
fn check_within(
    schema: &KeySchema,
    hash: &AttributeValue,
    range: Option<&KeyCond>,
    esk: &Item,
    esk_hash: &AttributeValue,
) -> Result<(), ApiError> {
    let Some(cond) = range else {
        if esk_hash != hash {
            return Err(ApiError::validation(
                "The provided starting key is outside query boundaries based on provided conditions",
            ));
        }
        return Ok(());
    };
    let esk_range = schema.range.as_ref().and_then(|r| esk.get(&r.name));
    if !esk_range.is_some_and(|v| cond.matches(v)) {
        return Err(ApiError::validation(
            "The provided starting key does not match the range key predicate",
        ));
    }
    if esk_hash != hash {
        return Err(ApiError::validation(
            "The query can return at most one row and cannot be restarted",
        ));
    }
    Ok(())
}

/// The storage range of one partition narrowed by a sort-key condition. `enc` is
/// prefix-free and order-preserving, so "sort key = v" is the prefix `p + enc(v)`, and
/// everything sorting after `v` starts at that prefix's successor.
fn key_range(prefix: &[u8], cond: Option<&KeyCond>) -> KeyRange {
    let whole = KeyRange::prefix(prefix);
    let Some(cond) = cond else { return whole };
    let at = |i: usize| {
        let mut k = prefix.to_vec();
        if let Some(v) = cond.values.get(i) {
            encode_value(v, &mut k);
        }
        k
    };
    let after = |k: Vec<u8>| prefix_successor(&k).map_or(Bound::Unbounded, Bound::Excluded);
    match cond.op {
        KeyOp::Eq => KeyRange::prefix(&at(0)),
        KeyOp::Lt => KeyRange {
            start: whole.start,
            end: Bound::Excluded(at(0)),
        },
        KeyOp::Le => KeyRange {
            start: whole.start,
            end: after(at(0)),
        },
        KeyOp::Gt => {
            let start = prefix_successor(&at(0)).map_or(Bound::Unbounded, Bound::Included);
            KeyRange {
                start,
                end: whole.end,
            }
        }
        KeyOp::Ge => KeyRange {
            start: Bound::Included(at(0)),
            end: whole.end,
        },
        KeyOp::Between => KeyRange {
            start: Bound::Included(at(0)),
            end: after(at(1)),
        },
        KeyOp::BeginsWith => {
            // The encoding of a string or binary is its escaped bytes plus a two-byte
            // terminator; the escaped bytes alone prefix every value that begins with it.
            let mut p = at(0);
            p.truncate(p.len().saturating_sub(2).max(prefix.len()));
            KeyRange::prefix(&p)
        }
        // Rejected by `match_schema`; an empty range all the same.
        KeyOp::NotIndexable => KeyRange {
            start: Bound::Excluded(prefix.to_vec()),
            end: Bound::Excluded(prefix.to_vec()),
        },
    }
}

#[cfg(test)]
#[path = "query_scan_tests.rs"]
mod engine_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use eddy_types::Number;

    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(v.parse::<Number>().unwrap_or_else(|_| Number::zero()))
    }

    fn key(prefix: &[u8], v: &AttributeValue) -> Vec<u8> {
        let mut k = prefix.to_vec();
        encode_value(v, &mut k);
        k
    }

    #[test]
    fn ranges_select_exactly_the_matching_sort_keys() {
        let prefix = partition_prefix(7, &AttributeValue::S("p".into()));
        let values: Vec<AttributeValue> = ["-10", "-2.5", "-1", "0", "0.5", "1", "2", "10", "100"]
            .iter()
            .map(|v| n(v))
            .collect();
        let cases = [
            (KeyOp::Eq, vec![n("1")]),
            (KeyOp::Lt, vec![n("0.5")]),
            (KeyOp::Le, vec![n("-1")]),
            (KeyOp::Gt, vec![n("-2.5")]),
            (KeyOp::Ge, vec![n("2")]),
            (KeyOp::Between, vec![n("-1"), n("10")]),
        ];
        for (op, vals) in cases {
            let cond = KeyCond {
                name: "sk".into(),
                op,
                values: vals,
            };
            let range = key_range(&prefix, Some(&cond));
            for v in &values {
                assert_eq!(
                    range.contains(&key(&prefix, v)),
                    cond.matches(v),
                    "{op:?} {v:?}"
                );
            }
            let other = partition_prefix(7, &AttributeValue::S("q".into()));
            assert!(!range.contains(&key(&other, &values[4])));
        }
    }

    #[test]
    fn begins_with_on_binaries_with_zero_bytes() {
        let prefix = partition_prefix(1, &AttributeValue::S("p".into()));
        let cond = KeyCond {
            name: "sk".into(),
            op: KeyOp::BeginsWith,
            values: vec![AttributeValue::B(vec![0, 1])],
        };
        let range = key_range(&prefix, Some(&cond));
        for (bytes, inside) in [
            (vec![0, 1], true),
            (vec![0, 1, 0], true),
            (vec![0, 1, 255], true),
            (vec![0], false),
            (vec![0, 2], false),
            (vec![1], false),
        ] {
            assert_eq!(
                range.contains(&key(&prefix, &AttributeValue::B(bytes.clone()))),
                inside,
                "{bytes:?}"
            );
        }
    }
}
