//! The lists of dossiers behind a report's figures (the indicators' and II.06a's), one page
//! shape for both.

use askama::Template;
use chrono::{DateTime, Utc};
use motcua_app::catalog::Catalog;
use motcua_app::i18n::Lang;
use motcua_app::present::show_time;
use motcua_app::reports::{self, Scope};
use motcua_app::state::AppState;
use motcua_domain::dossier::Channel;
use motcua_domain::report::Period;
use motcua_store::catalog::Agency;
use motcua_store::users::User;

use super::Ctx;
use crate::error::{AppError, ErrorKind};

/// What a list page's address asks for: the scope (none named: the reader's own, or the
/// province), its agency's code (empty for the province) and the period.
pub(super) fn list_scope(
    state: &AppState,
    user: &User,
    don_vi: Option<&str>,
    tu: Option<&str>,
    den: Option<&str>,
) -> Result<(Scope, String, Period), AppError> {
    let scope = reports::scope_for(state, user, Some(don_vi.unwrap_or_default()))?;
    let agency = scope.agency().map(|a| a.code.clone()).unwrap_or_default();
    let period = reports::parse_period(tu, den, ("tu", "den")).map_err(|_| AppError::new(ErrorKind::BadRequest))?;
    Ok((scope, agency, period))
}

/// What a list shows of a dossier.
pub(super) struct Listed<'a> {
    pub(super) code: &'a str,
    pub(super) agency: &'a str,
    pub(super) procedure_code: &'a str,
    pub(super) channel: Channel,
    pub(super) received_at: DateTime<Utc>,
    pub(super) finished_at: Option<DateTime<Utc>>,
    pub(super) due_at: Option<DateTime<Utc>>,
}

impl DossierLine {
    /// A dossier's line in `lang`, linked to its page for an officer of the agency leading it
    /// (`own`), with the verdict the list judges it by.
    pub(super) fn new(lang: Lang, catalog: &Catalog, own: Option<&str>, d: Listed<'_>, verdict: String) -> DossierLine {
        DossierLine {
            code: d.code.to_string(),
            href: (own == Some(d.agency)).then(|| format!("/ho-so/{}", d.code)),
            procedure: catalog
                .get(d.procedure_code)
                .map(|p| lang.pick(&p.name, p.name_en.as_deref()).to_string())
                .unwrap_or_else(|| d.procedure_code.to_string()),
            unit: catalog.agencies.get(d.agency).map(|a| unit_name(lang, a)).unwrap_or_else(|| d.agency.to_string()),
            channel: lang.t(&format!("channel-{}", d.channel.as_str())),
            received: show_time(Some(d.received_at)),
            finished: show_time(d.finished_at),
            due: show_time(d.due_at),
            verdict,
        }
    }
}

/// A unit's name in the visitor's language.
pub(super) fn unit_name(lang: Lang, a: &Agency) -> String {
    lang.pick(&a.name, a.name_en.as_deref()).to_string()
}

/// A dossier of a list.
pub(super) struct DossierLine {
    code: String,
    /// Its page, for an officer who may open it.
    href: Option<String>,
    procedure: String,
    unit: String,
    channel: String,
    received: String,
    finished: String,
    due: String,
    verdict: String,
}

#[derive(Template)]
#[template(path = "indicator_dossiers.html")]
pub(super) struct DossiersPage {
    pub(super) ctx: Ctx,
    pub(super) title: String,
    pub(super) scope_name: String,
    pub(super) period_text: String,
    pub(super) back: String,
    /// What the way back is called: the page it leads to.
    pub(super) back_text: String,
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
