//! Errors at the HTTP edge: an application error with its status.
//!
//! Handlers return [`HttpResult`]; the response carries the [`AppError`] as an extension and
//! the `render_errors` middleware words it in the caller's language: JSON under `/api`, an HTML
//! page elsewhere. Internal causes go to the log, never to the user.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
pub use motcua_app::error::{AppError, ErrorKind};

/// The HTTP status of an error kind (shared/API.md, "Errors").
pub fn status(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Unauthenticated | ErrorKind::OtpRequired | ErrorKind::OtpInvalid => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The error kind answered with this status, if one is.
pub fn kind_of(status: StatusCode) -> Option<ErrorKind> {
    ErrorKind::ALL.into_iter().find(|&kind| self::status(kind) == status)
}

/// An application error on its way to becoming a response.
#[derive(Clone, Debug)]
pub struct HttpError(pub AppError);

impl<E: Into<AppError>> From<E> for HttpError {
    fn from(e: E) -> Self {
        HttpError(e.into())
    }
}

impl std::ops::Deref for HttpError {
    type Target = AppError;
    fn deref(&self) -> &AppError {
        &self.0
    }
}

/// Seconds a caller is told to wait (`Retry-After`) when something the request needs does not
/// answer for now (503): a database with every connection busy or lost comes back within seconds.
pub const RETRY_UNAVAILABLE_AFTER: u64 = 5;

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut res = status(self.0.kind).into_response();
        if self.0.kind == ErrorKind::Unavailable {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_UNAVAILABLE_AFTER));
        }
        res.extensions_mut().insert(self.0);
        res
    }
}

/// What handlers return.
pub type HttpResult<T> = Result<T, HttpError>;
