//! Errors a DynamoDB client can observe.
//!
//! Each variant *is* an AWS error code. The HTTP layer renders an [`ApiError`] through
//! [`ApiError::wire`] (status, namespaced `__type`) and [`ApiError::to_body`] (the JSON
//! envelope), so the mapping from variant to bytes on the wire lives in exactly one place.
//! Lower layers (storage, I/O) never produce these directly: the engine converts its own
//! errors at its boundary and logs internals instead of leaking them.

use crate::attr::Item;
use serde_json::{Map, Value};

/// Namespace DynamoDB uses for request-shape validation errors.
const NS_VALIDATE: &str = "com.amazon.coral.validate#";
/// Namespace for protocol-level errors (serialization, auth, unknown operation).
const NS_SERVICE: &str = "com.amazon.coral.service#";
/// Namespace for DynamoDB's own service errors.
const NS_DYNAMODB: &str = "com.amazonaws.dynamodb.v20120810#";

/// One reason inside a `TransactionCanceledException`, in request order.
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    /// `None`, `ConditionalCheckFailed`, `TransactionConflict`, `ValidationError`...
    pub code: String,
    /// Human-readable message; absent for `None`.
    pub message: Option<String>,
    /// The old item when `ReturnValuesOnConditionCheckFailure = ALL_OLD`.
    pub item: Option<Item>,
}

/// Every error a client can observe. Variant names are the AWS error codes.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The request failed DynamoDB's validation.
    #[error("{0}")]
    Validation(String),
    /// The body is not valid JSON or does not match the operation's shape.
    #[error("{0}")]
    Serialization(String),
    /// The `X-Amz-Target` names no operation eddy knows.
    #[error("{0}")]
    UnknownOperation(String),
    /// No `Authorization` header (or query auth) at all.
    #[error("{0}")]
    MissingAuthenticationToken(String),
    /// The access key id is not known (only with `--credentials`).
    #[error("{0}")]
    UnrecognizedClient(String),
    /// The signature does not match (only with `--credentials`).
    #[error("{0}")]
    InvalidSignature(String),
    /// The `Authorization` header is malformed.
    #[error("{0}")]
    IncompleteSignature(String),
    /// The request body exceeds the service's limit (HTTP 413).
    #[error("{0}")]
    RequestEntityTooLarge(String),
    /// The table (or other resource) does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// The resource is being created, updated or deleted, or already exists.
    #[error("{0}")]
    ResourceInUse(String),
    /// A ConditionExpression / Expected evaluated to false.
    #[error("{message}")]
    ConditionalCheckFailed {
        /// Always "The conditional request failed" on DynamoDB.
        message: String,
        /// The existing item, when `ReturnValuesOnConditionCheckFailure = ALL_OLD`.
        item: Option<Item>,
    },
    /// A transaction was cancelled; one reason per request entry.
    #[error("{message}")]
    TransactionCanceled {
        /// The summary message listing the reason codes.
        message: String,
        /// One reason per request entry, in request order.
        reasons: Vec<CancellationReason>,
    },
    /// Another transaction holds one of the items.
    #[error("{0}")]
    TransactionConflict(String),
    /// An account or table limit was exceeded.
    #[error("{0}")]
    LimitExceeded(String),
    /// An item collection would exceed 10 GB (LSI tables).
    #[error("{0}")]
    ItemCollectionSizeLimitExceeded(String),
    /// Same idempotency token used with different parameters.
    #[error("{0}")]
    IdempotentParameterMismatch(String),
    /// A transaction with the same token is still in progress.
    #[error("{0}")]
    TransactionInProgress(String),
    /// PartiQL INSERT of an existing item.
    #[error("{0}")]
    DuplicateItem(String),
    /// Streams: the shard iterator is older than 15 minutes.
    #[error("{0}")]
    ExpiredIterator(String),
    /// Streams: the requested records are past the retention period.
    #[error("{0}")]
    TrimmedDataAccess(String),
    /// Something failed inside eddy; details are logged, never sent.
    #[error("{0}")]
    InternalServerError(String),
}

impl ApiError {
    /// Shorthand for a `ValidationException`.
    pub fn validation(msg: impl Into<String>) -> Self {
        Self::Validation(msg.into())
    }

    /// Shorthand for `ResourceNotFoundException` with DynamoDB's wording for tables.
    pub fn table_not_found(name: &str) -> Self {
        Self::ResourceNotFound(format!(
            "Requested resource not found: Table: {name} not found"
        ))
    }

    /// `ConditionalCheckFailedException` with DynamoDB's fixed message.
    pub fn condition_failed(item: Option<Item>) -> Self {
        Self::ConditionalCheckFailed {
            message: "The conditional request failed".into(),
            item,
        }
    }

    /// The HTTP status and the namespaced `__type` for this error.
    pub fn wire(&self) -> (u16, String) {
        let (status, ns, code) = match self {
            Self::Validation(_) => (400, NS_VALIDATE, "ValidationException"),
            Self::Serialization(_) => (400, NS_SERVICE, "SerializationException"),
            Self::UnknownOperation(_) => (400, NS_SERVICE, "UnknownOperationException"),
            Self::MissingAuthenticationToken(_) => {
                (400, NS_SERVICE, "MissingAuthenticationTokenException")
            }
            Self::UnrecognizedClient(_) => (400, NS_SERVICE, "UnrecognizedClientException"),
            Self::InvalidSignature(_) => (400, NS_SERVICE, "InvalidSignatureException"),
            Self::IncompleteSignature(_) => (400, NS_SERVICE, "IncompleteSignatureException"),
            Self::RequestEntityTooLarge(_) => (413, NS_SERVICE, "RequestEntityTooLarge"),
            Self::ResourceNotFound(_) => (400, NS_DYNAMODB, "ResourceNotFoundException"),
            Self::ResourceInUse(_) => (400, NS_DYNAMODB, "ResourceInUseException"),
            Self::ConditionalCheckFailed { .. } => {
                (400, NS_DYNAMODB, "ConditionalCheckFailedException")
            }
            Self::TransactionCanceled { .. } => (400, NS_DYNAMODB, "TransactionCanceledException"),
            Self::TransactionConflict(_) => (400, NS_DYNAMODB, "TransactionConflictException"),
            Self::LimitExceeded(_) => (400, NS_DYNAMODB, "LimitExceededException"),
            Self::ItemCollectionSizeLimitExceeded(_) => {
                (400, NS_DYNAMODB, "ItemCollectionSizeLimitExceededException")
            }
            Self::IdempotentParameterMismatch(_) => {
                (400, NS_DYNAMODB, "IdempotentParameterMismatchException")
            }
            Self::TransactionInProgress(_) => (400, NS_DYNAMODB, "TransactionInProgressException"),
            Self::DuplicateItem(_) => (400, NS_DYNAMODB, "DuplicateItemException"),
            Self::ExpiredIterator(_) => (400, NS_DYNAMODB, "ExpiredIteratorException"),
            Self::TrimmedDataAccess(_) => (400, NS_DYNAMODB, "TrimmedDataAccessException"),
            Self::InternalServerError(_) => (500, NS_DYNAMODB, "InternalServerError"),
        };
        (status, format!("{ns}{code}"))
    }

    /// The JSON error envelope: `{"__type": ..., "message": ...}` plus structured extras.
    pub fn to_body(&self) -> Value {
        let (_, ty) = self.wire();
        let mut m = Map::new();
        m.insert("__type".into(), Value::String(ty));
        m.insert("message".into(), Value::String(self.to_string()));
        match self {
            Self::ConditionalCheckFailed {
                item: Some(item), ..
            } => {
                m.insert("Item".into(), crate::attr::item_to_json(item));
            }
            Self::TransactionCanceled { reasons, .. } => {
                let list = reasons
                    .iter()
                    .map(|r| {
                        let mut o = Map::new();
                        o.insert("Code".into(), Value::String(r.code.clone()));
                        if let Some(msg) = &r.message {
                            o.insert("Message".into(), Value::String(msg.clone()));
                        }
                        if let Some(item) = &r.item {
                            o.insert("Item".into(), crate::attr::item_to_json(item));
                        }
                        Value::Object(o)
                    })
                    .collect();
                m.insert("CancellationReasons".into(), Value::Array(list));
            }
            _ => {}
        }
        Value::Object(m)
    }
}

/// Result alias used by the engine and the HTTP layer.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_client_error_is_400_and_internal_is_500() {
        let cases = [
            (
                ApiError::validation("x"),
                400,
                "com.amazon.coral.validate#ValidationException",
            ),
            (
                ApiError::Serialization("x".into()),
                400,
                "com.amazon.coral.service#SerializationException",
            ),
            (
                ApiError::table_not_found("t"),
                400,
                "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            ),
            (
                ApiError::condition_failed(None),
                400,
                "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
            ),
            (
                ApiError::RequestEntityTooLarge("x".into()),
                413,
                "com.amazon.coral.service#RequestEntityTooLarge",
            ),
            (
                ApiError::InternalServerError("x".into()),
                500,
                "com.amazonaws.dynamodb.v20120810#InternalServerError",
            ),
        ];
        for (err, status, ty) in cases {
            assert_eq!(err.wire(), (status, ty.to_string()));
            let body = err.to_body();
            assert_eq!(body["__type"], ty);
            assert!(body["message"].is_string());
        }
    }
}
