//! Applying: online by a citizen (the portal and the API) or in person at the desk, checked in
//! full before anything is stored.

use std::collections::BTreeMap;

use chrono::Utc;
use motcua_domain::dossier::{Action, AttachmentPurpose, Channel, Role, Status};
use motcua_domain::form::{validate_answers, FieldError};
use motcua_domain::history::Fact;
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, Applicant, By, Dossier, NewAttachment, NewDossier};
use motcua_store::users::User;
use serde_json::{Map, Value};

use crate::attachments::discard;
use crate::attachments::store_uploads;
use crate::citizen_store::with_store_picks;
use crate::dossiers::act::{act_recording, ActCommand};
use crate::dossiers::view::DossierView;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::lifecycle::may_receive_for;
use crate::state::AppState;
use crate::uploads::Upload;

pub(crate) fn field_error_key(e: FieldError) -> &'static str {
    match e {
        FieldError::Required => "field-required",
        FieldError::TooLong => "field-too-long",
        FieldError::NotANumber => "field-not-number",
        FieldError::NotADate => "field-not-date",
        FieldError::NotAnOption => "field-not-option",
        FieldError::NotAnEmail => "field-not-email",
        FieldError::NotAPhone => "field-not-phone",
        FieldError::NotABoolean => "field-not-boolean",
        FieldError::Unknown => "field-unknown",
    }
}

/// Checks uploaded files against the procedure's documents: every required one present, each
/// of an accepted type, no unknown part. Returns per-field message keys.
fn check_documents(p: &Procedure, files: &[Upload], errors: &mut BTreeMap<String, String>) {
    for doc in &p.documents {
        let count = files.iter().filter(|f| f.part == doc.key).count();
        if doc.required && count == 0 {
            errors.insert(doc.key.clone(), "document-required".into());
        }
    }
    for f in files {
        if !p.documents.iter().any(|d| d.key == f.part) {
            errors.insert(f.part.clone(), "document-unknown".into());
        } else if !crate::uploads::ACCEPTED_TYPES.contains(&f.content_type.as_str()) {
            errors.insert(f.part.clone(), "document-type".into());
        }
    }
}

/// Checks a submission without storing anything: the answers normalised, or every problem.
pub fn check_submission(
    p: &Procedure,
    answers: &Map<String, Value>,
    files: &[Upload],
) -> Result<Map<String, Value>, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let data = match validate_answers(&p.form, answers) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.into_iter().map(|(k, v)| (k, field_error_key(v).to_string())));
            None
        }
    };
    check_documents(p, files, &mut errors);
    match data {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(errors),
    }
}

/// Checks an application and stores its files durably: the procedure, the normalised answers
/// and the files ready to record. Nothing is stored when anything is wrong.
pub async fn prepare_submission(
    state: &AppState,
    user: &User,
    procedure_code: &str,
    answers: &Map<String, Value>,
    files: &[Upload],
) -> AppResult<(Procedure, Map<String, Value>, Vec<NewAttachment>)> {
    let p = online_procedure(state, user, procedure_code)?;
    let data = check_submission(&p, answers, files).map_err(AppError::fields)?;
    let attachments = store_uploads(state, files, AttachmentPurpose::Document, false).await?;
    Ok((p, data, attachments))
}

/// The procedure a user applies for online: only citizens apply, and only for a procedure of
/// the catalog that is offered online.
fn online_procedure(state: &AppState, user: &User, procedure_code: &str) -> AppResult<Procedure> {
    if !user.has(Role::Citizen) {
        return Err(AppError::with(ErrorKind::Forbidden, "error-citizens-only"));
    }
    let catalog = state.catalog();
    let p =
        catalog.get(procedure_code).ok_or_else(|| AppError::with(ErrorKind::NotFound, "error-unknown-procedure"))?;
    if !p.level.is_online() {
        return Err(AppError::with(ErrorKind::Conflict, "error-not-online"));
    }
    Ok(p.clone())
}

/// Records a checked application as a dossier in one transaction; acknowledged only once both
/// its files and its rows are durable. `as_organisation`: the organisation the citizen files
/// for, one they represent.
pub async fn record_submission(
    state: &AppState,
    user: &User,
    p: &Procedure,
    data: Map<String, Value>,
    attachments: Vec<NewAttachment>,
    as_organisation: Option<i64>,
) -> AppResult<Dossier> {
    let applicant = match applicant_for(state, user, as_organisation).await {
        Ok(a) => a,
        Err(e) => {
            discard(state, &attachments).await;
            return Err(e);
        }
    };
    record(state, by_user(user), Some(user.id), applicant, Channel::Online.into(), p, data, attachments).await
}

/// The applicant a citizen files as: themself, or a verified organisation they represent (its
/// name, tax code and address; its phone and e-mail, or else the representative's). Any other
/// organisation is a validation error on `organisation`.
pub async fn applicant_for(state: &AppState, user: &User, as_organisation: Option<i64>) -> AppResult<Applicant> {
    // What the account was verified with when it applied (Decision 766, indicator of accounts
    // verified with VNeID).
    let verified_by = user.verified_by.clone();
    let Some(id) = as_organisation else {
        return Ok(Applicant {
            full_name: user.full_name.clone(),
            id_number: user.id_number.clone(),
            phone: user.phone.clone().unwrap_or_default(),
            email: user.email.clone(),
            address: user.address.clone(),
            verified_by,
            organisation_id: None,
        });
    };
    let not_represented =
        || AppError::fields([("organisation".to_string(), "organisation-not-represented".to_string())].into());
    if !user.organisations.contains(&id) {
        return Err(not_represented());
    }
    let org = match motcua_store::organisations::get(&state.db, id).await {
        Err(motcua_store::StoreError::NotFound) => return Err(not_represented()),
        other => other?,
    };
    Ok(Applicant {
        full_name: org.name,
        id_number: Some(org.tax_code),
        phone: org.phone.or_else(|| user.phone.clone()).unwrap_or_default(),
        email: org.email.or_else(|| user.email.clone()),
        address: Some(org.address),
        verified_by,
        organisation_id: Some(org.id),
    })
}

/// How a dossier arrives: its channel and, from the national portal, the portal's code and the
/// time its fee was paid there.
#[derive(Clone, Debug)]
pub(crate) struct Origin {
    /// The channel.
    pub channel: Channel,
    /// The national portal's code of the dossier (MaHoSo).
    pub external_code: Option<String>,
    /// When the fee was paid before the dossier arrived.
    pub fee_paid_at: Option<chrono::DateTime<Utc>>,
    /// The idempotency key the request came with, which the dossier is recorded on.
    pub idempotency: Option<motcua_store::idempotency::Key>,
}

impl From<Channel> for Origin {
    fn from(channel: Channel) -> Origin {
        Origin { channel, external_code: None, fee_paid_at: None, idempotency: None }
    }
}

/// Stores a checked dossier with its first event; the stored files are removed again when it
/// cannot be stored.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    state: &AppState,
    by: By,
    applicant_user_id: Option<i64>,
    applicant: Applicant,
    origin: Origin,
    p: &Procedure,
    data: Map<String, Value>,
    attachments: Vec<NewAttachment>,
) -> AppResult<Dossier> {
    let fee_vnd = motcua_domain::fee::quote(&p.fee, &data).total_vnd;
    let channel = origin.channel;
    let new = NewDossier {
        procedure_version_id: p.version_id,
        procedure_code: p.code.clone(),
        lead_agency: p.agency.code.clone(),
        applicant_user_id,
        applicant,
        channel,
        data,
        fee_vnd,
        waiting: Some((Role::Reception, p.agency.code.clone())),
        attachments,
        // In person, the reception that follows at once is the news.
        follow_ups: if channel.is_online() {
            crate::jobs::notify::follow_ups(Status::Submitted, crate::jobs::notify::Notice::Status)
        } else {
            Default::default()
        },
        external_code: origin.external_code,
        fee_paid_at: origin.fee_paid_at.filter(|_| fee_vnd > 0),
    };
    let key = origin.idempotency.as_ref();
    match dossiers::submit_keyed(&state.db, &state.config.code_pattern, &new, &by, Utc::now(), key).await {
        Ok(d) => Ok(d),
        Err(e) => {
            discard(state, &new.attachments).await;
            Err(e.into())
        }
    }
}

fn by_user(user: &User) -> By {
    By { user_id: Some(user.id), name: user.full_name.clone() }
}

/// The applicant of an in-person application as the desk officer typed it.
#[derive(Clone, Debug, Default)]
pub struct CounterApplicant {
    /// Name of the person or organisation.
    pub full_name: String,
    /// Citizen identity number, or an organisation's tax code (optional).
    pub id_number: String,
    /// Phone.
    pub phone: String,
    /// E-mail (optional).
    pub email: String,
    /// Address.
    pub address: String,
}

impl CounterApplicant {
    /// Validated applicant, or per-field message keys (`applicant_<field>`).
    pub fn check(&self) -> Result<Applicant, BTreeMap<String, String>> {
        use motcua_domain::identity::{ApplicantId, Email, FullName, PhoneNumber};
        let mut errors = BTreeMap::new();
        let name = FullName::parse(&self.full_name)
            .map_err(|_| errors.insert("applicant_full_name".into(), "field-required".into()))
            .ok();
        let phone = PhoneNumber::parse(&self.phone)
            .map_err(|_| errors.insert("applicant_phone".into(), "field-not-phone".into()))
            .ok();
        let id = match self.id_number.trim() {
            "" => None,
            raw => ApplicantId::parse(raw)
                .map_err(|_| errors.insert("applicant_id_number".into(), "field-not-applicant-id".into()))
                .ok(),
        };
        let email = match self.email.trim() {
            "" => None,
            raw => {
                Email::parse(raw).map_err(|_| errors.insert("applicant_email".into(), "field-not-email".into())).ok()
            }
        };
        if self.address.chars().count() > 500 {
            errors.insert("applicant_address".into(), "field-too-long".into());
        }
        match (name, phone) {
            (Some(n), Some(p)) if errors.is_empty() => Ok(Applicant {
                full_name: n.as_str().into(),
                id_number: id.map(|i| i.as_str().to_string()),
                phone: p.as_str().into(),
                email: email.map(|e| e.as_str().to_string()),
                address: Some(self.address.trim().to_string()).filter(|a| !a.is_empty()),
                verified_by: None,
                organisation_id: None,
            }),
            _ => Err(errors),
        }
    }
}

/// Who a dossier made for someone at the desk or on the national portal belongs to here, so
/// that it appears in their account: the citizen account holding its identity number (the
/// account returned), or the verified organisation holding its tax code (set on the applicant).
pub(crate) async fn owner_of(state: &AppState, applicant: &mut Applicant) -> AppResult<Option<i64>> {
    let Some(id) = applicant.id_number.clone() else {
        return Ok(None);
    };
    if let Some(org) = motcua_store::organisations::verified_by_tax_code(&state.db, &id).await? {
        applicant.organisation_id = Some(org.id);
        return Ok(None);
    }
    Ok(motcua_store::users::find_for_login(&state.db, std::slice::from_ref(&id))
        .await?
        .filter(|c| c.user.has(Role::Citizen) && c.user.id_number.as_deref() == Some(id.as_str()))
        .map(|c| c.user.id))
}

/// The desk records an in-person application (tiếp nhận trực tiếp): the documents it scanned
/// are marked digitized, the dossier is received at once and the clock starts. When the
/// applicant has a citizen account (same identity number), the dossier appears in it.
pub async fn receive_at_counter(
    state: &AppState,
    officer: &User,
    procedure_code: &str,
    applicant: &CounterApplicant,
    answers: &Map<String, Value>,
    files: &[Upload],
) -> AppResult<DossierView> {
    let catalog = state.catalog();
    let p = catalog
        .get(procedure_code)
        .ok_or_else(|| AppError::with(ErrorKind::NotFound, "error-unknown-procedure"))?
        .clone();
    if !may_receive_for(state, officer, &p.agency.code) {
        return Err(AppError::not_found());
    }
    let mut errors = BTreeMap::new();
    let checked_applicant = applicant.check().map_err(|e| errors.extend(e)).ok();
    let data = check_submission(&p, answers, files).map_err(|e| errors.extend(e)).ok();
    let (Some(mut checked_applicant), Some(data)) = (checked_applicant, data) else {
        return Err(AppError::fields(errors));
    };
    let account = owner_of(state, &mut checked_applicant).await?;
    let attachments = store_uploads(state, files, AttachmentPurpose::Document, true).await?;
    let d =
        record(state, by_user(officer), account, checked_applicant, Channel::InPerson.into(), &p, data, attachments)
            .await?;
    act_recording(state, officer, &d.code, ActCommand::new(Action::Receive), Some(Fact::AtDesk)).await
}

/// An application sent online in one request (the API).
#[derive(Default)]
pub struct OnlineApplication {
    /// The procedure applied for.
    pub procedure_code: String,
    /// The form's answers.
    pub answers: Map<String, Value>,
    /// The documents uploaded.
    pub files: Vec<Upload>,
    /// Documents picked from the applicant's store instead, as `(document key, attachment id)`.
    pub picks: Vec<(String, String)>,
    /// The organisation applied for in the name of, when the applicant represents one.
    pub as_organisation: Option<i64>,
    /// The request's idempotency key, which the dossier is recorded on.
    pub idempotency: Option<motcua_store::idempotency::Key>,
}

/// A citizen applies online in one step (the API).
pub async fn submit_dossier(state: &AppState, user: &User, application: OnlineApplication) -> AppResult<Dossier> {
    let OnlineApplication { procedure_code, answers, files, picks, as_organisation, idempotency } = application;
    let (procedure_code, answers, picks) = (procedure_code.as_str(), &answers, picks.as_slice());
    let p = online_procedure(state, user, procedure_code)?;
    let applicant = applicant_for(state, user, as_organisation).await?;
    let documents = with_store_picks(state, user, &p, files, picks).await?;
    if !documents.refused.is_empty() {
        // Every problem at once: the answers' and the other documents' with the refused picks.
        let mut fields = check_submission(&p, answers, &documents.files).err().unwrap_or_default();
        fields.extend(documents.refused);
        return Err(AppError::fields(fields));
    }
    let (p, data, attachments) = prepare_submission(state, user, procedure_code, answers, &documents.files).await?;
    let origin = Origin { idempotency, ..Channel::Online.into() };
    record(state, by_user(user), Some(user.id), applicant, origin, &p, data, attachments).await
}
