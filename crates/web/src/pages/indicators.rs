//! `/bao-cao/chi-so`: the steering dashboard of the Decision 766 indicators — the score, the
//! indicators, the ranking of units, the on-time rate month by month, dossiers by channel and
//! overdue by unit, each chart an SVG with its table and a sentence; every figure a link to the
//! dossiers behind it (`/bao-cao/chi-so/ho-so`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use motcua_app::i18n::Lang;
use motcua_app::indicators::{self, Figure, FigureDossier, Indicators, Part};
use motcua_app::present::{decimal, show_moment};
use motcua_app::reports::{self, Scope};
use motcua_app::state::AppState;
use motcua_domain::indicators::{Code, Fraction, Scorecard, Unit};
use motcua_domain::report::Period;
use motcua_render::chart::{Bar, Chart};
use serde::Deserialize;

use super::report_lists::{list_scope, unit_name, DossierLine, DossiersPage, Listed, PER_PAGE};
use super::reports::{period_of, preset_links, report_address};
use super::{Ctx, FormErrors, SignedIn};
use crate::error::{AppError, HttpResult};

/// A share, `95,5%`; a dash when nothing was measured.
pub(super) fn percent(lang: Lang, v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{}%", decimal(lang, v, 1)))
}

/// A count or a sum: whole numbers as such, others with one decimal.
fn count(lang: Lang, x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        decimal(lang, x, 1)
    }
}

/// An indicator's value in its unit.
fn value_text(lang: Lang, code: Code, v: Option<f64>) -> String {
    match code.unit() {
        Unit::Percent => percent(lang, v),
        Unit::Days => {
            v.map_or_else(|| "—".to_string(), |v| lang.t_args("indicator-days", &[("n", &decimal(lang, v, 1))]))
        }
    }
}

/// The period and scope as the page's address carries them, and the figure of a list.
#[derive(Deserialize, Default)]
pub struct IndicatorQuery {
    /// First day.
    tu: Option<String>,
    /// Last day, included.
    den: Option<String>,
    /// The unit's code; empty for the province.
    don_vi: Option<String>,
    /// An indicator's number.
    chi_so: Option<String>,
    /// `numerator`, `denominator` or `remainder`.
    phan: Option<String>,
    /// A channel.
    kenh: Option<String>,
    /// `1`: the dossiers overdue.
    qua_han: Option<String>,
    /// The page of a list.
    trang: Option<usize>,
}

/// The list of the dossiers behind a figure.
pub(super) fn figure_link(period: &Period, agency: &str, figure: Figure) -> Option<String> {
    if !figure.lists_dossiers() {
        return None;
    }
    let path = "/bao-cao/chi-so/ho-so";
    Some(match figure {
        Figure::Indicator(code, part) => {
            report_address(path, period, agency, &[("chi_so", code.as_str()), ("phan", part.as_str())])
        }
        Figure::Channel(c) => report_address(path, period, agency, &[("kenh", c.as_str())]),
        Figure::Overdue => report_address(path, period, agency, &[("qua_han", "1")]),
    })
}

/// The catalog's procedures behind a figure of 3.1 (online services).
fn catalog_link(agency: &str, part: Part) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if !agency.is_empty() {
        q.append_pair("agency", agency);
    }
    match part {
        Part::Numerator => {
            q.append_pair("level", "online");
        }
        Part::Remainder => {
            q.append_pair("level", "none");
        }
        Part::Denominator => {}
    }
    format!("/thu-tuc?{}", q.finish())
}

/// A figure with the page it leads to.
pub struct Linked {
    /// The figure as shown.
    pub text: String,
    /// The dossiers (or procedures) behind it.
    pub href: Option<String>,
}

/// A line of an indicators table.
pub struct IndicatorLine {
    code: String,
    name: String,
    numerator: Linked,
    denominator: Linked,
    /// Measured and not counted: the late of 2.1, the not digitised of 4.2.
    remainder: Linked,
    value: String,
    target: String,
    points: String,
}

fn indicator_lines(lang: Lang, card: &Scorecard, period: &Period, agency: &str) -> Vec<IndicatorLine> {
    card.indicators
        .iter()
        .map(|s| {
            let link = |part: Part| -> Option<String> {
                if s.code == Code::OnlineServices {
                    Some(catalog_link(agency, part))
                } else {
                    figure_link(period, agency, Figure::Indicator(s.code, part))
                }
            };
            let f = s.fraction;
            let days = s.code.unit() == Unit::Days;
            IndicatorLine {
                code: s.code.as_str().to_string(),
                name: lang.t(&s.code.message_key()),
                numerator: Linked { text: count(lang, f.numerator), href: link(Part::Numerator) },
                denominator: Linked { text: count(lang, f.denominator), href: link(Part::Denominator) },
                remainder: match days {
                    true => Linked { text: String::new(), href: None },
                    false => Linked { text: count(lang, f.denominator - f.numerator), href: link(Part::Remainder) },
                },
                value: value_text(lang, s.code, s.value),
                target: match s.target {
                    Some(t) if s.max_points > 0.0 => value_text(lang, s.code, Some(t)),
                    _ => "—".to_string(),
                },
                points: format!(
                    "{} / {}",
                    s.points.map_or_else(|| "—".to_string(), |p| decimal(lang, p, 2)),
                    count(lang, s.max_points)
                ),
            }
        })
        .collect()
}

/// A unit's line of the ranking.
pub struct RankLine {
    rank: u32,
    name: String,
    href: String,
    score: String,
    on_time: String,
    overdue: Linked,
}

/// A month of the trend.
pub struct MonthLine {
    month: String,
    on_time: Linked,
    measured: Linked,
    rate: String,
}

/// A chart as the page shows it: the picture, its title, its sentence.
pub struct ChartView {
    pub(super) svg: String,
    pub(super) title: String,
    pub(super) summary: String,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct DashboardPage {
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
    score: String,
    /// "Rank 3 of 25", for a unit.
    rank: String,
    /// A sentence on the score.
    score_summary: String,
    lines: Vec<IndicatorLine>,
    ranking: Vec<RankLine>,
    ranking_chart: Option<ChartView>,
    months: Vec<MonthLine>,
    months_chart: Option<ChartView>,
    channels: Vec<(String, Linked)>,
    channels_chart: Option<ChartView>,
    overdue: Vec<(String, Linked)>,
    overdue_chart: Option<ChartView>,
    /// For a unit: each procedure's average processing time (2.2) beside its limit.
    procedures: Vec<ProcedureLine>,
}

/// A procedure's average processing time.
pub struct ProcedureLine {
    name: String,
    resolved: usize,
    average: String,
    limit: String,
}

/// The steering dashboard.
pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<IndicatorQuery>,
) -> HttpResult<Response> {
    let lang = ctx.lang;
    let asked = q.don_vi.clone().unwrap_or_default();
    let scope = reports::scope_for(&state, &user, Some(&asked))?;
    let agency = scope.agency().map(|a| a.code.clone()).unwrap_or_default();
    let presets = |shown: Option<&Period>| preset_links(&ctx, "/bao-cao/chi-so", &agency, shown);
    let mut page = DashboardPage {
        ctx: ctx.clone(),
        errors: FormErrors::default(),
        from: q.tu.clone().unwrap_or_default(),
        to: q.den.clone().unwrap_or_default(),
        agency: agency.clone(),
        agencies: super::reports::agency_choices(&state, &user),
        presets: Vec::new(),
        scope_name: scope.name(lang, &state.config.place),
        shown: false,
        as_of: String::new(),
        score: String::new(),
        rank: String::new(),
        score_summary: String::new(),
        lines: Vec::new(),
        ranking: Vec::new(),
        ranking_chart: None,
        months: Vec::new(),
        months_chart: None,
        channels: Vec::new(),
        channels_chart: None,
        overdue: Vec::new(),
        overdue_chart: None,
        procedures: Vec::new(),
    };
    let period = match period_of(q.tu.as_deref(), q.den.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            page.errors = FormErrors::from_keys(lang, &e.fields, &["tu".into(), "den".into()]);
            page.presets = presets(None);
            return Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let (found, trend) = indicators::dashboard(&state, &user, period, Some(&agency)).await?;
    page.from = period.from.to_string();
    page.to = period.to.to_string();
    page.presets = presets(Some(&period));
    page.shown = true;
    page.as_of = show_moment(found.as_of);
    let total = decimal(lang, state.config.indicator_targets.total(), 0);
    let card = match found.units.first() {
        Some(u) if matches!(scope, Scope::Agency(_)) => {
            page.rank =
                lang.t_args("indicator-rank-of", &[("rank", &u.rank.to_string()), ("n", &found.ranked.to_string())]);
            &u.card
        }
        _ => &found.province,
    };
    page.score = format!("{} / {total}", decimal(lang, card.score, 1));
    page.score_summary = score_summary(lang, card);
    page.lines = indicator_lines(lang, card, &period, &agency);
    if matches!(scope, Scope::Province) {
        ranking(lang, &found, &period, &mut page);
    }
    months(lang, &trend, &agency, &state, &mut page);
    let catalog = state.catalog();
    page.procedures = found
        .by_procedure
        .iter()
        .map(|(code, f)| {
            let p = catalog.get(code);
            ProcedureLine {
                name: p.map(|p| lang.pick(&p.name, p.name_en.as_deref()).to_string()).unwrap_or_else(|| code.clone()),
                resolved: f.denominator as usize,
                average: value_text(lang, Code::AverageTime, f.value(Unit::Days)),
                limit: p.map(|p| motcua_app::present::time_text(lang, p)).unwrap_or_default(),
            }
        })
        .collect();
    channels(lang, &found, &period, &agency, &mut page);
    Ok(ctx.render(&page))
}

/// A sentence on a scorecard: the on-time rate and the weakest indicator.
fn score_summary(lang: Lang, card: &Scorecard) -> String {
    let on_time = card.get(Code::OnTime).and_then(|s| s.value);
    let weakest = card
        .indicators
        .iter()
        .filter(|s| s.max_points > 0.0)
        .filter_map(|s| Some((s, s.points? / s.max_points)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.code.cmp(&b.0.code)));
    match weakest {
        Some((s, share)) if share < 1.0 => lang.t_args(
            "indicator-score-summary",
            &[
                ("on_time", &percent(lang, on_time)),
                ("weakest", &format!("{} {}", s.code.as_str(), lang.t(&s.code.message_key()))),
                ("value", &value_text(lang, s.code, s.value)),
            ],
        ),
        _ => lang.t_args("indicator-score-summary-full", &[("on_time", &percent(lang, on_time))]),
    }
}

/// The ranking of units and the overdue by unit.
fn ranking(lang: Lang, found: &Indicators, period: &Period, page: &mut DashboardPage) {
    for u in &found.units {
        page.ranking.push(RankLine {
            rank: u.rank,
            name: unit_name(lang, &u.agency),
            href: report_address("/bao-cao/chi-so", period, &u.agency.code, &[]),
            score: decimal(lang, u.card.score, 1),
            on_time: percent(lang, u.card.get(Code::OnTime).and_then(|s| s.value)),
            overdue: Linked { text: u.overdue.to_string(), href: figure_link(period, &u.agency.code, Figure::Overdue) },
        });
    }
    let total = page.ctx.lang.t("indicator-points");
    if let (Some(first), Some(last)) = (found.units.first(), found.units.last()) {
        let summary = lang.t_args(
            "indicator-ranking-summary",
            &[
                ("n", &found.units.len().to_string()),
                ("first", &unit_name(lang, &first.agency)),
                ("first_score", &decimal(lang, first.card.score, 1)),
                ("last", &unit_name(lang, &last.agency)),
                ("last_score", &decimal(lang, last.card.score, 1)),
            ],
        );
        let chart = Chart {
            id: "chart-ranking".into(),
            title: lang.t("indicator-ranking-title"),
            description: summary.clone(),
            bars: found
                .units
                .iter()
                .map(|u| Bar {
                    label: format!("{}. {}", u.rank, unit_name(lang, &u.agency)),
                    value: Some(u.card.score),
                    shown: format!("{} {total}", decimal(lang, u.card.score, 1)),
                    href: Some(report_address("/bao-cao/chi-so", period, &u.agency.code, &[])),
                })
                .collect(),
            max: Some(100.0_f64.max(found.units.iter().map(|u| u.card.score).fold(0.0, f64::max))),
            target: None,
        };
        page.ranking_chart =
            Some(ChartView { svg: chart.bars_svg(), title: lang.t("indicator-ranking-title"), summary });
    }
    let mut late: Vec<_> = found.units.iter().filter(|u| u.overdue > 0).collect();
    late.sort_by(|a, b| b.overdue.cmp(&a.overdue).then_with(|| a.agency.code.cmp(&b.agency.code)));
    page.overdue = late
        .iter()
        .map(|u| {
            let link =
                Linked { text: u.overdue.to_string(), href: figure_link(period, &u.agency.code, Figure::Overdue) };
            (unit_name(lang, &u.agency), link)
        })
        .collect();
    let all: u64 = late.iter().map(|u| u.overdue).sum();
    let summary = match late.first() {
        Some(top) => lang.t_args(
            "indicator-overdue-summary",
            &[
                ("n", &all.to_string()),
                ("units", &late.len().to_string()),
                ("top", &unit_name(lang, &top.agency)),
                ("top_n", &top.overdue.to_string()),
            ],
        ),
        None => lang.t("indicator-overdue-none"),
    };
    let chart = Chart {
        id: "chart-overdue".into(),
        title: lang.t("indicator-overdue-title"),
        description: summary.clone(),
        bars: late
            .iter()
            .map(|u| Bar {
                label: unit_name(lang, &u.agency),
                value: Some(u.overdue as f64),
                shown: u.overdue.to_string(),
                href: figure_link(period, &u.agency.code, Figure::Overdue),
            })
            .collect(),
        max: None,
        target: None,
    };
    page.overdue_chart = Some(ChartView {
        svg: if late.is_empty() { String::new() } else { chart.bars_svg() },
        title: lang.t("indicator-overdue-title"),
        summary,
    });
}

/// The on-time rate of the twelve months.
fn months(lang: Lang, trend: &[(Period, Fraction)], agency: &str, state: &AppState, page: &mut DashboardPage) {
    let label = |p: &Period| p.from.format("%m/%Y").to_string();
    for (p, f) in trend {
        page.months.push(MonthLine {
            month: label(p),
            on_time: Linked {
                text: count(lang, f.numerator),
                href: figure_link(p, agency, Figure::Indicator(Code::OnTime, Part::Numerator)),
            },
            measured: Linked {
                text: count(lang, f.denominator),
                href: figure_link(p, agency, Figure::Indicator(Code::OnTime, Part::Denominator)),
            },
            rate: percent(lang, f.value(Unit::Percent)),
        });
    }
    let measured: Vec<(&Period, f64)> = trend.iter().filter_map(|(p, f)| Some((p, f.value(Unit::Percent)?))).collect();
    let summary = match (measured.first(), measured.last()) {
        (Some(first), Some(last)) => {
            let best = measured.iter().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or(first);
            let worst = measured.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or(first);
            lang.t_args(
                "indicator-trend-summary",
                &[
                    ("first_month", &label(first.0)),
                    ("first", &percent(lang, Some(first.1))),
                    ("last_month", &label(last.0)),
                    ("last", &percent(lang, Some(last.1))),
                    ("best_month", &label(best.0)),
                    ("best", &percent(lang, Some(best.1))),
                    ("worst_month", &label(worst.0)),
                    ("worst", &percent(lang, Some(worst.1))),
                ],
            )
        }
        _ => lang.t("indicator-trend-none"),
    };
    let target = state.config.indicator_targets.of(Code::OnTime).target;
    let chart = Chart {
        id: "chart-trend".into(),
        title: lang.t("indicator-trend-title"),
        description: summary.clone(),
        bars: trend
            .iter()
            .map(|(p, f)| Bar {
                label: p.from.format("%m").to_string(),
                value: f.value(Unit::Percent),
                shown: f.value(Unit::Percent).map_or_else(|| "—".into(), |v| format!("{v:.0}")),
                href: figure_link(p, agency, Figure::Indicator(Code::OnTime, Part::Numerator)),
            })
            .collect(),
        max: Some(100.0),
        target: target.map(|t| (t, lang.t_args("indicator-target-line", &[("target", &percent(lang, Some(t)))]))),
    };
    page.months_chart = Some(ChartView { svg: chart.columns_svg(), title: lang.t("indicator-trend-title"), summary });
}

/// Dossiers received by channel.
fn channels(lang: Lang, found: &Indicators, period: &Period, agency: &str, page: &mut DashboardPage) {
    let total: u64 = found.by_channel.iter().map(|(_, n)| n).sum();
    let online: u64 = found.by_channel.iter().filter(|(c, _)| c.is_online()).map(|(_, n)| n).sum();
    page.channels = found
        .by_channel
        .iter()
        .map(|(c, n)| {
            let link = Linked { text: n.to_string(), href: figure_link(period, agency, Figure::Channel(*c)) };
            (lang.t(&format!("channel-{}", c.as_str())), link)
        })
        .collect();
    let share = (total > 0).then(|| online as f64 * 100.0 / total as f64);
    let summary = lang.t_args(
        "indicator-channels-summary",
        &[("n", &total.to_string()), ("online", &online.to_string()), ("share", &percent(lang, share))],
    );
    let chart = Chart {
        id: "chart-channels".into(),
        title: lang.t("indicator-channels-title"),
        description: summary.clone(),
        bars: found
            .by_channel
            .iter()
            .map(|(c, n)| Bar {
                label: lang.t(&format!("channel-{}", c.as_str())),
                value: Some(*n as f64),
                shown: n.to_string(),
                href: figure_link(period, agency, Figure::Channel(*c)),
            })
            .collect(),
        max: None,
        target: None,
    };
    page.channels_chart = Some(ChartView { svg: chart.bars_svg(), title: lang.t("indicator-channels-title"), summary });
}

/// The dossiers behind a figure of the dashboard.
pub async fn dossiers(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<IndicatorQuery>,
) -> HttpResult<Response> {
    let lang = ctx.lang;
    let (scope, agency, period) = list_scope(&state, &user, q.don_vi.as_deref(), q.tu.as_deref(), q.den.as_deref())?;
    let figure = crate::api::reports::figure_of(
        q.chi_so.as_deref(),
        q.phan.as_deref(),
        q.kenh.as_deref(),
        q.qua_han.as_deref() == Some("1"),
        ("chi_so", "phan", "kenh"),
    )
    .map_err(|_| AppError::not_found())?;
    let (_, all) = indicators::dossiers_behind(&state, &user, period, Some(&agency), figure).await?;
    let catalog = state.catalog();
    let own = user.agency_code.clone().filter(|_| user.is_officer());
    let current = q.trang.unwrap_or(1).max(1);
    let line = |d: &FigureDossier| {
        let listed = Listed {
            code: &d.code,
            agency: &d.agency,
            procedure_code: &d.procedure_code,
            channel: d.channel,
            received_at: d.received_at,
            finished_at: d.finished_at,
            due_at: d.due_at,
        };
        let verdict = lang.t(&format!("indicator-verdict-{}", d.timeliness.as_str()));
        DossierLine::new(lang, &catalog, own.as_deref(), listed, verdict)
    };
    let lines = all.iter().skip((current - 1) * PER_PAGE).take(PER_PAGE).map(line).collect();
    let page_link = |n: usize| {
        let mut more: Vec<(&str, String)> = Vec::new();
        for (k, v) in [("chi_so", &q.chi_so), ("phan", &q.phan), ("kenh", &q.kenh), ("qua_han", &q.qua_han)] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                more.push((k, v.to_string()));
            }
        }
        more.push(("trang", n.to_string()));
        let more: Vec<(&str, &str)> = more.iter().map(|(k, v)| (*k, v.as_str())).collect();
        report_address("/bao-cao/chi-so/ho-so", &period, &agency, &more)
    };
    let title = match figure {
        Figure::Indicator(code, part) => lang.t_args(
            &format!("indicator-list-{}", part.as_str()),
            &[("indicator", &format!("{} {}", code.as_str(), lang.t(&code.message_key())))],
        ),
        Figure::Channel(c) => {
            lang.t_args("indicator-list-channel", &[("channel", &lang.t(&format!("channel-{}", c.as_str())))])
        }
        Figure::Overdue => lang.t("indicator-list-overdue"),
    };
    let page = DossiersPage {
        ctx: ctx.clone(),
        title,
        scope_name: scope.name(lang, &state.config.place),
        period_text: lang.t_args(
            "indicator-period",
            &[("from", &period.from.format("%d/%m/%Y").to_string()), ("to", &period.to.format("%d/%m/%Y").to_string())],
        ),
        back: report_address("/bao-cao/chi-so", &period, &agency, &[]),
        back_text: lang.t("indicator-back"),
        row_name: None,
        count_text: lang.t_args("list-count", &[("n", &all.len().to_string())]),
        verdict_header: lang.t("indicator-col-verdict"),
        lines,
        prev_url: (current > 1).then(|| page_link(current - 1)),
        next_url: (current * PER_PAGE < all.len()).then(|| page_link(current + 1)),
    };
    Ok(ctx.render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::dossier::Channel;

    #[test]
    fn numbers_take_the_language_s_decimal_sign() {
        assert_eq!(percent(Lang::Vi, Some(95.54)), "95,5%");
        assert_eq!(percent(Lang::En, Some(95.54)), "95.5%");
        assert_eq!(percent(Lang::Vi, None), "—");
        assert_eq!(count(Lang::Vi, 12.0), "12");
        assert_eq!(count(Lang::Vi, 12.25), "12,2");
    }

    #[test]
    fn figure_links_name_the_figure_and_keep_period_and_unit() {
        let p = Period::new(
            chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
        )
        .unwrap();
        assert_eq!(
            figure_link(&p, "000.00.12.H38", Figure::Indicator(Code::OnTime, Part::Remainder)).unwrap(),
            "/bao-cao/chi-so/ho-so?tu=2027-03-01&den=2027-03-31&don_vi=000.00.12.H38&chi_so=2.1&phan=remainder"
        );
        assert_eq!(
            figure_link(&p, "", Figure::Channel(Channel::Postal)).unwrap(),
            "/bao-cao/chi-so/ho-so?tu=2027-03-01&den=2027-03-31&kenh=postal"
        );
        assert_eq!(figure_link(&p, "", Figure::Indicator(Code::OnlineServices, Part::Numerator)), None);
        assert_eq!(catalog_link("X", Part::Numerator), "/thu-tuc?agency=X&level=online");
    }
}
