//! `/xac-thuc`: the public verification of electronic results, by code or by file, without
//! signing in (DESIGN.md section 7).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::csrf::CsrfMultipart;
use super::{Ctx, FormErrors};
use crate::error::{ErrorKind, HttpResult};
use crate::uploads;
use motcua_app::present::{show_time, size_text, Entry, FieldName};
use motcua_app::sealing::{self, FileCheck, SealView, Verdict};
use motcua_app::state::AppState;

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

/// The outcome of a check: the verdict in words, and the result it concerns.
struct Outcome {
    authentic: bool,
    message: String,
    claimed: bool,
    seal: Option<Shown>,
    file_sha256: Option<String>,
    /// What the file is, when it is a form the system issued.
    form: Option<String>,
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
pub async fn by_code(State(state): State<AppState>, ctx: Ctx, Path(code): Path<String>) -> HttpResult<Response> {
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

/// A file uploaded for checking: hashed, looked up among the sealed results, its signature
/// verified; the answer is shown at once (nothing is stored).
pub async fn check(State(state): State<AppState>, ctx: Ctx, CsrfMultipart(mp): CsrfMultipart) -> HttpResult<Response> {
    let max = state.config.max_file_bytes;
    let parts = uploads::read_form(mp, max).await?;
    let file_field = [FieldName::new("file", ctx.t("verify-file"), Entry::File).limit(size_text(max as i64))];
    let file_error =
        |code: &str| FormErrors::named(ctx.lang, &[("file".to_string(), code.to_string())].into(), &file_field);
    if !parts.too_large.is_empty() {
        return Ok(page(&ctx, StatusCode::PAYLOAD_TOO_LARGE, file_error("document-too-large"), String::new(), None));
    }
    let Some(file) = parts.files.iter().find(|f| f.part == "file") else {
        return Ok(page(&ctx, StatusCode::UNPROCESSABLE_ENTITY, file_error("document-required"), String::new(), None));
    };
    let FileCheck { verdict, sha256, seal, form } = sealing::check_file(&state, &file.bytes).await?;
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
    };
    Ok(page(&ctx, StatusCode::OK, FormErrors::default(), String::new(), Some(outcome)))
}
