//! Administrators' pages: the audit of dossier histories and of who read which dossier.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

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
