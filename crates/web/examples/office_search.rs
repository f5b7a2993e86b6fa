//! The electronic office's search over a million documents: typical searches of one agency's
//! registers (one to three words, typed with and without tone marks, words of subjects, of
//! issuers and of the texts of PDFs), as its clerk (the whole register) and as a specialist
//! (what they handle or drafted), through the use-case the API and the page call: a page of 20
//! and the count. See bench/README.md.
//!
//! ```sh
//! cargo run --release -p motcua-web --example office_search -- \
//!     [--engine sqlite|postgres] [--documents 1000000] [--runs 20]
//! ```
//!
//! On a fresh database (a temporary SQLite file, or a PostgreSQL database created on the server
//! of `MOTCUA_TEST_POSTGRES_URL` and dropped at the end) with the demo province, it writes
//! `--documents` synthetic documents over the demo agencies (`synthetic_office`), then runs each
//! search `--runs` times as each officer and prints the median and the 99th percentile.

use std::time::Instant;

use motcua_app::office::{list, ListQuery};
use motcua_app::{AppState, Config};
use motcua_store::synthetic_office::seed;
use motcua_testkit::{percentile, TestDb, TestEngine};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Options {
    engine: TestEngine,
    documents: usize,
    runs: usize,
}

fn options() -> Result<Options> {
    let mut o = Options { engine: TestEngine::Sqlite, documents: 1_000_000, runs: 20 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--engine" => o.engine = value.parse()?,
            "--documents" => o.documents = value.parse()?,
            "--runs" => o.runs = value.parse::<usize>()?.max(1),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(o)
}

/// What officers type: subjects' words with and without marks, an issuer, a symbol, words found
/// only in the texts of PDFs (a place), and a word found nowhere.
const SEARCHES: [&str; 12] = [
    "chuyển đổi số",
    "chuyen doi so",
    "đất đai",
    "dat dai",
    "lý lịch",
    "khiếu nại tố cáo",
    "Bộ Nội vụ",
    "BNV-VP",
    "Bản Lầu",
    "mu cang chai",
    "thiên tai",
    "tàu ngầm",
];

#[tokio::main]
async fn main() -> Result<()> {
    let o = options()?;
    let t = TestDb::with_demo(o.engine).await;
    let started = Instant::now();
    let seeded = seed(&t.db, o.documents, 42, |_| {}).await?;
    println!(
        "seeded {} documents ({} with the text of a PDF) in {:.1} s",
        seeded.documents,
        seeded.with_text,
        started.elapsed().as_secs_f64()
    );
    // The word index's size: FTS5's blocks on SQLite, the table and its GIN index on PostgreSQL.
    let size_sql = match o.engine {
        TestEngine::Sqlite => "SELECT SUM(LENGTH(block)) FROM office_search_data",
        TestEngine::Postgres => "SELECT pg_total_relation_size('office_search')",
    };
    let (size,): (i64,) = sqlx::query_as(size_sql).fetch_one(t.db.reader()).await?;
    println!("word index: {:.1} MB", size as f64 / 1e6);
    let state: AppState = motcua_testkit::app_state(&t, Config { demo: true, ..Config::default() }).await;
    let users = motcua_store::users::with_usernames(&t.db).await?;
    let officer = |name: &str| {
        users.iter().find(|u| u.username.as_deref() == Some(name)).cloned().ok_or(format!("the demo's {name}"))
    };
    let (clerk, specialist) = (officer("vanthu")?, officer("chuyenvien")?);
    let agency = clerk.agency_code.clone().unwrap_or_default();
    let (in_agency,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM office_documents WHERE agency_code = $1")
        .bind(&agency)
        .fetch_one(t.db.reader())
        .await?;
    println!("engine {:?}: {in_agency} documents in the registers of {agency}", o.engine);
    for (role, user) in [("clerk", &clerk), ("specialist", &specialist)] {
        let mut all = Vec::new();
        for text in SEARCHES {
            let q = ListQuery { text: Some(text.to_string()), page: 1, per_page: 20, ..ListQuery::default() };
            let mut times = Vec::with_capacity(o.runs);
            let mut total = 0;
            for _ in 0..o.runs {
                let at = Instant::now();
                total = list(&state, user, &q).await.map_err(|e| format!("{e:?}"))?.total;
                times.push(at.elapsed());
            }
            times.sort();
            println!(
                "  {role:10} {text:18} {total:>7} found: median {:>6.1} ms, p99 {:>6.1} ms",
                percentile(&times, 0.5).as_secs_f64() * 1000.0,
                percentile(&times, 0.99).as_secs_f64() * 1000.0,
            );
            all.extend(times);
        }
        all.sort();
        println!(
            "{role}: all {} searches: median {:.1} ms, p99 {:.1} ms",
            all.len(),
            percentile(&all, 0.5).as_secs_f64() * 1000.0,
            percentile(&all, 0.99).as_secs_f64() * 1000.0,
        );
    }
    Ok(())
}
