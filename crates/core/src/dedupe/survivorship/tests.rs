use proptest::prelude::*;

use super::*;

fn record(pairs: &[(&str, &str)], created_at: i64, updated_at: i64) -> Record {
    Record {
        values: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        created_at,
        updated_at,
    }
}

fn value<'a>(s: &'a Survivorship, field: &str) -> Option<&'a str> {
    s.values.get(field).map(String::as_str)
}

#[test]
fn the_defaults_keep_full_names_fresh_job_details_and_fill_blanks() {
    // The survivor is older; the other record was updated later.
    let survivor = record(
        &[
            ("email", "jon@acme.com"),
            ("first_name", "Jon"),
            ("title", "Engineer"),
            ("country", "DE"),
        ],
        1_000,
        2_000,
    );
    let other = record(
        &[
            ("email", "jonathan.smith@acme.com"),
            ("first_name", "Jonathan"),
            ("title", "VP Engineering"),
            ("phone", "+49 30 1234567"),
            ("country", "FR"),
        ],
        1_500,
        9_000,
    );
    let s = survive(&survivor, &other, &Rules::default(), &BTreeMap::new());
    assert_eq!(
        value(&s, "email"),
        Some("jon@acme.com"),
        "the survivor's email"
    );
    assert_eq!(
        value(&s, "first_name"),
        Some("Jonathan"),
        "the most complete"
    );
    assert_eq!(value(&s, "title"), Some("VP Engineering"), "the newest");
    assert_eq!(value(&s, "phone"), Some("+49 30 1234567"), "a blank filled");
    assert_eq!(
        value(&s, "country"),
        Some("DE"),
        "the survivor's, not blank"
    );
    let changed: Vec<&str> = s.changes().map(|d| d.field.as_str()).collect();
    assert_eq!(changed, ["first_name", "phone", "title"]);
    let title = s.decisions.iter().find(|d| d.field == "title").unwrap();
    assert_eq!(title.from, Side::Other);
    assert_eq!(title.decided_by, DecidedBy::Rule(Rule::Newest));
    assert_eq!(title.survivor_value.as_deref(), Some("Engineer"));
}

#[test]
fn a_reviewer_choice_beats_every_rule_even_towards_a_blank() {
    let survivor = record(&[("title", "CTO"), ("phone", "123 4567")], 1, 1);
    let other = record(&[("title", "Intern")], 2, 2);
    let choices = BTreeMap::from([
        ("title".to_owned(), Side::Survivor),
        ("phone".to_owned(), Side::Other),
    ]);
    let s = survive(&survivor, &other, &Rules::default(), &choices);
    assert_eq!(value(&s, "title"), Some("CTO"));
    assert_eq!(value(&s, "phone"), None, "the reviewer chose the blank");
    assert!(
        s.decisions
            .iter()
            .all(|d| d.decided_by == DecidedBy::Reviewer)
    );
}

#[test]
fn each_rule_does_what_its_name_says() {
    let survivor = record(&[("x", "short")], 10, 10);
    let other = record(&[("x", "much longer")], 5, 20);
    let pick = |rule: Rule| {
        let rules = Rules {
            default: rule,
            fields: BTreeMap::new(),
        };
        survive(&survivor, &other, &rules, &BTreeMap::new()).values["x"].clone()
    };
    assert_eq!(pick(Rule::Survivor), "short");
    assert_eq!(pick(Rule::NonEmpty), "short");
    assert_eq!(pick(Rule::Newest), "much longer");
    assert_eq!(pick(Rule::Oldest), "much longer");
    assert_eq!(pick(Rule::MostComplete), "much longer");
    // `survivor` keeps a blank; every other rule fills it.
    let blank = record(&[], 10, 30);
    let rules = |r| Rules {
        default: r,
        fields: BTreeMap::new(),
    };
    let s = survive(&blank, &other, &rules(Rule::Survivor), &BTreeMap::new());
    assert_eq!(value(&s, "x"), None);
    for r in [
        Rule::NonEmpty,
        Rule::Newest,
        Rule::Oldest,
        Rule::MostComplete,
    ] {
        let s = survive(&blank, &other, &rules(r), &BTreeMap::new());
        assert_eq!(value(&s, "x"), Some("much longer"), "{r:?}");
    }
}

#[test]
fn rules_read_and_print_as_field_equals_rule() {
    let r = Rules::default()
        .with("title=oldest, custom.industry=newest default=survivor")
        .unwrap();
    assert_eq!(r.rule("title"), Rule::Oldest);
    assert_eq!(r.rule("custom.industry"), Rule::Newest);
    assert_eq!(r.rule("country"), Rule::Survivor);
    assert_eq!(Rules::default().with(&r.to_string()).unwrap(), r);
    assert_eq!(Rule::parse("longest"), Some(Rule::MostComplete));
    let e = Rules::default().with("titel=newest").unwrap_err();
    assert!(e.contains("unknown field \"titel\""), "{e}");
    let e = Rules::default().with("title=latest").unwrap_err();
    assert!(e.contains("unknown rule") && e.contains("newest"), "{e}");
    assert!(Rules::default().with("title").is_err());
}

#[test]
fn a_lead_profile_round_trips_through_field_values() {
    let mut traits = Traits {
        first_name: Some("Ada".into()),
        company: Some("  ".into()),
        consent: Some(true),
        ..Traits::default()
    };
    traits.custom.insert("industry".into(), "Aerospace".into());
    let r = Record::of_lead(Some("ada@acme.com"), &traits, 1, 2);
    assert_eq!(
        r.values.keys().map(String::as_str).collect::<Vec<_>>(),
        ["custom.industry", "email", "first_name"]
    );
    let mut out = Traits {
        title: Some("old".into()),
        consent: Some(true),
        ..Traits::default()
    };
    let email = apply_to(&r.values, &mut out);
    assert_eq!(email.as_deref(), Some("ada@acme.com"));
    assert_eq!(out.first_name.as_deref(), Some("Ada"));
    assert_eq!(out.title, None, "fields not surviving are cleared");
    assert_eq!(out.custom["industry"], "Aerospace");
    assert_eq!(out.consent, Some(true), "consent is not a field");
}

#[test]
fn the_further_live_stage_wins_a_merge() {
    assert_eq!(merged_stage(Stage::Lead, Stage::Mql), Stage::Mql);
    assert_eq!(
        merged_stage(Stage::Disqualified, Stage::Subscriber),
        Stage::Subscriber
    );
    assert_eq!(
        merged_stage(Stage::Recycled, Stage::Disqualified),
        Stage::Recycled
    );
}

#[test]
fn a_refusal_of_consent_survives_any_merge() {
    assert_eq!(merged_consent(Some(true), Some(false)), Some(false));
    assert_eq!(merged_consent(None, Some(true)), Some(true));
    assert_eq!(merged_consent(None, None), None);
}

fn arb_record() -> impl Strategy<Value = Record> {
    (
        proptest::collection::btree_map("[a-c]", "[a-z]{1,6}", 0..4),
        0i64..100,
        0i64..100,
    )
        .prop_map(|(values, created_at, updated_at)| Record {
            values,
            created_at,
            updated_at,
        })
}

fn arb_rules() -> impl Strategy<Value = Rules> {
    let rule = proptest::sample::select(Rule::ALL.to_vec());
    (
        rule.clone(),
        proptest::collection::btree_map("[a-c]", rule, 0..3),
    )
        .prop_map(|(default, fields)| Rules { default, fields })
}

fn arb_choices() -> impl Strategy<Value = BTreeMap<String, Side>> {
    proptest::collection::btree_map(
        "[a-d]",
        proptest::sample::select(vec![Side::Survivor, Side::Other]),
        0..3,
    )
}

proptest! {
    #[test]
    fn every_surviving_value_comes_from_one_of_the_two_records(
        s in arb_record(), o in arb_record(), rules in arb_rules(), choices in arb_choices(),
    ) {
        let out = survive(&s, &o, &rules, &choices);
        for (field, v) in &out.values {
            prop_assert!(s.values.get(field) == Some(v) || o.values.get(field) == Some(v));
        }
        for d in &out.decisions {
            let expected = match d.from {
                Side::Survivor => s.values.get(&d.field),
                Side::Other => o.values.get(&d.field),
            };
            prop_assert_eq!(d.value.as_ref(), expected);
            prop_assert_eq!(out.values.get(&d.field), d.value.as_ref());
            if let Some(side) = choices.get(&d.field) {
                prop_assert_eq!(d.from, *side);
            }
        }
    }

    #[test]
    fn without_the_survivor_rule_no_known_value_is_lost(
        s in arb_record(), o in arb_record(), choices in arb_choices(),
    ) {
        let rules = Rules::fill_blanks();
        let out = survive(&s, &o, &rules, &BTreeMap::new());
        for field in s.values.keys().chain(o.values.keys()) {
            prop_assert!(out.values.contains_key(field), "{field} lost");
        }
        // Choices only ever pick among the two records' values.
        let chosen = survive(&s, &o, &rules, &choices);
        prop_assert!(chosen.values.len() <= out.values.len());
    }

    #[test]
    fn merging_a_record_with_itself_changes_nothing(s in arb_record(), rules in arb_rules()) {
        let out = survive(&s, &s, &rules, &BTreeMap::new());
        prop_assert_eq!(&out.values, &s.values);
        prop_assert!(out.decisions.is_empty());
    }

    #[test]
    fn fill_blanks_is_the_survivor_with_the_others_gaps_filled(s in arb_record(), o in arb_record()) {
        let out = survive(&s, &o, &Rules::fill_blanks(), &BTreeMap::new());
        let mut expected = o.values.clone();
        expected.extend(s.values.clone());
        prop_assert_eq!(out.values, expected);
    }
}
