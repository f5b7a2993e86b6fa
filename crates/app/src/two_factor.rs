//! The second factor of local accounts (DESIGN.md section 10: multi-factor authentication for
//! administrators; offered to every account): time-based one-time passwords of RFC 6238, the
//! 6-digit codes of any authenticator app.
//!
//! Enrolment shows a new secret (as an `otpauth://` address, its QR code, and as text) and ends
//! when a code made with it is typed back. From then on, a right password opens only a pending
//! sign-in — a token good for a few minutes to type the code, not a session. Wrong codes are
//! slowed per account and address exactly as wrong passwords are
//! ([`crate::accounts::wait_after`]); a code is accepted once, never again within its window.
//!
//! The pending sign-in also serves the step-up after many failed sign-ins ([`crate::step_up`]):
//! an account without an authenticator types the code it was sent instead.

use chrono::{DateTime, Utc};
use motcua_store::identity as store;
use motcua_store::users::{self, login_failures, User};
use rand::RngCore;

use crate::accounts::{wait_after, Passed};
use crate::error::{AppError, AppResult, ErrorKind};
use crate::passwords::{random_token, token_hash};
use crate::state::AppState;

/// The issuer named in authenticator apps.
pub const ISSUER: &str = "motcua";
/// How long a pending sign-in waits for its code.
pub const PENDING_LIFETIME: chrono::Duration = chrono::Duration::minutes(5);

/// A secret being enrolled, as shown to its owner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// Base32, to type into an app by hand.
    pub secret: String,
    /// The `otpauth://totp/…` address, for the QR code.
    pub uri: String,
}

/// The name of the account in the authenticator app: the user name, else the e-mail, else the
/// identity number, else the row id.
fn account_name(user: &User) -> String {
    user.username
        .clone()
        .or_else(|| user.email.clone())
        .or_else(|| user.id_number.clone())
        .unwrap_or_else(|| format!("user-{}", user.id))
        .replace(':', "")
}

fn totp(secret: &str, user: &User) -> AppResult<totp_rs::Totp> {
    let bytes =
        totp_rs::Secret::try_from_base32(secret).map_err(|e| AppError::internal(format!("TOTP secret: {e}")))?;
    totp_rs::Builder::new()
        .with_secret(bytes.as_bytes().to_vec())
        .with_account_name(account_name(user))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AppError::internal(format!("TOTP: {e}")))
}

/// Whether the account's sign-in asks for a code.
pub async fn is_on(state: &AppState, user_id: i64) -> AppResult<bool> {
    Ok(store::totp_secret(&state.db, user_id).await?.is_some_and(|s| s.confirmed_at.is_some()))
}

/// The enrolment under way (made now if there is none); `None` when the second factor is
/// already on.
pub async fn enrolment(state: &AppState, user: &User) -> AppResult<Option<Enrolment>> {
    let secret = match store::totp_secret(&state.db, user.id).await? {
        Some(s) if s.confirmed_at.is_some() => return Ok(None),
        Some(s) => s.secret,
        None => {
            let mut bytes = [0u8; 20];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let secret = totp_rs::Secret::new_stack(bytes).to_base32();
            store::start_totp(&state.db, user.id, &secret).await?;
            secret
        }
    };
    let uri = totp(&secret, user)?.to_url().map_err(|e| AppError::internal(format!("TOTP address: {e}")))?;
    Ok(Some(Enrolment { secret, uri }))
}

/// Checks a code of the account's secret typed from `client` at `now`: slowed after failures as
/// passwords are, each code taken once. With `confirm`, the enrolment ends with it.
async fn take_code(
    state: &AppState,
    client: std::net::IpAddr,
    user: &User,
    code: &str,
    now: DateTime<Utc>,
    confirm: bool,
) -> AppResult<()> {
    let Some(secret) = store::totp_secret(&state.db, user.id).await? else {
        return Err(AppError::new(ErrorKind::OtpInvalid));
    };
    let address = client.to_string();
    if let Some((failures, last)) = login_failures(&state.db, user.id, &address).await? {
        if last + wait_after(failures) > now {
            return Err(AppError::with(ErrorKind::RateLimited, "error-wait"));
        }
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let seconds = u64::try_from(now.timestamp()).unwrap_or_default();
    let step = (code.len() == 6).then(|| totp(&secret.secret, user)).transpose()?.and_then(|t| t.check(&code, seconds));
    let Some(step) = step else {
        let failures = users::record_login_failure(&state.db, user.id, &address, now).await?;
        if wait_after(failures) > chrono::Duration::zero() {
            return Err(AppError::with(ErrorKind::RateLimited, "error-wait"));
        }
        return Err(AppError::new(ErrorKind::OtpInvalid));
    };
    let step = i64::try_from(step).map_err(AppError::internal)?;
    if !store::use_totp_step(&state.db, user.id, step, confirm.then_some(now)).await? {
        // Right, but already used: someone may have watched it typed.
        return Err(AppError::with(ErrorKind::OtpInvalid, "error-otp-reused"));
    }
    users::clear_login_failures(&state.db, user.id, &address).await?;
    Ok(())
}

/// Ends the enrolment with a code of the new secret; from then on signing in asks for one.
pub async fn confirm(state: &AppState, client: std::net::IpAddr, user: &User, code: &str) -> AppResult<()> {
    match store::totp_secret(&state.db, user.id).await? {
        Some(s) if s.confirmed_at.is_none() => take_code(state, client, user, code, Utc::now(), true).await,
        _ => Err(AppError::new(ErrorKind::Conflict)),
    }
}

/// Turns the second factor off, which takes a valid code (a stolen session alone cannot).
pub async fn turn_off(state: &AppState, client: std::net::IpAddr, user: &User, code: &str) -> AppResult<()> {
    if !is_on(state, user.id).await? {
        return Err(AppError::new(ErrorKind::Conflict));
    }
    take_code(state, client, user, code, Utc::now(), false).await?;
    store::remove_totp(&state.db, user.id).await?;
    Ok(())
}

/// Checks the code of an account whose second factor is on (the API's one-step sign-in).
pub async fn check(state: &AppState, client: std::net::IpAddr, user: &User, code: &str) -> AppResult<()> {
    take_code(state, client, user, code, Utc::now(), false).await
}

/// What a right password still needs before a session opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondStep {
    /// Nothing: open it.
    None,
    /// The code of the account's authenticator app.
    Totp,
    /// A code sent to the account's e-mail or phone, after many failed sign-ins.
    SentCode,
}

/// The second step a right password leads to: the authenticator when the account has one (it
/// already is a second factor, step-up or not), else a sent code when many failures ask for it.
pub async fn second_step(state: &AppState, passed: &Passed) -> AppResult<SecondStep> {
    Ok(if is_on(state, passed.user.id).await? {
        SecondStep::Totp
    } else if passed.step_up {
        SecondStep::SentCode
    } else {
        SecondStep::None
    })
}

/// Opens a pending sign-in after a right password: its secret token, for the second step,
/// which may take as long as its code lives (a sent code takes longer than an app's).
pub async fn begin_pending(state: &AppState, user: &User, step: SecondStep, next: Option<&str>) -> AppResult<String> {
    let token = random_token();
    let lifetime = match step {
        SecondStep::SentCode => crate::password_reset::SIGN_IN_LIFETIME,
        SecondStep::None | SecondStep::Totp => PENDING_LIFETIME,
    };
    store::create_pending_sign_in(&state.db, &token_hash(&token), user.id, next, Utc::now() + lifetime).await?;
    Ok(token)
}

/// Whether a pending sign-in is still open, and for whom.
pub async fn pending(state: &AppState, token: &str) -> AppResult<Option<(User, Option<String>)>> {
    match store::pending_sign_in(&state.db, &token_hash(token), Utc::now()).await? {
        Some((id, next)) => Ok(Some((users::user(&state.db, id).await?, next))),
        None => Ok(None),
    }
}

/// The second step: the code for a pending sign-in, the authenticator's when the account has
/// one, else the one it was sent. The account, and where to go, once right; the pending sign-in
/// ends then. A lapsed or unknown token is a sign-in to start again.
pub async fn finish_pending(
    state: &AppState,
    client: std::net::IpAddr,
    token: &str,
    code: &str,
) -> AppResult<(User, Option<String>)> {
    if !state.logins.allow(client).await {
        return Err(AppError::new(ErrorKind::RateLimited));
    }
    let Some((user, next)) = pending(state, token).await? else {
        return Err(AppError::with(ErrorKind::Unauthenticated, "error-otp-lapsed"));
    };
    if is_on(state, user.id).await? {
        take_code(state, client, &user, code, Utc::now(), false).await?;
    } else {
        crate::step_up::take_code(state, &user, code).await?;
    }
    store::end_pending_sign_in(&state.db, &token_hash(token)).await?;
    Ok((user, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_of_the_enrolled_secret_are_checked_within_one_step_either_side() {
        let user = User {
            id: 7,
            username: Some("quantri".into()),
            full_name: "Quản trị".into(),
            id_number: None,
            phone: None,
            email: None,
            address: None,
            agency_code: None,
            roles: vec![],
            verified_by: None,
            organisations: vec![],
        };
        let secret = totp_rs::Secret::new_stack([7; 20]).to_base32();
        let t = totp(&secret, &user).unwrap();
        assert!(t.to_url().unwrap().starts_with("otpauth://totp/motcua:quantri?secret="));
        let now = 1_800_000_000;
        let code = t.generate(now).to_string();
        assert_eq!(t.check(&code, now), Some(now / 30));
        assert_eq!(t.check(&code, now + 30), Some(now / 30), "the next step still takes it");
        assert_eq!(t.check(&code, now + 90), None);
    }
}
