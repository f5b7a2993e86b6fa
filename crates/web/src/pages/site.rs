//! What every page shows around its content, as a provincial public-service portal does: the
//! portal's official name and emblem in the header, the service centre's address, hotline,
//! e-mail and hours in the footer, and the breadcrumbs of inner pages. The names and contacts
//! are the catalog's (the province's people's committee and its service centre), not the code's.

use motcua_store::catalog::Text;

use super::{assets, Ctx};

/// One step of the breadcrumbs: a page above this one, or this page (no link).
pub struct Crumb {
    /// Where the step leads; `None` for the page shown.
    pub href: Option<String>,
    /// The page's name.
    pub label: String,
}

/// The service centre as the footer gives it, in the visitor's language.
pub struct CentreView {
    /// Its name.
    pub name: String,
    /// Where the public is received.
    pub address: Option<String>,
    /// The hotline as written, and as dialled (`tel:` link).
    pub hotline: Option<(String, String)>,
    /// The public e-mail address.
    pub email: Option<String>,
    /// Opening hours.
    pub hours: Option<String>,
}

impl Ctx {
    /// A published text in the visitor's language.
    fn said<'a>(&self, t: &'a Text) -> &'a str {
        self.lang.pick(&t.vi, t.en.as_deref())
    }

    /// The portal's official name, "Cổng Dịch vụ công tỉnh Lào Cai" (see
    /// [`motcua_app::catalog::Catalog::portal_name`]).
    pub fn portal_name(&self) -> String {
        self.catalog.portal_name(self.lang)
    }

    /// The URL of the portal's emblem, with its content hash.
    pub fn emblem(&self) -> &'static str {
        assets::emblem_url()
    }

    /// The service centre's contacts, when the catalog has a service centre.
    pub fn centre(&self) -> Option<CentreView> {
        let centre = self.catalog.service_centre()?;
        let info = centre.info.clone().unwrap_or_default();
        Some(CentreView {
            name: self.lang.pick(&centre.name, centre.name_en.as_deref()).to_string(),
            address: info.address.as_ref().map(|t| self.said(t).to_string()),
            hotline: info.hotline.map(|h| {
                let dialled = h.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
                (h, dialled)
            }),
            email: info.email,
            hours: info.hours.as_ref().map(|t| self.said(t).to_string()),
        })
    }

    /// The breadcrumbs of this page, from the home page to it; empty on the home page and on
    /// pages outside the portal's public and personal parts (the back office has its menu).
    pub fn trail(&self) -> Vec<Crumb> {
        let path = self.path.split(['?', '#']).next().unwrap_or("/");
        let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        let link = |href: &str, key: &str| Crumb { href: Some(href.to_string()), label: self.t(key) };
        let here = |label: String| Crumb { href: None, label };
        let procedure = |code: &str| {
            let name = self
                .catalog
                .get(code)
                .map(|p| self.lang.pick(&p.name, p.name_en.as_deref()).to_string())
                .unwrap_or_else(|| code.to_string());
            (format!("/thu-tuc/{code}"), name)
        };
        let dossiers = if self.is_officer() { link("/can-bo", "nav-queue") } else { link("/ho-so", "nav-my-dossiers") };
        let account = || link("/tai-khoan/phien", "sessions-title");
        let mut trail = match parts.as_slice() {
            ["thu-tuc"] => vec![here(self.t("catalog-title"))],
            ["thu-tuc", code] => vec![link("/thu-tuc", "nav-catalog"), here(procedure(code).1)],
            ["nop", code, rest @ ..] => {
                let (href, name) = procedure(code);
                let last = if rest.is_empty() { "apply-title" } else { "review-title" };
                vec![link("/thu-tuc", "nav-catalog"), Crumb { href: Some(href), label: name }, here(self.t(last))]
            }
            ["ho-so"] => vec![here(self.t("mine-title"))],
            ["ho-so", code] => vec![dossiers, here(code.to_string())],
            ["ho-so", code, "bien-lai"] => {
                vec![
                    dossiers,
                    Crumb { href: Some(format!("/ho-so/{code}")), label: code.to_string() },
                    here(self.t("fee-title")),
                ]
            }
            ["tra-cuu"] => vec![here(self.t("lookup-title"))],
            ["xac-thuc", ..] => vec![here(self.t("verify-title"))],
            ["gop-y"] => vec![here(self.t("feedback-title"))],
            ["cong-khai"] => vec![here(self.t("public-title"))],
            ["dang-nhap", ..] => vec![here(self.t("login-title"))],
            ["dang-ky"] => vec![here(self.t("register-title"))],
            ["quen-mat-khau", ..] => vec![link("/dang-nhap", "login-title"), here(self.t("reset-title"))],
            ["thong-bao"] => vec![here(self.t("notifications-title"))],
            ["kho-giay-to"] => vec![here(self.t("store-title"))],
            ["tai-khoan", "phien"] => vec![here(self.t("sessions-title"))],
            ["tai-khoan", "mat-khau"] => vec![account(), here(self.t("password-title"))],
            ["tai-khoan", "xac-thuc-hai-lop"] => vec![account(), here(self.t("two-factor-title"))],
            ["tai-khoan", "to-chuc"] => vec![account(), here(self.t("organisations-title"))],
            ["tai-khoan", "to-chuc", ..] => {
                vec![account(), link("/tai-khoan/to-chuc", "organisations-title"), here(self.t("crumbs-organisation"))]
            }
            _ => Vec::new(),
        };
        if !trail.is_empty() {
            trail.insert(0, link("/", "crumbs-home"));
        }
        trail
    }
}
