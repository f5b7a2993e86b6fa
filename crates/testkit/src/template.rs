//! PostgreSQL test databases cloned from a migrated template, as crates.io does: migrating takes
//! most of a second per database, `CREATE DATABASE … TEMPLATE` a fraction of it.
//!
//! The template is named after the migrations it holds (`motcua_template_<hash>`), so a test run
//! never clones a schema its build does not describe: a changed or added migration makes a new
//! name, migrated once by whichever test process needs it first while the others wait on an
//! advisory lock. Templates of earlier migrations stay on the test server until dropped by hand.

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

use motcua_store::Database;

/// The advisory lock under which one test process builds the template ("motcua_tmpl").
const TEMPLATE_LOCK: i64 = 0x6d6f_7463_7561_746d;

/// What the schema of a migrated database follows from: the migration files and the store's
/// code that lists and runs them, read from the source tree the tests were built from.
fn migrations_hash() -> String {
    let store = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(store.join("migrations"))
        .expect("the store's migrations folder")
        .map(|e| e.expect("a migration file").path())
        .collect();
    files.sort();
    files.extend([store.join("src/migrations.rs"), store.join("src/db.rs")]);
    let mut hash = Sha256::new();
    for f in &files {
        hash.update(f.file_name().unwrap_or_default().as_encoded_bytes());
        hash.update(std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())));
    }
    hex::encode(&hash.finalize()[..8])
}

/// The URL of database `name` on the server of `admin`.
pub(crate) fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

/// The name of the migrated template of this build's migrations, built first if the server has
/// none yet.
pub(crate) async fn migrated_template(admin: &str) -> String {
    static NAME: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    NAME.get_or_init(|| build(admin)).await.clone()
}

async fn build(admin: &str) -> String {
    let name = format!("motcua_template_{}", migrations_hash());
    let mut server = PgConnection::connect(admin).await.expect("PostgreSQL for tests is reachable");
    sqlx::query("SELECT pg_advisory_lock($1)").bind(TEMPLATE_LOCK).execute(&mut server).await.expect("template lock");
    let (exists,): (bool,) = sqlx::query_as("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut server)
        .await
        .expect("look for the template");
    if !exists {
        // Built under another name and renamed once migrated, so that a process that dies
        // half-way leaves no template behind, only a database the next one drops.
        let building = format!("{name}_building");
        for statement in
            [format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"), format!("CREATE DATABASE {building}")]
        {
            sqlx::query(&statement).execute(&mut server).await.expect("create the template");
        }
        let db = Database::connect(&database_url(admin, &building)).await.expect("connect the template");
        db.migrate().await.expect("migrate the template");
        db.close().await;
        // The pool may leave a connection or two open for a moment after closing; they are ours
        // and idle, and a database with a session cannot be renamed.
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&building)
            .execute(&mut server)
            .await
            .expect("close the template's sessions");
        // Nobody connects to it again: a connection would stop it being cloned.
        for statement in [
            format!("ALTER DATABASE {building} RENAME TO {name}"),
            format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"),
        ] {
            sqlx::query(&statement).execute(&mut server).await.expect("keep the template");
        }
    }
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(TEMPLATE_LOCK).execute(&mut server).await.expect("template lock");
    let _ = server.close().await;
    name
}
