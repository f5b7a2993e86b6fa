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
    /// How long a claimed job is held before another worker may take it over. The worker renews
    /// it every third of its length while the handler runs, so it bounds how long a job waits
    /// after its worker died, not how long a handler may take.
    pub lease: Duration,
    /// The longest a handler may run before its attempt counts as failed.
    pub max_run_time: Duration,
    /// Jobs run side by side in this process, each by a loop of its own.
    pub workers: usize,
    /// Now.
    pub clock: Clock,
}

/// The lease of a claimed job: a job whose server was killed waits about this long.
pub const LEASE: Duration = Duration::from_secs(30);

/// Jobs run side by side on one server unless `--workers` says otherwise: most jobs wait on a
/// mail or SMS server, not on the processor.
pub const DEFAULT_WORKERS: usize = 4;

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            idle_poll: Duration::from_secs(1),
            lease: LEASE,
            max_run_time: Duration::from_secs(240),
            workers: DEFAULT_WORKERS,
            clock: Arc::new(Utc::now),
        }
    }
}

impl WorkerConfig {
    /// How often a running job's lease is renewed: three times per lease, so that one renewal
    /// lost to a busy database does not let the lease lapse.
    fn renew_every(&self) -> Duration {
        self.lease / 3
    }
}

/// A running worker: [`WorkerConfig::workers`] loops claiming and running jobs. Stop it with
/// [`Worker::stop`]; dropping it stops it too, after the jobs in hand.
#[must_use = "dropping the worker stops it"]
pub struct Worker {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Worker {
    /// Asks the worker to stop and waits until it has: it finishes the jobs in hand (so a
    /// message being handed to the mail server is not cut off) and claims no other.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the job worker ended abnormally");
            }
        }
        tracing::info!("job worker stopped");
    }
}

/// Starts a worker on the current tokio runtime.
pub fn start(db: Database, handlers: Handlers, config: WorkerConfig) -> Worker {
    let (stop, stopped) = watch::channel(false);
    tracing::info!(kinds = ?handlers.kinds(), workers = config.workers, "job worker started");
    let tasks = (0..config.workers.max(1))
        .map(|_| tokio::spawn(run(db.clone(), handlers.clone(), config.clone(), stopped.clone())))
        .collect();
    Worker { stop, tasks }
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
    tracing::debug!("job worker loop stopped");
}

async fn run_one(db: &Database, handlers: &Handlers, config: &WorkerConfig, job: Job) {
    let Some(handler) = handlers.by_kind.get(&job.kind) else {
        // Unreachable: only registered kinds are claimed.
        return;
    };
    // In a task of its own, so that a panicking handler fails its job instead of the worker.
    let mut task = tokio::spawn(handler(job.clone()));
    let deadline = tokio::time::sleep(config.max_run_time);
    tokio::pin!(deadline);
    let mut renewal =
        tokio::time::interval_at(tokio::time::Instant::now() + config.renew_every(), config.renew_every());
    let outcome = loop {
        tokio::select! {
            joined = &mut task => break match joined {
                Ok(result) => result,
                Err(e) => Err(JobError::retry(format!("the handler failed: {e}"))),
            },
            () = &mut deadline => {
                task.abort();
                break Err(JobError::retry(format!("the handler took more than {} s", config.max_run_time.as_secs())));
            }
            _ = renewal.tick() => {
                let until = (config.clock)() + chrono::Duration::from_std(config.lease).unwrap_or(chrono::Duration::seconds(30));
                match jobs::renew(db, &job, until).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict(reason)) => {
                        // Another worker runs it now; this one's outcome would not be recorded.
                        tracing::warn!(job = job.id, %reason, "lease lost while the job ran");
                        task.abort();
                        return;
                    }
                    Err(e) => tracing::warn!(job = job.id, error = %e, "could not renew a job's lease"),
                }
            }
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
