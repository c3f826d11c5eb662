//! Unit tests of [`super::stage`]: which entries a write puts and deletes, and what they
//! hold, for GSIs and LSIs of every projection type.

use super::*;
use crate::model::{KeySchema, Projection};
use eddy_storage::WriteOp;
use eddy_types::Number;
use eddy_types::codec::decode_item;

fn attr(name: &str, ty: ScalarType) -> KeyAttr {
    KeyAttr {
        name: name.into(),
        ty,
    }
}

fn index(
    id: u64,
    hash: KeyAttr,
    range: Option<KeyAttr>,
    projection: &str,
    include: &[&str],
) -> IndexDef {
    IndexDef {
        id,
        name: format!("idx{id}"),
        key: KeySchema { hash, range },
        projection: Projection {
            projection_type: projection.into(),
            non_key_attributes: (!include.is_empty())
                .then(|| include.iter().map(|s| s.to_string()).collect()),
        },
        throughput: None,
        status: IndexStatus::Active,
    }
}

/// Table `pk` (S) + `sk` (N); GSI 1 on `g` (S) + `gs` (N), ALL; GSI 2 on `g`, KEYS_ONLY;
/// GSI 3 on `g`, INCLUDE `a`; LSI 4 on `pk` + `l` (S), ALL.
fn table() -> TableDef {
    let pk = attr("pk", ScalarType::S);
    let sk = attr("sk", ScalarType::N);
    let g = attr("g", ScalarType::S);
    TableDef {
        name: "t".into(),
        id: 7,
        attribute_definitions: vec![],
        key: KeySchema {
            hash: pk.clone(),
            range: Some(sk),
        },
        billing_mode: "PAY_PER_REQUEST".into(),
        ever_on_demand: true,
        throughput: crate::model::Throughput { read: 0, write: 0 },
        gsis: vec![
            index(1, g.clone(), Some(attr("gs", ScalarType::N)), "ALL", &[]),
            index(2, g.clone(), None, "KEYS_ONLY", &[]),
            index(3, g, None, "INCLUDE", &["a"]),
        ],
        lsis: vec![index(4, pk, Some(attr("l", ScalarType::S)), "ALL", &[])],
        deleting_gsis: vec![],
        tags: vec![],
        created_at: 0.0,
        billing_mode_updated_at: 0.0,
        deletion_protection: false,
        table_class: None,
        ttl: Default::default(),
        stream: None,
        latest_stream: None,
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(Number::from_i64(v))
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn key() -> PrimaryKey {
    PrimaryKey {
        hash: s("p"),
        range: Some(n(1)),
    }
}

/// (keyspace-index puts as (index id, key, decoded value), deletes as (index id, key)).
type Changes = (Vec<(u64, Vec<u8>, Item)>, Vec<(u64, Vec<u8>)>);

fn run(old: Option<&Item>, new: Option<&Item>) -> (Changes, Vec<IndexDelta>) {
    let mut batch = WriteBatch::new();
    let deltas = stage(&mut batch, &table(), &key(), old, new);
    (changes(&batch), deltas)
}

fn changes(batch: &WriteBatch) -> Changes {
    let id = |k: &[u8]| u64::from_be_bytes(k[..8].try_into().expect("8-byte id"));
    let mut puts = Vec::new();
    let mut deletes = Vec::new();
    for op in &batch.ops {
        match op {
            WriteOp::Put {
                keyspace,
                key,
                value,
            } => {
                assert_eq!(*keyspace, INDEX);
                puts.push((
                    id(key),
                    key.clone(),
                    decode_item(value).expect("entry decodes"),
                ));
            }
            WriteOp::Delete { keyspace, key } => {
                assert_eq!(*keyspace, INDEX);
                deletes.push((id(key), key.clone()));
            }
        }
    }
    (puts, deletes)
}

fn entry_key(index_id: u64, hash: &AttributeValue, range: Option<&AttributeValue>) -> Vec<u8> {
    index_entry_key(index_id, hash, range, &key())
}

#[test]
fn new_item_gets_an_entry_in_every_index_it_has_keys_for() {
    let it = item(&[
        ("pk", s("p")),
        ("sk", n(1)),
        ("g", s("x")),
        ("gs", n(5)),
        ("l", s("y")),
        ("a", n(9)),
        ("b", n(8)),
    ]);
    let ((puts, deletes), deltas) = run(None, Some(&it));
    assert!(deletes.is_empty());
    let ids: Vec<u64> = puts.iter().map(|p| p.0).collect();
    assert_eq!(ids, vec![1, 2, 3, 4]);
    assert_eq!(puts[0].1, entry_key(1, &s("x"), Some(&n(5))));
    assert_eq!(puts[1].1, entry_key(2, &s("x"), None));
    assert_eq!(puts[3].1, entry_key(4, &s("p"), Some(&s("y"))));
    // ALL: the whole item.
    assert_eq!(puts[0].2, it);
    assert_eq!(puts[3].2, it);
    // KEYS_ONLY: table keys + index keys.
    assert_eq!(
        puts[1].2,
        item(&[("pk", s("p")), ("sk", n(1)), ("g", s("x"))])
    );
    // INCLUDE a: keys + a, not b.
    assert_eq!(
        puts[2].2,
        item(&[("pk", s("p")), ("sk", n(1)), ("g", s("x")), ("a", n(9))])
    );
    assert!(deltas.iter().all(|d| d.count == 1 && d.bytes > 0));
    assert_eq!(deltas.len(), 4);
}

#[test]
fn sparse_items_stay_out() {
    // Only `g`: not in index 1 (lacks gs) nor the LSI (lacks l).
    let it = item(&[("pk", s("p")), ("sk", n(1)), ("g", s("x"))]);
    let ((puts, _), _) = run(None, Some(&it));
    assert_eq!(puts.iter().map(|p| p.0).collect::<Vec<_>>(), vec![2, 3]);
    // Wrong type, empty string, oversize key: in no index.
    for g in [
        n(3),
        s(""),
        s(&"x".repeat(2049)),
        AttributeValue::Bool(true),
    ] {
        let it = item(&[("pk", s("p")), ("sk", n(1)), ("g", g), ("gs", n(1))]);
        let ((puts, _), _) = run(None, Some(&it));
        assert!(puts.is_empty(), "{puts:?}");
    }
    let it = item(&[("pk", s("p")), ("sk", n(1)), ("l", s(&"x".repeat(1025)))]);
    assert!(run(None, Some(&it)).0.0.is_empty());
    let it = item(&[("pk", s("p")), ("sk", n(1)), ("l", s(&"x".repeat(1024)))]);
    assert_eq!(run(None, Some(&it)).0.0.len(), 1);
}

#[test]
fn key_change_moves_the_entry() {
    let old = item(&[("pk", s("p")), ("sk", n(1)), ("g", s("x"))]);
    let new = item(&[("pk", s("p")), ("sk", n(1)), ("g", s("z"))]);
    let ((puts, deletes), deltas) = run(Some(&old), Some(&new));
    assert_eq!(
        deletes,
        vec![
            (2, entry_key(2, &s("x"), None)),
            (3, entry_key(3, &s("x"), None))
        ]
    );
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[0].1, entry_key(2, &s("z"), None));
    assert_eq!(puts[0].2, new);
    assert!(deltas.iter().all(|d| d.count == 0 && d.bytes == 0));
}

#[test]
fn removing_a_key_attribute_removes_the_entry() {
    let old = item(&[
        ("pk", s("p")),
        ("sk", n(1)),
        ("g", s("x")),
        ("gs", n(2)),
        ("a", n(1)),
    ]);
    let new = item(&[("pk", s("p")), ("sk", n(1)), ("gs", n(2)), ("a", n(1))]);
    let ((puts, deletes), deltas) = run(Some(&old), Some(&new));
    assert!(puts.is_empty());
    let ids: Vec<u64> = deletes.iter().map(|d| d.0).collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert_eq!(deletes[0].1, entry_key(1, &s("x"), Some(&n(2))));
    assert!(deltas.iter().all(|d| d.count == -1 && d.bytes < 0));
    // Deleting the item removes every entry.
    let ((puts, deletes), _) = run(Some(&old), None);
    assert!(puts.is_empty());
    assert_eq!(deletes.len(), 3);
}

#[test]
fn projected_attribute_changes_rewrite_the_entry() {
    let old = item(&[
        ("pk", s("p")),
        ("sk", n(1)),
        ("g", s("x")),
        ("a", n(1)),
        ("b", n(1)),
    ]);
    // `a` is projected into index 3 (INCLUDE) only; index 2 (KEYS_ONLY) is untouched.
    let new = item(&[
        ("pk", s("p")),
        ("sk", n(1)),
        ("g", s("x")),
        ("a", n(22)),
        ("b", n(1)),
    ]);
    let ((puts, deletes), deltas) = run(Some(&old), Some(&new));
    assert!(deletes.is_empty(), "same key: rewrite in place");
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].0, 3);
    assert_eq!(
        puts[0].2,
        item(&[("pk", s("p")), ("sk", n(1)), ("g", s("x")), ("a", n(22))])
    );
    assert_eq!(deltas, vec![IndexDelta::new(3, 0, 0)]);
    // A non-projected attribute changes nothing at all.
    let newer = item(&[
        ("pk", s("p")),
        ("sk", n(1)),
        ("g", s("x")),
        ("a", n(22)),
        ("b", s("long text")),
    ]);
    let ((puts, deletes), deltas) = run(Some(&new), Some(&newer));
    assert!(puts.is_empty() && deletes.is_empty() && deltas.is_empty());
}

#[test]
fn unchanged_items_touch_nothing() {
    let it = item(&[
        ("pk", s("p")),
        ("sk", n(1)),
        ("g", s("x")),
        ("gs", n(5)),
        ("l", s("y")),
    ]);
    let ((puts, deletes), deltas) = run(Some(&it), Some(&it));
    assert!(puts.is_empty() && deletes.is_empty() && deltas.is_empty());
}

#[test]
fn entries_missing_during_a_backfill_are_put_and_counted() {
    let old = item(&[("pk", s("p")), ("sk", n(1)), ("g", s("x"))]);
    let mut batch = WriteBatch::new();
    // The old entries are not stored yet (backfill has not reached the item).
    let deltas = stage_with(
        &mut batch,
        &table(),
        &key(),
        Some(&old),
        Some(&old),
        &|_, _| false,
    );
    let (puts, deletes) = changes(&batch);
    assert!(deletes.is_empty());
    assert_eq!(puts.len(), 2);
    assert!(deltas.iter().all(|d| d.count == 1));
    // Removed from the index: nothing stored, nothing to delete or count.
    let mut batch = WriteBatch::new();
    let deltas = stage_with(&mut batch, &table(), &key(), Some(&old), None, &|_, _| {
        false
    });
    assert!(batch.is_empty() && deltas.is_empty());
}

#[test]
fn entry_keys_sort_by_index_key_then_table_key() {
    let def = table();
    let gsi = &def.gsis[1];
    let mk = |g: &str, pk: &str| {
        let k = PrimaryKey {
            hash: s(pk),
            range: Some(n(1)),
        };
        let it = item(&[("pk", s(pk)), ("sk", n(1)), ("g", s(g))]);
        entry_for(&def, gsi, &k, &it).expect("in index").key
    };
    // Same index partition: ordered by table key; the prefix is the index partition.
    assert!(mk("x", "a") < mk("x", "b"));
    let prefix = crate::keys::partition_prefix(gsi.id, &s("x"));
    assert!(mk("x", "a").starts_with(&prefix) && mk("x", "b").starts_with(&prefix));
    assert!(!mk("y", "a").starts_with(&prefix));
}

#[test]
fn oversized_index_keys_are_refused_on_write() {
    let def = table();
    let fits = item(&[
        ("pk", s("p")),
        ("sk", n(1)),
        ("g", s(&"x".repeat(2048))),
        ("gs", n(1)),
        ("l", s(&"y".repeat(1024))),
    ]);
    assert!(crate::keys::check_index_keys(&def, &fits).is_ok());
    let cases = [
        ("g", 2049, "Max Size: 2048 bytes IndexName: idx1"),
        ("l", 1025, "Max Size: 1024 bytes IndexName: idx4"),
    ];
    for (attr, len, tail) in cases {
        let it = item(&[("pk", s("p")), ("sk", n(1)), (attr, s(&"z".repeat(len)))]);
        let e = crate::keys::check_index_keys(&def, &it).expect_err("oversized");
        assert_eq!(
            e.to_string(),
            format!(
                "One or more parameter values were invalid: Size limit exceeded for Index Key {attr} Actual Size: {len} bytes {tail}"
            )
        );
    }
}
