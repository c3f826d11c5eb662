//! The SigV4 canonical request: method, canonical URI, canonical query, the client's
//! signed headers and the payload hash, exactly as `aws-sigv4` builds them for non-S3
//! services (the path is normalized and encoded once more; query pairs are decoded,
//! re-encoded strictly and sorted; header values are trimmed and joined with commas).

use axum::http::{HeaderMap, Method, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, utf8_percent_encode};

/// RFC 3986 unreserved characters stay; everything else is percent-encoded.
const ENCODE_ALL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Like [`ENCODE_ALL`] but keeps `/` (canonical URI).
const ENCODE_PATH: &AsciiSet = &ENCODE_ALL.remove(b'/');

/// Builds the SigV4 canonical request (as bytes: header values need not be UTF-8).
pub fn canonical_request(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    signed_headers: &str,
    payload_hash: &str,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(uri.path()).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(uri.query().unwrap_or("")).as_bytes());
    out.push(b'\n');
    for name in signed_headers.split(';') {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        let mut first = true;
        for v in headers.get_all(name) {
            if !first {
                out.push(b',');
            }
            first = false;
            trim_all_into(v.as_bytes(), &mut out);
        }
        if first && name == "host" {
            // HTTP/2 carries the host in :authority, which is part of the URI.
            if let Some(a) = uri.authority() {
                out.extend_from_slice(a.as_str().as_bytes());
            }
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// Removes dot segments and empty segments, then encodes everything but unreserved
/// characters and `/` (so `%` in the request path becomes `%25`: non-S3 services sign
/// the already-encoded path, encoded once more).
pub(super) fn canonical_uri(path: &str) -> String {
    if path.is_empty() || path == "/" {
        return "/".into();
    }
    let normalized = if path.contains("/.") || path.contains("//") {
        let mut segs: Vec<&str> = Vec::new();
        for seg in path.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    segs.pop();
                }
                s => segs.push(s),
            }
        }
        let mut p = String::with_capacity(path.len());
        for s in &segs {
            p.push('/');
            p.push_str(s);
        }
        let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
        if p.is_empty() || trailing {
            p.push('/');
        }
        p
    } else {
        path.to_string()
    };
    utf8_percent_encode(&normalized, ENCODE_PATH).to_string()
}

/// Decodes `a=b&c` form-style, re-encodes each key and value strictly, and sorts.
pub(super) fn canonical_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let decode = |s: &str| {
        let plus = s.replace('+', " ");
        let bytes: Vec<u8> = percent_decode(plus.as_bytes()).collect();
        utf8_percent_encode(&String::from_utf8_lossy(&bytes), ENCODE_ALL).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(query.len() + 8);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Trims leading/trailing spaces and collapses runs of spaces to one (SigV4 `Trimall`).
pub(super) fn trim_all_into(v: &[u8], out: &mut Vec<u8>) {
    let mut prev_space = false;
    let start = out.len();
    for &b in v {
        if b == b' ' {
            if !prev_space && out.len() > start {
                out.push(b' ');
            }
            prev_space = true;
        } else {
            out.push(b);
            prev_space = false;
        }
    }
    if out.len() > start && out.last() == Some(&b' ') {
        out.pop();
    }
}
