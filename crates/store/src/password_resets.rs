//! Codes sent to an account's phone or e-mail, for one [`Purpose`]: Quên mật khẩu (setting a
//! new password) or finishing a sign-in that many failures put under a second step. A request
//! and the job that sends its code are written in one transaction; the job draws the code and
//! keeps only its digest ([`set_code`]), so the code is stored nowhere in clear. A request lives
//! as long as its purpose allows, allows [`MAX_ATTEMPTS`] wrong codes and is used once; using
//! it for a password sets the password and ends every session of the account in one
//! transaction, using it for a sign-in forgets the account's failed sign-ins.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use crate::db::Database;
use crate::error::{Result, StoreError};
use crate::jobs::{enqueue_in, NewJob};
use crate::types::Millis;

/// Wrong codes a request allows before it is spent.
pub const MAX_ATTEMPTS: i64 = 5;
/// Requests an account may make in a day.
pub const PER_DAY: i64 = 5;
/// The least time between two requests of an account.
pub const SPACING: Duration = Duration::seconds(60);

/// What a code is for: a code of one purpose never serves the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Setting a new password.
    Reset,
    /// Finishing a sign-in after many failed ones (`users::recent_login_failures`).
    SignIn,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::SignIn => "sign_in",
        }
    }

    /// Requests an account may make in a day. None for a sign-in: only the right password asks,
    /// and a cap would keep the owner out.
    fn per_day(self) -> Option<i64> {
        match self {
            Purpose::Reset => Some(PER_DAY),
            Purpose::SignIn => None,
        }
    }
}

/// A request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reset {
    /// Row id.
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// What the code is for.
    pub purpose: Purpose,
    /// Where the code goes: `sms` or `email`.
    pub channel: String,
    /// The code's digest, once the code is sent.
    pub code_hash: Option<String>,
    /// Until when the code may be used.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes given so far.
    pub attempts: i64,
}

fn reset_from(row: &sqlx::any::AnyRow) -> Result<Reset> {
    Ok(Reset {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        purpose: if row.try_get::<String, _>("purpose")? == "sign_in" { Purpose::SignIn } else { Purpose::Reset },
        channel: row.try_get("channel")?,
        code_hash: row.try_get("code_hash")?,
        expires_at: row.try_get::<Millis, _>("expires_at")?.0,
        attempts: row.try_get("attempts")?,
    })
}

const COLUMNS: &str = "id, user_id, purpose, channel, code_hash, expires_at, attempts";

/// Records a request and enqueues `job` (which sends the code) in the same transaction; `None`
/// when the account asked for this purpose less than [`SPACING`] ago or, for a password, [`PER_DAY`]
/// times in the last day, and nothing is written. Earlier open requests of the account for the
/// purpose are closed: only the newest code counts.
pub async fn request(
    db: &Database,
    user_id: i64,
    purpose: Purpose,
    channel: &str,
    lifetime: Duration,
    job: impl FnOnce(i64) -> NewJob,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let mut tx = db.write_tx().await?;
    let (recent, latest): (i64, Option<Millis>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(created_at) FROM password_resets WHERE user_id = $1 AND purpose = $2 \
             AND created_at > $3",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(Millis(now - Duration::days(1)))
    .fetch_one(&mut *tx)
    .await?;
    if purpose.per_day().is_some_and(|cap| recent >= cap) || latest.is_some_and(|t| t.0 > now - SPACING) {
        return Ok(None);
    }
    sqlx::query("UPDATE password_resets SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO password_resets (user_id, purpose, channel, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(channel)
    .bind(Millis(now))
    .bind(Millis(now + lifetime))
    .fetch_one(&mut *tx)
    .await?;
    enqueue_in(&mut tx, &job(id)).await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Keeps the digest of the code about to be sent for request `id`, replacing an earlier one (a
/// send tried again draws a new code); the request, or `None` when it is used or expired.
pub async fn set_code(db: &Database, id: i64, code_hash: &str, now: DateTime<Utc>) -> Result<Option<Reset>> {
    let mut tx = db.write_tx().await?;
    let done =
        sqlx::query("UPDATE password_resets SET code_hash = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $3")
            .bind(id)
            .bind(code_hash)
            .bind(Millis(now))
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM password_resets WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(reset_from(&row)?))
}

/// The account's open request for `purpose`: its newest, unused, unexpired, with a code sent
/// and wrong codes left.
pub async fn open(db: &Database, user_id: i64, purpose: Purpose, now: DateTime<Utc>) -> Result<Option<Reset>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM password_resets WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL \
         AND expires_at > $3 AND code_hash IS NOT NULL AND attempts < $4 ORDER BY id DESC LIMIT 1"
    ))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(Millis(now))
    .bind(MAX_ATTEMPTS)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(reset_from).transpose()
}

/// Counts a wrong code against request `id`.
pub async fn wrong_code(db: &Database, id: i64) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE password_resets SET attempts = attempts + 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await
}

/// Uses request `id` of `user_id`: sets the password (unlocking the account) and ends every
/// session of the account, in one transaction; `Conflict` when the request was used meanwhile.
pub async fn use_for_password(
    db: &Database,
    id: i64,
    user_id: i64,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    spend(&mut tx, id, user_id, "reset", now).await?;
    sqlx::query("UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await
}

/// Uses request `id` of `user_id` to finish a sign-in: the account's failed sign-ins, from every
/// address, are forgotten in the same transaction; `Conflict` when the request was used
/// meanwhile (a code opens one session).
pub async fn use_for_sign_in(db: &Database, id: i64, user_id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    spend(&mut tx, id, user_id, "sign_in", now).await?;
    sqlx::query("DELETE FROM login_failures WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await
}

/// Marks request `id` of `user_id`, of this purpose, used; `Conflict` when it was used meanwhile.
async fn spend(
    tx: &mut crate::db::WriteTx<'_>,
    id: i64,
    user_id: i64,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE password_resets SET used_at = $4 WHERE id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL",
    )
    .bind(id)
    .bind(user_id)
    .bind(purpose)
    .bind(Millis(now))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("the code was used meanwhile".into()));
    }
    Ok(())
}
