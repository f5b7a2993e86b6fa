//! The back office: an officer's work queue and their agency's dossiers.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::apply::{answers_and_files, apply_page, error_order};
use super::dossier::{list_page, status_filter, ListQuery};
use super::{Ctx, FormErrors, SignedIn};
use crate::error::{AppError, ErrorKind};
use crate::service;
use crate::state::AppState;
use crate::uploads;

/// The work queue (`scope` empty) or all of the agency's dossiers (`scope=agency`).
pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    if !user.is_officer() {
        return Ok(Redirect::to("/ho-so").into_response());
    }
    let all = q.scope.as_deref() == Some("agency");
    let per_page = 50;
    let page = service::list_dossiers(&state, &user, all, status_filter(&q), q.page.unwrap_or(1), per_page).await?;
    let title = ctx.t(if all { "queue-agency-title" } else { "queue-title" });
    let mut view = list_page(&state, &ctx, title, "/can-bo", &q, page, per_page);
    view.tabs = vec![
        (ctx.t("queue-title"), "/can-bo".into(), !all),
        (ctx.t("queue-agency-title"), "/can-bo?scope=agency".into(), all),
    ];
    Ok(ctx.render(&view))
}

#[derive(askama::Template)]
#[template(path = "counter.html")]
struct CounterList {
    ctx: Ctx,
    q: String,
    items: Vec<(String, String, String)>,
}

/// Search parameters of the counter's procedure list.
#[derive(serde::Deserialize, Default)]
pub struct CounterQuery {
    q: Option<String>,
}

/// The procedures this desk receives, to start an in-person application.
pub async fn counter(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<CounterQuery>,
) -> Result<Response, AppError> {
    if !user.has(motcua_domain::dossier::Role::Reception) {
        return Err(AppError::not_found());
    }
    let catalog = state.catalog();
    let query = q.q.unwrap_or_default();
    let items = catalog
        .search(&query)
        .into_iter()
        .filter(|p| service::may_receive_for(&state, &user, &p.agency.code))
        .take(50)
        .map(|p| {
            (
                p.code.clone(),
                ctx.lang.pick(&p.name, p.name_en.as_deref()).to_string(),
                ctx.lang.pick(&p.agency.name, p.agency.name_en.as_deref()).to_string(),
            )
        })
        .collect();
    let page = CounterList { ctx: ctx.clone(), q: query, items };
    Ok(ctx.render(&page))
}

fn counter_procedure(
    state: &AppState,
    user: &motcua_store::users::User,
    code: &str,
) -> Result<motcua_store::catalog::Procedure, AppError> {
    let p = state.catalog().get(code).cloned().ok_or_else(AppError::not_found)?;
    if !service::may_receive_for(state, user, &p.agency.code) {
        return Err(AppError::not_found());
    }
    Ok(p)
}

/// The in-person application form.
pub async fn counter_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let p = counter_procedure(&state, &user, &code)?;
    let page = apply_page(&ctx, &p, &serde_json::Map::new(), FormErrors::default())
        .for_counter(&service::CounterApplicant::default());
    Ok(ctx.render(&page))
}

/// Records and receives an in-person application, then shows its receipt.
pub async fn counter_receive(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let p = counter_procedure(&state, &user, &code)?;
    let parts = uploads::read(mp, state.config.max_file_bytes).await?;
    ctx.check_csrf(parts.fields.get("_csrf").map(String::as_str))?;
    let field = |name: &str| parts.fields.get(name).cloned().unwrap_or_default();
    let applicant = service::CounterApplicant {
        full_name: field("applicant_full_name"),
        id_number: field("applicant_id_number"),
        phone: field("applicant_phone"),
        email: field("applicant_email"),
        address: field("applicant_address"),
    };
    let (answers, files) = answers_and_files(&p, parts);
    match service::receive_at_counter(&state, &user, &code, &applicant, &answers, &files).await {
        Ok(v) => Ok(Redirect::to(&format!("/ho-so/{}/giay-tiep-nhan", v.dossier.code)).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let mut order: Vec<String> = [
                "applicant_full_name",
                "applicant_id_number",
                "applicant_phone",
                "applicant_email",
                "applicant_address",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            order.extend(error_order(&p));
            let errors = FormErrors::from_keys(ctx.lang, &e.fields, &order);
            let page = apply_page(&ctx, &p, &answers, errors).for_counter(&applicant);
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}
