//! Rate limits shared by every server of one database: the generic cell rate algorithm (GCRA,
//! as governor runs it in memory) kept in one row per limit and client, so that a client
//! spreading its requests over several servers gets one allowance, not one per server.
//!
//! A check is one statement: the row's "theoretical arrival time" moves on by one interval
//! when the request is allowed, and does not move when it is refused (the `WHERE` of the
//! upsert fails and nothing is returned).

use chrono::{DateTime, Utc};

use crate::db::Database;
use crate::error::Result;

/// A limit: `burst` requests at once, then one per `interval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Requests allowed at once.
    pub burst: u32,
    /// The steady pace: one request per this many milliseconds.
    pub interval_ms: i64,
}

/// Counts a request of `client` against the limit `bucket` at `now`: true when allowed.
pub async fn allow(db: &Database, bucket: &str, client: &str, quota: Quota, now: DateTime<Utc>) -> Result<bool> {
    let now = now.timestamp_millis();
    let interval = quota.interval_ms.max(1);
    let tolerance = interval.saturating_mul(i64::from(quota.burst.max(1)));
    let mut tx = db.write_tx().await?;
    // CASE rather than GREATEST/MAX, which the two engines spell differently.
    let allowed: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO rate_limits (bucket, client, tat) VALUES ($1, $2, $3 + $4) \
         ON CONFLICT (bucket, client) DO UPDATE \
         SET tat = (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) + $4 \
         WHERE (CASE WHEN rate_limits.tat > $3 THEN rate_limits.tat ELSE $3 END) + $4 - $5 <= $3 \
         RETURNING tat",
    )
    .bind(bucket)
    .bind(client)
    .bind(now)
    .bind(interval)
    .bind(tolerance)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(allowed.is_some())
}

/// Forgets the clients whose allowance is whole again: their rows say nothing more than no row.
pub async fn sweep(db: &Database, now: DateTime<Utc>) -> Result<u64> {
    let mut tx = db.write_tx().await?;
    let gone =
        sqlx::query("DELETE FROM rate_limits WHERE tat < $1").bind(now.timestamp_millis()).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(gone.rows_affected())
}
