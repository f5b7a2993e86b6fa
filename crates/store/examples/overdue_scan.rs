//! The daily overdue scan, timed through sqlx the way the application runs its queries (the
//! `Any` pool of `Database::connect`, rows decoded into Rust values).
//!
//! ```sh
//! cargo run --release -p motcua-store --example overdue_scan -- sqlite:///tmp/data/motcua.db?mode=rw
//! cargo run --release -p motcua-store --example overdue_scan -- postgres://postgres@127.0.0.1:5432/motcua_bench
//! ```
//!
//! Optional further arguments: the number of runs per query (5) and the unit whose "overdue in
//! my unit" page is timed at the store level (by default the agency with most overdue
//! dossiers). Prints, for each query, the rows found, the best and the median time, and the
//! plan the engine chose. Read-only: it changes nothing in the database.

use std::time::{Duration, Instant};

use chrono::Utc;
use motcua_store::dossiers::{self, Deadline, Filter, Listing};
use motcua_store::{Database, Engine};
use sqlx::Row;

/// What the scan reads of each overdue dossier: enough to write the digests and escalations.
const SCAN: &str = "SELECT id, code, waiting_agency, waiting_role, assignee_user_id, due_at FROM dossiers \
                    WHERE status IN ('received', 'processing') AND due_at < $1";
/// The same, counted per unit (the digest's headline figures).
const PER_UNIT: &str = "SELECT waiting_agency, COUNT(*) FROM dossiers \
                        WHERE status IN ('received', 'processing') AND due_at < $1 GROUP BY waiting_agency";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

type Scanned = (i64, String, Option<String>, Option<String>, Option<i64>, i64);

fn summary(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    (times[0].as_secs_f64(), times[times.len() / 2].as_secs_f64())
}

async fn plan(db: &Database, sql: &str, now: i64) -> Result<Vec<String>> {
    let rows = match db.engine {
        Engine::Sqlite => sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}")).bind(now).fetch_all(db.reader()).await?,
        Engine::Postgres => sqlx::query(&format!("EXPLAIN {sql}")).bind(now).fetch_all(db.reader()).await?,
    };
    Ok(rows
        .iter()
        .map(|r| match db.engine {
            Engine::Sqlite => r.try_get::<String, _>(3).unwrap_or_default(),
            Engine::Postgres => r.try_get::<String, _>(0).unwrap_or_default(),
        })
        .collect())
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: overdue_scan DATABASE_URL [RUNS] [AGENCY]")?;
    let runs: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5).max(1);
    let unit = args.next();
    let db = Database::connect(&url).await?;
    let now = Utc::now();
    let now_ms = now.timestamp_millis();

    let (all,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM dossiers").fetch_one(db.reader()).await?;
    let (open,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM dossiers WHERE status IN ('received', 'processing')")
        .fetch_one(db.reader())
        .await?;
    println!("{:?}: {all} dossiers, {open} open (received or processing); now = {now}", db.engine);

    // 1. The scan, every overdue row decoded.
    let mut times = Vec::new();
    let mut found = 0;
    let mut checksum = 0i64;
    for _ in 0..runs {
        let started = Instant::now();
        let rows: Vec<Scanned> = sqlx::query_as(SCAN).bind(now_ms).fetch_all(db.reader()).await?;
        times.push(started.elapsed());
        found = rows.len();
        checksum = rows.iter().fold(0i64, |s, r| s.wrapping_add(r.0 ^ r.5).wrapping_add(r.1.len() as i64));
    }
    let (best, median) = summary(&mut times);
    println!("\nscan: {found} overdue rows; best {best:.3} s, median {median:.3} s of {runs} (checksum {checksum})");
    for line in plan(&db, SCAN, now_ms).await? {
        println!("  plan: {line}");
    }

    // 2. Counted per unit.
    let mut times = Vec::new();
    let mut per_unit: Vec<(Option<String>, i64)> = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        per_unit = sqlx::query_as(PER_UNIT).bind(now_ms).fetch_all(db.reader()).await?;
        times.push(started.elapsed());
    }
    let (best, median) = summary(&mut times);
    let total: i64 = per_unit.iter().map(|(_, n)| n).sum();
    println!(
        "\nper unit: {} units, {total} overdue in all; best {best:.3} s, median {median:.3} s of {runs}",
        per_unit.len()
    );
    per_unit.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (agency, n) in per_unit.iter().take(5) {
        println!("  {:<16} {n}", agency.as_deref().unwrap_or("-"));
    }
    for line in plan(&db, PER_UNIT, now_ms).await? {
        println!("  plan: {line}");
    }

    // 3. One unit's "overdue in my unit" page of 50, as the API asks the store for it.
    let Some(agency) = unit.or_else(|| per_unit.first().and_then(|(a, _)| a.clone())) else {
        return Ok(());
    };
    let listing = Listing::Agency { agency: agency.clone(), at_service_centre: false };
    let filter = Filter { deadline: Some(Deadline::Overdue { now }), ..Filter::default() };
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..(20 * runs) {
        let started = Instant::now();
        let page = dossiers::list(&db, &listing, &filter, 1, 50).await?;
        times.push(started.elapsed());
        total = page.total;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "\noverdue in unit {agency} (page of 50, store only): total {total}; best {:.2} ms, median {:.2} ms, worst {:.2} ms of {}",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
    Ok(())
}
