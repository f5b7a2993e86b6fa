//! Extractors for the API whose rejections speak its error format (shared/API.md, "Errors"):
//! axum's own extractors answer a malformed request in plain text, which clients of a JSON API
//! cannot read and the OpenAPI document cannot describe.

use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Multipart, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorKind, HttpError};

/// A JSON body whose problems are reported in our error format: 422 for a body of the wrong
/// shape, 400 for one that is not JSON, 413 for one too large.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(HttpError(match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::new(ErrorKind::PayloadTooLarge),
                StatusCode::UNPROCESSABLE_ENTITY => AppError::with(ErrorKind::Validation, "error-bad-json-shape"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::with(ErrorKind::BadRequest, "error-not-json"),
                _ => AppError::with(ErrorKind::BadRequest, "error-bad-json"),
            })),
        }
    }
}

/// Query parameters; a missing required one or a value of the wrong type is a malformed request
/// (400). Values of the right type but not allowed are the handler's to refuse with 422.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|_: QueryRejection| AppError::with(ErrorKind::BadRequest, "error-bad-query").into())
    }
}

/// Path parameters; a segment that does not parse (a year that is not a number) names nothing,
/// so it answers 404 as an unknown code does. A route whose parameters do not match its handler
/// is our bug (500).
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e @ PathRejection::FailedToDeserializePathParams(_)) if e.status().is_client_error() => {
                Err(AppError::not_found().into())
            }
            Err(e) => Err(AppError::internal(e.body_text()).into()),
        }
    }
}

/// A `multipart/form-data` body; another content type or a missing boundary is a malformed
/// request (400).
pub struct ApiMultipart(pub Multipart);

impl<S: Send + Sync> FromRequest<S> for ApiMultipart {
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Multipart::from_request(req, state)
            .await
            .map(ApiMultipart)
            .map_err(|_: MultipartRejection| AppError::with(ErrorKind::BadRequest, "error-bad-multipart").into())
    }
}
