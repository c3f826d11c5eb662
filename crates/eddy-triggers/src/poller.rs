//! One poller per enabled mapping: follows the stream's shard lineage from the durable
//! checkpoint, forms batches (`batch.rs`), hands them to `deliver.rs`, and moves the
//! checkpoint past each batch once it has been delivered or discarded.
//!
//! Waiting is event-driven: an idle poller sleeps on the engine's visibility watch (woken
//! the moment a write commits) with a timeout that re-reads the stream's metadata, so it
//! notices rollovers and disables; it never stops on its own while the stream can still
//! produce records. A read in trimmed data skips to the trim point (those records are
//! gone, as on AWS after 24 h).

use crate::Shared;
use crate::batch::{by_window, gather, split_lanes};
use crate::deliver::{Context, Delivered, deliver};
use crate::filter::Pattern;
use crate::metrics::MappingMetrics;
use crate::model::{CHECKPOINTS, Checkpoint, Mapping};
use crate::window::{self, Window};
use eddy_engine::streams::meta::StreamStatus;
use eddy_engine::streams::reader::StreamReadError;
use eddy_storage::WriteBatch;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Largest invocation payload (Lambda's synchronous limit is 6 MB; leave room for the
/// `eventSourceARN` added to each record and the envelope).
const MAX_PAYLOAD: usize = 5 * 1024 * 1024;

/// A running poller.
pub(crate) struct PollerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl PollerHandle {
    /// Stops the poller and waits for it (an in-flight invocation is abandoned; its batch
    /// was not checkpointed and will be delivered again).
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Starts the poller of `mapping`.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    mapping: Mapping,
    last_result: Arc<Mutex<String>>,
    metrics: Arc<MappingMetrics>,
) -> PollerHandle {
    let (stop, stop_rx) = watch::channel(false);
    let uuid = mapping.uuid.clone();
    let task = tokio::spawn(async move {
        run(shared, mapping, last_result, metrics, stop_rx).await;
        tracing::info!(mapping = %uuid, "poller stopped");
    });
    PollerHandle { stop, task }
}

/// Reads a mapping's checkpoint.
pub(crate) fn load_checkpoint(shared: &Shared, uuid: &str) -> Checkpoint {
    match shared.storage.get(CHECKPOINTS, uuid.as_bytes()) {
        Ok(Some(v)) => serde_json::from_slice(&v).unwrap_or_default(),
        _ => Checkpoint::default(),
    }
}

/// Stages a mapping's checkpoint.
pub(crate) fn stage_checkpoint(batch: &mut WriteBatch, uuid: &str, cp: Checkpoint) {
    let bytes = serde_json::to_vec(&cp).unwrap_or_default();
    batch.put(CHECKPOINTS, uuid.as_bytes().to_vec(), bytes);
}

async fn save(shared: &Shared, uuid: &str, cp: Checkpoint) -> bool {
    let mut b = WriteBatch::new();
    stage_checkpoint(&mut b, uuid, cp);
    match shared.storage.commit(b).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(mapping = uuid, error = %e, "saving a checkpoint failed");
            false
        }
    }
}

async fn run(
    shared: Arc<Shared>,
    mapping: Mapping,
    last_result: Arc<Mutex<String>>,
    metrics: Arc<MappingMetrics>,
    mut stop: watch::Receiver<bool>,
) {
    let filters: Vec<Pattern> = mapping
        .filters
        .iter()
        .filter_map(|p| Pattern::parse(p).ok())
        .collect();
    let engine = shared.engine.clone();
    let mut wake = engine.stream_subscribe();
    let mut cp = load_checkpoint(&shared, &mapping.uuid);
    let limit = mapping.batch_size.max(1) as usize;
    // ParallelizationFactor: up to this many batches of one shard in flight at once
    // (not with tumbling windows, whose state passes from one batch to the next).
    let lanes = if mapping.tumbling_window > 0 {
        1
    } else {
        mapping.parallelization_factor.clamp(1, 10) as usize
    };
    let window = Duration::from_secs(mapping.batching_window.max(0) as u64);
    let mut current: Option<Mutex<Window>> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let Some(view) = engine.stream_view_by_id(mapping.stream_id) else {
            tracing::warn!(mapping = %mapping.uuid, "the stream is gone; the mapping stops");
            return;
        };
        let Some(shard) = view.shards.iter().find(|s| s.ordinal >= cp.shard).cloned() else {
            if view.status == StreamStatus::Disabled {
                tracing::info!(mapping = %mapping.uuid, "stream disabled and drained");
                return;
            }
            if !idle(&shared, &mut wake, &mut stop).await {
                return;
            }
            continue;
        };
        if shard.ordinal > cp.shard {
            cp = Checkpoint {
                shard: shard.ordinal,
                next: 0,
            };
        }
        let from = cp
            .next
            .max(shard.start)
            .max(mapping.start_at)
            .max(view.trimmed_through + 1);
        wake.borrow_and_update();
        let read = |from: u64, room: usize, budget: usize| {
            gather(
                &engine,
                view.id,
                shard.ordinal,
                from,
                room,
                budget,
                &view.arn,
                &filters,
            )
        };
        let mut batch = match read(from, limit * lanes, MAX_PAYLOAD) {
            Ok(b) => b,
            Err(StreamReadError::Trimmed) => {
                cp.next = view.trimmed_through + 1;
                continue;
            }
            Err(StreamReadError::Gone) => {
                if !idle(&shared, &mut wake, &mut stop).await {
                    return;
                }
                continue;
            }
        };
        // Batching window: gather more matching records until the batch is full or the
        // window has passed since the first record arrived.
        if !window.is_zero() && !batch.records.is_empty() && !batch.shard_done {
            let deadline = tokio::time::Instant::now() + window;
            while batch.records.len() < limit * lanes
                && !batch.shard_done
                && batch.bytes < MAX_PAYLOAD
            {
                let woke = tokio::select! {
                    r = wake.changed() => r.is_ok(),
                    () = tokio::time::sleep_until(deadline) => false,
                    _ = stop.changed() => return,
                };
                if !woke {
                    break;
                }
                let room = limit * lanes - batch.records.len();
                if let Ok(more) = read(batch.next, room, MAX_PAYLOAD - batch.bytes) {
                    batch.absorb(more);
                }
            }
        }
        let records = batch.records;
        let had_records = batch.read > 0;
        MappingMetrics::inc(&metrics.filtered, batch.filtered);
        // A macro, not a closure: each use may borrow the window for its own lifetime.
        macro_rules! ctx {
            ($window:expr) => {
                Context {
                    shared: &shared,
                    mapping: &mapping,
                    shard_id: &shard.id,
                    stream_arn: &view.arn,
                    last_result: &last_result,
                    metrics: &metrics,
                    checkpoint_shard: shard.ordinal,
                    window: $window,
                    partial_checkpoints: lanes == 1,
                }
            };
        }
        if mapping.tumbling_window > 0 {
            for group in by_window(records, mapping.tumbling_window) {
                let start = Window::containing(group[0].created_ms, mapping.tumbling_window).start;
                if let Some(w) = current.take_if(|w| w.get_mut().start != start)
                    && !window::close(&ctx!(None), &w.into_inner(), &mut stop).await
                {
                    return;
                }
                let w = current.get_or_insert_with(|| {
                    Mutex::new(Window::containing(
                        group[0].created_ms,
                        mapping.tumbling_window,
                    ))
                });
                if let Delivered::Stopped = deliver(&ctx!(Some(&*w)), group, &mut stop).await {
                    return;
                }
            }
        } else if lanes > 1 {
            let ctx = ctx!(None);
            let runs = split_lanes(records, lanes, limit).into_iter().map(|lane| {
                let (ctx, mut stop) = (&ctx, stop.clone());
                async move {
                    for batch in lane {
                        if let Delivered::Stopped = deliver(ctx, batch, &mut stop).await {
                            return false;
                        }
                    }
                    true
                }
            });
            if !futures::future::join_all(runs)
                .await
                .into_iter()
                .all(|ok| ok)
            {
                return;
            }
        } else if !records.is_empty()
            && let Delivered::Stopped = deliver(&ctx!(None), records, &mut stop).await
        {
            return;
        }
        // A window closes when its shard ends, or when its end passes while idle.
        let now_s = shared.engine_now_ms().div_euclid(1000);
        if let Some(w) = current.take_if(|w| batch.shard_done || w.get_mut().end <= now_s)
            && !window::close(&ctx!(None), &w.into_inner(), &mut stop).await
        {
            return;
        }
        let advanced = batch.next != cp.next;
        cp.next = batch.next;
        if batch.shard_done {
            cp = Checkpoint {
                shard: shard.ordinal + 1,
                next: 0,
            };
        }
        // Filtered-out records are checkpointed too; idle reads that only skipped other
        // streams' numbers need no write.
        if (had_records || batch.shard_done) && advanced | batch.shard_done {
            save(&shared, &mapping.uuid, cp).await;
        }
        if !had_records && !batch.shard_done && !idle(&shared, &mut wake, &mut stop).await {
            return;
        }
    }
}

/// Waits for new records, a metadata re-check timeout, or a stop; false on stop.
async fn idle(
    shared: &Shared,
    wake: &mut watch::Receiver<u64>,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        _ = wake.changed() => true,
        () = tokio::time::sleep(shared.config.idle_wait) => true,
        _ = stop.changed() => false,
    }
}
