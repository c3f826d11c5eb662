//! The durable outbox: one entry per (message, subscription) still to be delivered.
//!
//! Key: the subscription's uuid (36 ASCII bytes) followed by a big-endian u64 sequence
//! number, so one subscription's deliveries are one key prefix in arrival order. Value:
//! JSON [`Delivery`]. An entry is written in the same commit that acknowledges Publish
//! (or Subscribe, for confirmations) and deleted when delivered, redriven or given up.

use crate::error::SnsResult;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Keyspace of pending deliveries.
pub const OUTBOX: &str = "sns_outbox";

/// Length of a subscription id (a hyphenated uuid).
pub const SUB_ID_LEN: usize = 36;

/// What a delivery carries.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum Kind {
    /// A published message.
    Notification,
    /// The confirmation request of a new http/https/email subscription.
    SubscriptionConfirmation,
    /// Sent to http/https endpoints when they are unsubscribed.
    UnsubscribeConfirmation,
}

impl Kind {
    /// The `Type` / `x-amz-sns-message-type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Notification => "Notification",
            Self::SubscriptionConfirmation => "SubscriptionConfirmation",
            Self::UnsubscribeConfirmation => "UnsubscribeConfirmation",
        }
    }
}

/// A message attribute as published.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attr {
    /// String, Number, Binary, String.Array (with optional `.custom` suffix).
    pub data_type: String,
    /// The string value (String, Number, String.Array).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// Base64 of the binary value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_value: Option<String>,
}

impl Attr {
    /// The `Type` shown in JSON envelopes (the data type without a custom suffix).
    pub fn json_type(&self) -> &str {
        if self.data_type.starts_with("String.Array") {
            "String.Array"
        } else {
            self.data_type.split('.').next().unwrap_or(&self.data_type)
        }
    }

    /// The `Value` shown in JSON envelopes.
    pub fn json_value(&self) -> &str {
        self.string_value
            .as_deref()
            .or(self.binary_value.as_deref())
            .unwrap_or_default()
    }
}

/// One pending delivery.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Delivery {
    /// What this is.
    pub kind: Kind,
    /// The message id (the same on every retry and every subscription).
    pub message_id: String,
    /// Topic ARN.
    pub topic_arn: String,
    /// Subscription ARN.
    pub subscription_arn: String,
    /// The protocol and endpoint at enqueue time (used when the subscription is gone,
    /// for UnsubscribeConfirmation).
    pub protocol: String,
    /// The endpoint at enqueue time.
    pub endpoint: String,
    /// The message text for this subscription's protocol.
    pub message: String,
    /// The subject, if published with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Message attributes by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Attr>,
    /// ISO-8601 with milliseconds, set at Publish.
    pub timestamp: String,
    /// Confirmation token (confirmations only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// 1 or 2.
    pub signature_version: u8,
    /// FIFO / fair-queue group id, forwarded to SQS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Failed attempts so far (persisted at each failure, so restarts keep counting).
    #[serde(default)]
    pub attempts: u32,
    /// Unix milliseconds at enqueue (latency metric).
    pub enqueued_ms: u64,
}

/// Hands out outbox sequence numbers, above every number already stored.
pub struct Sequence(AtomicU64);

impl Sequence {
    /// Starts above `max_seen`.
    pub fn new(max_seen: u64) -> Self {
        Self(AtomicU64::new(max_seen + 1))
    }

    /// The next number.
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

/// The outbox key of a delivery.
pub fn key(sub_id: &str, seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(SUB_ID_LEN + 8);
    k.extend_from_slice(sub_id.as_bytes());
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// The subscription id and sequence of a key.
pub fn split_key(k: &[u8]) -> Option<(&str, u64)> {
    if k.len() != SUB_ID_LEN + 8 {
        return None;
    }
    let id = std::str::from_utf8(&k[..SUB_ID_LEN]).ok()?;
    let seq = u64::from_be_bytes(k[SUB_ID_LEN..].try_into().ok()?);
    Some((id, seq))
}

/// Encodes a delivery.
pub fn encode(d: &Delivery) -> SnsResult<Vec<u8>> {
    crate::model::to_json(d)
}

/// Unix milliseconds now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The SNS timestamp format: `2012-04-26T20:45:04.751Z`.
pub fn timestamp_now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let k = key(id, 42);
        assert_eq!(split_key(&k), Some((id, 42)));
        assert!(key(id, 1) < key(id, 2));
        assert_eq!(split_key(b"short"), None);
        let ts = timestamp_now();
        assert_eq!(ts.len(), 24, "{ts}");
    }
}
