//! Two servers on one database (issue 17 point 2): what one keeps in memory (the working
//! calendar, the catalog with its workflows) is reloaded when another changes it: as soon as
//! PostgreSQL announces the change, within about a second on SQLite (`AppState::reload_changed`,
//! `motcua_store::cache_versions`).

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use motcua_testkit::{on_both_engines, TestEngine};
use serde_json::{json, Value};

on_both_engines!(
    a_holiday_added_on_one_server_moves_due_dates_on_the_other,
    a_workflow_saved_on_one_server_can_be_saved_again_on_the_other,
    a_client_gets_one_allowance_whichever_server_it_reaches
);

/// A second server on the app's database, attachments in the same folder: its address.
async fn second(app: &TestApp) -> String {
    let blobs = motcua_store::Blobs::local(app.db.dir.path().join("attachments")).unwrap();
    app.another_node(blobs).await
}

async fn get(app: &TestApp, base: &str, path: &str, token: &str) -> (u16, Value) {
    let r = app.http.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Asks `ask` until it gives something other than `old`, for up to two seconds: what it gives,
/// and how long that took.
async fn changed<F, Fut>(old: &Value, mut ask: F) -> (Value, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let started = Instant::now();
    loop {
        let now = ask().await;
        if &now != old || started.elapsed() > Duration::from_secs(2) {
            return (now, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_holiday_added_on_one_server_moves_due_dates_on_the_other(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let other = second(&app).await;
    let admin = app.login("quantri").await;
    // Monday 3 March 2031, 08:00: three working days end on Thursday the 6th.
    let due = "/api/v1/calendar/due?from=2031-03-03T08:00:00%2B07:00&amount=3&unit=working_days";
    let (s, before) = get(&app, &other, due, &admin).await;
    assert_eq!(s, 200, "{before}");
    let (s, body) = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/calendar/2031",
            Some(&admin),
            json!({"year": 2031, "days_off": ["2031-03-04"], "working_days": []}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, here) = app.get(due, Some(&admin)).await;
    assert_ne!(here, before, "the server that changed it counts the holiday at once");
    let (there, took) = changed(&before, || async { get(&app, &other, due, &admin).await.1 }).await;
    assert_eq!(there, here, "the other server counts it too, after {took:?}");
    assert!(took <= Duration::from_secs(2), "{took:?}");
    eprintln!("the other server counted the holiday after {took:?}");
}

async fn a_workflow_saved_on_one_server_can_be_saved_again_on_the_other(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let other = second(&app).await;
    let admin = app.login("quantri").await;
    let proc = app.department_procedure().await;
    let url = format!("/api/v1/procedures/{}/workflow", proc["code"].as_str().unwrap());
    let (_, current) = app.get(&url, Some(&admin)).await;
    let steps = current["steps"].clone();
    let (s, saved) = app.send_json(reqwest::Method::PUT, &url, Some(&admin), steps.clone()).await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["version"], current["version"].as_i64().unwrap() + 1);
    let (version, took) =
        changed(&current["version"], || async { get(&app, &other, &url, &admin).await.1["version"].clone() }).await;
    assert_eq!(version, saved["version"], "the other server holds the new version after {took:?}");
    let again = app.http.put(format!("{other}{url}")).bearer_auth(&admin).json(&steps).send().await.unwrap();
    assert_eq!(again.status(), 200, "saved again on the other server: {:?}", again.text().await);
}

/// The public checks of results allow 60 at once per address (`AddressLimiter::verifications`).
/// Spread over two servers on PostgreSQL, they are counted once: the 61st is refused on either.
/// On SQLite, which one server uses, each server counts in memory (documented in README.md).
async fn a_client_gets_one_allowance_whichever_server_it_reaches(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let other = second(&app).await;
    let check = |base: &str, i: usize| app.http.get(format!("{base}/api/v1/results/ABCD-{i:04}")).send();
    for i in 0..60 {
        let base = if i % 2 == 0 { app.base.clone() } else { other.clone() };
        assert_eq!(check(&base, i).await.unwrap().status().as_u16(), 404, "check {i} is allowed");
    }
    let refused = [check(&app.base, 60).await.unwrap(), check(&other, 61).await.unwrap()];
    let statuses: Vec<u16> = refused.iter().map(|r| r.status().as_u16()).collect();
    match engine {
        TestEngine::Postgres => assert_eq!(statuses, [429, 429], "one allowance across the servers"),
        TestEngine::Sqlite => assert_eq!(statuses, [404, 404], "30 on each server so far: each counts its own"),
    }
}
