//! Deadline arithmetic checked against a deliberately naive reference that
//! walks one day (or one minute) at a time over the same calendar.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use motcua_domain::calendar::{
    due_at, start_day, vn_offset, CountingRule, OfficeHours, TimeLimit, TimeUnit, WorkingCalendar,
};
use proptest::prelude::*;

const RANGE_DAYS: u16 = 731;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
}

/// The calendar as plain sets, judged by the rule written out longhand.
#[derive(Debug)]
struct Reference {
    off: HashSet<NaiveDate>,
    work: HashSet<NaiveDate>,
    periods: Vec<(NaiveTime, NaiveTime)>,
    cutoff: NaiveTime,
}

impl Reference {
    fn working(&self, d: NaiveDate) -> bool {
        if self.work.contains(&d) {
            return true;
        }
        let weekday = d.weekday().num_days_from_monday();
        weekday < 5 && !self.off.contains(&d)
    }

    fn close(&self) -> NaiveTime {
        self.periods.iter().map(|p| p.1).max().unwrap()
    }

    fn local(t: DateTime<Utc>) -> NaiveDateTime {
        t.naive_utc() + TimeDelta::hours(7)
    }

    fn utc(t: NaiveDateTime) -> DateTime<Utc> {
        (t - TimeDelta::hours(7)).and_utc()
    }

    fn start(&self, received: DateTime<Utc>) -> NaiveDate {
        let local = Self::local(received);
        let mut d = local.date();
        if self.working(d) && local.time() < self.cutoff {
            return d;
        }
        d = d.succ_opt().unwrap();
        while !self.working(d) {
            d = d.succ_opt().unwrap();
        }
        d
    }

    fn first_working_from(&self, mut d: NaiveDate) -> NaiveDate {
        while !self.working(d) {
            d = d.succ_opt().unwrap();
        }
        d
    }

    fn working_days(&self, received: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let mut d = self.start(received);
        for _ in 0..n {
            d = d.succ_opt().unwrap();
            while !self.working(d) {
                d = d.succ_opt().unwrap();
            }
        }
        Self::utc(d.and_time(self.close()))
    }

    fn days(&self, received: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let mut d = self.start(received);
        for _ in 0..n {
            d = d.succ_opt().unwrap();
        }
        Self::utc(self.first_working_from(d).and_time(self.close()))
    }

    fn months(&self, received: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let start = self.start(received);
        let months = start.year() * 12 + start.month0() as i32 + n as i32;
        let (year, month) = (months / 12, months as u32 % 12 + 1);
        let mut day = start.day();
        while NaiveDate::from_ymd_opt(year, month, day).is_none() {
            day -= 1;
        }
        let target = NaiveDate::from_ymd_opt(year, month, day).unwrap();
        Self::utc(self.first_working_from(target).and_time(self.close()))
    }

    fn office_minute(&self, m: NaiveDateTime) -> bool {
        self.working(m.date()) && self.periods.iter().any(|&(start, end)| start <= m.time() && m.time() < end)
    }

    /// Walks minute by minute: the instant the `need`-th office minute ends.
    fn office_minutes(&self, received: DateTime<Utc>, need: i64) -> DateTime<Utc> {
        let mut m = Self::local(received);
        let mut used = 0;
        if need == 0 {
            while !self.office_minute(m) {
                m += TimeDelta::minutes(1);
            }
            return Self::utc(m);
        }
        loop {
            if self.office_minute(m) {
                used += 1;
                if used == need {
                    return Self::utc(m + TimeDelta::minutes(1));
                }
            }
            m += TimeDelta::minutes(1);
        }
    }

    fn daily_minutes(&self) -> i64 {
        self.periods.iter().map(|&(s, e)| (e - s).num_minutes()).sum()
    }

    fn due(&self, received: DateTime<Utc>, limit: TimeLimit) -> DateTime<Utc> {
        let n = limit.amount;
        match limit.unit {
            TimeUnit::WorkingDays => self.working_days(received, n),
            TimeUnit::Days => self.days(received, n),
            TimeUnit::Months => self.months(received, n),
            TimeUnit::Hours => self.office_minutes(received, i64::from(n) * 60),
            TimeUnit::HalfDays => self.office_minutes(received, i64::from(n) * self.daily_minutes() / 2),
        }
    }
}

#[derive(Debug)]
struct Case {
    cal: WorkingCalendar,
    rule: CountingRule,
    reference: Reference,
}

fn day(offset: u16) -> NaiveDate {
    base() + TimeDelta::days(i64::from(offset))
}

fn minutes(m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap()
}

/// Office periods on a 10-minute grid (so half a day is whole minutes):
/// the default hours, or one to three random periods.
fn office_hours() -> impl Strategy<Value = Vec<(NaiveTime, NaiveTime)>> {
    let random = proptest::collection::btree_set(0u32..144, 2..=6).prop_map(|bounds| {
        let bounds: Vec<u32> = bounds.into_iter().collect();
        bounds.chunks_exact(2).map(|pair| (minutes(pair[0] * 10), minutes(pair[1] * 10))).collect::<Vec<_>>()
    });
    prop_oneof![
        3 => Just(OfficeHours::default().periods),
        2 => random,
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(0..RANGE_DAYS, 0..250),
        proptest::collection::vec(0..RANGE_DAYS, 0..60),
        office_hours(),
        prop_oneof![Just(15 * 60u32), 0u32..1440],
    )
        .prop_map(|(off, work, periods, cutoff)| {
            let off: HashSet<NaiveDate> = off.into_iter().map(day).collect();
            let work: HashSet<NaiveDate> = work.into_iter().map(day).collect();
            let cal = WorkingCalendar::new(off.iter().copied(), work.iter().copied());
            let rule = CountingRule { office_hours: OfficeHours { periods: periods.clone() }, cutoff: minutes(cutoff) };
            let reference = Reference { off, work, periods, cutoff: rule.cutoff };
            Case { cal, rule, reference }
        })
}

/// A reception instant on a whole minute within the two calendar years.
fn received() -> impl Strategy<Value = DateTime<Utc>> {
    (0u32..700 * 1440).prop_map(|m| {
        let local = base().and_time(NaiveTime::MIN) + TimeDelta::minutes(i64::from(m));
        local.and_local_timezone(vn_offset()).unwrap().to_utc()
    })
}

fn limit() -> impl Strategy<Value = TimeLimit> {
    prop_oneof![
        (0u32..80).prop_map(|n| TimeLimit::new(n, TimeUnit::WorkingDays)),
        (0u32..150).prop_map(|n| TimeLimit::new(n, TimeUnit::Days)),
        (0u32..30).prop_map(|n| TimeLimit::new(n, TimeUnit::Months)),
        (0u32..60).prop_map(|n| TimeLimit::new(n, TimeUnit::Hours)),
        (0u32..30).prop_map(|n| TimeLimit::new(n, TimeUnit::HalfDays)),
    ]
}

/// Keeps office-time limits within ~40 working days so the minute walk stays quick.
fn bounded(limit: TimeLimit, reference: &Reference) -> TimeLimit {
    let daily = reference.daily_minutes().max(1) as u32;
    let cap = match limit.unit {
        TimeUnit::Hours => (daily * 40 / 60).max(1),
        TimeUnit::HalfDays => 80,
        _ => return limit,
    };
    TimeLimit::new(limit.amount % (cap + 1), limit.unit)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn due_at_agrees_with_the_reference(case in case(), received in received(), limit in limit(), seconds in 0i64..60) {
        let limit = bounded(limit, &case.reference);
        // Seconds matter only to the cut-off; the minute walk needs whole minutes.
        let received = match limit.unit {
            TimeUnit::Hours | TimeUnit::HalfDays => received,
            _ => received + TimeDelta::seconds(seconds),
        };
        prop_assert_eq!(
            due_at(&case.cal, &case.rule, received, limit),
            case.reference.due(received, limit),
            "received {} limit {:?}", received, limit
        );
    }

    #[test]
    fn start_day_agrees_with_the_reference(case in case(), received in received(), seconds in 0i64..60) {
        let received = received + TimeDelta::seconds(seconds);
        let start = start_day(&case.cal, &case.rule, received);
        prop_assert_eq!(start, case.reference.start(received));
        prop_assert!(case.cal.is_working_day(start));
    }

    #[test]
    fn working_day_queries_agree_with_the_reference(case in case(), offset in 0..RANGE_DAYS) {
        let d = day(offset);
        prop_assert_eq!(case.cal.is_working_day(d), case.reference.working(d));
        prop_assert_eq!(
            case.cal.next_working_day(d),
            case.reference.first_working_from(d.succ_opt().unwrap())
        );
    }

    #[test]
    fn the_due_instant_is_inside_office_hours_of_a_working_day(case in case(), received in received(), limit in limit()) {
        let due = due_at(&case.cal, &case.rule, received, limit);
        let local = due.with_timezone(&vn_offset()).naive_local();
        prop_assert!(case.cal.is_working_day(local.date()));
        prop_assert!(case
            .rule
            .office_hours
            .periods
            .iter()
            .any(|&(start, end)| start <= local.time() && local.time() <= end));
    }

    #[test]
    fn due_at_is_monotone_in_the_amount(case in case(), received in received(), limit in limit()) {
        let next = TimeLimit::new(limit.amount + 1, limit.unit);
        prop_assert!(
            due_at(&case.cal, &case.rule, received, limit) <= due_at(&case.cal, &case.rule, received, next)
        );
    }
}
