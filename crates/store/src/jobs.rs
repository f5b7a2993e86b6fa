//! Jobs in a table: work done after the request that causes it (e-mails, reminders, exports).
//!
//! A job is enqueued in the same transaction as the change that causes it, so it exists exactly
//! when that change does. Workers claim the oldest due job with a lease: on PostgreSQL with
//! `FOR UPDATE SKIP LOCKED`, so servers claiming side by side never wait for or take the same
//! row; on SQLite with a single `UPDATE … RETURNING`, which the engine runs atomically. A worker
//! that dies mid-job leaves its lease to expire, and the job is claimed again: nothing is lost,
//! at the price of running a job again after a crash, so handlers are written to be idempotent.
//! A failed job is retried with exponential backoff and given up ("dead") after its last
//! attempt, for an administrator to read.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, Engine, WriteTx};
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// Attempts a job gets unless its enqueuer says otherwise: with the backoff below, about six
/// hours of retries, which outlasts an ordinary mail server outage.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 10;

/// The wait before the first retry; each later retry waits twice as long as the one before.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);

/// The longest wait between two attempts, so a job is not forgotten for days after an outage.
pub const LONGEST_RETRY: Duration = Duration::from_secs(3600);

/// Longest error text kept per job: enough to diagnose, never a whole SMTP transcript.
const MAX_ERROR_CHARS: usize = 2000;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for its time, or leased to a worker while `locked_until` is in the future.
    Pending,
    /// Its handler succeeded.
    Done,
    /// Given up after its last attempt or a permanent error; kept for an administrator.
    Dead,
}

impl JobStatus {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Done => "done",
            JobStatus::Dead => "dead",
        }
    }

    /// The inverse of [`JobStatus::as_str`], for stored values and admin filters.
    pub fn parse(s: &str) -> Option<JobStatus> {
        match s {
            "pending" => Some(JobStatus::Pending),
            "done" => Some(JobStatus::Done),
            "dead" => Some(JobStatus::Dead),
            _ => None,
        }
    }
}

/// A job to enqueue. Build it with [`NewJob::new`] and the methods after it, so that the
/// defaults (run now, [`DEFAULT_MAX_ATTEMPTS`], no dedupe key) are written in one place.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// Which handler runs it, e.g. `email`.
    pub kind: String,
    /// What the handler needs, as JSON.
    pub payload: serde_json::Value,
    /// When set, enqueueing a second job with the same key does nothing: schedulers on several
    /// servers may all enqueue the day's digest, and it is still sent once.
    pub dedupe_key: Option<String>,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// Attempts before the job is given up.
    pub max_attempts: i64,
}

impl NewJob {
    /// A job of `kind` to run now.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> NewJob {
        NewJob { kind: kind.into(), payload, dedupe_key: None, run_at: Utc::now(), max_attempts: DEFAULT_MAX_ATTEMPTS }
    }

    /// Makes enqueueing idempotent under this key (see [`NewJob::dedupe_key`]).
    pub fn dedupe(mut self, key: impl Into<String>) -> NewJob {
        self.dedupe_key = Some(key.into());
        self
    }

    /// Runs the job no earlier than `at` (reminders, escalations).
    pub fn at(mut self, at: DateTime<Utc>) -> NewJob {
        self.run_at = at;
        self
    }

    /// Gives the job `n` attempts (at least one) instead of [`DEFAULT_MAX_ATTEMPTS`].
    pub fn max_attempts(mut self, n: i64) -> NewJob {
        self.max_attempts = n.max(1);
        self
    }
}

/// A stored job.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Identifier.
    pub id: i64,
    /// Which handler runs it.
    pub kind: String,
    /// The payload as stored: JSON text, parsed by the handler (see [`Job::payload_as`]) so that
    /// a payload it cannot read fails that one job rather than the claim.
    pub payload: String,
    /// Idempotence key, if any.
    pub dedupe_key: Option<String>,
    /// Where it is in its life.
    pub status: JobStatus,
    /// Not before.
    pub run_at: DateTime<Utc>,
    /// Attempts started so far, counting the one in progress: a claim counts as an attempt, so
    /// a job that crashes its worker every time is still given up in the end.
    pub attempts: i64,
    /// Attempts before it is given up.
    pub max_attempts: i64,
    /// While in the future, a worker holds the job; after it, the job may be claimed again.
    pub locked_until: Option<DateTime<Utc>>,
    /// Why the latest attempt failed.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it was done or given up.
    pub finished_at: Option<DateTime<Utc>>,
}

impl Job {
    /// The payload read as the handler's own type.
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> std::result::Result<T, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }

    fn from_row(row: &AnyRow) -> Result<Job> {
        let status: String = row.try_get("status")?;
        Ok(Job {
            id: row.try_get("id")?,
            kind: row.try_get("kind")?,
            payload: row.try_get("payload")?,
            dedupe_key: row.try_get("dedupe_key")?,
            status: JobStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("job status {status:?}")))?,
            run_at: row.try_get::<Millis, _>("run_at")?.0,
            attempts: row.try_get("attempts")?,
            max_attempts: row.try_get("max_attempts")?,
            locked_until: row.try_get::<Option<Millis>, _>("locked_until")?.map(|m| m.0),
            last_error: row.try_get("last_error")?,
            created_at: row.try_get::<Millis, _>("created_at")?.0,
            finished_at: row.try_get::<Option<Millis>, _>("finished_at")?.map(|m| m.0),
        })
    }
}

const COLUMNS: &str = "id, kind, payload, dedupe_key, status, run_at, attempts, max_attempts, locked_until, \
                       last_error, created_at, finished_at";

/// Enqueues a job in the caller's write transaction, normally that of the change that causes
/// it, so that both are committed or neither is. Returns the new job's id, or `None` when a job
/// with the same dedupe key already exists. Committing the transaction wakes a worker in this
/// process, so it starts at once.
pub async fn enqueue_in(tx: &mut WriteTx<'_>, job: &NewJob) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO jobs (kind, payload, dedupe_key, status, run_at, attempts, max_attempts, created_at) \
         VALUES ($1, $2, $3, 'pending', $4, 0, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(&job.kind)
    .bind(serde_json::to_string(&job.payload)?)
    .bind(job.dedupe_key.as_deref())
    .bind(Millis(job.run_at))
    .bind(job.max_attempts.max(1))
    .bind(Millis(Utc::now()))
    .fetch_optional(&mut **tx)
    .await?;
    if row.is_some() {
        tx.wake_jobs_on_commit();
    }
    Ok(row.map(|(id,)| id))
}

/// Enqueues a job on its own, for work that no other change goes with (a scheduler's digest).
/// Returns `None` when a job with the same dedupe key already exists.
pub async fn enqueue(db: &Database, job: &NewJob) -> Result<Option<i64>> {
    let mut tx = db.write_tx().await?;
    let id = enqueue_in(&mut tx, job).await?;
    tx.commit().await?;
    Ok(id)
}

/// Tells a worker in this process that a job was committed, so it need not wait for its next
/// poll (committing a transaction that enqueued one does this). Workers in other processes
/// find the job at their next poll.
pub fn wake(db: &Database) {
    db.jobs_enqueued().notify_one();
}

/// Claims the oldest due job of one of `kinds` for `lease`: its attempts go up by one and no
/// other worker may claim it until the lease ends (the worker renews it while the job runs, see
/// [`renew`]). A job whose lease ended without an outcome (its worker died) is claimable again;
/// one that had used its last attempt that way is given up instead, when the claim reaches it.
/// Only the kinds a worker can run are claimed, so a job of a kind that a newer version
/// introduced waits for a server that knows it.
///
/// The claim walks the index of due jobs from the oldest and touches only the rows it takes:
/// with thousands waiting it costs what it costs with one.
pub async fn claim(db: &Database, kinds: &[&str], now: DateTime<Utc>, lease: Duration) -> Result<Option<Job>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let until = chrono::Duration::from_std(lease)
        .ok()
        .and_then(|lease| now.checked_add_signed(lease))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    let kinds_sql = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect::<Vec<_>>().join(", ");
    let skip_locked = match db.engine {
        Engine::Postgres => " FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET attempts = attempts + 1, locked_until = $2 WHERE id = (\
         SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $1 \
         AND (locked_until IS NULL OR locked_until <= $1) AND kind IN ({kinds_sql}) \
         ORDER BY run_at, id LIMIT 1{skip_locked}) RETURNING {COLUMNS}"
    );
    let mut tx = db.write_tx().await?;
    // Each turn takes one job; a job found past its last attempt is given up and the next one
    // taken, a bounded number of times so that one claim never holds the writer for long.
    for _ in 0..16 {
        let mut query = sqlx::query(&sql).bind(Millis(now)).bind(Millis(until));
        for kind in kinds {
            query = query.bind(*kind);
        }
        let Some(row) = query.fetch_optional(&mut *tx).await? else { break };
        let job = Job::from_row(&row)?;
        if job.attempts <= job.max_attempts {
            tx.commit().await?;
            return Ok(Some(job));
        }
        sqlx::query(
            "UPDATE jobs SET status = 'dead', finished_at = $2, locked_until = NULL, attempts = attempts - 1, \
             last_error = 'the worker stopped during the last attempt (its lease expired)' WHERE id = $1",
        )
        .bind(job.id)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(None)
}

/// Extends the lease of a job its worker still holds to `until`: called every third of the
/// lease while the handler runs, so a lease can be short (a dead worker's job is taken over
/// within it) and a long job still runs once. A conflict means another worker took it over.
pub async fn renew(db: &Database, job: &Job, until: DateTime<Utc>) -> Result<()> {
    while_held(db, job, "locked_until = $3", &[Set::Time(until)]).await
}

/// Records how far a job got, as its new payload, while its worker still holds it: a job of
/// several steps (one message by each channel) that fails half-way is retried from where it
/// stopped instead of from the start.
pub async fn record_progress(db: &Database, job: &Job, payload: &serde_json::Value) -> Result<()> {
    while_held(db, job, "payload = $3", &[Set::Text(serde_json::to_string(payload)?)]).await
}

/// Marks a claimed job done. Only the worker still holding the job may: if its lease ended and
/// another worker claimed the job since, this is a conflict and the other worker's outcome wins.
pub async fn complete(db: &Database, job: &Job, now: DateTime<Utc>) -> Result<()> {
    while_held(db, job, "status = 'done', finished_at = $3, locked_until = NULL", &[Set::Time(now)]).await
}

/// What became of a failed job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// It runs again no earlier than this.
    RetryAt(DateTime<Utc>),
    /// It was given up.
    Dead,
}

/// The wait after the `attempts`-th failed attempt: [`FIRST_RETRY`] doubled for each earlier
/// failure, at most [`LONGEST_RETRY`]. Quick retries ride out a blip; long ones do not hammer a
/// server that is down.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(LONGEST_RETRY)
}

/// Records a failed attempt of a claimed job: it is retried after [`backoff`], or given up when
/// that was its last attempt.
pub async fn fail(db: &Database, job: &Job, error: &str, now: DateTime<Utc>) -> Result<Failure> {
    if job.attempts >= job.max_attempts {
        bury(db, job, error, now).await?;
        return Ok(Failure::Dead);
    }
    let at = now + chrono::Duration::from_std(backoff(job.attempts)).unwrap_or(chrono::Duration::hours(1));
    let set = "run_at = $3, locked_until = NULL, last_error = $4";
    while_held(db, job, set, &[Set::Time(at), Set::Text(truncated(error))]).await?;
    Ok(Failure::RetryAt(at))
}

/// Gives up a claimed job at once: for errors that no retry can mend (a payload the handler
/// cannot read, an address the mail server refuses).
pub async fn bury(db: &Database, job: &Job, error: &str, now: DateTime<Utc>) -> Result<()> {
    let set = "status = 'dead', finished_at = $3, locked_until = NULL, last_error = $4";
    while_held(db, job, set, &[Set::Time(now), Set::Text(truncated(error))]).await
}

/// Puts a dead job back in the queue with fresh attempts, once an administrator has mended its
/// cause (a mail server's configuration, a citizen's address).
pub async fn requeue(db: &Database, id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let requeued = sqlx::query(
        "UPDATE jobs SET status = 'pending', attempts = 0, run_at = $2, locked_until = NULL, finished_at = NULL \
         WHERE id = $1 AND status = 'dead'",
    )
    .bind(id)
    .bind(Millis(now))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if requeued == 0 {
        return Err(StoreError::NotFound);
    }
    tx.wake_jobs_on_commit();
    tx.commit().await
}

/// A value [`while_held`] sets, as `$3`, `$4`…
enum Set {
    Time(DateTime<Utc>),
    Text(String),
}

/// Updates a claimed job (`set`, its values from `$3` on) only while the worker still holds it:
/// if its lease ended and another worker claimed it since, this is a conflict and the other
/// worker's outcome wins.
async fn while_held(db: &Database, job: &Job, set: &str, values: &[Set]) -> Result<()> {
    let sql = format!("UPDATE jobs SET {set} WHERE id = $1 AND attempts = $2 AND status = 'pending'");
    let mut query = sqlx::query(&sql).bind(job.id).bind(job.attempts);
    for value in values {
        query = match value {
            Set::Time(t) => query.bind(Millis(*t)),
            Set::Text(text) => query.bind(text.clone()),
        };
    }
    let mut tx = db.write_tx().await?;
    let updated = query.execute(&mut *tx).await?;
    tx.commit().await?;
    if updated.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!("job {} is no longer held by this worker (its lease ended)", job.id)))
    }
}

fn truncated(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        Some((i, _)) => format!("{}…", &error[..i]),
        None => error.to_string(),
    }
}

/// A job by id, for an administrator and for tests.
pub async fn get(db: &Database, id: i64) -> Result<Job> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    Job::from_row(&row)
}

/// The latest jobs, newest first, of one status or all: the administrators' view of the queue.
pub async fn list(db: &Database, status: Option<JobStatus>, limit: i64) -> Result<Vec<Job>> {
    let limit = limit.clamp(1, 1000);
    let rows = match status {
        Some(s) => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE status = $1 ORDER BY id DESC LIMIT {limit}"))
                .bind(s.as_str())
                .fetch_all(db.reader())
                .await?
        }
        None => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM jobs ORDER BY id DESC LIMIT {limit}"))
                .fetch_all(db.reader())
                .await?
        }
    };
    rows.iter().map(Job::from_row).collect()
}

/// How many jobs are in each state, for the administrators' view and monitoring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// Waiting for their time or for a worker.
    pub waiting: i64,
    /// Held by a worker now.
    pub running: i64,
    /// Done.
    pub done: i64,
    /// Given up.
    pub dead: i64,
}

/// Counts the jobs in each state as of `now` (which decides whether a lease still holds).
pub async fn counts(db: &Database, now: DateTime<Utc>) -> Result<JobCounts> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT status, CAST(CASE WHEN locked_until > $1 THEN 1 ELSE 0 END AS BIGINT), CAST(COUNT(*) AS BIGINT) \
         FROM jobs GROUP BY 1, 2",
    )
    .bind(Millis(now))
    .fetch_all(db.reader())
    .await?;
    let mut c = JobCounts::default();
    for (status, held, n) in rows {
        match (JobStatus::parse(&status), held) {
            (Some(JobStatus::Pending), 1) => c.running += n,
            (Some(JobStatus::Pending), _) => c.waiting += n,
            (Some(JobStatus::Done), _) => c.done += n,
            (Some(JobStatus::Dead), _) => c.dead += n,
            (None, _) => return Err(StoreError::Corrupt(format!("job status {status:?}"))),
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let secs: Vec<u64> = (1..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(0), FIRST_RETRY);
        assert_eq!(backoff(i64::MAX), LONGEST_RETRY);
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let long = "ố".repeat(MAX_ERROR_CHARS + 10);
        let cut = truncated(&long);
        assert_eq!(cut.chars().count(), MAX_ERROR_CHARS + 1);
        assert_eq!(truncated("ngắn"), "ngắn");
    }
}
