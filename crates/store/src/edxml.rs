//! The exchange between agencies in the edXML format of QCVN 102:2016
//! ([`motcua_domain::edxml`]): each package that went from one organisation to another, kept as
//! it travelled (its XML in the object store), the incoming document it became, and the statuses
//! its recipient reported, append-only. A package is taken once per recipient organisation: the
//! same package again finds the first.
//!
//! The statuses follow the document they are about in the same transaction: the recipient's
//! actions on the incoming copy and the sender's recall are written with the change of the
//! document, by [`crate::office::apply`] ([`after_change`]).

use chrono::{DateTime, Utc};
use motcua_domain::edxml::{answer_to_recall, status_of_action, StatusCode};
use motcua_domain::office::{DocumentAction, DocumentStatus, Register};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::blobs::StoredBlob;
use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::office::{Actor, NewDocument};
use crate::types::{closed_word, Millis};

/// How a package came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From one agency of this installation to another.
    Internal,
    /// From another system, through `POST /api/v1/edxml/packages`.
    Received,
}

impl Direction {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Internal => "internal",
            Direction::Received => "received",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Direction> {
        [Direction::Internal, Direction::Received].into_iter().find(|d| d.as_str() == s)
    }
}

/// A package as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// Row id.
    pub id: i64,
    /// The package's `DocumentId`.
    pub document_id: String,
    /// How it came.
    pub direction: Direction,
    /// The sender's organisation id.
    pub from_organ: String,
    /// The sender's name.
    pub from_name: String,
    /// The recipient's organisation id.
    pub to_organ: String,
    /// The recipient's name.
    pub to_name: String,
    /// The outgoing document it carries, when one of our agencies sent it.
    pub outgoing_document_id: Option<i64>,
    /// The incoming document it became.
    pub incoming_document_id: Option<i64>,
    /// Where its XML is.
    pub storage_key: String,
    /// The SHA-256 of its XML.
    pub sha256: String,
    /// Its size.
    pub size: i64,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, document_id, direction, from_organ, from_name, to_organ, to_name, outgoing_document_id, \
    incoming_document_id, storage_key, sha256, size, received_at";

fn package_from(row: &AnyRow) -> Result<Package> {
    Ok(Package {
        id: row.try_get("id")?,
        document_id: row.try_get("document_id")?,
        direction: closed_word(row, "direction", Direction::parse)?,
        from_organ: row.try_get("from_organ")?,
        from_name: row.try_get("from_name")?,
        to_organ: row.try_get("to_organ")?,
        to_name: row.try_get("to_name")?,
        outgoing_document_id: row.try_get("outgoing_document_id")?,
        incoming_document_id: row.try_get("incoming_document_id")?,
        storage_key: row.try_get("storage_key")?,
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        received_at: row.try_get::<Millis, _>("received_at")?.0,
    })
}

/// A package to keep.
#[derive(Clone, Debug)]
pub struct NewPackage {
    /// Its `DocumentId`.
    pub document_id: String,
    /// How it came.
    pub direction: Direction,
    /// Sender: organisation id and name.
    pub from: (String, String),
    /// Recipient: organisation id and name.
    pub to: (String, String),
    /// The outgoing document it carries, when one of our agencies sent it.
    pub outgoing_document_id: Option<i64>,
    /// Its XML, stored.
    pub blob: StoredBlob,
}

/// A status as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The package.
    pub package_id: i64,
    /// The organisation reporting it.
    pub organ_id: String,
    /// What it says.
    pub code: StatusCode,
    /// In words; empty for the statuses motcua reports from an action without a note.
    pub description: String,
    /// Who did it.
    pub staff: String,
    /// Their agency or unit.
    pub department: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The package a received document was registered from (`None`: it came on paper or was
/// typed in).
pub async fn by_incoming(db: &Database, incoming_document_id: i64) -> Result<Option<Package>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM edxml_packages WHERE incoming_document_id = $1"))
        .bind(incoming_document_id)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(package_from).transpose()
}

/// The packages an outgoing document went out in, one per recipient, in the order sent.
pub async fn of_outgoing(db: &Database, outgoing_document_id: i64) -> Result<Vec<Package>> {
    let rows =
        sqlx::query(&format!("SELECT {COLUMNS} FROM edxml_packages WHERE outgoing_document_id = $1 ORDER BY id"))
            .bind(outgoing_document_id)
            .fetch_all(db.reader())
            .await?;
    rows.iter().map(package_from).collect()
}

/// The packages of a `DocumentId`, one per recipient.
pub async fn by_document_id(db: &Database, document_id: &str) -> Result<Vec<Package>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM edxml_packages WHERE document_id = $1 ORDER BY id"))
        .bind(document_id)
        .fetch_all(db.reader())
        .await?;
    rows.iter().map(package_from).collect()
}

/// The package of a `DocumentId` to one organisation.
pub async fn find(db: &Database, document_id: &str, to_organ: &str) -> Result<Option<Package>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM edxml_packages WHERE document_id = $1 AND to_organ = $2"))
        .bind(document_id)
        .bind(to_organ)
        .fetch_optional(db.reader())
        .await?;
    row.as_ref().map(package_from).transpose()
}

/// The statuses of a package, oldest first.
pub async fn statuses(db: &Database, package_id: i64) -> Result<Vec<Status>> {
    let rows = sqlx::query(
        "SELECT package_id, organ_id, code, description, staff, department, at FROM edxml_statuses \
         WHERE package_id = $1 ORDER BY at, id",
    )
    .bind(package_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Status {
                package_id: row.try_get("package_id")?,
                organ_id: row.try_get("organ_id")?,
                code: closed_word(row, "code", StatusCode::parse)?,
                description: row.try_get("description")?,
                staff: row.try_get("staff")?,
                department: row.try_get("department")?,
                at: row.try_get::<Millis, _>("at")?.0,
            })
        })
        .collect()
}

async fn insert_package(
    tx: &mut WriteTx<'_>,
    p: &NewPackage,
    incoming: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO edxml_packages (document_id, direction, from_organ, from_name, to_organ, to_name, \
         outgoing_document_id, incoming_document_id, storage_key, sha256, size, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(&p.document_id)
    .bind(p.direction.as_str())
    .bind(&p.from.0)
    .bind(&p.from.1)
    .bind(&p.to.0)
    .bind(&p.to.1)
    .bind(p.outgoing_document_id)
    .bind(incoming)
    .bind(&p.blob.storage_key)
    .bind(&p.blob.sha256)
    .bind(p.blob.size)
    .bind(Millis(now))
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("edxml package".into())
        } else {
            e.into()
        }
    })?;
    Ok(id)
}

async fn insert_status(tx: &mut WriteTx<'_>, s: &Status) -> Result<()> {
    sqlx::query(
        "INSERT INTO edxml_statuses (package_id, organ_id, code, description, staff, department, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(s.package_id)
    .bind(&s.organ_id)
    .bind(s.code.as_code())
    .bind(&s.description)
    .bind(&s.staff)
    .bind(&s.department)
    .bind(Millis(s.at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An agency's name, for the department of a status its officer reports.
async fn agency_name(tx: &mut WriteTx<'_>, code: &str) -> Result<String> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT name FROM agencies WHERE code = $1").bind(code).fetch_optional(&mut **tx).await?;
    Ok(row.map(|r| r.0).unwrap_or_else(|| code.to_string()))
}

/// A document arriving as a package: the incoming document to register and the package it came in.
#[derive(Clone, Debug)]
pub struct Arrival {
    /// The incoming document, for the recipient's register.
    pub document: NewDocument,
    /// The package.
    pub package: NewPackage,
}

/// Registers the document a package brings in its recipient's incoming register, keeps the
/// package and its first status, 01 (arrived), at `now`, in one transaction. When the package was taken before (the same `DocumentId` to the same
/// organisation) nothing is written, and the package kept then is the answer, with `false`.
pub async fn receive(db: &Database, arrival: &Arrival, by: &Actor, now: DateTime<Utc>) -> Result<(Package, bool)> {
    let p = &arrival.package;
    if let Some(known) = find(db, &p.document_id, &p.to.0).await? {
        return Ok((known, false));
    }
    let mut tx = db.write_tx().await?;
    let done = arrive(&mut tx, arrival, by, now).await;
    match done {
        Ok(_) => {
            tx.commit().await?;
            let package = find(db, &p.document_id, &p.to.0).await?.ok_or(StoreError::NotFound)?;
            Ok((package, true))
        }
        // Taken meanwhile by a request racing this one: that one's is the answer.
        Err(StoreError::Conflict(_)) => {
            drop(tx);
            let known = find(db, &p.document_id, &p.to.0).await?.ok_or(StoreError::NotFound)?;
            Ok((known, false))
        }
        Err(e) => Err(e),
    }
}

/// In the caller's transaction: the incoming document, the package and its statuses 01 (arrived)
/// and 03 (registered in the incoming register).
async fn arrive(tx: &mut WriteTx<'_>, arrival: &Arrival, by: &Actor, now: DateTime<Utc>) -> Result<i64> {
    let incoming = crate::office::insert_document(tx, &arrival.document, by, now).await?;
    let package_id = insert_package(tx, &arrival.package, Some(incoming), now).await?;
    let department = agency_name(tx, &arrival.document.agency_code).await?;
    let status = Status {
        package_id,
        organ_id: arrival.package.to.0.clone(),
        code: StatusCode::Received,
        description: String::new(),
        staff: by.name.clone(),
        department,
        at: now,
    };
    insert_status(tx, &status).await?;
    // Registered at once with its arrival number: 03 follows 01 in the same moment.
    insert_status(tx, &Status { code: StatusCode::Acknowledged, ..status }).await?;
    Ok(incoming)
}

/// Dispatches an issued document to agencies of this installation as packages: it becomes
/// `dispatched` (with `note` in its history), and each arrival is registered in its agency's
/// incoming register, its package kept with the status 01 recorded back to the sender, all in
/// one transaction. The ids of the incoming documents.
pub async fn dispatch(
    db: &Database,
    id: i64,
    revision: i64,
    arrivals: &[Arrival],
    by: &Actor,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let mut tx = db.write_tx().await?;
    crate::office::mark_dispatched(&mut tx, id, revision, by, note, now).await?;
    let mut ids = Vec::with_capacity(arrivals.len());
    for a in arrivals {
        ids.push(arrive(&mut tx, a, by, now).await?);
    }
    tx.commit().await?;
    Ok(ids)
}

/// Records a status another system reports on a package (from its recipient, or the sender's
/// recall request).
pub async fn record_status(db: &Database, status: &Status) -> Result<()> {
    let mut tx = db.write_tx().await?;
    insert_status(&mut tx, status).await?;
    tx.commit().await
}

/// In the transaction that records `action` on incoming document `d`: the status its package's
/// sender is told, when `d` arrived as a package — assigning it (04), taking it up or the first
/// opinion or progress note (05), completing it (06); `note` is the status's words.
async fn report_action(
    tx: &mut WriteTx<'_>,
    d: &crate::office::Document,
    action: &str,
    note: Option<&str>,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(action) = DocumentAction::parse(action) else { return Ok(()) };
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM edxml_packages WHERE incoming_document_id = $1"))
        .bind(d.id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(package) = row.as_ref().map(package_from).transpose()? else { return Ok(()) };
    let (progressed,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM edxml_statuses WHERE package_id = $1 AND code = '05'")
            .bind(package.id)
            .fetch_one(&mut **tx)
            .await?;
    let Some(code) = status_of_action(action, progressed == 0) else { return Ok(()) };
    let status = Status {
        package_id: package.id,
        organ_id: package.to_organ.clone(),
        code,
        description: note.unwrap_or_default().to_string(),
        staff: by.name.clone(),
        department: agency_name(tx, &d.agency_code).await?,
        at: now,
    };
    insert_status(tx, &status).await
}

/// In the transaction that records a change of document `d` by `action` (with `note`): the
/// statuses the exchange is told. An incoming copy reports the recipient's action to its sender
/// ([`report_action`]); an outgoing document recalled asks each recipient inside motcua for it
/// back, and they answer at once ([`recall_copy`]).
pub(crate) async fn after_change(
    tx: &mut WriteTx<'_>,
    d: &crate::office::Document,
    action: &str,
    note: Option<&str>,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    match d.register {
        Register::Incoming => report_action(tx, d, action, note, by, now).await,
        Register::Outgoing if action == DocumentAction::Recall.as_str() => {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM edxml_packages WHERE outgoing_document_id = $1 ORDER BY id"
            ))
            .bind(d.id)
            .fetch_all(&mut **tx)
            .await?;
            for p in rows.iter().map(package_from).collect::<Result<Vec<_>>>()? {
                // The recipient's system answers on its behalf.
                let recipient = Actor { user_id: None, name: p.to_name.clone() };
                recall_copy(tx, &p, note.unwrap_or_default(), &by.name, &recipient, now).await?;
            }
            Ok(())
        }
        Register::Outgoing => Ok(()),
    }
}

/// Answers a recall of the document a package brought, in the caller's transaction: 13
/// recorded from the sender (`request`, by `requested_by`), then 15 — the incoming copy
/// withdrawn (`recalled`, with the event `withdraw`) — unless it was already handled, 16. A copy
/// already withdrawn answers 15 again without writing anything new. The answer.
async fn recall_copy(
    tx: &mut WriteTx<'_>,
    package: &Package,
    request: &str,
    requested_by: &str,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<StatusCode> {
    let Some(copy_id) = package.incoming_document_id else { return Ok(StatusCode::RecallRefused) };
    let copy = crate::office::get_in(tx, copy_id).await?;
    if copy.status == DocumentStatus::Recalled {
        return Ok(StatusCode::RecallAccepted);
    }
    let asked = Status {
        package_id: package.id,
        organ_id: package.from_organ.clone(),
        code: StatusCode::RecallRequest,
        description: request.to_string(),
        staff: requested_by.to_string(),
        department: package.from_name.clone(),
        at: now,
    };
    insert_status(tx, &asked).await?;
    let answer = answer_to_recall(copy.status);
    if answer == StatusCode::RecallAccepted {
        crate::office::withdraw(tx, &copy, by, Some(request).filter(|r| !r.is_empty()), now).await?;
    }
    let answered = Status {
        package_id: package.id,
        organ_id: package.to_organ.clone(),
        code: answer,
        description: String::new(),
        staff: by.name.clone(),
        department: package.to_name.clone(),
        at: now,
    };
    insert_status(tx, &answered).await?;
    Ok(answer)
}

/// Answers another system's recall (13, with its words `request` and who asked) of the
/// document `package` brought: see [`recall_copy`]. The answer.
pub async fn recall_received(
    db: &Database,
    package: &Package,
    request: &str,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<StatusCode> {
    let mut tx = db.write_tx().await?;
    let by = Actor { user_id: None, name: package.to_name.clone() };
    let answer = recall_copy(&mut tx, package, request, requested_by, &by, now).await?;
    tx.commit().await?;
    Ok(answer)
}
