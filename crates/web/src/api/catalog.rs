//! `/api/v1/procedures`, `/api/v1/agencies`, `/api/v1/fields`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{AgencyDto, FieldDto, ProcedureDto, ProcedureList};
use super::{errors, ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::{AppError, HttpResult};
use motcua_app::catalog::{Catalog, CatalogFilter};
use motcua_app::AppState;
use motcua_domain::dossier::Role;
use motcua_domain::workflow::Step;
use std::sync::{Arc, RwLock};

/// Catalog filters.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    /// Words to search for, with or without diacritics.
    pub q: Option<String>,
    /// Field code.
    pub field: Option<String>,
    /// Lead agency code.
    pub agency: Option<String>,
    /// Online level.
    pub level: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Items per page (1–200, default 20).
    pub per_page: Option<usize>,
}

impl CatalogQuery {
    /// The filters these parameters name.
    pub fn filter(&self) -> CatalogFilter {
        CatalogFilter {
            q: self.q.clone(),
            field: self.field.clone(),
            agency: self.agency.clone(),
            level: self.level.clone(),
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// Each current procedure's API representation, serialised once per catalog (by its
/// generation): search answers are assembled from these instead of serialising the same forms
/// again on every request.
static PROCEDURE_JSON: RwLock<Option<(u64, Arc<Vec<String>>)>> = RwLock::new(None);

fn procedure_json(catalog: &Catalog) -> Arc<Vec<String>> {
    if let Some((generation, json)) = &*PROCEDURE_JSON.read().unwrap_or_else(|e| e.into_inner()) {
        if *generation == catalog.generation() {
            return json.clone();
        }
    }
    let json: Arc<Vec<String>> = Arc::new(
        catalog
            .procedures
            .iter()
            .map(|p| serde_json::to_string(&ProcedureDto::from(p)).unwrap_or_else(|_| "null".into()))
            .collect(),
    );
    *PROCEDURE_JSON.write().unwrap_or_else(|e| e.into_inner()) = Some((catalog.generation(), json.clone()));
    json
}

/// Search the catalog.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "catalog", params(CatalogQuery),
    responses((status = 200, body = ProcedureList), errors::BadRequest))]
pub async fn list(State(state): State<AppState>, ApiQuery(q): ApiQuery<CatalogQuery>) -> Response {
    let catalog = state.catalog();
    let (items, total) = catalog.filter(&q.filter());
    let json = procedure_json(&catalog);
    let mut body = String::with_capacity(items.len() * 2048 + 32);
    body.push_str("{\"items\":[");
    for (i, p) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(catalog.position(&p.code).map_or("null", |i| json[i].as_str()));
    }
    body.push_str("],\"total\":");
    body.push_str(&total.to_string());
    body.push('}');
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// One procedure.
#[utoipa::path(get, path = "/api/v1/procedures/{code}", tag = "catalog", params(("code" = String, Path, description = "Procedure code")),
    responses((status = 200, body = ProcedureDto), errors::NotFound))]
pub async fn get(State(state): State<AppState>, ApiPath(code): ApiPath<String>) -> HttpResult<Json<ProcedureDto>> {
    let catalog = state.catalog();
    Ok(catalog.get(&code).map(|p| Json(p.into())).ok_or_else(AppError::not_found)?)
}

/// Every agency.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "catalog", responses((status = 200, body = [AgencyDto])))]
pub async fn agencies(State(state): State<AppState>) -> HttpResult<Json<Vec<AgencyDto>>> {
    let list = motcua_store::catalog::agencies(&state.db).await?;
    Ok(Json(list.iter().map(AgencyDto::from).collect()))
}

/// Every field.
#[utoipa::path(get, path = "/api/v1/fields", tag = "catalog", responses((status = 200, body = [FieldDto])))]
pub async fn fields(State(state): State<AppState>) -> HttpResult<Json<Vec<FieldDto>>> {
    let list = motcua_store::catalog::fields(&state.db).await?;
    Ok(Json(list.into_iter().map(|f| FieldDto { code: f.code, name: f.name }).collect()))
}

/// A procedure's current workflow: the steps as stored (administrators only). The same JSON is
/// what the admin page exports and imports.
#[utoipa::path(get, path = "/api/v1/procedures/{code}/workflow", tag = "catalog", params(("code" = String, Path, description = "Procedure code")),
    responses((status = 200, description = "The steps: key, agency, role, name, allotment {amount, unit}, consultations [{agency, role, allotment}], next [keys]", body = Object),
        errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn get_workflow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
) -> HttpResult<Json<serde_json::Value>> {
    if !user.has(Role::Admin) {
        return Err(AppError::not_found().into());
    }
    let catalog = state.catalog();
    let p = catalog.get(&code).ok_or_else(AppError::not_found)?;
    Ok(Json(serde_json::json!({ "version": p.version, "limit": p.limit, "steps": p.workflow })))
}

/// Puts a new workflow in force (a new procedure version). Refused with 422 and one field error
/// per problem (`workflow.N`) when allotments exceed the time limit, a step is unreachable, an
/// agency is unknown, and so on.
#[utoipa::path(put, path = "/api/v1/procedures/{code}/workflow", tag = "catalog", params(("code" = String, Path, description = "Procedure code")),
    request_body(content = Object, description = "The list of steps, as returned by GET"),
    responses((status = 200, body = Object), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn put_workflow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(steps): ApiJson<Vec<Step>>,
) -> HttpResult<Json<serde_json::Value>> {
    let p = motcua_app::procedures::save_workflow(&state, &user, &code, None, steps).await?;
    Ok(Json(serde_json::json!({ "version": p.version, "limit": p.limit, "steps": p.workflow })))
}

/// A procedure's fee schedule: base amount, rules on the answers (`option`: an option's amount
/// instead of the base; `per_unit`: an amount per unit of a number field from the n-th), ceiling,
/// `copies` (the number field counting copies, when the amount and its ceiling are per copy),
/// and when it is paid (administrators only).
#[utoipa::path(get, path = "/api/v1/procedures/{code}/fee-schedule", tag = "catalog", params(("code" = String, Path, description = "Procedure code")),
    responses((status = 200, description = "{base_vnd, rules: [{kind, field, value | from, to, amount_vnd}], max_vnd, copies, timing}", body = Object),
        errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn get_fee_schedule(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
) -> HttpResult<Json<motcua_domain::fee::FeeSchedule>> {
    if !user.has(Role::Admin) {
        return Err(AppError::not_found().into());
    }
    let catalog = state.catalog();
    let p = catalog.get(&code).ok_or_else(AppError::not_found)?;
    Ok(Json(p.fee.clone()))
}

/// Puts a new fee schedule in force (a new procedure version). Refused with 422 and one field
/// error per problem (`fee.N`): negative amounts, fields the form lacks, options it does not
/// offer, empty ranges.
#[utoipa::path(put, path = "/api/v1/procedures/{code}/fee-schedule", tag = "catalog", params(("code" = String, Path, description = "Procedure code")),
    request_body(content = Object, description = "The schedule, as returned by GET"),
    responses((status = 200, body = Object), errors::BadRequest, errors::Unauthenticated, errors::NotFound,
        errors::Conflict, errors::PayloadTooLarge, errors::Validation),
    security(("bearer" = [])))]
pub async fn put_fee_schedule(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(schedule): ApiJson<motcua_domain::fee::FeeSchedule>,
) -> HttpResult<Json<motcua_domain::fee::FeeSchedule>> {
    let p = motcua_app::procedures::save_fee_schedule(&state, &user, &code, schedule).await?;
    Ok(Json(p.fee))
}
