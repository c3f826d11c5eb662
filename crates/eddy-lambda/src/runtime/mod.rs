//! Function instances as local processes: warm pools, bounded concurrency, timeouts.
//!
//! Each function has a [`Pool`] built for one revision of its record: a semaphore
//! bounding concurrent invocations, and a stack of idle warm instances (most recently
//! used first, so a steady trickle keeps reusing the same process). An invocation takes a
//! permit, pops a live idle instance or starts a new one (a cold start), hands the event
//! to the instance's Runtime API and waits for the first of: the answer, the process
//! exiting, an init error, the function's timeout, or eddy shutting down. Only an
//! instance that answered goes back to the pool; any other outcome kills its process
//! group. A changed record (new code or configuration) gets a fresh pool; instances of
//! the old one finish their invocation and are then discarded.

pub(crate) mod api_server;
pub mod logs;
pub(crate) mod process;

use crate::model::{FunctionRecord, RuntimeKind};
use api_server::{Invocation, Reply};
use bytes::Bytes;
use logs::{FunctionLog, OutputSink};
use parking_lot::Mutex;
use process::{Instance, Launch};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};

/// File name of the Python runtime client in the runtime directory.
pub(crate) const PYTHON_RIC_FILE: &str = "eddy_python_ric.py";
/// File name of the Node.js runtime client in the runtime directory.
pub(crate) const NODE_RIC_FILE: &str = "eddy_node_ric.js";

/// Settings the pools need.
pub(crate) struct RuntimeSettings {
    pub(crate) runtime_dir: PathBuf,
    pub(crate) region: String,
    pub(crate) endpoint_url: String,
    pub(crate) python: String,
    pub(crate) node: String,
    pub(crate) max_concurrency: u32,
}

/// The result of running one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunResult {
    pub(crate) payload: Bytes,
    pub(crate) function_error: Option<String>,
    pub(crate) log: String,
}

/// Why no instance ran the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunRefusal {
    /// Reserved concurrency is used up.
    Throttled,
}

/// One invocation request.
pub(crate) struct Call {
    pub(crate) request_id: String,
    pub(crate) payload: Bytes,
    pub(crate) invoked_arn: String,
    pub(crate) client_context: Option<String>,
}

struct Pool {
    revision: String,
    permits: Arc<Semaphore>,
    /// With reserved concurrency, excess invocations are throttled instead of queued.
    throttle: bool,
    idle: Mutex<Vec<Instance>>,
}

/// All pools plus per-function logs.
pub(crate) struct Pools {
    settings: RuntimeSettings,
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    logs: Mutex<HashMap<String, Arc<FunctionLog>>>,
    shutdown: watch::Sender<bool>,
}

impl Pools {
    pub(crate) fn new(settings: RuntimeSettings) -> Self {
        Self {
            settings,
            pools: Mutex::default(),
            logs: Mutex::default(),
            shutdown: watch::channel(false).0,
        }
    }

    /// The log of function `name` (created on first use).
    pub(crate) fn log(&self, name: &str) -> Arc<FunctionLog> {
        self.logs
            .lock()
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    /// A receiver that turns true when eddy shuts down.
    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Kills every idle instance of `name` and forgets its pool (after an update or a
    /// delete); in-flight instances are discarded when they finish.
    pub(crate) fn reset(&self, name: &str) {
        let pool = self.pools.lock().remove(name);
        if let Some(pool) = pool {
            pool.idle.lock().clear();
        }
    }

    /// Stops everything: idle processes are killed, in-flight invocations are cut short.
    pub(crate) fn shutdown(&self) {
        self.shutdown.send_replace(true);
        let pools: Vec<_> = self.pools.lock().drain().map(|(_, p)| p).collect();
        for p in pools {
            p.idle.lock().clear();
        }
    }

    fn pool(&self, record: &FunctionRecord) -> Arc<Pool> {
        let mut pools = self.pools.lock();
        if let Some(p) = pools.get(&record.name)
            && p.revision == record.revision_id
        {
            return p.clone();
        }
        let (limit, throttle) = match record.reserved_concurrency {
            Some(n) => (n, true),
            None => (self.settings.max_concurrency, false),
        };
        let pool = Arc::new(Pool {
            revision: record.revision_id.clone(),
            permits: Arc::new(Semaphore::new(limit as usize)),
            throttle,
            idle: Mutex::default(),
        });
        pools.insert(record.name.clone(), pool.clone());
        pool
    }

    fn is_current(&self, name: &str, pool: &Arc<Pool>) -> bool {
        self.pools
            .lock()
            .get(name)
            .is_some_and(|p| Arc::ptr_eq(p, pool))
    }

    /// Runs one invocation of `record` (code in `code_dir`).
    pub(crate) async fn run(
        &self,
        record: &FunctionRecord,
        code_dir: &Path,
        call: Call,
    ) -> Result<RunResult, RunRefusal> {
        let Call {
            request_id,
            payload,
            invoked_arn,
            client_context,
        } = call;
        let kind = RuntimeKind::parse(&record.runtime).unwrap_or(RuntimeKind::Provided);
        let pool = self.pool(record);
        let permit = if pool.throttle {
            pool.permits
                .clone()
                .try_acquire_owned()
                .map_err(|_| RunRefusal::Throttled)?
        } else {
            match pool.permits.clone().acquire_owned().await {
                Ok(p) => p,
                Err(_) => return Err(RunRefusal::Throttled),
            }
        };
        let popped = loop {
            let candidate = pool.idle.lock().pop();
            match candidate {
                Some(mut inst) => {
                    if inst.alive() {
                        break Some(inst);
                    }
                }
                None => break None,
            }
        };
        let started = Instant::now();
        let mut instance = match popped {
            Some(i) => i,
            None => {
                let sink = Arc::new(OutputSink {
                    function: record.name.clone(),
                    log: self.log(&record.name),
                    capture: Mutex::new(None),
                });
                let launch = Launch {
                    record,
                    kind,
                    code_dir,
                    runtime_dir: &self.settings.runtime_dir,
                    region: &self.settings.region,
                    endpoint_url: &self.settings.endpoint_url,
                    python: &self.settings.python,
                    node: &self.settings.node,
                };
                match Instance::start(&launch, sink.clone()).await {
                    Ok(i) => i,
                    Err(e) => {
                        drop(permit);
                        tracing::warn!(function = %record.name, error = %e, "cannot start the function runtime");
                        let body = serde_json::json!({
                            "errorType": "Runtime.InvalidEntrypoint",
                            "errorMessage": format!("RequestId: {request_id} Error: fork/exec: {e}"),
                        });
                        return Ok(RunResult {
                            payload: Bytes::from(body.to_string()),
                            function_error: Some("Unhandled".into()),
                            log: String::new(),
                        });
                    }
                }
            }
        };
        let cold = std::mem::replace(&mut instance.cold, false);
        instance.sink.begin(format!(
            "START RequestId: {request_id} Version: {}",
            crate::model::LATEST
        ));
        let timeout = Duration::from_secs(u64::from(record.timeout));
        let deadline_ms = u64::try_from(
            (time::OffsetDateTime::now_utc() + timeout).unix_timestamp_nanos() / 1_000_000,
        )
        .unwrap_or(u64::MAX);
        let inv = Invocation {
            request_id: request_id.clone(),
            payload,
            deadline_ms,
            invoked_arn,
            trace_id: trace_id(),
            client_context,
        };
        let (outcome, keep) = self.exchange(&mut instance, inv, timeout).await;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        // Output the handler wrote before answering may still sit in the pipes; it
        // belongs before END/REPORT (and in the `LogType: Tail` excerpt).
        instance.drain_output().await;
        instance.sink.line(format!("END RequestId: {request_id}"));
        let init = if cold { "\tInit Duration: 0.00 ms" } else { "" };
        instance.sink.line(format!(
            "REPORT RequestId: {request_id}\tDuration: {elapsed:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: 0 MB{init}",
            elapsed.ceil(),
            record.memory_size
        ));
        let log = instance.sink.end();
        if keep && !*self.shutdown.borrow() && self.is_current(&record.name, &pool) {
            pool.idle.lock().push(instance);
        }
        drop(permit);
        Ok(RunResult {
            payload: outcome.0,
            function_error: outcome.1,
            log,
        })
    }

    /// Hands `inv` to `instance` and waits for the outcome. Returns the payload, the
    /// function error type, and whether the instance may be reused.
    async fn exchange(
        &self,
        instance: &mut Instance,
        inv: Invocation,
        timeout: Duration,
    ) -> ((Bytes, Option<String>), bool) {
        let id = inv.request_id.clone();
        let api = instance.api.clone();
        let mut shutdown = self.shutdown.subscribe();
        let reply = api.submit(inv);
        let unhandled = |body: Bytes| ((body, Some("Unhandled".to_string())), false);
        let err_body = |t: &str, m: String| {
            Bytes::from(serde_json::json!({"errorType": t, "errorMessage": m}).to_string())
        };
        let sleep = tokio::time::sleep(timeout);
        tokio::pin!(sleep);
        let mut reply = std::pin::pin!(reply);
        // `submit` only waits for the (bounded, empty) queue, so this is immediate.
        let rx = tokio::select! {
            rx = &mut reply => rx,
            () = &mut sleep => {
                instance.kill();
                return unhandled(err_body("Sandbox.Timedout", timed_out(&id, timeout)));
            }
        };
        let result = tokio::select! {
            r = rx => match r {
                Ok(Reply::Success(body)) => ((body, None), true),
                Ok(Reply::Error(body)) => ((body, Some("Unhandled".into())), true),
                Ok(Reply::TooLarge(n)) => ((err_body(
                    "Function.ResponseSizeTooLarge",
                    format!("Response payload size ({n} bytes) exceeded maximum allowed payload size (6291556 bytes)."),
                ), Some("Unhandled".into())), true),
                Err(_) => unhandled(err_body("Runtime.ExitError", format!("RequestId: {id} Error: Runtime exited without providing a reason"))),
            },
            status = instance.child.wait() => {
                match api.take_init_error() {
                    Some(body) => unhandled(body),
                    None => unhandled(err_body("Runtime.ExitError", format!("RequestId: {id} Error: {}", exit_reason(status.ok())))),
                }
            }
            () = api.init_failed.notified() => {
                let body = api.take_init_error().unwrap_or_default();
                instance.kill();
                unhandled(body)
            }
            () = &mut sleep => {
                instance.kill();
                unhandled(err_body("Sandbox.Timedout", timed_out(&id, timeout)))
            }
            _ = shutdown.wait_for(|s| *s) => {
                instance.kill();
                unhandled(err_body("Runtime.ExitError", format!("RequestId: {id} Error: Runtime exited with error: eddy is shutting down")))
            }
        };
        if !result.1 {
            api.abandon(&id);
        }
        result
    }
}

fn timed_out(id: &str, timeout: Duration) -> String {
    format!(
        "RequestId: {id} Error: Task timed out after {:.2} seconds",
        timeout.as_secs_f64()
    )
}

fn exit_reason(status: Option<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) if s.code() == Some(0) => "Runtime exited without providing a reason".into(),
        Some(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("Runtime exited with error: exit status {c}"),
            (None, Some(sig)) => {
                let name = match sig {
                    9 => "killed".to_string(),
                    11 => "segmentation fault".to_string(),
                    6 => "aborted".to_string(),
                    15 => "terminated".to_string(),
                    n => format!("signal {n}"),
                };
                format!("Runtime exited with error: signal: {name}")
            }
            _ => "Runtime exited without providing a reason".into(),
        },
        None => "Runtime exited without providing a reason".into(),
    }
}

/// `Root=1-<8 hex epoch>-<24 hex>;Parent=<16 hex>;Sampled=0`.
fn trace_id() -> String {
    let secs = time::OffsetDateTime::now_utc().unix_timestamp();
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{secs:08x}-{};Parent={};Sampled=0",
        &a[..24],
        &b[..16]
    )
}

/// Writes the runtime clients into `dir` and returns it.
pub(crate) fn install_runtime_files(dir: &Path) -> std::io::Result<PathBuf> {
    process::write_runtime_files(dir)
}
