//! The job worker with handlers of its own, on SQLite and on PostgreSQL: kinds are dispatched to
//! their handlers, a panicking handler fails only its job, a job held by a worker that died is
//! run by the next one, and the worker stops when asked.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use motcua_app::jobs::worker::{self, Handlers, JobError, WorkerConfig};
use motcua_store::jobs::{self, Job, JobStatus, NewJob};
use motcua_store::Database;
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    each_kind_goes_to_its_handler,
    a_panicking_handler_fails_only_its_job,
    a_job_held_by_a_dead_worker_is_run_by_the_next,
);

async fn job_until(db: &Database, id: i64, what: &str, done: impl Fn(&Job) -> bool) -> Job {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job = jobs::get(db, id).await.unwrap();
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "job never {what}: {job:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A clock `skew` milliseconds ahead of the wall clock.
fn skewed(skew: &Arc<AtomicI64>) -> worker::Clock {
    let skew = skew.clone();
    Arc::new(move || Utc::now() + chrono::Duration::milliseconds(skew.load(Ordering::SeqCst)))
}

async fn each_kind_goes_to_its_handler(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (a, b) = (seen.clone(), seen.clone());
    let handlers = Handlers::new()
        .register("daily_digest", move |job: Job| {
            let seen = a.clone();
            async move {
                seen.lock().unwrap().push(format!("digest {}", job.payload));
                Ok(())
            }
        })
        .register("escalation", move |job: Job| {
            let seen = b.clone();
            async move {
                seen.lock().unwrap().push(format!("escalation {}", job.payload));
                Err(JobError::permanent("no leader to escalate to"))
            }
        });
    assert_eq!(handlers.kinds(), ["daily_digest", "escalation"]);
    let w = worker::start(t.db.clone(), handlers, WorkerConfig::default());

    let digest = jobs::enqueue(&t.db, &NewJob::new("daily_digest", serde_json::json!({"day": "2026-11-27"})))
        .await
        .unwrap()
        .unwrap();
    let escalation =
        jobs::enqueue(&t.db, &NewJob::new("escalation", serde_json::json!({"dossier": 7}))).await.unwrap().unwrap();
    let unknown = jobs::enqueue(&t.db, &NewJob::new("export", serde_json::json!({}))).await.unwrap().unwrap();
    job_until(&t.db, digest, "done", |j| j.status == JobStatus::Done).await;
    let dead = job_until(&t.db, escalation, "given up", |j| j.status == JobStatus::Dead).await;
    assert_eq!(dead.last_error.as_deref(), Some("no leader to escalate to"));
    w.stop().await;

    let unclaimed = jobs::get(&t.db, unknown).await.unwrap();
    assert_eq!((unclaimed.status, unclaimed.attempts), (JobStatus::Pending, 0), "a kind it does not know is left");
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, [r#"digest {"day":"2026-11-27"}"#, r#"escalation {"dossier":7}"#]);
}

async fn a_panicking_handler_fails_only_its_job(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let handlers = Handlers::new().register("flaky", |job: Job| async move {
        let boom: bool = job.payload_as().unwrap();
        if boom {
            panic!("handler bug");
        }
        Ok(())
    });
    let w = worker::start(t.db.clone(), handlers, WorkerConfig::default());
    let bad = jobs::enqueue(&t.db, &NewJob::new("flaky", serde_json::json!(true))).await.unwrap().unwrap();
    let failed = job_until(&t.db, bad, "failed", |j| j.last_error.is_some()).await;
    assert_eq!((failed.status, failed.attempts), (JobStatus::Pending, 1), "retried later");
    assert!(failed.last_error.unwrap().contains("panic"));
    let good = jobs::enqueue(&t.db, &NewJob::new("flaky", serde_json::json!(false))).await.unwrap().unwrap();
    job_until(&t.db, good, "done", |j| j.status == JobStatus::Done).await;
    w.stop().await;
}

async fn a_job_held_by_a_dead_worker_is_run_by_the_next(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = jobs::enqueue(&t.db, &NewJob::new("work", serde_json::json!({}))).await.unwrap().unwrap();
    // A worker claims the job, then its server is killed before it records an outcome.
    let lease = Duration::from_secs(300);
    jobs::claim(&t.db, &["work"], Utc::now(), lease).await.unwrap().unwrap();

    let runs = Arc::new(AtomicI64::new(0));
    let counted = runs.clone();
    let handlers = Handlers::new().register("work", move |_job: Job| {
        let runs = counted.clone();
        async move {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let skew = Arc::new(AtomicI64::new(0));
    let config = WorkerConfig { idle_poll: Duration::from_millis(50), lease, clock: skewed(&skew) };
    // The restarted server leaves the job alone while the lease holds...
    assert_eq!(worker::run_once(&t.db, &handlers, &config).await.unwrap(), None, "the lease still holds");
    assert_eq!(runs.load(Ordering::SeqCst), 0, "the lease still holds");
    // ...and runs it once the lease has expired.
    skew.store(301_000, Ordering::SeqCst);
    assert_eq!(worker::run_once(&t.db, &handlers, &config).await.unwrap(), Some(id));
    let done = job_until(&t.db, id, "done", |j| j.status == JobStatus::Done).await;
    assert_eq!(done.attempts, 2);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}
