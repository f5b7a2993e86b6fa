//! The cookies of the site, each with its attributes set here and nowhere else.
//!
//! Every cookie is `HttpOnly` (no script reads any of them), `SameSite=Lax` (sent on a link
//! followed from elsewhere, not on another site's form), `Path=/`, and `Secure` unless the
//! server runs on plain HTTP for development or the demo (`--insecure-cookies`). Secure, the
//! session and CSRF cookies carry the `__Host-` prefix, so that nothing else on the host —
//! another port, a subdomain — can plant or replace them (a login CSRF by a planted token). They
//! are written and read by the `cookie` crate (through axum-extra), which escapes and parses them
//! by the RFC instead of by hand.

use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use motcua_app::i18n::Lang;
use motcua_app::AppState;

/// Name of the session cookie on plain HTTP.
pub const SESSION: &str = "motcua_session";
/// Name of the cookie carrying the CSRF token of visitors who are not signed in, on plain HTTP.
pub const CSRF: &str = "motcua_csrf";
/// Name of the cookie keeping the language chosen with the switch on every page. It carries
/// nothing secret and is read where no configuration is at hand (the words of an error), so it
/// keeps one name.
pub const LANG: &str = "lang";

/// The name of the session cookie: `__Host-` prefixed when cookies are Secure.
pub fn session_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-motcua_session"
    } else {
        SESSION
    }
}

/// The name of the anonymous visitor's CSRF cookie: `__Host-` prefixed when cookies are Secure.
pub fn csrf_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-motcua_csrf"
    } else {
        CSRF
    }
}

/// How long the chosen language is remembered.
const LANG_LIFETIME: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);

/// A cookie of this site with the attributes every one of them has; without `max_age` it lasts
/// as long as the browser's session.
fn site_cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age: Option<std::time::Duration>,
) -> Cookie<'static> {
    let mut c = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .build();
    // The cookie crate counts in `time`'s durations; every lifetime here fits in one.
    c.set_max_age(max_age.and_then(|d| d.try_into().ok()));
    c
}

/// The session cookie of a visitor who has just signed in.
pub fn session(state: &AppState, token: String) -> Cookie<'static> {
    site_cookie(state, session_name(state), token, None)
}

/// The session cookie emptied and expired at once: signing out.
pub fn session_ended(state: &AppState) -> Cookie<'static> {
    site_cookie(state, session_name(state), String::new(), Some(std::time::Duration::ZERO))
}

/// The CSRF token of a visitor who is not signed in (a signed-in one has their session's).
pub fn csrf(state: &AppState, token: String) -> Cookie<'static> {
    site_cookie(state, csrf_name(state), token, None)
}

/// The language the visitor chose, for a year.
pub fn lang(state: &AppState, lang: Lang) -> Cookie<'static> {
    site_cookie(state, LANG, lang.tag().to_string(), Some(LANG_LIFETIME))
}

/// The name of the cookie holding the state of a sign-in under way at an identity provider.
pub fn sign_in_flow_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-motcua_oidc"
    } else {
        "motcua_oidc"
    }
}

/// The state of a sign-in set out for an identity provider, for as long as it may stay there:
/// the return is accepted only in the browser that carries it. `SameSite=Lax` lets it come along
/// on the provider's redirect back (a top-level navigation).
pub fn sign_in_flow(state: &AppState, value: String) -> Cookie<'static> {
    let lifetime = crate::oidc::FLOW_LIFETIME.to_std().unwrap_or_default();
    site_cookie(state, sign_in_flow_name(state), value, Some(lifetime))
}

/// The sign-in-flow cookie expired at once: the return came.
pub fn sign_in_flow_ended(state: &AppState) -> Cookie<'static> {
    site_cookie(state, sign_in_flow_name(state), String::new(), Some(std::time::Duration::ZERO))
}

/// The name of the cookie holding a sign-in waiting for its second factor.
pub fn pending_sign_in_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-motcua_pending"
    } else {
        "motcua_pending"
    }
}

/// A sign-in whose password was right, waiting for its code: not a session.
pub fn pending_sign_in(state: &AppState, token: String) -> Cookie<'static> {
    let lifetime = motcua_app::two_factor::PENDING_LIFETIME.to_std().unwrap_or_default();
    site_cookie(state, pending_sign_in_name(state), token, Some(lifetime))
}

/// The pending sign-in's cookie expired at once.
pub fn pending_sign_in_ended(state: &AppState) -> Cookie<'static> {
    site_cookie(state, pending_sign_in_name(state), String::new(), Some(std::time::Duration::ZERO))
}

/// The name of the cookie holding the handle of a registration waiting for its code.
pub fn pending_registration_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-motcua_registration"
    } else {
        "motcua_registration"
    }
}

/// The handle of a registration waiting for its code: not a session. It lasts the browser's
/// session; the registration itself lapses on the server.
pub fn pending_registration(state: &AppState, token: String) -> Cookie<'static> {
    site_cookie(state, pending_registration_name(state), token, None)
}

/// The pending registration's cookie expired at once: the account exists.
pub fn pending_registration_ended(state: &AppState) -> Cookie<'static> {
    site_cookie(state, pending_registration_name(state), String::new(), Some(std::time::Duration::ZERO))
}

/// The value of a cookie the request carries.
pub fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers).get(name).map(|c| c.value().to_string())
}

/// Cookies to set with an answer: `(set(cookie), response)` is itself an answer.
pub fn set(cookie: Cookie<'static>) -> CookieJar {
    CookieJar::new().add(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_header_is_parsed_by_name_not_by_prefix() {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, "language=xx; lang=en; motcua_session_old=1".parse().unwrap());
        assert_eq!(read(&headers, LANG).as_deref(), Some("en"));
        assert_eq!(read(&headers, SESSION), None);
    }
}
