//! Organisations that apply through their representatives (see
//! [`motcua_domain::organisation`] for the rules): their registrations, the administrators'
//! decisions on them, and who represents each.

use chrono::{DateTime, Utc};
use motcua_domain::organisation::{OrganisationStatus, RepresentativeKind};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::types::{closed_word, Millis};

/// A registered organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    /// Row id.
    pub id: i64,
    /// Tax code, normalised (domain::identity::TaxCode).
    pub tax_code: String,
    /// Name as registered.
    pub name: String,
    /// Head office address.
    pub address: String,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// E-mail, lower-case.
    pub email: Option<String>,
    /// Where its registration stands.
    pub status: OrganisationStatus,
    /// Who registered it.
    pub created_by: i64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When an administrator verified or refused it.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was refused.
    pub decision_note: Option<String>,
}

/// What a person types to register an organisation, checked by the caller.
#[derive(Clone, Debug, Default)]
pub struct NewOrganisation {
    /// Tax code, normalised.
    pub tax_code: String,
    /// Name.
    pub name: String,
    /// Head office address.
    pub address: String,
    /// Phone, normalised.
    pub phone: Option<String>,
    /// E-mail, lower-case.
    pub email: Option<String>,
    /// The registering person's position in it (chức vụ).
    pub title: Option<String>,
}

/// A person representing an organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Representative {
    /// Their account.
    pub user_id: i64,
    /// Their name.
    pub full_name: String,
    /// Their citizen identity number.
    pub id_number: Option<String>,
    /// How they represent it.
    pub kind: RepresentativeKind,
    /// Position (chức vụ).
    pub title: Option<String>,
    /// Since when.
    pub added_at: DateTime<Utc>,
}

const COLUMNS: &str = "o.id, o.tax_code, o.name, o.address, o.phone, o.email, o.status, o.created_by, o.created_at, \
    o.decided_at, o.decision_note";

fn organisation_from(row: &AnyRow) -> Result<Organisation> {
    Ok(Organisation {
        id: row.try_get("id")?,
        tax_code: row.try_get("tax_code")?,
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        status: closed_word(row, "status", OrganisationStatus::parse)?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
        decided_at: row.try_get::<Option<Millis>, _>("decided_at")?.map(|m| m.0),
        decision_note: row.try_get("decision_note")?,
    })
}

/// Registers an organisation, waiting for an administrator, with the person registering it as
/// its legal representative. A tax code already registered and not refused is a conflict
/// (`tax_code`).
pub async fn register(db: &Database, new: &NewOrganisation, by: i64, now: DateTime<Utc>) -> Result<Organisation> {
    let mut tx = db.write_tx().await?;
    let taken: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM organisations WHERE tax_code = $1 AND status <> 'rejected'")
            .bind(&new.tax_code)
            .fetch_optional(&mut *tx)
            .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict("tax_code".into()));
    }
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO organisations (tax_code, name, address, phone, email, status, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&new.tax_code)
    .bind(&new.name)
    .bind(&new.address)
    .bind(&new.phone)
    .bind(&new.email)
    .bind(OrganisationStatus::Pending.as_str())
    .bind(by)
    .bind(Millis(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        // Two registrations of one tax code at once on PostgreSQL: the unique index decides.
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("tax_code".into())
        } else {
            e.into()
        }
    })?;
    insert_representative(&mut tx, id, by, RepresentativeKind::Legal, new.title.as_deref(), None, now).await?;
    tx.commit().await?;
    get(db, id).await
}

async fn insert_representative(
    tx: &mut WriteTx<'_>,
    organisation_id: i64,
    user_id: i64,
    kind: RepresentativeKind,
    title: Option<&str>,
    added_by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO organisation_representatives (organisation_id, user_id, kind, title, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(organisation_id)
    .bind(user_id)
    .bind(kind.as_str())
    .bind(title)
    .bind(added_by)
    .bind(Millis(now))
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict("representative".into())
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// One organisation.
pub async fn get(db: &Database, id: i64) -> Result<Organisation> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM organisations o WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    organisation_from(&row)
}

/// The verified organisation with this tax code, if any.
pub async fn verified_by_tax_code(db: &Database, tax_code: &str) -> Result<Option<Organisation>> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS} FROM organisations o WHERE o.tax_code = $1 AND o.status = 'verified'"))
            .bind(tax_code)
            .fetch_optional(db.reader())
            .await?;
    row.as_ref().map(organisation_from).transpose()
}

/// The organisations a person represents (or registered and were refused), with how they
/// represent each, by name.
pub async fn of_user(db: &Database, user_id: i64) -> Result<Vec<(Organisation, RepresentativeKind)>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, r.kind FROM organisations o \
         JOIN organisation_representatives r ON r.organisation_id = o.id \
         WHERE r.user_id = $1 ORDER BY o.name, o.id"
    ))
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|row| Ok((organisation_from(row)?, closed_word(row, "kind", RepresentativeKind::parse)?))).collect()
}

/// The ids of the verified organisations a person represents: what they may apply for and see.
pub async fn represented(db: &Database, user_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT o.id FROM organisations o JOIN organisation_representatives r ON r.organisation_id = o.id \
         WHERE r.user_id = $1 AND o.status = 'verified' ORDER BY o.id",
    )
    .bind(user_id)
    .fetch_all(db.reader())
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// An organisation's representatives, legal ones first.
pub async fn representatives(db: &Database, organisation_id: i64) -> Result<Vec<Representative>> {
    let rows = sqlx::query(
        "SELECT r.user_id, u.full_name, u.id_number, r.kind, r.title, r.added_at \
         FROM organisation_representatives r JOIN users u ON u.id = r.user_id \
         WHERE r.organisation_id = $1 ORDER BY CASE r.kind WHEN 'legal' THEN 0 ELSE 1 END, r.added_at, r.user_id",
    )
    .bind(organisation_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Representative {
                user_id: row.try_get("user_id")?,
                full_name: row.try_get("full_name")?,
                id_number: row.try_get("id_number")?,
                kind: closed_word(row, "kind", RepresentativeKind::parse)?,
                title: row.try_get("title")?,
                added_at: row.try_get::<Millis, _>("added_at")?.0,
            })
        })
        .collect()
}

/// Names a person a representative; a conflict (`representative`) when they already are one.
pub async fn add_representative(
    db: &Database,
    organisation_id: i64,
    user_id: i64,
    kind: RepresentativeKind,
    title: Option<&str>,
    added_by: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    insert_representative(&mut tx, organisation_id, user_id, kind, title, Some(added_by), now).await?;
    tx.commit().await
}

/// Removes a representative. The dossiers they filed for the organisation stay the
/// organisation's, but are no longer theirs: they see none of them any more.
pub async fn remove_representative(db: &Database, organisation_id: i64, user_id: i64) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let gone = sqlx::query("DELETE FROM organisation_representatives WHERE organisation_id = $1 AND user_id = $2")
        .bind(organisation_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(StoreError::NotFound);
    }
    sqlx::query(
        "UPDATE dossiers SET applicant_user_id = NULL WHERE applicant_organisation_id = $1 AND applicant_user_id = $2",
    )
    .bind(organisation_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The registrations waiting for an administrator, oldest first.
pub async fn pending(db: &Database) -> Result<Vec<Organisation>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM organisations o WHERE o.status = 'pending' ORDER BY o.created_at, o.id"
    ))
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(organisation_from).collect()
}

/// An administrator's decision on a pending registration: verified, or refused with a reason.
/// Verifying puts into the organisation the dossiers made for its tax code before it had an
/// account (handed over by the national portal, taken at the desk). A registration already
/// decided is a conflict (`status`). How many dossiers it took over.
pub async fn decide(
    db: &Database,
    id: i64,
    verified: bool,
    note: Option<&str>,
    by: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    let status = if verified { OrganisationStatus::Verified } else { OrganisationStatus::Rejected };
    let mut tx = db.write_tx().await?;
    let row: Option<(String,)> =
        sqlx::query_as("SELECT tax_code FROM organisations WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((tax_code,)) = row else {
        let exists: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM organisations WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        return Err(if exists.is_some() { StoreError::Conflict("status".into()) } else { StoreError::NotFound });
    };
    sqlx::query(
        "UPDATE organisations SET status = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(by)
    .bind(Millis(now))
    .bind(note)
    .execute(&mut *tx)
    .await?;
    let claimed = if verified {
        sqlx::query(
            "UPDATE dossiers SET applicant_organisation_id = $1 \
             WHERE applicant_id_number = $2 AND applicant_organisation_id IS NULL AND applicant_user_id IS NULL",
        )
        .bind(id)
        .bind(&tax_code)
        .execute(&mut *tx)
        .await?
        .rows_affected()
    } else {
        0
    };
    tx.commit().await?;
    Ok(claimed)
}
