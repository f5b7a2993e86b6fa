//! Form 05 (old numbering) / 06 (new): Phiếu kiểm soát quá trình giải quyết hồ sơ — the process
//! control slip, one row per hand-off of the dossier between units: who gave and who took it, when,
//! by when the giving unit had to hand it on, whether it did so early, on time or late, and a cell
//! for each side to sign, as on the official form.

use chrono::{DateTime, Utc};

use super::{digital_signature_place, heading, qr_code, sheet, title, DossierRef, Issuer, BODY, SMALL};
use crate::sheet::{Align, Column, Paper, Sheet};
use crate::text::short_time;
use crate::{FormKind, FormNumbering, FormPdf, RenderError};

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
    /// By when the giving unit had to hand the dossier on: the end of its own allotment of the
    /// time limit, or the dossier's due date when it has none.
    pub due_at: Option<DateTime<Utc>>,
    /// Early, on time or late against `due_at`; `None` leaves the cell empty (e.g. the
    /// applicant's own submission).
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

/// A signature cell: room to sign by hand on the printed slip, then the name of whoever acted in
/// the system.
fn signature_cell(person: &str) -> String {
    format!("\n\n{}", person.trim())
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
    let fixed = 24.0 + 100.0 + 60.0;
    let flexible = width - fixed;
    let columns = [
        Column::new("STT", 24.0, Align::Center),
        Column::new("Tên cơ quan (bộ phận) giao, nhận", flexible * 0.3, Align::Left),
        Column::new("Thời gian giao, nhận hồ sơ", 100.0, Align::Left),
        Column::new("Người giao (ký, ghi rõ họ tên)", flexible * 0.22, Align::Center),
        Column::new("Người nhận (ký, ghi rõ họ tên)", flexible * 0.22, Align::Center),
        Column::new("Kết quả (trước hạn/ đúng hạn/ quá hạn)", 60.0, Align::Center),
        Column::new("Ghi chú", flexible * 0.26, Align::Left),
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
            if let Some(due) = h.due_at {
                time.push_str(&format!("\nHạn: {}", short_time(due)));
            }
            vec![
                (i + 1).to_string(),
                format!("Giao: {}\nNhận: {}", h.from_unit, h.to_unit),
                time,
                signature_cell(&h.from_person),
                signature_cell(&h.to_person),
                h.result.map(Timeliness::label).unwrap_or_default().to_string(),
                h.note.clone(),
            ]
        })
        .collect();
    sheet.table(&columns, &rows, SMALL);
    digital_signature_place(&mut sheet);
    Ok(sheet)
}

/// Renders the control slip on A5 landscape when it fits one such page, else on A4 portrait.
///
/// Both are 210 mm wide, so the table's columns are the same either way: A5 landscape matches
/// the A5 receipt it accompanies and suits the usual handful of hand-offs, while A4 portrait
/// holds about twice as many rows per page for inter-agency dossiers, and continues on further
/// pages with the header row repeated.
pub fn render_control_slip(slip: &ControlSlip, numbering: FormNumbering) -> Result<FormPdf, RenderError> {
    let small = lay_out(slip, numbering, Paper::A5_LANDSCAPE)?;
    if small.page_count() == 1 {
        return small.finish();
    }
    lay_out(slip, numbering, Paper::A4_PORTRAIT)?.finish()
}
