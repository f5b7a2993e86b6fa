//! Half-done applications kept to resume later, with their files.

use motcua_domain::dossier::{AttachmentPurpose, Role};
use motcua_store::catalog::Procedure;
use motcua_store::users::User;
use serde_json::{Map, Value};

use crate::attachments::discard;
use crate::attachments::store_uploads;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;
use crate::uploads::Upload;
use motcua_store::dossiers::NewAttachment;
use motcua_store::drafts::Draft;

/// The longest answer a draft keeps, in characters: the longest any field accepts.
const MAX_DRAFT_ANSWER: usize = motcua_domain::form::MAX_TEXTAREA;

/// The files of a saved draft for the documents the applicant did not choose again, read back
/// so that the application goes on as if they had been uploaded now.
pub async fn kept_draft_files(state: &AppState, draft: &Draft, new_files: &[Upload]) -> AppResult<Vec<Upload>> {
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
/// submitted), the files of accepted types for the procedure's documents, and the files of the
/// draft it continues (`continues`) for the documents not chosen again. The new draft replaces
/// that one.
pub async fn save_draft(
    state: &AppState,
    user: &User,
    p: &Procedure,
    answers: &Map<String, Value>,
    files: &[Upload],
    continues: Option<&Draft>,
) -> AppResult<Draft> {
    if !user.has(Role::Citizen) {
        return Err(AppError::with(ErrorKind::Forbidden, "error-citizens-only"));
    }
    let (_, mut errors) = crate::uploads::accepted_for(p, files.to_vec());
    for (k, v) in answers {
        if v.as_str().is_some_and(|s| s.chars().count() > MAX_DRAFT_ANSWER) {
            errors.insert(k.clone(), "field-too-long".to_string());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let stored = store_uploads(state, files, AttachmentPurpose::Document, false).await?;
    let chosen_again = |a: &NewAttachment| files.iter().any(|f| f.part == a.key);
    let carried = continues.iter().flat_map(|d| d.files.iter().filter(|a| !chosen_again(a)).cloned());
    let all: Vec<NewAttachment> = stored.iter().cloned().chain(carried).collect();
    let old = continues.map(|d| d.id.as_str());
    match motcua_store::drafts::replace(&state.db, old, user.id, &p.code, answers, &all, true).await {
        Ok(id) => {
            if let Some(d) = continues {
                let replaced: Vec<NewAttachment> = d.files.iter().filter(|a| chosen_again(a)).cloned().collect();
                discard(state, &replaced).await;
            }
            Ok(motcua_store::drafts::get(&state.db, user.id, &id).await?)
        }
        Err(e) => {
            discard(state, &stored).await;
            Err(e.into())
        }
    }
}

/// Keeps what an application form brought when it cannot go on yet (a file refused, an answer
/// to mend), so that nothing typed or uploaded is lost: as soon as there is a file, the answers
/// and every accepted file become a saved draft (replacing the one the form continues), which
/// the form then resumes. Without any file there is nothing to keep on the server: the answers
/// come back on the form, and the draft continued (if any) stays as it was.
pub async fn keep_draft(
    state: &AppState,
    user: &User,
    p: &Procedure,
    answers: &Map<String, Value>,
    files: &[Upload],
    continues: Option<&Draft>,
) -> AppResult<Option<Draft>> {
    if files.is_empty() {
        return Ok(continues.cloned());
    }
    // An answer too long for a draft is left out of it (the form shows it with its error).
    let answers: Map<String, Value> = answers
        .iter()
        .filter(|(_, v)| v.as_str().is_none_or(|s| s.chars().count() <= MAX_DRAFT_ANSWER))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    save_draft(state, user, p, &answers, files, continues).await.map(Some)
}

/// Removes a draft and the files only it refers to.
pub async fn discard_draft(state: &AppState, draft: &Draft) -> AppResult<()> {
    motcua_store::drafts::delete(&state.db, &draft.id).await?;
    discard(state, &draft.files).await;
    Ok(())
}
