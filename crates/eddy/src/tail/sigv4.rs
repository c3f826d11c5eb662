//! A minimal AWS SigV4 signer for `eddy tail`'s JSON POSTs.
//!
//! eddy refuses requests without an `Authorization` header even in open mode (as
//! DynamoDB Local does), and verifies signatures when started with `--credentials`. So
//! every request is signed: with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and
//! `AWS_SESSION_TOKEN`) when set, otherwise with a placeholder key that open mode accepts.
//! The signing name is `dynamodb` for both the DynamoDB and the Streams API.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use time::OffsetDateTime;
use time::format_description::FormatItem;

/// The JSON protocol's content type (signed).
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// Access key used when the environment has none (accepted by eddy's open mode).
pub const PLACEHOLDER_KEY: &str = "eddy-tail";
const AMZ_DATE: &[FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
/// RFC 3986 unreserved characters, which SigV4 leaves unencoded.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Credentials and scope for signing.
#[derive(Debug, Clone)]
pub struct Signer {
    access_key: String,
    secret: String,
    session_token: Option<String>,
    region: String,
}

impl Signer {
    /// A signer with explicit credentials.
    pub fn new(access_key: &str, secret: &str, session_token: Option<&str>, region: &str) -> Self {
        Self {
            access_key: access_key.into(),
            secret: secret.into(),
            session_token: session_token.map(Into::into),
            region: region.into(),
        }
    }

    /// Credentials from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
    /// `AWS_SESSION_TOKEN`, or the placeholder when either of the first two is unset.
    pub fn from_env(region: &str) -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(key), Some(secret)) => {
                Self::new(&key, &secret, var("AWS_SESSION_TOKEN").as_deref(), region)
            }
            _ => Self::new(PLACEHOLDER_KEY, PLACEHOLDER_KEY, None, region),
        }
    }

    /// True when signing with the placeholder key (for error hints).
    pub fn is_placeholder(&self) -> bool {
        self.access_key == PLACEHOLDER_KEY
    }

    /// The headers of a signed `POST` of `body` with `X-Amz-Target: target` to `host`
    /// and `path`: content-type, host, x-amz-date, x-amz-target, x-amz-security-token
    /// (with a session token) and authorization. Send exactly these values.
    pub fn sign(
        &self,
        host: &str,
        path: &str,
        target: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Vec<(&'static str, String)> {
        let amz_date = now
            .to_offset(time::UtcOffset::UTC)
            .format(AMZ_DATE)
            .unwrap_or_default();
        let date = amz_date.get(..8).unwrap_or_default().to_string();
        let mut headers: Vec<(&'static str, String)> = vec![
            ("content-type", CONTENT_TYPE.into()),
            ("host", host.into()),
            ("x-amz-date", amz_date.clone()),
            ("x-amz-target", target.into()),
        ];
        if let Some(token) = &self.session_token {
            headers.push(("x-amz-security-token", token.clone()));
        }
        headers.sort_by_key(|(name, _)| *name);
        let signed: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        let signed = signed.join(";");

        let mut canonical = format!("POST\n{}\n\n", canonical_path(path));
        for (name, value) in &headers {
            let _ = writeln!(canonical, "{name}:{}", value.trim());
        }
        let _ = write!(
            canonical,
            "\n{signed}\n{}",
            hex::encode(Sha256::digest(body))
        );

        let scope = format!("{date}/{}/dynamodb/aws4_request", self.region);
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let mut key = hmac(format!("AWS4{}", self.secret).as_bytes(), date.as_bytes());
        for part in [self.region.as_str(), "dynamodb", "aws4_request"] {
            key = hmac(&key, part.as_bytes());
        }
        let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
        headers.push((
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed}, Signature={signature}",
                self.access_key
            ),
        ));
        headers
    }
}

/// The canonical URI of a non-S3 request: the (already encoded) path, encoded once more
/// except for unreserved characters and `/`.
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if unreserved(b) || b == b'/' {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use eddy_server::Credentials;
    use eddy_server::sigv4::Verifier;
    use hyper::http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

    fn header_map(headers: &[(&'static str, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let value = HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}"));
            map.insert(HeaderName::from_static(name), value);
        }
        map
    }

    fn verify(signer: &Signer, tamper: bool) -> Result<Option<String>, String> {
        let now = OffsetDateTime::now_utc();
        let body = br#"{"TableName":"orders"}"#;
        let headers = signer.sign(
            "127.0.0.1:8000",
            "/",
            "DynamoDB_20120810.DescribeTable",
            body,
            now,
        );
        let verifier = Verifier::new(Some(Credentials::from_entries([(
            "AKIDTAIL", "s3cret", "alice",
        )])));
        let uri: Uri = "/".parse().unwrap_or_else(|e| panic!("{e}"));
        let sent: &[u8] = if tamper { b"{}" } else { body };
        verifier
            .verify(&Method::POST, &uri, &header_map(&headers), sent, now)
            .map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn eddys_verifier_accepts_our_signature() {
        let signer = Signer::new("AKIDTAIL", "s3cret", None, "us-east-1");
        assert_eq!(verify(&signer, false), Ok(Some("alice".into())));
        let with_token = Signer::new("AKIDTAIL", "s3cret", Some("tok"), "eu-west-1");
        assert_eq!(verify(&with_token, false), Ok(Some("alice".into())));
    }

    #[test]
    fn a_wrong_secret_or_body_is_refused() {
        let wrong = Signer::new("AKIDTAIL", "other", None, "us-east-1");
        assert!(verify(&wrong, false).is_err());
        let right = Signer::new("AKIDTAIL", "s3cret", None, "us-east-1");
        assert!(verify(&right, true).is_err());
    }

    #[test]
    fn placeholder_signature_is_well_formed_for_open_mode() {
        let signer = Signer::new(PLACEHOLDER_KEY, PLACEHOLDER_KEY, None, "us-east-1");
        let headers = signer.sign("h", "/", "T", b"{}", OffsetDateTime::now_utc());
        let map = header_map(&headers);
        let verifier = Verifier::new(None);
        let uri: Uri = "/".parse().unwrap_or_else(|e| panic!("{e}"));
        let got = verifier.verify(&Method::POST, &uri, &map, b"{}", OffsetDateTime::now_utc());
        assert!(matches!(got, Ok(None)), "{got:?}");
        let auth = &headers.last().map(|(_, v)| v.clone()).unwrap_or_default();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=eddy-tail/"),
            "{auth}"
        );
        assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-target,"));
    }

    #[test]
    fn canonical_path_encodes_like_the_server() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path("/a b/%41"), "/a%20b/%2541");
    }
}
