//! Quên mật khẩu — setting a new password with a code sent to the account's phone (SMS) or
//! e-mail, whichever the person typed. Whether an account exists is never told: the answer to a
//! request is the same for any phone or address. The code is six digits, drawn by the job that
//! sends it, kept only as a digest, good for 15 minutes and five wrong tries; an account may ask
//! once a minute and five times a day (`motcua_store::password_resets`). Setting the password
//! ends every session of the account.
//!
//! The same job sends the codes that finish a sign-in after many failures (`step_up`), with
//! their own wording and lifetime.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use motcua_domain::identity::{Email as EmailAddress, PhoneNumber};
use motcua_store::jobs::{Job, NewJob};
use motcua_store::password_resets::{self, Purpose};
use motcua_store::users;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::jobs::mail::{Email, Mailer};
use crate::jobs::sms::SmsProvider;
use crate::jobs::worker::{Handlers, JobError};
use crate::passwords::{check_new_password, hash_password, token_hash, MIN_CHARS};
use crate::state::AppState;

/// The job kind that draws and sends a code.
pub const RESET_JOB: &str = "password_reset";
/// How long a code to set a password may be used.
const LIFETIME: chrono::Duration = chrono::Duration::minutes(15);
/// How long a code to finish a sign-in may be used: about as long as a mail takes to arrive and
/// be read, no longer.
pub const SIGN_IN_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// How long a code for `purpose` may be used.
pub(crate) fn lifetime(purpose: Purpose) -> chrono::Duration {
    match purpose {
        Purpose::Reset => LIFETIME,
        Purpose::SignIn => SIGN_IN_LIFETIME,
    }
}

/// The payload of a [`RESET_JOB`].
#[derive(Debug, Serialize, Deserialize)]
struct ResetJob {
    reset: i64,
    lang: String,
}

/// Where a code goes: the phone or the address typed, as stored.
enum Destination {
    Phone(String),
    Address(String),
}

fn destination(typed: &str) -> AppResult<Destination> {
    let typed = typed.trim();
    if let Ok(p) = PhoneNumber::parse(typed) {
        return Ok(Destination::Phone(p.as_str().to_string()));
    }
    if let Ok(e) = EmailAddress::parse(typed) {
        return Ok(Destination::Address(e.as_str().to_string()));
    }
    let code = if typed.is_empty() { "field-required" } else { "reset-field-contact" };
    Err(AppError::fields(BTreeMap::from([("contact".to_string(), code.to_string())])))
}

/// Asks for a code for the account of `typed` (a phone or an e-mail address): sent by the job
/// queue if such an account exists and may ask now; the same answer otherwise. Only a phone or
/// an address that is not one is refused (field `contact`).
pub async fn request(state: &AppState, typed: &str, lang: Lang) -> AppResult<()> {
    let to = destination(typed)?;
    let (name, channel) = match &to {
        Destination::Phone(p) => (p, "sms"),
        Destination::Address(e) => (e, "email"),
    };
    let Some(found) = users::find_for_login(&state.db, std::slice::from_ref(name)).await? else { return Ok(()) };
    // The account must hold that very phone or address: a user name that looks like one is not.
    let held = match &to {
        Destination::Phone(p) => found.user.phone.as_deref() == Some(p.as_str()),
        Destination::Address(e) => found.user.email.as_deref() == Some(e.as_str()),
    };
    if !held {
        return Ok(());
    }
    let asked = password_resets::request(
        &state.db,
        found.user.id,
        Purpose::Reset,
        channel,
        LIFETIME,
        |reset| send_job(reset, lang),
        Utc::now(),
    )
    .await?;
    if asked.is_none() {
        tracing::info!(user = found.user.id, "a password reset was asked again too soon");
    }
    Ok(())
}

/// Sets a new password with the code sent for the account of `typed`. A wrong or spent code is
/// the field `code`'s error, and counts against the request.
pub async fn reset(state: &AppState, typed: &str, code: &str, password: &str) -> AppResult<()> {
    let to = destination(typed)?;
    let name = match &to {
        Destination::Phone(p) | Destination::Address(p) => p,
    };
    let mut errors = BTreeMap::new();
    let code = code.trim();
    if code.is_empty() {
        errors.insert("code".to_string(), "field-required".to_string());
    }
    let found = users::find_for_login(&state.db, std::slice::from_ref(name)).await?;
    if let Some(f) = &found {
        let personal = [
            f.user.full_name.as_str(),
            f.user.phone.as_deref().unwrap_or(""),
            f.user.email.as_deref().unwrap_or(""),
            f.user.id_number.as_deref().unwrap_or(""),
        ];
        if let Err(weak) = check_new_password(password, MIN_CHARS, &personal) {
            errors.insert("password".to_string(), weak.message_key().to_string());
        }
    } else if let Err(weak) = check_new_password(password, MIN_CHARS, &[]) {
        errors.insert("password".to_string(), weak.message_key().to_string());
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let wrong = || AppError::fields(BTreeMap::from([("code".to_string(), "reset-code-wrong".to_string())]));
    let Some(found) = found else { return Err(wrong()) };
    let now = Utc::now();
    let Some(open) = password_resets::open(&state.db, found.user.id, Purpose::Reset, now).await? else {
        return Err(wrong());
    };
    if open.code_hash.as_deref() != Some(code_digest(open.id, code).as_str()) {
        password_resets::wrong_code(&state.db, open.id).await?;
        return Err(wrong());
    }
    let hash = hash_password(password.to_string()).await?;
    match password_resets::use_for_password(&state.db, open.id, found.user.id, &hash, now).await {
        Err(motcua_store::StoreError::Conflict(_)) => Err(wrong()),
        other => Ok(other?),
    }
}

/// The job that draws and sends request `reset`'s code in `lang`.
pub(crate) fn send_job(reset: i64, lang: Lang) -> NewJob {
    let payload = ResetJob { reset, lang: lang.tag().to_string() };
    NewJob::new(RESET_JOB, serde_json::to_value(payload).unwrap_or_default())
}

/// The stored form of request `id`'s code.
pub(crate) fn code_digest(id: i64, code: &str) -> String {
    token_hash(&format!("{id}:{code}"))
}

/// Six random digits: the codes sent to finish a registration, a sign-in or a reset.
pub(crate) fn draw_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000))
}

/// Draws the code of the job's request, keeps its digest and sends it.
async fn send(state: &AppState, mailer: &Mailer, sms: &dyn SmsProvider, job: &Job) -> Result<(), JobError> {
    let payload: ResetJob = job.payload_as().map_err(|e| JobError::permanent(format!("bad payload: {e}")))?;
    let lang = if payload.lang == "en" { Lang::En } else { Lang::Vi };
    let code = draw_code();
    let now = Utc::now();
    let Some(reset) = password_resets::set_code(&state.db, payload.reset, &code_digest(payload.reset, &code), now)
        .await
        .map_err(|e| JobError::retry(e.to_string()))?
    else {
        return Ok(()); // Used or expired meanwhile: nothing to send.
    };
    let user = users::user(&state.db, reset.user_id).await.map_err(|e| JobError::retry(e.to_string()))?;
    let minutes = lifetime(reset.purpose).num_minutes().to_string();
    let (subject, message) = match reset.purpose {
        Purpose::Reset => ("reset-subject", "reset-message"),
        Purpose::SignIn => ("step-up-subject", "step-up-message"),
    };
    let text =
        lang.t_args(message, &[("code", &code), ("minutes", &minutes), ("site", &state.catalog().portal_name(lang))]);
    match (reset.channel.as_str(), user.phone.as_deref(), user.email.as_deref()) {
        ("sms", Some(phone), _) => sms
            .send(phone, &text, &format!("reset-{}-{}", reset.id, job.attempts))
            .await
            .map_err(|e| if e.permanent { JobError::permanent(e.message) } else { JobError::retry(e.message) }),
        ("email", _, Some(address)) => {
            let email = Email::to_person(&user.full_name, address, lang.t(subject), text);
            mailer.send(&email, None).await.map_err(JobError::from)
        }
        _ => Err(JobError::permanent("the account no longer has that phone or address")),
    }
}

/// Adds the sending of codes to the worker's handlers.
pub fn register(handlers: Handlers, state: AppState, mailer: Mailer, sms: Arc<dyn SmsProvider>) -> Handlers {
    handlers.register(RESET_JOB, move |job| {
        let (state, mailer, sms) = (state.clone(), mailer.clone(), sms.clone());
        async move { send(&state, &mailer, sms.as_ref(), &job).await }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_six_digits_and_their_digest_names_the_request() {
        for _ in 0..100 {
            let code = super::draw_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
        assert_ne!(super::code_digest(1, "123456"), super::code_digest(2, "123456"));
        assert_eq!(super::code_digest(1, "123456"), super::code_digest(1, "123456"));
    }
}
