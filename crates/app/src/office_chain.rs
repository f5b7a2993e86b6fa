//! The approval chain of an agency's outgoing documents and the versions of a draft
//! ([`motcua_domain::approval`], issue 15 point 2): administrators configure each agency's
//! chain (specialist → head of unit → leader); a draft submitted for approval goes through it
//! step by step; the versions of its draft are listed with it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use motcua_domain::approval::{step_states, ApprovalChain, ApprovalStep, Approver, ChainProblem, StepState};
use motcua_domain::dossier::Role;
use motcua_domain::office::{DocumentAction, DocumentStatus, Register};
use motcua_store::office::{Document, OfficeEvent};
use motcua_store::office_chain::{self as store, Version};
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The officers of an agency who may be named at a step: (id, name, whether a leader).
pub async fn officers(state: &AppState, agency: &str) -> AppResult<Vec<(i64, String, bool)>> {
    let leaders = motcua_store::users::officers_of(&state.db, agency, Role::Leader).await?;
    let mut out: Vec<(i64, String, bool)> = leaders.iter().map(|(id, n)| (*id, n.clone(), true)).collect();
    for role in [Role::Specialist, Role::Clerk] {
        for (id, name) in motcua_store::users::officers_of(&state.db, agency, role).await? {
            if !out.iter().any(|(o, _, _)| *o == id) {
                out.push((id, name, false));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// The chain a draft of `agency` goes through when submitted now: the one configured, or the
/// default (its leaders).
pub async fn agency_chain(state: &AppState, agency: &str) -> AppResult<ApprovalChain> {
    Ok(ApprovalChain::kept(store::approval_chain(&state.db, agency).await?))
}

/// An agency's chain as its administrator edits it.
#[derive(Clone, Debug)]
pub struct ChainEditor {
    /// The agency's code.
    pub agency: String,
    /// Its steps (the default chain's when none is configured).
    pub steps: Vec<ApprovalStep>,
    /// Whether the agency configured its own.
    pub configured: bool,
    /// The officers who may be named at a step: (id, name, whether a leader).
    pub officers: Vec<(i64, String, bool)>,
}

fn admin_only(user: &User) -> AppResult<()> {
    if user.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// The chain of an agency for an administrator (404 for anyone else, or an unknown agency).
pub async fn editor(state: &AppState, user: &User, agency: &str) -> AppResult<ChainEditor> {
    admin_only(user)?;
    if !state.catalog().agencies.contains_key(agency) {
        return Err(AppError::not_found());
    }
    let stored = store::approval_chain(&state.db, agency).await?;
    Ok(ChainEditor {
        agency: agency.to_string(),
        configured: !stored.is_empty(),
        steps: ApprovalChain::kept(stored).steps().to_vec(),
        officers: officers(state, agency).await?,
    })
}

/// The field of the chain form a problem is told beside: `steps`, or a step's `s<i>_name` or
/// `s<i>_approver`; with its message key.
pub fn problem_field(p: &ChainProblem, steps: usize) -> (String, String) {
    let key = format!("office-chain-{}", p.code());
    let field = match p {
        ChainProblem::Empty | ChainProblem::TooLong => "steps".to_string(),
        ChainProblem::BadName(i) => format!("s{i}_name"),
        ChainProblem::RoleCannotApprove(i) => format!("s{i}_approver"),
        ChainProblem::LastMayNotSign => format!("s{}_approver", steps.saturating_sub(1)),
    };
    (field, key)
}

/// Saves an agency's chain (administrators): every step naming one of its officers or a role
/// that takes part in the office, the last one a leader, who signs. No step puts the agency
/// back on the default chain. Every problem by field otherwise.
pub async fn save(state: &AppState, user: &User, agency: &str, steps: Vec<ApprovalStep>) -> AppResult<ChainEditor> {
    let e = editor(state, user, agency).await?;
    let mut errors = BTreeMap::new();
    for (i, s) in steps.iter().enumerate() {
        if let Approver::Officer { user_id } = s.approver {
            if !e.officers.iter().any(|(id, _, _)| *id == user_id) {
                errors.insert(format!("s{i}_approver"), "field-not-option".to_string());
            }
        }
    }
    let is_leader = |id: i64| e.officers.iter().any(|(o, _, leader)| *o == id && *leader);
    let stored = if steps.is_empty() {
        vec![]
    } else {
        let n = steps.len();
        match ApprovalChain::new(steps, is_leader) {
            Ok(chain) => chain.steps().to_vec(),
            Err(problems) => {
                for p in &problems {
                    let (field, key) = problem_field(p, n);
                    errors.entry(field).or_insert(key);
                }
                vec![]
            }
        }
    };
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    store::set_approval_chain(&state.db, agency, &stored, Some(user.id), Utc::now()).await?;
    editor(state, user, agency).await
}

/// Who approves at a step, as a page names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApproverName {
    /// A named officer.
    Officer(String),
    /// Any holder of the role.
    Role(Role),
}

/// One step of a document's chain as its page shows it.
#[derive(Clone, Debug)]
pub struct ChainStepView {
    /// The step's name.
    pub name: String,
    /// Who approves there.
    pub approver: ApproverName,
    /// Where it stands.
    pub state: StepState,
    /// Who approved there, and when, in the current round.
    pub decided: Option<(String, DateTime<Utc>)>,
}

/// The chain of an outgoing document: the one it was submitted to while it waits or once
/// approved; before its submission, or once sent back, the chain it would go through now.
pub(crate) async fn chain_of(state: &AppState, d: &Document, events: &[OfficeEvent]) -> AppResult<Vec<ChainStepView>> {
    if d.register != Register::Outgoing {
        return Ok(vec![]);
    }
    let chain = if d.status == DocumentStatus::Draft {
        agency_chain(state, &d.agency_code).await?
    } else {
        ApprovalChain::kept(d.approval_chain.clone())
    };
    let approved = matches!(
        d.status,
        DocumentStatus::Approved | DocumentStatus::Issued | DocumentStatus::Dispatched | DocumentStatus::Recalled
    );
    let at = if d.status == DocumentStatus::PendingApproval { Some(d.approval_step.unwrap_or(0)) } else { None };
    let states = step_states(chain.steps().len(), at, approved);
    // The approvals since the last submission, one per step in order.
    let since = events.iter().rposition(|e| e.action == DocumentAction::SubmitForApproval.as_str());
    let decisions: Vec<&OfficeEvent> = match since {
        Some(i) if d.status != DocumentStatus::Draft => {
            events[i..].iter().filter(|e| e.action == DocumentAction::Approve.as_str()).collect()
        }
        _ => vec![],
    };
    let mut out = Vec::with_capacity(chain.steps().len());
    for (i, (s, state_now)) in chain.steps().iter().zip(states).enumerate() {
        let approver = match s.approver {
            Approver::Officer { user_id } => {
                ApproverName::Officer(match motcua_store::users::user(&state.db, user_id).await {
                    Ok(u) => u.full_name,
                    Err(StoreError::NotFound) => String::new(),
                    Err(e) => return Err(e.into()),
                })
            }
            Approver::Role { role } => ApproverName::Role(role),
        };
        let decided = decisions.get(i).filter(|_| state_now == StepState::Done).map(|e| (e.actor_name.clone(), e.at));
        out.push(ChainStepView { name: s.name.clone(), approver, state: state_now, decided });
    }
    Ok(out)
}

/// A draft's versions, oldest first (none for an incoming document).
pub(crate) async fn versions_of(state: &AppState, d: &Document) -> AppResult<Vec<Version>> {
    if d.register != Register::Outgoing {
        return Ok(vec![]);
    }
    Ok(store::versions(&state.db, d.id).await?)
}

/// The number of the version a document was issued from: its draft's last.
pub(crate) async fn final_version(state: &AppState, id: i64) -> AppResult<Option<i64>> {
    Ok(store::versions(&state.db, id).await?.last().map(|v| v.number))
}

/// Whether `user` may act at the step of its chain where draft `d` waits.
pub(crate) fn may_approve(user: &User, d: &Document) -> bool {
    d.status == DocumentStatus::PendingApproval
        && ApprovalChain::kept(d.approval_chain.clone()).may_act(d.approval_step.unwrap_or(0), user.id, &user.roles)
}

/// The name of the step where draft `d` waits.
pub(crate) fn current_step_name(d: &Document) -> Option<String> {
    ApprovalChain::kept(d.approval_chain.clone()).step(d.approval_step.unwrap_or(0)).map(|s| s.name.clone())
}
