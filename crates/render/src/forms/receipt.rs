//! Form 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả — the receipt and appointment.

use chrono::{DateTime, NaiveDate, Utc};

use super::{applicant_lines, heading, qr_code, sheet, sign_both, title, Applicant, DossierRef, Issuer, BODY, SMALL};
use crate::fonts::Style::{Bold, Regular};
use crate::sheet::{Align, Column, Paper};
use crate::text::long_time;
use crate::{FormKind, FormNumbering, FormPdf, RenderError};

/// In what form a document was handed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CopyKind {
    /// Bản chính — the original.
    #[default]
    Original,
    /// Bản sao — a plain copy.
    Copy,
    /// Bản sao có chứng thực — a certified copy.
    CertifiedCopy,
}

impl CopyKind {
    fn label(self) -> &'static str {
        match self {
            CopyKind::Original => "Bản chính",
            CopyKind::Copy => "Bản sao",
            CopyKind::CertifiedCopy => "Bản sao có chứng thực",
        }
    }
}

/// One line of the list of documents received (thành phần hồ sơ).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceivedDocument {
    /// The document's name as the procedure lists it.
    pub name: String,
    /// Original or copy.
    pub kind: CopyKind,
    /// How many were handed in (pages or copies, as the counter counts them).
    pub count: u32,
}

/// Everything printed on the receipt: the applicant's proof that the dossier was received and
/// the promise of when the result will be ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The receiving agency and unit.
    pub issuer: Issuer,
    /// The dossier's code and lookup link (QR code).
    pub dossier: DossierRef,
    /// Date printed after the place ("Lào Cai, ngày … tháng … năm …"), usually the day of reception.
    pub issued_on: NaiveDate,
    /// Who submitted the dossier.
    pub applicant: Applicant,
    /// Name of the administrative procedure (nội dung yêu cầu giải quyết).
    pub procedure: String,
    /// The documents received, in the procedure's order.
    pub documents: Vec<ReceivedDocument>,
    /// Number of sets (bộ) of the dossier received, usually 1.
    pub sets: u32,
    /// The statutory time limit as text, e.g. "05 ngày làm việc".
    pub time_limit: String,
    /// When the dossier was received.
    pub received_at: DateTime<Utc>,
    /// When the result is due: the appointment.
    pub due_at: DateTime<Utc>,
    /// Where and how the result is returned, e.g. "Trả trực tiếp tại Bộ phận Một cửa" or
    /// "Qua dịch vụ bưu chính công ích".
    pub result_delivery: String,
    /// Fees and charges as text, e.g. "50.000 đồng" or "Không thu phí".
    pub fees: String,
    /// Quyển số — the book of the dossier register the receipt is entered in.
    pub register_book: String,
    /// Số thứ tự — the entry's number in that book.
    pub register_entry: String,
    /// The receiving officer, who signs.
    pub officer: String,
}

/// Renders form 01 on A5 portrait; it normally fits one page, and a long list of documents
/// continues on the next.
pub fn render_receipt(receipt: &Receipt, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let kind = FormKind::Receipt;
    let mut sheet = sheet(Paper::A5_PORTRAIT, kind);
    heading(&mut sheet, &receipt.issuer, kind, numbering, Some(receipt.issued_on));
    title(&mut sheet, kind);
    qr_code(&mut sheet, &receipt.dossier)?;
    sheet.field("Mã hồ sơ:", &receipt.dossier.code, BODY);
    sheet.paragraph(
        &[(&receipt.issuer.unit, Regular), (" tiếp nhận hồ sơ của: ", Regular), (&receipt.applicant.name, Bold)],
        BODY,
        Align::Left,
        0.0,
    );
    applicant_lines(&mut sheet, &receipt.applicant);
    sheet.field("Nội dung yêu cầu giải quyết:", &receipt.procedure, BODY);
    sheet.plain("1. Thành phần hồ sơ nộp gồm:", BODY);
    let width = sheet.width();
    let columns = [
        Column::new("STT", 24.0, Align::Center),
        Column::new("Tên giấy tờ", width - 24.0 - 78.0 - 46.0, Align::Left),
        Column::new("Hình thức", 78.0, Align::Center),
        Column::new("Số lượng", 46.0, Align::Center),
    ];
    let rows: Vec<Vec<String>> = receipt
        .documents
        .iter()
        .enumerate()
        .map(|(i, d)| vec![(i + 1).to_string(), d.name.clone(), d.kind.label().to_string(), d.count.to_string()])
        .collect();
    sheet.table(&columns, &rows, SMALL);
    sheet.gap(2.0);
    sheet.field("2. Số lượng hồ sơ:", &format!("{:02} (bộ)", receipt.sets), BODY);
    sheet.field("3. Thời gian giải quyết hồ sơ theo quy định:", &receipt.time_limit, BODY);
    sheet.field("4. Thời gian nhận hồ sơ:", &long_time(receipt.received_at), BODY);
    sheet.field("5. Thời gian trả kết quả giải quyết hồ sơ:", &long_time(receipt.due_at), BODY);
    sheet.field("6. Đăng ký nhận kết quả tại:", &receipt.result_delivery, BODY);
    sheet.field("7. Phí, lệ phí:", &receipt.fees, BODY);
    sheet.paragraph(
        &[
            ("Vào Sổ theo dõi hồ sơ, Quyển số: ", Regular),
            (&receipt.register_book, Bold),
            (", Số thứ tự: ", Regular),
            (&receipt.register_entry, Bold),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    sign_both(&mut sheet, ("NGƯỜI NỘP HỒ SƠ", &receipt.applicant.name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", &receipt.officer));
    sheet.finish()
}
