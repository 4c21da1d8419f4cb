use proptest::prelude::*;

use super::*;

/// The example the Standard Webhooks libraries test against (checked independently with
/// Python's `hmac` module).
const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SPEC_TIMESTAMP: i64 = 1_614_265_330;
const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

fn spec_secret() -> Secret {
    Secret::parse(SPEC_SECRET).unwrap()
}

#[test]
fn signatures_match_the_specification_s_example() {
    assert_eq!(
        signature(&[spec_secret()], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY),
        SPEC_SIGNATURE
    );
}

#[test]
fn a_receiver_accepts_the_delivery_and_nothing_else() {
    let s = spec_secret();
    let ts = SPEC_TIMESTAMP.to_string();
    let ok = |id: &str, sig: &str, body: &[u8], now: i64| verify(&s, id, &ts, sig, body, now);
    assert_eq!(
        ok(SPEC_ID, SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP),
        Ok(())
    );
    // Four minutes late is fine, six is a replay.
    assert_eq!(
        ok(SPEC_ID, SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP + 240),
        Ok(())
    );
    assert_eq!(
        ok(SPEC_ID, SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP + 360),
        Err(WebhookError::OutsideTolerance)
    );
    let tampered = br#"{"test": 2432232315}"#;
    assert_eq!(
        ok(SPEC_ID, SPEC_SIGNATURE, tampered, SPEC_TIMESTAMP),
        Err(WebhookError::NoMatch)
    );
    assert_eq!(
        ok("msg_other", SPEC_SIGNATURE, SPEC_BODY, SPEC_TIMESTAMP),
        Err(WebhookError::NoMatch)
    );
    for garbage in [
        "",
        "v1,",
        "v1,!!!",
        "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    ] {
        assert_eq!(
            ok(SPEC_ID, garbage, SPEC_BODY, SPEC_TIMESTAMP),
            Err(WebhookError::NoMatch),
            "{garbage:?}"
        );
    }
    assert_eq!(
        verify(&s, SPEC_ID, "yesterday", SPEC_SIGNATURE, SPEC_BODY, 0),
        Err(WebhookError::BadTimestamp)
    );
    let other = Secret::from_bytes([7; SECRET_BYTES]);
    assert_eq!(
        verify(
            &other,
            SPEC_ID,
            &ts,
            SPEC_SIGNATURE,
            SPEC_BODY,
            SPEC_TIMESTAMP
        ),
        Err(WebhookError::NoMatch)
    );
}

#[test]
fn during_a_rotation_either_secret_verifies() {
    let (old, new) = (spec_secret(), Secret::from_bytes([9; SECRET_BYTES]));
    let header = signature(&[new.clone(), old.clone()], "msg_1", 100, b"{}");
    assert_eq!(header.split(' ').count(), 2);
    for s in [&old, &new] {
        assert_eq!(verify(s, "msg_1", "100", &header, b"{}", 100), Ok(()));
    }
}

#[test]
fn secrets_read_back_what_they_reveal_and_never_print() {
    let s = Secret::from_bytes([42; SECRET_BYTES]);
    let shown = s.reveal();
    assert!(shown.starts_with("whsec_"));
    assert_eq!(Secret::parse(&shown).unwrap(), s);
    assert_eq!(format!("{s:?}"), "Secret(…)");
    for bad in ["", "whsec_", "whsec_not base64", "whsec_c2hvcnQ="] {
        assert_eq!(Secret::parse(bad), Err(WebhookError::BadSecret), "{bad:?}");
    }
}

#[test]
fn event_names_round_trip() {
    for e in EventType::ALL {
        assert_eq!(EventType::parse(e.as_str()), Some(e));
        assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
    }
    assert_eq!(EventType::parse("lead.deleted"), None);
}

#[test]
fn retries_back_off_from_thirty_seconds_to_six_hours_then_stop() {
    let waits: Vec<Option<i64>> = (0..=MAX_ATTEMPTS).map(|a| retry_delay_ms(a, 0.0)).collect();
    assert_eq!(waits[0], None, "attempts count from 1");
    assert_eq!(waits[1], Some(30_000));
    assert_eq!(waits[2], Some(60_000));
    assert_eq!(waits[3], Some(120_000));
    assert_eq!(waits[10], Some(30_000 << 9));
    assert_eq!(waits[11], Some(6 * 3_600_000));
    assert_eq!(waits[14], Some(6 * 3_600_000));
    assert_eq!(waits[15], None);
    let total: i64 = waits.iter().flatten().sum();
    assert!(
        total > 24 * 3_600_000,
        "retries span more than a day: {total}"
    );
}

proptest! {
    #[test]
    fn backoff_never_shrinks_and_jitter_stays_within_a_quarter(attempt in 1u32..MAX_ATTEMPTS, jitter in proptest::num::f64::ANY) {
        let plain = retry_delay_ms(attempt, 0.0).unwrap();
        let stretched = retry_delay_ms(attempt, jitter).unwrap();
        prop_assert!(stretched >= plain && stretched <= plain + plain / 4);
        if let Some(next) = retry_delay_ms(attempt + 1, 0.0) {
            prop_assert!(next >= plain);
        }
    }

    #[test]
    fn any_body_signed_verifies_and_any_change_to_it_does_not(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        flip in any::<usize>(),
        id in "[a-z0-9_]{1,20}",
        key in any::<[u8; SECRET_BYTES]>(),
    ) {
        let s = Secret::from_bytes(key);
        let header = signature(std::slice::from_ref(&s), &id, 1_700_000_000, &body);
        prop_assert_eq!(verify(&s, &id, "1700000000", &header, &body, 1_700_000_000), Ok(()));
        if !body.is_empty() {
            let mut changed = body.clone();
            changed[flip % body.len()] ^= 1;
            prop_assert_eq!(
                verify(&s, &id, "1700000000", &header, &changed, 1_700_000_000),
                Err(WebhookError::NoMatch)
            );
        }
    }
}

#[test]
fn endpoint_urls_must_be_http_with_a_host() {
    for ok in [
        "https://example.com/hooks",
        "http://127.0.0.1:8080/x?y=1",
        "HTTPS://Example.com",
        "http://[::1]:9000/",
    ] {
        assert_eq!(check_url(ok), Ok(()), "{ok}");
    }
    for bad in [
        "",
        "example.com",
        "ftp://example.com",
        "https://",
        "https:///path",
        "http://:80/",
        "https://exa mple.com",
        "javascript:alert(1)",
    ] {
        assert!(check_url(bad).is_err(), "{bad:?}");
    }
    assert!(check_url(&format!("https://a.com/{}", "x".repeat(MAX_URL_LEN))).is_err());
}
