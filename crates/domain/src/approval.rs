//! The approval chain of an agency's outgoing documents (quy trình duyệt văn bản đi, issue 15
//! point 2): the ordered steps a draft goes through after its author submits it — a specialist's
//! draft to the head of their unit (trưởng phòng), then to the agency's leader, who signs.
//! Configured per agency like the dossier workflows; an agency that configured none has the
//! one step of its leader, as before chains existed.
//!
//! Pure rules only: what a valid chain is, who may act at a step, and where an approval leads.

use serde::{Deserialize, Serialize};

use crate::actor::Role;

/// The most steps a chain may have: more would be a workflow, not a signature path.
pub const MAX_STEPS: usize = 10;

/// The longest name of a step, in characters.
pub const MAX_STEP_NAME: usize = 100;

/// Who may approve at a step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Approver {
    /// One named officer of the agency, e.g. the head of a unit (trưởng phòng).
    Officer {
        /// Their user id.
        user_id: i64,
    },
    /// Any holder of a role in the agency, e.g. its leaders (lãnh đạo).
    Role {
        /// The role.
        role: Role,
    },
}

impl Approver {
    /// Whether the officer `user_id`, holding `roles` in the document's agency, may act at a step
    /// with this approver.
    pub fn admits(&self, user_id: i64, roles: &[Role]) -> bool {
        match self {
            Approver::Officer { user_id: id } => *id == user_id,
            Approver::Role { role } => roles.contains(role),
        }
    }

    /// Whether this approver may sign a document (the last step's): the agency's leaders, or a
    /// named officer who is one (`is_leader` says whether they are).
    pub fn may_sign(&self, is_leader: impl Fn(i64) -> bool) -> bool {
        match self {
            Approver::Officer { user_id } => is_leader(*user_id),
            Approver::Role { role } => *role == Role::Leader,
        }
    }

    /// The roles a step may name: those of officers who take part in the electronic office.
    pub const ROLES: [Role; 3] = [Role::Specialist, Role::Leader, Role::Clerk];
}

/// One step of a chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApprovalStep {
    /// Its name as the document's page shows it ("Trưởng phòng", "Lãnh đạo Sở").
    pub name: String,
    /// Who may approve at it.
    pub approver: Approver,
}

/// Why a chain cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// It has no step.
    Empty,
    /// More than [`MAX_STEPS`] steps.
    TooLong,
    /// A step (by position, from 0) has no name, or one over [`MAX_STEP_NAME`] characters.
    BadName(usize),
    /// A step names a role that takes no part in the office.
    RoleCannotApprove(usize),
    /// Its last step is not one who may sign.
    LastMayNotSign,
}

impl ChainProblem {
    /// The stable code, for messages (`office-chain-<code>`).
    pub fn code(&self) -> &'static str {
        match self {
            ChainProblem::Empty => "empty",
            ChainProblem::TooLong => "too-long",
            ChainProblem::BadName(_) => "bad-name",
            ChainProblem::RoleCannotApprove(_) => "role-cannot-approve",
            ChainProblem::LastMayNotSign => "last-may-not-sign",
        }
    }
}

/// A valid chain: at least one step, the last one a signer. Built only by [`ApprovalChain::new`]
/// or [`ApprovalChain::default`], so that a chain in hand is one a draft may go through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApprovalChain {
    steps: Vec<ApprovalStep>,
}

impl Default for ApprovalChain {
    /// The chain of an agency that configured none: its leaders approve and sign.
    fn default() -> Self {
        ApprovalChain {
            steps: vec![ApprovalStep {
                name: DEFAULT_STEP_NAME.to_string(),
                approver: Approver::Role { role: Role::Leader },
            }],
        }
    }
}

/// The name of the one step of the default chain.
pub const DEFAULT_STEP_NAME: &str = "Lãnh đạo cơ quan";

/// Where an approval at a step leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// To the step at this position: the document still waits for approval.
    Step(usize),
    /// The last step approved: the document is approved, to be issued.
    Approved,
}

impl ApprovalChain {
    /// A chain of `steps`, checked: names trimmed; `is_leader` says whether a named officer is
    /// one of the agency's leaders (who alone sign). Every problem found.
    pub fn new(steps: Vec<ApprovalStep>, is_leader: impl Fn(i64) -> bool) -> Result<Self, Vec<ChainProblem>> {
        let mut problems = Vec::new();
        if steps.is_empty() {
            problems.push(ChainProblem::Empty);
        }
        if steps.len() > MAX_STEPS {
            problems.push(ChainProblem::TooLong);
        }
        let steps: Vec<ApprovalStep> =
            steps.into_iter().map(|s| ApprovalStep { name: s.name.trim().to_string(), ..s }).collect();
        for (i, s) in steps.iter().enumerate() {
            let n = s.name.chars().count();
            if n == 0 || n > MAX_STEP_NAME {
                problems.push(ChainProblem::BadName(i));
            }
            if let Approver::Role { role } = s.approver {
                if !Approver::ROLES.contains(&role) {
                    problems.push(ChainProblem::RoleCannotApprove(i));
                }
            }
        }
        if let Some(last) = steps.last() {
            if !last.approver.may_sign(&is_leader) {
                problems.push(ChainProblem::LastMayNotSign);
            }
        }
        if problems.is_empty() {
            Ok(ApprovalChain { steps })
        } else {
            Err(problems)
        }
    }

    /// A chain kept with a document when it was submitted, taken as it was: it was valid then,
    /// and a document's path does not change because an officer's roles did since.
    pub fn kept(steps: Vec<ApprovalStep>) -> Self {
        if steps.is_empty() {
            ApprovalChain::default()
        } else {
            ApprovalChain { steps }
        }
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[ApprovalStep] {
        &self.steps
    }

    /// The step at `position`, if there is one.
    pub fn step(&self, position: usize) -> Option<&ApprovalStep> {
        self.steps.get(position)
    }

    /// Whether this is the chain an agency has without configuring one.
    pub fn is_default(&self) -> bool {
        *self == ApprovalChain::default()
    }

    /// Whether the officer may approve or send back a document waiting at `position`.
    pub fn may_act(&self, position: usize, user_id: i64, roles: &[Role]) -> bool {
        self.step(position).is_some_and(|s| s.approver.admits(user_id, roles))
    }

    /// Where an approval at `position` leads: the next step, or approved after the last. A
    /// position past the end (a chain shortened under a waiting document cannot happen, since
    /// documents keep theirs) counts as the last.
    pub fn after_approval(&self, position: usize) -> Progress {
        if position + 1 < self.steps.len() {
            Progress::Step(position + 1)
        } else {
            Progress::Approved
        }
    }
}

/// Where a step stands for a document, as its page shows the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Approved.
    Done,
    /// The document waits here.
    Current,
    /// Not reached yet.
    Waiting,
}

impl StepState {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Waiting => "waiting",
        }
    }
}

/// The state of each of `steps` steps for a document waiting at `at` (`None`: not submitted,
/// or sent back), or wholly approved (`approved`).
pub fn step_states(steps: usize, at: Option<usize>, approved: bool) -> Vec<StepState> {
    (0..steps)
        .map(|i| match (approved, at) {
            (true, _) => StepState::Done,
            (false, Some(a)) if i < a => StepState::Done,
            (false, Some(a)) if i == a => StepState::Current,
            _ => StepState::Waiting,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn officer(id: i64, name: &str) -> ApprovalStep {
        ApprovalStep { name: name.into(), approver: Approver::Officer { user_id: id } }
    }

    fn role(role: Role, name: &str) -> ApprovalStep {
        ApprovalStep { name: name.into(), approver: Approver::Role { role } }
    }

    #[test]
    fn the_default_chain_is_the_leaders() {
        let c = ApprovalChain::default();
        assert_eq!(c.steps().len(), 1);
        assert!(c.may_act(0, 7, &[Role::Leader]));
        assert!(!c.may_act(0, 7, &[Role::Specialist, Role::Clerk]));
        assert_eq!(c.after_approval(0), Progress::Approved);
        assert!(c.is_default());
        assert_eq!(ApprovalChain::kept(vec![]), c);
    }

    #[test]
    fn three_steps_go_one_after_the_other() {
        let c = ApprovalChain::new(
            vec![officer(5, "Trưởng phòng"), officer(9, "Phó giám đốc"), role(Role::Leader, "Giám đốc")],
            |id| id == 9,
        )
        .unwrap();
        assert!(!c.is_default());
        assert_eq!(c.after_approval(0), Progress::Step(1));
        assert_eq!(c.after_approval(1), Progress::Step(2));
        assert_eq!(c.after_approval(2), Progress::Approved);
        assert!(c.may_act(0, 5, &[Role::Specialist]));
        assert!(!c.may_act(0, 6, &[Role::Leader]), "a leader does not act at the head of unit's step");
        assert!(!c.may_act(1, 5, &[Role::Specialist]));
        assert!(c.may_act(2, 1, &[Role::Leader]));
        assert!(!c.may_act(3, 1, &[Role::Leader]), "no step past the end");
    }

    #[test]
    fn a_chain_must_end_with_a_signer_and_name_its_steps() {
        assert_eq!(ApprovalChain::new(vec![], |_| true), Err(vec![ChainProblem::Empty]));
        assert_eq!(
            ApprovalChain::new(vec![role(Role::Leader, "Giám đốc"), officer(5, "Trưởng phòng")], |_| false),
            Err(vec![ChainProblem::LastMayNotSign])
        );
        assert_eq!(
            ApprovalChain::new(vec![role(Role::Specialist, "Chuyên viên")], |_| true),
            Err(vec![ChainProblem::LastMayNotSign])
        );
        assert!(ApprovalChain::new(vec![officer(5, "Giám đốc")], |id| id == 5).is_ok());
        assert_eq!(ApprovalChain::new(vec![role(Role::Leader, "  ")], |_| true), Err(vec![ChainProblem::BadName(0)]));
        assert_eq!(
            ApprovalChain::new(vec![role(Role::Admin, "Quản trị"), role(Role::Leader, "Giám đốc")], |_| true),
            Err(vec![ChainProblem::RoleCannotApprove(0)])
        );
        let long: Vec<ApprovalStep> = (0..=MAX_STEPS).map(|_| role(Role::Leader, "Lãnh đạo")).collect();
        assert_eq!(ApprovalChain::new(long, |_| true), Err(vec![ChainProblem::TooLong]));
        let trimmed = ApprovalChain::new(vec![role(Role::Leader, " Giám đốc ")], |_| true).unwrap();
        assert_eq!(trimmed.steps()[0].name, "Giám đốc");
    }

    #[test]
    fn step_states_follow_the_document() {
        use StepState::*;
        assert_eq!(step_states(3, None, false), [Waiting, Waiting, Waiting]);
        assert_eq!(step_states(3, Some(0), false), [Current, Waiting, Waiting]);
        assert_eq!(step_states(3, Some(2), false), [Done, Done, Current]);
        assert_eq!(step_states(3, None, true), [Done, Done, Done]);
    }

    #[test]
    fn approvers_are_kept_as_tagged_json() {
        let s = officer(5, "Trưởng phòng");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"name":"Trưởng phòng","approver":{"kind":"officer","user_id":5}}"#);
        assert_eq!(serde_json::from_str::<ApprovalStep>(&json).unwrap(), s);
        let r = role(Role::Leader, "Giám đốc");
        assert_eq!(serde_json::from_str::<ApprovalStep>(&serde_json::to_string(&r).unwrap()).unwrap(), r);
    }

    fn any_step() -> impl Strategy<Value = ApprovalStep> {
        prop_oneof![
            (1i64..6).prop_map(|id| officer(id, "Trưởng phòng")),
            prop::sample::select(vec![Role::Specialist, Role::Leader, Role::Clerk]).prop_map(|r| role(r, "Lãnh đạo")),
        ]
    }

    proptest! {
        /// Approving at each step in turn walks a valid chain from its first step to approved in
        /// exactly as many approvals as it has steps, each step admitting only its own approver.
        #[test]
        fn approvals_walk_every_step_once(steps in prop::collection::vec(any_step(), 1..=MAX_STEPS)) {
            let leaders = |id: i64| id % 2 == 0;
            let Ok(chain) = ApprovalChain::new(steps.clone(), leaders) else {
                // Rejected only when the last step may not sign.
                prop_assert!(!steps.last().unwrap().approver.may_sign(leaders));
                return Ok(());
            };
            prop_assert!(chain.steps().last().unwrap().approver.may_sign(leaders));
            let mut at = 0;
            let mut approvals = 0;
            loop {
                let step = chain.step(at).unwrap();
                let (id, roles) = match &step.approver {
                    Approver::Officer { user_id } => (*user_id, vec![]),
                    Approver::Role { role } => (100, vec![*role]),
                };
                prop_assert!(chain.may_act(at, id, &roles));
                prop_assert!(!chain.may_act(at, 1000, &[]), "nobody without the role or the name");
                approvals += 1;
                match chain.after_approval(at) {
                    Progress::Step(next) => { prop_assert_eq!(next, at + 1); at = next; }
                    Progress::Approved => break,
                }
            }
            prop_assert_eq!(approvals, chain.steps().len());
            let states = step_states(chain.steps().len(), Some(at), false);
            prop_assert_eq!(states.iter().filter(|s| **s == StepState::Current).count(), 1);
        }
    }
}
