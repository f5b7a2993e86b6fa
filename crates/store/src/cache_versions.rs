//! The versions of what servers keep in memory (the catalog with its workflows and fee
//! schedules, the working calendar): raised in the transaction of every change, so that every
//! server of one database reloads what another changed. On PostgreSQL the change is also
//! announced (`NOTIFY motcua_cache`, delivered when its transaction commits) to every server
//! listening ([`Listener`]); servers that cannot listen (SQLite, a lost connection) read the
//! versions once a second instead.

use std::collections::HashMap;

use sqlx::postgres::PgListener;

use crate::db::{Engine, WriteTx};
use crate::error::Result;
use crate::Database;

/// The PostgreSQL channel of the announcements; the payload is the name of what changed.
const CHANNEL: &str = "motcua_cache";

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
    if tx.engine() == Engine::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(name).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Every cached table's version now.
pub async fn current(db: &Database) -> Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, version FROM cache_versions").fetch_all(db.reader()).await?;
    Ok(rows.into_iter().collect())
}

/// What a [`Listener`] heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    /// Another server (or this one) committed a change of what the name ([`CATALOG`],
    /// [`CALENDAR`]) caches.
    Changed(String),
    /// The connection was lost, and announcements with it: check the versions. The next
    /// [`Listener::next`] connects again.
    Lost,
}

/// A connection of its own that hears the announcements of changes as they commit.
pub struct Listener(PgListener);

impl Listener {
    /// Starts listening: `None` on SQLite, whose only server makes every change itself.
    pub async fn start(db: &Database) -> Result<Option<Listener>> {
        let Some(url) = db.postgres_url() else { return Ok(None) };
        let mut listener = PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(Listener(listener)))
    }

    /// The next announcement, waiting for it.
    pub async fn next(&mut self) -> Result<Heard> {
        Ok(match self.0.try_recv().await? {
            Some(n) => Heard::Changed(n.payload().to_string()),
            None => Heard::Lost,
        })
    }
}
