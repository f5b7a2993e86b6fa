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

#[derive(Template)]
#[template(path = "blank_form.html")]
struct BlankFormPage {
    ctx: Ctx,
    code: String,
    form: BlankApplication,
}

/// The blank form of a procedure whose catalogue entry names one: its official name, the
/// agency it goes to, its questions (a long answer given four lines) and the documents to attach
/// (Vietnamese only: it is handed in to a Vietnamese authority). `None` for a procedure without.
fn blank_form(state: &AppState, code: &str) -> Option<BlankApplication> {
    let catalog = state.catalog();
    let p = catalog.get(code)?;
    let title = p.details.forms.first().filter(|_| !p.form.is_empty())?.vi.clone();
    let questions = p
        .form
        .iter()
        .map(|f| {
            let label = f.label.clone();
            match f.kind {
                FieldType::Checkbox => BlankQuestion::Tick { label },
                FieldType::Select if !f.options.is_empty() => {
                    BlankQuestion::Choice { label, choices: f.options.iter().map(|o| o.label.clone()).collect() }
                }
                FieldType::Textarea => BlankQuestion::Written { label, lines: 4 },
                _ => BlankQuestion::Written { label, lines: 1 },
            }
        })
        .collect();
    Some(BlankApplication {
        title,
        procedure: format!("({} — {})", p.code, p.name),
        agency: p.agency.name.clone(),
        questions,
        documents: p.documents.iter().map(|d| d.name.clone()).collect(),
    })
}

/// The blank form as a page, for the browser's print.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> HttpResult<Response> {
    let form = blank_form(&state, &code).ok_or_else(AppError::not_found)?;
    let page = BlankFormPage { code, form, ctx: Ctx { lang: Lang::Vi, ..ctx.clone() } };
    Ok(ctx.render(&page))
}

/// The blank form as an A4 PDF (`/thu-tuc/{code}/to-khai.pdf`).
pub async fn pdf(State(state): State<AppState>, Path(code): Path<String>) -> HttpResult<Response> {
    let form = blank_form(&state, &code).ok_or_else(AppError::not_found)?;
    let rendered = render_blank_application(&form).map_err(AppError::internal)?;
    let mut response = super::forms::pdf(&format!("to-khai-{code}"), rendered.bytes);
    // The same for everyone, and changed only by a new procedure version: cacheable for a while.
    response
        .headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=3600"));
    Ok(response)
}
