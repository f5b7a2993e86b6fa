//! The forms, and the parts they share: the heading, the applicant's lines, the QR code and the
//! signature blocks.

pub(crate) mod blank_application;
pub(crate) mod control_slip;
pub(crate) mod document_register;
pub(crate) mod fee_receipt;
pub(crate) mod ii06a;
pub(crate) mod notices;
pub(crate) mod official;
pub(crate) mod receipt;
pub(crate) mod register;
pub(crate) mod result;

use chrono::NaiveDate;

use crate::fonts::Style::{Bold, BoldItalic, Italic, Regular};
use crate::sheet::{Align, Paper, Sheet, Stack};
use crate::text::{self, long_date};
use crate::{qr, FormKind, FormNumbering, RenderError};

/// Margins (top, right, bottom, left) in millimetres: wider on the left for binding, as on every
/// administrative document.
pub(crate) const MARGINS: [f32; 4] = [10.0, 10.0, 12.0, 15.0];
/// Sizes of the heading, the body, table text, the form's title and the QR caption, in points.
///
/// The slips are A5, which is A4 scaled by 1/√2. Decree 30/2020 (Annex I) sets an A4 document's
/// body at 13–14 pt, its national name at 12–13 pt and its motto and place-and-date line at
/// 13–14 pt; scaled, that is a body of 9.5 pt (13.4 pt on A4), a heading of 8.5 pt (12 pt) and a
/// motto and date line a point larger than the heading (13.4 pt).
pub(crate) const HEAD: f32 = 8.5;
pub(crate) const BODY: f32 = 9.5;
pub(crate) const SMALL: f32 = 8.5;
pub(crate) const TITLE: f32 = 11.0;
pub(crate) const CAPTION: f32 = 6.5;
/// Sizes of an A4 document, in points, as Decree 30/2020 (Annex I) sets them: the heading at
/// 12 pt (its motto and date a point larger), the body at 13 pt, the title at 14 pt, the small
/// print at 11 pt; the A5 slips' sizes above are these scaled down.
pub(crate) const A4_HEAD: f32 = 12.0;
pub(crate) const A4_BODY: f32 = 13.0;
pub(crate) const A4_TITLE: f32 = 14.0;
pub(crate) const A4_SMALL: f32 = 11.0;
/// Side of the printed QR code: about 22 mm, read easily by a phone at arm's length.
pub(crate) const QR_SIDE: f32 = 62.0;
/// Room left for a handwritten signature (and a seal), where the digital signature's stamp goes
/// on a signed PDF.
pub(crate) const SIGNATURE_ROOM: f32 = 44.0;

/// The agency that issues a form, as its heading names it.
///
/// Vietnamese forms name two levels at the top left: the governing body (cơ quan chủ quản) and
/// the unit that deals with the applicant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Issuer {
    /// Governing body, e.g. "Ủy ban nhân dân tỉnh Lào Cai"; printed in capitals.
    pub agency: String,
    /// The issuing unit, e.g. "Trung tâm Phục vụ hành chính công tỉnh"; printed in bold capitals
    /// and named in the body text ("… tiếp nhận hồ sơ của").
    pub unit: String,
    /// Place name for the date line ("Lào Cai, ngày 26 tháng 11 năm 2026").
    pub place: String,
}

/// The dossier a form is about: its code and the public lookup link printed as a QR code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DossierRef {
    /// Mã hồ sơ — the dossier code, e.g. "000.00.12.H38-261126-0007"; printed as given.
    pub code: String,
    /// The public lookup page of the dossier; anyone holding the paper can scan it to follow the
    /// dossier.
    pub lookup_url: String,
}

/// The applicant (người nộp hồ sơ) as the forms address them; empty fields print as empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applicant {
    /// Full name of the person or organisation.
    pub name: String,
    /// Số định danh — the 12-digit citizen id (CCCD) or the tax code of an organisation.
    pub id_number: String,
    /// Postal address, where a result sent by post goes.
    pub address: String,
    /// Phone number, for the officer to call about the dossier.
    pub phone: String,
    /// E-mail address, where notifications go.
    pub email: String,
}

/// Who signs a form for the agency, with the title printed above the signature, e.g.
/// "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" (lines split at `\n`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signer {
    /// Authority and position, in capitals as printed, e.g. "GIÁM ĐỐC".
    pub title: String,
    /// Full name, printed under the signature.
    pub name: String,
}

/// A new document for one of the forms.
fn sheet(paper: Paper, kind: FormKind) -> Sheet {
    Sheet::new(paper, MARGINS, kind.title())
}

/// The heading every form starts with: "Mẫu số NN" at the top right, the issuer at the left, the
/// national name and motto at the right and, under it, the place and date when given, in italics
/// as Decree 30/2020 (Annex I) sets them.
fn heading(sheet: &mut Sheet, issuer: &Issuer, kind: FormKind, numbering: FormNumbering, dated: Option<NaiveDate>) {
    numbered_heading(sheet, issuer, numbering.number(kind), dated, None, HEAD);
}

/// [`heading`] with the number and symbol the agency gave the document in its register
/// ("Số: 12/PXL-STP"), under the issuer's name as Decree 30/2020 Annex I places it.
fn heading_with_number(
    sheet: &mut Sheet,
    issuer: &Issuer,
    kind: FormKind,
    numbering: FormNumbering,
    dated: NaiveDate,
    document_number: &str,
) {
    numbered_heading(sheet, issuer, numbering.number(kind), Some(dated), Some(document_number), HEAD);
}

/// [`heading`] with the form number given, or none for a document that is no numbered form, and
/// the document's own number and symbol when it has one; its national name and issuer set at
/// `head` points and its motto and date a point larger.
pub(crate) fn numbered_heading(
    sheet: &mut Sheet,
    issuer: &Issuer,
    number: Option<&str>,
    dated: Option<NaiveDate>,
    document_number: Option<&str>,
    head: f32,
) {
    if let Some(number) = number {
        sheet.paragraph(&[(&format!("Mẫu số {number}"), Regular)], head, Align::Right, 0.0);
    }
    let total = sheet.width();
    let motto_width =
        Stack::new(total).text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Bold, head, Align::Center).content_width();
    let right_width = (motto_width + 4.0).min(total * 0.62);
    let left_width = (total - right_width - 8.0).min(total * 0.45);
    let agency = text::clean(&issuer.agency).to_uppercase();
    let unit = text::clean(&issuer.unit).to_uppercase();
    let mut left = Stack::new(left_width);
    if !agency.is_empty() {
        left = left.text(&agency, Regular, head, Align::Center);
    }
    left = left.text(&unit, Bold, head, Align::Center).rule(left_width * 0.35);
    if let Some(document_number) = document_number {
        let document_number = text::clean(document_number);
        let line =
            if document_number.is_empty() { "Số: …/…".to_string() } else { format!("Số: {document_number}") };
        left = left.gap(2.0).text(&line, Regular, head, Align::Center);
    }
    let mut right = Stack::new(right_width)
        .text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Bold, head, Align::Center)
        .text("Độc lập - Tự do - Hạnh phúc", Bold, head + 1.0, Align::Center)
        .rule(right_width * 0.55);
    if let Some(date) = dated {
        let place = text::clean(&issuer.place);
        let line = if place.is_empty() { long_date(date) } else { format!("{place}, {}", long_date(date)) };
        right = right.gap(3.0).text(&line, Italic, head + 1.0, Align::Center);
    }
    sheet.stacks(vec![(0.0, left), (total - right_width, right)]);
}

/// The form's name in bold capitals, centred.
fn title(sheet: &mut Sheet, kind: FormKind) {
    sheet.clear_float();
    sheet.gap(8.0);
    sheet.paragraph(&[(&kind.title().to_uppercase(), Bold)], TITLE, Align::Center, 0.0);
    sheet.gap(3.0);
}

/// The QR code of the lookup link at the right, the code printed under it; the next lines flow
/// beside it.
fn qr_code(sheet: &mut Sheet, dossier: &DossierRef) -> Result<(), RenderError> {
    let modules = qr::encode(&dossier.lookup_url)?;
    sheet.float_qr(&modules, QR_SIDE, &dossier.code, CAPTION);
    Ok(())
}

/// The applicant's identity and contact lines.
fn applicant_lines(sheet: &mut Sheet, applicant: &Applicant) {
    sheet.field("Số định danh cá nhân/mã số thuế:", &applicant.id_number, BODY);
    sheet.field("Địa chỉ:", &applicant.address, BODY);
    sheet.paragraph(
        &[
            ("Số điện thoại: ", Regular),
            (&applicant.phone, Bold),
            ("    Thư điện tử: ", Regular),
            (&applicant.email, Bold),
        ],
        BODY,
        Align::Left,
        0.0,
    );
}

/// A note under a form (ghi chú), small and in italics as Decree 30/2020 (Annex I) sets notes.
fn note(sheet: &mut Sheet, text: &str) {
    sheet.paragraph(&[(text, Italic)], SMALL, Align::Left, 0.0);
}

/// A signature block: title in bold, the hint in brackets in italics, room to sign, the name in
/// bold. The room is where the digital signature's stamp goes when the block is the one the
/// PDF is signed for (`digital`), not the applicant's.
fn signature(width: f32, title: &str, hint: &str, name: &str, digital: bool) -> Stack {
    let block = Stack::new(width).text(title, Bold, BODY, Align::Center).text(hint, Italic, SMALL, Align::Center);
    let block = if digital { block.sign_here(SIGNATURE_ROOM) } else { block.gap(SIGNATURE_ROOM) };
    block.text(name, Bold, BODY, Align::Center)
}

/// One signature on the right half, as for a notice signed by the agency alone.
fn sign_right(sheet: &mut Sheet, title: &str, hint: &str, name: &str) {
    sheet.gap(6.0);
    let half = sheet.width() / 2.0;
    sheet.stacks(vec![(half, signature(half, title, hint, name, true))]);
}

/// The place of the digital signature of a document that has no signer's block of its own (the
/// control slip, the register): on the right half, after the content.
fn digital_signature_place(sheet: &mut Sheet) {
    sheet.gap(6.0);
    let half = sheet.width() / 2.0;
    sheet.stacks(vec![(half, Stack::new(half).sign_here(SIGNATURE_ROOM))]);
}

/// The signature of the agency's head at the right and, at the left, where the copies go
/// ("Nơi nhận", its label in bold italics), as an administrative document ends (Decree 30/2020
/// Annex I).
fn sign_with_recipients(sheet: &mut Sheet, recipients: &[String], signer: &Signer, hint: &str) {
    sheet.gap(6.0);
    let half = sheet.width() / 2.0;
    let mut left = Stack::new(half).text("Nơi nhận:", BoldItalic, SMALL, Align::Left);
    for recipient in recipients {
        left = left.text(&format!("- {}", text::clean(recipient)), Regular, SMALL - 1.0, Align::Left);
    }
    sheet.stacks(vec![(0.0, left), (half, signature(half, &signer.title, hint, &signer.name, true))]);
}

/// Two signatures side by side: the applicant's and the officer's, the digital signature in the
/// officer's.
fn sign_both(sheet: &mut Sheet, left: (&str, &str), right: (&str, &str)) {
    sheet.gap(6.0);
    let half = sheet.width() / 2.0;
    let hint = "(Ký và ghi rõ họ tên)";
    sheet.stacks(vec![
        (0.0, signature(half, left.0, hint, left.1, false)),
        (half, signature(half, right.0, hint, right.1, true)),
    ]);
}
