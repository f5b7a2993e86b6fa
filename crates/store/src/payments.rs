//! Payments of dossier fees (DESIGN.md section 7): one row per attempt to pay, with its own
//! reference at the payment gateway; settling one is idempotent and happens in the same
//! transaction as the dossier's change, so a confirmation is never half applied. Every
//! confirmation the gateway sends, accepted or not, is written to the payment log.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, WriteTx};
use crate::dossiers::{self, By, Change, Dossier};
use crate::error::{Result, StoreError};
use crate::types::{closed_word, Millis};

/// Where a payment stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Sent to the gateway, not confirmed yet.
    Pending,
    /// Confirmed paid; the dossier's fee is settled.
    Paid,
    /// Confirmed paid, but the dossier's fee was already settled by another payment: money to
    /// give back, shown as such on the reconciliation page.
    Refund,
    /// The gateway reported that it did not go through (cancelled, declined).
    Failed,
}

impl PaymentStatus {
    /// Every status.
    pub const ALL: [PaymentStatus; 4] =
        [PaymentStatus::Pending, PaymentStatus::Paid, PaymentStatus::Refund, PaymentStatus::Failed];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Refund => "refund",
            PaymentStatus::Failed => "failed",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// Row id.
    pub id: i64,
    /// The reference sent to the gateway (unique).
    pub txn_ref: String,
    /// The dossier paid for.
    pub dossier_id: i64,
    /// Its code.
    pub dossier_code: String,
    /// Its lead agency, for reconciliation per agency.
    pub lead_agency: String,
    /// The amount asked, in đồng.
    pub amount_vnd: i64,
    /// `sandbox`, the gateway's name, or `counter` for cash at the desk.
    pub gateway: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// Who started it.
    pub created_by: Option<i64>,
    /// When the gateway's confirmation (or the desk) settled it.
    pub settled_at: Option<DateTime<Utc>>,
    /// The gateway's own transaction number.
    pub gateway_txn_no: Option<String>,
    /// The bank or wallet used.
    pub bank_code: Option<String>,
    /// The gateway's response code.
    pub response_code: Option<String>,
    /// The electronic receipt's number (biên lai điện tử), once paid.
    pub receipt_no: Option<String>,
}

const COLUMNS: &str = "id, txn_ref, dossier_id, dossier_code, lead_agency, amount_vnd, gateway, status, created_at, \
    created_by, settled_at, gateway_txn_no, bank_code, response_code, receipt_no";

fn payment_from(row: &AnyRow) -> Result<Payment> {
    let status: String = row.try_get("status")?;
    Ok(Payment {
        id: row.try_get("id")?,
        txn_ref: row.try_get("txn_ref")?,
        dossier_id: row.try_get("dossier_id")?,
        dossier_code: row.try_get("dossier_code")?,
        lead_agency: row.try_get("lead_agency")?,
        amount_vnd: row.try_get("amount_vnd")?,
        gateway: row.try_get("gateway")?,
        status: PaymentStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("payment status {status}")))?,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
        created_by: row.try_get("created_by")?,
        settled_at: row.try_get::<Option<Millis>, _>("settled_at")?.map(|m| m.0),
        gateway_txn_no: row.try_get("gateway_txn_no")?,
        bank_code: row.try_get("bank_code")?,
        response_code: row.try_get("response_code")?,
        receipt_no: row.try_get("receipt_no")?,
    })
}

/// Starts a payment of the dossier's fee: a fresh, unguessable reference for the gateway.
pub async fn start(
    db: &Database,
    d: &Dossier,
    gateway: &str,
    created_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Payment> {
    let txn_ref = format!("{}{}", now.format("%y%m%d"), &crate::random_id()[..18]).to_uppercase();
    let mut tx = db.write_tx().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO payments (txn_ref, dossier_id, dossier_code, lead_agency, amount_vnd, gateway, status, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(&txn_ref)
    .bind(d.id)
    .bind(&d.code)
    .bind(&d.lead_agency)
    .bind(d.fee_vnd)
    .bind(gateway)
    .bind(Millis(now))
    .bind(created_by)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    payment_from(&row)
}

/// A payment by its gateway reference.
pub async fn by_ref(db: &Database, txn_ref: &str) -> Result<Payment> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM payments WHERE txn_ref = $1"))
        .bind(txn_ref)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    payment_from(&row)
}

/// A dossier's payments, newest first.
pub async fn of_dossier(db: &Database, dossier_id: i64) -> Result<Vec<Payment>> {
    let rows =
        sqlx::query(&format!("SELECT {COLUMNS} FROM payments WHERE dossier_id = $1 ORDER BY created_at DESC, id DESC"))
            .bind(dossier_id)
            .fetch_all(db.reader())
            .await?;
    rows.iter().map(payment_from).collect()
}

/// What the gateway said about a payment, once its signature and amount were checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayFacts {
    /// The gateway's transaction number.
    pub gateway_txn_no: Option<String>,
    /// The bank or wallet.
    pub bank_code: Option<String>,
    /// The gateway's response code.
    pub response_code: Option<String>,
}

/// The outcome of settling a payment.
#[derive(Clone, Debug, PartialEq)]
pub enum Settled {
    /// Paid now, with the dossier's change.
    Paid(Payment),
    /// Paid, but the fee had already been settled or the dossier has ended: the money is to be
    /// given back.
    Refund(Payment),
    /// The gateway reported failure; recorded.
    Failed(Payment),
    /// Settled before: a replayed or repeated confirmation, nothing changed.
    AlreadySettled(Payment),
}

/// Settles a pending payment as paid (or one the gateway reported failed: a genuine success
/// later wins over the failure, as the money was taken), with the dossier's change (its `pay` event, and the
/// status it resumes when it was waiting for the payment) and the payment log's line, in one
/// transaction. A payment is settled once whatever arrives twice; a dossier changed since
/// `current` was read answers a conflict and nothing is written, so the caller decides again.
/// The receipt's number (per collecting agency and year, without gaps) is taken last, so its
/// counter is held only for the commit.
#[allow(clippy::too_many_arguments)]
pub async fn settle_paid(
    db: &Database,
    payment: &Payment,
    current: &Dossier,
    change: &Change,
    facts: &GatewayFacts,
    by: &By,
    log: Option<&LogEntry>,
    now: DateTime<Utc>,
) -> Result<Settled> {
    let mut tx = db.write_tx().await?;
    // Money for a fee already settled, or for a dossier withdrawn or refused meanwhile, is
    // given back rather than booked.
    let already_paid = current.fee_paid_at.is_some()
        || matches!(
            current.status,
            motcua_domain::dossier::Status::Refused | motcua_domain::dossier::Status::Withdrawn
        );
    let status = if already_paid { PaymentStatus::Refund } else { PaymentStatus::Paid };
    // A fee paid online after the result counts in 3.6 from then on: the difference is added.
    let counts_before = match current.finished_at {
        Some(_) => crate::indicator_counts::counted(&mut tx, current.id, now).await?,
        None => Default::default(),
    };
    let updated = sqlx::query(
        "UPDATE payments SET status = $2, settled_at = $3, gateway_txn_no = $4, bank_code = $5, response_code = $6 \
         WHERE id = $1 AND status IN ('pending', 'failed')",
    )
    .bind(payment.id)
    .bind(status.as_str())
    .bind(Millis(now))
    .bind(&facts.gateway_txn_no)
    .bind(&facts.bank_code)
    .bind(&facts.response_code)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(Settled::AlreadySettled(by_ref(db, &payment.txn_ref).await?));
    }
    let mut receipt_no = None;
    if !already_paid {
        let marked = sqlx::query("UPDATE dossiers SET fee_paid_at = $2 WHERE id = $1 AND fee_paid_at IS NULL")
            .bind(current.id)
            .bind(Millis(now))
            .execute(&mut *tx)
            .await?;
        if marked.rows_affected() != 1 {
            return Err(StoreError::Conflict("the dossier changed meanwhile".into()));
        }
        if current.finished_at.is_some() {
            crate::indicator_counts::recount(&mut tx, current.id, counts_before, now).await?;
        }
        dossiers::apply_in(&mut tx, current, change, by, now).await?;
    }
    if let Some(entry) = log {
        let outcome = if already_paid { LogOutcome::PaidTwice } else { LogOutcome::Paid };
        insert_log(&mut tx, &LogEntry { outcome, ..entry.clone() }).await?;
    }
    if !already_paid {
        let year = now.with_timezone(&motcua_domain::calendar::vn_offset()).format("%Y").to_string();
        let n = dossiers::next_sequence(&mut tx, &format!("receipt:{}", current.lead_agency), &year).await?;
        let number = format!("{year}-{n:06}");
        sqlx::query("UPDATE payments SET receipt_no = $2 WHERE id = $1")
            .bind(payment.id)
            .bind(&number)
            .execute(&mut *tx)
            .await?;
        receipt_no = Some(number);
    }
    tx.commit().await?;
    let settled = Payment {
        status,
        settled_at: Some(now),
        gateway_txn_no: facts.gateway_txn_no.clone(),
        bank_code: facts.bank_code.clone(),
        response_code: facts.response_code.clone(),
        receipt_no,
        ..payment.clone()
    };
    Ok(if already_paid { Settled::Refund(settled) } else { Settled::Paid(settled) })
}

/// Records that the gateway reported a pending payment did not go through.
pub async fn settle_failed(
    db: &Database,
    payment: &Payment,
    facts: &GatewayFacts,
    now: DateTime<Utc>,
) -> Result<Settled> {
    let mut tx = db.write_tx().await?;
    let updated = sqlx::query(
        "UPDATE payments SET status = 'failed', settled_at = $2, gateway_txn_no = $3, bank_code = $4, response_code = $5 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(payment.id)
    .bind(Millis(now))
    .bind(&facts.gateway_txn_no)
    .bind(&facts.bank_code)
    .bind(&facts.response_code)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let settled = by_ref(db, &payment.txn_ref).await?;
    Ok(if updated.rows_affected() == 1 { Settled::Failed(settled) } else { Settled::AlreadySettled(settled) })
}

/// What became of a confirmation the gateway sent: a line of the payment log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LogOutcome {
    /// Accepted: the payment is settled and the dossier's fee paid.
    Paid,
    /// Accepted, but the fee had already been paid: the money is to be given back.
    PaidTwice,
    /// The gateway reported that the payment did not go through.
    Failed,
    /// A confirmation of a payment settled before, sent again.
    Replayed,
    /// The signature does not hold.
    Forged,
    /// No signature at all.
    Unsigned,
    /// The amount is not the one asked.
    WrongAmount,
    /// No payment has this reference.
    Unknown,
    /// Parameters missing or unreadable.
    Malformed,
    /// It could not be recorded (the gateway sends it again).
    Error,
    /// Not a confirmation: how many more were refused from one address in one minute, past
    /// those logged in full (a flood fills no disk).
    Summarised,
}

impl LogOutcome {
    /// Every outcome.
    pub const ALL: [LogOutcome; 11] = [
        LogOutcome::Paid,
        LogOutcome::PaidTwice,
        LogOutcome::Failed,
        LogOutcome::Replayed,
        LogOutcome::Forged,
        LogOutcome::Unsigned,
        LogOutcome::WrongAmount,
        LogOutcome::Unknown,
        LogOutcome::Malformed,
        LogOutcome::Error,
        LogOutcome::Summarised,
    ];

    /// The stable machine name, also the end of its message key (`payment-outcome-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogOutcome::Paid => "paid",
            LogOutcome::PaidTwice => "paid_twice",
            LogOutcome::Failed => "failed",
            LogOutcome::Replayed => "replayed",
            LogOutcome::Forged => "forged",
            LogOutcome::Unsigned => "unsigned",
            LogOutcome::WrongAmount => "wrong_amount",
            LogOutcome::Unknown => "unknown",
            LogOutcome::Malformed => "malformed",
            LogOutcome::Error => "error",
            LogOutcome::Summarised => "summarised",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<LogOutcome> {
        LogOutcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

impl std::fmt::Display for LogOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the payment log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// The reference the message named, if any.
    pub txn_ref: Option<String>,
    /// What became of the message.
    pub outcome: LogOutcome,
    /// Where the message came from.
    pub remote_addr: Option<String>,
    /// What was received or decided.
    pub detail: String,
}

/// Writes one line of the payment log.
pub async fn log(db: &Database, entry: &LogEntry) -> Result<()> {
    let mut tx = db.write_tx().await?;
    insert_log(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_log(tx: &mut WriteTx<'_>, entry: &LogEntry) -> Result<()> {
    sqlx::query("INSERT INTO payment_log (at, txn_ref, outcome, remote_addr, detail) VALUES ($1, $2, $3, $4, $5)")
        .bind(Millis(entry.at))
        .bind(&entry.txn_ref)
        .bind(entry.outcome.as_str())
        .bind(&entry.remote_addr)
        .bind(&entry.detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The log lines of a period, newest first.
pub async fn log_between(
    db: &Database,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<LogEntry>> {
    let rows = sqlx::query(
        "SELECT at, txn_ref, outcome, remote_addr, detail FROM payment_log WHERE at >= $1 AND at < $2 \
         ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(Millis(from))
    .bind(Millis(until))
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LogEntry {
                at: r.try_get::<Millis, _>("at")?.0,
                txn_ref: r.try_get("txn_ref")?,
                outcome: closed_word(r, "outcome", LogOutcome::parse)?,
                remote_addr: r.try_get("remote_addr")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
}

/// The payments started in a period, of one agency's dossiers or of all, oldest first: the
/// reconciliation list.
pub async fn between(
    db: &Database,
    agency: Option<&str>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<Payment>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM payments WHERE created_at >= $1 AND created_at < $2 \
         AND ($3 IS NULL OR lead_agency = $3) ORDER BY created_at, id"
    ))
    .bind(Millis(from))
    .bind(Millis(until))
    .bind(agency)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(payment_from).collect()
}
