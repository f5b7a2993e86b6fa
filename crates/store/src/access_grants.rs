//! Quyền xem hồ sơ — an administrator's explicit, time-limited permission to read one dossier,
//! with the reason. Administering the system gives no sight of citizens' papers by itself; when
//! support needs it, the permission is asked for one dossier, written here for good, and the
//! reads it allows are logged as every officer's are.

use chrono::{DateTime, Utc};

use crate::db::Database;
use crate::error::Result;
use crate::types::Millis;

/// A permission given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// When it was given.
    pub granted_at: DateTime<Utc>,
    /// Until when it allows reading.
    pub expires_at: DateTime<Utc>,
    /// Who may read (full name).
    pub reader: String,
    /// Which dossier.
    pub dossier_code: String,
    /// Why, as the administrator wrote it.
    pub reason: String,
}

/// Records that `user_id` may read dossier `dossier_id` from `now` until `until`, for `reason`.
pub async fn grant(
    db: &Database,
    dossier_id: i64,
    user_id: i64,
    reason: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query(
        "INSERT INTO dossier_access_grants (dossier_id, user_id, reason, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(dossier_id)
    .bind(user_id)
    .bind(reason)
    .bind(Millis(now))
    .bind(Millis(until))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Whether `user_id` holds a permission to read dossier `dossier_id` at `now`.
pub async fn is_granted(db: &Database, dossier_id: i64, user_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM dossier_access_grants WHERE user_id = $1 AND dossier_id = $2 AND expires_at > $3 LIMIT 1",
    )
    .bind(user_id)
    .bind(dossier_id)
    .bind(Millis(now))
    .fetch_optional(db.reader())
    .await?;
    Ok(found.is_some())
}

/// The latest permissions, newest first.
pub async fn recent(db: &Database, limit: i64) -> Result<Vec<Grant>> {
    let rows: Vec<(Millis, Millis, String, String, String)> = sqlx::query_as(&format!(
        "SELECT g.granted_at, g.expires_at, u.full_name, d.code, g.reason FROM dossier_access_grants g \
         JOIN users u ON u.id = g.user_id JOIN dossiers d ON d.id = g.dossier_id ORDER BY g.id DESC LIMIT {}",
        limit.clamp(1, 1000)
    ))
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(granted_at, expires_at, reader, dossier_code, reason)| Grant {
            granted_at: granted_at.0,
            expires_at: expires_at.0,
            reader,
            dossier_code,
            reason,
        })
        .collect())
}
