//! A second step after many failed sign-ins (issue 16, point 3), with no CAPTCHA. Delays per
//! address (`accounts::wait_after`) leave an attacker with many addresses three free
//! guesses at each; so once an account has had [`STEP_UP_FAILURES`] failures within
//! [`WINDOW`], summed over every address, a right password alone opens no session. A six-digit
//! code is sent to the account's e-mail (else by SMS to its phone) through the job queue, as
//! for Quên mật khẩu (`password_reset`): only its digest kept, good for ten minutes and
//! five wrong tries, at most one sent a minute. Only a right password sends one, so wrong
//! guesses cannot flood the owner; the right code finishes the sign-in and forgets the
//! account's failures. Nothing ever locks the owner out: an account with nowhere to send a code
//! keeps the per-address delays only, and one with two-factor authentication on has its
//! authenticator's code as the second step already.

use chrono::{DateTime, Utc};
use motcua_store::password_resets::{self, Purpose};
use motcua_store::users::{self, User};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::i18n::Lang;
use crate::password_reset::{code_digest, lifetime, send_job};
use crate::state::AppState;

/// Failed sign-ins to an account within [`WINDOW`], from all addresses together, from which a
/// right password needs a code as well.
pub const STEP_UP_FAILURES: i64 = 10;
/// How far back failures count; older ones are pruned daily (`jobs::alerts`).
pub const WINDOW: chrono::Duration = chrono::Duration::hours(24);

/// Whether `failures` within [`WINDOW`] put an account's sign-in under the second step.
pub fn needs_step_up(failures: i64) -> bool {
    failures >= STEP_UP_FAILURES
}

/// Where an account's code goes: its e-mail, else its phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SentTo {
    /// To this address, shown masked.
    Email(String),
    /// By SMS to this phone, shown masked.
    Phone(String),
}

impl SentTo {
    /// Where `user`'s code goes; `None` when the account has neither.
    pub fn of(user: &User) -> Option<SentTo> {
        match (&user.email, &user.phone) {
            (Some(e), _) => Some(SentTo::Email(e.clone())),
            (None, Some(p)) => Some(SentTo::Phone(p.clone())),
            (None, None) => None,
        }
    }

    fn channel(&self) -> &'static str {
        match self {
            SentTo::Email(_) => "email",
            SentTo::Phone(_) => "sms",
        }
    }

    /// Enough for the owner to recognise, too little to tell anyone else the address:
    /// `n***@example.vn`, `*******678`.
    pub fn masked(&self) -> String {
        match self {
            SentTo::Email(e) => match e.split_once('@') {
                Some((local, domain)) => {
                    format!("{}***@{domain}", local.chars().next().map(String::from).unwrap_or_default())
                }
                None => "***".to_string(),
            },
            SentTo::Phone(p) => {
                let shown = p.chars().count().saturating_sub(3);
                p.chars().enumerate().map(|(i, c)| if i < shown { '*' } else { c }).collect()
            }
        }
    }

    /// The message key saying a code was sent this way.
    pub fn sent_key(&self) -> &'static str {
        match self {
            SentTo::Email(_) => "error-step-up-email",
            SentTo::Phone(_) => "error-step-up-sms",
        }
    }
}

/// Whether a right password for `user` at `now` needs a sent code too: many recent failures,
/// and somewhere to send it.
pub(crate) async fn required(state: &AppState, user: &User, now: DateTime<Utc>) -> AppResult<bool> {
    if SentTo::of(user).is_none() {
        return Ok(false);
    }
    Ok(needs_step_up(users::recent_login_failures(&state.db, user.id, now - WINDOW).await?))
}

/// Sends `user` a code in `lang` after a right password, unless one went less than a minute ago
/// (that one still holds); where it goes. Errors with an internal error only.
pub async fn send_code(state: &AppState, user: &User, lang: Lang) -> AppResult<SentTo> {
    let to = SentTo::of(user).ok_or_else(|| AppError::internal("a step-up with nowhere to send the code"))?;
    let purpose = Purpose::SignIn;
    let job = |id| send_job(id, lang);
    let sent =
        password_resets::request(&state.db, user.id, purpose, to.channel(), lifetime(purpose), job, Utc::now()).await?;
    if sent.is_none() {
        tracing::info!(user = user.id, "a sign-in code was asked again within a minute: the last one holds");
    }
    Ok(to)
}

/// The error that tells the caller a code is on its way (the API's `otp_required`).
pub fn code_sent(to: &SentTo) -> AppError {
    AppError::with(ErrorKind::OtpRequired, to.sent_key())
}

/// Checks the code sent to `user`: wrong ones count against the code, which five spend; the
/// right one is taken once and forgets the account's failed sign-ins. Callers limit tries per
/// address as for passwords.
pub async fn take_code(state: &AppState, user: &User, code: &str) -> AppResult<()> {
    let now = Utc::now();
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let open = password_resets::open(&state.db, user.id, Purpose::SignIn, now).await?;
    let Some(open) = open else {
        return Err(AppError::with(ErrorKind::OtpInvalid, "error-step-up-wrong"));
    };
    if open.code_hash.as_deref() != Some(code_digest(open.id, &code).as_str()) {
        password_resets::wrong_code(&state.db, open.id).await?;
        return Err(AppError::with(ErrorKind::OtpInvalid, "error-step-up-wrong"));
    }
    match password_resets::use_for_sign_in(&state.db, open.id, user.id, now).await {
        Err(motcua_store::StoreError::Conflict(_)) => Err(AppError::with(ErrorKind::OtpInvalid, "error-step-up-wrong")),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_up_starts_at_ten_failures_summed_over_addresses() {
        assert!(!needs_step_up(0));
        assert!(!needs_step_up(STEP_UP_FAILURES - 1));
        assert!(needs_step_up(STEP_UP_FAILURES));
        // Twelve addresses with one failure each: each free on its own, together a step-up.
        let per_address = [1_i64; 12];
        assert!(per_address.iter().all(|&n| crate::accounts::wait_after(n).is_zero()));
        assert!(needs_step_up(per_address.iter().sum()));
    }

    #[test]
    fn where_a_code_went_is_shown_masked() {
        assert_eq!(SentTo::Email("nguyen.van.an@example.vn".into()).masked(), "n***@example.vn");
        assert_eq!(SentTo::Phone("0912345678".into()).masked(), "*******678");
    }
}
