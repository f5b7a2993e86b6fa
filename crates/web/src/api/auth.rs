//! `/api/v1/auth/*` and `/api/v1/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use motcua_store::users::{self, SessionKind};

use super::dto::{CodeSentResponse, LoginRequest, LoginResponse, RegisterRequest, RegisterResponse, UserDto};
use super::{errors, ApiJson};
use crate::auth::{CurrentSession, CurrentUser};
use crate::error::{AppError, ErrorKind, HttpResult};
use crate::lang::CallerLang;
use motcua_app::state::AppState;
use motcua_app::two_factor::SecondStep;

/// Register a citizen account, in two requests.
///
/// Without `code`: the fields are checked (each problem a field error), and a 6-digit code is
/// sent by SMS to `phone` and by e-mail to `email`; the answer is 202 `code_sent` whether or
/// not the phone, e-mail or identity number already has an account (its owner is told instead,
/// and no code that works is made). With `code`: the same details create the account (201), or
/// the field `code` is refused (wrong, expired, five wrong tries, or the details taken). Requests
/// without `code` are limited per client address.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "identity", request_body = RegisterRequest,
    responses((status = 202, body = CodeSentResponse, description = "A code was sent to finish the registration"),
        (status = 201, body = RegisterResponse), errors::BadRequest, errors::PayloadTooLarge, errors::Validation,
        (status = 429, body = super::dto::ErrorBody, description = "Too many registrations from this address")))]
pub async fn register(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    CallerLang(lang): CallerLang,
    ApiJson(r): ApiJson<RegisterRequest>,
) -> HttpResult<Response> {
    let form = r.form();
    match r.code.as_deref() {
        None => {
            motcua_app::registration::begin(&state, client, &form, lang).await?;
            Ok((StatusCode::ACCEPTED, Json(CodeSentResponse { status: "code_sent" })).into_response())
        }
        Some(code) => {
            let user = motcua_app::registration::finish_with_form(&state, &form, code).await?;
            Ok((StatusCode::CREATED, Json(RegisterResponse { user: UserDto::new(&user, None) })).into_response())
        }
    }
}

/// Sign in and get a bearer token.
///
/// An account with two-factor authentication on also needs `otp`, the current code of its
/// authenticator app. After many failed sign-ins to an account, a right password without `otp`
/// sends a six-digit code to the account's e-mail (else its phone) and is answered
/// `otp_required`; the same request with the code in `otp` signs in.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), errors::BadRequest, errors::Unauthenticated, errors::PayloadTooLarge,
        errors::Validation, errors::RateLimited))]
pub async fn login(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    CallerLang(lang): CallerLang,
    ApiJson(r): ApiJson<LoginRequest>,
) -> HttpResult<Json<LoginResponse>> {
    let passed = motcua_app::accounts::check_credentials(&state, client, &r.username, &r.password).await?;
    let user = &passed.user;
    let otp = r.otp.as_deref().map(str::trim).filter(|c| !c.is_empty());
    match (motcua_app::two_factor::second_step(&state, &passed).await?, otp) {
        (SecondStep::None, _) => {}
        (SecondStep::Totp, Some(code)) => motcua_app::two_factor::check(&state, client, user, code).await?,
        (SecondStep::Totp, None) => return Err(AppError::new(ErrorKind::OtpRequired).into()),
        (SecondStep::SentCode, Some(code)) => motcua_app::step_up::take_code(&state, user, code).await?,
        (SecondStep::SentCode, None) => {
            let to = motcua_app::step_up::send_code(&state, user, lang).await?;
            return Err(motcua_app::step_up::code_sent(&to).into());
        }
    }
    let (token, _) = motcua_app::accounts::open_session(&state, user, SessionKind::Api).await?;
    let catalog = state.catalog();
    let agency = user.agency_code.as_ref().and_then(|c| catalog.agencies.get(c));
    Ok(Json(LoginResponse { token, user: UserDto::new(user, agency) }))
}

/// End the session of this token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity", responses((status = 204), errors::Unauthenticated), security(("bearer" = [])))]
pub async fn logout(State(state): State<AppState>, CurrentSession(session): CurrentSession) -> HttpResult<StatusCode> {
    users::delete_session(&state.db, &session.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity", responses((status = 200, body = UserDto), errors::Unauthenticated),
    security(("bearer" = [])))]
pub async fn me(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> HttpResult<Json<UserDto>> {
    let catalog = state.catalog();
    let agency = user.agency_code.as_ref().and_then(|c| catalog.agencies.get(c));
    if user.agency_code.is_some() && agency.is_none() {
        return Err(AppError::new(ErrorKind::Internal).into());
    }
    Ok(Json(UserDto::new(&user, agency)))
}
