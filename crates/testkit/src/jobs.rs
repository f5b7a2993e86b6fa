//! The job worker in a test, run one job at a time: what a test asserts is about jobs that ran,
//! not about time that passed.

use motcua_app::jobs::worker::{run_once, Handlers, WorkerConfig};
use motcua_store::jobs::{self, Job};
use motcua_store::Database;

/// Runs the worker one job at a time until job `id` satisfies `done`, and returns the job.
/// Panics, saying what the job never did, when no job is due any more and it still does not
/// (a job waiting out its backoff is due once the worker's clock has moved past it).
pub async fn job_until(
    db: &Database,
    handlers: &Handlers,
    config: &WorkerConfig,
    id: i64,
    what: &str,
    done: impl Fn(&Job) -> bool,
) -> Job {
    loop {
        let job = jobs::get(db, id).await.expect("the job is stored");
        if done(&job) {
            return job;
        }
        let ran = run_once(db, handlers, config).await.expect("the worker claims a job");
        assert!(ran.is_some(), "job never {what}, and no job is due: {job:?}");
    }
}

/// Runs every job that is due, one at a time, until none is; the ids of those run, in order.
pub async fn run_due_jobs(db: &Database, handlers: &Handlers, config: &WorkerConfig) -> Vec<i64> {
    let mut ran = Vec::new();
    while let Some(id) = run_once(db, handlers, config).await.expect("the worker claims a job") {
        ran.push(id);
        assert!(ran.len() <= 10_000, "jobs keep coming: {ran:?}");
    }
    ran
}
