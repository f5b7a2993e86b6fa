//! `/api/v1/me/documents`: the caller's document store ("only once", Decree 45/2020).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{time, StoredDocumentDto, StoredDocumentList};
use super::{errors, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::HttpResult;
use crate::lang::CallerLang;
use motcua_app::state::AppState;
use motcua_domain::dossier::AttachmentPurpose;

/// Paging of the store.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StoreQuery {
    /// Page, from 1.
    pub page: Option<i64>,
    /// Per page (1–1000, default 100).
    pub per_page: Option<i64>,
}

/// The caller's document store, newest first: every document of their dossiers (uploaded,
/// supplemented or scanned at the desk) and every result issued to them. Any of them may be
/// attached again to a new application, for a document that accepts reuse, through the part
/// `reuse` of `POST /api/v1/dossiers`. Citizens only.
#[utoipa::path(get, path = "/api/v1/me/documents", tag = "documents", operation_id = "list_my_documents", params(StoreQuery),
    responses((status = 200, body = StoredDocumentList), errors::BadRequest, errors::Unauthenticated, errors::Forbidden),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    CallerLang(lang): CallerLang,
    ApiQuery(q): ApiQuery<StoreQuery>,
) -> HttpResult<Json<StoredDocumentList>> {
    let page = motcua_app::citizen_store::document_store(&state, &user, q.page.unwrap_or(1), q.per_page.unwrap_or(100))
        .await?;
    let catalog = state.catalog();
    let items = page
        .items
        .into_iter()
        .map(|s| {
            let p = catalog.get(&s.procedure_code);
            let is_result = s.attachment.purpose == AttachmentPurpose::Result;
            let name = if is_result {
                lang.t("dossier-result")
            } else {
                p.and_then(|p| p.documents.iter().find(|d| d.key == s.attachment.key))
                    .map(|d| lang.pick(&d.name, d.name_en.as_deref()).to_string())
                    .unwrap_or_else(|| s.attachment.key.clone())
            };
            let a = s.attachment;
            StoredDocumentDto {
                url: format!("/api/v1/attachments/{}", a.id),
                id: a.id,
                key: a.key,
                name,
                file_name: a.file_name,
                content_type: a.content_type,
                size: a.size,
                sha256: a.sha256,
                dossier_code: s.dossier_code,
                procedure_name: p.map(|p| lang.pick(&p.name, p.name_en.as_deref()).to_string()).unwrap_or_default(),
                procedure_code: s.procedure_code,
                is_result,
                digitized: a.digitized,
                created_at: time(a.created_at),
            }
        })
        .collect();
    Ok(Json(StoredDocumentList { items, total: page.total }))
}
