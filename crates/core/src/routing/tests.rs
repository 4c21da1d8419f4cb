use std::collections::HashMap;

use serde::Deserialize;

use super::*;
use crate::filter::Value;

pub(super) const NOW: i64 = 1_800_000_000_000;

/// A lead as the filter language sees it: fields, and no activities.
#[derive(Default)]
pub(super) struct TestLead(pub HashMap<&'static str, Value>);

impl Lead for TestLead {
    fn field(&self, name: &str) -> Option<Value> {
        self.0.get(name).cloned()
    }
    fn activity_count(&self, _kind: &str, _since: Option<i64>) -> i64 {
        0
    }
}

pub(super) fn lead(country: &str, employees: f64) -> TestLead {
    TestLead(HashMap::from([
        ("country", Value::Str(country.into())),
        ("employees", Value::Num(employees)),
    ]))
}

pub(super) fn rep(id: &str, availability: Availability, open: u32) -> Rep {
    Rep {
        id: id.into(),
        availability,
        open,
    }
}

fn everyone_in(ids: &[&str]) -> RepDirectory {
    ids.iter()
        .map(|id| rep(id, Availability::Available, 0))
        .collect()
}

#[derive(Deserialize)]
struct Doc {
    routing: Vec<RoutingRule>,
}

pub(super) fn written(text: &str) -> Vec<RoutingRule> {
    toml::from_str::<Doc>(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .routing
}

pub(super) fn rules(text: &str) -> Vec<CompiledRule> {
    compile(&written(text)).unwrap_or_else(|e| panic!("{e}"))
}

/// Named accounts to Grace, DACH to a round-robin team, everyone else to a catch-all.
pub(super) const TERRITORIES: &str = r#"
[[routing]]
name = "Enterprise"
when = "employees >= 1000"
assign = { owner = "grace" }

[[routing]]
name = "DACH"
when = 'country in ("DE", "AT", "CH")'
account_owner_first = true
assign = { team = "dach", members = [{ rep = "lukas" }, { rep = "sofia" }] }

[[routing]]
name = "Everyone else"
assign = { owner = "avery" }
"#;

fn reps() -> RepDirectory {
    everyone_in(&["grace", "lukas", "sofia", "avery", "noah"])
}

/// Routes `lead` by the TERRITORIES rules from a fresh rotation.
fn territories(lead: &TestLead, account_owner: Option<&str>, reps: &RepDirectory) -> Decision {
    let state = RoutingState::default();
    route(lead, account_owner, &rules(TERRITORIES), reps, &state, NOW)
}

fn owner_of(lead: &TestLead, reps: &RepDirectory) -> Option<String> {
    territories(lead, None, reps).owner().map(Into::into)
}

fn says(d: &Decision, line: &str) -> bool {
    d.explanation.iter().any(|l| l == line)
}

#[test]
fn the_first_matching_rule_wins() {
    // A large German company matches Enterprise and DACH: Enterprise comes first.
    let d = territories(&lead("DE", 5000.0), None, &reps());
    let rule = d.rule().unwrap();
    assert_eq!((rule.index, rule.name.as_str()), (0, "Enterprise"));
    assert_eq!(d.owner(), Some("grace"));
    assert_eq!(d.update, None, "an owner rule has no rotation to save");
    assert_eq!(
        owner_of(&lead("AT", 50.0), &reps()).as_deref(),
        Some("lukas")
    );
    assert_eq!(
        owner_of(&lead("FR", 50.0), &reps()).as_deref(),
        Some("avery")
    );
}

#[test]
fn territories_are_conditions_on_country_ignoring_case() {
    assert_eq!(
        owner_of(&lead("ch", 50.0), &reps()).as_deref(),
        Some("lukas")
    );
    // No country: the territory does not match, the catch-all does.
    let mut l = lead("", 50.0);
    l.0.remove("country");
    assert_eq!(owner_of(&l, &reps()).as_deref(), Some("avery"));
}

#[test]
fn a_rule_whose_team_is_all_away_falls_through_and_says_why() {
    let reps = RepDirectory::new([
        rep("lukas", Availability::OutOfOffice, 0),
        rep("sofia", Availability::OutsideWorkingHours, 0),
        rep("avery", Availability::Available, 0),
    ]);
    let d = territories(&lead("DE", 50.0), None, &reps);
    assert_eq!(d.owner(), Some("avery"));
    assert_eq!(d.rule().unwrap().name, "Everyone else");
    assert_eq!(d.skipped.len(), 1);
    assert_eq!(d.skipped[0].rule.name, "DACH");
    assert_eq!(
        d.skipped[0].reps,
        vec![
            Skip {
                rep: "lukas".into(),
                why: Why::OutOfOffice
            },
            Skip {
                rep: "sofia".into(),
                why: Why::OutsideWorkingHours
            },
        ]
    );
    assert!(
        says(&d, "rule 'DACH': lukas skipped: out of office"),
        "{d:?}"
    );
    assert!(
        says(&d, "rule 'DACH': no one available, trying the next rule"),
        "{d:?}"
    );
    assert_eq!(d.update, None, "a skipped team's rotation does not move");
}

#[test]
fn when_every_matching_rule_is_stuck_the_lead_waits_and_the_decision_says_so() {
    let reps = RepDirectory::new([rep("lukas", Availability::Inactive, 0)]);
    let d = territories(&lead("DE", 50.0), None, &reps);
    assert_eq!(d.outcome, Outcome::NoOneAvailable);
    assert_eq!(d.owner(), None);
    let stuck: Vec<_> = d.skipped.iter().map(|s| s.rule.name.as_str()).collect();
    assert_eq!(stuck, ["DACH", "Everyone else"]);
    assert_eq!(d.skipped[0].reps[0].why, Why::Inactive);
    // sofia and avery are not in the directory at all.
    assert_eq!(d.skipped[0].reps[1].why, Why::UnknownRep);
    assert_eq!(
        d.skipped[1].reps,
        vec![Skip {
            rep: "avery".into(),
            why: Why::UnknownRep
        }]
    );
}

#[test]
fn no_matching_rule_and_no_rules_at_all_are_decisions_too() {
    let (only_dach, fresh) = (&rules(TERRITORIES)[1..2], RoutingState::default());
    let d = route(&lead("FR", 50.0), None, only_dach, &reps(), &fresh, NOW);
    assert_eq!(d.outcome, Outcome::NoRuleMatched);
    assert_eq!(
        d.explanation,
        [r#"rule 'DACH' did not match: country in ("DE", "AT", "CH")"#]
    );
    let d = route(&lead("FR", 50.0), None, &[], &reps(), &fresh, NOW);
    assert_eq!(d.outcome, Outcome::NoRuleMatched);
    assert_eq!(d.explanation.len(), 1);
}

#[test]
fn the_account_owner_gets_the_lead_when_available() {
    let d = territories(&lead("DE", 50.0), Some("noah"), &reps());
    let Outcome::Assigned(a) = &d.outcome else {
        panic!("{d:?}")
    };
    assert_eq!(
        (a.owner.as_str(), a.via, a.rule.name.as_str()),
        ("noah", Via::AccountOwner, "DACH")
    );
    assert_eq!(
        d.update, None,
        "the account owner does not take the team's turn"
    );
    // Only rules that ask for it: Enterprise ignores the account's owner.
    assert_eq!(
        territories(&lead("DE", 5000.0), Some("noah"), &reps()).owner(),
        Some("grace")
    );
}

#[test]
fn an_unavailable_account_owner_leaves_the_lead_to_the_team() {
    let directory = RepDirectory::new(
        ["grace", "lukas", "sofia", "avery"]
            .map(|id| rep(id, Availability::Available, 0))
            .into_iter()
            .chain([rep("noah", Availability::OutOfOffice, 0)]),
    );
    let d = territories(&lead("DE", 50.0), Some("noah"), &directory);
    assert_eq!(d.owner(), Some("lukas"));
    assert!(
        says(&d, "rule 'DACH': account owner noah skipped: out of office"),
        "{d:?}"
    );
    let d = territories(&lead("DE", 50.0), Some("olivia"), &directory);
    assert_eq!(d.owner(), Some("lukas"));
    assert!(
        says(
            &d,
            "rule 'DACH': account owner olivia skipped: not a known rep"
        ),
        "{d:?}"
    );
    let d = territories(&lead("DE", 50.0), None, &directory);
    assert!(
        says(&d, "rule 'DACH': the lead's account has no owner yet"),
        "{d:?}"
    );
}

#[test]
fn round_robin_continues_after_the_last_rep_and_skips_the_unavailable() {
    let rules = rules(
        r#"
[[routing]]
name = "All"
assign = { team = "sdr", method = "round_robin", members = [{ rep = "a" }, { rep = "b" }, { rep = "c" }] }
"#,
    );
    let reps = RepDirectory::new([
        rep("a", Availability::Available, 0),
        rep("b", Availability::OutOfOffice, 0),
        rep("c", Availability::Available, 0),
    ]);
    let mut state = RoutingState::default();
    let mut owners = vec![];
    for _ in 0..5 {
        let d = route(&lead("DE", 1.0), None, &rules, &reps, &state, NOW);
        state.apply(d.update.as_ref().unwrap());
        owners.push(d.owner().unwrap().to_owned());
    }
    assert_eq!(owners, ["a", "c", "a", "c", "a"]);
    assert_eq!(state.teams["sdr"].last.as_deref(), Some("a"));
    // A cursor on someone who has left the team starts again from the top.
    state.teams.get_mut("sdr").unwrap().last = Some("zed".into());
    assert_eq!(
        route(&lead("DE", 1.0), None, &rules, &reps, &state, NOW).owner(),
        Some("a")
    );
}

#[test]
fn a_weighted_team_interleaves_its_shares() {
    let rules = rules(
        r#"
[[routing]]
name = "Weighted"
assign = { team = "ae", method = "weighted", members = [{ rep = "a", weight = 3 }, { rep = "b" }] }
"#,
    );
    let reps = everyone_in(&["a", "b"]);
    let mut state = RoutingState::default();
    let mut owners = String::new();
    for _ in 0..8 {
        let d = route(&lead("DE", 1.0), None, &rules, &reps, &state, NOW);
        state.apply(d.update.as_ref().unwrap());
        owners.push_str(d.owner().unwrap());
    }
    assert_eq!(owners, "aabaaaba");
    // After whole cycles the credits are back at zero.
    assert!(
        state.teams["ae"].credit.values().all(|&c| c == 0),
        "{state:?}"
    );
}

#[test]
fn a_capacity_team_picks_the_lightest_load_and_skips_the_full() {
    let rules = rules(
        r#"
[[routing]]
name = "By load"
assign = { team = "ae", method = "capacity", members = [{ rep = "a", capacity = 10 }, { rep = "b", capacity = 4 }, { rep = "c", capacity = 2 }] }
"#,
    );
    // a: 5/10 = 0.5, b: 1/4 = 0.25, c: 2/2 full.
    let mut reps = RepDirectory::new([
        rep("a", Availability::Available, 5),
        rep("b", Availability::Available, 1),
        rep("c", Availability::Available, 2),
    ]);
    let mut state = RoutingState::default();
    let d = route(&lead("DE", 1.0), None, &rules, &reps, &state, NOW);
    assert_eq!(d.owner(), Some("b"));
    assert!(
        says(&d, "rule 'By load': c skipped: at capacity (2 of 2 open)"),
        "{d:?}"
    );
    let chosen = "rule 'By load': b chosen by capacity (1 of 4 open, the lightest load)";
    assert!(says(&d, chosen), "{d:?}");
    // b at 2/4 ties with a at 5/10: the tie goes to whoever comes next in the rotation.
    reps.record_assignment("b");
    state.apply(d.update.as_ref().unwrap());
    assert_eq!(
        route(&lead("DE", 1.0), None, &rules, &reps, &state, NOW).owner(),
        Some("a")
    );
    state.teams.get_mut("ae").unwrap().last = Some("a".into());
    assert_eq!(
        route(&lead("DE", 1.0), None, &rules, &reps, &state, NOW).owner(),
        Some("b")
    );
}

#[test]
fn the_preview_explains_each_step_naming_its_rule() {
    let reps = RepDirectory::new([
        rep("grace", Availability::Available, 0),
        rep("lukas", Availability::OutOfOffice, 0),
        rep("sofia", Availability::Available, 0),
    ]);
    let state = RoutingState {
        teams: [(
            "dach".into(),
            TeamState {
                last: Some("lukas".into()),
                credit: Default::default(),
            },
        )]
        .into(),
    };
    let d = route(
        &lead("DE", 50.0),
        None,
        &rules(TERRITORIES),
        &reps,
        &state,
        NOW,
    );
    assert_eq!(
        d.explanation,
        [
            "rule 'Enterprise' did not match: employees >= 1000",
            r#"rule 'DACH' matched: country in ("DE", "AT", "CH")"#,
            "rule 'DACH': the lead's account has no owner yet",
            "rule 'DACH': lukas skipped: out of office",
            "rule 'DACH': sofia chosen by round robin (next after lukas)",
        ]
    );
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["outcome"]["assigned"]["via"], "round_robin");
    assert_eq!(json["outcome"]["assigned"]["rule"]["name"], "DACH");
}

#[test]
fn an_empty_condition_takes_every_lead() {
    let fresh = RoutingState::default();
    let catch_all = &rules(TERRITORIES)[2..];
    let d = route(&TestLead::default(), None, catch_all, &reps(), &fresh, NOW);
    assert_eq!(d.explanation[0], "rule 'Everyone else' matched: every lead");
}

#[test]
fn routing_state_round_trips_through_json_for_the_store() {
    let mut state = RoutingState::default();
    state.apply(&StateUpdate {
        team: "ae".into(),
        state: TeamState {
            last: Some("a".into()),
            credit: [("a".into(), -1), ("b".into(), 1)].into(),
        },
    });
    let json = serde_json::to_string(&state).unwrap();
    assert_eq!(serde_json::from_str::<RoutingState>(&json).unwrap(), state);
    assert_eq!(
        serde_json::from_str::<RoutingState>("{}").unwrap(),
        RoutingState::default()
    );
}

#[test]
fn a_rep_the_lead_was_taken_from_is_passed_over_and_named_so() {
    let rules = rules(
        r#"
[[routing]]
name = "Inbound"
when = "employees >= 0"
assign = { team = "inbound", members = [{ rep = "ann" }, { rep = "ben" }] }
"#,
    );
    let mut reps = everyone_in(&["ann", "ben"]);
    reps.exclude("ann");
    for _ in 0..3 {
        let d = route(
            &lead("US", 10.0),
            None,
            &rules,
            &reps,
            &RoutingState::default(),
            NOW,
        );
        assert_eq!(d.owner(), Some("ben"));
    }
    reps.exclude("ben");
    let d = route(
        &lead("US", 10.0),
        None,
        &rules,
        &reps,
        &RoutingState::default(),
        NOW,
    );
    assert_eq!(d.outcome, Outcome::NoOneAvailable);
    assert!(
        d.explanation.iter().any(|l| l.contains("missed deadline")),
        "{:?}",
        d.explanation
    );
}

#[test]
fn a_via_code_is_its_serde_name() {
    for via in [
        Via::Owner,
        Via::AccountOwner,
        Via::RoundRobin,
        Via::Weighted,
        Via::Capacity,
    ] {
        assert_eq!(serde_json::to_value(via).unwrap(), via.code());
    }
}
