//! Webhooks: subscriptions of other systems to dossier and payment events, and the deliveries
//! waiting for them. A delivery is written in the transaction of the change it reports, so none
//! is lost; senders claim due deliveries with a lease, as the job queue does, and retry a
//! failed one with the national outbox's backoff until the receiver answers 2xx.

use std::time::Duration;

use chrono::{DateTime, Utc};
use motcua_domain::dossier::Status;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, Engine, WriteTx};
use crate::error::{Result, StoreError};
use crate::national_outbox::{Outgoing, Reported};
use crate::types::Millis;

/// A dossier's status changed (every action that changes or records its state).
pub const DOSSIER_CHANGED: &str = "dossier.status_changed";
/// A fee was paid (online, confirmed by the gateway, or recorded at the counter).
pub const PAYMENT_SETTLED: &str = "payment.settled";
/// The events one may subscribe to.
pub const EVENTS: [&str; 2] = [DOSSIER_CHANGED, PAYMENT_SETTLED];

/// A subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// Row id.
    pub id: i64,
    /// The subscribing system.
    pub name: String,
    /// Where deliveries are POSTed.
    pub url: String,
    /// The secret that signs them (HMAC-SHA256).
    pub secret: String,
    /// The events wanted.
    pub events: Vec<String>,
    /// Made.
    pub created_at: DateTime<Utc>,
    /// Revoked: nothing more is delivered.
    pub revoked_at: Option<DateTime<Utc>>,
}

fn subscription_from(row: &AnyRow) -> Result<Subscription> {
    let events: String = row.try_get("events")?;
    Ok(Subscription {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        url: row.try_get("url")?,
        secret: row.try_get("secret")?,
        events: events.split(',').filter(|e| !e.is_empty()).map(str::to_string).collect(),
        created_at: row.try_get::<Millis, _>("created_at")?.0,
        revoked_at: row.try_get::<Option<Millis>, _>("revoked_at")?.map(|m| m.0),
    })
}

const SUBSCRIPTION_COLUMNS: &str = "id, name, url, secret, events, created_at, revoked_at";

/// Stores a subscription; its id. `events` must be among [`EVENTS`].
pub async fn subscribe(
    db: &Database,
    name: &str,
    url: &str,
    secret: &str,
    events: &[&str],
    now: DateTime<Utc>,
) -> Result<i64> {
    if let Some(bad) = events.iter().find(|e| !EVENTS.contains(e)) {
        return Err(StoreError::Other(format!("unknown event {bad}; known: {}", EVENTS.join(", "))));
    }
    let mut tx = db.write_tx().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO webhook_subscriptions (name, url, secret, events, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name)
    .bind(url)
    .bind(secret)
    .bind(events.join(","))
    .bind(Millis(now))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Every subscription, revoked ones included.
pub async fn subscriptions(db: &Database) -> Result<Vec<Subscription>> {
    let rows = sqlx::query(&format!("SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY id"))
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(subscription_from).collect()
}

/// Revokes a subscription; not found when there is no live one with that id.
pub async fn unsubscribe(db: &Database, id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query("UPDATE webhook_subscriptions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if done == 0 {
        return Err(StoreError::NotFound);
    }
    tx.commit().await
}

/// Writes the deliveries of a dossier's change to the live subscriptions that want its event,
/// in the change's transaction.
pub(crate) async fn record(tx: &mut WriteTx<'_>, change: &Reported<'_>) -> Result<()> {
    let event_type = if change.action == "pay" { PAYMENT_SETTLED } else { DOSSIER_CHANGED };
    let wanting: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, events FROM webhook_subscriptions WHERE revoked_at IS NULL")
            .fetch_all(&mut **tx)
            .await?;
    let wanting: Vec<i64> = wanting
        .into_iter()
        .filter(|(_, events)| events.split(',').any(|e| e == event_type))
        .map(|(id, _)| id)
        .collect();
    if wanting.is_empty() {
        return Ok(());
    }
    let event_id = format!("{}:{}", change.dossier_code, change.revision);
    let time = |t: DateTime<Utc>| {
        t.with_timezone(&motcua_domain::calendar::vn_offset()).to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    };
    let body = json!({
        "id": event_id,
        "type": event_type,
        "created_at": time(change.at),
        "data": {
            "code": change.dossier_code,
            "channel": change.channel.as_str(),
            "action": change.action,
            "from_status": change.from.map(Status::as_str),
            "status": change.to.as_str(),
            "national_status": change.to.national_code_after(change.from),
            "due_at": change.due_at.map(time),
            "finished_at": change.finished_at.map(time),
        },
    })
    .to_string();
    for id in wanting {
        sqlx::query(
            "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (subscription_id, event_id) DO NOTHING",
        )
        .bind(id)
        .bind(&event_id)
        .bind(event_type)
        .bind(&body)
        .bind(Millis(change.at))
        .execute(&mut **tx)
        .await?;
    }
    tx.wake_outbox_on_commit();
    Ok(())
}

/// A delivery, with the subscription it goes to.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// Row id.
    pub id: i64,
    /// The subscription.
    pub subscription_id: i64,
    /// Where it goes.
    pub url: String,
    /// The secret that signs it.
    pub secret: String,
    /// The event's id: the dossier code and revision, the same on every send.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The JSON body, exactly as signed and sent.
    pub body: String,
    /// Sends started so far.
    pub attempts: i64,
    /// Why the latest send failed.
    pub last_error: Option<String>,
    /// When the receiver took it.
    pub sent_at: Option<DateTime<Utc>>,
    /// Not sent again before.
    pub next_attempt_at: DateTime<Utc>,
}

const DELIVERY_COLUMNS: &str =
    "d.id, d.subscription_id, s.url, s.secret, d.event_id, d.event_type, d.body, d.attempts, \
    d.last_error, d.sent_at, d.next_attempt_at";

fn delivery_from(row: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: row.try_get("id")?,
        subscription_id: row.try_get("subscription_id")?,
        url: row.try_get("url")?,
        secret: row.try_get("secret")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        body: row.try_get("body")?,
        attempts: row.try_get("attempts")?,
        last_error: row.try_get("last_error")?,
        sent_at: row.try_get::<Option<Millis>, _>("sent_at")?.map(|m| m.0),
        next_attempt_at: row.try_get::<Millis, _>("next_attempt_at")?.0,
    })
}

/// Claims the oldest due delivery of a live subscription for `lease`.
pub async fn claim(db: &Database, now: DateTime<Utc>, lease: Duration) -> Result<Option<Delivery>> {
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(1));
    let skip_locked = match db.engine {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let mut tx = db.write_tx().await?;
    let claimed: Option<(i64,)> = sqlx::query_as(&format!(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, locked_until = $2, last_attempt_at = $1 WHERE id = (\
         SELECT id FROM webhook_deliveries WHERE sent_at IS NULL AND next_attempt_at <= $1 \
         AND (locked_until IS NULL OR locked_until <= $1) \
         AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE revoked_at IS NULL) \
         ORDER BY next_attempt_at, id LIMIT 1{skip_locked}) RETURNING id"
    ))
    .bind(Millis(now))
    .bind(Millis(until))
    .fetch_optional(&mut *tx)
    .await?;
    let delivery = match claimed {
        Some((id,)) => {
            let row = sqlx::query(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d \
                 JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1"
            ))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            Some(delivery_from(&row)?)
        }
        None => None,
    };
    tx.commit().await?;
    Ok(delivery)
}

/// Records that the receiver took a delivery.
pub async fn mark_sent(db: &Database, delivery: &Delivery, now: DateTime<Utc>) -> Result<()> {
    Outgoing::WebhookDeliveries.sent(db, delivery.id, now).await
}

/// Records a failed send; it goes again after the backoff. Returns when.
pub async fn mark_failed(db: &Database, delivery: &Delivery, error: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    Outgoing::WebhookDeliveries.failed(db, delivery.id, delivery.attempts, error, now).await
}

/// The latest deliveries, newest first: all, or only those not yet taken (`unsent`).
pub async fn deliveries(db: &Database, unsent: bool, limit: i64) -> Result<Vec<Delivery>> {
    let filter = if unsent { "WHERE d.sent_at IS NULL" } else { "" };
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id \
         {filter} ORDER BY d.id DESC LIMIT {}",
        limit.clamp(1, 1000)
    ))
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(delivery_from).collect()
}
