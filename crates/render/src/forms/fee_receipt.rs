//! The electronic receipt of a fee paid (biên lai thu phí, lệ phí điện tử): who paid what, for
//! which dossier, how, and when, with the amount in words as receipts print it.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    applicant_lines, heading, note, qr_code, sheet, sign_right, title, Applicant, DossierRef, Issuer, BODY, SMALL,
};
use crate::fonts::Style::{Bold, Regular};
use crate::sheet::{Align, Column, Paper};
use crate::text::{amount_in_words, long_time, thousands};
use crate::{FormKind, FormNumbering, RenderError};

/// One line of what was paid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeeItem {
    /// What, e.g. "Phí cấp Phiếu lý lịch tư pháp".
    pub label: String,
    /// Amount in đồng.
    pub amount_vnd: i64,
}

/// The receipt of a fee paid online or at the counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeReceipt {
    /// The agency that collects.
    pub issuer: Issuer,
    /// The dossier paid for (its code and lookup link, as a QR code).
    pub dossier: DossierRef,
    /// The receipt's number.
    pub number: String,
    /// Date of issue.
    pub issued_on: NaiveDate,
    /// Who paid.
    pub payer: Applicant,
    /// Name of the administrative procedure.
    pub procedure: String,
    /// What was paid; the total is their sum.
    pub items: Vec<FeeItem>,
    /// How, e.g. "Thanh toán trực tuyến qua cổng thanh toán (NCB)" or "Tiền mặt tại Bộ phận Một cửa".
    pub method: String,
    /// The payment's reference and the gateway's transaction number.
    pub reference: String,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
}

/// Renders the receipt on A5 portrait.
pub fn render_fee_receipt(form: &FeeReceipt, numbering: FormNumbering) -> Result<Vec<u8>, RenderError> {
    let mut sheet = sheet(Paper::A5_PORTRAIT, FormKind::FeeReceipt);
    heading(&mut sheet, &form.issuer, FormKind::FeeReceipt, numbering, Some(form.issued_on));
    title(&mut sheet, FormKind::FeeReceipt);
    qr_code(&mut sheet, &form.dossier)?;
    sheet.field("Số biên lai:", &form.number, BODY);
    sheet.field("Mã hồ sơ:", &form.dossier.code, BODY);
    sheet.field("Người nộp:", &form.payer.name, BODY);
    applicant_lines(&mut sheet, &form.payer);
    sheet.field("Thủ tục:", &form.procedure, BODY);
    sheet.clear_float();
    let width = sheet.width();
    let columns = [
        Column::new("STT", 24.0, Align::Center),
        Column::new("Nội dung thu", (width - 24.0) * 0.7, Align::Left),
        Column::new("Số tiền (đồng)", (width - 24.0) * 0.3, Align::Right),
    ];
    let total: i64 = form.items.iter().map(|i| i.amount_vnd).sum();
    let mut rows: Vec<Vec<String>> = form
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| vec![(i + 1).to_string(), item.label.clone(), thousands(item.amount_vnd)])
        .collect();
    rows.push(vec![String::new(), "Tổng cộng".into(), thousands(total)]);
    sheet.table(&columns, &rows, SMALL);
    sheet.gap(3.0);
    sheet.paragraph(&[("Số tiền bằng chữ: ", Regular), (&amount_in_words(total), Bold)], BODY, Align::Left, 0.0);
    sheet.field("Hình thức thanh toán:", &form.method, BODY);
    sheet.field("Mã giao dịch:", &form.reference, BODY);
    sheet.field("Thời gian thanh toán:", &long_time(form.paid_at), BODY);
    note(&mut sheet, "Biên lai điện tử do hệ thống tạo lập, có giá trị như biên lai giấy.");
    sign_right(&mut sheet, "ĐƠN VỊ THU", "(Biên lai điện tử)", &form.issuer.unit);
    sheet.finish()
}
