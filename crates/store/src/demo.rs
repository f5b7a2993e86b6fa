//! The demo province (DESIGN.md section 11): agencies, fields, real procedures, the official
//! calendar, demo accounts and a few hundred historical dossiers, loaded by `serve --demo` on an
//! empty database.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use motcua_domain::calendar::{due_at, vn_offset, CountingRule, TimeLimit, TimeUnit, WorkingCalendar};
use motcua_domain::catalog::{AgencyKind, OnlineLevel, ResultKind};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::{default_workflow, transition, Action, Actor, Channel, Role, Situation};
use motcua_domain::form::{FieldType, FormField, RequiredDocument};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::calendar::{set_year, YearCalendar};
use crate::catalog::{self, Agency, Field, NewProcedure, Procedure};
use crate::db::Database;
use crate::dossiers::{self, Applicant, By, Change, NewDossier};
use crate::error::{Result, StoreError};
use crate::users::{self, NewUser};

mod office;
pub use office::OfficeHistory;

/// The demo province, as shipped in `demo/province.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Province {
    /// The province's name.
    pub province: ProvinceName,
    /// Agencies.
    pub agencies: Vec<Agency>,
    /// The agencies' tax codes (mã số thuế) are placeholders: ten digits in the province's series
    /// (53…), not the agencies' real codes, which the file does not know. Fee receipts print
    /// them; `demo/SOURCES.md` says so too.
    #[serde(default)]
    pub tax_codes_are_placeholders: bool,
    /// Fields.
    pub fields: Vec<Field>,
    /// Procedures.
    pub procedures: Vec<DemoProcedure>,
    /// Days off and make-up working days per year.
    pub calendar: std::collections::BTreeMap<String, DemoYear>,
    /// Names and addresses for generated people.
    pub people: People,
}

/// The province's name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceName {
    /// Vietnamese.
    pub name: String,
    /// English.
    pub name_en: String,
}

/// A procedure of the demo catalog.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoProcedure {
    code: String,
    local_code: Option<String>,
    name: String,
    name_en: Option<String>,
    field: String,
    agency: String,
    level: OnlineLevel,
    level_reason: Option<String>,
    processing: TimeLimit,
    fee_vnd: i64,
    fee_note: Option<String>,
    /// The fee is a placeholder, not an amount read from a legal text: typically one the
    /// provincial People's Council sets, entered at a plausible figure. Its note says "số liệu
    /// mẫu" to applicants, and SOURCES.md at the repository root lists it as a placeholder.
    #[serde(default)]
    fee_is_placeholder: bool,
    /// A fee computed from the answers or paid at the hand-over; `fee_vnd` otherwise.
    #[serde(default)]
    fee_schedule: Option<motcua_domain::fee::FeeSchedule>,
    result_kind: ResultKind,
    required_documents: Vec<RequiredDocument>,
    form: Vec<FormField>,
    /// A configured workflow; the default one (appraisal, approval) when absent.
    #[serde(default)]
    workflow: Option<Vec<motcua_domain::workflow::Step>>,
    /// Steps, ways, conditions, legal basis… as the national catalogue publishes them.
    #[serde(default)]
    details: catalog::ProcedureDetails,
}

/// One year of the demo calendar.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoYear {
    days_off: Vec<NaiveDate>,
    working_days: Vec<NaiveDate>,
}

/// Parts of generated people.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct People {
    family_names: Vec<String>,
    middle_names: Vec<String>,
    given_names: Vec<String>,
    addresses: Vec<String>,
}

/// The shipped demo province.
pub fn province() -> Result<Province> {
    serde_json::from_str(include_str!("../demo/province.json"))
        .map_err(|e| StoreError::Corrupt(format!("demo/province.json: {e}")))
}

/// The department whose specialist, leader and clerk are the demo accounts `chuyenvien`,
/// `lanhdao` and `vanthu`: the department of justice (Sở Tư pháp).
fn demo_department(p: &Province) -> Result<&Agency> {
    p.agencies
        .iter()
        .find(|a| a.kind == AgencyKind::Department && a.name.contains("Tư pháp"))
        .ok_or_else(|| StoreError::Corrupt("the demo province has no Sở Tư pháp".into()))
}

/// Whether the database holds no agency yet (a fresh install).
pub async fn is_empty(db: &Database) -> Result<bool> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM agencies").fetch_one(db.reader()).await?;
    Ok(n == 0)
}

/// What `load` created, for the start-up banner.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The province's name.
    pub province: String,
    /// Procedures loaded.
    pub procedures: usize,
    /// Historical dossiers generated.
    pub dossiers: usize,
    /// The electronic office's history: documents and weekly briefings (only with a history).
    pub office: OfficeHistory,
    /// Procedures whose fee is a placeholder, not an amount from a legal text (SOURCES.md).
    pub placeholder_fees: usize,
    /// Demo accounts as (user name, role, agency name).
    pub accounts: Vec<(String, String, String)>,
}

/// Loads the demo province into an empty database. `password_hash` is the hash of the demo
/// password, computed by the caller (hashing is the web edge's business). `history` historical
/// dossiers are generated deterministically. Servers that may start together check
/// [`is_empty`] and load under [`Database::with_startup_lock`], so that one of them loads.
pub async fn load(db: &Database, password_hash: &str, history: usize) -> Result<Loaded> {
    let p = province()?;
    let mut tx = db.write_tx().await?;
    // Parents first.
    let mut pending: Vec<&Agency> = p.agencies.iter().collect();
    let mut inserted = std::collections::BTreeSet::new();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for a in pending {
            if a.parent_code.as_ref().is_none_or(|pc| inserted.contains(pc)) {
                catalog::insert_agency(&mut tx, a).await?;
                inserted.insert(a.code.clone());
            } else {
                rest.push(a);
            }
        }
        if rest.len() == before {
            return Err(StoreError::Corrupt("demo agencies have a missing parent".into()));
        }
        pending = rest;
    }
    for f in &p.fields {
        catalog::insert_field(&mut tx, f).await?;
    }
    tx.commit().await?;
    for (year, y) in &p.calendar {
        let year: i32 = year.parse().map_err(|_| StoreError::Corrupt(format!("calendar year {year}")))?;
        set_year(db, year, &YearCalendar { days_off: y.days_off.clone(), working_days: y.working_days.clone() })
            .await?;
    }
    for dp in &p.procedures {
        if let Some(problems) =
            dp.fee_schedule.as_ref().map(|f| motcua_domain::fee::validate(f, &dp.form)).filter(|p| !p.is_empty())
        {
            return Err(StoreError::Corrupt(format!("fee schedule of {}: {problems:?}", dp.code)));
        }
        catalog::insert_procedure(
            db,
            &NewProcedure {
                code: dp.code.clone(),
                local_code: dp.local_code.clone(),
                name: dp.name.clone(),
                name_en: dp.name_en.clone(),
                field: dp.field.clone(),
                agency: dp.agency.clone(),
                participants: Vec::new(),
                level: dp.level,
                level_reason: dp.level_reason.clone(),
                limit: dp.processing,
                fee_vnd: dp.fee_vnd,
                fee_note: dp.fee_note.clone(),
                fee_schedule: dp.fee_schedule.clone(),
                result_kind: dp.result_kind,
                documents: dp.required_documents.clone(),
                form: dp.form.clone(),
                workflow: dp.workflow.clone().unwrap_or_else(|| default_workflow(&dp.agency)),
                details: dp.details.clone(),
            },
        )
        .await?;
    }
    let accounts = create_accounts(db, &p, password_hash).await?;
    let dossiers = generate_history(db, &p, history).await?;
    // The electronic office's year goes with the dossiers' history: tests that load the demo
    // without one start from empty registers.
    let office = if history > 0 { office::generate(db, &p).await? } else { OfficeHistory::default() };
    Ok(Loaded {
        office,
        province: p.province.name.clone(),
        procedures: p.procedures.len(),
        dossiers,
        placeholder_fees: p.procedures.iter().filter(|dp| dp.fee_is_placeholder).count(),
        accounts,
    })
}

async fn create_accounts(db: &Database, p: &Province, hash: &str) -> Result<Vec<(String, String, String)>> {
    let centre = p
        .agencies
        .iter()
        .find(|a| a.is_service_centre())
        .ok_or_else(|| StoreError::Corrupt("the demo province has no service centre".into()))?;
    let dept = demo_department(p)?;
    let province = p
        .agencies
        .iter()
        .find(|a| a.kind == AgencyKind::Province)
        .ok_or_else(|| StoreError::Corrupt("the demo province has no provincial committee".into()))?;
    let mut out = Vec::new();
    let officer = |username: &str, name: &str, agency: &Agency, roles: Vec<Role>| NewUser {
        username: Some(username.to_string()),
        full_name: name.to_string(),
        password_hash: hash.to_string(),
        agency_code: Some(agency.code.clone()),
        email: Some(format!("{username}@motcua.example.vn")),
        roles,
        ..NewUser::default()
    };
    let mut list = vec![
        officer("quantri", "Quản trị hệ thống", centre, vec![Role::Admin]),
        officer("tiepnhan", "Nguyễn Thị Tiếp Nhận", centre, vec![Role::Reception]),
        officer("truongmotcua", "Đặng Văn Một Cửa", centre, vec![Role::Leader]),
        officer("chuyenvien", "Trần Văn Chuyên", dept, vec![Role::Specialist]),
        officer("lanhdao", "Lê Minh Lãnh", dept, vec![Role::Leader]),
        officer("vanthu", "Phạm Thị Văn", dept, vec![Role::Clerk]),
        // The provincial leadership's read-only view over every agency (ban chỉ đạo).
        officer("dieuhanh", "Hoàng Văn Điều Hành", province, vec![Role::Steering]),
    ];
    // Every other agency gets a desk officer, a specialist and a leader, so that every demo
    // procedure can be processed to the end.
    for a in p.agencies.iter().filter(|a| !matches!(a.kind, AgencyKind::ServiceCentre | AgencyKind::Province)) {
        if a.code == dept.code {
            continue;
        }
        let suffix = a.code.split('.').nth(2).unwrap_or("00").to_string()
            + &a.code.split('.').nth(3).unwrap_or("").to_lowercase();
        list.push(officer(&format!("tn{suffix}"), &format!("Cán bộ tiếp nhận — {}", a.name), a, vec![Role::Reception]));
        list.push(officer(&format!("cv{suffix}"), &format!("Chuyên viên — {}", a.name), a, vec![Role::Specialist]));
        list.push(officer(&format!("ld{suffix}"), &format!("Lãnh đạo — {}", a.name), a, vec![Role::Leader]));
    }
    // A second specialist of the department, whom its leader can name to co-handle a document
    // or to know of it (added last, so the other accounts keep their ids).
    list.push(officer("chuyenvien2", "Vũ Thị Phối", dept, vec![Role::Specialist]));
    list.push(NewUser {
        username: Some("congdan".into()),
        full_name: "Nguyễn Văn An".into(),
        id_number: Some("038090001234".into()),
        phone: Some("0912345678".into()),
        email: Some("nguyen.van.an@example.vn".into()),
        address: p.people.addresses.first().cloned(),
        password_hash: hash.to_string(),
        roles: vec![Role::Citizen],
        ..NewUser::default()
    });
    list.push(NewUser {
        username: Some("congdan2".into()),
        full_name: "Trần Thị Bình".into(),
        id_number: Some("038185004321".into()),
        phone: Some("0987654321".into()),
        email: Some("tran.thi.binh@example.vn".into()),
        address: p.people.addresses.get(1).cloned(),
        password_hash: hash.to_string(),
        roles: vec![Role::Citizen],
        ..NewUser::default()
    });
    let mut ids = std::collections::HashMap::new();
    for u in &list {
        let id = users::create_user(db, u).await?;
        ids.insert(u.username.clone().unwrap_or_default(), id);
        let agency = u
            .agency_code
            .as_ref()
            .and_then(|c| p.agencies.iter().find(|a| &a.code == c))
            .map(|a| a.name.clone())
            .unwrap_or_default();
        let roles = u.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",");
        out.push((u.username.clone().unwrap_or_default(), roles, agency));
    }
    // A verified business that `congdan` represents, so that applying in an organisation's name
    // can be tried at once; `congdan2` may be named its authorised person.
    if let (Some(&citizen), Some(&admin)) = (ids.get("congdan"), ids.get("quantri")) {
        let now = chrono::Utc::now();
        let business = crate::organisations::NewOrganisation {
            tax_code: "5400123456".into(),
            name: "Công ty TNHH Thương mại An Phát".into(),
            address: p.people.addresses.first().cloned().unwrap_or_default(),
            phone: Some("02183851234".into()),
            email: Some("lienhe@anphat.example.vn".into()),
            title: Some("Giám đốc".into()),
        };
        let o = crate::organisations::register(db, &business, citizen, now).await?;
        crate::organisations::decide(db, o.id, true, None, admin, now).await?;
    }
    Ok(out)
}

/// Plausible answers for a generated dossier.
fn demo_answers(form: &[FormField], rng: &mut StdRng, p: &Province) -> Map<String, Value> {
    let mut m = Map::new();
    for f in form {
        let v = match f.kind {
            FieldType::Text | FieldType::Textarea => {
                Value::String(p.people.addresses[rng.gen_range(0..p.people.addresses.len())].clone())
            }
            FieldType::Number => Value::from(rng.gen_range(1..5)),
            FieldType::Date => Value::String(format!(
                "{}-{:02}-{:02}",
                rng.gen_range(1960..2020),
                rng.gen_range(1..13),
                rng.gen_range(1..29)
            )),
            FieldType::Select => Value::String(f.options.first().map(|o| o.value.clone()).unwrap_or_default()),
            FieldType::Checkbox => Value::Bool(true),
            FieldType::Email => Value::String("lienhe@example.vn".into()),
            FieldType::Phone => Value::String(format!("09{:08}", rng.gen_range(0..100_000_000))),
        };
        m.insert(f.key.clone(), v);
    }
    m
}

/// A moment in office hours at or after `t`: later the same working day, or on a following one.
fn office_moment(cal: &WorkingCalendar, t: DateTime<Utc>, rng: &mut StdRng) -> DateTime<Utc> {
    let offset = vn_offset();
    let mut day = t.with_timezone(&offset).date_naive();
    for _ in 0..30 {
        if cal.is_working_day(day) {
            let minutes = if rng.gen_bool(0.5) { rng.gen_range(450..690) } else { rng.gen_range(810..1020) };
            let local = day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minutes);
            if let Some(candidate) = offset.from_local_datetime(&local).single().map(|c| c.with_timezone(&Utc)) {
                if candidate >= t {
                    return candidate;
                }
                // Later the same day, if office hours remain.
                let close = day.and_hms_opt(17, 0, 0).unwrap_or_default();
                if let Some(close) = offset.from_local_datetime(&close).single().map(|c| c.with_timezone(&Utc)) {
                    if close > t {
                        return t + (close - t) / 2;
                    }
                }
            }
        }
        day = day.succ_opt().unwrap_or(day);
    }
    t
}

/// A generated person's name.
fn person_name(rng: &mut StdRng, p: &Province) -> String {
    let family = &p.people.family_names[rng.gen_range(0..p.people.family_names.len())];
    let middle = &p.people.middle_names[rng.gen_range(0..p.people.middle_names.len())];
    let given = &p.people.given_names[rng.gen_range(0..p.people.given_names.len())];
    format!("{family} {middle} {given}")
}

/// Generates `count` historical dossiers over the last months, through the real lifecycle rules,
/// so the dashboard and queues show something true: most returned on time, some late, some
/// refused or waiting for a supplement, some still open.
async fn generate_history(db: &Database, p: &Province, count: usize) -> Result<usize> {
    if count == 0 {
        return Ok(0);
    }
    let mut rng = StdRng::seed_from_u64(20261126);
    let cal = crate::calendar::working_calendar(db).await?;
    let rule = CountingRule::default();
    // Dossiers of workflows that ask other agencies' opinions are left to live use: their history
    // would need the opinions too.
    let procs: Vec<Procedure> = catalog::current_procedures(db)
        .await?
        .into_iter()
        .filter(|p| p.workflow.iter().all(|s| s.consultations.is_empty()))
        .collect();
    let pattern = DossierCodePattern::default();
    let agencies = catalog::agencies(db).await?;
    let now = Utc::now();
    let span_days = 150;
    let mut made = 0;
    for _ in 0..count {
        let proc = &procs[rng.gen_range(0..procs.len())];
        let applicant = Applicant {
            full_name: person_name(&mut rng, p),
            id_number: Some(format!("038{:09}", rng.gen_range(0..1_000_000_000u64))),
            phone: format!("09{:08}", rng.gen_range(0..100_000_000)),
            email: None,
            address: Some(p.people.addresses[rng.gen_range(0..p.people.addresses.len())].clone()),
            verified_by: None,
            organisation_id: None,
        };
        // Most dossiers are months old and finished; a sixth arrived in the last days and are
        // still on their way, so queues have work in them.
        let age_hours = if rng.gen_bool(0.16) { rng.gen_range(1..72) } else { rng.gen_range(24..24 * span_days) };
        let mut t = office_moment(&cal, now - Duration::hours(age_hours), &mut rng);
        if t > now {
            continue;
        }
        let situation_for = |d: &dossiers::Dossier| (d.status, d.step, d.resume_status);
        let data = demo_answers(&proc.form, &mut rng, p);
        let fee_vnd = motcua_domain::fee::quote(&proc.fee, &data).total_vnd;
        let online = rng.gen_bool(0.6);
        let new = NewDossier {
            external_code: None,
            fee_paid_at: None,
            procedure_version_id: proc.version_id,
            procedure_code: proc.code.clone(),
            lead_agency: proc.agency.code.clone(),
            applicant_user_id: None,
            applicant: applicant.clone(),
            channel: if online { Channel::Online } else { Channel::InPerson },
            data,
            fee_vnd,
            waiting: Some((Role::Reception, proc.agency.code.clone())),
            attachments: vec![],
            follow_ups: Default::default(),
        };
        let by_applicant = By { user_id: None, name: applicant.full_name.clone() };
        let mut d = dossiers::submit(db, &pattern, &new, &by_applicant, t).await?;
        made += 1;
        if d.fee_vnd > 0 {
            // Historical applicants paid on submission: online through the gateway, in person
            // at the counter; the reconciliation page has days to show.
            d = pay_on_submission(db, &d, proc, online, &by_applicant, t).await?;
        }
        let centre = agencies.iter().find(|a| a.is_service_centre());
        let desk = Actor::Officer {
            id: 0,
            agency: centre.map(|c| c.code.clone()).unwrap_or_default(),
            at_service_centre: true,
            roles: vec![Role::Reception],
        };
        let staff = |role: Role| Actor::Officer {
            id: 0,
            agency: proc.agency.code.clone(),
            at_service_centre: false,
            roles: vec![role],
        };
        // A script of what happens to this dossier.
        let fate = rng.gen_range(0..100);
        let mut script: Vec<(Actor, Action)> = vec![];
        if fate < 5 {
            script.push((desk.clone(), Action::Refuse));
        } else {
            if fate < 12 {
                script.push((desk.clone(), Action::RequestSupplement));
                script.push((Actor::Applicant, Action::Supplement));
            }
            script.push((desk.clone(), Action::Receive));
            if fate < 20 {
                script.push((staff(Role::Specialist), Action::RequestSupplement));
                if fate >= 15 {
                    script.push((Actor::Applicant, Action::Supplement));
                }
            }
            script.push((staff(Role::Specialist), Action::Forward));
            script.push((staff(Role::Leader), Action::IssueResult));
            script.push((desk.clone(), Action::ReturnResult));
        }
        let late = rng.gen_bool(0.08);
        for (actor, action) in script {
            let (status, step, resume) = situation_for(&d);
            let s = Situation {
                status,
                lead_agency: &proc.agency.code,
                workflow: &proc.workflow,
                step,
                resume_status: resume,
                assignee: None,
                consultations_pending: false,
                fee_due: None,
                withdrawal_requested: false,
            };
            let Ok(tr) = transition(&s, &actor, action) else { break };
            // Time passes: most steps take a fraction of the allowance; a few run late.
            let gap_hours = match proc.limit.unit {
                TimeUnit::Hours | TimeUnit::HalfDays => rng.gen_range(1..4),
                _ => rng.gen_range(2..(24 * i64::from(proc.limit.amount.max(1))).max(3)) / if late { 1 } else { 3 },
            };
            t = office_moment(&cal, t + Duration::hours(gap_hours), &mut rng);
            if t > now {
                break;
            }
            let who = match &actor {
                Actor::Applicant => by_applicant.clone(),
                _ => By { user_id: None, name: "Cán bộ (dữ liệu mẫu)".into() },
            };
            let note = action.requires_note().then(|| match action {
                Action::Refuse => "Hồ sơ không thuộc thẩm quyền giải quyết.".to_string(),
                _ => "Đề nghị bổ sung bản sao giấy tờ tùy thân còn hiệu lực.".to_string(),
            });
            let due = tr.restarts_clock.then(|| due_at(&cal, &rule, t, proc.limit));
            let mut change = Change::from_transition(&s, action, tr, t, due, note, vec![]);
            if action == Action::Receive {
                change.register_desk = centre.map(|c| c.code.clone());
            }
            d = dossiers::apply(db, &d, &change, &who, t).await?;
        }
    }
    number_registers(db).await?;
    Ok(made)
}

/// Numbers the registers of the generated history again in order of reception: the dossiers
/// were played one after the other, each from submission to result, so their receptions took
/// register entries out of order. A live register is numbered as dossiers are received; this is
/// for the demo's made-up past only.
async fn number_registers(db: &Database) -> Result<()> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, register_desk, received_at FROM dossiers \
         WHERE register_desk IS NOT NULL AND received_at IS NOT NULL ORDER BY received_at, id",
    )
    .fetch_all(db.reader())
    .await?;
    let mut last: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut tx = db.write_tx().await?;
    for (id, desk, received_at) in rows {
        let year = crate::from_millis(received_at).with_timezone(&vn_offset()).format("%Y").to_string();
        let entry = last.entry((desk, year)).or_default();
        *entry += 1;
        sqlx::query("UPDATE dossiers SET register_entry = $2 WHERE id = $1")
            .bind(id)
            .bind(*entry)
            .execute(&mut *tx)
            .await?;
    }
    for ((desk, year), n) in last {
        sqlx::query("UPDATE code_sequences SET last = $3 WHERE scope = $1 AND day = $2")
            .bind(format!("register:{desk}"))
            .bind(year)
            .bind(n)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Pays a historical dossier's fee as it is submitted.
async fn pay_on_submission(
    db: &Database,
    d: &dossiers::Dossier,
    proc: &catalog::Procedure,
    online: bool,
    by: &By,
    t: chrono::DateTime<Utc>,
) -> Result<dossiers::Dossier> {
    use crate::payments::{self, GatewayFacts, Settled};
    let payment = payments::start(db, d, if online { "sandbox" } else { "counter" }, None, t).await?;
    let s = Situation { fee_due: Some(proc.fee.timing), ..Situation::submitted(&proc.agency.code, &proc.workflow) };
    let mut change =
        Change::from_transition(&s, Action::Pay, motcua_domain::dossier::after_payment(&s), t, None, None, vec![]);
    change.fact = Some(if online {
        motcua_domain::history::Fact::PaidOnline {
            gateway: "sandbox".into(),
            amount_vnd: payment.amount_vnd,
            txn_ref: payment.txn_ref.clone(),
            bank_code: None,
        }
    } else {
        motcua_domain::history::Fact::PaidCash { amount_vnd: payment.amount_vnd }
    });
    let facts = GatewayFacts { response_code: Some("00".into()), ..GatewayFacts::default() };
    match payments::settle_paid(db, &payment, d, &change, &facts, by, None, t).await? {
        Settled::Paid(_) => dossiers::by_id(db, d.id).await,
        _ => Err(StoreError::Conflict(format!("the demo payment of {} was not settled", d.code))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::fee::quote;
    use serde_json::json;

    /// The legal sources of the demo catalog, one row per procedure.
    const SOURCES: &str = include_str!("../../../SOURCES.md");
    /// Notes on the demo province, its agencies and its codes.
    const DEMO_SOURCES: &str = include_str!("../demo/SOURCES.md");

    fn row(code: &str) -> Option<&'static str> {
        SOURCES.lines().find(|l| l.starts_with(&format!("| {code} |")))
    }

    #[test]
    fn every_demo_procedure_has_its_sources_and_placeholders_say_so() {
        let p = province().unwrap();
        for dp in &p.procedures {
            let row = row(&dp.code).unwrap_or_else(|| panic!("{} has no row in SOURCES.md", dp.code));
            let placeholder = row.contains("placeholder");
            assert_eq!(placeholder, dp.fee_is_placeholder, "{}: SOURCES.md and the demo data disagree", dp.code);
            if dp.fee_is_placeholder {
                assert!(dp.fee_note.as_deref().is_some_and(|n| n.contains("số liệu mẫu")), "{}", dp.code);
            }
        }
        let rows =
            SOURCES.lines().filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit));
        assert_eq!(rows.count(), p.procedures.len(), "one row per procedure");
    }

    /// A fee receipt names the tax code of the agency that collects (Decree 123/2020/NĐ-CP Art.
    /// 32), so every demo agency has one; they are made up, and both the file and its notes say
    /// so.
    #[test]
    fn every_agency_has_a_tax_code_marked_as_a_placeholder() {
        let p = province().unwrap();
        for a in &p.agencies {
            let code = a.tax_code.as_deref().unwrap_or_else(|| panic!("{} has no tax code", a.code));
            assert!(code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()), "{}: {code}", a.code);
        }
        assert!(p.tax_codes_are_placeholders);
        assert!(DEMO_SOURCES.contains("tax codes (mã số thuế) are placeholders"));
    }

    #[test]
    fn the_certified_copy_is_charged_by_pages_and_copies() {
        let p = province().unwrap();
        let dp = p.procedures.iter().find(|d| d.code == "2.000815").expect("certified copies");
        let schedule = dp.fee_schedule.as_ref().expect("a fee computed from the answers");
        let fee = |pages: i64, copies: i64| {
            let answers = json!({"so_trang": pages, "so_ban_sao": copies});
            quote(schedule, answers.as_object().unwrap()).total_vnd
        };
        assert_eq!(fee(1, 1), 2_000);
        assert_eq!(fee(5, 2), 14_000);
        assert_eq!(fee(300, 1), 200_000);
        assert!(motcua_domain::fee::validate(schedule, &dp.form).is_empty());
    }

    #[test]
    fn the_judicial_record_certificate_counts_ten_days() {
        let p = province().unwrap();
        let dp = p.procedures.iter().find(|d| d.code == "3.000333").expect("judicial record certificate");
        // Law on Judicial Records 2009 art. 48(1): "không quá 10 ngày", days and not working days.
        assert_eq!(dp.processing, TimeLimit::new(10, TimeUnit::Days));
        let steps = dp.workflow.as_deref().unwrap_or_default();
        let problems = motcua_domain::workflow::validate(
            steps,
            dp.processing,
            &motcua_domain::calendar::OfficeHours::default(),
            |a| p.agencies.iter().any(|x| x.code == a),
        );
        assert!(problems.is_empty(), "{problems:?}");
    }
}
