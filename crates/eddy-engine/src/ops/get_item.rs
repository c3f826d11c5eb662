//! GetItem: read one item by primary key, optionally projected.

use super::common::{ExprParams, capacity_mode, consumed, decode, encode, read_units};
use super::constraints::*;
use crate::Engine;
use crate::keys::key_from_param;
use eddy_types::codec_json::item_json;
use eddy_types::size::item_size;
use eddy_types::{ApiError, Item};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    key: Option<Item>,
    consistent_read: Option<bool>,
    projection_expression: Option<String>,
    attributes_to_get: Option<Vec<String>>,
    expression_attribute_names: Option<HashMap<String, String>>,
    return_consumed_capacity: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    item: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Value>,
}

impl Engine {
    /// GetItem.
    pub(crate) async fn get_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut v = Violations::new();
        v.table_name("tableName", input.table_name.as_deref(), true);
        v.one_of(
            "returnConsumedCapacity",
            input.return_consumed_capacity.as_deref(),
            RETURN_CONSUMED_CAPACITY,
        );
        v.finish()?;
        let Some(key) = input.key else {
            return Err(ApiError::validation(
                "Cannot have null key for GetItem, DeleteItem, or UpdateItem",
            ));
        };
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let exprs = ExprParams {
            projection: input.projection_expression.as_deref(),
            attributes_to_get: input.attributes_to_get.as_deref(),
            names: input.expression_attribute_names.as_ref(),
            ..Default::default()
        }
        .parse()?;
        let entry = self.table(input.table_name.as_deref())?;
        let key = key_from_param(&entry.def.key, &key)?;
        let consistent = input.consistent_read.unwrap_or(false);
        if exprs.projection.is_none() {
            // The whole item: its JSON is written straight from the stored bytes.
            let stored = self.read_item_bytes(&entry, &key)?;
            let mut out = Vec::with_capacity(64 + stored.as_ref().map_or(0, |b| b.len() * 2));
            out.push(b'{');
            let size = match &stored {
                Some(bytes) => {
                    out.extend_from_slice(b"\"Item\":");
                    let size = item_json(bytes, &mut out).map_err(crate::corrupt_item)?;
                    Some(size)
                }
                None => None,
            };
            let units = read_units(size, consistent);
            if let Some(c) = consumed(cap, &entry.def.name, units, &[]) {
                if size.is_some() {
                    out.push(b',');
                }
                out.extend_from_slice(b"\"ConsumedCapacity\":");
                out.extend_from_slice(&encode(&c)?);
            }
            out.push(b'}');
            return Ok(out);
        }
        let item = self.read_item(&entry, &key)?;
        let units = read_units(item.as_ref().map(item_size), consistent);
        let item = match (item, &exprs.projection) {
            (Some(i), Some(p)) => Some(p.apply(&i)),
            (i, _) => i,
        };
        encode(&Output {
            item,
            consumed_capacity: consumed(cap, &entry.def.name, units, &[]),
        })
    }
}
