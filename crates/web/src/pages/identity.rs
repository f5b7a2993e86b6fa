//! Signing in through an external identity provider (one button per provider on the sign-in
//! page), the second step of a sign-in whose account has two-factor authentication on, and the
//! page where the owner of an account turns it on or off. Every step is a link or a form: no
//! script is needed.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::account::{home_of, start_session, LoginPage};
use super::csrf::Csrf;
use super::{Ctx, FormErrors};
use crate::cookies;
use crate::error::{AppError, ErrorKind, HttpResult};
use motcua_app::identity::IdentityProvider;
use motcua_app::passwords::token_hash;
use motcua_app::state::AppState;
use motcua_store::identity::SignInFlow;

fn code_error(message: String) -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add("code", message);
    errors
}

fn provider<'a>(state: &'a AppState, name: &str) -> Result<&'a IdentityProvider, AppError> {
    state.config.identity_providers.iter().find(|p| p.name == name).ok_or_else(AppError::not_found)
}

/// Query of the button: where to go once signed in.
#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// Sets out for the provider: a new state, nonce and PKCE challenge kept for the return, and
/// the browser sent to the provider's authorization address.
pub async fn start(
    State(state): State<AppState>,
    Extension(edge): Extension<Arc<crate::EdgeServices>>,
    Path(name): Path<String>,
    Query(q): Query<StartQuery>,
) -> HttpResult<Response> {
    let p = provider(&state, &name)?;
    let start = edge.oidc.start(p, &state.config.public_url).await?;
    let flow = SignInFlow {
        provider: p.name.clone(),
        nonce: start.nonce,
        pkce_verifier: start.pkce_verifier,
        next_path: crate::redirect::local_path(q.next.as_deref()).filter(|n| n != "/"),
    };
    let expires = chrono::Utc::now() + crate::oidc::FLOW_LIFETIME;
    motcua_store::identity::save_flow(&state.db, &token_hash(&start.state), &flow, expires)
        .await
        .map_err(AppError::from)?;
    Ok((cookies::set(cookies::sign_in_flow(&state, start.state)), Redirect::to(&start.url)).into_response())
}

/// What the provider sends back: a code and the state, or an error.
#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The sign-in page again, with why the external sign-in did not go through.
fn refused(state: &AppState, ctx: &Ctx, e: AppError) -> Response {
    let message = ctx.t(e.message.unwrap_or(e.kind.message_key()));
    let page = LoginPage::new(ctx, state, FormErrors::general(message), String::new(), String::new());
    let res = ctx.render_status(crate::error::status(e.kind), &page);
    (cookies::set(cookies::sign_in_flow_ended(state)), res).into_response()
}

/// The return from the provider: the state must be this browser's and a sign-in under way (used
/// once), the code is exchanged with its PKCE verifier, the ID token checked with its nonce, and
/// the identity it vouches for signs in to its account ([`motcua_app::identity::sign_in_with`]).
pub async fn callback(
    State(state): State<AppState>,
    Extension(edge): Extension<Arc<crate::EdgeServices>>,
    Path(name): Path<String>,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
    ctx: Ctx,
) -> HttpResult<Response> {
    let p = provider(&state, &name)?.clone();
    let failed = || AppError::with(ErrorKind::Unauthenticated, "error-oidc-failed");
    let Some(returned) = q.state.filter(|s| !s.is_empty() && s.len() <= 256) else {
        return Ok(refused(&state, &ctx, failed()));
    };
    let carried = cookies::read(&headers, cookies::sign_in_flow_name(&state)).unwrap_or_default();
    if !bool::from(carried.as_bytes().ct_eq(returned.as_bytes())) {
        tracing::warn!(provider = p.name, "external sign-in: the state is not the one this browser set out with");
        return Ok(refused(&state, &ctx, failed()));
    }
    let now = chrono::Utc::now();
    let flow =
        motcua_store::identity::take_flow(&state.db, &token_hash(&returned), now).await.map_err(AppError::from)?;
    let Some(flow) = flow.filter(|f| f.provider == p.name) else {
        tracing::warn!(provider = p.name, "external sign-in: no sign-in under way with this state");
        return Ok(refused(&state, &ctx, failed()));
    };
    if let Some(error) = q.error {
        tracing::info!(provider = p.name, error, "external sign-in: the provider answered an error");
        return Ok(refused(&state, &ctx, failed()));
    }
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        return Ok(refused(&state, &ctx, failed()));
    };
    let who = match edge.oidc.finish(&p, &state.config.public_url, &code, &flow.pkce_verifier, &flow.nonce).await {
        Ok(who) => who,
        Err(e) => return Ok(refused(&state, &ctx, e)),
    };
    let user = match motcua_app::identity::sign_in_with(&state, &p, &who).await {
        Ok(user) => user,
        Err(e) if matches!(e.kind, ErrorKind::Unauthenticated | ErrorKind::Forbidden) => {
            return Ok(refused(&state, &ctx, e));
        }
        Err(e) => return Err(e.into()),
    };
    let to = flow.next_path.unwrap_or_else(|| home_of(&user).to_string());
    let res = start_session(&state, &user, &to).await?;
    Ok((cookies::set(cookies::sign_in_flow_ended(&state)), res).into_response())
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    ctx: Ctx,
    errors: FormErrors,
    /// For a code sent after many failed sign-ins: where it went, masked, in a sentence; `None`
    /// for the authenticator's code.
    sent_to: Option<String>,
}

/// The code page of the pending sign-in `token`; `None` when there is none (none, or lapsed).
async fn code_page(state: &AppState, ctx: &Ctx, token: &str, errors: FormErrors) -> HttpResult<Option<CodePage>> {
    let Some((user, _)) = motcua_app::two_factor::pending(state, token).await? else { return Ok(None) };
    let sent_to = if motcua_app::two_factor::is_on(state, user.id).await? {
        None
    } else {
        motcua_app::step_up::SentTo::of(&user).map(|to| {
            let key = match to {
                motcua_app::step_up::SentTo::Email(_) => "login-code-sent-email",
                motcua_app::step_up::SentTo::Phone(_) => "login-code-sent-sms",
            };
            let minutes = motcua_app::password_reset::SIGN_IN_LIFETIME.num_minutes().to_string();
            ctx.lang.t_args(key, &[("to", &to.masked()), ("minutes", &minutes)])
        })
    };
    Ok(Some(CodePage { ctx: ctx.clone(), errors, sent_to }))
}

/// The second step of a sign-in: the code of the authenticator app, or the one sent after many
/// failed sign-ins. Without a pending sign-in (none, or lapsed), back to the first step.
pub async fn code_form(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> HttpResult<Response> {
    let token = cookies::read(&headers, cookies::pending_sign_in_name(&state)).unwrap_or_default();
    if token.len() != 64 {
        return Ok(Redirect::to("/dang-nhap").into_response());
    }
    match code_page(&state, &ctx, &token, FormErrors::default()).await? {
        Some(page) => Ok(ctx.render(&page)),
        None => Ok(Redirect::to("/dang-nhap").into_response()),
    }
}

/// The code as sent.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Checks the code of the pending sign-in; right, it opens the session.
pub async fn code(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    headers: HeaderMap,
    ctx: Ctx,
    Csrf(Form(f)): Csrf<Form<CodeForm>>,
) -> HttpResult<Response> {
    let token = cookies::read(&headers, cookies::pending_sign_in_name(&state)).unwrap_or_default();
    let lapsed = || -> HttpResult<Response> {
        let message = ctx.t("error-otp-lapsed");
        let page = LoginPage::new(&ctx, &state, FormErrors::general(message), String::new(), String::new());
        let res = ctx.render_status(StatusCode::UNAUTHORIZED, &page);
        Ok((cookies::set(cookies::pending_sign_in_ended(&state)), res).into_response())
    };
    match motcua_app::two_factor::finish_pending(&state, client, &token, &f.code).await {
        Ok((user, next)) => {
            let to = next.unwrap_or_else(|| home_of(&user).to_string());
            let res = start_session(&state, &user, &to).await?;
            Ok((cookies::set(cookies::pending_sign_in_ended(&state)), res).into_response())
        }
        Err(e) if e.message == Some("error-otp-lapsed") => lapsed(),
        Err(e) if matches!(e.kind, ErrorKind::OtpInvalid | ErrorKind::RateLimited) => {
            let message = ctx.t(e.message.unwrap_or(e.kind.message_key()));
            match code_page(&state, &ctx, &token, code_error(message)).await? {
                Some(page) => Ok(ctx.render_status(crate::error::status(e.kind), &page)),
                None => lapsed(),
            }
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "two_factor.html")]
struct TwoFactorPage {
    ctx: Ctx,
    errors: FormErrors,
    on: bool,
    /// The enrolment under way: (secret as text, otpauth address, its QR code as SVG).
    enrolment: Option<(String, String, String)>,
    done: Option<String>,
}

/// Query of the two-factor page: what the last action did.
#[derive(Deserialize)]
pub struct TwoFactorQuery {
    done: Option<String>,
}

async fn two_factor_page(
    state: &AppState,
    ctx: &Ctx,
    user: &motcua_store::users::User,
    errors: FormErrors,
    done: Option<String>,
) -> HttpResult<TwoFactorPage> {
    let enrolment = match motcua_app::two_factor::enrolment(state, user).await? {
        Some(e) => {
            let svg = motcua_render::qr_svg(&e.uri).map_err(AppError::internal)?;
            Some((e.secret, e.uri, svg))
        }
        None => None,
    };
    Ok(TwoFactorPage { ctx: ctx.clone(), errors, on: enrolment.is_none(), enrolment, done })
}

/// The account's two-factor authentication: on, with the form to turn it off; or the secret
/// to enrol (QR code, address and text) with the form to confirm it.
pub async fn two_factor(
    State(state): State<AppState>,
    ctx: Ctx,
    super::SignedIn(user): super::SignedIn,
    Query(q): Query<TwoFactorQuery>,
) -> HttpResult<Response> {
    let done = q.done.filter(|d| d == "on" || d == "off");
    let page = two_factor_page(&state, &ctx, &user, FormErrors::default(), done).await?;
    Ok(ctx.render(&page))
}

/// Confirming the enrolment, or turning two-factor authentication off: each with a code.
#[derive(Deserialize)]
pub struct TwoFactorForm {
    action: String,
    #[serde(default)]
    code: String,
}

/// Turns two-factor authentication on (the code of the new secret) or off (a current code).
pub async fn change_two_factor(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    ctx: Ctx,
    super::SignedIn(user): super::SignedIn,
    Csrf(Form(f)): Csrf<Form<TwoFactorForm>>,
) -> HttpResult<Response> {
    let (done, result) = match f.action.as_str() {
        "confirm" => ("on", motcua_app::two_factor::confirm(&state, client, &user, &f.code).await),
        "off" => ("off", motcua_app::two_factor::turn_off(&state, client, &user, &f.code).await),
        _ => return Err(AppError::new(ErrorKind::BadRequest).into()),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/tai-khoan/xac-thuc-hai-lop?done={done}")).into_response()),
        Err(e) if matches!(e.kind, ErrorKind::OtpInvalid | ErrorKind::RateLimited) => {
            let message = ctx.t(e.message.unwrap_or(e.kind.message_key()));
            let page = two_factor_page(&state, &ctx, &user, code_error(message), None).await?;
            Ok(ctx.render_status(crate::error::status(e.kind), &page))
        }
        Err(e) => Err(e.into()),
    }
}
