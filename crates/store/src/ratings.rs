//! Ratings of the service, one per dossier, and what each agency's look like.

use chrono::{DateTime, Utc};
use motcua_domain::rating::{Rating, Satisfaction};

use crate::db::Database;
use crate::dossiers::Dossier;
use crate::error::{Result, StoreError};
use crate::types::Millis;

/// A stored rating with its dossier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rated {
    /// The dossier code.
    pub dossier_code: String,
    /// The rating.
    pub rating: Rating,
    /// When it was given.
    pub created_at: DateTime<Utc>,
}

/// Stores the applicant's rating; a second one for the same dossier is a conflict.
pub async fn rate(db: &Database, d: &Dossier, r: &Rating, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let counts_before = match d.finished_at {
        Some(_) => crate::indicator_counts::counted(&mut tx, d.id, now).await?,
        None => Default::default(),
    };
    sqlx::query(
        "INSERT INTO ratings (dossier_id, dossier_code, lead_agency, overall, timeliness, convenience, attitude, comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(d.id)
    .bind(&d.code)
    .bind(&d.lead_agency)
    .bind(r.overall.as_str())
    .bind(r.timeliness.as_str())
    .bind(r.convenience.as_str())
    .bind(r.attitude.as_str())
    .bind(&r.comment)
    .bind(Millis(now))
    .execute(&mut *tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("already rated".into())
        } else {
            e.into()
        }
    })?;
    if d.finished_at.is_some() {
        crate::indicator_counts::recount(&mut tx, d.id, counts_before, now).await?;
    }
    tx.commit().await
}

type Row = (String, String, String, String, String, Option<String>, Millis);

fn rated((code, o, t, c, a, comment, at): Row) -> Result<Rated> {
    let level = |s: &str| Satisfaction::parse(s).ok_or_else(|| StoreError::Corrupt(format!("rating {s}")));
    Ok(Rated {
        dossier_code: code,
        rating: Rating {
            overall: level(&o)?,
            timeliness: level(&t)?,
            convenience: level(&c)?,
            attitude: level(&a)?,
            comment,
        },
        created_at: at.0,
    })
}

/// The rating of one dossier, if given.
pub async fn of_dossier(db: &Database, dossier_id: i64) -> Result<Option<Rated>> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT dossier_code, overall, timeliness, convenience, attitude, comment, created_at FROM ratings WHERE dossier_id = $1",
    )
    .bind(dossier_id)
    .fetch_optional(db.reader())
    .await?;
    row.map(rated).transpose()
}

/// The latest ratings of an agency's dossiers (all agencies with `None`), newest first.
pub async fn of_agency(db: &Database, agency: Option<&str>, limit: i64) -> Result<Vec<Rated>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT dossier_code, overall, timeliness, convenience, attitude, comment, created_at FROM ratings \
         WHERE ($1 = '' OR lead_agency = $1) ORDER BY created_at DESC, dossier_id DESC LIMIT {}",
        limit.clamp(1, 1000)
    ))
    .bind(agency.unwrap_or(""))
    .fetch_all(db.reader())
    .await?;
    rows.into_iter().map(rated).collect()
}

/// How many ratings gave each level to each criterion, for an agency (or all): rows of
/// (criterion, level, count).
pub async fn summary(db: &Database, agency: Option<&str>) -> Result<Vec<(String, String, i64)>> {
    let mut out = Vec::new();
    for criterion in motcua_domain::rating::CRITERIA {
        let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
            "SELECT {criterion}, COUNT(*) FROM ratings WHERE ($1 = '' OR lead_agency = $1) GROUP BY {criterion}"
        ))
        .bind(agency.unwrap_or(""))
        .fetch_all(db.reader())
        .await?;
        out.extend(rows.into_iter().map(|(level, n)| (criterion.to_string(), level, n)));
    }
    Ok(out)
}
