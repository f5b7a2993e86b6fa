//! The JSON API of shared/API.md. This file is the map of the API: every route is registered
//! here, and the OpenAPI document is generated from the same registrations.

pub mod auth;
pub mod calendar;
pub mod catalog;
pub mod documents;
pub mod dossiers;
pub mod dto;
pub mod edxml;
pub mod errors;
mod extract;
pub mod integration;
pub mod meetings;
pub mod office;
pub mod office_chain;
pub mod organisations;
pub mod payments;
pub mod reports;
pub mod results;

pub use extract::{ApiJson, ApiMultipart, ApiPath, ApiQuery};

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use motcua_app::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "motcua API", description = "The JSON API of motcua, the provincial one-stop e-government platform (shared/API.md)."),
    // Operations declare their errors through `errors`, which names this schema without adding it.
    components(schemas(dto::ErrorBody)),
    modifiers(&BearerAuth),
    tags((name = "identity"), (name = "catalog"), (name = "dossiers"), (name = "documents"), (name = "payments"), (name = "results"), (name = "calendar"), (name = "integration"), (name = "organisations"), (name = "reports"), (name = "office"), (name = "meetings"))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API routes and the OpenAPI document describing them.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(documents::list))
        .routes(routes!(catalog::list))
        .routes(routes!(catalog::get))
        .routes(routes!(catalog::get_workflow, catalog::put_workflow))
        .routes(routes!(catalog::get_fee_schedule, catalog::put_fee_schedule))
        .routes(routes!(catalog::agencies))
        .routes(routes!(catalog::fields))
        .routes(routes!(dossiers::submit, dossiers::list))
        .routes(routes!(dossiers::get))
        .routes(routes!(dossiers::act))
        .routes(routes!(dossiers::assign))
        .routes(routes!(dossiers::answer_consultation))
        .routes(routes!(dossiers::rate))
        .routes(routes!(dossiers::attachment))
        .routes(routes!(dossiers::lookup))
        .routes(routes!(payments::ipn))
        .routes(routes!(payments::fee_quote))
        .routes(routes!(payments::receipt))
        .routes(routes!(results::get))
        .routes(routes!(results::verify))
        .routes(routes!(calendar::due))
        .routes(routes!(calendar::get_year, calendar::put_year))
        .routes(routes!(integration::intake))
        .routes(routes!(integration::outbox))
        .routes(routes!(integration::result_file))
        .routes(routes!(integration::webhook_deliveries))
        .routes(routes!(office::list, office::create))
        .routes(routes!(office::get))
        .routes(routes!(office::act))
        .routes(routes!(office::file))
        .routes(routes!(office_chain::revise))
        .routes(routes!(office_chain::get_chain, office_chain::put_chain))
        .routes(routes!(edxml::receive))
        .routes(routes!(edxml::statuses))
        .routes(routes!(organisations::mine, organisations::register))
        .routes(routes!(organisations::pending))
        .routes(routes!(organisations::get))
        .routes(routes!(organisations::add_representative))
        .routes(routes!(organisations::remove_representative))
        .routes(routes!(organisations::decide))
        .routes(routes!(reports::ii06a))
        .routes(routes!(reports::indicators))
        .routes(routes!(reports::indicator_dossiers))
        .routes(routes!(reports::ii06a_dossiers))
        .routes(routes!(reports::it_application))
        .routes(routes!(meetings::list, meetings::create))
        .routes(routes!(meetings::get))
        .routes(routes!(meetings::attendance))
        .routes(routes!(meetings::conclusion))
        .routes(routes!(meetings::complete_task))
        .routes(routes!(meetings::feed_token, meetings::rotate_feed_token))
        .routes(routes!(meetings::feed))
        .split_for_parts()
}

/// The API router with `/api/v1/openapi.json` added.
pub fn routes() -> Router<AppState> {
    let (router, doc) = router();
    let doc = std::sync::Arc::new(doc);
    router.route("/api/v1/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
}

/// The OpenAPI document, for snapshots and the `openapi` command.
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().1
}
