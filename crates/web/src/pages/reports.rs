//! `/bao-cao/*`: the steering committee's reports as pages and downloads — Biểu II.06a of a
//! period (the usual ones a click away), as a table, an Excel workbook and a signed PDF.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use motcua_app::reports::{self, Cell, Ii06a, Scope};
use motcua_app::state::AppState;
use motcua_domain::report::{Column, Counts, Level, Period, Preset};
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

/// A line of the table: number, label, the eleven figures (each with the address of the
/// dossiers behind it, when there are any), and its class (`subtotal`, `total`).
struct PageLine {
    number: String,
    label: String,
    cells: Vec<(u64, Option<String>)>,
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

/// The address of the dossiers behind a figure of the report of `period` and `agency`, at the
/// list's page `page` when past the first.
fn cell_address(period: &Period, agency: &str, cell: &Cell, page: usize) -> String {
    let mut more = vec![("cot", cell.column.as_str())];
    if let Some(level) = cell.level {
        more.push(("cap", level.as_str()));
    }
    if let Some(field) = cell.field.as_deref() {
        more.push(("linh_vuc", field));
    }
    let page = page.to_string();
    if page != "1" {
        more.push(("trang", &page));
    }
    report_address("/bao-cao/ii06a/ho-so", period, agency, &more)
}

/// A line's figures, each linked to the dossiers behind it (of `level` and `field`, when given).
fn cells(
    report: &Ii06a,
    agency: &str,
    counts: &Counts,
    level: Option<Level>,
    field: Option<&str>,
) -> Vec<(u64, Option<String>)> {
    Column::ALL
        .iter()
        .map(|&column| {
            let n = column.of(counts);
            let cell = Cell { column, level, field: field.map(str::to_string) };
            (n, (n > 0).then(|| cell_address(&report.period, agency, &cell, 1)))
        })
        .collect()
}

/// The lines of the table, in the order of the printed form: each level's subtotal, its fields,
/// then the total.
fn lines(ctx: &Ctx, report: &Ii06a, agency: &str) -> Vec<PageLine> {
    let mut out = Vec::new();
    let levels = [Level::Province, Level::Commune];
    for (i, level) in levels.into_iter().filter(|l| report.rows.iter().any(|r| r.level == *l)).enumerate() {
        let rows: Vec<_> = report.rows.iter().filter(|r| r.level == level).collect();
        out.push(PageLine {
            number: ["I", "II"][i].into(),
            label: ctx.t(&format!("report-level-{}", level.as_str())),
            cells: cells(report, agency, &rows.iter().map(|r| r.counts).sum::<Counts>(), Some(level), None),
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
                cells: cells(report, agency, &r.counts, Some(level), Some(&r.field_code)),
                class: "",
            });
        }
    }
    out.push(PageLine {
        number: String::new(),
        label: ctx.t("report-total"),
        cells: cells(report, agency, &report.total, None, None),
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
    page.lines = lines(&ctx, &report, &agency);
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

/// A figure of the report as the list page's address carries it.
#[derive(Deserialize, Default)]
pub struct CellQuery {
    /// First day.
    tu: Option<String>,
    /// Last day, included.
    den: Option<String>,
    /// The agency's code; empty for the province.
    don_vi: Option<String>,
    /// The column (`Column::as_str`).
    cot: Option<String>,
    /// The row's level, if any.
    cap: Option<String>,
    /// The row's field, if any.
    linh_vuc: Option<String>,
    /// The page of the list, from 1.
    trang: Option<usize>,
}

/// The heading of a column: its group, and the column within it.
fn column_name(ctx: &Ctx, column: Column) -> String {
    let group = match column {
        Column::Received | Column::CarriedOver | Column::Online | Column::Direct => "report-received",
        Column::Resolved | Column::Early | Column::OnTime | Column::Late => "report-resolved",
        Column::InProgress | Column::InTime | Column::Overdue => "report-in-progress",
    };
    match column {
        Column::Received | Column::Resolved | Column::InProgress => ctx.t(group),
        other => format!("{} – {}", ctx.t(group), column_label(ctx, other)),
    }
}

/// A column's own heading (`report-col-…`).
fn column_label(ctx: &Ctx, column: Column) -> String {
    ctx.t(&format!("report-col-{}", column.as_str().replace('_', "-")))
}

/// The dossiers behind a figure of the report.
pub async fn ii06a_dossiers(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<CellQuery>,
) -> HttpResult<Response> {
    use super::report_lists::{list_scope, DossierLine, DossiersPage, Listed, PER_PAGE};
    let lang = ctx.lang;
    let (scope, agency, period) = list_scope(&state, &user, q.don_vi.as_deref(), q.tu.as_deref(), q.den.as_deref())?;
    let cell = crate::api::reports::cell_of(q.cot.as_deref(), q.cap.as_deref(), q.linh_vuc.as_deref(), ("cot", "cap"))
        .map_err(|_| AppError::not_found())?;
    let (_, all) = reports::ii06a_dossiers(&state, &user, period, Some(&agency), &cell).await?;
    let catalog = state.catalog();
    let own = user.agency_code.clone().filter(|_| user.is_officer());
    let current = q.trang.unwrap_or(1).max(1);
    let line = |d: &reports::Ii06aDossier| {
        let listed = Listed {
            code: &d.code,
            agency: &d.agency,
            procedure_code: &d.procedure_code,
            channel: d.channel,
            received_at: d.received_at,
            finished_at: d.finished_at,
            due_at: d.due_at,
        };
        DossierLine::new(lang, &catalog, own.as_deref(), listed, column_label(&ctx, d.outcome))
    };
    let lines = all.iter().skip((current - 1) * PER_PAGE).take(PER_PAGE).map(line).collect();
    let page_link = |n: usize| cell_address(&period, &agency, &cell, n);
    let field_name = cell.field.as_deref().map(|code| {
        catalog
            .procedures
            .iter()
            .map(|p| &p.field)
            .find(|f| f.code == code)
            .map(|f| lang.pick(&f.name, f.name_en.as_deref()).to_string())
            .unwrap_or_else(|| code.to_string())
    });
    let row_name = match (cell.level, field_name) {
        (Some(level), Some(field)) => Some(format!("{} · {field}", ctx.t(&format!("report-level-{}", level.as_str())))),
        (Some(level), None) => Some(ctx.t(&format!("report-level-{}", level.as_str()))),
        (None, Some(field)) => Some(field),
        (None, None) => None,
    };
    let page = DossiersPage {
        ctx: ctx.clone(),
        title: column_name(&ctx, cell.column),
        scope_name: scope.name(lang, &state.config.place),
        period_text: lang.t_args(
            "indicator-period",
            &[("from", &period.from.format("%d/%m/%Y").to_string()), ("to", &period.to.format("%d/%m/%Y").to_string())],
        ),
        back: report_address("/bao-cao/ii06a", &period, &agency, &[]),
        back_text: lang.t("report-back"),
        row_name,
        count_text: lang.t_args("list-count", &[("n", &all.len().to_string())]),
        verdict_header: lang.t("report-col-outcome"),
        lines,
        prev_url: (current > 1).then(|| page_link(current - 1)),
        next_url: (current * PER_PAGE < all.len()).then(|| page_link(current + 1)),
    };
    Ok(ctx.render(&page))
}
