//! `/api/v1/results`: the public verification of electronic results, by code or by file, without
//! signing in (DESIGN.md section 7; the page is `/xac-thuc`).

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::dto::{IssuedFormDto, PdfSignatureDto, ResultSealDto, VerificationDto};
use crate::error::{AppError, HttpResult};
use crate::verify_uploads::{self, Admitted};
use motcua_app::sealing;
use motcua_app::state::AppState;

/// The electronic result with this verification code (any case, dashes and spaces ignored) and
/// whether the system's signature over it checks out; 404 when there is none.
#[utoipa::path(get, path = "/api/v1/results/{code}", tag = "results", params(("code" = String, Path, description = "Verification code")),
    responses((status = 200, body = ResultSealDto), super::errors::BadRequest, super::errors::NotFound, super::errors::RateLimited))]
pub async fn get(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    Path(code): Path<String>,
) -> HttpResult<Json<ResultSealDto>> {
    if !state.verifications.allow(client).await {
        return Err(AppError::with(motcua_app::error::ErrorKind::RateLimited, "error-verify-too-many").into());
    }
    let v = sealing::check_code(&state, &code).await?;
    Ok(Json((&v).into()))
}

/// Checks a file (multipart part `file`, at most 20 MB): its PDF signatures (`signatures`), and
/// `authentic` when it is exactly a result the system issued and its signature verifies, or
/// exactly a form it issued (`form`), `modified` when it names an issued result but its bytes
/// differ, `unknown` otherwise. Nothing is stored. Anyone may call it, so what it holds in memory
/// is bounded: when other uploads hold the room, or this address has several under way, 503
/// with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/results/verify", tag = "results",
    request_body(content_type = "multipart/form-data", description = "file: the file to check (at most 20 MB)"),
    responses((status = 200, body = VerificationDto), super::errors::BadRequest,
        (status = 413, description = "The file is over 20 MB", body = super::dto::ErrorBody),
        (status = 422, body = super::dto::ErrorBody), super::errors::RateLimited,
        (status = 503, description = "Too many files being checked now (overall, or from this address); try again after `Retry-After` seconds",
            body = super::dto::ErrorBody, headers(("Retry-After" = u64, description = "Seconds to wait before trying again")))))]
pub async fn verify(State(state): State<AppState>, Admitted(room): Admitted, mut mp: Multipart) -> Response {
    let mut room = match room {
        Ok(room) => room,
        Err(refused) => return refused.into_response(),
    };
    let answer = async {
        let file = verify_uploads::read_file(&mut mp, "file", &mut room)
            .await?
            .ok_or_else(|| AppError::fields([("file".to_string(), "verify-file-required".to_string())].into()))?;
        let check = sealing::check_file(&state, file).await?;
        HttpResult::Ok(Json(VerificationDto {
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
    };
    answer.await.into_response()
}
