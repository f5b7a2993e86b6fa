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
    /// (unit, handed over / received, early / on time / late, note) — one row per hand-off.
    rows: Vec<(String, String, String, String)>,
}

/// Form 05 (old numbering) / 06 (new), Phiếu kiểm soát quá trình giải quyết hồ sơ — the process
/// control slip, rendered from the history: one row per hand-off, judged against the due date.
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
    let catalog = state.catalog();
    let p = &v.procedure;
    let d = &v.dossier;
    let judge = |at: chrono::DateTime<chrono::Utc>| {
        motcua_app::forms::timeliness(d.due_at, at).map(|t| t.label().to_string()).unwrap_or_default()
    };
    let (agency_parent, agency) = form_heading(&state, &p.agency);
    let rows = v
        .history
        .iter()
        .map(|e| {
            let (verb, actor) = (present::event_action(Lang::Vi, e), present::event_actor(Lang::Vi, e));
            (
                motcua_app::forms::slip_unit(&catalog, p, e),
                format!("{} — {verb} ({actor})", show_time(Some(e.at))),
                if e.action == "submit" { String::new() } else { judge(e.at) },
                present::event_detail(Lang::Vi, e),
            )
        })
        .collect();
    let page = ControlSlip { ctx: ctx.clone(), agency_parent, agency, code: d.code.clone(), rows };
    Ok(ctx.render(&page))
}
