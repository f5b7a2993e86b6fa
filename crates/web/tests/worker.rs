//! The job worker with handlers of its own, on SQLite and on PostgreSQL: kinds are dispatched to
//! their handlers, a panicking handler fails only its job, a job held by a worker that died is
//! run by the next one, and the worker stops when asked. No test waits for time to pass: the
//! worker in the background is awaited through what its handlers report, and otherwise the
//! worker runs one job at a time (`run_once`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use motcua_app::jobs::worker::{self, Handlers, JobError, WorkerConfig};
use motcua_store::jobs::{self, Job, JobStatus, NewJob};
use motcua_testkit::{job_until, on_both_engines, TestDb, TestEngine};
use tokio::sync::mpsc;

on_both_engines!(
    each_kind_goes_to_its_handler,
    a_panicking_handler_fails_only_its_job,
    a_job_held_by_a_dead_worker_is_run_by_the_next,
    a_job_that_runs_longer_than_its_lease_keeps_it,
);

/// A clock `skew` milliseconds ahead of the wall clock.
fn skewed(skew: &Arc<AtomicI64>) -> worker::Clock {
    let skew = skew.clone();
    Arc::new(move || Utc::now() + chrono::Duration::milliseconds(skew.load(Ordering::SeqCst)))
}

async fn each_kind_goes_to_its_handler(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    // Each handler reports what it ran: the test waits for reports, not for time to pass.
    let (report, mut reports) = mpsc::unbounded_channel();
    let (a, b) = (report.clone(), report);
    let handlers = Handlers::new()
        .register("daily_digest", move |job: Job| {
            let report = a.clone();
            async move {
                report.send(format!("digest {}", job.payload)).unwrap();
                Ok(())
            }
        })
        .register("escalation", move |job: Job| {
            let report = b.clone();
            async move {
                report.send(format!("escalation {}", job.payload)).unwrap();
                Err(JobError::permanent("no leader to escalate to"))
            }
        });
    assert_eq!(handlers.kinds(), ["daily_digest", "escalation"]);
    // In the background, as the server runs it: woken by each job enqueued in this process.
    let w = worker::start(t.db.clone(), handlers, WorkerConfig::default());

    let digest = jobs::enqueue(&t.db, &NewJob::new("daily_digest", serde_json::json!({"day": "2026-11-27"})))
        .await
        .unwrap()
        .unwrap();
    let escalation =
        jobs::enqueue(&t.db, &NewJob::new("escalation", serde_json::json!({"dossier": 7}))).await.unwrap().unwrap();
    let unknown = jobs::enqueue(&t.db, &NewJob::new("export", serde_json::json!({}))).await.unwrap().unwrap();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let ran = tokio::time::timeout(Duration::from_secs(30), reports.recv()).await;
        seen.push(ran.expect("the worker runs each job it knows").unwrap());
    }
    // Stopping waits for the job in hand, so both outcomes are recorded once it returns.
    w.stop().await;

    assert_eq!(jobs::get(&t.db, digest).await.unwrap().status, JobStatus::Done);
    let dead = jobs::get(&t.db, escalation).await.unwrap();
    assert_eq!((dead.status, dead.last_error.as_deref()), (JobStatus::Dead, Some("no leader to escalate to")));
    let unclaimed = jobs::get(&t.db, unknown).await.unwrap();
    assert_eq!((unclaimed.status, unclaimed.attempts), (JobStatus::Pending, 0), "a kind it does not know is left");
    seen.sort();
    assert_eq!(seen, [r#"digest {"day":"2026-11-27"}"#, r#"escalation {"dossier":7}"#]);
    assert!(reports.try_recv().is_err(), "each job ran once");
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
    let config = WorkerConfig::default();
    let bad = jobs::enqueue(&t.db, &NewJob::new("flaky", serde_json::json!(true))).await.unwrap().unwrap();
    let failed = job_until(&t.db, &handlers, &config, bad, "failed", |j| j.last_error.is_some()).await;
    assert_eq!((failed.status, failed.attempts), (JobStatus::Pending, 1), "retried later");
    assert!(failed.last_error.unwrap().contains("panic"));
    // The worker goes on with the next job.
    let good = jobs::enqueue(&t.db, &NewJob::new("flaky", serde_json::json!(false))).await.unwrap().unwrap();
    assert_eq!(worker::run_once(&t.db, &handlers, &config).await.unwrap(), Some(good));
    assert_eq!(jobs::get(&t.db, good).await.unwrap().status, JobStatus::Done);
}

async fn a_job_held_by_a_dead_worker_is_run_by_the_next(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = jobs::enqueue(&t.db, &NewJob::new("work", serde_json::json!({}))).await.unwrap().unwrap();
    // A worker claims the job with the server's lease, then its server is killed before it
    // records an outcome.
    let lease = worker::LEASE;
    assert!(lease < Duration::from_secs(60), "a killed server delays a job by less than a minute");
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
    let config =
        WorkerConfig { idle_poll: Duration::from_millis(50), lease, clock: skewed(&skew), ..Default::default() };
    // The restarted server leaves the job alone while the lease holds...
    assert_eq!(worker::run_once(&t.db, &handlers, &config).await.unwrap(), None, "the lease still holds");
    assert_eq!(runs.load(Ordering::SeqCst), 0, "the lease still holds");
    // ...and runs it once the lease has expired.
    skew.store(31_000, Ordering::SeqCst);
    assert_eq!(worker::run_once(&t.db, &handlers, &config).await.unwrap(), Some(id));
    let done = jobs::get(&t.db, id).await.unwrap();
    assert_eq!((done.status, done.attempts), (JobStatus::Done, 2));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// The lease is renewed while the handler runs: a job taking several leases' time is not taken
/// over by another worker, and runs once.
async fn a_job_that_runs_longer_than_its_lease_keeps_it(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let (started, mut running) = mpsc::unbounded_channel();
    let handlers = Handlers::new().register("slow", move |_job: Job| {
        let started = started.clone();
        async move {
            started.send(()).unwrap();
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Ok(())
        }
    });
    let lease = Duration::from_millis(300);
    let config = WorkerConfig { idle_poll: Duration::from_millis(50), lease, workers: 1, ..Default::default() };
    let w = worker::start(t.db.clone(), handlers, config);
    let id = jobs::enqueue(&t.db, &NewJob::new("slow", serde_json::json!({}))).await.unwrap().unwrap();
    tokio::time::timeout(Duration::from_secs(30), running.recv()).await.expect("the job starts").unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(jobs::claim(&t.db, &["slow"], Utc::now(), lease).await.unwrap(), None, "three leases later, still held");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while jobs::get(&t.db, id).await.unwrap().status != JobStatus::Done {
        assert!(std::time::Instant::now() < deadline, "the job ends");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    w.stop().await;
    assert_eq!(jobs::get(&t.db, id).await.unwrap().attempts, 1, "run once");
}
