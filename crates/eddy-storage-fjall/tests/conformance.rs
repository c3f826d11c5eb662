//! The shared conformance suite, durable and not.

use super::open;
use eddy_storage_fjall::FjallOptions;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn run(durable: bool) {
    let parent = tempfile::tempdir().expect("tempdir");
    let next = AtomicUsize::new(0);
    eddy_storage::testing::run_all(|| {
        let dir = parent
            .path()
            .join(next.fetch_add(1, Ordering::Relaxed).to_string());
        open(&dir, FjallOptions::durable(durable))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn durable_store_passes_the_conformance_suite() {
    run(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn non_durable_store_passes_the_conformance_suite() {
    run(false).await;
}
