//! Test support: each test owns a fresh, migrated database on the engine it asks for.
//!
//! PostgreSQL tests create a database of their own on the server named by
//! `MOTCUA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`), cloned from a
//! migrated template, and drop it afterwards; SQLite tests use a file in a temporary folder.
//!
//! Beside the database, what tests of several crates share: the demo province and the
//! application state over it ([`TestDb::with_demo`], [`app_state`]), valid answers to a
//! procedure's form ([`answers`]), the job worker run one job at a time ([`job_until`]), and
//! dossiers written with a past history ([`insert_made`]).

mod demo;
mod forms;
mod jobs;
mod made;
pub mod national_portal;
mod template;

pub use demo::{app_state, app_state_with, demo_hash};
pub use forms::{answers, WithForm};
pub use jobs::{job_until, run_due_jobs};
pub use made::{insert_made, MadeDossier};

use motcua_store::Database;
use sqlx::{Connection, PgConnection};

/// The engines every storage and HTTP test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestEngine {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl std::str::FromStr for TestEngine {
    type Err = String;

    /// `sqlite` or `postgres`, as the benchmark examples' `--engine` takes it.
    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "sqlite" => Ok(TestEngine::Sqlite),
            "postgres" => Ok(TestEngine::Postgres),
            other => Err(format!("unknown engine {other}")),
        }
    }
}

/// The `p` quantile (0 to 1) of timings sorted in ascending order, by nearest rank: what the
/// benchmark examples print as median and p99. `sorted` must not be empty.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// A fresh database (and data folder) owned by one test.
pub struct TestDb {
    /// The migrated database.
    pub db: Database,
    /// The data folder: SQLite file, attachments.
    pub dir: tempfile::TempDir,
    /// The URL the database was opened with.
    pub url: String,
    admin_url: Option<String>,
    pg_name: Option<String>,
}

/// The PostgreSQL server used by tests.
pub fn postgres_admin_url() -> String {
    std::env::var("MOTCUA_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestDb {
    /// Creates a fresh, migrated database: on PostgreSQL a clone of the template database that
    /// holds this build's migrations, on SQLite a new file migrated.
    pub async fn new(engine: TestEngine) -> TestDb {
        match engine {
            TestEngine::Sqlite => {
                let t = TestDb::unmigrated(engine).await;
                t.db.migrate().await.expect("migrate test database");
                t
            }
            TestEngine::Postgres => {
                let admin = postgres_admin_url();
                let template = template::migrated_template(&admin).await;
                TestDb::postgres(admin, Some(&template)).await
            }
        }
    }

    /// Creates a fresh, empty database without migrating it: for tests of the migrations.
    pub async fn unmigrated(engine: TestEngine) -> TestDb {
        match engine {
            TestEngine::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = Database::sqlite_url_in(dir.path());
                let db = Database::connect(&url)
                    .await
                    .expect("connect test database")
                    .with_audit_key(motcua_store::audit::AuditKey::generate());
                TestDb { db, dir, url, admin_url: None, pg_name: None }
            }
            TestEngine::Postgres => TestDb::postgres(postgres_admin_url(), None).await,
        }
    }

    /// A new database of its own on the PostgreSQL server for tests, empty or a copy of `template`.
    async fn postgres(admin: String, template: Option<&str>) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        let name = format!("motcua_test_{}", uuid::Uuid::new_v4().simple());
        let mut server = PgConnection::connect(&admin).await.expect("PostgreSQL for tests is reachable");
        let create = match template {
            Some(t) => format!("CREATE DATABASE {name} TEMPLATE {t}"),
            None => format!("CREATE DATABASE {name}"),
        };
        sqlx::query(&create).execute(&mut server).await.expect("create test database");
        let _ = server.close().await;
        let url = template::database_url(&admin, &name);
        let db = Database::connect(&url)
            .await
            .expect("connect test database")
            .with_audit_key(motcua_store::audit::AuditKey::generate());
        TestDb { db, dir, url, admin_url: Some(admin), pg_name: Some(name) }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (Some(admin), Some(name)) = (self.admin_url.take(), self.pg_name.take()) else {
            return;
        };
        // Dropping happens outside any runtime the test may still be using.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(mut server) = PgConnection::connect(&admin).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut server)
                            .await;
                        let _ = server.close().await;
                    }
                });
            }
        })
        .join();
    }
}

/// Writes one async test body (`async fn(TestEngine)`) as two tests, `sqlite` and `postgres`,
/// in a module named after it: one story, every engine.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::TestEngine::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::TestEngine::Postgres).await
                }
            }
        )*
    };
}
