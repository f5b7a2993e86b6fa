//! The applicant rates the service once the result is out.

use chrono::Utc;
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::dossiers::view::view_dossier;
use crate::dossiers::view::DossierView;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;

/// The applicant rates the service once the result is out: overall, timeliness, convenience and
/// staff attitude on the three official levels, with an optional comment.
pub async fn rate_dossier(
    state: &AppState,
    user: &User,
    code: &str,
    levels: [Option<&str>; 4],
    comment: Option<&str>,
) -> AppResult<DossierView> {
    let v = view_dossier(state, Some(user), code).await?;
    if !v.may_rate {
        return Err(AppError::with(ErrorKind::Conflict, "error-action-unavailable"));
    }
    let rating = motcua_domain::rating::check_rating(levels, comment).map_err(|problems| {
        AppError::fields(
            problems
                .into_iter()
                .map(|p| (p.to_string(), if p == "comment" { "field-too-long" } else { "rating-choose" }.to_string()))
                .collect(),
        )
    })?;
    motcua_store::ratings::rate(&state.db, &v.dossier, &rating, Utc::now()).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-action-unavailable"),
        other => other.into(),
    })?;
    view_dossier(state, Some(user), code).await
}
