//! Biểu số II.06a/VPCP/KSTT — "Tình hình, kết quả giải quyết thủ tục hành chính", the periodic
//! report of dossiers received, resolved and in progress (Circular 01/2020/TT-VPCP's reporting
//! forms, DESIGN.md section 8), as a PDF to sign and as an Excel workbook to file or work on.
//!
//! Both have the official columns: STT; Lĩnh vực; received (total, of which carried over, new
//! online, new at the desk or by post); resolved (total, early, on time, late); in progress
//! (total, in time, overdue); the rows grouped by level (province, commune), each level's
//! subtotal first, its fields numbered under it, and the total last.

use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::report::{Counts, Level};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::{digital_signature_place, numbered_heading, sheet, Issuer, BODY, HEAD, SMALL, TITLE};
use crate::fonts::Style::{Bold, Italic, Regular};
use crate::sheet::{Align, Column, Paper};
use crate::text::{long_time, short_date, thousands};
use crate::{FormKind, FormPdf, RenderError};

/// The form's number, printed at the top right.
pub const II06A_NUMBER: &str = "Biểu số II.06a/VPCP/KSTT";

/// One field at one level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ii06aRow {
    /// Province or commune.
    pub level: Level,
    /// The field's name.
    pub field: String,
    /// Its figures.
    pub counts: Counts,
}

/// The report as printed: who files it, about what, for which period, and its rows in order of
/// level, then field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ii06aReport {
    /// The agency filing the report.
    pub issuer: Issuer,
    /// What it covers, after "tại": an agency's name, or the province's.
    pub scope: String,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day, included.
    pub to: NaiveDate,
    /// When the figures were taken.
    pub as_of: DateTime<Utc>,
    /// The rows.
    pub rows: Vec<Ii06aRow>,
    /// The sum of the rows.
    pub total: Counts,
}

/// The column headings: the three groups with their spans, then every column under them.
const GROUPS: [(&str, usize); 3] =
    [("Số hồ sơ nhận giải quyết", 4), ("Số hồ sơ đã giải quyết", 4), ("Số hồ sơ đang giải quyết", 3)];
const COLUMNS: [&str; 11] = [
    "Tổng số",
    "Trong đó: Số kỳ trước chuyển qua",
    "Số mới tiếp nhận trực tuyến",
    "Số mới tiếp nhận trực tiếp hoặc dịch vụ bưu chính",
    "Tổng số",
    "Trước hạn",
    "Đúng hạn",
    "Quá hạn",
    "Tổng số",
    "Trong hạn",
    "Quá hạn",
];

/// A printed line: its number, its label, its figures, and whether it is a subtotal or total.
struct Line {
    number: String,
    label: String,
    counts: Counts,
    strong: bool,
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Province => "Cấp tỉnh",
        Level::Commune => "Cấp xã",
    }
}

/// The lines in order: each level present with its subtotal (I, II), its fields (1, 2, …), and
/// the total.
fn lines(report: &Ii06aReport) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, level) in
        [Level::Province, Level::Commune].into_iter().filter(|l| report.rows.iter().any(|r| r.level == *l)).enumerate()
    {
        let rows: Vec<&Ii06aRow> = report.rows.iter().filter(|r| r.level == level).collect();
        out.push(Line {
            number: ["I", "II"][i].to_string(),
            label: level_name(level).to_string(),
            counts: rows.iter().map(|r| r.counts).sum(),
            strong: true,
        });
        out.extend(rows.iter().enumerate().map(|(n, r)| Line {
            number: (n + 1).to_string(),
            label: r.field.clone(),
            counts: r.counts,
            strong: false,
        }));
    }
    out.push(Line { number: String::new(), label: "Tổng cộng".into(), counts: report.total, strong: true });
    out
}

fn period_line(report: &Ii06aReport) -> String {
    format!("Kỳ báo cáo: từ ngày {} đến ngày {}", short_date(report.from), short_date(report.to))
}

fn title_line(report: &Ii06aReport) -> String {
    format!("{} tại {}", FormKind::Ii06a.title(), report.scope).to_uppercase()
}

/// Renders the report on A4 landscape, the headings repeated on each page, with the place of
/// the filing agency's digital signature after the table.
pub fn render_ii06a_pdf(report: &Ii06aReport) -> Result<FormPdf, RenderError> {
    let mut sheet = sheet(Paper::A4_LANDSCAPE, FormKind::Ii06a);
    sheet.paragraph(&[(II06A_NUMBER, Regular)], HEAD, Align::Right, 0.0);
    numbered_heading(&mut sheet, &report.issuer, None, Some(crate::text::local(report.as_of).date()), None, HEAD);
    sheet.clear_float();
    sheet.gap(8.0);
    sheet.paragraph(&[(&title_line(report), Bold)], TITLE, Align::Center, 0.0);
    sheet.paragraph(&[(&period_line(report), Regular)], BODY, Align::Center, 0.0);
    let taken = format!("Số liệu trích xuất từ hệ thống lúc {}", long_time(report.as_of));
    sheet.paragraph(&[(&taken, Italic)], SMALL, Align::Center, 0.0);
    sheet.gap(4.0);
    let (number, figure) = (26.0, 50.0);
    let label = sheet.width() - number - figure * COLUMNS.len() as f32;
    let mut groups = vec![Column::new("", number, Align::Center), Column::new("", label, Align::Left)];
    groups.extend(GROUPS.iter().map(|(title, span)| Column::new(title, figure * *span as f32, Align::Center)));
    sheet.table(&groups, &[], SMALL);
    let mut columns = vec![Column::new("STT", number, Align::Center), Column::new("Lĩnh vực", label, Align::Left)];
    columns.extend(COLUMNS.iter().map(|title| Column::new(title, figure, Align::Right)));
    let rows: Vec<Vec<String>> = lines(report)
        .into_iter()
        .map(|line| {
            // Subtotals and the total are marked in capitals: a table cell has one style.
            let label = if line.strong { line.label.to_uppercase() } else { line.label };
            let mut row = vec![line.number, label];
            row.extend(line.counts.figures().iter().map(|n| thousands(*n as i64)));
            row
        })
        .collect();
    sheet.table(&columns, &rows, SMALL);
    digital_signature_place(&mut sheet);
    sheet.finish()
}

/// The report as an Excel workbook (one sheet, "II.06a"): the title, the period, the two rows of
/// headings with the column numbers under them, then the lines, figures as numbers.
pub fn render_ii06a_xlsx(report: &Ii06aReport) -> Result<Vec<u8>, RenderError> {
    xlsx(report).map_err(|e| RenderError::Spreadsheet(e.to_string()))
}

fn xlsx(report: &Ii06aReport) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name("II.06a")?;
    ws.set_landscape();
    ws.set_paper_size(9);
    let last = 1 + COLUMNS.len() as u16;
    let heading = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let plain = Format::new().set_border(FormatBorder::Thin);
    let strong = plain.clone().set_bold();
    let centred = Format::new().set_align(FormatAlign::Center);
    ws.write_string_with_format(0, last - 3, II06A_NUMBER, &Format::new().set_italic())?;
    ws.merge_range(1, 0, 1, last, &title_line(report), &centred.clone().set_bold())?;
    ws.merge_range(2, 0, 2, last, &period_line(report), &centred)?;
    let taken = format!("Số liệu trích xuất từ hệ thống lúc {}", crate::text::short_time(report.as_of));
    ws.merge_range(3, 0, 3, last, &taken, &centred.clone().set_italic())?;
    let (top, under) = (5u32, 6u32);
    ws.merge_range(top, 0, under, 0, "STT", &heading)?;
    ws.merge_range(top, 1, under, 1, "Lĩnh vực", &heading)?;
    let mut col = 2u16;
    for (title, span) in GROUPS {
        ws.merge_range(top, col, top, col + span as u16 - 1, title, &heading)?;
        col += span as u16;
    }
    for (i, title) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(under, 2 + i as u16, *title, &heading)?;
    }
    for col in 0..=last {
        ws.write_string_with_format(under + 1, col, format!("({})", col + 1), &heading)?;
    }
    for (row, line) in (under + 2..).zip(lines(report)) {
        let format = if line.strong { &strong } else { &plain };
        ws.write_string_with_format(row, 0, &line.number, format)?;
        ws.write_string_with_format(row, 1, &line.label, format)?;
        for (i, n) in line.counts.figures().iter().enumerate() {
            ws.write_number_with_format(row, 2 + i as u16, *n as f64, format)?;
        }
    }
    ws.set_column_width(0, 6)?;
    ws.set_column_width(1, 40)?;
    for col in 2..=last {
        ws.set_column_width(col, 13)?;
    }
    ws.set_row_height(under, 60)?;
    ws.set_freeze_panes(under + 2, 2)?;
    workbook.save_to_buffer()
}
