//! The shared conformance suite, durable and not.

use super::open;
use eddy_storage_fjall::FjallOptions;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn run(opts: FjallOptions) {
    let parent = tempfile::tempdir().expect("tempdir");
    let next = AtomicUsize::new(0);
    eddy_storage::testing::run_all(|| {
        let dir = parent
            .path()
            .join(next.fetch_add(1, Ordering::Relaxed).to_string());
        open(&dir, opts.clone())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn durable_store_passes_the_conformance_suite() {
    run(FjallOptions::durable(true)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn non_durable_store_passes_the_conformance_suite() {
    run(FjallOptions::durable(false)).await;
}

/// 64 KiB memtables: the suite's larger cases and the model test flush many times, so
/// reads merge memtables with table files while flushes and compactions run.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_with_tiny_memtables_passes_the_conformance_suite() {
    run(FjallOptions {
        memtable_bytes: 64 << 10,
        ..FjallOptions::default()
    })
    .await;
}

/// Without the row cache every point read goes to fjall.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_without_a_row_cache_passes_the_conformance_suite() {
    run(FjallOptions {
        row_cache_bytes: 0,
        ..FjallOptions::default()
    })
    .await;
}

/// A 1 KiB row cache: a handful of entries, so values are evicted all the time while
/// batches invalidate them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_with_a_tiny_row_cache_passes_the_conformance_suite() {
    run(FjallOptions {
        row_cache_bytes: 1 << 10,
        ..FjallOptions::default()
    })
    .await;
}
