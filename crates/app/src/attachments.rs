//! Uploaded files on their way into a dossier: stored before the transaction that records them,
//! removed again when it fails.

use motcua_domain::dossier::AttachmentPurpose;
use motcua_store::dossiers::NewAttachment;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::uploads::Upload;

/// Stores uploaded files, returning their records-to-be. On any failure the bytes already
/// written are removed.
pub(crate) async fn store_uploads(
    state: &AppState,
    files: &[Upload],
    purpose: AttachmentPurpose,
    digitized: bool,
) -> AppResult<Vec<NewAttachment>> {
    let mut out: Vec<NewAttachment> = Vec::new();
    for f in files {
        match state.blobs.put(f.bytes.clone()).await {
            Ok(blob) => out.push(NewAttachment {
                key: f.part.clone(),
                purpose,
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

pub(crate) async fn discard(state: &AppState, list: &[NewAttachment]) {
    for a in list {
        state.blobs.delete(&a.blob.storage_key).await;
    }
}
