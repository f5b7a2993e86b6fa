//! The audit chain proves completeness: each attack an audit found going unnoticed is named by
//! `audit::verify`, on SQLite and on PostgreSQL, and intact databases verify clean.

use chrono::{TimeDelta, Utc};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::{Role, Status};
use motcua_store::audit::{self, Finding, Problem};
use motcua_store::dossiers::{self, Applicant, By, Change, Dossier, NewDossier};
use motcua_store::synthetic::Mix;
use motcua_store::{catalog, demo, Database, StoreError};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    the_copy_outside_the_database_names_deleted_checkpoints_and_histories,
    deleting_the_last_event_is_named,
    deleting_a_whole_history_after_a_checkpoint_is_named,
    a_chain_edited_and_recomputed_without_the_key_is_named,
    a_due_date_changed_by_sql_is_named_and_nothing_more_is_written_on_it,
    an_edited_checkpoint_is_named,
    histories_written_before_the_key_keep_verifying,
    the_demo_history_and_the_synthetic_seed_verify_clean,
);

const PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

fn by() -> By {
    By { user_id: None, name: "Kiểm thử".into() }
}

/// Runs one statement, committed.
async fn write(db: &Database, sql: &str, code: &str) {
    let mut tx = db.write_tx().await.unwrap();
    sqlx::query(sql).bind(code).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

/// The demo catalog and two dossiers, each submitted and received (two events, a due date).
async fn two_received_dossiers(engine: TestEngine) -> (TestDb, Vec<Dossier>) {
    let t = TestDb::new(engine).await;
    demo::load(&t.db, PASSWORD_HASH, 0).await.expect("demo loads");
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let now = Utc::now();
    let mut out = Vec::new();
    for _ in 0..2 {
        let new = NewDossier {
            external_code: None,
            fee_paid_at: None,
            procedure_version_id: p.version_id,
            procedure_code: p.code.clone(),
            lead_agency: p.agency.code.clone(),
            applicant_user_id: None,
            applicant: Applicant {
                full_name: "Nguyễn Văn An".into(),
                phone: "0912345678".into(),
                ..Applicant::default()
            },
            channel: motcua_domain::dossier::Channel::Online,
            data: serde_json::Map::new(),
            fee_vnd: p.fee_vnd,
            waiting: Some((Role::Reception, p.agency.code.clone())),
            attachments: vec![],
            follow_ups: Default::default(),
        };
        let d = dossiers::submit(&t.db, &DossierCodePattern::default(), &new, &by(), now).await.unwrap();
        out.push(dossiers::apply(&t.db, &d, &receive(now), &by(), now).await.unwrap());
    }
    assert_clean(&t.db).await;
    (t, out)
}

/// Receiving a dossier: its clock starts, with a due date ten days on.
fn receive(now: chrono::DateTime<Utc>) -> Change {
    Change {
        action: "receive".into(),
        status: Status::Received,
        step: 0,
        resume_status: None,
        waiting: Some((Role::Specialist, "x".into())),
        received_at: Some(now),
        clock: Some((now, now + TimeDelta::days(10))),
        finished_at: None,
        returned_at: None,
        supplement_requested: false,
        rescheduled_to: None,
        note: Some("Đã tiếp nhận".into()),
        fact: None,
        attachments: vec![],
        enters_step: None,
        consultations: vec![],
        cancel_consultations: false,
        follow_ups: Default::default(),
        jobs: Vec::new(),
        seal: None,
        withdrawal_requested: None,
        register_desk: None,
    }
}

/// Rechains a dossier's history with plain SHA-256, as the version before the key did (and as
/// anyone with write access to the database can), its head's last hash too.
async fn rechain_plain(db: &Database, d: &Dossier) {
    type Stored =
        (i64, i64, Option<i64>, String, String, Option<String>, String, Option<i64>, Option<String>, Option<String>);
    let rows: Vec<Stored> = sqlx::query_as(
        "SELECT id, at, actor_user_id, actor_name, action, from_status, to_status, step, note, fact FROM events \
         WHERE dossier_id = $1 ORDER BY id",
    )
    .bind(d.id)
    .fetch_all(db.reader())
    .await
    .unwrap();
    let mut previous = String::new();
    let mut tx = db.write_tx().await.unwrap();
    for (id, at, actor_user_id, actor_name, action, from_status, to_status, step, note, fact) in &rows {
        previous = audit::plain_event_hash(
            &previous,
            &audit::EventContent {
                dossier_code: &d.code,
                at: *at,
                actor_user_id: *actor_user_id,
                actor_name,
                action,
                from_status: from_status.as_deref(),
                to_status,
                step: *step,
                note: note.as_deref(),
                fact: fact.as_deref(),
            },
        );
        sqlx::query("UPDATE events SET hash = $1 WHERE id = $2")
            .bind(&previous)
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE dossiers SET last_hash = $1 WHERE id = $2")
        .bind(&previous)
        .bind(d.id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn assert_clean(db: &Database) {
    let v = audit::verify(db).await.unwrap();
    assert!(v.is_clean(), "{:?}", v.findings);
}

fn has(findings: &[Finding], code: &str, problem: Problem) -> bool {
    findings.iter().any(|f| f.dossier_code == code && f.problem == problem)
}

async fn deleting_the_last_event_is_named(engine: TestEngine) {
    let (t, ds) = two_received_dossiers(engine).await;
    let code = &ds[0].code;
    write(
        &t.db,
        "DELETE FROM events WHERE id = (SELECT MAX(e.id) FROM events e JOIN dossiers d ON d.id = e.dossier_id \
         WHERE d.code = $1)",
        code,
    )
    .await;
    let v = audit::verify(&t.db).await.unwrap();
    assert!(has(&v.findings, code, Problem::DeletedEvents { recorded: 2, present: 1 }), "{:?}", v.findings);
    // The row still says received; the last event left says submitted.
    assert!(
        v.findings
            .iter()
            .any(|f| matches!(&f.problem, Problem::ChangedFields { fields } if fields.contains(&"status"))),
        "{:?}",
        v.findings
    );
    assert!(v.findings.iter().all(|f| f.dossier_code == *code), "the other dossier is intact: {:?}", v.findings);
}

async fn deleting_a_whole_history_after_a_checkpoint_is_named(engine: TestEngine) {
    let (t, ds) = two_received_dossiers(engine).await;
    let cp = audit::checkpoint(&t.db, Utc::now()).await.unwrap();
    assert_eq!((cp.dossiers, cp.events), (2, 4));
    assert_clean(&t.db).await;
    let code = &ds[1].code;
    write(&t.db, "DELETE FROM events WHERE dossier_id = (SELECT id FROM dossiers WHERE code = $1)", code).await;
    write(&t.db, "DELETE FROM dossiers WHERE code = $1", code).await;
    let v = audit::verify(&t.db).await.unwrap();
    assert_eq!(v.dossiers, 1);
    assert_eq!(
        v.findings,
        vec![Finding { dossier_code: code.clone(), problem: Problem::DeletedHistory { checkpoint_at: cp.at } }]
    );
    // A later checkpoint chains to this one, and still covers only what is left.
    let next = audit::checkpoint(&t.db, Utc::now()).await.unwrap();
    assert_eq!((next.previous_mac.as_str(), next.dossiers), (cp.mac.as_str(), 1));
    assert_clean(&t.db).await;
}

/// Whoever can write the database can delete its checkpoints along with the histories they
/// would name; the copy appended outside the database still tells: its latest checkpoint is
/// gone from the database, and the database holds less than it counted. An edited line of the
/// copy is named too.
async fn the_copy_outside_the_database_names_deleted_checkpoints_and_histories(engine: TestEngine) {
    let (t, ds) = two_received_dossiers(engine).await;
    let first = audit::checkpoint(&t.db, Utc::now() - TimeDelta::days(1)).await.unwrap();
    let latest = audit::checkpoint(&t.db, Utc::now()).await.unwrap();
    let copy = format!("{}\n{}\n", first.to_json_line(), latest.to_json_line());
    let (findings, seen) = audit::verify_external(&t.db, &copy).await.unwrap();
    assert_eq!(findings, vec![], "an intact copy of an intact database");
    assert_eq!(seen.map(|c| c.mac), Some(latest.mac.clone()));

    // A line edited (the counts lowered to match a deletion), or a line left out, is named.
    let edited = copy.replacen("\"dossiers\":2", "\"dossiers\":1", 1);
    let (findings, _) = audit::verify_external(&t.db, &edited).await.unwrap();
    assert_eq!(findings[0].problem, Problem::ExternalLineAltered { line: 1 }, "{findings:?}");
    let (findings, _) = audit::verify_external(&t.db, &format!("{}\n", latest.to_json_line())).await.unwrap();
    assert_eq!(findings, vec![], "a copy that starts later (rotated) is still a chain");

    // One history and every checkpoint deleted: the database alone finds nothing to compare.
    let code = &ds[1].code;
    write(&t.db, "DELETE FROM events WHERE dossier_id = (SELECT id FROM dossiers WHERE code = $1)", code).await;
    write(&t.db, "DELETE FROM dossiers WHERE code = $1", code).await;
    let mut tx = t.db.write_tx().await.unwrap();
    sqlx::query("DELETE FROM audit_checkpoint_heads").execute(&mut *tx).await.unwrap();
    sqlx::query("DELETE FROM audit_checkpoints").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_clean(&t.db).await;
    let (findings, _) = audit::verify_external(&t.db, &copy).await.unwrap();
    let problems: Vec<Problem> = findings.into_iter().map(|f| f.problem).collect();
    assert_eq!(
        problems,
        vec![
            Problem::CheckpointMissing { checkpoint_at: latest.at },
            Problem::FewerThanCheckpoint { checkpoint_at: latest.at, counted: (2, 4), present: (1, 2) },
        ]
    );
}

async fn a_chain_edited_and_recomputed_without_the_key_is_named(engine: TestEngine) {
    let (t, ds) = two_received_dossiers(engine).await;
    let code = &ds[0].code;
    let history = dossiers::history(&t.db, ds[0].id).await.unwrap();
    // The attacker edits the first event's actor and recomputes every hash after it with plain
    // SHA-256, as verify did before issue 16, then the head too.
    write(
        &t.db,
        "UPDATE events SET actor_name = 'Người khác' WHERE dossier_id = (SELECT id FROM dossiers WHERE code = $1)",
        code,
    )
    .await;
    rechain_plain(&t.db, &ds[0]).await;
    let v = audit::verify(&t.db).await.unwrap();
    assert!(has(&v.findings, code, Problem::Recomputed { event_id: history[0].id }), "{:?}", v.findings);
    assert!(v.findings.iter().all(|f| f.dossier_code == *code), "{:?}", v.findings);
}

async fn a_due_date_changed_by_sql_is_named_and_nothing_more_is_written_on_it(engine: TestEngine) {
    let (t, ds) = two_received_dossiers(engine).await;
    let code = &ds[0].code;
    write(&t.db, "UPDATE dossiers SET due_at = due_at + 864000000 WHERE code = $1", code).await;
    let v = audit::verify(&t.db).await.unwrap();
    assert_eq!(
        v.findings,
        vec![Finding { dossier_code: code.clone(), problem: Problem::ChangedFields { fields: vec!["due_at"] } }]
    );
    // Acting on it would seal the forged date as motcua's own: refused, the history unchanged.
    let current = dossiers::by_code(&t.db, code).await.unwrap();
    let err = dossiers::apply(&t.db, &current, &receive(Utc::now()), &by(), Utc::now()).await.expect_err("refused");
    assert!(matches!(err, StoreError::Corrupt(ref m) if m.contains(code.as_str())), "{err:?}");
    assert_eq!(dossiers::history(&t.db, current.id).await.unwrap().len(), 2);
    // A status changed by hand is named too.
    write(&t.db, "UPDATE dossiers SET status = 'result_ready' WHERE code = $1", &ds[1].code).await;
    let v = audit::verify(&t.db).await.unwrap();
    assert!(has(&v.findings, &ds[1].code, Problem::ChangedFields { fields: vec!["status"] }), "{:?}", v.findings);
}

async fn an_edited_checkpoint_is_named(engine: TestEngine) {
    let (t, ds) = two_received_dossiers(engine).await;
    let cp = audit::checkpoint(&t.db, Utc::now()).await.unwrap();
    // Hiding a deleted history by taking it out of the checkpoint's list breaks its signature.
    write(&t.db, "DELETE FROM audit_checkpoint_heads WHERE dossier_code = $1", &ds[1].code).await;
    let v = audit::verify(&t.db).await.unwrap();
    assert_eq!(
        v.findings,
        vec![Finding { dossier_code: String::new(), problem: Problem::CheckpointAltered { checkpoint_id: cp.id } }]
    );
}

/// A database from before the key: events chained with plain SHA-256, heads counted by the
/// migration but not sealed. They verify once sealed, and new events on them are keyed.
async fn histories_written_before_the_key_keep_verifying(engine: TestEngine) {
    let (t, ds) = two_received_dossiers(engine).await;
    // Rewrite both histories as the earlier version wrote them.
    for d in &ds {
        rechain_plain(&t.db, d).await;
    }
    let mut tx = t.db.write_tx().await.unwrap();
    // What migration 26 does to such a database.
    for sql in [
        "UPDATE dossiers SET head_mac = NULL, last_hash = COALESCE((SELECT e.hash FROM events e \
         WHERE e.dossier_id = dossiers.id ORDER BY e.id DESC LIMIT 1), '')",
        "UPDATE audit_state SET sealed_at = NULL, legacy_last_event_id = (SELECT MAX(id) FROM events)",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let v = audit::verify(&t.db).await.unwrap();
    assert_eq!(v.findings.len(), 2, "not sealed yet: {:?}", v.findings);
    assert!(v.findings.iter().all(|f| f.problem == Problem::Unsealed));
    assert_eq!(audit::seal_earlier_heads(&t.db).await.unwrap(), 2);
    assert_eq!(audit::seal_earlier_heads(&t.db).await.unwrap(), 0, "once");
    assert_clean(&t.db).await;
    // The next event is keyed and chains on the plain hash before it.
    let current = dossiers::by_code(&t.db, &ds[0].code).await.unwrap();
    dossiers::apply(&t.db, &current, &receive(Utc::now()), &by(), Utc::now()).await.unwrap();
    let last = dossiers::by_code(&t.db, &ds[0].code).await.unwrap();
    let (hash,): (String,) = sqlx::query_as("SELECT hash FROM events WHERE dossier_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(last.id)
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    assert!(hash.starts_with(audit::KEYED), "{hash}");
    assert_clean(&t.db).await;
    // A plain hash on an event written after the key is a recomputed chain, even if it matches.
    write(&t.db, "UPDATE audit_state SET legacy_last_event_id = 0 WHERE id = 1 AND $1 <> ''", "x").await;
    let v = audit::verify(&t.db).await.unwrap();
    assert!(
        v.findings.iter().all(|f| matches!(f.problem, Problem::Recomputed { .. })) && v.findings.len() == 2,
        "{:?}",
        v.findings
    );
}

async fn the_demo_history_and_the_synthetic_seed_verify_clean(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let loaded = demo::load(&t.db, PASSWORD_HASH, 40).await.expect("the demo loads with its history");
    motcua_store::synthetic::seed(&t.db, 300, 7, Mix::Realistic, |_| {}).await.unwrap();
    audit::checkpoint(&t.db, Utc::now()).await.unwrap();
    let v = audit::verify(&t.db).await.unwrap();
    assert!(v.is_clean(), "{:?}", v.findings);
    assert_eq!(v.dossiers, loaded.dossiers as u64 + 300);
    assert_eq!(v.checkpoint.map(|c| c.dossiers), Some(v.dossiers as i64));
}
