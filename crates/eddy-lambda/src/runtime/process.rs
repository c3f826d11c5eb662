//! One function instance: a runtime process plus the Runtime API server it talks to.
//!
//! The process runs in its own process group (`process_group(0)`), so killing the group
//! on a timeout or on drop also kills whatever the handler started. Its environment is
//! built from scratch (only `PATH` is inherited) the way Lambda builds it (spec §2.13),
//! with `AWS_ENDPOINT_URL` pointing back at eddy so SDK calls inside handlers reach it.

use super::api_server::{self, RuntimeApi};
use super::logs::OutputSink;
use crate::model::{FunctionRecord, LATEST, RuntimeKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// Names a function's environment may not set (AWS rejects them).
pub const RESERVED_ENV: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// What an instance needs to know about its surroundings.
pub(crate) struct Launch<'a> {
    pub(crate) record: &'a FunctionRecord,
    pub(crate) kind: RuntimeKind,
    pub(crate) code_dir: &'a Path,
    pub(crate) runtime_dir: &'a Path,
    pub(crate) region: &'a str,
    pub(crate) endpoint_url: &'a str,
    pub(crate) python: &'a str,
    pub(crate) node: &'a str,
}

/// A running instance.
pub(crate) struct Instance {
    pub(crate) child: Child,
    pub(crate) api: Arc<RuntimeApi>,
    pub(crate) sink: Arc<OutputSink>,
    pub(crate) cold: bool,
    server: tokio::task::JoinHandle<()>,
}

impl Instance {
    /// Starts the Runtime API server and the process.
    pub(crate) async fn start(launch: &Launch<'_>, sink: Arc<OutputSink>) -> std::io::Result<Self> {
        let api = RuntimeApi::new();
        let (addr, server) = api_server::serve(api.clone()).await?;
        let mut cmd = command(launch);
        cmd.envs(environment(launch, &addr.to_string()));
        cmd.current_dir(launch.code_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                server.abort();
                return Err(e);
            }
        };
        if let Some(out) = child.stdout.take() {
            tokio::spawn(pump(out, sink.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(pump(err, sink.clone()));
        }
        Ok(Self {
            child,
            api,
            sink,
            cold: true,
            server,
        })
    }

    /// Kills the process group now (the process itself is also killed on drop).
    pub(crate) fn kill(&mut self) {
        if let Some(pid) = self
            .child
            .id()
            .and_then(|id| rustix::process::Pid::from_raw(i32::try_from(id).ok()?))
        {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.child.start_kill();
    }

    /// True while the process has not exited.
    pub(crate) fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
        self.server.abort();
    }
}

fn command(l: &Launch<'_>) -> Command {
    let mut cmd = match l.kind {
        RuntimeKind::Python => {
            let mut c = Command::new(l.python);
            c.arg(l.runtime_dir.join(super::PYTHON_RIC_FILE));
            c
        }
        RuntimeKind::Node => {
            let mut c = Command::new(l.node);
            c.arg(l.runtime_dir.join(super::NODE_RIC_FILE));
            c
        }
        RuntimeKind::Provided => Command::new(l.code_dir.join("bootstrap")),
    };
    cmd.env_clear();
    cmd
}

/// The environment of a function process (spec §2.13), then the function's own variables.
fn environment(l: &Launch<'_>, api_addr: &str) -> BTreeMap<String, String> {
    let r = l.record;
    let mut env = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        env.insert(k.to_string(), v);
    };
    set(
        "PATH",
        std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()),
    );
    set("LANG", "en_US.UTF-8".into());
    set("TZ", ":UTC".into());
    set("AWS_LAMBDA_RUNTIME_API", api_addr.into());
    set("_HANDLER", r.handler.clone());
    set("LAMBDA_TASK_ROOT", l.code_dir.display().to_string());
    set("LAMBDA_RUNTIME_DIR", l.runtime_dir.display().to_string());
    set("AWS_LAMBDA_FUNCTION_NAME", r.name.clone());
    set("AWS_LAMBDA_FUNCTION_VERSION", LATEST.into());
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", r.memory_size.to_string());
    set(
        "AWS_LAMBDA_LOG_GROUP_NAME",
        format!("/aws/lambda/{}", r.name),
    );
    set("AWS_LAMBDA_LOG_STREAM_NAME", log_stream_name());
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".into());
    set("AWS_REGION", l.region.into());
    set("AWS_DEFAULT_REGION", l.region.into());
    set("AWS_EXECUTION_ENV", format!("AWS_Lambda_{}", r.runtime));
    set("AWS_ACCESS_KEY_ID", "AKIAEDDYLAMBDA000000".into());
    set("AWS_SECRET_ACCESS_KEY", "eddy-lambda-dummy-secret".into());
    set(
        "AWS_SESSION_TOKEN",
        "eddy-lambda-dummy-session-token".into(),
    );
    set("AWS_ENDPOINT_URL", l.endpoint_url.into());
    if l.kind == RuntimeKind::Python {
        set("PYTHONUNBUFFERED", "1".into());
        set("PYTHONDONTWRITEBYTECODE", "1".into());
    }
    for (k, v) in r.environment.iter().flatten() {
        env.insert(k.clone(), v.clone());
    }
    env
}

/// `2026/11/25/[$LATEST]<32 hex>`, like Lambda's log stream names.
fn log_stream_name() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}/{:02}/{:02}/[{LATEST}]{}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        uuid::Uuid::new_v4().simple()
    )
}

async fn pump(stream: impl AsyncRead + Unpin, sink: Arc<OutputSink>) {
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    buf.pop();
                }
                sink.line(String::from_utf8_lossy(&buf).into_owned());
            }
        }
    }
}

/// The runtime files written at startup: `(file name, content)`.
pub(crate) fn runtime_files() -> [(&'static str, &'static str); 2] {
    [
        (super::PYTHON_RIC_FILE, include_str!("ric/python_ric.py")),
        (super::NODE_RIC_FILE, include_str!("ric/node_ric.js")),
    ]
}

/// Writes the runtime clients into `dir`.
pub(crate) fn write_runtime_files(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    for (name, content) in runtime_files() {
        std::fs::write(dir.join(name), content)?;
    }
    Ok(dir.to_path_buf())
}
