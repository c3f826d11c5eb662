//! An eddy with functions, in-process on 127.0.0.1:0, plus a raw HTTP client for the
//! Lambda REST API (raw so tests see exact statuses, headers and bodies).

use bytes::Bytes;
use eddy_engine::{Engine, EngineConfig};
use eddy_lambda::{Functions, FunctionsConfig};
use eddy_storage::Storage;
use serde_json::{Value, json};
use std::io::{Cursor, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Any well-formed SigV4 header is accepted without `--credentials`.
const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0000";

pub const ROLE: &str = "arn:aws:iam::000000000000:role/lambda-role";

pub struct Server {
    pub base: String,
    pub functions: Arc<Functions>,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A response: status, headers, body.
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Server {
    /// Memory storage, temporary code directory.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut FunctionsConfig)) -> Self {
        let storage: Arc<dyn Storage> = Arc::new(eddy_storage_mem::MemoryStorage::new());
        Self::start_on(storage, tweak).await
    }

    pub async fn start_on(
        storage: Arc<dyn Storage>,
        tweak: impl FnOnce(&mut FunctionsConfig),
    ) -> Self {
        let engine = Engine::open(storage.clone(), EngineConfig::default())
            .await
            .unwrap_or_else(|e| panic!("engine: {e}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"));
        let mut config = FunctionsConfig {
            endpoint_url: format!("http://{addr}"),
            async_retry_delays: vec![Duration::from_millis(50), Duration::from_millis(50)],
            ..FunctionsConfig::default()
        };
        tweak(&mut config);
        let functions =
            Functions::open(storage, config).unwrap_or_else(|e| panic!("functions: {e}"));
        let (tx, rx) = oneshot::channel::<()>();
        let f = functions.clone();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            let res = eddy_server::run_with_functions(
                listener,
                engine.clone(),
                Some(f.clone()),
                eddy_server::ServerConfig::default(),
                shutdown,
            )
            .await;
            f.shutdown();
            let _ = engine.storage().close();
            res.unwrap_or_else(|e| panic!("server: {e}"));
        });
        Self {
            base: format!("http://{addr}"),
            functions,
            http: reqwest::Client::new(),
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server and waits for it (storage closed, processes killed).
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", AUTH);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap_or_default();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request(reqwest::Method::GET, path, None, &[]).await
    }

    pub async fn send_json(&self, method: reqwest::Method, path: &str, body: &Value) -> Resp {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.request(
            method,
            path,
            Some(bytes),
            &[("content-type", "application/json")],
        )
        .await
    }

    /// CreateFunction with `extra` merged into the request.
    pub async fn create(
        &self,
        name: &str,
        runtime: &str,
        handler: &str,
        zip: &[u8],
        extra: Value,
    ) -> Resp {
        use base64::Engine as _;
        let mut body = json!({
            "FunctionName": name,
            "Runtime": runtime,
            "Role": ROLE,
            "Handler": handler,
            "Code": {"ZipFile": base64::engine::general_purpose::STANDARD.encode(zip)},
        });
        if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
            b.extend(extra);
        }
        self.send_json(reqwest::Method::POST, "/2015-03-31/functions", &body)
            .await
    }

    /// Creates and asserts 201.
    pub async fn create_ok(
        &self,
        name: &str,
        runtime: &str,
        handler: &str,
        zip: &[u8],
        extra: Value,
    ) {
        let r = self.create(name, runtime, handler, zip, extra).await;
        assert_eq!(
            r.status,
            201,
            "create {name}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }

    /// Invoke with optional headers.
    pub async fn invoke(&self, name: &str, payload: &str, headers: &[(&str, &str)]) -> Resp {
        self.request(
            reqwest::Method::POST,
            &format!("/2015-03-31/functions/{name}/invocations"),
            Some(payload.as_bytes().to_vec()),
            headers,
        )
        .await
    }
}

/// A zip of `(name, content, unix mode)` entries.
pub fn zip_of(files: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content, mode) in files {
        let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
        w.start_file(*name, opts).unwrap_or_else(|e| panic!("{e}"));
        w.write_all(content.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    w.finish().unwrap_or_else(|e| panic!("{e}")).into_inner()
}

/// A zip with one Python module `app.py`.
pub fn py_zip(source: &str) -> Vec<u8> {
    zip_of(&[("app.py", source, 0o644)])
}

/// Polls `check` every 20 ms until it holds or `timeout` passes.
pub async fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let end = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < end {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}
