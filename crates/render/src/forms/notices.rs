//! Forms 02 to 05, the slips that tell the applicant something went otherwise than planned:
//! the supplement request, the refusal, the apology with a new date and the stop notice. All are
//! A5 portrait letters addressed to the applicant and flow onto a second page if the lists are
//! long.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    applicant_lines, heading, heading_with_number, qr_code, sheet, sign_right, sign_with_recipients, title, Applicant,
    DossierRef, Issuer, Signer, BODY, SMALL,
};
use crate::fonts::Style::{Bold, Regular};
use crate::sheet::{Align, Column, Paper, Sheet};
use crate::text::{long_time, thousands};
use crate::{FormKind, FormNumbering, FormPdf, RenderError};

/// One thing the applicant must add or correct, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupplementItem {
    /// What to add or correct, e.g. "Bản sao Giấy chứng nhận quyền sử dụng đất".
    pub item: String,
    /// Why, e.g. "Bản sao không rõ số thửa".
    pub reason: String,
}

/// Form 02, Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ — the supplement request.
///
/// The law allows one request per dossier listing everything at once (Decree 61/2018 art. 19),
/// so the form prints the whole list, however long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupplementRequest {
    /// The agency and unit asking.
    pub issuer: Issuer,
    /// The dossier's code and lookup link (QR code).
    pub dossier: DossierRef,
    /// Date of the request.
    pub issued_on: NaiveDate,
    /// Whose dossier it is.
    pub applicant: Applicant,
    /// Name of the administrative procedure.
    pub procedure: String,
    /// When the dossier was received, if it was (a request after appraisal); `None` at the counter.
    pub received_at: Option<DateTime<Utc>>,
    /// Everything missing or faulty.
    pub items: Vec<SupplementItem>,
    /// The officer who guides the applicant, and signs.
    pub officer: String,
    /// A phone number to reach that officer.
    pub officer_phone: String,
}

/// Form 03, Phiếu từ chối tiếp nhận giải quyết hồ sơ — the refusal, with its reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The agency and unit refusing.
    pub issuer: Issuer,
    /// The dossier's code and lookup link (QR code).
    pub dossier: DossierRef,
    /// Date of the refusal.
    pub issued_on: NaiveDate,
    /// Whose dossier it is.
    pub applicant: Applicant,
    /// Name of the administrative procedure.
    pub procedure: String,
    /// Each reason, printed as a numbered list; the law requires them to be specific.
    pub reasons: Vec<String>,
    /// The officer who refuses, and signs.
    pub officer: String,
}

/// What every letter an agency numbers and sends about a dossier carries (the apology, the stop
/// notice, the refusal after appraisal): Decree 30/2020 Annex I's number, signer and "Nơi nhận".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    /// The agency that sends it.
    pub issuer: Issuer,
    /// The dossier's code and lookup link (QR code).
    pub dossier: DossierRef,
    /// Date of the letter.
    pub issued_on: NaiveDate,
    /// Whom it is addressed to.
    pub applicant: Applicant,
    /// Name of the administrative procedure.
    pub procedure: String,
    /// When the dossier was received.
    pub received_at: DateTime<Utc>,
    /// The head of the agency (or a deputy) who signs.
    pub signer: Signer,
    /// Its number and symbol in the agency's register of the year, e.g. "12/PXL-STP".
    pub number: String,
    /// Where copies go ("Nơi nhận"), after the applicant: the one-stop desk, the agency's
    /// archive.
    pub recipients: Vec<String>,
}

/// Phiếu từ chối giải quyết hồ sơ — the deciding agency's refusal of a dossier it received and
/// appraised (Decree 61/2018 Art. 19.8): its own document, numbered in its register and signed
/// by its head, unlike form 03 which the desk issues at reception.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppraisalRefusal {
    /// The agency's letter: addressee, dossier, number, signer and recipients.
    pub letter: Letter,
    /// Each reason, printed as a numbered list.
    pub reasons: Vec<String>,
}

/// Form 04, Phiếu xin lỗi và hẹn lại ngày trả kết quả — the apology for a late dossier, with the
/// new appointment. A dossier may be rescheduled once (DESIGN.md section 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apology {
    /// The agency's letter: addressee, dossier, number, signer and recipients.
    pub letter: Letter,
    /// The appointment printed on the receipt, which will be missed.
    pub old_due_at: DateTime<Utc>,
    /// The new appointment.
    pub new_due_at: DateTime<Utc>,
    /// Why the dossier is late.
    pub reason: String,
}

/// Form 05 (Circular 03/2025 only), Thông báo dừng giải quyết hồ sơ — notice that processing of
/// a dossier has stopped, e.g. because the applicant withdrew it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopNotice {
    /// The agency's letter: addressee, dossier, number, signer and recipients.
    pub letter: Letter,
    /// When processing stopped.
    pub stopped_at: DateTime<Utc>,
    /// Why, e.g. "Người nộp hồ sơ có văn bản đề nghị rút hồ sơ".
    pub reason: String,
    /// What happens next, e.g. how the documents handed in are returned; omitted when empty.
    pub next_steps: String,
    /// The fee and charge already paid, in đồng (0: none), and what becomes of it.
    pub fee_paid_vnd: i64,
    /// How the fee paid is refunded, or why it is not; printed when a fee was paid.
    pub refund: String,
}

/// The opening common to the four slips: heading, title, QR code, the dossier code.
fn opening(
    kind: FormKind,
    numbering: FormNumbering,
    issuer: &Issuer,
    issued_on: NaiveDate,
    dossier: &DossierRef,
) -> Result<Sheet, RenderError> {
    opening_numbered(kind, numbering, issuer, issued_on, dossier, None)
}

/// [`opening`] for a document the agency numbers in its register (the apology, the stop notice).
fn opening_numbered(
    kind: FormKind,
    numbering: FormNumbering,
    issuer: &Issuer,
    issued_on: NaiveDate,
    dossier: &DossierRef,
    document_number: Option<&str>,
) -> Result<Sheet, RenderError> {
    let mut sheet = sheet(Paper::A5_PORTRAIT, kind);
    match document_number {
        Some(number) => heading_with_number(&mut sheet, issuer, kind, numbering, issued_on, number),
        None => heading(&mut sheet, issuer, kind, numbering, Some(issued_on)),
    }
    title(&mut sheet, kind);
    qr_code(&mut sheet, dossier)?;
    sheet.field("Mã hồ sơ:", &dossier.code, BODY);
    Ok(sheet)
}

/// The opening of a letter the agency numbers in its register: heading with the number, title,
/// QR code, dossier code, and whom it is addressed to.
fn open_letter(kind: FormKind, numbering: FormNumbering, letter: &Letter) -> Result<Sheet, RenderError> {
    let mut sheet =
        opening_numbered(kind, numbering, &letter.issuer, letter.issued_on, &letter.dossier, Some(&letter.number))?;
    sheet.field("Kính gửi: Ông/Bà", &letter.applicant.name, BODY);
    Ok(sheet)
}

/// The close of such a letter: where copies go, and the head's signature.
fn close_letter(mut sheet: Sheet, letter: &Letter) -> Result<FormPdf, RenderError> {
    sign_with_recipients(&mut sheet, &letter.recipients, &letter.signer, "(Ký, ghi rõ họ tên và đóng dấu)");
    sheet.finish()
}

/// A numbered list, each item a hanging paragraph.
fn numbered(sheet: &mut Sheet, items: impl IntoIterator<Item = String>) {
    for (i, item) in items.into_iter().enumerate() {
        sheet.paragraph(&[(&format!("{}. {item}", i + 1), Regular)], BODY, Align::Left, 8.0);
    }
}

/// Renders form 02 on A5 portrait.
pub fn render_supplement_request(form: &SupplementRequest, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let mut sheet = opening(FormKind::SupplementRequest, numbering, &form.issuer, form.issued_on, &form.dossier)?;
    sheet.field("Hồ sơ của:", &form.applicant.name, BODY);
    applicant_lines(&mut sheet, &form.applicant);
    sheet.field("Nội dung yêu cầu giải quyết:", &form.procedure, BODY);
    if let Some(at) = form.received_at {
        sheet.field("Thời gian nhận hồ sơ:", &long_time(at), BODY);
    }
    sheet.paragraph(
        &[(&form.issuer.unit, Regular), (" đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:", Regular)],
        BODY,
        Align::Left,
        0.0,
    );
    let width = sheet.width();
    let columns = [
        Column::new("STT", 24.0, Align::Center),
        Column::new("Nội dung cần bổ sung, hoàn thiện", (width - 24.0) * 0.55, Align::Left),
        Column::new("Lý do", (width - 24.0) * 0.45, Align::Left),
    ];
    let rows: Vec<Vec<String>> = form
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| vec![(i + 1).to_string(), item.item.clone(), item.reason.clone()])
        .collect();
    sheet.table(&columns, &rows, SMALL);
    sheet.gap(3.0);
    sheet.paragraph(
        &[
            ("Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ với ", Regular),
            (&form.officer, Bold),
            (", số điện thoại ", Regular),
            (&form.officer_phone, Bold),
            (" để được hướng dẫn.", Regular),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    sign_right(&mut sheet, "NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", &form.officer);
    sheet.finish()
}

/// Renders form 03 on A5 portrait.
pub fn render_refusal(form: &Refusal, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let mut sheet = opening(FormKind::Refusal, numbering, &form.issuer, form.issued_on, &form.dossier)?;
    sheet.paragraph(
        &[(&form.issuer.unit, Regular), (" tiếp nhận hồ sơ của: ", Regular), (&form.applicant.name, Bold)],
        BODY,
        Align::Left,
        0.0,
    );
    applicant_lines(&mut sheet, &form.applicant);
    sheet.field("Nội dung yêu cầu giải quyết:", &form.procedure, BODY);
    sheet.clear_float();
    sheet.paragraph(
        &[
            ("Sau khi nghiên cứu, đối chiếu các quy định hiện hành, ", Regular),
            (&form.issuer.unit, Regular),
            (" từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:", Regular),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    numbered(&mut sheet, form.reasons.iter().cloned());
    sheet.plain("Xin thông báo cho Ông/Bà được biết và thực hiện./.", BODY);
    sign_right(&mut sheet, "NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", &form.officer);
    sheet.finish()
}

/// Renders the refusal after appraisal on A5 portrait, without a form number.
pub fn render_appraisal_refusal(form: &AppraisalRefusal, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let mut sheet = open_letter(FormKind::AppraisalRefusal, numbering, &form.letter)?;
    sheet.field("Nội dung yêu cầu giải quyết:", &form.letter.procedure, BODY);
    sheet.field("Thời gian nhận hồ sơ:", &long_time(form.letter.received_at), BODY);
    sheet.clear_float();
    sheet.paragraph(
        &[
            ("Sau khi thẩm định hồ sơ, đối chiếu các quy định hiện hành, ", Regular),
            (&form.letter.issuer.unit, Regular),
            (" từ chối giải quyết hồ sơ này với lý do cụ thể như sau:", Regular),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    numbered(&mut sheet, form.reasons.iter().cloned());
    sheet.plain("Hồ sơ được trả lại Ông/Bà tại Bộ phận tiếp nhận và trả kết quả.", BODY);
    sheet.plain("Xin thông báo để Ông/Bà được biết./.", BODY);
    close_letter(sheet, &form.letter)
}

/// Renders form 04 on A5 portrait.
pub fn render_apology(form: &Apology, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let mut sheet = open_letter(FormKind::Apology, numbering, &form.letter)?;
    sheet.paragraph(
        &[
            ("Lúc ", Regular),
            (&long_time(form.letter.received_at), Regular),
            (", ", Regular),
            (&form.letter.issuer.unit, Regular),
            (" tiếp nhận giải quyết hồ sơ của Ông/Bà.", Regular),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    sheet.field("Nội dung yêu cầu giải quyết:", &form.letter.procedure, BODY);
    sheet.field("Thời gian hẹn trả kết quả giải quyết hồ sơ:", &long_time(form.old_due_at), BODY);
    sheet.clear_float();
    sheet.paragraph(
        &[
            ("Tuy nhiên đến nay, ", Regular),
            (&form.letter.issuer.unit, Regular),
            (
                " chưa trả được kết quả giải quyết hồ sơ của Ông/Bà đúng thời hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn \
                 trả kết quả.",
                Regular,
            ),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    sheet.field("Lý do:", &form.reason, BODY);
    sheet.paragraph(
        &[
            ("Sự chậm trễ này đã gây phiền hà cho Ông/Bà. ", Regular),
            (&form.letter.issuer.unit, Regular),
            (" xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào lúc ", Regular),
            (&long_time(form.new_due_at), Bold),
            (".", Regular),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    sheet.plain("Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.", BODY);
    close_letter(sheet, &form.letter)
}

/// Renders the stop notice on A5 portrait; under Circular 01/2018, which has no such form, it is
/// printed without a form number.
pub fn render_stop_notice(form: &StopNotice, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let mut sheet = open_letter(FormKind::StopNotice, numbering, &form.letter)?;
    sheet.paragraph(
        &[
            ("Lúc ", Regular),
            (&long_time(form.letter.received_at), Regular),
            (", ", Regular),
            (&form.letter.issuer.unit, Regular),
            (" tiếp nhận hồ sơ của Ông/Bà.", Regular),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    sheet.field("Nội dung yêu cầu giải quyết:", &form.letter.procedure, BODY);
    sheet.clear_float();
    sheet.paragraph(
        &[
            (&form.letter.issuer.unit, Regular),
            (" thông báo dừng giải quyết hồ sơ nêu trên kể từ ", Regular),
            (&long_time(form.stopped_at), Bold),
            (".", Regular),
        ],
        BODY,
        Align::Left,
        0.0,
    );
    sheet.field("Lý do:", &form.reason, BODY);
    if form.fee_paid_vnd > 0 {
        sheet.paragraph(
            &[
                ("Phí, lệ phí Ông/Bà đã nộp: ", Regular),
                (&format!("{} đồng", thousands(form.fee_paid_vnd)), Bold),
                (". ", Regular),
                (&form.refund, Regular),
            ],
            BODY,
            Align::Left,
            0.0,
        );
    }
    if !form.next_steps.trim().is_empty() {
        sheet.plain(&form.next_steps, BODY);
    }
    sheet.plain("Xin thông báo để Ông/Bà được biết./.", BODY);
    close_letter(sheet, &form.letter)
}
