//! The shape of the IT-application figures (`GET /api/v1/reports/it-application`).

use motcua_app::it_application::ItApplication;
use motcua_domain::indicators::{Fraction, Unit};
use motcua_domain::it_application::OfficerUse;
use serde::Serialize;
use utoipa::ToSchema;

use super::report::number;
use super::{time, AgencyDto};

/// A count out of a total, and the share in per cent.
#[derive(Serialize, ToSchema)]
pub struct ShareDto {
    /// Counted.
    pub count: u64,
    /// Out of.
    pub of: u64,
    /// `count` ÷ `of` × 100; `null` when `of` is 0.
    #[schema(value_type = Option<f64>)]
    pub percent: Option<serde_json::Number>,
}

impl From<Fraction> for ShareDto {
    fn from(f: Fraction) -> Self {
        ShareDto {
            count: f.numerator.max(0.0) as u64,
            of: f.denominator.max(0.0) as u64,
            percent: f.value(Unit::Percent).map(number),
        }
    }
}

/// The procedures of the scope by online level.
#[derive(Serialize, ToSchema)]
pub struct ProceduresByLevelDto {
    /// Every procedure.
    pub total: u64,
    /// Online from application to result (toàn trình).
    pub full: u64,
    /// Applied for online, some steps in person (một phần).
    pub partial: u64,
    /// Not online.
    pub offline: u64,
}

/// The shares of the dossiers of the period (the Decision 766 indicators' own fractions).
#[derive(Serialize, ToSchema)]
pub struct DossierSharesDto {
    /// Received online among those received in the period (3.3).
    pub online: ShareDto,
    /// Paid online among those received in the period with a fee (3.6).
    pub paid_online: ShareDto,
    /// With the system's signed electronic result among those given a result in the period (4.1).
    pub electronic_results: ShareDto,
    /// With every document electronic among those received in the period (4.2).
    pub digitised: ShareDto,
}

/// Officers' use of the system in the period.
#[derive(Serialize, ToSchema)]
pub struct OfficerUseDto {
    /// Officers who process (reception, specialists, leaders, clerks).
    pub officers: u64,
    /// Of whom at least one action in the period.
    pub active: u64,
    /// Events they recorded in dossiers' histories.
    pub dossier_actions: u64,
    /// Events they recorded in the electronic office's documents.
    pub office_actions: u64,
    /// Actions ÷ officers ÷ months; `null` without officers.
    #[schema(value_type = Option<f64>)]
    pub actions_per_officer_per_month: Option<serde_json::Number>,
}

impl OfficerUseDto {
    fn new(u: &OfficerUse, months: f64) -> Self {
        OfficerUseDto {
            officers: u.officers,
            active: u.active,
            dossier_actions: u.dossier_actions,
            office_actions: u.office_actions,
            actions_per_officer_per_month: u.per_officer_per_month(months).map(number),
        }
    }
}

/// One agency's officers' use.
#[derive(Serialize, ToSchema)]
pub struct AgencyOfficerUseDto {
    /// The agency.
    pub agency: AgencyDto,
    /// Its officers' use.
    #[serde(flatten)]
    pub usage: OfficerUseDto,
}

/// Incoming documents registered in the period.
#[derive(Serialize, ToSchema)]
pub struct IncomingDocumentsDto {
    /// Registered.
    pub total: u64,
    /// Received electronically: from another agency through motcua, or in an edXML package.
    pub electronic: u64,
    /// Registered from paper.
    pub paper: u64,
    /// Of those from paper, scanned.
    pub digitised: u64,
}

/// Outgoing documents issued in the period.
#[derive(Serialize, ToSchema)]
pub struct OutgoingDocumentsDto {
    /// Issued (numbered), by the date they bear.
    pub issued: u64,
    /// Of which issued as a PDF with the agency's digital signature.
    pub signed: u64,
}

/// The electronic office's documents of the period.
#[derive(Serialize, ToSchema)]
pub struct OfficeDocumentsDto {
    /// Incoming.
    pub incoming: IncomingDocumentsDto,
    /// Outgoing.
    pub outgoing: OutgoingDocumentsDto,
}

/// The IT-application figures of a period, for the steering committee.
#[derive(Serialize, ToSchema)]
pub struct ItApplicationDto {
    /// First day of the period.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// The agency; `null` for the whole province.
    pub agency: Option<AgencyDto>,
    /// When the figures were taken.
    pub as_of: String,
    /// The scope's procedures by online level.
    pub procedures: ProceduresByLevelDto,
    /// The shares of dossiers.
    pub dossiers: DossierSharesDto,
    /// The months the period spans (a calendar month is 1; part of one, its share of days).
    #[schema(value_type = f64)]
    pub months: serde_json::Number,
    /// Officers' use, every agency of the scope together.
    pub officers: OfficerUseDto,
    /// Officers' use by agency, highest actions per officer per month first.
    pub by_agency: Vec<AgencyOfficerUseDto>,
    /// The electronic office's documents.
    pub office: OfficeDocumentsDto,
}

impl From<&ItApplication> for ItApplicationDto {
    fn from(r: &ItApplication) -> Self {
        let p = &r.procedures;
        let o = &r.office;
        ItApplicationDto {
            from: r.period.from.format("%Y-%m-%d").to_string(),
            to: r.period.to.format("%Y-%m-%d").to_string(),
            agency: r.scope.agency().map(AgencyDto::from),
            as_of: time(r.as_of),
            procedures: ProceduresByLevelDto { total: p.total(), full: p.full, partial: p.partial, offline: p.offline },
            dossiers: DossierSharesDto {
                online: r.dossiers.online.into(),
                paid_online: r.dossiers.paid_online.into(),
                electronic_results: r.dossiers.electronic_results.into(),
                digitised: r.dossiers.digitised.into(),
            },
            months: number(r.months),
            officers: OfficerUseDto::new(&r.officers, r.months),
            by_agency: r
                .by_agency
                .iter()
                .map(|(a, u)| AgencyOfficerUseDto {
                    agency: AgencyDto::from(a),
                    usage: OfficerUseDto::new(u, r.months),
                })
                .collect(),
            office: OfficeDocumentsDto {
                incoming: IncomingDocumentsDto {
                    total: o.incoming,
                    electronic: o.incoming_electronic,
                    paper: o.incoming_paper(),
                    digitised: o.incoming_digitised,
                },
                outgoing: OutgoingDocumentsDto { issued: o.outgoing_issued, signed: o.outgoing_signed },
            },
        }
    }
}
