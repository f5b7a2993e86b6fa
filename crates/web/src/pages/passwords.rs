//! Passwords. `/quen-mat-khau`: a forgotten one — the person types the phone or e-mail of their
//! account and gets a code by SMS or e-mail (`motcua_app::password_reset`), then types the code
//! and a new password on the next page, and signs in with it. `/tai-khoan/mat-khau`: a
//! signed-in person changes theirs with the current one (`motcua_app::accounts::change_password`).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use motcua_app::error::ErrorKind;
use motcua_app::present::{Entry, FieldName};
use motcua_app::state::AppState;
use serde::Deserialize;

use super::csrf::Csrf;
use super::{Ctx, FormErrors};
use crate::auth::MaybeUser;
use crate::error::HttpResult;

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    ctx: Ctx,
    errors: FormErrors,
    contact: String,
    /// Whether a code was asked for: the page then takes the code and the new password.
    asked: bool,
}

/// The form of either step.
#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    contact: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

fn names(ctx: &Ctx) -> Vec<FieldName> {
    vec![
        FieldName::new("contact", ctx.t("reset-contact"), Entry::Typed),
        FieldName::new("code", ctx.t("reset-code"), Entry::Typed),
        FieldName::new("password", ctx.t("reset-password"), Entry::Typed),
    ]
}

fn page(ctx: &Ctx, f: &ResetForm, asked: bool, errors: FormErrors) -> ResetPage {
    ResetPage { ctx: ctx.clone(), errors, contact: f.contact.trim().to_string(), asked }
}

/// The first step: the phone or the e-mail address.
pub async fn form(ctx: Ctx) -> Response {
    ctx.render(&page(&ctx, &ResetForm::default(), false, FormErrors::default()))
}

/// Asks for a code; the next step's form whether or not the account exists.
pub async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    Csrf(Form(f)): Csrf<Form<ResetForm>>,
) -> HttpResult<Response> {
    match motcua_app::password_reset::request(&state, &f.contact, ctx.lang).await {
        Ok(()) => Ok(ctx.render(&page(&ctx, &f, true, FormErrors::default()))),
        Err(e) if e.kind == ErrorKind::Validation => {
            let errors = FormErrors::named(ctx.lang, &e.fields, &names(&ctx));
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&ctx, &f, false, errors)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets the new password with the code; then the sign-in page.
pub async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Csrf(Form(f)): Csrf<Form<ResetForm>>,
) -> HttpResult<Response> {
    match motcua_app::password_reset::reset(&state, &f.contact, &f.code, &f.password).await {
        Ok(()) => Ok(Redirect::to("/dang-nhap?mat_khau_moi=1").into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let errors = FormErrors::named(ctx.lang, &e.fields, &names(&ctx));
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&ctx, &f, true, errors)))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "password_change.html")]
struct ChangePage {
    ctx: Ctx,
    errors: FormErrors,
    /// Just changed: the other sessions ended.
    done: bool,
}

/// Query of the change page: `?doi=1` after a change.
#[derive(Deserialize)]
pub struct ChangeQuery {
    doi: Option<String>,
}

/// The change form, for a signed-in person.
pub async fn change_form(
    ctx: Ctx,
    signed_in: MaybeUser,
    axum::extract::Query(q): axum::extract::Query<ChangeQuery>,
) -> Response {
    if signed_in.0.is_none() {
        return Redirect::to("/dang-nhap?next=/tai-khoan/mat-khau").into_response();
    }
    let done = q.doi.as_deref() == Some("1");
    ctx.render(&ChangePage { ctx: ctx.clone(), errors: FormErrors::default(), done })
}

/// The change form as sent.
#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// Changes the password; the other sessions of the account end, this one goes on.
pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    signed_in: MaybeUser,
    Csrf(Form(f)): Csrf<Form<ChangeForm>>,
) -> HttpResult<Response> {
    let Some((session, _)) = signed_in.0 else {
        return Ok(Redirect::to("/dang-nhap?next=/tai-khoan/mat-khau").into_response());
    };
    match motcua_app::accounts::change_password(&state, &session.user, &session.token_hash, &f.current, &f.password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/tai-khoan/mat-khau?doi=1").into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let names = vec![
                FieldName::new("current", ctx.t("password-current"), Entry::Typed),
                FieldName::new("password", ctx.t("reset-password"), Entry::Typed),
            ];
            let errors = FormErrors::named(ctx.lang, &e.fields, &names);
            let page = ChangePage { ctx: ctx.clone(), errors, done: false };
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
