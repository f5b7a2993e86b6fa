//! The back office: an officer's work queue and their agency's dossiers.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::present;

use super::apply::{answers_and_files, apply_page, field_names};
use super::csrf::{Csrf, CsrfMultipart};
use super::lists::{list_page, status_filter, BulkAssign, ListQuery};
use super::{Ctx, FormErrors, SignedIn};
use crate::error::{AppError, ErrorKind, HttpResult};
use crate::uploads;
use motcua_app::dossiers::queue::{DeadlineFilter, QueueQuery, QueueTab};
use motcua_app::state::AppState;
use motcua_domain::dossier::Role;
use motcua_store::dossiers::Order;

/// An officer's lists: the work queue (`scope` empty), all of the unit (`scope=agency`), the
/// opinions asked of the agency (`scope=consulted`); each filtered by deadline (`deadline=
/// due_soon|overdue`) and status, searched by dossier code, applicant's name or phone (`q`), and
/// ordered by due date (`sort=due`, the default) or latest first (`sort=new`); every filter
/// stays in the address. A unit leader assigns from the unit's list, several at once.
pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> HttpResult<Response> {
    if !user.is_officer() {
        return Ok(Redirect::to("/ho-so").into_response());
    }
    let tab = match q.scope.as_deref() {
        Some("agency") => QueueTab::Unit,
        Some("consulted") => QueueTab::Consulted,
        _ => QueueTab::Mine,
    };
    let deadline = match q.deadline.as_deref() {
        Some("due_soon") => Some(DeadlineFilter::DueSoon),
        Some("overdue") => Some(DeadlineFilter::Overdue),
        _ => None,
    };
    let sort = if q.sort.as_deref() == Some("new") { "new" } else { "due" };
    let per_page = 50;
    let query = QueueQuery {
        tab,
        deadline,
        status: status_filter(&q),
        search: q.q.clone(),
        order: Some(if sort == "new" { Order::Newest } else { Order::DueFirst }),
        page: q.page.unwrap_or(1),
        per_page,
        ..Default::default()
    };
    let page = motcua_app::dossiers::queue::list(&state, &user, &query).await?;
    let title = ctx.t(match tab {
        QueueTab::Mine => "queue-title",
        QueueTab::Unit => "queue-agency-title",
        QueueTab::Consulted => "queue-consulted-title",
    });
    let mut view = list_page(&state, &ctx, title, "/can-bo", &q, page, per_page);
    view.search = Some(q.q.clone().unwrap_or_default());
    view.sorts = [("due", "sort-due"), ("new", "sort-newest")]
        .into_iter()
        .map(|(value, key)| (value.to_string(), ctx.t(key), value == sort))
        .collect();
    // Another list starts afresh but keeps the order; another deadline keeps every filter.
    view.tabs = [
        ("queue-title", "", QueueTab::Mine),
        ("queue-agency-title", "agency", QueueTab::Unit),
        ("queue-consulted-title", "consulted", QueueTab::Consulted),
    ]
    .into_iter()
    .map(|(key, s, t)| {
        let to = ListQuery { scope: Some(s.to_string()), sort: q.sort.clone(), ..ListQuery::default() };
        (ctx.t(key), to.url("/can-bo", None), t == tab)
    })
    .collect();
    view.deadline_links = [("deadline-all", ""), ("deadline-due-soon", "due_soon"), ("deadline-overdue", "overdue")]
        .into_iter()
        .map(|(key, d)| {
            let to = ListQuery {
                scope: q.scope.clone(),
                deadline: Some(d.to_string()),
                status: q.status.clone(),
                q: q.q.clone(),
                sort: q.sort.clone(),
                ..ListQuery::default()
            };
            (ctx.t(key), to.url("/can-bo", None), q.deadline.as_deref().unwrap_or("") == d)
        })
        .collect();
    view.register = user.has(Role::Reception) || user.has(Role::Leader) || user.has(Role::Admin);
    if tab == QueueTab::Unit && user.has(Role::Leader) {
        if let Some(agency) = &user.agency_code {
            let specialists = motcua_store::users::officers_of(&state.db, agency, Role::Specialist).await?;
            view.bulk = Some(BulkAssign { specialists });
        }
    }
    Ok(ctx.render(&view))
}

/// The bulk assignment form: the dossiers ticked and the specialist chosen.
#[derive(serde::Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    codes: Vec<String>,
    assignee: Option<String>,
    back: Option<String>,
}

/// A unit leader assigns one or several dossiers to a specialist, from the unit's list or from
/// a dossier page; the ones that could not be assigned are named.
pub async fn assign(
    State(state): State<AppState>,
    _ctx: Ctx,
    SignedIn(user): SignedIn,
    Csrf(axum_extra::extract::Form(form)): Csrf<axum_extra::extract::Form<AssignForm>>,
) -> HttpResult<Response> {
    if !user.has(Role::Leader) {
        return Err(AppError::not_found().into());
    }
    let back = crate::redirect::local_path(form.back.as_deref()).unwrap_or_else(|| "/can-bo?scope=agency".into());
    let assignee = form.assignee.as_deref().and_then(|a| a.parse::<i64>().ok());
    let (Some(assignee), false) = (assignee, form.codes.is_empty()) else {
        return Err(AppError::with(ErrorKind::Validation, "assign-choose").into());
    };
    let refused = motcua_app::dossiers::assign::assign(&state, &user, &form.codes, assignee).await?;
    let sep = if back.contains('?') { '&' } else { '?' };
    let done = form.codes.len() - refused.len();
    Ok(Redirect::to(&format!("{back}{sep}assigned={done}&refused={}", refused.len())).into_response())
}

#[derive(askama::Template)]
#[template(path = "counter.html")]
struct CounterList {
    ctx: Ctx,
    q: String,
    items: Vec<(String, String, String)>,
}

/// Search parameters of the counter's procedure list.
#[derive(serde::Deserialize, Default)]
pub struct CounterQuery {
    q: Option<String>,
}

/// The procedures this desk receives, to start an in-person application.
pub async fn counter(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<CounterQuery>,
) -> HttpResult<Response> {
    if !user.has(Role::Reception) {
        return Err(AppError::not_found().into());
    }
    let catalog = state.catalog();
    let query = q.q.unwrap_or_default();
    let items = catalog
        .search(&query)
        .into_iter()
        .filter(|p| motcua_app::lifecycle::may_receive_for(&state, &user, &p.agency.code))
        .take(50)
        .map(|p| {
            (
                p.code.clone(),
                ctx.lang.pick(&p.name, p.name_en.as_deref()).to_string(),
                ctx.lang.pick(&p.agency.name, p.agency.name_en.as_deref()).to_string(),
            )
        })
        .collect();
    let page = CounterList { ctx: ctx.clone(), q: query, items };
    Ok(ctx.render(&page))
}

fn counter_procedure(
    state: &AppState,
    user: &motcua_store::users::User,
    code: &str,
) -> HttpResult<motcua_store::catalog::Procedure> {
    let p = state.catalog().get(code).cloned().ok_or_else(AppError::not_found)?;
    if !motcua_app::lifecycle::may_receive_for(state, user, &p.agency.code) {
        return Err(AppError::not_found().into());
    }
    Ok(p)
}

/// The in-person application form.
pub async fn counter_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
) -> HttpResult<Response> {
    let p = counter_procedure(&state, &user, &code)?;
    let page = apply_page(&ctx, &p, &serde_json::Map::new(), FormErrors::default(), state.config.max_file_bytes)
        .for_counter(&motcua_app::dossiers::submit::CounterApplicant::default());
    Ok(ctx.render(&page))
}

/// Records and receives an in-person application, then shows its receipt.
pub async fn counter_receive(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    CsrfMultipart(mp): CsrfMultipart,
) -> HttpResult<Response> {
    let p = counter_procedure(&state, &user, &code)?;
    let max = state.config.max_file_bytes;
    let parts = uploads::read_form(mp, max).await?;
    let field = |name: &str| parts.fields.get(name).cloned().unwrap_or_default();
    let applicant = motcua_app::dossiers::submit::CounterApplicant {
        full_name: field("applicant_full_name"),
        id_number: field("applicant_id_number"),
        phone: field("applicant_phone"),
        email: field("applicant_email"),
        address: field("applicant_address"),
    };
    // A file over the limit is named beside its field; what was typed comes back with it.
    let too_large: std::collections::BTreeMap<String, String> = parts
        .too_large
        .iter()
        .filter_map(|k| k.strip_prefix("d_"))
        .map(|k| (k.to_string(), "document-too-large".to_string()))
        .collect();
    let (answers, files) = answers_and_files(&p, parts);
    let outcome = if too_large.is_empty() {
        motcua_app::dossiers::submit::receive_at_counter(&state, &user, &code, &applicant, &answers, &files).await
    } else {
        Err(AppError::fields(too_large))
    };
    match outcome {
        Ok(v) => Ok(Redirect::to(&format!("/ho-so/{}/giay-tiep-nhan", v.dossier.code)).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            use motcua_app::present::{Entry, FieldName};
            let lang = ctx.lang;
            let typed = |key: &str, label: &str| FieldName::new(key, lang.t(label), Entry::Typed);
            let mut names = vec![
                typed("applicant_full_name", "register-full-name"),
                typed("applicant_id_number", "counter-id-number"),
                typed("applicant_phone", "register-phone"),
                typed("applicant_email", "counter-email"),
                typed("applicant_address", "counter-address").limit("500"),
            ];
            names.extend(field_names(lang, &p, max));
            // An applicant's detail left empty is told as required, whatever its format check said.
            let typed = |k: &str| match k {
                "applicant_full_name" => Some(&applicant.full_name),
                "applicant_phone" => Some(&applicant.phone),
                _ => None,
            };
            let codes: std::collections::BTreeMap<String, String> = e
                .fields
                .iter()
                .map(|(k, code)| match typed(k) {
                    Some(v) if v.trim().is_empty() => (k.clone(), "field-required".to_string()),
                    _ => (k.clone(), code.clone()),
                })
                .collect();
            let errors = FormErrors::named(lang, &codes, &names);
            let page = apply_page(&ctx, &p, &answers, errors, max).for_counter(&applicant);
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(askama::Template)]
#[template(path = "ratings.html")]
struct RatingsPage {
    ctx: Ctx,
    /// (criterion, [count per level, best first]).
    summary: Vec<(String, Vec<i64>)>,
    levels: Vec<String>,
    /// (code, overall, timeliness, convenience, attitude, comment, when).
    latest: Vec<(String, String, String, String, String, String, String)>,
}

/// The ratings citizens gave the officer's agency (all agencies for the service centre and the
/// steering committee): a summary per criterion and the latest ones with their comments.
pub async fn ratings(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    use motcua_domain::rating::{Satisfaction, CRITERIA};
    let Some(agency) = user.agency_code.clone().filter(|_| user.is_officer()) else {
        return Err(AppError::not_found().into());
    };
    let everywhere =
        user.has(Role::Steering) || state.catalog().agencies.get(&agency).is_some_and(|a| a.is_service_centre());
    let scope = (!everywhere).then_some(agency.as_str());
    let counts = motcua_store::ratings::summary(&state.db, scope).await?;
    let lang = ctx.lang;
    let summary = CRITERIA
        .iter()
        .map(|c| {
            let per_level = Satisfaction::ALL
                .iter()
                .map(|l| counts.iter().find(|(cc, ll, _)| cc == c && ll == l.as_str()).map_or(0, |(_, _, n)| *n))
                .collect();
            (lang.t(&format!("rating-{c}")), per_level)
        })
        .collect();
    let level = |s: Satisfaction| lang.t(&format!("rating-{}", s.as_str()));
    let latest = motcua_store::ratings::of_agency(&state.db, scope, 100)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.dossier_code,
                level(r.rating.overall),
                level(r.rating.timeliness),
                level(r.rating.convenience),
                level(r.rating.attitude),
                r.rating.comment.unwrap_or_default(),
                present::show_time(Some(r.created_at)),
            )
        })
        .collect();
    let levels = Satisfaction::ALL.iter().map(|l| level(*l)).collect();
    Ok(ctx.render(&RatingsPage { ctx: ctx.clone(), summary, levels, latest }))
}
