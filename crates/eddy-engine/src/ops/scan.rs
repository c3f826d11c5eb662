//! Scan: every item of a table or index, in storage order, optionally one segment of a
//! parallel scan.
//!
//! Storage keys start with the 8-byte table (or index) id followed by the 8-byte hash of
//! the partition key, so the whole table is one key range and segment `i` of `T` is the
//! sub-range whose hash lies in `[i * 2^64 / T, (i + 1) * 2^64 / T)`: every item belongs
//! to exactly one segment. Items come back in hash order (DynamoDB's order differs, and
//! no client may rely on either). Pages stream through `read_page`; a Scan never loads a
//! table at once.
//!
//! Validation order after the request-level checks (`read_params`), as DynamoDB Local
//! answers: table → index → key attributes used as documents → `ConsistentRead` on a GSI
//! → `ExclusiveStartKey` (shape, types, segment) → `Select`.

use super::common::{capacity_mode, decode};
use super::read_page::{PageRequest, page_output};
use super::read_params::{
    Constraints, LegacyCondition, ReadExprParams, ReadOp, check_consistent, check_key_paths,
    find_index,
};
use super::select::SelectRequest;
use super::start_key::start_key;
use crate::Engine;
use crate::keys::{partition_prefix, table_prefix};
use eddy_storage::KeyRange;
use eddy_types::{ApiError, AttributeValue, Item};
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Bound;

/// Largest `TotalSegments`.
const MAX_SEGMENTS: i64 = 1_000_000;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    index_name: Option<String>,
    attributes_to_get: Option<Vec<String>>,
    limit: Option<i64>,
    select: Option<String>,
    scan_filter: Option<HashMap<String, LegacyCondition>>,
    conditional_operator: Option<String>,
    exclusive_start_key: Option<Item>,
    return_consumed_capacity: Option<String>,
    total_segments: Option<i64>,
    segment: Option<i64>,
    projection_expression: Option<String>,
    filter_expression: Option<String>,
    expression_attribute_names: Option<HashMap<String, String>>,
    expression_attribute_values: Option<HashMap<String, AttributeValue>>,
    consistent_read: Option<bool>,
}

/// The hash range `[lo, hi)` of segment `segment` of `total` (`hi = None`: to the end).
fn segment_bounds(segment: u64, total: u64) -> (u64, Option<u64>) {
    let edge = |i: u64| ((u128::from(i) << 64) / u128::from(total)) as u64;
    let hi = (segment + 1 < total).then(|| edge(segment + 1));
    (edge(segment), hi)
}

/// The partition-key hash of a storage key (bytes 8..16, after the id).
fn key_hash(prefix: &[u8]) -> u64 {
    let mut h = [0u8; 8];
    if let Some(bytes) = prefix.get(8..16) {
        h.copy_from_slice(bytes);
    }
    u64::from_be_bytes(h)
}

impl Engine {
    /// Scan.
    pub(crate) async fn scan(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Constraints::default();
        c.select_index(input.select.as_deref(), input.index_name.as_deref());
        c.int("totalSegments", input.total_segments, 1, Some(MAX_SEGMENTS));
        c.rcc_table_operator(
            input.return_consumed_capacity.as_deref(),
            input.table_name.as_deref(),
            input.conditional_operator.as_deref(),
        );
        c.attributes_to_get(input.attributes_to_get.as_deref());
        c.int("segment", input.segment, 0, Some(MAX_SEGMENTS - 1));
        c.int("limit", input.limit, 1, None);
        c.finish()?;
        let segment = match (input.segment, input.total_segments) {
            (Some(_), None) => {
                return Err(ApiError::validation(
                    "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
                ));
            }
            (None, Some(_)) => {
                return Err(ApiError::validation(
                    "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
                ));
            }
            (Some(s), Some(t)) if s >= t => {
                return Err(ApiError::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                )));
            }
            (Some(s), Some(t)) => Some((s as u64, t as u64)),
            (None, None) => None,
        };
        let exprs = ReadExprParams {
            op: ReadOp::Scan,
            key_condition: None,
            filter: input.filter_expression.as_deref(),
            projection: input.projection_expression.as_deref(),
            key_conditions: None,
            legacy_filter: input.scan_filter.as_ref(),
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
        check_consistent(index.is_some_and(|i| i.1), input.consistent_read)?;
        let id = index.map_or(entry.def.id, |(i, _)| i.id);
        let prefix = table_prefix(id);
        let mut range = KeyRange::prefix(&prefix);
        let mut bounds = None;
        if let Some((s, t)) = segment {
            let (lo, hi) = segment_bounds(s, t);
            let at = |h: u64| [prefix.as_slice(), &h.to_be_bytes()].concat();
            range.start = Bound::Included(at(lo));
            if let Some(hi) = hi {
                range.end = Bound::Excluded(at(hi));
            }
            bounds = Some((lo, hi));
        }
        if let Some(esk) = &input.exclusive_start_key {
            let start = start_key(&entry, index, esk, ReadOp::Scan)?;
            if let (Some((lo, hi)), Some((s, t))) = (bounds, segment) {
                let h = key_hash(&partition_prefix(id, &start.hash));
                if h < lo || hi.is_some_and(|hi| h >= hi) {
                    return Err(ApiError::validation(format!(
                        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: {t} Segment: {s}"
                    )));
                }
            }
            range.start = Bound::Excluded(start.storage_key);
        }
        let select = SelectRequest {
            entry: &entry,
            index,
            select: input.select.as_deref(),
            projection: exprs.projection,
            legacy_projection: exprs.legacy_projection,
            query_filter: None,
        }
        .resolve()?;
        let consistent = input.consistent_read.unwrap_or(false);
        let page = self.read_page(PageRequest {
            entry: &entry,
            index,
            range,
            reverse: false,
            limit: input.limit.map(|l| l as usize),
            filter: exprs.filter.as_ref(),
            select: &select,
            consistent,
        })?;
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        page_output(page, &select, cap, &entry, index, consistent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_tile_the_hash_space() {
        for total in [1u64, 2, 3, 4, 7, 1000, 1_000_000] {
            assert_eq!(segment_bounds(0, total).0, 0);
            assert_eq!(segment_bounds(total - 1, total).1, None);
            for s in [0, 1, total / 2, total.saturating_sub(2)]
                .into_iter()
                .filter(|s| s + 1 < total)
            {
                let (lo, hi) = segment_bounds(s, total);
                assert_eq!(hi, Some(segment_bounds(s + 1, total).0));
                assert!(hi.is_some_and(|h| h > lo));
            }
        }
        assert_eq!(segment_bounds(1, 4), (1 << 62, Some(1 << 63)));
    }

    #[test]
    fn key_hash_reads_bytes_8_to_16() {
        let prefix = partition_prefix(9, &AttributeValue::S("a".into()));
        assert_eq!(&key_hash(&prefix).to_be_bytes(), &prefix[8..16]);
        assert_eq!(key_hash(&[1, 2]), 0);
    }
}
