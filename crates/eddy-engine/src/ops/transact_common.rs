//! Pieces shared by TransactWriteItems and TransactGetItems: cancellation reasons, the
//! split between request-level key errors and per-action ones, and per-table capacity.
//!
//! DynamoDB reports a malformed key value two ways inside a transaction: an empty string
//! or binary (and an oversized key) is input validation and fails the whole request with
//! a ValidationException, while a key of the wrong type or shape is found while the
//! transaction runs and cancels it with a `ValidationError` reason for that action.

use super::common::{CapacityMode, consumed};
use crate::catalog::TableEntry;
use eddy_types::ApiError;
use eddy_types::error::CancellationReason;
use serde_json::Value;
use std::sync::Arc;

/// Most actions in one transaction.
pub const MAX_ACTIONS: usize = 100;

/// A reason code with its message (none for `None`).
pub fn reason(code: &str, message: Option<String>) -> CancellationReason {
    CancellationReason {
        code: code.to_string(),
        message,
        item: None,
    }
}

/// The reason of an action that would have succeeded.
pub fn no_reason() -> CancellationReason {
    reason("None", None)
}

/// The reason of an action on an item another transaction holds.
pub fn conflict_reason() -> CancellationReason {
    reason(
        "TransactionConflict",
        Some("Transaction is ongoing for the item".into()),
    )
}

/// Maps a failed action decision to its cancellation reason; errors that are not about
/// the request (storage, internal) are passed through as the request's error.
pub fn reason_for(e: ApiError) -> Result<CancellationReason, ApiError> {
    match e {
        ApiError::ConditionalCheckFailed { message, item } => Ok(CancellationReason {
            code: "ConditionalCheckFailed".into(),
            message: Some(message),
            item,
        }),
        ApiError::Validation(msg) => Ok(reason("ValidationError", Some(msg))),
        ApiError::TransactionConflict(msg) => Ok(reason("TransactionConflict", Some(msg))),
        other => Err(other),
    }
}

/// `TransactionCanceledException` with DynamoDB's summary message listing the codes.
pub fn cancelled(reasons: Vec<CancellationReason>) -> ApiError {
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    ApiError::TransactionCanceled {
        message: format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
        reasons,
    }
}

/// Sorts a key validation error: `Ok(reason)` when it cancels the transaction (wrong
/// type or shape), `Err` when it fails the request (empty or oversized values, missing
/// key attributes in a Put item).
pub fn key_error(e: ApiError) -> Result<CancellationReason, ApiError> {
    match e {
        ApiError::Validation(msg)
            if msg.contains("cannot contain an empty")
                || msg.starts_with("Hash primary key values must be under")
                || msg == "One of the required keys was not given a value" =>
        {
            Err(ApiError::Validation(msg))
        }
        ApiError::Validation(msg) => Ok(reason("ValidationError", Some(msg))),
        other => Err(other),
    }
}

/// Capacity consumed per table, in order of first appearance in the request.
#[derive(Default)]
pub struct TableCapacity {
    tables: Vec<(Arc<TableEntry>, f64, Vec<IndexUnits>)>,
}

/// Units charged on one index: (is_global, index name, units).
pub type IndexUnits = (bool, String, f64);

impl TableCapacity {
    /// Adds `units` on `entry`'s table and the per-index `indexes` units.
    pub fn add(&mut self, entry: &Arc<TableEntry>, units: f64, indexes: Vec<IndexUnits>) {
        let pos = match self
            .tables
            .iter()
            .position(|t| t.0.def.name == entry.def.name)
        {
            Some(p) => p,
            None => {
                self.tables.push((entry.clone(), 0.0, Vec::new()));
                self.tables.len() - 1
            }
        };
        let slot = &mut self.tables[pos];
        slot.1 += units;
        for (global, name, u) in indexes {
            match slot.2.iter_mut().find(|i| i.1 == name) {
                Some(i) => i.2 += u,
                None => slot.2.push((global, name, u)),
            }
        }
    }

    /// The `ConsumedCapacity` list, or `None` when not requested.
    pub fn render(&self, mode: CapacityMode) -> Option<Vec<Value>> {
        if mode == CapacityMode::None {
            return None;
        }
        let list = self
            .tables
            .iter()
            .filter_map(|(entry, units, indexes)| consumed(mode, &entry.def.name, *units, indexes))
            .collect();
        Some(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_codes_in_order() {
        let e = cancelled(vec![
            no_reason(),
            reason_for(ApiError::condition_failed(None)).unwrap(),
        ]);
        assert_eq!(
            e.to_string(),
            "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
        );
        let body = e.to_body();
        assert_eq!(
            body["CancellationReasons"][0],
            serde_json::json!({"Code": "None"})
        );
        assert_eq!(
            body["CancellationReasons"][1]["Message"],
            "The conditional request failed"
        );
    }

    #[test]
    fn key_errors_split_like_dynamodb() {
        let empty = ApiError::validation(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
        );
        assert!(key_error(empty).is_err());
        let mismatch = ApiError::validation("The provided key element does not match the schema");
        assert_eq!(key_error(mismatch).unwrap().code, "ValidationError");
        assert!(reason_for(ApiError::InternalServerError("x".into())).is_err());
    }
}
