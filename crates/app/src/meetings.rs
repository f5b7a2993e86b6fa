//! Meetings and online briefings ([`motcua_domain::meeting`]): a leader or clerk calls a
//! meeting of their agency with the agencies joining from their connection points; its
//! invitation (giấy mời) is drafted in the organiser's outgoing register through
//! [`crate::office`], like any other outgoing document; attendance is recorded per point; the
//! conclusion notice (thông báo kết luận) is drafted the same way and its tasks are followed
//! until each agency reports them done. Officers follow their meetings in their own calendar
//! app through a feed token.
//!
//! A meeting is seen by the officers of the organising agency, of each connection point and
//! of each agency given a task; anyone else gets 404.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use motcua_domain::calendar::vn_offset;
use motcua_domain::dossier::Role;
use motcua_domain::meeting::{
    check_conclusion_time, check_connection_points, check_task_due, check_times, is_overdue, Attendance,
    AttendanceStatus, VideoLink,
};
use motcua_domain::office::DocumentType;
use motcua_store::meetings::{self, ConnectionPoint, Meeting, MeetingEvent, NewMeeting, NewTask, Task};
use motcua_store::office::Actor;
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::error::{AppError, AppResult, ErrorKind};
use crate::office::{end_of, text, DocumentForm};
use crate::passwords::{random_token, token_hash};
use crate::state::AppState;

const MAX_SHORT: usize = 300;
const MAX_TEXT: usize = 20_000;
/// The most meetings a list or a feed holds.
const MAX_LISTED: i64 = 500;

/// The agency an officer works for; anyone else has no meetings.
fn agency_of(user: &User) -> AppResult<String> {
    match &user.agency_code {
        Some(a) if user.roles.iter().any(|r| matches!(r, Role::Clerk | Role::Leader | Role::Specialist)) => {
            Ok(a.clone())
        }
        _ => Err(AppError::not_found()),
    }
}

fn actor(user: &User) -> Actor {
    Actor { user_id: Some(user.id), name: user.full_name.clone() }
}

fn time(raw: &str, field: &str, errors: &mut BTreeMap<String, String>) -> Option<DateTime<Utc>> {
    match raw.trim() {
        "" => {
            errors.insert(field.into(), "field-required".into());
            None
        }
        t => DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| errors.insert(field.into(), "field-not-datetime".into()))
            .ok(),
    }
}

/// A time as officers read it, in Vietnam.
fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&vn_offset()).format("%H:%M ngày %d/%m/%Y").to_string()
}

/// A connection point as asked.
#[derive(Clone, Debug, Default)]
pub struct PointForm {
    /// The agency joining.
    pub agency_code: String,
    /// Who runs its room.
    pub host_name: String,
}

/// A meeting as typed.
#[derive(Clone, Debug, Default)]
pub struct MeetingForm {
    /// What it is about.
    pub title: String,
    /// Who chairs it.
    pub chair: String,
    /// The main room.
    pub place: String,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339.
    pub ends_at: String,
    /// An https link to the video-conference room (optional).
    pub video_link: String,
    /// The agenda.
    pub agenda: String,
    /// The agencies joining.
    pub points: Vec<PointForm>,
}

impl MeetingForm {
    fn check(&self, state: &AppState, agency: &str) -> Result<NewMeeting, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let title = text(&self.title, MAX_SHORT, "title", true, &mut errors);
        let chair = text(&self.chair, MAX_SHORT, "chair", true, &mut errors);
        let place = text(&self.place, MAX_SHORT, "place", true, &mut errors);
        let agenda = text(&self.agenda, MAX_TEXT, "agenda", false, &mut errors);
        let starts_at = time(&self.starts_at, "starts_at", &mut errors);
        let ends_at = time(&self.ends_at, "ends_at", &mut errors);
        if let (Some(s), Some(e)) = (starts_at, ends_at) {
            if let Err(rule) = check_times(s, e) {
                errors.insert("ends_at".into(), rule.message_key().into());
            }
        }
        let video_link = match self.video_link.trim() {
            "" => None,
            raw => VideoLink::parse(raw)
                .map_err(|rule| errors.insert("video_link".into(), rule.message_key().into()))
                .ok()
                .map(|l| l.as_str().to_string()),
        };
        let catalog = state.catalog();
        let mut points = Vec::new();
        for (i, p) in self.points.iter().enumerate() {
            let code = p.agency_code.trim().to_string();
            if code != agency && !catalog.agencies.contains_key(&code) {
                errors.insert(format!("points[{i}].agency_code"), "meeting-point-unknown".into());
            }
            let host = text(&p.host_name, MAX_SHORT, &format!("points[{i}].host_name"), true, &mut errors);
            points.push((code, host));
        }
        if let Err(rule) = check_connection_points(agency, points.iter().map(|(a, _)| a.as_str())) {
            errors.insert("points".into(), rule.message_key().into());
        }
        match (starts_at, ends_at) {
            (Some(starts_at), Some(ends_at)) if errors.is_empty() => Ok(NewMeeting {
                agency_code: agency.to_string(),
                title,
                chair,
                place,
                starts_at,
                ends_at,
                video_link,
                agenda,
                invitation_document_id: None,
                points,
            }),
            _ => Err(errors),
        }
    }
}

/// The agency whose meetings the user calls: a leader's or clerk's own; 403 for its other
/// officers, 404 for anyone else.
pub fn organising_agency(user: &User) -> AppResult<String> {
    let agency = agency_of(user)?;
    if !(user.has(Role::Leader) || user.has(Role::Clerk)) {
        return Err(AppError::with(ErrorKind::Forbidden, "meeting-organisers-only"));
    }
    Ok(agency)
}

/// Calls a meeting (leaders and clerks, for their own agency): its invitation is drafted in
/// the agency's outgoing register as a giấy mời to the connection points' agencies, to be
/// approved, issued and sent like any outgoing document.
pub async fn create(state: &AppState, user: &User, form: &MeetingForm) -> AppResult<Meeting> {
    let agency = organising_agency(user)?;
    let new = form.check(state, &agency).map_err(AppError::fields)?;
    let mut body = format!(
        "Thời gian: từ {} đến {}.\nĐịa điểm: {}.\nChủ trì: {}.",
        local(new.starts_at),
        local(new.ends_at),
        new.place,
        new.chair
    );
    if let Some(link) = &new.video_link {
        body.push_str(&format!("\nĐường dẫn họp trực tuyến: {link}"));
    }
    if !new.agenda.is_empty() {
        body.push_str(&format!("\nNội dung:\n{}", new.agenda));
    }
    let invitation = DocumentForm {
        register: "outgoing".into(),
        doc_type: DocumentType::Invitation.as_str().into(),
        subject: format!("Mời dự {}", new.title),
        body,
        recipients: new.points.iter().map(|(a, _)| a.clone()).collect(),
        signer_name: new.chair.clone(),
        ..DocumentForm::default()
    };
    let invitation = invitation.check(state, &agency).map_err(AppError::fields)?;
    Ok(meetings::create_with_invitation(&state.db, &new, &invitation, &actor(user), Utc::now()).await?)
}

/// A task with whether it is overdue now.
#[derive(Clone, Debug)]
pub struct TaskView {
    /// The task.
    pub task: Task,
    /// Open past its deadline.
    pub overdue: bool,
}

/// A meeting as the officers of its agencies see it.
#[derive(Clone, Debug)]
pub struct MeetingView {
    /// The meeting.
    pub meeting: Meeting,
    /// Its connection points.
    pub points: Vec<ConnectionPoint>,
    /// The conclusion's tasks.
    pub tasks: Vec<TaskView>,
    /// Its history, oldest first.
    pub events: Vec<MeetingEvent>,
    /// The points whose attendance the viewer may record.
    pub may_record: Vec<String>,
    /// Whether the viewer may record the conclusion now.
    pub may_conclude: bool,
    /// The tasks the viewer may mark done.
    pub may_complete: Vec<i64>,
}

/// Who the viewer is to a meeting.
struct Standing {
    agency: String,
    organiser: bool,
}

async fn standing(
    state: &AppState,
    user: &User,
    m: &Meeting,
) -> AppResult<(Standing, Vec<ConnectionPoint>, Vec<Task>)> {
    let agency = agency_of(user)?;
    let points = meetings::points(&state.db, m.id).await?;
    let tasks = meetings::tasks(&state.db, m.id).await?;
    let organiser = m.agency_code == agency;
    let involved =
        organiser || points.iter().any(|p| p.agency_code == agency) || tasks.iter().any(|t| t.agency_code == agency);
    if involved {
        Ok((Standing { agency, organiser }, points, tasks))
    } else {
        Err(AppError::not_found())
    }
}

async fn meeting(state: &AppState, id: i64) -> AppResult<Meeting> {
    match meetings::get(&state.db, id).await {
        Err(StoreError::NotFound) => Err(AppError::not_found()),
        other => Ok(other?),
    }
}

/// A meeting, for the officers of the agencies it involves.
pub async fn view(state: &AppState, user: &User, id: i64) -> AppResult<MeetingView> {
    let m = meeting(state, id).await?;
    let (who, points, tasks) = standing(state, user, &m).await?;
    let now = Utc::now();
    let may_record = points
        .iter()
        .filter(|p| (who.organiser && user.has(Role::Clerk)) || p.agency_code == who.agency)
        .map(|p| p.agency_code.clone())
        .collect();
    let may_conclude = who.organiser
        && (user.has(Role::Leader) || user.has(Role::Clerk))
        && m.conclusion.is_none()
        && check_conclusion_time(m.starts_at, now).is_ok();
    let may_complete =
        tasks.iter().filter(|t| t.agency_code == who.agency && t.done_at.is_none()).map(|t| t.id).collect();
    Ok(MeetingView {
        events: meetings::events(&state.db, id).await?,
        points,
        tasks: tasks.into_iter().map(|t| TaskView { overdue: is_overdue(t.status, t.due_at, now), task: t }).collect(),
        may_record,
        may_conclude,
        may_complete,
        meeting: m,
    })
}

/// The meetings the user's agency organises, joins or was given tasks by, soonest first.
pub async fn list(state: &AppState, user: &User) -> AppResult<Vec<Meeting>> {
    let agency = agency_of(user)?;
    Ok(meetings::of_agency(&state.db, &agency, None, MAX_LISTED).await?)
}

/// Attendance at one point as asked.
#[derive(Clone, Debug, Default)]
pub struct AttendanceForm {
    /// The point's agency.
    pub agency_code: String,
    /// `expected`, `present` or `absent`.
    pub status: String,
    /// How many were present (when present).
    pub attendees: Option<i64>,
}

/// Records the attendance at a point: the organiser's clerk for any point, a point's own
/// officers for theirs.
pub async fn record_attendance(
    state: &AppState,
    user: &User,
    id: i64,
    form: &AttendanceForm,
) -> AppResult<MeetingView> {
    let v = view(state, user, id).await?;
    let agency = form.agency_code.trim();
    let mut errors = BTreeMap::new();
    if !v.points.iter().any(|p| p.agency_code == agency) {
        errors.insert("agency_code".to_string(), "meeting-point-unknown".to_string());
    } else if !v.may_record.iter().any(|a| a == agency) {
        return Err(AppError::with(ErrorKind::Forbidden, "meeting-attendance-not-yours"));
    }
    let status = AttendanceStatus::parse(form.status.trim());
    if status.is_none() {
        errors.insert("status".into(), "field-not-option".into());
    }
    let attendees = match form.attendees.map(u32::try_from) {
        Some(Err(_)) => {
            errors.insert("attendees".into(), "meeting-attendees-required".into());
            None
        }
        Some(Ok(n)) => Some(n),
        None => None,
    };
    let attendance = match status {
        Some(s) if !errors.contains_key("attendees") => Attendance::new(s, attendees)
            .map_err(|rule| errors.insert("attendees".into(), rule.message_key().into()))
            .ok(),
        _ => None,
    };
    match attendance {
        Some(a) if errors.is_empty() => {
            meetings::record_attendance(
                &state.db,
                id,
                agency,
                a.status,
                a.attendees.map(i64::from),
                &actor(user),
                Utc::now(),
            )
            .await?;
            view(state, user, id).await
        }
        _ => Err(AppError::fields(errors)),
    }
}

/// A task as asked.
#[derive(Clone, Debug, Default)]
pub struct TaskForm {
    /// The agency that must do it.
    pub agency_code: String,
    /// What to do.
    pub description: String,
    /// The deadline, YYYY-MM-DD (end of office hours that day).
    pub due_on: String,
}

/// The conclusion as asked.
#[derive(Clone, Debug, Default)]
pub struct ConclusionForm {
    /// The conclusion's text.
    pub conclusion: String,
    /// Its tasks.
    pub tasks: Vec<TaskForm>,
}

/// Records the conclusion once the meeting has started (the organiser's leaders and clerks):
/// the conclusion notice is drafted in the outgoing register to every agency involved, and
/// its tasks are opened.
pub async fn conclude(state: &AppState, user: &User, id: i64, form: &ConclusionForm) -> AppResult<MeetingView> {
    let v = view(state, user, id).await?;
    let m = &v.meeting;
    if !(m.agency_code == agency_of(user)? && (user.has(Role::Leader) || user.has(Role::Clerk))) {
        return Err(AppError::with(ErrorKind::Forbidden, "meeting-conclusion-not-yours"));
    }
    if m.conclusion.is_some() {
        return Err(AppError::with(ErrorKind::Conflict, "meeting-concluded"));
    }
    if let Err(rule) = check_conclusion_time(m.starts_at, Utc::now()) {
        return Err(AppError::with(ErrorKind::Conflict, rule.message_key()));
    }
    let mut errors = BTreeMap::new();
    let conclusion = text(&form.conclusion, MAX_TEXT, "conclusion", true, &mut errors);
    let catalog = state.catalog();
    let mut tasks = Vec::new();
    for (i, t) in form.tasks.iter().enumerate() {
        let code = t.agency_code.trim().to_string();
        if !catalog.agencies.contains_key(&code) {
            errors.insert(format!("tasks[{i}].agency_code"), "meeting-point-unknown".into());
        }
        let description = text(&t.description, MAX_TEXT, &format!("tasks[{i}].description"), true, &mut errors);
        let field = format!("tasks[{i}].due_on");
        let due_at = match NaiveDate::parse_from_str(t.due_on.trim(), "%Y-%m-%d") {
            Ok(day) => match check_task_due(m.starts_at, end_of(day)) {
                Ok(()) => Some(end_of(day)),
                Err(rule) => {
                    errors.insert(field, rule.message_key().into());
                    None
                }
            },
            Err(_) if t.due_on.trim().is_empty() => {
                errors.insert(field, "field-required".into());
                None
            }
            Err(_) => {
                errors.insert(field, "field-not-date".into());
                None
            }
        };
        if let Some(due_at) = due_at {
            tasks.push(NewTask { agency_code: code, description, due_at });
        }
    }
    if !errors.is_empty() {
        return Err(AppError::fields(errors));
    }
    let mut recipients: Vec<String> = v.points.iter().map(|p| p.agency_code.clone()).collect();
    for t in &tasks {
        if t.agency_code != m.agency_code && !recipients.contains(&t.agency_code) {
            recipients.push(t.agency_code.clone());
        }
    }
    let mut body = conclusion.clone();
    for (i, t) in tasks.iter().enumerate() {
        let name = catalog.agencies.get(&t.agency_code).map(|a| a.name.as_str()).unwrap_or(&t.agency_code);
        body.push_str(&format!("\n{}. {name}: {} (hạn {}).", i + 1, t.description, local(t.due_at)));
    }
    let notice = DocumentForm {
        register: "outgoing".into(),
        doc_type: DocumentType::Notice.as_str().into(),
        subject: format!("Kết luận {}", m.title),
        body,
        recipients,
        signer_name: m.chair.clone(),
        ..DocumentForm::default()
    };
    let notice = notice.check(state, &m.agency_code).map_err(AppError::fields)?;
    match meetings::conclude(&state.db, id, &conclusion, Some(&notice), &tasks, &actor(user), Utc::now()).await {
        Err(StoreError::Conflict(_)) => Err(AppError::with(ErrorKind::Conflict, "meeting-concluded")),
        other => other.map_err(AppError::from).map(|_| ()),
    }?;
    view(state, user, id).await
}

/// Marks a task done (the officers of the task's agency).
pub async fn complete_task(state: &AppState, user: &User, id: i64, task: i64) -> AppResult<MeetingView> {
    let v = view(state, user, id).await?;
    let t = v.tasks.iter().find(|t| t.task.id == task).ok_or_else(AppError::not_found)?;
    if t.task.agency_code != agency_of(user)? {
        return Err(AppError::with(ErrorKind::Forbidden, "meeting-task-not-yours"));
    }
    match meetings::complete_task(&state.db, id, task, &actor(user), Utc::now()).await {
        Err(StoreError::Conflict(_)) => return Err(AppError::with(ErrorKind::Conflict, "meeting-task-done-already")),
        other => other?,
    };
    view(state, user, id).await
}

/// Makes the officer a new calendar feed token, replacing the old one; the token is shown
/// this once, only its hash is kept.
pub async fn rotate_feed_token(state: &AppState, user: &User) -> AppResult<String> {
    agency_of(user)?;
    let token = random_token();
    meetings::set_feed_token(&state.db, user.id, &token_hash(&token), Utc::now()).await?;
    Ok(token)
}

/// When the officer's feed token was made, if they have one.
pub async fn feed_token_made(state: &AppState, user: &User) -> AppResult<Option<DateTime<Utc>>> {
    agency_of(user)?;
    Ok(meetings::feed_token_made(&state.db, user.id).await?)
}

/// The meetings of the officer whose feed token this is, from 90 days ago on; an unknown
/// token, or one of a person no longer an officer, finds nothing (404).
pub async fn feed(state: &AppState, token: &str) -> AppResult<Vec<Meeting>> {
    let user = match meetings::feed_token_user(&state.db, &token_hash(token.trim())).await? {
        Some(id) => motcua_store::users::user(&state.db, id).await?,
        None => return Err(AppError::not_found()),
    };
    let agency = agency_of(&user)?;
    Ok(meetings::of_agency(&state.db, &agency, Some(Utc::now() - Duration::days(90)), MAX_LISTED).await?)
}
