//! SMS through a brandname gateway: a small gateway of our own on a local port records what it
//! is sent and answers as it is told; the job worker retries what may pass and gives up what
//! cannot, on SQLite and on PostgreSQL.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use motcua_app::jobs::mail::Mailer;
use motcua_app::jobs::notify::{self, Templates};
use motcua_app::jobs::sms::SmsProvider;
use motcua_app::jobs::worker::WorkerConfig;
use motcua_store::jobs::{self, Job, JobStatus};
use motcua_testkit::{job_until, on_both_engines, TestEngine};
use motcua_web::sms_gateway::{BrandnameGateway, GatewayConfig};
use serde_json::{json, Value};

mod common;

on_both_engines!(a_status_change_reaches_the_gateway_after_a_retry_and_a_refusal_is_given_up);

/// What the gateway was sent, and the answers it will give, in order (then "accepted").
#[derive(Clone, Default)]
struct Gateway {
    received: Arc<Mutex<Vec<Value>>>,
    answers: Arc<Mutex<VecDeque<(StatusCode, String)>>>,
}

impl Gateway {
    /// Starts the gateway on a free local port; returns its sending URL.
    async fn start(&self) -> String {
        async fn send(State(g): State<Gateway>, Json(body): Json<Value>) -> (StatusCode, String) {
            g.received.lock().unwrap().push(body);
            g.answers
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or((StatusCode::OK, json!({"CodeResult": "100", "SMSID": "abc123"}).to_string()))
        }
        let app = Router::new()
            .route("/MainService.svc/json/SendMultipleMessage_V4_post_json/", post(send))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/MainService.svc/json/SendMultipleMessage_V4_post_json/")
    }

    fn answer(&self, status: StatusCode, body: Value) {
        self.answers.lock().unwrap().push_back((status, body.to_string()));
    }

    fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

fn config(url: &str) -> GatewayConfig {
    GatewayConfig {
        url: url.to_string(),
        api_key: "KEY-TEST".into(),
        secret_key: "SECRET-TEST".into(),
        brandname: "LAOCAI.GOV".into(),
        sms_type: "2".into(),
        unicode: false,
        sandbox: false,
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn each_answer_of_the_gateway_is_taken_for_what_it_means() {
    let gateway = Gateway::default();
    let url = gateway.start().await;
    let sms = BrandnameGateway::new(config(&url)).unwrap();
    let cases: [(StatusCode, Value, Option<bool>); 9] = [
        (StatusCode::OK, json!({"CodeResult": "100", "SMSID": "1"}), None),
        (StatusCode::OK, json!({"CodeResult": 100}), None),
        (StatusCode::OK, json!({"CodeResult": "124", "ErrorMessage": "RequestId đã tồn tại"}), None),
        (StatusCode::OK, json!({"CodeResult": "103", "ErrorMessage": "Số dư không đủ"}), Some(false)),
        (StatusCode::OK, json!({"CodeResult": "99"}), Some(false)),
        (StatusCode::SERVICE_UNAVAILABLE, json!({}), Some(false)),
        (StatusCode::TOO_MANY_REQUESTS, json!({}), Some(false)),
        (StatusCode::OK, json!({"CodeResult": "146", "ErrorMessage": "Sai mẫu tin"}), Some(true)),
        (StatusCode::BAD_REQUEST, json!({}), Some(true)),
    ];
    for (i, (status, body, _)) in cases.iter().enumerate() {
        gateway.answer(*status, body.clone());
        let outcome = sms.send("0912345678", "Hồ sơ đã được tiếp nhận", &format!("case-{i}")).await;
        let expected = cases[i].2;
        match (outcome, expected) {
            (Ok(()), None) => {}
            (Err(e), Some(permanent)) => assert_eq!(e.permanent, permanent, "case {i} {body}: {e}"),
            (outcome, expected) => panic!("case {i} {body}: {outcome:?}, expected {expected:?}"),
        }
    }
    // An answer that is not the gateway's JSON, and no gateway at all: tried again later.
    gateway.answers.lock().unwrap().push_back((StatusCode::OK, "<html>maintenance</html>".into()));
    assert!(!sms.send("0912345678", "x", "html").await.unwrap_err().permanent);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let down = BrandnameGateway::new(config(&format!("http://{closed}/send"))).unwrap();
    let e = down.send("0912345678", "x", "down").await.unwrap_err();
    assert!(!e.permanent && e.message.contains("unavailable"), "{e}");
    assert!(!e.message.contains("KEY-TEST") && !e.message.contains("SECRET-TEST"));
    assert_eq!(gateway.received().len(), cases.len() + 1);
}

/// The SMS job of the latest change, once enqueued.
async fn latest_sms_job(app: &common::TestApp, not: &[i64]) -> Job {
    let all = jobs::list(&app.state.db, None, 100).await.unwrap();
    all.into_iter()
        .filter(|j| j.kind == notify::NOTIFY_JOB && j.payload.contains(r#""channel":"sms""#) && !not.contains(&j.id))
        .max_by_key(|j| j.id)
        .expect("an SMS job")
}

async fn a_status_change_reaches_the_gateway_after_a_retry_and_a_refusal_is_given_up(engine: TestEngine) {
    let app = common::TestApp::spawn(engine).await;
    let gateway = Gateway::default();
    let url = gateway.start().await;
    let sms: Arc<dyn SmsProvider> = Arc::new(BrandnameGateway::new(config(&url)).unwrap());
    // The worker's clock runs `skew` ahead, so the test moves past a backoff without waiting.
    let skew = Arc::new(AtomicI64::new(0));
    let clock_skew = skew.clone();
    let config = WorkerConfig {
        clock: Arc::new(move || Utc::now() + chrono::Duration::milliseconds(clock_skew.load(Ordering::SeqCst))),
        ..WorkerConfig::default()
    };
    // The gateway is overloaded at first.
    gateway.answer(StatusCode::SERVICE_UNAVAILABLE, json!({"message": "busy"}));
    let handlers = app.notify_handlers(Mailer::log_only(), sms, Templates::default());
    let db = &app.state.db;

    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let (s, d) = app
        .post_multipart("/api/v1/dossiers", Some(&citizen), common::submission(&proc, &motcua_testkit::answers(&proc)))
        .await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let phone = d["applicant"]["phone"].as_str().unwrap().to_string();
    let submitted = latest_sms_job(&app, &[]).await;
    let failed = job_until(db, &handlers, &config, submitted.id, "failed once", |j| j.last_error.is_some()).await;
    assert_eq!((failed.status, failed.attempts), (JobStatus::Pending, 1), "{failed:?}");
    assert!(failed.last_error.as_deref().unwrap().contains("503"), "{failed:?}");
    skew.store(30_000, Ordering::SeqCst);
    let done = job_until(db, &handlers, &config, submitted.id, "done", |j| j.status == JobStatus::Done).await;
    assert_eq!(done.attempts, 2);

    let received = gateway.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert_eq!(received[0], received[1], "the same request again, with the same request id");
    let body = &received[1];
    for (field, value) in [
        ("ApiKey", "KEY-TEST"),
        ("SecretKey", "SECRET-TEST"),
        ("Brandname", "LAOCAI.GOV"),
        ("Phone", phone.as_str()),
        ("SmsType", "2"),
        ("IsUnicode", "0"),
        ("Sandbox", "0"),
    ] {
        assert_eq!(body[field], value, "{field} in {body}");
    }
    let request_id = body["RequestId"].as_str().unwrap();
    assert!(request_id.starts_with(&format!("{code}-")), "{body}");
    let content = body["Content"].as_str().unwrap();
    assert!(content.contains(&code), "{content}");
    assert!(!content.chars().any(|c| ('\u{00C0}'..='\u{1EFF}').contains(&c)), "no marks: {content}");
    assert!(content.starts_with("Ho so"), "{content}");

    // The gateway refuses the next message itself: no retry can mend it.
    gateway.answer(StatusCode::OK, json!({"CodeResult": "146", "ErrorMessage": "Nội dung không khớp mẫu đã đăng ký"}));
    let desk = app.login("tiepnhan").await;
    let (s, _) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), json!({"action":"receive"})).await;
    assert_eq!(s, 200);
    let received_job = latest_sms_job(&app, &[submitted.id]).await;
    let dead = job_until(db, &handlers, &config, received_job.id, "given up", |j| j.status == JobStatus::Dead).await;
    assert_eq!(dead.attempts, 1, "given up at once: {dead:?}");
    assert!(dead.last_error.as_deref().unwrap().contains("code 146"), "{dead:?}");
    let received = gateway.received();
    assert_eq!(received.len(), 3);
    assert_ne!(received[2]["RequestId"], received[1]["RequestId"], "one request id per message");
}
