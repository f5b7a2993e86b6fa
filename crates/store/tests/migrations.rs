//! Migrations on SQLite and on PostgreSQL: recorded once with their checksum, whatever the
//! number of servers starting together, and refused when changed after release.

use motcua_store::Database;
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    servers_starting_together_migrate_once,
    a_changed_migration_stops_the_start_and_is_named,
    checksums_are_recorded_for_databases_migrated_before_them,
);

/// (applied migrations, those without a checksum)
async fn recorded(db: &Database) -> (i64, i64) {
    sqlx::query_as("SELECT COUNT(*), COUNT(*) - COUNT(checksum) FROM schema_migrations")
        .fetch_one(db.reader())
        .await
        .unwrap()
}

async fn write(db: &Database, sql: &str) {
    let mut tx = db.write_tx().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn servers_starting_together_migrate_once(engine: TestEngine) {
    let t = TestDb::unmigrated(engine).await;
    let other = Database::connect(&t.url).await.unwrap();
    let (a, b) = tokio::join!(t.db.migrate(), other.migrate());
    a.expect("the first server starts");
    b.expect("the second server starts too");
    assert_eq!(recorded(&t.db).await, (Database::migration_count() as i64, 0));
}

async fn a_changed_migration_stops_the_start_and_is_named(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    write(&t.db, "UPDATE schema_migrations SET checksum = 'not what this build has' WHERE version = 5").await;
    let err = t.db.migrate().await.expect_err("a changed migration is refused").to_string();
    assert!(err.contains("migration 5") && err.contains("workflow"), "{err}");
    let err = Database::connect(&t.url).await.unwrap().migrate().await.expect_err("by every server").to_string();
    assert!(err.contains("workflow"), "{err}");
}

async fn checksums_are_recorded_for_databases_migrated_before_them(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    // The table as the previous version left it: no checksum column.
    write(&t.db, "ALTER TABLE schema_migrations DROP COLUMN checksum").await;
    t.db.migrate().await.expect("an earlier version's database starts");
    assert_eq!(recorded(&t.db).await, (Database::migration_count() as i64, 0));
    t.db.migrate().await.expect("and starts again");
}
