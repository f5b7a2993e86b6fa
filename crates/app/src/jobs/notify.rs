//! Telling applicants about their dossiers: every status change (and the one reschedule) is
//! announced at once in the portal, by e-mail and by SMS (DESIGN.md section 3).
//!
//! One job per change carries every channel, enqueued in the transaction of the change (see
//! `motcua_store::dossiers::FollowUps`), so a message is sent if and only if the change was
//! committed, retried with backoff when a server is down, and done once: the job records each
//! channel done, so a retry sends only what failed; the portal entry has a unique key and the
//! e-mail a Message-ID derived from the change.
//! The texts are Fluent templates, built in and overridable by files in the data folder
//! (`templates/notify.vi.ftl`, `templates/notify.en.ftl`) read at each message, so they can be
//! edited without a rebuild or a restart.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use fluent_bundle::{FluentArgs, FluentResource};
use motcua_domain::calendar::vn_offset;
use motcua_domain::dossier::Status;
use motcua_store::dossiers::{self, FollowUps};
use motcua_store::jobs::Job;
use serde::Deserialize;

use super::mail::{Email, Mailer};
use super::sms::SmsProvider;
use super::worker::{Handlers, JobError};
use crate::i18n::Lang;
use crate::state::AppState;

/// The job kind of a message to an applicant.
pub const NOTIFY_JOB: &str = "notify";

/// The channels every change is announced on.
const CHANNELS: [&str; 3] = ["portal", "email", "sms"];

/// What a message to the applicant announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The dossier's new status.
    Status,
    /// A new due date, with the agency's apology.
    Rescheduled,
    /// The agency's refusal of the applicant's request to withdraw: processing goes on.
    WithdrawalDeclined,
}

impl Notice {
    fn key(self) -> Option<&'static str> {
        match self {
            Notice::Status => None,
            Notice::Rescheduled => Some("rescheduled"),
            Notice::WithdrawalDeclined => Some("withdrawal_declined"),
        }
    }

    fn from_key(key: Option<&str>, rescheduled: bool) -> Notice {
        match key {
            Some("withdrawal_declined") => Notice::WithdrawalDeclined,
            Some("rescheduled") => Notice::Rescheduled,
            // Jobs queued before notices had names said `rescheduled: true`.
            _ if rescheduled => Notice::Rescheduled,
            _ => Notice::Status,
        }
    }
}

/// The jobs announcing `notice` about a dossier now in `status`.
pub fn follow_ups(status: Status, notice: Notice) -> FollowUps {
    FollowUps {
        kind: NOTIFY_JOB.into(),
        channels: CHANNELS.iter().map(|c| c.to_string()).collect(),
        detail: serde_json::json!({
            "status": status.as_str(),
            "rescheduled": notice == Notice::Rescheduled,
            "notice": notice.key(),
        }),
    }
}

/// The message templates: the data folder's files when present, else the built-in ones.
#[derive(Clone, Debug, Default)]
pub struct Templates {
    /// Folder of `notify.vi.ftl` / `notify.en.ftl` overrides.
    pub dir: Option<PathBuf>,
}

impl Templates {
    fn source(&self, lang: Lang) -> String {
        let tag = match lang {
            Lang::Vi => "vi",
            Lang::En => "en",
        };
        if let Some(text) =
            self.dir.as_ref().and_then(|d| std::fs::read_to_string(d.join(format!("notify.{tag}.ftl"))).ok())
        {
            return text;
        }
        match lang {
            Lang::Vi => include_str!("../../locales/notify.vi.ftl").to_string(),
            Lang::En => include_str!("../../locales/notify.en.ftl").to_string(),
        }
    }

    /// The message `key` with `args`; a broken override file falls back to the built-in text.
    pub fn render(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let with_key = |source: String| parsed(lang, source).filter(|b| b.has_message(key));
        let Some(b) = with_key(self.source(lang)).or_else(|| with_key(Templates::default().source(lang))) else {
            return key.to_string();
        };
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.to_string());
        }
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else { return key.to_string() };
        let mut errors = vec![];
        b.format_pattern(pattern, Some(&fargs), &mut errors).into_owned()
    }
}

type Bundle = fluent_bundle::concurrent::FluentBundle<FluentResource>;

/// A text of templates in a language and what it parsed to (`None`: it does not parse).
type Parsed = (Lang, String, Option<Arc<Bundle>>);

/// The templates of `source` parsed, `None` when they do not parse. Parsed once per text: the
/// override file is read again for every message (an edit applies at once), but parsing it
/// again cost more than the rest of a notification.
fn parsed(lang: Lang, source: String) -> Option<Arc<Bundle>> {
    /// The texts seen, with what they parsed to; a few at most (the built-in texts, an override
    /// file and its edits), and forgotten past that.
    static PARSED: Mutex<Vec<Parsed>> = Mutex::new(Vec::new());
    let mut seen = PARSED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((.., b)) = seen.iter().find(|(l, s, _)| *l == lang && *s == source) {
        return b.clone();
    }
    let bundle = (|| {
        let res = FluentResource::try_new(source.clone()).ok()?;
        let mut b = Bundle::new_concurrent(vec![lang.tag().parse().ok()?]);
        b.set_use_isolating(false);
        b.add_resource(res).ok()?;
        Some(Arc::new(b))
    })();
    if seen.len() >= 8 {
        seen.clear();
    }
    seen.push((lang, source, bundle.clone()));
    bundle
}

#[derive(Deserialize, serde::Serialize)]
struct Payload {
    code: String,
    revision: i64,
    /// The channels to send by. Jobs queued before one job carried every channel named one.
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default, skip_serializing)]
    channel: Option<String>,
    /// The channels already done (sent, or given up for good) by earlier attempts.
    #[serde(default)]
    done: Vec<String>,
    detail: serde_json::Value,
}

#[derive(Deserialize)]
struct Detail {
    status: String,
    #[serde(default)]
    rescheduled: bool,
    #[serde(default)]
    notice: Option<String>,
}

/// The title and text of a message about a dossier, as the applicant reads it.
pub async fn message(
    state: &AppState,
    templates: &Templates,
    code: &str,
    status: &str,
    notice: Notice,
) -> Result<(String, String), JobError> {
    let d = dossiers::by_code(&state.db, code).await.map_err(|e| JobError::retry(e.to_string()))?;
    message_for(state, templates, &d, status, notice).await
}

/// [`message`] for a dossier already read.
async fn message_for(
    state: &AppState,
    templates: &Templates,
    d: &dossiers::Dossier,
    status: &str,
    notice: Notice,
) -> Result<(String, String), JobError> {
    let code = d.code.as_str();
    let p = state.procedure_version(d.procedure_version_id).await.map_err(|e| JobError::retry(format!("{e:?}")))?;
    let history = dossiers::history(&state.db, d.id).await.map_err(|e| JobError::retry(e.to_string()))?;
    let note = history.last().and_then(|e| e.note.clone()).unwrap_or_default();
    let due = d.due_at.map(|t| t.with_timezone(&vn_offset()).format("%H:%M %d/%m/%Y").to_string()).unwrap_or_default();
    let vi = Lang::Vi;
    let status_name = vi.t(&format!("status-{status}"));
    let url = state.config.lookup_url(code);
    // The signed result's verification page, and the applicant's store where the result is.
    let verify_url = match status {
        "result_ready" | "returned" => motcua_store::seals::of_dossier(&state.db, d.id)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?
            .last()
            .map(|s| state.config.verify_url(&s.code))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let store_url = format!("{}/kho-giay-to", state.config.public_url.trim_end_matches('/'));
    let args = [
        ("code", code),
        ("procedure", p.name.as_str()),
        ("due", due.as_str()),
        ("note", note.as_str()),
        ("status", status_name.as_str()),
        ("url", url.as_str()),
        ("verify_url", verify_url.as_str()),
        ("store_url", store_url.as_str()),
    ];
    let key = format!("notify-{}", notice.key().unwrap_or(status));
    let title = templates.render(vi, "notify-title", &args);
    let text = format!("{}\n{}", templates.render(vi, &key, &args), templates.render(vi, "notify-footer", &args));
    Ok((title, text))
}

async fn run(
    state: &AppState,
    mailer: &Mailer,
    sms: &dyn SmsProvider,
    templates: &Templates,
    job: &Job,
) -> Result<(), JobError> {
    let mut p: Payload = job.payload_as().map_err(|e| JobError::permanent(e.to_string()))?;
    let detail: Detail = serde_json::from_value(p.detail.clone()).map_err(|e| JobError::permanent(e.to_string()))?;
    if let Some(channel) = p.channel.take() {
        p.channels = vec![channel];
    }
    let d = dossiers::by_code(&state.db, &p.code).await.map_err(|e| JobError::retry(e.to_string()))?;
    let notice = Notice::from_key(detail.notice.as_deref(), detail.rescheduled);
    let (title, text) = message_for(state, templates, &d, &detail.status, notice).await?;
    let message = Message { id: format!("{}-{}", p.code, p.revision), title, text };
    let (mut transient, mut permanent) = (Vec::new(), Vec::new());
    let pending: Vec<String> = p.channels.iter().filter(|c| !p.done.contains(c)).cloned().collect();
    for channel in pending {
        let sent = send(state, mailer, sms, &d, &channel, &message).await;
        match sent {
            Ok(()) => p.done.push(channel),
            Err(e) if e.permanent => {
                permanent.push(format!("{channel}: {e}"));
                p.done.push(channel);
            }
            Err(e) => transient.push(format!("{channel}: {e}")),
        }
    }
    if transient.is_empty() && permanent.is_empty() {
        return Ok(());
    }
    if !transient.is_empty() {
        // The next attempt sends only what failed for now.
        let progress = serde_json::to_value(&p).map_err(|e| JobError::retry(e.to_string()))?;
        motcua_store::jobs::record_progress(&state.db, job, &progress)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        transient.extend(permanent);
        return Err(JobError::retry(transient.join("; ")));
    }
    Err(JobError::permanent(permanent.join("; ")))
}

/// One message about a change: its id (the dossier code and revision), title and text.
struct Message {
    id: String,
    title: String,
    text: String,
}

/// Sends `m` about the dossier `d` by one channel.
async fn send(
    state: &AppState,
    mailer: &Mailer,
    sms: &dyn SmsProvider,
    d: &dossiers::Dossier,
    channel: &str,
    m: &Message,
) -> Result<(), JobError> {
    let Message { id, title, text } = m;
    match channel {
        "portal" => match d.applicant_user_id {
            Some(user) => motcua_store::notifications::add(
                &state.db,
                user,
                &d.code,
                title,
                text,
                &format!("notify:{id}"),
                Utc::now(),
            )
            .await
            .map_err(|e| JobError::retry(e.to_string())),
            None => Ok(()),
        },
        "email" => match d.applicant.email.as_deref().filter(|e| !e.is_empty()) {
            Some(to) => {
                let email = Email::to_person(&d.applicant.full_name, to, title.clone(), text.clone());
                mailer.send(&email, Some(format!("notify-{id}"))).await.map_err(JobError::from)
            }
            None => Ok(()),
        },
        "sms" => {
            let short: String = text.lines().next().unwrap_or_default().chars().take(300).collect();
            sms.send(&d.applicant.phone, &short, id).await.map_err(JobError::from)
        }
        other => Err(JobError::permanent(format!("unknown channel {other}"))),
    }
}

/// Adds the applicant notifications, and the codes of forgotten passwords and of registrations
/// sent by the same channels, to the worker's handlers.
pub fn register(
    handlers: Handlers,
    state: AppState,
    mailer: Mailer,
    sms: Arc<dyn SmsProvider>,
    templates: Templates,
) -> Handlers {
    let handlers = crate::password_reset::register(handlers, state.clone(), mailer.clone(), sms.clone());
    let handlers = crate::registration::register(handlers, state.clone(), mailer.clone(), sms.clone());
    handlers.register(NOTIFY_JOB, move |job| {
        let (state, mailer, sms, templates) = (state.clone(), mailer.clone(), sms.clone(), templates.clone());
        async move { run(&state, &mailer, sms.as_ref(), &templates, &job).await }
    })
}
