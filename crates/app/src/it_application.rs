//! The IT-application figures of a period for the steering committee
//! (`motcua_domain::it_application`): procedures by online level, the shares of dossiers received
//! online, paid online, with electronic results and digitised, officers' use of the system and
//! the electronic office's documents handled electronically; of the province or of one agency.
//!
//! Who reads what is the reports' rule ([`crate::reports::scope_for`]). The shares of dossiers are
//! the Decision 766 indicators' own fractions ([`crate::indicators::tally`]), counted by the same
//! pass, so this page and the dashboard agree to the dossier.

use chrono::{DateTime, Utc};
use motcua_domain::indicators::{Code, Fraction};
use motcua_domain::it_application::{months_in, OfficeDocuments, OfficerUse, ProceduresByLevel};
use motcua_domain::report::Period;
use motcua_store::catalog::Agency;
use motcua_store::users::User;

use crate::error::AppResult;
use crate::reports::{scope_for, Scope};
use crate::state::AppState;

/// The shares of the dossiers of a period.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DossierShares {
    /// Received online among those received in the period (3.3).
    pub online: Fraction,
    /// Paid online among those received in the period with a fee (3.6).
    pub paid_online: Fraction,
    /// With the system's signed electronic result among those given a result in the period (4.1).
    pub electronic_results: Fraction,
    /// With every document electronic among those received in the period (4.2).
    pub digitised: Fraction,
}

/// The IT-application figures of a period and scope.
#[derive(Clone, Debug, PartialEq)]
pub struct ItApplication {
    /// The period.
    pub period: Period,
    /// The province, or one agency.
    pub scope: Scope,
    /// When the figures were taken.
    pub as_of: DateTime<Utc>,
    /// The scope's procedures by online level.
    pub procedures: ProceduresByLevel,
    /// The shares of dossiers.
    pub dossiers: DossierShares,
    /// The months the period spans, for the officers' actions per month.
    pub months: f64,
    /// Officers' use, all agencies of the scope together.
    pub officers: OfficerUse,
    /// Officers' use by agency, for the province (the agency alone for an agency), in order of
    /// actions per officer per month, highest first.
    pub by_agency: Vec<(Agency, OfficerUse)>,
    /// The electronic office's documents.
    pub office: OfficeDocuments,
}

/// The IT-application figures of `period` for `user`, of `agency` or of the province.
pub async fn it_application(
    state: &AppState,
    user: &User,
    period: Period,
    agency: Option<&str>,
) -> AppResult<ItApplication> {
    let scope = scope_for(state, user, agency)?;
    let code = scope.agency().map(|a| a.code.clone());
    let as_of = Utc::now();
    let tally = crate::indicators::tally(state, period, code.as_deref(), as_of).await?;
    let dossiers = DossierShares {
        online: tally.get(Code::OnlineDossiers),
        paid_online: tally.get(Code::OnlinePayment),
        electronic_results: tally.get(Code::ElectronicResults),
        digitised: tally.get(Code::Digitised),
    };
    let catalog = state.catalog();
    let procedures = ProceduresByLevel::count(
        catalog.procedures.iter().filter(|p| code.as_ref().is_none_or(|c| *c == p.agency.code)).map(|p| p.level),
    );
    let months = months_in(&period);
    let mut officers = OfficerUse::default();
    let mut by_agency = Vec::new();
    for (agency, used) in
        motcua_store::it_application::officer_use(&state.db, period.start(), period.end(), code.as_deref()).await?
    {
        officers += used;
        if let Some(a) = catalog.agencies.get(&agency) {
            by_agency.push((a.clone(), used));
        }
    }
    let rate = |u: &OfficerUse| u.per_officer_per_month(months).unwrap_or(0.0);
    by_agency.sort_by(|a, b| rate(&b.1).total_cmp(&rate(&a.1)).then_with(|| a.0.code.cmp(&b.0.code)));
    let office = motcua_store::it_application::office_documents(&state.db, &period, code.as_deref()).await?;
    Ok(ItApplication { period, scope, as_of, procedures, dossiers, months, officers, by_agency, office })
}
