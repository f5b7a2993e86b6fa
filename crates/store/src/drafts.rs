//! Applications waiting on the check-your-answers page: answers and stored files, owned by one
//! user, submitted or discarded as a whole.

use serde_json::{Map, Value};

use crate::db::Database;
use crate::dossiers::NewAttachment;
use crate::error::{Result, StoreError};

/// A pending application.
#[derive(Clone, Debug)]
pub struct Draft {
    /// Random id.
    pub id: String,
    /// Owner.
    pub user_id: i64,
    /// Procedure.
    pub procedure_code: String,
    /// Validated answers.
    pub data: Map<String, Value>,
    /// Files already stored.
    pub files: Vec<NewAttachment>,
}

/// Saves a pending application and returns its id.
pub async fn create(
    db: &Database,
    user_id: i64,
    procedure_code: &str,
    data: &Map<String, Value>,
    files: &[NewAttachment],
) -> Result<String> {
    let id = crate::random_id();
    sqlx::query(
        "INSERT INTO drafts (id, user_id, procedure_code, data, files, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(procedure_code)
    .bind(serde_json::to_string(data)?)
    .bind(serde_json::to_string(files)?)
    .bind(crate::millis(chrono::Utc::now()))
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// A user's pending application; someone else's answers as not found.
pub async fn get(db: &Database, user_id: i64, id: &str) -> Result<Draft> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT procedure_code, data, files FROM drafts WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    let (procedure_code, data, files) = row.ok_or(StoreError::NotFound)?;
    let data = match serde_json::from_str(&data)? {
        Value::Object(m) => m,
        _ => return Err(StoreError::Corrupt("draft data".into())),
    };
    Ok(Draft { id: id.to_string(), user_id, procedure_code, data, files: serde_json::from_str(&files)? })
}

/// Removes a pending application (after submission or when abandoned); its files stay if a
/// dossier now refers to them.
pub async fn delete(db: &Database, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM drafts WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}
