//! The job queue on SQLite and on PostgreSQL: claiming, deduplication, retries, leases and
//! concurrent workers.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use motcua_store::jobs::{self, Failure, JobCounts, JobStatus, NewJob};
use motcua_store::{Database, StoreError};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    a_job_is_enqueued_claimed_and_completed,
    a_dedupe_key_enqueues_once,
    a_job_enqueued_in_a_transaction_lives_and_dies_with_it,
    failures_back_off_exponentially,
    a_job_dies_after_its_last_attempt_and_can_be_requeued,
    an_expired_lease_is_claimed_again,
    a_renewed_lease_holds_and_progress_survives_a_retry,
    concurrent_workers_never_claim_the_same_job,
);

const LEASE: Duration = Duration::from_secs(60);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap()
}

fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

fn email(to: &str) -> NewJob {
    NewJob::new("email", serde_json::json!({"to": to, "subject": "Hồ sơ đã được tiếp nhận", "text": "Xin chào"}))
        .at(t0())
}

async fn count(db: &Database) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs").fetch_one(db.reader()).await.unwrap();
    n
}

async fn a_job_is_enqueued_claimed_and_completed(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = jobs::enqueue(&t.db, &email("an@example.vn")).await.unwrap().expect("a new job");
    let later = jobs::enqueue(&t.db, &email("binh@example.vn").at(t0() + secs(3600))).await.unwrap().unwrap();

    assert_eq!(jobs::claim(&t.db, &["export"], t0(), LEASE).await.unwrap(), None, "only the kinds asked for");
    assert_eq!(jobs::claim(&t.db, &[], t0(), LEASE).await.unwrap(), None);
    let job = jobs::claim(&t.db, &["export", "email"], t0(), LEASE).await.unwrap().expect("the due job");
    assert_eq!(job.id, id);
    assert_eq!(job.kind, "email");
    assert_eq!(job.attempts, 1);
    assert_eq!(job.locked_until, Some(t0() + secs(60)));
    let payload: serde_json::Value = job.payload_as().unwrap();
    assert_eq!(payload["subject"], "Hồ sơ đã được tiếp nhận");
    assert_eq!(jobs::claim(&t.db, &["email"], t0(), LEASE).await.unwrap(), None, "held, and the other is not due");
    assert_eq!(jobs::counts(&t.db, t0()).await.unwrap(), JobCounts { waiting: 1, running: 1, done: 0, dead: 0 });

    jobs::complete(&t.db, &job, t0() + secs(1)).await.unwrap();
    let done = jobs::get(&t.db, id).await.unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(done.finished_at, Some(t0() + secs(1)));
    assert_eq!(done.locked_until, None);
    assert!(matches!(jobs::complete(&t.db, &job, t0()).await, Err(StoreError::Conflict(_))), "done only once");
    assert_eq!(jobs::claim(&t.db, &["email"], t0() + secs(3599), LEASE).await.unwrap(), None);
    assert_eq!(jobs::claim(&t.db, &["email"], t0() + secs(3600), LEASE).await.unwrap().unwrap().id, later);

    let listed = jobs::list(&t.db, None, 10).await.unwrap();
    assert_eq!(listed.iter().map(|j| j.id).collect::<Vec<_>>(), [later, id], "newest first");
    let done_only = jobs::list(&t.db, Some(JobStatus::Done), 10).await.unwrap();
    assert_eq!(done_only.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
}

async fn a_dedupe_key_enqueues_once(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let job = email("an@example.vn").dedupe("digest:2026-11-27:user-7");
    let first = jobs::enqueue(&t.db, &job).await.unwrap();
    assert!(first.is_some());
    assert_eq!(jobs::enqueue(&t.db, &job).await.unwrap(), None, "the second enqueue is a no-op");
    // Schedulers on several servers at once still make one job.
    let racing = (0..8).map(|_| {
        let db = t.db.clone();
        let job = email("an@example.vn").dedupe("digest:2026-11-28:user-7");
        tokio::spawn(async move { jobs::enqueue(&db, &job).await.unwrap() })
    });
    let made = futures_count(racing).await;
    assert_eq!(made, 1);
    // Jobs without a key never collide.
    jobs::enqueue(&t.db, &email("an@example.vn")).await.unwrap().unwrap();
    jobs::enqueue(&t.db, &email("an@example.vn")).await.unwrap().unwrap();
    assert_eq!(count(&t.db).await, 4);
}

async fn futures_count(tasks: impl Iterator<Item = tokio::task::JoinHandle<Option<i64>>>) -> usize {
    let mut made = 0;
    for task in tasks.collect::<Vec<_>>() {
        made += usize::from(task.await.unwrap().is_some());
    }
    made
}

async fn a_job_enqueued_in_a_transaction_lives_and_dies_with_it(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let woken = || tokio::time::timeout(std::time::Duration::ZERO, t.db.jobs_enqueued().notified());
    let mut tx = t.db.write_tx().await.unwrap();
    jobs::enqueue_in(&mut tx, &email("an@example.vn")).await.unwrap().unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(count(&t.db).await, 0, "rolled back with the change");
    assert!(woken().await.is_err(), "no worker is woken for a job rolled back");
    let mut tx = t.db.write_tx().await.unwrap();
    let id = jobs::enqueue_in(&mut tx, &email("an@example.vn").dedupe("k")).await.unwrap().unwrap();
    assert_eq!(jobs::enqueue_in(&mut tx, &email("an@example.vn").dedupe("k")).await.unwrap(), None);
    tx.commit().await.unwrap();
    assert!(woken().await.is_ok(), "committing wakes this process's worker");
    assert_eq!(jobs::claim(&t.db, &["email"], t0(), LEASE).await.unwrap().unwrap().id, id);
}

async fn failures_back_off_exponentially(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = jobs::enqueue(&t.db, &email("an@example.vn")).await.unwrap().unwrap();
    let job = jobs::claim(&t.db, &["email"], t0(), LEASE).await.unwrap().unwrap();
    let failed = jobs::fail(&t.db, &job, "connection refused", t0() + secs(2)).await.unwrap();
    assert_eq!(failed, Failure::RetryAt(t0() + secs(32)), "30 s after the first failure");
    let stored = jobs::get(&t.db, id).await.unwrap();
    assert_eq!((stored.status, stored.attempts, stored.locked_until), (JobStatus::Pending, 1, None));
    assert_eq!(stored.last_error.as_deref(), Some("connection refused"));

    let just_before = t0() + secs(32) - chrono::Duration::milliseconds(1);
    assert_eq!(jobs::claim(&t.db, &["email"], just_before, LEASE).await.unwrap(), None);
    let second = jobs::claim(&t.db, &["email"], t0() + secs(32), LEASE).await.unwrap().unwrap();
    assert_eq!(second.attempts, 2);
    let failed = jobs::fail(&t.db, &second, "timeout", t0() + secs(40)).await.unwrap();
    assert_eq!(failed, Failure::RetryAt(t0() + secs(100)), "60 s after the second");
    let third = jobs::claim(&t.db, &["email"], t0() + secs(100), LEASE).await.unwrap().unwrap();
    assert_eq!(
        jobs::fail(&t.db, &third, "timeout", t0() + secs(100)).await.unwrap(),
        Failure::RetryAt(t0() + secs(220))
    );
}

async fn a_job_dies_after_its_last_attempt_and_can_be_requeued(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = jobs::enqueue(&t.db, &email("an@example.vn").max_attempts(3)).await.unwrap().unwrap();
    let mut now = t0();
    let mut outcomes = Vec::new();
    for attempt in 1..=3 {
        let job = jobs::claim(&t.db, &["email"], now, LEASE).await.unwrap().expect("claimable until dead");
        assert_eq!(job.attempts, attempt);
        let outcome = jobs::fail(&t.db, &job, &format!("lỗi lần {attempt}"), now).await.unwrap();
        outcomes.push(outcome);
        now += secs(3600);
    }
    assert_eq!(outcomes, [Failure::RetryAt(t0() + secs(30)), Failure::RetryAt(t0() + secs(3660)), Failure::Dead]);
    assert_eq!(jobs::claim(&t.db, &["email"], now, LEASE).await.unwrap(), None);
    let dead = jobs::get(&t.db, id).await.unwrap();
    assert_eq!(dead.status, JobStatus::Dead);
    assert_eq!(dead.last_error.as_deref(), Some("lỗi lần 3"));
    assert!(dead.finished_at.is_some());
    assert_eq!(jobs::counts(&t.db, now).await.unwrap(), JobCounts { dead: 1, ..JobCounts::default() });

    // A permanent error gives up at once.
    jobs::enqueue(&t.db, &email("not an address")).await.unwrap().unwrap();
    let job = jobs::claim(&t.db, &["email"], now, LEASE).await.unwrap().unwrap();
    jobs::bury(&t.db, &job, "invalid address", now).await.unwrap();
    assert_eq!(jobs::get(&t.db, job.id).await.unwrap().status, JobStatus::Dead);

    // An administrator mends the cause and puts it back.
    jobs::requeue(&t.db, id, now).await.unwrap();
    assert!(matches!(jobs::requeue(&t.db, id, now).await, Err(StoreError::NotFound)), "only dead jobs");
    let again = jobs::claim(&t.db, &["email"], now, LEASE).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (id, 1));
}

async fn an_expired_lease_is_claimed_again(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = jobs::enqueue(&t.db, &email("an@example.vn")).await.unwrap().unwrap();
    // A worker claims the job and dies without a word.
    let crashed = jobs::claim(&t.db, &["email"], t0(), LEASE).await.unwrap().unwrap();
    assert_eq!(jobs::claim(&t.db, &["email"], t0() + secs(59), LEASE).await.unwrap(), None, "the lease holds");
    let next = jobs::claim(&t.db, &["email"], t0() + secs(60), LEASE).await.unwrap().expect("claimable again");
    assert_eq!((next.id, next.attempts), (id, 2));
    // The first worker wakes up late: the job is no longer its to finish.
    assert!(matches!(jobs::complete(&t.db, &crashed, t0() + secs(61)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(jobs::fail(&t.db, &crashed, "late", t0() + secs(61)).await, Err(StoreError::Conflict(_))));
    jobs::complete(&t.db, &next, t0() + secs(62)).await.unwrap();
    assert_eq!(jobs::get(&t.db, id).await.unwrap().status, JobStatus::Done);

    // A job that kills its worker on its last attempt is given up, not run for ever.
    let once = jobs::enqueue(&t.db, &email("an@example.vn").max_attempts(1)).await.unwrap().unwrap();
    jobs::claim(&t.db, &["email"], t0(), LEASE).await.unwrap().unwrap();
    assert_eq!(jobs::claim(&t.db, &["email"], t0() + secs(120), LEASE).await.unwrap(), None);
    let dead = jobs::get(&t.db, once).await.unwrap();
    assert_eq!(dead.status, JobStatus::Dead);
    assert!(dead.last_error.unwrap().contains("lease expired"));
    assert_eq!(dead.attempts, 1, "the claim that found it given up is not an attempt");
}

async fn a_renewed_lease_holds_and_progress_survives_a_retry(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = jobs::enqueue(&t.db, &email("an@example.vn")).await.unwrap().unwrap();
    let held = jobs::claim(&t.db, &["email"], t0(), LEASE).await.unwrap().unwrap();
    // The worker renews the lease while its handler runs: the job stays its own past the
    // first lease...
    jobs::renew(&t.db, &held, t0() + secs(100)).await.unwrap();
    assert_eq!(jobs::claim(&t.db, &["email"], t0() + secs(61), LEASE).await.unwrap(), None, "renewed");
    // ...and records how far it got, which the next attempt reads.
    let progress = serde_json::json!({ "to": "an@example.vn", "done": ["portal"] });
    jobs::record_progress(&t.db, &held, &progress).await.unwrap();
    jobs::fail(&t.db, &held, "mail server away", t0() + secs(62)).await.unwrap();
    let later = t0() + secs(62) + jobs::backoff(1) + secs(1);
    let again = jobs::claim(&t.db, &["email"], later, LEASE).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (id, 2));
    assert_eq!(again.payload_as::<serde_json::Value>().unwrap(), progress);
    // A worker that lost the job can neither renew it nor write its progress.
    assert!(matches!(jobs::renew(&t.db, &held, later + secs(60)).await, Err(StoreError::Conflict(_))));
    assert!(matches!(jobs::record_progress(&t.db, &held, &progress).await, Err(StoreError::Conflict(_))));
}

async fn concurrent_workers_never_claim_the_same_job(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let mut tx = t.db.write_tx().await.unwrap();
    for i in 0..200 {
        jobs::enqueue_in(&mut tx, &email(&format!("u{i}@example.vn"))).await.unwrap().unwrap();
    }
    tx.commit().await.unwrap();
    let workers = (0..8).map(|_| {
        let db = t.db.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = jobs::claim(&db, &["email"], t0(), Duration::from_secs(600)).await.unwrap() {
                jobs::complete(&db, &job, t0()).await.unwrap();
                mine.push(job.id);
            }
            mine
        })
    });
    let mut all = Vec::new();
    let mut busy = 0;
    for worker in workers.collect::<Vec<_>>() {
        let mine = worker.await.unwrap();
        busy += usize::from(!mine.is_empty());
        all.extend(mine);
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 200, "every job claimed once");
    assert_eq!(unique.len(), 200, "no job claimed twice");
    assert!(busy > 1, "the workers ran side by side");
    assert_eq!(jobs::counts(&t.db, t0()).await.unwrap(), JobCounts { done: 200, ..JobCounts::default() });
}
