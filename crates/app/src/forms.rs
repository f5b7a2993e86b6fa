//! The legal forms (biểu mẫu) of a dossier as PDF, gathered from the dossier and its history and
//! laid out by the render crate: receipt (01), supplement request (02), refusal (03), apology
//! and new date (04), stop notice (05, new numbering), process control slip, and the dossier
//! register of a unit for a period. Forms are in Vietnamese whatever the reader's language, as
//! the law prescribes; numbering follows the scheme configured for the province.

use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::calendar::{due_at, vn_offset};
use motcua_domain::catalog::ResultKind;
use motcua_domain::dossier::{Action, Role, Status};
use motcua_render::{self as render, FormKind};
use motcua_store::dossiers::Event;
use motcua_store::users::User;

use crate::dossiers::view::DossierView;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::i18n::Lang;
use crate::present::{self, fee_text, time_text};
use crate::state::AppState;

fn today() -> NaiveDate {
    day_of(Utc::now())
}

/// The day of a moment in Vietnam: the date a form is issued on.
fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&vn_offset()).date_naive()
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

/// A document the agency numbers in its own register and its head signs (the apology 04, the
/// stop notice): the agency, the number and symbol it has there this year, and who signs.
pub struct AgencyDocument {
    /// The agency that issues it: for an apology, the one at fault.
    pub agency: motcua_store::catalog::Agency,
    /// Number and symbol, e.g. "12/PXL-STP".
    pub number: String,
    /// The head of the agency, as printed under the signature.
    pub signer: render::Signer,
}

/// Takes the next number of `agency`'s register of `kind` for the year of `at`, and names its
/// head (its first leader; the acting officer when the agency has none on record).
pub async fn agency_document(
    state: &AppState,
    kind: FormKind,
    agency: &motcua_store::catalog::Agency,
    acting: &str,
    at: DateTime<Utc>,
) -> AppResult<AgencyDocument> {
    let symbol = match kind {
        FormKind::Apology => "PXL",
        FormKind::AppraisalRefusal => "PTC",
        _ => "TB",
    };
    let year = chrono::Datelike::year(&at.with_timezone(&vn_offset()));
    let n = motcua_store::issued_forms::next_number(&state.db, &format!("{symbol}:{}", agency.code), year).await?;
    let head = motcua_store::users::officers_of(&state.db, &agency.code, Role::Leader).await?;
    let name = head.into_iter().next().map_or_else(|| acting.to_string(), |(_, name)| name);
    Ok(AgencyDocument {
        number: format!("{n}/{symbol}-{}", agency_symbol(&agency.name)),
        signer: render::Signer { title: head_title(agency.kind).into(), name },
        agency: agency.clone(),
    })
}

/// The title of an agency's head as printed over the signature.
fn head_title(kind: motcua_domain::catalog::AgencyKind) -> &'static str {
    use motcua_domain::catalog::AgencyKind;
    match kind {
        AgencyKind::Province | AgencyKind::Commune => "CHỦ TỊCH",
        AgencyKind::Department | AgencyKind::ServiceCentre => "GIÁM ĐỐC",
    }
}

/// The abbreviation of an agency's name in a document symbol (Decree 30/2020 Annex I: the
/// initials of the issuing body, without its place): "UBND" for a People's Committee, "CAT" for
/// a provincial police, else the first letter of each word before the province's name,
/// "Sở Tư pháp tỉnh Lào Cai" → "STP", "Trung tâm Phục vụ hành chính công tỉnh …" → "TTPVHCC".
pub fn agency_symbol(name: &str) -> String {
    let folded = motcua_domain::text::fold(name);
    if folded.starts_with("uy ban nhan dan") {
        return "UBND".into();
    }
    if folded.starts_with("cong an tinh") {
        return "CAT".into();
    }
    let body = folded.rsplit_once(" tinh ").map_or(folded.as_str(), |(body, _place)| body);
    body.split_whitespace().filter_map(|w| w.chars().next()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Who signs an agency document: its head as taken at issue, else a head's title over the name
/// of the officer who acted.
fn signer_of(
    document: Option<&AgencyDocument>,
    agency: &motcua_store::catalog::Agency,
    acting: &str,
) -> render::Signer {
    match document {
        Some(doc) => doc.signer.clone(),
        None => render::Signer { title: head_title(agency.kind).into(), name: acting.to_string() },
    }
}

fn unavailable() -> AppError {
    AppError::with(ErrorKind::NotFound, "error-form-not-available")
}

fn rendered(r: Result<render::FormPdf, render::RenderError>) -> AppResult<render::FormPdf> {
    r.map_err(AppError::internal)
}

/// One form of a dossier `v` (as `viewer` may see it) as PDF; not found when the form does not
/// apply (no supplement was asked, the dossier was not refused, a citizen asks for the slip, or
/// the form is not one of a single dossier: the register, the fee receipt). `desk`: the centre
/// or agency whose one-stop desk issues it, for the forms of reception (the receipt, and a
/// refusal or supplement request before the dossier was received). `document`: the number and
/// signer of the apology or stop notice, taken when it is issued.
pub fn dossier_form(
    state: &AppState,
    viewer: &User,
    v: &DossierView,
    kind: FormKind,
    desk: Option<&motcua_store::catalog::Agency>,
    document: Option<&AgencyDocument>,
) -> AppResult<render::FormPdf> {
    let numbering = state.config.form_numbering;
    let d = &v.dossier;
    let p = &v.procedure;
    let vi = Lang::Vi;
    // A form of reception is the desk's; one after reception is the deciding agency's.
    let at_reception = |at: DateTime<Utc>| d.received_at.is_none_or(|r| at <= r);
    let issuer_at = |at: DateTime<Utc>| match desk {
        Some(centre) if at_reception(at) => state.desk_issuer(centre),
        _ => state.issuer(&p.agency),
    };
    let bytes = match kind {
        FormKind::Receipt => {
            let (Some(received_at), Some(due)) = (d.received_at, d.due_at) else { return Err(unavailable()) };
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
                    issuer: issuer_at(received_at),
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
                        format!("Tại {}", crate::state::DESK_NAME)
                    },
                    fees: fee_text(vi, d.fee_vnd),
                    register_book: format!("Sổ theo dõi hồ sơ năm {}", chrono::Datelike::year(&local)),
                    // The entry the desk's register gave it at reception: 01, 02, … each year.
                    register_entry: d.register_entry.map(|n| format!("{n:02}")).unwrap_or_default(),
                    officer: v.last_event(&[Action::Receive]).map(|e| e.actor_name.clone()).unwrap_or_default(),
                },
                numbering,
            ))?
        }
        FormKind::SupplementRequest => {
            let e = v.last_event(&[Action::RequestSupplement]).ok_or_else(unavailable)?;
            rendered(render::render_supplement_request(
                &render::SupplementRequest {
                    issuer: issuer_at(e.at),
                    dossier: state.config.dossier_ref(&d.code),
                    issued_on: day_of(e.at),
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
        FormKind::Refusal => {
            let e = v.last_event(&[Action::Refuse]).ok_or_else(unavailable)?;
            let reasons = e.note.as_deref().unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty());
            rendered(render::render_refusal(
                &render::Refusal {
                    issuer: issuer_at(e.at),
                    dossier: state.config.dossier_ref(&d.code),
                    issued_on: day_of(e.at),
                    applicant: v.form_applicant(),
                    procedure: p.name.clone(),
                    reasons: reasons.map(str::to_string).collect(),
                    officer: e.actor_name.clone(),
                },
                numbering,
            ))?
        }
        FormKind::AppraisalRefusal => {
            let e = v.last_event(&[Action::Refuse]).ok_or_else(unavailable)?;
            let received_at = d.received_at.ok_or_else(unavailable)?;
            let reasons = e.note.as_deref().unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty());
            // The desk hands the dossier back with the refusal (Decree 61/2018 Art. 19.8).
            let desk = format!("{} (để trả hồ sơ);", crate::state::DESK_NAME);
            rendered(render::render_appraisal_refusal(
                &render::AppraisalRefusal {
                    letter: agency_letter(state, v, document, e, received_at, desk),
                    reasons: reasons.map(str::to_string).collect(),
                },
                numbering,
            ))?
        }
        FormKind::Apology => {
            let e = v.last_event(&[Action::Reschedule]).ok_or_else(unavailable)?;
            let (Some(received_at), Some(new_due), Some(started)) = (d.received_at, d.due_at, d.clock_started_at)
            else {
                return Err(unavailable());
            };
            let rule = state.catalog().counting_rule(&p.agency.code);
            let old_due = due_at(&state.calendar(), &rule, started, p.limit);
            // The one-stop desk records the new date (Decree 61/2018 Art. 19.9).
            let desk = format!("{} (để theo dõi);", crate::state::DESK_NAME);
            rendered(render::render_apology(
                &render::Apology {
                    letter: agency_letter(state, v, document, e, received_at, desk),
                    old_due_at: old_due,
                    new_due_at: new_due,
                    reason: e.note.clone().unwrap_or_default(),
                },
                numbering,
            ))?
        }
        FormKind::StopNotice => {
            if d.status != Status::Withdrawn {
                return Err(unavailable());
            }
            // Only a dossier that was received is stopped, by the agency's decision on the
            // applicant's request; one withdrawn before reception was never in processing.
            let e = v.last_event(&[Action::Stop]).ok_or_else(unavailable)?;
            let request = v.last_event(&[Action::Withdraw]);
            let received_at = d.received_at.ok_or_else(unavailable)?;
            let desk = format!("{};", crate::state::DESK_NAME);
            rendered(render::render_stop_notice(
                &render::StopNotice {
                    letter: agency_letter(state, v, document, e, received_at, desk),
                    stopped_at: e.at,
                    reason: match request.and_then(|r| r.note.as_deref()).filter(|n| !n.trim().is_empty()) {
                        Some(n) => format!("Người nộp hồ sơ đề nghị rút hồ sơ: {n}"),
                        None => "Người nộp hồ sơ đề nghị rút hồ sơ.".into(),
                    },
                    next_steps: "Tổ chức, cá nhân có nhu cầu tiếp tục giải quyết thì nộp hồ sơ mới.".into(),
                    fee_paid_vnd: if d.fee_paid_at.is_some() { d.fee_vnd } else { 0 },
                    refund: "Khoản phí, lệ phí đã nộp được hoàn trả theo quy định của pháp luật về phí, lệ phí; \
                             Ông/Bà liên hệ Bộ phận tiếp nhận và trả kết quả để nhận lại."
                        .into(),
                },
                numbering,
            ))?
        }
        FormKind::ControlSlip => {
            if !viewer.is_officer() {
                return Err(AppError::not_found());
            }
            rendered(render::render_control_slip(&control_slip(state, v), numbering))?
        }
        FormKind::Register
        | FormKind::FeeReceipt
        | FormKind::Ii06a
        | FormKind::OfficialDocument
        | FormKind::IncomingRegister
        | FormKind::OutgoingRegister => return Err(AppError::not_found()),
    };
    Ok(bytes)
}

/// The letter part of a document the agency numbers and sends about the act `e`: from the
/// agency of `document` (the procedure's when none), dated the day of the act, signed by its head,
/// copies to the applicant, `desk` and the archive.
fn agency_letter(
    state: &AppState,
    v: &DossierView,
    document: Option<&AgencyDocument>,
    e: &Event,
    received_at: DateTime<Utc>,
    desk: String,
) -> render::Letter {
    let agency = document.map_or(&v.procedure.agency, |doc| &doc.agency);
    render::Letter {
        issuer: state.issuer(agency),
        dossier: state.config.dossier_ref(&v.dossier.code),
        issued_on: day_of(e.at),
        applicant: v.form_applicant(),
        procedure: v.procedure.name.clone(),
        received_at,
        signer: signer_of(document, agency, &e.actor_name),
        number: document.map(|doc| doc.number.clone()).unwrap_or_default(),
        recipients: vec!["Như trên;".into(), desk, "Lưu: VT.".into()],
    }
}

/// The unit an event of the history happened in, as the control slip names it: the desk, the
/// applicant (who submits online and supplements), or the agency of the workflow step.
fn slip_unit(catalog: &crate::state::Catalog, v: &DossierView, e: &Event) -> String {
    let p = &v.procedure;
    match e.action.as_str() {
        "submit" if v.dossier.channel == motcua_domain::dossier::Channel::Online => "Người nộp hồ sơ".to_string(),
        "submit" | "receive" | "return_result" => crate::state::DESK_NAME.to_string(),
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
fn timeliness(due: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Option<render::Timeliness> {
    match due {
        None => None,
        Some(due) if day_of(at) < day_of(due) => Some(render::Timeliness::Early),
        Some(due) if at <= due => Some(render::Timeliness::OnTime),
        Some(_) => Some(render::Timeliness::Late),
    }
}

/// By when the giver of each hand-off of `history` (one per event after the first) had to pass
/// the dossier on: the end of its workflow step's allotment, `step_due(step, entered at)`, when
/// the step has one, else the dossier's due date `overall`; none while the applicant held it
/// (a supplement asked). The step's clock runs from when the dossier entered the step and goes
/// on across a supplement, as the step's deadline is set when processing enters it.
fn hand_off_dues(
    history: &[Event],
    step_due: impl Fn(i64, DateTime<Utc>) -> Option<DateTime<Utc>>,
    overall: Option<DateTime<Utc>>,
) -> Vec<Option<DateTime<Utc>>> {
    let mut step_since: Option<(i64, DateTime<Utc>)> = None;
    let mut dues = Vec::new();
    for (i, e) in history.iter().enumerate() {
        if i > 0 {
            let with_applicant = history[i - 1].to_status == Status::SupplementRequested;
            let allotted = step_since.and_then(|(step, since)| step_due(step, since));
            dues.push(if with_applicant { None } else { allotted.or(overall) });
        }
        if e.to_status.is_in_workflow() {
            if step_since.map(|(step, _)| step) != e.step {
                step_since = e.step.map(|step| (step, e.at));
            }
        } else if e.to_status != Status::SupplementRequested {
            step_since = None;
        }
    }
    dues
}

/// The control slip from the history: each event after the first hands the dossier over from
/// the unit that acted before to the unit that acts now. The giving unit is judged against its
/// own allotment when its workflow step has one (counted from when the dossier entered the step,
/// by that agency's rules, as the step's deadline is set), else against the dossier's due date
/// (Circular 01/2018 form 05: early, on time or late per hand-off).
pub fn control_slip(state: &AppState, v: &DossierView) -> render::ControlSlip {
    let catalog = state.catalog();
    let calendar = state.calendar();
    let p = &v.procedure;
    let d = &v.dossier;
    let unit_of = |e: &Event| slip_unit(&catalog, v, e);
    let step_due = |step: i64, since: DateTime<Utc>| {
        let step = p.workflow.get(usize::try_from(step).ok()?)?;
        Some(due_at(&calendar, &catalog.counting_rule(&step.agency), since, step.allotment?))
    };
    let dues = hand_off_dues(&v.history, step_due, d.due_at);
    let hand_offs = v
        .history
        .windows(2)
        .zip(dues)
        .map(|(w, due)| {
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
                due_at: due,
                result: timeliness(due, e.at),
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

/// Sổ theo dõi hồ sơ — the register of the officer's one-stop desk (the service centre's, or the
/// agency's own) from `from` to `to` included (at most a year): the dossiers that desk received,
/// in order of reception, on A4, stamped with the time of the export (returned with it, and the
/// desk's agency, which signs it: `issued::register_pdf`). Desk officers, leaders and
/// administrators only.
pub async fn register(
    state: &AppState,
    user: &User,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<(render::FormPdf, String, DateTime<Utc>)> {
    let Some(agency_code) = user.agency_code.clone().filter(|_| user.is_officer()) else {
        return Err(AppError::not_found());
    };
    if !(user.has(Role::Reception) || user.has(Role::Leader) || user.has(Role::Admin)) {
        return Err(AppError::not_found());
    }
    if to < from || (to - from).num_days() > 366 {
        return Err(AppError::fields([("den".to_string(), "register-bad-period".to_string())].into()));
    }
    let catalog = state.catalog();
    let agency = catalog.agencies.get(&agency_code).cloned().ok_or_else(AppError::not_found)?;
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).and_then(|t| t.and_local_timezone(vn_offset()).single());
    let (Some(since), Some(until)) = (start(from), start(to.succ_opt().unwrap_or(to))) else {
        return Err(AppError::not_found());
    };
    let list = motcua_store::dossiers::registered_between(
        &state.db,
        &agency_code,
        since.with_timezone(&Utc),
        until.with_timezone(&Utc),
        REGISTER_MAX_ROWS,
    )
    .await?;
    let rows = list
        .iter()
        .map(|d| {
            let status = Lang::Vi.t(&format!("status-{}", d.status.as_str()));
            let lead = catalog.agencies.get(&d.lead_agency);
            render::RegisterRow {
                entry: d.register_entry,
                code: d.code.clone(),
                applicant: d.applicant.full_name.clone(),
                contact: [d.applicant.address.clone().unwrap_or_default(), d.applicant.phone.clone()]
                    .into_iter()
                    .filter(|s| !s.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(", "),
                sets: 1,
                agency: lead.map(|a| a.name.clone()).unwrap_or_else(|| d.lead_agency.clone()),
                // Received, the dossier is in the lead agency's first step at once: the desk
                // hands it over electronically at reception.
                handed_over_at: d.received_at,
                procedure: catalog
                    .get(&d.procedure_code)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| d.procedure_code.clone()),
                received_at: d.received_at.unwrap_or(d.submitted_at),
                due_at: d.due_at,
                finished_at: d.finished_at,
                returned_at: d.returned_at,
                note: if d.supplement_count > 0 {
                    format!("{status}; bổ sung {} lần", d.supplement_count)
                } else {
                    status
                },
            }
        })
        .collect();
    let now = Utc::now();
    let pdf = rendered(render::render_register(
        &render::Register {
            issuer: state.issuer(&agency),
            book: format!("Sổ theo dõi hồ sơ — {}", agency.name),
            from,
            to,
            exported_at: now,
            rows,
        },
        state.config.form_numbering,
    ))?;
    Ok((pdf, agency.code, now))
}

/// A register holds at most this many rows (a unit's year is a few thousand dossiers).
const REGISTER_MAX_ROWS: i64 = 20_000;

/// The first day of this month in Vietnam, and today: the register's default period.
pub fn this_month() -> (NaiveDate, NaiveDate) {
    let today = today();
    let first = NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), chrono::Datelike::month(&today), 1);
    (first.unwrap_or(today), today)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};
    use motcua_domain::dossier::Status;
    use motcua_store::dossiers::Event;

    use super::{agency_symbol, hand_off_dues, timeliness};

    fn event(hour: i64, action: &str, to_status: Status, step: Option<i64>) -> Event {
        Event {
            id: hour,
            at: Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap() + Duration::hours(hour),
            actor_user_id: None,
            actor_name: String::new(),
            action: action.into(),
            from_status: None,
            to_status,
            step,
            note: None,
            fact: None,
        }
    }

    /// Circular 01/2018 form 05: each hand-off is judged against the giving unit's own share of
    /// the time limit, not the dossier's due date alone.
    #[test]
    fn each_hand_off_is_judged_against_the_givers_allotment() {
        let history = [
            event(0, "submit", Status::Submitted, None),
            event(1, "receive", Status::Received, Some(0)),
            event(30, "forward", Status::Processing, Some(1)),
            event(40, "request_supplement", Status::SupplementRequested, Some(1)),
            event(100, "supplement", Status::Processing, Some(1)),
            event(110, "issue_result", Status::ResultReady, Some(1)),
        ];
        // Step 0 may keep the dossier a day, step 1 three days, counted from entering the step.
        let step_due = |step: i64, since| Some(since + Duration::hours(if step == 0 { 24 } else { 72 }));
        let overall = Some(history[1].at + Duration::hours(240));
        let dues = hand_off_dues(&history, step_due, overall);
        let at = |hour: i64| Some(history[0].at + Duration::hours(hour));
        assert_eq!(dues, [overall, at(1 + 24), at(30 + 72), None, at(30 + 72)]);
        // Step 0 handed over after 29 hours of its 24: late, though the dossier is far from due.
        let judged: Vec<_> = dues.iter().zip(&history[1..]).map(|(due, e)| timeliness(*due, e.at)).collect();
        use motcua_render::Timeliness::{Early, Late};
        assert_eq!(judged, [Some(Early), Some(Late), Some(Early), None, Some(Late)]);
    }

    #[test]
    fn agency_symbols_are_the_initials_without_the_place() {
        assert_eq!(agency_symbol("Sở Tư pháp tỉnh Lào Cai"), "STP");
        assert_eq!(agency_symbol("Trung tâm Phục vụ hành chính công tỉnh Lào Cai"), "TTPVHCC");
        assert_eq!(agency_symbol("Công an tỉnh Lào Cai"), "CAT");
        assert_eq!(agency_symbol("Ủy ban nhân dân phường Lào Cai"), "UBND");
    }
}
