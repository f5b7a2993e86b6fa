//! The catalog kept in memory, with its search index and filters.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use motcua_domain::catalog::AgencyKind;
use motcua_domain::search::{CatalogIndex, Entry};
use motcua_store::catalog::{self, Agency, Procedure};
use motcua_store::Database;
use serde::Deserialize;

use crate::error::AppResult;

static GENERATIONS: AtomicU64 = AtomicU64::new(1);

/// Catalog filters, as the public catalog and the API take them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CatalogFilter {
    /// Words to search for, with or without diacritics.
    pub q: Option<String>,
    /// Field code.
    pub field: Option<String>,
    /// Lead agency code.
    pub agency: Option<String>,
    /// Online level: `none`, `partial`, `full`, or `online` for partial and full together.
    pub level: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Items per page (1–200, default 20).
    pub per_page: Option<usize>,
}

/// The catalog kept in memory: every current procedure and its search index. A province has
/// about 2,000 procedures, so search answers without touching the database.
pub struct Catalog {
    /// Current procedures, ordered by code.
    pub procedures: Vec<Procedure>,
    /// Agencies by code.
    pub agencies: HashMap<String, Agency>,
    /// Agencies' own counting rules (office hours, cut-off), by code.
    rules: HashMap<String, motcua_domain::calendar::CountingRule>,
    index: CatalogIndex,
    by_code: HashMap<String, usize>,
    by_version: HashMap<i64, usize>,
    generation: u64,
    /// The codes of the provincial people's committee and of its public administration service
    /// centre, whose names and contacts every page shows.
    portal: (Option<String>, Option<String>),
}

impl Catalog {
    /// Builds the catalog and its index.
    pub fn new(
        procedures: Vec<Procedure>,
        agencies: Vec<Agency>,
        rules: HashMap<String, motcua_domain::calendar::CountingRule>,
    ) -> Self {
        let entries = procedures
            .iter()
            .enumerate()
            .map(|(i, p)| Entry {
                id: i as i64,
                name: p.name.clone(),
                code: p.code.clone(),
                extra: format!(
                    "{} {} {} {}",
                    p.name_en.as_deref().unwrap_or(""),
                    p.field.name,
                    p.agency.name,
                    p.field.code
                ),
            })
            .collect();
        let by_code = procedures.iter().enumerate().map(|(i, p)| (p.code.clone(), i)).collect();
        let by_version = procedures.iter().enumerate().map(|(i, p)| (p.version_id, i)).collect();
        // The first of each kind by code: a province has one committee and one provincial
        // centre, listed before the communes' (their codes end in the province's letters).
        let first = |kind| agencies.iter().filter(|a| a.kind == kind).map(|a| a.code.clone()).min();
        let portal = (first(AgencyKind::Province), first(AgencyKind::ServiceCentre));
        Self {
            portal,
            index: CatalogIndex::new(entries),
            by_code,
            by_version,
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
            agencies: agencies.into_iter().map(|a| (a.code.clone(), a)).collect(),
            rules,
            procedures,
        }
    }

    /// An agency's counting rule: its own, or the default one (07:30–17:00, 15:00 cut-off).
    pub fn counting_rule(&self, agency: &str) -> motcua_domain::calendar::CountingRule {
        self.rules.get(agency).cloned().unwrap_or_default()
    }

    /// The catalog as stored now: current procedures, agencies and their counting rules.
    pub async fn load(db: &Database) -> AppResult<Catalog> {
        Ok(Catalog::new(
            catalog::current_procedures(db).await?,
            catalog::agencies(db).await?,
            catalog::counting_rules(db).await?,
        ))
    }

    /// The provincial people's committee, after whose area the portal is named.
    pub fn province(&self) -> Option<&Agency> {
        self.portal.0.as_ref().and_then(|c| self.agencies.get(c))
    }

    /// The portal's official name in the language, "Cổng Dịch vụ công tỉnh Lào Cai", after the
    /// area of the provincial committee; the generic name while the catalog names none.
    pub fn portal_name(&self, lang: crate::i18n::Lang) -> String {
        match self.province().and_then(|a| a.info.as_ref()).and_then(|i| i.area.as_ref()) {
            Some(area) => lang.t_args("portal-name", &[("area", lang.pick(&area.vi, area.en.as_deref()))]),
            None => lang.t("site-name"),
        }
    }

    /// The province's public administration service centre, whose address, hotline and hours
    /// every page's footer gives.
    pub fn service_centre(&self) -> Option<&Agency> {
        self.portal.1.as_ref().and_then(|c| self.agencies.get(c))
    }

    /// A procedure by code.
    pub fn get(&self, code: &str) -> Option<&Procedure> {
        self.by_code.get(code).map(|&i| &self.procedures[i])
    }

    /// A number no other catalog built by this process has: what is derived from a catalog
    /// (the API's serialised procedures) is kept until the catalog's generation changes.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The position of a current procedure in [`Catalog::procedures`].
    pub fn position(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// A current procedure by its version id.
    pub fn by_version(&self, version_id: i64) -> Option<&Procedure> {
        self.by_version.get(&version_id).map(|&i| &self.procedures[i])
    }

    /// Procedures matching the query, best first (all of them, by code, for an empty query).
    pub fn search(&self, q: &str) -> Vec<&Procedure> {
        if q.trim().is_empty() {
            return self.procedures.iter().collect();
        }
        self.index.search(q).into_iter().filter_map(|i| self.procedures.get(i as usize)).collect()
    }
}

impl Catalog {
    /// Procedures matching the filters, best match first, one page of them, and their total.
    pub fn filter(&self, q: &CatalogFilter) -> (Vec<&Procedure>, usize) {
        let keep = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let (field, agency, level) = (keep(&q.field), keep(&q.agency), keep(&q.level));
        let hits: Vec<&Procedure> = self
            .search(q.q.as_deref().unwrap_or(""))
            .into_iter()
            .filter(|p| field.as_ref().is_none_or(|f| &p.field.code == f))
            .filter(|p| agency.as_ref().is_none_or(|a| &p.agency.code == a))
            .filter(|p| level.as_ref().is_none_or(|l| p.level.as_str() == l || (l == "online" && p.level.is_online())))
            .collect();
        let total = hits.len();
        let per = q.per_page.unwrap_or(20).clamp(1, 200);
        let page = q.page.unwrap_or(1).max(1);
        (hits.into_iter().skip((page - 1).saturating_mul(per)).take(per).collect(), total)
    }
}
