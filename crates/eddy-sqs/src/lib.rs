//! SQS-compatible queues for eddy.
//!
//! Why a crate of its own: queues are a service next to DynamoDB with their own wire
//! vocabulary (AWS JSON 1.0 under `X-Amz-Target: AmazonSQS.<Op>`, legacy query error
//! codes in `x-amzn-query-error`), their own state (keyspaces `sqs_*`, see [`store`])
//! and their own waiting (long polling). `eddy-server` routes `AmazonSQS.*` to
//! [`Queues::handle`]; SNS fan-out and event-source-mapping on-failure destinations call
//! [`Queues::send_message`]. Nothing here depends on the engine or the server.
//!
//! # Rust API
//!
//! ```no_run
//! # async fn demo(storage: std::sync::Arc<dyn eddy_storage::Storage>) -> Result<(), eddy_sqs::SqsError> {
//! use eddy_sqs::{MessageAttribute, Queues, SqsConfig};
//! let queues = Queues::open(
//!     storage,
//!     SqsConfig {
//!         endpoint_url: "http://127.0.0.1:8000".into(),
//!         ..SqsConfig::default()
//!     },
//! )
//! .await?;
//! let arn = "arn:aws:sqs:us-east-1:000000000000:orders";
//! if queues.queue_exists(arn) {
//!     // Durable when it returns Ok: the message survives kill -9.
//!     let message_id = queues
//!         .send_message(
//!             arn,
//!             "hello".to_string(),
//!             vec![(
//!                 "kind".to_string(),
//!                 MessageAttribute {
//!                     data_type: "String".into(),
//!                     string_value: Some("greeting".into()),
//!                     binary_value: None,
//!                 },
//!             )],
//!         )
//!         .await?;
//!     println!("sent {message_id}");
//! }
//! // The JSON API: op = the part of X-Amz-Target after "AmazonSQS.".
//! let resp = queues.handle("ListQueues", b"{}").await;
//! assert_eq!(resp.status, 200);
//! # Ok(()) }
//! ```
//!
//! [`Queues::send_message`] validates exactly like the SendMessage API (body characters
//! and size, up to 10 attributes with valid names and types) and fails with
//! [`SqsError::QueueDoesNotExist`] for an unknown ARN.
//!
//! # Durability and time
//!
//! A send, receive (receive count and visibility), delete, visibility change, purge and
//! queue change is committed to storage before it is answered. Delays, visibility
//! timeouts and retention use the injected [`Clock`]; long polling waits in real time
//! and re-checks at least once a second, so a test clock moved forward is noticed.
//! Standard queues only: `.fifo` names and FIFO attributes are refused with
//! `UnsupportedOperation`. See `docs/adr/0008-sqs.md`.

mod api;
pub mod digest;
pub mod error;
pub mod model;
mod queue;
pub mod store;

pub use error::SqsError;

use eddy_storage::{Storage, WriteBatch};
use parking_lot::RwLock;
use queue::{Entry, Queue, ReceiptHandle, Settings};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use store::{MessageRecord, MessageState, QueueRecord, StoredAttribute};

/// A source of wall-clock time, injectable so tests can move time.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}

/// Settings of the queue service.
#[derive(Clone)]
pub struct SqsConfig {
    /// Region in queue ARNs.
    pub region: String,
    /// Account id in queue ARNs and URLs.
    pub account_id: String,
    /// eddy's own URL (`http://host:port`), the base of queue URLs.
    pub endpoint_url: String,
    /// Time source for delays, visibility timeouts and retention.
    pub clock: Arc<dyn Clock>,
    /// Pause between two passes of the retention sweeper.
    pub sweep_interval: Duration,
}

impl Default for SqsConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            endpoint_url: "http://localhost:8000".into(),
            clock: Arc::new(SystemClock),
            sweep_interval: Duration::from_secs(60),
        }
    }
}

/// One message attribute (`DataType` is `String`, `Number` or `Binary`, optionally
/// followed by `.label`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttribute {
    /// `String`, `Number`, `Binary`, or one of those followed by `.label`.
    pub data_type: String,
    /// The value for `String` and `Number` types.
    pub string_value: Option<String>,
    /// The value for `Binary` types.
    pub binary_value: Option<Vec<u8>>,
}

/// A JSON-protocol answer: status, headers and body.
#[derive(Debug, Clone)]
pub struct SqsResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers to send (`content-type`, and `x-amzn-query-error` on errors).
    pub headers: Vec<(&'static str, String)>,
    /// JSON body.
    pub body: Vec<u8>,
}

/// The queue service. Cheap to share behind an `Arc`.
pub struct Queues {
    storage: Arc<dyn Storage>,
    config: SqsConfig,
    registry: RwLock<Registry>,
    /// Serializes queue creation, deletion and attribute changes (rare; keeps the
    /// registry and the stored records in step).
    admin: tokio::sync::Mutex<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

#[derive(Default)]
struct Registry {
    by_name: BTreeMap<String, Arc<Queue>>,
    next_id: u64,
}

/// One message to send, validated.
pub(crate) struct Outgoing {
    pub body: String,
    pub attributes: Vec<(String, MessageAttribute)>,
    pub delay: Option<i64>,
    pub trace_header: Option<String>,
}

/// What a successful send reports.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub message_id: String,
    pub md5_body: String,
    pub md5_attributes: Option<String>,
}

/// A received message with everything the response may show.
pub(crate) struct Received {
    pub handle: String,
    pub record: MessageRecord,
    pub entry: Entry,
}

/// Parameters of one ReceiveMessage.
pub(crate) struct ReceiveParams {
    pub max: usize,
    pub visibility: Option<i64>,
    pub wait: Option<i64>,
}

impl Queues {
    /// Opens the service over `storage`, loading every queue and the index of every
    /// message, and starts the retention sweeper (stop it with [`Queues::shutdown`]).
    /// Must be called inside a tokio runtime.
    pub async fn open(storage: Arc<dyn Storage>, config: SqsConfig) -> Result<Arc<Self>, SqsError> {
        let (stop, _) = tokio::sync::watch::channel(false);
        let queues = Arc::new(Self {
            storage,
            config,
            registry: RwLock::new(Registry::default()),
            admin: tokio::sync::Mutex::new(()),
            stop,
        });
        queues.load()?;
        let weak = Arc::downgrade(&queues);
        let mut stopped = queues.stop.subscribe();
        let interval = queues.config.sweep_interval;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stopped.changed() => return,
                    () = tokio::time::sleep(interval) => {}
                }
                let Some(q) = weak.upgrade() else { return };
                q.sweep().await;
            }
        });
        Ok(queues)
    }

    fn load(&self) -> Result<(), SqsError> {
        let storage = self.storage.as_ref();
        let mut reg = self.registry.write();
        let mut next_id = storage
            .get(store::META, store::NEXT_QUEUE_ID)?
            .and_then(|v| v.try_into().ok().map(u64::from_be_bytes))
            .unwrap_or(1);
        let mut by_id = BTreeMap::new();
        for (_, v) in store::scan_all(storage, store::QUEUES, b"")? {
            let Ok(rec) = serde_json::from_slice::<QueueRecord>(&v) else {
                tracing::warn!("skipping an unreadable queue record");
                continue;
            };
            next_id = next_id.max(rec.id + 1);
            let q = Arc::new(Queue::new(
                rec.clone(),
                self.arn(&rec.name),
                self.url(&rec.name),
            ));
            by_id.insert(rec.id, q.clone());
            reg.by_name.insert(rec.name, q);
        }
        let states: BTreeMap<Vec<u8>, MessageState> =
            store::scan_all(storage, store::MESSAGE_STATE, b"")?
                .into_iter()
                .filter_map(|(k, v)| Some((k, serde_json::from_slice(&v).ok()?)))
                .collect();
        let mut loaded = 0usize;
        for (k, v) in store::scan_all(storage, store::MESSAGES, b"")? {
            let Some((qid, seq)) = store::split_message_key(&k) else {
                continue;
            };
            // Messages of deleted queues (a crash mid-delete) are ignored.
            let Some(q) = by_id.get(&qid) else { continue };
            let Ok(rec) = serde_json::from_slice::<MessageRecord>(&v) else {
                tracing::warn!(queue = %q.name, seq, "skipping an unreadable message");
                continue;
            };
            let state = states.get(&k);
            let entry = Entry {
                id: rec.id,
                sent: rec.sent,
                visible_at: state.map_or(rec.visible_from, |s| s.visible_at),
                receive_count: state.map_or(0, |s| s.receive_count),
                first_receive: state.map_or(0, |s| s.first_receive),
            };
            q.index.lock().insert(seq, entry);
            loaded += 1;
        }
        reg.next_id = next_id;
        tracing::debug!(queues = reg.by_name.len(), messages = loaded, "sqs loaded");
        Ok(())
    }

    /// Stops the retention sweeper and ends pending long polls. Storage stays open.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        for q in self.registry.read().by_name.values() {
            q.arrivals.notify_waiters();
        }
    }

    /// Sends a message to the queue with ARN `queue_arn`; returns the MessageId once the
    /// message is durable. Validates like SendMessage (body, size, attributes).
    pub async fn send_message(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, MessageAttribute)>,
    ) -> Result<String, SqsError> {
        let q = self.queue_by_arn(queue_arn)?;
        let out = Outgoing {
            body,
            attributes,
            delay: None,
            trace_header: None,
        };
        let settings = q.settings();
        validate_outgoing(&out, &settings)?;
        let mut sent = self.send(&q, vec![out]).await?;
        Ok(sent.pop().map(|s| s.message_id).unwrap_or_default())
    }

    /// True when a queue with this ARN exists.
    pub fn queue_exists(&self, queue_arn: &str) -> bool {
        self.queue_by_arn(queue_arn).is_ok()
    }

    /// The URL of the queue with this ARN, if it exists.
    pub fn queue_url(&self, queue_arn: &str) -> Option<String> {
        self.queue_by_arn(queue_arn).ok().map(|q| q.url.clone())
    }

    /// Answers one JSON-protocol request; `op` is the part of `X-Amz-Target` after
    /// `AmazonSQS.`.
    pub async fn handle(&self, op: &str, body: &[u8]) -> SqsResponse {
        let result = api::dispatch(self, op, body).await;
        let mut headers = vec![("content-type", "application/x-amz-json-1.0".to_string())];
        match result {
            Ok(body) => SqsResponse {
                status: 200,
                headers,
                body,
            },
            Err(e) => {
                let w = e.wire();
                headers.push(("x-amzn-query-error", w.query_error.to_string()));
                if w.status >= 500 {
                    tracing::error!(op, error = %e, "sqs internal error");
                } else {
                    tracing::debug!(op, error = %e, "sqs request failed");
                }
                SqsResponse {
                    status: w.status,
                    headers,
                    body: e.to_body(),
                }
            }
        }
    }

    // ---- naming ----

    pub(crate) fn arn(&self, name: &str) -> String {
        format!(
            "arn:aws:sqs:{}:{}:{name}",
            self.config.region, self.config.account_id
        )
    }

    pub(crate) fn url(&self, name: &str) -> String {
        format!(
            "{}/{}/{name}",
            self.config.endpoint_url.trim_end_matches('/'),
            self.config.account_id
        )
    }

    pub(crate) fn now(&self) -> i64 {
        self.config.clock.now_millis()
    }

    pub(crate) fn account_id(&self) -> &str {
        &self.config.account_id
    }

    fn queue_by_arn(&self, arn: &str) -> Result<Arc<Queue>, SqsError> {
        let (region, account, name) = model::parse_arn(arn).ok_or_else(SqsError::no_queue)?;
        if region != self.config.region || account != self.config.account_id {
            return Err(SqsError::no_queue());
        }
        self.queue_by_name(name)
    }

    pub(crate) fn queue_by_name(&self, name: &str) -> Result<Arc<Queue>, SqsError> {
        self.registry
            .read()
            .by_name
            .get(name)
            .cloned()
            .ok_or_else(SqsError::no_queue)
    }

    pub(crate) fn queue_by_url(&self, url: &str) -> Result<Arc<Queue>, SqsError> {
        if url.is_empty() {
            return Err(SqsError::MissingParameter(
                "The request must contain the parameter QueueUrl.".into(),
            ));
        }
        let (account, name) = model::parse_queue_url(url).ok_or_else(SqsError::no_queue)?;
        if account.is_some_and(|a| a != self.config.account_id) {
            return Err(SqsError::no_queue());
        }
        self.queue_by_name(name)
    }

    // ---- queues ----

    pub(crate) async fn create_queue(
        &self,
        name: &str,
        attributes: BTreeMap<String, String>,
        tags: BTreeMap<String, String>,
    ) -> Result<String, SqsError> {
        model::validate_queue_name(name)?;
        let mut given = BTreeMap::new();
        for (k, v) in &attributes {
            given.insert(k.clone(), model::normalize_attribute(k, v)?);
        }
        let _admin = self.admin.lock().await;
        if let Some(Some(rp)) = given.get("RedrivePolicy") {
            self.check_dead_letter_target(rp, name)?;
        }
        if let Ok(existing) = self.queue_by_name(name) {
            let rec = existing.record.lock();
            for (k, v) in &given {
                if rec.attributes.get(k) != v.as_ref() {
                    return Err(SqsError::QueueNameExists(format!(
                        "A queue already exists with the same name and a different value for attribute {k}"
                    )));
                }
            }
            return Ok(existing.url.clone());
        }
        let id = self.registry.read().next_id;
        let record = queue::new_record(id, name, &given, tags, self.now() / 1000);
        let mut batch = WriteBatch::new();
        batch.put(
            store::QUEUES,
            name.as_bytes().to_vec(),
            store::encode(&record),
        );
        batch.put(
            store::META,
            store::NEXT_QUEUE_ID.to_vec(),
            (id + 1).to_be_bytes().to_vec(),
        );
        self.storage.commit(batch).await?;
        let q = Arc::new(Queue::new(record, self.arn(name), self.url(name)));
        let mut reg = self.registry.write();
        reg.next_id = id + 1;
        reg.by_name.insert(name.to_string(), q.clone());
        tracing::debug!(queue = name, id, "queue created");
        Ok(q.url.clone())
    }

    fn check_dead_letter_target(&self, redrive_json: &str, source: &str) -> Result<(), SqsError> {
        let rp = model::RedrivePolicy::parse(redrive_json)?;
        let exists = self
            .queue_by_arn(&rp.dead_letter_target_arn)
            .is_ok_and(|q| q.name != source);
        if exists {
            Ok(())
        } else {
            Err(SqsError::InvalidParameterValue(format!(
                "Value {redrive_json} for parameter RedrivePolicy is invalid. Reason: Dead-letter target does not exist."
            )))
        }
    }

    pub(crate) fn list_queues(&self, prefix: &str) -> Vec<String> {
        self.registry
            .read()
            .by_name
            .range(prefix.to_string()..)
            .take_while(|(n, _)| n.starts_with(prefix))
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub(crate) async fn delete_queue(&self, q: &Arc<Queue>) -> Result<(), SqsError> {
        let _admin = self.admin.lock().await;
        if q.is_deleted() {
            return Ok(());
        }
        let seqs = q.index.lock().drain();
        let mut batch = WriteBatch::new();
        batch.delete(store::QUEUES, q.name.as_bytes().to_vec());
        self.storage.commit(batch).await?;
        q.deleted.store(true, Ordering::Release);
        self.registry.write().by_name.remove(&q.name);
        q.arrivals.notify_waiters();
        // Messages go after the queue record: should this be interrupted, `load`
        // ignores messages whose queue id is gone.
        self.delete_messages_durably(q.id, seqs).await?;
        Ok(())
    }

    async fn delete_messages_durably(&self, queue_id: u64, seqs: Vec<u64>) -> Result<(), SqsError> {
        for chunk in seqs.chunks(512) {
            let mut batch = WriteBatch::new();
            for seq in chunk {
                let k = store::message_key(queue_id, *seq);
                batch.delete(store::MESSAGE_STATE, k.clone());
                batch.delete(store::MESSAGES, k);
            }
            self.storage.commit(batch).await?;
        }
        Ok(())
    }

    pub(crate) async fn purge(&self, q: &Arc<Queue>) -> Result<(), SqsError> {
        let now = self.now();
        {
            let mut last = q.last_purge.lock();
            if last.is_some_and(|t| now - t < 60_000) {
                return Err(SqsError::PurgeQueueInProgress(format!(
                    "Only one PurgeQueue operation on {} is allowed every 60 seconds.",
                    q.name
                )));
            }
            *last = Some(now);
        }
        let seqs = q.index.lock().drain();
        self.delete_messages_durably(q.id, seqs).await
    }

    pub(crate) fn get_attributes(
        &self,
        q: &Queue,
        names: &[String],
    ) -> Result<BTreeMap<String, String>, SqsError> {
        for n in names {
            if !model::is_known_attribute(n) {
                return Err(SqsError::InvalidAttributeName(format!(
                    "Unknown Attribute {n}."
                )));
            }
        }
        let all = names.iter().any(|n| n == "All");
        let want = |n: &str| all || names.iter().any(|x| x == n);
        let mut out = BTreeMap::new();
        let settings = q.settings();
        let now = self.now();
        let counts = q.index.lock().counts(now, settings.retention * 1000);
        let rec = q.record.lock().clone();
        let computed = [
            ("QueueArn", q.arn.clone()),
            ("ApproximateNumberOfMessages", counts.visible.to_string()),
            (
                "ApproximateNumberOfMessagesNotVisible",
                counts.not_visible.to_string(),
            ),
            (
                "ApproximateNumberOfMessagesDelayed",
                counts.delayed.to_string(),
            ),
            ("CreatedTimestamp", rec.created.to_string()),
            ("LastModifiedTimestamp", rec.modified.to_string()),
        ];
        for (k, v) in computed {
            if want(k) {
                out.insert(k.to_string(), v);
            }
        }
        for (k, v) in &rec.attributes {
            if want(k) {
                out.insert(k.clone(), v.clone());
            }
        }
        Ok(out)
    }

    pub(crate) async fn set_attributes(
        &self,
        q: &Arc<Queue>,
        attributes: BTreeMap<String, String>,
    ) -> Result<(), SqsError> {
        let mut given = BTreeMap::new();
        for (k, v) in &attributes {
            if k == "FifoQueue" {
                return Err(SqsError::InvalidAttributeName(
                    "Attribute FifoQueue can only be set at queue creation.".into(),
                ));
            }
            given.insert(k.clone(), model::normalize_attribute(k, v)?);
        }
        let _admin = self.admin.lock().await;
        if let Some(Some(rp)) = given.get("RedrivePolicy") {
            self.check_dead_letter_target(rp, &q.name)?;
        }
        if q.is_deleted() {
            return Err(SqsError::no_queue());
        }
        let mut rec = q.record.lock().clone();
        for (k, v) in given {
            match v {
                Some(v) => rec.attributes.insert(k, v),
                None => rec.attributes.remove(&k),
            };
        }
        rec.modified = self.now() / 1000;
        self.store_record(q, rec).await
    }

    pub(crate) async fn set_tags(
        &self,
        q: &Arc<Queue>,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Result<(), SqsError> {
        let _admin = self.admin.lock().await;
        if q.is_deleted() {
            return Err(SqsError::no_queue());
        }
        let mut rec = q.record.lock().clone();
        change(&mut rec.tags);
        self.store_record(q, rec).await
    }

    async fn store_record(&self, q: &Arc<Queue>, rec: QueueRecord) -> Result<(), SqsError> {
        let mut batch = WriteBatch::new();
        batch.put(
            store::QUEUES,
            q.name.as_bytes().to_vec(),
            store::encode(&rec),
        );
        self.storage.commit(batch).await?;
        *q.record.lock() = rec;
        // A shorter delay or a new wait time may matter to waiting receivers.
        q.arrivals.notify_waiters();
        Ok(())
    }

    pub(crate) fn dead_letter_sources(&self, q: &Queue) -> Vec<String> {
        let reg = self.registry.read();
        reg.by_name
            .values()
            .filter(|src| {
                src.settings()
                    .redrive
                    .is_some_and(|rp| rp.dead_letter_target_arn == q.arn)
            })
            .map(|src| src.url.clone())
            .collect()
    }

    // ---- messages ----

    /// Commits `messages` (already validated) in one batch, then makes them receivable.
    pub(crate) async fn send(
        &self,
        q: &Arc<Queue>,
        messages: Vec<Outgoing>,
    ) -> Result<Vec<Sent>, SqsError> {
        let settings = q.settings();
        let now = self.now();
        let mut batch = WriteBatch::new();
        let mut staged = Vec::with_capacity(messages.len());
        let mut sent = Vec::with_capacity(messages.len());
        {
            let mut index = q.index.lock();
            for m in messages {
                let seq = index.allocate();
                let delay = m.delay.unwrap_or(settings.delay);
                let record = MessageRecord {
                    id: uuid::Uuid::new_v4().to_string(),
                    attributes: m
                        .attributes
                        .iter()
                        .map(|(n, a)| StoredAttribute::from_attribute(n, a))
                        .collect(),
                    sent: now,
                    visible_from: now + delay * 1000,
                    sender: self.config.account_id.clone(),
                    trace_header: m.trace_header,
                    dead_letter_source: None,
                    body: m.body,
                };
                sent.push(Sent {
                    message_id: record.id.clone(),
                    md5_body: digest::md5_hex(record.body.as_bytes()),
                    md5_attributes: digest::attributes_md5(
                        m.attributes.iter().map(|(n, a)| (n.as_str(), a)),
                    ),
                });
                batch.put(
                    store::MESSAGES,
                    store::message_key(q.id, seq),
                    store::encode(&record),
                );
                staged.push((seq, record));
            }
        }
        self.storage.commit(batch).await?;
        {
            let mut index = q.index.lock();
            for (seq, r) in staged {
                index.insert(
                    seq,
                    Entry {
                        id: r.id,
                        sent: r.sent,
                        visible_at: r.visible_from,
                        receive_count: 0,
                        first_receive: 0,
                    },
                );
            }
        }
        q.arrivals.notify_waiters();
        Ok(sent)
    }

    /// ReceiveMessage: returns at once when messages are receivable, else waits up to
    /// the wait time for one to arrive or become visible.
    pub(crate) async fn receive(
        &self,
        q: &Arc<Queue>,
        params: ReceiveParams,
    ) -> Result<Vec<Received>, SqsError> {
        let wait = params.wait.unwrap_or_else(|| q.settings().wait);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.max(0) as u64);
        let mut stop = self.stop.subscribe();
        loop {
            let notified = q.arrivals.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let got = self.receive_now(q, &params).await?;
            if !got.is_empty() || q.is_deleted() || *stop.borrow() {
                return Ok(got);
            }
            let now_real = tokio::time::Instant::now();
            if now_real >= deadline {
                return Ok(got);
            }
            // Wake for an arrival, for the next delayed/in-flight message becoming
            // visible, or at least every second (a test clock may have been moved).
            let now = self.now();
            let until_visible = q
                .index
                .lock()
                .next_visible_after(now)
                .map_or(Duration::from_secs(1), |at| {
                    Duration::from_millis((at - now).max(1) as u64)
                });
            let nap = until_visible
                .min(Duration::from_secs(1))
                .min(deadline - now_real);
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep(nap) => {}
                _ = stop.changed() => {}
            }
        }
    }

    async fn receive_now(
        &self,
        q: &Arc<Queue>,
        params: &ReceiveParams,
    ) -> Result<Vec<Received>, SqsError> {
        let settings = q.settings();
        let now = self.now();
        let dlq = settings
            .redrive
            .as_ref()
            .and_then(|rp| self.queue_by_arn(&rp.dead_letter_target_arn).ok());
        let max_receive = dlq
            .as_ref()
            .and(settings.redrive.as_ref())
            .map(|rp| rp.max_receive_count);
        let visibility = params.visibility.unwrap_or(settings.visibility_timeout);
        let taken = q.index.lock().take(
            now,
            params.max,
            visibility * 1000,
            settings.retention * 1000,
            max_receive,
        );
        if taken.received.is_empty() && taken.expired.is_empty() && taken.to_dead_letter.is_empty()
        {
            return Ok(Vec::new());
        }
        let mut batch = WriteBatch::new();
        for seq in &taken.expired {
            let k = store::message_key(q.id, *seq);
            batch.delete(store::MESSAGE_STATE, k.clone());
            batch.delete(store::MESSAGES, k);
        }
        for (seq, e) in &taken.received {
            batch.put(
                store::MESSAGE_STATE,
                store::message_key(q.id, *seq),
                store::encode(&e.state()),
            );
        }
        let mut moved = Vec::new();
        if let Some(dlq) = &dlq {
            for (seq, _) in &taken.to_dead_letter {
                let k = store::message_key(q.id, *seq);
                let Some(raw) = self.storage.get(store::MESSAGES, &k)? else {
                    continue;
                };
                let Ok(mut rec) = serde_json::from_slice::<MessageRecord>(&raw) else {
                    continue;
                };
                rec.dead_letter_source = Some(q.arn.clone());
                rec.visible_from = now;
                let new_seq = dlq.index.lock().allocate();
                batch.delete(store::MESSAGE_STATE, k.clone());
                batch.delete(store::MESSAGES, k);
                batch.put(
                    store::MESSAGES,
                    store::message_key(dlq.id, new_seq),
                    store::encode(&rec),
                );
                moved.push((new_seq, rec));
            }
        }
        self.storage.commit(batch).await?;
        if let Some(dlq) = &dlq
            && !moved.is_empty()
        {
            {
                let mut index = dlq.index.lock();
                for (seq, rec) in &moved {
                    index.insert(
                        *seq,
                        Entry {
                            id: rec.id.clone(),
                            sent: rec.sent,
                            visible_at: rec.visible_from,
                            receive_count: 0,
                            first_receive: 0,
                        },
                    );
                }
            }
            tracing::debug!(from = %q.name, to = %dlq.name, count = moved.len(), "messages moved to the dead-letter queue");
            dlq.arrivals.notify_waiters();
        }
        let mut out = Vec::with_capacity(taken.received.len());
        for (seq, entry) in taken.received {
            let Some(raw) = self
                .storage
                .get(store::MESSAGES, &store::message_key(q.id, seq))?
            else {
                continue; // deleted meanwhile
            };
            let Ok(record) = serde_json::from_slice::<MessageRecord>(&raw) else {
                continue;
            };
            let handle = ReceiptHandle {
                queue_id: q.id,
                seq,
                receive: entry.receive_count,
                message_id: entry.id.clone(),
            }
            .encode();
            out.push(Received {
                handle,
                record,
                entry,
            });
        }
        Ok(out)
    }

    fn parse_handle(q: &Queue, handle: &str) -> Result<ReceiptHandle, SqsError> {
        match ReceiptHandle::decode(handle) {
            Some(h) if h.queue_id == q.id => Ok(h),
            _ => Err(SqsError::ReceiptHandleIsInvalid(format!(
                "The input receipt handle \"{handle}\" is not a valid receipt handle."
            ))),
        }
    }

    /// DeleteMessage(Batch): one result per handle. Deleting a message that is already
    /// gone succeeds, as on SQS.
    pub(crate) async fn delete_messages(
        &self,
        q: &Arc<Queue>,
        handles: &[&str],
    ) -> Result<Vec<Result<(), SqsError>>, SqsError> {
        let mut results = Vec::with_capacity(handles.len());
        let mut batch = WriteBatch::new();
        {
            let mut index = q.index.lock();
            for h in handles {
                match Self::parse_handle(q, h) {
                    Ok(h) => {
                        if index.get(h.seq).is_some_and(|e| e.id == h.message_id) {
                            index.remove(h.seq);
                            let k = store::message_key(q.id, h.seq);
                            batch.delete(store::MESSAGE_STATE, k.clone());
                            batch.delete(store::MESSAGES, k);
                        }
                        results.push(Ok(()));
                    }
                    Err(e) => results.push(Err(e)),
                }
            }
        }
        if !batch.is_empty() {
            self.storage.commit(batch).await?;
        }
        Ok(results)
    }

    /// ChangeMessageVisibility(Batch): one result per (handle, timeout).
    pub(crate) async fn change_visibility(
        &self,
        q: &Arc<Queue>,
        changes: &[(&str, i64)],
    ) -> Result<Vec<Result<(), SqsError>>, SqsError> {
        let now = self.now();
        let mut results = Vec::with_capacity(changes.len());
        let mut batch = WriteBatch::new();
        let mut woke = false;
        {
            let mut index = q.index.lock();
            for (h, timeout) in changes {
                let r = (|| {
                    if !(0..=43_200).contains(timeout) {
                        return Err(SqsError::InvalidParameterValue(format!(
                            "Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200."
                        )));
                    }
                    let parsed = Self::parse_handle(q, h)?;
                    let entry = index
                        .get(parsed.seq)
                        .filter(|e| e.id == parsed.message_id)
                        .ok_or_else(|| {
                            SqsError::InvalidParameterValue(format!(
                                "Value {h} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change."
                            ))
                        })?;
                    if entry.receive_count == 0 || entry.visible_at <= now {
                        return Err(SqsError::MessageNotInflight(
                            "The message referred to isn't in flight.".into(),
                        ));
                    }
                    let e = index
                        .set_visible_at(parsed.seq, now + timeout * 1000)
                        .ok_or_else(SqsError::no_queue)?;
                    batch.put(
                        store::MESSAGE_STATE,
                        store::message_key(q.id, parsed.seq),
                        store::encode(&e.state()),
                    );
                    Ok(*timeout == 0)
                })();
                results.push(r.map(|visible_now| woke |= visible_now));
            }
        }
        if !batch.is_empty() {
            self.storage.commit(batch).await?;
        }
        if woke {
            q.arrivals.notify_waiters();
        }
        Ok(results)
    }

    /// Removes messages past retention from every queue.
    async fn sweep(&self) {
        let queues: Vec<Arc<Queue>> = self.registry.read().by_name.values().cloned().collect();
        let now = self.now();
        for q in queues {
            let retention = q.settings().retention * 1000;
            let gone = q.index.lock().expire(now, retention);
            if gone.is_empty() {
                continue;
            }
            tracing::debug!(queue = %q.name, count = gone.len(), "messages past retention removed");
            if let Err(e) = self.delete_messages_durably(q.id, gone).await {
                tracing::warn!(queue = %q.name, error = %e, "retention sweep failed");
            }
        }
    }
}

/// Checks a message against the queue's limits before it is sent.
pub(crate) fn validate_outgoing(m: &Outgoing, settings: &Settings) -> Result<(), SqsError> {
    model::validate_body(&m.body)?;
    let attr_size = model::validate_message_attributes(&m.attributes)?;
    if let Some(d) = m.delay
        && !(0..=900).contains(&d)
    {
        return Err(SqsError::InvalidParameterValue(format!(
            "Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
        )));
    }
    let size = (m.body.len() + attr_size) as i64;
    if size > settings.max_size {
        return Err(SqsError::InvalidParameterValue(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {} bytes.",
            settings.max_size
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
