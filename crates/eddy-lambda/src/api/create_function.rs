//! CreateFunction: `POST /2015-03-31/functions` → 201 + FunctionConfiguration.

use super::validate::{self, EnvironmentInput};
use super::{RestResponse, decode};
use crate::Functions;
use crate::error::LambdaError;
use crate::model::{FunctionRecord, Phase, RuntimeKind, lambda_timestamp};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Default `Timeout` (seconds).
pub const DEFAULT_TIMEOUT: u32 = 3;
/// Default `MemorySize` (MB).
pub const DEFAULT_MEMORY: u32 = 128;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateFunctionInput {
    function_name: Option<String>,
    runtime: Option<String>,
    role: Option<String>,
    handler: Option<String>,
    code: Option<FunctionCode>,
    #[serde(default)]
    description: Option<String>,
    timeout: Option<i64>,
    memory_size: Option<i64>,
    environment: Option<EnvironmentInput>,
    package_type: Option<String>,
    architectures: Option<Vec<String>>,
    #[serde(default)]
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct FunctionCode {
    pub(super) zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub(super) s3_bucket: Option<String>,
    pub(super) image_uri: Option<String>,
}

fn missing(member: &str) -> LambdaError {
    LambdaError::Validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    ))
}

/// The package bytes of a `Code` object (only `ZipFile` is supported).
pub(super) fn package(
    zip_file: Option<&str>,
    s3: bool,
    image: bool,
) -> Result<Vec<u8>, LambdaError> {
    if image {
        return Err(LambdaError::InvalidParameterValue(
            "eddy runs Zip packages only: container images (ImageUri) are not supported.".into(),
        ));
    }
    match zip_file {
        Some(z) => validate::zip_file(z),
        None if s3 => Err(LambdaError::InvalidParameterValue(
            "eddy has no S3: upload the package inline with Code.ZipFile (aws lambda create-function --zip-file fileb://function.zip).".into(),
        )),
        None => Err(LambdaError::InvalidParameterValue(
            "Please provide a source for function code.".into(),
        )),
    }
}

pub(super) async fn create_function(
    f: &Arc<Functions>,
    body: &[u8],
) -> Result<RestResponse, LambdaError> {
    let input: CreateFunctionInput = decode(body)?;
    let name = input.function_name.ok_or_else(|| missing("functionName"))?;
    validate::name(&name)?;
    let role = input.role.ok_or_else(|| missing("role"))?;
    validate::role(&role)?;
    let code = input.code.ok_or_else(|| missing("code"))?;
    if input.package_type.as_deref().is_some_and(|p| p != "Zip") {
        return Err(LambdaError::InvalidParameterValue(
            "eddy runs Zip packages only: PackageType Image is not supported.".into(),
        ));
    }
    let (Some(runtime), Some(handler)) = (input.runtime, input.handler) else {
        return Err(LambdaError::InvalidParameterValue(
            "Runtime and Handler are mandatory parameters for functions created with deployment packages.".into(),
        ));
    };
    validate::handler(&handler)?;
    let kind = RuntimeKind::parse(&runtime)?;
    let description = input.description.unwrap_or_default();
    validate::description(&description)?;
    let timeout = input
        .timeout
        .map_or(Ok(DEFAULT_TIMEOUT), validate::timeout)?;
    let memory_size = input
        .memory_size
        .map_or(Ok(DEFAULT_MEMORY), validate::memory)?;
    let environment = input.environment.and_then(|e| e.variables);
    if let Some(vars) = &environment {
        validate::environment(vars)?;
    }
    let architectures = input.architectures.unwrap_or_else(|| vec!["x86_64".into()]);
    if architectures.len() != 1 || !["x86_64", "arm64"].contains(&architectures[0].as_str()) {
        return Err(LambdaError::Validation(format!(
            "1 validation error detected: Value '{architectures:?}' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1 and satisfy enum value set: [x86_64, arm64]"
        )));
    }
    let zip = package(
        code.zip_file.as_deref(),
        code.s3_bucket.is_some(),
        code.image_uri.is_some(),
    )?;
    crate::code::check(&zip, kind, &handler)?;

    let _guard = f.write_lock.lock().await;
    if f.store().get(&name)?.is_some() {
        return Err(LambdaError::ResourceConflict(format!(
            "Function already exist: {name}"
        )));
    }
    let installed = f.store().install(&name, Arc::new(zip)).await?;
    let record = FunctionRecord {
        name,
        runtime,
        role,
        handler,
        description,
        timeout,
        memory_size,
        environment,
        code_sha256: installed.sha256_b64,
        code_hex: installed.hex,
        code_size: installed.size,
        last_modified: lambda_timestamp(time::OffsetDateTime::now_utc()),
        revision_id: uuid::Uuid::new_v4().to_string(),
        reserved_concurrency: None,
        architectures,
        tags: input.tags.unwrap_or_default(),
    };
    f.store().put(&record).await?;
    f.pools().reset(&record.name);
    tracing::info!(function = %record.name, runtime = %record.runtime, "function created");
    let cfg = record.configuration(&f.config.region, &f.config.account_id, Phase::Creating);
    Ok(RestResponse::json(201, &cfg))
}
