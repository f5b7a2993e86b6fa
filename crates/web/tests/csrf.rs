//! Every state-changing page refuses a form without the visitor's CSRF token: the page router's
//! POST routes are read from its source, so a route added later is walked too.

mod common;

use common::{browser, csrf_of, page, sign_in, TestApp};
use motcua_testkit::{on_both_engines, TestEngine};
use reqwest::multipart::{Form, Part};

on_both_engines!(every_post_route_refuses_a_missing_or_foreign_csrf_token);

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
        // The sandbox gateway stands for an outside site: what protects it is the signed query.
        if path.starts_with("/cong-thanh-toan-thu/") {
            continue;
        }
        let filled = path.replace("{code}", "3.000333").replace("{draft}", "0").replace("{id}", "1");
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
