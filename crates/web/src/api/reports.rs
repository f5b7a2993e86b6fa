//! `/api/v1/reports/*`: the steering committee's reports (shared/API.md "Reports").

use axum::extract::State;
use axum::Json;
use motcua_app::reports;
use motcua_app::state::AppState;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::Ii06aDto;
use super::{errors, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::HttpResult;

/// A report's period and scope.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD`; at most a year after `from`.
    #[param(format = Date)]
    pub to: Option<String>,
    /// The agency's code; absent for the whole province (steering and administrators only).
    pub agency: Option<String>,
}

/// Biểu II.06a: dossiers received, resolved and in progress in a period, by field and level.
/// The steering role and administrators read any agency or the province; an officer reads their
/// own agency's (theirs when `agency` is absent); anyone else gets 404.
#[utoipa::path(get, path = "/api/v1/reports/ii06a", tag = "reports", params(ReportQuery),
    responses((status = 200, body = Ii06aDto), errors::Unauthenticated, errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn ii06a(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> HttpResult<Json<Ii06aDto>> {
    // Who may read comes first: a caller who may not gets 404 whatever the dates.
    reports::scope_for(&state, &user, q.agency.as_deref())?;
    let period = reports::parse_period(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let report = reports::ii06a(&state, &user, period, q.agency.as_deref()).await?;
    Ok(Json(Ii06aDto::from(&report)))
}
