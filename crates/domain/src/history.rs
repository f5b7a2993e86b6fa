//! What a dossier's history records beyond the action itself, as facts rather than sentences:
//! the reader's language words them (the Vietnamese page, the English API, the printed control
//! slip each say the same fact their own way), and the facts stay machine-readable for reports.

use serde::{Deserialize, Serialize};

/// A fact recorded with an event. The note beside it stays what a person wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fact {
    /// Received from the applicant in person at the one-stop desk.
    AtDesk,
    /// The fee taken in cash at the desk.
    PaidCash {
        /// Amount in đồng.
        amount_vnd: i64,
    },
    /// The fee paid online; the event's actor is the gateway.
    PaidOnline {
        /// The gateway's configured name.
        gateway: String,
        /// Amount in đồng.
        amount_vnd: i64,
        /// The transaction reference sent to the gateway.
        txn_ref: String,
        /// The paying bank, as the gateway named it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bank_code: Option<String>,
    },
    /// The current step given to a specialist.
    Assigned {
        /// Their account.
        user_id: i64,
        /// Their name at the time.
        name: String,
    },
}

impl Fact {
    /// The fact as stored: compact JSON, stable for the audit hash.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a fact always serialises")
    }

    /// A stored fact; `None` for one this version does not know (written by a newer one).
    pub fn from_json(s: &str) -> Option<Fact> {
        serde_json::from_str(s).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_round_trip_through_their_stored_form() {
        let facts = [
            Fact::AtDesk,
            Fact::PaidCash { amount_vnd: 50_000 },
            Fact::PaidOnline { gateway: "vnpay".into(), amount_vnd: 2_000, txn_ref: "T1".into(), bank_code: None },
            Fact::Assigned { user_id: 7, name: "Trần Thị Bình".into() },
        ];
        for f in facts {
            assert_eq!(Fact::from_json(&f.to_json()), Some(f.clone()), "{}", f.to_json());
        }
        assert_eq!(Fact::AtDesk.to_json(), r#"{"kind":"at_desk"}"#);
        assert_eq!(Fact::from_json(r#"{"kind":"from_the_future"}"#), None);
    }
}
