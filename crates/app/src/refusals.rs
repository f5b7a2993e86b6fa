//! How many refused payment confirmations are logged. Anyone can call the confirmation address
//! without signing in, and each refusal is worth a line of the payment log for the
//! reconciliation: a flood must not fill the disk nor bury the lines that matter. Each source
//! address has its first [`RefusalLog::FULL_PER_MINUTE`] refusals of a minute logged in full;
//! the rest of that minute is counted, and written as one summary line once the minute is over.
//! Pure bookkeeping, the clock given by the caller, so that the rule can be tested without
//! waiting.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Refusals of one source in one minute.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    minute: i64,
    logged: u32,
    counted: u64,
}

/// The refusals over the threshold of one source in one minute, to be written as one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The source address ([`RefusalLog::OTHER_SOURCES`] when too many were seen that minute).
    pub source: String,
    /// The end of the minute counted.
    pub until: DateTime<Utc>,
    /// How many refusals were not logged in full.
    pub more: u64,
}

impl Summary {
    /// The log line, in the log's language (English, like the rest of the operators' log).
    pub fn line(&self) -> String {
        format!("{} more refused confirmations from {}", self.more, self.source)
    }
}

/// Refusals per source address and minute; see the module's documentation.
#[derive(Default)]
pub struct RefusalLog {
    inner: Mutex<State>,
}

#[derive(Default)]
struct State {
    windows: HashMap<String, Window>,
    /// The minute whose ended windows were last swept out.
    swept: i64,
}

fn minute_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

fn end_of(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(minute.saturating_add(1).saturating_mul(60), 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl RefusalLog {
    /// Refusals logged in full per source address and minute.
    pub const FULL_PER_MINUTE: u32 = 20;
    /// Sources followed one by one within a minute; past them, addresses share one count (so
    /// that many addresses cannot grow the table without bound).
    pub const MAX_SOURCES: usize = 10_000;
    /// The name of the shared count.
    pub const OTHER_SOURCES: &'static str = "other addresses";

    /// Records a refusal from `source` at `now`: whether to log it in full, and the summaries of
    /// the minutes that have ended since the last call (of every source), to write now.
    pub fn refused(&self, source: &str, now: DateTime<Utc>) -> (bool, Vec<Summary>) {
        let minute = minute_of(now);
        let mut state = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let ended = state.sweep(minute);
        let key = if state.windows.contains_key(source) || state.windows.len() < Self::MAX_SOURCES {
            source
        } else {
            Self::OTHER_SOURCES
        };
        let w = state.windows.entry(key.to_string()).or_insert(Window { minute, ..Window::default() });
        let full = w.logged < Self::FULL_PER_MINUTE;
        if full {
            w.logged += 1;
        } else {
            w.counted += 1;
        }
        (full, ended)
    }

    /// The summaries of the minutes ended by `now`, taken out: for a timer, so that the last
    /// minute of a flood is written even when nothing follows it.
    pub fn ended(&self, now: DateTime<Utc>) -> Vec<Summary> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).sweep(minute_of(now))
    }
}

impl State {
    /// Takes out the windows of minutes before `minute`, once per minute.
    fn sweep(&mut self, minute: i64) -> Vec<Summary> {
        if minute <= self.swept {
            return Vec::new();
        }
        self.swept = minute;
        let mut out = Vec::new();
        self.windows.retain(|source, w| {
            if w.minute >= minute {
                return true;
            }
            if w.counted > 0 {
                out.push(Summary { source: source.clone(), until: end_of(w.minute), more: w.counted });
            }
            false
        });
        out.sort_by(|a, b| a.source.cmp(&b.source));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_040 + second, 0).unwrap()
    }

    #[test]
    fn past_the_threshold_a_source_is_counted_then_summarised_once_per_minute() {
        let log = RefusalLog::default();
        let n = RefusalLog::FULL_PER_MINUTE as usize;
        let fulls: Vec<bool> = (0..n + 5).map(|i| log.refused("10.0.0.1", at(i as i64 % 20)).0).collect();
        assert!(fulls[..n].iter().all(|f| *f) && fulls[n..].iter().all(|f| !*f), "{fulls:?}");
        // Another source has its own allowance.
        assert_eq!(log.refused("10.0.0.2", at(30)), (true, vec![]));
        assert!(log.ended(at(59)).is_empty(), "the minute is not over");
        // The next minute: its summary comes with the first refusal, once.
        let (full, ended) = log.refused("10.0.0.2", at(61));
        assert!(full, "a new minute, a new allowance");
        assert_eq!(ended, vec![Summary { source: "10.0.0.1".into(), until: at(60), more: 5 }]);
        assert_eq!(ended[0].line(), "5 more refused confirmations from 10.0.0.1");
        assert!(log.refused("10.0.0.1", at(62)).0);
        assert!(log.ended(at(100)).is_empty(), "summarised once");
    }

    #[test]
    fn a_timer_takes_out_the_last_minute_of_a_flood() {
        let log = RefusalLog::default();
        for _ in 0..RefusalLog::FULL_PER_MINUTE + 2 {
            log.refused("::1", at(1));
        }
        assert_eq!(log.ended(at(200)), vec![Summary { source: "::1".into(), until: at(60), more: 2 }]);
        assert!(log.ended(at(300)).is_empty());
    }

    #[test]
    fn many_addresses_share_one_count_past_the_table_size() {
        let log = RefusalLog::default();
        for i in 0..RefusalLog::MAX_SOURCES {
            log.refused(&format!("a{i}"), at(0));
        }
        for i in 0..RefusalLog::FULL_PER_MINUTE + 3 {
            log.refused(&format!("b{i}"), at(0));
        }
        let ended = log.ended(at(60));
        assert_eq!(ended, vec![Summary { source: RefusalLog::OTHER_SOURCES.into(), until: at(60), more: 3 }]);
    }
}
