//! Lambda-compatible functions for eddy: the function store, the Lambda REST API for
//! functions, and function runtimes as local processes speaking the Lambda Runtime API.
//!
//! Why a crate of its own: functions are a second service next to DynamoDB with their
//! own wire format (REST-JSON, `x-amzn-ErrorType`), their own state (records in the
//! `functions` keyspace, code on disk) and their own workers (processes). `eddy-server`
//! routes `/2015-03-31/functions...` here; the event-source-mapping crate calls
//! [`Functions::invoke`]. Nothing here depends on the engine or the server.
//!
//! # Rust API for event source mappings
//!
//! ```no_run
//! # async fn demo(functions: std::sync::Arc<eddy_lambda::Functions>) -> Result<(), eddy_lambda::LambdaError> {
//! // Validate/resolve what a user passed as FunctionName (name, ARN, partial ARN,
//! // optionally `:$LATEST`): None when no such function exists.
//! let arn = functions.function_arn("my-fn").expect("exists");
//! // Synchronous (RequestResponse) invocation, waiting for a concurrency slot if needed.
//! let out = functions.invoke(&arn, br#"{"Records":[]}"#.to_vec()).await?;
//! if let Some(kind) = &out.function_error {
//!     // "Unhandled": the handler raised, timed out (Sandbox.Timedout) or crashed
//!     // (Runtime.ExitError); `out.payload` is the error JSON.
//!     eprintln!("function failed ({kind}): {}", String::from_utf8_lossy(&out.payload));
//! } else {
//!     // The handler's JSON result (e.g. a `batchItemFailures` response).
//!     let _result: serde_json::Value = serde_json::from_slice(&out.payload).unwrap_or_default();
//! }
//! # Ok(()) }
//! ```
//!
//! [`Functions::invoke`] returns `Err` only when no invocation happened:
//! `ResourceNotFound` (function deleted), `TooManyRequests` (reserved concurrency of 0
//! or used up; without PutFunctionConcurrency invocations queue for one of
//! [`FunctionsConfig::max_concurrency`] slots instead), or `Service` (storage/disk
//! failure). Every function failure is `Ok` with `function_error` set, exactly what a
//! RequestResponse Invoke would show.
//!
//! # Process model
//!
//! See `docs/adr/0006-lambda-functions.md`: per function a pool of warm instances, each
//! a process (python3 / node running eddy's runtime client, or the zip's `bootstrap`)
//! in its own process group with its own Runtime API server on `127.0.0.1:<port>`.

mod api;
pub mod code;
pub mod error;
pub mod model;
pub mod runtime;
pub mod store;

pub use api::{RestResponse, handle_rest, is_function_path};
pub use error::LambdaError;
pub use runtime::logs::FunctionLog;

use bytes::Bytes;
use model::{FunctionRef, LATEST, function_arn};
use runtime::{Call, Pools, RunRefusal, RuntimeSettings};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::FunctionStore;

/// Settings of the function service.
#[derive(Debug, Clone)]
pub struct FunctionsConfig {
    /// Region in ARNs and in the functions' `AWS_REGION`.
    pub region: String,
    /// Account id in ARNs.
    pub account_id: String,
    /// Where code lives (`<data-dir>/functions` in durable mode). `None`: a temporary
    /// directory removed when the service is dropped (`--in-memory`).
    pub code_dir: Option<PathBuf>,
    /// eddy's own URL, given to functions as `AWS_ENDPOINT_URL`.
    pub endpoint_url: String,
    /// Concurrent invocations per function without reserved concurrency; more wait.
    pub max_concurrency: u32,
    /// Python interpreter for `python3.x` functions.
    pub python: String,
    /// Node.js binary for `nodejs*.x` functions.
    pub node: String,
    /// Delays before the two retries of a failed asynchronous (`Event`) invocation
    /// (AWS waits about 1 and 2 minutes; eddy defaults to 1 and 2 seconds).
    pub async_retry_delays: Vec<Duration>,
}

impl Default for FunctionsConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            code_dir: None,
            endpoint_url: "http://127.0.0.1:8000".into(),
            max_concurrency: 10,
            python: "python3".into(),
            node: "node".into(),
            async_retry_delays: vec![Duration::from_secs(1), Duration::from_secs(2)],
        }
    }
}

/// The result of an invocation that ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeOutcome {
    /// The response body: the handler's JSON result, or the error JSON.
    pub payload: Vec<u8>,
    /// `Some("Unhandled")` when the function failed (the `X-Amz-Function-Error` header).
    pub function_error: Option<String>,
    /// Always `$LATEST` (the `X-Amz-Executed-Version` header).
    pub executed_version: String,
    /// This invocation's log lines (START ... REPORT), for `LogType: Tail`.
    pub log: String,
}

/// The function service: store, API and process pools. Create with [`Functions::open`].
pub struct Functions {
    config: FunctionsConfig,
    store: FunctionStore,
    pools: Pools,
    /// Serialises Create/Update/Delete so concurrent writers cannot interleave a
    /// read-modify-write of one record.
    write_lock: tokio::sync::Mutex<()>,
    _temp: Option<tempfile::TempDir>,
}

impl Functions {
    /// Opens the service over `storage`, writing the runtime clients into the code root.
    pub fn open(
        storage: Arc<dyn eddy_storage::Storage>,
        config: FunctionsConfig,
    ) -> std::io::Result<Arc<Self>> {
        let (root, temp) = match &config.code_dir {
            Some(dir) => (dir.clone(), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("eddy-functions-")
                    .tempdir()?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let store = FunctionStore::new(storage, root.clone())?;
        let runtime_dir = runtime::install_runtime_files(&root.join(".runtime"))?;
        let pools = Pools::new(RuntimeSettings {
            runtime_dir,
            region: config.region.clone(),
            endpoint_url: config.endpoint_url.clone(),
            python: config.python.clone(),
            node: config.node.clone(),
            max_concurrency: config.max_concurrency.max(1),
        });
        Ok(Arc::new(Self {
            config,
            store,
            pools,
            write_lock: tokio::sync::Mutex::new(()),
            _temp: temp,
        }))
    }

    /// The settings.
    pub fn config(&self) -> &FunctionsConfig {
        &self.config
    }

    /// Resolves a function name, full ARN or partial ARN (optionally `:$LATEST`) to the
    /// function's ARN; `None` if it names no existing function (or another region or
    /// account, or a qualifier other than `$LATEST`). A `$LATEST` qualifier is kept.
    pub fn function_arn(&self, name_or_arn: &str) -> Option<String> {
        let r = self.resolve(name_or_arn).ok()?;
        if r.qualifier.as_deref().is_some_and(|q| q != LATEST) {
            return None;
        }
        self.store.get(&r.name).ok()??;
        let arn = function_arn(&self.config.region, &self.config.account_id, &r.name);
        Some(match r.qualifier {
            Some(q) => format!("{arn}:{q}"),
            None => arn,
        })
    }

    /// Invokes a function synchronously (RequestResponse) with a JSON payload. See the
    /// crate docs for what is `Err` and what is a function error.
    pub async fn invoke(
        &self,
        function: &str,
        payload: Vec<u8>,
    ) -> Result<InvokeOutcome, LambdaError> {
        self.invoke_inner(function, None, Bytes::from(payload), None)
            .await
    }

    /// The log of function `name`: recent lines and a live feed.
    pub fn logs(&self, name: &str) -> Arc<FunctionLog> {
        self.pools.log(name)
    }

    /// Kills every function process and stops asynchronous retries. Call on shutdown.
    pub fn shutdown(&self) {
        self.pools.shutdown();
    }

    pub(crate) fn store(&self) -> &FunctionStore {
        &self.store
    }

    pub(crate) fn pools(&self) -> &Pools {
        &self.pools
    }

    pub(crate) fn arn(&self, name: &str) -> String {
        function_arn(&self.config.region, &self.config.account_id, name)
    }

    /// Parses a reference and checks its region and account against ours.
    pub(crate) fn resolve(&self, s: &str) -> Result<FunctionRef, LambdaError> {
        let r = FunctionRef::parse(s).ok_or_else(|| {
            LambdaError::Validation(format!(
                "1 validation error detected: Value '{s}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
            ))
        })?;
        let foreign = r.region.as_deref().is_some_and(|x| x != self.config.region)
            || r.account
                .as_deref()
                .is_some_and(|x| x != self.config.account_id);
        if foreign {
            let arn = format!(
                "arn:aws:lambda:{}:{}:function:{}",
                r.region.as_deref().unwrap_or(&self.config.region),
                r.account.as_deref().unwrap_or(&self.config.account_id),
                r.name
            );
            return Err(LambdaError::function_not_found(&arn));
        }
        Ok(r)
    }

    /// The invoke path shared by the API and [`Functions::invoke`].
    pub(crate) async fn invoke_inner(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
        client_context: Option<String>,
    ) -> Result<InvokeOutcome, LambdaError> {
        let r = self.resolve(function)?;
        let qualifier = match (r.qualifier.as_deref(), qualifier) {
            (Some(a), Some(b)) if a != b => {
                return Err(LambdaError::InvalidParameterValue(
                    "The derived qualifier from the function name does not match the specified qualifier.".into(),
                ));
            }
            (a, b) => a.or(b).map(str::to_string),
        };
        let arn = self.arn(&r.name);
        let invoked_arn = match &qualifier {
            Some(q) => format!("{arn}:{q}"),
            None => arn.clone(),
        };
        if qualifier.as_deref().is_some_and(|q| q != LATEST) {
            return Err(LambdaError::function_not_found(&invoked_arn));
        }
        let record = self
            .store
            .get(&r.name)?
            .ok_or_else(|| LambdaError::function_not_found(&invoked_arn))?;
        let code_dir = self.store.code_dir(&record).await?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let payload = if payload.iter().all(u8::is_ascii_whitespace) {
            Bytes::from_static(b"{}")
        } else {
            payload
        };
        let call = Call {
            request_id,
            payload,
            invoked_arn,
            client_context,
        };
        let run = self
            .pools
            .run(&record, &code_dir, call)
            .await
            .map_err(|RunRefusal::Throttled| LambdaError::throttled())?;
        Ok(InvokeOutcome {
            payload: run.payload.to_vec(),
            function_error: run.function_error,
            executed_version: LATEST.into(),
            log: run.log,
        })
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        self.pools.shutdown();
    }
}
