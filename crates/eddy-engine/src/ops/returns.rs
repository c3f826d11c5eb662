//! ReturnValues, ReturnValuesOnConditionCheckFailure and ReturnItemCollectionMetrics.

use crate::catalog::TableEntry;
use crate::keys::PrimaryKey;
use eddy_expr::Projection;
use eddy_types::{ApiError, Item};
use serde_json::{Value, json};

/// The `ReturnValues` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnValues {
    /// Nothing.
    None,
    /// The whole old item.
    AllOld,
    /// The updated attributes, as they were.
    UpdatedOld,
    /// The whole new item.
    AllNew,
    /// The updated attributes, as they are now.
    UpdatedNew,
}

impl ReturnValues {
    /// Reads the parameter (the enum was checked by the constraint pass); `update`
    /// allows the UPDATED_*/ALL_NEW modes (UpdateItem only).
    pub fn parse(v: Option<&str>, update: bool) -> Result<Self, ApiError> {
        let rv = match v {
            Some("ALL_OLD") => Self::AllOld,
            Some("UPDATED_OLD") => Self::UpdatedOld,
            Some("ALL_NEW") => Self::AllNew,
            Some("UPDATED_NEW") => Self::UpdatedNew,
            _ => Self::None,
        };
        if !update && !matches!(rv, Self::None | Self::AllOld) {
            return Err(ApiError::validation(
                "ReturnValues can only be ALL_OLD or NONE",
            ));
        }
        Ok(rv)
    }

    /// The `Attributes` to return (absent when empty, as DynamoDB does).
    pub fn select(
        self,
        old: Option<Item>,
        new: Option<Item>,
        updated: Option<&Projection>,
    ) -> Option<Item> {
        let picked = match self {
            Self::None => None,
            Self::AllOld => old,
            Self::AllNew => new,
            Self::UpdatedOld => match (old, updated) {
                (Some(o), Some(p)) => Some(p.apply(&o)),
                _ => None,
            },
            Self::UpdatedNew => match (new, updated) {
                (Some(n), Some(p)) => Some(p.apply(&n)),
                _ => None,
            },
        };
        picked.filter(|i| !i.is_empty())
    }
}

/// Reads `ReturnValuesOnConditionCheckFailure`; true means ALL_OLD.
pub fn on_condition_failure(v: Option<&str>) -> bool {
    v == Some("ALL_OLD")
}

/// `ItemCollectionMetrics` for tables with local secondary indexes when SIZE is asked.
pub fn item_collection_metrics(
    entry: &TableEntry,
    mode: Option<&str>,
    key: &PrimaryKey,
) -> Option<Value> {
    if mode != Some("SIZE") || entry.def.lsis.is_empty() {
        return None;
    }
    let mut k = Item::new();
    k.insert(entry.def.key.hash.name.clone(), key.hash.clone());
    Some(json!({
        "ItemCollectionKey": k,
        "SizeEstimateRangeGB": [0.0, 1.0],
    }))
}
