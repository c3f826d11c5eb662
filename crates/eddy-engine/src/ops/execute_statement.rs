//! ExecuteStatement: one PartiQL statement.
//!
//! SELECT reads a page (a single partition, a set of partitions or a scan, as the WHERE
//! clause allows; see `partiql/access.rs`) with `Limit`, `NextToken` and `ConsistentRead`;
//! INSERT, UPDATE and DELETE are single-item writes through the item write path, with
//! `ReturnValuesOnConditionCheckFailure` and `RETURNING`.

use super::common::{
    capacity_mode, consumed, decode, encode, read_units, touched_indexes, write_units,
};
use super::constraints::{RETURN_CONSUMED_CAPACITY, RETURN_VALUES_ON_CCF};
use crate::Engine;
use crate::partiql::Statement;
use crate::partiql::exec::{Cursor, returned};
use crate::partiql::plan::Plan;
use crate::partiql::request::{Coral, Prepared};
use eddy_types::size::item_size;
use eddy_types::{ApiError, AttributeValue, Item};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    statement: Option<String>,
    parameters: Option<Vec<AttributeValue>>,
    consistent_read: Option<bool>,
    next_token: Option<String>,
    return_consumed_capacity: Option<String>,
    limit: Option<i64>,
    return_values_on_condition_check_failure: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Output {
    items: Vec<Item>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumed_capacity: Option<Value>,
}

impl Engine {
    /// ExecuteStatement.
    pub(crate) async fn execute_statement(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut v = Coral::default();
        v.statement("", input.statement.as_deref(), input.parameters.as_deref());
        v.length("nextToken", input.next_token.as_deref(), 1, 32768);
        v.one_of(
            "returnConsumedCapacity",
            input.return_consumed_capacity.as_deref(),
            RETURN_CONSUMED_CAPACITY,
        );
        v.at_least("limit", input.limit, 1);
        v.one_of(
            "returnValuesOnConditionCheckFailure",
            input.return_values_on_condition_check_failure.as_deref(),
            RETURN_VALUES_ON_CCF,
        );
        v.finish()?;
        let text = input.statement.as_deref().unwrap_or_default();
        let params = input.parameters.as_deref().unwrap_or_default();
        let parsed = crate::partiql::parse(text)?;
        if matches!(parsed.statement, Statement::Exists(_)) {
            return Err(ApiError::validation(
                "EXISTS can only be used in ExecuteTransaction write requests.",
            ));
        }
        let Prepared { entry, plan, .. } = self.bind_parsed(parsed, params)?;
        let cap = capacity_mode(input.return_consumed_capacity.as_deref());
        let consistent = input.consistent_read.unwrap_or(false);
        let table = entry.def.name.as_str();
        let out = match &plan {
            Plan::Select(select) => {
                if consistent
                    && select
                        .index
                        .as_ref()
                        .is_some_and(|i| entry.def.gsis.iter().any(|g| g.id == i.id))
                {
                    return Err(ApiError::validation(
                        "Consistent reads are not supported on global secondary indexes",
                    ));
                }
                let cursor = match input.next_token.as_deref() {
                    Some(t) => Some(Cursor::parse(t, &entry.def, select)?),
                    None => None,
                };
                let limit = input.limit.and_then(|l| usize::try_from(l).ok());
                let page = self.run_select(&entry, select, limit, cursor)?;
                let units = read_units(Some(page.read_bytes), consistent);
                let consumed_capacity = match &select.index {
                    Some(i) => {
                        let global = entry.def.gsis.iter().any(|g| g.id == i.id);
                        consumed(cap, table, 0.0, &[(global, i.name.clone(), units)])
                    }
                    None => consumed(cap, table, units, &[]),
                };
                Output {
                    items: page.items,
                    next_token: page.next.map(|c| c.token()),
                    consumed_capacity,
                }
            }
            Plan::Write(write) => {
                let on_fail =
                    input.return_values_on_condition_check_failure.as_deref() == Some("ALL_OLD");
                let outcome = self.run_write(&entry, write, on_fail).await?;
                let (old, new) = (outcome.old.as_ref(), outcome.new.as_ref());
                let units = write_units(old.map(item_size), new.map(item_size));
                let indexes = touched_indexes(&entry, old, new);
                Output {
                    items: returned(write, &outcome),
                    next_token: None,
                    consumed_capacity: consumed(cap, table, units, &indexes),
                }
            }
        };
        encode(&out)
    }
}
