//! The online briefings' pages (giao ban trực tuyến): the meetings an officer's agency organises
//! or joins, and one meeting with its connection points, attendance, conclusion and tasks, each
//! task marked done by its agency. The rules are in [`motcua_app::meetings`].

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use motcua_app::meetings::{self, MeetingView};
use motcua_app::present::show_time;
use motcua_app::state::AppState;
use serde::Deserialize;

use super::csrf::Csrf;
use super::{Ctx, SignedIn};
use crate::error::HttpResult;

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    ctx: Ctx,
    /// Each meeting: (id, title, starts, place, organiser).
    meetings: Vec<(i64, String, String, String, String)>,
}

fn agency_name(state: &AppState, code: &str) -> String {
    state.catalog().agencies.get(code).map(|a| a.name.clone()).unwrap_or_else(|| code.to_string())
}

/// The meetings of the viewer's agency: those it organises and those it joins.
pub async fn list(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    let meetings = meetings::list(&state, &user)
        .await?
        .into_iter()
        .map(|m| {
            (m.id, m.title.clone(), show_time(Some(m.starts_at)), m.place.clone(), agency_name(&state, &m.agency_code))
        })
        .collect();
    Ok(ctx.render(&ListPage { ctx: ctx.clone(), meetings }))
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct ShowPage {
    ctx: Ctx,
    v: MeetingView,
    organiser: String,
    starts: String,
    ends: String,
    /// Each connection point: (agency, host, attendance, attendees).
    points: Vec<(String, String, String, String)>,
    /// Each task: (id, agency, description, due, done, overdue, the viewer may mark it done).
    tasks: Vec<(i64, String, String, String, bool, bool, bool)>,
}

/// A meeting, for the officers of its organiser, of its connection points and of its tasks.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
) -> HttpResult<Response> {
    let v = meetings::view(&state, &user, id).await?;
    let lang = ctx.lang;
    let points = v
        .points
        .iter()
        .map(|p| {
            (
                agency_name(&state, &p.agency_code),
                p.host_name.clone(),
                lang.t(&format!("meeting-attendance-{}", p.attendance.as_str())),
                p.attendees.map(|n| n.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let tasks = v
        .tasks
        .iter()
        .map(|t| {
            (
                t.task.id,
                agency_name(&state, &t.task.agency_code),
                t.task.description.clone(),
                show_time(Some(t.task.due_at)),
                t.task.status == motcua_domain::meeting::TaskStatus::Done,
                t.overdue,
                v.may_complete.contains(&t.task.id),
            )
        })
        .collect();
    let page = ShowPage {
        organiser: agency_name(&state, &v.meeting.agency_code),
        starts: show_time(Some(v.meeting.starts_at)),
        ends: show_time(Some(v.meeting.ends_at)),
        points,
        tasks,
        ctx: ctx.clone(),
        v,
    };
    Ok(ctx.render(&page))
}

/// Marking a task done.
#[derive(Deserialize, Default)]
pub struct DoneForm {}

/// The task's agency marks it done.
pub async fn task_done(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((id, task)): Path<(i64, i64)>,
    Csrf(Form(_f)): Csrf<Form<DoneForm>>,
) -> HttpResult<Response> {
    meetings::complete_task(&state, &user, id, task).await?;
    Ok(Redirect::to(&format!("/hop/{id}")).into_response())
}
