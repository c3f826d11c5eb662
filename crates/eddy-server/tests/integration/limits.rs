//! The body limit: a clean 413 JSON answer however the oversized body is sent.

use crate::support::{Answer, FAKE_AUTH, TestServer, ddb, raw_exchange, read_response};
use eddy_server::ServerConfig;
use tokio::io::AsyncWriteExt;

fn small_limit() -> ServerConfig {
    ServerConfig {
        max_body_bytes: 1024,
        ..ServerConfig::default()
    }
}

fn assert_413(raw: &str) {
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert!(
        raw.contains("com.amazon.coral.service#RequestEntityTooLarge"),
        "{raw}"
    );
    assert!(raw.to_ascii_lowercase().contains("x-amz-crc32:"), "{raw}");
}

#[tokio::test]
async fn default_limit_is_16_mib_and_bodies_over_it_get_413() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    // Just under 16 MiB passes the limit (and reaches JSON validation / the engine).
    let pad = "a".repeat(16 * 1024 * 1024 - 64);
    let body = format!("{{\"TableName\":\"t\",\"P\":\"{pad}\"}}");
    assert!(body.len() <= 16 * 1024 * 1024);
    let a = Answer::from(
        ddb(&client, &server, "GetItem", &body)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_ne!(a.status, 413);

    let body = "x".repeat(17 * 1024 * 1024);
    let a = Answer::from(
        ddb(&client, &server, "PutItem", &body)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(a.status, 413);
    a.assert_standard_headers();
    assert_eq!(
        a.error_type(),
        "com.amazon.coral.service#RequestEntityTooLarge"
    );
    assert!(
        a.json["message"]
            .as_str()
            .unwrap_or("")
            .contains("16777216")
    );
    server.stop().await;
}

#[tokio::test]
async fn oversized_content_length_with_expect_continue_is_answered_before_the_body() {
    let server = TestServer::start(small_limit()).await;
    let req = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\nAuthorization: {FAKE_AUTH}\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"
    );
    let raw = raw_exchange(server.addr, req.as_bytes()).await;
    assert_413(&raw);
    assert!(!raw.contains("100 Continue"));
    server.stop().await;
}

#[tokio::test]
async fn oversized_chunked_body_gets_413_after_being_drained() {
    let server = TestServer::start(small_limit()).await;
    let mut s = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\nAuthorization: {FAKE_AUTH}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("write");
    for _ in 0..8 {
        let chunk = "y".repeat(512);
        s.write_all(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
            .await
            .expect("write");
    }
    s.write_all(b"0\r\n\r\n").await.expect("write");
    let raw = read_response(&mut s).await;
    assert_413(&raw);
    assert!(raw.contains("4096 bytes"), "{raw}");
    server.stop().await;
}

#[tokio::test]
async fn a_body_exactly_at_the_limit_is_accepted() {
    let server = TestServer::start(small_limit()).await;
    let client = reqwest::Client::new();
    let body = format!("{{\"P\":\"{}\"}}", "z".repeat(1024 - 8));
    assert_eq!(body.len(), 1024);
    let a = Answer::from(
        ddb(&client, &server, "ListTables", &body)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_ne!(a.status, 413);
    server.stop().await;
}
