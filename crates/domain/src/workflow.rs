//! Workflows (quy trình nội bộ) as data: the ordered steps a procedure's dossiers go through,
//! configured per procedure version by an administrator.
//!
//! A step names the agency and role that act, a time allotment, the consultations (xin ý kiến)
//! sent in parallel to other agencies, and where the dossier may go next. Steps of different
//! agencies one after another are an inter-agency hand-off (liên thông); consultations are the
//! parallel form with the step's agency as lead. Sending back may return to any earlier step.
//! [`validate`] refuses a workflow whose allotments exceed the procedure's limit, whose steps
//! cannot all be reached, or that names agencies that do not exist.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::actor::Role;
use crate::calendar::{OfficeHours, TimeLimit, TimeUnit};

/// One step of a workflow: who acts, in which agency, for how long, and what follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// A short identifier unique in the workflow, used by `next`; filled in by
    /// [`with_keys`] when left empty.
    #[serde(default)]
    pub key: String,
    /// Code of the agency whose officers act at this step.
    pub agency: String,
    /// The role that acts at this step.
    pub role: Role,
    /// A short name shown in queues and the control slip, e.g. "Thẩm định".
    pub name: String,
    /// How long the step may take (working days, half-days or hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allotment: Option<TimeLimit>,
    /// Opinions asked of other agencies, in parallel, when the dossier reaches this step; the
    /// step cannot be finished until all are answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consultations: Vec<Consultation>,
    /// Keys of the steps the dossier may be forwarded to. Absent: the following step (none
    /// after the last). Empty: this step issues the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Vec<String>>,
}

impl Step {
    /// A step with no allotment, consultation or branching: the common case.
    pub fn simple(agency: &str, role: Role, name: &str) -> Step {
        Step {
            key: String::new(),
            agency: agency.to_string(),
            role,
            name: name.to_string(),
            allotment: None,
            consultations: Vec::new(),
            next: None,
        }
    }
}

/// An opinion asked of another agency at a step (xin ý kiến), with its own deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consultation {
    /// The consulted agency.
    pub agency: String,
    /// The role there that answers (a specialist unless said otherwise).
    #[serde(default = "specialist")]
    pub role: Role,
    /// How long the consulted agency has to answer.
    pub allotment: TimeLimit,
}

fn specialist() -> Role {
    Role::Specialist
}

/// The default workflow of a procedure: the lead agency's specialist appraises, its leader
/// approves and issues the result.
pub fn default_workflow(lead_agency: &str) -> Vec<Step> {
    with_keys(vec![
        Step::simple(lead_agency, Role::Specialist, "Thẩm định"),
        Step::simple(lead_agency, Role::Leader, "Phê duyệt"),
    ])
}

/// Fills empty step keys with "b1", "b2", … (bước — step) by position, so stored and imported
/// workflows can always be referred to by key.
pub fn with_keys(mut steps: Vec<Step>) -> Vec<Step> {
    let taken: BTreeSet<String> = steps.iter().map(|s| s.key.clone()).collect();
    for (i, s) in steps.iter_mut().enumerate() {
        if s.key.trim().is_empty() {
            let mut n = i + 1;
            while taken.contains(&format!("b{n}")) {
                n += 100;
            }
            s.key = format!("b{n}");
        }
    }
    steps
}

/// The steps a dossier at step `i` may be forwarded to, by index. Empty: step `i` issues the
/// result. Unknown keys are ignored here ([`validate`] refuses them).
pub fn next_steps(steps: &[Step], i: usize) -> Vec<usize> {
    let Some(step) = steps.get(i) else { return Vec::new() };
    match &step.next {
        None => (i + 1 < steps.len()).then_some(i + 1).into_iter().collect(),
        Some(keys) => keys.iter().filter_map(|k| steps.iter().position(|s| s.key == *k)).collect(),
    }
}

/// Whether step `i` is a last step, where the result is issued.
pub fn is_last(steps: &[Step], i: usize) -> bool {
    next_steps(steps, i).is_empty()
}

/// What is wrong with a workflow; each names the step (by key) it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum WorkflowProblem {
    /// A workflow needs at least one step.
    NoSteps,
    /// Two steps share a key.
    DuplicateKey { step: String },
    /// A step without a name.
    MissingName { step: String },
    /// A step or consultation names an agency that does not exist.
    UnknownAgency { step: String, agency: String },
    /// Only reception, specialists, leaders and clerks act in workflows.
    RoleCannotAct { step: String },
    /// `next` names a key no step has.
    UnknownNext { step: String, next: String },
    /// `next` must point to a later step; going back is what "send back" is for.
    NextNotForward { step: String, next: String },
    /// No path from the first step reaches this step.
    Unreachable { step: String },
    /// Allotments are counted in working days, half-days or hours, and are not zero.
    BadAllotment { step: String },
    /// A consultation may not take longer than the step that asks for it.
    ConsultationTooLong { step: String, agency: String },
    /// The longest path's allotments add up to more than the procedure's time limit.
    ExceedsLimit { total_minutes: i64, limit_minutes: i64 },
}

impl WorkflowProblem {
    /// The stable code, for messages and the API.
    pub fn code(&self) -> &'static str {
        match self {
            WorkflowProblem::NoSteps => "no_steps",
            WorkflowProblem::DuplicateKey { .. } => "duplicate_key",
            WorkflowProblem::MissingName { .. } => "missing_name",
            WorkflowProblem::UnknownAgency { .. } => "unknown_agency",
            WorkflowProblem::RoleCannotAct { .. } => "role_cannot_act",
            WorkflowProblem::UnknownNext { .. } => "unknown_next",
            WorkflowProblem::NextNotForward { .. } => "next_not_forward",
            WorkflowProblem::Unreachable { .. } => "unreachable",
            WorkflowProblem::BadAllotment { .. } => "bad_allotment",
            WorkflowProblem::ConsultationTooLong { .. } => "consultation_too_long",
            WorkflowProblem::ExceedsLimit { .. } => "exceeds_limit",
        }
    }
}

/// Office minutes a limit stands for, to compare allotments in different units with the
/// procedure's limit. Calendar days count as their weekdays (⌊N × 5 / 7⌋ working days) and a
/// month as 22 working days: holidays are not known in advance, so this is the most a workflow
/// can plan for.
pub fn office_minutes(limit: TimeLimit, hours: &OfficeHours) -> i64 {
    let day = hours.daily_office_time().num_minutes();
    let n = i64::from(limit.amount);
    match limit.unit {
        TimeUnit::WorkingDays => n * day,
        TimeUnit::HalfDays => n * day / 2,
        TimeUnit::Hours => n * 60,
        TimeUnit::Days => n * 5 / 7 * day,
        TimeUnit::Months => n * 22 * day,
    }
}

fn allotment_ok(limit: &TimeLimit) -> bool {
    limit.amount > 0 && matches!(limit.unit, TimeUnit::WorkingDays | TimeUnit::HalfDays | TimeUnit::Hours)
}

/// Checks a workflow against the procedure's time limit and the known agencies. Every problem
/// is reported at once, so an administrator can fix them all in one go.
pub fn validate(
    steps: &[Step],
    limit: TimeLimit,
    hours: &OfficeHours,
    agency_exists: impl Fn(&str) -> bool,
) -> Vec<WorkflowProblem> {
    use WorkflowProblem as P;
    let mut problems = Vec::new();
    if steps.is_empty() {
        return vec![P::NoSteps];
    }
    let mut seen = BTreeSet::new();
    for s in steps {
        let step = s.key.clone();
        if !seen.insert(s.key.as_str()) {
            problems.push(P::DuplicateKey { step: step.clone() });
        }
        if s.name.trim().is_empty() {
            problems.push(P::MissingName { step: step.clone() });
        }
        if !agency_exists(&s.agency) {
            problems.push(P::UnknownAgency { step: step.clone(), agency: s.agency.clone() });
        }
        if !matches!(s.role, Role::Reception | Role::Specialist | Role::Leader | Role::Clerk) {
            problems.push(P::RoleCannotAct { step: step.clone() });
        }
        if s.allotment.is_some_and(|a| !allotment_ok(&a)) {
            problems.push(P::BadAllotment { step: step.clone() });
        }
        for c in &s.consultations {
            if !agency_exists(&c.agency) {
                problems.push(P::UnknownAgency { step: step.clone(), agency: c.agency.clone() });
            }
            if !allotment_ok(&c.allotment) || !matches!(c.role, Role::Specialist | Role::Leader) {
                problems.push(P::BadAllotment { step: step.clone() });
            } else if s.allotment.is_some_and(|a| office_minutes(c.allotment, hours) > office_minutes(a, hours)) {
                problems.push(P::ConsultationTooLong { step: step.clone(), agency: c.agency.clone() });
            }
        }
    }
    let index: BTreeMap<&str, usize> = steps.iter().enumerate().map(|(i, s)| (s.key.as_str(), i)).collect();
    for (i, s) in steps.iter().enumerate() {
        for k in s.next.iter().flatten() {
            match index.get(k.as_str()) {
                None => problems.push(P::UnknownNext { step: s.key.clone(), next: k.clone() }),
                Some(&j) if j <= i => problems.push(P::NextNotForward { step: s.key.clone(), next: k.clone() }),
                Some(_) => {}
            }
        }
    }
    // Forward edges only go to later steps, so one pass in order finds what is reachable and
    // the longest (most allotted) path to each step.
    let minutes = |s: &Step| s.allotment.map_or(0, |a| office_minutes(a, hours));
    let mut longest: Vec<Option<i64>> = vec![None; steps.len()];
    longest[0] = Some(minutes(&steps[0]));
    for i in 0..steps.len() {
        let Some(here) = longest[i] else {
            problems.push(P::Unreachable { step: steps[i].key.clone() });
            continue;
        };
        for j in next_steps(steps, i).into_iter().filter(|&j| j > i) {
            let via = here + minutes(&steps[j]);
            longest[j] = Some(longest[j].map_or(via, |l| l.max(via)));
        }
    }
    let total = (0..steps.len()).filter(|&i| is_last(steps, i)).filter_map(|i| longest[i]).max().unwrap_or(0);
    let limit_minutes = office_minutes(limit, hours);
    if total > limit_minutes {
        problems.push(P::ExceedsLimit { total_minutes: total, limit_minutes });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "000.00.12.H38";
    const B: &str = "000.00.13.H38";

    fn known(code: &str) -> bool {
        code == A || code == B
    }

    fn days(n: u32) -> Option<TimeLimit> {
        Some(TimeLimit::new(n, TimeUnit::WorkingDays))
    }

    fn two_agency() -> Vec<Step> {
        let mut steps = vec![
            Step { allotment: days(3), ..Step::simple(A, Role::Specialist, "Thẩm định") },
            Step { allotment: days(2), ..Step::simple(B, Role::Specialist, "Liên thông") },
            Step { allotment: days(1), ..Step::simple(A, Role::Leader, "Phê duyệt") },
        ];
        steps[0].consultations.push(Consultation {
            agency: B.into(),
            role: Role::Specialist,
            allotment: TimeLimit::new(2, TimeUnit::WorkingDays),
        });
        with_keys(steps)
    }

    #[test]
    fn a_sound_two_agency_workflow_passes() {
        let wf = two_agency();
        assert_eq!(validate(&wf, TimeLimit::new(6, TimeUnit::WorkingDays), &OfficeHours::default(), known), vec![]);
        assert_eq!(next_steps(&wf, 0), vec![1]);
        assert!(is_last(&wf, 2));
    }

    #[test]
    fn allotments_beyond_the_limit_are_refused() {
        let p = validate(&two_agency(), TimeLimit::new(5, TimeUnit::WorkingDays), &OfficeHours::default(), known);
        assert_eq!(p, vec![WorkflowProblem::ExceedsLimit { total_minutes: 6 * 450, limit_minutes: 5 * 450 }]);
        // Half-days and hours are compared in office time: 2 half-days = 1 working day.
        let mut wf = two_agency();
        wf[2].allotment = Some(TimeLimit::new(2, TimeUnit::HalfDays));
        assert!(validate(&wf, TimeLimit::new(6, TimeUnit::WorkingDays), &OfficeHours::default(), known).is_empty());
        wf[2].allotment = Some(TimeLimit::new(8, TimeUnit::Hours));
        assert_eq!(validate(&wf, TimeLimit::new(6, TimeUnit::WorkingDays), &OfficeHours::default(), known).len(), 1);
    }

    #[test]
    fn a_step_nothing_leads_to_is_unreachable() {
        let mut wf = two_agency();
        wf[0].next = Some(vec!["b3".into()]);
        let p = validate(&wf, TimeLimit::new(30, TimeUnit::Days), &OfficeHours::default(), known);
        assert_eq!(p, vec![WorkflowProblem::Unreachable { step: "b2".into() }]);
        // A branch that may skip a step keeps it reachable, and the longest branch counts.
        wf[0].next = Some(vec!["b2".into(), "b3".into()]);
        assert!(validate(&wf, TimeLimit::new(6, TimeUnit::WorkingDays), &OfficeHours::default(), known).is_empty());
        assert_eq!(next_steps(&wf, 0), vec![1, 2]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut wf = two_agency();
        wf[1].key = "b1".into();
        wf[1].name = " ".into();
        wf[2].agency = "nowhere".into();
        wf[2].role = Role::Citizen;
        wf[0].consultations[0].allotment = TimeLimit::new(5, TimeUnit::WorkingDays);
        wf[2].next = Some(vec!["b1".into(), "zz".into()]);
        let codes: Vec<_> = validate(&wf, TimeLimit::new(30, TimeUnit::WorkingDays), &OfficeHours::default(), known)
            .iter()
            .map(WorkflowProblem::code)
            .collect();
        for code in [
            "duplicate_key",
            "missing_name",
            "unknown_agency",
            "role_cannot_act",
            "consultation_too_long",
            "next_not_forward",
            "unknown_next",
        ] {
            assert!(codes.contains(&code), "{code} missing from {codes:?}");
        }
        assert_eq!(
            validate(&[], TimeLimit::new(1, TimeUnit::Days), &OfficeHours::default(), known),
            vec![WorkflowProblem::NoSteps]
        );
    }

    #[test]
    fn keys_are_filled_without_clashing() {
        let mut wf = two_agency();
        wf[0].key = String::new();
        wf[1].key = "b1".into();
        wf[2].key = String::new();
        let wf = with_keys(wf);
        let keys: BTreeSet<_> = wf.iter().map(|s| s.key.clone()).collect();
        assert_eq!(keys.len(), 3);
    }

    #[test]
    fn stored_steps_of_earlier_versions_still_load() {
        let old = r#"[{"agency":"000.00.12.H38","role":"specialist","name":"Thẩm định"}]"#;
        let steps: Vec<Step> = serde_json::from_str(old).unwrap();
        assert_eq!(steps[0].next, None);
        assert!(steps[0].consultations.is_empty());
        assert!(is_last(&steps, 0));
    }
}
