//! `/api/v1/dossiers`, `/api/v1/attachments`, `/api/v1/lookup`.

use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use motcua_domain::dossier::{Action, Status};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;

use super::dto::{
    ActionRequest, AnswerRequest, AssignRequest, DossierDto, DossierList, DossierSummary, LookupResponse, RatingDto,
};
use super::{errors, ApiJson, ApiMultipart, ApiPath, ApiQuery};
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{AppError, ErrorKind, HttpResult};
use crate::lang::CallerLang;
use crate::uploads;
use motcua_app::dossiers::act::{self, ActCommand, NewDue};
use motcua_app::state::AppState;

/// What the `Idempotency-Key` header does, in the OpenAPI document.
const IDEMPOTENCY_KEY: &str = "Optional, 1–255 characters of the client's choosing (a UUID). The same key \
sent again by the same caller within 24 hours answers the first request's successful answer again, with the \
header `Idempotent-Replayed: true`, instead of creating a second dossier or starting a second payment. The same \
key with another request answers 422; while the first request still runs, 409. An error answer keeps nothing: \
the key may be sent again.";

/// Apply online: multipart with `procedure_code`, `data` (JSON answers), one file part per
/// required document named by its key, and optionally `reuse` (a JSON object from document
/// keys to ids of the caller's store, `GET /api/v1/me/documents`) for the documents that are
/// not uploaded again ("only once", Decree 45/2020).
#[utoipa::path(post, path = "/api/v1/dossiers", tag = "dossiers",
    request_body(content_type = "multipart/form-data", description = "Parts:\n\
- `procedure_code` (text): the procedure.\n\
- `data` (text): a JSON object of form answers by `FormField.key`.\n\
- one file part per document, named by its `key` (PDF, JPEG, PNG, TIFF or WebP).\n\
- `reuse` (text, optional): a JSON object `{\"<document key>\": \"<attachment id>\"}` that takes, for each \
document named, a document of the caller's store (`GET /api/v1/me/documents`) instead of a file. \
Only documents whose `reusable` is true accept one, and only from the caller's own store; \
a file part for the same key wins over it. The attachment is recorded with `reused` and \
`from_citizen_store` set. Refused picks answer 422 with a message for that document key.\n\
- `organisation` (text, optional): the tax code of a verified organisation the caller represents \
(`GET /api/v1/organisations`), to apply in its name; any other answers 422 on `organisation`."),
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    responses((status = 201, body = DossierDto), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::NotFound, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    CurrentUser(user): CurrentUser,
    idempotency: Option<axum::Extension<motcua_store::idempotency::Key>>,
    ApiMultipart(mp): ApiMultipart,
) -> HttpResult<(StatusCode, Json<DossierDto>)> {
    let parts = uploads::read(mp, state.config.max_file_bytes).await?;
    let code = parts.fields.get("procedure_code").map(|s| s.trim().to_string()).unwrap_or_default();
    let answers: Map<String, Value> = match parts.fields.get("data").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Map::new(),
        Some(raw) => match serde_json::from_str(raw) {
            Ok(Value::Object(m)) => m,
            _ => {
                let mut f = std::collections::BTreeMap::new();
                f.insert("data".to_string(), "field-not-json-object".to_string());
                return Err(AppError::fields(f).into());
            }
        },
    };
    let picks = store_picks(parts.fields.get("reuse").map(String::as_str))?;
    let as_organisation = match parts.fields.get("organisation").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(tax_code) => Some(motcua_app::organisations::represented_by_tax_code(&state, &user, tax_code).await?),
        None => None,
    };
    let application = motcua_app::dossiers::submit::OnlineApplication {
        procedure_code: code,
        answers,
        files: parts.files,
        picks,
        as_organisation,
        idempotency: idempotency.map(|axum::Extension(key)| key),
    };
    let d = motcua_app::dossiers::submit::submit_dossier(&state, &user, application).await?;
    created(&state, &user, &d.code, lang).await
}

/// The answer to an application: the new dossier as its applicant sees it, 201.
pub(crate) async fn created(
    state: &AppState,
    user: &motcua_store::users::User,
    code: &str,
    lang: motcua_app::i18n::Lang,
) -> HttpResult<(StatusCode, Json<DossierDto>)> {
    let view = motcua_app::dossiers::view::view_dossier(state, Some(user), code).await?;
    Ok((StatusCode::CREATED, Json(DossierDto::new(&view, lang))))
}

/// The part `reuse` of an application: `{"<document key>": "<attachment id>"}`, as
/// `(key, id)` pairs; nothing when absent or empty.
fn store_picks(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(vec![]) };
    let refused = || AppError::fields([("reuse".to_string(), "field-reuse-not-object".to_string())].into());
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(raw) else { return Err(refused()) };
    map.into_iter()
        .filter(|(_, id)| id.as_str().is_none_or(|id| !id.trim().is_empty()))
        .map(|(key, id)| match id {
            Value::String(id) => Ok((key, id)),
            _ => Err(refused()),
        })
        .collect()
}

/// List filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this status.
    #[param(
        pattern = "^(|submitted|received|processing|supplement_requested|payment_requested|refused|withdrawn|result_ready|returned)$"
    )]
    pub status: Option<String>,
    /// `queue` (default): what the officer may act on now; `agency`: everything of the agency;
    /// `consulted`: dossiers on which the officer's agency is asked for an opinion.
    pub scope: Option<String>,
    /// `due_soon` (due by the close of the next working day) or `overdue`.
    #[param(pattern = "^(|due_soon|overdue)$")]
    pub deadline: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Per page (1–200, default 20).
    pub per_page: Option<i64>,
    /// Start after this position: the `next` of the page before, instead of `page`. Faster
    /// however deep, and steady while dossiers arrive.
    pub after: Option<String>,
}

/// A citizen's own dossiers, or an officer's work queue.
#[utoipa::path(get, path = "/api/v1/dossiers", tag = "dossiers", params(ListQuery),
    responses((status = 200, body = DossierList), errors::BadRequest, errors::Unauthenticated, errors::Validation),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> HttpResult<Json<DossierList>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            let mut f = std::collections::BTreeMap::new();
            f.insert("status".to_string(), "field-not-option".to_string());
            AppError::fields(f)
        })?),
    };
    let tab = match q.scope.as_deref() {
        Some("agency") => motcua_app::dossiers::queue::QueueTab::Unit,
        Some("consulted") => motcua_app::dossiers::queue::QueueTab::Consulted,
        _ => motcua_app::dossiers::queue::QueueTab::Mine,
    };
    let deadline = match q.deadline.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some("due_soon") => Some(motcua_app::dossiers::queue::DeadlineFilter::DueSoon),
        Some("overdue") => Some(motcua_app::dossiers::queue::DeadlineFilter::Overdue),
        Some(_) => {
            return Err(AppError::fields([("deadline".to_string(), "field-not-option".to_string())].into()).into())
        }
    };
    let after = match q.after.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Some(
            motcua_store::dossiers::Cursor::parse(a)
                .ok_or_else(|| AppError::fields([("after".to_string(), "field-not-cursor".to_string())].into()))?,
        ),
    };
    let query = motcua_app::dossiers::queue::QueueQuery {
        tab,
        deadline,
        status,
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(20),
        after,
        ..Default::default()
    };
    let page = motcua_app::dossiers::queue::list(&state, &user, &query).await?;
    let catalog = state.catalog();
    Ok(Json(DossierList {
        items: page
            .items
            .iter()
            .map(|d| {
                DossierSummary::new(
                    d,
                    catalog.get(&d.procedure_code).map(|p| p.name.as_str()).unwrap_or(&d.procedure_code),
                )
            })
            .collect(),
        total: page.total,
        total_capped: page.total_capped,
        next: page.next.map(|c| c.to_string()),
    }))
}

/// One dossier with its documents, history and the actions the caller may take.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}", tag = "dossiers", params(("code" = String, Path)),
    responses((status = 200, body = DossierDto), errors::NotFound), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    user: MaybeUser,
    ApiPath(code): ApiPath<String>,
) -> HttpResult<Json<DossierDto>> {
    let view = motcua_app::dossiers::view::view_dossier(&state, user.user(), &code).await?;
    Ok(Json(DossierDto::new(&view, lang)))
}

/// Take an action: JSON `{"action","note"}`, or multipart with `action`, `note` and files
/// (`result` for `issue_result`; document keys for `supplement`).
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/actions", tag = "dossiers",
    params(("code" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    request_body = ActionRequest,
    responses((status = 200, body = DossierDto), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    req: Request,
) -> HttpResult<Json<DossierDto>> {
    let (head, body) = req.into_parts();
    let lang = crate::lang::lang_of(&head);
    let req = Request::from_parts(head, body);
    let client_ip = client.to_string();
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (action, note, due, to_step, files) = if is_multipart {
        let ApiMultipart(mp) = ApiMultipart::from_request(req, &state).await?;
        let mut parts = uploads::read(mp, state.config.max_file_bytes).await?;
        (
            parts.fields.remove("action").unwrap_or_default(),
            parts.fields.remove("note"),
            parts.fields.remove("due_at"),
            parts.fields.remove("to_step"),
            parts.files,
        )
    } else {
        let ApiJson(r) = ApiJson::<ActionRequest>::from_request(req, &state).await?;
        (r.action, r.note, r.due_at, r.to_step, vec![])
    };
    let action = Action::parse(action.trim()).ok_or_else(act::unavailable)?;
    let command = ActCommand {
        action,
        note: note.as_deref(),
        new_due: due.as_deref().and_then(NewDue::parse),
        to_step: to_step.as_deref(),
        files: &files,
        client_ip: Some(&client_ip),
        lang,
    };
    let view = act::act(&state, &user, &code, command).await?;
    Ok(Json(DossierDto::new(&view, lang)))
}

/// A unit leader assigns the dossier's current step to a specialist of the unit.
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/assign", tag = "dossiers", params(("code" = String, Path)), request_body = AssignRequest,
    responses((status = 200, body = DossierDto), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(r): ApiJson<AssignRequest>,
) -> HttpResult<Json<DossierDto>> {
    let refused = motcua_app::dossiers::assign::assign(&state, &user, std::slice::from_ref(&code), r.assignee).await?;
    if !refused.is_empty() {
        // Not visible, or not the leader of the step: indistinguishable from a missing dossier
        // only when the caller may not see it.
        motcua_app::dossiers::view::view_dossier(&state, Some(&user), &code).await?;
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable").into());
    }
    let view = motcua_app::dossiers::view::view_dossier(&state, Some(&user), &code).await?;
    Ok(Json(DossierDto::new(&view, lang)))
}

/// A consulted agency gives its opinion; the asking step may finish once every opinion is in.
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/consultations/{id}/answer", tag = "dossiers",
    params(("code" = String, Path), ("id" = i64, Path)), request_body = AnswerRequest,
    responses((status = 200, body = DossierDto), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn answer_consultation(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    CurrentUser(user): CurrentUser,
    ApiPath((code, id)): ApiPath<(String, i64)>,
    ApiJson(r): ApiJson<AnswerRequest>,
) -> HttpResult<Json<DossierDto>> {
    let view = motcua_app::dossiers::consult::answer_consultation(&state, &user, &code, id, &r.answer).await?;
    Ok(Json(DossierDto::new(&view, lang)))
}

/// The applicant rates the service once the result is out (once).
#[utoipa::path(post, path = "/api/v1/dossiers/{code}/rating", tag = "dossiers", params(("code" = String, Path)), request_body = RatingDto,
    responses((status = 200, body = DossierDto), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn rate(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(r): ApiJson<RatingDto>,
) -> HttpResult<Json<DossierDto>> {
    let levels = [
        Some(r.overall.as_str()),
        Some(r.timeliness.as_str()),
        Some(r.convenience.as_str()),
        Some(r.attitude.as_str()),
    ];
    let view = motcua_app::dossiers::rate::rate_dossier(&state, &user, &code, levels, r.comment.as_deref()).await?;
    Ok(Json(DossierDto::new(&view, lang)))
}

/// The exact bytes of an attachment, for whoever may see its dossier.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "dossiers", params(("id" = String, Path)),
    responses((status = 200, description = "The file"), errors::NotFound), security(("bearer" = [])))]
pub async fn attachment(
    State(state): State<AppState>,
    user: MaybeUser,
    ApiPath(id): ApiPath<String>,
) -> HttpResult<Response> {
    let (a, bytes) = motcua_app::dossiers::view::attachment_bytes(&state, user.user(), &id).await?;
    Ok(file_response(&a.content_type, &a.file_name, bytes))
}

/// A download answer: the sniffed type, the display name for saving, never cached by proxies.
pub fn file_response(content_type: &str, file_name: &str, bytes: bytes::Bytes) -> Response {
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String =
        url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect::<String>().replace('+', "%20");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

/// Lookup parameters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// Dossier code.
    pub code: String,
    /// The applicant's phone.
    pub phone: String,
}

/// Public lookup of a dossier's progress by code and the applicant's phone.
#[utoipa::path(get, path = "/api/v1/lookup", tag = "dossiers", params(LookupQuery),
    responses((status = 200, body = LookupResponse), errors::BadRequest, errors::NotFound,
        (status = 429, body = super::dto::ErrorBody, description = "Too many lookups from this address")))]
pub async fn lookup(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> HttpResult<Json<LookupResponse>> {
    let (d, p) = motcua_app::dossiers::view::lookup(&state, client, &q.code, &q.phone).await?;
    Ok(Json(LookupResponse {
        code: d.code,
        procedure_name: p.name.clone(),
        status: d.status.as_str().into(),
        received_at: d.received_at.map(super::dto::time),
        due_at: d.due_at.map(super::dto::time),
    }))
}
