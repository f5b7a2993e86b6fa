//! The portal and the back office in a real browser: headless Chromium driven through WebDriver
//! (chromedriver), on SQLite and on PostgreSQL. A citizen applies online and the officers take the
//! dossier through to its returned result; the same application works with JavaScript disabled;
//! pages fit a phone screen.
//!
//! Needs Debian's `chromium` and `chromium-driver` (or `MOTCUA_CHROMIUM` / `MOTCUA_CHROMEDRIVER`
//! naming the browser and its driver); without them the tests fail, they never pass silently.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{pdf, submission, TestApp};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use motcua_testkit::{answers, on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

on_both_engines!(
    a_citizen_applies_and_officers_process_it,
    the_same_application_works_without_javascript,
    a_two_agency_procedure_with_a_consultation_a_supplement_and_a_reschedule,
    a_full_process_online_procedure_without_paper,
    a_refused_file_keeps_the_answers_and_the_accepted_file,
    the_error_summary_and_the_change_links_with_javascript,
    citizens_sign_in_through_an_identity_provider_without_javascript,
    the_electronic_office_and_a_weekly_briefing,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_a_phone_screen() {
    phone_screen(TestEngine::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_frame_and_a_procedure_page_on_a_phone() {
    portal_frame(TestEngine::Sqlite).await
}

/// VNeID-like sign-in in the browser, against a real OpenID Connect provider
/// (scripts/oidc-provider): the first sign-in makes the account, the second finds it, a citizen
/// with a local account of that identity number is linked to it, and a forged return is refused.
/// Without JavaScript, at motcua and at the provider.
async fn citizens_sign_in_through_an_identity_provider_without_javascript(engine: TestEngine) {
    let Some(dir) = common::oidc_provider::installed() else { return };
    let (app, provider) = common::oidc_provider::app_with_providers(engine, &dir).await;
    let b = Browser::open(&app, "oidc", false).await;
    b.assert_javascript(false).await;
    let users = || async {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(app.state.db.reader()).await.unwrap();
        n
    };
    let before = users().await;

    b.step("first sign-in through VNeID");
    b.sign_in_through_provider("an").await;
    assert!(b.body_text().await.contains("Phạm Thị Ngọc Ánh"), "{}", provider.log());
    assert_eq!(users().await, before + 1, "the account is made");
    let made = motcua_store::identity::user_by_id_number(&app.state.db, "001199000123").await.unwrap().unwrap();
    assert_eq!(made.verified_by.as_deref(), Some("vneid"));
    b.sign_out().await;

    b.step("second sign-in: the same account");
    b.sign_in_through_provider("an").await;
    assert!(b.body_text().await.contains("Phạm Thị Ngọc Ánh"));
    assert_eq!(users().await, before + 1, "found through its link");
    b.sign_out().await;

    b.step("a citizen with a local account of that identity number");
    b.sign_in_through_provider("congdan").await;
    assert!(b.body_text().await.contains("Nguyễn Văn An"), "the local account, under its own name");
    assert_eq!(users().await, before + 1, "linked, not duplicated");
    let congdan = motcua_store::identity::user_by_id_number(&app.state.db, "038090001234").await.unwrap().unwrap();
    assert_eq!(motcua_store::identity::links_of(&app.state.db, congdan.id).await.unwrap().len(), 1);
    b.sign_out().await;

    b.step("a return with a state no sign-in set out with");
    b.goto("/dang-nhap/oidc/vneid/callback?code=abc&state=forged").await;
    let summary = b.text_of("#error-summary").await;
    assert!(summary.contains("Không hoàn tất được đăng nhập"), "{summary}");
    assert!(!b.body_text().await.contains("Đăng xuất"), "not signed in");
    b.close().await;
}

/// Birth registration (đăng ký khai sinh): text, date and drop-down questions, two documents.
const BIRTH: &str = "1.001193";

/// Uploads over this size are refused in the tests of refused files.
const SMALL_LIMIT: usize = 64 * 1024;

/// How long to wait for anything to appear in the browser.
const PATIENCE: Duration = Duration::from_secs(10);

/// The Sở Tư pháp (department of justice) of the demo province.
const JUSTICE: &str = "000.00.12.H38";

/// The dossier's status once its result has been handed over.
const RETURNED: &str = "Đã trả kết quả";

/// Sets an input's value as a picker would (time inputs take typed digits in a locale's order).
async fn set_value(b: &Browser, css: &str, value: &str) {
    let input = b.find(css).await;
    let set = "arguments[0].value = arguments[1]; \
               arguments[0].dispatchEvent(new Event('change', {bubbles: true})); return arguments[0].value;";
    let element = serde_json::to_value(&input).expect("the element as a script argument");
    let got = b.c.execute(set, vec![element, value.into()]).await.expect("set the value");
    assert_eq!(got.as_str(), Some(value), "{css}");
}

/// Takes one of a document's actions from its page (with a note where the form has one) and
/// waits for the page after it.
async fn document_action(b: &Browser, id: i64, action: &str) {
    b.step(&format!("{action} document {id}"));
    b.goto(&format!("/van-ban/{id}")).await;
    if let Ok(note) = b.c.find(Locator::Css(&format!("#f-note-{action}"))).await {
        note.send_keys(&format!("Ghi chú: {action}")).await.unwrap();
    }
    b.click(&format!("#action-{action}")).await;
    b.wait_path(&format!("/van-ban/{id}?xong=1")).await;
}

/// The electronic office in a real browser: the department's clerk registers a letter from
/// paper with its scan, the leader assigns it with a deadline and a co-handler, the specialist
/// takes it up and completes it; the clerk calls the weekly online briefing with ten
/// connection points, its invitation goes through approval and issue and arrives in the ten
/// agencies' registers; a point records its attendance and the leader the conclusion's task.
async fn the_electronic_office_and_a_weekly_briefing(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = Browser::open(&app, "office", true).await;
    let files = b.dir.join("files");
    let id_of = |user: &'static str| {
        let app = &app;
        async move { app.get("/api/v1/me", Some(&app.login(user).await)).await.1["id"].as_i64().unwrap() }
    };
    let (specialist, helper) = (id_of("chuyenvien").await, id_of("chuyenvien2").await);
    let vn_today = chrono::Utc::now().with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();

    b.sign_in("vanthu", "/van-ban").await;
    b.click("#register-incoming").await;
    b.wait_path("/van-ban/moi?so=den").await;
    b.find("#f-doc_type").await.select_by_value("official_letter").await.unwrap();
    b.find("#f-symbol").await.send_keys("215/UBND-KSTT").await.unwrap();
    b.find("#f-issuer").await.send_keys("Ủy ban nhân dân tỉnh Lào Cai").await.unwrap();
    b.type_date(&b.find("#f-issued_on").await, &vn_today.format("%Y-%m-%d").to_string()).await;
    b.find("#f-subject").await.send_keys("Về việc rà soát hồ sơ trễ hạn trên Cổng dịch vụ công").await.unwrap();
    let scan = write_pdf(&files, "cong-van-215");
    b.find("#f-files").await.send_keys(scan.to_str().unwrap()).await.unwrap();
    b.click("#document-save").await;
    b.wait_url("the registered document", |u| u.path().starts_with("/van-ban/") && u.query() == Some("moi=1")).await;
    let url = b.c.current_url().await.unwrap();
    let id: i64 = url.path().trim_start_matches("/van-ban/").parse().unwrap();
    assert_eq!(b.text_of("#document-number").await, "1", "the first arrival number of the year");
    b.sign_out().await;

    b.sign_in("lanhdao", "/can-bo").await;
    b.goto(&format!("/van-ban/{id}")).await;
    b.find("#f-assignee").await.select_by_value(&specialist.to_string()).await.unwrap();
    let due = vn_today + chrono::Duration::days(10);
    b.type_date(&b.find("#assign #f-due_on").await, &due.format("%Y-%m-%d").to_string()).await;
    b.find(&format!("#f-involve-{helper}")).await.select_by_value("co_handling").await.unwrap();
    b.click("#action-assign").await;
    b.wait_path(&format!("/van-ban/{id}?xong=1")).await;
    assert_eq!(b.text_of("#document-assignee").await, "Trần Văn Chuyên");
    assert!(b.body_text().await.contains("Vũ Thị Phối"), "the co-handler is named");
    b.sign_out().await;

    b.sign_in("chuyenvien", "/can-bo").await;
    b.goto("/van-ban").await;
    b.click(&format!("#documents a[href='/van-ban/{id}']")).await;
    b.wait_path(&format!("/van-ban/{id}")).await;
    document_action(&b, id, "acknowledge").await;
    document_action(&b, id, "complete").await;
    assert_eq!(b.text_of("#document-status").await, "Đã xử lý xong");
    b.sign_out().await;

    // The weekly briefing: called today by the clerk, ten connection points.
    let points = ["05", "06", "07", "08", "09", "10", "11", "13", "14", "51"].map(|n| format!("000.00.{n}.H38"));
    b.sign_in("vanthu", "/van-ban").await;
    b.goto("/hop").await;
    b.click("#new-meeting").await;
    b.wait_path("/hop/moi").await;
    b.find("#f-title").await.send_keys("Giao ban trực tuyến công tác tư pháp tuần").await.unwrap();
    b.find("#f-chair").await.send_keys("Lê Minh Lãnh").await.unwrap();
    b.find("#f-place").await.send_keys("Phòng họp trực tuyến tầng 3").await.unwrap();
    b.type_date(&b.find("#f-date").await, &vn_today.format("%Y-%m-%d").to_string()).await;
    set_value(&b, "#f-starts", "00:00").await;
    set_value(&b, "#f-ends", "23:59").await;
    b.find("#f-video_link").await.send_keys("https://hop.example.vn/giao-ban").await.unwrap();
    for p in &points {
        b.click(&format!("input[id='f-point-{p}']")).await;
    }
    b.click("#call-meeting").await;
    b.wait_url("the meeting called", |u| u.path().starts_with("/hop/") && u.query() == Some("moi=1")).await;
    let meeting: i64 = b.c.current_url().await.unwrap().path().trim_start_matches("/hop/").parse().unwrap();
    let rows = b.c.find_all(Locator::Css("#meeting-points tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 10, "ten connection points");
    let invitation = b.find("#meeting-facts a[href^='/van-ban/']").await.attr("href").await.unwrap().unwrap();
    let invitation: i64 = invitation.trim_start_matches("/van-ban/").parse().unwrap();
    document_action(&b, invitation, "submit_for_approval").await;
    // The chain on its page: the department's default, its leaders, waiting at that one step.
    let step = b.text_of("#approval-chain li[data-state='current']").await;
    assert!(step.contains("Lãnh đạo cơ quan") && step.contains("Đang chờ duyệt"), "{step}");
    b.sign_out().await;
    b.sign_in("lanhdao", "/can-bo").await;
    // The leader finds it among what waits for their approval.
    b.goto("/van-ban?so=di&cho=duyet").await;
    b.click(&format!("#documents a[href='/van-ban/{invitation}']")).await;
    b.wait_path(&format!("/van-ban/{invitation}")).await;
    document_action(&b, invitation, "approve").await;
    let step = b.text_of("#approval-chain li[data-state='done']").await;
    assert!(step.contains("Đã duyệt") && step.contains("Lê Minh Lãnh"), "approved, by whom: {step}");
    b.sign_out().await;
    b.sign_in("vanthu", "/van-ban").await;
    document_action(&b, invitation, "issue").await;
    assert!(b.text_of("#document-symbol").await.contains("/GM-STP"), "numbered as a giấy mời");
    document_action(&b, invitation, "dispatch").await;
    assert_eq!(b.text_of("#document-status").await, "Đã gửi");
    let (arrived,): (i64,) = sqlx::query_as(
        "SELECT COUNT(DISTINCT agency_code) FROM office_documents WHERE source_document_id = $1 AND register = 'incoming'",
    )
    .bind(invitation)
    .fetch_one(app.state.db.reader())
    .await
    .unwrap();
    assert_eq!(arrived, 10, "the invitation is in the ten agencies' incoming registers");
    b.sign_out().await;

    // The administrators' editor of the department's approval chain (its default: the leaders).
    b.sign_in("quantri", "/can-bo").await;
    b.goto("/quan-tri/chuoi-duyet?co_quan=000.00.12.H38").await;
    assert!(b.text_of("#chain-kind").await.contains("chưa thiết lập"), "the default chain");
    b.sign_out().await;

    // A point records its own attendance; the leader records the conclusion with a task.
    b.sign_in("ld05h38", "/can-bo").await;
    b.goto(&format!("/hop/{meeting}")).await;
    b.find("#f-status-000-00-05-H38").await.select_by_value("present").await.unwrap();
    b.find("#f-attendees-000-00-05-H38").await.send_keys("7").await.unwrap();
    b.click("#record-000-00-05-H38").await;
    b.wait_path(&format!("/hop/{meeting}?xong=1")).await;
    assert!(b.text_of("#meeting-points").await.contains("Có mặt"), "the point is recorded present");
    b.sign_out().await;
    b.sign_in("lanhdao", "/can-bo").await;
    b.goto(&format!("/hop/{meeting}")).await;
    b.find("#f-conclusion").await.send_keys("Các đơn vị giải quyết dứt điểm hồ sơ quá hạn.").await.unwrap();
    b.find("#f-task-0-agency").await.select_by_value("000.00.05.H38").await.unwrap();
    b.find("#f-task-0-description").await.send_keys("Báo cáo hồ sơ quá hạn của Sở Nội vụ").await.unwrap();
    let due = vn_today + chrono::Duration::days(7);
    b.type_date(&b.find("#f-task-0-due-on").await, &due.format("%Y-%m-%d").to_string()).await;
    b.click("#record-conclusion").await;
    b.wait_path(&format!("/hop/{meeting}?xong=1")).await;
    assert!(b.text_of("#meeting-tasks").await.contains("Báo cáo hồ sơ quá hạn của Sở Nội vụ"));
    b.close().await;
}

async fn a_citizen_applies_and_officers_process_it(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = Browser::open(&app, "full", true).await;
    b.assert_javascript(true).await;

    // The citizen signs in and finds a procedure of the department of justice by searching.
    b.sign_in("congdan", "/ho-so").await;
    b.goto("/thu-tuc").await;
    b.find("#q").await.send_keys("hành nghề công chứng").await.expect("type the search");
    b.find("#agency").await.select_by_value(JUSTICE).await.expect("choose the agency");
    b.click("form.filters button[type=submit]").await;
    b.wait_url("the search results", |u| u.path() == "/thu-tuc" && u.query().is_some_and(|q| q.contains(JUSTICE)))
        .await;
    let first = b.find("ol.results li a").await;
    let href = first.attr("href").await.expect("href").expect("a link to the procedure");
    let code = href.strip_prefix("/thu-tuc/").expect("a procedure page").to_string();
    let proc = definition(&app, &code).await;
    assert_eq!(proc["agency"]["code"], JUSTICE, "{proc}");
    assert!(b.find("#result-count").await.text().await.unwrap().chars().any(|c| c.is_ascii_digit()));
    first.click().await.expect("open the procedure");
    b.wait_path(&href).await;
    b.click(&format!("a.button[href='/nop/{code}']")).await;
    b.wait_path(&format!("/nop/{code}")).await;

    // The form, every field filled by its type and every document attached, then checked.
    let files = b.dir.join("files");
    b.fill_application(&proc, &files, None).await;
    b.click("#continue").await;
    b.step("check the answers");
    let submit = b.find("#submit-application").await;
    let review = b.body_text().await;
    assert!(review.contains(TEXT_ANSWER), "the answers are shown for checking: {review}");
    for d in documents(&proc) {
        assert!(review.contains(&format!("{d}.pdf")), "{d}.pdf is listed for checking: {review}");
    }
    b.step("submit");
    submit.click().await.expect("submit the application");
    b.find("#submitted-banner").await;
    let dossier = b.find("#dossier-code").await.text().await.expect("the code").trim().to_string();
    assert!(dossier.starts_with(JUSTICE), "the code names the agency: {dossier}");
    assert_eq!(b.text_of("#dossier-status").await, "Mới đăng ký");
    b.goto("/ho-so").await;
    b.find(&format!("table.dossiers a[href='/ho-so/{dossier}']")).await;

    // The officers take it from reception to the returned result, each from their own queue.
    b.sign_out().await;
    b.sign_in("tiepnhan", "/can-bo").await;
    b.act_from_queue(&dossier, "receive", None, "Đã tiếp nhận").await;
    b.sign_out().await;
    b.sign_in("chuyenvien", "/can-bo").await;
    b.act_from_queue(&dossier, "forward", None, "Đang xử lý").await;
    b.sign_out().await;
    b.sign_in("lanhdao", "/can-bo").await;
    let result = write_pdf(&files, "ket-qua");
    b.act_from_queue(&dossier, "issue_result", Some(&result), "Đã có kết quả").await;
    b.sign_out().await;
    b.sign_in("tiepnhan", "/can-bo").await;
    b.act_from_queue(&dossier, "return_result", None, RETURNED).await;
    b.sign_out().await;

    // The citizen sees the result, downloads it with their session, and the whole history.
    b.sign_in("congdan", "/ho-so").await;
    b.click(&format!("table.dossiers a[href='/ho-so/{dossier}']")).await;
    b.wait_path(&format!("/ho-so/{dossier}")).await;
    assert_eq!(b.text_of("#dossier-status").await, RETURNED);
    let link = b.find("#result-link").await;
    assert_eq!(link.text().await.unwrap().trim(), format!("ket-qua-{dossier}.pdf"), "the signed electronic result");
    let url = link.attr("href").await.unwrap().expect("the result link has an address");
    assert!(url.starts_with("/api/v1/attachments/"), "{url}");
    let (status, signed) = b.download(&app, &url).await;
    assert_eq!(status, 200);
    let issued = pdf("ket-qua");
    assert!(signed.windows(issued.len()).any(|w| w == issued.as_slice()), "the file the leader issued is inside");
    let code = b.text_of("#verification-code").await;
    assert_eq!(code.len(), 14, "the verification code, grouped: {code}");
    let history = b.c.find_all(Locator::Css("#history li")).await.unwrap();
    let mut events = Vec::new();
    for li in &history {
        events.push(li.text().await.unwrap());
    }
    assert_eq!(events.len(), 5, "submit, receive, forward, issue, return: {events:#?}");
    for (event, what) in
        events.iter().zip(["Nộp hồ sơ", "Tiếp nhận", "Chuyển xử lý", "Ban hành kết quả", "Trả kết quả"])
    {
        assert!(event.contains(what), "{what} in {events:#?}");
    }
    assert!(b.c.find(Locator::Css("#actions")).await.is_err(), "nothing left for the citizen to do");
    b.close().await;
}

async fn the_same_application_works_without_javascript(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = Browser::open(&app, "nojs", false).await;
    b.assert_javascript(false).await;

    // Browsing the catalog of the department and applying asks to sign in, then comes back.
    b.goto(&format!("/thu-tuc?agency={JUSTICE}")).await;
    let links = b.c.find_all(Locator::Css("ol.results li a")).await.unwrap();
    assert!(!links.is_empty(), "the department has procedures");
    let mut chosen = None;
    for link in &links {
        let href = link.attr("href").await.unwrap().unwrap_or_default();
        let code = href.trim_start_matches("/thu-tuc/").to_string();
        let proc = definition(&app, &code).await;
        assert_eq!(proc["agency"]["code"], JUSTICE, "only the department's procedures are listed");
        // One with a choice to make and a required text field to forget.
        let kinds: Vec<&str> = proc["form"].as_array().unwrap().iter().filter_map(|f| f["type"].as_str()).collect();
        if chosen.is_none() && kinds.contains(&"select") && kinds.contains(&"text") {
            chosen = Some((link.clone(), href, code, proc));
        }
    }
    let (link, href, code, proc) = chosen.expect("a procedure with a choice and a text field");
    link.click().await.unwrap();
    b.wait_path(&href).await;
    b.click(&format!("a.button[href='/nop/{code}']")).await;
    b.wait_path("/dang-nhap").await;
    b.sign_in_here("congdan").await;
    b.wait_path(&format!("/nop/{code}")).await;

    // A required field left empty: the form comes back with a summary linked to the field.
    let forgotten = proc["form"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["required"] == true && f["type"] == "text")
        .and_then(|f| f["key"].as_str())
        .expect("a required text field")
        .to_string();
    let files = b.dir.join("files");
    b.fill_application(&proc, &files, Some(&forgotten)).await;
    b.click("#continue").await;
    let summary = b.find(".error-summary").await;
    let items = summary.find_all(Locator::Css("li")).await.unwrap();
    assert_eq!(items.len(), 1, "only the forgotten field: {}", summary.text().await.unwrap());
    let to_field = summary.find(Locator::Css(&format!("a[href='#f-{forgotten}']"))).await.expect("a link to the field");
    assert!(!to_field.text().await.unwrap().trim().is_empty());
    assert_eq!(b.c.current_url().await.unwrap().path(), format!("/nop/{code}"));
    b.find(&format!(".field.has-error #f-{forgotten}")).await;
    // What was typed is kept; the link takes the citizen to the field.
    for f in proc["form"].as_array().unwrap() {
        let key = f["key"].as_str().unwrap();
        if key != forgotten && f["type"] != "checkbox" {
            let kept = b.find(&format!("#f-{key}")).await.prop("value").await.unwrap().unwrap_or_default();
            assert_eq!(kept, answer_for(f), "{key} is kept");
        }
    }
    to_field.click().await.expect("follow the link to the field");
    let url = b.c.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some(format!("f-{forgotten}").as_str()), "{url}");

    // The files chosen are kept on the server: corrected and submitted without choosing them again.
    for key in documents(&proc) {
        assert!(b.text_of(&format!("#kept-{key}")).await.contains(&format!("{key}.pdf")), "{key} is kept");
    }
    let field = b.find(&format!("#f-{forgotten}")).await;
    field.send_keys(TEXT_ANSWER).await.unwrap();
    b.click("#continue").await;
    b.find("#submit-application").await;
    assert!(b.c.find(Locator::Css(".error-summary")).await.is_err());
    // The fee is shown before submitting.
    let fee = proc["fee_vnd"].as_i64().unwrap();
    if fee > 0 {
        assert_eq!(b.text_of("#fee-total").await, motcua_app::present::show_money(fee));
    }
    b.click("#submit-application").await;
    b.find("#submitted-banner").await;
    let dossier = b.text_of("#dossier-code").await;
    assert!(dossier.starts_with(JUSTICE), "{dossier}");
    assert_eq!(b.text_of("#dossier-status").await, "Mới đăng ký");
    let answers = b.text_of("dl.answers").await;
    assert!(answers.contains(TEXT_ANSWER), "{answers}");

    // The desk receives it without JavaScript too, and takes the fee in cash.
    b.sign_out().await;
    b.sign_in("tiepnhan", "/can-bo").await;
    if fee > 0 {
        b.act_from_queue(&dossier, "receive", None, "Chờ thực hiện nghĩa vụ tài chính").await;
        b.click("#action-pay button[type=submit]").await;
        b.wait_path(&format!("/ho-so/{dossier}?xong=pay")).await;
    } else {
        b.act_from_queue(&dossier, "receive", None, "Đã tiếp nhận").await;
    }
    b.wait_text("#dossier-status", "Đã tiếp nhận").await;
    b.close().await;
}

async fn phone_screen(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    // A dossier of the citizen's, sent through the API, for the pages that show one.
    let proc = app.department_procedure().await;
    let code = proc["code"].as_str().unwrap().to_string();
    let token = app.login("congdan").await;
    let (status, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    assert_eq!(status, 201, "{d}");
    let dossier = d["code"].as_str().unwrap().to_string();

    // The header is one row with a menu button, which opens the menu without any script.
    let plain = Browser::open(&app, "phone-no-script", false).await;
    plain.c.set_window_size(390, 844).await.expect("a phone-sized window");
    plain.goto("/").await;
    plain.header_is_one_row().await;
    let sign_in = plain.find("details.menu a[href='/dang-nhap']").await;
    assert!(!sign_in.is_displayed().await.unwrap(), "the menu starts closed on a phone");
    plain.click("details.menu > summary").await;
    assert!(sign_in.is_displayed().await.unwrap(), "the menu button opens the menu");
    plain.close().await;

    let b = Browser::open(&app, "phone", true).await;
    b.c.set_window_size(390, 844).await.expect("a phone-sized window");
    b.goto("/").await;
    b.header_is_one_row().await;
    let mut wide = Vec::new();
    let public = [
        "/".to_string(),
        "/thu-tuc".into(),
        format!("/thu-tuc?agency={JUSTICE}"),
        format!("/thu-tuc/{code}"),
        "/tra-cuu".into(),
        "/dang-nhap".into(),
        "/dang-ky".into(),
        "/cong-khai".into(),
    ];
    for path in public {
        wide.extend(b.overflow(&path).await);
    }
    // What a phone shows, against pictures kept in the repository: the home page, with its menu
    // open, a procedure, the sign-in form.
    b.goto("/").await;
    b.looks_like("phone-home").await;
    b.click("details.menu > summary").await;
    b.looks_like("phone-home-menu").await;
    b.goto(&format!("/thu-tuc/{BIRTH}")).await;
    b.looks_like("phone-procedure").await;
    b.goto("/dang-nhap").await;
    b.looks_like("phone-sign-in").await;
    // The page asking for the code of a registration under way.
    b.goto("/dang-ky").await;
    let person = [
        ("full_name", "Đỗ Thị Hoa"),
        ("id_number", "001195000099"),
        ("phone", "0977000999"),
        ("email", "hoa@example.vn"),
        ("password", "Hoa mai nở sớm bên suối 2026"),
    ];
    for (field, value) in person {
        b.find(&format!("#f-{field}")).await.send_keys(value).await.unwrap();
    }
    b.click("form[action='/dang-ky'] button[type=submit]").await;
    wide.extend(b.overflow("/dang-ky/xac-nhan").await);
    b.sign_in("congdan", "/ho-so").await;
    for path in ["/ho-so".to_string(), format!("/nop/{code}"), format!("/ho-so/{dossier}")] {
        wide.extend(b.overflow(&path).await);
    }
    b.sign_out().await;
    b.sign_in("tiepnhan", "/can-bo").await;
    for path in [
        "/can-bo".to_string(),
        "/can-bo?scope=agency".into(),
        format!("/ho-so/{dossier}"),
        "/tai-khoan/xac-thuc-hai-lop".into(),
    ] {
        wide.extend(b.overflow(&path).await);
    }
    // The steering dashboard with its charts, a unit's, and the dossiers behind a figure.
    b.sign_out().await;
    b.sign_in("dieuhanh", "/bao-cao/chi-so").await;
    for path in [
        "/bao-cao/chi-so".to_string(),
        format!("/bao-cao/chi-so?don_vi={JUSTICE}"),
        "/bao-cao/chi-so/ho-so?tu=2026-01-01&den=2026-12-31&chi_so=2.1".into(),
    ] {
        wide.extend(b.overflow(&path).await);
    }
    assert!(wide.is_empty(), "pages scroll sideways on a phone:\n{}", wide.join("\n"));
    b.close().await;
}

/// What a visitor of a provincial public-service portal expects around every page, on a phone:
/// the portal's official name and emblem in a one-row header, the service centre's address,
/// hotline, e-mail and hours with the main links in the footer, breadcrumbs on inner pages
/// (only the way back shown on a phone), and a procedure page with the whole catalogue entry and
/// its blank form to print. In Vietnamese and in English.
async fn portal_frame(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (status, d) = app.post_multipart("/api/v1/dossiers", Some(&token), submission(&proc, &answers(&proc))).await;
    assert_eq!(status, 201, "{d}");
    let dossier = d["code"].as_str().unwrap().to_string();

    let b = Browser::open(&app, "portal-frame", true).await;
    b.c.set_window_size(390, 844).await.expect("a phone-sized window");
    b.step("the header and the footer of the home page");
    b.goto("/").await;
    b.header_is_one_row().await;
    assert_eq!(b.text_of("header.site .portal-name").await, "Cổng Dịch vụ công tỉnh Lào Cai");
    assert!(b.find("header.site img.emblem").await.is_displayed().await.unwrap(), "the emblem is shown");
    let title = b.c.title().await.unwrap();
    assert!(title.ends_with("— Cổng Dịch vụ công tỉnh Lào Cai"), "{title}");
    assert_eq!(b.text_of("#footer-centre").await, "Trung tâm Phục vụ hành chính công tỉnh Lào Cai");
    assert!(b.text_of("#footer-address").await.contains("phường Lào Cai, tỉnh Lào Cai"));
    assert_eq!(b.text_of("#footer-hotline a[href='tel:18000000']").await, "1800 0000");
    assert_eq!(
        b.text_of("#footer-email a[href='mailto:dichvucong@laocai.example']").await,
        "dichvucong@laocai.example"
    );
    assert!(b.text_of("#footer-hours").await.starts_with("Sáng 7:30–11:30, chiều 13:30–17:00"));
    for link in ["/thu-tuc", "/tra-cuu", "/gop-y", "/cong-khai"] {
        b.find(&format!("footer.site nav[aria-label='Liên kết chính'] a[href='{link}']")).await;
    }
    assert!(b.c.find(Locator::Css("nav.crumbs")).await.is_err(), "the home page has no breadcrumbs");

    b.step("the procedure page: breadcrumbs and the whole catalogue entry");
    assert_eq!(b.overflow(&format!("/thu-tuc/{BIRTH}")).await, None, "the procedure page fits a phone");
    b.crumbs_on_a_phone("/thu-tuc", "Đăng ký khai sinh").await;
    assert!(b.text_of("#procedure-applicants").await.starts_with("Cha, mẹ, ông, bà"));
    assert_eq!(b.text_of("#procedure-time").await, "1 ngày làm việc");
    assert!(b.text_of("#procedure-fee").await.contains("Miễn lệ phí"));
    assert!(b.text_of("#procedure-result").await.starts_with("Giấy khai sinh"));
    assert_eq!(b.c.find_all(Locator::Css("#trinh-tu ol li")).await.unwrap().len(), 4, "four steps");
    let ways = b.text_of("#cach-thuc").await;
    assert!(["Trực tiếp", "Trực tuyến", "Qua dịch vụ bưu chính công ích"].iter().all(|w| ways.contains(w)), "{ways}");
    assert_eq!(b.c.find_all(Locator::Css("#thanh-phan tbody tr")).await.unwrap().len(), 3, "three documents");
    assert!(b.text_of("#dieu-kien").await.contains("nơi cư trú của người cha hoặc người mẹ"));
    assert!(b.text_of("#can-cu").await.contains("Luật Hộ tịch số 60/2014/QH13"));
    assert!(b.text_of("#mau-don").await.contains("Tờ khai đăng ký khai sinh"));

    b.step("the blank form, to print");
    b.click("#blank-form").await;
    b.find("#blank-form-title").await;
    b.check_accessibility().await;
    assert!(b.text_of("#blank-form-title").await.starts_with("Tờ khai đăng ký khai sinh"));
    let questions = b.c.find_all(Locator::Css(".blank-fields li")).await.unwrap();
    assert_eq!(questions.len(), 8, "every question of the online form");
    assert!(questions[0].text().await.unwrap().starts_with("Họ, chữ đệm và tên của trẻ"));
    assert_eq!(b.c.find_all(Locator::Css(".blank-documents li")).await.unwrap().len(), 3);

    b.step("breadcrumbs of the other inner pages");
    b.goto("/tra-cuu").await;
    b.crumbs_on_a_phone("/", "Tra cứu hồ sơ").await;
    b.goto("/gop-y").await;
    b.crumbs_on_a_phone("/", "Góp ý, phản ánh").await;
    b.sign_in("congdan", "/ho-so").await;
    b.crumbs_on_a_phone("/", "Hồ sơ của tôi").await;
    for (path, up, here) in [
        (format!("/ho-so/{dossier}"), "/ho-so".to_string(), dossier.clone()),
        (format!("/nop/{BIRTH}"), format!("/thu-tuc/{BIRTH}"), "Nộp hồ sơ trực tuyến".to_string()),
        ("/tai-khoan/mat-khau".to_string(), "/tai-khoan/phien".to_string(), "Đổi mật khẩu".to_string()),
        ("/tai-khoan/phien".to_string(), "/".to_string(), "Phiên đăng nhập".to_string()),
    ] {
        assert_eq!(b.overflow(&path).await, None);
        b.crumbs_on_a_phone(&up, &here).await;
    }

    b.step("in English");
    b.goto(&format!("/ngon-ngu?lang=en&next=/thu-tuc/{BIRTH}")).await;
    b.wait_path(&format!("/thu-tuc/{BIRTH}")).await;
    assert_eq!(b.text_of("header.site .portal-name").await, "Lao Cai Province Public Service Portal");
    assert!(b.text_of("#footer-hours").await.starts_with("7:30–11:30 and 13:30–17:00"));
    assert!(b.text_of("#trinh-tu").await.contains("civil-status officer"));
    b.crumbs_on_a_phone("/thu-tuc", "Birth registration").await;
    b.close().await;
}

/// The text typed into text fields.
const TEXT_ANSWER: &str = "Nguyễn Văn Á — đường Trần Hưng Đạo";

/// The value a field should hold once filled, as the browser reports it.
fn answer_for(f: &Value) -> String {
    match f["type"].as_str().unwrap_or("text") {
        "number" => "2".into(),
        "date" => "1990-05-17".into(),
        "select" => f["options"][0]["value"].as_str().expect("an option").into(),
        "checkbox" => "true".into(),
        "email" => "nguyen.van.a@example.vn".into(),
        "phone" => "0912345678".into(),
        _ => TEXT_ANSWER.into(),
    }
}

/// The procedure's definition from the JSON API.
async fn definition(app: &TestApp, code: &str) -> Value {
    let (status, proc) = app.get(&format!("/api/v1/procedures/{code}"), None).await;
    assert_eq!(status, 200, "procedure {code}: {proc}");
    proc
}

fn documents(proc: &Value) -> Vec<String> {
    proc["required_documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["key"].as_str().unwrap().into())
        .collect()
}

/// Writes a small PDF named after `tag` and gives its absolute path.
/// The judicial record certificate: led by the provincial police, who ask the department of
/// justice's opinion (demo workflow).
const JUDICIAL_RECORD: &str = "3.000333";

async fn a_two_agency_procedure_with_a_consultation_a_supplement_and_a_reschedule(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = Browser::open(&app, "two-agency", true).await;
    let files = b.dir.join("files");

    // The administrator reviews the workflow: the first step asks Sở Tư pháp's opinion; they
    // shorten the second step to one working day and save a new version.
    b.sign_in("quantri", "/can-bo").await;
    b.goto(&format!("/quan-tri/quy-trinh/{JUDICIAL_RECORD}")).await;
    let consulted = b.find("#f-s0_c0_agency").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(consulted, JUSTICE, "the first step consults the department of justice");
    let amount = b.find("#f-s1_amount").await;
    amount.clear().await.unwrap();
    amount.send_keys("1").await.unwrap();
    b.click("#workflow-save").await;
    b.wait_path(&format!("/quan-tri/quy-trinh/{JUDICIAL_RECORD}?luu=1")).await;
    b.find("#flash").await;
    b.sign_out().await;

    // A citizen applies online.
    let proc = definition(&app, JUDICIAL_RECORD).await;
    b.sign_in("congdan", "/ho-so").await;
    b.goto(&format!("/nop/{JUDICIAL_RECORD}")).await;
    b.fill_application(&proc, &files, None).await;
    b.click("#continue").await;
    b.click("#submit-application").await;
    let dossier = b.find("#dossier-code").await.text().await.unwrap().trim().to_string();
    b.sign_out().await;

    // The desk receives; the police specialist finds the opinion awaited and cannot finish the
    // step, and asks the applicant for everything missing at once.
    // The fee is due before processing: the desk receives and takes it in cash.
    b.sign_in("tiepnhan", "/can-bo").await;
    b.act_from_queue(&dossier, "receive", None, "Chờ thực hiện nghĩa vụ tài chính").await;
    b.click("#action-pay button[type=submit]").await;
    b.wait_path(&format!("/ho-so/{dossier}?xong=pay")).await;
    b.wait_text("#dossier-status", "Đã tiếp nhận").await;
    assert!(b.text_of("#fee-status").await.contains("Đã thanh toán"));
    b.sign_out().await;
    b.sign_in("cv20h38", "/can-bo").await;
    b.goto(&format!("/ho-so/{dossier}")).await;
    assert!(b.text_of("#consultations").await.contains("Đang chờ ý kiến"));
    assert!(b.c.find(Locator::Css("#action-forward")).await.is_err(), "the step waits for the opinion");
    b.act_from_queue(&dossier, "request_supplement", None, "Yêu cầu bổ sung").await;
    b.sign_out().await;

    // The applicant supplies the missing document from the portal.
    b.sign_in("congdan", "/ho-so").await;
    b.goto(&format!("/ho-so/{dossier}")).await;
    let key = documents(&proc)[0].clone();
    let form = b.find("#action-supplement").await;
    let input = form.find(Locator::Css(&format!("#sup-{key}"))).await.expect("a file input per document");
    input.send_keys(write_pdf(&files, "bo-sung").to_str().unwrap()).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait_path(&format!("/ho-so/{dossier}?xong=supplement")).await;
    b.wait_text("#dossier-status", "Đã tiếp nhận").await;
    b.sign_out().await;

    // The department of justice gives its opinion from its "opinions asked" list.
    b.sign_in("chuyenvien", "/can-bo").await;
    b.goto("/can-bo?scope=consulted").await;
    b.click(&format!("table.dossiers a[href='/ho-so/{dossier}']")).await;
    b.wait_path(&format!("/ho-so/{dossier}")).await;
    let answer = b.find("form[id^='answer-'] textarea").await;
    answer.send_keys("Không có án tích trong cơ sở dữ liệu lý lịch tư pháp.").await.unwrap();
    b.click("form[id^='answer-'] button[type=submit]").await;
    b.wait_path(&format!("/ho-so/{dossier}?xong=answer_consultation")).await;
    assert!(b.text_of("#consultations").await.contains("Đã có ý kiến"));
    b.sign_out().await;

    // The police specialist reschedules once with an apology, then hands over.
    b.sign_in("cv20h38", "/can-bo").await;
    b.goto(&format!("/ho-so/{dossier}")).await;
    let (_, d) = app.get(&format!("/api/v1/dossiers/{dossier}"), Some(&app.login("cv20h38").await)).await;
    let due: String = url::form_urlencoded::byte_serialize(d["due_at"].as_str().unwrap().as_bytes()).collect();
    let (_, later) = app.get(&format!("/api/v1/calendar/due?from={due}&amount=2&unit=working_days"), None).await;
    let new_day = later["due_at"].as_str().unwrap()[..10].to_string();
    let form = b.find("#action-reschedule").await;
    form.find(Locator::Css("textarea[name=note]")).await.unwrap().send_keys("Chờ xác minh thêm").await.unwrap();
    let date = form.find(Locator::Css("#due-reschedule")).await.unwrap();
    b.type_date(&date, &new_day).await;
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    b.wait_path(&format!("/ho-so/{dossier}?xong=reschedule")).await;
    assert!(b.find("#forms").await.text().await.unwrap().contains("Phiếu xin lỗi"));
    b.act_from_queue(&dossier, "forward", None, "Đang xử lý").await;
    b.act_from_queue(&dossier, "forward", None, "Đang xử lý").await;

    // The apology prints as a PDF with the session.
    let (status, apology) = b.download(&app, &format!("/ho-so/{dossier}/bieu-mau/xin-loi")).await;
    assert_eq!(status, 200);
    assert!(apology.starts_with(b"%PDF-"));
    b.sign_out().await;

    // The police leader signs; the desk returns the result.
    b.sign_in("ld20h38", "/can-bo").await;
    b.act_from_queue(&dossier, "issue_result", Some(&write_pdf(&files, "phieu-lltp")), "Đã có kết quả").await;
    b.sign_out().await;
    b.sign_in("tiepnhan", "/can-bo").await;
    b.act_from_queue(&dossier, "return_result", None, RETURNED).await;
    let history = b.text_of("#history").await;
    for what in
        ["Tiếp nhận", "Yêu cầu bổ sung", "Bổ sung hồ sơ", "Cho ý kiến", "Hẹn lại ngày trả kết quả", "Trả kết quả"]
    {
        assert!(history.contains(what), "{what} in {history}");
    }
    b.close().await;
}

/// Level 4: a citizen completes a full-process online procedure without paper. They apply for a
/// judicial record certificate reusing a document from their store, see the fee for their
/// answers, pay at the (sandbox) gateway, are told of each step in the portal, receive the signed
/// result, check it on the public verification page by code and by uploading the file, and rate
/// the service. The officers' part goes through the API.
async fn a_full_process_online_procedure_without_paper(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = definition(&app, JUDICIAL_RECORD).await;
    let citizen = app.login("congdan").await;
    // The worker that tells the applicant of each change (e-mail to the log here; delivery over
    // SMTP has its own tests).
    let worker = app.notify_worker(
        motcua_app::jobs::mail::Mailer::log_only(),
        std::sync::Arc::new(motcua_app::jobs::sms::LogSms::default()),
        motcua_app::jobs::notify::Templates::default(),
        motcua_app::jobs::worker::WorkerConfig { idle_poll: Duration::from_millis(50), ..Default::default() },
    );

    // An earlier dossier left a document in the citizen's store.
    let (_, certified) = app.get("/api/v1/procedures/2.000815", None).await;
    let earlier = submission(&certified, &answers(&certified));
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), earlier).await;
    assert_eq!(s, 201, "{d}");
    let stored = d["attachments"][0]["id"].as_str().unwrap().to_string();

    let b = Browser::open(&app, "level-4", true).await;
    let files = b.dir.join("files");
    b.sign_in("congdan", "/ho-so").await;
    b.goto(&format!("/nop/{JUDICIAL_RECORD}")).await;
    assert!(b.text_of("#fee-schedule").await.contains("100.000"), "the fee schedule is shown");
    b.fill_answers(&proc, None).await;
    b.find("#f-doi_tuong_phi").await.select_by_value("giam").await.expect("a student's reduced fee");
    for key in documents(&proc).into_iter().filter(|k| k != "giay_to_mien_giam_phi") {
        let input = b.find(&format!("input[type=file][name='d_{key}']#f-{key}")).await;
        input.send_keys(write_pdf(&files, &key).to_str().unwrap()).await.expect("choose a file");
    }
    // "Only once": the proof of the reduction is picked from the store instead of uploaded.
    b.find("#r-giay_to_mien_giam_phi").await.select_by_value(&stored).await.expect("pick from the store");
    b.click("#continue").await;
    let fee = motcua_app::present::show_money(100_000);
    assert_eq!(b.text_of("#fee-total").await, fee, "the fee for these answers, before submitting");
    b.click("#submit-application").await;
    let dossier = b.find("#dossier-code").await.text().await.unwrap().trim().to_string();

    // The page opens with the next step, paying, its button in it, above the fees.
    let next = b.find("#next-step").await;
    assert_eq!(next.attr("data-step").await.unwrap().as_deref(), Some("pay"));
    let next_y = next.rectangle().await.expect("where the next step is").1;
    let fee_y = b.find("#fee").await.rectangle().await.expect("where the fees are").1;
    assert!(next_y < fee_y, "the next step ({next_y}) comes before the fees ({fee_y})");
    b.find("#next-step #action-pay button[type=submit]").await;

    // Paying at the gateway and coming back.
    b.click("#action-pay button[type=submit]").await;
    b.wait_url("the payment gateway", |u| u.path() == "/cong-thanh-toan-thu/thanh-toan").await;
    assert_eq!(b.text_of("#sandbox-amount").await, fee);
    b.click("#sandbox-pay").await;
    b.wait_url("the return page", |u| u.path() == "/thanh-toan/ket-qua").await;
    let outcome = b.find("#payment-outcome").await;
    assert_eq!(outcome.attr("data-outcome").await.unwrap().as_deref(), Some("paid"));
    b.click("#back-to-dossier").await;
    b.wait_path(&format!("/ho-so/{dossier}")).await;
    assert!(b.text_of("#fee-status").await.contains("Đã thanh toán"));
    b.find("#fee-receipt-link").await;

    // The officers process it: reception, the opinion of the department of justice, the police
    // appraisal and the leader's signed result, returned online.
    let act = |token: String, action: &'static str| {
        let (app, dossier) = (&app, dossier.clone());
        async move {
            let (s, d) = app
                .post_json(&format!("/api/v1/dossiers/{dossier}/actions"), Some(&token), json!({"action": action}))
                .await;
            assert_eq!(s, 200, "{action}: {d}");
            d
        }
    };
    let d = act(app.login("tiepnhan").await, "receive").await;
    assert_eq!(d["status"], "received", "paid ahead: straight into processing");
    let reused =
        d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == "giay_to_mien_giam_phi").unwrap().clone();
    assert_eq!(
        (reused["reused"].as_bool(), reused["from_citizen_store"].as_bool()),
        (Some(true), Some(true)),
        "{reused}"
    );
    let justice = app.login("chuyenvien").await;
    let cid = d["consultations"][0]["id"].as_i64().expect("an opinion asked");
    let (s, _) = app
        .post_json(
            &format!("/api/v1/dossiers/{dossier}/consultations/{cid}/answer"),
            Some(&justice),
            json!({"answer": "Không có án tích."}),
        )
        .await;
    assert_eq!(s, 200);
    let police = app.login("cv20h38").await;
    act(police.clone(), "forward").await;
    act(police, "forward").await;
    let form = Form::new()
        .text("action", "issue_result")
        .part("result", Part::bytes(pdf("phieu-lltp")).file_name("phieu-lltp.pdf"));
    let (s, d) = app
        .post_multipart(&format!("/api/v1/dossiers/{dossier}/actions"), Some(&app.login("ld20h38").await), form)
        .await;
    assert_eq!(s, 200, "{d}");
    act(app.login("tiepnhan").await, "return_result").await;

    // Told at each step in the portal.
    let deadline = Instant::now() + PATIENCE;
    loop {
        b.goto("/thong-bao").await;
        let told = b.body_text().await;
        let missing: Vec<_> = ["đã được tiếp nhận", "đã có kết quả điện tử", "đã được trả"]
            .into_iter()
            .filter(|w| !told.contains(w) || !told.contains(&dossier))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "not told of {missing:?}: {told}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The result is in the account and in the store; its code opens the public verification.
    b.goto(&format!("/ho-so/{dossier}")).await;
    assert_eq!(b.text_of("#dossier-status").await, RETURNED);
    let code = b.text_of("#verification-code").await;
    let url = b.find("#result-link").await.attr("href").await.unwrap().unwrap();
    let (_, result) = b.download(&app, &url).await;
    assert!(result.starts_with(b"%PDF"));
    b.goto("/kho-giay-to").await;
    assert!(b.text_of("#store").await.contains(&format!("ket-qua-{dossier}.pdf")));
    b.sign_out().await;

    // Anyone checks it: by code, then by uploading the file received.
    b.goto("/xac-thuc").await;
    b.find("#f-code").await.send_keys(&code).await.unwrap();
    b.click("form[action='/xac-thuc'][method='get'] button[type=submit]").await;
    b.find("#verdict-authentic").await;
    assert_eq!(b.text_of("#verify-code").await, code);
    b.goto("/xac-thuc").await;
    let path = files.join("received.pdf");
    std::fs::write(&path, &result).unwrap();
    b.find("#f-file").await.send_keys(path.to_str().unwrap()).await.unwrap();
    b.click("form[enctype='multipart/form-data'] button[type=submit]").await;
    b.find("#verdict-authentic").await;

    // And rates the service.
    b.sign_in("congdan", "/ho-so").await;
    b.goto(&format!("/ho-so/{dossier}")).await;
    for c in ["overall", "timeliness", "convenience", "attitude"] {
        b.click(&format!("input[name='{c}'][value='very_satisfied']")).await;
    }
    b.find("#f-comment").await.send_keys("Không phải đến cơ quan lần nào.").await.unwrap();
    b.click("#rating-submit").await;
    b.wait_path(&format!("/ho-so/{dossier}?xong=rate")).await;
    assert!(b.body_text().await.contains("Không phải đến cơ quan lần nào."));
    b.close().await;
    worker.stop().await;
}

fn write_pdf(dir: &Path, tag: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("folder for files");
    let path = dir.join(format!("{tag}.pdf"));
    std::fs::write(&path, pdf(tag)).expect("write a PDF");
    path
}

/// Chooses a file for every document of the form.
async fn attach_documents(b: &Browser, proc: &Value, files: &Path) {
    for key in documents(proc) {
        let input = b.find(&format!("input[type=file][name='d_{key}']#f-{key}")).await;
        input.send_keys(write_pdf(files, &key).to_str().expect("a UTF-8 path")).await.expect("choose a file");
        let chosen = input.prop("value").await.unwrap().unwrap_or_default();
        assert!(chosen.ends_with(&format!("{key}.pdf")), "{key}: {chosen}");
    }
}

/// chromedriver on a free port, in its own process group with the browsers it starts; the whole
/// group is killed when this is dropped, also when a test panics.
struct ChromeDriver {
    child: Child,
    url: String,
}

impl ChromeDriver {
    async fn start(log: &Path) -> ChromeDriver {
        let exe = std::env::var("MOTCUA_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let mut cmd = Command::new(&exe);
        cmd.arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "cannot start `{exe}` ({e}). The browser tests drive headless Chromium through WebDriver: \
                 install Debian's packages `chromium` and `chromium-driver` (apt-get install chromium chromium-driver)"
            )
        });
        let mut driver = ChromeDriver { child, url: format!("http://127.0.0.1:{port}") };
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build().unwrap();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = driver.child.try_wait().expect("chromedriver's state") {
                panic!("`{exe}` stopped at start ({status}); its log: {}", log.display());
            }
            if let Ok(res) = http.get(format!("{}/status", driver.url)).send().await {
                if res.json::<Value>().await.is_ok_and(|v| v["value"]["ready"] == true) {
                    return driver;
                }
            }
            assert!(Instant::now() < deadline, "`{exe}` did not answer on port {port}; its log: {}", log.display());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One Chromium with its own profile, pointed at the test application.
struct Browser {
    c: Client,
    base: String,
    /// A folder of this browser for its profile, logs and the files it uploads.
    dir: PathBuf,
    started: Instant,
    /// Whether it runs scripts: axe-core runs only where it does (a browser without JavaScript
    /// runs none, not even the checker).
    javascript: bool,
    /// The pages axe-core has checked already (address with its query).
    checked: std::sync::Mutex<std::collections::HashSet<String>>,
    _driver: ChromeDriver,
}

/// axe-core (npm), the accessibility checker no one here wrote: `MOTCUA_AXE_JS` (scripts/test.sh
/// installs it), or None (no check) outside CI, like the signature validators.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| match std::env::var("MOTCUA_AXE_JS").ok().and_then(|p| std::fs::read_to_string(p).ok()) {
            Some(source) => Some(source),
            None if std::env::var_os("CI").is_some() => {
                panic!("axe-core is missing (MOTCUA_AXE_JS); scripts/test.sh installs it")
            }
            None => {
                eprintln!("skipped: the accessibility checks (set MOTCUA_AXE_JS to axe.min.js)");
                None
            }
        })
        .as_deref()
}

impl Browser {
    async fn open(app: &TestApp, name: &str, javascript: bool) -> Browser {
        let chromium = std::env::var("MOTCUA_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            Path::new(&chromium).exists(),
            "{chromium} is missing: install Debian's packages `chromium` and `chromium-driver`"
        );
        let dir = app.db.dir.path().join(format!("browser-{name}"));
        std::fs::create_dir_all(dir.join("profile")).expect("profile folder");
        let driver = ChromeDriver::start(&dir.join("chromedriver.log")).await;
        let mut prefs = json!({ "intl.accept_languages": "vi-VN,vi" });
        if !javascript {
            prefs["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--disable-quic".into(),
            "--lang=vi-VN".into(),
            "--window-size=1280,1000".into(),
            format!("--user-data-dir={}", dir.join("profile").display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args, "prefs": prefs },
        });
        let caps = caps.as_object().unwrap().clone();
        // chromedriver speaks plain HTTP on this machine: no TLS in between.
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("Chromium did not start through chromedriver ({e}); log in {}", dir.display()));
        Browser {
            c,
            base: app.base.clone(),
            dir,
            started: Instant::now(),
            javascript,
            checked: Default::default(),
            _driver: driver,
        }
    }

    /// Ends the session (closing Chromium); the driver goes when dropped.
    async fn close(self) {
        let Browser { c, _driver, .. } = self;
        let _ = tokio::time::timeout(PATIENCE, c.close()).await;
    }

    /// Notes progress (shown when a test fails).
    fn step(&self, what: &str) {
        eprintln!("[{:>6.2}s] {what}", self.started.elapsed().as_secs_f64());
    }

    async fn goto(&self, path: &str) {
        self.c.goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
        self.check_accessibility().await;
    }

    /// Runs axe-core on the page shown (once per address and browser), against WCAG 2.1 A and
    /// AA, and fails on any violation, naming the rule and the elements.
    async fn check_accessibility(&self) {
        let Some(source) = axe_source().filter(|_| self.javascript) else { return };
        let Ok(url) = self.c.current_url().await else { return };
        if url.scheme() != "http" || !self.checked.lock().unwrap().insert(url.to_string()) {
            return;
        }
        self.step(&format!("axe-core checks {url}"));
        self.c.execute(&format!("{source}\n;return true;"), vec![]).await.expect("load axe-core");
        let script = "const done = arguments[arguments.length - 1]; \
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }) \
              .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + \
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))) \
              .catch(e => done(['axe failed: ' + e]));";
        let found = self.c.execute_async(script, vec![]).await.expect("run axe-core");
        let violations: Vec<String> = serde_json::from_value(found).unwrap_or_default();
        assert!(violations.is_empty(), "accessibility violations at {url}:\n{}", violations.join("\n"));
    }

    /// Opens the page and tells whether it is wider than the window (it would scroll sideways).
    async fn overflow(&self, path: &str) -> Option<String> {
        self.goto(path).await;
        self.find("footer.site").await;
        // The page's width, the window's, and the innermost elements reaching past the window.
        let script = "const w = window.innerWidth; \
            const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w); \
            const leaves = out.filter(e => !out.some(o => o !== e && e.contains(o))); \
            return [document.documentElement.scrollWidth, w, \
                leaves.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))];";
        let size = self.c.execute(script, vec![]).await.expect("measure the page");
        let (scroll, inner) = (size[0].as_u64().unwrap(), size[1].as_u64().unwrap());
        assert!(inner <= 400, "the window is phone-sized: {inner}px");
        (scroll > inner).then(|| format!("{path}: {scroll}px wide in {inner}px, past the edge: {}", size[2]))
    }

    /// Compares the window's picture of the page shown with its reference,
    /// `tests/screenshots/NAME.png`: the same size, and at most 2 % of the pixels off by more
    /// than a faint shade. Antialiasing and a changed date stay within that; a header on two
    /// rows, a lost style sheet or a shifted layout do not. `MOTCUA_UPDATE_SCREENSHOTS=1` writes
    /// the references anew (look at them before committing); the picture taken is kept in the
    /// build's temporary folder either way, named in a failure.
    async fn looks_like(&self, name: &str) {
        self.step(&format!("the picture of {name}"));
        let settle = "const done = arguments[arguments.length - 1]; \
            document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); \
            document.fonts.ready.then(() => requestAnimationFrame(() => done(true)));";
        self.c.execute_async(settle, vec![]).await.expect("the page settles");
        let png = self.c.screenshot().await.expect("a screenshot");
        let taken = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots").join(format!("{name}.png"));
        std::fs::create_dir_all(taken.parent().unwrap()).unwrap();
        std::fs::write(&taken, &png).unwrap();
        let reference = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/screenshots").join(format!("{name}.png"));
        if std::env::var_os("MOTCUA_UPDATE_SCREENSHOTS").is_some() {
            std::fs::write(&reference, &png).unwrap();
            return;
        }
        let expected = std::fs::read(&reference).unwrap_or_else(|e| {
            panic!("{}: {e}; MOTCUA_UPDATE_SCREENSHOTS=1 writes it from this run", reference.display())
        });
        let got = image::load_from_memory(&png).expect("Chromium's PNG").to_rgb8();
        let want = image::load_from_memory(&expected).expect("the reference PNG").to_rgb8();
        assert_eq!(got.dimensions(), want.dimensions(), "{name}: the picture's size (taken: {})", taken.display());
        let off = got
            .pixels()
            .zip(want.pixels())
            .filter(|(a, b)| a.0.iter().zip(b.0.iter()).any(|(x, y)| x.abs_diff(*y) > 48))
            .count();
        let share = off as f64 / f64::from(got.width() * got.height());
        assert!(
            share <= 0.02,
            "{name} looks different: {:.1} % of the pixels differ from {} (taken: {})",
            share * 100.0,
            reference.display(),
            taken.display()
        );
    }

    /// Whether the browser runs scripts, checked with a page that says so.
    async fn assert_javascript(&self, on: bool) {
        let probe = "<!doctype html><body><noscript><p id=no-js>off</p></noscript>\
                     <script>document.body.append(Object.assign(document.createElement('p'),{id:'js-on'}))</script>";
        let url: String = url::form_urlencoded::byte_serialize(probe.as_bytes()).collect();
        self.c.goto(&format!("data:text/html,{}", url.replace('+', "%20"))).await.expect("open the probe");
        let ran = self.c.find(Locator::Id("js-on")).await.is_ok();
        let noscript = self.c.find(Locator::Id("no-js")).await.is_ok();
        assert_eq!((ran, noscript), (on, !on), "JavaScript should be {}", if on { "on" } else { "off" });
    }

    /// The text of the page, for failure messages.
    async fn body_text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no page: {e})"),
        }
    }

    /// What went wrong, where the browser is and what the page says.
    async fn report(&self, what: &str) -> String {
        let url = self.c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let text = self.body_text().await;
        format!("{what}, within {PATIENCE:?}, at {url}; the page says:\n{text}")
    }

    /// The element, once it is there.
    async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                return e;
            }
            if Instant::now() > deadline {
                panic!("{}", self.report(&format!("no `{css}`")).await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_else(|e| panic!("text of `{css}`: {e}")).trim().to_string()
    }

    /// Waits until the browser is at `path` (a path, or a path with its query) and the page is
    /// there.
    async fn wait_path(&self, path: &str) {
        self.wait_url(path, |url| {
            let here = match url.query() {
                Some(q) if path.contains('?') => format!("{}?{q}", url.path()),
                _ => url.path().to_string(),
            };
            here == path
        })
        .await
    }

    /// Waits until the address is as `ok` wants and the page is there.
    async fn wait_url(&self, what: &str, ok: impl Fn(&url::Url) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(url) = self.c.current_url().await {
                if ok(&url) && self.c.find(Locator::Css("footer.site")).await.is_ok() {
                    self.check_accessibility().await;
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!("{}", self.report(&format!("not at {what}")).await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `css` says `want`.
    async fn wait_text(&self, css: &str, want: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await {
                if e.text().await.is_ok_and(|t| t.trim() == want) {
                    return;
                }
            }
            if Instant::now() > deadline {
                panic!("{}", self.report(&format!("`{css}` does not say {want:?}")).await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs in through the sign-in page and waits to land on `home`.
    async fn sign_in(&self, user: &str, home: &str) {
        self.step(&format!("{user} signs in"));
        self.goto("/dang-nhap").await;
        self.sign_in_here(user).await;
        self.wait_path(home).await;
        self.find("form[action='/dang-xuat']").await;
    }

    /// Fills and sends the sign-in form shown.
    async fn sign_in_here(&self, user: &str) {
        self.find("#f-username").await.send_keys(user).await.unwrap();
        self.find("#f-password").await.send_keys("demo").await.unwrap();
        self.click("form[action='/dang-nhap'] button[type=submit]").await;
    }

    /// Signs in with the sign-in page's VNeID button, as `login` at the provider (its forgotten
    /// session first: every cookie of the host goes), and waits to land on the citizen's dossiers.
    async fn sign_in_through_provider(&self, login: &str) {
        self.goto("/dang-nhap").await;
        self.c.delete_all_cookies().await.expect("forget the cookies");
        self.goto("/dang-nhap").await;
        self.click("#provider-vneid").await;
        self.find("input[name=login]").await.send_keys(login).await.unwrap();
        self.find("input[name=password]").await.send_keys("any").await.unwrap();
        self.click("button.login-submit").await;
        self.wait_path("/ho-so").await;
        self.find("form[action='/dang-xuat']").await;
    }

    async fn sign_out(&self) {
        self.open_menu().await;
        // The header's links are there twice: in the menu for phones and in the header for wide
        // screens, one of them shown.
        let buttons = self.c.find_all(Locator::Css("form[action='/dang-xuat'] button[type=submit]")).await.unwrap();
        let mut clicked = false;
        for button in buttons {
            if button.is_displayed().await.unwrap_or(false) {
                button.click().await.expect("sign out");
                clicked = true;
                break;
            }
        }
        assert!(clicked, "{}", self.report("no sign-out button shown").await);
        self.wait_path("/").await;
        self.find("header.site a[href='/dang-nhap']").await;
    }

    /// The page's breadcrumbs on a phone: a landmark named in the page's language, one short
    /// line showing only the way back (`up`), and this page (`here`) marked as the current one
    /// for assistive technology, though not shown.
    async fn crumbs_on_a_phone(&self, up: &str, here: &str) {
        let nav = self.find("nav.crumbs").await;
        let label = nav.attr("aria-label").await.unwrap().unwrap_or_default();
        assert!(label == "Vị trí trang" || label == "Breadcrumb", "{label}");
        let back = self.find("nav.crumbs li.up a").await;
        assert_eq!(back.attr("href").await.unwrap().as_deref(), Some(up));
        assert!(back.is_displayed().await.unwrap(), "the way back is shown");
        let current = self.find("nav.crumbs li[aria-current='page']").await;
        assert_eq!(current.prop("textContent").await.unwrap().unwrap_or_default().trim(), here);
        assert!(!current.is_displayed().await.unwrap(), "a phone shows only the way back");
        let shown = self.c.find_all(Locator::Css("nav.crumbs li")).await.unwrap();
        let mut visible = 0;
        for li in shown {
            visible += usize::from(li.is_displayed().await.unwrap());
        }
        assert_eq!(visible, 1, "one step of the breadcrumbs on a phone");
        let height = self
            .c
            .execute("return document.querySelector('nav.crumbs').getBoundingClientRect().height;", vec![])
            .await
            .expect("measure the breadcrumbs");
        assert!(height.as_f64().unwrap() <= 40.0, "the breadcrumbs take {height} px on a phone");
    }

    /// The site's header takes one row: the name and the menu button, no taller than 80 px.
    async fn header_is_one_row(&self) {
        let height = self
            .c
            .execute("return document.querySelector('header.site').getBoundingClientRect().height;", vec![])
            .await
            .expect("measure the header");
        assert!(height.as_f64().unwrap() <= 80.0, "the header is {height} px tall on a phone");
    }

    /// Opens the header's menu when it is a button (a phone-sized window).
    async fn open_menu(&self) {
        let button = self.find("details.menu > summary").await;
        if button.is_displayed().await.unwrap_or(false)
            && self.find("details.menu").await.attr("open").await.ok().flatten().is_none()
        {
            button.click().await.expect("open the menu");
        }
    }

    /// Types a date into a date input, in whichever order of day, month and year the browser's
    /// locale shows, and checks the value it will send.
    async fn type_date(&self, input: &Element, iso: &str) {
        let (y, rest) = iso.split_once('-').unwrap();
        let (m, d) = rest.split_once('-').unwrap();
        for keys in [format!("{d}{m}{y}"), format!("{m}{d}{y}"), format!("{y}{m}{d}")] {
            input.clear().await.ok();
            input.send_keys(&keys).await.expect("type a date");
            if input.prop("value").await.unwrap().as_deref() == Some(iso) {
                self.step(&format!("the date input took {iso} typed as {keys}"));
                return;
            }
        }
        // Some Chromium builds refuse typed digits in a date input whose segments they show in
        // another order; the value is then set as a date picker would set it.
        let set = "arguments[0].value = arguments[1]; \
                   arguments[0].dispatchEvent(new Event('change', {bubbles: true})); return arguments[0].value;";
        let element = serde_json::to_value(input).expect("the element as a script argument");
        let value = self.c.execute(set, vec![element, iso.into()]).await.expect("set the date");
        assert_eq!(value.as_str(), Some(iso), "could not enter {iso} into a date input");
        self.step(&format!("the date input took {iso} through its value"));
    }

    /// Fills every field of the application form by its type (except `skip`) and attaches a PDF
    /// for every document.
    async fn fill_application(&self, proc: &Value, files: &Path, skip: Option<&str>) {
        self.fill_answers(proc, skip).await;
        attach_documents(self, proc, files).await;
    }

    /// Fetches a file as the signed-in user of this browser (its session cookie): the status
    /// and the bytes.
    async fn download(&self, app: &TestApp, path: &str) -> (u16, Vec<u8>) {
        let session = self.c.get_named_cookie("motcua_session").await.expect("the session cookie");
        let res = app
            .http
            .get(app.url(path))
            .header("cookie", format!("motcua_session={}", session.value()))
            .send()
            .await
            .expect("download");
        (res.status().as_u16(), res.bytes().await.expect("the file").to_vec())
    }

    /// Answers every field of the form (but `skip`) with [`answer_for`].
    async fn fill_answers(&self, proc: &Value, skip: Option<&str>) {
        self.step(&format!("fill the application for {}", proc["code"]));
        for f in proc["form"].as_array().expect("form") {
            let key = f["key"].as_str().unwrap();
            let input = self.find(&format!("#f-{key}")).await;
            assert_eq!(input.attr("name").await.unwrap().as_deref(), Some(format!("a_{key}").as_str()));
            if Some(key) == skip {
                continue;
            }
            let want = answer_for(f);
            match f["type"].as_str().unwrap_or("text") {
                "select" => input.select_by_value(&want).await.expect("choose an option"),
                "checkbox" => {
                    if !input.is_selected().await.unwrap() {
                        input.click().await.expect("tick the box");
                    }
                    assert!(input.is_selected().await.unwrap(), "{key} is ticked");
                    continue;
                }
                "date" => self.type_date(&input, &want).await,
                _ => input.send_keys(&want).await.expect("type an answer"),
            }
            assert_eq!(input.prop("value").await.unwrap().unwrap_or_default(), want, "{key}");
        }
    }

    /// From the officer's queue, opens the dossier and takes the action with a note (and a
    /// file), then waits for the new status.
    async fn act_from_queue(&self, dossier: &str, action: &str, file: Option<&Path>, status: &str) {
        self.step(&format!("{action} from the queue"));
        self.goto("/can-bo").await;
        self.click(&format!("table.dossiers a[href='/ho-so/{dossier}']")).await;
        self.wait_path(&format!("/ho-so/{dossier}")).await;
        let form = self.find(&format!("#action-{action}")).await;
        let note = form.find(Locator::Css("textarea[name=note]")).await.expect("a note");
        note.send_keys(&format!("Ghi chú: {action}")).await.unwrap();
        if let Some(path) = file {
            let input = form.find(Locator::Css("input[type=file][name=result]")).await.expect("a file input");
            input.send_keys(path.to_str().unwrap()).await.expect("choose the result");
        }
        form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
        self.wait_path(&format!("/ho-so/{dossier}?xong={action}")).await;
        self.wait_text("#dossier-status", status).await;
        let page = self.body_text().await;
        assert!(page.contains(&format!("Ghi chú: {action}")), "the note is in the history: {page}");
    }
}

/// A PDF-looking file over [`SMALL_LIMIT`].
fn write_big_pdf(dir: &Path, tag: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("folder for files");
    let path = dir.join(format!("{tag}.pdf"));
    let mut bytes = pdf(tag);
    bytes.resize(SMALL_LIMIT + 1024, b' ');
    std::fs::write(&path, bytes).expect("write a big PDF");
    path
}

/// A label as the middle of a sentence: its first letter in lower case.
fn in_sentence(label: &str) -> String {
    let mut c = label.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

impl Browser {
    /// The id of the element that has the focus.
    async fn focused(&self) -> String {
        let e = self.c.active_element().await.expect("the focused element");
        e.attr("id").await.unwrap().unwrap_or_default()
    }

    /// The error summary's links, each with the element it leads to: (message, tag of the
    /// element, its id); fails when a link leads nowhere.
    async fn summary_links(&self) -> Vec<(String, String, String)> {
        let summary = self.find("#error-summary").await;
        let mut out = Vec::new();
        for a in summary.find_all(Locator::Css("a")).await.unwrap() {
            let href = a.attr("href").await.unwrap().unwrap_or_default();
            let id = href.strip_prefix('#').unwrap_or_else(|| panic!("a link within the page: {href}")).to_string();
            let target = self.c.find(Locator::Id(&id)).await.unwrap_or_else(|_| panic!("{href} leads to no field"));
            let tag = target.tag_name().await.unwrap();
            out.push((a.text().await.unwrap().trim().to_string(), tag, id));
        }
        out
    }
}

/// Without JavaScript, a file over the size limit goes to the server, which refuses it alone:
/// every answer and the other file come back, the error summary takes the focus and leads to the
/// fields, and the application goes on without choosing the kept file again.
async fn a_refused_file_keeps_the_answers_and_the_accepted_file(engine: TestEngine) {
    let app =
        TestApp::spawn_with(engine, motcua_app::Config { max_file_bytes: SMALL_LIMIT, ..Default::default() }).await;
    let proc = definition(&app, BIRTH).await;
    let b = Browser::open(&app, "refused-file", false).await;
    b.assert_javascript(false).await;
    let files = b.dir.join("files");
    b.sign_in("congdan", "/ho-so").await;
    b.goto(&format!("/nop/{BIRTH}")).await;
    b.fill_answers(&proc, Some("gioi_tinh")).await;
    b.find("#f-to_khai_khai_sinh").await.send_keys(write_pdf(&files, "to-khai").to_str().unwrap()).await.unwrap();
    b.find("#f-giay_chung_sinh").await.send_keys(write_big_pdf(&files, "giay-lon").to_str().unwrap()).await.unwrap();
    b.click("#continue").await;

    b.find("#error-summary").await;
    assert_eq!(b.focused().await, "error-summary", "the summary has the focus");
    let title = b.c.title().await.unwrap();
    assert!(title.starts_with("Lỗi: "), "{title}");
    let certificate = proc["required_documents"][1]["name"].as_str().unwrap();
    assert_eq!(
        b.summary_links().await,
        vec![
            ("Chọn giới tính".to_string(), "select".to_string(), "f-gioi_tinh".to_string()),
            (
                format!("Tệp {} phải nhỏ hơn 64 KB", in_sentence(certificate)),
                "input".into(),
                "f-giay_chung_sinh".into()
            ),
        ],
        "one message per field, in form order, each leading to its field"
    );
    assert!(b.text_of(".field.has-error:has(#f-gioi_tinh) .error-message").await.starts_with("Chọn giới tính"));
    for f in proc["form"].as_array().unwrap() {
        let key = f["key"].as_str().unwrap();
        if key != "gioi_tinh" && f["type"] != "checkbox" {
            let kept = b.find(&format!("#f-{key}")).await.prop("value").await.unwrap().unwrap_or_default();
            assert_eq!(kept, answer_for(f), "{key} is kept");
        }
    }
    assert!(b.text_of("#kept-to_khai_khai_sinh").await.contains("to-khai.pdf"), "the accepted file is kept");

    // Mended: the choice made and a smaller file chosen; the kept file goes with them.
    b.find("#f-gioi_tinh").await.select_by_value(&answer_for(&proc["form"][2])).await.unwrap();
    b.find("#f-giay_chung_sinh").await.send_keys(write_pdf(&files, "giay-chung-sinh").to_str().unwrap()).await.unwrap();
    b.click("#continue").await;
    b.find("#submit-application").await;
    let review = b.text_of("#files").await;
    assert!(review.contains("to-khai.pdf") && review.contains("giay-chung-sinh.pdf"), "{review}");
    assert!(!b.c.title().await.unwrap().starts_with("Lỗi"));
    b.close().await;
}

/// With JavaScript: a file over the limit is refused before it is uploaded; the error summary
/// takes the focus and its links move it to their field; a "change" link of the check page
/// reopens the form at its question, with the answers and files kept.
async fn the_error_summary_and_the_change_links_with_javascript(engine: TestEngine) {
    let app =
        TestApp::spawn_with(engine, motcua_app::Config { max_file_bytes: SMALL_LIMIT, ..Default::default() }).await;
    let proc = definition(&app, BIRTH).await;
    let b = Browser::open(&app, "change-links", true).await;
    let files = b.dir.join("files");
    b.sign_in("congdan", "/ho-so").await;
    b.goto(&format!("/nop/{BIRTH}")).await;

    let input = b.find("#f-giay_chung_sinh").await;
    input.send_keys(write_big_pdf(&files, "giay-lon").to_str().unwrap()).await.unwrap();
    let certificate = proc["required_documents"][1]["name"].as_str().unwrap();
    b.wait_text("#f-giay_chung_sinh-too-large", &format!("Tệp {} phải nhỏ hơn 64 KB", in_sentence(certificate))).await;
    assert_eq!(input.prop("value").await.unwrap().unwrap_or_default(), "", "the file is not kept for upload");

    // The child's name forgotten; everything else filled and attached.
    b.fill_answers(&proc, Some("ho_ten_tre")).await;
    attach_documents(&b, &proc, &files).await;
    b.click("#continue").await;
    b.find("#error-summary").await;
    assert_eq!(b.focused().await, "error-summary", "the summary has the focus");
    assert!(b.c.title().await.unwrap().starts_with("Lỗi: "));
    let links = b.summary_links().await;
    assert_eq!(links, vec![("Nhập họ, chữ đệm và tên của trẻ".to_string(), "input".into(), "f-ho_ten_tre".into())]);
    b.click("#error-summary a").await;
    assert_eq!(b.focused().await, "f-ho_ten_tre", "the link moves the focus to the field");
    b.find("#f-ho_ten_tre").await.send_keys("Lò Thị Mai").await.unwrap();
    for key in documents(&proc) {
        assert!(b.text_of(&format!("#kept-{key}")).await.contains(&format!("{key}.pdf")), "{key} kept");
    }
    b.click("#continue").await;

    // Check your answers: each row changes at its question.
    b.find("#submit-application").await;
    b.click("#change-noi_sinh").await;
    b.wait_url("the form at the question", |u| {
        u.path() == format!("/nop/{BIRTH}")
            && u.fragment() == Some("f-noi_sinh")
            && u.query().is_some_and(|q| q.starts_with("nhap="))
    })
    .await;
    let place = b.find("#f-noi_sinh").await;
    assert_eq!(place.prop("value").await.unwrap().unwrap_or_default(), TEXT_ANSWER);
    assert_eq!(b.find("#f-ho_ten_tre").await.prop("value").await.unwrap().as_deref(), Some("Lò Thị Mai"));
    for key in documents(&proc) {
        assert!(b.text_of(&format!("#kept-{key}")).await.contains(&format!("{key}.pdf")), "{key} kept");
    }
    place.clear().await.unwrap();
    place.send_keys("Trạm y tế xã Bản Phiệt").await.unwrap();
    b.click("#continue").await;
    b.find("#submit-application").await;
    assert!(b.text_of("#answer-noi_sinh").await.contains("Trạm y tế xã Bản Phiệt"));
    let attached = b.text_of("#files").await;
    for key in documents(&proc) {
        assert!(attached.contains(&format!("{key}.pdf")), "{key}.pdf still attached: {attached}");
    }
    b.click("#submit-application").await;
    b.find("#submitted-banner").await;
    let dossier = b.text_of("#dossier-code").await;
    let (_, d) = app.get(&format!("/api/v1/dossiers/{dossier}"), Some(&app.login("congdan").await)).await;
    assert_eq!(d["attachments"].as_array().unwrap().len(), documents(&proc).len(), "{d}");
    assert_eq!(d["data"]["noi_sinh"], "Trạm y tế xã Bản Phiệt");
    b.close().await;
}
