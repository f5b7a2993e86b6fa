//! `/bao-cao/ung-dung-cntt`: the IT-application figures for the steering committee — procedures
//! by online level, the shares of dossiers received online, paid online, with electronic results
//! and digitised, officers' use of the system, and the electronic office's documents handled
//! electronically; each chart an SVG with its table and a sentence, the usual periods a click
//! away, every count of dossiers a link to the dossiers behind it.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::i18n::Lang;
use motcua_app::indicators::{Figure, Part};
use motcua_app::it_application::{self, ItApplication};
use motcua_app::present::{decimal, show_time};
use motcua_app::reports;
use motcua_app::state::AppState;
use motcua_domain::catalog::OnlineLevel;
use motcua_domain::indicators::{Code, Fraction, Unit};
use motcua_domain::report::Period;
use motcua_render::chart::{Bar, Chart};
use serde::Deserialize;

use super::indicators::{figure_link, percent, ChartView};
use super::report_lists::unit_name;
use super::reports::{agency_choices, period_of, preset_links, report_address};
use super::{Ctx, FormErrors, SignedIn};
use crate::error::HttpResult;

/// The page's address.
const PATH: &str = "/bao-cao/ung-dung-cntt";

/// The period and scope as the page's address carries them.
#[derive(Deserialize, Default)]
pub struct ItQuery {
    /// First day.
    tu: Option<String>,
    /// Last day, included.
    den: Option<String>,
    /// The unit's code; empty for the province.
    don_vi: Option<String>,
}

/// A figure and the page behind it.
pub struct Cell {
    text: String,
    href: Option<String>,
}

impl Cell {
    fn plain(text: String) -> Cell {
        Cell { text, href: None }
    }
}

/// A line of a table: its label and its cells.
pub struct Line {
    label: String,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "it_application.html")]
struct ItPage {
    ctx: Ctx,
    errors: FormErrors,
    from: String,
    to: String,
    agency: String,
    agencies: Vec<(String, String)>,
    presets: Vec<(String, String, bool)>,
    scope_name: String,
    shown: bool,
    as_of: String,
    /// The dashboard of the same period and scope.
    dashboard: String,
    procedures: Vec<Line>,
    procedures_chart: Option<ChartView>,
    dossiers: Vec<Line>,
    dossiers_chart: Option<ChartView>,
    officers: Vec<Line>,
    officers_summary: String,
    units: Vec<Line>,
    units_chart: Option<ChartView>,
    office: Vec<Line>,
    office_summary: String,
}

/// The page.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ItQuery>,
) -> HttpResult<Response> {
    let lang = ctx.lang;
    let asked = q.don_vi.clone().unwrap_or_default();
    let scope = reports::scope_for(&state, &user, Some(&asked))?;
    let agency = scope.agency().map(|a| a.code.clone()).unwrap_or_default();
    let mut page = ItPage {
        ctx: ctx.clone(),
        errors: FormErrors::default(),
        from: q.tu.clone().unwrap_or_default(),
        to: q.den.clone().unwrap_or_default(),
        agency: agency.clone(),
        agencies: agency_choices(&state, &user),
        presets: Vec::new(),
        scope_name: scope.name(lang, &state.config.place),
        shown: false,
        as_of: String::new(),
        dashboard: String::new(),
        procedures: Vec::new(),
        procedures_chart: None,
        dossiers: Vec::new(),
        dossiers_chart: None,
        officers: Vec::new(),
        officers_summary: String::new(),
        units: Vec::new(),
        units_chart: None,
        office: Vec::new(),
        office_summary: String::new(),
    };
    let period = match period_of(q.tu.as_deref(), q.den.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            page.errors = FormErrors::from_keys(lang, &e.fields, &["tu".into(), "den".into()]);
            page.presets = preset_links(&ctx, PATH, &agency, None);
            return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let found = it_application::it_application(&state, &user, period, Some(&agency)).await?;
    page.from = period.from.to_string();
    page.to = period.to.to_string();
    page.presets = preset_links(&ctx, PATH, &agency, Some(&period));
    page.shown = true;
    page.as_of = show_time(Some(found.as_of));
    page.dashboard = report_address("/bao-cao/chi-so", &period, &agency, &[]);
    procedures(lang, &found, &agency, &mut page);
    dossiers(lang, &found, &period, &agency, &mut page);
    officers(lang, &found, &period, &mut page);
    office(lang, &found, &mut page);
    Ok(ctx.render(&page))
}

/// A share in the visitor's language, a dash when nothing was measured.
fn share(lang: Lang, f: Fraction) -> String {
    percent(lang, f.value(Unit::Percent))
}

/// The catalog's procedures of a level (and a unit).
fn catalog_link(agency: &str, level: Option<OnlineLevel>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if !agency.is_empty() {
        q.append_pair("agency", agency);
    }
    if let Some(level) = level {
        q.append_pair("level", level.as_str());
    }
    format!("/thu-tuc?{}", q.finish())
}

fn procedures(lang: Lang, found: &ItApplication, agency: &str, page: &mut ItPage) {
    let p = &found.procedures;
    let levels = [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::Offline];
    let label = |level: OnlineLevel| lang.t(&format!("it-level-{}", level.as_str()));
    for level in levels {
        let f = p.share(level);
        page.procedures.push(Line {
            label: label(level),
            cells: vec![
                Cell { text: (f.numerator as u64).to_string(), href: Some(catalog_link(agency, Some(level))) },
                Cell::plain(share(lang, f)),
            ],
        });
    }
    page.procedures.push(Line {
        label: lang.t("report-total"),
        cells: vec![
            Cell { text: p.total().to_string(), href: Some(catalog_link(agency, None)) },
            Cell::plain(if p.total() > 0 { percent(lang, Some(100.0)) } else { percent(lang, None) }),
        ],
    });
    let online = Fraction { numerator: (p.full + p.partial) as f64, denominator: p.total() as f64 };
    let summary = lang.t_args(
        "it-procedures-summary",
        &[
            ("online", &(p.full + p.partial).to_string()),
            ("total", &p.total().to_string()),
            ("share", &share(lang, online)),
            ("full", &p.full.to_string()),
            ("partial", &p.partial.to_string()),
        ],
    );
    let chart = Chart {
        id: "chart-levels".into(),
        title: lang.t("it-procedures-title"),
        description: summary.clone(),
        bars: levels
            .iter()
            .map(|l| {
                let f = p.share(*l);
                Bar {
                    label: label(*l),
                    value: Some(f.numerator),
                    shown: (f.numerator as u64).to_string(),
                    href: Some(catalog_link(agency, Some(*l))),
                }
            })
            .collect(),
        max: None,
        target: None,
    };
    page.procedures_chart = Some(ChartView { svg: chart.bars_svg(), title: lang.t("it-procedures-title"), summary });
}

fn dossiers(lang: Lang, found: &ItApplication, period: &Period, agency: &str, page: &mut ItPage) {
    let d = &found.dossiers;
    let rows = [
        ("it-dossiers-online", Code::OnlineDossiers, d.online),
        ("it-dossiers-paid-online", Code::OnlinePayment, d.paid_online),
        ("it-dossiers-electronic-results", Code::ElectronicResults, d.electronic_results),
        ("it-dossiers-digitised", Code::Digitised, d.digitised),
    ];
    let link = |code: Code, part: Part| figure_link(period, agency, Figure::Indicator(code, part));
    for (key, code, f) in rows {
        page.dossiers.push(Line {
            label: lang.t(key),
            cells: vec![
                Cell { text: (f.numerator as u64).to_string(), href: link(code, Part::Numerator) },
                Cell { text: (f.denominator as u64).to_string(), href: link(code, Part::Denominator) },
                Cell::plain(share(lang, f)),
            ],
        });
    }
    let summary = lang.t_args(
        "it-dossiers-summary",
        &[
            ("online", &share(lang, d.online)),
            ("paid", &share(lang, d.paid_online)),
            ("results", &share(lang, d.electronic_results)),
            ("digitised", &share(lang, d.digitised)),
        ],
    );
    let chart = Chart {
        id: "chart-dossiers".into(),
        title: lang.t("it-dossiers-title"),
        description: summary.clone(),
        bars: rows
            .iter()
            .map(|(key, code, f)| Bar {
                label: lang.t(key),
                value: f.value(Unit::Percent),
                shown: share(lang, *f),
                href: link(*code, Part::Numerator),
            })
            .collect(),
        max: Some(100.0),
        target: None,
    };
    page.dossiers_chart = Some(ChartView { svg: chart.bars_svg(), title: lang.t("it-dossiers-title"), summary });
}

/// Actions per officer per month, as written.
fn rate(lang: Lang, found: &ItApplication, u: &motcua_domain::it_application::OfficerUse) -> String {
    u.per_officer_per_month(found.months).map_or_else(|| "—".to_string(), |r| decimal(lang, r, 1))
}

fn officers(lang: Lang, found: &ItApplication, period: &Period, page: &mut ItPage) {
    let u = &found.officers;
    let line = |key: &str, text: String| Line { label: lang.t(key), cells: vec![Cell::plain(text)] };
    page.officers = vec![
        line("it-officers-count", u.officers.to_string()),
        line("it-officers-active", format!("{} ({})", u.active, share(lang, u.active_share()))),
        line("it-officers-dossier-actions", u.dossier_actions.to_string()),
        line("it-officers-office-actions", u.office_actions.to_string()),
        line("it-officers-months", decimal(lang, found.months, 2)),
        line("it-officers-rate", rate(lang, found, u)),
    ];
    page.officers_summary = lang.t_args(
        "it-officers-summary",
        &[("officers", &u.officers.to_string()), ("active", &u.active.to_string()), ("rate", &rate(lang, found, u))],
    );
    if found.scope.agency().is_some() || found.by_agency.is_empty() {
        return;
    }
    for (a, used) in &found.by_agency {
        page.units.push(Line {
            label: unit_name(lang, a),
            cells: vec![
                Cell::plain(used.officers.to_string()),
                Cell::plain(used.active.to_string()),
                Cell::plain(used.actions().to_string()),
                Cell { text: rate(lang, found, used), href: Some(report_address(PATH, period, &a.code, &[])) },
            ],
        });
    }
    let (first, last) = (&found.by_agency[0], &found.by_agency[found.by_agency.len() - 1]);
    let summary = lang.t_args(
        "it-officers-by-unit-summary",
        &[
            ("top", &unit_name(lang, &first.0)),
            ("top_rate", &rate(lang, found, &first.1)),
            ("last", &unit_name(lang, &last.0)),
            ("last_rate", &rate(lang, found, &last.1)),
        ],
    );
    let chart = Chart {
        id: "chart-officers".into(),
        title: lang.t("it-officers-by-unit-title"),
        description: summary.clone(),
        bars: found
            .by_agency
            .iter()
            .map(|(a, used)| Bar {
                label: unit_name(lang, a),
                value: used.per_officer_per_month(found.months),
                shown: rate(lang, found, used),
                href: Some(report_address(PATH, period, &a.code, &[])),
            })
            .collect(),
        max: None,
        target: None,
    };
    page.units_chart = Some(ChartView { svg: chart.bars_svg(), title: lang.t("it-officers-by-unit-title"), summary });
}

fn office(lang: Lang, found: &ItApplication, page: &mut ItPage) {
    let o = &found.office;
    let line = |key: &str, n: u64, of: Option<Fraction>| Line {
        label: lang.t(key),
        cells: vec![Cell::plain(n.to_string()), Cell::plain(of.map(|f| share(lang, f)).unwrap_or_default())],
    };
    page.office = vec![
        line("it-office-incoming", o.incoming, None),
        line("it-office-incoming-electronic", o.incoming_electronic, Some(o.electronic_share())),
        line(
            "it-office-incoming-paper",
            o.incoming_paper(),
            Some(Fraction { numerator: o.incoming_paper() as f64, denominator: o.incoming as f64 }),
        ),
        line("it-office-incoming-digitised", o.incoming_digitised, Some(o.digitised_share())),
        line("it-office-outgoing", o.outgoing_issued, None),
        line("it-office-outgoing-signed", o.outgoing_signed, Some(o.signed_share())),
    ];
    page.office_summary = lang.t_args(
        "it-office-summary",
        &[
            ("electronic", &o.incoming_electronic.to_string()),
            ("incoming", &o.incoming.to_string()),
            ("electronic_share", &share(lang, o.electronic_share())),
            ("signed", &o.outgoing_signed.to_string()),
            ("issued", &o.outgoing_issued.to_string()),
            ("signed_share", &share(lang, o.signed_share())),
        ],
    );
}
