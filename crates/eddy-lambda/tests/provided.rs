//! `provided.*` functions: the zip's `bootstrap` is started directly and talks to the
//! Runtime API itself (here a small Python script standing in for a custom runtime).

use crate::harness::{Server, TestResult, zip_of};
use serde_json::json;

/// A minimal custom runtime: loop on `next`, echo the event with the headers it got.
const BOOTSTRAP: &str = r#"#!/usr/bin/env python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
for k in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "_HANDLER", "LAMBDA_TASK_ROOT"):
    assert os.environ.get(k), k
while True:
    with urllib.request.urlopen(api + "/invocation/next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        out = {
            "event": json.loads(r.read()),
            "deadline": int(r.headers["Lambda-Runtime-Deadline-Ms"]),
            "arn": r.headers["Lambda-Runtime-Invoked-Function-Arn"],
            "trace": r.headers["Lambda-Runtime-Trace-Id"],
            "content_type": r.headers["Content-Type"],
            "handler": os.environ["_HANDLER"],
        }
    if out["event"].get("fail"):
        body = json.dumps({"errorMessage": "custom failure", "errorType": "CustomError", "stackTrace": []}).encode()
        urllib.request.urlopen(urllib.request.Request(api + "/invocation/" + rid + "/error", data=body, method="POST"))
        continue
    urllib.request.urlopen(urllib.request.Request(api + "/invocation/" + rid + "/response", data=json.dumps(out).encode(), method="POST"))
"#;

#[tokio::test]
async fn a_bootstrap_runtime_gets_the_runtime_api_headers() -> TestResult {
    let srv = Server::start().await;
    let zip = zip_of(&[("bootstrap", BOOTSTRAP, 0o755)]);
    srv.create_ok("boot", "provided.al2023", "my.handler", &zip, json!({}))
        .await;
    let r = srv.invoke("boot", r#"{"q": 1}"#, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-amz-function-error"),
        None,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.json();
    assert_eq!(v["event"], json!({"q": 1}));
    assert_eq!(
        v["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:boot"
    );
    assert_eq!(v["content_type"], "application/json");
    assert_eq!(v["handler"], "my.handler");
    assert!(
        v["trace"]
            .as_str()
            .is_some_and(|t| t.starts_with("Root=1-"))
    );
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let deadline = u128::from(v["deadline"].as_u64().unwrap_or(0));
    assert!(
        deadline > now_ms && deadline <= now_ms + 3_100,
        "{deadline} vs {now_ms}"
    );

    let r = srv.invoke("boot", r#"{"fail": true}"#, &[]).await;
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(r.json()["errorType"], "CustomError");
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_bootstrap_that_exits_is_a_runtime_exit_error() -> TestResult {
    let srv = Server::start().await;
    let zip = zip_of(&[("bootstrap", "#!/bin/sh\nexit 2\n", 0o755)]);
    srv.create_ok("dies", "provided.al2", "x", &zip, json!({}))
        .await;
    let v = srv.invoke("dies", "{}", &[]).await.json();
    assert_eq!(v["errorType"], "Runtime.ExitError");
    let msg = v["errorMessage"].as_str().unwrap_or_default();
    assert!(
        msg.ends_with("Runtime exited with error: exit status 2"),
        "{msg}"
    );
    srv.stop().await;
    Ok(())
}
