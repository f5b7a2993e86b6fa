//! Mẫu đơn, tờ khai: a procedure's application form given out blank, to print and fill in by
//! hand for the desk or the post: a page for the browser's print, and an A4 PDF to download. It
//! is drawn from the form the system itself asks online, so the paper and the online form agree.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use motcua_domain::form::FieldType;
use motcua_render::{render_blank_application, BlankApplication, BlankQuestion};

use super::Ctx;
use crate::error::{AppError, HttpResult};
use motcua_app::i18n::Lang;
use motcua_app::state::AppState;

/// One question of the blank form: its label, and the choices to tick (for a choice).
pub struct BlankField {
    /// The question.
    pub label: String,
    /// The choices of a drop-down, each ticked by hand; empty for a field written in.
    pub choices: Vec<String>,
    /// A yes/no box.
    pub tick: bool,
    /// A long answer, with room for several lines.
    pub long: bool,
}

#[derive(Template)]
#[template(path = "blank_form.html")]
struct BlankFormPage {
    ctx: Ctx,
    code: String,
    title: String,
    agency: String,
    fields: Vec<BlankField>,
    documents: Vec<String>,
}

/// The blank form of a procedure whose catalogue entry names one: its official name, the
/// agency it goes to, its questions and the documents to attach (Vietnamese only: it is handed in
/// to a Vietnamese authority). `None` for a procedure without.
fn blank_form(state: &AppState, code: &str) -> Option<(String, String, Vec<BlankField>, Vec<String>)> {
    let catalog = state.catalog();
    let p = catalog.get(code)?;
    let title = p.details.forms.first().filter(|_| !p.form.is_empty())?.vi.clone();
    let fields = p
        .form
        .iter()
        .map(|f| BlankField {
            label: f.label.clone(),
            choices: match f.kind {
                FieldType::Select => f.options.iter().map(|o| o.label.clone()).collect(),
                _ => Vec::new(),
            },
            tick: f.kind == FieldType::Checkbox,
            long: f.kind == FieldType::Textarea,
        })
        .collect();
    let documents = p.documents.iter().map(|d| d.name.clone()).collect();
    Some((title, p.agency.name.clone(), fields, documents))
}

/// The blank form as a page, for the browser's print.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> HttpResult<Response> {
    let (title, agency, fields, documents) = blank_form(&state, &code).ok_or_else(AppError::not_found)?;
    let page = BlankFormPage { code, title, agency, fields, documents, ctx: Ctx { lang: Lang::Vi, ..ctx.clone() } };
    Ok(ctx.render(&page))
}

/// The blank form as an A4 PDF (`/thu-tuc/{code}/to-khai.pdf`).
pub async fn pdf(State(state): State<AppState>, Path(code): Path<String>) -> HttpResult<Response> {
    let (title, agency, fields, documents) = blank_form(&state, &code).ok_or_else(AppError::not_found)?;
    let questions = fields
        .into_iter()
        .map(|f| match f {
            BlankField { label, tick: true, .. } => BlankQuestion::Tick { label },
            BlankField { label, choices, .. } if !choices.is_empty() => BlankQuestion::Choice { label, choices },
            BlankField { label, long, .. } => BlankQuestion::Written { label, lines: if long { 4 } else { 1 } },
        })
        .collect();
    let procedure = state.catalog().get(&code).map(|p| format!("({} — {})", p.code, p.name)).unwrap_or_default();
    let form = BlankApplication { title, procedure, agency, questions, documents };
    let rendered = render_blank_application(&form).map_err(AppError::internal)?;
    let mut response = super::forms::pdf(&format!("to-khai-{code}"), rendered.bytes);
    // The same for everyone, and changed only by a new procedure version: cacheable for a while.
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}
