//! Which API a request is for, decided from its method, path and headers alone.
//!
//! eddy serves every API on one port, like DynamoDB Local: the AWS JSON 1.0 services are
//! told apart by the `X-Amz-Target` prefix, the Lambda-style REST API by its
//! `/2015-03-31/...` path, and SNS by the query protocol (a form POST carrying
//! `Action=`). Classification is pure and allocation-free so it costs nothing on the
//! PutItem/GetItem hot path; `handler.rs` turns a [`Service`] into a response.
//!
//! Adding an API means adding a variant here and an arm in `handler::dispatch`.

use axum::http::{HeaderMap, Method, header};
use eddy_types::ApiError;

/// Target prefix of the DynamoDB API.
pub const DYNAMODB_PREFIX: &str = "DynamoDB_20120810";
/// Target prefix of the DynamoDB Streams API (same JSON protocol, same port).
pub const STREAMS_PREFIX: &str = "DynamoDBStreams_20120810";
/// Target prefix of eddy's own operations (e.g. `Eddy.GetFunctionLogs` for `eddy logs`).
pub const EDDY_PREFIX: &str = "Eddy";
/// Target prefix of the SQS API (AWS JSON 1.0, signing name `sqs`).
pub const SQS_PREFIX: &str = "AmazonSQS";
/// Path prefix of the Lambda REST API (event source mappings, functions, invoke).
pub const LAMBDA_PREFIX: &str = "/2015-03-31/";
/// Other Lambda API versions in use: PutFunctionConcurrency / DeleteFunctionConcurrency
/// (`/2017-10-31/`) and GetFunctionConcurrency (`/2019-09-30/`).
pub const LAMBDA_OTHER_PREFIXES: [&str; 2] = ["/2017-10-31/", "/2019-09-30/"];

/// DynamoDB Local's message for an operation it does not know.
pub const UNKNOWN_OPERATION: &str = "An unknown operation was requested.";

/// The API (and operation, where the route names one) a request is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service<'a> {
    /// `POST /` with `X-Amz-Target: DynamoDB_20120810.<Op>`; the op is a known name.
    DynamoDb(&'static str),
    /// `POST /` with `X-Amz-Target: DynamoDBStreams_20120810.<Op>`.
    Streams(&'a str),
    /// `POST /` with `X-Amz-Target: AmazonSQS.<Op>` (SQS, AWS JSON 1.0).
    Sqs(&'a str),
    /// `POST /` with `X-Amz-Target: Eddy.<Op>`: eddy's own operations (function logs,
    /// pending SNS deliveries).
    Eddy(&'a str),
    /// `/2015-03-31/...` Lambda REST API (method and path decide the operation).
    Lambda,
    /// `POST /` form-encoded with `Action=...` (SNS query protocol).
    Sns,
    /// `GET /`: DynamoDB Local answers it with a 400 (its health check); so do we.
    HealthCheck,
    /// `GET /metrics`: Prometheus text (no authentication, like any scrape target).
    Metrics,
    /// A JSON-protocol request that names no operation we know (missing or bad target).
    UnknownOperation,
    /// A JSON-protocol request with a content type other than JSON.
    UnsupportedContentType,
    /// Anything else: 404.
    NotFound,
}

impl<'a> Service<'a> {
    /// Classifies a request.
    pub fn classify(method: &Method, path: &str, headers: &'a HeaderMap) -> Self {
        if path.starts_with(LAMBDA_PREFIX)
            || LAMBDA_OTHER_PREFIXES.iter().any(|p| path.starts_with(p))
        {
            return Self::Lambda;
        }
        if path == "/metrics" && method == Method::GET {
            return Self::Metrics;
        }
        if path != "/" {
            return Self::NotFound;
        }
        if method == Method::GET || method == Method::HEAD {
            return Self::HealthCheck;
        }
        if method != Method::POST {
            return Self::NotFound;
        }
        let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
        let Some(target) = target else {
            return if is_form(headers) {
                Self::Sns
            } else {
                Self::UnknownOperation
            };
        };
        if !is_json(headers) {
            return Self::UnsupportedContentType;
        }
        match target.split_once('.') {
            Some((DYNAMODB_PREFIX, op)) => {
                dynamodb_operation(op).map_or(Self::UnknownOperation, Self::DynamoDb)
            }
            Some((STREAMS_PREFIX, op)) => Self::Streams(op),
            Some((EDDY_PREFIX, op)) => Self::Eddy(op),
            Some((SQS_PREFIX, op)) => Self::Sqs(op),
            _ => Self::UnknownOperation,
        }
    }

    /// The operation name for logs.
    pub fn op_name(&self) -> &'a str {
        match self {
            Self::DynamoDb(op) => op,
            Self::Streams(op) | Self::Eddy(op) | Self::Sqs(op) => op,
            Self::Lambda => "Lambda",
            Self::Sns => "Sns",
            Self::HealthCheck => "HealthCheck",
            Self::Metrics => "Metrics",
            Self::UnknownOperation | Self::UnsupportedContentType => "Unknown",
            Self::NotFound => "NotFound",
        }
    }
}

/// The error for a request that names no operation we implement.
pub fn unknown_operation() -> ApiError {
    ApiError::UnknownOperation(UNKNOWN_OPERATION.into())
}

fn media_type(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next().unwrap_or("").trim())
}

/// JSON protocol bodies: the two AWS JSON media types, plain JSON, or no content type
/// (hand-written clients). Like DynamoDB Local, we do not require one.
fn is_json(headers: &HeaderMap) -> bool {
    match media_type(headers) {
        None | Some("") => true,
        Some(t) => {
            t.eq_ignore_ascii_case("application/x-amz-json-1.0")
                || t.eq_ignore_ascii_case("application/x-amz-json-1.1")
                || t.eq_ignore_ascii_case("application/json")
        }
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|t| t.eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// Every operation of the DynamoDB 2012-08-10 API. Names outside this list are answered
/// by the server as unknown; names inside it go to the engine, which answers for the ones
/// it does not implement yet.
const DYNAMODB_OPERATIONS: &[&str] = &[
    "BatchExecuteStatement",
    "BatchGetItem",
    "BatchWriteItem",
    "CreateBackup",
    "CreateGlobalTable",
    "CreateTable",
    "DeleteBackup",
    "DeleteItem",
    "DeleteResourcePolicy",
    "DeleteTable",
    "DescribeBackup",
    "DescribeContinuousBackups",
    "DescribeContributorInsights",
    "DescribeEndpoints",
    "DescribeExport",
    "DescribeGlobalTable",
    "DescribeGlobalTableSettings",
    "DescribeImport",
    "DescribeKinesisStreamingDestination",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTableReplicaAutoScaling",
    "DescribeTimeToLive",
    "DisableKinesisStreamingDestination",
    "EnableKinesisStreamingDestination",
    "ExecuteStatement",
    "ExecuteTransaction",
    "ExportTableToPointInTime",
    "GetItem",
    "GetResourcePolicy",
    "ImportTable",
    "ListBackups",
    "ListContributorInsights",
    "ListExports",
    "ListGlobalTables",
    "ListImports",
    "ListTables",
    "ListTagsOfResource",
    "PutItem",
    "PutResourcePolicy",
    "Query",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "Scan",
    "TagResource",
    "TransactGetItems",
    "TransactWriteItems",
    "UntagResource",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "UpdateGlobalTable",
    "UpdateGlobalTableSettings",
    "UpdateItem",
    "UpdateKinesisStreamingDestination",
    "UpdateTable",
    "UpdateTableReplicaAutoScaling",
    "UpdateTimeToLive",
];

/// The static name of a DynamoDB operation, if `op` is one (hot ops checked first).
pub fn dynamodb_operation(op: &str) -> Option<&'static str> {
    const HOT: [&str; 4] = ["GetItem", "PutItem", "Query", "UpdateItem"];
    HOT.into_iter()
        .chain(DYNAMODB_OPERATIONS.iter().copied())
        .find(|known| *known == op)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn routes_json_targets_by_prefix() {
        let h = headers(&[
            ("x-amz-target", "DynamoDB_20120810.PutItem"),
            ("content-type", "application/x-amz-json-1.0"),
        ]);
        assert_eq!(
            Service::classify(&Method::POST, "/", &h),
            Service::DynamoDb("PutItem")
        );
        let h = headers(&[
            ("x-amz-target", "AmazonSQS.SendMessage"),
            ("content-type", "application/x-amz-json-1.0"),
        ]);
        assert_eq!(
            Service::classify(&Method::POST, "/", &h),
            Service::Sqs("SendMessage")
        );
        let h = headers(&[("x-amz-target", "DynamoDBStreams_20120810.ListStreams")]);
        assert_eq!(
            Service::classify(&Method::POST, "/", &h),
            Service::Streams("ListStreams")
        );
        let h = headers(&[
            ("x-amz-target", "DynamoDB_20120810.Scan"),
            ("content-type", "application/json; charset=utf-8"),
        ]);
        assert_eq!(
            Service::classify(&Method::POST, "/", &h),
            Service::DynamoDb("Scan")
        );
    }

    #[test]
    fn unknown_or_missing_targets_are_unknown_operations() {
        for t in [
            "DynamoDB_20120810.Nope",
            "DynamoDB_20120810",
            "Foo.ListTables",
            "",
        ] {
            let h = headers(&[("x-amz-target", t)]);
            assert_eq!(
                Service::classify(&Method::POST, "/", &h),
                Service::UnknownOperation,
                "{t}"
            );
        }
        let h = headers(&[("content-type", "application/x-amz-json-1.0")]);
        assert_eq!(
            Service::classify(&Method::POST, "/", &h),
            Service::UnknownOperation
        );
    }

    #[test]
    fn other_routes() {
        let h = HeaderMap::new();
        assert_eq!(
            Service::classify(&Method::GET, "/", &h),
            Service::HealthCheck
        );
        assert_eq!(
            Service::classify(&Method::GET, "/nope", &h),
            Service::NotFound
        );
        assert_eq!(
            Service::classify(&Method::DELETE, "/", &h),
            Service::NotFound
        );
        assert_eq!(
            Service::classify(&Method::GET, "/2015-03-31/functions/", &h),
            Service::Lambda
        );
        let h = headers(&[("content-type", "application/x-www-form-urlencoded")]);
        assert_eq!(Service::classify(&Method::POST, "/", &h), Service::Sns);
        let h = headers(&[
            ("content-type", "text/plain"),
            ("x-amz-target", "DynamoDB_20120810.GetItem"),
        ]);
        assert_eq!(
            Service::classify(&Method::POST, "/", &h),
            Service::UnsupportedContentType
        );
    }

    #[test]
    fn operation_table_has_no_duplicates_and_finds_every_name() {
        let mut sorted = DYNAMODB_OPERATIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), DYNAMODB_OPERATIONS.len());
        for op in DYNAMODB_OPERATIONS {
            assert_eq!(dynamodb_operation(op), Some(*op));
        }
        assert_eq!(dynamodb_operation("getitem"), None);
    }
}
