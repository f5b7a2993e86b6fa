//! Đăng ký tài khoản: registrations waiting for the code sent to the phone and e-mail typed.
//! A registration and the job that sends its code are written in one transaction; the job draws
//! the code and keeps only its digest ([`set_code`]). A registration lives a quarter of an hour
//! (longer when the code is sent again), allows [`TRIES`] wrong codes, and becomes the account
//! in one transaction ([`finish`]), where the users' unique columns still decide.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use crate::db::Database;
use crate::error::{Result, StoreError};
use crate::jobs::{enqueue_in, NewJob};
use crate::types::Millis;
use crate::users::{insert_user, NewUser};

/// Wrong codes a registration allows before it is dead.
pub const TRIES: i64 = 5;

/// What a registration is written with: the typed details, as parsed and normalised.
#[derive(Clone, Debug, Default)]
pub struct NewPending {
    /// SHA-256 of the handle the browser keeps.
    pub token_hash: String,
    /// Full name.
    pub full_name: String,
    /// Citizen identity number.
    pub id_number: String,
    /// Phone, normalised.
    pub phone: String,
    /// E-mail, lower-case.
    pub email: String,
    /// Argon2id PHC string of the password typed.
    pub password_hash: String,
}

/// A registration waiting for its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    /// Row id.
    pub id: i64,
    /// Full name.
    pub full_name: String,
    /// Citizen identity number.
    pub id_number: String,
    /// Phone, normalised.
    pub phone: String,
    /// E-mail, lower-case.
    pub email: String,
    /// Argon2id PHC string of the password typed.
    pub password_hash: String,
    /// The digest of the code sent; none until sent, and never for taken details.
    pub code_hash: Option<String>,
    /// Whether the owner of the account holding these details was warned already.
    pub owner_warned: bool,
    /// When a message was last asked for.
    pub sent_at: DateTime<Utc>,
    /// Until when a code may be used.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes still allowed.
    pub tries_left: i64,
}

const COLUMNS: &str = "id, full_name, id_number, phone, email, password_hash, code_hash, owner_warned, sent_at, \
                       expires_at, tries_left";
/// Only registrations that may still finish.
const OPEN: &str = "expires_at > $2 AND tries_left > 0";

fn pending_from(row: &sqlx::any::AnyRow) -> Result<Pending> {
    Ok(Pending {
        id: row.try_get("id")?,
        full_name: row.try_get("full_name")?,
        id_number: row.try_get("id_number")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        code_hash: row.try_get("code_hash")?,
        owner_warned: row.try_get::<i64, _>("owner_warned")? != 0,
        sent_at: row.try_get::<Millis, _>("sent_at")?.0,
        expires_at: row.try_get::<Millis, _>("expires_at")?.0,
        tries_left: row.try_get("tries_left")?,
    })
}

/// Records a registration and enqueues `job` (which sends its code, or warns the owner of the
/// details) in one transaction, deleting the expired ones first; its id.
pub async fn begin(
    db: &Database,
    new: &NewPending,
    lifetime: Duration,
    job: impl FnOnce(i64) -> NewJob,
    now: DateTime<Utc>,
) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM pending_registrations WHERE expires_at <= $1").bind(Millis(now)).execute(&mut *tx).await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO pending_registrations (token_hash, full_name, id_number, phone, email, password_hash, \
         created_at, sent_at, expires_at, tries_left) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) RETURNING id",
    )
    .bind(&new.token_hash)
    .bind(&new.full_name)
    .bind(&new.id_number)
    .bind(&new.phone)
    .bind(&new.email)
    .bind(&new.password_hash)
    .bind(Millis(now))
    .bind(Millis(now + lifetime))
    .bind(TRIES)
    .fetch_one(&mut *tx)
    .await?;
    enqueue_in(&mut tx, &job(id)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Asks for the message of registration `id` again, when the last was asked at least `spacing`
/// ago: the earlier code stops working, the registration lives `lifetime` from now, and `job`
/// is enqueued. False, and nothing written, when it is too soon or the registration is over.
pub async fn send_again(
    db: &Database,
    id: i64,
    lifetime: Duration,
    spacing: Duration,
    job: impl FnOnce(i64) -> NewJob,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(&format!(
        "UPDATE pending_registrations SET code_hash = NULL, sent_at = $2, expires_at = $3 \
         WHERE id = $1 AND {OPEN} AND sent_at <= $4"
    ))
    .bind(id)
    .bind(Millis(now))
    .bind(Millis(now + lifetime))
    .bind(Millis(now - spacing))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    enqueue_in(&mut tx, &job(id)).await?;
    tx.commit().await?;
    Ok(true)
}

/// The open registration `id`.
pub async fn open(db: &Database, id: i64, now: DateTime<Utc>) -> Result<Option<Pending>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM pending_registrations WHERE id = $1 AND {OPEN}"))
        .bind(id)
        .bind(Millis(now))
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(pending_from).transpose()
}

/// The open registration whose browser handle has digest `token_hash`.
pub async fn open_by_token(db: &Database, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Pending>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM pending_registrations WHERE token_hash = $1 AND {OPEN}"))
        .bind(token_hash)
        .bind(Millis(now))
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(pending_from).transpose()
}

/// The newest open registration of these very details (the API's second step names it so).
pub async fn open_by_details(
    db: &Database,
    id_number: &str,
    phone: &str,
    email: &str,
    now: DateTime<Utc>,
) -> Result<Option<Pending>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM pending_registrations WHERE phone = $1 AND {OPEN} AND id_number = $3 AND email = $4 \
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(phone)
    .bind(Millis(now))
    .bind(id_number)
    .bind(email)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(pending_from).transpose()
}

/// Keeps the digest of the code about to be sent for registration `id`, replacing an earlier
/// one (a send tried again draws a new code); false when the registration is over.
pub async fn set_code(db: &Database, id: i64, code_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(&format!("UPDATE pending_registrations SET code_hash = $3 WHERE id = $1 AND {OPEN}"))
        .bind(id)
        .bind(Millis(now))
        .bind(code_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// Records that the owner of the account holding registration `id`'s details was warned, so
/// that sending again does not warn them twice.
pub async fn owner_warned(db: &Database, id: i64) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE pending_registrations SET owner_warned = 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await
}

/// Counts a wrong code against registration `id`.
pub async fn wrong_code(db: &Database, id: i64) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE pending_registrations SET tries_left = tries_left - 1 WHERE id = $1 AND tries_left > 0")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Turns open registration `id` into the account `user`, in one transaction: the registration is
/// deleted and the account created; `Conflict` when the registration was used or ended meanwhile,
/// or (naming the column) when its phone, e-mail or identity number has been taken since.
pub async fn finish(db: &Database, id: i64, user: &NewUser, now: DateTime<Utc>) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(&format!("DELETE FROM pending_registrations WHERE id = $1 AND {OPEN}"))
        .bind(id)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict("the registration was used or ended meanwhile".into()));
    }
    let user_id = insert_user(&mut tx, user).await?;
    tx.commit().await?;
    Ok(user_id)
}
