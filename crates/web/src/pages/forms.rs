//! The legal forms of a dossier and the register as PDF responses: the URL names the form, the
//! application core (`motcua_app::forms`) gathers and renders it.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::SignedIn;
use crate::error::{AppError, HttpResult};
use motcua_app::forms;
use motcua_app::state::AppState;
use motcua_render::FormKind;

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

/// The forms of a dossier and the names their URLs give them (`/bieu-mau/{slug}`).
const SLUGS: [(&str, FormKind); 7] = [
    ("tiep-nhan", FormKind::Receipt),
    ("bo-sung", FormKind::SupplementRequest),
    ("tu-choi", FormKind::Refusal),
    ("tu-choi-giai-quyet", FormKind::AppraisalRefusal),
    ("xin-loi", FormKind::Apology),
    ("dung-giai-quyet", FormKind::StopNotice),
    ("kiem-soat", FormKind::ControlSlip),
];

/// The form a URL names.
fn form_of(slug: &str) -> Option<FormKind> {
    SLUGS.iter().find(|(s, _)| *s == slug).map(|(_, kind)| *kind)
}

/// The URL name of a form of a dossier.
pub(super) fn slug_of(kind: FormKind) -> Option<&'static str> {
    SLUGS.iter().find(|(_, k)| *k == kind).map(|(slug, _)| *slug)
}

/// One form of a dossier as PDF, for whoever may see the dossier: the form as issued at the act
/// it records, byte for byte; 404 when the form does not apply (no supplement was asked, the
/// dossier was not refused...).
pub async fn dossier_form(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((code, form)): Path<(String, String)>,
) -> HttpResult<Response> {
    let kind = form_of(&form).ok_or_else(AppError::not_found)?;
    let v = motcua_app::dossiers::view::view_dossier(&state, Some(&user), &code).await?;
    let bytes = motcua_app::issued::form_pdf(&state, &user, &v, kind).await?;
    Ok(pdf(&format!("{}-{form}", v.dossier.code), bytes))
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

/// Sổ theo dõi hồ sơ of the officer's unit for a period (this month by default).
pub async fn register(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<RegisterQuery>,
) -> HttpResult<Response> {
    let (first, today) = forms::this_month();
    let from = parse_day(q.tu.as_deref()).unwrap_or(first);
    let to = parse_day(q.den.as_deref()).unwrap_or(today);
    let bytes = motcua_app::issued::register_pdf(&state, &user, from, to).await?;
    Ok(pdf(&format!("so-theo-doi-{from}-{to}"), bytes))
}
