//! The online briefings' pages (giao ban trực tuyến): the meetings an officer's agency organises
//! or joins, and one meeting with its connection points, attendance, conclusion and tasks, each
//! task marked done by its agency. The rules are in [`motcua_app::meetings`].

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use motcua_app::error::ErrorKind;
use motcua_app::meetings::{self, AttendanceForm, ConclusionForm, MeetingForm, MeetingView, PointForm, TaskForm};
use motcua_app::present::{show_time, Entry, FieldName};
use motcua_app::state::AppState;
use motcua_domain::dossier::Role;
use serde::Deserialize;

use super::csrf::Csrf;
use super::{Ctx, FormErrors, SignedIn};
use crate::error::HttpResult;

#[derive(Template)]
#[template(path = "meetings.html")]
struct ListPage {
    ctx: Ctx,
    /// Whether the viewer may call a meeting (leaders and clerks).
    may_call: bool,
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
    let may_call = user.has(Role::Leader) || user.has(Role::Clerk);
    Ok(ctx.render(&ListPage { ctx: ctx.clone(), may_call, meetings }))
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct ShowPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    v: MeetingView,
    /// The points whose attendance the viewer records: (agency code, name, the code as an id).
    recordable: Vec<(String, String, String)>,
    /// The choices of attendance: (machine name, label).
    attendance_choices: Vec<(String, String)>,
    /// The agencies a task may be given to: (code, name), the points first.
    task_agencies: Vec<(String, String)>,
    /// Rows of the conclusion form: as many blank task rows as it offers.
    task_rows: Vec<usize>,
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
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> HttpResult<Response> {
    let v = meetings::view(&state, &user, id).await?;
    let flash = if q.contains_key("moi") {
        ctx.t("meeting-called")
    } else if q.contains_key("xong") {
        ctx.t("meeting-saved")
    } else {
        String::new()
    };
    Ok(ctx.render(&show_page(&state, &ctx, v, FormErrors::default(), flash)))
}

fn show_page(state: &AppState, ctx: &Ctx, v: MeetingView, errors: FormErrors, flash: String) -> ShowPage {
    let lang = ctx.lang;
    let points = v
        .points
        .iter()
        .map(|p| {
            (
                agency_name(state, &p.agency_code),
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
                agency_name(state, &t.task.agency_code),
                t.task.description.clone(),
                show_time(Some(t.task.due_at)),
                t.task.status == motcua_domain::meeting::TaskStatus::Done,
                t.overdue,
                v.may_complete.contains(&t.task.id),
            )
        })
        .collect();
    let recordable = v.may_record.iter().map(|c| (c.clone(), agency_name(state, c), c.replace('.', "-"))).collect();
    // Present or absent: "expected" is where a point starts, not something one records.
    let attendance_choices = motcua_domain::meeting::AttendanceStatus::ALL
        .iter()
        .filter(|a| **a != motcua_domain::meeting::AttendanceStatus::Expected)
        .map(|a| (a.as_str().to_string(), lang.t(&format!("meeting-attendance-{}", a.as_str()))))
        .collect();
    let mut task_agencies: Vec<(String, String)> =
        v.points.iter().map(|p| (p.agency_code.clone(), agency_name(state, &p.agency_code))).collect();
    task_agencies.insert(0, (v.meeting.agency_code.clone(), agency_name(state, &v.meeting.agency_code)));
    ShowPage {
        organiser: agency_name(state, &v.meeting.agency_code),
        starts: show_time(Some(v.meeting.starts_at)),
        ends: show_time(Some(v.meeting.ends_at)),
        points,
        tasks,
        recordable,
        attendance_choices,
        task_agencies,
        task_rows: (0..TASK_ROWS).collect(),
        ctx: ctx.clone(),
        errors,
        flash,
        v,
    }
}

/// Blank task rows the conclusion form offers (a page without script cannot add rows).
const TASK_ROWS: usize = 5;

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct CallPage {
    ctx: Ctx,
    errors: FormErrors,
    /// What was typed, by field.
    typed: HashMap<String, String>,
    /// The agencies that may join: (code, name, ticked, host typed).
    agencies: Vec<(String, String, bool, String)>,
}

impl CallPage {
    fn value(&self, key: &str) -> &str {
        self.typed.get(key).map(String::as_str).unwrap_or("")
    }
}

fn call_page(state: &AppState, ctx: &Ctx, own: &str, typed: HashMap<String, String>, errors: FormErrors) -> CallPage {
    let catalog = state.catalog();
    let mut agencies: Vec<(String, String, bool, String)> = catalog
        .agencies
        .values()
        .filter(|a| a.code != own)
        .map(|a| {
            (
                a.code.clone(),
                a.name.clone(),
                typed.contains_key(&format!("point_{}", a.code)),
                typed.get(&format!("host_{}", a.code)).cloned().unwrap_or_default(),
            )
        })
        .collect();
    agencies.sort_by(|a, b| a.0.cmp(&b.0));
    CallPage { ctx: ctx.clone(), errors, typed, agencies }
}

/// The form to call a meeting of the viewer's agency (leaders and clerks).
pub async fn new_form(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    let own = organiser_agency(&user)?;
    Ok(ctx.render(&call_page(&state, &ctx, &own, HashMap::new(), FormErrors::default())))
}

/// The agency whose meetings the viewer calls; the page is not there for anyone else.
fn organiser_agency(user: &motcua_store::users::User) -> Result<String, motcua_app::error::AppError> {
    meetings::organising_agency(user).map_err(|_| motcua_app::error::AppError::not_found())
}

/// A local date and time as the form gives them (`2026-12-07`, `08:00`), in RFC 3339 at
/// Vietnam's offset; what cannot be read is passed on as typed, for the rules to refuse.
fn local_time(date: &str, time: &str) -> String {
    let (date, time) = (date.trim(), time.trim());
    if date.is_empty() || time.is_empty() {
        return String::new();
    }
    format!("{date}T{time}:00+07:00")
}

/// Calls the meeting: the meeting page, or the form again with every problem.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Csrf(Form(typed)): Csrf<Form<HashMap<String, String>>>,
) -> HttpResult<Response> {
    let own = organiser_agency(&user)?;
    let catalog = state.catalog();
    let mut codes: Vec<&String> = typed
        .keys()
        .filter_map(|k| k.strip_prefix("point_"))
        .filter_map(|c| catalog.agencies.get_key_value(c))
        .map(|(k, _)| k)
        .collect();
    codes.sort();
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    let form = MeetingForm {
        title: get("title"),
        chair: get("chair"),
        place: get("place"),
        starts_at: local_time(&get("date"), &get("starts")),
        ends_at: local_time(&get("date"), &get("ends")),
        video_link: get("video_link"),
        agenda: get("agenda"),
        points: codes
            .iter()
            .map(|c| {
                let host = get(&format!("host_{c}"));
                PointForm {
                    agency_code: (*c).clone(),
                    // Who runs a point is usually its head: named so when left blank.
                    host_name: if host.trim().is_empty() {
                        ctx.lang.t_args("meeting-host-default", &[("agency", &agency_name(&state, c))])
                    } else {
                        host
                    },
                }
            })
            .collect(),
    };
    match meetings::create(&state, &user, &form).await {
        Ok(m) => Ok(Redirect::to(&format!("/hop/{}?moi=1", m.id)).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let mut fields: BTreeMap<String, String> = e.fields.clone();
            // The times come from one date and two times: their problems are the date's when
            // nothing was typed, the times' otherwise.
            for key in ["starts_at", "ends_at"] {
                if let Some(code) = fields.remove(key) {
                    let to = if get("date").trim().is_empty() {
                        "date"
                    } else if key == "starts_at" {
                        "starts"
                    } else {
                        "ends"
                    };
                    fields.entry(to.to_string()).or_insert(code);
                }
            }
            let names = [
                FieldName::new("title", ctx.t("meeting-title"), Entry::Typed),
                FieldName::new("chair", ctx.t("meeting-chair"), Entry::Typed),
                FieldName::new("place", ctx.t("meeting-place"), Entry::Typed),
                FieldName::new("date", ctx.t("meeting-date"), Entry::Typed),
                FieldName::new("starts", ctx.t("meeting-starts-at"), Entry::Typed),
                FieldName::new("ends", ctx.t("meeting-ends-at"), Entry::Typed),
                FieldName::new("video_link", ctx.t("meeting-video"), Entry::Typed),
                FieldName::new("agenda", ctx.t("meeting-agenda"), Entry::Typed),
                FieldName::new("points", ctx.t("meeting-points"), Entry::Chosen),
            ];
            let errors = FormErrors::named(ctx.lang, &fields, &names);
            let page = call_page(&state, &ctx, &own, typed, errors);
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// Attendance at a point, as the page sends it.
#[derive(Deserialize, Default)]
pub struct AttendancePost {
    #[serde(default)]
    agency_code: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    attendees: String,
}

/// Records a point's attendance; the page again with the problem.
pub async fn attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Csrf(Form(f)): Csrf<Form<AttendancePost>>,
) -> HttpResult<Response> {
    let attendees = match f.attendees.trim() {
        "" => None,
        n => Some(n.parse::<i64>().unwrap_or(-1)),
    };
    let form = AttendanceForm { agency_code: f.agency_code.clone(), status: f.status, attendees };
    match meetings::record_attendance(&state, &user, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/hop/{id}?xong=1")).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let v = meetings::view(&state, &user, id).await?;
            let slot = f.agency_code.replace('.', "-");
            let names = [
                FieldName::new("status", ctx.t("meeting-attendance"), Entry::Chosen),
                FieldName::new("attendees", ctx.t("meeting-attendees"), Entry::Typed),
            ];
            let errors = FormErrors::named(ctx.lang, &e.fields, &names)
                .link("status", format!("f-status-{slot}"))
                .link("attendees", format!("f-attendees-{slot}"));
            let page = show_page(&state, &ctx, v, errors, String::new());
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// Records the conclusion and its tasks; the page again with every problem.
pub async fn conclude(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Csrf(Form(typed)): Csrf<Form<HashMap<String, String>>>,
) -> HttpResult<Response> {
    let get = |k: &str| typed.get(k).cloned().unwrap_or_default();
    // A row with neither a description nor a date is a row left blank.
    let rows: Vec<usize> = (0..TASK_ROWS)
        .filter(|i| {
            !get(&format!("task_{i}_description")).trim().is_empty()
                || !get(&format!("task_{i}_due_on")).trim().is_empty()
        })
        .collect();
    let form = ConclusionForm {
        conclusion: get("conclusion"),
        tasks: rows
            .iter()
            .map(|i| TaskForm {
                agency_code: get(&format!("task_{i}_agency")),
                description: get(&format!("task_{i}_description")),
                due_on: get(&format!("task_{i}_due_on")),
            })
            .collect(),
    };
    match meetings::conclude(&state, &user, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/hop/{id}?xong=1")).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let v = meetings::view(&state, &user, id).await?;
            // The rules number the tasks sent; the page names the rows they came from.
            let mut fields = BTreeMap::new();
            let mut names = vec![FieldName::new("conclusion", ctx.t("meeting-conclusion"), Entry::Typed)];
            for (k, code) in &e.fields {
                let key = match k.strip_prefix("tasks[").and_then(|r| r.split_once("].")) {
                    Some((n, part)) => {
                        let row = n.parse::<usize>().ok().and_then(|n| rows.get(n)).copied().unwrap_or(0);
                        let part = if part == "agency_code" { "agency" } else { part };
                        let key = format!("task_{row}_{part}");
                        let label = ctx.lang.t_args(
                            &format!("meeting-task-{}", part.replace('_', "-")),
                            &[("n", &(row + 1).to_string())],
                        );
                        names.push(FieldName::new(
                            &key,
                            label,
                            if part == "agency" { Entry::Chosen } else { Entry::Typed },
                        ));
                        key
                    }
                    None => k.clone(),
                };
                fields.insert(key, code.clone());
            }
            let mut errors = FormErrors::named(ctx.lang, &fields, &names);
            for n in names.iter().skip(1) {
                errors = errors.link(&n.key, format!("f-{}", n.key.replace('_', "-")));
            }
            let page = show_page(&state, &ctx, v, errors, String::new());
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
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
