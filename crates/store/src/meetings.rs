//! Meetings and online briefings ([`motcua_domain::meeting`]): a meeting of its organising
//! agency, the connection points of the agencies joining, their attendance, the conclusion and
//! its tasks, each change written with its history event in one transaction; and the officers'
//! calendar feed tokens, kept by their hash only.

use chrono::{DateTime, Utc};
use motcua_domain::meeting::{AttendanceStatus, TaskStatus};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Database, WriteTx};
use crate::error::{Result, StoreError};
use crate::office::Actor;
use crate::types::{closed_word, Millis};

/// A meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    /// Row id.
    pub id: i64,
    /// The agency that calls and hosts it.
    pub agency_code: String,
    /// What it is about.
    pub title: String,
    /// Who chairs it.
    pub chair: String,
    /// Where the main room is.
    pub place: String,
    /// Starts.
    pub starts_at: DateTime<Utc>,
    /// Ends.
    pub ends_at: DateTime<Utc>,
    /// The video-conference room (https).
    pub video_link: Option<String>,
    /// The agenda.
    pub agenda: String,
    /// The invitation (giấy mời) in the organiser's outgoing register.
    pub invitation_document_id: Option<i64>,
    /// The conclusion's text, once recorded.
    pub conclusion: Option<String>,
    /// When it was recorded.
    pub concluded_at: Option<DateTime<Utc>>,
    /// The conclusion notice (thông báo kết luận) in the outgoing register.
    pub conclusion_document_id: Option<i64>,
    /// Who called it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, agency_code, title, chair, place, starts_at, ends_at, video_link, agenda, \
    invitation_document_id, conclusion, concluded_at, conclusion_document_id, created_by, created_at";

fn meeting_from(row: &AnyRow) -> Result<Meeting> {
    Ok(Meeting {
        id: row.try_get("id")?,
        agency_code: row.try_get("agency_code")?,
        title: row.try_get("title")?,
        chair: row.try_get("chair")?,
        place: row.try_get("place")?,
        starts_at: row.try_get::<Millis, _>("starts_at")?.0,
        ends_at: row.try_get::<Millis, _>("ends_at")?.0,
        video_link: row.try_get("video_link")?,
        agenda: row.try_get("agenda")?,
        invitation_document_id: row.try_get("invitation_document_id")?,
        conclusion: row.try_get("conclusion")?,
        concluded_at: row.try_get::<Option<Millis>, _>("concluded_at")?.map(|m| m.0),
        conclusion_document_id: row.try_get("conclusion_document_id")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get::<Millis, _>("created_at")?.0,
    })
}

/// A connection point (điểm cầu): an agency joining from its own room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionPoint {
    /// Row id.
    pub id: i64,
    /// The agency.
    pub agency_code: String,
    /// Who runs the point.
    pub host_name: String,
    /// Whether it joined.
    pub attendance: AttendanceStatus,
    /// How many were present there.
    pub attendees: Option<i64>,
    /// When the attendance was recorded.
    pub recorded_at: Option<DateTime<Utc>>,
}

fn point_from(row: &AnyRow) -> Result<ConnectionPoint> {
    Ok(ConnectionPoint {
        id: row.try_get("id")?,
        agency_code: row.try_get("agency_code")?,
        host_name: row.try_get("host_name")?,
        attendance: closed_word(row, "attendance", AttendanceStatus::parse)?,
        attendees: row.try_get("attendees")?,
        recorded_at: row.try_get::<Option<Millis>, _>("recorded_at")?.map(|m| m.0),
    })
}

/// A task of a meeting's conclusion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Task {
    /// Row id.
    pub id: i64,
    /// The meeting.
    pub meeting_id: i64,
    /// The agency that must do it.
    pub agency_code: String,
    /// What to do.
    pub description: String,
    /// By when.
    pub due_at: DateTime<Utc>,
    /// Open or done.
    pub status: TaskStatus,
    /// When it was reported done.
    pub done_at: Option<DateTime<Utc>>,
}

fn task_from(row: &AnyRow) -> Result<Task> {
    Ok(Task {
        id: row.try_get("id")?,
        meeting_id: row.try_get("meeting_id")?,
        agency_code: row.try_get("agency_code")?,
        description: row.try_get("description")?,
        due_at: row.try_get::<Millis, _>("due_at")?.0,
        status: closed_word(row, "status", TaskStatus::parse)?,
        done_at: row.try_get::<Option<Millis>, _>("done_at")?.map(|m| m.0),
    })
}

/// One event of a meeting's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Who, by name.
    pub actor_name: String,
    /// `call`, `attendance`, `conclude`, `task_done`.
    pub action: String,
    /// What changed, in words.
    pub note: Option<String>,
}

/// A meeting to call, already checked against the domain's rules.
#[derive(Clone, Debug)]
pub struct NewMeeting {
    /// The organising agency.
    pub agency_code: String,
    /// What it is about.
    pub title: String,
    /// Who chairs it.
    pub chair: String,
    /// Where.
    pub place: String,
    /// Starts.
    pub starts_at: DateTime<Utc>,
    /// Ends.
    pub ends_at: DateTime<Utc>,
    /// The video-conference room.
    pub video_link: Option<String>,
    /// The agenda.
    pub agenda: String,
    /// The invitation already drafted in the outgoing register.
    pub invitation_document_id: Option<i64>,
    /// The agencies joining, each with its host: (agency code, host name).
    pub points: Vec<(String, String)>,
}

/// A task to assign.
#[derive(Clone, Debug)]
pub struct NewTask {
    /// The agency that must do it.
    pub agency_code: String,
    /// What to do.
    pub description: String,
    /// By when.
    pub due_at: DateTime<Utc>,
}

async fn event(
    tx: &mut WriteTx<'_>,
    meeting: i64,
    by: &Actor,
    action: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO meeting_events (meeting_id, at, user_id, actor_name, action, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(meeting)
    .bind(Millis(now))
    .bind(by.user_id)
    .bind(&by.name)
    .bind(action)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Calls a meeting with its connection points, all expected.
pub async fn create(db: &Database, new: &NewMeeting, by: &Actor, now: DateTime<Utc>) -> Result<Meeting> {
    let mut tx = db.write_tx().await?;
    let id = insert(&mut tx, new, by, now).await?;
    tx.commit().await?;
    get(db, id).await
}

/// Calls a meeting and drafts its invitation in the organiser's outgoing register, in one
/// transaction: no draft is left behind by a meeting that could not be called.
pub async fn create_with_invitation(
    db: &Database,
    new: &NewMeeting,
    invitation: &crate::office::NewDocument,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<Meeting> {
    let mut tx = db.write_tx().await?;
    let document = crate::office::insert_document(&mut tx, invitation, by, now).await?;
    let new = NewMeeting { invitation_document_id: Some(document), ..new.clone() };
    let id = insert(&mut tx, &new, by, now).await?;
    tx.commit().await?;
    get(db, id).await
}

async fn insert(tx: &mut WriteTx<'_>, new: &NewMeeting, by: &Actor, now: DateTime<Utc>) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO meetings (agency_code, title, chair, place, starts_at, ends_at, video_link, agenda, \
         invitation_document_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id",
    )
    .bind(&new.agency_code)
    .bind(&new.title)
    .bind(&new.chair)
    .bind(&new.place)
    .bind(Millis(new.starts_at))
    .bind(Millis(new.ends_at))
    .bind(&new.video_link)
    .bind(&new.agenda)
    .bind(new.invitation_document_id)
    .bind(by.user_id)
    .bind(Millis(now))
    .fetch_one(&mut **tx)
    .await?;
    for (agency, host) in &new.points {
        sqlx::query("INSERT INTO meeting_points (meeting_id, agency_code, host_name) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(agency)
            .bind(host)
            .execute(&mut **tx)
            .await?;
    }
    event(tx, id, by, "call", None, now).await?;
    Ok(id)
}

/// One meeting.
pub async fn get(db: &Database, id: i64) -> Result<Meeting> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM meetings WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
    meeting_from(&row)
}

/// A meeting's connection points, in the order they were listed.
pub async fn points(db: &Database, meeting: i64) -> Result<Vec<ConnectionPoint>> {
    let rows = sqlx::query(
        "SELECT id, agency_code, host_name, attendance, attendees, recorded_at FROM meeting_points \
         WHERE meeting_id = $1 ORDER BY id",
    )
    .bind(meeting)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(point_from).collect()
}

/// A meeting's tasks, in the order they were given.
pub async fn tasks(db: &Database, meeting: i64) -> Result<Vec<Task>> {
    let rows = sqlx::query(
        "SELECT id, meeting_id, agency_code, description, due_at, status, done_at FROM meeting_tasks \
         WHERE meeting_id = $1 ORDER BY id",
    )
    .bind(meeting)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(task_from).collect()
}

/// A meeting's history, oldest first.
pub async fn events(db: &Database, meeting: i64) -> Result<Vec<MeetingEvent>> {
    let rows = sqlx::query("SELECT at, actor_name, action, note FROM meeting_events WHERE meeting_id = $1 ORDER BY id")
        .bind(meeting)
        .fetch_all(db.reader())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(MeetingEvent {
                at: r.try_get::<Millis, _>("at")?.0,
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// Records what happened at one connection point; `NotFound` when the agency is not one of
/// the meeting's points.
pub async fn record_attendance(
    db: &Database,
    meeting: i64,
    agency: &str,
    status: AttendanceStatus,
    attendees: Option<i64>,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(
        "UPDATE meeting_points SET attendance = $1, attendees = $2, recorded_at = $3, recorded_by = $4 \
         WHERE meeting_id = $5 AND agency_code = $6",
    )
    .bind(status.as_str())
    .bind(attendees)
    .bind(Millis(now))
    .bind(by.user_id)
    .bind(meeting)
    .bind(agency)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::NotFound);
    }
    let note = match attendees {
        Some(n) => format!("{agency}: {} ({n})", status.as_str()),
        None => format!("{agency}: {}", status.as_str()),
    };
    event(&mut tx, meeting, by, "attendance", Some(&note), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Records the conclusion, its notice and its tasks, once: a second conclusion is a
/// `Conflict`.
pub async fn conclude(
    db: &Database,
    meeting: i64,
    conclusion: &str,
    notice: Option<&crate::office::NewDocument>,
    new_tasks: &[NewTask],
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<Task>> {
    let mut tx = db.write_tx().await?;
    // The conclusion notice's draft is written in the same transaction: a refused conclusion
    // leaves no draft behind.
    let notice_document_id = match notice {
        Some(n) => Some(crate::office::insert_document(&mut tx, n, by, now).await?),
        None => None,
    };
    let done = sqlx::query(
        "UPDATE meetings SET conclusion = $1, concluded_at = $2, conclusion_document_id = $3 \
         WHERE id = $4 AND conclusion IS NULL",
    )
    .bind(conclusion)
    .bind(Millis(now))
    .bind(notice_document_id)
    .bind(meeting)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("the meeting's conclusion is already recorded".into()));
    }
    for t in new_tasks {
        sqlx::query("INSERT INTO meeting_tasks (meeting_id, agency_code, description, due_at) VALUES ($1, $2, $3, $4)")
            .bind(meeting)
            .bind(&t.agency_code)
            .bind(&t.description)
            .bind(Millis(t.due_at))
            .execute(&mut *tx)
            .await?;
    }
    event(&mut tx, meeting, by, "conclude", Some(&format!("{} tasks", new_tasks.len())), now).await?;
    tx.commit().await?;
    tasks(db, meeting).await
}

/// Marks an open task of the meeting done; `NotFound` for a task of another meeting,
/// `Conflict` for one already done.
pub async fn complete_task(db: &Database, meeting: i64, task: i64, by: &Actor, now: DateTime<Utc>) -> Result<Task> {
    let mut tx = db.write_tx().await?;
    let done = sqlx::query(
        "UPDATE meeting_tasks SET status = 'done', done_at = $1, done_by = $2 \
         WHERE id = $3 AND meeting_id = $4 AND status = 'open'",
    )
    .bind(Millis(now))
    .bind(by.user_id)
    .bind(task)
    .bind(meeting)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM meeting_tasks WHERE id = $1 AND meeting_id = $2")
            .bind(task)
            .bind(meeting)
            .fetch_one(&mut *tx)
            .await?;
        return Err(if n == 0 {
            StoreError::NotFound
        } else {
            StoreError::Conflict("the task is already done".into())
        });
    }
    event(&mut tx, meeting, by, "task_done", Some(&format!("#{task}")), now).await?;
    tx.commit().await?;
    let row = sqlx::query(
        "SELECT id, meeting_id, agency_code, description, due_at, status, done_at FROM meeting_tasks WHERE id = $1",
    )
    .bind(task)
    .fetch_one(db.reader())
    .await?;
    task_from(&row)
}

/// The meetings an agency organises or joins as a connection point or was given a task by,
/// starting at or after `since`, soonest first.
pub async fn of_agency(db: &Database, agency: &str, since: Option<DateTime<Utc>>, limit: i64) -> Result<Vec<Meeting>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM meetings WHERE starts_at >= $2 AND (agency_code = $1 \
         OR id IN (SELECT meeting_id FROM meeting_points WHERE agency_code = $1) \
         OR id IN (SELECT meeting_id FROM meeting_tasks WHERE agency_code = $1)) \
         ORDER BY starts_at, id LIMIT $3"
    ))
    .bind(agency)
    .bind(Millis(since.unwrap_or(DateTime::<Utc>::MIN_UTC)))
    .bind(limit)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(meeting_from).collect()
}

/// The open tasks of an agency, soonest deadline first (overdue ones lead).
pub async fn open_tasks_of(db: &Database, agency: &str) -> Result<Vec<Task>> {
    let rows = sqlx::query(
        "SELECT id, meeting_id, agency_code, description, due_at, status, done_at FROM meeting_tasks \
         WHERE agency_code = $1 AND status = 'open' ORDER BY due_at, id",
    )
    .bind(agency)
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(task_from).collect()
}

/// Replaces an officer's calendar feed token by a new one (its hash), so the old link stops
/// working.
pub async fn set_feed_token(db: &Database, user: i64, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
    let mut tx = db.write_tx().await?;
    sqlx::query("DELETE FROM calendar_feed_tokens WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO calendar_feed_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user)
        .bind(token_hash)
        .bind(Millis(now))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// When an officer's current feed token was made, if they have one.
pub async fn feed_token_made(db: &Database, user: i64) -> Result<Option<DateTime<Utc>>> {
    let row: Option<(Millis,)> = sqlx::query_as("SELECT created_at FROM calendar_feed_tokens WHERE user_id = $1")
        .bind(user)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.map(|(m,)| m.0))
}

/// The officer whose feed token has this hash.
pub async fn feed_token_user(db: &Database, token_hash: &str) -> Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT user_id FROM calendar_feed_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db.reader())
        .await?;
    Ok(row.map(|(id,)| id))
}
