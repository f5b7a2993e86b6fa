//! `/cong-khai`: the public transparency page — the province's and each unit's on-time rate and
//! satisfaction, for the year and the last month, as the national portal publishes them.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use motcua_app::i18n::Lang;
use motcua_app::indicators;
use motcua_app::present::show_time;
use motcua_app::state::AppState;

use super::indicators::percent;
use super::report_lists::unit_name;
use super::Ctx;
use crate::error::HttpResult;

/// A line of the public page.
pub struct PublicLine {
    name: String,
    on_time_year: String,
    satisfaction_year: String,
    on_time_month: String,
    satisfaction_month: String,
}

impl PublicLine {
    fn new(lang: Lang, name: String, f: &indicators::PublicFigures) -> PublicLine {
        PublicLine {
            name,
            on_time_year: percent(lang, f.on_time_year),
            satisfaction_year: percent(lang, f.satisfaction_year),
            on_time_month: percent(lang, f.on_time_month),
            satisfaction_month: percent(lang, f.satisfaction_month),
        }
    }
}

#[derive(Template)]
#[template(path = "public_figures.html")]
struct PublicPage {
    ctx: Ctx,
    year: String,
    month: String,
    as_of: String,
    province: PublicLine,
    summary: String,
    units: Vec<PublicLine>,
}

/// The public transparency page: no sign-in.
pub async fn public(State(state): State<AppState>, ctx: Ctx) -> HttpResult<Response> {
    let lang = ctx.lang;
    let figures = indicators::transparency(&state).await?;
    let place = state.config.place.clone();
    let province = PublicLine::new(lang, lang.t_args("report-scope-province", &[("place", &place)]), &figures.province);
    let summary = lang.t_args(
        "public-summary",
        &[
            ("place", &place),
            ("on_time", &province.on_time_year),
            ("satisfaction", &province.satisfaction_year),
            ("year", &figures.year.from.format("%Y").to_string()),
        ],
    );
    let page = PublicPage {
        ctx: ctx.clone(),
        year: lang.t_args("public-year", &[("year", &figures.year.from.format("%Y").to_string())]),
        month: lang.t_args("public-month", &[("month", &figures.last_month.from.format("%m/%Y").to_string())]),
        as_of: show_time(Some(figures.as_of)),
        units: figures.units.iter().map(|(a, f)| PublicLine::new(lang, unit_name(lang, a), f)).collect(),
        province,
        summary,
    };
    Ok(ctx.render(&page))
}
