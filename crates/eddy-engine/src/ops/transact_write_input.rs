//! TransactWriteItems input: the request DTOs, Coral's constraint pass over them, and
//! each action's expressions and decision (the same condition-then-operation logic as
//! PutItem, UpdateItem and DeleteItem, built before any lock is taken).

use super::common::{ExprParams, Exprs};
use super::constraints::*;
use super::transact_common::MAX_ACTIONS;
use eddy_types::size::{MAX_ITEM_SIZE, item_size};
use eddy_types::{ApiError, AttributeValue, Item};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// The request.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Input {
    pub(super) transact_items: Option<Vec<WriteItem>>,
    pub(super) return_consumed_capacity: Option<String>,
    pub(super) return_item_collection_metrics: Option<String>,
    pub(super) client_request_token: Option<String>,
}

/// One entry of `TransactItems`: exactly one operation must be set.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct WriteItem {
    pub(super) condition_check: Option<Action>,
    pub(super) put: Option<Action>,
    pub(super) delete: Option<Action>,
    pub(super) update: Option<Action>,
}

/// The members of ConditionCheck, Put, Delete and Update (each uses its own subset).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Action {
    pub(super) table_name: Option<String>,
    pub(super) key: Option<Item>,
    pub(super) item: Option<Item>,
    pub(super) update_expression: Option<String>,
    pub(super) condition_expression: Option<String>,
    pub(super) expression_attribute_names: Option<HashMap<String, String>>,
    pub(super) expression_attribute_values: Option<HashMap<String, AttributeValue>>,
    pub(super) return_values_on_condition_check_failure: Option<String>,
}

/// The operation of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    ConditionCheck,
    Put,
    Delete,
    Update,
}

impl Kind {
    /// The member name in Coral's constraint messages.
    pub(super) fn member(self) -> &'static str {
        match self {
            Self::ConditionCheck => "conditionCheck",
            Self::Put => "put",
            Self::Delete => "delete",
            Self::Update => "update",
        }
    }
}

impl WriteItem {
    /// The operations this entry carries, in the service model's member order.
    pub(super) fn actions(&self) -> impl Iterator<Item = (Kind, &Action)> {
        [
            (Kind::ConditionCheck, &self.condition_check),
            (Kind::Put, &self.put),
            (Kind::Delete, &self.delete),
            (Kind::Update, &self.update),
        ]
        .into_iter()
        .filter_map(|(k, a)| a.as_ref().map(|a| (k, a)))
    }

    /// The one operation of this entry.
    pub(super) fn single(self) -> Result<(Kind, Action), ApiError> {
        let mut present: Vec<(Kind, Action)> = [
            (Kind::ConditionCheck, self.condition_check),
            (Kind::Put, self.put),
            (Kind::Delete, self.delete),
            (Kind::Update, self.update),
        ]
        .into_iter()
        .filter_map(|(k, a)| a.map(|a| (k, a)))
        .collect();
        match present.len() {
            0 => Err(ApiError::validation(
                "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request",
            )),
            1 => Ok(present.remove(0)),
            _ => Err(ApiError::validation(
                "TransactItems can only contain one of Check, Put, Update or Delete",
            )),
        }
    }
}

/// Coral's constraint pass over the whole request, every violation listed.
pub(super) fn check_shape(input: &Input, body: &[u8]) -> Result<(), ApiError> {
    let mut v = Violations::new();
    match &input.transact_items {
        None => v.not_null("transactItems", false),
        Some(items) => {
            if items.is_empty() || items.len() > MAX_ACTIONS {
                v.list_length(
                    "transactItems",
                    &echo_list(body),
                    items.len(),
                    1,
                    MAX_ACTIONS,
                );
            }
            for (i, entry) in items.iter().enumerate() {
                for (kind, a) in entry.actions() {
                    let m = |name: &str| {
                        format!("transactItems.{}.member.{}.{name}", i + 1, kind.member())
                    };
                    match kind {
                        Kind::Put => v.not_null(&m("item"), a.item.is_some()),
                        _ => v.not_null(&m("key"), a.key.is_some()),
                    }
                    if kind == Kind::Update {
                        v.not_null(&m("updateExpression"), a.update_expression.is_some());
                    }
                    v.table_name(&m("tableName"), a.table_name.as_deref(), true);
                    if kind == Kind::ConditionCheck {
                        v.not_null(&m("conditionExpression"), a.condition_expression.is_some());
                    }
                    let rv = a.return_values_on_condition_check_failure.as_deref();
                    v.one_of(
                        &m("returnValuesOnConditionCheckFailure"),
                        rv,
                        RETURN_VALUES_ON_CCF,
                    );
                }
            }
        }
    }
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
    v.length(
        "clientRequestToken",
        input.client_request_token.as_deref(),
        1,
        36,
    );
    v.finish()
}

/// `TransactItems` as sent: AWS echoes the list in its length-constraint message.
pub(super) fn echo_list(body: &[u8]) -> String {
    transact_items_json(body).to_string()
}

/// `TransactItems` of the raw request (for echoes and the idempotency fingerprint).
pub(super) fn transact_items_json(body: &[u8]) -> Value {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|mut v| v.get_mut("TransactItems").map(Value::take))
        .unwrap_or(Value::Array(Vec::new()))
}

/// Parses one action's expressions in DynamoDB's order.
pub(super) fn parse_exprs(kind: Kind, a: &Action) -> Result<Exprs, ApiError> {
    let update = kind == Kind::Update;
    ExprParams {
        condition: a.condition_expression.as_deref(),
        update: if update {
            a.update_expression.as_deref()
        } else {
            None
        },
        names: a.expression_attribute_names.as_ref(),
        values: a.expression_attribute_values.as_ref(),
        value_users: if update {
            "UpdateExpression and ConditionExpression are null"
        } else {
            "ConditionExpression is null"
        },
        ..Default::default()
    }
    .parse()
}

/// One action's decision: the new state of its item from the old one.
pub(super) type Decide = Box<dyn FnOnce(Option<&Item>) -> Result<Option<Item>, ApiError> + Send>;

/// The decision of one action (condition, then the operation), as in the single-item
/// operations; `key_item` is the item's key as attributes.
pub(super) fn decider(
    kind: Kind,
    exprs: Exprs,
    put: Option<Item>,
    key_item: Item,
    on_fail: bool,
    key_attr: Option<String>,
) -> Decide {
    let Exprs {
        condition, update, ..
    } = exprs;
    Box::new(move |old: Option<&Item>| {
        if let Some(k) = key_attr {
            return Err(ApiError::validation(format!(
                "One or more parameter values were invalid: Cannot update attribute {k}. This attribute is part of the key"
            )));
        }
        if let Some(c) = &condition
            && !c.eval(old.unwrap_or(&Item::new()))?
        {
            return Err(ApiError::condition_failed(
                on_fail.then(|| old.cloned()).flatten(),
            ));
        }
        match kind {
            Kind::ConditionCheck => Ok(old.cloned()),
            Kind::Put => Ok(put),
            Kind::Delete => Ok(None),
            Kind::Update => {
                let mut item = old.cloned().unwrap_or_else(|| key_item.clone());
                if let Some(u) = &update {
                    u.apply(&mut item)?;
                }
                if old.is_none() && item == key_item {
                    return Ok(None);
                }
                if item_size(&item) > MAX_ITEM_SIZE {
                    return Err(ApiError::validation(
                        "Item size to update has exceeded the maximum allowed size",
                    ));
                }
                Ok(Some(item))
            }
        }
    })
}
