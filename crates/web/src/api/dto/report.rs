//! The shapes of the steering reports (shared/API.md "Reports").

use motcua_app::reports::Ii06a;
use motcua_domain::report::Counts;
use serde::Serialize;
use utoipa::ToSchema;

use super::{time, AgencyDto, FieldDto};

/// Số hồ sơ nhận giải quyết — received: carried over from before the period, and new in it by
/// channel.
#[derive(Serialize, ToSchema)]
pub struct ReceivedDto {
    /// `carried_over` + `online` + `direct`.
    pub total: u64,
    /// Received before the period and not finished before it.
    pub carried_over: u64,
    /// Received in the period, applied online (the portal, the API, the national portal).
    pub online: u64,
    /// Received in the period at the desk or by post.
    pub direct: u64,
}

/// Số hồ sơ đã giải quyết — finished in the period (result issued, or refused after reception).
#[derive(Serialize, ToSchema)]
pub struct ResolvedDto {
    /// `early` + `on_time` + `late`.
    pub total: u64,
    /// Finished on a day (Vietnam time) before the due date's day.
    pub early: u64,
    /// Finished at or before the due time, and not early.
    pub on_time: u64,
    /// Finished after the due time.
    pub late: u64,
}

/// Số hồ sơ đang giải quyết — still open at the end of the period.
#[derive(Serialize, ToSchema)]
pub struct InProgressDto {
    /// `in_time` + `overdue`.
    pub total: u64,
    /// Not due before the end of the period (or before `as_of`, while it runs).
    pub in_time: u64,
    /// Due before then.
    pub overdue: u64,
}

/// The figures of a row or of the total.
#[derive(Serialize, ToSchema)]
pub struct CountsDto {
    /// Received.
    pub received: ReceivedDto,
    /// Resolved.
    pub resolved: ResolvedDto,
    /// In progress.
    pub in_progress: InProgressDto,
}

impl From<&Counts> for CountsDto {
    fn from(c: &Counts) -> Self {
        let (r, d, p) = (&c.received, &c.resolved, &c.in_progress);
        CountsDto {
            received: ReceivedDto { total: r.total, carried_over: r.carried_over, online: r.online, direct: r.direct },
            resolved: ResolvedDto { total: d.total, early: d.early, on_time: d.on_time, late: d.late },
            in_progress: InProgressDto { total: p.total, in_time: p.in_time, overdue: p.overdue },
        }
    }
}

/// One field at one level.
#[derive(Serialize, ToSchema)]
pub struct Ii06aRowDto {
    /// The field (lĩnh vực).
    pub field: FieldDto,
    /// `province` (departments, the service centre, the provincial committee) or `commune`.
    pub level: String,
    /// The figures.
    #[serde(flatten)]
    pub counts: CountsDto,
}

/// Biểu II.06a — the periodic report of dossiers received, resolved and in progress.
#[derive(Serialize, ToSchema)]
pub struct Ii06aDto {
    /// First day of the period.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// The agency reported on; `null` for the whole province.
    pub agency: Option<AgencyDto>,
    /// When the figures were taken.
    pub as_of: String,
    /// By level, then field.
    pub rows: Vec<Ii06aRowDto>,
    /// The sum of the rows.
    pub total: CountsDto,
}

impl From<&Ii06a> for Ii06aDto {
    fn from(r: &Ii06a) -> Self {
        Ii06aDto {
            from: r.period.from.format("%Y-%m-%d").to_string(),
            to: r.period.to.format("%Y-%m-%d").to_string(),
            agency: r.scope.agency().map(AgencyDto::from),
            as_of: time(r.as_of),
            rows: r
                .rows
                .iter()
                .map(|row| Ii06aRowDto {
                    field: FieldDto { code: row.field_code.clone(), name: row.field_name.clone() },
                    level: row.level.as_str().to_string(),
                    counts: CountsDto::from(&row.counts),
                })
                .collect(),
            total: CountsDto::from(&r.total),
        }
    }
}
