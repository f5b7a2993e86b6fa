//! Meetings and online briefings (giao ban trực tuyến, DESIGN.md section 9): an agency calls a
//! meeting with a chair, a time, a place, an agenda and a link to an external video-conference
//! service; other agencies join from their own **connection points** (điểm cầu), each with a
//! host and the attendance recorded there. Its conclusions are published as a notice (thông báo
//! kết luận) whose **tasks** go to agencies with a deadline and are followed until done.
//!
//! Pure rules only: the closed sets, what makes a meeting, an attendance or a task acceptable,
//! and when a task is overdue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest video-conference link kept.
const MAX_LINK: usize = 2000;

/// Whether a connection point joined the meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    /// Invited, not yet recorded.
    Expected,
    /// Connected, with the number of people present at the point.
    Present,
    /// Did not connect.
    Absent,
}

impl AttendanceStatus {
    /// Every status.
    pub const ALL: [AttendanceStatus; 3] =
        [AttendanceStatus::Expected, AttendanceStatus::Present, AttendanceStatus::Absent];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttendanceStatus::Expected => "expected",
            AttendanceStatus::Present => "present",
            AttendanceStatus::Absent => "absent",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<AttendanceStatus> {
        AttendanceStatus::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// Where a task of a conclusion stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Still to do.
    Open,
    /// Reported done by its agency.
    Done,
}

impl TaskStatus {
    /// Every status.
    pub const ALL: [TaskStatus; 2] = [TaskStatus::Open, TaskStatus::Done];

    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Open => "open",
            TaskStatus::Done => "done",
        }
    }

    /// Parses a machine name.
    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Why a meeting, an attendance or a task is refused; each names its message key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MeetingRule {
    /// The end is not after the start.
    #[error("the meeting must end after it starts")]
    EndsBeforeStart,
    /// The link is not an https URL.
    #[error("the video-conference link must be an https URL")]
    LinkNotHttps,
    /// No agency joins.
    #[error("a meeting needs at least one connection point")]
    NoConnectionPoint,
    /// An agency is listed twice.
    #[error("an agency is a connection point once")]
    PointTwice,
    /// The organiser listed as one of its own connection points.
    #[error("the organising agency hosts the meeting, it is not a connection point")]
    PointIsOrganiser,
    /// Present without a number of people.
    #[error("a point present counts at least one attendee")]
    AttendeesRequired,
    /// A number of people for a point not present.
    #[error("only a point present counts attendees")]
    AttendeesUnexpected,
    /// A task due before the meeting.
    #[error("a task cannot be due before the meeting")]
    TaskDueBeforeMeeting,
    /// A conclusion before the meeting started.
    #[error("the meeting has not started")]
    NotStarted,
}

impl MeetingRule {
    /// The key of the message shown for it.
    pub fn message_key(self) -> &'static str {
        match self {
            MeetingRule::EndsBeforeStart => "meeting-ends-before-start",
            MeetingRule::LinkNotHttps => "meeting-link-not-https",
            MeetingRule::NoConnectionPoint => "meeting-no-connection-point",
            MeetingRule::PointTwice => "meeting-point-twice",
            MeetingRule::PointIsOrganiser => "meeting-point-is-organiser",
            MeetingRule::AttendeesRequired => "meeting-attendees-required",
            MeetingRule::AttendeesUnexpected => "meeting-attendees-unexpected",
            MeetingRule::TaskDueBeforeMeeting => "meeting-task-due-before-meeting",
            MeetingRule::NotStarted => "meeting-not-started",
        }
    }
}

/// A meeting's time: it ends after it starts.
pub fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), MeetingRule> {
    if ends_at > starts_at {
        Ok(())
    } else {
        Err(MeetingRule::EndsBeforeStart)
    }
}

/// A link to a video-conference room of any provider. Only https is taken: the link is shown
/// to every officer of the connection points and put in their calendars, so it must not
/// carry a script (`javascript:`) or travel in clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoLink(String);

impl VideoLink {
    /// Takes `https://host…` with a host and no spaces or control characters.
    pub fn parse(raw: &str) -> Result<VideoLink, MeetingRule> {
        let raw = raw.trim();
        let rest = raw
            .get(..8)
            .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
            .map(|_| &raw[8..])
            .ok_or(MeetingRule::LinkNotHttps)?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host_ok = !host.is_empty() && !host.starts_with('@') && !host.starts_with(':');
        if !host_ok || raw.len() > MAX_LINK || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(MeetingRule::LinkNotHttps);
        }
        Ok(VideoLink(raw.to_string()))
    }

    /// The link.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The agencies joining: at least one, each once, never the organiser (it hosts the meeting).
pub fn check_connection_points<'a>(
    organiser: &str,
    agencies: impl IntoIterator<Item = &'a str>,
) -> Result<(), MeetingRule> {
    let mut seen: Vec<&str> = Vec::new();
    for a in agencies {
        if a == organiser {
            return Err(MeetingRule::PointIsOrganiser);
        }
        if seen.contains(&a) {
            return Err(MeetingRule::PointTwice);
        }
        seen.push(a);
    }
    if seen.is_empty() {
        Err(MeetingRule::NoConnectionPoint)
    } else {
        Ok(())
    }
}

/// What was recorded at a connection point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attendance {
    /// Whether it joined.
    pub status: AttendanceStatus,
    /// How many people were present there (only when present).
    pub attendees: Option<u32>,
}

impl Attendance {
    /// A point present counts at least one attendee; others count none.
    pub fn new(status: AttendanceStatus, attendees: Option<u32>) -> Result<Attendance, MeetingRule> {
        match (status, attendees) {
            (AttendanceStatus::Present, Some(n)) if n >= 1 => Ok(Attendance { status, attendees }),
            (AttendanceStatus::Present, _) => Err(MeetingRule::AttendeesRequired),
            (_, Some(_)) => Err(MeetingRule::AttendeesUnexpected),
            (_, None) => Ok(Attendance { status, attendees: None }),
        }
    }
}

/// A conclusion is recorded once the meeting has started.
pub fn check_conclusion_time(starts_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), MeetingRule> {
    if now >= starts_at {
        Ok(())
    } else {
        Err(MeetingRule::NotStarted)
    }
}

/// A task is due after the meeting it came from started.
pub fn check_task_due(meeting_starts_at: DateTime<Utc>, due_at: DateTime<Utc>) -> Result<(), MeetingRule> {
    if due_at > meeting_starts_at {
        Ok(())
    } else {
        Err(MeetingRule::TaskDueBeforeMeeting)
    }
}

/// A task is overdue while it is open after its deadline; a task done is never overdue, even
/// if it was done late.
pub fn is_overdue(status: TaskStatus, due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == TaskStatus::Open && now > due_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 2, 1, h, 0, 0).unwrap()
    }

    #[test]
    fn words_round_trip() {
        for a in AttendanceStatus::ALL {
            assert_eq!(AttendanceStatus::parse(a.as_str()), Some(a));
        }
        for t in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(t.as_str()), Some(t));
        }
        assert_eq!(AttendanceStatus::parse("late"), None);
    }

    #[test]
    fn a_meeting_ends_after_it_starts() {
        assert_eq!(check_times(at(8), at(10)), Ok(()));
        assert_eq!(check_times(at(8), at(8)), Err(MeetingRule::EndsBeforeStart));
        assert_eq!(check_times(at(10), at(8)), Err(MeetingRule::EndsBeforeStart));
    }

    #[test]
    fn links_are_https_urls_of_any_provider() {
        for ok in ["https://meet.example.vn/giao-ban", "HTTPS://zoom.us/j/123?pwd=x", "https://10.0.0.5:8443/r"] {
            assert!(VideoLink::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://meet.example.vn/x",
            "javascript:alert(1)",
            "https://",
            "https:///path",
            "https://a b.vn",
            "meet.example.vn",
            "",
            "ftp://x.vn",
        ] {
            assert_eq!(VideoLink::parse(bad), Err(MeetingRule::LinkNotHttps), "{bad}");
        }
        assert_eq!(VideoLink::parse(&format!("https://x.vn/{}", "a".repeat(MAX_LINK))), Err(MeetingRule::LinkNotHttps));
        assert_eq!(VideoLink::parse("  https://x.vn  ").unwrap().as_str(), "https://x.vn");
    }

    #[test]
    fn connection_points_are_other_agencies_each_once() {
        assert_eq!(check_connection_points("A", ["B", "C"]), Ok(()));
        assert_eq!(check_connection_points("A", []), Err(MeetingRule::NoConnectionPoint));
        assert_eq!(check_connection_points("A", ["B", "B"]), Err(MeetingRule::PointTwice));
        assert_eq!(check_connection_points("A", ["B", "A"]), Err(MeetingRule::PointIsOrganiser));
    }

    #[test]
    fn only_a_point_present_counts_attendees() {
        assert!(Attendance::new(AttendanceStatus::Present, Some(12)).is_ok());
        assert_eq!(Attendance::new(AttendanceStatus::Present, Some(0)), Err(MeetingRule::AttendeesRequired));
        assert_eq!(Attendance::new(AttendanceStatus::Present, None), Err(MeetingRule::AttendeesRequired));
        assert_eq!(Attendance::new(AttendanceStatus::Absent, Some(3)), Err(MeetingRule::AttendeesUnexpected));
        assert_eq!(
            Attendance::new(AttendanceStatus::Absent, None),
            Ok(Attendance { status: AttendanceStatus::Absent, attendees: None })
        );
        assert!(Attendance::new(AttendanceStatus::Expected, None).is_ok());
    }

    #[test]
    fn conclusions_and_tasks_follow_the_meeting() {
        assert_eq!(check_conclusion_time(at(8), at(7)), Err(MeetingRule::NotStarted));
        assert_eq!(check_conclusion_time(at(8), at(8)), Ok(()));
        assert_eq!(check_task_due(at(8), at(7)), Err(MeetingRule::TaskDueBeforeMeeting));
        assert_eq!(check_task_due(at(8), at(9)), Ok(()));
    }

    #[test]
    fn open_tasks_past_their_deadline_are_overdue() {
        assert!(!is_overdue(TaskStatus::Open, at(10), at(10)));
        assert!(is_overdue(TaskStatus::Open, at(10), at(11)));
        assert!(!is_overdue(TaskStatus::Done, at(10), at(11)));
    }

    #[test]
    fn every_rule_has_its_own_message() {
        let all = [
            MeetingRule::EndsBeforeStart,
            MeetingRule::LinkNotHttps,
            MeetingRule::NoConnectionPoint,
            MeetingRule::PointTwice,
            MeetingRule::PointIsOrganiser,
            MeetingRule::AttendeesRequired,
            MeetingRule::AttendeesUnexpected,
            MeetingRule::TaskDueBeforeMeeting,
            MeetingRule::NotStarted,
        ];
        let mut keys: Vec<_> = all.iter().map(|r| r.message_key()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), all.len());
    }
}
