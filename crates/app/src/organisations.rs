//! Organisations applying through their representatives ([`motcua_domain::organisation`]): a
//! citizen registers a business or organisation by its tax code, an administrator verifies it,
//! and its legal representative names and removes the others. Each representative then applies
//! in its name (see [`crate::dossiers::submit::applicant_for`]) and follows all its dossiers.

use std::collections::BTreeMap;

use chrono::Utc;
use motcua_domain::dossier::Role;
use motcua_domain::identity::{CitizenId, Email, PhoneNumber, TaxCode};
use motcua_domain::organisation::{may_add, may_remove, RepresentationError, RepresentativeKind};
use motcua_store::organisations::{self, NewOrganisation, Organisation, Representative};
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;

/// An organisation's registration as typed.
#[derive(Clone, Debug, Default)]
pub struct Registration {
    /// Tax code (mã số thuế): 10 digits, or 13 for a branch.
    pub tax_code: String,
    /// Name as on the business registration.
    pub name: String,
    /// Head office address.
    pub address: String,
    /// Phone (optional).
    pub phone: String,
    /// E-mail (optional).
    pub email: String,
    /// The registering person's position in it (optional).
    pub title: String,
}

/// Longest name, address and title kept.
const MAX_NAME: usize = 300;
const MAX_ADDRESS: usize = 500;
const MAX_TITLE: usize = 100;

/// A required text of at most `max` characters, or its error key into `errors`.
fn required_text(raw: &str, max: usize, field: &str, errors: &mut BTreeMap<String, String>) -> String {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        errors.insert(field.into(), "field-required".into());
    } else if text.chars().count() > max {
        errors.insert(field.into(), "field-too-long".into());
    }
    text
}

impl Registration {
    /// The checked registration, or every problem at once (keys are the field names).
    fn check(&self) -> Result<NewOrganisation, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let tax_code = TaxCode::parse(&self.tax_code)
            .map_err(|_| errors.insert("tax_code".into(), "field-not-tax-code".into()))
            .ok();
        let name = required_text(&self.name, MAX_NAME, "name", &mut errors);
        let address = required_text(&self.address, MAX_ADDRESS, "address", &mut errors);
        let phone = match self.phone.trim() {
            "" => None,
            raw => PhoneNumber::parse(raw).map_err(|_| errors.insert("phone".into(), "field-not-phone".into())).ok(),
        };
        let email = match self.email.trim() {
            "" => None,
            raw => Email::parse(raw).map_err(|_| errors.insert("email".into(), "field-not-email".into())).ok(),
        };
        let title = self.title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.chars().count() > MAX_TITLE {
            errors.insert("title".into(), "field-too-long".into());
        }
        match tax_code {
            Some(t) if errors.is_empty() => Ok(NewOrganisation {
                tax_code: t.as_str().to_string(),
                name,
                address,
                phone: phone.map(|p| p.as_str().to_string()),
                email: email.map(|e| e.as_str().to_string()),
                title: Some(title).filter(|t| !t.is_empty()),
            }),
            _ => Err(errors),
        }
    }
}

fn citizen_only(user: &User) -> AppResult<()> {
    if user.has(Role::Citizen) {
        Ok(())
    } else {
        Err(AppError::with(ErrorKind::Forbidden, "error-citizens-only"))
    }
}

/// A citizen registers an organisation and becomes its legal representative; it waits for an
/// administrator. A tax code registered by someone else (and not refused) is an error on
/// `tax_code`.
pub async fn register(state: &AppState, user: &User, form: &Registration) -> AppResult<Organisation> {
    citizen_only(user)?;
    let new = form.check().map_err(AppError::fields)?;
    match organisations::register(&state.db, &new, user.id, Utc::now()).await {
        Err(StoreError::Conflict(_)) => {
            Err(AppError::fields([("tax_code".to_string(), "organisation-tax-code-taken".to_string())].into()))
        }
        other => Ok(other?),
    }
}

/// The organisations a citizen represents, or registered, with how.
pub async fn mine(state: &AppState, user: &User) -> AppResult<Vec<(Organisation, RepresentativeKind)>> {
    Ok(organisations::of_user(&state.db, user.id).await?)
}

/// An organisation as one of its representatives (or an administrator) sees it.
#[derive(Clone, Debug)]
pub struct OrganisationView {
    /// The organisation.
    pub organisation: Organisation,
    /// Its representatives, legal ones first.
    pub representatives: Vec<Representative>,
    /// How the viewer represents it; `None` for an administrator.
    pub viewer: Option<RepresentativeKind>,
}

impl OrganisationView {
    /// Whether the viewer names and removes representatives now.
    pub fn may_manage(&self) -> bool {
        may_add(self.organisation.status, self.viewer, None).is_ok()
    }

    /// How a person represents it, if they do.
    fn kind_of(&self, user_id: i64) -> Option<RepresentativeKind> {
        self.representatives.iter().find(|r| r.user_id == user_id).map(|r| r.kind)
    }
}

/// An organisation, for its representatives and administrators; 404 for anyone else.
pub async fn view(state: &AppState, user: &User, id: i64) -> AppResult<OrganisationView> {
    let organisation = match organisations::get(&state.db, id).await {
        Err(StoreError::NotFound) => return Err(AppError::not_found()),
        other => other?,
    };
    let representatives = organisations::representatives(&state.db, id).await?;
    let viewer = representatives.iter().find(|r| r.user_id == user.id).map(|r| r.kind);
    if viewer.is_none() && !user.has(Role::Admin) {
        return Err(AppError::not_found());
    }
    Ok(OrganisationView { organisation, representatives, viewer })
}

fn refused(e: RepresentationError) -> AppError {
    match e {
        RepresentationError::NotManager => AppError::with(ErrorKind::Forbidden, "organisation-not-manager"),
        RepresentationError::NotVerified => AppError::with(ErrorKind::Conflict, "organisation-not-verified"),
        RepresentationError::AlreadyRepresentative => {
            AppError::fields([("id_number".to_string(), "organisation-already-representative".to_string())].into())
        }
        RepresentationError::LastLegal => AppError::with(ErrorKind::Conflict, "organisation-last-legal"),
        RepresentationError::NotRepresentative => AppError::not_found(),
    }
}

/// A legal representative names a person, by the citizen identity number of their account, as
/// a representative of `kind` (`legal` or `authorised`) with an optional position.
pub async fn add_representative(
    state: &AppState,
    user: &User,
    id: i64,
    id_number: &str,
    kind: &str,
    title: &str,
) -> AppResult<()> {
    let v = view(state, user, id).await?;
    let mut errors = BTreeMap::new();
    let person =
        CitizenId::parse(id_number).map_err(|_| errors.insert("id_number".into(), "field-not-citizen-id".into())).ok();
    let kind = RepresentativeKind::parse(kind.trim());
    if kind.is_none() {
        errors.insert("kind".into(), "field-not-option".into());
    }
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.chars().count() > MAX_TITLE {
        errors.insert("title".into(), "field-too-long".into());
    }
    // Whether the viewer may add anyone at all comes first: a stranger to the organisation
    // learns nothing of who has an account.
    may_add(v.organisation.status, v.viewer, None).map_err(refused)?;
    let (Some(person), Some(kind)) = (person, kind) else {
        return Err(AppError::fields(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let account = motcua_store::identity::user_by_id_number(&state.db, person.as_str())
        .await?
        .filter(|u| u.has(Role::Citizen))
        .ok_or_else(|| {
            AppError::fields([("id_number".to_string(), "organisation-person-unknown".to_string())].into())
        })?;
    may_add(v.organisation.status, v.viewer, v.kind_of(account.id)).map_err(refused)?;
    let title = Some(title.as_str()).filter(|t| !t.is_empty());
    match organisations::add_representative(&state.db, id, account.id, kind, title, user.id, Utc::now()).await {
        Err(StoreError::Conflict(_)) => Err(refused(RepresentationError::AlreadyRepresentative)),
        other => Ok(other?),
    }
}

/// A legal representative removes a representative, or a representative leaves; never the last
/// legal representative. The person no longer sees the organisation's dossiers.
pub async fn remove_representative(state: &AppState, user: &User, id: i64, person: i64) -> AppResult<()> {
    let v = view(state, user, id).await?;
    let legal = v.representatives.iter().filter(|r| r.kind == RepresentativeKind::Legal).count();
    may_remove(v.viewer, person == user.id, v.kind_of(person), legal).map_err(refused)?;
    match organisations::remove_representative(&state.db, id, person).await {
        Err(StoreError::NotFound) => Err(AppError::not_found()),
        other => Ok(other?),
    }
}

/// The verified organisation with this tax code that the citizen represents: whom they file a
/// dossier for; an error on `organisation` for any other.
pub async fn represented_by_tax_code(state: &AppState, user: &User, raw: &str) -> AppResult<i64> {
    let not_represented =
        || AppError::fields([("organisation".to_string(), "organisation-not-represented".to_string())].into());
    let tax_code = TaxCode::parse(raw).map_err(|_| not_represented())?;
    match organisations::verified_by_tax_code(&state.db, tax_code.as_str()).await? {
        Some(org) if user.organisations.contains(&org.id) => Ok(org.id),
        _ => Err(not_represented()),
    }
}

fn admin_only(user: &User) -> AppResult<()> {
    if user.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// The registrations waiting for an administrator.
pub async fn pending(state: &AppState, user: &User) -> AppResult<Vec<Organisation>> {
    admin_only(user)?;
    Ok(organisations::pending(&state.db).await?)
}

/// An administrator verifies a registration (checked against the business registration), or
/// refuses it with a reason. Verifying hands it the dossiers made for its tax code before.
/// How many dossiers it took over.
pub async fn decide(state: &AppState, user: &User, id: i64, verify: bool, note: &str) -> AppResult<u64> {
    admin_only(user)?;
    let note = note.trim();
    if !verify && note.is_empty() {
        return Err(AppError::fields([("note".to_string(), "field-required".to_string())].into()));
    }
    if note.chars().count() > 1000 {
        return Err(AppError::fields([("note".to_string(), "field-too-long".to_string())].into()));
    }
    let note = Some(note).filter(|n| !n.is_empty());
    match organisations::decide(&state.db, id, verify, note, user.id, Utc::now()).await {
        Err(StoreError::NotFound) => Err(AppError::not_found()),
        Err(StoreError::Conflict(_)) => Err(AppError::with(ErrorKind::Conflict, "organisation-already-decided")),
        other => Ok(other?),
    }
}
