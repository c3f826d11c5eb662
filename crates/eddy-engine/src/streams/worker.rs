//! The stream maintenance worker: shard rollover, retention trimming, and expiry of
//! disabled streams.
//!
//! One background task per engine, a pass every `interval` (a fraction of the shorter of
//! the rollover period and the retention). A pass:
//! 1. rolls over every open shard older than the rollover period (the shard closes, a
//!    child with `ParentShardId` opens), so consumers written for AWS exercise lineage;
//! 2. deletes records older than the retention, a page at a time, from the front of each
//!    stream's log (records are in sequence order, so the first young record ends the
//!    walk: the cost is proportional to what is trimmed, not to the log), recording the
//!    trim point in the stream's metadata in the same batch;
//! 3. forgets closed shards whose records are all gone, and disabled streams whose
//!    retention has passed.
//!
//! Time comes from the engine's injected clock, so tests move it forward.

use super::meta::StreamStatus;
use super::record::created_ms;
use super::{STREAM_RECORDS, StreamHandle, key_seq, record_key, stage, stream_range};
use crate::Engine;
use eddy_storage::{KeyRange, StorageResult, WriteBatch};
use std::ops::Bound;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Records deleted per batch.
const PAGE: usize = 512;

/// The running worker: its stop signal and its task.
pub(crate) struct StreamWorker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl StreamWorker {
    /// Starts the worker on `runtime`.
    pub(crate) fn spawn(engine: &Arc<Engine>, runtime: &tokio::runtime::Handle) -> Self {
        let c = &engine.config.streams;
        let interval = (c.rollover.min(c.retention) / 4)
            .clamp(Duration::from_millis(20), Duration::from_secs(30));
        let (stop, stop_rx) = watch::channel(false);
        let task = runtime.spawn(run(Arc::downgrade(engine), interval, stop_rx));
        Self { stop, task }
    }

    /// Signals the worker to stop and waits for it.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "stream worker task failed");
        }
    }
}

async fn run(engine: Weak<Engine>, interval: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
        let Some(engine) = engine.upgrade() else {
            return;
        };
        if let Err(e) = engine.stream_maintenance().await {
            tracing::warn!(error = %e, "stream maintenance pass failed; retrying next pass");
        }
    }
}

impl Engine {
    /// One maintenance pass (also called directly by tests).
    pub(crate) async fn stream_maintenance(&self) -> StorageResult<()> {
        let now = self.clock.now_millis();
        let rollover = self.config.streams.rollover.as_millis() as i64;
        let cutoff = now - self.config.streams.retention.as_millis() as i64;
        for handle in self.streams.all() {
            let (id, roll, expired) = {
                let m = handle.read();
                let roll = m
                    .open_shard()
                    .is_some_and(|s| s.created_ms + rollover <= now);
                let expired =
                    m.status == StreamStatus::Disabled && m.disabled_ms.is_some_and(|d| d < cutoff);
                (m.id, roll, expired)
            };
            if expired {
                self.drop_stream(id).await?;
                continue;
            }
            if roll {
                let storage = self.storage.as_ref();
                self.streams.close_shard(storage, id, true, now).await?;
            }
            self.trim(&handle, cutoff).await?;
        }
        Ok(())
    }

    /// Deletes the records of `handle` created before `cutoff`, then forgets the closed
    /// shards left empty.
    async fn trim(&self, handle: &StreamHandle, cutoff: i64) -> StorageResult<()> {
        let id = handle.read().id;
        // The first page is one record: most passes find the oldest record young and stop
        // there, without reading a page of (possibly 400 KB) records.
        let mut page_size = 1;
        loop {
            let from = handle.read().trimmed_through + 1;
            let range = KeyRange {
                start: Bound::Included(record_key(id, from)),
                end: Bound::Included(record_key(id, self.streams.visible())),
            };
            let page = self
                .storage
                .scan(STREAM_RECORDS, &range, false, page_size)?;
            let mut batch = WriteBatch::new();
            let mut last = None;
            for (k, v) in &page {
                if created_ms(v) >= cutoff {
                    break;
                }
                last = Some(key_seq(k));
                batch.delete(STREAM_RECORDS, k.clone());
            }
            let Some(last) = last else { break };
            let fut = {
                let mut m = handle.write();
                m.trimmed_through = m.trimmed_through.max(last);
                stage(&mut batch, &m);
                self.storage.commit(batch)
            };
            fut.await?;
            if page.len() < page_size || batch_stopped_early(&page, last) {
                break;
            }
            page_size = PAGE;
        }
        self.forget_empty_shards(handle, cutoff).await
    }

    /// Removes closed shards whose records are all trimmed, or that were closed before
    /// `cutoff` and hold no record.
    async fn forget_empty_shards(&self, handle: &StreamHandle, cutoff: i64) -> StorageResult<()> {
        let candidates: Vec<(u32, u64, u64, i64)> = {
            let m = handle.read();
            let closes = m
                .shards
                .iter()
                .skip(1)
                .map(|s| Some(s.created_ms))
                .chain([m.disabled_ms]);
            m.shards
                .iter()
                .zip(closes)
                .filter_map(|(s, closed)| Some((s.ordinal, s.start, s.end?, closed?)))
                .collect()
        };
        let trimmed = handle.read().trimmed_through;
        let id = handle.read().id;
        let mut gone = Vec::new();
        for (ordinal, start, end, closed_ms) in candidates {
            let empty = || -> StorageResult<bool> {
                let range = KeyRange {
                    start: Bound::Included(record_key(id, start)),
                    end: Bound::Included(record_key(id, end)),
                };
                Ok(self
                    .storage
                    .scan(STREAM_RECORDS, &range, false, 1)?
                    .is_empty())
            };
            if end <= trimmed || (closed_ms < cutoff && empty()?) {
                gone.push(ordinal);
            }
        }
        if gone.is_empty() {
            return Ok(());
        }
        handle.write().shards.retain(|s| !gone.contains(&s.ordinal));
        self.streams.save(self.storage.as_ref(), id).await
    }

    /// Deletes a disabled stream whose retention has passed: its records, then its
    /// metadata.
    async fn drop_stream(&self, id: u64) -> StorageResult<()> {
        loop {
            let page = self
                .storage
                .scan(STREAM_RECORDS, &stream_range(id), false, PAGE)?;
            if page.is_empty() {
                break;
            }
            let mut batch = WriteBatch::new();
            for (k, _) in page {
                batch.delete(STREAM_RECORDS, k);
            }
            self.storage.commit(batch).await?;
        }
        let mut batch = WriteBatch::new();
        self.streams.remove(&mut batch, id);
        self.storage.commit(batch).await?;
        self.streams.forget(id);
        Ok(())
    }
}

/// True when the trim loop stopped at a young record before the end of `page`.
fn batch_stopped_early(page: &[(Vec<u8>, Vec<u8>)], last_deleted: u64) -> bool {
    page.last().is_some_and(|(k, _)| key_seq(k) != last_deleted)
}
