//! Dossiers (hồ sơ), their attachments and their append-only history.
//!
//! The lifecycle rules live in the domain crate; this module stores their outcome. Every change
//! of a dossier and the event recording it are written in one transaction, guarded by the
//! dossier's revision so that two officers acting at once cannot both succeed.

use chrono::{DateTime, Utc};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::AttachmentPurpose;
use motcua_domain::dossier::{Channel, Role, Status};
use motcua_domain::history::Fact;
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::blobs::StoredBlob;
use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::millis;
use crate::types::{closed_word, Flag, Millis};

/// The applicant of a dossier: a person or an organisation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applicant {
    /// Name.
    pub full_name: String,
    /// Citizen identity number or tax code.
    pub id_number: Option<String>,
    /// Phone, normalised; the public lookup checks it.
    pub phone: String,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// The assurance an external identity provider had verified the applicant's account with
    /// when they submitted online (Decision 766's "TaiKhoanDuocXacThucVoiVNeID"); `None` for an
    /// account never verified that way, and for dossiers received at the desk.
    pub verified_by: Option<String>,
    /// The organisation account the dossier was filed for, when it applies as one (its name
    /// and tax code are then the applicant's); its representatives all follow the dossier.
    pub organisation_id: Option<i64>,
}

/// A stored dossier.
#[derive(Clone, Debug, PartialEq)]
pub struct Dossier {
    /// Row id.
    pub id: i64,
    /// The dossier code everyone uses.
    pub code: String,
    /// The procedure version in force when it was submitted.
    pub procedure_version_id: i64,
    /// The procedure's code.
    pub procedure_code: String,
    /// The lead agency.
    pub lead_agency: String,
    /// The applicant's account, when applied online.
    pub applicant_user_id: Option<i64>,
    /// The applicant.
    pub applicant: Applicant,
    /// How it reached the agency.
    pub channel: Channel,
    /// Form answers.
    pub data: Map<String, Value>,
    /// Status.
    pub status: Status,
    /// Current workflow step.
    pub step: usize,
    /// Where to resume after a supplement.
    pub resume_status: Option<Status>,
    /// Who must act next.
    pub waiting_role: Option<Role>,
    /// In which agency.
    pub waiting_agency: Option<String>,
    /// Submitted.
    pub submitted_at: DateTime<Utc>,
    /// Received at the desk.
    pub received_at: Option<DateTime<Utc>>,
    /// When the statutory clock last (re)started.
    pub clock_started_at: Option<DateTime<Utc>>,
    /// Due.
    pub due_at: Option<DateTime<Utc>>,
    /// Result issued, refused or withdrawn.
    pub finished_at: Option<DateTime<Utc>>,
    /// Result handed over.
    pub returned_at: Option<DateTime<Utc>>,
    /// Supplement requests so far.
    pub supplement_count: i64,
    /// Whether the due date was moved once with an apology.
    pub rescheduled: bool,
    /// Fee in đồng, decided from the answers at submission.
    pub fee_vnd: i64,
    /// When the fee was paid (online, confirmed by the gateway, or at the counter).
    pub fee_paid_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency revision.
    pub revision: i64,
    /// The specialist the unit leader assigned the current step to.
    pub assignee_user_id: Option<i64>,
    /// When the current step began.
    pub step_started_at: Option<DateTime<Utc>>,
    /// When the current step's allotment runs out, if it has one.
    pub step_due_at: Option<DateTime<Utc>>,
    /// Opinions asked at the current step and not yet given.
    pub consultations_open: i64,
    /// When the unit leader was told the current step overran.
    pub escalated_at: Option<DateTime<Utc>>,
    /// When the applicant asked to withdraw the received dossier, while the agency has not
    /// decided.
    pub withdrawal_requested_at: Option<DateTime<Utc>>,
    /// The one-stop desk (agency code) whose register the dossier was entered in at reception.
    pub register_desk: Option<String>,
    /// Its entry number in that desk's register of the year of reception, from 1.
    pub register_entry: Option<i64>,
    /// The national portal's code of the dossier (MaHoSo), when the portal handed it over.
    pub external_code: Option<String>,
}

impl Dossier {
    /// Where the fee stands: `none` (nothing to pay), `due` or `paid`.
    pub fn fee_state(&self) -> &'static str {
        match (self.fee_vnd, self.fee_paid_at) {
            (0, _) => "none",
            (_, Some(_)) => "paid",
            (_, None) => "due",
        }
    }
}

/// An attachment's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Random id, used in URLs.
    pub id: String,
    /// The dossier.
    pub dossier_id: i64,
    /// Which required document (or `result`).
    pub key: String,
    /// Why it is attached.
    pub purpose: AttachmentPurpose,
    /// The name the user gave the file (shown only, never a path).
    pub file_name: String,
    /// Sniffed content type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 hex.
    pub sha256: String,
    /// Key in the object store.
    pub storage_key: String,
    /// Scanned from paper at the counter.
    pub digitized: bool,
    /// Reused from an earlier dossier.
    pub reused: bool,
    /// Picked from the citizen's document store.
    pub from_citizen_store: bool,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An attachment to record, its bytes already stored.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NewAttachment {
    /// Which required document (or `result`).
    pub key: String,
    /// Why it is attached.
    pub purpose: AttachmentPurpose,
    /// The user's file name.
    pub file_name: String,
    /// Sniffed content type.
    pub content_type: String,
    /// Where the bytes are.
    pub blob: StoredBlob,
    /// Scanned at the counter.
    pub digitized: bool,
    /// Taken from an earlier dossier instead of being submitted again ("only once").
    #[serde(default)]
    pub reused: bool,
    /// Picked by the applicant from their document store.
    #[serde(default)]
    pub from_citizen_store: bool,
}

/// One event of a dossier's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Row id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (account), if a person.
    pub actor_user_id: Option<i64>,
    /// Who, as shown.
    pub actor_name: String,
    /// Action name.
    pub action: String,
    /// Status before.
    pub from_status: Option<Status>,
    /// Status after.
    pub to_status: Status,
    /// Workflow step after.
    pub step: Option<i64>,
    /// What the person acting wrote.
    pub note: Option<String>,
    /// What else was recorded; `None` also for a fact this version does not know.
    pub fact: Option<Fact>,
}

/// Who did something, for the history.
#[derive(Clone, Debug)]
pub struct By {
    /// Account.
    pub user_id: Option<i64>,
    /// Shown name.
    pub name: String,
}

/// A dossier to submit.
#[derive(Clone, Debug)]
pub struct NewDossier {
    /// The procedure version.
    pub procedure_version_id: i64,
    /// Its code.
    pub procedure_code: String,
    /// Its lead agency, which also names the code.
    pub lead_agency: String,
    /// The applicant's account.
    pub applicant_user_id: Option<i64>,
    /// The applicant.
    pub applicant: Applicant,
    /// How it reaches the agency.
    pub channel: Channel,
    /// Validated answers.
    pub data: Map<String, Value>,
    /// Fee in đồng.
    pub fee_vnd: i64,
    /// Who must act first.
    pub waiting: Option<(Role, String)>,
    /// Documents, bytes already stored.
    pub attachments: Vec<NewAttachment>,
    /// Jobs that tell the applicant about it.
    pub follow_ups: FollowUps,
    /// The national portal's code of the dossier, when the portal hands it over.
    pub external_code: Option<String>,
    /// When the fee was paid, when it was paid before the dossier arrived (on the portal).
    pub fee_paid_at: Option<DateTime<Utc>>,
}

/// The job to run once a dossier's change is committed (telling the applicant, by each
/// channel): one job per change, enqueued in the change's transaction, naming the dossier code,
/// the revision it follows and the channels, so that it is done once whatever happens. One job
/// rather than one per channel: the messages go to the same person, and a submission costs the
/// queue one row (its handler records the channels done, see `jobs::record_progress`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FollowUps {
    /// The job kind.
    pub kind: String,
    /// The channels (e.g. `portal`, `email`, `sms`); no job when empty.
    pub channels: Vec<String>,
    /// What the job needs to know of the change (e.g. the new status), as it was when made.
    pub detail: serde_json::Value,
}

impl FollowUps {
    /// Enqueues the job for the dossier `code` at `revision`, in the caller's transaction.
    async fn enqueue(&self, tx: &mut WriteTx<'_>, code: &str, revision: i64) -> Result<()> {
        if self.channels.is_empty() {
            return Ok(());
        }
        let payload = serde_json::json!({
            "code": code, "revision": revision, "channels": self.channels, "detail": self.detail
        });
        let job =
            crate::jobs::NewJob::new(self.kind.clone(), payload).dedupe(format!("{}:{code}:{revision}", self.kind));
        crate::jobs::enqueue_in(tx, &job).await?;
        Ok(())
    }
}

const DOSSIER_COLUMNS: &str = "id, code, procedure_version_id, procedure_code, lead_agency, applicant_user_id, \
    applicant_name, applicant_id_number, applicant_phone, applicant_email, applicant_address, channel, data, status, \
    step, resume_status, waiting_role, waiting_agency, submitted_at, received_at, clock_started_at, due_at, \
    finished_at, returned_at, supplement_count, rescheduled, fee_vnd, revision, assignee_user_id, step_started_at, \
    step_due_at, consultations_open, escalated_at, fee_paid_at, withdrawal_requested_at, register_desk, register_entry, \
    applicant_verified_by, external_code, applicant_organisation_id";

fn status_from(s: &str) -> Result<Status> {
    Status::parse(s).ok_or_else(|| StoreError::Corrupt(format!("status {s}")))
}

fn channel_from(s: &str) -> Result<Channel> {
    Channel::parse(s).ok_or_else(|| StoreError::Corrupt(format!("channel {s}")))
}

fn opt_time(row: &AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(row.try_get::<Option<Millis>, _>(col)?.map(|m| m.0))
}

/// The applicant as submitted, from a row of dossier or list columns.
fn applicant_from(row: &AnyRow) -> Result<Applicant> {
    Ok(Applicant {
        full_name: row.try_get("applicant_name")?,
        id_number: row.try_get("applicant_id_number")?,
        phone: row.try_get("applicant_phone")?,
        email: row.try_get("applicant_email")?,
        address: row.try_get("applicant_address")?,
        verified_by: row.try_get("applicant_verified_by")?,
        organisation_id: row.try_get("applicant_organisation_id")?,
    })
}

fn dossier_from(row: &AnyRow) -> Result<Dossier> {
    let data: String = row.try_get("data")?;
    let data = match serde_json::from_str(&data)? {
        Value::Object(m) => m,
        _ => return Err(StoreError::Corrupt("dossier data".into())),
    };
    Ok(Dossier {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        procedure_version_id: row.try_get("procedure_version_id")?,
        procedure_code: row.try_get("procedure_code")?,
        lead_agency: row.try_get("lead_agency")?,
        applicant_user_id: row.try_get("applicant_user_id")?,
        applicant: applicant_from(row)?,
        channel: channel_from(&row.try_get::<String, _>("channel")?)?,
        data,
        status: status_from(&row.try_get::<String, _>("status")?)?,
        step: usize::try_from(row.try_get::<i64, _>("step")?).map_err(|_| StoreError::Corrupt("step".into()))?,
        resume_status: row.try_get::<Option<String>, _>("resume_status")?.map(|s| status_from(&s)).transpose()?,
        waiting_role: row.try_get::<Option<String>, _>("waiting_role")?.and_then(|r| Role::parse(&r)),
        waiting_agency: row.try_get("waiting_agency")?,
        submitted_at: row.try_get::<Millis, _>("submitted_at")?.0,
        received_at: opt_time(row, "received_at")?,
        clock_started_at: opt_time(row, "clock_started_at")?,
        due_at: opt_time(row, "due_at")?,
        finished_at: opt_time(row, "finished_at")?,
        returned_at: opt_time(row, "returned_at")?,
        supplement_count: row.try_get("supplement_count")?,
        rescheduled: row.try_get::<Flag, _>("rescheduled")?.0,
        fee_vnd: row.try_get("fee_vnd")?,
        fee_paid_at: opt_time(row, "fee_paid_at")?,
        revision: row.try_get("revision")?,
        assignee_user_id: row.try_get("assignee_user_id")?,
        step_started_at: opt_time(row, "step_started_at")?,
        step_due_at: opt_time(row, "step_due_at")?,
        consultations_open: row.try_get("consultations_open")?,
        escalated_at: opt_time(row, "escalated_at")?,
        withdrawal_requested_at: opt_time(row, "withdrawal_requested_at")?,
        register_desk: row.try_get("register_desk")?,
        register_entry: row.try_get("register_entry")?,
        external_code: row.try_get("external_code")?,
    })
}

/// A dossier as lists show it — the queues, a citizen's list, the API's summaries, the daily
/// digest: who applied for what, where it stands and its dates. Not its answers nor its
/// workflow state: reading and parsing those for every row was most of a queue page's cost
/// (bench/README.md, "Sixth round").
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    /// Row id.
    pub id: i64,
    /// Public code.
    pub code: String,
    /// Procedure code.
    pub procedure_code: String,
    /// Applicant as submitted.
    pub applicant: Applicant,
    /// How it was received.
    pub channel: Channel,
    /// Status.
    pub status: Status,
    /// Submitted.
    pub submitted_at: DateTime<Utc>,
    /// Received.
    pub received_at: Option<DateTime<Utc>>,
    /// Statutory deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// How many supplements were requested.
    pub supplement_count: i64,
    /// Whether its due date was moved (the apology was issued).
    pub rescheduled: bool,
}

const LISTED_COLUMNS: &str = "id, code, procedure_code, applicant_name, applicant_id_number, applicant_phone, \
    applicant_email, applicant_address, applicant_verified_by, applicant_organisation_id, channel, status, \
    submitted_at, received_at, due_at, finished_at, supplement_count, rescheduled";

fn listed_from(row: &AnyRow) -> Result<Listed> {
    Ok(Listed {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        procedure_code: row.try_get("procedure_code")?,
        applicant: applicant_from(row)?,
        channel: channel_from(&row.try_get::<String, _>("channel")?)?,
        status: status_from(&row.try_get::<String, _>("status")?)?,
        submitted_at: row.try_get::<Millis, _>("submitted_at")?.0,
        received_at: opt_time(row, "received_at")?,
        due_at: opt_time(row, "due_at")?,
        finished_at: opt_time(row, "finished_at")?,
        supplement_count: row.try_get("supplement_count")?,
        rescheduled: row.try_get::<Flag, _>("rescheduled")?.0,
    })
}

/// Takes the next number of a per-scope, per-day sequence. Atomic on both engines, so codes
/// stay unique with any number of servers.
pub(crate) async fn next_sequence(tx: &mut WriteTx<'_>, scope: &str, day: &str) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO code_sequences (scope, day, last) VALUES ($1, $2, 1) \
         ON CONFLICT (scope, day) DO UPDATE SET last = code_sequences.last + 1 RETURNING last",
    )
    .bind(scope)
    .bind(day)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n)
}

/// Inserts a dossier's new attachments in one statement per hundred (one round trip for an
/// application's documents); their ids, in order.
async fn insert_attachments(
    tx: &mut WriteTx<'_>,
    dossier_id: i64,
    by: Option<i64>,
    list: &[NewAttachment],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    const COLUMNS: usize = 14;
    let ids: Vec<String> = list.iter().map(|_| crate::random_id()).collect();
    for (chunk, chunk_ids) in list.chunks(100).zip(ids.chunks(100)) {
        let sql = format!(
            "INSERT INTO attachments (id, dossier_id, doc_key, purpose, file_name, content_type, size, sha256, \
             storage_key, digitized, uploaded_by, created_at, reused, from_citizen_store) VALUES {}",
            crate::values_rows(chunk.len(), COLUMNS)
        );
        let mut insert = sqlx::query(&sql);
        for (a, id) in chunk.iter().zip(chunk_ids) {
            insert = insert
                .bind(id)
                .bind(dossier_id)
                .bind(&a.key)
                .bind(a.purpose.as_str())
                .bind(&a.file_name)
                .bind(&a.content_type)
                .bind(a.blob.size)
                .bind(&a.blob.sha256)
                .bind(&a.blob.storage_key)
                .bind(Flag(a.digitized))
                .bind(by)
                .bind(Millis(now))
                .bind(Flag(a.reused))
                .bind(Flag(a.from_citizen_store));
        }
        insert.execute(&mut **tx).await?;
    }
    Ok(ids)
}

/// A document in a citizen's store: something they submitted (or the desk scanned for them), or
/// a result issued to them, with the dossier it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDocument {
    /// The attachment.
    pub attachment: Attachment,
    /// Its dossier's code.
    pub dossier_code: String,
    /// Its dossier's procedure.
    pub procedure_code: String,
}

/// The attachments in the store of citizen `$1`: every document of their own dossiers (not
/// those they filed for an organisation) and every result issued to them (`a` the attachment, `d` its dossier). A result is listed once: when
/// it was issued signed, the signed electronic result (`signed_result`) stands for the officer's
/// own file (`result`), which it carries inside.
const IN_CITIZEN_STORE: &str = "FROM attachments a JOIN dossiers d ON d.id = a.dossier_id \
     WHERE d.applicant_user_id = $1 AND d.applicant_organisation_id IS NULL AND (a.purpose IN ('document', 'supplement') \
     OR (a.purpose = 'result' AND d.status IN ('result_ready', 'returned') \
     AND NOT (a.doc_key = 'result' AND EXISTS (SELECT 1 FROM attachments s \
     WHERE s.dossier_id = a.dossier_id AND s.purpose = 'result' AND s.doc_key = 'signed_result'))))";

fn stored_document_columns() -> String {
    let columns: String =
        ATTACHMENT_COLUMNS.split(',').map(|c| format!("a.{}", c.trim())).collect::<Vec<_>>().join(", ");
    format!("{columns}, d.code AS dossier_code, d.procedure_code AS procedure_code")
}

fn stored_document_from(r: &AnyRow) -> Result<StoredDocument> {
    Ok(StoredDocument {
        attachment: attachment_from(r)?,
        dossier_code: r.try_get("dossier_code")?,
        procedure_code: r.try_get("procedure_code")?,
    })
}

/// A citizen's document store (kho dữ liệu công dân), newest first, a page at a time (at most
/// 1,000 a page): every document of their dossiers and every result issued to them, so that
/// nothing is asked of them twice.
pub async fn citizen_documents(db: &Database, user_id: i64, page: i64, per_page: i64) -> Result<Page<StoredDocument>> {
    let per_page = per_page.clamp(1, 1000);
    let (total,): (i64,) =
        sqlx::query_as(&format!("SELECT COUNT(*) {IN_CITIZEN_STORE}")).bind(user_id).fetch_one(db.reader()).await?;
    let rows = sqlx::query(&format!(
        "SELECT {} {IN_CITIZEN_STORE} ORDER BY a.created_at DESC, a.id LIMIT {per_page} OFFSET {}",
        stored_document_columns(),
        (page.max(1) - 1).saturating_mul(per_page)
    ))
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    Ok(Page::counted(rows.iter().map(stored_document_from).collect::<Result<_>>()?, total))
}

/// One document of a citizen's store; `NotFound` when the attachment is not in their store
/// (someone else's, or a result not yet issued), so that it cannot be told from a missing one.
pub async fn citizen_document(db: &Database, user_id: i64, attachment_id: &str) -> Result<StoredDocument> {
    let row = sqlx::query(&format!("SELECT {} {IN_CITIZEN_STORE} AND a.id = $2", stored_document_columns()))
        .bind(user_id)
        .bind(attachment_id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    stored_document_from(&row)
}

/// An event to append to a dossier's history.
struct NewEvent<'a> {
    action: &'a str,
    from: Option<Status>,
    to: Status,
    step: usize,
    note: Option<&'a str>,
    fact: Option<&'a Fact>,
}

async fn insert_event(
    tx: &mut WriteTx<'_>,
    dossier_id: i64,
    dossier_code: &str,
    at: DateTime<Utc>,
    by: &By,
    e: NewEvent<'_>,
) -> Result<()> {
    let fact = e.fact.map(Fact::to_json);
    let link = crate::audit::next_link(tx, dossier_id, &e.content(dossier_code, at, by, fact.as_deref())).await?;
    insert_event_row(tx, dossier_id, at, by, &e, fact.as_deref(), &link.hash).await?;
    crate::audit::advance_head(tx, link).await
}

impl NewEvent<'_> {
    /// The fields the event's hash covers.
    fn content<'a>(
        &'a self,
        dossier_code: &'a str,
        at: DateTime<Utc>,
        by: &'a By,
        fact: Option<&'a str>,
    ) -> crate::audit::EventContent<'a> {
        crate::audit::EventContent {
            dossier_code,
            at: millis(at),
            actor_user_id: by.user_id,
            actor_name: &by.name,
            action: self.action,
            from_status: self.from.map(|s| s.as_str()),
            to_status: self.to.as_str(),
            step: Some(self.step as i64),
            note: self.note.filter(|n| !n.is_empty()),
            fact,
        }
    }
}

/// Writes an event row with its hash (the head is the caller's to move).
async fn insert_event_row(
    tx: &mut WriteTx<'_>,
    dossier_id: i64,
    at: DateTime<Utc>,
    by: &By,
    e: &NewEvent<'_>,
    fact: Option<&str>,
    hash: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (dossier_id, at, actor_user_id, actor_name, action, from_status, to_status, step, note, fact, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(dossier_id)
    .bind(Millis(at))
    .bind(by.user_id)
    .bind(&by.name)
    .bind(e.action)
    .bind(e.from.map(|s| s.as_str()))
    .bind(e.to.as_str())
    .bind(e.step as i64)
    .bind(e.note.filter(|n| !n.is_empty()))
    .bind(fact)
    .bind(hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Stores a new dossier with its code, documents and first event, in one transaction.
pub async fn submit(
    db: &Database,
    pattern: &DossierCodePattern,
    new: &NewDossier,
    by: &By,
    now: DateTime<Utc>,
) -> Result<Dossier> {
    submit_keyed(db, pattern, new, by, now, None).await
}

/// [`submit`] for a request sent with an idempotency key: the dossier is recorded on the key
/// in its own transaction (see [`crate::idempotency`]).
pub async fn submit_keyed(
    db: &Database,
    pattern: &DossierCodePattern,
    new: &NewDossier,
    by: &By,
    now: DateTime<Utc>,
    key: Option<&crate::idempotency::Key>,
) -> Result<Dossier> {
    let local_day = now.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    let mut tx = db.write_tx().await?;
    // The row goes in under a placeholder code: the code's number is taken last (below), so
    // that concurrent submissions to one agency wait on its sequence row only for the last
    // statements of their transactions, not for the whole of them.
    let placeholder = format!("~{}", crate::random_id());
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO dossiers (code, procedure_version_id, procedure_code, lead_agency, applicant_user_id, applicant_name, \
         applicant_id_number, applicant_phone, applicant_email, applicant_address, channel, data, status, step, \
         waiting_role, waiting_agency, submitted_at, fee_vnd, applicant_name_folded, applicant_verified_by, external_code, \
         fee_paid_at, applicant_organisation_id, event_count, last_hash, head_mac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, $15, $16, $17, $18, $19, $20, $21, $22, 1, $23, $24) \
         RETURNING id",
    )
    .bind(&placeholder)
    .bind(new.procedure_version_id)
    .bind(&new.procedure_code)
    .bind(&new.lead_agency)
    .bind(new.applicant_user_id)
    .bind(&new.applicant.full_name)
    .bind(&new.applicant.id_number)
    .bind(&new.applicant.phone)
    .bind(&new.applicant.email)
    .bind(&new.applicant.address)
    .bind(new.channel.as_str())
    .bind(serde_json::to_string(&new.data)?)
    .bind(Status::Submitted.as_str())
    .bind(new.waiting.as_ref().map(|(r, _)| r.as_str()))
    .bind(new.waiting.as_ref().map(|(_, a)| a.clone()))
    .bind(Millis(now))
    .bind(new.fee_vnd)
    .bind(motcua_domain::text::fold(&new.applicant.full_name))
    .bind(&new.applicant.verified_by)
    .bind(&new.external_code)
    .bind(new.fee_paid_at.map(Millis))
    .bind(new.applicant.organisation_id)
    .bind("")
    .bind("")
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| match &new.external_code {
        // Another request with the same portal code was first; the caller answers with its dossier.
        Some(external) if StoreError::is_unique_violation(&e) => {
            StoreError::Conflict(format!("a dossier with the portal's code {external} exists"))
        }
        _ => e.into(),
    })?;
    insert_attachments(&mut tx, id, new.applicant_user_id, &new.attachments, now).await?;
    let seq = next_sequence(&mut tx, &new.lead_agency, &local_day.format("%Y-%m-%d").to_string()).await?;
    let code = pattern.render(&new.lead_agency, local_day, seq as u64);
    let submitted = NewEvent { action: "submit", from: None, to: Status::Submitted, step: 0, note: None, fact: None };
    let (hash, seal) = crate::audit::first_link(
        tx.audit_key()?,
        &submitted.content(&code, now, by, None),
        Status::Submitted.as_str(),
        0,
    );
    sqlx::query("UPDATE dossiers SET code = $1, last_hash = $2, head_mac = $3 WHERE id = $4")
        .bind(&code)
        .bind(&hash)
        .bind(&seal)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    insert_event_row(&mut tx, id, now, by, &submitted, None, &hash).await?;
    if let Some(key) = key {
        crate::idempotency::record_dossier_in(&mut tx, key, &code).await?;
    }
    new.follow_ups.enqueue(&mut tx, &code, 0).await?;
    let reported = crate::national_outbox::Reported {
        dossier_id: id,
        dossier_code: &code,
        channel: new.channel,
        external_code: new.external_code.as_deref(),
        revision: 0,
        from: None,
        to: Status::Submitted,
        action: "submit",
        note: None,
        due_at: None,
        finished_at: None,
        at: now,
    };
    crate::webhooks::record(&mut tx, &reported).await?;
    crate::national_outbox::record(&mut tx, reported).await?;
    tx.commit().await?;
    by_id(db, id).await
}

/// A dossier by row id.
pub async fn by_id(db: &Database, id: i64) -> Result<Dossier> {
    let row = sqlx::query(&format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    dossier_from(&row)
}

/// A dossier by code.
pub async fn by_code(db: &Database, code: &str) -> Result<Dossier> {
    let row = sqlx::query(&format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1"))
        .bind(code)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    dossier_from(&row)
}

/// The dossier the national portal handed over under its code `external_code` (MaHoSo).
pub async fn by_external_code(db: &Database, external_code: &str) -> Result<Dossier> {
    let row = sqlx::query(&format!("SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE external_code = $1"))
        .bind(external_code)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    dossier_from(&row)
}

/// Puts the dossiers made for a person without an account (handed over by the national portal,
/// or taken at the desk) into the citizen account now bound to their identity number, once that
/// number is proven (a sign-in through the national identity provider). How many moved.
pub async fn claim_for_citizen(db: &Database, user_id: i64, id_number: &str) -> Result<u64> {
    let mut tx = db.write_tx().await?;
    let moved = sqlx::query(
        "UPDATE dossiers SET applicant_user_id = $1 WHERE applicant_id_number = $2 AND applicant_user_id IS NULL",
    )
    .bind(user_id)
    .bind(id_number)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(moved)
}

const ATTACHMENT_COLUMNS: &str =
    "id, dossier_id, doc_key, purpose, file_name, content_type, size, sha256, storage_key, \
    digitized, reused, from_citizen_store, created_at";

fn attachment_from(row: &AnyRow) -> Result<Attachment> {
    Ok(Attachment {
        id: row.try_get("id")?,
        dossier_id: row.try_get("dossier_id")?,
        key: row.try_get("doc_key")?,
        purpose: closed_word(row, "purpose", AttachmentPurpose::parse)?,
        file_name: row.try_get("file_name")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        storage_key: row.try_get("storage_key")?,
        digitized: row.try_get::<Flag, _>("digitized")?.0,
        reused: row.try_get::<Flag, _>("reused")?.0,
        from_citizen_store: row.try_get::<Flag, _>("from_citizen_store")?.0,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
    })
}

/// A dossier's attachments, oldest first.
pub async fn attachments(db: &Database, dossier_id: i64) -> Result<Vec<Attachment>> {
    let rows = sqlx::query(&format!(
        "SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE dossier_id = $1 ORDER BY created_at, doc_key"
    ))
    .bind(dossier_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(attachment_from).collect()
}

/// One attachment by its random id.
pub async fn attachment(db: &Database, id: &str) -> Result<Attachment> {
    let row = sqlx::query(&format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    attachment_from(&row)
}

/// A dossier's history, oldest first.
pub async fn history(db: &Database, dossier_id: i64) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT id, at, actor_user_id, actor_name, action, from_status, to_status, step, note, fact FROM events \
         WHERE dossier_id = $1 ORDER BY id",
    )
    .bind(dossier_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                id: r.try_get("id")?,
                at: r.try_get::<Millis, _>("at")?.0,
                actor_user_id: r.try_get("actor_user_id")?,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                from_status: r.try_get::<Option<String>, _>("from_status")?.map(|s| status_from(&s)).transpose()?,
                to_status: status_from(&r.try_get::<String, _>("to_status")?)?,
                step: r.try_get("step")?,
                note: r.try_get("note")?,
                fact: r.try_get::<Option<String>, _>("fact")?.as_deref().and_then(Fact::from_json),
            })
        })
        .collect()
}

/// The outcome of an action, decided by the domain rules, to store.
#[derive(Clone, Debug)]
pub struct Change {
    /// Action name for the history.
    pub action: String,
    /// New status.
    pub status: Status,
    /// New step.
    pub step: usize,
    /// Where to resume after a supplement.
    pub resume_status: Option<Status>,
    /// Who must act next.
    pub waiting: Option<(Role, String)>,
    /// Set the reception time.
    pub received_at: Option<DateTime<Utc>>,
    /// Restart the clock at this time with this due date.
    pub clock: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Set the finish time.
    pub finished_at: Option<DateTime<Utc>>,
    /// Set the hand-over time.
    pub returned_at: Option<DateTime<Utc>>,
    /// Count one more supplement request.
    pub supplement_requested: bool,
    /// The new due date of the one reschedule allowed (with an apology).
    pub rescheduled_to: Option<DateTime<Utc>>,
    /// Note for the history: what the person acting wrote.
    pub note: Option<String>,
    /// What else the history records of the action.
    pub fact: Option<Fact>,
    /// Files that come with the action.
    pub attachments: Vec<NewAttachment>,
    /// The dossier enters a step now: its start and the end of its allotment. Entering a step
    /// clears the assignee and the escalation mark.
    pub enters_step: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    /// Opinions to ask of other agencies at the step entered.
    pub consultations: Vec<NewConsultation>,
    /// Withdraw the opinions still awaited (the dossier leaves the step or the procedure ends).
    pub cancel_consultations: bool,
    /// Jobs that tell the applicant about the change.
    pub follow_ups: FollowUps,
    /// Other work the change asks for, enqueued in its transaction (the receipt of a fee paid).
    pub jobs: Vec<crate::jobs::NewJob>,
    /// The system's seal of one of `attachments` (the signed electronic result), recorded with it.
    pub seal: Option<crate::seals::NewSeal>,
    /// A request to withdraw is made (`Some(true)`) or answered (`Some(false)`); `None` leaves it.
    pub withdrawal_requested: Option<bool>,
    /// The desk (agency code) that enters the dossier in its register now, at reception.
    pub register_desk: Option<String>,
}

/// An opinion to ask of another agency, with its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConsultation {
    /// The consulted agency.
    pub agency: String,
    /// The role there that answers.
    pub role: Role,
    /// Answer due.
    pub due_at: DateTime<Utc>,
}

/// An opinion asked of another agency at a step (xin ý kiến).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consultation {
    /// Row id.
    pub id: i64,
    /// The dossier.
    pub dossier_id: i64,
    /// The step that asked.
    pub step: usize,
    /// The consulted agency.
    pub agency: String,
    /// The role there that answers.
    pub role: Role,
    /// Asked.
    pub asked_at: DateTime<Utc>,
    /// Answer due.
    pub due_at: DateTime<Utc>,
    /// Answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// Who answered.
    pub answered_by: Option<i64>,
    /// The opinion.
    pub answer: Option<String>,
    /// Withdrawn because the dossier left the step.
    pub cancelled: bool,
}

impl Change {
    /// The change a lifecycle transition makes at `now`: the new status and step, who must act
    /// next, the times it sets, and the restarted clock with its due date when there is one.
    pub fn from_transition(
        before: &motcua_domain::dossier::Situation<'_>,
        action: motcua_domain::dossier::Action,
        t: motcua_domain::dossier::Transition,
        now: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
        note: Option<String>,
        attachments: Vec<NewAttachment>,
    ) -> Change {
        use motcua_domain::dossier::{waiting_on, Action, Situation};
        let next = Situation {
            status: t.to,
            step: t.step,
            resume_status: t.resume_status,
            withdrawal_requested: t.withdrawal_requested,
            ..before.clone()
        };
        Change {
            action: action.as_str().into(),
            status: t.to,
            step: t.step,
            resume_status: t.resume_status,
            waiting: waiting_on(&next),
            received_at: (action == Action::Receive).then_some(now),
            clock: if t.restarts_clock { due.map(|d| (now, d)) } else { None },
            finished_at: (t.to != before.status
                && matches!(t.to, Status::ResultReady | Status::Refused | Status::Withdrawn))
            .then_some(now),
            returned_at: (t.to == Status::Returned && before.status != Status::Returned).then_some(now),
            supplement_requested: action == Action::RequestSupplement,
            rescheduled_to: None,
            note,
            fact: None,
            attachments,
            enters_step: None,
            consultations: Vec::new(),
            cancel_consultations: false,
            follow_ups: FollowUps::default(),
            jobs: Vec::new(),
            seal: None,
            withdrawal_requested: (t.withdrawal_requested != before.withdrawal_requested)
                .then_some(t.withdrawal_requested),
            register_desk: None,
        }
    }
}

/// Applies a change decided on `current`, with its event, in one transaction. If the dossier
/// changed since `current` was read, nothing is written and the answer is a conflict.
pub async fn apply(db: &Database, current: &Dossier, change: &Change, by: &By, now: DateTime<Utc>) -> Result<Dossier> {
    let mut tx = db.write_tx().await?;
    apply_in(&mut tx, current, change, by, now).await?;
    tx.commit().await?;
    by_id(db, current.id).await
}

/// [`apply`] in the caller's transaction.
pub(crate) async fn apply_in(
    tx: &mut WriteTx<'_>,
    current: &Dossier,
    change: &Change,
    by: &By,
    now: DateTime<Utc>,
) -> Result<()> {
    crate::audit::check_head(tx, current.id).await?;
    // A dossier's counts are read before a change that can change them (its reception, its
    // finish, anything once finished), so that only the difference is added.
    let recounted = current.finished_at.is_some() || change.finished_at.is_some() || change.received_at.is_some();
    let counts_before =
        if recounted { crate::indicator_counts::counted(tx, current.id, now).await? } else { Default::default() };
    let updated = sqlx::query(
        "UPDATE dossiers SET status = $3, step = $4, resume_status = $5, waiting_role = $6, waiting_agency = $7, \
         received_at = COALESCE($8, received_at), clock_started_at = COALESCE($9, clock_started_at), \
         due_at = COALESCE($14, $10, due_at), finished_at = COALESCE($11, finished_at), returned_at = COALESCE($12, returned_at), \
         supplement_count = supplement_count + $13, rescheduled = CASE WHEN $15 = 1 THEN 1 ELSE rescheduled END, revision = revision + 1, \
         step_started_at = COALESCE($16, step_started_at), step_due_at = CASE WHEN $16 IS NULL THEN step_due_at ELSE $17 END, \
         assignee_user_id = CASE WHEN $16 IS NULL THEN assignee_user_id ELSE NULL END, \
         escalated_at = CASE WHEN $16 IS NULL THEN escalated_at ELSE NULL END, \
         consultations_open = (CASE WHEN $18 = 1 THEN 0 ELSE consultations_open END) + $19, \
         withdrawal_requested_at = CASE WHEN $20 = 1 THEN $21 WHEN $20 = 0 THEN NULL ELSE withdrawal_requested_at END \
         WHERE id = $1 AND revision = $2",
    )
    .bind(current.id)
    .bind(current.revision)
    .bind(change.status.as_str())
    .bind(change.step as i64)
    .bind(change.resume_status.map(|s| s.as_str()))
    .bind(change.waiting.as_ref().map(|(r, _)| r.as_str()))
    .bind(change.waiting.as_ref().map(|(_, a)| a.clone()))
    .bind(change.received_at.map(Millis))
    .bind(change.clock.map(|(start, _)| Millis(start)))
    .bind(change.clock.map(|(_, due)| Millis(due)))
    .bind(change.finished_at.map(Millis))
    .bind(change.returned_at.map(Millis))
    .bind(i64::from(change.supplement_requested))
    .bind(change.rescheduled_to.map(Millis))
    .bind(Flag(change.rescheduled_to.is_some()))
    .bind(change.enters_step.map(|(start, _)| Millis(start)))
    .bind(change.enters_step.and_then(|(_, due)| due).map(Millis))
    .bind(Flag(change.cancel_consultations))
    .bind(change.consultations.len() as i64)
    .bind(change.withdrawal_requested.map_or(-1_i64, i64::from))
    .bind(Millis(now))
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict("the dossier changed meanwhile".into()));
    }
    if let Some(desk) = &change.register_desk {
        // The next entry of the desk's register of the year, in the reception's transaction.
        let year = now.with_timezone(&motcua_domain::calendar::vn_offset()).format("%Y").to_string();
        let entry = next_sequence(tx, &format!("register:{desk}"), &year).await?;
        sqlx::query("UPDATE dossiers SET register_desk = $2, register_entry = $3 WHERE id = $1")
            .bind(current.id)
            .bind(desk)
            .bind(entry)
            .execute(&mut **tx)
            .await?;
    }
    if change.cancel_consultations {
        sqlx::query("UPDATE consultations SET cancelled = 1 WHERE dossier_id = $1 AND answered_at IS NULL")
            .bind(current.id)
            .execute(&mut **tx)
            .await?;
    }
    for c in &change.consultations {
        sqlx::query(
            "INSERT INTO consultations (dossier_id, step, agency, role, asked_at, due_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(current.id)
        .bind(change.step as i64)
        .bind(&c.agency)
        .bind(c.role.as_str())
        .bind(Millis(now))
        .bind(Millis(c.due_at))
        .execute(&mut **tx)
        .await?;
    }
    let ids = insert_attachments(tx, current.id, by.user_id, &change.attachments, now).await?;
    if let Some(seal) = &change.seal {
        let sealed = change
            .attachments
            .iter()
            .zip(&ids)
            .find(|(a, _)| a.blob.storage_key == seal.storage_key)
            .map(|(_, id)| id)
            .ok_or_else(|| StoreError::Other("the sealed file is not among the change's attachments".into()))?;
        crate::seals::insert(tx, current.id, sealed, seal).await?;
    }
    let event = NewEvent {
        action: &change.action,
        from: Some(current.status),
        to: change.status,
        step: change.step,
        note: change.note.as_deref(),
        fact: change.fact.as_ref(),
    };
    insert_event(tx, current.id, &current.code, now, by, event).await?;
    change.follow_ups.enqueue(tx, &current.code, current.revision + 1).await?;
    for job in &change.jobs {
        crate::jobs::enqueue_in(tx, job).await?;
    }
    let reported = crate::national_outbox::Reported {
        dossier_id: current.id,
        dossier_code: &current.code,
        channel: current.channel,
        external_code: current.external_code.as_deref(),
        revision: current.revision + 1,
        from: Some(current.status),
        to: change.status,
        action: &change.action,
        note: change.note.as_deref(),
        due_at: change.rescheduled_to.or(change.clock.map(|(_, due)| due)).or(current.due_at),
        finished_at: change.finished_at.or(current.finished_at),
        at: now,
    };
    crate::webhooks::record(tx, &reported).await?;
    crate::national_outbox::record(tx, reported).await?;
    if recounted {
        crate::indicator_counts::recount(tx, current.id, counts_before, now).await?;
    }
    Ok(())
}

/// Records an event that leaves the status as it is (an assignment, an opinion given) and bumps
/// the revision, in the caller's transaction, guarded by the revision read.
async fn touch(
    tx: &mut WriteTx<'_>,
    current: &Dossier,
    by: &By,
    action: &str,
    (note, fact): (Option<&str>, Option<&Fact>),
    now: DateTime<Utc>,
) -> Result<()> {
    crate::audit::check_head(tx, current.id).await?;
    let updated = sqlx::query("UPDATE dossiers SET revision = revision + 1 WHERE id = $1 AND revision = $2")
        .bind(current.id)
        .bind(current.revision)
        .execute(&mut **tx)
        .await?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict("the dossier changed meanwhile".into()));
    }
    let event = NewEvent { action, from: Some(current.status), to: current.status, step: current.step, note, fact };
    insert_event(tx, current.id, &current.code, now, by, event).await
}

/// Assigns the current step to a specialist (the unit leader's decision), with an event naming
/// them. The lifecycle rules decide beforehand who may assign and to whom.
pub async fn assign(
    db: &Database,
    current: &Dossier,
    assignee: i64,
    assignee_name: &str,
    by: &By,
    now: DateTime<Utc>,
) -> Result<Dossier> {
    let mut tx = db.write_tx().await?;
    let assigned = Fact::Assigned { user_id: assignee, name: assignee_name.to_string() };
    touch(&mut tx, current, by, "assign", (None, Some(&assigned)), now).await?;
    sqlx::query("UPDATE dossiers SET assignee_user_id = $2 WHERE id = $1")
        .bind(current.id)
        .bind(assignee)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    by_id(db, current.id).await
}

const CONSULTATION_COLUMNS: &str =
    "id, dossier_id, step, agency, role, asked_at, due_at, answered_at, answered_by, answer, cancelled";

fn consultation_from(row: &AnyRow) -> Result<Consultation> {
    Ok(Consultation {
        id: row.try_get("id")?,
        dossier_id: row.try_get("dossier_id")?,
        step: usize::try_from(row.try_get::<i64, _>("step")?).map_err(|_| StoreError::Corrupt("step".into()))?,
        agency: row.try_get("agency")?,
        role: Role::parse(&row.try_get::<String, _>("role")?).ok_or_else(|| StoreError::Corrupt("role".into()))?,
        asked_at: row.try_get::<Millis, _>("asked_at")?.0,
        due_at: row.try_get::<Millis, _>("due_at")?.0,
        answered_at: opt_time(row, "answered_at")?,
        answered_by: row.try_get("answered_by")?,
        answer: row.try_get("answer")?,
        cancelled: row.try_get::<Flag, _>("cancelled")?.0,
    })
}

/// Every opinion asked about a dossier, oldest first.
pub async fn consultations(db: &Database, dossier_id: i64) -> Result<Vec<Consultation>> {
    let rows =
        sqlx::query(&format!("SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE dossier_id = $1 ORDER BY id"))
            .bind(dossier_id)
            .fetch_all(db.reader())
            .await?;
    rows.iter().map(consultation_from).collect()
}

/// Whether an agency has been asked for an opinion on a dossier (its officers may then read it).
pub async fn is_consulted(db: &Database, dossier_id: i64, agency: &str) -> Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM consultations WHERE dossier_id = $1 AND agency = $2 LIMIT 1")
            .bind(dossier_id)
            .bind(agency)
            .fetch_optional(db.reader())
            .await?;
    Ok(row.is_some())
}

/// Records a consulted agency's opinion, once: the asking step may finish when none is left.
pub async fn answer_consultation(
    db: &Database,
    current: &Dossier,
    consultation_id: i64,
    answer: &str,
    by: &By,
    now: DateTime<Utc>,
) -> Result<Dossier> {
    let mut tx = db.write_tx().await?;
    let answered = sqlx::query(
        "UPDATE consultations SET answered_at = $3, answered_by = $4, answer = $5 \
         WHERE id = $1 AND dossier_id = $2 AND answered_at IS NULL AND cancelled = 0",
    )
    .bind(consultation_id)
    .bind(current.id)
    .bind(Millis(now))
    .bind(by.user_id)
    .bind(answer)
    .execute(&mut *tx)
    .await?;
    if answered.rows_affected() != 1 {
        return Err(StoreError::Conflict("the opinion was given or withdrawn meanwhile".into()));
    }
    touch(&mut tx, current, by, "answer_consultation", (Some(answer), None), now).await?;
    sqlx::query(
        "UPDATE dossiers SET consultations_open = consultations_open - 1 WHERE id = $1 AND consultations_open > 0",
    )
    .bind(current.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    by_id(db, current.id).await
}

/// Folds the applicant names of dossiers written before names were kept folded (migration 29),
/// a thousand per transaction; how many were folded.
pub async fn fold_names(db: &Database) -> Result<u64> {
    let mut done = 0;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, applicant_name FROM dossiers WHERE applicant_name_folded IS NULL ORDER BY id LIMIT 1000",
        )
        .fetch_all(db.reader())
        .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut tx = db.write_tx().await?;
        for (id, name) in &rows {
            sqlx::query("UPDATE dossiers SET applicant_name_folded = $2 WHERE id = $1")
                .bind(id)
                .bind(motcua_domain::text::fold(name))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        done += rows.len() as u64;
    }
}

/// Dossiers the one-stop desk of agency `desk` received in `[since, until)`, in order of
/// reception: the rows of its register (sổ theo dõi). A dossier received before registers were
/// kept per desk (no `register_desk`) counts in its lead agency's.
pub async fn registered_between(
    db: &Database,
    desk: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Dossier>> {
    let rows = sqlx::query(&format!(
        "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE received_at >= $1 AND received_at < $2 \
         AND (register_desk = $3 OR (register_desk IS NULL AND lead_agency = $3)) \
         ORDER BY received_at, id LIMIT {limit}"
    ))
    .bind(Millis(since))
    .bind(Millis(until))
    .bind(desk)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(dossier_from).collect()
}

/// A step that overran its allotment: what an escalation tells the unit leader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overrun {
    /// The dossier.
    pub dossier_id: i64,
    /// Its code.
    pub code: String,
    /// The agency acting at the step.
    pub agency: String,
    /// The step.
    pub step: usize,
    /// When the step's allotment ran out.
    pub step_due_at: DateTime<Utc>,
}

/// Marks up to `limit` steps that overran their allotment at `now` as escalated and enqueues the
/// job that tells the unit leader, in one transaction: each overrun is escalated once, and its
/// job exists if and only if the mark does.
pub async fn escalate_overruns(
    db: &Database,
    now: DateTime<Utc>,
    limit: i64,
    job_for: impl Fn(&Overrun) -> crate::jobs::NewJob,
) -> Result<Vec<Overrun>> {
    let mut tx = db.write_tx().await?;
    let rows: Vec<(i64, String, Option<String>, i64, Millis)> = sqlx::query_as(&format!(
        "SELECT id, code, waiting_agency, step, step_due_at FROM dossiers \
         WHERE step_due_at < $1 AND escalated_at IS NULL AND status IN ('received', 'processing') \
         ORDER BY step_due_at LIMIT {limit}"
    ))
    .bind(Millis(now))
    .fetch_all(&mut *tx)
    .await?;
    let overruns = rows.into_iter().map(|(id, code, agency, step, due)| Overrun {
        dossier_id: id,
        code,
        agency: agency.unwrap_or_default(),
        step: usize::try_from(step).unwrap_or_default(),
        step_due_at: due.0,
    });
    let marked = mark_once_and_enqueue(
        &mut tx,
        "UPDATE dossiers SET escalated_at = $2 WHERE id = $1 AND escalated_at IS NULL",
        now,
        overruns.map(|o| (o.dossier_id, o)),
        job_for,
    )
    .await?;
    tx.commit().await?;
    Ok(marked)
}

/// Marks each item with `mark` (an UPDATE of row `$1` setting a moment to `$2` = `now` where it
/// is still unset) and enqueues its job in the same transaction; the items it marked (another
/// server may have marked one first).
async fn mark_once_and_enqueue<T>(
    tx: &mut WriteTx<'_>,
    mark: &str,
    now: DateTime<Utc>,
    items: impl Iterator<Item = (i64, T)>,
    job_for: impl Fn(&T) -> crate::jobs::NewJob,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    for (id, item) in items {
        let marked = sqlx::query(mark).bind(id).bind(Millis(now)).execute(&mut **tx).await?;
        if marked.rows_affected() != 1 {
            continue;
        }
        crate::jobs::enqueue_in(tx, &job_for(&item)).await?;
        out.push(item);
    }
    Ok(out)
}

/// A consultation whose time ran out unanswered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateConsultation {
    /// The consultation.
    pub id: i64,
    /// The dossier's id and code.
    pub dossier_id: i64,
    /// Its code.
    pub code: String,
    /// The agency consulted, which is late.
    pub agency: String,
    /// When its answer was due.
    pub due_at: DateTime<Utc>,
}

/// Marks up to `limit` consultations still unanswered at `now` after their due time as reported
/// and enqueues the job that reports each, in one transaction: each is reported once, and its
/// job exists if and only if the mark does (Decree 61/2018 Art. 19.5).
pub async fn report_late_consultations(
    db: &Database,
    now: DateTime<Utc>,
    limit: i64,
    job_for: impl Fn(&LateConsultation) -> crate::jobs::NewJob,
) -> Result<Vec<LateConsultation>> {
    let mut tx = db.write_tx().await?;
    let rows: Vec<(i64, i64, String, String, Millis)> = sqlx::query_as(&format!(
        "SELECT c.id, c.dossier_id, d.code, c.agency, c.due_at FROM consultations c JOIN dossiers d ON d.id = c.dossier_id \
         WHERE c.due_at < $1 AND c.answered_at IS NULL AND c.cancelled = 0 AND c.late_reported_at IS NULL \
         AND d.status IN ('received', 'processing', 'supplement_requested') ORDER BY c.due_at LIMIT {limit}"
    ))
    .bind(Millis(now))
    .fetch_all(&mut *tx)
    .await?;
    let late = rows.into_iter().map(|(id, dossier_id, code, agency, due)| {
        (id, LateConsultation { id, dossier_id, code, agency, due_at: due.0 })
    });
    let marked = mark_once_and_enqueue(
        &mut tx,
        "UPDATE consultations SET late_reported_at = $2 WHERE id = $1 AND late_reported_at IS NULL",
        now,
        late,
        job_for,
    )
    .await?;
    tx.commit().await?;
    Ok(marked)
}

/// A page of results and the total count.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many in all, counted up to [`COUNT_CAP`] where lists can hold millions.
    pub total: i64,
    /// The count stopped at [`COUNT_CAP`]: there are more than `total`.
    pub total_capped: bool,
    /// Where the next page starts ([`Cursor`]), when there may be one and the list's order
    /// allows paging by position rather than by number.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page counted exactly, without a cursor.
    pub fn counted(items: Vec<T>, total: i64) -> Page<T> {
        Page { items, total, total_capped: false, next: None }
    }
}

/// Lists of dossiers count at most this many: past it, "more than 10,000" says all a person
/// needs, and an exact `COUNT(*)` over millions of rows would cost more than the page itself.
pub const COUNT_CAP: i64 = 10_000;

/// A position in a list (keyset pagination, `?after=`): the sort key and id of the last dossier
/// of a page. The next page starts after it, at the cost of one index seek however deep it is,
/// and it does not shift when dossiers arrive meanwhile, as page numbers do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The sort key of the last dossier seen (milliseconds).
    pub key: i64,
    /// Its id.
    pub id: i64,
}

impl Cursor {
    /// Reads a cursor as [`Cursor`]'s `Display` writes it; `None` for anything else.
    pub fn parse(text: &str) -> Option<Cursor> {
        let (key, id) = text.trim().split_once('_')?;
        Some(Cursor { key: key.parse().ok()?, id: id.parse().ok()? })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.key, self.id)
    }
}

/// Which dossiers to list.
#[derive(Clone, Debug)]
pub enum Listing {
    /// A citizen's dossiers: those they filed for themself (`user_id`), and those of the
    /// organisations they represent (filed by anyone for them).
    Applicant {
        /// The person, or `None` for the organisations' dossiers alone.
        user_id: Option<i64>,
        /// The organisations.
        organisations: Vec<i64>,
    },
    /// What an officer's roles in an agency may act on now; the service centre's desk acts for
    /// every agency.
    Queue {
        /// Roles held.
        roles: Vec<Role>,
        /// Agency.
        agency: String,
        /// Whether that agency is the service centre.
        at_service_centre: bool,
    },
    /// Every dossier an officer's agency leads (or every dossier, for the service centre).
    Agency {
        /// Agency.
        agency: String,
        /// Whether that agency is the service centre.
        at_service_centre: bool,
    },
    /// Dossiers on which an agency's opinion is asked and not yet given.
    Consulted {
        /// The consulted agency.
        agency: String,
    },
}

/// Narrows a listing.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only this status.
    pub status: Option<Status>,
    /// Only dossiers in the workflow whose deadline falls in this window.
    pub deadline: Option<Deadline>,
    /// In a queue, leave out steps a leader assigned to someone other than this officer.
    pub for_officer: Option<i64>,
    /// Only steps assigned to this officer.
    pub assigned_to: Option<i64>,
    /// Only dossiers whose code, applicant's name or applicant's phone contains this text
    /// (code and name without regard to case; on SQLite only ASCII letters fold, so a name also
    /// matches as typed).
    pub text: Option<String>,
    /// The order; each listing's own when `None`.
    pub order: Option<Order>,
    /// Start after this position instead of at a page number (orders by one date only).
    pub after: Option<Cursor>,
}

/// How a listing is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Dossiers whose clock runs, the nearest due date first; then the others in the listing's
    /// own order. What officers work by.
    DueFirst,
    /// The latest submitted first.
    Newest,
}

/// `LIKE` pattern of a text contained anywhere, with `\` escaping the pattern's own signs.
pub(crate) fn containing(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A deadline window for queues: the markers officers act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deadline {
    /// Due at or before `until` but not yet late at `now`.
    DueSoon {
        /// The moment of the listing.
        now: DateTime<Utc>,
        /// The end of the window (the close of the next working day).
        until: DateTime<Utc>,
    },
    /// Late: due before `now`.
    Overdue {
        /// The moment of the listing.
        now: DateTime<Utc>,
    },
}

/// A parameter of a query built at run time.
enum Bind {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// A listing's own order: by one date, then the id, oldest or newest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ByDate {
    column: &'static str,
    newest_first: bool,
}

impl ByDate {
    const NEWEST: ByDate = ByDate { column: "submitted_at", newest_first: true };
    const OLDEST: ByDate = ByDate { column: "submitted_at", newest_first: false };
    const DUE: ByDate = ByDate { column: "due_at", newest_first: false };

    /// The `ORDER BY` clause.
    fn sql(self) -> String {
        let direction = if self.newest_first { " DESC" } else { "" };
        format!("{}{direction}, id{direction}", self.column)
    }
}

/// Lists dossiers, newest first for applicants and agencies, oldest first in queues.
pub async fn list(db: &Database, listing: &Listing, filter: &Filter, page: i64, per_page: i64) -> Result<Page<Listed>> {
    let mut conditions: Vec<String> = Vec::new();
    let mut binds: Vec<Bind> = Vec::new();
    let bind = |v: Bind, binds: &mut Vec<Bind>| {
        binds.push(v);
        format!("${}", binds.len())
    };
    let own = match listing {
        Listing::Applicant { user_id, organisations } => {
            let mut whose = Vec::new();
            if let Some(u) = user_id {
                let u = bind(Bind::Int(*u), &mut binds);
                whose.push(format!("(applicant_user_id = {u} AND applicant_organisation_id IS NULL)"));
            }
            for o in organisations {
                whose.push(format!("applicant_organisation_id = {}", bind(Bind::Int(*o), &mut binds)));
            }
            if whose.is_empty() {
                whose.push("1 = 0".into());
            }
            conditions.push(format!("({})", whose.join(" OR ")));
            ByDate::NEWEST
        }
        Listing::Queue { roles, agency, at_service_centre } => {
            let mut alternatives = Vec::new();
            for role in roles.iter().filter(|r| r.is_officer()) {
                let r = bind(Bind::Text(role.as_str().to_string()), &mut binds);
                if *role == Role::Reception && *at_service_centre {
                    alternatives.push(format!("waiting_role = {r}"));
                } else {
                    let a = bind(Bind::Text(agency.clone()), &mut binds);
                    alternatives.push(format!("(waiting_role = {r} AND waiting_agency = {a})"));
                }
            }
            if alternatives.is_empty() {
                alternatives.push("1 = 0".into());
            }
            conditions.push(format!("({})", alternatives.join(" OR ")));
            ByDate::OLDEST
        }
        Listing::Agency { agency, at_service_centre } => {
            if !at_service_centre {
                let a = bind(Bind::Text(agency.clone()), &mut binds);
                // Deadline windows concern the work waiting in the unit now: that condition alone
                // lets the (waiting_agency, due_at) index answer "overdue in my unit".
                if filter.deadline.is_some() {
                    conditions.push(format!("waiting_agency = {a}"));
                } else {
                    conditions.push(format!("(lead_agency = {a} OR waiting_agency = {a})"));
                }
            }
            if filter.deadline.is_some() {
                ByDate::DUE
            } else {
                ByDate::NEWEST
            }
        }
        Listing::Consulted { agency } => {
            let a = bind(Bind::Text(agency.clone()), &mut binds);
            conditions.push(format!(
                "id IN (SELECT dossier_id FROM consultations WHERE agency = {a} AND answered_at IS NULL AND cancelled = 0)"
            ));
            ByDate::OLDEST
        }
    };
    // An order by one date pages by position too (a cursor is that date and the id); the order
    // of several keys (due first) by number only.
    let (order, keyset) = match filter.order {
        None => (own.sql(), Some(own)),
        Some(Order::Newest) => (ByDate::NEWEST.sql(), Some(ByDate::NEWEST)),
        Some(Order::DueFirst) => (
            format!(
                "CASE WHEN status IN ('received', 'processing') AND due_at IS NOT NULL THEN 0 ELSE 1 END, \
                 CASE WHEN status IN ('received', 'processing') THEN due_at END, {}",
                own.sql()
            ),
            None,
        ),
    };
    if let Some(text) = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // Codes and phones are ASCII: lowercasing is enough. Names are matched folded (no tone
        // marks, đ as d, any case), as both engines fold them alike only in Rust.
        let lowered = containing(&text.to_lowercase());
        let code = bind(Bind::Text(lowered.clone()), &mut binds);
        let phone = bind(Bind::Text(lowered), &mut binds);
        let folded = motcua_domain::text::fold(text);
        // Text that folds to nothing (punctuation alone) names no one.
        let name = match folded.is_empty() {
            true => "0 = 1".to_string(),
            false => {
                format!("applicant_name_folded LIKE {} ESCAPE '\\'", bind(Bind::Text(containing(&folded)), &mut binds))
            }
        };
        conditions.push(format!(
            "(LOWER(code) LIKE {code} ESCAPE '\\' OR {name} OR applicant_phone LIKE {phone} ESCAPE '\\')"
        ));
    }
    if let Some(s) = filter.status {
        conditions.push(format!("status = {}", bind(Bind::Text(s.as_str().to_string()), &mut binds)));
    }
    if let Some(me) = filter.for_officer {
        conditions
            .push(format!("(assignee_user_id IS NULL OR assignee_user_id = {})", bind(Bind::Int(me), &mut binds)));
    }
    if let Some(me) = filter.assigned_to {
        conditions.push(format!("assignee_user_id = {}", bind(Bind::Int(me), &mut binds)));
    }
    match filter.deadline {
        Some(Deadline::Overdue { now }) => {
            conditions.push("status IN ('received', 'processing')".into());
            conditions.push(format!("due_at < {}", bind(Bind::Time(now), &mut binds)));
        }
        Some(Deadline::DueSoon { now, until }) => {
            conditions.push("status IN ('received', 'processing')".into());
            conditions.push(format!("due_at >= {}", bind(Bind::Time(now), &mut binds)));
            conditions.push(format!("due_at <= {}", bind(Bind::Time(until), &mut binds)));
        }
        None => {}
    }
    let counted = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let count_binds = binds.len();
    let after = match (filter.after, keyset) {
        (Some(c), Some(ByDate { column, newest_first })) => {
            let (key, id) = (bind(Bind::Int(c.key), &mut binds), bind(Bind::Int(c.id), &mut binds));
            let past = if newest_first { "<" } else { ">" };
            conditions.push(format!("({column} {past} {key} OR ({column} = {key} AND id {past} {id}))"));
            true
        }
        _ => false,
    };
    let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let count_sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM dossiers {counted} LIMIT {}) capped", COUNT_CAP + 1);
    let mut count = sqlx::query_as::<_, (i64,)>(&count_sql);
    for b in &binds[..count_binds] {
        count = match b {
            Bind::Int(i) => count.bind(*i),
            Bind::Text(t) => count.bind(t.clone()),
            Bind::Time(t) => count.bind(Millis(*t)),
        };
    }
    let (total,) = count.fetch_one(db.reader()).await?;
    let per_page = per_page.clamp(1, 200);
    let offset = if after { 0 } else { (page.max(1) - 1).saturating_mul(per_page) };
    let list_sql =
        format!("SELECT {LISTED_COLUMNS} FROM dossiers {filter} ORDER BY {order} LIMIT {per_page} OFFSET {offset}");
    let mut q = sqlx::query(&list_sql);
    for b in &binds {
        q = match b {
            Bind::Int(i) => q.bind(*i),
            Bind::Text(t) => q.bind(t.clone()),
            Bind::Time(t) => q.bind(Millis(*t)),
        };
    }
    let rows = q.fetch_all(db.reader()).await?;
    let items: Vec<Listed> = rows.iter().map(listed_from).collect::<Result<_>>()?;
    let next = match (keyset, items.last()) {
        (Some(by), Some(last)) if items.len() as i64 == per_page => {
            let key = if by == ByDate::DUE { last.due_at } else { Some(last.submitted_at) };
            key.map(|k| Cursor { key: k.timestamp_millis(), id: last.id })
        }
        _ => None,
    };
    Ok(Page { items, total: total.min(COUNT_CAP), total_capped: total > COUNT_CAP, next })
}
