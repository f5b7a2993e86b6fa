//! Form 05 (old numbering) / 06 (new): Phiếu kiểm soát quá trình giải quyết hồ sơ — the process
//! control slip, one row per hand-off of the dossier between units.

use chrono::{DateTime, Utc};

use super::{heading, qr_code, sheet, title, DossierRef, Issuer, BODY, SMALL};
use crate::sheet::{Align, Column, Paper, Sheet};
use crate::text::short_time;
use crate::{FormKind, FormNumbering, RenderError};

/// How a hand-off stood against the deadline, the slip's "result" column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timeliness {
    /// Trước hạn — before the due day.
    Early,
    /// Đúng hạn — on the due day, in time.
    OnTime,
    /// Quá hạn — late.
    Late,
}

impl Timeliness {
    /// The words printed on the slip ("Trước hạn", "Đúng hạn", "Quá hạn").
    pub fn label(self) -> &'static str {
        match self {
            Timeliness::Early => "Trước hạn",
            Timeliness::OnTime => "Đúng hạn",
            Timeliness::Late => "Quá hạn",
        }
    }
}

/// One hand-off: the dossier leaves one unit (or person) and reaches the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandOff {
    /// The unit handing over, e.g. "Bộ phận tiếp nhận và trả kết quả".
    pub from_unit: String,
    /// The person handing over; may be empty.
    pub from_person: String,
    /// The unit receiving.
    pub to_unit: String,
    /// The person receiving; may be empty.
    pub to_person: String,
    /// When the dossier was handed over.
    pub handed_over_at: DateTime<Utc>,
    /// When the receiving side took it, if recorded separately.
    pub received_at: Option<DateTime<Utc>>,
    /// Early, on time or late; `None` leaves the cell empty (e.g. the applicant's own submission).
    pub result: Option<Timeliness>,
    /// Free note, e.g. the reason of a return.
    pub note: String,
}

/// The control slip: travels with the paper dossier and records every hand-off, so that delays
/// can be traced to a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlSlip {
    /// The agency and unit that received the dossier.
    pub issuer: Issuer,
    /// The dossier's code and lookup link (QR code).
    pub dossier: DossierRef,
    /// Cơ quan (bộ phận) giải quyết hồ sơ — the agency in charge of processing.
    pub lead_agency: String,
    /// Cơ quan phối hợp — the agencies consulted or taking part; may be empty.
    pub coordinating_agencies: Vec<String>,
    /// The hand-offs, in order.
    pub hand_offs: Vec<HandOff>,
}

fn party(unit: &str, person: &str) -> String {
    if person.trim().is_empty() {
        unit.to_string()
    } else {
        format!("{unit}\n{person}")
    }
}

fn lay_out(slip: &ControlSlip, numbering: FormNumbering, paper: Paper) -> Result<Sheet, RenderError> {
    let kind = FormKind::ControlSlip;
    let mut sheet = sheet(paper, kind);
    heading(&mut sheet, &slip.issuer, kind, numbering, None);
    title(&mut sheet, kind);
    qr_code(&mut sheet, &slip.dossier)?;
    sheet.field("Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả, mã hồ sơ:", &slip.dossier.code, BODY);
    sheet.field("Cơ quan (bộ phận) giải quyết hồ sơ:", &slip.lead_agency, BODY);
    let coordinating =
        if slip.coordinating_agencies.is_empty() { "—".to_string() } else { slip.coordinating_agencies.join("; ") };
    sheet.field("Cơ quan phối hợp giải quyết hồ sơ:", &coordinating, BODY);
    let width = sheet.width();
    let fixed = 24.0 + 112.0 + 78.0;
    let flexible = width - fixed;
    let columns = [
        Column::new("STT", 24.0, Align::Center),
        Column::new("Bên giao", flexible * 0.3, Align::Left),
        Column::new("Bên nhận", flexible * 0.3, Align::Left),
        Column::new("Thời gian giao, nhận hồ sơ", 112.0, Align::Left),
        Column::new("Kết quả (trước hạn/ đúng hạn/ quá hạn)", 78.0, Align::Center),
        Column::new("Ghi chú", flexible * 0.4, Align::Left),
    ];
    let rows: Vec<Vec<String>> = slip
        .hand_offs
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut time = format!("Giao: {}", short_time(h.handed_over_at));
            if let Some(at) = h.received_at {
                time.push_str(&format!("\nNhận: {}", short_time(at)));
            }
            vec![
                (i + 1).to_string(),
                party(&h.from_unit, &h.from_person),
                party(&h.to_unit, &h.to_person),
                time,
                h.result.map(Timeliness::label).unwrap_or_default().to_string(),
                h.note.clone(),
            ]
        })
        .collect();
    sheet.table(&columns, &rows, SMALL);
    Ok(sheet)
}

/// Renders the control slip on A5 landscape when it fits one such page, else on A4 portrait.
///
/// Both are 210 mm wide, so the table's columns are the same either way: A5 landscape matches
/// the A5 receipt it accompanies and suits the usual handful of hand-offs, while A4 portrait
/// holds about twice as many rows per page for inter-agency dossiers, and continues on further
/// pages with the header row repeated.
pub fn render_control_slip(slip: &ControlSlip, numbering: FormNumbering) -> Result<Vec<u8>, RenderError> {
    let small = lay_out(slip, numbering, Paper::A5_LANDSCAPE)?;
    if small.page_count() == 1 {
        return small.finish();
    }
    lay_out(slip, numbering, Paper::A4_PORTRAIT)?.finish()
}
