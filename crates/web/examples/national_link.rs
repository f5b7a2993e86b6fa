//! The national portal link under load: inbound dossiers per second (each with two documents of
//! 200 KB, through the HTTP API with a system token), outbound status messages per second to a
//! local receiver (the portal simulator of the testkit), and the delay from a change to its
//! delivery while dossiers pour in. See bench/README.md.
//!
//! ```sh
//! cargo run --release -p motcua-web --example national_link -- \
//!     [--engine sqlite|postgres] [--dossiers 400] [--backlog 2000] [--concurrency 8] [--doc-kb 200]
//! ```
//!
//! On a fresh database with the demo province (a temporary SQLite file, or a PostgreSQL database
//! on the server of `MOTCUA_TEST_POSTGRES_URL`, dropped at the end), the server and the
//! simulator on free ports: first `--dossiers` portal dossiers are sent `--concurrency` at a
//! time while the sender posts their status 1 to the simulator (inbound rate, delays); then,
//! with the sender stopped, `--backlog` more dossiers queue their messages and a sender started
//! afresh empties the queue (outbound rate).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use motcua_app::jobs::national_sync::StatusReceiver;
use motcua_app::jobs::outbound::{self, Receivers, SenderConfig};
use motcua_app::national::add_token;
use motcua_app::Config;
use motcua_store::national_outbox::NationalSync;
use motcua_store::system_tokens::Scope;
use motcua_testkit::national_portal::{portal_dossier, send_dossier, NationalPortalSim, PortalFile};
use motcua_testkit::{TestDb, TestEngine};
use motcua_web::national_portal::NationalPortal;
use serde_json::Value;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Options {
    engine: TestEngine,
    dossiers: usize,
    backlog: usize,
    concurrency: usize,
    doc_kb: usize,
}

fn options() -> Result<Options> {
    let mut o = Options { engine: TestEngine::Sqlite, dossiers: 400, backlog: 2000, concurrency: 8, doc_kb: 200 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--engine" => o.engine = value.parse()?,
            "--dossiers" => o.dossiers = value.parse()?,
            "--backlog" => o.backlog = value.parse()?,
            "--concurrency" => o.concurrency = value.parse::<usize>()?.max(1),
            "--doc-kb" => o.doc_kb = value.parse()?,
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(o)
}

/// A PDF-looking document of `kb` kilobytes, different for each `n`.
fn document(n: usize, kb: usize) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.4\n% tài liệu {n}\n").into_bytes();
    let mut x = n as u64 ^ 0x9e37_79b9_7f4a_7c15;
    while bytes.len() < kb * 1024 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

/// Sends dossiers `from..to` of the portal, `concurrency` at a time.
async fn send_many(
    base: &str,
    token: &str,
    proc: &Value,
    answers: &Value,
    range: std::ops::Range<usize>,
    o: &Options,
) -> Result<()> {
    // The procedure's two required documents (2.001680 has two).
    let keys: Vec<String> = proc["required_documents"]
        .as_array()
        .ok_or("documents")?
        .iter()
        .filter(|d| d["required"] == true)
        .filter_map(|d| d["key"].as_str().map(str::to_string))
        .take(2)
        .collect();
    let code = proc["code"].as_str().ok_or("a code")?.to_string();
    let mut pending = futures_like::Pending::new(o.concurrency);
    for n in range {
        let (base, token, keys, code, answers) =
            (base.to_string(), token.to_string(), keys.clone(), code.clone(), answers.clone());
        let doc_kb = o.doc_kb;
        pending
            .push(tokio::spawn(async move {
                let dossier = portal_dossier(
                    &format!("G22.99-BENCH-{n:07}"),
                    &code,
                    "001099000123",
                    answers,
                    &[&keys[0], &keys[1]],
                );
                let files = (0..2)
                    .map(|i| PortalFile {
                        key: keys[i].clone(),
                        file_name: format!("tai-lieu-{i}.pdf"),
                        bytes: document(n * 2 + i, doc_kb),
                    })
                    .collect();
                let (status, body) = send_dossier(&base, &token, &dossier, files).await.map_err(|e| e.to_string())?;
                if status != 201 {
                    return Err(format!("dossier {n}: {status} {body}"));
                }
                Ok(())
            }))
            .await?;
    }
    pending.finish().await
}

/// Bounded concurrency over spawned tasks without another dependency.
mod futures_like {
    use std::collections::VecDeque;

    pub struct Pending {
        limit: usize,
        tasks: VecDeque<tokio::task::JoinHandle<Result<(), String>>>,
    }

    impl Pending {
        pub fn new(limit: usize) -> Pending {
            Pending { limit, tasks: VecDeque::new() }
        }

        pub async fn push(&mut self, task: tokio::task::JoinHandle<Result<(), String>>) -> super::Result<()> {
            self.tasks.push_back(task);
            if self.tasks.len() >= self.limit {
                if let Some(t) = self.tasks.pop_front() {
                    t.await??;
                }
            }
            Ok(())
        }

        pub async fn finish(mut self) -> super::Result<()> {
            while let Some(t) = self.tasks.pop_front() {
                t.await??;
            }
            Ok(())
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = options()?;
    let mut t = TestDb::with_demo(o.engine).await;
    t.db = t.db.clone().with_national_sync(NationalSync::PortalDossiers);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let config = Config { public_url: base.clone(), ..Config::default() };
    let state = motcua_testkit::app_state(&t, config).await;
    let app = motcua_web::app(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let sim = NationalPortalSim::start("127.0.0.1:0".parse()?, None).await?;
    let (token, _) = add_token(&t.db, "Cổng DVC quốc gia", Scope::Integration).await.map_err(|e| format!("{e:?}"))?;
    let http = reqwest::Client::new();
    let proc: Value = http.get(format!("{base}/api/v1/procedures/2.001680")).send().await?.json().await?;
    let answers = Value::Object(motcua_testkit::answers(&proc));
    let portal: Arc<dyn StatusReceiver> = Arc::new(NationalPortal::new(&sim.url(), None, Duration::from_secs(10))?);
    let sender_config = SenderConfig { public_url: base.clone(), ..SenderConfig::default() };

    // 1. Inbound while the sender posts each new dossier's status 1.
    let sender = outbound::start(
        t.db.clone(),
        Receivers { national: Some(portal.clone()), webhooks: None },
        sender_config.clone(),
    );
    let started = Instant::now();
    send_many(&base, &token, &proc, &answers, 0..o.dossiers, &o).await?;
    let inbound = started.elapsed();
    if !sim.wait_until(Duration::from_secs(120), |taken| taken.len() >= o.dossiers).await {
        return Err(format!("only {} of {} messages taken", sim.taken().len(), o.dossiers).into());
    }
    sender.stop().await;
    let changed: std::collections::HashMap<String, DateTime<Utc>> =
        sqlx::query_as::<_, (String, i64)>("SELECT message_id, changed_at FROM national_outbox")
            .fetch_all(t.db.reader())
            .await?
            .into_iter()
            .map(|(id, ms)| (id, DateTime::from_timestamp_millis(ms).unwrap_or_default()))
            .collect();
    let mut delays: Vec<f64> = sim
        .taken()
        .iter()
        .filter_map(|m| {
            let at = changed.get(m.body["MessageId"].as_str()?)?;
            Some((m.at - *at).num_microseconds()? as f64 / 1000.0)
        })
        .collect();
    delays.sort_by(f64::total_cmp);

    // 2. A backlog, then the sender alone.
    send_many(&base, &token, &proc, &answers, o.dossiers..o.dossiers + o.backlog, &o).await?;
    let started = Instant::now();
    let sender = outbound::start(t.db.clone(), Receivers { national: Some(portal), webhooks: None }, sender_config);
    let total = o.dossiers + o.backlog;
    if !sim.wait_until(Duration::from_secs(600), |taken| taken.len() >= total).await {
        return Err(format!("only {} of {total} messages taken", sim.taken().len()).into());
    }
    let outbound = started.elapsed();
    sender.stop().await;

    println!("engine: {:?}", o.engine);
    println!(
        "inbound: {} dossiers with 2 × {} KB in {:.2} s = {:.1} dossiers/s ({} at a time)",
        o.dossiers,
        o.doc_kb,
        inbound.as_secs_f64(),
        o.dossiers as f64 / inbound.as_secs_f64(),
        o.concurrency
    );
    println!(
        "delay from change to delivery during the inbound load: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} messages)",
        percentile(&delays, 0.5),
        percentile(&delays, 0.99),
        delays.last().copied().unwrap_or_default(),
        delays.len()
    );
    println!(
        "outbound: {} queued messages in {:.2} s = {:.0} messages/s (8 in flight)",
        o.backlog,
        outbound.as_secs_f64(),
        o.backlog as f64 / outbound.as_secs_f64()
    );
    println!(
        "simulator: {} posts, {} repeats, {} contract violations",
        sim.posts(),
        sim.repeats(),
        sim.violations().len()
    );
    if !sim.violations().is_empty() {
        return Err(format!("contract violations: {:?}", &sim.violations()[..sim.violations().len().min(5)]).into());
    }
    Ok(())
}
