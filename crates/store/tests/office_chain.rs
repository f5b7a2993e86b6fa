//! The approval chains of outgoing documents and the versions of their drafts on SQLite and on
//! PostgreSQL: a chain replaced whole, a draft waiting at a step found by who may act there,
//! each decision in the history with its step, and every change of a draft kept as a version
//! whose files stay downloadable without their bytes being stored twice.

use chrono::Utc;
use motcua_domain::approval::{ApprovalStep, Approver};
use motcua_domain::dossier::Role;
use motcua_domain::office::{Confidentiality, DocumentStatus, DocumentType, Register, Urgency};
use motcua_store::blobs::StoredBlob;
use motcua_store::office::{self, Actor, ApprovalMove, Change, DocumentQuery, NewDocument, NewOfficeAttachment};
use motcua_store::office_chain::{self, Revision};
use motcua_store::StoreError;
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    an_agencys_chain_is_replaced_whole,
    a_draft_waits_at_each_step_for_who_may_act_there,
    every_change_of_a_draft_is_kept_as_a_version,
);

/// The demo department and the ids of its specialist, second specialist (acting as head of
/// unit) and leader.
async fn department(t: &TestDb) -> (String, i64, i64, i64) {
    motcua_store::demo::load(&t.db, "!", 0).await.unwrap();
    let id = |name: &'static str| async move {
        let (id, agency): (i64, String) = sqlx::query_as("SELECT id, agency_code FROM users WHERE username = $1")
            .bind(name)
            .fetch_one(t.db.reader())
            .await
            .unwrap();
        (id, agency)
    };
    let (specialist, agency) = id("chuyenvien").await;
    let (head, _) = id("chuyenvien2").await;
    let (leader, _) = id("lanhdao").await;
    (agency, specialist, head, leader)
}

fn chain(head: i64) -> Vec<ApprovalStep> {
    vec![
        ApprovalStep { name: "Trưởng phòng".into(), approver: Approver::Officer { user_id: head } },
        ApprovalStep { name: "Giám đốc Sở".into(), approver: Approver::Role { role: Role::Leader } },
    ]
}

fn file(name: &str, key: &str) -> NewOfficeAttachment {
    NewOfficeAttachment {
        purpose: "draft",
        file_name: name.into(),
        content_type: "application/pdf".into(),
        blob: StoredBlob { storage_key: key.into(), size: 3, sha256: format!("sha-{key}") },
        text: None,
        signed: false,
    }
}

fn draft(agency: &str, attachments: Vec<NewOfficeAttachment>) -> NewDocument {
    NewDocument {
        agency_code: agency.into(),
        register: Register::Outgoing,
        doc_type: DocumentType::Report,
        symbol: None,
        subject: "Báo cáo kết quả giải quyết thủ tục hành chính quý IV".into(),
        issuer: "Sở Tư pháp".into(),
        issued_on: None,
        due_at: None,
        urgency: Urgency::Normal,
        confidentiality: Confidentiality::Normal,
        body: Some("Bản thảo thứ nhất.".into()),
        recipients: vec![],
        signer_name: None,
        signer_title: None,
        digitized: false,
        source_document_id: None,
        attachments,
    }
}

fn person(id: i64, name: &str) -> Actor {
    Actor { user_id: Some(id), name: name.into() }
}

async fn an_agencys_chain_is_replaced_whole(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let (agency, _, head, _) = department(&t).await;
    assert!(office_chain::approval_chain(&t.db, &agency).await.unwrap().is_empty(), "the default chain at first");
    office_chain::set_approval_chain(&t.db, &agency, &chain(head), None, Utc::now()).await.unwrap();
    assert_eq!(office_chain::approval_chain(&t.db, &agency).await.unwrap(), chain(head));
    let one = vec![ApprovalStep { name: "Giám đốc".into(), approver: Approver::Role { role: Role::Leader } }];
    office_chain::set_approval_chain(&t.db, &agency, &one, None, Utc::now()).await.unwrap();
    assert_eq!(office_chain::approval_chain(&t.db, &agency).await.unwrap(), one);
    office_chain::set_approval_chain(&t.db, &agency, &[], None, Utc::now()).await.unwrap();
    assert!(office_chain::approval_chain(&t.db, &agency).await.unwrap().is_empty());
}

/// What waits for `user` (holding `roles`).
async fn awaiting(t: &TestDb, agency: &str, user: i64, roles: Vec<Role>) -> Vec<i64> {
    let q = DocumentQuery { awaiting: Some(user), roles, ..DocumentQuery::default() };
    office::list(&t.db, agency, &q, 1, 50).await.unwrap().items.iter().map(|d| d.id).collect()
}

async fn a_draft_waits_at_each_step_for_who_may_act_there(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let (agency, specialist, head, leader) = department(&t).await;
    let author = person(specialist, "Trần Văn Chuyên");
    let d = office::create(&t.db, &draft(&agency, vec![]), &author, Utc::now()).await.unwrap();
    assert_eq!((d.approval_chain.len(), d.approval_step), (0, None));
    let mut submit = Change::new("submit_for_approval", DocumentStatus::PendingApproval);
    submit.approval = Some(ApprovalMove::Waits { chain: chain(head), step: 0 });
    let d = office::apply(&t.db, d.id, d.revision, &submit, &author, None, Utc::now()).await.unwrap();
    assert_eq!((d.approval_chain.clone(), d.approval_step), (chain(head), Some(0)));
    assert_eq!(awaiting(&t, &agency, head, vec![Role::Specialist]).await, [d.id]);
    assert!(awaiting(&t, &agency, leader, vec![Role::Leader]).await.is_empty(), "not the leader's step yet");
    // The head of unit, a specialist, sees what waits for them in their own list.
    let theirs = DocumentQuery { only_for: Some(head), roles: vec![Role::Specialist], ..DocumentQuery::default() };
    assert_eq!(office::list(&t.db, &agency, &theirs, 1, 50).await.unwrap().total, 1);

    let mut approve = Change::new("approve", DocumentStatus::PendingApproval);
    approve.approval = Some(ApprovalMove::Waits { chain: chain(head), step: 1 });
    approve.step_name = Some("Trưởng phòng".into());
    let d =
        office::apply(&t.db, d.id, d.revision, &approve, &person(head, "Vũ Thị Phối"), None, Utc::now()).await.unwrap();
    assert_eq!((d.status, d.approval_step), (DocumentStatus::PendingApproval, Some(1)));
    assert!(awaiting(&t, &agency, head, vec![Role::Specialist]).await.is_empty());
    assert_eq!(awaiting(&t, &agency, leader, vec![Role::Leader]).await, [d.id]);
    // Having decided on it, the head of unit still finds it.
    assert_eq!(office::list(&t.db, &agency, &theirs, 1, 50).await.unwrap().total, 1);

    let mut last = Change::new("approve", DocumentStatus::Approved);
    last.approval = Some(ApprovalMove::Leaves);
    last.step_name = Some("Giám đốc Sở".into());
    last.signer_name = Some("Lê Minh Lãnh".into());
    let d =
        office::apply(&t.db, d.id, d.revision, &last, &person(leader, "Lê Minh Lãnh"), None, Utc::now()).await.unwrap();
    assert_eq!((d.status, d.approval_step), (DocumentStatus::Approved, None));
    assert_eq!(d.approval_chain, chain(head), "the chain stays to show how it went");
    assert_eq!(d.signer_name.as_deref(), Some("Lê Minh Lãnh"));
    assert!(awaiting(&t, &agency, leader, vec![Role::Leader]).await.is_empty());
    let steps: Vec<(String, Option<String>)> =
        office::events(&t.db, d.id).await.unwrap().into_iter().map(|e| (e.action, e.step_name)).collect();
    assert_eq!(
        steps,
        [
            ("draft".to_string(), None),
            ("submit_for_approval".to_string(), None),
            ("approve".to_string(), Some("Trưởng phòng".to_string())),
            ("approve".to_string(), Some("Giám đốc Sở".to_string())),
        ]
    );
}

async fn every_change_of_a_draft_is_kept_as_a_version(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let (agency, specialist, head, _) = department(&t).await;
    let author = person(specialist, "Trần Văn Chuyên");
    let d = office::create(&t.db, &draft(&agency, vec![file("du-thao.pdf", "a")]), &author, Utc::now()).await.unwrap();
    let first = office_chain::versions(&t.db, d.id).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].number, first[0].author_name.as_str(), first[0].files.len()), (1, "Trần Văn Chuyên", 1));
    let a = first[0].files[0].clone();

    let second = Revision {
        subject: "Báo cáo kết quả quý IV (sửa)".into(),
        body: Some("Bản thảo thứ hai.".into()),
        keep: vec![a.id.clone()],
        added: vec![file("phu-luc.pdf", "b")],
        note: Some("Thêm phụ lục".into()),
    };
    let (d, n) = office_chain::revise(&t.db, d.id, d.revision, &second, &author, Utc::now()).await.unwrap();
    assert_eq!(
        (n, d.subject.as_str(), d.body.as_deref()),
        (2, "Báo cáo kết quả quý IV (sửa)", Some("Bản thảo thứ hai."))
    );
    // A change from the revision before is refused: someone changed it first.
    let stale = office_chain::revise(&t.db, d.id, d.revision - 1, &second, &author, Utc::now()).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");

    let third = Revision { subject: d.subject.clone(), body: d.body.clone(), keep: vec![], added: vec![], note: None };
    let current = office::attachments(&t.db, d.id).await.unwrap();
    let b = current.iter().find(|f| f.file_name == "phu-luc.pdf").unwrap().clone();
    let third = Revision { keep: vec![b.id.clone()], ..third };
    let (d, n) = office_chain::revise(&t.db, d.id, d.revision, &third, &author, Utc::now()).await.unwrap();
    assert_eq!(n, 3);

    let versions = office_chain::versions(&t.db, d.id).await.unwrap();
    let files = |i: usize| versions[i].files.iter().map(|f| f.file_name.clone()).collect::<Vec<_>>();
    assert_eq!(versions.iter().map(|v| v.number).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(files(0), ["du-thao.pdf"]);
    assert_eq!(files(1), ["du-thao.pdf", "phu-luc.pdf"]);
    assert_eq!(files(2), ["phu-luc.pdf"]);
    assert_eq!(versions[0].subject, "Báo cáo kết quả giải quyết thủ tục hành chính quý IV");
    assert_eq!(versions[1].note.as_deref(), Some("Thêm phụ lục"));
    // The file kept from version 1 is the same row, the same bytes: not stored again.
    assert_eq!(versions[1].files[0], a);
    assert_eq!(versions[1].files[0].storage_key, "a");
    // The draft's files now are the last version's; the dropped one stays for version 1.
    let now: Vec<String> = office::attachments(&t.db, d.id).await.unwrap().into_iter().map(|f| f.file_name).collect();
    assert_eq!(now, ["phu-luc.pdf"]);
    assert_eq!(office::attachment(&t.db, &a.id).await.unwrap().storage_key, "a");
    assert_eq!(
        office::events(&t.db, d.id).await.unwrap().iter().filter(|e| e.action == "revise").count(),
        2,
        "each change in the history"
    );

    // Submitted, it is no longer a draft to change.
    let mut submit = Change::new("submit_for_approval", DocumentStatus::PendingApproval);
    submit.approval = Some(ApprovalMove::Waits { chain: chain(head), step: 0 });
    let d = office::apply(&t.db, d.id, d.revision, &submit, &author, None, Utc::now()).await.unwrap();
    let late = office_chain::revise(&t.db, d.id, d.revision, &third, &author, Utc::now()).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
}
