//! A unit leader assigns the current step of dossiers to a specialist of the unit.

use chrono::Utc;
use motcua_domain::dossier::{may_assign, Role};
use motcua_store::dossiers::{self, By};
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::dossiers::view::DossierView;
use crate::error::{AppError, AppResult};
use crate::lifecycle::actor_for;
use crate::lifecycle::may_see;
use crate::lifecycle::situation;
use crate::state::AppState;

/// The specialists a unit leader may assign the current step to: those of the step's agency.
pub async fn assignable(state: &AppState, v: &DossierView) -> AppResult<Vec<(i64, String)>> {
    let Some(step) = v.procedure.workflow.get(v.dossier.step) else { return Ok(vec![]) };
    Ok(motcua_store::users::officers_of(&state.db, &step.agency, step.role).await?)
}

/// A unit leader assigns dossiers to a specialist of the unit; each is checked on its own, and
/// those the leader may not assign now are reported back by code.
pub async fn assign(state: &AppState, leader: &User, codes: &[String], assignee: i64) -> AppResult<Vec<String>> {
    let mut refused = Vec::new();
    // The officers of a step's agency, looked up once per agency and role for the whole batch.
    let mut staff: std::collections::HashMap<(String, Role), Vec<(i64, String)>> = Default::default();
    for code in codes {
        let d = match dossiers::by_code(&state.db, code).await {
            Ok(d) => d,
            Err(StoreError::NotFound) => {
                refused.push(code.clone());
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let actor = actor_for(state, Some(leader), &d);
        // A dossier the leader may not see is refused exactly as an unknown code is, before
        // anything about it (its unit's staff) can tell the two apart.
        if !may_see(&actor, &d) {
            refused.push(code.clone());
            continue;
        }
        let p = state.procedure_version(d.procedure_version_id).await?;
        let s = situation(&d, &p);
        let Some(step) = p.workflow.get(d.step) else {
            refused.push(code.clone());
            continue;
        };
        let key = (step.agency.clone(), step.role);
        if !staff.contains_key(&key) {
            let list = motcua_store::users::officers_of(&state.db, &step.agency, step.role).await?;
            staff.insert(key.clone(), list);
        }
        let Some((_, name)) = staff[&key].iter().find(|(id, _)| *id == assignee) else {
            return Err(AppError::fields([("assignee".to_string(), "assignee-not-in-unit".to_string())].into()));
        };
        if !may_assign(&s, &actor) {
            refused.push(code.clone());
            continue;
        }
        let by = By { user_id: Some(leader.id), name: leader.full_name.clone() };
        match dossiers::assign(&state.db, &d, assignee, name, &by, Utc::now()).await {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => refused.push(code.clone()),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(refused)
}
