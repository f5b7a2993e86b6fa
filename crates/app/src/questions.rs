//! Questions and feedback from the public (hỏi đáp, góp ý): who moderates them.

use motcua_domain::dossier::Role;
use motcua_store::users::User;

use crate::state::AppState;

/// Who moderates: reception and leaders for their agency; the service centre and administrators
/// for everything. `None` when the user may not moderate at all, `Some(None)` for everything,
/// `Some(Some(agency))` for one agency's.
pub fn moderation_scope(state: &AppState, user: &User) -> Option<Option<String>> {
    let agency = user.agency_code.clone()?;
    if user.has(Role::Admin) || state.catalog().agencies.get(&agency).is_some_and(|a| a.is_service_centre()) {
        return Some(None);
    }
    (user.has(Role::Reception) || user.has(Role::Leader)).then_some(Some(agency))
}
