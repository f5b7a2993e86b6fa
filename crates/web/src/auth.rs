//! Who is calling: the extractors that resolve a session from a bearer token or the session
//! cookie ([`crate::cookies`]).
//!
//! API clients send `Authorization: Bearer <token>`; web pages use an HttpOnly, SameSite cookie
//! and a CSRF token in every form. Passwords and sessions are the application's
//! ([`motcua_app::accounts`]).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use chrono::Utc;
use motcua_app::passwords::token_hash;
use motcua_app::AppState;
use motcua_store::users::{self, Session, User};
use subtle::ConstantTimeEq;

use crate::cookies;
use crate::error::{AppError, ErrorKind, HttpError, HttpResult};

/// How the caller authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// `Authorization: Bearer`.
    Bearer,
    /// The session cookie.
    Cookie,
}

/// The caller, if signed in.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<(Session, Via)>);

impl MaybeUser {
    /// The user, if any.
    pub fn user(&self) -> Option<&User> {
        self.0.as_ref().map(|(s, _)| &s.user)
    }
}

async fn resolve(parts: &Parts, state: &AppState) -> HttpResult<Option<(Session, Via)>> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| (t.trim().to_string(), Via::Bearer));
    let found =
        bearer.or_else(|| cookies::read(&parts.headers, cookies::session_name(state)).map(|t| (t, Via::Cookie)));
    let Some((token, via)) = found else {
        return Ok(None);
    };
    if token.len() != 64 {
        return Ok(None);
    }
    let now = Utc::now();
    let hash = token_hash(&token);
    let Some(session) = users::session(&state.db, &hash, now).await? else {
        return Ok(None);
    };
    if session.created_at + motcua_app::accounts::SESSION_LIFETIME <= now {
        // Past its lifetime, however recently used: signing in again is asked.
        users::delete_session(&state.db, &hash).await?;
        return Ok(None);
    }
    // Sliding idle timeout within the session's lifetime, written at most once a minute to keep
    // reads cheap.
    let expiry = motcua_app::accounts::session_expiry(state, &session.user, session.created_at, now);
    if expiry - session.expires_at > chrono::Duration::minutes(1) {
        users::extend_session(&state.db, &hash, expiry).await?;
    }
    // A cookie-authenticated change through the JSON API must prove it comes from our pages.
    if via == Via::Cookie
        && parts.uri.path().starts_with("/api/")
        && !matches!(parts.method, Method::GET | Method::HEAD)
    {
        let header_token = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        let matches = header_token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(session.csrf.as_bytes())));
        if !matches {
            return Err(AppError::new(ErrorKind::Forbidden).into());
        }
    }
    Ok(Some((session, via)))
}

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(m) = parts.extensions.get::<MaybeUser>() {
            return Ok(m.clone());
        }
        let m = MaybeUser(resolve(parts, state).await?);
        parts.extensions.insert(m.clone());
        Ok(m)
    }
}

/// The caller, who must be signed in (401 otherwise).
#[derive(Clone, Debug)]
pub struct CurrentUser(pub User);

/// The caller's session, which must exist (401 otherwise).
#[derive(Clone, Debug)]
pub struct CurrentSession(pub Session);

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match MaybeUser::from_request_parts(parts, state).await?.0 {
            Some((s, _)) => Ok(CurrentSession(s)),
            None => Err(AppError::new(ErrorKind::Unauthenticated).into()),
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(CurrentUser(CurrentSession::from_request_parts(parts, state).await?.0.user))
    }
}

/// The address a request came from, for limits per client: the one place that reads it, so
/// that trusting a proxy's forwarded address would be decided here.
pub fn client_ip(parts: &Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// The client's address, for rate limiting.
pub fn client_key(parts_addr: Option<std::net::SocketAddr>) -> String {
    parts_addr.map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}
