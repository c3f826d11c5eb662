//! Shard lineage: which shards of a stream to read, and when.
//!
//! A stream's shards form a forest: a shard is closed (rollover, split, disable) and its
//! records continue in its child shard(s), which name it as `ParentShardId`. All records
//! of one item stay in one lineage, so reading every parent to its end before its
//! children keeps per-item order. These functions are pure so the walk is unit-tested
//! without a server; [`super::follow`] does the I/O.

use crate::cli::TailFrom;
use std::collections::HashSet;

/// What `eddy tail` needs to know about one shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    /// `ShardId`.
    pub id: String,
    /// `ParentShardId`, if any.
    pub parent: Option<String>,
    /// True when the shard has an `EndingSequenceNumber` (no more records will arrive).
    pub closed: bool,
}

/// Where to open a shard iterator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// The oldest retained record of the shard.
    TrimHorizon,
    /// Just after the newest record at the time of the call.
    Latest,
    /// Just after the given sequence number (resuming after an expired iterator).
    After(String),
}

/// The first shards to read on a stream, and the shards to treat as already read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Shards to open now, in ShardId order.
    pub start: Vec<(String, Position)>,
    /// Shards never to read (history before a LATEST start); they count as finished so
    /// that their children start when they appear.
    pub skip: Vec<String>,
}

/// Where to begin on a stream whose current shards are `shards`.
///
/// `Latest` opens every open shard at LATEST and skips the closed ones (their records are
/// history). `TrimHorizon` opens the roots of the lineage (shards without a parent, or
/// whose parent has already been trimmed away) at TRIM_HORIZON; their descendants follow
/// as each parent is finished.
pub fn initial(shards: &[Shard], from: TailFrom) -> Plan {
    match from {
        TailFrom::TrimHorizon => Plan {
            start: ready(shards, &HashSet::new(), &HashSet::new())
                .into_iter()
                .map(|id| (id, Position::TrimHorizon))
                .collect(),
            skip: Vec::new(),
        },
        TailFrom::Latest => {
            let mut plan = Plan::default();
            for s in sorted(shards) {
                if s.closed {
                    plan.skip.push(s.id.clone());
                } else {
                    plan.start.push((s.id.clone(), Position::Latest));
                }
            }
            plan
        }
    }
}

/// The shards of `shards` that may be read now, in ShardId order: not started yet, and
/// either without a parent, with a finished parent, or with a parent that is neither in
/// the listing nor ever started (trimmed before we saw it, so it is a root now).
///
/// `shards` may be a full DescribeStream listing or just the children of one shard
/// (ShardFilter CHILD_SHARDS); the rule is the same.
pub fn ready(
    shards: &[Shard],
    started: &HashSet<String>,
    finished: &HashSet<String>,
) -> Vec<String> {
    let listed: HashSet<&str> = shards.iter().map(|s| s.id.as_str()).collect();
    sorted(shards)
        .into_iter()
        .filter(|s| !started.contains(&s.id))
        .filter(|s| match &s.parent {
            None => true,
            Some(p) => {
                finished.contains(p) || (!started.contains(p) && !listed.contains(p.as_str()))
            }
        })
        .map(|s| s.id.clone())
        .collect()
}

/// Shards by ShardId (lexical = creation order).
fn sorted(shards: &[Shard]) -> Vec<&Shard> {
    let mut v: Vec<&Shard> = shards.iter().collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, parent: Option<&str>, closed: bool) -> Shard {
        Shard {
            id: id.into(),
            parent: parent.map(Into::into),
            closed,
        }
    }

    /// Reads a whole (closed) lineage the way the follower does: open what is ready,
    /// finish the first open shard, repeat. Returns the order shards were finished in.
    fn walk(shards: &[Shard], plan: Plan) -> Vec<String> {
        let mut started: HashSet<String> = plan.skip.iter().cloned().collect();
        let mut finished = started.clone();
        let mut active: Vec<String> = plan.start.into_iter().map(|(id, _)| id).collect();
        started.extend(active.iter().cloned());
        let mut order = Vec::new();
        while !active.is_empty() {
            let done = active.remove(0);
            finished.insert(done.clone());
            order.push(done);
            for id in ready(shards, &started, &finished) {
                started.insert(id.clone());
                active.push(id);
            }
        }
        order
    }

    /// Two roots (a stream re-read after its first root was trimmed leaves an orphan),
    /// one chain, and a split. Listed out of order on purpose.
    fn forest() -> Vec<Shard> {
        vec![
            shard(
                "shardId-00000000000000000003-c",
                Some("shardId-00000000000000000002-b"),
                true,
            ),
            shard("shardId-00000000000000000001-a", None, true),
            shard(
                "shardId-00000000000000000002-b",
                Some("shardId-00000000000000000001-a"),
                true,
            ),
            shard(
                "shardId-00000000000000000004-d",
                Some("shardId-00000000000000000003-c"),
                false,
            ),
            shard(
                "shardId-00000000000000000005-e",
                Some("shardId-00000000000000000003-c"),
                false,
            ),
            // Parent trimmed away: a root now.
            shard(
                "shardId-00000000000000000006-f",
                Some("shardId-00000000000000000000-z"),
                true,
            ),
            shard(
                "shardId-00000000000000000007-g",
                Some("shardId-00000000000000000006-f"),
                false,
            ),
        ]
    }

    #[test]
    fn trim_horizon_starts_at_the_roots_and_reads_parents_before_children() {
        let shards = forest();
        let plan = initial(&shards, TailFrom::TrimHorizon);
        assert_eq!(
            plan.start,
            vec![
                (
                    "shardId-00000000000000000001-a".into(),
                    Position::TrimHorizon
                ),
                (
                    "shardId-00000000000000000006-f".into(),
                    Position::TrimHorizon
                ),
            ]
        );
        assert!(plan.skip.is_empty());
        let order = walk(&shards, plan);
        let pos = |id: &str| {
            order
                .iter()
                .position(|o| o.ends_with(id))
                .unwrap_or(usize::MAX)
        };
        assert_eq!(
            order.len(),
            shards.len(),
            "every shard exactly once: {order:?}"
        );
        for s in &shards {
            if let Some(p) = &s.parent
                && shards.iter().any(|x| &x.id == p)
            {
                assert!(pos(p) < pos(&s.id), "{p} before {}: {order:?}", s.id);
            }
        }
    }

    #[test]
    fn latest_opens_only_open_shards_and_skips_history() {
        let shards = forest();
        let plan = initial(&shards, TailFrom::Latest);
        let started: Vec<&str> = plan.start.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            started,
            [
                "shardId-00000000000000000004-d",
                "shardId-00000000000000000005-e",
                "shardId-00000000000000000007-g",
            ]
        );
        assert!(plan.start.iter().all(|(_, p)| *p == Position::Latest));
        assert_eq!(plan.skip.len(), 4);
        // Nothing else becomes ready until a new child appears.
        let mut done: HashSet<String> = plan.skip.iter().cloned().collect();
        let mut started: HashSet<String> = done.clone();
        started.extend(plan.start.iter().map(|(id, _)| id.clone()));
        assert!(ready(&shards, &started, &done).is_empty());
        // A rollover of g: its child is ready once g is finished, not before.
        let child = shard(
            "shardId-00000000000000000008-h",
            Some("shardId-00000000000000000007-g"),
            false,
        );
        let children = [child];
        assert!(ready(&children, &started, &done).is_empty());
        done.insert("shardId-00000000000000000007-g".into());
        assert_eq!(
            ready(&children, &started, &done),
            ["shardId-00000000000000000008-h"]
        );
    }

    #[test]
    fn a_child_of_a_skipped_closed_shard_starts_when_it_appears() {
        // LATEST raced a rollover: the only shard closed before we looked.
        let shards = [shard("shardId-00000000000000000001-a", None, true)];
        let plan = initial(&shards, TailFrom::Latest);
        assert!(plan.start.is_empty());
        let done: HashSet<String> = plan.skip.iter().cloned().collect();
        let later = [
            shards[0].clone(),
            shard(
                "shardId-00000000000000000002-b",
                Some("shardId-00000000000000000001-a"),
                false,
            ),
        ];
        assert_eq!(
            ready(&later, &done, &done),
            ["shardId-00000000000000000002-b"]
        );
    }

    #[test]
    fn a_started_parent_that_vanished_still_blocks_its_children() {
        // We were reading p when it was trimmed out of the listing: its child must wait
        // for the reader of p to finish, not jump the queue as a "root".
        let started: HashSet<String> = ["p".to_string()].into();
        let listing = [shard("c", Some("p"), false)];
        assert!(ready(&listing, &started, &HashSet::new()).is_empty());
        let finished = started.clone();
        assert_eq!(ready(&listing, &started, &finished), ["c"]);
    }

    #[test]
    fn empty_stream_has_nothing_to_read() {
        assert_eq!(initial(&[], TailFrom::TrimHorizon), Plan::default());
        assert_eq!(initial(&[], TailFrom::Latest), Plan::default());
    }
}
