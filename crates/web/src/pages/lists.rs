//! Lists of dossiers: a citizen's own and an officer's queues, with their filters and pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use motcua_domain::dossier::Status;
use motcua_store::dossiers::{Listed, Page};
use serde::Deserialize;

use super::{Ctx, SignedIn};
use crate::error::HttpResult;
use motcua_app::present::show_time;
use motcua_app::state::AppState;

/// A dossier in a list.
pub struct Row {
    pub code: String,
    pub procedure: String,
    pub applicant: String,
    pub status: String,
    pub status_key: String,
    pub submitted: String,
    pub due: String,
    pub overdue: bool,
    pub due_soon: bool,
    /// More than one supplement request: flagged for the indicators.
    pub repeated_supplements: bool,
}

/// The leader's bulk assignment on a queue: the specialists of the unit to pick from.
pub struct BulkAssign {
    pub specialists: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "mine.html")]
pub struct ListPage {
    pub ctx: Ctx,
    pub title: String,
    pub tabs: Vec<(String, String, bool)>,
    pub deadline_links: Vec<(String, String, bool)>,
    pub bulk: Option<BulkAssign>,
    pub register: bool,
    /// A citizen's saved drafts: (resume link, procedure, saved at).
    pub drafts: Vec<(String, String, String)>,
    pub base_url: String,
    pub scope: String,
    pub deadline: String,
    /// The search box, with what was looked for (officers' lists only).
    pub search: Option<String>,
    /// The orders to choose from: (value, label, chosen); none on a citizen's list.
    pub sorts: Vec<(String, String, bool)>,
    /// Whose dossiers, on the list of a citizen who represents organisations: (value of `cua`,
    /// label, chosen); empty otherwise.
    pub whose: Vec<(String, String, bool)>,
    /// Whether to offer a citizen the organisation accounts.
    pub organisations_link: bool,
    pub statuses: Vec<(String, String, bool)>,
    pub count_text: String,
    pub flash: String,
    pub rows: Vec<Row>,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
}

/// List parameters.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub status: Option<String>,
    pub scope: Option<String>,
    pub deadline: Option<String>,
    pub page: Option<i64>,
    pub assigned: Option<usize>,
    pub refused: Option<usize>,
    pub luu: Option<String>,
    /// What to look for: a dossier code, an applicant's name or phone.
    pub q: Option<String>,
    /// `due` (the nearest due date first, officers' default) or `new` (the latest first).
    pub sort: Option<String>,
    /// A citizen's: whose dossiers (`toi`: their own; an organisation's id; all when absent).
    pub cua: Option<String>,
}

impl ListQuery {
    /// The address of this list with these parameters, the empty ones left out, so that every
    /// link of the page keeps the filters chosen.
    pub fn url(&self, base: &str, page: Option<i64>) -> String {
        let page = page.map(|p| p.to_string());
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("scope", self.scope.as_deref()),
            ("deadline", self.deadline.as_deref()),
            ("status", self.status.as_deref()),
            ("q", self.q.as_deref()),
            ("sort", self.sort.as_deref()),
            ("cua", self.cua.as_deref()),
            ("page", page.as_deref()),
        ] {
            if let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) {
                out.append_pair(k, v);
            }
        }
        let query = out.finish();
        if query.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{query}")
        }
    }
}

/// Parses the status filter; an unknown one is ignored.
pub fn status_filter(q: &ListQuery) -> Option<Status> {
    q.status.as_deref().and_then(Status::parse)
}

/// Builds a list page from a page of dossiers.
pub fn list_page(
    state: &AppState,
    ctx: &Ctx,
    title: String,
    base_url: &str,
    q: &ListQuery,
    page: Page<Listed>,
    per_page: i64,
) -> ListPage {
    let catalog = state.catalog();
    let lang = ctx.lang;
    let now = Utc::now();
    let current = q.page.unwrap_or(1).max(1);
    let scope = q.scope.clone().unwrap_or_default();
    let deadline = q.deadline.clone().unwrap_or_default();
    let link = |p: i64| q.url(base_url, Some(p));
    let soon_until = motcua_app::dossiers::queue::due_soon_until(state, now);
    ListPage {
        ctx: ctx.clone(),
        title,
        tabs: vec![],
        deadline_links: vec![],
        bulk: None,
        register: false,
        drafts: vec![],
        base_url: base_url.to_string(),
        scope: scope.clone(),
        deadline: deadline.clone(),
        search: None,
        sorts: vec![],
        whose: vec![],
        organisations_link: false,
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), lang.t(&format!("status-{}", s.as_str())), Some(*s) == status_filter(q)))
            .collect(),
        count_text: lang.t_args(
            if page.total_capped { "list-count-more" } else { "list-count" },
            &[("n", &motcua_render::thousands(page.total))],
        ),
        flash: match (q.assigned, q.refused) {
            (Some(n), Some(r)) if r > 0 => {
                lang.t_args("assign-partly", &[("n", &n.to_string()), ("refused", &r.to_string())])
            }
            (Some(n), _) => lang.t_args("assign-done", &[("n", &n.to_string())]),
            _ if q.luu.is_some() => lang.t("draft-saved"),
            _ => String::new(),
        },
        rows: page
            .items
            .iter()
            .map(|d| Row {
                code: d.code.clone(),
                procedure: catalog
                    .get(&d.procedure_code)
                    .map(|p| lang.pick(&p.name, p.name_en.as_deref()).to_string())
                    .unwrap_or_else(|| d.procedure_code.clone()),
                applicant: d.applicant.full_name.clone(),
                status: lang.t(&format!("status-{}", d.status.as_str())),
                status_key: d.status.as_str().into(),
                submitted: show_time(Some(d.submitted_at)),
                due: show_time(d.due_at),
                overdue: !d.status.is_final() && d.finished_at.is_none() && d.due_at.is_some_and(|due| due < now),
                due_soon: d.status.is_in_workflow() && d.due_at.is_some_and(|due| due >= now && due <= soon_until),
                repeated_supplements: ctx.is_officer()
                    && motcua_domain::indicator::repeated_supplements(
                        u32::try_from(d.supplement_count).unwrap_or(u32::MAX),
                    ),
            })
            .collect(),
        prev_url: (current > 1).then(|| link(current - 1)),
        next_url: (current * per_page < page.total || page.total_capped).then(|| link(current + 1)),
    }
}

/// A citizen's own dossiers.
pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> HttpResult<Response> {
    if user.is_officer() {
        return Ok(Redirect::to("/can-bo").into_response());
    }
    use motcua_app::dossiers::queue::{QueueQuery, Whose};
    let per_page = 20;
    let whose = match q.cua.as_deref().map(str::trim) {
        Some("toi") => Whose::Own,
        Some(id) if !id.is_empty() => id.parse().map(Whose::Organisation).unwrap_or_default(),
        _ => Whose::All,
    };
    let query =
        QueueQuery { status: status_filter(&q), page: q.page.unwrap_or(1), per_page, whose, ..Default::default() };
    let page = motcua_app::dossiers::queue::list(&state, &user, &query).await?;
    let mut view = list_page(&state, &ctx, ctx.t("mine-title"), "/ho-so", &q, page, per_page);
    view.organisations_link = true;
    if !user.organisations.is_empty() {
        view.whose = vec![
            (String::new(), ctx.t("mine-whose-all"), whose == Whose::All),
            ("toi".to_string(), ctx.t("mine-whose-own"), whose == Whose::Own),
        ];
        for (o, _) in motcua_app::organisations::mine(&state, &user).await? {
            if user.organisations.contains(&o.id) {
                let chosen = whose == Whose::Organisation(o.id);
                view.whose.push((o.id.to_string(), o.name, chosen));
            }
        }
    }
    let catalog = state.catalog();
    view.drafts = motcua_store::drafts::saved_by(&state.db, user.id)
        .await?
        .into_iter()
        .map(|d| {
            let name = catalog
                .get(&d.procedure_code)
                .map(|p| ctx.lang.pick(&p.name, p.name_en.as_deref()).to_string())
                .unwrap_or_else(|| d.procedure_code.clone());
            (format!("/nop/{}?nhap={}", d.procedure_code, d.id), name, show_time(Some(d.created_at)))
        })
        .collect();
    Ok(ctx.render(&view))
}
