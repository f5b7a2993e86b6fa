//! The daily sweep of the attachment store (`motcua_store::blobs::sweep`): bytes written for a
//! submission whose transaction then failed are named by no record, and are deleted once they are
//! an hour old. One job a day, deduplicated by its key, so several servers sweep once.

use chrono::NaiveDate;
use motcua_store::jobs::NewJob;
use motcua_store::{Database, StoreError};

use super::worker::{Handlers, JobError};
use crate::state::AppState;

/// The job kind of the daily sweep.
pub const SWEEP_JOB: &str = "blob_sweep";

/// How old unnamed bytes must be to go: longer than any submission's transaction.
pub const SWEEP_OLDER_THAN: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Enqueues the day's sweep, to run at once; safe to call any number of times.
pub async fn schedule(db: &Database, day: NaiveDate) -> Result<bool, StoreError> {
    let job = NewJob::new(SWEEP_JOB, serde_json::json!({ "day": day })).dedupe(format!("blob-sweep:{day}"));
    Ok(motcua_store::jobs::enqueue(db, &job).await?.is_some())
}

/// Adds the sweep to the worker's handlers.
pub fn register(handlers: Handlers, state: AppState) -> Handlers {
    handlers.register(SWEEP_JOB, move |_job| {
        let state = state.clone();
        async move {
            let swept = motcua_store::blobs::sweep(&state.db, &state.blobs, SWEEP_OLDER_THAN)
                .await
                .map_err(|e| JobError::retry(e.to_string()))?;
            tracing::info!(seen = swept.seen, deleted = swept.deleted, "attachment store swept");
            Ok(())
        }
    })
}
