//! Accounts: passwords hashed with argon2id, sign-in slowed per address and per account and
//! address (never a lock the owner can be kept out by) and put under a second step after many
//! failures from anywhere ([`crate::step_up`]), and sessions. Tokens are random; only their
//! SHA-256 is stored.

use chrono::{DateTime, Utc};
use motcua_domain::identity::{CitizenId, Email, PhoneNumber};
use motcua_store::users::{self, SessionKind, User};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::passwords::{random_token, token_hash, verify_password};
use crate::state::AppState;

/// Failed sign-ins to an account from one address that go without waiting.
pub const FREE_FAILURES: i64 = 3;
/// The longest wait between two tries of one account from one address.
pub const LONGEST_WAIT: chrono::Duration = chrono::Duration::minutes(15);

/// How long an address must wait before trying an account again after `failures` failed
/// sign-ins there (OWASP ASVS 2.2.1: growing delays rather than a lock): none for the first
/// three, then 5 seconds doubling with each failure, at most 15 minutes. Others, the owner
/// included, sign in from their own addresses unhindered.
pub fn wait_after(failures: i64) -> chrono::Duration {
    if failures < FREE_FAILURES {
        return chrono::Duration::zero();
    }
    let doublings = u32::try_from(failures - FREE_FAILURES).unwrap_or(u32::MAX).min(16);
    (chrono::Duration::seconds(5) * 2_i32.pow(doublings)).min(LONGEST_WAIT)
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

/// A right password.
#[derive(Clone, Debug)]
pub struct Passed {
    /// Whose.
    pub user: User,
    /// Whether many recent failures put the sign-in under a second step
    /// ([`crate::step_up`]): then this address's failures are kept until it is taken.
    pub step_up: bool,
}

/// Checks credentials from `client`: requests are limited per address, and failures slow that
/// address down on that account. Only failures count; unknown users cost the same time as
/// known ones.
pub async fn check_credentials(
    state: &AppState,
    client: std::net::IpAddr,
    username: &str,
    password: &str,
) -> AppResult<Passed> {
    if !state.logins.allow(client).await {
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
    let address = client.to_string();
    let now = Utc::now();
    if let Some((failures, last)) = users::login_failures(&state.db, c.user.id, &address).await? {
        if last + wait_after(failures) > now {
            // Not checked at all while waiting: a right guess would tell nothing either.
            return Err(AppError::with(ErrorKind::RateLimited, "error-wait"));
        }
    }
    if !verify_password(c.password_hash.clone(), password.to_string()).await {
        let failures = users::record_login_failure(&state.db, c.user.id, &address, now).await?;
        if wait_after(failures) > chrono::Duration::zero() {
            return Err(AppError::with(ErrorKind::RateLimited, "error-wait"));
        }
        return Err(AppError::with(ErrorKind::Unauthenticated, "error-bad-credentials"));
    }
    let step_up = crate::step_up::required(state, &c.user, now).await?;
    if !step_up {
        users::clear_login_failures(&state.db, c.user.id, &address).await?;
    }
    Ok(Passed { user: c.user, step_up })
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

/// Changes a signed-in user's password: the current one must be right (field `current`), the
/// new one strong (field `password`); every other session of the account ends, `keep` (the
/// session asking) goes on.
pub async fn change_password(state: &AppState, user: &User, keep: &str, current: &str, new: &str) -> AppResult<()> {
    let mut errors = std::collections::BTreeMap::new();
    let personal = [
        user.full_name.as_str(),
        user.username.as_deref().unwrap_or(""),
        user.phone.as_deref().unwrap_or(""),
        user.email.as_deref().unwrap_or(""),
        user.id_number.as_deref().unwrap_or(""),
    ];
    if let Err(weak) = crate::passwords::check_new_password(new, crate::passwords::MIN_CHARS, &personal) {
        errors.insert("password".to_string(), weak.message_key().to_string());
    }
    let stored = users::password_hash(&state.db, user.id).await?;
    if current.is_empty() {
        errors.insert("current".to_string(), "field-required".to_string());
    } else if current.len() > 1024 || stored.is_empty() || !verify_password(stored, current.to_string()).await {
        errors.insert("current".to_string(), "password-current-wrong".to_string());
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let hash = crate::passwords::hash_password(new.to_string()).await?;
    users::set_password(&state.db, user.id, &hash).await?;
    users::end_sessions(&state.db, user.id, None, keep).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::wait_after;
    use chrono::Duration;

    #[test]
    fn waits_grow_with_failures_up_to_fifteen_minutes() {
        let waits: Vec<i64> = (0..=12).map(|n| wait_after(n).num_seconds()).collect();
        assert_eq!(waits, [0, 0, 0, 5, 10, 20, 40, 80, 160, 320, 640, 900, 900]);
        assert_eq!(wait_after(i64::MAX), Duration::minutes(15));
    }
}
