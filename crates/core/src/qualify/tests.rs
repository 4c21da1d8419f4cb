use proptest::prelude::*;

use super::*;

fn lead(email: &str) -> (Email, Traits) {
    (Email::parse(email).unwrap(), Traits::default())
}

fn codes(email: Option<&Email>, traits: &Traits, rules: &Rules) -> Vec<String> {
    qualify(Facts { email, traits }, rules)
        .findings
        .iter()
        .map(|f| f.reason.code().into_owned())
        .collect()
}

#[test]
fn a_business_address_with_a_real_name_passes() {
    let (e, mut t) = lead("ada.lovelace@acme.com");
    t.first_name = Some("Ada".into());
    t.last_name = Some("Lovelace".into());
    t.title = Some("Head of Operations".into());
    t.phone = Some("+44 20 7946 0958".into());
    let v = qualify(
        Facts {
            email: Some(&e),
            traits: &t,
        },
        &Rules::default(),
    );
    assert_eq!(v, Verdict::default());
    assert!(!v.disqualified());
}

#[test]
fn free_mail_and_role_accounts_flag_but_do_not_disqualify_by_default() {
    let (e, t) = lead("ada@gmail.com");
    let v = qualify(
        Facts {
            email: Some(&e),
            traits: &t,
        },
        &Rules::default(),
    );
    assert_eq!(v.findings[0].reason, Reason::FreeMail);
    assert_eq!(v.findings[0].action, Action::Flag);
    assert!(!v.disqualified());
    let (e, t) = lead("info+leads@acme.com");
    let v = qualify(
        Facts {
            email: Some(&e),
            traits: &t,
        },
        &Rules::default(),
    );
    assert_eq!(v.findings[0].reason, Reason::RoleAccount);
    assert_eq!(v.findings[0].detail, "info@");
    assert!(!v.disqualified());
    // A team that wants business addresses only says so.
    let strict = Rules {
        actions: [("free_mail".to_owned(), Action::Disqualify)].into(),
        ..Rules::default()
    };
    let (e, t) = lead("ada@gmail.com");
    assert!(
        qualify(
            Facts {
                email: Some(&e),
                traits: &t
            },
            &strict
        )
        .disqualified()
    );
}

#[test]
fn disposable_domains_shipped_and_added_disqualify() {
    let (e, t) = lead("x@mailinator.com");
    assert_eq!(
        codes(Some(&e), &t, &Rules::default()),
        ["disposable_domain"]
    );
    let (e, t) = lead("x@spam.tempbox.net");
    let rules = Rules {
        extra_disposable_domains: ["tempbox.net".to_owned()].into(),
        ..Rules::default()
    };
    assert_eq!(codes(Some(&e), &t, &rules), ["disposable_domain"]);
}

#[test]
fn students_are_found_by_domain_title_or_answer() {
    for email in [
        "sam@mit.edu",
        "sam@cs.ox.ac.uk",
        "sam@student.unimelb.edu.au",
        "sam@u-tokyo.ac.jp",
    ] {
        let (e, t) = lead(email);
        assert_eq!(
            codes(Some(&e), &t, &Rules::default()),
            ["student"],
            "{email}"
        );
    }
    let (e, mut t) = lead("sam@acme.com");
    t.title = Some("PhD Candidate".into());
    assert_eq!(codes(Some(&e), &t, &Rules::default()), ["student"]);
    t.title = Some("Student Success Manager at a SaaS company".into());
    // "student" as a word still counts; the rule is deliberately simple and explains itself.
    assert_eq!(codes(Some(&e), &t, &Rules::default()), ["student"]);
    t.title = Some("Studentenwerk IT".into());
    assert!(codes(Some(&e), &t, &Rules::default()).is_empty());
    let (e, mut t) = lead("sam@acme.com");
    t.custom.insert("role".into(), "Student".into());
    assert_eq!(codes(Some(&e), &t, &Rules::default()), ["student"]);
    // Domains that merely contain "edu" are not academic.
    let (e, t) = lead("sam@eduardo-consulting.com");
    assert!(codes(Some(&e), &t, &Rules::default()).is_empty());
}

#[test]
fn competitors_by_domain_including_subdomains() {
    let rules = Rules {
        competitor_domains: ["rival.io".to_owned()].into(),
        ..Rules::default()
    };
    let (e, t) = lead("spy@eu.rival.io");
    let v = qualify(
        Facts {
            email: Some(&e),
            traits: &t,
        },
        &rules,
    );
    assert_eq!(v.findings[0].reason, Reason::Competitor);
    assert_eq!(v.findings[0].detail, "rival.io");
    assert!(v.disqualified());
}

#[test]
fn junk_names_addresses_and_phones() {
    let (e, t) = lead("test@test.com");
    assert_eq!(codes(Some(&e), &t, &Rules::default()), ["junk"]);
    let (e, t) = lead("someone@example.com");
    assert_eq!(codes(Some(&e), &t, &Rules::default()), ["junk"]);
    let (e, mut t) = lead("ada@acme.com");
    t.first_name = Some("asdf".into());
    t.phone = Some("0000000".into());
    let v = qualify(
        Facts {
            email: Some(&e),
            traits: &t,
        },
        &Rules::default(),
    );
    let details: Vec<&str> = v.findings.iter().map(|f| f.detail.as_str()).collect();
    assert_eq!(
        details,
        ["first name: placeholder name", "phone: one repeated digit"]
    );
    assert!(v.disqualified());
}

#[test]
fn excluded_countries_match_ignoring_case() {
    let rules = Rules {
        excluded_countries: ["North Korea".to_owned(), "KP".to_owned()].into(),
        ..Rules::default()
    };
    let mut t = Traits {
        country: Some(" north korea ".into()),
        ..Traits::default()
    };
    assert_eq!(codes(None, &t, &rules), ["excluded_country"]);
    t.country = Some("South Korea".into());
    assert!(codes(None, &t, &rules).is_empty());
}

#[test]
fn custom_rules_parse_match_and_explain_themselves() {
    let rule = CustomRule::parse("interns", "title contains intern").unwrap();
    let t = Traits {
        title: Some("Marketing Intern".into()),
        ..Traits::default()
    };
    let rules = Rules {
        custom: vec![rule],
        ..Rules::default()
    };
    let v = qualify(
        Facts {
            email: None,
            traits: &t,
        },
        &rules,
    );
    assert_eq!(v.findings[0].reason.code(), "custom:interns");
    assert_eq!(v.findings[0].detail, "title contains intern");
    assert!(v.disqualified());

    let small = CustomRule::parse("tiny", "custom.employees in (1, 1-10, \"just me\")").unwrap();
    let mut t = Traits::default();
    t.custom.insert("Employees".into(), "Just me".into());
    assert!(small.matches(Facts {
        email: None,
        traits: &t
    }));
    // A missing field never matches, even with !=.
    let not_us = CustomRule::parse("abroad", "country != US").unwrap();
    assert!(!not_us.matches(Facts {
        email: None,
        traits: &Traits::default()
    }));
}

#[test]
fn custom_rule_errors_point_at_the_column() {
    let e = CustomRule::parse("x", "titel contains intern").unwrap_err();
    assert_eq!(e.column, 1);
    assert!(e.message.contains("unknown field \"titel\""), "{e}");
    let e = CustomRule::parse("x", "title has intern").unwrap_err();
    assert_eq!(e.column, 7);
    let e = CustomRule::parse("x", "company in Acme").unwrap_err();
    assert_eq!(e.column, 11);
    let e = CustomRule::parse("x", "company =  ").unwrap_err();
    assert_eq!(e.message, "expected a value");
}

#[test]
fn rules_read_from_toml_shaped_json_and_reject_bad_rules() {
    let rules: Rules = serde_json::from_value(serde_json::json!({
        "competitor_domains": ["rival.io"],
        "actions": {"role_account": "disqualify"},
        "custom": [{"name": "interns", "rule": "title contains intern"}]
    }))
    .unwrap();
    assert_eq!(rules.custom[0].text(), "title contains intern");
    let bad = serde_json::from_value::<Rules>(serde_json::json!({
        "custom": [{"name": "oops", "rule": "title > 5"}]
    }));
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("rule \"oops\": column 7: expected an operator")
    );
}

proptest! {
    #[test]
    fn qualify_never_panics_and_codes_are_snake_case(
        local in "[a-z0-9.+_-]{1,12}",
        domain in "[a-z]{1,10}\\.(com|edu|ac\\.uk|io|de)",
        name in "\\PC{0,16}",
        phone in "[0-9 +()-]{0,20}",
        rule in "\\PC{0,30}",
    ) {
        let t = Traits {
            first_name: Some(name.clone()),
            title: Some(name),
            phone: Some(phone),
            ..Traits::default()
        };
        let email = Email::parse(&format!("{local}@{domain}")).ok();
        let mut rules = Rules::default();
        if let Ok(r) = CustomRule::parse("p", &rule) {
            rules.custom.push(r);
        }
        let v = qualify(Facts { email: email.as_ref(), traits: &t }, &rules);
        for f in &v.findings {
            let code = f.reason.code();
            prop_assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == ':'));
        }
    }
}

proptest! {
    /// The one-pass keyboard-run check agrees with its definition: some window of four
    /// characters is four neighbouring keys of one row, left to right or right to left.
    #[test]
    fn keyboard_runs_are_windows_of_four_neighbouring_keys(
        noise in "[a-z0-9 é]{0,5}",
        row in 0usize..4,
        start in 0usize..7,
        len in 2usize..6,
        reversed: bool,
        tail in "[a-z0-9 é]{0,5}",
    ) {
        // Noise around a piece of a keyboard row, so that runs of every length turn up.
        let keys: Vec<char> = junk::KEYBOARD_ROWS[row].chars().collect();
        let mut piece: Vec<char> = keys.iter().skip(start).take(len).copied().collect();
        if reversed {
            piece.reverse();
        }
        let s: Vec<char> = noise.chars().chain(piece).chain(tail.chars()).collect();
        let n = junk::KEYBOARD_RUN;
        let by_definition = s.windows(n).any(|w| {
            junk::KEYBOARD_ROWS.iter().any(|row| {
                let keys: Vec<char> = row.chars().collect();
                keys.windows(n).any(|k| k == w || k.iter().rev().eq(w.iter()))
            })
        });
        prop_assert_eq!(junk::keyboard_run(&s), by_definition, "{:?}", s);
    }
}
