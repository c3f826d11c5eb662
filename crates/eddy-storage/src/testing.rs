//! Conformance suite every [`Storage`] backend must pass (feature `testing`).
//!
//! The engine is written against the trait, not against a backend, so the trait's contract
//! is only worth something if every backend provably honours it. Each backend's tests call
//! [`run_all`] with a factory for fresh, empty stores (Garage's `db/test.rs` pattern):
//!
//! ```ignore
//! #[tokio::test(flavor = "multi_thread")]
//! async fn conformance() {
//!     eddy_storage::testing::run_all(MemoryStorage::new).await;
//! }
//! ```
//!
//! The suite panics (with the name of the failing case printed to stderr first) on the
//! first violation. It needs a tokio runtime; a multi-threaded one exercises more
//! interleavings in the concurrency cases.
//!
//! Besides the written-out cases it runs a model-based randomized test: random batches,
//! gets and scans against a `BTreeMap` model, from fixed seeds (set `EDDY_STORAGE_SEED`
//! to run one more seed of your choice), so failures reproduce exactly.
//!
//! Limits every backend enforces and the suite checks: keys are 1..=[`MAX_KEY_LEN`]
//! bytes (fjall's limit); a batch containing any other key is rejected as a whole.

mod basic;
mod concurrency;
mod model;
mod scan;

use crate::{KeyRange, KvPair, Storage, WriteBatch};
use std::future::Future;
use std::sync::Arc;

/// Longest key a backend must accept. Longer keys and the empty key are rejected.
pub const MAX_KEY_LEN: usize = 65_535;

/// A store under test, shared with spawned tasks.
type Store = Arc<dyn Storage>;

/// Runs the whole conformance suite, calling `make` for a fresh, empty store per case.
///
/// Each case closes its store at the end, so `make` may hand out stores that live in
/// directories of one temporary parent.
pub async fn run_all<S: Storage, F: Fn() -> S>(make: F) {
    let make = || -> Store { Arc::new(make()) };
    /// Runs `module::case(make())` for each listed case, named after it.
    macro_rules! cases {
        ($($module:ident :: $case:ident),* $(,)?) => {$(
            run_case(concat!(stringify!($module), "::", stringify!($case)), $module::$case(make())).await;
        )*};
    }
    cases![
        basic::get_put_delete,
        basic::overwrite,
        basic::empty_keyspace,
        basic::batch_across_keyspaces,
        basic::in_batch_order,
        basic::binary_keys_and_values,
        basic::large_values,
        basic::invalid_keys_reject_batch,
        basic::many_keyspaces,
        basic::close,
        scan::order_and_bounds,
        scan::prefix_with_ff,
        scan::limit,
        scan::empty_and_inverted_ranges,
        scan::deleted_keys_skipped,
        concurrency::many_committers,
        concurrency::readers_never_see_half_a_batch,
        concurrency::commits_of_one_task_apply_in_order,
        concurrency::submission_order_is_apply_order,
    ];
    for seed in model::seeds() {
        let name = format!("model::random_ops(seed={seed})");
        run_case(&name, model::random_ops(make(), seed)).await;
    }
}

/// Runs one case, announcing it first so a panic can be attributed.
async fn run_case(name: &str, case: impl Future<Output = Store>) {
    eprintln!("storage conformance: {name}");
    let store = case.await;
    store
        .close()
        .unwrap_or_else(|e| panic!("{name}: close failed: {e}"));
}

/// Commits `batch` and panics with `what` on failure.
async fn commit(store: &Store, batch: WriteBatch, what: &str) {
    store
        .commit(batch)
        .await
        .unwrap_or_else(|e| panic!("{what}: commit failed: {e}"));
}

/// Commits one put.
async fn put(store: &Store, keyspace: &'static str, key: &[u8], value: &[u8]) {
    let mut b = WriteBatch::new();
    b.put(keyspace, key.to_vec(), value.to_vec());
    commit(store, b, "put").await;
}

/// Reads one key, panicking on error.
fn get(store: &Store, keyspace: &'static str, key: &[u8]) -> Option<Vec<u8>> {
    store
        .get(keyspace, key)
        .unwrap_or_else(|e| panic!("get {keyspace}/{key:?} failed: {e}"))
}

/// Scans, panicking on error.
fn scan(
    store: &Store,
    keyspace: &'static str,
    range: &KeyRange,
    reverse: bool,
    limit: usize,
) -> Vec<KvPair> {
    store
        .scan(keyspace, range, reverse, limit)
        .unwrap_or_else(|e| {
            panic!("scan {keyspace} {range:?} rev={reverse} limit={limit} failed: {e}")
        })
}

/// Every key of a scan result.
fn keys(pairs: &[KvPair]) -> Vec<Vec<u8>> {
    pairs.iter().map(|(k, _)| k.clone()).collect()
}

/// The whole key space.
fn all() -> KeyRange {
    KeyRange {
        start: std::ops::Bound::Unbounded,
        end: std::ops::Bound::Unbounded,
    }
}

/// Small deterministic PRNG (splitmix64): reproducible without a dependency.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant for tests.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}
