//! What the Decision 766 indicators (`motcua_domain::indicators`) read of the dossiers of a
//! period: each dossier's facts in one query, and the supplement histories of those asked for
//! supplements in another.
//!
//! Unlike the II.06a report, the indicators cannot be counted by the database alone: whether a
//! dossier is on time depends on its due date counted on the working calendar from reception,
//! with the time spent waiting for the applicant added, which only the domain's clock computes.
//! So the dossiers are read, each once, in two statements whatever their number, and judged by
//! the same rules as a dossier's own page (`motcua_domain::indicator::clock_views`): the
//! reference that any counters kept as events happen must agree with.
//!
//! The dossiers of a window are found where the II.06a report finds them, through the covering
//! indexes of migration 0035: received in the window (by `received_at`), and received before it
//! and finished since it began or still open (by `finished_at`). The documents, payments, result
//! seal and rating of each are looked up by dossier through their own indexes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use motcua_domain::calendar::{TimeLimit, TimeUnit};
use motcua_domain::dossier::{Action, Channel};
use motcua_domain::indicators::Documents;
use motcua_domain::rating::Satisfaction;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::types::Millis;
use crate::Database;

/// The facts of one dossier the indicators read.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorDossier {
    /// Row id.
    pub id: i64,
    /// The dossier's code.
    pub code: String,
    /// The agency leading it: the unit it counts for.
    pub lead_agency: String,
    /// The procedure version it was received under (its time limit).
    pub procedure_version_id: i64,
    /// The procedure's code.
    pub procedure_code: String,
    /// How the applicant applied.
    pub channel: Channel,
    /// Refused after reception rather than given a result.
    pub refused: bool,
    /// Reception.
    pub received_at: DateTime<Utc>,
    /// Result issued or refused.
    pub finished_at: Option<DateTime<Utc>>,
    /// The statutory due date as the clock left it (restarted after a supplement, moved by a
    /// reschedule): shown beside the indicator's verdict.
    pub due_at: Option<DateTime<Utc>>,
    /// Carries a fee.
    pub fee_bearing: bool,
    /// When a payment through a gateway (not at the desk) settled its fee.
    pub paid_online_at: Option<DateTime<Utc>>,
    /// The system sealed an electronic result for it.
    pub electronic_result: bool,
    /// Its documents, counted.
    pub documents: Documents,
    /// The applicant's overall rating and when it was given.
    pub rating: Option<(DateTime<Utc>, Satisfaction)>,
}

/// The part of a query that finds the dossiers of the window from `$1` to `$2`, led by `$3`
/// ('' for every agency): received in it, or before it and finished since it began or still
/// open. Withdrawn dossiers are left out, as everywhere in the reports.
pub(crate) const WINDOW: &str = "WITH w AS ( \
       SELECT id FROM dossiers WHERE received_at >= $1 AND received_at < $2 \
         AND status <> 'withdrawn' AND ($3 = '' OR lead_agency = $3) \
       UNION ALL \
       SELECT id FROM dossiers WHERE finished_at >= $1 AND received_at < $1 \
         AND status <> 'withdrawn' AND ($3 = '' OR lead_agency = $3) \
       UNION ALL \
       SELECT id FROM dossiers WHERE finished_at IS NULL AND received_at < $1 \
         AND status <> 'withdrawn' AND ($3 = '' OR lead_agency = $3) \
     )";

/// The reception, supplement requests and supplements of every dossier of the window that was
/// asked for a supplement, by dossier, in order: what its waits for the applicant are made of.
pub async fn supplement_histories(
    db: &Database,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    agency: Option<&str>,
) -> Result<HashMap<i64, Vec<(DateTime<Utc>, Action)>>> {
    let sql = format!(
        "{WINDOW} SELECT e.dossier_id, e.at, e.action FROM w JOIN dossiers d ON d.id = w.id \
         JOIN events e ON e.dossier_id = d.id \
         WHERE d.supplement_count > 0 AND e.action IN ('receive', 'request_supplement', 'supplement') \
         ORDER BY e.dossier_id, e.id"
    );
    let rows = sqlx::query(&sql)
        .bind(Millis(start))
        .bind(Millis(end))
        .bind(agency.unwrap_or(""))
        .fetch_all(db.reader())
        .await?;
    let mut out: HashMap<i64, Vec<(DateTime<Utc>, Action)>> = HashMap::new();
    for row in &rows {
        let action: String = row.try_get("action")?;
        let action = Action::parse(&action).ok_or_else(|| StoreError::Corrupt(format!("event action {action}")))?;
        let at: Millis = row.try_get("at")?;
        out.entry(row.try_get("dossier_id")?).or_default().push((at.0, action));
    }
    Ok(out)
}

/// Calls `each` with every dossier of the window from `start` to `end` (led by `agency`, or by
/// any), read as a stream: a year of a province is never held in memory at once.
pub async fn each_dossier(
    db: &Database,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    agency: Option<&str>,
    mut each: impl FnMut(IndicatorDossier),
) -> Result<()> {
    let sql = facts_sql(WINDOW, "w JOIN dossiers d ON d.id = w.id", "");
    let mut rows =
        sqlx::query(&sql).bind(Millis(start)).bind(Millis(end)).bind(agency.unwrap_or("")).fetch(db.reader());
    while let Some(row) = rows.try_next().await? {
        each(decode(&row)?);
    }
    Ok(())
}

/// The statement that reads the facts of the dossiers `from` gives (as `d`), with a `with` clause
/// before it and a `filter` after: one row per dossier, decoded by [`decode`].
pub(crate) fn facts_sql(with: &str, from: &str, filter: &str) -> String {
    // A document is electronic when it was scanned at the desk (digitized), reused from an
    // earlier dossier or the applicant's store, or uploaded by the applicant (online channels,
    // or a supplement the applicant sent from their account).
    format!(
        "{with} SELECT d.id, d.code, d.lead_agency, d.procedure_version_id, d.procedure_code, d.channel, d.status, \
           d.received_at, d.finished_at, d.due_at, d.fee_vnd, \
           (SELECT MIN(p.settled_at) FROM payments p WHERE p.dossier_id = d.id AND p.status = 'paid' \
              AND p.gateway <> 'counter') AS paid_online_at, \
           CAST(CASE WHEN EXISTS (SELECT 1 FROM result_seals s WHERE s.dossier_id = d.id) THEN 1 ELSE 0 END AS BIGINT) \
              AS sealed, \
           (SELECT COUNT(*) FROM attachments a WHERE a.dossier_id = d.id {documents}) AS documents, \
           (SELECT COUNT(*) FROM attachments a WHERE a.dossier_id = d.id {documents} \
              AND (a.digitized = 1 OR a.reused = 1 OR a.from_citizen_store = 1 \
              OR d.channel IN ('online', 'national_portal') \
              OR (a.uploaded_by IS NOT NULL AND a.uploaded_by = d.applicant_user_id))) AS electronic_documents, \
           (SELECT COUNT(*) FROM attachments a WHERE a.dossier_id = d.id {documents} \
              AND (a.reused = 1 OR a.from_citizen_store = 1)) AS reused_documents, \
           r.overall AS rating, r.created_at AS rated_at \
         FROM {from} \
         LEFT JOIN ratings r ON r.dossier_id = d.id {filter}",
        documents = "AND a.purpose IN ('document', 'supplement')"
    )
}

/// One row of [`facts_sql`].
pub(crate) fn decode(row: &sqlx::any::AnyRow) -> Result<IndicatorDossier> {
    let channel: String = row.try_get("channel")?;
    let channel = Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("channel {channel}")))?;
    let count = |column: &str| -> Result<u32> {
        Ok(u32::try_from(row.try_get::<Option<i64>, _>(column)?.unwrap_or(0).max(0)).unwrap_or(u32::MAX))
    };
    let time =
        |column: &str| -> Result<Option<DateTime<Utc>>> { Ok(row.try_get::<Option<Millis>, _>(column)?.map(|m| m.0)) };
    let rating = match (row.try_get::<Option<String>, _>("rating")?, time("rated_at")?) {
        (Some(overall), Some(at)) => {
            Some((at, Satisfaction::parse(&overall).ok_or_else(|| StoreError::Corrupt(format!("rating {overall}")))?))
        }
        _ => None,
    };
    let status: String = row.try_get("status")?;
    Ok(IndicatorDossier {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        lead_agency: row.try_get("lead_agency")?,
        procedure_version_id: row.try_get("procedure_version_id")?,
        procedure_code: row.try_get("procedure_code")?,
        channel,
        refused: status == "refused",
        received_at: time("received_at")?.ok_or_else(|| StoreError::Corrupt("received_at".into()))?,
        finished_at: time("finished_at")?,
        due_at: time("due_at")?,
        fee_bearing: row.try_get::<i64, _>("fee_vnd")? > 0,
        paid_online_at: time("paid_online_at")?,
        electronic_result: row.try_get::<i64, _>("sealed")? != 0,
        documents: Documents {
            total: count("documents")?,
            electronic: count("electronic_documents")?,
            reused: count("reused_documents")?,
        },
        rating,
    })
}

/// The time limit and the agency (whose counting rule applies) of every procedure version, by
/// version id: what the clock of a dossier of any version needs. A province has a few thousand
/// versions, read at once.
pub async fn version_clocks(db: &Database) -> Result<HashMap<i64, (TimeLimit, String)>> {
    let rows = sqlx::query(
        "SELECT v.id, v.time_amount, v.time_unit, COALESCE(v.agency_code, p.agency_code) AS agency \
         FROM procedure_versions v JOIN procedures p ON p.id = v.procedure_id",
    )
    .fetch_all(db.reader())
    .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in &rows {
        let unit: String = row.try_get("time_unit")?;
        let amount: i64 = row.try_get("time_amount")?;
        let limit = TimeLimit {
            amount: u32::try_from(amount).map_err(|_| StoreError::Corrupt("time limit".into()))?,
            unit: TimeUnit::parse(&unit).ok_or_else(|| StoreError::Corrupt(format!("time unit {unit}")))?,
        };
        out.insert(row.try_get::<i64, _>("id")?, (limit, row.try_get::<String, _>("agency")?));
    }
    Ok(out)
}
