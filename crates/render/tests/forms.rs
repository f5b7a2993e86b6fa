//! Forms rendered from sample data and read back: their text (snapshots), paper size, fonts,
//! Vietnamese letters, pagination and QR code.

mod fixtures;
mod pdf;

use motcua_render::*;
use pdf::Pdf;
use unicode_normalization::UnicodeNormalization;

const NEW: FormNumbering = FormNumbering::Circular03_2025;
const OLD: FormNumbering = FormNumbering::Circular01_2018;

/// A5 upright, in whole points.
const A5: (i32, i32) = (420, 595);

fn every_form(numbering: FormNumbering) -> Vec<(&'static str, Vec<u8>)> {
    vec![("receipt", render_receipt(&fixtures::receipt(), numbering).unwrap())]
}

#[test]
fn text_of_every_form() {
    for (name, bytes) in every_form(NEW) {
        insta::assert_snapshot!(name, Pdf::parse(&bytes).text());
    }
}

#[test]
fn paper_sizes() {
    let expected = [A5];
    for ((name, bytes), size) in every_form(NEW).into_iter().zip(expected) {
        let pdf = Pdf::parse(&bytes);
        assert_eq!(pdf.page_count(), 1, "{name}");
        assert_eq!(pdf.page_size(0), size, "{name}");
    }
}

#[test]
fn both_faces_are_embedded_with_unicode_maps() {
    for (name, bytes) in every_form(NEW) {
        let pdf = Pdf::parse(&bytes);
        assert_eq!(pdf.embedded_fonts(), ["DejaVuSans", "DejaVuSans-Bold"], "{name}");
        assert!(pdf.all_fonts_have_to_unicode(), "{name}");
    }
}

#[test]
fn form_number_follows_the_numbering() {
    let numbers = |numbering| -> Vec<Option<String>> {
        every_form(numbering)
            .into_iter()
            .map(|(_, bytes)| {
                let text = Pdf::parse(&bytes).text();
                text.lines().find_map(|l| l.strip_prefix("Mẫu số ").map(str::to_string))
            })
            .collect()
    };
    let some = |n: &str| Some(n.to_string());
    assert_eq!(numbers(NEW), [some("01")]);
    assert_eq!(numbers(OLD), [some("01")]);
}

/// The 134 precomposed Vietnamese letters: 12 vowels with each of 5 tone marks, the 6 vowels
/// that carry a diacritic without a tone (ă â ê ô ơ ư), in both cases, and Đ đ.
fn vietnamese_letters() -> Vec<char> {
    let vowels = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"];
    let tones = ["\u{300}", "\u{301}", "\u{309}", "\u{303}", "\u{323}"];
    let mut lower = vec!['ă', 'â', 'ê', 'ô', 'ơ', 'ư', 'đ'];
    for vowel in vowels {
        for tone in tones {
            let composed: Vec<char> = format!("{vowel}{tone}").nfc().collect();
            assert_eq!(composed.len(), 1, "{vowel}{tone} has a precomposed form");
            lower.push(composed[0]);
        }
    }
    let upper: Vec<char> = lower.iter().flat_map(|c| c.to_uppercase()).collect();
    let mut all: Vec<char> = lower.into_iter().chain(upper).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 134);
    all
}

#[test]
fn every_vietnamese_letter_survives_the_round_trip() {
    let letters: Vec<String> = vietnamese_letters().iter().map(char::to_string).collect();
    let text = letters.join(" ");
    let mut receipt = fixtures::receipt();
    receipt.procedure = text.clone();
    let pdf = Pdf::parse(&render_receipt(&receipt, NEW).unwrap());
    assert!(pdf.flat_text().contains(&text), "{}", pdf.text());
    // Decomposed input (as some keyboards and browsers send it) prints the same letters.
    receipt.procedure = text.nfd().collect();
    assert!(Pdf::parse(&render_receipt(&receipt, NEW).unwrap()).flat_text().contains(&text));
}

#[test]
fn headings_print_in_vietnamese() {
    let text = Pdf::parse(&render_receipt(&fixtures::receipt(), NEW).unwrap()).flat_text();
    for expected in [
        "ỦY BAN NHÂN DÂN TỈNH LÀO CAI",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Lào Cai, ngày 26 tháng 11 năm 2026",
        "08 giờ 30 phút, ngày 26 tháng 11 năm 2026",
        "17 giờ 00 phút, ngày 17 tháng 12 năm 2026",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
}

#[test]
fn a_row_taller_than_a_page_is_split() {
    let mut receipt = fixtures::receipt();
    receipt.documents[0].name = "Tờ khai đăng ký khai sinh ".repeat(400);
    let pdf = Pdf::parse(&render_receipt(&receipt, NEW).unwrap());
    assert!(pdf.page_count() >= 3);
    let text = pdf.flat_text();
    assert_eq!(text.matches("Tờ").count(), 400, "every word printed once");
    assert!(text.contains("Văn bản thỏa thuận về việc chọn quốc tịch cho con"));
}

#[test]
fn the_qr_code_decodes_to_the_lookup_link() {
    for (name, bytes) in every_form(NEW) {
        let pdf = Pdf::parse(&bytes);
        assert_eq!(pdf.qr_codes(0), [fixtures::dossier().lookup_url], "{name}");
    }
}

#[test]
fn a_link_too_long_for_a_qr_code_is_an_error() {
    let mut receipt = fixtures::receipt();
    receipt.dossier.lookup_url = format!("https://example.vn/{}", "x".repeat(3000));
    assert!(matches!(render_receipt(&receipt, NEW), Err(RenderError::QrTooLong(_))));
}

#[test]
fn rendering_is_deterministic() {
    let receipt = fixtures::receipt();
    assert_eq!(render_receipt(&receipt, NEW).unwrap(), render_receipt(&receipt, NEW).unwrap());
}

#[test]
fn an_empty_list_of_documents_still_renders() {
    let mut receipt = fixtures::receipt();
    receipt.documents.clear();
    receipt.applicant = Applicant { name: "Nguyễn Văn A".into(), ..Applicant::default() };
    assert_eq!(Pdf::parse(&render_receipt(&receipt, NEW).unwrap()).page_count(), 1);
}
