//! `/api/v1/integration/…`: the National Public Service Portal's side of the link
//! (shared/API.md "National portal link"). Only system tokens (`motcua token add`) open these
//! routes, except the outbox, which administrators read too; every call made with a system
//! token is recorded.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use motcua_app::national::{self, TOKEN_PREFIX};
use motcua_app::state::AppState;
use motcua_store::national_outbox::{OutboxMessage, OutboxState};
use motcua_store::system_tokens::{self, Scope, SystemCall, SystemToken};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dossiers::file_response;
use super::dto::{time, DossierDto};
use super::{errors, ApiMultipart, ApiPath, ApiQuery};
use crate::auth::MaybeUser;
use crate::error::{AppError, ErrorKind, HttpError, HttpResult};
use crate::lang::CallerLang;
use crate::uploads;

/// The system calling with a live system token, found once per request by
/// [`record_system_calls`].
#[derive(Clone, Debug)]
pub struct SystemCaller(pub SystemToken);

/// The system calling, if any.
#[derive(Clone, Debug)]
pub struct MaybeSystem(pub Option<SystemToken>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeSystem {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeSystem(parts.extensions.get::<SystemCaller>().map(|s| s.0.clone())))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SystemCaller {
    type Rejection = HttpError;

    /// A system with the integration scope, or 401.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<SystemCaller>() {
            Some(s) if s.0.scope == Scope::Integration => Ok(s.clone()),
            _ => Err(AppError::new(ErrorKind::Unauthenticated).into()),
        }
    }
}

/// Finds the system behind a bearer token of the system kind and records the call it makes
/// (which system, when, what, and the answer's status) once answered. Other requests pass
/// untouched, without a database read.
pub(crate) async fn record_system_calls(state: &AppState, mut req: Request, next: Next) -> Response {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX))
        .map(str::to_string);
    let Some(bearer) = bearer else { return next.run(req).await };
    let system = match national::system_of(state, &bearer).await {
        Ok(Some(system)) => system,
        Ok(None) => return next.run(req).await,
        Err(e) => return axum::response::IntoResponse::into_response(HttpError::from(e)),
    };
    let method = req.method().to_string();
    let path = req.uri().path().chars().take(500).collect::<String>();
    req.extensions_mut().insert(SystemCaller(system.clone()));
    let res = next.run(req).await;
    let call = SystemCall { token_id: system.id, at: Utc::now(), method, path, status: res.status().as_u16() };
    if let Err(e) = system_tokens::record_call(&state.db, &call).await {
        tracing::error!(error = %e, system = %system.name, "could not record a system's call");
    }
    res
}

/// The portal hands over a dossier: multipart with part `dossier` (JSON) and one file part per
/// document, named by its key.
#[utoipa::path(post, path = "/api/v1/integration/dossiers", tag = "integration",
    request_body(content_type = "multipart/form-data", description = "Parts:\n\
- `dossier` (text, JSON): `{\"MaHoSo\", \"MaTTHC\", \"KenhThucHien\": 1|2|3, \"ChuHoSo\": {\"HoVaTen\", \"SoDinhDanh\" \
(12-digit citizen identity number or tax code), \"SoDienThoai\", \"Email\", \"DiaChi\"}, \"NgayNopHoSo\" (RFC 3339), \
\"DuLieuToKhai\": {<form answers by key>}, \"TaiLieuNop\": [{\"MaThanhPhanHoSo\", \"TenTepDinhKem\", \"DuocSoHoa\", \
\"DuocTaiSuDung\", \"DuocLayTuKhoDMQG\"}], \"DanhSachLePhi\": [{\"SoTien\", \"DaThanhToan\"}]}`.\n\
- one file part per entry of `TaiLieuNop`, named by its `MaThanhPhanHoSo` (PDF, JPEG, PNG, TIFF or WebP).\n\
Errors name the field at fault with the portal's names (`ChuHoSo.SoDinhDanh`, `TaiLieuNop[0].DuocSoHoa`, \
`DuLieuToKhai.<key>`)."),
    responses((status = 201, description = "Taken: the new dossier", body = DossierDto),
        (status = 200, description = "Taken before under the same MaHoSo: that dossier", body = DossierDto),
        errors::BadRequest, errors::Unauthenticated, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn intake(
    State(state): State<AppState>,
    CallerLang(lang): CallerLang,
    SystemCaller(system): SystemCaller,
    ApiMultipart(mp): ApiMultipart,
) -> HttpResult<(StatusCode, Json<DossierDto>)> {
    let mut parts = uploads::read(mp, state.config.max_file_bytes).await?;
    // The dossier's JSON may come as a text part or as a file part of its own.
    let dossier = match parts.fields.remove("dossier") {
        Some(text) => Some(text),
        None => match parts.files.iter().position(|f| f.part == "dossier") {
            Some(i) => String::from_utf8(parts.files.remove(i).bytes.to_vec()).ok(),
            None => None,
        },
    };
    let (d, created) = national::intake(&state, &system, dossier.as_deref(), parts.files).await?;
    let view = national::view_for_system(&state, d).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(DossierDto::new(&view, lang))))
}

/// Outbox filters.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending` (waiting for their turn), `failed` (the latest send failed; retried with
    /// backoff) or `sent`; all when absent.
    #[param(pattern = "^(|pending|failed|sent)$")]
    pub status: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Per page (1–200, default 50).
    pub per_page: Option<i64>,
}

/// A status message for the national portal, with where its delivery stands.
#[derive(Serialize, ToSchema)]
pub struct OutboxMessageDto {
    /// `pending`, `failed` or `sent`.
    pub status: String,
    /// The message as it is sent (MessageId, MaHoSo, MaHoSoTinh, TrangThaiHoSo, …).
    #[schema(value_type = Object)]
    pub message: serde_json::Value,
    /// Sends so far.
    pub attempts: i64,
    /// The latest send.
    pub last_attempt_at: Option<String>,
    /// Why the latest send failed.
    pub last_error: Option<String>,
    /// The next send, while unsent.
    pub next_attempt_at: Option<String>,
    /// When the portal took it.
    pub sent_at: Option<String>,
}

impl OutboxMessageDto {
    fn new(m: &OutboxMessage, public_url: &str) -> Self {
        OutboxMessageDto {
            status: m.state().as_str().into(),
            message: motcua_app::jobs::national_sync::message_json(m, public_url),
            attempts: m.attempts,
            last_attempt_at: m.last_attempt_at.map(time),
            last_error: m.last_error.clone(),
            next_attempt_at: m.sent_at.is_none().then(|| time(m.next_attempt_at)),
            sent_at: m.sent_at.map(time),
        }
    }
}

/// A page of the outbox.
#[derive(Serialize, ToSchema)]
pub struct OutboxList {
    /// Newest first.
    pub items: Vec<OutboxMessageDto>,
    /// How many match.
    pub total: i64,
}

/// What was sent to the national portal and what waits: for the portal's systems and the
/// administrators.
#[utoipa::path(get, path = "/api/v1/integration/outbox", tag = "integration", params(OutboxQuery),
    responses((status = 200, body = OutboxList), errors::BadRequest, errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn outbox(
    State(state): State<AppState>,
    user: MaybeUser,
    MaybeSystem(system): MaybeSystem,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> HttpResult<Json<OutboxList>> {
    let filter = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            OutboxState::parse(s)
                .ok_or_else(|| AppError::fields([("status".to_string(), "field-not-option".to_string())].into()))?,
        ),
    };
    let (items, total) =
        national::outbox(&state, user.user(), system.as_ref(), filter, q.page.unwrap_or(1), q.per_page.unwrap_or(50))
            .await?;
    let items = items.iter().map(|m| OutboxMessageDto::new(m, &state.config.public_url)).collect();
    Ok(Json(OutboxList { items, total }))
}

/// A result file named in a status message (DuongDanTaiTep), for the portal to fetch.
#[utoipa::path(get, path = "/api/v1/integration/dossiers/{code}/files/{id}", tag = "integration",
    params(("code" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "The file"), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn result_file(
    State(state): State<AppState>,
    SystemCaller(_system): SystemCaller,
    ApiPath((code, id)): ApiPath<(String, String)>,
) -> HttpResult<Response> {
    let (a, bytes) = national::result_file(&state, &code, &id).await?;
    Ok(file_response(&a.content_type, &a.file_name, bytes))
}

/// A webhook delivery and where it stands.
#[derive(Serialize, ToSchema)]
pub struct WebhookDeliveryDto {
    /// The subscription.
    pub subscription_id: i64,
    /// The event's id (the dossier code and revision), the same on every send.
    pub event_id: String,
    /// `dossier.status_changed` or `payment.settled`.
    pub event_type: String,
    /// The body as sent.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
    /// Sends so far.
    pub attempts: i64,
    /// Why the latest send failed.
    pub last_error: Option<String>,
    /// When the receiver took it.
    pub sent_at: Option<String>,
    /// The next send, while not taken.
    pub next_attempt_at: Option<String>,
}

/// Delivery filter.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Only the deliveries not yet taken by their receiver.
    pub unsent: Option<bool>,
}

/// The latest webhook deliveries, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/webhooks/deliveries", tag = "integration", params(DeliveriesQuery),
    responses((status = 200, body = Vec<WebhookDeliveryDto>), errors::BadRequest, errors::NotFound),
    security(("bearer" = [])))]
pub async fn webhook_deliveries(
    State(state): State<AppState>,
    user: MaybeUser,
    ApiQuery(q): ApiQuery<DeliveriesQuery>,
) -> HttpResult<Json<Vec<WebhookDeliveryDto>>> {
    if !user.user().is_some_and(|u| u.has(motcua_domain::dossier::Role::Admin)) {
        return Err(AppError::not_found().into());
    }
    let list = motcua_store::webhooks::deliveries(&state.db, q.unsent.unwrap_or(false), 200)
        .await
        .map_err(motcua_app::error::AppError::from)?;
    Ok(Json(
        list.into_iter()
            .map(|d| WebhookDeliveryDto {
                subscription_id: d.subscription_id,
                event_id: d.event_id,
                event_type: d.event_type,
                body: serde_json::from_str(&d.body).unwrap_or_default(),
                attempts: d.attempts,
                last_error: d.last_error,
                next_attempt_at: d.sent_at.is_none().then(|| time(d.next_attempt_at)),
                sent_at: d.sent_at.map(time),
            })
            .collect(),
    ))
}
