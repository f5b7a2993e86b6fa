//! Meetings on SQLite and on PostgreSQL: a briefing with its connection points, attendance,
//! a conclusion recorded once, tasks completed once, the meetings an agency sees, and feed
//! tokens that rotate.

use chrono::{Duration, TimeZone, Utc};
use motcua_domain::meeting::{AttendanceStatus, TaskStatus};
use motcua_store::meetings::{self, NewMeeting, NewTask};
use motcua_store::office::Actor;
use motcua_store::StoreError;
use motcua_testkit::{on_both_engines, TestDb, TestEngine};

on_both_engines!(a_briefing_is_attended_concluded_and_its_tasks_done, closed_sets_and_feed_tokens);

/// The demo agencies: the organiser (the department of `lanhdao`) and the others.
async fn agencies(t: &TestDb) -> (String, Vec<String>) {
    motcua_store::demo::load(&t.db, "!", 0).await.unwrap();
    let (own,): (String,) = sqlx::query_as("SELECT agency_code FROM users WHERE username = 'lanhdao'")
        .fetch_one(t.db.reader())
        .await
        .unwrap();
    let others: Vec<(String,)> = sqlx::query_as(
        "SELECT code FROM agencies WHERE code <> $1 AND kind IN ('department', 'commune') ORDER BY code",
    )
    .bind(&own)
    .fetch_all(t.db.reader())
    .await
    .unwrap();
    (own, others.into_iter().map(|(c,)| c).collect())
}

fn leader() -> Actor {
    Actor { user_id: None, name: "Lê Minh Lãnh".into() }
}

fn briefing(own: &str, points: &[String]) -> NewMeeting {
    let starts_at = Utc.with_ymd_and_hms(2027, 2, 1, 1, 0, 0).unwrap();
    NewMeeting {
        agency_code: own.into(),
        title: "Giao ban trực tuyến tuần 5".into(),
        chair: "Lê Minh Lãnh".into(),
        place: "Phòng họp tầng 3".into(),
        starts_at,
        ends_at: starts_at + Duration::hours(2),
        video_link: Some("https://meet.example.vn/giao-ban".into()),
        agenda: "1. Tình hình giải quyết hồ sơ\n2. Kết luận".into(),
        invitation_document_id: None,
        points: points.iter().map(|a| (a.clone(), format!("Chủ trì tại {a}"))).collect(),
    }
}

async fn a_briefing_is_attended_concluded_and_its_tasks_done(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let (own, others) = agencies(&t).await;
    let (points, outsider) = (&others[..10], &others[10]);
    let now = Utc.with_ymd_and_hms(2027, 1, 28, 2, 0, 0).unwrap();
    let m = meetings::create(&t.db, &briefing(&own, points), &leader(), now).await.unwrap();
    let listed = meetings::points(&t.db, m.id).await.unwrap();
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|p| p.attendance == AttendanceStatus::Expected && p.attendees.is_none()));

    for (i, p) in points.iter().enumerate() {
        let (status, n) =
            if i == 9 { (AttendanceStatus::Absent, None) } else { (AttendanceStatus::Present, Some(5 + i as i64)) };
        meetings::record_attendance(&t.db, m.id, p, status, n, &leader(), now).await.unwrap();
    }
    let err =
        meetings::record_attendance(&t.db, m.id, outsider, AttendanceStatus::Present, Some(1), &leader(), now).await;
    assert!(matches!(err, Err(StoreError::NotFound)), "{err:?}");
    let listed = meetings::points(&t.db, m.id).await.unwrap();
    assert_eq!(listed.iter().filter(|p| p.attendance == AttendanceStatus::Present).count(), 9);
    assert_eq!(listed[0].attendees, Some(5));
    assert!(listed[0].recorded_at.is_some());

    let due = m.starts_at + Duration::days(7);
    let tasks = vec![
        NewTask { agency_code: points[0].clone(), description: "Báo cáo hồ sơ quá hạn".into(), due_at: due },
        NewTask { agency_code: points[1].clone(), description: "Rà soát thủ tục".into(), due_at: due },
    ];
    let made = meetings::conclude(&t.db, m.id, "Các đơn vị khẩn trương…", None, &tasks, &leader(), now).await.unwrap();
    assert_eq!(made.len(), 2);
    assert!(made.iter().all(|t| t.status == TaskStatus::Open));
    let again = meetings::conclude(&t.db, m.id, "Lần hai", None, &tasks, &leader(), now).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(meetings::tasks(&t.db, m.id).await.unwrap().len(), 2);

    let done = meetings::complete_task(&t.db, m.id, made[0].id, &leader(), now).await.unwrap();
    assert_eq!((done.status, done.done_at), (TaskStatus::Done, Some(now)));
    let twice = meetings::complete_task(&t.db, m.id, made[0].id, &leader(), now).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let elsewhere = meetings::complete_task(&t.db, m.id + 1, made[1].id, &leader(), now).await;
    assert!(matches!(elsewhere, Err(StoreError::NotFound)), "{elsewhere:?}");
    let open = meetings::open_tasks_of(&t.db, &points[1]).await.unwrap();
    assert_eq!(open.iter().map(|t| t.id).collect::<Vec<_>>(), vec![made[1].id]);
    assert!(meetings::open_tasks_of(&t.db, &points[0]).await.unwrap().is_empty());

    // The organiser and every point see it; an agency with nothing to do with it does not.
    for agency in [&own, &points[0], &points[9]] {
        let seen = meetings::of_agency(&t.db, agency, None, 100).await.unwrap();
        assert_eq!(seen.iter().map(|m| m.id).collect::<Vec<_>>(), vec![m.id], "{agency}");
    }
    assert!(meetings::of_agency(&t.db, outsider, None, 100).await.unwrap().is_empty());
    assert!(meetings::of_agency(&t.db, &own, Some(m.starts_at + Duration::days(1)), 100).await.unwrap().is_empty());

    let history = meetings::events(&t.db, m.id).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"call"));
    assert_eq!(actions.iter().filter(|a| **a == "attendance").count(), 10);
    assert_eq!(actions.last(), Some(&"task_done"));
}

async fn closed_sets_and_feed_tokens(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let (own, others) = agencies(&t).await;
    let now = Utc::now();
    let m = meetings::create(&t.db, &briefing(&own, &others[..1]), &leader(), now).await.unwrap();
    let mut tx = t.db.write_tx().await.unwrap();
    let refused = sqlx::query("UPDATE meeting_points SET attendance = 'late' WHERE meeting_id = $1")
        .bind(m.id)
        .execute(&mut *tx)
        .await
        .expect_err("a word outside the set");
    assert!(refused.to_string().contains("meeting_points_attendance_values"), "{refused}");
    drop(tx);

    let (user,): (i64,) =
        sqlx::query_as("SELECT id FROM users WHERE username = 'lanhdao'").fetch_one(t.db.reader()).await.unwrap();
    assert_eq!(meetings::feed_token_made(&t.db, user).await.unwrap(), None);
    meetings::set_feed_token(&t.db, user, "hash-one", now).await.unwrap();
    assert_eq!(meetings::feed_token_user(&t.db, "hash-one").await.unwrap(), Some(user));
    meetings::set_feed_token(&t.db, user, "hash-two", now).await.unwrap();
    assert_eq!(meetings::feed_token_user(&t.db, "hash-one").await.unwrap(), None);
    assert_eq!(meetings::feed_token_user(&t.db, "hash-two").await.unwrap(), Some(user));
    assert!(meetings::feed_token_made(&t.db, user).await.unwrap().is_some());
}
