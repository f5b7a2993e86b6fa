//! Alerts and escalation (DESIGN.md section 3): each officer's daily digest of what is due soon
//! or late in their queue (for a unit leader, in the whole unit), with the dossiers for which
//! an apology and new date should be issued now; an escalation to the unit leaders when a step
//! overruns its allotment; and the report of a consultation answered late to the head of the
//! one-stop unit and the agency that asked (Decree 61/2018 Art. 19.5).
//!
//! Both go through the job queue in the database: a digest is one job per officer per day (its
//! dedupe key makes scheduling idempotent, even with several servers), an escalation one job per
//! overrun step, enqueued in the same transaction that marks the step as escalated. Nothing is
//! lost if the server restarts; the scheduler simply runs again.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use motcua_domain::calendar::vn_offset;
use motcua_domain::dossier::{Action, Role};
use motcua_store::dossiers::{self, LateConsultation, Listed, Overrun};
use motcua_store::jobs::{Job, NewJob};
use motcua_store::{users, Database, StoreError};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use super::mail::{Email, Mailer};
use super::worker::{Handlers, JobError};
use crate::dossiers::queue::{officer_queue, DeadlineFilter, QueueTab};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;

/// The job kind of an officer's daily digest.
pub const DIGEST_JOB: &str = "daily_digest";
/// The job kind of an escalation to the unit leaders.
pub const ESCALATION_JOB: &str = "escalation";
/// The job kind of the report of a consultation answered late (Decree 61/2018 Art. 19.5).
pub const LATE_CONSULTATION_JOB: &str = "late_consultation";
/// Digests go out from this local time.
const DIGEST_TIME: (u32, u32) = (6, 30);
/// How often the scheduler looks for overrun steps and due digests.
const SCAN_EVERY: Duration = Duration::from_secs(60);

#[derive(Serialize, Deserialize)]
struct DigestPayload {
    user: i64,
    day: NaiveDate,
}

/// Enqueues the day's digest for every officer with an e-mail address, to run at `run_at`. Safe
/// to call any number of times: each officer gets one digest per day.
pub async fn schedule_digests(db: &Database, day: NaiveDate, run_at: DateTime<Utc>) -> Result<usize, StoreError> {
    let mut added = 0;
    for id in users::officers_with_email(db).await? {
        let payload = serde_json::to_value(DigestPayload { user: id, day }).unwrap_or_default();
        let job = NewJob::new(DIGEST_JOB, payload).dedupe(format!("digest:{day}:{id}")).at(run_at);
        if motcua_store::jobs::enqueue(db, &job).await?.is_some() {
            added += 1;
        }
    }
    Ok(added)
}

fn line(lang: Lang, state: &AppState, d: &Listed) -> String {
    let procedure = state.catalog().get(&d.procedure_code).map(|p| p.name.clone()).unwrap_or_default();
    let due = d.due_at.map(local_time).unwrap_or_default();
    lang.t_args("digest-line", &[("code", &d.code), ("procedure", &procedure), ("due", &due)])
}

/// The digest of one officer at `now`: what is late and what falls due by the close of the next
/// working day in their queue (a unit leader: in the unit), and the dossiers for which the
/// apology and new date should be issued now, before they are late. `None` when there is
/// nothing to say, so nobody gets an empty e-mail.
pub async fn digest_email(state: &AppState, user_id: i64, day: NaiveDate) -> AppResult<Option<Email>> {
    let user = users::user(&state.db, user_id).await?;
    let Some(to) = user.email.clone() else { return Ok(None) };
    let tab = if user.has(Role::Leader) { QueueTab::Unit } else { QueueTab::Mine };
    let overdue = officer_queue(state, &user, tab, Some(DeadlineFilter::Overdue), None, 1, 100).await?;
    let soon = officer_queue(state, &user, tab, Some(DeadlineFilter::DueSoon), None, 1, 100).await?;
    let office = office_digest(state, &user).await?;
    if overdue.total == 0 && soon.total == 0 && office.is_empty() {
        return Ok(None);
    }
    let vi = Lang::Vi;
    let mut text = vi.t_args("digest-greeting", &[("name", &user.full_name)]);
    text.push_str("\n\n");
    text.push_str(&office.text);
    for (title, page) in [("digest-overdue", &overdue), ("digest-due-soon", &soon)] {
        if page.total == 0 {
            continue;
        }
        text.push_str(&vi.t_args(title, &[("n", &page.total.to_string())]));
        text.push('\n');
        for d in &page.items {
            text.push_str(&line(vi, state, d));
            text.push('\n');
        }
        text.push('\n');
    }
    let apologies: Vec<&Listed> = soon.items.iter().filter(|d| !d.rescheduled).collect();
    if !apologies.is_empty() {
        text.push_str(&vi.t("digest-apology"));
        text.push('\n');
        for d in apologies {
            text.push_str(&line(vi, state, d));
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(&vi.t_args("digest-link", &[("url", &format!("{}/can-bo", state.config.public_url))]));
    let subject = if overdue.total == 0 && soon.total == 0 {
        vi.t_args("digest-subject-office", &[("day", &day.format("%d/%m/%Y").to_string())])
    } else {
        vi.t_args(
            "digest-subject",
            &[
                ("day", &day.format("%d/%m/%Y").to_string()),
                ("overdue", &overdue.total.to_string()),
                ("soon", &soon.total.to_string()),
            ],
        )
    };
    Ok(Some(Email::to_person(&user.full_name, &to, subject, text)))
}

/// The electronic office's part of a digest: the incoming documents the officer handles (a
/// leader: the whole agency's) that are late or fall due by the close of the next working day,
/// for a leader the documents waiting to be assigned and the agency's meeting tasks still open
/// past or near their deadline.
struct OfficeDigest {
    text: String,
    lines: usize,
}

impl OfficeDigest {
    fn is_empty(&self) -> bool {
        self.lines == 0
    }
}

async fn office_digest(state: &AppState, user: &users::User) -> AppResult<OfficeDigest> {
    let mut out = OfficeDigest { text: String::new(), lines: 0 };
    let Some(agency) = user.agency_code.clone() else { return Ok(out) };
    let vi = Lang::Vi;
    let now = Utc::now();
    let until = crate::dossiers::queue::due_soon_until(state, now);
    let leader = user.has(Role::Leader);
    let person = (!leader).then_some(user.id);
    let documents = motcua_store::office::falling_due(&state.db, &agency, person, until, 100).await?;
    if !documents.is_empty() {
        let late = documents.iter().filter(|d| d.due_at.is_some_and(|t| t < now)).count();
        out.text.push_str(
            &vi.t_args("digest-documents", &[("n", &documents.len().to_string()), ("late", &late.to_string())]),
        );
        out.text.push('\n');
        for d in &documents {
            let due = d.due_at.map(local_time).unwrap_or_default();
            let number = d.number.map(|n| n.to_string()).unwrap_or_default();
            out.text.push_str(
                &vi.t_args("digest-document-line", &[("number", &number), ("subject", &d.subject), ("due", &due)]),
            );
            out.text.push('\n');
        }
        out.text.push('\n');
        out.lines += documents.len();
    }
    if leader {
        let waiting = motcua_store::office::waiting_for_assignment(&state.db, &agency).await?;
        if waiting > 0 {
            out.text.push_str(&vi.t_args("digest-documents-waiting", &[("n", &waiting.to_string())]));
            out.text.push_str("\n\n");
            out.lines += 1;
        }
        let tasks: Vec<_> = motcua_store::meetings::open_tasks_of(&state.db, &agency)
            .await?
            .into_iter()
            .filter(|t| t.due_at < until)
            .collect();
        if !tasks.is_empty() {
            out.text.push_str(&vi.t_args("digest-tasks", &[("n", &tasks.len().to_string())]));
            out.text.push('\n');
            for t in &tasks {
                out.text.push_str(
                    &vi.t_args("digest-task-line", &[("task", &t.description), ("due", &local_time(t.due_at))]),
                );
                out.text.push('\n');
            }
            out.text.push('\n');
            out.lines += tasks.len();
        }
    }
    if !out.is_empty() {
        out.text
            .push_str(&vi.t_args("digest-office-link", &[("url", &format!("{}/van-ban", state.config.public_url))]));
        out.text.push_str("\n\n");
    }
    Ok(out)
}

fn escalation_job(o: &Overrun) -> NewJob {
    NewJob::new(ESCALATION_JOB, serde_json::json!({ "code": o.code, "agency": o.agency, "step": o.step }))
        .dedupe(format!("escalation:{}:{}:{}", o.dossier_id, o.step, o.step_due_at.timestamp_millis()))
}

/// Marks the steps that overran their allotment and enqueues their escalations.
pub async fn scan_overruns(db: &Database, now: DateTime<Utc>) -> Result<usize, StoreError> {
    Ok(dossiers::escalate_overruns(db, now, 500, escalation_job).await?.len())
}

fn late_consultation_job(c: &LateConsultation) -> NewJob {
    NewJob::new(LATE_CONSULTATION_JOB, serde_json::json!({ "code": c.code, "consultation": c.id }))
        .dedupe(format!("late-consultation:{}", c.id))
}

/// Marks the consultations whose time ran out unanswered and enqueues their reports.
pub async fn scan_late_consultations(db: &Database, now: DateTime<Utc>) -> Result<usize, StoreError> {
    Ok(dossiers::report_late_consultations(db, now, 500, late_consultation_job).await?.len())
}

#[derive(Deserialize)]
struct LateConsultationPayload {
    code: String,
    consultation: i64,
}

/// The e-mails reporting a consultation answered late (Decree 61/2018 Art. 19.5): to the head
/// of the one-stop unit that received the dossier (the leaders of the desk's centre or agency),
/// who answers to the applicant for the date, and to the leaders of the agency that asked, who
/// must chase the answer; each person once.
pub async fn late_consultation_emails(state: &AppState, job: &Job) -> AppResult<Vec<Email>> {
    let p: LateConsultationPayload = job.payload_as().map_err(crate::error::AppError::internal)?;
    let d = dossiers::by_code(&state.db, &p.code).await?;
    let procedure = state.procedure_version(d.procedure_version_id).await?;
    let consultations = dossiers::consultations(&state.db, d.id).await?;
    let Some(c) = consultations.iter().find(|c| c.id == p.consultation) else { return Ok(Vec::new()) };
    if c.answered_at.is_some() || c.cancelled {
        return Ok(Vec::new());
    }
    let consulted = state.catalog().agencies.get(&c.agency).map_or_else(|| c.agency.clone(), |a| a.name.clone());
    let history = dossiers::history(&state.db, d.id).await?;
    let receiver = history.iter().find(|e| e.action == Action::Receive.as_str()).and_then(|e| e.actor_user_id);
    let mut agencies = Vec::new();
    if let Some(id) = receiver {
        agencies.extend(users::user(&state.db, id).await?.agency_code);
    }
    agencies.push(procedure.agency.code.clone());
    let (vi, due, url) = (Lang::Vi, local_time(c.due_at), dossier_url(state, &d.code));
    mail_leaders(state, &agencies, |leader| {
        (
            vi.t_args("late-consultation-subject", &[("code", &d.code), ("agency", &consulted)]),
            vi.t_args(
                "late-consultation-text",
                &[
                    ("name", &leader.full_name),
                    ("code", &d.code),
                    ("procedure", &procedure.name),
                    ("agency", &consulted),
                    ("due", &due),
                    ("url", &url),
                ],
            ),
        )
    })
    .await
}

#[derive(Deserialize)]
struct EscalationPayload {
    code: String,
    agency: String,
    step: usize,
}

/// The e-mails of one escalation: one to each leader of the agency acting at the step.
pub async fn escalation_emails(state: &AppState, job: &Job) -> AppResult<Vec<Email>> {
    let p: EscalationPayload = job.payload_as().map_err(crate::error::AppError::internal)?;
    let d = dossiers::by_code(&state.db, &p.code).await?;
    let procedure = state.procedure_version(d.procedure_version_id).await?;
    let step = procedure.workflow.get(p.step).map(|s| s.name.clone()).unwrap_or_default();
    let (vi, due, url) = (Lang::Vi, d.step_due_at.map(local_time).unwrap_or_default(), dossier_url(state, &d.code));
    mail_leaders(state, std::slice::from_ref(&p.agency), |leader| {
        (
            vi.t_args("escalation-subject", &[("code", &d.code), ("step", &step)]),
            vi.t_args(
                "escalation-text",
                &[
                    ("name", &leader.full_name),
                    ("code", &d.code),
                    ("procedure", &procedure.name),
                    ("step", &step),
                    ("due", &due),
                    ("url", &url),
                ],
            ),
        )
    })
    .await
}

/// One e-mail to each leader of `agencies` who has an address, each person once, with the
/// subject and text `word` gives for that leader.
async fn mail_leaders(
    state: &AppState,
    agencies: &[String],
    word: impl Fn(&users::User) -> (String, String),
) -> AppResult<Vec<Email>> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for agency in agencies {
        for (id, _) in users::officers_of(&state.db, agency, Role::Leader).await? {
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let leader = users::user(&state.db, id).await?;
            let Some(to) = leader.email.as_deref() else { continue };
            let (subject, text) = word(&leader);
            out.push(Email::to_person(&leader.full_name, to, subject, text));
        }
    }
    Ok(out)
}

/// A moment as officers read it in a mail: local time, `03/12/2026 14:30`.
fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&vn_offset()).format("%d/%m/%Y %H:%M").to_string()
}

/// The dossier's page, for a link in a mail.
fn dossier_url(state: &AppState, code: &str) -> String {
    format!("{}/ho-so/{code}", state.config.public_url)
}

fn retry(e: impl std::fmt::Debug) -> JobError {
    JobError::retry(format!("{e:?}"))
}

/// Adds the digest and escalation kinds to the worker's handlers.
pub fn register(handlers: Handlers, state: AppState, mailer: Mailer) -> Handlers {
    let (s1, m1) = (state.clone(), mailer.clone());
    handlers
        .register(DIGEST_JOB, move |job| {
            let (state, mailer) = (s1.clone(), m1.clone());
            async move {
                let p: DigestPayload = job.payload_as().map_err(|e| JobError::permanent(e.to_string()))?;
                match digest_email(&state, p.user, p.day).await.map_err(retry)? {
                    Some(email) => {
                        mailer.send(&email, Some(format!("digest-{}", job.id))).await.map_err(JobError::from)
                    }
                    None => Ok(()),
                }
            }
        })
        .register(ESCALATION_JOB, {
            let (state, mailer) = (state.clone(), mailer.clone());
            move |job| {
                let (state, mailer) = (state.clone(), mailer.clone());
                async move {
                    for (i, email) in escalation_emails(&state, &job).await.map_err(retry)?.iter().enumerate() {
                        mailer.send(email, Some(format!("escalation-{}-{i}", job.id))).await.map_err(JobError::from)?;
                    }
                    Ok(())
                }
            }
        })
        .register(LATE_CONSULTATION_JOB, move |job| {
            let (state, mailer) = (state.clone(), mailer.clone());
            async move {
                for (i, email) in late_consultation_emails(&state, &job).await.map_err(retry)?.iter().enumerate() {
                    let key = format!("late-consultation-{}-{i}", job.id);
                    mailer.send(email, Some(key)).await.map_err(JobError::from)?;
                }
                Ok(())
            }
        })
}

/// When today's digests go out, in UTC.
fn digest_time(day: NaiveDate) -> DateTime<Utc> {
    let at = NaiveTime::from_hms_opt(DIGEST_TIME.0, DIGEST_TIME.1, 0).unwrap_or_default();
    day.and_time(at).and_local_timezone(vn_offset()).single().map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// The scheduler: every minute, escalates overrun steps and makes sure today's digests are
/// queued (they run at 06:30 local time, or at once when the server starts later in the day),
/// and today's audit checkpoint and attachment sweep (every day, working or not); on the first
/// working day of a month, the monthly reports (`super::monthly_report`). Once a day, failed
/// sign-ins older than the step-up's window are forgotten, so that their table stays about a day
/// long.
pub fn start(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        // The last day whose digests this server queued; other servers' are deduplicated.
        let mut scheduled: Option<NaiveDate> = None;
        let mut checkpointed: Option<NaiveDate> = None;
        let mut reported: Option<NaiveDate> = None;
        let mut pruned: Option<NaiveDate> = None;
        let mut swept: Option<NaiveDate> = None;
        loop {
            let now = Utc::now();
            if let Err(e) = scan_overruns(&state.db, now).await {
                tracing::warn!(error = %e, "escalation scan failed");
            }
            if let Err(e) = scan_late_consultations(&state.db, now).await {
                tracing::warn!(error = %e, "late consultation scan failed");
            }
            let day = now.with_timezone(&vn_offset()).date_naive();
            if checkpointed != Some(day) {
                match super::audit::schedule_checkpoint(&state.db, day).await {
                    Ok(_) => checkpointed = Some(day),
                    Err(e) => tracing::warn!(error = %e, "scheduling the audit checkpoint failed"),
                }
            }
            if swept != Some(day) {
                match super::blob_sweep::schedule(&state.db, day).await {
                    Ok(_) => swept = Some(day),
                    Err(e) => tracing::warn!(error = %e, "scheduling the attachment sweep failed"),
                }
            }
            if pruned != Some(day) {
                match motcua_store::users::prune_login_failures(&state.db, now - crate::step_up::WINDOW).await {
                    Ok(n) => {
                        tracing::info!(rows = n, "old failed sign-ins forgotten");
                        pruned = Some(day);
                    }
                    Err(e) => tracing::warn!(error = %e, "forgetting old failed sign-ins failed"),
                }
            }
            if reported != Some(day) {
                match super::monthly_report::schedule(&state, day).await {
                    Ok(_) => reported = Some(day),
                    Err(e) => tracing::warn!(error = %e, "scheduling the monthly reports failed"),
                }
            }
            if scheduled != Some(day) && state.calendar().is_working_day(day) {
                match schedule_digests(&state.db, day, digest_time(day)).await {
                    Ok(_) => scheduled = Some(day),
                    Err(e) => tracing::warn!(error = %e, "scheduling digests failed"),
                }
            }
            tokio::time::sleep(SCAN_EVERY).await;
        }
    })
}
