//! End-to-end test harness for eddy.
//!
//! - [`TestServer`] runs eddy in-process on `127.0.0.1:0` (memory or fjall storage) and hands
//!   out an `aws_sdk_dynamodb::Client` pointed at it. Setting `EDDY_E2E_ENDPOINT` (for example
//!   to DynamoDB Local on `http://127.0.0.1:8001`) points every `TestServer` at that endpoint
//!   instead, so the same suite can be checked against the oracle.
//! - [`BinaryServer`] runs the built `eddy` binary as a child process (for crash and signal
//!   tests), parsing the port it prints.
//! - Small helpers: attribute constructors, table creation, error inspection, polling.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod binary;
#[cfg(feature = "inprocess")]
mod inprocess;

pub use binary::{BinaryServer, eddy_binary, parse_listening_line};

/// Boxed error for tests that return `Result`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Result alias for tests.
pub type TestResult<T = ()> = Result<T, BoxError>;
/// An item as the SDK sees it.
pub type Item = HashMap<String, AttributeValue>;

/// Region the clients sign for and that eddy puts in ARNs.
pub const REGION: &str = "us-east-1";
/// Account id eddy puts in ARNs by default.
pub const ACCOUNT_ID: &str = "000000000000";

/// The endpoint override, when the suite runs against an external server (the oracle).
pub fn external_endpoint() -> Option<String> {
    std::env::var("EDDY_E2E_ENDPOINT")
        .ok()
        .filter(|s| !s.is_empty())
}

/// An SDK client for `endpoint` with region us-east-1 and static credentials.
pub fn sdk_client(endpoint: &str) -> Client {
    let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", None, None, "e2e");
    let conf = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(REGION))
        .credentials_provider(creds)
        .build();
    Client::from_conf(conf)
}

/// A running eddy (or the external endpoint) plus a client for it. Shuts down on drop.
pub struct TestServer {
    /// Client configured for this server.
    pub client: Client,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    #[cfg(feature = "inprocess")]
    inner: Option<inprocess::Running>,
}

impl TestServer {
    /// eddy over `MemoryStorage`, in-process.
    pub async fn start_memory() -> Self {
        if let Some(ep) = external_endpoint() {
            return Self::external(ep);
        }
        #[cfg(feature = "inprocess")]
        {
            let running = inprocess::start_memory().await;
            Self::from_running(running)
        }
        #[cfg(not(feature = "inprocess"))]
        panic!("built without the `inprocess` feature: set EDDY_E2E_ENDPOINT")
    }

    /// eddy over `FjallStorage` in `dir`, in-process.
    pub async fn start_fjall(dir: &std::path::Path) -> Self {
        if let Some(ep) = external_endpoint() {
            let _ = dir;
            return Self::external(ep);
        }
        #[cfg(feature = "inprocess")]
        {
            let running = inprocess::start_fjall(dir).await;
            Self::from_running(running)
        }
        #[cfg(not(feature = "inprocess"))]
        {
            let _ = dir;
            panic!("built without the `inprocess` feature: set EDDY_E2E_ENDPOINT")
        }
    }

    fn external(endpoint: String) -> Self {
        Self {
            client: sdk_client(&endpoint),
            endpoint,
            #[cfg(feature = "inprocess")]
            inner: None,
        }
    }

    #[cfg(feature = "inprocess")]
    fn from_running(running: inprocess::Running) -> Self {
        let endpoint = format!("http://{}", running.addr);
        Self {
            client: sdk_client(&endpoint),
            endpoint,
            inner: Some(running),
        }
    }

    /// True when this is an external server (the oracle), not an eddy started here.
    pub fn is_external(&self) -> bool {
        #[cfg(feature = "inprocess")]
        {
            self.inner.is_none()
        }
        #[cfg(not(feature = "inprocess"))]
        true
    }

    /// The ARN eddy gives table `name`.
    pub fn table_arn(&self, name: &str) -> String {
        let region = std::env::var("EDDY_E2E_ARN_REGION").unwrap_or_else(|_| REGION.into());
        format!("arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{name}")
    }

    /// An in-memory server with one fresh hash-key table (`pk` S) named from `prefix`:
    /// the starting point of most item-level tests.
    pub async fn with_hash_table(prefix: &str) -> (Self, String) {
        let srv = Self::start_memory().await;
        let name = unique_name(prefix);
        create_hash_table(&srv.client, &name)
            .await
            .expect("create table");
        (srv, name)
    }

    /// Strongly consistent GetItem of the item with partition key `pk` (an S value).
    pub async fn get_item(&self, table: &str, pk: &str) -> Option<Item> {
        self.client
            .get_item()
            .table_name(table)
            .key("pk", s(pk))
            .consistent_read(true)
            .send()
            .await
            .expect("GetItem")
            .item
    }

    /// Stops the server and waits until it has shut down (storage closed).
    pub async fn shutdown(mut self) {
        #[cfg(feature = "inprocess")]
        if let Some(running) = self.inner.take() {
            running.stop().await;
        }
        let _ = &mut self;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        #[cfg(feature = "inprocess")]
        if let Some(running) = self.inner.take() {
            running.signal_stop();
        }
    }
}

/// A table name unique across processes and tests: `{prefix}-{pid}-{nanos}-{n}`.
pub fn unique_name(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// `{"S": v}`.
pub fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

/// `{"N": v}`.
pub fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Builds an item from pairs.
pub fn item<const K: usize>(pairs: [(&str, AttributeValue); K]) -> Item {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn attr_def(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ty)
        .build()
        .expect("attribute definition")
}

fn key_elem(name: &str, ty: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(ty)
        .build()
        .expect("key schema element")
}

/// Creates an on-demand table with a string hash key `pk`, waiting until it is ACTIVE.
pub async fn create_hash_table(client: &Client, name: &str) -> TestResult {
    client
        .create_table()
        .table_name(name)
        .key_schema(key_elem("pk", KeyType::Hash))
        .attribute_definitions(attr_def("pk", ScalarAttributeType::S))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    wait_active(client, name).await
}

/// Creates an on-demand table with hash key `pk` (S) and range key `sk` (N).
pub async fn create_hash_range_table(client: &Client, name: &str) -> TestResult {
    client
        .create_table()
        .table_name(name)
        .key_schema(key_elem("pk", KeyType::Hash))
        .key_schema(key_elem("sk", KeyType::Range))
        .attribute_definitions(attr_def("pk", ScalarAttributeType::S))
        .attribute_definitions(attr_def("sk", ScalarAttributeType::N))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    wait_active(client, name).await
}

/// Public constructors for key schema pieces, for tests that build their own tables.
pub fn hash_key(name: &str) -> KeySchemaElement {
    key_elem(name, KeyType::Hash)
}
/// A RANGE key schema element.
pub fn range_key(name: &str) -> KeySchemaElement {
    key_elem(name, KeyType::Range)
}
/// An attribute definition of type `ty` ("S", "N", "B" or anything else, sent as is).
pub fn attr(name: &str, ty: &str) -> AttributeDefinition {
    attr_def(name, ScalarAttributeType::from(ty))
}

/// Polls DescribeTable until the table is ACTIVE (30 s at most).
pub async fn wait_active(client: &Client, name: &str) -> TestResult {
    poll_until(Duration::from_secs(30), || async {
        let out = client.describe_table().table_name(name).send().await.ok()?;
        let status = out.table()?.table_status()?.as_str().to_string();
        (status == "ACTIVE").then_some(())
    })
    .await
    .map_err(|e| format!("table {name} never became ACTIVE: {e}").into())
}

/// Calls `f` every 50 ms until it yields `Some`, or fails after `timeout`.
pub async fn poll_until<T, F, Fut>(timeout: Duration, mut f: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            return Err(format!("condition not met within {timeout:?}"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The code and message of a service error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErr {
    /// The error code, e.g. `ValidationException`.
    pub code: String,
    /// The message (empty when the service sent none).
    pub message: String,
}

impl ApiErr {
    /// Asserts the code and that the message equals one of `messages` (documented AWS wording
    /// and DynamoDB Local's wording where they differ).
    #[track_caller]
    pub fn assert(&self, code: &str, messages: &[&str]) {
        assert_eq!(self.code, code, "error code (message: {:?})", self.message);
        if !messages.is_empty() {
            assert!(
                messages.iter().any(|m| self.message == *m),
                "{code} message {:?} is none of {messages:?}",
                self.message
            );
        }
    }

    /// Asserts the code and that the message contains one of `fragments`.
    #[track_caller]
    pub fn assert_contains(&self, code: &str, fragments: &[&str]) {
        assert_eq!(self.code, code, "error code (message: {:?})", self.message);
        assert!(
            fragments.iter().any(|f| self.message.contains(f)),
            "{code} message {:?} contains none of {fragments:?}",
            self.message
        );
    }
}

/// The service error of a failed SDK call; panics if the call succeeded or failed without a
/// service response (connection error, timeout...).
#[track_caller]
pub fn api_err<T, E, R>(res: Result<T, SdkError<E, R>>) -> ApiErr
where
    T: std::fmt::Debug,
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match res {
        Ok(v) => panic!("expected a service error, got success: {v:?}"),
        Err(SdkError::ServiceError(se)) => {
            let e = se.err();
            ApiErr {
                code: e.code().unwrap_or_default().to_string(),
                message: e.message().unwrap_or_default().to_string(),
            }
        }
        Err(other) => panic!("expected a service error, got {other:?}"),
    }
}

/// Shorthand: the string value of attribute `k` in `item`.
pub fn get_s<'a>(item: &'a Item, k: &str) -> Option<&'a str> {
    item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// Shorthand: the number text of attribute `k` in `item`.
pub fn get_n<'a>(item: &'a Item, k: &str) -> Option<&'a str> {
    item.get(k).and_then(|v| v.as_n().ok()).map(String::as_str)
}

/// A DynamoDB Streams SDK client for `endpoint` (same region and credentials as
/// [`sdk_client`]; Streams is served on the same port).
pub fn streams_client(endpoint: &str) -> aws_sdk_dynamodbstreams::Client {
    let creds = aws_sdk_dynamodbstreams::config::Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG",
        None,
        None,
        "e2e",
    );
    let conf = aws_sdk_dynamodbstreams::Config::builder()
        .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_dynamodbstreams::config::Region::new(REGION))
        .credentials_provider(creds)
        .build();
    aws_sdk_dynamodbstreams::Client::from_conf(conf)
}

/// A well-formed (unverified) SigV4 header for raw requests.
const RAW_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000";

/// POSTs a JSON body with `X-Amz-Target: target` (e.g.
/// `DynamoDBStreams_20120810.GetRecords`) and returns the status and the JSON reply.
pub async fn raw_json(
    endpoint: &str,
    target: &str,
    body: &serde_json::Value,
) -> TestResult<(u16, serde_json::Value)> {
    let resp = reqwest::Client::new()
        .post(endpoint)
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("X-Amz-Target", target)
        .header("X-Amz-Date", "20250101T000000Z")
        .header("Authorization", RAW_AUTH)
        .body(serde_json::to_vec(body)?)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await?;
    Ok((status, serde_json::from_slice(&bytes)?))
}
