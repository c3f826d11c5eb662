//! The persisted description of one stream and its shards, and the identifier formats
//! clients see (labels, ARNs, shard ids, sequence numbers).
//!
//! A stream is stored as JSON in the `streams` keyspace under `s` + its id. Its records
//! live in the `stream_records` keyspace under `id (8 bytes BE) + sequence (8 bytes BE)`;
//! a record belongs to the shard whose sequence range contains its number, so records
//! never name their shard and a rollover is a metadata change only.

use crate::model::KeySchema;
use serde::{Deserialize, Serialize};

/// What a stream's records contain (`StreamViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewType {
    /// Only the key attributes.
    KeysOnly,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl ViewType {
    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "KEYS_ONLY" => Some(Self::KeysOnly),
            "NEW_IMAGE" => Some(Self::NewImage),
            "OLD_IMAGE" => Some(Self::OldImage),
            "NEW_AND_OLD_IMAGES" => Some(Self::NewAndOldImages),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeysOnly => "KEYS_ONLY",
            Self::NewImage => "NEW_IMAGE",
            Self::OldImage => "OLD_IMAGE",
            Self::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    /// Whether records carry `NewImage`.
    pub fn new_image(self) -> bool {
        matches!(self, Self::NewImage | Self::NewAndOldImages)
    }

    /// Whether records carry `OldImage`.
    pub fn old_image(self) -> bool {
        matches!(self, Self::OldImage | Self::NewAndOldImages)
    }
}

/// The stream a table points at, kept in the table's catalog record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableStream {
    /// The stream's id (key in the `streams` keyspace).
    pub id: u64,
    /// Its label (creation time), the last part of the ARN.
    pub label: String,
    /// Its view type.
    pub view_type: ViewType,
}

/// One shard: a contiguous range of sequence numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMeta {
    /// Position in the stream's lineage (0, 1, 2...); iterators name shards by it.
    pub ordinal: u32,
    /// `shardId-<20-digit creation ms>-<8 hex>`.
    pub id: String,
    /// The closed shard this one replaced.
    pub parent: Option<String>,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// First sequence number the shard can hold.
    pub start: u64,
    /// Last sequence number, once the shard is closed.
    pub end: Option<u64>,
}

/// Lifecycle of a stream. ENABLING and DISABLING are instantaneous here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamStatus {
    /// Open: writes append records.
    Enabled,
    /// Closed (disabled or table deleted); readable until retention passes.
    Disabled,
}

impl StreamStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
        }
    }
}

/// One stream as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamMeta {
    /// Unique id, never reused.
    pub id: u64,
    /// The table's name.
    pub table_name: String,
    /// The table incarnation's id.
    pub table_id: u64,
    /// Creation time as `YYYY-MM-DDTHH:MM:SS.mmm` (UTC).
    pub label: String,
    /// View type, fixed for the stream's life.
    pub view_type: ViewType,
    /// The table's key schema (DescribeStream shows it).
    pub key_schema: KeySchema,
    /// Creation time, ms since the epoch.
    pub created_ms: i64,
    /// Lifecycle state.
    pub status: StreamStatus,
    /// When the stream was disabled (retention of a disabled stream counts from here).
    pub disabled_ms: Option<i64>,
    /// Shards still within retention, oldest first; the last is open while ENABLED.
    pub shards: Vec<ShardMeta>,
    /// Every record with a sequence number up to this one has been trimmed (0: none).
    pub trimmed_through: u64,
}

impl StreamMeta {
    /// `arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL`.
    pub fn arn(&self, region: &str, account: &str) -> String {
        stream_arn(region, account, &self.table_name, &self.label)
    }

    /// The shard with this ordinal, if still retained.
    pub fn shard(&self, ordinal: u32) -> Option<&ShardMeta> {
        self.shards.iter().find(|s| s.ordinal == ordinal)
    }

    /// The open shard, while the stream is enabled.
    pub fn open_shard(&self) -> Option<&ShardMeta> {
        self.shards.last().filter(|s| s.end.is_none())
    }

    /// Highest sequence number this stream has ever reserved (closed shard ends and the
    /// trim point), for recovering the sequencer after a restart.
    pub fn high_water(&self) -> u64 {
        let ends = self.shards.iter().map(|s| s.end.unwrap_or(s.start));
        ends.chain([self.trimmed_through]).max().unwrap_or(0)
    }
}

/// The ARN of a table's stream.
pub fn stream_arn(region: &str, account: &str, table: &str, label: &str) -> String {
    format!("arn:aws:dynamodb:{region}:{account}:table/{table}/stream/{label}")
}

/// A label (`2015-05-20T20:51:10.252`) from epoch milliseconds.
pub fn label_from_ms(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// A fresh shard id created at `ms`.
pub fn new_shard_id(ms: i64) -> String {
    let r = crate::new_id() as u32;
    format!("shardId-{:020}-{r:08x}", ms.max(0))
}

/// Offset that makes every wire sequence number 21 digits long without a leading zero.
const SEQ_PREFIX: &str = "1";

/// The wire form of an internal sequence number: `1` followed by 20 zero-padded digits,
/// so numbers compare the same as strings (fixed width) and as big integers.
pub fn seq_to_wire(n: u64) -> String {
    format!("{SEQ_PREFIX}{n:020}")
}

/// Where a client's sequence number falls relative to every number eddy can issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqPos {
    /// Below every issuable number (e.g. `000...`).
    Below,
    /// An issuable number.
    At(u64),
    /// Above every issuable number (e.g. 40 digits).
    Above,
}

/// Classifies a syntactically valid sequence number (21..40 digits).
pub fn seq_from_wire(s: &str) -> SeqPos {
    if s.len() > 21 {
        // A longer number without leading zeros is larger than any 21-digit one.
        return if s.starts_with('0') {
            seq_from_wire(s.trim_start_matches('0'))
        } else {
            SeqPos::Above
        };
    }
    if s.len() < 21 {
        return SeqPos::Below;
    }
    match &s[..1] {
        "0" => SeqPos::Below,
        SEQ_PREFIX => s[1..].parse().map_or(SeqPos::Above, SeqPos::At),
        _ => SeqPos::Above,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_sequence_numbers_round_trip_and_order() {
        for n in [0, 1, 42, u64::MAX] {
            let w = seq_to_wire(n);
            assert_eq!(w.len(), 21);
            assert_eq!(seq_from_wire(&w), SeqPos::At(n));
        }
        assert!(seq_to_wire(9) < seq_to_wire(10));
        assert_eq!(seq_from_wire(&"9".repeat(40)), SeqPos::Above);
        assert_eq!(seq_from_wire(&"0".repeat(21)), SeqPos::Below);
        assert_eq!(seq_from_wire(&"2".repeat(21)), SeqPos::Above);
        assert_eq!(
            seq_from_wire(&format!("0000{}", seq_to_wire(7))),
            SeqPos::At(7)
        );
    }

    #[test]
    fn labels_and_shard_ids_have_the_aws_shapes() {
        assert_eq!(label_from_ms(1_432_154_270_252), "2015-05-20T20:37:50.252");
        let id = new_shard_id(1_414_562_045_508);
        assert!(id.starts_with("shardId-00000001414562045508-"), "{id}");
        assert_eq!(id.len(), 8 + 20 + 1 + 8);
    }
}
