//! Webhook deliveries: each event a subscription wants ([`motcua_store::webhooks`]) POSTed to
//! its address with a signature the receiver checks, so that another system (the provincial
//! data-exchange platform, a ministry's system) follows dossiers and payments without polling.
//!
//! The signature (header `X-Motcua-Signature: t=<unix seconds>,v1=<hex>`) is the HMAC-SHA256,
//! under the subscription's secret, of the timestamp, a dot and the body as sent: a receiver
//! recomputes it, compares in constant time and refuses timestamps far from its clock, so a
//! captured delivery cannot be replayed later. `X-Motcua-Event` names the event type and
//! `X-Motcua-Delivery` its id, the same on every retry.

use chrono::Utc;
use futures::future::BoxFuture;
use hmac::{Hmac, Mac};
use motcua_store::webhooks::{self, Delivery};
use motcua_store::Database;
use sha2::Sha256;

/// The headers of a delivery: name and value.
pub type Headers = Vec<(&'static str, String)>;

/// Where deliveries go: one call is one POST of `body` with `headers` to `url`; any error means
/// "send it again later".
pub trait WebhookPoster: Send + Sync {
    /// Posts; `Err` with what went wrong unless the receiver answered 2xx.
    fn post<'a>(&'a self, url: &'a str, headers: Headers, body: &'a str) -> BoxFuture<'a, Result<(), String>>;
}

/// The value of `X-Motcua-Signature` for `body` sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={timestamp},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// The headers of a delivery sent now.
pub fn headers(d: &Delivery, timestamp: i64) -> Headers {
    vec![
        ("x-motcua-signature", signature(&d.secret, timestamp, &d.body)),
        ("x-motcua-event", d.event_type.clone()),
        ("x-motcua-delivery", d.event_id.clone()),
    ]
}

/// Claims one due delivery for `lease` and sends it, recording the outcome: its event id, or `None` when
/// nothing is due.
pub async fn send_one(
    db: &Database,
    poster: &dyn WebhookPoster,
    lease: std::time::Duration,
) -> Result<Option<String>, motcua_store::StoreError> {
    let Some(d) = webhooks::claim(db, Utc::now(), lease).await? else {
        return Ok(None);
    };
    db.outbox_filled().notify_one();
    let sent =
        tokio::time::timeout(lease.mul_f64(0.8), poster.post(&d.url, headers(&d, Utc::now().timestamp()), &d.body))
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {} s", lease.mul_f64(0.8).as_secs())));
    match sent {
        Ok(()) => webhooks::mark_sent(db, &d, Utc::now()).await?,
        Err(e) => {
            let at = webhooks::mark_failed(db, &d, &e, Utc::now()).await?;
            tracing::warn!(delivery = %d.event_id, url = %d.url, error = %e, retry_at = %at,
                "a webhook delivery failed; it will be sent again");
        }
    }
    Ok(Some(d.event_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_the_timestamp_and_the_body() {
        let a = signature("bí mật", 1_764_000_000, r#"{"id":"x"}"#);
        assert!(a.starts_with("t=1764000000,v1=") && a.len() == "t=1764000000,v1=".len() + 64, "{a}");
        assert_ne!(a, signature("bí mật", 1_764_000_001, r#"{"id":"x"}"#));
        assert_ne!(a, signature("bí mật", 1_764_000_000, r#"{"id":"y"}"#));
        assert_ne!(a, signature("khác", 1_764_000_000, r#"{"id":"x"}"#));
    }
}
