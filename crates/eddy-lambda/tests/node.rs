//! Node.js handlers on the host's node: async, callback-style and ES-module handlers,
//! error bodies and load failures.

use crate::harness::{Server, TestResult, zip_of};
use serde_json::json;

const CJS: &str = r#"
exports.asyncHandler = async (event, context) => {
  console.log("async got", JSON.stringify(event));
  return { event, name: process.env.AWS_LAMBDA_FUNCTION_NAME, endpoint: process.env.AWS_ENDPOINT_URL,
           fn: context.functionName, remaining: context.getRemainingTimeInMillis(), pid: process.pid };
};
exports.callbackHandler = (event, context, callback) => {
  setTimeout(() => callback(null, { cb: event.n * 2 }), 10);
};
exports.thrower = async () => { throw new TypeError("nope"); };
exports.callbackError = (event, context, callback) => callback("plain failure");
"#;

const MJS: &str = "export const handler = async (event) => ({ esm: true, got: event });\n";

#[tokio::test]
async fn async_callback_and_esm_handlers_run() -> TestResult {
    let srv = Server::start().await;
    let zip = zip_of(&[("index.js", CJS, 0o644), ("esm.mjs", MJS, 0o644)]);
    for (name, handler) in [
        ("n-async", "index.asyncHandler"),
        ("n-cb", "index.callbackHandler"),
        ("n-esm", "esm.handler"),
        ("n-throw", "index.thrower"),
        ("n-cberr", "index.callbackError"),
    ] {
        srv.create_ok(name, "nodejs20.x", handler, &zip, json!({}))
            .await;
    }
    let r = srv
        .invoke("n-async", r#"{"a":1}"#, &[("x-amz-log-type", "Tail")])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-amz-function-error"),
        None,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.json();
    assert_eq!(v["event"], json!({"a": 1}));
    assert_eq!(v["name"], "n-async");
    assert_eq!(v["fn"], "n-async");
    assert_eq!(v["endpoint"], srv.base.as_str());
    assert!(v["remaining"].as_i64().unwrap_or(0) > 0);
    let again = srv.invoke("n-async", "{}", &[]).await.json();
    assert_eq!(again["pid"], v["pid"], "warm instance reused");

    let v = srv.invoke("n-cb", r#"{"n": 21}"#, &[]).await.json();
    assert_eq!(v, json!({"cb": 42}));
    let v = srv.invoke("n-esm", r#"{"x": true}"#, &[]).await.json();
    assert_eq!(v, json!({"esm": true, "got": {"x": true}}));

    let r = srv.invoke("n-throw", "{}", &[]).await;
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "TypeError");
    assert_eq!(v["errorMessage"], "nope");
    assert!(v["trace"].as_array().is_some_and(|t| !t.is_empty()));

    let v = srv.invoke("n-cberr", "{}", &[]).await.json();
    assert_eq!(v["errorType"], "string");
    assert_eq!(v["errorMessage"], "plain failure");
    srv.stop().await;
    Ok(())
}

#[tokio::test]
async fn node_load_failures_are_init_errors() -> TestResult {
    let srv = Server::start().await;
    let zip = zip_of(&[(
        "index.js",
        "require('missing-dep-xyz');\nexports.handler = async () => 1;\n",
        0o644,
    )]);
    srv.create_ok("n-imp", "nodejs20.x", "index.handler", &zip, json!({}))
        .await;
    let r = srv.invoke("n-imp", "{}", &[]).await;
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    let v = r.json();
    assert_eq!(v["errorType"], "Runtime.ImportModuleError");
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap_or_default()
            .contains("missing-dep-xyz"),
        "{v}"
    );

    let zip = zip_of(&[("index.js", "exports.other = async () => 1;\n", 0o644)]);
    srv.create_ok("n-nf", "nodejs20.x", "index.handler", &zip, json!({}))
        .await;
    let v = srv.invoke("n-nf", "{}", &[]).await.json();
    assert_eq!(v["errorType"], "Runtime.HandlerNotFound");
    assert_eq!(
        v["errorMessage"],
        "index.handler is undefined or not exported"
    );
    srv.stop().await;
    Ok(())
}
