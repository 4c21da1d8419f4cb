//! Invariants of the arithmetic over random calendars in five zones, starts from 1970 to
//! 2100 (half of them just before a DST change) and durations up to years of open time;
//! and a minute-by-minute check against the wall clock.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use proptest::prelude::*;

use super::*;

const ZONES: [&str; 5] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
];
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// 1970-01-01 to 2100-01-01.
const UNTIL_2100_MS: i64 = 4_102_444_800_000;

/// One random calendar and a start in it.
#[derive(Debug, Clone)]
struct Case {
    schedule: Schedule,
    /// Minutes after midnight per weekday, Monday first; close up to 1440.
    week: [Option<(u16, u16)>; 7],
    holidays: Vec<Date>,
    start: i64,
}

fn day_hours() -> impl Strategy<Value = Option<(u16, u16)>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some((0, 1440))),
        // Quarter hours hit the DST changes at 02:00, 02:30 and 03:00 often.
        4 => (0u16..96, 1u16..=96).prop_map(|(o, len)| Some((o * 15, (o * 15 + len * 15).min(1440)))),
        2 => (0u16..1440, 1u16..=1440).prop_map(|(o, len)| Some((o, (o + len).min(1440)))),
    ]
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Up to two hours between 00:00 and 04:45 in quarter hours: where the DST changes of the test
/// zones put their gaps and folds.
fn night_hours() -> impl Strategy<Value = (u16, u16)> {
    (0u16..12, 1u16..=8).prop_map(|(o, len)| (o * 15, o * 15 + len * 15))
}

/// A calendar, a start anywhere in 1970–2100 or (3 in 4) up to three days before a DST change
/// (that day then open at night, across the change), and up to six holidays in the two
/// months after the start.
fn case() -> impl Strategy<Value = Case> {
    let week = prop::array::uniform7(day_hours());
    let holidays = prop::collection::vec(0i64..60, 0..6);
    let start = (
        0..UNTIL_2100_MS,
        prop::bool::weighted(0.75),
        0..3 * DAY_MS,
        night_hours(),
    );
    (0..ZONES.len(), week, holidays, start).prop_map(|(zone, mut week, offsets, start)| {
        let tz = jiff::tz::TimeZone::get(ZONES[zone]).unwrap();
        let (anywhere, near_dst, before, night) = start;
        let instant = Timestamp::from_millisecond(anywhere).unwrap();
        let start = match tz.following(instant).next() {
            Some(change) if near_dst => {
                let day = tz.to_datetime(change.timestamp()).date();
                week[day.weekday().to_monday_zero_offset() as usize] = Some(night);
                change.timestamp().as_millisecond() - before
            }
            _ => anywhere,
        };
        if week.iter().all(Option::is_none) {
            week[0] = Some((9 * 60, 17 * 60));
        }
        let first = tz
            .to_datetime(Timestamp::from_millisecond(start).unwrap())
            .date();
        let holidays: Vec<Date> = offsets
            .iter()
            .map(|&d| first + jiff::Span::new().days(d))
            .collect();
        let days = week.map(|d| d.map(|(o, c)| format!("{}-{}", hhmm(o), hhmm(c))));
        let [
            monday,
            tuesday,
            wednesday,
            thursday,
            friday,
            saturday,
            sunday,
        ] = days;
        let calendar = Calendar {
            time_zone: ZONES[zone].to_owned(),
            hours: WeeklyHours {
                monday,
                tuesday,
                wednesday,
                thursday,
                friday,
                saturday,
                sunday,
            },
            holidays: holidays.iter().map(Date::to_string).collect(),
        };
        let schedule = calendar.validate().unwrap();
        Case {
            schedule,
            week,
            holidays,
            start,
        }
    })
}

/// Business time: mostly up to a quarter of open time, sometimes up to ten years of it.
fn duration() -> impl Strategy<Value = i64> {
    prop_oneof![
        1 => Just(0i64),
        6 => 1..500 * HOUR_MS,
        2 => 1..20_000 * HOUR_MS,
    ]
}

/// Open per the wall clock, minute by minute from `from` to `to` (whole minutes): a minute
/// is open when its day is open and its wall time is within the hours; a day's span then
/// runs from its first open minute to its last, which is the documented rule in a fold.
fn wall_clock_open_minutes(case: &Case, from: i64, to: i64) -> Vec<bool> {
    let tz = case.schedule.time_zone();
    let pad = 2 * DAY_MS;
    let mut spans: BTreeMap<Date, (i64, i64)> = BTreeMap::new();
    for t in (from - pad..to + pad).step_by(MINUTE_MS as usize) {
        let wall = tz.to_datetime(Timestamp::from_millisecond(t).unwrap());
        let day = wall.date();
        let minute = i32::from(wall.hour()) * 60 + i32::from(wall.minute());
        let hours = case.week[day.weekday().to_monday_zero_offset() as usize];
        let open = hours.is_some_and(|(o, c)| i32::from(o) <= minute && minute < i32::from(c));
        if open && !case.holidays.contains(&day) {
            let span = spans.entry(day).or_insert((t, t));
            span.1 = t;
        }
    }
    (from..to)
        .step_by(MINUTE_MS as usize)
        .map(|t| spans.values().any(|&(first, last)| first <= t && t <= last))
        .collect()
}

proptest! {
    #[test]
    fn the_open_time_until_a_deadline_is_the_duration(case in case(), d in duration()) {
        let s = &case.schedule;
        let due = s.add(case.start, d).unwrap();
        prop_assert!(due >= case.start);
        prop_assert_eq!(s.between(case.start, due), d);
    }

    /// A deadline is the earliest instant with enough open time, so for `d > 0` the
    /// millisecond before it is open: a deadline is inside open hours or at a closing
    /// instant, never later in closed time. `d == 0` is the start itself, open or not.
    #[test]
    fn a_deadline_is_the_first_instant_with_enough_open_time(case in case(), d in duration()) {
        let s = &case.schedule;
        let due = s.add(case.start, d).unwrap();
        if d == 0 {
            prop_assert_eq!(due, case.start);
        } else {
            prop_assert!(s.is_open(due - 1));
            prop_assert_eq!(s.between(case.start, due - 1), d - 1);
        }
    }

    /// The deadline for the open time until `t` is `t` when the millisecond before `t`
    /// is open, else the closing instant before `t`: never later than `t`.
    #[test]
    fn the_deadline_for_the_open_time_until_an_instant_is_no_later(
        case in case(), x in 0..30 * DAY_MS,
    ) {
        let s = &case.schedule;
        let t = case.start + x;
        let due = s.add(case.start, s.between(case.start, t)).unwrap();
        prop_assert!(due <= t);
        prop_assert_eq!(due == t, x == 0 || s.is_open(t - 1));
    }

    #[test]
    fn deadlines_grow_with_the_duration_and_compose(
        case in case(), a in duration(), b in duration(),
    ) {
        let s = &case.schedule;
        let first = s.add(case.start, a).unwrap();
        let both = s.add(case.start, a + b).unwrap();
        prop_assert!(first <= both);
        prop_assert_eq!(s.add(first, b), Some(both));
    }

    #[test]
    fn open_time_adds_up_over_a_split_and_never_exceeds_wall_time(
        case in case(), x in 0..40 * DAY_MS, y in 0..400 * DAY_MS,
    ) {
        let s = &case.schedule;
        let (a, m, b) = (case.start, case.start + x, case.start + x + y);
        let whole = s.between(a, b);
        prop_assert_eq!(whole, s.between(a, m) + s.between(m, b));
        prop_assert!((0..=b - a).contains(&whole));
        prop_assert_eq!(s.between(b + 1, a), 0);
    }

    #[test]
    fn open_is_one_millisecond_of_open_time_and_next_open_is_the_first(
        case in case(), x in -DAY_MS..3 * DAY_MS,
    ) {
        let s = &case.schedule;
        let t = case.start + x;
        prop_assert_eq!(s.is_open(t), s.between(t, t + 1) == 1);
        let next = s.next_open(t).unwrap();
        prop_assert!(next >= t && s.is_open(next));
        prop_assert_eq!(s.between(t, next), 0);
        prop_assert_eq!(s.is_open(t), next == t);
    }

    #[test]
    fn validation_never_panics(
        zone in prop_oneof![Just("Europe/Berlin".to_owned()), "\\PC{0,20}"],
        hours in prop_oneof!["[0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2}", "\\PC{0,14}"],
        holiday in prop_oneof!["[0-9]{4}-[0-9]{2}-[0-9]{2}", "\\PC{0,12}"],
    ) {
        let calendar = Calendar {
            time_zone: zone,
            hours: WeeklyHours::every_day(Some(&hours)),
            holidays: vec![holiday],
        };
        if let Ok(s) = calendar.validate() {
            prop_assert!(s.week.iter().flatten().all(|h| h.open < h.close && h.close <= 1440));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Checked against the wall clock itself (instants to wall times, the opposite way to
    /// the implementation) over three days, half of them around a DST change.
    #[test]
    fn open_minutes_agree_with_the_wall_clock(case in case()) {
        let from = case.start - case.start.rem_euclid(MINUTE_MS);
        let to = from + 3 * DAY_MS;
        let expected = wall_clock_open_minutes(&case, from, to);
        let s = &case.schedule;
        for (i, &open) in expected.iter().enumerate() {
            let t = from + i as i64 * MINUTE_MS;
            prop_assert_eq!(s.is_open(t), open, "at {}", Timestamp::from_millisecond(t).unwrap());
        }
        let open_minutes = expected.iter().filter(|&&open| open).count() as i64;
        prop_assert_eq!(s.between(from, to), open_minutes * MINUTE_MS);
    }
}
