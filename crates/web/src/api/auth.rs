//! `/api/v1/auth/*` and `/api/v1/me`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use motcua_domain::dossier::Role;
use motcua_domain::identity::{CitizenId, Email, FullName, PhoneNumber};
use motcua_store::users::{self, NewUser, SessionKind};
use motcua_store::StoreError;
use std::collections::BTreeMap;

use super::dto::{LoginRequest, LoginResponse, RegisterRequest, RegisterResponse, UserDto};
use super::{errors, ApiJson};
use crate::auth::{CurrentSession, CurrentUser};
use crate::error::{AppError, ErrorKind, HttpResult};
use crate::lang::CallerLang;
use motcua_app::state::AppState;
use motcua_app::two_factor::SecondStep;

/// Shortest accepted password for self-registration.
pub const MIN_PASSWORD: usize = motcua_app::passwords::MIN_CHARS;

/// A validated registration, or per-field message keys.
pub fn check_registration(r: &RegisterRequest) -> Result<NewUser, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let name =
        FullName::parse(&r.full_name).map_err(|_| errors.insert("full_name".into(), "field-required".into())).ok();
    let id = CitizenId::parse(&r.id_number)
        .map_err(|_| errors.insert("id_number".into(), "field-not-citizen-id".into()))
        .ok();
    let phone = PhoneNumber::parse(&r.phone).map_err(|_| errors.insert("phone".into(), "field-not-phone".into())).ok();
    let email = Email::parse(&r.email).map_err(|_| errors.insert("email".into(), "field-not-email".into())).ok();
    let personal = [r.full_name.as_str(), r.id_number.as_str(), r.phone.as_str(), r.email.as_str()];
    if let Err(weak) = motcua_app::passwords::check_new_password(&r.password, MIN_PASSWORD, &personal) {
        errors.insert("password".into(), weak.message_key().into());
    }
    match (name, id, phone, email) {
        (Some(n), Some(i), Some(p), Some(e)) if errors.is_empty() => Ok(NewUser {
            full_name: n.as_str().into(),
            id_number: Some(i.as_str().into()),
            phone: Some(p.as_str().into()),
            email: Some(e.as_str().into()),
            roles: vec![Role::Citizen],
            ..NewUser::default()
        }),
        _ => Err(errors),
    }
}

/// Creates a citizen account; a taken phone, e-mail or id number is a validation error on that
/// field. Attempts are limited per client address, which slows anyone trying which phones and
/// numbers have accounts.
pub async fn register_citizen(
    state: &AppState,
    client: std::net::IpAddr,
    r: &RegisterRequest,
) -> HttpResult<motcua_store::users::User> {
    if !state.registrations.allow(client) {
        return Err(AppError::new(ErrorKind::RateLimited).into());
    }
    let mut new = check_registration(r).map_err(AppError::fields)?;
    new.password_hash = motcua_app::passwords::hash_password(r.password.clone()).await?;
    match users::create_user(&state.db, &new).await {
        Ok(id) => Ok(users::user(&state.db, id).await?),
        Err(StoreError::Conflict(column)) => {
            let mut f = BTreeMap::new();
            f.insert(column, "field-taken".to_string());
            Err(AppError::fields(f).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Register a citizen account.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "identity", request_body = RegisterRequest,
    responses((status = 201, body = RegisterResponse), errors::BadRequest, errors::PayloadTooLarge, errors::Validation,
        (status = 429, body = super::dto::ErrorBody, description = "Too many registrations from this address")))]
pub async fn register(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    ApiJson(r): ApiJson<RegisterRequest>,
) -> HttpResult<(StatusCode, Json<RegisterResponse>)> {
    let user = register_citizen(&state, client, &r).await?;
    Ok((StatusCode::CREATED, Json(RegisterResponse { user: UserDto::new(&user, None) })))
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
