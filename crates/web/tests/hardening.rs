//! The attacks of the security audit (issue "hold under attack"), each reproduced against the
//! running server and shown to do no harm. On SQLite and on PostgreSQL.

mod common;

use common::{browser, csrf_of, page, TestApp};
use motcua_app::Config;
use motcua_testkit::{on_both_engines, TestEngine};

on_both_engines!(
    redirects_never_leave_the_site,
    common_passwords_are_refused_at_registration,
    administrators_do_not_read_dossiers,
    personal_answers_are_not_stored_and_https_is_remembered,
    public_checks_are_rate_limited,
    sessions_end_at_their_lifetime_are_capped_and_can_be_ended,
    a_signed_in_person_changes_their_password_and_the_other_sessions_end,
    wrong_passwords_slow_their_address_and_never_lock_the_owner_out,
    many_addresses_guessing_put_the_sign_in_under_a_code_sent_to_the_owner,
    failed_sign_ins_older_than_a_day_no_longer_count_and_are_pruned,
    an_account_with_two_factor_is_asked_for_its_app_code_and_sent_none,
    unknown_and_foreign_codes_get_the_same_answers,
    without_online_payment_the_fee_is_paid_at_the_desk,
);

/// `username` signs in through the API from address `from` (as a trusted proxy's
/// `X-Forwarded-For` says; believed only by a server that trusts the local proxy), with `otp`
/// when given: the status and the answer.
async fn login_from(
    app: &TestApp,
    username: &str,
    from: &str,
    password: &str,
    otp: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut body = serde_json::json!({"username": username, "password": password});
    if let Some(otp) = otp {
        body["otp"] = otp.into();
    }
    let res =
        app.http.post(app.url("/api/v1/auth/login")).header("x-forwarded-for", from).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json::<serde_json::Value>().await.unwrap())
}

/// `next` and `back` parameters go through one check: backslashes, tabs, line breaks and their
/// percent-encoded forms neither send the browser to another site nor break the answer.
async fn redirects_never_leave_the_site(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let b = browser();
    for hostile in ["/%5Cevil.example", "/%09/evil.example", "%2F%2Fevil.example", "/%0d%0a", "/%252F%252Fevil.example"]
    {
        let res = b.get(app.url(&format!("/ngon-ngu?lang=vi&next={hostile}"))).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303, "{hostile}");
        assert_eq!(res.headers()["location"], "/", "{hostile}");
    }
    let res = b.get(app.url("/ngon-ngu?lang=vi&next=%2Fthu-tuc%3Fq%3Dkhai")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/thu-tuc?q=khai", "a path of the site is kept");
    // The sign-in page does not carry a hostile `next` into its form, nor follow it after.
    let (_, html) = page(&app, &b, "/dang-nhap?next=/%5Cevil.example").await;
    let field = &html[html.find("name=\"next\"").expect("the next field")..];
    assert!(!field[..field.find('>').unwrap()].contains("evil"), "{html}");
    let (_, html) = page(&app, &b, "/dang-nhap").await;
    let res = b
        .post(app.url("/dang-nhap"))
        .form(&[
            ("_csrf", csrf_of(&html).as_str()),
            ("username", "congdan"),
            ("password", "demo"),
            ("next", "/\\evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let location = res.headers()["location"].to_str().unwrap();
    assert!(location.starts_with('/') && !location.contains("evil"), "{location}");
}

/// NIST SP 800-63B 5.1.1.2: `12345678` and passwords made of the person's own details are
/// refused at registration with a message that says why; a long phrase is accepted.
async fn common_passwords_are_refused_at_registration(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let person = |password: &str| {
        serde_json::json!({"full_name": "Trần Thị Bình", "id_number": "001195099999", "phone": "0977 000 135",
            "email": "binh.tran@example.vn", "password": password})
    };
    for weak in ["12345678", "0977000135", "tranthibinh", "matkhau123"] {
        let (s, e) = app.post_json("/api/v1/auth/register", None, person(weak)).await;
        assert_eq!(s, 422, "{weak}: {e}");
        assert!(e.to_string().contains("quá phổ biến hoặc dễ đoán"), "{weak}: {e}");
    }
    let (s, e) = app.register(person("sông Hồng chảy qua Lào Cai")).await;
    assert_eq!(s, 201, "{e}");
    // Registrations, each of which sends messages, are slowed: 20 an address, then one a minute
    // (five made above; giving the code is not one).
    let mut statuses = Vec::new();
    for _ in 0..16 {
        statuses.push(app.post_json("/api/v1/auth/register", None, person("12345678")).await.0);
    }
    assert_eq!(statuses[..15], [422; 15]);
    assert_eq!(statuses[15], 429);
}

/// The administrator's account belongs to the service centre, which receives for every agency,
/// but administering the system is no reason to read citizens' papers: the dossier is not
/// found for it, by page or API, while the audit page still works. When support needs it, the
/// administrator asks for one dossier with a reason: it opens (to read only) for a working
/// day, and the permission and the read are listed on the audit page.
async fn administrators_do_not_read_dossiers(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let code = common::received(&app).await;
    let other = common::received(&app).await;
    let admin = app.login("quantri").await;
    let (s, _) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&admin)).await;
    assert_eq!(s, 404);
    let b = browser();
    common::sign_in(&app, &b, "quantri").await;
    assert_eq!(page(&app, &b, &format!("/ho-so/{code}")).await.0, 404);
    let (s, audit) = page(&app, &b, "/quan-tri/nhat-ky").await;
    assert_eq!(s, 200);
    let desk = app.login("tiepnhan").await;
    assert_eq!(app.get(&format!("/api/v1/dossiers/{code}"), Some(&desk)).await.0, 200, "the desk still does");

    // Asking without a real reason, or for a dossier that does not exist, is refused by field.
    let ask = |code: &str, reason: &str| {
        let form = [("_csrf", csrf_of(&audit)), ("code", code.to_string()), ("reason", reason.to_string())];
        b.post(app.url("/quan-tri/nhat-ky/xem-ho-so")).form(&form).send()
    };
    let res = ask(&code, "xem").await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Lý do quá ngắn") && html.contains("href=\"#f-reason\""), "{html}");
    let res =
        ask("000.00.00.H38-000000-9999", "Yêu cầu hỗ trợ số 12: công dân báo không tải được kết quả").await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("Không có hồ sơ nào có mã này."));
    assert_eq!(page(&app, &b, &format!("/ho-so/{code}")).await.0, 404, "nothing was granted");

    // With a reason, the dossier opens, by page and by API, to read only.
    let reason = "Yêu cầu hỗ trợ số 12: công dân báo không tải được kết quả";
    let res = ask(&code, reason).await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(res.headers()["location"], format!("/ho-so/{code}").as_str());
    assert_eq!(page(&app, &b, &format!("/ho-so/{code}")).await.0, 200);
    let (s, d) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&admin)).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["actions"], serde_json::json!([]), "reading gives no action: {d}");
    let (s, _) = app
        .post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&admin), serde_json::json!({"action": "assign"}))
        .await;
    assert_ne!(s, 200, "an administrator cannot act on it");
    assert_eq!(app.get(&format!("/api/v1/dossiers/{other}"), Some(&admin)).await.0, 404, "one dossier only");

    // The permission, its reason and the read are on the audit page.
    let (_, audit) = page(&app, &b, "/quan-tri/nhat-ky").await;
    let grants = &audit[audit.find("id=\"inspect-grants\"").expect("the permissions table")..];
    assert!(grants.contains(reason) && grants.contains(&code) && grants.contains("Quản trị hệ thống"), "{grants}");
    let read = format!("<td>Quản trị hệ thống</td><td><a href=\"/ho-so/{code}\">");
    assert!(audit.contains(&read), "the read is logged: {audit}");

    // A permission that has ended opens nothing.
    let ended = chrono::Utc::now() - chrono::Duration::hours(1);
    let other_id: (i64,) = sqlx::query_as("SELECT id FROM dossiers WHERE code = $1")
        .bind(&other)
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    let admin_id: (i64,) = sqlx::query_as("SELECT id FROM users WHERE username = 'quantri'")
        .fetch_one(app.state.db.reader())
        .await
        .unwrap();
    motcua_store::access_grants::grant(
        &app.state.db,
        other_id.0,
        admin_id.0,
        reason,
        ended - chrono::Duration::hours(8),
        ended,
    )
    .await
    .unwrap();
    assert_eq!(app.get(&format!("/api/v1/dossiers/{other}"), Some(&admin)).await.0, 404, "an ended permission");
}

/// Answers with personal data are kept by no cache (a shared computer's browser, a proxy);
/// public ones may be. HSTS is sent when the site is served over HTTPS.
async fn personal_answers_are_not_stored_and_https_is_remembered(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let code = common::received(&app).await;
    let citizen = app.login("congdan").await;
    let res = app.http.get(app.url(&format!("/api/v1/dossiers/{code}"))).bearer_auth(&citizen).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let b = browser();
    common::sign_in(&app, &b, "congdan").await;
    let res = b.get(app.url(&format!("/ho-so/{code}"))).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let res = browser().get(app.url("/tra-cuu?code=x&phone=0912345678")).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store", "the public lookup");
    let res = browser().get(app.url("/api/v1/procedures")).send().await.unwrap();
    assert!(res.headers().get("cache-control").is_none_or(|v| v != "no-store"), "the catalog is public");
    assert!(res.headers().get("strict-transport-security").is_none(), "plain HTTP: no HSTS");
    let https =
        TestApp::spawn_with(engine, Config { public_url: "https://dichvucong.example.vn".into(), ..Config::default() })
            .await;
    let res = browser().get(https.url("/thu-tuc")).send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000");
    // Behind a trusted proxy, HSTS when the proxy says it took the request over HTTPS; the same
    // header from anyone else is not believed.
    let proxied = TestApp::spawn_with(
        engine,
        Config { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Config::default() },
    )
    .await;
    let res = browser().get(proxied.url("/thu-tuc")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000");
    let res = browser().get(proxied.url("/thu-tuc")).header("x-forwarded-proto", "http").send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none(), "plain HTTP at the proxy");
    let res = browser().get(app.url("/thu-tuc")).header("x-forwarded-proto", "https").send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none(), "no trusted proxy: the header proves nothing");
}

/// Checking results by code or by file is public, so one address may check many (a clerk with
/// a pile of papers) but not walk the codes: 60 at once, then one every 2 seconds, by page and
/// by API; another address is not held back.
async fn public_checks_are_rate_limited(engine: TestEngine) {
    let app = TestApp::spawn_with(
        engine,
        Config { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Config::default() },
    )
    .await;
    let from = |who: &'static str| move |r: reqwest::RequestBuilder| r.header("x-forwarded-for", who);
    let walker = from("203.0.113.50");
    let mut statuses = Vec::new();
    for i in 0..60 {
        let path = if i % 2 == 0 { format!("/api/v1/results/ABCD-{i:04}") } else { format!("/xac-thuc/ABCD-{i:04}") };
        statuses.push(walker(browser().get(app.url(&path))).send().await.unwrap().status().as_u16());
    }
    assert!(statuses.iter().all(|s| *s == 404), "{statuses:?}");
    let res = walker(browser().get(app.url("/api/v1/results/ABCD-0061"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let res = walker(browser().get(app.url("/xac-thuc/ABCD-0062"))).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.text().await.unwrap().contains("kiểm tra nhiều tệp hoặc mã trong thời gian ngắn"));
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(common::pdf("x")).file_name("x.pdf"));
    let res = walker(browser().post(app.url("/api/v1/results/verify")).multipart(form)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429, "files count too");
    let other = from("203.0.113.51");
    assert_eq!(other(browser().get(app.url("/api/v1/results/ABCD-0001"))).send().await.unwrap().status().as_u16(), 404);
}

/// A session lapses at its lifetime however active it is, an account keeps at most ten, and
/// its owner sees them and ends the others.
async fn sessions_end_at_their_lifetime_are_capped_and_can_be_ended(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let first = app.login("congdan").await;
    for _ in 0..10 {
        app.login("congdan").await;
    }
    assert_eq!(app.get("/api/v1/me", Some(&first)).await.0, 401, "the oldest of eleven ended");
    let token = app.login("congdan").await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.0, 200);
    // Thirteen hours after signing in, used a minute ago: over.
    let hash = motcua_app::passwords::token_hash(&token);
    let mut tx = app.state.db.write_tx().await.unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::query("UPDATE sessions SET created_at = $1, expires_at = $2 WHERE token_hash = $3")
        .bind(now - 13 * 3_600_000)
        .bind(now + 600_000)
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.0, 401, "past the lifetime");
    // The page lists the sessions, this one marked, and ends the others.
    let b = browser();
    common::sign_in(&app, &b, "congdan").await;
    let (s, html) = page(&app, &b, "/tai-khoan/phien").await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("name=\"id\"").count(), 10, "{html}");
    assert_eq!(html.matches("class=\"current\"").count(), 1);
    let res = b
        .post(app.url("/tai-khoan/phien"))
        .form(&[("_csrf", csrf_of(&html).as_str()), ("others", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/tai-khoan/phien?ended=9");
    let (_, html) = page(&app, &b, "/tai-khoan/phien?ended=9").await;
    assert_eq!(html.matches("name=\"id\"").count(), 1, "only this one is left");
    assert!(html.contains("Đã kết thúc 9 phiên."));
}

/// Guessing an officer's password from one address slows that address on that account; the
/// owner, from elsewhere, signs in at once. Addresses come from the socket unless it is a
/// trusted proxy, whose `X-Forwarded-For` is then believed.
async fn wrong_passwords_slow_their_address_and_never_lock_the_owner_out(engine: TestEngine) {
    let behind_proxy = TestApp::spawn_with(
        engine,
        Config { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Config::default() },
    )
    .await;
    let attacker = "203.0.113.7";
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(login_from(&behind_proxy, "chuyenvien", attacker, "doan-mo-1234", None).await.0);
    }
    assert_eq!(statuses, [401, 401, 429, 429, 429, 429], "three tries, then waits");
    let (s, e) = login_from(&behind_proxy, "chuyenvien", attacker, "demo", None).await;
    assert_eq!(s, 429, "the right password is not even checked while waiting: {e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("đợi ít phút"), "{e}");
    let (s, e) = login_from(&behind_proxy, "chuyenvien", "198.51.100.9, 10.9.9.9", "demo", None).await;
    assert_eq!(s, 200, "the owner, elsewhere, is not locked out: {e}");
    // Without trusted proxies the header is the client's own claim: the socket's address counts.
    let direct = TestApp::spawn(engine).await;
    for _ in 0..3 {
        login_from(&direct, "chuyenvien", attacker, "doan-mo-1234", None).await;
    }
    assert_eq!(
        login_from(&direct, "chuyenvien", "198.51.100.9", "demo", None).await.0,
        429,
        "one address, whatever it claims"
    );
}

/// The codes of the sign-in messages delivered so far, one per message.
fn sign_in_codes(smtp: &common::smtp::SmtpServer) -> Vec<String> {
    smtp.messages()
        .iter()
        .map(|raw| {
            let m = mail_parser::MessageParser::default().parse(raw).unwrap();
            assert_eq!(m.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("nguyen.van.an@example.vn"));
            assert_eq!(m.subject(), Some("Mã xác nhận đăng nhập"));
            let text = m.body_text(0).unwrap().to_string();
            let word = text.split_whitespace().find(|w| w.len() == 7 && w.ends_with(',')).expect("a code");
            assert!(word[..6].chars().all(|c| c.is_ascii_digit()), "{text}");
            word[..6].to_string()
        })
        .collect()
}

/// Guessing from many addresses gets three free tries at each; so after ten failures in a day,
/// from anywhere, `congdan`'s right password alone opens no session, on the API nor the pages:
/// a code goes to the owner's e-mail (once a minute at most), and only it finishes the sign-in.
/// Wrong passwords send nothing. The code, taken once, forgets the failures; used again after
/// more guessing, it is refused, and a new one lets the owner in.
async fn many_addresses_guessing_put_the_sign_in_under_a_code_sent_to_the_owner(engine: TestEngine) {
    use motcua_app::jobs::mail::Mailer;
    use motcua_app::jobs::worker::WorkerConfig;
    let app = TestApp::spawn_with(
        engine,
        Config { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Config::default() },
    )
    .await;
    let port = common::smtp::free_port();
    let smtp = common::smtp::SmtpServer::start(port, app.db.dir.path()).await;
    let mailer = Mailer::new(Some(&format!("smtp://127.0.0.1:{port}")), "motcua <no-reply@example.vn>").unwrap();
    let sms = std::sync::Arc::new(motcua_app::jobs::sms::LogSms::default());
    let handlers = app.notify_handlers(mailer, sms.clone(), Default::default());
    let worker = WorkerConfig::default();
    let run_jobs = || motcua_testkit::run_due_jobs(&app.state.db, &handlers, &worker);
    for i in 0..12 {
        let (s, e) = login_from(&app, "congdan", &format!("203.0.113.{i}"), "doan-mo-1234", None).await;
        assert_eq!(s, 401, "one free guess at each address: {e}");
    }

    // API: the right password from a new address is asked for the code, which goes to the owner.
    let (s, e) = login_from(&app, "congdan", "198.51.100.20", "demo", None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (401, Some("otp_required")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("đã gửi mã xác nhận 6 chữ số đến thư điện tử"), "{e}");
    run_jobs().await;
    let codes = sign_in_codes(&smtp);
    assert_eq!(codes.len(), 1, "one message");
    let code = codes[0].clone();
    // A wrong password at this point sends nothing.
    let (s, e) = login_from(&app, "congdan", "198.51.100.30", "doan-mo-5678", None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (401, Some("unauthenticated")), "{e}");
    run_jobs().await;
    assert_eq!(sign_in_codes(&smtp).len(), 1, "no message for a wrong password");
    assert!(sms.sent().is_empty());

    // Pages: the right password leads to the code step, where the address is shown masked; no
    // second message within the minute, the one sent holds.
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .default_headers([("x-forwarded-for".parse().unwrap(), "198.51.100.21".parse().unwrap())].into_iter().collect())
        .build()
        .unwrap();
    let (_, html) = page(&app, &b, "/dang-nhap").await;
    let res = b
        .post(app.url("/dang-nhap"))
        .form(&[("_csrf", csrf_of(&html).as_str()), ("username", "congdan"), ("password", "demo"), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/dang-nhap/ma-xac-thuc"));
    assert_eq!(page(&app, &b, "/ho-so").await.0, 303, "no session yet");
    let (s, html) = page(&app, &b, "/dang-nhap/ma-xac-thuc").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"code-sent\"") && html.contains("n***@example.vn"), "{html}");
    run_jobs().await;
    assert_eq!(sign_in_codes(&smtp), std::slice::from_ref(&code), "at most one message a minute");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let send_code = |html: String, code: String| {
        let req = b.post(app.url("/dang-nhap/ma-xac-thuc")).form(&[("_csrf", csrf_of(&html)), ("code", code)]);
        async move { req.send().await.unwrap() }
    };
    let res = send_code(html.clone(), wrong.to_string()).await;
    assert_eq!(res.status().as_u16(), 401);
    let refused = res.text().await.unwrap();
    assert!(refused.contains("Mã xác nhận không đúng hoặc đã hết hạn"), "{refused}");
    let res = send_code(refused, code.clone()).await;
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/ho-so"));
    assert_eq!(page(&app, &b, "/ho-so").await.0, 200, "signed in");
    let (_, me) = login_from(&app, "congdan", "198.51.100.21", "demo", None).await;
    let owner = me["user"]["id"].as_i64().expect("the password alone signs in again: the failures are forgotten");
    assert_eq!(
        motcua_store::users::recent_login_failures(
            &app.state.db,
            owner,
            chrono::Utc::now() - chrono::Duration::days(1)
        )
        .await
        .unwrap(),
        0
    );

    // More guessing: the spent code does not open a session again.
    for i in 0..10 {
        login_from(&app, "congdan", &format!("203.0.114.{i}"), "doan-mo-1234", None).await;
    }
    let (s, e) = login_from(&app, "congdan", "198.51.100.20", "demo", Some(&code)).await;
    assert_eq!((s, e["error"]["code"].as_str()), (401, Some("otp_invalid")), "a code is taken once: {e}");
    // A minute later the owner asks again and gets in with the new code.
    let mut tx = app.state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE password_resets SET created_at = created_at - 120000").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let (s, e) = login_from(&app, "congdan", "198.51.100.20", "demo", None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (401, Some("otp_required")), "{e}");
    run_jobs().await;
    let codes = sign_in_codes(&smtp);
    assert_eq!(codes.len(), 2);
    let new = codes.into_iter().find(|c| *c != code).expect("a new code");
    let (s, e) = login_from(&app, "congdan", "198.51.100.20", "demo", Some(&new)).await;
    assert_eq!(s, 200, "{e}");
    assert!(e["token"].is_string());
}

/// Failures whose last one is more than a day old neither put a sign-in under the step-up nor
/// stay in the table: the daily prune removes them, and only them.
async fn failed_sign_ins_older_than_a_day_no_longer_count_and_are_pruned(engine: TestEngine) {
    use motcua_store::users;
    let app = TestApp::spawn(engine).await;
    let db = &app.state.db;
    let (_, me) = app.get("/api/v1/me", Some(&app.login("congdan").await)).await;
    let owner = me["id"].as_i64().unwrap();
    let now = chrono::Utc::now();
    let long_ago = now - chrono::Duration::hours(25);
    for i in 0..12 {
        users::record_login_failure(db, owner, &format!("203.0.113.{i}"), long_ago).await.unwrap();
    }
    users::record_login_failure(db, owner, "198.51.100.9", now).await.unwrap();
    let since = now - motcua_app::step_up::WINDOW;
    assert_eq!(users::recent_login_failures(db, owner, since).await.unwrap(), 1);
    let (s, e) =
        app.post_json("/api/v1/auth/login", None, serde_json::json!({"username": "congdan", "password": "demo"})).await;
    assert_eq!(s, 200, "yesterday's guesses ask for no code: {e}");
    assert_eq!(users::prune_login_failures(db, since).await.unwrap(), 12);
    assert!(users::login_failures(db, owner, "198.51.100.9").await.unwrap().is_some(), "today's failure is kept");
    assert!(users::login_failures(db, owner, "203.0.113.0").await.unwrap().is_none());
}

/// Under the same guessing, an account with two-factor authentication on is asked for its
/// authenticator's code, as always: that is its second step already, and nothing is sent.
async fn an_account_with_two_factor_is_asked_for_its_app_code_and_sent_none(engine: TestEngine) {
    let app = TestApp::spawn_with(
        engine,
        Config { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Config::default() },
    )
    .await;
    let db = &app.state.db;
    let (_, me) = app.get("/api/v1/me", Some(&app.login("congdan").await)).await;
    let owner = me["id"].as_i64().unwrap();
    let secret = totp_rs::Secret::new_stack([7; 20]).to_base32();
    motcua_store::identity::start_totp(db, owner, &secret).await.unwrap();
    motcua_store::identity::use_totp_step(db, owner, 1, Some(chrono::Utc::now())).await.unwrap();
    for i in 0..12 {
        assert_eq!(login_from(&app, "congdan", &format!("203.0.113.{i}"), "doan-mo-1234", None).await.0, 401);
    }
    let (s, e) = login_from(&app, "congdan", "198.51.100.20", "demo", None).await;
    assert_eq!((s, e["error"]["code"].as_str()), (401, Some("otp_required")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("ứng dụng xác thực"), "{e}");
    let jobs = motcua_store::jobs::list(db, None, 100).await.unwrap();
    assert!(jobs.iter().all(|j| j.kind != motcua_app::password_reset::RESET_JOB), "no code sent: {jobs:?}");
}

/// Which dossier codes exist is not told by the answers: feedback about an unknown code and about
/// another agency's dossier are taken alike, a leader's assignment refuses both alike, and the
/// public lookup (code and phone) is limited per address.
async fn unknown_and_foreign_codes_get_the_same_answers(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let code = common::received(&app).await;
    // A commune's birth registration: another agency's dossier for the department's leader.
    let citizen = app.login("congdan").await;
    let (s, birth) = app.get("/api/v1/procedures/1.001193", None).await;
    assert_eq!(s, 200);
    let (s, d) = app
        .post_multipart(
            "/api/v1/dossiers",
            Some(&citizen),
            common::submission(&birth, &motcua_testkit::answers(&birth)),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let foreign = d["code"].as_str().unwrap().to_string();
    // Feedback.
    let visitor = browser();
    for about in [foreign.as_str(), "000.00.12.H38-261126-9999"] {
        let (_, html) = page(&app, &visitor, "/gop-y").await;
        let t = (chrono::Utc::now().timestamp_millis() - 60_000).to_string();
        let res = visitor
            .post(app.url("/gop-y"))
            .form(&[
                ("_csrf", csrf_of(&html).as_str()),
                ("name", "Lò Văn Páo"),
                ("email", "pao@example.vn"),
                ("body", "Hồ sơ của tôi đã quá hạn mà chưa có kết quả."),
                ("t", &t),
                ("dossier", about),
            ])
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/gop-y?gui=1")),
            "{about}: {}",
            res.text().await.unwrap()
        );
    }
    // Assignment: an unknown code and a foreign one are both refused, whoever the assignee.
    let leader = browser();
    common::sign_in(&app, &leader, "lanhdao").await;
    let (_, html) = page(&app, &leader, "/can-bo?scope=agency").await;
    let (_, me) = app.get("/api/v1/me", Some(&app.login("chuyenvien").await)).await;
    let id = me["id"].to_string();
    let mut answers = Vec::new();
    for codes in [foreign.as_str(), "000.00.12.H38-261126-9999"] {
        let res = leader
            .post(app.url("/can-bo/phan-cong"))
            .form(&[("_csrf", csrf_of(&html).as_str()), ("codes", codes), ("assignee", &id), ("back", "/can-bo")])
            .send()
            .await
            .unwrap();
        answers.push((res.status().as_u16(), res.headers()["location"].to_str().unwrap().to_string()));
    }
    assert_eq!(answers[0], answers[1], "the same answer for both");
    assert!(answers[0].1.contains("refused=1"), "{answers:?}");
    // The lookup: the right code and phone answer, until the address has used its allowance.
    let mut statuses = Vec::new();
    for _ in 0..32 {
        let (s, _) = app.get(&format!("/api/v1/lookup?code={code}&phone=0900000001"), None).await;
        statuses.push(s);
    }
    assert!(statuses[..30].iter().all(|s| *s == 404) && statuses[30..].iter().all(|s| *s == 429), "{statuses:?}");
}

/// Outside the demo and without a payment gateway nothing is paid online: the applicant's page
/// says to pay at the desk and offers no payment form (which would only answer that it is off).
async fn without_online_payment_the_fee_is_paid_at_the_desk(engine: TestEngine) {
    let app = TestApp::spawn_with(engine, Config { demo: false, ..Config::default() }).await;
    let (_, proc) = app.get("/api/v1/procedures/3.000333", None).await;
    let token = app.login("congdan").await;
    let (s, d) = app
        .post_multipart("/api/v1/dossiers", Some(&token), common::submission(&proc, &motcua_testkit::answers(&proc)))
        .await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap();
    let b = browser();
    common::sign_in(&app, &b, "congdan").await;
    let (_, html) = page(&app, &b, &format!("/ho-so/{code}")).await;
    assert!(html.contains("data-step=\"pay\""), "paying is still the next step");
    assert!(html.contains("nộp phí tại Bộ phận Một cửa"), "{html}");
    assert!(!html.contains("id=\"action-pay\""), "no online payment form");
    let (s, e) = app
        .post_json(&format!("/api/v1/dossiers/{code}/actions"), Some(&token), serde_json::json!({"action": "pay"}))
        .await;
    assert_eq!(s, 409, "{e}");
}

/// `/tai-khoan/mat-khau`: the current password must be right and the new one strong, each told
/// at its field; after the change the old password no longer signs in, the new one does, the
/// page's own session goes on and the account's other sessions have ended.
async fn a_signed_in_person_changes_their_password_and_the_other_sessions_end(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let elsewhere = app.login("congdan").await;
    let b = browser();
    common::sign_in(&app, &b, "congdan").await;
    let (s, html) = page(&app, &b, "/tai-khoan/phien").await;
    assert_eq!(s, 200);
    assert!(html.contains("href=\"/tai-khoan/mat-khau\""));
    let (s, html) = page(&app, &b, "/tai-khoan/mat-khau").await;
    assert_eq!(s, 200);
    let send = |current: &'static str, new: &'static str, html: String| {
        let b = b.clone();
        let url = app.url("/tai-khoan/mat-khau");
        async move {
            let res = b
                .post(url)
                .form(&[("_csrf", csrf_of(&html).as_str()), ("current", current), ("password", new)])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            (status, location.unwrap_or(res.text().await.unwrap()))
        }
    };
    let (s, wrong) = send("not my password", "Hoa sen nở giữa hồ 2026", html.clone()).await;
    assert_eq!(s, 422);
    assert!(wrong.contains("Mật khẩu hiện tại không đúng") && wrong.contains("<title>Lỗi:"), "{wrong}");
    let (s, weak) = send("demo", "12345678", html.clone()).await;
    assert_eq!(s, 422);
    assert!(weak.contains("id=\"f-password\"") && weak.contains("error-message"), "{weak}");
    let (s, to) = send("demo", "Hoa sen nở giữa hồ 2026", html).await;
    assert_eq!((s, to.as_str()), (303, "/tai-khoan/mat-khau?doi=1"));
    let (s, done) = page(&app, &b, "/tai-khoan/mat-khau?doi=1").await;
    assert_eq!(s, 200, "the page's own session goes on");
    assert!(done.contains("id=\"password-changed\""));
    assert_eq!(app.get("/api/v1/me", Some(&elsewhere)).await.0, 401, "the other session ended");
    let old =
        app.post_json("/api/v1/auth/login", None, serde_json::json!({"username": "congdan", "password": "demo"})).await;
    assert_eq!(old.0, 401);
    let new = app
        .post_json(
            "/api/v1/auth/login",
            None,
            serde_json::json!({"username": "congdan", "password": "Hoa sen nở giữa hồ 2026"}),
        )
        .await;
    assert_eq!(new.0, 200, "{}", new.1);
}
