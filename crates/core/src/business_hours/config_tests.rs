//! The configuration: what validates, what is rejected and how, and how it is written.

use super::tests::at;
use super::*;

fn error_for(change: impl FnOnce(&mut Calendar)) -> CalendarError {
    let mut calendar = Calendar::default();
    change(&mut calendar);
    calendar.validate().unwrap_err()
}

#[test]
fn every_configuration_error_names_its_field_and_what_was_expected() {
    let cases: Vec<(CalendarError, &str, &str)> = vec![
        (
            error_for(|c| c.time_zone = "Mars/Olympus_Mons".into()),
            "time_zone",
            "IANA name",
        ),
        (
            error_for(|c| c.time_zone = String::new()),
            "time_zone",
            "IANA name",
        ),
        (
            error_for(|c| c.hours.monday = Some("9am-5pm".into())),
            "hours.monday",
            "HH:MM-HH:MM",
        ),
        (
            error_for(|c| c.hours.tuesday = Some("17:00-09:00".into())),
            "hours.tuesday",
            "split an overnight shift",
        ),
        (
            error_for(|c| c.hours.wednesday = Some("09:00-09:00".into())),
            "hours.wednesday",
            "does not close after",
        ),
        (
            error_for(|c| c.hours.thursday = Some("24:00-24:00".into())),
            "hours.thursday",
            "between 00:00 and 24:00",
        ),
        (
            error_for(|c| c.hours.friday = Some("09:00-24:30".into())),
            "hours.friday",
            "HH:MM-HH:MM",
        ),
        (
            error_for(|c| c.hours.saturday = Some("09:00-12:00-13:00".into())),
            "hours.saturday",
            "HH:MM-HH:MM",
        ),
        (
            error_for(|c| c.hours.sunday = Some("09:60-10:00".into())),
            "hours.sunday",
            "HH:MM-HH:MM",
        ),
        (
            error_for(|c| c.hours = WeeklyHours::every_day(None)),
            "hours",
            "no day is open",
        ),
        (
            error_for(|c| {
                c.holidays = vec!["2026-12-24".into(), "2026-12-25".into(), "Christmas".into()]
            }),
            "holidays[2]",
            "YYYY-MM-DD",
        ),
        (
            error_for(|c| c.holidays = vec!["2026-02-30".into()]),
            "holidays[0]",
            "\"2026-02-30\"",
        ),
    ];
    for (err, field, expected) in cases {
        assert_eq!(err.field(), field, "{err}");
        let message = err.to_string();
        assert!(message.starts_with(&format!("{field}: ")), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn hours_may_be_written_loosely_and_close_at_24_00() {
    let mut c = Calendar {
        time_zone: " Europe/Berlin ".into(),
        ..Calendar::default()
    };
    c.hours.monday = Some(" 9:00 - 24:00 ".into());
    c.hours.saturday = Some("00:00-00:01".into());
    c.holidays = vec![" 2026-12-25".into()];
    let s = c.validate().unwrap();
    assert!(s.is_open(at(&s, "2026-11-23 23:59")));
    assert!(s.is_open(at(&s, "2026-11-21 00:00")));
    assert!(!s.is_open(at(&s, "2026-12-25 10:00")));
}

#[test]
fn a_calendar_reads_from_toml_where_days_left_out_are_closed() {
    let text = r#"
        time_zone = "Europe/Berlin"
        holidays = ["2026-12-24", "2026-12-25"]
        [hours]
        monday = "08:00-16:00"
        friday = "08:00-12:00"
    "#;
    let c: Calendar = toml::from_str(text).unwrap();
    assert_eq!(c.hours.monday.as_deref(), Some("08:00-16:00"));
    assert_eq!(c.hours.tuesday, None);
    let s = c.validate().unwrap();
    assert!(!s.is_open(at(&s, "2026-11-24 10:00")));
    assert_eq!(toml::from_str::<Calendar>("").unwrap(), Calendar::default());
    let typo = toml::from_str::<Calendar>("[hours]\nmon = \"08:00-16:00\"");
    assert!(typo.unwrap_err().to_string().contains("mon"));
    assert!(toml::from_str::<Calendar>("timezone = \"UTC\"").is_err());
}

#[test]
fn a_calendar_round_trips_through_json_without_closed_days() {
    let json = serde_json::to_string(&Calendar::default()).unwrap();
    assert_eq!(
        json,
        r#"{"time_zone":"UTC","hours":{"monday":"09:00-17:00","tuesday":"09:00-17:00","wednesday":"09:00-17:00","thursday":"09:00-17:00","friday":"09:00-17:00"},"holidays":[]}"#
    );
    assert_eq!(
        serde_json::from_str::<Calendar>(&json).unwrap(),
        Calendar::default()
    );
    let c: Calendar =
        serde_json::from_str(r#"{"hours":{"sunday":null,"monday":"10:00-11:00"}}"#).unwrap();
    assert_eq!(
        c.hours,
        WeeklyHours {
            monday: Some("10:00-11:00".into()),
            ..WeeklyHours::every_day(None)
        }
    );
}
