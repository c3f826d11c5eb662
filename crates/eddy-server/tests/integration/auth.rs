//! Verifying mode over HTTP: requests signed by `aws-sigv4` pass, others are refused with
//! AWS's error codes.

use crate::support::{Answer, FAKE_AUTH, TestServer};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_smithy_runtime_api::client::identity::Identity;
use eddy_server::{Credentials, ServerConfig};
use std::time::{Duration, SystemTime};

const AKID: &str = "AKIDTEST";
const SECRET: &str = "secret/key+with=chars";

fn verifying() -> ServerConfig {
    ServerConfig {
        credentials: Some(Credentials::from_entries([(AKID, SECRET, "alice")])),
        ..ServerConfig::default()
    }
}

/// Signs a DynamoDB call and returns the headers to send (including authorization).
fn signed_headers(
    server: &TestServer,
    akid: &str,
    secret: &str,
    body: &str,
    time: SystemTime,
) -> Vec<(String, String)> {
    let url = server.url();
    let headers = [
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amz-target", "DynamoDB_20120810.ListTables"),
        ("host", &url["http://".len()..url.len() - 1]),
    ];
    let identity: Identity =
        aws_credential_types::Credentials::new(akid, secret, None, None, "t").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("dynamodb")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let signable = SignableRequest::new(
        "POST",
        url.clone(),
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    let mut out: Vec<(String, String)> = headers[..2]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (k, v) in instructions.headers() {
        out.push((k.to_string(), v.to_string()));
    }
    out
}

async fn send(server: &TestServer, headers: &[(String, String)], body: &str) -> Answer {
    let mut req = reqwest::Client::new()
        .post(server.url())
        .body(body.to_string());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    Answer::from(req.send().await.expect("send")).await
}

#[tokio::test]
async fn a_correctly_signed_request_is_served() {
    let server = TestServer::start(verifying()).await;
    let h = signed_headers(&server, AKID, SECRET, "{}", SystemTime::now());
    let a = send(&server, &h, "{}").await;
    assert_eq!(a.status, 200, "{:?}", a.json);
    a.assert_standard_headers();
    server.stop().await;
}

#[tokio::test]
async fn a_changed_body_is_an_invalid_signature() {
    let server = TestServer::start(verifying()).await;
    let h = signed_headers(&server, AKID, SECRET, "{}", SystemTime::now());
    let a = send(&server, &h, "{ }").await;
    assert_eq!(a.status, 400);
    a.assert_standard_headers();
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#InvalidSignatureException"
    );
    assert!(
        a.json["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("The request signature we calculated does not match")
    );
    server.stop().await;
}

#[tokio::test]
async fn unknown_keys_and_fake_headers_are_unrecognized_clients() {
    let server = TestServer::start(verifying()).await;
    let h = signed_headers(&server, "AKIDNOPE", SECRET, "{}", SystemTime::now());
    let a = send(&server, &h, "{}").await;
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#UnrecognizedClientException"
    );
    assert_eq!(
        a.json["message"],
        "The security token included in the request is invalid."
    );

    // The open-mode fake header has no X-Amz-Date: incomplete in verifying mode.
    let h = vec![
        (
            "x-amz-target".to_string(),
            "DynamoDB_20120810.ListTables".to_string(),
        ),
        ("authorization".to_string(), FAKE_AUTH.to_string()),
    ];
    let a = send(&server, &h, "{}").await;
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#IncompleteSignatureException"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_stale_signature_has_expired() {
    let server = TestServer::start(verifying()).await;
    let old = SystemTime::now() - Duration::from_secs(20 * 60);
    let h = signed_headers(&server, AKID, SECRET, "{}", old);
    let a = send(&server, &h, "{}").await;
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#InvalidSignatureException"
    );
    assert!(
        a.json["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("Signature expired: ")
    );
    server.stop().await;
}
