//! Server-rendered pages: the citizen portal and the back office. This file is the map of the
//! pages: every route is registered here. Pages work without JavaScript: forms POST, the server
//! answers 303 to a GET, and errors are summarised at the top of the form and linked to fields.

mod account;
mod admin;
mod apply;
mod assets;
mod blank_form;
mod calendar;
mod catalog_import;
mod csrf;
mod document_chain;
mod dossier;
mod forms;
mod identity;
mod indicators;
mod it_application;
mod lists;
mod meetings;
mod next_step;
mod office;
mod office_chain;
mod office_documents;
mod organisations;
mod passwords;
mod payments;
mod portal;
mod printable;
mod questions;
mod report_lists;
mod reports;
mod site;
mod transparency;
mod verify;
mod workflow;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::Cookie;
use motcua_store::users::User;

use crate::auth::{MaybeUser, Via};
use crate::cookies;
use crate::error::{AppError, HttpError};
use motcua_app::i18n::Lang;
use motcua_app::present;
use motcua_app::state::AppState;

/// The page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(portal::home))
        .route("/thu-tuc", get(portal::catalog))
        .route("/thu-tuc/{code}", get(portal::procedure))
        .route("/thu-tuc/{code}/to-khai", get(blank_form::page))
        .route("/thu-tuc/{code}/to-khai.pdf", get(blank_form::pdf))
        .route("/tra-cuu", get(portal::lookup))
        .route("/xac-thuc", get(verify::form).post(verify::check))
        .route("/xac-thuc/{code}", get(verify::by_code))
        .route("/ngon-ngu", get(portal::switch_language))
        .route("/dang-nhap", get(account::login_form).post(account::login))
        .route("/dang-ky", get(account::register_form).post(account::register))
        .route("/dang-ky/xac-nhan", get(account::register_code_form).post(account::register_code))
        .route("/dang-ky/gui-lai", post(account::register_send_again))
        .route("/quen-mat-khau", get(passwords::form).post(passwords::ask))
        .route("/quen-mat-khau/dat-lai", post(passwords::reset))
        .route("/dang-xuat", post(account::logout))
        .route("/dang-nhap/ma-xac-thuc", get(identity::code_form).post(identity::code))
        .route("/dang-nhap/oidc/{name}", get(identity::start))
        .route("/dang-nhap/oidc/{name}/callback", get(identity::callback))
        .route("/tai-khoan/xac-thuc-hai-lop", get(identity::two_factor).post(identity::change_two_factor))
        .route("/hop", get(meetings::list))
        .route("/hop/moi", get(meetings::new_form).post(meetings::create))
        .route("/hop/{id}", get(meetings::show))
        .route("/hop/{id}/diem-danh", post(meetings::attendance))
        .route("/hop/{id}/ket-luan", post(meetings::conclude))
        .route("/hop/{id}/nhiem-vu/{task}/xong", post(meetings::task_done))
        .route("/van-ban", get(office_documents::list))
        .route("/van-ban/moi", get(office_documents::new_form).post(office_documents::create))
        .route("/van-ban/so-dang-ky", get(office_documents::register_book))
        .route("/van-ban/so-dang-ky.pdf", get(office_documents::register_book_pdf))
        .route("/van-ban/{id}", get(office_documents::show))
        .route("/van-ban/{id}/thao-tac", post(office_documents::act))
        .route("/van-ban/{id}/tep/{file}", get(office_documents::file))
        .route("/van-ban/{id}/sua", post(office_chain::revise))
        .route("/tai-khoan/to-chuc", get(organisations::list).post(organisations::register))
        .route("/tai-khoan/to-chuc/{id}", get(organisations::show))
        .route("/tai-khoan/to-chuc/{id}/nguoi-dai-dien", post(organisations::add))
        .route("/tai-khoan/to-chuc/{id}/nguoi-dai-dien/{user}/xoa", post(organisations::remove))
        .route("/nop/{code}", get(apply::form).post(apply::check))
        .route("/nop/{code}/xac-nhan/{draft}", get(apply::review).post(apply::submit))
        .route("/ho-so", get(lists::mine))
        .route("/ho-so/{code}", get(dossier::page))
        .route("/ho-so/{code}/thao-tac", post(dossier::act))
        .route("/ho-so/{code}/y-kien", post(dossier::answer))
        .route("/ho-so/{code}/danh-gia", post(dossier::rate))
        .route("/can-bo/danh-gia", get(office::ratings))
        .route("/ho-so/{code}/bieu-mau/{form}", get(forms::dossier_form))
        .route("/can-bo/so-theo-doi", get(forms::register))
        .route("/thong-bao", get(account::notifications))
        .route("/tai-khoan/phien", get(account::sessions).post(account::end_sessions))
        .route("/tai-khoan/mat-khau", get(passwords::change_form).post(passwords::change))
        .route("/thu-tuc/{code}/hoi", post(questions::ask))
        .route("/gop-y", get(questions::feedback_form).post(questions::feedback))
        .route("/can-bo/hoi-dap", get(questions::moderation))
        .route("/can-bo/hoi-dap/{id}", post(questions::decide))
        .route("/kho-giay-to", get(account::document_store))
        .route("/ho-so/{code}/bien-lai", get(payments::receipt))
        .route("/thanh-toan/ket-qua", get(payments::returned))
        .route("/can-bo/doi-soat", get(payments::reconcile))
        .route("/can-bo", get(office::queue))
        .route("/can-bo/phan-cong", post(office::assign))
        .route("/can-bo/tiep-nhan", get(office::counter))
        .route("/can-bo/tiep-nhan/{code}", get(office::counter_form).post(office::counter_receive))
        .route("/ho-so/{code}/giay-tiep-nhan", get(printable::receipt))
        .route("/ho-so/{code}/phieu-kiem-soat", get(printable::control_slip))
        .route("/quan-tri/nhat-ky", get(admin::audit))
        .route("/quan-tri/nhat-ky/xem-ho-so", post(admin::inspect))
        .route("/quan-tri/lien-thong", get(admin::outbox).post(admin::send_again))
        .route("/quan-tri/to-chuc", get(organisations::pending))
        .route("/quan-tri/to-chuc/{id}", post(organisations::decide))
        .route("/bao-cao/ii06a", get(reports::ii06a))
        .route("/bao-cao/ii06a/ho-so", get(reports::ii06a_dossiers))
        .route("/bao-cao/ii06a.xlsx", get(reports::ii06a_xlsx))
        .route("/bao-cao/ii06a.pdf", get(reports::ii06a_pdf))
        .route("/bao-cao/chi-so", get(indicators::dashboard))
        .route("/bao-cao/chi-so/ho-so", get(indicators::dossiers))
        .route("/bao-cao/ung-dung-cntt", get(it_application::page))
        .route("/cong-khai", get(transparency::public))
        .route("/quan-tri/lich", get(calendar::show).post(calendar::save))
        .route("/quan-tri/nhap-thu-tuc", get(catalog_import::show).post(catalog_import::preview))
        .route("/quan-tri/nhap-thu-tuc/xac-nhan", post(catalog_import::confirm))
        .route("/quan-tri/chuoi-duyet", get(office_chain::edit))
        .route("/quan-tri/chuoi-duyet/{agency}", post(office_chain::save))
        .route("/quan-tri/quy-trinh", get(workflow::list))
        .route("/quan-tri/quy-trinh/{code}", get(workflow::edit).post(workflow::save))
        .route("/quan-tri/quy-trinh/{code}/tep", get(workflow::export).post(workflow::import))
        .route("/static/{name}", get(assets::serve))
        .route("/favicon.ico", get(assets::favicon))
}

/// The built-in sandbox payment gateway, mounted in demo mode only
/// ([`motcua_app::state::Config::sandbox_gateway`]): it marks fees paid without money.
pub fn sandbox_routes() -> Router<AppState> {
    Router::new().route("/cong-thanh-toan-thu/thanh-toan", get(payments::sandbox_form).post(payments::sandbox_decide))
}

/// What every page needs: the language, the visitor, the CSRF token for its forms.
#[derive(Clone)]
pub struct Ctx {
    /// Interface language.
    pub lang: Lang,
    /// The signed-in user, if any.
    pub user: Option<User>,
    /// The token every form carries.
    pub csrf: String,
    /// A new anonymous CSRF cookie to set with the answer.
    new_csrf_cookie: Option<Cookie<'static>>,
    /// The path of this page, for the language switch.
    pub path: String,
    /// Whether the visitor moderates questions and feedback (for the navigation).
    pub may_moderate: bool,
    /// The catalog, for the portal's name, the service centre's contacts in the footer and the
    /// procedures named in the breadcrumbs (`site`).
    catalog: std::sync::Arc<motcua_app::catalog::Catalog>,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = crate::lang::lang_of(parts);
        let maybe = MaybeUser::from_request_parts(parts, state).await?;
        let (user, session_csrf) = match maybe.0 {
            Some((s, Via::Cookie)) => (Some(s.user.clone()), Some(s.csrf.clone())),
            Some((s, Via::Bearer)) => (Some(s.user.clone()), None),
            None => (None, None),
        };
        let (csrf, new_csrf_cookie) = match session_csrf {
            Some(c) => (c, None),
            None => match cookies::read(&parts.headers, cookies::csrf_name(state)).filter(|c| c.len() == 64) {
                Some(c) => (c, None),
                None => {
                    let t = motcua_app::passwords::random_token();
                    (t.clone(), Some(cookies::csrf(state, t)))
                }
            },
        };
        let path = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        let may_moderate = user.as_ref().is_some_and(|u| motcua_app::questions::moderation_scope(state, u).is_some());
        Ok(Ctx { lang, user, csrf, new_csrf_cookie, path, may_moderate, catalog: state.catalog() })
    }
}

impl Ctx {
    /// The message for a key in the visitor's language.
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The signed-in user, or a redirect to the sign-in page that comes back here.
    pub fn require_user(&self) -> Result<&User, Redirect> {
        self.user.as_ref().ok_or_else(|| {
            let next: String = url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
            Redirect::to(&format!("/dang-nhap?next={next}"))
        })
    }

    /// Renders a page template, setting the anonymous CSRF cookie when new.
    pub fn render<T: Template>(&self, page: &T) -> Response {
        self.render_status(StatusCode::OK, page)
    }

    /// Renders with a status (422 for a form with errors).
    pub fn render_status<T: Template>(&self, status: StatusCode, page: &T) -> Response {
        let mut res = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => HttpError::from(AppError::internal(e)).into_response(),
        };
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match &self.new_csrf_cookie {
            Some(c) => (cookies::set(c.clone()), res).into_response(),
            None => res,
        }
    }

    /// Whether the visitor is an officer (for the navigation).
    pub fn is_officer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_officer())
    }

    /// Whether the visitor works at a reception desk (for the navigation).
    pub fn is_reception(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.has(motcua_domain::dossier::Role::Reception))
    }

    /// Whether the visitor reads the steering reports (for the navigation).
    pub fn reads_reports(&self) -> bool {
        self.user.as_ref().is_some_and(motcua_app::reports::reads_reports)
    }

    /// Whether the visitor keeps or handles the electronic office's documents (clerks, leaders,
    /// specialists of an agency; for the navigation).
    pub fn uses_office(&self) -> bool {
        use motcua_domain::dossier::Role;
        self.user.as_ref().is_some_and(|u| {
            u.agency_code.is_some()
                && u.roles.iter().any(|r| matches!(r, Role::Clerk | Role::Leader | Role::Specialist))
        })
    }

    /// Whether the visitor administers the system (for the navigation).
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.has(motcua_domain::dossier::Role::Admin))
    }

    /// The URL of the stylesheet, with its content hash.
    pub fn css(&self) -> &'static str {
        assets::css_url()
    }

    /// The URL of the site's icon, with its content hash.
    pub fn favicon(&self) -> &'static str {
        assets::favicon_url()
    }

    /// The URL of the pages' script, with its content hash.
    pub fn script(&self) -> &'static str {
        assets::script_url()
    }

    /// The URL of this page in the other language.
    pub fn other_lang_url(&self) -> String {
        let next: String = url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        let to = if self.lang == Lang::Vi { "en" } else { "vi" };
        format!("/ngon-ngu?lang={to}&next={next}")
    }
}

/// A signed-in visitor. Anyone else is sent to the sign-in page, which brings them back here.
pub struct SignedIn(pub User);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        ctx.require_user().cloned().map(SignedIn).map_err(IntoResponse::into_response)
    }
}

/// One problem of a form: the field it is about, the element its summary link leads to, and
/// what to do, in the visitor's language.
#[derive(Clone, Debug)]
pub struct FormError {
    /// The field's key; empty for a problem of the whole form.
    pub key: String,
    /// The id of the element the summary links to (`f-<key>` unless the page says otherwise).
    pub target: String,
    /// The message, shown in the summary and beside the field.
    pub message: String,
}

/// Form errors in the GOV.UK pattern: a summary at the top, each linked to its field, and the
/// same message by the field; one message per field.
#[derive(Default, Clone, Debug)]
pub struct FormErrors {
    /// In form order.
    pub items: Vec<FormError>,
}

impl FormErrors {
    /// From per-field message keys, in the language, ordered as `order` lists the fields.
    pub fn from_keys(lang: Lang, fields: &std::collections::BTreeMap<String, String>, order: &[String]) -> Self {
        let mut errors = Self::default();
        for key in order {
            if let Some(code) = fields.get(key) {
                errors.add(key, lang.t(code));
            }
        }
        errors.rest(lang, fields);
        errors
    }

    /// From per-field message keys, each worded for its field ("Nhập họ và tên", "Chọn loại
    /// Phiếu"), in the order `fields` lists them; keys of no listed field have no field to link
    /// to: they keep their general message, unlinked, last.
    pub fn named(
        lang: Lang,
        errors: &std::collections::BTreeMap<String, String>,
        fields: &[present::FieldName],
    ) -> Self {
        let mut out = Self::default();
        for name in fields {
            if let Some(code) = errors.get(&name.key) {
                out.add(&name.key, present::field_error(lang, code, name));
            }
        }
        for (k, code) in errors.iter().filter(|(k, _)| !fields.iter().any(|f| &f.key == *k)) {
            out.items.push(FormError { key: k.clone(), target: String::new(), message: lang.t(code) });
        }
        out
    }

    /// The keys `self` does not have yet, with their general message.
    fn rest(&mut self, lang: Lang, fields: &std::collections::BTreeMap<String, String>) {
        for (k, m) in fields {
            self.add(k, lang.t(m));
        }
    }

    /// Adds a field's message, linked to `f-<key>`; a field keeps its first message only.
    pub fn add(&mut self, key: &str, message: String) {
        if key.is_empty() || !self.items.iter().any(|e| e.key == key) {
            let target = if key.is_empty() { String::new() } else { format!("f-{key}") };
            self.items.push(FormError { key: key.to_string(), target, message });
        }
    }

    /// Links a field's message to the element with `id` (when the field's input is not
    /// `f-<key>`, e.g. in one of several forms of a page).
    pub fn link(mut self, key: &str, id: String) -> Self {
        for e in self.items.iter_mut().filter(|e| e.key == key) {
            e.target = id.clone();
        }
        self
    }

    /// One general error.
    pub fn general(message: String) -> Self {
        Self::general_list(vec![message])
    }

    /// Several general errors, e.g. every problem of a workflow.
    pub fn general_list(messages: Vec<String>) -> Self {
        let mut out = Self::default();
        for m in messages {
            out.add("", m);
        }
        out
    }

    /// Whether there is any error.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The message for a field, or "".
    pub fn of(&self, field: &str) -> &str {
        self.items.iter().find(|e| e.key == field && !field.is_empty()).map(|e| e.message.as_str()).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: Ctx,
    title: String,
    message: &'a str,
    not_found: bool,
}

/// An error as a page of the site in the visitor's language: the site's header (with who is
/// signed in and the menu), what went wrong and the way back. `uri` and `headers` are those of
/// the request that failed.
pub async fn error_page(
    state: &AppState,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    status: StatusCode,
    message: &str,
) -> Response {
    let mut req = axum::http::Request::new(());
    *req.uri_mut() = uri;
    *req.headers_mut() = headers;
    let (mut parts, ()) = req.into_parts();
    let lang = crate::lang::lang_of(&parts);
    let mut ctx = Ctx::from_request_parts(&mut parts, state).await.unwrap_or_else(|_| Ctx {
        lang,
        user: None,
        csrf: String::new(),
        new_csrf_cookie: None,
        path: "/".into(),
        may_moderate: false,
        catalog: state.catalog(),
    });
    // The language switch leads home: the page does not repeat the address that failed.
    ctx.path = "/".into();
    let not_found = status == StatusCode::NOT_FOUND;
    let title = lang.t(if not_found { "error-not-found-title" } else { "error-title" });
    ctx.render_status(status, &ErrorPage { ctx: ctx.clone(), title, message, not_found })
}

/// Administrators' pages answer 404 to anyone else, as if they did not exist.
fn admin_only(user: &motcua_store::users::User) -> Result<(), AppError> {
    if user.has(motcua_domain::dossier::Role::Admin) {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// A fee as shown: its lines and total, when it is paid, and (on a dossier) where its payment
/// stands and the payments tried.
pub struct FeeView {
    /// Each line and its amount.
    pub lines: Vec<(String, String)>,
    /// The total.
    pub total: String,
    /// When it is paid.
    pub timing: String,
    /// `due` or `paid`; empty before submission.
    pub status_key: &'static str,
    /// Where the payment stands, in words.
    pub status: String,
    /// Payments tried, newest first: (time, amount, state, reference).
    pub payments: Vec<(String, String, String, String)>,
}

impl FeeView {
    /// The fee the answers lead to, and its amount.
    pub fn quote(
        lang: Lang,
        p: &motcua_store::catalog::Procedure,
        answers: &serde_json::Map<String, serde_json::Value>,
    ) -> (FeeView, i64) {
        let (lines, total) = motcua_app::payments::fee_lines(p, answers, lang);
        let view = FeeView {
            lines: lines.into_iter().map(|(l, a)| (l, present::show_money(a))).collect(),
            total: present::show_money(total),
            timing: lang.t(&format!("fee-timing-{}", p.fee.timing.as_str())),
            status_key: "",
            status: String::new(),
            payments: Vec::new(),
        };
        (view, total)
    }
}
