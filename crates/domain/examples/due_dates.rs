//! Due dates per second on one core: the legal clock (`calendar::due_at`) over millions of
//! (reception time, limit) pairs, for every time unit, with the demo province's calendar of
//! 2026–2027 (Tết, Hùng Kings, 30/4–1/5, National Day, their bridges and make-up Saturdays).
//!
//! ```sh
//! cargo run --release -p motcua-domain --example due_dates            # 2,000,000 pairs × 3 rounds
//! cargo run --release -p motcua-domain --example due_dates -- 500000 5
//! ```
//!
//! The pairs are made before timing: reception instants spread over 2026-01-01 … 2027-09-30 at
//! any minute of any day (nights, weekends and holidays included, as a desk or a portal sees
//! them), limits drawn per unit from amounts the catalog uses. The program is single-threaded;
//! every result goes into a checksum printed at the end so that nothing is optimised away.
//! Besides the wall-clock rate it prints the rate per second of CPU time given to the thread
//! (Linux), which stays meaningful on a machine shared with other work.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use motcua_domain::calendar::{due_at, CountingRule, TimeLimit, TimeUnit, WorkingCalendar};

/// The demo province, whose `calendar` section holds the notices of 2026 and 2027.
const PROVINCE: &str = include_str!("../../store/demo/province.json");

fn calendar() -> WorkingCalendar {
    let province: serde_json::Value = serde_json::from_str(PROVINCE).expect("province.json parses");
    let days = |key: &str| -> Vec<NaiveDate> {
        province["calendar"]
            .as_object()
            .expect("a calendar section")
            .values()
            .flat_map(|year| year[key].as_array().cloned().unwrap_or_default())
            .map(|d| NaiveDate::parse_from_str(d.as_str().expect("a date"), "%Y-%m-%d").expect("an ISO date"))
            .collect()
    };
    WorkingCalendar::new(days("days_off"), days("working_days"))
}

/// CPU time this thread has run so far, from the scheduler's statistics (Linux only).
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(stat.split_whitespace().next()?.parse().ok()?))
}

/// (reception instant, limit) pairs.
type Pairs = Vec<(DateTime<Utc>, TimeLimit)>;

/// xorshift64*: deterministic, and no dependency for the domain crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn one_of<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.below(list.len() as u64) as usize]
    }
}

/// Amounts per unit, as procedures state them (working days weighted like the demo catalog).
fn limit(rng: &mut Rng, unit: TimeUnit) -> TimeLimit {
    let amount = match unit {
        TimeUnit::WorkingDays => rng.one_of(&[1, 1, 2, 3, 3, 3, 5, 5, 7, 10, 10, 12, 15, 20, 30]),
        TimeUnit::Days => rng.one_of(&[5, 7, 10, 15, 20, 20, 30, 30, 45, 60]),
        TimeUnit::Months => rng.one_of(&[1, 1, 2, 3, 6]),
        TimeUnit::Hours => rng.one_of(&[2, 4, 8, 8, 16, 24, 40, 48]),
        TimeUnit::HalfDays => rng.one_of(&[1, 1, 2, 3, 4]),
    };
    TimeLimit::new(amount, unit)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pairs: usize = args.next().map(|a| a.parse().expect("pairs: a number")).unwrap_or(2_000_000);
    let rounds: usize = args.next().map(|a| a.parse().expect("rounds: a number")).unwrap_or(3);

    let cal = calendar();
    let rule = CountingRule::default();
    let from = Utc.with_ymd_and_hms(2025, 12, 31, 17, 0, 0).unwrap(); // 2026-01-01 00:00 +07:00
    let span_minutes = (Utc.with_ymd_and_hms(2027, 9, 30, 17, 0, 0).unwrap() - from).num_minutes() as u64;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let inputs_of = |unit: TimeUnit, rng: &mut Rng| -> Pairs {
        (0..pairs)
            .map(|_| (from + chrono::Duration::minutes(rng.below(span_minutes) as i64), limit(rng, unit)))
            .collect()
    };
    // A realistic mix: mostly working days, some calendar days, a few of the rest.
    let mixed: Pairs = {
        let units = [
            TimeUnit::WorkingDays,
            TimeUnit::WorkingDays,
            TimeUnit::WorkingDays,
            TimeUnit::WorkingDays,
            TimeUnit::WorkingDays,
            TimeUnit::WorkingDays,
            TimeUnit::Days,
            TimeUnit::Days,
            TimeUnit::Hours,
            TimeUnit::HalfDays,
            TimeUnit::Months,
        ];
        (0..pairs)
            .map(|_| {
                let unit = rng.one_of(&units);
                (from + chrono::Duration::minutes(rng.below(span_minutes) as i64), limit(&mut rng, unit))
            })
            .collect()
    };
    let mut sets: Vec<(&str, Pairs)> = TimeUnit::ALL.iter().map(|u| (u.as_str(), inputs_of(*u, &mut rng))).collect();
    sets.push(("mixed", mixed));

    println!(
        "due dates on one core: {pairs} pairs per set, best of {rounds} rounds; calendar with {} days off and {} make-up days",
        cal.days_off().count(),
        cal.working_days().count()
    );
    println!("{:<14} {:>14} {:>12} {:>18}", "unit", "due dates/s", "ns each", "per CPU-second");
    let mut checksum: i64 = 0;
    let (mut all_best, mut all_cpu) = (0.0, 0.0);
    for (name, inputs) in &sets {
        let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
        for _ in 0..rounds.max(1) {
            let cpu_start = thread_cpu_time();
            let started = Instant::now();
            let mut sum: i64 = 0;
            for &(at, lim) in inputs {
                sum = sum.wrapping_add(due_at(black_box(&cal), &rule, black_box(at), black_box(lim)).timestamp());
            }
            let secs = started.elapsed().as_secs_f64();
            let cpu = thread_cpu_time().zip(cpu_start).map_or(secs, |(end, start)| (end - start).as_secs_f64());
            checksum = checksum.wrapping_add(black_box(sum));
            best = best.min(secs);
            best_cpu = best_cpu.min(cpu);
        }
        all_best += best;
        all_cpu += best_cpu;
        let n = inputs.len() as f64;
        println!("{name:<14} {:>14.0} {:>12.1} {:>18.0}", n / best, best * 1e9 / n, n / best_cpu);
    }
    let total = sets.iter().map(|(_, i)| i.len()).sum::<usize>() as f64;
    println!(
        "{:<14} {:>14.0} {:>12.1} {:>18.0}",
        "all sets",
        total / all_best,
        all_best * 1e9 / total,
        total / all_cpu
    );
    println!("checksum {checksum}");
}
