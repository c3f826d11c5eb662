//! TransactGetItems: up to 100 reads across tables from one consistent snapshot.
//!
//! The reads take the stripe locks of every item (ascending order, like a write group),
//! so no write or transaction can commit between two of them: either all of a
//! transaction's changes are seen or none. A read that meets an item claimed by an
//! in-flight TransactWriteItems is cancelled with `TransactionConflict`, as on DynamoDB.
//! Each read costs two strongly consistent read units per started 4 KB (one for a
//! missing item); projections do not reduce it.

use super::common::{CapacityMode, ExprParams, capacity_mode, decode, encode, read_units};
use super::constraints::*;
use super::transact_common::*;
use crate::Engine;
use crate::keys::key_from_param;
use eddy_types::size::item_size;
use eddy_types::{ApiError, Item};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    transact_items: Option<Vec<GetItem>>,
    return_consumed_capacity: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetItem {
    get: Option<Get>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Get {
    key: Option<Item>,
    table_name: Option<String>,
    projection_expression: Option<String>,
    expression_attribute_names: Option<HashMap<String, String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Vec<Value>>,
    responses: Vec<Map<String, Value>>,
}

/// Coral's constraint pass over the whole request.
fn check_shape(input: &Input, body: &[u8]) -> Result<(), ApiError> {
    let mut v = Violations::new();
    match &input.transact_items {
        None => v.not_null("transactItems", false),
        Some(items) => {
            if items.is_empty() || items.len() > MAX_ACTIONS {
                let echo = serde_json::from_slice::<Value>(body)
                    .ok()
                    .and_then(|b| b.get("TransactItems").map(Value::to_string))
                    .unwrap_or_else(|| "[]".into());
                v.list_length("transactItems", &echo, items.len(), 1, MAX_ACTIONS);
            }
            for (i, entry) in items.iter().enumerate() {
                let m = |name: &str| format!("transactItems.{}.member.{name}", i + 1);
                let Some(get) = &entry.get else {
                    v.not_null(&m("get"), false);
                    continue;
                };
                v.not_null(&m("get.key"), get.key.is_some());
                v.table_name(&m("get.tableName"), get.table_name.as_deref(), true);
            }
        }
    }
    v.one_of(
        "returnConsumedCapacity",
        input.return_consumed_capacity.as_deref(),
        RETURN_CONSUMED_CAPACITY,
    );
    v.finish()
}

impl Engine {
    /// TransactGetItems.
    pub(crate) async fn transact_get_items(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        check_shape(&input, body)?;
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let gets: Vec<Get> = input
            .transact_items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| g.get)
            .collect();
        let mut projections = Vec::with_capacity(gets.len());
        for g in &gets {
            let exprs = ExprParams {
                projection: g.projection_expression.as_deref(),
                names: g.expression_attribute_names.as_ref(),
                ..Default::default()
            }
            .parse()?;
            projections.push(exprs.projection);
        }
        let mut plans = Vec::with_capacity(gets.len());
        for g in &gets {
            let entry = self.table(g.table_name.as_deref())?;
            let key = match g.key.as_ref().map(|k| key_from_param(&entry.def.key, k)) {
                Some(Ok(k)) => Ok(k),
                Some(Err(e)) => Err(key_error(e)?),
                None => Err(key_error(ApiError::validation(
                    "The provided key element does not match the schema",
                ))?),
            };
            plans.push((entry, key));
        }
        let skeys: Vec<Option<Vec<u8>>> = plans
            .iter()
            .map(|(e, k)| k.as_ref().ok().map(|k| k.encode(e.def.id)))
            .collect();
        let mut seen = HashSet::new();
        if skeys.iter().flatten().any(|k| !seen.insert(k)) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        if plans.iter().any(|(_, k)| k.is_err()) {
            let reasons = plans
                .into_iter()
                .map(|(_, k)| k.err().unwrap_or_else(no_reason));
            return Err(cancelled(reasons.collect()));
        }
        let keys: Vec<Vec<u8>> = skeys.into_iter().flatten().collect();
        let busy = self.txns.busy_items(&keys);
        if !busy.is_empty() {
            let reasons = (0..keys.len()).map(|i| {
                if busy.contains(&i) {
                    conflict_reason()
                } else {
                    no_reason()
                }
            });
            return Err(cancelled(reasons.collect()));
        }
        let items = {
            let _locks = self.locks.lock(keys.iter().map(Vec::as_slice)).await;
            let mut items = Vec::with_capacity(plans.len());
            for (entry, key) in &plans {
                let Ok(key) = key else { continue };
                items.push(self.read_item(entry, key)?);
            }
            items
        };
        let mut capacity = TableCapacity::default();
        let mut responses = Vec::with_capacity(items.len());
        for (((entry, _), item), projection) in plans.iter().zip(items).zip(&projections) {
            if cap != CapacityMode::None {
                capacity.add(
                    entry,
                    2.0 * read_units(item.as_ref().map(item_size), true),
                    Vec::new(),
                );
            }
            let mut response = Map::new();
            if let Some(item) = item {
                let item = match projection {
                    Some(p) => p.apply(&item),
                    None => item,
                };
                response.insert("Item".into(), eddy_types::attr::item_to_json(&item));
            }
            responses.push(response);
        }
        encode(&Output {
            consumed_capacity: capacity.render(cap),
            responses,
        })
    }
}
