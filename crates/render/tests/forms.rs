//! Every form rendered from sample data and read back: its text (snapshots), paper size, fonts,
//! Vietnamese letters, pagination and QR code.

mod fixtures;
mod pdf;

use motcua_render::*;
use pdf::Pdf;
use unicode_normalization::UnicodeNormalization;

const NEW: FormNumbering = FormNumbering::Circular03_2025;
const OLD: FormNumbering = FormNumbering::Circular01_2018;

/// A5 upright and on its side, A4 upright and on its side, in whole points.
const A5: (i32, i32) = (420, 595);
const A5_LANDSCAPE: (i32, i32) = (595, 420);
const A4: (i32, i32) = (595, 842);
const A4_LANDSCAPE: (i32, i32) = (842, 595);

fn every_form(numbering: FormNumbering) -> Vec<(&'static str, FormPdf)> {
    vec![
        ("receipt", render_receipt(&fixtures::receipt(), numbering).unwrap()),
        ("supplement_request", render_supplement_request(&fixtures::supplement_request(), numbering).unwrap()),
        ("refusal", render_refusal(&fixtures::refusal(), numbering).unwrap()),
        ("appraisal_refusal", render_appraisal_refusal(&fixtures::appraisal_refusal(), numbering).unwrap()),
        ("apology", render_apology(&fixtures::apology(), numbering).unwrap()),
        ("stop_notice", render_stop_notice(&fixtures::stop_notice(), numbering).unwrap()),
        ("control_slip", render_control_slip(&fixtures::control_slip(3), numbering).unwrap()),
        ("register", render_register(&fixtures::register(3), numbering).unwrap()),
        ("fee_receipt", render_fee_receipt(&fixtures::fee_receipt(), numbering).unwrap()),
    ]
}

#[test]
fn text_of_every_form() {
    for (name, bytes) in every_form(NEW) {
        insta::assert_snapshot!(name, Pdf::parse(&bytes).text());
    }
}

/// Decree 30/2020 Annex I puts the image of a digital signature where the signer signs: each
/// form says where its signer's block is, inside the page, on the right half, clear of the
/// text; the applicant's block of the receipt is not it.
#[test]
fn the_signature_goes_in_the_signers_block() {
    for (name, form) in every_form(NEW) {
        let pdf = Pdf::parse(&form);
        let place = form.signature_box.unwrap_or_else(|| panic!("{name} has no place for its signature"));
        let (width, height) = pdf.page_size(place.page - 1);
        assert!(place.page >= 1 && place.page <= pdf.page_count(), "{name}: {place:?}");
        assert!(place.x >= width as f32 / 2.0 && place.x + place.width <= width as f32, "{name}: {place:?}");
        assert!(place.y >= 0.0 && place.y + place.height <= height as f32, "{name}: {place:?}");
        assert!(place.width >= 120.0 && place.height >= 40.0, "{name}: room for the stamp, {place:?}");
        let area = [place.x, place.y, place.x + place.width, place.y + place.height];
        assert_eq!(pdf.text_runs_in_box(place.page - 1, area), 0, "{name}: nothing is printed where the stamp goes");
        // The block's own text is right around it: above (the title) and, but for the
        // electronic-result cover, below (the signer's name).
        let above =
            [place.x - 20.0, place.y + place.height, place.x + place.width + 20.0, place.y + place.height + 30.0];
        assert!(
            pdf.text_runs_in_box(place.page - 1, above) > 0 || name == "control_slip" || name == "register",
            "{name}"
        );
    }
    // A long slip's signature comes after its last row, on its last page.
    let long = render_control_slip(&fixtures::control_slip(40), NEW).unwrap();
    assert_eq!(long.signature_box.unwrap().page, Pdf::parse(&long).page_count());
}

#[test]
fn paper_sizes() {
    // The slip's three hand-offs, each with its signature cells, need more than A5 on its side.
    let expected = [A5, A5, A5, A5, A5, A5, A4, A4_LANDSCAPE, A5];
    for ((name, bytes), size) in every_form(NEW).into_iter().zip(expected) {
        let pdf = Pdf::parse(&bytes);
        assert_eq!(pdf.page_count(), 1, "{name}");
        assert_eq!(pdf.page_size(0), size, "{name}");
    }
}

#[test]
fn the_faces_are_embedded_with_unicode_maps() {
    for (name, bytes) in every_form(NEW) {
        let pdf = Pdf::parse(&bytes);
        // A face is embedded where a form draws it: italics in a date line or a signature, bold
        // italics in the "Nơi nhận:" of the documents the agency numbers and sends.
        let expected: &[&str] = match name {
            "control_slip" => &["LiberationSerif", "LiberationSerif-Bold"],
            "apology" | "stop_notice" | "appraisal_refusal" => {
                &["LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-BoldItalic", "LiberationSerif-Italic"]
            }
            _ => &["LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic"],
        };
        assert_eq!(pdf.embedded_fonts(), expected, "{name}");
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
    assert_eq!(
        numbers(NEW),
        [some("01"), some("02"), some("03"), None, some("04"), some("05"), some("06"), some("07"), None]
    );
    assert_eq!(
        numbers(OLD),
        [some("01"), some("02"), some("03"), None, some("04"), None, some("05"), some("06"), None]
    );
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

/// What Decree 123/2020/NĐ-CP, Art. 32 asks of a receipt of fees and charges, each printed: the
/// receipt's name, form symbol, series symbol and number, the collecting organisation's name and
/// tax code, the fee's name, the amount in figures and in words, the date, and the signature.
#[test]
fn the_fee_receipt_carries_what_decree_123_asks() {
    let receipt = fixtures::fee_receipt();
    let pdf = Pdf::parse(&render_fee_receipt(&receipt, NEW).unwrap());
    assert_eq!(pdf.page_count(), 1);
    let text = pdf.flat_text();
    for expected in [
        "BIÊN LAI THU PHÍ, LỆ PHÍ",
        "Ký hiệu mẫu biên lai: 01BLP0-001",
        "Ký hiệu biên lai: AA-26E",
        "Số biên lai: 2026-000123",
        "SỞ TƯ PHÁP TỈNH LÀO CAI",
        "Tổ chức thu phí, lệ phí: Sở Tư pháp tỉnh Lào Cai",
        "Mã số thuế: 5300100012",
        "Tên loại phí, lệ phí: Lệ phí hộ tịch",
        "Lệ phí đăng ký khai sinh có yếu tố nước ngoài 100.000",
        "Tổng cộng 116.000",
        "Số tiền bằng chữ: Một trăm mười sáu nghìn đồng",
        "Lào Cai, ngày 27 tháng 11 năm 2026",
        "ĐƠN VỊ THU PHÍ, LỆ PHÍ (Chữ ký số) Ký bởi: Sở Tư pháp tỉnh Lào Cai",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    assert!(!text.contains("Mẫu số"), "a fee receipt is no numbered one-stop form");

    // Issued without a certificate, it says so instead of claiming a signature.
    let unsigned = FeeReceipt { digitally_signed: false, ..receipt };
    let text = Pdf::parse(&render_fee_receipt(&unsigned, NEW).unwrap()).flat_text();
    assert!(text.contains("(Biên lai chưa được ký số)"), "{text}");
    assert!(!text.contains("Chữ ký số") && !text.contains("Ký bởi"), "{text}");
}

#[test]
fn a_long_register_spreads_over_pages_with_every_code() {
    let register = fixtures::register(200);
    let pdf = Pdf::parse(&render_register(&register, NEW).unwrap());
    let pages = pdf.page_count();
    assert!(pages > 1, "200 rows on {pages} page");
    let text = pdf.text();
    // A code may be broken after a hyphen at the end of a cell line.
    let joined = pdf.flat_text().replace("- ", "-");
    for row in &register.rows {
        assert!(joined.contains(&row.code), "{} missing", row.code);
    }
    for page in 0..pages {
        assert_eq!(pdf.page_size(page), A4_LANDSCAPE);
        let page_text = pdf.page_text(page);
        assert!(page_text.contains("Mã hồ sơ"), "page {} lacks the header row", page + 1);
        assert!(page_text.contains(&format!("Trang {}/{pages}", page + 1)), "page {} unnumbered", page + 1);
    }
    // Numbered 1 to 200 in the first column.
    assert!(text.lines().any(|l| l == "200"));
}

#[test]
fn a_long_control_slip_moves_to_a4_portrait() {
    let pdf = Pdf::parse(&render_control_slip(&fixtures::control_slip(40), NEW).unwrap());
    assert!(pdf.page_count() > 1);
    for page in 0..pdf.page_count() {
        assert_eq!(pdf.page_size(page), A4);
        assert!(pdf.page_text(page).contains("Người giao"));
    }
    assert!(pdf.text().lines().any(|l| l == "40"));
}

#[test]
fn long_text_wraps_and_long_lists_continue_on_the_next_page() {
    let mut request = fixtures::supplement_request();
    let long_reason = "Bản sao không rõ nét, thiếu trang và chưa được chứng thực theo quy định. ".repeat(30);
    request.items = (1..=25)
        .map(|i| SupplementItem { item: format!("Giấy tờ số {i}"), reason: long_reason.trim().to_string() })
        .collect();
    let pdf = Pdf::parse(&render_supplement_request(&request, NEW).unwrap());
    assert!(pdf.page_count() > 2);
    let text = pdf.flat_text();
    for i in 1..=25 {
        assert!(text.contains(&format!("Giấy tờ số {i}")), "item {i} missing");
    }
    assert!(text.contains("NGƯỜI HƯỚNG DẪN"));
    assert!(pdf.page_size(pdf.page_count() - 1) == A5);
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
        let expected = if name == "register" { vec![] } else { vec![fixtures::dossier().lookup_url] };
        assert_eq!(pdf.qr_codes(0), expected, "{name}");
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
fn empty_lists_still_render() {
    let mut slip = fixtures::control_slip(0);
    slip.coordinating_agencies.clear();
    let pdf = Pdf::parse(&render_control_slip(&slip, NEW).unwrap());
    assert_eq!(pdf.page_size(0), A5_LANDSCAPE, "a short slip stays on A5, on its side, as the receipt");
    assert!(pdf.flat_text().contains("Cơ quan phối hợp giải quyết hồ sơ: —"));
    let pdf = Pdf::parse(&render_register(&fixtures::register(0), NEW).unwrap());
    assert_eq!(pdf.page_count(), 1);
    let mut receipt = fixtures::receipt();
    receipt.documents.clear();
    receipt.applicant = Applicant { name: "Nguyễn Văn A".into(), ..Applicant::default() };
    assert_eq!(Pdf::parse(&render_receipt(&receipt, NEW).unwrap()).page_count(), 1);
}

#[test]
fn a_signature_stamp_says_who_for_whom_and_when() {
    use chrono::TimeZone;
    let signed_at = chrono::FixedOffset::east_opt(7 * 3600).unwrap().with_ymd_and_hms(2026, 11, 26, 8, 30, 5).unwrap();
    let stamp = SignatureStamp {
        signer: "Nguyễn Thị Hồng Nhung".into(),
        // Decomposed input is drawn precomposed.
        agency: "Ủy ban nhân dân tỉnh Lào Cai".nfd().collect(),
        signed_at,
    };
    let pdf = Pdf::parse(&render_signature_stamp(&stamp, 190.0, 48.0).unwrap());
    assert_eq!(pdf.page_count(), 1);
    assert_eq!(pdf.page_size(0), (190, 48));
    assert_eq!(pdf.embedded_fonts(), ["LiberationSerif", "LiberationSerif-Bold"]);
    assert!(pdf.all_fonts_have_to_unicode());
    // (lopdf's text extraction breaks the line where the bold name starts.)
    assert_eq!(
        pdf.flat_text(),
        "Ký bởi: Nguyễn Thị Hồng Nhung Cơ quan: Ủy ban nhân dân tỉnh Lào Cai Thời gian ký: 26/11/2026 08:30:05 +07:00"
    );
    // A long agency name in a small box wraps and shrinks, and still says everything.
    let long = SignatureStamp {
        agency: "Trung tâm Phục vụ hành chính công tỉnh Lào Cai — Bộ phận tiếp nhận và trả kết quả".into(),
        ..stamp
    };
    let pdf = Pdf::parse(&render_signature_stamp(&long, 120.0, 40.0).unwrap());
    assert!(pdf.flat_text().contains("Bộ phận tiếp nhận và trả kết quả"), "{}", pdf.flat_text());
}

#[test]
fn the_apology_and_the_stop_notice_carry_their_number_and_recipients() {
    let apology = Pdf::parse(&render_apology(&fixtures::apology(), NEW).unwrap()).flat_text();
    for expected in
        ["Số: 12/PXL-STP", "Nơi nhận:", "- Bộ phận tiếp nhận và trả kết quả (để theo dõi);", "Lê Thị Thu Hà"]
    {
        assert!(apology.contains(expected), "{expected} missing from {apology}");
    }
    let notice = Pdf::parse(&render_stop_notice(&fixtures::stop_notice(), NEW).unwrap()).flat_text();
    for expected in ["Số: 3/TB-STP", "Nơi nhận:", "Phí, lệ phí Ông/Bà đã nộp: 200.000 đồng", "được hoàn trả"]
    {
        assert!(notice.contains(expected), "{expected} missing from {notice}");
    }
    // Nothing paid, nothing said about a refund.
    let unpaid = StopNotice { fee_paid_vnd: 0, ..fixtures::stop_notice() };
    let unpaid = Pdf::parse(&render_stop_notice(&unpaid, NEW).unwrap()).flat_text();
    assert!(!unpaid.contains("Phí, lệ phí"), "{unpaid}");
}
