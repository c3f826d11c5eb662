//! End-to-end tests of `eddy tail` against the built `eddy` binary: a real server with a
//! one-second shard rollover, a real `eddy tail` child process reading its stream.

mod common;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const FAKE_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00";

fn eddy() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eddy"));
    c.env_remove("RUST_LOG")
        .env_remove("EDDY_ENDPOINT")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("EDDY_LOG", "warn");
    c
}

/// A child process killed on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `eddy serve --in-memory --port 0 --stream-shard-rollover 1`; returns it and its URL.
fn server() -> (Proc, String) {
    let mut child = eddy()
        .args([
            "serve",
            "--in-memory",
            "--port",
            "0",
            "--stream-shard-rollover",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn eddy serve");
    let url = common::listening_url(&mut child, Duration::from_secs(30))
        .unwrap_or_else(|line| panic!("no startup line: {line:?}"));
    let proc = Proc(child);
    (proc, url)
}

/// `eddy tail ARGS` with stdout lines on a channel and stderr collected by a thread.
struct Tail {
    proc: Proc,
    lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Tail {
    fn spawn(args: &[&str]) -> Self {
        let mut child = eddy()
            .arg("tail")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn eddy tail");
        let stdout = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Self {
            proc: Proc(child),
            lines,
            stderr,
        }
    }

    /// The next `n` lines, failing after `timeout`.
    fn read(&mut self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        let mut out = Vec::new();
        while out.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => out.push(line),
                Err(_) => {
                    let (_, err) = self.stop();
                    panic!("got {} of {n} lines: {out:#?}\nstderr:\n{err}", out.len());
                }
            }
        }
        out
    }

    /// Waits for the process to exit by itself.
    fn wait(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.proc.0.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "eddy tail did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The remaining lines of a process that has exited (until its stdout closes).
    fn rest(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            out.push(line);
        }
        out
    }

    /// SIGINT (Ctrl-C) unless already exited, then the exit status and stderr.
    fn stop(&mut self) -> (ExitStatus, String) {
        if self.proc.0.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .args(["-INT", &self.proc.0.id().to_string()])
                .status();
        }
        let status = self.wait(Duration::from_secs(20));
        let stderr = std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
        (status, stderr.join().unwrap_or_default())
    }
}

/// One DynamoDB or Streams call; panics on a non-200 answer. Returns the raw body.
async fn call(url: &str, target: &str, body: Value) -> String {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", target)
        .header("authorization", FAKE_AUTH)
        .body(body.to_string())
        .send()
        .await
        .expect("send");
    let status = resp.status();
    let text = resp.text().await.expect("body");
    assert_eq!(status, 200, "{target}: {text}");
    text
}

async fn ddb(url: &str, op: &str, body: Value) -> Value {
    let text = call(url, &format!("DynamoDB_20120810.{op}"), body).await;
    serde_json::from_str(&text).expect("json")
}

async fn create_table(url: &str, name: &str, stream: bool) {
    let mut req = json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    if stream {
        req["StreamSpecification"] =
            json!({"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"});
    }
    ddb(url, "CreateTable", req).await;
}

async fn put(url: &str, table: &str, pk: &str, v: u32) {
    let item = json!({"pk": {"S": pk}, "v": {"N": v.to_string()}});
    ddb(url, "PutItem", json!({"TableName": table, "Item": item})).await;
}

/// Every record of the stream, read directly: each shard in ShardId order (parents sort
/// before children in eddy), raw JSON text of each `Records` element.
async fn all_records(url: &str, table: &str) -> (usize, Vec<String>) {
    let desc = ddb(url, "DescribeTable", json!({"TableName": table})).await;
    let arn = desc["Table"]["LatestStreamArn"]
        .as_str()
        .expect("arn")
        .to_string();
    let text = call(
        url,
        "DynamoDBStreams_20120810.DescribeStream",
        json!({"StreamArn": arn}),
    )
    .await;
    let d: Value = serde_json::from_str(&text).expect("json");
    let shards = d["StreamDescription"]["Shards"]
        .as_array()
        .expect("shards")
        .clone();
    let mut records = Vec::new();
    for shard in &shards {
        let text = call(
            url,
            "DynamoDBStreams_20120810.GetShardIterator",
            json!({"StreamArn": arn, "ShardId": shard["ShardId"], "ShardIteratorType": "TRIM_HORIZON"}),
        )
        .await;
        let v: Value = serde_json::from_str(&text).expect("json");
        let mut it = v["ShardIterator"].as_str().map(str::to_string);
        while let Some(iterator) = it.take() {
            let text = call(
                url,
                "DynamoDBStreams_20120810.GetRecords",
                json!({"ShardIterator": iterator}),
            )
            .await;
            #[derive(serde::Deserialize)]
            #[serde(rename_all = "PascalCase")]
            struct Page<'a> {
                #[serde(borrow)]
                records: Vec<&'a serde_json::value::RawValue>,
                next_shard_iterator: Option<String>,
            }
            let page: Page<'_> = serde_json::from_str(&text).expect("page");
            let empty = page.records.is_empty();
            records.extend(page.records.iter().map(|r| r.get().to_string()));
            if !empty {
                it = page.next_shard_iterator;
            }
        }
    }
    (shards.len(), records)
}

fn event(line: &str) -> (String, String, String) {
    let r: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    let d = &r["dynamodb"];
    let v = d["NewImage"]["v"]["N"]
        .as_str()
        .or(d["OldImage"]["v"]["N"].as_str())
        .unwrap_or("-");
    (
        r["eventName"].as_str().unwrap_or_default().to_string(),
        d["Keys"]["pk"]["S"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        v.to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_json_follows_rollovers_exactly_once_in_order() {
    let (_server, url) = server();
    let table = "tail_e2e";
    create_table(&url, table, true).await;
    let mut expected = Vec::new();
    // Batch 1, written before the tail starts: TRIM_HORIZON must still see it.
    for (pk, v) in [("a", 1), ("b", 1), ("c", 1)] {
        put(&url, table, pk, v).await;
        expected.push(("INSERT", pk, v.to_string()));
    }
    let mut tail = Tail::spawn(&[
        "--endpoint",
        &url,
        "--json",
        "--from",
        "trim-horizon",
        "--poll-interval",
        "0.05",
        table,
    ]);
    // Batches 2 and 3 land in later shards (rollover every second): the same items are
    // modified again, so per-item order across the lineage is visible.
    for round in 2..=3 {
        tokio::time::sleep(Duration::from_millis(1300)).await;
        for pk in ["a", "b", "d"] {
            put(&url, table, pk, round).await;
            let kind = if round == 2 && pk == "d" {
                "INSERT"
            } else {
                "MODIFY"
            };
            expected.push((kind, pk, round.to_string()));
        }
    }
    ddb(
        &url,
        "DeleteItem",
        json!({"TableName": table, "Key": {"pk": {"S": "c"}}}),
    )
    .await;
    expected.push(("REMOVE", "c", "1".into()));

    let lines = tokio::task::block_in_place(|| tail.read(expected.len(), Duration::from_secs(30)));
    let got: Vec<(String, String, String)> = lines.iter().map(|l| event(l)).collect();
    let want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(e, k, v)| (e.to_string(), k.to_string(), v.clone()))
        .collect();
    assert_eq!(got, want);

    // Nothing more arrives (each record exactly once), even across further rollovers.
    std::thread::sleep(Duration::from_millis(1500));
    let extra: Vec<String> = tail.lines.try_iter().collect();
    assert!(extra.is_empty(), "unexpected extra lines: {extra:#?}");

    // Byte-for-byte what GetRecords returns, and the stream really rolled over.
    let (shards, direct) = all_records(&url, table).await;
    assert!(shards >= 3, "expected rollovers, got {shards} shard(s)");
    assert_eq!(lines, direct);

    let (status, stderr) = tokio::task::block_in_place(|| tail.stop());
    assert_eq!(status.code(), Some(0), "Ctrl-C exits 0; stderr:\n{stderr}");
    assert!(
        stderr.contains("eddy tail: following arn:aws:dynamodb:"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_prints_lines_and_stops_after_a_disabled_stream() {
    let (_server, url) = server();
    let table = "tail_lines";
    create_table(&url, table, true).await;
    put(&url, table, "a", 1).await;
    put(&url, table, "a", 2).await;
    ddb(
        &url,
        "UpdateTable",
        json!({"TableName": table, "StreamSpecification": {"StreamEnabled": false}}),
    )
    .await;
    let mut tail = Tail::spawn(&["--endpoint", &url, "--from", "trim-horizon", table]);
    let status = tokio::task::block_in_place(|| tail.wait(Duration::from_secs(30)));
    let lines = tail.rest();
    let (_, stderr) = tokio::task::block_in_place(|| tail.stop());
    assert_eq!(status.code(), Some(0), "stderr:\n{stderr}");
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines[0].contains(" INSERT  tail_lines {pk=a} seq=") && lines[0].ends_with(" new {v=1}"),
        "{lines:#?}"
    );
    assert!(
        lines[1].contains(" MODIFY  tail_lines {pk=a} seq=") && lines[1].ends_with(" v: 1 → 2"),
        "{lines:#?}"
    );
    assert!(
        stderr.contains("is disabled and every record has been read"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_errors_exit_one_with_a_message() {
    let (_server, url) = server();
    create_table(&url, "no_stream", false).await;
    let out = eddy()
        .args(["tail", "--endpoint", &url, "no_stream"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("table no_stream has no stream"), "{err}");

    let out = eddy()
        .args(["tail", "--endpoint", &url, "missing_table"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ResourceNotFoundException: "), "{err}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let endpoint = format!("http://127.0.0.1:{closed}");
    let out = eddy()
        .args(["tail", "--endpoint", &endpoint, "t"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot connect to {endpoint}")),
        "{err}"
    );
}
