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
}
