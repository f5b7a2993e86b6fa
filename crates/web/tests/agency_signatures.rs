//! The electronic result signed by the deciding agency (PAdES), end to end over HTTP on SQLite
//! and on PostgreSQL: an officer issues a PDF, the applicant downloads it, and two validators no
//! one here wrote, Poppler's `pdfsig` and pyHanko, find the agency's valid signature (and the
//! officer's own earlier one, kept by the incremental update), trusting the test CA's root.
//! Without `pdfsig` or pyHanko the checks are skipped with a message, except under CI, where
//! scripts/test.sh installs them and a missing tool fails the test.

mod common;
#[path = "../../signing/tests/common/validators.rs"]
mod validators;

use std::path::Path;
use std::sync::OnceLock;

use common::{issue_result, pdf_text, verify_upload, TestApp};
use motcua_app::pki::{
    init_test_ca, load_trust, AgencyToCertify, Signers, CA_CERTIFICATE_FILE, CA_FILE, CA_SECRET_FILE,
};
use motcua_signing::pades::{sign_pdf, SignatureOptions};
use motcua_signing::x509::{CertificateUse, Subject, TestCa};
use motcua_testkit::{on_both_engines, TestEngine};

on_both_engines!(
    an_issued_pdf_is_signed_by_the_deciding_agency,
    a_signed_pdf_keeps_its_signature_and_gets_the_agencys,
    forms_are_signed_when_issued_and_never_change,
    a_stop_notice_is_numbered_and_signed_by_the_head,
    a_refusal_after_appraisal_is_the_deciding_agencys_document,
    register_entries_run_on_per_desk_and_year,
    the_verification_page_validates_the_pdf_signatures,
    an_external_timestamp_authority_makes_every_signature_b_t,
    without_its_timestamp_authority_nothing_is_issued,
);

/// The agency whose officers are the demo accounts `chuyenvien` and `lanhdao`.
const JUSTICE: &str = "Sở Tư pháp tỉnh Lào Cai";

/// The provincial public service centre, whose desk (`tiepnhan`) receives.
const CENTRE: &str = "Trung tâm Phục vụ hành chính công tỉnh Lào Cai";

/// A test CA and the certificates of the department of justice and of the service centre, made
/// once per test binary (RSA key generation is the slow part).
fn pki() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let province = motcua_store::demo::province().unwrap();
        let agencies: Vec<_> = AgencyToCertify::from_catalog(&province.agencies)
            .into_iter()
            .filter(|a| a.name == JUSTICE || a.name == CENTRE)
            .collect();
        assert_eq!(agencies.len(), 2, "the demo province has its department of justice and its service centre");
        init_test_ca(dir.path(), &agencies).unwrap();
        dir
    })
    .path()
}

async fn spawn(engine: TestEngine) -> TestApp {
    spawn_with_tsa(engine, None).await
}

/// [`spawn`], every signature timestamped by the authority at `tsa_url` over HTTP.
async fn spawn_with_tsa(engine: TestEngine, tsa_url: Option<&str>) -> TestApp {
    let timestamp_authority = tsa_url.map(|url| {
        let tsa = motcua_web::tsa_client::HttpTimestampAuthority::new(url, std::time::Duration::from_secs(5)).unwrap();
        std::sync::Arc::new(tsa) as std::sync::Arc<dyn motcua_signing::tsa::TimestampAuthority>
    });
    let signers = Signers::load(pki()).unwrap();
    // The verification page trusts the test CA's root, as `serve` does in a demo.
    let trust = load_trust(pki(), &[], &[]).unwrap();
    assert_eq!(trust.roots().len(), 1);
    let config = motcua_web::Config {
        signers: std::sync::Arc::new(signers),
        trust: std::sync::Arc::new(trust),
        timestamp_authority,
        ..Default::default()
    };
    TestApp::spawn_with(engine, config).await
}

/// A one-page A4 PDF such as an agency's decision, with a correct cross-reference table.
fn decision(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 14 Tf 72 760 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    pdf
}

/// `pdfsig` reports every signature valid, one per name in `signers`, each named.
fn assert_pdfsig_valid(pdf: &Path, signers: &[&str]) {
    let Some(tool) = validators::pdfsig_tool() else { return };
    let report = validators::pdfsig(&tool, pdf);
    assert!(report.success, "{}", report.text);
    let valid = report.text.matches("Signature Validation: Signature is Valid.").count();
    assert_eq!(valid, signers.len(), "{}", report.text);
    for signer in signers {
        assert!(report.text.contains(&format!("Signer Certificate Common Name: {signer}")), "{}", report.text);
    }
}

/// pyHanko judges every one of `count` signatures VALID, trusting only the test CA's root.
fn assert_pyhanko_valid(pdf: &Path, count: usize) -> String {
    let Some(tool) = validators::pyhanko_tool() else { return String::new() };
    let report = validators::pyhanko(&tool, pdf, &pki().join(CA_CERTIFICATE_FILE));
    assert!(report.success, "{}", report.text);
    assert_eq!(report.text.matches("The signer's certificate is trusted.").count(), count, "{}", report.text);
    assert_eq!(report.text.matches("The signature is judged VALID.").count(), count, "{}", report.text);
    report.text
}

async fn an_issued_pdf_is_signed_by_the_deciding_agency(engine: TestEngine) {
    let app = spawn(engine).await;
    let issued = decision("Quyet dinh so 12/QD-STP");
    let (d, bytes) = issue_result(&app, issued.clone()).await;
    // The officer's PDF as it was, with the agency's signature appended to it.
    assert!(bytes.starts_with(&issued), "an incremental update of the issued PDF");
    assert!(bytes.len() > issued.len());
    let code = d["result_verification_code"].as_str().unwrap();
    assert_eq!(motcua_render::claimed_code(&bytes).as_deref(), Some(code));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ket-qua.pdf");
    std::fs::write(&file, &bytes).unwrap();
    assert_pdfsig_valid(&file, &[JUSTICE]);
    let report = assert_pyhanko_valid(&file, 1);
    if !report.is_empty() {
        assert!(report.contains("The signature covers the entire file."), "{report}");
    }

    // The system's seal is over the signed bytes: the public page still finds the file authentic.
    let v = verify_upload(&app, bytes).await;
    assert_eq!(v["verdict"], "authentic", "{v}");
    assert_eq!(v["result"]["code"], code);
}

async fn a_signed_pdf_keeps_its_signature_and_gets_the_agencys(engine: TestEngine) {
    let app = spawn(engine).await;
    // The leader signed the decision with a certificate of their own before uploading it.
    let password = std::fs::read_to_string(pki().join(CA_SECRET_FILE)).unwrap();
    let ca = TestCa::from_pkcs12(&std::fs::read(pki().join(CA_FILE)).unwrap(), password.trim()).unwrap();
    let leader = ca
        .issue(&Subject::new("Trần Văn Lãnh").organization(JUSTICE), CertificateUse::DocumentSigning)
        .unwrap()
        .signer()
        .unwrap();
    let issued = sign_pdf(&decision("Quyet dinh so 13/QD-STP"), &leader, &SignatureOptions::default()).unwrap();
    let (_, bytes) = issue_result(&app, issued.clone()).await;
    assert!(bytes.starts_with(&issued), "the leader's signed PDF is kept byte for byte");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ket-qua.pdf");
    std::fs::write(&file, &bytes).unwrap();
    assert_pdfsig_valid(&file, &["Trần Văn Lãnh", JUSTICE]);
    assert_pyhanko_valid(&file, 2);
}

/// Each form is signed by the unit that issued it when the act happened, and downloading it
/// after later acts gives the same bytes: the receipt keeps its appointment after a reschedule,
/// which issues its own apology (04).
async fn forms_are_signed_when_issued_and_never_change(engine: TestEngine) {
    use common::{browser, received, sign_in};
    use serde_json::json;
    let app = spawn(engine).await;
    let code = received(&app).await;
    let url = format!("/api/v1/dossiers/{code}/actions");
    let applicant = browser();
    sign_in(&app, &applicant, "congdan").await;
    let download = |form: &'static str| {
        let (b, url) = (applicant.clone(), app.url(&format!("/ho-so/{code}/bieu-mau/{form}")));
        async move {
            let res = b.get(url).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200, "{form}");
            res.bytes().await.unwrap().to_vec()
        }
    };
    let receipt = download("tiep-nhan").await;
    assert_eq!(download("tiep-nhan").await, receipt, "the receipt as issued");
    // The stamp of the signature sits in the receiving officer's block, not the applicant's
    // (Decree 30/2020 Annex I: the signature's image where the signer signs).
    let above = text_above_signature(&receipt, A5_HEIGHT, 24.0);
    assert!(above.contains("NGƯỜI TIẾP NHẬN HỒ SƠ") && !above.contains("NGƯỜI NỘP"), "{above}");

    let spec = app.login("chuyenvien").await;
    let (_, due) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&spec)).await;
    let due = due["due_at"].as_str().unwrap().replace('+', "%2B");
    let (_, later) = app.get(&format!("/api/v1/calendar/due?from={due}&amount=5&unit=working_days"), None).await;
    let later = &later["due_at"].as_str().unwrap()[..10];
    let (s, d) = app
        .post_json(&url, Some(&spec), json!({"action": "reschedule", "note": "Cần xác minh thêm", "due_at": later}))
        .await;
    assert_eq!(s, 200, "{d}");
    let apology = download("xin-loi").await;
    assert_eq!(download("tiep-nhan").await, receipt, "a reschedule does not rewrite the receipt");
    // The apology is the department's own document: numbered in its register of the year and
    // signed by its head, not by the specialist who rescheduled (Decree 61/2018 Art. 19.9).
    let text = pdf_text(&apology);
    for expected in ["Số: 1/PXL-STP", "GIÁM ĐỐC", "Lê Minh Lãnh", "Nơi nhận:", "Bộ phận tiếp nhận và trả kết quả"]
    {
        assert!(text.contains(expected), "{expected} missing from the apology: {text}");
    }
    assert!(text_above_signature(&apology, A5_HEIGHT, 24.0).contains("GIÁM ĐỐC"), "the head's block holds the stamp");
    let (s, d) = app
        .post_json(&url, Some(&spec), json!({"action": "request_supplement", "note": "Bản sao CCCD: hết hạn"}))
        .await;
    assert_eq!(s, 200, "{d}");
    let supplement = download("bo-sung").await;
    assert_eq!(download("xin-loi").await, apology);
    assert_eq!(download("tiep-nhan").await, receipt);

    // Each is a valid PDF signature of the unit that issued it, which the validators trust.
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, signer) in
        [("tiep-nhan", &receipt, CENTRE), ("xin-loi", &apology, JUSTICE), ("bo-sung", &supplement, JUSTICE)]
    {
        let file = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&file, bytes).unwrap();
        assert_pdfsig_valid(&file, &[signer]);
        assert_pyhanko_valid(&file, 1);
    }
    // The public verification page knows each issued form by its bytes, and not a changed copy.
    let v = verify_upload(&app, receipt.clone()).await;
    assert_eq!(v["verdict"], "authentic", "{v}");
    assert_eq!(v["form"]["title"], "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "{v}");
    assert_eq!((v["form"]["dossier_code"].as_str(), v["form"]["signed"].as_bool()), (Some(code.as_str()), Some(true)));
    let mut changed = receipt.clone();
    changed.extend_from_slice(b"\n% changed\n");
    let v = verify_upload(&app, changed).await;
    assert_eq!((v["verdict"].as_str(), v["form"].is_null()), (Some("unknown"), true), "{v}");
    // The same on the public page.
    let visitor = browser();
    let html = visitor.get(app.url("/xac-thuc")).send().await.unwrap().text().await.unwrap();
    let form = reqwest::multipart::Form::new()
        .text("_csrf", common::csrf_of(&html))
        .part("file", reqwest::multipart::Part::bytes(apology.clone()).file_name("xin-loi.pdf"));
    let html = visitor.post(app.url("/xac-thuc")).multipart(form).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"verdict-authentic\""), "{html}");
    assert!(html.contains(&format!("Đây là Phiếu xin lỗi và hẹn lại ngày trả kết quả của hồ sơ {code}")), "{html}");
    // The control slip is a running record: signed by the officer's unit when printed.
    let officer = browser();
    sign_in(&app, &officer, "chuyenvien").await;
    let res = officer.get(app.url(&format!("/ho-so/{code}/bieu-mau/kiem-soat"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let file = dir.path().join("kiem-soat.pdf");
    std::fs::write(&file, res.bytes().await.unwrap()).unwrap();
    assert_pdfsig_valid(&file, &[JUSTICE]);
}

/// Stopping a received dossier at the applicant's request issues the deciding department's
/// notice, numbered in its register of the year ("TB"), signed by its head, with the applicant's
/// reason and where the copies go; a second one takes the next number.
async fn a_stop_notice_is_numbered_and_signed_by_the_head(engine: TestEngine) {
    use common::{browser, received, sign_in};
    use serde_json::json;
    let app = spawn(engine).await;
    let citizen = app.login("congdan").await;
    let specialist = app.login("chuyenvien").await;
    let applicant = browser();
    sign_in(&app, &applicant, "congdan").await;
    for number in 1..=2 {
        let code = received(&app).await;
        let url = format!("/api/v1/dossiers/{code}/actions");
        let (s, d) = app.post_json(&url, Some(&citizen), json!({"action": "withdraw", "note": "Đã đổi ý"})).await;
        assert_eq!((s, d["status"].as_str()), (200, Some("received")), "a request: {d}");
        let (s, d) = app.post_json(&url, Some(&specialist), json!({"action": "stop"})).await;
        assert_eq!((s, d["status"].as_str()), (200, Some("withdrawn")), "{d}");
        let notice = form_of(&app, &applicant, &code, "dung-giai-quyet").await;
        let text = pdf_text(&notice);
        for expected in [&format!("Số: {number}/TB-STP"), "GIÁM ĐỐC", "Lê Minh Lãnh", "Nơi nhận:", "Đã đổi ý"]
        {
            assert!(text.contains(expected), "{expected} missing from the stop notice: {text}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dung-giai-quyet.pdf");
        std::fs::write(&file, &notice).unwrap();
        assert_pdfsig_valid(&file, &[JUSTICE]);
    }
}

/// Refusing a dossier after reception and appraisal is the deciding department's "Phiếu từ
/// chối giải quyết hồ sơ" (Decree 61/2018 Art. 19.8), numbered in its register and signed by
/// its head, not the desk's form 03 of refusal at reception.
async fn a_refusal_after_appraisal_is_the_deciding_agencys_document(engine: TestEngine) {
    use common::{browser, received, sign_in};
    use serde_json::json;
    let app = spawn(engine).await;
    let code = received(&app).await;
    let specialist = app.login("chuyenvien").await;
    let reason = "Giấy tờ chứng minh không đúng với Cơ sở dữ liệu quốc gia về dân cư";
    let (s, d) = app
        .post_json(
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&specialist),
            json!({"action": "refuse", "note": reason}),
        )
        .await;
    assert_eq!((s, d["status"].as_str()), (200, Some("refused")), "{d}");
    let applicant = browser();
    sign_in(&app, &applicant, "congdan").await;
    let html = applicant.get(app.url(&format!("/ho-so/{code}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("/ho-so/{code}/bieu-mau/tu-choi-giai-quyet")), "{html}");
    let res = applicant.get(app.url(&format!("/ho-so/{code}/bieu-mau/tu-choi"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404, "not the desk's refusal at reception");
    let refusal = form_of(&app, &applicant, &code, "tu-choi-giai-quyet").await;
    let text = pdf_text(&refusal);
    for expected in ["PHIẾU TỪ CHỐI GIẢI QUYẾT HỒ SƠ", "Số: 1/PTC-STP", "GIÁM ĐỐC", "Lê Minh Lãnh", reason, "Nơi nhận:"]
    {
        assert!(text.contains(expected), "{expected} missing from the refusal: {text}");
    }
    assert!(!text.contains("TỪ CHỐI TIẾP NHẬN"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tu-choi-giai-quyet.pdf");
    std::fs::write(&file, &refusal).unwrap();
    assert_pdfsig_valid(&file, &[JUSTICE]);
    let again = applicant.get(app.url(&format!("/ho-so/{code}/bieu-mau/tu-choi-giai-quyet"))).send().await.unwrap();
    assert_eq!(again.bytes().await.unwrap().to_vec(), refusal, "issued once, the same bytes ever after");
}

/// Each dossier the desk receives is entered in its register of the year with the next number,
/// 01, 02, … without gaps (Circular 01/2018 Art. 10.2.c): the receipt prints that entry and the
/// register prints it in its first column.
async fn register_entries_run_on_per_desk_and_year(engine: TestEngine) {
    use common::{browser, received, sign_in};
    let app = spawn(engine).await;
    let applicant = browser();
    sign_in(&app, &applicant, "congdan").await;
    let mut codes = Vec::new();
    for entry in ["01", "02"] {
        let code = received(&app).await;
        let res = applicant.get(app.url(&format!("/ho-so/{code}/bieu-mau/tiep-nhan"))).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let text = pdf_text(&res.bytes().await.unwrap());
        assert!(text.contains(&format!("Số thứ tự: {entry}")), "entry {entry} missing from the receipt: {text}");
        codes.push(code);
    }
    let desk = browser();
    sign_in(&app, &desk, "tiepnhan").await;
    let res = desk.get(app.url("/can-bo/so-theo-doi")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let register = res.bytes().await.unwrap().to_vec();
    let text = pdf_text(&register);
    for (entry, code) in ["01", "02"].iter().zip(&codes) {
        assert!(text.contains(&format!("{entry} {code}")), "{entry} {code} missing from the register: {text}");
    }
    assert!(text.contains("Trích xuất từ hệ thống lúc"), "the export is stamped with its time: {text}");
    // The register is the desk's: signed by its centre, and the department's own register
    // (its desk received none of these) does not list them.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("so-theo-doi.pdf");
    std::fs::write(&file, &register).unwrap();
    assert_pdfsig_valid(&file, &[CENTRE]);
    let leader = browser();
    sign_in(&app, &leader, "lanhdao").await;
    let res = leader.get(app.url("/can-bo/so-theo-doi")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let text = pdf_text(&res.bytes().await.unwrap());
    assert!(codes.iter().all(|c| !text.contains(c.as_str())), "{text}");
    // A receipt issued late for a reception whose officer is unknown (an imported history, as
    // the demo's) is still the desk's: named by the register that holds the dossier.
    let mut tx = app.state.db.write_tx().await.unwrap();
    for sql in [
        "DELETE FROM issued_forms WHERE dossier_id = (SELECT id FROM dossiers WHERE code = $1)",
        "UPDATE events SET actor_user_id = NULL WHERE action = 'receive' AND dossier_id = (SELECT id FROM dossiers WHERE code = $1)",
    ] {
        sqlx::query(sql).bind(&codes[0]).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let res = applicant.get(app.url(&format!("/ho-so/{}/bieu-mau/tiep-nhan", codes[0]))).send().await.unwrap();
    let receipt = res.bytes().await.unwrap().to_vec();
    assert!(pdf_text(&receipt).contains("Bộ phận tiếp nhận và trả kết quả"), "the desk is named");
    let file = dir.path().join("tiep-nhan.pdf");
    std::fs::write(&file, &receipt).unwrap();
    assert_pdfsig_valid(&file, &[CENTRE]);
}

/// The public verification page validates the PDF signatures of an uploaded file: an issued
/// form is reported intact, trusted and signed by the unit that issued it, and the system's
/// record (the second check) knows it; one changed byte is reported as a broken signature.
async fn the_verification_page_validates_the_pdf_signatures(engine: TestEngine) {
    use common::{browser, received, sign_in};
    let app = spawn(engine).await;
    let code = received(&app).await;
    let applicant = browser();
    sign_in(&app, &applicant, "congdan").await;
    let receipt = form_of(&app, &applicant, &code, "tiep-nhan").await;

    let visitor = browser();
    let check = |bytes: Vec<u8>| {
        let (visitor, app) = (visitor.clone(), &app);
        async move {
            let html = visitor.get(app.url("/xac-thuc")).send().await.unwrap().text().await.unwrap();
            let form = reqwest::multipart::Form::new()
                .text("_csrf", common::csrf_of(&html))
                .part("file", reqwest::multipart::Part::bytes(bytes).file_name("tiep-nhan.pdf"));
            let res = visitor.post(app.url("/xac-thuc")).multipart(form).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 200);
            res.text().await.unwrap()
        }
    };
    let html = check(receipt.clone()).await;
    for expected in [
        "id=\"signatures-valid\"",
        "id=\"signature-1-valid\"",
        "id=\"signature-1-intact\"",
        "id=\"signature-1-trusted\"",
        &format!("id=\"signature-1-signer\">{CENTRE}</dd>"),
        "Nguyên vẹn: nội dung được ký không bị thay đổi.",
        "Tin cậy: chuỗi chứng thư số dẫn đến chứng thư gốc CA thử nghiệm motcua.",
        "Toàn bộ tệp.",
        // No CRL is configured: said so, never reported as checked.
        "Chưa kiểm tra: máy chủ chưa được cấu hình danh sách chứng thư bị thu hồi (CRL).",
        // The second, offline check: the system's record of the form.
        "id=\"verdict-authentic\"",
    ] {
        assert!(html.contains(expected), "{expected} missing: {html}");
    }
    assert!(!html.contains("signature-2"), "one signature only: {html}");

    let mut changed = receipt.clone();
    let at = changed.iter().position(|&b| b == b'\n').unwrap() + 2;
    changed[at] ^= 0x01;
    let html = check(changed).await;
    for expected in [
        "id=\"signatures-not-valid\"",
        "id=\"signature-1-invalid\"",
        "id=\"signature-1-broken\"",
        "Đã bị thay đổi: nội dung tệp khác với nội dung đã được ký.",
        &format!("id=\"signature-1-signer\">{CENTRE}</dd>"),
        "id=\"verdict-not-authentic\"",
    ] {
        assert!(html.contains(expected), "{expected} missing: {html}");
    }

    // An electronic result, signed by the deciding agency: the API says the same in JSON.
    let (_, result) = issue_result(&app, decision("Quyet dinh so 14/QD-STP")).await;
    let v = verify_upload(&app, result).await;
    assert_eq!(v["verdict"], "authentic", "{v}");
    let signatures = v["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{v}");
    let s = &signatures[0];
    assert_eq!((s["valid"].as_bool(), s["signer"].as_str()), (Some(true), Some(JUSTICE)), "{v}");
    assert_eq!((s["integrity"].as_str(), s["chain"].as_str()), (Some("intact"), Some("trusted")), "{v}");
    assert_eq!((s["covers_whole_file"].as_bool(), s["revocation"].as_str()), (Some(true), Some("not_checked")));
    // A file without any PDF signature has none.
    let v = verify_upload(&app, decision("khong ky")).await;
    assert_eq!(v["signatures"], serde_json::json!([]), "{v}");
}

/// An RFC 3161 timestamp authority no code of motcua wrote: OpenSSL's `openssl ts -reply` behind
/// scripts/openssl_tsa.py, with a timestamping certificate of the test CA. Stopped when dropped.
struct OpensslTsa {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl OpensslTsa {
    fn start() -> OpensslTsa {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let password = std::fs::read_to_string(pki().join(CA_SECRET_FILE)).unwrap();
        let ca = TestCa::from_pkcs12(&std::fs::read(pki().join(CA_FILE)).unwrap(), password.trim()).unwrap();
        let tsa = ca.issue(&Subject::new("TSA OpenSSL thử nghiệm"), CertificateUse::Timestamping).unwrap();
        let write = |name: &str, text: String| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let cert = write("tsa.pem", motcua_signing::x509::certificate_to_pem(tsa.certificate()).unwrap());
        let key = write("tsa-key.pem", tsa.private_key_pem().unwrap());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/openssl_tsa.py");
        let mut child = std::process::Command::new("/usr/bin/python3")
            .arg(script)
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .arg("--chain")
            .arg(pki().join(CA_CERTIFICATE_FILE))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 (scripts/openssl_tsa.py)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("openssl_tsa.py said {line:?}"));
        OpensslTsa { child, url: format!("http://127.0.0.1:{port}/tsa"), _dir: dir }
    }
}

impl Drop for OpensslTsa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// With `--tsa-url`, the receipt issued at reception and the electronic result carry the
/// external authority's timestamp (PAdES B-T): pyHanko finds it sound and trusted, and the
/// public page reports it, with the authority's name and a time of now.
async fn an_external_timestamp_authority_makes_every_signature_b_t(engine: TestEngine) {
    use common::{browser, received, sign_in};
    let tsa = OpensslTsa::start();
    let app = spawn_with_tsa(engine, Some(&tsa.url)).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    let code = received(&app).await;
    let applicant = browser();
    sign_in(&app, &applicant, "congdan").await;
    let receipt = form_of(&app, &applicant, &code, "tiep-nhan").await;
    let (_, result) = issue_result(&app, decision("Quyet dinh so 15/QD-STP")).await;

    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, signer) in [("tiep-nhan", &receipt, CENTRE), ("ket-qua", &result, JUSTICE)] {
        let file = dir.path().join(format!("{name}.pdf"));
        std::fs::write(&file, bytes).unwrap();
        assert_pdfsig_valid(&file, &[signer]);
        let report = assert_pyhanko_valid(&file, 1);
        if !report.is_empty() {
            assert!(report.contains("The timestamp token is cryptographically sound."), "{name}: {report}");
            assert!(report.contains("The TSA certificate is trusted."), "{name}: {report}");
        }
        let v = verify_upload(&app, bytes.clone()).await;
        let s = &v["signatures"][0];
        assert_eq!((s["valid"].as_bool(), s["signer"].as_str()), (Some(true), Some(signer)), "{v}");
        let stamp = &s["timestamp"];
        assert_eq!((stamp["intact"].as_bool(), stamp["trusted"].as_bool()), (Some(true), Some(true)), "{v}");
        assert_eq!(stamp["authority"], "TSA OpenSSL thử nghiệm", "{v}");
        let at = chrono::DateTime::parse_from_rfc3339(stamp["time"].as_str().unwrap()).unwrap();
        assert!(at >= before && at <= chrono::Utc::now() + chrono::Duration::seconds(5), "{v}");
        assert_eq!(s["signed_at"], stamp["time"], "the signing time is the timestamp's: {v}");
    }
}

/// A configured authority that does not answer: nothing goes out at B-B. The reception itself
/// is recorded, but its receipt is not issued (503 at its download, until the authority
/// answers); the result is not issued at all, the officer told why (503 `unavailable`).
async fn without_its_timestamp_authority_nothing_is_issued(engine: TestEngine) {
    use common::{browser, received, sign_in};
    use serde_json::json;
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_with_tsa(engine, Some(&format!("http://127.0.0.1:{port}/tsa"))).await;
    let code = received(&app).await;
    let applicant = browser();
    sign_in(&app, &applicant, "congdan").await;
    let res = applicant.get(app.url(&format!("/ho-so/{code}/bieu-mau/tiep-nhan"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 503);

    let url = format!("/api/v1/dossiers/{code}/actions");
    let spec = app.login("chuyenvien").await;
    let (s, d) = app.post_json(&url, Some(&spec), json!({"action": "forward"})).await;
    assert_eq!(s, 200, "{d}");
    let leader = app.login("lanhdao").await;
    let form = reqwest::multipart::Form::new().text("action", "issue_result").part(
        "result",
        reqwest::multipart::Part::bytes(decision("Quyet dinh so 16/QD-STP"))
            .file_name("quyet-dinh.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let (s, d) = app.post_multipart(&url, Some(&leader), form).await;
    assert_eq!((s, d["error"]["code"].as_str()), (503, Some("unavailable")), "{d}");
    let message = d["error"]["message"].as_str().unwrap();
    assert!(message.contains("dấu thời gian"), "{message}");
    let (_, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&leader)).await;
    assert_eq!(d["status"], "processing", "the result was not issued: {d}");
}

/// A form of the dossier `code` as `client` downloads it: answered 200, the PDF's bytes.
/// Height of an A5 page upright, in points.
const A5_HEIGHT: f32 = 595.28;

async fn form_of(app: &TestApp, client: &reqwest::Client, code: &str, form: &str) -> Vec<u8> {
    let res = client.get(app.url(&format!("/ho-so/{code}/bieu-mau/{form}"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "{form} of {code}");
    res.bytes().await.unwrap().to_vec()
}

/// The text printed in a band `height` points tall right above the last signature's stamp, on
/// a page `page_height` points tall (from the signature widget's `/Rect` in the update that
/// signed, which lopdf-free bytes show as written): where the signer's block has its title.
fn text_above_signature(pdf: &[u8], page_height: f32, height: f32) -> String {
    let text = String::from_utf8_lossy(pdf);
    let at = text.rfind("/Rect").expect("a signature widget") + "/Rect".len();
    let numbers = text[at..].trim_start().trim_start_matches('[').split(']').next().unwrap();
    let rect: Vec<f32> = numbers.split_whitespace().map(|n| n.parse().unwrap()).collect();
    let (x0, top) = (rect[0], page_height - rect[3]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("form.pdf");
    std::fs::write(&file, pdf).unwrap();
    let area = [x0 - 10.0, top - height, rect[2] - rect[0] + 20.0, height].map(|v| format!("{}", v.round()));
    let out = std::process::Command::new("pdftotext")
        .args(["-x", &area[0], "-y", &area[1], "-W", &area[2], "-H", &area[3]])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}
