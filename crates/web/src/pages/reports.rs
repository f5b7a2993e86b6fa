//! `/bao-cao/*`: the steering committee's reports as pages and downloads — Biểu II.06a of a
//! period (the usual ones a click away), as a table, an Excel workbook and a signed PDF.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::reports::{self, Ii06a, Scope};
use motcua_app::state::AppState;
use motcua_domain::report::{Counts, Level, Period, Preset};
use motcua_store::users::User;
use serde::Deserialize;

use super::forms::pdf;
use super::{Ctx, FormErrors, SignedIn};
use crate::error::{AppError, ErrorKind, HttpResult};

/// The period and scope as the page's address carries them.
#[derive(Deserialize, Default)]
pub struct ReportQuery {
    /// First day.
    tu: Option<String>,
    /// Last day, included.
    den: Option<String>,
    /// The agency's code; empty for the province.
    don_vi: Option<String>,
}

/// A line of the table: number, label, the eleven figures, and its class (`subtotal`, `total`).
struct PageLine {
    number: String,
    label: String,
    figures: Vec<u64>,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "ii06a.html")]
struct Ii06aPage {
    ctx: Ctx,
    errors: FormErrors,
    from: String,
    to: String,
    agency: String,
    /// The agencies one may choose (code, name), for those who read every agency's reports.
    agencies: Vec<(String, String)>,
    /// The usual periods: label, address, whether it is the one shown.
    presets: Vec<(String, String, bool)>,
    scope_name: String,
    as_of: String,
    lines: Vec<PageLine>,
    /// The query of the downloads.
    query: String,
}

fn query_of(period: &Period, agency: &str, more: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("tu", &period.from.to_string()).append_pair("den", &period.to.to_string());
    if !agency.is_empty() {
        q.append_pair("don_vi", agency);
    }
    for (k, v) in more {
        q.append_pair(k, v);
    }
    q.finish()
}

/// The address of a report page (`path`) for a period and a unit (none: the scope's own), with
/// `more` parameters.
pub(super) fn report_address(path: &str, period: &Period, agency: &str, more: &[(&str, &str)]) -> String {
    format!("{path}?{}", query_of(period, agency, more))
}

/// The usual periods offered in one click on a report page: (label, address, the one shown).
pub(super) fn preset_links(ctx: &Ctx, path: &str, agency: &str, shown: Option<&Period>) -> Vec<(String, String, bool)> {
    Preset::ALL
        .iter()
        .map(|p| {
            let period = reports::preset_period(*p);
            let href = report_address(path, &period, agency, &[]);
            (ctx.t(&format!("report-preset-{}", p.as_str())), href, shown == Some(&period))
        })
        .collect()
}

/// The lines of the table, in the order of the printed form: each level's subtotal, its fields,
/// then the total.
fn lines(ctx: &Ctx, report: &Ii06a) -> Vec<PageLine> {
    let mut out = Vec::new();
    let levels = [Level::Province, Level::Commune];
    for (i, level) in levels.into_iter().filter(|l| report.rows.iter().any(|r| r.level == *l)).enumerate() {
        let rows: Vec<_> = report.rows.iter().filter(|r| r.level == level).collect();
        out.push(PageLine {
            number: ["I", "II"][i].into(),
            label: ctx.t(&format!("report-level-{}", level.as_str())),
            figures: rows.iter().map(|r| r.counts).sum::<Counts>().figures().to_vec(),
            class: "subtotal",
        });
        for (n, r) in rows.iter().enumerate() {
            let name = match ctx.lang {
                motcua_app::i18n::Lang::En => r.field_name_en.clone().unwrap_or_else(|| r.field_name.clone()),
                _ => r.field_name.clone(),
            };
            out.push(PageLine {
                number: (n + 1).to_string(),
                label: name,
                figures: r.counts.figures().to_vec(),
                class: "",
            });
        }
    }
    out.push(PageLine {
        number: String::new(),
        label: ctx.t("report-total"),
        figures: report.total.figures().to_vec(),
        class: "total",
    });
    out
}

/// The agencies a reader of every agency may pick, by name.
pub(super) fn agency_choices(state: &AppState, user: &User) -> Vec<(String, String)> {
    if !reports::reads_every_agency(user) {
        return Vec::new();
    }
    let mut list: Vec<(String, String)> =
        state.catalog().agencies.values().map(|a| (a.code.clone(), a.name.clone())).collect();
    list.sort_by(|a, b| a.1.cmp(&b.1));
    list
}

/// The period asked for: this month when none is given.
/// The period a report page asks for: this month when none is given.
pub(super) fn period_of(tu: Option<&str>, den: Option<&str>) -> Result<Period, AppError> {
    if tu.unwrap_or("").is_empty() && den.unwrap_or("").is_empty() {
        return Ok(reports::preset_period(Preset::ThisMonth));
    }
    reports::parse_period(tu, den, ("tu", "den"))
}

/// The report page.
pub async fn ii06a(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ReportQuery>,
) -> HttpResult<Response> {
    let agency = q.don_vi.clone().unwrap_or_default();
    let scope = reports::scope_for(&state, &user, Some(&agency))?;
    let agency = scope.agency().map(|a| a.code.clone()).unwrap_or_default();
    let presets = |shown: Option<&Period>| preset_links(&ctx, "/bao-cao/ii06a", &agency, shown);
    let mut page = Ii06aPage {
        ctx: ctx.clone(),
        errors: FormErrors::default(),
        from: q.tu.clone().unwrap_or_default(),
        to: q.den.clone().unwrap_or_default(),
        agency: agency.clone(),
        agencies: agency_choices(&state, &user),
        presets: Vec::new(),
        scope_name: match &scope {
            Scope::Province => ctx.lang.t_args("report-scope-province", &[("place", &state.config.place)]),
            Scope::Agency(a) => a.name.clone(),
        },
        as_of: String::new(),
        lines: Vec::new(),
        query: String::new(),
    };
    let period = match period_of(q.tu.as_deref(), q.den.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            page.errors = FormErrors::from_keys(ctx.lang, &e.fields, &["tu".into(), "den".into()]);
            page.presets = presets(None);
            return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let report = reports::ii06a(&state, &user, period, Some(&agency)).await?;
    page.from = period.from.to_string();
    page.to = period.to.to_string();
    page.presets = presets(Some(&period));
    page.as_of = motcua_app::present::show_time(Some(report.as_of));
    page.lines = lines(&ctx, &report);
    page.query = query_of(&period, &agency, &[]);
    Ok(ctx.render(&page))
}

/// The report a download asks for, a period required.
async fn download_report(state: &AppState, user: &User, q: &ReportQuery) -> Result<Ii06a, AppError> {
    let agency = q.don_vi.clone().unwrap_or_default();
    reports::scope_for(state, user, Some(&agency))?;
    let period = period_of(q.tu.as_deref(), q.den.as_deref()).map_err(|_| AppError::new(ErrorKind::BadRequest))?;
    reports::ii06a(state, user, period, Some(&agency)).await
}

fn file_name(report: &Ii06a) -> String {
    let scope = match &report.scope {
        Scope::Province => "tinh".to_string(),
        Scope::Agency(a) => a.code.replace('.', "-"),
    };
    format!("II06a-{scope}-{}-{}", report.period.from, report.period.to)
}

/// The report as an Excel workbook.
pub async fn ii06a_xlsx(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<ReportQuery>,
) -> HttpResult<Response> {
    let report = download_report(&state, &user, &q).await?;
    let bytes = reports::ii06a_xlsx(&state, &report)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.xlsx\"", file_name(&report))),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The report as a signed PDF.
pub async fn ii06a_pdf(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<ReportQuery>,
) -> HttpResult<Response> {
    let report = download_report(&state, &user, &q).await?;
    let bytes = reports::ii06a_pdf(&state, &user, &report).await?;
    Ok(pdf(&file_name(&report), bytes))
}
