//! Sign in, register, sign out.

use motcua_app::present::{self, Entry, FieldName};
use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::csrf::Csrf;
use super::{Ctx, FormErrors};
use crate::auth::MaybeUser;
use crate::cookies;
use crate::error::{AppError, ErrorKind, HttpResult};
use motcua_app::state::AppState;
use motcua_app::two_factor::SecondStep;
use motcua_domain::dossier::AttachmentPurpose;
use motcua_store::users::SessionKind;

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    ctx: Ctx,
    errors: FormErrors,
    username: String,
    next: String,
    /// The identity providers one may sign in through: (name, button text).
    providers: Vec<(String, String)>,
    /// Coming from setting a new password with a code (`/quen-mat-khau`).
    password_reset: bool,
}

impl LoginPage {
    pub(super) fn new(ctx: &Ctx, state: &AppState, errors: FormErrors, username: String, next: String) -> LoginPage {
        let providers = state.config.identity_providers.iter().map(|p| (p.name.clone(), p.label.clone())).collect();
        LoginPage { ctx: ctx.clone(), errors, username, next, providers, password_reset: false }
    }

    /// The address of a provider's button, coming back to `next`.
    fn provider_href(&self, name: &str) -> String {
        if self.next.is_empty() {
            format!("/dang-nhap/oidc/{name}")
        } else {
            let next: String = url::form_urlencoded::byte_serialize(self.next.as_bytes()).collect();
            format!("/dang-nhap/oidc/{name}?next={next}")
        }
    }
}

/// Where a user lands after signing in: the steering committee on its dashboard, clerks on their
/// registers, other officers on their queue, citizens on their dossiers.
pub(super) fn home_of(user: &motcua_store::users::User) -> &'static str {
    if user.roles == [motcua_domain::dossier::Role::Steering] {
        "/bao-cao/chi-so"
    } else if user.roles == [motcua_domain::dossier::Role::Clerk] {
        "/van-ban"
    } else if user.is_officer() {
        "/can-bo"
    } else {
        "/ho-so"
    }
}

/// Opens a cookie session for the user and goes on to `to`.
pub(super) async fn start_session(
    state: &AppState,
    user: &motcua_store::users::User,
    to: &str,
) -> HttpResult<Response> {
    let (token, _) = motcua_app::accounts::open_session(state, user, SessionKind::Web).await?;
    Ok((cookies::set(cookies::session(state, token)), Redirect::to(to)).into_response())
}

/// Query of the sign-in page.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    /// `1` after a new password was set with a code.
    mat_khau_moi: Option<String>,
}

/// The sign-in form, with a button for each identity provider.
pub async fn login_form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    let next = crate::redirect::local_path(q.next.as_deref()).unwrap_or_default();
    let page = LoginPage {
        password_reset: q.mat_khau_moi.as_deref() == Some("1"),
        ..LoginPage::new(&ctx, &state, FormErrors::default(), String::new(), next)
    };
    ctx.render(&page)
}

/// The sign-in form as sent.
#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Signs in with a cookie session; officers land on their queue, citizens on their dossiers. An
/// account with two-factor authentication on, or one many failed sign-ins put under a step-up
/// (a code is sent to it now), gets a pending sign-in instead, and the page asking for its code.
pub async fn login(
    State(state): State<AppState>,
    crate::client::ClientIp(client): crate::client::ClientIp,
    ctx: Ctx,
    Csrf(Form(f)): Csrf<Form<LoginForm>>,
) -> HttpResult<Response> {
    match motcua_app::accounts::check_credentials(&state, client, &f.username, &f.password).await {
        Ok(passed) => {
            let next = crate::redirect::local_path(f.next.as_deref()).filter(|n| n != "/");
            let user = &passed.user;
            let step = motcua_app::two_factor::second_step(&state, &passed).await?;
            if step == SecondStep::SentCode {
                motcua_app::step_up::send_code(&state, user, ctx.lang).await?;
            }
            if step != SecondStep::None {
                let token = motcua_app::two_factor::begin_pending(&state, user, step, next.as_deref()).await?;
                let cookie = cookies::pending_sign_in(&state, token);
                return Ok((cookies::set(cookie), Redirect::to("/dang-nhap/ma-xac-thuc")).into_response());
            }
            let to = next.unwrap_or_else(|| home_of(user).to_string());
            start_session(&state, user, &to).await
        }
        Err(e) if matches!(e.kind, ErrorKind::Unauthenticated | ErrorKind::RateLimited) => {
            let message = ctx.t(e.message.unwrap_or(e.kind.message_key()));
            let next = crate::redirect::local_path(f.next.as_deref()).unwrap_or_default();
            let page = LoginPage::new(&ctx, &state, FormErrors::general(message), f.username.clone(), next);
            Ok(ctx.render_status(crate::error::status(e.kind), &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sign-out form.
#[derive(Deserialize)]
pub struct CsrfForm {}

/// Ends the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    _ctx: Ctx,
    signed_in: MaybeUser,
    Csrf(Form(_f)): Csrf<Form<CsrfForm>>,
) -> HttpResult<Response> {
    if let Some((session, _)) = &signed_in.0 {
        motcua_store::users::delete_session(&state.db, &session.token_hash).await?;
    }
    Ok((cookies::set(cookies::session_ended(&state)), Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: Ctx,
    errors: FormErrors,
    /// (name, label, input type, value, autocomplete)
    fields: Vec<(String, String, &'static str, String, &'static str)>,
}

/// The registration form as sent.
#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn register_page(ctx: &Ctx, f: &RegisterForm, errors: FormErrors) -> RegisterPage {
    let fields = vec![
        ("full_name".to_string(), ctx.t("register-full-name"), "text", f.full_name.clone(), "name"),
        ("id_number".to_string(), ctx.t("register-id-number"), "text", f.id_number.clone(), "off"),
        ("phone".to_string(), ctx.t("register-phone"), "tel", f.phone.clone(), "tel"),
        ("email".to_string(), ctx.t("register-email"), "email", f.email.clone(), "email"),
        ("password".to_string(), ctx.t("register-password"), "password", String::new(), "new-password"),
    ];
    RegisterPage { ctx: ctx.clone(), errors, fields }
}

/// The registration form.
pub async fn register_form(ctx: Ctx) -> Response {
    let page = register_page(&ctx, &RegisterForm::default(), FormErrors::default());
    ctx.render(&page)
}

/// Starts a registration: the code page, by way of a redirect, whether or not the details
/// already have an account (`motcua_app::registration`); a problem with a field, the form again.
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::client::ClientIp(client): crate::client::ClientIp,
    Csrf(Form(f)): Csrf<Form<RegisterForm>>,
) -> HttpResult<Response> {
    let form = motcua_app::registration::RegistrationForm {
        full_name: f.full_name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
        email: f.email.clone(),
        password: f.password.clone(),
    };
    match motcua_app::registration::begin(&state, client, &form, ctx.lang).await {
        Ok(token) => {
            let cookie = cookies::pending_registration(&state, token);
            Ok((cookies::set(cookie), Redirect::to("/dang-ky/xac-nhan")).into_response())
        }
        Err(e) if e.kind == ErrorKind::Validation => {
            let page = register_page(&ctx, &f, FormErrors::default());
            // A field left empty is told as required, whatever its format check said.
            let fields: BTreeMap<String, String> = e
                .fields
                .iter()
                .map(|(k, code)| {
                    let typed = match k.as_str() {
                        "password" => Some(f.password.as_str()),
                        _ => page.fields.iter().find(|x| &x.0 == k).map(|x| x.3.as_str()),
                    };
                    let empty = typed.is_some_and(|v| v.trim().is_empty());
                    (k.clone(), if empty { "field-required".to_string() } else { code.clone() })
                })
                .collect();
            let names: Vec<FieldName> =
                page.fields.iter().map(|x| FieldName::new(&x.0, x.1.clone(), Entry::Typed)).collect();
            let errors = FormErrors::named(ctx.lang, &fields, &names);
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &RegisterPage { errors, ..page }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "register_code.html")]
struct RegisterCodePage {
    ctx: Ctx,
    errors: FormErrors,
    /// What the page says the code was sent to.
    sent: String,
    /// After asking for the code again: sent (`Some(true)`) or too soon (`Some(false)`).
    sent_again: Option<bool>,
}

/// Query of the code page: what asking for the code again did.
#[derive(Deserialize)]
pub struct RegisterCodeQuery {
    gui_lai: Option<String>,
}

async fn code_page(
    state: &AppState,
    ctx: &Ctx,
    headers: &HeaderMap,
    errors: FormErrors,
    sent_again: Option<bool>,
) -> HttpResult<Option<RegisterCodePage>> {
    let token = cookies::read(headers, cookies::pending_registration_name(state)).unwrap_or_default();
    let Some(w) = motcua_app::registration::waiting(state, &token).await? else { return Ok(None) };
    let minutes = motcua_app::registration::LIFETIME.num_minutes().to_string();
    let sent = ctx.lang.t_args(
        "register-code-sent",
        &[("phone", w.phone.as_str()), ("email", w.email.as_str()), ("minutes", minutes.as_str())],
    );
    Ok(Some(RegisterCodePage { ctx: ctx.clone(), errors, sent, sent_again }))
}

/// The second step of registering: the code sent. Without a registration under way (none, or
/// lapsed, or five wrong codes), back to the form.
pub async fn register_code_form(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<RegisterCodeQuery>,
) -> HttpResult<Response> {
    let sent_again = q.gui_lai.as_deref().map(|v| v == "1");
    match code_page(&state, &ctx, &headers, FormErrors::default(), sent_again).await? {
        Some(page) => Ok(ctx.render(&page)),
        None => Ok(Redirect::to("/dang-ky").into_response()),
    }
}

/// The code as sent.
#[derive(Deserialize)]
pub struct RegisterCodeForm {
    #[serde(default)]
    code: String,
}

/// Finishes the registration with the code: the account is created and signed in; a code that
/// does not do it, the page again naming the field.
pub async fn register_code(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Csrf(Form(f)): Csrf<Form<RegisterCodeForm>>,
) -> HttpResult<Response> {
    let token = cookies::read(&headers, cookies::pending_registration_name(&state)).unwrap_or_default();
    match motcua_app::registration::finish_in_browser(&state, &token, &f.code).await {
        Ok(user) => {
            let res = start_session(&state, &user, "/ho-so").await?;
            Ok((cookies::set(cookies::pending_registration_ended(&state)), res).into_response())
        }
        Err(e) if e.kind == ErrorKind::Validation => {
            let names = [FieldName::new("code", ctx.t("register-code"), Entry::Typed)];
            let errors = FormErrors::named(ctx.lang, &e.fields, &names);
            match code_page(&state, &ctx, &headers, errors, None).await? {
                Some(page) => Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)),
                // Over (a fifth wrong code, or lapsed): the form again, saying so.
                None => {
                    let errors = FormErrors::general(ctx.t("register-code-over"));
                    let page = register_page(&ctx, &RegisterForm::default(), errors);
                    Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
                }
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Asks for the code again (a new one); back to the code page saying whether it was sent.
pub async fn register_send_again(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    crate::client::ClientIp(client): crate::client::ClientIp,
    Csrf(Form(_f)): Csrf<Form<CsrfForm>>,
) -> HttpResult<Response> {
    let token = cookies::read(&headers, cookies::pending_registration_name(&state)).unwrap_or_default();
    let sent = motcua_app::registration::send_again(&state, client, &token, ctx.lang).await?;
    Ok(Redirect::to(if sent { "/dang-ky/xac-nhan?gui_lai=1" } else { "/dang-ky/xac-nhan?gui_lai=0" }).into_response())
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    ctx: Ctx,
    unread: i64,
    items: Vec<(String, String, String, String, bool)>,
}

/// What the portal told the user about their dossiers, newest first; opening the page marks
/// everything read.
pub async fn notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    super::SignedIn(user): super::SignedIn,
) -> HttpResult<Response> {
    let (list, unread) = motcua_store::notifications::for_user(&state.db, user.id, 100).await?;
    if unread > 0 {
        motcua_store::notifications::mark_read(&state.db, user.id, chrono::Utc::now()).await?;
    }
    let items = list
        .into_iter()
        .map(|n| (present::show_time(Some(n.created_at)), n.dossier_code, n.title, n.body, n.read_at.is_none()))
        .collect();
    Ok(ctx.render(&NotificationsPage { ctx: ctx.clone(), unread, items }))
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    ctx: Ctx,
    /// (id, kind, opened, lapses, this one).
    sessions: Vec<(String, String, String, String, bool)>,
    ended: Option<u64>,
    lifetime_hours: i64,
}

/// Query of the sessions page: how many sessions the last action ended.
#[derive(Deserialize)]
pub struct SessionsQuery {
    ended: Option<u64>,
}

/// The signed-in user's sessions — browsers and API tokens — with the one in use marked, each
/// of which can be ended, or all the others at once (a forgotten computer, a lost phone).
pub async fn sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    signed_in: MaybeUser,
    Query(q): Query<SessionsQuery>,
) -> HttpResult<Response> {
    let Some((current, _)) = signed_in.0 else {
        return Ok(Redirect::to("/dang-nhap?next=/tai-khoan/phien").into_response());
    };
    let list = motcua_store::users::sessions_of(&state.db, current.user.id, chrono::Utc::now()).await?;
    let sessions = list
        .into_iter()
        .map(|s| {
            let kind = match s.kind {
                SessionKind::Web => ctx.t("sessions-kind-web"),
                SessionKind::Api => ctx.t("sessions-kind-api"),
            };
            let this = s.token_hash == current.token_hash;
            (s.token_hash, kind, present::show_time(Some(s.created_at)), present::show_time(Some(s.expires_at)), this)
        })
        .collect();
    let lifetime_hours = motcua_app::accounts::SESSION_LIFETIME.num_hours();
    Ok(ctx.render(&SessionsPage { ctx: ctx.clone(), sessions, ended: q.ended, lifetime_hours }))
}

/// Which sessions to end: one (`id`), or every other one (`others`).
#[derive(Deserialize)]
pub struct EndSessionsForm {
    id: Option<String>,
    others: Option<String>,
}

/// Ends one of the user's own sessions, or all but the one in use; ending the one in use signs
/// out.
pub async fn end_sessions(
    State(state): State<AppState>,
    _ctx: Ctx,
    signed_in: MaybeUser,
    Csrf(Form(f)): Csrf<Form<EndSessionsForm>>,
) -> HttpResult<Response> {
    let Some((current, _)) = signed_in.0 else {
        return Ok(Redirect::to("/dang-nhap").into_response());
    };
    let which = if f.others.is_some() { None } else { f.id.as_deref() };
    if which.is_none() && f.others.is_none() {
        return Err(AppError::new(ErrorKind::Validation).into());
    }
    let ended = motcua_store::users::end_sessions(&state.db, current.user.id, which, &current.token_hash).await?;
    if which == Some(current.token_hash.as_str()) {
        return Ok((cookies::set(cookies::session_ended(&state)), Redirect::to("/")).into_response());
    }
    Ok(Redirect::to(&format!("/tai-khoan/phien?ended={ended}")).into_response())
}

#[derive(Template)]
#[template(path = "store.html")]
struct StorePage {
    ctx: Ctx,
    /// (file link, file name, document, procedure, dossier code, date, is a result).
    items: Vec<(String, String, String, String, String, String, bool)>,
}

/// The citizen's document store: every document of their dossiers and every result issued to
/// them, ready to be used again in a new application.
pub async fn document_store(
    State(state): State<AppState>,
    ctx: Ctx,
    super::SignedIn(user): super::SignedIn,
) -> HttpResult<Response> {
    if user.is_officer() {
        return Err(AppError::not_found().into());
    }
    let catalog = state.catalog();
    let lang = ctx.lang;
    let items = motcua_app::citizen_store::document_store(&state, &user, 1, 500)
        .await?
        .items
        .into_iter()
        .map(|s| {
            let p = catalog.get(&s.procedure_code);
            let document = if s.attachment.purpose == AttachmentPurpose::Result {
                lang.t("dossier-result")
            } else {
                p.and_then(|p| p.documents.iter().find(|d| d.key == s.attachment.key))
                    .map(|d| lang.pick(&d.name, d.name_en.as_deref()).to_string())
                    .unwrap_or_else(|| s.attachment.key.clone())
            };
            (
                format!("/api/v1/attachments/{}", s.attachment.id),
                s.attachment.file_name.clone(),
                document,
                p.map(|p| lang.pick(&p.name, p.name_en.as_deref()).to_string()).unwrap_or_default(),
                s.dossier_code,
                present::show_time(Some(s.attachment.created_at)),
                s.attachment.purpose == AttachmentPurpose::Result,
            )
        })
        .collect();
    Ok(ctx.render(&StorePage { ctx: ctx.clone(), items }))
}
