//! Stream records: built by the write path, stored pre-rendered, served by GetRecords.
//!
//! A record is rendered to its wire JSON once, when the write is staged, so GetRecords
//! only concatenates stored bytes. Two parts are not known then and are spliced in:
//! - the sequence number, assigned under the sequencer lock just before the batch is
//!   submitted: the JSON holds a fixed-width placeholder that is overwritten in place;
//! - `awsRegion`, the region of the node *serving* the read, prepended at read time.
//!
//! Stored value: `created_ms (i64 BE)` + the JSON object without its opening brace.

use super::meta::{ViewType, seq_to_wire};
use eddy_types::Item;
use eddy_types::size::item_size;
use std::io::Write;

/// Who made a change, when it is not an anonymous client write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// DynamoDB itself (TTL expiry).
    Service,
    /// An authenticated principal (`--stream-identity`).
    User(String),
}

/// A record rendered except for its sequence number.
#[derive(Debug)]
pub struct PendingRecord {
    /// The stream it belongs to.
    pub stream_id: u64,
    /// The stored value, with a placeholder sequence number.
    pub value: Vec<u8>,
    /// Byte offset of the sequence-number placeholder inside `value`.
    seq_at: usize,
    /// Byte offset of the eventID placeholder.
    id_at: usize,
}

impl PendingRecord {
    /// Writes the final sequence number, and the eventID derived from it, into the
    /// record.
    pub fn set_sequence(&mut self, seq: u64) {
        let wire = seq_to_wire(seq);
        self.value[self.seq_at..self.seq_at + wire.len()].copy_from_slice(wire.as_bytes());
        let id = event_id(self.stream_id, seq);
        self.value[self.id_at..self.id_at + id.len()].copy_from_slice(id.as_bytes());
    }
}

/// A 32-hex-digit eventID, unique because (stream, sequence number) is: the high half is
/// a bijection of the stream id, the low half a bijection of the number mixed with it.
/// (No random number per record: that was a syscall on the write path.)
fn event_id(stream_id: u64, seq: u64) -> String {
    let hi = mix(stream_id);
    format!("{hi:016x}{:016x}", mix(seq ^ hi))
}

/// splitmix64's finaliser: a bijection on u64 that scatters neighbouring inputs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One change to describe: the item before and after, with their sizes.
pub struct Change<'a> {
    /// The key attributes.
    pub keys: &'a Item,
    /// The item before the write.
    pub old: Option<&'a Item>,
    /// The item after the write.
    pub new: Option<&'a Item>,
    /// `item_size(old)`.
    pub old_size: Option<usize>,
    /// `item_size(new)`.
    pub new_size: Option<usize>,
}

/// Renders the record of `change` on a stream of `view` type, or `None` when the change
/// is not one (the item neither existed before nor after).
pub fn render(
    stream_id: u64,
    view: ViewType,
    change: &Change<'_>,
    identity: Option<&Identity>,
    now_ms: i64,
) -> Option<PendingRecord> {
    let name = match (change.old.is_some(), change.new.is_some()) {
        (false, true) => "INSERT",
        (true, true) => "MODIFY",
        (true, false) => "REMOVE",
        (false, false) => return None,
    };
    let new = change.new.filter(|_| view.new_image());
    let old = change.old.filter(|_| view.old_image());
    let mut size = item_size(change.keys);
    if new.is_some() {
        size += change.new_size.unwrap_or(0);
    }
    if old.is_some() {
        size += change.old_size.unwrap_or(0);
    }
    let mut v = Vec::with_capacity(256 + 2 * change.new_size.unwrap_or(64));
    v.extend_from_slice(&now_ms.to_be_bytes());
    v.extend_from_slice(br#""eventID":""#);
    let id_at = v.len();
    v.extend_from_slice(&[b'0'; 32]);
    let _ = write!(
        v,
        r#"","eventName":"{name}","eventVersion":"1.1","eventSource":"aws:dynamodb","dynamodb":{{"ApproximateCreationDateTime":{},"Keys":"#,
        now_ms.div_euclid(1000)
    );
    write_item(&mut v, change.keys);
    if let Some(item) = new {
        v.extend_from_slice(br#","NewImage":"#);
        write_item(&mut v, item);
    }
    if let Some(item) = old {
        v.extend_from_slice(br#","OldImage":"#);
        write_item(&mut v, item);
    }
    v.extend_from_slice(br#","SequenceNumber":""#);
    let seq_at = v.len();
    v.extend_from_slice(seq_to_wire(0).as_bytes());
    let _ = write!(
        v,
        r#"","SizeBytes":{size},"StreamViewType":"{}"}}"#,
        view.as_str()
    );
    match identity {
        None => {}
        Some(Identity::Service) => v.extend_from_slice(
            br#","userIdentity":{"Type":"Service","PrincipalId":"dynamodb.amazonaws.com"}"#,
        ),
        Some(Identity::User(p)) => {
            v.extend_from_slice(br#","userIdentity":{"Type":"User","PrincipalId":"#);
            let _ = serde_json::to_writer(&mut v, p);
            v.push(b'}');
        }
    }
    v.push(b'}');
    Some(PendingRecord {
        stream_id,
        value: v,
        seq_at,
        id_at,
    })
}

fn write_item(v: &mut Vec<u8>, item: &Item) {
    // Items hold only validated attribute values; serialising them cannot fail.
    let _ = serde_json::to_writer(&mut *v, item);
}

/// Creation time of a stored record (ms since the epoch).
pub fn created_ms(stored: &[u8]) -> i64 {
    stored
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, i64::from_be_bytes)
}

/// Appends the wire JSON of a stored record to `out`, naming `region` as its source.
pub fn write_wire(out: &mut Vec<u8>, stored: &[u8], region: &str) {
    out.extend_from_slice(br#"{"awsRegion":"#);
    let _ = serde_json::to_writer(&mut *out, region);
    out.push(b',');
    out.extend_from_slice(stored.get(8..).unwrap_or(b"}"));
}

/// Size of a stored record on the wire (for GetRecords' 1 MB cap).
pub fn wire_len(stored: &[u8], region: &str) -> usize {
    stored.len() + region.len() + 16
}

#[cfg(test)]
mod tests {
    use super::*;
    use eddy_types::AttributeValue;
    use serde_json::{Value, json};

    fn item(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn wire(r: &PendingRecord) -> Value {
        let mut out = Vec::new();
        write_wire(&mut out, &r.value, "eu-west-1");
        serde_json::from_slice(&out).expect("valid JSON")
    }

    fn change<'a>(keys: &'a Item, old: Option<&'a Item>, new: Option<&'a Item>) -> Change<'a> {
        Change {
            keys,
            old,
            new,
            old_size: old.map(item_size),
            new_size: new.map(item_size),
        }
    }

    #[test]
    fn sizes_match_the_aws_reference_records() {
        let keys = item(&[("id", AttributeValue::S("id_value".into()))]);
        let r = render(
            1,
            ViewType::NewAndOldImages,
            &change(&keys, None, Some(&keys)),
            None,
            0,
        );
        assert_eq!(wire(&r.unwrap())["dynamodb"]["SizeBytes"], json!(20));
        let mut new = keys.clone();
        new.insert("id2".into(), AttributeValue::S("id2_new_value".into()));
        let c = change(&keys, Some(&keys), Some(&new));
        let r = render(1, ViewType::NewAndOldImages, &c, None, 0).unwrap();
        assert_eq!(wire(&r)["dynamodb"]["SizeBytes"], json!(46));
        let keys = item(&[("pk", AttributeValue::S("k1".into()))]);
        let r = render(
            1,
            ViewType::KeysOnly,
            &change(&keys, None, Some(&keys)),
            None,
            0,
        );
        assert_eq!(wire(&r.unwrap())["dynamodb"]["SizeBytes"], json!(4));
    }

    #[test]
    fn images_follow_the_view_type_matrix_and_the_sequence_is_patched() {
        let keys = item(&[("pk", AttributeValue::S("a".into()))]);
        let mut full = keys.clone();
        full.insert("b".into(), AttributeValue::B(vec![1, 2, 3]));
        let cases = [
            (None, Some(&full), "INSERT"),
            (Some(&full), Some(&keys), "MODIFY"),
            (Some(&full), None, "REMOVE"),
        ];
        for view in [
            ViewType::KeysOnly,
            ViewType::NewImage,
            ViewType::OldImage,
            ViewType::NewAndOldImages,
        ] {
            for (old, new, name) in cases {
                let mut r = render(7, view, &change(&keys, old, new), None, 1_700_000_123_456)
                    .expect("a change");
                r.set_sequence(99);
                let w = wire(&r);
                assert_eq!(w["eventName"], json!(name));
                assert_eq!(w["awsRegion"], json!("eu-west-1"));
                let d = &w["dynamodb"];
                assert_eq!(d["ApproximateCreationDateTime"], json!(1_700_000_123));
                assert_eq!(d["SequenceNumber"], json!("100000000000000000099"));
                assert_eq!(d["StreamViewType"], json!(view.as_str()));
                let has = |k: &str| d.as_object().unwrap().contains_key(k);
                assert_eq!(has("NewImage"), view.new_image() && new.is_some());
                assert_eq!(has("OldImage"), view.old_image() && old.is_some());
                assert!(w.get("userIdentity").is_none());
                let id = w["eventID"].as_str().unwrap();
                assert_eq!(id.len(), 32);
                assert!(
                    id.bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
                );
            }
        }
        let r = render(
            7,
            ViewType::NewImage,
            &change(&keys, None, Some(&full)),
            None,
            0,
        );
        assert_eq!(
            wire(&r.unwrap())["dynamodb"]["NewImage"]["b"],
            json!({"B": "AQID"})
        );
        assert!(render(7, ViewType::KeysOnly, &change(&keys, None, None), None, 0).is_none());
    }

    #[test]
    fn event_ids_are_unique_per_stream_and_number() {
        let mut seen = std::collections::HashSet::new();
        for stream in [0, 1, 2, u64::MAX] {
            for seq in 0..1000 {
                assert!(seen.insert(event_id(stream, seq)));
            }
        }
    }

    #[test]
    fn identities_use_the_getrecords_member_names() {
        let keys = item(&[("pk", AttributeValue::S("a".into()))]);
        let c = change(&keys, Some(&keys), None);
        let r = render(1, ViewType::KeysOnly, &c, Some(&Identity::Service), 5).unwrap();
        assert_eq!(
            wire(&r)["userIdentity"],
            json!({"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
        );
        let user = Identity::User("alice \"admin\"".into());
        let r = render(1, ViewType::KeysOnly, &c, Some(&user), 5).unwrap();
        assert_eq!(
            wire(&r)["userIdentity"],
            json!({"Type": "User", "PrincipalId": "alice \"admin\""})
        );
        assert_eq!(created_ms(&r.value), 5);
    }
}
