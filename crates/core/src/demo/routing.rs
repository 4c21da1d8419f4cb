//! The demo company's routing: territory rules by country, a weighted team of account
//! executives for strong North American leads, and an around-the-clock SDR desk taking
//! every other lead in turn, so the demo's sales-ready leads always find an owner. Reps are
//! named by email here; the caller swaps in user ids once the users exist.

use super::company::DOMAIN;
use crate::business_hours::{Calendar, WeeklyHours};
use crate::routing::{Assign, Member, RoutingRule};

fn rep(local: &str) -> String {
    format!("{local}@{DOMAIN}")
}

fn owner_rule(name: &str, when: &str, owner: &str) -> RoutingRule {
    RoutingRule {
        name: name.into(),
        when: when.into(),
        assign: Assign {
            owner: Some(rep(owner)),
            ..Assign::default()
        },
        account_owner_first: true,
        accept_within_hours: Some(4.0),
        first_touch_within_hours: Some(8.0),
    }
}

fn member(local: &str, weight: Option<i64>) -> Member {
    Member {
        rep: rep(local),
        weight,
        capacity: None,
    }
}

/// The demo's rules, in order; reps by email.
pub fn routing_rules() -> Vec<RoutingRule> {
    vec![
        owner_rule(
            "DACH territory",
            r#"country in ("DE", "AT", "CH")"#,
            "lukas.schmidt",
        ),
        owner_rule(
            "UK & Ireland territory",
            r#"country in ("GB", "IE")"#,
            "grace.thompson",
        ),
        owner_rule(
            "EMEA territory",
            r#"country in ("FR", "NL", "SE", "ES", "IT", "ZA")"#,
            "sofia.rossi",
        ),
        owner_rule(
            "APAC territory",
            r#"country in ("AU", "IN", "JP", "SG")"#,
            "noah.kim",
        ),
        RoutingRule {
            name: "North America strong fit".into(),
            when: r#"country in ("US", "CA", "MX") and fit >= "B""#.into(),
            assign: Assign {
                team: Some("na-account-executives".into()),
                method: Some("weighted".into()),
                members: vec![
                    member("liam.oconnor", Some(2)),
                    member("ethan.brooks", Some(1)),
                ],
                owner: None,
            },
            account_owner_first: true,
            accept_within_hours: Some(4.0),
            first_touch_within_hours: Some(24.0),
        },
        RoutingRule {
            name: "Inbound SDR desk".into(),
            when: String::new(),
            assign: Assign {
                team: Some("sdr-desk".into()),
                method: Some("round_robin".into()),
                members: vec![member("isabella.garcia", None), member("marcus.lee", None)],
                owner: None,
            },
            account_owner_first: false,
            accept_within_hours: Some(8.0),
            first_touch_within_hours: Some(24.0),
        },
    ]
}

fn weekdays(tz: &str, hours: &str, holidays: &[&str]) -> Calendar {
    Calendar {
        time_zone: tz.into(),
        hours: WeeklyHours {
            saturday: None,
            sunday: None,
            ..WeeklyHours::every_day(Some(hours))
        },
        holidays: holidays.iter().map(|d| (*d).to_owned()).collect(),
    }
}

/// Each rep's working hours, by email. The SDR desk covers the clock between them (one in
/// the Americas' day, one every day around the clock), so the catch-all rule always has
/// someone and no demo lead waits for Monday.
pub fn rep_calendars() -> Vec<(String, Calendar)> {
    let around_the_clock = Calendar {
        time_zone: "UTC".into(),
        hours: WeeklyHours::every_day(Some("00:00-24:00")),
        holidays: vec![],
    };
    vec![
        (
            rep("liam.oconnor"),
            weekdays(
                "America/New_York",
                "08:30-17:30",
                &["2026-12-25", "2027-01-01"],
            ),
        ),
        (
            rep("ethan.brooks"),
            weekdays(
                "America/Los_Angeles",
                "08:00-17:00",
                &["2026-12-25", "2027-01-01"],
            ),
        ),
        (
            rep("isabella.garcia"),
            weekdays("America/New_York", "07:00-19:00", &[]),
        ),
        (rep("marcus.lee"), around_the_clock),
        (
            rep("grace.thompson"),
            weekdays(
                "Europe/London",
                "09:00-17:30",
                &["2026-12-25", "2026-12-28"],
            ),
        ),
        (
            rep("sofia.rossi"),
            weekdays("Europe/Rome", "09:00-18:00", &["2026-12-08", "2026-12-25"]),
        ),
        (
            rep("lukas.schmidt"),
            weekdays(
                "Europe/Berlin",
                "08:00-16:30",
                &["2026-12-24", "2026-12-25", "2026-12-26"],
            ),
        ),
        (
            rep("noah.kim"),
            weekdays(
                "Australia/Sydney",
                "09:00-17:00",
                &["2026-12-25", "2026-12-26"],
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_rules_compile_and_end_with_a_catch_all() {
        let rules = routing_rules();
        let compiled = crate::routing::compile(&rules).unwrap();
        assert_eq!(compiled.last().unwrap().condition(), "every lead");
    }

    #[test]
    fn every_demo_rep_has_a_valid_calendar_and_every_rule_names_a_demo_rep() {
        let users: Vec<String> = super::super::company::users()
            .into_iter()
            .filter(|u| u.territory.is_some())
            .map(|u| u.email.key())
            .collect();
        for (email, cal) in rep_calendars() {
            assert!(users.contains(&email), "{email}");
            cal.validate().unwrap();
        }
        for r in routing_rules() {
            let named = r
                .assign
                .owner
                .iter()
                .chain(r.assign.members.iter().map(|m| &m.rep));
            for e in named {
                assert!(users.contains(e), "{e}");
            }
        }
    }
}
