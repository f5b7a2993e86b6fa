//! The versions of an outgoing draft (issue 15 point 2): its author changes its subject, text
//! and files while it is a draft — before its submission, or once sent back — and every change
//! is kept as a version ([`motcua_store::office_chain::revise`]).

use std::collections::BTreeMap;

use chrono::Utc;
use motcua_domain::office::{DocumentStatus, Register};
use motcua_store::office::Actor;
use motcua_store::office_chain::{self as store, Revision};
use motcua_store::users::User;
use motcua_store::StoreError;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::office::{text, view, DocumentView};
use crate::state::AppState;
use crate::uploads::Upload;

/// A change of a draft as its author typed it.
#[derive(Clone, Debug, Default)]
pub struct RevisionForm {
    /// Trích yếu.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The ids of the current files to keep.
    pub keep: Vec<String>,
    /// What the author says of the change.
    pub note: String,
}

/// Changes a draft's subject, text and files (its author, while it is a draft: before its
/// submission or once sent back), the previous content kept as a version. A file sent again
/// with the same bytes as one of the draft's current files is that file, kept, not stored
/// twice.
pub async fn revise(
    state: &AppState,
    user: &User,
    id: i64,
    form: &RevisionForm,
    files: &[Upload],
) -> AppResult<DocumentView> {
    let v = view(state, user, id).await?;
    let d = &v.document;
    if !(v.standing.author && d.status == DocumentStatus::Draft && d.register == Register::Outgoing) {
        return Err(AppError::with(ErrorKind::Conflict, "error-conflict"));
    }
    let mut errors = BTreeMap::new();
    let subject = text(&form.subject, 1000, "subject", true, &mut errors);
    let body = text(&form.body, 50_000, "body", false, &mut errors);
    let note = text(&form.note, 5000, "note", false, &mut errors);
    for k in &form.keep {
        if !v.attachments.iter().any(|a| a.id == *k) {
            errors.insert("keep".into(), "field-not-option".into());
        }
    }
    for f in files {
        if !crate::uploads::ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            errors.insert(f.part.clone(), "document-type".to_string());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let mut keep = form.keep.clone();
    let mut fresh: Vec<&Upload> = Vec::new();
    for f in files {
        let sha = hex::encode(Sha256::digest(&f.bytes));
        match v.attachments.iter().find(|a| a.sha256 == sha && a.purpose == "draft") {
            Some(same) => {
                if !keep.contains(&same.id) {
                    keep.push(same.id.clone());
                }
            }
            None => fresh.push(f),
        }
    }
    let fresh: Vec<Upload> = fresh.into_iter().cloned().collect();
    let stored =
        crate::attachments::store_uploads(state, &fresh, motcua_domain::dossier::AttachmentPurpose::Document, false)
            .await?;
    let mut added = Vec::with_capacity(stored.len());
    for (a, f) in stored.iter().zip(&fresh) {
        added.push(
            crate::pdf_text::office_file(
                "draft",
                a.file_name.clone(),
                a.content_type.clone(),
                a.blob.clone(),
                &f.bytes,
            )
            .await,
        );
    }
    let revision = Revision {
        subject,
        body: Some(body).filter(|b| !b.is_empty()),
        keep,
        added,
        note: Some(note).filter(|n| !n.is_empty()),
    };
    let by = Actor { user_id: Some(user.id), name: user.full_name.clone() };
    match store::revise(&state.db, id, d.revision, &revision, &by, Utc::now()).await {
        Ok(_) => view(state, user, id).await,
        Err(e) => {
            crate::attachments::discard(state, &stored).await;
            match e {
                StoreError::Conflict(_) => Err(AppError::with(ErrorKind::Conflict, "office-changed-meanwhile")),
                e => Err(e.into()),
            }
        }
    }
}
