//! The administrators' workflow editor (quy trình nội bộ): per procedure, the ordered steps with
//! agency, role and allotment, the consultations each step sends in parallel, where each step
//! may forward to; saved as a new procedure version. A workflow can also be exported and
//! imported as a JSON file.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use motcua_domain::calendar::{TimeLimit, TimeUnit};
use motcua_domain::dossier::Role;
use motcua_domain::workflow::{Consultation, Step, WorkflowProblem};
use motcua_store::catalog::Procedure;
use serde::Deserialize;

use super::csrf::{Csrf, CsrfMultipart};
use super::{admin_only, Ctx, FormErrors, SignedIn};
use crate::error::{AppError, ErrorKind, HttpResult};
use motcua_app::i18n::Lang;
use motcua_app::procedures::WorkflowRejected;
use motcua_app::state::AppState;

/// Consultation slots offered per step in the form (a workflow may hold more, from a file).
const CONSULTATION_SLOTS: usize = 2;
/// Empty step rows offered after the existing ones.
const SPARE_STEPS: usize = 2;

#[derive(Template)]
#[template(path = "workflows.html")]
struct ListPage {
    ctx: Ctx,
    q: String,
    items: Vec<(String, String, String, usize)>,
}

/// Search over the procedures.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
}

/// The procedures whose workflow an administrator may edit.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let catalog = state.catalog();
    let query = q.q.unwrap_or_default();
    let items = catalog
        .search(&query)
        .into_iter()
        .take(100)
        .map(|p| {
            (
                p.code.clone(),
                ctx.lang.pick(&p.name, p.name_en.as_deref()).to_string(),
                ctx.lang.pick(&p.agency.name, p.agency.name_en.as_deref()).to_string(),
                p.workflow.len(),
            )
        })
        .collect();
    Ok(ctx.render(&ListPage { ctx: ctx.clone(), q: query, items }))
}

/// One consultation slot of a step row.
struct ConsultRow {
    agency: String,
    amount: String,
    unit: String,
}

/// One step row of the form.
struct StepRow {
    key: String,
    name: String,
    agency: String,
    role: String,
    amount: String,
    unit: String,
    next: String,
    last: bool,
    consultations: Vec<ConsultRow>,
}

#[derive(Template)]
#[template(path = "workflow.html")]
struct EditPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    code: String,
    name: String,
    limit: String,
    version: i64,
    steps: Vec<StepRow>,
    agencies: Vec<(String, String)>,
    roles: Vec<(String, String)>,
    units: Vec<(String, String)>,
}

fn rows_of(steps: &[Step]) -> Vec<StepRow> {
    let mut rows: Vec<StepRow> = steps
        .iter()
        .map(|s| {
            let mut consultations: Vec<ConsultRow> = s
                .consultations
                .iter()
                .map(|c| ConsultRow {
                    agency: c.agency.clone(),
                    amount: c.allotment.amount.to_string(),
                    unit: c.allotment.unit.as_str().into(),
                })
                .collect();
            while consultations.len() < CONSULTATION_SLOTS {
                consultations.push(ConsultRow { agency: String::new(), amount: String::new(), unit: String::new() });
            }
            StepRow {
                key: s.key.clone(),
                name: s.name.clone(),
                agency: s.agency.clone(),
                role: s.role.as_str().into(),
                amount: s.allotment.map(|a| a.amount.to_string()).unwrap_or_default(),
                unit: s.allotment.map(|a| a.unit.as_str().to_string()).unwrap_or_default(),
                next: s.next.as_ref().map(|n| n.join(", ")).unwrap_or_default(),
                last: s.next.as_ref().is_some_and(|n| n.is_empty()),
                consultations,
            }
        })
        .collect();
    for _ in 0..SPARE_STEPS {
        rows.push(StepRow {
            key: String::new(),
            name: String::new(),
            agency: String::new(),
            role: "specialist".into(),
            amount: String::new(),
            unit: String::new(),
            next: String::new(),
            last: false,
            consultations: (0..CONSULTATION_SLOTS)
                .map(|_| ConsultRow { agency: String::new(), amount: String::new(), unit: String::new() })
                .collect(),
        });
    }
    rows
}

fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Procedure,
    steps: &[Step],
    errors: FormErrors,
    flash: String,
) -> EditPage {
    let lang = ctx.lang;
    let catalog = state.catalog();
    let mut agencies: Vec<(String, String)> = catalog
        .agencies
        .values()
        .map(|a| (a.code.clone(), format!("{} ({})", lang.pick(&a.name, a.name_en.as_deref()), a.code)))
        .collect();
    agencies.sort_by(|a, b| a.1.cmp(&b.1));
    EditPage {
        ctx: ctx.clone(),
        errors,
        flash,
        code: p.code.clone(),
        name: lang.pick(&p.name, p.name_en.as_deref()).into(),
        limit: lang.t_args(&format!("time-{}", p.limit.unit.as_str()), &[("n", &p.limit.amount.to_string())]),
        version: p.version,
        steps: rows_of(steps),
        agencies,
        roles: [Role::Specialist, Role::Leader, Role::Reception, Role::Clerk]
            .iter()
            .map(|r| (r.as_str().to_string(), lang.t(&format!("role-{}", r.as_str()))))
            .collect(),
        units: [TimeUnit::WorkingDays, TimeUnit::HalfDays, TimeUnit::Hours]
            .iter()
            .map(|u| (u.as_str().to_string(), lang.t(&format!("unit-{}", u.as_str()))))
            .collect(),
    }
}

/// Page parameters.
#[derive(Deserialize, Default)]
pub struct EditQuery {
    luu: Option<String>,
}

/// The editor for one procedure's workflow.
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<EditQuery>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let p = state.catalog().get(&code).cloned().ok_or_else(AppError::not_found)?;
    let flash = if q.luu.is_some() { ctx.t("workflow-saved") } else { String::new() };
    Ok(ctx.render(&edit_page(&state, &ctx, &p, &p.workflow, FormErrors::default(), flash)))
}

/// Why a row of the form could not be read.
struct RowError {
    field: String,
    key: &'static str,
}

fn limit_from(amount: &str, unit: &str, field: String) -> Result<Option<TimeLimit>, RowError> {
    let amount = amount.trim();
    if amount.is_empty() {
        return Ok(None);
    }
    let n = amount.parse::<u32>().map_err(|_| RowError { field: field.clone(), key: "field-not-number" })?;
    let unit = TimeUnit::parse(unit).ok_or(RowError { field, key: "field-not-option" })?;
    Ok(Some(TimeLimit::new(n, unit)))
}

/// Reads the step rows of the form; rows left blank are dropped, rows ticked for removal too.
fn steps_from_form(f: &HashMap<String, String>) -> Result<Vec<Step>, RowError> {
    let get = |k: String| f.get(&k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut steps = Vec::new();
    for i in 0..200 {
        if !f.contains_key(&format!("s{i}_name")) {
            break;
        }
        let name = get(format!("s{i}_name"));
        let agency = get(format!("s{i}_agency"));
        if (name.is_empty() && agency.is_empty()) || f.contains_key(&format!("s{i}_remove")) {
            continue;
        }
        let role = Role::parse(&get(format!("s{i}_role")))
            .ok_or(RowError { field: format!("s{i}_role"), key: "field-not-option" })?;
        let allotment = limit_from(&get(format!("s{i}_amount")), &get(format!("s{i}_unit")), format!("s{i}_amount"))?;
        let mut consultations = Vec::new();
        for j in 0..CONSULTATION_SLOTS {
            let c_agency = get(format!("s{i}_c{j}_agency"));
            if c_agency.is_empty() {
                continue;
            }
            let field = format!("s{i}_c{j}_amount");
            let allotment =
                limit_from(&get(format!("s{i}_c{j}_amount")), &get(format!("s{i}_c{j}_unit")), field.clone())?
                    .ok_or(RowError { field, key: "field-required" })?;
            consultations.push(Consultation { agency: c_agency, role: Role::Specialist, allotment });
        }
        let next_raw = get(format!("s{i}_next"));
        let next = if f.contains_key(&format!("s{i}_last")) {
            Some(vec![])
        } else if next_raw.is_empty() {
            None
        } else {
            Some(next_raw.split([',', ' ', ';']).filter(|k| !k.is_empty()).map(str::to_string).collect())
        };
        steps.push(Step { key: get(format!("s{i}_key")), agency, role, name, allotment, consultations, next });
    }
    Ok(steps)
}

/// The message for one problem, with the step and agency it names.
pub fn problem_text(lang: Lang, p: &WorkflowProblem) -> String {
    let key = format!("workflow-{}", p.code());
    match p {
        WorkflowProblem::NoSteps => lang.t(&key),
        WorkflowProblem::DuplicateKey { step }
        | WorkflowProblem::MissingName { step }
        | WorkflowProblem::RoleCannotAct { step }
        | WorkflowProblem::Unreachable { step }
        | WorkflowProblem::BadAllotment { step } => lang.t_args(&key, &[("step", step)]),
        WorkflowProblem::UnknownAgency { step, agency } | WorkflowProblem::ConsultationTooLong { step, agency } => {
            lang.t_args(&key, &[("step", step), ("agency", agency)])
        }
        WorkflowProblem::UnknownNext { step, next } | WorkflowProblem::NextNotForward { step, next } => {
            lang.t_args(&key, &[("step", step), ("next", next)])
        }
        WorkflowProblem::ExceedsLimit { total_minutes, limit_minutes } => {
            let days = |m: i64| format!("{:.1}", m as f64 / 450.0);
            lang.t_args(&key, &[("total", &days(*total_minutes)), ("limit", &days(*limit_minutes))])
        }
    }
}

async fn save_and_answer(
    state: &AppState,
    ctx: &Ctx,
    user: &motcua_store::users::User,
    p: &Procedure,
    version: Option<i64>,
    steps: Vec<Step>,
) -> HttpResult<Response> {
    match motcua_app::procedures::save_workflow(state, user, &p.code, version, steps.clone()).await {
        Ok(_) => Ok(Redirect::to(&format!("/quan-tri/quy-trinh/{}?luu=1", p.code)).into_response()),
        Err(WorkflowRejected::Invalid(problems)) => {
            let errors = FormErrors::general_list(problems.iter().map(|x| problem_text(ctx.lang, x)).collect());
            let page = edit_page(state, ctx, p, &steps, errors, String::new());
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(WorkflowRejected::Error(e)) if e.kind == ErrorKind::Conflict => {
            let errors = FormErrors::general(ctx.t(e.message.unwrap_or(e.kind.message_key())));
            let page = edit_page(state, ctx, p, &steps, errors, String::new());
            Ok(ctx.render_status(StatusCode::CONFLICT, &page))
        }
        Err(WorkflowRejected::Error(e)) => Err(e.into()),
    }
}

/// Saves the edited workflow as a new version, or shows every problem.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    Csrf(axum::Form(form)): Csrf<axum::Form<HashMap<String, String>>>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let p = state.catalog().get(&code).cloned().ok_or_else(AppError::not_found)?;
    let version = form.get("version").and_then(|v| v.parse().ok());
    match steps_from_form(&form) {
        Ok(steps) => save_and_answer(&state, &ctx, &user, &p, version, steps).await,
        Err(e) => {
            let errors = FormErrors::from_keys(
                ctx.lang,
                &[(e.field.clone(), e.key.to_string())].into_iter().collect(),
                std::slice::from_ref(&e.field),
            );
            let page = edit_page(&state, &ctx, &p, &p.workflow, errors, String::new());
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// The workflow as a JSON file, to keep, share with another province or import elsewhere.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
) -> HttpResult<Response> {
    admin_only(&user)?;
    let p = state.catalog().get(&code).cloned().ok_or_else(AppError::not_found)?;
    let body = serde_json::to_string_pretty(&p.workflow).map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"quy-trinh-{code}.json\"")),
        ],
        body,
    )
        .into_response())
}

/// Imports a workflow file: validated like the form, saved as a new version.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    CsrfMultipart(mp): CsrfMultipart,
) -> HttpResult<Response> {
    let parts = crate::uploads::read(mp, 1024 * 1024).await?;
    admin_only(&user)?;
    let p = state.catalog().get(&code).cloned().ok_or_else(AppError::not_found)?;
    let file = parts.files.iter().find(|f| f.part == "file");
    let steps: Option<Vec<Step>> = file.and_then(|f| serde_json::from_slice(&f.bytes).ok());
    match steps {
        Some(steps) => save_and_answer(&state, &ctx, &user, &p, None, steps).await,
        None => {
            let errors = FormErrors::general(ctx.t("workflow-bad-file"));
            let page = edit_page(&state, &ctx, &p, &p.workflow, errors, String::new());
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
