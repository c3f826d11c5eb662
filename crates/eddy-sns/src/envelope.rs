//! What each protocol receives: the JSON envelope (HTTP bodies, SQS bodies, email-json),
//! the Lambda event, and the URLs inside them. Field names and order follow AWS
//! (spec §4.3); the Lambda event spells `SigningCertUrl` / `UnsubscribeUrl`.

use crate::outbox::{Delivery, Kind};
use crate::query::encode;
use crate::sign::{Signer, string_to_sign};
use serde_json::Value;

/// eddy's own URLs, as subscribers see them.
#[derive(Debug, Clone)]
pub struct Urls {
    /// Base URL, no trailing slash (`http://127.0.0.1:8000`).
    pub base: String,
}

impl Urls {
    /// The URL that confirms a subscription when fetched.
    pub fn subscribe(&self, topic_arn: &str, token: &str) -> String {
        format!(
            "{}/?Action=ConfirmSubscription&TopicArn={}&Token={}",
            self.base,
            encode(topic_arn),
            encode(token)
        )
    }

    /// The URL that unsubscribes when fetched.
    pub fn unsubscribe(&self, subscription_arn: &str) -> String {
        format!(
            "{}/?Action=Unsubscribe&SubscriptionArn={}",
            self.base,
            encode(subscription_arn)
        )
    }

    /// Where the signing certificate is served.
    pub fn cert(&self, signer: &Signer) -> String {
        format!("{}{}", self.base, signer.cert_path())
    }
}

/// An ordered JSON object writer (serde_json's map would sort the keys).
struct Obj(String);

impl Obj {
    fn new() -> Self {
        Self(String::from("{"))
    }
    fn raw(&mut self, k: &str, json: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        self.0.push_str(&Value::from(k).to_string());
        self.0.push(':');
        self.0.push_str(json);
    }
    fn str(&mut self, k: &str, v: &str) {
        self.raw(k, &Value::from(v).to_string());
    }
    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

fn attributes_json(d: &Delivery) -> String {
    let mut o = Obj::new();
    for (name, a) in &d.attributes {
        let mut inner = Obj::new();
        inner.str("Type", a.json_type());
        inner.str("Value", a.json_value());
        o.raw(name, &inner.finish());
    }
    o.finish()
}

/// The signature of a delivery (over AWS's string to sign).
pub fn signature(d: &Delivery, urls: &Urls, signer: &Signer) -> String {
    let text = match d.kind {
        Kind::Notification => string_to_sign(&[
            ("Message", Some(&d.message)),
            ("MessageId", Some(&d.message_id)),
            ("Subject", d.subject.as_deref()),
            ("Timestamp", Some(&d.timestamp)),
            ("TopicArn", Some(&d.topic_arn)),
            ("Type", Some(d.kind.as_str())),
        ]),
        Kind::SubscriptionConfirmation | Kind::UnsubscribeConfirmation => {
            let token = d.token.clone().unwrap_or_default();
            let url = urls.subscribe(&d.topic_arn, &token);
            string_to_sign(&[
                ("Message", Some(&d.message)),
                ("MessageId", Some(&d.message_id)),
                ("SubscribeURL", Some(&url)),
                ("Timestamp", Some(&d.timestamp)),
                ("Token", Some(&token)),
                ("TopicArn", Some(&d.topic_arn)),
                ("Type", Some(d.kind.as_str())),
            ])
        }
    };
    signer.sign(d.signature_version, text.as_bytes())
}

/// The JSON body of an HTTP/HTTPS delivery, an SQS message (not raw) or an email-json
/// e-mail.
pub fn json_body(d: &Delivery, urls: &Urls, signer: &Signer) -> String {
    let mut o = Obj::new();
    o.str("Type", d.kind.as_str());
    o.str("MessageId", &d.message_id);
    match d.kind {
        Kind::Notification => {
            o.str("TopicArn", &d.topic_arn);
            if let Some(s) = &d.subject {
                o.str("Subject", s);
            }
            o.str("Message", &d.message);
            o.str("Timestamp", &d.timestamp);
            o.str("SignatureVersion", &d.signature_version.to_string());
            o.str("Signature", &signature(d, urls, signer));
            o.str("SigningCertURL", &urls.cert(signer));
            o.str("UnsubscribeURL", &urls.unsubscribe(&d.subscription_arn));
            if !d.attributes.is_empty() {
                o.raw("MessageAttributes", &attributes_json(d));
            }
        }
        Kind::SubscriptionConfirmation | Kind::UnsubscribeConfirmation => {
            let token = d.token.clone().unwrap_or_default();
            o.str("Token", &token);
            o.str("TopicArn", &d.topic_arn);
            o.str("Message", &d.message);
            o.str("SubscribeURL", &urls.subscribe(&d.topic_arn, &token));
            o.str("Timestamp", &d.timestamp);
            o.str("SignatureVersion", &d.signature_version.to_string());
            o.str("Signature", &signature(d, urls, signer));
            o.str("SigningCertURL", &urls.cert(signer));
        }
    }
    o.finish()
}

/// The event a `lambda` subscription's function receives.
pub fn lambda_event(d: &Delivery, urls: &Urls, signer: &Signer) -> Vec<u8> {
    let mut sns = Obj::new();
    sns.str("Type", d.kind.as_str());
    sns.str("MessageId", &d.message_id);
    sns.str("TopicArn", &d.topic_arn);
    match &d.subject {
        Some(s) => sns.str("Subject", s),
        None => sns.raw("Subject", "null"),
    }
    sns.str("Message", &d.message);
    sns.str("Timestamp", &d.timestamp);
    sns.str("SignatureVersion", &d.signature_version.to_string());
    sns.str("Signature", &signature(d, urls, signer));
    sns.str("SigningCertUrl", &urls.cert(signer));
    sns.str("UnsubscribeUrl", &urls.unsubscribe(&d.subscription_arn));
    sns.raw("MessageAttributes", &attributes_json(d));
    let mut rec = Obj::new();
    rec.str("EventSource", "aws:sns");
    rec.str("EventVersion", "1.0");
    rec.str("EventSubscriptionArn", &d.subscription_arn);
    rec.raw("Sns", &sns.finish());
    format!("{{\"Records\":[{}]}}", rec.finish()).into_bytes()
}

/// The text of a SubscriptionConfirmation.
pub fn confirmation_message(topic_arn: &str) -> String {
    format!(
        "You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message."
    )
}

/// The text of an UnsubscribeConfirmation.
pub fn unsubscribe_message(subscription_arn: &str) -> String {
    format!(
        "You have chosen to deactivate subscription {subscription_arn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
    )
}
