//! AWS Signature Version 4 verification (header form).
//!
//! Why our own: `aws-sigv4` only signs, and re-signing an incoming request with it is
//! fragile because the signer picks its own header set, while a verifier must use exactly
//! the client's `SignedHeaders`. The algorithm is small; the tests check it against
//! `aws-sigv4` as the oracle over random requests.
//!
//! Two modes, chosen by whether credentials are configured:
//! - **open** (no credentials, DynamoDB Local's behaviour): any syntactically valid
//!   `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header is
//!   accepted; nothing is verified and no principal is reported.
//! - **verifying**: the access key must be known, `X-Amz-Date` must be within ±15 minutes
//!   of now, the body must match `x-amz-content-sha256` when present, and the signature
//!   must match the canonical request rebuilt from the client's `SignedHeaders` and the
//!   actual body bytes. The key's principal is returned.
//!
//! In both modes a request without an `Authorization` header gets
//! `MissingAuthenticationTokenException`, as DynamoDB Local and AWS answer. Query-string
//! (presigned) authentication is not supported: no DynamoDB client uses it.

use crate::config::Credentials;
mod canonical;

pub use canonical::canonical_request;
#[cfg(test)]
use canonical::{canonical_query, canonical_uri, trim_all_into};

use axum::http::{HeaderMap, Method, Uri};
use eddy_types::ApiError;
use hmac::{Hmac, Mac};
use parking_lot::RwLock;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt::Write as _;
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, format_description::FormatItem};

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Allowed difference between the request's date and the server clock.
const MAX_SKEW: Duration = Duration::minutes(15);
/// Signing keys cached before the cache is simply cleared (keys are cheap to rederive).
const KEY_CACHE_LIMIT: usize = 4096;
/// `X-Amz-Date` format: `20260101T000000Z`.
const AMZ_DATE: &[FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

const MISSING_TOKEN: &str =
    "Request must contain either a valid (registered) AWS access key ID or X.509 certificate.";
const BAD_SIGNATURE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The parsed parts of an `Authorization: AWS4-HMAC-SHA256 ...` header, borrowing from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthHeader<'a> {
    /// The access key id.
    pub access_key_id: &'a str,
    /// `access_key_id/date/region/service` (the cache key for the signing key).
    pub key_scope: &'a str,
    /// `date/region/service/aws4_request`, as it goes into the string to sign.
    pub credential_scope: &'a str,
    /// `YYYYMMDD` from the credential scope.
    pub date: &'a str,
    /// Region from the credential scope.
    pub region: &'a str,
    /// Service from the credential scope.
    pub service: &'a str,
    /// Lower-case header names separated by `;`.
    pub signed_headers: &'a str,
    /// Hex signature.
    pub signature: &'a str,
}

/// Parses an `Authorization` header value. Errors are `IncompleteSignatureException`s
/// worded like AWS's.
pub fn parse_authorization(value: &str) -> Result<AuthHeader<'_>, ApiError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with([' ', '\t']))
        .ok_or_else(|| missing_params(value, true, true, true))?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(ApiError::IncompleteSignature(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{value}'."
            )));
        };
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed_headers = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(missing_params(
            value,
            credential.is_none(),
            signature.is_none(),
            signed_headers.is_none(),
        ));
    };
    let parts: Vec<&str> = credential.splitn(5, '/').collect();
    let [access_key_id, date, region, service, terminator] = parts[..] else {
        return Err(ApiError::IncompleteSignature(format!(
            "Credential should have the form ACCESS_KEY_ID/YYYYMMDD/REGION/SERVICE/aws4_request, not '{credential}'. Authorization={value}"
        )));
    };
    if terminator != "aws4_request" {
        return Err(ApiError::IncompleteSignature(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    if access_key_id.is_empty() || region.is_empty() || service.is_empty() {
        return Err(ApiError::IncompleteSignature(format!(
            "Credential should have non-empty access key, region and service, not '{credential}'. Authorization={value}"
        )));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::IncompleteSignature(format!(
            "Date in Credential scope should be YYYYMMDD, not '{date}'. Authorization={value}"
        )));
    }
    let key_scope_len = credential.len() - terminator.len() - 1;
    Ok(AuthHeader {
        access_key_id,
        key_scope: &credential[..key_scope_len],
        credential_scope: &credential[access_key_id.len() + 1..],
        date,
        region,
        service,
        signed_headers,
        signature,
    })
}

fn missing_params(value: &str, credential: bool, signature: bool, signed: bool) -> ApiError {
    let mut msg = String::new();
    for (missing, name) in [
        (credential, "Credential"),
        (signature, "Signature"),
        (signed, "SignedHeaders"),
    ] {
        if missing {
            let _ = write!(msg, "Authorization header requires '{name}' parameter. ");
        }
    }
    ApiError::IncompleteSignature(format!("{msg}Authorization={value}"))
}

/// Checks the `Authorization` header of each request; shared by all connections.
#[derive(Debug, Default)]
pub struct Verifier {
    credentials: Option<Credentials>,
    /// Derived signing keys by `access_key_id/date/region/service`: deriving costs four
    /// HMACs, and a client reuses one scope for a whole day.
    key_cache: RwLock<HashMap<Box<str>, [u8; 32]>>,
}

impl Verifier {
    /// A verifier; `None` selects the open (DynamoDB Local) mode.
    pub fn new(credentials: Option<Credentials>) -> Self {
        Self {
            credentials,
            key_cache: RwLock::default(),
        }
    }

    /// True when signatures are verified.
    pub fn is_verifying(&self) -> bool {
        self.credentials.is_some()
    }

    /// Authenticates one request. `now` is the server clock (injected for tests).
    /// Returns the principal in verifying mode, `None` in open mode.
    pub fn verify(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Option<String>, ApiError> {
        let Some(raw) = headers.get(axum::http::header::AUTHORIZATION) else {
            return Err(ApiError::MissingAuthenticationToken(MISSING_TOKEN.into()));
        };
        let value = String::from_utf8_lossy(raw.as_bytes());
        let auth = parse_authorization(&value)?;
        let Some(credentials) = &self.credentials else {
            return Ok(None);
        };

        let amz_date = request_date(headers, &value)?;
        let date_time = PrimitiveDateTime::parse(&amz_date, AMZ_DATE)
            .map_err(|_| {
                ApiError::IncompleteSignature(format!(
                    "X-Amz-Date must be in the ISO-8601 basic format YYYYMMDD'T'HHMMSS'Z', not '{amz_date}'."
                ))
            })?
            .assume_utc();
        if !amz_date.starts_with(auth.date) {
            return Err(ApiError::InvalidSignature(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
                auth.date,
                &amz_date[..8]
            )));
        }
        let Some(cred) = credentials.get(auth.access_key_id) else {
            return Err(ApiError::UnrecognizedClient(
                "The security token included in the request is invalid.".into(),
            ));
        };
        check_skew(date_time, now)?;

        let payload_hash = hex::encode(Sha256::digest(body));
        if let Some(claimed) = headers.get("x-amz-content-sha256")
            && !claimed
                .as_bytes()
                .eq_ignore_ascii_case(payload_hash.as_bytes())
        {
            return Err(ApiError::InvalidSignature(
                "The provided 'x-amz-content-sha256' header does not match what was computed."
                    .into(),
            ));
        }
        if !auth.signed_headers.split(';').any(|h| h == "host") {
            return Err(ApiError::IncompleteSignature(format!(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization. Authorization={value}"
            )));
        }

        let creq = canonical_request(method, uri, headers, auth.signed_headers, &payload_hash);
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{}\n{}",
            auth.credential_scope,
            hex::encode(Sha256::digest(&creq))
        );
        let key = self.signing_key(&auth, &cred.secret);
        let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
        if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
            Ok(Some(cred.principal.clone()))
        } else {
            Err(ApiError::InvalidSignature(BAD_SIGNATURE.into()))
        }
    }

    fn signing_key(&self, auth: &AuthHeader<'_>, secret: &str) -> [u8; 32] {
        if let Some(key) = self.key_cache.read().get(auth.key_scope) {
            return *key;
        }
        let key = derive_signing_key(secret, auth.date, auth.region, auth.service);
        let mut cache = self.key_cache.write();
        if cache.len() >= KEY_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(auth.key_scope.into(), key);
        key
    }
}

/// The request time from `X-Amz-Date`, or from `Date` (RFC 1123) as AWS allows.
fn request_date(headers: &HeaderMap, auth_value: &str) -> Result<String, ApiError> {
    if let Some(v) = headers.get("x-amz-date") {
        return Ok(String::from_utf8_lossy(v.as_bytes()).into_owned());
    }
    if let Some(v) = headers.get(axum::http::header::DATE) {
        let text = String::from_utf8_lossy(v.as_bytes());
        if let Ok(t) = OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc2822)
            && let Ok(s) = t.format(AMZ_DATE)
        {
            return Ok(s);
        }
    }
    Err(ApiError::IncompleteSignature(format!(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={auth_value}"
    )))
}

/// Rejects requests dated more than 15 minutes away from `now`, in AWS's words.
fn check_skew(date: OffsetDateTime, now: OffsetDateTime) -> Result<(), ApiError> {
    let fmt = |t: OffsetDateTime| t.format(AMZ_DATE).unwrap_or_default();
    if date < now - MAX_SKEW {
        return Err(ApiError::InvalidSignature(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            fmt(date),
            fmt(now - MAX_SKEW),
            fmt(now)
        )));
    }
    if date > now + MAX_SKEW {
        return Err(ApiError::InvalidSignature(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            fmt(date),
            fmt(now + MAX_SKEW),
            fmt(now)
        )));
    }
    Ok(())
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub fn derive_signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

#[cfg(test)]
mod tests;
