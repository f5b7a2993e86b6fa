//! The administrators' page for the working calendar of each year: official days off, make-up
//! working days, and the compensatory days the Labour Code gives for weekend holidays, proposed
//! by the system and confirmed here.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::{Datelike, NaiveDate};
use motcua_domain::calendar::compensatory_days_to_confirm;
use motcua_store::calendar::{self, YearCalendar};
use serde::Deserialize;

use super::csrf::Csrf;
use super::{admin_only, Ctx, FormErrors, SignedIn};
use crate::error::HttpResult;
use motcua_app::state::AppState;

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    year: i32,
    years: Vec<i32>,
    days_off: String,
    working_days: String,
    proposals: Vec<(String, String)>,
}

/// Which year.
#[derive(Deserialize, Default)]
pub struct YearQuery {
    nam: Option<i32>,
    luu: Option<String>,
}

fn list(days: &[NaiveDate]) -> String {
    days.iter().map(|d| format!("{}\n", d.format("%d/%m/%Y"))).collect()
}

fn page(
    ctx: &Ctx,
    year: i32,
    days_off: String,
    working_days: String,
    errors: FormErrors,
    flash: String,
) -> CalendarPage {
    let parsed_off = parse_days(&days_off, year).unwrap_or_default();
    let parsed_work = parse_days(&working_days, year).unwrap_or_default();
    let this_year = chrono::Utc::now().year();
    CalendarPage {
        ctx: ctx.clone(),
        errors,
        flash,
        year,
        years: (this_year - 1..=this_year + 2).collect(),
        days_off,
        working_days,
        proposals: compensatory_days_to_confirm(year, &parsed_off, &parsed_work)
            .into_iter()
            .map(|d| {
                (d.format("%d/%m/%Y").to_string(), ctx.lang.t_args("calendar-proposal", &[("day", &weekday(ctx, d))]))
            })
            .collect(),
    }
}

fn weekday(ctx: &Ctx, d: NaiveDate) -> String {
    format!("{} {}", ctx.t(&format!("weekday-{}", d.weekday().num_days_from_monday())), d.format("%d/%m/%Y"))
}

/// Dates one per line (or separated by commas), `dd/mm/yyyy` or `yyyy-mm-dd`, all in `year`.
fn parse_days(text: &str, year: i32) -> Result<Vec<NaiveDate>, String> {
    let mut out = Vec::new();
    for item in text.split(['\n', ',', ';']).map(str::trim).filter(|s| !s.is_empty()) {
        let d = NaiveDate::parse_from_str(item, "%d/%m/%Y")
            .or_else(|_| NaiveDate::parse_from_str(item, "%Y-%m-%d"))
            .map_err(|_| item.to_string())?;
        if d.year() != year {
            return Err(item.to_string());
        }
        out.push(d);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The calendar of a year.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<YearQuery>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let year = q.nam.unwrap_or_else(|| chrono::Utc::now().year()).clamp(2000, 2100);
    let y = calendar::year(&state.db, year).await?;
    let flash =
        if q.luu.is_some() { ctx.lang.t_args("calendar-saved", &[("year", &year.to_string())]) } else { String::new() };
    Ok(ctx.render(&page(&ctx, year, list(&y.days_off), list(&y.working_days), FormErrors::default(), flash)))
}

/// The calendar form as sent.
#[derive(Deserialize)]
pub struct CalendarForm {
    year: i32,
    #[serde(default)]
    days_off: String,
    #[serde(default)]
    working_days: String,
    /// Proposed compensatory days the administrator ticked.
    #[serde(default)]
    confirm: Vec<String>,
}

/// Replaces the year's calendar; every date is checked before anything changes.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Csrf(Form(f)): Csrf<Form<CalendarForm>>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let year = f.year.clamp(2000, 2100);
    let mut errors = std::collections::BTreeMap::new();
    let mut off_text = f.days_off.clone();
    for c in &f.confirm {
        off_text.push('\n');
        off_text.push_str(c);
    }
    let off = parse_days(&off_text, year).map_err(|bad| errors.insert("days_off".to_string(), bad)).unwrap_or_default();
    let work = parse_days(&f.working_days, year)
        .map_err(|bad| errors.insert("working_days".to_string(), bad))
        .unwrap_or_default();
    let mut form_errors = FormErrors::default();
    for (field, bad) in &errors {
        let message = ctx.lang.t_args("calendar-bad-date", &[("date", bad), ("year", &year.to_string())]);
        form_errors.add(field, message);
    }
    if let Some(both) = off.iter().find(|d| work.contains(d)) {
        form_errors
            .add("working_days", ctx.lang.t_args("calendar-both", &[("date", &both.format("%d/%m/%Y").to_string())]));
    }
    if !form_errors.is_empty() {
        let page = page(&ctx, year, f.days_off.clone(), f.working_days.clone(), form_errors, String::new());
        return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    calendar::set_year(&state.db, year, &YearCalendar { days_off: off, working_days: work }).await?;
    state.reload_calendar().await?;
    Ok(Redirect::to(&format!("/quan-tri/lich?nam={year}&luu=1")).into_response())
}
