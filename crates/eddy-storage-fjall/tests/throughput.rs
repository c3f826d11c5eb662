//! Measurements, not assertions; run with
//! `cargo test --release -p eddy-storage-fjall --test main -- --ignored --nocapture`.

use super::open;
use eddy_storage::{Storage, WriteBatch};
use eddy_storage_fjall::FjallOptions;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Commits/s for 1, 8 and 64 concurrent committers; each commit is one 400 B item plus
/// one 600 B stream record in two keyspaces, like a PutItem on a table with a stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run explicitly in release mode"]
async fn commit_throughput() {
    for durable in [true, false] {
        for committers in [1u64, 8, 64] {
            let dir = tempfile::tempdir().expect("tempdir");
            let store = Arc::new(open(dir.path(), FjallOptions::durable(durable)));
            let stop = Arc::new(AtomicBool::new(false));
            let done = Arc::new(AtomicU64::new(0));
            let mut tasks = Vec::new();
            for t in 0..committers {
                let (store, stop, done) = (store.clone(), stop.clone(), done.clone());
                tasks.push(tokio::spawn(async move {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let key = [t.to_be_bytes(), i.to_be_bytes()].concat();
                        let mut b = WriteBatch::new();
                        b.put("items", key.clone(), vec![7; 400]);
                        b.put("stream", key, vec![9; 600]);
                        store.commit(b).await.expect("commit");
                        done.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                    }
                }));
            }
            let started = Instant::now();
            tokio::time::sleep(Duration::from_secs(3)).await;
            stop.store(true, Ordering::Relaxed);
            for t in tasks {
                t.await.expect("task");
            }
            let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
            println!("durable={durable} committers={committers}: {rate:.0} commits/s");
            store.close().expect("close");
        }
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resident memory of this (test) process: before opening, after opening, after writing
/// ~36 MB over two keyspaces (items and stream), after a full scan, and after idling.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement; run explicitly"]
async fn resident_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    println!("RSS before open: {} KiB", rss_kib());
    let store = open(dir.path(), FjallOptions::default());
    println!("RSS after open: {} KiB", rss_kib());
    for chunk in 0..300u32 {
        let mut b = WriteBatch::new();
        for i in 0..100u32 {
            let key = (chunk * 100 + i).to_be_bytes().to_vec();
            b.put(
                ["items", "stream"][(i % 2) as usize],
                key,
                vec![i as u8; 1200],
            );
        }
        store.commit(b).await.expect("commit");
    }
    println!("RSS after writing 30k x 1.2 KB: {} KiB", rss_kib());
    // Read everything back in pages (as Query does), so the block cache fills up but
    // the test itself holds little.
    let mut n = 0;
    for ks in ["items", "stream"] {
        let mut range = eddy_storage::KeyRange::prefix(b"");
        loop {
            let page = store.scan(ks, &range, false, 100).expect("scan");
            let Some((last, _)) = page.last() else { break };
            range.start = std::ops::Bound::Excluded(last.clone());
            n += page.len();
        }
    }
    println!("RSS after scanning {n} items: {} KiB", rss_kib());
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!("RSS after 3 s idle: {} KiB", rss_kib());
    store.close().expect("close");
    drop(store);
    println!("RSS after close and drop: {} KiB", rss_kib());
}
