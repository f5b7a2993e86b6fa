//! Forms as issued: the bytes of each legal form rendered and signed when the act it records
//! happened, with their SHA-256, so that every later download gives the same bytes.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::blobs::StoredBlob;
use crate::db::Database;
use crate::error::{Result, StoreError};
use crate::types::{Flag, Millis};

/// A form issued for a dossier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedForm {
    /// Row id.
    pub id: i64,
    /// The dossier.
    pub dossier_id: i64,
    /// The history event the form records; `None` for a fee receipt.
    pub event_id: Option<i64>,
    /// Which form (`receipt`, `supplement_request`, `refusal`, `apology`, `stop_notice`,
    /// `fee_receipt`).
    pub kind: String,
    /// Where the bytes are, their size and SHA-256.
    pub blob: StoredBlob,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Whether an agency's certificate signed it (PAdES); `false` when the agency had none.
    pub signed: bool,
}

/// Records a form whose bytes are stored. When this event already has a form of this kind
/// (two first downloads of an older dossier's form at once), the one recorded first is kept
/// and returned, and the caller removes its own bytes.
pub async fn record(
    db: &Database,
    dossier_id: i64,
    event_id: Option<i64>,
    kind: &str,
    blob: &StoredBlob,
    issued_at: DateTime<Utc>,
    signed: bool,
) -> Result<IssuedForm> {
    // As the database keeps it: to the millisecond.
    let issued_at = DateTime::from_timestamp_millis(issued_at.timestamp_millis()).unwrap_or(issued_at);
    let mut tx = db.write_tx().await?;
    let inserted: std::result::Result<(i64,), sqlx::Error> = sqlx::query_as(
        "INSERT INTO issued_forms (dossier_id, event_id, kind, storage_key, sha256, size_bytes, issued_at, signed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(dossier_id)
    .bind(event_id)
    .bind(kind)
    .bind(&blob.storage_key)
    .bind(&blob.sha256)
    .bind(blob.size)
    .bind(Millis(issued_at))
    .bind(Flag(signed))
    .fetch_one(&mut *tx)
    .await;
    match inserted {
        Ok((id,)) => {
            tx.commit().await?;
            let kind = kind.to_string();
            Ok(IssuedForm { id, dossier_id, event_id, kind, blob: blob.clone(), issued_at, signed })
        }
        Err(e) if StoreError::is_unique_violation(&e) => {
            drop(tx);
            match event_id {
                Some(event_id) => of_event(db, event_id, kind).await?.ok_or_else(|| e.into()),
                None => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

const FORM_COLUMNS: &str = "id, dossier_id, event_id, kind, storage_key, sha256, size_bytes, issued_at, signed";

fn form_from(row: &AnyRow) -> Result<IssuedForm> {
    Ok(IssuedForm {
        id: row.try_get("id")?,
        dossier_id: row.try_get("dossier_id")?,
        event_id: row.try_get("event_id")?,
        kind: row.try_get("kind")?,
        blob: StoredBlob {
            storage_key: row.try_get("storage_key")?,
            size: row.try_get("size_bytes")?,
            sha256: row.try_get("sha256")?,
        },
        issued_at: row.try_get::<Millis, _>("issued_at")?.0,
        signed: row.try_get::<Flag, _>("signed")?.0,
    })
}

/// The latest form of this kind issued for a dossier (a second supplement request issues a
/// second form 02).
pub async fn latest(db: &Database, dossier_id: i64, kind: &str) -> Result<Option<IssuedForm>> {
    let row = sqlx::query(&format!(
        "SELECT {FORM_COLUMNS} FROM issued_forms WHERE dossier_id = $1 AND kind = $2 ORDER BY id DESC LIMIT 1"
    ))
    .bind(dossier_id)
    .bind(kind)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(form_from).transpose()
}

/// The form of this kind that records an event.
pub async fn of_event(db: &Database, event_id: i64, kind: &str) -> Result<Option<IssuedForm>> {
    let row = sqlx::query(&format!("SELECT {FORM_COLUMNS} FROM issued_forms WHERE event_id = $1 AND kind = $2"))
        .bind(event_id)
        .bind(kind)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(form_from).transpose()
}

/// Every form issued for a dossier, oldest first.
pub async fn of_dossier(db: &Database, dossier_id: i64) -> Result<Vec<IssuedForm>> {
    let rows = sqlx::query(&format!("SELECT {FORM_COLUMNS} FROM issued_forms WHERE dossier_id = $1 ORDER BY id"))
        .bind(dossier_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(form_from).collect()
}

/// The form with these bytes (SHA-256, hex), if the system issued it.
pub async fn by_sha256(db: &Database, sha256: &str) -> Result<Option<IssuedForm>> {
    let row = sqlx::query(&format!("SELECT {FORM_COLUMNS} FROM issued_forms WHERE sha256 = $1 ORDER BY id LIMIT 1"))
        .bind(sha256)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(form_from).transpose()
}

/// The next number of a register of documents an agency numbers itself (its apologies, its
/// stop notices), counted from 1 each calendar year: `register` names the register and its
/// agency, e.g. `PXL:000.00.12.H38`. Atomic on both engines.
pub async fn next_number(db: &Database, register: &str, year: i32) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let n = crate::dossiers::next_sequence(&mut tx, &format!("register:{register}"), &year.to_string()).await?;
    tx.commit().await?;
    Ok(n)
}
