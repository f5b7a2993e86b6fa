//! Signed electronic results, end to end over HTTP on SQLite and on PostgreSQL: the issued result
//! is a PDF signed by the system, verifiable by code and by upload; one byte changed, a rotated
//! key and a seal moved to a wrong key.

mod common;

use common::{issue_result, pdf, verify_upload, TestApp};
use motcua_testkit::{on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};
use sha2::{Digest, Sha256};

on_both_engines!(
    an_issued_result_is_signed_and_verifies_by_code_and_by_upload,
    after_rotation_old_results_still_verify_and_new_ones_use_the_new_key,
    a_seal_checked_against_a_wrong_public_key_fails,
    the_public_page_verifies_without_signing_in,
    a_file_over_20_mb_is_refused_in_the_callers_language,
    uploads_without_room_are_refused_with_retry_after,
);

/// The file with one byte changed, away from the metadata that names its verification code.
fn one_byte_changed(bytes: &[u8]) -> Vec<u8> {
    let keyword = motcua_render::SEAL_KEYWORD.as_bytes();
    let at = bytes.windows(keyword.len()).position(|w| w == keyword).expect("the code is in the metadata");
    let target = if at > bytes.len() / 2 { bytes.len() / 4 } else { bytes.len() * 3 / 4 };
    let mut changed = bytes.to_vec();
    changed[target] ^= 0x20;
    changed
}

async fn an_issued_result_is_signed_and_verifies_by_code_and_by_upload(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let issued = pdf("quyet dinh cap phieu");
    let (d, bytes) = issue_result(&app, issued.clone()).await;
    let code = d["result_verification_code"].as_str().expect("a verification code").to_string();
    assert_eq!(code.len(), 12, "{code}");

    // The result is the system's PDF, with the officer's file attached inside it byte for byte.
    assert_eq!(d["signed_result"]["content_type"], "application/pdf");
    assert_eq!(d["signed_result"]["file_name"], format!("ket-qua-{}.pdf", d["code"].as_str().unwrap()));
    assert_eq!(d["signed_result"]["sha256"].as_str().unwrap(), hex::encode(Sha256::digest(&bytes)));
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.windows(issued.len()).any(|w| w == issued.as_slice()), "the issued file is inside");
    assert_eq!(motcua_render::claimed_code(&bytes).as_deref(), Some(code.as_str()));

    // By code: the seal checks out; the applicant's name is masked.
    let (s, r) = app.get(&format!("/api/v1/results/{code}"), None).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["signature_valid"], true);
    assert_eq!(r["dossier_code"], d["code"]);
    assert_eq!(r["sha256"], d["signed_result"]["sha256"]);
    assert_eq!(r["key_retired"], false);
    let name = d["applicant"]["full_name"].as_str().unwrap();
    assert_ne!(r["applicant"], name);
    assert!(r["applicant"].as_str().unwrap().contains("***"), "{r}");
    // Typed by a person, grouped and in lower case.
    let grouped = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]).to_lowercase();
    let (s, _) = app.get(&format!("/api/v1/results/{grouped}"), None).await;
    assert_eq!(s, 200);
    let (s, e) = app.get("/api/v1/results/AAAABBBBCCCC", None).await;
    assert_eq!(s, 404, "{e}");

    // The public key verifies the file offline too.
    let key = motcua_signing::PublicKey::from_hex(r["public_key"].as_str().unwrap()).unwrap();
    assert_eq!(key.id(), r["key_id"].as_str().unwrap());
    let signature = motcua_signing::Signature::from_hex(r["signature"].as_str().unwrap()).unwrap();
    assert!(motcua_signing::verify(&key, &bytes, &signature));

    // By upload: the file as issued is authentic.
    let v = verify_upload(&app, bytes.clone()).await;
    assert_eq!(v["verdict"], "authentic", "{v}");
    assert_eq!(v["result"]["code"], code.as_str());

    // One byte changed: not the issued file, though it names it.
    let changed = one_byte_changed(&bytes);
    assert!(!motcua_signing::verify(&key, &changed, &signature));
    let v = verify_upload(&app, changed).await;
    assert_eq!(v["verdict"], "modified", "{v}");
    assert_eq!(v["result"]["code"], code.as_str());
    assert_ne!(v["sha256"], d["signed_result"]["sha256"]);

    // The officer's own file, or any other, is no issued result.
    let v = verify_upload(&app, issued).await;
    assert_eq!(v["verdict"], "unknown", "{v}");
    assert!(v["result"].is_null());

    // The result is in the applicant's store, and the "result ready" message links to it and
    // to its verification page.
    let store =
        motcua_store::dossiers::citizen_documents(&app.state.db, d_user(&app).await, 1, 100).await.unwrap().items;
    assert!(store.iter().any(|s| s.attachment.purpose == motcua_domain::dossier::AttachmentPurpose::Result
        && s.attachment.sha256 == r["sha256"]));
    let (_, text) = motcua_app::jobs::notify::message(
        &app.state,
        &motcua_app::jobs::notify::Templates::default(),
        d["code"].as_str().unwrap(),
        "result_ready",
        motcua_app::jobs::notify::Notice::Status,
    )
    .await
    .unwrap();
    assert!(text.contains(&format!("/xac-thuc/{code}")), "{text}");
    assert!(text.contains("/kho-giay-to"), "{text}");

    // The seal is recorded; the history chain is intact.
    let seals = motcua_store::seals::of_dossier(&app.state.db, store[0].attachment.dossier_id).await.unwrap();
    assert_eq!(seals.len(), 1);
    assert!(motcua_store::audit::verify(&app.state.db).await.unwrap().is_clean());
}

async fn d_user(app: &TestApp) -> i64 {
    let token = app.login("congdan").await;
    app.get("/api/v1/me", Some(&token)).await.1["id"].as_i64().unwrap()
}

async fn after_rotation_old_results_still_verify_and_new_ones_use_the_new_key(engine: TestEngine) {
    let keys = tempfile_dir();
    let config = motcua_web::Config { keys_dir: Some(keys.path().join("keys")), ..Default::default() };
    let app = TestApp::spawn_with(engine, config).await;
    let (before, old_bytes) = issue_result(&app, pdf("truoc")).await;
    let old_code = before["result_verification_code"].as_str().unwrap().to_string();
    let (_, old) = app.get(&format!("/api/v1/results/{old_code}"), None).await;

    let new_id = app.state.rotate_signing_key().await.unwrap();
    assert_ne!(new_id, old["key_id"].as_str().unwrap());
    assert_eq!(std::fs::read_dir(keys.path().join("keys")).unwrap().count(), 2, "both private keys are kept");

    let (after, new_bytes) = issue_result(&app, pdf("sau")).await;
    let new_code = after["result_verification_code"].as_str().unwrap().to_string();
    let (_, new) = app.get(&format!("/api/v1/results/{new_code}"), None).await;
    assert_eq!(new["key_id"], new_id.as_str());
    assert_eq!(new["signature_valid"], true);
    assert_eq!(new["key_retired"], false);

    let (_, old_again) = app.get(&format!("/api/v1/results/{old_code}"), None).await;
    assert_eq!(old_again["key_id"], old["key_id"]);
    assert_eq!(old_again["signature_valid"], true, "{old_again}");
    assert_eq!(old_again["key_retired"], true);
    for (bytes, code) in [(old_bytes, &old_code), (new_bytes, &new_code)] {
        let v = verify_upload(&app, bytes).await;
        assert_eq!(v["verdict"], "authentic", "{v}");
        assert_eq!(v["result"]["code"], code.as_str());
    }

    // A key added by `motcua keys rotate` while the server runs signs the next result.
    let mut ring = motcua_signing::KeyRing::open(&keys.path().join("keys")).unwrap();
    let third = ring.rotate().unwrap().id().to_string();
    motcua_app::keys::register_keys(&app.state.db, &ring).await.unwrap();
    let (latest, _) = issue_result(&app, pdf("moi nhat")).await;
    let (_, r) =
        app.get(&format!("/api/v1/results/{}", latest["result_verification_code"].as_str().unwrap()), None).await;
    assert_eq!(r["key_id"], third.as_str());
    assert_eq!(r["signature_valid"], true);
}

fn tempfile_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

async fn a_seal_checked_against_a_wrong_public_key_fails(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (d, bytes) = issue_result(&app, pdf("ket qua")).await;
    let code = d["result_verification_code"].as_str().unwrap().to_string();
    let other = app.state.rotate_signing_key().await.unwrap();
    // The seal now names another (real, registered) key: its signature no longer verifies.
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE result_seals SET key_id = $1 WHERE code = $2")
        .bind(&other)
        .bind(&code)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (s, r) = app.get(&format!("/api/v1/results/{code}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(r["key_id"], other.as_str());
    assert_eq!(r["signature_valid"], false, "{r}");
    let v = verify_upload(&app, bytes).await;
    assert_ne!(v["verdict"], "authentic", "{v}");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let html = client.get(app.url(&format!("/xac-thuc/{code}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"verdict-not-authentic\""), "{html}");
}

fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("a form with a CSRF token") + 20;
    html[start..start + 64].to_string()
}

async fn the_public_page_verifies_without_signing_in(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (d, bytes) = issue_result(&app, pdf("ket qua")).await;
    let code = d["result_verification_code"].as_str().unwrap().to_string();
    let visitor = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();

    // The code as typed goes to the result's page.
    let grouped = format!("{} {}-{}", &code[..4], &code[4..8], &code[8..]).to_lowercase();
    let res = visitor.get(app.url("/xac-thuc")).query(&[("code", grouped.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/xac-thuc/{code}").as_str());
    let res = visitor.get(app.url(&format!("/xac-thuc/{code}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"verdict-authentic\""), "{html}");
    assert!(html.contains("Mã xác thực hợp lệ"), "{html}");
    assert!(html.contains(d["code"].as_str().unwrap()));
    assert!(!html.contains(d["applicant"]["full_name"].as_str().unwrap()), "the name is masked");
    // In English, as chosen with the language switch.
    let html = visitor
        .get(app.url(&format!("/xac-thuc/{code}")))
        .header("Cookie", "lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Valid code"), "{html}");
    let res = visitor.get(app.url("/xac-thuc/AAAABBBBCCCC")).send().await.unwrap();
    assert_eq!(res.status(), 404);

    // Upload: the issued file is authentic, one byte changed is not.
    let html = visitor.get(app.url("/xac-thuc")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&html);
    let upload = |bytes: Vec<u8>| {
        Form::new().text("_csrf", csrf.clone()).part("file", Part::bytes(bytes).file_name("ket-qua.pdf"))
    };
    let res = visitor.post(app.url("/xac-thuc")).multipart(upload(bytes.clone())).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"verdict-authentic\""), "{html}");
    let res = visitor.post(app.url("/xac-thuc")).multipart(upload(one_byte_changed(&bytes))).send().await.unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"verdict-not-authentic\""), "{html}");
    assert!(html.contains("không phải là bản kết quả đã cấp"), "{html}");
    // Without the form's token the upload is refused.
    let form = Form::new().part("file", Part::bytes(bytes).file_name("ket-qua.pdf"));
    let res = visitor.post(app.url("/xac-thuc")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 403);

    // The dossier page shows the code and links to its page.
    let citizen = app.login("congdan").await;
    let res = app.http.get(app.url(&format!("/ho-so/{}", d["code"].as_str().unwrap()))).bearer_auth(&citizen).send();
    let html = res.await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("href=\"/xac-thuc/{code}\"")), "{html}");
}

/// A PDF-looking file of exactly `size` bytes.
fn pdf_of_size(size: usize) -> Vec<u8> {
    let mut v = pdf("large");
    v.resize(size, b' ');
    v
}

async fn a_file_over_20_mb_is_refused_in_the_callers_language(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let too_large = bytes::Bytes::from(pdf_of_size(motcua_app::state::VERIFY_MAX_FILE_BYTES + 1));
    let verify = app.url("/api/v1/results/verify");

    // Its length said up front: refused before it is read, in the caller's language.
    let form = Form::new().part("file", Part::bytes(too_large.to_vec()).file_name("ket-qua.pdf"));
    let res = app.http.post(&verify).header("accept-language", "en").multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 413);
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "payload_too_large", "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("larger than allowed (20 MB)"), "{e}");

    // Sent in chunks of unknown length: refused once the 20 MB are passed.
    let part = Part::stream(reqwest::Body::from(too_large.clone())).file_name("ket-qua.pdf");
    let (s, e) = app.post_multipart("/api/v1/results/verify", None, Form::new().part("file", part)).await;
    assert_eq!(s, 413, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("vượt quá dung lượng cho phép (20 MB)"), "{e}");

    // A file of just 20 MB is checked.
    let v = verify_upload(&app, pdf_of_size(motcua_app::state::VERIFY_MAX_FILE_BYTES)).await;
    assert_eq!(v["verdict"], "unknown", "{v}");

    // The page answers with itself, the reason at the file field.
    let visitor = common::browser();
    let html = visitor.get(app.url("/xac-thuc")).send().await.unwrap().text().await.unwrap();
    let form = Form::new()
        .text("_csrf", csrf_of(&html))
        .part("file", Part::stream(reqwest::Body::from(too_large)).file_name("ket-qua.pdf"));
    let res = visitor.post(app.url("/xac-thuc")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(html.contains("Tệp kết quả phải nhỏ hơn 20.0 MB"), "{html}");
    assert!(html.contains("href=\"#f-file\""), "summarised and linked to the field: {html}");
}

async fn uploads_without_room_are_refused_with_retry_after(engine: TestEngine) {
    // No uploads at all from one address: every one is refused, as the one past its share is.
    let config = motcua_web::Config {
        verify_uploads: motcua_app::state::VerifyUploads { per_client: 0, ..Default::default() },
        ..Default::default()
    };
    let app = TestApp::spawn_with(engine, config).await;
    let form = Form::new().part("file", Part::bytes(pdf("x")).file_name("ket-qua.pdf"));
    let res = app.http.post(app.url("/api/v1/results/verify")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "10");
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "unavailable", "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("nhiều tệp để kiểm tra cùng lúc"), "{e}");

    let visitor = common::browser();
    let html = visitor.get(app.url("/xac-thuc")).send().await.unwrap().text().await.unwrap();
    let form = Form::new().text("_csrf", csrf_of(&html)).part("file", Part::bytes(pdf("x")).file_name("ket-qua.pdf"));
    let res = visitor.post(app.url("/xac-thuc")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "10");
    let html = res.text().await.unwrap();
    assert!(html.contains("Ông/Bà đang gửi nhiều tệp để kiểm tra cùng lúc"), "{html}");
}
