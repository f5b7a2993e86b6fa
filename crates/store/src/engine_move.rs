//! Moving a centre's SQLite database to PostgreSQL (`motcua migrate-to-postgres`), for a centre
//! that outgrows the embedded engine: every row of every table copied in one PostgreSQL
//! transaction, so that a failed move leaves the new database empty rather than half filled.
//!
//! Both databases are first brought to this build's migrations, so that they have the same
//! tables and columns; the copy follows the tables' foreign keys, inserts many rows per round
//! trip, and ends by moving each identity column's sequence past the copied ids. The histories'
//! hashes and seals cover the rows' content, not the engine, so they verify on the new database
//! with the same audit key.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, Engine};
use crate::error::{Result, StoreError};

/// Tables not copied: the migrations' own record (each engine's texts have their own checksums)
/// and the office word index, which each engine fills by its own triggers as the office's
/// documents and texts are copied.
const NOT_COPIED: [&str; 2] = ["schema_migrations", "office_search"];

/// The most parameters one INSERT binds (PostgreSQL allows 65,535).
const MAX_PARAMETERS: usize = 30_000;

/// What a move copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Each table and its number of rows, in the order copied.
    pub tables: Vec<(String, u64)>,
}

impl Moved {
    /// Rows copied in all.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// One column of a table, as PostgreSQL types it.
struct Column {
    name: String,
    kind: Kind,
}

/// The types the migrations use: times and flags are BIGINT (see [`crate::types`]), the rest
/// TEXT.
#[derive(Clone, Copy)]
enum Kind {
    Integer,
    Text,
    Real,
}

impl Kind {
    fn of(pg_type: &str) -> Result<Kind> {
        match pg_type {
            "bigint" | "integer" | "smallint" => Ok(Kind::Integer),
            "text" | "character varying" => Ok(Kind::Text),
            "double precision" | "real" => Ok(Kind::Real),
            other => Err(StoreError::Other(format!("a column of type {other} cannot be moved yet"))),
        }
    }
}

/// A value read from SQLite, to be bound on PostgreSQL.
enum Value {
    Integer(Option<i64>),
    Text(Option<String>),
    Real(Option<f64>),
}

/// Whether a PostgreSQL database holds no table yet: the only database a move writes into.
pub async fn is_empty(db: &Database) -> Result<bool> {
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() \
         AND table_type = 'BASE TABLE'",
    )
    .fetch_one(db.reader())
    .await?;
    Ok(tables == 0)
}

/// Copies every row of `from` (SQLite) into `to` (PostgreSQL). Both must be migrated to this
/// build's version, and `to` must have been empty before its migration (see [`is_empty`]): the
/// rows its migrations wrote are replaced by the source's. Returns each table's count, checked
/// against the source's after the copy and before the commit.
pub async fn copy_sqlite_to_postgres(from: &Database, to: &Database) -> Result<Moved> {
    if from.engine != Engine::Sqlite || to.engine != Engine::Postgres {
        return Err(StoreError::Other("a move goes from a SQLite database to a PostgreSQL database".into()));
    }
    let tables = tables_in_order(to).await?;
    let mut snapshot = from.snapshot().await?;
    let mut tx = to.write_tx().await?;
    for (table, _) in tables.iter().rev() {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
    }
    let mut moved = Moved { tables: Vec::new() };
    for (table, columns) in &tables {
        let list = columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
        let select = format!("SELECT {list} FROM {table}");
        let per_insert = (MAX_PARAMETERS / columns.len()).clamp(1, 1_000);
        let mut rows = sqlx::query(&select).fetch(&mut *snapshot);
        let mut batch = Vec::with_capacity(per_insert);
        while let Some(row) = rows.try_next().await? {
            batch.push(read_row(&row, table, columns)?);
            if batch.len() == per_insert {
                insert(&mut tx, table, &list, columns.len(), std::mem::take(&mut batch)).await?;
            }
        }
        insert(&mut tx, table, &list, columns.len(), batch).await?;
        drop(rows);
        let (source,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *snapshot).await?;
        let (target,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut *tx).await?;
        if source != target {
            return Err(StoreError::Other(format!(
                "{table}: {source} rows in SQLite but {target} copied; nothing was moved"
            )));
        }
        moved.tables.push((table.clone(), target as u64));
    }
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (table, column) in identities {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
             COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
        ))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    snapshot.rollback().await?;
    Ok(moved)
}

/// The tables to copy with their columns (those PostgreSQL does not generate), each after the
/// tables its foreign keys name.
async fn tables_in_order(to: &Database) -> Result<Vec<(String, Vec<Column>)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::TEXT, c.column_name::TEXT, c.data_type::TEXT \
         FROM information_schema.columns c JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
           AND c.is_generated = 'NEVER' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(to.reader())
    .await?;
    let mut columns: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for (table, name, pg_type) in rows {
        if NOT_COPIED.contains(&table.as_str()) {
            continue;
        }
        let kind = Kind::of(&pg_type).map_err(|e| StoreError::Other(format!("{table}.{name}: {e}")))?;
        columns.entry(table).or_default().push(Column { name, kind });
    }
    let references: Vec<(String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::TEXT, confrelid::regclass::TEXT FROM pg_constraint \
         WHERE contype = 'f' AND connamespace = current_schema()::regnamespace",
    )
    .fetch_all(to.reader())
    .await?;
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (table, named) in &references {
        if table != named {
            needs.entry(table.as_str()).or_default().insert(named.as_str());
        }
    }
    // Tables whose references are all placed, alphabetically among equals, until none is left.
    let mut placed: Vec<String> = Vec::with_capacity(columns.len());
    let mut left: BTreeSet<&str> = columns.keys().map(String::as_str).collect();
    while !left.is_empty() {
        let ready: Vec<&str> =
            left.iter().copied().filter(|t| needs.get(t).is_none_or(|n| n.iter().all(|r| !left.contains(r)))).collect();
        if ready.is_empty() {
            return Err(StoreError::Other(format!("foreign keys go round in a circle among {left:?}")));
        }
        for t in ready {
            left.remove(t);
            placed.push(t.to_string());
        }
    }
    Ok(placed.into_iter().map(|t| (t.clone(), columns.remove(&t).unwrap_or_default())).collect())
}

/// One SQLite row's values, read as the PostgreSQL columns' types.
fn read_row(row: &AnyRow, table: &str, columns: &[Column]) -> Result<Vec<Value>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let value = match c.kind {
                Kind::Integer => row.try_get::<Option<i64>, _>(i).map(Value::Integer),
                Kind::Text => row.try_get::<Option<String>, _>(i).map(Value::Text),
                Kind::Real => row.try_get::<Option<f64>, _>(i).map(Value::Real),
            };
            value.map_err(|e| StoreError::Other(format!("{table}.{}: {e}", c.name)))
        })
        .collect()
}

/// Inserts a batch of rows in one statement.
async fn insert(
    tx: &mut crate::WriteTx<'_>,
    table: &str,
    list: &str,
    width: usize,
    batch: Vec<Vec<Value>>,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let sql = format!("INSERT INTO {table} ({list}) VALUES {}", crate::values_rows(batch.len(), width));
    let mut query = sqlx::query(&sql);
    for value in batch.into_iter().flatten() {
        query = match value {
            Value::Integer(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
        };
    }
    query.execute(&mut **tx).await.map_err(|e| StoreError::Other(format!("{table}: {e}")))?;
    Ok(())
}
