//! Form 06 (old numbering) / 07 (new): Sổ theo dõi hồ sơ — the dossier register for a period.

use chrono::{DateTime, NaiveDate, Utc};

use super::{heading, sheet, title, Issuer, BODY};
use crate::fonts::Style::{Bold, Regular};
use crate::sheet::{Align, Column, Paper};
use crate::text::{short_date, short_time};
use crate::{FormKind, FormNumbering, RenderError};

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
    /// Status or result as the caller words it, e.g. "Đúng hạn", "Quá hạn", "Đang giải quyết".
    pub status: String,
    /// Free note.
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
    /// The dossiers, in the order to print.
    pub rows: Vec<RegisterRow>,
}

fn time_or_blank(at: Option<DateTime<Utc>>) -> String {
    at.map(short_time).unwrap_or_default()
}

/// Renders the register on A4 landscape, as many pages as the rows need, the header row repeated
/// on each and the pages numbered.
pub fn render_register(register: &Register, numbering: FormNumbering) -> Result<Vec<u8>, RenderError> {
    let kind = FormKind::Register;
    let mut sheet = sheet(Paper::A4_LANDSCAPE, kind);
    heading(&mut sheet, &register.issuer, kind, numbering, None);
    title(&mut sheet, kind);
    sheet.paragraph(&[("Quyển số: ", Regular), (&register.book, Bold)], BODY, Align::Center, 0.0);
    let period = format!("Từ ngày {} đến ngày {}", short_date(register.from), short_date(register.to));
    sheet.paragraph(&[(&period, Regular)], BODY, Align::Center, 0.0);
    sheet.gap(4.0);
    let width = sheet.width();
    // Fixed columns for codes and times (a time takes two short lines); the names share the rest.
    let fixed = [24.0, 124.0, 58.0, 58.0, 58.0, 58.0, 60.0];
    let flexible = width - fixed.iter().sum::<f32>();
    let columns = [
        Column::new("STT", fixed[0], Align::Center),
        Column::new("Mã hồ sơ", fixed[1], Align::Left),
        Column::new("Tên thủ tục hành chính", flexible * 0.42, Align::Left),
        Column::new("Tên cá nhân, tổ chức", flexible * 0.3, Align::Left),
        Column::new("Nhận hồ sơ", fixed[2], Align::Center),
        Column::new("Hẹn trả kết quả", fixed[3], Align::Center),
        Column::new("Hoàn thành", fixed[4], Align::Center),
        Column::new("Trả kết quả", fixed[5], Align::Center),
        Column::new("Tình trạng", fixed[6], Align::Center),
        Column::new("Ghi chú", flexible * 0.28, Align::Left),
    ];
    let rows: Vec<Vec<String>> = register
        .rows
        .iter()
        .map(|r| {
            vec![
                r.entry.map(|n| format!("{n:02}")).unwrap_or_default(),
                r.code.clone(),
                r.procedure.clone(),
                r.applicant.clone(),
                short_time(r.received_at),
                time_or_blank(r.due_at),
                time_or_blank(r.finished_at),
                time_or_blank(r.returned_at),
                r.status.clone(),
                r.note.clone(),
            ]
        })
        .collect();
    sheet.table(&columns, &rows, CELL);
    sheet.finish()
}
