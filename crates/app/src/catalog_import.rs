//! Loading the catalog from the national procedure database's export (issue 14): a JSON or XLSX
//! file read by the rules of `domain::catalog_import`, compared with the catalog in force, and
//! written as new procedures and new procedure versions.
//!
//! What an import does, and does not:
//! - a code new to the catalog becomes a procedure (version 1, the default workflow of its lead
//!   agency); a code whose content changed gets a **new version**, so dossiers already received
//!   keep the version they were received under; an unchanged procedure writes nothing;
//! - an entry with problems is **rejected alone**, with every reason, and the others go on; what
//!   is accepted is written in **one transaction**: a database error or a procedure changed
//!   meanwhile writes nothing at all. A file that cannot be read (not JSON nor XLSX, damaged)
//!   imports nothing;
//! - agencies are never created: an unknown lead or participating agency rejects the entry
//!   (an agency has a kind, a parent and a tax code the export does not carry); a field new to
//!   the catalog is created with the export's name (`TenLinhVuc`), and the report lists it;
//! - the workflow is the province's and is not in the export: a new version keeps it, except
//!   that a lead agency's default workflow follows a change of lead agency;
//! - a dry run reads, compares and reports exactly as an import would, and writes nothing.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use motcua_domain::catalog_import::{
    self as rules, Change, FileProblem, ImportedProcedure, Parsed, Problem, ProcedureContent, Rejection, Source,
};
use motcua_domain::dossier::Role;
use motcua_domain::workflow::default_workflow;
use motcua_store::catalog::{self, CatalogImport, Field, ImportedVersion, NewProcedure, Procedure};
use motcua_store::users::User;
use motcua_store::{Database, StoreError};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::catalog::Catalog;
use crate::error::{AppError, ErrorKind};
use crate::i18n::Lang;
use crate::state::AppState;

/// Largest file an import reads: a national export of 2,000 procedures is about 4 MB of JSON.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// A procedure the import creates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Created {
    /// Where it was read.
    pub source: Source,
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
}

/// A procedure the import gives a new version.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Versioned {
    /// Where it was read.
    pub source: Source,
    /// Its code.
    pub code: String,
    /// Its name (the new one).
    pub name: String,
    /// The number of the new version.
    pub version: i64,
    /// What changed, in a fixed order.
    pub changes: Vec<Change>,
}

/// What an import did, or would do (a dry run): every entry of the file lands in one list.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// New procedures.
    pub created: Vec<Created>,
    /// New versions of existing procedures.
    pub versioned: Vec<Versioned>,
    /// Procedures the file leaves as they are: (where, code).
    pub unchanged: Vec<(Source, String)>,
    /// Entries not imported, with every reason.
    pub rejected: Vec<Rejection>,
    /// Fields new to the catalog, created with the procedures: (code, name).
    pub new_fields: Vec<(String, String)>,
}

impl ImportReport {
    /// Whether the import writes anything.
    pub fn writes_anything(&self) -> bool {
        !self.created.is_empty() || !self.versioned.is_empty()
    }
}

/// Why an import did not run.
#[derive(Debug)]
pub enum ImportFailed {
    /// The file could not be read: nothing of it is imported.
    File(FileProblem),
    /// Anything else (not allowed, the catalog changed meanwhile, the database).
    Error(AppError),
}

impl From<AppError> for ImportFailed {
    fn from(e: AppError) -> Self {
        ImportFailed::Error(e)
    }
}

impl From<StoreError> for ImportFailed {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => {
                ImportFailed::Error(AppError::with(ErrorKind::Conflict, "import-changed-meanwhile"))
            }
            other => ImportFailed::Error(other.into()),
        }
    }
}

impl From<ImportFailed> for AppError {
    /// For the API: a file that cannot be read is a validation error of the part `file`.
    fn from(f: ImportFailed) -> Self {
        match f {
            ImportFailed::Error(e) => e,
            ImportFailed::File(p) => AppError::fields([("file".to_string(), p.key().to_string())].into()),
        }
    }
}

/// An administrator imports a catalog file (or, with `dry_run`, sees what it would do). Anyone
/// else is told there is no such thing.
pub async fn import_catalog(
    state: &AppState,
    admin: &User,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, ImportFailed> {
    if !admin.has(Role::Admin) {
        return Err(AppError::not_found().into());
    }
    let report = import_into(&state.db, bytes, dry_run).await?;
    if report.writes_anything() && !dry_run {
        state.reload_catalog().await?;
    }
    Ok(report)
}

/// Reads a file and imports it into the database as it is now: the command line's entry, which
/// trusts its operator; servers running on the database see the change at their next catalog
/// reload (a restart).
pub async fn import_into(db: &Database, bytes: &[u8], dry_run: bool) -> Result<ImportReport, ImportFailed> {
    let parsed = read_file(bytes).map_err(ImportFailed::File)?;
    let catalog = Catalog::load(db).await?;
    let fields = catalog::fields(db).await?;
    let (mut report, plan) = plan(&catalog, &fields, parsed);
    report.dry_run = dry_run;
    if !dry_run && report.writes_anything() {
        catalog::import(db, &plan).await?;
    }
    Ok(report)
}

/// Reads a JSON or XLSX file into entries; which one it is, its first bytes say.
pub fn read_file(bytes: &[u8]) -> Result<Parsed, FileProblem> {
    if bytes.starts_with(b"PK\x03\x04") {
        let (entries, orphans) = xlsx_entries(bytes)?;
        let mut parsed = rules::parse_entries(entries);
        parsed.rejected.extend(orphans);
        return Ok(parsed);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => Ok(rules::parse_entries(rules::json_entries(text)?)),
        _ => Err(FileProblem::UnknownFormat),
    }
}

/// The sheet of procedures: `ThuTuc`, or the first one.
const PROCEDURE_SHEET: &str = "ThuTuc";
/// The sheet of required documents, one row each with its procedure's `MaTTHC`.
const DOCUMENT_SHEET: &str = "ThanhPhanHoSo";

/// Entries of a file, each with where it was read.
type Entries = Vec<(Source, Value)>;
/// A sheet's header names and its rows, each with its row number.
type SheetRows = (Vec<String>, Vec<(usize, Vec<Data>)>);

/// The rows of an XLSX export as the JSON entries they stand for, and the rejections of
/// document rows that name no procedure of the file.
fn xlsx_entries(bytes: &[u8]) -> Result<(Entries, Vec<Rejection>), FileProblem> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| FileProblem::BadWorkbook)?;
    let names = book.sheet_names();
    let main = names.iter().find(|n| n.as_str() == PROCEDURE_SHEET).or(names.first()).cloned();
    let main = main.ok_or(FileProblem::BadWorkbook)?;
    let rows = sheet_rows(&mut book, &main)?;
    let Some((headers, rows)) = rows else { return Err(FileProblem::Empty) };
    for column in ["MaTTHC", "TenTTHC"] {
        if !headers.iter().any(|h| h == column) {
            return Err(FileProblem::MissingColumn(column.into()));
        }
    }
    if rows.is_empty() {
        return Err(FileProblem::Empty);
    }
    if rows.len() > rules::MAX_PROCEDURES {
        return Err(FileProblem::TooMany(rules::MAX_PROCEDURES));
    }
    let mut entries: Entries =
        rows.into_iter().map(|(n, cells)| (Source::Row(n), Value::Object(object(&headers, cells)))).collect();
    let mut orphans = Vec::new();
    if main != DOCUMENT_SHEET && names.iter().any(|n| n == DOCUMENT_SHEET) {
        if let Some((doc_headers, doc_rows)) = sheet_rows(&mut book, DOCUMENT_SHEET)? {
            let mut by_code: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for (i, (_, v)) in entries.iter().enumerate() {
                if let Some(code) = v.get("MaTTHC").and_then(Value::as_str) {
                    by_code.entry(code.trim().to_string()).or_default().push(i);
                }
            }
            for (n, cells) in doc_rows {
                let mut doc = object(&doc_headers, cells);
                let code = doc.remove("MaTTHC").map(|c| match c {
                    Value::String(s) => s.trim().to_string(),
                    other => other.to_string(),
                });
                match code.as_ref().and_then(|c| by_code.get(c)) {
                    Some(targets) => {
                        for &i in targets {
                            let entry = entries[i].1.as_object_mut().expect("rows are objects");
                            let list = entry.entry("ThanhPhanHoSo").or_insert_with(|| Value::Array(vec![]));
                            if let Value::Array(list) = list {
                                list.push(Value::Object(doc.clone()));
                            }
                        }
                    }
                    None => orphans.push(Rejection {
                        source: Source::DocumentRow(n),
                        code: code.clone(),
                        problems: vec![match code {
                            Some(code) => Problem::NoSuchProcedure { code },
                            None => Problem::Missing { field: "MaTTHC" },
                        }],
                    }),
                }
            }
        }
    }
    Ok((entries, orphans))
}

/// A sheet's header names and its non-empty rows, each with its row number as the spreadsheet
/// shows it; `None` for an empty sheet.
fn sheet_rows(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Option<SheetRows>, FileProblem> {
    let range = book.worksheet_range(name).map_err(|_| FileProblem::BadWorkbook)?;
    let Some((first_row, _)) = range.start() else { return Ok(None) };
    let mut rows = range.rows();
    let Some(header) = rows.next() else { return Ok(None) };
    let headers = header.iter().map(|c| cell_text(c).unwrap_or_default()).collect();
    let rows = rows
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, Data::Empty)))
        .map(|(i, cells)| (first_row as usize + i + 2, cells.to_vec()))
        .collect();
    Ok(Some((headers, rows)))
}

fn cell_text(c: &Data) -> Option<String> {
    match c {
        Data::Empty => None,
        Data::String(s) => Some(s.trim().to_string()),
        other => Some(other.to_string()),
    }
}

/// One row as a JSON object, named by its headers; empty cells and unnamed columns left out.
fn object(headers: &[String], cells: Vec<Data>) -> Map<String, Value> {
    let mut o = Map::new();
    for (h, c) in headers.iter().zip(cells) {
        if h.is_empty() {
            continue;
        }
        let v = match c {
            Data::Empty => continue,
            Data::String(s) => Value::String(s),
            Data::Int(i) => Value::from(i),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
            Data::Float(f) => Value::from(f),
            Data::Bool(b) => Value::Bool(b),
            other => Value::String(other.to_string()),
        };
        o.insert(h.clone(), v);
    }
    o
}

/// What a stored version says, in the import's terms.
fn content_of(p: &Procedure) -> ProcedureContent {
    ProcedureContent {
        name: p.name.clone(),
        name_en: p.name_en.clone(),
        field: p.field.code.clone(),
        agency: p.agency.code.clone(),
        participants: p.participants.clone(),
        level: p.level,
        level_reason: p.level_reason.clone(),
        limit: p.limit,
        fee_vnd: p.fee_vnd,
        fee_note: p.fee_note.clone(),
        result_kind: p.result_kind,
        documents: p.documents.clone(),
        form: p.form.clone(),
        details: p.details.clone(),
    }
}

fn new_procedure(code: &str, c: ProcedureContent, local_code: Option<String>) -> NewProcedure {
    NewProcedure {
        code: code.to_string(),
        local_code,
        name: c.name,
        name_en: c.name_en,
        field: c.field,
        agency: c.agency.clone(),
        participants: c.participants,
        level: c.level,
        level_reason: c.level_reason,
        limit: c.limit,
        fee_vnd: c.fee_vnd,
        fee_note: c.fee_note,
        fee_schedule: None,
        result_kind: c.result_kind,
        documents: c.documents,
        form: c.form,
        details: c.details,
        workflow: default_workflow(&c.agency),
    }
}

/// Compares the file's procedures with the catalog: the report, and what to write.
pub fn plan(catalog: &Catalog, fields: &[Field], parsed: Parsed) -> (ImportReport, CatalogImport) {
    let mut report = ImportReport { rejected: parsed.rejected, ..ImportReport::default() };
    let mut write = CatalogImport::default();
    let known_fields: BTreeMap<&str, &str> = fields.iter().map(|f| (f.code.as_str(), f.name.as_str())).collect();
    let mut new_fields: BTreeMap<String, String> = BTreeMap::new();
    for (source, p) in parsed.procedures {
        let ImportedProcedure { code, field_name, content, .. } = &p;
        let mut problems = Vec::new();
        if !catalog.agencies.contains_key(&content.agency) {
            problems.push(Problem::UnknownAgency { agency: content.agency.clone() });
        }
        for a in content.participants.iter().filter(|a| !catalog.agencies.contains_key(*a)) {
            problems.push(Problem::UnknownParticipant { agency: a.clone() });
        }
        let mut field_to_create = None;
        if !known_fields.contains_key(content.field.as_str()) {
            match (field_name, new_fields.get(&content.field)) {
                (None, None) => problems.push(Problem::NewFieldWithoutName { field: content.field.clone() }),
                (Some(name), Some(taken)) if name != taken => {
                    problems.push(Problem::FieldNameConflict { field: content.field.clone() })
                }
                (Some(name), None) => field_to_create = Some(name.clone()),
                _ => {}
            }
        }
        let current = catalog.get(code);
        let mut next = None;
        if let Some(current) = current {
            let now = content_of(current);
            let merged = rules::merged(&now, &p);
            let changes = rules::changes(&now, &merged);
            if !changes.is_empty() {
                match rules::fee_for(&current.fee, &merged) {
                    Some(fee) => next = Some((merged, changes, fee)),
                    None => problems.push(Problem::FeeRulesBroken),
                }
            } else if problems.is_empty() {
                report.unchanged.push((source, code.clone()));
                continue;
            }
        }
        if !problems.is_empty() {
            report.rejected.push(Rejection { source, code: Some(code.clone()), problems });
            continue;
        }
        if let Some(name) = field_to_create {
            new_fields.insert(content.field.clone(), name.clone());
            report.new_fields.push((content.field.clone(), name.clone()));
            write.fields.push(Field { code: content.field.clone(), name, name_en: None });
        }
        match (current, next) {
            (Some(current), Some((merged, changes, fee))) => {
                let workflow = if merged.agency != current.agency.code
                    && current.workflow == default_workflow(&current.agency.code)
                {
                    default_workflow(&merged.agency)
                } else {
                    current.workflow.clone()
                };
                report.versioned.push(Versioned {
                    source,
                    code: code.clone(),
                    name: merged.name.clone(),
                    version: current.version + 1,
                    changes,
                });
                let mut procedure = new_procedure(code, merged, current.local_code.clone());
                procedure.fee_schedule = Some(fee);
                procedure.workflow = workflow;
                write.versions.push(ImportedVersion { expected_version: current.version, procedure });
            }
            _ => {
                report.created.push(Created { source, code: code.clone(), name: content.name.clone() });
                write.procedures.push(new_procedure(code, content.clone(), None));
            }
        }
    }
    report.rejected.sort_by_key(|r| r.source);
    (report, write)
}

/// Where an entry was read, in the reader's language ("dòng 4", "thủ tục thứ 3", …).
pub fn source_text(lang: Lang, source: Source) -> String {
    let (key, n) = match source {
        Source::Entry(n) => ("import-source-entry", n),
        Source::Row(n) => ("import-source-row", n),
        Source::DocumentRow(n) => ("import-source-document-row", n),
    };
    lang.t_args(key, &[("n", &n.to_string())])
}

/// One reason for a rejection, in the reader's language.
pub fn problem_text(lang: Lang, problem: &Problem) -> String {
    let args: Vec<(&str, String)> = match problem {
        Problem::DuplicateCode { other } => vec![("other", source_text(lang, *other))],
        other => other.args(),
    };
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    lang.t_args(problem.key(), &args)
}

/// Why a file could not be read, in the reader's language.
pub fn file_problem_text(lang: Lang, problem: &FileProblem) -> String {
    let args = problem.args();
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    lang.t_args(problem.key(), &args)
}

/// What changed, in the reader's language, joined with commas.
pub fn changes_text(lang: Lang, changes: &[Change]) -> String {
    changes.iter().map(|c| lang.t(&format!("import-change-{}", c.as_str()))).collect::<Vec<_>>().join(", ")
}

/// The report as lines of text, for the command line: a summary first, then one line per
/// entry that is created, versioned or rejected (unchanged ones are only counted).
pub fn report_lines(lang: Lang, r: &ImportReport) -> Vec<String> {
    let count = |n: usize| n.to_string();
    let mut out = vec![lang.t_args(
        if r.dry_run { "import-summary-dry-run" } else { "import-summary" },
        &[
            ("created", &count(r.created.len())),
            ("versioned", &count(r.versioned.len())),
            ("unchanged", &count(r.unchanged.len())),
            ("rejected", &count(r.rejected.len())),
        ],
    )];
    for (code, name) in &r.new_fields {
        out.push(lang.t_args("import-line-new-field", &[("code", code), ("name", name)]));
    }
    for c in &r.created {
        out.push(lang.t_args(
            "import-line-created",
            &[("source", &source_text(lang, c.source)), ("code", &c.code), ("name", &c.name)],
        ));
    }
    for v in &r.versioned {
        out.push(lang.t_args(
            "import-line-versioned",
            &[
                ("source", &source_text(lang, v.source)),
                ("code", &v.code),
                ("version", &v.version.to_string()),
                ("changes", &changes_text(lang, &v.changes)),
            ],
        ));
    }
    for rej in &r.rejected {
        let reasons: Vec<String> = rej.problems.iter().map(|p| problem_text(lang, p)).collect();
        out.push(lang.t_args(
            "import-line-rejected",
            &[
                ("source", &source_text(lang, rej.source)),
                ("code", rej.code.as_deref().unwrap_or("—")),
                ("reasons", &reasons.join("; ")),
            ],
        ));
    }
    out
}

#[cfg(test)]
mod tests;
