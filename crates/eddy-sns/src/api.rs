//! The SNS operations: decode query parameters, validate in AWS's terms, change the
//! catalog / outbox, render the XML result.

use crate::Sns;
use crate::envelope;
use crate::error::{SnsError, SnsResult};
use crate::filter::{self, Scope};
use crate::model::{Subscription, Topic, needs_confirmation};
use crate::outbox::{self, Attr, Delivery, Kind};
use crate::policy::{self, RetryPolicy};
use crate::query::Params;
use crate::xml::Writer;
use base64::Engine as _;
use eddy_storage::WriteBatch;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Largest message (with its attributes), bytes.
pub const MAX_MESSAGE_BYTES: usize = 262_144;
/// Page size of the List* operations.
const PAGE: usize = 100;

/// Topic attributes a client may set.
const TOPIC_ATTRIBUTES: &[&str] = &[
    "Policy",
    "DisplayName",
    "DeliveryPolicy",
    "KmsMasterKeyId",
    "SignatureVersion",
    "TracingConfig",
    "FifoTopic",
    "ContentBasedDeduplication",
    "ArchivePolicy",
    "FifoThroughputScope",
    "DataProtectionPolicy",
    "HTTPSuccessFeedbackRoleArn",
    "HTTPSuccessFeedbackSampleRate",
    "HTTPFailureFeedbackRoleArn",
    "LambdaSuccessFeedbackRoleArn",
    "LambdaSuccessFeedbackSampleRate",
    "LambdaFailureFeedbackRoleArn",
    "SQSSuccessFeedbackRoleArn",
    "SQSSuccessFeedbackSampleRate",
    "SQSFailureFeedbackRoleArn",
    "ApplicationSuccessFeedbackRoleArn",
    "ApplicationSuccessFeedbackSampleRate",
    "ApplicationFailureFeedbackRoleArn",
    "FirehoseSuccessFeedbackRoleArn",
    "FirehoseSuccessFeedbackSampleRate",
    "FirehoseFailureFeedbackRoleArn",
];

/// Subscription attributes a client may set.
const SUBSCRIPTION_ATTRIBUTES: &[&str] = &[
    "DeliveryPolicy",
    "FilterPolicy",
    "FilterPolicyScope",
    "RawMessageDelivery",
    "RedrivePolicy",
    "SubscriptionRoleArn",
    "ReplayPolicy",
];

/// The protocols eddy delivers to.
const PROTOCOLS: &[&str] = &[
    "http",
    "https",
    "email",
    "email-json",
    "sms",
    "sqs",
    "lambda",
    "whatsapp",
];

/// The result of an operation: the action name and the inside of its Result element.
pub struct Output {
    pub action: &'static str,
    pub result: Option<String>,
}

fn out(action: &'static str, w: Writer) -> SnsResult<Output> {
    Ok(Output {
        action,
        result: Some(w.finish()),
    })
}

fn empty(action: &'static str) -> SnsResult<Output> {
    Ok(Output {
        action,
        result: None,
    })
}

impl Sns {
    /// Runs the operation named by `Action`.
    pub(crate) async fn dispatch(&self, p: &Params) -> SnsResult<Output> {
        let action = p.get("Action").unwrap_or_default();
        match action {
            "CreateTopic" => self.create_topic(p).await,
            "DeleteTopic" => self.delete_topic(p).await,
            "ListTopics" => self.list_topics(p),
            "GetTopicAttributes" => self.get_topic_attributes(p),
            "SetTopicAttributes" => self.set_topic_attributes(p).await,
            "Subscribe" => self.subscribe(p).await,
            "ConfirmSubscription" => self.confirm_subscription(p).await,
            "Unsubscribe" => self.unsubscribe(p).await,
            "ListSubscriptions" => self.list_subscriptions(p, None),
            "ListSubscriptionsByTopic" => {
                let arn = p.required("TopicArn")?;
                let topic = self.topic(arn)?;
                self.list_subscriptions(p, Some(&topic.arn))
            }
            "GetSubscriptionAttributes" => self.get_subscription_attributes(p),
            "SetSubscriptionAttributes" => self.set_subscription_attributes(p).await,
            "Publish" => self.publish(p).await,
            "PublishBatch" => self.publish_batch(p).await,
            "TagResource" => self.tag_resource(p).await,
            "UntagResource" => self.untag_resource(p).await,
            "ListTagsForResource" => self.list_tags(p),
            "" => Err(SnsError::invalid_action("")),
            other => Err(SnsError::invalid_action(other)),
        }
    }

    fn topic_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:sns:{}:{}:{name}",
            self.config.region, self.config.account_id
        )
    }

    /// The topic named by an ARN: InvalidParameter when malformed, NotFound when absent.
    fn topic(&self, arn: &str) -> SnsResult<Topic> {
        if !valid_topic_arn(arn) {
            return Err(SnsError::invalid_param("TopicArn"));
        }
        self.catalog
            .topic(arn)
            .ok_or_else(|| SnsError::not_found("Topic does not exist"))
    }

    fn subscription(&self, arn: &str) -> SnsResult<Subscription> {
        let valid = arn
            .rsplit_once(':')
            .is_some_and(|(t, id)| valid_topic_arn(t) && uuid::Uuid::parse_str(id).is_ok());
        if !valid {
            return Err(SnsError::invalid_param("SubscriptionArn"));
        }
        self.catalog
            .subscription(arn)
            .ok_or_else(|| SnsError::not_found("Subscription does not exist"))
    }

    // --- topics --------------------------------------------------------------------------

    async fn create_topic(&self, p: &Params) -> SnsResult<Output> {
        let name = p.required("Name")?;
        let attrs: BTreeMap<String, String> = p
            .map_entries("Attributes", "key", "value")
            .into_iter()
            .collect();
        let fifo = attrs
            .get("FifoTopic")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        validate_topic_name(name, fifo)?;
        for (k, v) in &attrs {
            validate_topic_attribute(k, v, true)?;
        }
        let tags = parse_tags(p)?;
        let arn = self.topic_arn(name);
        let _guard = self.catalog.write.lock().await;
        if let Some(existing) = self.catalog.topic(&arn) {
            let differs = attrs.iter().any(|(k, v)| {
                existing.attributes.get(k).map(String::as_str).unwrap_or("") != v
                    && !(k == "FifoTopic" && v == "false")
            });
            if differs {
                return Err(SnsError::invalid_param(
                    "Attributes Reason: Topic already exists with different attributes",
                ));
            }
            let mut w = Writer::new();
            w.elem("TopicArn", &arn);
            return out("CreateTopic", w);
        }
        let mut attributes = attrs;
        attributes.retain(|k, v| !(k == "FifoTopic" && v == "false"));
        let topic = Topic {
            arn: arn.clone(),
            name: name.to_string(),
            attributes,
            tags,
        };
        self.catalog.put_topic(topic).await?;
        let mut w = Writer::new();
        w.elem("TopicArn", &arn);
        out("CreateTopic", w)
    }

    async fn delete_topic(&self, p: &Params) -> SnsResult<Output> {
        let arn = p.required("TopicArn")?;
        if !valid_topic_arn(arn) {
            return Err(SnsError::invalid_param("TopicArn"));
        }
        let _guard = self.catalog.write.lock().await;
        if self.catalog.topic(arn).is_some() {
            self.catalog.delete_topic(arn).await?;
        }
        empty("DeleteTopic")
    }

    fn list_topics(&self, p: &Params) -> SnsResult<Output> {
        let (topics, more) = self.catalog.topics_after(p.get("NextToken"), PAGE);
        let mut w = Writer::new();
        w.open("Topics");
        for t in &topics {
            w.open("member").elem("TopicArn", &t.arn).close("member");
        }
        w.close("Topics");
        if more && let Some(last) = topics.last() {
            w.elem("NextToken", &last.arn);
        }
        out("ListTopics", w)
    }

    fn get_topic_attributes(&self, p: &Params) -> SnsResult<Output> {
        let topic = self.topic(p.required("TopicArn")?)?;
        let subs = self.catalog.subscriptions_of(&topic.arn);
        let confirmed = subs.iter().filter(|s| s.confirmed).count();
        let mut attrs: BTreeMap<String, String> = BTreeMap::new();
        attrs.insert("TopicArn".into(), topic.arn.clone());
        attrs.insert("Owner".into(), self.config.account_id.clone());
        attrs.insert("Policy".into(), self.default_policy(&topic.arn));
        attrs.insert("DisplayName".into(), String::new());
        attrs.insert("SubscriptionsConfirmed".into(), confirmed.to_string());
        attrs.insert(
            "SubscriptionsPending".into(),
            (subs.len() - confirmed).to_string(),
        );
        attrs.insert("SubscriptionsDeleted".into(), "0".into());
        attrs.insert(
            "EffectiveDeliveryPolicy".into(),
            topic
                .attributes
                .get("DeliveryPolicy")
                .cloned()
                .unwrap_or_else(default_topic_delivery_policy),
        );
        for (k, v) in &topic.attributes {
            attrs.insert(k.clone(), v.clone());
        }
        let mut w = Writer::new();
        w.map(
            "Attributes",
            attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        out("GetTopicAttributes", w)
    }

    async fn set_topic_attributes(&self, p: &Params) -> SnsResult<Output> {
        let arn = p.required("TopicArn")?;
        let name = p.required("AttributeName")?;
        let value = p.get("AttributeValue").unwrap_or_default();
        validate_topic_attribute(name, value, false)?;
        let _guard = self.catalog.write.lock().await;
        let mut topic = self.topic(arn)?;
        if value.is_empty() {
            topic.attributes.remove(name);
        } else {
            topic.attributes.insert(name.to_string(), value.to_string());
        }
        self.catalog.put_topic(topic).await?;
        empty("SetTopicAttributes")
    }

    fn default_policy(&self, arn: &str) -> String {
        serde_json::json!({
            "Version": "2008-10-17",
            "Id": "__default_policy_ID",
            "Statement": [{
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],
                "Resource": arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": self.config.account_id}}
            }]
        })
        .to_string()
    }

    // --- subscriptions -------------------------------------------------------------------

    async fn subscribe(&self, p: &Params) -> SnsResult<Output> {
        let topic_arn = p.required("TopicArn")?;
        let protocol = p.required("Protocol")?.to_string();
        if !PROTOCOLS.contains(&protocol.as_str()) {
            return Err(SnsError::invalid_param(format!(
                "Amazon SNS does not support this protocol string: {protocol}"
            )));
        }
        let endpoint = p.get("Endpoint").unwrap_or_default().to_string();
        validate_endpoint(&protocol, &endpoint)?;
        let topic = self.topic(topic_arn)?;
        let return_arn = p.bool("ReturnSubscriptionArn")?.unwrap_or(false);
        let attrs: BTreeMap<String, String> = p
            .map_entries("Attributes", "key", "value")
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        validate_subscription_attributes(&protocol, &attrs, &BTreeMap::new())?;

        let _guard = self.catalog.write.lock().await;
        if let Some(existing) = self
            .catalog
            .subscriptions_of(&topic.arn)
            .into_iter()
            .find(|s| s.protocol == protocol && s.endpoint == endpoint)
        {
            if !attrs.is_empty() && attrs != existing.attributes {
                return Err(SnsError::invalid_param(
                    "Attributes Reason: Subscription already exists with different attributes",
                ));
            }
            let mut w = Writer::new();
            let shown = if existing.confirmed || return_arn {
                existing.arn.as_str()
            } else {
                "pending confirmation"
            };
            w.elem("SubscriptionArn", shown);
            return out("Subscribe", w);
        }
        let id = uuid::Uuid::new_v4().to_string();
        let confirm = needs_confirmation(&protocol);
        let sub = Subscription {
            arn: format!("{}:{id}", topic.arn),
            id: id.clone(),
            topic_arn: topic.arn.clone(),
            protocol: protocol.clone(),
            endpoint: endpoint.clone(),
            confirmed: !confirm,
            token: random_token(),
            attributes: attrs,
            confirmation_authenticated: !confirm,
        };
        let mut batch = WriteBatch::new();
        if confirm {
            let d = Delivery {
                kind: Kind::SubscriptionConfirmation,
                message_id: uuid::Uuid::new_v4().to_string(),
                topic_arn: topic.arn.clone(),
                subscription_arn: sub.arn.clone(),
                protocol: protocol.clone(),
                endpoint: endpoint.clone(),
                message: envelope::confirmation_message(&topic.arn),
                subject: None,
                attributes: BTreeMap::new(),
                timestamp: outbox::timestamp_now(),
                token: Some(sub.token.clone()),
                signature_version: topic.signature_version(),
                group_id: None,
                attempts: 0,
                enqueued_ms: outbox::now_ms(),
            };
            self.engine.stage(&mut batch, &id, &d)?;
            self.engine
                .metrics
                .enqueued(&sub.arn, &topic.arn, &protocol, 1);
        }
        let arn = sub.arn.clone();
        self.catalog.put_subscription(sub, batch).await?;
        if confirm {
            self.engine.wake(&id);
        }
        let mut w = Writer::new();
        w.elem(
            "SubscriptionArn",
            if confirm && !return_arn {
                "pending confirmation"
            } else {
                &arn
            },
        );
        out("Subscribe", w)
    }

    /// ConfirmSubscription (API call or SubscribeURL).
    pub(crate) async fn confirm_subscription(&self, p: &Params) -> SnsResult<Output> {
        let topic_arn = p.required("TopicArn")?;
        let token = p.required("Token")?;
        let topic = self.topic(topic_arn)?;
        let _guard = self.catalog.write.lock().await;
        let Some(mut sub) = self.catalog.subscription_by_token(&topic.arn, token) else {
            return Err(SnsError::invalid_param("Token"));
        };
        if !sub.confirmed {
            sub.confirmed = true;
            sub.confirmation_authenticated = p.bool("AuthenticateOnUnsubscribe")?.unwrap_or(false);
            self.catalog
                .put_subscription(sub.clone(), WriteBatch::new())
                .await?;
            tracing::info!(subscription = %sub.arn, "SNS subscription confirmed");
        }
        let mut w = Writer::new();
        w.elem("SubscriptionArn", &sub.arn);
        out("ConfirmSubscription", w)
    }

    pub(crate) async fn unsubscribe(&self, p: &Params) -> SnsResult<Output> {
        let arn = p.required("SubscriptionArn")?;
        let _guard = self.catalog.write.lock().await;
        let sub = self.subscription(arn)?;
        let mut batch = WriteBatch::new();
        let notify = sub.confirmed && matches!(sub.protocol.as_str(), "http" | "https");
        if notify {
            let topic = self.catalog.topic(&sub.topic_arn);
            let d = Delivery {
                kind: Kind::UnsubscribeConfirmation,
                message_id: uuid::Uuid::new_v4().to_string(),
                topic_arn: sub.topic_arn.clone(),
                subscription_arn: sub.arn.clone(),
                protocol: sub.protocol.clone(),
                endpoint: sub.endpoint.clone(),
                message: envelope::unsubscribe_message(&sub.arn),
                subject: None,
                attributes: BTreeMap::new(),
                timestamp: outbox::timestamp_now(),
                token: Some(sub.token.clone()),
                signature_version: topic.map_or(1, |t| t.signature_version()),
                group_id: None,
                attempts: 0,
                enqueued_ms: outbox::now_ms(),
            };
            self.engine.stage(&mut batch, &sub.id, &d)?;
            self.engine
                .metrics
                .enqueued(&sub.arn, &sub.topic_arn, &sub.protocol, 1);
        }
        self.catalog.delete_subscription(&sub.arn, batch).await?;
        // Wake the worker either way: it drops the deliveries still queued for it.
        self.engine.wake(&sub.id);
        empty("Unsubscribe")
    }

    fn list_subscriptions(&self, p: &Params, topic: Option<&str>) -> SnsResult<Output> {
        let (subs, more) = self
            .catalog
            .subscriptions_after(topic, p.get("NextToken"), PAGE);
        let mut w = Writer::new();
        w.open("Subscriptions");
        for s in &subs {
            w.open("member")
                .elem("SubscriptionArn", s.listed_arn())
                .elem("Owner", &self.config.account_id)
                .elem("Protocol", &s.protocol)
                .elem("Endpoint", &s.endpoint)
                .elem("TopicArn", &s.topic_arn)
                .close("member");
        }
        w.close("Subscriptions");
        if more && let Some(last) = subs.last() {
            w.elem("NextToken", &last.arn);
        }
        out(
            if topic.is_some() {
                "ListSubscriptionsByTopic"
            } else {
                "ListSubscriptions"
            },
            w,
        )
    }

    fn get_subscription_attributes(&self, p: &Params) -> SnsResult<Output> {
        let sub = self.subscription(p.required("SubscriptionArn")?)?;
        let mut attrs: BTreeMap<String, String> = BTreeMap::new();
        attrs.insert("SubscriptionArn".into(), sub.arn.clone());
        attrs.insert("TopicArn".into(), sub.topic_arn.clone());
        attrs.insert("Owner".into(), self.config.account_id.clone());
        attrs.insert("Protocol".into(), sub.protocol.clone());
        attrs.insert("Endpoint".into(), sub.endpoint.clone());
        attrs.insert("PendingConfirmation".into(), (!sub.confirmed).to_string());
        attrs.insert(
            "ConfirmationWasAuthenticated".into(),
            sub.confirmation_authenticated.to_string(),
        );
        attrs.insert("RawMessageDelivery".into(), sub.raw().to_string());
        attrs.insert(
            "SubscriptionPrincipal".into(),
            format!("arn:aws:iam::{}:root", self.config.account_id),
        );
        if matches!(sub.protocol.as_str(), "http" | "https") {
            let topic = self.catalog.topic(&sub.topic_arn);
            let p = RetryPolicy::effective(
                sub.attributes.get("DeliveryPolicy").map(String::as_str),
                topic
                    .as_ref()
                    .and_then(|t| t.attributes.get("DeliveryPolicy"))
                    .map(String::as_str),
                &sub.protocol,
                RetryPolicy::customer_default(),
            );
            attrs.insert("EffectiveDeliveryPolicy".into(), p.to_effective_json());
        }
        for (k, v) in &sub.attributes {
            attrs.insert(k.clone(), v.clone());
        }
        if sub.attributes.contains_key("FilterPolicy")
            && !sub.attributes.contains_key("FilterPolicyScope")
        {
            attrs.insert("FilterPolicyScope".into(), "MessageAttributes".into());
        }
        let mut w = Writer::new();
        w.map(
            "Attributes",
            attrs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        out("GetSubscriptionAttributes", w)
    }

    async fn set_subscription_attributes(&self, p: &Params) -> SnsResult<Output> {
        let arn = p.required("SubscriptionArn")?;
        let name = p.required("AttributeName")?.to_string();
        let value = p.get("AttributeValue").unwrap_or_default().to_string();
        let _guard = self.catalog.write.lock().await;
        let mut sub = self.subscription(arn)?;
        let mut change = BTreeMap::new();
        change.insert(name.clone(), value.clone());
        if !SUBSCRIPTION_ATTRIBUTES.contains(&name.as_str()) {
            return Err(SnsError::invalid_param("AttributeName"));
        }
        if !value.is_empty() {
            validate_subscription_attributes(&sub.protocol, &change, &sub.attributes)?;
        }
        if value.is_empty() {
            sub.attributes.remove(&name);
        } else {
            sub.attributes.insert(name, value);
        }
        self.catalog
            .put_subscription(sub, WriteBatch::new())
            .await?;
        empty("SetSubscriptionAttributes")
    }

    // --- publishing ----------------------------------------------------------------------

    /// Publishes `message` to `topic_arn` on behalf of eddy itself (the on-failure
    /// destinations of event source mappings), through the same validation, outbox and
    /// delivery as the Publish action. Returns the MessageId.
    pub async fn publish_message(&self, topic_arn: &str, message: &str) -> SnsResult<String> {
        let mut p = Params::default();
        p.set("TopicArn", topic_arn);
        p.set("Message", message);
        let input = PublishInput::parse(&p)?;
        self.commit_publish(topic_arn, &input)
            .await
            .map(|(message_id, _)| message_id)
    }

    /// Publishes `input` to the topic `target`: stages the outbox entries, commits them
    /// (durable before the answer) and wakes the subscriptions' workers. Returns the
    /// MessageId and, on FIFO topics, the sequence number.
    async fn commit_publish(
        &self,
        target: &str,
        input: &PublishInput,
    ) -> SnsResult<(String, Option<String>)> {
        let topic = self.topic(target)?;
        let mut batch = WriteBatch::new();
        let (message_id, seq, wake) = self.stage_publish(&topic, input, &mut batch)?;
        if !batch.is_empty() {
            self.catalog.storage().commit(batch).await?;
        }
        for id in wake {
            self.engine.wake(&id);
        }
        Ok((message_id, seq))
    }

    async fn publish(&self, p: &Params) -> SnsResult<Output> {
        let target = match (p.get("TopicArn"), p.get("TargetArn"), p.get("PhoneNumber")) {
            (Some(t), _, _) | (None, Some(t), _) => t,
            (None, None, Some(_)) => {
                return Err(SnsError::invalid_param(
                    "PhoneNumber Reason: eddy delivers SMS only to subscriptions; subscribe the number to a topic",
                ));
            }
            (None, None, None) => {
                return Err(SnsError::invalid_param(
                    "TopicArn or TargetArn Reason: no value for required parameter",
                ));
            }
        };
        let input = PublishInput::parse(p)?;
        let (message_id, seq) = self.commit_publish(target, &input).await?;
        let mut w = Writer::new();
        w.elem("MessageId", &message_id);
        if let Some(seq) = seq {
            w.elem("SequenceNumber", &seq);
        }
        out("Publish", w)
    }

    async fn publish_batch(&self, p: &Params) -> SnsResult<Output> {
        let topic_arn = p.required("TopicArn")?;
        let prefix = "PublishBatchRequestEntries";
        let mut entries = Vec::new();
        for n in 1.. {
            if !p.has_member(prefix, n) {
                break;
            }
            entries.push(p.sub(&format!("{prefix}.member.{n}")));
        }
        if entries.is_empty() {
            return Err(SnsError::batch(
                "EmptyBatchRequest",
                "The batch request doesn't contain any entries.",
            ));
        }
        if entries.len() > 10 {
            return Err(SnsError::batch(
                "TooManyEntriesInBatchRequest",
                "The batch request contains more entries than permissible.",
            ));
        }
        let mut ids = std::collections::HashSet::new();
        let mut total = 0usize;
        for e in &entries {
            let id = e.get("Id").unwrap_or_default();
            if id.is_empty()
                || id.len() > 80
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(SnsError::batch(
                    "InvalidBatchEntryId",
                    "The Id of a batch entry in a batch request doesn't abide by the specification.",
                ));
            }
            if !ids.insert(id.to_string()) {
                return Err(SnsError::batch(
                    "BatchEntryIdsNotDistinct",
                    "Two or more batch entries in the request have the same Id.",
                ));
            }
            total += e.get("Message").map_or(0, str::len);
        }
        if total > MAX_MESSAGE_BYTES {
            return Err(SnsError::batch(
                "BatchRequestTooLong",
                "The length of all the messages put together is more than the limit.",
            ));
        }
        let topic = self.topic(topic_arn)?;
        let mut batch = WriteBatch::new();
        let mut ok = Writer::new();
        let mut failed = Writer::new();
        let mut wake = Vec::new();
        ok.open("Successful");
        failed.open("Failed");
        for e in &entries {
            let id = e.get("Id").unwrap_or_default();
            let staged = PublishInput::parse(e)
                .and_then(|input| self.stage_publish(&topic, &input, &mut batch));
            match staged {
                Ok((message_id, seq, w)) => {
                    wake.extend(w);
                    ok.open("member")
                        .elem("Id", id)
                        .elem("MessageId", &message_id);
                    if let Some(seq) = seq {
                        ok.elem("SequenceNumber", &seq);
                    }
                    ok.close("member");
                }
                Err(err) => {
                    failed
                        .open("member")
                        .elem("Id", id)
                        .elem("Code", err.code)
                        .elem("Message", &err.message)
                        .elem("SenderFault", if err.sender { "true" } else { "false" })
                        .close("member");
                }
            }
        }
        ok.close("Successful");
        failed.close("Failed");
        if !batch.is_empty() {
            self.catalog.storage().commit(batch).await?;
        }
        wake.sort();
        wake.dedup();
        for id in wake {
            self.engine.wake(&id);
        }
        Ok(Output {
            action: "PublishBatch",
            result: Some(format!("{}{}", ok.finish(), failed.finish())),
        })
    }

    /// Validates topic-dependent parts, stages one outbox entry per matching confirmed
    /// subscription into `batch`, and returns the message id, FIFO sequence number and
    /// the subscriptions to wake once the batch committed.
    fn stage_publish(
        &self,
        topic: &Topic,
        input: &PublishInput,
        batch: &mut WriteBatch,
    ) -> SnsResult<(String, Option<String>, Vec<String>)> {
        let seq = if topic.is_fifo() {
            if input.group_id.is_none() {
                return Err(SnsError::invalid_param(
                    "The MessageGroupId parameter is required for FIFO topics",
                ));
            }
            let cbd = topic
                .attributes
                .get("ContentBasedDeduplication")
                .is_some_and(|v| v == "true");
            if input.dedup_id.is_none() && !cbd {
                return Err(SnsError::invalid_param(
                    "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                ));
            }
            Some(format!(
                "{:020}",
                self.fifo_seq
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ))
        } else {
            None
        };
        let message_id = uuid::Uuid::new_v4().to_string();
        let timestamp = outbox::timestamp_now();
        let now = outbox::now_ms();
        let filter_attrs = input.filter_attributes();
        let mut wake = Vec::new();
        let mut filtered = 0u64;
        for sub in self.catalog.subscriptions_of(&topic.arn) {
            if !sub.confirmed {
                continue;
            }
            if let Some(policy) = sub.attributes.get("FilterPolicy") {
                let scope =
                    Scope::from_attr(sub.attributes.get("FilterPolicyScope").map(String::as_str));
                let passes = match serde_json::from_str::<Value>(policy) {
                    Ok(p) => filter::matches(&p, scope, &filter_attrs, &input.message),
                    Err(_) => true,
                };
                if !passes {
                    filtered += 1;
                    continue;
                }
            }
            let d = Delivery {
                kind: Kind::Notification,
                message_id: message_id.clone(),
                topic_arn: topic.arn.clone(),
                subscription_arn: sub.arn.clone(),
                protocol: sub.protocol.clone(),
                endpoint: sub.endpoint.clone(),
                message: input.message_for(&sub.protocol),
                subject: input.subject.clone(),
                attributes: input.attributes.clone(),
                timestamp: timestamp.clone(),
                token: None,
                signature_version: topic.signature_version(),
                group_id: input.group_id.clone(),
                attempts: 0,
                enqueued_ms: now,
            };
            self.engine.stage(batch, &sub.id, &d)?;
            self.engine
                .metrics
                .enqueued(&sub.arn, &topic.arn, &sub.protocol, 1);
            wake.push(sub.id.clone());
        }
        self.engine.metrics.published(&topic.arn, filtered);
        Ok((message_id, seq, wake))
    }

    // --- tags ----------------------------------------------------------------------------

    fn tagged_topic(&self, p: &Params) -> SnsResult<Topic> {
        let arn = p.required("ResourceArn")?;
        self.catalog
            .topic(arn)
            .ok_or_else(|| SnsError::resource_not_found("Resource does not exist"))
    }

    async fn tag_resource(&self, p: &Params) -> SnsResult<Output> {
        let tags = parse_tags(p)?;
        let _guard = self.catalog.write.lock().await;
        let mut topic = self.tagged_topic(p)?;
        for (k, v) in tags {
            match topic.tags.iter_mut().find(|(tk, _)| *tk == k) {
                Some(slot) => slot.1 = v,
                None => topic.tags.push((k, v)),
            }
        }
        if topic.tags.len() > 50 {
            return Err(SnsError::tag_limit(
                "Could not complete request: tag quota of per resource exceeded",
            ));
        }
        self.catalog.put_topic(topic).await?;
        out("TagResource", Writer::new())
    }

    async fn untag_resource(&self, p: &Params) -> SnsResult<Output> {
        let keys = p.members("TagKeys");
        let _guard = self.catalog.write.lock().await;
        let mut topic = self.tagged_topic(p)?;
        topic.tags.retain(|(k, _)| !keys.contains(k));
        self.catalog.put_topic(topic).await?;
        out("UntagResource", Writer::new())
    }

    fn list_tags(&self, p: &Params) -> SnsResult<Output> {
        let topic = self.tagged_topic(p)?;
        let mut w = Writer::new();
        w.open("Tags");
        for (k, v) in &topic.tags {
            w.open("member")
                .elem("Key", k)
                .elem("Value", v)
                .close("member");
        }
        w.close("Tags");
        out("ListTagsForResource", w)
    }
}

/// A validated Publish (or PublishBatch entry).
struct PublishInput {
    message: String,
    /// Per-protocol messages when MessageStructure=json.
    structured: Option<Map<String, Value>>,
    subject: Option<String>,
    attributes: BTreeMap<String, Attr>,
    group_id: Option<String>,
    dedup_id: Option<String>,
}

impl PublishInput {
    fn parse(p: &Params) -> SnsResult<Self> {
        let message = p
            .get("Message")
            .ok_or_else(|| SnsError::missing("Message"))?;
        if message.is_empty() {
            return Err(SnsError::invalid_param("Empty message"));
        }
        let subject = p.get("Subject").map(str::to_string);
        if let Some(s) = &subject {
            if s.is_empty() || s.chars().count() >= 100 {
                return Err(SnsError::invalid_param("Subject"));
            }
            if s.chars().any(char::is_control) {
                return Err(SnsError::invalid_param("Subject"));
            }
        }
        let attributes = parse_message_attributes(p)?;
        let size = message.len()
            + attributes
                .iter()
                .map(|(k, a)| k.len() + a.data_type.len() + a.json_value().len())
                .sum::<usize>();
        if size > MAX_MESSAGE_BYTES {
            return Err(SnsError::invalid_param("Message too long"));
        }
        let structured = match p.get("MessageStructure") {
            None => None,
            Some("json") => {
                let v: Value = serde_json::from_str(message).map_err(|_| {
                    SnsError::invalid_param("Message Structure - JSON message body failed to parse")
                })?;
                let Value::Object(obj) = v else {
                    return Err(SnsError::invalid_param(
                        "Message Structure - JSON message body failed to parse",
                    ));
                };
                if !obj.get("default").is_some_and(Value::is_string) {
                    return Err(SnsError::invalid_param(
                        "Message Structure - No default entry in JSON message body",
                    ));
                }
                Some(obj)
            }
            Some(_) => return Err(SnsError::invalid_param("MessageStructure")),
        };
        Ok(Self {
            message: message.to_string(),
            structured,
            subject,
            attributes,
            group_id: p.get("MessageGroupId").map(str::to_string),
            dedup_id: p.get("MessageDeduplicationId").map(str::to_string),
        })
    }

    fn message_for(&self, protocol: &str) -> String {
        match &self.structured {
            None => self.message.clone(),
            Some(obj) => obj
                .get(protocol)
                .and_then(Value::as_str)
                .or_else(|| obj.get("default").and_then(Value::as_str))
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// The attributes as filter policies see them.
    fn filter_attributes(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (k, a) in &self.attributes {
            let Some(s) = &a.string_value else { continue };
            let v = match a.json_type() {
                "Number" => serde_json::from_str::<Value>(s)
                    .ok()
                    .filter(Value::is_number)
                    .unwrap_or_else(|| Value::String(s.clone())),
                "String.Array" => {
                    serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
                }
                _ => Value::String(s.clone()),
            };
            m.insert(k.clone(), v);
        }
        m
    }
}

fn parse_message_attributes(p: &Params) -> SnsResult<BTreeMap<String, Attr>> {
    let mut out = BTreeMap::new();
    for n in 1.. {
        let base = format!("MessageAttributes.entry.{n}");
        let Some(name) = p.get(&format!("{base}.Name")) else {
            break;
        };
        let data_type = p.get(&format!("{base}.Value.DataType")).unwrap_or_default();
        let string_value = p
            .get(&format!("{base}.Value.StringValue"))
            .map(str::to_string);
        let binary_value = p
            .get(&format!("{base}.Value.BinaryValue"))
            .map(str::to_string);
        validate_attribute_name(name)?;
        if data_type.is_empty() {
            return Err(SnsError::invalid_value(format!(
                "The message attribute '{name}' must contain non-empty message attribute type."
            )));
        }
        let prefix = data_type.split('.').next().unwrap_or_default();
        match prefix {
            "String" | "Number" => {
                let Some(v) = string_value.as_deref().filter(|v| !v.is_empty()) else {
                    return Err(SnsError::invalid_value(format!(
                        "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{prefix}'."
                    )));
                };
                if prefix == "Number" && v.trim().parse::<f64>().is_err() {
                    return Err(SnsError::invalid_value(format!(
                        "Could not cast message attribute '{name}' value to number."
                    )));
                }
                if data_type.starts_with("String.Array") {
                    let ok = matches!(serde_json::from_str::<Value>(v), Ok(Value::Array(items)) if items.iter().all(|i| !i.is_array() && !i.is_object()));
                    if !ok {
                        return Err(SnsError::invalid_value(format!(
                            "The message attribute '{name}' with type 'String.Array' must be an array of strings, numbers, booleans or null."
                        )));
                    }
                }
            }
            "Binary" => {
                let ok = binary_value.as_deref().is_some_and(|b| {
                    !b.is_empty() && base64::engine::general_purpose::STANDARD.decode(b).is_ok()
                });
                if !ok {
                    return Err(SnsError::invalid_value(format!(
                        "The message attribute '{name}' must contain non-empty message attribute value for message attribute type 'Binary'."
                    )));
                }
            }
            _ => {
                return Err(SnsError::invalid_value(format!(
                    "The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
                )));
            }
        }
        out.insert(
            name.to_string(),
            Attr {
                data_type: data_type.to_string(),
                string_value: if prefix == "Binary" {
                    None
                } else {
                    string_value
                },
                binary_value: if prefix == "Binary" {
                    binary_value
                } else {
                    None
                },
            },
        );
    }
    if out.len() > 10 {
        return Err(SnsError::invalid_param(format!(
            "MessageAttributes: Number of message attributes [{}] exceeds the allowed maximum [10].",
            out.len()
        )));
    }
    Ok(out)
}

fn validate_attribute_name(name: &str) -> SnsResult<()> {
    let lower = name.to_ascii_lowercase();
    let ok = !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..")
        && !lower.starts_with("aws.")
        && !lower.starts_with("amazon.");
    if ok {
        Ok(())
    } else {
        Err(SnsError::invalid_value(format!(
            "The message attribute name '{name}' is invalid."
        )))
    }
}

fn parse_tags(p: &Params) -> SnsResult<Vec<(String, String)>> {
    let mut tags = Vec::new();
    for n in 1.. {
        let key = p.get(&format!("Tags.member.{n}.Key"));
        let value = p.get(&format!("Tags.member.{n}.Value"));
        let (Some(k), v) = (key, value) else {
            if value.is_some() {
                return Err(SnsError::invalid_param("Tags: a tag needs a Key"));
            }
            break;
        };
        let v = v.unwrap_or_default();
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            return Err(SnsError::invalid_param(
                "Tags: keys are 1 to 128 characters, values up to 256",
            ));
        }
        match tags
            .iter_mut()
            .find(|(tk, _): &&mut (String, String)| tk == k)
        {
            Some(slot) => slot.1 = v.to_string(),
            None => tags.push((k.to_string(), v.to_string())),
        }
    }
    if tags.len() > 50 {
        return Err(SnsError::tag_limit(
            "Could not complete request: tag quota of per resource exceeded",
        ));
    }
    Ok(tags)
}

fn valid_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "sns"
        && !parts[5].is_empty()
        && valid_name_chars(parts[5].strip_suffix(".fifo").unwrap_or(parts[5]))
}

fn valid_name_chars(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn validate_topic_name(name: &str, fifo: bool) -> SnsResult<()> {
    if fifo {
        let ok = name.len() <= 256 && name.strip_suffix(".fifo").is_some_and(valid_name_chars);
        if !ok {
            return Err(SnsError::invalid_param(
                "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.",
            ));
        }
        return Ok(());
    }
    if !valid_name_chars(name) {
        return Err(SnsError::invalid_param("Topic Name"));
    }
    Ok(())
}

fn validate_topic_attribute(name: &str, value: &str, creating: bool) -> SnsResult<()> {
    if !TOPIC_ATTRIBUTES.contains(&name) {
        return Err(SnsError::invalid_param("AttributeName"));
    }
    let bad = |reason: &str| {
        Err(SnsError::invalid_param(format!(
            "Attributes Reason: {reason}"
        )))
    };
    match name {
        "FifoTopic" if !creating => bad("FifoTopic can only be set when the topic is created"),
        "FifoTopic" | "ContentBasedDeduplication"
            if !value.is_empty() && !matches!(value, "true" | "false") =>
        {
            bad(&format!("{name}: Invalid value [{value}]"))
        }
        "SignatureVersion" if !value.is_empty() && !matches!(value, "1" | "2") => {
            bad("SignatureVersion: Invalid value, must be 1 or 2")
        }
        "DeliveryPolicy" if !value.is_empty() => {
            policy::validate(value).or_else(|r| bad(&format!("DeliveryPolicy: {r}")))
        }
        "Policy" | "DataProtectionPolicy" | "ArchivePolicy"
            if !value.is_empty() && serde_json::from_str::<Value>(value).is_err() =>
        {
            bad(&format!("{name}: failed to parse JSON"))
        }
        _ => Ok(()),
    }
}

fn validate_endpoint(protocol: &str, endpoint: &str) -> SnsResult<()> {
    let ok = match protocol {
        "http" => endpoint.starts_with("http://") && endpoint.len() > 7,
        "https" => endpoint.starts_with("https://") && endpoint.len() > 8,
        "email" | "email-json" => endpoint
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty()),
        "sms" | "whatsapp" => is_e164(endpoint),
        "sqs" => is_arn(endpoint, "sqs"),
        "lambda" => is_arn(endpoint, "lambda") && endpoint.contains(":function:"),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let what = match protocol {
        "http" | "https" => "Endpoint must match the specified protocol",
        "email" | "email-json" => "Email address",
        "sms" => "SMS endpoint must be an E.164 phone number",
        "whatsapp" => "WhatsApp endpoint must be an E.164 phone number",
        "sqs" => "SQS endpoint ARN",
        "lambda" => "Lambda endpoint ARN",
        _ => "Endpoint",
    };
    Err(SnsError::invalid_param(what))
}

fn is_e164(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

fn is_arn(s: &str, service: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6 && parts[0] == "arn" && parts[2] == service && !parts[5].is_empty()
}

/// Validates subscription attributes (`changes`) against the protocol; `current` gives
/// the attributes already set (FilterPolicyScope for a FilterPolicy change).
fn validate_subscription_attributes(
    protocol: &str,
    changes: &BTreeMap<String, String>,
    current: &BTreeMap<String, String>,
) -> SnsResult<()> {
    let bad = |reason: String| {
        Err(SnsError::invalid_param(format!(
            "Attributes Reason: {reason}"
        )))
    };
    for (name, value) in changes {
        if !SUBSCRIPTION_ATTRIBUTES.contains(&name.as_str()) {
            return Err(SnsError::invalid_param("AttributeName"));
        }
        match name.as_str() {
            "RawMessageDelivery" => {
                if !value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false") {
                    return bad(format!(
                        "RawMessageDelivery: Invalid value [{value}]. Must be true or false."
                    ));
                }
                if value.eq_ignore_ascii_case("true")
                    && !matches!(protocol, "http" | "https" | "sqs")
                {
                    return bad(format!(
                        "Delivery protocol [{protocol}] does not support raw message delivery."
                    ));
                }
            }
            "FilterPolicyScope"
                if !matches!(value.as_str(), "MessageAttributes" | "MessageBody") =>
            {
                return bad(format!(
                    "FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or MessageAttributes"
                ));
            }
            "FilterPolicy" => {
                let scope_text = changes
                    .get("FilterPolicyScope")
                    .or_else(|| current.get("FilterPolicyScope"))
                    .map(String::as_str);
                if let Err(r) = filter::validate(value, Scope::from_attr(scope_text)) {
                    return Err(SnsError::invalid_param(format!("FilterPolicy: {r}")));
                }
            }
            "DeliveryPolicy" => {
                if let Err(r) = policy::validate(value) {
                    return bad(format!("DeliveryPolicy: {r}"));
                }
            }
            "RedrivePolicy" => {
                let target = serde_json::from_str::<Value>(value)
                    .ok()
                    .and_then(|v| v.get("deadLetterTargetArn")?.as_str().map(str::to_string));
                match target {
                    Some(t) if is_arn(&t, "sqs") => {}
                    Some(_) => {
                        return bad("RedrivePolicy: deadLetterTargetArn is an invalid arn".into());
                    }
                    None => {
                        return bad(
                            "RedrivePolicy: Invalid RedrivePolicy, deadLetterTargetArn is missing"
                                .into(),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    if changes.contains_key("FilterPolicyScope")
        && !changes.contains_key("FilterPolicy")
        && let Some(existing) = current.get("FilterPolicy")
        && let Err(r) = filter::validate(
            existing,
            Scope::from_attr(changes.get("FilterPolicyScope").map(String::as_str)),
        )
    {
        return Err(SnsError::invalid_param(format!("FilterPolicy: {r}")));
    }
    Ok(())
}

fn random_token() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    let c = uuid::Uuid::new_v4().simple().to_string();
    format!("2336412f37fb687f5d51e6e2425{a}{b}{c}")
}

fn default_topic_delivery_policy() -> String {
    serde_json::json!({
        "http": {
            "defaultHealthyRetryPolicy": {
                "minDelayTarget": 20,
                "maxDelayTarget": 20,
                "numRetries": 3,
                "numMaxDelayRetries": 0,
                "numNoDelayRetries": 0,
                "numMinDelayRetries": 0,
                "backoffFunction": "linear"
            },
            "disableSubscriptionOverrides": false,
            "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_and_name_rules() {
        assert!(validate_endpoint("http", "http://x/y").is_ok());
        assert!(validate_endpoint("http", "https://x/y").is_err());
        assert!(validate_endpoint("whatsapp", "+14155550100").is_ok());
        assert!(validate_endpoint("sms", "call me").is_err());
        assert!(validate_endpoint("sqs", "arn:aws:sqs:us-east-1:000000000000:q").is_ok());
        assert!(
            validate_endpoint("lambda", "arn:aws:lambda:us-east-1:000000000000:function:f").is_ok()
        );
        assert!(validate_topic_name("orders_1-a", false).is_ok());
        assert!(validate_topic_name("bad.name", false).is_err());
        assert!(validate_topic_name("q.fifo", true).is_ok());
        assert!(validate_topic_name("q", true).is_err());
        assert!(valid_topic_arn("arn:aws:sns:us-east-1:000000000000:t"));
        assert!(!valid_topic_arn("arn:aws:sns:us-east-1:000000000000"));
        assert!(validate_attribute_name("AWS.x").is_err());
        assert!(validate_attribute_name("a..b").is_err());
        assert!(validate_attribute_name("store-id_1.x").is_ok());
    }
}
