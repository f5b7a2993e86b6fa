//! Where the domain's lifecycle meets a stored dossier: who the caller is to it, whether they
//! may see it, its situation for the rules, and what entering a workflow step sets up.

use chrono::{DateTime, Utc};
use motcua_domain::calendar::due_at;
use motcua_domain::dossier::{Actor, Role, Situation, Status};
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, Change, Consultation, Dossier, NewConsultation};
use motcua_store::users::User;

use crate::error::AppResult;
use crate::state::AppState;

/// The lifecycle actor a user is with respect to a dossier.
pub fn actor_for(state: &AppState, user: Option<&User>, d: &Dossier) -> Actor {
    let Some(user) = user else {
        return Actor::Stranger;
    };
    // The person who filed it, or anyone who represents the organisation it was filed for (a
    // representative removed is no longer the one who filed: see store::organisations).
    if d.applicant_user_id == Some(user.id)
        || d.applicant.organisation_id.is_some_and(|o| user.organisations.contains(&o))
    {
        return Actor::Applicant;
    }
    match &user.agency_code {
        Some(agency) if user.is_officer() => Actor::Officer {
            id: user.id,
            agency: agency.clone(),
            at_service_centre: state.catalog().agencies.get(agency).is_some_and(|a| a.is_service_centre()),
            roles: user.roles.clone(),
        },
        _ => Actor::Stranger,
    }
}

/// Whether the actor may see the dossier at all: its applicant, or an officer who works on
/// dossiers (desk, specialist, leader, clerk) of the lead agency, of the agency acting on it
/// now, or of the service centre that receives for all. Administering the system or sitting on
/// the steering committee gives no sight of anyone's papers.
pub fn may_see(actor: &Actor, d: &Dossier) -> bool {
    match actor {
        Actor::Applicant => true,
        Actor::Stranger => false,
        Actor::Officer { agency, at_service_centre, roles, .. } => {
            roles.iter().any(|r| matches!(r, Role::Reception | Role::Specialist | Role::Leader | Role::Clerk))
                && (*at_service_centre || *agency == d.lead_agency || d.waiting_agency.as_deref() == Some(agency))
        }
    }
}

/// [`may_see`], and also the officers of an agency whose opinion was asked, and an administrator
/// holding an explicit permission for this dossier (`dossiers::inspect`).
pub(crate) async fn may_view(state: &AppState, actor: &Actor, d: &Dossier) -> AppResult<bool> {
    if may_see(actor, d) {
        return Ok(true);
    }
    match actor {
        Actor::Officer { id, agency, roles, .. } => Ok(dossiers::is_consulted(&state.db, d.id, agency).await?
            || crate::dossiers::inspect::is_granted(state, *id, roles, d).await?),
        _ => Ok(false),
    }
}

/// The lifecycle rules' view of a dossier.
pub(crate) fn situation<'a>(d: &'a Dossier, p: &'a Procedure) -> Situation<'a> {
    Situation {
        status: d.status,
        lead_agency: &d.lead_agency,
        workflow: &p.workflow,
        step: d.step,
        resume_status: d.resume_status,
        assignee: d.assignee_user_id,
        consultations_pending: d.consultations_open > 0,
        fee_due: (d.fee_vnd > 0 && d.fee_paid_at.is_none()).then_some(p.fee.timing),
        withdrawal_requested: d.withdrawal_requested_at.is_some(),
    }
}

/// Whether the actor is an officer of the consulted agency with the role asked to answer.
pub(crate) fn may_answer(actor: &Actor, c: &Consultation) -> bool {
    matches!(actor, Actor::Officer { agency, roles, .. } if *agency == c.agency && (roles.contains(&c.role) || roles.contains(&Role::Leader)))
}

/// Whether the officer's desk receives dossiers of this lead agency.
pub fn may_receive_for(state: &AppState, officer: &User, lead_agency: &str) -> bool {
    officer.has(Role::Reception)
        && officer
            .agency_code
            .as_deref()
            .is_some_and(|a| a == lead_agency || state.catalog().agencies.get(a).is_some_and(|x| x.is_service_centre()))
}

/// The due date a dossier received now would get: shown to the desk before it confirms.
pub async fn due_if_received(state: &AppState, p: &Procedure, at: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let rule = state.catalog().counting_rule(&p.agency.code);
    Ok(due_at(&state.calendar(), &rule, at, p.limit))
}

/// What entering or leaving a workflow step sets up: the step's own deadline from its allotment,
/// the opinions it asks of other agencies (each due by that agency's counting rule), and the
/// withdrawal of opinions still awaited when the dossier leaves the step for good.
pub(crate) async fn plan_step(
    state: &AppState,
    p: &Procedure,
    before: &Situation<'_>,
    t: &motcua_domain::dossier::Transition,
    now: DateTime<Utc>,
    change: &mut Change,
) -> AppResult<()> {
    let enters = t.to.is_in_workflow() && (!before.status.is_in_workflow() || t.step != before.step);
    let resumes = before.status == Status::SupplementRequested;
    let leaves = before.status.is_in_workflow() && (t.step != before.step || !t.to.is_in_workflow());
    change.cancel_consultations = leaves && t.to != Status::SupplementRequested;
    if !enters || resumes {
        return Ok(());
    }
    let Some(step) = p.workflow.get(t.step) else { return Ok(()) };
    let calendar = state.calendar();
    let step_due = match step.allotment {
        Some(limit) => {
            let rule = state.catalog().counting_rule(&step.agency);
            Some(due_at(&calendar, &rule, now, limit))
        }
        None => None,
    };
    change.enters_step = Some((now, step_due));
    for c in &step.consultations {
        let rule = state.catalog().counting_rule(&c.agency);
        change.consultations.push(NewConsultation {
            agency: c.agency.clone(),
            role: c.role,
            due_at: due_at(&calendar, &rule, now, c.allotment),
        });
    }
    Ok(())
}
