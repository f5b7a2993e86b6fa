//! The public transparency figures (công khai kết quả giải quyết) as the indicators module
//! counts them, and the cache that keeps them between counts: types apart from the counting, so
//! that the application state can hold the cache without importing the use-cases that read it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use motcua_domain::report::Period;
use motcua_store::catalog::Agency;

/// The public figures of one unit or of the province: on-time rate (2.1) and satisfaction (5.4)
/// of this year so far and of last month, in per cent (`None` when nothing was measured).
#[derive(Clone, Debug, PartialEq)]
pub struct PublicFigures {
    /// 2.1 this year.
    pub on_time_year: Option<f64>,
    /// 5.4 this year.
    pub satisfaction_year: Option<f64>,
    /// 2.1 last month.
    pub on_time_month: Option<f64>,
    /// 5.4 last month.
    pub satisfaction_month: Option<f64>,
}

/// What the public transparency page shows (công khai kết quả giải quyết).
#[derive(Clone, Debug, PartialEq)]
pub struct Transparency {
    /// When the figures were taken.
    pub as_of: DateTime<Utc>,
    /// This year, from 1 January to today.
    pub year: Period,
    /// Last month.
    pub last_month: Period,
    /// The province.
    pub province: PublicFigures,
    /// Each unit with dossiers, by name.
    pub units: Vec<(Agency, PublicFigures)>,
}

/// The public figures last counted, and when: one count at a time, the visitors meanwhile
/// waiting for it rather than counting too.
#[derive(Default)]
pub struct PublicFiguresCache(pub(crate) tokio::sync::Mutex<Option<(std::time::Instant, Arc<Transparency>)>>);
