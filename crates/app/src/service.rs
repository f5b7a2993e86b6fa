//! The use-cases behind both the JSON API and the web pages: one place for each rule about who
//! may see and do what, so the two edges cannot drift apart.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use motcua_domain::calendar::due_at;
use motcua_domain::dossier::{
    available_actions, may_assign, may_reschedule, targets, transition_to, waiting_on, Action, Actor, Channel, Role,
    Situation, Status,
};
use motcua_domain::form::{validate_answers, FieldError};
use motcua_domain::indicator::{clock_views, waiting_periods, ClockFacts, ClockViews};
use motcua_store::catalog::{self, Procedure};
use motcua_store::dossiers::{
    self, Applicant, Attachment, By, Change, Consultation, Deadline, Dossier, Event, Filter, Listing, NewAttachment,
    NewConsultation, NewDossier, Page, StoredDocument,
};
use motcua_store::users::User;
use motcua_store::StoreError;
use serde_json::{Map, Value};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;
use crate::uploads::Upload;

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
    /// Opinions asked of other agencies, oldest first.
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
}

impl DossierView {
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

/// The lifecycle actor a user is with respect to a dossier.
pub fn actor_for(state: &AppState, user: Option<&User>, d: &Dossier) -> Actor {
    let Some(user) = user else {
        return Actor::Stranger;
    };
    if d.applicant_user_id == Some(user.id) {
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

/// Whether the actor may see the dossier at all: its applicant, or an officer of the lead
/// agency, of the agency acting on it now, or of the service centre that receives for all.
pub fn may_see(actor: &Actor, d: &Dossier) -> bool {
    match actor {
        Actor::Applicant => true,
        Actor::Stranger => false,
        Actor::Officer { agency, at_service_centre, .. } => {
            *at_service_centre || *agency == d.lead_agency || d.waiting_agency.as_deref() == Some(agency)
        }
    }
}

/// [`may_see`], and also the officers of an agency whose opinion was asked.
async fn may_view(state: &AppState, actor: &Actor, d: &Dossier) -> AppResult<bool> {
    if may_see(actor, d) {
        return Ok(true);
    }
    match actor {
        Actor::Officer { agency, .. } => Ok(dossiers::is_consulted(&state.db, d.id, agency).await?),
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

async fn assemble(state: &AppState, d: Dossier, actor: &Actor) -> AppResult<DossierView> {
    let procedure = state.procedure_version(d.procedure_version_id).await?;
    let all = dossiers::attachments(&state.db, d.id).await?;
    let (results, attachments): (Vec<_>, Vec<_>) = all.into_iter().partition(|a| a.purpose == "result");
    let history = dossiers::history(&state.db, d.id).await?;
    // A version without consultations never asked any; a dossier before its result has no rating.
    let consultations = if procedure.workflow.iter().any(|st| !st.consultations.is_empty()) {
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
    let payments = if d.fee_vnd > 0 { motcua_store::payments::of_dossier(&state.db, d.id).await? } else { Vec::new() };
    Ok(DossierView {
        payments,
        payment_url: None,
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

/// Whether the actor is an officer of the consulted agency with the role asked to answer.
fn may_answer(actor: &Actor, c: &Consultation) -> bool {
    matches!(actor, Actor::Officer { agency, roles, .. } if *agency == c.agency && (roles.contains(&c.role) || roles.contains(&Role::Leader)))
}

/// Stores uploaded files, returning their records-to-be. On any failure the bytes already
/// written are removed.
async fn store_uploads(
    state: &AppState,
    files: &[Upload],
    purpose: &str,
    digitized: bool,
) -> AppResult<Vec<NewAttachment>> {
    let mut out: Vec<NewAttachment> = Vec::new();
    for f in files {
        match state.blobs.put(f.bytes.clone()).await {
            Ok(blob) => out.push(NewAttachment {
                key: f.part.clone(),
                purpose: purpose.to_string(),
                file_name: f.file_name.clone(),
                content_type: f.content_type.clone(),
                blob,
                digitized,
                reused: f.from_store,
                from_citizen_store: f.from_store,
            }),
            Err(e) => {
                discard(state, &out).await;
                return Err(AppError::internal(e));
            }
        }
    }
    Ok(out)
}

async fn discard(state: &AppState, list: &[NewAttachment]) {
    for a in list {
        state.blobs.delete(&a.blob.storage_key).await;
    }
}

fn field_error_key(e: FieldError) -> &'static str {
    match e {
        FieldError::Required => "field-required",
        FieldError::TooLong => "field-too-long",
        FieldError::NotANumber => "field-not-number",
        FieldError::NotADate => "field-not-date",
        FieldError::NotAnOption => "field-not-option",
        FieldError::NotAnEmail => "field-not-email",
        FieldError::NotAPhone => "field-not-phone",
        FieldError::NotABoolean => "field-not-boolean",
        FieldError::Unknown => "field-unknown",
    }
}

/// Checks uploaded files against the procedure's documents: every required one present, each
/// of an accepted type, no unknown part. Returns per-field message keys.
fn check_documents(p: &Procedure, files: &[Upload], errors: &mut BTreeMap<String, String>) {
    for doc in &p.documents {
        let count = files.iter().filter(|f| f.part == doc.key).count();
        if doc.required && count == 0 {
            errors.insert(doc.key.clone(), "document-required".into());
        }
    }
    for f in files {
        if !p.documents.iter().any(|d| d.key == f.part) {
            errors.insert(f.part.clone(), "document-unknown".into());
        } else if !crate::uploads::ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            errors.insert(f.part.clone(), "document-type".into());
        }
    }
}

/// Checks a submission without storing anything: the answers normalised, or every problem.
pub fn check_submission(
    p: &Procedure,
    answers: &Map<String, Value>,
    files: &[Upload],
) -> Result<Map<String, Value>, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let data = match validate_answers(&p.form, answers) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.into_iter().map(|(k, v)| (k, field_error_key(v).to_string())));
            None
        }
    };
    check_documents(p, files, &mut errors);
    match data {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(errors),
    }
}

/// Checks an application and stores its files durably: the procedure, the normalised answers
/// and the files ready to record. Nothing is stored when anything is wrong.
pub async fn prepare_submission(
    state: &AppState,
    user: &User,
    procedure_code: &str,
    answers: &Map<String, Value>,
    files: &[Upload],
) -> AppResult<(Procedure, Map<String, Value>, Vec<NewAttachment>)> {
    let p = online_procedure(state, user, procedure_code)?;
    let data = check_submission(&p, answers, files).map_err(AppError::fields)?;
    let attachments = store_uploads(state, files, "document", false).await?;
    Ok((p, data, attachments))
}

/// The procedure a user applies for online: only citizens apply, and only for a procedure of
/// the catalog that is offered online.
fn online_procedure(state: &AppState, user: &User, procedure_code: &str) -> AppResult<Procedure> {
    if !user.has(Role::Citizen) {
        return Err(AppError::with(ErrorKind::Forbidden, "error-citizens-only"));
    }
    let catalog = state.catalog();
    let p =
        catalog.get(procedure_code).ok_or_else(|| AppError::with(ErrorKind::NotFound, "error-unknown-procedure"))?;
    if p.level == "none" {
        return Err(AppError::with(ErrorKind::Conflict, "error-not-online"));
    }
    Ok(p.clone())
}

/// Records a checked application as a dossier in one transaction; acknowledged only once both
/// its files and its rows are durable.
pub async fn record_submission(
    state: &AppState,
    user: &User,
    p: &Procedure,
    data: Map<String, Value>,
    attachments: Vec<NewAttachment>,
) -> AppResult<Dossier> {
    let applicant = Applicant {
        full_name: user.full_name.clone(),
        id_number: user.id_number.clone(),
        phone: user.phone.clone().unwrap_or_default(),
        email: user.email.clone(),
        address: user.address.clone(),
    };
    record(state, user, Some(user.id), applicant, Channel::Online, p, data, attachments).await
}

#[allow(clippy::too_many_arguments)]
async fn record(
    state: &AppState,
    by_user: &User,
    applicant_user_id: Option<i64>,
    applicant: Applicant,
    channel: Channel,
    p: &Procedure,
    data: Map<String, Value>,
    attachments: Vec<NewAttachment>,
) -> AppResult<Dossier> {
    let fee_vnd = motcua_domain::fee::quote(&p.fee, &data).total_vnd;
    let new = NewDossier {
        procedure_version_id: p.version_id,
        procedure_code: p.code.clone(),
        lead_agency: p.agency.code.clone(),
        applicant_user_id,
        applicant,
        channel,
        data,
        fee_vnd,
        waiting: Some((Role::Reception, p.agency.code.clone())),
        attachments,
        // In person, the reception that follows at once is the news.
        follow_ups: if channel == Channel::Online {
            crate::jobs::notify::follow_ups(Status::Submitted, false)
        } else {
            Default::default()
        },
    };
    let by = By { user_id: Some(by_user.id), name: by_user.full_name.clone() };
    match dossiers::submit(&state.db, &state.config.code_pattern, &new, &by, Utc::now()).await {
        Ok(d) => Ok(d),
        Err(e) => {
            discard(state, &new.attachments).await;
            Err(e.into())
        }
    }
}

/// The applicant of an in-person application as the desk officer typed it.
#[derive(Clone, Debug, Default)]
pub struct CounterApplicant {
    /// Name of the person or organisation.
    pub full_name: String,
    /// Citizen identity number (optional for organisations).
    pub id_number: String,
    /// Phone.
    pub phone: String,
    /// E-mail (optional).
    pub email: String,
    /// Address.
    pub address: String,
}

impl CounterApplicant {
    /// Validated applicant, or per-field message keys (`applicant_<field>`).
    pub fn check(&self) -> Result<Applicant, BTreeMap<String, String>> {
        use motcua_domain::identity::{CitizenId, Email, FullName, PhoneNumber};
        let mut errors = BTreeMap::new();
        let name = FullName::parse(&self.full_name)
            .map_err(|_| errors.insert("applicant_full_name".into(), "field-required".into()))
            .ok();
        let phone = PhoneNumber::parse(&self.phone)
            .map_err(|_| errors.insert("applicant_phone".into(), "field-not-phone".into()))
            .ok();
        let id = match self.id_number.trim() {
            "" => None,
            raw => CitizenId::parse(raw)
                .map_err(|_| errors.insert("applicant_id_number".into(), "field-not-citizen-id".into()))
                .ok(),
        };
        let email = match self.email.trim() {
            "" => None,
            raw => {
                Email::parse(raw).map_err(|_| errors.insert("applicant_email".into(), "field-not-email".into())).ok()
            }
        };
        if self.address.chars().count() > 500 {
            errors.insert("applicant_address".into(), "field-too-long".into());
        }
        match (name, phone) {
            (Some(n), Some(p)) if errors.is_empty() => Ok(Applicant {
                full_name: n.as_str().into(),
                id_number: id.map(|i| i.as_str().to_string()),
                phone: p.as_str().into(),
                email: email.map(|e| e.as_str().to_string()),
                address: Some(self.address.trim().to_string()).filter(|a| !a.is_empty()),
            }),
            _ => Err(errors),
        }
    }
}

/// The desk records an in-person application (tiếp nhận trực tiếp): the documents it scanned
/// are marked digitized, the dossier is received at once and the clock starts. When the
/// applicant has a citizen account (same identity number), the dossier appears in it.
pub async fn receive_at_counter(
    state: &AppState,
    officer: &User,
    procedure_code: &str,
    applicant: &CounterApplicant,
    answers: &Map<String, Value>,
    files: &[Upload],
) -> AppResult<DossierView> {
    let catalog = state.catalog();
    let p = catalog
        .get(procedure_code)
        .ok_or_else(|| AppError::with(ErrorKind::NotFound, "error-unknown-procedure"))?
        .clone();
    if !may_receive_for(state, officer, &p.agency.code) {
        return Err(AppError::not_found());
    }
    let mut errors = BTreeMap::new();
    let checked_applicant = applicant.check().map_err(|e| errors.extend(e)).ok();
    let data = check_submission(&p, answers, files).map_err(|e| errors.extend(e)).ok();
    let (Some(checked_applicant), Some(data)) = (checked_applicant, data) else {
        return Err(AppError::fields(errors));
    };
    let account = match &checked_applicant.id_number {
        Some(id) => motcua_store::users::find_for_login(&state.db, std::slice::from_ref(id))
            .await?
            .filter(|c| c.user.has(Role::Citizen) && c.user.id_number.as_deref() == Some(id.as_str()))
            .map(|c| c.user.id),
        None => None,
    };
    let attachments = store_uploads(state, files, "document", true).await?;
    let d = record(state, officer, account, checked_applicant, Channel::InPerson, &p, data, attachments).await?;
    act(state, officer, &d.code, Action::Receive.as_str(), Some("Tiếp nhận trực tiếp tại bộ phận một cửa"), &[]).await
}

/// Whether the officer's desk receives dossiers of this lead agency.
pub fn may_receive_for(state: &AppState, officer: &User, lead_agency: &str) -> bool {
    officer.has(Role::Reception)
        && officer
            .agency_code
            .as_deref()
            .is_some_and(|a| a == lead_agency || state.catalog().agencies.get(a).is_some_and(|x| x.is_service_centre()))
}

/// A citizen applies online in one step (the API): the uploads, and for other documents the
/// ones picked from their store as `(document key, attachment id)`.
pub async fn submit_dossier(
    state: &AppState,
    user: &User,
    procedure_code: &str,
    answers: &Map<String, Value>,
    files: Vec<Upload>,
    picks: &[(String, String)],
) -> AppResult<Dossier> {
    let p = online_procedure(state, user, procedure_code)?;
    let documents = with_store_picks(state, user, &p, files, picks).await?;
    if !documents.refused.is_empty() {
        // Every problem at once: the answers' and the other documents' with the refused picks.
        let mut fields = check_submission(&p, answers, &documents.files).err().unwrap_or_default();
        fields.extend(documents.refused);
        return Err(AppError::fields(fields));
    }
    let (p, data, attachments) = prepare_submission(state, user, procedure_code, answers, &documents.files).await?;
    record_submission(state, user, &p, data, attachments).await
}

/// The due date a dossier received now would get: shown to the desk before it confirms.
pub async fn due_if_received(state: &AppState, p: &Procedure, at: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let rule = state.catalog().counting_rule(&p.agency.code);
    Ok(due_at(&state.calendar(), &rule, at, p.limit))
}

/// What an officer or applicant asks to do to a dossier.
#[derive(Clone, Copy, Debug, Default)]
pub struct ActInput<'a> {
    /// The action's machine name.
    pub action: &'a str,
    /// Note or reasons.
    pub note: Option<&'a str>,
    /// The new due date of a reschedule.
    pub new_due: Option<&'a str>,
    /// The step key a forward or send-back goes to (default: the next or the previous step).
    pub to_step: Option<&'a str>,
    /// Files that come with the action.
    pub files: &'a [Upload],
    /// The caller's network address (the payment gateway asks for it).
    pub client_ip: Option<&'a str>,
    /// The caller's language (the payment gateway's pages follow it).
    pub lang: crate::i18n::Lang,
}

/// Takes an action on a dossier: checks it is on offer to this user now (409 otherwise),
/// requires a note where the law requires reasons, stores any files, and records the event.
pub async fn act(
    state: &AppState,
    user: &User,
    code: &str,
    action_name: &str,
    note: Option<&str>,
    files: &[Upload],
) -> AppResult<DossierView> {
    act_with(state, user, code, ActInput { action: action_name, note, files, ..Default::default() }).await
}

/// Parses the new due date of a reschedule: an RFC 3339 time, or a date meaning the close of
/// office hours that day.
fn parse_new_due(raw: &str, rule: &motcua_domain::calendar::CountingRule) -> Option<chrono::DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let day = chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .ok()?;
    let local = day.and_time(rule.office_hours.close());
    local.and_local_timezone(motcua_domain::calendar::vn_offset()).single().map(|t| t.with_timezone(&Utc))
}

/// Moves the due date once, with the apology's reason, before the dossier is late.
async fn reschedule(
    state: &AppState,
    user: &User,
    d: Dossier,
    p: &Procedure,
    actor: &Actor,
    note: Option<&str>,
    new_due: Option<&str>,
) -> AppResult<DossierView> {
    let now = Utc::now();
    let s = situation(&d, p);
    if !may_reschedule(&s, actor, d.rescheduled, &now, d.due_at.as_ref()) {
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
    }
    let mut errors = BTreeMap::new();
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_none() {
        errors.insert("note".to_string(), "note-required".to_string());
    }
    let rule = state.catalog().counting_rule(&p.agency.code);
    let due = new_due.and_then(|raw| parse_new_due(raw, &rule));
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
        attachments: vec![],
        enters_step: None,
        consultations: vec![],
        cancel_consultations: false,
        follow_ups: crate::jobs::notify::follow_ups(d.status, true),
        seal: None,
    };
    let by = By { user_id: Some(user.id), name: user.full_name.clone() };
    let updated = dossiers::apply(&state.db, &d, &change, &by, now).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"),
        other => other.into(),
    })?;
    assemble(state, updated, actor).await
}

/// [`act`] with everything an action may carry: a reschedule's new date, a forward's chosen step.
pub async fn act_with(state: &AppState, user: &User, code: &str, input: ActInput<'_>) -> AppResult<DossierView> {
    let ActInput { action: action_name, note, new_due, to_step, files, client_ip, lang } = input;
    let d = dossiers::by_code(&state.db, code).await?;
    let actor = actor_for(state, Some(user), &d);
    if !may_view(state, &actor, &d).await? {
        return Err(AppError::not_found());
    }
    let p = state.procedure_version(d.procedure_version_id).await?;
    let action =
        Action::parse(action_name).ok_or_else(|| AppError::with(ErrorKind::Conflict, "error-action-unavailable"))?;
    if action == Action::Reschedule {
        return reschedule(state, user, d, &p, &actor, note, new_due).await;
    }
    let s = situation(&d, &p);
    if action == Action::Pay {
        if !available_actions(&s, &actor).contains(&Action::Pay) {
            return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
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
        _ => AppError::with(ErrorKind::Conflict, "error-action-unavailable"),
    })?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let mut errors = BTreeMap::new();
    if action.requires_note() && note.is_none() {
        errors.insert("note".to_string(), "note-required".to_string());
    }
    if note.is_some_and(|n| n.chars().count() > 5000) {
        errors.insert("note".to_string(), "field-too-long".to_string());
    }
    let (purpose, expected): (&str, &[&str]) = match action {
        Action::IssueResult => ("result", &["result"]),
        Action::Supplement => ("supplement", &[]),
        _ => ("document", &[]),
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
            match crate::sealing::seal_result(state, &d, &p, issued, now).await {
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
    change.seal = seal;
    plan_step(state, &p, &s, &t, now, &mut change).await?;
    if t.to != s.status {
        change.follow_ups = crate::jobs::notify::follow_ups(t.to, false);
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
    assemble(state, updated, &actor).await
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

/// The specialists a unit leader may assign the current step to: those of the step's agency.
pub async fn assignable(state: &AppState, v: &DossierView) -> AppResult<Vec<(i64, String)>> {
    let Some(step) = v.procedure.workflow.get(v.dossier.step) else { return Ok(vec![]) };
    Ok(motcua_store::users::officers_of(&state.db, &step.agency, step.role).await?)
}

/// A unit leader assigns dossiers to a specialist of the unit; each is checked on its own, and
/// those the leader may not assign now are reported back by code.
pub async fn assign(state: &AppState, leader: &User, codes: &[String], assignee: i64) -> AppResult<Vec<String>> {
    let mut refused = Vec::new();
    // The officers of a step's agency, looked up once per agency and role for the whole batch.
    let mut staff: std::collections::HashMap<(String, Role), Vec<(i64, String)>> = Default::default();
    for code in codes {
        let d = match dossiers::by_code(&state.db, code).await {
            Ok(d) => d,
            Err(StoreError::NotFound) => {
                refused.push(code.clone());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let actor = actor_for(state, Some(leader), &d);
        let p = state.procedure_version(d.procedure_version_id).await?;
        let s = situation(&d, &p);
        let Some(step) = p.workflow.get(d.step) else { continue };
        let key = (step.agency.clone(), step.role);
        if !staff.contains_key(&key) {
            let list = motcua_store::users::officers_of(&state.db, &step.agency, step.role).await?;
            staff.insert(key.clone(), list);
        }
        let Some((_, name)) = staff[&key].iter().find(|(id, _)| *id == assignee) else {
            return Err(AppError::fields([("assignee".to_string(), "assignee-not-in-unit".to_string())].into()));
        };
        if !may_see(&actor, &d) || !may_assign(&s, &actor) {
            refused.push(code.clone());
            continue;
        }
        let by = By { user_id: Some(leader.id), name: leader.full_name.clone() };
        match dossiers::assign(&state.db, &d, assignee, name, &by, Utc::now()).await {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => refused.push(code.clone()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(refused)
}

/// A consulted agency's officer gives its opinion.
pub async fn answer_consultation(
    state: &AppState,
    user: &User,
    code: &str,
    consultation_id: i64,
    answer: &str,
) -> AppResult<DossierView> {
    let d = dossiers::by_code(&state.db, code).await?;
    let actor = actor_for(state, Some(user), &d);
    if !may_view(state, &actor, &d).await? {
        return Err(AppError::not_found());
    }
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(AppError::fields([("answer".to_string(), "note-required".to_string())].into()));
    }
    if answer.chars().count() > 5000 {
        return Err(AppError::fields([("answer".to_string(), "field-too-long".to_string())].into()));
    }
    let open = dossiers::consultations(&state.db, d.id).await?;
    let Some(c) = open.iter().find(|c| c.id == consultation_id && c.answered_at.is_none() && !c.cancelled) else {
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
    };
    if !may_answer(&actor, c) {
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
    }
    let by = By { user_id: Some(user.id), name: user.full_name.clone() };
    let updated =
        dossiers::answer_consultation(&state.db, &d, c.id, answer, &by, Utc::now()).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"),
            other => other.into(),
        })?;
    assemble(state, updated, &actor).await
}

/// Which of an officer's lists to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueTab {
    /// What the officer may act on now (steps assigned to others left out).
    #[default]
    Mine,
    /// Everything of the officer's unit.
    Unit,
    /// Opinions asked of the officer's agency.
    Consulted,
}

/// The deadline marker of a queue filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineFilter {
    /// Due by the close of the next working day.
    DueSoon,
    /// Late.
    Overdue,
}

/// The end of the "due soon" window at `now`: the close of the next working day.
pub fn due_soon_until(state: &AppState, now: DateTime<Utc>) -> DateTime<Utc> {
    let cal = state.calendar();
    let rule = motcua_domain::calendar::CountingRule::default();
    let local = now.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    let next = cal.next_working_day(local);
    next.and_time(rule.office_hours.close())
        .and_local_timezone(motcua_domain::calendar::vn_offset())
        .single()
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// A user's list: a citizen's own dossiers, or one of an officer's lists with its filters.
pub async fn officer_queue(
    state: &AppState,
    user: &User,
    tab: QueueTab,
    deadline: Option<DeadlineFilter>,
    status: Option<Status>,
    page: i64,
    per_page: i64,
) -> AppResult<Page<Dossier>> {
    let Some(agency) = user.agency_code.clone().filter(|_| user.is_officer()) else {
        return Ok(dossiers::list(
            &state.db,
            &Listing::Applicant(user.id),
            &Filter { status, ..Default::default() },
            page,
            per_page,
        )
        .await?);
    };
    let at_service_centre = state.catalog().agencies.get(&agency).is_some_and(|a| a.is_service_centre());
    let now = Utc::now();
    let mut filter = Filter {
        status,
        deadline: deadline.map(|d| match d {
            DeadlineFilter::Overdue => Deadline::Overdue { now },
            DeadlineFilter::DueSoon => Deadline::DueSoon { now, until: due_soon_until(state, now) },
        }),
        ..Default::default()
    };
    let listing = match tab {
        QueueTab::Mine => {
            filter.for_officer = Some(user.id);
            Listing::Queue { roles: user.roles.clone(), agency, at_service_centre }
        }
        QueueTab::Unit => Listing::Agency { agency, at_service_centre },
        QueueTab::Consulted => Listing::Consulted { agency },
    };
    Ok(dossiers::list(&state.db, &listing, &filter, page, per_page).await?)
}

/// The public lookup: a dossier's progress for whoever knows its code and the applicant's phone.
pub async fn lookup(state: &AppState, code: &str, phone: &str) -> AppResult<(Dossier, std::sync::Arc<Procedure>)> {
    let phone = motcua_domain::identity::PhoneNumber::parse(phone).map_err(|_| AppError::not_found())?;
    let d = dossiers::by_code(&state.db, code.trim()).await?;
    if d.applicant.phone != phone.as_str() {
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

/// Why a workflow was not saved.
#[derive(Debug)]
pub enum WorkflowRejected {
    /// The workflow breaks the rules; every problem at once.
    Invalid(Vec<motcua_domain::workflow::WorkflowProblem>),
    /// Anything else (not found, not allowed, changed meanwhile).
    Error(AppError),
}

impl From<AppError> for WorkflowRejected {
    fn from(e: AppError) -> Self {
        WorkflowRejected::Error(e)
    }
}

impl From<WorkflowRejected> for AppError {
    /// For the API: each problem becomes a field error named after its step.
    fn from(r: WorkflowRejected) -> Self {
        match r {
            WorkflowRejected::Error(e) => e,
            WorkflowRejected::Invalid(problems) => AppError::fields(
                problems
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (format!("workflow.{i}"), format!("workflow-api-{}", p.code())))
                    .collect(),
            ),
        }
    }
}

/// An administrator puts a new workflow in force for a procedure, as a new procedure version:
/// dossiers already received keep theirs. Refused with every problem when it breaks the rules
/// (allotments beyond the time limit, unreachable steps, unknown agencies...).
pub async fn save_workflow(
    state: &AppState,
    admin: &User,
    code: &str,
    expected_version: Option<i64>,
    steps: Vec<motcua_domain::workflow::Step>,
) -> Result<Procedure, WorkflowRejected> {
    if !admin.has(Role::Admin) {
        return Err(AppError::not_found().into());
    }
    let catalog = state.catalog();
    let p = catalog.get(code).ok_or_else(AppError::not_found)?;
    let steps = motcua_domain::workflow::with_keys(steps);
    let rule = state.catalog().counting_rule(&p.agency.code);
    let problems =
        motcua_domain::workflow::validate(&steps, p.limit, &rule.office_hours, |a| catalog.agencies.contains_key(a));
    if !problems.is_empty() {
        return Err(WorkflowRejected::Invalid(problems));
    }
    let change = catalog::VersionChange { workflow: Some(&steps), ..Default::default() };
    Ok(new_version(state, code, expected_version.unwrap_or(p.version), change).await?)
}

/// Puts a procedure's new version in force and refreshes the catalog in memory.
async fn new_version(
    state: &AppState,
    code: &str,
    expected_version: i64,
    change: catalog::VersionChange<'_>,
) -> AppResult<Procedure> {
    let saved = catalog::new_version(&state.db, code, expected_version, change).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"),
        other => other.into(),
    })?;
    state.reload_catalog().await?;
    Ok(saved)
}

/// Puts a new fee schedule in force (a new procedure version: dossiers already submitted keep
/// the fee decided then). Refused with one field error per problem (`fee.N`).
pub async fn save_fee_schedule(
    state: &AppState,
    admin: &User,
    code: &str,
    schedule: motcua_domain::fee::FeeSchedule,
) -> AppResult<Procedure> {
    if !admin.has(Role::Admin) {
        return Err(AppError::not_found());
    }
    let catalog = state.catalog();
    let p = catalog.get(code).ok_or_else(AppError::not_found)?;
    let problems = motcua_domain::fee::validate(&schedule, &p.form);
    if !problems.is_empty() {
        let fields = problems
            .iter()
            .enumerate()
            .map(|(i, problem)| {
                let key = match problem {
                    motcua_domain::fee::FeeProblem::NegativeAmount => "fee-problem-negative",
                    motcua_domain::fee::FeeProblem::NoSuchField(_) => "fee-problem-field",
                    motcua_domain::fee::FeeProblem::NoSuchOption(..) => "fee-problem-option",
                    motcua_domain::fee::FeeProblem::EmptyRange(_) => "fee-problem-range",
                };
                (format!("fee.{i}"), key.to_string())
            })
            .collect();
        return Err(AppError::fields(fields));
    }
    let change = catalog::VersionChange { fee: Some(&schedule), ..Default::default() };
    new_version(state, code, p.version, change).await
}

/// The applicant rates the service once the result is out: overall, timeliness, convenience and
/// staff attitude on the three official levels, with an optional comment.
pub async fn rate_dossier(
    state: &AppState,
    user: &User,
    code: &str,
    levels: [Option<&str>; 4],
    comment: Option<&str>,
) -> AppResult<DossierView> {
    let v = view_dossier(state, Some(user), code).await?;
    if !v.may_rate {
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
    }
    let rating = motcua_domain::rating::check_rating(levels, comment).map_err(|problems| {
        AppError::fields(
            problems
                .into_iter()
                .map(|p| (p.to_string(), if p == "comment" { "field-too-long" } else { "rating-choose" }.to_string()))
                .collect(),
        )
    })?;
    motcua_store::ratings::rate(&state.db, &v.dossier, &rating, Utc::now()).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-action-unavailable"),
        other => other.into(),
    })?;
    view_dossier(state, Some(user), code).await
}

/// The files of a saved draft for the documents the applicant did not choose again, read back
/// so that the application goes on as if they had been uploaded now.
pub async fn kept_draft_files(
    state: &AppState,
    draft: &motcua_store::drafts::Draft,
    new_files: &[Upload],
) -> AppResult<Vec<Upload>> {
    let mut out = Vec::new();
    for a in draft.files.iter().filter(|a| !new_files.iter().any(|f| f.part == a.key)) {
        let bytes = state.blobs.get(&a.blob.storage_key).await?;
        out.push(Upload {
            part: a.key.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            bytes,
            from_store: a.from_citizen_store,
        });
    }
    Ok(out)
}

/// Saves a half-done application to resume later: the answers as typed (checked only when
/// submitted), the files of accepted types for the procedure's documents.
pub async fn save_draft(
    state: &AppState,
    user: &User,
    p: &Procedure,
    answers: &Map<String, Value>,
    files: &[Upload],
) -> AppResult<String> {
    if !user.has(Role::Citizen) {
        return Err(AppError::with(ErrorKind::Forbidden, "error-citizens-only"));
    }
    let mut errors = BTreeMap::new();
    for f in files {
        if !p.documents.iter().any(|d| d.key == f.part) {
            errors.insert(f.part.clone(), "document-unknown".to_string());
        } else if !crate::uploads::ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            errors.insert(f.part.clone(), "document-type".to_string());
        }
    }
    for (k, v) in answers {
        if v.as_str().is_some_and(|s| s.chars().count() > 5000) {
            errors.insert(k.clone(), "field-too-long".to_string());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let stored = store_uploads(state, files, "document", false).await?;
    match motcua_store::drafts::create(&state.db, user.id, &p.code, answers, &stored, true).await {
        Ok(id) => Ok(id),
        Err(e) => {
            discard(state, &stored).await;
            Err(e.into())
        }
    }
}

/// Removes a draft and the files only it refers to.
pub async fn discard_draft(state: &AppState, draft: &motcua_store::drafts::Draft) -> AppResult<()> {
    motcua_store::drafts::delete(&state.db, &draft.id).await?;
    discard(state, &draft.files).await;
    Ok(())
}

/// A citizen's document store (kho dữ liệu công dân), newest first: what they may attach again
/// instead of uploading it ("only once", Decree 45/2020).
pub async fn document_store(
    state: &AppState,
    user: &User,
    page: i64,
    per_page: i64,
) -> AppResult<Page<StoredDocument>> {
    if !user.has(Role::Citizen) {
        return Err(AppError::with(ErrorKind::Forbidden, "error-citizens-only"));
    }
    Ok(dossiers::citizen_documents(&state.db, user.id, page, per_page).await?)
}

/// An application's documents once the picks from the applicant's store are read.
pub struct WithStorePicks {
    /// The uploads, then the documents picked for the keys no upload fills, marked as taken
    /// from the store.
    pub files: Vec<Upload>,
    /// A message key for each pick refused, by document key.
    pub refused: BTreeMap<String, String>,
}

/// Adds to an application's uploads the documents the applicant picked from their store, as
/// `(document key, attachment id)` ("only once", Decree 45/2020). The one place for the rules
/// of the portal's form and the API alike: the procedure must have the document and accept it
/// from the store, the attachment must be in the applicant's own store, and an upload for the
/// same document wins over the pick.
pub async fn with_store_picks(
    state: &AppState,
    user: &User,
    p: &Procedure,
    mut files: Vec<Upload>,
    picks: &[(String, String)],
) -> AppResult<WithStorePicks> {
    let mut refused = BTreeMap::new();
    let mut picked = Vec::new();
    for (key, id) in picks {
        if files.iter().any(|f| f.part == *key) {
            continue;
        }
        match p.documents.iter().find(|d| d.key == *key) {
            None => {
                refused.insert(key.clone(), "document-unknown".to_string());
                continue;
            }
            Some(d) if !d.reusable => {
                refused.insert(key.clone(), "document-not-reusable".to_string());
                continue;
            }
            Some(_) => {}
        }
        match dossiers::citizen_document(&state.db, user.id, id.trim()).await {
            Ok(s) => picked.push(Upload {
                part: key.clone(),
                file_name: s.attachment.file_name.clone(),
                content_type: s.attachment.content_type.clone(),
                bytes: state.blobs.get(&s.attachment.storage_key).await?,
                from_store: true,
            }),
            Err(StoreError::NotFound) => {
                refused.insert(key.clone(), "document-not-in-store".to_string());
            }
            Err(e) => return Err(e.into()),
        }
    }
    files.extend(picked);
    Ok(WithStorePicks { files, refused })
}
