//! Prometheus metrics at `/metrics`, when the server is started with `--metrics`: requests by
//! route template and status, their latency by route, jobs by state and the database pool.
//!
//! Requests are labelled with the route they matched (`/ho-so/{code}`), never the path asked
//! for, so that no dossier code or other personal detail reaches the metrics and the number of
//! series stays bounded. Jobs and the pool are read when Prometheus scrapes, not kept up to date
//! in between.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use prometheus_client::encoding::{prometheus_text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use motcua_app::AppState;

/// Latency buckets, in seconds: Prometheus's usual ones, from 5 ms to 10 s.
const LATENCY_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    state: &'static str,
}

/// The metrics of one router. Each router has its own registry, so two servers in one process
/// (tests) never count each other's requests.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    jobs: Family<JobLabels, Gauge>,
    pool_size: Gauge,
    pool_idle: Gauge,
    pool_max: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("motcua");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request (until its headers), by method and route template",
            Unit::Seconds,
            latency.clone(),
        );
        let jobs = Family::<JobLabels, Gauge>::default();
        registry.register("jobs", "Jobs in the jobs table, by state", jobs.clone());
        let pool_size = Gauge::default();
        registry.register("db_pool_connections", "Database connections open, in use or idle", pool_size.clone());
        let pool_idle = Gauge::default();
        registry.register("db_pool_idle_connections", "Database connections open and idle", pool_idle.clone());
        let pool_max = Gauge::default();
        registry.register("db_pool_max_connections", "Most database connections the pool opens", pool_max.clone());
        Metrics { registry, requests, latency, jobs, pool_size, pool_idle, pool_max }
    }
}

impl Metrics {
    /// Reads the jobs table and the pool, and writes every metric in Prometheus's text format.
    async fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        match motcua_store::jobs::counts(&state.db, chrono::Utc::now()).await {
            Ok(c) => {
                for (name, n) in [("waiting", c.waiting), ("running", c.running), ("done", c.done), ("dead", c.dead)] {
                    self.jobs.get_or_create(&JobLabels { state: name }).set(n);
                }
            }
            Err(e) => {
                // No number rather than a stale one.
                tracing::warn!(error = %e, "metrics: could not count the jobs");
                self.jobs.clear();
            }
        }
        let pool = state.db.pool_stats();
        self.pool_size.set(i64::from(pool.open));
        self.pool_idle.set(i64::try_from(pool.idle).unwrap_or(i64::MAX));
        self.pool_max.set(i64::from(pool.max));
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// `GET /metrics`.
pub(crate) async fn scrape(State(state): State<AppState>, Extension(metrics): Extension<Arc<Metrics>>) -> Response {
    match metrics.render(&state).await {
        Ok(text) => {
            ([(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE), (header::CACHE_CONTROL, "no-store")], text)
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "metrics: could not encode");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Counts and times every request, under the route it matched. Added with `Router::layer`,
/// which runs it after routing, when the route is known.
pub(crate) async fn record(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = crate::requests::route_of(&req).to_string();
    let method = method_label(req.method());
    let started = Instant::now();
    let res = next.run(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    metrics.latency.get_or_create(&RouteLabels { method, route: route.clone() }).observe(elapsed);
    metrics.requests.get_or_create(&RequestLabels { method, route, status: res.status().as_u16() }).inc();
    res
}

/// The method as a label, any method outside HTTP's own as `other`, so that a client making
/// up methods cannot make up series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
