//! An administrative document of the electronic office as Decree 30/2020/NĐ-CP Annex I lays it
//! out: the issuing body and its number and symbol at the left, the national name and motto with
//! the place and date at the right; the type in capitals and the subject (a công văn carries its
//! subject as "V/v …" under its number instead); the text; where copies go and the signature.

use chrono::NaiveDate;

use super::{numbered_heading, sheet, sign_with_recipients, Issuer, Signer, BODY, HEAD, TITLE};
use crate::fonts::Style::{Bold, Regular};
use crate::sheet::{Align, Paper};
use crate::{FormKind, FormPdf, RenderError};

/// An outgoing document, issued.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficialDocument {
    /// The issuing body under its governing body.
    pub issuer: Issuer,
    /// Number and symbol, e.g. "07/QĐ-STP".
    pub symbol: String,
    /// The date of issue.
    pub dated: NaiveDate,
    /// The type's name ("Quyết định"), or empty for a công văn.
    pub type_name: String,
    /// Trích yếu.
    pub subject: String,
    /// The text, paragraphs separated by blank lines or line breaks.
    pub body: String,
    /// Where copies go.
    pub recipients: Vec<String>,
    /// Who signs, with the authority marker in the title.
    pub signer: Signer,
}

/// Renders the document on A4, the signature's place ready for the PAdES signatures.
pub fn render_official_document(doc: &OfficialDocument) -> Result<FormPdf, RenderError> {
    let mut sheet = sheet(Paper::A4_PORTRAIT, FormKind::OfficialDocument);
    let letter = doc.type_name.trim().is_empty();
    numbered_heading(&mut sheet, &doc.issuer, None, Some(doc.dated), Some(&doc.symbol), HEAD + 1.0);
    sheet.clear_float();
    if letter {
        sheet.paragraph(&[(&format!("V/v {}", doc.subject), Regular)], HEAD, Align::Left, 0.0);
    } else {
        sheet.gap(8.0);
        sheet.paragraph(&[(&doc.type_name.to_uppercase(), Bold)], TITLE + 2.0, Align::Center, 0.0);
        sheet.paragraph(&[(&doc.subject, Bold)], TITLE, Align::Center, 0.0);
    }
    sheet.gap(8.0);
    for paragraph in doc.body.lines().map(str::trim).filter(|p| !p.is_empty()) {
        sheet.paragraph(&[(paragraph, Regular)], BODY + 1.0, Align::Left, 18.0);
    }
    sign_with_recipients(&mut sheet, &doc.recipients, &doc.signer, "(Chữ ký số)");
    sheet.finish()
}
