//! Tokens of other systems (the national portal, the provincial data-exchange platform) and the
//! record of every call made with one. Only a token's SHA-256 is stored; the token itself is
//! shown once, when it is made.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::Database;
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// What a system token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The integration routes: inbound dossiers, the outbox.
    Integration,
}

impl Scope {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Integration => "integration",
        }
    }

    /// The inverse of [`Scope::as_str`].
    pub fn parse(s: &str) -> Option<Scope> {
        (s == "integration").then_some(Scope::Integration)
    }
}

/// A stored token (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemToken {
    /// Row id.
    pub id: i64,
    /// The system it was made for.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// Made.
    pub created_at: DateTime<Utc>,
    /// Revoked: it opens nothing any more.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its latest call.
    pub last_used_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, name, scope, created_at, revoked_at, last_used_at";

fn token_from(row: &AnyRow) -> Result<SystemToken> {
    let scope: String = row.try_get("scope")?;
    Ok(SystemToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        scope: Scope::parse(&scope).ok_or_else(|| StoreError::Corrupt(format!("token scope {scope:?}")))?,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
        revoked_at: row.try_get::<Option<Millis>, _>("revoked_at")?.map(|m| m.0),
        last_used_at: row.try_get::<Option<Millis>, _>("last_used_at")?.map(|m| m.0),
    })
}

/// Stores a new token by its hash; its id.
pub async fn create(db: &Database, name: &str, scope: Scope, token_hash: &str, now: DateTime<Utc>) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO system_tokens (name, scope, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(name)
    .bind(scope.as_str())
    .bind(token_hash)
    .bind(Millis(now))
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Every token, revoked ones included, oldest first.
pub async fn list(db: &Database) -> Result<Vec<SystemToken>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM system_tokens ORDER BY id")).fetch_all(db.reader()).await?;
    rows.iter().map(token_from).collect()
}

/// The token whose hash this is, unless revoked.
pub async fn active_by_hash(db: &Database, token_hash: &str) -> Result<Option<SystemToken>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM system_tokens WHERE token_hash = $1 AND revoked_at IS NULL"))
        .bind(token_hash)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(token_from).transpose()
}

/// Revokes a token by id; not found when there is no such token or it was revoked already.
pub async fn revoke(db: &Database, id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query("UPDATE system_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
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

/// A call made with a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemCall {
    /// The token.
    pub token_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// HTTP method.
    pub method: String,
    /// The path called (no query string: it may carry personal data).
    pub path: String,
    /// The answer's status.
    pub status: u16,
}

/// Records a call and the token's latest use.
pub async fn record_call(db: &Database, call: &SystemCall) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("INSERT INTO system_calls (token_id, at, method, path, status) VALUES ($1, $2, $3, $4, $5)")
        .bind(call.token_id)
        .bind(Millis(call.at))
        .bind(&call.method)
        .bind(&call.path)
        .bind(i64::from(call.status))
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE system_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(call.token_id)
        .bind(Millis(call.at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The latest calls made with a token, newest first.
pub async fn calls(db: &Database, token_id: i64, limit: i64) -> Result<Vec<SystemCall>> {
    let rows: Vec<(i64, Millis, String, String, i64)> = sqlx::query_as(&format!(
        "SELECT token_id, at, method, path, status FROM system_calls WHERE token_id = $1 ORDER BY id DESC LIMIT {}",
        limit.clamp(1, 1000)
    ))
    .bind(token_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(token_id, at, method, path, status)| SystemCall {
            token_id,
            at: at.0,
            method,
            path,
            status: u16::try_from(status).unwrap_or(0),
        })
        .collect())
}
