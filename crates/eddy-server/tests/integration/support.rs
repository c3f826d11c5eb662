//! Starting a server in-process and small request helpers.

use eddy_engine::{Engine, EngineConfig};
use eddy_server::ServerConfig;
use eddy_storage::Storage;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub task: JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    pub async fn start(config: ServerConfig) -> Self {
        let storage: Arc<dyn Storage> = Arc::new(eddy_storage_mem::MemoryStorage::new());
        let engine = Engine::open(storage, EngineConfig::default())
            .await
            .expect("engine");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(eddy_server::run(listener, engine, config, async move {
            let _ = rx.await;
        }));
        Self {
            addr,
            stop: Some(tx),
            task,
        }
    }

    pub async fn default() -> Self {
        Self::start(ServerConfig::default()).await
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Signals shutdown without waiting.
    pub fn signal_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Signals shutdown and waits for `run` to return.
    pub async fn stop(mut self) {
        self.signal_stop();
        let res = tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("run returns after shutdown");
        res.expect("task").expect("run ok");
    }
}

/// Any syntactically valid SigV4 header: enough in open mode.
pub const FAKE_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd";

/// A POST with the DynamoDB target `op` and the fake signature.
pub fn ddb(
    client: &reqwest::Client,
    server: &TestServer,
    op: &str,
    body: &str,
) -> reqwest::RequestBuilder {
    client
        .post(server.url())
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("DynamoDB_20120810.{op}"))
        .header("authorization", FAKE_AUTH)
        .body(body.to_string())
}

/// A decoded response.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    pub json: serde_json::Value,
}

impl Answer {
    pub async fn from(resp: reqwest::Response) -> Self {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.expect("body").to_vec();
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        Self {
            status,
            headers,
            body,
            json,
        }
    }

    /// The envelope's `__type`.
    pub fn error_type(&self) -> &str {
        self.json["__type"].as_str().unwrap_or("")
    }

    /// Asserts the headers every eddy response carries, including a correct CRC32.
    pub fn assert_standard_headers(&self) {
        assert_eq!(self.headers["content-type"], "application/x-amz-json-1.0");
        let id = self.headers["x-amzn-requestid"].to_str().expect("ascii");
        uuid::Uuid::parse_str(id).expect("request id is a UUID");
        let crc: u32 = self.headers["x-amz-crc32"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("u32");
        assert_eq!(
            crc,
            crc32fast::hash(&self.body),
            "x-amz-crc32 matches the body"
        );
    }
}

/// Sends raw bytes and reads until the server closes or `done` says the answer is whole.
pub async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(request).await.expect("write");
    read_response(&mut s).await
}

/// Reads one HTTP/1.1 response with a Content-Length body.
pub async fn read_response(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
            .await
            .expect("response in time")
            .expect("read");
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}
