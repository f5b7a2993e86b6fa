//! Applying online: the form generated from the procedure, server-side validation with a summary
//! of errors linked to the fields, a check-your-answers page, and submission.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use motcua_app::i18n::Lang;
use motcua_app::present::{self, FieldName};
use motcua_domain::form::FieldType;
use motcua_store::catalog::Procedure;
use motcua_store::drafts;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

use super::csrf::{Csrf, CsrfMultipart};
use super::{Ctx, FormErrors, SignedIn};
use crate::error::{AppError, ErrorKind, HttpResult};
use crate::uploads;
use motcua_app::present::size_text;

use motcua_app::state::AppState;

/// One form field as shown.
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub input_type: &'static str,
    pub required: bool,
    pub value: String,
    pub checked: bool,
    pub options: Vec<(String, String, bool)>,
    pub error: String,
}

/// One document upload as shown.
pub struct DocumentView {
    pub key: String,
    pub name: String,
    pub required: bool,
    pub error: String,
    /// Files kept from the saved draft being resumed.
    pub kept: String,
    /// Documents of the applicant's store that may stand for this one: (attachment id, label).
    pub store: Vec<(String, String)>,
    /// Whether the document accepts one from the store.
    pub reusable: bool,
    /// What to say when a file chosen is over the size limit (shown by the page's script before
    /// uploading, where the browser runs it).
    pub too_large: String,
}

#[derive(Template)]
#[template(path = "apply.html")]
pub(super) struct ApplyPage {
    ctx: Ctx,
    action_url: String,
    counter: bool,
    /// (name, label, input type, value, error) of the applicant, when the desk types them.
    applicant_fields: Vec<(String, String, &'static str, String, String)>,
    code: String,
    name: String,
    applicant_name: String,
    applicant_phone: String,
    errors: FormErrors,
    fields: Vec<FieldView>,
    documents: Vec<DocumentView>,
    /// The draft being resumed.
    draft: String,
    /// Whether to say that a draft saved earlier is being resumed.
    resuming_saved: bool,
    /// The fee schedule in words, when the procedure charges one.
    fee: Vec<String>,
    /// The largest file accepted, in bytes (for the page's script, which checks sizes before
    /// uploading).
    max_bytes: usize,
}

impl ApplyPage {
    /// The same form for the desk: the applicant's details are typed, not taken from the account.
    pub(super) fn for_counter(mut self, applicant: &motcua_app::dossiers::submit::CounterApplicant) -> Self {
        let ctx = &self.ctx;
        let field = |name: &str, label: &str, kind: &'static str, value: &str| {
            (name.to_string(), ctx.t(label), kind, value.to_string(), self.errors.of(name).to_string())
        };
        self.applicant_fields = vec![
            field("applicant_full_name", "register-full-name", "text", &applicant.full_name),
            field("applicant_id_number", "counter-id-number", "text", &applicant.id_number),
            field("applicant_phone", "register-phone", "tel", &applicant.phone),
            field("applicant_email", "counter-email", "email", &applicant.email),
            field("applicant_address", "counter-address", "text", &applicant.address),
        ];
        self.action_url = format!("/can-bo/tiep-nhan/{}", self.code);
        self.counter = true;
        self
    }
}

/// Answers (`a_<key>`) and files (`d_<key>`) of an application form.
pub(super) fn answers_and_files(p: &Procedure, parts: uploads::Parts) -> (Map<String, Value>, Vec<uploads::Upload>) {
    let mut answers = Map::new();
    for f in &p.form {
        if let Some(v) = parts.fields.get(&format!("a_{}", f.key)) {
            answers.insert(f.key.clone(), Value::String(v.clone()));
        }
    }
    let files = parts
        .files
        .into_iter()
        .filter_map(|mut f| {
            f.part.strip_prefix("d_").map(str::to_string).map(|k| {
                f.part = k;
                f
            })
        })
        .collect();
    (answers, files)
}

/// A procedure's form fields, then its documents, as their errors name them: the order in
/// which the errors are summarised.
pub(super) fn field_names(lang: Lang, p: &Procedure, max_bytes: usize) -> Vec<FieldName> {
    let mut names: Vec<FieldName> = p.form.iter().map(|f| FieldName::of_form_field(lang, f)).collect();
    names.extend(p.documents.iter().map(|d| FieldName::of_document(lang, d, max_bytes)));
    names
}

fn kind_name(k: FieldType) -> (&'static str, &'static str) {
    match k {
        FieldType::Text => ("text", "text"),
        FieldType::Textarea => ("textarea", "text"),
        FieldType::Number => ("number", "text"),
        FieldType::Date => ("date", "date"),
        FieldType::Select => ("select", "text"),
        FieldType::Checkbox => ("checkbox", "checkbox"),
        FieldType::Email => ("email", "email"),
        FieldType::Phone => ("phone", "tel"),
    }
}

pub(super) fn apply_page(
    ctx: &Ctx,
    p: &Procedure,
    answers: &Map<String, Value>,
    errors: FormErrors,
    max_bytes: usize,
) -> ApplyPage {
    let lang = ctx.lang;
    let user = ctx.user.as_ref();
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let fields = p
        .form
        .iter()
        .map(|f| {
            let (kind, input_type) = kind_name(f.kind);
            let value = text(answers.get(&f.key));
            FieldView {
                key: f.key.clone(),
                label: lang.pick(&f.label, f.label_en.as_deref()).into(),
                kind,
                input_type,
                required: f.required,
                checked: matches!(answers.get(&f.key), Some(Value::Bool(true))) || value == "true",
                options: f
                    .options
                    .iter()
                    .map(|o| {
                        (o.value.clone(), lang.pick(&o.label, o.label_en.as_deref()).to_string(), o.value == value)
                    })
                    .collect(),
                error: errors.of(&f.key).to_string(),
                value,
            }
        })
        .collect();
    let documents = p
        .documents
        .iter()
        .map(|d| DocumentView {
            key: d.key.clone(),
            name: lang.pick(&d.name, d.name_en.as_deref()).into(),
            required: d.required,
            error: errors.of(&d.key).to_string(),
            kept: String::new(),
            store: vec![],
            reusable: d.reusable,
            too_large: present::field_error(lang, "document-too-large", &FieldName::of_document(lang, d, max_bytes)),
        })
        .collect();
    ApplyPage {
        ctx: ctx.clone(),
        action_url: format!("/nop/{}", p.code),
        counter: false,
        applicant_fields: vec![],
        code: p.code.clone(),
        name: lang.pick(&p.name, p.name_en.as_deref()).into(),
        applicant_name: user.map(|u| u.full_name.clone()).unwrap_or_default(),
        applicant_phone: user.and_then(|u| u.phone.clone()).unwrap_or_default(),
        errors,
        fields,
        documents,
        draft: String::new(),
        resuming_saved: false,
        fee: if p.fee.base_vnd > 0 || p.fee.depends_on_answers() {
            motcua_app::payments::schedule_text(p, lang)
        } else {
            vec![]
        },
        max_bytes,
    }
}

impl ApplyPage {
    /// Offers the applicant's stored documents for each document that accepts reuse.
    async fn with_store(mut self, state: &AppState, user: &motcua_store::users::User) -> HttpResult<Self> {
        if !self.documents.iter().any(|d| d.reusable) {
            return Ok(self);
        }
        let store = motcua_store::dossiers::citizen_documents(&state.db, user.id, 1, 200).await?.items;
        let catalog = state.catalog();
        let items: Vec<(String, String)> = store
            .iter()
            .map(|s| {
                let procedure = catalog.get(&s.procedure_code).map(|p| p.name.clone()).unwrap_or_default();
                let label = format!(
                    "{} — {} ({}, {})",
                    s.attachment.file_name,
                    procedure,
                    s.dossier_code,
                    present::show_time(Some(s.attachment.created_at))
                );
                (s.attachment.id.clone(), label)
            })
            .collect();
        for d in self.documents.iter_mut().filter(|d| d.reusable) {
            d.store = items.clone();
        }
        Ok(self)
    }

    /// The form resuming a draft: its files are kept unless others are chosen.
    fn resuming(mut self, draft: &drafts::Draft) -> Self {
        for d in &mut self.documents {
            d.kept = draft
                .files
                .iter()
                .filter(|f| f.key == d.key)
                .map(|f| f.file_name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
        }
        self.draft = draft.id.clone();
        self
    }
}

fn procedure_for(state: &AppState, code: &str) -> Result<Procedure, AppError> {
    state.catalog().get(code).cloned().ok_or_else(AppError::not_found)
}

fn citizen_only(ctx: &Ctx) -> Result<(), AppError> {
    match &ctx.user {
        Some(u) if !u.has(motcua_domain::dossier::Role::Citizen) => {
            Err(AppError::with(ErrorKind::Forbidden, "error-citizens-only"))
        }
        _ => Ok(()),
    }
}

/// Which saved draft to resume.
#[derive(Deserialize, Default)]
pub struct ResumeQuery {
    nhap: Option<String>,
}

/// A user's draft of this procedure to go on with: one saved half-done, or the application
/// waiting on its check-your-answers page (reopened to change an answer); 404 for anyone else's.
async fn resumable_draft(state: &AppState, user_id: i64, code: &str, id: &str) -> HttpResult<drafts::Draft> {
    let d = drafts::get(&state.db, user_id, id).await?;
    if d.procedure_code != code {
        return Err(AppError::not_found().into());
    }
    Ok(d)
}

/// The application form, empty or resuming a draft.
pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<ResumeQuery>,
) -> HttpResult<Response> {
    citizen_only(&ctx)?;
    let p = procedure_for(&state, &code)?;
    let max = state.config.max_file_bytes;
    let page = match q.nhap.as_deref().filter(|d| !d.is_empty()) {
        Some(id) => {
            let d = resumable_draft(&state, user.id, &p.code, id).await?;
            let mut page = apply_page(&ctx, &p, &d.data, FormErrors::default(), max).resuming(&d);
            page.resuming_saved = d.saved;
            page
        }
        None => apply_page(&ctx, &p, &Map::new(), FormErrors::default(), max),
    };
    Ok(ctx.render(&page.with_store(&state, &user).await?))
}

/// Checks the application; on success stores it as a pending application and shows the
/// check-your-answers page, otherwise the form again with every error. Nothing sent is lost on
/// the way: a file refused (too large, of another type) is named beside its field while the
/// answers and every file accepted are kept (as a draft, see [`again_with_errors`]).
pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(code): Path<String>,
    CsrfMultipart(mp): CsrfMultipart,
) -> HttpResult<Response> {
    citizen_only(&ctx)?;
    let p = procedure_for(&state, &code)?;
    let parts = uploads::read_form(mp, state.config.max_file_bytes).await?;
    let saving = parts.fields.contains_key("save");
    let resumed = match parts.fields.get("nhap").filter(|d| !d.is_empty()) {
        Some(id) => Some(resumable_draft(&state, user.id, &p.code, id).await?),
        None => None,
    };
    let picks: Vec<(String, String)> = p
        .documents
        .iter()
        .filter_map(|d| {
            parts.fields.get(&format!("r_{}", d.key)).filter(|v| !v.is_empty()).map(|v| (d.key.clone(), v.clone()))
        })
        .collect();
    let mut refused: BTreeMap<String, String> = parts
        .too_large
        .iter()
        .filter_map(|k| k.strip_prefix("d_"))
        .map(|k| (k.to_string(), "document-too-large".into()))
        .collect();
    let (answers, files) = answers_and_files(&p, parts);
    let (files, unfit) = motcua_app::uploads::accepted_for(&p, files);
    refused.extend(unfit);
    // A new upload wins over a pick from the store, which wins over a draft's kept file.
    let documents = motcua_app::citizen_store::with_store_picks(&state, &user, &p, files, &picks).await?;
    refused.extend(documents.refused);
    let files = documents.files;
    let form = SentApplication { p: &p, answers: &answers, files: &files, resumed: resumed.as_ref() };
    if saving {
        if !refused.is_empty() {
            return again_with_errors(&state, &ctx, &user, form, &refused).await;
        }
        motcua_app::drafts::save_draft(&state, &user, &p, &answers, &files, resumed.as_ref()).await?;
        return Ok(Redirect::to("/ho-so?luu=1").into_response());
    }
    let mut all = files.clone();
    if let Some(d) = &resumed {
        all.extend(motcua_app::drafts::kept_draft_files(&state, d, &files).await?);
    }
    if !refused.is_empty() {
        // Every problem at once; a refused file's own reason rather than "required".
        let mut codes = motcua_app::dossiers::submit::check_submission(&p, &answers, &all).err().unwrap_or_default();
        codes.extend(refused);
        return again_with_errors(&state, &ctx, &user, form, &codes).await;
    }
    match motcua_app::dossiers::submit::prepare_submission(&state, &user, &code, &answers, &all).await {
        Ok((p, data, attachments)) => {
            let id = drafts::create(&state.db, user.id, &p.code, &data, &attachments, false).await?;
            // The draft gave its files to what replaces it.
            if let Some(d) = &resumed {
                motcua_app::drafts::discard_draft(&state, d).await?;
            }
            Ok(Redirect::to(&format!("/nop/{}/xac-nhan/{id}", p.code)).into_response())
        }
        Err(e) if e.kind == ErrorKind::Validation => again_with_errors(&state, &ctx, &user, form, &e.fields).await,
        Err(e) => Err(e.into()),
    }
}

/// An application form as it was sent: the answers, the files accepted (uploads and picks from
/// the store) and the draft it continues.
struct SentApplication<'a> {
    p: &'a Procedure,
    answers: &'a Map<String, Value>,
    files: &'a [uploads::Upload],
    resumed: Option<&'a drafts::Draft>,
}

/// The form again with its errors (422), every answer as typed and every file accepted kept: as
/// soon as there is a file, the application becomes a draft on the server, which the form
/// resumes, so the files need not be chosen again.
async fn again_with_errors(
    state: &AppState,
    ctx: &Ctx,
    user: &motcua_store::users::User,
    sent: SentApplication<'_>,
    codes: &BTreeMap<String, String>,
) -> HttpResult<Response> {
    let SentApplication { p, answers, files, resumed } = sent;
    let max = state.config.max_file_bytes;
    let kept = motcua_app::drafts::keep_draft(state, user, p, answers, files, resumed).await?;
    let errors = FormErrors::named(ctx.lang, codes, &field_names(ctx.lang, p, max));
    let page = apply_page(ctx, p, answers, errors, max);
    let page = match &kept {
        Some(d) => page.resuming(d),
        None => page,
    };
    let page = page.with_store(state, user).await?;
    Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    ctx: Ctx,
    code: String,
    draft: String,
    name: String,
    /// Each answer: (field key, label, answer as shown).
    answers: Vec<(String, String, String)>,
    /// Each file: (document key, document name, file name, size).
    files: Vec<(String, String, String, String)>,
    /// The fee for these answers; none when free.
    fee: Option<super::FeeView>,
    /// Whom the citizen may file for, when they represent an organisation: (value of `to_chuc`,
    /// label, chosen); empty when they file for themself only.
    applicants: Vec<(String, String, bool)>,
}

/// Whom a citizen may file for: themself, and each verified organisation they represent.
async fn applicants_of(
    state: &AppState,
    ctx: &Ctx,
    user: &motcua_store::users::User,
) -> HttpResult<Vec<(String, String, bool)>> {
    if user.organisations.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![(String::new(), ctx.lang.t_args("review-as-self", &[("name", &user.full_name)]), true)];
    for (o, _) in motcua_app::organisations::mine(state, user).await? {
        if user.organisations.contains(&o.id) {
            let label = ctx.lang.t_args("review-as-organisation", &[("name", &o.name), ("tax_code", &o.tax_code)]);
            out.push((o.id.to_string(), label, false));
        }
    }
    Ok(out)
}

/// A user's pending application for a procedure, with the procedure; 404 for anyone else's,
/// and for a draft saved half-done (its answers were never checked: it goes through the form).
async fn load_draft(state: &AppState, user_id: i64, code: &str, draft: &str) -> HttpResult<(drafts::Draft, Procedure)> {
    let d = drafts::get(&state.db, user_id, draft).await?;
    let p = procedure_for(state, &d.procedure_code)?;
    if p.code != code || d.saved {
        return Err(AppError::not_found().into());
    }
    Ok((d, p))
}

/// The check-your-answers page.
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path((code, draft)): Path<(String, String)>,
) -> HttpResult<Response> {
    let (d, p) = load_draft(&state, user.id, &code, &draft).await?;
    let lang = ctx.lang;
    // `shown_answers` gives one row per field, in form order.
    let answers = p
        .form
        .iter()
        .zip(present::shown_answers(lang, &p.form, &d.data))
        .map(|(f, (label, shown))| (f.key.clone(), label, shown))
        .collect();
    let files = d
        .files
        .iter()
        .map(|f| {
            let doc = p.documents.iter().find(|x| x.key == f.key);
            (
                f.key.clone(),
                doc.map(|x| lang.pick(&x.name, x.name_en.as_deref()).to_string()).unwrap_or_else(|| f.key.clone()),
                f.file_name.clone(),
                size_text(f.blob.size),
            )
        })
        .collect();
    let page = ReviewPage {
        ctx: ctx.clone(),
        code: p.code.clone(),
        draft: d.id,
        name: lang.pick(&p.name, p.name_en.as_deref()).into(),
        fee: match super::FeeView::quote(lang, &p, &d.data) {
            (fee, total) if total > 0 => Some(fee),
            _ => None,
        },
        answers,
        files,
        applicants: applicants_of(&state, &ctx, &user).await?,
    };
    Ok(ctx.render(&page))
}

/// Confirmation form: whom the citizen files for (`to_chuc`: an organisation's id; themself
/// when empty or absent).
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    to_chuc: String,
}

/// Submits the checked application.
pub async fn submit(
    State(state): State<AppState>,
    _ctx: Ctx,
    SignedIn(user): SignedIn,
    Path((code, draft)): Path<(String, String)>,
    Csrf(Form(f)): Csrf<Form<ConfirmForm>>,
) -> HttpResult<Response> {
    let (d, p) = load_draft(&state, user.id, &code, &draft).await?;
    let as_organisation = match f.to_chuc.trim() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| AppError::new(ErrorKind::BadRequest))?),
    };
    let dossier =
        motcua_app::dossiers::submit::record_submission(&state, &user, &p, d.data, d.files, as_organisation).await?;
    drafts::delete(&state.db, &draft).await?;
    Ok(Redirect::to(&format!("/ho-so/{}?moi=1", dossier.code)).into_response())
}
