//! The working calendar and the legal clock (DESIGN.md section 4).
//!
//! Every statutory deadline of a dossier is computed here, so that the
//! officer's screen, the public lookup, the API and the indicators can never
//! disagree about when a dossier is due. Inputs and outputs are UTC instants;
//! all counting happens in Vietnamese local time (+07:00, no daylight saving).
//!
//! The functions are pure and cheap: a due date costs a few set look-ups and
//! no allocation when the office hours are well formed, because the indicator
//! jobs recompute millions of them.

use std::borrow::Cow;
use std::collections::{btree_set, BTreeSet};
use std::iter::Peekable;
use std::ops::Bound;

use chrono::{
    DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

/// Seconds east of UTC of Asia/Ho_Chi_Minh.
const VN_OFFSET_SECS: i32 = 7 * 3600;

/// Longest run of consecutive days off that any search walks through.
///
/// A mistyped calendar (say, every day of a decade marked off) must not hang
/// a request: after this many days off in a row, the day reached is treated as
/// a working day. No real calendar comes anywhere near it.
pub const MAX_DAYS_OFF_RUN: u32 = 3650;

/// How far (in days after the start of counting) a deadline may lie.
///
/// Limits that would reach further than about a century are clamped to this
/// horizon, so that absurd amounts (`u32::MAX` hours) finish quickly and never
/// overflow the date range.
pub const HORIZON_DAYS: u32 = 36_525;

/// Largest number of months counted; the month equivalent of [`HORIZON_DAYS`].
const MAX_MONTHS: u32 = 1200;

/// Asia/Ho_Chi_Minh has no daylight saving: a fixed +07:00 offset.
///
/// Used instead of a time-zone database so the domain crate stays free of
/// data files and every local time converts to exactly one instant.
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(VN_OFFSET_SECS).expect("+07:00 is a valid offset")
}

/// An agency's daily office periods in local time, e.g. morning and afternoon.
///
/// Office hours decide when a day's deadline falls (the close of the last
/// period) and how much office time an hour-based limit consumes each day.
/// Periods are expected in order and not overlapping; the clock
/// [normalizes](OfficeHours::normalized) anything else rather than failing,
/// and ignores periods whose end is not after their start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeHours {
    /// `(opening, closing)` pairs, local time.
    pub periods: Vec<(NaiveTime, NaiveTime)>,
}

impl Default for OfficeHours {
    /// 07:30–11:30 and 13:30–17:00, the usual hours of Vietnamese state offices.
    fn default() -> Self {
        Self { periods: vec![(hm(7, 30), hm(11, 30)), (hm(13, 30), hm(17, 0))] }
    }
}

impl OfficeHours {
    /// The periods sorted, without empty or inverted ones, overlaps merged.
    ///
    /// Borrowed (no allocation) when the periods are already well formed, which
    /// is the common case; the clock relies on this order.
    pub fn normalized(&self) -> Cow<'_, [(NaiveTime, NaiveTime)]> {
        let well_formed =
            self.periods.iter().all(|(start, end)| start < end) && self.periods.windows(2).all(|w| w[0].1 <= w[1].0);
        if well_formed {
            return Cow::Borrowed(&self.periods);
        }
        let mut periods: Vec<_> = self.periods.iter().copied().filter(|(s, e)| s < e).collect();
        periods.sort();
        let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(periods.len());
        for (start, end) in periods {
            match merged.last_mut() {
                Some(last) if start < last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        Cow::Owned(merged)
    }

    /// The close of the office day: the end of the last period.
    ///
    /// Day-based deadlines fall at this time. Without any valid period the
    /// office never opens and the close is taken as 00:00.
    pub fn close(&self) -> NaiveTime {
        close_of(&self.normalized())
    }

    /// Office time in one working day (7 h 30 min by default).
    ///
    /// Half-day limits are defined as half of it.
    pub fn daily_office_time(&self) -> TimeDelta {
        TimeDelta::nanoseconds(i64::try_from(daily_nanos(&self.normalized())).unwrap_or(i64::MAX))
    }
}

/// Per-agency parameters of the counting rule (DESIGN.md section 4).
///
/// Each agency may configure its own office hours and cut-off; the rest of
/// the rule is fixed by law and by product choice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountingRule {
    /// When the office is open; day-based limits end at its close.
    pub office_hours: OfficeHours,
    /// Dossiers received at or after this local time start counting on the
    /// next working day (rule 1), because nobody can act on them that day.
    pub cutoff: NaiveTime,
}

impl Default for CountingRule {
    /// Default office hours and a 15:00 cut-off.
    fn default() -> Self {
        Self { office_hours: OfficeHours::default(), cutoff: hm(15, 0) }
    }
}

/// The year's official days off and make-up working days; weekends are off
/// unless listed as working days.
///
/// The government fixes Tết, bridges and compensatory days by annual notice,
/// so the calendar is data confirmed by an administrator, never computed.
/// It serializes as `{"days_off":[...],"working_days":[...]}`, the body of
/// the calendar API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingCalendar {
    days_off: BTreeSet<NaiveDate>,
    working_days: BTreeSet<NaiveDate>,
}

impl WorkingCalendar {
    /// A calendar from its days off (holidays, compensatory and local days off)
    /// and its make-up working days (Saturdays worked to bridge a gap).
    ///
    /// A date in both lists is a working day: the make-up decision is the
    /// more specific one.
    pub fn new(
        days_off: impl IntoIterator<Item = NaiveDate>,
        working_days: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        Self { days_off: days_off.into_iter().collect(), working_days: working_days.into_iter().collect() }
    }

    /// Whether civil servants work on `d`: Monday–Friday not listed as a day
    /// off, or any day listed as a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.working_days.contains(&d) {
            return true;
        }
        !is_weekend(d) && !self.days_off.contains(&d)
    }

    /// The first working day strictly after `d`.
    ///
    /// Gives up after [`MAX_DAYS_OFF_RUN`] days off in a row and returns the
    /// day reached, so a broken calendar cannot hang the caller.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let limit = add_days(d, MAX_DAYS_OFF_RUN);
        DayWalker::new(self, d).advance(1, limit).unwrap_or(limit)
    }

    /// The listed days off in date order, for display and for saving the year.
    pub fn days_off(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days_off.iter().copied()
    }

    /// The listed make-up working days in date order, for display and saving.
    pub fn working_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.working_days.iter().copied()
    }
}

/// The unit of a statutory time limit.
///
/// Procedures state limits in working days, calendar days, months, hours or
/// half-days, and each unit is counted by its own rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// Rule 2: ends at the close of the N-th working day after the start day.
    WorkingDays,
    /// Rule 3: ends on start day + N, moved to the next working day if off.
    Days,
    /// Rule 4: N × half the daily office time, counted like hours.
    HalfDays,
    /// Rule 4: N hours of office time from reception (or the next opening).
    Hours,
    /// Start day + N calendar months (day clamped to month end), then as days.
    Months,
}

impl TimeUnit {
    /// Every unit, for forms and exhaustive tests.
    pub const ALL: [TimeUnit; 5] =
        [TimeUnit::WorkingDays, TimeUnit::Days, TimeUnit::HalfDays, TimeUnit::Hours, TimeUnit::Months];

    /// The stable wire name (`"working_days"`, ...), as used by the API, the
    /// database and serde.
    pub fn as_str(&self) -> &'static str {
        match self {
            TimeUnit::WorkingDays => "working_days",
            TimeUnit::Days => "days",
            TimeUnit::HalfDays => "half_days",
            TimeUnit::Hours => "hours",
            TimeUnit::Months => "months",
        }
    }

    /// The unit with this wire name, e.g. from a query string; `None` if unknown.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.as_str() == s)
    }
}

/// A statutory time limit, e.g. 5 working days.
///
/// Kept as amount and unit (not converted to a duration) because the
/// counting rule depends on the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeLimit {
    /// How many units.
    pub amount: u32,
    /// Which counting rule applies.
    pub unit: TimeUnit,
}

impl TimeLimit {
    /// A limit of `amount` `unit`s; a shorthand for configuration and tests.
    pub const fn new(amount: u32, unit: TimeUnit) -> Self {
        Self { amount, unit }
    }
}

/// The start day of the clock (rule 1): the reception day if it is a working
/// day and reception is before the cut-off (local time), else the next
/// working day.
///
/// Exposed on its own because receipts print it and the indicators group by it.
pub fn start_day(cal: &WorkingCalendar, rule: &CountingRule, received_at: DateTime<Utc>) -> NaiveDate {
    start_day_local(cal, rule, to_local(received_at))
}

/// The deadline by motcua's counting rule (DESIGN.md section 4, rules 1-4), in UTC.
///
/// - Working days: the close of office hours of the N-th working day after
///   the start day; N = 0 is the close of the start day.
/// - Days: start day + N calendar days; if that is not a working day, the
///   close of the next working day, otherwise the close of that day.
/// - Months: start day + N months, the day clamped to the end of a shorter
///   month (31 Jan + 1 month = 28/29 Feb), then as days.
/// - Hours: the clock starts at reception if that instant is inside an
///   office period of a working day, else at the next opening; the deadline
///   is the instant at which N hours of office time have been used up (so it
///   may be a period's end, e.g. 11:30, never the next opening). No cut-off
///   applies. N = 0 gives the clock's start.
/// - Half-days: N × half of the daily office time (3 h 45 min with default
///   hours), counted exactly like hours. This keeps two half-days equal to
///   one full office day whatever the agency's hours are, and does not depend
///   on whether reception fell in the morning or the afternoon.
///
/// Absurd limits are clamped to [`HORIZON_DAYS`]; see also [`MAX_DAYS_OFF_RUN`].
pub fn due_at(
    cal: &WorkingCalendar,
    rule: &CountingRule,
    received_at: DateTime<Utc>,
    limit: TimeLimit,
) -> DateTime<Utc> {
    let local = to_local(received_at);
    let periods = rule.office_hours.normalized();
    let close = close_of(&periods);
    let due = match limit.unit {
        TimeUnit::WorkingDays => {
            let start = start_day_local(cal, rule, local);
            let horizon = add_days(start, HORIZON_DAYS);
            let day = DayWalker::new(cal, start).advance(limit.amount, horizon).unwrap_or(horizon);
            day.and_time(close)
        }
        TimeUnit::Days => {
            let start = start_day_local(cal, rule, local);
            let target = add_days(start, limit.amount.min(HORIZON_DAYS));
            working_day_from(cal, target).and_time(close)
        }
        TimeUnit::Months => {
            let start = start_day_local(cal, rule, local);
            let target = start.checked_add_months(Months::new(limit.amount.min(MAX_MONTHS))).unwrap_or(NaiveDate::MAX);
            working_day_from(cal, target).and_time(close)
        }
        TimeUnit::Hours => {
            let need = i128::from(limit.amount) * 3600 * 1_000_000_000;
            after_office_time(cal, &periods, local, need)
        }
        TimeUnit::HalfDays => {
            let need = i128::from(limit.amount) * daily_nanos(&periods) / 2;
            after_office_time(cal, &periods, local, need)
        }
    };
    to_utc(due)
}

/// Art. 111.3 Labour Code: a holiday on Saturday/Sunday gives the next
/// working day off. Proposes those days for an admin to confirm.
///
/// `cal` should be the year's calendar *before* compensation (holidays and
/// make-up days); the answer lists the days to add as days off. Each weekend
/// holiday gets its own day: the first working day after it that is neither
/// a holiday nor already proposed (30 Apr on Saturday and 1 May on Sunday give
/// Monday 2 and Tuesday 3 May). Sorted, without duplicates.
pub fn proposed_compensatory_days(holidays: &[NaiveDate], cal: &WorkingCalendar) -> Vec<NaiveDate> {
    let holidays: BTreeSet<NaiveDate> = holidays.iter().copied().collect();
    let mut proposed: Vec<NaiveDate> = Vec::new();
    for &holiday in &holidays {
        if !is_weekend(holiday) {
            continue;
        }
        let mut day = proposed.last().map_or(holiday, |&last| last.max(holiday));
        loop {
            let next = cal.next_working_day(day);
            if next == day {
                break; // the end of the date range
            }
            day = next;
            if !holidays.contains(&day) {
                break;
            }
        }
        if proposed.last() != Some(&day) {
            proposed.push(day);
        }
    }
    proposed
}

/// The solar-calendar public holidays of a year fixed by the Labour Code 2019 art. 112: 1 January,
/// 30 April, 1 May and 2 September. Tết, the Hùng Kings' day and the day next to 2 September are
/// fixed by annual notice (and follow the lunar calendar): the administrator enters those.
pub fn fixed_solar_holidays(year: i32) -> Vec<NaiveDate> {
    [(1, 1), (4, 30), (5, 1), (9, 2)].iter().filter_map(|&(m, d)| NaiveDate::from_ymd_opt(year, m, d)).collect()
}

/// Compensatory days to propose for a year whose days off and make-up days are as given: the
/// weekend holidays among the fixed ones and the listed days off give their next working day,
/// unless that day is already off. What is proposed still has to be confirmed by an admin.
pub fn compensatory_days_to_confirm(year: i32, days_off: &[NaiveDate], working_days: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut holidays = fixed_solar_holidays(year);
    holidays.extend(days_off.iter().copied().filter(|d| is_weekend(*d)));
    let base = WorkingCalendar::new(holidays.iter().copied(), working_days.iter().copied());
    proposed_compensatory_days(&holidays, &base).into_iter().filter(|d| !days_off.contains(d)).collect()
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time of day")
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `d + n` days, saturating at the end of the supported date range.
fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX)
}

fn to_local(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.naive_utc().checked_add_signed(TimeDelta::seconds(i64::from(VN_OFFSET_SECS))).unwrap_or(NaiveDateTime::MAX)
}

fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    local.checked_sub_signed(TimeDelta::seconds(i64::from(VN_OFFSET_SECS))).unwrap_or(NaiveDateTime::MIN).and_utc()
}

fn close_of(periods: &[(NaiveTime, NaiveTime)]) -> NaiveTime {
    periods.last().map_or(NaiveTime::MIN, |&(_, end)| end)
}

fn nanos(delta: TimeDelta) -> i128 {
    i128::from(delta.num_nanoseconds().unwrap_or(i64::MAX))
}

fn daily_nanos(periods: &[(NaiveTime, NaiveTime)]) -> i128 {
    periods.iter().map(|&(start, end)| nanos(end - start)).sum()
}

fn start_day_local(cal: &WorkingCalendar, rule: &CountingRule, local: NaiveDateTime) -> NaiveDate {
    let day = local.date();
    if local.time() < rule.cutoff && cal.is_working_day(day) {
        day
    } else {
        cal.next_working_day(day)
    }
}

/// `d` if it is a working day, else the next one.
fn working_day_from(cal: &WorkingCalendar, d: NaiveDate) -> NaiveDate {
    if cal.is_working_day(d) {
        d
    } else {
        cal.next_working_day(d)
    }
}

/// The local instant at which `need` nanoseconds of office time, counted from
/// `from`, are used up.
fn after_office_time(
    cal: &WorkingCalendar,
    periods: &[(NaiveTime, NaiveTime)],
    from: NaiveDateTime,
    need: i128,
) -> NaiveDateTime {
    let horizon = add_days(from.date(), HORIZON_DAYS);
    let daily = daily_nanos(periods);
    if daily == 0 {
        // The office never opens: no amount of office time is ever reached.
        return horizon.and_time(NaiveTime::MIN);
    }
    let mut need = need;
    let (mut day, mut time) = (from.date(), from.time());
    if !cal.is_working_day(day) {
        match DayWalker::new(cal, day).advance(1, horizon) {
            Some(next) => (day, time) = (next, NaiveTime::MIN),
            None => return horizon.and_time(close_of(periods)),
        }
    }
    if let Some(due) = use_office_time(day, time, periods, &mut need) {
        return due;
    }
    // Skip the working days whose office time is used up entirely, then finish
    // on the day where 0 < need <= daily (need = 0 when the clock has not
    // started yet: it then starts, and ends, at that day's opening).
    let whole_days = (need - 1).max(0) / daily;
    need -= whole_days * daily;
    let steps = u32::try_from(whole_days + 1).unwrap_or(u32::MAX);
    match DayWalker::new(cal, day).advance(steps, horizon) {
        Some(last) => use_office_time(last, NaiveTime::MIN, periods, &mut need)
            .unwrap_or_else(|| last.and_time(close_of(periods))),
        None => horizon.and_time(close_of(periods)),
    }
}

/// Uses office time of `day` from `time` on; the instant `need` is used up,
/// or `None` (with `need` reduced) if the day's office time is not enough.
fn use_office_time(
    day: NaiveDate,
    time: NaiveTime,
    periods: &[(NaiveTime, NaiveTime)],
    need: &mut i128,
) -> Option<NaiveDateTime> {
    for &(start, end) in periods {
        if time >= end {
            continue;
        }
        let begin = time.max(start);
        let available = nanos(end - begin);
        if *need <= available {
            let rest = i64::try_from(*need).unwrap_or(i64::MAX);
            return Some(day.and_time(begin) + TimeDelta::nanoseconds(rest));
        }
        *need -= available;
    }
    None
}

/// Walks forward through the calendar one day (or one plain week) at a time,
/// reading the calendar's exceptions with two cursors instead of a set
/// look-up per day.
struct DayWalker<'a> {
    day: NaiveDate,
    days_off: Peekable<btree_set::Range<'a, NaiveDate>>,
    working_days: Peekable<btree_set::Range<'a, NaiveDate>>,
    /// Days off walked in a row (see [`MAX_DAYS_OFF_RUN`]).
    run: u32,
}

impl<'a> DayWalker<'a> {
    fn new(cal: &'a WorkingCalendar, day: NaiveDate) -> Self {
        let after = (Bound::Excluded(day), Bound::Unbounded);
        Self {
            day,
            days_off: cal.days_off.range(after).peekable(),
            working_days: cal.working_days.range(after).peekable(),
            run: 0,
        }
    }

    /// Moves to the next day; whether it counts as a working day, `None` at
    /// the end of the date range.
    fn step(&mut self) -> Option<bool> {
        let day = self.day.succ_opt()?;
        self.day = day;
        let off = skip_to(&mut self.days_off, day);
        let made_up = skip_to(&mut self.working_days, day);
        let working = made_up || (!off && !is_weekend(day));
        if working || self.run + 1 >= MAX_DAYS_OFF_RUN {
            self.run = 0;
            Some(true)
        } else {
            self.run += 1;
            Some(false)
        }
    }

    /// The earliest listed exception after the current day.
    fn next_exception(&mut self) -> Option<NaiveDate> {
        match (self.days_off.peek(), self.working_days.peek()) {
            (Some(&&a), Some(&&b)) => Some(a.min(b)),
            (Some(&&a), None) | (None, Some(&&a)) => Some(a),
            (None, None) => None,
        }
    }

    /// Moves to the `n`-th working day after the current day (staying put for
    /// `n = 0`); `None` if `limit` is reached first.
    fn advance(&mut self, mut n: u32, limit: NaiveDate) -> Option<NaiveDate> {
        while n > 0 {
            if self.day >= limit {
                return None;
            }
            // From a Monday–Friday, seven days without exceptions hold exactly
            // five working days, the last of them seven days later.
            if n >= 5 && self.run == 0 && !is_weekend(self.day) {
                if let Some(week) = self.day.checked_add_days(Days::new(7)) {
                    if week <= limit && self.next_exception().is_none_or(|x| x > week) {
                        self.day = week;
                        n -= 5;
                        continue;
                    }
                }
            }
            if self.step()? {
                n -= 1;
            }
        }
        Some(self.day)
    }
}

/// Advances a sorted cursor past dates before `day`; whether `day` is listed.
fn skip_to(cursor: &mut Peekable<btree_set::Range<'_, NaiveDate>>, day: NaiveDate) -> bool {
    while let Some(&&listed) = cursor.peek() {
        if listed < day {
            cursor.next();
        } else {
            return listed == day;
        }
    }
    false
}

#[cfg(test)]
mod compensation_tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekend_holidays_of_2027_are_compensated_once() {
        // 2027: 1 May is a Saturday, so Monday 3 May is proposed; once confirmed it is not again.
        assert_eq!(compensatory_days_to_confirm(2027, &[d("2027-04-30")], &[]), vec![d("2027-05-03")]);
        assert!(compensatory_days_to_confirm(2027, &[d("2027-04-30"), d("2027-05-03")], &[]).is_empty());
        // 2028: 1 January and 2 September fall on Saturdays, 30 April on a Sunday whose Monday is
        // itself the 1 May holiday, so Tuesday 2 May compensates it.
        assert_eq!(
            compensatory_days_to_confirm(2028, &[d("2028-05-01")], &[]),
            vec![d("2028-01-03"), d("2028-05-02"), d("2028-09-04")]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// A local (+07:00) wall-clock time as the UTC instant stored by motcua.
    fn local(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        let naive = date(y, mo, d).and_hms_opt(h, mi, 0).unwrap();
        naive.and_local_timezone(vn_offset()).unwrap().to_utc()
    }

    /// The 2025 calendar of civil servants: New Year, Tết (Sat 25 Jan – Sun
    /// 2 Feb, with Mon 27 Jan swapped for Sat 8 Feb), Hùng Kings (Mon 7 Apr),
    /// 30 Apr – 1 May (Fri 2 May swapped for Sat 17 May), National Day 1–2 Sep.
    fn cal_2025() -> WorkingCalendar {
        WorkingCalendar::new(
            [
                date(2025, 1, 1),
                date(2025, 1, 27),
                date(2025, 1, 28),
                date(2025, 1, 29),
                date(2025, 1, 30),
                date(2025, 1, 31),
                date(2025, 4, 7),
                date(2025, 4, 30),
                date(2025, 5, 1),
                date(2025, 5, 2),
                date(2025, 9, 1),
                date(2025, 9, 2),
            ],
            [date(2025, 2, 8), date(2025, 5, 17)],
        )
    }

    fn due(received: DateTime<Utc>, amount: u32, unit: TimeUnit) -> DateTime<Utc> {
        due_at(&cal_2025(), &CountingRule::default(), received, TimeLimit::new(amount, unit))
    }

    #[test]
    fn offset_is_plus_seven() {
        assert_eq!(vn_offset().local_minus_utc(), 7 * 3600);
        assert_eq!(local(2025, 3, 10, 17, 0).naive_utc(), date(2025, 3, 10).and_hms_opt(10, 0, 0).unwrap());
    }

    #[test]
    fn working_days_follow_weekends_holidays_and_make_up_days() {
        let cal = cal_2025();
        assert!(cal.is_working_day(date(2025, 3, 10))); // Monday
        assert!(!cal.is_working_day(date(2025, 3, 8))); // Saturday
        assert!(!cal.is_working_day(date(2025, 4, 7))); // Hùng Kings
        assert!(cal.is_working_day(date(2025, 2, 8))); // make-up Saturday
        assert_eq!(cal.next_working_day(date(2025, 1, 24)), date(2025, 2, 3));
        assert_eq!(cal.next_working_day(date(2025, 2, 7)), date(2025, 2, 8));
        assert_eq!(cal.days_off().count(), 12);
        assert_eq!(cal.working_days().collect::<Vec<_>>(), [date(2025, 2, 8), date(2025, 5, 17)]);
    }

    #[test]
    fn a_day_listed_both_ways_is_a_working_day() {
        let d = date(2025, 3, 15);
        let cal = WorkingCalendar::new([d], [d]);
        assert!(cal.is_working_day(d));
    }

    #[test]
    fn friday_after_cutoff_before_a_monday_holiday() {
        // Fri 4 Apr 16:00; Mon 7 Apr is Hùng Kings day: counting starts Tue 8 Apr.
        let received = local(2025, 4, 4, 16, 0);
        assert_eq!(start_day(&cal_2025(), &CountingRule::default(), received), date(2025, 4, 8));
        // 5 working days after Tue 8: Wed 9, Thu 10, Fri 11, Mon 14, Tue 15.
        assert_eq!(due(received, 5, TimeUnit::WorkingDays), local(2025, 4, 15, 17, 0));
    }

    #[test]
    fn received_on_saturday_starts_monday() {
        let received = local(2025, 3, 8, 9, 0);
        assert_eq!(start_day(&cal_2025(), &CountingRule::default(), received), date(2025, 3, 10));
        assert_eq!(due(received, 1, TimeUnit::WorkingDays), local(2025, 3, 11, 17, 0));
        assert_eq!(due(received, 0, TimeUnit::WorkingDays), local(2025, 3, 10, 17, 0));
    }

    #[test]
    fn cutoff_is_exclusive() {
        let cal = cal_2025();
        let rule = CountingRule::default();
        let just_before = local(2025, 3, 12, 15, 0) - TimeDelta::seconds(1);
        assert_eq!(start_day(&cal, &rule, just_before), date(2025, 3, 12));
        assert_eq!(start_day(&cal, &rule, local(2025, 3, 12, 15, 0)), date(2025, 3, 13));
        assert_eq!(due(local(2025, 3, 12, 15, 0), 0, TimeUnit::WorkingDays), local(2025, 3, 13, 17, 0));
    }

    #[test]
    fn tet_week_and_its_make_up_saturday() {
        // Fri 24 Jan 10:00, before Tết: the start day is the 24th itself.
        let received = local(2025, 1, 24, 10, 0);
        assert_eq!(due(received, 3, TimeUnit::WorkingDays), local(2025, 2, 5, 17, 0));
        // Feb 3-7, Sat 8 (make-up), 10, 11, 12, 13.
        assert_eq!(due(received, 10, TimeUnit::WorkingDays), local(2025, 2, 13, 17, 0));
    }

    #[test]
    fn make_up_saturday_can_be_the_start_day() {
        let cal = cal_2025();
        let rule = CountingRule::default();
        assert_eq!(start_day(&cal, &rule, local(2025, 2, 7, 16, 0)), date(2025, 2, 8));
        assert_eq!(start_day(&cal, &rule, local(2025, 2, 8, 10, 0)), date(2025, 2, 8));
        assert_eq!(due(local(2025, 2, 8, 10, 0), 1, TimeUnit::WorkingDays), local(2025, 2, 10, 17, 0));
    }

    #[test]
    fn calendar_days_end_on_a_working_day() {
        // Wed 23 Apr + 7 days = Wed 30 Apr (holiday); 1, 2 May off, weekend: Mon 5 May.
        assert_eq!(due(local(2025, 4, 23, 10, 0), 7, TimeUnit::Days), local(2025, 5, 5, 17, 0));
        assert_eq!(due(local(2025, 4, 23, 10, 0), 6, TimeUnit::Days), local(2025, 4, 29, 17, 0));
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        // Fri 31 Oct + 1 month = Sun 30 Nov: Mon 1 Dec.
        assert_eq!(due(local(2025, 10, 31, 9, 0), 1, TimeUnit::Months), local(2025, 12, 1, 17, 0));
        // Fri 28 Mar + 1 month = Mon 28 Apr.
        assert_eq!(due(local(2025, 3, 28, 9, 0), 1, TimeUnit::Months), local(2025, 4, 28, 17, 0));
    }

    #[test]
    fn hours_skip_the_lunch_break() {
        // 10:00-11:30 is 1.5 h; 13:30-15:00 the other 1.5 h.
        assert_eq!(due(local(2025, 3, 10, 10, 0), 3, TimeUnit::Hours), local(2025, 3, 10, 15, 0));
        // Received at lunch: counting starts at 13:30.
        assert_eq!(due(local(2025, 3, 10, 12, 0), 1, TimeUnit::Hours), local(2025, 3, 10, 14, 30));
        // Used up exactly at the end of the morning.
        assert_eq!(due(local(2025, 3, 10, 9, 30), 2, TimeUnit::Hours), local(2025, 3, 10, 11, 30));
    }

    #[test]
    fn hours_continue_overnight_and_over_holidays() {
        assert_eq!(due(local(2025, 3, 10, 16, 0), 2, TimeUnit::Hours), local(2025, 3, 11, 8, 30));
        // Fri 4 Apr 16:30: 0.5 h, then the weekend and Hùng Kings day, then Tue 07:30-11:00.
        assert_eq!(due(local(2025, 4, 4, 16, 30), 4, TimeUnit::Hours), local(2025, 4, 8, 11, 0));
        // 24 h = 3 full days (7.5 h each) + 1.5 h.
        assert_eq!(due(local(2025, 3, 10, 7, 30), 24, TimeUnit::Hours), local(2025, 3, 13, 9, 0));
        // Zero hours received in the evening: the next opening.
        assert_eq!(due(local(2025, 3, 10, 18, 0), 0, TimeUnit::Hours), local(2025, 3, 11, 7, 30));
    }

    #[test]
    fn half_days_are_half_the_office_day() {
        assert_eq!(due(local(2025, 3, 10, 7, 30), 1, TimeUnit::HalfDays), local(2025, 3, 10, 11, 15));
        assert_eq!(due(local(2025, 3, 10, 7, 30), 2, TimeUnit::HalfDays), local(2025, 3, 10, 17, 0));
        assert_eq!(due(local(2025, 3, 10, 7, 30), 3, TimeUnit::HalfDays), local(2025, 3, 11, 11, 15));
    }

    #[test]
    fn untidy_office_hours_are_normalized() {
        let rule = CountingRule {
            office_hours: OfficeHours {
                periods: vec![
                    (hm(13, 30), hm(17, 0)),
                    (hm(12, 0), hm(9, 0)),
                    (hm(7, 30), hm(10, 0)),
                    (hm(9, 0), hm(11, 30)),
                ],
            },
            cutoff: hm(15, 0),
        };
        assert_eq!(rule.office_hours.normalized().as_ref(), OfficeHours::default().periods.as_slice());
        assert_eq!(rule.office_hours.close(), hm(17, 0));
        assert_eq!(rule.office_hours.daily_office_time(), TimeDelta::minutes(450));
        let received = local(2025, 3, 10, 10, 0);
        let limit = TimeLimit::new(3, TimeUnit::Hours);
        assert_eq!(due_at(&cal_2025(), &rule, received, limit), local(2025, 3, 10, 15, 0));
    }

    #[test]
    fn compensatory_days_follow_weekend_holidays() {
        // 2022: 30 Apr on Saturday, 1 May on Sunday.
        let holidays = [date(2022, 4, 30), date(2022, 5, 1), date(2022, 9, 2)];
        let cal = WorkingCalendar::new(holidays, []);
        assert_eq!(proposed_compensatory_days(&holidays, &cal), [date(2022, 5, 2), date(2022, 5, 3)]);
        // A weekday holiday gives nothing; a Sunday holiday before a Monday
        // holiday gives the Tuesday.
        let holidays = [date(2025, 4, 6), date(2025, 4, 7)];
        let cal = WorkingCalendar::new(holidays, []);
        assert_eq!(proposed_compensatory_days(&holidays, &cal), [date(2025, 4, 8)]);
        assert!(proposed_compensatory_days(&[date(2025, 9, 2)], &cal_2025()).is_empty());
    }

    #[test]
    fn a_calendar_of_only_days_off_does_not_hang() {
        let from = date(2025, 1, 1);
        let cal = WorkingCalendar::new((0..20 * 366).map(|i| add_days(from, i)), []);
        assert_eq!(cal.next_working_day(from), add_days(from, MAX_DAYS_OFF_RUN));
        for unit in TimeUnit::ALL {
            let due = due_at(&cal, &CountingRule::default(), local(2025, 1, 1, 9, 0), TimeLimit::new(3, unit));
            assert!(due > local(2025, 1, 1, 9, 0));
        }
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let cal = cal_2025();
        let empty = CountingRule { office_hours: OfficeHours { periods: vec![] }, cutoff: hm(15, 0) };
        for rule in [CountingRule::default(), empty] {
            for instant in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC, local(2025, 3, 10, 9, 0)] {
                for unit in TimeUnit::ALL {
                    for amount in [0, 1, 1000, u32::MAX] {
                        let _ = due_at(&cal, &rule, instant, TimeLimit::new(amount, unit));
                    }
                }
            }
        }
        let huge = due(local(2025, 3, 10, 9, 0), u32::MAX, TimeUnit::Hours);
        assert!(huge.date_naive() <= add_days(date(2025, 3, 10), HORIZON_DAYS));
    }

    #[test]
    fn time_units_round_trip() {
        for unit in TimeUnit::ALL {
            assert_eq!(TimeUnit::parse(unit.as_str()), Some(unit));
            let json = serde_json::to_string(&unit).unwrap();
            assert_eq!(json, format!("\"{}\"", unit.as_str()));
            assert_eq!(serde_json::from_str::<TimeUnit>(&json).unwrap(), unit);
        }
        assert_eq!(TimeUnit::parse("weeks"), None);
    }

    #[test]
    fn calendar_serializes_as_the_api_body() {
        let cal = WorkingCalendar::new([date(2025, 9, 2)], [date(2025, 5, 17)]);
        let json = serde_json::to_string(&cal).unwrap();
        assert_eq!(json, r#"{"days_off":["2025-09-02"],"working_days":["2025-05-17"]}"#);
        assert_eq!(serde_json::from_str::<WorkingCalendar>(&json).unwrap(), cal);
    }
}
