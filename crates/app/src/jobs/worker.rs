//! The job worker: a background task that claims jobs from the database and runs each with the
//! handler registered for its kind.
//!
//! A job is done only when its handler returns `Ok` (for an e-mail: once the mail server has
//! accepted the message). A failure is retried with backoff by the store; a permanent failure
//! gives the job up at once. If the server stops or dies mid-job, the job's lease expires and a
//! worker (here or on another server) runs it again, so handlers must be idempotent: an e-mail
//! may, rarely, be sent twice, but never lost.
//!
//! To add a kind of job, write a handler that takes the claimed [`Job`] and answers a
//! [`JobResult`], and register it in [`handlers`]:
//!
//! ```ignore
//! let db = db.clone();
//! handlers.register("daily_digest", move |job| {
//!     let db = db.clone();
//!     async move { digest::send(&db, &job).await.map_err(|e| JobError::retry(e.to_string())) }
//! })
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::FutureExt;
use motcua_store::jobs::{self, Failure, Job};
use motcua_store::{Database, StoreError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::mail::{MailError, Mailer, EMAIL_JOB};

/// What a handler answers.
pub type JobResult = Result<(), JobError>;

/// Why a job failed, and whether trying again can help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobError {
    /// What went wrong, kept on the job for an administrator.
    pub message: String,
    /// When true the job is given up at once instead of retried.
    pub permanent: bool,
}

impl JobError {
    /// A failure that may pass (a server down, a timeout): the job is retried with backoff.
    pub fn retry(message: impl Into<String>) -> JobError {
        JobError { message: message.into(), permanent: false }
    }

    /// A failure no retry can mend (an unreadable payload, a refused address).
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError { message: message.into(), permanent: true }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<MailError> for JobError {
    fn from(e: MailError) -> JobError {
        JobError { permanent: e.is_permanent(), message: e.to_string() }
    }
}

type Handler = Arc<dyn Fn(Job) -> BoxFuture<'static, JobResult> + Send + Sync>;

/// The handler of each kind of job the worker runs. A worker claims only these kinds, so a job
/// of a kind this build does not know waits for a server that does.
#[derive(Clone, Default)]
pub struct Handlers {
    by_kind: HashMap<String, Handler>,
}

impl Handlers {
    /// No handlers: start from here to build a worker for tests or for a single kind.
    pub fn new() -> Handlers {
        Handlers::default()
    }

    /// Runs jobs of `kind` with `handler` (replacing any handler of that kind). The handler gets
    /// the claimed job and captures what else it needs (the database, the mailer).
    pub fn register<F, Fut>(mut self, kind: &str, handler: F) -> Handlers
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        self.by_kind.insert(kind.to_string(), Arc::new(move |job| handler(job).boxed()));
        self
    }

    /// The kinds registered, sorted.
    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.by_kind.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        kinds
    }
}

/// Every kind of job the platform runs, with what their handlers need: the one place to
/// register a new kind.
pub fn handlers(mailer: Mailer) -> Handlers {
    Handlers::new().register(EMAIL_JOB, move |job| {
        let mailer = mailer.clone();
        async move { mailer.send_job(&job).await.map_err(JobError::from) }
    })
}

/// The time as the worker sees it; tests move it forward instead of waiting out a backoff.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How the worker runs.
#[derive(Clone)]
pub struct WorkerConfig {
    /// How long to sleep when no job is due. Jobs enqueued in this process wake the worker at
    /// once; this bounds the delay for jobs enqueued by other servers and for retries.
    pub idle_poll: Duration,
    /// How long a claimed job is held. A handler gets most of it (see [`WorkerConfig::run_time`])
    /// so that no other worker starts the job while it still runs.
    pub lease: Duration,
    /// Now.
    pub clock: Clock,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig { idle_poll: Duration::from_secs(1), lease: Duration::from_secs(300), clock: Arc::new(Utc::now) }
    }
}

impl WorkerConfig {
    /// The time a handler may take: four fifths of the lease, leaving the rest to record the
    /// outcome before another worker may claim the job.
    pub fn run_time(&self) -> Duration {
        self.lease.mul_f64(0.8)
    }
}

/// A running worker. Stop it with [`Worker::stop`]; dropping it stops it too, after its
/// current job.
#[must_use = "dropping the worker stops it"]
pub struct Worker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Worker {
    /// Asks the worker to stop and waits until it has: it finishes the job in hand (so a message
    /// being handed to the mail server is not cut off) and claims no other.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "the job worker ended abnormally");
        }
    }
}

/// Starts a worker on the current tokio runtime.
pub fn start(db: Database, handlers: Handlers, config: WorkerConfig) -> Worker {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(db, handlers, config, stopped));
    Worker { stop, task }
}

/// Claims one job that is due now (by the configuration's clock) and runs it to its recorded
/// outcome: the id of the job run, or `None` when no job can be claimed. What the worker's loop
/// does once; tests use it to prove that nothing is due instead of waiting and seeing nothing.
pub async fn run_once(db: &Database, handlers: &Handlers, config: &WorkerConfig) -> Result<Option<i64>, StoreError> {
    let Some(job) = jobs::claim(db, &handlers.kinds(), (config.clock)(), config.lease).await? else {
        return Ok(None);
    };
    let id = job.id;
    run_one(db, handlers, config, job).await;
    Ok(Some(id))
}

async fn run(db: Database, handlers: Handlers, config: WorkerConfig, mut stopped: watch::Receiver<bool>) {
    let kinds = handlers.kinds();
    tracing::info!(?kinds, "job worker started");
    loop {
        if *stopped.borrow() {
            break;
        }
        match jobs::claim(&db, &kinds, (config.clock)(), config.lease).await {
            Ok(Some(job)) => {
                run_one(&db, &handlers, &config, job).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not claim a job"),
        }
        tokio::select! {
            _ = db.jobs_enqueued().notified() => {}
            _ = tokio::time::sleep(config.idle_poll) => {}
            changed = stopped.changed() => if changed.is_err() { break },
        }
    }
    tracing::info!("job worker stopped");
}

async fn run_one(db: &Database, handlers: &Handlers, config: &WorkerConfig, job: Job) {
    let Some(handler) = handlers.by_kind.get(&job.kind) else {
        // Unreachable: only registered kinds are claimed.
        return;
    };
    // In a task of its own, so that a panicking handler fails its job instead of the worker.
    let mut task = tokio::spawn(handler(job.clone()));
    let outcome = match tokio::time::timeout(config.run_time(), &mut task).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(JobError::retry(format!("the handler failed: {e}"))),
        Err(_) => {
            task.abort();
            Err(JobError::retry(format!("the handler took more than {} s", config.run_time().as_secs())))
        }
    };
    record(db, config, &job, outcome).await;
}

/// Records a job's outcome, trying again for a while if the database is briefly away: an
/// outcome not recorded means the job runs again when its lease ends.
async fn record(db: &Database, config: &WorkerConfig, job: &Job, outcome: JobResult) {
    let mut pause = Duration::from_millis(200);
    for _ in 0..6 {
        let now = (config.clock)();
        let recorded = match &outcome {
            Ok(()) => jobs::complete(db, job, now).await.map(|()| {
                tracing::info!(job = job.id, kind = %job.kind, attempt = job.attempts, "job done");
            }),
            Err(e) if e.permanent => jobs::bury(db, job, &e.message, now).await.map(|()| {
                tracing::error!(job = job.id, kind = %job.kind, error = %e, "job given up: the error is permanent");
            }),
            Err(e) => jobs::fail(db, job, &e.message, now).await.map(|failure| match failure {
                Failure::RetryAt(at) => {
                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e, retry_at = %at,
                        "job failed; it will be retried")
                }
                Failure::Dead => {
                    tracing::error!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e,
                        "job given up after its last attempt")
                }
            }),
        };
        match recorded {
            Ok(()) => return,
            Err(StoreError::Conflict(reason)) => {
                tracing::warn!(job = job.id, %reason, "outcome not recorded: another worker took the job over");
                return;
            }
            Err(e) => {
                tracing::error!(job = job.id, error = %e, "could not record a job's outcome; trying again");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
        }
    }
}
