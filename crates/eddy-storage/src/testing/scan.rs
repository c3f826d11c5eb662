//! Range scans: order, bounds, prefixes, limits.

use super::{Store, all, commit, keys, put, scan};
use crate::{KeyRange, KvPair, WriteBatch};
use std::collections::BTreeMap;
use std::ops::Bound::{self, Excluded, Included, Unbounded};

/// What a scan of `model` must return.
pub(super) fn expected(
    model: &BTreeMap<Vec<u8>, Vec<u8>>,
    range: &KeyRange,
    reverse: bool,
    limit: usize,
) -> Vec<KvPair> {
    let matching = model.iter().filter(|(k, _)| range.contains(k));
    let pairs = matching.map(|(k, v)| (k.clone(), v.clone()));
    if reverse {
        pairs.rev().take(limit).collect()
    } else {
        pairs.take(limit).collect()
    }
}

/// Writes `keys` (value = key reversed) into `keyspace` and returns the model.
async fn fill(s: &Store, keyspace: &'static str, keys: &[&[u8]]) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut model = BTreeMap::new();
    let mut b = WriteBatch::new();
    for k in keys {
        let v: Vec<u8> = k.iter().rev().copied().collect();
        b.put(keyspace, k.to_vec(), v.clone());
        model.insert(k.to_vec(), v);
    }
    commit(s, b, "fill").await;
    model
}

fn bounds_of(points: &[&[u8]]) -> Vec<Bound<Vec<u8>>> {
    let mut out = vec![Unbounded];
    for p in points {
        out.push(Included(p.to_vec()));
        out.push(Excluded(p.to_vec()));
    }
    out
}

pub(super) async fn order_and_bounds(s: Store) -> Store {
    let ks: [&[u8]; 8] = [b"a", b"aa", b"ab", b"b", b"ba", b"c", b"d\x00", b"d\xff"];
    let model = fill(&s, "scan", &ks).await;
    // Bounds on existing keys, between keys, before the first and after the last.
    let points: [&[u8]; 8] = [b"", b"a", b"aa", b"aaa", b"b", b"bz", b"d\xff", b"e"];
    for start in bounds_of(&points) {
        for end in bounds_of(&points) {
            let range = KeyRange {
                start: start.clone(),
                end: end.clone(),
            };
            for reverse in [false, true] {
                let got = scan(&s, "scan", &range, reverse, usize::MAX);
                let want = expected(&model, &range, reverse, usize::MAX);
                assert_eq!(got, want, "range {range:?} reverse={reverse}");
            }
        }
    }
    let fwd = keys(&scan(&s, "scan", &all(), false, 100));
    let mut rev = keys(&scan(&s, "scan", &all(), true, 100));
    rev.reverse();
    assert_eq!(fwd, rev, "reverse scan is the forward scan reversed");
    assert_eq!(fwd.len(), ks.len());
    assert!(
        scan(&s, "other", &all(), false, 100).is_empty(),
        "keyspaces do not leak"
    );
    s
}

pub(super) async fn prefix_with_ff(s: Store) -> Store {
    let ks: [&[u8]; 12] = [
        b"\x00",
        b"\x01",
        b"\x01\xff",
        b"\x01\xff\x00",
        b"\x01\xff\xff",
        b"\x01\xff\xff\xff",
        b"\x02",
        b"\x02\x00",
        b"\xfe\xff",
        b"\xff",
        b"\xff\xff",
        b"\xff\xff\x01",
    ];
    let model = fill(&s, "pfx", &ks).await;
    let prefixes: [&[u8]; 10] = [
        b"",
        b"\x00",
        b"\x01",
        b"\x01\xff",
        b"\x01\xff\xff",
        b"\x02",
        b"\xfe",
        b"\xff",
        b"\xff\xff",
        b"\xff\xff\xff",
    ];
    for p in prefixes {
        let range = KeyRange::prefix(p);
        for reverse in [false, true] {
            for limit in [1, 2, usize::MAX] {
                let got = scan(&s, "pfx", &range, reverse, limit);
                let want = expected(&model, &range, reverse, limit);
                assert_eq!(got, want, "prefix {p:?} reverse={reverse} limit={limit}");
                assert!(got.iter().all(|(k, _)| k.starts_with(p)), "prefix {p:?}");
            }
        }
    }
    let ff = keys(&scan(&s, "pfx", &KeyRange::prefix(b"\xff"), false, 100));
    assert_eq!(
        ff,
        vec![
            b"\xff".to_vec(),
            b"\xff\xff".to_vec(),
            b"\xff\xff\x01".to_vec()
        ]
    );
    s
}

pub(super) async fn limit(s: Store) -> Store {
    let mut b = WriteBatch::new();
    for i in 0..300u32 {
        b.put("lim", i.to_be_bytes().to_vec(), vec![1]);
    }
    commit(&s, b, "300 keys").await;
    assert!(
        scan(&s, "lim", &all(), false, 0).is_empty(),
        "limit 0 returns nothing"
    );
    assert!(
        scan(&s, "lim", &all(), true, 0).is_empty(),
        "limit 0 returns nothing"
    );
    let first = keys(&scan(&s, "lim", &all(), false, 5));
    let want: Vec<Vec<u8>> = (0..5u32).map(|i| i.to_be_bytes().to_vec()).collect();
    assert_eq!(first, want);
    let last = keys(&scan(&s, "lim", &all(), true, 3));
    let want: Vec<Vec<u8>> = [299u32, 298, 297]
        .iter()
        .map(|i| i.to_be_bytes().to_vec())
        .collect();
    assert_eq!(
        last, want,
        "reverse limit returns the largest keys, descending"
    );
    assert_eq!(
        scan(&s, "lim", &all(), false, 1000).len(),
        300,
        "limit above the count"
    );
    assert_eq!(
        scan(&s, "lim", &all(), false, 300).len(),
        300,
        "limit equal to the count"
    );
    // Paging with an exclusive start key, as Query does with ExclusiveStartKey.
    let mut seen = Vec::new();
    let mut start = Unbounded;
    loop {
        let range = KeyRange {
            start,
            end: Unbounded,
        };
        let page = scan(&s, "lim", &range, false, 7);
        let Some((last, _)) = page.last() else { break };
        start = Excluded(last.clone());
        seen.extend(keys(&page));
    }
    assert_eq!(seen.len(), 300, "paging visits every key once");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "pages are ordered");
    s
}

pub(super) async fn empty_and_inverted_ranges(s: Store) -> Store {
    let model = fill(&s, "inv", &[b"a", b"b", b"c"]).await;
    let b = || b"b".to_vec();
    let cases = [
        (Included(b"c".to_vec()), Included(b"a".to_vec())),
        (Included(b"c".to_vec()), Excluded(b"a".to_vec())),
        (Excluded(b"c".to_vec()), Excluded(b"a".to_vec())),
        (Included(b()), Excluded(b())),
        (Excluded(b()), Included(b())),
        (Excluded(b()), Excluded(b())),
        (Included(b()), Included(b())),
        (Excluded(b"a".to_vec()), Excluded(b"a\x00".to_vec())),
        (Included(b"d".to_vec()), Unbounded),
        (Unbounded, Excluded(b"a".to_vec())),
        (Unbounded, Excluded(Vec::new())),
    ];
    for (start, end) in cases {
        let range = KeyRange { start, end };
        for reverse in [false, true] {
            let got = scan(&s, "inv", &range, reverse, 10);
            assert_eq!(
                got,
                expected(&model, &range, reverse, 10),
                "{range:?} rev={reverse}"
            );
        }
    }
    s
}

pub(super) async fn deleted_keys_skipped(s: Store) -> Store {
    let mut b = WriteBatch::new();
    for i in 0..50u8 {
        b.put("del", vec![i], vec![i]);
    }
    commit(&s, b, "50 keys").await;
    let mut b = WriteBatch::new();
    for i in (0..50u8).filter(|i| i % 3 != 0) {
        b.delete("del", vec![i]);
    }
    commit(&s, b, "delete two thirds").await;
    put(&s, "del", &[4], b"back").await;
    let got = keys(&scan(&s, "del", &all(), false, 100));
    let mut want: Vec<Vec<u8>> = (0..50u8).filter(|i| i % 3 == 0).map(|i| vec![i]).collect();
    want.push(vec![4]);
    want.sort();
    assert_eq!(got, want);
    let mut rev = keys(&scan(&s, "del", &all(), true, 4));
    rev.reverse();
    assert_eq!(
        rev,
        want[want.len() - 4..].to_vec(),
        "reverse limit skips tombstones"
    );
    s
}
