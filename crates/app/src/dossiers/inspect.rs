//! An administrator reads a dossier only with an explicit permission (quyền xem hồ sơ): asked for
//! one dossier with a reason, good for a working day, kept for good and listed on the audit page,
//! and every read it allows logged as an officer's is. Administering the system is otherwise no
//! reason to see anyone's papers (`lifecycle::may_see`).

use chrono::{Duration, Utc};
use motcua_domain::dossier::Role;
use motcua_store::access_grants;
use motcua_store::dossiers::{self, Dossier};
use motcua_store::error::StoreError;
use motcua_store::users::User;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How long a permission lets its holder read the dossier.
pub const LIFETIME: Duration = Duration::hours(8);
/// The shortest reason accepted: a few words, e.g. a support request's number and subject.
pub const MIN_REASON_CHARS: usize = 10;
/// The longest reason kept.
const MAX_REASON_CHARS: usize = 500;

/// Gives administrator `user` permission to read the dossier `code` for [`LIFETIME`], for
/// `reason`; the dossier's code. Field errors: `code` (no such dossier), `reason` (missing, too
/// short or too long).
pub async fn grant(state: &AppState, user: &User, code: &str, reason: &str) -> AppResult<String> {
    if !user.has(Role::Admin) {
        return Err(AppError::not_found());
    }
    let reason = reason.trim();
    let mut fields = std::collections::BTreeMap::new();
    let chars = reason.chars().count();
    if chars == 0 {
        fields.insert("reason".to_string(), "field-required".to_string());
    } else if chars < MIN_REASON_CHARS {
        fields.insert("reason".to_string(), "inspect-reason-short".to_string());
    } else if chars > MAX_REASON_CHARS {
        fields.insert("reason".to_string(), "field-too-long".to_string());
    }
    let dossier = match dossiers::by_code(&state.db, code.trim()).await {
        Ok(d) => Some(d),
        Err(StoreError::NotFound) => {
            let key = if code.trim().is_empty() { "field-required" } else { "inspect-no-dossier" };
            fields.insert("code".to_string(), key.to_string());
            None
        }
        Err(e) => return Err(e.into()),
    };
    let Some(d) = dossier.filter(|_| fields.is_empty()) else {
        return Err(AppError::fields(fields));
    };
    let now = Utc::now();
    access_grants::grant(&state.db, d.id, user.id, reason, now, now + LIFETIME).await?;
    tracing::info!(admin = user.id, dossier = %d.code, reason, "permission to read a dossier given");
    Ok(d.code)
}

/// Whether `user` is an administrator holding a permission to read `d` now.
pub(crate) async fn is_granted(state: &AppState, user_id: i64, roles: &[Role], d: &Dossier) -> AppResult<bool> {
    if !roles.contains(&Role::Admin) {
        return Ok(false);
    }
    Ok(access_grants::is_granted(&state.db, d.id, user_id, Utc::now()).await?)
}
