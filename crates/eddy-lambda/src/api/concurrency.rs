//! PutFunctionConcurrency (`PUT /2017-10-31/functions/{name}/concurrency`),
//! GetFunctionConcurrency (`GET /2019-09-30/...`) and DeleteFunctionConcurrency
//! (`DELETE /2017-10-31/...`, 204). With reserved concurrency N, at most N invocations
//! run at once and further ones are throttled (TooManyRequestsException, 429); without
//! it invocations queue for the default per-function limit.

use super::{Query, RestResponse, decode};
use crate::Functions;
use crate::error::LambdaError;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Largest reservation eddy accepts (AWS's default account limit).
pub const MAX_RESERVED: i64 = 1000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutFunctionConcurrencyInput {
    reserved_concurrent_executions: Option<i64>,
}

pub(super) async fn put_function_concurrency(
    f: &Arc<Functions>,
    name: &str,
    body: &[u8],
) -> Result<RestResponse, LambdaError> {
    let input: PutFunctionConcurrencyInput = decode(body)?;
    let n = input.reserved_concurrent_executions.ok_or_else(|| {
        LambdaError::Validation("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null".into())
    })?;
    if !(0..=MAX_RESERVED).contains(&n) {
        return Err(LambdaError::InvalidParameterValue(format!(
            "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0]. (requested {n}, allowed 0..={MAX_RESERVED})"
        )));
    }
    let n = u32::try_from(n).unwrap_or(0);
    let _guard = f.write_lock.lock().await;
    let mut record = super::get_function::load(f, name, &Query::default())?;
    record.reserved_concurrency = Some(n);
    record.revision_id = uuid::Uuid::new_v4().to_string();
    f.store().put(&record).await?;
    f.pools().reset(&record.name);
    Ok(RestResponse::json(
        200,
        &json!({"ReservedConcurrentExecutions": n}),
    ))
}

pub(super) fn get_function_concurrency(
    f: &Arc<Functions>,
    name: &str,
) -> Result<RestResponse, LambdaError> {
    let record = super::get_function::load(f, name, &Query::default())?;
    let body = match record.reserved_concurrency {
        Some(n) => json!({"ReservedConcurrentExecutions": n}),
        None => json!({}),
    };
    Ok(RestResponse::json(200, &body))
}

pub(super) async fn delete_function_concurrency(
    f: &Arc<Functions>,
    name: &str,
) -> Result<RestResponse, LambdaError> {
    let _guard = f.write_lock.lock().await;
    let mut record = super::get_function::load(f, name, &Query::default())?;
    record.reserved_concurrency = None;
    record.revision_id = uuid::Uuid::new_v4().to_string();
    f.store().put(&record).await?;
    f.pools().reset(&record.name);
    Ok(RestResponse::empty(204))
}
