//! The timing rules of Decree 61/2018/NĐ-CP (one-stop mechanism) that an act must keep, each
//! refused with the article it breaks: a supplement request after reception comes within three
//! working days of reception, all at once (a second one only by the agency's leader); the
//! apology and new date come at least one working day before the due date.

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::{due_at, vn_offset, CountingRule, TimeLimit, TimeUnit, WorkingCalendar};

/// Working days after reception within which the agency may still ask for a supplement.
pub const SUPPLEMENT_WITHIN_WORKING_DAYS: u32 = 3;

/// A rule of Decree 61 that an act would break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breach {
    /// A supplement request after the time allowed since reception (Art. 19.4).
    SupplementTooLate {
        /// The last moment it was allowed.
        deadline: DateTime<Utc>,
    },
    /// A second supplement request by an officer who is not the agency's leader: the first
    /// request must list everything (Art. 19.4).
    RepeatedSupplementNeedsLeader,
    /// An apology and new date less than one working day before the due date (Art. 19.9).
    ApologyTooLate {
        /// The last day it was allowed.
        last_day: NaiveDate,
    },
}

impl Breach {
    /// The article broken, as printed in the message.
    pub fn article(self) -> &'static str {
        match self {
            Breach::SupplementTooLate { .. } | Breach::RepeatedSupplementNeedsLeader => {
                "Điều 19 khoản 4 Nghị định 61/2018/NĐ-CP"
            }
            Breach::ApologyTooLate { .. } => "Điều 19 khoản 9 Nghị định 61/2018/NĐ-CP",
        }
    }
}

/// Whether a supplement request may be made now, after reception at `received_at`:
/// `earlier_requests` is how many were made before (since reception), `by_leader` whether the
/// officer asking is a leader of the deciding agency. A request before reception (at the desk)
/// is not governed by this rule.
pub fn supplement_request(
    cal: &WorkingCalendar,
    rule: &CountingRule,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
    earlier_requests: u32,
    by_leader: bool,
) -> Result<(), Breach> {
    if earlier_requests > 0 && !by_leader {
        return Err(Breach::RepeatedSupplementNeedsLeader);
    }
    let deadline =
        due_at(cal, rule, received_at, TimeLimit::new(SUPPLEMENT_WITHIN_WORKING_DAYS, TimeUnit::WorkingDays));
    if earlier_requests == 0 && now > deadline {
        return Err(Breach::SupplementTooLate { deadline });
    }
    Ok(())
}

/// Whether the apology and new date may be issued now for a dossier due at `due`: no later
/// than the last working day before the due day.
pub fn apology(cal: &WorkingCalendar, now: DateTime<Utc>, due: DateTime<Utc>) -> Result<(), Breach> {
    let due_day = due.with_timezone(&vn_offset()).date_naive();
    let mut last_day = due_day.pred_opt().unwrap_or(due_day);
    // Bounded: a calendar never has a year of days off in a row.
    for _ in 0..366 {
        if cal.is_working_day(last_day) {
            break;
        }
        last_day = last_day.pred_opt().unwrap_or(last_day);
    }
    if now.with_timezone(&vn_offset()).date_naive() > last_day {
        return Err(Breach::ApologyTooLate { last_day });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cal() -> WorkingCalendar {
        // Monday to Friday; 2 Sep 2026 (Wednesday) a holiday.
        WorkingCalendar::new([NaiveDate::from_ymd_opt(2026, 9, 2).unwrap()], [])
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        vn_offset().with_ymd_and_hms(2026, 9, day, hour, 0, 0).unwrap().with_timezone(&Utc)
    }

    /// Art. 19.4: received Monday 31 Aug 09:00; the three working days are Tue 1, Thu 3 and
    /// Fri 4 Sep (2 Sep off): a request on Friday afternoon is allowed, one on Monday is not.
    #[test]
    fn a_supplement_request_comes_within_three_working_days_of_reception() {
        let rule = CountingRule::default();
        let received = vn_offset().with_ymd_and_hms(2026, 8, 31, 9, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(supplement_request(&cal(), &rule, received, at(4, 16), 0, false), Ok(()));
        let late = supplement_request(&cal(), &rule, received, at(7, 9), 0, false);
        assert!(matches!(late, Err(Breach::SupplementTooLate { deadline }) if deadline == at(4, 17)), "{late:?}");
        assert_eq!(late.unwrap_err().article(), "Điều 19 khoản 4 Nghị định 61/2018/NĐ-CP");
    }

    /// Art. 19.4: everything is asked at once; a second request is the leader's decision.
    #[test]
    fn a_second_supplement_request_needs_the_leader() {
        let rule = CountingRule::default();
        let received = at(1, 9);
        assert_eq!(
            supplement_request(&cal(), &rule, received, at(3, 9), 1, false),
            Err(Breach::RepeatedSupplementNeedsLeader)
        );
        assert_eq!(supplement_request(&cal(), &rule, received, at(3, 9), 1, true), Ok(()));
        // Once a leader decides a second request, the three days no longer bind it.
        assert_eq!(supplement_request(&cal(), &rule, received, at(30, 9), 1, true), Ok(()));
    }

    /// Art. 19.9: due Thursday 3 Sep; the last day for the apology is Tuesday 1 Sep (2 Sep off).
    #[test]
    fn the_apology_comes_at_least_one_working_day_before_the_due_date() {
        let due = at(3, 17);
        assert_eq!(apology(&cal(), at(1, 16), due), Ok(()));
        let late = apology(&cal(), at(2, 9), due);
        assert_eq!(late, Err(Breach::ApologyTooLate { last_day: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap() }));
        assert_eq!(late.unwrap_err().article(), "Điều 19 khoản 9 Nghị định 61/2018/NĐ-CP");
        assert!(apology(&cal(), at(3, 9), due).is_err(), "not on the due day itself");
    }
}
