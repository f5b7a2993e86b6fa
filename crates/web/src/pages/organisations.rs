//! Organisation accounts: a citizen registers a business or organisation, its legal
//! representative names the others, an administrator verifies registrations. The rules are in
//! [`motcua_app::organisations`].

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use motcua_app::error::ErrorKind;
use motcua_app::organisations::{self, OrganisationView, Registration};
use motcua_app::present::{show_time, Entry, FieldName};
use motcua_app::state::AppState;
use motcua_domain::organisation::{OrganisationStatus, RepresentativeKind};
use motcua_store::organisations::Organisation;
use motcua_store::users::User;
use serde::Deserialize;

use super::csrf::Csrf;
use super::{Ctx, FormErrors, SignedIn};
use crate::error::HttpResult;

/// An organisation in a list: (link, name, tax code, status key, status text, the viewer's
/// role in it).
type Listed = (String, String, String, String, String, String);

fn status_text(ctx: &Ctx, s: OrganisationStatus) -> String {
    ctx.t(&format!("organisation-status-{}", s.as_str()))
}

fn kind_text(ctx: &Ctx, k: RepresentativeKind) -> String {
    ctx.t(&format!("organisation-kind-{}", k.as_str()))
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct ListPage {
    ctx: Ctx,
    errors: FormErrors,
    organisations: Vec<Listed>,
    /// The registration form: (name, label, hint, input type, value, autocomplete).
    fields: Vec<(String, String, String, &'static str, String, &'static str)>,
}

/// The registration form as sent.
#[derive(Deserialize, Default)]
pub struct RegisterForm {
    #[serde(default)]
    tax_code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    title: String,
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    f: &RegisterForm,
    errors: FormErrors,
) -> HttpResult<ListPage> {
    let organisations = organisations::mine(state, user)
        .await?
        .into_iter()
        .map(|(o, kind)| {
            (
                format!("/tai-khoan/to-chuc/{}", o.id),
                o.name,
                o.tax_code,
                o.status.as_str().to_string(),
                status_text(ctx, o.status),
                kind_text(ctx, kind),
            )
        })
        .collect();
    let field = |key: &str, ty, value: &str, auto| {
        (
            key.to_string(),
            ctx.t(&format!("organisation-{key}")),
            ctx.t(&format!("organisation-{key}-hint")),
            ty,
            value.to_string(),
            auto,
        )
    };
    let fields = vec![
        field("tax_code", "text", &f.tax_code, "off"),
        field("name", "text", &f.name, "organization"),
        field("address", "text", &f.address, "street-address"),
        field("phone", "tel", &f.phone, "tel"),
        field("email", "email", &f.email, "email"),
        field("title", "text", &f.title, "organization-title"),
    ];
    Ok(ListPage { ctx: ctx.clone(), errors, organisations, fields })
}

/// The organisations the citizen represents, and the form to register one.
pub async fn list(State(state): State<AppState>, ctx: Ctx, SignedIn(user): SignedIn) -> HttpResult<Response> {
    if user.is_officer() {
        return Err(motcua_app::error::AppError::not_found().into());
    }
    let page = list_page(&state, &ctx, &user, &RegisterForm::default(), FormErrors::default()).await?;
    Ok(ctx.render(&page))
}

/// Registers an organisation; the form again with every problem when something is wrong.
pub async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Csrf(Form(f)): Csrf<Form<RegisterForm>>,
) -> HttpResult<Response> {
    let form = Registration {
        tax_code: f.tax_code.clone(),
        name: f.name.clone(),
        address: f.address.clone(),
        phone: f.phone.clone(),
        email: f.email.clone(),
        title: f.title.clone(),
    };
    match organisations::register(&state, &user, &form).await {
        Ok(o) => Ok(Redirect::to(&format!("/tai-khoan/to-chuc/{}?moi=1", o.id)).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let page = list_page(&state, &ctx, &user, &f, FormErrors::default()).await?;
            let names: Vec<FieldName> =
                page.fields.iter().map(|x| FieldName::new(&x.0, x.1.clone(), Entry::Typed)).collect();
            let errors = FormErrors::named(ctx.lang, &e.fields, &names);
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &ListPage { errors, ..page }))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct ShowPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    id: i64,
    name: String,
    tax_code: String,
    address: String,
    phone: String,
    email: String,
    status_key: String,
    status: String,
    decision_note: Option<String>,
    registered: String,
    representatives: Vec<RepresentativeRow>,
    /// Whether the viewer names representatives now.
    may_manage: bool,
    /// Whether the viewer represents it (an administrator may look without).
    represents: bool,
    /// The form to name one, as sent: (identity number, kind, title).
    adding: (String, String, String),
}

/// A representative, as shown.
struct RepresentativeRow {
    user_id: i64,
    name: String,
    kind: String,
    title: String,
    since: String,
    /// Whether the viewer may remove them (or leave, when it is the viewer).
    removable: bool,
    /// Whether it is the viewer.
    is_viewer: bool,
}

/// Query of an organisation's page: what the last action did.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    moi: Option<String>,
    xong: Option<String>,
}

fn show_page(
    ctx: &Ctx,
    user: &User,
    v: OrganisationView,
    errors: FormErrors,
    flash: String,
    adding: (String, String, String),
) -> ShowPage {
    let o = &v.organisation;
    let legal = v.representatives.iter().filter(|r| r.kind == RepresentativeKind::Legal).count();
    let representatives = v
        .representatives
        .iter()
        .map(|r| {
            let may_remove =
                motcua_domain::organisation::may_remove(v.viewer, r.user_id == user.id, Some(r.kind), legal).is_ok();
            RepresentativeRow {
                user_id: r.user_id,
                name: r.full_name.clone(),
                kind: kind_text(ctx, r.kind),
                title: r.title.clone().unwrap_or_default(),
                since: show_time(Some(r.added_at)),
                removable: may_remove,
                is_viewer: r.user_id == user.id,
            }
        })
        .collect();
    ShowPage {
        ctx: ctx.clone(),
        errors,
        flash,
        id: o.id,
        name: o.name.clone(),
        tax_code: o.tax_code.clone(),
        address: o.address.clone(),
        phone: o.phone.clone().unwrap_or_default(),
        email: o.email.clone().unwrap_or_default(),
        status_key: o.status.as_str().to_string(),
        status: status_text(ctx, o.status),
        decision_note: o.decision_note.clone().filter(|_| o.status == OrganisationStatus::Rejected),
        registered: show_time(Some(o.created_at)),
        representatives,
        may_manage: v.may_manage(),
        represents: v.viewer.is_some(),
        adding,
    }
}

/// An organisation: its details and where its registration stands, its representatives, and
/// for its legal representative the form to name another.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> HttpResult<Response> {
    let v = organisations::view(&state, &user, id).await?;
    let flash = match (q.moi, q.xong.as_deref()) {
        (Some(_), _) => ctx.t("organisation-registered"),
        (_, Some("them")) => ctx.t("organisation-representative-added"),
        (_, Some("xoa")) => ctx.t("organisation-representative-removed"),
        _ => String::new(),
    };
    let adding = (String::new(), RepresentativeKind::Authorised.as_str().to_string(), String::new());
    Ok(ctx.render(&show_page(&ctx, &user, v, FormErrors::default(), flash, adding)))
}

/// The form naming a representative.
#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
}

/// A legal representative names a person by the identity number of their citizen account.
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Csrf(Form(f)): Csrf<Form<AddForm>>,
) -> HttpResult<Response> {
    match organisations::add_representative(&state, &user, id, &f.id_number, &f.kind, &f.title).await {
        Ok(()) => Ok(Redirect::to(&format!("/tai-khoan/to-chuc/{id}?xong=them")).into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let v = organisations::view(&state, &user, id).await?;
            let names = [
                FieldName::new("id_number", ctx.t("organisation-person-id-number"), Entry::Typed),
                FieldName::new("kind", ctx.t("organisation-person-kind"), Entry::Chosen),
                FieldName::new("title", ctx.t("organisation-title"), Entry::Typed).limit("100"),
            ];
            let fields: BTreeMap<String, String> = e
                .fields
                .into_iter()
                .map(|(k, code)| {
                    let empty = k == "id_number" && f.id_number.trim().is_empty();
                    (k, if empty { "field-required".to_string() } else { code })
                })
                .collect();
            let errors = FormErrors::named(ctx.lang, &fields, &names);
            let page = show_page(&ctx, &user, v, errors, String::new(), (f.id_number, f.kind, f.title));
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// Removing a representative: a legal representative removes another, anyone leaves.
#[derive(Deserialize, Default)]
pub struct RemoveForm {}

/// Removes a representative (or the viewer leaves the organisation).
pub async fn remove(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    Path((id, person)): Path<(i64, i64)>,
    Csrf(Form(_f)): Csrf<Form<RemoveForm>>,
) -> HttpResult<Response> {
    organisations::remove_representative(&state, &user, id, person).await?;
    Ok(if person == user.id {
        Redirect::to("/tai-khoan/to-chuc")
    } else {
        Redirect::to(&format!("/tai-khoan/to-chuc/{id}?xong=xoa"))
    }
    .into_response())
}

#[derive(Template)]
#[template(path = "organisations_admin.html")]
struct PendingPage {
    ctx: Ctx,
    errors: FormErrors,
    flash: String,
    pending: Vec<PendingRow>,
}

/// A registration waiting for an administrator, as shown.
struct PendingRow {
    id: i64,
    name: String,
    tax_code: String,
    address: String,
    phone: String,
    email: String,
    /// Who registered it: name and identity number.
    by: String,
    at: String,
}

/// Query of the administrators' page: the last decision.
#[derive(Deserialize, Default)]
pub struct PendingQuery {
    xong: Option<String>,
    n: Option<u64>,
}

async fn pending_page(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
    errors: FormErrors,
    flash: String,
) -> HttpResult<PendingPage> {
    let list: Vec<Organisation> = organisations::pending(state, user).await?;
    let mut pending = Vec::with_capacity(list.len());
    for o in list {
        let by = motcua_store::users::user(&state.db, o.created_by).await?;
        let who = match by.id_number {
            Some(n) => format!("{} ({n})", by.full_name),
            None => by.full_name,
        };
        pending.push(PendingRow {
            id: o.id,
            name: o.name,
            tax_code: o.tax_code,
            address: o.address,
            phone: o.phone.unwrap_or_default(),
            email: o.email.unwrap_or_default(),
            by: who,
            at: show_time(Some(o.created_at)),
        });
    }
    Ok(PendingPage { ctx: ctx.clone(), errors, flash, pending })
}

/// The registrations waiting for an administrator, each with the forms to verify or refuse it.
pub async fn pending(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Query(q): Query<PendingQuery>,
) -> HttpResult<Response> {
    let flash = match q.xong.as_deref() {
        Some("xac-minh") => ctx.lang.t_args("organisation-verified", &[("n", &q.n.unwrap_or(0).to_string())]),
        Some("tu-choi") => ctx.t("organisation-rejected"),
        _ => String::new(),
    };
    let page = pending_page(&state, &ctx, &user, FormErrors::default(), flash).await?;
    Ok(ctx.render(&page))
}

/// An administrator's decision.
#[derive(Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// Verifies or refuses a registration.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(user): SignedIn,
    Path(id): Path<i64>,
    Csrf(Form(f)): Csrf<Form<DecideForm>>,
) -> HttpResult<Response> {
    let verify = match f.decision.as_str() {
        "verify" => true,
        "reject" => false,
        _ => return Err(motcua_app::error::AppError::new(ErrorKind::BadRequest).into()),
    };
    match organisations::decide(&state, &user, id, verify, &f.note).await {
        Ok(n) if verify => Ok(Redirect::to(&format!("/quan-tri/to-chuc?xong=xac-minh&n={n}")).into_response()),
        Ok(_) => Ok(Redirect::to("/quan-tri/to-chuc?xong=tu-choi").into_response()),
        Err(e) if e.kind == ErrorKind::Validation => {
            let names = [FieldName::new("note", ctx.t("organisation-reject-note"), Entry::Typed).limit("1000")];
            let errors = FormErrors::named(ctx.lang, &e.fields, &names).link("note", format!("f-note-{id}"));
            let page = pending_page(&state, &ctx, &user, errors, String::new()).await?;
            Ok(ctx.render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}
