//! The four embedded faces, Liberation Serif Regular, Bold, Italic and Bold Italic, parsed once
//! per process.
//!
//! Decree 30/2020 (Annex I) sets administrative documents in Times New Roman, Unicode (TCVN
//! 6909:2001). Liberation Serif has the same advance widths as Times New Roman, so a form breaks
//! its lines as it would in Times New Roman, and unlike Times New Roman it is free to embed and
//! redistribute (SIL OFL 1.1, `fonts/LICENSE`). It covers every precomposed Vietnamese letter, and
//! a single family keeps the widths that the line breaker measures identical to the glyphs drawn.
//! Parsing a face (its character map and advance widths) costs a few milliseconds, so it happens
//! once, on first use, and every later render only looks glyphs up.

use std::collections::HashMap;
use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/LiberationSerif-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/LiberationSerif-Bold.ttf");
static ITALIC_TTF: &[u8] = include_bytes!("../fonts/LiberationSerif-Italic.ttf");
static BOLD_ITALIC_TTF: &[u8] = include_bytes!("../fonts/LiberationSerif-BoldItalic.ttf");

static REGULAR: LazyLock<Face> = LazyLock::new(|| Face::parse(REGULAR_TTF));
static BOLD: LazyLock<Face> = LazyLock::new(|| Face::parse(BOLD_TTF));
static ITALIC: LazyLock<Face> = LazyLock::new(|| Face::parse(ITALIC_TTF));
static BOLD_ITALIC: LazyLock<Face> = LazyLock::new(|| Face::parse(BOLD_ITALIC_TTF));

/// Code points below this bound are looked up in a dense table (Latin, Vietnamese, punctuation);
/// anything else goes through a hash map.
const DENSE: usize = 0x2100;

/// The styles of the forms: regular text; bold for the issuing unit, the national name and motto,
/// the title and the values filled in; italic where Decree 30/2020 (Annex I) and the official
/// forms use it: the place and date line, the signer's hint in brackets ("(Ký và ghi rõ họ tên)")
/// and notes under a form; bold italic for the "Nơi nhận:" label alone.
///
/// A PDF embeds only the faces it draws, each subset to the glyphs it draws: the bold italic face
/// costs a form the few glyphs of its one label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Regular,
    Bold,
    Italic,
    BoldItalic,
}

impl Style {
    pub(crate) fn face(self) -> &'static Face {
        match self {
            Style::Regular => &REGULAR,
            Style::Bold => &BOLD,
            Style::Italic => &ITALIC,
            Style::BoldItalic => &BOLD_ITALIC,
        }
    }
}

/// One parsed face: the krilla font to embed and what the layout needs to place glyphs.
pub(crate) struct Face {
    pub(crate) font: Font,
    /// Glyph and advance (in em) by code point, for code points below [`DENSE`].
    dense: Vec<(u16, f32)>,
    /// The same for the rest of the character map.
    sparse: HashMap<u32, (u16, f32)>,
    /// Advance of `.notdef`, drawn for a character the face lacks.
    notdef: f32,
    /// Ascender and descender in em, both positive.
    pub(crate) ascent: f32,
    pub(crate) descent: f32,
}

impl Face {
    fn parse(bytes: &'static [u8]) -> Face {
        let font = Font::new(bytes.into(), 0).expect("the embedded face is a valid TrueType font");
        let face = FontRef::new(bytes).expect("the embedded face is a valid TrueType font");
        let metrics = face.metrics(Size::unscaled(), LocationRef::default());
        let upem = f32::from(metrics.units_per_em);
        let advances = face.glyph_metrics(Size::unscaled(), LocationRef::default());
        let advance = |gid: skrifa::GlyphId| advances.advance_width(gid).unwrap_or(0.0) / upem;
        let notdef = advance(skrifa::GlyphId::new(0));
        let mut dense = vec![(0u16, notdef); DENSE];
        let mut sparse = HashMap::new();
        for (cp, gid) in face.charmap().mappings() {
            let Ok(id) = u16::try_from(gid.to_u32()) else { continue };
            let entry = (id, advance(gid));
            match usize::try_from(cp) {
                Ok(i) if i < DENSE => dense[i] = entry,
                _ => {
                    sparse.insert(cp, entry);
                }
            }
        }
        Face { font, dense, sparse, notdef, ascent: metrics.ascent / upem, descent: -metrics.descent / upem }
    }

    /// The glyph for a character and its advance in em; `.notdef` when the face lacks it.
    #[inline]
    pub(crate) fn glyph(&self, c: char) -> (u16, f32) {
        let cp = c as usize;
        if cp < DENSE {
            self.dense[cp]
        } else {
            self.sparse.get(&(c as u32)).copied().unwrap_or((0, self.notdef))
        }
    }

    /// Whether the face has a glyph of its own for the character.
    #[cfg(test)]
    pub(crate) fn covers(&self, c: char) -> bool {
        self.glyph(c).0 != 0
    }

    /// Width of a run of text at a size, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    /// The glyphs of a run, one per character, each tied to its bytes in `text` so that the PDF's
    /// ToUnicode map gives the text back on copy and search.
    ///
    /// Text is in NFC and every Vietnamese letter has a precomposed glyph, so one character is one
    /// glyph and no shaping engine is needed.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(i, c)| {
                let (gid, advance) = self.glyph(c);
                KrillaGlyph::new(GlyphId::new(u32::from(gid)), advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use skrifa::outline::pen::PathElement;
    use skrifa::outline::DrawSettings;
    use unicode_normalization::UnicodeNormalization;

    use super::*;

    /// The 134 precomposed Vietnamese letters: those of Latin-1 and Latin Extended-A and B
    /// (vowels with a grave, acute or tilde, the circumflex and breve vowels, đ, ơ, ư) and the
    /// whole block of Latin Extended Additional that Vietnamese uses, U+1EA0 to U+1EF9.
    fn vietnamese_letters() -> Vec<char> {
        let mut letters: Vec<char> = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư".chars().collect();
        letters.extend('\u{1EA0}'..='\u{1EF9}');
        letters
    }

    /// The outline a face draws for a character, as path elements; empty when it maps the
    /// character to `.notdef` or to an empty glyph.
    fn outline(bytes: &[u8], c: char) -> Vec<PathElement> {
        let font = FontRef::new(bytes).unwrap();
        let mut path = Vec::new();
        let Some(gid) = font.charmap().map(c).filter(|g| g.to_u32() != 0) else { return path };
        if let Some(glyph) = font.outline_glyphs().get(gid) {
            glyph.draw(DrawSettings::unhinted(Size::unscaled(), LocationRef::default()), &mut path).unwrap();
        }
        path
    }

    /// Every face maps every Vietnamese letter to a glyph of its own: not `.notdef`, not empty,
    /// and not the bare letter with its marks lost (ệ is not drawn as e, đ not as d).
    #[test]
    fn every_face_draws_every_vietnamese_letter() {
        let letters = vietnamese_letters();
        assert_eq!(letters.len(), 134);
        let faces = [
            (Style::Regular, REGULAR_TTF),
            (Style::Bold, BOLD_TTF),
            (Style::Italic, ITALIC_TTF),
            (Style::BoldItalic, BOLD_ITALIC_TTF),
        ];
        for (style, bytes) in faces {
            let face = style.face();
            for &c in &letters {
                assert!(face.covers(c), "{style:?} lacks {c}");
                assert!(face.glyph(c).1 > 0.2, "{style:?} gives {c} no width");
                let base = match c {
                    'Đ' => 'D',
                    'đ' => 'd',
                    c => c.to_string().nfd().next().unwrap(),
                };
                assert_ne!(base, c, "{c} is a letter with a mark");
                let drawn = outline(bytes, c);
                assert!(!drawn.is_empty(), "{style:?} draws nothing for {c}");
                assert_ne!(drawn, outline(bytes, base), "{style:?} draws {c} as {base}");
            }
            assert!(face.ascent > 0.5 && face.descent > 0.1);
        }
    }

    #[test]
    fn bold_is_wider_than_regular() {
        let text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        assert!(Style::Bold.face().width(text, 10.0) > Style::Regular.face().width(text, 10.0));
        assert_eq!(Style::Regular.face().width("", 10.0), 0.0);
    }
}
