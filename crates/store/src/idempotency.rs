//! Idempotency keys: the first answer to a request sent with an `Idempotency-Key` header, kept
//! for a day per caller and key, so that a client that lost the answer (a dropped connection, a
//! timeout) can send the request again and get that answer instead of a second dossier or a
//! second payment — as Stripe's API does.
//!
//! The first request claims the key before it runs; a dossier it creates is recorded on the key
//! in the dossier's own transaction, and its answer once it is known. So a retry finds either the
//! answer, or the dossier (its server died before the answer was stored), or nothing done (the
//! claim is taken over once it is older than any request may run).

use chrono::{DateTime, Duration, Utc};

use crate::db::{Database, WriteTx};
use crate::error::Result;

/// How long a key answers with its first result.
pub const KEPT_FOR: Duration = Duration::hours(24);

/// A claim older than this with nothing recorded is a request whose server died: the key is free
/// again. The body was read before the claim, so what remains (storing the files, one
/// transaction) takes seconds even on a busy server.
pub const ABANDONED_AFTER: Duration = Duration::seconds(30);

/// A key as the caller sent it, within the caller's own scope (keys of two callers never meet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// Whose key: e.g. `user:42`.
    pub scope: String,
    /// The header's value.
    pub key: String,
}

/// A stored first answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Its content type.
    pub content_type: Option<String>,
    /// Its body.
    pub body: String,
}

/// What a request finds under its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Nothing: the key is now this request's; store its answer with [`store_answer`].
    New,
    /// The first request's answer, to send again.
    Answered(Answer),
    /// The first request created this dossier, and its answer was not stored.
    Dossier(String),
    /// The first request still runs.
    InProgress,
    /// The key was used with another request: a client's mistake, refused.
    OtherRequest,
}

/// Looks up `key` for a request of `fingerprint` (a digest of its method, path and body), and
/// claims it when nothing holds it.
pub async fn claim(db: &Database, key: &Key, fingerprint: &str, now: DateTime<Utc>) -> Result<Claim> {
    let mut tx = db.write_tx().await?;
    // Keys older than a day are forgotten (a few at a time: those expired since the last claim).
    sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind((now - KEPT_FOR).timestamp_millis())
        .execute(&mut *tx)
        .await?;
    type Row = (String, Option<i32>, Option<String>, Option<String>, Option<String>, i64);
    let found: Option<Row> = sqlx::query_as(
        "SELECT fingerprint, status, content_type, body, dossier_code, created_at FROM idempotency_keys \
         WHERE scope = $1 AND idem_key = $2",
    )
    .bind(&key.scope)
    .bind(&key.key)
    .fetch_optional(&mut *tx)
    .await?;
    let claim = match found {
        Some((stored, ..)) if stored != fingerprint => Claim::OtherRequest,
        Some((_, Some(status), content_type, body, ..)) => Claim::Answered(Answer {
            status: u16::try_from(status).unwrap_or(500),
            content_type,
            body: body.unwrap_or_default(),
        }),
        Some((.., Some(code), _)) => Claim::Dossier(code),
        Some((.., created_at)) if created_at > (now - ABANDONED_AFTER).timestamp_millis() => Claim::InProgress,
        Some(_) => {
            sqlx::query("UPDATE idempotency_keys SET created_at = $3 WHERE scope = $1 AND idem_key = $2")
                .bind(&key.scope)
                .bind(&key.key)
                .bind(now.timestamp_millis())
                .execute(&mut *tx)
                .await?;
            Claim::New
        }
        None => {
            sqlx::query(
                "INSERT INTO idempotency_keys (scope, idem_key, fingerprint, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&key.scope)
            .bind(&key.key)
            .bind(fingerprint)
            .bind(now.timestamp_millis())
            .execute(&mut *tx)
            .await?;
            Claim::New
        }
    };
    tx.commit().await?;
    Ok(claim)
}

/// Records, in the transaction that created it, the dossier the request holding `key` created.
pub async fn record_dossier_in(tx: &mut WriteTx<'_>, key: &Key, code: &str) -> Result<()> {
    sqlx::query("UPDATE idempotency_keys SET dossier_code = $3 WHERE scope = $1 AND idem_key = $2")
        .bind(&key.scope)
        .bind(&key.key)
        .bind(code)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores the first answer under `key`.
pub async fn store_answer(db: &Database, key: &Key, answer: &Answer) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query(
        "UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5 WHERE scope = $1 AND idem_key = $2",
    )
    .bind(&key.scope)
    .bind(&key.key)
    .bind(i32::from(answer.status))
    .bind(answer.content_type.as_deref())
    .bind(&answer.body)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Frees `key` when its request ended in an answer not worth repeating (the server busy, a
/// conflict of the moment): the client may try again with the same key.
pub async fn release(db: &Database, key: &Key) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND dossier_code IS NULL")
        .bind(&key.scope)
        .bind(&key.key)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
