//! The electronic office's pages: the registers of incoming and outgoing documents, the forms
//! to register one or start a draft, and a document with its files, history and actions. The
//! rules are in [`motcua_app::office`].

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use motcua_app::error::{AppError, ErrorKind};
use motcua_app::office::{self, ActionForm, DocumentView};
use motcua_app::present::{show_time, size_text, Entry, FieldName};
use motcua_app::state::AppState;
use motcua_domain::office::{Confidentiality, DocumentAction, DocumentType, Involvement, Register, Urgency};
use serde::Deserialize;

use super::csrf::{Csrf, CsrfMultipart};
use super::{Ctx, FormErrors, SignedIn};
use crate::error::HttpResult;
use crate::uploads;

/// A document in a register, as listed.
struct Row {
    id: i64,
    number: String,
    symbol: String,
    subject: String,
    issuer: String,
    date: String,
    status_key: String,
    status: String,
    urgent: bool,
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    ctx: Ctx,
    title: String,
    /// The registers: (link, label, chosen).
    tabs: Vec<(String, String, bool)>,
    register: String,
    q: String,
    year: String,
    rows: Vec<Row>,
    count_text: String,
    /// Whether the viewer registers incoming documents.
    clerk: bool,
    /// Whether the viewer keeps the whole register and may print it.
    book: bool,
}

/// List parameters.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// `den` (incoming, default) or `di` (outgoing).
    so: Option<String>,
    q: Option<String>,
    nam: Option<i32>,
    page: Option<i64>,
    /// `duyet`: the outgoing drafts waiting for the viewer's approval.
    cho: Option<String>,
}

fn register_of(so: Option<&str>) -> Register {
    match so {
        Some("di") => Register::Outgoing,
        _ => Register::Incoming,
    }
}

fn slug(r: Register) -> &'static str {
    match r {
        Register::Incoming => "den",
        Register::Outgoing => "di",
    }
}

/// A register of the viewer's agency.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> HttpResult<Response> {
    let awaiting = q.cho.as_deref() == Some("duyet");
    let register = if awaiting { Register::Outgoing } else { register_of(q.so.as_deref()) };
    let query = office::ListQuery {
        register: Some(register.as_str().to_string()),
        year: q.nam,
        text: q.q.clone(),
        awaiting_approval: awaiting,
        page: q.page.unwrap_or(1),
        per_page: 50,
        ..Default::default()
    };
    let page = office::list(&state, &user, &query).await?;
    let lang = ctx.lang;
    let rows = page
        .items
        .iter()
        .map(|d| Row {
            id: d.id,
            number: d.number.map(|n| n.to_string()).unwrap_or_default(),
            symbol: d.symbol.clone().unwrap_or_default(),
            subject: d.subject.clone(),
            issuer: d.issuer.clone(),
            date: match register {
                Register::Incoming => show_time(d.received_at),
                Register::Outgoing => d.issued_on.map(|x| x.format("%d/%m/%Y").to_string()).unwrap_or_default(),
            },
            status_key: d.status.as_str().into(),
            status: lang.t(&format!("office-status-{}", d.status.as_str())),
            urgent: d.urgency != Urgency::Normal,
        })
        .collect();
    let mut tabs: Vec<(String, String, bool)> = Register::ALL
        .iter()
        .map(|r| {
            let label = lang.t(&format!("office-register-{}", r.as_str()));
            (format!("/van-ban?so={}", slug(*r)), label, *r == register && !awaiting)
        })
        .collect();
    tabs.push(("/van-ban?so=di&cho=duyet".into(), lang.t("office-awaiting-approval"), awaiting));
    let view = ListPage {
        title: if awaiting {
            lang.t("office-awaiting-approval")
        } else {
            lang.t(&format!("office-register-{}", register.as_str()))
        },
        tabs,
        register: slug(register).into(),
        q: q.q.unwrap_or_default(),
        year: q.nam.map(|y| y.to_string()).unwrap_or_default(),
        rows,
        count_text: lang.t_args("list-count", &[("n", &page.total.to_string())]),
        clerk: user.has(motcua_domain::dossier::Role::Clerk),
        book: user.has(motcua_domain::dossier::Role::Clerk) || user.has(motcua_domain::dossier::Role::Leader),
        ctx: ctx.clone(),
    };
    Ok(ctx.render(&view))
}

#[derive(Template)]
#[template(path = "document_form.html")]
struct FormPage {
    ctx: Ctx,
    errors: FormErrors,
    incoming: bool,
    /// (value, label, chosen) of each list.
    types: Vec<(String, String, bool)>,
    urgencies: Vec<(String, String, bool)>,
    secrecy: Vec<(String, String, bool)>,
    /// The other agencies, for the recipients: (code, name, chosen).
    agencies: Vec<(String, String, bool)>,
    /// What was typed, by field.
    typed: std::collections::HashMap<String, String>,
}

impl FormPage {
    /// What was typed in a field.
    fn value(&self, key: &str) -> &str {
        self.typed.get(key).map(String::as_str).unwrap_or("")
    }
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    register: Register,
    typed: std::collections::HashMap<String, String>,
    recipients: &[String],
    errors: FormErrors,
) -> FormPage {
    let lang = ctx.lang;
    let chosen = |k: &str, v: &str, default: &str| typed.get(k).map(String::as_str).unwrap_or(default) == v;
    let own = ctx.user.as_ref().and_then(|u| u.agency_code.clone()).unwrap_or_default();
    let catalog = state.catalog();
    let mut agencies: Vec<(String, String, bool)> = catalog
        .agencies
        .values()
        .filter(|a| a.code != own)
        .map(|a| (a.code.clone(), a.name.clone(), recipients.contains(&a.code)))
        .collect();
    agencies.sort_by(|a, b| a.1.cmp(&b.1));
    FormPage {
        ctx: ctx.clone(),
        errors,
        incoming: register == Register::Incoming,
        types: DocumentType::ALL
            .iter()
            .map(|t| {
                (
                    t.as_str().into(),
                    lang.t(&format!("office-type-{}", t.as_str())),
                    chosen("type", t.as_str(), "official_letter"),
                )
            })
            .collect(),
        urgencies: Urgency::ALL
            .iter()
            .map(|u| {
                (
                    u.as_str().into(),
                    lang.t(&format!("office-urgency-{}", u.as_str())),
                    chosen("urgency", u.as_str(), "normal"),
                )
            })
            .collect(),
        secrecy: Confidentiality::ALL
            .iter()
            .map(|c| {
                (
                    c.as_str().into(),
                    lang.t(&format!("office-secrecy-{}", c.as_str())),
                    chosen("confidentiality", c.as_str(), "normal"),
                )
            })
            .collect(),
        agencies,
        typed,
    }
}

/// The form to register an incoming document (`so=den`) or start an outgoing draft (`so=di`).
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<ListQuery>,
) -> HttpResult<Response> {
    // Only officers with registers see the form.
    office::agency_of(&user)?;
    let register = register_of(q.so.as_deref());
    Ok(ctx.render(&form_page(&state, &ctx, register, Default::default(), &[], FormErrors::default())))
}

/// Registers the incoming document or starts the draft; the form again with every problem.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    CsrfMultipart(mp): CsrfMultipart,
) -> HttpResult<Response> {
    let parts = uploads::read_form(mp, state.config.max_file_bytes).await?;
    let mut fields = parts.fields.clone();
    // Recipients come as one part per box ticked; the form reader keeps the last, so they are
    // also joined by the page's script-free fallback: a part per agency named `to_<code>`.
    let recipients: Vec<String> =
        fields.keys().filter_map(|k| k.strip_prefix("to_")).map(str::to_string).collect::<Vec<_>>();
    fields.insert("recipients".into(), recipients.join(","));
    let form = crate::api::office::form_of(&fields);
    let register = Register::parse(form.register.trim()).unwrap_or(Register::Incoming);
    if !parts.too_large.is_empty() {
        let mut codes = std::collections::BTreeMap::new();
        codes.insert("files".to_string(), "document-too-large".to_string());
        return again(&state, &ctx, register, fields, &recipients, &codes);
    }
    match office::create(&state, &user, &form, &parts.files).await {
        Ok(d) => Ok(Redirect::to(&format!("/van-ban/{}?moi=1", d.id)).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => again(&state, &ctx, register, fields, &recipients, &e.fields),
        Err(e) => Err(e.into()),
    }
}

fn again(
    state: &AppState,
    ctx: &Ctx,
    register: Register,
    fields: std::collections::HashMap<String, String>,
    recipients: &[String],
    codes: &std::collections::BTreeMap<String, String>,
) -> HttpResult<Response> {
    let names: Vec<FieldName> = [
        ("doc_type", "office-field-type", Entry::Chosen),
        ("symbol", "office-field-symbol", Entry::Typed),
        ("subject", "office-field-subject", Entry::Typed),
        ("issuer", "office-field-issuer", Entry::Typed),
        ("issued_on", "office-field-issued-on", Entry::Typed),
        ("due_on", "office-field-due-on", Entry::Typed),
        ("recipients", "office-field-recipients", Entry::Chosen),
        ("body", "office-field-body", Entry::Typed),
        ("files", "office-field-files", Entry::File),
    ]
    .iter()
    .map(|(k, label, entry)| FieldName::new(k, ctx.t(label), *entry))
    .collect();
    let errors = FormErrors::named(ctx.lang, codes, &names);
    let page = form_page(state, ctx, register, fields, recipients, errors);
    Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// One recipient of an outgoing document sent through the exchange, as its page shows it.
struct ExchangeRow {
    /// The recipient agency.
    name: String,
    /// Its latest status: (code, words, time); empty when it has not answered.
    latest: Option<(String, String, String)>,
    /// Every status, oldest first: (code, words, time, who, what they said).
    history: Vec<(String, String, String, String, String)>,
}

/// The rows of the exchange table and the source line of document `v`'s page.
async fn exchange_rows(state: &AppState, ctx: &Ctx, v: &DocumentView) -> HttpResult<(Vec<ExchangeRow>, String)> {
    let lang = ctx.lang;
    let x = motcua_app::edxml::exchange_of(state, &v.document).await?;
    let words = |s: &motcua_store::edxml::Status| {
        (s.code.as_code().to_string(), motcua_app::edxml::status_words(s.code, lang), show_time(Some(s.at)))
    };
    let rows = x
        .recipients
        .iter()
        .map(|r| ExchangeRow {
            name: r.name.clone(),
            latest: r.latest().map(words),
            history: r
                .statuses
                .iter()
                .map(|s| {
                    let (code, name, at) = words(s);
                    (code, name, at, s.staff.clone(), s.description.clone())
                })
                .collect(),
        })
        .collect();
    let source = match (v.document.register, &x.arrived_in) {
        (Register::Incoming, Some(_)) => ctx.t("edxml-arrived-by-exchange"),
        (Register::Incoming, None) => ctx.t("edxml-arrived-on-paper"),
        (Register::Outgoing, _) => String::new(),
    };
    Ok((rows, source))
}

#[derive(Template)]
#[template(path = "document.html")]
struct ShowPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    v: DocumentView,
    register: String,
    doc_type: String,
    status: String,
    urgency: String,
    secrecy: String,
    received: String,
    due: String,
    issued_on: String,
    recipients: Vec<String>,
    /// An outgoing document sent as edXML packages: each recipient's answers.
    exchange: Vec<ExchangeRow>,
    /// An incoming document: where it came from (the exchange, or paper), in words.
    source: String,
    /// Each file: (link, name, size, purpose label).
    files: Vec<(String, String, String, String)>,
    /// Each event: (when, who, what, note).
    history: Vec<(String, String, String, String)>,
    /// The actions offered: (machine name, label); `comment` has its own form.
    actions: Vec<(String, String)>,
    may_comment: bool,
    may_assign: bool,
    /// Who else takes part: (name, how, in words).
    involved: Vec<(String, String)>,
    /// The choices of how someone takes part: (machine name, label).
    involvements: Vec<(String, String)>,
    /// Outgoing: its approval chain and its draft's versions, newest first.
    chain: Vec<super::document_chain::ChainRow>,
    versions: Vec<super::document_chain::VersionRow>,
    /// Its author may change the draft now.
    may_revise: bool,
}

/// Query of a document's page.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    moi: Option<String>,
    xong: Option<String>,
}

fn show_page(state: &AppState, ctx: &Ctx, v: DocumentView, errors: FormErrors, flash: String) -> ShowPage {
    let lang = ctx.lang;
    let d = &v.document;
    let catalog = state.catalog();
    let files = v
        .attachments
        .iter()
        .map(|a| {
            (
                format!("/van-ban/{}/tep/{}", d.id, a.id),
                a.file_name.clone(),
                size_text(a.size),
                lang.t(&format!("office-file-{}", a.purpose)),
            )
        })
        .collect();
    let history = v
        .events
        .iter()
        .map(|e| {
            (
                show_time(Some(e.at)),
                e.actor_name.clone(),
                match &e.step_name {
                    Some(step) => {
                        format!("{} ({step})", lang.t(&format!("office-event-{}", e.action.replace('_', "-"))))
                    }
                    None => lang.t(&format!("office-event-{}", e.action.replace('_', "-"))),
                },
                e.note.clone().unwrap_or_default(),
            )
        })
        .collect();
    let actions = v
        .actions
        .iter()
        .filter(|a| !matches!(a, DocumentAction::Comment | DocumentAction::Assign))
        .map(|a| (a.as_str().to_string(), lang.t(&format!("office-action-{}", a.as_str().replace('_', "-")))))
        .collect();
    ShowPage {
        chain: super::document_chain::chain_rows(lang, &v),
        versions: super::document_chain::version_rows(&v),
        may_revise: super::document_chain::may_revise(&v),
        register: lang.t(&format!("office-register-{}", d.register.as_str())),
        doc_type: lang.t(&format!("office-type-{}", d.doc_type.as_str())),
        status: lang.t(&format!("office-status-{}", d.status.as_str())),
        urgency: lang.t(&format!("office-urgency-{}", d.urgency.as_str())),
        secrecy: lang.t(&format!("office-secrecy-{}", d.confidentiality.as_str())),
        received: show_time(d.received_at),
        due: show_time(d.due_at),
        issued_on: d.issued_on.map(|x| x.format("%d/%m/%Y").to_string()).unwrap_or_default(),
        recipients: d
            .recipients
            .iter()
            .map(|c| catalog.agencies.get(c).map(|a| a.name.clone()).unwrap_or_else(|| c.clone()))
            .collect(),
        exchange: vec![],
        source: String::new(),
        files,
        history,
        actions,
        may_comment: v.actions.contains(&DocumentAction::Comment),
        may_assign: v.actions.contains(&DocumentAction::Assign),
        involved: v
            .involved
            .iter()
            .map(|(name, how)| (name.clone(), lang.t(&format!("office-involvement-{}", how.as_str()))))
            .collect(),
        involvements: Involvement::ALL
            .iter()
            .map(|i| (i.as_str().to_string(), lang.t(&format!("office-involvement-{}", i.as_str()))))
            .collect(),
        ctx: ctx.clone(),
        errors,
        flash,
        v,
    }
}

/// A document: what it is, its files, who handles it by when, its history and the viewer's
/// actions.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> HttpResult<Response> {
    let v = office::view(&state, &user, id).await?;
    let flash = match (q.moi, q.xong) {
        (Some(_), _) => ctx.t("office-created"),
        (_, Some(_)) => ctx.t("office-done"),
        _ => String::new(),
    };
    let (exchange, source) = exchange_rows(&state, &ctx, &v).await?;
    let page = ShowPage { exchange, source, ..show_page(&state, &ctx, v, FormErrors::default(), flash) };
    Ok(ctx.render(&page))
}

/// An action as a page sends it.
#[derive(Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    due_on: String,
    /// `involve_<user id>` = `co_handling` or `for_information`: the others the leader names
    /// when assigning (one drop-down per officer, so no repeated field is needed).
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

/// Takes an action; the page again with the problems when something is missing.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Csrf(Form(f)): Csrf<Form<ActForm>>,
) -> HttpResult<Response> {
    let assignee = match f.assignee.trim() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| AppError::new(ErrorKind::BadRequest))?),
    };
    let named = |how: Involvement| -> Vec<i64> {
        let mut ids: Vec<i64> = f
            .rest
            .iter()
            .filter(|(_, v)| Involvement::parse(v.trim()) == Some(how))
            .filter_map(|(k, _)| k.strip_prefix("involve_")?.parse().ok())
            .collect();
        ids.sort_unstable();
        ids
    };
    let form = ActionForm {
        action: f.action.clone(),
        note: f.note,
        assignee,
        due_on: f.due_on,
        due_days: None,
        co_handlers: named(Involvement::CoHandling),
        informed: named(Involvement::ForInformation),
    };
    match office::act(&state, &user, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/van-ban/{id}?xong=1")).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let v = office::view(&state, &user, id).await?;
            let names = [
                FieldName::new("assignee", ctx.t("office-field-assignee"), Entry::Chosen),
                FieldName::new("due_on", ctx.t("office-field-due-on"), Entry::Typed),
                FieldName::new("note", ctx.t("office-field-note"), Entry::Typed),
                FieldName::new("co_handlers", ctx.t("office-involvement-co_handling"), Entry::Chosen),
                FieldName::new("informed", ctx.t("office-involvement-for_information"), Entry::Chosen),
            ];
            let mut errors = FormErrors::named(ctx.lang, &e.fields, &names);
            if f.action != "assign" {
                errors = errors.link("note", format!("f-note-{}", f.action));
            }
            again_with(&state, &ctx, v, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A document's page again, with the problems of a form sent from it.
pub(super) async fn again_with(
    state: &AppState,
    ctx: &Ctx,
    v: DocumentView,
    errors: FormErrors,
) -> HttpResult<Response> {
    let (exchange, source) = exchange_rows(state, ctx, &v).await?;
    let page = ShowPage { exchange, source, ..show_page(state, ctx, v, errors, String::new()) };
    Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

/// A document's file.
pub async fn file(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((id, file)): Path<(i64, String)>,
) -> HttpResult<Response> {
    let (a, bytes) = office::file(&state, &user, id, &file).await?;
    Ok(crate::api::dossiers::file_response(&a.content_type, &a.file_name, bytes))
}

#[derive(Template)]
#[template(path = "document_register.html")]
struct RegisterBookPage {
    ctx: Ctx,
    title: String,
    register: String,
    year: i32,
    confidential: bool,
    /// The column headings, in the order of Annex IV.
    headings: Vec<String>,
    /// The lines, cell by cell.
    lines: Vec<Vec<String>>,
    pdf_link: String,
}

/// Parameters of a printed register.
#[derive(Deserialize, Default)]
pub struct RegisterBookQuery {
    /// `den` (incoming, default) or `di` (outgoing).
    so: Option<String>,
    /// The year; this year by default.
    nam: Option<i32>,
    /// `1`: the register of confidential documents.
    mat: Option<String>,
}

impl RegisterBookQuery {
    fn parts(&self) -> (Register, i32, bool) {
        let this_year =
            chrono::Datelike::year(&chrono::Utc::now().with_timezone(&motcua_domain::calendar::vn_offset()));
        let year = self.nam.filter(|y| (2000..=this_year + 1).contains(y)).unwrap_or(this_year);
        (register_of(self.so.as_deref()), year, self.mat.as_deref() == Some("1"))
    }
}

/// A register of the year as Decree 30/2020 Annex IV prints it (clerks and leaders), with the
/// link to its signed PDF.
pub async fn register_book(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<RegisterBookQuery>,
) -> HttpResult<Response> {
    let (register, year, confidential) = q.parts();
    let book = office::register_book(&state, &user, register, year, confidential).await?;
    let lang = ctx.lang;
    let (columns, lines): (&[&str], Vec<Vec<String>>) = match book.lines {
        motcua_render::DocumentRegisterLines::Incoming(lines) => (
            &["arrived", "number", "issuer", "symbol", "dated", "subject", "handled-by", "note"],
            lines
                .into_iter()
                .map(|l| {
                    vec![
                        l.arrived_on,
                        l.number.to_string(),
                        l.issuer,
                        l.symbol,
                        l.dated,
                        l.subject,
                        l.handled_by,
                        l.note,
                    ]
                })
                .collect(),
        ),
        motcua_render::DocumentRegisterLines::Outgoing(lines) => (
            &["symbol", "dated", "subject", "signer", "recipients", "file-copy", "copies", "sent", "note"],
            lines
                .into_iter()
                .map(|l| {
                    vec![
                        l.symbol,
                        l.dated,
                        l.subject,
                        l.signer,
                        l.recipients,
                        l.file_copy,
                        l.copies.to_string(),
                        l.sent_on,
                        l.note,
                    ]
                })
                .collect(),
        ),
    };
    let mat = if confidential { "&mat=1" } else { "" };
    let view = RegisterBookPage {
        title: lang.t(&format!("office-register-book-{}", register.as_str())),
        register: slug(register).into(),
        year,
        confidential,
        headings: columns.iter().map(|c| lang.t(&format!("office-register-col-{c}"))).collect(),
        lines,
        pdf_link: format!("/van-ban/so-dang-ky.pdf?so={}&nam={year}{mat}", slug(register)),
        ctx: ctx.clone(),
    };
    Ok(ctx.render(&view))
}

/// The register as an A4 landscape PDF signed by the agency.
pub async fn register_book_pdf(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Query(q): Query<RegisterBookQuery>,
) -> HttpResult<Response> {
    let (register, year, confidential) = q.parts();
    let bytes = office::register_pdf(&state, &user, register, year, confidential).await?;
    let name = format!("so-van-ban-{}-{year}{}", slug(register), if confidential { "-mat" } else { "" });
    Ok(super::forms::pdf(&name, bytes))
}
