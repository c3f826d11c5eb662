//! ListFunctions: `GET /2015-03-31/functions/?Marker=&MaxItems=` → name order, at most
//! 50 per page (AWS's page size), `NextMarker` when more remain.

use super::{Query, RestResponse};
use crate::Functions;
use crate::error::LambdaError;
use crate::model::Phase;
use serde_json::{Value, json};
use std::sync::Arc;

/// Largest page.
pub const PAGE: usize = 50;

pub(super) fn list_functions(f: &Arc<Functions>, q: &Query) -> Result<RestResponse, LambdaError> {
    let max = match q.get("MaxItems") {
        None => PAGE,
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=10_000).contains(&n) => usize::try_from(n).unwrap_or(PAGE).min(PAGE),
            _ => {
                return Err(LambdaError::Validation(format!(
                    "1 validation error detected: Value '{s}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000"
                )));
            }
        },
    };
    let marker = q.get("Marker").filter(|m| !m.is_empty());
    // One extra row tells whether another page exists.
    let mut records = f.store().list(marker, max + 1)?;
    let more = records.len() > max;
    records.truncate(max);
    let functions: Vec<Value> = records
        .iter()
        .map(|r| r.configuration(&f.config.region, &f.config.account_id, Phase::Settled))
        .collect();
    let mut out = json!({ "Functions": functions });
    if more && let Some(last) = records.last() {
        out["NextMarker"] = json!(last.name);
    }
    Ok(RestResponse::json(200, &out))
}
