//! Electronic results (DESIGN.md section 7): the issued result becomes a PDF signed by the
//! system, with a verification code and its QR code to the public verification page, and anyone
//! can check a file or a code there.
//!
//! Issuing: the officer's file is laid into the electronic result PDF (motcua-render), the PDF
//! is signed with the current key of the data folder's key ring (motcua-signing), and the PDF and
//! its seal are recorded in the transaction of the `issue_result` action. When the deciding
//! agency has a certificate (`crate::pki`), the result is first PAdES-signed by it: an issued
//! PDF as it is (incremental update), anything else as the laid-out result; the seal then covers
//! the signed bytes. Verifying reads only the database: the seal and the public key of the key
//! that signed it.

use chrono::{DateTime, Utc};
use motcua_domain::code::VerificationCode;
use motcua_domain::dossier::AttachmentPurpose;
use motcua_signing::pades::PadesError;
use motcua_signing::signer::PkiError;
use motcua_signing::validate::{validate_pdf, SignatureReport};
use motcua_signing::{PublicKey, Signature};
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{Dossier, NewAttachment};
use motcua_store::seals::{self, NewSeal, Seal};
use motcua_store::StoreError;

use crate::error::{AppError, AppResult};
use crate::keys::public_keys;
use crate::keys::register;
use crate::pki::PdfSignature;
use crate::state::AppState;
use crate::uploads::Upload;

/// The name the signed result file gets in the dossier and the applicant's store.
fn result_file_name(dossier_code: &str) -> String {
    format!("ket-qua-{dossier_code}.pdf")
}

/// Makes the electronic result of `issued` for a dossier, signs it and stores its bytes: the
/// attachment and the seal to record with the `issue_result` action. The bytes are removed again
/// by the caller if the action is not recorded.
/// The document key of the system's signed electronic result, beside the officer's own file
/// (key `result`, kept byte for byte as the API promises).
pub const SIGNED_RESULT_KEY: &str = "signed_result";

pub(crate) async fn seal_result(
    state: &AppState,
    d: &Dossier,
    p: &Procedure,
    issued: &Upload,
    officer: &str,
    now: DateTime<Utc>,
) -> AppResult<(NewAttachment, NewSeal)> {
    let code = {
        use rand::RngCore;
        let mut random = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut random);
        VerificationCode::from_random(&random)
    };
    let catalog = state.catalog();
    let lead = catalog.agencies.get(&d.lead_agency).unwrap_or(&p.agency);
    let verify_url = state.config.verify_url(code.as_str());
    let agency_signature = state.config.signers.get_or_warn(&lead.code).map(|signer| PdfSignature {
        signer,
        officer: officer.to_string(),
        agency: lead.name.clone(),
        reason: format!("Kết quả giải quyết hồ sơ {}", d.code),
        location: state.config.place.clone(),
        // The verification address, and the code where `motcua_render::claimed_code` finds it,
        // so that the public page can tell a changed copy of this result from an unknown file.
        contact: format!("{verify_url} {}{}", motcua_render::SEAL_KEYWORD, code.as_str()),
        at: now,
        timestamp_authority: state.config.timestamp_authority.clone(),
    });
    let mut result = motcua_render::ElectronicResult {
        issuer: state.issuer(&p.agency),
        dossier_code: d.code.clone(),
        procedure: p.name.clone(),
        applicant: d.applicant.full_name.clone(),
        issued_at: now,
        verification_code: code.grouped(),
        verify_url,
        key_id: String::new(),
        issued: motcua_render::IssuedFile {
            file_name: issued.file_name.clone(),
            content_type: issued.content_type.clone(),
            bytes: issued.bytes.to_vec(),
        },
    };
    let worker = state.clone();
    let dossier_code = d.code.clone();
    let (bytes, signed, new_key) = tokio::task::spawn_blocking(move || -> AppResult<_> {
        let mut ring = worker.keys.lock().unwrap_or_else(|e| e.into_inner());
        // A key added by `motcua keys rotate` while the server runs signs from now on.
        let changed = ring.reload().map_err(AppError::internal)?;
        result.key_id = ring.current().id().to_string();
        // An issued PDF is signed as it is, by the agency, after the signatures it may already
        // carry (an incremental update keeps them valid); anything else, or a PDF that cannot
        // take a signature, is laid into the system's electronic result, which the agency signs.
        let signed_as_issued = match &agency_signature {
            Some(signature) if result.issued.content_type == "application/pdf" => {
                match signature.sign(&result.issued.bytes, None) {
                    Ok(bytes) => Some(bytes),
                    // The authority failing is no reason to lay the PDF out again: the result is
                    // not issued at all (see `Config::timestamp_authority`).
                    Err(e @ PadesError::Pki(PkiError::Timestamp(_))) => return Err(AppError::signing(e)),
                    Err(e) => {
                        tracing::warn!(
                            "the result of {dossier_code} cannot be signed as the PDF it is ({e}): it is laid into \
                             the electronic result instead"
                        );
                        None
                    }
                }
            }
            _ => None,
        };
        let bytes = match signed_as_issued {
            Some(bytes) => bytes,
            None => {
                let rendered = motcua_render::render_electronic_result(&result).map_err(AppError::internal)?;
                match &agency_signature {
                    Some(signature) => signature.sign(&rendered, rendered.signature_box).map_err(AppError::signing)?,
                    None => rendered.into_bytes(),
                }
            }
        };
        // The system's seal covers the bytes as issued, agency signature included: the public
        // page's second, offline check.
        let signed = ring.current().sign(&bytes);
        Ok((bytes, signed, changed.then(|| public_keys(&ring))))
    })
    .await
    .map_err(AppError::internal)??;
    if let Some(snapshot) = new_key {
        register(&state.db, &snapshot).await?;
    }
    let blob = state.blobs.put(bytes::Bytes::from(bytes)).await?;
    let seal = NewSeal {
        code: code.as_str().to_string(),
        storage_key: blob.storage_key.clone(),
        sha256: hex::encode(signed.sha256),
        key_id: signed.key_id,
        signature: signed.signature.to_hex(),
        signed_at: now,
    };
    let attachment = NewAttachment {
        key: SIGNED_RESULT_KEY.into(),
        purpose: AttachmentPurpose::Result,
        file_name: result_file_name(&d.code),
        content_type: "application/pdf".into(),
        blob,
        digitized: false,
        reused: false,
        from_citizen_store: false,
    };
    Ok((attachment, seal))
}

/// A seal as the public may see it: what the result is, who issued it and when, and whether its
/// signature checks out; the applicant's name only masked.
#[derive(Clone, Debug)]
pub struct SealView {
    /// The seal as stored.
    pub seal: Seal,
    /// The code as printed (`K7QM-2D9X-PA4T`).
    pub code_grouped: String,
    /// The procedure's code.
    pub procedure_code: String,
    /// The procedure's name (Vietnamese).
    pub procedure_name: String,
    /// The procedure's name in English, where it has one.
    pub procedure_name_en: Option<String>,
    /// The issuing agency.
    pub agency: motcua_store::catalog::Agency,
    /// The applicant's name with all but the initials hidden.
    pub applicant_masked: String,
    /// Whether the stored signature is the stored key's signature of the stored SHA-256.
    pub signature_valid: bool,
}

/// What a checked file turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Exactly a file the system issued and signed.
    Authentic,
    /// It names a result the system issued, but its bytes are not that result's (changed after
    /// issue), or the seal it matches does not check out.
    Modified,
    /// Not a result the system issued.
    Unknown,
}

impl Verdict {
    /// The machine name, in the API and the message keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Authentic => "authentic",
            Verdict::Modified => "modified",
            Verdict::Unknown => "unknown",
        }
    }
}

/// The outcome of checking a file.
#[derive(Clone, Debug)]
pub struct FileCheck {
    /// The verdict.
    pub verdict: Verdict,
    /// SHA-256 of the file checked, hex.
    pub sha256: String,
    /// The result the file is or claims to be.
    pub seal: Option<SealView>,
    /// The legal form the file is, when it is one the system issued (a receipt, a supplement
    /// request...), byte for byte.
    pub form: Option<IssuedFormView>,
    /// The PDF signatures in the file, oldest first, each checked against the configured trust
    /// roots (`motcua_signing::validate`): the check anyone can repeat with a PDF reader, where
    /// the lookup above is the system's own record.
    pub signatures: Vec<SignatureReport>,
}

/// A form the system issued, as the public may see it: which form, of which dossier, when.
#[derive(Clone, Debug)]
pub struct IssuedFormView {
    /// The form's legal name.
    pub title: &'static str,
    /// The dossier it was issued for.
    pub dossier_code: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Whether an agency's certificate signed it.
    pub signed: bool,
}

/// Hides a name but for the initials, "Nguyễn Thị Hồng Nhung" → "N*** T*** H*** N***": the
/// holder of a result knows whose it is; someone who only saw its code learns nothing more.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| word.chars().next().map(|c| format!("{c}***")).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

fn signature_checks_out(seal: &Seal, sha256: &str) -> bool {
    let (Ok(key), Ok(signature)) = (PublicKey::from_hex(&seal.key.public_key), Signature::from_hex(&seal.signature))
    else {
        return false;
    };
    let Some(digest) = hex::decode(sha256).ok().and_then(|d| <[u8; 32]>::try_from(d).ok()) else {
        return false;
    };
    // The key must also be the one the seal names: a seal moved to another key fails.
    key.id() == seal.key.id && motcua_signing::verify_digest(&key, &digest, &signature)
}

async fn view(state: &AppState, seal: Seal, sha256: &str) -> AppResult<SealView> {
    let p = state.procedure_version(seal.procedure_version_id).await?;
    let agency = state.catalog().agencies.get(&seal.lead_agency).cloned().unwrap_or_else(|| p.agency.clone());
    Ok(SealView {
        signature_valid: signature_checks_out(&seal, sha256),
        code_grouped: VerificationCode::parse(&seal.code).map(|c| c.grouped()).unwrap_or_else(|| seal.code.clone()),
        procedure_code: p.code.clone(),
        procedure_name: p.name.clone(),
        procedure_name_en: p.name_en.clone(),
        agency,
        applicant_masked: mask_name(&seal.applicant_name),
        seal,
    })
}

/// The result with a verification code as someone typed it; 404 when there is none.
pub async fn check_code(state: &AppState, typed: &str) -> AppResult<SealView> {
    let code = VerificationCode::parse(typed).ok_or_else(AppError::not_found)?;
    let seal = match seals::by_code(&state.db, code.as_str()).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return Err(AppError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let sha256 = seal.sha256.clone();
    view(state, seal, &sha256).await
}

/// A file received for checking, as the web edge read it: its SHA-256, taken as the bytes
/// arrived, and the bytes themselves only when it is a PDF — only a PDF has signatures to
/// validate or a verification code to claim, so no other file need be held in memory.
#[derive(Clone, Debug)]
pub struct ReceivedFile {
    /// The SHA-256 of the whole file, lowercase hex.
    pub sha256: String,
    /// The file's bytes, when it is a PDF.
    pub pdf: Option<bytes::Bytes>,
}

impl ReceivedFile {
    /// A file already in memory (tests, and callers that hold it anyway).
    pub fn of(bytes: bytes::Bytes) -> Self {
        let sha256 = hex::encode(motcua_signing::digest(&bytes));
        let pdf = (crate::uploads::sniff(&bytes) == Some("application/pdf")).then_some(bytes);
        Self { sha256, pdf }
    }
}

/// Checks a file: its PDF signatures (see [`FileCheck::signatures`]), and whether it is a file the
/// system issued: authentic when its SHA-256 is that of a sealed result and the seal's signature
/// verifies over it with the seal's public key, or that of a form the system issued; modified
/// when it names a known result's code but is not that file; unknown otherwise.
pub async fn check_file(state: &AppState, file: ReceivedFile) -> AppResult<FileCheck> {
    let signatures = match file.pdf.clone() {
        Some(pdf) => {
            // Parsing a large PDF and the RSA checks take milliseconds: off the runtime.
            let trust = state.config.trust.clone();
            tokio::task::spawn_blocking(move || validate_pdf(&pdf, &trust, Utc::now()))
                .await
                .map_err(AppError::internal)?
        }
        None => Vec::new(),
    };
    let (verdict, seal, form) = look_up(state, &file.sha256, file.pdf.as_deref()).await?;
    Ok(FileCheck { verdict, sha256: file.sha256, seal, form, signatures })
}

/// The system's own record of a file: the seal or the issued form with its SHA-256.
async fn look_up(
    state: &AppState,
    sha256: &str,
    pdf: Option<&[u8]>,
) -> AppResult<(Verdict, Option<SealView>, Option<IssuedFormView>)> {
    if let Some(seal) = seals::by_sha256(&state.db, sha256).await? {
        let v = view(state, seal, sha256).await?;
        let verdict = if v.signature_valid { Verdict::Authentic } else { Verdict::Modified };
        return Ok((verdict, Some(v), None));
    }
    let claimed = pdf.and_then(motcua_render::claimed_code).and_then(|c| VerificationCode::parse(&c));
    if let Some(code) = claimed {
        match seals::by_code(&state.db, code.as_str()).await {
            Ok(seal) => {
                let stored = seal.sha256.clone();
                let mut v = view(state, seal, &stored).await?;
                // Whatever its seal says, this file is not the one signed.
                v.signature_valid = false;
                return Ok((Verdict::Modified, Some(v), None));
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    // A form issued at an act is kept byte for byte: finding its digest is the proof.
    if let Some(form) = motcua_store::issued_forms::by_sha256(&state.db, sha256).await? {
        let title = motcua_render::FormKind::from_key(&form.kind).map_or("", |k| k.title());
        let dossier = motcua_store::dossiers::by_id(&state.db, form.dossier_id).await?;
        let form = IssuedFormView { title, dossier_code: dossier.code, issued_at: form.issued_at, signed: form.signed };
        return Ok((Verdict::Authentic, None, Some(form)));
    }
    Ok((Verdict::Unknown, None, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_to_initials() {
        assert_eq!(mask_name("Nguyễn Thị Hồng Nhung"), "N*** T*** H*** N***");
        assert_eq!(mask_name("  Đặng  An "), "Đ*** A***");
        assert_eq!(mask_name(""), "");
    }
}
