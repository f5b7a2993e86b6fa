//! The electronic office's documents ([`motcua_domain::office`]): incoming ones registered with
//! their arrival number, outgoing ones drafted and numbered at issue, each change written with
//! its history event in one transaction guarded by the document's revision.

use chrono::{DateTime, Datelike, Utc};
use motcua_domain::approval::{ApprovalStep, Approver};
use motcua_domain::office::{Confidentiality, DocumentStatus, DocumentType, Involvement, Register, Urgency};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::blobs::StoredBlob;
use crate::db::{Database, Engine, WriteTx};
use crate::dossiers::Page;
use crate::error::{Result, StoreError};
use crate::types::{closed_word, Flag, Millis};

/// A document of an agency's registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// Row id.
    pub id: i64,
    /// The agency whose register holds it.
    pub agency_code: String,
    /// Which register.
    pub register: Register,
    /// The year of its register.
    pub year: i32,
    /// Arrival number, or number at issue.
    pub number: Option<i64>,
    /// Number and symbol: the sender's (incoming) or ours once issued.
    pub symbol: Option<String>,
    /// Type.
    pub doc_type: DocumentType,
    /// Trích yếu.
    pub subject: String,
    /// Issuing body.
    pub issuer: String,
    /// The date on the document.
    pub issued_on: Option<chrono::NaiveDate>,
    /// When it arrived (incoming).
    pub received_at: Option<DateTime<Utc>>,
    /// When its handling is due.
    pub due_at: Option<DateTime<Utc>>,
    /// Độ khẩn.
    pub urgency: Urgency,
    /// Độ mật.
    pub confidentiality: Confidentiality,
    /// Status.
    pub status: DocumentStatus,
    /// The author of an outgoing draft.
    pub author_user_id: Option<i64>,
    /// The person handling it.
    pub assignee_user_id: Option<i64>,
    /// Who signs (outgoing).
    pub signer_name: Option<String>,
    /// The signer's title, with the authority marker.
    pub signer_title: Option<String>,
    /// The text (outgoing).
    pub body: Option<String>,
    /// Agencies it goes to (outgoing).
    pub recipients: Vec<String>,
    /// Scanned from paper.
    pub digitized: bool,
    /// The outgoing document it arrived from, inside motcua.
    pub source_document_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Guards concurrent changes.
    pub revision: i64,
    /// The approval chain it was submitted to, as it was then ([`motcua_domain::approval`]);
    /// empty before its first submission.
    pub approval_chain: Vec<ApprovalStep>,
    /// The step of that chain it waits at (from 0), while pending approval.
    pub approval_step: Option<usize>,
}

pub(crate) const COLUMNS: &str = "id, agency_code, register, year, number, symbol, doc_type, subject, issuer, issued_on, \
    received_at, due_at, urgency, confidentiality, status, author_user_id, assignee_user_id, signer_name, signer_title, \
    body, recipients, digitized, source_document_id, created_at, revision, approval_chain, approval_step";

pub(crate) fn document_from(row: &AnyRow) -> Result<Document> {
    let issued_on: Option<String> = row.try_get("issued_on")?;
    let recipients: String = row.try_get("recipients")?;
    let chain: Option<String> = row.try_get("approval_chain")?;
    Ok(Document {
        id: row.try_get("id")?,
        agency_code: row.try_get("agency_code")?,
        register: closed_word(row, "register", Register::parse)?,
        year: i32::try_from(row.try_get::<i64, _>("year")?).map_err(|_| StoreError::Corrupt("year".into()))?,
        number: row.try_get("number")?,
        symbol: row.try_get("symbol")?,
        doc_type: closed_word(row, "doc_type", DocumentType::parse)?,
        subject: row.try_get("subject")?,
        issuer: row.try_get("issuer")?,
        issued_on: issued_on
            .map(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
            .transpose()
            .map_err(|_| StoreError::Corrupt("issued_on".into()))?,
        received_at: row.try_get::<Option<Millis>, _>("received_at")?.map(|m| m.0),
        due_at: row.try_get::<Option<Millis>, _>("due_at")?.map(|m| m.0),
        urgency: closed_word(row, "urgency", Urgency::parse)?,
        confidentiality: closed_word(row, "confidentiality", Confidentiality::parse)?,
        status: closed_word(row, "status", DocumentStatus::parse)?,
        author_user_id: row.try_get("author_user_id")?,
        assignee_user_id: row.try_get("assignee_user_id")?,
        signer_name: row.try_get("signer_name")?,
        signer_title: row.try_get("signer_title")?,
        body: row.try_get("body")?,
        recipients: serde_json::from_str(&recipients)?,
        digitized: row.try_get::<Flag, _>("digitized")?.0,
        source_document_id: row.try_get("source_document_id")?,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
        revision: row.try_get("revision")?,
        approval_chain: chain.map(|c| serde_json::from_str(&c)).transpose()?.unwrap_or_default(),
        approval_step: row
            .try_get::<Option<i64>, _>("approval_step")?
            .map(|s| usize::try_from(s).map_err(|_| StoreError::Corrupt("approval_step".into())))
            .transpose()?,
    })
}

/// A file of a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeAttachment {
    /// Random id, used in URLs.
    pub id: String,
    /// The document.
    pub document_id: i64,
    /// `original` (received or scanned), `draft` or `issued` (the signed PDF).
    pub purpose: String,
    /// The file's name.
    pub file_name: String,
    /// Sniffed type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 hex.
    pub sha256: String,
    /// Key in the object store.
    pub storage_key: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A file to record, its bytes already stored.
#[derive(Clone, Debug)]
pub struct NewOfficeAttachment {
    /// `original`, `draft` or `issued`.
    pub purpose: &'static str,
    /// The file's name.
    pub file_name: String,
    /// Sniffed type.
    pub content_type: String,
    /// Where the bytes are.
    pub blob: StoredBlob,
    /// What it says, folded ([`motcua_domain::text::fold`]), for search: the text layer of a
    /// PDF; `None` for a scan or an image.
    pub text: Option<String>,
    /// An issued PDF signed with the agency's digital signature (the IT-application figures
    /// count them).
    pub signed: bool,
}

/// The most text of its files kept for a document's search, in characters: a long report's
/// first hundred pages or so, enough to find it by what it is about.
pub const MAX_TEXT: usize = 200_000;

/// One event of a document's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Who, by name.
    pub actor_name: String,
    /// Who, the account (none for a system, e.g. the exchange).
    pub user_id: Option<i64>,
    /// The action's machine name (`register`, `draft`, `assign`, …).
    pub action: String,
    /// Status before.
    pub from_status: Option<DocumentStatus>,
    /// Status after.
    pub to_status: Option<DocumentStatus>,
    /// The note.
    pub note: Option<String>,
    /// The step of the approval chain a decision was taken at, by name.
    pub step_name: Option<String>,
}

/// Who acts: the user and their name as the history keeps it.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The user, if a person (an exchange may act as a system).
    pub user_id: Option<i64>,
    /// Their name.
    pub name: String,
}

/// An incoming document to register, or an outgoing draft to start.
#[derive(Clone, Debug)]
pub struct NewDocument {
    /// The agency whose register takes it.
    pub agency_code: String,
    /// Which register.
    pub register: Register,
    /// Type.
    pub doc_type: DocumentType,
    /// The sender's number and symbol (incoming).
    pub symbol: Option<String>,
    /// Trích yếu.
    pub subject: String,
    /// Issuing body.
    pub issuer: String,
    /// The date on the document (incoming).
    pub issued_on: Option<chrono::NaiveDate>,
    /// When its handling is due, if the sender set a date.
    pub due_at: Option<DateTime<Utc>>,
    /// Độ khẩn.
    pub urgency: Urgency,
    /// Độ mật.
    pub confidentiality: Confidentiality,
    /// The text (outgoing).
    pub body: Option<String>,
    /// Agencies it goes to (outgoing).
    pub recipients: Vec<String>,
    /// Who signs (outgoing).
    pub signer_name: Option<String>,
    /// The signer's title.
    pub signer_title: Option<String>,
    /// Scanned from paper (incoming).
    pub digitized: bool,
    /// The outgoing document it arrives from, inside motcua.
    pub source_document_id: Option<i64>,
    /// Its files.
    pub attachments: Vec<NewOfficeAttachment>,
}

impl NewDocument {
    /// The incoming copy of sent document `d` in `agency`'s register, with `attachments`.
    pub fn arrival_of(d: &Document, agency: &str, attachments: Vec<NewOfficeAttachment>) -> NewDocument {
        NewDocument {
            agency_code: agency.to_string(),
            register: Register::Incoming,
            doc_type: d.doc_type,
            symbol: d.symbol.clone(),
            subject: d.subject.clone(),
            issuer: d.issuer.clone(),
            issued_on: d.issued_on,
            due_at: d.due_at,
            urgency: d.urgency,
            confidentiality: d.confidentiality,
            body: None,
            recipients: vec![],
            signer_name: None,
            signer_title: None,
            digitized: false,
            source_document_id: Some(d.id),
            attachments,
        }
    }
}

/// The sequence of a register: one per agency, register, secrecy and year.
fn sequence_scope(agency: &str, register: Register, confidentiality: Confidentiality) -> String {
    let secrecy = if confidentiality.is_secret() { "secret" } else { "normal" };
    format!("office:{agency}:{}:{secrecy}", register.as_str())
}

/// The next number of a register in its year, in the caller's transaction.
async fn next_number(
    tx: &mut WriteTx<'_>,
    agency: &str,
    register: Register,
    confidentiality: Confidentiality,
    year: i32,
) -> Result<i64> {
    crate::dossiers::next_sequence(tx, &sequence_scope(agency, register, confidentiality), &year.to_string()).await
}

/// Reserves `count` consecutive numbers of an agency's ordinary register in `year` in one
/// step, in the caller's transaction (synthetic registers written in bulk); the first of them.
pub(crate) async fn reserve_numbers(
    tx: &mut WriteTx<'_>,
    agency: &str,
    register: Register,
    year: i32,
    count: i64,
) -> Result<i64> {
    let (last,): (i64,) = sqlx::query_as(
        "INSERT INTO code_sequences (scope, day, last) VALUES ($1, $2, $3) \
         ON CONFLICT (scope, day) DO UPDATE SET last = code_sequences.last + $3 RETURNING last",
    )
    .bind(sequence_scope(agency, register, Confidentiality::Normal))
    .bind(year.to_string())
    .bind(count)
    .fetch_one(&mut **tx)
    .await?;
    Ok(last - count + 1)
}

/// What an event records: the action, the statuses it went from and to, the note.
pub(crate) struct Step<'a> {
    pub(crate) action: &'a str,
    pub(crate) from: Option<DocumentStatus>,
    pub(crate) to: Option<DocumentStatus>,
    pub(crate) note: Option<&'a str>,
    /// The step of the approval chain a decision was taken at.
    pub(crate) step_name: Option<&'a str>,
}

pub(crate) async fn insert_event(
    tx: &mut WriteTx<'_>,
    document_id: i64,
    by: &Actor,
    step: Step<'_>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Step { action, from, to, note, step_name } = step;
    sqlx::query(
        "INSERT INTO office_events (document_id, at, user_id, actor_name, action, from_status, to_status, note, \
         step_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(document_id)
    .bind(Millis(now))
    .bind(by.user_id)
    .bind(&by.name)
    .bind(action)
    .bind(from.map(|s| s.as_str()))
    .bind(to.map(|s| s.as_str()))
    .bind(note)
    .bind(step_name)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records files of a document; their ids, in order.
pub(crate) async fn insert_attachments(
    tx: &mut WriteTx<'_>,
    document_id: i64,
    by: Option<i64>,
    list: &[NewOfficeAttachment],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(list.len());
    for a in list {
        let id = crate::random_id();
        sqlx::query(
            "INSERT INTO office_attachments (id, document_id, purpose, file_name, content_type, size, sha256, \
             storage_key, uploaded_by, created_at, signed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(document_id)
        .bind(a.purpose)
        .bind(&a.file_name)
        .bind(&a.content_type)
        .bind(a.blob.size)
        .bind(&a.blob.sha256)
        .bind(&a.blob.storage_key)
        .bind(by)
        .bind(Millis(now))
        .bind(Flag(a.signed))
        .execute(&mut **tx)
        .await?;
        if let Some(text) = a.text.as_deref().filter(|t| !t.is_empty()) {
            add_text(tx, document_id, text).await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Appends a file's folded text to its document's, the whole kept to [`MAX_TEXT`] characters.
async fn add_text(tx: &mut WriteTx<'_>, document_id: i64, text: &str) -> Result<()> {
    let cap = MAX_TEXT;
    let text: String = text.chars().take(cap).collect();
    sqlx::query(&format!(
        "INSERT INTO office_texts (document_id, agency_code, text_folded) \
         SELECT id, agency_code, $2 FROM office_documents WHERE id = $1 \
         ON CONFLICT (document_id) DO UPDATE SET \
         text_folded = substr(office_texts.text_folded || ' ' || excluded.text_folded, 1, {cap})"
    ))
    .bind(document_id)
    .bind(text)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts a document with its files and first event in the caller's transaction.
pub(crate) async fn insert_document(
    tx: &mut WriteTx<'_>,
    new: &NewDocument,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<i64> {
    let year = now.with_timezone(&motcua_domain::calendar::vn_offset()).year();
    let (number, status, received_at, author) = match new.register {
        Register::Incoming => (
            Some(next_number(tx, &new.agency_code, Register::Incoming, new.confidentiality, year).await?),
            DocumentStatus::Registered,
            Some(Millis(now)),
            None,
        ),
        Register::Outgoing => (None, DocumentStatus::Draft, None, by.user_id),
    };
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO office_documents (agency_code, register, secret_register, year, number, symbol, doc_type, subject, \
         subject_folded, issuer, issuer_folded, issued_on, received_at, due_at, urgency, confidentiality, status, author_user_id, \
         signer_name, signer_title, body, recipients, digitized, source_document_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, \
         $23, $24, $25) RETURNING id",
    )
    .bind(&new.agency_code)
    .bind(new.register.as_str())
    .bind(i64::from(new.confidentiality.is_secret()))
    .bind(i64::from(year))
    .bind(number)
    .bind(&new.symbol)
    .bind(new.doc_type.as_str())
    .bind(&new.subject)
    .bind(motcua_domain::text::fold(&format!("{} {}", new.subject, new.symbol.as_deref().unwrap_or(""))))
    .bind(&new.issuer)
    .bind(motcua_domain::text::fold(&new.issuer))
    .bind(new.issued_on.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(received_at)
    .bind(new.due_at.map(Millis))
    .bind(new.urgency.as_str())
    .bind(new.confidentiality.as_str())
    .bind(status.as_str())
    .bind(author)
    .bind(&new.signer_name)
    .bind(&new.signer_title)
    .bind(&new.body)
    .bind(serde_json::to_string(&new.recipients)?)
    .bind(Flag(new.digitized))
    .bind(new.source_document_id)
    .bind(Millis(now))
    .fetch_one(&mut **tx)
    .await?;
    let files = insert_attachments(tx, id, by.user_id, &new.attachments, now).await?;
    let action = match new.register {
        Register::Incoming => "register",
        Register::Outgoing => {
            let first = crate::office_chain::VersionContent {
                subject: &new.subject,
                body: new.body.as_deref(),
                files: &files,
                note: None,
            };
            crate::office_chain::insert_version(tx, id, 1, first, by, now).await?;
            "draft"
        }
    };
    insert_event(tx, id, by, Step { action, from: None, to: Some(status), note: None, step_name: None }, now).await?;
    Ok(id)
}

/// Registers an incoming document with the next arrival number of its register and year, or
/// starts an outgoing draft, with its files and the first event of its history.
pub async fn create(db: &Database, new: &NewDocument, by: &Actor, now: DateTime<Utc>) -> Result<Document> {
    let mut tx = db.write_tx().await?;
    let id = insert_document(&mut tx, new, by, now).await?;
    tx.commit().await?;
    get(db, id).await
}

/// In the caller's transaction: an issued document at `revision` becomes `dispatched`, with
/// `note` (where it went) in its history; a conflict when it changed meanwhile.
pub(crate) async fn mark_dispatched(
    tx: &mut WriteTx<'_>,
    id: i64,
    revision: i64,
    by: &Actor,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE office_documents SET status = 'dispatched', revision = revision + 1 \
         WHERE id = $1 AND revision = $2 AND status = 'issued'",
    )
    .bind(id)
    .bind(revision)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::Conflict("revision".into()));
    }
    let step = Step {
        action: "dispatch",
        from: Some(DocumentStatus::Issued),
        to: Some(DocumentStatus::Dispatched),
        note,
        step_name: None,
    };
    insert_event(tx, id, by, step, now).await
}

/// One document, read in the caller's transaction.
pub(crate) async fn get_in(tx: &mut WriteTx<'_>, id: i64) -> Result<Document> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM office_documents WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    document_from(&row)
}

/// In the caller's transaction: an incoming copy its sender recalled is withdrawn from the
/// register's work (`recalled`, the event `withdraw` with the sender's words), whatever its
/// revision: the sender's recall is not a change that can lose a race with the recipient's.
pub(crate) async fn withdraw(
    tx: &mut WriteTx<'_>,
    d: &Document,
    by: &Actor,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("UPDATE office_documents SET status = 'recalled', revision = revision + 1 WHERE id = $1")
        .bind(d.id)
        .execute(&mut **tx)
        .await?;
    let step =
        Step { action: "withdraw", from: Some(d.status), to: Some(DocumentStatus::Recalled), note, step_name: None };
    insert_event(tx, d.id, by, step, now).await
}

/// One document.
pub async fn get(db: &Database, id: i64) -> Result<Document> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM office_documents WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    document_from(&row)
}

/// Which documents of an agency's register to list.
#[derive(Clone, Debug, Default)]
pub struct DocumentQuery {
    /// The register; both when `None`.
    pub register: Option<Register>,
    /// The year; every year when `None`.
    pub year: Option<i32>,
    /// Only this status.
    pub status: Option<DocumentStatus>,
    /// Words to find, with or without diacritics: each, as a whole word or the start of one, in
    /// the number, symbol, subject, issuer or the text of the document's PDFs (the word index of
    /// migration 50); punctuation only separates words.
    pub text: Option<String>,
    /// Only what this person handles or drafted, what waits for their approval or they decided
    /// on in its approval chain (a specialist's view); the whole register when `None` (clerks
    /// and leaders).
    pub only_for: Option<i64>,
    /// Only the drafts waiting at a step of their approval chain where this person may act:
    /// named there, or holding its role ([`DocumentQuery::roles`]).
    pub awaiting: Option<i64>,
    /// The roles the person of `only_for` or `awaiting` holds in the agency: a draft waiting at
    /// a step of one of these roles waits for them.
    pub roles: Vec<motcua_domain::dossier::Role>,
}

/// The SQL condition of the drafts waiting for `user`'s approval (roles are machine names of a
/// closed set, written into the text).
fn awaiting_condition(user_place: &str, roles: &[motcua_domain::dossier::Role]) -> String {
    let roles: Vec<String> = roles.iter().map(|r| format!("'{}'", r.as_str())).collect();
    let by_role = if roles.is_empty() { String::new() } else { format!(" OR approval_role IN ({})", roles.join(", ")) };
    format!("(status = 'pending_approval' AND (approval_user_id = {user_place}{by_role}))")
}

/// A page of an agency's documents, newest first.
pub async fn list(db: &Database, agency: &str, q: &DocumentQuery, page: i64, per_page: i64) -> Result<Page<Document>> {
    let mut conditions = vec!["agency_code = $1".to_string()];
    let mut texts: Vec<String> = vec![agency.to_string()];
    let mut ints: Vec<i64> = Vec::new();
    // Texts bind first ($1..), then integers: each condition names its place.
    let mut text_cond = |c: &str, v: String, texts: &mut Vec<String>| {
        texts.push(v);
        conditions.push(c.replace('?', &format!("${}", texts.len())));
    };
    if let Some(r) = q.register {
        text_cond("register = ?", r.as_str().to_string(), &mut texts);
    }
    if let Some(s) = q.status {
        text_cond("status = ?", s.as_str().to_string(), &mut texts);
    }
    if let Some(t) = q.text.as_deref().filter(|t| !t.trim().is_empty()) {
        let words = search_words(t);
        if words.is_empty() {
            // Only punctuation: nothing can match it, and it must not list everything.
            conditions.push("1 = 0".to_string());
        } else {
            let (condition, query) = word_match(db.engine, agency, &words);
            text_cond(condition, query, &mut texts);
        }
    }
    let mut int_conditions = Vec::new();
    if let Some(y) = q.year {
        ints.push(i64::from(y));
        int_conditions.push(format!("year = ${}", texts.len() + ints.len()));
    }
    let roles = &q.roles;
    if let Some(u) = q.only_for {
        ints.push(u);
        let n = texts.len() + ints.len();
        let awaiting = awaiting_condition(&format!("${n}"), roles);
        int_conditions.push(format!(
            "(assignee_user_id = ${n} OR author_user_id = ${n} OR id IN \
             (SELECT document_id FROM office_involvement WHERE user_id = ${n}) OR {awaiting} OR id IN \
             (SELECT document_id FROM office_events WHERE user_id = ${n} AND action IN ('approve', 'send_back')))"
        ));
    }
    if let Some(u) = q.awaiting {
        ints.push(u);
        let n = texts.len() + ints.len();
        int_conditions.push(awaiting_condition(&format!("${n}"), roles));
    }
    conditions.extend(int_conditions);
    let filter = conditions.join(" AND ");
    let page = page.max(1);
    let per_page = per_page.clamp(1, 200);
    // The page and the count in one statement: the matching rows are found once, and only the
    // page's are read whole.
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("d.{c}")).collect();
    let list_sql = format!(
        "SELECT {}, p.total FROM office_documents d JOIN \
         (SELECT id, COUNT(*) OVER () AS total FROM office_documents WHERE {filter} \
         ORDER BY created_at DESC, id DESC LIMIT {per_page} OFFSET {}) p ON p.id = d.id \
         ORDER BY d.created_at DESC, d.id DESC",
        columns.join(", "),
        (page - 1) * per_page
    );
    let mut rows = sqlx::query(&list_sql);
    for t in &texts {
        rows = rows.bind(t.clone());
    }
    for i in &ints {
        rows = rows.bind(*i);
    }
    let rows = rows.fetch_all(db.reader()).await?;
    let items = rows.iter().map(document_from).collect::<Result<Vec<_>>>()?;
    let total = match rows.first() {
        Some(row) => row.try_get("total")?,
        // A page past the last has no row to carry the count: counted apart, as it is rare.
        None if page > 1 => {
            let count_sql = format!("SELECT COUNT(*) FROM office_documents WHERE {filter}");
            let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
            for t in &texts {
                count = count.bind(t.clone());
            }
            for i in &ints {
                count = count.bind(*i);
            }
            count.fetch_one(db.reader()).await?.0
        }
        None => 0,
    };
    Ok(Page::counted(items, total))
}

/// The most words of a search used: more narrow it no further in practice, and each costs a
/// lookup in the word index.
const MAX_SEARCH_WORDS: usize = 16;

/// The words of a search as the word index holds them: folded ([`motcua_domain::text::fold`]),
/// so typed with or without tone marks, in any case; punctuation only separates them. Each is
/// letters and digits only, so none can carry the syntax of a full-text query.
fn search_words(typed: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in motcua_domain::text::fold(typed).split(' ').filter(|w| !w.is_empty()) {
        if !words.iter().any(|seen| seen == w) && words.len() < MAX_SEARCH_WORDS {
            words.push(w.to_string());
        }
    }
    words
}

/// The condition on `office_documents` (its `?` the place of the query text) and the query text
/// that find the documents of `agency` having every word of `words`, each as a whole word or the
/// start of one, in the word index of migration 50 (FTS5 on SQLite, a `tsvector` on PostgreSQL),
/// where each word is kept behind its agency's tag. The query is built from the tagged words,
/// letters and digits only: never from what was typed.
fn word_match(engine: Engine, agency: &str, words: &[String]) -> (&'static str, String) {
    let tag: String = std::iter::once("a".to_string())
        .chain(agency.bytes().map(|b| format!("{b:02x}")))
        .chain(std::iter::once("x".to_string()))
        .collect();
    match engine {
        Engine::Sqlite => {
            let terms: Vec<String> = words.iter().map(|w| format!("\"{tag}{w}\"*")).collect();
            ("id IN (SELECT rowid FROM office_search WHERE office_search MATCH ?)", terms.join(" AND "))
        }
        Engine::Postgres => {
            let terms: Vec<String> = words.iter().map(|w| format!("'{tag}{w}':*")).collect();
            (
                "id IN (SELECT document_id FROM office_search \
                 WHERE office_search_lexemes(agency_code, words) @@ CAST(? AS tsquery))",
                terms.join(" & "),
            )
        }
    }
}

/// A document's history, oldest first.
pub async fn events(db: &Database, id: i64) -> Result<Vec<OfficeEvent>> {
    let rows = sqlx::query(
        "SELECT at, actor_name, user_id, action, from_status, to_status, note, step_name FROM office_events \
         WHERE document_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            let status = |col: &str| -> Result<Option<DocumentStatus>> {
                row.try_get::<Option<String>, _>(col)?
                    .map(|s| DocumentStatus::parse(&s).ok_or_else(|| StoreError::Corrupt(format!("{col} {s:?}"))))
                    .transpose()
            };
            Ok(OfficeEvent {
                at: row.try_get::<Millis, _>("at")?.0,
                actor_name: row.try_get("actor_name")?,
                user_id: row.try_get("user_id")?,
                action: row.try_get("action")?,
                from_status: status("from_status")?,
                to_status: status("to_status")?,
                note: row.try_get("note")?,
                step_name: row.try_get("step_name")?,
            })
        })
        .collect()
}

/// Who else takes part in a document and how, by user id (in the order they were named).
pub async fn involved(db: &Database, id: i64) -> Result<Vec<(i64, Involvement)>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT user_id, involvement FROM office_involvement WHERE document_id = $1 ORDER BY assigned_at, user_id",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.into_iter()
        .map(|(user, how)| {
            Involvement::parse(&how)
                .map(|i| (user, i))
                .ok_or_else(|| StoreError::Corrupt(format!("involvement {how:?}")))
        })
        .collect()
}

/// A document's files, oldest first (not those a later version of a draft dropped).
pub async fn attachments(db: &Database, id: i64) -> Result<Vec<OfficeAttachment>> {
    attachments_where(db, id, "AND removed_at IS NULL").await
}

/// Every file a document ever had, those its draft's later versions dropped included: what its
/// versions list.
pub async fn all_attachments(db: &Database, id: i64) -> Result<Vec<OfficeAttachment>> {
    attachments_where(db, id, "").await
}

async fn attachments_where(db: &Database, id: i64, condition: &str) -> Result<Vec<OfficeAttachment>> {
    let rows = sqlx::query(&format!(
        "SELECT id, document_id, purpose, file_name, content_type, size, sha256, storage_key, created_at \
         FROM office_attachments WHERE document_id = $1 {condition} ORDER BY created_at, id"
    ))
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OfficeAttachment {
                id: row.try_get("id")?,
                document_id: row.try_get("document_id")?,
                purpose: row.try_get("purpose")?,
                file_name: row.try_get("file_name")?,
                content_type: row.try_get("content_type")?,
                size: row.try_get("size")?,
                sha256: row.try_get("sha256")?,
                storage_key: row.try_get("storage_key")?,
                created_at: row.try_get::<Millis, _>("created_at")?.0,
            })
        })
        .collect()
}

/// One file, by id.
pub async fn attachment(db: &Database, id: &str) -> Result<OfficeAttachment> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT document_id FROM office_attachments WHERE id = $1")
        .bind(id)
        .fetch_optional(db.reader())
        .await?;
    let (document,) = row.ok_or(StoreError::NotFound)?;
    all_attachments(db, document).await?.into_iter().find(|a| a.id == id).ok_or(StoreError::NotFound)
}

/// Adds a file to a document (the issued PDF, made once the document has its number), with
/// no change of status.
pub async fn add_attachment(
    db: &Database,
    id: i64,
    file: &NewOfficeAttachment,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    insert_attachments(&mut tx, id, by, std::slice::from_ref(file), now).await?;
    tx.commit().await
}

/// A change of a document: its new status and what the action sets, with the history event.
#[derive(Clone, Debug)]
pub struct Change {
    /// The action's machine name.
    pub action: &'static str,
    /// The status after.
    pub to: DocumentStatus,
    /// The note of the event.
    pub note: Option<String>,
    /// A new person handling it (assign).
    pub assignee_user_id: Option<i64>,
    /// A new deadline (assign).
    pub due_at: Option<DateTime<Utc>>,
    /// Who else takes part and how (assign): replaces the list when set.
    pub involved: Option<Vec<(i64, Involvement)>>,
    /// Files added (the issued PDF).
    pub attachments: Vec<NewOfficeAttachment>,
    /// Where the change leaves the draft in its approval chain; unchanged when `None`.
    pub approval: Option<ApprovalMove>,
    /// The step of the chain the decision is taken at, by name, for the history.
    pub step_name: Option<String>,
    /// Who signs, when the document names nobody yet (the approver at the chain's last step).
    pub signer_name: Option<String>,
}

/// Where a change leaves a draft in its approval chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApprovalMove {
    /// It waits at `step` of `chain` (the chain kept when it was submitted).
    Waits {
        /// The chain.
        chain: Vec<ApprovalStep>,
        /// The step, from 0.
        step: usize,
    },
    /// It leaves the chain: approved at the last step, or sent back (the chain stays kept, to
    /// show how far it went).
    Leaves,
}

impl Change {
    /// A change to `to` by `action`, setting nothing else.
    pub fn new(action: &'static str, to: DocumentStatus) -> Self {
        Change {
            action,
            to,
            note: None,
            assignee_user_id: None,
            due_at: None,
            involved: None,
            attachments: vec![],
            approval: None,
            step_name: None,
            signer_name: None,
        }
    }
}

/// Applies a change if the document is still at `revision` (a conflict otherwise: someone
/// acted first). Issuing numbers the document: the next number of its agency's outgoing
/// register of this year, and its symbol made from it by `symbol`.
pub async fn apply(
    db: &Database,
    id: i64,
    revision: i64,
    change: &Change,
    by: &Actor,
    symbol: Option<&(dyn Fn(i64) -> String + Sync)>,
    now: DateTime<Utc>,
) -> Result<Document> {
    let mut tx = db.write_tx().await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM office_documents WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let d = document_from(&row)?;
    if d.revision != revision {
        return Err(StoreError::Conflict("revision".into()));
    }
    let numbered = match symbol {
        Some(make) => {
            let year = now.with_timezone(&motcua_domain::calendar::vn_offset()).year();
            let n = next_number(&mut tx, &d.agency_code, Register::Outgoing, d.confidentiality, year).await?;
            Some((n, make(n), year, now.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive()))
        }
        None => None,
    };
    let done = sqlx::query(
        "UPDATE office_documents SET status = $2, revision = revision + 1, \
         assignee_user_id = COALESCE($3, assignee_user_id), due_at = COALESCE($4, due_at), \
         number = COALESCE($5, number), symbol = COALESCE($6, symbol), year = COALESCE($7, year), \
         issued_on = COALESCE($8, issued_on), subject_folded = COALESCE($10, subject_folded), \
         signer_name = COALESCE(signer_name, $11) \
         WHERE id = $1 AND revision = $9",
    )
    .bind(id)
    .bind(change.to.as_str())
    .bind(change.assignee_user_id)
    .bind(change.due_at.map(Millis))
    .bind(numbered.as_ref().map(|n| n.0))
    .bind(numbered.as_ref().map(|n| n.1.clone()))
    .bind(numbered.as_ref().map(|n| i64::from(n.2)))
    .bind(numbered.as_ref().map(|n| n.3.format("%Y-%m-%d").to_string()))
    .bind(revision)
    // The symbol it now has is found like the one an incoming document came with.
    .bind(numbered.as_ref().map(|n| motcua_domain::text::fold(&format!("{} {}", d.subject, n.1))))
    .bind(&change.signer_name)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(StoreError::Conflict("revision".into()));
    }
    insert_attachments(&mut tx, id, by.user_id, &change.attachments, now).await?;
    if let Some(list) = &change.involved {
        sqlx::query("DELETE FROM office_involvement WHERE document_id = $1").bind(id).execute(&mut *tx).await?;
        for (user, how) in list {
            sqlx::query(
                "INSERT INTO office_involvement (document_id, user_id, involvement, assigned_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(user)
            .bind(how.as_str())
            .bind(Millis(now))
            .execute(&mut *tx)
            .await?;
        }
    }
    if let Some(m) = &change.approval {
        set_approval(&mut tx, id, m).await?;
    }
    let step = Step {
        action: change.action,
        from: Some(d.status),
        to: Some(change.to),
        note: change.note.as_deref(),
        step_name: change.step_name.as_deref(),
    };
    insert_event(&mut tx, id, by, step, now).await?;
    crate::edxml::after_change(&mut tx, &d, change.action, change.note.as_deref(), by, now).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Records where a draft stands in its approval chain, and who may act there.
async fn set_approval(tx: &mut WriteTx<'_>, id: i64, m: &ApprovalMove) -> Result<()> {
    match m {
        ApprovalMove::Waits { chain, step } => {
            let (user, role) = match chain.get(*step).map(|s| &s.approver) {
                Some(Approver::Officer { user_id }) => (Some(*user_id), None),
                Some(Approver::Role { role }) => (None, Some(role.as_str())),
                None => return Err(StoreError::Conflict("approval step".into())),
            };
            sqlx::query(
                "UPDATE office_documents SET approval_chain = $2, approval_step = $3, approval_user_id = $4, \
                 approval_role = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(serde_json::to_string(chain)?)
            .bind(i64::try_from(*step).map_err(|_| StoreError::Corrupt("approval step".into()))?)
            .bind(user)
            .bind(role)
            .execute(&mut **tx)
            .await?;
        }
        ApprovalMove::Leaves => {
            sqlx::query(
                "UPDATE office_documents SET approval_step = NULL, approval_user_id = NULL, approval_role = NULL \
                 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Dispatches an issued document: it becomes `dispatched`, and arrives in the incoming register
/// of each recipient agency inside motcua, registered there with their next arrival number and
/// the same files; `note` (where it went, as the sender words it) goes into its history. The
/// ids of the documents it became there.
pub async fn dispatch(
    db: &Database,
    id: i64,
    revision: i64,
    arrivals: &[NewDocument],
    by: &Actor,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let mut tx = db.write_tx().await?;
    mark_dispatched(&mut tx, id, revision, by, note, now).await?;
    let mut ids = Vec::with_capacity(arrivals.len());
    for a in arrivals {
        ids.push(insert_document(&mut tx, a, by, now).await?);
    }
    tx.commit().await?;
    Ok(ids)
}

/// A line of a printed register (Decree 30/2020 Annex IV): the document, who handles it and
/// when it was sent out.
#[derive(Clone, Debug)]
pub struct RegisterLine {
    /// The document.
    pub document: Document,
    /// The person assigned (incoming), by name.
    pub assignee_name: Option<String>,
    /// When it was sent to its recipients (outgoing).
    pub dispatched_at: Option<DateTime<Utc>>,
}

/// The numbered documents of one register of an agency in a year, in number order: the
/// confidential register apart from the ordinary one, as each has its own numbers.
pub async fn register_lines(
    db: &Database,
    agency: &str,
    register: Register,
    year: i32,
    confidential: bool,
) -> Result<Vec<RegisterLine>> {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("d.{c}")).collect();
    let rows = sqlx::query(&format!(
        "SELECT {}, u.full_name AS assignee_name, \
         (SELECT MIN(e.at) FROM office_events e WHERE e.document_id = d.id AND e.action = 'dispatch') AS dispatched_at \
         FROM office_documents d LEFT JOIN users u ON u.id = d.assignee_user_id \
         WHERE d.agency_code = $1 AND d.register = $2 AND d.year = $3 AND d.secret_register = $4 \
         AND d.number IS NOT NULL ORDER BY d.number",
        columns.join(", ")
    ))
    .bind(agency)
    .bind(register.as_str())
    .bind(i64::from(year))
    .bind(i64::from(confidential))
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(RegisterLine {
                document: document_from(row)?,
                assignee_name: row.try_get("assignee_name")?,
                dispatched_at: row.try_get::<Option<Millis>, _>("dispatched_at")?.map(|m| m.0),
            })
        })
        .collect()
}

/// The incoming documents of an agency still being handled whose deadline falls before
/// `before`, soonest first: of one person (those they lead or co-handle) or, with `person`
/// `None`, of the whole agency (its leaders' view). For the daily digests.
pub async fn falling_due(
    db: &Database,
    agency: &str,
    person: Option<i64>,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Document>> {
    let mine = if person.is_some() {
        "AND (assignee_user_id = $3 OR id IN (SELECT document_id FROM office_involvement \
         WHERE user_id = $3 AND involvement = 'co_handling'))"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM office_documents WHERE agency_code = $1 AND register = 'incoming' \
         AND status IN ('assigned', 'in_progress') AND due_at IS NOT NULL AND due_at < $2 {mine} \
         ORDER BY due_at, id LIMIT {}",
        limit.clamp(1, 1000)
    );
    let mut query = sqlx::query(&sql).bind(agency).bind(Millis(before));
    if let Some(p) = person {
        query = query.bind(p);
    }
    let rows = query.fetch_all(db.reader()).await?;
    rows.iter().map(document_from).collect()
}

/// How many incoming documents of an agency wait for the leader to assign them.
pub async fn waiting_for_assignment(db: &Database, agency: &str) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM office_documents WHERE agency_code = $1 AND register = 'incoming' AND status = 'registered'",
    )
    .bind(agency)
    .fetch_one(db.reader())
    .await?;
    Ok(n)
}

/// Folds the issuers of documents written before issuers were kept folded (migration 40), a
/// thousand per transaction; how many were folded.
pub async fn fold_issuers(db: &Database) -> Result<u64> {
    let mut done = 0;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, issuer FROM office_documents WHERE issuer_folded IS NULL ORDER BY id LIMIT 1000",
        )
        .fetch_all(db.reader())
        .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut tx = db.write_tx().await?;
        for (id, issuer) in &rows {
            sqlx::query("UPDATE office_documents SET issuer_folded = $2 WHERE id = $1")
                .bind(id)
                .bind(motcua_domain::text::fold(issuer))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        done += rows.len() as u64;
    }
}
