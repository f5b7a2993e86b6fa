//! The two views of a dossier's clock (DESIGN.md section 4, rule 5).
//!
//! By law the clock **restarts from zero** when the applicant returns a completed dossier after a
//! supplement request (Decree 61/2018 art. 19.4): that is the due date printed and enforced. The
//! service-quality indicators instead **subtract** the time spent waiting for the applicant from
//! the original deadline, so that asking for supplements cannot be used to hide slow work; a
//! dossier with more than one supplement request is marked for the same reason.

use chrono::{DateTime, TimeDelta, Utc};

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

/// Both views of one dossier's clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClockViews {
    /// The statutory due date: counted again from the last return of a completed dossier.
    pub restarted_due: DateTime<Utc>,
    /// The due date counted from reception, as if no supplement had been asked.
    pub original_due: DateTime<Utc>,
    /// The indicators' due date: the original one pushed back by the time spent waiting.
    pub indicator_due: DateTime<Utc>,
    /// Total time waiting for the applicant (an open wait counts until `now`).
    pub waiting: TimeDelta,
    /// How many supplement requests the dossier had.
    pub supplement_requests: u32,
    /// More than one supplement request: flagged on the indicator view.
    pub repeated_supplements: bool,
    /// Under the indicator view, whether the dossier finished in time (`None` while open).
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

/// Computes both views for a dossier with the given limit, at `now`.
pub fn clock_views(
    cal: &WorkingCalendar,
    rule: &CountingRule,
    limit: TimeLimit,
    facts: ClockFacts<'_>,
    now: DateTime<Utc>,
) -> ClockViews {
    let ClockFacts { received_at, waits, supplement_requests, finished_at } = facts;
    let original_due = due_at(cal, rule, received_at, limit);
    let waiting =
        waits.iter().map(|(from, until)| until.unwrap_or(now).max(*from) - *from).fold(TimeDelta::zero(), |a, b| a + b);
    let restart = waits.iter().filter_map(|(_, until)| *until).max().filter(|r| *r > received_at);
    let restarted_due = restart.map_or(original_due, |r| due_at(cal, rule, r, limit));
    let indicator_due = original_due + waiting;
    ClockViews {
        restarted_due,
        original_due,
        indicator_due,
        waiting,
        supplement_requests,
        repeated_supplements: supplement_requests > 1,
        on_time: finished_at.map(|f| f <= indicator_due),
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
