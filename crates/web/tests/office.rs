//! The electronic office through the API and the pages: a clerk registers an incoming document,
//! the leader assigns it, the specialist takes it up and completes it; a specialist drafts an
//! answer, the leader approves it, the clerk numbers, issues and sends it, and it arrives in the
//! other agency's incoming register. Only the agency's officers see its documents.

mod common;
#[path = "../../signing/tests/common/validators.rs"]
mod validators;

use common::{browser, csrf_of, page, pdf, sign_in, TestApp};
use motcua_app::jobs::alerts;
use motcua_testkit::{on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

on_both_engines!(
    a_document_comes_in_is_handled_and_answered,
    the_clerk_leader_and_specialist_use_the_pages,
    an_issued_document_is_laid_out_and_signed_by_its_agency,
    documents_are_found_by_what_their_pdfs_say,
    a_draft_goes_through_the_agencys_approval_chain,
    the_chain_is_edited_and_a_draft_revised_on_the_pages,
);

/// The department of `vanthu`, `lanhdao` and `chuyenvien`.
const DEPARTMENT: &str = "Sở Tư pháp tỉnh Lào Cai";

/// A test CA, the department's certificate and its leader's personal one (`lanhdao`), made once
/// per test binary.
fn pki() -> &'static std::path::Path {
    use motcua_app::pki::{certify_officers, init_test_ca, AgencyToCertify, OfficerToCertify};
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let province = motcua_store::demo::province().unwrap();
        let agencies: Vec<_> =
            AgencyToCertify::from_catalog(&province.agencies).into_iter().filter(|a| a.name == DEPARTMENT).collect();
        assert_eq!(agencies.len(), 1);
        init_test_ca(dir.path(), &agencies).unwrap();
        let leader = OfficerToCertify { username: "lanhdao".into(), name: LEADER.into(), agency: DEPARTMENT.into() };
        certify_officers(dir.path(), &[leader]).unwrap();
        dir
    })
    .path()
}

/// The department's leader, `lanhdao`.
const LEADER: &str = "Lê Minh Lãnh";

/// The answer issued by a department whose key signs: numbered, laid out as Annex I, its PDF
/// signed first by the leader who approved it with their personal certificate, then in the
/// department's name, both valid for Poppler's `pdfsig` and for pyHanko; what the recipient
/// receives is that PDF, byte for byte.
async fn an_issued_document_is_laid_out_and_signed_by_its_agency(engine: TestEngine) {
    let config = motcua_web::Config {
        demo: true,
        signers: std::sync::Arc::new(motcua_app::pki::Signers::load(pki()).unwrap()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(engine, config).await;
    let (clerk, leader, specialist) =
        (app.login("vanthu").await, app.login("lanhdao").await, app.login("chuyenvien").await);
    let police = app.get("/api/v1/me", Some(&app.login("ld20h38").await)).await.1["agency"]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let draft = Form::new()
        .text("register", "outgoing")
        .text("type", "decision")
        .text("subject", "Về việc công bố thủ tục hành chính được chuẩn hóa")
        .text("body", "Điều 1. Công bố kèm theo Quyết định này 12 thủ tục hành chính.\nĐiều 2. Quyết định có hiệu lực kể từ ngày ký.")
        .text("recipients", police)
        .text("signer_name", "Lê Minh Lãnh")
        .text("signer_title", "Giám đốc");
    let (s, d) = app.post_multipart("/api/v1/documents", Some(&specialist), draft).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    for (who, action) in [(&specialist, "submit_for_approval"), (&leader, "approve"), (&clerk, "issue")] {
        let (s, d) = act(&app, who, id, json!({"action": action})).await;
        assert_eq!(s, 200, "{action}: {d}");
    }
    let (_, d) = app.get(&format!("/api/v1/documents/{id}"), Some(&clerk)).await;
    assert_eq!(d["symbol"], "01/QĐ-STP");
    let issued =
        d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == "issued").expect("the issued PDF").clone();
    assert_eq!(issued["file_name"], "01-QĐ-STP.pdf");
    let (s, pdf) = app.get_bytes(issued["url"].as_str().unwrap(), Some(&clerk)).await;
    assert_eq!(s, 200);
    assert!(pdf.starts_with(b"%PDF"));
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &pdf).unwrap();
    if let Some(tool) = validators::pdfsig_tool() {
        let report = validators::pdfsig(&tool, file.path());
        assert!(report.success, "{}", report.text);
        assert_eq!(report.text.matches("Signature Validation: Signature is Valid.").count(), 2, "{}", report.text);
        let (person, agency) = (
            report.text.find(&format!("Signer Certificate Common Name: {LEADER}")).expect("the leader signed"),
            report.text.find(&format!("Signer Certificate Common Name: {DEPARTMENT}")).expect("the department signed"),
        );
        assert!(person < agency, "the leader first, then the agency: {}", report.text);
    }
    if let Some(tool) = validators::pyhanko_tool() {
        let report = validators::pyhanko(&tool, file.path(), &pki().join(motcua_app::pki::CA_CERTIFICATE_FILE));
        assert!(report.success, "{}", report.text);
        assert_eq!(report.text.matches("The signature is judged VALID.").count(), 2, "{}", report.text);
    }
    assert_eq!(act(&app, &clerk, id, json!({"action": "dispatch"})).await.0, 200);
    let police_leader = app.login("ld20h38").await;
    let (_, theirs) = app.get("/api/v1/documents?register=incoming", Some(&police_leader)).await;
    let (_, arrived) = app.get(&format!("/api/v1/documents/{}", theirs["items"][0]["id"]), Some(&police_leader)).await;
    assert_eq!(arrived["attachments"].as_array().unwrap().len(), 1, "{arrived}");
    let (_, received) = app.get_bytes(arrived["attachments"][0]["url"].as_str().unwrap(), Some(&police_leader)).await;
    assert_eq!(received, pdf, "the recipient holds the signed PDF itself");
    // The steering committee's IT-application figures count both ends: issued with the
    // department's digital signature, received electronically by the police.
    let today = chrono::Utc::now().with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    let steering = app.login("dieuhanh").await;
    let department = app.get("/api/v1/me", Some(&clerk)).await.1["agency"]["code"].as_str().unwrap().to_string();
    let police = app.get("/api/v1/me", Some(&police_leader)).await.1["agency"]["code"].as_str().unwrap().to_string();
    let figures = |agency: String| format!("/api/v1/reports/it-application?from={today}&to={today}&agency={agency}");
    let ours = app.get(&figures(department), Some(&steering)).await.1["office"].clone();
    assert_eq!(
        (ours["outgoing"]["issued"].as_u64(), ours["outgoing"]["signed"].as_u64()),
        (Some(1), Some(1)),
        "{ours}"
    );
    let theirs = app.get(&figures(police), Some(&steering)).await.1["office"].clone();
    assert_eq!((theirs["incoming"]["total"].as_u64(), theirs["incoming"]["electronic"].as_u64()), (Some(1), Some(1)));
}

fn incoming(symbol: &str) -> Form {
    Form::new()
        .text("register", "incoming")
        .text("type", "official_letter")
        .text("symbol", symbol.to_string())
        .text("subject", "Về việc đôn đốc triển khai dịch vụ công trực tuyến toàn trình")
        .text("issuer", "Ủy ban nhân dân tỉnh")
        .text("issued_on", "2026-12-01")
        .text("urgency", "urgent")
        .part("scan", Part::bytes(pdf("cong-van")).file_name("cong-van.pdf").mime_str("application/pdf").unwrap())
}

async fn act(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    app.post_json(&format!("/api/v1/documents/{id}/actions"), Some(token), body).await
}

async fn a_document_comes_in_is_handled_and_answered(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (clerk, leader, specialist) =
        (app.login("vanthu").await, app.login("lanhdao").await, app.login("chuyenvien").await);

    // Every problem at once; only clerks register incoming documents.
    let (s, e) = app.post_multipart("/api/v1/documents", Some(&clerk), Form::new().text("register", "incoming")).await;
    assert_eq!(s, 422, "{e}");
    for field in ["doc_type", "subject", "symbol", "issuer", "issued_on"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    let (s, _) = app.post_multipart("/api/v1/documents", Some(&specialist), incoming("15/UBND-VP")).await;
    assert_eq!(s, 403);
    let (s, _) =
        app.post_multipart("/api/v1/documents", Some(&app.login("congdan").await), incoming("15/UBND-VP")).await;
    assert_eq!(s, 404, "a citizen has no registers");

    // The clerk registers it: arrival number 1 of the year, the scan kept and marked.
    let (s, d) = app.post_multipart("/api/v1/documents", Some(&clerk), incoming("15/UBND-VP")).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    assert_eq!(
        (d["number"].as_i64(), d["status"].as_str(), d["register"].as_str()),
        (Some(1), Some("registered"), Some("incoming"))
    );
    assert_eq!(d["attachments"][0]["key"], "original");
    let url = d["attachments"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(app.get_bytes(&url, Some(&leader)).await, (200, pdf("cong-van")));
    let (_, second) = app.post_multipart("/api/v1/documents", Some(&clerk), incoming("16/UBND-VP")).await;
    assert_eq!(second["number"], 2);

    // The specialist does not see it before it is his; another agency's officers never.
    assert_eq!(app.get(&format!("/api/v1/documents/{id}"), Some(&specialist)).await.0, 404);
    assert_eq!(app.get(&format!("/api/v1/documents/{id}"), Some(&app.login("ld20h38").await)).await.0, 404);
    assert_eq!(app.get_bytes(&url, Some(&specialist)).await.0, 404);
    let (_, list) = app.get("/api/v1/documents?register=incoming", Some(&specialist)).await;
    assert_eq!(list["total"], 0);
    let (_, list) = app.get("/api/v1/documents?register=incoming&q=dich vu cong", Some(&leader)).await;
    assert_eq!(list["total"], 2, "{list}");

    // The leader assigns it with a deadline in working days; the specialist takes it up and completes it.
    let (_, seen) = app.get(&format!("/api/v1/documents/{id}"), Some(&leader)).await;
    assert_eq!(seen["actions"], json!(["assign", "comment"]));
    let (_, me) = app.get("/api/v1/me", Some(&specialist)).await;
    let (s, e) = act(&app, &leader, id, json!({"action": "assign"})).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["assignee"].is_string() && e["error"]["fields"]["due_on"].is_string(), "{e}");
    let (s, e) =
        act(&app, &leader, id, json!({"action": "assign", "assignee": me["id"], "due_on": "2020-01-01"})).await;
    assert_eq!(s, 422, "{e}");
    let (_, police) = app.get("/api/v1/me", Some(&app.login("ld20h38").await)).await;
    // A second specialist is named to co-handle it: before that she sees nothing of it.
    let helper = app.login("chuyenvien2").await;
    let (_, helper_me) = app.get("/api/v1/me", Some(&helper)).await;
    assert_eq!(app.get(&format!("/api/v1/documents/{id}"), Some(&helper)).await.0, 404);
    let (s, e) = act(
        &app,
        &leader,
        id,
        json!({"action": "assign", "assignee": me["id"], "due_days": 5, "co_handlers": [police["id"]]}),
    )
    .await;
    assert_eq!(s, 422, "only the agency's officers are named: {e}");
    assert!(e["error"]["fields"]["co_handlers"].is_string(), "{e}");
    let (s, d) = act(
        &app,
        &leader,
        id,
        json!({"action": "assign", "assignee": me["id"], "due_days": 5, "note": "Đề xuất trả lời",
               "co_handlers": [helper_me["id"]]}),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "assigned");
    assert_eq!(d["assignments"][0]["assignee"], "Trần Văn Chuyên");
    assert_eq!(d["assignments"][0]["role"], "lead");
    assert_eq!(
        (d["assignments"][1]["assignee"].as_str(), d["assignments"][1]["role"].as_str()),
        (Some("Vũ Thị Phối"), Some("co_handling"))
    );
    assert!(d["due_on"].is_string());
    let (s, seen) = app.get(&format!("/api/v1/documents/{id}"), Some(&helper)).await;
    assert_eq!((s, seen["actions"].clone()), (200, json!(["comment"])), "the co-handler gives opinions only");
    let (_, list) = app.get("/api/v1/documents?register=incoming", Some(&helper)).await;
    assert_eq!(list["total"], 1, "{list}");
    let (s, _) =
        act(&app, &helper, id, json!({"action": "comment", "note": "Phòng phối hợp đã rà soát số liệu"})).await;
    assert_eq!(s, 200);

    // Once its deadline has passed, the morning digest reminds the person handling it, the
    // co-handler and the leader (with the second document still waiting to be assigned).
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE office_documents SET due_at = $1 WHERE id = $2")
        .bind((chrono::Utc::now() - chrono::TimeDelta::hours(2)).timestamp_millis())
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let today = chrono::Utc::now().with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    let digest = |user: Value| {
        let state = app.state.clone();
        async move { alerts::digest_email(&state, user["id"].as_i64().unwrap(), today).await.unwrap() }
    };
    for who in [me.clone(), helper_me.clone()] {
        let email = digest(who).await.expect("a digest");
        assert!(email.text.contains("Số đến 1 — Về việc đôn đốc") && email.text.contains("1 quá hạn"), "{email:?}");
    }
    let (_, leader_me) = app.get("/api/v1/me", Some(&leader)).await;
    let email = digest(leader_me).await.expect("the leader's digest");
    assert!(email.text.contains("Số đến 1") && email.text.contains("chờ lãnh đạo phân công xử lý: 1"), "{email:?}");
    assert!(digest(police.clone()).await.is_none(), "another agency's leader hears nothing of it");
    let (s, _) = act(&app, &leader, id, json!({"action": "complete"})).await;
    assert_eq!(s, 409, "only the person assigned completes it");
    let (s, d) = act(&app, &specialist, id, json!({"action": "acknowledge"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("in_progress")));
    let (s, e) = act(&app, &specialist, id, json!({"action": "comment"})).await;
    assert_eq!(s, 422, "a comment says something: {e}");
    let (s, d) = act(&app, &specialist, id, json!({"action": "complete", "note": "Đã tham mưu văn bản trả lời"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("completed")));
    let actions: Vec<&str> = d["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["register", "assign", "comment", "acknowledge", "complete"]);

    // The answer: drafted by the specialist to the police, approved, numbered, issued, sent.
    let police_code = police["agency"]["code"].as_str().unwrap().to_string();
    let draft = Form::new()
        .text("register", "outgoing")
        .text("type", "official_letter")
        .text("subject", "Về việc phối hợp cung cấp thông tin lý lịch tư pháp")
        .text("body", "Sở Tư pháp đề nghị Công an tỉnh phối hợp…")
        .text("recipients", format!("{police_code}, 999.99.99.X99"))
        .part("draft", Part::bytes(pdf("du-thao")).file_name("du-thao.pdf").mime_str("application/pdf").unwrap());
    let (s, e) = app.post_multipart("/api/v1/documents", Some(&specialist), draft).await;
    assert_eq!(s, 422, "an unknown recipient is named: {e}");
    assert!(e["error"]["fields"]["recipients"].is_string());
    let draft = Form::new()
        .text("register", "outgoing")
        .text("type", "official_letter")
        .text("subject", "Về việc phối hợp cung cấp thông tin lý lịch tư pháp")
        .text("recipients", police_code.clone())
        .part("draft", Part::bytes(pdf("du-thao")).file_name("du-thao.pdf").mime_str("application/pdf").unwrap());
    let (s, d) = app.post_multipart("/api/v1/documents", Some(&specialist), draft).await;
    assert_eq!(s, 201, "{d}");
    let out = d["id"].as_i64().unwrap();
    assert_eq!((d["status"].as_str(), d["number"].as_i64()), (Some("draft"), None));
    assert_eq!(d["actions"], json!(["submit_for_approval", "comment"]));
    assert_eq!(act(&app, &specialist, out, json!({"action": "submit_for_approval"})).await.0, 200);
    let (s, e) = act(&app, &leader, out, json!({"action": "send_back"})).await;
    assert_eq!(s, 422, "sending back says why: {e}");
    assert_eq!(act(&app, &leader, out, json!({"action": "approve"})).await.0, 200);
    assert_eq!(act(&app, &leader, out, json!({"action": "issue"})).await.0, 409, "the clerk issues");
    let (s, d) = act(&app, &clerk, out, json!({"action": "issue"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!((d["number"].as_i64(), d["symbol"].as_str()), (Some(1), Some("01/STP")));
    assert!(d["issued_on"].is_string());
    let (s, d) = act(&app, &clerk, out, json!({"action": "dispatch"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("dispatched")), "{d}");
    // Its history says where it went, in the words of the page.
    let sent = d["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(sent["action"], "dispatch");
    assert!(sent["note"].as_str().unwrap().starts_with("Công an tỉnh"), "{sent}");

    // It arrives in the police's incoming register with their own arrival number.
    let police_leader = app.login("ld20h38").await;
    let (_, theirs) = app.get("/api/v1/documents?register=incoming", Some(&police_leader)).await;
    assert_eq!(theirs["total"], 1, "{theirs}");
    let arrived = &theirs["items"][0];
    assert_eq!(
        (arrived["number"].as_i64(), arrived["symbol"].as_str(), arrived["status"].as_str()),
        (Some(1), Some("01/STP"), Some("registered"))
    );
    let (s, full) = app.get(&format!("/api/v1/documents/{}", arrived["id"]), Some(&police_leader)).await;
    assert_eq!(s, 200);
    // What arrives is the issued PDF (laid out and numbered), not the draft.
    assert_eq!(full["attachments"].as_array().unwrap().len(), 1, "{full}");
    let file = full["attachments"][0]["url"].as_str().unwrap().to_string();
    let (s, bytes) = app.get_bytes(&file, Some(&police_leader)).await;
    assert_eq!(s, 200);
    assert!(bytes.starts_with(b"%PDF") && bytes != pdf("du-thao"), "the issued version");
    assert_eq!(app.get(&format!("/api/v1/documents/{}", arrived["id"]), Some(&leader)).await.0, 404);
}

async fn the_clerk_leader_and_specialist_use_the_pages(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let clerk = browser();
    sign_in(&app, &clerk, "vanthu").await;
    let (s, html) = page(&app, &clerk, "/van-ban").await;
    assert_eq!(s, 200);
    assert!(html.contains("href=\"/van-ban/moi?so=den\""), "{html}");
    let (_, html) = page(&app, &clerk, "/van-ban/moi?so=den").await;
    let csrf = csrf_of(&html);
    // Nothing typed: the fields are named, the title says "Lỗi".
    let empty = Form::new().text("_csrf", csrf.clone()).text("register", "incoming").text("type", "official_letter");
    let res = clerk.post(app.url("/van-ban/moi")).multipart(empty).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<title>Lỗi:") && html.contains("href=\"#f-subject\"") && html.contains("href=\"#f-symbol\""),
        "{html}"
    );
    let form = Form::new()
        .text("_csrf", csrf.clone())
        .text("register", "incoming")
        .text("type", "plan")
        .text("symbol", "120/KH-UBND")
        .text("issuer", "Ủy ban nhân dân tỉnh")
        .text("issued_on", "2026-11-30")
        .text("subject", "Kế hoạch chuyển đổi số năm 2027")
        .part("files", Part::bytes(pdf("ke-hoach")).file_name("ke-hoach.pdf").mime_str("application/pdf").unwrap());
    let res = clerk.post(app.url("/van-ban/moi")).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = location.trim_start_matches("/van-ban/").trim_end_matches("?moi=1").parse().unwrap();
    let (_, html) = page(&app, &clerk, &location).await;
    assert!(html.contains("Kế hoạch chuyển đổi số năm 2027") && html.contains("id=\"document-number\">1<"), "{html}");

    // The leader assigns it to the specialist from the page.
    let leader = browser();
    sign_in(&app, &leader, "lanhdao").await;
    let (_, html) = page(&app, &leader, &format!("/van-ban/{id}")).await;
    assert!(html.contains("id=\"action-assign\""), "{html}");
    let specialist_id = app.get("/api/v1/me", Some(&app.login("chuyenvien").await)).await.1["id"].as_i64().unwrap();
    let act = format!("/van-ban/{id}/thao-tac");
    let res = leader
        .post(app.url(&act))
        .form(&[("_csrf", csrf_of(&html)), ("action", "assign".into())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("href=\"#f-assignee\""));
    let due = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%d").to_string();
    let helper_id = app.get("/api/v1/me", Some(&app.login("chuyenvien2").await)).await.1["id"].as_i64().unwrap();
    let involve = format!("involve_{helper_id}");
    assert!(html.contains(&format!("name=\"{involve}\"")), "{html}");
    let res = leader
        .post(app.url(&act))
        .form(&[
            ("_csrf", csrf_of(&html)),
            ("action", "assign".into()),
            ("assignee", specialist_id.to_string()),
            ("due_on", due),
            (involve.as_str(), "for_information".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);

    // The specialist finds it, takes it up and completes it.
    let specialist = browser();
    sign_in(&app, &specialist, "chuyenvien").await;
    let (_, html) = page(&app, &specialist, "/van-ban").await;
    assert!(html.contains(&format!("href=\"/van-ban/{id}\"")), "{html}");
    let (_, html) = page(&app, &specialist, &format!("/van-ban/{id}")).await;
    assert!(html.contains("id=\"action-acknowledge\"") && html.contains("id=\"action-complete\""), "{html}");
    for action in ["acknowledge", "complete"] {
        let res = specialist
            .post(app.url(&act))
            .form(&[("_csrf", csrf_of(&html)), ("action", action.to_string()), ("note", "Đã xử lý".to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303, "{action}");
    }
    let (_, html) = page(&app, &specialist, &format!("/van-ban/{id}")).await;
    assert!(html.contains("Đã xử lý xong") && html.contains("Hoàn thành xử lý"), "{html}");
    // The clerk prints the incoming register of the year (Annex IV): the document on its line
    // with the person who received it; the PDF is the same register, signed.
    let year = chrono::Utc::now().format("%Y").to_string();
    let (s, html) = page(&app, &clerk, "/van-ban/so-dang-ky?so=den").await;
    assert_eq!(s, 200);
    assert!(html.contains("Tác giả") && !html.contains("Ký nhận"), "the page has no signing column: {html}");
    assert!(html.contains("Kế hoạch chuyển đổi số năm 2027") && html.contains("Trần Văn Chuyên"), "{html}");
    let res = clerk.get(app.url(&format!("/van-ban/so-dang-ky.pdf?so=den&nam={year}"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let (s, html) = page(&app, &clerk, "/van-ban/so-dang-ky?so=den&mat=1").await;
    assert_eq!(s, 200);
    assert!(!html.contains("Kế hoạch chuyển đổi số năm 2027"), "the confidential register is another book: {html}");

    // The officer named for information reads it and finds herself named.
    let informed = browser();
    sign_in(&app, &informed, "chuyenvien2").await;
    let (s, html) = page(&app, &informed, &format!("/van-ban/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Để biết") && html.contains("Vũ Thị Phối"), "{html}");
    assert!(!html.contains("id=\"action-complete\""), "{html}");
    assert_eq!(page(&app, &informed, "/van-ban/so-dang-ky?so=den").await.0, 404, "only clerks and leaders print it");
    // A citizen is told there is no such page.
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    assert_eq!(page(&app, &citizen, &format!("/van-ban/{id}")).await.0, 404);
    assert_eq!(page(&app, &citizen, "/van-ban").await.0, 404);
}

/// A PDF with a text layer, laid out by the render crate as a letter of a department, whose
/// body says `body`.
fn text_pdf(subject: &str, body: &str) -> Vec<u8> {
    let letter = motcua_render::OfficialDocument {
        issuer: motcua_render::Issuer {
            agency: "Ủy ban nhân dân tỉnh Lào Cai".into(),
            unit: "Sở Nông nghiệp và Môi trường".into(),
            place: "Lào Cai".into(),
        },
        symbol: "45/SNNMT-TL".into(),
        dated: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        type_name: String::new(),
        subject: subject.into(),
        body: body.into(),
        recipients: vec!["Như trên".into()],
        signer: motcua_render::Signer { title: "GIÁM ĐỐC".into(), name: "Hoàng Văn Thủy".into() },
    };
    motcua_render::render_official_document(&letter).unwrap().bytes
}

/// The ids of the documents a search by `q` lists for `token`.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<i64> {
    let (s, list) = app.get(&format!("/api/v1/documents?q={}", q.replace(' ', "%20")), Some(token)).await;
    assert_eq!(s, 200, "{list}");
    let mut ids: Vec<i64> = list["items"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

/// A word that is only in the text of a document's PDF finds it, typed without its marks, for
/// those who see the document: a registered letter, an answer drafted, issued and sent (its
/// issued PDF), and the copy the other agency receives, each in its own agency's search.
async fn documents_are_found_by_what_their_pdfs_say(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (clerk, leader, specialist) =
        (app.login("vanthu").await, app.login("lanhdao").await, app.login("chuyenvien").await);
    let police_leader = app.login("ld20h38").await;
    let police = app.get("/api/v1/me", Some(&police_leader)).await.1["agency"]["code"].as_str().unwrap().to_string();

    let subject = "Về việc khắc phục sạt lở trước mùa mưa lũ";
    let letter = text_pdf(subject, "Đề nghị các cơ quan phối hợp gia cố kè suối Khuổi Hăm, xã Bản Lầu.");
    let form = Form::new()
        .text("register", "incoming")
        .text("type", "official_letter")
        .text("symbol", "45/SNNMT-TL")
        .text("subject", subject)
        .text("issuer", "Sở Nông nghiệp và Môi trường")
        .text("issued_on", "2026-12-01")
        .part("scan", Part::bytes(letter).file_name("45-SNNMT-TL.pdf").mime_str("application/pdf").unwrap())
        // A PDF whose text cannot be read is attached all the same.
        .part("annex", Part::bytes(pdf("phu-luc")).file_name("phu-luc.pdf").mime_str("application/pdf").unwrap());
    let (s, d) = app.post_multipart("/api/v1/documents", Some(&clerk), form).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["attachments"].as_array().unwrap().len(), 2, "{d}");
    let registered = d["id"].as_i64().unwrap();

    let answer = "Về việc trả lời kiến nghị của cử tri";
    let draft = Form::new()
        .text("register", "outgoing")
        .text("type", "official_letter")
        .text("subject", answer)
        .text("body", "Sở Tư pháp đã phối hợp kiểm tra hồ sơ đất đai khu vực kè suối Khuổi Hăm.")
        .text("recipients", police.clone())
        .text("signer_name", "Lê Minh Lãnh")
        .text("signer_title", "Giám đốc");
    let (s, d) = app.post_multipart("/api/v1/documents", Some(&specialist), draft).await;
    assert_eq!(s, 201, "{d}");
    let sent = d["id"].as_i64().unwrap();
    assert_eq!(found(&app, &clerk, "khuoi").await, vec![registered], "a draft's body is not a PDF: {sent}");
    for (who, action) in
        [(&specialist, "submit_for_approval"), (&leader, "approve"), (&clerk, "issue"), (&clerk, "dispatch")]
    {
        let (s, d) = act(&app, who, sent, json!({"action": action})).await;
        assert_eq!(s, 200, "{action}: {d}");
    }

    // The clerk finds both by the word of their PDFs, typed in any way; neither subject has it.
    assert_eq!(found(&app, &clerk, "khuoi").await, vec![registered, sent]);
    assert_eq!(found(&app, &clerk, "KHUỔI HĂM").await, vec![registered, sent]);
    assert_eq!(found(&app, &clerk, "khuoi ban lau").await, vec![registered]);
    assert_eq!(found(&app, &clerk, "khuoi nghiệp").await, vec![registered], "and the issuer");
    assert!(found(&app, &clerk, "khuoi tuyet").await.is_empty());
    // The specialist sees what they drafted, not the letter nobody gave them.
    assert_eq!(found(&app, &specialist, "khuoi").await, vec![sent]);
    // The police find their copy, not the department's documents; the department not theirs.
    let theirs = found(&app, &police_leader, "khuoi").await;
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0] != registered && theirs[0] != sent);
    assert_eq!(found(&app, &app.login("cv20h38").await, "khuoi").await, Vec::<i64>::new());

    // The same through the pages.
    let clerk_browser = browser();
    sign_in(&app, &clerk_browser, "vanthu").await;
    let (s, html) = page(&app, &clerk_browser, "/van-ban?q=khuoi").await;
    assert_eq!(s, 200);
    assert!(html.contains(subject) && !html.contains(answer), "the incoming register: {html}");
    let (_, html) = page(&app, &clerk_browser, "/van-ban?so=di&q=khu%E1%BB%95i").await;
    assert!(html.contains(answer) && !html.contains(subject), "the outgoing register: {html}");
    let (_, html) = page(&app, &clerk_browser, "/van-ban?so=di&q=khuoi+tuyet").await;
    assert!(!html.contains(answer), "{html}");
    let police_browser = browser();
    sign_in(&app, &police_browser, "ld20h38").await;
    let (_, html) = page(&app, &police_browser, "/van-ban?q=khuoi").await;
    assert!(html.contains(answer) && !html.contains(subject), "{html}");
}

/// The department's chain of two approvals after the specialist's draft — the head of unit
/// (`chuyenvien2`, named), then any leader (`lanhdao`), who signs — set by the administrator;
/// sent back at the leader's step, revised into a second version and through the chain again,
/// then issued by the clerk naming the final version. Only who may act at a step approves.
async fn a_draft_goes_through_the_agencys_approval_chain(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (admin, clerk, leader, specialist, head) = (
        app.login("quantri").await,
        app.login("vanthu").await,
        app.login("lanhdao").await,
        app.login("chuyenvien").await,
        app.login("chuyenvien2").await,
    );
    let me = |token: String| {
        let app = &app;
        async move { app.get("/api/v1/me", Some(&token)).await.1 }
    };
    let department = me(clerk.clone()).await["agency"]["code"].as_str().unwrap().to_string();
    let head_id = me(head.clone()).await["id"].as_i64().unwrap();
    let chain_url = format!("/api/v1/agencies/{department}/approval-chain");
    let (s, c) = app.get(&chain_url, Some(&admin)).await;
    assert_eq!((s, c["configured"].as_bool()), (200, Some(false)), "{c}");
    assert_eq!(c["steps"][0]["approver"]["role"], "leader", "the default chain: {c}");
    assert_eq!(app.get(&chain_url, Some(&leader)).await.0, 404, "administrators only");
    // The last step signs: a head of unit who is no leader cannot end the chain.
    let head_step = json!({"name": "Trưởng phòng", "approver": {"kind": "officer", "user_id": head_id}});
    let (s, e) =
        app.send_json(reqwest::Method::PUT, &chain_url, Some(&admin), json!({"steps": [head_step.clone()]})).await;
    assert_eq!(s, 422, "{e}");
    let steps = json!({"steps": [head_step, {"name": "Giám đốc Sở", "approver": {"kind": "role", "role": "leader"}}]});
    let (s, c) = app.send_json(reqwest::Method::PUT, &chain_url, Some(&admin), steps).await;
    assert_eq!((s, c["configured"].as_bool()), (200, Some(true)), "{c}");
    assert_eq!(c["steps"][0]["approver"]["name"], "Vũ Thị Phối");

    let draft = Form::new()
        .text("register", "outgoing")
        .text("type", "report")
        .text("subject", "Báo cáo kết quả giải quyết thủ tục hành chính quý IV")
        .text("body", "Bản thảo thứ nhất.")
        .part("file", Part::bytes(pdf("du-thao-1")).file_name("du-thao.pdf").mime_str("application/pdf").unwrap());
    let (s, d) = app.post_multipart("/api/v1/documents", Some(&specialist), draft).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    let doc = format!("/api/v1/documents/{id}");
    assert_eq!(d["versions"].as_array().unwrap().len(), 1, "{d}");
    let states = |d: &Value| -> Vec<String> {
        d["approval"].as_array().unwrap().iter().map(|s| s["state"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(states(&d), ["waiting", "waiting"]);
    assert_eq!(act(&app, &specialist, id, json!({"action": "submit_for_approval"})).await.0, 200);

    // Step 1 waits for the head of unit alone: the leader sees it, but may not approve yet.
    let (_, d) = app.get(&doc, Some(&leader)).await;
    assert_eq!(states(&d), ["current", "waiting"]);
    assert_eq!(d["actions"], json!(["comment"]), "{d}");
    let (s, e) = act(&app, &leader, id, json!({"action": "approve"})).await;
    assert_eq!((s, e["error"]["message"].as_str()), (409, Some("Dự thảo đang chờ người duyệt ở bước hiện tại của quy trình duyệt; Ông/Bà không phải người duyệt ở bước này.")), "{e}");
    let waiting = |token: String| {
        let app = &app;
        async move {
            let (_, l) = app.get("/api/v1/documents?awaiting_approval=true", Some(&token)).await;
            l["items"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect::<Vec<_>>()
        }
    };
    assert_eq!(waiting(head.clone()).await, [id]);
    assert!(waiting(leader.clone()).await.is_empty());
    let (s, d) = act(&app, &head, id, json!({"action": "approve"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!((d["status"].as_str(), states(&d)), (Some("pending_approval"), vec!["done".into(), "current".into()]));
    assert_eq!(d["approval"][0]["approved_by"], "Vũ Thị Phối");
    assert_eq!(d["history"].as_array().unwrap().last().unwrap()["step"], "Trưởng phòng");
    assert_eq!(waiting(leader.clone()).await, [id]);
    assert_eq!(act(&app, &head, id, json!({"action": "approve"})).await.0, 409, "their step is done");

    // Sent back at step 2 with its reason; the author revises it into version 2.
    assert_eq!(act(&app, &leader, id, json!({"action": "send_back"})).await.0, 422, "a reason is required");
    let (s, d) = act(&app, &leader, id, json!({"action": "send_back", "note": "Bổ sung số liệu tháng 12"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("draft")), "{d}");
    let last = d["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["step"].as_str(), last["note"].as_str()), (Some("Giám đốc Sở"), Some("Bổ sung số liệu tháng 12")));
    let first_file = d["attachments"][0]["id"].as_str().unwrap().to_string();
    let revision = || {
        Form::new()
            .text("subject", "Báo cáo kết quả giải quyết thủ tục hành chính năm 2026")
            .text("body", "Bản thảo thứ hai, có số liệu tháng 12.")
            .text("keep", first_file.clone())
            .text("note", "Bổ sung số liệu")
            .part("file", Part::bytes(pdf("phu-luc")).file_name("phu-luc.pdf").mime_str("application/pdf").unwrap())
    };
    let (s, _) = app.post_multipart(&format!("{doc}/versions"), Some(&head), revision()).await;
    assert_eq!(s, 409, "only its author changes a draft");
    let (s, d) = app.post_multipart(&format!("{doc}/versions"), Some(&specialist), revision()).await;
    assert_eq!(s, 200, "{d}");
    let versions = d["versions"].as_array().unwrap().clone();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["subject"], "Báo cáo kết quả giải quyết thủ tục hành chính quý IV");
    assert_eq!((versions[1]["number"].as_i64(), versions[1]["author"].as_str()), (Some(2), Some("Trần Văn Chuyên")));
    assert_eq!(versions[1]["files"].as_array().unwrap().len(), 2);
    assert_eq!(versions[1]["files"][0]["id"], versions[0]["files"][0]["id"], "the kept file is not stored again");
    let (s, old) = app.get_bytes(versions[0]["files"][0]["url"].as_str().unwrap(), Some(&leader)).await;
    assert_eq!((s, old), (200, pdf("du-thao-1")));

    // Through the chain again, approved at the last step, issued by the clerk.
    assert_eq!(act(&app, &specialist, id, json!({"action": "submit_for_approval"})).await.0, 200);
    assert_eq!(act(&app, &head, id, json!({"action": "approve"})).await.0, 200);
    let (s, d) = act(&app, &leader, id, json!({"action": "approve"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("approved")), "{d}");
    assert_eq!(states(&d), ["done", "done"]);
    let (s, d) = act(&app, &clerk, id, json!({"action": "issue"})).await;
    assert_eq!(s, 200, "{d}");
    let issued = d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == "issued").unwrap().clone();
    let (_, pdf_bytes) = app.get_bytes(issued["url"].as_str().unwrap(), Some(&clerk)).await;
    let words = motcua_domain::text::fold(&motcua_app::pdf_text::read(&pdf_bytes).unwrap());
    assert!(words.contains("ban thao so 2"), "the issued PDF names the final version: {words}");

    // The pages: the chain and the versions on the document, the leader's list of what waits.
    let b = browser();
    sign_in(&app, &b, "chuyenvien").await;
    let (s, html) = page(&app, &b, &format!("/van-ban/{id}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"approval-chain\"") && html.matches("data-state=\"done\"").count() == 2, "{html}");
    assert!(html.contains("id=\"document-versions\"") && html.contains("data-version=\"2\""), "{html}");
    let police = app.login("ld20h38").await;
    assert_eq!(app.get(&doc, Some(&police)).await.0, 404, "other agencies do not see it");
}

/// The administrators' chain editor and the author's revision form, without JavaScript: a
/// chain whose last step cannot sign is refused beside its field, a valid one saved; an empty
/// subject is refused, a revision with a new file saved as version 2.
async fn the_chain_is_edited_and_a_draft_revised_on_the_pages(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let department =
        app.get("/api/v1/me", Some(&app.login("vanthu").await)).await.1["agency"]["code"].as_str().unwrap().to_string();
    let head = app.get("/api/v1/me", Some(&app.login("chuyenvien2").await)).await.1["id"].as_i64().unwrap();
    let leader = browser();
    sign_in(&app, &leader, "lanhdao").await;
    assert_eq!(page(&app, &leader, "/quan-tri/chuoi-duyet").await.0, 404, "administrators only");
    let admin = browser();
    sign_in(&app, &admin, "quantri").await;
    let editor = format!("/quan-tri/chuoi-duyet?co_quan={department}");
    let (s, html) = page(&app, &admin, &editor).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"chain-form\"") && html.contains("value=\"role:leader\" selected"), "{html}");
    let save = |fields: Vec<(String, String)>| {
        let (admin, app, department) = (&admin, &app, &department);
        async move {
            let (_, html) = page(app, admin, &format!("/quan-tri/chuoi-duyet?co_quan={department}")).await;
            let mut form = vec![("_csrf".to_string(), csrf_of(&html))];
            form.extend(fields);
            admin.post(app.url(&format!("/quan-tri/chuoi-duyet/{department}"))).form(&form).send().await.unwrap()
        }
    };
    let row = |i: usize, name: &str, approver: String| {
        vec![(format!("s{i}_name"), name.to_string()), (format!("s{i}_approver"), approver)]
    };
    let res = save(row(0, "Trưởng phòng", format!("user:{head}"))).await;
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#f-s0_approver\"") && html.contains("chọn lãnh đạo"), "{html}");
    let mut both = row(0, "Trưởng phòng", format!("user:{head}"));
    both.extend(row(1, "Giám đốc Sở", "role:leader".into()));
    let res = save(both).await;
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = page(&app, &admin, &format!("{editor}&luu=1")).await;
    assert!(html.contains("id=\"flash\"") && html.contains(&format!("value=\"user:{head}\" selected")), "{html}");

    // The author revises a draft on its page.
    let specialist = app.login("chuyenvien").await;
    let draft = Form::new().text("register", "outgoing").text("type", "plan").text("subject", "Kế hoạch cải cách");
    let id = app.post_multipart("/api/v1/documents", Some(&specialist), draft).await.1["id"].as_i64().unwrap();
    let author = browser();
    sign_in(&app, &author, "chuyenvien").await;
    let (_, html) = page(&app, &author, &format!("/van-ban/{id}")).await;
    assert!(html.contains("id=\"revise\"") && html.contains("id=\"approval-chain\""), "{html}");
    let revise = |subject: &str, html: &str| {
        Form::new()
            .text("_csrf", csrf_of(html))
            .text("subject", subject.to_string())
            .text("body", "Nội dung kế hoạch.")
            .text("revision_note", "Thêm phụ lục")
            .part("files", Part::bytes(pdf("phu-luc")).file_name("phu-luc.pdf").mime_str("application/pdf").unwrap())
    };
    let res = author.post(app.url(&format!("/van-ban/{id}/sua"))).multipart(revise(" ", &html)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("href=\"#f-subject\""));
    let res = author
        .post(app.url(&format!("/van-ban/{id}/sua")))
        .multipart(revise("Kế hoạch cải cách hành chính năm 2027", &html))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, d) = app.get(&format!("/api/v1/documents/{id}"), Some(&specialist)).await;
    assert_eq!(d["subject"], "Kế hoạch cải cách hành chính năm 2027");
    let versions = d["versions"].as_array().unwrap();
    assert_eq!((versions.len(), versions[1]["note"].as_str()), (2, Some("Thêm phụ lục")), "{d}");
    assert_eq!(versions[1]["files"][0]["file_name"], "phu-luc.pdf");
    // The chain its page shows is the department's new one, not yet reached.
    assert_eq!(d["approval"].as_array().unwrap().len(), 2);
    assert_eq!(d["approval"][0]["state"], "waiting");
}
