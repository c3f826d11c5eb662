//! On-disk layout (see `docs/adr/0008-sqs.md`).
//!
//! - `sqs_queues`: queue name → [`QueueRecord`] (JSON).
//! - `sqs_meta`: `next_queue_id` → u64 (big-endian); ids are never reused, so a queue
//!   recreated under an old name never sees the old queue's messages.
//! - `sqs_messages`: queue id (u64 BE) ‖ sequence (u64 BE) → [`MessageRecord`] (JSON),
//!   written once by SendMessage and removed by DeleteMessage, PurgeQueue, retention or a
//!   move to the dead-letter queue.
//! - `sqs_message_state`: same key → [`MessageState`] (JSON): receive count and
//!   visibility, rewritten by ReceiveMessage and ChangeMessageVisibility so the (large)
//!   message record is never rewritten.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use eddy_storage::{KeyRange, Storage, StorageResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Queue records by name.
pub const QUEUES: &str = "sqs_queues";
/// Counters.
pub const META: &str = "sqs_meta";
/// Message records by (queue id, sequence).
pub const MESSAGES: &str = "sqs_messages";
/// Receive state by (queue id, sequence).
pub const MESSAGE_STATE: &str = "sqs_message_state";

/// Key in [`META`] of the next queue id.
pub const NEXT_QUEUE_ID: &[u8] = b"next_queue_id";

/// A stored queue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueueRecord {
    /// Internal id (prefix of its message keys).
    pub id: u64,
    /// Queue name.
    pub name: String,
    /// Settable attributes, normalized (defaults filled in).
    pub attributes: BTreeMap<String, String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Last attribute change, seconds since the epoch.
    pub modified: i64,
}

/// A stored message attribute.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredAttribute {
    /// Attribute name.
    pub name: String,
    /// `String`, `Number`, `Binary` (with an optional `.label`).
    pub data_type: String,
    /// String/Number value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    /// Binary value, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
}

impl StoredAttribute {
    /// From the API type.
    pub fn from_attribute(name: &str, a: &crate::MessageAttribute) -> Self {
        Self {
            name: name.to_string(),
            data_type: a.data_type.clone(),
            string: a.string_value.clone(),
            binary: a.binary_value.as_ref().map(|b| B64.encode(b)),
        }
    }

    /// To the API type.
    pub fn to_attribute(&self) -> crate::MessageAttribute {
        crate::MessageAttribute {
            data_type: self.data_type.clone(),
            string_value: self.string.clone(),
            binary_value: self.binary.as_ref().and_then(|b| B64.decode(b).ok()),
        }
    }
}

/// A stored message (immutable once written).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MessageRecord {
    /// MessageId (a UUID).
    pub id: String,
    /// Body.
    pub body: String,
    /// Message attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<StoredAttribute>,
    /// Original enqueue time, ms since the epoch (retention counts from here, also
    /// after a move to a dead-letter queue).
    pub sent: i64,
    /// First time the message may be received, ms (send time plus delay).
    pub visible_from: i64,
    /// `SenderId` system attribute.
    #[serde(default)]
    pub sender: String,
    /// `AWSTraceHeader` system attribute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_header: Option<String>,
    /// `DeadLetterQueueSourceArn`: the queue it was moved from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_source: Option<String>,
}

/// Receive state of a message (absent until first received).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct MessageState {
    /// Times received.
    pub receive_count: u32,
    /// First receive, ms.
    pub first_receive: i64,
    /// Invisible until, ms.
    pub visible_at: i64,
}

/// Key of a message in [`MESSAGES`] and [`MESSAGE_STATE`].
pub fn message_key(queue_id: u64, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(16);
    k.extend_from_slice(&queue_id.to_be_bytes());
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// Splits a message key.
pub fn split_message_key(key: &[u8]) -> Option<(u64, u64)> {
    let q = u64::from_be_bytes(key.get(..8)?.try_into().ok()?);
    let s = u64::from_be_bytes(key.get(8..16)?.try_into().ok()?);
    (key.len() == 16).then_some((q, s))
}

/// Every pair in `keyspace` under `prefix`, read in pages.
pub fn scan_all(
    storage: &dyn Storage,
    keyspace: &'static str,
    prefix: &[u8],
) -> StorageResult<Vec<(Vec<u8>, Vec<u8>)>> {
    const PAGE: usize = 1024;
    let mut out = Vec::new();
    let mut range = KeyRange::prefix(prefix);
    loop {
        let page = storage.scan(keyspace, &range, false, PAGE)?;
        let done = page.len() < PAGE;
        if let Some((last, _)) = page.last() {
            range.start = std::ops::Bound::Excluded(last.clone());
        }
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// Encodes a record as JSON.
pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_keys_order_by_queue_then_sequence() {
        let a = message_key(1, 2);
        let b = message_key(1, 256);
        let c = message_key(2, 0);
        assert!(a < b && b < c);
        assert_eq!(split_message_key(&b), Some((1, 256)));
        assert_eq!(split_message_key(&b[..15]), None);
    }

    #[test]
    fn binary_attributes_round_trip_through_base64() {
        let a = crate::MessageAttribute {
            data_type: "Binary".into(),
            string_value: None,
            binary_value: Some(vec![0, 255, 7]),
        };
        let s = StoredAttribute::from_attribute("b", &a);
        let back: StoredAttribute = serde_json::from_slice(&encode(&s)).expect("json");
        assert_eq!(back.to_attribute(), a);
    }
}
