//! Text preparation: Unicode normalization, the greedy line breaker and the Vietnamese ways of
//! writing dates and times on an administrative document.

use std::borrow::Cow;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::fonts::Style;

/// Text as it will be drawn: NFC (so each Vietnamese letter is one precomposed glyph), tabs as
/// spaces, other control characters dropped, line breaks kept.
///
/// Input arrives from browsers and databases in NFC or NFD alike; without this step a decomposed
/// "ệ" would be drawn as a base letter and two loose marks.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    let plain = !text.chars().any(|c| c.is_control() && c != '\n');
    if plain && is_nfc_quick(text.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.nfc()
            .filter_map(|c| match c {
                '\t' => Some(' '),
                '\n' => Some('\n'),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// A run of text in one style, placed at an offset from the start of its line.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Piece {
    pub(crate) x: f32,
    pub(crate) text: String,
    pub(crate) style: Style,
}

/// One broken line: its pieces and its width in points.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Line {
    pub(crate) pieces: Vec<Piece>,
    pub(crate) width: f32,
}

/// A word: characters with their styles, because a span boundary may fall inside a word
/// ("Mã hồ sơ: **H38-0007**.").
type Word = Vec<(char, Style)>;

enum Token {
    Word(Word),
    Break,
}

fn tokens(spans: &[(&str, Style)]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word: Word = Vec::new();
    for (text, style) in spans {
        for c in clean(text).chars() {
            match c {
                ' ' => {
                    if !word.is_empty() {
                        out.push(Token::Word(std::mem::take(&mut word)));
                    }
                }
                '\n' => {
                    if !word.is_empty() {
                        out.push(Token::Word(std::mem::take(&mut word)));
                    }
                    out.push(Token::Break);
                }
                c => word.push((c, *style)),
            }
        }
    }
    if !word.is_empty() {
        out.push(Token::Word(word));
    }
    out
}

fn word_width(word: &[(char, Style)], size: f32) -> f32 {
    word.iter().map(|&(c, w)| w.face().glyph(c).1).sum::<f32>() * size
}

/// How many leading characters of an over-long word to put on a line of `room` points: as many as
/// fit, cut preferably after a hyphen, slash or dot (dossier codes and links break there), and at
/// least one so that the breaker always advances.
fn split_point(word: &[(char, Style)], size: f32, room: f32) -> usize {
    let mut used = 0.0;
    let mut fit = 0;
    let mut soft = 0;
    for (i, &(c, w)) in word.iter().enumerate() {
        used += w.face().glyph(c).1 * size;
        if used > room {
            break;
        }
        fit = i + 1;
        if matches!(c, '-' | '/' | '.' | ',' | '_' | '?' | '&') {
            soft = i + 1;
        }
    }
    if fit == word.len() {
        fit
    } else if soft > 0 {
        soft
    } else {
        fit.max(1)
    }
}

struct LineBuilder {
    line: Line,
    size: f32,
}

impl LineBuilder {
    fn new(size: f32) -> Self {
        LineBuilder { line: Line::default(), size }
    }

    fn is_empty(&self) -> bool {
        self.line.pieces.is_empty()
    }

    fn push(&mut self, word: &[(char, Style)], space_before: bool) {
        if space_before {
            self.push_char(' ', word.first().map_or(Style::Regular, |&(_, w)| w));
        }
        for &(c, w) in word {
            self.push_char(c, w);
        }
    }

    fn push_char(&mut self, c: char, style: Style) {
        let advance = style.face().glyph(c).1 * self.size;
        match self.line.pieces.last_mut() {
            Some(piece) if piece.style == style => piece.text.push(c),
            _ => self.line.pieces.push(Piece { x: self.line.width, text: c.to_string(), style }),
        }
        self.line.width += advance;
    }

    fn take(&mut self) -> Line {
        std::mem::take(&mut self.line)
    }
}

/// Breaks styled text into lines, greedily: each line takes as many words as fit in the width
/// that `width_of(line_index)` allows (narrower beside a floating QR code), a word wider than a
/// whole line is cut, and `\n` forces a break. Spaces are collapsed.
///
/// Widths come from the same advance widths that the PDF uses, so a line never overflows.
pub(crate) fn wrap(spans: &[(&str, Style)], size: f32, mut width_of: impl FnMut(usize) -> f32) -> Vec<Line> {
    let space = Style::Regular.face().glyph(' ').1 * size;
    let mut lines = Vec::new();
    let mut current = LineBuilder::new(size);
    for token in tokens(spans) {
        let mut word = match token {
            Token::Break => {
                lines.push(current.take());
                continue;
            }
            Token::Word(word) => word,
        };
        loop {
            let room = width_of(lines.len());
            let needed = word_width(&word, size);
            if current.is_empty() {
                if needed <= room {
                    current.push(&word, false);
                    break;
                }
                let cut = split_point(&word, size, room);
                current.push(&word[..cut], false);
                lines.push(current.take());
                word.drain(..cut);
                if word.is_empty() {
                    break;
                }
            } else if current.line.width + space + needed <= room {
                current.push(&word, true);
                break;
            } else {
                lines.push(current.take());
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current.take());
    }
    lines
}

/// [`wrap`] for text in one style and one width.
pub(crate) fn wrap_plain(text: &str, style: Style, size: f32, width: f32) -> Vec<Line> {
    wrap(&[(text, style)], size, |_| width)
}

/// Local (Asia/Ho_Chi_Minh) wall-clock time of an instant.
pub(crate) fn local(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&motcua_domain::calendar::vn_offset()).naive_local()
}

/// A date written out as on an administrative document: "ngày 05 tháng 02 năm 2026",
/// "ngày 26 tháng 11 năm 2026".
///
/// Decree 30/2020 (Appendix I) asks for a leading zero on days below 10 and on months 1 and 2
/// only, so that nobody can add a digit in front by hand.
pub(crate) fn long_date(date: NaiveDate) -> String {
    let month = date.month();
    let month = if month <= 2 { format!("{month:02}") } else { month.to_string() };
    format!("ngày {:02} tháng {month} năm {}", date.day(), date.year())
}

/// An instant as "08 giờ 30 phút, ngày 26 tháng 11 năm 2026" in Vietnamese time, the wording of
/// the receipt's reception and appointment lines.
pub(crate) fn long_time(at: DateTime<Utc>) -> String {
    let t = local(at);
    format!("{} giờ {} phút, {}", t.format("%H"), t.format("%M"), long_date(t.date()))
}

/// An instant as "26/11/2026 08:30" in Vietnamese time, for table cells (DESIGN.md section 4).
pub(crate) fn short_time(at: DateTime<Utc>) -> String {
    local(at).format("%d/%m/%Y %H:%M").to_string()
}

/// A date as "26/11/2026".
pub(crate) fn short_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.pieces.iter().map(|p| p.text.as_str()).collect()).collect()
    }

    #[test]
    fn clean_composes_and_drops_controls() {
        assert_eq!(clean("Nguye\u{302}\u{303}n\tVa\u{306}n\r"), "Nguyễn Văn");
        assert!(matches!(clean("Ủy ban nhân dân"), Cow::Borrowed(_)));
        assert_eq!(clean("a\nb"), "a\nb");
    }

    #[test]
    fn wrap_keeps_words_and_respects_width() {
        let text = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả giải quyết thủ tục hành chính";
        let lines = wrap_plain(text, Style::Regular, 10.0, 120.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.width <= 120.0));
        assert_eq!(texts(&lines).join(" "), text);
    }

    #[test]
    fn wrap_cuts_long_words_at_hyphens() {
        let lines = wrap_plain("000.00.12.H38-261126-0007", Style::Regular, 10.0, 80.0);
        let texts = texts(&lines);
        assert_eq!(texts.concat(), "000.00.12.H38-261126-0007");
        assert!(texts[0].ends_with(['-', '.']), "{texts:?}");
        assert!(lines.iter().all(|l| l.width <= 80.0));
    }

    #[test]
    fn wrap_honours_breaks_and_mixed_weights() {
        let lines = wrap(
            &[("Mã hồ sơ: ", Style::Regular), ("H38-0007", Style::Bold), ("\nsau", Style::Regular)],
            10.0,
            |_| 500.0,
        );
        assert_eq!(texts(&lines), ["Mã hồ sơ: H38-0007", "sau"]);
        assert_eq!(lines[0].pieces.len(), 2);
        assert_eq!(lines[0].pieces[1].style, Style::Bold);
        assert!(lines[0].pieces[1].x > 0.0);
        assert_eq!(texts(&wrap_plain("", Style::Regular, 10.0, 10.0)), [""]);
    }

    #[test]
    fn a_narrow_first_line_then_full_width() {
        let words = "một hai ba bốn năm sáu bảy tám chín mười";
        let lines = wrap(&[(words, Style::Regular)], 10.0, |i| if i == 0 { 40.0 } else { 400.0 });
        assert_eq!(lines.len(), 2);
        assert!(lines[0].width <= 40.0);
    }

    #[test]
    fn dates_follow_decree_30() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(long_date(d(2026, 2, 5)), "ngày 05 tháng 02 năm 2026");
        assert_eq!(long_date(d(2026, 3, 9)), "ngày 09 tháng 3 năm 2026");
        assert_eq!(long_date(d(2026, 11, 26)), "ngày 26 tháng 11 năm 2026");
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 30, 0).unwrap();
        assert_eq!(long_time(at), "08 giờ 30 phút, ngày 26 tháng 11 năm 2026");
        assert_eq!(short_time(at), "26/11/2026 08:30");
        assert_eq!(short_date(d(2026, 1, 2)), "02/01/2026");
    }
}

/// An amount with its thousands separated by dots, as amounts are written in Vietnamese
/// ("205.000").
pub fn thousands(vnd: i64) -> String {
    let digits = vnd.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if vnd < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// An amount of đồng in Vietnamese words, as receipts print it ("Hai trăm linh năm nghìn đồng").
pub fn amount_in_words(vnd: i64) -> String {
    const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];
    /// One group of three digits; `full` when a higher group precedes it (so "không trăm" and
    /// "linh" are spoken).
    fn group(n: u64, full: bool) -> String {
        let (h, t, u) = ((n / 100) as usize, ((n / 10) % 10) as usize, (n % 10) as usize);
        let mut w: Vec<&str> = Vec::new();
        if h > 0 || full {
            w.extend([DIGITS[h], "trăm"]);
        }
        match t {
            0 if u > 0 && (h > 0 || full) => w.push("linh"),
            0 => {}
            1 => w.push("mười"),
            _ => w.extend([DIGITS[t], "mươi"]),
        }
        match u {
            0 => {}
            1 if t > 1 => w.push("mốt"),
            4 if t > 1 => w.push("tư"),
            5 if t > 0 => w.push("lăm"),
            _ => w.push(DIGITS[u]),
        }
        w.join(" ")
    }
    if vnd == 0 {
        return "Không đồng".into();
    }
    let negative = vnd < 0;
    let mut n = vnd.unsigned_abs();
    let units = ["", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ", "tỷ tỷ"];
    let mut groups = Vec::new();
    while n > 0 {
        groups.push(n % 1000);
        n /= 1000;
    }
    let mut words: Vec<String> = Vec::new();
    for (i, g) in groups.iter().enumerate().rev() {
        if *g == 0 {
            continue;
        }
        let higher = i + 1 < groups.len();
        words.push(group(*g, higher));
        if !units[i].is_empty() {
            words.push(units[i].to_string());
        }
    }
    let mut text = words.join(" ");
    if negative {
        text = format!("âm {text}");
    }
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    format!("{first}{} đồng", chars.as_str())
}

#[cfg(test)]
mod amount_tests {
    use super::{amount_in_words, thousands};

    #[test]
    fn amounts_carry_dots_between_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(205_000), "205.000");
        assert_eq!(thousands(-4_000_000), "-4.000.000");
    }

    #[test]
    fn amounts_read_as_on_vietnamese_receipts() {
        assert_eq!(amount_in_words(0), "Không đồng");
        assert_eq!(amount_in_words(205_000), "Hai trăm linh năm nghìn đồng");
        assert_eq!(amount_in_words(15_000), "Mười lăm nghìn đồng");
        assert_eq!(amount_in_words(1_021_000), "Một triệu không trăm hai mươi mốt nghìn đồng");
        assert_eq!(amount_in_words(3_500_000), "Ba triệu năm trăm nghìn đồng");
        assert_eq!(amount_in_words(124_000), "Một trăm hai mươi tư nghìn đồng");
        assert_eq!(amount_in_words(4_000_000_005), "Bốn tỷ không trăm linh năm đồng");
    }
}
