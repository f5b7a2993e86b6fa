//! The catalog import on the demo province, on SQLite and on PostgreSQL: the sample export
//! creates, versions and rejects; importing it again writes nothing; a changed fee or lead
//! agency is a new version while a dossier received before keeps its own; a plan that meets a
//! change made meanwhile writes nothing at all.

use chrono::Utc;
use motcua_app::catalog_import::{import_catalog, import_into, ImportFailed, ImportReport};
use motcua_app::error::ErrorKind;
use motcua_app::{AppState, Config};
use motcua_domain::catalog_import::{Change, Problem, Source};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::{Channel, Role};
use motcua_store::catalog::{self, CatalogImport, ImportedVersion, NewProcedure};
use motcua_store::dossiers::{self, Applicant, By, NewDossier};
use motcua_store::users::{self, User};
use motcua_store::StoreError;
use motcua_testkit::{app_state, on_both_engines, TestDb, TestEngine};
use serde_json::{json, Value};

on_both_engines!(
    the_sample_export_creates_versions_and_rejects_and_again_writes_nothing,
    a_dry_run_reports_the_same_and_writes_nothing,
    a_changed_fee_or_agency_is_a_new_version_and_an_earlier_dossier_keeps_its_own,
    a_plan_meeting_a_change_made_meanwhile_writes_nothing,
);

const JSON: &[u8] = include_bytes!("fixtures/catalog/catalog.json");
const XLSX: &[u8] = include_bytes!("fixtures/catalog/catalog.xlsx");
const BIRTH: &str = "1.001193";

async fn world(engine: TestEngine) -> (TestDb, AppState) {
    let t = TestDb::with_demo(engine).await;
    let state = app_state(&t, Config::default()).await;
    (t, state)
}

async fn user(state: &AppState, username: &str) -> User {
    users::find_for_login(&state.db, &[username.to_string()]).await.unwrap().expect(username).user
}

async fn versions(state: &AppState) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM procedure_versions").fetch_one(state.db.reader()).await.unwrap();
    n
}

fn codes<T>(items: &[T], code: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| code(i).to_string()).collect()
}

async fn the_sample_export_creates_versions_and_rejects_and_again_writes_nothing(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let admin = user(&state, "quantri").await;
    let citizen = user(&state, "congdan").await;
    let Err(ImportFailed::Error(e)) = import_catalog(&state, &citizen, JSON, true).await else {
        panic!("only administrators import")
    };
    assert_eq!(e.kind, ErrorKind::NotFound);

    let before = versions(&state).await;
    let r = import_catalog(&state, &admin, JSON, false).await.unwrap();
    assert_eq!(codes(&r.created, |c| &c.code), ["1.003005", "2.000908"]);
    assert_eq!(codes(&r.versioned, |v| &v.code), [BIRTH]);
    assert_eq!(r.versioned[0].changes, [Change::Fee, Change::FeeNote]);
    assert_eq!(r.versioned[0].version, 2);
    assert_eq!(r.new_fields, [("G12-VH03".to_string(), "Lễ hội".to_string())]);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].source, Source::Entry(4));
    assert_eq!(r.rejected[0].problems, [Problem::UnknownAgency { agency: "000.00.99.H38".into() }]);
    assert_eq!(versions(&state).await, before + 3);

    // The catalog in memory follows at once.
    let catalog = state.catalog();
    let festival = catalog.get("1.003005").expect("created");
    assert_eq!(festival.field.name, "Lễ hội");
    assert_eq!(festival.participants, ["000.00.20.H38"]);
    assert_eq!(festival.workflow.len(), 2, "the lead agency's default workflow");
    assert_eq!(festival.documents.len(), 2);
    let described = &festival.details;
    assert_eq!(described.steps.len(), 3, "the catalogue entry's steps");
    assert!(described.steps[1].vi.starts_with("Bước 2: Sở Văn hóa"));
    assert_eq!(described.ways.len(), 3);
    assert_eq!(described.legal_basis.len(), 1);
    assert_eq!(described.result.as_ref().map(|t| t.vi.as_str()), Some("Văn bản chấp thuận tổ chức lễ hội"));
    let birth = catalog.get(BIRTH).unwrap();
    assert_eq!((birth.version, birth.fee_vnd), (2, 8_000));
    assert!(!birth.form.is_empty(), "a file without a form keeps the form in force");
    assert!(birth.documents.iter().all(|d| d.name_en.is_some()), "English names are kept");
    assert!(!birth.details.steps.is_empty(), "an entry without a description keeps the one in force");

    // The same file again, as JSON or as XLSX: nothing to write.
    for file in [JSON, XLSX] {
        let again = import_catalog(&state, &admin, file, false).await.unwrap();
        assert!(again.created.is_empty() && again.versioned.is_empty(), "{again:?}");
        assert_eq!(codes(&again.unchanged, |u| &u.1), [BIRTH, "1.003005", "2.000908"]);
        assert!(again.new_fields.is_empty());
        assert_eq!(again.rejected.len(), 1);
    }
    assert_eq!(versions(&state).await, before + 3);
}

async fn a_dry_run_reports_the_same_and_writes_nothing(engine: TestEngine) {
    let (t, state) = world(engine).await;
    let before = versions(&state).await;
    let dry = import_into(&t.db, XLSX, true).await.unwrap();
    assert!(dry.dry_run);
    assert_eq!(versions(&state).await, before);
    assert!(catalog::fields(&t.db).await.unwrap().iter().all(|f| f.code != "G12-VH03"));
    let real = import_into(&t.db, XLSX, false).await.unwrap();
    assert_eq!(ImportReport { dry_run: true, ..real }, dry);
    assert_eq!(dry.rejected[0].source, Source::Row(5), "spreadsheet rows by number");
    assert_eq!(versions(&state).await, before + 3);
}

/// The demo birth registration as the national export would give it, with `change` applied.
fn birth_entry(state: &AppState, change: impl Fn(&mut Value)) -> Vec<u8> {
    let p = state.catalog().get(BIRTH).cloned().unwrap();
    let mut e = json!({
        "MaTTHC": p.code, "TenTTHC": p.name, "MaLinhVuc": p.field.code, "CoQuanThucHien": p.agency.code,
        "MucDo": p.level.as_str(), "LyDoMucDo": p.level_reason, "ThoiHanGiaiQuyet": p.limit.amount,
        "DonViThoiGian": p.limit.unit.as_str(), "PhiLePhi": p.fee_vnd, "MoTaPhiLePhi": p.fee_note,
        "KetQua": p.result_kind.as_str(),
        "ThanhPhanHoSo": p.documents.iter().map(|d| json!({
            "MaGiayTo": d.key, "TenGiayTo": d.name, "BatBuoc": d.required,
            "LoaiBan": if d.original { "Bản chính" } else { "Bản sao" }, "SoLuong": d.count
        })).collect::<Vec<_>>(),
    });
    change(&mut e);
    serde_json::to_vec(&json!({ "DanhSachTTHC": [e] })).unwrap()
}

async fn a_changed_fee_or_agency_is_a_new_version_and_an_earlier_dossier_keeps_its_own(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let admin = user(&state, "quantri").await;
    // The catalog as it is, written as an export, changes nothing.
    let same = import_catalog(&state, &admin, &birth_entry(&state, |_| {}), false).await.unwrap();
    assert_eq!(codes(&same.unchanged, |u| &u.1), [BIRTH], "{same:?}");

    let v1 = state.catalog().get(BIRTH).cloned().unwrap();
    let received = dossiers::submit(
        &state.db,
        &DossierCodePattern::default(),
        &NewDossier {
            procedure_version_id: v1.version_id,
            procedure_code: v1.code.clone(),
            lead_agency: v1.agency.code.clone(),
            applicant_user_id: None,
            applicant: Applicant {
                full_name: "Nguyễn Văn An".into(),
                phone: "0912345678".into(),
                ..Applicant::default()
            },
            channel: Channel::Online,
            data: serde_json::Map::new(),
            fee_vnd: v1.fee_vnd,
            waiting: Some((Role::Reception, v1.agency.code.clone())),
            attachments: vec![],
            follow_ups: Default::default(),
            external_code: None,
            fee_paid_at: None,
        },
        &By { user_id: None, name: "Kiểm thử".into() },
        Utc::now(),
    )
    .await
    .unwrap();

    let r =
        import_catalog(&state, &admin, &birth_entry(&state, |e| e["PhiLePhi"] = json!(15_000)), false).await.unwrap();
    assert_eq!(r.versioned[0].changes, [Change::Fee]);
    let r = import_catalog(
        &state,
        &admin,
        &birth_entry(&state, |e| {
            e["CoQuanThucHien"] = json!("000.00.52.H38");
            e["CoQuanPhoiHop"] = json!(["000.00.12.H38"]);
        }),
        false,
    )
    .await
    .unwrap();
    assert_eq!(r.versioned[0].changes, [Change::Agency, Change::Participants]);

    let now = state.catalog().get(BIRTH).cloned().unwrap();
    assert_eq!((now.version, now.fee_vnd, now.agency.code.as_str()), (v1.version + 2, 15_000, "000.00.52.H38"));
    assert!(now.workflow.iter().all(|s| s.agency == "000.00.52.H38"), "the default workflow follows the agency");
    assert_eq!(now.participants, ["000.00.12.H38"]);
    assert_eq!(state.catalog().filter(&Default::default()).1, state.catalog().procedures.len());

    // The dossier received before keeps the version in force then: its fee, agency, workflow.
    let d = dossiers::by_code(&state.db, &received.code).await.unwrap();
    assert_eq!(d.procedure_version_id, v1.version_id);
    let kept = state.procedure_version(d.procedure_version_id).await.unwrap();
    assert_eq!((kept.version, kept.fee_vnd, kept.agency.code.as_str()), (v1.version, 0, "000.00.51.H38"));
    assert_eq!(kept.workflow, v1.workflow);
    assert!(kept.participants.is_empty());
}

async fn a_plan_meeting_a_change_made_meanwhile_writes_nothing(engine: TestEngine) {
    let (t, state) = world(engine).await;
    let before = versions(&state).await;
    let birth = state.catalog().get(BIRTH).cloned().unwrap();
    let new = NewProcedure {
        code: "9.000001".into(),
        local_code: None,
        name: "Thủ tục mới".into(),
        name_en: None,
        field: birth.field.code.clone(),
        agency: birth.agency.code.clone(),
        participants: vec![],
        level: birth.level,
        level_reason: None,
        limit: birth.limit,
        fee_vnd: 0,
        fee_note: None,
        fee_schedule: None,
        result_kind: birth.result_kind,
        documents: vec![],
        form: vec![],
        workflow: birth.workflow.clone(),
        details: Default::default(),
    };
    let stale = ImportedVersion {
        expected_version: birth.version + 5,
        procedure: NewProcedure { code: BIRTH.into(), fee_vnd: 1, ..new.clone() },
    };
    let plan = CatalogImport {
        fields: vec![catalog::Field { code: "X-01".into(), name: "Mới".into(), name_en: None }],
        procedures: vec![new],
        versions: vec![stale],
    };
    assert!(matches!(catalog::import(&t.db, &plan).await, Err(StoreError::Conflict(_))));
    assert_eq!(versions(&state).await, before);
    assert!(matches!(catalog::procedure_by_code(&t.db, "9.000001").await, Err(StoreError::NotFound)));
    assert!(catalog::fields(&t.db).await.unwrap().iter().all(|f| f.code != "X-01"));
}
