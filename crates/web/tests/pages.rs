//! The pages over HTTP, as a browser without JavaScript uses them: forms, redirects, cookies,
//! CSRF, error summaries, access checks. On SQLite and on PostgreSQL.

mod common;

use common::{browser, csrf_of, page, pdf, pdf_text, sign_in, submission, TestApp};
use motcua_app::Config;
use motcua_testkit::{answers, on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

on_both_engines!(
    a_citizen_applies_through_the_forms_and_the_desk_receives,
    forms_without_a_valid_csrf_token_are_refused,
    pages_check_access_and_answer_in_the_chosen_language,
    registration_form_reports_every_problem,
    administrators_audit_histories_and_reads,
    the_desk_receives_an_application_in_person,
    administrators_maintain_the_working_calendar,
    administrators_configure_workflows_in_the_editor_and_by_file,
    officers_assign_filter_and_print_the_forms,
    the_applicant_rates_the_service_once_and_officers_see_it,
    a_citizen_saves_an_application_half_done_and_resumes_it,
    a_citizen_reuses_a_document_from_their_store,
    anyone_asks_officers_answer_and_the_answer_is_published,
    a_refused_file_keeps_the_answers_and_the_accepted_files,
    change_links_reopen_the_form_with_the_answers_and_files,
    errors_name_each_field_and_say_what_to_do,
    officers_errors_link_to_the_fields_of_the_form_sent,
    the_applicant_sees_the_next_step_first_and_nothing_internal,
    the_next_step_names_what_the_applicant_must_do,
    officers_search_their_queue_and_sort_it_by_due_date,
    pages_have_the_site_header_the_menu_of_the_role_and_an_icon,
    the_blank_form_downloads_as_an_a4_pdf,
);

/// The blank application form of a procedure, as a PDF to print: its official name, the agency
/// it goes to, every question of the online form (choices with their boxes' words), the
/// documents to attach and the pledge; linked from the procedure's page; none for a procedure
/// whose catalogue entry names no form.
async fn the_blank_form_downloads_as_an_a4_pdf(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let catalog = app.state.catalog();
    let birth = catalog.get("1.001193").expect("the demo's birth registration");
    let (status, html) = page(&app, &app.http, "/thu-tuc/1.001193").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/thu-tuc/1.001193/to-khai.pdf\""), "the procedure page links the PDF");

    let res = app.http.get(app.url("/thu-tuc/1.001193/to-khai.pdf")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = pdf_text(&bytes);
    assert!(text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), "{text}");
    assert!(text.contains("TỜ KHAI ĐĂNG KÝ KHAI SINH"), "the form's official name: {text}");
    assert!(text.contains(&format!("Kính gửi: {}", birth.agency.name)), "{text}");
    for field in &birth.form {
        assert!(text.contains(&field.label), "the question {:?}: {text}", field.label);
        for option in &field.options {
            assert!(text.contains(&option.label), "the choice {:?}: {text}", option.label);
        }
    }
    for document in &birth.documents {
        assert!(text.contains(&document.name), "the document {:?}: {text}", document.name);
    }
    assert!(text.contains("NGƯỜI YÊU CẦU") && text.contains("Tôi cam đoan"), "{text}");

    let undescribed =
        catalog.search("").into_iter().find(|p| p.details.forms.is_empty()).expect("a procedure without a form");
    let (status, _) = app.get_bytes(&format!("/thu-tuc/{}/to-khai.pdf", undescribed.code), None).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_bytes("/thu-tuc/9.999999/to-khai.pdf", None).await;
    assert_eq!(status, 404);
}

async fn a_citizen_applies_through_the_forms_and_the_desk_receives(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let code = proc["code"].as_str().unwrap();
    let citizen = browser();
    assert_eq!(sign_in(&app, &citizen, "congdan").await, "/ho-so");
    let (s, html) = page(&app, &citizen, &format!("/nop/{code}")).await;
    assert_eq!(s, 200);
    let csrf = csrf_of(&html);
    let form_of = |skip_first_required: bool| {
        let mut form = Form::new().text("_csrf", csrf.clone());
        let mut skipped = false;
        for f in proc["form"].as_array().unwrap() {
            if skip_first_required && !skipped && f["required"] == true {
                skipped = true;
                continue;
            }
            let v = match f["type"].as_str().unwrap() {
                "number" => "3".to_string(),
                "date" => "1990-05-17".to_string(),
                "select" => f["options"][0]["value"].as_str().unwrap().to_string(),
                "checkbox" => "true".to_string(),
                "email" => "a@example.vn".to_string(),
                "phone" => "0912345678".to_string(),
                _ => "Phường Cam Đường, tỉnh Lào Cai".to_string(),
            };
            form = form.text(format!("a_{}", f["key"].as_str().unwrap()), v);
        }
        for d in proc["required_documents"].as_array().unwrap() {
            let key = d["key"].as_str().unwrap();
            form = form.part(format!("d_{key}"), Part::bytes(pdf(key)).file_name(format!("{key}.pdf")));
        }
        form
    };
    // A required answer missing: the form comes back with a summary linked to the field.
    let res = citizen.post(app.url(&format!("/nop/{code}"))).multipart(form_of(true)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    let first_required = proc["form"].as_array().unwrap().iter().find(|f| f["required"] == true).unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains("class=\"error-summary\""), "{html}");
    assert!(html.contains(&format!("href=\"#f-{first_required}\"")));
    let kind =
        proc["form"].as_array().unwrap().iter().find(|f| f["key"] == first_required.as_str()).unwrap()["type"].clone();
    let verb = if kind == "select" || kind == "checkbox" { "Chọn " } else { "Nhập " };
    assert!(html.contains(&format!("href=\"#f-{first_required}\">{verb}")), "the message names the field");
    // Complete: check your answers, then submit.
    let res = citizen.post(app.url(&format!("/nop/{code}"))).multipart(form_of(false)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let review = res.headers()["location"].to_str().unwrap().to_string();
    assert!(review.starts_with(&format!("/nop/{code}/xac-nhan/")), "{review}");
    let (s, html) = page(&app, &citizen, &review).await;
    assert_eq!(s, 200);
    assert!(html.contains("Phường Cam Đường, tỉnh Lào Cai"));
    let (_, mine) = app.get("/api/v1/dossiers", Some(&app.login("congdan").await)).await;
    assert_eq!(mine["total"], 0, "nothing is submitted before confirmation");
    let res = citizen.post(app.url(&review)).form(&[("_csrf", csrf_of(&html))]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/ho-so/") && location.ends_with("?moi=1"), "{location}");
    let dossier_code = location.trim_start_matches("/ho-so/").trim_end_matches("?moi=1").to_string();
    let (s, html) = page(&app, &citizen, &location).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"submitted-banner\"") && html.contains(&dossier_code));
    // Submitting the same check page again does not create a second dossier.
    let res = citizen.post(app.url(&review)).form(&[("_csrf", csrf_of(&html))]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let (_, list) = page(&app, &citizen, "/ho-so").await;
    assert!(list.contains(&dossier_code));

    // The desk sees it in its queue, with the due date before confirming, and receives it.
    let desk = browser();
    assert_eq!(sign_in(&app, &desk, "tiepnhan").await, "/can-bo");
    let (s, queue) = page(&app, &desk, "/can-bo").await;
    assert_eq!(s, 200);
    assert!(queue.contains(&dossier_code));
    let (_, html) = page(&app, &desk, &format!("/ho-so/{dossier_code}")).await;
    assert!(html.contains("Nếu tiếp nhận bây giờ, hạn trả kết quả là"), "the due date is shown before reception");
    let receive = Form::new().text("_csrf", csrf_of(&html)).text("action", "receive").text("note", "Đủ thành phần");
    let res = desk.post(app.url(&format!("/ho-so/{dossier_code}/thao-tac"))).multipart(receive).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = page(&app, &desk, &format!("/ho-so/{dossier_code}")).await;
    assert!(html.contains("Đã tiếp nhận"));
    // Refusing without reasons is refused, on the page, with the reason asked for.
    let spec = browser();
    sign_in(&app, &spec, "chuyenvien").await;
    let (_, html) = page(&app, &spec, &format!("/ho-so/{dossier_code}")).await;
    let refuse = Form::new().text("_csrf", csrf_of(&html)).text("action", "refuse").text("note", "");
    let res = spec.post(app.url(&format!("/ho-so/{dossier_code}/thao-tac"))).multipart(refuse).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("<a href=\"#note-refuse\">Nhập lý do hoặc nội dung</a>"));
    // The result travels as a file through the forms.
    let forward = Form::new().text("_csrf", csrf_of(&html)).text("action", "forward");
    assert_eq!(
        spec.post(app.url(&format!("/ho-so/{dossier_code}/thao-tac")))
            .multipart(forward)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
    let leader = browser();
    sign_in(&app, &leader, "lanhdao").await;
    let (_, html) = page(&app, &leader, &format!("/ho-so/{dossier_code}")).await;
    let issue = Form::new()
        .text("_csrf", csrf_of(&html))
        .text("action", "issue_result")
        .part("result", Part::bytes(pdf("ket qua")).file_name("ket-qua.pdf"));
    assert_eq!(
        leader
            .post(app.url(&format!("/ho-so/{dossier_code}/thao-tac")))
            .multipart(issue)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        303
    );
    let (_, html) = page(&app, &citizen, &format!("/ho-so/{dossier_code}")).await;
    assert!(html.contains("id=\"result-link\""));
    // The process control slip renders the history, one row per hand-off, judged on time.
    assert_eq!(page(&app, &citizen, &format!("/ho-so/{dossier_code}/phieu-kiem-soat")).await.0, 404);
    let (s, slip) = page(&app, &desk, &format!("/ho-so/{dossier_code}/phieu-kiem-soat")).await;
    assert_eq!(s, 200);
    assert!(slip.contains("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ"));
    let table = &slip[slip.find("id=\"control-slip\"").unwrap()..];
    assert_eq!(table.matches("<tr>").count(), 1 + 3, "header and the hand-offs at receive, forward, issue");
    assert_eq!(table.matches("Trước hạn").count(), 3, "all three steps long before the due date");
    assert!(table.contains("Trình ký") || table.contains("Đủ thành phần"));
}

async fn forms_without_a_valid_csrf_token_are_refused(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = browser();
    let (_, html) = page(&app, &b, "/dang-nhap").await;
    let token = csrf_of(&html);
    for sent in ["", "0000000000000000000000000000000000000000000000000000000000000000"] {
        let res = b
            .post(app.url("/dang-nhap"))
            .form(&[("_csrf", sent), ("username", "congdan"), ("password", "demo")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403, "token {sent:?}");
        assert!(res.text().await.unwrap().contains("Phiên làm việc của biểu mẫu đã hết hạn"));
    }
    // Another visitor's token is not ours.
    let other = browser();
    let res = other
        .post(app.url("/dang-nhap"))
        .form(&[("_csrf", token.as_str()), ("username", "congdan"), ("password", "demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // A cookie-authenticated change through the JSON API needs the header token.
    sign_in(&app, &b, "quantri").await;
    let res = b
        .put(app.url("/api/v1/calendar/2027"))
        .json(&serde_json::json!({"days_off":[],"working_days":[]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    // Wrong password: the form again, with the message, 401.
    let c = browser();
    let (_, html) = page(&app, &c, "/dang-nhap").await;
    let res = c
        .post(app.url("/dang-nhap"))
        .form(&[("_csrf", csrf_of(&html).as_str()), ("username", "congdan"), ("password", "sai")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    assert!(res.text().await.unwrap().contains("Tên đăng nhập hoặc mật khẩu không đúng."));
}

async fn pages_check_access_and_answer_in_the_chosen_language(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&token), common::submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap();
    // Anonymous: sent to sign in, and back afterwards.
    let anon = browser();
    let res = anon.get(app.url(&format!("/ho-so/{code}"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], format!("/dang-nhap?next=%2Fho-so%2F{code}").as_str());
    // Another citizen: not found, in Vietnamese, and no hint the dossier exists.
    let other = browser();
    sign_in(&app, &other, "congdan2").await;
    let (s, html) = page(&app, &other, &format!("/ho-so/{code}")).await;
    assert_eq!(s, 404);
    assert!(html.contains("Không tìm thấy nội dung yêu cầu."));
    assert!(!html.contains(code));
    let (s, _) = page(&app, &other, &format!("/ho-so/{}", "000.00.12.H38-000000-0001")).await;
    assert_eq!(s, 404);
    // The owner sees it; a security policy is on every page.
    let owner = browser();
    sign_in(&app, &owner, "congdan").await;
    let res = owner.get(app.url(&format!("/ho-so/{code}"))).send().await.unwrap();
    assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert!(res.text().await.unwrap().contains(code));
    // Pages are Vietnamese whatever the browser says, English after the switch.
    let res = owner.get(app.url("/thu-tuc")).header("Accept-Language", "en-GB").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("Thủ tục hành chính"));
    let res = owner.get(app.url("/ngon-ngu?lang=en&next=%2Fthu-tuc")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/thu-tuc");
    let (_, html) = page(&app, &owner, "/thu-tuc").await;
    assert!(html.contains("Administrative procedures") && html.contains("<html lang=\"en\">"));
    // The switch never redirects off the site.
    let res = owner.get(app.url("/ngon-ngu?lang=vi&next=%2F%2Fevil.example")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/");
    // Public lookup works without signing in.
    let (s, html) = page(&app, &anon, &format!("/tra-cuu?code={code}&phone=0912345678")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"lookup-result\"") && html.contains("Mới đăng ký"));
    let (_, html) = page(&app, &anon, &format!("/tra-cuu?code={code}&phone=0900000000")).await;
    assert!(html.contains("Không tìm thấy hồ sơ với mã và số điện thoại này.") && !html.contains("lookup-result"));
    // Unaccented search from the catalog page.
    let (_, html) = page(&app, &anon, "/thu-tuc?q=DANG+KY+KHAI+SINH").await;
    let first = html.find("<ol class=\"results\">").unwrap();
    assert!(html[first..].find("khai sinh").unwrap() < 200, "birth registration comes first");
}

async fn registration_form_reports_every_problem(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = browser();
    let (_, html) = page(&app, &b, "/dang-ky").await;
    let csrf = csrf_of(&html);
    let res = b
        .post(app.url("/dang-ky"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("full_name", " "),
            ("id_number", "12"),
            ("phone", "x"),
            ("email", "y"),
            ("password", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    for field in ["full_name", "id_number", "phone", "email", "password"] {
        assert!(html.contains(&format!("href=\"#f-{field}\"")), "{field}");
    }
    assert!(html.contains("value=\"x\""), "answers are kept");
    let res = b
        .post(app.url("/dang-ky"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("full_name", "Lò Văn Páo"),
            ("id_number", "010203040506"),
            ("phone", "0977 111 222"),
            ("email", "pao@example.vn"),
            ("password", "mat-khau-rat-dai"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/dang-ky/xac-nhan");
    let (s, html) = page(&app, &b, "/dang-ky/xac-nhan").await;
    assert_eq!(s, 200);
    assert!(html.contains("09…22") && html.contains("p…@example.vn"), "{html}");
    let code = app.run_registration_jobs().await.iter().find_map(|(_, t)| common::code_in(t)).expect("a code");
    let finish = |code: &str| {
        let form = [("_csrf", csrf_of(&html)), ("code", code.to_string())];
        b.post(app.url("/dang-ky/xac-nhan")).form(&form).send()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = finish(wrong).await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let refused = res.text().await.unwrap();
    assert!(refused.contains("href=\"#f-code\"") && refused.contains("Mã xác nhận không đúng"), "{refused}");
    let res = finish(&code).await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/ho-so");
    let (s, html) = page(&app, &b, "/ho-so").await;
    assert_eq!(s, 200);
    assert!(html.contains("Lò Văn Páo"));
    // The registration is over: its page leads back to the form.
    let res = b.get(app.url("/dang-ky/xac-nhan")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/dang-ky");
}

async fn administrators_audit_histories_and_reads(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&token), common::submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap();
    // An officer reads the dossier: the read is logged; the applicant's own reads are not.
    let desk = app.login("tiepnhan").await;
    assert_eq!(app.get(&format!("/api/v1/dossiers/{code}"), Some(&desk)).await.0, 200);
    assert_eq!(app.get(&format!("/api/v1/dossiers/{code}"), Some(&token)).await.0, 200);
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    assert_eq!(page(&app, &citizen, "/quan-tri/nhat-ky").await.0, 404);
    let admin = browser();
    sign_in(&app, &admin, "quantri").await;
    let (s, html) = page(&app, &admin, "/quan-tri/nhat-ky").await;
    assert_eq!(s, 200);
    assert!(html.contains("Toàn bộ quá trình xử lý còn nguyên vẹn."), "{html}");
    assert_eq!(
        html.matches(&format!("<a href=\"/ho-so/{code}\">")).count(),
        1,
        "one officer read, none by the applicant"
    );
    assert!(html.contains("Nguyễn Thị Tiếp Nhận"));
    // Someone edits the history behind the application's back: the audit says where.
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE events SET actor_name = 'Người khác'").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let (_, html) = page(&app, &admin, "/quan-tri/nhat-ky").await;
    assert!(html.contains("Phát hiện quá trình xử lý bị thay đổi") && html.contains(code));
    // So is a due date moved by hand, by name, as `motcua audit verify` names it.
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE dossiers SET due_at = 1").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let (_, html) = page(&app, &admin, "/quan-tri/nhat-ky").await;
    assert!(html.contains("bị sửa ngoài hệ thống: hạn giải quyết"), "{html}");
}

async fn the_desk_receives_an_application_in_person(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let code = proc["code"].as_str().unwrap();
    let spec = browser();
    sign_in(&app, &spec, "chuyenvien").await;
    assert_eq!(page(&app, &spec, &format!("/can-bo/tiep-nhan/{code}")).await.0, 404, "specialists do not receive");
    let desk = browser();
    sign_in(&app, &desk, "tiepnhan").await;
    let (s, list) = page(&app, &desk, "/can-bo/tiep-nhan?q=").await;
    assert_eq!(s, 200);
    assert!(list.contains(&format!("/can-bo/tiep-nhan/{code}")));
    let (s, html) = page(&app, &desk, &format!("/can-bo/tiep-nhan/{code}")).await;
    assert_eq!(s, 200);
    let csrf = csrf_of(&html);
    let form = |name: &str| {
        let mut form = Form::new()
            .text("_csrf", csrf.clone())
            .text("applicant_full_name", name.to_string())
            .text("applicant_id_number", "038090001234")
            .text("applicant_phone", "0912 345 678")
            .text("applicant_address", "Phường Cam Đường, tỉnh Lào Cai");
        for (k, v) in answers(&proc) {
            let v = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            form = form.text(format!("a_{k}"), v);
        }
        for d in proc["required_documents"].as_array().unwrap() {
            let key = d["key"].as_str().unwrap();
            form = form.part(format!("d_{key}"), Part::bytes(pdf(key)).file_name(format!("scan-{key}.pdf")));
        }
        form
    };
    let res = desk.post(app.url(&format!("/can-bo/tiep-nhan/{code}"))).multipart(form("")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#f-applicant_full_name\""));
    assert!(html.contains("value=\"038090001234\""), "typed values are kept");
    let res =
        desk.post(app.url(&format!("/can-bo/tiep-nhan/{code}"))).multipart(form("Nguyễn Văn An")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let receipt = res.headers()["location"].to_str().unwrap().to_string();
    let dossier_code = receipt.trim_start_matches("/ho-so/").trim_end_matches("/giay-tiep-nhan").to_string();
    let (s, html) = page(&app, &desk, &receipt).await;
    assert_eq!(s, 200);
    assert!(html.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") && html.contains(&dossier_code));
    assert!(html.contains("Nguyễn Thị Tiếp Nhận"), "the receiving officer is named");
    // Received at once, in person, documents digitized, and in the citizen's own account.
    let token = app.login("congdan").await;
    let (s, d) = app.get(&format!("/api/v1/dossiers/{dossier_code}"), Some(&token)).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "received");
    assert_eq!(d["channel"], "in_person");
    assert!(d["due_at"].is_string());
    assert!(d["attachments"].as_array().unwrap().iter().all(|a| a["digitized"] == true));
    let actions: Vec<&str> = d["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submit", "receive"]);
    let receive = &d["history"][1];
    assert_eq!(receive["fact"]["kind"], "at_desk", "{receive}");
    assert_eq!(receive["detail"], "Tiếp nhận trực tiếp tại Bộ phận Một cửa", "{receive}");
    // The dossier page words the same fact in the reader's language.
    let (_, html) = page(&app, &desk, &format!("/ho-so/{dossier_code}")).await;
    assert!(html.contains("Tiếp nhận trực tiếp tại Bộ phận Một cửa"), "{html}");
    let res = desk.get(app.url("/ngon-ngu?lang=en&next=%2F")).send().await.unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    let (_, html) = page(&app, &desk, &format!("/ho-so/{dossier_code}")).await;
    assert!(html.contains("Received in person at the one-stop desk"), "{html}");
}

async fn administrators_maintain_the_working_calendar(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let desk = browser();
    sign_in(&app, &desk, "tiepnhan").await;
    assert_eq!(page(&app, &desk, "/quan-tri/lich?nam=2028").await.0, 404, "administrators only");
    let admin = browser();
    sign_in(&app, &admin, "quantri").await;
    let (s, html) = page(&app, &admin, "/quan-tri/lich?nam=2028").await;
    assert_eq!(s, 200);
    // 2028 has no calendar yet: the weekend holidays' compensatory days are proposed.
    for day in ["03/01/2028", "02/05/2028", "04/09/2028"] {
        assert!(html.contains(&format!("name=\"confirm\" value=\"{day}\"")), "{day} proposed");
    }
    let csrf = csrf_of(&html);
    // A bad date: nothing is saved, the error names it.
    let res = admin
        .post(app.url("/quan-tri/lich"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("year", "2028"),
            ("days_off", "01/05/2028\n31/02/2028"),
            ("working_days", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("31/02/2028"));
    let (_, y) = app.get("/api/v1/calendar/2028", None).await;
    assert_eq!(y["days_off"], serde_json::json!([]));
    // Save with two confirmed proposals and a make-up Saturday.
    let res = admin
        .post(app.url("/quan-tri/lich"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("year", "2028"),
            ("days_off", "01/05/2028\n2028-09-01"),
            ("working_days", "26/08/2028"),
            ("confirm", "03/01/2028"),
            ("confirm", "04/09/2028"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, y) = app.get("/api/v1/calendar/2028", None).await;
    assert_eq!(y["days_off"], serde_json::json!(["2028-01-03", "2028-05-01", "2028-09-01", "2028-09-04"]));
    assert_eq!(y["working_days"], serde_json::json!(["2028-08-26"]));
    // Deadlines follow at once: Friday 1 Sep off, Monday 4 Sep off, so 1 working day from
    // Thursday 31 Aug 10:00 ends on Tuesday 5 Sep.
    let (_, due) =
        app.get("/api/v1/calendar/due?from=2028-08-31T10:00:00%2B07:00&amount=1&unit=working_days", None).await;
    assert_eq!(due["due_at"], "2028-09-05T17:00:00+07:00");
    // The remaining proposal is still offered; the confirmed ones are not.
    let (_, html) = page(&app, &admin, "/quan-tri/lich?nam=2028").await;
    assert!(html.contains("value=\"02/05/2028\"") && !html.contains("value=\"03/01/2028\""));
}

async fn post_form(app: &TestApp, b: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> (u16, String, String) {
    let res = b.post(app.url(path)).form(fields).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

async fn administrators_configure_workflows_in_the_editor_and_by_file(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let code = proc["code"].as_str().unwrap();
    let lead = proc["agency"]["code"].as_str().unwrap();
    let officer = browser();
    sign_in(&app, &officer, "chuyenvien").await;
    assert_eq!(page(&app, &officer, &format!("/quan-tri/quy-trinh/{code}")).await.0, 404, "administrators only");
    let admin = browser();
    sign_in(&app, &admin, "quantri").await;
    let (s, html) = page(&app, &admin, "/quan-tri/quy-trinh?q=").await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("/quan-tri/quy-trinh/{code}")));
    let path = format!("/quan-tri/quy-trinh/{code}");
    let (s, html) = page(&app, &admin, &path).await;
    assert_eq!(s, 200);
    assert!(html.contains("Thẩm định") && html.contains("Phê duyệt"), "the current steps are in the form");
    let csrf = csrf_of(&html);
    let mut fields: Vec<(String, String)> = vec![("_csrf".into(), csrf.clone()), ("version".into(), "1".into())];
    let step = |i: usize, key: &str, name: &str, agency: &str, role: &str, amount: &str| {
        vec![
            (format!("s{i}_key"), key.to_string()),
            (format!("s{i}_name"), name.to_string()),
            (format!("s{i}_agency"), agency.to_string()),
            (format!("s{i}_role"), role.to_string()),
            (format!("s{i}_amount"), amount.to_string()),
            (format!("s{i}_unit"), "hours".to_string()),
            (format!("s{i}_next"), String::new()),
        ]
    };
    fields.extend(step(0, "td", "Thẩm định", lead, "specialist", "99999"));
    fields.extend(step(1, "pd", "Phê duyệt", lead, "leader", "1"));
    fields.extend(step(2, "", "", "", "specialist", ""));
    let as_refs = |f: &Vec<(String, String)>| f.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
    let res = admin.post(app.url(&path)).form(&as_refs(&fields)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("error-summary") && html.contains("vượt thời hạn giải quyết"), "the problem is explained");
    // A consultation of another agency at the first step, within its allotment.
    fields.retain(|(k, _)| k != "s0_amount");
    fields.push(("s0_amount".into(), "2".into()));
    fields.push(("s0_c0_agency".into(), "000.00.13.H38".into()));
    fields.push(("s0_c0_amount".into(), "1".into()));
    fields.push(("s0_c0_unit".into(), "hours".into()));
    let res = admin.post(app.url(&path)).form(&as_refs(&fields)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "{}", res.text().await.unwrap_or_default());
    let (s, html) = page(&app, &admin, &format!("{path}?luu=1")).await;
    assert_eq!(s, 200);
    assert!(html.contains("phiên bản mới"), "saved");
    // Export, then import the same file: a third version with the same steps.
    let res = admin.get(app.url(&format!("{path}/tep"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let exported = res.bytes().await.unwrap().to_vec();
    let steps: serde_json::Value = serde_json::from_slice(&exported).unwrap();
    assert_eq!(steps[0]["key"], "td");
    assert_eq!(steps[0]["consultations"][0]["agency"], "000.00.13.H38");
    assert_eq!(steps.as_array().unwrap().len(), 2, "the blank row was dropped");
    let form = Form::new().text("_csrf", csrf.clone()).part("file", Part::bytes(exported).file_name("qt.json"));
    let res = admin.post(app.url(&format!("{path}/tep"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, proc_now) = app.get(&format!("/api/v1/procedures/{code}"), None).await;
    assert_eq!(proc_now["code"], code);
    assert_eq!(app.state.catalog().get(code).unwrap().version, 3);
    assert_eq!(
        app.state.catalog().get(code).unwrap().workflow,
        serde_json::from_value::<Vec<motcua_domain::workflow::Step>>(steps).unwrap()
    );
    // A file that is not a workflow is refused with a message.
    let form = Form::new().text("_csrf", csrf).part("file", Part::bytes(b"{}".to_vec()).file_name("x.json"));
    let res = admin.post(app.url(&format!("{path}/tep"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("không phải là quy trình"));
}

async fn officers_assign_filter_and_print_the_forms(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap().to_string();
    let desk = app.login("tiepnhan").await;
    let (s, _) = app
        .post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), serde_json::json!({"action":"receive"}))
        .await;
    assert_eq!(s, 200);

    // The leader ticks the dossier in the unit's list and assigns it.
    let leader = browser();
    sign_in(&app, &leader, "lanhdao").await;
    let (s, html) = page(&app, &leader, "/can-bo?scope=agency").await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("id=\"pick-{code}\"")), "a checkbox per dossier");
    let (_, me) = app.get("/api/v1/me", Some(&app.login("chuyenvien").await)).await;
    let id = me["id"].to_string();
    let (s, location, _) = post_form(
        &app,
        &leader,
        "/can-bo/phan-cong",
        &[("_csrf", &csrf_of(&html)), ("codes", &code), ("assignee", &id)],
    )
    .await;
    assert_eq!(s, 303);
    assert!(location.contains("assigned=1"), "{location}");
    let (_, html) = page(&app, &leader, &location).await;
    assert!(html.contains("Đã phân công 1 hồ sơ"));
    let (_, html) = page(&app, &leader, &format!("/ho-so/{code}")).await;
    assert!(html.contains("id=\"dossier-assignee\">Trần Văn Chuyên"), "the assignee is shown");

    // Deadline filters: nothing is late yet, the dossier is in the unit's list.
    let (s, html) = page(&app, &leader, "/can-bo?scope=agency&deadline=overdue").await;
    assert_eq!(s, 200);
    assert!(!html.contains(&code));
    let (_, html) = page(&app, &leader, "/can-bo?scope=agency").await;
    assert!(html.contains(&code));

    // The forms that apply print as PDF; the others do not exist for this dossier.
    let spec = browser();
    sign_in(&app, &spec, "chuyenvien").await;
    let (_, html) = page(&app, &spec, &format!("/ho-so/{code}")).await;
    assert!(html.contains(&format!("/ho-so/{code}/bieu-mau/tiep-nhan")));
    assert!(!html.contains(&format!("/ho-so/{code}/bieu-mau/tu-choi")));
    for form in ["tiep-nhan", "kiem-soat"] {
        let res = spec.get(app.url(&format!("/ho-so/{code}/bieu-mau/{form}"))).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{form}");
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let bytes = res.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{form}");
        assert!(bytes.windows(9).any(|w| w == b"FontFile2"), "{form}: the font is embedded");
    }
    for form in ["tu-choi", "bo-sung", "xin-loi", "dung-giai-quyet", "nothing"] {
        let res = spec.get(app.url(&format!("/ho-so/{code}/bieu-mau/{form}"))).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 404, "{form}");
    }
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let res = citizen.get(app.url(&format!("/ho-so/{code}/bieu-mau/tiep-nhan"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200, "the applicant prints the receipt");
    let res = citizen.get(app.url(&format!("/ho-so/{code}/bieu-mau/kiem-soat"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404, "the control slip is for officers");
    let stranger = browser();
    sign_in(&app, &stranger, "congdan2").await;
    let res = stranger.get(app.url(&format!("/ho-so/{code}/bieu-mau/tiep-nhan"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    // The register of the service centre for this month.
    let desk_browser = browser();
    sign_in(&app, &desk_browser, "tiepnhan").await;
    let res = desk_browser.get(app.url("/can-bo/so-theo-doi")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF-"));
    let res = desk_browser.get(app.url("/can-bo/so-theo-doi?tu=2027-01-01&den=2026-01-01")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
}

async fn the_applicant_rates_the_service_once_and_officers_see_it(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap().to_string();
    let url = format!("/api/v1/dossiers/{code}/actions");
    let rating = serde_json::json!({"overall":"satisfied","timeliness":"very_satisfied","convenience":"satisfied","attitude":"very_satisfied"});
    let (s, _) = app.post_json(&format!("/api/v1/dossiers/{code}/rating"), Some(&token), rating.clone()).await;
    assert_eq!(s, 409, "not before the result");
    for (who, action) in [("tiepnhan", "receive"), ("chuyenvien", "forward")] {
        let (s, _) = app.post_json(&url, Some(&app.login(who).await), serde_json::json!({"action": action})).await;
        assert_eq!(s, 200);
    }
    let form = Form::new().text("action", "issue_result").part("result", Part::bytes(pdf("kq")).file_name("kq.pdf"));
    let (s, _) = app.post_multipart(&url, Some(&app.login("lanhdao").await), form).await;
    assert_eq!(s, 200);

    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let (_, html) = page(&app, &citizen, &format!("/ho-so/{code}")).await;
    assert!(html.contains("id=\"rating-form\""), "the rating form is offered after the result");
    let csrf = csrf_of(&html);
    let path = format!("/ho-so/{code}/danh-gia");
    let (s, _, html) = post_form(&app, &citizen, &path, &[("_csrf", &csrf), ("overall", "satisfied")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("href=\"#f-timeliness\""), "every missing criterion is named");
    let fields = [
        ("_csrf", csrf.as_str()),
        ("overall", "satisfied"),
        ("timeliness", "not_satisfied"),
        ("convenience", "very_satisfied"),
        ("attitude", "very_satisfied"),
        ("comment", "Cán bộ nhiệt tình, nhưng chờ hơi lâu."),
    ];
    let (s, location, _) = post_form(&app, &citizen, &path, &fields).await;
    assert_eq!(s, 303);
    let (_, html) = page(&app, &citizen, &location).await;
    assert!(html.contains("Cảm ơn Ông/Bà đã đánh giá") && !html.contains("id=\"rating-form\""));
    let (s, _, _) = post_form(&app, &citizen, &path, &fields).await;
    assert_eq!(s, 409, "once");
    let (s, _) = app.post_json(&format!("/api/v1/dossiers/{code}/rating"), Some(&token), rating).await;
    assert_eq!(s, 409);
    let (s, _) = app
        .post_json(
            &format!("/api/v1/dossiers/{code}/rating"),
            Some(&app.login("congdan2").await),
            serde_json::json!({"overall":"satisfied","timeliness":"satisfied","convenience":"satisfied","attitude":"satisfied"}),
        )
        .await;
    assert_eq!(s, 404, "nobody else rates it");

    // The unit sees it, summed up and with the comment; another agency does not.
    let leader = browser();
    sign_in(&app, &leader, "lanhdao").await;
    let (s, html) = page(&app, &leader, "/can-bo/danh-gia").await;
    assert_eq!(s, 200);
    assert!(html.contains("Cán bộ nhiệt tình, nhưng chờ hơi lâu.") && html.contains(&code));
    let other = browser();
    sign_in(&app, &other, "ld10h38").await;
    let (_, html) = page(&app, &other, "/can-bo/danh-gia").await;
    assert!(!html.contains(&code));
    let (_, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&token)).await;
    assert_eq!(d["rating"]["timeliness"], "not_satisfied");
}

async fn a_citizen_saves_an_application_half_done_and_resumes_it(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let code = proc["code"].as_str().unwrap();
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let (_, html) = page(&app, &citizen, &format!("/nop/{code}")).await;
    assert!(html.contains("id=\"save-draft\""));
    let csrf = csrf_of(&html);
    let fields = proc["form"].as_array().unwrap();
    let first = fields.iter().find(|f| matches!(f["type"].as_str(), Some("text" | "textarea"))).expect("a text field")
        ["key"]
        .as_str()
        .unwrap()
        .to_string();
    let docs: Vec<String> =
        proc["required_documents"].as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap().to_string()).collect();
    // Half done: one answer (a text one is typed as is), one document, saved.
    let half = Form::new()
        .text("_csrf", csrf.clone())
        .text("save", "1")
        .text(format!("a_{first}"), "Phường Cam Đường")
        .part(format!("d_{}", docs[0]), Part::bytes(pdf("nhap")).file_name("giay-to-nhap.pdf"));
    let res = citizen.post(app.url(&format!("/nop/{code}"))).multipart(half).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/ho-so?luu=1");
    let (_, html) = page(&app, &citizen, "/ho-so?luu=1").await;
    assert!(html.contains("Đã lưu nháp"), "{html}");
    let start = html.find(&format!("/nop/{code}?nhap=")).expect("a link to resume");
    let resume = html[start..].split('"').next().unwrap().to_string();
    let (s, html) = page(&app, &citizen, &resume).await;
    assert_eq!(s, 200);
    assert!(html.contains("Phường Cam Đường"), "the answer is back");
    assert!(html.contains(&format!("id=\"kept-{}\"", docs[0])) && html.contains("giay-to-nhap.pdf"));
    let other = browser();
    sign_in(&app, &other, "congdan2").await;
    assert_eq!(page(&app, &other, &resume).await.0, 404, "a draft is its owner's");

    // Finished: every answer, the other documents; the saved one is kept.
    let draft_id = resume.rsplit('=').next().unwrap().to_string();
    let mut full = Form::new().text("_csrf", csrf_of(&html)).text("nhap", draft_id);
    for (k, v) in answers(&proc) {
        full = full.text(format!("a_{k}"), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
    }
    for key in &docs[1..] {
        full = full.part(format!("d_{key}"), Part::bytes(pdf(key)).file_name(format!("{key}.pdf")));
    }
    let res = citizen.post(app.url(&format!("/nop/{code}"))).multipart(full).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303, "{}", res.text().await.unwrap_or_default());
    let review = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &citizen, &review).await;
    assert!(html.contains("giay-to-nhap.pdf"), "the kept file is part of the application");
    let res = citizen.post(app.url(&review)).form(&[("_csrf", csrf_of(&html))]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let dossier = location.trim_start_matches("/ho-so/").trim_end_matches("?moi=1").to_string();
    let token = app.login("congdan").await;
    let (_, d) = app.get(&format!("/api/v1/dossiers/{dossier}"), Some(&token)).await;
    let kept = d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == docs[0].as_str()).expect("kept");
    let (_, bytes) = app.get_bytes(kept["url"].as_str().unwrap(), Some(&token)).await;
    assert_eq!(bytes, pdf("nhap"), "byte for byte");
    let (_, html) = page(&app, &citizen, "/ho-so").await;
    assert!(!html.contains("id=\"drafts\""), "the draft is gone once submitted");
}

async fn a_citizen_reuses_a_document_from_their_store(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get("/api/v1/procedures/2.001680", None).await;
    let reusable: Vec<String> = proc["required_documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["reusable"] == true && d["required"] == true)
        .map(|d| d["key"].as_str().unwrap().to_string())
        .collect();
    let key = reusable.first().expect("a reusable document").clone();
    // An earlier application put the document in the citizen's store (and another citizen's).
    let token = app.login("congdan").await;
    let (s, first) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    assert_eq!(s, 201, "{first}");
    let earlier = first["attachments"].as_array().unwrap().iter().find(|a| a["key"] == key.as_str()).unwrap();
    let earlier_id = earlier["id"].as_str().unwrap().to_string();
    let other_token = app.login("congdan2").await;
    let (_, theirs) =
        app.post_multipart("/api/v1/dossiers", Some(&other_token), submission(&proc, &answers(&proc))).await;
    let theirs_id = theirs["attachments"][0]["id"].as_str().unwrap().to_string();

    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let (s, html) = page(&app, &citizen, "/kho-giay-to").await;
    assert_eq!(s, 200);
    assert!(html.contains(&format!("{key}.pdf")) && html.contains(first["code"].as_str().unwrap()));
    assert!(!html.contains(theirs["code"].as_str().unwrap()), "only their own");
    let (_, html) = page(&app, &citizen, "/nop/2.001680").await;
    assert!(html.contains(&format!("id=\"r-{key}\"")) && html.contains(&earlier_id), "offered from the store");
    let not_reusable = proc["required_documents"].as_array().unwrap().iter().find(|d| d["reusable"] == false).unwrap();
    assert!(!html.contains(&format!("id=\"r-{}\"", not_reusable["key"].as_str().unwrap())));
    let csrf = csrf_of(&html);
    let form_with = |pick: &str| {
        let mut form = Form::new().text("_csrf", csrf.clone()).text(format!("r_{key}"), pick.to_string());
        for (k, v) in answers(&proc) {
            form = form.text(format!("a_{k}"), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
        for d in proc["required_documents"].as_array().unwrap() {
            let k = d["key"].as_str().unwrap();
            if k != key && d["required"] == true {
                form = form.part(format!("d_{k}"), Part::bytes(pdf(k)).file_name(format!("{k}.pdf")));
            }
        }
        form
    };
    // Someone else's document cannot be picked.
    let res = citizen.post(app.url("/nop/2.001680")).multipart(form_with(&theirs_id)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("không có trong kho"));
    let res = citizen.post(app.url("/nop/2.001680")).multipart(form_with(&earlier_id)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let review = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &citizen, &review).await;
    let res = citizen.post(app.url(&review)).form(&[("_csrf", csrf_of(&html))]).send().await.unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let code = location.trim_start_matches("/ho-so/").trim_end_matches("?moi=1").to_string();
    let (_, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&token)).await;
    let reused = d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == key.as_str()).unwrap();
    assert_eq!(
        (reused["reused"].clone(), reused["from_citizen_store"].clone()),
        (serde_json::json!(true), serde_json::json!(true))
    );
    assert_eq!(reused["sha256"], earlier["sha256"], "the same document");
    let (_, bytes) = app.get_bytes(reused["url"].as_str().unwrap(), Some(&token)).await;
    assert_eq!(bytes, pdf(&key));
    // The officer sees where it came from.
    let desk = browser();
    sign_in(&app, &desk, "tiepnhan").await;
    let (_, html) = page(&app, &desk, &format!("/ho-so/{code}")).await;
    assert!(html.contains("dùng lại từ kho giấy tờ"));
}

async fn anyone_asks_officers_answer_and_the_answer_is_published(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let code = "2.001680";
    let visitor = browser();
    let (s, html) = page(&app, &visitor, &format!("/thu-tuc/{code}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"ask-form\""));
    let csrf = csrf_of(&html);
    let long_ago = (chrono::Utc::now().timestamp_millis() - 60_000).to_string();
    let now = chrono::Utc::now().timestamp_millis().to_string();
    let question = "Người khuyết tật có được trợ giúp pháp lý miễn phí không?";
    let path = format!("/thu-tuc/{code}/hoi");
    let ask = |name: &'static str, email: &'static str, body: &'static str, t: String, website: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("name", name.into()),
            ("email", email.into()),
            ("body", body.into()),
            ("t", t),
            ("website", website.into()),
        ]
    };
    // Problems come back on the page, in Vietnamese, the answers kept.
    let res = visitor
        .post(app.url(&path))
        .form(&ask("", "không phải email", question, long_ago.clone(), ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#f-name\"") && html.contains("href=\"#f-email\"") && html.contains(question));
    // Too fast for a person.
    let res = visitor
        .post(app.url(&path))
        .form(&ask("Lò Văn Páo", "pao@example.vn", question, now, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    // A robot filling the hidden field is thanked and ignored.
    let res = visitor
        .post(app.url(&path))
        .form(&ask("Bot", "bot@example.vn", "Mua thuốc giá rẻ tại đây ngay hôm nay", long_ago.clone(), "http://spam"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let res = visitor
        .post(app.url(&path))
        .form(&ask("Lò Văn Páo", "pao@example.vn", question, long_ago, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = page(&app, &visitor, &format!("/thu-tuc/{code}?hoi=1")).await;
    assert!(html.contains("id=\"question-sent\"") && !html.contains(question), "not published before an answer");

    // The desk of the service centre moderates: one question waits (the robot's is not there).
    let desk = browser();
    sign_in(&app, &desk, "tiepnhan").await;
    let (s, html) = page(&app, &desk, "/can-bo/hoi-dap").await;
    assert_eq!(s, 200);
    assert!(html.contains(question) && html.contains("pao@example.vn") && !html.contains("bot@example.vn"));
    let start = html.find("id=\"question-").unwrap() + 13;
    let id: String = html[start..].chars().take_while(|c| c.is_ascii_digit()).collect();
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let (_, chtml) = page(&app, &citizen, "/thu-tuc").await;
    let (s, _, _) = post_form(
        &app,
        &citizen,
        &format!("/can-bo/hoi-dap/{id}"),
        &[("_csrf", &csrf_of(&chtml)), ("decision", "publish"), ("answer", "x")],
    )
    .await;
    assert_eq!(s, 404, "citizens do not moderate");
    let answer = "Có. Người khuyết tật thuộc diện được trợ giúp pháp lý theo Luật Trợ giúp pháp lý 2017.";
    let (s, _, _) = post_form(
        &app,
        &desk,
        &format!("/can-bo/hoi-dap/{id}"),
        &[("_csrf", &csrf_of(&html)), ("decision", "publish"), ("answer", answer)],
    )
    .await;
    assert_eq!(s, 303);
    let (_, html) = page(&app, &visitor, &format!("/thu-tuc/{code}")).await;
    assert!(html.contains(question) && html.contains(answer), "published under the procedure");
    assert!(!html.contains("pao@example.vn"), "the e-mail is never shown");
    let (_, html) = page(&app, &desk, "/can-bo/hoi-dap").await;
    assert!(!html.contains(question), "decided once");

    // Feedback naming a code that does not exist is taken like any other (no oracle of codes),
    // to the general queue with the code as written.
    let (_, html) = page(&app, &visitor, "/gop-y").await;
    let t = (chrono::Utc::now().timestamp_millis() - 60_000).to_string();
    let res = visitor
        .post(app.url("/gop-y"))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("name", "Lò Văn Páo"),
            ("email", "pao@example.vn"),
            ("body", "Cán bộ hướng dẫn rất tận tình."),
            ("t", &t),
            ("dossier", "KHONG-CO"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/gop-y?gui=1");
}

/// Birth registration (đăng ký khai sinh): a drop-down, required text fields, two documents.
const BIRTH: &str = "1.001193";

/// The form of a procedure with every answer of `answers` (but `skip`), as a browser sends it.
fn answered_form(csrf: &str, proc: &Value, skip: &[&str]) -> Form {
    let mut form = Form::new().text("_csrf", csrf.to_string());
    for (k, v) in answers(proc) {
        if !skip.contains(&k.as_str()) {
            form = form.text(format!("a_{k}"), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
    }
    form
}

fn pdf_part(tag: &str) -> Part {
    Part::bytes(pdf(tag)).file_name(format!("{tag}.pdf"))
}

/// The value of the first `name="…" value="…"` hidden input named `name`.
fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    Some(html[at..].split('"').next()?.to_string())
}

/// A label as the middle of a sentence: its first letter in lower case.
fn in_sentence(label: &str) -> String {
    let mut c = label.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

fn document_name(proc: &Value, key: &str) -> String {
    let docs = proc["required_documents"].as_array().unwrap();
    docs.iter().find(|d| d["key"] == key).unwrap()["name"].as_str().unwrap().to_string()
}

fn field_label(proc: &Value, key: &str) -> String {
    proc["form"].as_array().unwrap().iter().find(|f| f["key"] == key).unwrap()["label"].as_str().unwrap().to_string()
}

async fn a_refused_file_keeps_the_answers_and_the_accepted_files(engine: TestEngine) {
    let app = TestApp::spawn_with(engine, Config { max_file_bytes: 4096, ..Config::default() }).await;
    let (_, proc) = app.get(&format!("/api/v1/procedures/{BIRTH}"), None).await;
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let (_, html) = page(&app, &citizen, &format!("/nop/{BIRTH}")).await;
    assert!(html.contains("data-max-bytes=\"4096\""), "the page tells its script the limit");
    let csrf = csrf_of(&html);
    let (declaration, certificate) = ("to_khai_khai_sinh", "giay_chung_sinh");
    let url = app.url(&format!("/nop/{BIRTH}"));

    // One file accepted, one over the limit: the form comes back with every answer and the
    // accepted file kept, the refused one named beside its field.
    let mut big = pdf("lon");
    big.resize(5000, b' ');
    let form = answered_form(&csrf, &proc, &[])
        .part(format!("d_{declaration}"), pdf_part("to-khai"))
        .part(format!("d_{certificate}"), Part::bytes(big).file_name("giay-chung-sinh-lon.pdf"));
    let res = citizen.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Lỗi: "), "the title says there is an error");
    let too_large = format!("Tệp {} phải nhỏ hơn 4 KB", in_sentence(&document_name(&proc, certificate)));
    assert!(html.contains(&format!("<a href=\"#f-{certificate}\">{too_large}</a>")), "summarised, linked: {html}");
    assert!(html.contains(&format!("<p class=\"error-message\" id=\"f-{certificate}-error\">{too_large}</p>")));
    assert_eq!(html.matches("class=\"error-message\"").count(), 1, "nothing else is wrong");
    for (k, v) in answers(&proc) {
        if let Some(text) = v.as_str().filter(|t| t.contains(' ')) {
            assert!(
                html.contains(&format!("value=\"{text}\"")) || html.contains(&format!(">{text}</textarea>")),
                "{k}"
            );
        }
    }
    assert!(html.contains(&format!("id=\"kept-{declaration}\"")) && html.contains("to-khai.pdf"), "the file is kept");
    let draft = hidden(&html, "nhap").expect("the form goes on with a draft on the server");
    let confirm = format!("/nop/{BIRTH}/xac-nhan/{draft}");
    assert_eq!(page(&app, &citizen, &confirm).await.0, 404, "a draft is not an application checked");
    let res = citizen.post(app.url(&confirm)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404, "nor submitted without its checks");

    // Then a file of a type not accepted: refused the same way; the kept file stays.
    let form = answered_form(&csrf, &proc, &[])
        .text("nhap", draft.clone())
        .part(format!("d_{certificate}"), Part::bytes(b"MZ\x90\x00 a program".to_vec()).file_name("giay.exe"));
    let res = citizen.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("phải là PDF, JPEG, PNG, TIFF hoặc WebP"), "{html}");
    assert!(html.contains(&format!("id=\"kept-{declaration}\"")) && html.contains("to-khai.pdf"));
    let draft2 = hidden(&html, "nhap").expect("still a draft");
    assert_eq!(draft2, draft, "no new file to keep: the same draft goes on");
    let (_, mine) = page(&app, &citizen, "/ho-so").await;
    assert_eq!(mine.matches("?nhap=").count(), 2, "one draft to resume (its name and its link): {mine}");

    // Mended: only the missing file is sent again; the application goes through with both.
    let form = answered_form(&csrf, &proc, &[])
        .text("nhap", draft2)
        .part(format!("d_{certificate}"), pdf_part("giay-chung-sinh"));
    let res = citizen.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let review = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &citizen, &review).await;
    assert!(html.contains("to-khai.pdf") && html.contains("giay-chung-sinh.pdf"), "{html}");
    let res = citizen.post(app.url(&review)).form(&[("_csrf", csrf_of(&html))]).send().await.unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let dossier = location.trim_start_matches("/ho-so/").trim_end_matches("?moi=1").to_string();
    let token = app.login("congdan").await;
    let (_, d) = app.get(&format!("/api/v1/dossiers/{dossier}"), Some(&token)).await;
    let kept = d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == declaration).expect("kept");
    assert_eq!(app.get_bytes(kept["url"].as_str().unwrap(), Some(&token)).await.1, pdf("to-khai"), "byte for byte");
    let (_, html) = page(&app, &citizen, "/ho-so").await;
    assert!(!html.contains("id=\"drafts\""), "no draft left behind");
    // The API keeps answering 413 to a file over the limit.
    let mut form = submission(&proc, &answers(&proc));
    let mut big = pdf("lon");
    big.resize(5000, b' ');
    form = form.part("extra", Part::bytes(big).file_name("lon.pdf"));
    assert_eq!(app.post_multipart("/api/v1/dossiers", Some(&token), form).await.0, 413);
}

async fn change_links_reopen_the_form_with_the_answers_and_files(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get(&format!("/api/v1/procedures/{BIRTH}"), None).await;
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let (_, html) = page(&app, &citizen, &format!("/nop/{BIRTH}")).await;
    let csrf = csrf_of(&html);
    let url = app.url(&format!("/nop/{BIRTH}"));
    let docs = ["to_khai_khai_sinh", "giay_chung_sinh"];
    let mut form = answered_form(&csrf, &proc, &["noi_sinh"]).text("a_noi_sinh", "Bệnh viện Đa khoa tỉnh Lào Cai");
    for key in docs {
        form = form.part(format!("d_{key}"), pdf_part(key));
    }
    let res = citizen.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let review = res.headers()["location"].to_str().unwrap().to_string();
    let draft = review.rsplit('/').next().unwrap().to_string();
    let (_, html) = page(&app, &citizen, &review).await;
    // A change link on every row: to the form, resuming this application, at the field.
    for f in proc["form"].as_array().unwrap() {
        let key = f["key"].as_str().unwrap();
        let link = format!("href=\"/nop/{BIRTH}?nhap={draft}#f-{key}\" id=\"change-{key}\">Sửa");
        assert!(html.contains(&link), "{key}: {html}");
    }
    for key in docs {
        assert!(html.contains(&format!("href=\"/nop/{BIRTH}?nhap={draft}#f-{key}\"")), "{key}");
    }
    let (s, html) = page(&app, &citizen, &format!("/nop/{BIRTH}?nhap={draft}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("value=\"Bệnh viện Đa khoa tỉnh Lào Cai\""), "the answers are filled in");
    assert!(html.contains(&format!("<option value=\"{}\" selected>", answers(&proc)["gioi_tinh"].as_str().unwrap())));
    for key in docs {
        assert!(html.contains(&format!("id=\"kept-{key}\"")) && html.contains(&format!("{key}.pdf")), "{key} kept");
    }
    assert!(html.contains("id=\"f-noi_sinh\""), "the field the link leads to");
    assert!(!html.contains("id=\"resuming\""), "not a draft saved earlier");
    // One answer changed, no file chosen again: the new answer and the same files.
    let form = answered_form(&csrf_of(&html), &proc, &["noi_sinh"])
        .text("a_noi_sinh", "Trạm y tế xã Bản Phiệt")
        .text("nhap", draft.clone());
    let res = citizen.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let review2 = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &citizen, &review2).await;
    assert!(html.contains("Trạm y tế xã Bản Phiệt") && !html.contains("Bệnh viện Đa khoa"), "{html}");
    for key in docs {
        assert!(html.contains(&format!("{key}.pdf")), "{key} still attached: {html}");
    }
    assert_eq!(page(&app, &citizen, &review).await.0, 404, "the earlier check page is gone");
    let other = browser();
    sign_in(&app, &other, "congdan2").await;
    let draft2 = review2.rsplit('/').next().unwrap();
    assert_eq!(page(&app, &other, &format!("/nop/{BIRTH}?nhap={draft2}")).await.0, 404, "the owner's only");
}

async fn errors_name_each_field_and_say_what_to_do(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get(&format!("/api/v1/procedures/{BIRTH}"), None).await;
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let url = app.url(&format!("/nop/{BIRTH}"));
    let (_, html) = page(&app, &citizen, &format!("/nop/{BIRTH}")).await;
    let form = answered_form(&csrf_of(&html), &proc, &["gioi_tinh", "ho_ten_tre", "ngay_sinh"])
        .text("a_ngay_sinh", "31/02/2024");
    let res = citizen.post(&url).multipart(form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    // A drop-down is chosen, a text typed, a date typed as a real one; a file chosen.
    let choose = format!("Chọn {}", in_sentence(&field_label(&proc, "gioi_tinh")));
    let enter = format!("Nhập {}", in_sentence(&field_label(&proc, "ho_ten_tre")));
    assert_eq!(enter, "Nhập họ, chữ đệm và tên của trẻ");
    let date = format!("Nhập {} là một ngày có thật", in_sentence(&field_label(&proc, "ngay_sinh")));
    let file = format!("Chọn tệp {}", in_sentence(&document_name(&proc, "to_khai_khai_sinh")));
    for (key, message) in
        [("gioi_tinh", &choose), ("ho_ten_tre", &enter), ("ngay_sinh", &date), ("to_khai_khai_sinh", &file)]
    {
        assert!(html.contains(&format!("<a href=\"#f-{key}\">{message}")), "{key}: {message} in {html}");
        assert!(html.contains(&format!("id=\"f-{key}-error\">{message}")), "{key} beside the field");
        assert!(html.contains(&format!("id=\"f-{key}\"")), "{key}: the link reaches the field");
    }
    let summary = &html[html.find("id=\"error-summary\"").unwrap()..];
    assert!(html.contains("tabindex=\"-1\"") && html.contains("autofocus"), "the summary takes the focus");
    assert_eq!(summary[..summary.find("</div>").unwrap()].matches("<li>").count(), 5, "one message per field");
    assert!(!html.contains("Vui lòng nhập thông tin này"), "no message without its field");

    // In English, the same in English.
    citizen.get(app.url("/ngon-ngu?lang=en&next=%2F")).send().await.unwrap();
    let (_, html) = page(&app, &citizen, &format!("/nop/{BIRTH}")).await;
    let form = answered_form(&csrf_of(&html), &proc, &["gioi_tinh", "ho_ten_tre"]);
    let html = citizen.post(&url).multipart(form).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<title>Error: "), "{html}");
    assert!(html.contains("<a href=\"#f-gioi_tinh\">Select sex</a>"), "{html}");
    let enter = html.split("<a href=\"#f-ho_ten_tre\">").nth(1).and_then(|rest| rest.split("</a>").next());
    assert!(enter.is_some_and(|m| m.starts_with("Enter child") && m.ends_with("s full name")), "{enter:?}");

    // The anti-spam checks never stand for an empty field.
    let visitor = browser();
    let (_, html) = page(&app, &visitor, &format!("/thu-tuc/{BIRTH}")).await;
    let now = chrono::Utc::now().timestamp_millis().to_string();
    let sent = [("_csrf", csrf_of(&html)), ("name", "".into()), ("email", "".into()), ("body", "".into()), ("t", now)];
    let res = visitor.post(app.url(&format!("/thu-tuc/{BIRTH}/hoi"))).form(&sent).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    for (key, message) in [("name", "Nhập họ và tên"), ("email", "Nhập thư điện tử"), ("body", "Nhập nội dung")]
    {
        assert!(html.contains(&format!("<a href=\"#f-{key}\">{message}</a>")), "{key}: {html}");
    }
    assert!(!html.contains("quá nhanh"), "an empty question is not 'sent too fast'");
    assert!(html.contains("<title>Lỗi: "));
}

async fn officers_errors_link_to_the_fields_of_the_form_sent(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let desk = browser();
    sign_in(&app, &desk, "tiepnhan").await;
    let (_, html) = page(&app, &desk, &format!("/ho-so/{code}")).await;
    // Refusing with a reason of spaces only: the reason is asked for beside the refusal's note.
    let refuse = Form::new().text("_csrf", csrf_of(&html)).text("action", "refuse").text("note", "   ");
    let res = desk.post(app.url(&format!("/ho-so/{code}/thao-tac"))).multipart(refuse).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Lỗi: "));
    assert!(html.contains("<a href=\"#note-refuse\">Nhập lý do hoặc nội dung</a>"), "{html}");
    assert!(html.contains("id=\"note-refuse\""), "the link reaches the refusal's note");
    let refusal = &html[html.find("id=\"action-refuse\"").unwrap()..];
    let refusal = &refusal[..refusal.find("</form>").unwrap()];
    assert!(refusal.contains("<p class=\"error-message\">Nhập lý do hoặc nội dung</p>"), "{refusal}");
    assert_eq!(html.matches("class=\"error-message\"").count(), 1, "beside that form's field only");
    // Receiving, then a leader issuing without a file: the link goes to the file input.
    let receive = Form::new().text("_csrf", csrf_of(&html)).text("action", "receive").text("note", "Đủ");
    assert_eq!(
        desk.post(app.url(&format!("/ho-so/{code}/thao-tac"))).multipart(receive).send().await.unwrap().status(),
        303
    );
    let spec = browser();
    sign_in(&app, &spec, "chuyenvien").await;
    let (_, html) = page(&app, &spec, &format!("/ho-so/{code}")).await;
    let forward = Form::new().text("_csrf", csrf_of(&html)).text("action", "forward");
    assert_eq!(
        spec.post(app.url(&format!("/ho-so/{code}/thao-tac"))).multipart(forward).send().await.unwrap().status(),
        303
    );
    let leader = browser();
    sign_in(&app, &leader, "lanhdao").await;
    let (_, html) = page(&app, &leader, &format!("/ho-so/{code}")).await;
    let issue = Form::new().text("_csrf", csrf_of(&html)).text("action", "issue_result").text("note", "Ký duyệt");
    let res = leader.post(app.url(&format!("/ho-so/{code}/thao-tac"))).multipart(issue).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<a href=\"#file-issue_result\">Chọn tệp kết quả</a>"), "{html}");
    assert!(html.contains("id=\"file-issue_result\""));
    assert!(html.contains(">Ký duyệt</textarea>"), "the note typed is kept");
    for old in ["#f-note", "#f-result"] {
        assert!(!html.contains(&format!("href=\"{old}\"")), "{old} leads nowhere");
    }
}

/// The judicial record certificate: a fee before processing, and the opinion of the department
/// of justice asked at the police's first step.
const JUDICIAL_RECORD: &str = "3.000333";

/// The applicant's next step as the dossier page names it (`data-step`).
fn next_step_of(html: &str) -> String {
    let at = html.find("id=\"next-step\" data-step=\"").expect("a next-step block") + 26;
    html[at..].split('"').next().unwrap().to_string()
}

/// The text of the next-step block.
fn next_step_text(html: &str) -> String {
    let at = html.find("id=\"next-step-text\">").expect("the next step's text") + 20;
    html[at..].split("</p>").next().unwrap().to_string()
}

async fn the_applicant_sees_the_next_step_first_and_nothing_internal(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get(&format!("/api/v1/procedures/{JUDICIAL_RECORD}"), None).await;
    let token = app.login("congdan").await;
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let fee = motcua_app::present::show_money(d["fee"]["amount_vnd"].as_i64().unwrap());
    let path = format!("/ho-so/{code}");
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;

    // Owed before processing: paying is the next step, its form in the block, above the fee.
    let (_, html) = page(&app, &citizen, &path).await;
    assert_eq!(next_step_of(&html), "pay");
    assert!(html.contains(&format!("Nộp phí, lệ phí {fee}")), "the amount is named");
    let (next, pay, fees) = (
        html.find("id=\"next-step\"").unwrap(),
        html.find("id=\"action-pay\"").unwrap(),
        html.find("id=\"fee\"").unwrap(),
    );
    assert!(next < pay && pay < fees, "the payment form is in the next step, before the fees");
    assert_eq!(html.matches("id=\"action-pay\"").count(), 1, "offered once");
    assert!(html.find("id=\"next-step\"").unwrap() < html.find("id=\"dossier-status\"").unwrap(), "first");

    // Paid at the counter and received: nothing to do but wait, until the due date.
    let url = format!("/api/v1/dossiers/{code}/actions");
    let desk = app.login("tiepnhan").await;
    for action in ["pay", "receive"] {
        let (s, d) = app.post_json(&url, Some(&desk), serde_json::json!({"action": action, "note": "Đủ"})).await;
        assert_eq!(s, 200, "{action}: {d}");
    }
    let police = app.login("cv20h38").await;
    let (_, seen) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&police)).await;
    let due = chrono::DateTime::parse_from_rfc3339(seen["due_at"].as_str().unwrap()).unwrap().to_utc();
    let (_, html) = page(&app, &citizen, &path).await;
    assert_eq!(next_step_of(&html), "await_result");
    assert_eq!(
        next_step_text(&html),
        format!("Ông/Bà chưa cần làm gì. Hẹn trả kết quả: {}.", motcua_app::present::show_time(Some(due)))
    );

    // The department of justice gives its opinion: the police see it, the applicant does not.
    let cid = seen["consultations"][0]["id"].as_i64().expect("an opinion asked");
    let opinion = "Đối chiếu cơ sở dữ liệu lý lịch tư pháp: không có án tích.";
    let (s, e) = app
        .post_json(
            &format!("/api/v1/dossiers/{code}/consultations/{cid}/answer"),
            Some(&app.login("chuyenvien").await),
            serde_json::json!({"answer": opinion}),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let officer = browser();
    sign_in(&app, &officer, "cv20h38").await;
    let (_, html) = page(&app, &officer, &path).await;
    assert!(html.contains("id=\"consultations\"") && html.contains(opinion), "officers see the opinions");
    assert!(!html.contains("id=\"next-step\""), "the applicant's next step is theirs");
    let (_, html) = page(&app, &citizen, &path).await;
    assert!(!html.contains("id=\"consultations\"") && !html.contains(opinion), "not the applicant");
    let (_, mine) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&token)).await;
    assert_eq!(mine["consultations"], serde_json::json!([]), "nor through the API");

    // The result: downloading it is the next step, the result above the fees, and no digest or
    // key id on the applicant's page.
    for _ in 0..2 {
        let (s, d) = app.post_json(&url, Some(&police), serde_json::json!({"action": "forward"})).await;
        assert_eq!(s, 200, "{d}");
    }
    let form = Form::new().text("action", "issue_result").part("result", pdf_part("phieu-lltp"));
    let (s, d) = app.post_multipart(&url, Some(&app.login("ld20h38").await), form).await;
    assert_eq!(s, 200, "{d}");
    let (_, mine) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&token)).await;
    let signed_url = mine["signed_result"]["url"].as_str().unwrap().to_string();
    let (_, sealed) =
        app.get(&format!("/api/v1/results/{}", mine["result_verification_code"].as_str().unwrap()), None).await;
    let key_id = sealed["key_id"].as_str().expect("a key id").to_string();
    let (_, html) = page(&app, &citizen, &path).await;
    assert_eq!(next_step_of(&html), "download");
    assert!(html.contains(&format!("href=\"{signed_url}\" id=\"next-step-link\">Tải kết quả")), "the signed result");
    assert!(html.find("id=\"result\"").unwrap() < html.find("id=\"fee\"").unwrap(), "the result above the fees");
    assert!(!html.contains("SHA-256") && !html.contains(&key_id), "no digests or key ids");
    for digest in [&mine["signed_result"]["sha256"], &mine["result"]["sha256"], &mine["attachments"][0]["sha256"]] {
        assert!(!html.contains(digest.as_str().unwrap()), "no digest {digest}");
    }
    let (_, html) = page(&app, &officer, &path).await;
    assert!(html.contains("SHA-256") && html.contains(mine["attachments"][0]["sha256"].as_str().unwrap()));

    // The store lists the result once: the signed one.
    let (_, html) = page(&app, &citizen, "/kho-giay-to").await;
    assert!(html.contains(&signed_url), "the signed result is in the store");
    let issued_url = mine["result"]["url"].as_str().unwrap();
    assert!(!html.contains(issued_url), "the officer's own file is not listed beside it");
    let (_, store) = app.get("/api/v1/me/documents", Some(&token)).await;
    let results = store["items"].as_array().unwrap().iter().filter(|i| i["is_result"] == true).count();
    assert_eq!(results, 1, "{store}");
}

async fn the_next_step_names_what_the_applicant_must_do(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap().to_string();
    let path = format!("/ho-so/{code}");
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    let (_, html) = page(&app, &citizen, &path).await;
    assert_eq!(next_step_of(&html), "await_reception");
    assert!(html.contains("Chờ tiếp nhận") && next_step_text(&html).starts_with("Ông/Bà chưa cần làm gì."));

    // A supplement request: the block names it, says what is asked and leads to the form.
    let asked = "Bổ sung bản sao giấy khai sinh có chứng thực.";
    let (s, e) = app
        .post_json(
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&app.login("tiepnhan").await),
            serde_json::json!({"action": "request_supplement", "note": asked}),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    let (_, html) = page(&app, &citizen, &path).await;
    assert_eq!(next_step_of(&html), "supplement");
    assert!(html.contains("<h2 id=\"next-step-title\">Bổ sung hồ sơ</h2>"));
    assert_eq!(next_step_text(&html), format!("Cơ quan giải quyết đề nghị bổ sung: {asked}"));
    assert!(html.contains("href=\"#action-supplement\" id=\"next-step-link\">Gửi giấy tờ bổ sung"));
    assert!(html.contains("id=\"action-supplement\""), "the link reaches the form");

    // In English too.
    let res = citizen.get(app.url(&format!("/ngon-ngu?lang=en&next={path}"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = page(&app, &citizen, &path).await;
    assert!(html.contains("What happens next") && html.contains(&format!("The agency asks for: {asked}")));
}

/// Where a dossier's row is in a list page (its link), for the order of rows.
fn row_of(html: &str, code: &str) -> usize {
    html.find(&format!("<a href=\"/ho-so/{code}\">")).unwrap_or_else(|| panic!("{code} is listed"))
}

async fn officers_search_their_queue_and_sort_it_by_due_date(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let desk = app.login("tiepnhan").await;
    let now = chrono::Utc::now();
    // Three received dossiers, submitted one after the other, due in 3, 1 and 2 days.
    let mut codes = Vec::new();
    for (who, days) in [("congdan", 3), ("congdan2", 1), ("congdan", 2)] {
        let token = app.login(who).await;
        let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
        assert_eq!(s, 201, "{d}");
        let code = d["code"].as_str().unwrap().to_string();
        let (s, e) = app
            .post_json(
                &format!("/api/v1/dossiers/{code}/actions"),
                Some(&desk),
                serde_json::json!({"action": "receive"}),
            )
            .await;
        assert_eq!(s, 200, "{e}");
        let mut tx = app.state.db.write_tx().await.unwrap();
        sqlx::query("UPDATE dossiers SET due_at = $1 WHERE code = $2")
            .bind((now + chrono::TimeDelta::days(days)).timestamp_millis())
            .bind(&code)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        codes.push(code);
    }
    let (a, b, c) = (&codes[0], &codes[1], &codes[2]);
    let spec = browser();
    sign_in(&app, &spec, "chuyenvien").await;

    // By default the nearest due date comes first; "latest first" on request.
    let (s, html) = page(&app, &spec, "/can-bo").await;
    assert_eq!(s, 200);
    assert!(row_of(&html, b) < row_of(&html, c) && row_of(&html, c) < row_of(&html, a), "by due date");
    assert!(html.contains("<option value=\"due\" selected>"), "the order is shown");
    let (_, html) = page(&app, &spec, "/can-bo?sort=new").await;
    assert!(row_of(&html, c) < row_of(&html, b) && row_of(&html, b) < row_of(&html, a), "latest first");

    // Found by code, by phone in any spelling, by part of the applicant's name in any case.
    let (_, html) = page(&app, &spec, &format!("/can-bo?q={a}")).await;
    row_of(&html, a);
    assert!(!html.contains(b.as_str()) && !html.contains(c.as_str()), "by code");
    assert!(html.contains(&format!("id=\"q\" name=\"q\" type=\"search\" value=\"{a}\"")), "what was looked for");
    let (_, html) = page(&app, &spec, "/can-bo?q=%2B84+987+654+321").await;
    assert!(html.contains(b.as_str()) && !html.contains(a.as_str()) && !html.contains(c.as_str()), "by phone");
    let (_, html) = page(&app, &spec, "/can-bo?q=0912345678").await;
    assert!(html.contains(a.as_str()) && html.contains(c.as_str()) && !html.contains(b.as_str()));
    let (_, html) = page(&app, &spec, "/can-bo?q=th%E1%BB%8B+b%C3%ACnh").await;
    assert!(html.contains(b.as_str()) && !html.contains(a.as_str()), "by name, \"thị bình\"");
    // Without tone marks and in capitals, as officers type on any keyboard, on both engines.
    for typed in ["thi+binh", "TH%E1%BB%8A+B%C3%8CNH", "Thi%20Binh"] {
        let (_, html) = page(&app, &spec, &format!("/can-bo?q={typed}")).await;
        assert!(html.contains(b.as_str()) && !html.contains(a.as_str()), "by name, {typed}");
    }
    let (_, html) = page(&app, &spec, "/can-bo?q=%25").await;
    assert!(html.contains("Không có hồ sơ nào."), "% is a character, not a wildcard");

    // The filters stay in the address: the deadline links keep the search and the order.
    let (_, html) = page(&app, &spec, "/can-bo?scope=agency&q=0987654321&sort=new").await;
    let html = html.replace("&#38;", "&");
    assert!(html.contains("href=\"/can-bo?scope=agency&deadline=overdue&q=0987654321&sort=new\""), "{html}");
    assert!(html.contains("<input type=\"hidden\" name=\"scope\" value=\"agency\">"));
    assert!(html.contains(b.as_str()) && !html.contains(a.as_str()));
}

async fn pages_have_the_site_header_the_menu_of_the_role_and_an_icon(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    // An unknown page: the site's header, the message and the way back, in the visitor's language.
    let anon = browser();
    let (s, html) = page(&app, &anon, "/khong-co-trang-nay").await;
    assert_eq!(s, 404);
    assert!(html.contains("<header class=\"site\">") && html.contains("href=\"/dang-nhap\""), "the header");
    assert!(html.contains("<h1 id=\"error-title\">Không tìm thấy trang</h1>"));
    assert!(html.contains("Không tìm thấy nội dung yêu cầu.") && html.contains("<a href=\"/\" id=\"back-home\">"));
    // A page the role may not open is just as unknown, with the visitor still signed in.
    let citizen = browser();
    sign_in(&app, &citizen, "congdan").await;
    for path in ["/quan-tri/lich", "/can-bo/hoi-dap"] {
        let (s, html) = page(&app, &citizen, path).await;
        assert_eq!(s, 404, "{path}");
        assert!(html.contains("<header class=\"site\">") && html.contains("Nguyễn Văn An"), "{path}: {html}");
        assert!(html.contains("action=\"/dang-xuat\"") && html.contains("id=\"back-home\""), "{path}");
    }
    let (s, e) = app.get("/api/v1/khong-co", None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")), "the API still answers JSON");

    // The menu offers what the role may open: moderation to the desk and leaders, not specialists.
    for (user, moderates) in [("chuyenvien", false), ("lanhdao", true), ("tiepnhan", true)] {
        let b = browser();
        sign_in(&app, &b, user).await;
        let (_, html) = page(&app, &b, "/can-bo").await;
        assert_eq!(html.contains("href=\"/can-bo/hoi-dap\""), moderates, "{user}: the Q&A item");
        let (s, _) = page(&app, &b, "/can-bo/hoi-dap").await;
        assert_eq!(s, if moderates { 200 } else { 404 }, "{user} opens what the menu offers");
    }

    // The icon: linked from every page, served with its type, long cached; and at /favicon.ico.
    let (_, html) = page(&app, &anon, "/").await;
    let at = html.find("<link rel=\"icon\" href=\"").expect("an icon") + 23;
    let icon = html[at..].split('"').next().unwrap().to_string();
    assert!(icon.starts_with("/static/favicon.") && icon.ends_with(".svg"), "{icon}");
    for path in [icon.as_str(), "/favicon.ico"] {
        let res = anon.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "image/svg+xml", "{path}");
        assert!(res.text().await.unwrap().starts_with("<svg"), "{path}");
    }
    let res = anon.get(app.url(&icon)).send().await.unwrap();
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
}
