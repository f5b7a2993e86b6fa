//! Server-rendered pages: the citizen portal and the back office.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Router;

use crate::i18n::Lang;
use crate::state::AppState;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    lang: Lang,
    title: String,
    message: &'a str,
}

/// An error as a page in the visitor's language.
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let page = ErrorPage { lang, title: lang.t("error-title"), message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}
