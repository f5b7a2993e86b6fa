//! The shapes of the steering reports (shared/API.md "Reports"): II.06a and the Decision 766
//! indicators.

use motcua_app::i18n::Lang;
use motcua_app::indicators::{FigureDossier, Indicators};
use motcua_app::reports::{Ii06a, Ii06aDossier};
use motcua_domain::indicators::Scorecard;
use motcua_domain::report::Counts;
use serde::Serialize;
use utoipa::ToSchema;

use super::{time, AgencyDto, FieldDto};

/// Số hồ sơ nhận giải quyết — received: carried over from before the period, and new in it by
/// channel.
#[derive(Serialize, ToSchema)]
pub struct ReceivedDto {
    /// `carried_over` + `online` + `direct`.
    pub total: u64,
    /// Received before the period and not finished before it.
    pub carried_over: u64,
    /// Received in the period, applied online (the portal, the API, the national portal).
    pub online: u64,
    /// Received in the period at the desk or by post.
    pub direct: u64,
}

/// Số hồ sơ đã giải quyết — finished in the period (result issued, or refused after reception).
#[derive(Serialize, ToSchema)]
pub struct ResolvedDto {
    /// `early` + `on_time` + `late`.
    pub total: u64,
    /// Finished on a day (Vietnam time) before the due date's day.
    pub early: u64,
    /// Finished at or before the due time, and not early.
    pub on_time: u64,
    /// Finished after the due time.
    pub late: u64,
}

/// Số hồ sơ đang giải quyết — still open at the end of the period.
#[derive(Serialize, ToSchema)]
pub struct InProgressDto {
    /// `in_time` + `overdue`.
    pub total: u64,
    /// Not due before the end of the period (or before `as_of`, while it runs).
    pub in_time: u64,
    /// Due before then.
    pub overdue: u64,
}

/// The figures of a row or of the total.
#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    /// Received.
    pub received: ReceivedDto,
    /// Resolved.
    pub resolved: ResolvedDto,
    /// In progress.
    pub in_progress: InProgressDto,
}

impl From<&Counts> for CountsDto {
    fn from(c: &Counts) -> Self {
        let (r, d, p) = (&c.received, &c.resolved, &c.in_progress);
        CountsDto {
            received: ReceivedDto { total: r.total, carried_over: r.carried_over, online: r.online, direct: r.direct },
            resolved: ResolvedDto { total: d.total, early: d.early, on_time: d.on_time, late: d.late },
            in_progress: InProgressDto { total: p.total, in_time: p.in_time, overdue: p.overdue },
        }
    }
}

/// One field at one level.
#[derive(Serialize, ToSchema)]
pub struct Ii06aRowDto {
    /// The field (lĩnh vực).
    pub field: FieldDto,
    /// `province` (departments, the service centre, the provincial committee) or `commune`.
    pub level: String,
    /// The figures.
    #[serde(flatten)]
    pub counts: CountsDto,
}

/// Biểu II.06a — the periodic report of dossiers received, resolved and in progress.
#[derive(Serialize, ToSchema)]
pub struct Ii06aDto {
    /// First day of the period.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// The agency reported on; `null` for the whole province.
    pub agency: Option<AgencyDto>,
    /// When the figures were taken.
    pub as_of: String,
    /// By level, then field.
    pub rows: Vec<Ii06aRowDto>,
    /// The sum of the rows.
    pub total: CountsDto,
}

impl From<&Ii06a> for Ii06aDto {
    fn from(r: &Ii06a) -> Self {
        Ii06aDto {
            from: r.period.from.format("%Y-%m-%d").to_string(),
            to: r.period.to.format("%Y-%m-%d").to_string(),
            agency: r.scope.agency().map(AgencyDto::from),
            as_of: time(r.as_of),
            rows: r
                .rows
                .iter()
                .map(|row| Ii06aRowDto {
                    field: FieldDto { code: row.field_code.clone(), name: row.field_name.clone() },
                    level: row.level.as_str().to_string(),
                    counts: CountsDto::from(&row.counts),
                })
                .collect(),
            total: CountsDto::from(&r.total),
        }
    }
}

/// A figure as JSON shows it: a whole number when it is one, else rounded to two decimals.
pub(super) fn number(x: f64) -> serde_json::Number {
    let rounded = (x * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 && rounded.abs() < 9.0e15 {
        serde_json::Number::from(rounded as i64)
    } else {
        serde_json::Number::from_f64(rounded).unwrap_or_else(|| serde_json::Number::from(0))
    }
}

/// One indicator of Decision 766/QĐ-TTg, scored.
#[derive(Serialize, ToSchema)]
pub struct IndicatorDto {
    /// Its number in the decision: `2.1`, `2.2`, `3.1`, `3.3`, `3.6`, `4.1`, `4.2`, `4.3`, `5.4`.
    pub code: String,
    /// Its name, in the caller's language.
    pub name: String,
    /// Dossiers (3.1: procedures) counted; for 2.2, days of processing.
    #[schema(value_type = f64)]
    pub numerator: serde_json::Number,
    /// Dossiers (3.1: procedures) measured.
    #[schema(value_type = f64)]
    pub denominator: serde_json::Number,
    /// Per cent (2.2: average days); `null` when nothing was measured.
    #[schema(value_type = Option<f64>)]
    pub value: Option<serde_json::Number>,
    /// The value that earns full points; `null` when the indicator is not scored.
    #[schema(value_type = Option<f64>)]
    pub target: Option<serde_json::Number>,
    /// Points earned: max_points × min(1, value ÷ target) (2.2: target ÷ value); `null` when
    /// nothing was measured.
    #[schema(value_type = Option<f64>)]
    pub points: Option<serde_json::Number>,
    /// Points it is worth.
    #[schema(value_type = f64)]
    pub max_points: serde_json::Number,
}

fn indicators_of(card: &Scorecard, lang: Lang) -> Vec<IndicatorDto> {
    card.indicators
        .iter()
        .map(|s| IndicatorDto {
            code: s.code.as_str().to_string(),
            name: lang.t(&s.code.message_key()),
            numerator: number(s.fraction.numerator),
            denominator: number(s.fraction.denominator),
            value: s.value.map(number),
            target: s.target.map(number),
            points: s.points.map(number),
            max_points: number(s.max_points),
        })
        .collect()
}

/// One unit's indicators, score and rank.
#[derive(Serialize, ToSchema)]
pub struct UnitIndicatorsDto {
    /// The unit.
    pub agency: AgencyDto,
    /// The points of the indicators measured, scaled to the points of all.
    #[schema(value_type = f64)]
    pub score: serde_json::Number,
    /// Its rank among every unit of the province, 1 the best (ties broken by the on-time rate,
    /// then the agency's code).
    pub rank: u32,
    /// Its indicators.
    pub indicators: Vec<IndicatorDto>,
}

/// The province's indicators: every dossier and procedure together.
#[derive(Serialize, ToSchema)]
pub struct ProvinceIndicatorsDto {
    /// The points of the indicators measured, scaled to the points of all.
    #[schema(value_type = f64)]
    pub score: serde_json::Number,
    /// Its indicators.
    pub indicators: Vec<IndicatorDto>,
}

/// The Decision 766 indicators of a period.
#[derive(Serialize, ToSchema)]
pub struct IndicatorsDto {
    /// First day of the period.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// When the figures were taken: open dossiers are judged at the end of the period, or then.
    pub as_of: String,
    /// Every unit, best first; only the unit asked for when `agency` is given.
    pub units: Vec<UnitIndicatorsDto>,
    /// The province.
    pub province: ProvinceIndicatorsDto,
}

impl IndicatorsDto {
    /// The indicators, names in `lang`.
    pub fn new(r: &Indicators, lang: Lang) -> Self {
        IndicatorsDto {
            from: r.period.from.format("%Y-%m-%d").to_string(),
            to: r.period.to.format("%Y-%m-%d").to_string(),
            as_of: time(r.as_of),
            units: r
                .units
                .iter()
                .map(|u| UnitIndicatorsDto {
                    agency: AgencyDto::from(&u.agency),
                    score: number(u.card.score),
                    rank: u.rank,
                    indicators: indicators_of(&u.card, lang),
                })
                .collect(),
            province: ProvinceIndicatorsDto {
                score: number(r.province.score),
                indicators: indicators_of(&r.province, lang),
            },
        }
    }
}

/// A dossier behind a figure, as the steering committee sees it: no applicant.
#[derive(Serialize, ToSchema)]
pub struct FigureDossierDto {
    /// The dossier's code.
    pub code: String,
    /// The unit leading it.
    pub agency: String,
    /// The procedure's code.
    pub procedure: String,
    /// `online`, `in_person`, `postal` or `national_portal`.
    pub channel: String,
    /// Reception.
    pub received_at: String,
    /// Result issued or refused within the period.
    pub finished_at: Option<String>,
    /// The statutory due date as the clock left it.
    pub due_at: Option<String>,
    /// Its verdict in the period on the 766 view: `on_time`, `late`, `within_time`, `overdue`.
    pub timeliness: String,
}

impl From<&FigureDossier> for FigureDossierDto {
    fn from(d: &FigureDossier) -> Self {
        FigureDossierDto {
            code: d.code.clone(),
            agency: d.agency.clone(),
            procedure: d.procedure_code.clone(),
            channel: d.channel.as_str().to_string(),
            received_at: time(d.received_at),
            finished_at: d.finished_at.map(time),
            due_at: d.due_at.map(time),
            timeliness: d.timeliness.as_str().to_string(),
        }
    }
}

/// A page of the dossiers behind a figure.
#[derive(Serialize, ToSchema)]
pub struct FigureDossiersDto {
    /// This page, latest received first.
    pub items: Vec<FigureDossierDto>,
    /// In all: the figure.
    pub total: usize,
}

/// A dossier behind a figure of II.06a, as the steering committee sees it: no applicant.
#[derive(Serialize, ToSchema)]
pub struct Ii06aDossierDto {
    /// The dossier's code.
    pub code: String,
    /// The unit leading it.
    pub agency: String,
    /// The procedure's code.
    pub procedure: String,
    /// The field of the procedure: the report's row.
    pub field: String,
    /// `province` or `commune`.
    pub level: String,
    /// `online`, `in_person`, `postal` or `national_portal`.
    pub channel: String,
    /// Reception.
    pub received_at: String,
    /// Result issued or refused within the period.
    pub finished_at: Option<String>,
    /// The statutory due date.
    pub due_at: Option<String>,
    /// Where it ends up in the period: `early`, `on_time`, `late` (resolved), `in_time` or
    /// `overdue` (in progress).
    pub outcome: String,
}

impl From<&Ii06aDossier> for Ii06aDossierDto {
    fn from(d: &Ii06aDossier) -> Self {
        Ii06aDossierDto {
            code: d.code.clone(),
            agency: d.agency.clone(),
            procedure: d.procedure_code.clone(),
            field: d.field_code.clone(),
            level: d.level.as_str().to_string(),
            channel: d.channel.as_str().to_string(),
            received_at: time(d.received_at),
            finished_at: d.finished_at.map(time),
            due_at: d.due_at.map(time),
            outcome: d.outcome.as_str().to_string(),
        }
    }
}

/// A page of the dossiers behind a figure of II.06a.
#[derive(Serialize, ToSchema)]
pub struct Ii06aDossiersDto {
    /// This page, latest received first.
    pub items: Vec<Ii06aDossierDto>,
    /// In all: the figure.
    pub total: usize,
}
