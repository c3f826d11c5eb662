//! The HTTP side of `eddy tail`: signed AWS JSON 1.0 POSTs over hyper-util's pooled
//! HTTP/1.1 client (already in the dependency graph through axum), AWS error envelopes,
//! and retries of transient failures.

use super::sigv4::Signer;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Uri;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// Longest wait for one HTTP exchange.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Retries of throttling / server errors before giving up.
const RETRIES: u32 = 5;

/// What can go wrong; rendered for the user by `Display`.
#[derive(Debug)]
pub enum Error {
    /// The endpoint cannot be reached (refused, unresolvable, ...).
    Connect { endpoint: String, detail: String },
    /// The service answered with an AWS error envelope.
    Api { code: String, message: String },
    /// The service answered with something that is not the protocol.
    Protocol(String),
    /// A condition of our own, already worded for the user.
    Fatal(String),
    /// stdout was closed (e.g. `eddy tail T | head`): stop quietly.
    BrokenPipe,
}

impl Error {
    /// True for an API error with this code (the part after `#` of `__type`).
    pub fn is(&self, code: &str) -> bool {
        matches!(self, Error::Api { code: c, .. } if c == code)
    }

    fn is_transient(&self) -> bool {
        match self {
            Error::Api { code, .. } => matches!(
                code.as_str(),
                "ThrottlingException"
                    | "LimitExceededException"
                    | "ProvisionedThroughputExceededException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "InternalFailure"
                    | "ServiceUnavailable"
            ),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connect { endpoint, detail } => write!(
                f,
                "cannot connect to {endpoint}: {detail} (is `eddy serve` running there? set --endpoint or EDDY_ENDPOINT)"
            ),
            Error::Api { code, message } if message.is_empty() => write!(f, "{code}"),
            Error::Api { code, message } => write!(f, "{code}: {message}"),
            Error::Protocol(m) | Error::Fatal(m) => f.write_str(m),
            Error::BrokenPipe => f.write_str("stdout closed"),
        }
    }
}

/// A client of one endpoint.
pub struct Client {
    http: HyperClient<HttpConnector, Full<Bytes>>,
    endpoint: String,
    uri: Uri,
    host: String,
    path: String,
    signer: Signer,
}

impl Client {
    /// A client of `endpoint` (an `http://host[:port][/path]` URL, as checked by the CLI).
    pub fn new(endpoint: &str, signer: Signer) -> Result<Self, Error> {
        let uri: Uri = endpoint
            .parse()
            .map_err(|e| Error::Fatal(format!("bad endpoint {endpoint}: {e}")))?;
        let host = uri
            .authority()
            .map(|a| a.as_str().to_string())
            .ok_or_else(|| Error::Fatal(format!("bad endpoint {endpoint}: no host")))?;
        let path = match uri.path() {
            "" => "/".to_string(),
            p => p.to_string(),
        };
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(10)));
        let http = HyperClient::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            http,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            uri,
            host,
            path,
            signer,
        })
    }

    /// The endpoint, for messages.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// True when no credentials came from the environment (for error hints).
    pub fn unsigned(&self) -> bool {
        self.signer.is_placeholder()
    }

    /// Calls `target` (e.g. `DynamoDBStreams_20120810.GetRecords`) and decodes the answer.
    pub async fn call<T: DeserializeOwned>(
        &self,
        target: &str,
        body: &serde_json::Value,
    ) -> Result<T, Error> {
        let bytes = self.call_raw(target, body).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::Protocol(format!("unexpected answer to {target}: {e}")))
    }

    /// Calls `target` and returns the raw body of a 200 answer; retries throttling and
    /// server errors a few times with backoff.
    pub async fn call_raw(&self, target: &str, body: &serde_json::Value) -> Result<Bytes, Error> {
        let body = Bytes::from(serde_json::to_vec(body).unwrap_or_default());
        let mut attempt = 0;
        loop {
            match self.once(target, body.clone()).await {
                Err(e) if e.is_transient() && attempt < RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                }
                other => return other,
            }
        }
    }

    async fn once(&self, target: &str, body: Bytes) -> Result<Bytes, Error> {
        let mut req = hyper::Request::post(self.uri.clone());
        for (name, value) in self.signer.sign(
            &self.host,
            &self.path,
            target,
            &body,
            OffsetDateTime::now_utc(),
        ) {
            req = req.header(name, value);
        }
        let req = req
            .body(Full::new(body))
            .map_err(|e| Error::Fatal(format!("cannot build a request: {e}")))?;
        let exchange = async {
            let resp = self.http.request(req).await.map_err(|e| {
                let detail = root_cause(&e);
                if e.is_connect() {
                    Error::Connect {
                        endpoint: self.endpoint.clone(),
                        detail,
                    }
                } else {
                    Error::Protocol(format!("request to {} failed: {detail}", self.endpoint))
                }
            })?;
            let status = resp.status();
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| {
                    Error::Protocol(format!("reading the answer from {}: {e}", self.endpoint))
                })?
                .to_bytes();
            Ok::<_, Error>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| {
                Error::Protocol(format!(
                    "{} did not answer {target} within {}s",
                    self.endpoint,
                    REQUEST_TIMEOUT.as_secs()
                ))
            })??;
        if status.is_success() {
            return Ok(bytes);
        }
        Err(api_error(status.as_u16(), &bytes))
    }
}

/// The AWS error of a non-2xx answer: `{"__type": "ns#Code", "message": ...}` (or
/// `Message`), else the status and body text.
pub fn api_error(status: u16, body: &[u8]) -> Error {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let ty = parsed
        .as_ref()
        .and_then(|v| v.get("__type"))
        .and_then(|t| t.as_str());
    match ty {
        Some(ty) => {
            let code = ty.rsplit('#').next().unwrap_or(ty).to_string();
            let message = parsed
                .as_ref()
                .and_then(|v| v.get("message").or_else(|| v.get("Message")))
                .and_then(|m| m.as_str())
                .unwrap_or_default()
                .to_string();
            Error::Api { code, message }
        }
        None if status >= 500 => Error::Api {
            code: "InternalServerError".into(),
            message: format!("HTTP {status}: {}", String::from_utf8_lossy(body)),
        },
        None => Error::Protocol(format!(
            "HTTP {status} without an AWS error: {}",
            String::from_utf8_lossy(body)
        )),
    }
}

/// The innermost error message (e.g. "Connection refused (os error 111)").
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_envelopes_are_decoded() {
        let e = api_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found: Table: t not found"}"#,
        );
        assert!(e.is("ResourceNotFoundException"));
        assert_eq!(
            e.to_string(),
            "ResourceNotFoundException: Requested resource not found: Table: t not found"
        );
        let local = api_error(
            400,
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ExpiredIteratorException","Message":""}"#,
        );
        assert!(local.is("ExpiredIteratorException"));
        assert_eq!(local.to_string(), "ExpiredIteratorException");
        assert!(api_error(503, b"busy").is_transient());
        assert!(matches!(api_error(404, b"nope"), Error::Protocol(_)));
    }

    #[tokio::test]
    async fn connection_refused_names_the_endpoint() {
        // Bind then drop: the port is (almost certainly) closed now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("{e}"));
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = Client::new(&endpoint, Signer::new("a", "b", None, "us-east-1"))
            .unwrap_or_else(|e| panic!("{e}"));
        let err = client
            .call_raw("DynamoDB_20120810.ListTables", &serde_json::json!({}))
            .await
            .err()
            .unwrap_or_else(|| panic!("connected to a closed port"));
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("cannot connect to {endpoint}: ")),
            "{msg}"
        );
        assert!(msg.to_lowercase().contains("refused"), "{msg}");
    }
}
