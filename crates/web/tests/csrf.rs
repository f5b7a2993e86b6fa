//! Every state-changing page refuses a form without the visitor's CSRF token: the page router's
//! POST routes are read from its source, so a route added later is walked too. The cookies that
//! carry the token and the session are out of reach of scripts and of other sites' forms.

mod common;

use common::{browser, csrf_of, page, sign_in, TestApp};
use motcua_app::Config;
use motcua_testkit::{on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};

on_both_engines!(
    every_post_route_refuses_a_missing_or_foreign_csrf_token,
    the_cookies_are_http_only_same_site_and_secure_behind_tls,
);

/// The paths of the page router's POST routes, with each placeholder filled in.
fn post_routes() -> Vec<String> {
    let source = include_str!("../src/pages/mod.rs");
    let mut out = Vec::new();
    for line in source.lines().map(str::trim).filter(|l| l.starts_with(".route(\"")) {
        let path = line.trim_start_matches(".route(\"").split('"').next().unwrap_or_default();
        let methods = &line[line.find('"').unwrap_or(0)..];
        if !(methods.contains("post(") || methods.contains(".post(")) {
            continue;
        }
        // A dossier code where one is named, a number for every other parameter.
        let mut filled = path.replace("{code}", "3.000333");
        while let (Some(open), Some(close)) = (filled.find('{'), filled.find('}')) {
            filled.replace_range(open..=close, "1");
        }
        out.push(filled);
    }
    out
}

async fn every_post_route_refuses_a_missing_or_foreign_csrf_token(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let routes = post_routes();
    assert!(routes.len() >= 15, "the router's POST routes were found: {routes:?}");
    // The visitor signs in; another visitor's token is the foreign one.
    let b = browser();
    sign_in(&app, &b, "quantri").await;
    let other = browser();
    let (_, html) = page(&app, &other, "/dang-nhap").await;
    let foreign = csrf_of(&html);
    for path in &routes {
        let multipart = |token: Option<&str>| {
            let form = match token {
                Some(t) => Form::new().text("_csrf", t.to_string()),
                None => Form::new().text("note", "x"),
            };
            form.part("file", Part::bytes(b"%PDF-1.4\n%%EOF".to_vec()).file_name("a.pdf"))
        };
        for (what, token) in [("foreign", Some(foreign.as_str())), ("missing", None)] {
            let res = b.post(app.url(path)).multipart(multipart(token)).send().await.unwrap();
            assert_eq!(res.status().as_u16(), 403, "POST {path} (multipart) with a {what} token");
            let mut fields = vec![("note", "x")];
            if let Some(t) = token {
                fields.push(("_csrf", t));
            }
            let res = b.post(app.url(path)).form(&fields).send().await.unwrap();
            let status = res.status().as_u16();
            // Multipart forms refuse a URL-encoded body before they look for a token.
            assert!(status == 403 || status == 400, "POST {path} (form) with a {what} token answered {status}");
        }
    }
}

/// The one cookie an answer sets: its name, its value, and its attributes (lower case, sorted).
fn set_cookie(res: &reqwest::Response, name: &str) -> (String, Vec<String>) {
    let all: Vec<&str> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(all.len(), 1, "one cookie set: {all:?}");
    let mut parts = all[0].split(';').map(str::trim);
    let (n, value) = parts.next().unwrap().split_once('=').unwrap();
    assert_eq!(n, name, "{all:?}");
    let mut attributes: Vec<String> = parts.map(str::to_ascii_lowercase).collect();
    attributes.sort();
    (value.to_string(), attributes)
}

/// The attributes every cookie of the site has, with a lifetime or not, `Secure` behind TLS.
fn attributes(max_age: Option<&str>, secure: bool) -> Vec<String> {
    let mut a = vec!["httponly".to_string(), "path=/".into(), "samesite=lax".into()];
    a.extend(max_age.map(|m| format!("max-age={m}")));
    if secure {
        a.push("secure".into());
    }
    a.sort();
    a
}

async fn the_cookies_are_http_only_same_site_and_secure_behind_tls(engine: TestEngine) {
    for secure in [false, true] {
        let app = TestApp::spawn_with(engine, Config { secure_cookies: secure, ..Config::default() }).await;
        // Cookies are carried by hand: a client keeps no `Secure` cookie of a plain-HTTP server.
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap();

        let res = http.get(app.url("/dang-nhap")).send().await.unwrap();
        // Secure, the session and CSRF cookies are `__Host-` cookies: nothing else on the host
        // can set them.
        let prefix = if secure { "__Host-" } else { "" };
        let (csrf_cookie, session_cookie) = (format!("{prefix}motcua_csrf"), format!("{prefix}motcua_session"));
        let (anonymous, attrs) = set_cookie(&res, &csrf_cookie);
        assert_eq!(attrs, attributes(None, secure), "the CSRF cookie of a visitor");
        let html = res.text().await.unwrap();
        assert_eq!((anonymous.len(), csrf_of(&html)), (64, anonymous.clone()), "the forms carry the cookie's token");

        let res = http
            .post(app.url("/dang-nhap"))
            .header("cookie", format!("{csrf_cookie}={anonymous}"))
            .form(&[("_csrf", anonymous.as_str()), ("username", "congdan"), ("password", "demo"), ("next", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303);
        let (session, attrs) = set_cookie(&res, &session_cookie);
        assert_eq!((session.len(), attrs), (64, attributes(None, secure)), "the session cookie");

        let res = http.get(app.url("/ngon-ngu?lang=en&next=%2Fthu-tuc")).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/thu-tuc");
        assert_eq!(set_cookie(&res, "lang"), ("en".into(), attributes(Some("31536000"), secure)), "a year");

        let signed_in = format!("{session_cookie}={session}");
        let res = http.get(app.url("/ho-so")).header("cookie", &signed_in).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.headers().get("set-cookie").is_none(), "a signed-in visitor's token is their session's");
        let token = csrf_of(&res.text().await.unwrap());
        let res = http
            .post(app.url("/dang-xuat"))
            .header("cookie", &signed_in)
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 303);
        assert_eq!(set_cookie(&res, &session_cookie), (String::new(), attributes(Some("0"), secure)), "cleared");
        let res = http.get(app.url("/ho-so")).header("cookie", &signed_in).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303, "the session ended with the cookie");
    }
}
