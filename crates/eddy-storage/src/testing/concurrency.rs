//! Concurrent committers and readers: nothing lost, nothing half-visible, nothing reordered.

use super::{Store, all, commit, get, scan};
use crate::WriteBatch;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn num(v: Option<Vec<u8>>) -> u32 {
    v.map_or(0, |v| {
        u32::from_be_bytes(v.try_into().expect("4-byte value"))
    })
}

pub(super) async fn many_committers(s: Store) -> Store {
    const TASKS: u32 = 64;
    const COMMITS: u32 = 40;
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..COMMITS {
                let key = [t.to_be_bytes(), i.to_be_bytes()].concat();
                let mut b = WriteBatch::new();
                b.put("a", key.clone(), i.to_be_bytes().to_vec());
                b.put("b", key, t.to_be_bytes().to_vec());
                commit(&s, b, "concurrent commit").await;
            }
        }));
    }
    for h in handles {
        h.await.expect("committer task panicked");
    }
    let a = scan(&s, "a", &all(), false, usize::MAX);
    let b = scan(&s, "b", &all(), false, usize::MAX);
    assert_eq!(
        a.len(),
        (TASKS * COMMITS) as usize,
        "every commit visible in a"
    );
    assert_eq!(
        b.len(),
        (TASKS * COMMITS) as usize,
        "every commit visible in b"
    );
    for (k, v) in &a {
        assert_eq!(&k[4..], &v[..], "value of a/{k:?}");
    }
    for (k, v) in &b {
        assert_eq!(&k[..4], &v[..], "value of b/{k:?}");
    }
    s
}

pub(super) async fn readers_never_see_half_a_batch(s: Store) -> Store {
    const BATCHES: u32 = 300;
    let stop = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..2 {
        let (s, stop) = (s.clone(), stop.clone());
        readers.push(tokio::task::spawn_blocking(move || {
            let mut checks = 0u64;
            loop {
                // Each batch sets a/x, b/x, s/k1 and s/k2 to the same number. Reads happen
                // one after another, so later reads may see newer batches, never older ones.
                let (a1, b1) = (num(get(&s, "a", b"x")), num(get(&s, "b", b"x")));
                assert!(
                    b1 >= a1,
                    "read a={a1} then b={b1}: half a batch was visible"
                );
                let (b2, a2) = (num(get(&s, "b", b"x")), num(get(&s, "a", b"x")));
                assert!(
                    a2 >= b2,
                    "read b={b2} then a={a2}: half a batch was visible"
                );
                let pairs = scan(&s, "s", &all(), false, 10);
                if !pairs.is_empty() {
                    assert_eq!(pairs.len(), 2, "scan saw half a batch: {pairs:?}");
                    assert_eq!(pairs[0].1, pairs[1].1, "one scan saw two batches");
                }
                checks += 1;
                if stop.load(Ordering::Acquire) {
                    return checks;
                }
            }
        }));
    }
    for i in 1..=BATCHES {
        let v = i.to_be_bytes().to_vec();
        let mut b = WriteBatch::new();
        b.put("a", b"x".to_vec(), v.clone());
        b.put("s", b"k1".to_vec(), v.clone());
        b.put("s", b"k2".to_vec(), v.clone());
        b.put("b", b"x".to_vec(), v);
        commit(&s, b, "writer").await;
        if i % 16 == 0 {
            tokio::task::yield_now().await;
        }
    }
    stop.store(true, Ordering::Release);
    for r in readers {
        let checks = r.await.expect("reader panicked");
        assert!(checks > 0, "reader ran");
    }
    assert_eq!(num(get(&s, "a", b"x")), BATCHES);
    assert_eq!(num(get(&s, "b", b"x")), BATCHES);
    s
}

pub(super) async fn commits_of_one_task_apply_in_order(s: Store) -> Store {
    const TASKS: u8 = 8;
    const COMMITS: u32 = 100;
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (s, stop) = (s.clone(), stop.clone());
        tokio::task::spawn_blocking(move || {
            let mut last = [0u32; TASKS as usize];
            while !stop.load(Ordering::Acquire) {
                for t in 0..TASKS {
                    let v = num(get(&s, "seq", &[t]));
                    let prev = last[t as usize];
                    assert!(v >= prev, "key {t} went back from {prev} to {v}");
                    last[t as usize] = v;
                }
            }
        })
    };
    let mut handles = Vec::new();
    for t in 0..TASKS {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            for i in 1..=COMMITS {
                let mut b = WriteBatch::new();
                b.put("seq", vec![t], i.to_be_bytes().to_vec());
                commit(&s, b, "sequential commit").await;
                assert_eq!(
                    num(get(&s, "seq", &[t])),
                    i,
                    "read-your-writes after commit"
                );
            }
        }));
    }
    for h in handles {
        h.await.expect("writer panicked");
    }
    stop.store(true, Ordering::Release);
    reader.await.expect("reader panicked");
    for t in 0..TASKS {
        assert_eq!(num(get(&s, "seq", &[t])), COMMITS);
    }
    s
}

/// Batches apply in the order `commit` was *called*: once the future of a later commit
/// resolves, every earlier-submitted batch is visible, and a later batch's write to the
/// same key wins even if the futures are awaited in reverse. The stream sequencer relies
/// on this (it numbers records and submits their batch under one lock).
pub(super) async fn submission_order_is_apply_order(s: Store) -> Store {
    const N: u32 = 200;
    let mut pending = Vec::new();
    for i in 0..N {
        let mut b = WriteBatch::new();
        b.put("order", b"last".to_vec(), i.to_be_bytes().to_vec());
        b.put("order", i.to_be_bytes().to_vec(), b"x".to_vec());
        pending.push(s.commit(b));
    }
    let last = pending.pop().expect("N > 0");
    last.await.expect("last commit");
    for i in 0..N {
        assert!(
            get(&s, "order", &i.to_be_bytes()).is_some(),
            "batch {i} not applied although the later batch {} resolved",
            N - 1
        );
    }
    for f in pending.into_iter().rev() {
        f.await.expect("earlier commit");
    }
    assert_eq!(
        num(get(&s, "order", b"last")),
        N - 1,
        "the last submitted batch wins"
    );
    s
}
