//! A minimal reading of period names (`last-quarter`, …) and days for the funnel reports.
//!
//! Stand-in: another module (`core::period`) owns period names for every report; when it is
//! merged, [`resolve`] and [`day`] are meant to be swapped for it. Periods are UTC, half-open
//! in spirit but returned as inclusive epoch-ms bounds `(from, to)`.

use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The names [`resolve`] understands, for error messages.
pub const NAMES: &str = "last-7-days, last-30-days, last-90-days, last-365-days, this-month, \
                         last-month, this-quarter, last-quarter, this-year, last-year";

const DAY_MS: i64 = 86_400_000;

fn start_ms(d: Date) -> Option<i64> {
    d.to_zoned_datetime(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// `(from, to)` in epoch ms for a period name as of `now`; `None` for an unknown name.
/// Calendar periods run from the first day's start to the last day's end, or to `now` for the
/// running one (`this-month`, …).
pub fn resolve(name: &str, now: i64) -> Option<(i64, i64)> {
    let today = TimeZone::UTC
        .to_datetime(jiff::Timestamp::from_millisecond(now).ok()?)
        .date();
    let name = name.trim().to_ascii_lowercase();
    if let Some(days) = name
        .strip_prefix("last-")
        .and_then(|r| r.strip_suffix("-days"))
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| [7, 30, 90, 365].contains(d))
    {
        return Some((now - days * DAY_MS, now));
    }
    let month_start = today.first_of_month();
    let quarter_start = Date::new(today.year(), (today.month() - 1) / 3 * 3 + 1, 1).ok()?;
    let year_start = Date::new(today.year(), 1, 1).ok()?;
    let (from, next) = match name.as_str() {
        "this-month" => return Some((start_ms(month_start)?, now)),
        "this-quarter" => return Some((start_ms(quarter_start)?, now)),
        "this-year" => return Some((start_ms(year_start)?, now)),
        "last-month" => (
            month_start.checked_sub(jiff::Span::new().months(1)).ok()?,
            month_start,
        ),
        "last-quarter" => (
            quarter_start
                .checked_sub(jiff::Span::new().months(3))
                .ok()?,
            quarter_start,
        ),
        "last-year" => (
            year_start.checked_sub(jiff::Span::new().years(1)).ok()?,
            year_start,
        ),
        _ => return None,
    };
    Some((start_ms(from)?, start_ms(next)? - 1))
}

/// A day `YYYY-MM-DD` as epoch ms: its first millisecond, or its last when `end`.
pub fn day(text: &str, end: bool) -> Option<i64> {
    let d: Date = text.trim().parse().ok()?;
    let start = start_ms(d)?;
    Some(if end { start + DAY_MS - 1 } else { start })
}
