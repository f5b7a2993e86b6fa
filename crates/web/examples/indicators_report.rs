//! The Decision 766 indicators' cost on a seeded database: every unit and the province for twelve
//! months and for a quarter, as the JSON route answers them, and the dashboard (the same with the
//! on-time rate of twelve months) and the report II.06a, without the HTTP round trip. See
//! bench/README.md.
//!
//! ```sh
//! cargo run --release -p motcua-web --example indicators_report -- \
//!     [--engine sqlite|postgres] [--dossiers 200000] [--runs 50] \
//!     [--years 5 --units 120 --procedures 2000] [--database URL]
//! ```
//!
//! On a fresh database (a temporary SQLite file, or a PostgreSQL database created on the server of
//! `MOTCUA_TEST_POSTGRES_URL` and dropped at the end) with the demo province, it seeds
//! `--dossiers` synthetic dossiers with the realistic mix of `motcua seed` (spread over the past
//! year, or over `--years` with nothing older than 40 days open, on a catalog grown to `--units`
//! and `--procedures`), times `indicators rebuild` (the counters from the histories) and the size the counters
//! take, then asks `--runs` times, as the steering account, for the indicators of the twelve
//! months to today and of the last quarter, and for the dashboard of the last quarter, one at a
//! time (median and 99th percentile) and from 16 tasks at once (requests per second). The same
//! twelve months judged dossier by dossier, and II.06a counted dossier by dossier, without the
//! counters, are timed once for comparison, and so is the cost the counters add to the action
//! that finishes a dossier.
//!
//! `--database URL` measures a database seeded beforehand instead (`motcua seed` on a demo
//! database: ten million dossiers take more than an hour to write, once), migrated to this build;
//! the seeding options are then ignored.

use std::time::Instant;

use chrono::{Datelike, Months, Utc};
use motcua_app::counting::CountingJudge;
use motcua_app::i18n::Lang;
use motcua_app::{indicators, reports, AppState, Config};
use motcua_domain::indicators::Code;
use motcua_domain::report::{vn_day, Period, Preset};
use motcua_store::db::{Database, Engine};
use motcua_store::indicator_counts;
use motcua_store::synthetic::{seed, widen, Mix};
use motcua_store::users::User;
use motcua_testkit::{percentile, TestDb, TestEngine};
use motcua_web::api::dto::{Ii06aDto, IndicatorsDto};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Options {
    engine: TestEngine,
    dossiers: usize,
    runs: usize,
    years: Option<u32>,
    units: usize,
    procedures: usize,
    database: Option<String>,
}

fn options() -> Result<Options> {
    let mut o = Options {
        engine: TestEngine::Sqlite,
        dossiers: 200_000,
        runs: 50,
        years: None,
        units: 0,
        procedures: 0,
        database: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--engine" => o.engine = value.parse()?,
            "--dossiers" => o.dossiers = value.parse()?,
            "--runs" => o.runs = value.parse::<usize>()?.max(1),
            "--years" => o.years = Some(value.parse()?),
            "--units" => o.units = value.parse()?,
            "--procedures" => o.procedures = value.parse()?,
            "--database" => o.database = Some(value),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = options()?;
    // A fresh database is dropped at the end with `fresh`; one given is left as it was found,
    // apart from the counters.
    let (db, fresh) = match &o.database {
        Some(url) => (seeded_before(url).await?, None),
        None => {
            let t = TestDb::with_demo(o.engine).await;
            seed_fresh(&t.db, &o).await?;
            (t.db.clone(), Some(t))
        }
    };
    let judge = CountingJudge::load(&db).await.map_err(|e| format!("{e:?}"))?;
    let started = Instant::now();
    let rebuilt = indicator_counts::rebuild(&db, &judge, Utc::now()).await?;
    println!(
        "indicators rebuild: {} finished dossiers into {} rows in {:.1} s; counters take {}",
        rebuilt.dossiers,
        rebuilt.rows,
        started.elapsed().as_secs_f64(),
        counters_size(&db).await?
    );
    let attachments = tempfile::tempdir()?;
    let blobs = motcua_store::Blobs::local(attachments.path().join("attachments"))?;
    let state = AppState::new(db.clone(), blobs, Config { demo: true, ..Config::default() })
        .await
        .map_err(|e| format!("{e:?}"))?;
    let steering = motcua_store::users::with_usernames(&db)
        .await?
        .into_iter()
        .find(|u| u.username.as_deref() == Some("dieuhanh"))
        .ok_or("the demo steering account")?;
    let started = Instant::now();
    indicators::recount_open(&state).await.map_err(|e| format!("{e:?}"))?;
    let open = indicators::open_counts(&state).await.map_err(|e| format!("{e:?}"))?;
    println!("open dossiers counted: {} in {:.0} ms", open.dossiers.len(), started.elapsed().as_secs_f64() * 1000.0);
    let today = vn_day(Utc::now());
    let this_month = today.with_day(1).ok_or("a month")?;
    let year = Period::new(this_month.checked_sub_months(Months::new(11)).ok_or("a year")?, today)?;
    let quarter = Preset::LastQuarter.period(today);
    let started = Instant::now();
    let judged = indicators::tally_from_dossiers(&state, year, None, Utc::now()).await.map_err(|e| format!("{e:?}"))?;
    println!(
        "twelve months judged dossier by dossier (no counters): {:.0} ms, {} dossiers measured",
        started.elapsed().as_secs_f64() * 1000.0,
        judged.get(Code::OnTime).denominator
    );
    let started = Instant::now();
    let counted = motcua_store::reports::ii06a(&db, &year, year.measured_at(Utc::now()), None).await?;
    println!(
        "II.06a of twelve months counted dossier by dossier (no counters): {:.0} ms, {} dossiers received",
        started.elapsed().as_secs_f64() * 1000.0,
        counted.iter().map(|r| r.counts.received.total).sum::<u64>()
    );
    for (name, period, what) in [
        ("indicators, twelve months", year, Asked::Indicators),
        ("indicators, last quarter", quarter, Asked::Indicators),
        ("dashboard, last quarter", quarter, Asked::Dashboard),
        ("dashboard, twelve months", year, Asked::Dashboard),
        ("II.06a, twelve months", year, Asked::Ii06a),
        ("II.06a, last quarter", quarter, Asked::Ii06a),
    ] {
        let mut times = Vec::with_capacity(o.runs);
        let mut size = 0;
        for _ in 0..o.runs {
            let at = Instant::now();
            size = ask(state.clone(), steering.clone(), period, what).await?;
            times.push(at.elapsed());
        }
        times.sort();
        let at = Instant::now();
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (state, steering) = (state.clone(), steering.clone());
                tokio::spawn(async move {
                    for _ in 0..o.runs {
                        ask(state.clone(), steering.clone(), period, what).await.map_err(|e| e.to_string())?;
                    }
                    Ok::<_, String>(())
                })
            })
            .collect();
        for task in tasks {
            task.await??;
        }
        let rate = (16 * o.runs) as f64 / at.elapsed().as_secs_f64();
        println!(
            "{name} ({} – {}), whole province: median {:.1} ms, p99 {:.1} ms ({} runs, {size} bytes of JSON); \
             16 at once: {rate:.0}/s",
            period.from,
            period.to,
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0,
            o.runs,
        );
    }
    finishing_cost(&db, &judge).await?;
    drop(fresh);
    Ok(())
}

/// Opens a database `motcua seed` filled, migrated to this build.
async fn seeded_before(url: &str) -> Result<Database> {
    let db = Database::connect(url).await?.with_audit_key(motcua_store::audit::AuditKey::generate());
    db.migrate().await?;
    let (dossiers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM dossiers").fetch_one(db.reader()).await?;
    let (open,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM dossiers WHERE finished_at IS NULL").fetch_one(db.reader()).await?;
    println!("measuring a database seeded before: {dossiers} dossiers ({open} not finished)");
    Ok(db)
}

/// Grows the demo catalog and seeds the dossiers the options ask for.
async fn seed_fresh(db: &Database, o: &Options) -> Result<()> {
    let widened = widen(db, o.units, o.procedures).await?;
    let started = Instant::now();
    let mix = o.years.map_or(Mix::Realistic, |years| Mix::History { years });
    let seeded = seed(db, o.dossiers, 42, mix, |n| {
        if n % 1_000_000 == 0 {
            eprintln!("  {n} dossiers written ({:.0} s)", started.elapsed().as_secs_f64());
        }
    })
    .await?;
    let open: usize = seeded
        .by_status
        .iter()
        .filter(|(s, _)| !matches!(**s, "result_ready" | "returned" | "refused" | "withdrawn"))
        .map(|(_, n)| n)
        .sum();
    println!(
        "seeded {} dossiers ({open} not finished) in {:.1} s; catalog grown by {} units and {} procedures",
        seeded.dossiers,
        started.elapsed().as_secs_f64(),
        widened.units,
        widened.procedures
    );
    println!("  by status: {:?}", seeded.by_status);
    Ok(())
}

/// What is asked of the server.
#[derive(Clone, Copy)]
enum Asked {
    /// `GET /api/v1/reports/indicators`.
    Indicators,
    /// `/bao-cao/chi-so`: the indicators with twelve months of on-time rate.
    Dashboard,
    /// `GET /api/v1/reports/ii06a`.
    Ii06a,
}

/// Asks the server's use-case for `period` as the steering account and makes its JSON: its size.
async fn ask(state: AppState, steering: User, period: Period, what: Asked) -> Result<usize> {
    let fail = |e: motcua_app::error::AppError| format!("{e:?}");
    Ok(match what {
        Asked::Indicators => {
            let found = indicators::indicators(&state, &steering, period, None).await.map_err(fail)?;
            serde_json::to_vec(&IndicatorsDto::new(&found, Lang::Vi))?.len()
        }
        Asked::Dashboard => {
            let (found, trend) = indicators::dashboard(&state, &steering, period, None).await.map_err(fail)?;
            serde_json::to_vec(&IndicatorsDto::new(&found, Lang::Vi))?.len() + trend.len()
        }
        Asked::Ii06a => {
            let report = reports::ii06a(&state, &steering, period, None).await.map_err(fail)?;
            serde_json::to_vec(&Ii06aDto::from(&report))?.len()
        }
    })
}

/// The rows and the bytes the counters take: SQLite's pages (`dbstat`), PostgreSQL's relations.
async fn counters_size(db: &Database) -> Result<String> {
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM indicator_counts").fetch_one(db.reader()).await?;
    let (work,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM indicator_work").fetch_one(db.reader()).await?;
    let (report,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM report_counts").fetch_one(db.reader()).await?;
    let bytes: Option<(i64,)> =
        match db.engine {
            Engine::Sqlite => sqlx::query_as(
                "SELECT CAST(SUM(pgsize) AS BIGINT) FROM dbstat WHERE name LIKE 'indicator%' \
             OR name LIKE 'sqlite_autoindex_indicator%' OR name LIKE '%report_counts%'",
            )
            .fetch_optional(db.reader())
            .await
            .ok()
            .flatten(),
            Engine::Postgres => sqlx::query_as(
                "SELECT CAST(pg_total_relation_size('indicator_counts') + pg_total_relation_size('indicator_work') \
             + pg_total_relation_size('report_counts') AS BIGINT)",
            )
            .fetch_optional(db.reader())
            .await?,
        };
    let size = bytes.map_or("an unknown size".to_string(), |(b,)| format!("{:.1} MiB", b as f64 / 1048576.0));
    Ok(format!("{rows} rows, {work} rows by procedure and {report} rows of II.06a, {size}"))
}

/// What counting adds to finishing a dossier: the transaction's reading of its facts, judging and
/// adding its rows, timed on finished dossiers (each counted once more, then rebuilt away).
async fn finishing_cost(db: &Database, judge: &CountingJudge) -> Result<()> {
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM dossiers WHERE finished_at IS NOT NULL AND status <> 'withdrawn' ORDER BY id DESC LIMIT 500",
    )
    .fetch_all(db.reader())
    .await?;
    let mut times = Vec::with_capacity(ids.len());
    for (id,) in &ids {
        let at = Instant::now();
        indicator_counts::count_written(db, *id, Utc::now()).await?;
        times.push(at.elapsed());
    }
    times.sort();
    if !times.is_empty() {
        println!(
            "counting a dossier that finishes, in its own transaction: median {:.2} ms, p99 {:.2} ms ({} dossiers)",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0,
            times.len()
        );
    }
    let rebuilt = indicator_counts::rebuild(db, judge, Utc::now()).await?;
    println!("rebuilt after: {} rows differed (the dossiers counted twice)", rebuilt.differences);
    Ok(())
}
