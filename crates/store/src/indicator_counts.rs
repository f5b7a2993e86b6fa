//! The Decision 766 indicators kept as counters (`motcua_domain::indicators::counts`): the rows
//! of every finished dossier, summed by unit, month and slot in `indicator_counts` (and 2.2 by
//! procedure in `indicator_work`); and the report II.06a's (`motcua_domain::report::counts`), by
//! unit, field, month and slot in `report_counts`.
//!
//! They change in the transaction of the event that changes them: when a dossier finishes (a
//! result issued, a refusal, a withdrawal), and when a finished dossier is rated or paid. Each of
//! those reads the dossier's facts before and after its writes, has them judged, and adds the
//! difference ([`counted`], [`recount`]). Judging needs the working calendar and the agencies'
//! counting rules, which the application holds, so the application installs a [`Judge`] on the
//! database; without one (the store's own tests, bulk seeding) nothing is counted, and the
//! counters are marked for a rebuild.
//!
//! Open dossiers have no rows of the indicators here: their last row is judged "now", so the
//! application counts them afresh. In the report's counters an open dossier has one row from its
//! reception (`report::counts::open_rows`), added at reception and taken back when it finishes,
//! by the same difference. [`rebuild`] recomputes every row from the dossiers, as
//! `motcua indicators rebuild` does, and reports how many rows differed from what was kept.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use motcua_domain::calendar::{TimeLimit, TimeUnit};
use motcua_domain::dossier::{Action, Channel, Status};
use motcua_domain::indicators::counts::{Counts, Key, Month, Slot, COLUMNS};
use motcua_domain::report::counts::{rows as report_rows, Figures, Row as ReportRow, COLUMNS as REPORT_COLUMNS};
use motcua_domain::report::ReportedDossier;
use sqlx::Row;

use crate::db::WriteTx;
use crate::error::{Result, StoreError};
use crate::indicators::{decode, facts_sql, IndicatorDossier};
use crate::types::Millis;
use crate::Database;

/// What a judge needs of one dossier.
#[derive(Clone, Debug)]
pub struct Judged {
    /// Its facts.
    pub dossier: IndicatorDossier,
    /// Its procedure's time limit.
    pub limit: TimeLimit,
    /// The agency whose counting rule its clock follows.
    pub rule_agency: String,
    /// Its reception, supplement requests and supplements, in order.
    pub history: Vec<(DateTime<Utc>, Action)>,
}

/// Judges dossiers into counter rows (`counts::contributions`) with the calendar and the
/// counting rules in force.
pub trait Judge: Send + Sync + std::fmt::Debug {
    /// The rows of one dossier as of `as_of`.
    fn rows(&self, d: &Judged, as_of: DateTime<Utc>) -> Vec<(Key, Counts)>;
}

/// One dossier's rows, with the unit, procedure and field they count for: the indicators' and
/// the report's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counted {
    agency: String,
    procedure: String,
    field: String,
    rows: Vec<(Key, Counts)>,
    report: Vec<ReportRow>,
}

/// The report II.06a's facts of a finished dossier read for the counters.
fn reported(d: &IndicatorDossier) -> ReportedDossier {
    ReportedDossier {
        channel: d.channel,
        received_at: Some(d.received_at),
        finished_at: d.finished_at,
        due_at: d.due_at,
        withdrawn: false,
    }
}

/// The dossiers `d` the database counts: received, finished, not withdrawn.
const FINISHED: &str = "d.finished_at IS NOT NULL AND d.received_at IS NOT NULL AND d.status <> 'withdrawn'";

/// The dossiers `d` received and still open.
const OPEN: &str = "d.finished_at IS NULL AND d.received_at IS NOT NULL AND d.status <> 'withdrawn'";

/// Where a dossier counts and what decides its rows, with its version `v` and procedure `p`:
/// read first, so that only a finished dossier's facts are read whole ([`counted`]), and all an
/// open dossier's row of the report needs.
const PLACED: &str = "SELECT d.lead_agency, d.procedure_code, d.channel, d.received_at, d.finished_at, d.status, \
    COALESCE(v.field_code, p.field_code) AS field \
    FROM dossiers d JOIN procedure_versions v ON v.id = d.procedure_version_id JOIN procedures p ON p.id = v.procedure_id";

/// The row of the report of a dossier read with [`PLACED`] that is still open: its unit,
/// procedure and field, and the row; nothing when it was not received or is withdrawn.
fn open_counted(row: &sqlx::any::AnyRow) -> Result<Counted> {
    let channel: String = row.try_get("channel")?;
    let channel = Channel::parse(&channel).ok_or_else(|| StoreError::Corrupt(format!("channel {channel}")))?;
    let received_at: Option<Millis> = row.try_get("received_at")?;
    let status: String = row.try_get("status")?;
    let reported = ReportedDossier {
        channel,
        received_at: received_at.map(|at| at.0),
        finished_at: None,
        due_at: None,
        withdrawn: status == Status::Withdrawn.as_str(),
    };
    let report = report_rows(&reported);
    if report.is_empty() {
        return Ok(Counted::default());
    }
    Ok(Counted {
        agency: row.try_get("lead_agency")?,
        procedure: row.try_get("procedure_code")?,
        field: row.try_get("field")?,
        rows: Vec::new(),
        report,
    })
}

/// The rows a dossier has in the counters now, read in the transaction before it is changed:
/// a finished one's, judged; an open one's row of the report; empty when it was not received,
/// is withdrawn, or no judge is installed.
pub(crate) async fn counted(tx: &mut WriteTx<'_>, dossier_id: i64, now: DateTime<Utc>) -> Result<Counted> {
    let Some(judge) = tx.judge() else {
        return Ok(Counted::default());
    };
    let placed = format!("{PLACED} WHERE d.id = $1");
    let Some(row) = sqlx::query(&placed).bind(dossier_id).fetch_optional(&mut **tx).await? else {
        return Ok(Counted::default());
    };
    if row.try_get::<Option<Millis>, _>("finished_at")?.is_none() {
        return open_counted(&row);
    }
    let sql = facts_sql("", "dossiers d", &format!("WHERE d.id = $1 AND {FINISHED}"));
    let Some(row) = sqlx::query(&sql).bind(dossier_id).fetch_optional(&mut **tx).await? else {
        return Ok(Counted::default());
    };
    let (judged, field) = judged_in(tx, decode(&row)?).await?;
    Ok(Counted {
        agency: judged.dossier.lead_agency.clone(),
        procedure: judged.dossier.procedure_code.clone(),
        report: report_rows(&reported(&judged.dossier)),
        rows: judge.rows(&judged, now),
        field,
    })
}

/// Reads the dossier's rows again after the transaction's writes and adds the difference from
/// `before` ([`counted`] before them) to the counters.
pub(crate) async fn recount(tx: &mut WriteTx<'_>, dossier_id: i64, before: Counted, now: DateTime<Utc>) -> Result<()> {
    if tx.judge().is_none() {
        return Ok(());
    }
    let after = counted(tx, dossier_id, now).await?;
    if after == before {
        return Ok(());
    }
    let (mut diff, mut work, mut report) = (Sums::new(), Work::new(), ReportSums::new());
    add_judged(&mut diff, &mut work, &after.agency, &after.procedure, &after.rows);
    add_report(&mut report, &after.agency, &after.field, &after.report);
    let undone: Vec<(Key, Counts)> = before.rows.iter().map(|(k, c)| (*k, negated(c))).collect();
    add_judged(&mut diff, &mut work, &before.agency, &before.procedure, &undone);
    let undone: Vec<ReportRow> = before.report.iter().map(|(slot, month, f)| (*slot, *month, negated(f))).collect();
    add_report(&mut report, &before.agency, &before.field, &undone);
    for ((agency, key), counts) in diff.iter().filter(|(_, c)| !c.is_zero()) {
        add_row(tx, agency, key, counts).await?;
    }
    for ((agency, procedure, month), (dossiers, seconds)) in work.iter().filter(|(_, w)| **w != (0, 0)) {
        add_work(tx, agency, procedure, *month, *dossiers, *seconds).await?;
    }
    for (key, figures) in report.iter().filter(|(_, f)| !f.is_zero()) {
        add_report_row(tx, key, figures).await?;
    }
    Ok(())
}

/// Counters taken away: what undoes `c` when added.
fn negated<T: Default + for<'a> std::ops::SubAssign<&'a T>>(c: &T) -> T {
    let mut minus = T::default();
    minus -= c;
    minus
}

/// Counts a dossier written without the store's transitions (a dossier made with a past history
/// for a test or an import): its rows are added as if it had just finished, or just been
/// received when it is open.
pub async fn count_written(db: &Database, dossier_id: i64, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    recount(&mut tx, dossier_id, Counted::default(), now).await?;
    tx.commit().await
}

/// A dossier read in the transaction with what judging it needs (its procedure's clock and its
/// supplement history), and the field its procedure belongs to.
async fn judged_in(tx: &mut WriteTx<'_>, dossier: IndicatorDossier) -> Result<(Judged, String)> {
    let (limit, rule_agency, field) = version_clock(tx, dossier.procedure_version_id).await?;
    let events = sqlx::query(
        "SELECT at, action FROM events WHERE dossier_id = $1 \
         AND action IN ('receive', 'request_supplement', 'supplement') ORDER BY id",
    )
    .bind(dossier.id)
    .fetch_all(&mut **tx)
    .await?;
    let history = events.iter().map(history_entry).collect::<Result<Vec<_>>>()?;
    Ok((Judged { dossier, limit, rule_agency, history }, field))
}

async fn version_clock(tx: &mut WriteTx<'_>, version_id: i64) -> Result<(TimeLimit, String, String)> {
    let row = sqlx::query(
        "SELECT v.time_amount, v.time_unit, COALESCE(v.agency_code, p.agency_code) AS agency, \
         COALESCE(v.field_code, p.field_code) AS field \
         FROM procedure_versions v JOIN procedures p ON p.id = v.procedure_id WHERE v.id = $1",
    )
    .bind(version_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok((limit_of(&row)?, row.try_get("agency")?, row.try_get("field")?))
}

/// The field of each procedure version, by id: where the report counts its dossiers.
async fn version_fields(db: &Database) -> Result<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT v.id, COALESCE(v.field_code, p.field_code) FROM procedure_versions v \
         JOIN procedures p ON p.id = v.procedure_id",
    )
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().collect())
}

fn limit_of(row: &sqlx::any::AnyRow) -> Result<TimeLimit> {
    let unit: String = row.try_get("time_unit")?;
    let amount: i64 = row.try_get("time_amount")?;
    Ok(TimeLimit {
        amount: u32::try_from(amount).map_err(|_| StoreError::Corrupt("time limit".into()))?,
        unit: TimeUnit::parse(&unit).ok_or_else(|| StoreError::Corrupt(format!("time unit {unit}")))?,
    })
}

fn history_entry(row: &sqlx::any::AnyRow) -> Result<(DateTime<Utc>, Action)> {
    let action: String = row.try_get("action")?;
    let action = Action::parse(&action).ok_or_else(|| StoreError::Corrupt(format!("event action {action}")))?;
    let at: Millis = row.try_get("at")?;
    Ok((at.0, action))
}

/// `INSERT … ON CONFLICT DO UPDATE` adding to a row of `indicator_counts`.
fn add_row_sql() -> String {
    let columns = COLUMNS.join(", ");
    let params: Vec<String> = (0..COLUMNS.len()).map(|i| format!("${}", i + 5)).collect();
    let sums: Vec<String> = COLUMNS.iter().map(|c| format!("{c} = indicator_counts.{c} + excluded.{c}")).collect();
    format!(
        "INSERT INTO indicator_counts (agency, slot, month, from_month, {columns}) VALUES ($1, $2, $3, $4, {}) \
         ON CONFLICT (month, slot, from_month, agency) DO UPDATE SET {}",
        params.join(", "),
        sums.join(", ")
    )
}

async fn add_row(tx: &mut WriteTx<'_>, agency: &str, key: &Key, counts: &Counts) -> Result<()> {
    let sql = add_row_sql();
    let mut q =
        sqlx::query(&sql).bind(agency).bind(key.slot.as_i64()).bind(i64::from(key.month)).bind(i64::from(key.from));
    for n in counts.0 {
        q = q.bind(n);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

async fn add_work(
    tx: &mut WriteTx<'_>,
    agency: &str,
    procedure: &str,
    month: Month,
    dossiers: i64,
    seconds: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO indicator_work (agency, procedure_code, month, dossiers, seconds) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (agency, procedure_code, month) DO UPDATE SET dossiers = indicator_work.dossiers + excluded.dossiers, \
         seconds = indicator_work.seconds + excluded.seconds",
    )
    .bind(agency)
    .bind(procedure)
    .bind(i64::from(month))
    .bind(dossiers)
    .bind(seconds)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// `INSERT … ON CONFLICT DO UPDATE` adding to a row of `report_counts`.
async fn add_report_row(tx: &mut WriteTx<'_>, key: &ReportKey, figures: &Figures) -> Result<()> {
    let (agency, field, slot, month) = key;
    let columns = REPORT_COLUMNS.join(", ");
    let params: Vec<String> = (0..REPORT_COLUMNS.len()).map(|i| format!("${}", i + 5)).collect();
    let sums: Vec<String> = REPORT_COLUMNS.iter().map(|c| format!("{c} = report_counts.{c} + excluded.{c}")).collect();
    let sql = format!(
        "INSERT INTO report_counts (agency, field, slot, month, {columns}) VALUES ($1, $2, $3, $4, {}) \
         ON CONFLICT (month, slot, agency, field) DO UPDATE SET {}",
        params.join(", "),
        sums.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(agency).bind(field).bind(slot.as_i64()).bind(i64::from(*month));
    for n in figures.0 {
        q = q.bind(n);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

fn sums_select() -> String {
    COLUMNS.iter().map(|c| format!("CAST(SUM({c}) AS BIGINT) AS {c}")).collect::<Vec<_>>().join(", ")
}

fn counts_of(row: &sqlx::any::AnyRow) -> Result<Counts> {
    let mut c = Counts::default();
    for (i, column) in COLUMNS.iter().enumerate() {
        c.0[i] = row.try_get::<Option<i64>, _>(*column)?.unwrap_or(0);
    }
    Ok(c)
}

/// The rows of `indicator_counts` that `applies` selects among the months `first` (`$1`) to
/// `last` (`$2`), of `agency` (or of every unit), summed by `group`.
async fn summed(
    db: &Database,
    group: &str,
    applies: &str,
    first: Month,
    last: Month,
    agency: Option<&str>,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let sql = format!(
        "SELECT {group}, {} FROM indicator_counts WHERE month >= $1 AND month <= $2 AND {applies} \
         AND ($3 = '' OR agency = $3) GROUP BY {group}",
        sums_select()
    );
    Ok(sqlx::query(&sql)
        .bind(i64::from(first))
        .bind(i64::from(last))
        .bind(agency.unwrap_or(""))
        .fetch_all(db.reader())
        .await?)
}

/// The finished dossiers' counts of the period of the months `first` to `last`, by unit (of
/// `agency` only, or of every unit): the rows [`Key::applies`] selects.
pub async fn by_unit(db: &Database, first: Month, last: Month, agency: Option<&str>) -> Result<Vec<(String, Counts)>> {
    let rows = summed(db, "agency", "from_month <= $2 AND (slot = 0 OR month = $2)", first, last, agency).await?;
    rows.iter().map(|r| Ok((r.try_get("agency")?, counts_of(r)?))).collect()
}

/// The finished dossiers' counts of each month from `first` to `last`, each as a period of its
/// own (of `agency`, or of the province).
pub async fn by_month(db: &Database, first: Month, last: Month, agency: Option<&str>) -> Result<Vec<(Month, Counts)>> {
    let rows = summed(db, "month", "from_month <= month", first, last, agency).await?;
    rows.iter()
        .map(|r| {
            let month: i64 = r.try_get("month")?;
            Ok((i32::try_from(month).map_err(|_| StoreError::Corrupt("month".into()))?, counts_of(r)?))
        })
        .collect()
}

/// Processing time (2.2) of the dossiers `agency` finished in the months `first` to `last`, by
/// procedure: the dossiers and their seconds.
pub async fn work_by_procedure(
    db: &Database,
    first: Month,
    last: Month,
    agency: &str,
) -> Result<Vec<(String, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT procedure_code, CAST(SUM(dossiers) AS BIGINT) AS dossiers, CAST(SUM(seconds) AS BIGINT) AS seconds \
         FROM indicator_work WHERE agency = $1 AND month >= $2 AND month <= $3 \
         GROUP BY procedure_code HAVING SUM(dossiers) <> 0 ORDER BY procedure_code",
    )
    .bind(agency)
    .bind(i64::from(first))
    .bind(i64::from(last))
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|r| Ok((r.try_get("procedure_code")?, r.try_get("dossiers")?, r.try_get("seconds")?))).collect()
}

/// The dossiers that finished (or were withdrawn) at `since` or later: those an earlier count of
/// open dossiers still holds as open.
pub async fn finished_since(db: &Database, since: DateTime<Utc>) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM dossiers WHERE finished_at >= $1")
        .bind(Millis(since))
        .fetch_all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The histories judging needs (reception, supplement requests, supplements) of the dossiers
/// `filter` selects (a condition on `d`) that had a supplement asked: the others' are not read.
fn histories_sql(filter: &str) -> String {
    format!(
        "SELECT e.dossier_id, e.at, e.action FROM dossiers d JOIN events e ON e.dossier_id = d.id \
         WHERE {filter} AND d.supplement_count > 0 \
         AND e.action IN ('receive', 'request_supplement', 'supplement') ORDER BY e.dossier_id, e.id"
    )
}

/// A dossier made ready for judging with its procedure's clock and its history.
fn judged_with(
    clocks: &HashMap<i64, (TimeLimit, String)>,
    dossier: IndicatorDossier,
    history: Vec<(DateTime<Utc>, Action)>,
) -> Result<Judged> {
    let (limit, rule_agency) = clocks.get(&dossier.procedure_version_id).cloned().ok_or_else(|| {
        StoreError::Corrupt(format!("procedure version {} of dossier {}", dossier.procedure_version_id, dossier.code))
    })?;
    Ok(Judged { dossier, limit, rule_agency, history })
}

/// Calls `each` with every dossier `filter` selects (a condition on `d`, the dossiers table),
/// judged-ready: its facts, its procedure's clock and its supplement history. Read by id in
/// batches, so that millions of dossiers are never held at once.
async fn each_judged(db: &Database, filter: &str, mut each: impl FnMut(Judged)) -> Result<u64> {
    const BATCH: i64 = 20_000;
    let clocks = crate::indicators::version_clocks(db).await?;
    let facts = facts_sql("", "dossiers d", &format!("WHERE d.id > $1 AND {filter} ORDER BY d.id LIMIT {BATCH}"));
    let histories = histories_sql(&format!("d.id > $1 AND d.id <= $2 AND {filter}"));
    let (mut after, mut seen) = (0_i64, 0_u64);
    loop {
        let mut batch = Vec::new();
        let mut rows = sqlx::query(&facts).bind(after).fetch(db.reader());
        while let Some(row) = rows.try_next().await? {
            batch.push(decode(&row)?);
        }
        drop(rows);
        let Some(last) = batch.last().map(|d| d.id) else {
            return Ok(seen);
        };
        let mut by_dossier: HashMap<i64, Vec<(DateTime<Utc>, Action)>> = HashMap::new();
        for row in sqlx::query(&histories).bind(after).bind(last).fetch_all(db.reader()).await? {
            by_dossier.entry(row.try_get("dossier_id")?).or_default().push(history_entry(&row)?);
        }
        for dossier in batch {
            let history = by_dossier.remove(&dossier.id).unwrap_or_default();
            seen += 1;
            each(judged_with(&clocks, dossier, history)?);
        }
        after = last;
    }
}

/// Calls `each` with every dossier received and still open. They are about one in a hundred of
/// a province's dossiers and spread over all its years, so they are found through the index of
/// unfinished dossiers in one pass, not by id in batches (which would read every dossier ever
/// received: 4.9 s of a core at ten million, every 30 s); those with a supplement asked have
/// their histories read first.
pub async fn each_open(db: &Database, mut each: impl FnMut(Judged)) -> Result<u64> {
    let clocks = crate::indicators::version_clocks(db).await?;
    let mut histories: HashMap<i64, Vec<(DateTime<Utc>, Action)>> = HashMap::new();
    for row in sqlx::query(&histories_sql(OPEN)).fetch_all(db.reader()).await? {
        histories.entry(row.try_get("dossier_id")?).or_default().push(history_entry(&row)?);
    }
    let facts = facts_sql("", "dossiers d", &format!("WHERE {OPEN}"));
    let mut rows = sqlx::query(&facts).fetch(db.reader());
    let mut seen = 0;
    while let Some(row) = rows.try_next().await? {
        let dossier = decode(&row)?;
        let history = histories.remove(&dossier.id).unwrap_or_default();
        seen += 1;
        each(judged_with(&clocks, dossier, history)?);
    }
    Ok(seen)
}

/// What a rebuild found and did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Finished dossiers judged.
    pub dossiers: u64,
    /// Rows of counters written.
    pub rows: u64,
    /// Rows whose counts differed from those kept before (added, removed or changed).
    pub differences: u64,
}

type Sums = BTreeMap<(String, Key), Counts>;
type Work = BTreeMap<(String, String, Month), (i64, i64)>;
/// A row of `report_counts`: unit, field, slot, month.
type ReportKey = (String, String, Slot, Month);
type ReportSums = BTreeMap<ReportKey, Figures>;

fn add_report(sums: &mut ReportSums, agency: &str, field: &str, rows: &[ReportRow]) {
    for (slot, month, f) in rows {
        *sums.entry((agency.to_owned(), field.to_owned(), *slot, *month)).or_default() += f;
    }
}

fn add_judged(sums: &mut Sums, work: &mut Work, agency: &str, procedure: &str, rows: &[(Key, Counts)]) {
    for (key, c) in rows {
        *sums.entry((agency.to_owned(), *key)).or_default() += c;
        let (n, secs) = c.work();
        if key.slot == Slot::Span && (n != 0 || secs != 0) {
            let w = work.entry((agency.to_owned(), procedure.to_owned(), key.month)).or_default();
            w.0 += n;
            w.1 += secs;
        }
    }
}

/// Recomputes every row of the counters from the finished dossiers with `judge` (and the report's
/// rows of the open ones), replaces the rows kept, and marks the counters built. Dossiers that finish while it reads are counted in its
/// writing transaction, which holds the counters for its few moments; a rating or a payment given
/// meanwhile to a dossier finished before it began may be counted twice or not at all until the
/// next rebuild (run it when few people work, or twice).
pub async fn rebuild(db: &Database, judge: &dyn Judge, now: DateTime<Utc>) -> Result<Rebuilt> {
    let (mut sums, mut work, mut report) = (Sums::new(), Work::new(), ReportSums::new());
    let fields = version_fields(db).await?;
    let read = format!("{FINISHED} AND d.finished_at < {}", now.timestamp_millis());
    let mut missing = None;
    let dossiers = each_judged(db, &read, |j| {
        let rows = judge.rows(&j, now);
        add_judged(&mut sums, &mut work, &j.dossier.lead_agency, &j.dossier.procedure_code, &rows);
        match fields.get(&j.dossier.procedure_version_id) {
            Some(field) => add_report(&mut report, &j.dossier.lead_agency, field, &report_rows(&reported(&j.dossier))),
            None => missing = Some(j.dossier.procedure_version_id),
        }
    })
    .await?;
    if let Some(version) = missing {
        return Err(StoreError::Corrupt(format!("procedure version {version} has no field")));
    }
    let mut tx = db.write_tx().await?;
    if db.engine == crate::db::Engine::Postgres {
        sqlx::query("LOCK TABLE indicator_counts, indicator_work, report_counts IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    // Those that finished since the reading began, read again under the lock.
    let late = facts_sql("", "dossiers d", &format!("WHERE {FINISHED} AND d.finished_at >= $1"));
    let late: Vec<IndicatorDossier> =
        sqlx::query(&late).bind(Millis(now)).fetch_all(&mut *tx).await?.iter().map(decode).collect::<Result<_>>()?;
    let mut counted_late = 0;
    for d in late {
        let (j, field) = judged_in(&mut tx, d).await?;
        let rows = judge.rows(&j, now);
        add_judged(&mut sums, &mut work, &j.dossier.lead_agency, &j.dossier.procedure_code, &rows);
        add_report(&mut report, &j.dossier.lead_agency, &field, &report_rows(&reported(&j.dossier)));
        counted_late += 1;
    }
    // The open dossiers' rows of the report, read under the lock: those received meanwhile wait
    // for it to add their own.
    let open_facts = format!("{PLACED} WHERE {OPEN}");
    let mut open = sqlx::query(&open_facts).fetch(&mut *tx);
    while let Some(row) = open.try_next().await? {
        let c = open_counted(&row)?;
        add_report(&mut report, &c.agency, &c.field, &c.report);
    }
    drop(open);
    sums.retain(|_, c| !c.is_zero());
    work.retain(|_, w| *w != (0, 0));
    report.retain(|_, f| !f.is_zero());
    let kept = kept_rows(&mut tx).await?;
    let kept_report = kept_report_rows(&mut tx).await?;
    let differences = kept.iter().filter(|(k, c)| sums.get(*k) != Some(*c)).count()
        + sums.keys().filter(|k| !kept.contains_key(*k)).count()
        + kept_report.iter().filter(|(k, f)| report.get(*k) != Some(*f)).count()
        + report.keys().filter(|k| !kept_report.contains_key(*k)).count();
    sqlx::query("DELETE FROM indicator_counts").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM indicator_work").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM report_counts").execute(&mut *tx).await?;
    for ((agency, key), counts) in &sums {
        add_row(&mut tx, agency, key, counts).await?;
    }
    for ((agency, procedure, month), (n, secs)) in &work {
        add_work(&mut tx, agency, procedure, *month, *n, *secs).await?;
    }
    for (key, figures) in &report {
        add_report_row(&mut tx, key, figures).await?;
    }
    sqlx::query("UPDATE indicator_counts_built SET built_at = $1 WHERE id = 1")
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if db.engine == crate::db::Engine::Postgres {
        // Every row was replaced: what autovacuum would do a minute later (the dead rows'
        // space, statistics for the planner), done now so the reports that follow read the new
        // rows alone.
        for table in
            ["VACUUM ANALYZE indicator_counts", "VACUUM ANALYZE indicator_work", "VACUUM ANALYZE report_counts"]
        {
            db.maintain(table).await?;
        }
    }
    Ok(Rebuilt {
        dossiers: dossiers + counted_late,
        rows: (sums.len() + report.len()) as u64,
        differences: differences as u64,
    })
}

async fn kept_rows(tx: &mut WriteTx<'_>) -> Result<Sums> {
    let sql = format!("SELECT agency, slot, month, from_month, {} FROM indicator_counts", COLUMNS.join(", "));
    let mut out = Sums::new();
    for row in sqlx::query(&sql).fetch_all(&mut **tx).await? {
        let slot: i64 = row.try_get("slot")?;
        let month: i64 = row.try_get("month")?;
        let from: i64 = row.try_get("from_month")?;
        let key = Key {
            slot: Slot::from_i64(slot).ok_or_else(|| StoreError::Corrupt(format!("counter slot {slot}")))?,
            month: i32::try_from(month).map_err(|_| StoreError::Corrupt("month".into()))?,
            from: i32::try_from(from).map_err(|_| StoreError::Corrupt("month".into()))?,
        };
        out.insert((row.try_get("agency")?, key), counts_of(&row)?);
    }
    Ok(out)
}

async fn kept_report_rows(tx: &mut WriteTx<'_>) -> Result<ReportSums> {
    let sql = format!("SELECT agency, field, slot, month, {} FROM report_counts", REPORT_COLUMNS.join(", "));
    let mut out = ReportSums::new();
    for row in sqlx::query(&sql).fetch_all(&mut **tx).await? {
        let slot: i64 = row.try_get("slot")?;
        let month: i64 = row.try_get("month")?;
        let mut f = Figures::default();
        for (i, column) in REPORT_COLUMNS.iter().enumerate() {
            f.0[i] = row.try_get(*column)?;
        }
        let key = (
            row.try_get("agency")?,
            row.try_get("field")?,
            Slot::from_i64(slot).ok_or_else(|| StoreError::Corrupt(format!("counter slot {slot}")))?,
            i32::try_from(month).map_err(|_| StoreError::Corrupt("month".into()))?,
        );
        out.insert(key, f);
    }
    Ok(out)
}

/// Whether the counters were built from the dossiers since they last had dossiers written
/// without them (a new database, an upgrade, a bulk seeding).
pub async fn built(db: &Database) -> Result<bool> {
    let row: Option<(Option<Millis>,)> =
        sqlx::query_as("SELECT built_at FROM indicator_counts_built WHERE id = 1").fetch_optional(db.reader()).await?;
    Ok(row.and_then(|(at,)| at).is_some())
}

/// Marks the counters for a rebuild: dossiers were written without them.
pub async fn mark_stale(db: &Database) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("UPDATE indicator_counts_built SET built_at = NULL WHERE id = 1").execute(&mut *tx).await?;
    tx.commit().await
}
