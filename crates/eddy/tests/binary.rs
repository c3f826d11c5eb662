//! Smoke tests of the built `eddy` binary: flags, the startup line, serving, signals.

mod common;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FAKE_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00";

struct Eddy {
    child: Child,
    url: String,
    started: Instant,
}

fn eddy() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eddy"));
    c.env_remove("RUST_LOG").env("EDDY_LOG", "info");
    c
}

impl Eddy {
    fn spawn(mut cmd: Command) -> Self {
        let started = Instant::now();
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn eddy");
        let url = match common::listening_url(&mut child, Duration::from_secs(20)) {
            Ok(url) => url,
            Err(line) => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("no startup line; got {line:?}; stderr:\n{err}");
            }
        };
        let url = format!("{url}/");
        Self {
            child,
            url,
            started,
        }
    }

    /// SIGTERM, then the exit code and stderr.
    fn terminate(mut self) -> (i32, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let code = loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                break s.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "eddy did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (code, err)
    }
}

impl Drop for Eddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn list_tables(url: &str) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.ListTables")
        .header("authorization", FAKE_AUTH)
        .body("{}")
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

#[test]
fn version_flag_prints_the_version() {
    let out = eddy().arg("--version").output().expect("run");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("eddy {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn in_memory_server_serves_and_exits_zero_on_sigterm() {
    let mut cmd = eddy();
    cmd.args([
        "serve",
        "--in-memory",
        "--port",
        "0",
        "--log-format",
        "json",
    ]);
    let server = Eddy::spawn(cmd);
    assert!(server.url.starts_with("http://127.0.0.1:"));
    assert!(!server.url.ends_with(":0/"), "the real port is printed");
    let (status, body) = list_tables(&server.url).await;
    assert_eq!(status, 200, "{body}");
    eprintln!("start to first answer: {:?}", server.started.elapsed());
    let (code, stderr) = server.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("\"storage closed; bye\""),
        "JSON logs on stderr:\n{stderr}"
    );
}

#[tokio::test]
async fn settings_come_from_eddy_env_vars() {
    let mut cmd = eddy();
    cmd.arg("serve")
        .env("EDDY_PORT", "0")
        .env("EDDY_IN_MEMORY", "true")
        .env("EDDY_BIND", "127.0.0.1");
    let server = Eddy::spawn(cmd);
    let (status, _) = list_tables(&server.url).await;
    assert_eq!(status, 200);
    let (code, stderr) = server.terminate();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("storage=\"memory\""), "{stderr}");
}

#[tokio::test]
async fn data_dir_is_created_and_released_on_shutdown() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("data");
    for round in 0..2 {
        let mut cmd = eddy();
        cmd.args(["serve", "--port", "0", "--data-dir"]).arg(&dir);
        let server = Eddy::spawn(cmd);
        let (status, _) = list_tables(&server.url).await;
        assert_eq!(status, 200, "round {round}");
        let (code, stderr) = server.terminate();
        assert_eq!(code, 0, "round {round}: {stderr}");
        assert!(stderr.contains("storage=\"fjall\""), "{stderr}");
    }
    assert!(dir.is_dir());
}

#[tokio::test]
async fn credentials_file_turns_on_verification() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let creds = tmp.path().join("creds");
    std::fs::write(&creds, "# test\nAKIDREAL secret alice\n").expect("write");
    let mut cmd = eddy();
    cmd.args(["serve", "--in-memory", "--port", "0", "--credentials"])
        .arg(&creds);
    let server = Eddy::spawn(cmd);
    let (status, body) = list_tables(&server.url).await;
    assert_eq!(status, 400);
    // The fake header has no X-Amz-Date, which verifying mode requires.
    assert_eq!(
        body["__type"],
        "com.amazon.coral.service#IncompleteSignatureException"
    );
    let (code, _) = server.terminate();
    assert_eq!(code, 0);
}

#[test]
fn startup_errors_exit_nonzero_with_a_message() {
    let out = eddy()
        .args([
            "serve",
            "--in-memory",
            "--port",
            "0",
            "--credentials",
            "/nonexistent/creds",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read credentials file"));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let out = eddy()
        .args(["serve", "--in-memory", "--port", &port])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on"));
}
