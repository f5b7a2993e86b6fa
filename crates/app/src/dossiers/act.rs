//! Actions on a dossier: the typed command an edge parses, checked against the lifecycle and
//! recorded with its files in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::calendar::CountingRule;
use motcua_domain::decree61;
use motcua_domain::dossier::AttachmentPurpose;
use motcua_domain::dossier::{available_actions, may_reschedule, transition_to, waiting_on, Action, Actor};
use motcua_domain::history::Fact;
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, By, Change, Dossier};
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::attachments::discard;
use crate::attachments::store_uploads;
use crate::dossiers::view::assemble;
use crate::dossiers::view::DossierView;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::lifecycle::actor_for;
use crate::lifecycle::due_if_received;
use crate::lifecycle::may_view;
use crate::lifecycle::plan_step;
use crate::lifecycle::situation;
use crate::state::AppState;
use crate::uploads::Upload;

/// A reschedule's new due date as typed: a moment, or a day meaning the close of office hours
/// that day by the agency's counting rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewDue {
    /// An exact moment (RFC 3339).
    At(DateTime<Utc>),
    /// A day (`YYYY-MM-DD` or `dd/mm/yyyy`).
    Day(NaiveDate),
}

impl NewDue {
    /// Reads a typed date; `None` when it is neither form.
    pub fn parse(raw: &str) -> Option<NewDue> {
        let raw = raw.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
            return Some(NewDue::At(t.with_timezone(&Utc)));
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
            .ok()
            .map(NewDue::Day)
    }

    /// The moment this date means for an agency with this counting rule.
    fn resolve(self, rule: &CountingRule) -> Option<DateTime<Utc>> {
        match self {
            NewDue::At(t) => Some(t),
            NewDue::Day(day) => day
                .and_time(rule.office_hours.close())
                .and_local_timezone(motcua_domain::calendar::vn_offset())
                .single()
                .map(|t| t.with_timezone(&Utc)),
        }
    }
}

/// What an officer or applicant asks to do to a dossier, parsed at the edge.
#[derive(Clone, Copy, Debug)]
pub struct ActCommand<'a> {
    /// The action.
    pub action: Action,
    /// Note or reasons.
    pub note: Option<&'a str>,
    /// The new due date of a reschedule (`None` when not given or unreadable).
    pub new_due: Option<NewDue>,
    /// The step key a forward or send-back goes to (default: the next or the previous step).
    pub to_step: Option<&'a str>,
    /// Files that come with the action.
    pub files: &'a [Upload],
    /// The caller's network address (the payment gateway asks for it).
    pub client_ip: Option<&'a str>,
    /// The caller's language (the payment gateway's pages follow it).
    pub lang: crate::i18n::Lang,
}

impl<'a> ActCommand<'a> {
    /// An action with nothing else.
    pub fn new(action: Action) -> Self {
        ActCommand {
            action,
            note: None,
            new_due: None,
            to_step: None,
            files: &[],
            client_ip: None,
            lang: crate::i18n::Lang::default(),
        }
    }
}

/// The error of an action that is not on offer (an unknown one included).
pub fn unavailable() -> AppError {
    AppError::with(ErrorKind::Conflict, "error-action-unavailable")
}

/// The refusal of an act that would break a rule of Decree 61, citing the article.
fn breach(b: decree61::Breach) -> AppError {
    AppError::with(
        ErrorKind::Conflict,
        match b {
            decree61::Breach::SupplementTooLate { .. } => "error-supplement-too-late",
            decree61::Breach::RepeatedSupplementNeedsLeader => "error-supplement-repeated",
            decree61::Breach::ApologyTooLate { .. } => "error-apology-too-late",
        },
    )
}

/// Moves the due date once, with the apology's reason, before the dossier is late.
async fn reschedule(
    state: &AppState,
    user: &User,
    d: Dossier,
    p: &Procedure,
    actor: &Actor,
    note: Option<&str>,
    new_due: Option<NewDue>,
) -> AppResult<DossierView> {
    let now = Utc::now();
    let s = situation(&d, p);
    if !may_reschedule(&s, actor, d.rescheduled, &now, d.due_at.as_ref()) {
        return Err(unavailable());
    }
    if let Some(due) = d.due_at {
        decree61::apology(&state.calendar(), now, due).map_err(breach)?;
    }
    let mut errors = BTreeMap::new();
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_none() {
        errors.insert("note".to_string(), "note-required".to_string());
    }
    let rule = state.catalog().counting_rule(&p.agency.code);
    let due = new_due.and_then(|d| d.resolve(&rule));
    match due {
        None => {
            errors.insert("due_at".to_string(), "field-not-date".to_string());
        }
        Some(t) if d.due_at.is_some_and(|old| t <= old) => {
            errors.insert("due_at".to_string(), "due-not-later".to_string());
        }
        Some(t)
            if !state
                .calendar()
                .is_working_day(t.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive()) =>
        {
            errors.insert("due_at".to_string(), "due-not-working-day".to_string());
        }
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let change = Change {
        action: Action::Reschedule.as_str().into(),
        status: d.status,
        step: d.step,
        resume_status: d.resume_status,
        waiting: waiting_on(&s),
        received_at: None,
        clock: None,
        finished_at: None,
        returned_at: None,
        supplement_requested: false,
        rescheduled_to: due,
        note: note.map(str::to_string),
        fact: None,
        attachments: vec![],
        enters_step: None,
        consultations: vec![],
        cancel_consultations: false,
        follow_ups: crate::jobs::notify::follow_ups(d.status, crate::jobs::notify::Notice::Rescheduled),
        jobs: Vec::new(),
        seal: None,
        withdrawal_requested: None,
        register_desk: None,
    };
    let by = By { user_id: Some(user.id), name: user.full_name.clone() };
    let updated = dossiers::apply(&state.db, &d, &change, &by, now).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"),
        other => other.into(),
    })?;
    let view = assemble(state, updated, actor).await?;
    crate::issued::issue_after_act(state, user, Action::Reschedule, &view).await;
    Ok(view)
}

/// Takes an action on a dossier: checks it is on offer to this user now (409 otherwise),
/// requires a note where the law requires reasons, stores any files, and records the event.
pub async fn act(state: &AppState, user: &User, code: &str, command: ActCommand<'_>) -> AppResult<DossierView> {
    act_recording(state, user, code, command, None).await
}

/// [`act`], recording a fact the system knows of the action (e.g. that it happened at the desk).
pub(crate) async fn act_recording(
    state: &AppState,
    user: &User,
    code: &str,
    command: ActCommand<'_>,
    fact: Option<Fact>,
) -> AppResult<DossierView> {
    let ActCommand { action, note, new_due, to_step, files, client_ip, lang } = command;
    let d = dossiers::by_code(&state.db, code).await?;
    let actor = actor_for(state, Some(user), &d);
    if !may_view(state, &actor, &d).await? {
        return Err(AppError::not_found());
    }
    let p = state.procedure_version(d.procedure_version_id).await?;
    if action == Action::Reschedule {
        return reschedule(state, user, d, &p, &actor, note, new_due).await;
    }
    let s = situation(&d, &p);
    if action == Action::Pay {
        if !available_actions(&s, &actor).contains(&Action::Pay) {
            return Err(unavailable());
        }
        let url = crate::payments::start(state, user, &d, &p, &actor, client_ip, lang).await?;
        let current = dossiers::by_id(&state.db, d.id).await?;
        let mut view = assemble(state, current, &actor).await?;
        view.payment_url = url;
        return Ok(view);
    }
    let target = match (action, to_step.map(str::trim).filter(|k| !k.is_empty())) {
        (Action::Forward | Action::SendBack, Some(key)) => Some(
            p.workflow
                .iter()
                .position(|st| st.key == key)
                .ok_or_else(|| AppError::with(ErrorKind::Conflict, "error-no-such-step"))?,
        ),
        _ => None,
    };
    let t = transition_to(&s, &actor, action, target).map_err(|e| match e {
        motcua_domain::dossier::TransitionError::NoSuchStep => {
            AppError::with(ErrorKind::Conflict, "error-no-such-step")
        }
        _ => unavailable(),
    })?;
    if let (Action::RequestSupplement, Some(received_at)) = (action, d.received_at) {
        let earlier = dossiers::history(&state.db, d.id)
            .await?
            .iter()
            .filter(|e| e.action == Action::RequestSupplement.as_str() && e.at >= received_at)
            .count();
        let rule = state.catalog().counting_rule(&p.agency.code);
        let by_leader = user.has(motcua_domain::dossier::Role::Leader);
        let earlier = u32::try_from(earlier).unwrap_or(u32::MAX);
        decree61::supplement_request(&state.calendar(), &rule, received_at, Utc::now(), earlier, by_leader)
            .map_err(breach)?;
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let mut errors = BTreeMap::new();
    if action.requires_note() && note.is_none() {
        errors.insert("note".to_string(), "note-required".to_string());
    }
    if note.is_some_and(|n| n.chars().count() > 5000) {
        errors.insert("note".to_string(), "field-too-long".to_string());
    }
    let (purpose, expected): (AttachmentPurpose, &[&str]) = match action {
        Action::IssueResult => (AttachmentPurpose::Result, &["result"]),
        Action::Supplement => (AttachmentPurpose::Supplement, &[]),
        _ => (AttachmentPurpose::Document, &[]),
    };
    for f in files {
        let known = expected.contains(&f.part.as_str())
            || (action == Action::Supplement && p.documents.iter().any(|doc| doc.key == f.part));
        if !known {
            errors.insert(f.part.clone(), "document-unknown".into());
        } else if !crate::uploads::ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            errors.insert(f.part.clone(), "document-type".into());
        }
    }
    let results: Vec<&Upload> = files.iter().filter(|f| f.part == "result").collect();
    if action == Action::IssueResult && results.is_empty() {
        errors.insert("result".into(), "document-required".into());
    }
    if action == Action::IssueResult && results.len() > 1 {
        errors.insert("result".into(), "result-one-file".into());
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let now = Utc::now();
    let due = if t.restarts_clock { Some(due_if_received(state, &p, now).await?) } else { None };
    // Papers an officer scans at the desk are digitized copies (số hóa).
    let digitized = matches!(actor, Actor::Officer { .. }) && action == Action::Supplement;
    // The result is kept as the officer issued it, and issued as well as the system's signed
    // electronic result, which carries the officer's file inside it.
    let mut attachments = store_uploads(state, files, purpose, digitized).await?;
    let seal = match results.first() {
        Some(issued) if action == Action::IssueResult => {
            match crate::sealing::seal_result(state, &d, &p, issued, &user.full_name, now).await {
                Ok((signed, seal)) => {
                    attachments.push(signed);
                    Some(seal)
                }
                Err(e) => {
                    discard(state, &attachments).await;
                    return Err(e);
                }
            }
        }
        _ => None,
    };
    let mut change = Change::from_transition(&s, action, t, now, due, note.map(str::to_string), attachments);
    if action == Action::Receive {
        // Entered in the register of the desk that receives (Circular 01/2018 Art. 10.2.c).
        change.register_desk = Some(user.agency_code.clone().unwrap_or_else(|| d.lead_agency.clone()));
    }
    change.seal = seal;
    change.fact = fact;
    plan_step(state, &p, &s, &t, now, &mut change).await?;
    if t.to != s.status {
        change.follow_ups = crate::jobs::notify::follow_ups(t.to, crate::jobs::notify::Notice::Status);
    } else if action == Action::DeclineWithdrawal {
        change.follow_ups = crate::jobs::notify::follow_ups(t.to, crate::jobs::notify::Notice::WithdrawalDeclined);
    }
    let by = By { user_id: Some(user.id), name: user.full_name.clone() };
    let updated = match dossiers::apply(&state.db, &d, &change, &by, now).await {
        Ok(u) => u,
        Err(e) => {
            discard(state, &change.attachments).await;
            return Err(match e {
                StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"),
                other => other.into(),
            });
        }
    };
    let view = assemble(state, updated, &actor).await?;
    crate::issued::issue_after_act(state, user, action, &view).await;
    Ok(view)
}
