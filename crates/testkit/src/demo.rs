//! The demo province on a test database, and the application over it, as the server builds it.

use motcua_app::{AppState, Config};

use crate::{TestDb, TestEngine};

/// The hash of the demo users' password, `demo`, computed once per test process (argon2 is slow
/// on purpose).
pub async fn demo_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| async { motcua_app::passwords::hash_password("demo".into()).await.expect("hash") })
        .await
        .clone()
}

impl TestDb {
    /// A fresh database with the demo province loaded (agencies, procedures, users whose
    /// password is `demo`), without historical dossiers.
    pub async fn with_demo(engine: TestEngine) -> TestDb {
        let t = TestDb::new(engine).await;
        motcua_store::demo::load(&t.db, &demo_hash().await, 0).await.expect("demo data loads");
        t
    }
}

/// The application state over a test database, as the server builds it: attachments in the
/// database's folder, signing keys in memory.
pub async fn app_state(t: &TestDb, config: Config) -> AppState {
    let blobs = motcua_store::Blobs::local(t.dir.path().join("attachments")).expect("attachment folder");
    app_state_with(t, config, blobs).await
}

/// The application state over a test database with attachments in `blobs` (an S3 bucket).
pub async fn app_state_with(t: &TestDb, config: Config, blobs: motcua_store::Blobs) -> AppState {
    AppState::new(t.db.clone(), blobs, config).await.expect("application state")
}
