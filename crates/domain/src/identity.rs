//! Identity newtypes parsed at the edge: once built, they are valid.

use serde::{Deserialize, Serialize};

/// Why an identity value was refused. The web edge maps each to a message in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// Not a 12-digit citizen identity number (CCCD).
    #[error("invalid citizen identity number")]
    CitizenId,
    /// Not a Vietnamese phone number.
    #[error("invalid phone number")]
    Phone,
    /// Not an e-mail address.
    #[error("invalid e-mail address")]
    Email,
    /// Empty or over-long name.
    #[error("invalid name")]
    Name,
    /// Not a tax code of 10 digits, or 13 as 10 digits, a dash and 3 (a branch).
    #[error("invalid tax code")]
    TaxCode,
    /// Neither a citizen identity number nor a tax code.
    #[error("neither a citizen identity number nor a tax code")]
    ApplicantId,
}

/// Citizen identity number (số định danh cá nhân / CCCD): exactly 12 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CitizenId(String);

impl CitizenId {
    /// Accepts 12 digits, ignoring spaces.
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(IdentityError::CitizenId)
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tax code of an enterprise or organisation (mã số thuế / mã số doanh nghiệp): 10 digits, or
/// 13 for a branch or dependent unit, written `0123456789-001` (the dash is optional on input).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaxCode(String);

impl TaxCode {
    /// Accepts 10 digits, or 13 with or without the dash after the tenth, ignoring spaces.
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let raw: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let digits: String = raw.chars().filter(|c| *c != '-').collect();
        let dashes_ok = match raw.find('-') {
            None => true,
            Some(i) => i == 10 && raw.matches('-').count() == 1,
        };
        if !dashes_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentityError::TaxCode);
        }
        match digits.len() {
            10 => Ok(Self(digits)),
            13 => Ok(Self(format!("{}-{}", &digits[..10], &digits[10..]))),
            _ => Err(IdentityError::TaxCode),
        }
    }

    /// The code, with the dash of a branch.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The identity number of an applicant: a person's citizen identity number, or an organisation's
/// tax code, told apart by their shapes (12 digits against 10 or 13).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ApplicantId {
    /// A person.
    Citizen(CitizenId),
    /// An organisation.
    Organisation(TaxCode),
}

impl ApplicantId {
    /// Accepts either shape.
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        CitizenId::parse(s)
            .map(ApplicantId::Citizen)
            .or_else(|_| TaxCode::parse(s).map(ApplicantId::Organisation))
            .map_err(|_| IdentityError::ApplicantId)
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        match self {
            ApplicantId::Citizen(c) => c.as_str(),
            ApplicantId::Organisation(t) => t.as_str(),
        }
    }
}

/// A Vietnamese phone number normalised to the national form `0xxxxxxxxx` (10 digits), so the
/// same person typing `+84 912 345 678` or `0912.345.678` is recognised.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Accepts `0xxxxxxxxx`, `+84xxxxxxxxx` or `84xxxxxxxxx`, with spaces, dots or dashes.
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let mut digits: String = s.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')')).collect();
        if let Some(rest) = digits.strip_prefix("+84") {
            digits = format!("0{rest}");
        } else if digits.len() == 11 && digits.starts_with("84") {
            digits = format!("0{}", &digits[2..]);
        }
        if digits.len() == 10 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(IdentityError::Phone)
        }
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, lower-cased; checked for shape only (delivery proves the rest).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld` without spaces, at most 254 characters.
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let s = s.trim();
        let ok = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            });
        if ok {
            Ok(Self(s.to_lowercase()))
        } else {
            Err(IdentityError::Email)
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's or organisation's name: trimmed, 1–200 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FullName(String);

impl FullName {
    /// Trims and checks the length; inner runs of spaces are collapsed.
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if s.is_empty() || s.chars().count() > 200 {
            Err(IdentityError::Name)
        } else {
            Ok(Self(s))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_codes_have_ten_digits_or_thirteen_for_a_branch() {
        assert_eq!(TaxCode::parse("0101234567").unwrap().as_str(), "0101234567");
        assert_eq!(TaxCode::parse("0101234567-001").unwrap().as_str(), "0101234567-001");
        assert_eq!(TaxCode::parse("0101234567001").unwrap().as_str(), "0101234567-001");
        for bad in ["", "010123456", "01012345678", "0101-234567", "0101234567-01", "010123456a", "0101234567--001"] {
            assert_eq!(TaxCode::parse(bad), Err(IdentityError::TaxCode), "{bad}");
        }
    }

    #[test]
    fn an_applicant_id_is_a_person_by_twelve_digits_and_an_organisation_by_ten_or_thirteen() {
        assert!(
            matches!(ApplicantId::parse("038 090 001 234"), Ok(ApplicantId::Citizen(c)) if c.as_str() == "038090001234")
        );
        assert!(
            matches!(ApplicantId::parse("0101234567001"), Ok(ApplicantId::Organisation(t)) if t.as_str() == "0101234567-001")
        );
        assert_eq!(ApplicantId::parse("0101234567").unwrap().as_str(), "0101234567");
        for bad in ["", "12345678901", "03809000123a", "0101234567-01"] {
            assert_eq!(ApplicantId::parse(bad), Err(IdentityError::ApplicantId), "{bad}");
        }
    }

    #[test]
    fn phone_numbers_normalise() {
        for s in ["0912345678", "+84 912 345 678", "84912345678", "0912.345.678"] {
            assert_eq!(PhoneNumber::parse(s).unwrap().as_str(), "0912345678");
        }
        for s in ["", "12345", "091234567a", "+1 555 1234567"] {
            assert!(PhoneNumber::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn citizen_ids_are_twelve_digits() {
        assert!(CitizenId::parse("001090012345").is_ok());
        assert!(CitizenId::parse("00109001234").is_err());
        assert!(CitizenId::parse("00109001234x").is_err());
    }

    #[test]
    fn emails_and_names() {
        assert_eq!(Email::parse(" A@Example.VN ").unwrap().as_str(), "a@example.vn");
        assert!(Email::parse("a@b").is_err());
        assert!(Email::parse("a b@c.vn").is_err());
        assert_eq!(FullName::parse("  Nguyễn   Văn  An ").unwrap().as_str(), "Nguyễn Văn An");
        assert!(FullName::parse("   ").is_err());
    }
}
