//! Bộ chỉ số 766 — the service-quality indicators of Decision 766/QĐ-TTg (2022) that motcua's own
//! data can compute (DESIGN.md section 8), per unit and for the province: what each dossier
//! counts towards in a period ([`evaluate`]), the sums ([`Tally`]), the points each indicator
//! earns against its target ([`Targets`], configuration rather than code) and the ranking of
//! units ([`rank`]).
//!
//! [`crate::indicator`] (singular) is one dossier's clock and its on-time verdict; this module
//! adds those verdicts up, with the other facts of the period, into indicators.
//!
//! Which indicators, and what each counts (a dossier "in the period" below means received
//! before its end and not withdrawn; withdrawn dossiers, the applicant's own choice, count
//! nowhere, as in the II.06a report):
//!
//! | code | numerator | denominator |
//! |---|---|---|
//! | 2.1 | on time or still within time ([`crate::indicator::Timeliness`]) | finished in the period, or still open at its end |
//! | 2.2 | days of processing, waiting for the applicant subtracted | finished in the period |
//! | 3.1 | procedures offered online (partly or fully) | the unit's procedures |
//! | 3.3 | received online (portal, API, national portal) | received in the period |
//! | 3.6 | paid online (through a gateway, not at the desk) | received in the period with a fee |
//! | 4.1 | with the system's signed electronic result | result issued in the period |
//! | 4.2 | every document electronic (uploaded online, scanned at the desk, reused) | received in the period |
//! | 4.3 | at least one document reused from earlier dossiers or the applicant's store | received in the period |
//! | 5.4 | neither late (2.1) nor rated "not satisfied" | as 2.1 |
//!
//! 5.4 is thus 100 % − (% late + % not satisfied among those not late): Decision 766's
//! "100 % − (% late + % with complaints or not satisfied)" without counting a dossier twice. The
//! public-information indicators (1.x) concern the publication of procedures in the national
//! database and the portal's own records, which motcua does not hold, and are left out.
//!
//! Open dossiers are judged where the period ends (or now, while it runs), and only on what had
//! happened by then: supplement requests, payments and ratings after that moment do not count,
//! so a past period's figures do not change when its dossiers move on.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

pub mod counts;

use crate::calendar::{CountingRule, TimeLimit, WorkingCalendar};
use crate::catalog::OnlineLevel;
use crate::dossier::{Action, Channel};
use crate::indicator::{clock_views, waiting_periods, ClockFacts, Timeliness};
use crate::rating::Satisfaction;
use crate::report::Period;

/// An indicator motcua computes, by its number in Decision 766.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    /// 2.1 — dossiers resolved on time.
    OnTime,
    /// 2.2 — average processing time.
    AverageTime,
    /// 3.1 — procedures offered online.
    OnlineServices,
    /// 3.3 — dossiers received online.
    OnlineDossiers,
    /// 3.6 — fee-bearing dossiers paid online.
    OnlinePayment,
    /// 4.1 — dossiers with an electronic result.
    ElectronicResults,
    /// 4.2 — dossiers with every document digitised.
    Digitised,
    /// 4.3 — dossiers reusing digitised data.
    Reused,
    /// 5.4 — satisfaction: neither late nor rated "not satisfied".
    Satisfaction,
}

/// How an indicator's value reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A share, in per cent: numerator ÷ denominator × 100.
    Percent,
    /// An average, in days: numerator (days) ÷ denominator.
    Days,
}

/// Whether a higher value is better (most indicators) or a lower one (processing time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Full points at or above the target.
    AtLeast,
    /// Full points at or below the target.
    AtMost,
}

impl Code {
    /// Every indicator, in the order of the decision.
    pub const ALL: [Code; 9] = [
        Code::OnTime,
        Code::AverageTime,
        Code::OnlineServices,
        Code::OnlineDossiers,
        Code::OnlinePayment,
        Code::ElectronicResults,
        Code::Digitised,
        Code::Reused,
        Code::Satisfaction,
    ];

    /// Its number in Decision 766, e.g. `2.1`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::OnTime => "2.1",
            Code::AverageTime => "2.2",
            Code::OnlineServices => "3.1",
            Code::OnlineDossiers => "3.3",
            Code::OnlinePayment => "3.6",
            Code::ElectronicResults => "4.1",
            Code::Digitised => "4.2",
            Code::Reused => "4.3",
            Code::Satisfaction => "5.4",
        }
    }

    /// Parses a number such as `2.1`.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// The key of its name in the message files: `indicator-2-1`.
    pub fn message_key(self) -> String {
        format!("indicator-{}", self.as_str().replace('.', "-"))
    }

    /// Percent or days.
    pub fn unit(self) -> Unit {
        match self {
            Code::AverageTime => Unit::Days,
            _ => Unit::Percent,
        }
    }

    /// Which way is better.
    pub fn direction(self) -> Direction {
        match self {
            Code::AverageTime => Direction::AtMost,
            _ => Direction::AtLeast,
        }
    }

    /// Whether the indicator counts dossiers, so that its figures list the dossiers behind them
    /// (3.1 counts procedures; 2.2's numerator is days).
    pub fn counts_dossiers(self) -> bool {
        self != Code::OnlineServices
    }

    fn index(self) -> usize {
        Code::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// A numerator over a denominator.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Fraction {
    /// Dossiers (or procedures) counted; for 2.2, days.
    pub numerator: f64,
    /// Dossiers (or procedures) measured.
    pub denominator: f64,
}

impl Fraction {
    /// The value in the indicator's unit, `None` when nothing was measured.
    pub fn value(&self, unit: Unit) -> Option<f64> {
        if self.denominator <= 0.0 {
            return None;
        }
        let ratio = self.numerator / self.denominator;
        Some(match unit {
            Unit::Percent => ratio * 100.0,
            Unit::Days => ratio,
        })
    }
}

/// The numerators and denominators of every indicator, for one dossier or summed over many.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    parts: [Fraction; Code::ALL.len()],
}

impl Tally {
    /// One indicator's fraction.
    pub fn get(&self, code: Code) -> Fraction {
        self.parts[code.index()]
    }

    /// Counts `numerator` over `denominator` more towards an indicator.
    pub fn add(&mut self, code: Code, numerator: f64, denominator: f64) {
        let f = &mut self.parts[code.index()];
        f.numerator += numerator;
        f.denominator += denominator;
    }

    /// Counts one dossier (or procedure) in an indicator's denominator, and in its numerator
    /// when `counted`.
    pub fn count(&mut self, code: Code, counted: bool) {
        self.add(code, if counted { 1.0 } else { 0.0 }, 1.0);
    }

    /// Whether one dossier's tally puts it in an indicator's denominator.
    pub fn measures(&self, code: Code) -> bool {
        self.get(code).denominator > 0.0
    }

    /// Whether one dossier's tally puts it in an indicator's numerator.
    pub fn counts(&self, code: Code) -> bool {
        self.get(code).numerator > 0.0
    }
}

impl std::ops::AddAssign<&Tally> for Tally {
    fn add_assign(&mut self, o: &Tally) {
        for (a, b) in self.parts.iter_mut().zip(o.parts.iter()) {
            a.numerator += b.numerator;
            a.denominator += b.denominator;
        }
    }
}

/// 3.1 over a unit's procedures, by their online level.
pub fn online_services(levels: impl IntoIterator<Item = OnlineLevel>) -> Fraction {
    let mut f = Fraction::default();
    for level in levels {
        f.denominator += 1.0;
        if level.is_online() {
            f.numerator += 1.0;
        }
    }
    f
}

/// What the indicators need to know of one dossier: its times, its supplement history and
/// what it holds (documents, payment, result, rating).
#[derive(Clone, Copy, Debug)]
pub struct DossierFacts<'a> {
    /// How the applicant applied.
    pub channel: Channel,
    /// Reception: the clock's first start.
    pub received_at: DateTime<Utc>,
    /// When its result was issued or it was refused after reception.
    pub finished_at: Option<DateTime<Utc>>,
    /// Finished by a refusal rather than a result.
    pub refused: bool,
    /// Withdrawn, or processing stopped at the applicant's request: counted nowhere.
    pub withdrawn: bool,
    /// Its supplement requests, supplements and reception, in order (time and action); other
    /// events may be left out. Empty for a dossier never asked for a supplement.
    pub history: &'a [(DateTime<Utc>, Action)],
    /// The procedure's statutory time limit.
    pub limit: TimeLimit,
    /// Whether it carries a fee.
    pub fee_bearing: bool,
    /// When its fee was paid online, if it was.
    pub paid_online_at: Option<DateTime<Utc>>,
    /// Whether its result is the system's signed electronic result.
    pub electronic_result: bool,
    /// Its documents (not results).
    pub documents: Documents,
    /// The applicant's overall rating, and when it was given.
    pub rating: Option<(DateTime<Utc>, Satisfaction)>,
}

/// A dossier's documents, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Documents {
    /// Documents attached (not results).
    pub total: u32,
    /// Of which electronic: uploaded online, scanned at the desk (số hóa), or reused.
    pub electronic: u32,
    /// Of which reused from an earlier dossier or the applicant's store.
    pub reused: u32,
}

/// How the clock of a dossier's procedure counts.
#[derive(Clone, Copy, Debug)]
pub struct Clock<'a> {
    /// The working calendar.
    pub calendar: &'a WorkingCalendar,
    /// The lead agency's counting rule.
    pub rule: &'a CountingRule,
}

/// Where one dossier stands in a period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// What it counts towards.
    pub tally: Tally,
    /// Its on-time verdict (2.1): every dossier in the period is measured, finished in it or
    /// open at its end.
    pub timeliness: Timeliness,
    /// Whether it was received within the period.
    pub received_in_period: bool,
}

/// Where one dossier counts in the indicators of `period` looked at `as_of`; `None` when it is
/// not in the period at all (received after it, finished before it, never received or withdrawn).
pub fn evaluate(d: &DossierFacts<'_>, clock: Clock<'_>, period: &Period, as_of: DateTime<Utc>) -> Option<Evaluation> {
    let (start, end) = (period.start(), period.end());
    let measured_at = period.measured_at(as_of);
    if d.withdrawn || d.received_at >= end || d.finished_at.is_some_and(|f| f < start) {
        return None;
    }
    let finished = d.finished_at.filter(|f| *f < end);
    let received_in_period = d.received_at >= start;
    let views = judge(d, clock, finished, measured_at);
    let mut tally = Tally::default();
    let timeliness = views.timeliness;
    let in_time = !timeliness.is_late();
    tally.count(Code::OnTime, in_time);
    let unsatisfied = d.rating.is_some_and(|(at, s)| at <= measured_at && s == Satisfaction::NotSatisfied);
    tally.count(Code::Satisfaction, in_time && !unsatisfied);
    if let Some(f) = finished {
        tally.add(Code::AverageTime, working_seconds(d, f, &views) as f64 / 86_400.0, 1.0);
        if !d.refused {
            tally.count(Code::ElectronicResults, d.electronic_result);
        }
    }
    if received_in_period {
        tally.count(Code::OnlineDossiers, d.channel.is_online());
        if d.fee_bearing {
            tally.count(Code::OnlinePayment, d.paid_online_at.is_some_and(|at| at <= measured_at));
        }
        let docs = d.documents;
        tally.count(Code::Digitised, docs.total > 0 && docs.electronic >= docs.total);
        tally.count(Code::Reused, docs.reused > 0);
    }
    Some(Evaluation { tally, timeliness, received_in_period })
}

/// One dossier's clock as the indicators see it at `measured_at`: finished at `finished` (its
/// finish if that falls before the moment judged, else `None`), knowing only what had happened
/// by then.
fn judge(
    d: &DossierFacts<'_>,
    clock: Clock<'_>,
    finished: Option<DateTime<Utc>>,
    measured_at: DateTime<Utc>,
) -> crate::indicator::ClockViews {
    let until = finished.unwrap_or(measured_at);
    let known: Vec<(DateTime<Utc>, Action)> = d.history.iter().copied().filter(|(at, _)| *at <= until).collect();
    let requests = known.iter().filter(|(_, a)| *a == Action::RequestSupplement).count();
    let waits = waiting_periods(known.iter().copied());
    let facts = ClockFacts {
        received_at: d.received_at,
        waits: &waits,
        supplement_requests: u32::try_from(requests).unwrap_or(u32::MAX),
        finished_at: finished,
    };
    clock_views(clock.calendar, clock.rule, d.limit, facts, measured_at)
}

/// The seconds of processing a finished dossier counts towards 2.2: from reception to its finish,
/// the waits for the applicant subtracted.
fn working_seconds(d: &DossierFacts<'_>, finished: DateTime<Utc>, views: &crate::indicator::ClockViews) -> i64 {
    (finished - d.received_at - views.waiting).num_seconds().max(0)
}

/// An indicator's target and the points it is worth (Decision 766 gives each a maximum, earned
/// in full when the target is met and in proportion below it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// The value that earns full points (per cent, or days for 2.2); `None`: not scored.
    pub target: Option<f64>,
    /// The points it is worth.
    pub max_points: f64,
}

/// Every indicator's target and points: [`Targets::default`] the table shipped, which a
/// province overrides from a file (`serve --indicator-targets FILE`).
#[derive(Clone, Debug, PartialEq)]
pub struct Targets(BTreeMap<Code, Target>);

impl Default for Targets {
    /// The points of the groups of DESIGN.md section 8 shared among the indicators motcua
    /// computes: progress 20 (2.1), online service 22 (3.1 and 3.3 six each, payment 10),
    /// digitisation 22 (4.1 eight, 4.2 and 4.3 seven each), satisfaction 18 (5.4); 2.2 shown,
    /// not scored. Targets: 3.3 50 %, 4.2 and 4.3 80 %, 5.4 90 % (DESIGN.md section 8); the others
    /// a product choice (100 %, payment 50 %) to be checked against the decision's annex and set
    /// by each province.
    fn default() -> Self {
        let t = |target: Option<f64>, max_points: f64| Target { target, max_points };
        Targets(BTreeMap::from([
            (Code::OnTime, t(Some(100.0), 20.0)),
            (Code::AverageTime, t(None, 0.0)),
            (Code::OnlineServices, t(Some(100.0), 6.0)),
            (Code::OnlineDossiers, t(Some(50.0), 6.0)),
            (Code::OnlinePayment, t(Some(50.0), 10.0)),
            (Code::ElectronicResults, t(Some(100.0), 8.0)),
            (Code::Digitised, t(Some(80.0), 7.0)),
            (Code::Reused, t(Some(80.0), 7.0)),
            (Code::Satisfaction, t(Some(90.0), 18.0)),
        ]))
    }
}

/// Why a file of targets was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TargetsError {
    /// Not the expected JSON.
    #[error("the indicator targets are not valid JSON of the expected shape: {0}")]
    Syntax(String),
    /// An indicator motcua does not compute.
    #[error("unknown indicator {0} (known: 2.1, 2.2, 3.1, 3.3, 3.6, 4.1, 4.2, 4.3, 5.4)")]
    UnknownCode(String),
    /// A target that is not a positive number, or a share above 100 %.
    #[error("indicator {0}: the target must be above 0 (and at most 100 for a percentage)")]
    Target(String),
    /// Negative or not finite points.
    #[error("indicator {0}: max_points must be 0 or more")]
    Points(String),
}

/// One indicator's entry in a file of targets: either or both of its fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetEntry {
    #[serde(default)]
    target: Option<f64>,
    #[serde(default)]
    max_points: Option<f64>,
}

impl Targets {
    /// The default table with the entries of a JSON object overriding it, e.g.
    /// `{"2.1": {"target": 95}, "3.6": {"target": 30, "max_points": 10}}`.
    pub fn from_json(text: &str) -> Result<Targets, TargetsError> {
        let entries: BTreeMap<String, TargetEntry> =
            serde_json::from_str(text).map_err(|e| TargetsError::Syntax(e.to_string()))?;
        let mut out = Targets::default();
        for (code, entry) in entries {
            let c = Code::parse(&code).ok_or_else(|| TargetsError::UnknownCode(code.clone()))?;
            let t = out.0.entry(c).or_insert(Target { target: None, max_points: 0.0 });
            if let Some(target) = entry.target {
                let share_too_big = c.unit() == Unit::Percent && target > 100.0;
                if !target.is_finite() || target <= 0.0 || share_too_big {
                    return Err(TargetsError::Target(code));
                }
                t.target = Some(target);
            }
            if let Some(points) = entry.max_points {
                if !points.is_finite() || points < 0.0 {
                    return Err(TargetsError::Points(code));
                }
                t.max_points = points;
            }
        }
        Ok(out)
    }

    /// One indicator's target and points.
    pub fn of(&self, code: Code) -> Target {
        self.0.get(&code).copied().unwrap_or(Target { target: None, max_points: 0.0 })
    }

    /// The points of every indicator together.
    pub fn total(&self) -> f64 {
        Code::ALL.iter().map(|c| self.of(*c).max_points).sum()
    }
}

/// The points a value earns: Pmax × min(1, value ÷ target), or for an indicator where less is
/// better, Pmax × min(1, target ÷ value). `None` when there is nothing to measure; 0 when the
/// indicator is not scored (no target).
pub fn points(code: Code, value: Option<f64>, target: &Target) -> Option<f64> {
    let value = value?;
    let Some(goal) = target.target.filter(|g| *g > 0.0) else {
        return Some(0.0);
    };
    let ratio = match code.direction() {
        Direction::AtLeast => value / goal,
        Direction::AtMost if value <= 0.0 => 1.0,
        Direction::AtMost => goal / value,
    };
    Some(target.max_points * ratio.clamp(0.0, 1.0))
}

/// One indicator of a unit or of the province, scored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    /// Which.
    pub code: Code,
    /// Its numerator and denominator.
    pub fraction: Fraction,
    /// Its value (per cent, or days), `None` when nothing was measured.
    pub value: Option<f64>,
    /// Its target.
    pub target: Option<f64>,
    /// Points earned, `None` when nothing was measured.
    pub points: Option<f64>,
    /// Points it is worth.
    pub max_points: f64,
}

/// Every indicator of a tally scored, and the total score.
#[derive(Clone, Debug, PartialEq)]
pub struct Scorecard {
    /// In the order of [`Code::ALL`].
    pub indicators: Vec<Scored>,
    /// The total score out of [`Targets::total`].
    pub score: f64,
}

impl Scorecard {
    /// One indicator.
    pub fn get(&self, code: Code) -> Option<&Scored> {
        self.indicators.iter().find(|s| s.code == code)
    }
}

/// Scores a tally. An indicator with nothing to measure (no fee-bearing dossier for 3.6) neither
/// earns nor loses points: the score is the points earned scaled from the points of the
/// indicators measured to the points of all, so units of different make-up compare.
pub fn score(tally: &Tally, targets: &Targets) -> Scorecard {
    let indicators: Vec<Scored> = Code::ALL
        .iter()
        .map(|&code| {
            let fraction = tally.get(code);
            let target = targets.of(code);
            let value = fraction.value(code.unit());
            Scored {
                code,
                fraction,
                value,
                target: target.target,
                points: points(code, value, &target),
                max_points: target.max_points,
            }
        })
        .collect();
    let earned: f64 = indicators.iter().filter_map(|s| s.points).sum();
    let measured: f64 = indicators.iter().filter(|s| s.points.is_some()).map(|s| s.max_points).sum();
    let score = if measured > 0.0 { earned * targets.total() / measured } else { 0.0 };
    Scorecard { indicators, score }
}

/// The ranks of units (1 for the best): by score, then by the on-time rate (2.1), then by the
/// key given (the agency's code), so that ties are broken the same way every time. Returns the
/// rank of each unit in the order given.
pub fn rank<K: Ord>(units: &[(K, &Scorecard)]) -> Vec<u32> {
    let on_time = |s: &Scorecard| s.get(Code::OnTime).and_then(|i| i.value).unwrap_or(-1.0);
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| {
        let (ka, sa) = &units[a];
        let (kb, sb) = &units[b];
        sb.score.total_cmp(&sa.score).then(on_time(sb).total_cmp(&on_time(sa))).then_with(|| ka.cmp(kb))
    });
    let mut ranks = vec![0; units.len()];
    for (place, i) in order.into_iter().enumerate() {
        ranks[i] = u32::try_from(place + 1).unwrap_or(u32::MAX);
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{vn_offset, TimeUnit};
    use crate::report::{classify, ReportedDossier};
    use chrono::{NaiveDate, TimeZone};

    /// An instant in Vietnam time, 2027.
    fn vn(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
        vn_offset().with_ymd_and_hms(2027, month, day, hour, 0, 0).unwrap().with_timezone(&Utc)
    }

    fn march() -> Period {
        Period::new(NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 3, 31).unwrap())
            .unwrap()
    }

    fn later() -> DateTime<Utc> {
        vn(12, 31, 0)
    }

    /// Received at the desk on Monday 1 March 2027 at 09:00 with a limit of five working days:
    /// due on Monday 8 March at 17:00.
    fn dossier(history: &[(DateTime<Utc>, Action)], finished_at: Option<DateTime<Utc>>) -> DossierFacts<'_> {
        DossierFacts {
            channel: Channel::InPerson,
            received_at: vn(3, 1, 9),
            finished_at,
            refused: false,
            withdrawn: false,
            history,
            limit: TimeLimit::new(5, TimeUnit::WorkingDays),
            fee_bearing: false,
            paid_online_at: None,
            electronic_result: false,
            documents: Documents::default(),
            rating: None,
        }
    }

    fn eval(d: &DossierFacts<'_>) -> Option<Evaluation> {
        let (cal, rule) = (WorkingCalendar::default(), CountingRule::default());
        evaluate(d, Clock { calendar: &cal, rule: &rule }, &march(), later())
    }

    fn on_time(d: &DossierFacts<'_>) -> bool {
        eval(d).unwrap().tally.counts(Code::OnTime)
    }

    #[test]
    fn two_supplement_requests_are_late_here_but_not_in_ii06a() {
        let history = [
            (vn(3, 1, 9), Action::Receive),
            (vn(3, 2, 9), Action::RequestSupplement),
            (vn(3, 2, 15), Action::Supplement),
            (vn(3, 3, 9), Action::RequestSupplement),
            (vn(3, 3, 15), Action::Supplement),
        ];
        let d = dossier(&history, Some(vn(3, 4, 9)));
        let e = eval(&d).unwrap();
        assert_eq!(e.timeliness, Timeliness::Late);
        assert!(e.tally.measures(Code::OnTime) && !e.tally.counts(Code::OnTime));
        // The II.06a report judges it against the restarted due date, days away: early.
        let reported = ReportedDossier::from_history(
            Channel::InPerson,
            Some(vn(3, 10, 17)),
            history.iter().copied().chain([(vn(3, 4, 9), Action::IssueResult)]),
        );
        let counts = classify(&reported, &march(), later()).unwrap();
        assert_eq!((counts.resolved.early, counts.resolved.late), (1, 0));
        // One request only: on time.
        let d = dossier(&history[..3], Some(vn(3, 4, 9)));
        assert!(on_time(&d));
    }

    #[test]
    fn waiting_for_the_applicant_is_subtracted() {
        // Asked on the 2nd, supplied a week later: five days of waiting push the due date from
        // the 8th to the 13th, so a result on the 12th is on time.
        let history = [
            (vn(3, 1, 9), Action::Receive),
            (vn(3, 2, 9), Action::RequestSupplement),
            (vn(3, 7, 9), Action::Supplement),
        ];
        assert!(on_time(&dossier(&history, Some(vn(3, 12, 9)))));
        // Without the wait it is late.
        assert!(!on_time(&dossier(&history[..1], Some(vn(3, 12, 9)))));
        assert!(on_time(&dossier(&[], Some(vn(3, 8, 17)))));
        // The days of processing leave the wait out: 11 days less 5 of waiting.
        let e = eval(&dossier(&history, Some(vn(3, 12, 9)))).unwrap();
        assert_eq!(e.tally.get(Code::AverageTime), Fraction { numerator: 6.0, denominator: 1.0 });
    }

    #[test]
    fn withdrawn_and_out_of_period_dossiers_count_nowhere() {
        let mut d = dossier(&[], None);
        d.withdrawn = true;
        assert_eq!(eval(&d), None);
        let mut d = dossier(&[], Some(vn(2, 27, 9)));
        d.received_at = vn(2, 20, 9);
        assert_eq!(eval(&d), None, "finished before the period");
        let mut d = dossier(&[], None);
        d.received_at = vn(4, 1, 9);
        assert_eq!(eval(&d), None, "received after it");
        // Received before the period and still open: measured by 2.1, not received in it.
        let mut d = dossier(&[], None);
        d.received_at = vn(2, 20, 9);
        let e = eval(&d).unwrap();
        assert!(!e.received_in_period);
        assert_eq!(e.timeliness, Timeliness::Overdue);
        assert!(!e.tally.measures(Code::OnlineDossiers) && e.tally.measures(Code::OnTime));
    }

    #[test]
    fn an_open_dossier_is_judged_on_what_had_happened_by_the_end_of_the_period() {
        // Open at the end of March, within time then (due 13 April); its second supplement
        // request came in April and does not count for March.
        let history = [
            (vn(3, 1, 9), Action::Receive),
            (vn(3, 2, 9), Action::RequestSupplement),
            (vn(3, 3, 9), Action::Supplement),
            (vn(4, 2, 9), Action::RequestSupplement),
        ];
        let mut d = dossier(&history, None);
        d.limit = TimeLimit::new(30, TimeUnit::WorkingDays);
        assert_eq!(eval(&d).unwrap().timeliness, Timeliness::WithinTime);
        let (cal, rule) = (WorkingCalendar::default(), CountingRule::default());
        let april =
            Period::new(NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 4, 30).unwrap())
                .unwrap();
        let e = evaluate(&d, Clock { calendar: &cal, rule: &rule }, &april, later()).unwrap();
        assert_eq!(e.timeliness, Timeliness::Overdue, "two requests by the end of April");
    }

    #[test]
    fn received_dossiers_count_by_channel_payment_documents_and_results() {
        let mut d = dossier(&[], Some(vn(3, 5, 9)));
        d.channel = Channel::NationalPortal;
        d.fee_bearing = true;
        d.paid_online_at = Some(vn(3, 1, 10));
        d.electronic_result = true;
        d.documents = Documents { total: 3, electronic: 3, reused: 1 };
        let t = eval(&d).unwrap().tally;
        for code in [Code::OnlineDossiers, Code::OnlinePayment, Code::ElectronicResults, Code::Digitised, Code::Reused]
        {
            assert!(t.measures(code) && t.counts(code), "{code:?}");
        }
        d.channel = Channel::Postal;
        d.paid_online_at = None;
        d.documents = Documents { total: 3, electronic: 2, reused: 0 };
        d.refused = true;
        let t = eval(&d).unwrap().tally;
        for code in [Code::OnlineDossiers, Code::OnlinePayment, Code::Digitised, Code::Reused] {
            assert!(t.measures(code) && !t.counts(code), "{code:?}");
        }
        assert!(!t.measures(Code::ElectronicResults), "a refusal issues no result");
        d.fee_bearing = false;
        d.documents = Documents::default();
        let t = eval(&d).unwrap().tally;
        assert!(!t.measures(Code::OnlinePayment), "no fee, not measured");
        assert!(t.measures(Code::Digitised) && !t.counts(Code::Digitised), "no document, not digitised");
    }

    #[test]
    fn satisfaction_takes_away_the_late_and_the_not_satisfied() {
        let mut d = dossier(&[], Some(vn(3, 5, 9)));
        assert!(eval(&d).unwrap().tally.counts(Code::Satisfaction));
        d.rating = Some((vn(3, 6, 9), Satisfaction::NotSatisfied));
        assert!(!eval(&d).unwrap().tally.counts(Code::Satisfaction));
        d.rating = Some((vn(3, 6, 9), Satisfaction::Satisfied));
        assert!(eval(&d).unwrap().tally.counts(Code::Satisfaction));
        // Rated "not satisfied" only after the period: not yet counted.
        d.rating = Some((vn(4, 6, 9), Satisfaction::NotSatisfied));
        assert!(eval(&d).unwrap().tally.counts(Code::Satisfaction));
        let late = dossier(&[], Some(vn(3, 20, 9)));
        assert!(!eval(&late).unwrap().tally.counts(Code::Satisfaction));
        // Late and not satisfied is taken away once: 100 % − (50 % late + 0 % more).
        let mut sum = Tally::default();
        let mut both = late;
        both.rating = Some((vn(3, 21, 9), Satisfaction::NotSatisfied));
        sum += &eval(&both).unwrap().tally;
        sum += &eval(&dossier(&[], Some(vn(3, 5, 9)))).unwrap().tally;
        assert_eq!(sum.get(Code::Satisfaction).value(Unit::Percent), Some(50.0));
    }

    #[test]
    fn points_are_proportional_below_the_target_and_capped_at_it() {
        let t = Target { target: Some(80.0), max_points: 10.0 };
        assert_eq!(points(Code::Digitised, Some(40.0), &t), Some(5.0));
        assert_eq!(points(Code::Digitised, Some(80.0), &t), Some(10.0));
        assert_eq!(points(Code::Digitised, Some(100.0), &t), Some(10.0), "capped");
        assert_eq!(points(Code::Digitised, Some(0.0), &t), Some(0.0));
        assert_eq!(points(Code::Digitised, None, &t), None, "nothing measured");
        // Less is better for processing time.
        let days = Target { target: Some(4.0), max_points: 5.0 };
        assert_eq!(points(Code::AverageTime, Some(8.0), &days), Some(2.5));
        assert_eq!(points(Code::AverageTime, Some(2.0), &days), Some(5.0));
        assert_eq!(points(Code::AverageTime, Some(0.0), &days), Some(5.0));
        assert_eq!(points(Code::AverageTime, Some(3.0), &Target { target: None, max_points: 0.0 }), Some(0.0));
    }

    #[test]
    fn the_score_scales_the_points_measured_to_the_total() {
        let targets = Targets::default();
        assert_eq!(targets.total(), 82.0);
        let mut t = Tally::default();
        // Every dossier indicator measured and met but 3.6 (no fee-bearing dossier) and 3.1
        // half met: 6 × ½ = 3 points lost of the 72 measured.
        for code in Code::ALL {
            if code != Code::OnlinePayment && code != Code::OnlineServices && code != Code::AverageTime {
                t.count(code, true);
            }
        }
        t.add(Code::AverageTime, 3.0, 1.0);
        t.add(Code::OnlineServices, 1.0, 2.0);
        let card = score(&t, &targets);
        assert_eq!(card.get(Code::OnlinePayment).unwrap().points, None);
        assert_eq!(card.get(Code::OnlineServices).unwrap().points, Some(3.0));
        assert_eq!(card.get(Code::AverageTime).unwrap().value, Some(3.0));
        assert!((card.score - 69.0 * 82.0 / 72.0).abs() < 1e-9, "{}", card.score);
        assert_eq!(score(&Tally::default(), &targets).score, 0.0);
    }

    #[test]
    fn targets_are_read_from_json_over_the_defaults() {
        let t = Targets::from_json(r#"{"2.1": {"target": 95}, "2.2": {"target": 5, "max_points": 4}}"#).unwrap();
        assert_eq!(t.of(Code::OnTime), Target { target: Some(95.0), max_points: 20.0 });
        assert_eq!(t.of(Code::AverageTime), Target { target: Some(5.0), max_points: 4.0 });
        assert_eq!(t.of(Code::Satisfaction), Targets::default().of(Code::Satisfaction));
        assert_eq!(t.total(), 86.0);
        assert!(matches!(Targets::from_json(r#"{"9.9": {}}"#), Err(TargetsError::UnknownCode(_))));
        assert!(matches!(Targets::from_json(r#"{"3.3": {"target": 120}}"#), Err(TargetsError::Target(_))));
        assert!(matches!(Targets::from_json(r#"{"3.3": {"target": 0}}"#), Err(TargetsError::Target(_))));
        assert!(matches!(Targets::from_json(r#"{"3.3": {"max_points": -1}}"#), Err(TargetsError::Points(_))));
        assert!(matches!(Targets::from_json(r#"{"3.3": {"points": 1}}"#), Err(TargetsError::Syntax(_))));
        assert!(matches!(Targets::from_json("[]"), Err(TargetsError::Syntax(_))));
    }

    #[test]
    fn ranks_break_ties_by_on_time_rate_then_code() {
        let card = |score: f64, on_time: Option<f64>| Scorecard {
            indicators: vec![Scored {
                code: Code::OnTime,
                fraction: Fraction::default(),
                value: on_time,
                target: None,
                points: None,
                max_points: 0.0,
            }],
            score,
        };
        let (a, b, c, d) = (card(70.0, Some(90.0)), card(80.0, None), card(70.0, Some(95.0)), card(70.0, Some(90.0)));
        let units = [("c", &a), ("z", &b), ("y", &c), ("a", &d)];
        assert_eq!(rank(&units), vec![4, 1, 2, 3]);
    }

    #[test]
    fn online_services_count_partial_and_full() {
        let f = online_services([OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::Offline, OnlineLevel::Offline]);
        assert_eq!(f, Fraction { numerator: 2.0, denominator: 4.0 });
        assert_eq!(f.value(Unit::Percent), Some(50.0));
        assert_eq!(Fraction::default().value(Unit::Percent), None);
        assert_eq!(Code::parse("4.2"), Some(Code::Digitised));
        assert_eq!(Code::Digitised.message_key(), "indicator-4-2");
    }
}
