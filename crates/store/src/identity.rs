//! External identities and second factors: the links from an OpenID Connect provider's subject
//! to an account, the sign-ins under way at a provider, TOTP secrets, and the sign-ins waiting
//! for their second factor.

use chrono::{DateTime, Utc};

use crate::db::Database;
use crate::error::{Result, StoreError};
use crate::types::Millis;
use crate::users::{complete, insert_user, NewUser, User, USER_COLUMNS};

async fn one_user(db: &Database, condition: &str, value: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users u WHERE {condition}"))
        .bind(value)
        .fetch_optional(db.reader())
        .await?;
    match row {
        Some(row) => Ok(Some(complete(db, &row).await?)),
        None => Ok(None),
    }
}

/// The account a provider's subject is linked to.
pub async fn linked_user(db: &Database, provider: &str, subject: &str) -> Result<Option<User>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT user_id FROM identity_links WHERE provider = $1 AND subject = $2")
        .bind(provider)
        .bind(subject)
        .fetch_optional(db.reader())
        .await?;
    match row {
        Some((id,)) => Ok(Some(crate::users::user(db, id).await?)),
        None => Ok(None),
    }
}

/// The account holding a citizen identity number (normalised by the caller).
pub async fn user_by_id_number(db: &Database, id_number: &str) -> Result<Option<User>> {
    one_user(db, "u.id_number = $1", id_number).await
}

/// The account with this user name, or else this e-mail (lower-case): how an officer's account
/// is found from the claim the province's provider names.
pub async fn user_by_username_or_email(db: &Database, value: &str) -> Result<Option<User>> {
    match one_user(db, "u.username = $1", value).await? {
        Some(u) => Ok(Some(u)),
        None => one_user(db, "u.email = $1", &value.to_lowercase()).await,
    }
}

/// Links a provider's subject to an existing account, and records the assurance the provider
/// verified it with, if any. A subject already linked is a conflict.
pub async fn link(
    db: &Database,
    provider: &str,
    subject: &str,
    user_id: i64,
    verified_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    insert_link(&mut tx, provider, subject, user_id, now).await?;
    if let Some(v) = verified_by {
        set_verified_by(&mut tx, user_id, v).await?;
    }
    tx.commit().await
}

/// Creates an account for a provider's subject and links it, in one transaction; a taken id
/// number (or phone, e-mail) is a conflict naming the column, as for [`crate::users::create_user`].
pub async fn create_linked_user(
    db: &Database,
    new: &NewUser,
    provider: &str,
    subject: &str,
    verified_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let id = insert_user(&mut tx, new).await?;
    insert_link(&mut tx, provider, subject, id, now).await?;
    if let Some(v) = verified_by {
        set_verified_by(&mut tx, id, v).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Notes a sign-in through a link: when, and the assurance the provider gave this time.
pub async fn used_link(
    db: &Database,
    provider: &str,
    subject: &str,
    user_id: i64,
    verified_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE identity_links SET last_used_at = $3 WHERE provider = $1 AND subject = $2")
        .bind(provider)
        .bind(subject)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    if let Some(v) = verified_by {
        set_verified_by(&mut tx, user_id, v).await?;
    }
    tx.commit().await
}

/// The providers an account is linked to, with the subject there.
pub async fn links_of(db: &Database, user_id: i64) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as("SELECT provider, subject FROM identity_links WHERE user_id = $1 ORDER BY provider, subject")
        .bind(user_id)
        .fetch_all(db.reader())
        .await?)
}

async fn insert_link(
    tx: &mut crate::db::WriteTx<'_>,
    provider: &str,
    subject: &str,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO identity_links (provider, subject, user_id, linked_at, last_used_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(provider)
    .bind(subject)
    .bind(user_id)
    .bind(Millis(now))
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("identity_link".into())
        } else {
            e.into()
        }
    })?;
    Ok(())
}

async fn set_verified_by(tx: &mut crate::db::WriteTx<'_>, user_id: i64, verified_by: &str) -> Result<()> {
    sqlx::query("UPDATE users SET verified_by = $2 WHERE id = $1")
        .bind(user_id)
        .bind(verified_by)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An external sign-in under way, as kept between the redirect to the provider and its return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInFlow {
    /// The provider's name.
    pub provider: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub pkce_verifier: String,
    /// Where to go once signed in.
    pub next_path: Option<String>,
}

/// Keeps a sign-in under way, by the hash of its state, until `expires_at`; lapsed ones are
/// cleared on the way.
pub async fn save_flow(db: &Database, state_hash: &str, flow: &SignInFlow, expires_at: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM sign_in_flows WHERE expires_at <= $1").bind(Millis(Utc::now())).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO sign_in_flows (state_hash, provider, nonce, pkce_verifier, next_path, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state_hash)
    .bind(&flow.provider)
    .bind(&flow.nonce)
    .bind(&flow.pkce_verifier)
    .bind(&flow.next_path)
    .bind(Millis(expires_at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Takes the sign-in under way with this state hash, if it is there and has not lapsed: once.
pub async fn take_flow(db: &Database, state_hash: &str, now: DateTime<Utc>) -> Result<Option<SignInFlow>> {
    let mut tx = db.write_tx().await?;
    let row: Option<(String, String, String, Option<String>, Millis)> = sqlx::query_as(
        "DELETE FROM sign_in_flows WHERE state_hash = $1 \
         RETURNING provider, nonce, pkce_verifier, next_path, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.filter(|r| r.4 .0 > now).map(|(provider, nonce, pkce_verifier, next_path, _)| SignInFlow {
        provider,
        nonce,
        pkce_verifier,
        next_path,
    }))
}

/// A local account's TOTP secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotpSecret {
    /// Base32, as shown to the owner.
    pub secret: String,
    /// When a code made with it was first typed back: from then on, signing in asks for one.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The time step of the last code accepted.
    pub last_step: Option<i64>,
}

/// The account's TOTP secret, confirmed or not.
pub async fn totp_secret(db: &Database, user_id: i64) -> Result<Option<TotpSecret>> {
    let row: Option<(String, Option<Millis>, Option<i64>)> =
        sqlx::query_as("SELECT secret, confirmed_at, last_step FROM totp_secrets WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db.reader())
            .await?;
    Ok(row.map(|(secret, confirmed, last_step)| TotpSecret { secret, confirmed_at: confirmed.map(|m| m.0), last_step }))
}

/// Starts an enrolment with a new secret, replacing one not yet confirmed; a confirmed one is a
/// conflict (it must be removed first).
pub async fn start_totp(db: &Database, user_id: i64, secret: &str) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(
        "INSERT INTO totp_secrets (user_id, secret) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = NULL \
         WHERE totp_secrets.confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(secret)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("totp".into()));
    }
    tx.commit().await
}

/// Takes the code of time step `step` for the account: true once, false when that step or a
/// later one was already taken (a code is never accepted twice). With `confirm`, the secret is
/// confirmed too (the end of the enrolment).
pub async fn use_totp_step(db: &Database, user_id: i64, step: i64, confirm: Option<DateTime<Utc>>) -> Result<bool> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(
        "UPDATE totp_secrets SET last_step = $2, confirmed_at = COALESCE(confirmed_at, $3) \
         WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .bind(confirm.map(Millis))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the account's second factor.
pub async fn remove_totp(db: &Database, user_id: i64) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    tx.commit().await
}

/// Keeps a sign-in waiting for its second factor until `expires_at`; lapsed ones are cleared on
/// the way.
pub async fn create_pending_sign_in(
    db: &Database,
    token_hash: &str,
    user_id: i64,
    next_path: Option<&str>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at <= $1")
        .bind(Millis(Utc::now()))
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO pending_sign_ins (token_hash, user_id, next_path, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(user_id)
        .bind(next_path)
        .bind(Millis(expires_at))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// The account and next page of a sign-in waiting for its second factor, while it lasts.
pub async fn pending_sign_in(
    db: &Database,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<(i64, Option<String>)>> {
    Ok(sqlx::query_as("SELECT user_id, next_path FROM pending_sign_ins WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(Millis(now))
        .fetch_optional(db.reader())
        .await?)
}

/// Ends a sign-in waiting for its second factor (done, or given up).
pub async fn end_pending_sign_in(db: &Database, token_hash: &str) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM pending_sign_ins WHERE token_hash = $1").bind(token_hash).execute(&mut *tx).await?;
    tx.commit().await
}
