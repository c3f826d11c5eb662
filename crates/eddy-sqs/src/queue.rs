//! One queue in memory: its settings and the index of its messages.
//!
//! Bodies stay in storage; the index holds only what choosing messages needs (ids,
//! times, receive counts), ordered by the time each message next becomes visible. Every
//! change to the index is made under the queue's index lock and committed to storage
//! before the operation answers (see `lib.rs` for the order of the two).

use crate::model::{self, RedrivePolicy};
use crate::store::{MessageState, QueueRecord};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use parking_lot::Mutex;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

/// A queue.
pub struct Queue {
    /// Internal id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// URL.
    pub url: String,
    /// Stored record (attributes, tags, timestamps).
    pub record: Mutex<QueueRecord>,
    /// Messages.
    pub index: Mutex<Index>,
    /// Woken when a message may have become receivable (long polling).
    pub arrivals: tokio::sync::Notify,
    /// Set by DeleteQueue; long polls on it end.
    pub deleted: AtomicBool,
    /// Last PurgeQueue (ms), for PurgeQueueInProgress.
    pub last_purge: Mutex<Option<i64>>,
}

/// The settings receive and send need, read from the record in one lock.
#[derive(Debug, Clone)]
pub struct Settings {
    /// VisibilityTimeout, s.
    pub visibility_timeout: i64,
    /// MessageRetentionPeriod, s.
    pub retention: i64,
    /// DelaySeconds.
    pub delay: i64,
    /// ReceiveMessageWaitTimeSeconds.
    pub wait: i64,
    /// MaximumMessageSize.
    pub max_size: i64,
    /// RedrivePolicy.
    pub redrive: Option<RedrivePolicy>,
}

impl Queue {
    /// A queue from its record.
    pub fn new(record: QueueRecord, arn: String, url: String) -> Self {
        Self {
            id: record.id,
            name: record.name.clone(),
            arn,
            url,
            record: Mutex::new(record),
            index: Mutex::new(Index::default()),
            arrivals: tokio::sync::Notify::new(),
            deleted: AtomicBool::new(false),
            last_purge: Mutex::new(None),
        }
    }

    /// Current settings.
    pub fn settings(&self) -> Settings {
        let r = self.record.lock();
        let num = |k: &str, d: i64| {
            r.attributes
                .get(k)
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        Settings {
            visibility_timeout: num("VisibilityTimeout", model::DEFAULT_VISIBILITY_TIMEOUT),
            retention: num("MessageRetentionPeriod", model::DEFAULT_RETENTION),
            delay: num("DelaySeconds", 0),
            wait: num("ReceiveMessageWaitTimeSeconds", 0),
            max_size: num("MaximumMessageSize", model::MAX_MESSAGE_SIZE),
            redrive: r
                .attributes
                .get("RedrivePolicy")
                .and_then(|t| RedrivePolicy::parse(t).ok()),
        }
    }

    /// True once DeleteQueue ran.
    pub fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Acquire)
    }
}

/// What the index knows of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// MessageId.
    pub id: String,
    /// Enqueue time, ms.
    pub sent: i64,
    /// Receivable from, ms.
    pub visible_at: i64,
    /// Times received.
    pub receive_count: u32,
    /// First receive, ms (0: never).
    pub first_receive: i64,
}

impl Entry {
    /// The state record for this entry.
    pub fn state(&self) -> MessageState {
        MessageState {
            receive_count: self.receive_count,
            first_receive: self.first_receive,
            visible_at: self.visible_at,
        }
    }
}

/// Messages of one queue, by sequence and by visibility time.
#[derive(Debug, Default)]
pub struct Index {
    /// Next sequence number.
    pub next_seq: u64,
    entries: HashMap<u64, Entry>,
    order: BTreeSet<(i64, u64)>,
}

/// The outcome of choosing messages for one ReceiveMessage.
#[derive(Debug, Default)]
pub struct Taken {
    /// Messages now in flight: (sequence, entry after the receive).
    pub received: Vec<(u64, Entry)>,
    /// Messages past retention, removed from the index.
    pub expired: Vec<u64>,
    /// Messages over maxReceiveCount, removed from the index, to move to the DLQ.
    pub to_dead_letter: Vec<(u64, Entry)>,
}

/// Approximate counts for GetQueueAttributes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Receivable now.
    pub visible: u64,
    /// In flight.
    pub not_visible: u64,
    /// Delayed (never received, not yet visible).
    pub delayed: u64,
}

impl Index {
    /// Adds a message.
    pub fn insert(&mut self, seq: u64, entry: Entry) {
        self.next_seq = self.next_seq.max(seq + 1);
        self.order.insert((entry.visible_at, seq));
        if let Some(old) = self.entries.insert(seq, entry) {
            self.order.remove(&(old.visible_at, seq));
        }
    }

    /// Removes a message.
    pub fn remove(&mut self, seq: u64) -> Option<Entry> {
        let e = self.entries.remove(&seq)?;
        self.order.remove(&(e.visible_at, seq));
        Some(e)
    }

    /// A message.
    pub fn get(&self, seq: u64) -> Option<&Entry> {
        self.entries.get(&seq)
    }

    /// Moves a message's visibility time.
    pub fn set_visible_at(&mut self, seq: u64, at: i64) -> Option<Entry> {
        let e = self.entries.get_mut(&seq)?;
        self.order.remove(&(e.visible_at, seq));
        e.visible_at = at;
        self.order.insert((at, seq));
        Some(e.clone())
    }

    /// Allocates a sequence number.
    pub fn allocate(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    /// True when empty.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every sequence number (PurgeQueue, DeleteQueue).
    pub fn drain(&mut self) -> Vec<u64> {
        self.order.clear();
        self.entries.drain().map(|(s, _)| s).collect()
    }

    /// The earliest future visibility time, if any message becomes receivable later.
    pub fn next_visible_after(&self, now: i64) -> Option<i64> {
        self.order.range((now + 1, 0)..).next().map(|(at, _)| *at)
    }

    /// Chooses up to `max` receivable messages at `now`, making them invisible for
    /// `visibility_ms`. Messages past `retention_ms` are dropped; with a redrive policy
    /// (`max_receive`), messages already received that often are set aside for the
    /// dead-letter queue instead.
    pub fn take(
        &mut self,
        now: i64,
        max: usize,
        visibility_ms: i64,
        retention_ms: i64,
        max_receive: Option<u32>,
    ) -> Taken {
        let mut out = Taken::default();
        while out.received.len() < max {
            let Some(&(at, seq)) = self.order.range(..=(now, u64::MAX)).next() else {
                break;
            };
            self.order.remove(&(at, seq));
            let Some(entry) = self.entries.get(&seq) else {
                continue;
            };
            if entry.sent.saturating_add(retention_ms) <= now {
                self.entries.remove(&seq);
                out.expired.push(seq);
                continue;
            }
            if let Some(limit) = max_receive
                && entry.receive_count >= limit
                && let Some(e) = self.entries.remove(&seq)
            {
                out.to_dead_letter.push((seq, e));
                continue;
            }
            let Some(entry) = self.entries.get_mut(&seq) else {
                continue;
            };
            entry.receive_count += 1;
            if entry.first_receive == 0 {
                entry.first_receive = now;
            }
            entry.visible_at = now.saturating_add(visibility_ms);
            out.received.push((seq, entry.clone()));
        }
        // Re-inserted only now, so a zero visibility timeout cannot hand the same
        // message out twice in one receive.
        for (seq, e) in &out.received {
            self.order.insert((e.visible_at, *seq));
        }
        out
    }

    /// Messages past retention at `now` (removed from the index).
    pub fn expire(&mut self, now: i64, retention_ms: i64) -> Vec<u64> {
        let gone: Vec<u64> = self
            .entries
            .iter()
            .filter(|(_, e)| e.sent.saturating_add(retention_ms) <= now)
            .map(|(s, _)| *s)
            .collect();
        for s in &gone {
            self.remove(*s);
        }
        gone
    }

    /// Approximate counts (messages past retention are not counted).
    pub fn counts(&self, now: i64, retention_ms: i64) -> Counts {
        let mut c = Counts::default();
        for e in self.entries.values() {
            if e.sent.saturating_add(retention_ms) <= now {
                continue;
            }
            if e.visible_at <= now {
                c.visible += 1;
            } else if e.receive_count == 0 {
                c.delayed += 1;
            } else {
                c.not_visible += 1;
            }
        }
        c
    }
}

/// A receipt handle: which message of which queue, at which receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptHandle {
    /// Queue id.
    pub queue_id: u64,
    /// Sequence.
    pub seq: u64,
    /// Receive count when issued.
    pub receive: u32,
    /// MessageId.
    pub message_id: String,
}

impl ReceiptHandle {
    /// Opaque text form.
    pub fn encode(&self) -> String {
        B64.encode(format!(
            "eddy1:{}:{}:{}:{}",
            self.queue_id, self.seq, self.receive, self.message_id
        ))
    }

    /// Parses a handle eddy issued.
    pub fn decode(text: &str) -> Option<Self> {
        let raw = B64.decode(text.trim()).ok()?;
        let s = String::from_utf8(raw).ok()?;
        let mut p = s.splitn(5, ':');
        if p.next()? != "eddy1" {
            return None;
        }
        Some(Self {
            queue_id: p.next()?.parse().ok()?,
            seq: p.next()?.parse().ok()?,
            receive: p.next()?.parse().ok()?,
            message_id: p.next()?.to_string(),
        })
    }
}

/// Attributes of a new queue record, from the normalized attributes given.
pub fn new_record(
    id: u64,
    name: &str,
    given: &BTreeMap<String, Option<String>>,
    tags: BTreeMap<String, String>,
    now_s: i64,
) -> QueueRecord {
    let mut attributes = model::defaults();
    for (k, v) in given {
        match v {
            Some(v) => attributes.insert(k.clone(), v.clone()),
            None => attributes.remove(k),
        };
    }
    QueueRecord {
        id,
        name: name.to_string(),
        attributes,
        tags,
        created: now_s,
        modified: now_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sent: i64, visible_at: i64) -> Entry {
        Entry {
            id: format!("m{sent}"),
            sent,
            visible_at,
            receive_count: 0,
            first_receive: 0,
        }
    }

    #[test]
    fn take_honours_visibility_order_and_limits() {
        let mut ix = Index::default();
        ix.insert(0, entry(100, 100));
        ix.insert(1, entry(101, 101));
        ix.insert(2, entry(102, 5_000)); // delayed
        let t = ix.take(1_000, 10, 30_000, 1_000_000, None);
        assert_eq!(
            t.received.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(t.received[0].1.receive_count, 1);
        assert_eq!(t.received[0].1.first_receive, 1_000);
        assert_eq!(
            ix.counts(1_000, 1_000_000),
            Counts {
                visible: 0,
                not_visible: 2,
                delayed: 1
            }
        );
        assert_eq!(ix.next_visible_after(1_000), Some(5_000));
        // Nothing visible until the delay ends; then the in-flight ones after 31 s.
        assert!(
            ix.take(1_001, 10, 30_000, 1_000_000, None)
                .received
                .is_empty()
        );
        let t = ix.take(5_000, 10, 30_000, 1_000_000, None);
        assert_eq!(t.received.len(), 1);
        let t = ix.take(31_000, 1, 30_000, 1_000_000, None);
        assert_eq!(t.received.len(), 1);
        assert_eq!(t.received[0].1.receive_count, 2);
    }

    #[test]
    fn zero_visibility_does_not_hand_out_a_message_twice() {
        let mut ix = Index::default();
        ix.insert(0, entry(1, 1));
        let t = ix.take(10, 10, 0, 1_000_000, None);
        assert_eq!(t.received.len(), 1);
        let t = ix.take(10, 10, 0, 1_000_000, None);
        assert_eq!(t.received.len(), 1);
        assert_eq!(t.received[0].1.receive_count, 2);
    }

    #[test]
    fn redrive_and_retention() {
        let mut ix = Index::default();
        ix.insert(0, entry(1, 1));
        ix.insert(1, entry(2, 2));
        let t = ix.take(10, 1, 0, 1_000_000, Some(1));
        assert_eq!(t.received.len(), 1);
        let t = ix.take(10, 10, 0, 1_000_000, Some(1));
        // seq 0 was received once already: it goes to the DLQ; seq 1 is received.
        assert_eq!(t.to_dead_letter.len(), 1);
        assert_eq!(t.to_dead_letter[0].0, 0);
        assert_eq!(t.received.len(), 1);
        let t = ix.take(2_000, 10, 0, 1_000, None);
        assert_eq!(t.expired, vec![1]);
        assert!(ix.is_empty());
    }

    #[test]
    fn receipt_handles_round_trip_and_reject_garbage() {
        let h = ReceiptHandle {
            queue_id: 3,
            seq: 9,
            receive: 2,
            message_id: "abc-def".into(),
        };
        assert_eq!(ReceiptHandle::decode(&h.encode()), Some(h));
        assert_eq!(ReceiptHandle::decode("nope"), None);
        assert_eq!(ReceiptHandle::decode(&B64.encode("x:1:2:3:4")), None);
    }
}
