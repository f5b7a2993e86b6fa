//! Administrators' pages: the audit of dossier histories and of who read which dossier.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Ctx, SignedIn};
use crate::error::HttpResult;
use motcua_app::present::show_time;
use motcua_app::state::AppState;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    summary: String,
    breaks: Vec<(String, String)>,
    reads: Vec<(String, String, String)>,
}

/// Verifies every history's hash chain and lists the latest reads (administrators only; anyone
/// else is told the page does not exist).
pub async fn audit(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    super::admin_only(&user)?;
    state.reads.flush().await;
    let v = motcua_store::audit::verify(&state.db).await?;
    let reads = motcua_store::audit::recent_reads(&state.db, 100).await?;
    let page = AuditPage {
        summary: ctx
            .lang
            .t_args("audit-summary", &[("dossiers", &v.dossiers.to_string()), ("events", &v.events.to_string())]),
        breaks: v
            .breaks
            .iter()
            .map(|b| (b.dossier_code.clone(), ctx.lang.t_args("audit-break", &[("event", &b.event_id.to_string())])))
            .collect(),
        reads: reads.into_iter().map(|r| (show_time(Some(r.at)), r.reader, r.dossier_code)).collect(),
        ctx: ctx.clone(),
    };
    Ok(ctx.render(&page))
}
