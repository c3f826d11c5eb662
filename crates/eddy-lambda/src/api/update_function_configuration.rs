//! UpdateFunctionConfiguration: `PUT /2015-03-31/functions/{name}/configuration` → 200
//! with the configuration (`LastUpdateStatus: InProgress`). Only given fields change; a new
//! `Environment` replaces the old one. Warm instances are killed so the next invocation
//! starts with the new settings.

use super::update_function_code::check_revision;
use super::validate::{self, EnvironmentInput};
use super::{Query, RestResponse, decode};
use crate::Functions;
use crate::error::LambdaError;
use crate::model::{Phase, RuntimeKind, lambda_timestamp};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateFunctionConfigurationInput {
    role: Option<String>,
    handler: Option<String>,
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    environment: Option<EnvironmentInput>,
    runtime: Option<String>,
    revision_id: Option<String>,
}

pub(super) async fn update_function_configuration(
    f: &Arc<Functions>,
    name: &str,
    body: &[u8],
) -> Result<RestResponse, LambdaError> {
    let input: UpdateFunctionConfigurationInput = decode(body)?;
    if let Some(r) = &input.role {
        validate::role(r)?;
    }
    if let Some(h) = &input.handler {
        validate::handler(h)?;
    }
    if let Some(d) = &input.description {
        validate::description(d)?;
    }
    let timeout = input.timeout.map(validate::timeout).transpose()?;
    let memory = input.memory_size.map(validate::memory).transpose()?;
    let kind = input
        .runtime
        .as_deref()
        .map(RuntimeKind::parse)
        .transpose()?;
    if let Some(vars) = input
        .environment
        .as_ref()
        .and_then(|e| e.variables.as_ref())
    {
        validate::environment(vars)?;
    }

    let _guard = f.write_lock.lock().await;
    let mut record = super::get_function::load(f, name, &Query::default())?;
    check_revision(input.revision_id.as_deref(), &record.revision_id)?;
    if input.handler.is_some() || kind.is_some() {
        // The package must still hold the (new) handler for the (new) runtime.
        let handler = input
            .handler
            .clone()
            .unwrap_or_else(|| record.handler.clone());
        let kind = match kind {
            Some(k) => k,
            None => RuntimeKind::parse(&record.runtime)?,
        };
        let zip_path = f
            .store()
            .root()
            .join(&record.name)
            .join(format!("{}.zip", record.code_hex));
        let zip = tokio::fs::read(&zip_path)
            .await
            .map_err(|e| LambdaError::Service(format!("cannot read the function code: {e}")))?;
        crate::code::check(&zip, kind, &handler)?;
    }
    if let Some(r) = input.role {
        record.role = r;
    }
    if let Some(h) = input.handler {
        record.handler = h;
    }
    if let Some(d) = input.description {
        record.description = d;
    }
    if let Some(t) = timeout {
        record.timeout = t;
    }
    if let Some(m) = memory {
        record.memory_size = m;
    }
    if let Some(r) = input.runtime {
        record.runtime = r;
    }
    if let Some(env) = input.environment {
        record.environment = Some(env.variables.unwrap_or_default());
    }
    record.last_modified = lambda_timestamp(time::OffsetDateTime::now_utc());
    record.revision_id = uuid::Uuid::new_v4().to_string();
    f.store().put(&record).await?;
    f.pools().reset(&record.name);
    tracing::info!(function = %record.name, "function configuration updated");
    let cfg = record.configuration(&f.config.region, &f.config.account_id, Phase::Updating);
    Ok(RestResponse::json(200, &cfg))
}
