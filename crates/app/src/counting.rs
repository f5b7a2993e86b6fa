//! How the application keeps the Decision 766 indicators as counters
//! (`motcua_domain::indicators::counts`).
//!
//! Finished dossiers are counted by the database in the transaction of each event that changes
//! them (`motcua_store::indicator_counts`), judged by [`CountingJudge`] with the calendar and the
//! counting rules in force. Open dossiers are counted every little while instead ([`OpenCounts`]):
//! an open dossier's last row is judged "now", so it changes with the clock and not only with
//! events; the lag is at most [`OPEN_COUNTS_FOR`] plus one count, shown on the pages as "as of".
//! Types apart from the use-cases, so that the application state can hold them.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use motcua_domain::calendar::{TimeLimit, WorkingCalendar};
use motcua_domain::dossier::Action;
use motcua_domain::indicators::counts::{contributions, Counts, Key, Month, COLUMNS};
use motcua_domain::indicators::{Clock, DossierFacts};
use motcua_store::indicator_counts::{Judge, Judged};
use motcua_store::indicators::IndicatorDossier;

use crate::catalog::Catalog;

/// What the indicators need of a dossier read for them.
pub fn facts_of<'a>(
    d: &IndicatorDossier,
    history: &'a [(DateTime<Utc>, Action)],
    limit: TimeLimit,
) -> DossierFacts<'a> {
    DossierFacts {
        channel: d.channel,
        received_at: d.received_at,
        finished_at: d.finished_at,
        refused: d.refused,
        withdrawn: false,
        history,
        limit,
        fee_bearing: d.fee_bearing,
        paid_online_at: d.paid_online_at,
        electronic_result: d.electronic_result,
        documents: d.documents,
        rating: d.rating,
    }
}

/// Judges dossiers with the catalog's counting rules and the working calendar as they are when
/// asked (the state's own cells, so a holiday added counts from then on).
pub struct CountingJudge {
    /// The state's catalog.
    pub catalog: Arc<RwLock<Arc<Catalog>>>,
    /// The state's calendar.
    pub calendar: Arc<RwLock<Arc<WorkingCalendar>>>,
}

impl CountingJudge {
    /// A judge over the catalog and the calendar as stored, for a command that has no server
    /// state (`motcua indicators rebuild`).
    pub async fn load(db: &motcua_store::Database) -> crate::error::AppResult<CountingJudge> {
        let catalog = Catalog::load(db).await?;
        let calendar = motcua_store::calendar::working_calendar(db).await?;
        Ok(CountingJudge {
            catalog: Arc::new(RwLock::new(Arc::new(catalog))),
            calendar: Arc::new(RwLock::new(Arc::new(calendar))),
        })
    }
}

impl std::fmt::Debug for CountingJudge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CountingJudge")
    }
}

impl Judge for CountingJudge {
    fn rows(&self, d: &Judged, as_of: DateTime<Utc>) -> Vec<(Key, Counts)> {
        let catalog = self.catalog.read().unwrap_or_else(|e| e.into_inner()).clone();
        let calendar = self.calendar.read().unwrap_or_else(|e| e.into_inner()).clone();
        let rule = catalog.counting_rule(&d.rule_agency);
        let facts = facts_of(&d.dossier, &d.history, d.limit);
        contributions(&facts, Clock { calendar: &calendar, rule: &rule }, as_of)
    }
}

/// How long a count of the open dossiers is used before it is taken again (in the background,
/// the older one answering meanwhile).
pub const OPEN_COUNTS_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// One open dossier's rows, small: an open dossier adds at most one to any counter (and no
/// processing seconds, which only finished dossiers have).
#[derive(Clone, Debug)]
pub struct OpenRows {
    /// The unit it counts for.
    pub agency: Arc<str>,
    /// Its rows.
    pub rows: Vec<(Key, [i8; COLUMNS.len()])>,
}

impl OpenRows {
    /// Packs a dossier's rows.
    pub fn new(agency: Arc<str>, rows: &[(Key, Counts)]) -> OpenRows {
        let rows = rows
            .iter()
            .map(|(k, c)| {
                let mut small = [0_i8; COLUMNS.len()];
                for (s, n) in small.iter_mut().zip(c.0) {
                    *s = i8::try_from(n).unwrap_or(if n < 0 { i8::MIN } else { i8::MAX });
                }
                (*k, small)
            })
            .collect();
        OpenRows { agency, rows }
    }
}

/// The open dossiers' rows as of one moment.
#[derive(Clone, Debug)]
pub struct OpenCounts {
    /// When they were judged.
    pub as_of: DateTime<Utc>,
    /// By dossier id.
    pub dossiers: HashMap<i64, OpenRows>,
}

/// The open dossiers' last count with those finished since left out (they are in the database's
/// counters from the moment they finished): what one request adds to the database's sums.
pub struct OpenNow {
    /// The last count.
    pub counts: Arc<OpenCounts>,
    /// The dossiers it holds that have finished since.
    pub finished: HashSet<i64>,
}

impl OpenNow {
    /// The dossiers still open, of `agency` or of every unit.
    fn open<'a>(&'a self, agency: Option<&'a str>) -> impl Iterator<Item = &'a OpenRows> + 'a {
        self.counts
            .dossiers
            .iter()
            .filter(move |(id, d)| !self.finished.contains(*id) && agency.is_none_or(|a| a == &*d.agency))
            .map(|(_, d)| d)
    }

    /// Their rows that apply to the months `first` to `last`, by unit, of `agency` or of every
    /// unit.
    pub fn by_unit(&self, first: Month, last: Month, agency: Option<&str>) -> HashMap<Arc<str>, Counts> {
        let mut out: HashMap<Arc<str>, Counts> = HashMap::new();
        for d in self.open(agency) {
            for (_, packed) in d.rows.iter().filter(|(key, _)| key.applies(first, last)) {
                add_packed(out.entry(d.agency.clone()).or_default(), packed);
            }
        }
        out
    }

    /// Their rows that apply to each month from `first` to `last` as a period of its own, of
    /// `agency` or of every unit.
    pub fn by_month(&self, first: Month, last: Month, agency: Option<&str>) -> HashMap<Month, Counts> {
        let mut out: HashMap<Month, Counts> = HashMap::new();
        for d in self.open(agency) {
            for (key, packed) in &d.rows {
                if (first..=last).contains(&key.month) && key.applies(key.month, key.month) {
                    add_packed(out.entry(key.month).or_default(), packed);
                }
            }
        }
        out
    }
}

fn add_packed(sum: &mut Counts, packed: &[i8; COLUMNS.len()]) {
    for (a, b) in sum.0.iter_mut().zip(packed) {
        *a += i64::from(*b);
    }
}

/// The last count of the open dossiers and whether a new one is being taken.
#[derive(Default)]
pub struct OpenCountsCache {
    pub(crate) last: tokio::sync::Mutex<Option<Arc<OpenCounts>>>,
    pub(crate) refreshing: std::sync::atomic::AtomicBool,
}
