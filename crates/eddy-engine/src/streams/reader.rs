//! Typed, in-process access to streams, for consumers inside eddy (trigger pollers) and
//! for GetRecords itself.
//!
//! A consumer names a position as (stream id, shard ordinal, next sequence number), reads
//! batches with [`Engine::stream_read`], and waits for new records with
//! [`Engine::stream_subscribe`] instead of polling on a timer. The same visibility rule as
//! GetRecords applies: nothing above the visibility mark is returned, so a reader never
//! passes a record whose batch is still being applied.

use super::meta::{ShardMeta, StreamMeta, StreamStatus, ViewType};
use super::record::{created_ms, write_wire};
use super::{STREAM_RECORDS, key_seq, record_key};
use crate::Engine;
use eddy_storage::KeyRange;
use eddy_types::ApiError;
use std::ops::Bound;

/// A snapshot of one stream's metadata.
#[derive(Debug, Clone)]
pub struct StreamView {
    /// Internal id.
    pub id: u64,
    /// The stream ARN.
    pub arn: String,
    /// The table's name.
    pub table_name: String,
    /// ENABLED or DISABLED.
    pub status: StreamStatus,
    /// The view type.
    pub view_type: ViewType,
    /// Retained shards, oldest first.
    pub shards: Vec<ShardMeta>,
    /// Every record up to this number has been trimmed.
    pub trimmed_through: u64,
}

/// One record as stored, rendered for the wire.
#[derive(Debug, Clone)]
pub struct StreamRecord {
    /// Its sequence number.
    pub seq: u64,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// The GetRecords JSON of the record (with `awsRegion`).
    pub json: Vec<u8>,
}

/// What [`Engine::stream_read`] found.
#[derive(Debug, Default)]
pub struct StreamBatch {
    /// Records in sequence order.
    pub records: Vec<StreamRecord>,
    /// The position to read from next.
    pub next: u64,
    /// The shard is closed and everything in it has been returned.
    pub shard_done: bool,
}

/// Why a read could not be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamReadError {
    /// The position lies in trimmed data (or the shard has been forgotten).
    Trimmed,
    /// The stream or shard does not exist.
    Gone,
}

impl StreamView {
    fn of(m: &StreamMeta, region: &str, account: &str) -> Self {
        Self {
            id: m.id,
            arn: m.arn(region, account),
            table_name: m.table_name.clone(),
            status: m.status,
            view_type: m.view_type,
            shards: m.shards.clone(),
            trimmed_through: m.trimmed_through,
        }
    }
}

impl Engine {
    /// The stream with this ARN (`None` if malformed or unknown).
    pub fn stream_view(&self, arn: &str) -> Option<StreamView> {
        let h = self.stream_by_arn(arn).ok()?;
        let m = h.read();
        Some(StreamView::of(
            &m,
            &self.config.region,
            &self.config.account_id,
        ))
    }

    /// The stream with this id.
    pub fn stream_view_by_id(&self, id: u64) -> Option<StreamView> {
        let h = self.streams.get(id)?;
        let m = h.read();
        Some(StreamView::of(
            &m,
            &self.config.region,
            &self.config.account_id,
        ))
    }

    /// The position just after the newest visible record (what LATEST means).
    pub fn stream_latest(&self) -> u64 {
        self.streams.visible() + 1
    }

    /// A receiver that changes whenever new stream records become visible.
    pub fn stream_subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.streams.subscribe()
    }

    /// Reads up to `limit` records (and about `max_bytes`, at least one record) of shard
    /// `shard` of stream `stream_id`, starting at sequence number `from`.
    pub fn stream_read(
        &self,
        stream_id: u64,
        shard: u32,
        from: u64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<StreamBatch, StreamReadError> {
        let handle = self.streams.get(stream_id).ok_or(StreamReadError::Gone)?;
        let (end, trimmed_through) = {
            let m = handle.read();
            let Some(s) = m.shard(shard) else {
                let older = m.shards.first().is_some_and(|s| shard < s.ordinal);
                return Err(if older {
                    StreamReadError::Trimmed
                } else {
                    StreamReadError::Gone
                });
            };
            (s.end, m.trimmed_through)
        };
        if from <= trimmed_through {
            return Err(StreamReadError::Trimmed);
        }
        let visible = self.streams.visible();
        let upper = end.unwrap_or(u64::MAX).min(visible);
        let mut batch = StreamBatch {
            next: from,
            ..StreamBatch::default()
        };
        if from <= upper && limit > 0 {
            let range = KeyRange {
                start: Bound::Included(record_key(stream_id, from)),
                end: Bound::Included(record_key(stream_id, upper)),
            };
            let page = self
                .storage
                .scan(STREAM_RECORDS, &range, false, limit)
                .map_err(|e| {
                    tracing::error!(error = %e, "reading a stream failed");
                    StreamReadError::Gone
                })?;
            let region = &self.config.region;
            let mut bytes = 0;
            let mut capped = false;
            for (k, v) in &page {
                let seq = key_seq(k);
                let mut json = Vec::with_capacity(2 * v.len() + 256);
                if write_wire(&mut json, v, stream_id, seq, region).is_none() {
                    tracing::error!(stream_id, seq, "corrupt stream record skipped");
                    continue;
                }
                let len = json.len();
                if !batch.records.is_empty() && bytes + len > max_bytes {
                    capped = true;
                    break;
                }
                batch.records.push(StreamRecord {
                    seq,
                    created_ms: created_ms(v),
                    json,
                });
                bytes += len;
                batch.next = seq + 1;
            }
            if !capped && page.len() < limit {
                // Everything up to `upper` has been seen.
                batch.next = upper.saturating_add(1);
            }
        }
        batch.shard_done = end.is_some_and(|e| batch.next > e && e <= visible);
        Ok(batch)
    }

    /// Maps a read error to the Streams API's error.
    pub(crate) fn stream_read_error(e: StreamReadError) -> ApiError {
        match e {
            StreamReadError::Trimmed => super::api::trimmed(),
            StreamReadError::Gone => ApiError::ResourceNotFound(
                "Requested resource not found: Shard does not exist".into(),
            ),
        }
    }
}
