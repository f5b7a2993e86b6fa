//! `/api/v1/results`: the public verification of electronic results, by code or by file, without
//! signing in (DESIGN.md section 7; the page is `/xac-thuc`).

use axum::extract::{Multipart, Path, State};
use axum::Json;

use super::dto::{IssuedFormDto, PdfSignatureDto, ResultSealDto, VerificationDto};
use crate::error::{AppError, HttpResult};
use crate::uploads;
use motcua_app::sealing;
use motcua_app::state::AppState;

/// The electronic result with this verification code (any case, dashes and spaces ignored) and
/// whether the system's signature over it checks out; 404 when there is none.
#[utoipa::path(get, path = "/api/v1/results/{code}", tag = "results", params(("code" = String, Path, description = "Verification code")),
    responses((status = 200, body = ResultSealDto), (status = 404, body = super::dto::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(code): Path<String>) -> HttpResult<Json<ResultSealDto>> {
    let v = sealing::check_code(&state, &code).await?;
    Ok(Json((&v).into()))
}

/// Checks a file (multipart part `file`): its PDF signatures (`signatures`), and `authentic` when
/// it is exactly a result the system issued and its signature verifies, or exactly a form it
/// issued (`form`), `modified` when it names an issued result but its bytes differ, `unknown`
/// otherwise. Nothing is stored.
#[utoipa::path(post, path = "/api/v1/results/verify", tag = "results",
    request_body(content_type = "multipart/form-data", description = "file: the file to check"),
    responses((status = 200, body = VerificationDto), (status = 413, body = super::dto::ErrorBody), (status = 422, body = super::dto::ErrorBody)))]
pub async fn verify(State(state): State<AppState>, mp: Multipart) -> HttpResult<Json<VerificationDto>> {
    let parts = uploads::read(mp, state.config.max_file_bytes).await?;
    let file = parts
        .files
        .iter()
        .find(|f| f.part == "file")
        .ok_or_else(|| AppError::fields([("file".to_string(), "verify-file-required".to_string())].into()))?;
    let check = sealing::check_file(&state, &file.bytes).await?;
    Ok(Json(VerificationDto {
        verdict: check.verdict.as_str().into(),
        sha256: check.sha256,
        result: check.seal.as_ref().map(ResultSealDto::from),
        form: check.form.map(|f| IssuedFormDto {
            title: f.title.to_string(),
            dossier_code: f.dossier_code,
            issued_at: f.issued_at,
            signed: f.signed,
        }),
        signatures: check.signatures.iter().map(PdfSignatureDto::from).collect(),
    }))
}
