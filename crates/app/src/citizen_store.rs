//! A citizen's document store (kho dữ liệu công dân): what they may attach again instead of
//! uploading it ("only once", Decree 45/2020).

use std::collections::BTreeMap;

use motcua_domain::dossier::Role;
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, Page, StoredDocument};
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;
use crate::uploads::Upload;

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
