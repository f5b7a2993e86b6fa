//! `/quen-mat-khau`: a forgotten password. The person types the phone or e-mail of their
//! account and gets a code by SMS or e-mail (`motcua_app::password_reset`), then types the code
//! and a new password on the next page, and signs in with it.

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
