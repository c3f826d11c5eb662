//! UpdateFunctionCode: `PUT /2015-03-31/functions/{name}/code` → 200 + configuration
//! with `LastUpdateStatus: InProgress` (as AWS answers; Get then shows `Successful`).
//! Warm instances of the old code are killed; the old package is removed.

use super::create_function::package;
use super::{Query, RestResponse, decode};
use crate::Functions;
use crate::error::LambdaError;
use crate::model::{Phase, RuntimeKind, lambda_timestamp};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateFunctionCodeInput {
    zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    s3_bucket: Option<String>,
    image_uri: Option<String>,
    revision_id: Option<String>,
    #[serde(default)]
    dry_run: bool,
    architectures: Option<Vec<String>>,
}

pub(super) async fn update_function_code(
    f: &Arc<Functions>,
    name: &str,
    body: &[u8],
) -> Result<RestResponse, LambdaError> {
    let input: UpdateFunctionCodeInput = decode(body)?;
    let zip = package(
        input.zip_file.as_deref(),
        input.s3_bucket.is_some(),
        input.image_uri.is_some(),
    )?;
    let _guard = f.write_lock.lock().await;
    let mut record = super::get_function::load(f, name, &Query::default())?;
    check_revision(input.revision_id.as_deref(), &record.revision_id)?;
    let kind = RuntimeKind::parse(&record.runtime)?;
    crate::code::check(&zip, kind, &record.handler)?;
    if input.dry_run {
        let cfg = record.configuration(&f.config.region, &f.config.account_id, Phase::Settled);
        return Ok(RestResponse::json(200, &cfg));
    }
    let old_hex = record.code_hex.clone();
    let installed = f.store().install(&record.name, Arc::new(zip)).await?;
    record.code_sha256 = installed.sha256_b64;
    record.code_hex = installed.hex;
    record.code_size = installed.size;
    if let Some(a) = input.architectures {
        record.architectures = a;
    }
    record.last_modified = lambda_timestamp(time::OffsetDateTime::now_utc());
    record.revision_id = uuid::Uuid::new_v4().to_string();
    f.store().put(&record).await?;
    f.pools().reset(&record.name);
    if old_hex != record.code_hex {
        f.store().remove_code(&record.name, &old_hex).await;
    }
    tracing::info!(function = %record.name, sha256 = %record.code_sha256, "function code updated");
    let cfg = record.configuration(&f.config.region, &f.config.account_id, Phase::Updating);
    Ok(RestResponse::json(200, &cfg))
}

/// `RevisionId` guards (PreconditionFailedException when stale).
pub(super) fn check_revision(given: Option<&str>, current: &str) -> Result<(), LambdaError> {
    match given {
        Some(r) if r != current => Err(LambdaError::PreconditionFailed(
            "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id".into(),
        )),
        _ => Ok(()),
    }
}
