//! Organisation applicants (issue 14, point 6) through the API and the pages: a citizen
//! registers a business by its tax code, an administrator verifies it, its legal representative
//! names another, either applies in its name, both follow its dossiers, and a person removed
//! sees none of them any more.

mod common;

use common::{browser, csrf_of, page, pdf, sign_in, submission, TestApp};
use motcua_app::national::add_token;
use motcua_store::system_tokens::Scope;
use motcua_testkit::national_portal::{portal_dossier, send_dossier, PortalFile};
use motcua_testkit::{answers, on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

on_both_engines!(
    an_organisation_is_registered_verified_represented_and_applied_for,
    organisations_through_the_pages,
    portal_dossiers_for_a_tax_code_reach_the_organisation,
);

/// The demo business `congdan` represents (see the README's demo accounts).
const AN_PHAT: &str = "5400123456";

async fn an_organisation_is_registered_verified_represented_and_applied_for(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (an, binh, admin) = (app.login("congdan").await, app.login("congdan2").await, app.login("quantri").await);

    // Every problem at once; a tax code of the wrong shape; one already registered.
    let (s, e) = app.post_json("/api/v1/organisations", Some(&binh), json!({})).await;
    assert_eq!(s, 422, "{e}");
    for field in ["tax_code", "name", "address"] {
        assert!(e["error"]["fields"][field].is_string(), "{field}: {e}");
    }
    let (s, e) = app
        .post_json("/api/v1/organisations", Some(&binh), json!({"tax_code": "01012345", "name": "X", "address": "Y"}))
        .await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["tax_code"].as_str().unwrap().contains("10 chữ số"), "{e}");
    let (s, e) = app
        .post_json("/api/v1/organisations", Some(&binh), json!({"tax_code": AN_PHAT, "name": "X", "address": "Y"}))
        .await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["tax_code"].as_str().unwrap().contains("đã được đăng ký"), "{e}");
    // Officers have no organisations to register.
    let (s, _) = app
        .post_json(
            "/api/v1/organisations",
            Some(&app.login("tiepnhan").await),
            json!({"tax_code": "0101234567", "name": "X", "address": "Y"}),
        )
        .await;
    assert_eq!(s, 403);

    // Bình registers her cooperative (a branch's 13 digits, the dash added).
    let (s, o) = app
        .post_json(
            "/api/v1/organisations",
            Some(&binh),
            json!({"tax_code": "0101234567001", "name": "  Hợp tác xã  Bình Minh ", "address": "Bản Mòng, Sơn La",
                   "title": "Chủ nhiệm"}),
        )
        .await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(
        (o["tax_code"].as_str(), o["name"].as_str(), o["status"].as_str()),
        (Some("0101234567-001"), Some("Hợp tác xã Bình Minh"), Some("pending"))
    );
    assert_eq!(o["role"], "legal");
    let id = o["id"].as_i64().unwrap();

    // Not verified: nobody applies in its name, nobody is added.
    let proc = app.department_procedure().await;
    let as_coop = || submission(&proc, &answers(&proc)).text("organisation", "0101234567-001");
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&binh), as_coop()).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["organisation"].is_string());
    let (s, _) = app
        .post_json(
            &format!("/api/v1/organisations/{id}/representatives"),
            Some(&binh),
            json!({"id_number": "038090001234", "kind": "authorised"}),
        )
        .await;
    assert_eq!(s, 409);

    // Only administrators see the registrations waiting, and decide; refusing needs a reason.
    let (s, _) = app.get("/api/v1/organisations/pending", Some(&binh)).await;
    assert_eq!(s, 404);
    let (s, list) = app.get("/api/v1/organisations/pending", Some(&admin)).await;
    assert_eq!(s, 200);
    assert!(list["items"].as_array().unwrap().iter().any(|x| x["id"] == id), "{list}");
    let (s, _) =
        app.post_json(&format!("/api/v1/organisations/{id}/decision"), Some(&binh), json!({"verify": true})).await;
    assert_eq!(s, 404);
    let (s, e) =
        app.post_json(&format!("/api/v1/organisations/{id}/decision"), Some(&admin), json!({"verify": false})).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["note"].is_string());
    let (s, d) =
        app.post_json(&format!("/api/v1/organisations/{id}/decision"), Some(&admin), json!({"verify": true})).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["organisation"]["status"], "verified");
    let (s, _) = app
        .post_json(&format!("/api/v1/organisations/{id}/decision"), Some(&admin), json!({"verify": false, "note": "x"}))
        .await;
    assert_eq!(s, 409, "decided once");

    // An is a stranger to it until Bình names him; a person without an account cannot be named.
    let (s, _) = app.get(&format!("/api/v1/organisations/{id}"), Some(&an)).await;
    assert_eq!(s, 404);
    let add = |id_number: &str, kind: &str| json!({"id_number": id_number, "kind": kind, "title": "Kế toán"});
    let reps = format!("/api/v1/organisations/{id}/representatives");
    let (s, e) = app.post_json(&reps, Some(&binh), add("001099000777", "authorised")).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["id_number"].as_str().unwrap().contains("Không có tài khoản"), "{e}");
    let (s, e) = app.post_json(&reps, Some(&binh), add("12", "boss")).await;
    assert_eq!(s, 422);
    assert!(e["error"]["fields"]["id_number"].is_string() && e["error"]["fields"]["kind"].is_string(), "{e}");
    let (s, o) = app.post_json(&reps, Some(&binh), add("038090001234", "authorised")).await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(o["representatives"].as_array().unwrap().len(), 2);
    let (s, _) = app.post_json(&reps, Some(&binh), add("038090001234", "legal")).await;
    assert_eq!(s, 422, "already a representative");
    // An authorised person names no one.
    let (s, _) = app.post_json(&reps, Some(&an), add("038185004321", "authorised")).await;
    assert_eq!(s, 403);

    // An applies in the cooperative's name: the cooperative is the applicant.
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&an), as_coop()).await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    assert_eq!(d["applicant"]["full_name"], "Hợp tác xã Bình Minh");
    assert_eq!(d["applicant"]["organisation"], json!({"id": id, "tax_code": "0101234567-001"}));
    // Bình follows it: in her list, and on its page with the applicant's actions.
    let (s, seen) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&binh)).await;
    assert_eq!(s, 200, "{seen}");
    assert!(seen["actions"].as_array().unwrap().iter().any(|a| a == "withdraw"), "{seen}");
    let (_, list) = app.get("/api/v1/dossiers", Some(&binh)).await;
    assert!(list["items"].as_array().unwrap().iter().any(|x| x["code"] == code.as_str()));
    // A dossier of An's own stays his; a stranger sees neither.
    let (s, own) = app.post_multipart("/api/v1/dossiers", Some(&an), submission(&proc, &answers(&proc))).await;
    assert_eq!(s, 201);
    assert_eq!(own["applicant"]["full_name"], "Nguyễn Văn An");
    assert!(own["applicant"].get("organisation").is_none(), "{own}");
    let (s, _) = app.get(&format!("/api/v1/dossiers/{}", own["code"].as_str().unwrap()), Some(&binh)).await;
    assert_eq!(s, 404);
    let (s, _) = app
        .register(json!({"full_name": "Lê Văn Cường", "id_number": "001090000003", "phone": "0977000111", "email": "cuong@example.vn", "password": "một mật khẩu đủ dài 2026"}))
        .await;
    assert_eq!(s, 201);
    let (s, signed) = app
        .post_json(
            "/api/v1/auth/login",
            None,
            json!({"username": "001090000003", "password": "một mật khẩu đủ dài 2026"}),
        )
        .await;
    assert_eq!(s, 200, "{signed}");
    let cuong = signed["token"].as_str().unwrap().to_string();
    let (s, _) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&cuong)).await;
    assert_eq!(s, 404);
    let (s, e) = app.post_multipart("/api/v1/dossiers", Some(&cuong), as_coop()).await;
    assert_eq!(s, 422, "{e}");

    // The last legal representative stays; An cannot remove her.
    let binh_id = o["representatives"][0]["user_id"].as_i64().unwrap();
    let an_id = o["representatives"][1]["user_id"].as_i64().unwrap();
    let remove = |who: i64| format!("/api/v1/organisations/{id}/representatives/{who}");
    let (s, _) = app.send_json(reqwest::Method::DELETE, &remove(binh_id), Some(&an), json!({})).await;
    assert_eq!(s, 403);
    let (s, _) = app.send_json(reqwest::Method::DELETE, &remove(binh_id), Some(&binh), json!({})).await;
    assert_eq!(s, 409);
    // Bình removes An: he no longer sees the dossier he filed; she still does.
    let (s, _) = app.send_json(reqwest::Method::DELETE, &remove(an_id), Some(&binh), json!({})).await;
    assert_eq!(s, 204);
    let (s, _) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&an)).await;
    assert_eq!(s, 404);
    let (_, list) = app.get("/api/v1/dossiers", Some(&an)).await;
    assert!(!list["items"].as_array().unwrap().iter().any(|x| x["code"] == code.as_str()), "{list}");
    let (s, _) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&binh)).await;
    assert_eq!(s, 200);
    let (s, mine) = app.get("/api/v1/organisations", Some(&an)).await;
    assert_eq!(s, 200);
    assert!(mine["items"].as_array().unwrap().iter().all(|x| x["id"] != id), "{mine}");
}

/// The application form of the department's procedure, complete, as a browser sends it.
fn application(proc: &Value, csrf: &str) -> Form {
    let mut form = Form::new().text("_csrf", csrf.to_string());
    for (k, v) in answers(proc) {
        let v = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        form = form.text(format!("a_{k}"), v);
    }
    for d in proc["required_documents"].as_array().unwrap() {
        let key = d["key"].as_str().unwrap();
        form = form.part(format!("d_{key}"), Part::bytes(pdf(key)).file_name(format!("{key}.pdf")));
    }
    form
}

async fn organisations_through_the_pages(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let proc = app.department_procedure().await;
    let code = proc["code"].as_str().unwrap();
    let an = browser();
    sign_in(&app, &an, "congdan").await;

    // His list offers the organisation accounts; the business he represents is there, verified.
    let (_, html) = page(&app, &an, "/ho-so").await;
    assert!(html.contains("href=\"/tai-khoan/to-chuc\""));
    let (s, html) = page(&app, &an, "/tai-khoan/to-chuc").await;
    assert_eq!(s, 200);
    assert!(html.contains("Công ty TNHH Thương mại An Phát") && html.contains("Đã xác minh"), "{html}");

    // Registering another with nothing typed: every field named, the title says "Lỗi".
    let res = an.post(app.url("/tai-khoan/to-chuc")).form(&[("_csrf", csrf_of(&html))]).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Lỗi:"), "{html}");
    for field in ["tax_code", "name", "address"] {
        assert!(html.contains(&format!("href=\"#f-{field}\"")), "{field}");
    }
    let res = an
        .post(app.url("/tai-khoan/to-chuc"))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("tax_code", "4200111222"),
            ("name", "Công ty CP Sơn Hà"),
            ("address", "Tổ 5, phường Chiềng Lề"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &an, &location).await;
    assert!(html.contains("id=\"pending-notice\"") && !html.contains("id=\"organisation-add\""), "{html}");
    let son_ha: i64 = location.trim_start_matches("/tai-khoan/to-chuc/").trim_end_matches("?moi=1").parse().unwrap();

    // The administrator verifies it from the list of registrations waiting.
    let admin = browser();
    sign_in(&app, &admin, "quantri").await;
    let (s, html) = page(&app, &admin, "/quan-tri/to-chuc").await;
    assert_eq!(s, 200);
    assert!(html.contains("Công ty CP Sơn Hà") && html.contains("Nguyễn Văn An (038090001234)"), "{html}");
    let decide = |decision: &'static str, note: &'static str| {
        [("_csrf", csrf_of(&html)), ("decision", decision.to_string()), ("note", note.to_string())]
    };
    let res =
        admin.post(app.url(&format!("/quan-tri/to-chuc/{son_ha}"))).form(&decide("reject", " ")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422, "a refusal needs its reason");
    assert!(res.text().await.unwrap().contains(&format!("href=\"#f-note-{son_ha}\"")));
    let res =
        admin.post(app.url(&format!("/quan-tri/to-chuc/{son_ha}"))).form(&decide("verify", "")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = page(&app, &admin, res.headers()["location"].to_str().unwrap()).await;
    assert!(html.contains("id=\"flash\"") && html.contains("id=\"no-pending\""), "{html}");
    // A citizen is told the page does not exist.
    assert_eq!(page(&app, &an, "/quan-tri/to-chuc").await.0, 404);

    // An names Bình its authorised person; a wrong number is named beside its field.
    let (_, html) = page(&app, &an, &format!("/tai-khoan/to-chuc/{son_ha}")).await;
    assert!(html.contains("id=\"organisation-add\""), "{html}");
    let add = format!("/tai-khoan/to-chuc/{son_ha}/nguoi-dai-dien");
    let res = an
        .post(app.url(&add))
        .form(&[("_csrf", csrf_of(&html).as_str()), ("id_number", "0381"), ("kind", "authorised")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let err = res.text().await.unwrap();
    assert!(err.contains("href=\"#f-id_number\"") && err.contains("value=\"0381\""), "{err}");
    let res = an
        .post(app.url(&add))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("id_number", "038185004321"),
            ("kind", "authorised"),
            ("title", "Kế toán"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = page(&app, &an, res.headers()["location"].to_str().unwrap()).await;
    assert!(html.contains("Trần Thị Bình") && html.contains("Người được ủy quyền"), "{html}");

    // Bình applies through the forms; on the check-your-answers page she chooses the company.
    let binh = browser();
    sign_in(&app, &binh, "congdan2").await;
    let (_, html) = page(&app, &binh, &format!("/nop/{code}")).await;
    let res = binh
        .post(app.url(&format!("/nop/{code}")))
        .multipart(application(&proc, &csrf_of(&html)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let review = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = page(&app, &binh, &review).await;
    assert!(html.contains("Nộp hồ sơ nhân danh") && html.contains("Cá nhân tôi (Trần Thị Bình)"), "{html}");
    assert!(
        html.contains(&format!("value=\"{son_ha}\"")) && html.contains("Công ty CP Sơn Hà (mã số thuế 4200111222)")
    );
    let res = binh
        .post(app.url(&review))
        .form(&[("_csrf", csrf_of(&html)), ("to_chuc", son_ha.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let dossier = location.trim_start_matches("/ho-so/").trim_end_matches("?moi=1").to_string();
    let (_, html) = page(&app, &binh, &location).await;
    assert!(html.contains("Công ty CP Sơn Hà"), "the organisation is the applicant: {html}");
    // An finds it among the company's dossiers, and not among his own.
    let (_, html) = page(&app, &an, &format!("/ho-so?cua={son_ha}")).await;
    assert!(html.contains(&dossier), "{html}");
    let (_, html) = page(&app, &an, "/ho-so?cua=toi").await;
    assert!(!html.contains(&dossier));
    assert_eq!(page(&app, &an, &format!("/ho-so/{dossier}")).await.0, 200);

    // Bình leaves: the dossier she filed is the company's alone.
    let (_, html) = page(&app, &binh, &format!("/tai-khoan/to-chuc/{son_ha}")).await;
    let binh_id = app.get("/api/v1/me", Some(&app.login("congdan2").await)).await.1["id"].as_i64().unwrap();
    assert!(html.contains(&format!("id=\"remove-{binh_id}\"")), "{html}");
    let res = binh
        .post(app.url(&format!("/tai-khoan/to-chuc/{son_ha}/nguoi-dai-dien/{binh_id}/xoa")))
        .form(&[("_csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(page(&app, &binh, &format!("/ho-so/{dossier}")).await.0, 404);
    assert_eq!(page(&app, &binh, &format!("/tai-khoan/to-chuc/{son_ha}")).await.0, 404);
    assert_eq!(page(&app, &an, &format!("/ho-so/{dossier}")).await.0, 200);
}

/// A dossier the national portal hands over for a tax code belongs to the verified organisation
/// holding it; one handed over before the organisation had an account moves into it when an
/// administrator verifies it.
async fn portal_dossiers_for_a_tax_code_reach_the_organisation(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let (system, _) = add_token(&app.state.db, "Cổng Dịch vụ công quốc gia", Scope::Integration).await.unwrap();
    let proc = app.department_procedure().await;
    let keys: Vec<String> =
        proc["required_documents"].as_array().unwrap().iter().map(|d| d["key"].as_str().unwrap().to_string()).collect();
    let send = |portal_code: &'static str, tax_code: &'static str| {
        let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let dossier = portal_dossier(
            portal_code,
            proc["code"].as_str().unwrap(),
            tax_code,
            Value::Object(answers(&proc)),
            &key_refs,
        );
        let files =
            keys.iter().map(|k| PortalFile { key: k.clone(), file_name: format!("{k}.pdf"), bytes: pdf(k) }).collect();
        let (base, system) = (app.base.clone(), system.clone());
        async move { send_dossier(&base, &system, &dossier, files).await.unwrap() }
    };
    let (an, binh, admin) = (app.login("congdan").await, app.login("congdan2").await, app.login("quantri").await);

    let (s, d) = send("G22.99-261204-000001", AN_PHAT).await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap();
    let (s, seen) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&an)).await;
    assert_eq!(s, 200, "{seen}");
    assert_eq!(seen["applicant"]["organisation"]["tax_code"], AN_PHAT);
    assert_eq!(app.get(&format!("/api/v1/dossiers/{code}"), Some(&binh)).await.0, 404);

    let (s, d) = send("G22.99-261204-000002", "4200999888").await;
    assert_eq!(s, 201, "{d}");
    let early = d["code"].as_str().unwrap().to_string();
    let (s, o) = app
        .post_json(
            "/api/v1/organisations",
            Some(&binh),
            json!({"tax_code": "4200999888", "name": "Công ty TNHH Mai Linh", "address": "Sơn La"}),
        )
        .await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(app.get(&format!("/api/v1/dossiers/{early}"), Some(&binh)).await.0, 404, "not before verification");
    let (s, decided) = app
        .post_json(&format!("/api/v1/organisations/{}/decision", o["id"]), Some(&admin), json!({"verify": true}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(decided["dossiers_taken_over"], 1);
    assert_eq!(app.get(&format!("/api/v1/dossiers/{early}"), Some(&binh)).await.0, 200);
}
