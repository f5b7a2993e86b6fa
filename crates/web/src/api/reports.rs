//! `/api/v1/reports/*`: the steering committee's reports (shared/API.md "Reports"): II.06a, the
//! Decision 766 indicators and the dossiers behind their figures, and the IT-application figures.

use axum::extract::State;
use axum::Json;
use motcua_app::reports;
use motcua_app::state::AppState;
use serde::Deserialize;
use utoipa::IntoParams;

use motcua_app::indicators::{Figure, Part};
use motcua_domain::dossier::Channel;
use motcua_domain::indicators::Code;

use super::dto::{
    FigureDossierDto, FigureDossiersDto, Ii06aDossierDto, Ii06aDossiersDto, Ii06aDto, IndicatorsDto, ItApplicationDto,
};
use super::{errors, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::HttpResult;
use crate::lang::CallerLang;

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

/// Which figure of II.06a, of which period and scope.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Ii06aCellQuery {
    /// First day, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub to: Option<String>,
    /// The agency's code; absent for the province.
    pub agency: Option<String>,
    /// The column: `received`, `carried_over`, `online`, `direct`, `resolved`, `early`,
    /// `on_time`, `late`, `in_progress`, `in_time` or `overdue`.
    pub column: Option<String>,
    /// A row's level, `province` or `commune`; absent for the total.
    pub level: Option<String>,
    /// A row's field code; absent for a level's subtotal or the total.
    pub field: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Per page (1–200, default 50).
    pub per_page: Option<usize>,
}

/// The figure of II.06a a query names, or the fields at fault (named as the caller named them).
pub(crate) fn cell_of(
    column: Option<&str>,
    level: Option<&str>,
    field: Option<&str>,
    names: (&str, &str),
) -> Result<reports::Cell, motcua_app::error::AppError> {
    use motcua_app::error::AppError;
    use motcua_domain::report::{Column, Level};
    let one = |name: &str| AppError::fields([(name.to_string(), "report-cell-unknown".to_string())].into());
    let column = present(column).and_then(Column::parse).ok_or_else(|| one(names.0))?;
    let level = match present(level) {
        None => None,
        Some(l) => Some(Level::parse(l).ok_or_else(|| one(names.1))?),
    };
    Ok(reports::Cell { column, level, field: present(field).map(str::to_string) })
}

/// The dossiers behind a figure of II.06a (`/api/v1/reports/ii06a`): a column of a row (a field
/// at a level), of a level, or of the total; `total` equals the figure. Each is placed by the
/// report's definitions (`outcome`: `early`, `on_time`, `late`, `in_time` or `overdue`). Read as
/// the report is; dossiers are named by code, procedure and times only.
#[utoipa::path(get, path = "/api/v1/reports/ii06a/dossiers", tag = "reports", params(Ii06aCellQuery),
    responses((status = 200, body = Ii06aDossiersDto), errors::Unauthenticated, errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn ii06a_dossiers(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<Ii06aCellQuery>,
) -> HttpResult<Json<Ii06aDossiersDto>> {
    reports::scope_for(&state, &user, q.agency.as_deref())?;
    let period = reports::parse_period(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let cell = cell_of(q.column.as_deref(), q.level.as_deref(), q.field.as_deref(), ("column", "level"))?;
    let (_, all) = reports::ii06a_dossiers(&state, &user, period, q.agency.as_deref(), &cell).await?;
    let per = q.per_page.unwrap_or(50).clamp(1, 200);
    let skip = q.page.unwrap_or(1).max(1).saturating_sub(1).saturating_mul(per);
    Ok(Json(Ii06aDossiersDto {
        items: all.iter().skip(skip).take(per).map(Ii06aDossierDto::from).collect(),
        total: all.len(),
    }))
}

/// Decision 766/QĐ-TTg: the service-quality indicators of every unit (best first) and of the
/// province, each with numerator, denominator, value, target and points, and the score. The
/// on-time indicator (2.1) subtracts the time spent waiting for supplements and counts a dossier
/// with more than one supplement request as late. Read as the II.06a report is: the steering role
/// and administrators every unit; an officer their own unit (`units` holds it alone, with its
/// rank among all); anyone else gets 404.
#[utoipa::path(get, path = "/api/v1/reports/indicators", tag = "reports", params(ReportQuery),
    responses((status = 200, body = IndicatorsDto), errors::Unauthenticated, errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn indicators(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    CallerLang(lang): CallerLang,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> HttpResult<Json<IndicatorsDto>> {
    reports::scope_for(&state, &user, q.agency.as_deref())?;
    let period = reports::parse_period(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let found = motcua_app::indicators::indicators(&state, &user, period, q.agency.as_deref()).await?;
    Ok(Json(IndicatorsDto::new(&found, lang)))
}

/// The IT-application figures for the steering committee: the scope's procedures by online level
/// (full, partial, none); the shares of the period's dossiers received online, paid online, given
/// an electronic result and fully digitised (the fractions of indicators 3.3, 3.6, 4.1 and 4.2);
/// officers' use (officers who process, those who acted, their actions on dossiers and on
/// documents, actions per officer per month, and the same by agency); and the electronic office's
/// documents (incoming received electronically or registered from paper and scanned, outgoing
/// issued with a digital signature). Read as the II.06a report is; others get 404.
#[utoipa::path(get, path = "/api/v1/reports/it-application", tag = "reports", params(ReportQuery),
    responses((status = 200, body = ItApplicationDto), errors::Unauthenticated, errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn it_application(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> HttpResult<Json<ItApplicationDto>> {
    reports::scope_for(&state, &user, q.agency.as_deref())?;
    let period = reports::parse_period(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let found = motcua_app::it_application::it_application(&state, &user, period, q.agency.as_deref()).await?;
    Ok(Json(ItApplicationDto::from(&found)))
}

/// Which figure's dossiers, of which period and scope.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FigureQuery {
    /// First day, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, included, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub to: Option<String>,
    /// The unit's code; absent for the province.
    pub agency: Option<String>,
    /// An indicator's number (`2.1`…), with `part`.
    pub indicator: Option<String>,
    /// `numerator`, `denominator` (the default) or `remainder` (measured and not counted: the
    /// late of 2.1).
    pub part: Option<String>,
    /// Instead of an indicator: the dossiers received in the period through this channel.
    pub channel: Option<String>,
    /// Instead of an indicator: `true` for the dossiers open at the end of the period and late.
    pub overdue: Option<bool>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Per page (1–200, default 50).
    pub per_page: Option<usize>,
}

/// A parameter given and not blank.
fn present(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The figure a query names, or the fields at fault.
pub(crate) fn figure_of(
    indicator: Option<&str>,
    part: Option<&str>,
    channel: Option<&str>,
    overdue: bool,
    names: (&str, &str, &str),
) -> Result<Figure, motcua_app::error::AppError> {
    use motcua_app::error::AppError;
    let one = |field: &str| AppError::fields([(field.to_string(), "indicator-figure-unknown".to_string())].into());
    match (present(indicator), present(channel), overdue) {
        (Some(code), None, false) => {
            let code = Code::parse(code).ok_or_else(|| one(names.0))?;
            let part = match present(part) {
                None => Part::Denominator,
                Some(p) => Part::parse(p).ok_or_else(|| one(names.1))?,
            };
            let figure = Figure::Indicator(code, part);
            if figure.lists_dossiers() {
                Ok(figure)
            } else {
                Err(one(names.1))
            }
        }
        (None, Some(c), false) => Channel::parse(c).map(Figure::Channel).ok_or_else(|| one(names.2)),
        (None, None, true) => Ok(Figure::Overdue),
        _ => Err(one(names.0)),
    }
}

/// The dossiers behind a figure of the indicators (`/api/v1/reports/indicators`): an indicator's
/// numerator, denominator or remainder, the dossiers received through a channel, or those overdue
/// at the end of the period; `total` equals the figure. Dossiers are named by code, procedure
/// and times only: reading reports gives no sight of applicants.
#[utoipa::path(get, path = "/api/v1/reports/indicators/dossiers", tag = "reports", params(FigureQuery),
    responses((status = 200, body = FigureDossiersDto), errors::Unauthenticated, errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn indicator_dossiers(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<FigureQuery>,
) -> HttpResult<Json<FigureDossiersDto>> {
    reports::scope_for(&state, &user, q.agency.as_deref())?;
    let period = reports::parse_period(q.from.as_deref(), q.to.as_deref(), ("from", "to"))?;
    let figure = figure_of(
        q.indicator.as_deref(),
        q.part.as_deref(),
        q.channel.as_deref(),
        q.overdue.unwrap_or(false),
        ("indicator", "part", "channel"),
    )?;
    let (_, all) = motcua_app::indicators::dossiers_behind(&state, &user, period, q.agency.as_deref(), figure).await?;
    let per = q.per_page.unwrap_or(50).clamp(1, 200);
    let skip = q.page.unwrap_or(1).max(1).saturating_sub(1).saturating_mul(per);
    Ok(Json(FigureDossiersDto {
        items: all.iter().skip(skip).take(per).map(FigureDossierDto::from).collect(),
        total: all.len(),
    }))
}
