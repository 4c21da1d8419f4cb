use std::collections::HashMap;

use proptest::prelude::*;

use super::*;

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_800_000_000_000;

#[derive(Default)]
struct TestLead {
    fields: HashMap<&'static str, Value>,
    /// `(kind, at)`.
    activities: Vec<(&'static str, i64)>,
}

impl Lead for TestLead {
    fn field(&self, name: &str) -> Option<Value> {
        self.fields.get(name).cloned()
    }
    fn activity_count(&self, kind: &str, since: Option<i64>) -> i64 {
        self.activities
            .iter()
            .filter(|(k, at)| *k == kind && since.is_none_or(|s| *at >= s))
            .count() as i64
    }
}

fn ada() -> TestLead {
    TestLead {
        fields: HashMap::from([
            (
                "fit",
                Value::Fit {
                    points: 45.0,
                    grade: 'B',
                },
            ),
            ("engagement", Value::Num(45.0)),
            ("disqualified", Value::Bool(false)),
            ("country", Value::Str("DE".into())),
            ("title", Value::Str("Co-Founder & CEO".into())),
            ("created_at", Value::Time(NOW - 10 * DAY)),
            ("custom.budget", Value::Str("50k+".into())),
        ]),
        activities: vec![
            ("form_submitted", NOW - 40 * DAY),
            ("form_submitted", NOW - 2 * DAY),
        ],
    }
}

fn holds(expr: &str, lead: &TestLead) -> bool {
    parse(expr)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .eval(lead, NOW)
}

#[test]
fn the_mql_definition_from_the_issue_reads_and_evaluates() {
    let lead = ada();
    assert!(holds(
        r#"fit >= "B" and engagement >= 40 and not disqualified"#,
        &lead
    ));
    assert!(!holds(r#"fit >= "A" and engagement >= 40"#, &lead));
    assert!(holds(r#"fit < "A""#, &lead));
    assert!(!holds("engagement >= 50", &lead));
    // Fit compares as points with numbers, as a grade with grades.
    assert!(holds("fit >= 40 and fit < 50", &lead));
    assert!(!holds("fit > 45", &lead));
}

#[test]
fn in_contains_or_and_parentheses() {
    let lead = ada();
    assert!(holds(r#"country in ("AT", "de", "CH")"#, &lead));
    assert!(holds(r#"title contains "founder""#, &lead));
    assert!(holds(
        r#"country = "FR" or (title contains "ceo" and engagement > 40)"#,
        &lead
    ));
    assert!(!holds(r#"not (country = "DE")"#, &lead));
    assert!(holds(r#"custom.budget = "50K+""#, &lead));
    // A field the lead does not have never matches, whatever the operator.
    assert!(!holds(r#"industry != "Retail""#, &lead));
    assert!(!holds("industry", &lead));
}

#[test]
fn dates_relative_to_now_and_activity_windows() {
    let lead = ada();
    assert!(holds("created_at > now - 30d", &lead));
    assert!(!holds("created_at > now - 1w", &lead));
    assert!(holds("activity(form_submitted, last 30d) >= 1", &lead));
    assert!(holds("activity(form_submitted, last 30d) = 1", &lead));
    assert!(holds("activity(form_submitted) = 2", &lead));
    assert!(holds("activity(page_viewed) = 0", &lead));
    assert!(!holds("activity(form_submitted, last 24h) >= 1", &lead));
}

#[test]
fn and_binds_tighter_than_or() {
    let e = parse("a or b and c").unwrap();
    assert_eq!(
        e,
        Expr::Or(vec![
            Expr::Truthy { field: "a".into() },
            Expr::And(vec![
                Expr::Truthy { field: "b".into() },
                Expr::Truthy { field: "c".into() }
            ]),
        ])
    );
}

#[test]
fn errors_point_at_the_column() {
    let err = |s: &str| parse(s).unwrap_err();
    assert_eq!(err(""), ParseError::at(1, "the expression is empty"));
    let e = err("fit >= B");
    assert_eq!(
        (e.column, e.message.as_str()),
        (8, "expected a value; put text in quotes: \"B\"")
    );
    let e = err("engagement >= 40 and");
    assert_eq!(e.column, 21);
    assert!(e.message.contains("ends too early"), "{e}");
    let e = err(r#"country in ("DE" "AT")"#);
    assert_eq!(e.column, 18);
    let e = err(r#"title contains "ceo"#);
    assert_eq!(
        (e.column, e.message.as_str()),
        (16, "this string is never closed")
    );
    let e = err("activity(form_submitted, last 30x) >= 1");
    assert_eq!(e.column, 33);
    let e = err("activity(form_submitted, 30d) >= 1");
    assert_eq!(e.column, 26);
    let e = err("créé > 3 )");
    assert_eq!((e.column, e.message.as_str()), (10, "unexpected \")\""));
    let e = err("and fit");
    assert_eq!(e.column, 1);
}

proptest! {
    #[test]
    fn parsing_never_panics(text in "\\PC{0,60}") {
        let _ = parse(&text);
    }

    #[test]
    fn numeric_comparisons_agree_with_rust(a in -1_000i64..1_000, b in -1_000i64..1_000) {
        let lead = TestLead {
            fields: HashMap::from([("score", Value::Num(a as f64))]),
            activities: vec![],
        };
        for (op, expected) in [("=", a == b), ("!=", a != b), ("<", a < b), ("<=", a <= b), (">", a > b), (">=", a >= b)] {
            prop_assert_eq!(holds(&format!("score {op} {b}"), &lead), expected, "score {} {} {}", a, op, b);
        }
    }

    #[test]
    fn not_inverts_and_de_morgan_holds(a in any::<bool>(), b in any::<bool>()) {
        let lead = TestLead {
            fields: HashMap::from([("a", Value::Bool(a)), ("b", Value::Bool(b))]),
            activities: vec![],
        };
        prop_assert_eq!(holds("not (a and b)", &lead), holds("not a or not b", &lead));
        prop_assert_eq!(holds("not a", &lead), !a);
    }
}
