//! The caller's language, read from the request.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use motcua_app::i18n::Lang;

/// Picks the language: the `lang` cookie (set by the switch on every page); then, for the JSON
/// API only, the `Accept-Language` header's first choice; else Vietnamese. Pages stay Vietnamese
/// until the visitor switches, whatever the browser prefers.
pub fn lang_of(parts: &Parts) -> Lang {
    if let Some(c) = crate::cookies::read(&parts.headers, crate::cookies::LANG) {
        return if c == "en" { Lang::En } else { Lang::Vi };
    }
    if !parts.uri.path().starts_with("/api/") {
        return Lang::Vi;
    }
    let accept = parts.headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.trim_start().to_ascii_lowercase().starts_with("en") {
        Lang::En
    } else {
        Lang::Vi
    }
}

/// The caller's language as an extractor.
#[derive(Clone, Copy, Debug)]
pub struct CallerLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for CallerLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(CallerLang(lang_of(parts)))
    }
}
