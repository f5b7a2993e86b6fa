//! Lists of dossiers: a citizen's own, and an officer's queues with their deadline filters,
//! their search and their order.

use chrono::{DateTime, Utc};
use motcua_domain::dossier::Status;
use motcua_store::dossiers::{self, Deadline, Filter, Listed, Listing, Order, Page};
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

/// A user's list as [`list`] gives it, without a search and in each list's own order (the API,
/// the digests and escalations).
pub async fn officer_queue(
    state: &AppState,
    user: &User,
    tab: QueueTab,
    deadline: Option<DeadlineFilter>,
    status: Option<Status>,
    page: i64,
    per_page: i64,
) -> AppResult<Page<Listed>> {
    let query = QueueQuery { tab, deadline, status, page, per_page, ..Default::default() };
    list(state, user, &query).await
}

/// One page of a list as asked: which list, its filters, what to look for, in which order.
#[derive(Clone, Debug, Default)]
pub struct QueueQuery {
    /// Which of an officer's lists (ignored for citizens).
    pub tab: QueueTab,
    /// The deadline marker (officers only).
    pub deadline: Option<DeadlineFilter>,
    /// Only this status.
    pub status: Option<Status>,
    /// A dossier code, an applicant's name or phone number, or part of one (officers only).
    pub search: Option<String>,
    /// The order; the list's own when `None`.
    pub order: Option<Order>,
    /// The page, from 1.
    pub page: i64,
    /// Dossiers a page.
    pub per_page: i64,
    /// Whose dossiers (citizens only).
    pub whose: Whose,
    /// Start after this position instead of at `page` (see `motcua_store::dossiers::Cursor`).
    pub after: Option<dossiers::Cursor>,
}

/// Whose dossiers a citizen lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Whose {
    /// Their own and those of every organisation they represent.
    #[default]
    All,
    /// Those they filed for themself.
    Own,
    /// Those of one organisation they represent (by id); none if they do not represent it.
    Organisation(i64),
}

/// What to look for in a search box: a phone number in any of its spellings (`+84 912 345 678`)
/// becomes the stored one (`0912345678`); anything else is looked for as typed.
fn search_text(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(match motcua_domain::identity::PhoneNumber::parse(raw) {
        Ok(phone) => phone.as_str().to_string(),
        Err(_) => raw.to_string(),
    })
}

/// A user's list: a citizen's own dossiers (by status), or one of an officer's lists with its
/// filters, search and order.
pub async fn list(state: &AppState, user: &User, q: &QueueQuery) -> AppResult<Page<Listed>> {
    let (status, page, per_page) = (q.status, q.page, q.per_page);
    let Some(agency) = user.agency_code.clone().filter(|_| user.is_officer()) else {
        let listing = match q.whose {
            Whose::All => Listing::Applicant { user_id: Some(user.id), organisations: user.organisations.clone() },
            Whose::Own => Listing::Applicant { user_id: Some(user.id), organisations: Vec::new() },
            Whose::Organisation(o) => Listing::Applicant {
                user_id: None,
                organisations: user.organisations.iter().copied().filter(|x| *x == o).collect(),
            },
        };
        let filter = Filter { status, after: q.after, ..Default::default() };
        return Ok(dossiers::list(&state.db, &listing, &filter, page, per_page).await?);
    };
    let (tab, deadline) = (q.tab, q.deadline);
    let at_service_centre = state.catalog().agencies.get(&agency).is_some_and(|a| a.is_service_centre());
    let now = Utc::now();
    let mut filter = Filter {
        status,
        deadline: deadline.map(|d| match d {
            DeadlineFilter::Overdue => Deadline::Overdue { now },
            DeadlineFilter::DueSoon => Deadline::DueSoon { now, until: due_soon_until(state, now) },
        }),
        text: q.search.as_deref().and_then(search_text),
        order: q.order,
        after: q.after,
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
