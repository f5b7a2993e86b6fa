//! Signing in through an external OpenID Connect provider, against a real one (scripts/oidc-provider:
//! `oidc-provider` of npm, run by Node), on SQLite and on PostgreSQL, over HTTP as a browser
//! without JavaScript would: the authorization code flow with PKCE, accounts made or linked by
//! identity number (never by name), officers only linked, the assurance carried onto dossiers,
//! and forged states and tampered nonces refused. The same story runs in Chromium in
//! tests/browser.rs.

mod common;

use common::oidc_provider::{self, OidcProvider};
use common::{page, TestApp};
use motcua_testkit::{answers, on_both_engines, TestEngine};

on_both_engines!(
    citizens_are_made_or_linked_by_identity_number_and_found_again,
    officers_are_linked_to_their_own_accounts_and_never_made,
    a_forged_state_a_return_to_another_browser_and_a_tampered_nonce_are_refused,
    a_citizen_finds_the_national_portal_s_dossier_after_signing_in_through_the_provider,
);

/// A browser without JavaScript: cookies kept, redirects followed (to the provider and back).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(10))
        .no_proxy()
        .build()
        .unwrap()
}

/// The provider's login form on the page it shows: the address it posts to.
fn login_action(provider: &OidcProvider, html: &str) -> String {
    let at = html.find("action=\"").unwrap_or_else(|| panic!("the provider's login form: {html}")) + 8;
    let action = html[at..at + html[at..].find('"').unwrap()].replace("&amp;", "&");
    if action.starts_with("http") {
        action
    } else {
        format!("{}{action}", provider.issuer)
    }
}

/// Sets out from the sign-in page's button for `via` and logs in at the provider as `login`;
/// `meanwhile` runs while the browser is at the provider. The status, address and page the
/// browser ends on.
async fn sign_in_via(
    app: &TestApp,
    provider: &OidcProvider,
    b: &reqwest::Client,
    via: &str,
    login: &str,
    meanwhile: impl std::future::Future<Output = ()>,
) -> (u16, String, String) {
    let (_, html) = page(app, &common::browser(), "/dang-nhap").await;
    assert!(html.contains(&format!("href=\"/dang-nhap/oidc/{via}\"")), "a button for {via}: {html}");
    let res = b.get(app.url(&format!("/dang-nhap/oidc/{via}"))).send().await.unwrap();
    assert!(res.url().as_str().starts_with(&provider.issuer), "at the provider: {}", res.url());
    let html = res.text().await.unwrap();
    meanwhile.await;
    let res = b
        .post(login_action(provider, &html))
        .form(&[("prompt", "login"), ("login", login), ("password", "any")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("log in at the provider: {e}; {}", provider.log()));
    let (status, url) = (res.status().as_u16(), res.url().path().to_string());
    (status, url, res.text().await.unwrap())
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(app.state.db.reader()).await.unwrap();
    n
}

async fn citizens_are_made_or_linked_by_identity_number_and_found_again(engine: TestEngine) {
    let Some(dir) = oidc_provider::installed() else { return };
    let (app, provider) = oidc_provider::app_with_providers(engine, &dir).await;
    let users_before = count(&app, "SELECT COUNT(*) FROM users").await;

    // A first sign-in makes the account from the provider's claims, verified with VNeID.
    let b = browser();
    let (status, path, html) = sign_in_via(&app, &provider, &b, "vneid", "an", async {}).await;
    assert_eq!((status, path.as_str()), (200, "/ho-so"), "{html}\n{}", provider.log());
    assert!(html.contains("Phạm Thị Ngọc Ánh"), "signed in under the provider's name: {html}");
    let made = motcua_store::identity::user_by_id_number(&app.state.db, "001199000123").await.unwrap().unwrap();
    assert_eq!(made.full_name, "Phạm Thị Ngọc Ánh");
    assert_eq!(made.phone.as_deref(), Some("0911222333"));
    assert_eq!(made.verified_by.as_deref(), Some("vneid"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users_before + 1);

    // A second sign-in, from another browser, finds the same account through its link.
    let (status, path, _) = sign_in_via(&app, &provider, &browser(), "vneid", "an", async {}).await;
    assert_eq!((status, path.as_str()), (200, "/ho-so"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users_before + 1, "nothing new");
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM identity_links WHERE user_id = {}", made.id)).await, 1);

    // The citizen with a local account under this identity number is linked, not duplicated,
    // whatever name the provider gives; someone with the same name and another number is not.
    let congdan = motcua_store::identity::user_by_id_number(&app.state.db, "038090001234").await.unwrap().unwrap();
    assert_eq!(congdan.verified_by, None);
    let (status, path, html) = sign_in_via(&app, &provider, &browser(), "vneid", "congdan", async {}).await;
    assert_eq!((status, path.as_str()), (200, "/ho-so"), "{html}");
    assert!(html.contains(&congdan.full_name), "the local account, under its own name: {html}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users_before + 1);
    let linked = motcua_store::identity::links_of(&app.state.db, congdan.id).await.unwrap();
    assert_eq!(linked, [("vneid".to_string(), "congdan".to_string())]);
    let (status, _, _) = sign_in_via(&app, &provider, &browser(), "vneid", "trungten", async {}).await;
    assert_eq!(status, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users_before + 2, "a person of their own");
    assert_eq!(motcua_store::identity::links_of(&app.state.db, congdan.id).await.unwrap().len(), 1);

    // Without an identity number from the provider: refused, said why, nothing made.
    let (status, path, html) = sign_in_via(&app, &provider, &browser(), "vneid", "khongso", async {}).await;
    assert_eq!((status, path.as_str()), (401, "/dang-nhap/oidc/vneid/callback"));
    assert!(html.contains("không cho biết số định danh cá nhân"), "{html}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users_before + 2);

    // A dossier the verified citizen submits records it, and officers see it on its page.
    let proc = app.department_procedure().await;
    let token = app.login("congdan").await;
    let (s, d) = app.post_multipart("/api/v1/dossiers", Some(&token), common::submission(&proc, &answers(&proc))).await;
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    let stored = motcua_store::dossiers::by_code(&app.state.db, &code).await.unwrap();
    assert_eq!(stored.applicant.verified_by.as_deref(), Some("vneid"));
    let officer = common::browser();
    common::sign_in(&app, &officer, "tiepnhan").await;
    let (status, html) = page(&app, &officer, &format!("/ho-so/{code}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"applicant-verified-by\">Tài khoản được xác thực với VNeID (vneid)"), "{html}");
    // A citizen never verified: said so.
    let other = app.login("congdan2").await;
    let (_, d) = app.post_multipart("/api/v1/dossiers", Some(&other), common::submission(&proc, &answers(&proc))).await;
    let (_, html) = page(&app, &officer, &format!("/ho-so/{}", d["code"].as_str().unwrap())).await;
    assert!(html.contains("id=\"applicant-verified-by\">Không"), "{html}");
}

async fn officers_are_linked_to_their_own_accounts_and_never_made(engine: TestEngine) {
    let Some(dir) = oidc_provider::installed() else { return };
    let (app, provider) = oidc_provider::app_with_providers(engine, &dir).await;
    let users_before = count(&app, "SELECT COUNT(*) FROM users").await;

    let b = browser();
    let (status, path, html) = sign_in_via(&app, &provider, &b, "tinh", "cb", async {}).await;
    assert_eq!((status, path.as_str()), (200, "/can-bo"), "{html}\n{}", provider.log());
    let (_, me) = page(&app, &b, "/tai-khoan/phien").await;
    let chuyenvien = motcua_store::identity::user_by_username_or_email(&app.state.db, "chuyenvien").await.unwrap();
    assert!(me.contains(&chuyenvien.unwrap().full_name), "signed in as chuyenvien: {me}");

    let (status, _, html) = sign_in_via(&app, &provider, &browser(), "tinh", "la", async {}).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("Không có tài khoản cán bộ nào ứng với danh tính này"), "{html}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users_before, "no officer is ever made");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM identity_links").await, 1);
}

async fn a_forged_state_a_return_to_another_browser_and_a_tampered_nonce_are_refused(engine: TestEngine) {
    let Some(dir) = oidc_provider::installed() else { return };
    let (app, provider) = oidc_provider::app_with_providers(engine, &dir).await;
    let users_before = count(&app, "SELECT COUNT(*) FROM users").await;
    let refused = "Không hoàn tất được đăng nhập qua nhà cung cấp định danh";

    // A state no sign-in set out with.
    let b = common::browser();
    let (status, html) = page(&app, &b, "/dang-nhap/oidc/vneid/callback?code=abc&state=forged").await;
    assert_eq!(status, 401);
    assert!(html.contains(refused), "{html}");

    // A real state, brought back by another browser than the one that set out with it.
    let set_out = common::browser();
    let res = set_out.get(app.url("/dang-nhap/oidc/vneid")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let to = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = to.query_pairs().into_owned().collect();
    assert_eq!(query.get("code_challenge_method").map(String::as_str), Some("S256"), "PKCE: {to}");
    assert!(query.contains_key("nonce") && query.contains_key("state"), "{to}");
    let state = &query["state"];
    let (status, html) = page(&app, &b, &format!("/dang-nhap/oidc/vneid/callback?code=abc&state={state}")).await;
    assert_eq!(status, 401);
    assert!(html.contains(refused), "{html}");

    // The nonce kept for the sign-in altered while the browser is at the provider: the ID token
    // the provider issues carries the original, and is refused.
    let db = app.state.db.clone();
    let tamper = async move {
        let mut tx = db.write_tx().await.unwrap();
        sqlx::query("UPDATE sign_in_flows SET nonce = 'tampered'").execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    };
    let (status, path, html) = sign_in_via(&app, &provider, &browser(), "vneid", "an", tamper).await;
    assert_eq!((status, path.as_str()), (401, "/dang-nhap/oidc/vneid/callback"), "{html}");
    assert!(html.contains(refused), "{html}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, users_before, "nobody signed in, nothing made");

    // Untouched, the same person signs in.
    let (status, path, _) = sign_in_via(&app, &provider, &browser(), "vneid", "an", async {}).await;
    assert_eq!((status, path.as_str()), (200, "/ho-so"), "{}", provider.log());
}

/// The national portal hands over a dossier of a person who has no account here; that person
/// signs in through the identity provider for the first time and finds it under "my dossiers",
/// by the identity number the provider vouched for (issue 14, "Done when").
async fn a_citizen_finds_the_national_portal_s_dossier_after_signing_in_through_the_provider(engine: TestEngine) {
    let Some(dir) = oidc_provider::installed() else { return };
    let (app, provider) = oidc_provider::app_with_providers(engine, &dir).await;
    assert!(motcua_store::identity::user_by_id_number(&app.state.db, "001199000123").await.unwrap().is_none());
    let (token, _) = motcua_app::national::add_token(
        &app.state.db,
        "Cổng Dịch vụ công quốc gia",
        motcua_store::system_tokens::Scope::Integration,
    )
    .await
    .unwrap();
    let proc = app.department_procedure().await;
    let keys: Vec<&str> = proc["required_documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["required"] == true)
        .map(|d| d["key"].as_str().unwrap())
        .collect();
    let dossier = motcua_testkit::national_portal::portal_dossier(
        "G22.99-261203-000777",
        proc["code"].as_str().unwrap(),
        "001199000123",
        serde_json::Value::Object(answers(&proc)),
        &keys,
    );
    let files = keys
        .iter()
        .map(|k| motcua_testkit::national_portal::PortalFile {
            key: k.to_string(),
            file_name: format!("{k}.pdf"),
            bytes: common::pdf(k),
        })
        .collect();
    let (s, d) = motcua_testkit::national_portal::send_dossier(&app.base, &token, &dossier, files).await.unwrap();
    assert_eq!(s, 201, "{d}");
    let code = d["code"].as_str().unwrap().to_string();
    // Another citizen does not see it.
    let (_, theirs) = page(&app, &common::browser(), "/ho-so").await;
    assert!(!theirs.contains(&code));
    let b = browser();
    let (status, path, html) = sign_in_via(&app, &provider, &b, "vneid", "an", async {}).await;
    assert_eq!((status, path.as_str()), (200, "/ho-so"), "{html}");
    assert!(html.contains(&code), "the portal's dossier is in the citizen's list: {html}");
    let (status, html) = page(&app, &b, &format!("/ho-so/{code}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("G22.99-261203-000777") || html.contains(&code), "{html}");
}
