//! The approval chains of agencies' outgoing documents and the versions of their drafts
//! ([`motcua_domain::approval`], issue 15 point 2): a chain replaced whole when an administrator
//! saves it; a draft's content changed with its previous versions kept, in one transaction
//! guarded by the document's revision.

use chrono::{DateTime, Utc};
use motcua_domain::approval::{ApprovalStep, Approver};
use motcua_domain::dossier::Role;
use motcua_domain::office::{DocumentStatus, Register};
use sqlx::Row;

use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::office::{
    all_attachments, document_from, get, insert_attachments, insert_event, Actor, Document, NewOfficeAttachment,
    OfficeAttachment, Step, COLUMNS,
};
use crate::types::Millis;

/// The approval chain an agency configured, its steps in order; empty when it configured none
/// (its leaders approve: [`motcua_domain::approval::ApprovalChain::default`]).
pub async fn approval_chain(db: &Database, agency: &str) -> Result<Vec<ApprovalStep>> {
    let rows = sqlx::query(
        "SELECT name, approver_user_id, approver_role FROM office_approval_steps WHERE agency_code = $1 \
         ORDER BY position",
    )
    .bind(agency)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let user: Option<i64> = row.try_get("approver_user_id")?;
            let role: Option<String> = row.try_get("approver_role")?;
            let approver = match (user, role) {
                (Some(user_id), None) => Approver::Officer { user_id },
                (None, Some(r)) => Approver::Role {
                    role: Role::parse(&r).ok_or_else(|| StoreError::Corrupt(format!("approver_role {r:?}")))?,
                },
                _ => return Err(StoreError::Corrupt("approver".into())),
            };
            Ok(ApprovalStep { name: row.try_get("name")?, approver })
        })
        .collect()
}

/// Replaces an agency's approval chain with `steps` (checked by the caller); none puts the
/// agency back on the default chain. Drafts already submitted keep the chain they were
/// submitted to.
pub async fn set_approval_chain(
    db: &Database,
    agency: &str,
    steps: &[ApprovalStep],
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM office_approval_steps WHERE agency_code = $1").bind(agency).execute(&mut *tx).await?;
    for (i, s) in steps.iter().enumerate() {
        let (user, role) = match &s.approver {
            Approver::Officer { user_id } => (Some(*user_id), None),
            Approver::Role { role } => (None, Some(role.as_str())),
        };
        sqlx::query(
            "INSERT INTO office_approval_steps (agency_code, position, name, approver_user_id, approver_role, \
             updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(agency)
        .bind(i as i64)
        .bind(&s.name)
        .bind(user)
        .bind(role)
        .bind(by)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// One version of a draft: its subject, text and files as they were.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// From 1.
    pub number: i64,
    /// Trích yếu.
    pub subject: String,
    /// The text.
    pub body: Option<String>,
    /// Who made it.
    pub user_id: Option<i64>,
    /// Who made it, by name.
    pub author_name: String,
    /// What they said of it.
    pub note: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Its files, in order.
    pub files: Vec<OfficeAttachment>,
}

/// What a version holds.
pub(crate) struct VersionContent<'a> {
    pub(crate) subject: &'a str,
    pub(crate) body: Option<&'a str>,
    /// Ids of the document's attachment rows.
    pub(crate) files: &'a [String],
    pub(crate) note: Option<&'a str>,
}

/// Records version `number` of a draft, in the caller's transaction.
pub(crate) async fn insert_version(
    tx: &mut WriteTx<'_>,
    document_id: i64,
    number: i64,
    content: VersionContent<'_>,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let (version_id,): (i64,) = sqlx::query_as(
        "INSERT INTO office_versions (document_id, number, subject, body, user_id, author_name, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(document_id)
    .bind(number)
    .bind(content.subject)
    .bind(content.body)
    .bind(by.user_id)
    .bind(&by.name)
    .bind(content.note)
    .bind(Millis(now))
    .fetch_one(&mut **tx)
    .await?;
    for (i, file) in content.files.iter().enumerate() {
        sqlx::query("INSERT INTO office_version_files (version_id, attachment_id, position) VALUES ($1, $2, $3)")
            .bind(version_id)
            .bind(file)
            .bind(i as i64)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A draft's versions, oldest first.
pub async fn versions(db: &Database, document_id: i64) -> Result<Vec<Version>> {
    let rows = sqlx::query(
        "SELECT id, number, subject, body, user_id, author_name, note, created_at FROM office_versions \
         WHERE document_id = $1 ORDER BY number",
    )
    .bind(document_id)
    .fetch_all(db.reader())
    .await?;
    let links: Vec<(i64, String)> = sqlx::query_as(
        "SELECT f.version_id, f.attachment_id FROM office_version_files f \
         JOIN office_versions v ON v.id = f.version_id WHERE v.document_id = $1 ORDER BY f.version_id, f.position",
    )
    .bind(document_id)
    .fetch_all(db.reader())
    .await?;
    let files = all_attachments(db, document_id).await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            Ok(Version {
                number: row.try_get("number")?,
                subject: row.try_get("subject")?,
                body: row.try_get("body")?,
                user_id: row.try_get("user_id")?,
                author_name: row.try_get("author_name")?,
                note: row.try_get("note")?,
                created_at: row.try_get::<Millis, _>("created_at")?.0,
                files: links
                    .iter()
                    .filter(|(v, _)| *v == id)
                    .filter_map(|(_, a)| files.iter().find(|f| f.id == *a).cloned())
                    .collect(),
            })
        })
        .collect()
}

/// A new content of a draft.
#[derive(Clone, Debug)]
pub struct Revision {
    /// Trích yếu.
    pub subject: String,
    /// The text.
    pub body: Option<String>,
    /// The ids of the draft's current files it keeps; the others are dropped from it (the
    /// versions that list them keep them).
    pub keep: Vec<String>,
    /// Files added, their bytes already stored.
    pub added: Vec<NewOfficeAttachment>,
    /// What the author says of the change.
    pub note: Option<String>,
}

/// Changes a draft's subject, text and files if it is still a draft at `revision` (a conflict
/// otherwise), keeping the previous content as a version: the new content becomes the next
/// version, with the event `revise` in the history. A draft made before versions were kept
/// gets its first version, as it stood, before the change. The number of the new version.
pub async fn revise(
    db: &Database,
    id: i64,
    revision: i64,
    change: &Revision,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<(Document, i64)> {
    let mut tx = db.write_tx().await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM office_documents WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let d = document_from(&row)?;
    if d.revision != revision || d.register != Register::Outgoing || d.status != DocumentStatus::Draft {
        return Err(StoreError::Conflict("revision".into()));
    }
    let current: Vec<String> = sqlx::query_as::<_, (String,)>(
        "SELECT id FROM office_attachments WHERE document_id = $1 AND removed_at IS NULL ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(a,)| a)
    .collect();
    let (last,): (Option<i64>,) = sqlx::query_as("SELECT MAX(number) FROM office_versions WHERE document_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let last = match last {
        Some(n) => n,
        None => {
            let (author,): (Option<String>,) = sqlx::query_as(
                "SELECT full_name FROM users WHERE id = (SELECT author_user_id FROM office_documents WHERE id = $1)",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or((None,));
            let first = VersionContent { subject: &d.subject, body: d.body.as_deref(), files: &current, note: None };
            let made_by = Actor { user_id: d.author_user_id, name: author.unwrap_or_default() };
            insert_version(&mut tx, id, 1, first, &made_by, d.created_at).await?;
            1
        }
    };
    for dropped in current.iter().filter(|a| !change.keep.contains(a)) {
        sqlx::query("UPDATE office_attachments SET removed_at = $2 WHERE id = $1")
            .bind(dropped)
            .bind(Millis(now))
            .execute(&mut *tx)
            .await?;
    }
    let added = insert_attachments(&mut tx, id, by.user_id, &change.added, now).await?;
    let files: Vec<String> = current.into_iter().filter(|a| change.keep.contains(a)).chain(added).collect();
    let done = sqlx::query(
        "UPDATE office_documents SET subject = $2, body = $3, subject_folded = $4, revision = revision + 1 \
         WHERE id = $1 AND revision = $5",
    )
    .bind(id)
    .bind(&change.subject)
    .bind(&change.body)
    .bind(motcua_domain::text::fold(&change.subject))
    .bind(revision)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::Conflict("revision".into()));
    }
    let number = last + 1;
    let content = VersionContent {
        subject: &change.subject,
        body: change.body.as_deref(),
        files: &files,
        note: change.note.as_deref(),
    };
    insert_version(&mut tx, id, number, content, by, now).await?;
    let note = change.note.clone().unwrap_or_default();
    let step = Step {
        action: "revise",
        from: Some(d.status),
        to: Some(d.status),
        note: Some(note.as_str()).filter(|n| !n.is_empty()),
        step_name: None,
    };
    insert_event(&mut tx, id, by, step, now).await?;
    tx.commit().await?;
    Ok((get(db, id).await?, number))
}
