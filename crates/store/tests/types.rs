//! Times and flags are written and read through `Millis` and `Flag` on both engines: bound as
//! BIGINT, read back by name or in `query_as` tuples, NULL as `None`, and a stored number outside
//! the convention refused as corrupt data instead of read as something else.

use chrono::{DateTime, TimeZone, Utc};
use motcua_store::types::{Flag, Millis};
use motcua_store::{Database, StoreError};
use motcua_testkit::{on_both_engines, TestDb, TestEngine};
use sqlx::Row;

on_both_engines!(
    times_and_flags_round_trip_as_bigint,
    null_reads_as_none_and_refuses_a_plain_value,
    numbers_outside_the_conventions_are_corrupt_data,
);

/// A table of its own, so that the conventions are tested apart from any real column.
async fn table(db: &Database) {
    let mut tx = db.write_tx().await.unwrap();
    sqlx::query("CREATE TABLE conventions (id BIGINT PRIMARY KEY, at BIGINT, flag BIGINT)")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Inserts a row binding `at` and `flag` as given: the wrappers, or raw numbers that break the
/// conventions.
async fn insert<A, F>(db: &Database, id: i64, at: Option<A>, flag: Option<F>)
where
    A: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
    F: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
{
    let mut tx = db.write_tx().await.unwrap();
    sqlx::query("INSERT INTO conventions (id, at, flag) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(at)
        .bind(flag)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn times_and_flags_round_trip_as_bigint(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let db = &t.db;
    table(db).await;
    let times: [DateTime<Utc>; 3] = [
        Utc.timestamp_millis_opt(1_767_225_600_123).unwrap(),
        Utc.timestamp_millis_opt(-86_400_001).unwrap(),
        DateTime::UNIX_EPOCH,
    ];
    for (i, (at, flag)) in times.iter().zip([true, false, true]).enumerate() {
        insert(db, i as i64, Some(Millis(*at)), Some(Flag(flag))).await;
    }

    // As numbers: milliseconds and 0/1, what migration 1 says.
    let raw: Vec<(i64, i64)> =
        sqlx::query_as("SELECT at, flag FROM conventions ORDER BY id").fetch_all(db.reader()).await.unwrap();
    assert_eq!(raw, vec![(1_767_225_600_123, 1), (-86_400_001, 0), (0, 1)]);

    // In tuples.
    let typed: Vec<(Millis, Flag)> =
        sqlx::query_as("SELECT at, flag FROM conventions ORDER BY id").fetch_all(db.reader()).await.unwrap();
    assert_eq!(typed, times.iter().zip([true, false, true]).map(|(t, f)| (Millis(*t), Flag(f))).collect::<Vec<_>>());

    // By name.
    let row = sqlx::query("SELECT at, flag FROM conventions WHERE id = 0").fetch_one(db.reader()).await.unwrap();
    assert_eq!(row.try_get::<Millis, _>("at").unwrap().0, times[0]);
    assert!(row.try_get::<Flag, _>("flag").unwrap().0);

    // A time finer than a millisecond keeps its milliseconds.
    let fine = Utc.timestamp_opt(1_767_225_600, 123_456_789).unwrap();
    insert(db, 10, Some(Millis(fine)), Some(Flag(false))).await;
    let (back,): (Millis,) =
        sqlx::query_as("SELECT at FROM conventions WHERE id = 10").fetch_one(db.reader()).await.unwrap();
    assert_eq!(back.0, Utc.timestamp_millis_opt(1_767_225_600_123).unwrap());

    // As parameters compared in SQL, the way queries filter on times and flags.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM conventions WHERE at < $1 AND flag = $2")
        .bind(Millis(times[2]))
        .bind(Flag(false))
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(n, 1);
}

async fn null_reads_as_none_and_refuses_a_plain_value(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let db = &t.db;
    table(db).await;
    insert::<Millis, Flag>(db, 1, None, None).await;
    let (at, flag): (Option<Millis>, Option<Flag>) =
        sqlx::query_as("SELECT at, flag FROM conventions WHERE id = 1").fetch_one(db.reader()).await.unwrap();
    assert_eq!((at, flag), (None, None));
    let row = sqlx::query("SELECT at, flag FROM conventions WHERE id = 1").fetch_one(db.reader()).await.unwrap();
    assert_eq!(row.try_get::<Option<Millis>, _>("at").unwrap(), None);
    let err = StoreError::from(row.try_get::<Millis, _>("at").unwrap_err());
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
    let err = StoreError::from(row.try_get::<Flag, _>("flag").unwrap_err());
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
}

async fn numbers_outside_the_conventions_are_corrupt_data(engine: TestEngine) {
    let t = TestDb::new(engine).await;
    let db = &t.db;
    table(db).await;
    insert::<i64, i64>(db, 1, Some(i64::MAX), Some(2)).await;
    insert::<i64, i64>(db, 2, Some(0), Some(-1)).await;

    let row = sqlx::query("SELECT at, flag FROM conventions WHERE id = 1").fetch_one(db.reader()).await.unwrap();
    let err = StoreError::from(row.try_get::<Millis, _>("at").unwrap_err());
    assert!(matches!(&err, StoreError::Corrupt(m) if m.contains("not a representable time")), "{err}");
    let err = StoreError::from(row.try_get::<Flag, _>("flag").unwrap_err());
    assert!(matches!(&err, StoreError::Corrupt(m) if m.contains("0 or 1")), "{err}");

    // In a tuple, through `?` as the store's functions do.
    let read = |id: i64| async move {
        let row: (Millis, Flag) =
            sqlx::query_as("SELECT at, flag FROM conventions WHERE id = $1").bind(id).fetch_one(db.reader()).await?;
        Ok::<_, StoreError>(row)
    };
    assert!(matches!(read(1).await, Err(StoreError::Corrupt(_))));
    assert!(matches!(read(2).await, Err(StoreError::Corrupt(_))));
}
