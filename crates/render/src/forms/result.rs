//! The electronic result (kết quả giải quyết thủ tục hành chính bản điện tử, DESIGN.md section
//! 7): a cover page that names the dossier, the procedure, the agency and the applicant and
//! carries the verification code with its QR code, followed by the pages of the result file the
//! officer issued, each stamped with the code. The issued file itself is attached to the PDF byte
//! for byte, so nothing of it is lost even where its pages cannot be drawn (an image, a damaged
//! PDF). The system then signs the whole PDF; this crate only lays it out.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    digital_signature_place, numbered_heading, Issuer, A4_BODY, A4_HEAD, A4_SMALL, A4_TITLE, MARGINS, QR_SIDE,
};
use crate::fonts::Style::{Bold, Regular};
use crate::sheet::{Align, Appendix, Paper, Sheet};
use crate::text::long_time;
use crate::{qr, FormPdf, RenderError};

/// The title of the cover page and of the PDF.
const RESULT_TITLE: &str = "Kết quả giải quyết thủ tục hành chính";

/// Size of the verification code printed under the QR code.
const COVER_CAPTION: f32 = 9.0;

/// The result file as the officer issued it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedFile {
    /// Its name, as uploaded (shown and used as the attachment's name).
    pub file_name: String,
    /// Its sniffed content type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Everything printed on an electronic result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectronicResult {
    /// The agency that issues it.
    pub issuer: Issuer,
    /// Mã hồ sơ — the dossier code.
    pub dossier_code: String,
    /// The procedure's name.
    pub procedure: String,
    /// The applicant's name: the result is theirs.
    pub applicant: String,
    /// When the result was issued.
    pub issued_at: DateTime<Utc>,
    /// Mã xác thực — the verification code as printed (`K7QM-2D9X-PA4T`).
    pub verification_code: String,
    /// The public verification page of this result, printed as the QR code.
    pub verify_url: String,
    /// The id of the key that signs the PDF, printed for whoever checks it by hand.
    pub key_id: String,
    /// The officer's result file.
    pub issued: IssuedFile,
}

/// Renders the electronic result: an A4 cover page, then the issued PDF's pages when they can
/// be drawn, the issued file attached in every case.
pub fn render_electronic_result(result: &ElectronicResult) -> Result<FormPdf, RenderError> {
    let pages = if result.issued.content_type == "application/pdf" {
        krilla::pdf::Pdf::new(Arc::new(result.issued.bytes.clone())).ok().filter(|pdf| !pdf.pages().is_empty())
    } else {
        None
    };
    if let Some(pdf) = pages {
        // A PDF the embedding cannot handle (or that trips it up) is still attached whole.
        let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render(result, Some(Arc::new(pdf)))));
        if let Ok(Ok(bytes)) = drawn {
            return Ok(bytes);
        }
    }
    render(result, None)
}

fn render(result: &ElectronicResult, pages: Option<Arc<krilla::pdf::Pdf>>) -> Result<FormPdf, RenderError> {
    let mut sheet = Sheet::new(Paper::A4_PORTRAIT, MARGINS, RESULT_TITLE);
    let issued_on = result.issued_at.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    numbered_heading(&mut sheet, &result.issuer, None, Some(issued_on), None, A4_HEAD);
    sheet.clear_float();
    sheet.gap(10.0);
    sheet.paragraph(&[(&RESULT_TITLE.to_uppercase(), Bold)], A4_TITLE, Align::Center, 0.0);
    sheet.paragraph(&[("(Bản điện tử có chữ ký số của hệ thống)", Regular)], A4_BODY, Align::Center, 0.0);
    sheet.gap(6.0);
    let modules = qr::encode(&result.verify_url)?;
    sheet.float_qr(&modules, QR_SIDE * 1.3, &format!("Mã xác thực: {}", result.verification_code), COVER_CAPTION);
    sheet.field("Mã hồ sơ:", &result.dossier_code, A4_BODY);
    sheet.field("Thủ tục hành chính:", &result.procedure, A4_BODY);
    sheet.field("Người nộp hồ sơ:", &result.applicant, A4_BODY);
    sheet.field("Cơ quan giải quyết:", &result.issuer.unit, A4_BODY);
    sheet.field("Thời điểm cấp:", &long_time(result.issued_at), A4_BODY);
    sheet.field("Mã xác thực:", &result.verification_code, A4_BODY);
    sheet.clear_float();
    sheet.gap(4.0);
    let contents = if pages.is_some() {
        format!(
            "Kết quả giải quyết do cơ quan ban hành (tệp \u{201c}{}\u{201d}) được in ở các trang sau và đính kèm nguyên bản trong tệp PDF này.",
            result.issued.file_name
        )
    } else {
        format!(
            "Kết quả giải quyết do cơ quan ban hành (tệp \u{201c}{}\u{201d}) được đính kèm nguyên bản trong tệp PDF này (mở mục tệp đính kèm của trình đọc PDF).",
            result.issued.file_name
        )
    };
    sheet.paragraph(&[(&contents, Regular)], A4_BODY, Align::Left, 0.0);
    sheet.gap(4.0);
    sheet.paragraph(
        &[
            ("Tệp PDF này được hệ thống ký số (Ed25519, khóa ", Regular),
            (&result.key_id, Bold),
            ("). Để kiểm tra kết quả là xác thực và chưa bị sửa đổi, quét mã QR, mở địa chỉ ", Regular),
            (&result.verify_url, Bold),
            (" hoặc tải tệp này lên trang xác thực kết quả. Bản in của tệp được đối chiếu theo mã xác thực.", Regular),
        ],
        A4_SMALL,
        Align::Left,
        0.0,
    );
    // The agency's digital signature, when it signs, shows its stamp on this cover page rather
    // than over the issued pages.
    digital_signature_place(&mut sheet);
    let stamp = format!("Mã xác thực {} — {}", result.verification_code, result.verify_url);
    let file = krilla::embed::EmbeddedFile {
        path: attachment_name(&result.issued.file_name),
        mime_type: krilla::embed::MimeType::new(&result.issued.content_type),
        description: Some("Kết quả giải quyết do cơ quan ban hành, nguyên bản".to_string()),
        association_kind: krilla::embed::AssociationKind::Source,
        data: result.issued.bytes.clone().into(),
        modification_date: None,
        compress: Some(false),
        location: None,
    };
    let keywords = vec![format!("{SEAL_KEYWORD}{}", result.verification_code.replace('-', ""))];
    sheet.finish_with(Appendix { pages: pages.map(|pdf| (pdf, stamp)), files: vec![file], keywords })
}

/// The keyword that names an electronic result's verification code in its metadata, so that a
/// file that no longer matches its seal can still say which result it claims to be.
pub const SEAL_KEYWORD: &str = "motcua-seal:";

/// The verification code an electronic result's bytes name in their metadata, if any: found even
/// in a file changed elsewhere, to tell "this is result X, modified" from "not a result".
pub fn claimed_code(bytes: &[u8]) -> Option<String> {
    let marker = SEAL_KEYWORD.as_bytes();
    let at = bytes.windows(marker.len()).position(|w| w == marker)? + marker.len();
    let code: String =
        bytes[at..].iter().take_while(|b| b.is_ascii_alphanumeric()).take(32).map(|b| char::from(*b)).collect();
    (!code.is_empty()).then_some(code)
}

/// The name the attached file gets: the uploaded one, or a plain one when it has none.
fn attachment_name(file_name: &str) -> String {
    let name = file_name.trim();
    if name.is_empty() {
        "ket-qua".to_string()
    } else {
        name.to_string()
    }
}
