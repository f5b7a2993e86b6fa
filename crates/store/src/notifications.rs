//! The portal's notifications: what each user is told about their dossiers, kept so they can
//! read it when they next sign in.

use chrono::{DateTime, Utc};

use crate::db::Database;
use crate::error::Result;
use crate::types::Millis;

/// One notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// Row id.
    pub id: i64,
    /// The dossier it is about.
    pub dossier_code: String,
    /// One line.
    pub title: String,
    /// The message.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When the user saw it.
    pub read_at: Option<DateTime<Utc>>,
}

/// Adds a notification once: a second one with the same key is ignored (a retried job).
pub async fn add(
    db: &Database,
    user_id: i64,
    dossier_code: &str,
    title: &str,
    body: &str,
    dedupe_key: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query(
        "INSERT INTO notifications (user_id, dossier_code, title, body, dedupe_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(user_id)
    .bind(dossier_code)
    .bind(title)
    .bind(body)
    .bind(dedupe_key)
    .bind(Millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A user's latest notifications, newest first, and how many are unread.
pub async fn for_user(db: &Database, user_id: i64, limit: i64) -> Result<(Vec<Notification>, i64)> {
    let rows: Vec<(i64, String, String, String, Millis, Option<Millis>)> = sqlx::query_as(&format!(
        "SELECT id, dossier_code, title, body, created_at, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT {}",
        limit.clamp(1, 500)
    ))
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    let (unread,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(db.reader())
        .await?;
    let list = rows
        .into_iter()
        .map(|(id, dossier_code, title, body, at, read)| Notification {
            id,
            dossier_code,
            title,
            body,
            created_at: at.0,
            read_at: read.map(|m| m.0),
        })
        .collect();
    Ok((list, unread))
}

/// Marks all of a user's notifications read.
pub async fn mark_read(db: &Database, user_id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
