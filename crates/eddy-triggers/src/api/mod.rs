//! The event-source-mappings REST API (`/2015-03-31/event-source-mappings`), Lambda's
//! REST-JSON protocol: routing, the error envelope, and one file per operation.

mod create;
mod params;
mod read;
mod update;

use crate::Triggers;
use serde_json::{Value, json};

/// An HTTP answer of the Lambda API.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `x-amzn-ErrorType` for errors.
    pub error_type: Option<&'static str>,
    /// JSON body.
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn json(status: u16, v: &Value) -> Self {
        Self {
            status,
            error_type: None,
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }
}

/// Lambda errors, each with its status and message casing (spec §2.1).
#[derive(Debug, Clone, PartialEq)]
pub enum LambdaError {
    /// 400, `message`.
    InvalidParameterValue(String),
    /// 400, `message` (input-shape violations).
    Validation(String),
    /// 404, `Message`.
    ResourceNotFound(String),
    /// 409, `message`.
    ResourceConflict(String),
    /// 400, `Message`.
    ResourceInUse(String),
    /// 500, `Message`.
    Service(String),
}

impl LambdaError {
    /// The wire response.
    pub fn response(&self) -> Response {
        let (status, code, key, msg) = match self {
            Self::InvalidParameterValue(m) => (400, "InvalidParameterValueException", "message", m),
            Self::Validation(m) => (400, "ValidationException", "message", m),
            Self::ResourceNotFound(m) => (404, "ResourceNotFoundException", "Message", m),
            Self::ResourceConflict(m) => (409, "ResourceConflictException", "message", m),
            Self::ResourceInUse(m) => (400, "ResourceInUseException", "Message", m),
            Self::Service(m) => (500, "ServiceException", "Message", m),
        };
        let ty = if status >= 500 { "Service" } else { "User" };
        let mut body = serde_json::Map::new();
        body.insert("Type".into(), json!(ty));
        body.insert(key.into(), json!(msg));
        Response {
            status,
            error_type: Some(code),
            body: serde_json::to_vec(&body).unwrap_or_default(),
        }
    }
}

pub(crate) type ApiResult = Result<Response, LambdaError>;

pub(crate) fn not_found() -> LambdaError {
    LambdaError::ResourceNotFound("The resource you requested does not exist.".into())
}

const PREFIX: &str = "/2015-03-31/event-source-mappings";

impl Triggers {
    /// True when `path` belongs to this API.
    pub fn handles(path: &str) -> bool {
        path.starts_with(PREFIX)
    }

    /// Serves one request (`query` without the leading `?`).
    pub async fn handle(&self, method: &str, path: &str, query: &str, body: &[u8]) -> Response {
        let rest = path.strip_prefix(PREFIX).unwrap_or("");
        let id = rest.trim_matches('/');
        let result = match (method, id.is_empty()) {
            ("POST", true) => self.create(body).await,
            ("GET", true) => self.list(query).await,
            ("GET", false) => self.get(id).await,
            ("PUT", false) => self.update(id, body).await,
            ("DELETE", false) => self.delete(id).await,
            _ => Err(LambdaError::ResourceNotFound(
                "The resource you requested does not exist.".into(),
            )),
        };
        result.unwrap_or_else(|e| e.response())
    }
}

/// Decodes a JSON body (an empty body is `{}`).
pub(crate) fn body_json(body: &[u8]) -> Result<Value, LambdaError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(LambdaError::InvalidParameterValue(
            "Could not parse request body into json".into(),
        )),
    }
}
