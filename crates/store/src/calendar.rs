//! The working calendar, stored per day: official days off and make-up working days.

use chrono::{Datelike, NaiveDate};
use motcua_domain::calendar::WorkingCalendar;

use crate::db::Database;
use crate::error::{Result, StoreError};

/// One year's exceptions to the Monday–Friday week.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YearCalendar {
    /// Official days off (holidays and compensatory days).
    pub days_off: Vec<NaiveDate>,
    /// Make-up working days (usually Saturdays).
    pub working_days: Vec<NaiveDate>,
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("calendar day {s}")))
}

/// The calendar of one year.
pub async fn year(db: &Database, year: i32) -> Result<YearCalendar> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT day, kind FROM calendar_days WHERE day >= $1 AND day <= $2 ORDER BY day")
            .bind(format!("{year:04}-01-01"))
            .bind(format!("{year:04}-12-31"))
            .fetch_all(db.reader())
            .await?;
    let mut out = YearCalendar::default();
    for (day, kind) in rows {
        let d = parse_day(&day)?;
        if kind == "work" {
            out.working_days.push(d);
        } else {
            out.days_off.push(d);
        }
    }
    Ok(out)
}

/// Replaces the calendar of one year in one transaction. Days outside the year are refused.
pub async fn set_year(db: &Database, year: i32, cal: &YearCalendar) -> Result<()> {
    if let Some(d) = cal.days_off.iter().chain(&cal.working_days).find(|d| d.year() != year) {
        return Err(StoreError::Conflict(format!("{d} is not in {year}")));
    }
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
        .bind(format!("{year:04}-01-01"))
        .bind(format!("{year:04}-12-31"))
        .execute(&mut *tx)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for (days, kind) in [(&cal.days_off, "off"), (&cal.working_days, "work")] {
        for d in days {
            if !seen.insert(*d) {
                return Err(StoreError::Conflict(format!("{d} is listed twice")));
            }
            sqlx::query("INSERT INTO calendar_days (day, kind) VALUES ($1, $2)")
                .bind(d.format("%Y-%m-%d").to_string())
                .bind(kind)
                .execute(&mut *tx)
                .await?;
        }
    }
    crate::cache_versions::bump(&mut tx, crate::cache_versions::CALENDAR).await?;
    tx.commit().await?;
    Ok(())
}

/// The whole stored calendar as the domain's working calendar.
pub async fn working_calendar(db: &Database) -> Result<WorkingCalendar> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT day, kind FROM calendar_days").fetch_all(db.reader()).await?;
    let mut off = Vec::new();
    let mut work = Vec::new();
    for (day, kind) in rows {
        let d = parse_day(&day)?;
        if kind == "work" {
            work.push(d);
        } else {
            off.push(d);
        }
    }
    Ok(WorkingCalendar::new(off, work))
}
