//! The electronic receipt of a fee paid (biên lai thu phí, lệ phí điện tử): who collected what
//! fee from whom, for which dossier, how, and when, with the amount in words as receipts print it.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    applicant_lines, heading, note, qr_code, sheet, title, Applicant, DossierRef, Issuer, BODY, SIGNATURE_ROOM, SMALL,
};
use crate::fonts::Style::{Bold, Italic, Regular};
use crate::sheet::{Align, Column, Paper, Sheet, Stack};
use crate::text::{amount_in_words, long_time, thousands};
use crate::{FormKind, FormNumbering, FormPdf, RenderError};

/// One line of what was paid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeeItem {
    /// What, e.g. "Phí cấp Phiếu lý lịch tư pháp".
    pub label: String,
    /// Amount in đồng.
    pub amount_vnd: i64,
}

/// The receipt of a fee paid online or at the counter.
///
/// It carries what Decree 123/2020/NĐ-CP, Art. 32 (nội dung biên lai) requires of a receipt of
/// fees and charges: the receipt's name (the form's title, "Biên lai thu phí, lệ phí"), the form
/// symbol and the receipt series symbol, written as Circular 78/2021/TT-BTC has them, the
/// receipt's number, the name and tax code of the organisation that collects, the fee's name and
/// the amount in figures and in words, the date, and the collecting organisation's signature: an
/// electronic receipt is signed digitally (the PDF's PAdES signature, made after rendering), and
/// its signature block says so instead of leaving room for ink. The copy (liên) that a printed
/// receipt names does not apply to an electronic one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeReceipt {
    /// The organisation that collects: its unit is printed as the collecting organisation.
    pub issuer: Issuer,
    /// Mã số thuế — the collecting organisation's tax code; printed empty when the catalog has
    /// none.
    pub tax_code: String,
    /// Ký hiệu mẫu biên lai — the form symbol, e.g. "01BLP0-001".
    pub form_symbol: String,
    /// Ký hiệu biên lai — the receipt series symbol, e.g. "AA-26E".
    pub series: String,
    /// Số biên lai — the receipt's number within its series.
    pub number: String,
    /// The dossier paid for (its code and lookup link, as a QR code).
    pub dossier: DossierRef,
    /// Date of issue.
    pub issued_on: NaiveDate,
    /// Who paid.
    pub payer: Applicant,
    /// Tên loại phí, lệ phí — the fee's name, e.g. "Lệ phí đăng ký hộ tịch", or the fees of
    /// the procedure paid for where the catalog names no fee of its own.
    pub fee_name: String,
    /// What was paid; the total is their sum.
    pub items: Vec<FeeItem>,
    /// How, e.g. "Thanh toán trực tuyến qua cổng thanh toán (NCB)" or "Tiền mặt tại Bộ phận Một cửa".
    pub method: String,
    /// The payment's reference and the gateway's transaction number.
    pub reference: String,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
    /// Whether the collecting organisation signs the PDF digitally once it is rendered. A receipt
    /// issued without a certificate says it is not signed rather than claim a signature it lacks.
    pub digitally_signed: bool,
}

/// Renders the receipt on A5 portrait.
pub fn render_fee_receipt(form: &FeeReceipt, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let mut sheet = sheet(Paper::A5_PORTRAIT, FormKind::FeeReceipt);
    heading(&mut sheet, &form.issuer, FormKind::FeeReceipt, numbering, Some(form.issued_on));
    title(&mut sheet, FormKind::FeeReceipt);
    qr_code(&mut sheet, &form.dossier)?;
    sheet.field("Ký hiệu mẫu biên lai:", &form.form_symbol, BODY);
    sheet.field("Ký hiệu biên lai:", &form.series, BODY);
    sheet.field("Số biên lai:", &form.number, BODY);
    sheet.field("Tổ chức thu phí, lệ phí:", &form.issuer.unit, BODY);
    sheet.field("Mã số thuế:", &form.tax_code, BODY);
    sheet.field("Mã hồ sơ:", &form.dossier.code, BODY);
    sheet.field("Người nộp:", &form.payer.name, BODY);
    applicant_lines(&mut sheet, &form.payer);
    sheet.field("Tên loại phí, lệ phí:", &form.fee_name, BODY);
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
    digital_signature(&mut sheet, &form.issuer.unit, form.digitally_signed);
    note(&mut sheet, "Biên lai điện tử do hệ thống tạo lập, có giá trị như biên lai giấy.");
    sheet.finish()
}

/// The collecting organisation's signature block on the right half: its title, "(Chữ ký số)",
/// the place of the digital signature's stamp and the organisation that signs; or, for a receipt issued without a
/// certificate, that it is not signed.
fn digital_signature(sheet: &mut Sheet, organisation: &str, signed: bool) {
    sheet.gap(6.0);
    let half = sheet.width() / 2.0;
    let block = Stack::new(half).text("ĐƠN VỊ THU PHÍ, LỆ PHÍ", Bold, BODY, Align::Center);
    let block = if signed {
        block.text("(Chữ ký số)", Italic, SMALL, Align::Center).sign_here(SIGNATURE_ROOM).spans(
            &[("Ký bởi: ", Regular), (organisation, Bold)],
            BODY,
            Align::Center,
        )
    } else {
        block.text("(Biên lai chưa được ký số)", Italic, SMALL, Align::Center).gap(4.0).text(
            organisation,
            Bold,
            BODY,
            Align::Center,
        )
    };
    sheet.stacks(vec![(half, block)]);
    sheet.gap(4.0);
}
