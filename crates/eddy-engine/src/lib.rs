//! DynamoDB semantics over the storage trait.
//!
//! [`Engine`] owns the table catalog and implements every DynamoDB operation, one module
//! per operation under `ops/`. The HTTP layer hands it an operation name and the raw JSON
//! body through [`Engine::dynamodb`]; the engine decodes the input DTO, validates it in
//! DynamoDB's order, runs the operation (for writes: read old item, check condition,
//! apply, commit in one storage batch) and returns the encoded JSON response.

use eddy_storage::Storage;
use eddy_types::ApiError;
use std::sync::Arc;

/// Static settings of one eddy node that show up in responses (ARNs, endpoints).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// AWS region name used in ARNs (`us-east-1` by default).
    pub region: String,
    /// 12-digit account id used in ARNs (`000000000000` by default).
    pub account_id: String,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
        }
    }
}

/// Who sent a request and how to name it in logs; built by the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The authenticated principal (only with `--credentials`), for stream identity.
    pub principal: Option<String>,
    /// The `x-amzn-RequestId` of this request.
    pub request_id: String,
}

/// The DynamoDB engine. Cheap to share behind an `Arc`.
pub struct Engine {
    #[allow(dead_code)]
    storage: Arc<dyn Storage>,
    #[allow(dead_code)]
    config: EngineConfig,
}

impl Engine {
    /// Opens the engine over `storage`, loading the catalog.
    pub async fn open(storage: Arc<dyn Storage>, config: EngineConfig) -> Result<Arc<Self>, ApiError> {
        Ok(Arc::new(Self { storage, config }))
    }

    /// Runs the DynamoDB operation `op` (the part of `X-Amz-Target` after the dot) on a
    /// JSON body and returns the JSON response body.
    pub async fn dynamodb(&self, op: &str, body: &[u8], ctx: &RequestContext) -> Result<Vec<u8>, ApiError> {
        let _ = (body, ctx);
        Err(ApiError::UnknownOperation(format!("Operation {op} is not implemented yet")))
    }

    /// The storage backend, for graceful shutdown.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }
}
