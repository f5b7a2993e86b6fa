//! One dossier as one viewer may see it: the record, its documents and result, its history, the
//! actions on offer, the applicant's next step and both views of its clock; the public lookup and
//! attachment downloads.

use chrono::Utc;
use motcua_domain::dossier::{
    applicant_step, available_actions, may_assign, may_reschedule, targets, Action, Actor, ApplicantStep,
    AttachmentPurpose, Status,
};
use motcua_domain::indicator::{clock_views, waiting_periods, ClockFacts, ClockViews};
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, Attachment, Consultation, Dossier, Event};
use motcua_store::users::User;
use subtle::ConstantTimeEq;

use crate::error::{AppError, AppResult};
use crate::lifecycle::actor_for;
use crate::lifecycle::may_answer;
use crate::lifecycle::may_view;
use crate::lifecycle::situation;
use crate::state::AppState;

/// Everything shown about one dossier to one viewer.
pub struct DossierView {
    /// The dossier.
    pub dossier: Dossier,
    /// The procedure version it was submitted under.
    pub procedure: std::sync::Arc<Procedure>,
    /// Documents (not the result).
    pub attachments: Vec<Attachment>,
    /// The latest result file as the officer issued it, byte for byte.
    pub result: Option<Attachment>,
    /// The electronic result signed by the system: a PDF carrying the officer's file, the
    /// verification code and its QR code.
    pub signed_result: Option<Attachment>,
    /// The system's seal of the signed result: its verification code, key and signature.
    pub seal: Option<motcua_store::seals::Seal>,
    /// History, oldest first.
    pub history: Vec<Event>,
    /// What the viewer may do now.
    pub actions: Vec<Action>,
    /// Opinions asked of other agencies, oldest first; officers only: they are the agencies'
    /// internal exchange, not the applicant's business.
    pub consultations: Vec<Consultation>,
    /// The opinions this viewer's agency may give now.
    pub answerable: Vec<i64>,
    /// Whether the viewer (a unit leader) may assign the current step.
    pub may_assign: bool,
    /// The steps a forward may go to, and those a send-back may return to (index and name).
    pub forward_to: Vec<(usize, String)>,
    /// See `forward_to`.
    pub send_back_to: Vec<(usize, String)>,
    /// Both views of the clock, once received.
    pub clock: Option<ClockViews>,
    /// The applicant's rating of the service, once given.
    pub rating: Option<motcua_store::ratings::Rated>,
    /// Whether the viewer (the applicant) may rate now.
    pub may_rate: bool,
    /// The dossier's payments, newest first (none when it has no fee).
    pub payments: Vec<motcua_store::payments::Payment>,
    /// Where to send the payer, in the answer to a `pay` action taken online.
    pub payment_url: Option<String>,
    /// For the applicant: what they are to do now, or what they wait for.
    pub applicant_step: Option<ApplicantStep>,
}

impl DossierView {
    /// The note of the latest event of this action (what a supplement request asks for, the
    /// reasons of a refusal), or "".
    pub fn last_note(&self, action: Action) -> &str {
        self.last_event(&[action]).and_then(|e| e.note.as_deref()).unwrap_or_default()
    }

    /// The latest event of one of these actions.
    pub fn last_event(&self, actions: &[Action]) -> Option<&Event> {
        self.history.iter().rev().find(|e| actions.iter().any(|a| e.action == a.as_str()))
    }

    /// The applicant as the printed forms name them.
    pub fn form_applicant(&self) -> motcua_render::Applicant {
        let a = &self.dossier.applicant;
        motcua_render::Applicant {
            name: a.full_name.clone(),
            id_number: a.id_number.clone().unwrap_or_default(),
            address: a.address.clone().unwrap_or_default(),
            phone: a.phone.clone(),
            email: a.email.clone().unwrap_or_default(),
        }
    }
}

/// A dossier as `user` may see it; 404 when they may not, so codes cannot be probed.
pub async fn view_dossier(state: &AppState, user: Option<&User>, code: &str) -> AppResult<DossierView> {
    let d = dossiers::by_code(&state.db, code).await?;
    let actor = actor_for(state, user, &d);
    if !may_view(state, &actor, &d).await? {
        return Err(AppError::not_found());
    }
    // Officers reading a citizen's personal data leave a trace (who, when).
    if let (Actor::Officer { .. }, Some(u)) = (&actor, user) {
        state.reads.record(d.id, u.id, Utc::now());
    }
    assemble(state, d, &actor).await
}

pub(crate) async fn assemble(state: &AppState, d: Dossier, actor: &Actor) -> AppResult<DossierView> {
    let procedure = state.procedure_version(d.procedure_version_id).await?;
    let all = dossiers::attachments(&state.db, d.id).await?;
    let (results, attachments): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|a| a.purpose == AttachmentPurpose::Result);
    let mut history = dossiers::history(&state.db, d.id).await?;
    // Other agencies' opinions are the officers' exchange: their answers stay out of the
    // applicant's history, as the consultations themselves do.
    if !matches!(actor, Actor::Officer { .. }) {
        history.retain(|e| e.action != "answer_consultation");
    }
    // A version without consultations never asked any; a dossier before its result has no rating.
    let consultations =
        if matches!(actor, Actor::Officer { .. }) && procedure.workflow.iter().any(|st| !st.consultations.is_empty()) {
            dossiers::consultations(&state.db, d.id).await?
        } else {
            Vec::new()
        };
    let s = situation(&d, &procedure);
    let mut actions = available_actions(&s, actor);
    if may_reschedule(&s, actor, d.rescheduled, &Utc::now(), d.due_at.as_ref()) {
        actions.push(Action::Reschedule);
    }
    let answerable = consultations
        .iter()
        .filter(|c| c.answered_at.is_none() && !c.cancelled && may_answer(actor, c))
        .map(|c| c.id)
        .collect();
    let named = |steps: Vec<usize>| -> Vec<(usize, String)> {
        steps.into_iter().filter_map(|i| procedure.workflow.get(i).map(|st| (i, st.name.clone()))).collect()
    };
    let forward_to = if actions.contains(&Action::Forward) { named(targets(&s, Action::Forward)) } else { vec![] };
    let send_back_to = if actions.contains(&Action::SendBack) { named(targets(&s, Action::SendBack)) } else { vec![] };
    let assign = may_assign(&s, actor);
    let clock = match d.received_at {
        Some(received) => {
            let rule = state.catalog().counting_rule(&procedure.agency.code);
            let waits = waiting_periods(history.iter().filter_map(|e| Action::parse(&e.action).map(|a| (e.at, a))));
            let facts = ClockFacts {
                received_at: received,
                waits: &waits,
                supplement_requests: u32::try_from(d.supplement_count).unwrap_or(u32::MAX),
                finished_at: d.finished_at,
            };
            Some(clock_views(&state.calendar(), &rule, procedure.limit, facts, Utc::now()))
        }
        None => None,
    };
    let rating = if matches!(d.status, Status::ResultReady | Status::Returned) {
        motcua_store::ratings::of_dossier(&state.db, d.id).await?
    } else {
        None
    };
    let may_rate = *actor == Actor::Applicant && motcua_domain::rating::may_rate(d.status, rating.is_some());
    let (signed, issued): (Vec<_>, Vec<_>) =
        results.into_iter().partition(|a| a.key == crate::sealing::SIGNED_RESULT_KEY);
    let result = issued.into_iter().last();
    let signed_result = signed.into_iter().last();
    let seal = match &signed_result {
        Some(r) => {
            motcua_store::seals::of_dossier(&state.db, d.id).await?.into_iter().find(|s| s.attachment_id == r.id)
        }
        None => None,
    };
    let applicant_step = (*actor == Actor::Applicant).then(|| applicant_step(&s, signed_result.is_some()));
    let payments = if d.fee_vnd > 0 { motcua_store::payments::of_dossier(&state.db, d.id).await? } else { Vec::new() };
    Ok(DossierView {
        payments,
        payment_url: None,
        applicant_step,
        rating,
        may_rate,
        result,
        signed_result,
        seal,
        dossier: d,
        procedure,
        attachments,
        history,
        actions,
        consultations,
        answerable,
        may_assign: assign,
        forward_to,
        send_back_to,
        clock,
    })
}

/// The public lookup: a dossier's progress for whoever knows its code and the applicant's phone.
/// Dossier codes follow their legal pattern and are easily guessed, so the phone is required and
/// tries are limited per client address: guessing phones for a code is slowed to a crawl.
pub async fn lookup(
    state: &AppState,
    client: std::net::IpAddr,
    code: &str,
    phone: &str,
) -> AppResult<(Dossier, std::sync::Arc<Procedure>)> {
    if !state.lookups.allow(client).await {
        return Err(AppError::new(crate::error::ErrorKind::RateLimited));
    }
    let phone = motcua_domain::identity::PhoneNumber::parse(phone).map_err(|_| AppError::not_found())?;
    let d = dossiers::by_code(&state.db, code.trim()).await?;
    // The phone is what proves the right to look: compared in constant time, like a token.
    if !bool::from(d.applicant.phone.as_bytes().ct_eq(phone.as_str().as_bytes())) {
        return Err(AppError::not_found());
    }
    let p = state.procedure_version(d.procedure_version_id).await?;
    Ok((d, p))
}

/// An attachment's bytes for a viewer who may see its dossier.
pub async fn attachment_bytes(
    state: &AppState,
    user: Option<&User>,
    id: &str,
) -> AppResult<(Attachment, bytes::Bytes)> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::not_found());
    }
    let a = dossiers::attachment(&state.db, id).await?;
    let d = dossiers::by_id(&state.db, a.dossier_id).await?;
    if !may_view(state, &actor_for(state, user, &d), &d).await? {
        return Err(AppError::not_found());
    }
    let bytes = state.blobs.get(&a.storage_key).await?;
    Ok((a, bytes))
}
