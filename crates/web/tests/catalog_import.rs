//! The administrators' catalog import page over HTTP, on SQLite and on PostgreSQL: only an
//! administrator sees it; an upload is previewed without writing; the confirmation imports the
//! previewed file once; a damaged file, a missing CSRF token or a tampered confirmation is
//! refused and writes nothing.

mod common;

use common::{browser, csrf_of, page, sign_in, TestApp};
use motcua_testkit::{on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};

on_both_engines!(administrators_preview_and_confirm_a_catalog_import);

const JSON: &[u8] = include_bytes!("../../app/tests/fixtures/catalog/catalog.json");
const XLSX: &[u8] = include_bytes!("../../app/tests/fixtures/catalog/catalog.xlsx");
const PATH: &str = "/quan-tri/nhap-thu-tuc";

fn version_count(app: &TestApp) -> i64 {
    app.state.catalog().procedures.iter().map(|p| p.version).sum()
}

async fn upload(app: &TestApp, b: &reqwest::Client, csrf: &str, name: &str, bytes: &[u8]) -> (u16, String) {
    let form = Form::new()
        .text("_csrf", csrf.to_string())
        .part("file", Part::bytes(bytes.to_vec()).file_name(name.to_string()));
    let res = b.post(app.url(PATH)).multipart(form).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The value of the hidden field `name` in the page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in the page")) + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn administrators_preview_and_confirm_a_catalog_import(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let before = version_count(&app);

    // Nobody else sees the page, nor may post to it.
    let anonymous = browser();
    assert_ne!(page(&app, &anonymous, PATH).await.0, 200);
    for user in ["congdan", "tiepnhan", "chuyenvien", "lanhdao"] {
        let b = browser();
        sign_in(&app, &b, user).await;
        let (s, html) = page(&app, &b, "/").await;
        assert_eq!(s, 200);
        assert!(!html.contains(PATH), "no link for {user}");
        assert_eq!(page(&app, &b, PATH).await.0, 404, "{user}");
        let (s, _) = upload(&app, &b, &csrf_of(&html), "catalog.json", JSON).await;
        assert_eq!(s, 404, "{user} may not import");
    }
    assert_eq!(version_count(&app), before);

    let admin = browser();
    sign_in(&app, &admin, "quantri").await;
    let (s, html) = page(&app, &admin, PATH).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"import-upload\"") && html.contains("Nhập danh mục thủ tục hành chính"));
    let csrf = csrf_of(&html);

    // Without the token: refused, nothing read.
    let form = Form::new().part("file", Part::bytes(JSON.to_vec()).file_name("catalog.json"));
    assert_eq!(admin.post(app.url(PATH)).multipart(form).send().await.unwrap().status().as_u16(), 403);

    // A damaged workbook and no file at all: the reason, in Vietnamese, on the form.
    let (s, html) = upload(&app, &admin, &csrf, "catalog.xlsx", &XLSX[..XLSX.len() / 2]).await;
    assert_eq!(s, 422);
    assert!(html.contains("error-summary") && html.contains("Không mở được tệp Excel"), "{html}");
    let res = admin.post(app.url(PATH)).multipart(Form::new().text("_csrf", csrf.clone())).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("Hãy chọn một tệp danh mục"));

    // The preview: every list, nothing written yet.
    let (s, html) = upload(&app, &admin, &csrf, "catalog.xlsx", XLSX).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Chạy thử (không ghi gì): 2 mới, 1 phiên bản mới, 0 không đổi, 1 bị từ chối."), "{html}");
    assert!(html.contains("G12-VH03") && html.contains("Lễ hội"));
    assert!(html.contains("Đăng ký tổ chức lễ hội cấp tỉnh"));
    assert!(html.contains("phiên bản 2: phí, lệ phí, mô tả phí, lệ phí"));
    assert!(html.contains("dòng 5") && html.contains("Cơ quan thực hiện 000.00.99.H38 chưa có trong danh mục cơ quan"));
    assert_eq!(version_count(&app), before);
    let (pending, sha) = (hidden(&html, "pending"), hidden(&html, "sha256"));

    // A confirmation naming anything but the previewed file is refused.
    for (p, s) in [(pending.as_str(), "0".repeat(64)), ("../../etc/passwd", sha.clone())] {
        let res = admin
            .post(app.url(&format!("{PATH}/xac-nhan")))
            .form(&[("_csrf", csrf.as_str()), ("pending", p), ("sha256", s.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.unwrap().contains("tải lên lại"));
    }
    assert_eq!(version_count(&app), before);

    // Confirmed: written, and the page says what was done (POST, 303, GET).
    let confirm = [("_csrf", csrf.as_str()), ("pending", pending.as_str()), ("sha256", sha.as_str())];
    let res = admin.post(app.url(&format!("{PATH}/xac-nhan"))).form(&confirm).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("{PATH}?xong=2-1-0-1"));
    let (_, html) = page(&app, &admin, &location).await;
    assert!(html.contains("Đã nhập: 2 thủ tục mới, 1 phiên bản mới, 0 không đổi, 1 bị từ chối."), "{html}");
    assert_eq!(version_count(&app), before + 3);
    let (s, p) = app.get("/api/v1/procedures/1.003005", None).await;
    assert_eq!(s, 200, "the catalog serves the new procedure at once");
    assert_eq!(p["field"]["name"], "Lễ hội");

    // The same confirmation again: the file is gone, nothing more is written.
    let res = admin.post(app.url(&format!("{PATH}/xac-nhan"))).form(&confirm).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    // The same file again: nothing to write, nothing to confirm.
    let (s, html) = upload(&app, &admin, &csrf, "catalog.json", JSON).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"import-nothing\"") && !html.contains("id=\"import-confirm\""));
    assert_eq!(version_count(&app), before + 3);
}
