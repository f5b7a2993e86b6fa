//! PAdES signatures of PDFs (ETSI EN 319 142-1): the digital signature a PDF reader shows in its
//! signature panel and an independent validator checks, as Circular 01/2018 Art. 10.1.d wants
//! of the one-stop forms.
//!
//! [`sign_pdf`] appends an incremental update to the PDF (the original bytes are kept as they
//! are, so signatures already in it stay valid): a signature field and its widget, visible with
//! a stamp or not, the AcroForm and the page that list them, a cross-reference section, and the
//! signature dictionary whose `/Contents` holds a detached CMS SignedData over the `/ByteRange`
//! (everything but `/Contents` itself). The SignedData is CAdES baseline B-B
//! (`/SubFilter /ETSI.CAdES.detached`; see [`crate::cms`]), and B-T when a timestamp authority is
//! given: its RFC 3161 token over the signature value, as an unsigned attribute.
//!
//! # Why these building blocks
//!
//! - `pdf_signer` (GPL-3.0) signs B-B to B-LTA with incremental updates, but takes only a
//!   PKCS#12 file (no way to sign with a token), draws its appearance in a WinAnsi font (no
//!   Vietnamese letters) and calls timestamp authorities over its own HTTP client.
//! - `pdf_oxide`'s signature module also wants the private key's bytes, draws its appearance
//!   with a standard font, and comes with a whole PDF toolkit (hundreds of thousands of lines) to
//!   compile.
//! - So: RustCrypto's `cms` and `x509-cert` types for the SignedData and the certificates, `rsa`
//!   0.10 (constant-time) for software keys, `cryptoki` for tokens, `p12-keystore` for `.p12`
//!   files, and `lopdf`, already used by the render crate's tests, to read the PDF's objects and
//!   to serialize the few objects of the update. The byte-range bookkeeping is the only hand-made
//!   part: a few hundred lines, checked by `pdfsig` and pyHanko in `tests/`.
//!
//! The stamp is drawn by `motcua_render::render_signature_stamp` (the forms' fonts, every
//! Vietnamese letter, subset and embedded with a ToUnicode map) and arrives here as a one-page
//! PDF, whose page becomes the widget's appearance.

mod appearance;
mod update;

use chrono::{DateTime, FixedOffset};

use crate::cms;
use crate::signer::{PkiError, Signer};
use crate::tsa::{timestamp_token, TimestampAuthority};

/// Why a PDF could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum PadesError {
    /// The bytes are not a PDF this signer can read.
    #[error("not a readable PDF: {0}")]
    Unreadable(String),
    /// The PDF is encrypted; signing it would need its password and an encrypted update.
    #[error("the PDF is encrypted")]
    Encrypted,
    /// The PDF is certified with no changes allowed (DocMDP P=1): a new signature would break
    /// the certification.
    #[error("the PDF is certified against any change")]
    Locked,
    /// The appearance is on a page the PDF does not have.
    #[error("the PDF has {count} pages, not a page {page}")]
    NoSuchPage {
        /// The page asked for, counted from 1.
        page: usize,
        /// The PDF's page count.
        count: usize,
    },
    /// The stamp is not a one-page PDF.
    #[error("unusable signature stamp: {0}")]
    Stamp(String),
    /// The key, the certificates or the timestamp authority failed.
    #[error(transparent)]
    Pki(#[from] PkiError),
}

/// Where a visible signature goes and what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Appearance {
    /// The page, counted from 1.
    pub page: usize,
    /// The box's lower-left corner and size, in points from the page's lower-left corner
    /// (PDF user space).
    pub x: f32,
    /// See [`Appearance::x`].
    pub y: f32,
    /// See [`Appearance::x`].
    pub width: f32,
    /// See [`Appearance::x`].
    pub height: f32,
    /// The stamp: a one-page PDF whose page is scaled into the box
    /// (`motcua_render::render_signature_stamp`, made at the box's size).
    pub stamp: Vec<u8>,
}

/// How to sign: the claimed time and the optional parts.
#[derive(Clone, Default)]
pub struct SignatureOptions<'a> {
    /// The signing time the signature claims (`/M`), in the offset it should be shown in. Not
    /// proven: a timestamp proves a time, this one is the signer's word. `None` is now, in
    /// Vietnam's offset.
    pub signing_time: Option<DateTime<FixedOffset>>,
    /// Why it is signed (`/Reason`), e.g. "Tiếp nhận hồ sơ".
    pub reason: Option<String>,
    /// Where (`/Location`), e.g. the province.
    pub location: Option<String>,
    /// How to reach the signer (`/ContactInfo`).
    pub contact_info: Option<String>,
    /// The signature field's name; `Signature<n>` after the fields already there when `None`.
    pub field_name: Option<String>,
    /// A visible signature; invisible when `None`.
    pub appearance: Option<Appearance>,
    /// Makes the signature B-T: the authority's RFC 3161 timestamp over it.
    pub timestamp_authority: Option<&'a dyn TimestampAuthority>,
}

impl std::fmt::Debug for SignatureOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureOptions")
            .field("signing_time", &self.signing_time)
            .field("reason", &self.reason)
            .field("field_name", &self.field_name)
            .field("appearance", &self.appearance.as_ref().map(|a| (a.page, a.x, a.y, a.width, a.height)))
            .field("timestamp", &self.timestamp_authority.is_some())
            .finish()
    }
}

/// Room for the SignedData besides its certificates: signed attributes, the signature (512
/// bytes for RSA-4096) and the structure.
const CMS_OVERHEAD: usize = 3 * 1024;
/// Room for a timestamp token besides the TSA's certificates, which are not known in advance.
const TIMESTAMP_ROOM: usize = 10 * 1024;

/// Signs `pdf` with `signer`: the PDF with a PAdES signature appended as an incremental update.
///
/// B-B without a timestamp authority, B-T with one. A visible signature when
/// [`SignatureOptions::appearance`] is given.
pub fn sign_pdf(pdf: &[u8], signer: &dyn Signer, options: &SignatureOptions) -> Result<Vec<u8>, PadesError> {
    let signing_time = options
        .signing_time
        .unwrap_or_else(|| chrono::Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).expect("UTC+7 exists")));
    let certificates: usize = signer
        .certificate_chain()
        .iter()
        .map(|c| der::Encode::encoded_len(c).map_or(2048, |l| u32::from(l) as usize))
        .sum();
    let mut room = CMS_OVERHEAD + certificates + if options.timestamp_authority.is_some() { TIMESTAMP_ROOM } else { 0 };
    // A guess too small (a TSA with a long chain) costs one more try with the size now known.
    for _ in 0..2 {
        let prepared = update::prepare(pdf, signer, options, signing_time, room)?;
        let digest = prepared.digest();
        let mut signed_data = cms::signed_data(signer, cms::ID_DATA, None, &digest)?;
        if let Some(authority) = options.timestamp_authority {
            let token = timestamp_token(authority, &crate::digest(cms::signature_value(&signed_data)))?;
            signed_data = cms::add_unsigned_attribute(signed_data, cms::ID_SIGNATURE_TIME_STAMP_TOKEN, token)?;
        }
        let contents = cms::to_content_info_der(&signed_data)?;
        if contents.len() <= room {
            return Ok(prepared.finish(&contents));
        }
        room = contents.len() + 2048;
    }
    Err(PadesError::Pki(PkiError::Sign("the signature did not fit in the room reserved for it".into())))
}

/// The last page of a PDF and its media box (`[x0, y0, x1, y1]` in points, inherited from the
/// page tree when the page has none): where the agency's stamp of an issued result goes, at the
/// bottom right of the last page, whatever the page's size.
pub fn last_page(pdf: &[u8]) -> Result<(usize, [f32; 4]), PadesError> {
    let doc = lopdf::Document::load_mem(pdf).map_err(|e| PadesError::Unreadable(e.to_string()))?;
    let pages = doc.get_pages();
    let (&number, &id) = pages.last_key_value().ok_or_else(|| PadesError::Unreadable("no pages".into()))?;
    let mut node = doc.get_dictionary(id).ok();
    // The page tree is shallow; the bound only guards against a loop of parents.
    for _ in 0..32 {
        let Some(dict) = node else { break };
        if let Ok(lopdf::Object::Array(values)) = dict.get(b"MediaBox").map(|o| match o {
            lopdf::Object::Reference(r) => doc.get_object(*r).cloned().unwrap_or(lopdf::Object::Null),
            other => other.clone(),
        }) {
            let numbers: Vec<f32> = values.iter().filter_map(|v| v.as_float().ok()).collect();
            if let [x0, y0, x1, y1] = numbers[..] {
                return Ok((number as usize, [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]));
            }
        }
        node = dict.get(b"Parent").and_then(lopdf::Object::as_reference).ok().and_then(|p| doc.get_dictionary(p).ok());
    }
    // A page without a media box anywhere is A4 for readers.
    Ok((number as usize, [0.0, 0.0, 595.0, 842.0]))
}
