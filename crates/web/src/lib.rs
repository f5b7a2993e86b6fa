//! The web edge of motcua: the citizen portal and back-office pages (server-rendered HTML that
//! works without JavaScript) and the JSON API with its OpenAPI document.
//!
//! This crate is the HTTP edge only: handlers parse a request into typed input, call a
//! use-case of [`motcua_app`], and render its answer as HTML or JSON. Who may see and do what
//! lives in the application core, the lifecycle in the domain crate, and SQL in the store.

pub mod api;
mod auth;
mod cookies;
mod error;
mod lang;
mod metrics;
pub mod pages;
pub mod sms_gateway;
mod uploads;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use tower::ServiceBuilder;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

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

/// The header that names a request in the logs of every server it passes through.
static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application.
///
/// The layers below run after routing (`Router::layer` wraps each route), so the logs and the
/// metrics know the route template a request matched. From the outside in: the request id
/// (the caller's, or a new one) and the log span, metrics when on, compression, the security
/// headers, the body limit, and the words of errors.
pub fn app(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let csp = content_security_policy(&state.config);
    let metrics = state.config.metrics.then(|| Arc::new(metrics::Metrics::default()));
    let mut router = Router::new().merge(api::routes()).merge(pages::routes()).route("/healthz", get(healthz));
    if let Some(metrics) = &metrics {
        router = router.route("/metrics", get(metrics::scrape).layer(Extension(metrics.clone())));
    }
    router = router
        .fallback(|| async { HttpError::from(AppError::not_found()) })
        .layer(middleware::from_fn_with_state(state.clone(), render_errors))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, csp))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(CompressionLayer::new().compress_when(SizeAbove::new(COMPRESS_ABOVE).and(is_compressible)));
    if let Some(metrics) = metrics {
        router = router.layer(middleware::from_fn_with_state(metrics, metrics::record));
    }
    router
        .layer(
            ServiceBuilder::new()
                .map_request(drop_unusable_request_id)
                .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), ProcessRequestIds::new()))
                .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(log_response))
                .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone())),
        )
        .with_state(state)
}

/// The route template a request matched (`/ho-so/{code}`), or `unmatched`: what logs and
/// metrics name a request by, since the path itself may carry a dossier code or a name.
fn route_of<B>(req: &Request<B>) -> &str {
    req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str)
}

/// The log span of a request: its method, route template and id; no query string, no address,
/// nothing personal.
fn request_span(req: &Request) -> tracing::Span {
    let id = req.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", method = %req.method(), route = %route_of(req), id = %id)
}

/// New request ids, shaped as UUIDs: 64 random bits drawn when the server starts, then a
/// counter, as in `5f0c9a1e-77d2-03b4-0000-00000000002a`. Unique across restarts, and as cheap as
/// an addition: a random UUID per request cost a call into the kernel's random source.
#[derive(Clone)]
struct ProcessRequestIds {
    start: u64,
    next: Arc<AtomicU64>,
}

impl ProcessRequestIds {
    fn new() -> Self {
        ProcessRequestIds { start: rand::random(), next: Arc::new(AtomicU64::new(1)) }
    }
}

impl MakeRequestId for ProcessRequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let s = self.start;
        let id = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            s >> 32,
            (s >> 16) & 0xffff,
            s & 0xffff,
            n >> 48,
            n & 0xffff_ffff_ffff
        );
        HeaderValue::try_from(id).ok().map(RequestId::new)
    }
}

/// Answers slower than this are logged at INFO whatever their status.
const SLOW: std::time::Duration = std::time::Duration::from_secs(1);

/// The access log line of a request, in its span (method, route template, id): at INFO for an
/// error or a slow answer, at DEBUG for the others (`RUST_LOG=motcua_web=debug` shows every
/// request). A line for every quick success cost a fifth of a catalog search, and the proxy in
/// front of the server keeps an access log of its own.
fn log_response(res: &Response, latency: std::time::Duration, _span: &tracing::Span) {
    let status = res.status().as_u16();
    let slow = latency >= SLOW;
    let latency = format_args!("{} ms", latency.as_millis());
    if status >= 400 || slow {
        tracing::info!(%latency, status, "finished processing request");
    } else {
        tracing::debug!(%latency, status, "finished processing request");
    }
}

/// A caller's request id is kept when it is short and plain (a UUID, a proxy's hex id); any
/// other is replaced by a new one, so that what reaches the logs stays readable.
fn drop_unusable_request_id(mut req: Request) -> Request {
    let usable = |v: &HeaderValue| {
        (1..=128).contains(&v.len())
            && v.as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'='))
    };
    if req.headers().get(&X_REQUEST_ID).is_some_and(|v| !usable(v)) {
        req.headers_mut().remove(&X_REQUEST_ID);
    }
    req
}

/// Answers smaller than this go as they are: compressing them saves less than it costs.
const COMPRESS_ABOVE: u16 = 1024;

/// Text (HTML, CSS, JavaScript) and JSON are compressed; PDFs, images and other files already
/// compressed in their own format are not, nor a stream of events.
fn is_compressible(_: StatusCode, _: axum::http::Version, headers: &HeaderMap, _: &axum::http::Extensions) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    (essence.starts_with("text/") && essence != "text/event-stream")
        || essence == "application/json"
        || essence.ends_with("+json")
        || essence == "application/javascript"
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

/// Words errors in the caller's language: a JSON body under `/api`, a page of the site
/// elsewhere (its header read again from the request's address and headers, kept for that).
async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = lang::lang_of(&parts);
    let is_api = parts.uri.path().starts_with("/api/");
    let asked = (!is_api).then(|| (parts.uri.clone(), parts.headers.clone()));
    let res = next.run(Request::from_parts(parts, body)).await;
    let Some(err) = res.extensions().get::<AppError>().cloned() else {
        return res;
    };
    let message = lang.t(err.message.unwrap_or(err.kind.message_key()));
    if is_api {
        let fields = (!err.fields.is_empty()).then(|| err.fields.iter().map(|(k, v)| (k.clone(), lang.t(v))).collect());
        let body = ErrorBody { error: ErrorDetail { code: err.kind.code().into(), message, fields } };
        (error::status(err.kind), Json(body)).into_response()
    } else {
        let (uri, headers) = asked.unwrap_or_default();
        pages::error_page(&state, uri, headers, error::status(err.kind), &message).await
    }
}
