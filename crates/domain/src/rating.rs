//! The applicant's rating of the service (đánh giá mức độ hài lòng), given once after the
//! result: overall, timeliness, convenience and staff attitude, each on the official three-level
//! scale, with an optional comment (DESIGN.md section 7).

use serde::{Deserialize, Serialize};

use crate::dossier::Status;

/// The official three levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    /// Rất hài lòng.
    VerySatisfied,
    /// Hài lòng.
    Satisfied,
    /// Không hài lòng.
    NotSatisfied,
}

impl Satisfaction {
    /// Every level, best first.
    pub const ALL: [Satisfaction; 3] =
        [Satisfaction::VerySatisfied, Satisfaction::Satisfied, Satisfaction::NotSatisfied];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::VerySatisfied => "very_satisfied",
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::NotSatisfied => "not_satisfied",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<Satisfaction> {
        Satisfaction::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// The four criteria rated.
pub const CRITERIA: [&str; 4] = ["overall", "timeliness", "convenience", "attitude"];

/// A rating as given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Overall.
    pub overall: Satisfaction,
    /// Timeliness.
    pub timeliness: Satisfaction,
    /// Convenience of the procedure and the channel.
    pub convenience: Satisfaction,
    /// The staff's attitude.
    pub attitude: Satisfaction,
    /// Optional comment.
    pub comment: Option<String>,
}

/// The longest comment kept.
pub const MAX_COMMENT: usize = 2000;

/// What is wrong with a rating: the criteria without a valid level, and a comment too long.
pub fn check_rating(levels: [Option<&str>; 4], comment: Option<&str>) -> Result<Rating, Vec<&'static str>> {
    let parsed: Vec<Option<Satisfaction>> = levels.iter().map(|l| l.and_then(Satisfaction::parse)).collect();
    let mut problems: Vec<&'static str> =
        CRITERIA.iter().zip(&parsed).filter(|(_, p)| p.is_none()).map(|(c, _)| *c).collect();
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT) {
        problems.push("comment");
    }
    match (parsed[0], parsed[1], parsed[2], parsed[3]) {
        (Some(overall), Some(timeliness), Some(convenience), Some(attitude)) if problems.is_empty() => {
            Ok(Rating { overall, timeliness, convenience, attitude, comment: comment.map(str::to_string) })
        }
        _ => Err(problems),
    }
}

/// Whether the applicant may rate now: once the result is issued or handed over, once.
pub fn may_rate(status: Status, already_rated: bool) -> bool {
    matches!(status, Status::ResultReady | Status::Returned) && !already_rated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_criterion_needs_a_level_and_comments_are_optional() {
        let ok = check_rating(
            [Some("very_satisfied"), Some("satisfied"), Some("not_satisfied"), Some("satisfied")],
            Some("  "),
        )
        .unwrap();
        assert_eq!(ok.timeliness, Satisfaction::Satisfied);
        assert_eq!(ok.comment, None);
        let bad = check_rating([Some("great"), None, Some("satisfied"), Some("satisfied")], Some(&"x".repeat(2001)));
        assert_eq!(bad.unwrap_err(), vec!["overall", "timeliness", "comment"]);
    }

    #[test]
    fn rating_comes_after_the_result_and_once() {
        assert!(may_rate(Status::Returned, false));
        assert!(may_rate(Status::ResultReady, false));
        assert!(!may_rate(Status::Returned, true));
        for s in [Status::Submitted, Status::Processing, Status::Refused, Status::Withdrawn] {
            assert!(!may_rate(s, false), "{s:?}");
        }
    }
}
