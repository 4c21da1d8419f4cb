//! Checking rules: every refusal names the rule and the field, and the policy carries them.

use super::super::tests::{TERRITORIES, rules, written};
use super::*;
use crate::policy::Policy;

fn compile_err(text: &str) -> RoutingError {
    compile(&written(text)).unwrap_err()
}

#[test]
fn compile_errors_name_the_rule_the_field_and_the_column() {
    let e = compile_err(
        r#"
[[routing]]
name = "Fine"
assign = { owner = "a" }

[[routing]]
name = "EMEA"
when = 'country in ("DE" "AT")'
assign = { owner = "b" }
"#,
    );
    assert_eq!(
        (e.rule, e.name.as_str(), e.field.as_str(), e.column),
        (1, "EMEA", "routing[1].when", Some(18))
    );
    assert!(
        e.to_string()
            .starts_with("routing[1].when (rule 'EMEA'): column 18: "),
        "{e}"
    );
}

#[test]
fn compile_refuses_unclear_targets_with_the_field_at_fault() {
    let team = |assign: &str| format!("[[routing]]\nname = \"T\"\nassign = {assign}\n");
    let cases = [
        (
            r#"{ team = "t", method = "rr", members = [{ rep = "a" }] }"#,
            "routing[0].assign.method",
            "unknown method \"rr\"",
        ),
        (
            r#"{ team = "t" }"#,
            "routing[0].assign.members",
            "no members",
        ),
        (
            r#"{ team = " ", members = [{ rep = "a" }] }"#,
            "routing[0].assign.team",
            "is empty",
        ),
        (
            r#"{ team = "t", method = "weighted", members = [{ rep = "a", weight = 0 }] }"#,
            "routing[0].assign.members[0].weight",
            "is 0",
        ),
        (
            r#"{ team = "t", method = "weighted", members = [{ rep = "a" }, { rep = "b", weight = -2 }] }"#,
            "routing[0].assign.members[1].weight",
            "is -2",
        ),
        (
            r#"{ team = "t", members = [{ rep = "a", weight = 2 }] }"#,
            "routing[0].assign.members[0].weight",
            "only a weighted team",
        ),
        (
            r#"{ team = "t", method = "capacity", members = [{ rep = "a", capacity = 0 }] }"#,
            "routing[0].assign.members[0].capacity",
            "is 0",
        ),
        (
            r#"{ team = "t", method = "capacity", members = [{ rep = "a" }] }"#,
            "routing[0].assign.members[0].capacity",
            "is missing",
        ),
        (
            r#"{ team = "t", members = [{ rep = "a" }, { rep = "a" }] }"#,
            "routing[0].assign.members[1].rep",
            "listed twice",
        ),
        (
            r#"{ owner = "a", team = "t" }"#,
            "routing[0].assign",
            "not both",
        ),
        (r#"{ }"#, "routing[0].assign", "name an owner"),
        (
            r#"{ owner = "a", method = "weighted" }"#,
            "routing[0].assign",
            "belong to a team",
        ),
    ];
    for (assign, field, message) in cases {
        let e = compile_err(&team(assign));
        assert_eq!(e.field, field, "{assign}: {e}");
        assert!(e.message.contains(message), "{assign}: {e}");
    }
}

#[test]
fn compile_refuses_missing_or_repeated_names_and_bad_deadlines() {
    let e = compile_err("[[routing]]\nname = \"\"\nassign = { owner = \"a\" }\n");
    assert_eq!(e.field, "routing[0].name");
    let e = compile_err(
        "[[routing]]\nname = \"A\"\nassign = { owner = \"a\" }\n[[routing]]\nname = \"a\"\nassign = { owner = \"b\" }\n",
    );
    assert_eq!((e.field.as_str(), e.rule), ("routing[1].name", 1));
    let e = compile_err(
        "[[routing]]\nname = \"A\"\naccept_within_hours = -1.0\nassign = { owner = \"a\" }\n",
    );
    assert_eq!(e.field, "routing[0].accept_within_hours");
    let ok = rules(
        "[[routing]]\nname = \"A\"\naccept_within_hours = 4.0\nfirst_touch_within_hours = 0.5\nassign = { owner = \"a\" }\n",
    );
    assert_eq!(
        ok[0].sla(),
        Sla {
            accept_within_hours: Some(4.0),
            first_touch_within_hours: Some(0.5)
        }
    );
}

#[test]
fn routing_rules_live_in_the_policy_and_round_trip_through_toml() {
    let p = Policy::from_toml(TERRITORIES).unwrap();
    assert_eq!(p.routing.len(), 3);
    assert_eq!(p.routing_rules().unwrap()[1].name(), "DACH");
    assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
    assert!(
        !Policy::default().to_toml().contains("routing"),
        "no rules, no section"
    );
    let e = Policy::from_toml(
        "[[routing]]\nname = \"EMEA\"\nwhen = \"fit >= \"\nassign = { owner = \"a\" }\n",
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("routing[0].when"));
    assert!(e.message.starts_with("rule 'EMEA': column "), "{e}");
    let e =
        Policy::from_toml("[[routing]]\nname = \"EMEA\"\nassign = { owner = \"a\", wieght = 2 }\n")
            .unwrap_err();
    assert!(e.message.contains("wieght"), "{e}");
}
