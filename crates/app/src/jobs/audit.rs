//! The daily signed audit checkpoint (issue 16): once a day the digest of every dossier's
//! history head, MAC'd with the audit key, is stored (`store::audit::checkpoint`), written to
//! the log and, when configured, appended to a file outside the database. `motcua audit verify`
//! then names every history deleted whole since the latest checkpoint.
//!
//! Like the digests, it goes through the job queue: one job a day (its dedupe key makes the
//! scheduling idempotent with several servers), retried if it fails.

use chrono::{DateTime, NaiveDate, Utc};
use motcua_store::audit::Checkpoint;
use motcua_store::jobs::NewJob;
use motcua_store::{Database, StoreError};

use super::worker::{Handlers, JobError};
use crate::state::AppState;

/// The job kind of the daily checkpoint.
pub const CHECKPOINT_JOB: &str = "audit_checkpoint";

/// Enqueues the day's checkpoint, to run at once. Safe to call any number of times: one
/// checkpoint a day. Whether this call enqueued it.
pub async fn schedule_checkpoint(db: &Database, day: NaiveDate) -> Result<bool, StoreError> {
    let job = NewJob::new(CHECKPOINT_JOB, serde_json::json!({ "day": day })).dedupe(format!("audit-checkpoint:{day}"));
    Ok(motcua_store::jobs::enqueue(db, &job).await?.is_some())
}

/// Takes a checkpoint now: stores it, logs it and appends it to the configured file.
pub async fn take_checkpoint(state: &AppState, now: DateTime<Utc>) -> Result<Checkpoint, JobError> {
    let cp = motcua_store::audit::checkpoint(&state.db, now).await.map_err(|e| JobError::retry(e.to_string()))?;
    let line = cp.to_json_line();
    tracing::info!(
        target: "motcua::audit",
        dossiers = cp.dossiers,
        events = cp.events,
        digest = %cp.digest,
        mac = %cp.mac,
        "audit checkpoint {line}"
    );
    if let Some(path) = state.config.audit_checkpoint_file.clone() {
        let shown = path.display().to_string();
        tokio::task::spawn_blocking(move || append_line(&path, &line))
            .await
            .map_err(|e| JobError::retry(e.to_string()))?
            .map_err(|e| JobError::retry(format!("cannot append the audit checkpoint to {shown}: {e}")))?;
    }
    Ok(cp)
}

/// Appends one line and makes it durable before the job counts as done.
fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    file.sync_data()
}

/// Adds the checkpoint kind to the worker's handlers.
pub fn register(handlers: Handlers, state: AppState) -> Handlers {
    handlers.register(CHECKPOINT_JOB, move |_job| {
        let state = state.clone();
        async move { take_checkpoint(&state, Utc::now()).await.map(|_| ()) }
    })
}
