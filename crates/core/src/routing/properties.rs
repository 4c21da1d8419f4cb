//! Invariants of routing over generated teams, reps and rule sets.

use proptest::prelude::*;

use super::tests::{NOW, TestLead, lead, rep};
use super::*;

const IDS: [&str; 6] = ["r0", "r1", "r2", "r3", "r4", "r5"];

fn member(rep: &str, weight: Option<i64>, capacity: Option<i64>) -> Member {
    Member {
        rep: rep.into(),
        weight,
        capacity,
    }
}

fn team_rule(name: &str, method: &str, members: Vec<Member>) -> RoutingRule {
    RoutingRule {
        name: name.into(),
        when: String::new(),
        assign: Assign {
            team: Some("t".into()),
            method: Some(method.into()),
            members,
            ..Assign::default()
        },
        account_owner_first: false,
        accept_within_hours: None,
        first_touch_within_hours: None,
    }
}

fn availability(up: bool) -> Availability {
    if up {
        Availability::Available
    } else {
        Availability::OutOfOffice
    }
}

/// Routes `n` leads in a row, saving each state change and open count as the store would;
/// returns how many each member got, by position in `IDS`.
fn run(
    rules: &[CompiledRule],
    reps: &mut RepDirectory,
    state: &mut RoutingState,
    n: usize,
) -> [u32; 6] {
    let mut got = [0u32; 6];
    for _ in 0..n {
        let d = route(&lead("DE", 1.0), None, rules, reps, state, NOW);
        if let Some(u) = &d.update {
            state.apply(u);
        }
        if let Some(owner) = d.owner() {
            if let Some(i) = IDS.iter().position(|id| *id == owner) {
                got[i] += 1;
            }
            reps.record_assignment(owner);
        }
    }
    got
}

/// A rule set over the `IDS` reps: conditions on country, owners and teams of every method.
fn rule_set() -> impl Strategy<Value = Vec<RoutingRule>> {
    let when = prop::sample::select(vec![
        "",
        r#"country in ("DE", "AT", "CH")"#,
        r#"country = "FR""#,
        "employees >= 500",
        "not (employees < 10)",
    ]);
    let target = prop_oneof![
        prop::sample::select(IDS.to_vec()).prop_map(|o| (Some(o.to_owned()), None, vec![])),
        (
            prop::sample::select(vec!["round_robin", "weighted", "capacity"]),
            prop::sample::subsequence(IDS.to_vec(), 1..=4),
            prop::collection::vec(1i64..6, 4),
        )
            .prop_map(|(method, ids, nums)| {
                let members = ids
                    .iter()
                    .zip(nums)
                    .map(|(id, x)| match method {
                        "weighted" => member(id, Some(x), None),
                        "capacity" => member(id, None, Some(x)),
                        _ => member(id, None, None),
                    })
                    .collect();
                (None, Some(method.to_owned()), members)
            }),
    ];
    let rule = (
        when,
        target,
        any::<bool>(),
        prop::sample::select(vec!["a", "b"]),
    );
    prop::collection::vec(rule, 0..5).prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(
                |(i, (when, (owner, method, members), first, team))| RoutingRule {
                    name: format!("rule {i}"),
                    when: when.into(),
                    assign: Assign {
                        team: method.as_ref().map(|_| team.to_owned()),
                        owner,
                        method,
                        members,
                    },
                    account_owner_first: first,
                    accept_within_hours: None,
                    first_touch_within_hours: None,
                },
            )
            .collect()
    })
}

/// Everything `route` reads.
#[derive(Debug, Clone)]
struct World {
    rules: Vec<RoutingRule>,
    reps: Vec<Rep>,
    lead: (String, f64),
    account_owner: Option<String>,
    state: RoutingState,
}

fn world() -> impl Strategy<Value = World> {
    let reps = prop::collection::vec((0usize..5, 0u32..6), 6).prop_map(|xs| {
        let states = [
            Availability::Available,
            Availability::Available,
            Availability::OutOfOffice,
            Availability::OutsideWorkingHours,
            Availability::Inactive,
        ];
        IDS.iter()
            .zip(xs)
            .map(|(id, (s, open))| rep(id, states[s], open))
            .collect::<Vec<_>>()
    });
    let lead = (
        prop::sample::select(vec!["DE", "FR", "US", "ch"]),
        0.0f64..2000.0,
    );
    let owner = prop::option::of(prop::sample::select(vec!["r0", "r3", "gone"]));
    let team_state = (
        prop::option::of(prop::sample::select(IDS.to_vec())),
        prop::collection::btree_map(prop::sample::select(IDS.to_vec()), -10i64..10, 0..4),
    )
        .prop_map(|(last, credit)| TeamState {
            last: last.map(Into::into),
            credit: credit.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        });
    let state = prop::collection::btree_map(prop::sample::select(vec!["a", "b"]), team_state, 0..3)
        .prop_map(|teams| RoutingState {
            teams: teams.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        });
    (rule_set(), reps, lead, owner, state).prop_map(|(rules, reps, (c, e), owner, state)| World {
        rules,
        reps,
        lead: (c.to_owned(), e),
        account_owner: owner.map(Into::into),
        state,
    })
}

proptest! {
    #[test]
    fn round_robin_gives_each_available_member_k_of_every_k_n_leads(
        up in prop::collection::vec(any::<bool>(), 1..=6),
        k in 1usize..5,
        start in 0usize..7,
    ) {
        let available = up.iter().filter(|u| **u).count();
        prop_assume!(available > 0);
        let members = IDS[..up.len()].iter().map(|id| member(id, None, None)).collect();
        let rules = compile(&[team_rule("rr", "round_robin", members)]).unwrap();
        let mut reps = RepDirectory::new(IDS.iter().zip(&up).map(|(id, u)| rep(id, availability(*u), 0)));
        let mut state = RoutingState::default();
        state.teams.insert("t".into(), TeamState { last: IDS.get(start).map(|s| (*s).to_owned()), ..TeamState::default() });
        let got = run(&rules, &mut reps, &mut state, k * available);
        for (i, u) in up.iter().enumerate() {
            prop_assert_eq!(got[i], if *u { k as u32 } else { 0 }, "{:?}", got);
        }
    }

    #[test]
    fn weighted_shares_are_exact_over_one_full_cycle(
        team in prop::collection::vec((1i64..=10, any::<bool>()), 1..=6),
    ) {
        let total: i64 = team.iter().filter(|(_, up)| *up).map(|(w, _)| w).sum();
        prop_assume!(total > 0);
        let members = IDS.iter().zip(&team).map(|(id, (w, _))| member(id, Some(*w), None)).collect();
        let rules = compile(&[team_rule("w", "weighted", members)]).unwrap();
        let mut reps = RepDirectory::new(IDS.iter().zip(&team).map(|(id, (_, up))| rep(id, availability(*up), 0)));
        let mut state = RoutingState::default();
        let got = run(&rules, &mut reps, &mut state, total as usize);
        for (i, (w, up)) in team.iter().enumerate() {
            prop_assert_eq!(i64::from(got[i]), if *up { *w } else { 0 }, "{:?}", got);
        }
        prop_assert!(state.teams["t"].credit.values().all(|&c| c == 0), "{:?}", state);
    }

    #[test]
    fn a_capacity_team_never_assigns_beyond_capacity(
        team in prop::collection::vec((1i64..=5, 0u32..=7, any::<bool>()), 1..=6),
        leads in 0usize..40,
    ) {
        let members = IDS.iter().zip(&team).map(|(id, (c, _, _))| member(id, None, Some(*c))).collect();
        let rules = compile(&[team_rule("c", "capacity", members)]).unwrap();
        let mut reps = RepDirectory::new(IDS.iter().zip(&team).map(|(id, (_, open, up))| rep(id, availability(*up), *open)));
        let got = run(&rules, &mut reps, &mut RoutingState::default(), leads);
        let mut free = 0;
        for (i, (capacity, open, up)) in team.iter().enumerate() {
            let room = if *up { (*capacity as u32).saturating_sub(*open) } else { 0 };
            prop_assert!(got[i] <= room, "{} got {} with room for {}", IDS[i], got[i], room);
            free += room as usize;
        }
        // Nobody is left idle while a lead goes unassigned.
        prop_assert_eq!(got.iter().sum::<u32>() as usize, leads.min(free));
    }

    #[test]
    fn the_same_inputs_give_the_same_decision(w in world()) {
        let World { rules: written, reps, lead: (country, employees), account_owner: owner, state } = w;
        let rules = compile(&written).unwrap();
        let l = lead(&country, employees);
        let directory = RepDirectory::new(reps.clone());
        let once = route(&l, owner.as_deref(), &rules, &directory, &state, NOW);
        let again = route(&l, owner.as_deref(), &rules, &directory, &state, NOW);
        prop_assert_eq!(&once, &again);
        // The directory's order does not matter either.
        let reversed = RepDirectory::new(reps.into_iter().rev());
        prop_assert_eq!(&once, &route(&l, owner.as_deref(), &rules, &reversed, &state, NOW));
    }

    #[test]
    fn every_decision_names_the_rules_it_tried_and_only_those(w in world()) {
        let World { rules: written, reps, lead: (country, employees), account_owner: owner, state } = w;
        let rules = compile(&written).unwrap();
        let d = route(&lead(&country, employees), owner.as_deref(), &rules, &RepDirectory::new(reps), &state, NOW);
        let tried = match d.rule() {
            Some(r) => r.index + 1,
            None => rules.len(),
        };
        for r in &rules[..tried] {
            let tag = format!("rule '{}'", r.name());
            prop_assert!(d.explanation.iter().any(|l| l.starts_with(&tag)), "{} missing: {:?}", tag, d.explanation);
        }
        for r in &rules[tried..] {
            let tag = format!("rule '{}'", r.name());
            prop_assert!(!d.explanation.iter().any(|l| l.contains(&tag)), "{} was not tried: {:?}", tag, d.explanation);
        }
        if let Some(fired) = d.rule() {
            let last = d.explanation.last().unwrap();
            prop_assert!(last.starts_with(&format!("rule '{}': ", fired.name)), "{}", last);
            prop_assert!(last.contains(d.owner().unwrap()), "{}", last);
        }
        prop_assert_eq!(d.outcome == Outcome::NoOneAvailable, d.owner().is_none() && !d.skipped.is_empty());
        prop_assert!(!d.explanation.is_empty());
    }

    #[test]
    fn compiling_anything_never_panics_and_what_compiles_routes(
        name in "\\PC{0,8}",
        when in "\\PC{0,30}",
        owner in prop::option::of("\\PC{0,5}"),
        team in prop::option::of("\\PC{0,5}"),
        method in prop::option::of(prop_oneof![Just("weighted".to_owned()), Just("capacity".to_owned()), "\\PC{0,10}"]),
        members in prop::collection::vec(("\\PC{0,4}", prop::option::of(any::<i64>()), prop::option::of(any::<i64>())), 0..4),
        hours in prop::option::of(any::<f64>()),
    ) {
        let rule = RoutingRule {
            name,
            when,
            assign: Assign {
                owner,
                team,
                method,
                members: members.into_iter().map(|(r, w, c)| Member { rep: r, weight: w, capacity: c }).collect(),
            },
            account_owner_first: true,
            accept_within_hours: hours,
            first_touch_within_hours: None,
        };
        if let Ok(rules) = compile(&[rule]) {
            let reps = RepDirectory::new(IDS.map(|id| rep(id, Availability::Available, u32::MAX)));
            let _ = route(&TestLead::default(), Some("r0"), &rules, &reps, &RoutingState::default(), NOW);
        }
    }
}
