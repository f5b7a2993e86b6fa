//! The edXML exchange's storage on SQLite and on PostgreSQL: a package that comes many times at
//! once is taken once (one incoming document, one arrival number, one 01), and the statuses of
//! the incoming copy follow its changes in their transaction.

use chrono::Utc;
use motcua_domain::edxml::StatusCode;
use motcua_domain::office::{Confidentiality, DocumentStatus, DocumentType, Register, Urgency};
use motcua_store::blobs::StoredBlob;
use motcua_store::edxml::{self, Arrival, Direction, NewPackage};
use motcua_store::office::{self, Actor, Change, NewDocument};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(a_package_sent_many_times_at_once_is_taken_once,);

const POLICE: &str = "000.00.20.H38";

fn arrival() -> Arrival {
    Arrival {
        document: NewDocument {
            agency_code: POLICE.into(),
            register: Register::Incoming,
            doc_type: DocumentType::OfficialLetter,
            symbol: Some("125/BTP-VP".into()),
            subject: "V/v hướng dẫn cấp Phiếu lý lịch tư pháp trực tuyến".into(),
            issuer: "Bộ Tư pháp".into(),
            issued_on: None,
            due_at: None,
            urgency: Urgency::Normal,
            confidentiality: Confidentiality::Normal,
            body: None,
            recipients: vec![],
            signer_name: None,
            signer_title: None,
            digitized: false,
            source_document_id: None,
            attachments: vec![],
        },
        package: NewPackage {
            document_id: "000.00.00.G12,2027/01/05,125/BTP-VP".into(),
            direction: Direction::Received,
            from: ("000.00.00.G12".into(), "Bộ Tư pháp".into()),
            to: (POLICE.into(), "Công an tỉnh Lào Cai".into()),
            outgoing_document_id: None,
            blob: StoredBlob { storage_key: "package".into(), size: 1, sha256: "00".into() },
        },
    }
}

async fn a_package_sent_many_times_at_once_is_taken_once(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    motcua_store::demo::load(&t.db, "!", 0).await.unwrap();
    let system = Actor { user_id: None, name: "Trục liên thông".into() };
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (db, system) = (t.db.clone(), system.clone());
        tasks.push(tokio::spawn(async move { edxml::receive(&db, &arrival(), &system, Utc::now()).await.unwrap() }));
    }
    let mut taken = Vec::new();
    for task in tasks {
        taken.push(task.await.unwrap());
    }
    assert_eq!(taken.iter().filter(|(_, new)| *new).count(), 1, "{taken:?}");
    assert!(taken.iter().all(|(p, _)| p.id == taken[0].0.id));
    let package = &taken[0].0;
    let copy = office::get(&t.db, package.incoming_document_id.unwrap()).await.unwrap();
    assert_eq!((copy.number, copy.status), (Some(1), DocumentStatus::Registered));
    let query = office::DocumentQuery { register: Some(Register::Incoming), ..Default::default() };
    assert_eq!(office::list(&t.db, POLICE, &query, 1, 50).await.unwrap().total, 1);
    assert_eq!(edxml::by_incoming(&t.db, copy.id).await.unwrap().as_ref(), Some(package));

    // Its changes report back in their transaction; a stale change reports nothing.
    let assign = Change { due_at: Some(Utc::now()), ..Change::new("assign", DocumentStatus::Assigned) };
    office::apply(&t.db, copy.id, copy.revision, &assign, &system, None, Utc::now()).await.unwrap();
    let stale = office::apply(&t.db, copy.id, copy.revision, &assign, &system, None, Utc::now()).await;
    assert!(stale.is_err());
    let codes: Vec<StatusCode> = edxml::statuses(&t.db, package.id).await.unwrap().iter().map(|s| s.code).collect();
    assert_eq!(codes, [StatusCode::Received, StatusCode::Acknowledged, StatusCode::Assigned]);
}
