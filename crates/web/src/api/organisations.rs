//! `/api/v1/organisations`: organisation accounts (businesses and other organisations) that
//! citizens register, represent and apply for; administrators verify them. The rules are in
//! [`motcua_app::organisations`].

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use motcua_app::organisations::{self, OrganisationView, Registration};
use motcua_app::state::AppState;
use motcua_store::organisations::Organisation;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::time as rfc3339;
use super::{errors, ApiJson, ApiPath};
use crate::auth::CurrentUser;
use crate::error::HttpResult;

/// An organisation.
#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    /// Id.
    pub id: i64,
    /// Tax code: 10 digits, or `0123456789-001` for a branch.
    pub tax_code: String,
    /// Name.
    pub name: String,
    /// Head office address.
    pub address: String,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// `pending` (waiting for an administrator), `verified` (its representatives apply in its
    /// name) or `rejected`.
    pub status: String,
    /// Why it was refused.
    pub decision_note: Option<String>,
    /// When it was registered.
    pub created_at: String,
    /// How the caller represents it: `legal` or `authorised`; absent for an administrator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Its representatives (on the organisation's own page only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representatives: Option<Vec<RepresentativeDto>>,
}

impl OrganisationDto {
    fn new(o: &Organisation, role: Option<&str>) -> Self {
        Self {
            id: o.id,
            tax_code: o.tax_code.clone(),
            name: o.name.clone(),
            address: o.address.clone(),
            phone: o.phone.clone(),
            email: o.email.clone(),
            status: o.status.as_str().into(),
            decision_note: o.decision_note.clone(),
            created_at: rfc3339(o.created_at),
            role: role.map(str::to_string),
            representatives: None,
        }
    }

    fn of_view(v: &OrganisationView) -> Self {
        let mut dto = Self::new(&v.organisation, v.viewer.map(|k| k.as_str()));
        dto.representatives = Some(
            v.representatives
                .iter()
                .map(|r| RepresentativeDto {
                    user_id: r.user_id,
                    full_name: r.full_name.clone(),
                    kind: r.kind.as_str().into(),
                    title: r.title.clone(),
                    since: rfc3339(r.added_at),
                })
                .collect(),
        );
        dto
    }
}

/// A person representing an organisation.
#[derive(Serialize, ToSchema)]
pub struct RepresentativeDto {
    /// Their account.
    pub user_id: i64,
    /// Name.
    pub full_name: String,
    /// `legal` (names and removes the others) or `authorised`.
    pub kind: String,
    /// Position.
    pub title: Option<String>,
    /// Since when.
    pub since: String,
}

/// A list of organisations.
#[derive(Serialize, ToSchema)]
pub struct OrganisationList {
    /// The organisations.
    pub items: Vec<OrganisationDto>,
}

/// Registering an organisation.
#[derive(Deserialize, ToSchema, Default)]
pub struct RegistrationRequest {
    /// Tax code.
    #[serde(default)]
    pub tax_code: String,
    /// Name as on the business registration.
    #[serde(default)]
    pub name: String,
    /// Head office address.
    #[serde(default)]
    pub address: String,
    /// Phone (optional).
    #[serde(default)]
    pub phone: String,
    /// E-mail (optional).
    #[serde(default)]
    pub email: String,
    /// The caller's position in it (optional).
    #[serde(default)]
    pub title: String,
}

/// Naming a representative.
#[derive(Deserialize, ToSchema, Default)]
pub struct RepresentativeRequest {
    /// The 12-digit citizen identity number of the person's citizen account.
    #[serde(default)]
    pub id_number: String,
    /// `legal` or `authorised`.
    #[serde(default)]
    pub kind: String,
    /// Position (optional).
    #[serde(default)]
    pub title: String,
}

/// An administrator's decision on a registration.
#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// `true` to verify it, `false` to refuse it.
    pub verify: bool,
    /// Why it is refused (required when refusing).
    #[serde(default)]
    pub note: String,
}

/// What a decision did.
#[derive(Serialize, ToSchema)]
pub struct DecisionResponse {
    /// The organisation as it is now.
    pub organisation: OrganisationDto,
    /// How many dossiers made earlier for its tax code (at the desk, on the national portal)
    /// it took over.
    pub dossiers_taken_over: u64,
}

/// The organisations the caller represents (or registered).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations",
    responses((status = 200, body = OrganisationList), errors::Unauthenticated),
    security(("bearer" = [])))]
pub async fn mine(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> HttpResult<Json<OrganisationList>> {
    let items = organisations::mine(&state, &user)
        .await?
        .iter()
        .map(|(o, kind)| OrganisationDto::new(o, Some(kind.as_str())))
        .collect();
    Ok(Json(OrganisationList { items }))
}

/// Register an organisation (citizens): the caller becomes its legal representative; it waits
/// for an administrator to verify it before anyone applies in its name. A tax code already
/// registered answers 422 on `tax_code`.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = RegistrationRequest,
    responses((status = 201, body = OrganisationDto), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::Validation),
    security(("bearer" = [])))]
pub async fn register(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<RegistrationRequest>,
) -> HttpResult<(StatusCode, Json<OrganisationDto>)> {
    let form = Registration {
        tax_code: body.tax_code,
        name: body.name,
        address: body.address,
        phone: body.phone,
        email: body.email,
        title: body.title,
    };
    let o = organisations::register(&state, &user, &form).await?;
    let v = organisations::view(&state, &user, o.id).await?;
    Ok((StatusCode::CREATED, Json(OrganisationDto::of_view(&v))))
}

/// The registrations waiting for an administrator (administrators).
#[utoipa::path(get, path = "/api/v1/organisations/pending", tag = "organisations",
    responses((status = 200, body = OrganisationList), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn pending(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> HttpResult<Json<OrganisationList>> {
    let items = organisations::pending(&state, &user).await?.iter().map(|o| OrganisationDto::new(o, None)).collect();
    Ok(Json(OrganisationList { items }))
}

/// An organisation with its representatives, for its representatives and administrators.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = OrganisationDto), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> HttpResult<Json<OrganisationDto>> {
    let v = organisations::view(&state, &user, id).await?;
    Ok(Json(OrganisationDto::of_view(&v)))
}

/// Name a representative (the legal representative of a verified organisation), by the citizen
/// identity number of the person's citizen account.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/representatives", tag = "organisations",
    params(("id" = i64, Path)), request_body = RepresentativeRequest,
    responses((status = 201, body = OrganisationDto), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::NotFound, errors::Conflict, errors::Validation),
    security(("bearer" = [])))]
pub async fn add_representative(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RepresentativeRequest>,
) -> HttpResult<(StatusCode, Json<OrganisationDto>)> {
    organisations::add_representative(&state, &user, id, &body.id_number, &body.kind, &body.title).await?;
    let v = organisations::view(&state, &user, id).await?;
    Ok((StatusCode::CREATED, Json(OrganisationDto::of_view(&v))))
}

/// Remove a representative (the legal representative), or leave (anyone); never the last legal
/// representative (409). The person no longer sees the organisation's dossiers.
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/representatives/{user_id}", tag = "organisations",
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 204), errors::Unauthenticated, errors::Forbidden, errors::NotFound, errors::Conflict),
    security(("bearer" = [])))]
pub async fn remove_representative(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, person)): ApiPath<(i64, i64)>,
) -> HttpResult<StatusCode> {
    organisations::remove_representative(&state, &user, id, person).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verify a registration or refuse it with a reason (administrators). Verifying hands the
/// organisation the dossiers made earlier for its tax code.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/decision", tag = "organisations",
    params(("id" = i64, Path)), request_body = DecisionRequest,
    responses((status = 200, body = DecisionResponse), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::Validation),
    security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> HttpResult<Json<DecisionResponse>> {
    let n = organisations::decide(&state, &user, id, body.verify, &body.note).await?;
    let v = organisations::view(&state, &user, id).await?;
    Ok(Json(DecisionResponse { organisation: OrganisationDto::of_view(&v), dossiers_taken_over: n }))
}
