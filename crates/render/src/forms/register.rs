//! Form 06 (old numbering) / 07 (new): Sổ theo dõi hồ sơ — the dossier register for a period.

use chrono::{DateTime, NaiveDate, Utc};

use super::{digital_signature_place, heading, sheet, title, Issuer, BODY, SMALL};
use crate::fonts::Style::{Bold, Italic, Regular};
use crate::sheet::{Align, Column, Paper};
use crate::text::{long_time, short_date, short_time};
use crate::{FormKind, FormNumbering, FormPdf, RenderError};

/// Size of the register's table text: small, so that a row usually takes two lines.
const CELL: f32 = 7.5;

/// One dossier's line in the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterRow {
    /// Số thứ tự — its entry in the desk's register of the year (from 1, continuous), when it
    /// was given one at reception.
    pub entry: Option<i64>,
    /// Mã hồ sơ — the dossier code.
    pub code: String,
    /// Name of the applicant (person or organisation).
    pub applicant: String,
    /// The applicant's address and phone number.
    pub contact: String,
    /// Số lượng hồ sơ — sets of papers received (bộ).
    pub sets: u32,
    /// Cơ quan chủ trì giải quyết — the agency that leads the processing.
    pub agency: String,
    /// When the desk handed the dossier over to that agency, if it did.
    pub handed_over_at: Option<DateTime<Utc>>,
    /// Name of the administrative procedure.
    pub procedure: String,
    /// When the dossier was received.
    pub received_at: DateTime<Utc>,
    /// The appointment for the result, if set.
    pub due_at: Option<DateTime<Utc>>,
    /// When the result was issued (or processing ended), if it was.
    pub finished_at: Option<DateTime<Utc>>,
    /// When the result was handed to the applicant, if it was.
    pub returned_at: Option<DateTime<Utc>>,
    /// Free note: the status or result as the caller words it ("Đúng hạn", "Quá hạn", "Đang
    /// giải quyết"), supplements asked.
    pub note: String,
}

/// The register of dossiers for a period: the paper record each one-stop unit keeps, printed
/// from the system instead of written by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Register {
    /// The agency and unit keeping the register.
    pub issuer: Issuer,
    /// Quyển số — the book's number, printed in the heading.
    pub book: String,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (included).
    pub to: NaiveDate,
    /// When this copy was taken from the system: a register printed for a period is an export,
    /// and a later one may hold more (results given meanwhile).
    pub exported_at: DateTime<Utc>,
    /// The dossiers, in the order to print.
    pub rows: Vec<RegisterRow>,
}

fn time_or_blank(at: Option<DateTime<Utc>>) -> String {
    at.map(short_time).unwrap_or_default()
}

/// Renders the register on A4 landscape, as many pages as the rows need, the header row repeated
/// on each and the pages numbered.
pub fn render_register(register: &Register, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let kind = FormKind::Register;
    let mut sheet = sheet(Paper::A4_LANDSCAPE, kind);
    heading(&mut sheet, &register.issuer, kind, numbering, None);
    title(&mut sheet, kind);
    sheet.paragraph(&[("Quyển số: ", Regular), (&register.book, Bold)], BODY, Align::Center, 0.0);
    let period = format!("Từ ngày {} đến ngày {}", short_date(register.from), short_date(register.to));
    sheet.paragraph(&[(&period, Regular)], BODY, Align::Center, 0.0);
    let exported = format!("Trích xuất từ hệ thống lúc {}", long_time(register.exported_at));
    sheet.paragraph(&[(&exported, Italic)], SMALL, Align::Center, 0.0);
    sheet.gap(4.0);
    let width = sheet.width();
    // The columns of the official form (Circular 01/2018 form 06, Circular 03/2025 form 07):
    // fixed widths for the entry, the code, the sets and the five dates (a time takes two short
    // lines); the names, the contact, the agency and the note share the rest.
    let (entry, code, sets, time) = (22.0, 100.0, 30.0, 50.0);
    let flexible = width - (entry + code + sets + 5.0 * time);
    let columns = [
        Column::new("STT", entry, Align::Center),
        Column::new("Mã hồ sơ", code, Align::Left),
        Column::new("Tên thủ tục hành chính", flexible * 0.27, Align::Left),
        Column::new("Số lượng hồ sơ (bộ)", sets, Align::Center),
        Column::new("Tên cá nhân, tổ chức", flexible * 0.17, Align::Left),
        Column::new("Địa chỉ, số điện thoại", flexible * 0.2, Align::Left),
        Column::new("Cơ quan chủ trì giải quyết", flexible * 0.18, Align::Left),
        Column::new("Nhận hồ sơ", time, Align::Center),
        Column::new("Hẹn trả kết quả", time, Align::Center),
        Column::new("Chuyển hồ sơ đến cơ quan giải quyết", time, Align::Center),
        Column::new("Có kết quả giải quyết", time, Align::Center),
        Column::new("Trả kết quả cho cá nhân, tổ chức", time, Align::Center),
        Column::new("Ghi chú", flexible * 0.18, Align::Left),
    ];
    let rows: Vec<Vec<String>> = register
        .rows
        .iter()
        .map(|r| {
            vec![
                r.entry.map(|n| format!("{n:02}")).unwrap_or_default(),
                r.code.clone(),
                r.procedure.clone(),
                r.sets.to_string(),
                r.applicant.clone(),
                r.contact.clone(),
                r.agency.clone(),
                short_time(r.received_at),
                time_or_blank(r.due_at),
                time_or_blank(r.handed_over_at),
                time_or_blank(r.finished_at),
                time_or_blank(r.returned_at),
                r.note.clone(),
            ]
        })
        .collect();
    sheet.table(&columns, &rows, CELL);
    digital_signature_place(&mut sheet);
    sheet.finish()
}
