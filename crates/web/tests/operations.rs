//! What an operator relies on, over HTTP on both engines: every answer names its request with
//! `x-request-id` and is logged under its route template (never the path or query asked for);
//! text and JSON are compressed, PDFs are not; `/metrics` exists only when asked for.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use common::TestApp;
use motcua_app::Config;
use motcua_testkit::{answers, on_both_engines, TestEngine};
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use reqwest::multipart::{Form, Part};

on_both_engines!(
    every_answer_carries_a_request_id,
    requests_are_logged_by_route_template_and_id,
    text_and_json_are_compressed_pdfs_are_not,
    metrics_count_requests_by_route_template_and_status,
    metrics_are_off_unless_asked_for,
    a_database_out_of_reach_answers_503_with_retry_after,
    the_same_idempotency_key_answers_the_first_result,
    requests_dropped_midway_leave_no_transaction_open,
    the_api_pages_by_position,
);

/// Issue 17 point 7: `GET /api/v1/dossiers` gives `next`, and `?after=` with it walks the list
/// in the order of the whole; a position that is not one is refused at its field.
async fn the_api_pages_by_position(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get("/api/v1/procedures/3.000333", None).await;
    let citizen = app.login("congdan").await;
    for _ in 0..5 {
        let form = common::submission(&proc, &motcua_testkit::answers(&proc));
        assert_eq!(app.post_multipart("/api/v1/dossiers", Some(&citizen), form).await.0, 201);
    }
    let (_, whole) = app.get("/api/v1/dossiers?per_page=200", Some(&citizen)).await;
    assert_eq!(whole["total_capped"], false);
    let expected: Vec<&str> = whole["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(expected.len() >= 5);
    let mut walked = Vec::new();
    let mut path = "/api/v1/dossiers?per_page=2".to_string();
    loop {
        let (s, page) = app.get(&path, Some(&citizen)).await;
        assert_eq!(s, 200, "{page}");
        walked.extend(page["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()));
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/dossiers?per_page=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(walked, expected);
    let (s, refused) = app.get("/api/v1/dossiers?after=not-a-position", Some(&citizen)).await;
    assert_eq!(s, 422, "{refused}");
    assert!(refused["error"]["fields"]["after"].is_string(), "{refused}");
}

/// Issue 17 point 6: clients that give up mid-request (here after 1 to 40 ms, while the server
/// stores the documents or runs the transaction) leave no transaction open on a pooled
/// connection: within a second nothing is "idle in transaction", the writer is free, and every
/// dossier that exists is whole, its documents readable.
async fn requests_dropped_midway_leave_no_transaction_open(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get("/api/v1/procedures/3.000333", None).await;
    let answers = motcua_testkit::answers(&proc);
    let citizen = app.login("congdan").await;
    let before = app.get("/api/v1/dossiers?per_page=1", Some(&citizen)).await.1["total"].as_i64().unwrap();
    let mut dropped = 0;
    for i in 0..40u64 {
        let sent = app
            .http
            .post(app.url("/api/v1/dossiers"))
            .bearer_auth(&citizen)
            .multipart(common::submission(&proc, &answers))
            .timeout(std::time::Duration::from_millis(1 + i))
            .send()
            .await;
        dropped += usize::from(sent.is_err());
    }
    assert!(dropped > 0, "some requests were cut off");
    let started = std::time::Instant::now();
    loop {
        let open = match engine {
            TestEngine::Postgres => {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND state IN ('idle in transaction', 'idle in transaction (aborted)')",
                )
                .fetch_one(app.state.db.reader())
                .await
                .unwrap();
                n
            }
            // One writer: it is free when a write transaction can be had at once.
            TestEngine::Sqlite => {
                let tx = tokio::time::timeout(std::time::Duration::from_millis(200), app.state.db.write_tx()).await;
                i64::from(tx.is_err())
            }
        };
        if open == 0 {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "{open} transactions still open");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (_, mine) = app.get("/api/v1/dossiers?per_page=200", Some(&citizen)).await;
    let made = mine["total"].as_i64().unwrap() - before;
    assert!(made <= 40, "{made}");
    for d in mine["items"].as_array().unwrap() {
        let (s, full) = app.get(&format!("/api/v1/dossiers/{}", d["code"].as_str().unwrap()), Some(&citizen)).await;
        assert_eq!(s, 200, "{full}");
        for a in full["attachments"].as_array().unwrap() {
            let (s, bytes) = app.get_bytes(a["url"].as_str().unwrap(), Some(&citizen)).await;
            assert_eq!(s, 200, "{}", a["url"]);
            assert!(bytes.starts_with(b"%PDF"), "{}", a["url"]);
        }
    }
    // The server goes on answering.
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), common::submission(&proc, &answers)).await;
    assert_eq!(s, 201, "{d}");
}

/// A submission of the procedure `proc` with an Idempotency-Key: status, whether it was given
/// again, and the body.
async fn apply_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    form: reqwest::multipart::Form,
) -> (u16, bool, serde_json::Value) {
    let res = app
        .http
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let replayed = res.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    (res.status().as_u16(), replayed, res.json().await.unwrap())
}

/// Issue 17 point 6: a client that lost an answer sends the request again with the same
/// `Idempotency-Key` and gets the first answer, not a second dossier or a second payment; the
/// key is the caller's own; another request under a used key is refused; an error keeps
/// nothing, so the key may try again.
async fn the_same_idempotency_key_answers_the_first_result(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get("/api/v1/procedures/3.000333", None).await;
    let answers = motcua_testkit::answers(&proc);
    let citizen = app.login("congdan").await;
    let total = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/dossiers?per_page=1", Some(&token)).await.1["total"].as_i64().unwrap() }
    };
    let before = total(citizen.clone()).await;

    let (s, replayed, first) = apply_with_key(&app, &citizen, "k-1", common::submission(&proc, &answers)).await;
    assert_eq!((s, replayed), (201, false), "{first}");
    // The same request again (the form drawn again, with another multipart boundary).
    let (s, replayed, again) = apply_with_key(&app, &citizen, "k-1", common::submission(&proc, &answers)).await;
    assert_eq!((s, replayed), (201, true), "{again}");
    assert_eq!(again, first, "the first answer, word for word");
    // Another request under the same key is the client's mistake.
    let mut other = answers.clone();
    let (field, _) = other.iter().find(|(_, v)| v.is_string()).map(|(k, v)| (k.clone(), v.clone())).unwrap();
    other.insert(field, "Một câu trả lời khác".into());
    let (s, _, refused) = apply_with_key(&app, &citizen, "k-1", common::submission(&proc, &other)).await;
    assert_eq!(s, 422, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("Idempotency-Key"), "{refused}");
    // Another caller's key of the same name is theirs.
    let second = app.login("congdan2").await;
    let (s, replayed, theirs) = apply_with_key(&app, &second, "k-1", common::submission(&proc, &answers)).await;
    assert_eq!((s, replayed), (201, false), "{theirs}");
    assert_ne!(theirs["code"], first["code"]);
    // An answer refused keeps nothing: the key tries again with the request mended.
    let empty = common::submission(&proc, &serde_json::Map::new());
    let (s, _, invalid) = apply_with_key(&app, &citizen, "k-2", empty).await;
    assert_eq!(s, 422, "{invalid}");
    let (s, replayed, mended) = apply_with_key(&app, &citizen, "k-2", common::submission(&proc, &answers)).await;
    assert_eq!((s, replayed), (201, false), "{mended}");
    assert_eq!(total(citizen.clone()).await - before, 2, "two dossiers for two keys, whatever was sent again");
    // A key no one could mean is refused before anything runs.
    let (s, _, long) = apply_with_key(&app, &citizen, &"x".repeat(256), common::submission(&proc, &answers)).await;
    assert_eq!(s, 400, "{long}");

    // Paying: the same key gives the same payment, so a retry never opens a second one.
    let code = first["code"].as_str().unwrap();
    let pay = || async {
        let res = app
            .http
            .post(app.url(&format!("/api/v1/dossiers/{code}/actions")))
            .bearer_auth(&citizen)
            .header("idempotency-key", "pay-1")
            .json(&serde_json::json!({"action": "pay"}))
            .send()
            .await
            .unwrap();
        let replayed = res.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
        (res.status().as_u16(), replayed, res.json::<serde_json::Value>().await.unwrap())
    };
    let (s, replayed, started) = pay().await;
    assert_eq!((s, replayed), (200, false), "{started}");
    let url = started["payment_url"].as_str().expect("the gateway's address");
    let (s, replayed, retried) = pay().await;
    assert_eq!((s, replayed, retried["payment_url"].as_str()), (200, true, Some(url)), "{retried}");
    let (_, without_key) = app
        .post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&citizen), serde_json::json!({"action": "pay"}))
        .await;
    assert_ne!(without_key["payment_url"].as_str(), Some(url), "without a key, each request starts a payment");
}

/// Issue 17 point 6: when the database cannot be reached (here its connections closed under the
/// server), requests are told to come back (503, `Retry-After`) in the caller's words, not 500.
async fn a_database_out_of_reach_answers_503_with_retry_after(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let citizen = app.login("congdan").await;
    app.state.db.close().await;
    let res = app.http.get(app.url("/api/v1/dossiers")).bearer_auth(&citizen).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("thử lại sau"), "{body}");
}

async fn every_answer_carries_a_request_id(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let mut seen = Vec::new();
    for path in ["/healthz", "/", "/api/v1/procedures", "/khong-co-trang-nay", "/thu-tuc/KHONG-CO"] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        let id = res.headers().get("x-request-id").unwrap_or_else(|| panic!("{path}: no x-request-id"));
        let id = id.to_str().unwrap().to_string();
        assert_eq!(id.len(), 36, "{path}: a UUID, not {id}");
        assert!(!seen.contains(&id), "{path}: a new id for each request");
        seen.push(id);
    }
    // A proxy's id is kept, so one request can be followed through every log.
    let res = app.http.get(app.url("/healthz")).header("x-request-id", "edge-7f3a9c.1").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "edge-7f3a9c.1");
    // One that would make the logs unreadable is replaced.
    for odd in ["a b", &"x".repeat(200), "<script>"] {
        let res = app.http.get(app.url("/healthz")).header("x-request-id", odd).send().await.unwrap();
        let id = res.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 36, "{odd:?} replaced by a UUID, not {id}");
    }
}

/// Everything this test binary logs, at INFO and above.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .with_ansi(false)
            .with_writer(move || LogSink(sink.clone()))
            .try_init();
        logs
    })
    .clone()
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn requests_are_logged_by_route_template_and_id(engine: TestEngine) {
    let logs = captured_logs();
    let app = TestApp::spawn(engine).await;
    let id = format!("trace-{engine:?}-{}", std::process::id());
    let res = app
        .http
        .get(app.url("/thu-tuc/MA-RIENG-TU?hoten=Nguyen+Van+A"))
        .header("x-request-id", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let finished = (0..100)
        .find_map(|_| {
            let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
            let line = text.lines().find(|l| l.contains(&id) && l.contains("finished processing request"));
            if line.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            line.map(str::to_string)
        })
        .unwrap_or_else(|| panic!("no completion logged for {id}"));
    assert!(finished.contains("INFO"), "{finished}");
    assert!(finished.contains("method=GET"), "{finished}");
    assert!(finished.contains("route=/thu-tuc/{code}"), "{finished}");
    assert!(finished.contains("status=404"), "{finished}");
    assert!(finished.contains("latency="), "{finished}");
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    for line in text.lines().filter(|l| l.contains(&id)) {
        assert!(
            !line.contains("MA-RIENG-TU") && !line.contains("Nguyen"),
            "the path and query stay out of the log: {line}"
        );
    }
}

async fn text_and_json_are_compressed_pdfs_are_not(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let get = |path: &str, encoding: &str| app.http.get(app.url(path)).header(ACCEPT_ENCODING, encoding).send();

    let page = get("/", "br").await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), Some("br"), "a page in brotli");
    assert!(page.headers()[VARY].to_str().unwrap().to_ascii_lowercase().contains("accept-encoding"));
    let page = get("/", "gzip").await.unwrap();
    assert_eq!(page.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), Some("gzip"), "a page in gzip");
    let plain = get("/", "identity").await.unwrap();
    assert!(plain.headers().get(CONTENT_ENCODING).is_none(), "nothing asked, nothing compressed");
    assert!(plain.text().await.unwrap().contains("<html"));

    let json = get("/api/v1/procedures?per_page=50", "gzip, br").await.unwrap();
    assert!(json.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("application/json"));
    assert_eq!(json.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()), Some("br"), "JSON compressed");
    let small = get("/healthz", "br").await.unwrap();
    assert!(small.headers().get(CONTENT_ENCODING).is_none(), "a few bytes of JSON go as they are");

    // A PDF large enough to be worth compressing, were it not a PDF.
    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let mut pdf = b"%PDF-1.4\n".to_vec();
    for i in 0..400 {
        pdf.extend_from_slice(
            format!("% line {i} of a scanned document, repeated to pass any size threshold\n").as_bytes(),
        );
    }
    pdf.extend_from_slice(b"%%EOF\n");
    let mut form = Form::new()
        .text("procedure_code", proc["code"].as_str().unwrap().to_string())
        .text("data", serde_json::to_string(&answers(&proc)).unwrap());
    for d in proc["required_documents"].as_array().unwrap() {
        let part = Part::bytes(pdf.clone()).file_name("scan.pdf").mime_str("application/pdf").unwrap();
        form = form.part(d["key"].as_str().unwrap().to_string(), part);
    }
    let (status, dossier) = app.post_multipart("/api/v1/dossiers", Some(&citizen), form).await;
    assert_eq!(status, 201, "{dossier}");
    let url = dossier["attachments"][0]["url"].as_str().unwrap();
    let res =
        app.http.get(app.url(url)).bearer_auth(&citizen).header(ACCEPT_ENCODING, "br, gzip").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/pdf");
    assert!(res.headers().get(CONTENT_ENCODING).is_none(), "a PDF goes as it is");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
}

async fn metrics_count_requests_by_route_template_and_status(engine: TestEngine) {
    let app = TestApp::spawn_with(engine, Config { metrics: true, ..Config::default() }).await;
    for path in ["/", "/", "/thu-tuc/MA-RIENG-TU", "/healthz"] {
        app.http.get(app.url(path)).send().await.unwrap();
    }
    motcua_store::jobs::enqueue(&app.state.db, &motcua_store::jobs::NewJob::new("metrics_test", serde_json::json!({})))
        .await
        .unwrap();
    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"), "{:?}", res.headers());
    let text = res.text().await.unwrap();
    for line in [
        r#"motcua_http_requests_total{method="GET",route="/",status="200"} 2"#,
        r#"motcua_http_requests_total{method="GET",route="/thu-tuc/{code}",status="404"} 1"#,
        r#"motcua_http_requests_total{method="GET",route="/healthz",status="200"} 1"#,
        r#"motcua_http_request_duration_seconds_count{method="GET",route="/"} 2"#,
        r#"motcua_jobs{state="waiting"} 1"#,
        r#"motcua_jobs{state="dead"} 0"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    assert!(
        text.contains(r#"motcua_http_request_duration_seconds_bucket{method="GET",route="/",le="0.005"}"#),
        "{text}"
    );
    for gauge in ["motcua_db_pool_connections ", "motcua_db_pool_idle_connections ", "motcua_db_pool_max_connections "]
    {
        assert!(text.lines().any(|l| l.starts_with(gauge)), "{gauge} in\n{text}");
    }
    assert!(!text.contains("MA-RIENG-TU"), "paths asked for stay out of the metrics");
    // The scrape itself is counted, under its own route.
    let again = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(again.contains(r#"motcua_http_requests_total{method="GET",route="/metrics",status="200"} 1"#), "{again}");
}

async fn metrics_are_off_unless_asked_for(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    app.http.get(app.url("/")).send().await.unwrap();
    let res = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 404);
}
