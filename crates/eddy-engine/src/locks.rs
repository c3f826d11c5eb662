//! Per-item write locks.
//!
//! Every write (conditional or not) reads the old item, decides, and commits while holding
//! the lock of the item's stripe, and keeps holding it until the storage commit is durable.
//! That makes conditional writes linearizable per item and means no writer ever acts on
//! another writer's not-yet-acknowledged state. Writes to different stripes proceed in
//! parallel and share group commits. Multi-item writes lock their stripes in ascending
//! order, so they cannot deadlock.

use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Number of stripes: large enough that unrelated keys rarely share one.
const STRIPES: usize = 4096;

/// A fixed array of async mutexes indexed by a hash of the storage key.
pub struct KeyLocks {
    stripes: Vec<Arc<Mutex<()>>>,
}

impl Default for KeyLocks {
    fn default() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect(),
        }
    }
}

/// Guards for the stripes of one write; released on drop.
pub struct LockSet {
    _guards: Vec<OwnedMutexGuard<()>>,
}

impl KeyLocks {
    fn stripe(key: &[u8]) -> usize {
        // FNV-1a over the storage key; only distribution matters here.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        (h % STRIPES as u64) as usize
    }

    /// Locks the stripes of every key (deduplicated, in ascending order).
    pub async fn lock<'a>(&self, keys: impl IntoIterator<Item = &'a [u8]>) -> LockSet {
        let mut idx: Vec<usize> = keys.into_iter().map(Self::stripe).collect();
        idx.sort_unstable();
        idx.dedup();
        let mut guards = Vec::with_capacity(idx.len());
        for i in idx {
            guards.push(self.stripes[i].clone().lock_owned().await);
        }
        LockSet { _guards: guards }
    }

    /// Waits until every write that held a stripe when this was called has released it
    /// (locks and releases each stripe in turn). After a catalog change is published, a
    /// barrier guarantees that every write still acting on the old definition is done
    /// (index backfill and purge rely on it).
    pub async fn barrier(&self) {
        for stripe in &self.stripes {
            drop(stripe.lock().await);
        }
    }
}
