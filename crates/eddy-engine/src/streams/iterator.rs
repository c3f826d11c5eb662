//! Shard iterators: opaque, tamper-evident positions in a shard.
//!
//! Shape (like AWS): `<StreamArn>|1|<base64url(payload + mac)>`. The payload names the
//! stream, the shard (by ordinal), the next sequence number to read and the issue time;
//! the MAC is HMAC-SHA256 (truncated to 16 bytes) over the ARN and the payload, keyed with
//! a secret kept in storage, so iterators survive restarts but cannot be forged or edited
//! (DynamoDB Local's are plain base64 and can be). Stateless: nothing is stored per
//! iterator, so consumers can hold as many as they like.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long an iterator stays valid (AWS: 15 minutes).
pub const ITERATOR_LIFETIME_MS: i64 = 15 * 60 * 1000;

const PAYLOAD_LEN: usize = 8 + 4 + 8 + 8;
const MAC_LEN: usize = 16;

/// A decoded iterator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The stream.
    pub stream_id: u64,
    /// The shard's ordinal in the stream.
    pub shard: u32,
    /// The next sequence number to return (records with a number ≥ this).
    pub next: u64,
    /// When the iterator was issued (ms since the epoch).
    pub issued_ms: i64,
}

/// Signs and checks iterators with one secret.
pub struct IteratorCodec {
    key: [u8; 32],
}

impl IteratorCodec {
    /// A codec keyed with `key`.
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, arn: &str, payload: &[u8]) -> [u8; MAC_LEN] {
        // HMAC accepts keys of any length.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("any key length");
        m.update(arn.as_bytes());
        m.update(b"|");
        m.update(payload);
        let full = m.finalize().into_bytes();
        let mut out = [0; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }

    /// Encodes `pos` for the stream `arn`.
    pub fn encode(&self, arn: &str, pos: Position) -> String {
        let mut blob = Vec::with_capacity(PAYLOAD_LEN + MAC_LEN);
        blob.extend_from_slice(&pos.stream_id.to_be_bytes());
        blob.extend_from_slice(&pos.shard.to_be_bytes());
        blob.extend_from_slice(&pos.next.to_be_bytes());
        blob.extend_from_slice(&pos.issued_ms.to_be_bytes());
        let mac = self.mac(arn, &blob);
        blob.extend_from_slice(&mac);
        format!("{arn}|1|{}", URL_SAFE_NO_PAD.encode(blob))
    }

    /// Decodes an iterator; `None` when it is malformed, forged or edited.
    pub fn decode(&self, s: &str) -> Option<Position> {
        let mut parts = s.rsplitn(3, '|');
        let (blob, version, arn) = (parts.next()?, parts.next()?, parts.next()?);
        if version != "1" {
            return None;
        }
        let blob = URL_SAFE_NO_PAD.decode(blob).ok()?;
        if blob.len() != PAYLOAD_LEN + MAC_LEN {
            return None;
        }
        let (payload, mac) = blob.split_at(PAYLOAD_LEN);
        // Constant-time comparison is not needed for a local server, but costs nothing.
        let want = self.mac(arn, payload);
        if want.iter().zip(mac).fold(0u8, |acc, (a, b)| acc | (a ^ b)) != 0 {
            return None;
        }
        let u64_at = |i: usize| u64::from_be_bytes(payload[i..i + 8].try_into().unwrap_or([0; 8]));
        Some(Position {
            stream_id: u64_at(0),
            shard: u32::from_be_bytes(payload[8..12].try_into().unwrap_or([0; 4])),
            next: u64_at(12),
            issued_ms: u64_at(20) as i64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterators_round_trip_and_reject_any_edit() {
        let codec = IteratorCodec::new([7; 32]);
        let arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000";
        let pos = Position {
            stream_id: 42,
            shard: 3,
            next: 1234,
            issued_ms: 1_700_000_000_000,
        };
        let it = codec.encode(arn, pos);
        assert!(it.len() < 2048);
        assert_eq!(codec.decode(&it), Some(pos));
        // Flip every character of the blob in turn: each edit is rejected.
        let blob_at = it.rfind('|').unwrap() + 1;
        for i in blob_at..it.len() {
            let mut b = it.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let edited = String::from_utf8(b).unwrap();
            assert_eq!(codec.decode(&edited), None, "edit at {i}");
        }
        let other_arn = it.replacen("table/t/", "table/u/", 1);
        assert_eq!(codec.decode(&other_arn), None);
        assert_eq!(IteratorCodec::new([8; 32]).decode(&it), None);
        for garbage in ["", "x", "a|1|", "a|2|AAAA", "|||"] {
            assert_eq!(codec.decode(garbage), None);
        }
    }
}
