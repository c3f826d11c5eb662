//! Forming batches: reading matching records up to BatchSize (filters apply before
//! batching), dealing them into ParallelizationFactor lanes by item key, and cutting them
//! at tumbling-window boundaries. Pure functions over the engine's stream reader, used by
//! `poller.rs`.

use crate::deliver::LambdaRecord;
use crate::filter::Pattern;
use crate::window::Window;
use eddy_engine::streams::reader::StreamReadError;

/// Records gathered for one batch: those that passed the filters, in stream order.
#[derive(Default)]
pub(crate) struct Gathered {
    pub(crate) records: Vec<LambdaRecord>,
    /// Stream records read (matching or not).
    pub(crate) read: usize,
    /// Records dropped by the filters.
    pub(crate) filtered: u64,
    /// Approximate payload size of `records`.
    pub(crate) bytes: usize,
    pub(crate) next: u64,
    pub(crate) shard_done: bool,
}

impl Gathered {
    pub(crate) fn absorb(&mut self, more: Gathered) {
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
pub(crate) fn gather(
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

/// ParallelizationFactor: deals `records` into `lanes` lanes by item key, so the records
/// of one item stay in one lane, in stream order, while different items' records are
/// delivered concurrently; each lane is cut into batches of at most `limit`. Empty lanes
/// are left out.
pub(crate) fn split_lanes(
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
pub(crate) fn by_window(records: Vec<LambdaRecord>, width_s: i64) -> Vec<Vec<LambdaRecord>> {
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
