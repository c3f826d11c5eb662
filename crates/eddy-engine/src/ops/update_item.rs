//! UpdateItem: modify (or create) one item with an UpdateExpression or AttributeUpdates.

use super::common::{ExprParams, capacity_mode, decode, encode};
use super::returns::{ReturnValues, on_condition_failure};
use super::single_write::{CommonParams, WriteOutput, check_condition};
use crate::Engine;
use crate::keys::{check_index_keys_for_update, key_from_param};
use eddy_expr::{AttributeValueUpdate, ExpectedAttributeValue};
use eddy_types::size::{MAX_ITEM_SIZE, item_size};
use eddy_types::{ApiError, AttributeValue, Item};
use serde::Deserialize;
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
    #[serde(
        default,
        deserialize_with = "eddy_types::attr::deserialize_expression_values"
    )]
    expression_attribute_values: Option<HashMap<String, AttributeValue>>,
    return_values: Option<String>,
    return_consumed_capacity: Option<String>,
    return_item_collection_metrics: Option<String>,
    return_values_on_condition_check_failure: Option<String>,
}

impl Engine {
    /// UpdateItem.
    pub(crate) async fn update_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        CommonParams {
            table_name: input.table_name.as_deref(),
            return_values: input.return_values.as_deref(),
            return_consumed_capacity: input.return_consumed_capacity.as_deref(),
            return_item_collection_metrics: input.return_item_collection_metrics.as_deref(),
            conditional_operator: input.conditional_operator.as_deref(),
            return_values_on_condition_check_failure: input
                .return_values_on_condition_check_failure
                .as_deref(),
        }
        .check(&[
            "tableName",
            "conditionalOperator",
            "returnValues",
            "returnConsumedCapacity",
            "returnItemCollectionMetrics",
            "returnValuesOnConditionCheckFailure",
        ])?;
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
                check_condition(condition.as_ref(), old, on_fail)?;
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
        let out = WriteOutput::new(
            &entry,
            &key,
            outcome,
            rv,
            updated_paths.as_ref(),
            cap,
            input.return_item_collection_metrics.as_deref(),
        );
        encode(&out)
    }
}
