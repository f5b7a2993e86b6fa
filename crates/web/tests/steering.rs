//! The steering committee's monthly report by e-mail (issue 13 point 7) and its IT-application
//! figures (point 4), on SQLite and PostgreSQL: the report scheduled once per person on the first
//! working day of the month and delivered to a real SMTP server with its signed PDF, and the
//! IT-application figures over hand-made dossiers, officers' actions and office documents whose
//! expected counts are worked out beside them.

mod common;
#[path = "../../signing/tests/common/validators.rs"]
mod validators;

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::smtp::{free_port, SmtpServer};
use common::TestApp;
use mail_parser::{MessageParser, MimeHeaders};
use motcua_app::jobs::mail::Mailer;
use motcua_app::jobs::monthly_report::{self, MONTHLY_REPORT_JOB};
use motcua_app::jobs::worker::{self, WorkerConfig};
use motcua_app::pki::{init_test_ca, AgencyToCertify, Signers};
use motcua_domain::calendar::vn_offset;
use motcua_domain::catalog::{AgencyKind, OnlineLevel};
use motcua_store::jobs::{self, JobStatus};
use motcua_testkit::{insert_made, on_both_engines, run_due_jobs, MadeDossier, TestEngine};
use serde_json::Value;

on_both_engines!(
    the_monthly_report_is_mailed_once_on_the_first_working_day,
    the_it_application_figures_count_what_was_done,
    the_it_application_figures_answer_their_readers_and_show_as_a_page,
);

/// The provincial committee, which files and signs the province's report.
const PROVINCE: &str = "Ủy ban nhân dân tỉnh Lào Cai";

const SENDER: &str = "Cổng dịch vụ công tỉnh <no-reply@dichvucong.example.vn>";

/// A test CA and the provincial committee's certificate, made once per test binary.
fn pki() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let province = motcua_store::demo::province().unwrap();
        let agencies: Vec<_> =
            AgencyToCertify::from_catalog(&province.agencies).into_iter().filter(|a| a.name == PROVINCE).collect();
        assert_eq!(agencies.len(), 1);
        init_test_ca(dir.path(), &agencies).unwrap();
        dir
    })
    .path()
}

async fn spawn(engine: TestEngine) -> TestApp {
    let config = motcua_web::Config {
        demo: true,
        signers: std::sync::Arc::new(Signers::load(pki()).unwrap()),
        ..Default::default()
    };
    TestApp::spawn_with(engine, config).await
}

/// An instant in Vietnam time.
fn vn(year: i32, month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    vn_offset().with_ymd_and_hms(year, month, day, hour, 0, 0).unwrap().with_timezone(&Utc)
}

/// The demo agency of `username`.
async fn agency_of(app: &TestApp, username: &str) -> String {
    let (code,): (String,) = sqlx::query_as("SELECT agency_code FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    code
}

/// A user's id.
async fn user_id(app: &TestApp, username: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    id
}

/// The first procedure led by `agency`, or by an agency of `kind`: version id, code, agency.
fn procedure(app: &TestApp, agency: Option<&str>, kind: AgencyKind) -> (i64, String, String) {
    let catalog = app.state.catalog();
    let p = catalog
        .procedures
        .iter()
        .find(|p| agency.map_or(p.agency.kind == kind, |a| p.agency.code == a))
        .expect("a procedure");
    (p.version_id, p.code.clone(), p.agency.code.clone())
}

async fn the_monthly_report_is_mailed_once_on_the_first_working_day(engine: TestEngine) {
    let app = spawn(engine).await;
    let department = agency_of(&app, "lanhdao").await;
    let dept = procedure(&app, Some(&department), AgencyKind::Department);
    let commune = procedure(&app, None, AgencyKind::Commune);
    let dec = |day: u32, hour: u32| vn(2025, 12, day, hour);
    // December 2025, worked out by hand against API.md "Reports":
    // M-1 online, done on the 3rd, due the 10th: early. M-2 at the desk, done the 15th, due the
    // 9th: late. M-5 by post, received in November, done on its due day before the hour: carried
    // over, on time. M-3 at a commune, due the 12th, open: overdue. M-4 online, due in January:
    // in time.
    let made = [
        MadeDossier::new("M-1", &dept, "online", "returned", dec(1, 9), dec(10, 17)).finished(dec(3, 9)),
        MadeDossier::new("M-2", &dept, "in_person", "returned", dec(2, 9), dec(9, 17)).finished(dec(15, 9)),
        MadeDossier::new("M-5", &dept, "postal", "returned", vn(2025, 11, 20, 9), dec(5, 17)).finished(dec(5, 10)),
        MadeDossier::new("M-3", &commune, "in_person", "processing", dec(3, 9), dec(12, 17)),
        MadeDossier::new("M-4", &commune, "online", "processing", dec(29, 9), vn(2026, 1, 9, 17)),
    ];
    for d in &made {
        insert_made(&app.state.db, d).await;
    }

    // 1 and 2 January 2026 are days off in the demo calendar, then a weekend: Monday the 5th.
    let day = |month: u32, d: u32| NaiveDate::from_ymd_opt(2026, month, d).unwrap();
    for d in [day(1, 1), day(1, 2), day(1, 3), day(1, 4), day(1, 6), day(1, 30)] {
        assert_eq!(monthly_report::schedule(&app.state, d).await.unwrap(), 0, "no report on {d}");
    }
    let recipients: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE u.email IS NOT NULL AND (r.role = 'steering' OR (r.role = 'leader' AND u.agency_code IS NOT NULL)) \
         ORDER BY u.id",
    )
    .fetch_all(app.state.db.reader())
    .await
    .unwrap();
    let mut expected: Vec<i64> = recipients.into_iter().map(|(id,)| id).collect();
    let steering = user_id(&app, "dieuhanh").await;
    assert!(expected.contains(&steering), "the demo steering account has an address");
    assert_eq!(monthly_report::schedule(&app.state, day(1, 5)).await.unwrap(), expected.len());
    // Again, as another server or a restart would: nothing more.
    assert_eq!(monthly_report::schedule(&app.state, day(1, 5)).await.unwrap(), 0);
    let queued: Vec<_> = jobs::list(&app.state.db, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == MONTHLY_REPORT_JOB)
        .collect();
    let payloads: Vec<Value> = queued.iter().map(|j| j.payload_as().unwrap()).collect();
    let mut users: Vec<i64> = payloads.iter().map(|p| p["user"].as_i64().unwrap()).collect();
    users.sort_unstable();
    expected.sort_unstable();
    assert_eq!(users, expected, "one job per steering account and unit leader");
    assert!(payloads.iter().all(|p| p["from"] == "2025-12-01" && p["to"] == "2025-12-31"), "{payloads:?}");
    assert!(queued.iter().all(|j| j.run_at == vn(2026, 1, 5, 7)), "at 07:00 on the day");

    let port = free_port();
    let smtp = SmtpServer::start(port, app.db.dir.path()).await;
    let mailer = Mailer::new(Some(&format!("smtp://127.0.0.1:{port}")), SENDER).unwrap();
    let handlers = monthly_report::register(worker::handlers(mailer.clone()), app.state.clone(), mailer);
    run_due_jobs(&app.state.db, &handlers, &WorkerConfig::default()).await;
    for j in &queued {
        assert_eq!(jobs::get(&app.state.db, j.id).await.unwrap().status, JobStatus::Done, "{j:?}");
    }
    assert_eq!(monthly_report::schedule(&app.state, day(1, 5)).await.unwrap(), 0, "not again once sent");

    let messages = smtp.messages();
    assert_eq!(messages.len(), expected.len(), "one message each");
    let parsed: Vec<_> = messages.iter().map(|raw| MessageParser::default().parse(raw).unwrap()).collect();
    let to = |address: &str| {
        let found: Vec<_> = parsed
            .iter()
            .filter(|m| m.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(address))
            .collect();
        assert_eq!(found.len(), 1, "{address}");
        found[0]
    };
    let m = to("dieuhanh@motcua.example.vn");
    let subject = m.subject().unwrap();
    assert!(subject.contains("tháng 12/2025") && subject.contains("Toàn tỉnh"), "{subject}");
    let text = m.body_text(0).unwrap().to_string();
    for line in [
        "Kính gửi Hoàng Văn Điều Hành,",
        "Tiếp nhận: 5 hồ sơ (kỳ trước chuyển qua 1, trực tuyến 2, trực tiếp hoặc bưu chính 2).",
        "Đã giải quyết: 3 hồ sơ (trước hạn 1, đúng hạn 1, quá hạn 1).",
        "Đang giải quyết: 2 hồ sơ, trong đó quá hạn 1.",
        "Điểm Bộ chỉ số 766: ",
        "/bao-cao/chi-so?tu=2025-12-01&den=2025-12-31",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert_eq!(m.attachment_count(), 1);
    let pdf = m.attachment(0).unwrap();
    assert_eq!(pdf.attachment_name(), Some("II06a-tinh-2025-12-01-2025-12-31.pdf"));
    assert_eq!(pdf.content_type().map(|c| (c.ctype(), c.subtype())), Some(("application", Some("pdf"))));
    let bytes = pdf.contents();
    assert!(bytes.starts_with(b"%PDF"));
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    if let Some(tool) = validators::pdfsig_tool() {
        let report = validators::pdfsig(&tool, file.path());
        assert!(report.success, "{}", report.text);
        assert_eq!(report.text.matches("Signature Validation: Signature is Valid.").count(), 1, "{}", report.text);
        assert!(report.text.contains(&format!("Signer Certificate Common Name: {PROVINCE}")), "{}", report.text);
    }
    // The department's leader gets the department's figures, with its rank among the units.
    let m = to("lanhdao@motcua.example.vn");
    let text = m.body_text(0).unwrap().to_string();
    for line in [
        "Tiếp nhận: 3 hồ sơ (kỳ trước chuyển qua 1, trực tuyến 1, trực tiếp hoặc bưu chính 1).",
        "Đã giải quyết: 3 hồ sơ (trước hạn 1, đúng hạn 1, quá hạn 1).",
        "Đang giải quyết: 0 hồ sơ, trong đó quá hạn 0.",
        "xếp hạng ",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    assert!(m.attachment(0).unwrap().attachment_name().unwrap().starts_with("II06a-"));

    // February's first working day is Monday the 2nd: January's reports, new jobs.
    assert_eq!(monthly_report::schedule(&app.state, day(2, 2)).await.unwrap(), expected.len());
}

/// March 2025.
const MARCH: &str = "from=2025-03-01&to=2025-03-31";

/// An incoming or outgoing document of `agency` as the office's tables hold it; its id.
struct MadeDocument<'a> {
    register: &'a str,
    number: Option<i64>,
    status: &'a str,
    received_at: Option<DateTime<Utc>>,
    issued_on: Option<&'a str>,
    digitized: bool,
    source: Option<i64>,
}

async fn insert_document(app: &TestApp, agency: &str, d: MadeDocument<'_>) -> i64 {
    let mut tx = app.state.db.write_tx().await.unwrap();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO office_documents (agency_code, register, secret_register, year, number, doc_type, subject, \
         subject_folded, issuer, issued_on, received_at, urgency, confidentiality, status, digitized, \
         source_document_id, created_at) \
         VALUES ($1, $2, 0, 2025, $3, 'official_letter', 'Về việc thử', 've viec thu', 'Sở Thử', $4, $5, 'normal', \
         'normal', $6, $7, $8, $9) RETURNING id",
    )
    .bind(agency)
    .bind(d.register)
    .bind(d.number)
    .bind(d.issued_on)
    .bind(d.received_at.map(|t| t.timestamp_millis()))
    .bind(d.status)
    .bind(i64::from(d.digitized))
    .bind(d.source)
    .bind(vn(2025, 1, 2, 8).timestamp_millis())
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Runs one statement with its values bound in order.
async fn exec(app: &TestApp, sql: &str, values: &[Value]) {
    let mut tx = app.state.db.write_tx().await.unwrap();
    let mut q = sqlx::query(sql);
    for v in values {
        q = match v {
            Value::String(s) => q.bind(s.clone()),
            Value::Number(n) => q.bind(n.as_i64().unwrap()),
            _ => q.bind(None::<i64>),
        };
    }
    q.execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// The hand-made month of the department of `chuyenvien` (and one commune dossier); returns
/// the department's code.
///
/// Dossiers (procedure of the department unless said):
///
/// | dossier | channel | received | outcome | fee | result | documents |
/// |---|---|---|---|---|---|---|
/// | I-A | online | 3 March | returned 5 March | paid online | sealed | 2 uploaded |
/// | I-B | desk | 4 March | returned 10 March | paid at the desk | — | 1 scanned, 1 not |
/// | I-C | national portal | 5 March | open | — | — | 1 reused |
/// | I-D | desk | 6 March | refused 7 March | — | — | none |
/// | I-E | desk | 6 March | withdrawn | — | — | — |
/// | I-F | desk | 20 February | returned 2 March | — | sealed | — |
/// | I-G (commune) | online | 10 March | open | — | — | — |
///
/// So for the department: received in March I-A, B, C, D (4), online A, C (2); with a fee A, B
/// (2), paid online A (1); given a result in March A, B, F (D was refused: 3), sealed A, F (2);
/// every document electronic A (uploaded online), C (national portal) (2 of 4). The province adds
/// I-G: online 3 of 5.
///
/// Officers of the department: chuyenvien, chuyenvien2, lanhdao, vanthu (4). In March chuyenvien
/// acts 3 times on dossiers, lanhdao once (and once in February), vanthu twice on a document:
/// 3 active, 4 dossier actions, 2 office actions, 6 ÷ 4 ÷ 1 month = 1.5.
///
/// Documents of the department: incoming in March from paper scanned (1), from paper not scanned
/// (2), from another agency through motcua (3), in an edXML package (4), and one in February;
/// outgoing issued 4 March signed, 10 March unsigned, a draft, and one issued in February. So
/// incoming 4, electronic 2, paper 2, scanned 1; issued 2, signed 1.
async fn seed_it(app: &TestApp) -> String {
    let department = agency_of(app, "chuyenvien").await;
    let dept = procedure(app, Some(&department), AgencyKind::Department);
    let commune = procedure(app, None, AgencyKind::Commune);
    let m = |day: u32, hour: u32| vn(2025, 3, day, hour);
    let due = m(20, 17);
    let mut a = MadeDossier::new("I-A", &dept, "online", "returned", m(3, 9), due).finished(m(5, 9));
    a.fee_vnd = 50_000;
    a.paid_online_at = Some(m(3, 10));
    a.sealed = true;
    a.documents = vec![(false, false), (false, false)];
    let mut b = MadeDossier::new("I-B", &dept, "in_person", "returned", m(4, 9), due).finished(m(10, 9));
    b.fee_vnd = 50_000;
    b.paid_at_desk_at = Some(m(4, 9));
    b.documents = vec![(true, false), (false, false)];
    let mut c = MadeDossier::new("I-C", &dept, "national_portal", "processing", m(5, 9), due);
    c.documents = vec![(false, true)];
    let d = MadeDossier::new("I-D", &dept, "in_person", "refused", m(6, 9), due).finished(m(7, 9));
    let e = MadeDossier::new("I-E", &dept, "in_person", "withdrawn", m(6, 9), due);
    let mut f = MadeDossier::new("I-F", &dept, "in_person", "returned", vn(2025, 2, 20, 9), m(5, 17)).finished(m(2, 9));
    f.sealed = true;
    let g = MadeDossier::new("I-G", &commune, "online", "processing", m(10, 9), due);
    let mut ids = Vec::new();
    for made in [a, b, c, d, e, f, g] {
        ids.push(insert_made(&app.state.db, &made).await);
    }
    let event = "INSERT INTO events (dossier_id, at, actor_user_id, actor_name, action, to_status) \
                 VALUES ($1, $2, $3, 'Cán bộ', 'forward', 'processing')";
    let (specialist, leader, clerk) =
        (user_id(app, "chuyenvien").await, user_id(app, "lanhdao").await, user_id(app, "vanthu").await);
    for (by, at) in [
        (specialist, m(3, 10)),
        (specialist, m(4, 10)),
        (specialist, m(31, 16)),
        (leader, m(5, 10)),
        (leader, vn(2025, 2, 28, 10)),
    ] {
        exec(app, event, &[ids[0].into(), at.timestamp_millis().into(), by.into()]).await;
    }

    let incoming = |number: i64, at: DateTime<Utc>| MadeDocument {
        register: "incoming",
        number: Some(number),
        status: "registered",
        received_at: Some(at),
        issued_on: Some("2025-02-27"),
        digitized: false,
        source: None,
    };
    let outgoing = |number: Option<i64>, status, issued_on| MadeDocument {
        register: "outgoing",
        number,
        status,
        received_at: None,
        issued_on,
        digitized: false,
        source: None,
    };
    let signed_out = insert_document(app, &department, outgoing(Some(1), "issued", Some("2025-03-04"))).await;
    let unsigned_out = insert_document(app, &department, outgoing(Some(2), "dispatched", Some("2025-03-10"))).await;
    insert_document(app, &department, outgoing(None, "draft", None)).await;
    insert_document(app, &department, outgoing(Some(3), "issued", Some("2025-02-25"))).await;
    for (document, signed) in [(signed_out, 1), (unsigned_out, 0)] {
        exec(
            app,
            "INSERT INTO office_attachments (id, document_id, purpose, file_name, content_type, size, sha256, \
             storage_key, created_at, signed) VALUES ($1, $2, 'issued', 'van-ban.pdf', 'application/pdf', 1, 'sha', \
             $1, $3, $4)",
            &[format!("issued-{document}").into(), document.into(), m(4, 9).timestamp_millis().into(), signed.into()],
        )
        .await;
    }
    let scanned = insert_document(app, &department, MadeDocument { digitized: true, ..incoming(1, m(3, 8)) }).await;
    insert_document(app, &department, incoming(2, m(4, 8))).await;
    insert_document(app, &department, MadeDocument { source: Some(signed_out), ..incoming(3, m(5, 8)) }).await;
    let packaged = insert_document(app, &department, incoming(4, m(6, 8))).await;
    insert_document(app, &department, incoming(5, vn(2025, 2, 27, 8))).await;
    exec(
        app,
        "INSERT INTO edxml_packages (document_id, direction, from_organ, from_name, to_organ, to_name, \
         incoming_document_id, storage_key, sha256, size, received_at) \
         VALUES ('000.00.00.G01,2025/03/06,12,CV-BTP', 'received', '000.00.00.G01', 'Bộ Tư pháp', $1, 'Sở', $2, \
         'edxml-1', 'sha', 1, $3)",
        &[department.clone().into(), packaged.into(), m(6, 8).timestamp_millis().into()],
    )
    .await;
    for at in [m(3, 9), m(3, 11)] {
        exec(
            app,
            "INSERT INTO office_events (document_id, at, user_id, actor_name, action, to_status) \
             VALUES ($1, $2, $3, 'Văn thư', 'comment', 'registered')",
            &[scanned.into(), at.timestamp_millis().into(), clerk.into()],
        )
        .await;
    }
    department
}

/// A share of the answer: (count, of, percent).
fn share(v: &Value) -> (u64, u64, Option<f64>) {
    (v["count"].as_u64().unwrap(), v["of"].as_u64().unwrap(), v["percent"].as_f64())
}

async fn the_it_application_figures_count_what_was_done(engine: TestEngine) {
    let app = spawn(engine).await;
    let department = seed_it(&app).await;
    let steering = app.login("dieuhanh").await;
    let (status, body) =
        app.get(&format!("/api/v1/reports/it-application?{MARCH}&agency={department}"), Some(&steering)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agency"]["code"], department.as_str());
    assert_eq!((body["from"].as_str(), body["to"].as_str()), (Some("2025-03-01"), Some("2025-03-31")));
    let d = &body["dossiers"];
    assert_eq!(share(&d["online"]), (2, 4, Some(50.0)), "{body}");
    assert_eq!(share(&d["paid_online"]), (1, 2, Some(50.0)));
    assert_eq!(share(&d["electronic_results"]), (2, 3, Some(66.67)));
    assert_eq!(share(&d["digitised"]), (2, 4, Some(50.0)));
    // The procedures of the department in the catalog, by level.
    let catalog = app.state.catalog();
    let level =
        |l: OnlineLevel| catalog.procedures.iter().filter(|p| p.agency.code == department && p.level == l).count();
    let p = &body["procedures"];
    assert_eq!(p["full"].as_u64().unwrap() as usize, level(OnlineLevel::Full));
    assert_eq!(p["partial"].as_u64().unwrap() as usize, level(OnlineLevel::Partial));
    assert_eq!(p["offline"].as_u64().unwrap() as usize, level(OnlineLevel::Offline));
    assert!(p["total"].as_u64().unwrap() > 0);
    assert_eq!(body["months"].as_f64(), Some(1.0));
    let o = &body["officers"];
    assert_eq!(
        (o["officers"].as_u64(), o["active"].as_u64(), o["dossier_actions"].as_u64(), o["office_actions"].as_u64()),
        (Some(4), Some(3), Some(4), Some(2)),
        "{body}"
    );
    assert_eq!(o["actions_per_officer_per_month"].as_f64(), Some(1.5));
    assert_eq!(body["by_agency"].as_array().unwrap().len(), 1);
    let office = &body["office"];
    assert_eq!(
        (
            office["incoming"]["total"].as_u64(),
            office["incoming"]["electronic"].as_u64(),
            office["incoming"]["paper"].as_u64(),
            office["incoming"]["digitised"].as_u64()
        ),
        (Some(4), Some(2), Some(2), Some(1)),
        "{body}"
    );
    assert_eq!((office["outgoing"]["issued"].as_u64(), office["outgoing"]["signed"].as_u64()), (Some(2), Some(1)));
    // The shares are the indicators' own: the dashboard says the same.
    let (_, indicators) =
        app.get(&format!("/api/v1/reports/indicators?{MARCH}&agency={department}"), Some(&steering)).await;
    let unit = &indicators["units"][0];
    let of = |code: &str| {
        let i = unit["indicators"].as_array().unwrap().iter().find(|i| i["code"] == code).unwrap();
        (i["numerator"].as_u64().unwrap(), i["denominator"].as_u64().unwrap())
    };
    assert_eq!(of("3.3"), (2, 4));
    assert_eq!(of("4.1"), (2, 3));

    // The province: the commune's online dossier too; the department first among the units.
    let (status, body) = app.get(&format!("/api/v1/reports/it-application?{MARCH}"), Some(&steering)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agency"], Value::Null);
    assert_eq!(share(&body["dossiers"]["online"]), (3, 5, Some(60.0)));
    assert_eq!(body["officers"]["dossier_actions"].as_u64(), Some(4));
    assert_eq!(body["officers"]["office_actions"].as_u64(), Some(2));
    assert_eq!(body["by_agency"][0]["agency"]["code"], department.as_str());
    assert_eq!(body["by_agency"][0]["actions_per_officer_per_month"].as_f64(), Some(1.5));
    let units = body["by_agency"].as_array().unwrap();
    let officers: u64 = units.iter().map(|u| u["officers"].as_u64().unwrap()).sum();
    assert_eq!(body["officers"]["officers"].as_u64(), Some(officers));
    assert!(units.iter().skip(1).all(|u| u["actions_per_officer_per_month"].as_f64() == Some(0.0)), "{body}");
    let total = &body["procedures"]["total"];
    assert_eq!(total.as_u64().unwrap() as usize, catalog.procedures.len());
    // Half of March: the same actions over half a month's share of days.
    let (_, half) = app
        .get(
            &format!("/api/v1/reports/it-application?from=2025-03-01&to=2025-03-15&agency={department}"),
            Some(&steering),
        )
        .await;
    // chuyenvien's third action was on the 31st.
    assert_eq!(half["officers"]["dossier_actions"].as_u64(), Some(3), "{half}");
    let rate = half["officers"]["actions_per_officer_per_month"].as_f64().unwrap();
    assert!((rate - 5.0 / 4.0 / (15.0 / 31.0)).abs() < 0.01, "{rate}");
}

async fn the_it_application_figures_answer_their_readers_and_show_as_a_page(engine: TestEngine) {
    let app = spawn(engine).await;
    let department = seed_it(&app).await;
    // A unit's leader reads their own unit's, and nobody else's.
    let leader = app.login("lanhdao").await;
    let (status, body) = app.get(&format!("/api/v1/reports/it-application?{MARCH}"), Some(&leader)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agency"]["code"], department.as_str());
    let commune = procedure(&app, None, AgencyKind::Commune).2;
    for path in [
        format!("/api/v1/reports/it-application?{MARCH}&agency={commune}"),
        format!("/bao-cao/ung-dung-cntt?don_vi={commune}"),
    ] {
        let (status, _) = app.get(&path, Some(&leader)).await;
        assert_eq!(status, 404, "{path}");
    }
    let citizen = app.login("congdan").await;
    for path in [format!("/api/v1/reports/it-application?{MARCH}"), "/bao-cao/ung-dung-cntt".to_string()] {
        let (status, _) = app.get(&path, Some(&citizen)).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = app.get(&format!("/api/v1/reports/it-application?{MARCH}"), None).await;
    assert_eq!(status, 401);
    let steering = app.login("dieuhanh").await;
    let (status, body) = app.get("/api/v1/reports/it-application?from=2025-03-31&to=2025-03-01", Some(&steering)).await;
    assert_eq!(status, 422, "{body}");

    // The page of the department: its tables, charts and sentences, figures linked to dossiers.
    let (status, page) = app
        .get(&format!("/bao-cao/ung-dung-cntt?tu=2025-03-01&den=2025-03-31&don_vi={department}"), Some(&steering))
        .await;
    let page = page.as_str().unwrap_or_default().to_string();
    assert_eq!(status, 200, "{page}");
    for text in [
        "Ứng dụng công nghệ thông tin",
        "Tháng này",
        "Quý trước",
        "aria-labelledby=\"chart-levels-title chart-levels-desc\"",
        "aria-labelledby=\"chart-dossiers-title chart-dossiers-desc\"",
        "id=\"levels\"",
        "id=\"dossiers\"",
        "id=\"officers\"",
        "id=\"office\"",
        "4 cán bộ xử lý, 3 cán bộ có thao tác trong kỳ; bình quân 1,5 thao tác mỗi cán bộ mỗi tháng.",
        "2/4 văn bản đến nhận điện tử (50,0%); 1/2 văn bản đi phát hành có chữ ký số (50,0%).",
        "Trong kỳ: tiếp nhận trực tuyến 50,0%, thanh toán trực tuyến 50,0%, trả kết quả điện tử 66,7%, số hóa đầy đủ 50,0%.",
    ] {
        assert!(page.contains(text), "the page shows {text}");
    }
    assert!(!page.contains("style="), "no inline style under the CSP");
    // The count of dossiers received online leads to those two dossiers.
    let row = &page[page.find("id=\"dossiers\"").unwrap()..];
    let href =
        row.split("<a href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&").replace("&#38;", "&");
    assert!(href.contains("chi_so=3.3") && href.contains("phan=numerator"), "{href}");
    let (status, list) = app.get(&href, Some(&steering)).await;
    assert_eq!(status, 200);
    assert!(list.as_str().unwrap().contains("id=\"count\">2 hồ sơ"), "{href}");
    // The province's page ranks the units by their officers' use; English in English.
    let (_, page) = app.get("/bao-cao/ung-dung-cntt?tu=2025-03-01&den=2025-03-31", Some(&steering)).await;
    let page = page.as_str().unwrap().to_string();
    assert!(
        page.contains("aria-labelledby=\"chart-officers-title chart-officers-desc\"") && page.contains("id=\"units\"")
    );
    let res = app
        .http
        .get(app.url("/bao-cao/ung-dung-cntt?tu=2025-03-01&den=2025-03-31"))
        .bearer_auth(&steering)
        .header("Cookie", "lang=en")
        .send()
        .await
        .unwrap();
    let english = res.text().await.unwrap();
    assert!(english.contains("IT application in administrative procedures"), "{english}");
    assert!(english.contains("actions per officer per month"), "{english}");
    // The dashboard links here.
    let (_, dashboard) = app.get("/bao-cao/chi-so?tu=2025-03-01&den=2025-03-31", Some(&steering)).await;
    assert!(dashboard.as_str().unwrap().contains("href=\"/bao-cao/ung-dung-cntt?tu=2025-03-01&amp;den=2025-03-31\""));
}
