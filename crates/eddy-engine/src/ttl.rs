//! The TTL expiry worker: deletes items whose Time to Live has passed.
//!
//! One background task per engine. Every `interval` it walks each table that has TTL
//! enabled, a page of [`PAGE_SIZE`] items at a time (never the whole table in memory), and
//! deletes the items whose TTL attribute is a Number of epoch seconds in the past, but not
//! more than five years in the past (AWS ignores such values, as it ignores strings, sets
//! and every other type). AWS deletes within days; eddy within about one interval.
//!
//! Deletes go through the same write path as DeleteItem ([`Engine::write_one_as`] with
//! [`WriteOrigin::Ttl`]), so they take the item lock, remove index entries, update the
//! statistics and (with the Streams issue) produce a REMOVE record marked as a service
//! deletion. The scan only nominates candidates: the decide closure re-checks the
//! expiry on the item as it is under the lock, so an item updated to a future TTL (or
//! without the attribute) in the meantime is kept.
//!
//! The worker holds only a weak reference to the engine between passes and checks a stop
//! signal before every page and every delete, so [`Engine::shutdown`] stops it within one
//! item write; dropping the engine stops it too. Time comes from the engine's injected
//! [`crate::Clock`], so tests can move it forward.

use crate::Engine;
use crate::catalog::{ITEMS, TableEntry};
use crate::keys::{PrimaryKey, key_of_item, table_prefix};
use crate::write::WriteOrigin;
use eddy_storage::{KeyRange, StorageError};
use eddy_types::codec::decode_item;
use eddy_types::{ApiError, AttributeValue, Item, Number};
use std::ops::Bound;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Items read per storage scan.
const PAGE_SIZE: usize = 256;
/// TTL values older than this (five years of 365 days) never expire, as on AWS.
const MAX_AGE_SECS: i64 = 5 * 365 * 24 * 60 * 60;

/// The running worker: its stop signal and its task.
pub(crate) struct TtlWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl TtlWorker {
    /// Starts the worker on `runtime`, with a pass every `interval`.
    pub(crate) fn spawn(
        engine: &Arc<Engine>,
        runtime: &tokio::runtime::Handle,
        interval: Duration,
    ) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let task = runtime.spawn(run(Arc::downgrade(engine), interval, stop_rx));
        Self { stop, task }
    }

    /// Signals the worker to stop and waits until it has (at most one item write).
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "TTL worker task failed");
        }
    }
}

async fn run(engine: Weak<Engine>, interval: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            // A stop signal, or the engine (and with it the sender) dropped.
            _ = stop.changed() => return,
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        match engine.expire_pass(&stop).await {
            Ok(0) => {}
            Ok(deleted) => tracing::debug!(deleted, "TTL pass deleted expired items"),
            Err(Stopped) => return,
        }
    }
}

/// A pass ended because the worker was asked to stop (or storage closed under it).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stopped;

/// Why one table's walk ended early.
enum WalkError {
    Stopped,
    Storage(StorageError),
    Write(ApiError),
}

/// Which TTL values are expired at one instant: Numbers in `[oldest, now)` seconds.
#[derive(Debug, Clone)]
pub(crate) struct Expiry {
    now: Number,
    oldest: Number,
}

impl Expiry {
    /// The window at `now_ms` milliseconds since the epoch.
    pub(crate) fn at(now_ms: i64) -> Option<Self> {
        let ms = now_ms.max(0);
        let now = Number::parse(&format!("{}.{:03}", ms / 1000, ms % 1000)).ok()?;
        let oldest = Number::from_i64(ms / 1000 - MAX_AGE_SECS);
        Some(Self { now, oldest })
    }

    /// True when `item`'s top-level `attribute` is a Number inside the window.
    pub(crate) fn is_expired(&self, item: &Item, attribute: &str) -> bool {
        match item.get(attribute) {
            Some(AttributeValue::N(v)) => *v >= self.oldest && *v < self.now,
            _ => false,
        }
    }
}

impl Engine {
    /// One pass over every table with TTL enabled; returns how many items it deleted.
    /// A table whose walk fails is logged and skipped until the next pass.
    pub(crate) async fn expire_pass(&self, stop: &watch::Receiver<bool>) -> Result<usize, Stopped> {
        let mut deleted = 0;
        for name in self.catalog.names() {
            let Some(entry) = self.catalog.get(&name) else {
                continue;
            };
            if entry.def.ttl.attribute.is_none() {
                continue;
            }
            match self
                .expire_table(&name, entry.def.id, stop, &mut deleted)
                .await
            {
                Ok(()) => {}
                Err(WalkError::Stopped | WalkError::Storage(StorageError::Closed)) => {
                    return Err(Stopped);
                }
                Err(WalkError::Storage(e)) => {
                    tracing::warn!(table = %name, error = %e, "TTL scan failed")
                }
                Err(WalkError::Write(e)) => {
                    tracing::warn!(table = %name, error = %e, "TTL delete failed")
                }
            }
        }
        Ok(deleted)
    }

    /// Walks table `name` (incarnation `id`) page by page, deleting expired items.
    async fn expire_table(
        &self,
        name: &str,
        id: u64,
        stop: &watch::Receiver<bool>,
        deleted: &mut usize,
    ) -> Result<(), WalkError> {
        let mut range = KeyRange::prefix(&table_prefix(id));
        loop {
            // Re-read the table for every page: it may have been dropped or recreated,
            // or had TTL disabled, since the last one.
            let Some(entry) = self.catalog.get(name).filter(|e| e.def.id == id) else {
                return Ok(());
            };
            let Some(attribute) = entry.def.ttl.attribute.clone() else {
                return Ok(());
            };
            if *stop.borrow() {
                return Err(WalkError::Stopped);
            }
            let page = self
                .storage
                .scan(ITEMS, &range, false, PAGE_SIZE)
                .map_err(WalkError::Storage)?;
            let Some((last, _)) = page.last() else {
                return Ok(());
            };
            range.start = Bound::Excluded(last.clone());
            let Some(expiry) = Expiry::at(self.clock.now_millis()) else {
                return Ok(());
            };
            for (skey, bytes) in &page {
                let item = match decode_item(bytes) {
                    Ok(item) => item,
                    Err(e) => {
                        tracing::error!(table = %name, key = ?skey, error = %e, "corrupt item skipped by TTL");
                        continue;
                    }
                };
                if !expiry.is_expired(&item, &attribute) {
                    continue;
                }
                let Ok(key) = key_of_item(&entry.def.key, &item) else {
                    continue;
                };
                if *stop.borrow() {
                    return Err(WalkError::Stopped);
                }
                if self
                    .expire_item(&entry, key, &attribute, &expiry)
                    .await
                    .map_err(WalkError::Write)?
                {
                    *deleted += 1;
                }
            }
            tokio::task::yield_now().await;
        }
    }

    /// Deletes one item if, under its lock, it is still expired. True when it deleted.
    pub(crate) async fn expire_item(
        &self,
        entry: &Arc<TableEntry>,
        key: PrimaryKey,
        attribute: &str,
        expiry: &Expiry,
    ) -> Result<bool, ApiError> {
        let attribute = attribute.to_string();
        let expiry = expiry.clone();
        let outcome = self
            .write_one_as(WriteOrigin::Ttl, entry, key, move |old| {
                Ok(match old {
                    Some(item) if expiry.is_expired(item, &attribute) => None,
                    // Changed since the scan: keep it exactly as it is (no write).
                    other => other.cloned(),
                })
            })
            .await?;
        Ok(outcome.old.is_some() && outcome.new.is_none())
    }
}

#[cfg(test)]
#[path = "ttl_tests.rs"]
mod tests;
