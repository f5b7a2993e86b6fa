//! The outbox of status messages to the National Public Service Portal (Decree 45/2020 as
//! amended: every change of a dossier the portal knows goes back to it at once).
//!
//! A message is written in the transaction of the change it reports, so it exists exactly when
//! the change does and survives any crash after the commit. Senders claim the oldest unsent
//! message of a dossier only (the head of its line), so a dossier's messages reach the portal
//! in the order they were made, while other dossiers' messages pass a head that is waiting for
//! a retry. A message is sent at least once: a sender that dies mid-call leaves its lease to
//! expire and the message is sent again, under the same `message_id`, which the portal uses to
//! drop repeats. Failed sends are retried with backoff until the portal answers 2xx.

use std::time::Duration;

use chrono::{DateTime, Utc};
use motcua_domain::dossier::{Channel, Status};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, Engine, WriteTx};
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// Which dossiers' changes are reported to the national portal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NationalSync {
    /// None: no portal is configured.
    #[default]
    Off,
    /// The dossiers the portal handed over (they carry its code).
    PortalDossiers,
    /// Every dossier, whatever its channel (`--national-portal-sync all`).
    All,
}

impl NationalSync {
    /// Whether a dossier of `channel` is reported.
    pub fn covers(self, channel: Channel) -> bool {
        match self {
            NationalSync::Off => false,
            NationalSync::PortalDossiers => channel == Channel::NationalPortal,
            NationalSync::All => true,
        }
    }
}

/// The wait before the first retry of a message; each later retry waits twice as long.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);

/// The longest wait between two sends of a message: a portal back after an outage hears of
/// every change within this time.
pub const LONGEST_RETRY: Duration = Duration::from_secs(600);

/// The wait after the `attempts`-th failed send: [`FIRST_RETRY`] doubled for each earlier
/// failure, at most [`LONGEST_RETRY`].
pub fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    FIRST_RETRY.saturating_mul(1 << doublings).min(LONGEST_RETRY)
}

/// A change of a dossier to report, as the transaction that makes it knows it.
#[derive(Clone, Debug)]
pub(crate) struct Reported<'a> {
    pub dossier_id: i64,
    pub dossier_code: &'a str,
    pub channel: Channel,
    /// The national portal's code of the dossier, when it came from there.
    pub external_code: Option<&'a str>,
    /// The revision the change makes: with the code, the message's identity.
    pub revision: i64,
    pub from: Option<Status>,
    pub to: Status,
    pub action: &'a str,
    pub note: Option<&'a str>,
    pub due_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// Writes the message of a change in the change's transaction, when the database reports that
/// dossier's changes. A result issued or handed over names the dossier's result files.
pub(crate) async fn record(tx: &mut WriteTx<'_>, change: Reported<'_>) -> Result<()> {
    if !tx.database().national_sync().covers(change.channel) {
        return Ok(());
    }
    let results: Vec<(String, String)> = if matches!(change.to, Status::ResultReady | Status::Returned) {
        sqlx::query_as(
            "SELECT id, file_name FROM attachments WHERE dossier_id = $1 AND purpose = 'result' ORDER BY created_at, id",
        )
        .bind(change.dossier_id)
        .fetch_all(&mut **tx)
        .await?
    } else {
        Vec::new()
    };
    let results: Vec<ResultFile> =
        results.into_iter().map(|(attachment_id, file_name)| ResultFile { attachment_id, file_name }).collect();
    sqlx::query(
        "INSERT INTO national_outbox (message_id, dossier_id, dossier_code, external_code, national_status, action, note, \
         due_at, finished_at, changed_at, results, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $10)",
    )
    .bind(format!("{}:{}", change.dossier_code, change.revision))
    .bind(change.dossier_id)
    .bind(change.dossier_code)
    .bind(change.external_code)
    .bind(i64::from(change.to.national_code_after(change.from)))
    .bind(change.action)
    .bind(change.note.filter(|n| !n.is_empty()))
    .bind(change.due_at.map(Millis))
    .bind(change.finished_at.map(Millis))
    .bind(Millis(change.at))
    .bind(serde_json::to_string(&results)?)
    .execute(&mut **tx)
    .await?;
    tx.wake_outbox_on_commit();
    Ok(())
}

/// A result file named in a message (DanhSachGiayToKetQua).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResultFile {
    /// The attachment, from which the sender makes the file's address.
    pub attachment_id: String,
    /// Its file name (TenGiayTo).
    pub file_name: String,
}

/// A stored message.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxMessage {
    /// Row id: the order messages were made in.
    pub id: i64,
    /// MessageId: the same on every send.
    pub message_id: String,
    /// The dossier's row id.
    pub dossier_id: i64,
    /// motcua's code of the dossier (MaHoSoTinh).
    pub dossier_code: String,
    /// The portal's code of the dossier, when it came from there (MaHoSo).
    pub external_code: Option<String>,
    /// The national status code (TrangThaiHoSo).
    pub national_status: u8,
    /// The action that made the change.
    pub action: String,
    /// What the person acting wrote.
    pub note: Option<String>,
    /// The due date after the change (NgayHenTra).
    pub due_at: Option<DateTime<Utc>>,
    /// When processing ended (NgayKetThucXuLy).
    pub finished_at: Option<DateTime<Utc>>,
    /// When the change was made (NgayCapNhat).
    pub changed_at: DateTime<Utc>,
    /// The result files, when a result was issued or handed over.
    pub results: Vec<ResultFile>,
    /// Sends started so far, counting one in progress.
    pub attempts: i64,
    /// Not sent again before.
    pub next_attempt_at: DateTime<Utc>,
    /// The latest send.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// Why the latest send failed.
    pub last_error: Option<String>,
    /// When the portal accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, message_id, dossier_id, dossier_code, external_code, national_status, action, note, due_at, \
    finished_at, changed_at, results, attempts, next_attempt_at, last_attempt_at, last_error, sent_at";

fn time(row: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(row.try_get::<Option<Millis>, _>(col)?.map(|m| m.0))
}

impl OutboxMessage {
    fn from_row(row: &AnyRow) -> Result<OutboxMessage> {
        let status: i64 = row.try_get("national_status")?;
        let results: String = row.try_get("results")?;
        Ok(OutboxMessage {
            id: row.try_get("id")?,
            message_id: row.try_get("message_id")?,
            dossier_id: row.try_get("dossier_id")?,
            dossier_code: row.try_get("dossier_code")?,
            external_code: row.try_get("external_code")?,
            national_status: u8::try_from(status)
                .map_err(|_| StoreError::Corrupt(format!("national status {status}")))?,
            action: row.try_get("action")?,
            note: row.try_get("note")?,
            due_at: time(row, "due_at")?,
            finished_at: time(row, "finished_at")?,
            changed_at: row.try_get::<Millis, _>("changed_at")?.0,
            results: serde_json::from_str(&results)?,
            attempts: row.try_get("attempts")?,
            next_attempt_at: row.try_get::<Millis, _>("next_attempt_at")?.0,
            last_attempt_at: time(row, "last_attempt_at")?,
            last_error: row.try_get("last_error")?,
            sent_at: time(row, "sent_at")?,
        })
    }
}

/// Claims the oldest due message that heads its dossier's line (no earlier message of that
/// dossier is unsent) for `lease`; `None` when there is none.
pub async fn claim(db: &Database, now: DateTime<Utc>, lease: Duration) -> Result<Option<OutboxMessage>> {
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1));
    let skip_locked = match db.engine {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE national_outbox SET attempts = attempts + 1, locked_until = $2, last_attempt_at = $1 WHERE id = (\
         SELECT o.id FROM national_outbox o WHERE o.sent_at IS NULL AND o.next_attempt_at <= $1 \
         AND (o.locked_until IS NULL OR o.locked_until <= $1) \
         AND NOT EXISTS (SELECT 1 FROM national_outbox e WHERE e.dossier_id = o.dossier_id AND e.sent_at IS NULL AND e.id < o.id) \
         ORDER BY o.next_attempt_at, o.id LIMIT 1{skip_locked}) RETURNING {COLUMNS}"
    );
    let mut tx = db.write_tx().await?;
    let row = sqlx::query(&sql).bind(Millis(now)).bind(Millis(until)).fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    row.as_ref().map(OutboxMessage::from_row).transpose()
}

/// The tables of messages to other systems, which share their delivery columns (`sent_at`,
/// `next_attempt_at`, `locked_until`, `last_error`) and so the recording of an outcome.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outgoing {
    /// The national portal's status messages.
    NationalOutbox,
    /// Webhook deliveries.
    WebhookDeliveries,
}

impl Outgoing {
    fn table(self) -> &'static str {
        match self {
            Outgoing::NationalOutbox => "national_outbox",
            Outgoing::WebhookDeliveries => "webhook_deliveries",
        }
    }

    /// Records that the receiver took row `id`. One sent twice (its lease ran out while the
    /// receiver was slow) keeps the time of its first acceptance.
    pub(crate) async fn sent(self, db: &Database, id: i64, now: DateTime<Utc>) -> Result<()> {
        let mut tx = db.write_tx().await?;
        sqlx::query(&format!(
            "UPDATE {} SET sent_at = COALESCE(sent_at, $2), locked_until = NULL, last_error = NULL WHERE id = $1",
            self.table()
        ))
        .bind(id)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
        // A dossier's next message may go now.
        tx.wake_outbox_on_commit();
        tx.commit().await
    }

    /// Records a failed send of row `id` at its `attempts`-th try: it goes again after
    /// [`backoff`]. Returns when.
    pub(crate) async fn failed(
        self,
        db: &Database,
        id: i64,
        attempts: i64,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>> {
        let at = now + chrono::Duration::from_std(backoff(attempts)).unwrap_or(chrono::Duration::minutes(10));
        let error: String = error.chars().take(2000).collect();
        let mut tx = db.write_tx().await?;
        sqlx::query(&format!(
            "UPDATE {} SET next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1 AND sent_at IS NULL",
            self.table()
        ))
        .bind(id)
        .bind(Millis(at))
        .bind(error)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(at)
    }
}

/// Records that the portal accepted a message.
pub async fn mark_sent(db: &Database, message: &OutboxMessage, now: DateTime<Utc>) -> Result<()> {
    Outgoing::NationalOutbox.sent(db, message.id, now).await
}

/// Records a failed send: the message is sent again after [`backoff`]. Returns when.
pub async fn mark_failed(
    db: &Database,
    message: &OutboxMessage,
    error: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    Outgoing::NationalOutbox.failed(db, message.id, message.attempts, error, now).await
}

/// Sends an unsent message again now instead of after its backoff (an administrator's
/// "send again" once the cause is mended). Not found when it was sent meanwhile.
pub async fn send_again(db: &Database, id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(
        "UPDATE national_outbox SET next_attempt_at = $2, locked_until = NULL WHERE id = $1 AND sent_at IS NULL",
    )
    .bind(id)
    .bind(Millis(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::NotFound);
    }
    tx.wake_outbox_on_commit();
    tx.commit().await
}

/// Which messages to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxState {
    /// Not sent yet and never refused: waiting for their turn.
    Pending,
    /// Not sent yet, and the latest send failed: retried with backoff.
    Failed,
    /// Accepted by the portal.
    Sent,
}

impl OutboxState {
    /// The word of the API's `status` filter.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Failed => "failed",
            OutboxState::Sent => "sent",
        }
    }

    /// The inverse of [`OutboxState::as_str`].
    pub fn parse(s: &str) -> Option<OutboxState> {
        [OutboxState::Pending, OutboxState::Failed, OutboxState::Sent].into_iter().find(|x| x.as_str() == s)
    }

    fn condition(self) -> &'static str {
        match self {
            OutboxState::Pending => "sent_at IS NULL AND last_error IS NULL",
            OutboxState::Failed => "sent_at IS NULL AND last_error IS NOT NULL",
            OutboxState::Sent => "sent_at IS NOT NULL",
        }
    }
}

impl OutboxMessage {
    /// Where the message is.
    pub fn state(&self) -> OutboxState {
        match (&self.sent_at, &self.last_error) {
            (Some(_), _) => OutboxState::Sent,
            (None, Some(_)) => OutboxState::Failed,
            (None, None) => OutboxState::Pending,
        }
    }
}

/// The latest messages in `state` (all when `None`), newest first, and how many there are.
pub async fn list(
    db: &Database,
    state: Option<OutboxState>,
    page: i64,
    per_page: i64,
) -> Result<(Vec<OutboxMessage>, i64)> {
    let per_page = per_page.clamp(1, 200);
    let offset = (page.max(1) - 1).saturating_mul(per_page);
    let filter = state.map(|s| format!("WHERE {}", s.condition())).unwrap_or_default();
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM national_outbox {filter} ORDER BY id DESC LIMIT {per_page} OFFSET {offset}"
    ))
    .fetch_all(db.reader())
    .await?;
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT CAST(COUNT(*) AS BIGINT) FROM national_outbox {filter}"))
        .fetch_one(db.reader())
        .await?;
    Ok((rows.iter().map(OutboxMessage::from_row).collect::<Result<_>>()?, total))
}

/// A dossier's messages, oldest first.
pub async fn of_dossier(db: &Database, dossier_id: i64) -> Result<Vec<OutboxMessage>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM national_outbox WHERE dossier_id = $1 ORDER BY id"))
        .bind(dossier_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(OutboxMessage::from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_up_to_ten_minutes() {
        let secs: Vec<u64> = (1..=12).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(backoff(i64::MAX), LONGEST_RETRY);
    }

    #[test]
    fn only_the_configured_dossiers_are_reported() {
        assert!(!NationalSync::Off.covers(Channel::NationalPortal));
        assert!(NationalSync::PortalDossiers.covers(Channel::NationalPortal));
        assert!(!NationalSync::PortalDossiers.covers(Channel::Online));
        assert!(Channel::ALL.into_iter().all(|c| NationalSync::All.covers(c)));
    }
}
