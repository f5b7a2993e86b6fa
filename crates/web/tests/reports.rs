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
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use common::TestApp;
use motcua_app::pki::{init_test_ca, AgencyToCertify, Signers};
use motcua_domain::catalog::AgencyKind;
use motcua_domain::indicators::{Code, Tally};
use motcua_domain::report::{vn_day, Period};
use motcua_testkit::{insert_made, on_both_engines, MadeDossier, TestEngine};
use serde_json::Value;
use sqlx::Row;

on_both_engines!(
    the_ii06a_report_answers_its_readers_only,
    the_ii06a_report_downloads_as_a_workbook_and_a_signed_pdf,
    every_ii06a_figure_lists_the_dossiers_it_counts,
    the_indicators_count_dossiers_of_known_outcomes,
    every_figure_lists_the_dossiers_it_counts,
    the_indicators_answer_their_readers_only,
    the_transparency_page_needs_no_sign_in,
    the_counters_move_with_each_event_and_agree_with_a_rebuild,
);

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
        signers: std::sync::Arc::new(Signers::load(pki()).unwrap()),
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

/// A dossier as the database would hold it after its history, counted: channel, status and
/// times.
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
    // Counted as if it had just finished, as the store's transitions would have.
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM dossiers WHERE code = $1")
        .bind(code)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    motcua_store::indicator_counts::count_written(&app.state.db, id, Utc::now()).await.unwrap();
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

/// The codes of the dossiers behind a figure of II.06a in March 2025, and the total said.
async fn ii06a_listed(app: &TestApp, token: &str, query: &str) -> (u64, Vec<String>) {
    let (status, body) = app.get(&format!("/api/v1/reports/ii06a/dossiers?{MARCH}&{query}"), Some(token)).await;
    assert_eq!(status, 200, "{query}: {body}");
    let mut codes: Vec<String> =
        body["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    (body["total"].as_u64().unwrap(), codes)
}

/// Every figure of the report, of each row, each level and the total, opens to as many dossiers
/// as it says, placed by the report's definitions; the page links each figure to its list.
async fn every_ii06a_figure_lists_the_dossiers_it_counts(engine: TestEngine) {
    let app = spawn(engine).await;
    let (department, commune) = seed(&app).await;
    let steering = app.login("dieuhanh").await;
    let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{MARCH}"), Some(&steering)).await;
    assert_eq!(status, 200, "{body}");
    let columns = [
        "received",
        "carried_over",
        "online",
        "direct",
        "resolved",
        "early",
        "on_time",
        "late",
        "in_progress",
        "in_time",
        "overdue",
    ];
    let mut asked = vec![(String::new(), figures(&body["total"]))];
    for row in body["rows"].as_array().unwrap() {
        let (level, field) = (row["level"].as_str().unwrap(), row["field"]["code"].as_str().unwrap());
        asked.push((format!("level={level}&field={field}"), figures(row)));
        asked.push((format!("level={level}"), figures(row)));
    }
    for (query, numbers) in &asked {
        for (column, figure) in columns.iter().zip(numbers) {
            let (total, codes) = ii06a_listed(&app, &steering, &format!("column={column}&{query}")).await;
            assert_eq!(total, *figure, "{column} {query}");
            assert_eq!(codes.len() as u64, total, "one page holds them all");
        }
    }
    // The dossiers and where they end up (see `seed`).
    let (_, online) = ii06a_listed(&app, &steering, "column=online").await;
    assert_eq!(online, ["R-1", "R-3", "R-6"], "the national portal is online");
    let (_, late) = ii06a_listed(&app, &steering, "column=late&level=province").await;
    assert_eq!(late, ["R-3"], "refused after its due date");
    let (status, body) =
        app.get(&format!("/api/v1/reports/ii06a/dossiers?{MARCH}&column=in_progress"), Some(&steering)).await;
    assert_eq!(status, 200);
    let outcomes: Vec<(&str, &str)> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [("R-6", "in_time"), ("R-5", "overdue")], "latest received first");
    assert_eq!(body["items"][0]["level"], "commune");
    assert!(body["items"][0].get("applicant").is_none(), "no applicant: {body}");

    // Read as the report is; a figure that does not exist is named.
    let other = officer_of(&app, &commune, "specialist").await;
    let other = app.login(&other).await;
    let (status, _) =
        app.get(&format!("/api/v1/reports/ii06a/dossiers?{MARCH}&column=late&agency={department}"), Some(&other)).await;
    assert_eq!(status, 404);
    let (total, codes) = ii06a_listed(&app, &other, "column=received").await;
    assert_eq!((total, codes), (2, vec!["R-5".to_string(), "R-6".to_string()]), "their own agency's");
    for (query, field) in [("column=total", "column"), ("", "column"), ("column=late&level=district", "level")] {
        let (status, body) = app.get(&format!("/api/v1/reports/ii06a/dossiers?{MARCH}&{query}"), Some(&steering)).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
    }

    // The page links each figure to its list, and the list shows the dossiers.
    let (_, page) = app.get("/bao-cao/ii06a?tu=2025-03-01&den=2025-03-31", Some(&steering)).await;
    let page = page.as_str().unwrap_or_default().to_string();
    assert!(
        page.contains(
            "/bao-cao/ii06a/ho-so?tu=2025-03-01&#38;den=2025-03-31&#38;cot=late&#38;cap=province&#38;linh_vuc="
        ),
        "{page}"
    );
    let (status, list) =
        app.get("/bao-cao/ii06a/ho-so?tu=2025-03-01&den=2025-03-31&cot=in_progress&cap=commune", Some(&steering)).await;
    let list = list.as_str().unwrap_or_default().to_string();
    assert_eq!(status, 200, "{list}");
    for text in
        ["R-5", "R-6", "Số hồ sơ đang giải quyết", "Cấp xã", "Kết quả (Biểu II.06a)", "2 hồ sơ", "Về Biểu II.06a"]
    {
        assert!(list.contains(text), "the list shows {text}: {list}");
    }
    assert!(!list.contains("R-1"));
    let (status, _) = app.get("/bao-cao/ii06a/ho-so?tu=2025-03-01&den=2025-03-31&cot=nothing", Some(&steering)).await;
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

/// March to May 2025: the period of the indicators' tests.
const SPRING: &str = "from=2025-03-01&to=2025-05-31";

/// A procedure of a department whose limit is counted in days (3 to 15), so that dossiers can
/// be placed on either side of its due date within the period; its version id, code, agency
/// and the due date of a dossier received at the desk on Monday 3 March 2025 at 09:00.
fn department_procedure(app: &TestApp) -> ((i64, String, String), DateTime<Utc>) {
    use motcua_domain::calendar::TimeUnit;
    let catalog = app.state.catalog();
    let p = catalog
        .procedures
        .iter()
        .find(|p| {
            p.agency.kind == AgencyKind::Department
                && matches!(p.limit.unit, TimeUnit::WorkingDays | TimeUnit::Days)
                && (3..=15).contains(&p.limit.amount)
        })
        .expect("a department procedure counted in days");
    let rule = catalog.counting_rule(&p.agency.code);
    let due = motcua_domain::calendar::due_at(&app.state.calendar(), &rule, vn(3, 9), p.limit);
    ((p.version_id, p.code.clone(), p.agency.code.clone()), due)
}

/// The department's dossiers of known outcomes, March to May 2025, and one of a commune:
/// returns the department's and the commune's codes.
///
/// | dossier | channel | outcome (766) | fee | result | documents | rating |
/// |---|---|---|---|---|---|---|
/// | K-EARLY | online | on time, next day | paid online | sealed | 2 uploaded | very satisfied |
/// | K-LATE | desk | late, two days after due | paid at the desk | not sealed | 1 scanned, 1 not | not satisfied |
/// | K-TWICE | national portal | two supplement requests: late, though done in 3 days | — | sealed | 1 reused | — |
/// | K-WAIT | post | waited 3 days, refused a day after the due date: on time | — | refused | — | not satisfied |
/// | K-OPEN-LATE | desk | open at the end of May, overdue | — | — | — | — |
/// | K-OPEN | online | received 30 May, within time | — | — | — | — |
/// | K-GONE | desk | withdrawn: nowhere | — | — | — | — |
async fn seed_outcomes(app: &TestApp) -> (String, String) {
    let (department, due) = department_procedure(app);
    let commune = procedure_of(app, AgencyKind::Commune).await;
    let day = chrono::Duration::days(1);
    let received = vn(3, 9);
    let made = |code: &str, channel: &'static str, status: &'static str| {
        MadeDossier::new(code, &department, channel, status, received, due)
    };
    let mut early = made("K-EARLY", "online", "returned").finished(received + day);
    early.fee_vnd = 50_000;
    early.paid_online_at = Some(received + chrono::Duration::hours(1));
    early.sealed = true;
    early.documents = vec![(false, false), (false, false)];
    early.rating = Some((received + day * 2, "very_satisfied"));
    let mut late = made("K-LATE", "in_person", "returned").finished(due + day * 2);
    late.fee_vnd = 50_000;
    late.paid_at_desk_at = Some(received);
    late.documents = vec![(true, false), (false, false)];
    late.rating = Some((due + day * 3, "not_satisfied"));
    let mut twice = made("K-TWICE", "national_portal", "returned").finished(vn(6, 9));
    twice.events = vec![
        (vn(4, 9), "request_supplement"),
        (vn(4, 15), "supplement"),
        (vn(5, 9), "request_supplement"),
        (vn(5, 15), "supplement"),
        (vn(6, 9), "issue_result"),
    ];
    twice.sealed = true;
    twice.documents = vec![(false, true)];
    let mut wait = made("K-WAIT", "postal", "refused").finished(due + day);
    wait.events = vec![(vn(4, 9), "request_supplement"), (vn(7, 9), "supplement"), (due + day, "refuse")];
    wait.rating = Some((due + day * 2, "not_satisfied"));
    let open_late = made("K-OPEN-LATE", "in_person", "processing");
    let mut open = made("K-OPEN", "online", "processing");
    open.received_at = vn_may(30, 9);
    let gone = made("K-GONE", "in_person", "withdrawn");
    let mut commune_done =
        MadeDossier::new("K-COMMUNE", &commune, "online", "returned", received, due).finished(received + day);
    commune_done.rating = Some((received + day, "satisfied"));
    for d in [early, late, twice, wait, open_late, open, gone, commune_done] {
        insert_made(&app.state.db, &d).await;
    }
    (department.2, commune.2)
}

/// An instant in Vietnam time, May 2025.
fn vn_may(day: u32, hour: u32) -> DateTime<Utc> {
    motcua_domain::calendar::vn_offset().with_ymd_and_hms(2025, 5, day, hour, 0, 0).unwrap().with_timezone(&Utc)
}

/// A unit's entry of the answer.
fn unit<'a>(body: &'a Value, agency: &str) -> &'a Value {
    body["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["agency"]["code"] == agency)
        .unwrap_or_else(|| panic!("{agency} in {body}"))
}

/// An indicator's numerator and denominator.
fn fraction(entry: &Value, code: &str) -> (f64, f64) {
    let i =
        entry["indicators"].as_array().unwrap().iter().find(|i| i["code"] == code).unwrap_or_else(|| panic!("{code}"));
    (i["numerator"].as_f64().unwrap(), i["denominator"].as_f64().unwrap())
}

async fn the_indicators_count_dossiers_of_known_outcomes(engine: TestEngine) {
    let app = spawn(engine).await;
    let (department, commune) = seed_outcomes(&app).await;
    let steering = app.login("dieuhanh").await;
    let (status, body) = app.get(&format!("/api/v1/reports/indicators?{SPRING}"), Some(&steering)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["from"].as_str(), body["to"].as_str()), (Some("2025-03-01"), Some("2025-05-31")));
    let d = unit(&body, &department);
    // Measured by 2.1: the six not withdrawn; on time or within time: EARLY, WAIT, OPEN.
    assert_eq!(fraction(d, "2.1"), (3.0, 6.0), "{d}");
    // Received online: EARLY, OPEN (portal), TWICE (national portal).
    assert_eq!(fraction(d, "3.3"), (3.0, 6.0));
    // Fee-bearing: EARLY (paid online), LATE (paid at the desk).
    assert_eq!(fraction(d, "3.6"), (1.0, 2.0));
    // Results issued: EARLY, LATE, TWICE (WAIT was refused); sealed: EARLY, TWICE.
    assert_eq!(fraction(d, "4.1"), (2.0, 3.0));
    // Every document electronic: EARLY (uploaded online), TWICE (reused).
    assert_eq!(fraction(d, "4.2"), (2.0, 6.0));
    assert_eq!(fraction(d, "4.3"), (1.0, 6.0));
    // Neither late nor "not satisfied": EARLY and OPEN (WAIT was on time but rated not satisfied).
    assert_eq!(fraction(d, "5.4"), (2.0, 6.0));
    // Resolved: four; the average time is a number of days.
    assert_eq!(fraction(d, "2.2").1, 4.0);
    let two_two = d["indicators"].as_array().unwrap().iter().find(|i| i["code"] == "2.2").unwrap();
    assert!(two_two["value"].as_f64().unwrap() > 0.0);
    // 3.1 counts the department's procedures in the catalog.
    let catalog = app.state.catalog();
    let procedures: Vec<_> = catalog.procedures.iter().filter(|p| p.agency.code == department).collect();
    let online = procedures.iter().filter(|p| p.level.is_online()).count();
    assert_eq!(fraction(d, "3.1"), (online as f64, procedures.len() as f64));
    // Every indicator: value = numerator ÷ denominator, points = max × min(1, value ÷ target).
    let mut earned = 0.0;
    let mut measured = 0.0;
    let mut all = 0.0;
    for i in d["indicators"].as_array().unwrap() {
        assert!(i["name"].as_str().is_some_and(|n| !n.is_empty()), "{i}");
        let max = i["max_points"].as_f64().unwrap();
        all += max;
        let Some(value) = i["value"].as_f64() else {
            assert!(i["points"].is_null());
            continue;
        };
        let (n, m) = (i["numerator"].as_f64().unwrap(), i["denominator"].as_f64().unwrap());
        if i["code"] != "2.2" {
            assert!((value - n * 100.0 / m).abs() < 0.01, "{i}");
            let points = max * (value / i["target"].as_f64().unwrap()).min(1.0);
            assert!((i["points"].as_f64().unwrap() - points).abs() < 0.01, "{i}");
        }
        earned += i["points"].as_f64().unwrap();
        measured += max;
    }
    assert!((d["score"].as_f64().unwrap() - earned * all / measured).abs() < 0.05, "{d}");
    // The commune's one dossier, on time and satisfied.
    let c = unit(&body, &commune);
    assert_eq!(fraction(c, "2.1"), (1.0, 1.0));
    assert_eq!(fraction(c, "5.4"), (1.0, 1.0));
    // The province: every unit together.
    assert_eq!(fraction(&body["province"], "2.1"), (4.0, 7.0));
    assert!(body["province"]["rank"].is_null());
    // Ranks: 1 to n, best score first.
    let ranks: Vec<u64> = body["units"].as_array().unwrap().iter().map(|u| u["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, (1..=ranks.len() as u64).collect::<Vec<_>>());
    let scores: Vec<f64> = body["units"].as_array().unwrap().iter().map(|u| u["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Names in the caller's language.
    let res = app
        .http
        .get(app.url(&format!("/api/v1/reports/indicators?{SPRING}")))
        .bearer_auth(&steering)
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    let english: Value = res.json().await.unwrap();
    assert_eq!(english["province"]["indicators"][0]["name"], "Dossiers resolved on time");
}

/// The dossiers' codes of a drill-down.
async fn listed(app: &TestApp, token: &str, query: &str) -> (usize, Vec<String>) {
    let (status, body) = app.get(&format!("/api/v1/reports/indicators/dossiers?{SPRING}&{query}"), Some(token)).await;
    assert_eq!(status, 200, "{query}: {body}");
    let mut codes: Vec<String> =
        body["items"].as_array().unwrap().iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    (body["total"].as_u64().unwrap() as usize, codes)
}

async fn every_figure_lists_the_dossiers_it_counts(engine: TestEngine) {
    let app = spawn(engine).await;
    let (department, _) = seed_outcomes(&app).await;
    let steering = app.login("dieuhanh").await;
    let (_, body) = app.get(&format!("/api/v1/reports/indicators?{SPRING}&agency={department}"), Some(&steering)).await;
    let d = unit(&body, &department);
    for i in d["indicators"].as_array().unwrap() {
        let code = i["code"].as_str().unwrap();
        if code == "3.1" {
            continue;
        }
        let (n, m) = (i["numerator"].as_f64().unwrap(), i["denominator"].as_f64().unwrap());
        let parts: &[(&str, f64)] = if code == "2.2" {
            &[("denominator", m)]
        } else {
            &[("numerator", n), ("denominator", m), ("remainder", m - n)]
        };
        for (part, figure) in parts {
            let (total, codes) =
                listed(&app, &steering, &format!("agency={department}&indicator={code}&part={part}")).await;
            assert_eq!(total as f64, *figure, "{code} {part}");
            assert_eq!(codes.len(), total, "one page holds them all");
        }
    }
    let on = |q: &str| format!("agency={department}&{q}");
    assert_eq!(
        listed(&app, &steering, &on("indicator=2.1&part=remainder")).await.1,
        ["K-LATE", "K-OPEN-LATE", "K-TWICE"]
    );
    assert_eq!(listed(&app, &steering, &on("indicator=5.4&part=numerator")).await.1, ["K-EARLY", "K-OPEN"]);
    assert_eq!(listed(&app, &steering, &on("channel=postal")).await.1, ["K-WAIT"]);
    assert_eq!(listed(&app, &steering, &on("overdue=true")).await.1, ["K-OPEN-LATE"]);
    // The province's list holds the commune's too.
    assert_eq!(listed(&app, &steering, "indicator=2.1&part=numerator").await.0, 4);
    for bad in [
        "indicator=9.9",
        "indicator=3.1",
        "indicator=2.2&part=numerator",
        "channel=fax",
        "",
        "indicator=2.1&overdue=true",
    ] {
        let (status, body) =
            app.get(&format!("/api/v1/reports/indicators/dossiers?{SPRING}&{bad}"), Some(&steering)).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }

    // The dashboard: every figure a link to the page of its dossiers, which lists as many.
    let (status, page) =
        app.get(&format!("/bao-cao/chi-so?tu=2025-03-01&den=2025-05-31&don_vi={department}"), Some(&steering)).await;
    let page = page.as_str().unwrap_or_default().to_string();
    assert_eq!(status, 200, "{page}");
    // The unit's procedures with their average time: the four resolved of the one procedure.
    let table = &page[page.find("id=\"procedures\"").expect("the procedures' table")..];
    assert!(table[..table.find("</table>").unwrap()].contains("<td class=\"n\">4</td>"), "{table}");
    let row = &page[page.find("data-code=\"2.1\"").expect("the 2.1 row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    let links: Vec<(String, String)> = row
        .split("<a href=\"")
        .skip(1)
        .map(|rest| {
            let (href, rest) = rest.split_once("\">").unwrap();
            let (text, _) = rest.split_once("</a>").unwrap();
            (href.replace("&#38;", "&").replace("&amp;", "&"), text.to_string())
        })
        .collect();
    assert_eq!(links.iter().map(|l| l.1.as_str()).collect::<Vec<_>>(), ["3", "6", "3"], "{row}");
    for (href, figure) in &links {
        let (status, list) = app.get(href, Some(&steering)).await;
        let list = list.as_str().unwrap_or_default().to_string();
        assert_eq!(status, 200, "{href}");
        assert!(list.contains(&format!("id=\"count\">{figure} hồ sơ")), "{href}: {list}");
        // The steering committee sees codes, not the applicants' papers.
        assert!(!list.contains("/ho-so/K-") && !list.contains("Nguyễn Văn Thử"), "{list}");
    }
    // A unit's officer opens the dossiers of their unit from the list.
    let leader = officer_of(&app, &department, "leader").await;
    let leader = app.login(&leader).await;
    let (_, list) = app.get(&links[0].0, Some(&leader)).await;
    assert!(list.as_str().unwrap().contains("href=\"/ho-so/K-EARLY\""));
    // The province's dashboard: its charts, each an image with its title and a table.
    let (status, page) = app.get("/bao-cao/chi-so?tu=2025-03-01&den=2025-05-31", Some(&steering)).await;
    let page = page.as_str().unwrap_or_default().to_string();
    assert_eq!(status, 200);
    for id in ["chart-ranking", "chart-trend", "chart-channels", "chart-overdue"] {
        assert!(page.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")), "{id}");
    }
    for table in ["id=\"ranking\"", "id=\"trend\"", "id=\"channels\"", "id=\"overdue\"", "id=\"indicators\""] {
        assert!(page.contains(table), "{table}");
    }
    assert!(!page.contains("style="), "no inline style under the CSP");
    assert!(page.contains("05/2025"), "the trend ends with the period's month");
}

async fn the_indicators_answer_their_readers_only(engine: TestEngine) {
    let app = spawn(engine).await;
    let (department, commune) = seed_outcomes(&app).await;
    let steering = app.login("dieuhanh").await;
    let (_, all) = app.get(&format!("/api/v1/reports/indicators?{SPRING}"), Some(&steering)).await;
    let rank = unit(&all, &department)["rank"].clone();
    // A unit's leader reads their unit, ranked among all, with the province beside it.
    let leader = officer_of(&app, &department, "leader").await;
    let leader = app.login(&leader).await;
    let (status, body) = app.get(&format!("/api/v1/reports/indicators?{SPRING}"), Some(&leader)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["units"].as_array().unwrap().len(), 1);
    assert_eq!(body["units"][0]["agency"]["code"], department.as_str());
    assert_eq!(body["units"][0]["rank"], rank);
    assert_eq!(body["province"], all["province"]);
    let (status, page) = app.get("/bao-cao/chi-so?tu=2025-03-01&den=2025-05-31", Some(&leader)).await;
    assert_eq!(status, 200);
    assert!(page.as_str().unwrap().contains("id=\"rank\""));
    for path in [
        format!("/api/v1/reports/indicators?{SPRING}&agency={commune}"),
        format!("/api/v1/reports/indicators/dossiers?{SPRING}&agency={commune}&indicator=2.1"),
        format!("/bao-cao/chi-so?don_vi={commune}"),
    ] {
        let (status, _) = app.get(&path, Some(&leader)).await;
        assert_eq!(status, 404, "{path}");
    }
    let citizen = app.login("congdan").await;
    for path in [
        format!("/api/v1/reports/indicators?{SPRING}"),
        format!("/api/v1/reports/indicators/dossiers?{SPRING}&indicator=2.1"),
        "/bao-cao/chi-so".to_string(),
        "/bao-cao/chi-so/ho-so?tu=2025-03-01&den=2025-05-31&chi_so=2.1".to_string(),
    ] {
        let (status, _) = app.get(&path, Some(&citizen)).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = app.get(&format!("/api/v1/reports/indicators?{SPRING}"), None).await;
    assert_eq!(status, 401);
    let (status, body) = app.get("/api/v1/reports/indicators?from=2025-05-01&to=2025-03-01", Some(&steering)).await;
    assert_eq!(status, 422, "{body}");
}

async fn the_transparency_page_needs_no_sign_in(engine: TestEngine) {
    let app = spawn(engine).await;
    let commune = procedure_of(&app, AgencyKind::Commune).await;
    let now = Utc::now();
    let d = MadeDossier::new(
        "K-NOW",
        &commune,
        "online",
        "returned",
        now - chrono::Duration::minutes(10),
        now + chrono::Duration::days(5),
    )
    .finished(now - chrono::Duration::minutes(5));
    insert_made(&app.state.db, &d).await;
    let (status, page) = app.get("/cong-khai", None).await;
    let page = page.as_str().unwrap_or_default().to_string();
    assert_eq!(status, 200, "{page}");
    let name = app.state.catalog().agencies[&commune.2].name.clone();
    assert!(page.contains("Công khai kết quả giải quyết thủ tục hành chính"));
    let row = &page[page.find(&name).expect("the commune's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert_eq!(row.matches("100,0%").count(), 2, "on time and satisfied this year: {row}");
    assert!(page.contains("href=\"/cong-khai\""), "linked from every page's footer");
}

/// The province's fractions of the indicators API for `period`, by code: (numerator, denominator).
async fn province_fractions(
    app: &TestApp,
    token: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<String, (f64, f64)> {
    let (status, body) = app.get(&format!("/api/v1/reports/indicators?from={from}&to={to}"), Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body["province"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["code"].as_str().unwrap().to_string(), fraction(&body["province"], i["code"].as_str().unwrap())))
        .collect()
}

/// Every row of the counters, in order.
async fn counter_rows(app: &TestApp) -> Vec<Vec<i64>> {
    let columns = motcua_domain::indicators::counts::COLUMNS.join(", ");
    let sql = format!(
        "SELECT slot, month, from_month, {columns} FROM indicator_counts ORDER BY agency, month, slot, from_month"
    );
    let rows = sqlx::query(&sql).fetch_all(app.state.db.reader()).await.unwrap();
    rows.iter()
        .map(|r| (0..3 + motcua_domain::indicators::counts::COLUMNS.len()).map(|i| r.get::<i64, _>(i)).collect())
        .collect()
}

/// The tallies agree, 2.2's days to the microsecond (one sums seconds, the other days).
fn assert_same_tally(counted: &Tally, judged: &Tally, what: &str) {
    for code in Code::ALL {
        let (a, b) = (counted.get(code), judged.get(code));
        assert_eq!(a.denominator, b.denominator, "{what}: denominator of {}", code.as_str());
        assert!((a.numerator - b.numerator).abs() < 1e-6, "{what}: numerator of {}: {a:?} {b:?}", code.as_str());
    }
}

/// Issue 13 point 5: an indicator changes when the event that changes it commits; the counters
/// so kept agree exactly with a rebuild from the histories, and with the dossiers judged one by
/// one.
async fn the_counters_move_with_each_event_and_agree_with_a_rebuild(engine: TestEngine) {
    let app = spawn(engine).await;
    let steering = app.login("dieuhanh").await;
    let today = vn_day(Utc::now());
    let first = today.with_day(1).unwrap();

    // Open, counted by the open dossiers' count; then finished: it moves to the database's
    // counters at once, with no new count of the open dossiers.
    let code = common::received(&app).await;
    motcua_app::indicators::recount_open(&app.state).await.unwrap();
    let before = province_fractions(&app, &steering, first, today).await;
    let report_before = ii06a_total(&app, &steering, first, today).await;
    let url = format!("/api/v1/dossiers/{code}/actions");
    let (s, d) =
        app.post_json(&url, Some(&app.login("chuyenvien").await), serde_json::json!({"action": "forward"})).await;
    assert_eq!(s, 200, "{d}");
    let form = reqwest::multipart::Form::new().text("action", "issue_result").part(
        "result",
        reqwest::multipart::Part::bytes(common::pdf("kq")).file_name("kq.pdf").mime_str("application/pdf").unwrap(),
    );
    let (s, d) = app.post_multipart(&url, Some(&app.login("lanhdao").await), form).await;
    assert_eq!(s, 200, "{d}");
    let after = province_fractions(&app, &steering, first, today).await;
    assert_eq!(after["2.1"].1, before["2.1"].1, "still one dossier measured for 2.1: {before:?} {after:?}");
    assert_eq!(after["2.1"].0, before["2.1"].0, "in time while open, on time when finished");
    assert_eq!(after["2.2"].1, before["2.2"].1 + 1.0, "one more finished");
    assert_eq!(after["4.1"].1, before["4.1"].1 + 1.0, "one more result issued");
    assert_eq!(after["4.1"].0, before["4.1"].0 + 1.0, "and it is the system's signed result");
    // II.06a of this month: resolved at once, no longer in progress, received as before.
    let report_after = ii06a_total(&app, &steering, first, today).await;
    assert_eq!(report_after["resolved"]["total"], report_before["resolved"]["total"].as_u64().unwrap() + 1);
    assert_eq!(report_after["in_progress"]["total"], report_before["in_progress"]["total"].as_u64().unwrap() - 1);
    assert_eq!(report_after["received"], report_before["received"]);

    // Rated "not satisfied" after its result: 5.4 loses it at once.
    let citizen = app.login("congdan").await;
    let rating = serde_json::json!({"overall": "not_satisfied", "timeliness": "satisfied", "convenience": "satisfied", "attitude": "satisfied"});
    let (s, _) = app.post_json(&format!("/api/v1/dossiers/{code}/rating"), Some(&citizen), rating).await;
    assert_eq!(s, 200);
    let rated = province_fractions(&app, &steering, first, today).await;
    assert_eq!(rated["5.4"].0, after["5.4"].0 - 1.0, "{after:?} {rated:?}");
    assert_eq!(rated["5.4"].1, after["5.4"].1);

    // What was kept event by event is what a rebuild from the histories counts.
    let kept = counter_rows(&app).await;
    assert!(!kept.is_empty());
    let rebuilt =
        motcua_store::indicator_counts::rebuild(&app.state.db, app.state.judge.as_ref(), Utc::now()).await.unwrap();
    assert_eq!(rebuilt.differences, 0, "{rebuilt:?}");
    assert_eq!(counter_rows(&app).await, kept);

    // And the counters' figures are those of every dossier judged one by one: this month and
    // the twelve months to it (the demo's dossiers reach back months).
    motcua_app::indicators::recount_open(&app.state).await.unwrap();
    let now = Utc::now();
    let year_start = first.checked_sub_months(chrono::Months::new(11)).unwrap();
    for period in [Period::new(first, today).unwrap(), Period::new(year_start, today).unwrap()] {
        let (department,): (String,) = sqlx::query_as("SELECT agency_code FROM users WHERE username = 'chuyenvien'")
            .fetch_one(app.state.db.reader())
            .await
            .unwrap();
        for agency in [None, Some(department)] {
            let counted = motcua_app::indicators::tally(&app.state, period, agency.as_deref(), now).await.unwrap();
            let judged =
                motcua_app::indicators::tally_from_dossiers(&app.state, period, agency.as_deref(), now).await.unwrap();
            assert_same_tally(&counted, &judged, &format!("{period:?} {agency:?}"));
            // II.06a from its counters equals the report counted dossier by dossier.
            let query = format!("from={}&to={}&agency={}", period.from, period.to, agency.as_deref().unwrap_or(""));
            let (status, body) = app.get(&format!("/api/v1/reports/ii06a?{query}"), Some(&steering)).await;
            assert_eq!(status, 200, "{body}");
            let as_of: DateTime<Utc> = body["as_of"].as_str().unwrap().parse().unwrap();
            let rows =
                motcua_store::reports::ii06a(&app.state.db, &period, period.measured_at(as_of), agency.as_deref())
                    .await
                    .unwrap();
            let total: motcua_domain::report::Counts = rows.iter().map(|r| r.counts).sum();
            assert_eq!(body["total"], serde_json::to_value(total).unwrap(), "{period:?} {agency:?}");
            assert_eq!(body["rows"].as_array().unwrap().len(), rows.len());
        }
    }
}

/// The total of the II.06a report of the province from `from` to `to`.
async fn ii06a_total(app: &TestApp, token: &str, from: NaiveDate, to: NaiveDate) -> Value {
    let (status, body) = app.get(&format!("/api/v1/reports/ii06a?from={from}&to={to}"), Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body["total"].clone()
}
