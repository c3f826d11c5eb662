//! One poller per enabled mapping: follows the stream's shard lineage from the durable
//! checkpoint, filters and batches records, hands batches to `deliver.rs`, and moves the
//! checkpoint past each batch once it has been delivered or discarded.
//!
//! Waiting is event-driven: an idle poller sleeps on the engine's visibility watch (woken
//! the moment a write commits) with a timeout that re-reads the stream's metadata, so it
//! notices rollovers and disables; it never stops on its own while the stream can still
//! produce records. A read in trimmed data skips to the trim point (those records are
//! gone, as on AWS after 24 h).

use crate::Shared;
use crate::deliver::{Context, Delivered, LambdaRecord, deliver};
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

/// Records gathered for one batch: those that passed the filters, in stream order.
#[derive(Default)]
struct Gathered {
    records: Vec<LambdaRecord>,
    /// Stream records read (matching or not).
    read: usize,
    /// Records dropped by the filters.
    filtered: u64,
    /// Approximate payload size of `records`.
    bytes: usize,
    next: u64,
    shard_done: bool,
}

impl Gathered {
    fn absorb(&mut self, more: Gathered) {
        self.records.extend(more.records);
        self.read += more.read;
        self.filtered += more.filtered;
        self.bytes += more.bytes;
        self.next = more.next;
        self.shard_done = more.shard_done;
    }
}

/// Reads from `from` until `room` records have passed the filters, the payload budget
/// is used, or nothing more is visible. Filtering happens before batching (spec §2.11):
/// BatchSize counts matching records, and a run of filtered-out records never produces
/// a short or empty invocation. Only the first read's error is reported; a later one
/// ends the gathering with what was read.
#[allow(clippy::too_many_arguments)]
fn gather(
    engine: &eddy_engine::Engine,
    stream_id: u64,
    shard: u32,
    from: u64,
    room: usize,
    budget: usize,
    stream_arn: &str,
    filters: &[Pattern],
) -> Result<Gathered, StreamReadError> {
    let mut g = Gathered {
        next: from,
        ..Gathered::default()
    };
    loop {
        let want = room - g.records.len();
        let read = match engine.stream_read(stream_id, shard, g.next, want, budget - g.bytes) {
            Ok(b) => b,
            Err(e) if g.read == 0 => return Err(e),
            Err(_) => return Ok(g),
        };
        g.next = read.next;
        g.shard_done = read.shard_done;
        g.read += read.records.len();
        let exhausted = read.records.len() < want;
        for r in &read.records {
            let Some(rec) = LambdaRecord::from_stream(r, stream_arn) else {
                continue;
            };
            if filters.is_empty() || filters.iter().any(|f| f.matches(&rec.value)) {
                g.bytes += r.json.len();
                g.records.push(rec);
            } else {
                g.filtered += 1;
            }
        }
        if exhausted || g.shard_done || g.records.len() >= room || g.bytes >= budget {
            return Ok(g);
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

/// ParallelizationFactor: deals `records` into `lanes` lanes by item key, so the records
/// of one item stay in one lane, in stream order, while different items' records are
/// delivered concurrently; each lane is cut into batches of at most `limit`. Empty lanes
/// are left out.
fn split_lanes(
    records: Vec<LambdaRecord>,
    lanes: usize,
    limit: usize,
) -> Vec<Vec<Vec<LambdaRecord>>> {
    use std::hash::{Hash, Hasher};
    let mut dealt: Vec<Vec<LambdaRecord>> = vec![Vec::new(); lanes];
    for r in records {
        // SipHash with fixed keys: the same item always lands in the same lane.
        let mut hasher = std::hash::DefaultHasher::new();
        r.value["dynamodb"]["Keys"].to_string().hash(&mut hasher);
        dealt[(hasher.finish() % lanes as u64) as usize].push(r);
    }
    dealt
        .into_iter()
        .filter(|lane| !lane.is_empty())
        .map(|lane| {
            let mut batches = Vec::new();
            let mut lane = lane.into_iter().peekable();
            while lane.peek().is_some() {
                batches.push(lane.by_ref().take(limit).collect());
            }
            batches
        })
        .collect()
}

/// Splits records (in stream order) into runs of the same tumbling window.
fn by_window(records: Vec<LambdaRecord>, width_s: i64) -> Vec<Vec<LambdaRecord>> {
    let mut out: Vec<Vec<LambdaRecord>> = Vec::new();
    let mut last = None;
    for r in records {
        let start = Window::containing(r.created_ms, width_s).start;
        match out.last_mut() {
            Some(run) if last == Some(start) => run.push(r),
            _ => out.push(vec![r]),
        }
        last = Some(start);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(seq: u64, key: &str) -> LambdaRecord {
        LambdaRecord {
            seq,
            created_ms: 0,
            value: json!({"dynamodb": {"Keys": {"id": {"S": key}}}}),
        }
    }

    #[test]
    fn lanes_keep_each_items_records_together_and_in_order() {
        let keys = ["a", "b", "c", "d", "e"];
        let records: Vec<_> = (0..40).map(|i| rec(i, keys[i as usize % 5])).collect();
        let lanes = split_lanes(records, 3, 4);
        assert!(lanes.len() > 1 && lanes.len() <= 3);
        let mut seen = 0;
        for key in keys {
            let holding: Vec<_> = lanes
                .iter()
                .filter(|l| {
                    l.iter()
                        .flatten()
                        .any(|r| r.value["dynamodb"]["Keys"]["id"]["S"] == key)
                })
                .collect();
            assert_eq!(holding.len(), 1, "{key} is in one lane");
            let seqs: Vec<u64> = holding[0]
                .iter()
                .flatten()
                .filter(|r| r.value["dynamodb"]["Keys"]["id"]["S"] == key)
                .map(|r| r.seq)
                .collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]));
            seen += seqs.len();
        }
        assert_eq!(seen, 40);
        assert!(
            lanes
                .iter()
                .flatten()
                .all(|b| !b.is_empty() && b.len() <= 4)
        );
    }
}
