//! GetFunction (`GET /2015-03-31/functions/{name}`) and GetFunctionConfiguration
//! (`GET .../{name}/configuration`).

use super::{Query, RestResponse};
use crate::Functions;
use crate::error::LambdaError;
use crate::model::{FunctionRecord, LATEST, Phase};
use serde_json::json;
use std::sync::Arc;

/// Looks up `name` (name or ARN, plus an optional `Qualifier` parameter).
pub(super) fn load(
    f: &Arc<Functions>,
    name: &str,
    q: &Query,
) -> Result<FunctionRecord, LambdaError> {
    let r = f.resolve(name)?;
    let qualifier = r.qualifier.as_deref().or(q.get("Qualifier"));
    let arn = f.arn(&r.name);
    if let Some(qual) = qualifier
        && qual != LATEST
    {
        return Err(LambdaError::function_not_found(&format!("{arn}:{qual}")));
    }
    f.store()
        .get(&r.name)?
        .ok_or_else(|| LambdaError::function_not_found(&arn))
}

pub(super) fn get_function(
    f: &Arc<Functions>,
    name: &str,
    q: &Query,
) -> Result<RestResponse, LambdaError> {
    let record = load(f, name, q)?;
    let cfg = record.configuration(&f.config.region, &f.config.account_id, Phase::Settled);
    let zip = f
        .store()
        .root()
        .join(&record.name)
        .join(format!("{}.zip", record.code_hex));
    let mut out = json!({
        "Configuration": cfg,
        "Code": {"RepositoryType": "S3", "Location": format!("file://{}", zip.display())},
    });
    if !record.tags.is_empty() {
        out["Tags"] = json!(record.tags);
    }
    if let Some(n) = record.reserved_concurrency {
        out["Concurrency"] = json!({"ReservedConcurrentExecutions": n});
    }
    Ok(RestResponse::json(200, &out))
}

pub(super) fn get_function_configuration(
    f: &Arc<Functions>,
    name: &str,
    q: &Query,
) -> Result<RestResponse, LambdaError> {
    let record = load(f, name, q)?;
    let cfg = record.configuration(&f.config.region, &f.config.account_id, Phase::Settled);
    Ok(RestResponse::json(200, &cfg))
}
