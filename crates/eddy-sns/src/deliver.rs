//! The delivery engine: one worker per subscription drains that subscription's outbox
//! prefix with at most `max_in_flight_per_subscription` deliveries at a time, so a slow
//! or dead endpoint only ever holds its own subscription's slots.
//!
//! A delivery task makes attempts until one succeeds or the retry policy is spent,
//! sleeping between attempts (the failed-attempt count is written back to the outbox
//! entry, so a restart continues the count). Success deletes the entry; exhaustion sends
//! the message to the subscription's RedrivePolicy queue when there is one, then deletes
//! it. Entries left by a crash or shutdown are found at start and delivered again
//! (at-least-once).

use crate::metrics::Metrics;
use crate::model::Catalog;
use crate::outbox::{self, Delivery, Kind, OUTBOX, Sequence};
use crate::policy::RetryPolicy;
use crate::protocols::Protocols;
use eddy_storage::{KeyRange, WriteBatch, prefix_successor};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, watch};

/// The engine.
pub struct Engine {
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) protocols: Protocols,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) seq: Sequence,
    workers: Mutex<HashMap<String, Arc<Worker>>>,
    /// Deliveries that failed since this start, by outbox key: the last error and, while
    /// the delivery sleeps before its next attempt, when that attempt is due. Only for the
    /// pending view (`eddy sns pending`); the attempt count itself is in the outbox.
    retries: Mutex<HashMap<Vec<u8>, RetryState>>,
    stop: watch::Sender<bool>,
    max_in_flight: usize,
}

/// What the pending view knows about a delivery that has failed.
#[derive(Debug, Clone)]
struct RetryState {
    last_error: String,
    next_attempt_ms: Option<u64>,
}

struct Worker {
    sub_id: String,
    notify: Notify,
    in_flight: Mutex<HashSet<Vec<u8>>>,
    slots: Arc<Semaphore>,
}

/// One pending delivery as the CLI/admin view shows it (`eddy sns pending`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pending {
    /// Subscription ARN.
    pub subscription_arn: String,
    /// Topic ARN.
    pub topic_arn: String,
    /// Protocol.
    pub protocol: String,
    /// Endpoint.
    pub endpoint: String,
    /// Message id.
    pub message_id: String,
    /// Notification, SubscriptionConfirmation, UnsubscribeConfirmation.
    pub kind: &'static str,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Unix milliseconds at enqueue.
    pub enqueued_ms: u64,
    /// Unix milliseconds of the next attempt while the delivery waits out a retry delay;
    /// `None` when it is being attempted now or waits for a free delivery slot.
    pub next_attempt_ms: Option<u64>,
    /// The error of the last failed attempt since this start of eddy (`None` before the
    /// first failure, and after a restart until the next one).
    pub last_error: Option<String>,
}

/// Longest error kept for the pending view.
const MAX_ERROR_LEN: usize = 512;

impl Engine {
    /// Scans the outbox (sequence floor, pending counts) and starts a worker for every
    /// subscription with pending deliveries.
    pub fn start(
        catalog: Arc<Catalog>,
        protocols: Protocols,
        metrics: Arc<Metrics>,
        max_in_flight: usize,
    ) -> Result<Arc<Self>, String> {
        let storage = catalog.storage().clone();
        let mut max_seq = 0u64;
        let mut found: Vec<String> = Vec::new();
        let mut range = KeyRange::prefix(b"");
        loop {
            let page = storage
                .scan(OUTBOX, &range, false, 1000)
                .map_err(|e| e.to_string())?;
            let Some((last, _)) = page.last() else { break };
            range.start = Bound::Excluded(last.clone());
            let n = page.len();
            for (k, v) in page {
                let Some((id, seq)) = outbox::split_key(&k) else {
                    continue;
                };
                max_seq = max_seq.max(seq);
                if found.last().map(String::as_str) != Some(id) {
                    found.push(id.to_string());
                }
                if let Ok(d) = serde_json::from_slice::<Delivery>(&v) {
                    metrics.enqueued(&d.subscription_arn, &d.topic_arn, &d.protocol, 1);
                }
            }
            if n < 1000 {
                break;
            }
        }
        let (stop, _) = watch::channel(false);
        let engine = Arc::new(Self {
            catalog,
            protocols,
            metrics,
            seq: Sequence::new(max_seq),
            workers: Mutex::new(HashMap::new()),
            retries: Mutex::new(HashMap::new()),
            stop,
            max_in_flight: max_in_flight.max(1),
        });
        if !found.is_empty() {
            tracing::info!(
                subscriptions = found.len(),
                "resuming pending SNS deliveries"
            );
        }
        for id in found {
            engine.wake(&id);
        }
        Ok(engine)
    }

    /// Stages `d` for subscription `sub_id` into `batch`; call [`Engine::wake`] after the
    /// batch committed.
    pub fn stage(
        &self,
        batch: &mut WriteBatch,
        sub_id: &str,
        d: &Delivery,
    ) -> crate::error::SnsResult<()> {
        let key = outbox::key(sub_id, self.seq.next());
        batch.put(OUTBOX, key, outbox::encode(d)?);
        Ok(())
    }

    /// Tells a subscription's worker (started on demand) that there is work.
    pub fn wake(self: &Arc<Self>, sub_id: &str) {
        if *self.stop.borrow() {
            return;
        }
        let worker = {
            let mut map = self.workers.lock();
            if let Some(w) = map.get(sub_id) {
                w.clone()
            } else {
                let w = Arc::new(Worker {
                    sub_id: sub_id.to_string(),
                    notify: Notify::new(),
                    in_flight: Mutex::new(HashSet::new()),
                    slots: Arc::new(Semaphore::new(self.max_in_flight)),
                });
                map.insert(sub_id.to_string(), w.clone());
                tokio::spawn(self.clone().run_worker(w.clone()));
                w
            }
        };
        worker.notify.notify_one();
    }

    /// Stops the workers; deliveries in flight are abandoned (they stay in the outbox).
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
        for w in self.workers.lock().values() {
            w.notify.notify_one();
        }
    }

    /// Pending deliveries (at most `limit`), oldest first per subscription.
    pub fn pending(&self, limit: usize) -> Vec<Pending> {
        let storage = self.catalog.storage();
        let Ok(page) = storage.scan(OUTBOX, &KeyRange::prefix(b""), false, limit) else {
            return Vec::new();
        };
        let decoded: Vec<(Vec<u8>, Delivery)> = page
            .into_iter()
            .filter_map(|(k, v)| Some((k, serde_json::from_slice::<Delivery>(&v).ok()?)))
            .collect();
        let retries = self.retries.lock();
        decoded
            .into_iter()
            .map(|(k, d)| {
                let retry = retries.get(&k);
                Pending {
                    subscription_arn: d.subscription_arn,
                    topic_arn: d.topic_arn,
                    protocol: d.protocol,
                    endpoint: d.endpoint,
                    message_id: d.message_id,
                    kind: d.kind.as_str(),
                    attempts: d.attempts,
                    enqueued_ms: d.enqueued_ms,
                    next_attempt_ms: retry.and_then(|r| r.next_attempt_ms),
                    last_error: retry.map(|r| r.last_error.clone()),
                }
            })
            .collect()
    }

    async fn run_worker(self: Arc<Self>, w: Arc<Worker>) {
        let mut stop = self.stop.subscribe();
        let prefix = w.sub_id.as_bytes().to_vec();
        loop {
            if *stop.borrow() {
                return;
            }
            let notified = w.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let range = KeyRange {
                start: Bound::Included(prefix.clone()),
                end: prefix_successor(&prefix).map_or(Bound::Unbounded, Bound::Excluded),
            };
            let page = match self.catalog.storage().scan(OUTBOX, &range, false, 256) {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the SNS outbox");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            for (key, _) in page {
                if w.in_flight.lock().contains(&key) {
                    continue;
                }
                let permit = tokio::select! {
                    p = w.slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
                    _ = stop.wait_for(|s| *s) => return,
                };
                // The page may be stale by now: while this worker waited for a slot, a
                // delivery of this entry that was in flight when the page was read may
                // have finished and removed it. Only an entry that is neither in flight
                // nor gone is started (this worker is the only one starting deliveries of
                // its subscription, and a finished delivery leaves the outbox first).
                if w.in_flight.lock().contains(&key) {
                    continue;
                }
                let value = match self.catalog.storage().get(OUTBOX, &key) {
                    Ok(Some(v)) => v,
                    Ok(None) => continue,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the SNS outbox");
                        continue;
                    }
                };
                let d: Delivery = match serde_json::from_slice(&value) {
                    Ok(d) => d,
                    Err(e) => {
                        tracing::error!(error = %e, "dropping an unreadable SNS outbox entry");
                        let mut b = WriteBatch::new();
                        b.delete(OUTBOX, key);
                        let _ = self.catalog.storage().commit(b).await;
                        continue;
                    }
                };
                w.in_flight.lock().insert(key.clone());
                let (engine, worker) = (self.clone(), w.clone());
                tokio::spawn(async move {
                    engine.deliver(&key, d).await;
                    worker.in_flight.lock().remove(&key);
                    drop(permit);
                    worker.notify.notify_one();
                });
            }
            tokio::select! {
                () = &mut notified => {}
                _ = stop.wait_for(|s| *s) => return,
                () = tokio::time::sleep(Duration::from_secs(30)) => {}
            }
        }
    }

    /// Attempts until delivered, redriven or given up; returns early on shutdown.
    async fn deliver(&self, key: &[u8], mut d: Delivery) {
        let mut stop = self.stop.subscribe();
        loop {
            let sub = self.catalog.subscription(&d.subscription_arn);
            let gone = match (&sub, d.kind) {
                (None, Kind::UnsubscribeConfirmation) => false,
                (None, _) => true,
                (Some(s), Kind::Notification) => !s.confirmed,
                (Some(_), _) => false,
            };
            if gone {
                self.remove(key, &d).await;
                self.metrics
                    .dropped(&d.subscription_arn, &d.topic_arn, &d.protocol);
                return;
            }
            let result = tokio::select! {
                r = self.protocols.send(&d, sub.as_ref()) => r,
                _ = stop.wait_for(|s| *s) => return,
            };
            let err = match result {
                Ok(()) => {
                    self.remove(key, &d).await;
                    let latency =
                        Duration::from_millis(outbox::now_ms().saturating_sub(d.enqueued_ms));
                    self.metrics
                        .delivered(&d.subscription_arn, &d.topic_arn, &d.protocol, latency);
                    tracing::debug!(subscription = %d.subscription_arn, message_id = %d.message_id, "delivered");
                    return;
                }
                Err(e) => e,
            };
            d.attempts += 1;
            let policy = self.retry_policy(&d, sub.as_ref());
            match policy.delay(d.attempts) {
                Some(delay) => {
                    tracing::info!(
                        subscription = %d.subscription_arn,
                        message_id = %d.message_id,
                        attempt = d.attempts,
                        retry_in_ms = delay.as_millis() as u64,
                        error = %err,
                        "SNS delivery failed; will retry"
                    );
                    self.metrics
                        .retried(&d.subscription_arn, &d.topic_arn, &d.protocol);
                    if let Ok(v) = outbox::encode(&d) {
                        let mut b = WriteBatch::new();
                        b.put(OUTBOX, key.to_vec(), v);
                        if let Err(e) = self.catalog.storage().commit(b).await {
                            tracing::warn!(error = %e, "cannot record a failed SNS attempt");
                        }
                    }
                    let next = outbox::now_ms()
                        .saturating_add(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
                    self.note_failure(key, &err, Some(next));
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        _ = stop.wait_for(|s| *s) => return,
                    }
                    if let Some(r) = self.retries.lock().get_mut(key) {
                        r.next_attempt_ms = None;
                    }
                }
                None => {
                    self.note_failure(key, &err, None);
                    let redriven = self.redrive(&d, sub.as_ref(), &err).await;
                    self.remove(key, &d).await;
                    self.metrics
                        .failed(&d.subscription_arn, &d.topic_arn, &d.protocol, redriven);
                    return;
                }
            }
        }
    }

    fn retry_policy(&self, d: &Delivery, sub: Option<&crate::model::Subscription>) -> RetryPolicy {
        let base = match d.protocol.as_str() {
            "sqs" | "lambda" => RetryPolicy::managed_default(),
            _ => RetryPolicy::customer_default(),
        };
        let topic = self.catalog.topic(&d.topic_arn);
        RetryPolicy::effective(
            sub.and_then(|s| s.attributes.get("DeliveryPolicy"))
                .map(String::as_str),
            topic
                .as_ref()
                .and_then(|t| t.attributes.get("DeliveryPolicy"))
                .map(String::as_str),
            &d.protocol,
            base,
        )
    }

    /// Sends an undeliverable notification to the RedrivePolicy queue; true if it went.
    async fn redrive(
        &self,
        d: &Delivery,
        sub: Option<&crate::model::Subscription>,
        err: &str,
    ) -> bool {
        let dlq = sub
            .and_then(|s| s.attributes.get("RedrivePolicy"))
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|v| v.get("deadLetterTargetArn")?.as_str().map(str::to_string));
        let Some(dlq) = dlq.filter(|_| d.kind == Kind::Notification) else {
            tracing::warn!(
                subscription = %d.subscription_arn,
                message_id = %d.message_id,
                attempts = d.attempts,
                error = %err,
                "SNS delivery failed after all retries; dropped (no RedrivePolicy)"
            );
            return false;
        };
        let raw = sub.is_some_and(crate::model::Subscription::raw);
        for attempt in 0..3u32 {
            match self.protocols.sqs(&dlq, d, raw).await {
                Ok(()) => {
                    tracing::warn!(
                        subscription = %d.subscription_arn,
                        message_id = %d.message_id,
                        dead_letter_queue = %dlq,
                        error = %err,
                        "SNS delivery failed after all retries; moved to the dead-letter queue"
                    );
                    return true;
                }
                Err(e) => {
                    tracing::warn!(dead_letter_queue = %dlq, error = %e, attempt, "cannot redrive");
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
            }
        }
        tracing::error!(
            subscription = %d.subscription_arn,
            message_id = %d.message_id,
            "SNS delivery failed and its dead-letter queue is unavailable; dropped"
        );
        false
    }

    /// Records a failed attempt for the pending view.
    fn note_failure(&self, key: &[u8], err: &str, next_attempt_ms: Option<u64>) {
        let mut last_error = err.to_string();
        if last_error.len() > MAX_ERROR_LEN {
            let mut cut = MAX_ERROR_LEN;
            while !last_error.is_char_boundary(cut) {
                cut -= 1;
            }
            last_error.truncate(cut);
            last_error.push('…');
        }
        self.retries.lock().insert(
            key.to_vec(),
            RetryState {
                last_error,
                next_attempt_ms,
            },
        );
    }

    /// Removes a finished delivery `d` from the outbox, and what the pending view knew
    /// about it (only deliveries that failed have something, so the common path takes no
    /// lock).
    async fn remove(&self, key: &[u8], d: &Delivery) {
        let mut b = WriteBatch::new();
        b.delete(OUTBOX, key.to_vec());
        if let Err(e) = self.catalog.storage().commit(b).await {
            tracing::warn!(error = %e, "cannot remove a finished SNS delivery (it will be sent again)");
        }
        if d.attempts > 0 {
            self.retries.lock().remove(key);
        }
    }
}
