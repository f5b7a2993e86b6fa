//! The lists of dossiers behind a report's figures (the indicators' and II.06a's), one page
//! shape for both.

use askama::Template;
use motcua_app::i18n::Lang;
use motcua_store::catalog::Agency;

use super::Ctx;

/// A unit's name in the visitor's language.
pub(super) fn unit_name(lang: Lang, a: &Agency) -> String {
    lang.pick(&a.name, a.name_en.as_deref()).to_string()
}

/// A dossier of a list.
pub(super) struct DossierLine {
    pub(super) code: String,
    /// Its page, for an officer who may open it.
    pub(super) href: Option<String>,
    pub(super) procedure: String,
    pub(super) unit: String,
    pub(super) channel: String,
    pub(super) received: String,
    pub(super) finished: String,
    pub(super) due: String,
    pub(super) verdict: String,
}

#[derive(Template)]
#[template(path = "indicator_dossiers.html")]
pub(super) struct DossiersPage {
    pub(super) ctx: Ctx,
    pub(super) title: String,
    pub(super) scope_name: String,
    pub(super) period_text: String,
    pub(super) back: String,
    /// The report's row the figure is of (a field at a level), when it is one.
    pub(super) row_name: Option<String>,
    pub(super) count_text: String,
    /// The heading of the last column: the verdict the figure judges by.
    pub(super) verdict_header: String,
    pub(super) lines: Vec<DossierLine>,
    pub(super) prev_url: Option<String>,
    pub(super) next_url: Option<String>,
}

/// Dossiers a list page.
pub(super) const PER_PAGE: usize = 50;
