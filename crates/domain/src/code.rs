//! Dossier codes (mã hồ sơ), Circular 01/2018 art. 19.
//!
//! The pattern is configurable because two national forms exist; codes are only ever rendered,
//! never parsed for logic. Uniqueness comes from a per-agency, per-day sequence kept in the
//! database; this module only formats.

use chrono::NaiveDate;

/// A dossier code pattern with the placeholders `{agency}`, `{yymmdd}`, `{yyyymmdd}` and
/// `{seq}` (zero-padded to `{seq:N}` digits, 4 by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DossierCodePattern {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(String),
    Agency,
    Yymmdd,
    Yyyymmdd,
    Seq(usize),
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A `{...}` placeholder that is not known.
    #[error("unknown placeholder {{{0}}} in the dossier code pattern")]
    UnknownPlaceholder(String),
    /// A `{` without its `}`.
    #[error("unclosed placeholder in the dossier code pattern")]
    Unclosed,
    /// Without `{seq}` codes of one day would collide.
    #[error("the dossier code pattern must contain {{seq}}")]
    MissingSequence,
}

impl DossierCodePattern {
    /// The classic form `<agency e-ID>-<YYMMDD>-<4-digit sequence>`.
    pub const CLASSIC: &'static str = "{agency}-{yymmdd}-{seq:4}";
    /// The newer national form `<agency e-ID>-<YYYYMMDD>-<sequence>`.
    pub const NATIONAL: &'static str = "{agency}-{yyyymmdd}-{seq:4}";

    /// Parses a pattern, refusing unknown placeholders and patterns without a sequence.
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        let mut parts = Vec::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or(PatternError::Unclosed)? + open;
            let name = &rest[open + 1..close];
            parts.push(match name {
                "agency" => Part::Agency,
                "yymmdd" => Part::Yymmdd,
                "yyyymmdd" => Part::Yyyymmdd,
                "seq" => Part::Seq(4),
                other => match other.strip_prefix("seq:").and_then(|n| n.parse().ok()) {
                    Some(n) if (1..=9).contains(&n) => Part::Seq(n),
                    _ => return Err(PatternError::UnknownPlaceholder(other.to_string())),
                },
            });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        if !parts.iter().any(|p| matches!(p, Part::Seq(_))) {
            return Err(PatternError::MissingSequence);
        }
        Ok(Self { parts })
    }

    /// Renders the code of the `seq`-th dossier of `day` at `agency`.
    pub fn render(&self, agency: &str, day: NaiveDate, seq: u64) -> String {
        let mut out = String::with_capacity(32);
        for p in &self.parts {
            match p {
                Part::Literal(s) => out.push_str(s),
                Part::Agency => out.push_str(agency),
                Part::Yymmdd => out.push_str(&day.format("%y%m%d").to_string()),
                Part::Yyyymmdd => out.push_str(&day.format("%Y%m%d").to_string()),
                Part::Seq(w) => out.push_str(&format!("{seq:0w$}")),
            }
        }
        out
    }
}

impl Default for DossierCodePattern {
    fn default() -> Self {
        Self::parse(Self::CLASSIC).expect("the classic pattern is valid")
    }
}

/// Mã xác thực — the verification code printed on an electronic result (DESIGN.md section 7),
/// under its QR code: whoever holds the paper or the file types it on the public page to check
/// the result. Twelve characters of Crockford's base 32 (no I, L, O or U, so nothing is misread),
/// 60 random bits: unguessable, short enough to read out over the phone.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VerificationCode(String);

impl VerificationCode {
    /// Characters of a code: digits and capitals without I, L, O and U.
    const ALPHABET: &'static [u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    /// Characters in a code.
    pub const LEN: usize = 12;

    /// A code from random bytes (at least 8; the caller draws them from the operating system).
    pub fn from_random(bytes: &[u8]) -> VerificationCode {
        let mut bits = bytes.iter().take(8).fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let mut out = String::with_capacity(Self::LEN);
        for _ in 0..Self::LEN {
            out.push(char::from(Self::ALPHABET[(bits & 31) as usize]));
            bits >>= 5;
        }
        VerificationCode(out)
    }

    /// A code as a person typed it: any case, with spaces or dashes, O read as 0 and I or L as 1.
    pub fn parse(input: &str) -> Option<VerificationCode> {
        let mut out = String::with_capacity(Self::LEN);
        for c in input.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !Self::ALPHABET.contains(&(c as u8)) {
                return None;
            }
            out.push(c);
        }
        (out.len() == Self::LEN).then_some(VerificationCode(out))
    }

    /// The code as stored and put in links: twelve characters, no separators.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as printed for people: three groups of four, `K7QM-2D9X-PA4T`.
    pub fn grouped(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_and_national_forms() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(DossierCodePattern::default().render("000.00.12.H38", day, 7), "000.00.12.H38-261126-0007");
        let national = DossierCodePattern::parse(DossierCodePattern::NATIONAL).unwrap();
        assert_eq!(national.render("H38.12", day, 12345), "H38.12-20261126-12345");
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert_eq!(DossierCodePattern::parse("{agency}-{yymmdd}"), Err(PatternError::MissingSequence));
        assert!(matches!(
            DossierCodePattern::parse("{agency}-{month}-{seq}"),
            Err(PatternError::UnknownPlaceholder(_))
        ));
        assert_eq!(
            DossierCodePattern::parse("{agency-{seq}"),
            Err(PatternError::UnknownPlaceholder("agency-{seq".into()))
        );
        assert_eq!(DossierCodePattern::parse("x-{seq"), Err(PatternError::Unclosed));
    }

    #[test]
    fn verification_codes_are_read_as_people_type_them() {
        let code = VerificationCode::from_random(&[0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(code.as_str().len(), VerificationCode::LEN);
        assert!(code.as_str().bytes().all(|b| VerificationCode::ALPHABET.contains(&b)));
        assert_eq!(VerificationCode::parse(code.as_str()), Some(code.clone()));
        assert_eq!(VerificationCode::parse(&code.grouped().to_lowercase()), Some(code.clone()));
        assert_eq!(VerificationCode::parse(" 0000 1111 2222 "), VerificationCode::parse("OoOo-IiLl-2222"));
        assert_eq!(VerificationCode::parse("ABCD-EFGH-JKU1"), None, "U is not in the alphabet");
        assert_eq!(VerificationCode::parse("ABCD-EFGH-JK"), None, "too short");
        assert_eq!(VerificationCode::parse("ABCD-EFGH-JKMN-P"), None, "too long");
        assert_eq!(VerificationCode::parse("ABCD-EFGH-JKMĐ"), None);
        // Different random bytes, different codes.
        let other = VerificationCode::from_random(&[0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf1]);
        assert_ne!(code, other);
    }
}
