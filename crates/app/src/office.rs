//! The electronic office's use cases ([`motcua_domain::office`]): a clerk registers incoming
//! documents, a leader assigns them with a deadline on the working calendar, the person
//! assigned takes them up and completes them; a specialist drafts an outgoing document, the
//! leader approves it, the clerk issues it with its number and symbol and sends it to other
//! agencies, whose incoming registers receive it at once.
//!
//! Every document belongs to one agency's registers: only that agency's officers see it, clerks
//! and leaders the whole register, others what was assigned to them or what they drafted. A
//! document anyone else asks for does not exist (404).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::approval::ApprovalChain;
use motcua_domain::calendar::{due_at, TimeLimit, TimeUnit};
use motcua_domain::dossier::{AttachmentPurpose, Role};
use motcua_domain::office::{
    approval_outcome, available_actions, next_status, symbol, Confidentiality, DocumentAction, DocumentStatus,
    DocumentType, Involvement, Register, Standing, Urgency,
};
use motcua_store::dossiers::Page;
use motcua_store::office::{
    self, Actor, ApprovalMove, Change, Document, DocumentQuery, NewDocument, OfficeAttachment, OfficeEvent,
};
use motcua_store::office_chain::Version;
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::attachments::store_uploads;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;
use crate::uploads::Upload;

/// The longest subject and text kept.
const MAX_SUBJECT: usize = 1000;
const MAX_BODY: usize = 50_000;
const MAX_SHORT: usize = 200;

/// A document as typed: an incoming one to register, or an outgoing draft.
#[derive(Clone, Debug, Default)]
pub struct DocumentForm {
    /// `incoming` or `outgoing`.
    pub register: String,
    /// The type's machine name.
    pub doc_type: String,
    /// The sender's number and symbol (incoming).
    pub symbol: String,
    /// Trích yếu.
    pub subject: String,
    /// The sender (incoming).
    pub issuer: String,
    /// The date on the document, YYYY-MM-DD (incoming).
    pub issued_on: String,
    /// When its handling is due, YYYY-MM-DD (optional).
    pub due_on: String,
    /// Độ khẩn (`normal` when empty).
    pub urgency: String,
    /// Độ mật (`normal` when empty).
    pub confidentiality: String,
    /// The text (outgoing).
    pub body: String,
    /// Agency codes it goes to (outgoing).
    pub recipients: Vec<String>,
    /// Who signs (outgoing).
    pub signer_name: String,
    /// The signer's title with the authority marker (outgoing).
    pub signer_title: String,
}

/// The agency whose registers an officer keeps or handles (clerks, leaders, specialists); 404
/// for anyone else, who has no registers.
pub fn agency_of(user: &User) -> AppResult<String> {
    match &user.agency_code {
        Some(a) if user.roles.iter().any(|r| matches!(r, Role::Clerk | Role::Leader | Role::Specialist)) => {
            Ok(a.clone())
        }
        _ => Err(AppError::not_found()),
    }
}

fn actor(user: &User) -> Actor {
    Actor { user_id: Some(user.id), name: user.full_name.clone() }
}

/// The end of office hours (17:00 in Vietnam) of a date: when a deadline given as a date falls.
pub(crate) fn end_of(day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(17, 0, 0).unwrap_or_default();
    (local - chrono::Duration::hours(7)).and_utc()
}

/// A typed text trimmed, its problem (missing, too long) noted under `field`.
pub(crate) fn text(
    raw: &str,
    max: usize,
    field: &str,
    required: bool,
    errors: &mut BTreeMap<String, String>,
) -> String {
    let t = raw.trim().to_string();
    if required && t.is_empty() {
        errors.insert(field.into(), "field-required".into());
    } else if t.chars().count() > max {
        errors.insert(field.into(), "field-too-long".into());
    }
    t
}

fn date(raw: &str, field: &str, errors: &mut BTreeMap<String, String>) -> Option<NaiveDate> {
    match raw.trim() {
        "" => None,
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| errors.insert(field.into(), "field-not-date".into()))
            .ok(),
    }
}

impl DocumentForm {
    /// The document as the rules take it, or every problem by field.
    pub(crate) fn check(&self, state: &AppState, agency: &str) -> Result<NewDocument, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let register = Register::parse(self.register.trim());
        if register.is_none() {
            errors.insert("register".into(), "field-not-option".into());
        }
        let doc_type = DocumentType::parse(self.doc_type.trim());
        if doc_type.is_none() {
            errors.insert("doc_type".into(), "field-not-option".into());
        }
        let word = |raw: &str| if raw.trim().is_empty() { "normal" } else { raw.trim() }.to_string();
        let urgency = Urgency::parse(&word(&self.urgency));
        if urgency.is_none() {
            errors.insert("urgency".into(), "field-not-option".into());
        }
        let confidentiality = Confidentiality::parse(&word(&self.confidentiality));
        if confidentiality.is_none() {
            errors.insert("confidentiality".into(), "field-not-option".into());
        }
        let incoming = register == Some(Register::Incoming);
        let subject = text(&self.subject, MAX_SUBJECT, "subject", true, &mut errors);
        let symbol = text(&self.symbol, MAX_SHORT, "symbol", incoming, &mut errors);
        let issuer = text(&self.issuer, MAX_SHORT, "issuer", incoming, &mut errors);
        let issued_on = date(&self.issued_on, "issued_on", &mut errors);
        if incoming && issued_on.is_none() && !errors.contains_key("issued_on") {
            errors.insert("issued_on".into(), "field-required".into());
        }
        let due_on = date(&self.due_on, "due_on", &mut errors);
        let body = text(&self.body, MAX_BODY, "body", false, &mut errors);
        let signer_name = text(&self.signer_name, MAX_SHORT, "signer_name", false, &mut errors);
        let signer_title = text(&self.signer_title, MAX_SHORT, "signer_title", false, &mut errors);
        let catalog = state.catalog();
        let mut recipients: Vec<String> = Vec::new();
        for r in self.recipients.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            if !catalog.agencies.contains_key(r) || r == agency {
                errors.insert("recipients".into(), "office-recipient-unknown".into());
            } else if !recipients.iter().any(|x| x == r) {
                recipients.push(r.to_string());
            }
        }
        let own_name = catalog.agencies.get(agency).map(|a| a.name.clone()).unwrap_or_else(|| agency.to_string());
        match (register, doc_type, urgency, confidentiality) {
            (Some(register), Some(doc_type), Some(urgency), Some(confidentiality)) if errors.is_empty() => {
                Ok(NewDocument {
                    agency_code: agency.to_string(),
                    register,
                    doc_type,
                    symbol: Some(symbol).filter(|s| !s.is_empty() && incoming),
                    subject,
                    issuer: if incoming { issuer } else { own_name },
                    issued_on: issued_on.filter(|_| incoming),
                    due_at: due_on.map(end_of),
                    urgency,
                    confidentiality,
                    body: Some(body).filter(|b| !b.is_empty() && !incoming),
                    recipients: if incoming { vec![] } else { recipients },
                    signer_name: Some(signer_name).filter(|s| !s.is_empty() && !incoming),
                    signer_title: Some(signer_title).filter(|s| !s.is_empty() && !incoming),
                    digitized: false,
                    source_document_id: None,
                    attachments: vec![],
                })
            }
            _ => Err(errors),
        }
    }
}

/// Registers an incoming document (clerks) with the next arrival number of the agency's
/// register, its scans marked digitised; or starts an outgoing draft (any officer of the
/// agency), with its files.
pub async fn create(state: &AppState, user: &User, form: &DocumentForm, files: &[Upload]) -> AppResult<Document> {
    let agency = agency_of(user)?;
    let mut new = form.check(state, &agency).map_err(AppError::fields)?;
    if new.register == Register::Incoming && !user.has(Role::Clerk) {
        return Err(AppError::with(ErrorKind::Forbidden, "office-clerks-register"));
    }
    for f in files {
        if !crate::uploads::ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            return Err(AppError::fields([(f.part.clone(), "document-type".to_string())].into()));
        }
    }
    let incoming = new.register == Register::Incoming;
    new.digitized = incoming && !files.is_empty();
    let purpose = if incoming { "original" } else { "draft" };
    let stored = store_uploads(state, files, AttachmentPurpose::Document, incoming).await?;
    for (a, f) in stored.iter().zip(files) {
        let file = crate::pdf_text::office_file(
            purpose,
            a.file_name.clone(),
            a.content_type.clone(),
            a.blob.clone(),
            &f.bytes,
        )
        .await;
        new.attachments.push(file);
    }
    match office::create(&state.db, &new, &actor(user), Utc::now()).await {
        Ok(d) => Ok(d),
        Err(e) => {
            crate::attachments::discard(state, &stored).await;
            Err(e.into())
        }
    }
}

/// Who the user is to a document, or 404 when it is not their agency's or theirs to see.
fn standing(user: &User, d: &Document, involved: &[(i64, Involvement)], events: &[OfficeEvent]) -> AppResult<Standing> {
    let agency = agency_of(user)?;
    if agency != d.agency_code {
        return Err(AppError::not_found());
    }
    let who = Standing {
        clerk: user.has(Role::Clerk),
        leader: user.has(Role::Leader),
        assignee: d.assignee_user_id == Some(user.id),
        author: d.author_user_id == Some(user.id),
        involved: involved.iter().any(|(id, _)| *id == user.id),
        approver: crate::office_chain::may_approve(user, d),
        in_chain: events.iter().any(|e| {
            e.user_id == Some(user.id)
                && (e.action == DocumentAction::Approve.as_str() || e.action == DocumentAction::SendBack.as_str())
        }),
    };
    if who.sees() {
        Ok(who)
    } else {
        Err(AppError::not_found())
    }
}

/// A document as its agency's officers see it.
#[derive(Clone, Debug)]
pub struct DocumentView {
    /// The document.
    pub document: Document,
    /// Its files.
    pub attachments: Vec<OfficeAttachment>,
    /// Its history, oldest first.
    pub events: Vec<OfficeEvent>,
    /// What the viewer may do now.
    pub actions: Vec<DocumentAction>,
    /// The person handling it, by name.
    pub assignee: Option<String>,
    /// Who else takes part, by name, and how.
    pub involved: Vec<(String, Involvement)>,
    /// Its author, by name.
    pub author: Option<String>,
    /// The officers it may be assigned to: (id, name), for a leader who may assign.
    pub assignable: Vec<(i64, String)>,
    /// Who the viewer is to it.
    pub standing: Standing,
    /// Its approval chain, step by step (outgoing).
    pub chain: Vec<crate::office_chain::ChainStepView>,
    /// Its draft's versions, oldest first (outgoing).
    pub versions: Vec<Version>,
}

async fn name_of(state: &AppState, id: Option<i64>) -> AppResult<Option<String>> {
    match id {
        Some(id) => Ok(Some(motcua_store::users::user(&state.db, id).await?.full_name)),
        None => Ok(None),
    }
}

/// A document, for the officers of its agency who may see it.
pub async fn view(state: &AppState, user: &User, id: i64) -> AppResult<DocumentView> {
    let document = match office::get(&state.db, id).await {
        Err(StoreError::NotFound) => return Err(AppError::not_found()),
        other => other?,
    };
    let involved = office::involved(&state.db, id).await?;
    let events = office::events(&state.db, id).await?;
    let who = standing(user, &document, &involved, &events)?;
    let actions = available_actions(document.status, who);
    let assignable = if actions.contains(&DocumentAction::Assign) {
        let mut list = motcua_store::users::officers_of(&state.db, &document.agency_code, Role::Specialist).await?;
        for leader in motcua_store::users::officers_of(&state.db, &document.agency_code, Role::Leader).await? {
            if !list.iter().any(|(id, _)| *id == leader.0) {
                list.push(leader);
            }
        }
        list
    } else {
        vec![]
    };
    Ok(DocumentView {
        attachments: office::attachments(&state.db, id).await?,
        chain: crate::office_chain::chain_of(state, &document, &events).await?,
        versions: crate::office_chain::versions_of(state, &document).await?,
        events,
        assignee: name_of(state, document.assignee_user_id).await?,
        involved: {
            let mut named = Vec::with_capacity(involved.len());
            for (id, how) in &involved {
                named.push((motcua_store::users::user(&state.db, *id).await?.full_name, *how));
            }
            named
        },
        author: name_of(state, document.author_user_id).await?,
        actions,
        assignable,
        standing: who,
        document,
    })
}

/// A file of a document, with its bytes, for those who see the document: one of its files now,
/// or of an earlier version of its draft.
pub async fn file(
    state: &AppState,
    user: &User,
    id: i64,
    file_id: &str,
) -> AppResult<(OfficeAttachment, bytes::Bytes)> {
    let v = view(state, user, id).await?;
    let a = match v.attachments.into_iter().find(|a| a.id == file_id) {
        Some(a) => a,
        None => {
            v.versions.into_iter().flat_map(|x| x.files).find(|a| a.id == file_id).ok_or_else(AppError::not_found)?
        }
    };
    let bytes = state.blobs.get(&a.storage_key).await?;
    Ok((a, bytes))
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// `incoming`, `outgoing`, or both when empty.
    pub register: Option<String>,
    /// The year.
    pub year: Option<i32>,
    /// Words of the number, symbol, subject, issuer or text of the PDFs.
    pub text: Option<String>,
    /// A status's machine name.
    pub status: Option<String>,
    /// Only the drafts waiting at a step of their approval chain where the user may act.
    pub awaiting_approval: bool,
    /// The page, from 1.
    pub page: i64,
    /// Documents a page.
    pub per_page: i64,
}

/// The documents of the user's agency they may see: the whole registers for clerks and
/// leaders, what they handle or drafted for others.
pub async fn list(state: &AppState, user: &User, q: &ListQuery) -> AppResult<Page<Document>> {
    let agency = agency_of(user)?;
    let mut errors = BTreeMap::new();
    let register = match q.register.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => Register::parse(r).or_else(|| {
            errors.insert("register".to_string(), "field-not-option".to_string());
            None
        }),
    };
    let status = match q.status.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(s) => DocumentStatus::parse(s).or_else(|| {
            errors.insert("status".to_string(), "field-not-option".to_string());
            None
        }),
    };
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let whole = user.has(Role::Clerk) || user.has(Role::Leader);
    let query = DocumentQuery {
        register,
        year: q.year,
        status,
        text: q.text.clone(),
        only_for: (!whole).then_some(user.id),
        awaiting: q.awaiting_approval.then_some(user.id),
        roles: user.roles.clone(),
    };
    Ok(office::list(&state.db, &agency, &query, q.page, q.per_page).await?)
}

/// An action on a document as asked.
#[derive(Clone, Debug, Default)]
pub struct ActionForm {
    /// The action's machine name.
    pub action: String,
    /// The note: required for a comment and for sending a draft back.
    pub note: String,
    /// Assign: the person to handle it.
    pub assignee: Option<i64>,
    /// Assign: the deadline as a date, YYYY-MM-DD.
    pub due_on: String,
    /// Assign: the deadline in working days from now, when no date is given.
    pub due_days: Option<u32>,
    /// Assign: officers who co-handle it (phối hợp).
    pub co_handlers: Vec<i64>,
    /// Assign: officers who receive it for information (để biết).
    pub informed: Vec<i64>,
}

/// Takes an action on a document, if it is one of the viewer's actions now (409 otherwise).
pub async fn act(state: &AppState, user: &User, id: i64, form: &ActionForm) -> AppResult<DocumentView> {
    let v = view(state, user, id).await?;
    let d = &v.document;
    let action = DocumentAction::parse(form.action.trim())
        .ok_or_else(|| AppError::fields([("action".to_string(), "field-not-option".to_string())].into()))?;
    let who = v.standing;
    let mut to = next_status(d.status, action, who).ok_or_else(|| {
        // A draft waiting at someone else's step of its chain says so, not just "not now".
        let others_step = d.status == DocumentStatus::PendingApproval
            && matches!(action, DocumentAction::Approve | DocumentAction::SendBack);
        AppError::with(ErrorKind::Conflict, if others_step { "office-not-your-step" } else { "error-conflict" })
    })?;
    // Where the draft goes in its approval chain: submitted to the agency's chain of now, from
    // its first step; approved on to the next step or out of the chain; sent back out of it.
    let mut approval = None;
    let mut step_name = None;
    let mut signer_name = None;
    match action {
        DocumentAction::SubmitForApproval => {
            let chain = crate::office_chain::agency_chain(state, &d.agency_code).await?;
            approval = Some(ApprovalMove::Waits { chain: chain.steps().to_vec(), step: 0 });
        }
        DocumentAction::Approve => {
            let chain = ApprovalChain::kept(d.approval_chain.clone());
            let at = d.approval_step.unwrap_or(0);
            let (status, next) = approval_outcome(&chain, at);
            to = status;
            step_name = crate::office_chain::current_step_name(d);
            approval = Some(match next {
                Some(step) => ApprovalMove::Waits { chain: chain.steps().to_vec(), step },
                None => {
                    // The last step's approver signs, unless the author named the signer.
                    signer_name = Some(user.full_name.clone());
                    ApprovalMove::Leaves
                }
            });
        }
        DocumentAction::SendBack => {
            step_name = crate::office_chain::current_step_name(d);
            approval = Some(ApprovalMove::Leaves);
        }
        _ => {}
    }
    let mut errors = BTreeMap::new();
    let note = text(
        &form.note,
        5000,
        "note",
        matches!(action, DocumentAction::Comment | DocumentAction::SendBack),
        &mut errors,
    );
    let mut change = Change::new(action.as_str(), to);
    change.note = Some(note).filter(|n| !n.is_empty());
    change.approval = approval;
    change.step_name = step_name;
    change.signer_name = signer_name;
    let now = Utc::now();
    if action == DocumentAction::Assign {
        match form.assignee {
            Some(a) if v.assignable.iter().any(|(id, _)| *id == a) => change.assignee_user_id = Some(a),
            Some(_) => {
                errors.insert("assignee".into(), "field-not-option".into());
            }
            None => {
                errors.insert("assignee".into(), "field-required".into());
            }
        }
        change.involved = Some(involvement(form, &v.assignable, &mut errors));
        let today = now.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
        change.due_at = match (date(&form.due_on, "due_on", &mut errors), form.due_days) {
            (Some(day), _) if day < today => {
                errors.insert("due_on".into(), "office-due-past".into());
                None
            }
            (Some(day), _) => Some(end_of(day)),
            (None, Some(days)) if (1..=365).contains(&days) => Some(due_at(
                &state.calendar(),
                &state.catalog().counting_rule(&d.agency_code),
                now,
                TimeLimit { amount: days, unit: TimeUnit::WorkingDays },
            )),
            (None, _) if !errors.contains_key("due_on") => {
                errors.insert("due_on".into(), "field-required".into());
                None
            }
            _ => None,
        };
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let by = actor(user);
    let result = match action {
        DocumentAction::Dispatch => dispatch(state, user, d, &by, now).await.map(|_| ()),
        DocumentAction::Issue => {
            let issuer = state.catalog().agencies.get(&d.agency_code).map(|a| a.symbol_name()).unwrap_or_default();
            let kind = d.doc_type;
            let make = move |n: i64| symbol(u32::try_from(n).unwrap_or(u32::MAX), kind, &issuer, None);
            match office::apply(&state.db, id, d.revision, &change, &by, Some(&make), now).await {
                Ok(issued) => {
                    // The number is taken and recorded whatever happens to the PDF: one that
                    // cannot be made now (a signing key or token failing) is made at dispatch.
                    if let Err(e) = issue_pdf(state, user, &issued, now).await {
                        tracing::error!(document = id, "the issued PDF could not be made: {e:?}");
                    }
                    Ok(())
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => {
            office::apply(&state.db, id, d.revision, &change, &by, None, now).await.map(|_| ()).map_err(AppError::from)
        }
    };
    match result {
        Err(e) if e.kind == ErrorKind::Conflict => Err(AppError::with(ErrorKind::Conflict, "office-changed-meanwhile")),
        Err(e) => Err(e),
        Ok(()) => view(state, user, id).await,
    }
}

/// The officers named to co-handle or to know of a document as the leader chose them: each one
/// of the agency's officers who may be assigned, not the person assigned, named once (a person
/// named both ways co-handles).
fn involvement(
    form: &ActionForm,
    assignable: &[(i64, String)],
    errors: &mut BTreeMap<String, String>,
) -> Vec<(i64, Involvement)> {
    let mut out: Vec<(i64, Involvement)> = Vec::new();
    for (field, list, how) in [
        ("co_handlers", &form.co_handlers, Involvement::CoHandling),
        ("informed", &form.informed, Involvement::ForInformation),
    ] {
        for id in list {
            if !assignable.iter().any(|(a, _)| a == id) {
                errors.insert(field.into(), "field-not-option".into());
            } else if Some(*id) != form.assignee && !out.iter().any(|(a, _)| a == id) {
                out.push((*id, how));
            }
        }
    }
    out
}

/// The issued document as Decree 30/2020 Annex I lays it out, kept as the document's `issued`
/// file: what is sent. Signed as PAdES twice when the leader who approved it has a personal
/// certificate: first in their name in the signer's block, then in the agency's, the agency's
/// stamp over the left third of theirs (Annex I, section II); else in the agency's name only.
async fn issue_pdf(state: &AppState, user: &User, d: &Document, now: DateTime<Utc>) -> AppResult<()> {
    let catalog = state.catalog();
    let Some(agency) = catalog.agencies.get(&d.agency_code) else { return Ok(()) };
    let mut recipients: Vec<String> = d
        .recipients
        .iter()
        .map(|c| catalog.agencies.get(c).map(|a| a.name.clone()).unwrap_or_else(|| c.clone()))
        .collect();
    // The record copy names the version of the draft it was issued from.
    recipients.push(match crate::office_chain::final_version(state, d.id).await? {
        Some(n) => format!("Lưu: VT (bản thảo số {n})."),
        None => "Lưu: VT.".to_string(),
    });
    let doc = motcua_render::OfficialDocument {
        issuer: state.issuer(agency),
        symbol: d.symbol.clone().unwrap_or_default(),
        dated: d.issued_on.unwrap_or_else(|| now.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive()),
        type_name: if d.doc_type == DocumentType::OfficialLetter {
            String::new()
        } else {
            d.doc_type.name_vi().to_string()
        },
        subject: d.subject.clone(),
        body: d.body.clone().unwrap_or_default(),
        recipients,
        signer: motcua_render::Signer {
            title: d.signer_title.clone().unwrap_or_else(|| "THỦ TRƯỞNG CƠ QUAN".to_string()).to_uppercase(),
            name: d.signer_name.clone().unwrap_or_default(),
        },
    };
    let mut pdf = motcua_render::render_official_document(&doc).map_err(AppError::internal)?;
    let about = d.symbol.clone().unwrap_or_default();
    // Signed by the approving leader, by the agency, or both: what the IT-application figures
    // count as issued with a digital signature.
    let mut personally = false;
    if let Some(approver) = approver(state, d.id).await? {
        if let Some(signer) = approver.username.as_deref().and_then(|u| state.config.signers.officer(u)) {
            let personal = crate::pki::PdfSignature {
                signer,
                officer: approver.full_name.clone(),
                agency: agency.name.clone(),
                reason: format!("Ký ban hành — {about}"),
                location: state.config.place.clone(),
                contact: state.config.verify_url("").trim_end_matches('/').to_string(),
                at: now,
                timestamp_authority: state.config.timestamp_authority.clone(),
            };
            let place = pdf.signature_box;
            let bytes = tokio::task::spawn_blocking(move || personal.sign(&pdf, place))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::signing)?;
            let seal = place.map(|b| motcua_render::SignatureBox { x: b.x - b.width * 2.0 / 3.0, ..b });
            pdf = motcua_render::FormPdf { bytes, signature_box: seal };
            personally = true;
        }
    }
    let signer = d.signer_name.clone().unwrap_or_else(|| user.full_name.clone());
    let (bytes, by_agency) = crate::issued::sign(
        state,
        &d.agency_code,
        &signer,
        &about,
        motcua_render::FormKind::OfficialDocument,
        pdf,
        now,
    )
    .await?;
    let bytes = bytes::Bytes::from(bytes);
    let blob = state.blobs.put(bytes.clone()).await.map_err(AppError::internal)?;
    let file_name = format!("{}.pdf", about.replace('/', "-"));
    let mut file = crate::pdf_text::office_file("issued", file_name, "application/pdf".into(), blob, &bytes).await;
    file.signed = personally || by_agency;
    Ok(office::add_attachment(&state.db, d.id, &file, Some(user.id), now).await?)
}

/// The leader whose approval the document's issue rests on: the last one who approved it.
async fn approver(state: &AppState, id: i64) -> AppResult<Option<User>> {
    let events = office::events(&state.db, id).await?;
    let Some(user_id) =
        events.iter().rev().find(|e| e.action == DocumentAction::Approve.as_str()).and_then(|e| e.user_id)
    else {
        return Ok(None);
    };
    Ok(Some(motcua_store::users::user(&state.db, user_id).await?))
}

/// Sends an issued document to its recipients inside motcua: each agency's incoming register
/// takes it with its own arrival number and the same files.
async fn dispatch(state: &AppState, user: &User, d: &Document, by: &Actor, now: DateTime<Utc>) -> AppResult<Vec<i64>> {
    let mut files = office::attachments(&state.db, d.id).await?;
    if d.symbol.is_some() && !files.iter().any(|a| a.purpose == "issued") {
        // Numbered, but its PDF could not be made at the issue (a signing key or token that
        // failed): made now, or nothing is sent — never the unsigned drafts.
        if let Err(e) = issue_pdf(state, user, d, now).await {
            tracing::error!(document = d.id, "the issued PDF could not be made at dispatch: {e:?}");
            return Err(AppError::with(ErrorKind::Conflict, "office-issued-pdf-missing"));
        }
        files = office::attachments(&state.db, d.id).await?;
    }
    // The issued version when there is one, else the files as they stand.
    let issued: Vec<&OfficeAttachment> = files.iter().filter(|a| a.purpose == "issued").collect();
    let sent: Vec<&OfficeAttachment> = if issued.is_empty() { files.iter().collect() } else { issued };
    // Each file read once, the recipients' copies sharing its bytes and its text.
    let mut copies = Vec::with_capacity(sent.len());
    for a in sent {
        let bytes = state.blobs.get(&a.storage_key).await?;
        let blob = motcua_store::blobs::StoredBlob {
            storage_key: a.storage_key.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
        };
        copies.push(
            crate::pdf_text::office_file("original", a.file_name.clone(), a.content_type.clone(), blob, &bytes).await,
        );
    }
    let arrivals: Vec<NewDocument> =
        d.recipients.iter().map(|agency| NewDocument::arrival_of(d, agency, copies.clone())).collect();
    let catalog = state.catalog();
    let names: Vec<String> = d
        .recipients
        .iter()
        .map(|c| catalog.agencies.get(c).map(|a| a.name.clone()).unwrap_or_else(|| c.clone()))
        .collect();
    let note = Some(names.join("; ")).filter(|n| !n.is_empty());
    crate::edxml::dispatch(state, d, arrivals, by, note.as_deref(), now).await
}

/// A register of the user's agency for a year as Decree 30/2020 Annex IV prints it, ordinary
/// or confidential: for its clerks and leaders, who keep the whole register (404 for others).
pub async fn register_book(
    state: &AppState,
    user: &User,
    register: Register,
    year: i32,
    confidential: bool,
) -> AppResult<motcua_render::DocumentRegister> {
    let agency = agency_of(user)?;
    if !(user.has(Role::Clerk) || user.has(Role::Leader)) {
        return Err(AppError::not_found());
    }
    let lines = office::register_lines(&state.db, &agency, register, year, confidential).await?;
    let catalog = state.catalog();
    let Some(own) = catalog.agencies.get(&agency) else { return Err(AppError::not_found()) };
    let vi = crate::i18n::Lang::Vi;
    let day = |t: DateTime<Utc>| t.with_timezone(&motcua_domain::calendar::vn_offset()).format("%d/%m").to_string();
    let type_and_subject =
        |d: &Document| format!("{}: {}", vi.t(&format!("office-type-{}", d.doc_type.as_str())), d.subject);
    let note = |d: &Document| {
        let mut words = Vec::new();
        if d.urgency != Urgency::Normal {
            words.push(vi.t(&format!("office-urgency-{}", d.urgency.as_str())));
        }
        if d.confidentiality != Confidentiality::Normal {
            words.push(vi.t(&format!("office-secrecy-{}", d.confidentiality.as_str())));
        }
        words.join(", ")
    };
    let names = |codes: &[String]| {
        codes
            .iter()
            .map(|c| catalog.agencies.get(c).map(|a| a.name.clone()).unwrap_or_else(|| c.clone()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let book = match register {
        Register::Incoming => motcua_render::DocumentRegisterLines::Incoming(
            lines
                .iter()
                .map(|l| {
                    let d = &l.document;
                    motcua_render::IncomingLine {
                        arrived_on: d.received_at.map(day).unwrap_or_default(),
                        number: d.number.unwrap_or_default(),
                        issuer: d.issuer.clone(),
                        symbol: d.symbol.clone().unwrap_or_default(),
                        dated: d.issued_on.map(|x| x.format("%d/%m/%Y").to_string()).unwrap_or_default(),
                        subject: type_and_subject(d),
                        handled_by: l.assignee_name.clone().unwrap_or_default(),
                        note: note(d),
                    }
                })
                .collect(),
        ),
        Register::Outgoing => motcua_render::DocumentRegisterLines::Outgoing(
            lines
                .iter()
                .map(|l| {
                    let d = &l.document;
                    motcua_render::OutgoingLine {
                        symbol: d.symbol.clone().unwrap_or_default(),
                        dated: d.issued_on.map(|x| x.format("%d/%m").to_string()).unwrap_or_default(),
                        subject: type_and_subject(d),
                        signer: d.signer_name.clone().unwrap_or_default(),
                        recipients: names(&d.recipients),
                        file_copy: vi.t("office-register-file-copy"),
                        // One copy for each recipient and one for the file (lưu văn thư).
                        copies: u32::try_from(d.recipients.len() + 1).unwrap_or(u32::MAX),
                        sent_on: l.dispatched_at.map(day).unwrap_or_default(),
                        note: note(d),
                    }
                })
                .collect(),
        ),
    };
    Ok(motcua_render::DocumentRegister {
        issuer: state.issuer(own),
        year,
        confidential,
        exported_at: Utc::now(),
        lines: book,
    })
}

/// [`register_book`] as an A4 landscape PDF signed by the agency in the name of the officer
/// who printed it.
pub async fn register_pdf(
    state: &AppState,
    user: &User,
    register: Register,
    year: i32,
    confidential: bool,
) -> AppResult<Vec<u8>> {
    let book = register_book(state, user, register, year, confidential).await?;
    let kind = match register {
        Register::Incoming => motcua_render::FormKind::IncomingRegister,
        Register::Outgoing => motcua_render::FormKind::OutgoingRegister,
    };
    let at = book.exported_at;
    let pdf = motcua_render::render_document_register(&book).map_err(AppError::internal)?;
    let agency = agency_of(user)?;
    let (bytes, _) = crate::issued::sign(state, &agency, &user.full_name, &year.to_string(), kind, pdf, at).await?;
    Ok(bytes)
}
