//! External identities, sign-ins under way and second factors, on SQLite and on PostgreSQL.

use chrono::{Duration, Utc};
use motcua_domain::dossier::Role;
use motcua_store::identity::{self, SignInFlow};
use motcua_store::users::{self, NewUser};
use motcua_store::StoreError;
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(
    a_subject_is_linked_to_one_account_and_found_again,
    a_sign_in_under_way_is_taken_once_and_lapses,
    a_totp_step_is_taken_once_and_enrolment_confirms,
    a_pending_sign_in_lasts_until_it_ends_or_lapses,
);

fn citizen(id_number: &str) -> NewUser {
    NewUser {
        full_name: "Nguyễn Văn An".into(),
        id_number: Some(id_number.into()),
        password_hash: "!".into(),
        roles: vec![Role::Citizen],
        ..NewUser::default()
    }
}

async fn a_subject_is_linked_to_one_account_and_found_again(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let now = Utc::now();
    assert_eq!(identity::linked_user(&t.db, "vneid", "sub-1").await.unwrap(), None);

    // A first sign-in makes the account and its link in one step, with the assurance.
    let id = identity::create_linked_user(&t.db, &citizen("001099000001"), "vneid", "sub-1", Some("vneid"), now)
        .await
        .unwrap();
    let found = identity::linked_user(&t.db, "vneid", "sub-1").await.unwrap().expect("linked");
    assert_eq!(found.id, id);
    assert_eq!(found.verified_by.as_deref(), Some("vneid"));
    assert_eq!(found.roles, [Role::Citizen]);
    assert_eq!(identity::user_by_id_number(&t.db, "001099000001").await.unwrap().map(|u| u.id), Some(id));

    // The same subject cannot be linked twice; a taken identity number is named.
    let twice = identity::link(&t.db, "vneid", "sub-1", id, None, now).await;
    assert!(matches!(twice, Err(StoreError::Conflict(ref c)) if c == "identity_link"), "{twice:?}");
    let taken = identity::create_linked_user(&t.db, &citizen("001099000001"), "vneid", "sub-2", None, now).await;
    assert!(matches!(taken, Err(StoreError::Conflict(ref c)) if c == "id_number"), "{taken:?}");
    assert_eq!(identity::linked_user(&t.db, "vneid", "sub-2").await.unwrap(), None, "nothing half-made");

    // An existing account is linked to another provider's subject, without a new account.
    let local = users::create_user(&t.db, &citizen("001099000002")).await.unwrap();
    assert_eq!(users::user(&t.db, local).await.unwrap().verified_by, None);
    identity::link(&t.db, "vneid", "sub-3", local, Some("vneid"), now).await.unwrap();
    identity::link(&t.db, "tinh", "sub-3", local, None, now).await.unwrap();
    assert_eq!(identity::linked_user(&t.db, "vneid", "sub-3").await.unwrap().unwrap().id, local);
    assert_eq!(
        identity::links_of(&t.db, local).await.unwrap(),
        [("tinh".to_string(), "sub-3".to_string()), ("vneid".to_string(), "sub-3".to_string())]
    );
    assert_eq!(users::user(&t.db, local).await.unwrap().verified_by.as_deref(), Some("vneid"));
    identity::used_link(&t.db, "vneid", "sub-3", local, Some("loa2"), now).await.unwrap();
    assert_eq!(users::user(&t.db, local).await.unwrap().verified_by.as_deref(), Some("loa2"));

    // Officers are found by user name, or e-mail.
    let officer = users::create_user(
        &t.db,
        &NewUser {
            username: Some("canbo1".into()),
            full_name: "Trần Thị Bình".into(),
            email: Some("binh@laocai.gov.vn".into()),
            password_hash: "!".into(),
            roles: vec![Role::Specialist],
            ..NewUser::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(identity::user_by_username_or_email(&t.db, "canbo1").await.unwrap().map(|u| u.id), Some(officer));
    assert_eq!(
        identity::user_by_username_or_email(&t.db, "Binh@LaoCai.gov.vn").await.unwrap().map(|u| u.id),
        Some(officer)
    );
    assert_eq!(identity::user_by_username_or_email(&t.db, "someone").await.unwrap(), None);
}

async fn a_sign_in_under_way_is_taken_once_and_lapses(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let now = Utc::now();
    let flow = SignInFlow {
        provider: "vneid".into(),
        nonce: "n-1".into(),
        pkce_verifier: "v-1".into(),
        next_path: Some("/ho-so".into()),
    };
    identity::save_flow(&t.db, "state-1", &flow, now + Duration::minutes(10)).await.unwrap();
    identity::save_flow(&t.db, "state-2", &flow, now + Duration::seconds(1)).await.unwrap();
    assert_eq!(identity::take_flow(&t.db, "state-0", now).await.unwrap(), None, "an unknown state");
    assert_eq!(identity::take_flow(&t.db, "state-1", now).await.unwrap(), Some(flow.clone()));
    assert_eq!(identity::take_flow(&t.db, "state-1", now).await.unwrap(), None, "used once");
    assert_eq!(identity::take_flow(&t.db, "state-2", now + Duration::seconds(2)).await.unwrap(), None, "lapsed");
}

async fn a_totp_step_is_taken_once_and_enrolment_confirms(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = users::create_user(&t.db, &citizen("001099000003")).await.unwrap();
    assert_eq!(identity::totp_secret(&t.db, id).await.unwrap(), None);
    identity::start_totp(&t.db, id, "AAAA").await.unwrap();
    identity::start_totp(&t.db, id, "BBBB").await.unwrap();
    let s = identity::totp_secret(&t.db, id).await.unwrap().unwrap();
    assert_eq!((s.secret.as_str(), s.confirmed_at, s.last_step), ("BBBB", None, None), "a new start replaces");

    let now = Utc::now();
    assert!(identity::use_totp_step(&t.db, id, 100, Some(now)).await.unwrap());
    let s = identity::totp_secret(&t.db, id).await.unwrap().unwrap();
    assert!(s.confirmed_at.is_some());
    assert_eq!(s.last_step, Some(100));
    assert!(!identity::use_totp_step(&t.db, id, 100, None).await.unwrap(), "the same step again");
    assert!(!identity::use_totp_step(&t.db, id, 99, None).await.unwrap(), "an earlier step");
    assert!(identity::use_totp_step(&t.db, id, 101, None).await.unwrap());
    let again = identity::start_totp(&t.db, id, "CCCC").await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "a confirmed secret is not replaced: {again:?}");
    assert_eq!(identity::totp_secret(&t.db, id).await.unwrap().unwrap().secret, "BBBB");
    identity::remove_totp(&t.db, id).await.unwrap();
    assert_eq!(identity::totp_secret(&t.db, id).await.unwrap(), None);
}

async fn a_pending_sign_in_lasts_until_it_ends_or_lapses(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let id = users::create_user(&t.db, &citizen("001099000004")).await.unwrap();
    let now = Utc::now();
    identity::create_pending_sign_in(&t.db, "p-1", id, Some("/can-bo"), now + Duration::minutes(5)).await.unwrap();
    identity::create_pending_sign_in(&t.db, "p-2", id, None, now + Duration::minutes(5)).await.unwrap();
    assert_eq!(identity::pending_sign_in(&t.db, "p-1", now).await.unwrap(), Some((id, Some("/can-bo".into()))));
    assert_eq!(identity::pending_sign_in(&t.db, "p-1", now + Duration::minutes(6)).await.unwrap(), None);
    identity::end_pending_sign_in(&t.db, "p-1").await.unwrap();
    assert_eq!(identity::pending_sign_in(&t.db, "p-1", now).await.unwrap(), None);
    assert_eq!(identity::pending_sign_in(&t.db, "p-2", now).await.unwrap(), Some((id, None)));
}
