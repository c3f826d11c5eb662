//! SNS errors as they go on the wire: a code (without the `Exception` suffix the model's
//! shape names carry), an HTTP status, and Sender/Receiver fault.

/// One SNS error. Rendered only by [`crate::xml::error_body`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct SnsError {
    /// Wire code (`InvalidParameter`, `NotFound`, ...).
    pub code: &'static str,
    /// Human-readable message.
    pub message: String,
    /// HTTP status.
    pub status: u16,
    /// `Sender` (client fault) or `Receiver` (server fault).
    pub sender: bool,
}

impl SnsError {
    fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status,
            sender: status < 500,
        }
    }

    /// `InvalidParameter` (400).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("InvalidParameter", 400, message)
    }

    /// `InvalidParameter` with AWS's `Invalid parameter: X` prefix.
    pub fn invalid_param(message: impl std::fmt::Display) -> Self {
        Self::invalid(format!("Invalid parameter: {message}"))
    }

    /// `ParameterValueInvalid` (400), the code of `InvalidParameterValueException`.
    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new("ParameterValueInvalid", 400, message)
    }

    /// `NotFound` (404).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new("NotFound", 404, message)
    }

    /// `ResourceNotFound` (404), used by the tagging operations.
    pub fn resource_not_found(message: impl Into<String>) -> Self {
        Self::new("ResourceNotFound", 404, message)
    }

    /// `InvalidAction` (400): an Action the service does not know.
    pub fn invalid_action(action: &str) -> Self {
        Self::new(
            "InvalidAction",
            400,
            format!("The action {action} is not valid for this web service."),
        )
    }

    /// `ValidationError`-style missing parameter (400, `InvalidParameter` on SNS).
    pub fn missing(name: &str) -> Self {
        Self::invalid_param(format!("{name} is required"))
    }

    /// Batch errors (400) with their own codes.
    pub fn batch(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, 400, message)
    }

    /// `TagLimitExceeded` (400).
    pub fn tag_limit(message: impl Into<String>) -> Self {
        Self::new("TagLimitExceeded", 400, message)
    }

    /// `InternalError` (500).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalError", 500, message)
    }
}

impl From<eddy_storage::StorageError> for SnsError {
    fn from(e: eddy_storage::StorageError) -> Self {
        tracing::error!(error = %e, "SNS storage failure");
        Self::internal("Internal error (storage)")
    }
}

/// Result alias.
pub type SnsResult<T> = Result<T, SnsError>;
