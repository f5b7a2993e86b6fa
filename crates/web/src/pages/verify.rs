//! `/xac-thuc`: the public verification of electronic results, by code or by file, without
//! signing in (DESIGN.md section 7).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csrf::CsrfMultipart;
use super::{Ctx, FormErrors};
use crate::error::{ErrorKind, HttpResult};
use crate::verify_uploads::{self, Admitted, Refused, RETRY_AFTER_SECONDS};
use motcua_app::present::{show_time, size_text, Entry, FieldName};
use motcua_app::sealing::{self, FileCheck, SealView, Verdict};
use motcua_app::state::{AppState, VERIFY_MAX_FILE_BYTES};
use motcua_signing::validate::{Chain, Coverage, Integrity, Revocation, SignatureReport};

/// What the page shows about one result.
struct Shown {
    code: String,
    dossier: String,
    procedure: String,
    agency: String,
    applicant: String,
    issued: String,
    key_id: String,
    key_retired: bool,
    public_key: String,
    sha256: String,
}

/// One PDF signature of an uploaded file, in words.
struct ShownSignature {
    number: usize,
    valid: bool,
    signer: String,
    organization: Option<String>,
    time: String,
    integrity: String,
    intact: bool,
    coverage: String,
    whole_file: bool,
    chain: String,
    trusted: bool,
    validity: String,
    timestamp: String,
    revocation: String,
}

/// The PDF signatures of an uploaded file: a summary and each signature.
struct Signatures {
    /// Every signature valid and the last one covering the whole file.
    valid: bool,
    summary: String,
    each: Vec<ShownSignature>,
}

/// A time to the second, in Vietnam's offset, as a signature panel shows it.
fn signature_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&motcua_domain::calendar::vn_offset()).format("%d/%m/%Y %H:%M:%S (UTC+7)").to_string()
}

fn shown_signature(ctx: &Ctx, number: usize, r: &SignatureReport) -> ShownSignature {
    let t = |key: &str| ctx.t(key);
    let t_args = |key: &str, args: &[(&str, &str)]| ctx.lang.t_args(key, args);
    let integrity = match &r.integrity {
        Integrity::Intact => t("verify-integrity-intact"),
        Integrity::DigestMismatch => t("verify-integrity-changed"),
        Integrity::BadSignature => t("verify-integrity-bad-signature"),
        Integrity::Unsupported(algorithm) => t_args("verify-integrity-unsupported", &[("algorithm", algorithm)]),
        Integrity::Malformed(_) => t("verify-integrity-malformed"),
    };
    let coverage = match r.coverage {
        Coverage::WholeFile => t("verify-coverage-whole"),
        Coverage::Revision { signed, file } => t_args(
            "verify-coverage-revision",
            &[("signed", &signed.to_string()), ("added", &file.saturating_sub(signed).to_string())],
        ),
        Coverage::Invalid => t("verify-coverage-invalid"),
    };
    let chain = match &r.chain {
        Chain::Trusted { root } => t_args("verify-chain-trusted", &[("root", root)]),
        Chain::NoTrustRoots => t("verify-chain-no-roots"),
        Chain::NotTrusted => t("verify-chain-not-trusted"),
        Chain::BadPath => t("verify-chain-bad-path"),
    };
    let timestamp = match &r.timestamp {
        None => t("verify-timestamp-none"),
        Some(stamp) => {
            let authority = stamp.authority.clone().unwrap_or_default();
            let at = stamp.time.map(signature_time).unwrap_or_default();
            match (stamp.intact, stamp.trusted) {
                (true, true) => t_args("verify-timestamp-valid", &[("authority", &authority), ("at", &at)]),
                (true, false) => t_args("verify-timestamp-untrusted", &[("authority", &authority)]),
                (false, _) => t("verify-timestamp-broken"),
            }
        }
    };
    let revocation = match r.revocation {
        Revocation::NotChecked => t("verify-revocation-not-checked"),
        Revocation::Good => t("verify-revocation-good"),
        Revocation::Revoked(at) => t_args("verify-revocation-revoked", &[("at", &signature_time(at))]),
        Revocation::Unknown => t("verify-revocation-unknown"),
    };
    let proven = r.timestamp.as_ref().is_some_and(|s| s.intact && s.time.is_some());
    let time = match r.signing_time() {
        Some(at) => format!(
            "{} — {}",
            signature_time(at),
            t(if proven { "verify-signature-time-stamped" } else { "verify-signature-time-claimed" })
        ),
        None => t("verify-signature-time-unknown"),
    };
    let holder = r.signer.as_ref();
    ShownSignature {
        number,
        valid: r.is_valid(),
        signer: holder.and_then(|h| h.common_name.clone()).unwrap_or_else(|| t("verify-signature-signer-unknown")),
        organization: holder.and_then(|h| h.organization.clone()),
        time,
        integrity,
        intact: r.integrity == Integrity::Intact,
        coverage,
        whole_file: r.coverage == Coverage::WholeFile,
        chain,
        trusted: r.chain.is_trusted(),
        validity: t(if r.within_validity { "verify-validity-ok" } else { "verify-validity-not" }),
        timestamp,
        revocation,
    }
}

fn shown_signatures(ctx: &Ctx, reports: &[SignatureReport]) -> Signatures {
    let each: Vec<ShownSignature> = reports.iter().enumerate().map(|(i, r)| shown_signature(ctx, i + 1, r)).collect();
    let all_valid = !each.is_empty() && each.iter().all(|s| s.valid);
    let last_whole = each.last().is_some_and(|s| s.whole_file);
    let summary = if each.is_empty() {
        ctx.t("verify-signatures-none")
    } else if !all_valid {
        ctx.t("verify-signatures-invalid")
    } else if !last_whole {
        ctx.t("verify-signatures-changed-after")
    } else {
        ctx.lang.t_args("verify-signatures-valid", &[("count", &each.len().to_string())])
    };
    Signatures { valid: all_valid && last_whole, summary, each }
}

/// The outcome of a check: the verdict in words, and the result it concerns.
struct Outcome {
    authentic: bool,
    message: String,
    claimed: bool,
    seal: Option<Shown>,
    file_sha256: Option<String>,
    /// What the file is, when it is a form the system issued.
    form: Option<String>,
    /// The file's PDF signatures, for an uploaded file.
    signatures: Option<Signatures>,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    ctx: Ctx,
    errors: FormErrors,
    code: String,
    outcome: Option<Outcome>,
}

fn shown(ctx: &Ctx, v: &SealView) -> Shown {
    Shown {
        code: v.code_grouped.clone(),
        dossier: v.seal.dossier_code.clone(),
        procedure: ctx.lang.pick(&v.procedure_name, v.procedure_name_en.as_deref()).to_string(),
        agency: ctx.lang.pick(&v.agency.name, v.agency.name_en.as_deref()).to_string(),
        applicant: v.applicant_masked.clone(),
        issued: show_time(Some(v.seal.signed_at)),
        key_id: v.seal.key.id.clone(),
        key_retired: v.seal.key.retired_at.is_some(),
        public_key: v.seal.key.public_key.clone(),
        sha256: v.seal.sha256.clone(),
    }
}

fn page(ctx: &Ctx, status: StatusCode, errors: FormErrors, code: String, outcome: Option<Outcome>) -> Response {
    ctx.render_status(status, &VerifyPage { ctx: ctx.clone(), errors, code, outcome })
}

/// The code form's query.
#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// The page with both forms; a code typed in goes to its own page.
pub async fn form(ctx: Ctx, Query(q): Query<CodeQuery>) -> Response {
    match q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(typed) => match motcua_domain::code::VerificationCode::parse(typed) {
            Some(code) => Redirect::to(&format!("/xac-thuc/{}", code.as_str())).into_response(),
            None => page(
                &ctx,
                StatusCode::NOT_FOUND,
                FormErrors::from_keys(ctx.lang, &[("code".to_string(), "verify-not-found".to_string())].into(), &[]),
                typed.to_string(),
                None,
            ),
        },
        None => page(&ctx, StatusCode::OK, FormErrors::default(), String::new(), None),
    }
}

/// `/xac-thuc/{code}`: the result with this code and whether its signature checks out.
pub async fn by_code(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::client::ClientIp(client): crate::client::ClientIp,
    Path(code): Path<String>,
) -> HttpResult<Response> {
    if !state.verifications.allow(client).await {
        let errors =
            FormErrors::from_keys(ctx.lang, &[("code".to_string(), "error-verify-too-many".to_string())].into(), &[]);
        return Ok(page(&ctx, StatusCode::TOO_MANY_REQUESTS, errors, code, None));
    }
    match sealing::check_code(&state, &code).await {
        Ok(v) => {
            let message = ctx.t(if v.signature_valid { "verify-record-authentic" } else { "verify-record-invalid" });
            let outcome = Outcome {
                authentic: v.signature_valid,
                message,
                claimed: false,
                seal: Some(shown(&ctx, &v)),
                file_sha256: None,
                form: None,
                signatures: None,
            };
            Ok(page(&ctx, StatusCode::OK, FormErrors::default(), v.code_grouped.clone(), Some(outcome)))
        }
        Err(e) if e.kind == ErrorKind::NotFound => {
            let errors =
                FormErrors::from_keys(ctx.lang, &[("code".to_string(), "verify-not-found".to_string())].into(), &[]);
            Ok(page(&ctx, StatusCode::NOT_FOUND, errors, code, None))
        }
        Err(e) => Err(e.into()),
    }
}

/// A file uploaded for checking: its PDF signatures validated, then hashed and looked up among
/// the sealed results and issued forms; the answer is shown at once (nothing is stored). A file
/// over 20 MB, or one that finds no room among the uploads under way (see
/// [`crate::verify_uploads`]), gets the page again with the reason at the file field.
pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Admitted(room): Admitted,
    CsrfMultipart(mut mp): CsrfMultipart,
) -> HttpResult<Response> {
    let file_field =
        [FieldName::new("file", ctx.t("verify-file"), Entry::File).limit(size_text(VERIFY_MAX_FILE_BYTES as i64))];
    let file_error =
        |code: &str| FormErrors::named(ctx.lang, &[("file".to_string(), code.to_string())].into(), &file_field);
    let too_large = || page(&ctx, StatusCode::PAYLOAD_TOO_LARGE, file_error("document-too-large"), String::new(), None);
    let mut room = match room {
        Ok(room) => room,
        Err(Refused::TooLarge) => return Ok(too_large()),
        Err(refused) => {
            let status = if refused == Refused::TooMany {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let mut res = page(&ctx, status, file_error(refused.message_key()), String::new(), None);
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            return Ok(res);
        }
    };
    let file = match verify_uploads::read_file(&mut mp, "file", &mut room).await {
        Ok(Some(file)) => file,
        Ok(None) => {
            return Ok(page(
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                file_error("document-required"),
                String::new(),
                None,
            ))
        }
        Err(e) if e.kind == ErrorKind::PayloadTooLarge => return Ok(too_large()),
        Err(e) => return Err(e),
    };
    let FileCheck { verdict, sha256, seal, form, signatures } = sealing::check_file(&state, file).await?;
    drop(room);
    let outcome = Outcome {
        authentic: verdict == Verdict::Authentic,
        message: ctx.t(&format!("verify-{}", verdict.as_str())),
        claimed: verdict == Verdict::Modified && seal.as_ref().is_some_and(|s| s.seal.sha256 != sha256),
        seal: seal.as_ref().map(|v| shown(&ctx, v)),
        file_sha256: Some(sha256),
        form: form.map(|f| {
            let at = show_time(Some(f.issued_at));
            ctx.lang.t_args("verify-form", &[("form", f.title), ("code", &f.dossier_code), ("at", &at)])
        }),
        signatures: Some(shown_signatures(&ctx, &signatures)),
    };
    Ok(page(&ctx, StatusCode::OK, FormErrors::default(), String::new(), Some(outcome)))
}
