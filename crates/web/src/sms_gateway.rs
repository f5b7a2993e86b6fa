//! An adapter for the brandname-SMS gateways common in Vietnam (eSMS.vn's
//! `SendMultipleMessage_V4_post_json` and gateways of the same shape), behind the application's
//! [`SmsProvider`] interface.
//!
//! A provider answers whether a failed message is worth sending again: the job around it is
//! then retried with backoff, or given up at once.

use std::time::Duration;

use futures::future::BoxFuture;
use motcua_app::jobs::sms::{SmsError, SmsProvider};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The account at a brandname gateway, from the server's options and environment.
#[derive(Clone)]
pub struct GatewayConfig {
    /// The sending endpoint, e.g.
    /// `https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/`.
    pub url: String,
    /// The account's API key.
    pub api_key: String,
    /// The account's secret key.
    pub secret_key: String,
    /// The registered sender name shown to the recipient.
    pub brandname: String,
    /// The gateway's message type: `2` for customer-care messages sent under a brandname.
    pub sms_type: String,
    /// Send with Vietnamese tone marks (Unicode messages: 70 characters a part instead of 160,
    /// and dearer); otherwise the marks are taken off.
    pub unicode: bool,
    /// The gateway's test mode: requests are checked, nothing is sent or charged.
    pub sandbox: bool,
    /// How long to wait for the gateway's answer.
    pub timeout: Duration,
}

impl std::fmt::Debug for GatewayConfig {
    // Keys stay out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("url", &self.url)
            .field("brandname", &self.brandname)
            .field("sms_type", &self.sms_type)
            .field("unicode", &self.unicode)
            .field("sandbox", &self.sandbox)
            .finish_non_exhaustive()
    }
}

/// A brandname-SMS gateway reached over HTTPS with a JSON POST.
///
/// The gateway answers `CodeResult` `"100"` when it accepts a message. How other answers are
/// taken:
/// - `"124"`: the `RequestId` was already used: the gateway has the message (a job run again
///   after a lost answer), so it counts as sent;
/// - no answer, a timeout, HTTP 408, 429 or 5xx, an unreadable body, `"99"` (the gateway's
///   unknown error), and the account's problems `"101"` (keys), `"102"` (account locked),
///   `"103"` (credit exhausted), `"104"` (brandname): retried with backoff, so that messages
///   still go once an administrator has mended the account;
/// - any other HTTP status or code refuses this message itself (number, content, template):
///   given up at once.
pub struct BrandnameGateway {
    config: GatewayConfig,
    http: reqwest::Client,
}

/// The request body, field names as the gateway spells them.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendRequest<'a> {
    api_key: &'a str,
    secret_key: &'a str,
    brandname: &'a str,
    phone: &'a str,
    content: &'a str,
    sms_type: &'a str,
    is_unicode: &'static str,
    sandbox: &'static str,
    request_id: &'a str,
}

/// The answer; codes come as strings, some gateways of the kind send numbers.
#[derive(Deserialize)]
struct SendAnswer {
    #[serde(rename = "CodeResult")]
    code: serde_json::Value,
    #[serde(rename = "ErrorMessage", default)]
    error: Option<String>,
    #[serde(rename = "SMSID", default)]
    sms_id: Option<String>,
}

/// Codes of the account rather than of the message: worth retrying (see [`BrandnameGateway`]).
const RETRY_CODES: &[&str] = &["99", "101", "102", "103", "104"];

impl BrandnameGateway {
    /// A gateway client; refuses an incomplete account at start-up rather than at each message.
    pub fn new(config: GatewayConfig) -> Result<BrandnameGateway, SmsError> {
        let url = reqwest::Url::parse(config.url.trim())
            .map_err(|e| SmsError::permanent(format!("SMS gateway URL {:?}: {e}", config.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SmsError::permanent(format!("SMS gateway URL {:?}: not http(s)", config.url)));
        }
        for (name, value) in
            [("API key", &config.api_key), ("secret key", &config.secret_key), ("brandname", &config.brandname)]
        {
            if value.trim().is_empty() {
                return Err(SmsError::permanent(format!("the SMS gateway needs its {name}")));
            }
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| SmsError::permanent(format!("HTTP client: {e}")))?;
        Ok(BrandnameGateway { config, http })
    }

    async fn send_one(&self, phone: &str, text: &str, id: &str) -> Result<(), SmsError> {
        let content = if self.config.unicode { text.to_string() } else { motcua_domain::text::without_marks(text) };
        let request_id = request_id(id);
        let body = SendRequest {
            api_key: &self.config.api_key,
            secret_key: &self.config.secret_key,
            brandname: &self.config.brandname,
            phone,
            content: &content,
            sms_type: &self.config.sms_type,
            is_unicode: if self.config.unicode { "1" } else { "0" },
            sandbox: if self.config.sandbox { "1" } else { "0" },
            request_id: &request_id,
        };
        let answer = self
            .http
            .post(self.config.url.trim())
            .json(&body)
            .send()
            .await
            // Without the URL: some gateways take the keys in the query string.
            .map_err(|e| SmsError::retry(format!("the SMS gateway is unavailable: {}", e.without_url())))?;
        let status = answer.status();
        if !status.is_success() {
            let message = format!("the SMS gateway answered HTTP {status}");
            return Err(if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
                SmsError::retry(message)
            } else {
                SmsError::permanent(message)
            });
        }
        let bytes = answer
            .bytes()
            .await
            .map_err(|e| SmsError::retry(format!("the SMS gateway's answer was cut: {}", e.without_url())))?;
        let answer: SendAnswer = serde_json::from_slice(&bytes)
            .map_err(|e| SmsError::retry(format!("the SMS gateway's answer is not understood: {e}")))?;
        let code = match &answer.code {
            serde_json::Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        };
        let detail = answer.error.as_deref().filter(|e| !e.is_empty()).unwrap_or("no detail");
        match code.as_str() {
            "100" => {
                tracing::info!(id, sms_id = answer.sms_id.as_deref().unwrap_or(""), "SMS accepted by the gateway");
                Ok(())
            }
            "124" => {
                tracing::info!(id, "SMS already accepted by the gateway (same request id)");
                Ok(())
            }
            c if RETRY_CODES.contains(&c) => {
                Err(SmsError::retry(format!("the SMS gateway refused for now (code {c}): {detail}")))
            }
            c => Err(SmsError::permanent(format!("the SMS gateway refused the message (code {c}): {detail}"))),
        }
    }
}

impl SmsProvider for BrandnameGateway {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str, id: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(self.send_one(phone, text, id))
    }
}

/// The gateway's deduplication key: the message id, or its digest when longer than the 50
/// characters gateways of this kind keep.
fn request_id(id: &str) -> String {
    if id.len() <= 50 {
        id.to_string()
    } else {
        hex::encode(Sha256::digest(id.as_bytes()))[..50].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_fit_the_gateway() {
        assert_eq!(request_id("000.00.52.H38-261127-0001-3"), "000.00.52.H38-261127-0001-3");
        let long = request_id(&"x".repeat(80));
        assert_eq!(long.len(), 50);
        assert_ne!(long, request_id(&"y".repeat(80)));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let config = GatewayConfig {
            url: "https://sms.example.vn/send".into(),
            api_key: "KEY-123".into(),
            secret_key: "SECRET-456".into(),
            brandname: "MOTCUA".into(),
            sms_type: "2".into(),
            unicode: false,
            sandbox: false,
            timeout: Duration::from_secs(5),
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("KEY-123") && !shown.contains("SECRET-456"), "{shown}");
        assert!(BrandnameGateway::new(GatewayConfig { secret_key: " ".into(), ..config.clone() }).is_err());
        assert!(BrandnameGateway::new(GatewayConfig { url: "ftp://x".into(), ..config.clone() }).is_err());
        assert!(BrandnameGateway::new(config).is_ok());
    }
}
