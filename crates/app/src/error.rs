//! Errors with stable machine codes, translated at the edge.
//!
//! Use-cases return [`AppError`]: a kind with a stable machine code, a message key and per-field
//! message keys. The web edge maps the kind to an HTTP status and words the keys in the caller's
//! language. Internal causes go to the log, never to the user.

use std::collections::BTreeMap;

use motcua_store::StoreError;

/// The kinds of error the API promises (shared/API.md, "Errors").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401: sign in first.
    Unauthenticated,
    /// 401: the password was right, and the account's second factor is asked for too (the
    /// 6-digit code of its authenticator app, `otp`).
    OtpRequired,
    /// 401: the second factor's code was wrong, or already used.
    OtpInvalid,
    /// 403: signed in, but not allowed (used only where hiding existence is pointless).
    Forbidden,
    /// 404: does not exist, or the caller may not see it.
    NotFound,
    /// 422: bad input, with per-field messages.
    Validation,
    /// 409: the action is not on offer now, or a uniqueness rule.
    Conflict,
    /// 413: too large.
    PayloadTooLarge,
    /// 429: too many attempts.
    RateLimited,
    /// 400: the request itself is malformed.
    BadRequest,
    /// 405: the address exists, but not with this method (the answer says which in `Allow`).
    MethodNotAllowed,
    /// 500: our fault; details are logged only.
    Internal,
    /// 503: a service the act needs (the timestamp authority) does not answer; worth trying
    /// again later.
    Unavailable,
}

impl ErrorKind {
    /// Every kind.
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::Unauthenticated,
        ErrorKind::OtpRequired,
        ErrorKind::OtpInvalid,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::Validation,
        ErrorKind::Conflict,
        ErrorKind::PayloadTooLarge,
        ErrorKind::RateLimited,
        ErrorKind::BadRequest,
        ErrorKind::MethodNotAllowed,
        ErrorKind::Internal,
        ErrorKind::Unavailable,
    ];

    /// The machine code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::OtpRequired => "otp_required",
            ErrorKind::OtpInvalid => "otp_invalid",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Validation => "validation_failed",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::Internal => "internal",
            ErrorKind::Unavailable => "unavailable",
        }
    }

    /// The message key of the general message in the locale files.
    pub fn message_key(self) -> &'static str {
        match self {
            ErrorKind::Unauthenticated => "error-unauthenticated",
            ErrorKind::OtpRequired => "error-otp-required",
            ErrorKind::OtpInvalid => "error-otp-invalid",
            ErrorKind::Forbidden => "error-forbidden",
            ErrorKind::NotFound => "error-not-found",
            ErrorKind::Validation => "error-validation",
            ErrorKind::Conflict => "error-conflict",
            ErrorKind::PayloadTooLarge => "error-too-large",
            ErrorKind::RateLimited => "error-rate-limited",
            ErrorKind::BadRequest => "error-bad-request",
            ErrorKind::MethodNotAllowed => "error-method-not-allowed",
            ErrorKind::Internal => "error-internal",
            ErrorKind::Unavailable => "error-unavailable",
        }
    }
}

/// An error to show the caller: a kind, an optional more specific message key, and per-field
/// message keys for validation errors.
#[derive(Clone, Debug)]
pub struct AppError {
    /// The kind.
    pub kind: ErrorKind,
    /// A specific message key replacing the general one.
    pub message: Option<&'static str>,
    /// Field name → message key.
    pub fields: BTreeMap<String, String>,
    /// What went wrong inside, for an internal error: for the log, never for the caller.
    pub cause: Option<std::sync::Arc<str>>,
}

impl AppError {
    /// An error of a kind with its general message.
    pub fn new(kind: ErrorKind) -> Self {
        Self { kind, message: None, fields: BTreeMap::new(), cause: None }
    }

    /// An error with a specific message key.
    pub fn with(kind: ErrorKind, message: &'static str) -> Self {
        Self { kind, message: Some(message), fields: BTreeMap::new(), cause: None }
    }

    /// A validation error with per-field message keys.
    pub fn fields(fields: BTreeMap<String, String>) -> Self {
        Self { kind: ErrorKind::Validation, message: None, fields, cause: None }
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound)
    }

    /// 500, logging the cause; the cause also rides along, so that the web edge can name it on
    /// the access log line of the request that failed.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let cause = cause.to_string();
        tracing::error!(%cause, "internal error");
        Self { cause: Some(cause.into()), ..Self::new(ErrorKind::Internal) }
    }
}

impl AppError {
    /// 503 for a signature that could not be made because the timestamp authority failed (the
    /// cause is logged), 500 for any other signing failure.
    pub fn signing(e: motcua_signing::pades::PadesError) -> Self {
        use motcua_signing::pades::PadesError;
        use motcua_signing::signer::PkiError;
        match e {
            PadesError::Pki(PkiError::Timestamp(cause)) => {
                tracing::error!(%cause, "the timestamp authority failed: nothing was signed");
                Self { cause: Some(cause.into()), ..Self::with(ErrorKind::Unavailable, "error-timestamp-unavailable") }
            }
            other => Self::internal(other),
        }
    }
}

impl From<StoreError> for AppError {
    /// A database that cannot be reached for now (every connection busy past the wait, the
    /// connection lost, the pool closing) is 503, worth trying again; other failures are 500.
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Conflict(_) => AppError::new(ErrorKind::Conflict),
            cause if cause.is_unreachable() => {
                tracing::warn!(%cause, "the database cannot be reached for now");
                Self {
                    cause: Some(cause.to_string().into()),
                    ..Self::with(ErrorKind::Unavailable, "error-database-unavailable")
                }
            }
            other => AppError::internal(other),
        }
    }
}

/// Shorthand.
pub type AppResult<T> = Result<T, AppError>;
