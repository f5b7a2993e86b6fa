//! The monthly report (issue 13 point 7): on the first working day of each month (the province's
//! working calendar, Vietnam time), each steering account receives the previous month's II.06a
//! report of the province, and each unit leader their agency's, by e-mail with the signed PDF
//! attached and a few lines of its figures and the Decision 766 score.
//!
//! As with the daily digest, scheduling is one job per person per month, deduplicated by its key
//! (`monthly-report:<YYYY-MM>:<user>`), so any number of servers and restarts enqueue it once. The
//! report and its PDF are made when the job runs, from the figures as they stand then.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use motcua_domain::calendar::vn_offset;
use motcua_domain::report::{monthly_report_due, Period};
use motcua_store::jobs::NewJob;
use motcua_store::{users, StoreError};
use serde::{Deserialize, Serialize};

use super::mail::{Email, MailAttachment, Mailer};
use super::worker::{Handlers, JobError};
use crate::error::{AppResult, ErrorKind};
use crate::i18n::Lang;
use crate::present::decimal;
use crate::reports::{self, Scope};
use crate::state::AppState;

/// The job kind of one person's monthly report.
pub const MONTHLY_REPORT_JOB: &str = "monthly_report";
/// Reports go out from this local time on their day.
const REPORT_TIME: (u32, u32) = (7, 0);

#[derive(Serialize, Deserialize)]
struct Payload {
    user: i64,
    from: NaiveDate,
    to: NaiveDate,
}

/// On the first working day of a month, enqueues the previous month's report for every steering
/// account and unit leader with an e-mail address; on other days nothing. Safe to call any number
/// of times: each person gets one report per month. How many jobs were added.
pub async fn schedule(state: &AppState, day: NaiveDate) -> Result<usize, StoreError> {
    let Some(period) = monthly_report_due(&state.calendar(), day) else { return Ok(0) };
    let at = NaiveTime::from_hms_opt(REPORT_TIME.0, REPORT_TIME.1, 0).unwrap_or_default();
    let run_at: DateTime<Utc> =
        day.and_time(at).and_local_timezone(vn_offset()).single().map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    let month = period.from.format("%Y-%m");
    let mut added = 0;
    for id in users::monthly_report_recipients(&state.db).await? {
        let payload = serde_json::to_value(Payload { user: id, from: period.from, to: period.to }).unwrap_or_default();
        let job = NewJob::new(MONTHLY_REPORT_JOB, payload).dedupe(format!("monthly-report:{month}:{id}")).at(run_at);
        if motcua_store::jobs::enqueue(&state.db, &job).await?.is_some() {
            added += 1;
        }
    }
    Ok(added)
}

/// One person's monthly report: the e-mail and the signed PDF it carries.
#[derive(Clone, Debug)]
pub struct MonthlyReport {
    /// The message, in Vietnamese (accounts carry no language of their own).
    pub email: Email,
    /// The report II.06a as a signed PDF.
    pub pdf: MailAttachment,
}

/// The report of `period` for the user `user_id`: the province's for a steering account, their
/// agency's for a unit leader. `None` when the account is gone, has no address any more or reads
/// no report.
pub async fn monthly_report(state: &AppState, user_id: i64, period: Period) -> AppResult<Option<MonthlyReport>> {
    let user = match users::user(&state.db, user_id).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(to) = user.email.clone() else { return Ok(None) };
    let report = match reports::ii06a(state, &user, period, None).await {
        Ok(r) => r,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let bytes = reports::ii06a_pdf(state, &user, &report).await?;
    let found = crate::indicators::indicators(state, &user, period, None).await?;
    let vi = Lang::Vi;
    let scope_name = report.scope.name(vi, &state.config.place);
    let scope_file = report.scope.agency().map_or_else(|| "tinh".to_string(), |a| a.code.replace('.', "-"));
    let month = period.from.format("%m/%Y").to_string();
    let n = |x: u64| x.to_string();
    let t = report.total;
    let mut text = vi.t_args("monthly-report-greeting", &[("name", &user.full_name)]);
    text.push_str("\n\n");
    text.push_str(&vi.t_args("monthly-report-intro", &[("month", &month), ("scope", &scope_name)]));
    text.push_str("\n\n");
    let lines = [
        vi.t_args(
            "monthly-report-received",
            &[
                ("total", &n(t.received.total)),
                ("carried", &n(t.received.carried_over)),
                ("online", &n(t.received.online)),
                ("direct", &n(t.received.direct)),
            ],
        ),
        vi.t_args(
            "monthly-report-resolved",
            &[
                ("total", &n(t.resolved.total)),
                ("early", &n(t.resolved.early)),
                ("on_time", &n(t.resolved.on_time)),
                ("late", &n(t.resolved.late)),
            ],
        ),
        vi.t_args(
            "monthly-report-in-progress",
            &[("total", &n(t.in_progress.total)), ("overdue", &n(t.in_progress.overdue))],
        ),
    ];
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    let max = decimal(vi, state.config.indicator_targets.total(), 1);
    let score = match (&report.scope, found.units.first()) {
        (Scope::Agency(_), Some(u)) => vi.t_args(
            "monthly-report-score-rank",
            &[
                ("score", &decimal(vi, u.card.score, 1)),
                ("max", &max),
                ("rank", &n(u.rank.into())),
                ("n", &n(found.ranked as u64)),
            ],
        ),
        (Scope::Agency(_), None) => vi.t("monthly-report-score-none"),
        (Scope::Province, _) => {
            vi.t_args("monthly-report-score", &[("score", &decimal(vi, found.province.score, 1)), ("max", &max)])
        }
    };
    text.push_str(&score);
    text.push_str("\n\n");
    let query = match report.scope.agency() {
        Some(a) => format!("tu={}&den={}&don_vi={}", period.from, period.to, a.code),
        None => format!("tu={}&den={}", period.from, period.to),
    };
    text.push_str(
        &vi.t_args("monthly-report-link", &[("url", &format!("{}/bao-cao/chi-so?{query}", state.config.public_url))]),
    );
    text.push('\n');
    let subject = vi.t_args("monthly-report-subject", &[("month", &month), ("scope", &scope_name)]);
    Ok(Some(MonthlyReport {
        email: Email::to_person(&user.full_name, &to, subject, text),
        pdf: MailAttachment {
            file_name: format!("II06a-{scope_file}-{}-{}.pdf", period.from, period.to),
            content_type: "application/pdf".into(),
            bytes,
        },
    }))
}

/// Adds the monthly report's kind to the worker's handlers.
pub fn register(handlers: Handlers, state: AppState, mailer: Mailer) -> Handlers {
    handlers.register(MONTHLY_REPORT_JOB, move |job| {
        let (state, mailer) = (state.clone(), mailer.clone());
        async move {
            let p: Payload = job.payload_as().map_err(|e| JobError::permanent(e.to_string()))?;
            let period = Period::new(p.from, p.to).map_err(|e| JobError::permanent(e.to_string()))?;
            match monthly_report(&state, p.user, period).await.map_err(|e| JobError::retry(format!("{e:?}")))? {
                Some(r) => {
                    let id = Some(format!("monthly-report-{}", job.id));
                    mailer.send_with(&r.email, std::slice::from_ref(&r.pdf), id).await.map_err(JobError::from)
                }
                None => Ok(()),
            }
        }
    })
}
