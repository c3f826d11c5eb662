//! Errors of the Lambda API, and their wire form.
//!
//! Lambda's REST-JSON envelope differs from DynamoDB's: the code travels in the
//! `x-amzn-ErrorType` header, the body is `{"Type": "User"|"Service", "<message>": ...}`,
//! and the message field is spelled `Message` or `message` depending on the error shape in
//! the service model (spec §2.1). [`LambdaError::wire`] is the one table that decides
//! status, code, type and casing; it is table-tested below.

use serde_json::{Map, Value};

/// Errors a Lambda client can observe. Variant names are the AWS error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LambdaError {
    /// 400 `InvalidParameterValueException` (`message`).
    #[error("{0}")]
    InvalidParameterValue(String),
    /// 400 `ValidationException` (`message`): input-shape violations (enum, range, pattern).
    #[error("{0}")]
    Validation(String),
    /// 404 `ResourceNotFoundException` (`Message`).
    #[error("{0}")]
    ResourceNotFound(String),
    /// 409 `ResourceConflictException` (`message`).
    #[error("{0}")]
    ResourceConflict(String),
    /// 400 `InvalidRequestContentException` (`message`): an Invoke payload that is not JSON.
    #[error("{0}")]
    InvalidRequestContent(String),
    /// 413 `RequestTooLargeException` (`message`).
    #[error("{0}")]
    RequestTooLarge(String),
    /// 429 `TooManyRequestsException` (`message`, `Reason`, `Retry-After` header).
    #[error("{message}")]
    TooManyRequests {
        /// The message (`Rate Exceeded.`).
        message: String,
        /// Why, e.g. `ReservedFunctionConcurrentInvocationLimitExceeded`.
        reason: String,
    },
    /// 412 `PreconditionFailedException` (`message`): a stale `RevisionId`.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 404 for a path no Lambda operation answers (`UnknownOperationException`, `Message`).
    #[error("{0}")]
    UnknownOperation(String),
    /// 500 `ServiceException` (`Message`): eddy's own failure (storage, file system).
    #[error("{0}")]
    Service(String),
}

/// How an error is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireError {
    /// HTTP status.
    pub status: u16,
    /// The code, sent as `x-amzn-ErrorType`.
    pub code: &'static str,
    /// `User` or `Service` (the body's `Type`).
    pub kind: &'static str,
    /// Name of the message field in the body (`Message` or `message`).
    pub message_field: &'static str,
}

impl LambdaError {
    /// Status, code, type and message casing, per the service model.
    pub fn wire(&self) -> WireError {
        let (status, code, kind, message_field) = match self {
            Self::InvalidParameterValue(_) => {
                (400, "InvalidParameterValueException", "User", "message")
            }
            Self::Validation(_) => (400, "ValidationException", "User", "message"),
            Self::ResourceNotFound(_) => (404, "ResourceNotFoundException", "User", "Message"),
            Self::ResourceConflict(_) => (409, "ResourceConflictException", "User", "message"),
            Self::InvalidRequestContent(_) => {
                (400, "InvalidRequestContentException", "User", "message")
            }
            Self::RequestTooLarge(_) => (413, "RequestTooLargeException", "User", "message"),
            Self::TooManyRequests { .. } => (429, "TooManyRequestsException", "User", "message"),
            Self::PreconditionFailed(_) => (412, "PreconditionFailedException", "User", "message"),
            Self::UnknownOperation(_) => (404, "UnknownOperationException", "User", "Message"),
            Self::Service(_) => (500, "ServiceException", "Service", "Message"),
        };
        WireError {
            status,
            code,
            kind,
            message_field,
        }
    }

    /// The JSON body of the error envelope.
    pub fn to_body(&self) -> Vec<u8> {
        let w = self.wire();
        let mut m = Map::new();
        m.insert("Type".into(), Value::String(w.kind.into()));
        m.insert(w.message_field.into(), Value::String(self.to_string()));
        if let Self::TooManyRequests { reason, .. } = self {
            m.insert("Reason".into(), Value::String(reason.clone()));
        }
        serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
    }

    /// `ResourceNotFoundException: Function not found: <arn>`.
    pub fn function_not_found(arn: &str) -> Self {
        Self::ResourceNotFound(format!("Function not found: {arn}"))
    }

    /// The throttle AWS returns when a function's concurrency is used up.
    pub fn throttled() -> Self {
        Self::TooManyRequests {
            message: "Rate Exceeded.".into(),
            reason: "ReservedFunctionConcurrentInvocationLimitExceeded".into(),
        }
    }
}

impl From<eddy_storage::StorageError> for LambdaError {
    fn from(e: eddy_storage::StorageError) -> Self {
        tracing::error!(error = %e, "function store: storage failure");
        Self::Service(format!("Storage failure: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_table_matches_the_service_model() {
        let cases = [
            (
                LambdaError::InvalidParameterValue("m".into()),
                400,
                "InvalidParameterValueException",
                "message",
            ),
            (
                LambdaError::Validation("m".into()),
                400,
                "ValidationException",
                "message",
            ),
            (
                LambdaError::ResourceNotFound("m".into()),
                404,
                "ResourceNotFoundException",
                "Message",
            ),
            (
                LambdaError::ResourceConflict("m".into()),
                409,
                "ResourceConflictException",
                "message",
            ),
            (
                LambdaError::InvalidRequestContent("m".into()),
                400,
                "InvalidRequestContentException",
                "message",
            ),
            (
                LambdaError::RequestTooLarge("m".into()),
                413,
                "RequestTooLargeException",
                "message",
            ),
            (
                LambdaError::throttled(),
                429,
                "TooManyRequestsException",
                "message",
            ),
            (
                LambdaError::Service("m".into()),
                500,
                "ServiceException",
                "Message",
            ),
        ];
        for (err, status, code, field) in cases {
            let w = err.wire();
            assert_eq!((w.status, w.code, w.message_field), (status, code, field));
            let body: Value = serde_json::from_slice(&err.to_body()).unwrap_or_default();
            assert_eq!(body[field], Value::String(err.to_string()), "{code}");
            let kind = if status == 500 { "Service" } else { "User" };
            assert_eq!(body["Type"], kind);
        }
        let body: Value =
            serde_json::from_slice(&LambdaError::throttled().to_body()).unwrap_or_default();
        assert_eq!(
            body["Reason"],
            "ReservedFunctionConcurrentInvocationLimitExceeded"
        );
    }
}
