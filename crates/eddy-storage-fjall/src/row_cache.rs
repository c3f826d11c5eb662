//! A small cache of whole values for point reads (a "row cache", as in RocksDB).
//!
//! Why: a point read in an LSM tree walks the active and sealed memtables, then one table
//! per level (key range, bloom filter, block index, block cache, block search). For a key
//! that is read again and again that walk was ~20% of a GetItem's CPU once a table had
//! seen some writes. A hit here is one hash lookup.
//!
//! # Coherence
//!
//! The cache must never answer with a value older than one a reader could already have
//! seen, and two reads in a row must never see half of a batch (the storage contract's
//! `readers_never_see_half_a_batch`). The committer brackets every batch it applies:
//!
//! 1. [`RowCache::begin_batch`]: under the lock, drop the batch's keys, mark them
//!    *pending* and advance the epoch;
//! 2. apply the batch to fjall;
//! 3. [`RowCache::end_batch`]: unmark them.
//!
//! A reader calls [`RowCache::lookup`]: a hit is a value no batch has touched since it
//! was cached; a pending key is a [`Lookup::Bypass`] (read fjall, cache nothing); a miss
//! hands out the current epoch, and [`RowCache::fill`] caches the value read from fjall
//! only if the epoch has not moved since. So a value is cached only if no batch began
//! while it was being read, and any later batch on its key removes it before applying.
//! Values read while a batch is pending, or in flight across a batch's start, go
//! uncached; under a heavy write load the cache simply fills less.

use parking_lot::Mutex;
use quick_cache::Weighter;
use quick_cache::unsync::Cache;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;

/// Cache key: keyspace name and key.
type Key = (&'static str, Vec<u8>);

/// Bytes charged per entry on top of key and value (map slot, vectors, bookkeeping).
const ENTRY_OVERHEAD: u64 = 64;

#[derive(Clone)]
struct ByBytes;

impl Weighter<Key, Vec<u8>> for ByBytes {
    fn weight(&self, key: &Key, value: &Vec<u8>) -> u64 {
        (key.1.len() + value.len()) as u64 + ENTRY_OVERHEAD
    }
}

struct Inner {
    values: Cache<Key, Vec<u8>, ByBytes, RandomState>,
    /// Keys of batches being applied, with how many such batches touch each.
    pending: HashMap<Key, u32>,
    /// Advanced by every batch start; a fill is accepted only at the epoch of its lookup.
    epoch: u64,
}

/// What [`RowCache::lookup`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// The cached value.
    Hit(Vec<u8>),
    /// Not cached: read storage, then offer the value to [`RowCache::fill`] with this epoch.
    Miss(u64),
    /// A batch touching the key is being applied: read storage and do not cache.
    Bypass,
}

/// See the module docs. Disabled (every lookup a bypass) when built with capacity 0.
pub(crate) struct RowCache {
    inner: Option<Mutex<Inner>>,
}

impl RowCache {
    /// A cache holding up to `capacity_bytes` of keys and values (0 disables it).
    pub(crate) fn new(capacity_bytes: u64) -> Self {
        let inner = (capacity_bytes > 0).then(|| {
            let items = (capacity_bytes / 256).max(16) as usize;
            Mutex::new(Inner {
                values: Cache::with(
                    items,
                    capacity_bytes,
                    ByBytes,
                    RandomState::new(),
                    Default::default(),
                ),
                pending: HashMap::new(),
                epoch: 0,
            })
        });
        Self { inner }
    }

    pub(crate) fn lookup(&self, keyspace: &'static str, key: &[u8]) -> Lookup {
        let Some(inner) = &self.inner else {
            return Lookup::Bypass;
        };
        let k = (keyspace, key.to_vec());
        let inner = inner.lock();
        if inner.pending.contains_key(&k) {
            return Lookup::Bypass;
        }
        match inner.values.get(&k) {
            Some(v) => Lookup::Hit(v.clone()),
            None => Lookup::Miss(inner.epoch),
        }
    }

    /// Caches `value` (read from storage after a [`Lookup::Miss`] at `epoch`) unless a
    /// batch began since. Absent keys are not cached.
    pub(crate) fn fill(&self, keyspace: &'static str, key: &[u8], epoch: u64, value: &[u8]) {
        let Some(inner) = &self.inner else { return };
        let mut inner = inner.lock();
        if inner.epoch == epoch {
            inner
                .values
                .insert((keyspace, key.to_vec()), value.to_vec());
        }
    }

    /// Before a batch is applied: forget its keys and hold them pending until the
    /// returned [`Pending`] is passed to [`RowCache::end_batch`].
    pub(crate) fn begin_batch<'a>(
        &self,
        keys: impl Iterator<Item = (&'static str, &'a [u8])>,
    ) -> Pending {
        let Some(inner) = &self.inner else {
            return Pending(Vec::new());
        };
        let keys: Vec<Key> = keys.map(|(ks, key)| (ks, key.to_vec())).collect();
        let mut inner = inner.lock();
        inner.epoch += 1;
        for k in &keys {
            inner.values.remove(k);
            *inner.pending.entry(k.clone()).or_insert(0) += 1;
        }
        Pending(keys)
    }

    /// After the batch (or group of batches) begun with `pending` was applied or failed.
    pub(crate) fn end_batch(&self, pending: Pending) {
        let Some(inner) = &self.inner else { return };
        if pending.0.is_empty() {
            return;
        }
        let mut inner = inner.lock();
        for k in pending.0 {
            if let Some(n) = inner.pending.get_mut(&k) {
                *n -= 1;
                if *n == 0 {
                    inner.pending.remove(&k);
                }
            }
        }
    }
}

/// The keys of a batch being applied (see [`RowCache::begin_batch`]).
#[must_use = "pass it to RowCache::end_batch, or its keys stay uncacheable"]
pub(crate) struct Pending(Vec<Key>);

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(ks: &[&'static [u8]]) -> impl Iterator<Item = (&'static str, &'static [u8])> {
        ks.iter().map(|k| ("t", *k)).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn a_filled_value_is_a_hit_until_a_batch_touches_its_key() {
        let c = RowCache::new(1 << 20);
        let Lookup::Miss(e) = c.lookup("t", b"a") else {
            panic!("empty cache must miss")
        };
        c.fill("t", b"a", e, b"1");
        assert_eq!(c.lookup("t", b"a"), Lookup::Hit(b"1".to_vec()));
        let p = c.begin_batch(keys(&[b"a"]));
        assert_eq!(c.lookup("t", b"a"), Lookup::Bypass, "pending while applied");
        c.end_batch(p);
        assert!(matches!(c.lookup("t", b"a"), Lookup::Miss(_)), "dropped");
        assert!(
            matches!(c.lookup("u", b"a"), Lookup::Miss(_)),
            "keyspaces apart"
        );
    }

    #[test]
    fn a_value_read_across_a_batch_start_is_not_cached() {
        let c = RowCache::new(1 << 20);
        let Lookup::Miss(e) = c.lookup("t", b"a") else {
            panic!()
        };
        // The reader read the old value; then a batch on `a` began and finished.
        let p = c.begin_batch(keys(&[b"a"]));
        c.end_batch(p);
        c.fill("t", b"a", e, b"old");
        assert!(matches!(c.lookup("t", b"a"), Lookup::Miss(_)));
        // A batch on another key also moves the epoch: conservative, never stale.
        let Lookup::Miss(e) = c.lookup("t", b"a") else {
            panic!()
        };
        let p = c.begin_batch(keys(&[b"b"]));
        c.fill("t", b"a", e, b"v");
        c.end_batch(p);
        assert!(matches!(c.lookup("t", b"a"), Lookup::Miss(_)));
    }

    #[test]
    fn overlapping_batches_keep_a_key_pending_until_both_end() {
        let c = RowCache::new(1 << 20);
        let p1 = c.begin_batch(keys(&[b"a"]));
        let p2 = c.begin_batch(keys(&[b"a", b"b"]));
        c.end_batch(p1);
        assert_eq!(c.lookup("t", b"a"), Lookup::Bypass);
        c.end_batch(p2);
        assert!(matches!(c.lookup("t", b"a"), Lookup::Miss(_)));
        assert!(matches!(c.lookup("t", b"b"), Lookup::Miss(_)));
    }

    #[test]
    fn capacity_bounds_the_cache_and_zero_disables_it() {
        let c = RowCache::new(16 << 10);
        for i in 0..1000u32 {
            let k = i.to_be_bytes();
            if let Lookup::Miss(e) = c.lookup("t", &k) {
                c.fill("t", &k, e, &[0u8; 100]);
            }
        }
        let weight = c.inner.as_ref().unwrap().lock().values.weight();
        assert!(weight <= 16 << 10, "weight {weight}");
        let off = RowCache::new(0);
        assert_eq!(off.lookup("t", b"a"), Lookup::Bypass);
        off.fill("t", b"a", 0, b"x");
        assert_eq!(off.lookup("t", b"a"), Lookup::Bypass);
    }
}
