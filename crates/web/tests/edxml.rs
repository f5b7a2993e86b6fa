//! The exchange between agencies in the edXML format of QCVN 102:2016: a document sent by one
//! agency of the demo arrives in another's register as a package and its sender sees every
//! status (01, 04, 03, 05, 06; a recall answered 15, or 16 once completed); other systems post
//! packages with a system token, taken once however often they come, refused with 02 and the
//! reason when tampered with or not addressed here.

mod common;

use chrono::NaiveDate;
use common::{browser, page, pdf, sign_in, TestApp};
use motcua_app::national::add_token;
use motcua_domain::edxml::{
    Attachment, DocumentPackage, OrganId, Organisation, Package, Priority, ResponseFor, SignerInfo, StaffInfo,
    StatusCode, StatusPackage, SteeringType,
};
use motcua_store::system_tokens::Scope;
use motcua_testkit::{on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

on_both_engines!(
    a_document_goes_to_another_agency_and_its_sender_sees_every_status,
    another_system_posts_packages_taken_once_and_refused_when_wrong,
    a_signed_pdf_changed_on_the_way_is_refused,
);

const POLICE: &str = "000.00.20.H38";
const DEPARTMENT: &str = "Sở Tư pháp tỉnh Lào Cai";

async fn act(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    app.post_json(&format!("/api/v1/documents/{id}/actions"), Some(token), body).await
}

/// A document of the department to the police, drafted, approved, issued and sent: its id.
async fn sent_to_the_police(app: &TestApp, subject: &str) -> i64 {
    let (clerk, leader, specialist) =
        (app.login("vanthu").await, app.login("lanhdao").await, app.login("chuyenvien").await);
    let draft = Form::new()
        .text("register", "outgoing")
        .text("type", "official_letter")
        .text("subject", subject.to_string())
        .text("body", "Sở Tư pháp đề nghị Công an tỉnh phối hợp…")
        .text("recipients", POLICE)
        .text("signer_name", "Lê Minh Lãnh")
        .text("signer_title", "Giám đốc")
        .part("draft", Part::bytes(pdf("du-thao")).file_name("du-thao.pdf").mime_str("application/pdf").unwrap());
    let (s, d) = app.post_multipart("/api/v1/documents", Some(&specialist), draft).await;
    assert_eq!(s, 201, "{d}");
    let id = d["id"].as_i64().unwrap();
    for (who, action) in
        [(&specialist, "submit_for_approval"), (&leader, "approve"), (&clerk, "issue"), (&clerk, "dispatch")]
    {
        let (s, d) = act(app, who, id, json!({"action": action})).await;
        assert_eq!(s, 200, "{action}: {d}");
    }
    id
}

fn codes(statuses: &Value) -> Vec<String> {
    statuses[0]["statuses"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_string()).collect()
}

/// The police's copy of the department's document `subject`.
async fn police_copy(app: &TestApp, police: &str, subject: &str) -> Value {
    let (_, list) = app.get("/api/v1/documents?register=incoming", Some(police)).await;
    let item = list["items"].as_array().unwrap().iter().find(|d| d["subject"] == subject).expect("arrived").clone();
    app.get(&format!("/api/v1/documents/{}", item["id"]), Some(police)).await.1
}

async fn a_document_goes_to_another_agency_and_its_sender_sees_every_status(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let clerk = app.login("vanthu").await;
    let subject = "Về việc phối hợp cung cấp thông tin lý lịch tư pháp";
    let out = sent_to_the_police(&app, subject).await;
    let statuses = format!("/api/v1/edxml/packages/{out}/statuses");

    // The package arrived and was registered: 01 then 03, from the police.
    let (s, list) = app.get(&statuses, Some(&clerk)).await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!((list[0]["organ_id"].as_str(), list[0]["name"].as_str()), (Some(POLICE), Some("Công an tỉnh Lào Cai")));
    assert_eq!(list[0]["latest"]["code"], "03");
    let document_id = list[0]["document_id"].as_str().unwrap().to_string();
    assert!(document_id.starts_with("000.00.12.H38,") && document_id.ends_with(",01/STP"), "{document_id}");

    // Only the sending agency's officers who see it, or a system, see the statuses.
    let police = app.login("ld20h38").await;
    assert_eq!(app.get(&statuses, Some(&police)).await.0, 404, "another agency's officer");
    assert_eq!(app.get(&statuses, Some(&app.login("congdan").await)).await.0, 404);
    assert_eq!(app.get(&statuses, None).await.0, 404);
    assert_eq!(app.get("/api/v1/edxml/packages/999999/statuses", Some(&clerk)).await.0, 404);

    // The police handle it: each step goes back to the sender.
    let copy = police_copy(&app, &police, subject).await;
    let copy_id = copy["id"].as_i64().unwrap();
    assert_eq!(copy["status"], "registered");
    let specialist = app.login("cv20h38").await;
    let (_, me) = app.get("/api/v1/me", Some(&specialist)).await;
    let (s, d) = act(&app, &police, copy_id, json!({"action": "assign", "assignee": me["id"], "due_days": 5})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(act(&app, &specialist, copy_id, json!({"action": "acknowledge"})).await.0, 200);
    for note in ["Đang xác minh thông tin", "Đã xác minh xong một phần"] {
        assert_eq!(act(&app, &specialist, copy_id, json!({"action": "comment", "note": note})).await.0, 200);
    }
    let (s, _) = act(&app, &specialist, copy_id, json!({"action": "complete", "note": "Đã cung cấp thông tin"})).await;
    assert_eq!(s, 200);
    let (_, list) = app.get(&statuses, Some(&clerk)).await;
    assert_eq!(codes(&list), ["01", "03", "04", "05", "06"], "only taking it up is 05, not the notes after: {list}");
    assert_eq!(list[0]["latest"]["name"], "Đã hoàn thành");
    assert_eq!(list[0]["statuses"][3]["staff"], "Chuyên viên — Công an tỉnh Lào Cai");
    assert_eq!(list[0]["statuses"][4]["staff"], "Chuyên viên — Công an tỉnh Lào Cai");

    // A system sees them by the package's DocumentId as well.
    let (system, _) = add_token(&app.state.db, "Trục liên thông văn bản tỉnh", Scope::Integration).await.unwrap();
    let by_id = format!("/api/v1/edxml/packages/{}/statuses", urlencode(&document_id));
    let (s, theirs) = app.get(&by_id, Some(&system)).await;
    assert_eq!(s, 200, "{theirs}");
    assert_eq!(codes(&theirs), codes(&list));

    // Recalled after it was completed: the police refuse (16), their copy stays handled.
    let (s, d) = act(&app, &clerk, out, json!({"action": "recall", "note": "Văn bản có sai sót"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("recalled")), "{d}");
    let (_, list) = app.get(&statuses, Some(&clerk)).await;
    assert_eq!(codes(&list), ["01", "03", "04", "05", "06", "13", "16"]);
    assert_eq!(list[0]["statuses"][5]["description"], "Văn bản có sai sót");
    assert_eq!(police_copy(&app, &police, subject).await["status"], "completed");

    // Recalled before it was handled: given back (15), the copy withdrawn.
    let second = "Về việc đề nghị cử cán bộ tham gia đoàn kiểm tra";
    let out2 = sent_to_the_police(&app, second).await;
    assert_eq!(act(&app, &clerk, out2, json!({"action": "recall"})).await.0, 200);
    let (_, list) = app.get(&format!("/api/v1/edxml/packages/{out2}/statuses"), Some(&clerk)).await;
    assert_eq!(codes(&list), ["01", "03", "13", "15"]);
    let copy = police_copy(&app, &police, second).await;
    assert_eq!(copy["status"], "recalled");
    assert_eq!(copy["history"].as_array().unwrap().last().unwrap()["action"], "withdraw");
    assert_eq!(copy["actions"], json!(["comment"]));

    // The sender's page shows each recipient's status and its history; the copy says how it came.
    let b = browser();
    sign_in(&app, &b, "vanthu").await;
    let (s, html) = page(&app, &b, &format!("/van-ban/{out}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Tình trạng tiếp nhận") && html.contains("id=\"exchange-table\""), "{html}");
    assert!(html.contains("16 — Từ chối thu hồi") && html.contains("04 Đã phân công xử lý"), "{html}");
    let b = browser();
    sign_in(&app, &b, "ld20h38").await;
    let (_, html) = page(&app, &b, &format!("/van-ban/{copy_id}")).await;
    assert!(html.contains("Nhận qua trục liên thông văn bản"), "{html}");
    let (s, html) = page(&app, &b, &format!("/van-ban/{out}")).await;
    assert_eq!(s, 404, "{html}");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn organisation(id: &str, name: &str) -> Organisation {
    Organisation { id: OrganId::parse(id).unwrap(), name: name.into() }
}

/// A letter of the Ministry of Justice to `to`, as another system would send it.
fn ministry_letter(number: &str, to: &str, file: Vec<u8>) -> DocumentPackage {
    let date = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
    let from = organisation("000.00.00.G12", "Bộ Tư pháp");
    let symbol = format!("{number}/BTP-VP");
    DocumentPackage {
        document_id: DocumentPackage::document_id_of(&from.id, date, &symbol),
        from,
        to: vec![organisation(to, "Công an tỉnh Lào Cai")],
        code_number: number.into(),
        code_notation: "BTP-VP".into(),
        place: "Hà Nội".into(),
        promulgation_date: date,
        type_name: "Công văn".into(),
        subject: format!("V/v hướng dẫn cấp Phiếu lý lịch tư pháp trực tuyến (số {number})"),
        content: None,
        signer: SignerInfo {
            competence: "KT. BỘ TRƯỞNG".into(),
            position: "Thứ trưởng".into(),
            full_name: "Nguyễn Văn Bộ".into(),
        },
        due_date: NaiveDate::from_ymd_opt(2027, 2, 1),
        priority: Priority::Urgent,
        steering: SteeringType::Steering,
        trace: vec![],
        attachments: vec![Attachment {
            content_id: format!("{number}@btp"),
            name: format!("{number}-BTP-VP.pdf"),
            content_type: "application/pdf".into(),
            description: "Văn bản".into(),
            bytes: file,
        }],
    }
}

async fn post(app: &TestApp, token: Option<&str>, content_type: &str, body: Vec<u8>) -> (u16, Vec<u8>) {
    let mut req = app.http.post(app.url("/api/v1/edxml/packages")).header("content-type", content_type).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

/// Posts a package; the status package it is answered with.
async fn answer(app: &TestApp, token: &str, xml: Vec<u8>) -> StatusPackage {
    let (s, body) = post(app, Some(token), "application/xml", xml).await;
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    match Package::parse(&body) {
        Ok(Package::Status(st)) => st,
        other => panic!("a status package: {other:?} {}", String::from_utf8_lossy(&body)),
    }
}

async fn another_system_posts_packages_taken_once_and_refused_when_wrong(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (system, _) = add_token(&app.state.db, "Trục liên thông văn bản quốc gia", Scope::Integration).await.unwrap();
    let police = app.login("ld20h38").await;
    let letter = ministry_letter("125", POLICE, pdf("cong-van-bo"));
    let xml = letter.to_xml();

    // Only a system, only XML.
    assert_eq!(post(&app, None, "application/xml", xml.clone()).await.0, 401);
    assert_eq!(post(&app, Some(&police), "application/xml", xml.clone()).await.0, 401, "an officer is not a system");
    assert_eq!(post(&app, Some(&system), "application/json", b"{}".to_vec()).await.0, 400);
    assert_eq!(post(&app, Some(&system), "application/xml", b"not <xml".to_vec()).await.0, 400);

    // Taken: 01 from the police, about the ministry's letter.
    let first = answer(&app, &system, xml.clone()).await;
    assert_eq!(first.code, StatusCode::Received, "{first:?}");
    assert_eq!((first.from.id.as_str(), first.from.name.as_str()), (POLICE, "Công an tỉnh Lào Cai"));
    assert_eq!(first.response_for.document_id, letter.document_id);
    assert_eq!(first.response_for.organ_id.as_str(), "000.00.00.G12");
    // The same package again: the same answer, one document.
    let again = answer(&app, &system, xml.clone()).await;
    assert_eq!(again, first);
    let (_, list) = app.get("/api/v1/documents?register=incoming", Some(&police)).await;
    assert_eq!(list["total"], 1, "{list}");
    let copy = &list["items"][0];
    assert_eq!(
        (copy["symbol"].as_str(), copy["issuer"].as_str(), copy["urgency"].as_str(), copy["number"].as_i64()),
        (Some("125/BTP-VP"), Some("Bộ Tư pháp"), Some("urgent"), Some(1))
    );
    let (_, full) = app.get(&format!("/api/v1/documents/{}", copy["id"]), Some(&police)).await;
    let file = full["attachments"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(app.get_bytes(&file, Some(&police)).await.1, pdf("cong-van-bo"));
    assert_eq!(full["due_on"], "2027-02-01");
    let (_, theirs) =
        app.get(&format!("/api/v1/edxml/packages/{}/statuses", urlencode(&letter.document_id)), Some(&system)).await;
    assert_eq!(codes(&theirs), ["01", "03"]);

    // An attachment changed on the way (its digest kept): refused, 02, nothing registered.
    let other = ministry_letter("126", POLICE, pdf("cong-van-bo"));
    let changed = ministry_letter("126", POLICE, pdf("cong-van-khac"));
    let tampered = splice_attachment(&other.to_xml(), &changed.to_xml());
    let refused = answer(&app, &system, tampered).await;
    assert_eq!(refused.code, StatusCode::Rejected);
    assert!(refused.description.contains("126-BTP-VP.pdf") && refused.description.contains("thay đổi"), "{refused:?}");
    assert_eq!(refused.response_for.document_id, other.document_id);
    // Not addressed to an agency served here.
    let elsewhere = answer(&app, &system, ministry_letter("127", "000.00.20.H99", pdf("x")).to_xml()).await;
    assert_eq!(elsewhere.code, StatusCode::Rejected);
    assert!(elsewhere.description.contains("không gửi đến cơ quan nào"), "{elsewhere:?}");
    // An element missing: the reason names it.
    let text = String::from_utf8(ministry_letter("128", POLICE, pdf("y")).to_xml()).unwrap();
    let s = text.find("<edXML:Subject>").unwrap();
    let e = text.find("</edXML:Subject>").unwrap() + "</edXML:Subject>".len();
    let missing = answer(&app, &system, format!("{}{}", &text[..s], &text[e..]).into_bytes()).await;
    assert_eq!(missing.code, StatusCode::Rejected);
    assert!(missing.description.contains("MessageHeader/Subject"), "{missing:?}");
    let (_, list) = app.get("/api/v1/documents?register=incoming", Some(&police)).await;
    assert_eq!(list["total"], 1, "nothing refused was registered: {list}");

    // The ministry recalls its letter: given back (15), the copy withdrawn; asked again, the same.
    let recall = StatusPackage {
        response_for: ResponseFor {
            organ_id: letter.from.id.clone(),
            code: letter.symbol(),
            promulgation_date: Some(letter.promulgation_date),
            document_id: letter.document_id.clone(),
        },
        from: letter.from.clone(),
        to: OrganId::parse(POLICE),
        code: StatusCode::RecallRequest,
        description: "Văn bản ban hành nhầm".into(),
        timestamp: chrono::Utc::now(),
        staff: StaffInfo { staff: "Văn thư Bộ".into(), ..StaffInfo::default() },
    };
    for _ in 0..2 {
        let got = answer(&app, &system, recall.to_xml()).await;
        assert_eq!((got.code, got.from.id.as_str()), (StatusCode::RecallAccepted, POLICE), "{got:?}");
    }
    let (_, full) = app.get(&format!("/api/v1/documents/{}", copy["id"]), Some(&police)).await;
    assert_eq!(full["status"], "recalled");
    let (_, theirs) =
        app.get(&format!("/api/v1/edxml/packages/{}/statuses", urlencode(&letter.document_id)), Some(&system)).await;
    assert_eq!(codes(&theirs), ["01", "03", "13", "15"]);
    // A recall of a document the caller did not send, or a status about one sent from here: 02.
    let unknown = StatusPackage {
        response_for: ResponseFor {
            document_id: "000.00.00.G12,2027/01/05,999/BTP-VP".into(),
            ..recall.response_for.clone()
        },
        ..recall.clone()
    };
    assert_eq!(answer(&app, &system, unknown.to_xml()).await.code, StatusCode::Rejected);
    let out = sent_to_the_police(&app, "Về việc trao đổi thông tin").await;
    let (_, ours) = app.get(&format!("/api/v1/edxml/packages/{out}/statuses"), Some(&app.login("vanthu").await)).await;
    let forged = StatusPackage {
        response_for: ResponseFor {
            organ_id: OrganId::parse("000.00.12.H38").unwrap(),
            code: "01/STP".into(),
            promulgation_date: None,
            document_id: ours[0]["document_id"].as_str().unwrap().into(),
        },
        from: organisation(POLICE, "Công an tỉnh Lào Cai"),
        to: None,
        code: StatusCode::Completed,
        ..recall
    };
    let got = answer(&app, &system, forged.to_xml()).await;
    assert_eq!(got.code, StatusCode::Rejected, "{got:?}");
    let (_, ours) = app.get(&format!("/api/v1/edxml/packages/{out}/statuses"), Some(&app.login("vanthu").await)).await;
    assert_eq!(codes(&ours), ["01", "03"], "not recorded");
}

/// `base`'s XML with the attachment content of `other` (same names), its digest left as it was.
fn splice_attachment(base: &[u8], other: &[u8]) -> Vec<u8> {
    let (base, other) = (String::from_utf8(base.to_vec()).unwrap(), String::from_utf8(other.to_vec()).unwrap());
    let part = |s: &str| {
        let a = s.find("<ContentTransferEncoded>").unwrap();
        let b = s.find("</ContentTransferEncoded>").unwrap();
        (a, b)
    };
    let (a, b) = part(&base);
    let (c, d) = part(&other);
    assert_ne!(&base[a..b], &other[c..d]);
    format!("{}{}{}", &base[..a], &other[c..d], &base[b..]).into_bytes()
}

/// A test CA and the department's certificate, made once per test binary.
fn pki() -> &'static std::path::Path {
    use motcua_app::pki::{init_test_ca, AgencyToCertify};
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let province = motcua_store::demo::province().unwrap();
        let agencies: Vec<_> =
            AgencyToCertify::from_catalog(&province.agencies).into_iter().filter(|a| a.name == DEPARTMENT).collect();
        init_test_ca(dir.path(), &agencies).unwrap();
        dir
    })
    .path()
}

/// A signed PDF whose bytes changed after signing, sent with a digest that matches the changed
/// bytes (whoever changed it recomputed it): its signature is what tells, and it is refused;
/// the PDF as signed is taken.
async fn a_signed_pdf_changed_on_the_way_is_refused(engine: TestEngine) {
    let config = motcua_web::Config {
        demo: true,
        signers: std::sync::Arc::new(motcua_app::pki::Signers::load(pki()).unwrap()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(engine, config).await;
    let (system, _) = add_token(&app.state.db, "Trục liên thông văn bản quốc gia", Scope::Integration).await.unwrap();
    let out = sent_to_the_police(&app, "Về việc công bố thủ tục hành chính").await;
    let clerk = app.login("vanthu").await;
    let (_, d) = app.get(&format!("/api/v1/documents/{out}"), Some(&clerk)).await;
    let issued = d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == "issued").unwrap().clone();
    let (_, signed) = app.get_bytes(issued["url"].as_str().unwrap(), Some(&clerk)).await;
    let reports = motcua_signing::validate::validate_pdf(&signed, &Default::default(), chrono::Utc::now());
    assert_eq!(reports.len(), 1, "the issued PDF is signed");

    // The signed PDF, whole, from another system: taken.
    let whole = answer(&app, &system, ministry_letter("201", POLICE, signed.clone()).to_xml()).await;
    assert_eq!(whole.code, StatusCode::Received, "{whole:?}");
    // Its PDF's text is searched: the words of its body find it and the department's own copy,
    // typed without marks.
    let police = app.login("ld20h38").await;
    let (_, list) = app.get("/api/v1/documents?q=de%20nghi%20cong%20an%20phoi%20hop", Some(&police)).await;
    let subjects: Vec<&str> = list["items"].as_array().unwrap().iter().filter_map(|d| d["subject"].as_str()).collect();
    assert_eq!(subjects.len(), 2, "{list}");
    assert!(subjects.iter().any(|s| s.contains("(số 201)")), "{list}");
    // One byte of the signed revision changed (inside the binary comment of the header).
    let mut changed = signed.clone();
    let at = changed.iter().position(|b| *b == b'\n').unwrap() + 2;
    changed[at] ^= 0x01;
    let got = answer(&app, &system, ministry_letter("202", POLICE, changed).to_xml()).await;
    assert_eq!(got.code, StatusCode::Rejected, "{got:?}");
    assert!(got.description.contains("Chữ ký số") && got.description.contains("202-BTP-VP.pdf"), "{got:?}");
}
