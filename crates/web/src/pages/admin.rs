//! Administrators' pages: the audit of dossier histories and of who read which dossier.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::{Ctx, SignedIn};
use crate::error::HttpResult;
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
}

/// Verifies every history (chain, sealed head, latest checkpoint) and lists the latest reads (administrators only; anyone
/// else is told the page does not exist).
pub async fn audit(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    super::admin_only(&user)?;
    state.reads.flush().await;
    let v = motcua_store::audit::verify(&state.db).await?;
    let reads = motcua_store::audit::recent_reads(&state.db, 100).await?;
    let checkpoint = match &v.checkpoint {
        Some(cp) => ctx
            .lang
            .t_args("audit-checkpoint", &[("at", &show_time(Some(cp.at))), ("dossiers", &cp.dossiers.to_string())]),
        None => ctx.lang.t("audit-no-checkpoint"),
    };
    let page = AuditPage {
        summary: ctx
            .lang
            .t_args("audit-summary", &[("dossiers", &v.dossiers.to_string()), ("events", &v.events.to_string())]),
        checkpoint,
        findings: v.findings.iter().map(|f| (f.dossier_code.clone(), describe(&ctx, &f.problem))).collect(),
        reads: reads.into_iter().map(|r| (show_time(Some(r.at)), r.reader, r.dossier_code)).collect(),
        ctx: ctx.clone(),
    };
    Ok(ctx.render(&page))
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
