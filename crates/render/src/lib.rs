//! The one-stop legal forms (biểu mẫu — the printed forms that the one-stop rules prescribe) as
//! PDF: the receipt and appointment, the supplement request, the refusal, the apology with a new
//! date, the notice that processing stopped, the process control slip and the dossier register
//! (DESIGN.md section 6).
//!
//! Each form is a plain data struct and one function that returns the PDF's bytes. The crate
//! knows nothing of the database or the web: the caller gathers the data, this crate only lays it
//! out, so the same PDF can be served by a page, attached to an e-mail or archived by a job.
//!
//! Text is set in Liberation Serif (the widths of Times New Roman, which Decree 30/2020 asks for),
//! embedded and subset, with a ToUnicode map, so every Vietnamese letter prints and the text can
//! be searched and copied. Input is normalized to NFC first.
//! The dossier code is printed with a QR code of the public lookup link.
//!
//! The stamp of a digital signature (who signed, for which agency, when) is drawn here too, with
//! the same faces, for `motcua_signing::pades` to place in the signature.
//!
//! The steering dashboard's charts are drawn here as SVG ([`chart`]), for pages and print alike.

#![warn(missing_docs)]

pub mod chart;
mod fonts;
mod forms;
mod qr;
mod sheet;
mod stamp;
mod text;

use std::fmt;
use std::str::FromStr;

pub use forms::blank_application::{render_blank_application, BlankApplication, BlankQuestion};
pub use forms::control_slip::{render_control_slip, ControlSlip, HandOff, Timeliness};
pub use forms::document_register::{
    render_document_register, DocumentRegister, DocumentRegisterLines, IncomingLine, OutgoingLine,
};
pub use forms::fee_receipt::{render_fee_receipt, FeeItem, FeeReceipt};
pub use forms::ii06a::{render_ii06a_pdf, render_ii06a_xlsx, Ii06aReport, Ii06aRow, II06A_NUMBER};
pub use forms::notices::{
    render_apology, render_appraisal_refusal, render_refusal, render_stop_notice, render_supplement_request, Apology,
    AppraisalRefusal, Letter, Refusal, StopNotice, SupplementItem, SupplementRequest,
};
pub use forms::official::{render_official_document, OfficialDocument};
pub use forms::receipt::{render_receipt, CopyKind, Receipt, ReceivedDocument};
pub use forms::register::{render_register, Register, RegisterRow};
pub use forms::result::{claimed_code, render_electronic_result, ElectronicResult, IssuedFile, SEAL_KEYWORD};
pub use forms::{Applicant, DossierRef, Issuer, Signer};
pub use stamp::{render_signature_stamp, SignatureStamp};
pub use text::{amount_in_words, thousands};

/// A QR code as inline SVG, for pages (an authenticator app's enrolment address).
pub fn qr_svg(data: &str) -> Result<String, RenderError> {
    qr::svg(data)
}

/// A rendered form: its PDF, and where the form's own signature goes, for the digital
/// signature's stamp to be drawn there (Decree 30/2020 Annex I: the signature's image in the
/// signer's block) rather than over the text.
#[derive(Clone, Debug, PartialEq)]
pub struct FormPdf {
    /// The PDF.
    pub bytes: Vec<u8>,
    /// The signer's block; `None` for a document without one (the stamp then goes at the foot).
    pub signature_box: Option<SignatureBox>,
}

impl FormPdf {
    /// The PDF's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl AsRef<[u8]> for FormPdf {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl std::ops::Deref for FormPdf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Where on a page a signature's stamp goes: the page, counted from 1, and the box's lower-left
/// corner and size in points from the page's lower-left corner (PDF user space).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignatureBox {
    /// The page, from 1.
    pub page: usize,
    /// Left edge.
    pub x: f32,
    /// Lower edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// Why a form could not be rendered.
///
/// Rendering is pure computation: these are errors in the data (a link too long for a QR code)
/// or, should it ever happen, in the PDF writer, never transient failures worth a retry.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The lookup link does not fit in a QR code (about 2,300 bytes at the error correction used).
    #[error("the lookup link is too long for a QR code ({0} bytes)")]
    QrTooLong(usize),
    /// The page geometry is invalid; a bug in this crate.
    #[error("invalid page layout")]
    Layout,
    /// The PDF writer refused the document; a bug in this crate or in krilla.
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
    /// The workbook writer refused the workbook; a bug in this crate or in rust_xlsxwriter.
    #[error("the workbook could not be written: {0}")]
    Spreadsheet(String),
}

/// The kinds of form this crate renders, to look up their number in a [`FormNumbering`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FormKind {
    /// Giấy tiếp nhận hồ sơ và hẹn trả kết quả — receipt and appointment.
    Receipt,
    /// Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ — supplement request.
    SupplementRequest,
    /// Phiếu từ chối tiếp nhận giải quyết hồ sơ — refusal.
    Refusal,
    /// Phiếu từ chối giải quyết hồ sơ — the deciding agency's refusal after appraisal of a
    /// received dossier (Decree 61/2018 Art. 19.8); no circular gives it a number.
    AppraisalRefusal,
    /// Phiếu xin lỗi và hẹn lại ngày trả kết quả — apology and new date.
    Apology,
    /// Thông báo dừng giải quyết hồ sơ — processing stopped.
    StopNotice,
    /// Phiếu kiểm soát quá trình giải quyết hồ sơ — process control slip.
    ControlSlip,
    /// Sổ theo dõi hồ sơ — dossier register.
    Register,
    /// Biên lai thu phí, lệ phí — the receipt of a fee paid; not a one-stop form, so unnumbered.
    FeeReceipt,
    /// Biểu II.06a — the periodic report of dossiers received, resolved and in progress; a
    /// reporting form with a number of its own ([`II06A_NUMBER`]), not a one-stop form.
    Ii06a,
    /// Văn bản hành chính — an outgoing document of the electronic office (Decree 30/2020
    /// Annex I); not a one-stop form, so unnumbered.
    OfficialDocument,
    /// Sổ đăng ký văn bản đến — the incoming register of the electronic office (Decree
    /// 30/2020 Annex IV); unnumbered.
    IncomingRegister,
    /// Sổ đăng ký văn bản đi — the outgoing register (Decree 30/2020 Annex IV); unnumbered.
    OutgoingRegister,
}

impl FormKind {
    /// Every kind, in the order of the new numbering.
    pub const ALL: [FormKind; 13] = [
        FormKind::Receipt,
        FormKind::SupplementRequest,
        FormKind::Refusal,
        FormKind::AppraisalRefusal,
        FormKind::Apology,
        FormKind::StopNotice,
        FormKind::ControlSlip,
        FormKind::Register,
        FormKind::FeeReceipt,
        FormKind::Ii06a,
        FormKind::OfficialDocument,
        FormKind::IncomingRegister,
        FormKind::OutgoingRegister,
    ];

    /// A stable name for storing and naming the kind: `receipt`, `supplement_request`,
    /// `refusal`, `appraisal_refusal`, `apology`, `stop_notice`, `control_slip`, `register`,
    /// `fee_receipt`, `ii06a`.
    pub fn key(self) -> &'static str {
        match self {
            FormKind::Receipt => "receipt",
            FormKind::SupplementRequest => "supplement_request",
            FormKind::Refusal => "refusal",
            FormKind::AppraisalRefusal => "appraisal_refusal",
            FormKind::Apology => "apology",
            FormKind::StopNotice => "stop_notice",
            FormKind::ControlSlip => "control_slip",
            FormKind::Register => "register",
            FormKind::FeeReceipt => "fee_receipt",
            FormKind::Ii06a => "ii06a",
            FormKind::OfficialDocument => "official_document",
            FormKind::IncomingRegister => "incoming_register",
            FormKind::OutgoingRegister => "outgoing_register",
        }
    }

    /// The kind a [`FormKind::key`] names.
    pub fn from_key(key: &str) -> Option<FormKind> {
        FormKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The form's legal name in Vietnamese, as printed (in capitals) in its heading and used as
    /// the PDF's title.
    pub fn title(self) -> &'static str {
        match self {
            FormKind::Receipt => "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
            FormKind::SupplementRequest => "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
            FormKind::Refusal => "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
            FormKind::AppraisalRefusal => "Phiếu từ chối giải quyết hồ sơ",
            FormKind::Apology => "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
            FormKind::StopNotice => "Thông báo dừng giải quyết hồ sơ",
            FormKind::ControlSlip => "Phiếu kiểm soát quá trình giải quyết hồ sơ",
            FormKind::Register => "Sổ theo dõi hồ sơ",
            FormKind::FeeReceipt => "Biên lai thu phí, lệ phí",
            FormKind::Ii06a => "Tình hình, kết quả giải quyết thủ tục hành chính",
            FormKind::OfficialDocument => "Văn bản hành chính",
            FormKind::IncomingRegister => "Sổ đăng ký văn bản đến",
            FormKind::OutgoingRegister => "Sổ đăng ký văn bản đi",
        }
    }
}

/// Which circular's numbering the printed "Mẫu số NN" (form number) follows.
///
/// Provinces still use both, so it is a setting, not a constant (DESIGN.md section 6). The two
/// agree on forms 01–04; the newer one inserts the stop notice as 05 and shifts the control slip
/// and the register by one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FormNumbering {
    /// Circular 01/2018/TT-VPCP, the old numbering: no number for the stop notice.
    Circular01_2018,
    /// Circular 03/2025, the new numbering; the default, being the one in force.
    #[default]
    Circular03_2025,
}

impl FormNumbering {
    /// The number printed as "Mẫu số NN" on a form, or `None` where this numbering has no such
    /// form (the stop notice under Circular 01/2018, which is then printed without a number).
    pub fn number(self, form: FormKind) -> Option<&'static str> {
        use FormKind::*;
        use FormNumbering::*;
        match (self, form) {
            (_, Receipt) => Some("01"),
            (_, SupplementRequest) => Some("02"),
            (_, Refusal) => Some("03"),
            (_, Apology) => Some("04"),
            (Circular01_2018, StopNotice) => None,
            (Circular03_2025, StopNotice) => Some("05"),
            (Circular01_2018, ControlSlip) => Some("05"),
            (Circular03_2025, ControlSlip) => Some("06"),
            (Circular01_2018, Register) => Some("06"),
            (Circular03_2025, Register) => Some("07"),
            (_, FeeReceipt | AppraisalRefusal | Ii06a | OfficialDocument | IncomingRegister | OutgoingRegister) => None,
        }
    }

    /// The circular's number, as accepted by [`FromStr`] and shown by [`fmt::Display`].
    pub fn as_str(self) -> &'static str {
        match self {
            FormNumbering::Circular01_2018 => "01-2018",
            FormNumbering::Circular03_2025 => "03-2025",
        }
    }
}

impl fmt::Display for FormNumbering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A numbering setting that is none of `old`, `new`, `01-2018`, `03-2025`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown form numbering {0:?}: expected old, new, 01-2018 or 03-2025")]
pub struct UnknownFormNumbering(pub String);

impl FromStr for FormNumbering {
    type Err = UnknownFormNumbering;

    /// Reads a configuration value: `old` or `01-2018` (also `01/2018`), `new` or `03-2025` (also
    /// `03/2025`), in any case, surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "old" | "01-2018" | "01/2018" => Ok(FormNumbering::Circular01_2018),
            "new" | "03-2025" | "03/2025" => Ok(FormNumbering::Circular03_2025),
            _ => Err(UnknownFormNumbering(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FormKind::*;
    use super::FormNumbering::*;
    use super::*;

    #[test]
    fn numbering_follows_both_circulars() {
        let table = [
            (Receipt, Some("01"), Some("01")),
            (SupplementRequest, Some("02"), Some("02")),
            (Refusal, Some("03"), Some("03")),
            (AppraisalRefusal, None, None),
            (Apology, Some("04"), Some("04")),
            (StopNotice, None, Some("05")),
            (ControlSlip, Some("05"), Some("06")),
            (Register, Some("06"), Some("07")),
            (FeeReceipt, None, None),
            (Ii06a, None, None),
            (OfficialDocument, None, None),
            (IncomingRegister, None, None),
            (OutgoingRegister, None, None),
        ];
        for (kind, old, new) in table {
            assert_eq!(Circular01_2018.number(kind), old, "{kind:?} old");
            assert_eq!(Circular03_2025.number(kind), new, "{kind:?} new");
        }
        assert_eq!(table.map(|t| t.0), FormKind::ALL);
    }

    #[test]
    fn numbers_are_unique_within_a_numbering() {
        for numbering in [Circular01_2018, Circular03_2025] {
            let mut numbers: Vec<_> = FormKind::ALL.iter().filter_map(|k| numbering.number(*k)).collect();
            let count = numbers.len();
            numbers.sort();
            numbers.dedup();
            assert_eq!(numbers.len(), count, "{numbering}");
        }
    }

    #[test]
    fn numbering_parses_from_settings() {
        for (text, expected) in [
            ("old", Circular01_2018),
            ("01-2018", Circular01_2018),
            (" 01/2018 ", Circular01_2018),
            ("OLD", Circular01_2018),
            ("new", Circular03_2025),
            ("03-2025", Circular03_2025),
            ("03/2025", Circular03_2025),
        ] {
            assert_eq!(text.parse::<FormNumbering>(), Ok(expected), "{text}");
        }
        assert_eq!("2018".parse::<FormNumbering>(), Err(UnknownFormNumbering("2018".to_string())));
        for numbering in [Circular01_2018, Circular03_2025] {
            assert_eq!(numbering.to_string().parse::<FormNumbering>(), Ok(numbering));
        }
        assert_eq!(FormNumbering::default(), Circular03_2025);
    }
}
