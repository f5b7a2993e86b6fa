//! The visible part of a digital signature: a small box saying who signed, for which agency and
//! when, drawn where the form's signature goes.
//!
//! Decree 30/2020 (Appendix I, part II) asks the image of a digital signature to show the
//! signer (the person, or the agency whose seal signs), the agency, and the signing time with
//! its time zone (ISO 8601). The stamp is rendered here, with the forms' embedded faces, as a
//! one-page PDF the size of the box; `motcua_signing::pades` places that page in the signature's
//! appearance, so the signing crate needs no fonts and no layout of its own.

use chrono::{DateTime, FixedOffset};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::Document;

use crate::fonts::Style;
use crate::text::{self, Line};
use crate::RenderError;

/// Largest and smallest font size of the stamp's text, in points: the text is set as large as
/// fits in the box, between these.
const LARGEST: f32 = 9.0;
const SMALLEST: f32 = 4.0;
/// Space between the border and the text, in points.
const PADDING: f32 = 4.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.25;

/// What a signature's stamp says.
#[derive(Clone, Debug, PartialEq)]
pub struct SignatureStamp {
    /// Who signed: the officer's name, or the agency's when its seal signs ("Ký bởi").
    pub signer: String,
    /// The agency the signature is made for ("Cơ quan").
    pub agency: String,
    /// The signing time in the offset it is shown in (Vietnam's, +07:00): the same instant the
    /// signature claims, so the stamp and the signature panel of a reader agree.
    pub signed_at: DateTime<FixedOffset>,
}

/// The stamp as a one-page PDF of `width` × `height` points: a thin border and three lines,
/// "Ký bởi: …", "Cơ quan: …", "Thời gian ký: …", each wrapped to the box and set at the largest
/// size that fits.
pub fn render_signature_stamp(stamp: &SignatureStamp, width: f32, height: f32) -> Result<Vec<u8>, RenderError> {
    let signer = text::clean(&stamp.signer);
    let agency = text::clean(&stamp.agency);
    let time = stamp_time(stamp.signed_at);
    let paragraphs: [[(&str, Style); 2]; 3] = [
        [("Ký bởi: ", Style::Regular), (&signer, Style::Bold)],
        [("Cơ quan: ", Style::Regular), (&agency, Style::Regular)],
        [("Thời gian ký: ", Style::Regular), (&time, Style::Regular)],
    ];
    let room = (width - 2.0 * PADDING).max(1.0);
    let lay_out =
        |size: f32| -> Vec<Line> { paragraphs.iter().flat_map(|spans| text::wrap(spans, size, |_| room)).collect() };
    let mut size = LARGEST;
    let mut lines = lay_out(size);
    while size > SMALLEST && lines.len() as f32 * size * LEADING > height - 2.0 * PADDING {
        size -= 0.25;
        lines = lay_out(size);
    }

    let mut document = Document::new();
    document.set_metadata(Metadata::new().title("Chữ ký số".to_string()).language("vi".to_string()));
    let settings = PageSettings::from_wh(width, height).ok_or(RenderError::Layout)?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    surface.set_stroke(None);
    surface.set_fill(Some(Fill::default()));
    let face = Style::Regular.face();
    let line_height = size * LEADING;
    let block = lines.len() as f32 * line_height;
    // Centred vertically when there is room to spare; from the top when the text overflows.
    let top = ((height - block) / 2.0).max(PADDING);
    for (i, line) in lines.iter().enumerate() {
        let baseline = top
            + i as f32 * line_height
            + (line_height - (face.ascent + face.descent) * size) / 2.0
            + face.ascent * size;
        for piece in &line.pieces {
            let face = piece.style.face();
            let glyphs = face.glyphs(&piece.text);
            surface.draw_glyphs(
                Point::from_xy(PADDING + piece.x, baseline),
                &glyphs,
                face.font.clone(),
                &piece.text,
                size,
                false,
            );
        }
    }
    let mut border = PathBuilder::new();
    if let Some(rect) = Rect::from_xywh(0.5, 0.5, width - 1.0, height - 1.0) {
        border.push_rect(rect);
    }
    if let Some(path) = border.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke { width: 0.75, ..Stroke::default() }));
        surface.draw_path(&path);
    }
    surface.finish();
    page.finish();
    document.finish().map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

/// "26/11/2026 08:30:05 +07:00": day first as Vietnamese dates are written, with seconds and the
/// offset as Decree 30 asks.
fn stamp_time(at: DateTime<FixedOffset>) -> String {
    at.format("%d/%m/%Y %H:%M:%S %:z").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn time_has_seconds_and_offset() {
        let at = FixedOffset::east_opt(7 * 3600).unwrap().with_ymd_and_hms(2026, 11, 26, 8, 30, 5).unwrap();
        assert_eq!(stamp_time(at), "26/11/2026 08:30:05 +07:00");
    }
}
