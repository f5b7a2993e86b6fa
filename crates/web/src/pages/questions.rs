//! Public questions and feedback (hỏi đáp, góp ý): the comment form under every procedure and a
//! general feedback page (optionally about a dossier); officers moderate, answered questions are
//! published under their procedure. The e-mail is never shown publicly.
//!
//! Spam is kept out without third-party services: a hidden field people leave empty, a minimum
//! time to fill the form in, a limit on links, and a rate limit per address.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Utc;
use motcua_domain::identity::{Email, FullName};
use motcua_store::questions::{self, NewQuestion, QuestionKind};
use serde::Deserialize;

use super::csrf::Csrf;
use super::portal::{procedure_page, AskView};
use super::{Ctx, FormErrors, SignedIn};
use crate::error::{AppError, ErrorKind, HttpResult};
use motcua_app::i18n::Lang;
use motcua_app::present::{show_time, Entry, FieldName};
use motcua_app::state::AppState;

/// A form filled in faster than this is taken for a robot.
const MIN_FILL_SECONDS: i64 = 3;
/// Links allowed in a question.
const MAX_LINKS: usize = 2;

/// The fields of the question and feedback forms.
#[derive(Deserialize, Default, Clone)]
pub struct AskForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    body: String,
    /// For feedback: the dossier concerned (optional).
    #[serde(default)]
    dossier: String,
    /// Left empty by people; robots fill it in.
    #[serde(default)]
    website: String,
    /// When the form was shown (ms since the epoch).
    #[serde(default)]
    t: String,
}

/// The asking form again, as typed, with its problems.
fn ask_again(f: &AskForm, errors: FormErrors) -> AskView {
    AskView {
        name: f.name.clone(),
        email: f.email.clone(),
        body: f.body.clone(),
        dossier: f.dossier.clone(),
        t: f.t.clone(),
        errors,
        sent: false,
    }
}

/// A checked question: name, e-mail, text.
type Checked = (String, String, String);

/// Fewest characters in a question.
const MIN_BODY: usize = 10;
/// Most characters in a question.
const MAX_BODY: usize = 3000;

/// Checks a question: every problem by field, or `Ok(None)` for a robot (silently dropped).
/// The anti-spam checks speak only once every field is right: an empty or wrong field is always
/// told as what it is, never as a form "sent too fast".
fn check(f: &AskForm) -> Result<Option<Checked>, BTreeMap<String, String>> {
    if !f.website.trim().is_empty() {
        return Ok(None);
    }
    let mut errors = BTreeMap::new();
    let name = FullName::parse(&f.name).map_err(|_| errors.insert("name".into(), "field-required".into())).ok();
    let email = if f.email.trim().is_empty() {
        errors.insert("email".into(), "field-required".into());
        None
    } else {
        Email::parse(&f.email).map_err(|_| errors.insert("email".into(), "field-not-email".into())).ok()
    };
    let body = f.body.trim();
    let len = body.chars().count();
    if len == 0 {
        errors.insert("body".into(), "field-required".into());
    } else if len < MIN_BODY {
        errors.insert("body".into(), "question-too-short".into());
    } else if len > MAX_BODY {
        errors.insert("body".into(), "field-too-long".into());
    } else if body.matches("http").count() > MAX_LINKS {
        errors.insert("body".into(), "question-too-many-links".into());
    }
    let (Some(name), Some(email)) = (name, email) else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let shown = f.t.trim().parse::<i64>().ok();
    let elapsed = shown.map(|t| (Utc::now().timestamp_millis() - t) / 1000);
    if !elapsed.is_some_and(|s| (MIN_FILL_SECONDS..86_400).contains(&s)) {
        // Not about a field: the whole form is to be sent again.
        return Err([(String::new(), "question-too-fast".to_string())].into());
    }
    Ok(Some((name.as_str().to_string(), email.as_str().to_string(), body.to_string())))
}

/// The fields of the question and feedback forms as their errors name them, in form order.
fn field_names(lang: Lang) -> Vec<FieldName> {
    vec![
        FieldName::new("name", lang.t("qa-name"), Entry::Typed),
        FieldName::new("email", lang.t("qa-email"), Entry::Typed),
        FieldName::new("dossier", lang.t("feedback-dossier"), Entry::Typed),
        FieldName::new("body", lang.t("qa-body"), Entry::Typed).limit(MAX_BODY.to_string()).min(MIN_BODY.to_string()),
    ]
}

/// The problems of a question or feedback form, in the visitor's language.
fn ask_errors(lang: Lang, errors: &BTreeMap<String, String>) -> FormErrors {
    FormErrors::named(lang, errors, &field_names(lang))
}

/// Someone asks a question under a procedure.
pub async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::client::ClientIp(client): crate::client::ClientIp,
    Path(code): Path<String>,
    Csrf(Form(f)): Csrf<Form<AskForm>>,
) -> HttpResult<Response> {
    let p = state.catalog().get(&code).cloned().ok_or_else(AppError::not_found)?;
    if !state.asks.allow(client).await {
        return Err(AppError::new(ErrorKind::RateLimited).into());
    }
    match check(&f) {
        Ok(Some((name, email, body))) => {
            let q = NewQuestion {
                kind: QuestionKind::Question,
                procedure_code: Some(p.code.clone()),
                dossier_code: None,
                agency_code: Some(p.agency.code.clone()),
                name,
                email,
                body,
            };
            questions::ask(&state.db, &q, Utc::now()).await?;
            Ok(Redirect::to(&format!("/thu-tuc/{code}?hoi=1#hoi-dap")).into_response())
        }
        Ok(None) => Ok(Redirect::to(&format!("/thu-tuc/{code}?hoi=1#hoi-dap")).into_response()),
        Err(errors) => {
            let view = ask_again(&f, ask_errors(ctx.lang, &errors));
            let page = procedure_page(&state, &ctx, &p, view).await?;
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

#[derive(Template)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    ctx: Ctx,
    ask: AskView,
}

/// Whether the feedback was sent.
#[derive(Deserialize, Default)]
pub struct SentQuery {
    gui: Option<String>,
}

/// The general feedback form (góp ý), optionally about a dossier.
pub async fn feedback_form(ctx: Ctx, Query(q): Query<SentQuery>) -> Response {
    ctx.render(&FeedbackPage { ctx: ctx.clone(), ask: AskView::fresh(q.gui.is_some()) })
}

/// Records feedback; about a dossier, its lead agency moderates it.
pub async fn feedback(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::client::ClientIp(client): crate::client::ClientIp,
    Csrf(Form(f)): Csrf<Form<AskForm>>,
) -> HttpResult<Response> {
    if !state.asks.allow(client).await {
        return Err(AppError::new(ErrorKind::RateLimited).into());
    }
    let dossier = f.dossier.trim().to_string();
    // Feedback about a dossier goes to its lead agency; about a code that names none, to the
    // general queue with the code as written. The sender is answered the same either way, so
    // the form cannot be used to learn which codes exist.
    let found = if dossier.is_empty() {
        None
    } else {
        motcua_store::dossiers::by_code(&state.db, &dossier).await.ok().map(|d| (d.code, d.lead_agency))
    };
    let result = check(&f).map(|ok| {
        ok.map(|(name, email, body)| match (&found, dossier.is_empty()) {
            (None, false) => (name, email, format!("[Mã hồ sơ ghi trong góp ý: {dossier}] {body}")),
            _ => (name, email, body),
        })
    });
    let (dossier, agency) = found.map_or((String::new(), None), |(code, agency)| (code, Some(agency)));
    match result {
        Ok(Some((name, email, body))) => {
            let q = NewQuestion {
                kind: QuestionKind::Feedback,
                procedure_code: None,
                dossier_code: Some(dossier).filter(|d| !d.is_empty()),
                agency_code: agency,
                name,
                email,
                body,
            };
            questions::ask(&state.db, &q, Utc::now()).await?;
            Ok(Redirect::to("/gop-y?gui=1").into_response())
        }
        Ok(None) => Ok(Redirect::to("/gop-y?gui=1").into_response()),
        Err(errors) => {
            let ask = ask_again(&f, ask_errors(ctx.lang, &errors));
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &FeedbackPage { ctx: ctx.clone(), ask }))
        }
    }
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct ModerationPage {
    ctx: Ctx,
    /// (id, kind label, about, name, e-mail, body, asked at).
    items: Vec<(i64, String, String, String, String, String, String)>,
}

/// The questions and feedback waiting for an answer.
pub async fn moderation(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    let scope = motcua_app::questions::moderation_scope(&state, &user).ok_or_else(AppError::not_found)?;
    let catalog = state.catalog();
    let items = questions::pending(&state.db, scope.as_deref(), 200)
        .await?
        .into_iter()
        .map(|q| {
            let about = match (&q.procedure_code, &q.dossier_code) {
                (Some(p), _) => catalog.get(p).map(|x| format!("{} ({p})", x.name)).unwrap_or_else(|| p.clone()),
                (_, Some(d)) => d.clone(),
                _ => String::new(),
            };
            (
                q.id,
                ctx.t(&format!("question-kind-{}", q.kind)),
                about,
                q.name,
                q.email,
                q.body,
                show_time(Some(q.created_at)),
            )
        })
        .collect();
    Ok(ctx.render(&ModerationPage { ctx: ctx.clone(), items }))
}

/// An officer's decision on a question.
#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    answer: String,
    decision: String,
}

/// Publishes a question with its answer, or rejects it.
pub async fn decide(
    State(state): State<AppState>,
    _ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Csrf(Form(f)): Csrf<Form<DecisionForm>>,
) -> HttpResult<Response> {
    let scope = motcua_app::questions::moderation_scope(&state, &user).ok_or_else(AppError::not_found)?;
    let agency = questions::agency_of(&state.db, id).await?;
    if scope.is_some() && scope != agency {
        return Err(AppError::not_found().into());
    }
    let publish = f.decision == "publish";
    let answer = f.answer.trim();
    if publish && answer.is_empty() {
        return Err(AppError::fields([("answer".to_string(), "question-answer-required".to_string())].into()).into());
    }
    questions::decide(&state.db, id, publish, Some(answer).filter(|a| !a.is_empty()), user.id, Utc::now()).await?;
    Ok(Redirect::to("/can-bo/hoi-dap").into_response())
}
