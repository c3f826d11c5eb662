//! GetRecords: up to `Limit` records (and at most 1 MB) from an iterator's position.
//!
//! Reads never look above the visibility mark (see the streams module docs), so a
//! record whose batch is still being applied is returned by a later call, never skipped.
//! Cost is one range scan starting at the position: independent of the log's length.

use super::get_shard_iterator::trimmed;
use crate::Engine;
use crate::ops::common::decode;
use crate::ops::constraints::Violations;
use crate::streams::iterator::{ITERATOR_LIFETIME_MS, Position};
use crate::streams::record::{wire_len, write_wire};
use crate::streams::{STREAM_RECORDS, key_seq, record_key};
use eddy_storage::KeyRange;
use eddy_types::ApiError;
use serde::Deserialize;
use std::ops::Bound;

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
        let handle = self.streams.get(pos.stream_id).ok_or_else(|| {
            ApiError::ResourceNotFound("Requested resource not found: Stream does not exist".into())
        })?;
        let (arn, shard_end, trimmed_through) = {
            let m = handle.read();
            let Some(shard) = m.shard(pos.shard) else {
                // Shards disappear only once retention has passed over them.
                let older = m.shards.first().is_some_and(|s| pos.shard < s.ordinal);
                return Err(if older {
                    trimmed()
                } else {
                    ApiError::ResourceNotFound("Invalid ShardId in ShardIterator".into())
                });
            };
            let arn = m.arn(&self.config.region, &self.config.account_id);
            (arn, shard.end, m.trimmed_through)
        };
        if pos.next <= trimmed_through {
            return Err(trimmed());
        }
        let visible = self.streams.visible();
        let upper = shard_end.unwrap_or(u64::MAX).min(visible);
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(br#"{"Records":["#);
        let mut next = pos.next;
        if pos.next <= upper {
            let range = KeyRange {
                start: Bound::Included(record_key(pos.stream_id, pos.next)),
                end: Bound::Included(record_key(pos.stream_id, upper)),
            };
            let page = self
                .storage
                .scan(STREAM_RECORDS, &range, false, limit)
                .map_err(crate::storage_error)?;
            let mut bytes = 0;
            let mut capped = false;
            let region = &self.config.region;
            for (i, (k, v)) in page.iter().enumerate() {
                let len = wire_len(v, region);
                if i > 0 && bytes + len > MAX_BYTES {
                    capped = true;
                    break;
                }
                if i > 0 {
                    out.push(b',');
                }
                write_wire(&mut out, v, region);
                bytes += len;
                next = key_seq(k) + 1;
            }
            if !capped && page.len() < limit {
                // Everything up to `upper` has been seen: skip the numbers other
                // streams used, so the next call starts where new records will be.
                next = upper.saturating_add(1);
            }
        }
        out.push(b']');
        let closed_and_done = shard_end.is_some_and(|end| next > end && end <= visible);
        if !closed_and_done {
            let pos = Position {
                next,
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
