//! The steering committee's reports (shared/API.md "Reports"): the periodic report II.06a
//! (`motcua_domain::report`) of an agency or of the whole province, as figures, as a workbook
//! and as a signed PDF.
//!
//! Who reads what: the steering role (ban chỉ đạo) and the administrator read any agency's report
//! and the province's; an officer reads their own agency's; anyone else is told the report does
//! not exist, as for a dossier they may not see.

use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::dossier::Role;
use motcua_domain::indicators::counts::months_of;
use motcua_domain::report::{classify, vn_day, Column, Counts, Level, Period, PeriodError, Preset};
use motcua_render as render;
use motcua_store::catalog::Agency;
use motcua_store::reports::FieldCounts;
use motcua_store::users::User;

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;

/// Whose dossiers a report covers: one agency's, or the province's (every agency).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole province.
    Province,
    /// The dossiers one agency leads.
    Agency(Agency),
}

impl Scope {
    /// The agency, when the report is one agency's.
    pub fn agency(&self) -> Option<&Agency> {
        match self {
            Scope::Province => None,
            Scope::Agency(a) => Some(a),
        }
    }

    /// What the report covers, as a page or a message names it: the province (`place`), or the
    /// agency's name in `lang`.
    pub fn name(&self, lang: Lang, place: &str) -> String {
        match self {
            Scope::Province => lang.t_args("report-scope-province", &[("place", place)]),
            Scope::Agency(a) => lang.pick(&a.name, a.name_en.as_deref()).to_string(),
        }
    }
}

/// Whether `user` reads province-wide reports: the steering role and the administrator.
pub fn reads_every_agency(user: &User) -> bool {
    user.has(Role::Steering) || user.has(Role::Admin)
}

/// Whether `user` reads any report at all (for the navigation).
pub fn reads_reports(user: &User) -> bool {
    reads_every_agency(user) || (user.is_officer() && user.agency_code.is_some())
}

/// The scope `user` asks for with `agency` (a code, or none), or not found when they may not
/// read it. An officer who names no agency gets their own agency's report.
pub fn scope_for(state: &AppState, user: &User, agency: Option<&str>) -> AppResult<Scope> {
    let agency = agency.map(str::trim).filter(|a| !a.is_empty());
    let catalog = state.catalog();
    let find = |code: &str| catalog.agencies.get(code).cloned().ok_or_else(AppError::not_found);
    if reads_every_agency(user) {
        return match agency {
            None => Ok(Scope::Province),
            Some(code) => Ok(Scope::Agency(find(code)?)),
        };
    }
    let own = user.agency_code.as_deref().filter(|_| user.is_officer()).ok_or_else(AppError::not_found)?;
    match agency {
        Some(code) if code != own => Err(AppError::not_found()),
        _ => Ok(Scope::Agency(find(own)?)),
    }
}

/// A period from the dates as typed (`YYYY-MM-DD`, or `dd/mm/yyyy` on pages), with per-field
/// errors under the names the caller used for them.
pub fn parse_period(from: Option<&str>, to: Option<&str>, names: (&str, &str)) -> AppResult<Period> {
    let parse = |raw: Option<&str>| {
        let raw = raw?.trim();
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y")).ok()
    };
    let one = |field: &str, key: &str| AppError::fields([(field.to_string(), key.to_string())].into());
    match (parse(from), parse(to)) {
        (None, None) => Err(AppError::fields(
            [(names.0.to_string(), "field-not-date".to_string()), (names.1.to_string(), "field-not-date".to_string())]
                .into(),
        )),
        (None, _) => Err(one(names.0, "field-not-date")),
        (_, None) => Err(one(names.1, "field-not-date")),
        (Some(from), Some(to)) => Period::new(from, to).map_err(|e| match e {
            PeriodError::Reversed => one(names.1, "report-period-reversed"),
            PeriodError::TooLong => one(names.1, "report-period-too-long"),
        }),
    }
}

/// The period a preset names today, in Vietnam.
pub fn preset_period(preset: Preset) -> Period {
    preset.period(vn_day(Utc::now()))
}

/// One field at one level, with its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ii06aRow {
    /// The field's code.
    pub field_code: String,
    /// The field's name, in Vietnamese.
    pub field_name: String,
    /// In English, when the catalog has one.
    pub field_name_en: Option<String>,
    /// Province or commune.
    pub level: Level,
    /// The figures.
    pub counts: Counts,
}

/// The report II.06a of a period and scope, as of a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ii06a {
    /// The period.
    pub period: Period,
    /// Whose dossiers.
    pub scope: Scope,
    /// When the figures were taken.
    pub as_of: DateTime<Utc>,
    /// The rows, by level, then field.
    pub rows: Vec<Ii06aRow>,
    /// Their sum.
    pub total: Counts,
}

/// The report II.06a of `period` for `user`, of `agency` or of the province (see [`scope_for`]).
pub async fn ii06a(state: &AppState, user: &User, period: Period, agency: Option<&str>) -> AppResult<Ii06a> {
    let scope = scope_for(state, user, agency)?;
    let as_of = Utc::now();
    let (agency, measured_at) = (scope.agency().map(|a| a.code.as_str()), period.measured_at(as_of));
    // Periods of whole months from the counters, others dossier by dossier.
    let found = match months_of(&period, as_of) {
        Some(months) => motcua_store::reports::ii06a_of_months(&state.db, months, &period, measured_at, agency).await?,
        None => motcua_store::reports::ii06a(&state.db, &period, measured_at, agency).await?,
    };
    let rows: Vec<Ii06aRow> = found
        .into_iter()
        .map(|FieldCounts { field_code, field_name, field_name_en, level, counts }| Ii06aRow {
            field_code,
            field_name,
            field_name_en,
            level,
            counts,
        })
        .collect();
    let total = rows.iter().map(|r| r.counts).sum();
    Ok(Ii06a { period, scope, as_of, rows, total })
}

/// Which figure of a report: a column, of one field at one level, of a level, or of the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The column.
    pub column: Column,
    /// The field's code; none for a level's subtotal or the total.
    pub field: Option<String>,
    /// The level; none for the total.
    pub level: Option<Level>,
}

/// A dossier behind a figure of the report, as a reader of reports sees it: no applicant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ii06aDossier {
    /// Its code.
    pub code: String,
    /// The agency leading it.
    pub agency: String,
    /// The procedure's code.
    pub procedure_code: String,
    /// The field of its procedure.
    pub field_code: String,
    /// Province or commune.
    pub level: Level,
    /// How it was applied for.
    pub channel: motcua_domain::dossier::Channel,
    /// Reception.
    pub received_at: DateTime<Utc>,
    /// Result issued or refused, if within the period.
    pub finished_at: Option<DateTime<Utc>>,
    /// The statutory due date.
    pub due_at: Option<DateTime<Utc>>,
    /// Where it ends up in the period: early, on time or late, or in time or overdue.
    pub outcome: Column,
}

/// The dossiers behind one figure of the report II.06a of `period` (of `agency`, or of the
/// province), latest received first: as many as the figure says, placed by the report's
/// definition.
pub async fn ii06a_dossiers(
    state: &AppState,
    user: &User,
    period: Period,
    agency: Option<&str>,
    cell: &Cell,
) -> AppResult<(Scope, Vec<Ii06aDossier>)> {
    let scope = scope_for(state, user, agency)?;
    let as_of = Utc::now();
    let lines =
        motcua_store::reports::report_lines(&state.db, &period, scope.agency().map(|a| a.code.as_str())).await?;
    let outcomes = [Column::Early, Column::OnTime, Column::Late, Column::InTime, Column::Overdue];
    let mut out: Vec<Ii06aDossier> = lines
        .into_iter()
        .filter(|l| cell.level.is_none_or(|level| level == l.level))
        .filter(|l| cell.field.as_deref().is_none_or(|f| f == l.field_code))
        .filter_map(|l| {
            let counts = classify(&l.facts, &period, as_of)?;
            if cell.column.of(&counts) == 0 {
                return None;
            }
            Some(Ii06aDossier {
                outcome: outcomes.into_iter().find(|c| c.of(&counts) > 0)?,
                code: l.code,
                agency: l.agency,
                procedure_code: l.procedure_code,
                field_code: l.field_code,
                level: l.level,
                channel: l.facts.channel,
                received_at: l.facts.received_at?,
                finished_at: l.facts.finished_at.filter(|f| *f < period.end()),
                due_at: l.facts.due_at,
            })
        })
        .collect();
    out.sort_by(|a, b| b.received_at.cmp(&a.received_at).then_with(|| a.code.cmp(&b.code)));
    Ok((scope, out))
}

/// The agency that files a report: the one it is about, else the provincial committee.
fn filing_agency(state: &AppState, report: &Ii06a) -> Option<Agency> {
    match &report.scope {
        Scope::Agency(a) => Some(a.clone()),
        Scope::Province => {
            state.catalog().agencies.values().find(|a| a.kind == motcua_domain::catalog::AgencyKind::Province).cloned()
        }
    }
}

/// The report as the printed form and the workbook lay it out, in Vietnamese.
fn printable(state: &AppState, report: &Ii06a) -> render::Ii06aReport {
    let filing = filing_agency(state, report);
    render::Ii06aReport {
        issuer: filing.as_ref().map(|a| state.issuer(a)).unwrap_or_default(),
        scope: match &report.scope {
            Scope::Agency(a) => a.name.clone(),
            Scope::Province => format!("tỉnh {}", state.config.place),
        },
        from: report.period.from,
        to: report.period.to,
        as_of: report.as_of,
        rows: report
            .rows
            .iter()
            .map(|r| render::Ii06aRow { level: r.level, field: r.field_name.clone(), counts: r.counts })
            .collect(),
        total: report.total,
    }
}

/// The report as an Excel workbook with the official headings.
pub fn ii06a_xlsx(state: &AppState, report: &Ii06a) -> AppResult<Vec<u8>> {
    render::render_ii06a_xlsx(&printable(state, report)).map_err(AppError::internal)
}

/// The report as an A4 landscape PDF, PAdES-signed in `user`'s name by the agency filing it
/// (the one it is about, or the provincial committee), as the register is when printed.
pub async fn ii06a_pdf(state: &AppState, user: &User, report: &Ii06a) -> AppResult<Vec<u8>> {
    let pdf = render::render_ii06a_pdf(&printable(state, report)).map_err(AppError::internal)?;
    let agency = filing_agency(state, report).map(|a| a.code).or_else(|| user.agency_code.clone()).unwrap_or_default();
    let about = format!("{} – {}", report.period.from, report.period.to);
    let (bytes, _) =
        crate::issued::sign(state, &agency, &user.full_name, &about, render::FormKind::Ii06a, pdf, report.as_of)
            .await?;
    Ok(bytes)
}
