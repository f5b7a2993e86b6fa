//! The report II.06a kept as counters: what one dossier adds to the report of every period made
//! of whole months ([`rows`]), so that a year of a province sums a few thousand rows instead of
//! reading hundreds of thousands of dossiers.
//!
//! A finished dossier's place in a period's report depends only on the period: it is received
//! online or directly in a period that holds the month of its reception, resolved (early, on
//! time, late) in one that holds the month of its finish, and in progress (in time or overdue,
//! against the end of the period) in one that ends while it is open. Carried over into a period
//! means open at the end of the month before it. So its counts are split into rows by
//! [`Slot`] and month, like the indicators' ([`crate::indicators::counts`]): a row of the month of
//! its reception and one of the month of its finish ([`Slot::Span`]), and a row for the end of
//! each month it stayed open ([`Slot::End`]). [`counts_for`] sums the rows of a period; the tests
//! below hold it to [`classify`] on random dossiers.
//!
//! An open dossier has one row from its reception on (`open_rows`): received online or directly
//! in the month of its reception, and pending there, so that the dossiers still open and
//! received before a period (carried over) or by its end (in progress) are sums of rows too.
//! Whether each of them is overdue is not kept: its due date still moves (a supplement, a
//! reschedule) and it is judged against the end of the period or "now", so the report counts
//! the overdue ones where they lie ([`counts_for`]'s last argument). When the dossier finishes,
//! its open row is taken back and its finished rows added, in the same transaction.

use super::{vn_day, Counts, ReportedDossier};
use crate::indicators::counts::{month_of, month_period, Month, Slot};

/// The stored names of the counters, in the order of [`Figures`].
pub const COLUMNS: [&str; 8] = ["online", "direct", "early", "on_time", "late", "open", "overdue", "pending"];

const ONLINE: usize = 0;
const DIRECT: usize = 1;
const EARLY: usize = 2;
const OPEN: usize = 5;
const OVERDUE: usize = 6;
/// The column of the dossiers received in a row's month and still open.
const PENDING: usize = 7;

/// One row's counters, or a sum of rows, in the order of [`COLUMNS`]: received by channel,
/// resolved by timeliness and received but still open in the row's month ([`Slot::Span`]), open
/// and overdue at its end ([`Slot::End`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Figures(pub [i64; COLUMNS.len()]);

impl Figures {
    fn one(column: usize) -> Figures {
        let mut f = Figures::default();
        f.0[column] = 1;
        f
    }

    /// Whether every counter is zero.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|n| *n == 0)
    }
}

impl std::ops::AddAssign<&Figures> for Figures {
    fn add_assign(&mut self, o: &Figures) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a += b;
        }
    }
}

impl std::ops::SubAssign<&Figures> for Figures {
    fn sub_assign(&mut self, o: &Figures) {
        for (a, b) in self.0.iter_mut().zip(o.0.iter()) {
            *a -= b;
        }
    }
}

/// One row: its slot, its month, its counters.
pub type Row = (Slot, Month, Figures);

/// The rows one dossier adds to the counters: none unless it was received, finished and not
/// withdrawn. They never change once it has finished (its due date no longer moves).
fn finished_rows(d: &ReportedDossier) -> Vec<Row> {
    let (Some(received_at), Some(finished_at)) = (d.received_at, d.finished_at) else {
        return Vec::new();
    };
    if d.withdrawn {
        return Vec::new();
    }
    let (received, finished) = (month_of(received_at), month_of(finished_at));
    let mut rows = Vec::new();
    rows.push((Slot::Span, received, Figures::one(channel_column(d))));
    // The same column rule as `classify`: early on a day before the due date's day, late after
    // the due time, on time otherwise (and when there is no due date).
    let resolved = match d.due_at {
        Some(due) if vn_day(finished_at) < vn_day(due) => EARLY,
        Some(due) if finished_at > due => EARLY + 2,
        _ => EARLY + 1,
    };
    match rows.iter_mut().find(|(slot, month, _)| *slot == Slot::Span && *month == finished) {
        Some((_, _, f)) => f.0[resolved] += 1,
        None => rows.push((Slot::Span, finished, Figures::one(resolved))),
    }
    for month in received..finished {
        let mut f = Figures::one(OPEN);
        let end = month_period(month).map(|p| p.end());
        f.0[OVERDUE] = i64::from(d.due_at.zip(end).is_some_and(|(due, end)| due < end));
        rows.push((Slot::End, month, f));
    }
    rows
}

fn channel_column(d: &ReportedDossier) -> usize {
    if d.channel.is_online() {
        ONLINE
    } else {
        DIRECT
    }
}

/// The row a dossier received and still open adds: received, and pending, in the month of its
/// reception. None before reception, once finished, or withdrawn.
fn open_rows(d: &ReportedDossier) -> Vec<Row> {
    match (d.received_at, d.finished_at, d.withdrawn) {
        (Some(received_at), None, false) => {
            let mut f = Figures::one(channel_column(d));
            f.0[PENDING] = 1;
            vec![(Slot::Span, month_of(received_at), f)]
        }
        _ => Vec::new(),
    }
}

/// The rows the counters hold of a dossier now: once it has finished, those of its reception, its
/// finish and each month end it stayed open; before, its open row; none unless it was received
/// and is not withdrawn.
pub fn rows(d: &ReportedDossier) -> Vec<Row> {
    match d.finished_at {
        Some(_) => finished_rows(d),
        None => open_rows(d),
    }
}

/// The report's counts of the months `first` to `last` from the rows (of any number of dossiers):
/// the rows of its months ([`Slot::Span`]), those of the ends of the month before it (carried
/// over) and of its last month (in progress), and the open dossiers' rows of the months before it
/// (carried over) and up to its last (in progress); `open_overdue` of those still open and
/// received by its end are overdue at the time it is judged.
pub fn counts_for<'a>(rows: impl IntoIterator<Item = &'a Row>, first: Month, last: Month, open_overdue: i64) -> Counts {
    let (mut span, mut before, mut end) = (Figures::default(), 0, Figures::default());
    for (slot, month, f) in rows {
        match slot {
            Slot::Span => {
                if first <= *month && *month <= last {
                    span += f;
                }
                if *month < first {
                    before += f.0[PENDING];
                }
                if *month <= last {
                    end.0[OPEN] += f.0[PENDING];
                }
            }
            Slot::End if *month == first - 1 => before += f.0[OPEN],
            Slot::End if *month == last => end += f,
            Slot::End => {}
        }
    }
    end.0[OVERDUE] += open_overdue;
    from_sums(before, &span, &end)
}

/// The report's counts from the sums [`counts_for`] takes: the dossiers open at the end of the
/// month before the period, the rows of its months, and the rows of the end of its last month.
pub fn from_sums(carried_over: i64, span: &Figures, end: &Figures) -> Counts {
    let n = |v: i64| v.max(0) as u64;
    let s = &span.0;
    Counts::from_parts(
        [n(carried_over), n(s[ONLINE]), n(s[DIRECT])],
        [n(s[EARLY]), n(s[EARLY + 1]), n(s[EARLY + 2])],
        [n(end.0[OPEN] - end.0[OVERDUE]), n(end.0[OVERDUE])],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::vn_offset;
    use crate::dossier::Channel;
    use crate::indicators::counts::{first_day, months_of};
    use crate::report::{classify, Period};
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};
    use proptest::prelude::*;

    /// Minutes after 00:00 of 1 January 2027, Vietnam time.
    fn at(minutes: i64) -> DateTime<Utc> {
        vn_offset().with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap().with_timezone(&Utc) + TimeDelta::minutes(minutes)
    }

    const DAY: i64 = 24 * 60;

    fn drawn() -> impl Strategy<Value = ReportedDossier> {
        (
            prop::sample::select(Channel::ALL.to_vec()),
            0..300 * DAY,
            prop::option::weighted(0.8, 0..120 * DAY),
            prop::option::weighted(0.95, -5 * DAY..60 * DAY),
            prop::bool::weighted(0.05),
        )
            .prop_map(|(channel, received, finish_after, due_after, withdrawn)| ReportedDossier {
                channel,
                received_at: Some(at(received)),
                finished_at: finish_after.map(|f| at(received + f)),
                due_at: due_after.map(|d| at(received + d)),
                withdrawn,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The rows of random dossiers, finished or still open now, summed for a random period of
        /// whole months (ended, or running to now) with the open ones found overdue counted where
        /// they lie, equal `classify` of each dossier in that period.
        #[test]
        fn the_rows_agree_with_classify(
            dossiers in prop::collection::vec(drawn(), 1..40),
            now in 200 * DAY..420 * DAY,
            back in 0..8i32,
            length in 0..12i32,
        ) {
            let now = at(now);
            let current = month_of(now);
            let (last, first) = (current - back, current - back - length);
            let period = Period::new(first_day(first).unwrap(), month_period(last).unwrap().to).unwrap();
            prop_assert_eq!(months_of(&period, now), Some((first, last)));
            // As the database holds them now: what finishes later is open.
            let held: Vec<ReportedDossier> = dossiers
                .iter()
                .filter(|d| d.received_at.is_some_and(|r| r <= now))
                .map(|d| ReportedDossier { finished_at: d.finished_at.filter(|f| *f <= now), ..*d })
                .collect();
            let expected: Counts = held.iter().filter_map(|d| classify(d, &period, now)).sum();
            let rows: Vec<Row> = held.iter().flat_map(rows).collect();
            let measured = period.measured_at(now);
            let overdue = held
                .iter()
                .filter(|d| !open_rows(d).is_empty())
                .filter(|d| d.received_at.is_some_and(|r| r < period.end()) && d.due_at.is_some_and(|due| due < measured))
                .count() as i64;
            prop_assert_eq!(counts_for(&rows, first, last, overdue), expected);
        }
    }

    #[test]
    fn a_dossier_open_over_two_month_ends_is_carried_over_and_in_progress_there() {
        // Received 20 January, due 10 February, finished 5 March: open at the ends of January
        // (in time) and February (overdue), resolved late in March.
        let d = ReportedDossier {
            channel: Channel::InPerson,
            received_at: Some(at(19 * DAY + 9 * 60)),
            finished_at: Some(at(63 * DAY + 9 * 60)),
            due_at: Some(at(40 * DAY + 17 * 60)),
            withdrawn: false,
        };
        let rows = finished_rows(&d);
        let (january, february, march) = (2027 * 12, 2027 * 12 + 1, 2027 * 12 + 2);
        let keys: Vec<(Slot, Month)> = rows.iter().map(|(s, m, _)| (*s, *m)).collect();
        assert_eq!(keys, vec![(Slot::Span, january), (Slot::Span, march), (Slot::End, january), (Slot::End, february)]);
        assert_eq!(counts_for(&rows, january, january, 0), Counts::from_parts([0, 0, 1], [0, 0, 0], [1, 0]));
        assert_eq!(counts_for(&rows, february, february, 0), Counts::from_parts([1, 0, 0], [0, 0, 0], [0, 1]));
        assert_eq!(counts_for(&rows, march, march, 0), Counts::from_parts([1, 0, 0], [0, 0, 1], [0, 0]));
        assert_eq!(counts_for(&rows, january, march, 0), Counts::from_parts([0, 0, 1], [0, 0, 1], [0, 0]));
        assert_eq!(counts_for(&rows, march + 1, march + 1, 0), Counts::default(), "finished before April");
        let withdrawn = ReportedDossier { withdrawn: true, ..d };
        assert!(finished_rows(&withdrawn).is_empty());
        let open = ReportedDossier { finished_at: None, ..d };
        assert!(finished_rows(&open).is_empty());
    }

    #[test]
    fn an_open_dossier_is_received_in_its_month_then_carried_over_and_in_progress() {
        // Received 20 January, due 10 February, still open in April: received in January;
        // carried over into February and later; in progress at the end of any period from
        // January on, overdue when judged after 10 February (counted where it lies).
        let d = ReportedDossier {
            channel: Channel::Online,
            received_at: Some(at(19 * DAY + 9 * 60)),
            finished_at: None,
            due_at: Some(at(40 * DAY + 17 * 60)),
            withdrawn: false,
        };
        let rows = rows(&d);
        let (december, january, march) = (2026 * 12 + 11, 2027 * 12, 2027 * 12 + 2);
        assert_eq!(rows.len(), 1);
        assert_eq!(counts_for(&rows, january, january, 0), Counts::from_parts([0, 1, 0], [0, 0, 0], [1, 0]));
        assert_eq!(counts_for(&rows, march, march, 1), Counts::from_parts([1, 0, 0], [0, 0, 0], [0, 1]));
        assert_eq!(counts_for(&rows, december, december, 0), Counts::default(), "received after December");
        assert!(open_rows(&ReportedDossier { withdrawn: true, ..d }).is_empty());
        assert!(open_rows(&ReportedDossier { received_at: None, ..d }).is_empty());
        assert_eq!(super::rows(&ReportedDossier { finished_at: Some(at(70 * DAY)), ..d }).len(), 4);
    }
}
