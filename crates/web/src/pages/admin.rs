//! Administrators' pages: the audit of dossier histories and of who read which dossier, and
//! the explicit permission an administrator asks for to read one dossier.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use serde::Deserialize;

use super::csrf::Csrf;
use super::{Ctx, FormErrors, SignedIn};
use crate::error::HttpResult;
use motcua_app::error::ErrorKind;
use motcua_app::present::show_time;
use motcua_app::state::AppState;
use motcua_store::audit::Problem;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    summary: String,
    checkpoint: String,
    findings: Vec<(String, String)>,
    reads: Vec<(String, String, String)>,
    /// (given, until, who, dossier, reason), newest first.
    grants: Vec<(String, String, String, String, String)>,
    errors: FormErrors,
    /// The permission form as sent, when it is shown again with its errors.
    code: String,
    reason: String,
    lifetime_hours: i64,
}

/// Verifies every history (chain, sealed head, latest checkpoint) and lists the latest reads (administrators only; anyone
/// else is told the page does not exist).
pub async fn audit(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    super::admin_only(&user)?;
    let page = audit_page(&state, &ctx, FormErrors::default(), InspectForm::default()).await?;
    Ok(ctx.render(&page))
}

async fn audit_page(state: &AppState, ctx: &Ctx, errors: FormErrors, form: InspectForm) -> HttpResult<AuditPage> {
    state.reads.flush().await;
    let mut v = motcua_store::audit::verify(&state.db).await?;
    if let Some(path) = state.config.audit_checkpoint_file.clone() {
        // Not written yet (no checkpoint taken since it was configured) is not a finding.
        if let Ok(text) = tokio::fs::read_to_string(&path).await {
            v.findings.extend(motcua_store::audit::verify_external(&state.db, &text).await?.0);
        }
    }
    let reads = motcua_store::audit::recent_reads(&state.db, 100).await?;
    let grants = motcua_store::access_grants::recent(&state.db, 50).await?;
    let checkpoint = match &v.checkpoint {
        Some(cp) => ctx
            .lang
            .t_args("audit-checkpoint", &[("at", &show_time(Some(cp.at))), ("dossiers", &cp.dossiers.to_string())]),
        None => ctx.lang.t("audit-no-checkpoint"),
    };
    Ok(AuditPage {
        summary: ctx
            .lang
            .t_args("audit-summary", &[("dossiers", &v.dossiers.to_string()), ("events", &v.events.to_string())]),
        checkpoint,
        findings: v.findings.iter().map(|f| (f.dossier_code.clone(), describe(ctx, &f.problem))).collect(),
        reads: reads.into_iter().map(|r| (show_time(Some(r.at)), r.reader, r.dossier_code)).collect(),
        grants: grants
            .into_iter()
            .map(|g| (show_time(Some(g.granted_at)), show_time(Some(g.expires_at)), g.reader, g.dossier_code, g.reason))
            .collect(),
        errors,
        code: form.code,
        reason: form.reason,
        lifetime_hours: motcua_app::dossiers::inspect::LIFETIME.num_hours(),
        ctx: ctx.clone(),
    })
}

/// The form asking for permission to read one dossier.
#[derive(Deserialize, Default)]
pub struct InspectForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    reason: String,
}

/// An administrator asks for permission to read one dossier, giving the reason: recorded, then
/// the dossier opens; the permission and every read stay listed on this page.
pub async fn inspect(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Csrf(Form(f)): Csrf<Form<InspectForm>>,
) -> HttpResult<Response> {
    super::admin_only(&user)?;
    match motcua_app::dossiers::inspect::grant(&state, &user, &f.code, &f.reason).await {
        Ok(code) => Ok(Redirect::to(&format!("/ho-so/{code}")).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let order = ["code".to_string(), "reason".to_string()];
            let errors = FormErrors::from_keys(ctx.lang, &e.fields, &order);
            let page = audit_page(&state, &ctx, errors, f).await?;
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// A finding of the audit in the reader's language, as `motcua audit verify` names it.
fn describe(ctx: &Ctx, problem: &Problem) -> String {
    let t = |key: &str, args: &[(&str, &str)]| ctx.lang.t_args(key, args);
    match problem {
        Problem::Altered { event_id } => t("audit-break", &[("event", &event_id.to_string())]),
        Problem::Recomputed { event_id } => t("audit-recomputed", &[("event", &event_id.to_string())]),
        Problem::DeletedEvents { recorded, present } => {
            t("audit-deleted-events", &[("recorded", &recorded.to_string()), ("present", &present.to_string())])
        }
        Problem::ChangedFields { fields } => {
            let names: Vec<String> = fields.iter().map(|f| ctx.lang.t(&format!("audit-field-{f}"))).collect();
            t("audit-changed-fields", &[("fields", &names.join(", "))])
        }
        Problem::Unsealed => ctx.lang.t("audit-unsealed"),
        Problem::DeletedHistory { checkpoint_at } => {
            t("audit-deleted-history", &[("at", &show_time(Some(*checkpoint_at)))])
        }
        Problem::CheckpointAltered { checkpoint_id } => {
            t("audit-checkpoint-altered", &[("checkpoint", &checkpoint_id.to_string())])
        }
        Problem::ExternalLineAltered { line } => t("audit-file-line-altered", &[("line", &line.to_string())]),
        Problem::CheckpointMissing { checkpoint_at } => {
            t("audit-checkpoint-missing", &[("at", &show_time(Some(*checkpoint_at)))])
        }
        Problem::FewerThanCheckpoint { checkpoint_at, counted, present } => t(
            "audit-fewer-than-checkpoint",
            &[
                ("at", &show_time(Some(*checkpoint_at))),
                ("dossiers", &counted.0.to_string()),
                ("events", &counted.1.to_string()),
                ("now_dossiers", &present.0.to_string()),
                ("now_events", &present.1.to_string()),
            ],
        ),
    }
}

/// One status message for the national portal as the administrators' page lists it.
struct OutboxRow {
    id: i64,
    message_id: String,
    dossier_code: String,
    external_code: String,
    status: u8,
    state: &'static str,
    attempts: i64,
    last_attempt: String,
    next_attempt: String,
    sent: String,
    error: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    ctx: Ctx,
    filter: String,
    rows: Vec<OutboxRow>,
    count: String,
    configured: bool,
}

/// The filter of the outbox page.
#[derive(serde::Deserialize)]
pub struct OutboxFilter {
    #[serde(default)]
    status: String,
}

/// The status messages to the national portal (liên thông): what failed and why first, with a
/// "send again" for each message not yet sent (administrators only).
pub async fn outbox(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    axum::extract::Query(f): axum::extract::Query<OutboxFilter>,
) -> HttpResult<Response> {
    super::admin_only(&user)?;
    let filter = motcua_store::national_outbox::OutboxState::parse(&f.status);
    let (messages, total) = motcua_app::national::outbox(&state, Some(&user), None, filter, 1, 200).await?;
    let rows = messages
        .into_iter()
        .map(|m| OutboxRow {
            id: m.id,
            state: m.state().as_str(),
            message_id: m.message_id,
            external_code: m.external_code.unwrap_or_default(),
            dossier_code: m.dossier_code,
            status: m.national_status,
            attempts: m.attempts,
            last_attempt: show_time(m.last_attempt_at),
            next_attempt: if m.sent_at.is_none() { show_time(Some(m.next_attempt_at)) } else { String::new() },
            sent: show_time(m.sent_at),
            error: m.last_error.unwrap_or_default(),
        })
        .collect();
    let configured = state.db.national_sync() != motcua_store::national_outbox::NationalSync::Off;
    let page = OutboxPage {
        filter: filter.map(|s| s.as_str()).unwrap_or("").to_string(),
        rows,
        count: ctx.lang.t_args("outbox-count", &[("total", &total.to_string())]),
        configured,
        ctx: ctx.clone(),
    };
    Ok(ctx.render(&page))
}

/// The "send again" form of one message.
#[derive(serde::Deserialize)]
pub struct SendAgainForm {
    id: i64,
}

/// Sends an unsent message again now, then back to the list.
pub async fn send_again(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    super::csrf::Csrf(axum_extra::extract::Form(f)): super::csrf::Csrf<axum_extra::extract::Form<SendAgainForm>>,
) -> HttpResult<Response> {
    super::admin_only(&user)?;
    motcua_app::national::send_again(&state, &user, f.id).await?;
    Ok(axum::response::Redirect::to("/quan-tri/lien-thong?status=failed").into_response())
}
