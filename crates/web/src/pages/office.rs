//! The back office: an officer's work queue and their agency's dossiers.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::dossier::{list_page, status_filter, ListQuery};
use super::Ctx;
use crate::error::AppError;
use crate::service;
use crate::state::AppState;

/// The work queue (`scope` empty) or all of the agency's dossiers (`scope=agency`).
pub async fn queue(State(state): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Result<Response, AppError> {
    let user = match ctx.require_user() {
        Ok(u) => u.clone(),
        Err(r) => return Ok(r.into_response()),
    };
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
