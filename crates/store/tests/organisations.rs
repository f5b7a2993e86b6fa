//! Organisation accounts on SQLite and on PostgreSQL: one live registration per tax code, the
//! administrator's decision, representatives, and whose dossiers a person lists.

use chrono::Utc;
use motcua_domain::code::DossierCodePattern;
use motcua_domain::dossier::{Channel, Role};
use motcua_domain::organisation::{OrganisationStatus, RepresentativeKind};
use motcua_store::dossiers::{self, Applicant, By, Filter, Listing, NewDossier};
use motcua_store::organisations::{self, NewOrganisation};
use motcua_store::users::{self, NewUser};
use motcua_store::{catalog, StoreError};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    a_tax_code_has_one_live_registration_and_a_refusal_frees_it,
    verifying_takes_over_the_dossiers_filed_under_the_tax_code,
    representatives_see_the_organisations_dossiers_and_a_removed_one_sees_none,
);

async fn citizen(t: &TestDb, name: &str, id_number: &str) -> i64 {
    users::create_user(
        &t.db,
        &NewUser {
            full_name: name.into(),
            id_number: Some(id_number.into()),
            password_hash: "!".into(),
            roles: vec![Role::Citizen],
            ..NewUser::default()
        },
    )
    .await
    .unwrap()
}

async fn admin(t: &TestDb) -> i64 {
    users::create_user(
        &t.db,
        &NewUser {
            username: Some("quantri".into()),
            full_name: "Quản trị".into(),
            password_hash: "!".into(),
            roles: vec![Role::Admin],
            ..NewUser::default()
        },
    )
    .await
    .unwrap()
}

fn business(tax_code: &str) -> NewOrganisation {
    NewOrganisation {
        tax_code: tax_code.into(),
        name: "Công ty TNHH An Phát".into(),
        address: "12 Trần Phú, Sơn La".into(),
        title: Some("Giám đốc".into()),
        ..NewOrganisation::default()
    }
}

async fn a_tax_code_has_one_live_registration_and_a_refusal_frees_it(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let now = Utc::now();
    let (an, binh, admin) = (
        citizen(&t, "Nguyễn Văn An", "038090001234").await,
        citizen(&t, "Trần Thị Bình", "038185004321").await,
        admin(&t).await,
    );

    let squatted = organisations::register(&t.db, &business("5400123456"), binh, now).await.unwrap();
    assert_eq!(squatted.status, OrganisationStatus::Pending);
    // Registering it makes the person its legal representative, but it is nobody's to apply for yet.
    assert_eq!(organisations::of_user(&t.db, binh).await.unwrap()[0].1, RepresentativeKind::Legal);
    assert_eq!(organisations::represented(&t.db, binh).await.unwrap(), Vec::<i64>::new());
    assert_eq!(users::user(&t.db, binh).await.unwrap().organisations, Vec::<i64>::new());

    // The same tax code again, while the first is pending: refused.
    let again = organisations::register(&t.db, &business("5400123456"), an, now).await;
    assert!(matches!(again, Err(StoreError::Conflict(ref c)) if c == "tax_code"), "{again:?}");
    assert_eq!(organisations::pending(&t.db).await.unwrap().len(), 1);

    // Refused with a reason: the tax code is free for the real business, the refusal kept.
    assert_eq!(
        organisations::decide(&t.db, squatted.id, false, Some("Không khớp đăng ký"), admin, now).await.unwrap(),
        0
    );
    let refused = organisations::get(&t.db, squatted.id).await.unwrap();
    assert_eq!(
        (refused.status, refused.decision_note.as_deref()),
        (OrganisationStatus::Rejected, Some("Không khớp đăng ký"))
    );
    // Decided once only.
    let twice = organisations::decide(&t.db, squatted.id, true, None, admin, now).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    assert!(matches!(organisations::decide(&t.db, 999_999, true, None, admin, now).await, Err(StoreError::NotFound)));

    let real = organisations::register(&t.db, &business("5400123456"), an, now).await.unwrap();
    organisations::decide(&t.db, real.id, true, None, admin, now).await.unwrap();
    assert_eq!(organisations::verified_by_tax_code(&t.db, "5400123456").await.unwrap().map(|o| o.id), Some(real.id));
    assert_eq!(users::user(&t.db, an).await.unwrap().organisations, vec![real.id]);
    assert!(organisations::pending(&t.db).await.unwrap().is_empty());
}

async fn procedure(t: &TestDb) -> catalog::Procedure {
    motcua_store::demo::load(&t.db, "!", 0).await.unwrap();
    catalog::current_procedures(&t.db).await.unwrap().remove(0)
}

async fn file(t: &TestDb, p: &catalog::Procedure, user: Option<i64>, applicant: Applicant) -> dossiers::Dossier {
    let new = NewDossier {
        procedure_version_id: p.version_id,
        procedure_code: p.code.clone(),
        lead_agency: p.agency.code.clone(),
        applicant_user_id: user,
        applicant,
        channel: Channel::Online,
        data: serde_json::Map::new(),
        fee_vnd: 0,
        waiting: Some((Role::Reception, p.agency.code.clone())),
        attachments: vec![],
        follow_ups: Default::default(),
        external_code: None,
        fee_paid_at: None,
    };
    let by = By { user_id: user, name: "Kiểm thử".into() };
    dossiers::submit(&t.db, &DossierCodePattern::default(), &new, &by, Utc::now()).await.unwrap()
}

async fn codes(t: &TestDb, listing: Listing) -> Vec<String> {
    let mut codes: Vec<String> = dossiers::list(&t.db, &listing, &Filter::default(), 1, 100)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.code)
        .collect();
    codes.sort();
    codes
}

async fn verifying_takes_over_the_dossiers_filed_under_the_tax_code(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let p = procedure(&t).await;
    let an = users::with_usernames(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username.as_deref() == Some("congdan"))
        .unwrap();
    let admin = users::with_usernames(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username.as_deref() == Some("quantri"))
        .unwrap();
    let now = Utc::now();
    let under = |id: &str| Applicant {
        full_name: "Công ty TNHH Bình Minh".into(),
        id_number: Some(id.into()),
        phone: "0912345678".into(),
        ..Applicant::default()
    };
    // Handed over for the tax code before the business had an account; one for another code;
    // one already someone's.
    let before = file(&t, &p, None, under("5400999999")).await;
    let other = file(&t, &p, None, under("5400888888")).await;
    let someones = file(&t, &p, Some(an.id), under("5400999999")).await;

    let o = organisations::register(&t.db, &business("5400999999"), an.id, now).await.unwrap();
    assert_eq!(organisations::decide(&t.db, o.id, true, None, admin.id, now).await.unwrap(), 1);
    assert_eq!(dossiers::by_code(&t.db, &before.code).await.unwrap().applicant.organisation_id, Some(o.id));
    assert_eq!(dossiers::by_code(&t.db, &other.code).await.unwrap().applicant.organisation_id, None);
    assert_eq!(dossiers::by_code(&t.db, &someones.code).await.unwrap().applicant.organisation_id, None);
}

async fn representatives_see_the_organisations_dossiers_and_a_removed_one_sees_none(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let p = procedure(&t).await;
    let now = Utc::now();
    let (an, binh, cuong) = (
        citizen(&t, "Nguyễn Văn An", "001090000001").await,
        citizen(&t, "Trần Thị Bình", "001090000002").await,
        citizen(&t, "Lê Văn Cường", "001090000003").await,
    );
    let admin = users::with_usernames(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username.as_deref() == Some("quantri"))
        .unwrap();
    let o = organisations::register(&t.db, &business("0101234567-001"), an, now).await.unwrap();
    organisations::decide(&t.db, o.id, true, None, admin.id, now).await.unwrap();
    organisations::add_representative(&t.db, o.id, binh, RepresentativeKind::Authorised, None, an, now).await.unwrap();
    let twice = organisations::add_representative(&t.db, o.id, binh, RepresentativeKind::Legal, None, an, now).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let reps = organisations::representatives(&t.db, o.id).await.unwrap();
    assert_eq!(
        reps.iter().map(|r| (r.user_id, r.kind)).collect::<Vec<_>>(),
        [(an, RepresentativeKind::Legal), (binh, RepresentativeKind::Authorised)]
    );

    let for_org = || Applicant {
        full_name: o.name.clone(),
        id_number: Some(o.tax_code.clone()),
        phone: "0912345678".into(),
        organisation_id: Some(o.id),
        ..Applicant::default()
    };
    let mine =
        |who: i64| Applicant {
            full_name: format!("Người {who}"), phone: "0912345678".into(), ..Applicant::default()
        };
    let by_binh = file(&t, &p, Some(binh), for_org()).await;
    let by_an = file(&t, &p, Some(an), for_org()).await;
    let binhs_own = file(&t, &p, Some(binh), mine(binh)).await;
    let cuongs_own = file(&t, &p, Some(cuong), mine(cuong)).await;

    let all = |user: i64, orgs: Vec<i64>| Listing::Applicant { user_id: Some(user), organisations: orgs };
    let mut expected = vec![by_binh.code.clone(), by_an.code.clone(), binhs_own.code.clone()];
    expected.sort();
    assert_eq!(codes(&t, all(binh, vec![o.id])).await, expected);
    // Their own alone, or the organisation's alone.
    assert_eq!(codes(&t, all(binh, vec![])).await, vec![binhs_own.code.clone()]);
    let mut org_only = vec![by_binh.code.clone(), by_an.code.clone()];
    org_only.sort();
    assert_eq!(codes(&t, Listing::Applicant { user_id: None, organisations: vec![o.id] }).await, org_only);
    assert_eq!(codes(&t, all(cuong, vec![])).await, vec![cuongs_own.code.clone()]);

    // Bình leaves: the dossier she filed stays the organisation's but is no longer hers.
    organisations::remove_representative(&t.db, o.id, binh).await.unwrap();
    assert_eq!(users::user(&t.db, binh).await.unwrap().organisations, Vec::<i64>::new());
    let kept = dossiers::by_code(&t.db, &by_binh.code).await.unwrap();
    assert_eq!((kept.applicant_user_id, kept.applicant.organisation_id), (None, Some(o.id)));
    assert_eq!(codes(&t, all(binh, vec![])).await, vec![binhs_own.code.clone()]);
    assert_eq!(codes(&t, Listing::Applicant { user_id: None, organisations: vec![o.id] }).await, org_only);
    assert!(matches!(organisations::remove_representative(&t.db, o.id, binh).await, Err(StoreError::NotFound)));
}
