//! What every request goes through at the edge, in one layer each: its id, its log span and
//! access log line ([`TraceLayer`]), and compression when the client asks for it
//! ([`CompressWhenAsked`]).
//!
//! Both were tower-http layers stacked four deep (request id, propagation, trace, compression);
//! on the cheapest request, a catalog search answered from memory, that stack cost about a fifth
//! of the time (bench/README.md, "Before and after the application core split").

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use futures::future::Either;
use tower::{Layer, Service};
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::{Compression, CompressionLayer};

/// The header that names a request in the logs of every server it passes through.
pub(crate) static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Answers slower than this are logged at INFO whatever their status.
const SLOW: Duration = Duration::from_secs(1);

/// Gives each request an id (the caller's `x-request-id` when it is usable, else a new one),
/// runs it in a log span named by its method, route template and id, logs its answer, and
/// sends the id back on the answer.
#[derive(Clone)]
pub(crate) struct TraceLayer {
    ids: ProcessRequestIds,
}

impl TraceLayer {
    pub(crate) fn new() -> Self {
        TraceLayer { ids: ProcessRequestIds::new() }
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;
    fn layer(&self, inner: S) -> Trace<S> {
        Trace { inner, ids: self.ids.clone() }
    }
}

/// The service of [`TraceLayer`].
#[derive(Clone)]
pub(crate) struct Trace<S> {
    inner: S,
    ids: ProcessRequestIds,
}

impl<S> Service<Request> for Trace<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let id = match req.headers().get(&X_REQUEST_ID) {
            Some(given) if usable(given) => given.clone(),
            _ => {
                let id = self.ids.next();
                req.headers_mut().insert(X_REQUEST_ID.clone(), id.clone());
                id
            }
        };
        let route = req.extensions().get::<MatchedPath>().cloned();
        let method = req.method().clone();
        // A span costs more than a catalog search's own work (formatting its fields, the
        // registry's bookkeeping), so it is kept for debugging: `RUST_LOG=motcua_web=debug`.
        // The access line below names the request by itself at any level.
        let span = tracing::debug_span!(
            "request",
            method = %method,
            route = %route_name(route.as_ref()),
            id = %id.to_str().unwrap_or_default()
        );
        TraceFuture {
            inner: self.inner.call(req),
            span,
            request: Some(Identity { method, route, id }),
            start: Instant::now(),
        }
    }
}

/// What names a request on its access line: no query string, no address, nothing personal —
/// the route template, not the path.
struct Identity {
    method: Method,
    route: Option<MatchedPath>,
    id: HeaderValue,
}

/// The route template a request matched (`/ho-so/{code}`), or `unmatched`: what logs and
/// metrics name a request by, since the path itself may carry a dossier code or a name.
pub(crate) fn route_of<B>(req: &axum::http::Request<B>) -> &str {
    route_name(req.extensions().get::<MatchedPath>())
}

fn route_name(route: Option<&MatchedPath>) -> &str {
    route.map_or("unmatched", MatchedPath::as_str)
}

/// The cause of an internal error, carried on the answer from the error's rendering to the
/// access line (the caller sees only that something went wrong).
#[derive(Clone)]
pub(crate) struct FailureCause(pub(crate) Arc<str>);

pin_project_lite::pin_project! {
    /// The answer of [`Trace`]: the inner one, polled in the request's span.
    pub(crate) struct TraceFuture<F> {
        #[pin]
        inner: F,
        span: tracing::Span,
        request: Option<Identity>,
        start: Instant,
    }
}

impl<F, E> Future for TraceFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let mut res = std::task::ready!(this.inner.poll(cx))?;
        if let Some(request) = this.request.take() {
            log_response(&request, &res, this.start.elapsed());
            res.headers_mut().insert(X_REQUEST_ID.clone(), request.id);
        }
        Poll::Ready(Ok(res))
    }
}

/// The access log line of a request, named by its method, route template and id: at INFO for
/// an error or a slow answer (with the cause of an internal error), at DEBUG for the others
/// (`RUST_LOG=motcua_web=debug` shows every request). A line for every quick success cost a
/// fifth of a catalog search, and the proxy in front of the server keeps an access log of its
/// own.
fn log_response(request: &Identity, res: &Response, latency: Duration) {
    let status = res.status().as_u16();
    let slow = latency >= SLOW;
    let latency = format_args!("{} ms", latency.as_millis());
    let method = request.method.as_str();
    let route = route_name(request.route.as_ref());
    let id = request.id.to_str().unwrap_or_default();
    if status >= 400 || slow {
        match res.extensions().get::<FailureCause>() {
            Some(FailureCause(cause)) => tracing::error!(
                %method,
                %route,
                %id,
                status,
                %latency,
                %cause,
                "finished processing request"
            ),
            None => tracing::info!(%method, %route, %id, status, %latency, "finished processing request"),
        }
    } else {
        tracing::debug!(%method, %route, %id, status, %latency, "finished processing request");
    }
}

/// A caller's request id is kept when it is short and plain (a UUID, a proxy's hex id); any
/// other is replaced by a new one, so that what reaches the logs stays readable.
fn usable(id: &HeaderValue) -> bool {
    (1..=128).contains(&id.len())
        && id
            .as_bytes()
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'/' | b'+' | b'='))
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

    fn next(&self) -> HeaderValue {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        // 16 hex digits of the start and 16 of the counter, grouped 8-4-4-4-12.
        let digits = (u128::from(self.start) << 64) | u128::from(n);
        let mut id = [b'-'; 36];
        let mut shift = 128;
        for (i, slot) in id.iter_mut().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                continue;
            }
            shift -= 4;
            *slot = HEX[((digits >> shift) & 0xf) as usize];
        }
        HeaderValue::from_bytes(&id).expect("hex digits and dashes")
    }
}

/// Answers smaller than this go as they are: compressing them saves less than it costs.
const COMPRESS_ABOVE: u16 = 1024;

/// Compresses text (HTML, CSS, JavaScript) and JSON with gzip or brotli for a client that
/// accepts an encoding; a request without `Accept-Encoding` (most API clients) goes straight to
/// the routes, without the cost of wrapping every answer's body.
#[derive(Clone)]
pub(crate) struct CompressWhenAsked;

impl<S: Clone> Layer<S> for CompressWhenAsked {
    type Service = MaybeCompressed<S>;
    fn layer(&self, inner: S) -> MaybeCompressed<S> {
        let compressed = CompressionLayer::new()
            .compress_when(SizeAbove::new(COMPRESS_ABOVE).and(is_compressible as IsCompressible))
            .layer(inner.clone());
        MaybeCompressed { compressed, plain: inner }
    }
}

type IsCompressible = fn(StatusCode, axum::http::Version, &HeaderMap, &axum::http::Extensions) -> bool;
type CompressPredicate = tower_http::compression::predicate::And<SizeAbove, IsCompressible>;

/// The service of [`CompressWhenAsked`].
#[derive(Clone)]
pub(crate) struct MaybeCompressed<S> {
    compressed: Compression<S, CompressPredicate>,
    plain: S,
}

type CompressedFuture<S> = <Compression<S, CompressPredicate> as Service<Request>>::Future;

impl<S> Service<Request> for MaybeCompressed<S>
where
    S: Service<Request, Response = Response> + Clone,
{
    type Response = Response;
    type Error = S::Error;
    type Future =
        Either<futures::future::MapOk<CompressedFuture<S>, fn(Response<CompressedBody>) -> Response>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        // Both wrap clones of one service; either may take the request.
        std::task::ready!(self.compressed.poll_ready(cx))?;
        self.plain.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        use futures::TryFutureExt;
        if req.headers().contains_key(header::ACCEPT_ENCODING) {
            Either::Left(self.compressed.call(req).map_ok(boxed as fn(_) -> _))
        } else {
            Either::Right(self.plain.call(req))
        }
    }
}

type CompressedBody = tower_http::compression::CompressionBody<Body>;

fn boxed(res: Response<CompressedBody>) -> Response {
    res.map(Body::new)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_uuid_shaped_and_distinct() {
        let ids = ProcessRequestIds { start: 0x5f0c_9a1e_77d2_03b4, next: Arc::new(AtomicU64::new(0x2a)) };
        assert_eq!(ids.next(), "5f0c9a1e-77d2-03b4-0000-00000000002a");
        assert_eq!(ids.next(), "5f0c9a1e-77d2-03b4-0000-00000000002b");
    }

    #[test]
    fn plain_ids_are_kept_and_odd_ones_are_not() {
        assert!(usable(&HeaderValue::from_static("edge-7f3a9c.1")));
        for odd in ["", "a b", "<script>"] {
            assert!(!usable(&HeaderValue::from_str(odd).unwrap()), "{odd:?}");
        }
        assert!(!usable(&HeaderValue::from_str(&"x".repeat(129)).unwrap()));
    }
}
