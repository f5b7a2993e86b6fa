//! What the IT-application figures (`motcua_domain::it_application`) read that the indicators do
//! not: officers' actions in a period, by agency, and the electronic office's documents
//! registered and issued in it. Each is one grouped statement whatever the size of the province,
//! officers' actions found through the indexes of migration 0042 (events by actor and time).

use chrono::{DateTime, Utc};
use motcua_domain::it_application::{OfficeDocuments, OfficerUse};
use motcua_domain::report::Period;
use sqlx::Row;

use crate::error::Result;
use crate::types::Millis;
use crate::Database;

/// The roles whose holders process dossiers and documents: their use of the system is counted.
const WORKING_ROLES: &str = "'reception', 'specialist', 'leader', 'clerk'";

/// Officers' use from `start` to `end` by agency (of `agency` alone, or of every agency), in
/// order of agency code: the officers who hold a working role there, how many acted, and the
/// events they recorded in dossiers' and documents' histories.
pub async fn officer_use(
    db: &Database,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    agency: Option<&str>,
) -> Result<Vec<(String, OfficerUse)>> {
    // $1 start, $2 end, $3 the agency ('' for all).
    let sql = format!(
        "SELECT o.agency_code, CAST(COUNT(*) AS BIGINT) AS officers, \
           CAST(SUM(CASE WHEN o.dossier_actions + o.office_actions > 0 THEN 1 ELSE 0 END) AS BIGINT) AS active, \
           CAST(SUM(o.dossier_actions) AS BIGINT) AS dossier_actions, \
           CAST(SUM(o.office_actions) AS BIGINT) AS office_actions \
         FROM ( \
           SELECT u.agency_code, \
             (SELECT COUNT(*) FROM events e WHERE e.actor_user_id = u.id AND e.at >= $1 AND e.at < $2) \
               AS dossier_actions, \
             (SELECT COUNT(*) FROM office_events v WHERE v.user_id = u.id AND v.at >= $1 AND v.at < $2) \
               AS office_actions \
           FROM users u \
           WHERE u.agency_code IS NOT NULL AND ($3 = '' OR u.agency_code = $3) \
             AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role IN ({WORKING_ROLES})) \
         ) o \
         GROUP BY o.agency_code ORDER BY o.agency_code"
    );
    let rows = sqlx::query(&sql)
        .bind(Millis(start))
        .bind(Millis(end))
        .bind(agency.unwrap_or(""))
        .fetch_all(db.reader())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let n = |column: &str| -> Result<u64> { Ok(row.try_get::<Option<i64>, _>(column)?.unwrap_or(0).max(0) as u64) };
        out.push((
            row.try_get("agency_code")?,
            OfficerUse {
                officers: n("officers")?,
                active: n("active")?,
                dossier_actions: n("dossier_actions")?,
                office_actions: n("office_actions")?,
            },
        ));
    }
    Ok(out)
}

/// The electronic office's documents of `period` (of `agency`, or of every agency): incoming
/// documents registered in it, by how they arrived, and outgoing documents issued in it (by the
/// date they bear), by whether their PDF was digitally signed.
pub async fn office_documents(db: &Database, period: &Period, agency: Option<&str>) -> Result<OfficeDocuments> {
    // $1 start, $2 end, $3 first day, $4 last day, $5 the agency ('' for all).
    let incoming = "d.register = 'incoming' AND d.received_at >= $1 AND d.received_at < $2";
    let electronic = "(d.source_document_id IS NOT NULL \
         OR EXISTS (SELECT 1 FROM edxml_packages p WHERE p.incoming_document_id = d.id))";
    let issued = "d.register = 'outgoing' AND d.number IS NOT NULL AND d.issued_on >= $3 AND d.issued_on <= $4";
    let signed = "EXISTS (SELECT 1 FROM office_attachments a WHERE a.document_id = d.id AND a.purpose = 'issued' \
         AND a.signed = 1)";
    let count = |condition: &str| format!("CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)");
    let sql = format!(
        "SELECT {incoming_n} AS incoming, {electronic_n} AS electronic, {digitised_n} AS digitised, \
           {issued_n} AS issued, {signed_n} AS signed \
         FROM office_documents d WHERE ($5 = '' OR d.agency_code = $5) AND (({incoming}) OR ({issued}))",
        incoming_n = count(incoming),
        electronic_n = count(&format!("{incoming} AND {electronic}")),
        digitised_n = count(&format!("{incoming} AND NOT {electronic} AND d.digitized = 1")),
        issued_n = count(issued),
        signed_n = count(&format!("{issued} AND {signed}")),
    );
    let row = sqlx::query(&sql)
        .bind(Millis(period.start()))
        .bind(Millis(period.end()))
        .bind(period.from.format("%Y-%m-%d").to_string())
        .bind(period.to.format("%Y-%m-%d").to_string())
        .bind(agency.unwrap_or(""))
        .fetch_one(db.reader())
        .await?;
    let n = |column: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(column)?.max(0) as u64) };
    Ok(OfficeDocuments {
        incoming: n("incoming")?,
        incoming_electronic: n("electronic")?,
        incoming_digitised: n("digitised")?,
        outgoing_issued: n("issued")?,
        outgoing_signed: n("signed")?,
    })
}
