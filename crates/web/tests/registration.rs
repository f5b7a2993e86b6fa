//! Registering does not tell which phones, e-mails and identity numbers have accounts (issue 16
//! point 6): the answer is the same for taken and free details, the owner of a taken one is
//! warned instead, and only a code sent to a free phone creates an account. By API and by page,
//! on SQLite and on PostgreSQL.

mod common;

use common::{browser, code_in, csrf_of, page, TestApp};
use motcua_testkit::{on_both_engines, TestEngine};
use serde_json::{json, Value};

on_both_engines!(
    the_api_answers_taken_and_free_details_alike_and_warns_the_owner,
    the_pages_answer_taken_and_free_details_alike,
    five_wrong_codes_end_a_registration,
    a_code_sent_again_replaces_the_first,
);

/// The demo citizen `congdan`'s phone, e-mail and identity number.
const OWNER_PHONE: &str = "0912345678";
const OWNER_EMAIL: &str = "nguyen.van.an@example.vn";
const OWNER_ID: &str = "038090001234";

/// Details of someone new, numbered `n`: each phone shown as `09…78` and each e-mail as
/// `n…@example.vn`, like the owner's, so that pages may be compared byte for byte.
fn newcomer(n: u32) -> Value {
    json!({"full_name": "Đỗ Thị Hoa", "id_number": format!("0011950{n:05}"), "phone": format!("09770{n:03}78"),
        "email": format!("nam{n}@example.vn"), "password": "Hoa mai nở sớm bên suối 2026"})
}

/// A registration with the owner's phone, e-mail, identity number, and one with none of them.
fn attempts(first: u32) -> [(&'static str, Value); 4] {
    let with = |field: &str, value: &str, n: u32| {
        let mut v = newcomer(n);
        v[field] = json!(value);
        v
    };
    [
        ("phone", with("phone", OWNER_PHONE, first)),
        ("email", with("email", OWNER_EMAIL, first + 1)),
        ("id_number", with("id_number", OWNER_ID, first + 2)),
        ("none", newcomer(first + 3)),
    ]
}

/// The raw answer to a registration request: status, content type and body bytes.
async fn raw(app: &TestApp, body: &Value) -> (u16, String, Vec<u8>) {
    let res = app.http.post(app.url("/api/v1/auth/register")).json(body).send().await.unwrap();
    let kind = res.headers()["content-type"].to_str().unwrap().to_string();
    (res.status().as_u16(), kind, res.bytes().await.unwrap().to_vec())
}

fn with_code(body: &Value, code: &str) -> Value {
    let mut b = body.clone();
    b["code"] = json!(code);
    b
}

async fn the_api_answers_taken_and_free_details_alike_and_warns_the_owner(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let tries = attempts(1);
    let mut answers = Vec::new();
    for (_, body) in &tries {
        answers.push(raw(&app, body).await);
    }
    assert_eq!(answers[0].0, 202);
    assert_eq!(answers[0].2, br#"{"status":"code_sent"}"#);
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a, &answers[0], "taken {} is answered as free details are", tries[i].0);
    }

    let sent = app.run_registration_jobs().await;
    // The owner is warned once for each registration with their details, on their own phone,
    // and pointed to the password reset; nobody else's phone but the free one gets anything.
    let to_owner: Vec<&String> = sent.iter().filter(|(p, _)| p == OWNER_PHONE).map(|(_, t)| t).collect();
    assert_eq!(to_owner.len(), 3, "{sent:?}");
    for text in &to_owner {
        assert!(text.contains("/quen-mat-khau") && code_in(text).is_none(), "{text}");
    }
    let free_phone = tries[3].1["phone"].as_str().unwrap();
    assert_eq!(sent.len(), 4, "{sent:?}");
    let (phone, text) = sent.iter().find(|(p, _)| p != OWNER_PHONE).unwrap();
    assert_eq!(phone, free_phone);
    let code = code_in(text).expect("the free phone gets a code");
    let stored: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT code_hash FROM pending_registrations").fetch_all(app.state.db.reader()).await.unwrap();
    assert!(stored.iter().all(|(h,)| h.as_deref() != Some(code.as_str())), "the code is not stored in clear");

    // Any code for taken details is answered as a wrong code is, even the code sent elsewhere.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = raw(&app, &with_code(&tries[3].1, wrong)).await;
    assert_eq!(refused.0, 422);
    for (what, body) in &tries[..3] {
        for c in [wrong, code.as_str()] {
            assert_eq!(raw(&app, &with_code(body, c)).await, refused, "taken {what}, code {c}");
        }
    }
    let (s, u) = app.post_json("/api/v1/auth/register", None, with_code(&tries[3].1, &code)).await;
    assert_eq!(s, 201, "{u}");
    assert_eq!((u["user"]["full_name"].as_str(), u["user"]["roles"].clone()), (Some("Đỗ Thị Hoa"), json!(["citizen"])));
    let login = json!({"username": free_phone, "password": "Hoa mai nở sớm bên suối 2026"});
    assert_eq!(app.post_json("/api/v1/auth/login", None, login).await.0, 200);
    // The code is spent, and nobody's account was made from the taken details.
    assert_eq!(raw(&app, &with_code(&tries[3].1, &code)).await, refused);
    let (accounts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE full_name = 'Đỗ Thị Hoa'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    assert_eq!(accounts, 1);

    // Two people register the same free phone; whoever finishes second finds it taken, and is
    // answered as a wrong code.
    let first = newcomer(20);
    let mut second = newcomer(21);
    second["phone"] = first["phone"].clone();
    assert_eq!(raw(&app, &first).await.0, 202);
    let first_code = app.run_registration_jobs().await.iter().find_map(|(_, t)| code_in(t)).unwrap();
    assert_eq!(raw(&app, &second).await.0, 202);
    let second_code = app.run_registration_jobs().await.iter().find_map(|(_, t)| code_in(t)).unwrap();
    assert_eq!(app.post_json("/api/v1/auth/register", None, with_code(&first, &first_code)).await.0, 201);
    assert_eq!(raw(&app, &with_code(&second, &second_code)).await, refused);
}

/// The page after the form, with its CSRF token taken out.
fn without_csrf(html: &str) -> String {
    html.replace(&csrf_of(html), "CSRF")
}

/// Sends the registration form with `body`'s details in browser `b`: the answer.
async fn start_in_browser(app: &TestApp, b: &reqwest::Client, body: &Value) -> reqwest::Response {
    let (_, form) = page(app, b, "/dang-ky").await;
    let mut fields = vec![("_csrf".to_string(), csrf_of(&form))];
    for name in ["full_name", "id_number", "phone", "email", "password"] {
        fields.push((name.to_string(), body[name].as_str().unwrap().to_string()));
    }
    b.post(app.url("/dang-ky")).form(&fields).send().await.unwrap()
}

async fn the_pages_answer_taken_and_free_details_alike(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let mut seen = Vec::new();
    for (what, body) in attempts(40) {
        let b = browser();
        let res = start_in_browser(&app, &b, &body).await;
        let status = res.status().as_u16();
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        let cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|c| c.to_str().unwrap().split('=').next().unwrap().to_string())
            .collect();
        let answer = res.bytes().await.unwrap();
        let (code_status, code_page) = page(&app, &b, "/dang-ky/xac-nhan").await;
        assert!(code_page.contains("09…78") && code_page.contains("n…@example.vn"), "{what}: {code_page}");
        // A wrong code, answered alike too.
        let wrong = [("_csrf", csrf_of(&code_page)), ("code", "000000".to_string())];
        let res = b.post(app.url("/dang-ky/xac-nhan")).form(&wrong).send().await.unwrap();
        let wrong_status = res.status().as_u16();
        let wrong_page = without_csrf(&res.text().await.unwrap());
        seen.push((
            what,
            (status, location, cookies, answer, code_status, without_csrf(&code_page), wrong_status, wrong_page),
        ));
    }
    let (_, free) = &seen[3];
    assert_eq!((free.0, free.1.as_deref(), free.4, free.6), (303, Some("/dang-ky/xac-nhan"), 200, 422));
    for (what, answer) in &seen {
        assert_eq!(answer, free, "taken {what} is answered as free details are");
    }
}

async fn five_wrong_codes_end_a_registration(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let body = newcomer(60);
    assert_eq!(raw(&app, &body).await.0, 202);
    let code = app.run_registration_jobs().await.iter().find_map(|(_, t)| code_in(t)).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = raw(&app, &with_code(&body, wrong)).await;
    assert_eq!(refused.0, 422);
    for _ in 0..4 {
        assert_eq!(raw(&app, &with_code(&body, wrong)).await, refused);
    }
    assert_eq!(raw(&app, &with_code(&body, &code)).await, refused, "the right code comes too late");
    // The right code with another password is no better: the details are the registration's.
    let fresh = newcomer(61);
    assert_eq!(raw(&app, &fresh).await.0, 202);
    let code = app.run_registration_jobs().await.iter().find_map(|(_, t)| code_in(t)).unwrap();
    let mut other = with_code(&fresh, &code);
    other["password"] = json!("Một mật khẩu khác hẳn 2027");
    assert_eq!(raw(&app, &other).await, refused);
    assert_eq!(raw(&app, &with_code(&fresh, &code)).await.0, 201);

    // In the browser, the fifth wrong code leads back to the form, which says why.
    let b = browser();
    assert_eq!(start_in_browser(&app, &b, &newcomer(62)).await.status().as_u16(), 303);
    let code = app.run_registration_jobs().await.iter().find_map(|(_, t)| code_in(t)).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (_, html) = page(&app, &b, "/dang-ky/xac-nhan").await;
    let form = [("_csrf", csrf_of(&html)), ("code", wrong.to_string())];
    for _ in 0..4 {
        let res = b.post(app.url("/dang-ky/xac-nhan")).form(&form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 422);
        assert!(res.text().await.unwrap().contains("id=\"register-code-sent\""));
    }
    let res = b.post(app.url("/dang-ky/xac-nhan")).form(&form).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let over = res.text().await.unwrap();
    assert!(over.contains("action=\"/dang-ky\"") && over.contains("đã nhập sai quá 5 lần"), "{over}");
    let res = b.get(app.url("/dang-ky/xac-nhan")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/dang-ky");
}

async fn a_code_sent_again_replaces_the_first(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = browser();
    let res = start_in_browser(&app, &b, &newcomer(70)).await;
    assert_eq!(res.status().as_u16(), 303);
    let first = app.run_registration_jobs().await.iter().find_map(|(_, t)| code_in(t)).unwrap();
    let (_, html) = page(&app, &b, "/dang-ky/xac-nhan").await;
    assert!(html.contains("action=\"/dang-ky/gui-lai\""), "{html}");
    let again = [("_csrf", csrf_of(&html))];
    // Within the minute: not sent, and the page says to wait.
    let res = b.post(app.url("/dang-ky/gui-lai")).form(&again).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/dang-ky/xac-nhan?gui_lai=0");
    assert!(app.run_registration_jobs().await.is_empty());
    let (_, waiting) = page(&app, &b, "/dang-ky/xac-nhan?gui_lai=0").await;
    assert!(waiting.contains("id=\"register-code-wait\""), "{waiting}");
    // A minute later (the last message moved back in time): a new code, and the first is over.
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE pending_registrations SET sent_at = sent_at - 61000").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let res = b.post(app.url("/dang-ky/gui-lai")).form(&again).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/dang-ky/xac-nhan?gui_lai=1");
    let second = app.run_registration_jobs().await.iter().find_map(|(_, t)| code_in(t)).unwrap();
    let (_, html) = page(&app, &b, "/dang-ky/xac-nhan?gui_lai=1").await;
    assert!(html.contains("id=\"register-code-resent\""), "{html}");
    let finish = |code: &str| {
        let form = [("_csrf", csrf_of(&html)), ("code", code.to_string())];
        b.post(app.url("/dang-ky/xac-nhan")).form(&form).send()
    };
    if first != second {
        assert_eq!(finish(&first).await.unwrap().status().as_u16(), 422, "the first code no longer works");
    }
    let res = finish(&second).await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], "/ho-so");
    let (s, mine) = page(&app, &b, "/ho-so").await;
    assert_eq!(s, 200);
    assert!(mine.contains("Đỗ Thị Hoa"));
}
