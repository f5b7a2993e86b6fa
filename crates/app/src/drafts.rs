//! Half-done applications kept to resume later, with their files.

use std::collections::BTreeMap;

use motcua_domain::dossier::{AttachmentPurpose, Role};
use motcua_store::catalog::Procedure;
use motcua_store::users::User;
use serde_json::{Map, Value};

use crate::attachments::discard;
use crate::attachments::store_uploads;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;
use crate::uploads::Upload;

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
    let stored = store_uploads(state, files, AttachmentPurpose::Document, false).await?;
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
