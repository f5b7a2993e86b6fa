//! `/api/v1/documents`: the electronic office's incoming and outgoing documents (shared/API.md,
//! "Electronic office"). The rules are in [`motcua_app::office`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use motcua_app::office::{self, ActionForm, DocumentForm, DocumentView};
use motcua_app::office_chain::ApproverName;
use motcua_app::state::AppState;
use motcua_domain::office::Involvement;
use motcua_store::office::Document;
use motcua_store::office_chain::Version;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dossiers::file_response;
use super::dto::time;
use super::{errors, ApiJson, ApiMultipart, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::HttpResult;
use crate::uploads;

/// A document of an agency's registers.
#[derive(Serialize, ToSchema)]
pub struct DocumentDto {
    /// Id.
    pub id: i64,
    /// `incoming` or `outgoing`.
    pub register: String,
    /// Arrival number (incoming) or number at issue (outgoing); none for a draft.
    pub number: Option<i64>,
    /// Number and symbol (`07/QĐ-UBND`): the sender's, or ours once issued.
    pub symbol: Option<String>,
    /// Type: `official_letter`, `decision`, `regulation`, `notice`, `plan`, `report`,
    /// `submission`, `invitation`, `programme`, `guidance` or `minutes`.
    #[serde(rename = "type")]
    pub doc_type: String,
    /// Trích yếu.
    pub subject: String,
    /// The issuing body.
    pub issuer: String,
    /// The date on the document.
    pub issued_on: Option<String>,
    /// When it arrived (incoming).
    pub received_on: Option<String>,
    /// When its handling is due.
    pub due_on: Option<String>,
    /// `normal`, `urgent`, `very_urgent` or `flash`.
    pub urgency: String,
    /// `normal`, `confidential`, `secret` or `top_secret`.
    pub confidentiality: String,
    /// Status.
    pub status: String,
    /// The text (outgoing).
    pub body: Option<String>,
    /// The agencies it goes to (outgoing), by code.
    pub recipients: Vec<String>,
    /// Who handles it, and by when.
    pub assignments: Vec<AssignmentDto>,
    /// Its files.
    pub attachments: Vec<OfficeFileDto>,
    /// Its history, oldest first.
    pub history: Vec<OfficeEventDto>,
    /// What the caller may do now.
    pub actions: Vec<String>,
    /// Outgoing: its approval chain, step by step — the one it was submitted to, or before its
    /// submission (or once sent back) the one it would go through now.
    pub approval: Vec<ApprovalStepDto>,
    /// Outgoing: the versions of its draft, oldest first; the last is the current one.
    pub versions: Vec<VersionDto>,
}

/// Someone taking part in a document.
#[derive(Serialize, ToSchema)]
pub struct AssignmentDto {
    /// `lead`: the person who handles it; `co_handling`: helps them (phối hợp);
    /// `for_information`: receives it to know of it (để biết).
    pub role: String,
    /// Their name.
    pub assignee: String,
    /// When it is due.
    pub due_at: Option<String>,
}

/// A file of a document.
#[derive(Serialize, ToSchema)]
pub struct OfficeFileDto {
    /// Id.
    pub id: String,
    /// `original` (received or scanned), `draft` or `issued`.
    pub key: String,
    /// File name.
    pub file_name: String,
    /// Sniffed type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 hex.
    pub sha256: String,
    /// Where to download the exact bytes.
    pub url: String,
}

/// One event of a document's history.
#[derive(Serialize, ToSchema)]
pub struct OfficeEventDto {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What (`register`, `draft`, `assign`, …).
    pub action: String,
    /// Status before.
    pub from_status: Option<String>,
    /// Status after.
    pub to_status: Option<String>,
    /// The note.
    pub note: Option<String>,
    /// The step of the approval chain an approval or a sending back was decided at.
    pub step: Option<String>,
}

fn summary(d: &Document) -> DocumentDto {
    let day = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive().format("%Y-%m-%d").to_string()
    };
    DocumentDto {
        id: d.id,
        register: d.register.as_str().into(),
        number: d.number,
        symbol: d.symbol.clone(),
        doc_type: d.doc_type.as_str().into(),
        subject: d.subject.clone(),
        issuer: d.issuer.clone(),
        issued_on: d.issued_on.map(|x| x.format("%Y-%m-%d").to_string()),
        received_on: d.received_at.map(day),
        due_on: d.due_at.map(day),
        urgency: d.urgency.as_str().into(),
        confidentiality: d.confidentiality.as_str().into(),
        status: d.status.as_str().into(),
        body: d.body.clone(),
        recipients: d.recipients.clone(),
        assignments: vec![],
        attachments: vec![],
        history: vec![],
        actions: vec![],
        approval: vec![],
        versions: vec![],
    }
}

pub(super) fn full(v: &DocumentView) -> DocumentDto {
    let d = &v.document;
    let mut dto = summary(d);
    dto.assignments = v
        .assignee
        .iter()
        .map(|name| AssignmentDto { role: "lead".into(), assignee: name.clone(), due_at: d.due_at.map(time) })
        .chain(v.involved.iter().map(|(name, how)| AssignmentDto {
            role: how.as_str().into(),
            assignee: name.clone(),
            due_at: (*how == Involvement::CoHandling).then_some(d.due_at.map(time)).flatten(),
        }))
        .collect();
    dto.attachments = v.attachments.iter().map(file_dto).collect();
    dto.history = v
        .events
        .iter()
        .map(|e| OfficeEventDto {
            at: time(e.at),
            actor: e.actor_name.clone(),
            action: e.action.clone(),
            from_status: e.from_status.map(|s| s.as_str().into()),
            to_status: e.to_status.map(|s| s.as_str().into()),
            note: e.note.clone(),
            step: e.step_name.clone(),
        })
        .collect();
    dto.actions = v.actions.iter().map(|a| a.as_str().into()).collect();
    dto.approval = approval_of(v);
    dto.versions = v.versions.iter().map(version_dto).collect();
    dto
}

/// A file as the API lists it.
fn file_dto(a: &motcua_store::office::OfficeAttachment) -> OfficeFileDto {
    OfficeFileDto {
        id: a.id.clone(),
        key: a.purpose.clone(),
        file_name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
        url: format!("/api/v1/documents/{}/files/{}", a.document_id, a.id),
    }
}

/// Who approves at a step.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct ApproverDto {
    /// `officer`: one named officer of the agency (e.g. the head of a unit); `role`: any
    /// holder of the role in the agency (e.g. its leaders).
    pub kind: String,
    /// `officer`: their user id.
    pub user_id: Option<i64>,
    /// `role`: `specialist`, `leader` or `clerk`.
    pub role: Option<String>,
    /// `officer`: their name (ignored when sent).
    #[serde(default)]
    pub name: Option<String>,
}

/// One step of a document's approval chain.
#[derive(Serialize, ToSchema)]
pub struct ApprovalStepDto {
    /// From 1.
    pub position: usize,
    /// The step's name ("Trưởng phòng", "Lãnh đạo Sở").
    pub name: String,
    /// Who approves there.
    pub approver: ApproverDto,
    /// `done` (approved), `current` (the document waits here) or `waiting`.
    pub state: String,
    /// Who approved there, in the current round.
    pub approved_by: Option<String>,
    /// When.
    pub approved_at: Option<String>,
}

/// A version of a draft.
#[derive(Serialize, ToSchema)]
pub struct VersionDto {
    /// From 1.
    pub number: i64,
    /// Who made it.
    pub author: String,
    /// When.
    pub at: String,
    /// Trích yếu.
    pub subject: String,
    /// The text.
    pub body: Option<String>,
    /// What its author said of it.
    pub note: Option<String>,
    /// Its files as they were, each downloadable.
    pub files: Vec<OfficeFileDto>,
}

/// The chain of a document, as the API shows it.
fn approval_of(v: &DocumentView) -> Vec<ApprovalStepDto> {
    v.chain
        .iter()
        .enumerate()
        .map(|(i, s)| ApprovalStepDto {
            position: i + 1,
            name: s.name.clone(),
            approver: match &s.approver {
                ApproverName::Officer(name) => {
                    ApproverDto { kind: "officer".into(), user_id: None, role: None, name: Some(name.clone()) }
                }
                ApproverName::Role(r) => {
                    ApproverDto { kind: "role".into(), user_id: None, role: Some(r.as_str().into()), name: None }
                }
            },
            state: s.state.as_str().into(),
            approved_by: s.decided.as_ref().map(|d| d.0.clone()),
            approved_at: s.decided.as_ref().map(|d| time(d.1)),
        })
        .collect()
}

/// A version, as the API shows it.
fn version_dto(v: &Version) -> VersionDto {
    VersionDto {
        number: v.number,
        author: v.author_name.clone(),
        at: time(v.created_at),
        subject: v.subject.clone(),
        body: v.body.clone(),
        note: v.note.clone(),
        files: v.files.iter().map(file_dto).collect(),
    }
}

/// A page of documents.
#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    /// The documents, newest first.
    pub items: Vec<DocumentDto>,
    /// How many in all.
    pub total: i64,
}

/// List parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// `incoming` or `outgoing`; both when absent.
    pub register: Option<String>,
    /// The year of the register.
    pub year: Option<i32>,
    /// Words to find, with or without diacritics: each in the number and symbol, the subject, the
    /// issuer or the text of the document's PDFs.
    pub q: Option<String>,
    /// A status.
    pub status: Option<String>,
    /// `true`: only the drafts waiting at a step of their approval chain where the caller may
    /// approve.
    pub awaiting_approval: Option<bool>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Documents a page (at most 200).
    pub per_page: Option<i64>,
}

/// The documents of the caller's agency that the caller may see: clerks and leaders the whole
/// registers, specialists what was assigned to them or drafted by them.
#[utoipa::path(get, path = "/api/v1/documents", tag = "office", params(DocumentQuery),
    responses((status = 200, body = DocumentList), errors::Unauthenticated, errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> HttpResult<Json<DocumentList>> {
    let query = office::ListQuery {
        register: q.register,
        year: q.year,
        text: q.q,
        status: q.status,
        awaiting_approval: q.awaiting_approval.unwrap_or(false),
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(20),
    };
    let page = office::list(&state, &user, &query).await?;
    Ok(Json(DocumentList { items: page.items.iter().map(summary).collect(), total: page.total }))
}

/// Register an incoming document (clerks; it takes the next arrival number of the register and
/// year, its files marked digitised) or start an outgoing draft, `multipart/form-data`.
#[utoipa::path(post, path = "/api/v1/documents", tag = "office",
    request_body(content_type = "multipart/form-data", description = "Text parts: `register` (`incoming` or \
`outgoing`), `type`, `subject` (trích yếu); for an incoming document `symbol` (the sender's number and symbol), \
`issuer` (the sender) and `issued_on` (YYYY-MM-DD); optionally `due_on`, `urgency`, `confidentiality`; for an \
outgoing draft `body`, `recipients` (agency codes separated by commas), `signer_name`, `signer_title`. Every \
file part is a file of the document (PDF or image)."),
    responses((status = 201, body = DocumentDto), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::NotFound, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiMultipart(mp): ApiMultipart,
) -> HttpResult<(StatusCode, Json<DocumentDto>)> {
    let parts = uploads::read(mp, state.config.max_file_bytes).await?;
    let form = form_of(&parts.fields);
    let d = office::create(&state, &user, &form, &parts.files).await?;
    let v = office::view(&state, &user, d.id).await?;
    Ok((StatusCode::CREATED, Json(full(&v))))
}

/// A document as typed, from the text parts of a form.
pub fn form_of(fields: &std::collections::HashMap<String, String>) -> DocumentForm {
    let f = |k: &str| fields.get(k).cloned().unwrap_or_default();
    DocumentForm {
        register: f("register"),
        doc_type: f("type"),
        symbol: f("symbol"),
        subject: f("subject"),
        issuer: f("issuer"),
        issued_on: f("issued_on"),
        due_on: f("due_on"),
        urgency: f("urgency"),
        confidentiality: f("confidentiality"),
        body: f("body"),
        recipients: f("recipients").split([',', ' ', '\n']).map(str::to_string).filter(|s| !s.is_empty()).collect(),
        signer_name: f("signer_name"),
        signer_title: f("signer_title"),
    }
}

/// One document, with its files, history and the caller's actions.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "office", params(("id" = i64, Path)),
    responses((status = 200, body = DocumentDto), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> HttpResult<Json<DocumentDto>> {
    Ok(Json(full(&office::view(&state, &user, id).await?)))
}

/// An action on a document.
#[derive(Deserialize, ToSchema, Default)]
pub struct DocumentActionRequest {
    /// One of the document's `actions`: `assign`, `acknowledge`, `comment`, `complete`,
    /// `submit_for_approval`, `approve`, `send_back`, `issue`, `dispatch`, `recall`.
    #[serde(default)]
    pub action: String,
    /// The note (required for `comment` and `send_back`).
    #[serde(default)]
    pub note: String,
    /// `assign`: the user id of the officer who will handle it.
    pub assignee: Option<i64>,
    /// `assign`: the deadline, YYYY-MM-DD.
    #[serde(default)]
    pub due_on: String,
    /// `assign`: the deadline in working days from now, when `due_on` is absent.
    pub due_days: Option<u32>,
    /// `assign`: the user ids of officers who co-handle it (phối hợp).
    #[serde(default)]
    pub co_handlers: Vec<i64>,
    /// `assign`: the user ids of officers who receive it for information (để biết).
    #[serde(default)]
    pub informed: Vec<i64>,
}

/// Take an action; one not in the document's `actions` for the caller answers 409.
#[utoipa::path(post, path = "/api/v1/documents/{id}/actions", tag = "office", params(("id" = i64, Path)),
    request_body = DocumentActionRequest,
    responses((status = 200, body = DocumentDto), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::Validation),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DocumentActionRequest>,
) -> HttpResult<Json<DocumentDto>> {
    let form = ActionForm {
        action: body.action,
        note: body.note,
        assignee: body.assignee,
        due_on: body.due_on,
        due_days: body.due_days,
        co_handlers: body.co_handlers,
        informed: body.informed,
    };
    Ok(Json(full(&office::act(&state, &user, id, &form).await?)))
}

/// The exact bytes of a document's file, for whoever sees the document.
#[utoipa::path(get, path = "/api/v1/documents/{id}/files/{file}", tag = "office",
    params(("id" = i64, Path), ("file" = String, Path)),
    responses((status = 200, description = "The file"), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn file(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, file)): ApiPath<(i64, String)>,
) -> HttpResult<Response> {
    let (a, bytes) = office::file(&state, &user, id, &file).await?;
    Ok(file_response(&a.content_type, &a.file_name, bytes))
}
