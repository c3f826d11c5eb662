//! DeleteItem: remove one item by primary key, optionally conditionally.

use super::common::{ExprParams, capacity_mode, decode, encode};
use super::returns::{ReturnValues, on_condition_failure};
use super::single_write::{CommonParams, WriteOutput, check_condition};
use crate::Engine;
use crate::keys::key_from_param;
use eddy_expr::ExpectedAttributeValue;

use eddy_types::{ApiError, AttributeValue, Item};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    table_name: Option<String>,
    key: Option<Item>,
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
    /// DeleteItem.
    pub(crate) async fn delete_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
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
        let Some(key) = input.key else {
            return Err(ApiError::validation(
                "Cannot have null key for GetItem, DeleteItem, or UpdateItem",
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
        let key = key_from_param(&entry.def.key, &key)?;
        let condition = exprs.condition;
        let outcome = self
            .write_one(&entry, key.clone(), move |old| {
                check_condition(condition.as_ref(), old, on_fail)?;
                Ok(None)
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
