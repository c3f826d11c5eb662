//! ClientRequestToken idempotency for TransactWriteItems.
//!
//! A successful transaction that carried a token leaves a record in keyspace
//! `txn_tokens`, written in the same storage batch as the transaction's items, so after
//! a crash either both exist or neither does (a retry then either replays or applies the
//! transaction exactly once). Within 10 minutes of that commit, the same token with the
//! same request is answered without writing again; with a different request it is an
//! `IdempotentParameterMismatchException`. A cancelled transaction leaves no record, so a
//! retry with its token runs again (as on DynamoDB).
//!
//! Layout of keyspace `txn_tokens` (see docs/design/storage-keys.md):
//! - `b'k' | len(token): u8 | token | committed_at_ms: i64 BE` → `committed_at_ms | fingerprint:
//!   16 bytes`: one record per commit, so a token reused after it expired gets a new key
//!   and purging an old record can never remove a newer one (the latest record counts)
//! - `b't' | committed_at_ms: i64 BE | token` → empty: an expiry index. Every transaction
//!   that writes a token also deletes a few entries older than the window (lazily, in the
//!   same batch), so the keyspace stays bounded by the tokens of the last 10 minutes.
//!
//! The fingerprint is FNV-1a 128 of the canonical JSON of `TransactItems` (object keys
//! sorted), so formatting and key order do not matter, while any change in an action
//! does. ReturnConsumedCapacity and ReturnItemCollectionMetrics are not part of it:
//! DynamoDB accepts a retry that changes only those.

use crate::Engine;
use eddy_storage::{KeyRange, WriteBatch};
use eddy_types::ApiError;
use serde_json::Value;
use std::ops::Bound;

/// Keyspace of the idempotency records.
pub const TXN_TOKENS: &str = "txn_tokens";
/// How long a token stays valid after its transaction committed.
pub const TOKEN_WINDOW_MS: i64 = 10 * 60 * 1000;
/// Expired entries removed per token write.
const PURGE_PER_WRITE: usize = 16;

/// What a token means for the request carrying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Unknown or expired: run the transaction and record the token.
    Fresh,
    /// The same request committed within the window: answer without writing.
    Replay,
    /// A different request used this token within the window.
    Mismatch,
}

/// The fingerprint of a request's `TransactItems`.
pub fn fingerprint(transact_items: &Value) -> [u8; 16] {
    let mut text = String::new();
    canonical(transact_items, &mut text);
    fnv1a_128(text.as_bytes()).to_be_bytes()
}

/// JSON text with object keys sorted at every level (whatever map type serde_json uses).
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// FNV-1a, 128 bit: a fixed, documented function, so records stay valid across versions.
fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    for b in bytes {
        h ^= u128::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// `b'k' | len | token`: the prefix of every record of `token` (tokens are 1..=36 bytes).
fn record_prefix(token: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(10 + token.len());
    k.push(b'k');
    k.push(u8::try_from(token.len()).unwrap_or(u8::MAX));
    k.extend_from_slice(token.as_bytes());
    k
}

/// The record of `token` committed at `at_ms`.
fn record_key(token: &str, at_ms: i64) -> Vec<u8> {
    let mut k = record_prefix(token);
    k.extend_from_slice(&at_ms.max(0).to_be_bytes());
    k
}

fn expiry_key(at_ms: i64, token: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + token.len());
    k.push(b't');
    k.extend_from_slice(&at_ms.max(0).to_be_bytes());
    k.extend_from_slice(token.as_bytes());
    k
}

/// Decodes a record value into (committed_at_ms, fingerprint).
fn decode_record(v: &[u8]) -> Result<(i64, [u8; 16]), ApiError> {
    let corrupt = || crate::internal(format!("corrupt idempotency record ({} bytes)", v.len()));
    let at: [u8; 8] = v
        .get(..8)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(corrupt)?;
    let fp: [u8; 16] = v
        .get(8..24)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(corrupt)?;
    Ok((i64::from_be_bytes(at), fp))
}

impl Engine {
    /// What `token` means for a request with fingerprint `fp`, now.
    pub(crate) fn token_state(&self, token: &str, fp: &[u8; 16]) -> Result<TokenState, ApiError> {
        let range = KeyRange::prefix(&record_prefix(token));
        let latest = self
            .storage
            .scan(TXN_TOKENS, &range, true, 1)
            .map_err(crate::storage_error)?;
        let Some((_, v)) = latest.into_iter().next() else {
            return Ok(TokenState::Fresh);
        };
        let (at, stored) = decode_record(&v)?;
        if self.clock.now_millis() - at >= TOKEN_WINDOW_MS {
            return Ok(TokenState::Fresh);
        }
        Ok(if &stored == fp {
            TokenState::Replay
        } else {
            TokenState::Mismatch
        })
    }

    /// Stages the record of `token` (committed now) and the removal of a few expired
    /// records into `batch`.
    pub(crate) fn stage_token(
        &self,
        batch: &mut WriteBatch,
        token: &str,
        fp: &[u8; 16],
    ) -> Result<(), ApiError> {
        let now = self.clock.now_millis();
        let range = KeyRange {
            start: Bound::Included(vec![b't']),
            // Expired means `now - at >= window`, as in `token_state`.
            end: Bound::Excluded(expiry_key(now - TOKEN_WINDOW_MS + 1, "")),
        };
        let expired = self
            .storage
            .scan(TXN_TOKENS, &range, false, PURGE_PER_WRITE)
            .map_err(crate::storage_error)?;
        for (key, _) in expired {
            let (Some(at), Some(old_token)) = (key.get(1..9), key.get(9..)) else {
                continue;
            };
            let at = i64::from_be_bytes(at.try_into().unwrap_or_default());
            let old_token = String::from_utf8_lossy(old_token).into_owned();
            // Exactly the record this index entry describes: a newer record of the same
            // token (reused after it expired) has another key.
            batch.delete(TXN_TOKENS, record_key(&old_token, at));
            batch.delete(TXN_TOKENS, key);
        }
        let mut value = Vec::with_capacity(24);
        value.extend_from_slice(&now.to_be_bytes());
        value.extend_from_slice(fp);
        batch.put(TXN_TOKENS, record_key(token, now), value);
        batch.put(TXN_TOKENS, expiry_key(now, token), Vec::new());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fingerprint_ignores_key_order_but_not_values() {
        let a: Value =
            serde_json::from_str(r#"[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"}}}}]"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"[{"Put":{"Item":{"pk":{"S":"a"}},"TableName":"t"}}]"#).unwrap();
        let c = json!([{"Put": {"TableName": "t", "Item": {"pk": {"S": "b"}}}}]);
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn fnv_128_reference_values() {
        assert_eq!(fnv1a_128(b""), 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d);
        assert_eq!(fnv1a_128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
    }

    #[test]
    fn expiry_keys_sort_by_time() {
        assert!(expiry_key(5, "zzz") < expiry_key(6, "a"));
        assert!(expiry_key(-1, "a") == expiry_key(0, "a"));
        assert!(decode_record(&[0; 23]).is_err());
    }
}
