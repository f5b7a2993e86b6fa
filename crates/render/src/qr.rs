//! The dossier's QR code, as vector rectangles.
//!
//! Vector modules print sharp at any resolution and cost a few hundred bytes, where an image would
//! need a resolution chosen in advance. Dark modules next to each other in a row are merged into
//! one rectangle, which keeps the path short and leaves no hairline gaps between them.

use qrcode::{Color, EcLevel, QrCode};

use crate::RenderError;

/// A QR code's dark modules as horizontal runs `[x, y, length]`, one module high, in module units
/// from the top-left module, plus its side in modules (without the quiet zone).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct QrModules {
    pub(crate) side: usize,
    pub(crate) runs: Vec<[u16; 3]>,
}

/// Encodes a link with error correction level M (15 % of the symbol may be damaged or stamped
/// over and it still reads), the usual choice for printed links.
pub(crate) fn encode(data: &str) -> Result<QrModules, RenderError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|_| RenderError::QrTooLong(data.len()))?;
    let side = code.width();
    let colors = code.to_colors();
    let mut runs = Vec::new();
    for (y, row) in colors.chunks(side).enumerate() {
        let mut x = 0;
        while x < side {
            if row[x] == Color::Dark {
                let start = x;
                while x < side && row[x] == Color::Dark {
                    x += 1;
                }
                // A QR code is at most 177 modules wide: every coordinate fits in u16.
                runs.push([start as u16, y as u16, (x - start) as u16]);
            } else {
                x += 1;
            }
        }
    }
    Ok(QrModules { side, runs })
}

/// A QR code as an SVG image, to put inline in a page (no script, no address of its own): dark
/// runs as rectangles on a white square with the four-module quiet zone readers need.
pub fn svg(data: &str) -> Result<String, RenderError> {
    let qr = encode(data)?;
    let size = qr.side + 8;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"{}\" height=\"{}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
        size * 5,
        size * 5
    );
    for [x, y, w] in &qr.runs {
        out.push_str(&format!("M{} {}h{}v1h-{}z", x + 4, y + 4, w, w));
    }
    out.push_str("\"/></svg>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_draws_every_run_inside_its_quiet_zone() {
        let qr = encode("otpauth://totp/motcua:quantri?secret=AAAA").unwrap();
        let svg = svg("otpauth://totp/motcua:quantri?secret=AAAA").unwrap();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"), "{svg}");
        assert_eq!(svg.matches('M').count(), qr.runs.len());
        assert!(svg.contains(&format!("viewBox=\"0 0 {0} {0}\"", qr.side + 8)));
    }

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let url = "https://dichvucong.laocai.gov.vn/tra-cuu/000.00.12.H38-261126-0007";
        let qr = encode(url).unwrap();
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).unwrap();
        assert_eq!(qr.side, code.width());
        let mut grid = vec![false; qr.side * qr.side];
        for [x, y, w] in &qr.runs {
            for dx in 0..*w {
                let i = usize::from(*y) * qr.side + usize::from(x + dx);
                assert!(!grid[i], "overlapping runs");
                grid[i] = true;
            }
        }
        let dark: Vec<bool> = code.to_colors().iter().map(|c| *c == Color::Dark).collect();
        assert_eq!(grid, dark);
    }

    #[test]
    fn too_long_is_an_error() {
        let url = "x".repeat(5000);
        assert!(matches!(encode(&url), Err(RenderError::QrTooLong(5000))));
    }
}
