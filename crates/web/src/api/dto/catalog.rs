//! The catalog as the API shows it: procedures, their forms, documents and time limits.

use motcua_store::catalog::Procedure;
use serde::Serialize;
use utoipa::ToSchema;

use super::*;

/// A field of procedures.
#[derive(Serialize, ToSchema)]
pub struct FieldDto {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A document to attach.
#[derive(Serialize, ToSchema)]
pub struct RequiredDocumentDto {
    /// Part name in submissions.
    pub key: String,
    /// Name.
    pub name: String,
    /// Mandatory.
    pub required: bool,
    /// Original rather than copy.
    pub original: bool,
    /// Copies.
    pub count: u32,
    /// May be taken from the applicant's document store instead of being uploaded again.
    pub reusable: bool,
}

/// A choice of a select field.
#[derive(Serialize, ToSchema)]
pub struct OptionDto {
    /// Value to send.
    pub value: String,
    /// Label.
    pub label: String,
}

/// A form field.
#[derive(Serialize, ToSchema)]
pub struct FormFieldDto {
    /// Answer key.
    pub key: String,
    /// Label.
    pub label: String,
    /// `text`, `textarea`, `number`, `date`, `select`, `checkbox`, `email` or `phone`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Mandatory.
    pub required: bool,
    /// Choices of a select.
    pub options: Vec<OptionDto>,
}

/// A statutory time limit.
#[derive(Serialize, ToSchema)]
pub struct ProcessingDto {
    /// Amount.
    pub amount: u32,
    /// `working_days`, `days`, `half_days`, `hours` or `months`.
    pub unit: String,
}

/// A procedure.
#[derive(Serialize, ToSchema)]
pub struct ProcedureDto {
    /// National code.
    pub code: String,
    /// Name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Field.
    pub field: FieldDto,
    /// Lead agency.
    pub agency: AgencyDto,
    /// `none`, `partial` or `full`.
    pub level: String,
    /// Why not fully online.
    pub level_reason: Option<String>,
    /// The limit in days when counted in days, else null.
    pub processing_days: Option<u32>,
    /// The limit with its unit.
    pub processing: ProcessingDto,
    /// Fee in đồng.
    pub fee_vnd: i64,
    /// Fee notes.
    pub fee_note: Option<String>,
    /// Whether the fee depends on the answers (ask `POST /api/v1/procedures/{code}/fee`).
    pub fee_varies: bool,
    /// When the fee is paid: `before_processing` or `at_return`.
    pub fee_timing: String,
    /// Documents.
    pub required_documents: Vec<RequiredDocumentDto>,
    /// Application form.
    pub form: Vec<FormFieldDto>,
}

impl From<&Procedure> for ProcedureDto {
    fn from(p: &Procedure) -> Self {
        use motcua_domain::calendar::TimeUnit;
        let days = matches!(p.limit.unit, TimeUnit::WorkingDays | TimeUnit::Days).then_some(p.limit.amount);
        Self {
            code: p.code.clone(),
            name: p.name.clone(),
            name_en: p.name_en.clone(),
            field: FieldDto { code: p.field.code.clone(), name: p.field.name.clone() },
            agency: (&p.agency).into(),
            level: p.level.as_str().into(),
            level_reason: p.level_reason.clone(),
            processing_days: days,
            processing: ProcessingDto { amount: p.limit.amount, unit: p.limit.unit.as_str().into() },
            fee_vnd: p.fee_vnd,
            fee_note: p.fee_note.clone(),
            fee_varies: p.fee.depends_on_answers(),
            fee_timing: p.fee.timing.as_str().into(),
            required_documents: p
                .documents
                .iter()
                .map(|d| RequiredDocumentDto {
                    key: d.key.clone(),
                    name: d.name.clone(),
                    required: d.required,
                    original: d.original,
                    count: d.count,
                    reusable: d.reusable,
                })
                .collect(),
            form: p
                .form
                .iter()
                .map(|f| FormFieldDto {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    kind: serde_json::to_value(f.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    required: f.required,
                    options: f
                        .options
                        .iter()
                        .map(|o| OptionDto { value: o.value.clone(), label: o.label.clone() })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// A page of procedures.
#[derive(Serialize, ToSchema)]
pub struct ProcedureList {
    /// This page.
    pub items: Vec<ProcedureDto>,
    /// Matches in all.
    pub total: usize,
}
