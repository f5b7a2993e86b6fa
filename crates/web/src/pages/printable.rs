//! Printable pages of a dossier: the receipt handed over at the desk and the process control
//! slip (HTML, for printing in the browser).

use motcua_app::present;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Ctx, SignedIn};
use crate::error::{AppError, HttpResult};
use motcua_app::i18n::Lang;
use motcua_app::present::show_time;
use motcua_app::state::AppState;
use motcua_domain::dossier::Action;

/// The two lines of a form's heading, in capitals: the governing body and the agency.
fn form_heading(state: &AppState, agency: &motcua_store::catalog::Agency) -> (String, String) {
    let issuer = state.issuer(agency);
    (issuer.agency.to_uppercase(), issuer.unit.to_uppercase())
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    agency_parent: String,
    agency: String,
    place_date: String,
    code: String,
    applicant: String,
    id_number: String,
    address: String,
    phone: String,
    email: String,
    procedure: String,
    documents: Vec<(String, String, String)>,
    time_limit: String,
    received: String,
    due: String,
    fee: String,
    officer: String,
}

/// Form 01, Giấy tiếp nhận hồ sơ và hẹn trả kết quả — the receipt and appointment, printable on
/// A5, for a received dossier (Vietnamese only: it is a legal form).
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    _signed_in: SignedIn,
    Path(code): Path<String>,
) -> HttpResult<Response> {
    let v = motcua_app::dossiers::view::view_dossier(&state, ctx.user.as_ref(), &code).await?;
    let d = &v.dossier;
    let Some(received_at) = d.received_at else {
        return Err(AppError::not_found().into());
    };
    let p = &v.procedure;
    let (agency_parent, agency) = form_heading(&state, &p.agency);
    let local = received_at.with_timezone(&motcua_domain::calendar::vn_offset());
    let officer = v.last_event(&[Action::Receive]).map(|e| e.actor_name.clone()).unwrap_or_default();
    let vi = Lang::Vi;
    let page = ReceiptPage {
        ctx: Ctx { lang: vi, ..ctx.clone() },
        agency_parent,
        agency,
        place_date: format!(
            "Ngày {:02} tháng {:02} năm {}",
            chrono::Datelike::day(&local),
            chrono::Datelike::month(&local),
            chrono::Datelike::year(&local)
        ),
        code: d.code.clone(),
        applicant: d.applicant.full_name.clone(),
        id_number: d.applicant.id_number.clone().unwrap_or_default(),
        address: d.applicant.address.clone().unwrap_or_default(),
        phone: d.applicant.phone.clone(),
        email: d.applicant.email.clone().unwrap_or_default(),
        procedure: p.name.clone(),
        documents: p
            .documents
            .iter()
            .map(|doc| {
                let got = v.attachments.iter().filter(|a| a.key == doc.key).count();
                (
                    doc.name.clone(),
                    vi.t(if doc.original { "doc-original" } else { "doc-copy" }),
                    if got > 0 { format!("{got} tệp") } else { "không nộp".to_string() },
                )
            })
            .collect(),
        time_limit: present::time_text(vi, p),
        received: format!("{} phút, ngày {}", local.format("%H giờ %M"), local.format("%d/%m/%Y")),
        due: d
            .due_at
            .map(|t| {
                let l = t.with_timezone(&motcua_domain::calendar::vn_offset());
                format!("{} phút, ngày {}", l.format("%H giờ %M"), l.format("%d/%m/%Y"))
            })
            .unwrap_or_default(),
        fee: present::fee_text(vi, d.fee_vnd),
        officer,
    };
    Ok(ctx.render(&page))
}

#[derive(Template)]
#[template(path = "control_slip.html")]
struct ControlSlip {
    ctx: Ctx,
    agency_parent: String,
    agency: String,
    code: String,
    coordinating: String,
    rows: Vec<SlipRow>,
}

/// One hand-off of the control slip as the page shows it.
struct SlipRow {
    units: String,
    times: String,
    persons: String,
    result: &'static str,
    note: String,
}

/// Form 05 (old numbering) / 06 (new), Phiếu kiểm soát quá trình giải quyết hồ sơ — the process
/// control slip, the same hand-offs as its PDF: one row each, judged against the giving unit's
/// allotment.
pub async fn control_slip(
    State(state): State<AppState>,
    ctx: Ctx,
    _signed_in: SignedIn,
    Path(code): Path<String>,
) -> HttpResult<Response> {
    let v = motcua_app::dossiers::view::view_dossier(&state, ctx.user.as_ref(), &code).await?;
    if !ctx.user.as_ref().is_some_and(|u| u.is_officer()) {
        return Err(AppError::not_found().into());
    }
    let slip = motcua_app::forms::control_slip(&state, &v);
    let (agency_parent, agency) = form_heading(&state, &v.procedure.agency);
    let rows = slip
        .hand_offs
        .into_iter()
        .map(|h| {
            let mut times = format!("Giao: {}", show_time(Some(h.handed_over_at)));
            if let Some(at) = h.received_at {
                times.push_str(&format!("; nhận: {}", show_time(Some(at))));
            }
            if let Some(due) = h.due_at {
                times.push_str(&format!("; hạn giao: {}", show_time(Some(due))));
            }
            SlipRow {
                units: format!("{} → {}", h.from_unit, h.to_unit),
                times,
                persons: format!("{} → {}", h.from_person, h.to_person),
                result: h.result.map(|t| t.label()).unwrap_or_default(),
                note: h.note,
            }
        })
        .collect();
    let coordinating =
        if slip.coordinating_agencies.is_empty() { "—".to_string() } else { slip.coordinating_agencies.join("; ") };
    let page =
        ControlSlip { ctx: ctx.clone(), agency_parent, agency, code: v.dossier.code.clone(), coordinating, rows };
    Ok(ctx.render(&page))
}
