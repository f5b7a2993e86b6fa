//! `/api/v1/edxml/…`: the exchange between agencies in the edXML format of QCVN 102:2016
//! (shared/API.md, "Electronic office"). The rules are in [`motcua_app::edxml`].

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use motcua_app::edxml::{self, status_words, RecipientStatuses};
use motcua_app::i18n::Lang;
use motcua_app::state::AppState;
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::time;
use super::integration::{MaybeSystem, SystemCaller};
use super::{errors, ApiPath};
use crate::auth::MaybeUser;
use crate::error::{AppError, ErrorKind, HttpResult};
use crate::lang::CallerLang;

/// Whether a `Content-Type` names XML: `application/xml`, `text/xml` or a `+xml` type.
fn is_xml(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml")
}

/// An edXML package from another system (QCVN 102:2016), answered with a status package.
#[utoipa::path(post, path = "/api/v1/edxml/packages", tag = "office",
    request_body(content_type = "application/xml", description = "An edXML package of QCVN 102:2016: a document \
package (`edXML:edXMLEnvelope` with its `edXMLHeader` — `MessageHeader` with From and To organisation ids of the form \
`000.00.12.H38`, `Code`, `PromulgationInfo`, `DocumentType`, `Subject`, `SignerInfo`, `DueDate`, `OtherInfo/Priority`, \
`SteeringType`, `DocumentId` — and `edXMLBody` manifest, the attachments base64 in `AttachmentEncoded`), or a status \
package (`edXML:Status`) recalling (13) a document the caller sent. A document package is taken once per addressed \
agency, however often it comes."),
    responses(
        (status = 200, content_type = "application/xml", description = "A status package: `01` when the document was \
taken (the same answer when it comes again), `15`/`16` answering a recall, or `02` refusing the package with the reason \
in `Description` — not addressed to an agency served here, an element missing or invalid, an attachment that does not \
match its digest, a signed PDF whose signature no longer holds."),
        errors::BadRequest, errors::Unauthenticated, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn receive(
    State(state): State<AppState>,
    SystemCaller(system): SystemCaller,
    headers: HeaderMap,
    body: Body,
) -> HttpResult<Response> {
    if !is_xml(&headers) {
        return Err(AppError::with(ErrorKind::BadRequest, "edxml-not-xml").into());
    }
    let bytes = axum::body::to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| AppError::new(ErrorKind::PayloadTooLarge))?;
    let answer = edxml::receive(&state, &system, &bytes).await?;
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, "application/xml; charset=utf-8")], answer.to_xml()).into_response())
}

/// One status a recipient reported.
#[derive(Serialize, ToSchema)]
pub struct EdxmlStatusDto {
    /// QCVN 102 code: `01` received, `02` refused, `03` acknowledged, `04` assigned, `05` being
    /// processed, `06` completed, `13` recall requested (by the sender), `15` recall accepted,
    /// `16` recall refused.
    pub code: String,
    /// The code in words, in the caller's language.
    pub name: String,
    /// What the reporter said (a note, the reason of a refusal); may be empty.
    pub description: String,
    /// The organisation reporting.
    pub organ_id: String,
    /// Who acted.
    pub staff: String,
    /// Their agency or unit.
    pub department: String,
    /// When.
    pub at: String,
}

/// One recipient of a package and its statuses.
#[derive(Serialize, ToSchema)]
pub struct EdxmlRecipientDto {
    /// The package's `DocumentId`.
    pub document_id: String,
    /// The recipient's organisation id (`000.00.20.H38`).
    pub organ_id: String,
    /// Its name.
    pub name: String,
    /// Its latest status.
    pub latest: Option<EdxmlStatusDto>,
    /// Every status, oldest first.
    pub statuses: Vec<EdxmlStatusDto>,
}

fn recipient(r: &RecipientStatuses, lang: Lang) -> EdxmlRecipientDto {
    let status = |s: &motcua_store::edxml::Status| EdxmlStatusDto {
        code: s.code.as_code().into(),
        name: status_words(s.code, lang),
        description: s.description.clone(),
        organ_id: s.organ_id.clone(),
        staff: s.staff.clone(),
        department: s.department.clone(),
        at: time(s.at),
    };
    EdxmlRecipientDto {
        document_id: r.document_id.clone(),
        organ_id: r.organ_id.clone(),
        name: r.name.clone(),
        latest: r.latest().map(status),
        statuses: r.statuses.iter().map(status).collect(),
    }
}

/// What each recipient answered to the packages of a document: `id` is the outgoing document's
/// id (officers of the sending agency who see it, or a system token), or the package's
/// `DocumentId` (a system token only).
#[utoipa::path(get, path = "/api/v1/edxml/packages/{id}/statuses", tag = "office",
    params(("id" = String, Path, description = "The outgoing document's id, or (system tokens) the package's DocumentId")),
    responses((status = 200, body = Vec<EdxmlRecipientDto>), errors::NotFound),
    security(("bearer" = [])))]
pub async fn statuses(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    user: MaybeUser,
    MaybeSystem(system): MaybeSystem,
    ApiPath(id): ApiPath<String>,
) -> HttpResult<Json<Vec<EdxmlRecipientDto>>> {
    let list = match (system, user.user()) {
        (Some(_), _) => edxml::statuses_for_system(&state, &id).await?,
        (None, Some(u)) => {
            let id = id.parse::<i64>().map_err(|_| AppError::not_found())?;
            let v = motcua_app::office::view(&state, u, id).await?;
            edxml::statuses_of_sent(&state, &v.document).await?
        }
        (None, None) => return Err(AppError::not_found().into()),
    };
    Ok(Json(list.iter().map(|r| recipient(r, lang)).collect()))
}
