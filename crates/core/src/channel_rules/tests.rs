use super::*;

fn rule(m: Option<&str>, s: Option<&str>, h: Option<&str>, channel: Channel) -> ChannelRule {
    ChannelRule {
        utm_medium: m.map(str::to_owned),
        utm_source: s.map(str::to_owned),
        utm_campaign: None,
        referrer_host: h.map(str::to_owned),
        channel,
    }
}

#[test]
fn globs_match_prefixes_suffixes_and_middles() {
    assert!(glob("paid*social*", "paid-social"));
    assert!(glob("paid*social*", "paid_social_ads"));
    assert!(!glob("paid*social*", "social-paid"));
    assert!(glob("*", ""));
    assert!(glob("a*a", "aa"));
    assert!(!glob("a*a", "a"));
    assert!(glob("exact", "exact"));
    assert!(!glob("exact", "exactly"));
}

#[test]
fn the_first_matching_rule_wins_and_case_is_ignored() {
    let rules = ChannelRules::new(vec![
        rule(Some("cpc"), Some("capterra"), None, Channel::Analyst),
        rule(Some("cpc"), None, None, Channel::Display),
    ])
    .unwrap();
    let t = Touch {
        utm_medium: Some("CPC"),
        utm_source: Some("Capterra"),
        ..Touch::default()
    };
    assert_eq!(rules.classify(&t, None), (Channel::Analyst, Some(0)));
    let t = Touch {
        utm_medium: Some("cpc"),
        utm_source: Some("google"),
        ..Touch::default()
    };
    assert_eq!(rules.classify(&t, None), (Channel::Display, Some(1)));
}

#[test]
fn unmatched_touches_fall_back_to_the_built_in_classifier() {
    let rules = ChannelRules::new(default_rules()).unwrap();
    let t = Touch {
        referrer: Some("https://www.google.com/search?q=x"),
        ..Touch::default()
    };
    assert_eq!(rules.classify(&t, None), (Channel::OrganicSearch, None));
    let t = Touch {
        referrer: Some("https://www.gartner.com/reviews/x"),
        ..Touch::default()
    };
    assert_eq!(rules.classify(&t, None).0, Channel::Analyst);
    let t = Touch {
        utm_medium: Some("paid-social"),
        utm_source: Some("linkedin"),
        ..Touch::default()
    };
    assert_eq!(rules.classify(&t, None).0, Channel::PaidSocial);
}

#[test]
fn a_condition_on_a_missing_field_does_not_match() {
    let rules = ChannelRules::new(vec![rule(None, Some("*"), None, Channel::Blog)]).unwrap();
    assert_eq!(rules.matching(&Touch::default()), None);
}

#[test]
fn empty_rules_and_blank_patterns_are_refused_with_their_field() {
    let errors = ChannelRules::new(vec![
        rule(None, None, None, Channel::Blog),
        rule(Some(" "), None, None, Channel::Blog),
    ])
    .unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(
        (errors[0].index, errors[0].field.as_str()),
        (0, "utm_medium")
    );
    assert_eq!(
        (errors[1].index, errors[1].field.as_str()),
        (1, "utm_medium")
    );
}

#[test]
fn rules_are_read_from_json_with_channel_names() {
    let json = r#"[{"utm_medium":"qr","channel":"direct_mail"}]"#;
    let rules: Vec<ChannelRule> = serde_json::from_str(json).unwrap();
    assert_eq!(rules[0].channel, Channel::DirectMail);
    assert!(
        serde_json::from_str::<Vec<ChannelRule>>(r#"[{"medium":"x","channel":"blog"}]"#).is_err()
    );
}

/// The rules' cost on the ingest path: time per touch over the default rules (printed; run
/// with `--ignored --nocapture`). No assertion on time: the machine's load varies.
#[test]
#[ignore = "a benchmark: prints the time per touch"]
fn matching_cost_per_touch_with_the_default_rules() {
    let rules = ChannelRules::new(default_rules()).unwrap();
    let touches = [
        Touch {
            utm_medium: Some("cpc"),
            utm_source: Some("google"),
            ..Touch::default()
        },
        Touch {
            referrer: Some("https://www.linkedin.com/feed/"),
            ..Touch::default()
        },
        Touch::default(),
    ];
    let n = 300_000;
    let started = std::time::Instant::now();
    let mut hits = 0usize;
    for i in 0..n {
        hits += usize::from(rules.matching(&touches[i % 3]).is_some());
    }
    let per = started.elapsed().as_nanos() as f64 / n as f64;
    println!(
        "{} rules: {per:.0} ns per touch ({hits} matched)",
        rules.rules().len()
    );
}
