//! Settings of the notification service (from `eddy serve` flags).

use std::time::Duration;

/// WhatsApp Cloud API settings (`--whatsapp-*`).
#[derive(Debug, Clone)]
pub struct WhatsAppConfig {
    /// Base URL of the Graph API (`https://graph.facebook.com`).
    pub api_url: String,
    /// API version path segment (`v21.0`).
    pub api_version: String,
    /// Bearer token.
    pub token: Option<String>,
    /// The sending phone number's id.
    pub phone_number_id: Option<String>,
}

impl Default for WhatsAppConfig {
    fn default() -> Self {
        Self {
            api_url: "https://graph.facebook.com".into(),
            api_version: "v21.0".into(),
            token: None,
            phone_number_id: None,
        }
    }
}

/// Settings of [`crate::Sns`].
#[derive(Debug, Clone)]
pub struct SnsConfig {
    /// Region in ARNs.
    pub region: String,
    /// Account id in ARNs and `Owner`.
    pub account_id: String,
    /// eddy's URL as subscribers reach it (SubscribeURL, UnsubscribeURL, SigningCertURL).
    pub endpoint_url: String,
    /// `smtp://host:port`, `smtp://user:pass@host:port?tls=required` (STARTTLS) or
    /// `smtps://host:port` (implicit TLS). None: e-mail deliveries fail and are retried.
    pub smtp_url: Option<String>,
    /// The From: of notification e-mails.
    pub smtp_from: String,
    /// WhatsApp Cloud API.
    pub whatsapp: WhatsAppConfig,
    /// HTTP SMS gateway: POST `{"to": "+1...", "message": "..."}`.
    pub sms_gateway_url: Option<String>,
    /// Limit of one delivery attempt (HTTP request, SMTP session).
    pub attempt_timeout: Duration,
    /// Concurrent deliveries per subscription.
    pub max_in_flight_per_subscription: usize,
}

impl Default for SnsConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            endpoint_url: "http://127.0.0.1:8000".into(),
            smtp_url: None,
            smtp_from: "Eddy Notifications <no-reply@eddy.localhost>".into(),
            whatsapp: WhatsAppConfig::default(),
            sms_gateway_url: None,
            attempt_timeout: Duration::from_secs(15),
            max_in_flight_per_subscription: 10,
        }
    }
}
