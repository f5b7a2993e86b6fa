//! PAdES signatures of a form, checked by two validators no one here wrote: Poppler's `pdfsig`
//! and pyHanko's. Each test skips with a message when a tool is missing, except under CI.

mod common;

use common::*;
use motcua_signing::pades::{sign_pdf, PadesError, SignatureOptions};
use motcua_signing::signer::{Pkcs12Signer, Signer};
use motcua_signing::tsa::LocalTsa;

const PASSWORD: &str = "mật khẩu 123";

/// The agency's signer, through a PKCS#12 file as an agency's certificate is handed over.
fn agency() -> Pkcs12Signer {
    Pkcs12Signer::from_pkcs12(&pki().agency.to_pkcs12(PASSWORD).unwrap(), PASSWORD).unwrap()
}

fn officer() -> Pkcs12Signer {
    Pkcs12Signer::from_pkcs12(&pki().officer.to_pkcs12(PASSWORD).unwrap(), PASSWORD).unwrap()
}

fn sign_as_agency(pdf: &[u8]) -> Vec<u8> {
    let at = vn_time(8, 30, 5);
    let options = SignatureOptions {
        signing_time: Some(at),
        reason: Some("Tiếp nhận hồ sơ".into()),
        location: Some("Lào Cai".into()),
        appearance: Some(appearance("Sở Tư pháp tỉnh Lào Cai", "Ủy ban nhân dân tỉnh Lào Cai", at, 215.0)),
        ..Default::default()
    };
    sign_pdf(pdf, &agency(), &options).unwrap()
}

fn sign_as_officer(pdf: &[u8]) -> Vec<u8> {
    let at = vn_time(8, 45, 0);
    let options = SignatureOptions {
        signing_time: Some(at),
        appearance: Some(appearance("Nguyễn Thị Hồng Nhung", "Trung tâm Phục vụ hành chính công", at, 15.0)),
        ..Default::default()
    };
    sign_pdf(pdf, &officer(), &options).unwrap()
}

/// `pdfsig` finds `count` signatures, each valid, and names each signer.
fn assert_pdfsig_valid(pdf: &[u8], signers: &[&str]) {
    let Some(tool) = pdfsig_tool() else { return };
    let ws = Workspace::new();
    let report = pdfsig(&tool, &ws.write("signed.pdf", pdf));
    assert!(report.success, "{}", report.text);
    assert_eq!(
        report.text.matches("Signature Validation: Signature is Valid.").count(),
        signers.len(),
        "{}",
        report.text
    );
    for signer in signers {
        assert!(report.text.contains(&format!("Signer Certificate Common Name: {signer}")), "{}", report.text);
    }
    assert!(report.text.contains("Signature Type: ETSI.CAdES.detached"), "{}", report.text);
}

/// pyHanko judges each of `count` signatures intact, trusted (to the test root) and valid.
fn assert_pyhanko_valid(pdf: &[u8], count: usize) -> String {
    let Some(tool) = pyhanko_tool() else { return String::new() };
    let ws = Workspace::new();
    let report = pyhanko(&tool, &ws.write("signed.pdf", pdf), &ws.root());
    assert!(report.success, "{}", report.text);
    assert_eq!(report.text.matches("The signature is cryptographically sound.").count(), count, "{}", report.text);
    assert_eq!(report.text.matches("The signer's certificate is trusted.").count(), count, "{}", report.text);
    assert_eq!(report.text.matches("The signature is judged VALID.").count(), count, "{}", report.text);
    report.text
}

#[test]
fn a_signed_form_validates_in_both_tools() {
    let signed = sign_as_agency(&receipt());
    assert_pdfsig_valid(&signed, &["Sở Tư pháp tỉnh Lào Cai"]);
    let report = assert_pyhanko_valid(&signed, 1);
    if !report.is_empty() {
        assert!(report.contains("The signature covers the entire file."), "{report}");
        assert!(report.contains("2026-11-26T08:30:05+07:00"), "{report}");
    }
}

#[test]
fn the_original_bytes_are_kept() {
    let original = receipt();
    let signed = sign_as_agency(&original);
    assert!(signed.starts_with(&original));
    assert!(signed.ends_with(b"%%EOF\n"));
}

#[test]
fn a_second_signature_keeps_the_first_valid() {
    let twice = sign_as_agency(&sign_as_officer(&receipt()));
    assert_pdfsig_valid(&twice, &["Nguyễn Thị Hồng Nhung", "Sở Tư pháp tỉnh Lào Cai"]);
    let report = assert_pyhanko_valid(&twice, 2);
    if !report.is_empty() {
        // The first signature sees the second as an allowed later change, not a modification of
        // what it signed; the second covers the whole file.
        assert!(report.contains("All modifications relate to signing and form filling operations"), "{report}");
        assert!(report.contains("The signature covers the entire file."), "{report}");
    }
}

#[test]
fn a_changed_byte_breaks_every_signature() {
    let mut twice = sign_as_agency(&sign_as_officer(&receipt()));
    // A byte of the binary comment on the file's second line: the file still reads, but it is
    // no longer what was signed.
    let at = twice.iter().position(|&b| b == b'\n').unwrap() + 2;
    twice[at] ^= 0x01;
    if let Some(tool) = pdfsig_tool() {
        let ws = Workspace::new();
        let report = pdfsig(&tool, &ws.write("changed.pdf", &twice));
        assert!(!report.text.contains("Signature is Valid"), "{}", report.text);
        assert_eq!(report.text.matches("Signature Validation: Digest Mismatch.").count(), 2, "{}", report.text);
    }
    if let Some(tool) = pyhanko_tool() {
        let ws = Workspace::new();
        let report = pyhanko(&tool, &ws.write("changed.pdf", &twice), &ws.root());
        assert!(!report.success, "{}", report.text);
        assert!(!report.text.contains("The signature is judged VALID."), "{}", report.text);
        assert!(!report.text.contains("cryptographically sound"), "{}", report.text);
    }
}

#[test]
fn a_timestamp_makes_it_b_t() {
    let tsa = LocalTsa::new(pki().tsa.signer().unwrap());
    let options = SignatureOptions { timestamp_authority: Some(&tsa), ..Default::default() };
    let signed = sign_pdf(&receipt(), &agency(), &options).unwrap();
    assert_pdfsig_valid(&signed, &["Sở Tư pháp tỉnh Lào Cai"]);
    let report = assert_pyhanko_valid(&signed, 1);
    if !report.is_empty() {
        assert!(report.contains("The timestamp token is cryptographically sound."), "{report}");
        assert!(report.contains("The TSA certificate is trusted."), "{report}");
    }
}

#[test]
fn a_pdf_with_cross_reference_streams_is_signed_in_kind() {
    // lopdf rewrites the receipt with object streams and a cross-reference stream, as many
    // PDF producers write them; the update then ends with a cross-reference stream too.
    let mut doc = lopdf::Document::load_mem(&receipt()).unwrap();
    let mut modern = Vec::new();
    doc.save_modern(&mut modern).unwrap();
    let signed = sign_as_agency(&modern);
    let tail = &signed[modern.len()..];
    assert!(tail.windows(10).any(|w| w == b"/Type/XRef"), "no xref stream in the update");
    assert_pdfsig_valid(&signed, &["Sở Tư pháp tỉnh Lào Cai"]);
    assert_pyhanko_valid(&signed, 1);
}

#[test]
fn the_stamp_is_set_in_an_embedded_font_with_vietnamese_letters() {
    let signed = sign_as_agency(&receipt());
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let page = *doc.get_pages().get(&1).unwrap();
    let annots = doc.get_dictionary(page).unwrap().get(b"Annots").unwrap().as_array().unwrap().clone();
    let widget = doc.get_dictionary(annots.last().unwrap().as_reference().unwrap()).unwrap();
    let rect: Vec<f32> =
        widget.get(b"Rect").unwrap().as_array().unwrap().iter().map(|n| n.as_float().unwrap()).collect();
    assert_eq!(rect, [215.0, 40.0, 405.0, 88.0]);
    let ap = widget.get(b"AP").unwrap().as_dict().unwrap().get(b"N").unwrap().as_reference().unwrap();
    let form = doc.get_object(ap).unwrap().as_stream().unwrap();
    let fonts = form.dict.get(b"Resources").unwrap();
    let fonts = match fonts {
        lopdf::Object::Reference(id) => doc.get_dictionary(*id).unwrap(),
        other => other.as_dict().unwrap(),
    };
    let fonts = fonts.get(b"Font").unwrap().as_dict().unwrap();
    let mut unicode = String::new();
    for (_, font) in fonts.iter() {
        let font = doc.get_dictionary(font.as_reference().unwrap()).unwrap();
        let descendant = font.get(b"DescendantFonts").unwrap().as_array().unwrap()[0].as_reference().unwrap();
        let descriptor =
            doc.get_dictionary(descendant).unwrap().get(b"FontDescriptor").unwrap().as_reference().unwrap();
        assert!(doc.get_dictionary(descriptor).unwrap().get(b"FontFile2").is_ok(), "the font is embedded");
        let map = doc.get_object(font.get(b"ToUnicode").unwrap().as_reference().unwrap()).unwrap().as_stream().unwrap();
        unicode.push_str(&String::from_utf8_lossy(&map.decompressed_content().unwrap()).to_uppercase());
    }
    // ý ở ư ờ (Ký bởi, Tư pháp, Thời gian), in the fonts' ToUnicode maps as UTF-16 hex.
    for letter in ['ý', 'ở', 'ư', 'ờ', 'Ủ'] {
        let hex = format!("{:04X}", letter as u32);
        assert!(unicode.contains(&hex), "no {letter} ({hex}) in the stamp's fonts");
    }
}

#[test]
fn no_such_page() {
    let mut options = SignatureOptions::default();
    let mut appearance = appearance("A", "B", vn_time(8, 0, 0), 10.0);
    appearance.page = 3;
    options.appearance = Some(appearance);
    let error = sign_pdf(&receipt(), &agency(), &options).unwrap_err();
    assert!(matches!(error, PadesError::NoSuchPage { page: 3, count: 1 }), "{error}");
}

#[test]
fn not_a_pdf() {
    let error = sign_pdf(b"hello", &agency(), &SignatureOptions::default()).unwrap_err();
    assert!(matches!(error, PadesError::Unreadable(_)), "{error}");
}

#[test]
fn the_chain_goes_to_the_root() {
    let signer = agency();
    let chain = signer.certificate_chain();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], *pki().ca.certificate());
}
