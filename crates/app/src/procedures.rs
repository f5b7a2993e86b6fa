//! Administrators change a procedure (its workflow, its fee schedule) as a new version in force.

use motcua_domain::dossier::Role;
use motcua_store::catalog::{self, Procedure};
use motcua_store::users::User;
use motcua_store::StoreError;

use crate::error::{AppError, AppResult, ErrorKind};
use crate::state::AppState;

/// Why a workflow was not saved.
#[derive(Debug)]
pub enum WorkflowRejected {
    /// The workflow breaks the rules; every problem at once.
    Invalid(Vec<motcua_domain::workflow::WorkflowProblem>),
    /// Anything else (not found, not allowed, changed meanwhile).
    Error(AppError),
}

impl From<AppError> for WorkflowRejected {
    fn from(e: AppError) -> Self {
        WorkflowRejected::Error(e)
    }
}

impl From<WorkflowRejected> for AppError {
    /// For the API: each problem becomes a field error named after its step.
    fn from(r: WorkflowRejected) -> Self {
        match r {
            WorkflowRejected::Error(e) => e,
            WorkflowRejected::Invalid(problems) => AppError::fields(
                problems
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (format!("workflow.{i}"), format!("workflow-api-{}", p.code())))
                    .collect(),
            ),
        }
    }
}

/// An administrator puts a new workflow in force for a procedure, as a new procedure version:
/// dossiers already received keep theirs. Refused with every problem when it breaks the rules
/// (allotments beyond the time limit, unreachable steps, unknown agencies...).
pub async fn save_workflow(
    state: &AppState,
    admin: &User,
    code: &str,
    expected_version: Option<i64>,
    steps: Vec<motcua_domain::workflow::Step>,
) -> Result<Procedure, WorkflowRejected> {
    if !admin.has(Role::Admin) {
        return Err(AppError::not_found().into());
    }
    let catalog = state.catalog();
    let p = catalog.get(code).ok_or_else(AppError::not_found)?;
    let steps = motcua_domain::workflow::with_keys(steps);
    let rule = state.catalog().counting_rule(&p.agency.code);
    let problems =
        motcua_domain::workflow::validate(&steps, p.limit, &rule.office_hours, |a| catalog.agencies.contains_key(a));
    if !problems.is_empty() {
        return Err(WorkflowRejected::Invalid(problems));
    }
    let change = catalog::VersionChange { workflow: Some(&steps), ..Default::default() };
    Ok(new_version(state, code, expected_version.unwrap_or(p.version), change).await?)
}

/// Puts a procedure's new version in force and refreshes the catalog in memory.
async fn new_version(
    state: &AppState,
    code: &str,
    expected_version: i64,
    change: catalog::VersionChange<'_>,
) -> AppResult<Procedure> {
    let saved = catalog::new_version(&state.db, code, expected_version, change).await.map_err(|e| match e {
        StoreError::Conflict(_) => AppError::with(ErrorKind::Conflict, "error-changed-meanwhile"),
        other => other.into(),
    })?;
    state.reload_catalog().await?;
    Ok(saved)
}

/// Puts a new fee schedule in force (a new procedure version: dossiers already submitted keep
/// the fee decided then). Refused with one field error per problem (`fee.N`).
pub async fn save_fee_schedule(
    state: &AppState,
    admin: &User,
    code: &str,
    schedule: motcua_domain::fee::FeeSchedule,
) -> AppResult<Procedure> {
    if !admin.has(Role::Admin) {
        return Err(AppError::not_found());
    }
    let catalog = state.catalog();
    let p = catalog.get(code).ok_or_else(AppError::not_found)?;
    let problems = motcua_domain::fee::validate(&schedule, &p.form);
    if !problems.is_empty() {
        let fields = problems
            .iter()
            .enumerate()
            .map(|(i, problem)| {
                let key = match problem {
                    motcua_domain::fee::FeeProblem::NegativeAmount => "fee-problem-negative",
                    motcua_domain::fee::FeeProblem::NoSuchField(_) => "fee-problem-field",
                    motcua_domain::fee::FeeProblem::NoSuchOption(..) => "fee-problem-option",
                    motcua_domain::fee::FeeProblem::EmptyRange(_) => "fee-problem-range",
                };
                (format!("fee.{i}"), key.to_string())
            })
            .collect();
        return Err(AppError::fields(fields));
    }
    let change = catalog::VersionChange { fee: Some(&schedule), ..Default::default() };
    new_version(state, code, p.version, change).await
}
