//! The electronic result read back: a cover page with the verification code and its QR code,
//! the issued PDF's pages stamped with the code, and the issued file attached byte for byte.

mod fixtures;
mod pdf;

use motcua_render::*;
use pdf::Pdf;

/// The bytes of every file attached to the PDF (streams of type EmbeddedFile).
fn attached_files(bytes: &[u8]) -> Vec<Vec<u8>> {
    let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    doc.objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| s.dict.get(b"Type").and_then(|t| t.as_name()).is_ok_and(|n| n == b"EmbeddedFile"))
        .map(|s| s.content.clone())
        .collect()
}

/// How many XObjects (here: embedded pages) a page's content draws.
fn drawn_pages(bytes: &[u8], page: u32) -> usize {
    let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let id = doc.get_pages()[&(page + 1)];
    let content = lopdf::content::Content::decode(&doc.get_page_content(id)).expect("operations");
    content.operations.iter().filter(|op| op.operator == "Do").count()
}

#[test]
fn an_issued_pdf_follows_the_cover_page_stamped_and_is_attached_whole() {
    let issued = render_receipt(&fixtures::receipt(), FormNumbering::default()).unwrap().into_bytes();
    let result = fixtures::electronic_result("quyet-dinh.pdf", "application/pdf", issued.clone());
    let bytes = render_electronic_result(&result).unwrap();
    let pdf = Pdf::parse(&bytes);
    assert_eq!(pdf.page_count(), 2);
    assert_eq!(pdf.page_size(0), (595, 842), "an A4 cover");
    assert_eq!(pdf.page_size(1), (420, 595), "the issued page keeps its A5 size");
    insta::assert_snapshot!("electronic_result_cover", pdf.page_text(0));
    assert_eq!(pdf.qr_codes(0), std::slice::from_ref(&result.verify_url));
    let stamped = pdf.page_text(1).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(stamped.contains("Mã xác thực K7QM-2D9X-PA4T"), "{stamped}");
    assert!(stamped.contains("Trang 2/2"), "{stamped}");
    assert_eq!(drawn_pages(&bytes, 1), 1, "the issued page is drawn as a form XObject");
    assert_eq!(attached_files(&bytes), [issued]);
    assert_eq!(claimed_code(&bytes).as_deref(), Some("K7QM2D9XPA4T"), "the code is in the metadata");
}

#[test]
fn a_file_whose_pages_cannot_be_drawn_is_attached_whole() {
    for (name, content_type, issued) in [
        ("kq.pdf", "application/pdf", b"%PDF-1.4\n% not really\n1 0 obj << >> endobj\n%%EOF\n".to_vec()),
        ("kq.png", "image/png", b"\x89PNG\r\n\x1a\n0000".to_vec()),
    ] {
        let result = fixtures::electronic_result(name, content_type, issued.clone());
        let bytes = render_electronic_result(&result).unwrap();
        let pdf = Pdf::parse(&bytes);
        assert_eq!(pdf.page_count(), 1, "{name}");
        let text = pdf.flat_text();
        assert!(text.contains("đính kèm nguyên bản"), "{text}");
        assert!(text.contains(name), "{text}");
        assert_eq!(attached_files(&bytes), [issued], "{name}");
    }
}

#[test]
fn the_same_result_renders_to_the_same_bytes() {
    let result = fixtures::electronic_result("kq.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n".to_vec());
    assert_eq!(render_electronic_result(&result).unwrap(), render_electronic_result(&result).unwrap());
}
