//! Reading back the PDFs the crate writes, with lopdf: text through the fonts' ToUnicode maps,
//! page sizes, embedded fonts, and the QR code's path rasterised for a decoder.

#![allow(dead_code)]

use lopdf::content::Content;
use lopdf::{Document, Object};

pub struct Pdf {
    doc: Document,
}

impl Pdf {
    pub fn parse(bytes: &[u8]) -> Pdf {
        Pdf { doc: Document::load_mem(bytes).expect("the PDF parses") }
    }

    pub fn page_count(&self) -> usize {
        self.doc.get_pages().len()
    }

    fn page_id(&self, page: usize) -> lopdf::ObjectId {
        self.doc.get_pages()[&(page as u32 + 1)]
    }

    /// Width and height of a page's media box, rounded to whole points.
    pub fn page_size(&self, page: usize) -> (i32, i32) {
        let dict = self.doc.get_dictionary(self.page_id(page)).unwrap();
        let media_box = dict.get(b"MediaBox").unwrap().as_array().unwrap();
        let n: Vec<f32> = media_box.iter().map(|v| v.as_float().unwrap()).collect();
        ((n[2] - n[0]).round() as i32, (n[3] - n[1]).round() as i32)
    }

    /// The text of one page as lopdf extracts it (one line per text object, i.e. per run the
    /// layout drew), trimmed, blank lines dropped.
    pub fn page_text(&self, page: usize) -> String {
        let text = self.doc.extract_text(&[page as u32 + 1]).expect("the text extracts");
        text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
    }

    /// The text of every page, pages separated by a marker line.
    pub fn text(&self) -> String {
        (0..self.page_count()).map(|p| self.page_text(p)).collect::<Vec<_>>().join(&format!("\n{}\n", "-".repeat(20)))
    }

    /// The text with every run of whitespace made one space, to compare across line breaks.
    pub fn flat_text(&self) -> String {
        self.text().split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Base names of the fonts embedded as TrueType programs (FontFile2), subset tag removed.
    pub fn embedded_fonts(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.has(b"FontFile2"))
            .map(|d| {
                let name = String::from_utf8_lossy(d.get(b"FontName").unwrap().as_name().unwrap()).into_owned();
                name.split_once('+').map_or(name.clone(), |(_, base)| base.to_string())
            })
            .collect();
        names.sort();
        names
    }

    /// Whether every Type 0 font has a ToUnicode map, without which text cannot be copied.
    pub fn all_fonts_have_to_unicode(&self) -> bool {
        let fonts: Vec<_> = self
            .doc
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Type0"))
            .collect();
        !fonts.is_empty() && fonts.iter().all(|d| d.has(b"ToUnicode"))
    }

    /// The filled paths of a page with many subpaths (the QR code), each as the bounding boxes
    /// `[x0, y0, x1, y1]` of its subpaths in page space (y up).
    pub fn module_paths(&self, page: usize) -> Vec<Vec<[f32; 4]>> {
        let content = Content::decode(&self.doc.get_page_content(self.page_id(page))).unwrap();
        let mut ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let mut stack = Vec::new();
        let mut subpaths: Vec<Vec<(f32, f32)>> = Vec::new();
        let mut found = Vec::new();
        let nums = |ops: &[Object]| ops.iter().map(|o| o.as_float().unwrap()).collect::<Vec<f32>>();
        let apply = |m: &[f32; 6], x: f32, y: f32| (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]);
        for op in &content.operations {
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap(),
                "cm" => ctm = times(&nums(&op.operands), &ctm),
                "m" => {
                    let n = nums(&op.operands);
                    subpaths.push(vec![apply(&ctm, n[0], n[1])]);
                }
                "l" => {
                    let n = nums(&op.operands);
                    subpaths.last_mut().unwrap().push(apply(&ctm, n[0], n[1]));
                }
                "re" => {
                    let n = nums(&op.operands);
                    subpaths.push(vec![apply(&ctm, n[0], n[1]), apply(&ctm, n[0] + n[2], n[1] + n[3])]);
                }
                "f" | "f*" | "F" => {
                    if subpaths.len() >= 30 {
                        found.push(
                            subpaths
                                .iter()
                                .map(|points| {
                                    let xs = points.iter().map(|p| p.0);
                                    let ys = points.iter().map(|p| p.1);
                                    [
                                        xs.clone().fold(f32::MAX, f32::min),
                                        ys.clone().fold(f32::MAX, f32::min),
                                        xs.fold(f32::MIN, f32::max),
                                        ys.fold(f32::MIN, f32::max),
                                    ]
                                })
                                .collect(),
                        );
                    }
                    subpaths.clear();
                }
                "S" | "s" | "n" | "B" | "B*" | "b" | "b*" => subpaths.clear(),
                _ => {}
            }
        }
        found
    }

    /// How many runs of text start inside `[x0, y0, x1, y1]` (page space, y up) on a page: the
    /// origins of the text-showing operators, through the page's and the text's matrices.
    pub fn text_runs_in_box(&self, page: usize, area: [f32; 4]) -> usize {
        let content = Content::decode(&self.doc.get_page_content(self.page_id(page))).unwrap();
        let nums = |ops: &[Object]| ops.iter().map(|o| o.as_float().unwrap()).collect::<Vec<f32>>();
        let (mut ctm, mut tm, mut line) = ([1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [0.0; 6]);
        let mut stack = Vec::new();
        let mut inside = 0;
        for op in &content.operations {
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap(),
                "cm" => ctm = times(&nums(&op.operands), &ctm),
                "BT" => {
                    tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
                    line = tm;
                }
                "Tm" => {
                    let m = nums(&op.operands);
                    tm = [m[0], m[1], m[2], m[3], m[4], m[5]];
                    line = tm;
                }
                "Td" | "TD" => {
                    let d = nums(&op.operands);
                    line = times(&[1.0, 0.0, 0.0, 1.0, d[0], d[1]], &line);
                    tm = line;
                }
                "Tj" | "TJ" | "'" | "\"" => {
                    let at = times(&tm, &ctm);
                    let (x, y) = (at[4], at[5]);
                    if x >= area[0] && x <= area[2] && y >= area[1] && y <= area[3] {
                        inside += 1;
                    }
                }
                _ => {}
            }
        }
        inside
    }

    /// Every QR code drawn on a page, rasterised from its path and decoded.
    pub fn qr_codes(&self, page: usize) -> Vec<String> {
        self.module_paths(page).iter().filter_map(|rects| decode_qr(rects)).collect()
    }
}

/// Paints the rectangles (page space, y up) on a white raster with a quiet zone and decodes it.
fn decode_qr(rects: &[[f32; 4]]) -> Option<String> {
    let module = rects.iter().map(|r| r[3] - r[1]).fold(f32::MAX, f32::min);
    let left = rects.iter().map(|r| r[0]).fold(f32::MAX, f32::min);
    let top = rects.iter().map(|r| r[3]).fold(f32::MIN, f32::max);
    let right = rects.iter().map(|r| r[2]).fold(f32::MIN, f32::max);
    let side = ((right - left) / module).round() as usize;
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    let pixels = (side + 2 * QUIET) * SCALE;
    let mut dark = vec![false; pixels * pixels];
    for r in rects {
        let col = ((r[0] - left) / module).round() as usize;
        let row = ((top - r[3]) / module).round() as usize;
        let width = ((r[2] - r[0]) / module).round() as usize;
        let height = ((r[3] - r[1]) / module).round() as usize;
        for y in (row + QUIET) * SCALE..(row + height + QUIET) * SCALE {
            for x in (col + QUIET) * SCALE..(col + width + QUIET) * SCALE {
                dark[y * pixels + x] = true;
            }
        }
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(pixels, pixels, |x, y| if dark[y * pixels + x] { 0 } else { 255 });
    let grids = image.detect_grids();
    grids.first().and_then(|g| g.decode().ok()).map(|(_, content)| content)
}

/// The matrix `m` (six numbers, as `cm` and `Tm` give them) applied before `c`: PDF's
/// concatenation of transformations.
fn times(m: &[f32], c: &[f32; 6]) -> [f32; 6] {
    [
        m[0] * c[0] + m[1] * c[2],
        m[0] * c[1] + m[1] * c[3],
        m[2] * c[0] + m[3] * c[2],
        m[2] * c[1] + m[3] * c[3],
        m[4] * c[0] + m[5] * c[2] + c[4],
        m[4] * c[1] + m[5] * c[3] + c[5],
    ]
}
