//! Errors in SQS vocabulary and their one rendering on the JSON protocol.
//!
//! SQS moved from the query protocol to AWS JSON 1.0 but kept its old error codes for
//! compatibility: the body's `__type` names the modeled shape
//! (`com.amazonaws.sqs#QueueDoesNotExist`) and the `x-amzn-query-error` header carries
//! the legacy code and fault (`AWS.SimpleQueueService.NonExistentQueue;Sender`). boto3
//! reports the legacy code as `Error.Code` and maps the shape name to its modeled
//! exception class (`client.exceptions.QueueDoesNotExist`), so both must be right.
//! The table in [`SqsError::wire`] follows the `awsQueryError` traits of the SQS model.

/// Errors a client can observe. Variant names are the SQS error shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SqsError {
    /// The queue does not exist (or the URL/ARN names no queue).
    #[error("{0}")]
    QueueDoesNotExist(String),
    /// CreateQueue with an existing name and different attributes.
    #[error("{0}")]
    QueueNameExists(String),
    /// An attribute name that the operation does not know.
    #[error("{0}")]
    InvalidAttributeName(String),
    /// An attribute value out of range or malformed.
    #[error("{0}")]
    InvalidAttributeValue(String),
    /// A parameter value out of range or malformed (not a modeled shape).
    #[error("{0}")]
    InvalidParameterValue(String),
    /// A required parameter is missing (not a modeled shape).
    #[error("{0}")]
    MissingParameter(String),
    /// The message body contains characters SQS does not allow.
    #[error("{0}")]
    InvalidMessageContents(String),
    /// The receipt handle is not one eddy issued.
    #[error("{0}")]
    ReceiptHandleIsInvalid(String),
    /// ChangeMessageVisibility on a message that is not in flight.
    #[error("{0}")]
    MessageNotInflight(String),
    /// A batch with no entries.
    #[error("{0}")]
    EmptyBatchRequest(String),
    /// A batch with more than 10 entries.
    #[error("{0}")]
    TooManyEntriesInBatchRequest(String),
    /// Two batch entries share an Id.
    #[error("{0}")]
    BatchEntryIdsNotDistinct(String),
    /// A batch entry Id with characters other than letters, digits, `-` and `_`.
    #[error("{0}")]
    InvalidBatchEntryId(String),
    /// The batch's messages together exceed the size limit.
    #[error("{0}")]
    BatchRequestTooLong(String),
    /// PurgeQueue within 60 seconds of the previous one.
    #[error("{0}")]
    PurgeQueueInProgress(String),
    /// An operation or feature eddy does not implement (FIFO queues).
    #[error("{0}")]
    UnsupportedOperation(String),
    /// The request body is not the JSON the operation expects.
    #[error("{0}")]
    Serialization(String),
    /// An operation name SQS does not have.
    #[error("{0}")]
    UnknownOperation(String),
    /// Storage failed; the request may be retried.
    #[error("{0}")]
    Internal(String),
}

impl From<eddy_storage::StorageError> for SqsError {
    fn from(e: eddy_storage::StorageError) -> Self {
        tracing::error!(error = %e, "sqs storage failure");
        Self::Internal(format!("Internal error: {e}"))
    }
}

/// How an error looks on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire {
    /// HTTP status.
    pub status: u16,
    /// `__type` (shape id).
    pub type_name: &'static str,
    /// `x-amzn-query-error` value (`code;Sender|Receiver`).
    pub query_error: &'static str,
}

const fn w(status: u16, type_name: &'static str, query_error: &'static str) -> Wire {
    Wire {
        status,
        type_name,
        query_error,
    }
}

impl SqsError {
    /// Status, shape id and legacy query code; one match, table-tested.
    pub fn wire(&self) -> Wire {
        match self {
            Self::QueueDoesNotExist(_) => w(
                400,
                "com.amazonaws.sqs#QueueDoesNotExist",
                "AWS.SimpleQueueService.NonExistentQueue;Sender",
            ),
            Self::QueueNameExists(_) => w(
                400,
                "com.amazonaws.sqs#QueueNameExists",
                "QueueAlreadyExists;Sender",
            ),
            Self::InvalidAttributeName(_) => w(
                400,
                "com.amazonaws.sqs#InvalidAttributeName",
                "InvalidAttributeName;Sender",
            ),
            Self::InvalidAttributeValue(_) => w(
                400,
                "com.amazonaws.sqs#InvalidAttributeValue",
                "InvalidAttributeValue;Sender",
            ),
            Self::InvalidParameterValue(_) => w(
                400,
                "com.amazonaws.sqs#InvalidParameterValue",
                "InvalidParameterValue;Sender",
            ),
            Self::MissingParameter(_) => w(
                400,
                "com.amazonaws.sqs#MissingParameter",
                "MissingParameter;Sender",
            ),
            Self::InvalidMessageContents(_) => w(
                400,
                "com.amazonaws.sqs#InvalidMessageContents",
                "InvalidMessageContents;Sender",
            ),
            Self::ReceiptHandleIsInvalid(_) => w(
                404,
                "com.amazonaws.sqs#ReceiptHandleIsInvalid",
                "ReceiptHandleIsInvalid;Sender",
            ),
            Self::MessageNotInflight(_) => w(
                400,
                "com.amazonaws.sqs#MessageNotInflight",
                "AWS.SimpleQueueService.MessageNotInflight;Sender",
            ),
            Self::EmptyBatchRequest(_) => w(
                400,
                "com.amazonaws.sqs#EmptyBatchRequest",
                "AWS.SimpleQueueService.EmptyBatchRequest;Sender",
            ),
            Self::TooManyEntriesInBatchRequest(_) => w(
                400,
                "com.amazonaws.sqs#TooManyEntriesInBatchRequest",
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender",
            ),
            Self::BatchEntryIdsNotDistinct(_) => w(
                400,
                "com.amazonaws.sqs#BatchEntryIdsNotDistinct",
                "AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender",
            ),
            Self::InvalidBatchEntryId(_) => w(
                400,
                "com.amazonaws.sqs#InvalidBatchEntryId",
                "AWS.SimpleQueueService.InvalidBatchEntryId;Sender",
            ),
            Self::BatchRequestTooLong(_) => w(
                400,
                "com.amazonaws.sqs#BatchRequestTooLong",
                "AWS.SimpleQueueService.BatchRequestTooLong;Sender",
            ),
            Self::PurgeQueueInProgress(_) => w(
                403,
                "com.amazonaws.sqs#PurgeQueueInProgress",
                "AWS.SimpleQueueService.PurgeQueueInProgress;Sender",
            ),
            Self::UnsupportedOperation(_) => w(
                400,
                "com.amazonaws.sqs#UnsupportedOperation",
                "AWS.SimpleQueueService.UnsupportedOperation;Sender",
            ),
            Self::Serialization(_) => w(
                400,
                "com.amazonaws.sqs#SerializationException",
                "SerializationException;Sender",
            ),
            Self::UnknownOperation(_) => w(
                400,
                "com.amazonaws.sqs#UnknownOperationException",
                "InvalidAction;Sender",
            ),
            Self::Internal(_) => w(
                500,
                "com.amazonaws.sqs#InternalError",
                "InternalError;Receiver",
            ),
        }
    }

    /// The JSON error body: `{"__type": ..., "message": ...}`.
    pub fn to_body(&self) -> Vec<u8> {
        let v = serde_json::json!({
            "__type": self.wire().type_name,
            "message": self.to_string(),
        });
        serde_json::to_vec(&v).unwrap_or_default()
    }

    /// The standard message for an unknown queue.
    pub fn no_queue() -> Self {
        Self::QueueDoesNotExist("The specified queue does not exist.".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_renders_a_shape_and_a_legacy_code() {
        let all = [
            SqsError::no_queue(),
            SqsError::QueueNameExists(String::new()),
            SqsError::InvalidAttributeName(String::new()),
            SqsError::InvalidAttributeValue(String::new()),
            SqsError::InvalidParameterValue(String::new()),
            SqsError::MissingParameter(String::new()),
            SqsError::InvalidMessageContents(String::new()),
            SqsError::ReceiptHandleIsInvalid(String::new()),
            SqsError::MessageNotInflight(String::new()),
            SqsError::EmptyBatchRequest(String::new()),
            SqsError::TooManyEntriesInBatchRequest(String::new()),
            SqsError::BatchEntryIdsNotDistinct(String::new()),
            SqsError::InvalidBatchEntryId(String::new()),
            SqsError::BatchRequestTooLong(String::new()),
            SqsError::PurgeQueueInProgress(String::new()),
            SqsError::UnsupportedOperation(String::new()),
            SqsError::Serialization(String::new()),
            SqsError::UnknownOperation(String::new()),
            SqsError::Internal(String::new()),
        ];
        for e in &all {
            let w = e.wire();
            assert!(w.type_name.starts_with("com.amazonaws.sqs#"), "{e:?}");
            let (code, fault) = w.query_error.split_once(';').expect("code;fault");
            assert!(!code.is_empty());
            let expected_fault = if w.status >= 500 {
                "Receiver"
            } else {
                "Sender"
            };
            assert_eq!(fault, expected_fault, "{e:?}");
        }
        let w = SqsError::no_queue().wire();
        assert_eq!(
            w.query_error,
            "AWS.SimpleQueueService.NonExistentQueue;Sender"
        );
        let body: serde_json::Value =
            serde_json::from_slice(&SqsError::no_queue().to_body()).expect("json");
        assert_eq!(body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
        assert_eq!(body["message"], "The specified queue does not exist.");
    }
}
