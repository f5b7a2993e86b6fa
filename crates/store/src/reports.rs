//! The figures of the periodic report II.06a (`motcua_domain::report`), counted by the database.
//!
//! A report of a year of a whole province reads hundreds of thousands of dossiers, so none is
//! loaded: one grouped query counts them where they lie, each of its three parts reading a
//! covering index (migration 0035) — the dossiers received in the period (by `received_at`), and
//! those carried over into it, finished since it began or still open (by `finished_at`). The
//! counts are grouped by procedure version and lead agency first, which the indexes alone answer,
//! then by field and agency kind through the few versions and agencies found.
//!
//! The `CASE`s below are `report::classify` written in SQL; the store's tests hold the two to
//! the same answers on both engines.
//!
//! A period of whole months is summed from the counters instead (`report_counts`, kept by
//! [`crate::indicator_counts`]), with only the open dossiers' overdue ones counted where they
//! lie: [`ii06a_of_months`], one statement, so that a dossier finishing meanwhile is counted once.

use chrono::{DateTime, Utc};
use motcua_domain::catalog::AgencyKind;
use motcua_domain::indicators::counts::Month;
use motcua_domain::report::{Counts, Level, Period};
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::types::Millis;
use crate::Database;

/// One group of the report: a field at a level, with its counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldCounts {
    /// Lĩnh vực — the field's code.
    pub field_code: String,
    /// Its name.
    pub field_name: String,
    /// Its name in English, when the catalog has one.
    pub field_name_en: Option<String>,
    /// Province or commune.
    pub level: Level,
    /// The figures.
    pub counts: Counts,
}

/// Milliseconds of Vietnam's +07:00 offset and of a day: `((t + OFFSET) / DAY) * DAY - OFFSET` is
/// 00:00 (Vietnam time) of the day of `t`, in integer arithmetic both engines share.
const VN_OFFSET_MS: i64 = 7 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// The II.06a counts of `period`, open dossiers judged overdue at `measured_at` (the period's end,
/// or now when it has not ended: `Period::measured_at`), of the dossiers `agency` leads or of
/// every agency. Rows come in order of level, then field code; empty groups are left out.
pub async fn ii06a(
    db: &Database,
    period: &Period,
    measured_at: DateTime<Utc>,
    agency: Option<&str>,
) -> Result<Vec<FieldCounts>> {
    // $1 start, $2 end, $3 measured at, $4 the agency ('' for all).
    let columns = "procedure_version_id, lead_agency, channel, received_at, finished_at, due_at";
    let mine = "status <> 'withdrawn' AND ($4 = '' OR lead_agency = $4)";
    let resolved = "finished_at IS NOT NULL AND finished_at < $2";
    let open = "(finished_at IS NULL OR finished_at >= $2)";
    let early = format!(
        "due_at IS NOT NULL AND finished_at < ((due_at + {VN_OFFSET_MS}) / {DAY_MS}) * {DAY_MS} - {VN_OFFSET_MS}"
    );
    let count = |condition: &str| format!("SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)");
    let sql = format!(
        "SELECT COALESCE(pv.field_code, p.field_code) AS field, f.name AS field_name, f.name_en AS field_name_en, \
           a.kind AS kind, \
           CAST(SUM(g.carried_over) AS BIGINT) AS carried_over, CAST(SUM(g.online) AS BIGINT) AS online, \
           CAST(SUM(g.direct) AS BIGINT) AS direct, CAST(SUM(g.early) AS BIGINT) AS early, \
           CAST(SUM(g.on_time) AS BIGINT) AS on_time, CAST(SUM(g.late) AS BIGINT) AS late, \
           CAST(SUM(g.in_time) AS BIGINT) AS in_time, CAST(SUM(g.overdue) AS BIGINT) AS overdue \
         FROM ( \
           SELECT procedure_version_id, lead_agency, \
             {carried} AS carried_over, {online} AS online, {direct} AS direct, \
             {early_sum} AS early, {on_time} AS on_time, {late} AS late, \
             {in_time} AS in_time, {overdue} AS overdue \
           FROM ( \
             SELECT {columns} FROM dossiers WHERE received_at >= $1 AND received_at < $2 AND {mine} \
             UNION ALL \
             SELECT {columns} FROM dossiers WHERE finished_at >= $1 AND received_at < $1 AND {mine} \
             UNION ALL \
             SELECT {columns} FROM dossiers WHERE finished_at IS NULL AND received_at < $1 AND {mine} \
           ) d \
           GROUP BY procedure_version_id, lead_agency \
         ) g \
         JOIN procedure_versions pv ON pv.id = g.procedure_version_id \
         JOIN procedures p ON p.id = pv.procedure_id \
         JOIN fields f ON f.code = COALESCE(pv.field_code, p.field_code) \
         JOIN agencies a ON a.code = g.lead_agency \
         GROUP BY COALESCE(pv.field_code, p.field_code), f.name, f.name_en, a.kind",
        carried = count("received_at < $1"),
        online = count("received_at >= $1 AND channel IN ('online', 'national_portal')"),
        direct = count("received_at >= $1 AND channel IN ('in_person', 'postal')"),
        early_sum = count(&format!("{resolved} AND {early}")),
        on_time = count(&format!("{resolved} AND (due_at IS NULL OR finished_at <= due_at) AND NOT ({early})")),
        late = count(&format!("{resolved} AND finished_at > due_at")),
        in_time = count(&format!("{open} AND (due_at IS NULL OR due_at >= $3)")),
        overdue = count(&format!("{open} AND due_at < $3")),
    );
    let rows = sqlx::query(&sql)
        .bind(Millis(period.start()))
        .bind(Millis(period.end()))
        .bind(Millis(measured_at))
        .bind(agency.unwrap_or(""))
        .fetch_all(db.reader())
        .await?;
    field_rows(&rows)
}

/// The II.06a counts of the period of the months `first` to `last` (`period`), as [`ii06a`]
/// gives them, summed from the counters (which must be built: `indicator_counts::built`): the
/// finished dossiers' rows, and the open ones' (received in the period, carried over into it,
/// in progress at its end); of those still open, only which are overdue at `measured_at` is
/// counted where they lie, through the index of open dossiers by due date. One statement, so
/// that a dossier finishing meanwhile is counted once.
pub async fn ii06a_of_months(
    db: &Database,
    (first, last): (Month, Month),
    period: &Period,
    measured_at: DateTime<Utc>,
    agency: Option<&str>,
) -> Result<Vec<FieldCounts>> {
    // $1 first month, $2 last month, $3 end, $4 measured at, $5 the agency ('' for all).
    let span = |column: &str| format!("SUM(CASE WHEN slot = 0 THEN {column} ELSE 0 END)");
    let end_of =
        |month: &str, column: &str| format!("SUM(CASE WHEN slot = 1 AND month = {month} THEN {column} ELSE 0 END)");
    let sql = format!(
        "SELECT g.field AS field, f.name AS field_name, f.name_en AS field_name_en, a.kind AS kind, \
           CAST(SUM(g.carried_over) AS BIGINT) AS carried_over, CAST(SUM(g.online) AS BIGINT) AS online, \
           CAST(SUM(g.direct) AS BIGINT) AS direct, CAST(SUM(g.early) AS BIGINT) AS early, \
           CAST(SUM(g.on_time) AS BIGINT) AS on_time, CAST(SUM(g.late) AS BIGINT) AS late, \
           CAST(SUM(g.in_time) AS BIGINT) AS in_time, CAST(SUM(g.overdue) AS BIGINT) AS overdue \
         FROM ( \
           SELECT field, agency, {carried_kept} AS carried_over, {online_kept} AS online, \
             {direct_kept} AS direct, {early_kept} AS early, {on_time_kept} AS on_time, \
             {late_kept} AS late, {in_time_kept} AS in_time, {overdue_kept} AS overdue \
           FROM report_counts \
           WHERE ((slot = 0 AND month >= $1 AND month <= $2) OR (slot = 1 AND (month = $1 - 1 OR month = $2))) \
             AND ($5 = '' OR agency = $5) \
           GROUP BY field, agency \
           UNION ALL \
           SELECT field, agency, SUM(CASE WHEN month < $1 THEN pending ELSE 0 END), 0, 0, 0, 0, 0, SUM(pending), 0 \
           FROM report_counts WHERE pending <> 0 AND slot = 0 AND month <= $2 AND ($5 = '' OR agency = $5) \
           GROUP BY field, agency \
           UNION ALL \
           SELECT COALESCE(pv.field_code, p.field_code) AS field, o.lead_agency AS agency, \
             0, 0, 0, 0, 0, 0, -SUM(o.overdue), SUM(o.overdue) \
           FROM ( \
             SELECT procedure_version_id, lead_agency, COUNT(*) AS overdue FROM dossiers \
             WHERE finished_at IS NULL AND due_at < $4 AND received_at < $3 AND status <> 'withdrawn' \
               AND ($5 = '' OR lead_agency = $5) \
             GROUP BY procedure_version_id, lead_agency \
           ) o \
           JOIN procedure_versions pv ON pv.id = o.procedure_version_id \
           JOIN procedures p ON p.id = pv.procedure_id \
           GROUP BY COALESCE(pv.field_code, p.field_code), o.lead_agency \
         ) g \
         JOIN fields f ON f.code = g.field \
         JOIN agencies a ON a.code = g.agency \
         GROUP BY g.field, f.name, f.name_en, a.kind",
        carried_kept = end_of("$1 - 1", "open"),
        online_kept = span("online"),
        direct_kept = span("direct"),
        early_kept = span("early"),
        on_time_kept = span("on_time"),
        late_kept = span("late"),
        in_time_kept = end_of("$2", "open - overdue"),
        overdue_kept = end_of("$2", "overdue"),
    );
    let rows = sqlx::query(&sql)
        .bind(i64::from(first))
        .bind(i64::from(last))
        .bind(Millis(period.end()))
        .bind(Millis(measured_at))
        .bind(agency.unwrap_or(""))
        .fetch_all(db.reader())
        .await?;
    field_rows(&rows)
}

/// The rows of either query, merged by field and level, empty ones left out, in order.
fn field_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<FieldCounts>> {
    let mut out: Vec<FieldCounts> = Vec::new();
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let kind = AgencyKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("agency kind {kind}")))?;
        let n = |column: &str| -> Result<u64> { Ok(row.try_get::<i64, _>(column)?.max(0) as u64) };
        let counts = Counts::from_parts(
            [n("carried_over")?, n("online")?, n("direct")?],
            [n("early")?, n("on_time")?, n("late")?],
            [n("in_time")?, n("overdue")?],
        );
        let field_code: String = row.try_get("field")?;
        let level = Level::of(kind);
        // Departments and communes of one field meet here once per agency kind: one row each level.
        match out.iter_mut().find(|r| r.field_code == field_code && r.level == level) {
            Some(r) => r.counts += counts,
            None => out.push(FieldCounts {
                field_code,
                field_name: row.try_get("field_name")?,
                field_name_en: row.try_get("field_name_en")?,
                level,
                counts,
            }),
        }
    }
    out.retain(|r| !r.counts.is_empty());
    out.sort_by(|a, b| (a.level, &a.field_code).cmp(&(b.level, &b.field_code)));
    Ok(out)
}

/// One dossier of a period's report, with where it is counted: the report's facts of it, its
/// field and level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLine {
    /// Its code.
    pub code: String,
    /// The agency leading it.
    pub agency: String,
    /// The procedure's code.
    pub procedure_code: String,
    /// The field of its procedure.
    pub field_code: String,
    /// Province or commune, by the agency leading it.
    pub level: Level,
    /// What the report judges it by.
    pub facts: motcua_domain::report::ReportedDossier,
}

/// The dossiers of the report of `period` (led by `agency`, or by any): received in it, or
/// before it and finished since it began or still open, withdrawn ones left out; each is then
/// placed by `report::classify`. The window the indicators read (the same three parts as
/// [`ii06a`], on the same indexes).
pub async fn report_lines(db: &Database, period: &Period, agency: Option<&str>) -> Result<Vec<ReportLine>> {
    let sql = format!(
        "{} SELECT d.code, d.lead_agency, d.procedure_code, d.channel, d.received_at, d.finished_at, d.due_at, \
           COALESCE(pv.field_code, p.field_code) AS field, a.kind AS kind \
         FROM w JOIN dossiers d ON d.id = w.id \
         JOIN procedure_versions pv ON pv.id = d.procedure_version_id \
         JOIN procedures p ON p.id = pv.procedure_id \
         JOIN agencies a ON a.code = d.lead_agency",
        crate::indicators::WINDOW
    );
    let rows = sqlx::query(&sql)
        .bind(Millis(period.start()))
        .bind(Millis(period.end()))
        .bind(agency.unwrap_or(""))
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let kind = AgencyKind::parse(&kind).ok_or_else(|| StoreError::Corrupt(format!("agency kind {kind}")))?;
            let channel: String = row.try_get("channel")?;
            let channel = motcua_domain::dossier::Channel::parse(&channel)
                .ok_or_else(|| StoreError::Corrupt(format!("channel {channel}")))?;
            let time = |column: &str| -> Result<Option<DateTime<Utc>>> {
                Ok(row.try_get::<Option<Millis>, _>(column)?.map(|m| m.0))
            };
            Ok(ReportLine {
                code: row.try_get("code")?,
                agency: row.try_get("lead_agency")?,
                procedure_code: row.try_get("procedure_code")?,
                field_code: row.try_get("field")?,
                level: Level::of(kind),
                facts: motcua_domain::report::ReportedDossier {
                    channel,
                    received_at: time("received_at")?,
                    finished_at: time("finished_at")?,
                    due_at: time("due_at")?,
                    withdrawn: false,
                },
            })
        })
        .collect()
}
