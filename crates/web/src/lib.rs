//! The web edge of motcua: the citizen portal and back-office pages (server-rendered HTML that
//! works without JavaScript) and the JSON API with its OpenAPI document.
//!
//! This crate is the HTTP edge only: handlers parse a request into typed input, call a
//! use-case of [`motcua_app`], and render its answer as HTML or JSON. Who may see and do what
//! lives in the application core, the lifecycle in the domain crate, and SQL in the store.

pub mod api;
mod auth;
mod client;
mod cookies;
mod error;
mod idempotency;
mod lang;
mod metrics;
pub mod national_portal;
mod oidc;
pub mod pages;
mod redirect;
mod requests;
pub mod sms_gateway;
pub mod tsa_client;
mod uploads;
mod verify_uploads;
pub mod webhook_client;

/// The parsers of untrusted input that the fuzz targets (`fuzz/` at the repository root) drive
/// directly. Only with the `fuzzing` feature: to everyone else these stay private to the crate.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::redirect::local_path;
    pub use crate::uploads::{read, read_form, Parts};
}

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use tower::ServiceBuilder;

pub use motcua_app::{AppState, Config};

use crate::api::dto::{ErrorBody, ErrorDetail};
use crate::error::{AppError, HttpError};

/// The Content-Security-Policy of every answer: nothing from outside the server, no inline
/// script or style.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// [`CSP`], with the payment gateway's address among the places a form may lead to (paying
/// online is a form whose answer redirects to the gateway).
fn content_security_policy(config: &Config) -> HeaderValue {
    let gateway = config
        .payment
        .pay_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null");
    match gateway {
        Some(origin) => {
            HeaderValue::from_str(&CSP.replace("form-action 'self'", &format!("form-action 'self' {origin}")))
                .unwrap_or_else(|_| HeaderValue::from_static(CSP))
        }
        None => HeaderValue::from_static(CSP),
    }
}

/// The whole application.
///
/// What every request goes through is one stack of layers added once, after routing
/// (`Router::layer` wraps each route, so the logs and the metrics know the route template a
/// request matched; each call of it boxes every route again, which a request pays for at each
/// level). From the outside in: the request id and the log span, metrics when on, compression,
/// the security headers, the body limit, and the words of errors.
pub fn app(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let csp = content_security_policy(&state.config);
    // Served over HTTPS (its public address says so): browsers are told to come back only that
    // way for a year, so no first visit over plain HTTP can be intercepted.
    let hsts = state.config.public_url.starts_with("https://");
    let session_cookie = cookies::session_name(&state);
    let metrics = state.config.metrics.then(|| Arc::new(metrics::Metrics::default()));
    let verify_gate = verify_uploads::Gate::new(state.config.verify_uploads.clone());
    let mut router = Router::new().merge(api::routes()).merge(pages::routes()).route("/healthz", get(healthz));
    if state.config.sandbox_gateway() {
        router = router.merge(pages::sandbox_routes());
    }
    if let Some(metrics) = &metrics {
        router = router.route("/metrics", get(metrics::scrape).layer(Extension(metrics.clone())));
    }
    let every_request = ServiceBuilder::new()
        .layer(requests::TraceLayer::new())
        .option_layer(metrics.map(|metrics| middleware::from_fn_with_state(metrics, metrics::record)))
        .layer(requests::CompressWhenAsked)
        .map_response(move |res| security_headers(res, &csp, hsts))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(Extension(Arc::new(EdgeServices { verify_gate, oidc: oidc::OidcClients::default() })))
        .layer(middleware::from_fn_with_state((state.clone(), session_cookie), edge));
    router.fallback(|| async { HttpError::from(AppError::not_found()) }).layer(every_request).with_state(state)
}

/// Browsers come back only over HTTPS for a year.
const HSTS: &str = "max-age=31536000";

/// The headers every answer carries: the content security policy, no sniffing of types, no
/// framing, no address of ours sent to another site, and HTTPS only when served over it (or over
/// a trusted proxy's HTTPS: see [`edge`]).
fn security_headers(mut res: Response, csp: &HeaderValue, hsts: bool) -> Response {
    let headers = res.headers_mut();
    if hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res
}

/// What the edge keeps for the handlers that need it, in one extension: the budget of the
/// uploads being verified and the identity providers' clients.
pub(crate) struct EdgeServices {
    /// The limits on uploads sent for verification.
    pub(crate) verify_gate: verify_uploads::Gate,
    /// The clients of the configured identity providers.
    pub(crate) oidc: oidc::OidcClients,
}

/// What the application does around every answer, as one middleware (each level of `from_fn`
/// costs every request a boxed future and a clone of the services below it):
/// - a call of another system is recorded ([`api::integration::record_system_calls`]);
/// - errors are worded in the caller's language ([`word_error`]);
/// - answers to a signed-in caller (session cookie or bearer token), and the public lookup of a
///   dossier, hold personal data: no cache — of the browser, a shared computer's or a proxy —
///   keeps them (`no-store`), unless the handler said otherwise (an issued PDF, a static file).
///
/// The handler (with the idempotency bookkeeping around it) runs in a task of its own, which
/// the request's connection does not own: a client that goes away mid-request (a phone losing
/// its network) no longer cancels it between two statements of a transaction, so every
/// transaction ends in a commit or a rollback before its connection goes back to the pool, and
/// what the handler began is finished (a submission is whole or absent, never half-written). A
/// handler that panics answers the internal error, worded like any other.
async fn edge(State((state, session_cookie)): State<(AppState, &'static str)>, req: Request, next: Next) -> Response {
    let signed_in =
        req.headers().contains_key(header::AUTHORIZATION) || cookies::read(req.headers(), session_cookie).is_some();
    let path = req.uri().path();
    let private = signed_in || path == "/tra-cuu" || path.starts_with("/api/v1/lookup");
    // Behind a trusted proxy that took the request over HTTPS, HSTS as when served over it.
    let https_by_proxy = !state.config.trusted_proxies.is_empty()
        && client::forwarded_https(client::peer_of(req.extensions()), req.headers(), &state.config.trusted_proxies);
    let (parts, body) = req.into_parts();
    let lang = lang::lang_of(&parts);
    let is_api = parts.uri.path().starts_with("/api/");
    let asked = (!is_api).then(|| (parts.uri.clone(), parts.headers.clone()));
    let req = Request::from_parts(parts, body);
    let handling = {
        let state = state.clone();
        async move {
            if idempotency::applies(req.method(), req.uri().path()) {
                idempotency::guard(&state, req, |req| api::integration::record_system_calls(&state, req, next)).await
            } else {
                api::integration::record_system_calls(&state, req, next).await
            }
        }
    };
    let res = match tokio::spawn(handling).await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "a request's handler failed");
            HttpError::from(AppError::new(motcua_app::error::ErrorKind::Internal)).into_response()
        }
    };
    let mut res = word_error(&state, res, lang, is_api, asked).await;
    if private && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https_by_proxy {
        res.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}

/// 200 when the database and the attachment store answer.
async fn healthz(State(state): State<AppState>) -> Response {
    let db = state.db.ping().await;
    let blobs = state.blobs.ping().await;
    match (db, blobs) {
        (Ok(()), Ok(())) => (StatusCode::OK, Json(serde_json::json!({"status": "ok"}))).into_response(),
        (db, blobs) => {
            tracing::error!(?db, ?blobs, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "unavailable"}))).into_response()
        }
    }
}

/// An error answer under `/api` that did not come through [`HttpError`] — a rejection of one of
/// axum's own extractors or layers, in plain text, or the router's 405 — as the error of its
/// status, so that every error of the API has the JSON format its clients and the OpenAPI
/// document expect. The extractors of [`api`] word their rejections more precisely; this
/// catches the rest.
fn unworded_api_error(res: &Response) -> Option<AppError> {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    error::kind_of(status).map(AppError::new)
}

/// Words an error answer in the caller's language: a JSON body under `/api`, a page of the
/// site elsewhere (its header read again from the request's address and headers, `asked`).
/// Other answers pass as they are.
async fn word_error(
    state: &AppState,
    res: Response,
    lang: motcua_app::i18n::Lang,
    is_api: bool,
    asked: Option<(axum::http::Uri, axum::http::HeaderMap)>,
) -> Response {
    let err = match res.extensions().get::<AppError>() {
        Some(err) => err.clone(),
        None if is_api => match unworded_api_error(&res) {
            Some(err) => err,
            None => return res,
        },
        None => return res,
    };
    let message = lang.t(err.message.unwrap_or(err.kind.message_key()));
    // What the answer told the caller besides its error — when to try again, which methods the
    // address takes — stays said in the worded one.
    let kept: Vec<_> = [header::RETRY_AFTER, header::ALLOW]
        .into_iter()
        .filter_map(|name| res.headers().get(&name).cloned().map(|value| (name, value)))
        .collect();
    let mut res = if is_api {
        let fields = (!err.fields.is_empty()).then(|| err.fields.iter().map(|(k, v)| (k.clone(), lang.t(v))).collect());
        let body = ErrorBody { error: ErrorDetail { code: err.kind.code().into(), message, fields } };
        (error::status(err.kind), Json(body)).into_response()
    } else {
        let (uri, headers) = asked.unwrap_or_default();
        pages::error_page(state, uri, headers, error::status(err.kind), &message).await
    };
    res.headers_mut().extend(kept);
    if let Some(cause) = err.cause {
        res.extensions_mut().insert(requests::FailureCause(cause));
    }
    res
}
