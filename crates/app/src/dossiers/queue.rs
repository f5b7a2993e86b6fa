//! Lists of dossiers: a citizen's own, and an officer's queues with their deadline filters.

use chrono::{DateTime, Utc};
use motcua_domain::dossier::Status;
use motcua_store::dossiers::{self, Deadline, Dossier, Filter, Listing, Page};
use motcua_store::users::User;

use crate::error::AppResult;
use crate::state::AppState;

/// Which of an officer's lists to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueueTab {
    /// What the officer may act on now (steps assigned to others left out).
    #[default]
    Mine,
    /// Everything of the officer's unit.
    Unit,
    /// Opinions asked of the officer's agency.
    Consulted,
}

/// The deadline marker of a queue filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineFilter {
    /// Due by the close of the next working day.
    DueSoon,
    /// Late.
    Overdue,
}

/// The end of the "due soon" window at `now`: the close of the next working day.
pub fn due_soon_until(state: &AppState, now: DateTime<Utc>) -> DateTime<Utc> {
    let cal = state.calendar();
    let rule = motcua_domain::calendar::CountingRule::default();
    let local = now.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    let next = cal.next_working_day(local);
    next.and_time(rule.office_hours.close())
        .and_local_timezone(motcua_domain::calendar::vn_offset())
        .single()
        .map_or(now, |t| t.with_timezone(&Utc))
}

/// A user's list: a citizen's own dossiers, or one of an officer's lists with its filters.
pub async fn officer_queue(
    state: &AppState,
    user: &User,
    tab: QueueTab,
    deadline: Option<DeadlineFilter>,
    status: Option<Status>,
    page: i64,
    per_page: i64,
) -> AppResult<Page<Dossier>> {
    let Some(agency) = user.agency_code.clone().filter(|_| user.is_officer()) else {
        return Ok(dossiers::list(
            &state.db,
            &Listing::Applicant(user.id),
            &Filter { status, ..Default::default() },
            page,
            per_page,
        )
        .await?);
    };
    let at_service_centre = state.catalog().agencies.get(&agency).is_some_and(|a| a.is_service_centre());
    let now = Utc::now();
    let mut filter = Filter {
        status,
        deadline: deadline.map(|d| match d {
            DeadlineFilter::Overdue => Deadline::Overdue { now },
            DeadlineFilter::DueSoon => Deadline::DueSoon { now, until: due_soon_until(state, now) },
        }),
        ..Default::default()
    };
    let listing = match tab {
        QueueTab::Mine => {
            filter.for_officer = Some(user.id);
            Listing::Queue { roles: user.roles.clone(), agency, at_service_centre }
        }
        QueueTab::Unit => Listing::Agency { agency, at_service_centre },
        QueueTab::Consulted => Listing::Consulted { agency },
    };
    Ok(dossiers::list(&state.db, &listing, &filter, page, per_page).await?)
}
