//! Reading a request body under a size limit without dropping the connection.
//!
//! axum's `Bytes` extractor caps bodies at 2 MB (`DefaultBodyLimit`), while DynamoDB
//! accepts 16 MiB; we do not use extractors for the body at all and enforce
//! `ServerConfig::max_body_bytes` here instead.
//!
//! When a body is too large we still want the client to *read* our 413 answer. If we
//! answered and closed while the client is still sending, its next write fails with a
//! reset and many clients report that instead of the response. So:
//! - a declared `Content-Length` over the limit with `Expect: 100-continue` is answered at
//!   once (the client waits for `100 Continue`, which hyper only sends when we read);
//! - otherwise the rest of the body is read and discarded (up to [`DRAIN_LIMIT`] bytes,
//!   in constant memory) before the 413 goes out.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

/// At most this many bytes are discarded from an oversized body before answering anyway.
pub const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// Larger than the limit; carries the size declared or seen so far.
    TooLarge(u64),
    /// The connection failed while reading.
    Read(axum::Error),
}

/// Reads the whole body if it is at most `limit` bytes.
pub async fn read_limited(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit_u64 = limit as u64;
    if let Some(len) = declared
        && len > limit_u64
    {
        let expects_continue = headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        if !expects_continue {
            drain(body.into_data_stream(), 0).await;
        }
        return Err(BodyError::TooLarge(len));
    }

    let mut stream = body.into_data_stream();
    let mut first: Option<Bytes> = None;
    let mut buf: Option<BytesMut> = None;
    let mut seen: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(BodyError::Read)?;
        seen += chunk.len() as u64;
        if seen > limit_u64 {
            let total = drain(stream, seen).await;
            return Err(BodyError::TooLarge(total));
        }
        // Most bodies arrive in one chunk: keep it without copying.
        match (&mut first, &mut buf) {
            (None, None) => first = Some(chunk),
            (Some(f), None) => {
                let cap = declared.map_or(f.len() + chunk.len(), |d| d as usize);
                let mut b = BytesMut::with_capacity(cap.max(f.len() + chunk.len()));
                b.extend_from_slice(f);
                b.extend_from_slice(&chunk);
                first = None;
                buf = Some(b);
            }
            (_, Some(b)) => b.extend_from_slice(&chunk),
        }
    }
    Ok(match (first, buf) {
        (_, Some(b)) => b.freeze(),
        (Some(f), None) => f,
        (None, None) => Bytes::new(),
    })
}

/// Discards the rest of a body (bounded by [`DRAIN_LIMIT`]); returns the bytes seen.
async fn drain(mut stream: axum::body::BodyDataStream, mut seen: u64) -> u64 {
    while seen < DRAIN_LIMIT {
        match stream.next().await {
            Some(Ok(chunk)) => seen += chunk.len() as u64,
            _ => break,
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(chunks: Vec<&'static [u8]>) -> Body {
        let s = futures::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))),
        );
        Body::from_stream(s)
    }

    #[tokio::test]
    async fn joins_chunks_under_the_limit() {
        let b = read_limited(chunked(vec![b"ab", b"cd", b"e"]), &HeaderMap::new(), 5).await;
        assert_eq!(b.ok().as_deref(), Some(&b"abcde"[..]));
        let b = read_limited(Body::empty(), &HeaderMap::new(), 5).await;
        assert_eq!(b.ok().as_deref(), Some(&b""[..]));
    }

    #[tokio::test]
    async fn rejects_streams_over_the_limit_after_draining() {
        let b = read_limited(chunked(vec![b"abc", b"def", b"gh"]), &HeaderMap::new(), 5).await;
        assert!(matches!(b, Err(BodyError::TooLarge(8))));
    }

    #[tokio::test]
    async fn rejects_declared_lengths_over_the_limit() {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, "100".parse().expect("hv"));
        h.insert(header::EXPECT, "100-continue".parse().expect("hv"));
        let b = read_limited(Body::from("x"), &h, 5).await;
        assert!(matches!(b, Err(BodyError::TooLarge(100))));
    }
}
