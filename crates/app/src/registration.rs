//! Đăng ký tài khoản — a citizen registers, and the account is created only once the code sent
//! to the phone and e-mail they typed comes back (15 minutes, five wrong codes, sent again at
//! most once a minute).
//!
//! No oracle: a registration is answered the same, down to the password hashing it waits for,
//! whether or not its phone, e-mail or identity number already has an account, so it cannot be
//! used to learn who has one. For taken details no working code is ever made; the job warns the
//! account's owner on the phone and e-mail on record instead.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use motcua_domain::dossier::Role;
use motcua_domain::identity::{CitizenId, Email as EmailAddress, FullName, PhoneNumber};
use motcua_store::jobs::{Job, NewJob};
use motcua_store::registrations::{self, NewPending, Pending};
use motcua_store::users::{self, NewUser, User};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, ErrorKind};
use crate::i18n::Lang;
use crate::jobs::mail::{Email, Mailer};
use crate::jobs::sms::SmsProvider;
use crate::jobs::worker::{Handlers, JobError};
use crate::password_reset::draw_code;
use crate::passwords::{check_new_password, hash_password, random_token, token_hash, verify_password, MIN_CHARS};
use crate::state::AppState;

/// The job kind that sends a registration's code, or warns the owner of its details.
pub const REGISTRATION_JOB: &str = "registration_code";
/// How long a code may be used.
pub const LIFETIME: chrono::Duration = chrono::Duration::minutes(15);
/// The least time between two messages of one registration.
pub const SEND_AGAIN_AFTER: chrono::Duration = chrono::Duration::seconds(60);

/// The registration form as typed.
#[derive(Clone, Debug, Default)]
pub struct RegistrationForm {
    /// Full name.
    pub full_name: String,
    /// Citizen identity number.
    pub id_number: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// The form's details parsed and normalised as accounts store them, or per-field message keys.
fn check(f: &RegistrationForm) -> Result<NewPending, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let name =
        FullName::parse(&f.full_name).map_err(|_| errors.insert("full_name".into(), "field-required".into())).ok();
    let id = CitizenId::parse(&f.id_number)
        .map_err(|_| errors.insert("id_number".into(), "field-not-citizen-id".into()))
        .ok();
    let phone = PhoneNumber::parse(&f.phone).map_err(|_| errors.insert("phone".into(), "field-not-phone".into())).ok();
    let email = EmailAddress::parse(&f.email).map_err(|_| errors.insert("email".into(), "field-not-email".into())).ok();
    let personal = [f.full_name.as_str(), f.id_number.as_str(), f.phone.as_str(), f.email.as_str()];
    if let Err(weak) = check_new_password(&f.password, MIN_CHARS, &personal) {
        errors.insert("password".into(), weak.message_key().into());
    }
    match (name, id, phone, email) {
        (Some(n), Some(i), Some(p), Some(e)) if errors.is_empty() => Ok(NewPending {
            full_name: n.as_str().into(),
            id_number: i.as_str().into(),
            phone: p.as_str().into(),
            email: e.as_str().into(),
            ..NewPending::default()
        }),
        _ => Err(errors),
    }
}

/// The payload of a [`REGISTRATION_JOB`].
#[derive(Debug, Serialize, Deserialize)]
struct RegistrationJob {
    registration: i64,
    lang: String,
}

fn job(lang: Lang) -> impl FnOnce(i64) -> NewJob {
    move |registration| {
        let payload = RegistrationJob { registration, lang: lang.tag().to_string() };
        NewJob::new(REGISTRATION_JOB, serde_json::to_value(payload).unwrap_or_default())
    }
}

/// Starts a registration from `client`: the fields are checked (each problem named by field),
/// the password hashed, and the registration stored with the job that sends its code. Taken
/// details change nothing here. The handle the browser keeps to finish it.
pub async fn begin(
    state: &AppState,
    client: std::net::IpAddr,
    form: &RegistrationForm,
    lang: Lang,
) -> AppResult<String> {
    if !state.registrations.allow(client).await {
        return Err(AppError::new(ErrorKind::RateLimited));
    }
    let mut new = check(form).map_err(AppError::fields)?;
    new.password_hash = hash_password(form.password.clone()).await?;
    let token = random_token();
    new.token_hash = token_hash(&token);
    registrations::begin(&state.db, &new, LIFETIME, job(lang), Utc::now()).await?;
    Ok(token)
}

/// A registration waiting for its code, as its page shows it.
#[derive(Clone, Debug)]
pub struct Waiting {
    /// The phone the code went to, mostly hidden.
    pub phone: String,
    /// The address the code went to, mostly hidden.
    pub email: String,
}

/// The open registration of the browser handle `token`.
pub async fn waiting(state: &AppState, token: &str) -> AppResult<Option<Waiting>> {
    let Some(p) = by_token(state, token, Utc::now()).await? else { return Ok(None) };
    Ok(Some(Waiting { phone: shown_phone(&p.phone), email: shown_email(&p.email) }))
}

async fn by_token(state: &AppState, token: &str, now: DateTime<Utc>) -> AppResult<Option<Pending>> {
    if token.len() != 64 {
        return Ok(None);
    }
    Ok(registrations::open_by_token(&state.db, &token_hash(token), now).await?)
}

/// Sends the code of the browser's registration again, with a new code; false when asked within
/// a minute of the last message or when the registration is over.
pub async fn send_again(state: &AppState, client: std::net::IpAddr, token: &str, lang: Lang) -> AppResult<bool> {
    if !state.registrations.allow(client).await {
        return Err(AppError::new(ErrorKind::RateLimited));
    }
    let now = Utc::now();
    let Some(p) = by_token(state, token, now).await? else { return Ok(false) };
    Ok(registrations::send_again(&state.db, p.id, LIFETIME, SEND_AGAIN_AFTER, job(lang), now).await?)
}

/// Finishes the browser's registration with `code`: the account, created.
pub async fn finish_in_browser(state: &AppState, token: &str, code: &str) -> AppResult<User> {
    let pending = by_token(state, token, Utc::now()).await?;
    finish(state, pending, code, None).await
}

/// Finishes the registration of these very details with `code` (the API sends the form again
/// with the code): the fields are checked as at the start, and the password must be the one
/// the registration began with.
pub async fn finish_with_form(state: &AppState, form: &RegistrationForm, code: &str) -> AppResult<User> {
    let details = check(form).map_err(AppError::fields)?;
    let pending =
        registrations::open_by_details(&state.db, &details.id_number, &details.phone, &details.email, Utc::now())
            .await?;
    finish(state, pending, code, Some(&form.password)).await
}

/// The field error of a code that does not finish a registration, whatever the reason.
fn wrong_code() -> AppError {
    AppError::fields(BTreeMap::from([("code".to_string(), "register-code-wrong".to_string())]))
}

async fn finish(state: &AppState, pending: Option<Pending>, code: &str, password: Option<&str>) -> AppResult<User> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.is_empty() {
        return Err(AppError::fields(BTreeMap::from([("code".to_string(), "field-required".to_string())])));
    }
    let Some(p) = pending else { return Err(wrong_code()) };
    // Taken details have no digest: every code is wrong, and counted as one.
    if p.code_hash.as_deref() != Some(code_digest(p.id, &code).as_str()) {
        registrations::wrong_code(&state.db, p.id).await?;
        return Err(wrong_code());
    }
    if let Some(password) = password {
        if password.len() > 1024 || !verify_password(p.password_hash.clone(), password.to_string()).await {
            registrations::wrong_code(&state.db, p.id).await?;
            return Err(wrong_code());
        }
    }
    let new = NewUser {
        full_name: p.full_name,
        id_number: Some(p.id_number),
        phone: Some(p.phone),
        email: Some(p.email),
        password_hash: p.password_hash,
        roles: vec![Role::Citizen],
        ..NewUser::default()
    };
    match registrations::finish(&state.db, p.id, &new, Utc::now()).await {
        Ok(id) => Ok(users::user(&state.db, id).await?),
        // Used meanwhile, or its details taken since: answered as any other code that fails.
        Err(motcua_store::StoreError::Conflict(_)) => Err(wrong_code()),
        Err(e) => Err(e.into()),
    }
}

/// `0912345678` as `09…78`: enough for the person to recognise, not to read over a shoulder.
fn shown_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    if digits.len() < 6 {
        return "…".into();
    }
    let head: String = digits[..2].iter().collect();
    let tail: String = digits[digits.len() - 2..].iter().collect();
    format!("{head}…{tail}")
}

/// `an@example.vn` as `a…@example.vn`.
fn shown_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}…@{domain}", local.chars().next().unwrap_or('…')),
        None => "…".into(),
    }
}

/// The stored form of registration `id`'s code.
fn code_digest(id: i64, code: &str) -> String {
    token_hash(&format!("registration-{id}:{code}"))
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::retry(e.to_string())
}

/// Sends `text` by SMS and by e-mail to whichever of `phone` and `email` there is.
async fn tell(
    mailer: &Mailer,
    sms: &dyn SmsProvider,
    (name, phone, email): (&str, Option<&str>, Option<&str>),
    subject: String,
    text: String,
    id: &str,
) -> Result<(), JobError> {
    if let Some(phone) = phone.filter(|p| !p.is_empty()) {
        sms.send(phone, &text, id).await.map_err(JobError::from)?;
    }
    if let Some(address) = email.filter(|e| !e.is_empty()) {
        mailer.send(&Email::to_person(name, address, subject, text), None).await.map_err(JobError::from)?;
    }
    Ok(())
}

/// Sends the job's registration its code, or, when its details belong to an account, warns that
/// account's owner (once per registration) and makes no code.
async fn send(state: &AppState, mailer: &Mailer, sms: &dyn SmsProvider, job: &Job) -> Result<(), JobError> {
    let payload: RegistrationJob = job.payload_as().map_err(|e| JobError::permanent(format!("bad payload: {e}")))?;
    let lang = if payload.lang == "en" { Lang::En } else { Lang::Vi };
    let now = Utc::now();
    let Some(p) = registrations::open(&state.db, payload.registration, now).await.map_err(retry)? else {
        return Ok(()); // Finished or over meanwhile: nothing to send.
    };
    let owners = users::holding(&state.db, &p.phone, &p.email, &p.id_number).await.map_err(retry)?;
    let id = format!("register-{}-{}", p.id, job.attempts);
    if owners.is_empty() {
        let code = draw_code();
        if !registrations::set_code(&state.db, p.id, &code_digest(p.id, &code), now).await.map_err(retry)? {
            return Ok(());
        }
        let minutes = LIFETIME.num_minutes().to_string();
        let site = state.catalog().portal_name(lang);
        let text = lang.t_args("register-code-message", &[("code", &code), ("minutes", &minutes), ("site", &site)]);
        let to = (p.full_name.as_str(), Some(p.phone.as_str()), Some(p.email.as_str()));
        return tell(mailer, sms, to, lang.t("register-code-subject"), text, &id).await;
    }
    if p.owner_warned {
        return Ok(());
    }
    // The owner's language is not known; the portal's first language is theirs most likely.
    let owner_lang = Lang::Vi;
    let site = state.catalog().portal_name(owner_lang);
    let reset = format!("{}/quen-mat-khau", state.config.public_url.trim_end_matches('/'));
    let text = owner_lang.t_args("register-taken-message", &[("site", &site), ("reset", &reset)]);
    for (i, owner) in owners.iter().enumerate() {
        let to = (owner.full_name.as_str(), owner.phone.as_deref(), owner.email.as_deref());
        let subject = owner_lang.t("register-taken-subject");
        tell(mailer, sms, to, subject, text.clone(), &format!("{id}-{i}")).await?;
    }
    registrations::owner_warned(&state.db, p.id).await.map_err(retry)
}

/// Adds the sending of registration codes and warnings to the worker's handlers.
pub fn register(handlers: Handlers, state: AppState, mailer: Mailer, sms: Arc<dyn SmsProvider>) -> Handlers {
    handlers.register(REGISTRATION_JOB, move |job| {
        let (state, mailer, sms) = (state.clone(), mailer.clone(), sms.clone());
        async move { send(&state, &mailer, sms.as_ref(), &job).await }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_shown_mostly_hidden() {
        assert_eq!(shown_phone("0912345678"), "09…78");
        assert_eq!(shown_email("an@example.vn"), "a…@example.vn");
    }

    #[test]
    fn codes_are_six_digits_and_their_digest_names_the_registration() {
        for _ in 0..100 {
            let code = draw_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
        assert_ne!(code_digest(1, "123456"), code_digest(2, "123456"));
    }

    #[test]
    fn every_field_is_checked_at_once() {
        let form = RegistrationForm { password: "1".into(), ..RegistrationForm::default() };
        let errors = check(&form).unwrap_err();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["email", "full_name", "id_number", "password", "phone"]);
    }
}
