//! The `Idempotency-Key` header on the requests that create something a client must not create
//! twice: applying online (`POST /api/v1/dossiers`) and acting on a dossier, of which paying
//! (`POST /api/v1/dossiers/{code}/actions` with `pay`) starts a payment. The same key from the
//! same caller within a day answers the first request's answer again, with
//! `Idempotent-Replayed: true`, whatever happened to the first answer on its way (Stripe's API
//! works the same way). The bookkeeping is `motcua_store::idempotency`.
//!
//! Only successful answers are kept: an error did nothing, and the same key may try again. A key
//! sent with another request (another body or address) is refused (422), and a key whose first
//! request still runs answers 409, so two retries sent at once never both act.

use std::future::Future;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use motcua_store::idempotency::{self, Answer, Claim, Key};
use sha2::{Digest, Sha256};

use crate::auth::CurrentUser;
use crate::error::{AppError, ErrorKind, HttpError};
use motcua_app::state::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// The answer header that marks an answer given again.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The longest key accepted: room for a UUID or a client's own scheme, not for a document.
const MAX_KEY_LEN: usize = 255;

/// Whether this request is one the header applies to.
pub fn applies(method: &Method, path: &str) -> bool {
    if method != Method::POST {
        return false;
    }
    match path.strip_prefix("/api/v1/dossiers") {
        Some("") => true,
        Some(rest) => {
            rest.strip_prefix('/').and_then(|r| r.strip_suffix("/actions")).is_some_and(|code| !code.contains('/'))
        }
        None => false,
    }
}

/// Runs `run` for `req` under its idempotency key, if it carries one.
pub async fn guard<F, Fut>(state: &AppState, req: Request, run: F) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let Some(raw) = req.headers().get(HEADER) else { return run(req).await };
    let Some(key) = raw.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN) else {
        return refuse(ErrorKind::BadRequest, "error-idempotency-key-invalid");
    };
    let key = key.to_string();
    let (mut parts, body) = req.into_parts();
    let user = match CurrentUser::from_request_parts(&mut parts, state).await {
        Ok(CurrentUser(user)) => user,
        // Not signed in: the handler answers that, and no key of nobody's is kept.
        Err(_) => return run(Request::from_parts(parts, body)).await,
    };
    let Ok(bytes) = to_bytes(body, state.config.max_body_bytes).await else {
        return refuse(ErrorKind::PayloadTooLarge, "error-too-large");
    };
    let key = Key { scope: format!("user:{}", user.id), key };
    let print = fingerprint(&parts.method, parts.uri.path(), parts.headers.get(header::CONTENT_TYPE), &bytes);
    match idempotency::claim(&state.db, &key, &print, Utc::now()).await {
        Err(e) => HttpError::from(AppError::from(e)).into_response(),
        Ok(Claim::OtherRequest) => refuse(ErrorKind::Validation, "error-idempotency-other-request"),
        Ok(Claim::InProgress) => refuse(ErrorKind::Conflict, "error-idempotency-in-progress"),
        Ok(Claim::Answered(answer)) => replayed(answer),
        Ok(Claim::Dossier(code)) => {
            // The first request's dossier, whose answer was lost with its server: as it is now.
            let lang = crate::lang::lang_of(&parts);
            match crate::api::dossiers::created(state, &user, &code, lang).await {
                Ok(created) => {
                    let mut res = created.into_response();
                    res.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
                    res
                }
                Err(e) => e.into_response(),
            }
        }
        Ok(Claim::New) => {
            let mut req = Request::from_parts(parts, Body::from(bytes));
            req.extensions_mut().insert(key.clone());
            let res = run(req).await;
            keep(state, &key, res).await
        }
    }
}

/// Keeps a successful answer under `key`, or frees the key for another try.
async fn keep(state: &AppState, key: &Key, res: Response) -> Response {
    if !res.status().is_success() {
        if let Err(e) = idempotency::release(&state.db, key).await {
            tracing::warn!(error = %e, "could not free an idempotency key");
        }
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return HttpError::from(AppError::new(ErrorKind::Internal)).into_response();
    };
    let answer = Answer {
        status: parts.status.as_u16(),
        content_type: parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    };
    if let Err(e) = idempotency::store_answer(&state.db, key, &answer).await {
        // The key still names the dossier (recorded with it): a retry is answered from that.
        tracing::warn!(error = %e, "could not keep an answer under its idempotency key");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replayed(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut res = (status, answer.body).into_response();
    if let Some(value) = answer.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    res.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    res
}

fn refuse(kind: ErrorKind, message: &'static str) -> Response {
    HttpError::from(AppError::with(kind, message)).into_response()
}

/// A digest of what the request asks: its method, path and body. A multipart body's boundary is
/// left out, since a client sending the same parts again may draw another.
fn fingerprint(method: &Method, path: &str, content_type: Option<&HeaderValue>, body: &Bytes) -> String {
    let boundary = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').find_map(|p| p.trim().strip_prefix("boundary=")))
        .map(|b| b.trim_matches('"').as_bytes().to_vec())
        .filter(|b| !b.is_empty());
    let mut digest = Sha256::new();
    digest.update(method.as_str());
    digest.update(b" ");
    digest.update(path);
    digest.update(b"\n");
    match boundary {
        Some(boundary) => {
            let mut rest: &[u8] = body;
            while let Some(at) = rest.windows(boundary.len()).position(|w| w == boundary.as_slice()) {
                digest.update(&rest[..at]);
                rest = &rest[at + boundary.len()..];
            }
            digest.update(rest);
        }
        None => digest.update(body),
    }
    hex::encode(digest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_to_applying_and_acting_only() {
        assert!(applies(&Method::POST, "/api/v1/dossiers"));
        assert!(applies(&Method::POST, "/api/v1/dossiers/000.00.01.H01-260101-0001/actions"));
        assert!(!applies(&Method::GET, "/api/v1/dossiers"));
        assert!(!applies(&Method::POST, "/api/v1/dossiers/X/assign"));
        assert!(!applies(&Method::POST, "/api/v1/dossiers/X/Y/actions"));
        assert!(!applies(&Method::POST, "/api/v1/dossiersX"));
    }

    #[test]
    fn a_multipart_boundary_does_not_change_the_fingerprint_and_the_parts_do() {
        let ct = |b: &str| HeaderValue::from_str(&format!("multipart/form-data; boundary={b}")).unwrap();
        let body = |b: &str, v: &str| Bytes::from(format!("--{b}\r\nname=\"a\"\r\n\r\n{v}\r\n--{b}--\r\n"));
        let one = fingerprint(&Method::POST, "/p", Some(&ct("AAA")), &body("AAA", "1"));
        assert_eq!(one, fingerprint(&Method::POST, "/p", Some(&ct("BBBB")), &body("BBBB", "1")));
        assert_ne!(one, fingerprint(&Method::POST, "/p", Some(&ct("AAA")), &body("AAA", "2")));
        assert_ne!(one, fingerprint(&Method::POST, "/q", Some(&ct("AAA")), &body("AAA", "1")));
    }
}
