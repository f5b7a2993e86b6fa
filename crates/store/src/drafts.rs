//! Applications not yet submitted: those waiting on the check-your-answers page, and those the
//! applicant saved half-done to resume later. Answers and stored files, owned by one user,
//! submitted or discarded as a whole.

use serde_json::{Map, Value};

use crate::db::Database;
use crate::dossiers::NewAttachment;
use crate::error::{Result, StoreError};
use crate::types::{Flag, Millis};

/// A pending application.
#[derive(Clone, Debug)]
pub struct Draft {
    /// Random id.
    pub id: String,
    /// Owner.
    pub user_id: i64,
    /// Procedure.
    pub procedure_code: String,
    /// Answers (validated, unless the draft was saved half-done).
    pub data: Map<String, Value>,
    /// Files already stored.
    pub files: Vec<NewAttachment>,
    /// Saved half-done by the applicant, to resume.
    pub saved: bool,
    /// When it was saved.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Saves a pending application and returns its id.
pub async fn create(
    db: &Database,
    user_id: i64,
    procedure_code: &str,
    data: &Map<String, Value>,
    files: &[NewAttachment],
    saved: bool,
) -> Result<String> {
    replace(db, None, user_id, procedure_code, data, files, saved).await
}

/// Saves a pending application in place of the user's draft `old` (when given), in one
/// transaction, so that files the new one takes over are never left to a draft that may be
/// discarded later. Returns the new id.
pub async fn replace(
    db: &Database,
    old: Option<&str>,
    user_id: i64,
    procedure_code: &str,
    data: &Map<String, Value>,
    files: &[NewAttachment],
    saved: bool,
) -> Result<String> {
    let id = crate::random_id();
    let mut tx = db.write_tx().await?;
    if let Some(old) = old {
        sqlx::query("DELETE FROM drafts WHERE id = $1 AND user_id = $2")
            .bind(old)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO drafts (id, user_id, procedure_code, data, files, created_at, saved) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(procedure_code)
    .bind(serde_json::to_string(data)?)
    .bind(serde_json::to_string(files)?)
    .bind(Millis(chrono::Utc::now()))
    .bind(Flag(saved))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A user's drafts saved to resume, newest first.
pub async fn saved_by(db: &Database, user_id: i64) -> Result<Vec<Draft>> {
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM drafts WHERE user_id = $1 AND saved = 1 ORDER BY created_at DESC LIMIT 50")
            .bind(user_id)
            .fetch_all(db.reader())
            .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (id,) in ids {
        out.push(get(db, user_id, &id).await?);
    }
    Ok(out)
}

/// A user's pending application; someone else's answers as not found.
pub async fn get(db: &Database, user_id: i64, id: &str) -> Result<Draft> {
    let row: Option<(String, String, String, Flag, Millis)> = sqlx::query_as(
        "SELECT procedure_code, data, files, saved, created_at FROM drafts WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(db.reader())
    .await?;
    let (procedure_code, data, files, saved, created_at) = row.ok_or(StoreError::NotFound)?;
    let data = match serde_json::from_str(&data)? {
        Value::Object(m) => m,
        _ => return Err(StoreError::Corrupt("draft data".into())),
    };
    Ok(Draft {
        id: id.to_string(),
        user_id,
        procedure_code,
        data,
        files: serde_json::from_str(&files)?,
        saved: saved.0,
        created_at: created_at.0,
    })
}

/// Removes a pending application (after submission or when abandoned); its files stay if a
/// dossier now refers to them.
pub async fn delete(db: &Database, id: &str) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM drafts WHERE id = $1").bind(id).execute(&mut *tx).await?;
    tx.commit().await
}
