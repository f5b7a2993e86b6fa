//! The dossier use-cases called directly, without HTTP, on the demo province, on SQLite and on
//! PostgreSQL: applying online, receiving, what is on offer to whom, who sees what, the
//! officers' queues, assigning and rating. The answers are checked both as the use-cases return
//! them and as the store keeps them.

use bytes::Bytes;
use motcua_app::dossiers::act::{act, ActCommand};
use motcua_app::dossiers::assign::assign;
use motcua_app::dossiers::queue::{officer_queue, QueueTab};
use motcua_app::dossiers::rate::rate_dossier;
use motcua_app::dossiers::submit::{submit_dossier, OnlineApplication};
use motcua_app::dossiers::view::view_dossier;
use motcua_app::error::{AppError, ErrorKind};
use motcua_app::uploads::Upload;
use motcua_app::{AppState, Config};
use motcua_domain::catalog::{AgencyKind, OnlineLevel};
use motcua_domain::dossier::{Action, Role, Status};
use motcua_domain::rating::Satisfaction;
use motcua_store::catalog::Procedure;
use motcua_store::dossiers::{self, Dossier};
use motcua_store::users::{self, User};
use motcua_testkit::{answers, app_state, on_both_engines, TestDb, TestEngine};

on_both_engines!(
    a_citizen_applies_online_and_the_desk_receives,
    an_action_not_on_offer_is_a_conflict,
    nobody_else_sees_a_dossier,
    the_queue_lists_a_dossier_for_the_officers_who_must_act,
    a_leader_assigns_the_step_to_a_specialist_of_the_unit,
    the_applicant_rates_the_service_once_the_result_is_out,
    forms_name_the_unit_that_issues_them,
    the_fee_receipt_names_the_collecting_agency_and_its_tax_code,
    decree_61_refuses_late_or_repeated_supplement_requests,
);

/// The demo province and the application over it.
async fn world(engine: TestEngine) -> (TestDb, AppState) {
    let t = TestDb::with_demo(engine).await;
    let state = app_state(&t, Config::default()).await;
    (t, state)
}

/// A demo account by its user name.
async fn user(state: &AppState, username: &str) -> User {
    users::find_for_login(&state.db, &[username.to_string()]).await.unwrap().expect(username).user
}

/// The first free procedure offered online by the department of the demo specialist: received
/// at the service centre, then a specialist's step and a leader's.
fn department_procedure(state: &AppState, specialist: &User) -> Procedure {
    let dept = specialist.agency_code.as_deref().expect("an officer's agency");
    state
        .catalog()
        .procedures
        .iter()
        .find(|p| {
            p.agency.code == dept && p.level != OnlineLevel::Offline && p.fee_vnd == 0 && !p.fee.depends_on_answers()
        })
        .expect("a free online procedure of the department")
        .clone()
}

fn pdf(tag: &str) -> Upload {
    Upload {
        part: tag.to_string(),
        file_name: format!("{tag}.pdf"),
        content_type: "application/pdf".into(),
        bytes: Bytes::from(format!("%PDF-1.4\n% {tag}\n1 0 obj << >> endobj\n%%EOF\n")),
        from_store: false,
    }
}

/// Every required document of the procedure, as PDFs.
fn documents(p: &Procedure) -> Vec<Upload> {
    p.documents.iter().filter(|d| d.required).map(|d| pdf(&d.key)).collect()
}

/// `congdan` applies online for the department's procedure.
async fn apply(state: &AppState, p: &Procedure) -> Dossier {
    let citizen = user(state, "congdan").await;
    submit_dossier(
        state,
        &citizen,
        OnlineApplication {
            procedure_code: p.code.clone(),
            answers: answers(p),
            files: documents(p),
            ..Default::default()
        },
    )
    .await
    .expect("the application is taken")
}

fn assert_kind(result: Result<impl Sized, AppError>, kind: ErrorKind, what: &str) -> AppError {
    match result {
        Ok(_) => panic!("{what}: expected {kind:?}, it was done"),
        Err(e) => {
            assert_eq!(e.kind, kind, "{what}: {e:?}");
            e
        }
    }
}

async fn a_citizen_applies_online_and_the_desk_receives(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let citizen = user(&state, "congdan").await;
    let p = department_procedure(&state, &user(&state, "chuyenvien").await);
    let d = apply(&state, &p).await;
    assert_eq!(d.status, Status::Submitted);
    assert!(d.code.starts_with(&p.agency.code), "{}", d.code);
    assert_eq!((d.applicant_user_id, d.applicant.full_name.as_str()), (Some(citizen.id), "Nguyễn Văn An"));
    assert_eq!(d.data, answers(&p), "the answers kept as given");

    let mine = view_dossier(&state, Some(&citizen), &d.code).await.unwrap();
    assert_eq!(mine.actions, [Action::Withdraw], "the applicant may only withdraw until received");
    assert_eq!(mine.attachments.len(), documents(&p).len());
    assert!(mine.dossier.due_at.is_none() && mine.clock.is_none(), "no clock before it is received");

    let desk = user(&state, "tiepnhan").await;
    let received =
        act(&state, &desk, &d.code, ActCommand { note: Some("Đủ"), ..ActCommand::new(Action::Receive) }).await.unwrap();
    assert_eq!(received.dossier.status, Status::Received);
    assert!(received.dossier.received_at.is_some() && received.dossier.due_at.is_some(), "the clock starts");
    let last = received.history.last().unwrap();
    assert_eq!(
        (last.to_status, last.actor_user_id, last.note.as_deref()),
        (Status::Received, Some(desk.id), Some("Đủ"))
    );

    // As the store keeps it: the new state, waiting on the department's specialist, two events.
    let stored = dossiers::by_code(&state.db, &d.code).await.unwrap();
    assert_eq!(stored.status, Status::Received);
    assert_eq!(
        (stored.waiting_role, stored.waiting_agency.as_deref()),
        (Some(Role::Specialist), Some(&*p.agency.code))
    );
    assert_eq!(stored.revision, d.revision + 1);
    let history = dossiers::history(&state.db, d.id).await.unwrap();
    let statuses: Vec<Status> = history.iter().map(|e| e.to_status).collect();
    assert_eq!(statuses, [Status::Submitted, Status::Received]);
}

async fn an_action_not_on_offer_is_a_conflict(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let p = department_procedure(&state, &user(&state, "chuyenvien").await);
    let d = apply(&state, &p).await;
    let citizen = user(&state, "congdan").await;
    let specialist = user(&state, "chuyenvien").await;
    let desk = user(&state, "tiepnhan").await;

    // The applicant may not receive their own dossier, nor the specialist before the desk.
    for (who, action) in [(&citizen, Action::Receive), (&specialist, Action::Forward), (&desk, Action::IssueResult)] {
        let e = assert_kind(
            act(&state, who, &d.code, ActCommand::new(action)).await,
            ErrorKind::Conflict,
            &format!("{} {action:?}", who.full_name),
        );
        assert_eq!(e.message, Some("error-action-unavailable"));
    }
    act(&state, &desk, &d.code, ActCommand::new(Action::Receive)).await.unwrap();
    // Received once; a second time is not on offer.
    assert_kind(act(&state, &desk, &d.code, ActCommand::new(Action::Receive)).await, ErrorKind::Conflict, "again");
    // Refusing needs reasons: a validation error on the note, and nothing recorded.
    let e = assert_kind(
        act(&state, &specialist, &d.code, ActCommand { note: Some("  "), ..ActCommand::new(Action::Refuse) }).await,
        ErrorKind::Validation,
        "refuse without reasons",
    );
    assert_eq!(e.fields.get("note").map(String::as_str), Some("note-required"));
    let stored = dossiers::by_code(&state.db, &d.code).await.unwrap();
    assert_eq!(stored.status, Status::Received, "refused attempts change nothing");
    assert_eq!(dossiers::history(&state.db, d.id).await.unwrap().len(), 2);
}

async fn nobody_else_sees_a_dossier(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let p = department_procedure(&state, &user(&state, "chuyenvien").await);
    let d = apply(&state, &p).await;
    let other = user(&state, "congdan2").await;
    assert_kind(view_dossier(&state, Some(&other), &d.code).await, ErrorKind::NotFound, "another citizen");
    assert_kind(view_dossier(&state, None, &d.code).await, ErrorKind::NotFound, "a visitor");
    // Acting is refused as not found too, so that codes cannot be probed.
    assert_kind(
        act(&state, &other, &d.code, ActCommand::new(Action::Withdraw)).await,
        ErrorKind::NotFound,
        "another citizen withdrawing",
    );
    let page = officer_queue(&state, &other, QueueTab::Mine, None, None, 1, 50).await.unwrap();
    assert_eq!(page.total, 0, "not in another citizen's list");
    // The applicant sees it, and it is in their list.
    let citizen = user(&state, "congdan").await;
    assert_eq!(view_dossier(&state, Some(&citizen), &d.code).await.unwrap().dossier.id, d.id);
    let page = officer_queue(&state, &citizen, QueueTab::Mine, None, None, 1, 50).await.unwrap();
    assert_eq!(page.items.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), [d.code.as_str()]);
    assert_eq!(dossiers::by_code(&state.db, &d.code).await.unwrap().status, Status::Submitted);
}

/// The codes in an officer's own queue.
async fn queue_of(state: &AppState, officer: &User) -> Vec<String> {
    let page = officer_queue(state, officer, QueueTab::Mine, None, None, 1, 50).await.unwrap();
    page.items.into_iter().map(|d| d.code).collect()
}

async fn the_queue_lists_a_dossier_for_the_officers_who_must_act(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let specialist = user(&state, "chuyenvien").await;
    let p = department_procedure(&state, &specialist);
    let d = apply(&state, &p).await;
    let desk = user(&state, "tiepnhan").await;
    // A desk officer of another agency (the demo gives every other agency one).
    let other_desk = state
        .catalog()
        .agencies
        .values()
        .filter(|a| a.kind == AgencyKind::Department && a.code != p.agency.code)
        .map(|a| {
            let parts: Vec<&str> = a.code.split('.').collect();
            format!("tn{}{}", parts[2], parts[3].to_lowercase())
        })
        .next()
        .expect("another department");
    let other_desk = user(&state, &other_desk).await;

    assert_eq!(queue_of(&state, &desk).await, [d.code.as_str()], "the service centre's desk receives");
    assert!(queue_of(&state, &specialist).await.is_empty(), "nothing for the specialist before it is received");
    assert!(queue_of(&state, &other_desk).await.is_empty(), "nothing for another agency's desk");

    act(&state, &desk, &d.code, ActCommand::new(Action::Receive)).await.unwrap();
    assert!(queue_of(&state, &desk).await.is_empty(), "received: off the desk's queue");
    assert_eq!(queue_of(&state, &specialist).await, [d.code.as_str()], "on to the department's specialist");
    let unit = officer_queue(&state, &specialist, QueueTab::Unit, None, Some(Status::Received), 1, 50).await.unwrap();
    assert_eq!((unit.total, unit.items[0].id), (1, d.id));
    let none = officer_queue(&state, &specialist, QueueTab::Unit, None, Some(Status::Returned), 1, 50).await.unwrap();
    assert_eq!(none.total, 0, "the status filter applies");
}

async fn a_leader_assigns_the_step_to_a_specialist_of_the_unit(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let specialist = user(&state, "chuyenvien").await;
    // The demo department's second specialist, for the leader to choose between.
    let colleague = user(&state, "chuyenvien2").await;
    let leader = user(&state, "lanhdao").await;
    let p = department_procedure(&state, &specialist);
    let d = apply(&state, &p).await;
    act(&state, &user(&state, "tiepnhan").await, &d.code, ActCommand::new(Action::Receive)).await.unwrap();
    assert_eq!(queue_of(&state, &colleague).await, [d.code.as_str()], "unassigned: for every specialist");

    let leader_view = view_dossier(&state, Some(&leader), &d.code).await.unwrap();
    assert!(leader_view.may_assign);
    let refused = assign(&state, &leader, &[d.code.clone(), "KHONG-CO".into()], colleague.id).await.unwrap();
    assert_eq!(refused, ["KHONG-CO"], "an unknown code is reported back");
    assert_eq!(dossiers::by_code(&state.db, &d.code).await.unwrap().assignee_user_id, Some(colleague.id));
    assert_eq!(queue_of(&state, &colleague).await, [d.code.as_str()]);
    assert!(queue_of(&state, &specialist).await.is_empty(), "assigned to another: off this specialist's queue");
    let unit = officer_queue(&state, &specialist, QueueTab::Unit, None, None, 1, 50).await.unwrap();
    assert_eq!(unit.total, 1, "still in the unit's list");

    // Only a leader assigns; and only to a specialist of the step's unit.
    let refused = assign(&state, &specialist, std::slice::from_ref(&d.code), specialist.id).await.unwrap();
    assert_eq!(refused, [d.code.as_str()]);
    let e = assert_kind(
        assign(&state, &leader, std::slice::from_ref(&d.code), leader.id).await,
        ErrorKind::Validation,
        "assigning to a leader",
    );
    assert_eq!(e.fields.get("assignee").map(String::as_str), Some("assignee-not-in-unit"));
    assert_eq!(dossiers::by_code(&state.db, &d.code).await.unwrap().assignee_user_id, Some(colleague.id));
}

async fn the_applicant_rates_the_service_once_the_result_is_out(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let citizen = user(&state, "congdan").await;
    let specialist = user(&state, "chuyenvien").await;
    let p = department_procedure(&state, &specialist);
    let d = apply(&state, &p).await;
    let levels = [Some("satisfied"), Some("very_satisfied"), Some("satisfied"), Some("very_satisfied")];
    let e = assert_kind(rate_dossier(&state, &citizen, &d.code, levels, None).await, ErrorKind::Conflict, "early");
    assert_eq!(e.message, Some("error-action-unavailable"));

    let desk = user(&state, "tiepnhan").await;
    act(&state, &desk, &d.code, ActCommand::new(Action::Receive)).await.unwrap();
    let v = act(&state, &specialist, &d.code, ActCommand::new(Action::Forward)).await.unwrap();
    assert_eq!(v.dossier.status, Status::Processing);
    let result = [Upload { part: "result".into(), ..pdf("ket-qua") }];
    let leader = user(&state, "lanhdao").await;
    let v = act(&state, &leader, &d.code, ActCommand { files: &result, ..ActCommand::new(Action::IssueResult) })
        .await
        .unwrap();
    assert_eq!(v.dossier.status, Status::ResultReady);
    assert!(v.result.is_some() && v.signed_result.is_some() && v.seal.is_some(), "issued and signed");
    let v = act(&state, &desk, &d.code, ActCommand::new(Action::ReturnResult)).await.unwrap();
    assert_eq!(v.dossier.status, Status::Returned);

    assert!(view_dossier(&state, Some(&citizen), &d.code).await.unwrap().may_rate);
    let e = assert_kind(
        rate_dossier(&state, &citizen, &d.code, [Some("satisfied"), None, Some("happy"), Some("satisfied")], None)
            .await,
        ErrorKind::Validation,
        "levels missing",
    );
    assert_eq!(e.fields.keys().collect::<Vec<_>>(), ["convenience", "timeliness"]);
    let other = user(&state, "congdan2").await;
    assert_kind(rate_dossier(&state, &other, &d.code, levels, None).await, ErrorKind::NotFound, "not theirs");

    let v = rate_dossier(&state, &citizen, &d.code, levels, Some("  Nhanh, chu đáo  ")).await.unwrap();
    assert!(!v.may_rate, "rated once");
    let rated = v.rating.expect("the rating is shown");
    assert_eq!(rated.rating.overall, Satisfaction::Satisfied);
    assert_eq!(rated.rating.timeliness, Satisfaction::VerySatisfied);
    assert_eq!(rated.rating.comment.as_deref(), Some("Nhanh, chu đáo"));
    let stored = motcua_store::ratings::of_dossier(&state.db, d.id).await.unwrap().expect("stored");
    assert_eq!((stored.dossier_code, stored.rating), (d.code.clone(), rated.rating));
    assert_kind(rate_dossier(&state, &citizen, &d.code, levels, None).await, ErrorKind::Conflict, "a second time");
}

/// The text of a PDF, every run of whitespace made one space.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("the text extracts").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A form's heading names the body the issuer answers to (Decree 30/2020 Annex I): the
/// province's People's Committee for a department, the Ministry of Public Security for the
/// provincial police, nobody above a People's Committee. The receipt of a dossier received at
/// the service centre is its desk's ("Bộ phận tiếp nhận và trả kết quả"); a supplement request
/// after reception is the deciding agency's.
async fn forms_name_the_unit_that_issues_them(engine: TestEngine) {
    let (_t, state) = world(engine).await;
    let catalog = state.catalog();
    let by_kind = |kind: AgencyKind| {
        catalog.agencies.values().find(|a| a.kind == kind && a.governing_body.is_none()).unwrap().clone()
    };
    let police = catalog.agencies.values().find(|a| a.name.starts_with("Công an tỉnh")).unwrap().clone();
    assert_eq!(state.issuer(&police).agency, "Bộ Công an");
    assert_eq!(state.issuer(&by_kind(AgencyKind::Department)).agency, "Ủy ban nhân dân tỉnh Lào Cai");
    assert_eq!(state.issuer(&by_kind(AgencyKind::Commune)).agency, "", "a commune committee heads its forms alone");
    assert_eq!(state.issuer(&by_kind(AgencyKind::Province)).agency, "");

    let spec = user(&state, "chuyenvien").await;
    let p = department_procedure(&state, &spec);
    let d = apply(&state, &p).await;
    let desk = user(&state, "tiepnhan").await;
    act(&state, &desk, &d.code, ActCommand::new(Action::Receive)).await.unwrap();
    let note = "Bản sao CCCD: hết hạn";
    act(&state, &spec, &d.code, ActCommand { note: Some(note), ..ActCommand::new(Action::RequestSupplement) })
        .await
        .unwrap();
    let issued = |kind: &'static str| {
        let state = state.clone();
        async move {
            let form = motcua_store::issued_forms::latest(&state.db, d.id, kind).await.unwrap().expect(kind);
            pdf_text(&state.blobs.get(&form.blob.storage_key).await.unwrap())
        }
    };
    let receipt = issued("receipt").await;
    assert!(receipt.contains("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH LÀO CAI"), "{receipt}");
    assert!(receipt.contains("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"), "{receipt}");
    assert!(!receipt.contains(&p.agency.name.to_uppercase()), "the department did not receive it: {receipt}");
    let supplement = issued("supplement_request").await;
    assert!(supplement.contains("ỦY BAN NHÂN DÂN TỈNH LÀO CAI"), "{supplement}");
    assert!(supplement.contains(&p.agency.name.to_uppercase()), "{supplement}");
    assert!(supplement.contains("hết hạn"), "{supplement}");
}

/// The electronic receipt of a fee paid at the counter names what Decree 123/2020/NĐ-CP Art. 32
/// asks for from the catalog and the payment: the collecting agency and its tax code, the form and
/// series symbols of the year, the receipt's number. Without a certificate for the agency (none in
/// this world), the receipt says it is not signed.
async fn the_fee_receipt_names_the_collecting_agency_and_its_tax_code(engine: TestEngine) {
    use chrono::Datelike;
    use motcua_app::payments::{fee_receipt_series, receipt_pdf, FEE_RECEIPT_FORM_SYMBOL};
    use motcua_domain::fee::PaymentTiming;
    let (_t, state) = world(engine).await;
    let p = state
        .catalog()
        .procedures
        .iter()
        .find(|p| {
            p.agency.kind == AgencyKind::Department
                && p.level != OnlineLevel::Offline
                && p.fee_vnd > 0
                && !p.fee.depends_on_answers()
                && p.fee.timing == PaymentTiming::BeforeProcessing
        })
        .expect("an online procedure with a fixed fee paid before processing")
        .clone();
    let tax_code = p.agency.tax_code.clone().expect("the demo gives every agency a tax code");
    let d = apply(&state, &p).await;
    let desk = user(&state, "tiepnhan").await;
    act(&state, &desk, &d.code, ActCommand::new(Action::Receive)).await.unwrap();
    act(&state, &desk, &d.code, ActCommand::new(Action::Pay)).await.expect("the desk takes cash");

    let paid = motcua_store::payments::of_dossier(&state.db, d.id).await.unwrap().pop().expect("the payment");
    let number = paid.receipt_no.expect("a paid fee has its receipt's number");
    let year = paid.settled_at.expect("settled").with_timezone(&motcua_domain::calendar::vn_offset()).year();

    let citizen = user(&state, "congdan").await;
    let text = pdf_text(&receipt_pdf(&state, Some(&citizen), &d.code).await.unwrap());
    for expected in [
        format!("Ký hiệu mẫu biên lai: {FEE_RECEIPT_FORM_SYMBOL}"),
        format!("Ký hiệu biên lai: {}", fee_receipt_series(year)),
        format!("Số biên lai: {number}"),
        format!("Tổ chức thu phí, lệ phí: {}", p.agency.name),
        format!("Mã số thuế: {tax_code}"),
        format!("Tên loại phí, lệ phí: Phí, lệ phí giải quyết thủ tục {}", p.name),
        "(Biên lai chưa được ký số)".to_string(),
    ] {
        assert!(text.contains(&expected), "{expected} missing from {text}");
    }
}

/// Decree 61/2018 Art. 19.4: a supplement request after reception comes within three working
/// days of reception and lists everything at once; a second one is the leader's to decide. Each
/// refusal cites the article.
async fn decree_61_refuses_late_or_repeated_supplement_requests(engine: TestEngine) {
    use motcua_app::i18n::Lang;
    let (_t, state) = world(engine).await;
    let spec = user(&state, "chuyenvien").await;
    let leader = user(&state, "lanhdao").await;
    let citizen = user(&state, "congdan").await;
    let desk = user(&state, "tiepnhan").await;
    let p = department_procedure(&state, &spec);
    let ask = |who: &User, code: String, note: &'static str| {
        let (state, who) = (state.clone(), who.clone());
        async move {
            act(&state, &who, &code, ActCommand { note: Some(note), ..ActCommand::new(Action::RequestSupplement) })
                .await
        }
    };

    let d = apply(&state, &p).await;
    act(&state, &desk, &d.code, ActCommand::new(Action::Receive)).await.unwrap();
    ask(&spec, d.code.clone(), "Bản sao CCCD").await.expect("within three working days");
    let supplement = ActCommand { files: &documents(&p)[..1], ..ActCommand::new(Action::Supplement) };
    act(&state, &citizen, &d.code, supplement).await.expect("the applicant supplements");
    let e =
        assert_kind(ask(&spec, d.code.clone(), "Giấy xác nhận cư trú").await, ErrorKind::Conflict, "a second request");
    assert_eq!(e.message, Some("error-supplement-repeated"));
    assert!(Lang::Vi.t("error-supplement-repeated").contains("Điều 19 khoản 4 Nghị định 61/2018/NĐ-CP"));
    // The leader decides: the specialist hands the dossier on, the leader asks again.
    act(&state, &spec, &d.code, ActCommand::new(Action::Forward)).await.unwrap();
    ask(&leader, d.code.clone(), "Giấy xác nhận cư trú").await.expect("the leader may decide a second request");

    // Received a week ago: too late to ask for anything.
    let old = apply(&state, &p).await;
    act(&state, &desk, &old.code, ActCommand::new(Action::Receive)).await.unwrap();
    let week_ago = (chrono::Utc::now() - chrono::Duration::days(8)).timestamp_millis();
    let mut tx = state.db.write_tx().await.unwrap();
    sqlx::query("UPDATE dossiers SET received_at = $1 WHERE id = $2")
        .bind(week_ago)
        .bind(old.id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let e = assert_kind(ask(&spec, old.code.clone(), "Bản sao CCCD").await, ErrorKind::Conflict, "a late request");
    assert_eq!(e.message, Some("error-supplement-too-late"));
    assert!(Lang::En.t("error-supplement-too-late").contains("Art. 19.4"));
    let stored = dossiers::by_code(&state.db, &old.code).await.unwrap();
    assert_eq!((stored.status, stored.supplement_count), (Status::Received, 0), "nothing recorded");
}
