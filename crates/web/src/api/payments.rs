//! Fees and payments: the fee a procedure asks for given answers, the gateway's
//! server-to-server confirmation, a dossier's electronic receipt.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::dossiers::file_response;
use super::dto::{FeeLineDto, FeeQuoteDto};
use super::{errors, ApiJson, ApiPath};
use crate::auth::MaybeUser;
use crate::error::{AppError, HttpResult};
use crate::lang::CallerLang;
use motcua_app::payments;
use motcua_app::state::AppState;

/// What the portal answers the gateway's confirmation, in the gateway protocol's own shape.
#[derive(Serialize, ToSchema)]
pub struct IpnResponse {
    /// `00` recorded, `01` unknown payment, `02` already confirmed, `04` wrong amount (checked
    /// before "already confirmed"), `97` bad signature, `99` other error: not a result of the
    /// gateway (a result parameter missing or empty, another merchant's code, a parameter of the
    /// payment request) or a failure to record it (the gateway retries).
    #[serde(rename = "RspCode")]
    pub rsp_code: String,
    /// The code's meaning.
    #[serde(rename = "Message")]
    pub message: String,
}

/// The payment gateway's server-to-server confirmation (IPN): signed parameters `vnp_*` with
/// `vnp_SecureHash` (HMAC-SHA512 over the sorted, non-empty parameters). Every result parameter
/// is required and non-empty (`vnp_ResponseCode`, `vnp_TransactionStatus`, `vnp_TransactionNo`,
/// `vnp_Amount`, `vnp_TxnRef`, `vnp_TmnCode`); the payment request's own (`vnp_Command`,
/// `vnp_ReturnUrl`, …) are refused. Settles the payment once (a failed one can still be paid
/// by a later success); forgeries, replays and wrong amounts are refused and logged, in full up
/// to a threshold per address and minute.
#[utoipa::path(get, path = "/api/v1/payments/ipn", tag = "payments",
    responses((status = 200, body = IpnResponse, description = "Always 200; the outcome is in RspCode")))]
pub async fn ipn(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    RawQuery(query): RawQuery,
) -> Json<IpnResponse> {
    let pairs = motcua_app::gateway::query_pairs(query.as_deref());
    let answer = payments::confirm(&state, &pairs, Some(client.to_string())).await;
    let (code, message) = answer.code_and_message();
    Json(IpnResponse { rsp_code: code.into(), message: message.into() })
}

/// The fee for a set of answers (a JSON object of form answers by field key), before
/// submitting: each line named, the total, and when it is paid.
#[utoipa::path(post, path = "/api/v1/procedures/{code}/fee", tag = "catalog", params(("code" = String, Path)),
    request_body(content = Object, description = "Form answers by field key"),
    responses((status = 200, body = FeeQuoteDto), errors::BadRequest, errors::NotFound, errors::PayloadTooLarge,
        errors::Validation))]
pub async fn fee_quote(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    ApiPath(code): ApiPath<String>,
    ApiJson(answers): ApiJson<Map<String, Value>>,
) -> HttpResult<Json<FeeQuoteDto>> {
    let catalog = state.catalog();
    let p = catalog.get(&code).ok_or_else(AppError::not_found)?;
    let (lines, total_vnd) = payments::fee_lines(p, &answers, lang);
    Ok(Json(FeeQuoteDto {
        lines: lines.into_iter().map(|(label, amount_vnd)| FeeLineDto { label, amount_vnd }).collect(),
        total_vnd,
        timing: p.fee.timing.as_str().into(),
    }))
}

/// The electronic receipt (PDF) of a dossier's fee, for whoever may see the dossier.
#[utoipa::path(get, path = "/api/v1/dossiers/{code}/receipt", tag = "dossiers", params(("code" = String, Path)),
    responses((status = 200, description = "The receipt, application/pdf"), errors::NotFound),
    security(("bearer" = [])))]
pub async fn receipt(
    State(state): State<AppState>,
    user: MaybeUser,
    ApiPath(code): ApiPath<String>,
) -> HttpResult<axum::response::Response> {
    let pdf = payments::receipt_pdf(&state, user.user(), &code).await?;
    Ok(file_response("application/pdf", &format!("bien-lai-{code}.pdf"), pdf.into()))
}
