//! Notification throughput: how fast the job worker delivers status-change e-mails to an SMTP
//! server. Run by `bench/notify.sh`, which starts the SMTP server (aiosmtpd) and counts what it
//! received; see bench/README.md.
//!
//! ```sh
//! cargo run --release -p motcua-web --example notify_throughput -- \
//!     --smtp smtp://127.0.0.1:2525 [--engine sqlite|postgres] [--messages 2000] [--dossiers 200] [--workers 1]
//! ```
//!
//! On a fresh database (a temporary SQLite file, or a PostgreSQL database created on the server of
//! `MOTCUA_TEST_POSTGRES_URL` and dropped at the end) with the demo province, it records
//! `--dossiers` online applications whose applicants have an e-mail address, enqueues
//! `--messages` e-mail notifications about them (the jobs a status change enqueues, spread over
//! the dossiers and their revisions, so each is a distinct message), then starts `--workers`
//! job workers and times them until every job is done. Each message is rendered from the
//! dossier, its procedure and its history, as in production, and handed to the SMTP server.

use std::time::{Duration, Instant};

use chrono::Utc;
use motcua_app::jobs::mail::Mailer;
use motcua_app::jobs::notify::{self, Templates};
use motcua_app::jobs::sms::LogSms;
use motcua_app::jobs::worker::{self, WorkerConfig};
use motcua_app::{AppState, Config};
use motcua_domain::dossier::Role;
use motcua_store::dossiers::{self, Applicant, By, NewDossier};
use motcua_store::jobs::{self, NewJob};
use motcua_testkit::{TestDb, TestEngine};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Options {
    smtp: String,
    engine: TestEngine,
    messages: usize,
    dossiers: usize,
    workers: usize,
}

fn options() -> Result<Options> {
    let mut o = Options { smtp: String::new(), engine: TestEngine::Sqlite, messages: 2000, dossiers: 200, workers: 1 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--smtp" => o.smtp = value,
            "--engine" => o.engine = value.parse()?,
            "--messages" => o.messages = value.parse()?,
            "--dossiers" => o.dossiers = value.parse::<usize>()?.max(1),
            "--workers" => o.workers = value.parse::<usize>()?.max(1),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    if o.smtp.is_empty() {
        return Err("usage: notify_throughput --smtp smtp://HOST:PORT [--engine sqlite|postgres] \
                    [--messages N] [--dossiers N] [--workers N]"
            .into());
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = options()?;
    let t = TestDb::new(o.engine).await;
    motcua_store::demo::load(&t.db, "not-a-password-hash", 0).await?;
    let blobs = motcua_store::Blobs::local(t.dir.path().join("attachments"))?;
    let state = AppState::new(t.db.clone(), blobs, Config::default()).await.map_err(|e| format!("{e:?}"))?;
    let p = state.catalog().get("2.001680").cloned().ok_or("the demo procedure 2.001680")?;

    let mut codes = Vec::with_capacity(o.dossiers);
    for i in 0..o.dossiers {
        let new = NewDossier {
            external_code: None,
            fee_paid_at: None,
            procedure_version_id: p.version_id,
            procedure_code: p.code.clone(),
            lead_agency: p.agency.code.clone(),
            applicant_user_id: None,
            applicant: Applicant {
                full_name: format!("Nguyễn Thị Hằng {i}"),
                id_number: None,
                phone: format!("09{i:08}"),
                email: Some(format!("cong.dan.{i}@example.vn")),
                address: None,
                verified_by: None,
                organisation_id: None,
            },
            channel: motcua_domain::dossier::Channel::Online,
            data: Default::default(),
            fee_vnd: p.fee_vnd,
            waiting: Some((Role::Reception, p.agency.code.clone())),
            attachments: vec![],
            follow_ups: Default::default(),
        };
        let by = By { user_id: None, name: new.applicant.full_name.clone() };
        codes.push(dossiers::submit(&t.db, &state.config.code_pattern, &new, &by, Utc::now()).await?.code);
    }

    let started = Instant::now();
    for i in 0..o.messages {
        let code = &codes[i % codes.len()];
        let revision = i / codes.len();
        let payload = serde_json::json!({
            "code": code, "revision": revision, "channels": ["email"],
            "detail": {"status": "submitted", "rescheduled": false},
        });
        jobs::enqueue(&t.db, &NewJob::new(notify::NOTIFY_JOB, payload).dedupe(format!("bench:{code}:{revision}")))
            .await?;
    }
    let enqueued = started.elapsed();

    let mailer = Mailer::new(Some(&o.smtp), "Cổng dịch vụ công tỉnh <no-reply@dichvucong.example.vn>")?;
    let handlers = notify::register(
        worker::handlers(mailer.clone()),
        state.clone(),
        mailer,
        std::sync::Arc::new(LogSms::default()),
        Templates::default(),
    );
    let started = Instant::now();
    let workers = worker::start(t.db.clone(), handlers, WorkerConfig { workers: o.workers, ..WorkerConfig::default() });
    let (done, dead) = loop {
        let c = jobs::counts(&t.db, Utc::now()).await?;
        if c.done + c.dead >= o.messages as i64 {
            break (c.done, c.dead);
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(format!("not finished after 10 minutes: {c:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let delivered = started.elapsed();
    workers.stop().await;
    let engine = match o.engine {
        TestEngine::Sqlite => "sqlite",
        TestEngine::Postgres => "postgres",
    };
    println!(
        "engine={engine} workers={} messages={} done={done} dead={dead} enqueue_s={:.2} enqueue_per_s={:.0} \
         deliver_s={:.2} messages_per_s={:.1}",
        o.workers,
        o.messages,
        enqueued.as_secs_f64(),
        o.messages as f64 / enqueued.as_secs_f64(),
        delivered.as_secs_f64(),
        done as f64 / delivered.as_secs_f64(),
    );
    Ok(())
}
