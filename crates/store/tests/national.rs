//! The national portal's outbox and the system tokens, on SQLite and on PostgreSQL: a message
//! per change, written with it; one dossier's messages claimed strictly in order, another's
//! passing a head that waits for a retry; the status codes the portal expects.

use chrono::{TimeDelta, Utc};
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::{Channel, Role, Status};
use motcua_store::dossiers::{self, Applicant, By, Change, NewDossier};
use motcua_store::national_outbox::{self, NationalSync, OutboxState};
use motcua_store::system_tokens::{self, Scope, SystemCall};
use motcua_store::{catalog, demo, Database};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    each_dossier_s_messages_go_in_order_and_a_waiting_head_holds_only_its_own_line,
    only_the_dossiers_the_policy_names_are_reported,
    tokens_are_found_by_hash_until_revoked_and_their_calls_are_kept,
);

fn by() -> By {
    By { user_id: None, name: "Kiểm thử".into() }
}

async fn loaded(engine: TestEngine) -> TestDb {
    let t = TestDb::new(engine).await;
    demo::load(&t.db, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 0).await.unwrap();
    t
}

async fn submit(db: &Database, channel: Channel, at: chrono::DateTime<Utc>) -> dossiers::Dossier {
    let p = catalog::current_procedures(db).await.unwrap().remove(0);
    let new = NewDossier {
        procedure_version_id: p.version_id,
        procedure_code: p.code.clone(),
        lead_agency: p.agency.code.clone(),
        applicant_user_id: None,
        applicant: Applicant { full_name: "Lò Văn Páo".into(), phone: "0912345678".into(), ..Applicant::default() },
        channel,
        data: serde_json::Map::new(),
        fee_vnd: 0,
        waiting: Some((Role::Reception, p.agency.code.clone())),
        attachments: vec![],
        follow_ups: Default::default(),
        external_code: (channel == Channel::NationalPortal).then(|| format!("G22-{}", at.timestamp_millis())),
        fee_paid_at: None,
    };
    dossiers::submit(db, &DossierCodePattern::default(), &new, &by(), at).await.unwrap()
}

fn change(action: &str, status: Status, at: chrono::DateTime<Utc>) -> Change {
    Change {
        action: action.into(),
        status,
        step: 0,
        resume_status: None,
        waiting: None,
        received_at: (status == Status::Received).then_some(at),
        clock: (status == Status::Received).then(|| (at, at + TimeDelta::days(10))),
        finished_at: (status == Status::Withdrawn).then_some(at),
        returned_at: None,
        supplement_requested: false,
        rescheduled_to: None,
        note: Some("ghi chú".into()),
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

async fn each_dossier_s_messages_go_in_order_and_a_waiting_head_holds_only_its_own_line(engine: TestEngine) {
    let t = loaded(engine).await;
    let db = t.db.clone().with_national_sync(NationalSync::All);
    // Whole milliseconds, as times are stored.
    let t0 = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis() - 10_000).unwrap();
    let a = submit(&db, Channel::NationalPortal, t0).await;
    let b = submit(&db, Channel::Online, t0 + TimeDelta::milliseconds(5)).await;
    let a = dossiers::apply(
        &db,
        &a,
        &change("receive", Status::Received, t0 + TimeDelta::seconds(1)),
        &by(),
        t0 + TimeDelta::seconds(1),
    )
    .await
    .unwrap();
    dossiers::apply(
        &db,
        &a,
        &change("stop", Status::Withdrawn, t0 + TimeDelta::seconds(2)),
        &by(),
        t0 + TimeDelta::seconds(2),
    )
    .await
    .unwrap();
    let lease = std::time::Duration::from_secs(60);
    let now = Utc::now();
    let first = national_outbox::claim(&db, now, lease).await.unwrap().unwrap();
    assert_eq!((first.dossier_code.as_str(), first.national_status), (a.code.as_str(), 1));
    assert_eq!(first.message_id, format!("{}:0", a.code));
    assert_eq!(first.external_code, a.external_code);
    // A's next message waits for its first; B's goes.
    let second = national_outbox::claim(&db, now, lease).await.unwrap().unwrap();
    assert_eq!((second.dossier_code.as_str(), second.national_status), (b.code.as_str(), 1));
    assert!(national_outbox::claim(&db, now, lease).await.unwrap().is_none());
    // A refused send waits for its backoff and holds A's line meanwhile.
    let retry_at = national_outbox::mark_failed(&db, &first, "the portal answered 503", now).await.unwrap();
    assert_eq!(retry_at, now + TimeDelta::seconds(1));
    assert!(national_outbox::claim(&db, now, lease).await.unwrap().is_none());
    let (failed, total) = national_outbox::list(&db, Some(OutboxState::Failed), 1, 50).await.unwrap();
    assert_eq!((failed.len(), total), (1, 1));
    assert_eq!(failed[0].last_error.as_deref(), Some("the portal answered 503"));
    let later = now + TimeDelta::seconds(2);
    let again = national_outbox::claim(&db, later, lease).await.unwrap().unwrap();
    assert_eq!((again.message_id.as_str(), again.attempts), (first.message_id.as_str(), 2));
    national_outbox::mark_sent(&db, &again, later).await.unwrap();
    let received = national_outbox::claim(&db, later, lease).await.unwrap().unwrap();
    assert_eq!(received.national_status, 2);
    assert_eq!(received.due_at, Some(t0 + TimeDelta::seconds(1) + TimeDelta::days(10)));
    assert_eq!(received.note.as_deref(), Some("ghi chú"));
    national_outbox::mark_sent(&db, &received, later).await.unwrap();
    // A withdrawal after reception is the agency stopping the processing: 8, with its end.
    let stopped = national_outbox::claim(&db, later, lease).await.unwrap().unwrap();
    assert_eq!(stopped.national_status, 8);
    assert_eq!(stopped.finished_at, Some(t0 + TimeDelta::seconds(2)));
    assert_eq!(stopped.message_id, format!("{}:2", a.code));
    // Sending again: only what is unsent.
    national_outbox::mark_sent(&db, &stopped, later).await.unwrap();
    assert!(matches!(
        national_outbox::send_again(&db, stopped.id, later).await,
        Err(motcua_store::StoreError::NotFound)
    ));
    national_outbox::send_again(&db, second.id, later).await.unwrap();
    let b_again = national_outbox::claim(&db, later, lease).await.unwrap().unwrap();
    assert_eq!(b_again.id, second.id, "sent again at once, its lease dropped");
    let (sent, total) = national_outbox::list(&db, Some(OutboxState::Sent), 1, 50).await.unwrap();
    assert_eq!((sent.len(), total), (3, 3));
}

async fn only_the_dossiers_the_policy_names_are_reported(engine: TestEngine) {
    let t = loaded(engine).await;
    let off = submit(&t.db, Channel::NationalPortal, Utc::now()).await;
    let portal_only = t.db.clone().with_national_sync(NationalSync::PortalDossiers);
    let online = submit(&portal_only, Channel::Online, Utc::now()).await;
    let portal = submit(&portal_only, Channel::NationalPortal, Utc::now()).await;
    for (d, expected) in [(&off, 0), (&online, 0), (&portal, 1)] {
        assert_eq!(national_outbox::of_dossier(&t.db, d.id).await.unwrap().len(), expected, "{:?}", d.channel);
    }
    // The portal's code is unique: a second dossier under it is a conflict, not a duplicate.
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let twice = NewDossier {
        procedure_version_id: p.version_id,
        procedure_code: p.code.clone(),
        lead_agency: p.agency.code.clone(),
        applicant_user_id: None,
        applicant: Applicant { full_name: "Lò Văn Páo".into(), phone: "0912345678".into(), ..Applicant::default() },
        channel: Channel::NationalPortal,
        data: serde_json::Map::new(),
        fee_vnd: 0,
        waiting: None,
        attachments: vec![],
        follow_ups: Default::default(),
        external_code: portal.external_code.clone(),
        fee_paid_at: None,
    };
    let again = dossiers::submit(&t.db, &DossierCodePattern::default(), &twice, &by(), Utc::now()).await;
    assert!(matches!(again, Err(motcua_store::StoreError::Conflict(_))), "{again:?}");
    let found = dossiers::by_external_code(&t.db, portal.external_code.as_deref().unwrap()).await.unwrap();
    assert_eq!(found.id, portal.id);
}

async fn tokens_are_found_by_hash_until_revoked_and_their_calls_are_kept(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = system_tokens::create(&t.db, "Cổng DVC quốc gia", Scope::Integration, "hash-1", Utc::now()).await.unwrap();
    let found = system_tokens::active_by_hash(&t.db, "hash-1").await.unwrap().unwrap();
    assert_eq!((found.id, found.name.as_str(), found.scope), (id, "Cổng DVC quốc gia", Scope::Integration));
    assert!(system_tokens::active_by_hash(&t.db, "hash-2").await.unwrap().is_none());
    let call = SystemCall {
        token_id: id,
        at: Utc::now(),
        method: "POST".into(),
        path: "/api/v1/integration/dossiers".into(),
        status: 201,
    };
    system_tokens::record_call(&t.db, &call).await.unwrap();
    let calls = system_tokens::calls(&t.db, id, 10).await.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].method.as_str(), calls[0].path.as_str(), calls[0].status),
        ("POST", "/api/v1/integration/dossiers", 201)
    );
    assert!(system_tokens::list(&t.db).await.unwrap()[0].last_used_at.is_some());
    system_tokens::revoke(&t.db, id, Utc::now()).await.unwrap();
    assert!(system_tokens::active_by_hash(&t.db, "hash-1").await.unwrap().is_none());
    assert!(matches!(system_tokens::revoke(&t.db, id, Utc::now()).await, Err(motcua_store::StoreError::NotFound)));
    assert!(system_tokens::list(&t.db).await.unwrap()[0].revoked_at.is_some());
}
