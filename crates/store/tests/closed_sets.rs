//! Columns of a closed set of values take every word of the Rust enum that writes them and
//! refuse any other, on SQLite (triggers) and on PostgreSQL (CHECK constraints) alike.

use chrono::Utc;
use motcua_domain::catalog::{AgencyKind, OnlineLevel, ResultKind};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::{AttachmentPurpose, Channel, Role, Status};
use motcua_domain::rating::{Rating, Satisfaction};
use motcua_store::dossiers::{self, Applicant, By, NewDossier};
use motcua_store::jobs::{self, JobStatus, NewJob};
use motcua_store::payments::{self, LogEntry, LogOutcome, PaymentStatus};
use motcua_store::questions::{self, NewQuestion, QuestionKind, QuestionStatus};
use motcua_store::users::{self, NewUser, SessionKind};
use motcua_store::{catalog, demo, ratings, Database};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    closed_sets_take_their_enums_words_and_refuse_others,
    rows_written_before_the_closed_sets_stop_the_migration_that_checks_them,
);

/// Runs one statement binding `word` and `key`, committed if it succeeds.
async fn set<K>(db: &Database, sql: &str, word: &str, key: K) -> Result<(), String>
where
    K: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
{
    let mut tx = db.write_tx().await.unwrap();
    match sqlx::query(sql).bind(word).bind(key).execute(&mut *tx).await {
        Ok(_) => {
            tx.commit().await.unwrap();
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Sets `table.column` of the row whose `by` is `key` to each of `words`, which must be taken,
/// then to a stray word, which must be refused naming the column's set.
async fn takes_only<K>(db: &Database, table: &str, column: &str, by: &str, key: K, words: &[&str])
where
    K: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + 'static,
{
    let sql = format!("UPDATE {table} SET {column} = $1 WHERE {by} = $2");
    for word in words {
        set(db, &sql, word, key.clone()).await.unwrap_or_else(|e| panic!("{table}.{column} = {word}: {e}"));
    }
    let refused = set(db, &sql, "no_such_word", key).await.expect_err(&format!("{table}.{column} refuses"));
    assert!(refused.contains(&format!("{table}_{column}_values")), "{table}.{column}: {refused}");
}

async fn write(db: &Database, sql: &str) {
    let mut tx = db.write_tx().await.unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// A demo database with one dossier; its id.
async fn with_a_dossier(engine: TestEngine) -> (TestDb, dossiers::Dossier) {
    let t = TestDb::new(engine).await;
    demo::load(&t.db, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 0).await.unwrap();
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let new = NewDossier {
        external_code: None,
        fee_paid_at: None,
        procedure_version_id: p.version_id,
        procedure_code: p.code.clone(),
        lead_agency: p.agency.code.clone(),
        applicant_user_id: None,
        applicant: Applicant {
            full_name: "Nguyễn Văn An".into(), phone: "0912345678".into(), ..Applicant::default()
        },
        channel: Channel::Online,
        data: serde_json::Map::new(),
        fee_vnd: p.fee_vnd,
        waiting: Some((Role::Reception, p.agency.code.clone())),
        attachments: vec![],
        follow_ups: Default::default(),
    };
    let by = By { user_id: None, name: "Kiểm thử".into() };
    let d = dossiers::submit(&t.db, &DossierCodePattern::default(), &new, &by, Utc::now()).await.unwrap();
    (t, d)
}

async fn closed_sets_take_their_enums_words_and_refuse_others(engine: TestEngine) {
    let (t, d) = with_a_dossier(engine).await;
    let db = &t.db;
    let now = Utc::now();
    let job = jobs::enqueue(db, &NewJob::new("email", serde_json::json!({}))).await.unwrap().unwrap();
    let payment = payments::start(db, &d, "sandbox", None, now).await.unwrap().id;
    let question = questions::ask(
        db,
        &NewQuestion {
            kind: QuestionKind::Question,
            procedure_code: Some(d.procedure_code.clone()),
            dossier_code: None,
            agency_code: None,
            name: "An".into(),
            email: "an@example.vn".into(),
            body: "Hỏi".into(),
        },
        now,
    )
    .await
    .unwrap();
    let good = Satisfaction::Satisfied;
    let rating = Rating { overall: good, timeliness: good, convenience: good, attitude: good, comment: None };
    ratings::rate(db, &d, &rating, now).await.unwrap();
    let user = users::create_user(
        db,
        &NewUser {
            full_name: "Bình".into(),
            password_hash: "x".into(),
            roles: vec![Role::Citizen],
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    write(
        db,
        &format!(
            "INSERT INTO consultations (dossier_id, step, agency, role, asked_at, due_at) \
             VALUES ({}, 0, '{}', 'leader', 0, 0)",
            d.id, d.lead_agency
        ),
    )
    .await;

    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    let levels: Vec<&str> = Satisfaction::ALL.iter().map(|s| s.as_str()).collect();
    let cases: Vec<(&str, Vec<&str>, i64, &str)> = vec![
        ("dossiers", Channel::ALL.iter().map(|c| c.as_str()).collect(), d.id, "channel"),
        ("dossiers", statuses.clone(), d.id, "status"),
        ("dossiers", statuses.clone(), d.id, "resume_status"),
        ("dossiers", roles.clone(), d.id, "waiting_role"),
        ("events", statuses.clone(), d.id, "from_status"),
        ("events", statuses, d.id, "to_status"),
        ("consultations", roles.clone(), d.id, "role"),
        ("user_roles", roles, user, "role"),
        ("jobs", [JobStatus::Pending, JobStatus::Done, JobStatus::Dead].map(|s| s.as_str()).to_vec(), job, "status"),
        ("payments", PaymentStatus::ALL.map(|s| s.as_str()).to_vec(), payment, "status"),
        ("questions", QuestionKind::ALL.map(|k| k.as_str()).to_vec(), question, "kind"),
        ("questions", QuestionStatus::ALL.map(|s| s.as_str()).to_vec(), question, "status"),
        ("ratings", levels.clone(), d.id, "overall"),
        ("ratings", levels.clone(), d.id, "timeliness"),
        ("ratings", levels.clone(), d.id, "convenience"),
        ("ratings", levels, d.id, "attitude"),
    ];
    for (table, words, key, column) in cases {
        let by = match table {
            "dossiers" | "payments" | "jobs" | "questions" => "id",
            "user_roles" => "user_id",
            _ => "dossier_id",
        };
        takes_only(db, table, column, by, key, &words).await;
    }

    // Migration 17's sets, some of them in rows with a text key.
    write(
        db,
        &format!(
            "INSERT INTO attachments (id, dossier_id, doc_key, purpose, file_name, content_type, size, sha256, \
             storage_key, created_at) VALUES ('a1', {}, 'k', 'document', 'f.pdf', 'application/pdf', 1, 'x', 'key1', 0)",
            d.id
        ),
    )
    .await;
    let entry =
        LogEntry { at: now, txn_ref: None, outcome: LogOutcome::Forged, remote_addr: None, detail: String::new() };
    payments::log(db, &entry).await.unwrap();
    let (log_line,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM payment_log").fetch_one(db.reader()).await.unwrap();
    users::create_session(db, "h1", user, SessionKind::Web, "c", now, 10).await.unwrap();
    let purposes = AttachmentPurpose::ALL.map(|p| p.as_str());
    takes_only(db, "attachments", "purpose", "id", "a1".to_string(), &purposes).await;
    takes_only(db, "payment_log", "outcome", "id", log_line, &LogOutcome::ALL.map(|o| o.as_str())).await;
    takes_only(db, "sessions", "kind", "token_hash", "h1".to_string(), &SessionKind::ALL.map(|k| k.as_str())).await;
    let version = d.procedure_version_id;
    takes_only(db, "procedure_versions", "level", "id", version, &OnlineLevel::ALL.map(|l| l.as_str())).await;
    let results = ResultKind::ALL.map(|k| k.as_str());
    takes_only(db, "procedure_versions", "result_kind", "id", version, &results).await;
    let kinds = AgencyKind::ALL.map(|k| k.as_str());
    takes_only(db, "agencies", "kind", "code", d.lead_agency.clone(), &kinds).await;
    // Inserts are refused too (on SQLite each set has an insert trigger besides the update one).
    let copy_version = |level: &str, result_kind: &str| {
        format!(
            "INSERT INTO procedure_versions (procedure_id, version, name, level, time_amount, time_unit, fee_vnd, \
             result_kind, documents, form, workflow, created_at) SELECT procedure_id, 99, name, {level}, time_amount, \
             time_unit, fee_vnd, {result_kind}, documents, form, workflow, created_at FROM procedure_versions WHERE id = {version}"
        )
    };
    let inserts = [
        (
            "attachments_purpose_values",
            format!(
                "INSERT INTO attachments (id, dossier_id, doc_key, purpose, file_name, content_type, size, sha256, \
                 storage_key, created_at) VALUES ('a2', {}, 'k', $1, 'f.pdf', 'application/pdf', 1, 'x', 'key2', 0)",
                d.id
            ),
        ),
        ("payment_log_outcome_values", "INSERT INTO payment_log (at, outcome, detail) VALUES (0, $1, '')".into()),
        (
            "sessions_kind_values",
            format!(
                "INSERT INTO sessions (token_hash, user_id, kind, csrf, created_at, expires_at) VALUES ('h2', {user}, $1, 'c', 0, 0)"
            ),
        ),
        ("procedure_versions_level_values", copy_version("$1", "result_kind")),
        ("procedure_versions_result_kind_values", copy_version("level", "$1")),
        ("agencies_kind_values", "INSERT INTO agencies (code, name, kind) VALUES ('000.00.99.H38', 'X', $1)".into()),
    ];
    for (set_name, sql) in inserts {
        let mut tx = db.write_tx().await.unwrap();
        let refused = sqlx::query(&sql).bind("no_such_word").execute(&mut *tx).await.expect_err(set_name).to_string();
        assert!(refused.contains(set_name), "{set_name}: {refused}");
    }
    // Inserts are checked as well as updates.
    let sql = "INSERT INTO calendar_days (day, kind) VALUES ('2030-01-0' || CAST($2 AS TEXT), $1)";
    set(db, sql, "off", 1).await.unwrap();
    set(db, sql, "work", 2).await.unwrap();
    let refused = set(db, sql, "holiday", 3).await.unwrap_err();
    assert!(refused.contains("calendar_days_kind_values"), "{refused}");
}

async fn rows_written_before_the_closed_sets_stop_the_migration_that_checks_them(engine: TestEngine) {
    // Migration 14's sets, checked by migration 15.
    let (undo, redo) = match engine {
        TestEngine::Sqlite => (
            "DROP TRIGGER dossiers_channel_values_update",
            "CREATE TRIGGER dossiers_channel_values_update BEFORE UPDATE OF channel ON dossiers \
             WHEN NEW.channel NOT IN ('online', 'in_person', 'postal') \
             BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: dossiers_channel_values'); END",
        ),
        TestEngine::Postgres => (
            "ALTER TABLE dossiers DROP CONSTRAINT dossiers_channel_values",
            "ALTER TABLE dossiers ADD CONSTRAINT dossiers_channel_values \
             CHECK (channel IN ('online', 'in_person', 'postal')) NOT VALID",
        ),
    };
    old_row_stops_its_check(engine, [undo, "UPDATE dossiers SET channel = 'fax'", redo], 15, "dossiers_channel_values")
        .await;
    // Migration 17's sets, checked by migration 18.
    let (undo, redo) = match engine {
        TestEngine::Sqlite => (
            "DROP TRIGGER agencies_kind_values_update",
            "CREATE TRIGGER agencies_kind_values_update BEFORE UPDATE OF kind ON agencies \
             WHEN NEW.kind NOT IN ('province', 'department', 'service_centre', 'commune') \
             BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: agencies_kind_values'); END",
        ),
        TestEngine::Postgres => (
            "ALTER TABLE agencies DROP CONSTRAINT agencies_kind_values",
            "ALTER TABLE agencies ADD CONSTRAINT agencies_kind_values \
             CHECK (kind IN ('province', 'department', 'service_centre', 'commune')) NOT VALID",
        ),
    };
    old_row_stops_its_check(engine, [undo, "UPDATE agencies SET kind = 'ministry'", redo], 18, "agencies_kind_values")
        .await;
}

/// As if a row had been written before the migration that adds a set's check: `statements`
/// drop the check, write a word outside the set, and add the check again as that migration does
/// (looking at new rows only). Running the migration `validating` again must stop, naming the set.
async fn old_row_stops_its_check(engine: TestEngine, statements: [&str; 3], validating: i64, set_name: &str) {
    let (t, _) = with_a_dossier(engine).await;
    // One transaction, so one connection: SQLite checks a trigger's name against the schema
    // its connection last read, and another connection may not have seen the drop yet.
    let mut tx = t.db.write_tx().await.unwrap();
    for sql in statements {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    write(&t.db, &format!("DELETE FROM schema_migrations WHERE version = {validating}")).await;
    let err = t.db.migrate().await.expect_err("the old row is found").to_string();
    assert!(err.contains(set_name), "{err}");
}
