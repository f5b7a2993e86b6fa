//! The national portal link (shared/API.md "National portal link"): dossiers handed over by the
//! portal with a system token, processed by officers, every change of status posted back to a
//! simulator of the portal that checks the contract; retries after refusals and after a crash
//! of the sender. On SQLite and on PostgreSQL.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{browser, csrf_of, page, pdf, sign_in, TestApp};
use motcua_app::jobs::outbound::{self, Receivers, SenderConfig};
use motcua_app::national::add_token;
use motcua_app::Config;
use motcua_store::national_outbox::{NationalSync, OutboxState};
use motcua_store::system_tokens::Scope;
use motcua_testkit::national_portal::{portal_dossier, send_dossier, NationalPortalSim, PortalFile};
use motcua_testkit::{answers, on_both_engines, TestEngine};
use motcua_web::national_portal::NationalPortal;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

on_both_engines!(
    a_portal_dossier_is_processed_and_the_portal_hears_every_status_once_in_order,
    bad_portal_dossiers_are_refused_naming_the_field_and_store_nothing,
    messages_claimed_by_a_crashed_sender_are_sent_again_in_order,
    only_system_tokens_open_the_integration_routes,
    administrators_see_why_a_message_failed_and_send_it_again,
    webhooks_are_signed_retried_and_delivered_in_full,
);

const PORTAL_TOKEN: &str = "portal-secret-of-the-province";

async fn app_and_portal(engine: TestEngine) -> (TestApp, NationalPortalSim, String) {
    let app =
        TestApp::spawn_synced(engine, Config { demo: true, ..Config::default() }, NationalSync::PortalDossiers).await;
    let sim = NationalPortalSim::start("127.0.0.1:0".parse().unwrap(), Some(PORTAL_TOKEN.into())).await.unwrap();
    let (token, _) = add_token(&app.state.db, "Cổng Dịch vụ công quốc gia", Scope::Integration).await.unwrap();
    (app, sim, token)
}

fn sender(app: &TestApp, sim: &NationalPortalSim, lease: Duration) -> outbound::Sender {
    let portal = NationalPortal::new(&sim.url(), Some(PORTAL_TOKEN.into()), lease.mul_f64(0.5)).unwrap();
    let config = SenderConfig { public_url: app.base.clone(), lease, parallel: 4, ..SenderConfig::default() };
    outbound::start(app.state.db.clone(), Receivers { national: Some(Arc::new(portal)), webhooks: None }, config)
}

/// The department's procedure as the portal sends it: the answers and one scanned file per
/// required document.
async fn portal_submission(app: &TestApp, code: &str, id_number: &str) -> (Value, Vec<PortalFile>) {
    let proc = app.department_procedure().await;
    let keys: Vec<String> = proc["required_documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["required"] == true)
        .map(|d| d["key"].as_str().unwrap().to_string())
        .collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let dossier =
        portal_dossier(code, proc["code"].as_str().unwrap(), id_number, Value::Object(answers(&proc)), &key_refs);
    let files =
        keys.iter().map(|k| PortalFile { key: k.clone(), file_name: format!("{k}.pdf"), bytes: pdf(k) }).collect();
    (dossier, files)
}

/// Waits until the outbox records `n` messages as sent: the sender records the portal's answer
/// just after the portal took the message.
async fn sent(app: &TestApp, n: i64) {
    for _ in 0..200 {
        let (_, total) =
            motcua_store::national_outbox::list(&app.state.db, Some(OutboxState::Sent), 1, 1).await.unwrap();
        if total >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{n} messages not recorded as sent");
}

async fn act(app: &TestApp, user: &str, code: &str, action: &str) -> DateTime<Utc> {
    let token = app.login(user).await;
    let url = format!("/api/v1/dossiers/{code}/actions");
    let (s, d) = if action == "issue_result" {
        let form = Form::new()
            .text("action", "issue_result")
            .part("result", Part::bytes(pdf("ket-qua")).file_name("ket-qua.pdf").mime_str("application/pdf").unwrap());
        app.post_multipart(&url, Some(&token), form).await
    } else {
        app.post_json(&url, Some(&token), json!({"action": action})).await
    };
    assert_eq!(s, 200, "{user} {action}: {d}");
    Utc::now()
}

/// The golden path of the link: the portal's dossier arrives (twice: one dossier), officers
/// receive and process it, and the portal took statuses 1, 2, 4, 9, 10 once each, in order,
/// each within a second of its change once the portal answers, after refusing the first three
/// posts. The result's address opens for the portal.
async fn a_portal_dossier_is_processed_and_the_portal_hears_every_status_once_in_order(engine: TestEngine) {
    let (app, sim, token) = app_and_portal(engine).await;
    sim.refuse_next(3);
    let sender = sender(&app, &sim, Duration::from_secs(10));
    let (dossier, files) = portal_submission(&app, "G22.99-261203-000101", "001099000123").await;
    let (s, d) = send_dossier(&app.base, &token, &dossier, files).await.unwrap();
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["status"], "submitted");
    assert_eq!(d["channel"], "national_portal");
    assert_eq!(d["external_code"], "G22.99-261203-000101");
    let attachments = d["attachments"].as_array().unwrap();
    assert!(
        !attachments.is_empty() && attachments.iter().all(|a| a["digitized"] == true && a["reused"] == false),
        "{d}"
    );
    let code = d["code"].as_str().unwrap().to_string();
    // The same code again: the same dossier, nothing new.
    let (again, files) = portal_submission(&app, "G22.99-261203-000101", "001099000123").await;
    let (s, d2) = send_dossier(&app.base, &token, &again, files).await.unwrap();
    assert_eq!(s, 200, "{d2}");
    assert_eq!(d2["code"], code.as_str());
    // Officers see it in their queue with its origin, and take it through.
    let desk = app.login("tiepnhan").await;
    let (_, seen) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&desk)).await;
    assert_eq!(seen["external_code"], "G22.99-261203-000101");
    // The first message waits out the refusals (about 1 + 2 + 4 s).
    assert!(sim.wait_until(Duration::from_secs(30), |t| t.len() == 1).await, "{:?}", sim.violations());
    let mut changes = vec![act(&app, "tiepnhan", &code, "receive").await];
    assert!(sim.wait_until(Duration::from_secs(5), |t| t.len() == 2).await);
    changes.push(act(&app, "chuyenvien", &code, "forward").await);
    assert!(sim.wait_until(Duration::from_secs(5), |t| t.len() == 3).await);
    changes.push(act(&app, "lanhdao", &code, "issue_result").await);
    assert!(sim.wait_until(Duration::from_secs(5), |t| t.len() == 4).await);
    changes.push(act(&app, "tiepnhan", &code, "return_result").await);
    assert!(sim.wait_until(Duration::from_secs(5), |t| t.len() == 5).await, "{:?}", sim.taken());
    assert_eq!(sim.violations(), Vec::<String>::new());
    assert_eq!(sim.statuses_of(&code), [1, 2, 4, 9, 10]);
    assert_eq!(sim.repeats(), 0, "no message was sent twice");
    assert_eq!(sim.posts(), 8, "three refusals, then five messages");
    let taken = sim.taken();
    for (t, changed) in taken[1..].iter().zip(&changes) {
        let delay = t.at - *changed;
        assert!(delay < chrono::Duration::seconds(1), "{} took {delay}", t.body["MessageId"]);
        assert_eq!(t.body["MaHoSo"], "G22.99-261203-000101");
        assert_eq!(t.body["MaHoSoTinh"], code.as_str());
    }
    let ids: std::collections::HashSet<_> = taken.iter().map(|t| t.body["MessageId"].clone()).collect();
    assert_eq!(ids.len(), 5);
    // The result named in status 9 opens with the system token, and only with it.
    let files = taken[3].body["DanhSachGiayToKetQua"].as_array().unwrap().clone();
    assert!(!files.is_empty(), "{}", taken[3].body);
    let url = files[0]["DuongDanTaiTep"].as_str().unwrap().to_string();
    let path = url.strip_prefix(&app.base).unwrap();
    let (s, bytes) = app.get_bytes(path, Some(&token)).await;
    assert_eq!(s, 200);
    assert!(bytes.starts_with(b"%PDF"));
    assert_eq!(app.get_bytes(path, None).await.0, 401);
    // What was sent, as the portal and the administrator see it; no one else.
    sent(&app, 5).await;
    let (s, out) = app.get("/api/v1/integration/outbox?status=sent", Some(&token)).await;
    assert_eq!(s, 200, "{out}");
    assert_eq!(out["total"], 5);
    assert_eq!(out["items"][4]["message"]["TrangThaiHoSo"], 1);
    assert_eq!(out["items"][4]["attempts"], 4, "{}", out["items"][4]);
    let admin = app.login("quantri").await;
    assert_eq!(app.get("/api/v1/integration/outbox?status=failed", Some(&admin)).await.1["total"], 0);
    let citizen = app.login("congdan").await;
    assert_eq!(app.get("/api/v1/integration/outbox", Some(&citizen)).await.0, 404);
    sender.stop().await;
}

/// Every kind of bad input answers 422 naming the portal's field (or 413 for a file too large),
/// and no dossier is stored.
async fn bad_portal_dossiers_are_refused_naming_the_field_and_store_nothing(engine: TestEngine) {
    let (app, _sim, token) = app_and_portal(engine).await;
    let (good, _) = portal_submission(&app, "G22.99-BAD-1", "001099000123").await;
    let files = || {
        good["TaiLieuNop"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let k = d["MaThanhPhanHoSo"].as_str().unwrap();
                PortalFile { key: k.into(), file_name: format!("{k}.pdf"), bytes: pdf(k) }
            })
            .collect::<Vec<_>>()
    };
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut d = good.clone();
        edit(&mut d);
        d
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(&|d| d["MaTTHC"] = json!("9.999999")), "MaTTHC"),
        (
            with(&|d| d["ChuHoSo"].as_object_mut().unwrap().remove("SoDinhDanh").map(|_| ()).unwrap()),
            "ChuHoSo.SoDinhDanh",
        ),
        (with(&|d| d["ChuHoSo"]["SoDinhDanh"] = json!("12345")), "ChuHoSo.SoDinhDanh"),
        (with(&|d| d["TaiLieuNop"][0]["DuocSoHoa"] = json!("có")), "TaiLieuNop[0].DuocSoHoa"),
        (with(&|d| d["NgayNopHoSo"] = json!("03/12/2026")), "NgayNopHoSo"),
        (with(&|d| d["MaHoSo"] = json!("G22 <script>")), "MaHoSo"),
        (with(&|d| d["KenhThucHien"] = json!(9)), "KenhThucHien"),
        (with(&|d| d["DanhSachLePhi"] = json!([{"SoTien": -5, "DaThanhToan": true}])), "DanhSachLePhi[0].SoTien"),
    ];
    for (dossier, field) in cases {
        let (s, e) = send_dossier(&app.base, &token, &dossier, files()).await.unwrap();
        assert_eq!(s, 422, "{field}: {e}");
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    // A listed document without its file, and a file not listed.
    let (s, e) = send_dossier(&app.base, &token, &good, vec![]).await.unwrap();
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["TaiLieuNop[0]"].is_string(), "{e}");
    let mut extra = files();
    extra.push(PortalFile { key: "la_gi".into(), file_name: "x.pdf".into(), bytes: pdf("x") });
    let (s, e) = send_dossier(&app.base, &token, &good, extra).await.unwrap();
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["la_gi"].is_string(), "{e}");
    // Not JSON at all.
    let (s, e) = send_dossier(&app.base, &token, &json!("không phải đối tượng"), files()).await.unwrap();
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["dossier"].is_string(), "{e}");
    // A document over the size limit.
    let mut big = files();
    big[0].bytes = vec![b'%'; app.state.config.max_file_bytes + 1];
    let (s, e) = send_dossier(&app.base, &token, &good, big).await.unwrap();
    assert_eq!(s, 413, "{e}");
    // Nothing of it was stored.
    let (count,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM dossiers WHERE channel = 'national_portal'")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
    assert_eq!(count, 0);
    // The good one goes in.
    let (s, e) = send_dossier(&app.base, &token, &good, files()).await.unwrap();
    assert_eq!(s, 201, "{e}");
}

/// A sender dies holding a message (the portal never answered it); a sender started afterwards
/// sends it again once its lease ends, then the rest, in order; the portal drops nothing and
/// takes every message once.
async fn messages_claimed_by_a_crashed_sender_are_sent_again_in_order(engine: TestEngine) {
    let (app, sim, token) = app_and_portal(engine).await;
    sim.stall_next(1);
    let first = sender(&app, &sim, Duration::from_secs(2));
    let (dossier, files) = portal_submission(&app, "G22.99-CRASH-1", "001099000124").await;
    let (s, d) = send_dossier(&app.base, &token, &dossier, files).await.unwrap();
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    act(&app, "tiepnhan", &code, "receive").await;
    // The first message is in the portal's hands, unanswered, when the sender dies.
    for _ in 0..100 {
        if sim.posts() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sim.posts(), 1);
    first.kill();
    act(&app, "chuyenvien", &code, "forward").await;
    let second = sender(&app, &sim, Duration::from_secs(2));
    assert!(sim.wait_until(Duration::from_secs(20), |t| t.len() == 3).await, "{:?}", sim.taken());
    assert_eq!(sim.statuses_of(&code), [1, 2, 4]);
    assert_eq!(sim.violations(), Vec::<String>::new());
    second.stop().await;
}

/// Integration routes take only system tokens; a revoked token opens nothing; every call made
/// with a token is recorded.
async fn only_system_tokens_open_the_integration_routes(engine: TestEngine) {
    let (app, _sim, token) = app_and_portal(engine).await;
    let (good, files) = portal_submission(&app, "G22.99-TOKEN-1", "001099000125").await;
    let citizen = app.login("congdan").await;
    assert_eq!(send_dossier(&app.base, &citizen, &good, vec![]).await.unwrap().0, 401);
    assert_eq!(send_dossier(&app.base, "mcs_0000", &good, vec![]).await.unwrap().0, 401);
    assert_eq!(send_dossier(&app.base, &token, &good, files).await.unwrap().0, 201);
    // A system token opens no route of people.
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.0, 401);
    let tokens = motcua_store::system_tokens::list(&app.state.db).await.unwrap();
    let calls = motcua_store::system_tokens::calls(&app.state.db, tokens[0].id, 10).await.unwrap();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(
        (calls[1].method.as_str(), calls[1].path.as_str(), calls[1].status),
        ("POST", "/api/v1/integration/dossiers", 201)
    );
    assert_eq!(calls[0].status, 401);
    motcua_store::system_tokens::revoke(&app.state.db, tokens[0].id, Utc::now()).await.unwrap();
    assert_eq!(app.get("/api/v1/integration/outbox", Some(&token)).await.0, 404);
    let (again, files) = portal_submission(&app, "G22.99-TOKEN-2", "001099000125").await;
    assert_eq!(send_dossier(&app.base, &token, &again, files).await.unwrap().0, 401);
}

/// The portal refuses: the administrators' page lists the message as failed with the portal's
/// answer; once the portal is back, "send again" sends it at once rather than after its
/// backoff. Other people do not find the page.
async fn administrators_see_why_a_message_failed_and_send_it_again(engine: TestEngine) {
    let (app, sim, token) = app_and_portal(engine).await;
    sim.refuse_next(4);
    let sender = sender(&app, &sim, Duration::from_secs(10));
    let (dossier, files) = portal_submission(&app, "G22.99-AGAIN-1", "001099000126").await;
    let (s, d) = send_dossier(&app.base, &token, &dossier, files).await.unwrap();
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    // Four refusals take 1 + 2 + 4 s of backoff; the fifth send would wait 8 s more.
    for _ in 0..400 {
        if sim.posts() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(sim.posts(), 4);
    let b = browser();
    sign_in(&app, &b, "quantri").await;
    let (s, html) = page(&app, &b, "/quan-tri/lien-thong?status=failed").await;
    assert_eq!(s, 200);
    assert!(html.contains(&code) && html.contains("503"), "{html}");
    assert!(html.contains("Gửi lỗi, sẽ gửi lại"), "{html}");
    let id = {
        let marker = "name=\"id\" value=\"";
        let at = html.find(marker).expect("a send-again form") + marker.len();
        html[at..at + html[at..].find('"').unwrap()].to_string()
    };
    let res = b
        .post(app.url("/quan-tri/lien-thong"))
        .form(&[("_csrf", csrf_of(&html).as_str()), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert!(sim.wait_until(Duration::from_secs(3), |t| t.len() == 1).await, "sent at once, not after 8 s");
    assert_eq!(sim.statuses_of(&code), [1]);
    sent(&app, 1).await;
    let (_, html) = page(&app, &b, "/quan-tri/lien-thong?status=sent").await;
    assert!(html.contains(&code) && html.contains("Cổng đã nhận"), "{html}");
    // A message already sent cannot be sent again; other people do not find the page.
    let res = b
        .post(app.url("/quan-tri/lien-thong"))
        .form(&[("_csrf", csrf_of(&html).as_str()), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let officer = browser();
    sign_in(&app, &officer, "tiepnhan").await;
    assert_eq!(page(&app, &officer, "/quan-tri/lien-thong").await.0, 404);
    sender.stop().await;
}

/// HMAC-SHA256 written out from its definition (RFC 2104), so that the receiver checks the
/// signature without the code that made it.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(Sha256::digest(&inner)).collect();
    Sha256::digest(&outer).to_vec()
}

/// A subscriber (the provincial data-exchange platform) gets a signed delivery for each change
/// of a dossier, after refusing the first one; a delivery whose signature it recomputes with
/// the secret it was given, and whose timestamp is fresh.
async fn webhooks_are_signed_retried_and_delivered_in_full(engine: TestEngine) {
    use axum::http::HeaderMap;
    type Seen = Arc<std::sync::Mutex<Vec<(HeaderMap, String)>>>;
    let app = TestApp::spawn(engine).await;
    let seen: Seen = Default::default();
    let refused = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let receiver = {
        let (seen, refused) = (seen.clone(), refused.clone());
        axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (seen, refused) = (seen.clone(), refused.clone());
                async move {
                    if !refused.swap(true, std::sync::atomic::Ordering::SeqCst) {
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    seen.lock().unwrap().push((headers, body));
                    axum::http::StatusCode::NO_CONTENT
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let (secret, _) =
        motcua_app::national::add_webhook(&app.state.db, "LGSP Lào Cai", &hook, &["dossier.status_changed"])
            .await
            .unwrap();
    assert!(motcua_app::national::add_webhook(&app.state.db, "x", "ftp://x", &["dossier.status_changed"])
        .await
        .is_err());
    let client = motcua_web::webhook_client::WebhookClient::new(Duration::from_secs(5)).unwrap();
    let config = SenderConfig { lease: Duration::from_secs(10), ..SenderConfig::default() };
    let sender =
        outbound::start(app.state.db.clone(), Receivers { national: None, webhooks: Some(Arc::new(client)) }, config);
    let code = common::received(&app).await;
    for _ in 0..200 {
        if seen.lock().unwrap().len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let mut statuses = Vec::new();
    for (headers, body) in &seen {
        let signature = headers["x-motcua-signature"].to_str().unwrap();
        let (t, v1) = signature.strip_prefix("t=").unwrap().split_once(",v1=").unwrap();
        let expected = hex::encode(hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes()));
        assert_eq!(v1, expected, "the signature checks with the secret");
        assert!((Utc::now().timestamp() - t.parse::<i64>().unwrap()).abs() < 30, "a fresh timestamp");
        assert_eq!(headers["x-motcua-event"], "dossier.status_changed");
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["data"]["code"], code.as_str());
        assert_eq!(headers["x-motcua-delivery"].to_str().unwrap(), event["id"].as_str().unwrap());
        statuses.push(event["data"]["status"].as_str().unwrap().to_string());
    }
    assert!(statuses.contains(&"submitted".to_string()) && statuses.contains(&"received".to_string()), "{statuses:?}");
    // The administrators see the deliveries, the refused one with its two attempts.
    let admin = app.login("quantri").await;
    let (s, list) = app.get("/api/v1/webhooks/deliveries", Some(&admin)).await;
    assert_eq!(s, 200, "{list}");
    let attempts: Vec<i64> = list.as_array().unwrap().iter().map(|d| d["attempts"].as_i64().unwrap()).collect();
    assert_eq!(attempts.iter().sum::<i64>(), 3, "{list}");
    assert!(list.as_array().unwrap().iter().all(|d| d["sent_at"].is_string()), "{list}");
    let citizen = app.login("congdan").await;
    assert_eq!(app.get("/api/v1/webhooks/deliveries", Some(&citizen)).await.0, 404);
    sender.stop().await;
}
