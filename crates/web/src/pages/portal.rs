//! Public portal pages: home, catalog, procedure, public lookup, language switch.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use motcua_store::catalog::Procedure;
use serde::Deserialize;

use super::{Ctx, FormErrors};
use crate::cookies;
use crate::error::{AppError, ErrorKind, HttpError, HttpResult};
use motcua_app::catalog::CatalogFilter;
use motcua_app::i18n::Lang;
use motcua_app::present::{fee_text, show_time, time_text};

use motcua_app::state::AppState;

/// A procedure in a list.
pub struct ProcedureRow {
    pub code: String,
    pub name: String,
    pub agency: String,
    pub level: String,
    pub time: String,
    pub fee: String,
}

impl ProcedureRow {
    fn new(lang: Lang, p: &Procedure) -> Self {
        Self {
            code: p.code.clone(),
            name: lang.pick(&p.name, p.name_en.as_deref()).to_string(),
            agency: lang.pick(&p.agency.name, p.agency.name_en.as_deref()).to_string(),
            level: lang.t(&format!("level-{}", p.level.as_str())),
            time: time_text(lang, p),
            fee: fee_text(lang, p.fee_vnd),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    ctx: Ctx,
    popular: Vec<ProcedureRow>,
}

/// The home page.
pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Response {
    let catalog = state.catalog();
    let popular = ["khai sinh", "ly lich tu phap", "chung thuc ban sao", "giay phep xay dung", "ho kinh doanh"]
        .iter()
        .filter_map(|q| catalog.search(q).into_iter().next())
        .map(|p| ProcedureRow::new(ctx.lang, p))
        .collect();
    ctx.render(&Home { popular, ctx: ctx.clone() })
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct CatalogPage {
    ctx: Ctx,
    q: String,
    field: String,
    agency: String,
    level: String,
    fields: Vec<(String, String)>,
    agencies: Vec<(String, String)>,
    items: Vec<ProcedureRow>,
    count_text: String,
    has_more: bool,
    next_url: String,
}

/// The catalog with search and filters.
pub async fn catalog(State(state): State<AppState>, ctx: Ctx, Query(q): Query<CatalogFilter>) -> Response {
    let catalog = state.catalog();
    let per_page = 20;
    let page = q.page.unwrap_or(1).max(1);
    let query = CatalogFilter { per_page: Some(per_page), page: Some(page), ..q };
    let (items, total) = catalog.filter(&query);
    let mut fields: Vec<(String, String)> = catalog
        .procedures
        .iter()
        .map(|p| (p.field.code.clone(), ctx.lang.pick(&p.field.name, p.field.name_en.as_deref()).to_string()))
        .collect();
    fields.sort_by(|a, b| a.1.cmp(&b.1));
    fields.dedup();
    let mut agencies: Vec<(String, String)> = catalog
        .procedures
        .iter()
        .map(|p| (p.agency.code.clone(), ctx.lang.pick(&p.agency.name, p.agency.name_en.as_deref()).to_string()))
        .collect();
    agencies.sort_by(|a, b| a.1.cmp(&b.1));
    agencies.dedup();
    let enc = |s: &Option<String>| -> String {
        url::form_urlencoded::byte_serialize(s.as_deref().unwrap_or("").as_bytes()).collect()
    };
    let next_url = format!(
        "/thu-tuc?q={}&field={}&agency={}&level={}&page={}",
        enc(&query.q),
        enc(&query.field),
        enc(&query.agency),
        enc(&query.level),
        page + 1
    );
    let page_view = CatalogPage {
        q: query.q.clone().unwrap_or_default(),
        field: query.field.clone().unwrap_or_default(),
        agency: query.agency.clone().unwrap_or_default(),
        level: query.level.clone().unwrap_or_default(),
        fields,
        agencies,
        items: items.iter().map(|p| ProcedureRow::new(ctx.lang, p)).collect(),
        count_text: ctx.lang.t_args("catalog-count", &[("n", &total.to_string())]),
        has_more: page * per_page < total,
        next_url,
        ctx: ctx.clone(),
    };
    ctx.render(&page_view)
}

#[derive(Template)]
#[template(path = "procedure.html")]
pub(super) struct ProcedurePage {
    ctx: Ctx,
    code: String,
    name: String,
    field: String,
    agency: String,
    time: String,
    fee: String,
    fee_note: Option<String>,
    level: String,
    level_reason: Option<String>,
    documents: Vec<(String, String, u32, String)>,
    online: bool,
    /// What the catalogue publishes besides, in the visitor's language.
    details: DetailsView,
    /// Published questions: (asker, question, answer, answered at).
    answered: Vec<(String, String, String, String)>,
    ask: AskView,
}

/// The parts of a procedure's catalogue entry beyond time, fee and documents, in one language:
/// the page shows each part the catalogue describes.
pub(super) struct DetailsView {
    /// Who may apply.
    applicants: Option<String>,
    /// What the applicant receives.
    result: String,
    /// In what form, when `result` is the catalogue's words (else it says so itself).
    result_kind: Option<String>,
    /// Trình tự thực hiện.
    steps: Vec<String>,
    /// Ways of handing in the dossier, each with its notes.
    ways: Vec<(String, Option<String>)>,
    /// Yêu cầu, điều kiện; "none" is said only of a described procedure.
    conditions: Vec<String>,
    /// Whether the catalogue describes the procedure at all (steps, legal basis…).
    described: bool,
    /// Căn cứ pháp lý.
    legal_basis: Vec<String>,
    /// Mẫu đơn, tờ khai: each form's name; the first is given out blank when `blank_form`.
    forms: Vec<String>,
    /// Whether the procedure's own application form can be printed blank.
    blank_form: bool,
}

impl DetailsView {
    fn new(lang: Lang, p: &Procedure) -> DetailsView {
        let d = &p.details;
        let said = |t: &motcua_store::catalog::Text| lang.pick(&t.vi, t.en.as_deref()).to_string();
        let ways: Vec<(motcua_domain::catalog::Way, Option<String>)> = if d.ways.is_empty() {
            motcua_domain::catalog::Way::of_level(p.level).into_iter().map(|w| (w, None)).collect()
        } else {
            d.ways.iter().map(|w| (w.way, w.note.as_ref().map(said))).collect()
        };
        let kind = lang.t(&format!("procedure-result-{}", p.result_kind.as_str()));
        let (result, result_kind) = match &d.result {
            Some(r) => (said(r), Some(kind)),
            None => {
                let mut chars = kind.chars();
                (chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default(), None)
            }
        };
        DetailsView {
            applicants: d.applicants.as_ref().map(said),
            result,
            result_kind,
            steps: d.steps.iter().map(said).collect(),
            ways: ways.into_iter().map(|(w, note)| (lang.t(&format!("way-{}", w.as_str())), note)).collect(),
            conditions: d.conditions.iter().map(said).collect(),
            described: !d.steps.is_empty() || !d.legal_basis.is_empty(),
            legal_basis: d.legal_basis.clone(),
            forms: d.forms.iter().map(said).collect(),
            blank_form: !d.forms.is_empty() && !p.form.is_empty(),
        }
    }
}

/// What the asking forms show: the fields typed, the time stamp, the errors.
pub struct AskView {
    pub name: String,
    pub email: String,
    pub body: String,
    pub dossier: String,
    pub t: String,
    pub errors: FormErrors,
    pub sent: bool,
}

impl AskView {
    /// A fresh form.
    pub fn fresh(sent: bool) -> AskView {
        AskView {
            name: String::new(),
            email: String::new(),
            body: String::new(),
            dossier: String::new(),
            t: Utc::now().timestamp_millis().to_string(),
            errors: FormErrors::default(),
            sent,
        }
    }
}

/// Whether a question was just sent.
#[derive(Deserialize, Default)]
pub struct ProcedureQuery {
    hoi: Option<String>,
}

/// One procedure: documents, time limit, fee, agency, online level, questions and answers.
pub async fn procedure(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<ProcedureQuery>,
) -> HttpResult<Response> {
    let catalog = state.catalog();
    let p = catalog.get(&code).ok_or_else(AppError::not_found)?;
    let page = procedure_page(&state, &ctx, p, AskView::fresh(q.hoi.is_some())).await?;
    Ok(ctx.render(&page))
}

/// The procedure page with the question form as given.
pub(super) async fn procedure_page(
    state: &AppState,
    ctx: &Ctx,
    p: &Procedure,
    ask: AskView,
) -> HttpResult<ProcedurePage> {
    let lang = ctx.lang;
    let answered = motcua_store::questions::published_for(&state.db, &p.code)
        .await?
        .into_iter()
        .map(|q| (q.name, q.body, q.answer.unwrap_or_default(), show_time(q.answered_at)))
        .collect();
    let page = ProcedurePage {
        answered,
        ask,
        code: p.code.clone(),
        name: lang.pick(&p.name, p.name_en.as_deref()).into(),
        field: lang.pick(&p.field.name, p.field.name_en.as_deref()).into(),
        agency: lang.pick(&p.agency.name, p.agency.name_en.as_deref()).into(),
        time: time_text(lang, p),
        fee: fee_text(lang, p.fee_vnd),
        fee_note: p.fee_note.clone(),
        level: lang.t(&format!("level-{}", p.level.as_str())),
        level_reason: p.level_reason.clone(),
        documents: p
            .documents
            .iter()
            .map(|d| {
                (
                    lang.pick(&d.name, d.name_en.as_deref()).to_string(),
                    lang.t(if d.original { "doc-original" } else { "doc-copy" }),
                    d.count,
                    lang.t(if d.required { "yes" } else { "no" }),
                )
            })
            .collect(),
        online: p.level.is_online(),
        details: DetailsView::new(lang, p),
        ctx: ctx.clone(),
    };
    Ok(page)
}

/// A lookup result.
pub struct LookupResult {
    pub code: String,
    pub procedure: String,
    pub status: String,
    pub status_key: String,
    pub received: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    ctx: Ctx,
    code: String,
    phone: String,
    errors: FormErrors,
    result: Option<LookupResult>,
}

/// Lookup parameters.
#[derive(Deserialize)]
pub struct LookupForm {
    code: Option<String>,
    phone: Option<String>,
}

/// The public lookup by code and phone.
pub async fn lookup(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::client::ClientIp(client): crate::client::ClientIp,
    Query(f): Query<LookupForm>,
) -> Response {
    let code = f.code.unwrap_or_default().trim().to_string();
    let phone = f.phone.unwrap_or_default().trim().to_string();
    let mut errors = FormErrors::default();
    let mut result = None;
    if !code.is_empty() || !phone.is_empty() {
        match motcua_app::dossiers::view::lookup(&state, client, &code, &phone).await {
            Ok((d, p)) => {
                result = Some(LookupResult {
                    code: d.code.clone(),
                    procedure: ctx.lang.pick(&p.name, p.name_en.as_deref()).into(),
                    status: ctx.t(&format!("status-{}", d.status.as_str())),
                    status_key: d.status.as_str().into(),
                    received: show_time(d.received_at),
                    due: show_time(d.due_at),
                })
            }
            Err(e) if e.kind == ErrorKind::NotFound => errors = FormErrors::general(ctx.t("lookup-not-found")),
            Err(e) if e.kind == ErrorKind::RateLimited => {
                let page = LookupPage {
                    code,
                    phone,
                    errors: FormErrors::general(ctx.t("error-rate-limited")),
                    result: None,
                    ctx: ctx.clone(),
                };
                return ctx.render_status(axum::http::StatusCode::TOO_MANY_REQUESTS, &page);
            }
            Err(e) => return HttpError::from(e).into_response(),
        }
    }
    let page = LookupPage { code, phone, errors, result, ctx: ctx.clone() };
    ctx.render(&page)
}

/// Language switch parameters.
#[derive(Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Sets the language cookie and goes back to the page (only to paths of this site).
pub async fn switch_language(State(state): State<AppState>, Query(f): Query<LangForm>) -> Response {
    let lang = if f.lang == "en" { Lang::En } else { Lang::Vi };
    let next = crate::redirect::local_path(f.next.as_deref()).unwrap_or_else(|| "/".into());
    (cookies::set(cookies::lang(&state, lang)), Redirect::to(&next)).into_response()
}
