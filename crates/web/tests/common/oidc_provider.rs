//! A real OpenID Connect provider for the tests of signing in through one: scripts/oidc-provider
//! (the `oidc-provider` package of npm, run by Node), installed by scripts/test.sh into the
//! folder `MOTCUA_OIDC_PROVIDER_DIR` names. Under scripts/test.sh (or CI) a missing provider
//! fails the test; elsewhere the test is skipped with a note, as the other tests of tools from
//! npm are.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use motcua_app::identity::IdentityProvider;
use motcua_app::Config;
use motcua_testkit::TestEngine;
use serde_json::Value;

use super::TestApp;

/// The client the provider knows motcua as.
pub const CLIENT_ID: &str = "motcua";
/// Its secret.
pub const CLIENT_SECRET: &str = "bi-mat-cua-motcua";

/// The folder holding `server.js` and its `node_modules`, with `node` on PATH; None (skip)
/// outside scripts/test.sh and CI.
pub fn installed() -> Option<PathBuf> {
    let dir = std::env::var_os("MOTCUA_OIDC_PROVIDER_DIR").map(PathBuf::from);
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let required = dir.is_some() || std::env::var_os("CI").is_some();
    match dir.filter(|d| d.join("node_modules/oidc-provider").is_dir() && d.join("server.js").is_file()) {
        Some(dir) if node => Some(dir),
        _ if required => panic!(
            "node or the OpenID Connect provider is missing (MOTCUA_OIDC_PROVIDER_DIR with server.js and \
             node_modules/oidc-provider); scripts/test.sh installs them"
        ),
        _ => {
            eprintln!("skipped: the OpenID Connect provider is missing (run scripts/test.sh, or set MOTCUA_OIDC_PROVIDER_DIR)");
            None
        }
    }
}

/// The provider running, killed with its process group when dropped (also when a test panics).
pub struct OidcProvider {
    child: Child,
    /// Its issuer, `http://127.0.0.1:<port>`.
    pub issuer: String,
    log: PathBuf,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

impl OidcProvider {
    /// Starts the provider on `port`, knowing the client by its redirect addresses and the test
    /// people by login name (`{"an": {"name": …, "id_number": …}}`), and waits for its discovery
    /// document.
    pub async fn start(dir: &Path, port: u16, redirect_uris: &[String], users: &Value, log: PathBuf) -> OidcProvider {
        let issuer = format!("http://127.0.0.1:{port}");
        let out = std::fs::File::create(&log).expect("the provider's log");
        let mut cmd = Command::new("node");
        cmd.arg(dir.join("server.js"))
            .current_dir(dir)
            .env("PORT", port.to_string())
            .env("ISSUER", &issuer)
            .env("REDIRECT_URI", redirect_uris.join(" "))
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("USERS", users.to_string())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("start node with the OpenID Connect provider");
        let mut provider = OidcProvider { child, issuer, log };
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(2)).build().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let discovery = format!("{}/.well-known/openid-configuration", provider.issuer);
        loop {
            if let Some(status) = provider.child.try_wait().expect("the provider's state") {
                panic!("the provider stopped at start ({status}): {}", provider.log());
            }
            if let Ok(res) = http.get(&discovery).send().await {
                if res.json::<Value>().await.is_ok_and(|v| v["issuer"] == provider.issuer.as_str()) {
                    return provider;
                }
            }
            assert!(Instant::now() < deadline, "the provider did not answer: {}", provider.log());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the provider wrote, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// The people the provider signs in, by login name.
pub fn people() -> Value {
    serde_json::json!({
        // New to motcua.
        "an": {"name": "Phạm Thị Ngọc Ánh", "id_number": "001199000123", "phone_number": "0911222333"},
        // The demo citizen `congdan` (same identity number), under another name at the provider.
        "congdan": {"name": "NGUYEN VAN AN", "id_number": "038090001234"},
        // The provider gives no identity number.
        "khongso": {"name": "Lê Văn Không"},
        // The same name as `congdan`, another identity number: a different person.
        "trungten": {"name": "Nguyễn Văn An", "id_number": "001080000777"},
        // Officers at the province's provider.
        "cb": {"name": "Chuyên viên", "preferred_username": "chuyenvien"},
        "la": {"name": "Người lạ", "preferred_username": "khongcotaikhoan"},
    })
}

/// The demo province with two providers configured on one running OpenID Connect provider:
/// `vneid` for citizens (assurance `vneid`), `tinh` for officers (by `preferred_username`).
pub async fn app_with_providers(engine: TestEngine, dir: &Path) -> (TestApp, OidcProvider) {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let vneid = IdentityProvider::parse(&format!(
        "name=vneid,label=VNeID,issuer={issuer},client-id={CLIENT_ID},client-secret={CLIENT_SECRET},assurance=vneid"
    ))
    .unwrap();
    let tinh = IdentityProvider::parse(&format!(
        "name=tinh,label=Cổng định danh tỉnh,issuer={issuer},client-id={CLIENT_ID},client-secret={CLIENT_SECRET},audience=officers"
    ))
    .unwrap();
    let config = Config { demo: true, identity_providers: vec![vneid, tinh], ..Config::default() };
    let app = TestApp::spawn_with(engine, config).await;
    let redirects = ["vneid", "tinh"].map(|name| app.url(&format!("/dang-nhap/oidc/{name}/callback"))).to_vec();
    let log = app.db.dir.path().join("oidc-provider.log");
    let provider = OidcProvider::start(dir, port, &redirects, &people(), log).await;
    (app, provider)
}
