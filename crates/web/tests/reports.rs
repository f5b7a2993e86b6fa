//! The steering reports over HTTP on SQLite and PostgreSQL: who may read the II.06a report of
//! what, its figures over hand-made dossiers, the workbook read back and the PDF's signature
//! checked by Poppler's `pdfsig` (skipped without it, except under CI).

mod common;
#[path = "../../signing/tests/common/validators.rs"]
mod validators;

use std::io::Cursor;
use std::path::Path;
use std::sync::OnceLock;

use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, TimeZone, Utc};
use common::TestApp;
use motcua_app::pki::{init_test_ca, AgencySigners, AgencyToCertify};
use motcua_domain::catalog::AgencyKind;
use motcua_testkit::{on_both_engines, TestEngine};
use serde_json::Value;

on_both_engines!(the_ii06a_report_answers_its_readers_only, the_ii06a_report_downloads_as_a_workbook_and_a_signed_pdf);

/// The provincial committee, which files the province's report.
const PROVINCE: &str = "Ủy ban nhân dân tỉnh Lào Cai";

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
        signers: std::sync::Arc::new(AgencySigners::load(pki()).unwrap()),
        ..Default::default()
    };
    TestApp::spawn_with(engine, config).await
}

/// An instant in Vietnam time, March 2025.
fn vn(day: u32, hour: u32) -> DateTime<Utc> {
    motcua_domain::calendar::vn_offset().with_ymd_and_hms(2025, 3, day, hour, 0, 0).unwrap().with_timezone(&Utc)
}

/// The first procedure led by an agency of `kind`: version id, code, agency code.
async fn procedure_of(app: &TestApp, kind: AgencyKind) -> (i64, String, String) {
    let p = app.state.catalog().procedures.iter().find(|p| p.agency.kind == kind).cloned().expect("a procedure");
    (p.version_id, p.code.clone(), p.agency.code.clone())
}

/// A dossier as the database would hold it after its history: channel, status and times.
async fn insert(
    app: &TestApp,
    code: &str,
    procedure: &(i64, String, String),
    channel: &str,
    status: &str,
    times: (DateTime<Utc>, Option<DateTime<Utc>>, DateTime<Utc>),
) {
    let (received, finished, due) = times;
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query(
        "INSERT INTO dossiers (code, procedure_version_id, procedure_code, lead_agency, applicant_name, \
         applicant_phone, channel, data, status, submitted_at, received_at, due_at, finished_at) \
         VALUES ($1, $2, $3, $4, 'Nguyễn Văn Thử', '0912000000', $5, '{}', $6, $7, $7, $8, $9)",
    )
    .bind(code)
    .bind(procedure.0)
    .bind(&procedure.1)
    .bind(&procedure.2)
    .bind(channel)
    .bind(status)
    .bind(received.timestamp_millis())
    .bind(due.timestamp_millis())
    .bind(finished.map(|f| f.timestamp_millis()))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Four dossiers of a department and two of a commune in March 2025; returns the department's
/// and the commune's codes.
async fn seed(app: &TestApp) -> (String, String) {
    let department = procedure_of(app, AgencyKind::Department).await;
    let commune = procedure_of(app, AgencyKind::Commune).await;
    insert(app, "R-1", &department, "online", "returned", (vn(3, 9), Some(vn(5, 9)), vn(10, 17))).await;
    insert(app, "R-2", &department, "in_person", "returned", (vn(4, 9), Some(vn(10, 9)), vn(10, 17))).await;
    insert(app, "R-3", &department, "national_portal", "refused", (vn(5, 9), Some(vn(20, 9)), vn(12, 17))).await;
    insert(app, "R-4", &department, "postal", "withdrawn", (vn(5, 9), Some(vn(6, 9)), vn(12, 17))).await;
    insert(app, "R-5", &commune, "in_person", "processing", (vn(6, 9), None, vn(14, 17))).await;
    insert(app, "R-6", &commune, "online", "processing", (vn(28, 9), None, vn(30, 17) + chrono::Duration::days(5)))
        .await;
    (department.2, commune.2)
}

const MARCH: &str = "from=2025-03-01&to=2025-03-31";

fn figures(counts: &Value) -> [u64; 11] {
    let n = |group: &str, key: &str| counts[group][key].as_u64().unwrap_or_else(|| panic!("{group}.{key}: {counts}"));
    [
        n("received", "total"),
        n("received", "carried_over"),
        n("received", "online"),
        n("received", "direct"),
        n("resolved", "total"),
        n("resolved", "early"),
        n("resolved", "on_time"),
        n("resolved", "late"),
        n("in_progress", "total"),
        n("in_progress", "in_time"),
        n("in_progress", "overdue"),
    ]
}

async fn the_ii06a_report_answers_its_readers_only(engine: TestEngine) {
    let app = spawn(engine).await;
    let (department, commune) = seed(&app).await;
    let steering = app.login("dieuhanh").await;
    let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{MARCH}"), Some(&steering)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agency"], Value::Null);
    assert_eq!((body["from"].as_str(), body["to"].as_str()), (Some("2025-03-01"), Some("2025-03-31")));
    assert!(body["as_of"].as_str().unwrap().ends_with("+07:00"), "{body}");
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{body}");
    assert_eq!(rows[0]["level"], "province");
    assert_eq!(rows[1]["level"], "commune");
    assert!(rows[0]["field"]["code"].is_string() && rows[0]["field"]["name"].is_string());
    // The department: one online early, one at the desk on the due day, one refused late; the
    // withdrawn one not at all.
    assert_eq!(figures(&rows[0]), [3, 0, 2, 1, 3, 1, 1, 1, 0, 0, 0]);
    // The commune: one overdue at the end of March, one due in April.
    assert_eq!(figures(&rows[1]), [2, 0, 1, 1, 0, 0, 0, 0, 2, 1, 1]);
    assert_eq!(figures(&body["total"]), [5, 0, 3, 2, 3, 1, 1, 1, 2, 1, 1]);

    // The steering role reads any agency's, the administrator too.
    let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{MARCH}&agency={commune}"), Some(&steering)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agency"]["code"], commune.as_str());
    assert_eq!(figures(&body["total"]), [2, 0, 1, 1, 0, 0, 0, 0, 2, 1, 1]);
    let admin = app.login("quantri").await;
    let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{MARCH}"), Some(&admin)).await;
    assert_eq!((status, figures(&body["total"])[0]), (200, 5), "{body}");

    // An officer reads their own agency's, and nobody else's.
    let leader = officer_of(&app, &department, "leader").await;
    let leader = app.login(&leader).await;
    let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{MARCH}"), Some(&leader)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["agency"]["code"], department.as_str());
    assert_eq!(figures(&body["total"]), [3, 0, 2, 1, 3, 1, 1, 1, 0, 0, 0]);
    for path in [
        format!("/api/v1/reports/ii06a?{MARCH}&agency={commune}"),
        format!("/api/v1/reports/ii06a?{MARCH}&agency=nowhere"),
    ] {
        let (status, body) = app.get(&path, Some(&leader)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{path}: {body}");
    }
    let other = officer_of(&app, &commune, "specialist").await;
    let other = app.login(&other).await;
    let (status, _) = app.get(&format!("/api/v1/reports/ii06a?{MARCH}&agency={department}"), Some(&other)).await;
    assert_eq!(status, 404);
    let citizen = app.login("congdan").await;
    for query in [MARCH.to_string(), format!("{MARCH}&agency={department}"), "from=x".to_string()] {
        let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{query}"), Some(&citizen)).await;
        assert_eq!(status, 404, "{query}: {body}");
    }
    let (status, _) = app.get(&format!("/api/v1/reports/ii06a?{MARCH}"), None).await;
    assert_eq!(status, 401);

    // Periods are checked: both days, in order, at most a year.
    for (query, field) in [
        ("from=2025-03-01", "to"),
        ("from=2025-03-31&to=2025-03-01", "to"),
        ("from=2024-01-01&to=2025-03-01", "to"),
        ("from=31-03-2025&to=2025-04-01", "from"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{query}"), Some(&steering)).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
    }

    // The page shows the same table, its usual periods a click away.
    let (status, page) = app.get("/bao-cao/ii06a?tu=2025-03-01&den=2025-03-31", Some(&steering)).await;
    let page = page.as_str().unwrap_or_default().to_string();
    assert_eq!(status, 200, "{page}");
    for text in [
        "Biểu II.06a",
        "Tháng này",
        "Quý trước",
        "12 tháng",
        "class=\"table-scroll\"",
        "Tổng cộng",
        "ii06a.xlsx?tu=2025-03-01",
    ] {
        assert!(page.contains(text), "the page shows {text}");
    }
    let (status, _) = app.get("/bao-cao/ii06a", Some(&citizen)).await;
    assert_eq!(status, 404);
}

/// A demo officer of the agency `code` with `role`.
async fn officer_of(app: &TestApp, code: &str, role: &str) -> String {
    let (name,): (String,) = sqlx::query_as(
        "SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE u.agency_code = $1 AND r.role = $2 ORDER BY u.username LIMIT 1",
    )
    .bind(code)
    .bind(role)
    .fetch_one(app.state.db.reader())
    .await
    .expect("a demo officer");
    name
}

async fn the_ii06a_report_downloads_as_a_workbook_and_a_signed_pdf(engine: TestEngine) {
    let app = spawn(engine).await;
    seed(&app).await;
    let steering = app.login("dieuhanh").await;
    let (status, bytes) = app.get_bytes("/bao-cao/ii06a.xlsx?tu=2025-03-01&den=2025-03-31", Some(&steering)).await;
    assert_eq!(status, 200);
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX workbook");
    let sheet = book.worksheet_range("II.06a").expect("the II.06a sheet");
    let cells: Vec<Vec<String>> = sheet
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    let find = |text: &str| cells.iter().position(|r| r.iter().any(|c| c == text));
    let heading = find("Số hồ sơ nhận giải quyết").expect("the received heading");
    for group in ["STT", "Lĩnh vực", "Số hồ sơ đã giải quyết", "Số hồ sơ đang giải quyết"] {
        assert!(cells[heading].iter().any(|c| c == group), "{group} in {:?}", cells[heading]);
    }
    let under = &cells[heading + 1];
    let expected = [
        "Tổng số",
        "Trong đó: Số kỳ trước chuyển qua",
        "Số mới tiếp nhận trực tuyến",
        "Số mới tiếp nhận trực tiếp hoặc dịch vụ bưu chính",
        "Tổng số",
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "Tổng số",
        "Trong hạn",
        "Quá hạn",
    ];
    assert_eq!(&under[2..13], expected);
    let row = |label: &str| cells.iter().find(|r| r.get(1).is_some_and(|c| c == label)).cloned().unwrap();
    assert_eq!(row("Cấp tỉnh")[0], "I");
    assert_eq!(row("Cấp xã")[0], "II");
    assert_eq!(row("Tổng cộng")[2..13], ["5", "0", "3", "2", "3", "1", "1", "1", "2", "1", "1"]);
    assert_eq!(row("Cấp xã")[2..13], ["2", "0", "1", "1", "0", "0", "0", "0", "2", "1", "1"]);

    let (status, pdf) = app.get_bytes("/bao-cao/ii06a.pdf?tu=2025-03-01&den=2025-03-31", Some(&steering)).await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF"));
    // A4 on its side.
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/MediaBox [0 0 841.8") || text.contains("/MediaBox[0 0 841.8"), "A4 landscape");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &pdf).unwrap();
    if let Some(tool) = validators::pdfsig_tool() {
        let report = validators::pdfsig(&tool, file.path());
        assert!(report.success, "{}", report.text);
        assert_eq!(report.text.matches("Signature Validation: Signature is Valid.").count(), 1, "{}", report.text);
        assert!(report.text.contains(&format!("Signer Certificate Common Name: {PROVINCE}")), "{}", report.text);
    }
    let citizen = app.login("congdan").await;
    let (status, _) = app.get_bytes("/bao-cao/ii06a.pdf?tu=2025-03-01&den=2025-03-31", Some(&citizen)).await;
    assert_eq!(status, 404);
}
