//! The approval chains of outgoing documents and the versions of their drafts in the API
//! (shared/API.md, "Electronic office"): an agency's chain read and replaced by administrators,
//! a draft changed by its author with its previous versions kept. The rules are in
//! [`motcua_app::office_chain`].

use axum::extract::State;
use axum::Json;
use motcua_app::error::AppError;
use motcua_app::office_chain::{self, ChainEditor};
use motcua_app::office_versions::{self, RevisionForm};
use motcua_app::state::AppState;
use motcua_domain::approval::{ApprovalStep, Approver};
use motcua_domain::dossier::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::office::{full, ApproverDto, DocumentDto};
use super::{errors, ApiJson, ApiMultipart, ApiPath};
use crate::auth::CurrentUser;
use crate::error::HttpResult;
use crate::uploads;

/// Change a draft (its author, while it is a draft: before it is submitted or once sent back),
/// `multipart/form-data`; its previous content stays as a version.
#[utoipa::path(post, path = "/api/v1/documents/{id}/versions", tag = "office", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "Text parts: `subject`, `body`, `keep` (the \
ids of the draft's current files to keep, separated by commas; the others are dropped from the new version), \
`note` (what changed). Every file part is a new file of the draft (PDF or image); one with the same bytes as a \
current file is that file."),
    responses((status = 200, body = DocumentDto), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn revise(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiMultipart(mp): ApiMultipart,
) -> HttpResult<Json<DocumentDto>> {
    let parts = uploads::read(mp, state.config.max_file_bytes).await?;
    let f = |k: &str| parts.fields.get(k).cloned().unwrap_or_default();
    let form = RevisionForm {
        subject: f("subject"),
        body: f("body"),
        keep: f("keep").split([',', ' ', '\n']).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        note: f("note"),
    };
    Ok(Json(full(&office_versions::revise(&state, &user, id, &form, &parts.files).await?)))
}

/// One step of an agency's approval chain.
#[derive(Serialize, Deserialize, ToSchema, Clone)]
pub struct ChainStepDto {
    /// The step's name.
    pub name: String,
    /// Who approves there.
    pub approver: ApproverDto,
}

/// An agency's approval chain of outgoing documents.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ApprovalChainDto {
    /// The steps in order; the last one's approver signs. Sent empty, the agency goes back to
    /// the default chain (its leaders).
    pub steps: Vec<ChainStepDto>,
    /// Whether the agency configured its own (else the default: its leaders).
    #[serde(default)]
    pub configured: bool,
}

fn chain_dto(e: &ChainEditor) -> ApprovalChainDto {
    ApprovalChainDto {
        configured: e.configured,
        steps: e
            .steps
            .iter()
            .map(|s| ChainStepDto {
                name: s.name.clone(),
                approver: match &s.approver {
                    Approver::Officer { user_id } => ApproverDto {
                        kind: "officer".into(),
                        user_id: Some(*user_id),
                        role: None,
                        name: e.officers.iter().find(|o| o.0 == *user_id).map(|o| o.1.clone()),
                    },
                    Approver::Role { role } => {
                        ApproverDto { kind: "role".into(), user_id: None, role: Some(role.as_str().into()), name: None }
                    }
                },
            })
            .collect(),
    }
}

/// The approval chain of an agency's outgoing documents (administrators).
#[utoipa::path(get, path = "/api/v1/agencies/{code}/approval-chain", tag = "office", params(("code" = String, Path)),
    responses((status = 200, body = ApprovalChainDto), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn get_chain(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
) -> HttpResult<Json<ApprovalChainDto>> {
    Ok(Json(chain_dto(&office_chain::editor(&state, &user, &code).await?)))
}

/// Replace the approval chain of an agency's outgoing documents (administrators). Drafts
/// already submitted keep the chain they were submitted to.
#[utoipa::path(put, path = "/api/v1/agencies/{code}/approval-chain", tag = "office", params(("code" = String, Path)),
    request_body = ApprovalChainDto,
    responses((status = 200, body = ApprovalChainDto), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Validation),
    security(("bearer" = [])))]
pub async fn put_chain(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<ApprovalChainDto>,
) -> HttpResult<Json<ApprovalChainDto>> {
    let mut steps = Vec::with_capacity(body.steps.len());
    let mut errors = std::collections::BTreeMap::new();
    for (i, s) in body.steps.into_iter().enumerate() {
        let approver =
            match (s.approver.kind.as_str(), s.approver.user_id, s.approver.role.as_deref().and_then(Role::parse)) {
                ("officer", Some(user_id), _) => Approver::Officer { user_id },
                ("role", _, Some(role)) => Approver::Role { role },
                _ => {
                    errors.insert(format!("s{i}_approver"), "field-not-option".to_string());
                    continue;
                }
            };
        steps.push(ApprovalStep { name: s.name, approver });
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors).into());
    }
    Ok(Json(chain_dto(&office_chain::save(&state, &user, &code, steps).await?)))
}
