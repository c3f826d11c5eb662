//! The HTTP protocol as raw bytes: headers, checksums and error envelopes.

use eddy_e2e::*;
use serde_json::{Value, json};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000";

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts `x-amzn-RequestId` is present and `x-amz-crc32` is the CRC32 of the body.
    #[track_caller]
    fn assert_standard_headers(&self) {
        let id = self.header("x-amzn-RequestId").expect("x-amzn-RequestId");
        assert!(!id.is_empty());
        let crc = self.header("x-amz-crc32").expect("x-amz-crc32");
        assert_eq!(
            crc,
            crc32fast::hash(&self.body).to_string(),
            "x-amz-crc32 does not match the body"
        );
        let ct = self.header("content-type").expect("content-type");
        assert!(ct.starts_with("application/x-amz-json-1.0"), "{ct}");
    }

    /// Asserts the error envelope: status 400, `__type` ending in `#code`, lowercase `message`.
    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "{:?}",
            String::from_utf8_lossy(&self.body)
        );
        let v = self.json();
        let ty = v["__type"].as_str().expect("__type string");
        assert!(ty.ends_with(&format!("#{code}")), "__type {ty}");
        assert!(v["message"].is_string(), "lowercase message: {v}");
        v
    }
}

async fn call(endpoint: &str, target: &str, body: impl Into<reqwest::Body>) -> Reply {
    let resp = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("X-Amz-Target", target)
        .header("X-Amz-Date", "20250101T000000Z")
        .header("Authorization", AUTH)
        .body(body)
        .send()
        .await
        .expect("the server must answer, not drop the connection");
    Reply {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: resp.bytes().await.expect("response body").to_vec(),
    }
}

#[tokio::test]
async fn success_has_request_id_and_crc32() {
    let srv = TestServer::start_memory().await;
    let r = call(&srv.endpoint, "DynamoDB_20120810.ListTables", "{}").await;
    assert_eq!(r.status, 200);
    r.assert_standard_headers();
    assert!(r.json()["TableNames"].is_array());
}

#[tokio::test]
async fn request_ids_differ_between_requests() {
    let srv = TestServer::start_memory().await;
    let a = call(&srv.endpoint, "DynamoDB_20120810.ListTables", "{}").await;
    let b = call(&srv.endpoint, "DynamoDB_20120810.ListTables", "{}").await;
    assert_ne!(a.header("x-amzn-RequestId"), b.header("x-amzn-RequestId"));
}

#[tokio::test]
async fn service_error_has_envelope_request_id_and_crc32() {
    let srv = TestServer::start_memory().await;
    let body = json!({"TableName": unique_name("wire-missing")}).to_string();
    let r = call(&srv.endpoint, "DynamoDB_20120810.DescribeTable", body).await;
    r.assert_standard_headers();
    let v = r.assert_error(400, "ResourceNotFoundException");
    assert_eq!(
        v["__type"],
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    assert!(v.get("Message").is_none(), "only lowercase message: {v}");
}

#[tokio::test]
async fn validation_error_uses_coral_validate_namespace() {
    let srv = TestServer::start_memory().await;
    let r = call(
        &srv.endpoint,
        "DynamoDB_20120810.ListTables",
        json!({"Limit": 0}).to_string(),
    )
    .await;
    r.assert_standard_headers();
    let v = r.assert_error(400, "ValidationException");
    assert_eq!(v["__type"], "com.amazon.coral.validate#ValidationException");
}

#[tokio::test]
async fn malformed_json_is_serialization_exception() {
    let srv = TestServer::start_memory().await;
    for body in ["{bad", "[]", "{\"Limit\": \"abc\"}"] {
        let r = call(&srv.endpoint, "DynamoDB_20120810.ListTables", body).await;
        r.assert_standard_headers();
        let v = r.assert_error(400, "SerializationException");
        assert_eq!(
            v["__type"], "com.amazon.coral.service#SerializationException",
            "body {body:?}"
        );
    }
}

#[tokio::test]
async fn unknown_operation_is_unknown_operation_exception() {
    let srv = TestServer::start_memory().await;
    for target in [
        "DynamoDB_20120810.NoSuchOperation",
        "DynamoDB_20120810.",
        "SomethingElse.ListTables",
    ] {
        let r = call(&srv.endpoint, target, "{}").await;
        r.assert_standard_headers();
        let v = r.assert_error(400, "UnknownOperationException");
        assert_eq!(
            v["__type"], "com.amazon.coral.service#UnknownOperationException",
            "target {target}"
        );
    }
}

#[tokio::test]
async fn body_over_16_mib_is_413_with_json_error() {
    let srv = TestServer::start_memory().await;
    let big = json!({
        "TableName": "whatever",
        "Item": {"pk": {"S": "x".repeat(16 * 1024 * 1024 + 1)}}
    })
    .to_string();
    let r = call(&srv.endpoint, "DynamoDB_20120810.PutItem", big).await;
    assert_eq!(r.status, 413, "{:?}", String::from_utf8_lossy(&r.body));
    let v = r.json();
    assert!(
        v["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("RequestEntityTooLarge")),
        "{v}"
    );
    assert!(v["message"].is_string(), "{v}");
    // the server is still healthy afterwards
    let r = call(&srv.endpoint, "DynamoDB_20120810.ListTables", "{}").await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn conditional_check_failure_carries_item_in_envelope() -> TestResult {
    let srv = TestServer::start_memory().await;
    let t = unique_name("wire-ccf");
    create_hash_table(&srv.client, &t).await?;
    let put = json!({"TableName": t, "Item": {"pk": {"S": "a"}, "v": {"N": "1.50"}}});
    let r = call(&srv.endpoint, "DynamoDB_20120810.PutItem", put.to_string()).await;
    assert_eq!(r.status, 200);
    r.assert_standard_headers();
    assert_eq!(r.json(), json!({}));
    let cond = json!({
        "TableName": t,
        "Item": {"pk": {"S": "a"}},
        "ConditionExpression": "attribute_not_exists(pk)",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"
    });
    let r = call(&srv.endpoint, "DynamoDB_20120810.PutItem", cond.to_string()).await;
    r.assert_standard_headers();
    let v = r.assert_error(400, "ConditionalCheckFailedException");
    assert_eq!(v["message"], "The conditional request failed");
    assert_eq!(v["Item"], json!({"pk": {"S": "a"}, "v": {"N": "1.5"}}));
    Ok(())
}
