//! The dossier (hồ sơ) lifecycle: statuses, actions and which actor may take which action.
//!
//! The rules follow Decree 61/2018 arts. 17–22 (see DESIGN.md section 3). The state machine is
//! pure: given a dossier's situation and an actor, it says what the actor may do and what
//! follows, so no sequence of actions can reach an illegal state.

use serde::{Deserialize, Serialize};

// Roles and actors live in their own module (workflows name roles too); they stay reachable here,
// where the lifecycle's users have always found them.
pub use crate::actor::{Actor, Role};

/// Status of a dossier, as exposed in the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Applied online, waiting for reception (national code 1).
    Submitted,
    /// Accepted at the one-stop desk; the clock runs (national code 2).
    Received,
    /// In an agency's workflow step after the first hand-off (national code 4).
    Processing,
    /// Waiting for the applicant to supply what is missing (national code 5).
    SupplementRequested,
    /// A fee is due before processing continues (national code 6).
    PaymentRequested,
    /// Refused at reception or after appraisal (national code 3).
    Refused,
    /// Withdrawn by the applicant (national code 7).
    Withdrawn,
    /// Result issued, not yet handed over (national code 9).
    ResultReady,
    /// Result handed over (national code 10).
    Returned,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 9] = [
        Status::Submitted,
        Status::Received,
        Status::Processing,
        Status::SupplementRequested,
        Status::PaymentRequested,
        Status::Refused,
        Status::Withdrawn,
        Status::ResultReady,
        Status::Returned,
    ];

    /// The stable machine name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Received => "received",
            Status::Processing => "processing",
            Status::SupplementRequested => "supplement_requested",
            Status::PaymentRequested => "payment_requested",
            Status::Refused => "refused",
            Status::Withdrawn => "withdrawn",
            Status::ResultReady => "result_ready",
            Status::Returned => "returned",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The status code of the national public-service portal, for synchronisation.
    pub fn national_code(self) -> u8 {
        match self {
            Status::Submitted => 1,
            Status::Received => 2,
            Status::Refused => 3,
            Status::Processing => 4,
            Status::SupplementRequested => 5,
            Status::PaymentRequested => 6,
            Status::Withdrawn => 7,
            Status::ResultReady => 9,
            Status::Returned => 10,
        }
    }

    /// The national status code of a change from `from` to this status: as
    /// [`Status::national_code`], except that a withdrawal after reception is the agency's
    /// decision to stop processing (8, Dừng xử lý), not the applicant's withdrawal (7).
    pub fn national_code_after(self, from: Option<Status>) -> u8 {
        match (from, self) {
            (Some(f), Status::Withdrawn) if f != Status::Submitted && f != Status::Withdrawn => 8,
            _ => self.national_code(),
        }
    }

    /// Whether the dossier is finished: no further action will ever be offered.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Refused | Status::Withdrawn | Status::Returned)
    }

    /// Whether the dossier sits in an agency's workflow step.
    pub fn is_in_workflow(self) -> bool {
        matches!(self, Status::Received | Status::Processing)
    }
}

/// How a dossier reached the agency (hình thức nộp hồ sơ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Applied through the portal.
    Online,
    /// Brought to the one-stop desk.
    InPerson,
    /// Sent by post (dịch vụ bưu chính công ích).
    Postal,
    /// Applied on the National Public Service Portal, which handed the dossier over through the
    /// integration API; its status goes back there.
    NationalPortal,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [Channel::Online, Channel::InPerson, Channel::Postal, Channel::NationalPortal];

    /// The stable machine name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::InPerson => "in_person",
            Channel::Postal => "postal",
            Channel::NationalPortal => "national_portal",
        }
    }

    /// Whether the applicant applied online (the portal, the API or the national portal) rather
    /// than at the desk or by post: the split of the II.06a report and indicator 3.3.
    pub fn is_online(self) -> bool {
        matches!(self, Channel::Online | Channel::NationalPortal)
    }

    /// The national portal's code of the channel (KenhThucHien): 1 at the desk, 2 online, 3 by
    /// post.
    pub fn national_code(self) -> u8 {
        match self {
            Channel::InPerson => 1,
            Channel::Online | Channel::NationalPortal => 2,
            Channel::Postal => 3,
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Why a file is attached to a dossier: what the applicant (or the desk for them) submitted with
/// it, what they supplied when asked for more, or the result the agency issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentPurpose {
    /// A document submitted with the dossier (thành phần hồ sơ).
    Document,
    /// A document supplied after a supplement request (hồ sơ bổ sung).
    Supplement,
    /// The result of the procedure (kết quả giải quyết).
    Result,
}

impl AttachmentPurpose {
    /// Every purpose.
    pub const ALL: [AttachmentPurpose; 3] =
        [AttachmentPurpose::Document, AttachmentPurpose::Supplement, AttachmentPurpose::Result];

    /// The stable machine name used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentPurpose::Document => "document",
            AttachmentPurpose::Supplement => "supplement",
            AttachmentPurpose::Result => "result",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<AttachmentPurpose> {
        AttachmentPurpose::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// An action on a dossier, as named in the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The applicant submits online (the first event of every online dossier).
    Submit,
    /// Reception accepts a complete dossier; the clock starts.
    Receive,
    /// Ask the applicant for everything missing at once.
    RequestSupplement,
    /// The applicant supplies what was missing.
    Supplement,
    /// Refuse, with reasons.
    Refuse,
    /// The applicant withdraws before a decision: at once while the dossier waits for
    /// reception; once received, a request the deciding agency answers with [`Action::Stop`] or
    /// [`Action::DeclineWithdrawal`].
    Withdraw,
    /// The agency at the current step grants the applicant's request to withdraw a received
    /// dossier: processing stops, with the stop notice (form 05 of Circular 03/2025).
    Stop,
    /// The agency at the current step declines the applicant's request to withdraw, with its
    /// reasons; processing goes on.
    DeclineWithdrawal,
    /// Finish the current workflow step and hand over to the next.
    Forward,
    /// Return the dossier to the previous workflow step.
    SendBack,
    /// Issue the result (last step only).
    IssueResult,
    /// Hand the result over to the applicant.
    ReturnResult,
    /// Move the due date once, with an apology (Phiếu xin lỗi và hẹn lại ngày trả kết quả).
    Reschedule,
    /// Pay the fee: the applicant online through the payment gateway, or the desk recording a
    /// payment made at the counter. The history records it once the payment is confirmed.
    Pay,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 14] = [
        Action::Submit,
        Action::Receive,
        Action::RequestSupplement,
        Action::Supplement,
        Action::Refuse,
        Action::Withdraw,
        Action::Stop,
        Action::DeclineWithdrawal,
        Action::Forward,
        Action::SendBack,
        Action::IssueResult,
        Action::ReturnResult,
        Action::Reschedule,
        Action::Pay,
    ];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Receive => "receive",
            Action::RequestSupplement => "request_supplement",
            Action::Supplement => "supplement",
            Action::Refuse => "refuse",
            Action::Withdraw => "withdraw",
            Action::Stop => "stop",
            Action::DeclineWithdrawal => "decline_withdrawal",
            Action::Forward => "forward",
            Action::SendBack => "send_back",
            Action::IssueResult => "issue_result",
            Action::ReturnResult => "return_result",
            Action::Reschedule => "reschedule",
            Action::Pay => "pay",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether a note explaining the action is mandatory (reasons for refusal, the list of
    /// missing items for a supplement request).
    pub fn requires_note(self) -> bool {
        matches!(self, Action::Refuse | Action::RequestSupplement | Action::Reschedule | Action::DeclineWithdrawal)
    }
}

pub use crate::fee::PaymentTiming;
use crate::workflow::next_steps;
pub use crate::workflow::{default_workflow, Step};

/// What the lifecycle rules ask of an actor.
impl Actor {
    /// Whether this officer's desk receives and returns for the given lead agency.
    fn is_desk_for(&self, lead_agency: &str) -> bool {
        match self {
            Actor::Officer { agency, at_service_centre, roles, .. } => {
                roles.contains(&Role::Reception) && (*at_service_centre || agency == lead_agency)
            }
            _ => false,
        }
    }

    /// Whether this officer acts at the given workflow step. Once a leader has assigned the
    /// dossier to a specialist, the other specialists of the unit no longer act on it.
    fn acts_at(&self, step: &Step, assignee: Option<i64>) -> bool {
        match self {
            Actor::Officer { id, agency, roles, .. } => {
                *agency == step.agency
                    && roles.contains(&step.role)
                    && (step.role != Role::Specialist || assignee.is_none_or(|a| a == *id))
            }
            _ => false,
        }
    }
}

/// A dossier's situation: what the lifecycle rules need to decide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Situation<'a> {
    /// Current status.
    pub status: Status,
    /// The lead agency of the procedure.
    pub lead_agency: &'a str,
    /// The workflow of the procedure version.
    pub workflow: &'a [Step],
    /// Index of the current step (meaningful while received or processing).
    pub step: usize,
    /// The status to go back to once the applicant supplies what is missing.
    pub resume_status: Option<Status>,
    /// The specialist the unit leader assigned the current step to, if any.
    pub assignee: Option<i64>,
    /// Whether opinions asked at the current step are still awaited: the step cannot be
    /// finished before they arrive.
    pub consultations_pending: bool,
    /// A fee is owed and not yet paid, and when it must be paid.
    pub fee_due: Option<PaymentTiming>,
    /// The applicant asked to withdraw the received dossier and the agency has not decided yet.
    pub withdrawal_requested: bool,
}

impl<'a> Situation<'a> {
    /// A dossier just submitted, waiting for reception.
    pub fn submitted(lead_agency: &'a str, workflow: &'a [Step]) -> Situation<'a> {
        Situation {
            status: Status::Submitted,
            lead_agency,
            workflow,
            step: 0,
            resume_status: None,
            assignee: None,
            consultations_pending: false,
            fee_due: None,
            withdrawal_requested: false,
        }
    }

    /// Whether the dossier was received (its clock runs or ran): a withdrawal is then the
    /// deciding agency's decision, not the applicant's alone.
    pub fn was_received(&self) -> bool {
        !matches!(
            (self.status, self.resume_status),
            (Status::Submitted, _) | (Status::SupplementRequested, None | Some(Status::Submitted))
        )
    }

    /// Whether the actor answers the applicant's request to withdraw: an officer acting at the
    /// current step while the request is pending.
    fn decides_withdrawal(&self, actor: &Actor) -> bool {
        self.withdrawal_requested
            && !self.status.is_final()
            && self.workflow.get(self.step).is_some_and(|step| actor.acts_at(step, self.assignee))
    }

    /// The situation after a transition (before any consultation of the new step is opened).
    pub fn after(&self, t: &Transition) -> Situation<'a> {
        let same_step = t.step == self.step && self.status.is_in_workflow() == t.to.is_in_workflow();
        Situation {
            status: t.to,
            step: t.step,
            resume_status: t.resume_status,
            assignee: if same_step { self.assignee } else { None },
            consultations_pending: same_step && self.consultations_pending,
            withdrawal_requested: t.withdrawal_requested,
            ..self.clone()
        }
    }
}

/// The actions the actor may take now, in the order they are offered.
pub fn available_actions(s: &Situation<'_>, actor: &Actor) -> Vec<Action> {
    let mut out = Vec::new();
    if s.withdrawal_requested {
        // The applicant's request to withdraw is answered before anything else happens.
        if s.decides_withdrawal(actor) {
            out.extend([Action::Stop, Action::DeclineWithdrawal]);
        }
        return out;
    }
    if s.fee_due.is_some() && !s.status.is_final() && (*actor == Actor::Applicant || actor.is_desk_for(s.lead_agency)) {
        out.push(Action::Pay);
    }
    match s.status {
        Status::Submitted => {
            if actor.is_desk_for(s.lead_agency) {
                out.extend([Action::Receive, Action::RequestSupplement, Action::Refuse]);
            }
            if *actor == Actor::Applicant {
                out.push(Action::Withdraw);
            }
        }
        Status::Received | Status::Processing => {
            if let Some(step) = s.workflow.get(s.step) {
                if actor.acts_at(step, s.assignee) {
                    if s.consultations_pending {
                        // The step waits for the consulted agencies' opinions.
                    } else if next_steps(s.workflow, s.step).is_empty() {
                        out.push(Action::IssueResult);
                    } else {
                        out.push(Action::Forward);
                    }
                    if s.step > 0 {
                        out.push(Action::SendBack);
                    }
                    out.extend([Action::RequestSupplement, Action::Refuse]);
                }
            }
            if *actor == Actor::Applicant {
                out.push(Action::Withdraw);
            }
        }
        Status::SupplementRequested => {
            if *actor == Actor::Applicant {
                out.extend([Action::Supplement, Action::Withdraw]);
            } else if actor.is_desk_for(s.lead_agency) {
                // The applicant may bring the missing papers to the desk instead.
                out.push(Action::Supplement);
            }
        }
        Status::PaymentRequested => {
            if *actor == Actor::Applicant {
                out.push(Action::Withdraw);
            }
        }
        Status::ResultReady => {
            // The result is handed over once the fee is paid.
            if actor.is_desk_for(s.lead_agency) && s.fee_due.is_none() {
                out.push(Action::ReturnResult);
            }
        }
        Status::Refused | Status::Withdrawn | Status::Returned => {}
    }
    out
}

/// Whether the actor may move the due date now: an officer acting at the current step, while
/// the dossier is being processed, before it is late, and only if it was never moved before
/// (Decree 61/2018 art. 19: the apology and new date come before the due date, once), and not
/// while a request to withdraw waits for an answer.
pub fn may_reschedule<Tz: chrono::TimeZone>(
    s: &Situation<'_>,
    actor: &Actor,
    already_rescheduled: bool,
    now: &chrono::DateTime<Tz>,
    due: Option<&chrono::DateTime<Tz>>,
) -> bool {
    s.status.is_in_workflow()
        && !s.withdrawal_requested
        && !already_rescheduled
        && due.is_some_and(|d| now < d)
        && s.workflow.get(s.step).is_some_and(|step| actor.acts_at(step, s.assignee))
}

/// Whether the actor may assign the current step to a specialist: a leader of the agency
/// acting at that step, while the dossier is in the workflow.
pub fn may_assign(s: &Situation<'_>, actor: &Actor) -> bool {
    s.status.is_in_workflow()
        && s.workflow.get(s.step).is_some_and(|step| {
            step.role == Role::Specialist
                && matches!(actor, Actor::Officer { agency, roles, .. } if *agency == step.agency && roles.contains(&Role::Leader))
        })
}

/// What the applicant is to do now, or, when nothing is theirs to do, what they wait for: the
/// first thing their dossier page tells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicantStep {
    /// Pay the fee now: before processing, or before the result is handed over.
    Pay,
    /// Supply what the agency asked for.
    Supplement,
    /// Download the electronic result.
    Download,
    /// Collect the result at the desk (there is no electronic one).
    Collect,
    /// Nothing to do: the desk checks the application and receives it.
    AwaitReception,
    /// Nothing to do: the agencies process it, by the due date.
    AwaitResult,
    /// Nothing to do: the agency decides on the request to withdraw.
    AwaitWithdrawal,
    /// Nothing more: refused, withdrawn, or handed over without an electronic result.
    Closed,
}

impl ApplicantStep {
    /// The stable machine name (message keys, element ids).
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantStep::Pay => "pay",
            ApplicantStep::Supplement => "supplement",
            ApplicantStep::Download => "download",
            ApplicantStep::Collect => "collect",
            ApplicantStep::AwaitReception => "await_reception",
            ApplicantStep::AwaitResult => "await_result",
            ApplicantStep::AwaitWithdrawal => "await_withdrawal",
            ApplicantStep::Closed => "closed",
        }
    }
}

/// The applicant's next step in this situation. A fee paid at the hand-over is owed only once
/// the result is ready; before that, paying is possible but not what they must do.
pub fn applicant_step(s: &Situation<'_>, electronic_result: bool) -> ApplicantStep {
    let pay_now = match s.fee_due {
        Some(PaymentTiming::BeforeProcessing) => !s.status.is_final(),
        Some(PaymentTiming::AtReturn) => s.status == Status::ResultReady,
        None => false,
    };
    if s.withdrawal_requested && !s.status.is_final() {
        return ApplicantStep::AwaitWithdrawal;
    }
    if pay_now {
        return ApplicantStep::Pay;
    }
    match s.status {
        Status::Submitted => ApplicantStep::AwaitReception,
        Status::Received | Status::Processing | Status::PaymentRequested => ApplicantStep::AwaitResult,
        Status::SupplementRequested => ApplicantStep::Supplement,
        Status::ResultReady | Status::Returned if electronic_result => ApplicantStep::Download,
        Status::ResultReady => ApplicantStep::Collect,
        Status::Refused | Status::Withdrawn | Status::Returned => ApplicantStep::Closed,
    }
}

/// Where a forward or a send-back may take the dossier from its current step: the configured
/// next steps, or any earlier step.
pub fn targets(s: &Situation<'_>, action: Action) -> Vec<usize> {
    match action {
        Action::Forward => next_steps(s.workflow, s.step),
        Action::SendBack => (0..s.step.min(s.workflow.len())).collect(),
        _ => Vec::new(),
    }
}

/// Who must act next on a dossier in this situation: the role and the agency, or the applicant
/// (role `citizen`, no agency), or nobody once it is final. Queues are built on it.
pub fn waiting_on(s: &Situation<'_>) -> Option<(Role, String)> {
    if s.withdrawal_requested && !s.status.is_final() {
        return s.workflow.get(s.step).map(|step| (step.role, step.agency.clone()));
    }
    match s.status {
        Status::Submitted | Status::ResultReady => Some((Role::Reception, s.lead_agency.to_string())),
        Status::Received | Status::Processing => s.workflow.get(s.step).map(|step| (step.role, step.agency.clone())),
        Status::SupplementRequested | Status::PaymentRequested => Some((Role::Citizen, String::new())),
        Status::Refused | Status::Withdrawn | Status::Returned => None,
    }
}

/// What taking an action leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The new status.
    pub to: Status,
    /// The new current step.
    pub step: usize,
    /// The status to resume after a supplement, while waiting for one.
    pub resume_status: Option<Status>,
    /// Whether the statutory clock (re)starts now: on reception, and when a supplement arrives
    /// after reception (Decree 61/2018 art. 19.4: the clock restarts from zero).
    pub restarts_clock: bool,
    /// Whether a request to withdraw waits for the agency's decision afterwards.
    pub withdrawal_requested: bool,
}

/// Why an action cannot be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action is not on offer to this actor in this situation.
    #[error("the action is not available now")]
    NotAvailable,
    /// The chosen step is not one the dossier may move to from here.
    #[error("the dossier cannot move to that step")]
    NoSuchStep,
}

/// Applies an action: checks it is on offer, and says what follows. A forward goes to the
/// first configured next step, a send-back to the step before.
pub fn transition(s: &Situation<'_>, actor: &Actor, action: Action) -> Result<Transition, TransitionError> {
    transition_to(s, actor, action, None)
}

/// Applies an action with the step chosen for a forward or a send-back (one of [`targets`]);
/// without a choice, a forward goes to the first next step and a send-back to the step before.
pub fn transition_to(
    s: &Situation<'_>,
    actor: &Actor,
    action: Action,
    target: Option<usize>,
) -> Result<Transition, TransitionError> {
    if !available_actions(s, actor).contains(&action) {
        return Err(TransitionError::NotAvailable);
    }
    let moves = matches!(action, Action::Forward | Action::SendBack);
    let allowed = targets(s, action);
    let default = if action == Action::SendBack { allowed.last() } else { allowed.first() };
    let target = match target {
        Some(t) if moves && allowed.contains(&t) => t,
        None if moves => *default.ok_or(TransitionError::NoSuchStep)?,
        None => s.step,
        Some(_) => return Err(TransitionError::NoSuchStep),
    };
    let stay = |to: Status, step: usize| Transition {
        to,
        step,
        resume_status: None,
        restarts_clock: false,
        withdrawal_requested: false,
    };
    Ok(match action {
        // A dossier received with its fee unpaid waits for the payment before processing; the
        // clock runs from reception, as the receipt says.
        Action::Receive if s.fee_due == Some(PaymentTiming::BeforeProcessing) => Transition {
            resume_status: Some(Status::Received),
            restarts_clock: true,
            ..stay(Status::PaymentRequested, 0)
        },
        Action::Receive => Transition { restarts_clock: true, ..stay(Status::Received, 0) },
        Action::RequestSupplement => {
            Transition { resume_status: Some(s.status), ..stay(Status::SupplementRequested, s.step) }
        }
        Action::Supplement => {
            let back = s.resume_status.unwrap_or(Status::Submitted);
            Transition { restarts_clock: back.is_in_workflow(), ..stay(back, s.step) }
        }
        Action::Refuse => stay(Status::Refused, s.step),
        // Once received, withdrawing is a request the deciding agency answers.
        Action::Withdraw if s.was_received() => {
            Transition { resume_status: s.resume_status, withdrawal_requested: true, ..stay(s.status, s.step) }
        }
        Action::Withdraw | Action::Stop => stay(Status::Withdrawn, s.step),
        Action::DeclineWithdrawal => Transition { resume_status: s.resume_status, ..stay(s.status, s.step) },
        Action::Forward | Action::SendBack => stay(Status::Processing, target),
        Action::IssueResult => stay(Status::ResultReady, s.step),
        Action::ReturnResult => stay(Status::Returned, s.step),
        Action::Submit | Action::Reschedule | Action::Pay => return Err(TransitionError::NotAvailable),
    })
}

/// What a confirmed payment leads to: a dossier waiting for it resumes where it was; otherwise
/// the status stays and only the fee is settled (paid ahead, or before the hand-over).
pub fn after_payment(s: &Situation<'_>) -> Transition {
    match s.status {
        Status::PaymentRequested => Transition {
            to: s.resume_status.unwrap_or(Status::Received),
            step: s.step,
            resume_status: None,
            restarts_clock: false,
            withdrawal_requested: s.withdrawal_requested,
        },
        other => Transition {
            to: other,
            step: s.step,
            resume_status: s.resume_status,
            restarts_clock: false,
            withdrawal_requested: s.withdrawal_requested,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LEAD: &str = "000.00.12.H38";
    const CENTRE: &str = "000.00.01.H38";

    fn officer(agency: &str, roles: &[Role]) -> Actor {
        Actor::Officer { id: 7, agency: agency.into(), at_service_centre: agency == CENTRE, roles: roles.to_vec() }
    }

    fn actors() -> Vec<Actor> {
        vec![
            Actor::Applicant,
            Actor::Stranger,
            officer(CENTRE, &[Role::Reception]),
            officer(LEAD, &[Role::Reception]),
            officer(LEAD, &[Role::Specialist]),
            officer(LEAD, &[Role::Leader]),
            officer("000.00.13.H38", &[Role::Specialist, Role::Leader, Role::Reception]),
            officer(LEAD, &[Role::Admin, Role::Clerk]),
        ]
    }

    #[test]
    fn a_withdrawal_after_reception_is_sent_as_processing_stopped() {
        assert_eq!(Status::Withdrawn.national_code_after(Some(Status::Submitted)), 7);
        assert_eq!(Status::Withdrawn.national_code_after(Some(Status::Processing)), 8);
        assert_eq!(Status::Withdrawn.national_code_after(Some(Status::SupplementRequested)), 8);
        assert_eq!(Status::PaymentRequested.national_code_after(Some(Status::Processing)), 6);
        for s in Status::ALL.into_iter().filter(|s| *s != Status::Withdrawn) {
            assert_eq!(s.national_code_after(Some(Status::Processing)), s.national_code());
        }
        assert!(Channel::NationalPortal.is_online() && !Channel::Postal.is_online());
        assert_eq!(Channel::NationalPortal.national_code(), 2);
    }

    #[test]
    fn the_applicant_is_told_to_pay_only_when_the_fee_is_owed_now() {
        let wf = default_workflow(LEAD);
        let at = |status, fee_due| Situation { status, fee_due, ..Situation::submitted(LEAD, &wf) };
        let before = Some(PaymentTiming::BeforeProcessing);
        let at_return = Some(PaymentTiming::AtReturn);
        assert_eq!(applicant_step(&at(Status::Submitted, before), false), ApplicantStep::Pay);
        assert_eq!(applicant_step(&at(Status::PaymentRequested, before), false), ApplicantStep::Pay);
        assert_eq!(applicant_step(&at(Status::Submitted, at_return), false), ApplicantStep::AwaitReception);
        assert_eq!(applicant_step(&at(Status::Processing, at_return), false), ApplicantStep::AwaitResult);
        assert_eq!(applicant_step(&at(Status::ResultReady, at_return), true), ApplicantStep::Pay);
        assert_eq!(applicant_step(&at(Status::SupplementRequested, None), false), ApplicantStep::Supplement);
        assert_eq!(applicant_step(&at(Status::ResultReady, None), true), ApplicantStep::Download);
        assert_eq!(applicant_step(&at(Status::ResultReady, None), false), ApplicantStep::Collect);
        assert_eq!(applicant_step(&at(Status::Returned, None), true), ApplicantStep::Download);
        for closed in [Status::Refused, Status::Withdrawn, Status::Returned] {
            assert_eq!(applicant_step(&at(closed, before), false), ApplicantStep::Closed, "{closed:?}");
        }
    }

    /// Form 05 of Circular 03/2025 (Thông báo dừng giải quyết hồ sơ): once received, a dossier
    /// stops only by the deciding agency's notice; the applicant's click is a request.
    #[test]
    fn a_received_dossier_is_withdrawn_only_by_the_agencys_decision() {
        let wf = default_workflow(LEAD);
        let desk = officer(CENTRE, &[Role::Reception]);
        let specialist = officer(LEAD, &[Role::Specialist]);
        // Not yet received: withdrawn at once.
        let submitted = Situation::submitted(LEAD, &wf);
        assert_eq!(transition(&submitted, &Actor::Applicant, Action::Withdraw).unwrap().to, Status::Withdrawn);
        let asked_early = Situation {
            status: Status::SupplementRequested,
            resume_status: Some(Status::Submitted),
            ..submitted.clone()
        };
        assert_eq!(transition(&asked_early, &Actor::Applicant, Action::Withdraw).unwrap().to, Status::Withdrawn);

        let received = Situation { status: Status::Received, ..submitted.clone() };
        let t = transition(&received, &Actor::Applicant, Action::Withdraw).unwrap();
        assert_eq!((t.to, t.withdrawal_requested), (Status::Received, true), "a request, not a withdrawal");
        let pending = received.after(&t);
        assert!(available_actions(&pending, &Actor::Applicant).is_empty(), "asked once, then waits");
        assert!(available_actions(&pending, &desk).is_empty(), "the desk does not decide");
        assert_eq!(available_actions(&pending, &specialist), vec![Action::Stop, Action::DeclineWithdrawal]);
        assert_eq!(waiting_on(&pending), Some((Role::Specialist, LEAD.to_string())));
        assert_eq!(applicant_step(&pending, false), ApplicantStep::AwaitWithdrawal);
        let (now, due) = (chrono::Utc::now(), chrono::Utc::now() + chrono::TimeDelta::days(3));
        assert!(may_reschedule(&received, &specialist, false, &now, Some(&due)));
        assert!(!may_reschedule(&pending, &specialist, false, &now, Some(&due)), "the request is answered first");

        let stopped = transition(&pending, &specialist, Action::Stop).unwrap();
        assert_eq!((stopped.to, stopped.withdrawal_requested), (Status::Withdrawn, false));
        let declined = transition(&pending, &specialist, Action::DeclineWithdrawal).unwrap();
        assert_eq!((declined.to, declined.withdrawal_requested), (Status::Received, false));
        assert!(Action::DeclineWithdrawal.requires_note(), "a refusal gives its reasons");
        let going_on = pending.after(&declined);
        assert!(available_actions(&going_on, &specialist).contains(&Action::Forward));
        assert!(available_actions(&going_on, &Actor::Applicant).contains(&Action::Withdraw));

        // Waiting for a supplement after reception: the request keeps where to resume, and the
        // agency at the step decides even though the dossier waits on the applicant.
        let waiting = Situation {
            status: Status::SupplementRequested,
            resume_status: Some(Status::Processing),
            step: 1,
            ..submitted
        };
        let t = transition(&waiting, &Actor::Applicant, Action::Withdraw).unwrap();
        assert_eq!(
            (t.to, t.resume_status, t.withdrawal_requested),
            (Status::SupplementRequested, Some(Status::Processing), true)
        );
        let pending = waiting.after(&t);
        assert_eq!(waiting_on(&pending).map(|(_, agency)| agency), Some(LEAD.to_string()));
        let decider = officer(&wf[1].agency, &[wf[1].role]);
        assert_eq!(available_actions(&pending, &decider), vec![Action::Stop, Action::DeclineWithdrawal]);
        let declined = transition(&pending, &decider, Action::DeclineWithdrawal).unwrap();
        assert_eq!((declined.to, declined.resume_status), (Status::SupplementRequested, Some(Status::Processing)));
    }

    #[test]
    fn machine_names_read_back() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for p in AttachmentPurpose::ALL {
            assert_eq!(AttachmentPurpose::parse(p.as_str()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn the_golden_path_reaches_returned() {
        let wf = default_workflow(LEAD);
        let mut s = Situation {
            status: Status::Submitted,
            lead_agency: LEAD,
            workflow: &wf,
            step: 0,
            resume_status: None,
            assignee: None,
            consultations_pending: false,
            fee_due: None,
            withdrawal_requested: false,
        };
        let path = [
            (officer(CENTRE, &[Role::Reception]), Action::Receive, Status::Received),
            (officer(LEAD, &[Role::Specialist]), Action::Forward, Status::Processing),
            (officer(LEAD, &[Role::Leader]), Action::IssueResult, Status::ResultReady),
            (officer(CENTRE, &[Role::Reception]), Action::ReturnResult, Status::Returned),
        ];
        for (actor, action, expected) in path {
            let t = transition(&s, &actor, action).unwrap();
            assert_eq!(t.to, expected);
            s.status = t.to;
            s.step = t.step;
            s.resume_status = t.resume_status;
        }
        for actor in actors() {
            assert!(available_actions(&s, &actor).is_empty());
        }
    }

    #[test]
    fn rescheduling_is_once_before_the_due_date_by_the_step_officer() {
        use chrono::{TimeZone, Utc};
        let wf = default_workflow(LEAD);
        let s = Situation {
            status: Status::Processing,
            lead_agency: LEAD,
            workflow: &wf,
            step: 1,
            resume_status: None,
            assignee: None,
            consultations_pending: false,
            fee_due: None,
            withdrawal_requested: false,
        };
        let now = Utc.with_ymd_and_hms(2027, 3, 1, 3, 0, 0).unwrap();
        let due = Utc.with_ymd_and_hms(2027, 3, 5, 10, 0, 0).unwrap();
        let leader = officer(LEAD, &[Role::Leader]);
        assert!(may_reschedule(&s, &leader, false, &now, Some(&due)));
        assert!(!may_reschedule(&s, &leader, true, &now, Some(&due)), "only once");
        assert!(!may_reschedule(&s, &leader, false, &due, Some(&now)), "not once late");
        assert!(!may_reschedule(&s, &officer(LEAD, &[Role::Specialist]), false, &now, Some(&due)), "not another step");
        assert!(!may_reschedule(&s, &Actor::Applicant, false, &now, Some(&due)));
        let waiting = Situation { status: Status::SupplementRequested, ..s.clone() };
        assert!(!may_reschedule(&waiting, &leader, false, &now, Some(&due)));
        assert_eq!(transition(&s, &leader, Action::Reschedule), Err(TransitionError::NotAvailable));
    }

    #[test]
    fn strangers_and_other_agencies_get_nothing() {
        let wf = default_workflow(LEAD);
        for status in Status::ALL {
            for step in 0..wf.len() {
                let s = Situation {
                    status,
                    lead_agency: LEAD,
                    workflow: &wf,
                    step,
                    resume_status: Some(Status::Processing),
                    assignee: None,
                    consultations_pending: false,
                    fee_due: None,
                    withdrawal_requested: false,
                };
                assert!(available_actions(&s, &Actor::Stranger).is_empty());
                let other = officer("000.00.13.H38", &[Role::Specialist, Role::Leader, Role::Reception]);
                assert!(available_actions(&s, &other).is_empty(), "{status:?}");
            }
        }
    }

    #[test]
    fn a_supplement_after_reception_restarts_the_clock_at_the_same_step() {
        let wf = default_workflow(LEAD);
        let s = Situation {
            status: Status::Processing,
            lead_agency: LEAD,
            workflow: &wf,
            step: 1,
            resume_status: None,
            assignee: None,
            consultations_pending: false,
            fee_due: None,
            withdrawal_requested: false,
        };
        let t = transition(&s, &officer(LEAD, &[Role::Leader]), Action::RequestSupplement).unwrap();
        assert_eq!(t.to, Status::SupplementRequested);
        let s2 = Situation { status: t.to, step: t.step, resume_status: t.resume_status, ..s };
        let back = transition(&s2, &Actor::Applicant, Action::Supplement).unwrap();
        assert_eq!((back.to, back.step, back.restarts_clock), (Status::Processing, 1, true));
    }

    #[test]
    fn the_desk_records_a_supplement_brought_in_person() {
        let wf = default_workflow(LEAD);
        let s = Situation {
            status: Status::SupplementRequested,
            resume_status: Some(Status::Processing),
            step: 1,
            ..Situation::submitted(LEAD, &wf)
        };
        let desk = officer(CENTRE, &[Role::Reception]);
        assert_eq!(available_actions(&s, &desk), vec![Action::Supplement]);
        let t = transition(&s, &desk, Action::Supplement).unwrap();
        assert_eq!((t.to, t.step, t.restarts_clock), (Status::Processing, 1, true));
        assert!(available_actions(&s, &officer(LEAD, &[Role::Specialist])).is_empty());
    }

    #[test]
    fn an_assigned_step_is_for_the_assignee_and_the_leader_assigns() {
        let wf = default_workflow(LEAD);
        let mut s = Situation { status: Status::Received, step: 0, ..Situation::submitted(LEAD, &wf) };
        let me = officer(LEAD, &[Role::Specialist]);
        let Actor::Officer { agency, at_service_centre, roles, .. } = me.clone() else { unreachable!() };
        let colleague = Actor::Officer { id: 8, agency, at_service_centre, roles };
        assert!(available_actions(&s, &colleague).contains(&Action::Forward));
        s.assignee = Some(7);
        assert!(available_actions(&s, &me).contains(&Action::Forward));
        assert!(available_actions(&s, &colleague).is_empty());
        assert!(may_assign(&s, &officer(LEAD, &[Role::Leader])));
        assert!(!may_assign(&s, &me));
        assert!(!may_assign(&s, &officer("000.00.13.H38", &[Role::Leader])));
        let t = transition(&s, &me, Action::Forward).unwrap();
        assert_eq!(s.after(&t).assignee, None, "a new step starts unassigned");
    }

    #[test]
    fn a_step_waits_for_its_consultations_and_may_branch_or_go_back_further() {
        let mut wf = default_workflow(LEAD);
        wf.insert(1, crate::workflow::Step::simple(LEAD, Role::Specialist, "Xác minh"));
        let wf = crate::workflow::with_keys(wf);
        let mut wf = wf;
        wf[0].next = Some(vec![wf[1].key.clone(), wf[2].key.clone()]);
        let me = officer(LEAD, &[Role::Specialist, Role::Leader]);
        let mut s =
            Situation { status: Status::Received, consultations_pending: true, ..Situation::submitted(LEAD, &wf) };
        assert!(!available_actions(&s, &me).contains(&Action::Forward));
        assert!(available_actions(&s, &me).contains(&Action::RequestSupplement));
        s.consultations_pending = false;
        assert_eq!(targets(&s, Action::Forward), vec![1, 2]);
        let t = transition_to(&s, &me, Action::Forward, Some(2)).unwrap();
        assert_eq!(t.step, 2, "field verification skipped");
        assert_eq!(transition_to(&s, &me, Action::Forward, Some(0)), Err(TransitionError::NoSuchStep));
        let s = s.after(&t);
        assert_eq!(targets(&s, Action::SendBack), vec![0, 1]);
        assert_eq!(transition_to(&s, &me, Action::SendBack, Some(0)).unwrap().step, 0);
        assert_eq!(transition(&s, &me, Action::SendBack).unwrap().step, 1);
    }

    #[test]
    fn an_unpaid_fee_holds_processing_or_the_hand_over() {
        let wf = default_workflow(LEAD);
        let desk = officer(CENTRE, &[Role::Reception]);
        let before = Situation { fee_due: Some(PaymentTiming::BeforeProcessing), ..Situation::submitted(LEAD, &wf) };
        assert_eq!(available_actions(&before, &Actor::Applicant), vec![Action::Pay, Action::Withdraw]);
        let t = transition(&before, &desk, Action::Receive).unwrap();
        assert_eq!((t.to, t.resume_status, t.restarts_clock), (Status::PaymentRequested, Some(Status::Received), true));
        let waiting = before.after(&t);
        assert!(available_actions(&waiting, &officer(LEAD, &[Role::Specialist])).is_empty());
        assert_eq!(available_actions(&waiting, &desk), vec![Action::Pay], "the desk records a payment at the counter");
        let paid = after_payment(&waiting);
        assert_eq!((paid.to, paid.step, paid.restarts_clock), (Status::Received, 0, false));
        assert_eq!(transition(&waiting, &Actor::Applicant, Action::Pay), Err(TransitionError::NotAvailable));

        let at_return = Situation {
            status: Status::ResultReady,
            step: 1,
            fee_due: Some(PaymentTiming::AtReturn),
            ..Situation::submitted(LEAD, &wf)
        };
        assert_eq!(available_actions(&at_return, &desk), vec![Action::Pay]);
        assert_eq!(after_payment(&at_return).to, Status::ResultReady);
        let settled = Situation { fee_due: None, ..at_return };
        assert_eq!(available_actions(&settled, &desk), vec![Action::ReturnResult]);
        let received = transition(
            &Situation { fee_due: Some(PaymentTiming::AtReturn), ..Situation::submitted(LEAD, &wf) },
            &desk,
            Action::Receive,
        );
        assert_eq!(received.unwrap().to, Status::Received, "a fee paid at the hand-over does not hold processing");
    }

    proptest! {
        /// No sequence of offered actions, by any actor, reaches an illegal state: the step stays
        /// inside the workflow, final statuses offer nothing, a result is issued only from the
        /// last step, and waiting for a supplement always knows where to resume.
        #[test]
        fn no_sequence_reaches_an_illegal_state(
            steps in 1usize..5,
            choices in proptest::collection::vec((0usize..8, 0usize..Action::ALL.len()), 0..60),
            fee in proptest::option::of(prop_oneof![Just(PaymentTiming::BeforeProcessing), Just(PaymentTiming::AtReturn)]),
        ) {
            let mut wf = default_workflow(LEAD);
            while wf.len() < steps { wf.insert(0, wf[0].clone()); }
            wf.truncate(steps);
            let actors = actors();
            let mut s = Situation { fee_due: fee, ..Situation::submitted(LEAD, &wf) };
            for (a, k) in choices {
                let actor = &actors[a];
                let offered = available_actions(&s, actor);
                let action = Action::ALL[k];
                let result = transition(&s, actor, action);
                if action == Action::Pay {
                    // Paying is confirmed by the gateway, outside the transition rules.
                    prop_assert!(result.is_err());
                    if offered.contains(&action) {
                        s = Situation { fee_due: None, ..s.after(&after_payment(&s)) };
                    }
                    continue;
                }
                prop_assert_eq!(result.is_ok(), offered.contains(&action));
                let Ok(t) = result else { continue };
                if action == Action::IssueResult { prop_assert_eq!(s.step + 1, wf.len()); }
                prop_assert!(t.step < wf.len());
                if matches!(t.to, Status::SupplementRequested | Status::PaymentRequested) {
                    prop_assert!(t.resume_status.is_some());
                }
                if t.to.is_in_workflow() { prop_assert_ne!(s.fee_due, Some(PaymentTiming::BeforeProcessing)); }
                if t.to == Status::Returned { prop_assert!(s.fee_due.is_none(), "returned unpaid"); }
                prop_assert!(!s.status.is_final());
                s = s.after(&t);
                if s.status.is_final() {
                    for who in &actors { prop_assert!(available_actions(&s, who).is_empty()); }
                }
            }
        }
    }
}
