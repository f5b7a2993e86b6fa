//! Payment confirmations per second: the gateway's server-to-server confirmations (IPN), each
//! signed, over HTTP on loopback, against the real application on SQLite or PostgreSQL. Every
//! confirmation checks the HMAC, finds the pending payment, settles it and writes the dossier's
//! `pay` event (and its notifications) in one transaction, and logs it.
//!
//! ```sh
//! cargo run --release -p motcua-web --example payment_confirmations -- sqlite 5000 32
//! cargo run --release -p motcua-web --example payment_confirmations -- postgres 5000 32
//! ```
//!
//! Arguments: engine, number of payments (default 5,000), concurrent connections (default 32).
//! PostgreSQL: `MOTCUA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! a fresh database is created and dropped.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Instant;

use chrono::Utc;
use futures::StreamExt;
use motcua_app::{gateway, AppState, Config};
use motcua_domain::dossier::Role;
use motcua_store::dossiers::{self, Applicant, By, NewDossier};
use motcua_store::payments;
use motcua_testkit::{TestDb, TestEngine};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let engine = match args.first().map(String::as_str) {
        Some("postgres") => TestEngine::Postgres,
        _ => TestEngine::Sqlite,
    };
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(32);

    let db = TestDb::new(engine).await;
    let hash = motcua_app::passwords::hash_password("demo".into()).await.expect("hash");
    motcua_store::demo::load(&db.db, &hash, 0).await.expect("demo data");
    let blobs = motcua_store::Blobs::local(db.dir.path().join("attachments")).expect("blobs");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = Config { public_url: format!("http://{addr}"), ..Config::default() };
    let secret = config.payment.secret.clone();
    let state = AppState::new(db.db.clone(), blobs, config).await.expect("state");
    let app = motcua_web::app(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.expect("serve");
    });

    // N dossiers of the judicial record certificate (200,000 đồng), each with a pending payment.
    let p = motcua_store::catalog::procedure_by_code(&db.db, "3.000333").await.expect("procedure");
    let by = By { user_id: None, name: "Người nộp".into() };
    let started = Instant::now();
    let mut refs = Vec::with_capacity(n);
    for i in 0..n {
        let new = NewDossier {
            external_code: None,
            fee_paid_at: None,
            procedure_version_id: p.version_id,
            procedure_code: p.code.clone(),
            lead_agency: p.agency.code.clone(),
            applicant_user_id: None,
            applicant: Applicant {
                full_name: format!("Người nộp {i}"),
                phone: "0912345678".into(),
                ..Applicant::default()
            },
            channel: motcua_domain::dossier::Channel::Online,
            data: serde_json::Map::new(),
            fee_vnd: 200_000,
            waiting: Some((Role::Reception, p.agency.code.clone())),
            attachments: vec![],
            follow_ups: Default::default(),
        };
        let d = dossiers::submit(&db.db, &state.config.code_pattern, &new, &by, Utc::now()).await.expect("submit");
        let payment = payments::start(&db.db, &d, "sandbox", None, Utc::now()).await.expect("payment");
        refs.push(payment.txn_ref);
    }
    eprintln!("{engine:?}: {n} dossiers with a pending payment in {:.1} s", started.elapsed().as_secs_f64());

    let http = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(concurrency).build().expect("client");
    let base = format!("http://{addr}/api/v1/payments/ipn");
    let query_of = |txn_ref: &str| {
        let mut p = BTreeMap::new();
        for (k, v) in [
            ("vnp_TmnCode", "MOTCUA01"),
            ("vnp_TxnRef", txn_ref),
            ("vnp_Amount", "20000000"),
            ("vnp_ResponseCode", "00"),
            ("vnp_TransactionStatus", "00"),
            ("vnp_TransactionNo", "14226112"),
            ("vnp_BankCode", "NCB"),
        ] {
            p.insert(k.to_string(), v.to_string());
        }
        gateway::signed_query(&secret, &p)
    };
    let queries: Vec<String> = refs.iter().map(|r| query_of(r)).collect();

    for (label, expected) in [("first confirmations", "00"), ("replays of the same", "02")] {
        let started = Instant::now();
        let mut latencies: Vec<f64> = futures::stream::iter(queries.iter())
            .map(|q| {
                let (http, url) = (http.clone(), format!("{base}?{q}"));
                async move {
                    let t = Instant::now();
                    let body: serde_json::Value = http.get(url).send().await.expect("send").json().await.expect("json");
                    assert_eq!(body["RspCode"], expected, "{body}");
                    t.elapsed().as_secs_f64() * 1000.0
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        let secs = started.elapsed().as_secs_f64();
        latencies.sort_by(f64::total_cmp);
        let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
        println!(
            "{engine:?} {label}: {n} in {secs:.2} s = {:.0}/s at {concurrency} connections; p50 {:.1} ms, p99 {:.1} ms",
            n as f64 / secs,
            pct(0.50),
            pct(0.99)
        );
    }
    let paid: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM payments WHERE status = 'paid'")
        .fetch_one(db.db.reader())
        .await
        .expect("count");
    assert_eq!(paid.0 as usize, n, "every payment settled exactly once");
}
