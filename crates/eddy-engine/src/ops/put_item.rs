//! PutItem: create or replace one item, optionally conditionally.

use super::common::{ExprParams, capacity_mode, decode, encode};
use super::returns::{ReturnValues, on_condition_failure};
use super::single_write::{CommonParams, WriteOutput, check_condition};
use crate::Engine;
use crate::keys::key_of_item;
use eddy_expr::ExpectedAttributeValue;
use eddy_types::size::{MAX_ITEM_SIZE, item_size};
use eddy_types::{ApiError, AttributeValue, Item};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    item: Option<Item>,
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
    /// PutItem.
    pub(crate) async fn put_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
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
            "returnValues",
            "returnConsumedCapacity",
            "returnItemCollectionMetrics",
            "conditionalOperator",
            "returnValuesOnConditionCheckFailure",
        ])?;
        let Some(item) = input.item else {
            return Err(ApiError::validation(
                "Item to put in PutItem cannot be null",
            ));
        };
        let rv = ReturnValues::parse(input.return_values.as_deref(), false)?;
        let on_fail =
            on_condition_failure(input.return_values_on_condition_check_failure.as_deref());
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let exprs = ExprParams {
            condition: input.condition_expression.as_deref(),
            expected: input.expected.as_ref(),
            conditional_operator: input.conditional_operator.as_deref(),
            names: input.expression_attribute_names.as_ref(),
            values: input.expression_attribute_values.as_ref(),
            value_users: "ConditionExpression is null",
            ..Default::default()
        }
        .parse()?;
        let entry = self.table(input.table_name.as_deref())?;
        let key = key_of_item(&entry.def.key, &item)?;
        if item_size(&item) > MAX_ITEM_SIZE {
            return Err(ApiError::validation(
                "Item size has exceeded the maximum allowed size",
            ));
        }
        let condition = exprs.condition;
        let outcome = self
            .write_one(&entry, key.clone(), move |old| {
                check_condition(condition.as_ref(), old, on_fail)?;
                Ok(Some(item))
            })
            .await?;
        let out = WriteOutput::new(
            &entry,
            &key,
            outcome,
            rv,
            None,
            cap,
            input.return_item_collection_metrics.as_deref(),
        );
        encode(&out)
    }
}
