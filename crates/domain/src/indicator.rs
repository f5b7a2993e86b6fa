//! The two views of a dossier's clock (DESIGN.md section 4, rule 5), and the on-time verdict of
//! the service-quality indicators (DESIGN.md section 8, indicator 2.1).
//!
//! By law the clock **restarts from zero** when the applicant returns a completed dossier after a
//! supplement request (Decree 61/2018 art. 19.4): that is the due date printed and enforced. The
//! service-quality indicators instead **subtract** the time spent waiting for the applicant from
//! the original deadline, so that asking for supplements cannot be used to hide slow work.
//!
//! The on-time verdict follows the set of indicators approved by Decision 766/QĐ-TTg (2022;
//! group 2, progress; indicator 2.1, dossiers resolved on time) and its guidance as DESIGN.md
//! section 8 sums it up: waiting for the applicant is subtracted; a dossier with **more than one
//! supplement request counts as late**, since everything missing must be asked for at once
//! (Decree 61/2018, DESIGN.md section 3); an open dossier is measured at the end of the period,
//! and one still waiting for a supplement at the moment the supplement was asked, since its clock
//! stopped then. The guidance document's own number and article are to be checked.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::calendar::{due_at, CountingRule, TimeLimit, WorkingCalendar};
use crate::dossier::Action;

/// A stretch of time spent waiting for the applicant: from the supplement request to the
/// moment the missing items arrived (`None` while still waiting).
pub type Waiting = (DateTime<Utc>, Option<DateTime<Utc>>);

/// The waiting periods after reception, from a dossier's history in order (time and action of
/// each event). Supplement requests before reception do not count: the clock had not started.
pub fn waiting_periods(history: impl IntoIterator<Item = (DateTime<Utc>, Action)>) -> Vec<Waiting> {
    let mut received = false;
    let mut out: Vec<Waiting> = Vec::new();
    for (at, action) in history {
        match action {
            Action::Receive => received = true,
            Action::RequestSupplement if received => out.push((at, None)),
            Action::Supplement => {
                if let Some(last) = out.last_mut().filter(|w| w.1.is_none()) {
                    last.1 = Some(at);
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether the number of supplement requests alone makes a dossier late on the indicator view:
/// more than one request (Decision 766/QĐ-TTg, indicator 2.1, as DESIGN.md section 8 sums up its
/// guidance). Every request counts, at reception and after it, as in the dossier's own count.
pub fn repeated_supplements(supplement_requests: u32) -> bool {
    supplement_requests > 1
}

/// Where a dossier stands on the on-time indicator (Decision 766/QĐ-TTg, indicator 2.1), and on
/// the resolved and in-progress columns of the periodic report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Finished at or before the indicator due date, with at most one supplement request.
    OnTime,
    /// Finished after the indicator due date, or with more than one supplement request.
    Late,
    /// Still open and in time where it is measured.
    WithinTime,
    /// Still open and already late where it is measured: past the indicator due date, or more
    /// than one supplement request.
    Overdue,
}

impl Timeliness {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::Late => "late",
            Timeliness::WithinTime => "within_time",
            Timeliness::Overdue => "overdue",
        }
    }

    /// Whether the dossier counts as late (finished late or open and overdue).
    pub fn is_late(self) -> bool {
        matches!(self, Timeliness::Late | Timeliness::Overdue)
    }
}

/// Both views of one dossier's clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockViews {
    /// The statutory due date: counted again from the last return of a completed dossier.
    pub restarted_due: DateTime<Utc>,
    /// The due date counted from reception, as if no supplement had been asked.
    pub original_due: DateTime<Utc>,
    /// The indicators' due date: the original one pushed back by the time spent waiting.
    pub indicator_due: DateTime<Utc>,
    /// Total time waiting for the applicant (an open wait counts until the dossier finished, or
    /// until `now`).
    pub waiting: TimeDelta,
    /// How many supplement requests the dossier had.
    pub supplement_requests: u32,
    /// More than one supplement request ([`repeated_supplements`]): late on the indicator view.
    pub repeated_supplements: bool,
    /// The indicator verdict ([`Timeliness`]).
    pub timeliness: Timeliness,
    /// The moment the verdict is taken at: the finish; for an open dossier waiting for a
    /// supplement, the request; for any other open dossier, `now` (the end of the period).
    pub measured_at: DateTime<Utc>,
    /// Under the indicator view, whether the dossier finished in time (`None` while open): a
    /// finish after the indicator due date, or more than one supplement request, is late.
    pub on_time: Option<bool>,
}

/// What the clock views need to know of one dossier.
#[derive(Clone, Copy, Debug)]
pub struct ClockFacts<'a> {
    /// Reception: the clock's first start.
    pub received_at: DateTime<Utc>,
    /// The waits for the applicant after reception ([`waiting_periods`]).
    pub waits: &'a [Waiting],
    /// How many supplement requests the dossier had.
    pub supplement_requests: u32,
    /// When the result was issued (or the dossier otherwise ended), if it has.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Computes both views and the indicator verdict for a dossier with the given limit, at `now`
/// (for a report, the end of its period).
pub fn clock_views(
    cal: &WorkingCalendar,
    rule: &CountingRule,
    limit: TimeLimit,
    facts: ClockFacts<'_>,
    now: DateTime<Utc>,
) -> ClockViews {
    let ClockFacts { received_at, waits, supplement_requests, finished_at } = facts;
    let original_due = due_at(cal, rule, received_at, limit);
    // A wait still open ends when the dossier ended (withdrawn while waiting), or now.
    let end = finished_at.unwrap_or(now);
    let length = |(from, until): &Waiting| until.unwrap_or(end).max(*from) - *from;
    let waiting = waits.iter().map(length).fold(TimeDelta::zero(), |a, b| a + b);
    let closed = waits.iter().filter(|w| w.1.is_some()).map(length).fold(TimeDelta::zero(), |a, b| a + b);
    let open_request = waits.iter().rev().find(|w| w.1.is_none()).map(|w| w.0);
    let restart = waits.iter().filter_map(|(_, until)| *until).max().filter(|r| *r > received_at);
    let restarted_due = restart.map_or(original_due, |r| due_at(cal, rule, r, limit));
    let indicator_due = original_due + waiting;
    let repeated = repeated_supplements(supplement_requests);
    let (measured_at, timeliness) = match (finished_at, open_request) {
        (Some(f), _) => (f, if !repeated && f <= indicator_due { Timeliness::OnTime } else { Timeliness::Late }),
        // Waiting for the applicant: the clock stopped at the request, so it is judged there,
        // against the due date pushed back by the waits already over.
        (None, Some(asked)) => {
            let in_time = !repeated && asked <= original_due + closed;
            (asked, if in_time { Timeliness::WithinTime } else { Timeliness::Overdue })
        }
        (None, None) => {
            (now, if !repeated && now <= indicator_due { Timeliness::WithinTime } else { Timeliness::Overdue })
        }
    };
    ClockViews {
        restarted_due,
        original_due,
        indicator_due,
        waiting,
        supplement_requests,
        repeated_supplements: repeated,
        timeliness,
        measured_at,
        on_time: finished_at.map(|_| timeliness == Timeliness::OnTime),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::TimeUnit;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).unwrap()
    }

    #[test]
    fn waiting_starts_after_reception_and_ends_with_the_supplement() {
        let h = [
            (t(1, 1), Action::Submit),
            (t(1, 2), Action::RequestSupplement),
            (t(1, 3), Action::Supplement),
            (t(2, 2), Action::Receive),
            (t(3, 2), Action::RequestSupplement),
            (t(5, 2), Action::Supplement),
            (t(8, 2), Action::RequestSupplement),
        ];
        assert_eq!(waiting_periods(h), vec![(t(3, 2), Some(t(5, 2))), (t(8, 2), None)]);
    }

    #[test]
    fn one_supplement_is_not_flagged_two_are() {
        let cal = WorkingCalendar::default();
        let rule = CountingRule::default();
        let limit = TimeLimit::new(5, TimeUnit::WorkingDays);
        let waits = [(t(2, 2), Some(t(4, 2)))];
        let facts =
            ClockFacts { received_at: t(1, 2), waits: &waits, supplement_requests: 1, finished_at: Some(t(9, 2)) };
        let one = clock_views(&cal, &rule, limit, facts, t(20, 0));
        assert!(!one.repeated_supplements);
        assert_eq!(one.waiting, TimeDelta::days(2));
        assert_eq!(one.restarted_due, due_at(&cal, &rule, t(4, 2), limit));
        assert_eq!(one.on_time, Some(t(9, 2) <= one.original_due + TimeDelta::days(2)));
        let facts = ClockFacts { received_at: t(1, 2), waits: &[], supplement_requests: 2, finished_at: None };
        let two = clock_views(&cal, &rule, limit, facts, t(20, 0));
        assert!(two.repeated_supplements);
        assert_eq!(two.on_time, None);
    }

    /// Five working days from Monday 1 March 2027 at 09:00 UTC (16:00 local, after the cut-off:
    /// the count starts on the 2nd), so the original due date is 9 March at 17:00 local.
    fn five_days(
        waits: &[Waiting],
        requests: u32,
        finished_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> ClockViews {
        let cal = WorkingCalendar::default();
        let rule = CountingRule::default();
        let limit = TimeLimit::new(5, TimeUnit::WorkingDays);
        let facts = ClockFacts { received_at: t(1, 9), waits, supplement_requests: requests, finished_at };
        let v = clock_views(&cal, &rule, limit, facts, now);
        assert_eq!(v.original_due, t(9, 10));
        v
    }

    #[test]
    fn a_second_supplement_request_makes_a_dossier_finished_early_late() {
        let one = [(t(2, 2), Some(t(3, 2)))];
        let v = five_days(&one, 1, Some(t(4, 2)), t(20, 0));
        assert_eq!((v.timeliness, v.on_time, v.measured_at), (Timeliness::OnTime, Some(true), t(4, 2)));
        let two = [(t(2, 2), Some(t(2, 5))), (t(3, 2), Some(t(3, 5)))];
        let v = five_days(&two, 2, Some(t(4, 2)), t(20, 0));
        assert!(t(4, 2) < v.original_due, "finished well before any due date");
        assert_eq!((v.timeliness, v.on_time), (Timeliness::Late, Some(false)));
        // Two requests, one before reception and one after, count the same way.
        let v = five_days(&one, 2, Some(t(4, 2)), t(20, 0));
        assert_eq!(v.timeliness, Timeliness::Late);
        // Open with two requests: overdue at once.
        let v = five_days(&two, 2, None, t(4, 2));
        assert_eq!((v.timeliness, v.on_time), (Timeliness::Overdue, None));
    }

    #[test]
    fn a_dossier_waiting_for_a_supplement_is_measured_at_the_request() {
        // Asked on the 3rd, before the due date on the 9th; still waiting three weeks later.
        let waiting = [(t(3, 2), None)];
        let v = five_days(&waiting, 1, None, t(31, 0));
        assert!(t(31, 0) > v.original_due);
        assert_eq!((v.timeliness, v.measured_at, v.on_time), (Timeliness::WithinTime, t(3, 2), None));
        assert_eq!(v.waiting, t(31, 0) - t(3, 2), "the open wait counts until now");
        // Asked only on the 15th, after the due date: already late when asked.
        let late = [(t(15, 2), None)];
        let v = five_days(&late, 1, None, t(16, 0));
        assert_eq!((v.timeliness, v.measured_at), (Timeliness::Overdue, t(15, 2)));
        // Earlier waits push the due date back: after two days of waiting, a request on the
        // 10th, past the original due date, is in time.
        let after_a_wait = [(t(3, 2), Some(t(5, 2)))];
        assert_eq!(five_days(&after_a_wait, 1, None, t(10, 2)).timeliness, Timeliness::WithinTime);
        let both = [(t(3, 2), Some(t(5, 2))), (t(10, 2), None)];
        assert_eq!(five_days(&both, 1, None, t(31, 0)).timeliness, Timeliness::WithinTime);
        let no_earlier_wait = [(t(10, 2), None)];
        assert_eq!(five_days(&no_earlier_wait, 1, None, t(31, 0)).timeliness, Timeliness::Overdue);
    }

    #[test]
    fn an_open_dossier_not_waiting_is_measured_now_and_a_wait_ends_with_the_dossier() {
        let v = five_days(&[], 0, None, t(5, 2));
        assert_eq!((v.timeliness, v.measured_at), (Timeliness::WithinTime, t(5, 2)));
        let v = five_days(&[], 0, None, t(20, 0));
        assert_eq!((v.timeliness, v.measured_at), (Timeliness::Overdue, t(20, 0)));
        assert!(v.timeliness.is_late());
        // Withdrawn while waiting: the wait stops at the withdrawal, not at `now`.
        let v = five_days(&[(t(3, 2), None)], 1, Some(t(5, 2)), t(31, 0));
        assert_eq!(v.waiting, t(5, 2) - t(3, 2));
        assert_eq!(v.timeliness, Timeliness::OnTime);
    }

    /// Gaps in hours after reception: each pair is (working before the request, waiting).
    fn waits_from(received: DateTime<Utc>, gaps: &[(i64, i64)]) -> (Vec<Waiting>, DateTime<Utc>) {
        let mut at = received;
        let mut waits = Vec::new();
        for (before, wait) in gaps {
            let from = at + TimeDelta::hours(*before);
            at = from + TimeDelta::hours(*wait);
            waits.push((from, Some(at)));
        }
        (waits, at)
    }

    proptest! {
        /// More than one supplement request is late whatever the times: finished or open,
        /// early or not.
        #[test]
        fn more_than_one_supplement_request_is_never_in_time(
            start in 0i64..(365 * 24),
            gaps in proptest::collection::vec((1i64..100, 1i64..100), 0..4),
            requests in 2u32..10,
            finish_after in proptest::option::of(0i64..400),
            amount in 1u32..30,
        ) {
            let received = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(start);
            let (waits, at) = waits_from(received, &gaps);
            let finished = finish_after.map(|h| at + TimeDelta::hours(h));
            let facts = ClockFacts { received_at: received, waits: &waits, supplement_requests: requests, finished_at: finished };
            let limit = TimeLimit::new(amount, TimeUnit::WorkingDays);
            let v = clock_views(&WorkingCalendar::default(), &CountingRule::default(), limit, facts, at + TimeDelta::hours(1));
            prop_assert!(v.timeliness.is_late());
            prop_assert_eq!(v.on_time, finished.map(|_| false));
        }

        /// A dossier waiting for a supplement keeps the verdict it had when the supplement was
        /// asked, however long the applicant takes: judged later, it gets the verdict of the same
        /// dossier looked at the moment of the request.
        #[test]
        fn a_waiting_dossier_is_judged_as_at_the_request(
            start in 0i64..(365 * 24),
            gaps in proptest::collection::vec((1i64..200, 1i64..200), 0..3),
            before in 0i64..400,
            later in 0i64..2000,
            requests in 0u32..3,
            amount in 1u32..20,
        ) {
            let cal = WorkingCalendar::default();
            let rule = CountingRule::default();
            let limit = TimeLimit::new(amount, TimeUnit::WorkingDays);
            let received = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(start);
            let (mut waits, at) = waits_from(received, &gaps);
            let asked = at + TimeDelta::hours(before);
            let at_request =
                ClockFacts { received_at: received, waits: &waits, supplement_requests: requests.max(1), finished_at: None };
            let then = clock_views(&cal, &rule, limit, at_request, asked);
            waits.push((asked, None));
            let facts = ClockFacts { received_at: received, waits: &waits, supplement_requests: requests.max(1), finished_at: None };
            let now = clock_views(&cal, &rule, limit, facts, asked + TimeDelta::hours(later));
            prop_assert_eq!(now.measured_at, asked);
            prop_assert_eq!(now.timeliness, then.timeliness);
            prop_assert_eq!(now.on_time, None);
        }

        /// With at most one request, the verdict compares the moment measured with the indicator
        /// due date: the finish for a finished dossier, `now` for an open one not waiting.
        #[test]
        fn one_request_at_most_compares_the_measure_with_the_indicator_due(
            start in 0i64..(365 * 24),
            gaps in proptest::collection::vec((1i64..200, 1i64..200), 0..2),
            after in 0i64..1000,
            finished in any::<bool>(),
            amount in 1u32..20,
        ) {
            let received = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(start);
            let (waits, at) = waits_from(received, &gaps);
            let moment = at + TimeDelta::hours(after);
            let facts = ClockFacts {
                received_at: received,
                waits: &waits,
                supplement_requests: waits.len() as u32,
                finished_at: finished.then_some(moment),
            };
            let limit = TimeLimit::new(amount, TimeUnit::WorkingDays);
            let v = clock_views(&WorkingCalendar::default(), &CountingRule::default(), limit, facts, moment);
            prop_assert_eq!(v.measured_at, moment);
            let in_time = moment <= v.indicator_due;
            let expected = match (finished, in_time) {
                (true, true) => Timeliness::OnTime,
                (true, false) => Timeliness::Late,
                (false, true) => Timeliness::WithinTime,
                (false, false) => Timeliness::Overdue,
            };
            prop_assert_eq!(v.timeliness, expected);
            prop_assert_eq!(v.on_time, finished.then_some(in_time));
        }
    }

    proptest! {
        /// The restart and subtraction views differ exactly by the waiting time: the indicator
        /// due date is the original one plus every wait, and without waits all views agree.
        #[test]
        fn the_views_differ_exactly_by_the_waiting_time(
            start in 0i64..(365 * 24),
            gaps in proptest::collection::vec((1i64..200, 1i64..200), 0..4),
            amount in 1u32..30,
            open_last in any::<bool>(),
        ) {
            let cal = WorkingCalendar::default();
            let rule = CountingRule::default();
            let limit = TimeLimit::new(amount, TimeUnit::WorkingDays);
            let received = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap() + TimeDelta::hours(start);
            let mut at = received;
            let mut waits = Vec::new();
            let mut total = TimeDelta::zero();
            for (before, wait) in &gaps {
                let from = at + TimeDelta::hours(*before);
                let until = from + TimeDelta::hours(*wait);
                waits.push((from, Some(until)));
                total += until - from;
                at = until;
            }
            let now = at + TimeDelta::hours(5);
            if open_last && !waits.is_empty() {
                let last = waits.len() - 1;
                total -= waits[last].1.unwrap() - waits[last].0;
                waits[last].1 = None;
                total += now - waits[last].0;
            }
            let facts = ClockFacts { received_at: received, waits: &waits, supplement_requests: waits.len() as u32, finished_at: None };
            let v = clock_views(&cal, &rule, limit, facts, now);
            prop_assert_eq!(v.indicator_due - v.original_due, total);
            prop_assert_eq!(v.waiting, total);
            if waits.is_empty() {
                prop_assert_eq!(v.restarted_due, v.indicator_due);
            }
            prop_assert!(v.restarted_due >= v.original_due);
        }
    }
}
