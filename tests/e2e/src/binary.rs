//! Running the built `eddy` binary as a child process.

use crate::sdk_client;
use aws_sdk_dynamodb::Client;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Path of the `eddy` binary: `$EDDY_BIN`, else `target/debug/eddy` of this workspace, built
/// once per test process with `cargo build -p eddy` (a no-op when it is up to date).
pub fn eddy_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Ok(p) = std::env::var("EDDY_BIN")
            && !p.is_empty()
        {
            return PathBuf::from(p);
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| root.join("target"));
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "eddy"])
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("run cargo build -p eddy");
        assert!(status.success(), "cargo build -p eddy failed");
        let bin = target.join("debug").join("eddy");
        assert!(bin.exists(), "{} missing after build", bin.display());
        bin
    })
    .clone()
}

/// A running `eddy` child process.
pub struct BinaryServer {
    child: Child,
    /// `http://127.0.0.1:PORT` as printed by the binary.
    pub endpoint: String,
    /// The port it listens on.
    pub port: u16,
    /// Client configured for it.
    pub client: Client,
    output: Arc<Mutex<String>>,
}

/// Extracts the port from a line containing `eddy listening on http://127.0.0.1:PORT`.
pub fn parse_listening_line(line: &str) -> Option<u16> {
    let rest = line.split("eddy listening on http://127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl BinaryServer {
    /// Runs `eddy ARGS...` and waits (30 s at most) for the "listening" line on stdout or
    /// stderr.
    pub fn spawn<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let bin = eddy_binary();
        let mut child = Command::new(&bin)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
        let output = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<u16>();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        pump(stdout, tx.clone(), output.clone());
        pump(stderr, tx, output.clone());
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            if let Ok(p) = rx.recv_timeout(Duration::from_millis(100)) {
                break p;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "eddy exited with {status} before listening; output:\n{}",
                    output.lock().unwrap()
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "eddy printed no listening line in 30 s; output:\n{}",
                    output.lock().unwrap()
                );
            }
        };
        let endpoint = format!("http://127.0.0.1:{port}");
        Self {
            child,
            client: sdk_client(&endpoint),
            endpoint,
            port,
            output,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the process printed so far (stdout and stderr interleaved).
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// SIGKILL, then reap.
    pub fn kill9(mut self) -> ExitStatus {
        self.child.kill().expect("SIGKILL eddy");
        self.child.wait().expect("wait for eddy")
    }

    /// SIGTERM, then wait up to `timeout` for the process to exit. `None` on timeout (the
    /// process is then SIGKILLed).
    pub fn terminate(mut self, timeout: Duration) -> Option<ExitStatus> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return Some(st);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for BinaryServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Copies a child's stream into `output` on a thread, reporting the port once seen.
fn pump<R: Read + Send + 'static>(r: R, tx: mpsc::Sender<u16>, output: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        let reader = BufReader::new(r);
        for line in reader.lines() {
            let Ok(line) = line else { break };
            {
                let mut out = output.lock().unwrap();
                out.push_str(&line);
                out.push('\n');
            }
            // report the port only once the line is in `output`
            if let Some(p) = parse_listening_line(&line) {
                let _ = tx.send(p);
            }
        }
    });
}
