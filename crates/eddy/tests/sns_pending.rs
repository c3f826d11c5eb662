//! `eddy sns pending` against the built binary: `eddy serve` holds SNS deliveries that
//! keep failing (an sms subscription on a server without `--sms-gateway-url`), and the
//! CLI lists them through `Eddy.ListPendingDeliveries` (ADR 0010).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FAKE_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=00";
const PHONE: &str = "+14155550100";

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eddy"))
            .args(["serve", "--in-memory", "--port", "0"])
            .env_remove("EDDY_SMS_GATEWAY_URL")
            .env("EDDY_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn eddy");
        let url = common::listening_url(&mut child, Duration::from_secs(20))
            .unwrap_or_else(|line| panic!("no startup line: {line:?}"));
        Self { child, url }
    }

    /// One SNS query-protocol action; the XML answer.
    async fn sns(&self, params: &[(&str, &str)]) -> String {
        let body: String = params
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = reqwest::Client::new()
            .post(format!("{}/", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", FAKE_AUTH)
            .body(body)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "{params:?} -> {status} {text}");
        text
    }

    /// `eddy sns pending --endpoint <this server> <args>`: (exit code, stdout, stderr).
    fn pending(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_eddy"))
            .args(["sns", "pending", "--endpoint", &self.url])
            .args(args)
            .env_remove("EDDY_ENDPOINT")
            .output()
            .expect("run eddy sns pending");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn between<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).expect(tag);
    let end = xml[start..].find(&format!("</{tag}>")).expect(tag);
    &xml[start..start + end]
}

#[tokio::test]
async fn pending_lists_failing_deliveries_as_a_table_and_as_json() {
    let server = Server::start();

    let (code, out, err) = server.pending(&[]);
    assert_eq!(
        (code, out.as_str()),
        (0, "no pending deliveries\n"),
        "{err}"
    );
    let (code, out, err) = server.pending(&["--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v, serde_json::json!({"Deliveries": [], "Truncated": false}));

    let topic = server
        .sns(&[("Action", "CreateTopic"), ("Name", "orders")])
        .await;
    let topic_arn = between(&topic, "TopicArn").to_string();
    let sub = server
        .sns(&[
            ("Action", "Subscribe"),
            ("TopicArn", &topic_arn),
            ("Protocol", "sms"),
            ("Endpoint", PHONE),
        ])
        .await;
    let sub_arn = between(&sub, "SubscriptionArn").to_string();
    let mut ids = Vec::new();
    for i in 0..3 {
        let msg = format!("order {i}");
        let out = server
            .sns(&[
                ("Action", "Publish"),
                ("TopicArn", &topic_arn),
                ("Message", &msg),
            ])
            .await;
        ids.push(between(&out, "MessageId").to_string());
    }

    // Each delivery fails at once (no gateway) and then waits 20 s (AWS's default policy).
    let deadline = Instant::now() + Duration::from_secs(20);
    let v = loop {
        let (code, out, err) = server.pending(&["--json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let failed = v["Deliveries"]
            .as_array()
            .is_some_and(|d| d.len() == 3 && d.iter().all(|d| d["Attempts"] == 1));
        if failed {
            break v;
        }
        assert!(Instant::now() < deadline, "deliveries did not fail: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(v["Truncated"], false);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    for (d, id) in v["Deliveries"].as_array().expect("array").iter().zip(&ids) {
        assert_eq!(d["SubscriptionArn"], sub_arn.as_str());
        assert_eq!(d["TopicArn"], topic_arn.as_str());
        assert_eq!(d["Protocol"], "sms");
        assert_eq!(d["Endpoint"], PHONE);
        assert_eq!(d["MessageId"], id.as_str(), "oldest first");
        assert_eq!(d["Type"], "Notification");
        assert_eq!(d["LastError"], "sms delivery needs --sms-gateway-url");
        let next = d["NextAttemptAt"].as_f64().expect("a retry is scheduled");
        assert!(next > now + 10.0 && next < now + 21.0, "{d}");
        let enqueued = d["EnqueuedAt"].as_f64().expect("EnqueuedAt");
        assert!(enqueued <= now && enqueued > now - 30.0, "{d}");
    }

    let (code, out, err) = server.pending(&[]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[0].starts_with("SUBSCRIPTION "), "{out}");
    for (line, id) in lines[1..4].iter().zip(&ids) {
        for part in [
            sub_arn.as_str(),
            " sms ",
            PHONE,
            " Notification ",
            id.as_str(),
            " 1 ",
            "Z (in ",
            "sms delivery needs --sms-gateway-url",
        ] {
            assert!(line.contains(part), "{part:?} missing:\n{out}");
        }
    }
    assert_eq!(lines[4], "3 pending deliveries");

    let (code, out, err) = server.pending(&["--limit", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.ends_with(
            "first 2 pending deliveries shown; more are pending (raise --limit, at most 10000)\n"
        ),
        "{out}"
    );
    let (_, out, _) = server.pending(&["--limit", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["Deliveries"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["Truncated"], true);
}

#[tokio::test]
async fn bad_limits_are_validation_errors() {
    let server = Server::start();
    for body in [
        r#"{"Limit": 0}"#,
        r#"{"Limit": 10001}"#,
        r#"{"Limit": "5"}"#,
    ] {
        let resp = reqwest::Client::new()
            .post(format!("{}/", server.url))
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", "Eddy.ListPendingDeliveries")
            .header("authorization", FAKE_AUTH)
            .body(body)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status().as_u16(), 400, "{body}");
        let v: serde_json::Value = resp.json().await.unwrap_or_default();
        assert!(
            v["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("#ValidationException")),
            "{body}: {v}"
        );
    }
}

#[test]
fn an_unreachable_endpoint_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_eddy"))
        .args(["sns", "pending", "--endpoint", "http://127.0.0.1:1"])
        .env_remove("EDDY_ENDPOINT")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("eddy sns pending: cannot connect to http://127.0.0.1:1"),
        "{err}"
    );
}
