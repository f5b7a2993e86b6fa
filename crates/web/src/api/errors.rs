//! The error answers of the API (shared/API.md, "Errors"), declared once for the OpenAPI
//! document: an operation lists next to its success the ones it can give, so that every
//! operation describes the same error alike and none is left for clients to discover.

use utoipa::IntoResponses;

use super::dto::ErrorBody;

/// `bad_request`: the request is malformed — a body that is not JSON (or not
/// `multipart/form-data`) where the operation asks for it, a query parameter missing or of the
/// wrong type.
#[derive(IntoResponses)]
#[response(status = 400)]
pub struct BadRequest(pub ErrorBody);

/// `unauthenticated`: no valid bearer token; sign in with `POST /api/v1/auth/login`.
#[derive(IntoResponses)]
#[response(status = 401)]
pub struct Unauthenticated(pub ErrorBody);

/// `forbidden`: signed in, but the caller's role may not do this.
#[derive(IntoResponses)]
#[response(status = 403)]
pub struct Forbidden(pub ErrorBody);

/// `not_found`: no such resource, or one the caller may not see.
#[derive(IntoResponses)]
#[response(status = 404)]
pub struct NotFound(pub ErrorBody);

/// `conflict`: not possible in the resource's current state.
#[derive(IntoResponses)]
#[response(status = 409)]
pub struct Conflict(pub ErrorBody);

/// `payload_too_large`: the body, or a file in it, is over the server's limit.
#[derive(IntoResponses)]
#[response(status = 413)]
pub struct PayloadTooLarge(pub ErrorBody);

/// `validation_failed`: well-formed but not acceptable — a JSON body of the wrong shape, or
/// values refused, with a message per field in `fields`.
#[derive(IntoResponses)]
#[response(status = 422)]
pub struct Validation(pub ErrorBody);

/// `rate_limited`: too many attempts from this address or for this account; try again later.
#[derive(IntoResponses)]
#[response(status = 429)]
pub struct RateLimited(pub ErrorBody);
