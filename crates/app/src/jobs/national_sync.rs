//! Status messages to the National Public Service Portal: the head of each dossier's line in the
//! outbox ([`motcua_store::national_outbox`]) posted to the portal, as shared/API.md "National
//! portal link" describes the message. The outbound senders (`jobs::outbound`) call
//! [`send_one`]; the HTTP client is the web crate's `national_portal`.
//!
//! A message is done only when the portal answers 2xx; anything else is retried with backoff,
//! for ever, because a status the portal never hears of distorts the national indicators.

use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use motcua_store::national_outbox::{self, OutboxMessage};
use motcua_store::Database;
use serde_json::{json, Value};

use crate::i18n::Lang;

/// Where the messages go. One call is one message; any error means "send it again later".
pub trait StatusReceiver: Send + Sync {
    /// Posts `message`; `Err` with what went wrong (for the administrators' page) unless the
    /// receiver answered 2xx.
    fn deliver<'a>(&'a self, message: &'a Value) -> BoxFuture<'a, Result<(), String>>;
}

/// Times in the messages: RFC 3339 in Vietnam time, as the portal shows them.
fn rfc3339(t: DateTime<Utc>) -> String {
    t.with_timezone(&motcua_domain::calendar::vn_offset()).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The message as the portal takes it. `public_url` makes the result files' addresses.
pub fn message_json(m: &OutboxMessage, public_url: &str) -> Value {
    let action = Lang::Vi.t(&format!("event-{}", m.action));
    let what = match &m.note {
        Some(note) => format!("{action}: {note}"),
        None => action,
    };
    let base = public_url.trim_end_matches('/');
    let results: Vec<Value> = m
        .results
        .iter()
        .map(|r| {
            json!({
                "TenGiayTo": r.file_name,
                "DuongDanTaiTep": format!("{base}/api/v1/integration/dossiers/{}/files/{}", m.dossier_code, r.attachment_id),
            })
        })
        .collect();
    json!({
        "MessageId": m.message_id,
        "MaHoSo": m.external_code.as_deref().unwrap_or(&m.dossier_code),
        "MaHoSoTinh": m.dossier_code,
        "TrangThaiHoSo": m.national_status,
        "NgayHenTra": m.due_at.map(rfc3339),
        "NgayKetThucXuLy": m.finished_at.map(rfc3339),
        "NgayCapNhat": rfc3339(m.changed_at),
        "NoiDungXuLy": what,
        "DanhSachGiayToKetQua": results,
    })
}

/// Claims one due message for `lease` and sends it (`public_url` makes the result files'
/// addresses), recording the outcome: its MessageId, or `None` when
/// nothing is due.
pub async fn send_one(
    db: &Database,
    receiver: &dyn StatusReceiver,
    lease: std::time::Duration,
    public_url: &str,
) -> Result<Option<String>, motcua_store::StoreError> {
    let Some(m) = national_outbox::claim(db, Utc::now(), lease).await? else {
        return Ok(None);
    };
    // Another sender may take the next dossier's message meanwhile.
    db.outbox_filled().notify_one();
    let body = message_json(&m, public_url);
    let outcome = match tokio::time::timeout(lease.mul_f64(0.8), receiver.deliver(&body)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("no answer within {} s", lease.mul_f64(0.8).as_secs())),
    };
    match outcome {
        Ok(()) => {
            national_outbox::mark_sent(db, &m, Utc::now()).await?;
            tracing::debug!(message = %m.message_id, "status sent to the national portal");
        }
        Err(e) => {
            let at = national_outbox::mark_failed(db, &m, &e, Utc::now()).await?;
            tracing::warn!(message = %m.message_id, attempt = m.attempts, error = %e, retry_at = %at,
                "the national portal did not take a status message; it will be sent again");
        }
    }
    Ok(Some(m.message_id))
}
