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
on_both_engines!(a_forgotten_password_is_set_again_with_a_code_sent_by_sms);

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

/// The job of the latest change (it carries the SMS with the other channels), once enqueued.
async fn latest_sms_job(app: &common::TestApp, not: &[i64]) -> Job {
    let all = jobs::list(&app.state.db, None, 100).await.unwrap();
    all.into_iter()
        .filter(|j| j.kind == notify::NOTIFY_JOB && j.payload.contains(r#""sms""#) && !not.contains(&j.id))
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

/// The page's form, sent with its CSRF token and `fields`: the answer's status and page (or
/// where it leads).
async fn send_form(
    app: &common::TestApp,
    b: &reqwest::Client,
    html: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let csrf = common::csrf_of(html);
    let mut form = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = b.post(app.url(action)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or(res.text().await.unwrap()))
}

/// `congdan` forgets the password: asks with the account's phone, gets a six-digit code through
/// the SMS gateway, a wrong code is refused and counted, the right one sets the new password —
/// the old one no longer signs in, the new one does; the code is spent. A phone of no account
/// gets the same answer and no message; asking again at once sends nothing more.
async fn a_forgotten_password_is_set_again_with_a_code_sent_by_sms(engine: TestEngine) {
    let app = common::TestApp::spawn(engine).await;
    let gateway = Gateway::default();
    let url = gateway.start().await;
    let sms: Arc<dyn SmsProvider> = Arc::new(BrandnameGateway::new(config(&url)).unwrap());
    let handlers = app.notify_handlers(Mailer::log_only(), sms, Templates::default());
    let db = &app.state.db;
    let worker = WorkerConfig::default();
    let b = common::browser();
    let run_jobs = || async {
        for j in jobs::list(db, None, 100).await.unwrap() {
            if j.kind == motcua_app::password_reset::RESET_JOB && j.status == JobStatus::Pending {
                job_until(db, &handlers, &worker, j.id, "the code is sent", |j| j.status == JobStatus::Done).await;
            }
        }
    };

    let (_, login) = common::page(&app, &b, "/dang-nhap").await;
    assert!(login.contains("href=\"/quen-mat-khau\""), "the sign-in page offers it");
    let (status, html) = common::page(&app, &b, "/quen-mat-khau").await;
    assert_eq!(status, 200);
    // Not a phone nor an address: told so, by field.
    let (status, page) = send_form(&app, &b, &html, "/quen-mat-khau", &[("contact", "abc")]).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("Nhập số điện thoại (ví dụ 0912345678) hoặc địa chỉ thư điện tử"), "{page}");
    // A phone of no account: the same answer as for one, and nothing is sent.
    let (status, page) = send_form(&app, &b, &html, "/quen-mat-khau", &[("contact", "0987000111")]).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"reset-sent\""), "{page}");
    run_jobs().await;
    assert!(gateway.received().is_empty());

    let (status, page) = send_form(&app, &b, &html, "/quen-mat-khau", &[("contact", "0912 345 678")]).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"reset-sent\""), "{page}");
    // Asking again at once: the same answer, no second message.
    send_form(&app, &b, &html, "/quen-mat-khau", &[("contact", "0912345678")]).await;
    run_jobs().await;
    let sent = gateway.received();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["Phone"], "0912345678");
    let text = sent[0]["Content"].as_str().unwrap().to_string();
    // Without diacritics, as text messages are sent; the portal named as the catalog names it.
    assert!(text.starts_with("Cong Dich vu cong tinh Lao Cai: ma dat lai mat khau cua Ong/Ba la "), "{text}");
    let code: String = text.split_whitespace().find(|w| w.len() == 7 && w.ends_with(',')).unwrap()[..6].to_string();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{text}");
    let stored: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT code_hash FROM password_resets").fetch_all(db.reader()).await.unwrap();
    assert!(stored.iter().all(|(h,)| h.as_deref() != Some(code.as_str())), "the code is not stored in clear");

    let new_password = "Hoa sen nở giữa hồ 2026";
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, refused) = send_form(
        &app,
        &b,
        &page,
        "/quen-mat-khau/dat-lai",
        &[("contact", "0912345678"), ("code", wrong), ("password", new_password)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(refused.contains("Mã xác nhận không đúng hoặc đã hết hạn"), "{refused}");
    let (status, weak) = send_form(
        &app,
        &b,
        &page,
        "/quen-mat-khau/dat-lai",
        &[("contact", "0912345678"), ("code", &code), ("password", "123")],
    )
    .await;
    assert_eq!(status, 422, "{weak}");
    let (status, to) = send_form(
        &app,
        &b,
        &page,
        "/quen-mat-khau/dat-lai",
        &[("contact", "0912345678"), ("code", &code), ("password", new_password)],
    )
    .await;
    assert_eq!((status, to.as_str()), (303, "/dang-nhap?mat_khau_moi=1"));
    let (attempts,): (i64,) =
        sqlx::query_as("SELECT attempts FROM password_resets WHERE used_at IS NOT NULL AND code_hash IS NOT NULL")
            .fetch_one(db.reader())
            .await
            .unwrap();
    assert_eq!(attempts, 1, "the wrong code was counted");

    let (_, login) = common::page(&app, &b, "/dang-nhap?mat_khau_moi=1").await;
    assert!(login.contains("id=\"password-reset-done\""));
    let old = app.post_json("/api/v1/auth/login", None, json!({"username": "congdan", "password": "demo"})).await;
    assert_eq!(old.0, 401, "the old password no longer signs in");
    let new =
        app.post_json("/api/v1/auth/login", None, json!({"username": "0912345678", "password": new_password})).await;
    assert_eq!(new.0, 200, "{}", new.1);
    // The code is spent.
    let (status, _) = send_form(
        &app,
        &b,
        &page,
        "/quen-mat-khau/dat-lai",
        &[("contact", "0912345678"), ("code", &code), ("password", "Một mật khẩu khác 2027")],
    )
    .await;
    assert_eq!(status, 422);
}
