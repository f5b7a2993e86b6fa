//! The catalog: agencies, fields and versioned procedures.

use motcua_domain::calendar::{CountingRule, TimeLimit, TimeUnit};
use motcua_domain::catalog::{AgencyKind, OnlineLevel, ResultKind};
pub use motcua_domain::catalog::{ProcedureDetails, Text, WayOfApplying};
use motcua_domain::dossier::Step;
use motcua_domain::fee::FeeSchedule;
use motcua_domain::form::{FormField, RequiredDocument};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::types::{closed_word, Millis};

/// An agency (cơ quan): a department (Sở), the service centre, a commune.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Organisation e-ID, e.g. `000.00.12.H38`.
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// The parent agency.
    pub parent_code: Option<String>,
    /// What kind of agency it is.
    pub kind: AgencyKind,
    /// The body it answers to when that is not its parent (Công an tỉnh: Bộ Công an).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governing_body: Option<String>,
    /// Mã số thuế — its tax code, printed on the receipts of the fees it collects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code: Option<String>,
    /// Chữ viết tắt — its short name in document symbols when usage differs from the initials
    /// of its name (Công an tỉnh: `CAT`); see [`Agency::symbol_name`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbreviation: Option<String>,
    /// What the portal publishes about it: the area it governs, where and when the public
    /// reaches it (the service centre's is in every page's footer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Box<AgencyInfo>>,
}

/// What the portal publishes about an agency. Every part is optional: a page shows what is
/// known and leaves out the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgencyInfo {
    /// Địa bàn — the area it governs, as it is named within a sentence ("tỉnh Lào Cai"): the
    /// province's portal is named after its people's committee's area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<Text>,
    /// Where the public is received (địa chỉ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Text>,
    /// The hotline (đường dây nóng), as dialled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hotline: Option<String>,
    /// The public e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Opening hours (giờ làm việc), in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Text>,
}

impl Agency {
    /// The issuing body's short name in the symbols of its documents: the one set for it, else
    /// the initials of its name (`motcua_domain::office::abbreviation`).
    pub fn symbol_name(&self) -> String {
        self.abbreviation.clone().unwrap_or_else(|| motcua_domain::office::abbreviation(&self.name))
    }

    /// The service centre's desk receives dossiers for every agency.
    pub fn is_service_centre(&self) -> bool {
        self.kind == AgencyKind::ServiceCentre
    }
}

/// A field of procedures (lĩnh vực).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Code, e.g. `G03-GD10`.
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
}

/// A procedure (thủ tục hành chính) in one of its versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Procedure {
    /// Row id of the procedure.
    pub id: i64,
    /// Row id of this version; dossiers keep it.
    pub version_id: i64,
    /// Version number, from 1.
    pub version: i64,
    /// National code, e.g. `1.001193`.
    pub code: String,
    /// Local suffix, if any.
    pub local_code: Option<String>,
    /// Vietnamese name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Field.
    pub field: Field,
    /// Lead agency.
    pub agency: Agency,
    /// Participating agencies' codes (cơ quan phối hợp), as the catalog publishes them.
    #[serde(default)]
    pub participants: Vec<String>,
    /// How far it is offered online.
    pub level: OnlineLevel,
    /// Published reason when not fully online.
    pub level_reason: Option<String>,
    /// Statutory processing time.
    pub limit: TimeLimit,
    /// Fee in đồng.
    pub fee_vnd: i64,
    /// Notes on the fee.
    pub fee_note: Option<String>,
    /// How the fee is computed and when it is paid (a fixed `fee_vnd` before processing
    /// unless the version carries a schedule of its own).
    pub fee: FeeSchedule,
    /// In what form the result is issued.
    pub result_kind: ResultKind,
    /// Documents to attach.
    pub documents: Vec<RequiredDocument>,
    /// The application form.
    pub form: Vec<FormField>,
    /// The workflow steps.
    pub workflow: Vec<Step>,
    /// What the catalogue publishes besides.
    #[serde(default)]
    pub details: ProcedureDetails,
}

/// A procedure to create (demo data, imports).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewProcedure {
    /// National code.
    pub code: String,
    /// Local suffix.
    pub local_code: Option<String>,
    /// Vietnamese name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Field code.
    pub field: String,
    /// Lead agency code.
    pub agency: String,
    /// Participating agencies' codes.
    #[serde(default)]
    pub participants: Vec<String>,
    /// How far it is offered online.
    pub level: OnlineLevel,
    /// Reason when not full.
    pub level_reason: Option<String>,
    /// Processing time.
    pub limit: TimeLimit,
    /// Fee.
    pub fee_vnd: i64,
    /// Fee notes.
    pub fee_note: Option<String>,
    /// A fee computed from the answers, or paid at the hand-over; `fee_vnd` before processing
    /// when absent.
    pub fee_schedule: Option<FeeSchedule>,
    /// In what form the result is issued.
    pub result_kind: ResultKind,
    /// Documents.
    pub documents: Vec<RequiredDocument>,
    /// Form.
    pub form: Vec<FormField>,
    /// Workflow.
    pub workflow: Vec<Step>,
    /// What the catalogue publishes besides.
    #[serde(default)]
    pub details: ProcedureDetails,
}

fn agency_from(row: &AnyRow, prefix: &str) -> Result<Agency> {
    Ok(Agency {
        code: row.try_get(format!("{prefix}code").as_str())?,
        name: row.try_get(format!("{prefix}name").as_str())?,
        name_en: row.try_get(format!("{prefix}name_en").as_str())?,
        parent_code: row.try_get(format!("{prefix}parent_code").as_str())?,
        kind: closed_word(row, &format!("{prefix}kind"), AgencyKind::parse)?,
        governing_body: row.try_get(format!("{prefix}governing_body").as_str())?,
        tax_code: row.try_get(format!("{prefix}tax_code").as_str())?,
        abbreviation: row.try_get(format!("{prefix}abbreviation").as_str())?,
        info: match row.try_get::<Option<String>, _>(format!("{prefix}public_info").as_str())? {
            Some(json) => Some(serde_json::from_str(&json)?),
            None => None,
        },
    })
}

/// Adds an agency, in the caller's transaction (parents before children).
pub async fn insert_agency(tx: &mut WriteTx<'_>, a: &Agency) -> Result<()> {
    sqlx::query(
        "INSERT INTO agencies (code, name, name_en, parent_code, kind, governing_body, tax_code, abbreviation, \
         public_info) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&a.code)
    .bind(&a.name)
    .bind(&a.name_en)
    .bind(&a.parent_code)
    .bind(a.kind.as_str())
    .bind(&a.governing_body)
    .bind(&a.tax_code)
    .bind(&a.abbreviation)
    .bind(a.info.as_ref().map(serde_json::to_string).transpose()?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Sets an agency's short name in symbols, or clears it (`None`: the initials of its name).
/// Whether the text may be one is the caller's check (`motcua_domain::office::is_abbreviation`).
pub async fn set_abbreviation(db: &Database, code: &str, abbreviation: Option<&str>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query("UPDATE agencies SET abbreviation = $1 WHERE code = $2")
        .bind(abbreviation)
        .bind(code)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    crate::cache_versions::bump(&mut tx, crate::cache_versions::CATALOG).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets what the portal publishes about an agency, or clears it.
pub async fn set_info(db: &Database, code: &str, info: Option<&AgencyInfo>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query("UPDATE agencies SET public_info = $1 WHERE code = $2")
        .bind(info.map(serde_json::to_string).transpose()?)
        .bind(code)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    crate::cache_versions::bump(&mut tx, crate::cache_versions::CATALOG).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a field, in the caller's transaction.
pub async fn insert_field(tx: &mut WriteTx<'_>, f: &Field) -> Result<()> {
    sqlx::query("INSERT INTO fields (code, name, name_en) VALUES ($1, $2, $3)")
        .bind(&f.code)
        .bind(&f.name)
        .bind(&f.name_en)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Every agency, by code.
pub async fn agencies(db: &Database) -> Result<Vec<Agency>> {
    let rows = sqlx::query(
        "SELECT code, name, name_en, parent_code, kind, governing_body, tax_code, abbreviation, \
         public_info FROM agencies ORDER BY code",
    )
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(|r| agency_from(r, "")).collect()
}

/// One agency.
pub async fn agency(db: &Database, code: &str) -> Result<Agency> {
    let row = sqlx::query(
        "SELECT code, name, name_en, parent_code, kind, governing_body, tax_code, abbreviation, \
         public_info FROM agencies WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(db.reader())
    .await?
    .ok_or(StoreError::NotFound)?;
    agency_from(&row, "")
}

/// The counting-rule parameters of an agency (office hours, cut-off), or the default.
pub async fn counting_rule(db: &Database, agency_code: &str) -> Result<CountingRule> {
    let raw: Option<(Option<String>,)> = sqlx::query_as("SELECT counting_rule FROM agencies WHERE code = $1")
        .bind(agency_code)
        .fetch_optional(db.reader())
        .await?;
    match raw.and_then(|(r,)| r) {
        Some(json) => Ok(serde_json::from_str(&json)?),
        None => Ok(CountingRule::default()),
    }
}

/// Every agency's counting rule, by code (agencies without one of their own use the default).
pub async fn counting_rules(db: &Database) -> Result<std::collections::HashMap<String, CountingRule>> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT code, counting_rule FROM agencies WHERE counting_rule IS NOT NULL")
            .fetch_all(db.reader())
            .await?;
    rows.into_iter()
        .filter_map(|(code, raw)| raw.map(|r| (code, r)))
        .map(|(code, raw)| Ok((code, serde_json::from_str(&raw)?)))
        .collect()
}

/// Every field, by code.
pub async fn fields(db: &Database) -> Result<Vec<Field>> {
    let rows: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT code, name, name_en FROM fields ORDER BY code").fetch_all(db.reader()).await?;
    Ok(rows.into_iter().map(|(code, name, name_en)| Field { code, name, name_en }).collect())
}

const PROCEDURE_SELECT: &str = "SELECT p.id, v.id AS version_id, v.version, p.code, p.local_code, v.name, v.name_en, \
     f.code AS f_code, f.name AS f_name, f.name_en AS f_name_en, \
     a.code AS a_code, a.name AS a_name, a.name_en AS a_name_en, a.parent_code AS a_parent_code, a.kind AS a_kind, a.governing_body AS a_governing_body, \
     a.tax_code AS a_tax_code, a.abbreviation AS a_abbreviation, a.public_info AS a_public_info, \
     v.level, v.level_reason, v.time_amount, v.time_unit, v.fee_vnd, v.fee_note, v.fee_schedule, v.result_kind, \
     v.documents, v.form, v.workflow, v.participating_agencies, v.details \
     FROM procedure_versions v \
     JOIN procedures p ON p.id = v.procedure_id \
     JOIN fields f ON f.code = COALESCE(v.field_code, p.field_code) \
     JOIN agencies a ON a.code = COALESCE(v.agency_code, p.agency_code)";

fn procedure_from(row: &AnyRow) -> Result<Procedure> {
    let unit: String = row.try_get("time_unit")?;
    let amount: i64 = row.try_get("time_amount")?;
    Ok(Procedure {
        id: row.try_get("id")?,
        version_id: row.try_get("version_id")?,
        version: row.try_get("version")?,
        code: row.try_get("code")?,
        local_code: row.try_get("local_code")?,
        name: row.try_get("name")?,
        name_en: row.try_get("name_en")?,
        field: Field { code: row.try_get("f_code")?, name: row.try_get("f_name")?, name_en: row.try_get("f_name_en")? },
        agency: agency_from(row, "a_")?,
        participants: match row.try_get::<Option<String>, _>("participating_agencies")? {
            Some(json) => serde_json::from_str(&json)?,
            None => Vec::new(),
        },
        level: closed_word(row, "level", OnlineLevel::parse)?,
        level_reason: row.try_get("level_reason")?,
        limit: TimeLimit {
            amount: u32::try_from(amount).map_err(|_| StoreError::Corrupt("time limit".into()))?,
            unit: TimeUnit::parse(&unit).ok_or_else(|| StoreError::Corrupt(format!("time unit {unit}")))?,
        },
        fee_vnd: row.try_get("fee_vnd")?,
        fee_note: row.try_get("fee_note")?,
        fee: match row.try_get::<Option<String>, _>("fee_schedule")? {
            Some(json) => serde_json::from_str(&json)?,
            None => FeeSchedule::fixed(row.try_get("fee_vnd")?),
        },
        result_kind: closed_word(row, "result_kind", ResultKind::parse)?,
        documents: serde_json::from_str(&row.try_get::<String, _>("documents")?)?,
        form: serde_json::from_str(&row.try_get::<String, _>("form")?)?,
        workflow: motcua_domain::workflow::with_keys(serde_json::from_str(&row.try_get::<String, _>("workflow")?)?),
        details: match row.try_get::<Option<String>, _>("details")? {
            Some(json) => serde_json::from_str(&json)?,
            None => ProcedureDetails::default(),
        },
    })
}

/// The current version of every procedure, ordered by code: the whole catalog, small enough to
/// keep in memory for search (a province has about 2,000 procedures).
pub async fn current_procedures(db: &Database) -> Result<Vec<Procedure>> {
    let sql = format!("{PROCEDURE_SELECT} WHERE v.version = p.current_version ORDER BY p.code");
    let rows = sqlx::query(&sql).fetch_all(db.reader()).await?;
    rows.iter().map(procedure_from).collect()
}

/// The current version of one procedure.
pub async fn procedure_by_code(db: &Database, code: &str) -> Result<Procedure> {
    let sql = format!("{PROCEDURE_SELECT} WHERE v.version = p.current_version AND p.code = $1");
    let row = sqlx::query(&sql).bind(code).fetch_optional(db.reader()).await?.ok_or(StoreError::NotFound)?;
    procedure_from(&row)
}

/// One version of a procedure, as a dossier keeps it.
pub async fn procedure_version(db: &Database, version_id: i64) -> Result<Procedure> {
    let sql = format!("{PROCEDURE_SELECT} WHERE v.id = $1");
    let row = sqlx::query(&sql).bind(version_id).fetch_optional(db.reader()).await?.ok_or(StoreError::NotFound)?;
    procedure_from(&row)
}

/// Adds a procedure with its first version.
pub async fn insert_procedure(db: &Database, p: &NewProcedure) -> Result<i64> {
    let mut tx = db.write_tx().await?;
    let id = insert_procedure_in(&mut tx, p).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a procedure with its first version, in the caller's transaction.
async fn insert_procedure_in(tx: &mut WriteTx<'_>, p: &NewProcedure) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO procedures (code, local_code, field_code, agency_code, current_version) VALUES ($1, $2, $3, $4, 1) RETURNING id",
    )
    .bind(&p.code)
    .bind(&p.local_code)
    .bind(&p.field)
    .bind(&p.agency)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict(format!("procedure {} exists", p.code))
        } else {
            e.into()
        }
    })?;
    insert_version_in(tx, id, 1, p).await?;
    Ok(id)
}

/// Writes version `version` of procedure `procedure_id` whole, in the caller's transaction.
async fn insert_version_in(tx: &mut WriteTx<'_>, procedure_id: i64, version: i64, p: &NewProcedure) -> Result<()> {
    sqlx::query(
        "INSERT INTO procedure_versions (procedure_id, version, name, name_en, level, level_reason, time_amount, time_unit, \
         fee_vnd, fee_note, result_kind, documents, form, workflow, created_at, fee_schedule, field_code, agency_code, \
         participating_agencies, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(procedure_id)
    .bind(version)
    .bind(&p.name)
    .bind(&p.name_en)
    .bind(p.level.as_str())
    .bind(&p.level_reason)
    .bind(i64::from(p.limit.amount))
    .bind(p.limit.unit.as_str())
    .bind(p.fee_vnd)
    .bind(&p.fee_note)
    .bind(p.result_kind.as_str())
    .bind(serde_json::to_string(&p.documents)?)
    .bind(serde_json::to_string(&p.form)?)
    .bind(serde_json::to_string(&p.workflow)?)
    .bind(Millis(chrono::Utc::now()))
    .bind(p.fee_schedule.as_ref().map(serde_json::to_string).transpose()?)
    .bind(&p.field)
    .bind(&p.agency)
    .bind((!p.participants.is_empty()).then(|| serde_json::to_string(&p.participants)).transpose()?)
    .bind((p.details != ProcedureDetails::default()).then(|| serde_json::to_string(&p.details)).transpose()?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// What a new procedure version changes; the rest is copied from the current version.
#[derive(Clone, Copy, Debug, Default)]
pub struct VersionChange<'a> {
    /// New workflow steps.
    pub workflow: Option<&'a [Step]>,
    /// A new fee schedule (its base amount becomes the version's `fee_vnd`).
    pub fee: Option<&'a FeeSchedule>,
}

/// Puts a new version of a procedure in force, copying the current one with the change, so
/// dossiers already received keep the version they were received under. The caller validated
/// the change; `expected_version` guards against two administrators saving at once.
pub async fn new_version(
    db: &Database,
    code: &str,
    expected_version: i64,
    change: VersionChange<'_>,
) -> Result<Procedure> {
    let mut tx = db.write_tx().await?;
    let bumped = sqlx::query(
        "UPDATE procedures SET current_version = current_version + 1 WHERE code = $1 AND current_version = $2",
    )
    .bind(code)
    .bind(expected_version)
    .execute(&mut *tx)
    .await?;
    if bumped.rows_affected() != 1 {
        return Err(StoreError::Conflict(format!("procedure {code} changed meanwhile")));
    }
    sqlx::query(
        "INSERT INTO procedure_versions (procedure_id, version, name, name_en, level, level_reason, time_amount, time_unit, \
         fee_vnd, fee_note, result_kind, documents, form, workflow, created_at, fee_schedule, field_code, agency_code, \
         participating_agencies, details) \
         SELECT v.procedure_id, v.version + 1, v.name, v.name_en, v.level, v.level_reason, v.time_amount, v.time_unit, \
         COALESCE($5, v.fee_vnd), v.fee_note, v.result_kind, v.documents, v.form, COALESCE($3, v.workflow), $4, \
         COALESCE($6, v.fee_schedule), v.field_code, v.agency_code, v.participating_agencies, v.details \
         FROM procedure_versions v JOIN procedures p ON p.id = v.procedure_id \
         WHERE p.code = $1 AND v.version = $2",
    )
    .bind(code)
    .bind(expected_version)
    .bind(change.workflow.map(serde_json::to_string).transpose()?)
    .bind(Millis(chrono::Utc::now()))
    .bind(change.fee.map(|f| f.base_vnd))
    .bind(change.fee.map(serde_json::to_string).transpose()?)
    .execute(&mut *tx)
    .await?;
    crate::cache_versions::bump(&mut tx, crate::cache_versions::CATALOG).await?;
    tx.commit().await?;
    procedure_by_code(db, code).await
}

/// A version an import puts in force: the whole content, not a change of the current one.
#[derive(Clone, Debug)]
pub struct ImportedVersion {
    /// The version the import compared with; the write is refused if another is in force now.
    pub expected_version: i64,
    /// The new version's content (its `code` names the procedure; `local_code` is not changed).
    pub procedure: NewProcedure,
}

/// What one catalog import writes.
#[derive(Clone, Debug, Default)]
pub struct CatalogImport {
    /// Fields new to the catalog.
    pub fields: Vec<Field>,
    /// New procedures.
    pub procedures: Vec<NewProcedure>,
    /// New versions of existing procedures.
    pub versions: Vec<ImportedVersion>,
}

/// Writes a catalog import in one transaction: every field, procedure and version, or nothing
/// (a procedure created or changed meanwhile by someone else is a conflict, and nothing is
/// written). Dossiers keep the version they were received under: versions are only added.
pub async fn import(db: &Database, plan: &CatalogImport) -> Result<()> {
    let mut tx = db.write_tx().await?;
    for f in &plan.fields {
        insert_field(&mut tx, f).await.map_err(|e| match e {
            StoreError::Database(ref d) if StoreError::is_unique_violation(d) => {
                StoreError::Conflict(format!("field {} exists", f.code))
            }
            other => other,
        })?;
    }
    for p in &plan.procedures {
        insert_procedure_in(&mut tx, p).await?;
    }
    for v in &plan.versions {
        let p = &v.procedure;
        let bumped: Option<(i64,)> = sqlx::query_as(
            "UPDATE procedures SET current_version = current_version + 1, field_code = $3, agency_code = $4 \
             WHERE code = $1 AND current_version = $2 RETURNING id",
        )
        .bind(&p.code)
        .bind(v.expected_version)
        .bind(&p.field)
        .bind(&p.agency)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id,)) = bumped else {
            return Err(StoreError::Conflict(format!("procedure {} changed meanwhile", p.code)));
        };
        insert_version_in(&mut tx, id, v.expected_version + 1, p).await?;
    }
    crate::cache_versions::bump(&mut tx, crate::cache_versions::CATALOG).await?;
    tx.commit().await?;
    Ok(())
}
