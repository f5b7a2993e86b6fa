//! The indicators kept as counters: what one dossier adds to the figures of every period made of
//! whole months ([`contributions`]), so that a year of a province is a sum over a few thousand
//! rows instead of a judgement of millions of dossiers.
//!
//! A dossier's place in the figures of a period depends on the period: it counts as finished in
//! a period that holds its finish, as open and judged at the period's end in one that ends while
//! it is open, and a rating or an online payment counts only in periods ending after it. So its
//! counts are split into rows by [`Key`]: a row of the month of its reception (3.3, 3.6, 4.2,
//! 4.3, channel), a row of the month of its finish (2.1, 2.2, 4.1, 5.4), and a row for the end of
//! each month it stayed open (2.1 and 5.4 as judged then, overdue). A rating or a payment that
//! only counts from a later month is a row of its own with that month as `from`.
//!
//! The sum of the rows that apply to a period ([`Key::applies`]) equals the sum of [`evaluate`]
//! over the same dossiers for that period; the tests below prove it on random histories. A
//! finished dossier's rows no longer depend on when they are counted, so they are counted once,
//! when it finishes (and again, as a difference, if it is rated or paid afterwards); an open
//! dossier's last row is judged "now" and is counted afresh each time.
//!
//! [`evaluate`]: super::evaluate

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use super::{judge, working_seconds, Clock, Code, DossierFacts, Evaluation, Tally};
use crate::dossier::Channel;
use crate::indicator::Timeliness;
use crate::rating::Satisfaction;
use crate::report::{vn_day, Period};

/// A calendar month in Vietnam: year × 12 + month − 1.
pub type Month = i32;

/// The month an instant falls in, Vietnam time.
pub fn month_of(at: DateTime<Utc>) -> Month {
    let day = vn_day(at);
    day.year() * 12 + day.month0() as i32
}

/// The first day of a month.
pub fn first_day(month: Month) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(month.div_euclid(12), month.rem_euclid(12) as u32 + 1, 1)
}

/// A month as a period.
pub fn month_period(month: Month) -> Option<Period> {
    let from = first_day(month)?;
    let to = first_day(month + 1)?.pred_opt()?;
    Period::new(from, to).ok()
}

/// The months a period is made of, first and last, when the counters can answer for it as of
/// `now`: it starts on the 1st and ends on the last day of a month, or it ends in the current
/// month (nothing after now has happened). `None` for any other period, which is judged dossier
/// by dossier.
pub fn months_of(period: &Period, now: DateTime<Utc>) -> Option<(Month, Month)> {
    if period.from.day() != 1 {
        return None;
    }
    let last = period.to.year() * 12 + period.to.month0() as i32;
    let current = month_of(now);
    let ends_its_month = period.to.succ_opt().is_some_and(|next| next.day() == 1);
    let whole = (ends_its_month && last <= current) || (last == current && period.end() >= now);
    whole.then(|| (period.from.year() * 12 + period.from.month0() as i32, last))
}

/// The month of the end of which an event is already known: the month of the instant just
/// before it, since a period ending at `t` counts what happened at `t` or before.
fn month_known(at: DateTime<Utc>) -> Month {
    month_of(at - TimeDelta::milliseconds(1))
}

/// Which periods a row counts in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// Every period that holds its month.
    Span,
    /// The periods that end with its month.
    End,
}

impl Slot {
    /// The number stored.
    pub fn as_i64(self) -> i64 {
        match self {
            Slot::Span => 0,
            Slot::End => 1,
        }
    }

    /// Parses a number stored.
    pub fn from_i64(n: i64) -> Option<Slot> {
        match n {
            0 => Some(Slot::Span),
            1 => Some(Slot::End),
            _ => None,
        }
    }
}

/// `from` of a row that counts whenever its slot does.
pub const ALWAYS: Month = 0;

/// Where a row of counts applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Which periods, by its month.
    pub slot: Slot,
    /// Its month.
    pub month: Month,
    /// Only in periods whose last month is this one or later ([`ALWAYS`] for any).
    pub from: Month,
}

impl Key {
    /// Whether the row counts in the period of the months `first` to `last`.
    pub fn applies(&self, first: Month, last: Month) -> bool {
        self.from <= last
            && match self.slot {
                Slot::Span => first <= self.month && self.month <= last,
                Slot::End => self.month == last,
            }
    }
}

/// The indicators that count dossiers (not 3.1, which counts procedures), in the order of their
/// columns.
fn dossier_codes() -> impl Iterator<Item = Code> {
    Code::ALL.into_iter().filter(|c| c.counts_dossiers())
}

/// The stored names of the counters, in the order of [`Counts`]: a numerator and a denominator
/// for each dossier indicator (2.2's numerator in seconds, so that sums are exact), the open
/// dossiers overdue, and the dossiers received by each channel of [`Channel::ALL`].
pub const COLUMNS: [&str; 21] = [
    "on_time_n",
    "on_time_d",
    "work_seconds",
    "work_d",
    "online_n",
    "online_d",
    "paid_online_n",
    "paid_online_d",
    "e_result_n",
    "e_result_d",
    "digitised_n",
    "digitised_d",
    "reused_n",
    "reused_d",
    "satisfied_n",
    "satisfied_d",
    "overdue",
    "ch_online",
    "ch_in_person",
    "ch_postal",
    "ch_national_portal",
];

const OVERDUE: usize = 16;
const FIRST_CHANNEL: usize = 17;

/// One row's counters, or a sum of rows, in the order of [`COLUMNS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts(pub [i64; COLUMNS.len()]);

fn column(code: Code) -> usize {
    2 * dossier_codes().position(|c| c == code).unwrap_or(0)
}

impl Counts {
    fn count(&mut self, code: Code, counted: bool) {
        self.0[column(code)] += i64::from(counted);
        self.0[column(code) + 1] += 1;
    }

    /// Whether every counter is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|n| *n == 0)
    }

    /// The indicators' numerators and denominators (3.1 left at zero).
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for code in dossier_codes() {
            let (n, d) = (self.0[column(code)] as f64, self.0[column(code) + 1] as f64);
            let n = if code == Code::AverageTime { n / 86_400.0 } else { n };
            t.add(code, n, d);
        }
        t
    }

    /// Open dossiers already late where they are judged.
    pub fn overdue(&self) -> u64 {
        self.0[OVERDUE].max(0) as u64
    }

    /// Dossiers received through a channel.
    pub fn received_by(&self, channel: Channel) -> u64 {
        let i = Channel::ALL.iter().position(|c| *c == channel).unwrap_or(0);
        self.0[FIRST_CHANNEL + i].max(0) as u64
    }

    /// The dossiers of processing time (2.2) counted, and their seconds.
    pub fn work(&self) -> (i64, i64) {
        (self.0[column(Code::AverageTime) + 1], self.0[column(Code::AverageTime)])
    }

    /// What one dossier's evaluation in a period counts, in counters: the reference the rows of
    /// [`contributions`] are held to.
    pub fn of_evaluation(channel: Channel, e: &Evaluation) -> Counts {
        let mut c = Counts::default();
        for code in dossier_codes() {
            let f = e.tally.get(code);
            let n = if code == Code::AverageTime { (f.numerator * 86_400.0).round() } else { f.numerator };
            c.0[column(code)] = n as i64;
            c.0[column(code) + 1] = f.denominator as i64;
        }
        c.0[OVERDUE] = i64::from(e.timeliness == Timeliness::Overdue);
        if e.received_in_period {
            c.0[FIRST_CHANNEL + Channel::ALL.iter().position(|x| *x == channel).unwrap_or(0)] = 1;
        }
        c
    }
}

impl std::ops::AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a += b;
        }
    }
}

impl std::ops::SubAssign<&Counts> for Counts {
    fn sub_assign(&mut self, o: &Counts) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a -= b;
        }
    }
}

/// The rows one dossier adds to the counters, as of `as_of` (every fact of the dossier at or
/// before it), merged by key. Empty for a withdrawn dossier. A finished dossier's rows are the
/// same whenever they are counted; an open one's last row is judged at `as_of`.
pub fn contributions(d: &DossierFacts<'_>, clock: Clock<'_>, as_of: DateTime<Utc>) -> Vec<(Key, Counts)> {
    let mut rows: BTreeMap<Key, Counts> = BTreeMap::new();
    if d.withdrawn {
        return Vec::new();
    }
    let mut add = |slot: Slot, month: Month, from: Month, c: Counts| {
        *rows.entry(Key { slot, month, from }).or_default() += &c;
    };
    // 5.4 counts a dossier judged in time unless rated "not satisfied" by the period's end.
    let unsatisfied_from = d.rating.filter(|(_, s)| *s == Satisfaction::NotSatisfied).map(|(at, _)| month_known(at));
    let mut judged = |slot: Slot, month: Month, in_time: bool, mut c: Counts| {
        c.count(Code::OnTime, in_time);
        c.count(Code::Satisfaction, in_time);
        add(slot, month, ALWAYS, c);
        if let (true, Some(g)) = (in_time, unsatisfied_from) {
            let mut unsatisfied = Counts::default();
            unsatisfied.0[column(Code::Satisfaction)] = -1;
            add(slot, month, g, unsatisfied);
        }
    };
    let received = month_of(d.received_at);
    // Open at the end of each month before its finish, or of each month up to now.
    let last_open = match d.finished_at {
        Some(f) => month_of(f) - 1,
        None => month_of(as_of),
    };
    for month in received..=last_open {
        let end = month_period(month).map_or(as_of, |p| p.end());
        let views = judge(d, clock, None, end.min(as_of));
        let mut c = Counts::default();
        c.0[OVERDUE] = i64::from(views.timeliness == Timeliness::Overdue);
        judged(Slot::End, month, !views.timeliness.is_late(), c);
    }
    if let Some(f) = d.finished_at {
        let views = judge(d, clock, Some(f), as_of);
        let mut c = Counts::default();
        c.0[column(Code::AverageTime)] = working_seconds(d, f, &views);
        c.0[column(Code::AverageTime) + 1] = 1;
        if !d.refused {
            c.count(Code::ElectronicResults, d.electronic_result);
        }
        judged(Slot::Span, month_of(f), !views.timeliness.is_late(), c);
    }
    let mut c = Counts::default();
    c.count(Code::OnlineDossiers, d.channel.is_online());
    if d.fee_bearing {
        c.0[column(Code::OnlinePayment) + 1] = 1;
    }
    let docs = d.documents;
    c.count(Code::Digitised, docs.total > 0 && docs.electronic >= docs.total);
    c.count(Code::Reused, docs.reused > 0);
    c.0[FIRST_CHANNEL + Channel::ALL.iter().position(|x| *x == d.channel).unwrap_or(0)] = 1;
    add(Slot::Span, received, ALWAYS, c);
    if let (true, Some(paid)) = (d.fee_bearing, d.paid_online_at) {
        let mut c = Counts::default();
        c.0[column(Code::OnlinePayment)] = 1;
        add(Slot::Span, received, month_known(paid), c);
    }
    rows.into_iter().filter(|(_, c)| !c.is_zero()).collect()
}

/// The sum of the rows that apply to the months `first` to `last`.
pub fn sum_for<'a>(rows: impl IntoIterator<Item = &'a (Key, Counts)>, first: Month, last: Month) -> Counts {
    let mut sum = Counts::default();
    for (key, c) in rows {
        if key.applies(first, last) {
            sum += c;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{vn_offset, CountingRule, TimeLimit, TimeUnit, WorkingCalendar};
    use crate::dossier::Action;
    use crate::indicators::{evaluate, Documents};
    use chrono::TimeZone;
    use proptest::prelude::*;

    /// Minutes after 00:00 of 1 January 2027, Vietnam time.
    fn at(minutes: i64) -> DateTime<Utc> {
        vn_offset().with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap().with_timezone(&Utc) + TimeDelta::minutes(minutes)
    }

    const DAY: i64 = 24 * 60;

    #[derive(Clone, Debug)]
    struct Drawn {
        channel: Channel,
        received: i64,
        /// Gaps between supplement requests and supplements, alternately, after reception.
        waits: Vec<i64>,
        finish_after: Option<i64>,
        refused: bool,
        withdrawn: bool,
        days: u32,
        fee_bearing: bool,
        paid_after: Option<i64>,
        electronic_result: bool,
        documents: (u32, u32, u32),
        rating: Option<(i64, Satisfaction)>,
    }

    fn drawn() -> impl Strategy<Value = Drawn> {
        (
            (prop::sample::select(Channel::ALL.to_vec()), 0..200 * DAY, prop::collection::vec(1..40 * DAY, 0..4)),
            (prop::option::weighted(0.7, 1..90 * DAY), any::<bool>(), prop::bool::weighted(0.05), 1..25u32),
            (any::<bool>(), prop::option::of(0..60 * DAY), any::<bool>(), (0..4u32, 0..4u32, 0..3u32)),
            prop::option::of((0..60 * DAY, prop::sample::select(Satisfaction::ALL.to_vec()))),
        )
            .prop_map(|((channel, received, waits), (finish_after, refused, withdrawn, days), pay, rating)| {
                let (fee_bearing, paid_after, electronic_result, (total, electronic, reused)) = pay;
                Drawn {
                    channel,
                    received,
                    waits,
                    finish_after,
                    refused,
                    withdrawn,
                    days,
                    fee_bearing,
                    paid_after,
                    electronic_result,
                    documents: (total, electronic.min(total), reused.min(total)),
                    rating,
                }
            })
    }

    /// The history (reception, then requests and supplements) and the facts of a drawn dossier,
    /// each event no later than `as_of`; a finish and a rating only when they fall before it.
    fn history_of(d: &Drawn, as_of: DateTime<Utc>) -> Vec<(DateTime<Utc>, Action)> {
        let mut history = vec![(at(d.received), Action::Receive)];
        let mut t = d.received;
        let finish = d.finish_after.map(|f| d.received + f);
        for (i, gap) in d.waits.iter().enumerate() {
            t += gap;
            if finish.is_some_and(|f| t >= f) || at(t) > as_of {
                break;
            }
            let action = if i % 2 == 0 { Action::RequestSupplement } else { Action::Supplement };
            history.push((at(t), action));
        }
        history
    }

    fn facts<'a>(d: &Drawn, history: &'a [(DateTime<Utc>, Action)], as_of: DateTime<Utc>) -> DossierFacts<'a> {
        let before = |t: i64| Some(at(t)).filter(|t| *t <= as_of);
        let finished_at = d.finish_after.and_then(|f| before(d.received + f));
        let after_finish =
            |gap: i64| finished_at.and_then(|f| Some(f + TimeDelta::minutes(gap)).filter(|t| *t <= as_of));
        DossierFacts {
            channel: d.channel,
            received_at: at(d.received),
            finished_at,
            refused: d.refused,
            withdrawn: d.withdrawn,
            history,
            limit: TimeLimit::new(d.days, TimeUnit::WorkingDays),
            fee_bearing: d.fee_bearing,
            paid_online_at: d.paid_after.and_then(|p| before(d.received + p)),
            electronic_result: d.electronic_result,
            documents: Documents { total: d.documents.0, electronic: d.documents.1, reused: d.documents.2 },
            rating: d.rating.and_then(|(gap, s)| after_finish(gap).map(|t| (t, s))),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The counters of random dossiers, summed for a random period of whole months, equal
        /// the evaluation of each dossier in that period.
        #[test]
        fn counters_agree_with_the_evaluation_of_every_dossier(
            dossiers in prop::collection::vec(drawn(), 1..30),
            as_of in 150 * DAY..330 * DAY,
            back in 0..6i32,
            length in 0..6i32,
        ) {
            let (cal, rule) = (WorkingCalendar::default(), CountingRule::default());
            let clock = Clock { calendar: &cal, rule: &rule };
            let as_of = at(as_of);
            let current = month_of(as_of);
            let (last, first) = (current - back, current - back - length);
            let period = Period::new(first_day(first).unwrap(), month_period(last).unwrap().to).unwrap();
            prop_assert_eq!(months_of(&period, as_of), Some((first, last)));
            let mut expected = Counts::default();
            let mut counted = Counts::default();
            for d in dossiers.iter().filter(|d| at(d.received) <= as_of) {
                let history = history_of(d, as_of);
                let f = facts(d, &history, as_of);
                if let Some(e) = evaluate(&f, clock, &period, as_of) {
                    expected += &Counts::of_evaluation(d.channel, &e);
                }
                counted += &sum_for(&contributions(&f, clock, as_of), first, last);
            }
            prop_assert_eq!(counted, expected);
        }

        /// A finished dossier's rows do not change with the moment they are counted.
        #[test]
        fn a_finished_dossiers_rows_do_not_depend_on_when_they_are_counted(d in drawn(), later in 0..400 * DAY) {
            let (cal, rule) = (WorkingCalendar::default(), CountingRule::default());
            let clock = Clock { calendar: &cal, rule: &rule };
            let as_of = at(400 * DAY);
            let history = history_of(&d, as_of);
            let f = facts(&d, &history, as_of);
            prop_assume!(f.finished_at.is_some());
            let again = as_of + TimeDelta::minutes(later);
            prop_assert_eq!(contributions(&f, clock, as_of), contributions(&f, clock, again));
        }
    }

    #[test]
    fn periods_of_whole_months_are_answered_by_the_counters() {
        let now = at(100 * DAY); // 11 April 2027
        let p = |from: (u32, u32), to: (u32, u32)| {
            Period::new(
                NaiveDate::from_ymd_opt(2027, from.0, from.1).unwrap(),
                NaiveDate::from_ymd_opt(2027, to.0, to.1).unwrap(),
            )
            .unwrap()
        };
        let april = 2027 * 12 + 3;
        assert_eq!(months_of(&p((1, 1), (3, 31)), now), Some((april - 3, april - 1)));
        assert_eq!(months_of(&p((4, 1), (4, 11)), now), Some((april, april)), "this month to today");
        assert_eq!(months_of(&p((4, 1), (4, 30)), now), Some((april, april)), "the current month");
        assert_eq!(months_of(&p((1, 1), (3, 30)), now), None, "not the end of a month");
        assert_eq!(months_of(&p((1, 2), (3, 31)), now), None, "not the 1st");
        assert_eq!(months_of(&p((4, 1), (5, 31)), now), None, "into a month to come");
        assert_eq!(months_of(&p((3, 1), (3, 15)), now), None, "part of a past month");
    }

    #[test]
    fn a_dossier_open_over_a_month_end_counts_there_and_where_it_finishes() {
        let (cal, rule) = (WorkingCalendar::default(), CountingRule::default());
        let clock = Clock { calendar: &cal, rule: &rule };
        let history = [(at(20 * DAY), Action::Receive)];
        let d = DossierFacts {
            channel: Channel::Online,
            received_at: at(20 * DAY),
            finished_at: Some(at(45 * DAY)),
            refused: false,
            withdrawn: false,
            history: &history,
            limit: TimeLimit::new(3, TimeUnit::WorkingDays),
            fee_bearing: false,
            paid_online_at: None,
            electronic_result: true,
            documents: Documents::default(),
            rating: None,
        };
        let rows = contributions(&d, clock, at(100 * DAY));
        let (january, february) = (2027 * 12, 2027 * 12 + 1);
        let keys: Vec<Key> = rows.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            keys,
            vec![
                Key { slot: Slot::Span, month: january, from: ALWAYS },
                Key { slot: Slot::Span, month: february, from: ALWAYS },
                Key { slot: Slot::End, month: january, from: ALWAYS },
            ]
        );
        // Open and overdue at the end of January (received on the 21st, three working days).
        assert_eq!(rows[2].1.overdue(), 1);
        assert_eq!(rows[2].1.tally().get(Code::OnTime).numerator, 0.0);
        // Finished late in February, with its electronic result.
        let february_rows = sum_for(&rows, february, february);
        assert_eq!(february_rows.tally().get(Code::OnTime).denominator, 1.0);
        assert_eq!(february_rows.tally().get(Code::ElectronicResults).numerator, 1.0);
        assert_eq!(february_rows.received_by(Channel::Online), 0);
        assert_eq!(sum_for(&rows, january, february).received_by(Channel::Online), 1);
    }
}
