//! Forms that change something carry the page's CSRF token, checked by the extractor itself: a
//! state-changing page handler takes [`Csrf`] or [`CsrfMultipart`] instead of the plain form, so
//! it cannot be written without the check.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::Ctx;
use crate::error::{AppError, ErrorKind, HttpError};
use motcua_app::state::AppState;

/// The name of the token's field in every form.
pub const FIELD: &str = "_csrf";

/// Whether the token sent matches the page's (in constant time).
pub fn token_matches(ctx: &Ctx, sent: Option<&str>) -> bool {
    match sent {
        Some(s) if !ctx.csrf.is_empty() => bool::from(s.as_bytes().ct_eq(ctx.csrf.as_bytes())),
        _ => false,
    }
}

fn refused() -> Response {
    HttpError::from(AppError::with(ErrorKind::Forbidden, "error-csrf")).into_response()
}

/// A URL-encoded form (any form extractor `F`, e.g. `Form<T>`) whose `_csrf` field matched the
/// visitor's token; 403 otherwise, before the form is read into `F`.
pub struct Csrf<F>(pub F);

impl<F> FromRequest<AppState> for Csrf<F>
where
    F: FromRequest<AppState>,
    F::Rejection: IntoResponse,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let sent = url::form_urlencoded::parse(&bytes).find(|(k, _)| k == FIELD).map(|(_, v)| v.into_owned());
        if !token_matches(&ctx, sent.as_deref()) {
            return Err(refused());
        }
        let inner = F::from_request(Request::from_parts(parts, Body::from(bytes)), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Csrf(inner))
    }
}

/// A multipart form whose first part is `_csrf` with the visitor's token; 403 otherwise, before
/// any file is read. The rest of the body is left to the handler.
pub struct CsrfMultipart(pub Multipart);

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let mut mp = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let first = mp.next_field().await.map_err(|_| refused())?;
        let sent = match first {
            Some(field) if field.name() == Some(FIELD) && field.file_name().is_none() => {
                // A token is 64 hex characters; anything much longer is not one.
                let text = field.text().await.map_err(|_| refused())?;
                (text.len() <= 128).then_some(text)
            }
            _ => None,
        };
        if !token_matches(&ctx, sent.as_deref()) {
            return Err(refused());
        }
        Ok(CsrfMultipart(mp))
    }
}
