//! An HTTP test world: a fresh database on the chosen engine with the demo province (without
//! historical dossiers), the real application on a free port, and a client.

#![allow(dead_code)]

pub mod oidc_provider;
pub mod smtp;

use std::net::SocketAddr;

use motcua_app::{AppState, Config};
use motcua_testkit::{answers, TestDb, TestEngine};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    pub db: TestDb,
}

impl TestApp {
    /// The demo province in demo mode: the sandbox payment gateway takes payments.
    pub async fn spawn(engine: TestEngine) -> TestApp {
        Self::spawn_with(engine, Config { demo: true, ..Config::default() }).await
    }

    pub async fn spawn_with(engine: TestEngine, config: Config) -> TestApp {
        Self::spawn_synced(engine, config, motcua_store::national_outbox::NationalSync::Off).await
    }

    /// As [`TestApp::spawn_with`], writing the changes of the dossiers `sync` names to the
    /// national portal's outbox.
    pub async fn spawn_synced(
        engine: TestEngine,
        config: Config,
        sync: motcua_store::national_outbox::NationalSync,
    ) -> TestApp {
        let mut db = TestDb::with_demo(engine).await;
        db.db = db.db.clone().with_national_sync(sync);
        Self::serve(db, config, None).await
    }

    /// The demo province in demo mode with attachments in `blobs` (an S3 bucket).
    pub async fn spawn_with_blobs(engine: TestEngine, blobs: motcua_store::Blobs) -> TestApp {
        let db = TestDb::with_demo(engine).await;
        Self::serve(db, Config { demo: true, ..Config::default() }, Some(blobs)).await
    }

    /// A server over `db`, attachments in `blobs` or in the database's folder.
    async fn serve(db: TestDb, mut config: Config, blobs: Option<motcua_store::Blobs>) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        // Links printed on forms and given to the payment gateway point at this server.
        if config.public_url == Config::default().public_url {
            config.public_url = base.clone();
        }
        let state = match blobs {
            Some(blobs) => motcua_testkit::app_state_with(&db, config, blobs).await,
            None => motcua_testkit::app_state(&db, config).await,
        };
        run(listener, state.clone());
        TestApp { base, http: reqwest::Client::builder().no_proxy().build().expect("client"), state, db }
    }

    /// Another server on the same database, as a second node would be, with attachments in
    /// `blobs`: its address.
    pub async fn another_node(&self, blobs: motcua_store::Blobs) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let config = Config { demo: true, public_url: base.clone(), ..Config::default() };
        run(listener, motcua_testkit::app_state_with(&self.db, config, blobs).await);
        base
    }

    /// The handlers of the jobs that tell applicants of each change (portal, e-mail, SMS), for
    /// a test to run the worker one job at a time (`motcua_testkit::job_until`).
    pub fn notify_handlers(
        &self,
        mailer: motcua_app::jobs::mail::Mailer,
        sms: std::sync::Arc<dyn motcua_app::jobs::sms::SmsProvider>,
        templates: motcua_app::jobs::notify::Templates,
    ) -> motcua_app::jobs::worker::Handlers {
        motcua_app::jobs::notify::register(
            motcua_app::jobs::worker::handlers(mailer.clone()),
            self.state.clone(),
            mailer,
            sms,
            templates,
        )
    }

    /// Starts the job worker that tells applicants of each change in the background, as the
    /// server does.
    pub fn notify_worker(
        &self,
        mailer: motcua_app::jobs::mail::Mailer,
        sms: std::sync::Arc<dyn motcua_app::jobs::sms::SmsProvider>,
        templates: motcua_app::jobs::notify::Templates,
        config: motcua_app::jobs::worker::WorkerConfig,
    ) -> motcua_app::jobs::worker::Worker {
        let handlers = self.notify_handlers(mailer, sms, templates);
        motcua_app::jobs::worker::start(self.state.db.clone(), handlers, config)
    }

    /// Runs the registration jobs that are due (codes, and warnings to owners of taken details)
    /// through a development SMS provider: the text messages they sent, (phone, text).
    pub async fn run_registration_jobs(&self) -> Vec<(String, String)> {
        let sms = std::sync::Arc::new(motcua_app::jobs::sms::LogSms::default());
        let mailer = motcua_app::jobs::mail::Mailer::log_only();
        let handlers = motcua_app::registration::register(
            motcua_app::jobs::worker::Handlers::new(),
            self.state.clone(),
            mailer,
            sms.clone(),
        );
        let config = motcua_app::jobs::worker::WorkerConfig::default();
        motcua_testkit::run_due_jobs(&self.state.db, &handlers, &config).await;
        sms.sent()
    }

    /// Registers a citizen through the API as the person with the phone does: the details, then
    /// the same details with the code the text message brought. The second answer (or the first,
    /// when it was not 202).
    pub async fn register(&self, details: Value) -> (u16, Value) {
        let (s, v) = self.post_json("/api/v1/auth/register", None, details.clone()).await;
        if s != 202 {
            return (s, v);
        }
        assert_eq!(v, json!({"status": "code_sent"}));
        let sent = self.run_registration_jobs().await;
        let code = sent.iter().rev().find_map(|(_, text)| code_in(text)).expect("a code was sent");
        let mut with_code = details;
        with_code["code"] = json!(code);
        self.post_json("/api/v1/auth/register", None, with_code).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, username: &str) -> String {
        let (status, body) = self
            .post_json("/api/v1/auth/login", None, serde_json::json!({"username": username, "password": "demo"}))
            .await;
        assert_eq!(status, 200, "login {username}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn get_bytes(&self, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        (res.status().as_u16(), res.bytes().await.expect("body").to_vec())
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.send_json(reqwest::Method::POST, path, token, body).await
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn post_multipart(&self, path: &str, token: Option<&str>, form: Form) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).multipart(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// The first free procedure of the demo department of `chuyenvien`, with its definition
    /// (payments have tests of their own).
    pub async fn department_procedure(&self) -> Value {
        let token = self.login("chuyenvien").await;
        let (_, me) = self.get("/api/v1/me", Some(&token)).await;
        let agency = me["agency"]["code"].as_str().expect("agency").to_string();
        let (_, list) = self.get(&format!("/api/v1/procedures?agency={agency}&per_page=50"), None).await;
        let free = list["items"]
            .as_array()
            .expect("procedures")
            .iter()
            .find(|p| p["fee_vnd"] == 0 && p["fee_varies"] == false)
            .expect("a free procedure");
        let code = free["code"].as_str().expect("a procedure").to_string();
        self.get(&format!("/api/v1/procedures/{code}"), None).await.1
    }
}

/// A small PDF-looking file.
pub fn pdf(tag: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {tag}\n1 0 obj << >> endobj\n%%EOF\n").into_bytes()
}

/// A submission form with every required document attached.
pub fn submission(proc: &Value, data: &serde_json::Map<String, Value>) -> Form {
    let mut form = Form::new()
        .text("procedure_code", proc["code"].as_str().expect("code").to_string())
        .text("data", serde_json::to_string(data).expect("json"));
    for d in proc["required_documents"].as_array().expect("documents") {
        let key = d["key"].as_str().expect("key").to_string();
        form = form.part(
            key.clone(),
            Part::bytes(pdf(&key)).file_name(format!("{key}.pdf")).mime_str("application/pdf").expect("mime"),
        );
    }
    form
}

/// Serves the application over `state` on `listener`, in the background.
fn run(listener: tokio::net::TcpListener, state: AppState) {
    let app = motcua_web::app(state);
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.expect("serve");
    });
}

/// A browser: cookies kept, redirects not followed (so each 303 can be checked).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

pub fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a form with a CSRF token") + 20;
    html[start..start + 64].to_string()
}

pub async fn page(app: &TestApp, b: &reqwest::Client, path: &str) -> (u16, String) {
    let res = b.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

pub async fn sign_in(app: &TestApp, b: &reqwest::Client, user: &str) -> String {
    let (_, html) = page(app, b, "/dang-nhap").await;
    let res = b
        .post(app.url("/dang-nhap"))
        .form(&[("_csrf", csrf_of(&html).as_str()), ("username", user), ("password", "demo"), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "sign-in of {user}");
    res.headers()["location"].to_str().unwrap().to_string()
}

/// A new application of the department's procedure by `congdan`, received at the service
/// centre's desk by `tiepnhan`: its code.
pub async fn received(app: &TestApp) -> String {
    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &answers(&proc))).await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let desk = app.login("tiepnhan").await;
    let (s, d) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), json!({"action": "receive"})).await;
    assert_eq!(s, 200, "{d}");
    code
}

/// Takes a new application of the department's procedure through to its result, issued by the
/// leader `lanhdao` with `file`; the dossier as the applicant sees it, with the signed result's
/// bytes as the applicant downloads them.
pub async fn issue_result(app: &TestApp, file: Vec<u8>) -> (Value, Vec<u8>) {
    let code = received(app).await;
    let citizen = app.login("congdan").await;
    let url = format!("/api/v1/dossiers/{code}/actions");
    let spec = app.login("chuyenvien").await;
    let (s, d) = app.post_json(&url, Some(&spec), json!({"action": "forward"})).await;
    assert_eq!(s, 200, "{d}");
    let leader = app.login("lanhdao").await;
    let form = Form::new()
        .text("action", "issue_result")
        .part("result", Part::bytes(file).file_name("quyet-dinh.pdf").mime_str("application/pdf").unwrap());
    let (s, d) = app.post_multipart(&url, Some(&leader), form).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "result_ready");
    let (s, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&citizen)).await;
    assert_eq!(s, 200);
    let (s, bytes) = app.get_bytes(d["signed_result"]["url"].as_str().unwrap(), Some(&citizen)).await;
    assert_eq!(s, 200);
    (d, bytes)
}

/// The public verification of an uploaded file, as anyone may ask it.
pub async fn verify_upload(app: &TestApp, bytes: Vec<u8>) -> Value {
    let form = Form::new().part("file", Part::bytes(bytes).file_name("ket-qua.pdf"));
    let (s, v) = app.post_multipart("/api/v1/results/verify", None, form).await;
    assert_eq!(s, 200, "{v}");
    v
}

/// The six-digit code in a message, if it holds one.
pub fn code_in(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_string)
}

/// The text of a PDF as Poppler's `pdftotext` reads it, lines joined by spaces.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("form.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}
