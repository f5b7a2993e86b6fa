//! The sender of status messages to the National Public Service Portal: tasks that claim the
//! head of each dossier's line in the outbox ([`motcua_store::national_outbox`]) and post it
//! to the portal, as shared/API.md "National portal link" describes the message.
//!
//! The HTTP client is the web crate's `national_portal`; here is what to send and when. A
//! message is done only when the portal answers 2xx; anything else is retried with backoff,
//! for ever, because a status the portal never hears of distorts the national indicators.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use futures::future::BoxFuture;
use motcua_store::national_outbox::{self, OutboxMessage};
use motcua_store::Database;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

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

/// How the sender runs.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// Messages in flight at once (to different dossiers; one dossier's go one by one).
    pub parallel: usize,
    /// How long a claimed message is held: longer than the receiver's timeout.
    pub lease: Duration,
    /// How long to sleep when nothing is due; messages committed in this process wake a
    /// sender at once.
    pub idle_poll: Duration,
    /// The server's public address, for the result files' addresses.
    pub public_url: String,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            parallel: 8,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_secs(1),
            public_url: String::new(),
        }
    }
}

/// A running sender. Dropping it stops it after the messages in flight.
#[must_use = "dropping the sender stops it"]
pub struct Sender {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sender {
    /// Stops at once, messages in flight included, as a crash would: what they had claimed is
    /// sent again by a sender once its lease ends.
    pub fn kill(self) {
        for t in &self.tasks {
            t.abort();
        }
    }

    /// Stops claiming and waits for the messages in flight.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Starts the sender's tasks on the current runtime.
pub fn start(db: Database, receiver: Arc<dyn StatusReceiver>, config: SenderConfig) -> Sender {
    let (stop, stopped) = watch::channel(false);
    let tasks = (0..config.parallel.max(1))
        .map(|_| tokio::spawn(run(db.clone(), receiver.clone(), config.clone(), stopped.clone())))
        .collect();
    tracing::info!(parallel = config.parallel, "national portal sender started");
    Sender { stop, tasks }
}

/// Claims one due message and sends it, recording the outcome: its MessageId, or `None` when
/// nothing is due.
pub async fn send_one(
    db: &Database,
    receiver: &dyn StatusReceiver,
    config: &SenderConfig,
) -> Result<Option<String>, motcua_store::StoreError> {
    let Some(m) = national_outbox::claim(db, Utc::now(), config.lease).await? else {
        return Ok(None);
    };
    // Another sender may take the next dossier's message meanwhile.
    db.outbox_filled().notify_one();
    let body = message_json(&m, &config.public_url);
    let outcome = match tokio::time::timeout(config.lease.mul_f64(0.8), receiver.deliver(&body)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("no answer within {} s", config.lease.mul_f64(0.8).as_secs())),
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

async fn run(
    db: Database,
    receiver: Arc<dyn StatusReceiver>,
    config: SenderConfig,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        if *stopped.borrow() {
            break;
        }
        match send_one(&db, receiver.as_ref(), &config).await {
            Ok(Some(_)) => continue,
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not send from the national portal's outbox"),
        }
        tokio::select! {
            _ = db.outbox_filled().notified() => {}
            _ = tokio::time::sleep(config.idle_poll) => {}
            changed = stopped.changed() => if changed.is_err() { break },
        }
    }
}
