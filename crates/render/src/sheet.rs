//! A small flow layout for forms: paragraphs, side-by-side stacks, a floating QR code and tables
//! that break across pages with their header row repeated.
//!
//! Layout and drawing are separate: the flow first records what goes where on which page, and
//! only [`Sheet::finish`] writes the PDF. So the page count is known before anything is drawn
//! ("Trang 2/5" footers), and a form can be laid out on one paper size and tried again on another.
//!
//! Coordinates are points from the top-left corner of the page, y growing downwards, as krilla's
//! surface uses them.

use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::Document;

use crate::fonts::Style;
use crate::qr::QrModules;
use crate::text::{self, Line};
use crate::{FormPdf, RenderError, SignatureBox};

/// Millimetres to points.
const fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// Line height as a multiple of the font size.
const LEADING: f32 = 1.3;
/// Horizontal and vertical padding inside table cells.
const CELL_PAD_X: f32 = 3.0;
const CELL_PAD_Y: f32 = 2.0;
/// Width of table and header rules.
const RULE: f32 = 0.5;
/// Size of the page footer ("Trang 1/3").
const FOOTER_SIZE: f32 = 7.0;

/// A sheet of paper, in points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Paper {
    pub(crate) width: f32,
    pub(crate) height: f32,
}

impl Paper {
    /// ISO A5 (148 × 210 mm) upright: the one-stop slips.
    pub(crate) const A5_PORTRAIT: Paper = Paper { width: mm(148.0), height: mm(210.0) };
    /// A5 on its side.
    pub(crate) const A5_LANDSCAPE: Paper = Paper { width: mm(210.0), height: mm(148.0) };
    /// ISO A4 (210 × 297 mm) upright.
    pub(crate) const A4_PORTRAIT: Paper = Paper { width: mm(210.0), height: mm(297.0) };
    /// A4 on its side: the register.
    pub(crate) const A4_LANDSCAPE: Paper = Paper { width: mm(297.0), height: mm(210.0) };
}

/// Horizontal alignment of a line within its box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// One recorded drawing operation.
enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        style: Style,
        text: String,
    },
    Rule {
        from: (f32, f32),
        to: (f32, f32),
    },
    /// A QR code: its top-left corner, the side of one module, and the dark runs in module units.
    /// Drawn as one path in module coordinates, scaled by a transform, so that the content stream
    /// holds small integers instead of long decimals (a quarter of the bytes to compress).
    Qr {
        x: f32,
        y: f32,
        module: f32,
        runs: Vec<[u16; 3]>,
    },
}

/// Distance from the top of a line box to the baseline, so the glyphs sit in the middle of the
/// box whatever the leading.
fn baseline_offset(size: f32) -> f32 {
    let face = Style::Regular.face();
    let box_height = size * LEADING;
    (box_height - (face.ascent + face.descent) * size) / 2.0 + face.ascent * size
}

fn line_height(size: f32) -> f32 {
    size * LEADING
}

fn aligned_x(left: f32, width: f32, line: &Line, align: Align) -> f32 {
    match align {
        Align::Left => left,
        Align::Center => left + (width - line.width).max(0.0) / 2.0,
        Align::Right => left + (width - line.width).max(0.0),
    }
}

/// Lines of text, gaps and short centred rules stacked in a column of fixed width: a header
/// column, a signature block, the QR code's caption.
pub(crate) struct Stack {
    width: f32,
    items: Vec<StackItem>,
}

enum StackItem {
    Text {
        lines: Vec<Line>,
        size: f32,
        align: Align,
    },
    Gap(f32),
    Rule(f32),
    /// Room for a signature where the digital signature's stamp goes.
    SignHere(f32),
}

impl Stack {
    pub(crate) fn new(width: f32) -> Stack {
        Stack { width, items: Vec::new() }
    }

    /// Adds text in one style, broken to the stack's width.
    pub(crate) fn text(self, text: &str, style: Style, size: f32, align: Align) -> Stack {
        self.spans(&[(text, style)], size, align)
    }

    /// Adds text with mixed styles, broken to the stack's width.
    pub(crate) fn spans(mut self, spans: &[(&str, Style)], size: f32, align: Align) -> Stack {
        let lines = text::wrap(spans, size, |_| self.width);
        self.items.push(StackItem::Text { lines, size, align });
        self
    }

    /// Adds vertical space.
    pub(crate) fn gap(mut self, height: f32) -> Stack {
        self.items.push(StackItem::Gap(height));
        self
    }

    /// Adds room for a signature (`height` points) and marks it as the place of the document's
    /// digital signature: its stamp is drawn there when the PDF is signed.
    pub(crate) fn sign_here(mut self, height: f32) -> Stack {
        self.items.push(StackItem::SignHere(height));
        self
    }

    /// Adds a short centred rule, as under the agency name and the national motto.
    pub(crate) fn rule(mut self, width: f32) -> Stack {
        self.items.push(StackItem::Rule(width));
        self
    }

    pub(crate) fn height(&self) -> f32 {
        self.items
            .iter()
            .map(|item| match item {
                StackItem::Text { lines, size, .. } => lines.len() as f32 * line_height(*size),
                StackItem::Gap(h) | StackItem::SignHere(h) => *h,
                StackItem::Rule(_) => 5.0,
            })
            .sum()
    }

    /// The widest line, for boxes that shrink to their content.
    pub(crate) fn content_width(&self) -> f32 {
        self.items
            .iter()
            .map(|item| match item {
                StackItem::Text { lines, .. } => lines.iter().map(|l| l.width).fold(0.0, f32::max),
                StackItem::Gap(_) | StackItem::SignHere(_) => 0.0,
                StackItem::Rule(w) => *w,
            })
            .fold(0.0, f32::max)
    }
}

/// A table column: heading, width in points and alignment of its cells.
pub(crate) struct Column {
    pub(crate) title: String,
    pub(crate) width: f32,
    pub(crate) align: Align,
}

impl Column {
    pub(crate) fn new(title: &str, width: f32, align: Align) -> Column {
        Column { title: title.to_string(), width, align }
    }
}

struct Float {
    left: f32,
    bottom: f32,
}

/// The flow of one document: pages of recorded operations and the position where the next block
/// goes.
pub(crate) struct Sheet {
    paper: Paper,
    top: f32,
    bottom: f32,
    left: f32,
    right: f32,
    title: String,
    pages: Vec<Vec<Op>>,
    y: f32,
    float: Option<Float>,
    /// The page (from 1) and the box, from the page's top left, of the signature's stamp.
    sign_here: Option<(usize, Rect)>,
}

impl Sheet {
    /// A document on `paper` with margins (top, right, bottom, left) in millimetres; `title` goes
    /// into the PDF's metadata, where viewers show it.
    pub(crate) fn new(paper: Paper, margins_mm: [f32; 4], title: &str) -> Sheet {
        let [top, right, bottom, left] = margins_mm.map(mm);
        Sheet {
            paper,
            top,
            bottom: paper.height - bottom,
            left,
            right: paper.width - right,
            title: text::clean(title).into_owned(),
            pages: vec![Vec::new()],
            y: top,
            float: None,
            sign_here: None,
        }
    }

    pub(crate) fn width(&self) -> f32 {
        self.right - self.left
    }

    pub(crate) fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn push(&mut self, op: Op) {
        self.pages.last_mut().expect("a sheet always has a page").push(op);
    }

    fn at_page_top(&self) -> bool {
        self.y <= self.top + 0.01
    }

    fn page_break(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
        self.float = None;
    }

    /// Starts a new page unless `height` fits on this one (or this page is still empty, where a
    /// break would gain nothing).
    pub(crate) fn keep(&mut self, height: f32) {
        if self.y + height > self.bottom && !self.at_page_top() {
            self.page_break();
        }
    }

    /// Vertical space; dropped at the top of a page.
    pub(crate) fn gap(&mut self, height: f32) {
        if !self.at_page_top() {
            self.y += height;
        }
    }

    /// Moves below the floating QR code, before anything that needs the full width.
    pub(crate) fn clear_float(&mut self) {
        if let Some(float) = self.float.take() {
            self.y = self.y.max(float.bottom + 2.0);
        }
    }

    /// The width left for a line whose box starts at `top`, narrower beside the float.
    fn room_at(&self, top: f32, indent: f32) -> f32 {
        let right = match &self.float {
            Some(float) if top < float.bottom => float.left - 6.0,
            _ => self.right,
        };
        (right - self.left - indent).max(10.0)
    }

    fn draw_line(&mut self, line: Line, x: f32, top: f32, size: f32) {
        let baseline = top + baseline_offset(size);
        for piece in line.pieces {
            if piece.text.trim().is_empty() {
                continue;
            }
            self.push(Op::Text { x: x + piece.x, baseline, size, style: piece.style, text: piece.text });
        }
    }

    /// A paragraph of styled text flowing down the page (and onto the next ones), beside the
    /// float while there is one; `indent` shifts every line right.
    pub(crate) fn paragraph(&mut self, spans: &[(&str, Style)], size: f32, align: Align, indent: f32) {
        let lead = line_height(size);
        let start = self.y;
        let lines = text::wrap(spans, size, |i| self.room_at(start + i as f32 * lead, indent));
        for line in lines {
            self.keep(lead);
            let room = self.room_at(self.y, indent);
            let x = aligned_x(self.left + indent, room, &line, align);
            self.draw_line(line, x, self.y, size);
            self.y += lead;
        }
    }

    /// "Label: value" with the value in bold, the usual line of a form.
    pub(crate) fn field(&mut self, label: &str, value: &str, size: f32) {
        self.paragraph(&[(label, Style::Regular), (" ", Style::Regular), (value, Style::Bold)], size, Align::Left, 0.0);
    }

    /// Plain regular text, left-aligned.
    pub(crate) fn plain(&mut self, text: &str, size: f32) {
        self.paragraph(&[(text, Style::Regular)], size, Align::Left, 0.0);
    }

    /// `count` empty lines to write on by hand, each a thin rule across the width at the height
    /// of a line of `size` points.
    pub(crate) fn writing_lines(&mut self, count: usize, size: f32) {
        let lead = line_height(size) * 1.25;
        for _ in 0..count {
            self.keep(lead);
            let at = self.y + lead - 2.0;
            let right = self.left + self.room_at(self.y, 0.0);
            self.push(Op::Rule { from: (self.left, at), to: (right, at) });
            self.y += lead;
        }
    }

    /// A choice to tick by hand: an empty box, then its text (wrapped beside the box).
    pub(crate) fn tick_box(&mut self, label: &str, size: f32, indent: f32) {
        let lead = line_height(size);
        self.keep(lead);
        let side = size * 0.75;
        let (x, y) = (self.left + indent, self.y + (lead - side) / 2.0);
        for (from, to) in [((x, y), (x + side, y)), ((x + side, y), (x + side, y + side))] {
            self.push(Op::Rule { from, to });
        }
        for (from, to) in [((x + side, y + side), (x, y + side)), ((x, y + side), (x, y))] {
            self.push(Op::Rule { from, to });
        }
        self.paragraph(&[(label, Style::Regular)], size, Align::Left, indent + side + 4.0);
    }

    /// Stacks side by side, each at its offset from the left margin, kept together on one page;
    /// the flow continues below the tallest.
    pub(crate) fn stacks(&mut self, stacks: Vec<(f32, Stack)>) {
        self.clear_float();
        let height = stacks.iter().map(|(_, s)| s.height()).fold(0.0, f32::max);
        self.keep(height);
        let top = self.y;
        for (offset, stack) in stacks {
            self.draw_stack(stack, self.left + offset, top);
        }
        self.y = top + height;
    }

    fn draw_stack(&mut self, stack: Stack, x: f32, top: f32) {
        let mut y = top;
        for item in stack.items {
            match item {
                StackItem::Text { lines, size, align } => {
                    for line in lines {
                        let lx = aligned_x(x, stack.width, &line, align);
                        self.draw_line(line, lx, y, size);
                        y += line_height(size);
                    }
                }
                StackItem::Gap(h) => y += h,
                StackItem::SignHere(h) => {
                    let width = (stack.width - 2.0 * SIGN_HERE_INSET).min(SIGN_HERE_WIDTH);
                    let left = x + (stack.width - width) / 2.0;
                    self.sign_here = Rect::from_xywh(left, y, width, h).map(|rect| (self.pages.len(), rect));
                    y += h;
                }
                StackItem::Rule(w) => {
                    let lx = x + (stack.width - w) / 2.0;
                    self.push(Op::Rule { from: (lx, y + 2.5), to: (lx + w, y + 2.5) });
                    y += 5.0;
                }
            }
        }
    }

    /// The QR code (`side` points square) with a caption under it, at the right margin from the
    /// current position; the following paragraphs flow to its left until they pass its bottom.
    pub(crate) fn float_qr(&mut self, qr: &QrModules, side: f32, caption: &str, caption_size: f32) {
        self.clear_float();
        let caption_width = text::wrap_plain(caption, Style::Regular, caption_size, self.width() / 2.0)
            .iter()
            .map(|l| l.width)
            .fold(0.0, f32::max);
        let width = side.max(caption_width);
        let caption = Stack::new(width).text(caption, Style::Regular, caption_size, Align::Center);
        let caption_height = caption.height();
        self.keep(side + 1.0 + caption_height);
        let left = self.right - width;
        let top = self.y;
        let module = side / qr.side as f32;
        let x = left + (width - side) / 2.0;
        self.push(Op::Qr { x, y: top, module, runs: qr.runs.clone() });
        self.draw_stack(caption, left, top + side + 1.0);
        self.float = Some(Float { left, bottom: top + side + 1.0 + caption_height });
    }

    /// A ruled table: the header row is repeated at the top of every page the table reaches, a row
    /// that does not fit moves to the next page, and a row taller than a whole page is split
    /// between its lines.
    pub(crate) fn table(&mut self, columns: &[Column], rows: &[Vec<String>], size: f32) {
        self.clear_float();
        let lead = line_height(size);
        let inner = |c: &Column| (c.width - 2.0 * CELL_PAD_X).max(1.0);
        let header: Vec<Vec<Line>> =
            columns.iter().map(|c| text::wrap_plain(&c.title, Style::Bold, size, inner(c))).collect();
        let header_lines = header.iter().map(Vec::len).max().unwrap_or(1);
        let header_height = header_lines as f32 * lead + 2.0 * CELL_PAD_Y;
        let first_row = rows.first().map_or(0.0, |_| lead + 2.0 * CELL_PAD_Y);
        self.keep(header_height + first_row);
        self.table_header(columns, &header, size, header_height);
        for row in rows {
            let cells: Vec<Vec<Line>> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| text::wrap_plain(row.get(i).map_or("", String::as_str), Style::Regular, size, inner(c)))
                .collect();
            let total = cells.iter().map(Vec::len).max().unwrap_or(1);
            let height = total as f32 * lead + 2.0 * CELL_PAD_Y;
            let page_room = self.bottom - self.top - header_height;
            if self.y + height > self.bottom && height <= page_room {
                self.page_break();
                self.table_header(columns, &header, size, header_height);
            }
            let mut done = 0;
            while done < total {
                let fit = ((self.bottom - self.y - 2.0 * CELL_PAD_Y) / lead).floor().max(0.0) as usize;
                if fit == 0 {
                    self.page_break();
                    self.table_header(columns, &header, size, header_height);
                    continue;
                }
                let take = fit.min(total - done);
                self.table_row(columns, &cells, done..done + take, size);
                done += take;
            }
        }
    }

    fn table_header(&mut self, columns: &[Column], header: &[Vec<Line>], size: f32, height: f32) {
        let top = self.y;
        let lead = line_height(size);
        let mut x = self.left;
        for (column, lines) in columns.iter().zip(header) {
            let block = lines.len() as f32 * lead;
            let mut y = top + (height - block) / 2.0;
            for line in lines {
                let lx = aligned_x(x + CELL_PAD_X, column.width - 2.0 * CELL_PAD_X, line, Align::Center);
                self.draw_line(line.clone(), lx, y, size);
                y += lead;
            }
            x += column.width;
        }
        self.rules_around(columns, top, top + height, true);
        self.y = top + height;
    }

    fn table_row(&mut self, columns: &[Column], cells: &[Vec<Line>], range: std::ops::Range<usize>, size: f32) {
        let lead = line_height(size);
        let top = self.y;
        let height = range.len() as f32 * lead + 2.0 * CELL_PAD_Y;
        let mut x = self.left;
        for (column, lines) in columns.iter().zip(cells) {
            let mut y = top + CELL_PAD_Y;
            for line in lines.iter().take(range.end).skip(range.start) {
                let lx = aligned_x(x + CELL_PAD_X, column.width - 2.0 * CELL_PAD_X, line, column.align);
                self.draw_line(line.clone(), lx, y, size);
                y += lead;
            }
            x += column.width;
        }
        self.rules_around(columns, top, top + height, false);
        self.y = top + height;
    }

    /// The rules of one table row: verticals between and around the columns, the bottom rule and,
    /// for a header, the top one.
    fn rules_around(&mut self, columns: &[Column], top: f32, bottom: f32, top_rule: bool) {
        let width: f32 = columns.iter().map(|c| c.width).sum();
        let (left, right) = (self.left, self.left + width);
        if top_rule {
            self.push(Op::Rule { from: (left, top), to: (right, top) });
        }
        self.push(Op::Rule { from: (left, bottom), to: (right, bottom) });
        let mut x = left;
        self.push(Op::Rule { from: (x, top), to: (x, bottom) });
        for column in columns {
            x += column.width;
            self.push(Op::Rule { from: (x, top), to: (x, bottom) });
        }
    }

    /// Writes the PDF: fonts embedded and subset by krilla, "Trang i/n" at the foot of every
    /// page when there is more than one.
    pub(crate) fn finish(self) -> Result<FormPdf, RenderError> {
        self.finish_with(Appendix::default())
    }

    /// [`Sheet::finish`], followed by the pages of another PDF, each stamped at its foot, and
    /// with files attached to the document.
    pub(crate) fn finish_with(mut self, appendix: Appendix) -> Result<FormPdf, RenderError> {
        let paper_height = self.paper.height;
        let signature_box = self.sign_here.map(|(page, rect)| SignatureBox {
            page,
            x: rect.left(),
            y: paper_height - rect.bottom(),
            width: rect.width(),
            height: rect.height(),
        });
        let appended = appendix.pages.as_ref().map_or(0, |(pdf, _)| pdf.pages().len());
        let count = self.pages.len() + appended;
        if count > 1 {
            let baseline = self.bottom + (self.paper.height - self.bottom) / 2.0;
            for (i, page) in self.pages.iter_mut().enumerate() {
                let text = format!("Trang {}/{}", i + 1, count);
                let width = Style::Regular.face().width(&text, FOOTER_SIZE);
                let x = (self.paper.width - width) / 2.0;
                page.push(Op::Text { x, baseline, size: FOOTER_SIZE, style: Style::Regular, text });
            }
        }
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .language("vi".to_string())
                .creator("motcua".to_string())
                .keywords(appendix.keywords.clone()),
        );
        let settings = PageSettings::from_wh(self.paper.width, self.paper.height).ok_or(RenderError::Layout)?;
        for ops in self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            surface.set_stroke(None);
            surface.set_fill(Some(Fill::default()));
            let mut rules = PathBuilder::new();
            let mut qrs = Vec::new();
            for op in ops {
                match op {
                    Op::Text { x, baseline, size, style, text } => {
                        let face = style.face();
                        let glyphs = face.glyphs(&text);
                        surface.draw_glyphs(
                            Point::from_xy(x, baseline),
                            &glyphs,
                            face.font.clone(),
                            &text,
                            size,
                            false,
                        );
                    }
                    Op::Rule { from, to } => {
                        rules.move_to(from.0, from.1);
                        rules.line_to(to.0, to.1);
                    }
                    Op::Qr { x, y, module, runs } => qrs.push((x, y, module, runs)),
                }
            }
            for (x, y, module, runs) in qrs {
                let mut modules = PathBuilder::new();
                for [mx, my, len] in runs {
                    if let Some(rect) = Rect::from_xywh(f32::from(mx), f32::from(my), f32::from(len), 1.0) {
                        modules.push_rect(rect);
                    }
                }
                if let Some(path) = modules.finish() {
                    surface.push_transform(&Transform::from_row(module, 0.0, 0.0, module, x, y));
                    surface.draw_path(&path);
                    surface.pop();
                }
            }
            if let Some(path) = rules.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke { width: RULE, ..Stroke::default() }));
                surface.draw_path(&path);
            }
            surface.finish();
            page.finish();
        }
        if let Some((pdf, stamp)) = appendix.pages {
            let first = count - appended;
            let embedded = krilla::pdf::PdfDocument::new(pdf.clone());
            for (i, source) in pdf.pages().iter().enumerate() {
                let (width, height) = source.render_dimensions();
                let size = krilla::geom::Size::from_wh(width, height).ok_or(RenderError::Layout)?;
                let mut page = document.start_page_with(PageSettings::new(size));
                let mut surface = page.surface();
                surface.draw_pdf_page(&embedded, size, i);
                let text = format!("{stamp} — Trang {}/{count}", first + i + 1);
                let font_size = STAMP_SIZE.min(width / (Style::Regular.face().width(&text, 1.0) + 1.0) * 0.9);
                let text_width = Style::Regular.face().width(&text, font_size);
                let (x, baseline) = ((width - text_width) / 2.0, height - 6.0);
                // A white band under the stamp keeps it legible over whatever the page has there.
                let mut band = PathBuilder::new();
                if let Some(rect) =
                    Rect::from_xywh(x - 3.0, baseline - font_size - 1.0, text_width + 6.0, font_size + 4.0)
                {
                    band.push_rect(rect);
                }
                if let Some(path) = band.finish() {
                    surface.set_stroke(None);
                    surface
                        .set_fill(Some(Fill { paint: krilla::color::rgb::Color::white().into(), ..Fill::default() }));
                    surface.draw_path(&path);
                }
                surface.set_fill(Some(Fill::default()));
                let face = Style::Regular.face();
                surface.draw_glyphs(
                    Point::from_xy(x, baseline),
                    &face.glyphs(&text),
                    face.font.clone(),
                    &text,
                    font_size,
                    false,
                );
                surface.finish();
                page.finish();
            }
        }
        for file in appendix.files {
            document.embed_file(file);
        }
        let bytes = document.finish().map_err(|e| RenderError::Pdf(format!("{e:?}")))?;
        Ok(FormPdf { bytes, signature_box })
    }
}

/// The widest a signature's stamp is drawn, and its least distance from the sides of its block,
/// in points.
const SIGN_HERE_WIDTH: f32 = 190.0;
const SIGN_HERE_INSET: f32 = 4.0;

/// Size of the stamp at the foot of appended pages.
const STAMP_SIZE: f32 = 6.5;

/// What follows a sheet's own pages in its PDF.
#[derive(Default)]
pub(crate) struct Appendix {
    /// Every page of this PDF, drawn at its own size, with this text stamped at its foot.
    pub(crate) pages: Option<(std::sync::Arc<krilla::pdf::Pdf>, String)>,
    /// Files attached to the document (viewers list them in their attachments pane).
    pub(crate) files: Vec<krilla::embed::EmbeddedFile>,
    /// Keywords of the document's metadata.
    pub(crate) keywords: Vec<String>,
}
