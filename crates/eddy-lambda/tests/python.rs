//! Python handlers on the host's python3: results, errors as AWS shapes them, timeouts,
//! crashes, logs, warm reuse, concurrency, async and dry-run invocations.

use crate::harness::{Server, TestResult, eventually, py_zip};
use base64::Engine as _;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const APP: &str = r#"
import os, time, json

def handler(event, context):
    print("handling", json.dumps(event))
    return {
        "event": event,
        "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "region": os.environ["AWS_REGION"],
        "custom": os.environ.get("CUSTOM"),
        "pid": os.getpid(),
        "ctx": {
            "function_name": context.function_name,
            "arn": context.invoked_function_arn,
            "memory": context.memory_limit_in_mb,
            "request_id": context.aws_request_id,
            "remaining": context.get_remaining_time_in_millis(),
            "log_group": context.log_group_name,
        },
    }

def boom(event, context):
    raise ValueError("bad thing")

def slow(event, context):
    time.sleep(event.get("sleep", 5))
    return os.getpid()

def crash(event, context):
    os._exit(3)

def append(event, context):
    with open(event["path"], "a") as f:
        f.write("x\n")
    if event.get("fail"):
        raise RuntimeError("again")
    return "ok"
"#;

async fn server_with_app(name: &str, handler: &str, extra: Value) -> Server {
    let srv = Server::start().await;
    srv.create_ok(name, "python3.12", handler, &py_zip(APP), extra)
        .await;
    srv
}

#[tokio::test]
async fn sync_invoke_returns_the_result_and_sees_the_lambda_environment() -> TestResult {
    let srv = server_with_app(
        "env",
        "app.handler",
        json!({"Environment": {"Variables": {"CUSTOM": "yes"}}}),
    )
    .await;
    let r = srv.invoke("env", r#"{"a": 1}"#, &[]).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("x-amz-executed-version"), Some("$LATEST"));
    assert_eq!(r.header("x-amz-function-error"), None);
    let v = r.json();
    assert_eq!(v["event"], json!({"a": 1}));
    assert_eq!(v["name"], "env");
    assert_eq!(v["endpoint"], srv.base.as_str());
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["custom"], "yes");
    assert_eq!(v["ctx"]["function_name"], "env");
    assert_eq!(
        v["ctx"]["arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:env"
    );
    assert_eq!(v["ctx"]["memory"], "128");
    assert_eq!(v["ctx"]["log_group"], "/aws/lambda/env");
    let remaining = v["ctx"]["remaining"].as_i64().unwrap_or(0);
    assert!(remaining > 0 && remaining <= 3000, "{remaining}");

    // Warm reuse: the same process answers the next call.
    let again = srv.invoke("env", "{}", &[]).await.json();
    assert_eq!(again["pid"], v["pid"]);

    // An empty payload is delivered as {}.
    let empty = srv.invoke("env", "", &[]).await.json();
    assert_eq!(empty["event"], json!({}));

    // The Rust API the event-source-mapping crate uses: by name, ARN and partial ARN.
    for name in [
        "env",
        "arn:aws:lambda:us-east-1:000000000000:function:env",
        "000000000000:function:env:$LATEST",
    ] {
        let out = srv.functions.invoke(name, br#"{"k": 2}"#.to_vec()).await?;
        assert_eq!(out.function_error, None);
        let v: Value = serde_json::from_slice(&out.payload)?;
        assert_eq!(v["event"], json!({"k": 2}), "{name}");
    }
    assert_eq!(
        srv.functions.function_arn("env").as_deref(),
        Some("arn:aws:lambda:us-east-1:000000000000:function:env")
    );
    assert_eq!(srv.functions.function_arn("ghost"), None);
    assert_eq!(
        srv.functions
            .function_arn("arn:aws:lambda:eu-west-1:000000000000:function:env"),
        None
    );
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn handler_exception_is_an_unhandled_function_error() -> TestResult {
    let srv = server_with_app("boom", "app.boom", json!({})).await;
    let r = srv.invoke("boom", "{}", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "ValueError");
    assert_eq!(v["errorMessage"], "bad thing");
    assert!(v["requestId"].as_str().is_some_and(|s| s.len() == 36));
    let trace = v["stackTrace"].as_array().cloned().unwrap_or_default();
    assert!(
        trace
            .iter()
            .any(|l| l.as_str().unwrap_or_default().contains("raise ValueError")),
        "{v}"
    );
    // The instance survives a handled exception.
    let r = srv.invoke("boom", "{}", &[]).await;
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn import_errors_init_errors_and_missing_handlers_are_reported_like_aws() -> TestResult {
    let srv = Server::start().await;
    let import_err = py_zip("import nonexistent_mod_xyz\ndef handler(e, c):\n    return 1\n");
    srv.create_ok("imp", "python3.12", "app.handler", &import_err, json!({}))
        .await;
    let v = srv.invoke("imp", "{}", &[]).await;
    assert_eq!(v.header("x-amz-function-error"), Some("Unhandled"));
    let v = v.json();
    assert_eq!(v["errorType"], "Runtime.ImportModuleError");
    assert_eq!(
        v["errorMessage"],
        "Unable to import module 'app': No module named 'nonexistent_mod_xyz'"
    );

    let init_err =
        py_zip("raise Exception('Runtime startup fails')\ndef handler(e, c):\n    return 1\n");
    srv.create_ok("init", "python3.12", "app.handler", &init_err, json!({}))
        .await;
    let r = srv.invoke("init", "{}", &[]).await;
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "Exception");
    assert_eq!(v["errorMessage"], "Runtime startup fails");
    assert_eq!(v["requestId"], "");

    srv.create_ok(
        "nohandler",
        "python3.12",
        "app.missing",
        &py_zip(APP),
        json!({}),
    )
    .await;
    let v = srv.invoke("nohandler", "{}", &[]).await.json();
    assert_eq!(v["errorType"], "Runtime.HandlerNotFound");
    assert_eq!(
        v["errorMessage"],
        "Handler 'missing' missing on module 'app'"
    );
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_handler_past_its_timeout_is_killed_and_reported() -> TestResult {
    let srv = server_with_app("slow", "app.slow", json!({"Timeout": 1})).await;
    let started = Instant::now();
    let r = srv.invoke("slow", r#"{"sleep": 30}"#, &[]).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "Sandbox.Timedout");
    let msg = v["errorMessage"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("RequestId: ") && msg.ends_with("Error: Task timed out after 1.00 seconds"),
        "{msg}"
    );
    // A fresh process serves the next invocation.
    let r = srv.invoke("slow", r#"{"sleep": 0}"#, &[]).await;
    assert_eq!(
        r.header("x-amz-function-error"),
        None,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn a_crashing_process_is_a_runtime_exit_error() -> TestResult {
    let srv = server_with_app("crash", "app.crash", json!({})).await;
    let r = srv.invoke("crash", "{}", &[]).await;
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "Runtime.ExitError");
    let msg = v["errorMessage"].as_str().unwrap_or_default();
    assert!(
        msg.ends_with("Error: Runtime exited with error: exit status 3"),
        "{msg}"
    );
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn log_type_tail_returns_the_invocation_log() -> TestResult {
    let srv = server_with_app("logs", "app.handler", json!({})).await;
    let r = srv
        .invoke(
            "logs",
            r#"{"marker": "m-123"}"#,
            &[("x-amz-log-type", "Tail")],
        )
        .await;
    let b64 = r.header("x-amz-log-result").unwrap_or_default();
    let text = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64)?)?;
    assert!(text.contains("START RequestId: "), "{text}");
    assert!(text.contains("m-123"), "{text}");
    assert!(text.contains("REPORT RequestId: "), "{text}");
    assert!(text.len() <= 4096);
    // Without Tail there is no log header; the function log keeps the lines.
    let r = srv.invoke("logs", "{}", &[]).await;
    assert_eq!(r.header("x-amz-log-result"), None);
    assert!(
        srv.functions
            .logs("logs")
            .recent(100)
            .iter()
            .any(|l| l.contains("m-123"))
    );
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn concurrency_per_function_is_bounded() -> TestResult {
    let srv = Server::start_with(|c| c.max_concurrency = 2).await;
    srv.create_ok("par", "python3.12", "app.slow", &py_zip(APP), json!({}))
        .await;
    let started = Instant::now();
    let calls = (0..6).map(|_| srv.invoke("par", r#"{"sleep": 0.3}"#, &[]));
    let results = futures::future::join_all(calls).await;
    let mut pids: Vec<i64> = results.iter().filter_map(|r| r.json().as_i64()).collect();
    assert_eq!(pids.len(), 6);
    pids.sort_unstable();
    pids.dedup();
    assert!(pids.len() <= 2, "{pids:?}");
    assert!(started.elapsed() >= Duration::from_millis(850));

    // Reserved concurrency 0 throttles.
    let r = srv
        .send_json(
            reqwest::Method::PUT,
            "/2017-10-31/functions/par/concurrency",
            &json!({"ReservedConcurrentExecutions": 0}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = srv.invoke("par", "{}", &[]).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("TooManyRequestsException")
    );
    assert_eq!(
        r.json()["Reason"],
        "ReservedFunctionConcurrentInvocationLimitExceeded"
    );
    let g = srv
        .get("/2019-09-30/functions/par/concurrency")
        .await
        .json();
    assert_eq!(g["ReservedConcurrentExecutions"], 0);
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn event_invocations_run_in_the_background_and_retry_twice() -> TestResult {
    let srv = server_with_app("bg", "app.append", json!({})).await;
    let dir = tempfile::tempdir()?;
    let ok = dir.path().join("ok.txt");
    let payload = json!({"path": ok}).to_string();
    let r = srv
        .invoke("bg", &payload, &[("x-amz-invocation-type", "Event")])
        .await;
    assert_eq!(r.status, 202);
    assert!(r.body.is_empty());
    assert!(eventually(Duration::from_secs(10), || ok.exists()).await);

    let failing = dir.path().join("fail.txt");
    let payload = json!({"path": failing, "fail": true}).to_string();
    let r = srv
        .invoke("bg", &payload, &[("x-amz-invocation-type", "Event")])
        .await;
    assert_eq!(r.status, 202);
    let count = || {
        std::fs::read_to_string(&failing)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    assert!(
        eventually(Duration::from_secs(10), || count() == 3).await,
        "{}",
        count()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(count(), 3, "one attempt and two retries, no more");

    let r = srv
        .invoke("bg", "{}", &[("x-amz-invocation-type", "DryRun")])
        .await;
    assert_eq!(r.status, 204);
    let r = srv
        .invoke("ghost", "{}", &[("x-amz-invocation-type", "DryRun")])
        .await;
    assert_eq!(r.status, 404);
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn invoke_errors_use_the_lambda_envelope() -> TestResult {
    let srv = server_with_app("e", "app.handler", json!({})).await;
    let r = srv.invoke("e", "not json", &[]).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("x-amzn-errortype"),
        Some("InvalidRequestContentException")
    );
    let msg = r.json()["message"].as_str().unwrap_or_default().to_string();
    assert!(
        msg.starts_with(
            "Could not parse request body into json: Could not parse payload into json"
        ),
        "{msg}"
    );

    let r = srv.invoke("ghost", "{}", &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:ghost"
    );
    let r = srv
        .request(
            reqwest::Method::POST,
            "/2015-03-31/functions/e/invocations?Qualifier=prod",
            Some(b"{}".to_vec()),
            &[],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json()["Message"],
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:e:prod"
    );
    let r = srv
        .invoke("e", "{}", &[("x-amz-invocation-type", "Bogus")])
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-errortype"), Some("ValidationException"));
    srv.stop().await;
    Ok(())
}
