//! Notifications in the binary: the `eddy serve` flags for SNS delivery, and the
//! [`QueueSender`] / [`FunctionInvoker`] that let `eddy-sns` deliver to this server's
//! queues and functions (the SNS crate depends on neither).

use eddy_server::eddy_lambda::Functions;
use eddy_server::eddy_sns::{Attr, FunctionInvoker, QueueSender, Sns, SnsConfig, WhatsAppConfig};
use eddy_server::eddy_sqs::{MessageAttribute, Queues};
use eddy_storage::Storage;
use futures::future::BoxFuture;
use std::sync::Arc;

/// `eddy serve` flags for notification delivery.
#[derive(Debug, Clone, clap::Args)]
pub struct SnsArgs {
    /// eddy's URL as notification subscribers reach it, used in SubscribeURL,
    /// UnsubscribeURL and SigningCertURL (default: http://<listen address>).
    #[arg(long, env = "EDDY_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// SMTP server for email/email-json subscriptions: smtp://host:port (plain),
    /// smtp://user:pass@host:port?tls=required (STARTTLS) or smtps://host:port (TLS).
    #[arg(long, env = "EDDY_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// From: address of notification e-mails.
    #[arg(
        long,
        env = "EDDY_SMTP_FROM",
        default_value = "Eddy Notifications <no-reply@eddy.localhost>"
    )]
    pub smtp_from: String,

    /// WhatsApp Cloud API base URL (whatsapp subscriptions).
    #[arg(
        long,
        env = "EDDY_WHATSAPP_API_URL",
        default_value = "https://graph.facebook.com"
    )]
    pub whatsapp_api_url: String,

    /// WhatsApp Cloud API access token (sent as a Bearer token).
    #[arg(long, env = "EDDY_WHATSAPP_TOKEN", hide_env_values = true)]
    pub whatsapp_token: Option<String>,

    /// The WhatsApp Business phone number id messages are sent from.
    #[arg(long, env = "EDDY_WHATSAPP_PHONE_NUMBER_ID")]
    pub whatsapp_phone_number_id: Option<String>,

    /// WhatsApp Cloud API version path segment.
    #[arg(long, env = "EDDY_WHATSAPP_API_VERSION", default_value = "v21.0")]
    pub whatsapp_api_version: String,

    /// HTTP SMS gateway for sms subscriptions: eddy POSTs {"to": "+1...", "message": "..."}.
    #[arg(long, env = "EDDY_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,
}

/// Opens the notification service over `storage`.
pub async fn open(
    args: &SnsArgs,
    region: &str,
    account_id: &str,
    endpoint_url: String,
    storage: Arc<dyn Storage>,
    queues: Arc<Queues>,
    functions: Arc<Functions>,
) -> Result<Arc<Sns>, String> {
    let config = SnsConfig {
        region: region.to_string(),
        account_id: account_id.to_string(),
        endpoint_url: args.public_url.clone().unwrap_or(endpoint_url),
        smtp_url: args.smtp_url.clone(),
        smtp_from: args.smtp_from.clone(),
        whatsapp: WhatsAppConfig {
            api_url: args.whatsapp_api_url.clone(),
            api_version: args.whatsapp_api_version.clone(),
            token: args.whatsapp_token.clone(),
            phone_number_id: args.whatsapp_phone_number_id.clone(),
        },
        sms_gateway_url: args.sms_gateway_url.clone(),
        ..SnsConfig::default()
    };
    Sns::open(
        storage,
        config,
        Some(Arc::new(QueuesSender(queues))),
        Some(Arc::new(FunctionsTarget(functions))),
    )
    .await
    .map_err(|e| format!("cannot open the notification service: {e}"))
}

/// [`QueueSender`] over the queue service.
pub struct QueuesSender(pub Arc<Queues>);

impl QueueSender for QueuesSender {
    fn queue_exists(&self, queue_arn: &str) -> bool {
        self.0.queue_exists(queue_arn)
    }

    fn send(
        &self,
        queue_arn: &str,
        body: String,
        attributes: Vec<(String, Attr)>,
        _group_id: Option<String>,
    ) -> BoxFuture<'static, Result<(), String>> {
        let (queues, arn) = (self.0.clone(), queue_arn.to_string());
        let attributes = attributes
            .into_iter()
            .map(|(name, a)| {
                let binary_value = a.binary_bytes();
                let attr = MessageAttribute {
                    data_type: a.data_type,
                    string_value: a.string_value,
                    binary_value,
                };
                (name, attr)
            })
            .collect();
        Box::pin(async move {
            queues
                .send_message(&arn, body, attributes)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }
}

/// [`FunctionInvoker`] over the function service: a synchronous invocation; a function
/// error counts as a failed delivery (retried, then redriven).
pub struct FunctionsTarget(pub Arc<Functions>);

impl FunctionInvoker for FunctionsTarget {
    fn invoke(
        &self,
        function_arn: &str,
        payload: Vec<u8>,
    ) -> BoxFuture<'static, Result<(), String>> {
        let (functions, name) = (self.0.clone(), function_arn.to_string());
        Box::pin(async move {
            let Some(arn) = functions.function_arn(&name) else {
                return Err(format!("function {name} does not exist"));
            };
            match functions.invoke(&arn, payload).await {
                Ok(out) => match out.function_error {
                    None => Ok(()),
                    Some(kind) => Err(format!(
                        "function error ({kind}): {}",
                        String::from_utf8_lossy(&out.payload)
                    )),
                },
                Err(e) => Err(e.to_string()),
            }
        })
    }
}
