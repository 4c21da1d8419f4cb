//! Costs, markers, channel rules and the self-reported channel, on both engines.

use leadline_core::channel_rules::ChannelRule;
use leadline_core::costs::{parse_cost_csv, parse_day};
use leadline_core::{Activity, CaptureEvent, Channel, Email};
use leadline_store::catalog::CampaignInput;
use leadline_store::costs::{CostFilter, NewCost};
use leadline_store::markers::{NO_ANSWER, NewMarker};

use crate::support::test_db;

fn campaign(name: &str, channel: &str, currency: &str) -> CampaignInput {
    CampaignInput {
        name: name.into(),
        channel: channel.into(),
        starts_at: None,
        ends_at: None,
        budget_minor: None,
        currency: Some(currency.into()),
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
    }
}

fn day(s: &str) -> i64 {
    parse_day(s).unwrap()
}

#[tokio::test]
async fn reimporting_an_export_replaces_its_rows_instead_of_counting_them_twice() {
    let db = test_db().await;
    let s = &db.store;
    let c = s
        .create_campaign(&campaign("Spring search", "paid_search", "EUR"))
        .await
        .unwrap();
    let csv = "date,campaign,cost\n2026-03-01,Spring search,100.50\n2026-03-01,spring search,20\n\
               2026-03-02,Spring search,5\n2026-03-02,Nowhere,7\n";
    let parsed = parse_cost_csv(csv, "USD");
    let first = s
        .import_costs(&parsed.rows, parsed.errors, None, None, 1)
        .await
        .unwrap();
    assert_eq!(
        (first.imported, first.replaced),
        (2, 0),
        "two campaign-days"
    );
    assert_eq!(first.errors.len(), 1);
    assert_eq!(first.errors[0].line, 5);
    assert!(first.errors[0].message.contains("Nowhere"));
    let parsed = parse_cost_csv(csv, "USD");
    let again = s
        .import_costs(&parsed.rows, parsed.errors, None, None, 2)
        .await
        .unwrap();
    assert_eq!((again.imported, again.replaced), (0, 2));
    let page = s.costs(&CostFilter::default(), None, 50).await.unwrap();
    let total: i64 = page.items.iter().map(|k| k.amount_minor).sum();
    assert_eq!(
        total,
        10_050 + 2_000 + 500,
        "same-day rows summed, nothing doubled"
    );
    assert!(
        page.items
            .iter()
            .all(|k| k.currency == "EUR" && k.channel == "paid_search")
    );
    assert_eq!(s.get_campaign(&c.id).await.unwrap().cost_minor, 12_550);
}

#[tokio::test]
async fn unknown_campaigns_are_created_when_asked_with_the_given_channel() {
    let db = test_db().await;
    let s = &db.store;
    let parsed = parse_cost_csv("day,campaign name,spend\n2026-04-01,Booth,1500\n", "USD");
    let r = s
        .import_costs(
            &parsed.rows,
            parsed.errors,
            Some(Channel::Tradeshow),
            Some("u1"),
            1,
        )
        .await
        .unwrap();
    assert_eq!((r.imported, r.created_campaigns, r.errors.len()), (1, 1, 0));
    let k = &s
        .costs(&CostFilter::default(), None, 10)
        .await
        .unwrap()
        .items[0];
    assert_eq!(
        (k.channel.as_str(), k.campaign.as_deref(), k.source.as_str()),
        ("tradeshow", Some("Booth"), "import")
    );
}

/// Two marketers importing at once: each import reads the campaigns, then writes. On SQLite a
/// transaction that read before another one committed cannot write any more; the import must
/// take the write lock first instead of failing with "database is locked".
#[tokio::test]
async fn imports_running_at_once_all_land() {
    let db = test_db().await;
    let s = &db.store;
    let csvs: Vec<String> = (0..6)
        .map(|i| format!("date,campaign,cost\n2026-05-01,Shared,1\n2026-05-02,Own {i},2\n"))
        .collect();
    let parsed: Vec<_> = csvs.iter().map(|c| parse_cost_csv(c, "USD")).collect();
    let imports = parsed.iter().enumerate().map(|(i, p)| {
        s.import_costs(
            &p.rows,
            p.errors.clone(),
            Some(Channel::Tradeshow),
            None,
            i as i64,
        )
    });
    for (i, r) in futures_util::future::join_all(imports)
        .await
        .into_iter()
        .enumerate()
    {
        let r = r.unwrap_or_else(|e| panic!("import {i}: {e}"));
        assert_eq!(r.imported + r.replaced, 2, "import {i}");
    }
    let page = s.costs(&CostFilter::default(), None, 50).await.unwrap();
    let own = page
        .items
        .iter()
        .filter(|k| k.campaign.as_deref() != Some("Shared"));
    assert_eq!(own.count(), 6, "each import's own campaign-day");
}

#[tokio::test]
async fn manual_costs_filter_by_period_campaign_and_channel_and_page_by_day() {
    let db = test_db().await;
    let s = &db.store;
    let c = s
        .create_campaign(&campaign("Webinar A", "webinar", "GBP"))
        .await
        .unwrap();
    let on_campaign = NewCost {
        campaign_id: Some(c.id.clone()),
        day: day("2026-01-10"),
        amount_minor: 900,
        ..NewCost::default()
    };
    let k = s.add_cost(&on_campaign, None, 1).await.unwrap();
    assert_eq!(
        (k.channel.as_str(), k.currency.as_str()),
        ("webinar", "GBP")
    );
    for d in ["2026-01-01", "2026-02-01", "2026-03-01"] {
        let seo = NewCost {
            channel: Some(Channel::OrganicSearch),
            day: day(d),
            amount_minor: 300_000,
            note: Some("SEO retainer".into()),
            ..NewCost::default()
        };
        assert_eq!(s.add_cost(&seo, None, 1).await.unwrap().currency, "USD");
    }
    let bad = NewCost {
        day: day("2026-01-01"),
        amount_minor: 1,
        ..NewCost::default()
    };
    assert!(
        s.add_cost(&bad, None, 1)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("channel:")
    );

    let by = |f: CostFilter| async move { s.costs(&f, None, 50).await.unwrap().items.len() };
    assert_eq!(by(CostFilter::default()).await, 4);
    assert_eq!(
        by(CostFilter {
            from: Some(day("2026-01-05")),
            to: Some(day("2026-03-01")),
            ..Default::default()
        })
        .await,
        2
    );
    assert_eq!(
        by(CostFilter {
            campaign_id: Some(c.id.clone()),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        by(CostFilter {
            channel: Some("organic_search".into()),
            ..Default::default()
        })
        .await,
        3
    );

    let mut days = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .costs(&CostFilter::default(), after.as_ref(), 3)
            .await
            .unwrap();
        days.extend(page.items.iter().map(|k| k.day));
        match page.next_cursor() {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(
        days,
        vec![
            day("2026-03-01"),
            day("2026-02-01"),
            day("2026-01-10"),
            day("2026-01-01")
        ]
    );

    let totals = s.cost_totals(None, None).await.unwrap();
    let jan: Vec<_> = totals
        .iter()
        .filter(|t| t.month == "2026-01")
        .map(|t| (t.channel.as_str(), t.amount_minor))
        .collect();
    assert_eq!(jan, vec![("organic_search", 300_000), ("webinar", 900)]);
    s.delete_cost(&k.id).await.unwrap();
    assert!(s.delete_cost(&k.id).await.is_err());
}

#[tokio::test]
async fn markers_are_listed_between_two_days_and_can_be_removed() {
    let db = test_db().await;
    let s = &db.store;
    let mk = |at: &str, title: &str| NewMarker {
        at: day(at),
        channel: Channel::Analyst,
        campaign_id: None,
        title: title.into(),
        url: Some("https://analyst.example/report".into()),
        note: None,
    };
    let a = s
        .add_marker(&mk("2026-02-01", "Wave report"), None, 1)
        .await
        .unwrap();
    s.add_marker(&mk("2026-05-01", "Keynote"), None, 1)
        .await
        .unwrap();
    let mut bad = mk("2026-05-01", "x");
    bad.url = Some("javascript:alert(1)".into());
    assert!(
        s.add_marker(&bad, None, 1)
            .await
            .unwrap_err()
            .to_string()
            .starts_with("url:")
    );
    let got = s
        .markers_between(day("2026-01-01"), day("2026-03-01"))
        .await
        .unwrap();
    assert_eq!(
        got.iter().map(|m| m.title.as_str()).collect::<Vec<_>>(),
        vec!["Wave report"]
    );
    s.delete_marker(&a.id).await.unwrap();
    assert!(s.markers_between(0, i64::MAX).await.unwrap().len() == 1);
}

fn form_event(email: &str, id: &str, at: i64, heard: Option<&str>) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, Activity::FormSubmitted, at, "form:test");
    e.email = Some(Email::parse(email).unwrap());
    if let Some(h) = heard {
        e.traits.custom.insert("heard_about".into(), h.into());
    }
    e
}

#[tokio::test]
async fn the_first_self_reported_answer_wins_and_is_counted_by_channel() {
    let db = test_db().await;
    let now = leadline_store::now_ms();
    db.capturer
        .capture(vec![
            form_event("ann@acme.example", "m1", now - 3000, Some("Google")),
            form_event("bob@acme.example", "m2", now - 3000, Some("a colleague")),
            form_event("cy@acme.example", "m3", now - 3000, None),
        ])
        .await
        .unwrap();
    db.capturer
        .capture(vec![form_event(
            "ann@acme.example",
            "m4",
            now - 1000,
            Some("LinkedIn"),
        )])
        .await
        .unwrap();
    let mut got = db.store.self_reported(0, i64::MAX).await.unwrap();
    got.sort();
    assert_eq!(
        got,
        vec![
            (NO_ANSWER.to_owned(), 1),
            ("organic_search".to_owned(), 1),
            ("referral".to_owned(), 1),
        ]
    );
}

#[tokio::test]
async fn saved_channel_rules_decide_new_touches_and_bad_rules_are_refused() {
    let db = test_db().await;
    let rule = ChannelRule {
        utm_medium: Some("booth-*".into()),
        utm_source: None,
        utm_campaign: None,
        referrer_host: None,
        channel: Channel::Tradeshow,
    };
    db.store
        .set_channel_rules(vec![rule.clone()])
        .await
        .unwrap();
    let mut e = form_event("dee@acme.example", "r1", leadline_store::now_ms(), None);
    e.utm.medium = Some("Booth-QR".into());
    db.capturer.capture(vec![e]).await.unwrap();
    let lead = db
        .store
        .list_leads(&Default::default(), None, 5)
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(lead.source_channel.as_deref(), Some("tradeshow"));

    let blank = ChannelRule {
        utm_medium: None,
        ..rule
    };
    let err = db.store.set_channel_rules(vec![blank]).await.unwrap_err();
    assert!(
        matches!(err, leadline_store::channel_rules::SetRulesError::Invalid(ref e) if e[0].field == "utm_medium")
    );
    db.store.reload_channel_rules().await.unwrap();
    assert_eq!(
        db.store.channel_rules().rules().len(),
        1,
        "the saved rules stay"
    );
}
