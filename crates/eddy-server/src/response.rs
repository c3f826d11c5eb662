//! Building wire responses: the headers every answer carries, and error rendering.
//!
//! Every response, success or error, has `Content-Type: application/x-amz-json-1.0`,
//! `x-amzn-RequestId` and `x-amz-crc32` (IEEE CRC-32 of the exact body bytes, decimal;
//! some SDKs verify it). Errors are rendered only through [`ApiError::wire`] and
//! [`ApiError::to_body`], so the variant → status/`__type` table lives in `eddy-types`.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use eddy_types::ApiError;
use std::sync::atomic::{AtomicU64, Ordering};

/// The AWS JSON 1.0 media type, sent on every response.
pub const AMZ_JSON: HeaderValue = HeaderValue::from_static("application/x-amz-json-1.0");

/// A request id: a random-looking RFC 4122 version-4 UUID, rendered lower-case.
///
/// `Uuid::new_v4()` asks the OS for randomness on every call; on the hot path we instead
/// mix a per-process random seed with a counter through SplitMix64 (a bijection, so ids
/// never repeat within a process) and set the version/variant bits.
#[derive(Clone)]
pub struct RequestId {
    buf: [u8; uuid::fmt::Hyphenated::LENGTH],
}

impl RequestId {
    /// The next id.
    pub fn next() -> Self {
        static SEED: std::sync::OnceLock<(u64, u64)> = std::sync::OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let (a, b) = *SEED.get_or_init(|| {
            let u = uuid::Uuid::new_v4().as_u128();
            ((u >> 64) as u64, u as u64)
        });
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let hi = splitmix64(n ^ a);
        let lo = splitmix64(n.wrapping_add(b));
        let bytes = ((u128::from(hi) << 64) | u128::from(lo)).to_be_bytes();
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
        id.hyphenated().encode_lower(&mut buf);
        Self { buf }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // The buffer is filled by `encode_lower`, which writes ASCII hex and dashes only.
        std::str::from_utf8(&self.buf).unwrap_or_default()
    }

    fn header_value(&self) -> HeaderValue {
        HeaderValue::from_str(self.as_str()).unwrap_or(HeaderValue::from_static("0"))
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A response with `body` and the three standard headers.
pub fn json(status: StatusCode, body: Vec<u8>, request_id: &RequestId) -> Response<Body> {
    let crc = crc32fast::hash(&body);
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, AMZ_JSON);
    h.insert("x-amzn-requestid", request_id.header_value());
    h.insert("x-amz-crc32", HeaderValue::from(crc));
    resp
}

/// Renders an [`ApiError`] with its own status.
pub fn error(err: &ApiError, request_id: &RequestId) -> Response<Body> {
    let (status, _) = err.wire();
    error_with_status(err, status, request_id)
}

/// Renders an [`ApiError`]'s envelope under a routing status (404 for unknown paths).
pub fn error_with_status(err: &ApiError, status: u16, request_id: &RequestId) -> Response<Body> {
    let body = serde_json::to_vec(&err.to_body()).unwrap_or_else(|_| b"{}".to_vec());
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(status, body, request_id)
}

/// Renders a Lambda REST answer (its own status, content type and headers) with the
/// request id. Lambda responses carry no `x-amz-crc32`.
pub fn lambda(resp: eddy_lambda::RestResponse, request_id: &RequestId) -> Response<Body> {
    let mut out = Response::new(Body::from(resp.body));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    for (name, value) in resp.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    h.insert("x-amzn-requestid", request_id.header_value());
    out
}

/// Renders an SQS answer (status, content type, `x-amzn-query-error` on errors) with
/// the request id.
pub fn sqs(resp: eddy_sqs::SqsResponse, request_id: &RequestId) -> Response<Body> {
    let mut out = Response::new(Body::from(resp.body));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    for (name, value) in resp.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    h.insert("x-amzn-requestid", request_id.header_value());
    out
}

/// Renders an SNS answer (XML body, status, content type) with the request id.
pub fn sns(resp: eddy_sns::SnsResponse, request_id: &RequestId) -> Response<Body> {
    let mut out = Response::new(Body::from(resp.body));
    *out.status_mut() =
        StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = out.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(resp.content_type),
    );
    h.insert("x-amzn-requestid", request_id.header_value());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn request_ids_are_unique_v4_uuids() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let id = RequestId::next();
            let parsed = uuid::Uuid::parse_str(id.as_str()).expect("uuid");
            assert_eq!(parsed.get_version_num(), 4);
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
            assert!(seen.insert(id.as_str().to_string()));
        }
    }

    #[test]
    fn every_response_has_type_id_and_crc() {
        let id = RequestId::next();
        let resp = json(StatusCode::OK, b"{\"TableNames\":[]}".to_vec(), &id);
        let h = resp.headers();
        assert_eq!(h["content-type"], "application/x-amz-json-1.0");
        assert_eq!(h["x-amzn-requestid"], id.as_str());
        // Same body DynamoDB Local answered with x-amz-crc32: 1315925753.
        assert_eq!(h["x-amz-crc32"], "1315925753");
    }

    #[test]
    fn errors_use_the_wire_table() {
        let id = RequestId::next();
        let resp = error(&ApiError::RequestEntityTooLarge("big".into()), &id);
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let resp = error_with_status(&ApiError::UnknownOperation("x".into()), 404, &id);
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
}
