//! Biểu II.06a — "Tình hình, kết quả giải quyết thủ tục hành chính", the periodic report of how
//! many dossiers an agency or the province received, resolved and still holds, per field and
//! level, that every province files each month, quarter, 6, 9 and 12 months (DESIGN.md section 8;
//! the definitions are those of shared/API.md "Reports").
//!
//! [`classify`] is the definition: where one dossier goes in the report of a period. The store
//! counts the same thing with one grouped query (a report of a year of a province reads hundreds of
//! thousands of dossiers), and its tests hold the two to the same answers; for periods of whole
//! months it sums counters of the finished dossiers instead ([`counts`]).
//!
//! The report judges a dossier against its **statutory** due date (restarted after a supplement,
//! moved by a reschedule), unlike the service-quality indicators of [`crate::indicator`], which
//! subtract the waiting time and count a second supplement request as late.

pub mod counts;

use std::ops::AddAssign;

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use serde::Serialize;

use crate::calendar::{vn_offset, WorkingCalendar};
use crate::catalog::AgencyKind;
use crate::dossier::{Action, Channel};

/// The longest period a report covers: a year and a day or two of slack (a leap year, a period
/// starting on the 1st and ending on the 1st).
pub const MAX_PERIOD_DAYS: i64 = 370;

/// A report's period: from 00:00 of its first day to 24:00 of its last, Vietnam time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
}

/// Why a period cannot be reported on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// The last day is before the first.
    #[error("the period ends before it starts")]
    Reversed,
    /// Longer than [`MAX_PERIOD_DAYS`].
    #[error("the period is longer than a year")]
    TooLong,
}

impl Period {
    /// A period of whole days, `to` included.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError::Reversed);
        }
        if (to - from).num_days() >= MAX_PERIOD_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(Period { from, to })
    }

    /// 00:00 of the first day, Vietnam time.
    pub fn start(&self) -> DateTime<Utc> {
        start_of_day(self.from)
    }

    /// 24:00 of the last day, Vietnam time: the first instant after the period.
    pub fn end(&self) -> DateTime<Utc> {
        start_of_day(self.to) + TimeDelta::days(1)
    }

    /// Where open dossiers are judged overdue: the end of the period, or `as_of` when the
    /// period has not ended yet.
    pub fn measured_at(&self, as_of: DateTime<Utc>) -> DateTime<Utc> {
        self.end().min(as_of)
    }
}

/// 00:00 of a day in Vietnam.
fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    (day.and_time(chrono::NaiveTime::MIN) - TimeDelta::seconds(i64::from(vn_offset().local_minus_utc()))).and_utc()
}

/// The calendar day in Vietnam that an instant falls on.
pub fn vn_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&vn_offset()).date_naive()
}

/// The usual reporting periods, offered in one click. The 6, 9 and 12-month reports run from
/// 1 January of the year (báo cáo 6 tháng, 9 tháng, năm); a product choice, since the
/// circulars let provinces close their figures on another day of the month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The current month.
    ThisMonth,
    /// The current quarter.
    ThisQuarter,
    /// The quarter before the current one.
    LastQuarter,
    /// January to June of this year.
    SixMonths,
    /// January to September of this year.
    NineMonths,
    /// The whole of this year.
    TwelveMonths,
}

impl Preset {
    /// Every preset, in the order offered.
    pub const ALL: [Preset; 6] = [
        Preset::ThisMonth,
        Preset::ThisQuarter,
        Preset::LastQuarter,
        Preset::SixMonths,
        Preset::NineMonths,
        Preset::TwelveMonths,
    ];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::ThisMonth => "this_month",
            Preset::ThisQuarter => "this_quarter",
            Preset::LastQuarter => "last_quarter",
            Preset::SixMonths => "six_months",
            Preset::NineMonths => "nine_months",
            Preset::TwelveMonths => "twelve_months",
        }
    }

    /// The period this preset names on `today` (a day in Vietnam).
    pub fn period(self, today: NaiveDate) -> Period {
        let year = today.year();
        let month_start = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(today);
        // First day of the months `months` long run starting at `start`, and its last day.
        let run = |start: NaiveDate, months: u32| {
            let next = start.checked_add_months(Months::new(months)).unwrap_or(start);
            Period { from: start, to: next.pred_opt().unwrap_or(start) }
        };
        let quarter_start = month_start(year, (today.month0() / 3) * 3 + 1);
        match self {
            Preset::ThisMonth => run(month_start(year, today.month()), 1),
            Preset::ThisQuarter => run(quarter_start, 3),
            Preset::LastQuarter => run(quarter_start.checked_sub_months(Months::new(3)).unwrap_or(quarter_start), 3),
            Preset::SixMonths => run(month_start(year, 1), 6),
            Preset::NineMonths => run(month_start(year, 1), 9),
            Preset::TwelveMonths => run(month_start(year, 1), 12),
        }
    }
}

/// The monthly report (issue 13 point 7) goes out on the first working day of each month and
/// covers the month before: whether `day` is that day on `calendar`, and if so the period its
/// report covers. A month whose 1st is a Sunday or a holiday has its report on the next working
/// day; other days have none.
pub fn monthly_report_due(calendar: &WorkingCalendar, day: NaiveDate) -> Option<Period> {
    let first = day.with_day(1)?;
    let first_working = if calendar.is_working_day(first) { first } else { calendar.next_working_day(first) };
    if first_working != day {
        return None;
    }
    let start = first.checked_sub_months(Months::new(1))?;
    Some(Period { from: start, to: first.pred_opt()? })
}

/// Cấp — the level a row of the report belongs to: the province's agencies (departments, the
/// service centre, the provincial committee) or the communes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Cấp tỉnh.
    Province,
    /// Cấp xã.
    Commune,
}

impl Level {
    /// The level of a dossier led by an agency of this kind.
    pub fn of(kind: AgencyKind) -> Level {
        match kind {
            AgencyKind::Commune => Level::Commune,
            AgencyKind::Province | AgencyKind::Department | AgencyKind::ServiceCentre => Level::Province,
        }
    }

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Commune => "commune",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Level> {
        [Level::Province, Level::Commune].into_iter().find(|l| l.as_str() == s)
    }
}

/// Số hồ sơ nhận giải quyết — dossiers to resolve in the period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Received {
    /// The three below summed.
    pub total: u64,
    /// Số kỳ trước chuyển qua — received before the period and not finished before it.
    pub carried_over: u64,
    /// Số mới tiếp nhận trực tuyến — received in the period, applied online.
    pub online: u64,
    /// Số mới tiếp nhận trực tiếp hoặc dịch vụ bưu chính — received in the period at the desk or
    /// by post.
    pub direct: u64,
}

/// Số hồ sơ đã giải quyết — dossiers finished in the period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The three below summed.
    pub total: u64,
    /// Trước hạn — finished on a day before the due date's day.
    pub early: u64,
    /// Đúng hạn — finished on the due date's day, at or before the due time.
    pub on_time: u64,
    /// Quá hạn — finished after the due time.
    pub late: u64,
}

/// Số hồ sơ đang giải quyết — dossiers still open at the end of the period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct InProgress {
    /// The two below summed.
    pub total: u64,
    /// Trong hạn — not yet due where measured.
    pub in_time: u64,
    /// Quá hạn — already due where measured.
    pub overdue: u64,
}

/// The figures of one row of the report, or of its total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Received.
    pub received: Received,
    /// Resolved.
    pub resolved: Resolved,
    /// In progress.
    pub in_progress: InProgress,
}

impl Counts {
    /// The eleven figures in the order of the report's columns: received (total, carried over,
    /// online, direct), resolved (total, early, on time, late), in progress (total, in time,
    /// overdue).
    pub fn figures(&self) -> [u64; 11] {
        [
            self.received.total,
            self.received.carried_over,
            self.received.online,
            self.received.direct,
            self.resolved.total,
            self.resolved.early,
            self.resolved.on_time,
            self.resolved.late,
            self.in_progress.total,
            self.in_progress.in_time,
            self.in_progress.overdue,
        ]
    }

    /// The counts from their parts, the totals computed: received (carried over, online,
    /// direct), resolved (early, on time, late) and in progress (in time, overdue).
    pub fn from_parts(received: [u64; 3], resolved: [u64; 3], in_progress: [u64; 2]) -> Counts {
        let [carried_over, online, direct] = received;
        let [early, on_time, late] = resolved;
        let [in_time, overdue] = in_progress;
        Counts {
            received: Received { total: carried_over + online + direct, carried_over, online, direct },
            resolved: Resolved { total: early + on_time + late, early, on_time, late },
            in_progress: InProgress { total: in_time + overdue, in_time, overdue },
        }
    }

    /// Whether nothing is counted.
    pub fn is_empty(&self) -> bool {
        *self == Counts::default()
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        let (r, d, p) = (&mut self.received, &mut self.resolved, &mut self.in_progress);
        r.total += o.received.total;
        r.carried_over += o.received.carried_over;
        r.online += o.received.online;
        r.direct += o.received.direct;
        d.total += o.resolved.total;
        d.early += o.resolved.early;
        d.on_time += o.resolved.on_time;
        d.late += o.resolved.late;
        p.total += o.in_progress.total;
        p.in_time += o.in_progress.in_time;
        p.overdue += o.in_progress.overdue;
    }
}

impl std::iter::Sum for Counts {
    fn sum<I: Iterator<Item = Counts>>(iter: I) -> Counts {
        let mut total = Counts::default();
        for c in iter {
            total += c;
        }
        total
    }
}

/// One column of the report: a figure a reader may open to the dossiers behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// Received: the three below.
    Received,
    /// Carried over from before the period.
    CarriedOver,
    /// Received online in the period.
    Online,
    /// Received at the desk or by post in the period.
    Direct,
    /// Resolved: the three below.
    Resolved,
    /// Resolved before the due date's day.
    Early,
    /// Resolved on time.
    OnTime,
    /// Resolved late.
    Late,
    /// In progress at the end of the period: the two below.
    InProgress,
    /// In progress, not yet due.
    InTime,
    /// In progress and already due.
    Overdue,
}

impl Column {
    /// Every column, in the order of [`Counts::figures`].
    pub const ALL: [Column; 11] = [
        Column::Received,
        Column::CarriedOver,
        Column::Online,
        Column::Direct,
        Column::Resolved,
        Column::Early,
        Column::OnTime,
        Column::Late,
        Column::InProgress,
        Column::InTime,
        Column::Overdue,
    ];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Received => "received",
            Column::CarriedOver => "carried_over",
            Column::Online => "online",
            Column::Direct => "direct",
            Column::Resolved => "resolved",
            Column::Early => "early",
            Column::OnTime => "on_time",
            Column::Late => "late",
            Column::InProgress => "in_progress",
            Column::InTime => "in_time",
            Column::Overdue => "overdue",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// This column's figure in `counts`.
    pub fn of(self, counts: &Counts) -> u64 {
        counts.figures()[self as usize]
    }
}

/// What the report needs to know of one dossier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportedDossier {
    /// How the applicant applied.
    pub channel: Channel,
    /// Reception, if it was received: the clock's start.
    pub received_at: Option<DateTime<Utc>>,
    /// When its result was issued or it was refused after reception.
    pub finished_at: Option<DateTime<Utc>>,
    /// The statutory due date, restarted after a supplement and moved by a reschedule.
    pub due_at: Option<DateTime<Utc>>,
    /// Withdrawn by the applicant, or processing stopped at the applicant's request: not counted.
    pub withdrawn: bool,
}

impl ReportedDossier {
    /// The facts of a dossier from its history in order (time and action of each event), with
    /// its statutory due date as the clock left it.
    pub fn from_history(
        channel: Channel,
        due_at: Option<DateTime<Utc>>,
        history: impl IntoIterator<Item = (DateTime<Utc>, Action)>,
    ) -> ReportedDossier {
        let mut d = ReportedDossier { channel, received_at: None, finished_at: None, due_at, withdrawn: false };
        for (at, action) in history {
            match action {
                Action::Receive if d.received_at.is_none() => d.received_at = Some(at),
                Action::IssueResult => d.finished_at = Some(at),
                // Refused at reception, the dossier was never received: it does not count.
                Action::Refuse if d.received_at.is_some() => d.finished_at = Some(at),
                // Once received, withdrawing is only a request until the agency stops.
                Action::Withdraw if d.received_at.is_none() => d.withdrawn = true,
                Action::Stop => d.withdrawn = true,
                _ => {}
            }
        }
        d
    }
}

/// Where one dossier goes in the report of `period` looked at `as_of`: its counts (one in each
/// column it belongs to), or `None` when it is not in the report at all (never received, withdrawn,
/// received after the period, or finished before it).
pub fn classify(d: &ReportedDossier, period: &Period, as_of: DateTime<Utc>) -> Option<Counts> {
    let received_at = d.received_at?;
    let (start, end) = (period.start(), period.end());
    if d.withdrawn || received_at >= end || d.finished_at.is_some_and(|f| f < start) {
        return None;
    }
    let received = match (received_at < start, d.channel.is_online()) {
        (true, _) => [1, 0, 0],
        (false, true) => [0, 1, 0],
        (false, false) => [0, 0, 1],
    };
    let (resolved, in_progress) = match d.finished_at.filter(|f| *f < end) {
        Some(finished) => {
            let column = match d.due_at {
                Some(due) if vn_day(finished) < vn_day(due) => [1, 0, 0],
                Some(due) if finished > due => [0, 0, 1],
                _ => [0, 1, 0],
            };
            (column, [0, 0])
        }
        None => {
            let overdue = d.due_at.is_some_and(|due| due < period.measured_at(as_of));
            ([0, 0, 0], if overdue { [0, 1] } else { [1, 0] })
        }
    };
    Some(Counts::from_parts(received, resolved, in_progress))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{CountingRule, TimeLimit, TimeUnit, WorkingCalendar};
    use crate::indicator::{clock_views, waiting_periods, ClockFacts, Timeliness};
    use chrono::TimeZone;

    /// An instant given in Vietnam time, 2027.
    fn vn(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        vn_offset().with_ymd_and_hms(2027, month, day, hour, minute, 0).unwrap().with_timezone(&Utc)
    }

    fn day(month: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, month, d).unwrap()
    }

    /// March 2027, looked at long after.
    fn march() -> Period {
        Period::new(day(3, 1), day(3, 31)).unwrap()
    }

    fn later() -> DateTime<Utc> {
        vn(12, 31, 0, 0)
    }

    fn counts(d: &ReportedDossier) -> Option<Counts> {
        classify(d, &march(), later())
    }

    fn history(channel: Channel, due: DateTime<Utc>, events: &[(DateTime<Utc>, Action)]) -> ReportedDossier {
        ReportedDossier::from_history(channel, Some(due), events.iter().copied())
    }

    #[test]
    fn the_period_runs_from_midnight_to_midnight_in_vietnam() {
        let p = march();
        assert_eq!(p.start(), Utc.with_ymd_and_hms(2027, 2, 28, 17, 0, 0).unwrap());
        assert_eq!(p.end(), Utc.with_ymd_and_hms(2027, 3, 31, 17, 0, 0).unwrap());
        assert_eq!(p.measured_at(vn(3, 10, 9, 0)), vn(3, 10, 9, 0));
        assert_eq!(p.measured_at(later()), p.end());
        assert_eq!(Period::new(day(3, 2), day(3, 1)), Err(PeriodError::Reversed));
        assert_eq!(Period::new(day(1, 1), day(12, 31)).map(|p| p.to), Ok(day(12, 31)));
        assert_eq!(Period::new(day(1, 1), NaiveDate::from_ymd_opt(2028, 1, 31).unwrap()), Err(PeriodError::TooLong));
    }

    #[test]
    fn received_in_the_period_counts_by_channel_and_before_it_as_carried_over() {
        let online = history(Channel::NationalPortal, vn(3, 20, 17, 0), &[(vn(3, 1, 0, 0), Action::Receive)]);
        assert_eq!(counts(&online), Some(Counts::from_parts([0, 1, 0], [0, 0, 0], [0, 1])));
        let post = history(Channel::Postal, vn(4, 20, 17, 0), &[(vn(3, 31, 23, 59), Action::Receive)]);
        assert_eq!(counts(&post), Some(Counts::from_parts([0, 0, 1], [0, 0, 0], [1, 0])));
        // Received on the last day of February, still open: carried over into March.
        let carried = history(Channel::InPerson, vn(4, 20, 17, 0), &[(vn(2, 28, 23, 59), Action::Receive)]);
        assert_eq!(counts(&carried), Some(Counts::from_parts([1, 0, 0], [0, 0, 0], [1, 0])));
        // Finished in February: not in March's report; received in April: neither.
        let done = history(
            Channel::InPerson,
            vn(3, 20, 17, 0),
            &[(vn(2, 1, 9, 0), Action::Receive), (vn(2, 28, 16, 0), Action::IssueResult)],
        );
        assert_eq!(counts(&done), None);
        let april = history(Channel::Online, vn(4, 20, 17, 0), &[(vn(4, 1, 0, 0), Action::Receive)]);
        assert_eq!(counts(&april), None);
        // Submitted online and never received.
        let waiting = history(Channel::Online, vn(4, 20, 17, 0), &[(vn(3, 2, 8, 0), Action::Submit)]);
        assert_eq!(counts(&waiting), None);
    }

    #[test]
    fn early_is_a_day_before_the_due_day_and_on_time_is_on_that_day() {
        let due = vn(3, 15, 17, 0);
        let finished =
            |at| history(Channel::InPerson, due, &[(vn(3, 2, 9, 0), Action::Receive), (at, Action::IssueResult)]);
        let early = Counts::from_parts([0, 0, 1], [1, 0, 0], [0, 0]);
        let on_time = Counts::from_parts([0, 0, 1], [0, 1, 0], [0, 0]);
        let late = Counts::from_parts([0, 0, 1], [0, 0, 1], [0, 0]);
        assert_eq!(counts(&finished(vn(3, 14, 23, 59))), Some(early));
        // The due date's own day, even in the morning, is on time, not early.
        assert_eq!(counts(&finished(vn(3, 15, 0, 0))), Some(on_time));
        assert_eq!(counts(&finished(vn(3, 15, 17, 0))), Some(on_time));
        assert_eq!(counts(&finished(vn(3, 15, 17, 1))), Some(late));
        assert_eq!(counts(&finished(vn(3, 29, 8, 0))), Some(late));
        // Finished after the period: still in progress at its end, and overdue then.
        assert_eq!(counts(&finished(vn(4, 2, 8, 0))), Some(Counts::from_parts([0, 0, 1], [0, 0, 0], [0, 1])));
    }

    #[test]
    fn withdrawn_dossiers_do_not_count_and_refused_after_reception_are_resolved() {
        let due = vn(3, 15, 17, 0);
        let received = (vn(3, 2, 9, 0), Action::Receive);
        let stopped = history(
            Channel::Online,
            due,
            &[received, (vn(3, 3, 9, 0), Action::Withdraw), (vn(3, 4, 9, 0), Action::Stop)],
        );
        assert_eq!(counts(&stopped), None);
        let withdrawn_before = history(Channel::Online, due, &[(vn(3, 1, 9, 0), Action::Withdraw)]);
        assert_eq!(counts(&withdrawn_before), None);
        // A withdrawal the agency declined: the dossier goes on and counts.
        let declined = history(
            Channel::Online,
            due,
            &[received, (vn(3, 3, 9, 0), Action::Withdraw), (vn(3, 4, 9, 0), Action::DeclineWithdrawal)],
        );
        assert!(counts(&declined).is_some());
        let refused = history(Channel::Online, due, &[received, (vn(3, 10, 9, 0), Action::Refuse)]);
        assert_eq!(counts(&refused), Some(Counts::from_parts([0, 1, 0], [1, 0, 0], [0, 0])));
        let refused_at_desk = history(Channel::InPerson, due, &[(vn(3, 2, 9, 0), Action::Refuse)]);
        assert_eq!(counts(&refused_at_desk), None);
    }

    #[test]
    fn open_dossiers_are_overdue_when_due_before_the_period_ends_or_before_now() {
        let received = [(vn(3, 2, 9, 0), Action::Receive)];
        let due_in_march = history(Channel::InPerson, vn(3, 20, 17, 0), &received);
        let due_in_april = history(Channel::InPerson, vn(4, 5, 17, 0), &received);
        let (in_time, overdue) =
            (Counts::from_parts([0, 0, 1], [0, 0, 0], [1, 0]), Counts::from_parts([0, 0, 1], [0, 0, 0], [0, 1]));
        assert_eq!(counts(&due_in_march), Some(overdue));
        assert_eq!(counts(&due_in_april), Some(in_time));
        // Looked at on 10 March, before the period ends: measured then.
        assert_eq!(classify(&due_in_march, &march(), vn(3, 10, 9, 0)), Some(in_time));
        assert_eq!(classify(&due_in_march, &march(), vn(3, 21, 9, 0)), Some(overdue));
    }

    /// Two supplement requests make a dossier late on the indicator view whatever its times; the
    /// report judges it against the due date counted again from the last supplement.
    #[test]
    fn two_supplements_are_judged_against_the_restarted_due_date() {
        let (cal, rule) = (WorkingCalendar::default(), CountingRule::default());
        let limit = TimeLimit::new(5, TimeUnit::WorkingDays);
        let events = [
            (vn(3, 1, 9, 0), Action::Receive),
            (vn(3, 2, 9, 0), Action::RequestSupplement),
            (vn(3, 3, 9, 0), Action::Supplement),
            (vn(3, 8, 9, 0), Action::RequestSupplement),
            (vn(3, 15, 9, 0), Action::Supplement),
            (vn(3, 19, 9, 0), Action::IssueResult),
        ];
        let waits = waiting_periods(events.iter().copied());
        let facts = ClockFacts {
            received_at: vn(3, 1, 9, 0),
            waits: &waits,
            supplement_requests: 2,
            finished_at: Some(vn(3, 19, 9, 0)),
        };
        let views = clock_views(&cal, &rule, limit, facts, later());
        assert_eq!(views.timeliness, Timeliness::Late, "late on the indicator view");
        // Restarted on Monday 15 March: due at the close of Monday 22 March.
        assert_eq!(views.restarted_due, vn(3, 22, 17, 0));
        let d = history(Channel::Online, views.restarted_due, &events);
        assert_eq!(counts(&d), Some(Counts::from_parts([0, 1, 0], [1, 0, 0], [0, 0])), "early in II.06a");
    }

    #[test]
    fn the_monthly_report_is_due_on_the_first_working_day_for_the_month_before() {
        let d = |y: i32, m: u32, dd: u32| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // 1 and 2 January 2026 off (New Year and its bridge), then a weekend: Monday the 5th.
        let cal = WorkingCalendar::new([d(2026, 1, 1), d(2026, 1, 2)], []);
        for off in [d(2026, 1, 1), d(2026, 1, 2), d(2026, 1, 3), d(2026, 1, 4), d(2026, 1, 6), d(2026, 1, 31)] {
            assert_eq!(monthly_report_due(&cal, off), None, "{off}");
        }
        let december = monthly_report_due(&cal, d(2026, 1, 5)).expect("due on Monday 5 January");
        assert_eq!((december.from, december.to), (d(2025, 12, 1), d(2025, 12, 31)));
        // March 2026 begins on a Sunday: Monday the 2nd, for February.
        assert_eq!(monthly_report_due(&cal, d(2026, 3, 1)), None);
        let february = monthly_report_due(&cal, d(2026, 3, 2)).unwrap();
        assert_eq!((february.from, february.to), (d(2026, 2, 1), d(2026, 2, 28)));
        // A working 1st is the day; a make-up Saturday the 1st is too.
        assert!(monthly_report_due(&cal, d(2026, 4, 1)).is_some());
        let saturday = WorkingCalendar::new([], [d(2026, 8, 1)]);
        assert!(monthly_report_due(&saturday, d(2026, 8, 1)).is_some());
        assert_eq!(monthly_report_due(&saturday, d(2026, 8, 3)), None);
    }

    #[test]
    fn columns_name_the_figures_in_order() {
        let c = Counts::from_parts([1, 2, 3], [4, 5, 6], [7, 8]);
        let figures: Vec<u64> = Column::ALL.iter().map(|col| col.of(&c)).collect();
        assert_eq!(figures, c.figures());
        assert_eq!(Column::Overdue.of(&c), 8);
        assert_eq!(Column::Received.of(&c), 6);
        for col in Column::ALL {
            assert_eq!(Column::parse(col.as_str()), Some(col));
        }
        assert_eq!(Column::parse("total"), None);
        assert_eq!(Level::parse("commune"), Some(Level::Commune));
        assert_eq!(Level::parse("district"), None);
    }

    #[test]
    fn counts_add_up_and_presets_name_the_usual_periods() {
        let a = Counts::from_parts([1, 2, 3], [1, 1, 0], [3, 1]);
        let total: Counts = [a, a].into_iter().sum();
        assert_eq!(total, Counts::from_parts([2, 4, 6], [2, 2, 0], [6, 2]));
        assert_eq!(total.received.total, 12);
        assert!(Counts::default().is_empty());
        let today = day(8, 14);
        let period = |p: Preset| {
            let p = p.period(today);
            (p.from, p.to)
        };
        assert_eq!(period(Preset::ThisMonth), (day(8, 1), day(8, 31)));
        assert_eq!(period(Preset::ThisQuarter), (day(7, 1), day(9, 30)));
        assert_eq!(period(Preset::LastQuarter), (day(4, 1), day(6, 30)));
        assert_eq!(period(Preset::SixMonths), (day(1, 1), day(6, 30)));
        assert_eq!(period(Preset::NineMonths), (day(1, 1), day(9, 30)));
        assert_eq!(period(Preset::TwelveMonths), (day(1, 1), day(12, 31)));
        let january = Preset::LastQuarter.period(day(1, 10));
        assert_eq!(
            (january.from, january.to),
            (NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), day(12, 31).with_year(2026).unwrap())
        );
        for p in Preset::ALL {
            assert!(Period::new(p.period(today).from, p.period(today).to).is_ok(), "{p:?}");
        }
    }
}
