//! A stand-in for the National Public Service Portal, for tests and demos: it takes the status
//! messages motcua posts to `<url>/status`, checks each against the contract of shared/API.md
//! ("National portal link") and DESIGN.md section 3 (fields and their types, national status
//! codes, dates, the order of a dossier's statuses), keeps what it took, drops repeats by
//! `MessageId`, and on request refuses (503) or never answers, to prove that motcua retries.
//! It also hands dossiers to motcua as the portal does ([`send_dossier`]).
//!
//! `cargo run -p motcua-testkit --example national_portal -- --help` runs it on its own.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{json, Value};
use tokio::sync::Notify;

/// A message the simulator took, with when it first arrived.
#[derive(Clone, Debug)]
pub struct Taken {
    /// The message as posted.
    pub body: Value,
    /// When it first arrived.
    pub at: DateTime<Utc>,
}

#[derive(Default)]
struct Inner {
    /// Messages taken, in order of first arrival.
    taken: Mutex<Vec<Taken>>,
    /// Every post, taken, repeated or refused.
    posts: AtomicUsize,
    /// Repeats of a message already taken.
    repeats: AtomicUsize,
    /// Posts to refuse with 503, from now.
    refuse: AtomicUsize,
    /// Posts to leave unanswered, from now.
    stall: AtomicUsize,
    /// What broke the contract, by message.
    violations: Mutex<Vec<String>>,
    /// The bearer token motcua must send, when set.
    token: Option<String>,
    changed: Notify,
}

/// A running simulator. Dropping it stops it.
pub struct NationalPortalSim {
    addr: SocketAddr,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for NationalPortalSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl NationalPortalSim {
    /// Starts on `addr` (port 0 for a free one), asking for `token` as the bearer of each post
    /// when given.
    pub async fn start(addr: SocketAddr, token: Option<String>) -> std::io::Result<NationalPortalSim> {
        let inner = Arc::new(Inner { token, ..Inner::default() });
        let app =
            Router::new().route("/status", post(status)).route("/messages", get(messages)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(NationalPortalSim { addr, inner, task })
    }

    /// The address to give motcua's `--national-portal-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Refuses the next `n` posts with 503.
    pub fn refuse_next(&self, n: usize) {
        self.inner.refuse.store(n, Ordering::SeqCst);
    }

    /// Leaves the next `n` posts unanswered (the sender's timeout must end them).
    pub fn stall_next(&self, n: usize) {
        self.inner.stall.store(n, Ordering::SeqCst);
    }

    /// The messages taken, in order of first arrival.
    pub fn taken(&self) -> Vec<Taken> {
        self.inner.taken.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The national status codes taken for one dossier (by motcua's code), in order.
    pub fn statuses_of(&self, dossier_code: &str) -> Vec<u64> {
        self.taken()
            .iter()
            .filter(|t| t.body["MaHoSoTinh"] == dossier_code)
            .filter_map(|t| t.body["TrangThaiHoSo"].as_u64())
            .collect()
    }

    /// Every post so far: taken, repeated or refused.
    pub fn posts(&self) -> usize {
        self.inner.posts.load(Ordering::SeqCst)
    }

    /// Posts of a message already taken.
    pub fn repeats(&self) -> usize {
        self.inner.repeats.load(Ordering::SeqCst)
    }

    /// What broke the contract.
    pub fn violations(&self) -> Vec<String> {
        self.inner.violations.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until `done` holds for the messages taken, at most `timeout`; whether it did.
    pub async fn wait_until(&self, timeout: Duration, done: impl Fn(&[Taken]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            if done(&self.taken()) {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return done(&self.taken());
            }
        }
    }
}

/// A taken counter going down by one if above zero; whether it did.
fn take_one(counter: &AtomicUsize) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

async fn status(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    inner.posts.fetch_add(1, Ordering::SeqCst);
    if let Some(token) = &inner.token {
        let sent = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if sent != Some(token.as_str()) {
            return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad token"})));
        }
    }
    if take_one(&inner.stall) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if take_one(&inner.refuse) {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "refused on purpose"})));
    }
    let answer = {
        let mut taken = inner.taken.lock().unwrap_or_else(|e| e.into_inner());
        let id = body["MessageId"].as_str().unwrap_or_default();
        if !id.is_empty() && taken.iter().any(|t| t.body["MessageId"] == id) {
            inner.repeats.fetch_add(1, Ordering::SeqCst);
            (StatusCode::OK, Json(json!({"result": "repeat"})))
        } else {
            let problems = check_message(&body, &taken);
            if problems.is_empty() {
                taken.push(Taken { body, at: Utc::now() });
                (StatusCode::OK, Json(json!({"result": "ok"})))
            } else {
                let mut violations = inner.violations.lock().unwrap_or_else(|e| e.into_inner());
                violations.extend(problems.iter().map(|p| format!("{id}: {p}")));
                (StatusCode::BAD_REQUEST, Json(json!({"errors": problems})))
            }
        }
    };
    inner.changed.notify_waiters();
    answer
}

async fn messages(State(inner): State<Arc<Inner>>) -> Json<Value> {
    let taken = inner.taken.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let violations = inner.violations.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Json(json!({
        "taken": taken.iter().map(|t| json!({"at": t.at.to_rfc3339(), "message": t.body})).collect::<Vec<_>>(),
        "posts": inner.posts.load(Ordering::SeqCst),
        "repeats": inner.repeats.load(Ordering::SeqCst),
        "violations": violations,
    }))
}

fn date(body: &Value, key: &str, required: bool, problems: &mut Vec<String>) -> Option<DateTime<FixedOffset>> {
    match &body[key] {
        Value::Null if !required => None,
        Value::String(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t),
            Err(_) => {
                problems.push(format!("{key} is not RFC 3339 with an offset: {s}"));
                None
            }
        },
        other => {
            problems
                .push(format!("{key} must be a date-time string{}: {other}", if required { "" } else { " or null" }));
            None
        }
    }
}

/// Checks one message against the contract and against the messages taken before for the same
/// dossier; what is wrong, if anything.
pub fn check_message(body: &Value, before: &[Taken]) -> Vec<String> {
    let mut problems = Vec::new();
    for key in ["MessageId", "MaHoSo", "MaHoSoTinh", "NoiDungXuLy"] {
        if body[key].as_str().is_none_or(|s| s.trim().is_empty()) {
            problems.push(format!("{key} must be a non-empty string"));
        }
    }
    let status = body["TrangThaiHoSo"].as_u64().filter(|s| (1..=10).contains(s));
    if status.is_none() {
        problems.push(format!("TrangThaiHoSo must be a national status code 1–10: {}", body["TrangThaiHoSo"]));
    }
    let due = date(body, "NgayHenTra", false, &mut problems);
    let finished = date(body, "NgayKetThucXuLy", false, &mut problems);
    let updated = date(body, "NgayCapNhat", true, &mut problems);
    match body["DanhSachGiayToKetQua"].as_array() {
        None => problems.push("DanhSachGiayToKetQua must be a list".into()),
        Some(files) => {
            for f in files {
                if f["TenGiayTo"].as_str().is_none_or(str::is_empty)
                    || !f["DuongDanTaiTep"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://"))
                {
                    problems.push(format!("a result file needs TenGiayTo and an http(s) DuongDanTaiTep: {f}"));
                }
            }
        }
    }
    let Some(status) = status else { return problems };
    // Statuses that end processing (3 refused, 7 withdrawn, 8 stopped, 9 done, 10 returned)
    // carry the time processing ended; 10 follows 9; nothing follows an end but 10 after 9.
    if matches!(status, 3 | 7 | 8 | 9 | 10) && finished.is_none() {
        problems.push(format!("status {status} needs NgayKetThucXuLy"));
    }
    if matches!(status, 2 | 4) && due.is_none() {
        problems.push(format!("status {status} needs NgayHenTra"));
    }
    let code = &body["MaHoSoTinh"];
    let earlier: Vec<&Value> = before.iter().map(|t| &t.body).filter(|b| &b["MaHoSoTinh"] == code).collect();
    let statuses: Vec<u64> = earlier.iter().filter_map(|b| b["TrangThaiHoSo"].as_u64()).collect();
    match statuses.last() {
        None if status != 1 && body["MaHoSo"] != body["MaHoSoTinh"] => {
            problems.push(format!("the first message of a portal dossier must be status 1, not {status}"))
        }
        Some(3 | 7 | 8 | 10) => problems.push(format!("status {status} after the dossier ended ({statuses:?})")),
        Some(9) if !matches!(status, 9 | 10) => problems.push(format!("status {status} after the result (9)")),
        _ => {}
    }
    if status == 10 && !statuses.contains(&9) {
        problems.push("status 10 (returned) without 9 (done) before it".into());
    }
    if let (Some(updated), Some(last)) = (
        updated,
        earlier.last().and_then(|b| b["NgayCapNhat"].as_str()).and_then(|s| DateTime::parse_from_rfc3339(s).ok()),
    ) {
        if updated < last {
            problems.push(format!("NgayCapNhat {updated} is before the previous message's {last}: out of order"));
        }
    }
    problems
}

/// A document sent with a dossier: its key, file name and bytes.
pub struct PortalFile {
    /// The document key (MaThanhPhanHoSo): the file part's name.
    pub key: String,
    /// File name.
    pub file_name: String,
    /// Bytes.
    pub bytes: Vec<u8>,
}

/// Hands a dossier to motcua at `base` (its address) as the portal does, with a system token:
/// the answer's status and JSON body.
pub async fn send_dossier(
    base: &str,
    token: &str,
    dossier: &Value,
    files: Vec<PortalFile>,
) -> Result<(u16, Value), reqwest::Error> {
    let mut form = reqwest::multipart::Form::new().text("dossier", dossier.to_string());
    for f in files {
        let part = reqwest::multipart::Part::bytes(f.bytes).file_name(f.file_name);
        form = form.part(f.key, part);
    }
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/integration/dossiers", base.trim_end_matches('/')))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await?;
    let status = res.status().as_u16();
    Ok((status, res.json().await.unwrap_or(Value::Null)))
}

/// A portal dossier for `procedure` with the portal's code `code`, owned by a citizen with
/// identity number `id_number`, answers `answers` and one entry per document key in `documents`
/// (scanned on the portal: DuocSoHoa).
pub fn portal_dossier(code: &str, procedure: &str, id_number: &str, answers: Value, documents: &[&str]) -> Value {
    json!({
        "MaHoSo": code,
        "MaTTHC": procedure,
        "KenhThucHien": 2,
        "ChuHoSo": {"HoVaTen": "Lò Thị Mai", "SoDinhDanh": id_number, "SoDienThoai": "0912000111", "Email": "mai@example.vn"},
        "NgayNopHoSo": Utc::now().to_rfc3339(),
        "DuLieuToKhai": answers,
        "TaiLieuNop": documents.iter().map(|k| json!({
            "MaThanhPhanHoSo": k, "TenTepDinhKem": format!("{k}.pdf"), "DuocSoHoa": true, "DuocTaiSuDung": false,
            "DuocLayTuKhoDMQG": false
        })).collect::<Vec<_>>(),
        "DanhSachLePhi": [],
    })
}
