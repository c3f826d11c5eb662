//! UpdateItem: modify (or create) one item with an UpdateExpression or AttributeUpdates.

use super::common::{
    ExprParams, capacity_mode, consumed, decode, encode, touched_indexes, write_units,
};
use super::constraints::*;
use super::returns::{ReturnValues, item_collection_metrics, on_condition_failure};
use crate::Engine;
use crate::keys::{check_index_keys_for_update, key_from_param};
use eddy_expr::{AttributeValueUpdate, ExpectedAttributeValue};
use eddy_types::size::{MAX_ITEM_SIZE, item_size};
use eddy_types::{ApiError, AttributeValue, Item};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    key: Option<Item>,
    update_expression: Option<String>,
    attribute_updates: Option<HashMap<String, AttributeValueUpdate>>,
    condition_expression: Option<String>,
    expected: Option<HashMap<String, ExpectedAttributeValue>>,
    conditional_operator: Option<String>,
    expression_attribute_names: Option<HashMap<String, String>>,
    #[serde(default, deserialize_with = "eddy_types::attr::deserialize_expression_values")]
    expression_attribute_values: Option<HashMap<String, AttributeValue>>,
    return_values: Option<String>,
    return_consumed_capacity: Option<String>,
    return_item_collection_metrics: Option<String>,
    return_values_on_condition_check_failure: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_collection_metrics: Option<Value>,
}

impl Engine {
    /// UpdateItem.
    pub(crate) async fn update_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut v = Violations::new();
        v.table_name("tableName", input.table_name.as_deref(), true);
        v.one_of(
            "conditionalOperator",
            input.conditional_operator.as_deref(),
            CONDITIONAL_OPERATOR,
        );
        v.one_of(
            "returnValues",
            input.return_values.as_deref(),
            RETURN_VALUES,
        );
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
        v.one_of(
            "returnValuesOnConditionCheckFailure",
            input.return_values_on_condition_check_failure.as_deref(),
            RETURN_VALUES_ON_CCF,
        );
        v.finish()?;
        let Some(key_param) = input.key else {
            return Err(ApiError::validation(
                "Cannot have null key for GetItem, DeleteItem, or UpdateItem",
            ));
        };
        let rv = ReturnValues::parse(input.return_values.as_deref(), true)?;
        let on_fail =
            on_condition_failure(input.return_values_on_condition_check_failure.as_deref());
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let exprs = ExprParams {
            condition: input.condition_expression.as_deref(),
            update: input.update_expression.as_deref(),
            expected: input.expected.as_ref(),
            conditional_operator: input.conditional_operator.as_deref(),
            attribute_updates: input.attribute_updates.as_ref(),
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
            value_users: "UpdateExpression and ConditionExpression are null",
            ..Default::default()
        }
        .parse()?;
        let entry = self.table(input.table_name.as_deref())?;
        let schema = &entry.def.key;
        let key = key_from_param(schema, &key_param)?;
        let key_update = exprs
            .update
            .as_ref()
            .and_then(|u| u.top_level_names().into_iter().find(|n| schema.is_key(n)));
        if let Some(k) = key_update {
            return Err(ApiError::validation(format!(
                "One or more parameter values were invalid: Cannot update attribute {k}. This attribute is part of the key"
            )));
        }
        let updated_paths = exprs.update.as_ref().map(|u| u.updated_paths());
        let condition = exprs.condition;
        let update = exprs.update;
        let key_item = key.to_item(schema);
        let entry_def = &entry.def;
        let outcome = self
            .write_one(&entry, key.clone(), move |old| {
                let empty = Item::new();
                if let Some(c) = &condition
                    && !c.eval(old.unwrap_or(&empty))?
                {
                    return Err(ApiError::condition_failed(
                        on_fail.then(|| old.cloned()).flatten(),
                    ));
                }
                let mut item = old.cloned().unwrap_or_else(|| key_item.clone());
                let Some(u) = &update else {
                    return Ok(Some(item));
                };
                u.apply(&mut item)?;
                if old.is_none() && item == key_item {
                    // An update that only removes from a missing item creates nothing.
                    return Ok(None);
                }
                check_index_keys_for_update(entry_def, &item)?;
                if item_size(&item) > MAX_ITEM_SIZE {
                    return Err(ApiError::validation(
                        "Item size to update has exceeded the maximum allowed size",
                    ));
                }
                Ok(Some(item))
            })
            .await?;
        let old_size = outcome.old.as_ref().map(item_size);
        let new_size = outcome.new.as_ref().map(item_size);
        let indexes = touched_indexes(&entry, outcome.old.as_ref(), outcome.new.as_ref());
        let out = Output {
            consumed_capacity: consumed(
                cap,
                &entry.def.name,
                write_units(old_size, new_size),
                &indexes,
            ),
            item_collection_metrics: item_collection_metrics(
                &entry,
                input.return_item_collection_metrics.as_deref(),
                &key,
            ),
            attributes: rv.select(outcome.old, outcome.new, updated_paths.as_ref()),
        };
        encode(&out)
    }
}
