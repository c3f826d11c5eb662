//! BatchGetItem: up to 100 items across tables.

use super::common::{
    CapacityMode, ExprParams, capacity_mode, check_table_name, decode, encode, read_units,
};
use super::constraints::*;
use crate::Engine;
use crate::keys::key_from_param;
use eddy_types::size::item_size;
use eddy_types::{ApiError, Item};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    request_items: Option<BTreeMap<String, KeysAndAttributes>>,
    return_consumed_capacity: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeysAndAttributes {
    keys: Option<Vec<Item>>,
    consistent_read: Option<bool>,
    projection_expression: Option<String>,
    attributes_to_get: Option<Vec<String>>,
    expression_attribute_names: Option<HashMap<String, String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    responses: BTreeMap<String, Vec<Item>>,
    unprocessed_keys: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Vec<Value>>,
}

impl Engine {
    /// BatchGetItem.
    pub(crate) async fn batch_get_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let requests = input.request_items.unwrap_or_default();
        if requests.is_empty() {
            return Err(ApiError::validation(
                "BatchGetItem must have some requests set",
            ));
        }
        let mut v = Violations::new();
        v.one_of(
            "returnConsumedCapacity",
            input.return_consumed_capacity.as_deref(),
            RETURN_CONSUMED_CAPACITY,
        );
        v.finish()?;
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let mut total = 0;
        for (table, ka) in &requests {
            check_table_name(Some(table))?;
            let n = ka.keys.as_ref().map_or(0, Vec::len);
            if n == 0 {
                return Err(ApiError::validation(format!(
                    "The list of keys in RequestItems for BatchGetItem is required: {table} has empty list"
                )));
            }
            total += n;
        }
        if total > 100 {
            return Err(ApiError::validation(
                "Too many items requested for the BatchGetItem call",
            ));
        }
        let mut plans = Vec::new();
        for (table, ka) in &requests {
            let exprs = ExprParams {
                projection: ka.projection_expression.as_deref(),
                attributes_to_get: ka.attributes_to_get.as_deref(),
                names: ka.expression_attribute_names.as_ref(),
                ..Default::default()
            }
            .parse()?;
            let entry = self.table(Some(table))?;
            let mut seen = HashSet::new();
            let mut keys = Vec::new();
            for k in ka.keys.iter().flatten() {
                let key = key_from_param(&entry.def.key, k)?;
                if !seen.insert(key.encode(entry.def.id)) {
                    return Err(ApiError::validation(
                        "Provided list of item keys contains duplicates",
                    ));
                }
                keys.push(key);
            }
            plans.push((
                entry,
                keys,
                exprs.projection,
                ka.consistent_read.unwrap_or(false),
            ));
        }
        let mut responses = BTreeMap::new();
        let mut capacity = Vec::new();
        for (entry, keys, projection, consistent) in plans {
            let mut items = Vec::new();
            let mut units = 0.0;
            for key in &keys {
                if let Some(item) = self.read_item(&entry, key)? {
                    units += read_units(Some(item_size(&item)), consistent);
                    items.push(match &projection {
                        Some(p) => p.apply(&item),
                        None => item,
                    });
                }
            }
            capacity.push(json!({"TableName": entry.def.name, "CapacityUnits": units}));
            responses.insert(entry.def.name.clone(), items);
        }
        encode(&Output {
            responses,
            unprocessed_keys: Map::new(),
            consumed_capacity: (cap != CapacityMode::None).then_some(capacity),
        })
    }
}
