//! Reading a catalog export of the national procedure database (Cơ sở dữ liệu quốc gia về thủ
//! tục hành chính) and comparing each procedure with the one in force, so that a province loads
//! its ~2,000 procedures instead of typing them.
//!
//! # The file
//!
//! JSON, UTF-8: an object whose `DanhSachTTHC` (list of procedures) holds one object per
//! procedure, or that list alone. Field names are the national database's:
//!
//! ```json
//! {"DanhSachTTHC": [{
//!   "MaTTHC": "1.001193",                   // national code, required, text
//!   "TenTTHC": "Đăng ký khai sinh",         // name, required
//!   "MaLinhVuc": "G09-TP01",                // field code, required
//!   "TenLinhVuc": "Hộ tịch",                // field name: required when the field is new
//!   "CoQuanThucHien": "000.00.51.H38",      // lead agency code, required, must exist
//!   "CoQuanPhoiHop": ["000.00.12.H38"],     // participating agencies (or "a, b"), must exist
//!   "MucDo": "Toàn trình",                  // none | partial | full, or Một phần / Toàn trình /
//!                                           //   Không (trực tuyến), or the old levels 2, 3, 4
//!   "LyDoMucDo": "…",                       // published reason when not full (optional)
//!   "ThoiHanGiaiQuyet": 5,                  // processing time, a whole number from 1
//!   "DonViThoiGian": "Ngày làm việc",       // Ngày làm việc (default) | Ngày | Giờ | Buổi |
//!                                           //   Tháng, or working_days, days, hours, half_days, months
//!   "PhiLePhi": 50000,                      // fee in đồng (0 or absent: none; "50.000 đồng" too)
//!   "MoTaPhiLePhi": "…",                    // notes on the fee (optional)
//!   "KetQua": "Điện tử",                    // result: Giấy (paper, default) | Điện tử (electronic)
//!   "ThanhPhanHoSo": [{                     // required documents
//!     "MaGiayTo": "to_khai",                // key (optional: made from the name)
//!     "TenGiayTo": "Tờ khai …",             // name, required
//!     "BatBuoc": true,                      // required (default true; Có/Không, x, 1/0 too)
//!     "LoaiBan": "Bản chính",               // Bản chính (original) | Bản sao (copy, default)
//!     "SoLuong": 1                          // copies, from 1 (default 1)
//!   }],
//!   "BieuMau": [ … ],                       // optional: the application form, as motcua's
//!                                           //   form fields (`key`, `label`, `type`, `required`,
//!                                           //   `options`); absent: the form in force is kept
//!   "TrinhTuThucHien": ["Bước 1: …", "…"],  // the catalogue entry's description, each optional:
//!   "CachThucThucHien": [{"HinhThuc": "Trực tuyến", "MoTa": "…"}],   // steps, ways of applying
//!   "DoiTuongThucHien": "Cá nhân",          //   (Trực tiếp | Trực tuyến | Dịch vụ bưu chính),
//!   "KetQuaThucHien": "Giấy khai sinh",     //   who may apply, the result, conditions, legal
//!   "YeuCauDieuKien": ["…"],                //   basis and the forms' names; a list is a JSON
//!   "CanCuPhapLy": ["Luật Hộ tịch …"],      //   list of texts or one text with an item per
//!   "MauDonToKhai": ["Tờ khai …"]           //   line; none given: the description is kept
//! }]}
//! ```
//!
//! The XLSX file carries the same names as column headers: sheet `ThuTuc` (or the first sheet)
//! one row per procedure (`CoQuanPhoiHop` separated by commas), sheet `ThanhPhanHoSo` one row per
//! document with the procedure's `MaTTHC`. The application layer turns its rows into the same
//! JSON values, so one set of rules reads both.
//!
//! Every problem of an entry is reported at once, typed ([`Problem`]); the edges word them in the
//! reader's language. What the file says replaces what is in force, except what the export does
//! not carry: English names, whether a document may be reused, the fee's rules computed from the
//! answers and its timing, the workflow. The description (steps to legal basis) is replaced whole
//! when the entry gives any part of it; the English of a text whose Vietnamese is unchanged is
//! kept.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::calendar::{TimeLimit, TimeUnit};
use crate::catalog::{OnlineLevel, ProcedureDetails, ResultKind, Text, Way, WayOfApplying};
use crate::fee::FeeSchedule;
use crate::form::{FormField, RequiredDocument};
use crate::text::fold;

/// Where an entry was read: its position in the JSON list, or its row in a sheet (numbered as
/// the spreadsheet shows them, the header being row 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "n", rename_all = "snake_case")]
pub enum Source {
    /// The n-th procedure of the JSON list, from 1.
    Entry(usize),
    /// Row n of the procedures' sheet.
    Row(usize),
    /// Row n of the documents' sheet.
    DocumentRow(usize),
}

/// Why a file could not be read at all: nothing of it is imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum FileProblem {
    /// Neither JSON nor XLSX.
    UnknownFormat,
    /// Not valid JSON (UTF-8): the line where reading stopped.
    BadJson(usize),
    /// JSON, but neither a list nor an object with `DanhSachTTHC`.
    NoList,
    /// No procedure in the file.
    Empty,
    /// An XLSX file that does not open (damaged, encrypted, not a workbook).
    BadWorkbook,
    /// The procedures' sheet lacks a required column.
    MissingColumn(String),
    /// More procedures than one import takes.
    TooMany(usize),
}

impl FileProblem {
    /// The message key (`import-file-…`).
    pub fn key(&self) -> &'static str {
        match self {
            FileProblem::UnknownFormat => "import-file-unknown-format",
            FileProblem::BadJson(_) => "import-file-bad-json",
            FileProblem::NoList => "import-file-no-list",
            FileProblem::Empty => "import-file-empty",
            FileProblem::BadWorkbook => "import-file-bad-workbook",
            FileProblem::MissingColumn(_) => "import-file-missing-column",
            FileProblem::TooMany(_) => "import-file-too-many",
        }
    }

    /// The message's arguments.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            FileProblem::BadJson(line) => vec![("line", line.to_string())],
            FileProblem::MissingColumn(c) => vec![("column", c.clone())],
            FileProblem::TooMany(n) => vec![("max", n.to_string())],
            _ => vec![],
        }
    }
}

/// Most procedures one file may hold: a province has about 2,000; a file ten times larger is a
/// mistake, not a catalog.
pub const MAX_PROCEDURES: usize = 20_000;

/// Why one procedure of the file is rejected. Each names the national database's field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The entry is not an object of fields.
    NotAnObject,
    /// A required field is missing or blank.
    Missing {
        /// The field's name in the file (`MaTTHC`, …).
        field: &'static str,
    },
    /// A field holds a value of the wrong kind or outside its set.
    Invalid {
        /// The field's name in the file.
        field: &'static str,
        /// The value as written (cut to 60 characters).
        value: String,
    },
    /// The code is a number, not text: a spreadsheet may have dropped its trailing zeros.
    CodeNotText {
        /// The number as read.
        value: String,
    },
    /// The processing time is zero or negative.
    TimeNotPositive {
        /// The amount as written.
        value: String,
    },
    /// The fee is negative.
    NegativeFee {
        /// The amount as written.
        value: String,
    },
    /// A required document is malformed.
    Document {
        /// Its position in the procedure's list, from 1.
        index: usize,
        /// Which of its fields.
        field: &'static str,
    },
    /// Two documents of the procedure have the same key.
    DuplicateDocument {
        /// The key.
        key: String,
    },
    /// The application form is not in motcua's form format.
    BadForm,
    /// The same code appears more than once in the file: every occurrence is rejected.
    DuplicateCode {
        /// Where else it appears.
        other: Source,
    },
    /// The lead agency is not in the catalog (agencies are not created by an import).
    UnknownAgency {
        /// Its code.
        agency: String,
    },
    /// A participating agency is not in the catalog.
    UnknownParticipant {
        /// Its code.
        agency: String,
    },
    /// A field new to the catalog without its name (`TenLinhVuc`).
    NewFieldWithoutName {
        /// Its code.
        field: String,
    },
    /// A field code given twice in the file with different names.
    FieldNameConflict {
        /// Its code.
        field: String,
    },
    /// The fee's rules computed from the answers name form fields the new form lacks.
    FeeRulesBroken,
    /// A document row of the XLSX file names a procedure its procedures' sheet does not have.
    NoSuchProcedure {
        /// The code it names.
        code: String,
    },
}

impl Problem {
    /// The message key (`import-problem-…`).
    pub fn key(&self) -> &'static str {
        match self {
            Problem::NotAnObject => "import-problem-not-an-object",
            Problem::Missing { .. } => "import-problem-missing",
            Problem::Invalid { .. } => "import-problem-invalid",
            Problem::CodeNotText { .. } => "import-problem-code-not-text",
            Problem::TimeNotPositive { .. } => "import-problem-time-not-positive",
            Problem::NegativeFee { .. } => "import-problem-negative-fee",
            Problem::Document { .. } => "import-problem-document",
            Problem::DuplicateDocument { .. } => "import-problem-duplicate-document",
            Problem::BadForm => "import-problem-bad-form",
            Problem::DuplicateCode { .. } => "import-problem-duplicate-code",
            Problem::UnknownAgency { .. } => "import-problem-unknown-agency",
            Problem::UnknownParticipant { .. } => "import-problem-unknown-participant",
            Problem::NewFieldWithoutName { .. } => "import-problem-new-field-without-name",
            Problem::FieldNameConflict { .. } => "import-problem-field-name-conflict",
            Problem::FeeRulesBroken => "import-problem-fee-rules-broken",
            Problem::NoSuchProcedure { .. } => "import-problem-no-such-procedure",
        }
    }

    /// The message's arguments; a [`Source`] argument is given as its kind and number, which
    /// the edge words (`import-source-…`).
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            Problem::NotAnObject | Problem::BadForm | Problem::FeeRulesBroken => vec![],
            Problem::Missing { field } => vec![("field", (*field).into())],
            Problem::Invalid { field, value } => vec![("field", (*field).into()), ("value", value.clone())],
            Problem::CodeNotText { value } | Problem::TimeNotPositive { value } | Problem::NegativeFee { value } => {
                vec![("value", value.clone())]
            }
            Problem::Document { index, field } => vec![("index", index.to_string()), ("field", (*field).into())],
            Problem::DuplicateDocument { key } => vec![("key", key.clone())],
            Problem::DuplicateCode { other } => vec![("other", source_label(*other))],
            Problem::UnknownAgency { agency } | Problem::UnknownParticipant { agency } => {
                vec![("agency", agency.clone())]
            }
            Problem::NewFieldWithoutName { field } | Problem::FieldNameConflict { field } => {
                vec![("field", field.clone())]
            }
            Problem::NoSuchProcedure { code } => vec![("code", code.clone())],
        }
    }
}

/// A source as `entry:3`, `row:4` or `document_row:9`: the edge turns it into words.
pub fn source_label(s: Source) -> String {
    match s {
        Source::Entry(n) => format!("entry:{n}"),
        Source::Row(n) => format!("row:{n}"),
        Source::DocumentRow(n) => format!("document_row:{n}"),
    }
}

/// What a procedure version says, in the terms an import can compare: the catalog's current
/// version is turned into one, the file's entries are read into one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProcedureContent {
    /// Vietnamese name.
    pub name: String,
    /// English name (never in the export: carried over).
    pub name_en: Option<String>,
    /// Field code.
    pub field: String,
    /// Lead agency code.
    pub agency: String,
    /// Participating agencies' codes, in the file's order.
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
    /// In what form the result is issued.
    pub result_kind: ResultKind,
    /// Documents to attach.
    pub documents: Vec<RequiredDocument>,
    /// The application form.
    pub form: Vec<FormField>,
    /// What the catalogue entry describes besides: steps, ways, conditions, legal basis, ….
    pub details: ProcedureDetails,
}

/// One procedure read from the file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportedProcedure {
    /// National code (`MaTTHC`).
    pub code: String,
    /// Field name (`TenLinhVuc`), to create the field when it is new.
    pub field_name: Option<String>,
    /// What the file says. `form` is empty when `form_given` is false.
    pub content: ProcedureContent,
    /// Whether the file gives the application form (`BieuMau`); when not, the form in force is
    /// kept.
    pub form_given: bool,
    /// Whether the file gives any part of the description ([`DESCRIPTION_FIELDS`]); when not,
    /// the description in force is kept.
    pub details_given: bool,
}

/// The fields of an entry that describe the procedure for the portal's page.
pub const DESCRIPTION_FIELDS: [&str; 7] = [
    "TrinhTuThucHien",
    "CachThucThucHien",
    "DoiTuongThucHien",
    "KetQuaThucHien",
    "YeuCauDieuKien",
    "CanCuPhapLy",
    "MauDonToKhai",
];

/// An entry the import will not take, with every reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// Where it was read.
    pub source: Source,
    /// Its code, when it has a readable one.
    pub code: Option<String>,
    /// Why, every reason at once.
    pub problems: Vec<Problem>,
}

/// The entries of a file, read.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Parsed {
    /// Entries read without problem, in file order.
    pub procedures: Vec<(Source, ImportedProcedure)>,
    /// Entries rejected, in file order.
    pub rejected: Vec<Rejection>,
}

/// The entries of a JSON export: the list under `DanhSachTTHC`, or a list at the top.
pub fn json_entries(bytes: &[u8]) -> Result<Vec<(Source, Value)>, FileProblem> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| FileProblem::BadJson(e.line()))?;
    let list = match value {
        Value::Array(list) => list,
        Value::Object(mut o) => match o.remove("DanhSachTTHC") {
            Some(Value::Array(list)) => list,
            _ => return Err(FileProblem::NoList),
        },
        _ => return Err(FileProblem::NoList),
    };
    if list.is_empty() {
        return Err(FileProblem::Empty);
    }
    if list.len() > MAX_PROCEDURES {
        return Err(FileProblem::TooMany(MAX_PROCEDURES));
    }
    Ok(list.into_iter().enumerate().map(|(i, v)| (Source::Entry(i + 1), v)).collect())
}

/// Reads every entry: each into a procedure or a rejection with all its problems. A code found
/// more than once rejects every entry that has it, since the file does not say which is right.
pub fn parse_entries(entries: Vec<(Source, Value)>) -> Parsed {
    let mut read: Vec<(Source, Result<ImportedProcedure, Rejection>)> =
        entries.into_iter().map(|(source, v)| (source, parse_entry(source, &v))).collect();
    let mut seen: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for (source, r) in &read {
        if let Ok(p) = r {
            seen.entry(p.code.clone()).or_default().push(*source);
        }
    }
    for (source, r) in &mut read {
        let Ok(p) = r else { continue };
        let Some(all) = seen.get(&p.code).filter(|all| all.len() > 1) else { continue };
        let problems =
            all.iter().filter(|s| *s != source).map(|other| Problem::DuplicateCode { other: *other }).collect();
        *r = Err(Rejection { source: *source, code: Some(p.code.clone()), problems });
    }
    let mut out = Parsed::default();
    for (source, r) in read {
        match r {
            Ok(p) => out.procedures.push((source, p)),
            Err(rejection) => out.rejected.push(rejection),
        }
    }
    out
}

/// Reads one entry.
pub fn parse_entry(source: Source, v: &Value) -> Result<ImportedProcedure, Rejection> {
    let Some(o) = v.as_object() else {
        return Err(Rejection { source, code: None, problems: vec![Problem::NotAnObject] });
    };
    let mut problems = Vec::new();
    let code = match o.get("MaTTHC") {
        Some(Value::Number(n)) => {
            problems.push(Problem::CodeNotText { value: n.to_string() });
            None
        }
        other => match text(other) {
            None => {
                problems.push(Problem::Missing { field: "MaTTHC" });
                None
            }
            Some(c) if valid_code(&c) => Some(c),
            Some(c) => {
                problems.push(Problem::Invalid { field: "MaTTHC", value: cut(&c) });
                None
            }
        },
    };
    let name = required_text(o, "TenTTHC", &mut problems);
    let field = required_text(o, "MaLinhVuc", &mut problems);
    let field_name = text(o.get("TenLinhVuc"));
    let agency = required_text(o, "CoQuanThucHien", &mut problems);
    let participants = code_list(o.get("CoQuanPhoiHop"), &mut problems);
    let level = match o.get("MucDo") {
        None | Some(Value::Null) => {
            problems.push(Problem::Missing { field: "MucDo" });
            None
        }
        Some(v) => {
            let level = parse_level(v);
            if level.is_none() {
                problems.push(Problem::Invalid { field: "MucDo", value: shown(v) });
            }
            level
        }
    };
    let amount = match o.get("ThoiHanGiaiQuyet") {
        None | Some(Value::Null) => {
            problems.push(Problem::Missing { field: "ThoiHanGiaiQuyet" });
            None
        }
        Some(v) => match whole_number(v) {
            Some(n) if n >= 1 => u32::try_from(n).ok().or_else(|| {
                problems.push(Problem::Invalid { field: "ThoiHanGiaiQuyet", value: shown(v) });
                None
            }),
            Some(_) => {
                problems.push(Problem::TimeNotPositive { value: shown(v) });
                None
            }
            None => {
                problems.push(Problem::Invalid { field: "ThoiHanGiaiQuyet", value: shown(v) });
                None
            }
        },
    };
    let unit = match o.get("DonViThoiGian").filter(|v| text(Some(v)).is_some()) {
        None => Some(TimeUnit::WorkingDays),
        Some(v) => {
            let unit = text(Some(v)).and_then(|t| parse_unit(&t));
            if unit.is_none() {
                problems.push(Problem::Invalid { field: "DonViThoiGian", value: shown(v) });
            }
            unit
        }
    };
    let fee_vnd = match o.get("PhiLePhi") {
        None | Some(Value::Null) => Some(0),
        Some(v) => match parse_money(v) {
            Some(n) if n < 0 => {
                problems.push(Problem::NegativeFee { value: shown(v) });
                None
            }
            Some(n) => Some(n),
            None => {
                problems.push(Problem::Invalid { field: "PhiLePhi", value: shown(v) });
                None
            }
        },
    };
    let result_kind = match o.get("KetQua").filter(|v| text(Some(v)).is_some()) {
        None => Some(ResultKind::Paper),
        Some(v) => {
            let kind = text(Some(v)).and_then(|t| parse_result(&t));
            if kind.is_none() {
                problems.push(Problem::Invalid { field: "KetQua", value: shown(v) });
            }
            kind
        }
    };
    let documents = parse_documents(o.get("ThanhPhanHoSo"), &mut problems);
    let form = match o.get("BieuMau") {
        None | Some(Value::Null) => None,
        Some(v) => match serde_json::from_value::<Vec<FormField>>(v.clone()) {
            Ok(form) if unique(form.iter().map(|f| f.key.as_str())) => Some(form),
            _ => {
                problems.push(Problem::BadForm);
                None
            }
        },
    };
    let details = parse_details(o, &mut problems);
    match (code, name, field, agency, level, amount, unit, fee_vnd, result_kind) {
        (
            Some(code),
            Some(name),
            Some(field),
            Some(agency),
            Some(level),
            Some(amount),
            Some(unit),
            Some(fee_vnd),
            Some(result_kind),
        ) if problems.is_empty() => Ok(ImportedProcedure {
            code,
            field_name,
            form_given: form.is_some(),
            details_given: details.is_some(),
            content: ProcedureContent {
                name,
                name_en: None,
                field,
                agency,
                participants,
                level,
                level_reason: text(o.get("LyDoMucDo")),
                limit: TimeLimit::new(amount, unit),
                fee_vnd,
                fee_note: text(o.get("MoTaPhiLePhi")),
                result_kind,
                documents,
                form: form.unwrap_or_default(),
                details: details.unwrap_or_default(),
            },
        }),
        (code, ..) => {
            Err(Rejection { source, code: code.or_else(|| text(o.get("MaTTHC"))).map(|c| cut(&c)), problems })
        }
    }
}

/// The description the entry gives, or `None` when it gives no part of it.
fn parse_details(o: &Map<String, Value>, problems: &mut Vec<Problem>) -> Option<ProcedureDetails> {
    if !DESCRIPTION_FIELDS.iter().any(|f| o.get(*f).is_some_and(|v| !v.is_null())) {
        return None;
    }
    let vi = |t: String| Text { vi: t, en: None };
    let mut single = |field: &'static str| match o.get(field) {
        Some(v @ (Value::Array(_) | Value::Object(_) | Value::Bool(_))) => {
            problems.push(Problem::Invalid { field, value: shown(v) });
            None
        }
        v => text(v).map(vi),
    };
    let (applicants, result) = (single("DoiTuongThucHien"), single("KetQuaThucHien"));
    Some(ProcedureDetails {
        steps: items(o, "TrinhTuThucHien", problems).into_iter().map(vi).collect(),
        ways: parse_ways(o, problems),
        applicants,
        result,
        conditions: items(o, "YeuCauDieuKien", problems).into_iter().map(vi).collect(),
        legal_basis: items(o, "CanCuPhapLy", problems),
        forms: items(o, "MauDonToKhai", problems).into_iter().map(vi).collect(),
    })
}

/// A list of texts: a JSON list, or one text with an item per line (a spreadsheet's cell), each
/// without the bullet it may start with.
fn items(o: &Map<String, Value>, field: &'static str, problems: &mut Vec<Problem>) -> Vec<String> {
    let item = |line: &str| {
        let line = line.trim();
        let line = line.strip_prefix(['-', '•', '+', '*']).map(str::trim_start).unwrap_or(line);
        Some(line.to_string()).filter(|l| !l.is_empty())
    };
    match o.get(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.lines().filter_map(item).collect(),
        Some(Value::Array(list)) => {
            let mut out = Vec::new();
            for v in list {
                match v {
                    Value::String(s) => out.extend(item(s)),
                    other => problems.push(Problem::Invalid { field, value: shown(other) }),
                }
            }
            out
        }
        Some(other) => {
            problems.push(Problem::Invalid { field, value: shown(other) });
            Vec::new()
        }
    }
}

/// The ways of applying (`CachThucThucHien`): a list of objects `{"HinhThuc", "MoTa"}` or of
/// the ways' names, or one text with a way per line; each way once, in the file's order.
fn parse_ways(o: &Map<String, Value>, problems: &mut Vec<Problem>) -> Vec<WayOfApplying> {
    const FIELD: &str = "CachThucThucHien";
    let named: Vec<(Value, Option<String>)> = match o.get(FIELD) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| match v.as_object() {
                Some(w) => (w.get("HinhThuc").cloned().unwrap_or(Value::Null), text(w.get("MoTa"))),
                None => (v.clone(), None),
            })
            .collect(),
        Some(Value::String(s)) => s.lines().filter(|l| !l.trim().is_empty()).map(|l| (Value::from(l), None)).collect(),
        Some(other) => {
            problems.push(Problem::Invalid { field: FIELD, value: shown(other) });
            Vec::new()
        }
    };
    let mut ways: Vec<WayOfApplying> = Vec::new();
    for (name, note) in named {
        match text(Some(&name)).and_then(|n| parse_way(&n)) {
            Some(way) if ways.iter().all(|w| w.way != way) => {
                ways.push(WayOfApplying { way, note: note.map(|t| Text { vi: t, en: None }) })
            }
            Some(_) => {}
            None => problems.push(Problem::Invalid { field: FIELD, value: shown(&name) }),
        }
    }
    ways
}

/// A way of applying as the catalogue names it: Trực tiếp, Trực tuyến, (Dịch vụ) bưu chính
/// (công ích), with or without marks, or the machine names.
fn parse_way(name: &str) -> Option<Way> {
    let folded = fold(name);
    if let Some(way) = Way::ALL.into_iter().find(|w| w.as_str() == folded) {
        return Some(way);
    }
    [("truc tiep", Way::Direct), ("truc tuyen", Way::Online), ("buu chinh", Way::Post)]
        .into_iter()
        .find(|(words, _)| folded.contains(words))
        .map(|(_, way)| way)
}

fn unique<'a>(keys: impl Iterator<Item = &'a str>) -> bool {
    let mut seen = BTreeSet::new();
    keys.into_iter().all(|k| seen.insert(k))
}

/// A national code: letters, digits, dots, dashes and underscores, at most 40 of them
/// (`1.001193`, `2.000889.000.00.00.H38`).
fn valid_code(c: &str) -> bool {
    c.chars().count() <= 40 && c.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_'))
}

/// Trimmed text, `None` when absent or blank; numbers are taken as text (a spreadsheet types
/// digits as numbers).
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn required_text(o: &Map<String, Value>, field: &'static str, problems: &mut Vec<Problem>) -> Option<String> {
    match o.get(field) {
        Some(v @ (Value::Array(_) | Value::Object(_) | Value::Bool(_))) => {
            problems.push(Problem::Invalid { field, value: shown(v) });
            None
        }
        v => {
            let t = text(v);
            if t.is_none() {
                problems.push(Problem::Missing { field });
            }
            t
        }
    }
}

/// A value as the reader wrote it, cut to 60 characters for the report.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => cut(s),
        other => cut(&other.to_string()),
    }
}

fn cut(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// A list of agency codes: a JSON list, or one text separated by commas or semicolons.
fn code_list(v: Option<&Value>, problems: &mut Vec<Problem>) -> Vec<String> {
    let raw: Vec<String> = match v {
        None | Some(Value::Null) => vec![],
        Some(Value::String(s)) => s.split([',', ';', '\n']).map(|c| c.trim().to_string()).collect(),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                match text(Some(item)) {
                    Some(c) => out.push(c),
                    None => problems.push(Problem::Invalid { field: "CoQuanPhoiHop", value: shown(item) }),
                }
            }
            out
        }
        Some(other) => {
            problems.push(Problem::Invalid { field: "CoQuanPhoiHop", value: shown(other) });
            vec![]
        }
    };
    let mut seen = BTreeSet::new();
    raw.into_iter().filter(|c| !c.is_empty() && seen.insert(c.clone())).collect()
}

/// A whole number from a number or from digits; `None` for anything else (fractions too).
fn whole_number(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64))
        }
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An amount of đồng: a whole number, or text such as `50.000 đồng`, `1,200,000 VNĐ`,
/// `Không` / `Miễn phí` (none).
fn parse_money(v: &Value) -> Option<i64> {
    if let Some(n) = whole_number(v) {
        return Some(n);
    }
    let folded = fold(v.as_str()?);
    if matches!(folded.as_str(), "khong" | "mien phi" | "mien" | "khong thu" | "0") {
        return Some(0);
    }
    let number = folded
        .strip_suffix(" dong")
        .or_else(|| folded.strip_suffix(" vnd"))
        .or_else(|| folded.strip_suffix(" d"))
        .unwrap_or(&folded);
    let negative = v.as_str()?.trim_start().starts_with('-');
    // Thousands separated by dots, commas or spaces: every group after the first has three digits.
    let groups: Vec<&str> = number.split(' ').collect();
    if groups.iter().any(|g| g.is_empty() || !g.chars().all(|c| c.is_ascii_digit()))
        || (groups.len() > 1 && (groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3)))
    {
        return None;
    }
    let digits = groups.concat();
    let n: i64 = digits.parse().ok()?;
    Some(if negative { -n } else { n })
}

fn parse_level(v: &Value) -> Option<OnlineLevel> {
    let t = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    if let Some(l) = OnlineLevel::parse(t.trim()) {
        return Some(l);
    }
    match fold(&t).as_str() {
        "khong" | "khong truc tuyen" | "cung cap thong tin" | "2" | "muc do 2" | "muc 2" | "1" | "muc do 1" => {
            Some(OnlineLevel::Offline)
        }
        "mot phan" | "truc tuyen mot phan" | "dich vu cong truc tuyen mot phan" | "3" | "muc do 3" | "muc 3" => {
            Some(OnlineLevel::Partial)
        }
        "toan trinh" | "truc tuyen toan trinh" | "dich vu cong truc tuyen toan trinh" | "4" | "muc do 4" | "muc 4" => {
            Some(OnlineLevel::Full)
        }
        _ => None,
    }
}

fn parse_unit(t: &str) -> Option<TimeUnit> {
    TimeUnit::parse(t).or_else(|| match fold(t).as_str() {
        "ngay lam viec" | "ngay lv" => Some(TimeUnit::WorkingDays),
        "ngay" | "ngay lich" => Some(TimeUnit::Days),
        "gio" | "gio lam viec" => Some(TimeUnit::Hours),
        "buoi" | "nua ngay" | "buoi lam viec" => Some(TimeUnit::HalfDays),
        "thang" => Some(TimeUnit::Months),
        _ => None,
    })
}

fn parse_result(t: &str) -> Option<ResultKind> {
    ResultKind::parse(t).or_else(|| match fold(t).as_str() {
        "giay" | "ban giay" | "ket qua giay" => Some(ResultKind::Paper),
        "dien tu" | "ban dien tu" | "ket qua dien tu" => Some(ResultKind::Electronic),
        _ => None,
    })
}

fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        Value::String(s) => match fold(s).as_str() {
            "co" | "x" | "true" | "yes" | "1" | "bat buoc" => Some(true),
            "khong" | "false" | "no" | "0" | "khong bat buoc" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn parse_copy_kind(t: &str) -> Option<bool> {
    match fold(t).as_str() {
        "ban chinh" | "original" | "chinh" => Some(true),
        "ban sao" | "copy" | "sao" | "ban sao chung thuc" | "ban sao hoac ban chinh" => Some(false),
        _ => None,
    }
}

fn parse_documents(v: Option<&Value>, problems: &mut Vec<Problem>) -> Vec<RequiredDocument> {
    let items = match v {
        None | Some(Value::Null) => return vec![],
        Some(Value::Array(items)) => items,
        Some(other) => {
            problems.push(Problem::Invalid { field: "ThanhPhanHoSo", value: shown(other) });
            return vec![];
        }
    };
    let mut docs = Vec::new();
    let mut taken: BTreeSet<String> = items.iter().filter_map(|d| text(d.get("MaGiayTo"))).collect();
    for (i, item) in items.iter().enumerate() {
        let index = i + 1;
        let bad = |field| Problem::Document { index, field };
        let Some(d) = item.as_object() else {
            problems.push(bad("ThanhPhanHoSo"));
            continue;
        };
        let Some(name) = text(d.get("TenGiayTo")) else {
            problems.push(bad("TenGiayTo"));
            continue;
        };
        let given_key = text(d.get("MaGiayTo"));
        if given_key.as_deref().is_some_and(|k| !valid_key(k)) {
            problems.push(bad("MaGiayTo"));
            continue;
        }
        let key = given_key.unwrap_or_else(|| key_from_name(&name, &mut taken));
        let required = match d.get("BatBuoc") {
            None | Some(Value::Null) => true,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    problems.push(bad("BatBuoc"));
                    continue;
                }
            },
        };
        let original = match text(d.get("LoaiBan")) {
            None => false,
            Some(t) => match parse_copy_kind(&t) {
                Some(o) => o,
                None => {
                    problems.push(bad("LoaiBan"));
                    continue;
                }
            },
        };
        let count = match d.get("SoLuong") {
            None | Some(Value::Null) => 1,
            Some(v) => match whole_number(v).and_then(|n| u32::try_from(n).ok()).filter(|n| (1..=100).contains(n)) {
                Some(n) => n,
                None => {
                    problems.push(bad("SoLuong"));
                    continue;
                }
            },
        };
        docs.push(RequiredDocument { key, name, name_en: None, original, count, required, reusable: false });
    }
    let mut seen = BTreeSet::new();
    for d in &docs {
        if !seen.insert(d.key.as_str()) {
            problems.push(Problem::DuplicateDocument { key: d.key.clone() });
        }
    }
    docs
}

/// A document key is a multipart part name: letters, digits and `_`, at most 60.
fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 60 && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A key made from a document's name (`Tờ khai đăng ký khai sinh` → `to_khai_dang_ky_khai_sinh`),
/// cut to 40 characters, numbered when taken: the same file gives the same keys each time.
fn key_from_name(name: &str, taken: &mut BTreeSet<String>) -> String {
    let mut base: String =
        fold(name).replace(' ', "_").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    base.truncate(40);
    let base = base.trim_end_matches('_').to_string();
    let base = if base.is_empty() { "giay_to".to_string() } else { base };
    let mut key = base.clone();
    let mut n = 2;
    while !taken.insert(key.clone()) {
        key = format!("{base}_{n}");
        n += 1;
    }
    key
}

/// A part of a procedure an import can change; the report names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Its name.
    Name,
    /// Its field.
    Field,
    /// Its lead agency.
    Agency,
    /// Its participating agencies.
    Participants,
    /// Its online level or the reason published for it.
    Level,
    /// Its processing time.
    Time,
    /// Its fee.
    Fee,
    /// The notes on its fee.
    FeeNote,
    /// In what form its result is issued.
    Result,
    /// Its required documents.
    Documents,
    /// Its application form.
    Form,
    /// Its description: steps, ways of applying, conditions, legal basis, forms' names.
    Details,
}

impl Change {
    /// The stable name, also the end of its message key (`import-change-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Name => "name",
            Change::Field => "field",
            Change::Agency => "agency",
            Change::Participants => "participants",
            Change::Level => "level",
            Change::Time => "time",
            Change::Fee => "fee",
            Change::FeeNote => "fee-note",
            Change::Result => "result",
            Change::Documents => "documents",
            Change::Form => "form",
            Change::Details => "details",
        }
    }
}

/// The version the file asks for, given the one in force: what the export does not carry is
/// kept (English names, documents' reuse, the form when the file has none).
pub fn merged(current: &ProcedureContent, imported: &ImportedProcedure) -> ProcedureContent {
    let mut next = imported.content.clone();
    next.name_en = current.name_en.clone();
    if !imported.form_given {
        next.form = current.form.clone();
    }
    if imported.details_given {
        keep_translations(&mut next.details, &current.details);
    } else {
        next.details = current.details.clone();
    }
    for d in &mut next.documents {
        if let Some(old) = current.documents.iter().find(|o| o.key == d.key) {
            d.name_en = old.name_en.clone();
            d.reusable = old.reusable;
        }
    }
    next
}

/// What differs between the version in force and the one the file asks for ([`merged`]);
/// empty when the file changes nothing.
pub fn changes(current: &ProcedureContent, next: &ProcedureContent) -> Vec<Change> {
    let mut out = Vec::new();
    let mut check = |differs: bool, c: Change| {
        if differs {
            out.push(c);
        }
    };
    check(current.name != next.name, Change::Name);
    check(current.field != next.field, Change::Field);
    check(current.agency != next.agency, Change::Agency);
    check(current.participants != next.participants, Change::Participants);
    check(current.level != next.level || current.level_reason != next.level_reason, Change::Level);
    check(current.limit != next.limit, Change::Time);
    check(current.fee_vnd != next.fee_vnd, Change::Fee);
    check(current.fee_note != next.fee_note, Change::FeeNote);
    check(current.result_kind != next.result_kind, Change::Result);
    check(current.documents != next.documents, Change::Documents);
    check(current.form != next.form, Change::Form);
    check(current.details != next.details, Change::Details);
    out
}

/// Gives each text of a new description the English of the same Vietnamese text in the old one.
fn keep_translations(next: &mut ProcedureDetails, old: &ProcedureDetails) {
    let mut known: BTreeMap<&str, &str> = BTreeMap::new();
    let old_texts = old.steps.iter().chain(&old.conditions).chain(&old.forms).chain(&old.applicants).chain(&old.result);
    let old_notes = old.ways.iter().filter_map(|w| w.note.as_ref());
    for t in old_texts.chain(old_notes) {
        if let Some(en) = &t.en {
            known.insert(t.vi.as_str(), en.as_str());
        }
    }
    let next_notes = next.ways.iter_mut().filter_map(|w| w.note.as_mut());
    let next_texts = next
        .steps
        .iter_mut()
        .chain(&mut next.conditions)
        .chain(&mut next.forms)
        .chain(&mut next.applicants)
        .chain(&mut next.result);
    for t in next_texts.chain(next_notes) {
        if t.en.is_none() {
            t.en = known.get(t.vi.as_str()).map(|en| en.to_string());
        }
    }
}

/// The fee of a new version: the schedule in force with its base amount replaced, so rules
/// computed from the answers and the payment timing survive an import of the fixed amount.
/// `None` when the rules no longer fit the form.
pub fn fee_for(current: &FeeSchedule, next: &ProcedureContent) -> Option<FeeSchedule> {
    let schedule = FeeSchedule { base_vnd: next.fee_vnd, ..current.clone() };
    crate::fee::validate(&schedule, &next.form).is_empty().then_some(schedule)
}

#[cfg(test)]
mod tests;
