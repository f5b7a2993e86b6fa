//! The attacks of the security audit (issue "hold under attack"), each reproduced against the
//! running server and shown to do no harm. On SQLite and on PostgreSQL.

mod common;

use common::{browser, csrf_of, page, TestApp};
use motcua_testkit::{on_both_engines, TestEngine};

on_both_engines!(
    redirects_never_leave_the_site,
    common_passwords_are_refused_at_registration,
    administrators_do_not_read_dossiers,
);

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
    let (s, e) = app.post_json("/api/v1/auth/register", None, person("sông Hồng chảy qua Lào Cai")).await;
    assert_eq!(s, 201, "{e}");
}

/// The administrator's account belongs to the service centre, which receives for every agency,
/// but administering the system is no reason to read citizens' papers: the dossier is not
/// found for it, by page or API, while the audit page still works.
async fn administrators_do_not_read_dossiers(engine: TestEngine) {
    let app = TestApp::spawn(engine).await;
    let code = common::received(&app).await;
    let admin = app.login("quantri").await;
    let (s, _) = app.get(&format!("/api/v1/dossiers/{code}"), Some(&admin)).await;
    assert_eq!(s, 404);
    let b = browser();
    common::sign_in(&app, &b, "quantri").await;
    assert_eq!(page(&app, &b, &format!("/ho-so/{code}")).await.0, 404);
    assert_eq!(page(&app, &b, "/quan-tri/nhat-ky").await.0, 200);
    let desk = app.login("tiepnhan").await;
    assert_eq!(app.get(&format!("/api/v1/dossiers/{code}"), Some(&desk)).await.0, 200, "the desk still does");
}
