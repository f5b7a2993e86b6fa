//! The legal forms (biểu mẫu) of a dossier as PDF, gathered from the dossier and its history and
//! laid out by the render crate: receipt (01), supplement request (02), refusal (03), apology
//! and new date (04), stop notice (05, new numbering), process control slip, and the dossier
//! register of a unit for a period. Forms are in Vietnamese whatever the page language, as the
//! law prescribes; numbering follows the scheme configured for the province.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::calendar::{due_at, vn_offset};
use motcua_domain::catalog::ResultKind;
use motcua_domain::dossier::{Role, Status};
use motcua_render as render;
use motcua_store::dossiers::Event;
use serde::Deserialize;

use super::SignedIn;
use crate::error::{AppError, ErrorKind, HttpResult};
use motcua_app::dossiers::view::DossierView;
use motcua_app::i18n::Lang;
use motcua_app::present::{self, fee_text, time_text};
use motcua_app::state::AppState;

/// The PDF response, shown in the browser (and printable) rather than downloaded.
pub(super) fn pdf(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}.pdf\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

fn today() -> NaiveDate {
    Utc::now().with_timezone(&vn_offset()).date_naive()
}

fn last<'a>(v: &'a DossierView, action: &str) -> Option<&'a Event> {
    v.history.iter().rev().find(|e| e.action == action)
}

/// Lines of an officer's note as separate items ("item: reason" splits at the first colon).
fn items_of(note: &str) -> Vec<render::SupplementItem> {
    note.lines()
        .map(|l| l.trim().trim_start_matches(['-', '•', '*']).trim())
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(':') {
            Some((item, reason)) if !reason.trim().is_empty() => {
                render::SupplementItem { item: item.trim().into(), reason: reason.trim().into() }
            }
            _ => render::SupplementItem { item: l.into(), reason: String::new() },
        })
        .collect()
}

/// Who signs for the unit: its leader acting on the dossier, else the latest officer.
fn signer(v: &DossierView, actions: &[&str]) -> render::Signer {
    let name = v
        .history
        .iter()
        .rev()
        .find(|e| actions.contains(&e.action.as_str()))
        .map(|e| e.actor_name.clone())
        .unwrap_or_default();
    render::Signer { title: "THỦ TRƯỞNG CƠ QUAN".into(), name }
}

fn unavailable() -> AppError {
    AppError::with(ErrorKind::NotFound, "error-form-not-available")
}

fn rendered(r: Result<Vec<u8>, render::RenderError>) -> HttpResult<Vec<u8>> {
    Ok(r.map_err(AppError::internal)?)
}

/// One form of a dossier as PDF, for whoever may see the dossier; 404 when the form does not
/// apply (no supplement was asked, the dossier was not refused...).
pub async fn dossier_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((code, form)): Path<(String, String)>,
) -> HttpResult<Response> {
    let v = motcua_app::dossiers::view::view_dossier(&state, Some(&user), &code).await?;
    let numbering = state.config.form_numbering;
    let d = &v.dossier;
    let p = &v.procedure;
    let vi = Lang::Vi;
    let bytes = match form.as_str() {
        "tiep-nhan" => {
            let (Some(received_at), Some(due)) = (d.received_at, d.due_at) else { return Err(unavailable().into()) };
            let documents = p
                .documents
                .iter()
                .filter_map(|doc| {
                    let count = v.attachments.iter().filter(|a| a.key == doc.key).count();
                    (count > 0).then(|| render::ReceivedDocument {
                        name: doc.name.clone(),
                        kind: if doc.original { render::CopyKind::Original } else { render::CopyKind::Copy },
                        count: count as u32,
                    })
                })
                .collect();
            let local = received_at.with_timezone(&vn_offset());
            rendered(render::render_receipt(
                &render::Receipt {
                    issuer: state.issuer(&p.agency),
                    dossier: state.config.dossier_ref(&d.code),
                    issued_on: local.date_naive(),
                    applicant: v.form_applicant(),
                    procedure: p.name.clone(),
                    documents,
                    sets: 1,
                    time_limit: time_text(vi, p),
                    received_at,
                    due_at: due,
                    result_delivery: if p.result_kind == ResultKind::Electronic {
                        "Trực tuyến trên Cổng dịch vụ công hoặc tại Bộ phận một cửa".into()
                    } else {
                        "Tại Bộ phận tiếp nhận và trả kết quả".into()
                    },
                    fees: fee_text(vi, d.fee_vnd),
                    register_book: format!("Sổ theo dõi hồ sơ năm {}", chrono::Datelike::year(&local)),
                    register_entry: d.code.rsplit('-').next().unwrap_or_default().to_string(),
                    officer: last(&v, "receive").map(|e| e.actor_name.clone()).unwrap_or_default(),
                },
                numbering,
            ))?
        }
        "bo-sung" => {
            let e = last(&v, "request_supplement").ok_or_else(unavailable)?;
            rendered(render::render_supplement_request(
                &render::SupplementRequest {
                    issuer: state.issuer(&p.agency),
                    dossier: state.config.dossier_ref(&d.code),
                    issued_on: e.at.with_timezone(&vn_offset()).date_naive(),
                    applicant: v.form_applicant(),
                    procedure: p.name.clone(),
                    received_at: d.received_at.filter(|r| *r <= e.at),
                    items: items_of(e.note.as_deref().unwrap_or_default()),
                    officer: e.actor_name.clone(),
                    officer_phone: String::new(),
                },
                numbering,
            ))?
        }
        "tu-choi" => {
            let e = last(&v, "refuse").ok_or_else(unavailable)?;
            let reasons = e.note.as_deref().unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty());
            rendered(render::render_refusal(
                &render::Refusal {
                    issuer: state.issuer(&p.agency),
                    dossier: state.config.dossier_ref(&d.code),
                    issued_on: e.at.with_timezone(&vn_offset()).date_naive(),
                    applicant: v.form_applicant(),
                    procedure: p.name.clone(),
                    reasons: reasons.map(str::to_string).collect(),
                    officer: e.actor_name.clone(),
                },
                numbering,
            ))?
        }
        "xin-loi" => {
            let e = last(&v, "reschedule").ok_or_else(unavailable)?;
            let (Some(received_at), Some(new_due), Some(started)) = (d.received_at, d.due_at, d.clock_started_at)
            else {
                return Err(unavailable().into());
            };
            let rule = state.catalog().counting_rule(&p.agency.code);
            let old_due = due_at(&state.calendar(), &rule, started, p.limit);
            rendered(render::render_apology(
                &render::Apology {
                    issuer: state.issuer(&p.agency),
                    dossier: state.config.dossier_ref(&d.code),
                    issued_on: e.at.with_timezone(&vn_offset()).date_naive(),
                    applicant: v.form_applicant(),
                    procedure: p.name.clone(),
                    received_at,
                    old_due_at: old_due,
                    new_due_at: new_due,
                    reason: e.note.clone().unwrap_or_default(),
                    signer: render::Signer { title: "THỦ TRƯỞNG CƠ QUAN".into(), name: e.actor_name.clone() },
                },
                numbering,
            ))?
        }
        "dung-giai-quyet" => {
            if d.status != Status::Withdrawn {
                return Err(unavailable().into());
            }
            let e = last(&v, "withdraw").ok_or_else(unavailable)?;
            let received_at = d.received_at.unwrap_or(d.submitted_at);
            rendered(render::render_stop_notice(
                &render::StopNotice {
                    issuer: state.issuer(&p.agency),
                    dossier: state.config.dossier_ref(&d.code),
                    issued_on: today(),
                    applicant: v.form_applicant(),
                    procedure: p.name.clone(),
                    received_at,
                    stopped_at: e.at,
                    reason: match e.note.as_deref().filter(|n| !n.trim().is_empty()) {
                        Some(n) => format!("Người nộp hồ sơ đề nghị rút hồ sơ: {n}"),
                        None => "Người nộp hồ sơ đề nghị rút hồ sơ.".into(),
                    },
                    next_steps: "Tổ chức, cá nhân có nhu cầu tiếp tục giải quyết thì nộp hồ sơ mới.".into(),
                    signer: signer(&v, &["forward", "issue_result", "receive"]),
                },
                numbering,
            ))?
        }
        "kiem-soat" => {
            if !user.is_officer() {
                return Err(AppError::not_found().into());
            }
            rendered(render::render_control_slip(&control_slip(&state, &v), numbering))?
        }
        _ => return Err(AppError::not_found().into()),
    };
    Ok(pdf(&format!("{}-{form}", d.code), bytes))
}

/// The unit an event of the history happened in, as the control slip names it: the desk, the
/// applicant, or the agency of the workflow step.
pub(super) fn slip_unit(
    catalog: &motcua_app::state::Catalog,
    p: &motcua_store::catalog::Procedure,
    e: &Event,
) -> String {
    match e.action.as_str() {
        "submit" | "receive" | "return_result" => "Bộ phận tiếp nhận và trả kết quả".to_string(),
        "supplement" | "withdraw" => "Người nộp hồ sơ".to_string(),
        _ => e
            .step
            .and_then(|s| p.workflow.get(s as usize))
            .and_then(|s| catalog.agencies.get(&s.agency))
            .map(|a| a.name.clone())
            .unwrap_or_else(|| p.agency.name.clone()),
    }
}

/// Whether something done at `at` was early (before the due day), on time or late.
pub(super) fn timeliness(due: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Option<render::Timeliness> {
    let day = |t: DateTime<Utc>| t.with_timezone(&vn_offset()).date_naive();
    match due {
        None => None,
        Some(due) if day(at) < day(due) => Some(render::Timeliness::Early),
        Some(due) if at <= due => Some(render::Timeliness::OnTime),
        Some(_) => Some(render::Timeliness::Late),
    }
}

/// The control slip from the history: each event after the first hands the dossier over from
/// the unit that acted before to the unit that acts now, judged against the due date.
fn control_slip(state: &AppState, v: &DossierView) -> render::ControlSlip {
    let catalog = state.catalog();
    let p = &v.procedure;
    let d = &v.dossier;
    let unit_of = |e: &Event| slip_unit(&catalog, p, e);
    let judge = |at: DateTime<Utc>| timeliness(d.due_at, at);
    let hand_offs = v
        .history
        .windows(2)
        .map(|w| {
            let (before, e) = (&w[0], &w[1]);
            let verb = present::event_action(Lang::Vi, e);
            let detail = present::event_detail(Lang::Vi, e).replace('\n', "; ");
            render::HandOff {
                from_unit: unit_of(before),
                from_person: present::event_actor(Lang::Vi, before),
                to_unit: unit_of(e),
                to_person: present::event_actor(Lang::Vi, e),
                handed_over_at: before.at,
                received_at: Some(e.at),
                result: judge(e.at),
                note: if detail.is_empty() { verb } else { format!("{verb}: {detail}") },
            }
        })
        .collect();
    let mut coordinating: Vec<String> = p
        .workflow
        .iter()
        .flat_map(|s| std::iter::once(s.agency.clone()).chain(s.consultations.iter().map(|c| c.agency.clone())))
        .filter(|a| *a != p.agency.code)
        .filter_map(|a| catalog.agencies.get(&a).map(|x| x.name.clone()))
        .collect();
    coordinating.dedup();
    render::ControlSlip {
        issuer: state.issuer(&p.agency),
        dossier: state.config.dossier_ref(&d.code),
        lead_agency: p.agency.name.clone(),
        coordinating_agencies: coordinating,
        hand_offs,
    }
}

/// The period of a register.
#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    tu: Option<String>,
    den: Option<String>,
}

fn parse_day(raw: Option<&str>) -> Option<NaiveDate> {
    let raw = raw?.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y")).ok()
}

/// Sổ theo dõi hồ sơ — the dossier register of the officer's unit (every unit for the service
/// centre) for a period, received dossiers in order of reception, on A4.
pub async fn register(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<RegisterQuery>,
) -> HttpResult<Response> {
    let Some(agency_code) = user.agency_code.clone().filter(|_| user.is_officer()) else {
        return Err(AppError::not_found().into());
    };
    if !(user.has(Role::Reception) || user.has(Role::Leader) || user.has(Role::Admin)) {
        return Err(AppError::not_found().into());
    }
    let today = today();
    let from = parse_day(q.tu.as_deref()).unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), chrono::Datelike::month(&today), 1).unwrap_or(today)
    });
    let to = parse_day(q.den.as_deref()).unwrap_or(today);
    if to < from || (to - from).num_days() > 366 {
        return Err(AppError::fields([("den".to_string(), "register-bad-period".to_string())].into()).into());
    }
    let catalog = state.catalog();
    let agency = catalog.agencies.get(&agency_code).cloned().ok_or_else(AppError::not_found)?;
    let scope = (!agency.is_service_centre()).then_some(agency_code.as_str());
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(vn_offset()).single());
    let (Some(since), Some(until)) = (start(from), start(to.succ_opt().unwrap_or(to))) else {
        return Err(AppError::not_found().into());
    };
    let list = motcua_store::dossiers::received_between(
        &state.db,
        scope,
        since.with_timezone(&Utc),
        until.with_timezone(&Utc),
        REGISTER_MAX_ROWS,
    )
    .await?;
    let rows = list
        .iter()
        .map(|d| render::RegisterRow {
            code: d.code.clone(),
            applicant: d.applicant.full_name.clone(),
            procedure: catalog
                .get(&d.procedure_code)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| d.procedure_code.clone()),
            received_at: d.received_at.unwrap_or(d.submitted_at),
            due_at: d.due_at,
            finished_at: d.finished_at,
            returned_at: d.returned_at,
            status: Lang::Vi.t(&format!("status-{}", d.status.as_str())),
            note: if d.supplement_count > 0 {
                format!("Bổ sung {} lần", d.supplement_count)
            } else {
                String::new()
            },
        })
        .collect();
    let bytes = rendered(render::render_register(
        &render::Register {
            issuer: state.issuer(&agency),
            book: format!("Sổ theo dõi hồ sơ — {}", agency.name),
            from,
            to,
            rows,
        },
        state.config.form_numbering,
    ))?;
    Ok(pdf(&format!("so-theo-doi-{from}-{to}"), bytes))
}

/// A register holds at most this many rows (a unit's year is a few thousand dossiers).
const REGISTER_MAX_ROWS: i64 = 20_000;
