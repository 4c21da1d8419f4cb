//! Filter expressions compiled to SQL count the same leads on both engines, with the
//! evaluator's rules (a missing field never matches; `not` inverts a definite answer).

use leadline_core::filter::parse;
use leadline_core::{Activity, CaptureEvent, Email};

use crate::support::test_db;

const DAY: i64 = 86_400_000;

fn person(
    id: &str,
    email: &str,
    title: Option<&str>,
    country: Option<&str>,
    at: i64,
) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, Activity::FormSubmitted, at, "source:test");
    e.user_id = Some(format!("u-{id}"));
    e.email = Some(Email::parse(email).unwrap());
    e.traits.first_name = Some("Sam".into());
    e.traits.title = title.map(Into::into);
    e.traits.country = country.map(Into::into);
    e.traits.custom.insert("budget".into(), "50k+".into());
    e
}

#[tokio::test]
async fn filters_count_the_leads_they_describe() {
    let db = test_db().await;
    let now = leadline_store::now_ms();
    db.capturer
        .capture(vec![
            person(
                "p1",
                "ceo@acme.com",
                Some("Co-Founder & CEO"),
                Some("DE"),
                now - 2 * DAY,
            ),
            person(
                "p2",
                "ops@initech.com",
                Some("Ops 100% Manager"),
                Some("AT"),
                now - 40 * DAY,
            ),
            person("p3", "x@globex.com", None, None, now - DAY),
        ])
        .await
        .unwrap();
    let count = |text: &'static str| {
        let store = db.store.clone();
        async move {
            let expr = parse(text).unwrap();
            store.count_matching(&expr, now).await.unwrap()
        }
    };
    assert_eq!(count(r#"country = "de""#).await, 1);
    assert_eq!(count(r#"country in ("DE", "AT")"#).await, 2);
    // p3 has no country: neither equal nor unequal.
    assert_eq!(count(r#"country != "DE""#).await, 1);
    assert_eq!(count(r#"not (country = "DE")"#).await, 2);
    assert_eq!(count(r#"title contains "founder""#).await, 1);
    // LIKE wildcards in the text are literal.
    assert_eq!(count(r#"title contains "100%""#).await, 1);
    assert_eq!(count(r#"title contains "_""#).await, 0);
    assert_eq!(count("title").await, 2);
    assert_eq!(count("created_at > now - 30d").await, 2);
    assert_eq!(
        count(r#"custom.budget = "50K+" and not disqualified"#).await,
        3
    );
    assert_eq!(count("activity(form_submitted, last 7d) >= 1").await, 2);
    assert_eq!(
        count("activity(form_submitted) = 1 or country = \"AT\"").await,
        3
    );

    let unknown = db
        .store
        .count_matching(&parse("shoe_size = \"42\"").unwrap(), now)
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), "unknown field \"shoe_size\"");
}
