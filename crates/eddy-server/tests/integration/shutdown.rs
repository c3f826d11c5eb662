//! Graceful shutdown: stop accepting, finish what is in flight, then return.

use crate::support::{FAKE_AUTH, TestServer, read_response};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn shutdown_waits_for_an_in_flight_request_then_returns() {
    let mut server = TestServer::default().await;
    let addr = server.addr;
    // Start a request and stop half-way through its body: it is in flight.
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nAuthorization: {FAKE_AUTH}\r\nContent-Length: 2\r\n\r\n{{"
    );
    s.write_all(head.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(100)).await;

    server.signal_stop();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.task.is_finished(),
        "run returned with a request in flight"
    );

    // New connections are no longer accepted.
    let refused = tokio::net::TcpStream::connect(addr).await;
    if let Ok(mut c) = refused {
        // The listener may already be closed at the OS level or reset the connection.
        let _ = c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(
            Duration::from_secs(2),
            tokio::io::AsyncReadExt::read(&mut c, &mut buf),
        )
        .await
        .map_or(0, |r| r.unwrap_or(0));
        assert_eq!(n, 0, "a new connection was served after shutdown");
    }

    s.write_all(b"}").await.expect("finish body");
    let raw = read_response(&mut s).await;
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.contains("TableNames"), "{raw}");
    drop(s);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_with_idle_keep_alive_connections_returns_promptly() {
    let server = TestServer::default().await;
    let client = reqwest::Client::new();
    let resp = crate::support::ddb(&client, &server, "ListTables", "{}")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    // `client` keeps its pooled connection open; `stop` must still return.
    let started = std::time::Instant::now();
    server.stop().await;
    assert!(started.elapsed() < Duration::from_secs(5));
}
