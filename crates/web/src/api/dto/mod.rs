//! The JSON shapes of the API (shared/API.md), with their OpenAPI schemas.

use chrono::{DateTime, Utc};
use motcua_store::catalog::Agency;
use motcua_store::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod catalog;
mod dossier;
mod it_application;
mod report;

pub use catalog::*;
pub use dossier::*;
pub use it_application::*;
pub use report::*;

/// RFC 3339 in Asia/Ho_Chi_Minh (+07:00), as the API promises.
pub fn time(t: DateTime<Utc>) -> String {
    t.with_timezone(&motcua_domain::calendar::vn_offset()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn opt_time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(time)
}

/// An agency.
#[derive(Serialize, ToSchema)]
pub struct AgencyDto {
    /// Organisation e-ID.
    pub code: String,
    /// Name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// Parent agency.
    pub parent_code: Option<String>,
    /// `province`, `department`, `service_centre` or `commune`.
    pub kind: String,
}

impl From<&Agency> for AgencyDto {
    fn from(a: &Agency) -> Self {
        Self {
            code: a.code.clone(),
            name: a.name.clone(),
            name_en: a.name_en.clone(),
            parent_code: a.parent_code.clone(),
            kind: a.kind.as_str().into(),
        }
    }
}

/// A user.
#[derive(Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: i64,
    /// Sign-in name (officers; citizens use phone, e-mail or id number).
    pub username: Option<String>,
    /// Full name.
    pub full_name: String,
    /// Roles.
    pub roles: Vec<String>,
    /// The officer's agency.
    pub agency: Option<AgencyDto>,
}

impl UserDto {
    /// Builds the DTO, resolving the agency.
    pub fn new(u: &User, agency: Option<&Agency>) -> Self {
        Self {
            id: u.id,
            username: u.username.clone().or_else(|| u.phone.clone()),
            full_name: u.full_name.clone(),
            roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
            agency: agency.map(AgencyDto::from),
        }
    }
}

/// Registration.
#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// Full name.
    pub full_name: String,
    /// 12-digit citizen identity number.
    pub id_number: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Password, at least 8 characters.
    pub password: String,
    /// The 6-digit code sent by SMS to `phone` and by e-mail to `email` after the request
    /// without it; with it, the same details (password included) create the account.
    #[serde(default)]
    pub code: Option<String>,
}

impl RegisterRequest {
    /// The form as the registration use-case takes it.
    pub fn form(&self) -> motcua_app::registration::RegistrationForm {
        motcua_app::registration::RegistrationForm {
            full_name: self.full_name.clone(),
            id_number: self.id_number.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            password: self.password.clone(),
        }
    }
}

/// Registration answer once the code is given.
#[derive(Serialize, ToSchema)]
pub struct RegisterResponse {
    /// The new user.
    pub user: UserDto,
}

/// Registration answer before the code: the same whatever the details.
#[derive(Serialize, ToSchema)]
pub struct CodeSentResponse {
    /// Always `code_sent`.
    #[schema(example = "code_sent")]
    pub status: &'static str,
}

/// Sign-in.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// User name, phone, e-mail or id number.
    pub username: String,
    /// Password.
    pub password: String,
    /// The 6-digit code of the account's authenticator app, for an account with two-factor
    /// authentication on; else, after many failed sign-ins to the account, the 6-digit code sent
    /// to its e-mail or phone. Without it such a sign-in is answered 401 `otp_required` (and the
    /// code is sent), a wrong or already used code 401 `otp_invalid`. Ignored otherwise.
    #[serde(default)]
    pub otp: Option<String>,
}

/// Sign-in answer.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token.
    pub token: String,
    /// Who.
    pub user: UserDto,
}

/// An electronic result as the public verification shows it: what it is, who issued it, and
/// whether the system's signature over it checks out. The applicant's name is masked.
#[derive(Serialize, ToSchema)]
pub struct ResultSealDto {
    /// The verification code (12 characters, no separators).
    pub code: String,
    /// Whether the seal's Ed25519 signature verifies over its SHA-256 with the signing key.
    pub signature_valid: bool,
    /// The dossier's code.
    pub dossier_code: String,
    /// The procedure's code.
    pub procedure_code: String,
    /// The procedure's name.
    pub procedure_name: String,
    /// The issuing agency.
    pub agency: AgencyDto,
    /// The applicant's name, initials only.
    pub applicant: String,
    /// When the result was issued and signed.
    pub issued_at: String,
    /// SHA-256 of the issued file, hex.
    pub sha256: String,
    /// The signature, hex (Ed25519 over the label `motcua/result-seal/v1` and a zero byte,
    /// followed by the 32 bytes of the SHA-256).
    pub signature: String,
    /// The signing key's id.
    pub key_id: String,
    /// The signing key's Ed25519 public key, hex.
    pub public_key: String,
    /// Whether a newer key has since taken over signing (results signed before stay valid).
    pub key_retired: bool,
}

impl From<&motcua_app::sealing::SealView> for ResultSealDto {
    fn from(v: &motcua_app::sealing::SealView) -> Self {
        ResultSealDto {
            code: v.seal.code.clone(),
            signature_valid: v.signature_valid,
            dossier_code: v.seal.dossier_code.clone(),
            procedure_code: v.procedure_code.clone(),
            procedure_name: v.procedure_name.clone(),
            agency: AgencyDto::from(&v.agency),
            applicant: v.applicant_masked.clone(),
            issued_at: time(v.seal.signed_at),
            sha256: v.seal.sha256.clone(),
            signature: v.seal.signature.clone(),
            key_id: v.seal.key.id.clone(),
            public_key: v.seal.key.public_key.clone(),
            key_retired: v.seal.key.retired_at.is_some(),
        }
    }
}

/// The check of an uploaded file.
#[derive(Serialize, ToSchema)]
pub struct VerificationDto {
    /// `authentic` (exactly the issued file, signature valid), `modified` (it names an issued
    /// result but is not that file) or `unknown` (not a result the system issued).
    pub verdict: String,
    /// SHA-256 of the uploaded file, hex.
    pub sha256: String,
    /// The result the file is, or claims to be.
    pub result: Option<ResultSealDto>,
    /// The legal form the file is, when the system issued it (byte for byte).
    pub form: Option<IssuedFormDto>,
    /// The file's PDF (PAdES) signatures, oldest first, each checked against the server's trust
    /// roots; empty when the file is not a signed PDF.
    pub signatures: Vec<PdfSignatureDto>,
}

/// One PDF signature of an uploaded file, checked.
#[derive(Serialize, ToSchema)]
pub struct PdfSignatureDto {
    /// Intact, trusted, made while the certificate was valid, not revoked, and its timestamp (if
    /// any) valid. Says nothing of bytes added after it: see `covers_whole_file`.
    pub valid: bool,
    /// The signature field's name.
    pub field: Option<String>,
    /// The signer certificate's common name (CN).
    pub signer: Option<String>,
    /// The signer certificate's organization (O).
    pub organization: Option<String>,
    /// When it was signed: the timestamp's time when there is a valid one, else the signer's
    /// claim.
    pub signed_at: Option<String>,
    /// `intact`, `changed` (the signed bytes differ), `bad_signature`, `unsupported` (an
    /// algorithm not checked) or `malformed`.
    pub integrity: String,
    /// Whether the signature covers every byte of the file but its own value; false when
    /// incremental updates follow it.
    pub covers_whole_file: bool,
    /// `trusted`, `no_trust_roots`, `not_trusted` or `bad_path`.
    pub chain: String,
    /// Whether the signing time lies within the validity of every certificate of the path.
    pub within_validity: bool,
    /// The RFC 3161 signature timestamp, if the signature carries one.
    pub timestamp: Option<PdfTimestampDto>,
    /// `not_checked` (no CRL configured), `good`, `revoked` or `unknown`.
    pub revocation: String,
}

/// The RFC 3161 timestamp of a PDF signature, checked.
#[derive(Serialize, ToSchema)]
pub struct PdfTimestampDto {
    /// The time the authority vouches for.
    pub time: Option<String>,
    /// The authority's certificate's common name.
    pub authority: Option<String>,
    /// Over this signature's value, and its own signature verifies.
    pub intact: bool,
    /// Its certificate is for timestamping and chains to a trust root.
    pub trusted: bool,
}

impl From<&motcua_signing::validate::SignatureReport> for PdfSignatureDto {
    fn from(r: &motcua_signing::validate::SignatureReport) -> Self {
        use motcua_signing::validate::{Chain, Coverage, Integrity, Revocation};
        PdfSignatureDto {
            valid: r.is_valid(),
            field: r.field.clone(),
            signer: r.signer.as_ref().and_then(|h| h.common_name.clone()),
            organization: r.signer.as_ref().and_then(|h| h.organization.clone()),
            signed_at: opt_time(r.signing_time()),
            integrity: match r.integrity {
                Integrity::Intact => "intact",
                Integrity::DigestMismatch => "changed",
                Integrity::BadSignature => "bad_signature",
                Integrity::Unsupported(_) => "unsupported",
                Integrity::Malformed(_) => "malformed",
            }
            .into(),
            covers_whole_file: r.coverage == Coverage::WholeFile,
            chain: match r.chain {
                Chain::Trusted { .. } => "trusted",
                Chain::NoTrustRoots => "no_trust_roots",
                Chain::NotTrusted => "not_trusted",
                Chain::BadPath => "bad_path",
            }
            .into(),
            within_validity: r.within_validity,
            timestamp: r.timestamp.as_ref().map(|t| PdfTimestampDto {
                time: opt_time(t.time),
                authority: t.authority.clone(),
                intact: t.intact,
                trusted: t.trusted,
            }),
            revocation: match r.revocation {
                Revocation::NotChecked => "not_checked",
                Revocation::Good => "good",
                Revocation::Revoked(_) => "revoked",
                Revocation::Unknown => "unknown",
            }
            .into(),
        }
    }
}

/// A legal form the system issued.
#[derive(Serialize, ToSchema)]
pub struct IssuedFormDto {
    /// The form's legal name, e.g. "Giấy tiếp nhận hồ sơ và hẹn trả kết quả".
    pub title: String,
    /// The dossier it was issued for.
    pub dossier_code: String,
    /// When it was issued.
    pub issued_at: chrono::DateTime<chrono::Utc>,
    /// Whether an agency's certificate signed it (PAdES).
    pub signed: bool,
}

/// A year of the calendar.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CalendarYear {
    /// Year (ignored on PUT; the path names it).
    #[serde(default)]
    pub year: i32,
    /// Official days off.
    pub days_off: Vec<String>,
    /// Make-up working days.
    pub working_days: Vec<String>,
}

/// A computed deadline.
#[derive(Serialize, ToSchema)]
pub struct DueResponse {
    /// The deadline.
    pub due_at: String,
}

/// The error body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine code.
    pub code: String,
    /// Human text in the caller's language.
    pub message: String,
    /// Per-field messages for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}
