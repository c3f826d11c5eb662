//! What PutItem, UpdateItem and DeleteItem share: the request-shape constraint pass of
//! their common parameters, the condition check inside the write decision, and the
//! response (`Attributes`, `ConsumedCapacity`, `ItemCollectionMetrics`).

use super::common::{CapacityMode, consumed, touched_indexes, write_units};
use super::constraints::*;
use super::returns::{ReturnValues, item_collection_metrics};
use crate::catalog::TableEntry;
use crate::keys::PrimaryKey;
use crate::write::WriteOutcome;
use eddy_expr::{Condition, Projection};
use eddy_types::{ApiError, Item};
use serde::Serialize;
use serde_json::Value;

/// The parameters every single-item write has, for the constraint pass.
pub struct CommonParams<'a> {
    /// `TableName`.
    pub table_name: Option<&'a str>,
    /// `ReturnValues`.
    pub return_values: Option<&'a str>,
    /// `ReturnConsumedCapacity`.
    pub return_consumed_capacity: Option<&'a str>,
    /// `ReturnItemCollectionMetrics`.
    pub return_item_collection_metrics: Option<&'a str>,
    /// `ConditionalOperator`.
    pub conditional_operator: Option<&'a str>,
    /// `ReturnValuesOnConditionCheckFailure`.
    pub return_values_on_condition_check_failure: Option<&'a str>,
}

impl CommonParams<'_> {
    /// Checks the members' shapes, listing violations in the order of `members`
    /// (each operation's order in the service model).
    pub fn check(&self, members: &[&str]) -> Result<(), ApiError> {
        let mut v = Violations::new();
        for member in members {
            match *member {
                "tableName" => v.table_name("tableName", self.table_name, true),
                "returnValues" => v.one_of(member, self.return_values, RETURN_VALUES),
                "returnConsumedCapacity" => v.one_of(
                    member,
                    self.return_consumed_capacity,
                    RETURN_CONSUMED_CAPACITY,
                ),
                "returnItemCollectionMetrics" => v.one_of(
                    member,
                    self.return_item_collection_metrics,
                    RETURN_ITEM_COLLECTION_METRICS,
                ),
                "conditionalOperator" => {
                    v.one_of(member, self.conditional_operator, CONDITIONAL_OPERATOR)
                }
                "returnValuesOnConditionCheckFailure" => v.one_of(
                    member,
                    self.return_values_on_condition_check_failure,
                    RETURN_VALUES_ON_CCF,
                ),
                _ => {}
            }
        }
        v.finish()
    }
}

/// Evaluates the write's condition against the old item (a missing item is an empty
/// map); a false condition is `ConditionalCheckFailedException`, carrying the old item
/// when `all_old` (ReturnValuesOnConditionCheckFailure = ALL_OLD).
pub fn check_condition(
    condition: Option<&Condition>,
    old: Option<&Item>,
    all_old: bool,
) -> Result<(), ApiError> {
    let Some(c) = condition else { return Ok(()) };
    let empty = Item::new();
    if c.eval(old.unwrap_or(&empty))? {
        return Ok(());
    }
    Err(ApiError::condition_failed(
        all_old.then(|| old.cloned()).flatten(),
    ))
}

/// The response of PutItem, UpdateItem and DeleteItem.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WriteOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    attributes: Option<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    item_collection_metrics: Option<Value>,
}

impl WriteOutput {
    /// Builds the response from what the write did.
    pub fn new(
        entry: &TableEntry,
        key: &PrimaryKey,
        outcome: WriteOutcome,
        rv: ReturnValues,
        updated: Option<&Projection>,
        cap: CapacityMode,
        metrics: Option<&str>,
    ) -> Self {
        let indexes = touched_indexes(entry, outcome.old.as_ref(), outcome.new.as_ref());
        let units = write_units(outcome.old_size, outcome.new_size);
        Self {
            consumed_capacity: consumed(cap, &entry.def.name, units, &indexes),
            item_collection_metrics: item_collection_metrics(entry, metrics, key),
            attributes: rv.select(outcome.old, outcome.new, updated),
        }
    }
}
