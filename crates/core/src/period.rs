//! Report periods: a named period (`last-quarter`, `last-30-days`, …) or explicit dates,
//! resolved against "now" (an argument) into a half-open UTC range `[from, to)` of epoch
//! milliseconds. Every report shares these names so the CLI, the API and the UI agree.
//!
//! Dates are whole UTC days; an explicit `to` date is inclusive (the report covers the end of
//! that day), which is how people read "from 2026-07-01 to 2026-09-30".

use serde::Serialize;

const DAY_MS: i64 = 86_400_000;

/// The period names every report accepts, in the order pickers list them.
pub const NAMES: [&str; 10] = [
    "last-quarter",
    "this-quarter",
    "last-month",
    "this-month",
    "last-7-days",
    "last-30-days",
    "last-90-days",
    "last-365-days",
    "this-year",
    "last-year",
];

/// The period reports use when none is given: the last full quarter.
pub const DEFAULT: &str = "last-quarter";

/// A half-open range of time `[from, to)` in epoch milliseconds, on UTC day boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: i64,
    pub to: i64,
}

/// Why a period could not be understood; `field` names the input at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PeriodError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> PeriodError {
    PeriodError {
        field,
        message: message.into(),
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn month_start(y: i64, m: i64) -> i64 {
    // months may run past 12 or below 1: normalise first
    let (y, m) = (y + (m - 1).div_euclid(12), (m - 1).rem_euclid(12) + 1);
    days_from_civil(y, m, 1) * DAY_MS
}

/// Parses `YYYY-MM-DD` into the epoch ms of that day's start (UTC).
pub fn parse_date(text: &str) -> Option<i64> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = t[0..4].parse().ok()?;
    let m: i64 = t[5..7].parse().ok()?;
    let d: i64 = t[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    // reject 2026-02-30: the day must round-trip
    (civil_from_days(days) == (y, m, d)).then_some(days * DAY_MS)
}

/// The UTC date (`YYYY-MM-DD`) of an instant.
pub fn date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The UTC month (`YYYY-MM`) of an instant: the bucket of monthly trends.
pub fn month(ms: i64) -> String {
    let (y, m, _) = civil_from_days(ms.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}")
}

impl Period {
    /// The last day the period covers, inclusive (`to` is exclusive).
    pub fn last_date(&self) -> String {
        date(self.to - 1)
    }

    /// The first day, `YYYY-MM-DD`.
    pub fn first_date(&self) -> String {
        date(self.from)
    }

    /// The months the period touches, as (`YYYY-MM`, start, end) clipped to the period.
    pub fn months(&self) -> Vec<(String, i64, i64)> {
        let mut out = Vec::new();
        let (mut y, mut m, _) = civil_from_days(self.from.div_euclid(DAY_MS));
        loop {
            let start = month_start(y, m).max(self.from);
            if start >= self.to {
                break;
            }
            let end = month_start(y, m + 1).min(self.to);
            out.push((format!("{y:04}-{m:02}"), start, end));
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        out
    }
}

/// A named period as of `now` (epoch ms). Quarters and months are calendar ones; "last N
/// days" ends with today (included).
pub fn named(name: &str, now: i64) -> Result<Period, PeriodError> {
    let today = now.div_euclid(DAY_MS);
    let (y, m, _) = civil_from_days(today);
    let q = (m - 1) / 3 * 3 + 1; // first month of this quarter
    let tomorrow = (today + 1) * DAY_MS;
    let days = |n: i64| Period {
        from: (today + 1 - n) * DAY_MS,
        to: tomorrow,
    };
    let p = match name.trim().to_ascii_lowercase().as_str() {
        "last-quarter" => Period {
            from: month_start(y, q - 3),
            to: month_start(y, q),
        },
        "this-quarter" => Period {
            from: month_start(y, q),
            to: tomorrow,
        },
        "last-month" => Period {
            from: month_start(y, m - 1),
            to: month_start(y, m),
        },
        "this-month" => Period {
            from: month_start(y, m),
            to: tomorrow,
        },
        "this-year" => Period {
            from: month_start(y, 1),
            to: tomorrow,
        },
        "last-year" => Period {
            from: month_start(y - 1, 1),
            to: month_start(y, 1),
        },
        "last-7-days" => days(7),
        "last-30-days" => days(30),
        "last-90-days" => days(90),
        "last-365-days" => days(365),
        other => {
            return Err(err(
                "period",
                format!(
                    "unknown period {other:?}: expected one of {}",
                    NAMES.join(", ")
                ),
            ));
        }
    };
    Ok(p)
}

/// The period from the inputs reports take: explicit `from` and `to` dates (both, `to`
/// inclusive) win over a `period` name; with neither, [`DEFAULT`]. Empty strings count as
/// absent (an HTML form sends them).
pub fn resolve(
    period: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<Period, PeriodError> {
    fn present(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    let (period, from, to) = (present(period), present(from), present(to));
    let day = |field: &'static str, text: &str| {
        parse_date(text).ok_or_else(|| {
            err(
                field,
                format!("expected a date as YYYY-MM-DD, got {text:?}"),
            )
        })
    };
    // a malformed date is named before a missing partner, so the error points at the typo
    let from = from.map(|f| day("from", f)).transpose()?;
    let to = to.map(|t| day("to", t)).transpose()?;
    match (from, to) {
        (Some(from), Some(to)) => {
            let to = to + DAY_MS;
            if from >= to {
                return Err(err("to", "the end date is before the start date"));
            }
            Ok(Period { from, to })
        }
        (Some(_), None) => Err(err("to", "give an end date with the start date")),
        (None, Some(_)) => Err(err("from", "give a start date with the end date")),
        (None, None) => named(period.unwrap_or(DEFAULT), now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(date: &str) -> i64 {
        parse_date(date).unwrap()
    }

    #[test]
    fn named_periods_follow_the_calendar() {
        let now = at("2026-11-30") + 5 * 3_600_000;
        let p = named("last-quarter", now).unwrap();
        assert_eq!(
            (p.first_date(), p.last_date()),
            ("2026-07-01".into(), "2026-09-30".into())
        );
        let p = named("this-quarter", now).unwrap();
        assert_eq!(
            (p.first_date(), p.last_date()),
            ("2026-10-01".into(), "2026-11-30".into())
        );
        let p = named("last-month", now).unwrap();
        assert_eq!(
            (p.first_date(), p.last_date()),
            ("2026-10-01".into(), "2026-10-31".into())
        );
        let p = named("last-30-days", now).unwrap();
        assert_eq!(
            (p.first_date(), p.last_date()),
            ("2026-11-01".into(), "2026-11-30".into())
        );
        let jan = at("2026-02-10");
        let p = named("last-quarter", jan).unwrap();
        assert_eq!(
            (p.first_date(), p.last_date()),
            ("2025-10-01".into(), "2025-12-31".into())
        );
        let p = named("last-year", jan).unwrap();
        assert_eq!(
            (p.first_date(), p.last_date()),
            ("2025-01-01".into(), "2025-12-31".into())
        );
        assert_eq!(named("yesterday", now).unwrap_err().field, "period");
    }

    #[test]
    fn explicit_dates_win_and_are_checked() {
        let now = at("2026-11-30");
        let p = resolve(
            Some("last-month"),
            Some("2026-01-01"),
            Some("2026-01-31"),
            now,
        )
        .unwrap();
        assert_eq!(p.from, at("2026-01-01"));
        assert_eq!(p.to, at("2026-02-01"));
        assert_eq!(
            resolve(None, Some("2026-02-30"), Some("2026-03-01"), now)
                .unwrap_err()
                .field,
            "from"
        );
        assert_eq!(
            resolve(None, Some("2026-03-01"), Some("2026-02-01"), now)
                .unwrap_err()
                .field,
            "to"
        );
        assert_eq!(
            resolve(None, Some("2026-03-01"), None, now)
                .unwrap_err()
                .field,
            "to"
        );
        assert_eq!(
            resolve(None, Some("2026-13-01"), None, now)
                .unwrap_err()
                .field,
            "from"
        );
        assert_eq!(
            resolve(None, None, Some("yesterday"), now)
                .unwrap_err()
                .field,
            "to"
        );
        assert_eq!(
            resolve(None, Some(""), Some(""), now).unwrap(),
            named(DEFAULT, now).unwrap()
        );
    }

    #[test]
    fn months_are_clipped_to_the_period() {
        let p = Period {
            from: at("2026-01-15"),
            to: at("2026-03-02"),
        };
        let m = p.months();
        let labels: Vec<&str> = m.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(labels, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(m[0].1, p.from);
        assert_eq!(m[1].1, at("2026-02-01"));
        assert_eq!(m[2].2, p.to);
    }

    proptest! {
        #[test]
        fn dates_round_trip(days in -100_000i64..200_000) {
            let ms = days * DAY_MS;
            prop_assert_eq!(parse_date(&date(ms)), Some(ms));
        }

        #[test]
        fn every_named_period_is_nonempty_and_contains_no_future(now in 0i64..4_000_000_000_000, i in 0usize..NAMES.len()) {
            let p = named(NAMES[i], now).unwrap();
            prop_assert!(p.from < p.to);
            prop_assert!(p.to <= (now.div_euclid(DAY_MS) + 1) * DAY_MS);
            prop_assert_eq!(p.from.rem_euclid(DAY_MS), 0);
        }
    }
}
