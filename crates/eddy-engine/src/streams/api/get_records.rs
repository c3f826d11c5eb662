//! GetRecords: up to `Limit` records (and at most 1 MB) from an iterator's position.
//!
//! Reads never look above the visibility mark (see the streams module docs), so a
//! record whose batch is still being applied is returned by a later call, never skipped.
//! Cost is one range scan starting at the position: independent of the log's length.

use crate::Engine;
use crate::ops::common::decode;
use crate::ops::constraints::Violations;
use crate::streams::iterator::{ITERATOR_LIFETIME_MS, Position};
use crate::streams::reader::StreamReadError;
use eddy_types::ApiError;
use serde::Deserialize;

/// The response size cap.
const MAX_BYTES: usize = 1024 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    shard_iterator: Option<String>,
    limit: Option<i64>,
}

impl Engine {
    /// GetRecords.
    pub(crate) fn get_records(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Violations::new();
        let it = input.shard_iterator.as_deref();
        c.not_null("shardIterator", it.is_some());
        c.length("shardIterator", it, 1, 2048);
        let limit = super::limit(
            &mut c,
            input.limit,
            1000,
            "Limit should be less than or equal to 1000",
        )?;
        c.finish()?;
        let invalid = || ApiError::validation("Invalid ShardIterator");
        let pos = self
            .streams
            .codec
            .decode(it.ok_or_else(invalid)?)
            .ok_or_else(invalid)?;
        let now = self.clock.now_millis();
        if now - pos.issued_ms > ITERATOR_LIFETIME_MS {
            return Err(ApiError::ExpiredIterator(format!(
                "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of {ITERATOR_LIFETIME_MS} milliseconds.",
                pos.issued_ms, now
            )));
        }
        let arn = match self.streams.get(pos.stream_id) {
            Some(h) => h.read().arn(&self.config.region, &self.config.account_id),
            None => {
                return Err(ApiError::ResourceNotFound(
                    "Requested resource not found: Stream does not exist".into(),
                ));
            }
        };
        let batch = self
            .stream_read(pos.stream_id, pos.shard, pos.next, limit, MAX_BYTES)
            .map_err(|e| match e {
                StreamReadError::Gone => {
                    ApiError::ResourceNotFound("Invalid ShardId in ShardIterator".into())
                }
                e => Self::stream_read_error(e),
            })?;
        let size: usize = batch.records.iter().map(|r| r.json.len() + 1).sum();
        let mut out = Vec::with_capacity(size + arn.len() + 160);
        out.extend_from_slice(br#"{"Records":["#);
        for (i, r) in batch.records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&r.json);
        }
        out.push(b']');
        if !batch.shard_done {
            let pos = Position {
                next: batch.next,
                issued_ms: now,
                ..pos
            };
            out.extend_from_slice(br#","NextShardIterator":"#);
            let it = self.streams.codec.encode(&arn, pos);
            let _ = serde_json::to_writer(&mut out, &it);
        }
        out.push(b'}');
        Ok(out)
    }
}
