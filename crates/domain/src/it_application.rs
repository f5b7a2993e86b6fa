//! Ứng dụng công nghệ thông tin — the figures of IT application a province's steering committee
//! reviews each year (issue 13 point 4): procedures by online level, the shares of dossiers
//! received online, paid online, given electronic results and digitised, officers' use of the
//! system, and the electronic office's documents handled electronically.
//!
//! The dossier shares are those of the Decision 766 indicators ([`crate::indicators`]: 3.3, 3.6,
//! 4.1, 4.2), so the two pages never disagree. What this module adds:
//!
//! - **Procedures by level**: each procedure of the catalog counted once, by its online level
//!   (toàn trình — full, một phần — partial, or none).
//! - **Officers' use**: the officers of the scope (reception, specialists, leaders, clerks: the
//!   roles that process; administrators and the steering committee do not), those who acted at
//!   least once in the period, and their actions (dossier history events and electronic-office
//!   events they recorded). Actions per officer per month = actions ÷ officers ÷ months, the
//!   months counted as the share of each calendar month the period covers ([`months_in`]).
//! - **Electronic office** (Decree 30/2020): incoming documents registered in the period, of which
//!   received electronically (from another agency through motcua or in an edXML package) and, of
//!   those registered from paper, scanned (số hóa); outgoing documents issued in the period, of
//!   which issued as a PDF with the agency's digital signature.

use chrono::Datelike;

use crate::catalog::OnlineLevel;
use crate::indicators::Fraction;
use crate::report::Period;

/// Procedures counted by online level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProceduresByLevel {
    /// Toàn trình: online from application to result.
    pub full: u64,
    /// Một phần: applied for online, some steps in person.
    pub partial: u64,
    /// Not online.
    pub offline: u64,
}

impl ProceduresByLevel {
    /// Counts procedures by their levels.
    pub fn count(levels: impl IntoIterator<Item = OnlineLevel>) -> ProceduresByLevel {
        let mut out = ProceduresByLevel::default();
        for level in levels {
            match level {
                OnlineLevel::Full => out.full += 1,
                OnlineLevel::Partial => out.partial += 1,
                OnlineLevel::Offline => out.offline += 1,
            }
        }
        out
    }

    /// Every procedure.
    pub fn total(&self) -> u64 {
        self.full + self.partial + self.offline
    }

    /// The share of procedures at `level` among all.
    pub fn share(&self, level: OnlineLevel) -> Fraction {
        let n = match level {
            OnlineLevel::Full => self.full,
            OnlineLevel::Partial => self.partial,
            OnlineLevel::Offline => self.offline,
        };
        Fraction { numerator: n as f64, denominator: self.total() as f64 }
    }
}

/// How many months a period spans: each calendar month it touches counts for the share of its
/// days the period covers, so a calendar month is 1, a quarter 3, and 1 to 15 March 15 ÷ 31.
pub fn months_in(period: &Period) -> f64 {
    let mut months = 0.0;
    let mut day = period.from;
    while day <= period.to {
        let first = day.with_day(1).unwrap_or(day);
        let next = first.checked_add_months(chrono::Months::new(1)).unwrap_or(period.to);
        let days_in_month = (next - first).num_days().max(1) as f64;
        let last = next.pred_opt().unwrap_or(next).min(period.to);
        months += ((last - day).num_days() + 1) as f64 / days_in_month;
        match last.succ_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    months
}

/// Officers' use of the system in a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OfficerUse {
    /// Officers who process (reception, specialists, leaders, clerks).
    pub officers: u64,
    /// Of whom at least one action in the period.
    pub active: u64,
    /// Events they recorded in dossiers' histories.
    pub dossier_actions: u64,
    /// Events they recorded in the electronic office's documents.
    pub office_actions: u64,
}

impl OfficerUse {
    /// Every action.
    pub fn actions(&self) -> u64 {
        self.dossier_actions + self.office_actions
    }

    /// Actions per officer per month over `months`; `None` without officers or months.
    pub fn per_officer_per_month(&self, months: f64) -> Option<f64> {
        (self.officers > 0 && months > 0.0).then(|| self.actions() as f64 / self.officers as f64 / months)
    }

    /// The share of officers who acted at least once.
    pub fn active_share(&self) -> Fraction {
        Fraction { numerator: self.active as f64, denominator: self.officers as f64 }
    }
}

impl std::ops::AddAssign for OfficerUse {
    fn add_assign(&mut self, o: OfficerUse) {
        self.officers += o.officers;
        self.active += o.active;
        self.dossier_actions += o.dossier_actions;
        self.office_actions += o.office_actions;
    }
}

/// The electronic office's documents of a period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OfficeDocuments {
    /// Incoming documents registered in the period.
    pub incoming: u64,
    /// Of which received electronically: from another agency through motcua, or in an edXML
    /// package from another system.
    pub incoming_electronic: u64,
    /// Of those registered from paper, scanned.
    pub incoming_digitised: u64,
    /// Outgoing documents issued (numbered) in the period.
    pub outgoing_issued: u64,
    /// Of which issued as a PDF signed with the agency's digital signature.
    pub outgoing_signed: u64,
}

impl OfficeDocuments {
    /// Incoming documents registered from paper.
    pub fn incoming_paper(&self) -> u64 {
        self.incoming.saturating_sub(self.incoming_electronic)
    }

    /// Received electronically among those registered.
    pub fn electronic_share(&self) -> Fraction {
        Fraction { numerator: self.incoming_electronic as f64, denominator: self.incoming as f64 }
    }

    /// Scanned among those registered from paper.
    pub fn digitised_share(&self) -> Fraction {
        Fraction { numerator: self.incoming_digitised as f64, denominator: self.incoming_paper() as f64 }
    }

    /// Digitally signed among those issued.
    pub fn signed_share(&self) -> Fraction {
        Fraction { numerator: self.outgoing_signed as f64, denominator: self.outgoing_issued as f64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::Unit;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn period(from: NaiveDate, to: NaiveDate) -> Period {
        Period::new(from, to).unwrap()
    }

    #[test]
    fn a_month_is_one_and_part_of_a_month_its_share_of_days() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(months_in(&period(day(2027, 3, 1), day(2027, 3, 31))), 1.0));
        assert!(close(months_in(&period(day(2027, 2, 1), day(2027, 2, 28))), 1.0));
        assert!(close(months_in(&period(day(2027, 1, 1), day(2027, 3, 31))), 3.0));
        assert!(close(months_in(&period(day(2027, 1, 1), day(2027, 12, 31))), 12.0));
        assert!(close(months_in(&period(day(2027, 3, 1), day(2027, 3, 15))), 15.0 / 31.0));
        // 16 to 31 January and 1 to 14 February.
        assert!(close(months_in(&period(day(2027, 1, 16), day(2027, 2, 14))), 16.0 / 31.0 + 14.0 / 28.0));
        assert!(close(months_in(&period(day(2028, 2, 29), day(2028, 2, 29))), 1.0 / 29.0));
    }

    #[test]
    fn officers_use_is_actions_over_officers_over_months() {
        let u = OfficerUse { officers: 4, active: 3, dossier_actions: 4, office_actions: 2 };
        assert_eq!(u.actions(), 6);
        assert_eq!(u.per_officer_per_month(1.0), Some(1.5));
        assert_eq!(u.per_officer_per_month(3.0), Some(0.5));
        assert_eq!(u.active_share().value(Unit::Percent), Some(75.0));
        assert_eq!(OfficerUse::default().per_officer_per_month(1.0), None);
        let mut sum = u;
        sum += u;
        assert_eq!((sum.officers, sum.actions()), (8, 12));
    }

    #[test]
    fn procedures_and_documents_count_each_once() {
        let levels = [OnlineLevel::Full, OnlineLevel::Partial, OnlineLevel::Full, OnlineLevel::Offline];
        let p = ProceduresByLevel::count(levels);
        assert_eq!((p.full, p.partial, p.offline, p.total()), (2, 1, 1, 4));
        assert_eq!(p.share(OnlineLevel::Full).value(Unit::Percent), Some(50.0));
        let d = OfficeDocuments {
            incoming: 4,
            incoming_electronic: 2,
            incoming_digitised: 1,
            outgoing_issued: 2,
            outgoing_signed: 1,
        };
        assert_eq!(d.incoming_paper(), 2);
        assert_eq!(d.electronic_share().value(Unit::Percent), Some(50.0));
        assert_eq!(d.digitised_share().value(Unit::Percent), Some(50.0));
        assert_eq!(d.signed_share().value(Unit::Percent), Some(50.0));
        assert_eq!(OfficeDocuments::default().signed_share().value(Unit::Percent), None);
    }
}
