//! Stream records: built by the write path in a compact binary form, rendered to the
//! wire JSON when read.
//!
//! Why binary: the record is written in the same batch as the item, so its size is paid
//! on every write (journal bytes, fsync, compaction) while GetRecords reads it once or
//! twice. The item codec's encoding of the images is about half the size of their JSON,
//! and the fields derivable at read time are not stored at all: the sequence number and
//! stream id (in the key), the eventID (a bijection of both), `awsRegion` (the serving
//! node's region) and the constant members.
//!
//! Stored value (format 1):
//! `created_ms i64 BE | 1 | event u8 (1 INSERT, 2 MODIFY, 3 REMOVE) | view u8 | identity u8
//! (0 none, 1 service, 2 user) | SizeBytes u32 BE | [user: u16 BE length + principal] |
//! keys, NewImage, OldImage: each u8 present flag, then u32 BE length + encoded item`.

use super::meta::{ViewType, seq_to_wire};
use eddy_types::Item;
use eddy_types::codec::encode_item;
use eddy_types::codec_json::item_json;
use eddy_types::size::item_size;
use std::io::Write;

/// Format byte of the stored record layout.
const FORMAT: u8 = 1;

/// Who made a change, when it is not an anonymous client write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// DynamoDB itself (TTL expiry).
    Service,
    /// An authenticated principal (`--stream-identity`).
    User(String),
}

/// A record ready to be numbered and stored.
#[derive(Debug)]
pub struct PendingRecord {
    /// The stream it belongs to.
    pub stream_id: u64,
    /// The stored value.
    pub value: Vec<u8>,
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

const EVENTS: [&str; 3] = ["INSERT", "MODIFY", "REMOVE"];
const VIEWS: [ViewType; 4] = [
    ViewType::KeysOnly,
    ViewType::NewImage,
    ViewType::OldImage,
    ViewType::NewAndOldImages,
];

/// Encodes the record of `change` on a stream of `view` type, or `None` when the change
/// is not one (the item neither existed before nor after).
pub fn render(
    stream_id: u64,
    view: ViewType,
    change: &Change<'_>,
    identity: Option<&Identity>,
    now_ms: i64,
) -> Option<PendingRecord> {
    let event: u8 = match (change.old.is_some(), change.new.is_some()) {
        (false, true) => 1,
        (true, true) => 2,
        (true, false) => 3,
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
    let mut v =
        Vec::with_capacity(64 + change.new_size.unwrap_or(32) + change.old_size.unwrap_or(0));
    v.extend_from_slice(&now_ms.to_be_bytes());
    let view_byte = VIEWS.iter().position(|x| *x == view).unwrap_or(0) as u8;
    let id_byte = match identity {
        None => 0,
        Some(Identity::Service) => 1,
        Some(Identity::User(_)) => 2,
    };
    v.extend_from_slice(&[FORMAT, event, view_byte, id_byte]);
    v.extend_from_slice(&(size.min(u32::MAX as usize) as u32).to_be_bytes());
    if let Some(Identity::User(p)) = identity {
        let p = &p.as_bytes()[..p.len().min(u16::MAX as usize)];
        v.extend_from_slice(&(p.len() as u16).to_be_bytes());
        v.extend_from_slice(p);
    }
    for part in [Some(change.keys), new, old] {
        match part {
            None => v.push(0),
            Some(item) => {
                v.push(1);
                let at = v.len();
                v.extend_from_slice(&[0; 4]);
                encode_item(item, &mut v);
                let len = (v.len() - at - 4) as u32;
                v[at..at + 4].copy_from_slice(&len.to_be_bytes());
            }
        }
    }
    Some(PendingRecord {
        stream_id,
        value: v,
    })
}

/// Creation time of a stored record (ms since the epoch).
pub fn created_ms(stored: &[u8]) -> i64 {
    stored
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, i64::from_be_bytes)
}

/// A cursor over a stored record.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// An optional encoded item: its bytes, or `None` when the part is absent.
    fn item(&mut self) -> Option<Option<&'a [u8]>> {
        if self.u8()? == 0 {
            return Some(None);
        }
        let len = u32::from_be_bytes(self.take(4)?.try_into().ok()?) as usize;
        self.take(len).map(Some)
    }
}

/// Appends the GetRecords JSON of the record stored as `stored` under (`stream_id`,
/// `seq`), naming `region` as its source; the images go straight from their stored
/// encoding to JSON (`codec_json`). `None` when the bytes are not a record (storage
/// corruption; the caller reports it and drops what was appended).
pub fn write_wire(
    out: &mut Vec<u8>,
    stored: &[u8],
    stream_id: u64,
    seq: u64,
    region: &str,
) -> Option<()> {
    let created = created_ms(stored);
    let mut c = Cursor(stored.get(8..)?);
    if c.u8()? != FORMAT {
        return None;
    }
    let event = *EVENTS.get(usize::from(c.u8()?).checked_sub(1)?)?;
    let view = *VIEWS.get(usize::from(c.u8()?))?;
    let id_kind = c.u8()?;
    let size = u32::from_be_bytes(c.take(4)?.try_into().ok()?);
    let user = match id_kind {
        2 => {
            let len = u16::from_be_bytes(c.take(2)?.try_into().ok()?) as usize;
            Some(String::from_utf8_lossy(c.take(len)?).into_owned())
        }
        _ => None,
    };
    let (keys, new, old) = (c.item()?, c.item()?, c.item()?);
    out.extend_from_slice(br#"{"awsRegion":"#);
    let _ = serde_json::to_writer(&mut *out, region);
    let _ = write!(
        out,
        r#","eventID":"{}","eventName":"{event}","eventVersion":"1.1","eventSource":"aws:dynamodb","dynamodb":{{"ApproximateCreationDateTime":{},"Keys":"#,
        event_id(stream_id, seq),
        created.div_euclid(1000)
    );
    match keys {
        Some(bytes) => {
            item_json(bytes, out).ok()?;
        }
        None => out.extend_from_slice(b"{}"),
    }
    if let Some(bytes) = new {
        out.extend_from_slice(br#","NewImage":"#);
        item_json(bytes, out).ok()?;
    }
    if let Some(bytes) = old {
        out.extend_from_slice(br#","OldImage":"#);
        item_json(bytes, out).ok()?;
    }
    let _ = write!(
        out,
        r#","SequenceNumber":"{}","SizeBytes":{size},"StreamViewType":"{}"}}"#,
        seq_to_wire(seq),
        view.as_str()
    );
    match (id_kind, user) {
        (1, _) => out.extend_from_slice(
            br#","userIdentity":{"Type":"Service","PrincipalId":"dynamodb.amazonaws.com"}"#,
        ),
        (2, Some(p)) => {
            out.extend_from_slice(br#","userIdentity":{"Type":"User","PrincipalId":"#);
            let _ = serde_json::to_writer(&mut *out, &p);
            out.push(b'}');
        }
        _ => {}
    }
    out.push(b'}');
    Some(())
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
        wire_at(r, 99)
    }

    fn wire_at(r: &PendingRecord, seq: u64) -> Value {
        let mut out = Vec::new();
        write_wire(&mut out, &r.value, r.stream_id, seq, "eu-west-1").expect("a record");
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
                let r = render(7, view, &change(&keys, old, new), None, 1_700_000_123_456)
                    .expect("a change");
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
