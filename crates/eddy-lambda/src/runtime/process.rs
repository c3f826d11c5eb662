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
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant as StdInstant};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};
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
    pipes: Vec<PipeWatch>,
}

impl Instance {
    /// Starts the Runtime API server and the process.
    pub(crate) async fn start(launch: &Launch<'_>, sink: Arc<OutputSink>) -> std::io::Result<Self> {
        let api = RuntimeApi::new();
        let (addr, server) = api_server::serve(api.clone()).await?;
        let mut cmd = match command(launch) {
            Ok(c) => c,
            Err(e) => {
                server.abort();
                return Err(e);
            }
        };
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
        let mut pipes = Vec::new();
        if let Some(out) = child.stdout.take() {
            pipes.extend(PipeWatch::spawn(out, &sink));
        }
        if let Some(err) = child.stderr.take() {
            pipes.extend(PipeWatch::spawn(err, &sink));
        }
        Ok(Self {
            child,
            api,
            sink,
            cold: true,
            server,
            pipes,
        })
    }

    /// Waits (briefly, bounded) until everything already written to the process's
    /// stdout/stderr has been read and logged, so the handler's output lands before
    /// the END/REPORT lines. Usually immediate: a runtime writes before it answers.
    pub(crate) async fn drain_output(&self) {
        let deadline = StdInstant::now() + DRAIN_LIMIT;
        let mut spins = 0u32;
        while !self.pipes.iter().all(PipeWatch::quiet) && StdInstant::now() < deadline {
            spins += 1;
            if spins < 64 {
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
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

/// The program and arguments that start the runtime.
fn program(l: &Launch<'_>) -> std::io::Result<(PathBuf, Vec<PathBuf>)> {
    Ok(match l.kind {
        RuntimeKind::Python => (
            l.python.into(),
            vec![l.runtime_dir.join(super::PYTHON_RIC_FILE)],
        ),
        RuntimeKind::Node => (
            l.node.into(),
            vec![l.runtime_dir.join(super::NODE_RIC_FILE)],
        ),
        RuntimeKind::Provided => {
            let bootstrap = l.code_dir.join("bootstrap");
            // Checked here because behind `setpriv` a missing bootstrap would look
            // like a crash instead of the entry-point error AWS reports.
            let meta = std::fs::metadata(&bootstrap)?;
            if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
            }
            (bootstrap, Vec::new())
        }
    })
}

/// `setpriv` from util-linux, when the host has it. Function processes are started
/// through it with a parent-death signal so they die with eddy even after `kill -9`,
/// when no destructor runs (the workspace forbids the `unsafe` a `pre_exec` would need).
static SETPRIV: LazyLock<Option<PathBuf>> = LazyLock::new(|| {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("setpriv"))
        .find(|p| p.is_file())
});

fn command(l: &Launch<'_>) -> std::io::Result<Command> {
    let (program, args) = program(l)?;
    let mut cmd = match SETPRIV.as_deref() {
        Some(setpriv) => {
            let mut c = Command::new(setpriv);
            c.args(["--pdeathsig", "KILL", "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args).env_clear();
    Ok(cmd)
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

/// The longest [`Instance::drain_output`] waits (a handler that keeps writing from a
/// background thread must not delay its answer much).
const DRAIN_LIMIT: Duration = Duration::from_millis(50);
/// A line longer than this is logged in pieces.
const MAX_LINE: usize = 256 * 1024;

/// Watches one output pipe: a duplicate of its read end (to ask the kernel how many
/// bytes are unread) and a flag that is set before every read and cleared only once
/// what was read has been logged.
///
/// Why this is enough: if the kernel reports the pipe empty and afterwards the flag
/// is clear, every byte written before the check was read by a read that began with
/// the flag set, and that read's lines were logged before the flag was cleared.
struct PipeWatch {
    fd: OwnedFd,
    busy: Arc<AtomicBool>,
}

impl PipeWatch {
    fn spawn<R>(stream: R, sink: &Arc<OutputSink>) -> Option<Self>
    where
        R: AsyncRead + AsFd + Unpin + Send + 'static,
    {
        let fd = stream.as_fd().try_clone_to_owned().ok();
        let busy = Arc::new(AtomicBool::new(false));
        let tracked = Tracked {
            inner: stream,
            busy: busy.clone(),
        };
        tokio::spawn(pump(tracked, sink.clone()));
        Some(Self { fd: fd?, busy })
    }

    fn quiet(&self) -> bool {
        let unread = rustix::io::ioctl_fionread(&self.fd).unwrap_or(0);
        unread == 0 && !self.busy.load(Ordering::SeqCst)
    }
}

/// A reader that raises `busy` before each read; the pump lowers it after logging.
struct Tracked<R> {
    inner: R,
    busy: Arc<AtomicBool>,
}

impl<R: AsyncRead + Unpin> AsyncRead for Tracked<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        self.busy.store(true, Ordering::SeqCst);
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if !matches!(polled, Poll::Ready(Ok(()))) || buf.filled().len() == before {
            self.busy.store(false, Ordering::SeqCst);
        }
        polled
    }
}

/// Reads a pipe and logs it line by line (a trailing partial line waits for its end).
async fn pump<R: AsyncRead + Unpin>(mut stream: Tracked<R>, sink: Arc<OutputSink>) {
    let mut chunk = vec![0u8; 16 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    let emit = |bytes: &[u8]| {
        let mut line = bytes;
        while let [rest @ .., b'\n' | b'\r'] = line {
            line = rest;
        }
        sink.line(String::from_utf8_lossy(line).into_owned());
    };
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                if !pending.is_empty() {
                    emit(&pending);
                }
                stream.busy.store(false, Ordering::SeqCst);
                return;
            }
            Ok(n) => n,
        };
        pending.extend_from_slice(&chunk[..n]);
        let mut start = 0;
        while let Some(pos) = pending[start..].iter().position(|b| *b == b'\n') {
            emit(&pending[start..=start + pos]);
            start += pos + 1;
        }
        pending.drain(..start);
        if pending.len() > MAX_LINE {
            emit(&pending);
            pending.clear();
        }
        stream.busy.store(false, Ordering::SeqCst);
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
