//! The approval chain and the versions of outgoing documents on the pages: the author's form
//! to change a draft, and the administrators' editor of each agency's chain
//! (`/quan-tri/chuoi-duyet`). The rules are in [`motcua_app::office_chain`]; a document's page
//! shows its chain and versions through [`super::document_chain`].

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use motcua_app::error::ErrorKind;
use motcua_app::office_chain::{self, ApproverName, ChainEditor};
use motcua_app::office_versions::{self, RevisionForm};
use motcua_app::present::{Entry, FieldName};
use motcua_app::state::AppState;
use motcua_domain::approval::{ApprovalStep, Approver};
use motcua_domain::dossier::Role;
use serde::Deserialize;

use super::csrf::{Csrf, CsrfMultipart};
use super::document_chain::approver_words;
use super::{Ctx, FormErrors, SignedIn};
use crate::error::HttpResult;
use crate::uploads;

/// The author changes the draft: its subject, text and files, the previous content kept as a
/// version; the page again with the problems.
pub async fn revise(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    CsrfMultipart(mp): CsrfMultipart,
) -> HttpResult<Response> {
    let parts = uploads::read_form(mp, state.config.max_file_bytes).await?;
    let f = |k: &str| parts.fields.get(k).cloned().unwrap_or_default();
    // One box per current file, named `keep_<file id>`, ticked to keep it.
    let keep = parts.fields.keys().filter_map(|k| k.strip_prefix("keep_")).map(str::to_string).collect();
    let form = RevisionForm { subject: f("subject"), body: f("body"), keep, note: f("revision_note") };
    let outcome = if parts.too_large.is_empty() {
        office_versions::revise(&state, &user, id, &form, &parts.files).await
    } else {
        Err(motcua_app::error::AppError::fields([("files".to_string(), "document-too-large".to_string())].into()))
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/van-ban/{id}?xong=1")).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let v = motcua_app::office::view(&state, &user, id).await?;
            let names = [
                FieldName::new("subject", ctx.t("office-field-subject"), Entry::Typed),
                FieldName::new("body", ctx.t("office-field-body"), Entry::Typed),
                FieldName::new("files", ctx.t("office-field-files"), Entry::File),
                FieldName::new("revision_note", ctx.t("office-field-note"), Entry::Typed),
            ];
            let mut fields = e.fields.clone();
            if let Some(n) = fields.remove("note") {
                fields.insert("revision_note".into(), n);
            }
            let errors = FormErrors::named(ctx.lang, &fields, &names);
            super::office_documents::again_with(&state, &ctx, v, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// One step row of the chain editor.
struct StepRow {
    name: String,
    /// `role:<role>` or `user:<id>`.
    approver: String,
    /// The problems of its fields, if any.
    name_error: String,
    approver_error: String,
}

impl StepRow {
    fn new(name: String, approver: String) -> Self {
        StepRow { name, approver, name_error: String::new(), approver_error: String::new() }
    }
}

#[derive(Template)]
#[template(path = "approval_chain.html")]
struct ChainPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    /// The agencies: (code, name, chosen).
    agencies: Vec<(String, String, bool)>,
    agency: String,
    configured: bool,
    steps: Vec<StepRow>,
    /// The approvers a step may name: (value, label).
    approvers: Vec<(String, String)>,
}

/// Empty step rows offered after the existing ones.
const SPARE_STEPS: usize = 2;

fn approver_value(a: &Approver) -> String {
    match a {
        Approver::Officer { user_id } => format!("user:{user_id}"),
        Approver::Role { role } => format!("role:{}", role.as_str()),
    }
}

fn chain_page(
    state: &AppState,
    ctx: &Ctx,
    e: &ChainEditor,
    steps: &[StepRow],
    errors: FormErrors,
    flash: String,
) -> ChainPage {
    let lang = ctx.lang;
    let mut agencies: Vec<(String, String, bool)> = state
        .catalog()
        .agencies
        .values()
        .map(|a| (a.code.clone(), lang.pick(&a.name, a.name_en.as_deref()).to_string(), a.code == e.agency))
        .collect();
    agencies.sort_by(|a, b| a.1.cmp(&b.1));
    let mut approvers: Vec<(String, String)> = Approver::ROLES
        .iter()
        .map(|r| (format!("role:{}", r.as_str()), approver_words(lang, &ApproverName::Role(*r))))
        .collect();
    approvers.extend(e.officers.iter().map(|(id, name, leader)| {
        let label = if *leader { format!("{name} ({})", lang.t("role-leader")) } else { name.clone() };
        (format!("user:{id}"), label)
    }));
    let mut rows: Vec<StepRow> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepRow {
            name_error: errors.of(&format!("s{i}_name")).to_string(),
            approver_error: errors.of(&format!("s{i}_approver")).to_string(),
            ..StepRow::new(s.name.clone(), s.approver.clone())
        })
        .collect();
    for _ in 0..SPARE_STEPS {
        rows.push(StepRow::new(String::new(), String::new()));
    }
    ChainPage {
        ctx: ctx.clone(),
        errors,
        flash,
        agencies,
        agency: e.agency.clone(),
        configured: e.configured,
        steps: rows,
        approvers,
    }
}

/// Parameters of the chain editor.
#[derive(Deserialize, Default)]
pub struct ChainQuery {
    /// The agency's code; the administrator's own, or the first, when absent.
    co_quan: Option<String>,
    luu: Option<String>,
}

/// The editor of an agency's approval chain (administrators).
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ChainQuery>,
) -> HttpResult<Response> {
    let agency = match q.co_quan.clone().or_else(|| user.agency_code.clone()) {
        Some(a) => a,
        None => state.catalog().agencies.keys().next().cloned().unwrap_or_default(),
    };
    let e = office_chain::editor(&state, &user, &agency).await?;
    let steps: Vec<StepRow> =
        e.steps.iter().map(|s| StepRow::new(s.name.clone(), approver_value(&s.approver))).collect();
    let flash = if q.luu.is_some() { ctx.t("office-chain-saved") } else { String::new() };
    Ok(ctx.render(&chain_page(&state, &ctx, &e, &steps, FormErrors::default(), flash)))
}

/// Saves an agency's chain from the editor's rows (rows left blank dropped), or the editor
/// again with every problem.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(agency): Path<String>,
    Csrf(axum::Form(form)): Csrf<axum::Form<HashMap<String, String>>>,
) -> HttpResult<Response> {
    let e = office_chain::editor(&state, &user, &agency).await?;
    let get = |k: String| form.get(&k).map(|v| v.trim().to_string()).unwrap_or_default();
    let mut rows = Vec::new();
    for i in 0..100 {
        if !form.contains_key(&format!("s{i}_name")) {
            break;
        }
        let (name, approver) = (get(format!("s{i}_name")), get(format!("s{i}_approver")));
        if name.is_empty() && approver.is_empty() {
            continue;
        }
        rows.push(StepRow::new(name, approver));
    }
    let mut errors = std::collections::BTreeMap::new();
    let mut steps = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let approver = match r.approver.split_once(':') {
            Some(("role", role)) => Role::parse(role).map(|role| Approver::Role { role }),
            Some(("user", id)) => id.parse().ok().map(|user_id| Approver::Officer { user_id }),
            _ => None,
        };
        match approver {
            Some(approver) => steps.push(ApprovalStep { name: r.name.clone(), approver }),
            None => {
                errors.insert(format!("s{i}_approver"), "field-required".to_string());
            }
        }
    }
    let outcome = if errors.is_empty() {
        office_chain::save(&state, &user, &agency, steps).await
    } else {
        Err(motcua_app::error::AppError::fields(errors))
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/quan-tri/chuoi-duyet?co_quan={agency}&luu=1")).into_response()),
        Err(err) if err.kind == ErrorKind::Validation => {
            let order: Vec<String> = std::iter::once("steps".to_string())
                .chain((0..rows.len()).flat_map(|i| [format!("s{i}_name"), format!("s{i}_approver")]))
                .collect();
            let errors = FormErrors::from_keys(ctx.lang, &err.fields, &order);
            let page = chain_page(&state, &ctx, &e, &rows, errors, String::new());
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(err) => Err(err.into()),
    }
}
