//! Progress of a long job as plain stderr lines: done/total, rate and time left.
//!
//! A terminal progress bar disappears when stderr is a file or a pipe, and a 1M-lead demo
//! build runs for many minutes, usually in the background: one line every few seconds tells
//! whoever reads the log how far it got and when it will end, and costs nothing per item.

use std::time::{Duration, Instant};

/// Prints `what: done/total (pct), rate/s, ETA` at most every `every`.
pub struct Progress {
    what: &'static str,
    unit: &'static str,
    total: u64,
    started: Instant,
    last: Instant,
    every: Duration,
}

impl Progress {
    /// A progress line for `total` items of `unit` (e.g. "leads"), printed every 10 s.
    pub fn new(what: &'static str, unit: &'static str, total: u64) -> Progress {
        let now = Instant::now();
        Progress {
            what,
            unit,
            total,
            started: now,
            last: now,
            every: Duration::from_secs(10),
        }
    }

    /// Reports that `done` items are finished; prints a line when the interval has passed.
    pub fn set(&mut self, done: u64) {
        if self.last.elapsed() < self.every {
            return;
        }
        self.last = Instant::now();
        eprintln!("{}", self.line(done, self.started.elapsed().as_secs_f64()));
    }

    /// Prints the closing line with the total time.
    pub fn finish(&self, done: u64) {
        let secs = self.started.elapsed().as_secs_f64();
        eprintln!(
            "{}: {done} {} in {} ({:.0} {}/s)",
            self.what,
            self.unit,
            clock(secs),
            done as f64 / secs.max(1e-9),
            self.unit
        );
    }

    /// Seconds since the start.
    pub fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn line(&self, done: u64, secs: f64) -> String {
        let rate = done as f64 / secs.max(1e-9);
        let left = self.total.saturating_sub(done) as f64;
        let eta = if rate > 0.0 {
            clock(left / rate)
        } else {
            "?".into()
        };
        let pct = 100.0 * done as f64 / self.total.max(1) as f64;
        format!(
            "{}: {done}/{} {} ({pct:.1} %), {rate:.0} {}/s, {} elapsed, ETA {eta}",
            self.what,
            self.total,
            self.unit,
            self.unit,
            clock(secs)
        )
    }
}

/// `h:mm:ss` or `m:ss`.
fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_shows_share_rate_and_time_left() {
        let p = Progress::new("demo", "leads", 1_000);
        // 250 of 1,000 in 50 s: 5 per second, 750 left = 150 s.
        assert_eq!(
            p.line(250, 50.0),
            "demo: 250/1000 leads (25.0 %), 5 leads/s, 0:50 elapsed, ETA 2:30"
        );
        assert!(p.line(0, 0.0).ends_with("ETA ?"));
    }

    #[test]
    fn clock_switches_to_hours_after_an_hour() {
        assert_eq!(clock(59.4), "0:59");
        assert_eq!(clock(3_725.0), "1:02:05");
    }
}
