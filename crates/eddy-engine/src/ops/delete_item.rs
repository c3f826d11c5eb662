//! DeleteItem: remove one item by primary key, optionally conditionally.

use super::common::{
    ExprParams, capacity_mode, consumed, decode, encode, touched_indexes, write_units,
};
use super::constraints::*;
use super::returns::{ReturnValues, item_collection_metrics, on_condition_failure};
use crate::Engine;
use crate::keys::key_from_param;
use eddy_expr::ExpectedAttributeValue;
use eddy_types::size::item_size;
use eddy_types::{ApiError, AttributeValue, Item};
use serde::{Deserialize, Serialize};
use serde_json::Value;
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
    /// DeleteItem.
    pub(crate) async fn delete_item(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
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
                let empty = Item::new();
                if let Some(c) = &condition
                    && !c.eval(old.unwrap_or(&empty))?
                {
                    return Err(ApiError::condition_failed(
                        on_fail.then(|| old.cloned()).flatten(),
                    ));
                }
                Ok(None)
            })
            .await?;
        let old_size = outcome.old.as_ref().map(item_size);
        let indexes = touched_indexes(&entry, outcome.old.as_ref(), None);
        let out = Output {
            consumed_capacity: consumed(
                cap,
                &entry.def.name,
                write_units(old_size, None),
                &indexes,
            ),
            item_collection_metrics: item_collection_metrics(
                &entry,
                input.return_item_collection_metrics.as_deref(),
                &key,
            ),
            attributes: rv.select(outcome.old, None, None),
        };
        encode(&out)
    }
}
