use chrono::{NaiveDate, NaiveTime, TimeDelta};
use motcua_domain::calendar::*;
use motcua_domain::search::*;
#[test]
fn bench() {
    let d = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    let cal = WorkingCalendar::new(
        [
            d(1, 1),
            d(1, 27),
            d(1, 28),
            d(1, 29),
            d(1, 30),
            d(1, 31),
            d(4, 7),
            d(4, 30),
            d(5, 1),
            d(5, 2),
            d(9, 1),
            d(9, 2),
        ],
        [d(2, 8), d(5, 17)],
    );
    let rule = CountingRule::default();
    let base = d(1, 1).and_time(NaiveTime::MIN).and_utc();
    for unit in TimeUnit::ALL {
        let t = std::time::Instant::now();
        let mut acc = 0i64;
        for i in 0..1_000_000i64 {
            let at = base + TimeDelta::minutes(i % 500_000);
            acc += due_at(&cal, &rule, at, TimeLimit::new((i % 30) as u32, unit)).timestamp();
        }
        println!("{unit:?}: {:?} per 1M ({acc})", t.elapsed());
    }
    let names = [
        "Đăng ký kết hôn",
        "Đăng ký khai tử",
        "Cấp Phiếu lý lịch tư pháp",
        "Thủ tục đăng ký khai sinh",
        "Cấp giấy phép xây dựng",
        "Đăng ký thường trú",
    ];
    let entries: Vec<Entry> = (0..2000)
        .map(|i| Entry {
            id: i,
            name: format!("{} {}", names[i as usize % 6], i),
            code: format!("1.00{i}"),
            extra: "Hộ tịch UBND cấp xã".into(),
        })
        .collect();
    let index = CatalogIndex::new(entries);
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..1000 {
        n += index.search("thu tuc dang ky khai sinh").len();
    }
    println!("search: {:?} per query ({n})", t.elapsed() / 1000);
}
