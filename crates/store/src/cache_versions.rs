//! The versions of what servers keep in memory (the catalog with its workflows and fee
//! schedules, the working calendar): raised in the transaction of every change, so that every
//! server of one database, reading them once a second, reloads what another changed.

use std::collections::HashMap;

use crate::db::WriteTx;
use crate::error::Result;
use crate::Database;

/// Agencies, fields, procedures, their workflows and fee schedules.
pub const CATALOG: &str = "catalog";
/// Days off and make-up working days.
pub const CALENDAR: &str = "calendar";

/// Marks `name` changed by the transaction.
pub(crate) async fn bump(tx: &mut WriteTx<'_>, name: &str) -> Result<()> {
    sqlx::query("UPDATE cache_versions SET version = version + 1 WHERE name = $1")
        .bind(name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every cached table's version now.
pub async fn current(db: &Database) -> Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, version FROM cache_versions").fetch_all(db.reader()).await?;
    Ok(rows.into_iter().collect())
}
