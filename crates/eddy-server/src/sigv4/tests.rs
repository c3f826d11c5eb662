//! SigV4 verifier tests: `aws-sigv4` signs, our verifier must accept exactly what it signs
//! and reject any change to the body, a signed header, the signature or the clock.

use super::*;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_smithy_runtime_api::client::identity::Identity;
use proptest::prelude::*;
use std::time::{Duration as StdDuration, SystemTime, UNIX_EPOCH};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// A request as the server sees it after signing: parts plus body.
struct Signed {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
}

struct Spec<'a> {
    method: &'a str,
    path_and_query: &'a str,
    headers: &'a [(&'a str, &'a str)],
    body: &'a [u8],
    time: SystemTime,
    content_sha256: bool,
}

fn sign_with(spec: &Spec<'_>, akid: &str, secret: &str) -> Signed {
    let url = format!("http://localhost:8000{}", spec.path_and_query);
    let mut req = http::Request::builder().method(spec.method).uri(&url);
    req = req.header("host", "localhost:8000");
    for (k, v) in spec.headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(spec.body.to_vec()).expect("valid request");
    let identity: Identity =
        aws_credential_types::Credentials::new(akid, secret, None, None, "test").into();
    let mut settings = SigningSettings::default();
    if spec.content_sha256 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("dynamodb")
        .time(spec.time)
        .settings(settings)
        .build()
        .expect("params")
        .into();
    let header_pairs: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().expect("ascii").to_string(),
            )
        })
        .collect();
    let signable = SignableRequest::new(
        spec.method,
        url.clone(),
        header_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(req.body()),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    instructions.apply_to_request_http1x(&mut req);
    let (parts, body) = req.into_parts();
    // The server sees origin-form: path and query only.
    let uri: Uri = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .parse()
        .expect("origin-form uri");
    Signed {
        method: parts.method,
        uri,
        headers: parts.headers,
        body,
    }
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + StdDuration::from_secs(secs)
}

fn odt(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

fn verifier() -> Verifier {
    Verifier::new(Some(Credentials::from_entries([(AKID, SECRET, "alice")])))
}

fn check(v: &Verifier, s: &Signed, now: SystemTime) -> Result<Option<String>, ApiError> {
    v.verify(&s.method, &s.uri, &s.headers, &s.body, odt(now))
}

const T0: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn basic(body: &[u8], content_sha256: bool) -> Signed {
    sign_with(
        &Spec {
            method: "POST",
            path_and_query: "/",
            headers: &[
                ("content-type", "application/x-amz-json-1.0"),
                ("x-amz-target", "DynamoDB_20120810.ListTables"),
            ],
            body,
            time: at(T0),
            content_sha256,
        },
        AKID,
        SECRET,
    )
}

#[test]
fn accepts_a_dynamodb_request_signed_by_aws_sigv4() {
    let v = verifier();
    let s = basic(b"{}", false);
    assert_eq!(
        check(&v, &s, at(T0)).ok().flatten().as_deref(),
        Some("alice")
    );
    // Second call hits the signing-key cache.
    assert!(check(&v, &s, at(T0 + 60)).is_ok());
    let s = basic(b"{\"Limit\":1}", true);
    assert!(check(&v, &s, at(T0)).is_ok());
}

#[test]
fn rejects_a_tampered_body() {
    let v = verifier();
    let mut s = basic(b"{\"Limit\":1}", false);
    s.body = b"{\"Limit\":2}".to_vec();
    let err = check(&v, &s, at(T0)).err();
    assert!(matches!(err, Some(ApiError::InvalidSignature(m)) if m == BAD_SIGNATURE));
}

#[test]
fn rejects_a_body_that_does_not_match_x_amz_content_sha256() {
    let v = verifier();
    let mut s = basic(b"{\"Limit\":1}", true);
    s.body = b"{\"Limit\":2}".to_vec();
    let err = check(&v, &s, at(T0)).err();
    assert!(
        matches!(err, Some(ApiError::InvalidSignature(m)) if m.contains("x-amz-content-sha256"))
    );
}

#[test]
fn rejects_a_tampered_signed_header_or_signature() {
    let v = verifier();
    let mut s = basic(b"{}", false);
    s.headers.insert(
        "x-amz-target",
        "DynamoDB_20120810.DeleteTable".parse().expect("hv"),
    );
    assert!(matches!(
        check(&v, &s, at(T0)),
        Err(ApiError::InvalidSignature(_))
    ));

    let mut s = basic(b"{}", false);
    let auth = s.headers["authorization"]
        .to_str()
        .expect("ascii")
        .to_string();
    let last = auth.chars().last().expect("nonempty");
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &auth[..auth.len() - 1]);
    s.headers
        .insert("authorization", tampered.parse().expect("hv"));
    assert!(matches!(
        check(&v, &s, at(T0)),
        Err(ApiError::InvalidSignature(_))
    ));

    // Unsigned headers may change freely.
    let mut s = basic(b"{}", false);
    s.headers
        .insert("user-agent", "changed".parse().expect("hv"));
    assert!(check(&v, &s, at(T0)).is_ok());
}

#[test]
fn rejects_unknown_keys_and_wrong_secrets() {
    let v = verifier();
    let spec = Spec {
        method: "POST",
        path_and_query: "/",
        headers: &[],
        body: b"{}",
        time: at(T0),
        content_sha256: false,
    };
    let s = sign_with(&spec, "AKIDOTHER", SECRET);
    let err = check(&v, &s, at(T0)).err();
    assert!(matches!(err, Some(ApiError::UnrecognizedClient(m))
        if m == "The security token included in the request is invalid."));
    let s = sign_with(&spec, AKID, "not-the-secret");
    assert!(matches!(
        check(&v, &s, at(T0)),
        Err(ApiError::InvalidSignature(_))
    ));
}

#[test]
fn rejects_clock_skew_beyond_fifteen_minutes_in_aws_words() {
    let v = verifier();
    let s = basic(b"{}", false);
    assert!(check(&v, &s, at(T0 + 15 * 60)).is_ok());
    assert!(check(&v, &s, at(T0 - 15 * 60)).is_ok());
    let err = check(&v, &s, at(T0 + 25 * 60)).err();
    let Some(ApiError::InvalidSignature(m)) = err else {
        panic!("expected InvalidSignature, got {err:?}");
    };
    assert_eq!(
        m,
        "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T002500Z - 15 min.)"
    );
    let err = check(&v, &s, at(T0 - 20 * 60)).err();
    let Some(ApiError::InvalidSignature(m)) = err else {
        panic!("expected InvalidSignature, got {err:?}");
    };
    assert_eq!(
        m,
        "Signature not yet current: 20260101T000000Z is still later than 20251231T235500Z (20251231T234000Z + 15 min.)"
    );
}

#[test]
fn missing_header_is_missing_authentication_token_in_both_modes() {
    for v in [Verifier::new(None), verifier()] {
        let err = v.verify(
            &Method::POST,
            &Uri::from_static("/"),
            &HeaderMap::new(),
            b"",
            odt(at(T0)),
        );
        assert!(matches!(err, Err(ApiError::MissingAuthenticationToken(_))));
    }
}

#[test]
fn open_mode_accepts_any_well_formed_header_without_checking() {
    let v = Verifier::new(None);
    let mut h = HeaderMap::new();
    h.insert(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=x/20200101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=00"
            .parse()
            .expect("hv"),
    );
    let r = v.verify(
        &Method::POST,
        &Uri::from_static("/"),
        &h,
        b"{}",
        odt(at(T0)),
    );
    assert_eq!(r.ok(), Some(None));
    h.insert("authorization", "Bearer token".parse().expect("hv"));
    let r = v.verify(
        &Method::POST,
        &Uri::from_static("/"),
        &h,
        b"{}",
        odt(at(T0)),
    );
    assert!(matches!(r, Err(ApiError::IncompleteSignature(_))));
}

#[test]
fn parse_reports_missing_parameters_like_aws() {
    let err = parse_authorization("AWS4-HMAC-SHA256 Credential=a/20260101/r/s/aws4_request").err();
    let Some(ApiError::IncompleteSignature(m)) = err else {
        panic!("{err:?}")
    };
    assert!(m.starts_with(
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
    ));
    let err = parse_authorization("AWS4-HMAC-SHA256 Credential= a/b, x").err();
    assert!(
        matches!(err, Some(ApiError::IncompleteSignature(m)) if m.contains("missing equal-sign"))
    );
    let err = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=a/20260101/r/s/aws5_request, SignedHeaders=host, Signature=0",
    )
    .err();
    assert!(matches!(err, Some(ApiError::IncompleteSignature(m)) if m.contains("terminator")));
    let ok = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AK/20260101/eu-west-1/dynamodb/aws4_request,SignedHeaders=host;x-amz-date,Signature=ab",
    );
    let ok = ok.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.key_scope, "AK/20260101/eu-west-1/dynamodb");
    assert_eq!(
        ok.credential_scope,
        "20260101/eu-west-1/dynamodb/aws4_request"
    );
    assert_eq!(
        (ok.region, ok.service, ok.signature),
        ("eu-west-1", "dynamodb", "ab")
    );
}

#[test]
fn canonical_helpers_follow_the_sigv4_rules() {
    assert_eq!(canonical_uri(""), "/");
    assert_eq!(canonical_uri("/a/./b/../c//d/"), "/a/c/d/");
    assert_eq!(canonical_uri("/a%20b/c:d"), "/a%2520b/c%3Ad");
    assert_eq!(canonical_query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
    assert_eq!(canonical_query("k=a+b%2Fc~"), "k=a%20b%2Fc~");
    let mut out = Vec::new();
    trim_all_into(b"  a   b  ", &mut out);
    assert_eq!(out, b"a b");
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[A-Za-z0-9._~!$&'()*+,;=:@-]{1,8}",
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
        1 => Just(String::new()),
        2 => "%[0-9A-F]{2}[a-z]{0,3}",
    ]
}

fn query_part() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z0-9._~!$'()*,;:@/?-]{0,6}",
        1 => Just("%20".to_string()),
        1 => Just("a+b".to_string()),
        1 => "%[0-9A-F]{2}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn verifies_whatever_aws_sigv4_signs(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        segments in prop::collection::vec(segment(), 0..5),
        trailing_slash in any::<bool>(),
        query in prop::collection::vec((query_part(), query_part()), 0..4),
        headers in prop::collection::vec(("x-[a-z][a-z0-9-]{0,8}", "[ -~]{0,16}"), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..256),
        content_sha256 in any::<bool>(),
        offset in 0u64..1_000_000_000,
        skew in -899i64..899,
    ) {
        let mut pq = String::new();
        for s in &segments {
            pq.push('/');
            pq.push_str(s);
        }
        if pq.is_empty() || trailing_slash {
            pq.push('/');
        }
        if !query.is_empty() {
            pq.push('?');
            let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            pq.push_str(&q.join("&"));
        }
        let header_refs: Vec<(&str, &str)> =
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let t = at(offset);
        let spec = Spec {
            method,
            path_and_query: &pq,
            headers: &header_refs,
            body: &body,
            time: t,
            content_sha256,
        };
        let s = sign_with(&spec, AKID, SECRET);
        let v = verifier();
        let now = if skew >= 0 {
            t + StdDuration::from_secs(skew.unsigned_abs())
        } else {
            t - StdDuration::from_secs(skew.unsigned_abs())
        };
        let r = check(&v, &s, now);
        prop_assert!(r.is_ok(), "rejected {} {pq}: {:?}", method, r);

        // Any change to the body is caught.
        let mut tampered = s;
        tampered.body.push(b'x');
        prop_assert!(matches!(check(&v, &tampered, now), Err(ApiError::InvalidSignature(_))));
    }
}

#[test]
fn date_header_is_accepted_when_x_amz_date_is_absent() {
    let mut h = HeaderMap::new();
    h.insert("date", "Thu, 01 Jan 2026 00:00:00 GMT".parse().expect("hv"));
    assert_eq!(
        request_date(&h, "").ok().as_deref(),
        Some("20260101T000000Z")
    );
    h.insert("x-amz-date", "20260102T000000Z".parse().expect("hv"));
    assert_eq!(
        request_date(&h, "").ok().as_deref(),
        Some("20260102T000000Z")
    );
    let err = request_date(&HeaderMap::new(), "AUTH").err();
    assert!(matches!(err, Some(ApiError::IncompleteSignature(m))
        if m == "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AUTH"));
}
