//! The registers of the electronic office as Decree 30/2020/NĐ-CP Annex IV lays them out: Sổ
//! đăng ký văn bản đến (the incoming register: arrival date and number, sender, the sender's
//! number and date, type and subject, who received it to handle) and Sổ đăng ký văn bản đi (the
//! outgoing register: number and symbol, date, type and subject, signer, recipients, the unit
//! keeping the file copy, copies, when it was sent), printed for a year from the system.

use chrono::{DateTime, Utc};

use super::{digital_signature_place, heading, sheet, title, Issuer, BODY, SMALL};
use crate::fonts::Style::{Bold, Italic, Regular};
use crate::sheet::{Align, Column, Paper};
use crate::text::long_time;
use crate::{FormKind, FormNumbering, FormPdf, RenderError};

/// Size of the table text.
const CELL: f32 = 7.5;

/// One line of an incoming register.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IncomingLine {
    /// Ngày đến — the arrival date, dd/mm.
    pub arrived_on: String,
    /// Số đến — the arrival number.
    pub number: i64,
    /// Tác giả — the body that sent it.
    pub issuer: String,
    /// Số, ký hiệu — the sender's number and symbol.
    pub symbol: String,
    /// Ngày tháng — the date on the document, dd/mm/yyyy.
    pub dated: String,
    /// Tên loại và trích yếu nội dung — type and subject.
    pub subject: String,
    /// Đơn vị hoặc người nhận — who received it to handle.
    pub handled_by: String,
    /// Ghi chú.
    pub note: String,
}

/// One line of an outgoing register.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutgoingLine {
    /// Số, ký hiệu văn bản.
    pub symbol: String,
    /// Ngày tháng văn bản, dd/mm.
    pub dated: String,
    /// Tên loại và trích yếu nội dung văn bản.
    pub subject: String,
    /// Người ký.
    pub signer: String,
    /// Nơi nhận văn bản.
    pub recipients: String,
    /// Đơn vị, người nhận bản lưu — who keeps the file copy.
    pub file_copy: String,
    /// Số lượng bản — copies made.
    pub copies: u32,
    /// Ngày chuyển — when it was sent, dd/mm.
    pub sent_on: String,
    /// Ghi chú.
    pub note: String,
}

/// What the register holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentRegisterLines {
    /// Sổ đăng ký văn bản đến.
    Incoming(Vec<IncomingLine>),
    /// Sổ đăng ký văn bản đi.
    Outgoing(Vec<OutgoingLine>),
}

/// A register of one year, ordinary or confidential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentRegister {
    /// The agency keeping it.
    pub issuer: Issuer,
    /// The year.
    pub year: i32,
    /// The register of confidential documents, numbered apart ("Mật").
    pub confidential: bool,
    /// When this copy was taken from the system.
    pub exported_at: DateTime<Utc>,
    /// The lines, in number order.
    pub lines: DocumentRegisterLines,
}

/// Renders a register on A4 landscape, the header row repeated on every page.
pub fn render_document_register(register: &DocumentRegister) -> Result<FormPdf, RenderError> {
    let kind = match register.lines {
        DocumentRegisterLines::Incoming(_) => FormKind::IncomingRegister,
        DocumentRegisterLines::Outgoing(_) => FormKind::OutgoingRegister,
    };
    let mut sheet = sheet(Paper::A4_LANDSCAPE, kind);
    heading(&mut sheet, &register.issuer, kind, FormNumbering::default(), None);
    title(&mut sheet, kind);
    let year = format!("Năm {}", register.year);
    sheet.paragraph(&[(&year, Bold)], BODY, Align::Center, 0.0);
    if register.confidential {
        sheet.paragraph(&[("Sổ đăng ký văn bản mật", Bold)], BODY, Align::Center, 0.0);
    }
    let exported = format!("Trích xuất từ hệ thống lúc {}", long_time(register.exported_at));
    sheet.paragraph(&[(&exported, Italic)], SMALL, Align::Center, 0.0);
    sheet.gap(4.0);
    let width = sheet.width();
    let (columns, rows): (Vec<Column>, Vec<Vec<String>>) = match &register.lines {
        DocumentRegisterLines::Incoming(lines) => {
            let (date, number, symbol, sign) = (38.0, 34.0, 70.0, 50.0);
            let flexible = width - (2.0 * date + number + symbol + sign);
            (
                vec![
                    Column::new("Ngày đến", date, Align::Center),
                    Column::new("Số đến", number, Align::Center),
                    Column::new("Tác giả", flexible * 0.22, Align::Left),
                    Column::new("Số, ký hiệu", symbol, Align::Left),
                    Column::new("Ngày tháng", date, Align::Center),
                    Column::new("Tên loại và trích yếu nội dung", flexible * 0.42, Align::Left),
                    Column::new("Đơn vị hoặc người nhận", flexible * 0.2, Align::Left),
                    Column::new("Ký nhận", sign, Align::Center),
                    Column::new("Ghi chú", flexible * 0.16, Align::Left),
                ],
                lines
                    .iter()
                    .map(|l| {
                        vec![
                            l.arrived_on.clone(),
                            l.number.to_string(),
                            l.issuer.clone(),
                            l.symbol.clone(),
                            l.dated.clone(),
                            l.subject.clone(),
                            l.handled_by.clone(),
                            String::new(),
                            l.note.clone(),
                        ]
                    })
                    .collect(),
            )
        }
        DocumentRegisterLines::Outgoing(lines) => {
            let (symbol, date, copies, sign) = (70.0, 38.0, 34.0, 50.0);
            let flexible = width - (symbol + 2.0 * date + copies + sign);
            (
                vec![
                    Column::new("Số, ký hiệu văn bản", symbol, Align::Left),
                    Column::new("Ngày tháng văn bản", date, Align::Center),
                    Column::new("Tên loại và trích yếu nội dung văn bản", flexible * 0.34, Align::Left),
                    Column::new("Người ký", flexible * 0.14, Align::Left),
                    Column::new("Nơi nhận văn bản", flexible * 0.22, Align::Left),
                    Column::new("Đơn vị, người nhận bản lưu", flexible * 0.14, Align::Left),
                    Column::new("Số lượng bản", copies, Align::Center),
                    Column::new("Ngày chuyển", date, Align::Center),
                    Column::new("Ký nhận", sign, Align::Center),
                    Column::new("Ghi chú", flexible * 0.16, Align::Left),
                ],
                lines
                    .iter()
                    .map(|l| {
                        vec![
                            l.symbol.clone(),
                            l.dated.clone(),
                            l.subject.clone(),
                            l.signer.clone(),
                            l.recipients.clone(),
                            l.file_copy.clone(),
                            l.copies.to_string(),
                            l.sent_on.clone(),
                            String::new(),
                            l.note.clone(),
                        ]
                    })
                    .collect(),
            )
        }
    };
    sheet.table(&columns, &rows, CELL);
    if rows.is_empty() {
        sheet.paragraph(&[("Chưa có văn bản nào trong sổ.", Regular)], BODY, Align::Center, 0.0);
    }
    digital_signature_place(&mut sheet);
    sheet.finish()
}
