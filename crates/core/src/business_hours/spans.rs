//! From wall-clock hours to instants: each day's open span, and the walk over them.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};

use super::{DAY_MINUTES, MAX_HOLIDAY_STRETCH_DAYS, Schedule};

/// The latest instant jiff (and so this module) can place in a time zone (late 9999).
pub(super) fn max_ms() -> i64 {
    Timestamp::MAX.as_millisecond()
}

/// Consecutive days without open time the walk crosses before it gives up (the answer is
/// then `None`). Validation bounds holiday stretches; this adds closed weekdays on both
/// sides and a day a DST gap emptied. Only holiday stretches joined by such an emptied day
/// could exceed it, which validation does not foresee.
const GIVE_UP_AFTER_CLOSED_DAYS: i64 = MAX_HOLIDAY_STRETCH_DAYS + 3 * 7;

/// The open spans `[open, close)` in epoch ms from an instant on, in order and disjoint:
/// each starts no earlier than the instant and the previous span's end, so a span that
/// overlaps the one before (only possible around exotic folds across midnight) is trimmed.
pub(super) struct Spans<'a> {
    schedule: &'a Schedule,
    next_day: Option<Date>,
    floor: i64,
    closed_days: i64,
}

impl<'a> Spans<'a> {
    pub(super) fn new(schedule: &'a Schedule, at: i64) -> Spans<'a> {
        // Start the day before: a span of the previous civil day may still be running.
        let instant = Timestamp::from_millisecond(at.min(max_ms())).unwrap_or(Timestamp::MIN);
        let next_day = schedule.tz.to_datetime(instant).date();
        Spans {
            schedule,
            next_day: Some(next_day.yesterday().unwrap_or(next_day)),
            floor: at,
            closed_days: 0,
        }
    }
}

impl Iterator for Spans<'_> {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        while self.closed_days <= GIVE_UP_AFTER_CLOSED_DAYS {
            let day = self.next_day?;
            self.next_day = day.tomorrow().ok();
            if let Some((open, close)) = day_span(self.schedule, day) {
                let open = open.max(self.floor);
                if open < close {
                    self.floor = close;
                    self.closed_days = 0;
                    return Some((open, close));
                }
            }
            self.closed_days += 1;
        }
        None
    }
}

/// The open span of one civil day, `None` when closed (or emptied by a DST gap).
fn day_span(schedule: &Schedule, day: Date) -> Option<(i64, i64)> {
    if schedule.holidays.contains(&day) {
        return None;
    }
    let weekday = day.weekday().to_monday_zero_offset();
    let shift = schedule.week[usize::try_from(weekday).ok()?]?;
    let tz = &schedule.tz;
    let open = first_reading(tz, wall(day, shift.open))?;
    let close = if shift.close == DAY_MINUTES {
        first_reading(tz, day.tomorrow().ok()?.at(0, 0, 0, 0))?
    } else {
        last_reading(tz, wall(day, shift.close))?
    };
    let (open, close) = (open.as_millisecond(), close.as_millisecond());
    (open < close).then_some((open, close))
}

/// A time of `day` given in minutes after midnight (below 24:00).
fn wall(day: Date, minutes: u16) -> DateTime {
    let (h, m) = (minutes / 60, minutes % 60);
    day.at(h as i8, m as i8, 0, 0)
}

/// The first instant the wall clock reads `wall` or later: in a fold (clocks go back) its
/// first occurrence, in a gap (clocks jump forward) the instant of the jump.
fn first_reading(tz: &TimeZone, wall: DateTime) -> Option<Timestamp> {
    let t = tz.to_ambiguous_timestamp(wall);
    match t.offset() {
        AmbiguousOffset::Gap { .. } => the_jump(tz, t.earlier().ok()?),
        _ => t.earlier().ok(),
    }
}

/// Where a day closing at `wall` ends: after the last instant the wall clock reads a time
/// before `wall`. In a gap that is the jump. In a fold it is the second occurrence of
/// `wall`, since the repeated stretch reads times before it again, unless `wall` is the
/// very start of the fold (02:00 where 02:00–03:00 repeats): the repeat then reads only
/// times from `wall` on, and the day ends at the first occurrence.
fn last_reading(tz: &TimeZone, wall: DateTime) -> Option<Timestamp> {
    let t = tz.to_ambiguous_timestamp(wall);
    match t.offset() {
        AmbiguousOffset::Gap { .. } => the_jump(tz, t.earlier().ok()?),
        AmbiguousOffset::Fold { .. } => {
            let later = t.later().ok()?;
            let just_before = Timestamp::from_millisecond(later.as_millisecond() - 1).ok()?;
            if tz.to_datetime(just_before) < wall {
                Some(later)
            } else {
                t.earlier().ok()
            }
        }
        AmbiguousOffset::Unambiguous { .. } => t.later().ok(),
    }
}

/// For a wall time in a gap, jiff's `earlier()` reads it with the offset after the jump,
/// which is an instant just before the jump; the jump is the next transition from there.
fn the_jump(tz: &TimeZone, before: Timestamp) -> Option<Timestamp> {
    tz.following(before).next().map(|t| t.timestamp())
}
