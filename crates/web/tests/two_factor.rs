//! Two-factor authentication (TOTP) of local accounts, through the pages and the API, on SQLite
//! and on PostgreSQL: enrolment from the account page, the second step of signing in, wrong
//! codes refused and slowed, a code never taken twice, and `otp` in the API's sign-in.
//!
//! Codes are made here with `totp-rs` from the secret the page shows, for the current time step
//! or the next (the server takes one step either side), never for a step already used.

mod common;

use common::{csrf_of, page, TestApp};
use motcua_testkit::{on_both_engines, TestEngine};
use serde_json::json;

on_both_engines!(
    an_officer_turns_two_factor_on_and_signs_in_with_a_code,
    the_api_sign_in_asks_for_the_code_of_an_account_with_two_factor,
);

/// The time step now (30 seconds each).
fn step_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 30
}

fn code(secret: &str, step: u64) -> String {
    let bytes = totp_rs::Secret::try_from_base32(secret).unwrap();
    let totp = totp_rs::Builder::new().with_secret(bytes.as_bytes().to_vec()).build().unwrap();
    totp.generate(step * 30).to_string()
}

/// The text between `start` and the next `<`.
fn text_after<'a>(html: &'a str, start: &str) -> &'a str {
    let at = html.find(start).unwrap_or_else(|| panic!("{start} in {html}")) + start.len();
    &html[at..at + html[at..].find('<').unwrap()]
}

/// Sends a form of the page at `path` (its CSRF token taken from it) to `action`.
async fn send(
    app: &TestApp,
    b: &reqwest::Client,
    path: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, html) = page(app, b, path).await;
    let csrf = csrf_of(&html);
    let mut form = vec![("_csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = b.post(app.url(action)).form(&form).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

/// Turns two-factor authentication on for `user` through the account page: its secret.
async fn enrol(app: &TestApp, b: &reqwest::Client, user: &str) -> String {
    common::sign_in(app, b, user).await;
    let (status, html) = page(app, b, "/tai-khoan/xac-thuc-hai-lop").await;
    assert_eq!(status, 200, "{html}");
    let secret = text_after(&html, "id=\"two-factor-secret\">").to_string();
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    let uri = text_after(&html, "id=\"two-factor-uri\">").replace("&amp;", "&");
    assert!(uri.starts_with(&format!("otpauth://totp/motcua:{user}?secret={secret}")), "{uri}");
    assert!(html.contains("<svg") && html.contains("id=\"two-factor-qr\""), "the QR code is on the page");
    // The same secret until confirmed: reloading the page does not change what was scanned.
    let (_, again) = page(app, b, "/tai-khoan/xac-thuc-hai-lop").await;
    assert_eq!(text_after(&again, "id=\"two-factor-secret\">"), secret);

    let path = "/tai-khoan/xac-thuc-hai-lop";
    let wrong = code(&secret, step_now() + 5);
    let (status, _, html) = send(app, b, path, path, &[("action", "confirm"), ("code", &wrong)]).await;
    assert_eq!(status, 401, "a wrong code does not confirm: {html}");
    assert!(html.contains("Mã xác thực không đúng"), "{html}");
    let right = code(&secret, step_now());
    let (status, location, _) = send(app, b, path, path, &[("action", "confirm"), ("code", &right)]).await;
    assert_eq!((status, location.as_str()), (303, "/tai-khoan/xac-thuc-hai-lop?done=on"));
    let (_, html) = page(app, b, &location).await;
    assert!(html.contains("id=\"two-factor-done\"") && !html.contains("two-factor-secret"), "{html}");
    secret
}

async fn an_officer_turns_two_factor_on_and_signs_in_with_a_code(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = common::browser();
    let secret = enrol(&app, &b, "quantri").await;
    let enrolled_at = step_now();

    // Signing in with the password alone now opens no session, only the page for the code.
    let fresh = common::browser();
    let to = common::sign_in(&app, &fresh, "quantri").await;
    assert_eq!(to, "/dang-nhap/ma-xac-thuc");
    let (status, _) = page(&app, &fresh, "/quan-tri/lich").await;
    assert_eq!(status, 303, "not signed in yet");
    let (status, html) = page(&app, &fresh, "/dang-nhap/ma-xac-thuc").await;
    assert_eq!(status, 200);
    assert!(html.contains("autocomplete=\"one-time-code\""), "{html}");

    // The code of the confirmation is not taken again; a wrong one is refused; the next one
    // opens the session.
    let used = code(&secret, enrolled_at);
    let form = "/dang-nhap/ma-xac-thuc";
    let (status, _, html) = send(&app, &fresh, form, form, &[("code", &used)]).await;
    assert_eq!(status, 401, "{html}");
    assert!(html.contains("Mã xác thực này đã được dùng"), "{html}");
    let next = code(&secret, enrolled_at + 1);
    let (status, location, _) = send(&app, &fresh, form, form, &[("code", &next)]).await;
    assert_eq!((status, location.as_str()), (303, "/can-bo"), "the administrator is signed in");
    let (status, _) = page(&app, &fresh, "/quan-tri/lich").await;
    assert_eq!(status, 200);
    let (status, _) = page(&app, &fresh, form).await;
    assert_eq!(status, 303, "the pending sign-in is over");

    // The same code in another sign-in: refused. Wrong codes are slowed like wrong passwords.
    let other = common::browser();
    common::sign_in(&app, &other, "quantri").await;
    let (status, _, _) = send(&app, &other, form, form, &[("code", &next)]).await;
    assert_eq!(status, 401, "a code is taken once");
    let wrong = code(&secret, step_now() + 7);
    for _ in 0..2 {
        let (status, _, _) = send(&app, &other, form, form, &[("code", &wrong)]).await;
        assert_eq!(status, 401);
    }
    let (status, _, html) = send(&app, &other, form, form, &[("code", &wrong)]).await;
    assert_eq!(status, 429, "the third failure makes this address wait: {html}");
    let (status, _) = page(&app, &other, "/quan-tri/lich").await;
    assert_eq!(status, 303, "never signed in");

    // Turning it off takes a code too; then the password alone signs in again.
    let path = "/tai-khoan/xac-thuc-hai-lop";
    let (status, _, _) = send(&app, &fresh, path, path, &[("action", "off"), ("code", &wrong)]).await;
    assert!(status == 401 || status == 429, "{status}");
}

async fn the_api_sign_in_asks_for_the_code_of_an_account_with_two_factor(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    // Accounts without it sign in as before, `otp` or not.
    app.login("chuyenvien").await;
    let (status, body) = app
        .post_json("/api/v1/auth/login", None, json!({"username": "congdan", "password": "demo", "otp": "123456"}))
        .await;
    assert_eq!(status, 200, "{body}");

    let secret = enrol(&app, &common::browser(), "lanhdao").await;
    let enrolled_at = step_now();
    let login = |otp: Option<String>| {
        let mut body = json!({"username": "lanhdao", "password": "demo"});
        if let Some(otp) = otp {
            body["otp"] = json!(otp);
        }
        app.post_json("/api/v1/auth/login", None, body)
    };
    let (status, body) = login(None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("otp_required")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("mã 6 chữ số"), "{body}");
    let (status, body) = login(Some(code(&secret, enrolled_at))).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("otp_invalid")), "used at enrolment: {body}");
    let next = code(&secret, enrolled_at + 1);
    let (status, body) = login(Some(next.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["username"], "lanhdao");
    let token = body["token"].as_str().unwrap().to_string();
    let (status, _) = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, 200);
    let (status, body) = login(Some(next)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("otp_invalid")), "taken once: {body}");
    let (status, body) = app
        .post_json("/api/v1/auth/login", None, json!({"username": "lanhdao", "password": "wrong", "otp": "000000"}))
        .await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")), "{body}");
}
