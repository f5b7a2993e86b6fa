//! `/api/v1/calendar/*`: the working calendar and the deadline calculator.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::calendar::{due_at, TimeLimit, TimeUnit};
use motcua_domain::dossier::Role;
use motcua_store::calendar::{self, YearCalendar};
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::IntoParams;

use super::dto::{CalendarYear, DueResponse};
use super::{errors, ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorKind, HttpResult};
use motcua_app::state::AppState;

fn one_error(field: &str, key: &str) -> AppError {
    let mut f = BTreeMap::new();
    f.insert(field.to_string(), key.to_string());
    AppError::fields(f)
}

fn check_year(year: i32) -> HttpResult<i32> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::not_found().into())
    }
}

/// A year's official days off and make-up working days.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "calendar", params(("year" = i32, Path)),
    responses((status = 200, body = CalendarYear), errors::NotFound))]
pub async fn get_year(State(state): State<AppState>, ApiPath(year): ApiPath<i32>) -> HttpResult<Json<CalendarYear>> {
    let year = check_year(year)?;
    let y = calendar::year(&state.db, year).await?;
    let fmt = |v: Vec<NaiveDate>| v.into_iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
    Ok(Json(CalendarYear { year, days_off: fmt(y.days_off), working_days: fmt(y.working_days) }))
}

/// Replace a year's calendar (administrators).
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "calendar", params(("year" = i32, Path)), request_body = CalendarYear,
    responses((status = 200, body = CalendarYear), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::NotFound, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn put_year(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(year): ApiPath<i32>,
    ApiJson(body): ApiJson<CalendarYear>,
) -> HttpResult<Json<CalendarYear>> {
    if !user.has(Role::Admin) {
        return Err(AppError::new(ErrorKind::Forbidden).into());
    }
    let year = check_year(year)?;
    let parse = |field: &str, list: &[String]| -> HttpResult<Vec<NaiveDate>> {
        list.iter()
            .map(|s| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .filter(|d| chrono::Datelike::year(d) == year)
                    .ok_or_else(|| one_error(field, "field-not-date-in-year").into())
            })
            .collect()
    };
    let cal = YearCalendar {
        days_off: parse("days_off", &body.days_off)?,
        working_days: parse("working_days", &body.working_days)?,
    };
    if cal.days_off.iter().any(|d| cal.working_days.contains(d)) {
        return Err(one_error("working_days", "field-day-both").into());
    }
    calendar::set_year(&state.db, year, &cal).await.map_err(|e| match e {
        motcua_store::StoreError::Conflict(_) => one_error("days_off", "field-day-twice"),
        other => other.into(),
    })?;
    state.reload_calendar().await?;
    get_year(State(state), ApiPath(year)).await
}

/// Deadline parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DueQuery {
    /// Reception time, RFC 3339.
    #[param(format = DateTime)]
    pub from: String,
    /// Amount of the limit.
    #[param(maximum = 3650)]
    pub amount: u32,
    /// `working_days`, `days`, `half_days`, `hours` or `months`.
    #[param(pattern = "^(working_days|days|half_days|hours|months)$")]
    pub unit: String,
    /// Agency whose office hours and cut-off apply.
    pub agency: Option<String>,
}

/// The deadline by the counting rule of DESIGN.md section 4.
#[utoipa::path(get, path = "/api/v1/calendar/due", tag = "calendar", params(DueQuery),
    responses((status = 200, body = DueResponse), errors::BadRequest, errors::Validation))]
pub async fn due(State(state): State<AppState>, ApiQuery(q): ApiQuery<DueQuery>) -> HttpResult<Json<DueResponse>> {
    let from: DateTime<Utc> = DateTime::parse_from_rfc3339(q.from.trim())
        .map_err(|_| one_error("from", "field-not-datetime"))?
        .with_timezone(&Utc);
    let unit = TimeUnit::parse(&q.unit).ok_or_else(|| one_error("unit", "field-not-option"))?;
    if q.amount > 3650 {
        return Err(one_error("amount", "field-too-large").into());
    }
    let rule = match q.agency.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => state.catalog().counting_rule(a),
        None => Default::default(),
    };
    let due = due_at(&state.calendar(), &rule, from, TimeLimit { amount: q.amount, unit });
    Ok(Json(DueResponse { due_at: super::dto::time(due) }))
}
