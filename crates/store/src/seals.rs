//! Seals of electronic results: the public keys that verify them and, for each signed result
//! file, its verification code, SHA-256 and signature (DESIGN.md section 7).
//!
//! A seal is written by the dossier change that issues the result, in its transaction (the
//! change carries a [`NewSeal`] and calls `insert`); this module reads seals back for the
//! public verification page, and keeps the table of public keys in step with the key ring of
//! the data folder.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// A public key that verifies seals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKeyRecord {
    /// The key's id (first 16 hex digits of the SHA-256 of the key).
    pub id: String,
    /// The Ed25519 public key, hex.
    pub public_key: String,
    /// When the key was made.
    pub created_at: DateTime<Utc>,
    /// When a newer key took over signing.
    pub retired_at: Option<DateTime<Utc>>,
}

/// A seal to record with the result file it seals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSeal {
    /// The verification code printed on the file.
    pub code: String,
    /// The storage key of the sealed file among the change's attachments.
    pub storage_key: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// The signing key's id.
    pub key_id: String,
    /// The signature, hex.
    pub signature: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
}

/// A recorded seal with what the verification page shows about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seal {
    /// The verification code.
    pub code: String,
    /// The dossier.
    pub dossier_id: i64,
    /// Its code.
    pub dossier_code: String,
    /// The procedure version the dossier follows.
    pub procedure_version_id: i64,
    /// The agency that issued the result.
    pub lead_agency: String,
    /// The applicant's name (masked before anyone else sees it).
    pub applicant_name: String,
    /// The sealed attachment.
    pub attachment_id: String,
    /// SHA-256 of the sealed file, hex.
    pub sha256: String,
    /// The signature, hex.
    pub signature: String,
    /// When it was signed.
    pub signed_at: DateTime<Utc>,
    /// The key that signed it.
    pub key: SigningKeyRecord,
}

/// Records the key ring's public keys not yet known, and marks as retired the ring's older keys
/// still marked current. Keys of other rings (another server's) are left alone.
pub async fn register_keys(
    db: &Database,
    ring: &[(String, String, DateTime<Utc>)],
    current: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    for (id, public_key, created_at) in ring {
        sqlx::query(
            "INSERT INTO signing_keys (id, public_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(public_key)
        .bind(Millis(*created_at))
        .execute(&mut *tx)
        .await?;
        if id != current {
            sqlx::query("UPDATE signing_keys SET retired_at = $2 WHERE id = $1 AND retired_at IS NULL")
                .bind(id)
                .bind(Millis(now))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Every known public key, oldest first.
pub async fn keys(db: &Database) -> Result<Vec<SigningKeyRecord>> {
    let rows = sqlx::query("SELECT id, public_key, created_at, retired_at FROM signing_keys ORDER BY created_at, id")
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(key_from).collect()
}

fn key_from(row: &AnyRow) -> Result<SigningKeyRecord> {
    Ok(SigningKeyRecord {
        id: row.try_get("id")?,
        public_key: row.try_get("public_key")?,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
        retired_at: row.try_get::<Option<Millis>, _>("retired_at")?.map(|m| m.0),
    })
}

/// Records a seal for the attachment just inserted, in the caller's transaction.
pub(crate) async fn insert(tx: &mut WriteTx<'_>, dossier_id: i64, attachment_id: &str, seal: &NewSeal) -> Result<()> {
    sqlx::query(
        "INSERT INTO result_seals (code, dossier_id, attachment_id, sha256, key_id, signature, signed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&seal.code)
    .bind(dossier_id)
    .bind(attachment_id)
    .bind(&seal.sha256)
    .bind(&seal.key_id)
    .bind(&seal.signature)
    .bind(Millis(seal.signed_at))
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("verification code already used".into())
        } else {
            e.into()
        }
    })?;
    Ok(())
}

const SEAL_QUERY: &str = "SELECT s.code, s.dossier_id, s.attachment_id, s.sha256, s.signature, s.signed_at, \
     d.code AS dossier_code, d.procedure_version_id, d.lead_agency, d.applicant_name, \
     k.id, k.public_key, k.created_at, k.retired_at \
     FROM result_seals s JOIN dossiers d ON d.id = s.dossier_id JOIN signing_keys k ON k.id = s.key_id";

fn seal_from(row: &AnyRow) -> Result<Seal> {
    Ok(Seal {
        code: row.try_get("code")?,
        dossier_id: row.try_get("dossier_id")?,
        dossier_code: row.try_get("dossier_code")?,
        procedure_version_id: row.try_get("procedure_version_id")?,
        lead_agency: row.try_get("lead_agency")?,
        applicant_name: row.try_get("applicant_name")?,
        attachment_id: row.try_get("attachment_id")?,
        sha256: row.try_get("sha256")?,
        signature: row.try_get("signature")?,
        signed_at: row.try_get::<Millis, _>("signed_at")?.0,
        key: key_from(row)?,
    })
}

/// The seal with this verification code.
pub async fn by_code(db: &Database, code: &str) -> Result<Seal> {
    let row = sqlx::query(&format!("{SEAL_QUERY} WHERE s.code = $1"))
        .bind(code)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    seal_from(&row)
}

/// The seal of the file with this SHA-256 (hex), if the system issued such a file.
pub async fn by_sha256(db: &Database, sha256: &str) -> Result<Option<Seal>> {
    let row = sqlx::query(&format!("{SEAL_QUERY} WHERE s.sha256 = $1 ORDER BY s.signed_at LIMIT 1"))
        .bind(sha256)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(seal_from).transpose()
}

/// The seals of a dossier's results, oldest first: for the dossier page.
pub async fn of_dossier(db: &Database, dossier_id: i64) -> Result<Vec<Seal>> {
    let rows = sqlx::query(&format!("{SEAL_QUERY} WHERE s.dossier_id = $1 ORDER BY s.signed_at, s.code"))
        .bind(dossier_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(seal_from).collect()
}
