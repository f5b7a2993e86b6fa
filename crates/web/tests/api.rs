//! The JSON API of shared/API.md, end to end over HTTP, on SQLite and on PostgreSQL.

mod common;

use common::{pdf, submission, TestApp};
use motcua_testkit::{answers, on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};
use serde_json::json;
use sha2::{Digest, Sha256};

on_both_engines!(
    full_lifecycle_from_application_to_returned_result,
    bad_inputs_get_clear_errors,
    nobody_else_sees_a_dossier,
    search_ignores_diacritics_case_and_normalisation,
    calendar_endpoints_and_due_dates,
    registration_login_and_lock_out,
    openapi_document_describes_the_api,
    supplement_restarts_the_clock_and_refusal_needs_reasons,
    a_dossier_is_rescheduled_once_with_an_apology,
    workflow_validation_refuses_bad_workflows,
    a_two_agency_workflow_with_consultation_supplement_and_reschedule,
    overrun_steps_escalate_once_and_digests_list_what_is_late,
    a_citizen_reuses_a_stored_document_through_the_api,
    a_received_dossier_is_withdrawn_by_the_agencys_decision,
    malformed_requests_are_answered_in_the_error_format_the_document_declares,
);

async fn full_lifecycle_from_application_to_returned_result(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let data = answers(&proc);
    let (status, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &data)).await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["status"], "submitted");
    let code = d["code"].as_str().unwrap().to_string();
    assert!(code.starts_with(proc["agency"]["code"].as_str().unwrap()), "{code}");
    assert_eq!(d["attachments"].as_array().unwrap().len(), proc["required_documents"].as_array().unwrap().len());
    for a in d["attachments"].as_array().unwrap() {
        let (s, bytes) = app.get_bytes(a["url"].as_str().unwrap(), Some(&citizen)).await;
        assert_eq!(s, 200);
        assert_eq!(bytes, pdf(a["key"].as_str().unwrap()));
        assert_eq!(a["sha256"].as_str().unwrap(), hex::encode(Sha256::digest(&bytes)));
        assert_eq!(a["content_type"], "application/pdf");
    }
    assert_eq!(d["actions"], json!(["withdraw"]));

    // The desk of the service centre receives; the clock starts and the due date is a working day.
    let desk = app.login("tiepnhan").await;
    let (s, queue) = app.get("/api/v1/dossiers", Some(&desk)).await;
    assert_eq!(s, 200);
    assert!(queue["items"].as_array().unwrap().iter().any(|i| i["code"] == code.as_str()), "{queue}");
    let (s, d) = app
        .post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), json!({"action":"receive","note":"Đủ"}))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "received");
    assert!(d["due_at"].as_str().unwrap().ends_with("+07:00"), "{}", d["due_at"]);
    assert!(d["received_at"].is_string());

    // Specialist forwards, leader issues the result with a file, the desk returns it.
    let spec = app.login("chuyenvien").await;
    let (_, queue) = app.get("/api/v1/dossiers", Some(&spec)).await;
    assert_eq!(queue["items"][0]["code"], code.as_str());
    let (s, d) = app
        .post_json(
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&spec),
            json!({"action":"forward","note":"Trình ký"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "processing");
    let leader = app.login("lanhdao").await;
    let result = pdf("ket qua");
    let form = Form::new()
        .text("action", "issue_result")
        .text("note", "Đồng ý")
        .part("result", Part::bytes(result.clone()).file_name("ket-qua.pdf"));
    let (s, d) = app.post_multipart(&format!("/api/v1/dossiers/{code}/actions"), Some(&leader), form).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "result_ready");
    let (s, d) = app
        .post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), json!({"action":"return_result"}))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "returned");

    let (s, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&citizen)).await;
    assert_eq!(s, 200);
    assert_eq!(d["status"], "returned");
    // The result reaches the citizen byte for byte, and as the system's signed electronic
    // result, which carries the officer's file.
    let (s, bytes) = app.get_bytes(d["result"]["url"].as_str().unwrap(), Some(&citizen)).await;
    assert_eq!(s, 200);
    assert_eq!(bytes, result);
    let (s, signed) = app.get_bytes(d["signed_result"]["url"].as_str().unwrap(), Some(&citizen)).await;
    assert_eq!(s, 200);
    assert_eq!(d["signed_result"]["content_type"], "application/pdf");
    assert!(signed.windows(result.len()).any(|w| w == result.as_slice()), "the issued file is inside");
    assert!(d["result_verification_code"].is_string(), "{d}");
    let actions: Vec<&str> = d["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["submit", "receive", "forward", "issue_result", "return_result"]);
    assert_eq!(d["history"][1]["actor"], "Nguyễn Thị Tiếp Nhận");
    assert_eq!(d["history"][2]["note"], "Trình ký");
    assert!(d["finished_at"].is_string());

    // Nothing more is on offer: a repeated action is a conflict.
    let (s, e) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), json!({"action":"receive"})).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["error"]["code"], "conflict");
}

async fn bad_inputs_get_clear_errors(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let mut data = answers(&proc);
    let required: Vec<String> = proc["form"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["required"] == true)
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    assert!(!required.is_empty(), "the demo procedure has required answers");
    data.remove(&required[0]);
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &data)).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "validation_failed");
    assert_eq!(e["error"]["fields"][&required[0]], "Vui lòng nhập thông tin này.");

    // In English on request.
    let res = app
        .http
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&citizen)
        .header("Accept-Language", "en")
        .multipart(submission(&proc, &data))
        .send()
        .await
        .unwrap();
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["fields"][&required[0]], "Please fill this in.");

    // A missing document, a file that is not a document type.
    let data = answers(&proc);
    let form = Form::new()
        .text("procedure_code", proc["code"].as_str().unwrap().to_string())
        .text("data", serde_json::to_string(&data).unwrap());
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&citizen), form).await;
    assert_eq!(s, 422);
    let first_doc = proc["required_documents"].as_array().unwrap().iter().find(|d| d["required"] == true).unwrap()
        ["key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(e["error"]["fields"][&first_doc], "Vui lòng đính kèm giấy tờ này.");
    let mut form = submission(&proc, &data);
    form = form.part(first_doc.clone(), Part::bytes(b"MZ\x90\x00 an executable".to_vec()).file_name("virus.exe"));
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&citizen), form).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"][&first_doc].as_str().unwrap().contains("PDF"));

    // Unknown procedure.
    let mut other = proc.clone();
    other["code"] = json!("NO-SUCH-PROCEDURE");
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&other, &data)).await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(e["error"]["code"], "not_found");

    // Answers that are not a JSON object.
    let form = Form::new().text("procedure_code", proc["code"].as_str().unwrap().to_string()).text("data", "[1,2]");
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&citizen), form).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["data"].is_string());

    // An oversized file.
    let big = {
        let mut v = pdf("big");
        v.resize(app.state.config.max_file_bytes + 1, b' ');
        v
    };
    let form = submission(&proc, &data).part(first_doc.clone(), Part::bytes(big).file_name("big.pdf"));
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&citizen), form).await;
    assert_eq!(s, 413, "{e}");
    assert_eq!(e["error"]["code"], "payload_too_large");

    // Not signed in; officers do not apply; malformed JSON.
    let (s, e) = app.post_multipart("/api/v1/dossiers", None, submission(&proc, &data)).await;
    assert_eq!(s, 401);
    assert_eq!(e["error"]["code"], "unauthenticated");
    let desk = app.login("tiepnhan").await;
    let (s, _) = app.post_multipart("/api/v1/dossiers", Some(&desk), submission(&proc, &data)).await;
    assert_eq!(s, 403);
    let res = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);

    // Nothing was stored by the refused attempts.
    let (_, mine) = app.get("/api/v1/dossiers", Some(&citizen)).await;
    assert_eq!(mine["total"], 0);
}

async fn nobody_else_sees_a_dossier(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap();
    let url = d["attachments"][0]["url"].as_str().unwrap();
    let other = app.login("congdan2").await;
    for token in [Some(other.as_str()), None] {
        let (s, e) = app.get(&format!("/api/v1/dossiers/{code}"), token).await;
        assert_eq!(s, 404, "{e}");
        let (s, _) = app.get_bytes(url, token).await;
        assert_eq!(s, 404);
    }
    let (s, _) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&other), json!({"action":"withdraw"})).await;
    assert_eq!(s, 404);
    let (_, list) = app.get("/api/v1/dossiers", Some(&other)).await;
    assert_eq!(list["total"], 0);
    // An officer of another agency does not see it either.
    let (_, agencies) = app.get("/api/v1/agencies", None).await;
    let dept = proc["agency"]["code"].as_str().unwrap();
    let other_agency =
        agencies.as_array().unwrap().iter().find(|a| a["kind"] == "department" && a["code"] != dept).unwrap();
    let suffix = {
        let c = other_agency["code"].as_str().unwrap();
        let parts: Vec<&str> = c.split('.').collect();
        format!("{}{}", parts[2], parts[3].to_lowercase())
    };
    let outsider = app.login(&format!("cv{suffix}")).await;
    let (s, _) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&outsider)).await;
    assert_eq!(s, 404);
    // The public lookup needs the applicant's phone.
    let (s, _) = app.get(&format!("/api/v1/lookup?code={code}&phone=0000000000"), None).await;
    assert_eq!(s, 404);
    let (s, lk) = app.get(&format!("/api/v1/lookup?code={code}&phone=%2B84912345678"), None).await;
    assert_eq!(s, 200, "{lk}");
    assert_eq!(lk["status"], "submitted");
    // The applicant may withdraw.
    let (s, d) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&citizen), json!({"action":"withdraw"})).await;
    assert_eq!(s, 200);
    assert_eq!(d["status"], "withdrawn");
}

async fn search_ignores_diacritics_case_and_normalisation(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let find = |q: &'static str| {
        let app = &app;
        async move {
            let (s, r) = app.get(&format!("/api/v1/procedures?q={}", url_encode(q)), None).await;
            assert_eq!(s, 200);
            r["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    let nfc = find("đăng ký khai sinh").await;
    assert!(nfc[0].contains("khai sinh"), "{nfc:?}");
    let nfd: String = unicode_nfd("đăng ký khai sinh");
    assert_ne!(nfd, "đăng ký khai sinh");
    let (s, r) = app.get(&format!("/api/v1/procedures?q={}", url_encode(&nfd)), None).await;
    assert_eq!(s, 200);
    let nfd_names: Vec<String> =
        r["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(nfc, nfd_names);
    let plain = find("thu tuc khai sinh").await;
    assert!(plain[0].to_lowercase().contains("khai sinh"), "{plain:?}");
    let upper = find("DANG KY KHAI SINH").await;
    assert_eq!(upper[0], nfc[0]);
    let judicial = find("ly lich tu phap").await;
    assert!(judicial[0].contains("lý lịch tư pháp"), "{judicial:?}");
    assert!(find("xyzzy qwerty").await.is_empty());
    // Filters and paging.
    let (_, all) = app.get("/api/v1/procedures?per_page=5&page=2", None).await;
    assert!(all["total"].as_u64().unwrap() >= 40);
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    let (_, full) = app.get("/api/v1/procedures?level=full&per_page=200", None).await;
    assert!(full["items"].as_array().unwrap().iter().all(|p| p["level"] == "full"));
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn unicode_nfd(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd().collect()
}

async fn calendar_endpoints_and_due_dates(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (s, y) = app.get("/api/v1/calendar/2027", None).await;
    assert_eq!(s, 200);
    assert!(y["days_off"].as_array().unwrap().iter().any(|d| d == "2027-09-02"), "{y}");
    // Friday 2027-04-30 is a holiday: 1 working day from Thursday 29 April 10:00 ends on
    // Monday 3 May... unless 3 May is a compensatory day off; compute with the server's calendar.
    let (s, due) =
        app.get("/api/v1/calendar/due?from=2027-03-04T10:00:00%2B07:00&amount=1&unit=working_days", None).await;
    assert_eq!(s, 200, "{due}");
    assert_eq!(due["due_at"], "2027-03-05T17:00:00+07:00");
    let (s, due) =
        app.get("/api/v1/calendar/due?from=2027-03-05T15:30:00%2B07:00&amount=1&unit=working_days", None).await;
    assert_eq!(s, 200);
    assert_eq!(due["due_at"], "2027-03-09T17:00:00+07:00", "after the cut-off the clock starts Monday");
    let (s, e) = app.get("/api/v1/calendar/due?from=yesterday&amount=1&unit=working_days", None).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["from"].is_string());
    let (s, _) = app.get("/api/v1/calendar/due?from=2027-03-04T10:00:00%2B07:00&amount=1&unit=fortnights", None).await;
    assert_eq!(s, 422);

    // Only an administrator replaces a year; the new days off change due dates at once.
    let citizen = app.login("congdan").await;
    let body = json!({"days_off":["2027-03-05"],"working_days":["2027-03-06"]});
    let (s, _) = app.send_json(reqwest::Method::PUT, "/api/v1/calendar/2027", Some(&citizen), body.clone()).await;
    assert_eq!(s, 403);
    let admin = app.login("quantri").await;
    let (s, y) = app.send_json(reqwest::Method::PUT, "/api/v1/calendar/2027", Some(&admin), body).await;
    assert_eq!(s, 200, "{y}");
    assert_eq!(y["days_off"], json!(["2027-03-05"]));
    let (_, due) =
        app.get("/api/v1/calendar/due?from=2027-03-04T10:00:00%2B07:00&amount=1&unit=working_days", None).await;
    assert_eq!(due["due_at"], "2027-03-06T17:00:00+07:00", "Friday off, Saturday worked");
    let (s, e) = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/calendar/2027",
            Some(&admin),
            json!({"days_off":["2028-01-01"],"working_days":[]}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (_, y) = app.get("/api/v1/calendar/2027", None).await;
    assert_eq!(y["days_off"], json!(["2027-03-05"]), "a refused change leaves the year as it was");
}

async fn registration_login_and_lock_out(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let reg = json!({"full_name":"Hoàng Thị Mai","id_number":"001195012345","phone":"0901 234 567","email":"Mai.Hoang@Example.vn","password":"mat-khau-dai"});
    let (s, u) = app.register(reg.clone()).await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["user"]["roles"], json!(["citizen"]));
    // The same details again: answered as any registration, and no code of it creates anything.
    let (s, e) = app.post_json("/api/v1/auth/register", None, reg.clone()).await;
    assert_eq!((s, e), (202, json!({"status": "code_sent"})));
    let sent = app.run_registration_jobs().await;
    assert!(sent.iter().all(|(_, text)| common::code_in(text).is_none()), "no code: {sent:?}");
    let mut again = reg;
    again["code"] = json!("123456");
    let (s, e) = app.post_json("/api/v1/auth/register", None, again).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["fields"].as_object().unwrap().len(), 1, "{e}");
    assert!(e["error"]["fields"]["code"].as_str().unwrap().starts_with("Mã xác nhận không đúng"), "{e}");
    let (s, e) = app
        .post_json(
            "/api/v1/auth/register",
            None,
            json!({"full_name":"","id_number":"123","phone":"abc","email":"x","password":"short"}),
        )
        .await;
    assert_eq!(s, 422);
    for f in ["full_name", "id_number", "phone", "email", "password"] {
        assert!(e["error"]["fields"][f].is_string(), "{f}: {e}");
    }
    // Sign in by phone in any form, by e-mail, by id number.
    for name in ["0901234567", "+84901234567", "mai.hoang@example.vn", "001195012345"] {
        let (s, r) =
            app.post_json("/api/v1/auth/login", None, json!({"username":name,"password":"mat-khau-dai"})).await;
        assert_eq!(s, 200, "{name}: {r}");
        let (s, me) = app.get("/api/v1/me", r["token"].as_str()).await;
        assert_eq!(s, 200);
        assert_eq!(me["full_name"], "Hoàng Thị Mai");
    }
    let (s, _) = app.get("/api/v1/me", Some(&"0".repeat(64))).await;
    assert_eq!(s, 401);
    // After three failures from this address, it waits before trying this account again, even
    // with the right password (which is not checked meanwhile).
    for i in 0..3 {
        let (s, e) =
            app.post_json("/api/v1/auth/login", None, json!({"username":"0901234567","password":"wrong"})).await;
        assert!((i < 2 && s == 401) || (i == 2 && s == 429), "attempt {i}: {s} {e}");
    }
    let (s, e) =
        app.post_json("/api/v1/auth/login", None, json!({"username":"0901234567","password":"mat-khau-dai"})).await;
    assert_eq!(s, 429, "{e}");
    assert_eq!(e["error"]["code"], "rate_limited");
    // Unknown users answer like wrong passwords.
    let (s, e) = app.post_json("/api/v1/auth/login", None, json!({"username":"nobody","password":"x"})).await;
    assert_eq!(s, 401);
    assert_eq!(e["error"]["code"], "unauthenticated");
}

async fn openapi_document_describes_the_api(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (s, doc) = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(s, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/procedures",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{code}/actions",
        "/api/v1/lookup",
        "/api/v1/calendar/due",
        "/api/v1/calendar/{year}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let (s, h) = app.get("/healthz", None).await;
    assert_eq!((s, h["status"].as_str()), (200, Some("ok")));
    let res = app.http.get(app.url("/api/v1/procedures")).send().await.unwrap();
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
}

async fn supplement_restarts_the_clock_and_refusal_needs_reasons(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap().to_string();
    let desk = app.login("tiepnhan").await;
    let act = |who: String, body: serde_json::Value| {
        let app = &app;
        let code = code.clone();
        async move { app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&who), body).await }
    };
    let (s, e) = act(desk.clone(), json!({"action":"refuse","note":"  "})).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["note"].is_string());
    let (s, d) = act(desk.clone(), json!({"action":"receive"})).await;
    assert_eq!(s, 200);
    let first_due = d["due_at"].as_str().unwrap().to_string();
    let spec = app.login("chuyenvien").await;
    let (s, d) =
        act(spec.clone(), json!({"action":"request_supplement","note":"Thiếu bản sao giấy tờ tùy thân"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "supplement_requested");
    assert_eq!(d["actions"], json!([]));
    // Waiting for the applicant, the indicator judges the dossier at the request, in time.
    let asked = d["history"].as_array().unwrap().last().unwrap()["at"].clone();
    assert_eq!(d["clock"]["measured_at"], asked, "{}", d["clock"]);
    assert_eq!(d["clock"]["timeliness"], "within_time");
    let (_, mine) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&citizen)).await;
    assert_eq!(mine["actions"], json!(["supplement", "withdraw"]));
    let key = proc["required_documents"][0]["key"].as_str().unwrap().to_string();
    let form = Form::new()
        .text("action", "supplement")
        .text("note", "Đã bổ sung")
        .part(key.clone(), Part::bytes(pdf("bo sung")).file_name("bo-sung.pdf"));
    let (s, d) = app.post_multipart(&format!("/api/v1/dossiers/{code}/actions"), Some(&citizen), form).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "received", "back where it was");
    assert!(d["due_at"].as_str().unwrap() >= first_due.as_str(), "the clock restarted");
    assert_eq!(d["attachments"].as_array().unwrap().iter().filter(|a| a["key"] == key.as_str()).count(), 2);
    // A second request is not the specialist's to make: everything is asked at once, and the
    // leader decides a repetition (Decree 61/2018 Art. 19.4).
    let (s, e) = act(spec.clone(), json!({"action":"request_supplement","note":"Bản chính giấy khai sinh"})).await;
    assert_eq!(s, 409, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("Điều 19 khoản 4 Nghị định 61/2018/NĐ-CP"), "{e}");
    let (s, _) = act(spec.clone(), json!({"action":"forward"})).await;
    assert_eq!(s, 200);
    let leader = app.login("lanhdao").await;
    // This time the applicant brings the paper to the desk, which scans it.
    let (s, _) = act(leader.clone(), json!({"action":"request_supplement","note":"Bản chính giấy khai sinh"})).await;
    assert_eq!(s, 200);
    let form = Form::new()
        .text("action", "supplement")
        .part(key.clone(), Part::bytes(pdf("quet tai quay")).file_name("scan.pdf"));
    let (s, d) = app.post_multipart(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), form).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "processing", "back at the leader's step");
    let scanned: Vec<_> = d["attachments"].as_array().unwrap().iter().filter(|a| a["digitized"] == true).collect();
    assert_eq!(scanned.len(), 1, "the desk's scan is marked digitized: {}", d["attachments"]);
    assert_eq!(d["clock"]["supplement_requests"], 2);
    assert_eq!(d["clock"]["repeated_supplements"], true, "flagged on the indicator view");
    assert_eq!(d["clock"]["timeliness"], "overdue", "open with two requests: already late");
    let (s, d) = act(leader, json!({"action":"refuse","note":"Không đủ điều kiện theo quy định"})).await;
    assert_eq!(s, 200);
    assert_eq!(d["status"], "refused");
    assert!(d["finished_at"].is_string());
    assert_eq!(
        (d["clock"]["on_time"].clone(), d["clock"]["timeliness"].clone()),
        (json!(false), json!("late")),
        "finished within days, but two supplement requests count as late"
    );
    assert_eq!(d["clock"]["measured_at"], d["finished_at"]);
}

async fn a_dossier_is_rescheduled_once_with_an_apology(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let citizen = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap().to_string();
    assert!(!d["actions"].as_array().unwrap().iter().any(|a| a == "reschedule"));
    let desk = app.login("tiepnhan").await;
    let (_, d) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), json!({"action":"receive"})).await;
    let due = d["due_at"].as_str().unwrap().to_string();
    let spec = app.login("chuyenvien").await;
    let (_, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&spec)).await;
    assert!(d["actions"].as_array().unwrap().iter().any(|a| a == "reschedule"), "{}", d["actions"]);
    // Another step's officer may not.
    let leader = app.login("lanhdao").await;
    let (s, _) = app
        .post_json(
            &format!("/api/v1/dossiers/{code}/actions"),
            Some(&leader),
            json!({"action":"reschedule","note":"x","due_at":"2099-01-05"}),
        )
        .await;
    assert_eq!(s, 409);
    let url = format!("/api/v1/dossiers/{code}/actions");
    let (s, e) = app.post_json(&url, Some(&spec), json!({"action":"reschedule","due_at":"2099-01-05"})).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["note"].is_string());
    let (s, e) =
        app.post_json(&url, Some(&spec), json!({"action":"reschedule","note":"Xin lỗi","due_at":"2001-01-02"})).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["fields"]["due_at"], "Ngày hẹn mới phải sau ngày hẹn hiện tại.");
    let (_, later) =
        app.get(&format!("/api/v1/calendar/due?from={}&amount=5&unit=working_days", url_encode(&due)), None).await;
    let later = later["due_at"].as_str().unwrap().to_string();
    let saturday = {
        let day = chrono::NaiveDate::parse_from_str(&later[..10], "%Y-%m-%d").unwrap();
        let mut d = day;
        while chrono::Datelike::weekday(&d) != chrono::Weekday::Sat {
            d = d.succ_opt().unwrap();
        }
        d.format("%Y-%m-%d").to_string()
    };
    let (s, e) =
        app.post_json(&url, Some(&spec), json!({"action":"reschedule","note":"Xin lỗi","due_at":saturday})).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["fields"]["due_at"], "Ngày hẹn mới phải là ngày làm việc.");
    let (s, d) = app
        .post_json(
            &url,
            Some(&spec),
            json!({"action":"reschedule","note":"Cần xác minh thực địa, xin lỗi ông/bà","due_at":later[..10]}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["due_at"].as_str().unwrap(), later, "the close of office hours of the new day");
    assert_eq!(d["status"], "received", "the status does not change");
    let last = d["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "reschedule");
    assert_eq!(last["note"], "Cần xác minh thực địa, xin lỗi ông/bà");
    assert!(!d["actions"].as_array().unwrap().iter().any(|a| a == "reschedule"), "only once");
    let (s, _) =
        app.post_json(&url, Some(&spec), json!({"action":"reschedule","note":"Lần nữa","due_at":"2099-01-05"})).await;
    assert_eq!(s, 409);
    // The work goes on from where it was.
    let (s, d) = app.post_json(&url, Some(&spec), json!({"action":"forward"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("processing")));
}

const OTHER_AGENCY: &str = "000.00.13.H38";

fn hours(n: u32) -> serde_json::Value {
    json!({"amount": n, "unit": "hours"})
}

async fn workflow_validation_refuses_bad_workflows(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let code = proc["code"].as_str().unwrap();
    let lead = proc["agency"]["code"].as_str().unwrap();
    let url = format!("/api/v1/procedures/{code}/workflow");
    let admin = app.login("quantri").await;
    let spec = app.login("chuyenvien").await;
    let (s, _) = app.get(&url, Some(&spec)).await;
    assert_eq!(s, 404, "administrators only");
    let (s, before) = app.get(&url, Some(&admin)).await;
    assert_eq!(s, 200, "{before}");
    assert_eq!(before["steps"].as_array().unwrap().len(), 2);
    // Beyond the limit, a step nothing leads to, an unknown agency: all reported at once.
    let bad = json!([
        {"key":"a","agency":lead,"role":"specialist","name":"Thẩm định","allotment":{"amount":999,"unit":"working_days"},"next":["c"]},
        {"key":"b","agency":"000.99.99.H38","role":"specialist","name":"Xác minh"},
        {"key":"c","agency":lead,"role":"leader","name":"Phê duyệt"}
    ]);
    let (s, e) = app.send_json(reqwest::Method::PUT, &url, Some(&admin), bad).await;
    assert_eq!(s, 422, "{e}");
    let messages: Vec<String> =
        e["error"]["fields"].as_object().unwrap().values().map(|m| m.as_str().unwrap().to_string()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("vượt thời hạn")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("không bao giờ")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("không tồn tại")), "{messages:?}");
    let (_, after) = app.get(&url, Some(&admin)).await;
    assert_eq!(after, before, "nothing saved");
    // Not even JSON of the right shape.
    let (s, _) = app.send_json(reqwest::Method::PUT, &url, Some(&admin), json!({"steps": 1})).await;
    assert_eq!(s, 422);
}

async fn a_two_agency_workflow_with_consultation_supplement_and_reschedule(engine: TestEngine) {
    use motcua_domain::calendar::{due_at, TimeLimit, TimeUnit};
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let pcode = proc["code"].as_str().unwrap().to_string();
    let lead = proc["agency"]["code"].as_str().unwrap().to_string();
    let admin = app.login("quantri").await;
    // Appraisal at the lead agency asks the other agency's opinion (2 h); the other agency then
    // handles its part (liên thông, 1 h); the lead agency's leader approves (1 h).
    let workflow = json!([
        {"key":"tham-dinh","agency":lead,"role":"specialist","name":"Thẩm định","allotment":hours(2),
         "consultations":[{"agency":OTHER_AGENCY,"allotment":hours(2)}]},
        {"key":"lien-thong","agency":OTHER_AGENCY,"role":"specialist","name":"Xử lý liên thông","allotment":hours(1)},
        {"key":"phe-duyet","agency":lead,"role":"leader","name":"Phê duyệt","allotment":hours(1)}
    ]);
    let (s, saved) = app
        .send_json(reqwest::Method::PUT, &format!("/api/v1/procedures/{pcode}/workflow"), Some(&admin), workflow)
        .await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["version"], 2);

    let citizen = app.login("congdan").await;
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &answers(&proc))).await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let url = format!("/api/v1/dossiers/{code}/actions");
    let desk = app.login("tiepnhan").await;
    let (s, d) = app.post_json(&url, Some(&desk), json!({"action":"receive"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["step"]["key"], "tham-dinh");
    let received = chrono::DateTime::parse_from_rfc3339(d["received_at"].as_str().unwrap()).unwrap().to_utc();
    let cal = app.state.calendar();
    let rule_of = |agency: String| {
        let db = app.state.db.clone();
        async move { motcua_store::catalog::counting_rule(&db, &agency).await.unwrap() }
    };
    let two_hours = TimeLimit::new(2, TimeUnit::Hours);
    let at = |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().to_utc();
    assert_eq!(at(&d["step"]["due_at"]), due_at(&cal, &rule_of(lead.clone()).await, received, two_hours));
    let consultation = &d["consultations"][0];
    assert_eq!(consultation["agency"], OTHER_AGENCY);
    assert_eq!(at(&consultation["due_at"]), due_at(&cal, &rule_of(OTHER_AGENCY.into()).await, received, two_hours));
    let cid = consultation["id"].as_i64().unwrap();

    // The specialist may not finish the step while the opinion is awaited.
    let spec = app.login("chuyenvien").await;
    let (_, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&spec)).await;
    assert!(!d["actions"].as_array().unwrap().iter().any(|a| a == "forward"), "{}", d["actions"]);
    let (s, _) = app.post_json(&url, Some(&spec), json!({"action":"forward"})).await;
    assert_eq!(s, 409);

    // The unit leader assigns it.
    let leader = app.login("lanhdao").await;
    let (_, me) = app.get("/api/v1/me", Some(&spec)).await;
    let (s, d) =
        app.post_json(&format!("/api/v1/dossiers/{code}/assign"), Some(&leader), json!({"assignee": me["id"]})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["step"]["assignee"], me["id"]);
    let (s, _) =
        app.post_json(&format!("/api/v1/dossiers/{code}/assign"), Some(&spec), json!({"assignee": me["id"]})).await;
    assert_eq!(s, 409, "only a leader assigns");

    // A consultation left unanswered past its time is reported once to the head of the one-stop
    // unit that received the dossier and to the leaders of the agency that asked (Decree 61/2018
    // Art. 19.5).
    {
        use motcua_app::jobs::alerts;
        let now = chrono::Utc::now();
        assert_eq!(alerts::scan_late_consultations(&app.state.db, now).await.unwrap(), 0, "not late yet");
        let later = now + chrono::TimeDelta::days(30);
        assert_eq!(alerts::scan_late_consultations(&app.state.db, later).await.unwrap(), 1);
        assert_eq!(alerts::scan_late_consultations(&app.state.db, later).await.unwrap(), 0, "reported once");
        let jobs = motcua_store::jobs::list(&app.state.db, None, 50).await.unwrap();
        let report = jobs.iter().find(|j| j.kind == alerts::LATE_CONSULTATION_JOB).expect("a report job");
        let emails = alerts::late_consultation_emails(&app.state, report).await.unwrap();
        let to: Vec<&str> = emails.iter().map(|e| e.to.as_str()).collect();
        assert_eq!(to.len(), 2, "{to:?}");
        assert!(to[0].contains("truongmotcua@") && to[1].contains("lanhdao@"), "{to:?}");
        assert!(emails[0].subject.contains(&code) && emails[0].text.contains("Điều 19 khoản 5"), "{emails:?}");
    }

    // The consulted agency sees the dossier in its list and answers; a third agency sees nothing.
    let consulted = app.login("cv13h38").await;
    let (_, list) = app.get("/api/v1/dossiers?scope=consulted", Some(&consulted)).await;
    assert!(list["items"].as_array().unwrap().iter().any(|i| i["code"] == code.as_str()), "{list}");
    let stranger = app.login("cv10h38").await;
    let (s, _) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&stranger)).await;
    assert_eq!(s, 404);
    let answer_url = format!("/api/v1/dossiers/{code}/consultations/{cid}/answer");
    let (s, _) = app.post_json(&answer_url, Some(&stranger), json!({"answer":"?"})).await;
    assert_eq!(s, 404);
    let (s, e) = app.post_json(&answer_url, Some(&consulted), json!({"answer":"  "})).await;
    assert_eq!(s, 422, "{e}");
    let (s, d) =
        app.post_json(&answer_url, Some(&consulted), json!({"answer":"Thống nhất, không có ý kiến khác."})).await;
    assert_eq!(s, 200, "{d}");
    assert!(d["consultations"][0]["answered_at"].is_string());
    let (s, _) = app.post_json(&answer_url, Some(&consulted), json!({"answer":"Lần hai"})).await;
    assert_eq!(s, 409, "an opinion is given once");
    {
        use motcua_app::jobs::alerts;
        let jobs = motcua_store::jobs::list(&app.state.db, None, 50).await.unwrap();
        let report = jobs.iter().find(|j| j.kind == alerts::LATE_CONSULTATION_JOB).expect("a report job");
        let emails = alerts::late_consultation_emails(&app.state, report).await.unwrap();
        assert!(emails.is_empty(), "answered since: nothing to report");
    }

    // A supplement request lists everything at once; the applicant supplies; back at the same
    // step with the clock restarted and the waiting time counted in the indicator view.
    let (s, d) = app
        .post_json(
            &url,
            Some(&spec),
            json!({"action":"request_supplement","note":"Bản sao CCCD: hết hạn\nGiấy xác nhận cư trú: thiếu"}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let key = proc["required_documents"][0]["key"].as_str().unwrap().to_string();
    let form = Form::new().text("action", "supplement").part(key, Part::bytes(pdf("bo sung")).file_name("bs.pdf"));
    let (s, d) = app.post_multipart(&url, Some(&citizen), form).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "received");
    assert_eq!(d["step"]["key"], "tham-dinh", "back where it was");
    assert_eq!(d["step"]["assignee"], me["id"], "still assigned");
    assert_eq!(d["clock"]["supplement_requests"], 1);
    assert_eq!(d["clock"]["repeated_supplements"], false);
    let restarted = at(&d["history"].as_array().unwrap().last().unwrap()["at"]);
    let limit: TimeLimit = serde_json::from_value(saved["limit"].clone()).unwrap();
    let rule = rule_of(lead.clone()).await;
    assert_eq!(at(&d["due_at"]), due_at(&cal, &rule, restarted, limit), "restarted from zero");
    let waited = d["clock"]["waiting_seconds"].as_i64().unwrap();
    assert_eq!(
        (at(&d["clock"]["indicator_due_at"]) - at(&d["clock"]["original_due_at"])).num_seconds(),
        waited,
        "the indicator view subtracts exactly the waiting time"
    );
    assert_eq!(at(&d["clock"]["original_due_at"]), due_at(&cal, &rule, received, limit));

    // One reschedule with an apology; the forms that apply print as PDF.
    let (_, later) = app
        .get(
            &format!(
                "/api/v1/calendar/due?from={}&amount=3&unit=working_days",
                url_encode(d["due_at"].as_str().unwrap())
            ),
            None,
        )
        .await;
    let later = later["due_at"].as_str().unwrap().to_string();
    let (s, d) = app
        .post_json(
            &url,
            Some(&spec),
            json!({"action":"reschedule","note":"Chờ xác minh liên thông","due_at":later[..10]}),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["due_at"].as_str().unwrap(), later);

    // Hand-off to the other agency (liên thông), then the leader; a send-back to a chosen step.
    let (s, d) = app.post_json(&url, Some(&spec), json!({"action":"forward","note":"Chuyển liên thông"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["step"]["key"], "lien-thong");
    assert_eq!(d["step"]["agency"], OTHER_AGENCY);
    let (_, queue) = app.get("/api/v1/dossiers", Some(&consulted)).await;
    assert!(
        queue["items"].as_array().unwrap().iter().any(|i| i["code"] == code.as_str()),
        "in the other agency's queue"
    );
    let (s, d) = app.post_json(&url, Some(&consulted), json!({"action":"forward"})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["step"]["key"], "phe-duyet");
    let (_, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&leader)).await;
    assert_eq!(d["step"]["send_back_to"], json!(["tham-dinh", "lien-thong"]));
    let (s, e) = app.post_json(&url, Some(&leader), json!({"action":"send_back","to_step":"nowhere"})).await;
    assert_eq!(s, 409, "{e}");
    let (s, d) = app
        .post_json(&url, Some(&leader), json!({"action":"send_back","to_step":"tham-dinh","note":"Bổ sung ý kiến"}))
        .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["step"]["key"], "tham-dinh");
    assert_eq!(d["step"]["assignee"], serde_json::Value::Null, "a new turn at the step starts unassigned");
    assert_eq!(d["consultations"].as_array().unwrap().len(), 2, "the step asks again");
    let cid2 = d["consultations"][1]["id"].as_i64().unwrap();
    let (s, _) = app
        .post_json(
            &format!("/api/v1/dossiers/{code}/consultations/{cid2}/answer"),
            Some(&consulted),
            json!({"answer":"Đồng ý"}),
        )
        .await;
    assert_eq!(s, 200);
    for (who, action) in [(&spec, "forward"), (&consulted, "forward")] {
        let (s, d) = app.post_json(&url, Some(who), json!({"action": action})).await;
        assert_eq!(s, 200, "{d}");
    }
    let form =
        Form::new().text("action", "issue_result").part("result", Part::bytes(pdf("ket qua")).file_name("kq.pdf"));
    let (s, d) = app.post_multipart(&url, Some(&leader), form).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["status"], "result_ready");
    assert_eq!(d["clock"]["on_time"], true);
    assert_eq!(d["clock"]["timeliness"], "on_time");
    let actions: Vec<&str> = d["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "submit",
            "receive",
            "assign",
            "answer_consultation",
            "request_supplement",
            "supplement",
            "reschedule",
            "forward",
            "forward",
            "send_back",
            "answer_consultation",
            "forward",
            "forward",
            "issue_result"
        ]
    );
    // The history is still a valid hash chain.
    let v = motcua_store::audit::verify(&app.state.db).await.unwrap();
    assert!(v.is_clean(), "{:?}", v.findings);
}

async fn overrun_steps_escalate_once_and_digests_list_what_is_late(engine: TestEngine) {
    use motcua_app::jobs::alerts;
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let pcode = proc["code"].as_str().unwrap().to_string();
    let lead = proc["agency"]["code"].as_str().unwrap().to_string();
    let admin = app.login("quantri").await;
    let workflow = json!([
        {"key":"td","agency":lead,"role":"specialist","name":"Thẩm định","allotment":hours(1)},
        {"key":"pd","agency":lead,"role":"leader","name":"Phê duyệt","allotment":hours(1)}
    ]);
    let (s, _) = app
        .send_json(reqwest::Method::PUT, &format!("/api/v1/procedures/{pcode}/workflow"), Some(&admin), workflow)
        .await;
    assert_eq!(s, 200);
    let citizen = app.login("congdan").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &answers(&proc))).await;
    let code = d["code"].as_str().unwrap().to_string();
    let desk = app.login("tiepnhan").await;
    let (s, _) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&desk), json!({"action":"receive"})).await;
    assert_eq!(s, 200);
    let now = chrono::Utc::now();
    assert_eq!(alerts::scan_overruns(&app.state.db, now).await.unwrap(), 0, "nothing overran yet");

    // A month later the step's hour and the dossier's limit are long gone.
    let later = now + chrono::TimeDelta::days(30);
    assert_eq!(alerts::scan_overruns(&app.state.db, later).await.unwrap(), 1);
    assert_eq!(alerts::scan_overruns(&app.state.db, later).await.unwrap(), 0, "escalated once");
    let jobs = motcua_store::jobs::list(&app.state.db, None, 10).await.unwrap();
    let escalation = jobs.iter().find(|j| j.kind == alerts::ESCALATION_JOB).expect("an escalation job");
    let emails = alerts::escalation_emails(&app.state, escalation).await.unwrap();
    assert_eq!(emails.len(), 1, "the unit's one leader");
    assert!(emails[0].to.contains("lanhdao@"), "{}", emails[0].to);
    assert!(emails[0].subject.contains(&code) && emails[0].text.contains("Thẩm định"), "{emails:?}");

    // A new step is escalated again when it overruns in turn.
    let spec = app.login("chuyenvien").await;
    let (s, _) =
        app.post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&spec), json!({"action":"forward"})).await;
    assert_eq!(s, 200);
    assert_eq!(alerts::scan_overruns(&app.state.db, later).await.unwrap(), 1);

    // Digests: one per officer with an e-mail per day, whatever the number of schedulers; the
    // leader's lists what is late in the unit, an officer with nothing due gets none.
    let day = later.with_timezone(&motcua_domain::calendar::vn_offset()).date_naive();
    let first = alerts::schedule_digests(&app.state.db, day, later).await.unwrap();
    assert!(first > 3, "{first}");
    assert_eq!(alerts::schedule_digests(&app.state.db, day, later).await.unwrap(), 0);
    let (_, me) = app.get("/api/v1/me", Some(&app.login("lanhdao").await)).await;
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE dossiers SET due_at = $1 WHERE code = $2")
        .bind((now - chrono::TimeDelta::hours(1)).timestamp_millis())
        .bind(&code)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let email = alerts::digest_email(&app.state, me["id"].as_i64().unwrap(), day).await.unwrap().expect("a digest");
    assert!(email.text.contains(&code) && email.subject.contains("1 hồ sơ quá hạn"), "{email:?}");
    let (_, other) = app.get("/api/v1/me", Some(&app.login("ld10h38").await)).await;
    assert!(alerts::digest_email(&app.state, other["id"].as_i64().unwrap(), day).await.unwrap().is_none());
}

async fn a_citizen_reuses_a_stored_document_through_the_api(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, proc) = app.get("/api/v1/procedures/2.001680", None).await;
    let docs = proc["required_documents"].as_array().unwrap();
    let key = docs.iter().find(|d| d["reusable"] == true && d["required"] == true).expect("a reusable document")["key"]
        .as_str()
        .unwrap()
        .to_string();
    let fixed = docs.iter().find(|d| d["reusable"] == false && d["required"] == true).expect("a document to upload")
        ["key"]
        .as_str()
        .unwrap()
        .to_string();
    let data = answers(&proc);
    // Earlier applications put documents in each citizen's store.
    let citizen = app.login("congdan").await;
    let (s, first) = app.post_multipart("/api/v1/dossiers", Some(&citizen), submission(&proc, &data)).await;
    assert_eq!(s, 201, "{first}");
    let earlier_of = |d: &serde_json::Value, k: &str| {
        d["attachments"].as_array().unwrap().iter().find(|a| a["key"] == k).unwrap().clone()
    };
    let earlier = earlier_of(&first, &key);
    let other = app.login("congdan2").await;
    let (s, theirs) = app.post_multipart("/api/v1/dossiers", Some(&other), submission(&proc, &data)).await;
    assert_eq!(s, 201, "{theirs}");
    let theirs_id = earlier_of(&theirs, &key)["id"].as_str().unwrap().to_string();

    // The store lists the citizen's own documents, and only theirs.
    let (s, store) = app.get("/api/v1/me/documents", Some(&citizen)).await;
    assert_eq!(s, 200, "{store}");
    let items = store["items"].as_array().unwrap();
    assert_eq!(store["total"].as_i64().unwrap() as usize, items.len());
    assert_eq!(items.len(), first["attachments"].as_array().unwrap().len());
    assert!(items.iter().all(|i| i["dossier_code"] == first["code"]), "{store}");
    let listed = items.iter().find(|i| i["id"] == earlier["id"]).expect("the earlier document");
    for field in ["key", "file_name", "content_type", "size", "sha256", "url"] {
        assert_eq!(listed[field], earlier[field], "{field}");
    }
    assert_eq!(listed["procedure_code"], "2.001680");
    assert!(!listed["procedure_name"].as_str().unwrap().is_empty() && !listed["name"].as_str().unwrap().is_empty());
    assert_eq!((listed["is_result"].clone(), listed["digitized"].clone()), (json!(false), json!(false)));
    assert!(listed["created_at"].as_str().unwrap().ends_with("+07:00"));
    let (s, page) = app.get("/api/v1/me/documents?per_page=1&page=2", Some(&citizen)).await;
    assert_eq!((s, page["items"].as_array().unwrap().len(), page["total"].clone()), (200, 1, store["total"].clone()));
    assert_eq!(page["items"][0], items[1]);
    let desk = app.login("tiepnhan").await;
    let (s, e) = app.get("/api/v1/me/documents", Some(&desk)).await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("forbidden")));
    let (s, _) = app.get("/api/v1/me/documents", None).await;
    assert_eq!(s, 401);

    // An application that takes the document from the store instead of a file.
    let form_with = |reuse: serde_json::Value| {
        let mut form = Form::new()
            .text("procedure_code", "2.001680")
            .text("data", serde_json::to_string(&data).unwrap())
            .text("reuse", reuse.to_string());
        for d in docs {
            let k = d["key"].as_str().unwrap();
            if k != key && k != fixed {
                form = form.part(k.to_string(), Part::bytes(pdf(k)).file_name(format!("{k}.pdf")));
            }
        }
        form
    };
    let with_fixed = |form: Form| form.part(fixed.clone(), Part::bytes(pdf(&fixed)).file_name("to-khai.pdf"));

    // Someone else's document, and an item that takes no document from the store, are refused
    // with a message on each document, with the other problems of the application.
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&citizen), form_with(json!({ &key: theirs_id }))).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "validation_failed");
    assert_eq!(e["error"]["fields"][&key], "Giấy tờ được chọn không có trong kho giấy tờ của Ông/Bà.");
    assert_eq!(e["error"]["fields"][&fixed], "Vui lòng đính kèm giấy tờ này.", "every problem at once: {e}");
    let fixed_id = earlier_of(&first, &fixed)["id"].as_str().unwrap().to_string();
    let res = app
        .http
        .post(app.url("/api/v1/dossiers"))
        .bearer_auth(&citizen)
        .header("Accept-Language", "en")
        .multipart(form_with(json!({ &key: earlier["id"], &fixed: fixed_id })))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        e["error"]["fields"][&fixed], "This item does not accept a document from the store; please upload the file.",
        "{e}"
    );
    assert!(e["error"]["fields"].get(&key).is_none(), "the good pick is not blamed: {e}");
    let (s, e) = app
        .post_multipart("/api/v1/dossiers", Some(&citizen), with_fixed(form_with(json!({"khong_co": fixed_id}))))
        .await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["fields"]["khong_co"], "Giấy tờ này không thuộc thành phần hồ sơ.");
    let (s, e) =
        app.post_multipart("/api/v1/dossiers", Some(&citizen), with_fixed(form_with(json!([earlier["id"]])))).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["reuse"].as_str().unwrap().contains("JSON"), "{e}");
    let (_, mine) = app.get("/api/v1/dossiers", Some(&citizen)).await;
    assert_eq!(mine["total"], 1, "nothing stored by the refused attempts");

    let (s, d) = app
        .post_multipart("/api/v1/dossiers", Some(&citizen), with_fixed(form_with(json!({ &key: earlier["id"] }))))
        .await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let (s, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&desk)).await;
    assert_eq!(s, 200);
    let reused = earlier_of(&d, &key);
    assert_eq!((reused["reused"].clone(), reused["from_citizen_store"].clone()), (json!(true), json!(true)));
    assert_eq!(
        (reused["sha256"].clone(), reused["file_name"].clone()),
        (earlier["sha256"].clone(), earlier["file_name"].clone())
    );
    assert_ne!(reused["id"], earlier["id"], "a document of the new dossier");
    let uploaded = earlier_of(&d, &fixed);
    assert_eq!((uploaded["reused"].clone(), uploaded["from_citizen_store"].clone()), (json!(false), json!(false)));
    let (s, bytes) = app.get_bytes(reused["url"].as_str().unwrap(), Some(&citizen)).await;
    assert_eq!((s, bytes), (200, pdf(&key)));

    // A file for the same document wins over the pick.
    let form = with_fixed(form_with(json!({ &key: earlier["id"] })))
        .part(key.clone(), Part::bytes(pdf("moi")).file_name("moi.pdf"));
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&citizen), form).await;
    assert_eq!(s, 201, "{d}");
    let fresh = earlier_of(&d, &key);
    assert_eq!((fresh["file_name"].as_str(), fresh["reused"].clone()), (Some("moi.pdf"), json!(false)));
}

/// Once received, the applicant's withdrawal is a request: the agency at the current step stops
/// processing (issuing the stop notice, form 05 of Circular 03/2025) or declines with reasons;
/// neither the applicant nor the desk decides.
async fn a_received_dossier_is_withdrawn_by_the_agencys_decision(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let code = common::received(&app).await;
    let url = format!("/api/v1/dossiers/{code}/actions");
    let citizen = app.login("congdan").await;
    let desk = app.login("tiepnhan").await;
    let specialist = app.login("chuyenvien").await;
    let (s, d) = app.post_json(&url, Some(&citizen), json!({"action": "withdraw"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("received")), "{d}");
    assert_eq!(d["actions"], json!([]), "asked once; the agency decides");
    let (s, _) = app.post_json(&url, Some(&citizen), json!({"action": "stop"})).await;
    assert_eq!(s, 409, "the applicant does not decide");
    let (s, _) = app.post_json(&url, Some(&desk), json!({"action": "stop"})).await;
    assert_eq!(s, 409, "the desk does not decide");
    let (s, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&specialist)).await;
    assert_eq!((s, d["actions"].clone()), (200, json!(["stop", "decline_withdrawal"])), "{d}");
    let (s, d) = app.post_json(&url, Some(&specialist), json!({"action": "forward"})).await;
    assert_eq!(s, 409, "the request is answered first: {d}");
    let (s, d) = app.post_json(&url, Some(&specialist), json!({"action": "decline_withdrawal"})).await;
    assert_eq!(s, 422, "a refusal gives its reasons: {d}");
    let reason = "Kết quả đã trình ký";
    let (s, d) = app.post_json(&url, Some(&specialist), json!({"action": "decline_withdrawal", "note": reason})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("received")), "{d}");
    let (_, mine) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&citizen)).await;
    assert_eq!(mine["actions"], json!(["withdraw"]), "may ask again");
    let declined = mine["history"].as_array().unwrap().iter().find(|e| e["action"] == "decline_withdrawal");
    assert_eq!(declined.and_then(|e| e["note"].as_str()), Some(reason), "{mine}");
    // The applicant is told, on every channel, with the reasons.
    use motcua_app::jobs::notify;
    let queued = motcua_store::jobs::list(&app.state.db, None, 500).await.unwrap();
    let told: Vec<_> = queued
        .iter()
        .filter(|j| {
            j.kind == notify::NOTIFY_JOB && j.payload.contains(&code) && j.payload.contains("withdrawal_declined")
        })
        .collect();
    assert_eq!(told.len(), 1, "one message job: {told:?}");
    let channels: serde_json::Value = told[0].payload_as::<serde_json::Value>().unwrap()["channels"].clone();
    assert_eq!(channels, serde_json::json!(["portal", "email", "sms"]), "portal, e-mail and SMS");
    let (_, text) = notify::message(
        &app.state,
        &notify::Templates::default(),
        &code,
        "received",
        notify::Notice::WithdrawalDeclined,
    )
    .await
    .unwrap();
    assert!(text.contains("không chấp nhận đề nghị rút hồ sơ") && text.contains(reason), "{text}");
    // Asked again and granted: processing stops.
    app.post_json(&url, Some(&citizen), json!({"action": "withdraw"})).await;
    let (s, d) = app.post_json(&url, Some(&specialist), json!({"action": "stop"})).await;
    assert_eq!((s, d["status"].as_str()), (200, Some("withdrawn")), "{d}");
}

/// Sends `req` and checks that the answer is `status` with the error `code` in the API's JSON
/// format, and that the OpenAPI document declares that status for the operation.
async fn refused(
    doc: &serde_json::Value,
    (method, template): (&str, &str),
    req: reqwest::RequestBuilder,
    status: u16,
    code: &str,
) -> serde_json::Value {
    let res = req.send().await.unwrap();
    let got = res.status().as_u16();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{method} {template}: {text}");
    assert_eq!(content_type.as_deref(), Some("application/json"), "{method} {template}: {text}");
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], code, "{method} {template}: {text}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "{text}");
    let declared = &doc["paths"][template][method]["responses"][status.to_string()];
    assert!(declared.is_object(), "{method} {template} does not declare {status}");
    body
}

async fn malformed_requests_are_answered_in_the_error_format_the_document_declares(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (_, doc) = app.get("/api/v1/openapi.json", None).await;
    let citizen = app.login("congdan").await;
    let http = &app.http;

    // Bodies that are not JSON, not declared as JSON, or of the wrong shape.
    let login = ("post", "/api/v1/auth/login");
    let not_json = http.post(app.url(login.1)).header("content-type", "application/json").body("{nope");
    refused(&doc, login, not_json, 400, "bad_request").await;
    let untyped = http.post(app.url(login.1)).body(r#"{"username":"congdan","password":"demo"}"#);
    refused(&doc, login, untyped, 400, "bad_request").await;
    let shape = http.post(app.url(login.1)).json(&json!({"username": 5}));
    refused(&doc, login, shape, 422, "validation_failed").await;
    let register = ("post", "/api/v1/auth/register");
    refused(&doc, register, http.post(app.url(register.1)).json(&json!([1])), 422, "validation_failed").await;

    // Query parameters missing or of the wrong type, in Vietnamese and in English.
    let due = ("get", "/api/v1/calendar/due");
    let e =
        refused(&doc, due, http.get(app.url("/api/v1/calendar/due?from=x&amount=abc&unit=days")), 400, "bad_request")
            .await;
    assert!(e["error"]["message"].as_str().unwrap().starts_with("Tham số truy vấn"), "{e}");
    let english = http.get(app.url("/api/v1/calendar/due?amount=1")).header("Accept-Language", "en");
    let e = refused(&doc, due, english, 400, "bad_request").await;
    assert!(e["error"]["message"].as_str().unwrap().starts_with("A query parameter"), "{e}");
    let procedures = ("get", "/api/v1/procedures");
    refused(&doc, procedures, http.get(app.url("/api/v1/procedures?per_page=-1")), 400, "bad_request").await;
    let lookup = ("get", "/api/v1/lookup");
    refused(&doc, lookup, http.get(app.url("/api/v1/lookup?code=X")), 400, "bad_request").await;
    let list = ("get", "/api/v1/dossiers");
    let bad_page = http.get(app.url("/api/v1/dossiers?page=first")).bearer_auth(&citizen);
    refused(&doc, list, bad_page, 400, "bad_request").await;

    // A path segment that does not parse names nothing.
    let year = ("get", "/api/v1/calendar/{year}");
    refused(&doc, year, http.get(app.url("/api/v1/calendar/abc")), 404, "not_found").await;
    let put_year = ("put", "/api/v1/calendar/{year}");
    let huge = http.put(app.url("/api/v1/calendar/24689684653")).bearer_auth(&citizen).json(&json!({}));
    refused(&doc, put_year, huge, 404, "not_found").await;

    // Multipart bodies without a boundary, also where axum's own extractor answers.
    let submit = ("post", "/api/v1/dossiers");
    let no_boundary =
        http.post(app.url(submit.1)).bearer_auth(&citizen).header("content-type", "multipart/form-data").body("x");
    refused(&doc, submit, no_boundary, 400, "bad_request").await;
    let verify = ("post", "/api/v1/results/verify");
    refused(&doc, verify, http.post(app.url(verify.1)).body("x"), 400, "bad_request").await;

    // No bearer where one is needed.
    for (method, path, template) in [
        ("get", "/api/v1/me", "/api/v1/me"),
        ("post", "/api/v1/auth/logout", "/api/v1/auth/logout"),
        ("get", "/api/v1/dossiers", "/api/v1/dossiers"),
        ("get", "/api/v1/me/documents", "/api/v1/me/documents"),
        ("post", "/api/v1/dossiers/X/actions", "/api/v1/dossiers/{code}/actions"),
        ("get", "/api/v1/procedures/X/workflow", "/api/v1/procedures/{code}/workflow"),
    ] {
        let req =
            http.request(method.to_uppercase().parse().unwrap(), app.url(path)).json(&json!({"action": "withdraw"}));
        refused(&doc, (method, template), req, 401, "unauthenticated").await;
    }

    // A method the address does not take: the error format, and what it does take.
    let res = http.delete(app.url("/api/v1/procedures")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["allow"], "GET,HEAD");
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "method_not_allowed", "{e}");

    // Pages far beyond the end are empty, not an overflow.
    let (s, e) = app.get(&format!("/api/v1/procedures?page={}", u64::MAX / 2), None).await;
    assert_eq!((s, e["items"].as_array().map(Vec::len)), (200, Some(0)), "{e}");
    for path in ["/api/v1/dossiers", "/api/v1/me/documents"] {
        let (s, e) = app.get(&format!("{path}?page={}", i64::MAX), Some(&citizen)).await;
        assert_eq!((s, e["items"].as_array().map(Vec::len)), (200, Some(0)), "{path}: {e}");
    }
}
