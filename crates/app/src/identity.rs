//! Sign-in through external OpenID Connect providers: VNeID (the national electronic
//! identification) for citizens, the province's own provider for officers.
//!
//! The protocol itself — discovery, the authorization code flow with PKCE, the ID token's
//! signature, issuer, audience, expiry and nonce — is the web edge's, with the `openidconnect`
//! crate. What comes here is an identity the provider vouched for (its subject and claims), and
//! the rules of who that is in motcua: a provider's subject is linked to one account; a citizen's
//! first sign-in links the account holding the same identity number, or makes one, never matching
//! by name; an officer is found by a configured claim and never made.

use chrono::Utc;
use motcua_domain::dossier::Role;
use motcua_domain::identity::{CitizenId, Email, FullName, PhoneNumber};
use motcua_store::identity as links;
use motcua_store::users::{NewUser, User};
use motcua_store::StoreError;
use serde_json::{Map, Value};

use crate::error::{AppError, AppResult, ErrorKind};
pub use crate::providers::{Audience, IdentityProvider};
use crate::state::AppState;

/// An identity a provider vouched for: the ID token was checked (signature, issuer, audience,
/// expiry, nonce) before it came here.
#[derive(Clone, Debug)]
pub struct VouchedIdentity {
    /// The provider's subject (`sub`), stable for the person at that provider.
    pub subject: String,
    /// The ID token's `acr`, if any.
    pub acr: Option<String>,
    /// Every claim of the ID token.
    pub claims: Map<String, Value>,
}

/// A claim as text: a string, or a number (an identity number may come as either).
fn claim_text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    match claims.get(name)? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The person's name from the claims: `name`, or the family and given names joined.
fn claim_name(claims: &Map<String, Value>) -> Option<FullName> {
    let joined = claim_text(claims, "name").or_else(|| {
        let parts: Vec<String> =
            ["family_name", "middle_name", "given_name"].iter().filter_map(|c| claim_text(claims, c)).collect();
        Some(parts.join(" ")).filter(|s| !s.is_empty())
    })?;
    FullName::parse(&joined).ok()
}

/// The account this identity signs in to, by the provider's rules (see the module's comment):
/// found through its link, else linked or (citizens) made now.
pub async fn sign_in_with(state: &AppState, provider: &IdentityProvider, who: &VouchedIdentity) -> AppResult<User> {
    let now = Utc::now();
    let verified_by = match provider.audience {
        Audience::Citizens => provider.assurance.clone().or_else(|| who.acr.clone()),
        Audience::Officers => None,
    };
    if let Some(user) = links::linked_user(&state.db, &provider.name, &who.subject).await? {
        links::used_link(&state.db, &provider.name, &who.subject, user.id, verified_by.as_deref(), now).await?;
        return Ok(motcua_store::users::user(&state.db, user.id).await?);
    }
    let user = match provider.audience {
        Audience::Citizens => citizen_for(state, provider, who, verified_by.as_deref()).await?,
        Audience::Officers => officer_for(state, provider, who).await?,
    };
    tracing::info!(provider = provider.name, user = user.id, "linked an external identity");
    // The provider proved the identity number: the dossiers made for this person without an
    // account (handed over by the national portal, taken at the desk) are theirs to see now.
    if let (Audience::Citizens, Some(id_number)) = (&provider.audience, &user.id_number) {
        let claimed = motcua_store::dossiers::claim_for_citizen(&state.db, user.id, id_number).await?;
        if claimed > 0 {
            tracing::info!(user = user.id, claimed, "dossiers made without an account joined the citizen's account");
        }
    }
    Ok(user)
}

/// A citizen's first sign-in through the provider: the account with this identity number is
/// linked, or one is made with the name, identity number and (if free) the phone and e-mail the
/// provider gave.
async fn citizen_for(
    state: &AppState,
    provider: &IdentityProvider,
    who: &VouchedIdentity,
    verified_by: Option<&str>,
) -> AppResult<User> {
    let id_number = claim_text(&who.claims, &provider.id_claim)
        .and_then(|v| CitizenId::parse(&v).ok())
        .ok_or_else(|| AppError::with(ErrorKind::Unauthenticated, "error-oidc-no-id-number"))?;
    let now = Utc::now();
    if let Some(existing) = links::user_by_id_number(&state.db, id_number.as_str()).await? {
        if existing.is_officer() || !existing.has(Role::Citizen) {
            return Err(AppError::with(ErrorKind::Forbidden, "error-oidc-not-citizen"));
        }
        links::link(&state.db, &provider.name, &who.subject, existing.id, verified_by, now).await?;
        return Ok(motcua_store::users::user(&state.db, existing.id).await?);
    }
    let name =
        claim_name(&who.claims).ok_or_else(|| AppError::with(ErrorKind::Unauthenticated, "error-oidc-no-name"))?;
    let mut new = NewUser {
        full_name: name.as_str().into(),
        id_number: Some(id_number.as_str().into()),
        phone: claim_text(&who.claims, "phone_number")
            .and_then(|p| PhoneNumber::parse(&p).ok())
            .map(|p| p.as_str().into()),
        email: claim_text(&who.claims, "email").and_then(|e| Email::parse(&e).ok()).map(|e| e.as_str().into()),
        // No password: this account signs in through the provider until its owner sets one.
        password_hash: NO_PASSWORD.into(),
        roles: vec![Role::Citizen],
        ..NewUser::default()
    };
    // A phone or e-mail another account already holds is left out rather than refused: the
    // identity number is what identifies the person.
    loop {
        match links::create_linked_user(&state.db, &new, &provider.name, &who.subject, verified_by, now).await {
            Ok(id) => return Ok(motcua_store::users::user(&state.db, id).await?),
            Err(StoreError::Conflict(column)) if column == "phone" && new.phone.is_some() => new.phone = None,
            Err(StoreError::Conflict(column)) if column == "email" && new.email.is_some() => new.email = None,
            Err(e) => return Err(e.into()),
        }
    }
}

/// An officer's first sign-in through the province's provider: linked to the officer account the
/// configured claim names; never made.
async fn officer_for(state: &AppState, provider: &IdentityProvider, who: &VouchedIdentity) -> AppResult<User> {
    let named = claim_text(&who.claims, &provider.officer_claim)
        .ok_or_else(|| AppError::with(ErrorKind::Forbidden, "error-oidc-no-officer"))?;
    let officer = links::user_by_username_or_email(&state.db, &named)
        .await?
        .filter(|u| u.is_officer() || u.has(Role::Admin))
        .ok_or_else(|| AppError::with(ErrorKind::Forbidden, "error-oidc-no-officer"))?;
    links::link(&state.db, &provider.name, &who.subject, officer.id, None, Utc::now()).await?;
    Ok(officer)
}

/// The password hash of an account made through a provider: not a PHC string, so no password
/// ever matches it.
pub const NO_PASSWORD: &str = "!external";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_come_from_the_claims() {
        let claims: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "family_name": "Nguyễn", "given_name": "An", "id_number": 1099000001, "so_dinh_danh": " 001099000001 "
        }))
        .unwrap();
        assert_eq!(claim_name(&claims).unwrap().as_str(), "Nguyễn An");
        assert_eq!(claim_text(&claims, "so_dinh_danh").as_deref(), Some("001099000001"));
        assert_eq!(claim_text(&claims, "id_number").as_deref(), Some("1099000001"));
        assert_eq!(claim_text(&claims, "missing"), None);
    }
}
