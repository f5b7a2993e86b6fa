//! The Decision 766 indicators' cost on a seeded database: every unit and the province for a
//! year and for a quarter, as the JSON route answers them, and the dashboard (the same with the
//! on-time rate of twelve months, in one pass), without the HTTP round trip. See bench/README.md.
//!
//! ```sh
//! cargo run --release -p motcua-web --example indicators_report -- \
//!     [--engine sqlite|postgres] [--dossiers 200000] [--runs 50]
//! ```
//!
//! On a fresh database (a temporary SQLite file, or a PostgreSQL database created on the server of
//! `MOTCUA_TEST_POSTGRES_URL` and dropped at the end) with the demo province, it seeds
//! `--dossiers` synthetic dossiers with the realistic mix of `motcua seed` (spread over the past
//! year), then asks `--runs` times, as the steering account, for the indicators of the last twelve
//! months and of the last quarter, and for the dashboard of the last quarter, and prints the median
//! and the 99th percentile.

use std::time::Instant;

use chrono::Utc;
use motcua_app::i18n::Lang;
use motcua_app::{indicators, AppState, Config};
use motcua_domain::report::{vn_day, Period, Preset};
use motcua_store::synthetic::{seed, Mix};
use motcua_testkit::{percentile, TestDb, TestEngine};
use motcua_web::api::dto::IndicatorsDto;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Options {
    engine: TestEngine,
    dossiers: usize,
    runs: usize,
}

fn options() -> Result<Options> {
    let mut o = Options { engine: TestEngine::Sqlite, dossiers: 200_000, runs: 50 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--engine" => o.engine = value.parse()?,
            "--dossiers" => o.dossiers = value.parse()?,
            "--runs" => o.runs = value.parse::<usize>()?.max(1),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = options()?;
    let t = TestDb::with_demo(o.engine).await;
    let started = Instant::now();
    let seeded = seed(&t.db, o.dossiers, 42, Mix::Realistic, |_| {}).await?;
    println!("seeded {} dossiers in {:.1} s", seeded.dossiers, started.elapsed().as_secs_f64());
    let state: AppState = motcua_testkit::app_state(&t, Config { demo: true, ..Config::default() }).await;
    let steering = motcua_store::users::with_usernames(&t.db)
        .await?
        .into_iter()
        .find(|u| u.username.as_deref() == Some("dieuhanh"))
        .ok_or("the demo steering account")?;
    let today = vn_day(Utc::now());
    let year = Period::new(today - chrono::Duration::days(364), today)?;
    let quarter = Preset::LastQuarter.period(today);
    for (name, period, dashboard) in
        [("last 12 months", year, false), ("last quarter", quarter, false), ("dashboard, last quarter", quarter, true)]
    {
        let mut times = Vec::with_capacity(o.runs);
        let mut size = 0;
        let mut measured = 0.0;
        for _ in 0..o.runs {
            let at = Instant::now();
            let found = if dashboard {
                indicators::dashboard(&state, &steering, period, None).await.map_err(|e| format!("{e:?}"))?.0
            } else {
                indicators::indicators(&state, &steering, period, None).await.map_err(|e| format!("{e:?}"))?
            };
            size = serde_json::to_vec(&IndicatorsDto::new(&found, Lang::Vi))?.len();
            measured = found.province.indicators[0].fraction.denominator;
            times.push(at.elapsed());
        }
        times.sort();
        println!(
            "{name} ({} – {}), every unit: median {:.1} ms, p99 {:.1} ms ({} runs, {measured} dossiers measured, {size} bytes of JSON)",
            period.from,
            period.to,
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0,
            o.runs,
        );
    }
    Ok(())
}
