//! Fees and charges (phí, lệ phí) of a procedure: a schedule that is either a fixed amount or
//! computed from the application's answers, and when it must be paid (DESIGN.md section 7).
//!
//! The amount is decided here once, from the answers given; the portal shows it before the
//! applicant submits, the dossier keeps it, and the payment gateway must confirm exactly it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::form::{FieldType, FormField};

/// When the fee must be paid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentTiming {
    /// Before processing continues: a dossier received unpaid waits in `payment_requested`
    /// (national status 6, Yêu cầu thực hiện nghĩa vụ tài chính).
    #[default]
    BeforeProcessing,
    /// When the result is handed over: the result is not returned before it is paid.
    AtReturn,
}

impl PaymentTiming {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentTiming::BeforeProcessing => "before_processing",
            PaymentTiming::AtReturn => "at_return",
        }
    }
}

/// One rule of a fee schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FeeRule {
    /// When a select field has this value, this amount replaces the base amount (reduced fees,
    /// exemptions). The first matching rule wins.
    Option {
        /// The select field.
        field: String,
        /// The option's value.
        value: String,
        /// The amount instead of the base one.
        amount_vnd: i64,
    },
    /// An amount for each unit counted by a number field, from unit `from` (1-based) up to unit
    /// `to` when given: e.g. "from the 3rd certificate on, 5,000 đồng each".
    PerUnit {
        /// The number field.
        field: String,
        /// The first unit charged.
        from: u32,
        /// The last unit charged at this rate.
        #[serde(default)]
        to: Option<u32>,
        /// The amount per unit.
        amount_vnd: i64,
    },
}

/// A procedure's fee schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeSchedule {
    /// The amount when no option rule applies.
    pub base_vnd: i64,
    /// Rules depending on the answers.
    #[serde(default)]
    pub rules: Vec<FeeRule>,
    /// A ceiling, when the regulation sets one: on the amount of one copy when `copies` is set,
    /// on the total otherwise.
    #[serde(default)]
    pub max_vnd: Option<i64>,
    /// The number field counting copies, when the amount above (ceiling included) is the fee of
    /// one copy and is charged once per copy. Certified copies are charged by the page with a
    /// ceiling per copy, times the number of copies (Circular 226/2016/TT-BTC as amended; the
    /// article is to be checked).
    #[serde(default)]
    pub copies: Option<String>,
    /// When it is paid.
    #[serde(default)]
    pub timing: PaymentTiming,
}

impl FeeSchedule {
    /// A fixed fee, paid before processing.
    pub fn fixed(amount_vnd: i64) -> FeeSchedule {
        FeeSchedule { base_vnd: amount_vnd, ..FeeSchedule::default() }
    }

    /// Whether the amount depends on the answers.
    pub fn depends_on_answers(&self) -> bool {
        !self.rules.is_empty() || self.copies.is_some()
    }
}

/// One line of a fee quote, language-free: the web edge names it with the form's labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeeLine {
    /// The base amount.
    Base {
        /// Amount.
        amount_vnd: i64,
    },
    /// The amount of the chosen option, instead of the base.
    Option {
        /// The select field.
        field: String,
        /// The chosen value.
        value: String,
        /// Amount.
        amount_vnd: i64,
    },
    /// Units charged at a per-unit rate.
    Units {
        /// The number field.
        field: String,
        /// The first unit charged.
        from: u32,
        /// How many units are charged.
        count: u32,
        /// Rate.
        unit_vnd: i64,
        /// Amount (count × rate).
        amount_vnd: i64,
    },
    /// The ceiling brought the total (or one copy's amount) down by this much (negative amount).
    Cap {
        /// The reduction, negative.
        amount_vnd: i64,
    },
    /// The fee of one copy, charged for each copy counted by a number field.
    Copies {
        /// The number field.
        field: String,
        /// How many copies.
        count: u32,
        /// The lines of one copy; they add up to `per_copy_vnd`.
        per_copy: Vec<FeeLine>,
        /// The amount of one copy.
        per_copy_vnd: i64,
        /// Amount (count × the amount of one copy).
        amount_vnd: i64,
    },
}

impl FeeLine {
    /// The line's amount.
    pub fn amount_vnd(&self) -> i64 {
        match self {
            FeeLine::Base { amount_vnd }
            | FeeLine::Option { amount_vnd, .. }
            | FeeLine::Units { amount_vnd, .. }
            | FeeLine::Cap { amount_vnd }
            | FeeLine::Copies { amount_vnd, .. } => *amount_vnd,
        }
    }
}

/// The fee for one set of answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeeQuote {
    /// The lines, in order; they add up to the total.
    pub lines: Vec<FeeLine>,
    /// What the applicant pays, in đồng.
    pub total_vnd: i64,
    /// When.
    pub timing: PaymentTiming,
}

/// A count read from a number answer: whole, non-negative, absent or unreadable as zero. The
/// form validation has already refused a malformed number before a fee is decided for real.
fn count(answers: &Map<String, Value>, field: &str) -> u32 {
    let n = match answers.get(field) {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s.trim().replace(',', ".").parse().unwrap_or(0.0),
        _ => 0.0,
    };
    if n.is_finite() && n > 0.0 {
        n.floor().min(f64::from(u32::MAX)) as u32
    } else {
        0
    }
}

/// Computes the fee for the given answers.
pub fn quote(schedule: &FeeSchedule, answers: &Map<String, Value>) -> FeeQuote {
    let mut lines = Vec::new();
    let chosen = schedule.rules.iter().find_map(|r| match r {
        FeeRule::Option { field, value, amount_vnd }
            if answers.get(field).and_then(Value::as_str).is_some_and(|a| a == value) =>
        {
            Some(FeeLine::Option { field: field.clone(), value: value.clone(), amount_vnd: *amount_vnd })
        }
        _ => None,
    });
    lines.push(chosen.unwrap_or(FeeLine::Base { amount_vnd: schedule.base_vnd }));
    for r in &schedule.rules {
        if let FeeRule::PerUnit { field, from, to, amount_vnd } = r {
            let n = count(answers, field);
            let last = to.map_or(n, |t| n.min(t));
            let charged = last.saturating_sub(from.saturating_sub(1));
            if charged > 0 {
                lines.push(FeeLine::Units {
                    field: field.clone(),
                    from: *from,
                    count: charged,
                    unit_vnd: *amount_vnd,
                    amount_vnd: amount_vnd.saturating_mul(i64::from(charged)),
                });
            }
        }
    }
    let sum = total(&lines);
    if let Some(max) = schedule.max_vnd.filter(|m| sum > *m) {
        lines.push(FeeLine::Cap { amount_vnd: max - sum });
    }
    if let Some(field) = &schedule.copies {
        let copies = count(answers, field);
        let per_copy_vnd = total(&lines);
        lines = vec![FeeLine::Copies {
            field: field.clone(),
            count: copies,
            per_copy: lines,
            per_copy_vnd,
            amount_vnd: per_copy_vnd.saturating_mul(i64::from(copies)),
        }];
    }
    FeeQuote { total_vnd: total(&lines), lines, timing: schedule.timing }
}

fn total(lines: &[FeeLine]) -> i64 {
    lines.iter().fold(0i64, |a, l| a.saturating_add(l.amount_vnd()))
}

/// What is wrong with a fee schedule against its form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeeProblem {
    /// An amount below zero.
    #[error("negative amount")]
    NegativeAmount,
    /// A rule names a field the form does not have, or one of the wrong type.
    #[error("rule on field {0}: no such field of the right type")]
    NoSuchField(String),
    /// An option rule names a value the select field does not offer.
    #[error("field {0} has no option {1}")]
    NoSuchOption(String, String),
    /// A per-unit range that ends before it starts, or starts at 0.
    #[error("per-unit range on field {0} is empty")]
    EmptyRange(String),
}

/// Checks a schedule against the form it reads answers from; every problem at once.
pub fn validate(schedule: &FeeSchedule, form: &[FormField]) -> Vec<FeeProblem> {
    let mut out = Vec::new();
    let field = |key: &str, kind: FieldType| form.iter().find(|f| f.key == key && f.kind == kind);
    if schedule.base_vnd < 0 || schedule.max_vnd.is_some_and(|m| m < 0) {
        out.push(FeeProblem::NegativeAmount);
    }
    if let Some(key) = &schedule.copies {
        if field(key, FieldType::Number).is_none() {
            out.push(FeeProblem::NoSuchField(key.clone()));
        }
    }
    for r in &schedule.rules {
        match r {
            FeeRule::Option { field: key, value, amount_vnd } => {
                if *amount_vnd < 0 {
                    out.push(FeeProblem::NegativeAmount);
                }
                match field(key, FieldType::Select) {
                    None => out.push(FeeProblem::NoSuchField(key.clone())),
                    Some(f) if !f.options.iter().any(|o| o.value == *value) => {
                        out.push(FeeProblem::NoSuchOption(key.clone(), value.clone()))
                    }
                    Some(_) => {}
                }
            }
            FeeRule::PerUnit { field: key, from, to, amount_vnd } => {
                if *amount_vnd < 0 {
                    out.push(FeeProblem::NegativeAmount);
                }
                if field(key, FieldType::Number).is_none() {
                    out.push(FeeProblem::NoSuchField(key.clone()));
                }
                if *from == 0 || to.is_some_and(|t| t < *from) {
                    out.push(FeeProblem::EmptyRange(key.clone()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The judicial record certificate (Circular 244/2016/TT-BTC): 200,000 đồng; students
    /// 100,000; exempt groups nothing; from the 3rd certificate on, 5,000 đồng each.
    fn judicial_record() -> FeeSchedule {
        FeeSchedule {
            base_vnd: 200_000,
            rules: vec![
                FeeRule::Option { field: "doi_tuong".into(), value: "giam".into(), amount_vnd: 100_000 },
                FeeRule::Option { field: "doi_tuong".into(), value: "mien".into(), amount_vnd: 0 },
                FeeRule::PerUnit { field: "so_luong".into(), from: 3, to: None, amount_vnd: 5_000 },
            ],
            max_vnd: None,
            copies: None,
            timing: PaymentTiming::BeforeProcessing,
        }
    }

    fn answers(v: serde_json::Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn the_base_amount_applies_without_a_matching_option() {
        let q = quote(&judicial_record(), &answers(json!({"doi_tuong": "thuong", "so_luong": 1})));
        assert_eq!(q.total_vnd, 200_000);
        assert_eq!(q.lines, vec![FeeLine::Base { amount_vnd: 200_000 }]);
    }

    #[test]
    fn an_option_replaces_the_base_and_units_add_up_from_their_first() {
        let q = quote(&judicial_record(), &answers(json!({"doi_tuong": "giam", "so_luong": 4})));
        assert_eq!(q.total_vnd, 100_000 + 2 * 5_000);
        assert!(matches!(q.lines[1], FeeLine::Units { count: 2, from: 3, .. }));
        let free = quote(&judicial_record(), &answers(json!({"doi_tuong": "mien", "so_luong": "2"})));
        assert_eq!(free.total_vnd, 0);
    }

    /// Certified copies from originals (Circular 226/2016/TT-BTC as amended): 2,000 đồng a page
    /// for pages 1–2, 1,000 from the 3rd, at most 200,000 a copy, times the copies.
    fn certified_copy() -> FeeSchedule {
        FeeSchedule {
            base_vnd: 0,
            rules: vec![
                FeeRule::PerUnit { field: "so_trang".into(), from: 1, to: Some(2), amount_vnd: 2_000 },
                FeeRule::PerUnit { field: "so_trang".into(), from: 3, to: None, amount_vnd: 1_000 },
            ],
            max_vnd: Some(200_000),
            copies: Some("so_ban_sao".into()),
            timing: PaymentTiming::BeforeProcessing,
        }
    }

    fn copies_total(pages: i64, copies: i64) -> i64 {
        quote(&certified_copy(), &answers(json!({"so_trang": pages, "so_ban_sao": copies}))).total_vnd
    }

    #[test]
    fn certified_copies_count_pages_in_tiers_and_multiply_by_the_copies() {
        assert_eq!(copies_total(1, 1), 2_000);
        assert_eq!(copies_total(2, 1), 4_000);
        assert_eq!(copies_total(5, 1), 2 * 2_000 + 3 * 1_000);
        assert_eq!(copies_total(5, 2), 14_000, "5 pages × 2 copies");
        assert_eq!(copies_total(300, 1), 200_000, "capped per copy");
        assert_eq!(copies_total(300, 3), 600_000, "the ceiling is per copy, not on the total");
        assert_eq!(copies_total(5, 0), 0);
        assert_eq!(copies_total(-4, 2), 0);
        let q = quote(&certified_copy(), &answers(json!({"so_trang": "5", "so_ban_sao": "2"})));
        assert_eq!(
            q.lines,
            vec![FeeLine::Copies {
                field: "so_ban_sao".into(),
                count: 2,
                per_copy: vec![
                    FeeLine::Base { amount_vnd: 0 },
                    FeeLine::Units { field: "so_trang".into(), from: 1, count: 2, unit_vnd: 2_000, amount_vnd: 4_000 },
                    FeeLine::Units { field: "so_trang".into(), from: 3, count: 3, unit_vnd: 1_000, amount_vnd: 3_000 },
                ],
                per_copy_vnd: 7_000,
                amount_vnd: 14_000,
            }]
        );
    }

    #[test]
    fn without_copies_the_ceiling_is_on_the_total() {
        let s = FeeSchedule { copies: None, ..certified_copy() };
        assert_eq!(quote(&s, &answers(json!({"so_trang": 5, "so_ban_sao": 2}))).total_vnd, 7_000);
        let big = quote(&s, &answers(json!({"so_trang": 1000})));
        assert_eq!(big.total_vnd, 200_000);
        assert_eq!(big.lines.last(), Some(&FeeLine::Cap { amount_vnd: 200_000 - (4_000 + 998_000) }));
    }

    proptest::proptest! {
        /// The certified-copy fee agrees with the tariff written as arithmetic, and the lines of
        /// the quote, and of one copy, add up to their amounts.
        #[test]
        fn the_certified_copy_fee_is_the_tariff_times_the_copies(pages in 0i64..5_000, copies in 0i64..100) {
            let one = (2_000 * pages.min(2) + 1_000 * (pages - 2).max(0)).min(200_000);
            let q = quote(&certified_copy(), &answers(json!({"so_trang": pages, "so_ban_sao": copies})));
            proptest::prop_assert_eq!(q.total_vnd, one * copies);
            proptest::prop_assert_eq!(q.lines.iter().map(FeeLine::amount_vnd).sum::<i64>(), q.total_vnd);
            let [FeeLine::Copies { per_copy, per_copy_vnd, count, .. }] = q.lines.as_slice() else {
                return Err(proptest::test_runner::TestCaseError::fail("one line for the copies"));
            };
            proptest::prop_assert_eq!(*per_copy_vnd, one);
            proptest::prop_assert_eq!(i64::from(*count), copies);
            proptest::prop_assert_eq!(per_copy.iter().map(FeeLine::amount_vnd).sum::<i64>(), one);
        }
    }

    #[test]
    fn validation_names_every_problem() {
        let form: Vec<FormField> = serde_json::from_value(json!([
            {"key": "doi_tuong", "label": "Đối tượng", "type": "select", "required": true,
             "options": [{"value": "giam", "label": "Giảm"}]},
            {"key": "so_luong", "label": "Số lượng", "type": "number", "required": true, "options": []}
        ]))
        .unwrap();
        let problems = validate(&judicial_record(), &form);
        assert_eq!(problems, vec![FeeProblem::NoSuchOption("doi_tuong".into(), "mien".into())]);
        let bad = FeeSchedule {
            base_vnd: -1,
            rules: vec![FeeRule::PerUnit { field: "doi_tuong".into(), from: 0, to: None, amount_vnd: 1 }],
            copies: Some("so_ban".into()),
            ..FeeSchedule::default()
        };
        assert_eq!(
            validate(&bad, &form),
            vec![
                FeeProblem::NegativeAmount,
                FeeProblem::NoSuchField("so_ban".into()),
                FeeProblem::NoSuchField("doi_tuong".into()),
                FeeProblem::EmptyRange("doi_tuong".into())
            ]
        );
        let counted = FeeSchedule { copies: Some("so_luong".into()), ..FeeSchedule::default() };
        assert_eq!(validate(&counted, &form), vec![], "copies counted by a number field");
        let by_select = FeeSchedule { copies: Some("doi_tuong".into()), ..FeeSchedule::default() };
        assert_eq!(validate(&by_select, &form), vec![FeeProblem::NoSuchField("doi_tuong".into())]);
    }
}
