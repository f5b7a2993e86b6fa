//! Accounts: passwords hashed with argon2id, sign-in with rate limiting and lock-out, and
//! sessions. Tokens are random; only their SHA-256 is stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Utc;
use motcua_domain::identity::{CitizenId, Email, PhoneNumber};
use motcua_store::users::{self, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "motcua_session";
/// Name of the cookie carrying the CSRF token of visitors who are not signed in.
pub const CSRF_COOKIE: &str = "motcua_csrf";
/// Failed logins before an account is locked (DESIGN.md section 10).
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;

/// Password checks at once: each takes 19 MiB and tens of milliseconds, so a burst of sign-ins
/// must queue rather than grow the server's memory without bound.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Hashes a password with argon2id, off the async runtime (it takes tens of milliseconds).
pub async fn hash_password(password: String) -> AppResult<String> {
    let _slot = ARGON2_SLOTS.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

/// Verifies a password against a stored hash, off the async runtime.
pub async fn verify_password(hash: String, password: String) -> bool {
    let Ok(_slot) = ARGON2_SLOTS.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A fresh random token, 256 bits as hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The forms a login name may take: an officer's user name, or a citizen's phone, e-mail or
/// identity number, normalised as they were stored.
fn login_names(username: &str) -> Vec<String> {
    let raw = username.trim();
    let mut names = vec![raw.to_string()];
    if let Ok(p) = PhoneNumber::parse(raw) {
        names.push(p.as_str().to_string());
    }
    if let Ok(e) = Email::parse(raw) {
        names.push(e.as_str().to_string());
    }
    if let Ok(c) = CitizenId::parse(raw) {
        names.push(c.as_str().to_string());
    }
    names.dedup();
    names
}

/// Checks credentials with rate limiting per client address and lock-out per account. Unknown
/// users cost the same time as known ones.
pub async fn check_credentials(state: &AppState, client: &str, username: &str, password: &str) -> AppResult<User> {
    if !state.logins.allow(client) {
        return Err(AppError::new(ErrorKind::RateLimited));
    }
    if username.trim().is_empty() || password.is_empty() || password.len() > 1024 {
        return Err(AppError::with(ErrorKind::Unauthenticated, "error-bad-credentials"));
    }
    let candidate = users::find_for_login(&state.db, &login_names(username)).await?;
    let Some(c) = candidate else {
        verify_password(state.dummy_hash.clone(), password.to_string()).await;
        return Err(AppError::with(ErrorKind::Unauthenticated, "error-bad-credentials"));
    };
    let now = Utc::now();
    if c.locked_until.is_some_and(|t| t > now) {
        return Err(AppError::with(ErrorKind::RateLimited, "error-locked"));
    }
    if !verify_password(c.password_hash.clone(), password.to_string()).await {
        users::record_failed_login(
            &state.db,
            c.user.id,
            MAX_FAILED_LOGINS,
            now + chrono::Duration::minutes(LOCK_MINUTES),
        )
        .await?;
        if c.failed_logins + 1 >= MAX_FAILED_LOGINS {
            return Err(AppError::with(ErrorKind::RateLimited, "error-locked"));
        }
        return Err(AppError::with(ErrorKind::Unauthenticated, "error-bad-credentials"));
    }
    if c.failed_logins > 0 {
        users::reset_failed_logins(&state.db, c.user.id).await?;
    }
    Ok(c.user)
}

/// The idle timeout of a user's sessions.
pub fn idle_timeout(state: &AppState, user: &User) -> chrono::Duration {
    if user.is_officer() {
        state.config.officer_idle
    } else {
        state.config.citizen_idle
    }
}

/// Opens a session and returns its secret token.
pub async fn open_session(state: &AppState, user: &User, kind: &str) -> AppResult<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    let expires = Utc::now() + idle_timeout(state, user);
    users::create_session(&state.db, &token_hash(&token), user.id, kind, &csrf, expires).await?;
    Ok((token, csrf))
}
