//! Point operations, batches, limits and shutdown.

use super::{MAX_KEY_LEN, Store, all, commit, get, keys, put, scan};
use crate::{KeyRange, StorageError, WriteBatch};

pub(super) async fn get_put_delete(s: Store) -> Store {
    assert_eq!(get(&s, "a", b"k"), None, "fresh store has no key");
    put(&s, "a", b"k", b"v1").await;
    assert_eq!(get(&s, "a", b"k").as_deref(), Some(&b"v1"[..]));
    assert_eq!(get(&s, "b", b"k"), None, "keyspaces are separate");
    assert_eq!(get(&s, "a", b"k2"), None, "only the written key exists");

    let mut b = WriteBatch::new();
    b.delete("a", b"k".to_vec());
    commit(&s, b, "delete").await;
    assert_eq!(get(&s, "a", b"k"), None, "deleted key is gone");

    let mut b = WriteBatch::new();
    b.delete("a", b"never-existed".to_vec());
    commit(&s, b, "delete of an absent key is not an error").await;
    commit(&s, WriteBatch::new(), "an empty batch commits").await;
    assert!(!s.name().is_empty(), "backend has a name");
    s
}

pub(super) async fn overwrite(s: Store) -> Store {
    put(&s, "a", b"k", b"first").await;
    put(&s, "a", b"k", b"second, longer value").await;
    assert_eq!(
        get(&s, "a", b"k").as_deref(),
        Some(&b"second, longer value"[..])
    );
    put(&s, "a", b"k", b"3").await;
    assert_eq!(get(&s, "a", b"k").as_deref(), Some(&b"3"[..]));
    assert_eq!(
        scan(&s, "a", &all(), false, 100).len(),
        1,
        "overwrite keeps one version"
    );
    s
}

pub(super) async fn empty_keyspace(s: Store) -> Store {
    assert_eq!(get(&s, "never", b"x"), None);
    assert!(scan(&s, "never", &all(), false, 10).is_empty());
    assert!(scan(&s, "never", &all(), true, 10).is_empty());
    assert!(scan(&s, "never", &KeyRange::prefix(b"x"), false, 10).is_empty());
    // A keyspace whose keys were all deleted is empty again.
    put(&s, "a", b"x", b"1").await;
    let mut b = WriteBatch::new();
    b.delete("a", b"x".to_vec());
    commit(&s, b, "delete last key").await;
    assert!(scan(&s, "a", &all(), false, 10).is_empty());
    assert!(scan(&s, "a", &all(), true, 10).is_empty());
    s
}

pub(super) async fn batch_across_keyspaces(s: Store) -> Store {
    put(&s, "b", b"old", b"gone soon").await;
    let mut b = WriteBatch::new();
    b.put("a", b"item".to_vec(), b"item-v".to_vec());
    b.put("b", b"stream-1".to_vec(), b"record".to_vec());
    b.delete("b", b"old".to_vec());
    b.put("c", b"x".to_vec(), b"y".to_vec());
    assert_eq!(b.len(), 4);
    commit(&s, b, "cross-keyspace batch").await;
    assert_eq!(get(&s, "a", b"item").as_deref(), Some(&b"item-v"[..]));
    assert_eq!(get(&s, "b", b"stream-1").as_deref(), Some(&b"record"[..]));
    assert_eq!(get(&s, "b", b"old"), None);
    assert_eq!(get(&s, "c", b"x").as_deref(), Some(&b"y"[..]));
    assert_eq!(
        keys(&scan(&s, "b", &all(), false, 10)),
        vec![b"stream-1".to_vec()]
    );
    s
}

pub(super) async fn in_batch_order(s: Store) -> Store {
    put(&s, "a", b"existing", b"old").await;
    let mut b = WriteBatch::new();
    b.put("a", b"put-then-delete".to_vec(), b"v".to_vec());
    b.delete("a", b"put-then-delete".to_vec());
    b.delete("a", b"delete-then-put".to_vec());
    b.put("a", b"delete-then-put".to_vec(), b"v".to_vec());
    b.put("a", b"put-put".to_vec(), b"first".to_vec());
    b.put("a", b"put-put".to_vec(), b"second".to_vec());
    b.delete("a", b"existing".to_vec());
    b.put("a", b"existing".to_vec(), b"new".to_vec());
    b.delete("a", b"existing".to_vec());
    b.put("a", b"existing".to_vec(), b"newest".to_vec());
    commit(&s, b, "batch with repeated keys").await;
    assert_eq!(get(&s, "a", b"put-then-delete"), None, "later delete wins");
    assert_eq!(
        get(&s, "a", b"delete-then-put").as_deref(),
        Some(&b"v"[..]),
        "later put wins"
    );
    assert_eq!(
        get(&s, "a", b"put-put").as_deref(),
        Some(&b"second"[..]),
        "later put wins"
    );
    assert_eq!(get(&s, "a", b"existing").as_deref(), Some(&b"newest"[..]));
    let got = scan(&s, "a", &all(), false, 100);
    let want: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"delete-then-put".to_vec(), b"v".to_vec()),
        (b"existing".to_vec(), b"newest".to_vec()),
        (b"put-put".to_vec(), b"second".to_vec()),
    ];
    assert_eq!(
        got, want,
        "scan agrees with gets after a batch with repeated keys"
    );
    s
}

pub(super) async fn binary_keys_and_values(s: Store) -> Store {
    let ks: Vec<Vec<u8>> = vec![
        vec![0x00],
        vec![0x00, 0x00],
        vec![0x00, 0x01],
        vec![0x00, 0xff],
        vec![0x01],
        vec![0x7f, 0x80],
        vec![0x80],
        vec![0xff, 0x00],
        vec![0xff, 0xff, 0xff],
    ];
    // Insert in a scrambled order; the store must order them bytewise (unsigned).
    for i in [5, 0, 8, 3, 1, 7, 2, 6, 4] {
        put(&s, "bin", &ks[i], &[i as u8, 0x00, 0xff]).await;
    }
    assert_eq!(
        keys(&scan(&s, "bin", &all(), false, 100)),
        ks,
        "unsigned byte order"
    );
    for (i, k) in ks.iter().enumerate() {
        assert_eq!(
            get(&s, "bin", k),
            Some(vec![i as u8, 0x00, 0xff]),
            "key {k:?}"
        );
    }
    assert_eq!(
        get(&s, "bin", &[0x00, 0x00, 0x00]),
        None,
        "no prefix confusion"
    );
    // An empty value is a value, not a deletion.
    put(&s, "bin", b"empty", b"").await;
    assert_eq!(
        get(&s, "bin", b"empty"),
        Some(Vec::new()),
        "empty value survives"
    );
    assert!(
        scan(&s, "bin", &KeyRange::prefix(b"empty"), false, 10)
            == vec![(b"empty".to_vec(), Vec::new())]
    );
    s
}

pub(super) async fn large_values(s: Store) -> Store {
    let big = |seed: u8, len: usize| -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect()
    };
    let mut b = WriteBatch::new();
    for i in 0..4u8 {
        b.put("big", vec![b'k', i], big(i, 400 * 1024 + i as usize));
    }
    b.put("small", b"stream".to_vec(), big(9, 600));
    commit(&s, b, "batch with ~1.6 MB of values").await;
    for i in 0..4u8 {
        assert_eq!(
            get(&s, "big", &[b'k', i]),
            Some(big(i, 400 * 1024 + i as usize)),
            "value {i}"
        );
    }
    let got = scan(&s, "big", &all(), true, 2);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], (vec![b'k', 3], big(3, 400 * 1024 + 3)));
    // A long key (DynamoDB keys encode to a few KB at most) and the longest allowed key.
    let long_key = big(7, 4096);
    put(&s, "big", &long_key, b"long key").await;
    assert_eq!(get(&s, "big", &long_key).as_deref(), Some(&b"long key"[..]));
    let max_key = big(8, MAX_KEY_LEN);
    put(&s, "big", &max_key, b"max key").await;
    assert_eq!(get(&s, "big", &max_key).as_deref(), Some(&b"max key"[..]));
    s
}

pub(super) async fn invalid_keys_reject_batch(s: Store) -> Store {
    for bad in [Vec::new(), vec![0x61; MAX_KEY_LEN + 1]] {
        let mut b = WriteBatch::new();
        b.put("a", b"good".to_vec(), b"v".to_vec());
        b.put("b", bad.clone(), b"v".to_vec());
        let res = s.commit(b).await;
        assert!(res.is_err(), "key of {} bytes must be rejected", bad.len());
        assert_eq!(
            get(&s, "a", b"good"),
            None,
            "a rejected batch applies nothing"
        );
        let mut b = WriteBatch::new();
        b.delete("a", bad.clone());
        assert!(
            s.commit(b).await.is_err(),
            "delete of a {}-byte key is rejected",
            bad.len()
        );
    }
    assert_eq!(get(&s, "a", b""), None, "reading the empty key is fine");
    put(&s, "a", b"after", b"ok").await;
    assert_eq!(
        get(&s, "a", b"after").as_deref(),
        Some(&b"ok"[..]),
        "store still works"
    );
    s
}

pub(super) async fn many_keyspaces(s: Store) -> Store {
    const NAMES: [&str; 24] = [
        "ks_0",
        "ks_1",
        "ks_2",
        "ks_3",
        "ks_4",
        "ks_5",
        "ks_6",
        "ks_7",
        "ks_8",
        "ks_9",
        "ks_10",
        "ks_11",
        "ks-12",
        "ks-13",
        "KS14",
        "ks15",
        "items",
        "stream",
        "catalog",
        "meta",
        "a_b-c",
        "Z",
        "0",
        "items_000000000000000000000000000000000000000001",
    ];
    let mut b = WriteBatch::new();
    for (i, ks) in NAMES.iter().enumerate() {
        b.put(ks, b"k".to_vec(), vec![i as u8]);
    }
    commit(&s, b, "one batch over 24 keyspaces").await;
    for (i, ks) in NAMES.iter().enumerate() {
        assert_eq!(get(&s, ks, b"k"), Some(vec![i as u8]), "keyspace {ks}");
        assert_eq!(scan(&s, ks, &all(), false, 10).len(), 1, "keyspace {ks}");
    }
    s
}

pub(super) async fn close(s: Store) -> Store {
    put(&s, "a", b"before", b"1").await;
    s.close().expect("close");
    let mut b = WriteBatch::new();
    b.put("a", b"after".to_vec(), b"2".to_vec());
    match s.commit(b).await {
        Err(StorageError::Closed) => {}
        other => panic!("commit after close must fail with Closed, got {other:?}"),
    }
    match s.commit(WriteBatch::new()).await {
        Err(StorageError::Closed) => {}
        other => panic!("empty commit after close must fail with Closed, got {other:?}"),
    }
    s.close().expect("close is idempotent");
    s
}
