//! Topics and subscriptions: what is stored, and the in-memory catalog that serves every
//! read (loaded at open; every change is committed durably before the cache changes).

use crate::error::{SnsError, SnsResult};
use eddy_storage::{KeyRange, Storage, WriteBatch};
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Keyspace of topics: topic ARN → JSON [`Topic`].
pub const TOPICS: &str = "sns_topics";
/// Keyspace of subscriptions: subscription ARN → JSON [`Subscription`].
pub const SUBSCRIPTIONS: &str = "sns_subscriptions";

/// One topic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Topic {
    /// `arn:aws:sns:<region>:<account>:<name>`.
    pub arn: String,
    /// The topic name.
    pub name: String,
    /// User-set attributes (DisplayName, Policy, DeliveryPolicy, SignatureVersion, ...).
    pub attributes: BTreeMap<String, String>,
    /// Tags in insertion order.
    pub tags: Vec<(String, String)>,
}

impl Topic {
    /// True for `.fifo` topics.
    pub fn is_fifo(&self) -> bool {
        self.attributes
            .get("FifoTopic")
            .is_some_and(|v| v == "true")
    }

    /// `1` (SHA1withRSA, AWS's default) or `2` (SHA256withRSA).
    pub fn signature_version(&self) -> u8 {
        if self
            .attributes
            .get("SignatureVersion")
            .is_some_and(|v| v == "2")
        {
            2
        } else {
            1
        }
    }
}

/// One subscription.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Subscription {
    /// `<topic-arn>:<uuid>`.
    pub arn: String,
    /// The uuid part: the outbox key prefix of this subscription's deliveries.
    pub id: String,
    /// The topic.
    pub topic_arn: String,
    /// http, https, email, email-json, sms, sqs, lambda, whatsapp.
    pub protocol: String,
    /// URL, address, phone number or ARN.
    pub endpoint: String,
    /// False until ConfirmSubscription (http/https/email/email-json start unconfirmed).
    pub confirmed: bool,
    /// The confirmation token (kept after confirmation: the SubscribeURL stays valid).
    pub token: String,
    /// RawMessageDelivery, FilterPolicy, FilterPolicyScope, DeliveryPolicy, RedrivePolicy...
    pub attributes: BTreeMap<String, String>,
    /// Whether the confirmation was an authenticated API call.
    #[serde(default)]
    pub confirmation_authenticated: bool,
}

impl Subscription {
    /// RawMessageDelivery=true.
    pub fn raw(&self) -> bool {
        self.attributes
            .get("RawMessageDelivery")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// The ARN as listed: `PendingConfirmation` until confirmed.
    pub fn listed_arn(&self) -> &str {
        if self.confirmed {
            &self.arn
        } else {
            "PendingConfirmation"
        }
    }
}

/// Protocols that start unconfirmed and get a confirmation message.
pub fn needs_confirmation(protocol: &str) -> bool {
    matches!(protocol, "http" | "https" | "email" | "email-json")
}

/// The in-memory catalog over the two keyspaces.
pub struct Catalog {
    storage: Arc<dyn Storage>,
    topics: RwLock<BTreeMap<String, Topic>>,
    subs: RwLock<BTreeMap<String, Subscription>>,
    /// Serialises read-modify-write changes.
    pub write: tokio::sync::Mutex<()>,
}

impl Catalog {
    /// Loads both keyspaces.
    pub fn open(storage: Arc<dyn Storage>) -> SnsResult<Self> {
        let topics = load::<Topic>(&*storage, TOPICS)?
            .into_iter()
            .map(|t| (t.arn.clone(), t))
            .collect();
        let subs = load::<Subscription>(&*storage, SUBSCRIPTIONS)?
            .into_iter()
            .map(|s| (s.arn.clone(), s))
            .collect();
        Ok(Self {
            storage,
            topics: RwLock::new(topics),
            subs: RwLock::new(subs),
            write: tokio::sync::Mutex::new(()),
        })
    }

    /// The storage handle.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// A topic by ARN.
    pub fn topic(&self, arn: &str) -> Option<Topic> {
        self.topics.read().get(arn).cloned()
    }

    /// Topics in ARN order, starting after `after`.
    pub fn topics_after(&self, after: Option<&str>, limit: usize) -> (Vec<Topic>, bool) {
        let map = self.topics.read();
        let iter: Box<dyn Iterator<Item = &Topic>> = match after {
            Some(a) => Box::new(
                map.range::<str, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded))
                    .map(|(_, t)| t),
            ),
            None => Box::new(map.values()),
        };
        let mut out: Vec<Topic> = iter.take(limit + 1).cloned().collect();
        let more = out.len() > limit;
        out.truncate(limit);
        (out, more)
    }

    /// A subscription by ARN.
    pub fn subscription(&self, arn: &str) -> Option<Subscription> {
        self.subs.read().get(arn).cloned()
    }

    /// The subscription holding `token` on `topic_arn`.
    pub fn subscription_by_token(&self, topic_arn: &str, token: &str) -> Option<Subscription> {
        self.subs
            .read()
            .values()
            .find(|s| s.topic_arn == topic_arn && s.token == token)
            .cloned()
    }

    /// Subscriptions of a topic (ARN order).
    pub fn subscriptions_of(&self, topic_arn: &str) -> Vec<Subscription> {
        let prefix = format!("{topic_arn}:");
        self.subs
            .read()
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, s)| s.clone())
            .collect()
    }

    /// All subscriptions after `after` (ARN order), optionally of one topic.
    pub fn subscriptions_after(
        &self,
        topic: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> (Vec<Subscription>, bool) {
        let map = self.subs.read();
        let prefix = topic.map(|t| format!("{t}:"));
        let start = match (after, &prefix) {
            (Some(a), _) => std::ops::Bound::Excluded(a.to_string()),
            (None, Some(p)) => std::ops::Bound::Included(p.clone()),
            (None, None) => std::ops::Bound::Unbounded,
        };
        let mut out: Vec<Subscription> = map
            .range((start, std::ops::Bound::Unbounded))
            .map(|(_, s)| s)
            .take_while(|s| {
                prefix
                    .as_ref()
                    .is_none_or(|p| s.arn.starts_with(p.as_str()))
            })
            .take(limit + 1)
            .cloned()
            .collect();
        let more = out.len() > limit;
        out.truncate(limit);
        (out, more)
    }

    /// Every subscription (for startup and metrics).
    pub fn all_subscriptions(&self) -> Vec<Subscription> {
        self.subs.read().values().cloned().collect()
    }

    /// Stores a topic (create or update).
    pub async fn put_topic(&self, topic: Topic) -> SnsResult<()> {
        let mut batch = WriteBatch::new();
        batch.put(TOPICS, topic.arn.as_bytes().to_vec(), to_json(&topic)?);
        self.storage.commit(batch).await?;
        self.topics.write().insert(topic.arn.clone(), topic);
        Ok(())
    }

    /// Deletes a topic and its subscriptions.
    pub async fn delete_topic(&self, arn: &str) -> SnsResult<Vec<Subscription>> {
        let subs = self.subscriptions_of(arn);
        let mut batch = WriteBatch::new();
        batch.delete(TOPICS, arn.as_bytes().to_vec());
        for s in &subs {
            batch.delete(SUBSCRIPTIONS, s.arn.as_bytes().to_vec());
        }
        self.storage.commit(batch).await?;
        self.topics.write().remove(arn);
        let mut map = self.subs.write();
        for s in &subs {
            map.remove(&s.arn);
        }
        Ok(subs)
    }

    /// Stores a subscription, with extra operations in the same atomic batch.
    pub async fn put_subscription(
        &self,
        sub: Subscription,
        mut batch: WriteBatch,
    ) -> SnsResult<()> {
        batch.put(SUBSCRIPTIONS, sub.arn.as_bytes().to_vec(), to_json(&sub)?);
        self.storage.commit(batch).await?;
        self.subs.write().insert(sub.arn.clone(), sub);
        Ok(())
    }

    /// Deletes a subscription, with extra operations in the same atomic batch.
    pub async fn delete_subscription(&self, arn: &str, mut batch: WriteBatch) -> SnsResult<()> {
        batch.delete(SUBSCRIPTIONS, arn.as_bytes().to_vec());
        self.storage.commit(batch).await?;
        self.subs.write().remove(arn);
        Ok(())
    }
}

/// JSON encoding of a stored record.
pub fn to_json<T: Serialize>(v: &T) -> SnsResult<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| SnsError::internal(format!("encoding failed: {e}")))
}

fn load<T: for<'de> Deserialize<'de>>(
    storage: &dyn Storage,
    keyspace: &'static str,
) -> SnsResult<Vec<T>> {
    let mut out = Vec::new();
    let mut range = KeyRange::prefix(b"");
    loop {
        let page = storage.scan(keyspace, &range, false, 1000)?;
        let Some((last, _)) = page.last() else { break };
        range.start = std::ops::Bound::Excluded(last.clone());
        let n = page.len();
        for (k, v) in page {
            match serde_json::from_slice(&v) {
                Ok(t) => out.push(t),
                Err(e) => tracing::error!(
                    keyspace,
                    key = %String::from_utf8_lossy(&k),
                    error = %e,
                    "skipping an unreadable SNS record"
                ),
            }
        }
        if n < 1000 {
            break;
        }
    }
    Ok(out)
}
