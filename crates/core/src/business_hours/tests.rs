//! Examples a user would check by hand, and DST days in six zones.

use super::*;

const MINUTE_MS: i64 = 60_000;

fn schedule(tz: &str, hours: WeeklyHours, holidays: &[&str]) -> Schedule {
    let calendar = Calendar {
        time_zone: tz.to_owned(),
        hours,
        holidays: holidays.iter().map(|h| (*h).to_owned()).collect(),
    };
    calendar.validate().unwrap()
}

/// Monday to Friday with the same hours, weekend closed.
fn weekdays(tz: &str, hours: &str, holidays: &[&str]) -> Schedule {
    let week = WeeklyHours {
        saturday: None,
        sunday: None,
        ..WeeklyHours::every_day(Some(hours))
    };
    schedule(tz, week, holidays)
}

/// Open on Sundays only: the DST changes of all three DST zones here fall on a Sunday.
fn sundays(tz: &str, hours: &str) -> Schedule {
    let week = WeeklyHours {
        sunday: Some(hours.to_owned()),
        ..WeeklyHours::every_day(None)
    };
    schedule(tz, week, &[])
}

/// A wall-clock time (`2026-11-20 16:00`) in the schedule's zone as epoch ms.
pub(super) fn at(s: &Schedule, wall: &str) -> i64 {
    let dt: jiff::civil::DateTime = wall.parse().unwrap();
    let t = s
        .time_zone()
        .to_ambiguous_timestamp(dt)
        .compatible()
        .unwrap();
    t.as_millisecond()
}

/// Epoch ms on the schedule's wall clock with its offset: `Mon 2026-11-23 12:00 +01:00`.
fn show(s: &Schedule, ms: Option<i64>) -> String {
    let t = jiff::Timestamp::from_millisecond(ms.expect("an instant")).unwrap();
    let zoned = t.to_zoned_datetime(s.time_zone().clone());
    zoned.strftime("%a %Y-%m-%d %H:%M %:z").to_string()
}

/// Open minutes on `date`, from noon the day before to noon the day after: the day's
/// hours when its neighbours are closed.
fn minutes_open_on(s: &Schedule, date: &str) -> i64 {
    let day: jiff::civil::Date = date.parse().unwrap();
    let (before, after) = (day.yesterday().unwrap(), day.tomorrow().unwrap());
    let from = at(s, &format!("{before} 12:00"));
    s.between(from, at(s, &format!("{after} 12:00"))) / MINUTE_MS
}

#[test]
fn a_lead_arriving_friday_at_four_is_due_monday_at_noon() {
    let s = Calendar::default().validate().unwrap();
    let friday = at(&s, "2026-11-20 16:00");
    assert_eq!(show(&s, Some(friday)), "Fri 2026-11-20 16:00 +00:00");
    let due = s.add(friday, 4 * HOUR_MS);
    assert_eq!(show(&s, due), "Mon 2026-11-23 12:00 +00:00");
    assert_eq!(s.between(friday, due.unwrap()), 4 * HOUR_MS);
}

#[test]
fn a_lead_arriving_on_saturday_counts_from_monday_opening() {
    let s = Calendar::default().validate().unwrap();
    let saturday = at(&s, "2026-11-21 10:00");
    assert!(!s.is_open(saturday));
    assert_eq!(
        show(&s, s.next_open(saturday)),
        "Mon 2026-11-23 09:00 +00:00"
    );
    assert_eq!(
        show(&s, s.add(saturday, 4 * HOUR_MS)),
        "Mon 2026-11-23 13:00 +00:00"
    );
    assert_eq!(
        show(&s, s.add(saturday, 8 * HOUR_MS)),
        "Mon 2026-11-23 17:00 +00:00"
    );
    assert_eq!(
        show(&s, s.add(saturday, 9 * HOUR_MS)),
        "Tue 2026-11-24 10:00 +00:00"
    );
}

#[test]
fn a_holiday_monday_moves_the_deadline_to_tuesday() {
    let s = weekdays("Europe/Berlin", "09:00-17:00", &["2026-11-23"]);
    let friday = at(&s, "2026-11-20 16:00");
    assert_eq!(
        show(&s, s.add(friday, 4 * HOUR_MS)),
        "Tue 2026-11-24 12:00 +01:00"
    );
    assert!(!s.is_open(at(&s, "2026-11-23 10:00")));
}

#[test]
fn a_deadline_can_fall_on_a_closing_time_but_not_after_it() {
    let s = Calendar::default().validate().unwrap();
    let friday = at(&s, "2026-11-20 16:00");
    let due = s.add(friday, HOUR_MS);
    assert_eq!(show(&s, due), "Fri 2026-11-20 17:00 +00:00");
    assert!(!s.is_open(due.unwrap()) && s.is_open(due.unwrap() - 1));
    let one_more = s.add(friday, HOUR_MS + 1).unwrap();
    assert_eq!(one_more, at(&s, "2026-11-23 09:00") + 1);
}

#[test]
fn no_business_time_is_due_at_once_even_when_closed() {
    let s = Calendar::default().validate().unwrap();
    let sunday = at(&s, "2026-11-22 03:00");
    assert_eq!(s.add(sunday, 0), Some(sunday));
    assert_eq!(s.add(sunday, -5), Some(sunday));
    assert_eq!(s.between(sunday, sunday - HOUR_MS), 0);
}

#[test]
fn office_hours_in_berlin_keep_eight_hours_on_both_dst_sundays() {
    // 2026-03-29: 02:00 CET -> 03:00 CEST; 2026-10-25: 03:00 CEST -> 02:00 CET.
    let s = sundays("Europe/Berlin", "09:00-17:00");
    assert_eq!(minutes_open_on(&s, "2026-03-29"), 8 * 60);
    assert_eq!(minutes_open_on(&s, "2026-10-25"), 8 * 60);
    assert_eq!(minutes_open_on(&s, "2026-03-22"), 8 * 60);
}

#[test]
fn berlin_hours_across_the_jump_lose_the_skipped_hour_and_work_the_repeated_one() {
    let s = sundays("Europe/Berlin", "01:00-05:00");
    assert_eq!(minutes_open_on(&s, "2026-03-29"), 3 * 60);
    assert_eq!(minutes_open_on(&s, "2026-10-25"), 5 * 60);
    let whole_day = sundays("Europe/Berlin", "00:00-24:00");
    assert_eq!(minutes_open_on(&whole_day, "2026-03-29"), 23 * 60);
    assert_eq!(minutes_open_on(&whole_day, "2026-10-25"), 25 * 60);
}

#[test]
fn an_opening_time_the_clock_skips_opens_at_the_jump() {
    let s = sundays("Europe/Berlin", "02:30-05:00");
    let saturday = at(&s, "2026-03-28 12:00");
    assert_eq!(
        show(&s, s.next_open(saturday)),
        "Sun 2026-03-29 03:00 +02:00"
    );
    assert_eq!(minutes_open_on(&s, "2026-03-29"), 2 * 60);
    // A closing time the clock skips closes at the jump.
    let s = sundays("Europe/Berlin", "01:00-02:30");
    assert_eq!(minutes_open_on(&s, "2026-03-29"), 60);
}

#[test]
fn in_a_fold_the_day_opens_at_the_first_reading_and_works_the_repeated_hour() {
    let s = sundays("Europe/Berlin", "01:00-02:30");
    let saturday = at(&s, "2026-10-24 12:00");
    assert_eq!(
        show(&s, s.next_open(saturday)),
        "Sun 2026-10-25 01:00 +02:00"
    );
    assert_eq!(minutes_open_on(&s, "2026-10-25"), 150);
    // Closing at the start of the repeated hour: the repeat never reads before 02:00.
    let s = sundays("Europe/Berlin", "00:45-02:00");
    assert_eq!(minutes_open_on(&s, "2026-10-25"), 75);
    let s = sundays("Europe/Berlin", "00:45-02:01");
    assert_eq!(minutes_open_on(&s, "2026-10-25"), 136);
    // Both inside the repeated hour: one span from the first 02:15 to the second 02:45.
    let s = sundays("Europe/Berlin", "02:15-02:45");
    assert_eq!(
        show(&s, s.next_open(saturday)),
        "Sun 2026-10-25 02:15 +02:00"
    );
    assert_eq!(minutes_open_on(&s, "2026-10-25"), 90);
}

#[test]
fn a_day_whose_hours_the_clock_skips_entirely_is_closed() {
    let s = sundays("Europe/Berlin", "02:15-02:45");
    let saturday = at(&s, "2026-03-28 12:00");
    assert_eq!(minutes_open_on(&s, "2026-03-29"), 0);
    assert_eq!(
        show(&s, s.next_open(saturday)),
        "Sun 2026-04-05 02:15 +02:00"
    );
}

#[test]
fn new_york_deadlines_over_dst_weekends_count_open_hours_not_wall_hours() {
    // 2026-03-08: 02:00 EST -> 03:00 EDT; 2026-11-01: 02:00 EDT -> 01:00 EST.
    let office = weekdays("America/New_York", "09:00-17:00", &[]);
    let friday = at(&office, "2026-03-06 16:00");
    let due = office.add(friday, 4 * HOUR_MS);
    assert_eq!(show(&office, due), "Mon 2026-03-09 12:00 -04:00");
    let friday = at(&office, "2026-10-30 16:00");
    assert_eq!(
        show(&office, office.add(friday, 4 * HOUR_MS)),
        "Mon 2026-11-02 12:00 -05:00"
    );

    let always = schedule(
        "America/New_York",
        WeeklyHours::every_day(Some("00:00-24:00")),
        &[],
    );
    let saturday = at(&always, "2026-03-07 12:00");
    assert_eq!(
        show(&always, always.add(saturday, 24 * HOUR_MS)),
        "Sun 2026-03-08 13:00 -04:00"
    );
    let saturday = at(&always, "2026-10-31 12:00");
    assert_eq!(
        show(&always, always.add(saturday, 24 * HOUR_MS)),
        "Sun 2026-11-01 11:00 -05:00"
    );

    let night = sundays("America/New_York", "01:00-03:00");
    assert_eq!(minutes_open_on(&night, "2026-03-08"), 60);
    assert_eq!(minutes_open_on(&night, "2026-11-01"), 3 * 60);
}

#[test]
fn lord_howe_shifts_by_half_an_hour() {
    // 2026-04-05: 02:00 +11 -> 01:30 +10:30; 2026-10-04: 02:00 +10:30 -> 02:30 +11.
    let whole_day = sundays("Australia/Lord_Howe", "00:00-24:00");
    assert_eq!(minutes_open_on(&whole_day, "2026-04-05"), 24 * 60 + 30);
    assert_eq!(minutes_open_on(&whole_day, "2026-10-04"), 24 * 60 - 30);
    let night = sundays("Australia/Lord_Howe", "01:00-03:00");
    assert_eq!(minutes_open_on(&night, "2026-04-05"), 150);
    assert_eq!(minutes_open_on(&night, "2026-10-04"), 90);
    let always = schedule(
        "Australia/Lord_Howe",
        WeeklyHours::every_day(Some("00:00-24:00")),
        &[],
    );
    let saturday = at(&always, "2026-10-03 12:00");
    assert_eq!(
        show(&always, always.add(saturday, 24 * HOUR_MS)),
        "Sun 2026-10-04 12:30 +11:00"
    );
}

#[test]
fn a_24_00_close_is_the_first_midnight_and_a_skipped_midnight_opens_at_the_jump() {
    // Havana changes at midnight: 2026-03-08 00:00 -> 01:00; 2026-11-01 01:00 -> 00:00.
    let saturdays = schedule(
        "America/Havana",
        WeeklyHours {
            saturday: Some("00:00-24:00".into()),
            ..WeeklyHours::every_day(None)
        },
        &[],
    );
    assert_eq!(minutes_open_on(&saturdays, "2026-03-07"), 24 * 60);
    assert_eq!(minutes_open_on(&saturdays, "2026-10-31"), 24 * 60);
    let s = sundays("America/Havana", "00:00-24:00");
    assert_eq!(minutes_open_on(&s, "2026-03-08"), 23 * 60);
    assert_eq!(minutes_open_on(&s, "2026-11-01"), 25 * 60);
    assert_eq!(
        show(&s, s.next_open(at(&s, "2026-03-07 12:00"))),
        "Sun 2026-03-08 01:00 -04:00"
    );
    assert_eq!(
        show(&s, s.next_open(at(&s, "2026-10-31 12:00"))),
        "Sun 2026-11-01 00:00 -04:00"
    );
}

#[test]
fn kolkata_office_hours_are_utc_plus_five_and_a_half() {
    let s = weekdays("Asia/Kolkata", "09:00-17:00", &[]);
    let friday = at(&s, "2026-11-20 16:00");
    let due = s.add(friday, 4 * HOUR_MS);
    assert_eq!(show(&s, due), "Mon 2026-11-23 12:00 +05:30");
    assert_eq!(due, crate::time::parse_rfc3339("2026-11-23T06:30:00Z"));
}

#[test]
fn an_overnight_shift_split_at_midnight_runs_on_across_the_fall_back() {
    let week = WeeklyHours {
        saturday: Some("22:00-24:00".into()),
        sunday: Some("00:00-06:00".into()),
        ..WeeklyHours::every_day(None)
    };
    let s = schedule("America/New_York", week, &[]);
    let late = at(&s, "2026-10-31 23:00");
    assert!(s.is_open(at(&s, "2026-11-01 00:00")));
    assert_eq!(
        show(&s, s.add(late, 2 * HOUR_MS)),
        "Sun 2026-11-01 01:00 -04:00"
    );
    assert_eq!(
        show(&s, s.add(late, 3 * HOUR_MS)),
        "Sun 2026-11-01 01:00 -05:00"
    );
    let evening = at(&s, "2026-10-31 20:00");
    assert_eq!(s.between(evening, at(&s, "2026-11-01 12:00")), 9 * HOUR_MS);
}

#[test]
fn a_year_of_holidays_still_finds_the_one_open_day_after_it() {
    // Open on Mondays only, and every Monday of 2026 but the last is a holiday.
    let mondays: Vec<String> = (0..51)
        .map(|w| jiff::civil::date(2026, 1, 5) + jiff::Span::new().weeks(w))
        .map(|d| d.to_string())
        .collect();
    let mut calendar = Calendar {
        hours: WeeklyHours {
            monday: Some("09:00-17:00".into()),
            ..WeeklyHours::every_day(None)
        },
        holidays: mondays,
        ..Calendar::default()
    };
    let s = calendar.validate().unwrap();
    let new_year = at(&s, "2026-01-01 00:00");
    assert_eq!(
        show(&s, s.next_open(new_year)),
        "Mon 2026-12-28 09:00 +00:00"
    );
    assert_eq!(
        show(&s, s.add(new_year, 9 * HOUR_MS)),
        "Mon 2027-01-04 10:00 +00:00"
    );
    // Closing more than a year of open days is rejected rather than searched.
    calendar
        .holidays
        .extend(["2026-12-28".into(), "2027-01-04".into()]);
    assert!(
        calendar.validate().is_ok(),
        "364 days, first to last holiday"
    );
    calendar.holidays.push("2027-01-11".into());
    let err = calendar.validate().unwrap_err();
    assert_eq!(err.field(), "holidays");
    assert!(
        err.to_string().contains("2026-01-05 to 2027-01-11"),
        "{err}"
    );
}

#[test]
fn instants_beyond_the_year_9999_have_no_deadline_and_no_panic() {
    let s = Calendar::default().validate().unwrap();
    assert_eq!(s.add(i64::MAX, 1), None);
    assert_eq!(s.add(0, i64::MAX), None);
    assert_eq!(s.next_open(i64::MAX), None);
    assert!(!s.is_open(i64::MAX) && !s.is_open(i64::MIN));
    assert_eq!(s.between(i64::MAX - 10, i64::MAX), 0);
    let late = crate::time::parse_rfc3339("9999-12-01T00:00:00Z").unwrap();
    assert_eq!(s.add(late, 1000 * HOUR_MS), None);
    assert!(s.next_open(i64::MIN).is_some_and(|t| s.is_open(t)));
}
