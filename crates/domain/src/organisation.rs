//! Organisations that apply: a business or other organisation (tổ chức, doanh nghiệp), known by
//! its tax code, acting through the people who represent it.
//!
//! A person registers the organisation and names themself its legal representative (người đại
//! diện theo pháp luật); an administrator verifies it against the business registration before
//! anyone may apply in its name. A legal representative then names others (người được ủy
//! quyền, authorised to apply and follow the organisation's dossiers) and removes them. Every
//! representative sees all of the organisation's dossiers; a person removed sees none of them
//! any more, not even those they filed.

use serde::{Deserialize, Serialize};

/// Where an organisation's registration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationStatus {
    /// Registered, waiting for an administrator to check it.
    Pending,
    /// Checked: its representatives may apply in its name.
    Verified,
    /// Refused, with a reason; its tax code is free to be registered again.
    Rejected,
}

impl OrganisationStatus {
    /// Every status.
    pub const ALL: [OrganisationStatus; 3] =
        [OrganisationStatus::Pending, OrganisationStatus::Verified, OrganisationStatus::Rejected];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationStatus::Pending => "pending",
            OrganisationStatus::Verified => "verified",
            OrganisationStatus::Rejected => "rejected",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<OrganisationStatus> {
        OrganisationStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// How a person represents an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepresentativeKind {
    /// The legal representative (người đại diện theo pháp luật): applies, and names or removes
    /// the other representatives.
    Legal,
    /// A person the organisation authorised (người được ủy quyền): applies and follows the
    /// organisation's dossiers.
    Authorised,
}

impl RepresentativeKind {
    /// Every kind.
    pub const ALL: [RepresentativeKind; 2] = [RepresentativeKind::Legal, RepresentativeKind::Authorised];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            RepresentativeKind::Legal => "legal",
            RepresentativeKind::Authorised => "authorised",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<RepresentativeKind> {
        RepresentativeKind::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a representative of this kind names and removes the others.
    pub fn manages(self) -> bool {
        self == RepresentativeKind::Legal
    }
}

/// Why a change to an organisation's representatives is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RepresentationError {
    /// Only a legal representative names or removes representatives.
    #[error("only a legal representative manages the representatives")]
    NotManager,
    /// An organisation not yet verified (or refused) has no one to add yet.
    #[error("the organisation is not verified")]
    NotVerified,
    /// The person already represents the organisation.
    #[error("already a representative")]
    AlreadyRepresentative,
    /// Removing them would leave the organisation without a legal representative.
    #[error("the last legal representative cannot be removed")]
    LastLegal,
    /// The person does not represent the organisation.
    #[error("not a representative")]
    NotRepresentative,
}

/// Whether `by` (their kind, if they represent it) may add a representative to an organisation
/// in `status` that already counts `existing` (the person's kind there, if any).
pub fn may_add(
    status: OrganisationStatus,
    by: Option<RepresentativeKind>,
    existing: Option<RepresentativeKind>,
) -> Result<(), RepresentationError> {
    if !by.is_some_and(RepresentativeKind::manages) {
        return Err(RepresentationError::NotManager);
    }
    if status != OrganisationStatus::Verified {
        return Err(RepresentationError::NotVerified);
    }
    if existing.is_some() {
        return Err(RepresentationError::AlreadyRepresentative);
    }
    Ok(())
}

/// Whether `by` may remove a representative of kind `removed` from an organisation with
/// `legal_count` legal representatives. A legal representative removes anyone but the last
/// legal one; anyone may remove themself, except the last legal representative.
pub fn may_remove(
    by: Option<RepresentativeKind>,
    removing_self: bool,
    removed: Option<RepresentativeKind>,
    legal_count: usize,
) -> Result<(), RepresentationError> {
    let Some(removed) = removed else {
        return Err(RepresentationError::NotRepresentative);
    };
    if !by.is_some_and(|k| k.manages() || removing_self) {
        return Err(RepresentationError::NotManager);
    }
    if removed == RepresentativeKind::Legal && legal_count <= 1 {
        return Err(RepresentationError::LastLegal);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::OrganisationStatus::*;
    use super::RepresentationError::*;
    use super::RepresentativeKind::*;
    use super::*;

    #[test]
    fn machine_names_round_trip() {
        for s in OrganisationStatus::ALL {
            assert_eq!(OrganisationStatus::parse(s.as_str()), Some(s));
        }
        for k in RepresentativeKind::ALL {
            assert_eq!(RepresentativeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(OrganisationStatus::parse("approved"), None);
        assert_eq!(RepresentativeKind::parse("owner"), None);
    }

    #[test]
    fn only_a_legal_representative_of_a_verified_organisation_adds_someone_new() {
        assert_eq!(may_add(Verified, Some(Legal), None), Ok(()));
        assert_eq!(may_add(Verified, Some(Authorised), None), Err(NotManager));
        assert_eq!(may_add(Verified, None, None), Err(NotManager));
        assert_eq!(may_add(Pending, Some(Legal), None), Err(NotVerified));
        assert_eq!(may_add(Rejected, Some(Legal), None), Err(NotVerified));
        assert_eq!(may_add(Verified, Some(Legal), Some(Authorised)), Err(AlreadyRepresentative));
    }

    #[test]
    fn the_last_legal_representative_stays() {
        // A legal representative removes an authorised one, or another legal one.
        assert_eq!(may_remove(Some(Legal), false, Some(Authorised), 1), Ok(()));
        assert_eq!(may_remove(Some(Legal), false, Some(Legal), 2), Ok(()));
        // Not the last legal one, not even themself.
        assert_eq!(may_remove(Some(Legal), true, Some(Legal), 1), Err(LastLegal));
        assert_eq!(may_remove(Some(Legal), false, Some(Legal), 1), Err(LastLegal));
        // An authorised representative leaves, but removes no one else.
        assert_eq!(may_remove(Some(Authorised), true, Some(Authorised), 1), Ok(()));
        assert_eq!(may_remove(Some(Authorised), false, Some(Authorised), 1), Err(NotManager));
        // A stranger removes no one; no one removes a non-representative.
        assert_eq!(may_remove(None, false, Some(Authorised), 1), Err(NotManager));
        assert_eq!(may_remove(Some(Legal), false, None, 1), Err(NotRepresentative));
    }
}
