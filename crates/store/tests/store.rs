//! Storage on SQLite and on PostgreSQL: one story, every engine.

use std::collections::HashSet;

use chrono::{TimeZone, Utc};
use motcua_domain::catalog::AgencyKind;
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::{Role, Status};
use motcua_store::calendar::{self, YearCalendar};
use motcua_store::dossiers::{self, Applicant, By, Change, Listing, NewDossier};
use motcua_store::{catalog, demo, Blobs, Database, StoreError};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    migrations_run_twice_without_harm,
    dossier_codes_stay_unique_under_concurrency,
    a_stale_change_is_a_conflict_and_writes_nothing,
    calendar_years_are_replaced_whole,
    queues_follow_who_must_act,
    attachments_come_back_byte_for_byte,
    histories_are_tamper_evident,
    every_demo_workflow_is_valid_and_one_asks_another_agency,
    open_only_seeding_fills_the_overdue_scan_and_unit_queues,
    a_provinces_history_is_seeded_over_years_on_a_grown_catalog,
    a_large_seeding_makes_the_indexes_again_as_they_were,
    postgres_sessions_run_without_jit,
    the_demo_history_pays_its_fees_with_one_receipt_series_per_agency,
    issued_forms_are_kept_once_per_event_and_kind,
    what_the_portal_publishes_is_kept_and_carried_to_new_versions,
    lists_page_by_position_and_count_up_to_ten_thousand,
    changes_of_cached_tables_are_announced_when_they_commit,
);

/// Issue 17 point 2: on PostgreSQL a change of the calendar is announced to every listener when
/// its transaction commits, and a refused change announces nothing; SQLite has no listener (its
/// one server reads the versions instead).
async fn changes_of_cached_tables_are_announced_when_they_commit(engine: TestEngine) {
    use motcua_store::cache_versions::{Heard, Listener, CALENDAR};
    let t = TestDb::new(engine).await;
    let Some(mut listener) = Listener::start(&t.db).await.unwrap() else {
        assert_eq!(engine, TestEngine::Sqlite, "PostgreSQL can be listened to");
        return;
    };
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let bad = YearCalendar { days_off: vec![d("2027-04-30"), d("2028-05-01")], working_days: vec![] };
    assert!(calendar::set_year(&t.db, 2027, &bad).await.is_err());
    let before = motcua_store::cache_versions::current(&t.db).await.unwrap()[CALENDAR];
    calendar::set_year(&t.db, 2027, &YearCalendar { days_off: vec![d("2027-01-01")], working_days: vec![] })
        .await
        .unwrap();
    let heard = tokio::time::timeout(std::time::Duration::from_secs(10), listener.next()).await;
    assert_eq!(heard.expect("announced").unwrap(), Heard::Changed(CALENDAR.into()), "only the committed change");
    assert_eq!(motcua_store::cache_versions::current(&t.db).await.unwrap()[CALENDAR], before + 1);
}

/// Issue 17 point 7: a list of more than 10,000 dossiers says "more than 10,000" instead of
/// counting them all; paging by position (`after`) walks a list in the same order as page
/// numbers do, newest first or by due date, and ends with no next position.
async fn lists_page_by_position_and_count_up_to_ten_thousand(engine: TestEngine) {
    use motcua_store::synthetic::{self, Mix};
    let t = loaded(engine).await;
    synthetic::seed(&t.db, dossiers::COUNT_CAP as usize + 50, 5, Mix::OpenOnly, |_| {}).await.unwrap();
    let agencies = catalog::agencies(&t.db).await.unwrap();
    let centre = agencies.iter().find(|a| a.is_service_centre()).unwrap();
    let everything = Listing::Agency { agency: centre.code.clone(), at_service_centre: true };
    let first = dossiers::list(&t.db, &everything, &Default::default(), 1, 20).await.unwrap();
    assert_eq!((first.total, first.total_capped), (dossiers::COUNT_CAP, true));

    let (unit,): (String,) =
        sqlx::query_as("SELECT waiting_agency FROM dossiers GROUP BY waiting_agency ORDER BY COUNT(*) DESC LIMIT 1")
            .fetch_one(t.db.reader())
            .await
            .unwrap();
    let overdue =
        dossiers::Filter { deadline: Some(dossiers::Deadline::Overdue { now: Utc::now() }), ..Default::default() };
    let lists = [
        (Listing::Agency { agency: unit.clone(), at_service_centre: false }, Default::default()),
        (Listing::Agency { agency: unit.clone(), at_service_centre: false }, overdue),
        (
            Listing::Queue { roles: vec![Role::Specialist, Role::Leader], agency: unit, at_service_centre: false },
            Default::default(),
        ),
    ];
    for (listing, filter) in lists {
        let whole = dossiers::list(&t.db, &listing, &filter, 1, 200).await.unwrap();
        assert!(!whole.total_capped && whole.total > 14, "{}", whole.total);
        let mut expected = Vec::new();
        for number in 1..=(whole.total + 199) / 200 {
            let page = dossiers::list(&t.db, &listing, &filter, number, 200).await.unwrap();
            expected.extend(page.items.iter().map(|d| d.code.clone()));
        }
        assert_eq!(expected.len() as i64, whole.total);
        let mut walked = Vec::new();
        let mut after = None;
        for _ in 0..100 {
            let page =
                dossiers::list(&t.db, &listing, &dossiers::Filter { after, ..filter.clone() }, 1, 97).await.unwrap();
            assert_eq!(page.total, whole.total, "the count is the list's, wherever the page starts");
            walked.extend(page.items.iter().map(|d| d.code.clone()));
            after = page.next;
            if after.is_none() {
                break;
            }
        }
        assert_eq!(walked, expected, "{listing:?}");
        let cursor = dossiers::Cursor::parse(&dossiers::Cursor { key: 1_700_000_000_000, id: 42 }.to_string());
        assert_eq!(cursor, Some(dossiers::Cursor { key: 1_700_000_000_000, id: 42 }));
        assert_eq!(dossiers::Cursor::parse("abc"), None);
    }
}

/// An agency's public information and a procedure's catalogue details come back as written,
/// from the demo and from `set_info`, and a new version of the procedure keeps its details.
async fn what_the_portal_publishes_is_kept_and_carried_to_new_versions(engine: TestEngine) {
    let t = loaded(engine).await;
    let agencies = catalog::agencies(&t.db).await.unwrap();
    let centre = agencies.iter().find(|a| a.is_service_centre()).expect("a service centre");
    let info = centre.info.as_deref().expect("the demo centre's contacts");
    assert_eq!(info.hotline.as_deref(), Some("1800 0000"));
    assert!(info.hours.as_ref().is_some_and(|h| h.en.is_some()), "{info:?}");
    let mut changed = info.clone();
    changed.email = Some("motcua@tinh.example".into());
    catalog::set_info(&t.db, &centre.code, Some(&changed)).await.unwrap();
    assert_eq!(catalog::agency(&t.db, &centre.code).await.unwrap().info.as_deref(), Some(&changed));
    assert!(matches!(catalog::set_info(&t.db, "000.00.99.H99", None).await, Err(StoreError::NotFound)));

    let birth = catalog::procedure_by_code(&t.db, "1.001193").await.unwrap();
    assert_eq!(birth.details.steps.len(), 4);
    assert!(birth.details.legal_basis[0].starts_with("Luật Hộ tịch"));
    assert_eq!(birth.agency.info, None, "a commune without published contacts");
    let steps = birth.workflow.clone();
    let next = catalog::new_version(
        &t.db,
        "1.001193",
        birth.version,
        catalog::VersionChange { workflow: Some(&steps), fee: None },
    )
    .await
    .unwrap();
    assert_eq!((next.version, &next.details), (birth.version + 1, &birth.details));
    let undescribed = catalog::current_procedures(&t.db).await.unwrap();
    assert!(undescribed.iter().any(|p| p.details == catalog::ProcedureDetails::default()));
}

/// The demo's historical dossiers pay their fees on submission: every fee settled once, each
/// collecting agency numbering its receipts without gaps, and the payments on the
/// reconciliation list.
async fn the_demo_history_pays_its_fees_with_one_receipt_series_per_agency(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let loaded = demo::load(&t.db, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 120)
        .await
        .expect("the demo loads with its history");
    assert!(loaded.dossiers >= 100, "{}", loaded.dossiers);
    let (unpaid,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM dossiers WHERE fee_vnd > 0 AND fee_paid_at IS NULL")
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    assert_eq!(unpaid, 0);
    let now = Utc::now();
    let paid = motcua_store::payments::between(&t.db, None, now - chrono::Duration::days(400), now).await.unwrap();
    assert!(paid.len() > 10, "{} payments", paid.len());
    let mut series: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for p in &paid {
        assert_eq!(p.status, motcua_store::payments::PaymentStatus::Paid);
        let number = p.receipt_no.clone().expect("a receipt number");
        series.entry(format!("{} {}", p.lead_agency, &number[..4])).or_default().push(number);
    }
    assert!(series.len() > 1, "several agencies collect");
    for (agency_year, mut numbers) in series {
        numbers.sort();
        let expected: Vec<String> = (1..=numbers.len()).map(|n| format!("{}-{n:06}", &numbers[0][..4])).collect();
        assert_eq!(numbers, expected, "the receipts of {agency_year}, without gaps");
    }
    // Every received dossier has its entry in the desk's register, numbered from 01 in order of
    // reception for each year (Circular 01/2018 Art. 10.2.c), and the next reception goes on.
    let entries: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT COALESCE(register_desk, ''), received_at, register_entry FROM dossiers \
         WHERE received_at IS NOT NULL ORDER BY received_at, id",
    )
    .fetch_all(t.db.reader())
    .await
    .unwrap();
    assert!(entries.len() > 50, "{} received", entries.len());
    let mut registers: std::collections::BTreeMap<(String, i32), Vec<i64>> = Default::default();
    for (desk, received_at, entry) in entries {
        assert!(!desk.is_empty(), "a received dossier without a register");
        let year = chrono::Datelike::year(
            &chrono::DateTime::from_timestamp_millis(received_at)
                .unwrap()
                .with_timezone(&motcua_domain::calendar::vn_offset()),
        );
        registers.entry((desk, year)).or_default().push(entry.expect("an entry"));
    }
    for ((desk, year), numbers) in &registers {
        assert_eq!(*numbers, (1..=numbers.len() as i64).collect::<Vec<_>>(), "register of {desk} in {year}");
        let (last,): (i64,) = sqlx::query_as("SELECT last FROM code_sequences WHERE scope = $1 AND day = $2")
            .bind(format!("register:{desk}"))
            .bind(year.to_string())
            .fetch_one(t.db.reader())
            .await
            .unwrap();
        assert_eq!(last, numbers.len() as i64, "the next reception of {desk} follows on");
    }
}

/// `motcua seed --open-only`: every dossier in the workflow, some overdue, with intact histories;
/// the daily scan and each unit's "overdue" listing agree.
async fn open_only_seeding_fills_the_overdue_scan_and_unit_queues(engine: TestEngine) {
    use motcua_store::synthetic::{self, Mix};
    let t = loaded(engine).await;
    let seeded = synthetic::seed(&t.db, 600, 3, Mix::OpenOnly, |_| {}).await.unwrap();
    assert_eq!(seeded.dossiers, 600);
    assert_eq!(seeded.by_status.keys().copied().collect::<Vec<_>>(), ["processing", "received"]);
    let now = Utc::now();
    let per_unit: Vec<(String, i64)> = sqlx::query_as(
        "SELECT waiting_agency, COUNT(*) FROM dossiers \
         WHERE status IN ('received', 'processing') AND due_at < $1 GROUP BY waiting_agency ORDER BY waiting_agency",
    )
    .bind(now.timestamp_millis())
    .fetch_all(t.db.reader())
    .await
    .unwrap();
    let overdue: i64 = per_unit.iter().map(|(_, n)| n).sum();
    assert!((120..=300).contains(&overdue), "about a third of 600 overdue, not {overdue}");
    let (open,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM dossiers WHERE status IN ('received', 'processing') \
         AND waiting_role IN ('specialist', 'leader') AND waiting_agency = lead_agency AND due_at IS NOT NULL",
    )
    .fetch_one(t.db.reader())
    .await
    .unwrap();
    assert_eq!(open, 600);
    for (agency, n) in &per_unit {
        let page = dossiers::list(
            &t.db,
            &Listing::Agency { agency: agency.clone(), at_service_centre: false },
            &dossiers::Filter { deadline: Some(dossiers::Deadline::Overdue { now }), ..Default::default() },
            1,
            50,
        )
        .await
        .unwrap();
        assert_eq!(page.total, *n, "{agency}");
        assert_eq!(page.items.len() as i64, (*n).min(50));
        assert!(page.items.windows(2).all(|w| w[0].due_at <= w[1].due_at), "most overdue first");
        assert!(page.items.iter().all(|d| d.due_at.is_some_and(|due| due < now)));
    }
    let v = motcua_store::audit::verify(&t.db).await.unwrap();
    assert!(v.is_clean() && v.dossiers == 600, "{} dossiers, {:?}", v.dossiers, v.findings);
}

/// `motcua seed --years 5 --units 30 --procedures 150`: the catalog grown to the size asked
/// (once, whatever the number of runs), dossiers spread over the years on the copies too, and
/// nothing submitted more than 40 days ago still open.
async fn a_provinces_history_is_seeded_over_years_on_a_grown_catalog(engine: TestEngine) {
    use motcua_store::synthetic::{self, Mix, OPEN_FOR_DAYS};
    let t = loaded(engine).await;
    let widened = synthetic::widen(&t.db, 30, 150).await.unwrap();
    assert!(widened.units > 0 && widened.procedures > 0, "{widened:?}");
    assert_eq!(synthetic::widen(&t.db, 30, 150).await.unwrap(), synthetic::Widened::default(), "once");
    let agencies = catalog::agencies(&t.db).await.unwrap();
    let units = agencies.iter().filter(|a| matches!(a.kind, AgencyKind::Department | AgencyKind::Commune)).count();
    assert_eq!(units, 30);
    let procedures = catalog::current_procedures(&t.db).await.unwrap();
    assert_eq!(procedures.len(), 150);
    for p in procedures.iter().filter(|p| p.code.starts_with("S.")) {
        assert!(agencies.iter().any(|a| a.code == p.agency.code), "{} led by a known unit", p.code);
    }
    let seeded = synthetic::seed(&t.db, 3_000, 5, Mix::History { years: 5 }, |_| {}).await.unwrap();
    assert_eq!(seeded.dossiers, 3_000);
    let now = Utc::now().timestamp_millis();
    let day = 86_400_000_i64;
    let (oldest, copies): (i64, i64) = sqlx::query_as(
        "SELECT MIN(submitted_at), CAST(SUM(CASE WHEN procedure_code LIKE 'S.%' THEN 1 ELSE 0 END) AS BIGINT) FROM dossiers",
    )
    .fetch_one(t.db.reader())
    .await
    .unwrap();
    assert!(oldest < now - 4 * 365 * day, "spread over the years");
    assert!(copies > 1_000, "most procedures are copies, so are most dossiers: {copies}");
    let (old_open,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM dossiers WHERE finished_at IS NULL AND submitted_at < $1")
            .bind(now - (OPEN_FOR_DAYS + 1) * day)
            .fetch_one(t.db.reader())
            .await
            .unwrap();
    assert_eq!(old_open, 0);
    let v = motcua_store::audit::verify(&t.db).await.unwrap();
    assert!(v.is_clean(), "{:?}", v.findings);
}

/// Every session of the pool has PostgreSQL's JIT compilation off (its compile time exceeded
/// the statements' own at millions of dossiers); SQLite has none.
async fn postgres_sessions_run_without_jit(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    if engine == TestEngine::Sqlite {
        return;
    }
    // Asked at once, so that several connections answer.
    let asked = (0..4).map(|_| {
        sqlx::query_as::<_, (String, i32)>(
            "SELECT current_setting('jit'), pg_backend_pid() FROM (SELECT pg_sleep(0.1)) AS s",
        )
        .fetch_one(t.db.reader())
    });
    let answers: Vec<(String, i32)> = futures::future::try_join_all(asked).await.unwrap();
    assert!(answers.iter().all(|(jit, _)| jit == "off"), "{answers:?}");
    let sessions: HashSet<i32> = answers.iter().map(|(_, pid)| *pid).collect();
    assert!(sessions.len() > 1, "{answers:?}");
}

/// The secondary indexes of the tables a large seeding writes, as the database defines them.
async fn index_definitions(db: &Database) -> Vec<(String, String)> {
    let sql = match db.engine {
        motcua_store::db::Engine::Sqlite => {
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('dossiers', 'events') \
             AND sql IS NOT NULL ORDER BY name"
        }
        motcua_store::db::Engine::Postgres => {
            "SELECT CAST(indexname AS TEXT), indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ('dossiers', 'events') ORDER BY indexname"
        }
    };
    sqlx::query_as(sql).fetch_all(db.reader()).await.unwrap()
}

/// A seeding of millions writes without the secondary indexes and makes them again at the end:
/// the same indexes, by the same definitions, and the store's reads use them as before.
async fn a_large_seeding_makes_the_indexes_again_as_they_were(engine: TestEngine) {
    use motcua_store::synthetic::{self, Mix};
    let t = loaded(engine).await;
    let before = index_definitions(&t.db).await;
    assert!(before.len() > 10, "{before:?}");
    let seen = std::cell::Cell::new(0);
    let seeded =
        synthetic::seed_without_indexes(&t.db, 2_500, 9, Mix::History { years: 2 }, |n| seen.set(n)).await.unwrap();
    assert_eq!((seeded.dossiers, seen.get()), (2_500, 2_500));
    assert_eq!(index_definitions(&t.db).await, before);
    let (dossiers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM dossiers").fetch_one(t.db.reader()).await.unwrap();
    assert!(dossiers >= 2_500);
    let v = motcua_store::audit::verify(&t.db).await.unwrap();
    assert!(v.is_clean(), "{:?}", v.findings);
}

async fn every_demo_workflow_is_valid_and_one_asks_another_agency(engine: TestEngine) {
    let t = loaded(engine).await;
    let procs = catalog::current_procedures(&t.db).await.unwrap();
    let agencies: Vec<String> = catalog::agencies(&t.db).await.unwrap().into_iter().map(|a| a.code).collect();
    for p in &procs {
        let problems = motcua_domain::workflow::validate(
            &p.workflow,
            p.limit,
            &motcua_domain::calendar::OfficeHours::default(),
            |a| agencies.iter().any(|x| x == a),
        );
        assert!(problems.is_empty(), "{}: {problems:?}", p.code);
    }
    let lltp = procs.iter().find(|p| p.code == "3.000333").expect("the judicial record procedure");
    assert!(lltp.workflow[0].consultations.iter().any(|c| c.agency != lltp.agency.code), "a consultation");
}

async fn loaded(engine: TestEngine) -> TestDb {
    let t = TestDb::new(engine).await;
    demo::load(&t.db, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", 0)
        .await
        .expect("demo loads");
    t
}

fn new_dossier(p: &catalog::Procedure) -> NewDossier {
    NewDossier {
        external_code: None,
        fee_paid_at: None,
        procedure_version_id: p.version_id,
        procedure_code: p.code.clone(),
        lead_agency: p.agency.code.clone(),
        applicant_user_id: None,
        applicant: Applicant {
            full_name: "Nguyễn Văn An".into(), phone: "0912345678".into(), ..Applicant::default()
        },
        channel: motcua_domain::dossier::Channel::Online,
        data: serde_json::Map::new(),
        fee_vnd: p.fee_vnd,
        waiting: Some((Role::Reception, p.agency.code.clone())),
        attachments: vec![],
        follow_ups: Default::default(),
    }
}

fn by() -> By {
    By { user_id: None, name: "Kiểm thử".into() }
}

async fn migrations_run_twice_without_harm(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    t.db.migrate().await.expect("second run is a no-op");
    let again = Database::connect(&t.url).await.unwrap();
    again.migrate().await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM schema_migrations").fetch_one(t.db.reader()).await.unwrap();
    assert_eq!(n as usize, Database::migration_count());
}

async fn dossier_codes_stay_unique_under_concurrency(engine: TestEngine) {
    let t = loaded(engine).await;
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let at = Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    let pattern = DossierCodePattern::default();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let db = t.db.clone();
        let new = new_dossier(&p);
        let pattern = pattern.clone();
        tasks.push(tokio::spawn(async move { dossiers::submit(&db, &pattern, &new, &by(), at).await.unwrap().code }));
    }
    let mut codes = HashSet::new();
    for task in tasks {
        codes.insert(task.await.unwrap());
    }
    assert_eq!(codes.len(), 40);
    for n in 1..=40 {
        assert!(codes.contains(&format!("{}-261126-{n:04}", p.agency.code)), "sequence {n} missing");
    }
    // A new local day starts a new sequence (09:00 in Hà Nội is 02:00 UTC).
    let next_day = Utc.with_ymd_and_hms(2026, 11, 26, 17, 30, 0).unwrap();
    let d = dossiers::submit(&t.db, &pattern, &new_dossier(&p), &by(), next_day).await.unwrap();
    assert_eq!(d.code, format!("{}-261127-0001", p.agency.code));
}

async fn a_stale_change_is_a_conflict_and_writes_nothing(engine: TestEngine) {
    let t = loaded(engine).await;
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let now = Utc::now();
    let d = dossiers::submit(&t.db, &DossierCodePattern::default(), &new_dossier(&p), &by(), now).await.unwrap();
    let change = Change {
        action: "receive".into(),
        status: Status::Received,
        step: 0,
        resume_status: None,
        waiting: Some((Role::Specialist, p.agency.code.clone())),
        received_at: Some(now),
        clock: Some((now, now + chrono::Duration::days(3))),
        finished_at: None,
        returned_at: None,
        supplement_requested: false,
        rescheduled_to: None,
        note: Some("Đủ".into()),
        fact: None,
        attachments: vec![],
        enters_step: None,
        consultations: vec![],
        cancel_consultations: false,
        follow_ups: dossiers::FollowUps {
            kind: "notify".into(),
            channels: vec!["email".into(), "portal".into()],
            detail: serde_json::json!({"status": "received"}),
        },
        jobs: Vec::new(),
        seal: None,
        withdrawal_requested: None,
        register_desk: None,
    };
    let first = dossiers::apply(&t.db, &d, &change, &by(), now).await.unwrap();
    assert_eq!(first.status, Status::Received);
    let jobs_after = || async { motcua_store::jobs::list(&t.db, None, 50).await.unwrap().len() };
    assert_eq!(jobs_after().await, 1, "one follow-up carrying both channels, with the change");
    assert_eq!(first.revision, d.revision + 1);
    let second = dossiers::apply(&t.db, &d, &change, &by(), now).await;
    assert!(matches!(second, Err(StoreError::Conflict(_))), "{second:?}");
    assert_eq!(jobs_after().await, 1, "a refused change enqueues nothing");
    let history = dossiers::history(&t.db, d.id).await.unwrap();
    assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["submit", "receive"]);
    assert_eq!(history[1].note.as_deref(), Some("Đủ"));
}

async fn calendar_years_are_replaced_whole(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let y = YearCalendar { days_off: vec![d("2027-01-01"), d("2027-09-02")], working_days: vec![d("2027-02-20")] };
    calendar::set_year(&t.db, 2027, &y).await.unwrap();
    calendar::set_year(&t.db, 2028, &YearCalendar { days_off: vec![d("2028-01-01")], working_days: vec![] })
        .await
        .unwrap();
    assert_eq!(calendar::year(&t.db, 2027).await.unwrap(), y);
    let bad = YearCalendar { days_off: vec![d("2027-04-30"), d("2028-05-01")], working_days: vec![] };
    assert!(calendar::set_year(&t.db, 2027, &bad).await.is_err());
    let twice = YearCalendar { days_off: vec![d("2027-04-30")], working_days: vec![d("2027-04-30")] };
    assert!(calendar::set_year(&t.db, 2027, &twice).await.is_err());
    assert_eq!(calendar::year(&t.db, 2027).await.unwrap(), y, "a refused change leaves the year intact");
    let cal = calendar::working_calendar(&t.db).await.unwrap();
    assert!(!cal.is_working_day(d("2027-09-02")));
    assert!(cal.is_working_day(d("2027-02-20")), "a make-up Saturday");
    assert!(!cal.is_working_day(d("2028-01-01")));
}

async fn queues_follow_who_must_act(engine: TestEngine) {
    let t = loaded(engine).await;
    let procs = catalog::current_procedures(&t.db).await.unwrap();
    let agencies = catalog::agencies(&t.db).await.unwrap();
    let centre = agencies.iter().find(|a| a.is_service_centre()).unwrap();
    let p = &procs[0];
    let other = procs.iter().find(|q| q.agency.code != p.agency.code).unwrap();
    let now = Utc::now();
    let pattern = DossierCodePattern::default();
    let mine = dossiers::submit(&t.db, &pattern, &new_dossier(p), &by(), now).await.unwrap();
    dossiers::submit(&t.db, &pattern, &new_dossier(other), &by(), now).await.unwrap();
    let desk_of = |agency: &str, centre: bool| Listing::Queue {
        roles: vec![Role::Reception],
        agency: agency.into(),
        at_service_centre: centre,
    };
    let all = dossiers::list(&t.db, &desk_of(&centre.code, true), &Default::default(), 1, 50).await.unwrap();
    assert_eq!(all.total, 2, "the service centre receives for every agency");
    let local = dossiers::list(&t.db, &desk_of(&p.agency.code, false), &Default::default(), 1, 50).await.unwrap();
    assert_eq!(local.items.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(), [mine.code.as_str()]);
    let spec =
        Listing::Queue { roles: vec![Role::Specialist], agency: p.agency.code.clone(), at_service_centre: false };
    assert_eq!(
        dossiers::list(&t.db, &spec, &Default::default(), 1, 50).await.unwrap().total,
        0,
        "nothing to appraise before reception"
    );
    let filtered = dossiers::list(
        &t.db,
        &desk_of(&centre.code, true),
        &dossiers::Filter { status: Some(Status::Returned), ..Default::default() },
        1,
        50,
    )
    .await
    .unwrap();
    assert_eq!(filtered.total, 0);
    let paged = dossiers::list(&t.db, &desk_of(&centre.code, true), &Default::default(), 2, 1).await.unwrap();
    assert_eq!((paged.total, paged.items.len()), (2, 1));
}

async fn attachments_come_back_byte_for_byte(engine: TestEngine) {
    let t = loaded(engine).await;
    let blobs = Blobs::local(t.dir.path().join("attachments")).unwrap();
    let bytes = bytes::Bytes::from((0..200_000u32).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let stored = blobs.put(bytes.clone()).await.unwrap();
    assert_eq!(stored.size, 200_000);
    assert_eq!(stored.sha256.len(), 64);
    assert!(!stored.storage_key.contains(".pdf"), "random keys only");
    assert_eq!(blobs.get(&stored.storage_key).await.unwrap(), bytes);
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let mut new = new_dossier(&p);
    new.attachments.push(dossiers::NewAttachment {
        key: "to_khai".into(),
        purpose: motcua_domain::dossier::AttachmentPurpose::Document,
        file_name: "tờ khai.pdf".into(),
        content_type: "application/pdf".into(),
        blob: stored.clone(),
        digitized: false,
        reused: false,
        from_citizen_store: false,
    });
    let d = dossiers::submit(&t.db, &DossierCodePattern::default(), &new, &by(), Utc::now()).await.unwrap();
    let list = dossiers::attachments(&t.db, d.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].file_name, "tờ khai.pdf");
    assert_eq!(list[0].sha256, stored.sha256);
    assert_eq!(dossiers::attachment(&t.db, &list[0].id).await.unwrap(), list[0]);
    blobs.ping().await.unwrap();
}

async fn histories_are_tamper_evident(engine: TestEngine) {
    use motcua_store::audit;
    let t = loaded(engine).await;
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let now = Utc::now();
    let pattern = DossierCodePattern::default();
    let mut ids = Vec::new();
    let fact = motcua_domain::history::Fact::PaidCash { amount_vnd: 24_000 };
    for i in 0..3 {
        let d = dossiers::submit(&t.db, &pattern, &new_dossier(&p), &by(), now).await.unwrap();
        let change = Change {
            action: "refuse".into(),
            status: Status::Refused,
            step: 0,
            resume_status: None,
            waiting: None,
            received_at: None,
            clock: None,
            finished_at: Some(now),
            returned_at: None,
            supplement_requested: false,
            rescheduled_to: None,
            note: Some("Không thuộc thẩm quyền".into()),
            fact: (i == 0).then(|| fact.clone()),
            attachments: vec![],
            enters_step: None,
            consultations: vec![],
            cancel_consultations: false,
            follow_ups: Default::default(),
            jobs: Vec::new(),
            seal: None,
            withdrawal_requested: None,
            register_desk: None,
        };
        dossiers::apply(&t.db, &d, &change, &by(), now).await.unwrap();
        ids.push(d.id);
    }
    let ok = audit::verify(&t.db).await.unwrap();
    assert_eq!((ok.dossiers, ok.events, ok.findings.len()), (3, 6, 0));
    let altered = |v: &audit::Verification| {
        v.findings.iter().filter(|f| matches!(f.problem, audit::Problem::Altered { .. })).count()
    };
    // A recorded fact is read back as written.
    let history = dossiers::history(&t.db, ids[0]).await.unwrap();
    assert_eq!(history[1].fact.as_ref(), Some(&fact));
    assert_eq!(dossiers::history(&t.db, ids[1]).await.unwrap()[1].fact, None);
    // Editing a note breaks that dossier's chain at that event.
    let (event_id,): (i64,) = sqlx::query_as("SELECT id FROM events WHERE dossier_id = $1 AND action = 'refuse'")
        .bind(ids[1])
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    let mut tx = t.db.write_tx().await.unwrap();
    sqlx::query("UPDATE events SET note = 'Đã sửa' WHERE id = $1").bind(event_id).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let v = audit::verify(&t.db).await.unwrap();
    assert_eq!(v.findings.len(), 1, "{:?}", v.findings);
    assert_eq!(v.findings[0].problem, audit::Problem::Altered { event_id });
    // So does editing a recorded fact.
    let mut tx = t.db.write_tx().await.unwrap();
    sqlx::query("UPDATE events SET fact = '{\"kind\":\"paid_cash\",\"amount_vnd\":1}' WHERE dossier_id = $1 AND action = 'refuse'")
        .bind(ids[0])
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(altered(&audit::verify(&t.db).await.unwrap()), 2);
    // Deleting the first event breaks the chain at the one after it.
    let (first,): (i64,) = sqlx::query_as("SELECT MIN(id) FROM events WHERE dossier_id = $1")
        .bind(ids[2])
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    let mut tx = t.db.write_tx().await.unwrap();
    sqlx::query("DELETE FROM events WHERE id = $1").bind(first).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let v = audit::verify(&t.db).await.unwrap();
    assert_eq!(altered(&v), 3, "{:?}", v.findings);
    assert!(v.findings.iter().any(|f| f.problem == audit::Problem::DeletedEvents { recorded: 2, present: 1 }));
    // Reads are logged with who and when.
    let reader = motcua_store::users::create_user(
        &t.db,
        &motcua_store::users::NewUser {
            username: Some("doc".into()),
            full_name: "Người đọc".into(),
            password_hash: "x".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    audit::record_read(&t.db, ids[0], reader, now).await.unwrap();
    let reads = audit::recent_reads(&t.db, 10).await.unwrap();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].reader, "Người đọc");
}

/// A form is issued once per event and kind (the first recording wins), the latest of a kind
/// is the one served, and the database refuses a kind it does not know.
async fn issued_forms_are_kept_once_per_event_and_kind(engine: TestEngine) {
    use motcua_store::blobs::StoredBlob;
    use motcua_store::issued_forms::{by_sha256, latest, of_dossier, of_event, record};
    let t = loaded(engine).await;
    let p = catalog::current_procedures(&t.db).await.unwrap().remove(0);
    let d = dossiers::submit(&t.db, &DossierCodePattern::default(), &new_dossier(&p), &by(), Utc::now()).await.unwrap();
    let event_id = dossiers::history(&t.db, d.id).await.unwrap()[0].id;
    let blob =
        |n: u8| StoredBlob { storage_key: format!("aa/bb/{n}"), size: 100 + i64::from(n), sha256: format!("{n:064x}") };
    let at = Utc::now();
    let first = record(&t.db, d.id, Some(event_id), "receipt", &blob(1), at, true).await.unwrap();
    assert_eq!((first.blob.clone(), first.signed, first.event_id), (blob(1), true, Some(event_id)));
    let again = record(&t.db, d.id, Some(event_id), "receipt", &blob(2), at, false).await.unwrap();
    assert_eq!(again, first, "the form recorded first is kept");
    assert_eq!(of_dossier(&t.db, d.id).await.unwrap(), vec![first.clone()]);
    assert_eq!(by_sha256(&t.db, &blob(1).sha256).await.unwrap(), Some(first.clone()));
    assert_eq!(by_sha256(&t.db, &blob(2).sha256).await.unwrap(), None);
    assert!(record(&t.db, d.id, Some(event_id), "poster", &blob(3), at, false).await.is_err());

    assert_eq!(latest(&t.db, d.id, "fee_receipt").await.unwrap(), None);
    record(&t.db, d.id, None, "fee_receipt", &blob(4), at, false).await.unwrap();
    let newer = record(&t.db, d.id, None, "fee_receipt", &blob(5), at, false).await.unwrap();
    assert_eq!(latest(&t.db, d.id, "fee_receipt").await.unwrap(), Some(newer));
    assert_eq!(of_event(&t.db, event_id, "fee_receipt").await.unwrap(), None);
    assert_eq!(latest(&t.db, d.id, "receipt").await.unwrap(), Some(first));
}
