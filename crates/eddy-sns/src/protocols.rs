//! Sending one delivery over its protocol. Each call is one attempt; the engine
//! (`deliver.rs`) owns retries, redrive and the outbox.

use crate::config::SnsConfig;
use crate::envelope::{self, Urls};
use crate::model::Subscription;
use crate::outbox::{Delivery, Kind};
use crate::policy;
use crate::sign::SignerCell;
use crate::{FunctionInvoker, QueueSender};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::Arc;

/// Everything the protocols need.
pub struct Protocols {
    http: reqwest::Client,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    config: SnsConfig,
    pub(crate) urls: Urls,
    pub(crate) signer: Arc<SignerCell>,
    pub(crate) queues: Option<Arc<dyn QueueSender>>,
    functions: Option<Arc<dyn FunctionInvoker>>,
}

impl Protocols {
    /// Builds the HTTP client and the SMTP transport.
    pub fn new(
        config: SnsConfig,
        signer: Arc<SignerCell>,
        queues: Option<Arc<dyn QueueSender>>,
        functions: Option<Arc<dyn FunctionInvoker>>,
    ) -> Result<Self, String> {
        // reqwest and lettre are built without a bundled provider: use aws-lc-rs (the
        // call fails harmlessly when another part of the process installed one first).
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(config.attempt_timeout)
            .connect_timeout(config.attempt_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Amazon Simple Notification Service Agent")
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let smtp = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("invalid --smtp-url: {e}"))?
                    .timeout(Some(config.attempt_timeout))
                    .build(),
            ),
            None => None,
        };
        let from: Mailbox = config
            .smtp_from
            .parse()
            .map_err(|e| format!("invalid --smtp-from '{}': {e}", config.smtp_from))?;
        let urls = Urls {
            base: config.endpoint_url.trim_end_matches('/').to_string(),
        };
        Ok(Self {
            http,
            smtp,
            from,
            config,
            urls,
            signer,
            queues,
            functions,
        })
    }

    /// One attempt. `sub` is the subscription as it is now (None once unsubscribed).
    pub async fn send(&self, d: &Delivery, sub: Option<&Subscription>) -> Result<(), String> {
        match d.protocol.as_str() {
            "http" | "https" => self.http(d, sub).await,
            "email" | "email-json" => self.email(d).await,
            "sms" => self.sms(d).await,
            "whatsapp" => self.whatsapp(d).await,
            "sqs" => {
                let raw = sub.is_some_and(Subscription::raw);
                self.sqs(&d.endpoint, d, raw).await
            }
            "lambda" => self.lambda(d).await,
            other => Err(format!("protocol {other} is not supported")),
        }
    }

    async fn http(&self, d: &Delivery, sub: Option<&Subscription>) -> Result<(), String> {
        let raw = d.kind == Kind::Notification && sub.is_some_and(Subscription::raw);
        let body = if raw {
            d.message.clone()
        } else {
            envelope::json_body(d, &self.urls, &*self.signer.get().await?)
        };
        let content_type = policy::header_content_type(
            sub.and_then(|s| s.attributes.get("DeliveryPolicy"))
                .map(String::as_str),
        )
        .unwrap_or_else(|| "text/plain; charset=UTF-8".into());
        let mut req = self
            .http
            .post(&d.endpoint)
            .header("x-amz-sns-message-type", d.kind.as_str())
            .header("x-amz-sns-message-id", &d.message_id)
            .header("x-amz-sns-topic-arn", &d.topic_arn)
            .header("content-type", content_type);
        if d.kind != Kind::SubscriptionConfirmation {
            req = req.header("x-amz-sns-subscription-arn", &d.subscription_arn);
        }
        if raw {
            req = req.header("x-amz-sns-rawdelivery", "true");
        }
        let resp = req.body(body).send().await.map_err(|e| error_chain(&e))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    }

    async fn email(&self, d: &Delivery) -> Result<(), String> {
        let Some(smtp) = &self.smtp else {
            return Err("e-mail delivery needs --smtp-url".into());
        };
        let (subject, body) = match d.kind {
            Kind::SubscriptionConfirmation => (
                "AWS Notification - Subscription Confirmation".to_string(),
                format!(
                    "You have chosen to subscribe to the topic: \n{}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\nConfirm subscription\n{}\n",
                    d.topic_arn,
                    self.urls
                        .subscribe(&d.topic_arn, d.token.as_deref().unwrap_or_default())
                ),
            ),
            Kind::UnsubscribeConfirmation => return Ok(()),
            Kind::Notification if d.protocol == "email-json" => (
                d.subject
                    .clone()
                    .unwrap_or_else(|| "AWS Notification Message".into()),
                envelope::json_body(d, &self.urls, &*self.signer.get().await?),
            ),
            Kind::Notification => (
                d.subject
                    .clone()
                    .unwrap_or_else(|| "AWS Notification Message".into()),
                format!(
                    "{}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n{}\n",
                    d.message,
                    self.urls.unsubscribe(&d.subscription_arn)
                ),
            ),
        };
        let to: Mailbox = d
            .endpoint
            .parse()
            .map_err(|e| format!("invalid e-mail address {}: {e}", d.endpoint))?;
        let content_type = if d.protocol == "email-json" && d.kind == Kind::Notification {
            ContentType::parse("application/json; charset=UTF-8").unwrap_or(ContentType::TEXT_PLAIN)
        } else {
            ContentType::TEXT_PLAIN
        };
        let msg = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@sns.eddy>", d.message_id)))
            .header(content_type)
            .body(body)
            .map_err(|e| format!("cannot build the e-mail: {e}"))?;
        smtp.send(msg)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }

    async fn sms(&self, d: &Delivery) -> Result<(), String> {
        let Some(url) = &self.config.sms_gateway_url else {
            return Err("sms delivery needs --sms-gateway-url".into());
        };
        let body = serde_json::json!({ "to": d.endpoint, "message": d.message }).to_string();
        self.post_json(self.http.post(url), body).await
    }

    async fn whatsapp(&self, d: &Delivery) -> Result<(), String> {
        let w = &self.config.whatsapp;
        let (Some(token), Some(phone_id)) = (&w.token, &w.phone_number_id) else {
            return Err(
                "whatsapp delivery needs --whatsapp-token and --whatsapp-phone-number-id".into(),
            );
        };
        let url = format!(
            "{}/{}/{}/messages",
            w.api_url.trim_end_matches('/'),
            w.api_version,
            phone_id
        );
        let to = d.endpoint.trim_start_matches('+');
        let body = serde_json::json!({
            "messaging_product": "whatsapp",
            "to": to,
            "type": "text",
            "text": { "body": d.message },
        })
        .to_string();
        self.post_json(self.http.post(url).bearer_auth(token), body)
            .await
    }

    async fn post_json(&self, req: reqwest::RequestBuilder, body: String) -> Result<(), String> {
        let resp = req
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            let text = resp.text().await.unwrap_or_default();
            Err(format!("HTTP {status}: {}", truncate(&text, 300)))
        }
    }

    /// Sends to an SQS queue: the JSON envelope, or the bare message with its
    /// attributes when `raw`.
    pub async fn sqs(&self, queue_arn: &str, d: &Delivery, raw: bool) -> Result<(), String> {
        let Some(queues) = &self.queues else {
            return Err("no queue service in this server".into());
        };
        if !queues.queue_exists(queue_arn) {
            return Err(format!("queue {queue_arn} does not exist"));
        }
        let (body, attrs) = if raw {
            let attrs = d
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (d.message.clone(), attrs)
        } else {
            (
                envelope::json_body(d, &self.urls, &*self.signer.get().await?),
                Vec::new(),
            )
        };
        queues
            .send(queue_arn, body, attrs, d.group_id.clone())
            .await
    }

    async fn lambda(&self, d: &Delivery) -> Result<(), String> {
        let Some(functions) = &self.functions else {
            return Err("no function service in this server".into());
        };
        let event = envelope::lambda_event(d, &self.urls, &*self.signer.get().await?);
        functions.invoke(&d.endpoint, event).await
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
