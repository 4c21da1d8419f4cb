//! Business hours: when a team is open, and deadlines counted in open time only.
//!
//! Sales SLAs are promises in business hours ("accept within 4 business hours"): a lead
//! arriving Friday 16:00 at a team open 09:00–17:00 is due Monday 12:00, not Friday 20:00.
//! A [`Calendar`] is the team's configuration as written in `leadline.toml` or sent as JSON;
//! [`Calendar::validate`] turns it into a [`Schedule`] that does the arithmetic. Times are
//! epoch milliseconds, like everywhere else in Leadline; nothing here reads a clock.
//!
//! Opening hours are wall-clock times in the calendar's time zone, so a day is not always
//! as long as its hours say. The rule, applied the same way to every DST change:
//! **a day is open from the first instant the wall clock reads its opening time (or later)
//! until the last instant it reads a time before its closing time.** So
//! - in a gap (clocks jump forward), an opening or closing time that does not exist on the
//!   wall moves to the instant of the jump: 09:00–17:00 loses the skipped hour only if the
//!   jump falls inside 09:00–17:00, and a day opening at 02:30 in a 02:00→03:00 gap opens
//!   at 03:00;
//! - in a fold (clocks go back), a day opens at the first occurrence of its opening time
//!   and runs while the clock reads earlier than its closing time, so it works the repeated
//!   hour when that falls inside its hours (01:00–02:30 where 02:00–03:00 repeats is 2.5
//!   hours; 00:45–02:00 closes at the first 02:00, as the repeat reads 02:00 and later);
//! - a closing time of `24:00` is the first instant of the next day (the start of that
//!   day, wherever its midnight falls), so `00:00-24:00` is the whole day, 23 or 25 hours
//!   on DST days, and overnight shifts are written as two days: `22:00-24:00` and
//!   `00:00-06:00`.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

mod spans;

use spans::Spans;

/// One hour in milliseconds, for writing SLAs: `4 * HOUR_MS`.
pub const HOUR_MS: i64 = 3_600_000;

/// The longest stretch of consecutive holidays (first to last, in days) a calendar may
/// close on its open days. It bounds every search for the next open minute: without it a
/// calendar that is never open again would have the arithmetic walk to the year 9999.
pub const MAX_HOLIDAY_STRETCH_DAYS: i64 = 366;

const DAY_MINUTES: u16 = 24 * 60;
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A team's business hours as configured: a time zone, weekly hours and holidays.
///
/// Kept as the user wrote it (strings) so that [`Calendar::validate`] can point at the
/// field that is wrong; the arithmetic lives on the [`Schedule`] it returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Calendar {
    /// An IANA time zone name (`Europe/Berlin`), read from the system's time-zone database.
    pub time_zone: String,
    /// Opening hours per weekday. When given, days left out are closed.
    pub hours: WeeklyHours,
    /// Dates (`YYYY-MM-DD`, in the calendar's time zone) on which the team is closed.
    pub holidays: Vec<String>,
}

/// Opening hours per weekday, each `"HH:MM-HH:MM"` (`"09:00-17:00"`, close up to `24:00`)
/// or absent for a closed day. One span per day: no lunch breaks, no overnight shifts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklyHours {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuesday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wednesday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thursday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saturday: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sunday: Option<String>,
}

impl WeeklyHours {
    /// The same hours every day of the week (`None` for a team that is never open, which
    /// does not validate, but is a convenient start).
    pub fn every_day(hours: Option<&str>) -> WeeklyHours {
        let h = || hours.map(str::to_owned);
        WeeklyHours {
            monday: h(),
            tuesday: h(),
            wednesday: h(),
            thursday: h(),
            friday: h(),
            saturday: h(),
            sunday: h(),
        }
    }

    fn days(&self) -> [&Option<String>; 7] {
        [
            &self.monday,
            &self.tuesday,
            &self.wednesday,
            &self.thursday,
            &self.friday,
            &self.saturday,
            &self.sunday,
        ]
    }
}

impl Default for Calendar {
    /// Monday to Friday 09:00–17:00 UTC, no holidays: what most teams mean before they say.
    fn default() -> Calendar {
        Calendar {
            time_zone: "UTC".to_owned(),
            hours: WeeklyHours {
                saturday: None,
                sunday: None,
                ..WeeklyHours::every_day(Some("09:00-17:00"))
            },
            holidays: Vec::new(),
        }
    }
}

/// What is wrong with a [`Calendar`], naming the field ([`CalendarError::field`]) and what
/// was expected, so the settings page and `leadline.toml` errors can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "time_zone: unknown time zone {0:?}; use an IANA name such as \"Europe/Berlin\" or \"UTC\""
    )]
    UnknownTimeZone(String),
    #[error(
        "hours.{day}: expected \"HH:MM-HH:MM\" between 00:00 and 24:00, such as \"09:00-17:00\", got {value:?}"
    )]
    BadHours { day: &'static str, value: String },
    #[error(
        "hours.{day}: {value:?} does not close after it opens; hours stay within one day, so split an overnight shift at 24:00 (\"22:00-24:00\", then \"00:00-06:00\" the next day)"
    )]
    ClosesBeforeOpening { day: &'static str, value: String },
    #[error("hours: no day is open; give at least one, such as monday = \"09:00-17:00\"")]
    NeverOpen,
    #[error("holidays[{index}]: expected a date \"YYYY-MM-DD\", got {value:?}")]
    BadHoliday { index: usize, value: String },
    #[error(
        "holidays: {first} to {last} closes every open day for more than {MAX_HOLIDAY_STRETCH_DAYS} days in a row; a calendar must open at least once a year"
    )]
    ClosedTooLong { first: Date, last: Date },
}

impl CalendarError {
    /// The configuration field at fault: `time_zone`, `hours.monday`, `holidays[2]`, …
    pub fn field(&self) -> String {
        match self {
            CalendarError::UnknownTimeZone(_) => "time_zone".to_owned(),
            CalendarError::BadHours { day, .. }
            | CalendarError::ClosesBeforeOpening { day, .. } => {
                format!("hours.{day}")
            }
            CalendarError::NeverOpen => "hours".to_owned(),
            CalendarError::BadHoliday { index, .. } => format!("holidays[{index}]"),
            CalendarError::ClosedTooLong { .. } => "holidays".to_owned(),
        }
    }
}

/// Opening and closing time of a day, in minutes after midnight (`close` up to 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shift {
    open: u16,
    close: u16,
}

/// A validated [`Calendar`]: answers "is the team open?" and "when is this due?".
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: TimeZone,
    /// Monday first.
    week: [Option<Shift>; 7],
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// Checks the calendar and prepares it for arithmetic. Reads the time zone from the
    /// system's time-zone database (jiff caches it); no other I/O.
    pub fn validate(&self) -> Result<Schedule, CalendarError> {
        let tz = TimeZone::get(self.time_zone.trim())
            .map_err(|_| CalendarError::UnknownTimeZone(self.time_zone.clone()))?;
        let mut week = [None; 7];
        for (i, value) in self.hours.days().into_iter().enumerate() {
            if let Some(value) = value {
                week[i] = Some(parse_shift(WEEKDAYS[i], value)?);
            }
        }
        if week.iter().all(Option::is_none) {
            return Err(CalendarError::NeverOpen);
        }
        let mut holidays = BTreeSet::new();
        for (index, value) in self.holidays.iter().enumerate() {
            let date = value
                .trim()
                .parse::<Date>()
                .map_err(|_| CalendarError::BadHoliday {
                    index,
                    value: value.clone(),
                })?;
            holidays.insert(date);
        }
        check_holiday_stretches(&week, &holidays)?;
        Ok(Schedule { tz, week, holidays })
    }
}

fn parse_shift(day: &'static str, value: &str) -> Result<Shift, CalendarError> {
    let bad = || CalendarError::BadHours {
        day,
        value: value.to_owned(),
    };
    let (open, close) = value.split_once('-').ok_or_else(bad)?;
    let open = parse_hhmm(open)
        .filter(|&m| m < DAY_MINUTES)
        .ok_or_else(bad)?;
    let close = parse_hhmm(close).ok_or_else(bad)?;
    if open >= close {
        return Err(CalendarError::ClosesBeforeOpening {
            day,
            value: value.to_owned(),
        });
    }
    Ok(Shift { open, close })
}

/// `"HH:MM"` (or `"H:MM"`) as minutes after midnight, `24:00` included.
fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let digits = |s: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(h, 1..=2) || !digits(m, 2..=2) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h * 60 + m;
    (m < 60 && minutes <= DAY_MINUTES).then_some(minutes)
}

/// Rejects holidays that close every open weekday for more than
/// [`MAX_HOLIDAY_STRETCH_DAYS`]: a stretch continues from one holiday to the next while no
/// open weekday lies between them.
fn check_holiday_stretches(
    week: &[Option<Shift>; 7],
    holidays: &BTreeSet<Date>,
) -> Result<(), CalendarError> {
    let mut stretch: Option<(Date, Date)> = None;
    for &day in holidays {
        let first = match stretch {
            Some((first, last)) if !open_weekday_between(week, last, day) => first,
            _ => day,
        };
        if days_between(first, day) > MAX_HOLIDAY_STRETCH_DAYS {
            return Err(CalendarError::ClosedTooLong { first, last: day });
        }
        stretch = Some((first, day));
    }
    Ok(())
}

/// Whether a weekday with hours falls strictly between `a` and `b` (`a < b`).
fn open_weekday_between(week: &[Option<Shift>; 7], a: Date, b: Date) -> bool {
    let inside = days_between(a, b) - 1;
    let monday_offset = i64::from(a.weekday().to_monday_zero_offset());
    // A validated week has an open day, so a full week in between always has one.
    inside >= 7 || (1..=inside).any(|i| week[((monday_offset + i) % 7) as usize].is_some())
}

fn days_between(a: Date, b: Date) -> i64 {
    b.duration_since(a).as_secs() / 86_400
}

impl Schedule {
    /// Whether the team is open at `at`.
    pub fn is_open(&self, at: i64) -> bool {
        self.spans_from(at)
            .next()
            .is_some_and(|(start, _)| start == at)
    }

    /// The first open instant at or after `at` (`at` itself when open); `None` when there
    /// is none before the year 9999, where jiff's range ends.
    pub fn next_open(&self, at: i64) -> Option<i64> {
        self.spans_from(at).next().map(|(start, _)| start)
    }

    /// The deadline `business_ms` of open time after `start`: the earliest instant `t` with
    /// `between(start, t) == business_ms`. Time before the next opening does not count, so
    /// a lead arriving on Saturday counts from Monday's opening, and a deadline can be a
    /// closing instant (Friday 16:00 + 1 h is Friday 17:00, not Monday 09:00).
    /// `business_ms <= 0` is `start`. `None` when the deadline lies past the year 9999.
    ///
    /// The cost is one step per calendar day up to the deadline.
    pub fn add(&self, start: i64, business_ms: i64) -> Option<i64> {
        if business_ms <= 0 {
            return Some(start);
        }
        // Open time never outruns wall time: skip the walk when the end is out of reach.
        if business_ms > spans::max_ms().saturating_sub(start) {
            return None;
        }
        let mut left = business_ms;
        for (open, close) in self.spans_from(start) {
            if left <= close - open {
                return Some(open + left);
            }
            left -= close - open;
        }
        None
    }

    /// Open milliseconds in `[a, b)`; 0 when `b <= a`. The cost is one step per calendar
    /// day in the range.
    pub fn between(&self, a: i64, b: i64) -> i64 {
        let mut total = 0;
        for (open, close) in self.spans_from(a) {
            if open >= b {
                break;
            }
            total += close.min(b) - open;
        }
        total
    }

    /// The time zone the hours are read in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    fn spans_from(&self, at: i64) -> Spans<'_> {
        Spans::new(self, at)
    }
}

#[cfg(test)]
mod config_tests;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
