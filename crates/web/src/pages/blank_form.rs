//! Mẫu đơn, tờ khai: a procedure's application form given out blank, to print and fill in by
//! hand for the desk or the post (HTML for the browser's print, or its "save as PDF"). It is
//! drawn from the form the system itself asks online, so the paper and the online form agree.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use motcua_domain::form::FieldType;

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

/// The blank application form of a procedure whose catalogue entry names one (Vietnamese only:
/// it is handed in to a Vietnamese authority).
pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> HttpResult<Response> {
    let catalog = state.catalog();
    let p = catalog.get(&code).ok_or_else(AppError::not_found)?;
    let title = match p.details.forms.first() {
        Some(f) if !p.form.is_empty() => f.vi.clone(),
        _ => return Err(AppError::not_found().into()),
    };
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
    let vi = Lang::Vi;
    let page = BlankFormPage {
        code: p.code.clone(),
        title,
        agency: p.agency.name.clone(),
        fields,
        documents: p.documents.iter().map(|d| d.name.clone()).collect(),
        ctx: Ctx { lang: vi, ..ctx.clone() },
    };
    Ok(ctx.render(&page))
}
