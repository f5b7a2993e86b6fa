//! Accounts: passwords hashed with argon2id, sign-in with rate limiting and lock-out, and
//! sessions. Tokens are random; only their SHA-256 is stored.

use chrono::{DateTime, Utc};
use motcua_domain::identity::{CitizenId, Email, PhoneNumber};
use motcua_store::users::{self, SessionKind, User};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::passwords::{random_token, token_hash, verify_password};
use crate::state::AppState;

/// Failed logins before an account is locked (DESIGN.md section 10).
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a lock lasts.
pub const LOCK_MINUTES: i64 = 15;

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

/// How long a session lasts at most, however active: a working day. After it, the password
/// is asked again (NIST SP 800-63B 7.2: reauthentication at least every 12 hours).
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(12);
/// Live sessions an account may have; opening one more ends the oldest.
pub const SESSIONS_PER_ACCOUNT: i64 = 10;

/// When a session opened at `created_at` and used `now` lapses: the idle timeout from now, but
/// never later than its lifetime allows.
pub fn session_expiry(state: &AppState, user: &User, created_at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    (now + idle_timeout(state, user)).min(created_at + SESSION_LIFETIME)
}

/// Opens a session and returns its secret token.
pub async fn open_session(state: &AppState, user: &User, kind: SessionKind) -> AppResult<(String, String)> {
    let token = random_token();
    let csrf = random_token();
    let now = Utc::now();
    let expires = session_expiry(state, user, now, now);
    users::create_session(&state.db, &token_hash(&token), user.id, kind, &csrf, expires, SESSIONS_PER_ACCOUNT).await?;
    Ok((token, csrf))
}
