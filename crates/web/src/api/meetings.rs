//! `/api/v1/meetings`: meetings and online briefings (giao ban trực tuyến) with their connection
//! points, attendance, conclusion and tasks; and `/api/v1/calendar/meetings.ics`, the caller's
//! meetings as an iCalendar feed. The rules are in [`motcua_app::meetings`].

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use icalendar::{Calendar, Component, Event, EventLike};
use motcua_app::meetings::{self, AttendanceForm, ConclusionForm, MeetingForm, MeetingView, PointForm, TaskForm};
use motcua_app::state::AppState;
use motcua_store::meetings::Meeting;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::time as rfc3339;
use super::{errors, ApiJson, ApiPath, ApiQuery};
use crate::auth::CurrentUser;
use crate::error::HttpResult;

/// A meeting in a list.
#[derive(Serialize, ToSchema)]
pub struct MeetingSummary {
    /// Id.
    pub id: i64,
    /// The organising agency's code.
    pub agency_code: String,
    /// What it is about.
    pub title: String,
    /// Who chairs it.
    pub chair: String,
    /// The main room.
    pub place: String,
    /// Starts (RFC 3339).
    pub starts_at: String,
    /// Ends (RFC 3339).
    pub ends_at: String,
    /// The video-conference room (https).
    pub video_link: Option<String>,
    /// The invitation (giấy mời): a document of the organiser's outgoing register.
    pub invitation_document_id: Option<i64>,
    /// Whether its conclusion is recorded.
    pub concluded: bool,
}

impl MeetingSummary {
    fn new(m: &Meeting) -> Self {
        Self {
            id: m.id,
            agency_code: m.agency_code.clone(),
            title: m.title.clone(),
            chair: m.chair.clone(),
            place: m.place.clone(),
            starts_at: rfc3339(m.starts_at),
            ends_at: rfc3339(m.ends_at),
            video_link: m.video_link.clone(),
            invitation_document_id: m.invitation_document_id,
            concluded: m.conclusion.is_some(),
        }
    }
}

/// The caller's meetings.
#[derive(Serialize, ToSchema)]
pub struct MeetingList {
    /// Soonest first.
    pub items: Vec<MeetingSummary>,
}

/// A connection point (điểm cầu).
#[derive(Serialize, ToSchema)]
pub struct PointDto {
    /// The agency joining.
    pub agency_code: String,
    /// Who runs its room.
    pub host_name: String,
    /// `expected`, `present` or `absent`.
    pub attendance: String,
    /// How many were present.
    pub attendees: Option<i64>,
    /// When the attendance was recorded.
    pub recorded_at: Option<String>,
}

/// A task of the conclusion.
#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    /// Id.
    pub id: i64,
    /// The agency that must do it.
    pub agency_code: String,
    /// What to do.
    pub description: String,
    /// The deadline (RFC 3339).
    pub due_at: String,
    /// `open` or `done`.
    pub status: String,
    /// When it was done.
    pub done_at: Option<String>,
    /// Open past its deadline.
    pub overdue: bool,
}

/// One event of the meeting's history.
#[derive(Serialize, ToSchema)]
pub struct MeetingEventDto {
    /// When.
    pub at: String,
    /// Who.
    pub actor_name: String,
    /// `call`, `attendance`, `conclude`, `task_done`.
    pub action: String,
    /// What changed.
    pub note: Option<String>,
}

/// A meeting with its points, conclusion and tasks.
#[derive(Serialize, ToSchema)]
pub struct MeetingDto {
    /// The meeting.
    #[serde(flatten)]
    pub meeting: MeetingSummary,
    /// The agenda.
    pub agenda: String,
    /// Its connection points.
    pub points: Vec<PointDto>,
    /// Thông báo kết luận: the conclusion's text.
    pub conclusion: Option<String>,
    /// The conclusion notice: a document of the organiser's outgoing register.
    pub conclusion_document_id: Option<i64>,
    /// The conclusion's tasks.
    pub tasks: Vec<TaskDto>,
    /// Its history, oldest first.
    pub history: Vec<MeetingEventDto>,
    /// What the caller may do: `record_attendance`, `conclude`, `complete_task`.
    pub actions: Vec<String>,
}

impl MeetingDto {
    fn new(v: &MeetingView) -> Self {
        let mut actions = Vec::new();
        if !v.may_record.is_empty() {
            actions.push("record_attendance".to_string());
        }
        if v.may_conclude {
            actions.push("conclude".to_string());
        }
        if !v.may_complete.is_empty() {
            actions.push("complete_task".to_string());
        }
        Self {
            meeting: MeetingSummary::new(&v.meeting),
            agenda: v.meeting.agenda.clone(),
            points: v
                .points
                .iter()
                .map(|p| PointDto {
                    agency_code: p.agency_code.clone(),
                    host_name: p.host_name.clone(),
                    attendance: p.attendance.as_str().into(),
                    attendees: p.attendees,
                    recorded_at: p.recorded_at.map(rfc3339),
                })
                .collect(),
            conclusion: v.meeting.conclusion.clone(),
            conclusion_document_id: v.meeting.conclusion_document_id,
            tasks: v
                .tasks
                .iter()
                .map(|t| TaskDto {
                    id: t.task.id,
                    agency_code: t.task.agency_code.clone(),
                    description: t.task.description.clone(),
                    due_at: rfc3339(t.task.due_at),
                    status: t.task.status.as_str().into(),
                    done_at: t.task.done_at.map(rfc3339),
                    overdue: t.overdue,
                })
                .collect(),
            history: v
                .events
                .iter()
                .map(|e| MeetingEventDto {
                    at: rfc3339(e.at),
                    actor_name: e.actor_name.clone(),
                    action: e.action.clone(),
                    note: e.note.clone(),
                })
                .collect(),
            actions,
        }
    }
}

/// A connection point to add.
#[derive(Deserialize, ToSchema, Default)]
pub struct PointRequest {
    /// The agency joining.
    #[serde(default)]
    pub agency_code: String,
    /// Who runs its room.
    #[serde(default)]
    pub host_name: String,
}

/// Calling a meeting.
#[derive(Deserialize, ToSchema, Default)]
pub struct MeetingRequest {
    /// What it is about.
    #[serde(default)]
    pub title: String,
    /// Who chairs it.
    #[serde(default)]
    pub chair: String,
    /// The main room.
    #[serde(default)]
    pub place: String,
    /// Starts (RFC 3339).
    #[serde(default)]
    pub starts_at: String,
    /// Ends (RFC 3339), after the start.
    #[serde(default)]
    pub ends_at: String,
    /// An https link to the video-conference room of any provider (optional).
    #[serde(default)]
    pub video_link: String,
    /// The agenda.
    #[serde(default)]
    pub agenda: String,
    /// The agencies joining (at least one, not the organiser, each once).
    #[serde(default)]
    pub points: Vec<PointRequest>,
}

/// Recording the attendance at a connection point.
#[derive(Deserialize, ToSchema, Default)]
pub struct AttendanceRequest {
    /// The point's agency.
    #[serde(default)]
    pub agency_code: String,
    /// `expected`, `present` or `absent`.
    #[serde(default)]
    pub status: String,
    /// How many were present (required when present).
    pub attendees: Option<i64>,
}

/// A task to assign.
#[derive(Deserialize, ToSchema, Default)]
pub struct TaskRequest {
    /// The agency that must do it.
    #[serde(default)]
    pub agency_code: String,
    /// What to do.
    #[serde(default)]
    pub description: String,
    /// The deadline, YYYY-MM-DD (end of office hours that day).
    #[serde(default)]
    pub due_on: String,
}

/// Recording the conclusion.
#[derive(Deserialize, ToSchema, Default)]
pub struct ConclusionRequest {
    /// The conclusion's text.
    #[serde(default)]
    pub conclusion: String,
    /// Its tasks.
    #[serde(default)]
    pub tasks: Vec<TaskRequest>,
}

/// The meetings the caller's agency organises, joins or was given tasks by, soonest first
/// (officers).
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings",
    responses((status = 200, body = MeetingList), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> HttpResult<Json<MeetingList>> {
    let items = meetings::list(&state, &user).await?.iter().map(MeetingSummary::new).collect();
    Ok(Json(MeetingList { items }))
}

/// Call a meeting (the agency's leaders and clerks). Its invitation is drafted as a giấy mời
/// in the agency's outgoing register, addressed to the connection points' agencies, to be
/// approved, issued and sent like any outgoing document.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", request_body = MeetingRequest,
    responses((status = 201, body = MeetingDto), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<MeetingRequest>,
) -> HttpResult<(StatusCode, Json<MeetingDto>)> {
    let form = MeetingForm {
        title: body.title,
        chair: body.chair,
        place: body.place,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        video_link: body.video_link,
        agenda: body.agenda,
        points: body
            .points
            .into_iter()
            .map(|p| PointForm { agency_code: p.agency_code, host_name: p.host_name })
            .collect(),
    };
    let m = meetings::create(&state, &user, &form).await?;
    let v = meetings::view(&state, &user, m.id).await?;
    Ok((StatusCode::CREATED, Json(MeetingDto::new(&v))))
}

/// A meeting with its connection points, agenda, attendance, conclusion and tasks, for the
/// officers of the agencies it involves.
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDto), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> HttpResult<Json<MeetingDto>> {
    Ok(Json(MeetingDto::new(&meetings::view(&state, &user, id).await?)))
}

/// Record the attendance at a connection point: the organiser's clerk for any point, a
/// point's own officers for theirs.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/attendance", tag = "meetings", params(("id" = i64, Path)),
    request_body = AttendanceRequest,
    responses((status = 200, body = MeetingDto), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::NotFound, errors::Validation),
    security(("bearer" = [])))]
pub async fn attendance(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<AttendanceRequest>,
) -> HttpResult<Json<MeetingDto>> {
    let form = AttendanceForm { agency_code: body.agency_code, status: body.status, attendees: body.attendees };
    Ok(Json(MeetingDto::new(&meetings::record_attendance(&state, &user, id, &form).await?)))
}

/// Record the conclusion once the meeting has started (the organiser's leaders and clerks),
/// once: its notice is drafted in the outgoing register and its tasks opened.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/conclusion", tag = "meetings", params(("id" = i64, Path)),
    request_body = ConclusionRequest,
    responses((status = 200, body = MeetingDto), errors::BadRequest, errors::Unauthenticated, errors::Forbidden,
        errors::NotFound, errors::Conflict, errors::Validation),
    security(("bearer" = [])))]
pub async fn conclusion(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ConclusionRequest>,
) -> HttpResult<Json<MeetingDto>> {
    let form = ConclusionForm {
        conclusion: body.conclusion,
        tasks: body
            .tasks
            .into_iter()
            .map(|t| TaskForm { agency_code: t.agency_code, description: t.description, due_on: t.due_on })
            .collect(),
    };
    Ok(Json(MeetingDto::new(&meetings::conclude(&state, &user, id, &form).await?)))
}

/// Report a task done (the officers of the task's agency).
#[utoipa::path(post, path = "/api/v1/meetings/{id}/tasks/{task}/done", tag = "meetings",
    params(("id" = i64, Path), ("task" = i64, Path)),
    responses((status = 200, body = MeetingDto), errors::Unauthenticated, errors::Forbidden, errors::NotFound,
        errors::Conflict),
    security(("bearer" = [])))]
pub async fn complete_task(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiPath((id, task)): ApiPath<(i64, i64)>,
) -> HttpResult<Json<MeetingDto>> {
    Ok(Json(MeetingDto::new(&meetings::complete_task(&state, &user, id, task).await?)))
}

/// The caller's calendar feed token: whether there is one and since when.
#[derive(Serialize, ToSchema)]
pub struct FeedTokenDto {
    /// The token itself: only in the answer that made it, as only its hash is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The feed's path with the token, to give to a calendar app (with a new token only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed_path: Option<String>,
    /// When the current token was made; none when the caller has none.
    pub created_at: Option<String>,
}

/// Whether the caller (an officer) has a calendar feed token.
#[utoipa::path(get, path = "/api/v1/calendar/feed-token", tag = "meetings",
    responses((status = 200, body = FeedTokenDto), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn feed_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> HttpResult<Json<FeedTokenDto>> {
    let made = meetings::feed_token_made(&state, &user).await?;
    Ok(Json(FeedTokenDto { token: None, feed_path: None, created_at: made.map(rfc3339) }))
}

/// Make a new calendar feed token (officers), replacing the old one, whose link stops
/// working. The token is shown in this answer only.
#[utoipa::path(post, path = "/api/v1/calendar/feed-token", tag = "meetings",
    responses((status = 201, body = FeedTokenDto), errors::Unauthenticated, errors::NotFound),
    security(("bearer" = [])))]
pub async fn rotate_feed_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> HttpResult<(StatusCode, Json<FeedTokenDto>)> {
    let token = meetings::rotate_feed_token(&state, &user).await?;
    let made = meetings::feed_token_made(&state, &user).await?;
    let feed_path = format!("/api/v1/calendar/meetings.ics?token={token}");
    Ok((
        StatusCode::CREATED,
        Json(FeedTokenDto { token: Some(token), feed_path: Some(feed_path), created_at: made.map(rfc3339) }),
    ))
}

/// The feed's token.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The caller's feed token (`POST /api/v1/calendar/feed-token`).
    pub token: String,
}

/// The meetings of the token's officer from 90 days ago on, as iCalendar (RFC 5545), for
/// calendar apps, which cannot send a bearer header: hence the token in the query. An unknown
/// token answers 404.
#[utoipa::path(get, path = "/api/v1/calendar/meetings.ics", tag = "meetings", params(FeedQuery),
    responses((status = 200, description = "An iCalendar feed", content_type = "text/calendar", body = String),
        errors::BadRequest, errors::NotFound))]
pub async fn feed(State(state): State<AppState>, ApiQuery(q): ApiQuery<FeedQuery>) -> HttpResult<impl IntoResponse> {
    let list = meetings::feed(&state, &q.token).await?;
    let names = state.catalog();
    let mut calendar = Calendar::new();
    calendar.name("motcua");
    for m in &list {
        let organiser = names.agencies.get(&m.agency_code).map(|a| a.name.as_str()).unwrap_or(&m.agency_code);
        let mut description = format!("{organiser}\nChủ trì: {}", m.chair);
        if let Some(link) = &m.video_link {
            description.push_str(&format!("\n{link}"));
        }
        if !m.agenda.is_empty() {
            description.push_str(&format!("\n\n{}", m.agenda));
        }
        let mut event = Event::new();
        event
            .uid(&format!("meeting-{}@motcua", m.id))
            .timestamp(m.created_at)
            .summary(&m.title)
            .starts(m.starts_at)
            .ends(m.ends_at)
            .location(&m.place)
            .description(&description);
        if let Some(link) = &m.video_link {
            event.url(link);
        }
        calendar.push(event.done());
    }
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], calendar.done().to_string()))
}
