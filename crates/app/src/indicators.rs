//! The Decision 766 indicators (`motcua_domain::indicators`) of a period, per unit and for the
//! province, as the steering committee reads them (shared/API.md "Reports"): scored against the
//! targets configured (`Config::indicator_targets`), the units ranked, the on-time rate month by
//! month, the dossiers behind any figure, and the public transparency figures.
//!
//! Who reads what is the II.06a report's rule ([`crate::reports::scope_for`]): the steering role
//! and the administrator every unit and the province; an officer their own unit (with its rank
//! among all, and the province's figures beside it). The public page shows only the on-time
//! rate and satisfaction, as the national portal publishes them.
//!
//! A period made of whole months (every period the pages offer) is answered by the counters
//! ([`crate::counting`]): the finished dossiers' rows kept by the database in each event's
//! transaction, and the open dossiers' rows counted at most [`OPEN_COUNTS_FOR`] ago, whose moment
//! is the figures' "as of". Any other period, and the lists of dossiers behind a figure, are
//! judged dossier by dossier with the clock of each dossier's own page: the reference the
//! counters are tested against ([`tally_from_dossiers`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use motcua_domain::dossier::Channel;
use motcua_domain::indicator::Timeliness;
use motcua_domain::indicators::counts::{months_of, Counts, Month};
use motcua_domain::indicators::{evaluate, online_services, rank, score, Clock, Code, Evaluation, Scorecard, Tally};
use motcua_domain::report::{vn_day, Period};
use motcua_store::catalog::Agency;
use motcua_store::indicator_counts::Judge;
use motcua_store::indicators::IndicatorDossier;
use motcua_store::users::User;

use crate::counting::{OpenCounts, OpenNow, OpenRows, OPEN_COUNTS_FOR};
use crate::error::{AppError, AppResult};
pub use crate::public_figures::{PublicFigures, PublicFiguresCache, Transparency};
use crate::reports::{scope_for, Scope};
use crate::state::AppState;

/// One unit's indicators and its place among all units.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitIndicators {
    /// The unit: the agency leading the dossiers and procedures counted.
    pub agency: Agency,
    /// Its indicators and score.
    pub card: Scorecard,
    /// Its rank among every unit of the province, 1 the best.
    pub rank: u32,
    /// Its dossiers still open at the end of the period and already late (the 766 view).
    pub overdue: u64,
}

/// The indicators of a period.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicators {
    /// The period.
    pub period: Period,
    /// Whose: the province, or one unit.
    pub scope: Scope,
    /// When the figures were taken: open dossiers are judged at the period's end or then.
    pub as_of: DateTime<Utc>,
    /// The units, best first: every unit of the province, or the one of the scope.
    pub units: Vec<UnitIndicators>,
    /// How many units are ranked in the province.
    pub ranked: usize,
    /// The province's indicators: every dossier and procedure together.
    pub province: Scorecard,
    /// Dossiers received in the period by channel, in the order of [`Channel::ALL`]: the
    /// province's, or the unit's.
    pub by_channel: Vec<(Channel, u64)>,
    /// For a unit: the average processing time (2.2) of each of its procedures with dossiers
    /// resolved in the period, by procedure code (empty for the province).
    pub by_procedure: Vec<(String, motcua_domain::indicators::Fraction)>,
}

/// A figure whose dossiers can be listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// An indicator's numerator, denominator, or the rest (denominator less numerator: the late
    /// dossiers of 2.1).
    Indicator(Code, Part),
    /// Received in the period through a channel.
    Channel(Channel),
    /// Still open at the end of the period and already late.
    Overdue,
}

/// Which dossiers of an indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Those counted (tử số).
    Numerator,
    /// Those measured (mẫu số).
    Denominator,
    /// Those measured and not counted.
    Remainder,
}

impl Part {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Part::Numerator => "numerator",
            Part::Denominator => "denominator",
            Part::Remainder => "remainder",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Part> {
        [Part::Numerator, Part::Denominator, Part::Remainder].into_iter().find(|p| p.as_str() == s.trim())
    }
}

impl Figure {
    /// Whether a dossier's evaluation puts it in this figure.
    fn holds(self, d: &IndicatorDossier, e: &Evaluation) -> bool {
        match self {
            Figure::Indicator(code, part) => {
                let (measured, counted) = (e.tally.measures(code), e.tally.counts(code));
                match part {
                    Part::Denominator => measured,
                    Part::Numerator => measured && counted,
                    Part::Remainder => measured && !counted,
                }
            }
            Figure::Channel(c) => e.received_in_period && d.channel == c,
            Figure::Overdue => e.timeliness == Timeliness::Overdue,
        }
    }

    /// Whether the figure is a count of dossiers: not 3.1 (procedures), nor 2.2's numerator
    /// (days).
    pub fn lists_dossiers(self) -> bool {
        match self {
            Figure::Indicator(code, part) => {
                code.counts_dossiers() && !(code == Code::AverageTime && part != Part::Denominator)
            }
            _ => true,
        }
    }
}

/// One dossier behind a figure: what the steering committee may see of it (no applicant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FigureDossier {
    /// Its code.
    pub code: String,
    /// The unit leading it.
    pub agency: String,
    /// The procedure's code.
    pub procedure_code: String,
    /// How it was applied for.
    pub channel: Channel,
    /// Reception.
    pub received_at: DateTime<Utc>,
    /// Result issued or refused, if within the period.
    pub finished_at: Option<DateTime<Utc>>,
    /// The statutory due date as the clock left it.
    pub due_at: Option<DateTime<Utc>>,
    /// Its on-time verdict in the period (766 view).
    pub timeliness: Timeliness,
}

/// What one pass over the dossiers of some periods gives each: the dossier, the index of the
/// period, and where the dossier counts in it.
type Visit<'a> = dyn FnMut(&IndicatorDossier, usize, &Evaluation) + Send + 'a;

/// Reads the dossiers of every period once (led by `agency`, or by any) and judges each in each
/// period it belongs to, as of `as_of`.
async fn visit(
    state: &AppState,
    periods: &[Period],
    agency: Option<&str>,
    as_of: DateTime<Utc>,
    each: &mut Visit<'_>,
) -> AppResult<()> {
    let (Some(start), Some(end)) = (periods.iter().map(Period::start).min(), periods.iter().map(Period::end).max())
    else {
        return Ok(());
    };
    let histories = motcua_store::indicators::supplement_histories(&state.db, start, end, agency).await?;
    let clocks = motcua_store::indicators::version_clocks(&state.db).await?;
    let catalog = state.catalog();
    let calendar = state.calendar();
    let rules: HashMap<&str, motcua_domain::calendar::CountingRule> =
        clocks.values().map(|(_, a)| (a.as_str(), catalog.counting_rule(a))).collect();
    let default_rule = motcua_domain::calendar::CountingRule::default();
    let mut missing = None;
    motcua_store::indicators::each_dossier(&state.db, start, end, agency, |d| {
        let Some((limit, lead)) = clocks.get(&d.procedure_version_id) else {
            missing = Some(d.procedure_version_id);
            return;
        };
        let rule = rules.get(lead.as_str()).unwrap_or(&default_rule);
        let history = histories.get(&d.id).map(Vec::as_slice).unwrap_or_default();
        let facts = crate::counting::facts_of(&d, history, *limit);
        let clock = Clock { calendar: &calendar, rule };
        for (i, period) in periods.iter().enumerate() {
            if let Some(e) = evaluate(&facts, clock, period, as_of) {
                each(&d, i, &e);
            }
        }
    })
    .await?;
    match missing {
        Some(v) => Err(AppError::internal(format!("a dossier refers to procedure version {v}, which does not exist"))),
        None => Ok(()),
    }
}

/// What one pass adds up for one period.
#[derive(Default)]
struct Sums {
    province: Tally,
    by_unit: BTreeMap<String, Tally>,
    overdue: HashMap<String, u64>,
    by_channel: HashMap<(String, Channel), u64>,
    average_time: BTreeMap<(String, String), motcua_domain::indicators::Fraction>,
}

impl Sums {
    fn add(&mut self, d: &IndicatorDossier, e: &Evaluation) {
        self.province += &e.tally;
        *self.by_unit.entry(d.lead_agency.clone()).or_default() += &e.tally;
        if e.timeliness == Timeliness::Overdue {
            *self.overdue.entry(d.lead_agency.clone()).or_default() += 1;
        }
        if e.received_in_period {
            *self.by_channel.entry((d.lead_agency.clone(), d.channel)).or_default() += 1;
        }
        if e.tally.measures(Code::AverageTime) {
            let f = e.tally.get(Code::AverageTime);
            let sum = self.average_time.entry((d.lead_agency.clone(), d.procedure_code.clone())).or_default();
            sum.numerator += f.numerator;
            sum.denominator += f.denominator;
        }
    }
}

/// The indicators of `period` for `user`: of every unit and the province, or of `agency`
/// (see [`scope_for`]).
pub async fn indicators(state: &AppState, user: &User, period: Period, agency: Option<&str>) -> AppResult<Indicators> {
    let scope = scope_for(state, user, agency)?;
    let unit = scope.agency().map(|a| a.code.clone());
    let now = Utc::now();
    let (sums, as_of) = match months_of(&period, now) {
        Some((first, last)) => {
            let open = open_now(state).await?;
            (counted(state, &open, first, last, None, unit.as_deref()).await?, open.counts.as_of)
        }
        None => {
            let mut sums = Sums::default();
            visit(state, &[period], None, now, &mut |d, _, e| sums.add(d, e)).await?;
            (sums, now)
        }
    };
    Ok(scored(state, period, scope, as_of, sums))
}

/// The open dossiers' rows, counted at most [`OPEN_COUNTS_FOR`] ago (plus the time of a count):
/// an older count answers while a new one is taken in the background.
pub async fn open_counts(state: &AppState) -> AppResult<Arc<OpenCounts>> {
    let cache = &state.open_counts;
    let mut last = cache.last.lock().await;
    if let Some(kept) = last.as_ref() {
        let age = (Utc::now() - kept.as_of).to_std().unwrap_or_default();
        if age >= OPEN_COUNTS_FOR && !cache.refreshing.swap(true, Ordering::SeqCst) {
            let state = state.clone();
            tokio::spawn(async move {
                match count_open(&state).await {
                    Ok(fresh) => *state.open_counts.last.lock().await = Some(Arc::new(fresh)),
                    Err(e) => tracing::warn!("cannot count the open dossiers' indicators: {e:?}"),
                }
                state.open_counts.refreshing.store(false, Ordering::SeqCst);
            });
        }
        return Ok(kept.clone());
    }
    let fresh = Arc::new(count_open(state).await?);
    *last = Some(fresh.clone());
    Ok(fresh)
}

/// Counts the open dossiers' rows afresh, the next reader included (tests, after a change).
pub async fn recount_open(state: &AppState) -> AppResult<()> {
    let fresh = Arc::new(count_open(state).await?);
    *state.open_counts.last.lock().await = Some(fresh);
    Ok(())
}

async fn count_open(state: &AppState) -> AppResult<OpenCounts> {
    let as_of = Utc::now();
    let mut dossiers = HashMap::new();
    let mut agencies: HashMap<String, Arc<str>> = HashMap::new();
    motcua_store::indicator_counts::each_open(&state.db, |j| {
        let rows = state.judge.rows(&j, as_of);
        let agency =
            agencies.entry(j.dossier.lead_agency.clone()).or_insert_with(|| j.dossier.lead_agency.as_str().into());
        dossiers.insert(j.dossier.id, OpenRows::new(agency.clone(), &rows));
    })
    .await?;
    Ok(OpenCounts { as_of, dossiers })
}

/// The open dossiers' last count and those of them that have finished since: from a little
/// before it (a transaction that took its time before committing) on. Read once per request.
async fn open_now(state: &AppState) -> AppResult<OpenNow> {
    let counts = open_counts(state).await?;
    let since = counts.as_of - chrono::TimeDelta::minutes(5);
    let finished = motcua_store::indicator_counts::finished_since(&state.db, since).await?.into_iter().collect();
    Ok(OpenNow { counts, finished })
}

/// The sums of the months `first` to `last` from the counters, of every unit (or of `agency`),
/// with 2.2 by procedure for `unit`: the finished dossiers' counters of the database and the
/// open dossiers' last count; and when the open dossiers were judged.
async fn counted(
    state: &AppState,
    open: &OpenNow,
    first: Month,
    last: Month,
    agency: Option<&str>,
    unit: Option<&str>,
) -> AppResult<Sums> {
    let mut units: BTreeMap<String, Counts> = BTreeMap::new();
    for (code, c) in motcua_store::indicator_counts::by_unit(&state.db, first, last, agency).await? {
        *units.entry(code).or_default() += &c;
    }
    for (code, c) in open.by_unit(first, last, agency) {
        *units.entry(code.to_string()).or_default() += &c;
    }
    let mut sums = Sums::default();
    let mut province = Counts::default();
    for (code, c) in units.into_iter().filter(|(_, c)| !c.is_zero()) {
        province += &c;
        sums.by_unit.insert(code.clone(), c.tally());
        if c.overdue() > 0 {
            sums.overdue.insert(code.clone(), c.overdue());
        }
        for channel in Channel::ALL {
            if c.received_by(channel) > 0 {
                sums.by_channel.insert((code.clone(), channel), c.received_by(channel));
            }
        }
    }
    sums.province = province.tally();
    if let Some(unit) = unit {
        for (procedure, dossiers, seconds) in
            motcua_store::indicator_counts::work_by_procedure(&state.db, first, last, unit).await?
        {
            let f = motcua_domain::indicators::Fraction {
                numerator: seconds as f64 / 86_400.0,
                denominator: dossiers as f64,
            };
            sums.average_time.insert((unit.to_owned(), procedure), f);
        }
    }
    Ok(sums)
}

/// The on-time rate (2.1) of each month from `first` to `last`, of `agency` or of the province,
/// from the counters.
async fn counted_months(
    state: &AppState,
    open: &OpenNow,
    first: Month,
    last: Month,
    agency: Option<&str>,
) -> AppResult<BTreeMap<Month, Counts>> {
    let mut months: BTreeMap<Month, Counts> = BTreeMap::new();
    for (month, c) in motcua_store::indicator_counts::by_month(&state.db, first, last, agency).await? {
        *months.entry(month).or_default() += &c;
    }
    for (month, c) in open.by_month(first, last, agency) {
        *months.entry(month).or_default() += &c;
    }
    Ok(months)
}

/// Scores the sums: every unit that leads procedures or dossiers, ranked.
fn scored(state: &AppState, period: Period, scope: Scope, as_of: DateTime<Utc>, sums: Sums) -> Indicators {
    let catalog = state.catalog();
    let targets = &state.config.indicator_targets;
    let Sums { mut province, mut by_unit, overdue, by_channel, average_time } = sums;
    let by_procedure = match scope.agency() {
        Some(a) => average_time
            .into_iter()
            .filter(|((agency, _), _)| *agency == a.code)
            .map(|((_, procedure), f)| (procedure, f))
            .collect(),
        None => Vec::new(),
    };
    let mut levels: BTreeMap<String, Vec<motcua_domain::catalog::OnlineLevel>> = BTreeMap::new();
    for p in &catalog.procedures {
        levels.entry(p.agency.code.clone()).or_default().push(p.level);
    }
    let all = online_services(catalog.procedures.iter().map(|p| p.level));
    province.add(Code::OnlineServices, all.numerator, all.denominator);
    for (agency, list) in &levels {
        let f = online_services(list.iter().copied());
        by_unit.entry(agency.clone()).or_default().add(Code::OnlineServices, f.numerator, f.denominator);
    }
    let cards: Vec<(String, Scorecard)> = by_unit
        .into_iter()
        .filter(|(code, _)| catalog.agencies.contains_key(code))
        .map(|(code, tally)| {
            let card = score(&tally, targets);
            (code, card)
        })
        .collect();
    let ranks = rank(&cards.iter().map(|(code, card)| (code.as_str(), card)).collect::<Vec<_>>());
    let ranked = cards.len();
    let mut units: Vec<UnitIndicators> = cards
        .into_iter()
        .zip(ranks)
        .filter(|((code, _), _)| scope.agency().is_none_or(|a| a.code == *code))
        .filter_map(|((code, card), rank)| {
            let agency = catalog.agencies.get(&code)?.clone();
            Some(UnitIndicators { overdue: overdue.get(&code).copied().unwrap_or(0), agency, card, rank })
        })
        .collect();
    units.sort_by_key(|u| u.rank);
    let by_channel = Channel::ALL
        .iter()
        .map(|c| {
            let n = by_channel
                .iter()
                .filter(|((agency, channel), _)| channel == c && scope.agency().is_none_or(|a| a.code == *agency))
                .map(|(_, n)| *n)
                .sum();
            (*c, n)
        })
        .collect();
    Indicators { period, scope, as_of, units, ranked, province: score(&province, targets), by_channel, by_procedure }
}

/// The indicators' numerators and denominators of `period` for the dossiers `agency` leads (or
/// every agency's), as of `as_of`, unscored: what other figures share with the indicators (the
/// IT-application figures' shares of dossiers), so the two pages never disagree.
pub async fn tally(state: &AppState, period: Period, agency: Option<&str>, as_of: DateTime<Utc>) -> AppResult<Tally> {
    if let Some((first, last)) = months_of(&period, as_of) {
        let open = open_now(state).await?;
        return Ok(counted(state, &open, first, last, agency, None).await?.province);
    }
    tally_from_dossiers(state, period, agency, as_of).await
}

/// [`tally`] judged dossier by dossier, without the counters: the reference they must agree
/// with, and the answer for a period that is not made of whole months.
pub async fn tally_from_dossiers(
    state: &AppState,
    period: Period,
    agency: Option<&str>,
    as_of: DateTime<Utc>,
) -> AppResult<Tally> {
    let mut sum = Tally::default();
    visit(state, &[period], agency, as_of, &mut |_, _, e| sum += &e.tally).await?;
    Ok(sum)
}

/// The twelve months ending with the month of `last`, oldest first.
pub fn twelve_months(last: NaiveDate) -> Vec<Period> {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let end = first_of(last);
    (0..12u32)
        .rev()
        .filter_map(|back| {
            let from = end.checked_sub_months(Months::new(back))?;
            let to = from.checked_add_months(Months::new(1))?.pred_opt()?;
            Period::new(from, to).ok()
        })
        .collect()
}

/// The indicators of `period` and the on-time rate (2.1) of each of the twelve months ending with
/// it, in one pass: the steering dashboard. The months are the province's, or the unit's.
pub async fn dashboard(
    state: &AppState,
    user: &User,
    period: Period,
    agency: Option<&str>,
) -> AppResult<(Indicators, Vec<(Period, motcua_domain::indicators::Fraction)>)> {
    let scope = scope_for(state, user, agency)?;
    let now = Utc::now();
    if let Some((first, last)) = months_of(&period, now) {
        let unit = scope.agency().map(|a| a.code.clone());
        let open = open_now(state).await?;
        let sums = counted(state, &open, first, last, None, unit.as_deref()).await?;
        let months = counted_months(state, &open, last - 11, last, unit.as_deref()).await?;
        let as_of = open.counts.as_of;
        let trend = twelve_months(period.to)
            .into_iter()
            .zip(last - 11..=last)
            .map(|(p, m)| (p, months.get(&m).map(|c| c.tally().get(Code::OnTime)).unwrap_or_default()))
            .collect();
        return Ok((scored(state, period, scope, as_of, sums), trend));
    }
    let as_of = now;
    let mut periods = vec![period];
    periods.extend(twelve_months(period.to));
    let mut sums = Sums::default();
    let mut months = vec![Tally::default(); periods.len()];
    let unit = scope.agency().map(|a| a.code.clone());
    visit(state, &periods, None, as_of, &mut |d, i, e| {
        if i == 0 {
            sums.add(d, e);
        } else if unit.as_ref().is_none_or(|u| *u == d.lead_agency) {
            months[i] += &e.tally;
        }
    })
    .await?;
    let trend = periods.iter().zip(&months).skip(1).map(|(p, t)| (*p, t.get(Code::OnTime))).collect();
    Ok((scored(state, period, scope, as_of, sums), trend))
}

/// The dossiers behind a figure of `period` (of `agency`, or of the province), by reception,
/// latest first.
pub async fn dossiers_behind(
    state: &AppState,
    user: &User,
    period: Period,
    agency: Option<&str>,
    figure: Figure,
) -> AppResult<(Scope, Vec<FigureDossier>)> {
    let scope = scope_for(state, user, agency)?;
    if !figure.lists_dossiers() {
        return Err(AppError::not_found());
    }
    let mut out = Vec::new();
    let unit = scope.agency().map(|a| a.code.clone());
    visit(state, &[period], unit.as_deref(), Utc::now(), &mut |d, _, e| {
        if figure.holds(d, e) {
            out.push(FigureDossier {
                code: d.code.clone(),
                agency: d.lead_agency.clone(),
                procedure_code: d.procedure_code.clone(),
                channel: d.channel,
                received_at: d.received_at,
                finished_at: d.finished_at.filter(|f| *f < period.end()),
                due_at: d.due_at,
                timeliness: e.timeliness,
            });
        }
    })
    .await?;
    out.sort_by(|a, b| b.received_at.cmp(&a.received_at).then_with(|| a.code.cmp(&b.code)));
    Ok((scope, out))
}

impl PublicFigures {
    fn of(year: &Tally, month: &Tally) -> PublicFigures {
        let v = |t: &Tally, c: Code| t.get(c).value(c.unit());
        PublicFigures {
            on_time_year: v(year, Code::OnTime),
            satisfaction_year: v(year, Code::Satisfaction),
            on_time_month: v(month, Code::OnTime),
            satisfaction_month: v(month, Code::Satisfaction),
        }
    }
}

/// How long the public figures are kept before they are counted again: the page is open to
/// anyone, and counting a year of a province on each visit would let anyone load the server.
const PUBLIC_FIGURES_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// The public transparency figures, counted at most every few minutes.
pub async fn transparency(state: &AppState) -> AppResult<Arc<Transparency>> {
    let mut kept = state.public_figures.0.lock().await;
    if let Some((at, figures)) = kept.as_ref() {
        if at.elapsed() < PUBLIC_FIGURES_FOR {
            return Ok(figures.clone());
        }
    }
    let as_of = Utc::now();
    let today = vn_day(as_of);
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
    let year = Period::new(year_start, today).map_err(AppError::internal)?;
    let this_month = today.with_day(1).unwrap_or(today);
    let last_start = this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month);
    let last_month =
        Period::new(last_start, this_month.pred_opt().unwrap_or(this_month)).map_err(AppError::internal)?;
    let mut tallies: [Tally; 2] = Default::default();
    let mut units: BTreeMap<String, [Tally; 2]> = BTreeMap::new();
    let whole = [months_of(&year, as_of), months_of(&last_month, as_of)];
    if let [Some(y), Some(m)] = whole {
        let open = open_now(state).await?;
        for (i, (first, last)) in [y, m].into_iter().enumerate() {
            let sums = counted(state, &open, first, last, None, None).await?;
            tallies[i] = sums.province;
            for (code, tally) in sums.by_unit {
                units.entry(code).or_default()[i] = tally;
            }
        }
    } else {
        visit(state, &[year, last_month], None, as_of, &mut |d, i, e| {
            tallies[i] += &e.tally;
            units.entry(d.lead_agency.clone()).or_default()[i] += &e.tally;
        })
        .await?;
    }
    let catalog = state.catalog();
    let mut units: Vec<(Agency, PublicFigures)> = units
        .into_iter()
        .filter_map(|(code, [y, m])| Some((catalog.agencies.get(&code)?.clone(), PublicFigures::of(&y, &m))))
        .collect();
    units.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let figures = Arc::new(Transparency {
        as_of,
        year,
        last_month,
        province: PublicFigures::of(&tallies[0], &tallies[1]),
        units,
    });
    *kept = Some((std::time::Instant::now(), figures.clone()));
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_end_with_the_month_given() {
        let months = twelve_months(NaiveDate::from_ymd_opt(2027, 3, 15).unwrap());
        assert_eq!(months.len(), 12);
        assert_eq!(months[0].from, NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        assert_eq!(months[0].to, NaiveDate::from_ymd_opt(2026, 4, 30).unwrap());
        assert_eq!(months[11].from, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
        assert_eq!(months[11].to, NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        assert_eq!(months[10].to, NaiveDate::from_ymd_opt(2027, 2, 28).unwrap());
    }

    #[test]
    fn figures_of_days_and_procedures_list_no_dossiers() {
        assert!(!Figure::Indicator(Code::OnlineServices, Part::Denominator).lists_dossiers());
        assert!(!Figure::Indicator(Code::AverageTime, Part::Numerator).lists_dossiers());
        assert!(Figure::Indicator(Code::AverageTime, Part::Denominator).lists_dossiers());
        assert!(Figure::Indicator(Code::OnTime, Part::Remainder).lists_dossiers());
        assert_eq!(Part::parse("remainder"), Some(Part::Remainder));
    }
}
