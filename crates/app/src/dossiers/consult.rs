//! Opinions asked of other agencies, answered by their officers.

use chrono::Utc;
use motcua_store::dossiers::{self, By};
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::dossiers::view::assemble;
use crate::dossiers::view::DossierView;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::lifecycle::actor_for;
use crate::lifecycle::may_answer;
use crate::lifecycle::may_view;
use crate::state::AppState;

/// A consulted agency's officer gives its opinion.
pub async fn answer_consultation(
    state: &AppState,
    user: &User,
    code: &str,
    consultation_id: i64,
    answer: &str,
) -> AppResult<DossierView> {
    let d = dossiers::by_code(&state.db, code).await?;
    let actor = actor_for(state, Some(user), &d);
    if !may_view(state, &actor, &d).await? {
        return Err(AppError::not_found());
    }
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(AppError::fields([("answer".to_string(), "note-required".to_string())].into()));
    }
    if answer.chars().count() > 5000 {
        return Err(AppError::fields([("answer".to_string(), "field-too-long".to_string())].into()));
    }
    let open = dossiers::consultations(&state.db, d.id).await?;
    let Some(c) = open.iter().find(|c| c.id == consultation_id && c.answered_at.is_none() && !c.cancelled) else {
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
    };
    if !may_answer(&actor, c) {
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
    }
    let by = By { user_id: Some(user.id), name: user.full_name.clone() };
    let updated =
        dossiers::answer_consultation(&state.db, &d, c.id, answer, &by, Utc::now()).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"),
            other => other.into(),
        })?;
    assemble(state, updated, &actor).await
}
