//! GetShardIterator: a signed position in one shard.
//!
//! Positions are "the next sequence number to return". TRIM_HORIZON starts at the oldest
//! retained record, LATEST just after the newest *visible* one (so a write acknowledged
//! before the call is never returned, and one acknowledged after always is), AT / AFTER
//! at or after a given number, AT_TIMESTAMP at the first record created at or after a
//! time.

use crate::Engine;
use crate::ops::common::decode;
use crate::ops::constraints::Violations;
use crate::streams::iterator::Position;
use crate::streams::meta::{SeqPos, ShardMeta, StreamMeta, seq_from_wire};
use crate::streams::record::created_ms;
use crate::streams::{STREAM_RECORDS, key_seq, record_key};
use eddy_storage::KeyRange;
use eddy_types::ApiError;
use serde::Deserialize;
use serde_json::json;
use std::ops::Bound;

const ITERATOR_TYPES: &[&str] = &[
    "TRIM_HORIZON",
    "LATEST",
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "AT_TIMESTAMP",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Input {
    stream_arn: Option<String>,
    shard_id: Option<String>,
    shard_iterator_type: Option<String>,
    sequence_number: Option<String>,
    timestamp: Option<f64>,
}

fn invalid(msg: &str) -> ApiError {
    ApiError::validation(format!("One or more parameter values were invalid: {msg}"))
}

/// The message of a position older than the retention period.
pub(crate) fn trimmed() -> ApiError {
    ApiError::TrimmedDataAccess(
        "The operation attempted to read past the oldest stream record in a shard (the data has been trimmed)".into(),
    )
}

impl Engine {
    /// GetShardIterator.
    pub(crate) fn get_shard_iterator(&self, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let input: Input = decode(body)?;
        let mut c = Violations::new();
        c.not_null("streamArn", input.stream_arn.is_some());
        c.length("streamArn", input.stream_arn.as_deref(), 37, 1024);
        c.not_null("shardId", input.shard_id.is_some());
        c.length("shardId", input.shard_id.as_deref(), 28, 65);
        let ty = input.shard_iterator_type.as_deref();
        c.not_null("shardIteratorType", ty.is_some());
        c.one_of("shardIteratorType", ty, ITERATOR_TYPES);
        c.length("sequenceNumber", input.sequence_number.as_deref(), 21, 40);
        c.finish()?;
        let (arn, shard_id, ty) = match (&input.stream_arn, &input.shard_id, ty) {
            (Some(a), Some(s), Some(t)) => (a, s, t),
            _ => return Err(ApiError::validation("Invalid request")),
        };
        let seq = match input.sequence_number.as_deref() {
            Some(s) if !s.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(invalid("Invalid SequenceNumber"));
            }
            Some(s) => Some(seq_from_wire(s)),
            None => None,
        };
        let handle = self.stream_by_arn(arn)?;
        let m = handle.read();
        let shard = m.shards.iter().find(|s| &s.id == shard_id).ok_or_else(|| {
            ApiError::ResourceNotFound(format!(
                "Requested resource not found: Shard does not exist: {shard_id}"
            ))
        })?;
        let needs_seq = matches!(ty, "AT_SEQUENCE_NUMBER" | "AFTER_SEQUENCE_NUMBER");
        match (needs_seq, seq) {
            (true, None) => return Err(invalid("Invalid SequenceNumber")),
            (false, Some(_)) => {
                return Err(invalid(
                    "SequenceNumber should not be passed for this iterator type",
                ));
            }
            _ => {}
        }
        let horizon = shard.start.max(m.trimmed_through + 1);
        let past_end = shard.end.map_or(u64::MAX, |e| e + 1);
        let next = match (ty, seq) {
            ("TRIM_HORIZON", _) => horizon,
            ("LATEST", _) => (self.streams.visible() + 1).clamp(shard.start, past_end),
            ("AT_TIMESTAMP", _) => {
                let t = input
                    .timestamp
                    .ok_or_else(|| invalid("Timestamp must be passed for AT_TIMESTAMP"))?;
                if t * 1000.0 > self.clock.now_millis() as f64 {
                    return Err(invalid("Timestamp cannot be in the future"));
                }
                self.first_at_or_after(&m, shard, horizon, (t * 1000.0) as i64)?
            }
            (_, Some(pos)) => {
                let after = ty == "AFTER_SEQUENCE_NUMBER";
                match pos {
                    SeqPos::Below => return Err(invalid("Invalid SequenceNumber for the shard")),
                    SeqPos::Above => past_end,
                    // The shard's own start reads everything retained, like TRIM_HORIZON.
                    SeqPos::At(n) if n == shard.start && !after => horizon,
                    SeqPos::At(n) if n < shard.start => {
                        return Err(invalid("Invalid SequenceNumber for the shard"));
                    }
                    SeqPos::At(n) => {
                        let next = if after { n.saturating_add(1) } else { n };
                        if n <= m.trimmed_through {
                            return Err(trimmed());
                        }
                        next
                    }
                }
            }
            _ => horizon,
        };
        let pos = Position {
            stream_id: m.id,
            shard: shard.ordinal,
            next,
            issued_ms: self.clock.now_millis(),
        };
        let arn = m.arn(&self.config.region, &self.config.account_id);
        let it = self.streams.codec.encode(&arn, pos);
        Ok(serde_json::to_vec(&json!({ "ShardIterator": it })).unwrap_or_default())
    }

    /// The sequence number of the first record of `shard` (from `from`) created at or
    /// after `ms`, or the position after the shard's visible records.
    fn first_at_or_after(
        &self,
        m: &StreamMeta,
        shard: &ShardMeta,
        from: u64,
        ms: i64,
    ) -> Result<u64, ApiError> {
        let upper = shard.end.unwrap_or(u64::MAX).min(self.streams.visible());
        let mut range = KeyRange {
            start: Bound::Included(record_key(m.id, from)),
            end: Bound::Included(record_key(m.id, upper)),
        };
        loop {
            let page = self
                .storage
                .scan(STREAM_RECORDS, &range, false, 512)
                .map_err(crate::storage_error)?;
            if let Some((k, _)) = page.iter().find(|(_, v)| created_ms(v) >= ms) {
                return Ok(key_seq(k));
            }
            match page.last() {
                Some((k, _)) if page.len() == 512 => range.start = Bound::Excluded(k.clone()),
                _ => return Ok(upper.saturating_add(1).max(from)),
            }
        }
    }
}
