//! The lead list's text search (`q`): words match the starts of words, on both engines.

use std::collections::BTreeSet;

use leadline_core::{Activity, CaptureEvent, Email, Stage};
use leadline_store::leads::{LeadFilter, LeadSort};
use leadline_store::page::Cursor;

use crate::support::{TestDb, test_db};

fn identify(n: usize, email: &str, first: &str, last: &str, company: &str) -> CaptureEvent {
    let mut e = CaptureEvent::new(
        format!("m{n}"),
        Activity::Identify,
        1_000 + n as i64,
        "source:test",
    );
    e.email = Some(Email::parse(email).unwrap());
    e.traits.first_name = Some(first.into());
    e.traits.last_name = Some(last.into());
    e.traits.company = Some(company.into());
    e
}

/// Ada, Grace, Alan and José, created in that order.
async fn people() -> TestDb {
    let db = test_db().await;
    for (n, (email, first, last, company)) in [
        ("ada@acme.com", "Ada", "Lovelace", "Acme Corp"),
        ("grace@globex.com", "Grace", "Hopper", "Globex"),
        ("alan@acme.com", "Alan", "Smith", "Acme Industries"),
        ("jose@initech.com", "José", "Ñúñez", "Initech"),
    ]
    .into_iter()
    .enumerate()
    {
        db.capturer
            .capture(vec![identify(n, email, first, last, company)])
            .await
            .unwrap();
    }
    db
}

async fn find_with(db: &TestDb, filter: LeadFilter) -> Vec<String> {
    let page = db.store.list_leads(&filter, None, 50).await.unwrap();
    page.items.into_iter().filter_map(|l| l.email).collect()
}

/// The emails of the leads `q` finds, newest first.
async fn find(db: &TestDb, q: &str) -> Vec<String> {
    let filter = LeadFilter {
        q: Some(q.into()),
        ..LeadFilter::default()
    };
    find_with(db, filter).await
}

#[tokio::test]
async fn words_match_the_start_of_first_names_last_names_and_company_words() {
    let db = people().await;
    assert_eq!(find(&db, "ada").await, ["ada@acme.com"]);
    assert_eq!(
        find(&db, "LOV").await,
        ["ada@acme.com"],
        "last name prefix, any case"
    );
    assert_eq!(find(&db, "smi").await, ["alan@acme.com"]);
    assert_eq!(find(&db, "glo").await, ["grace@globex.com"]);
    assert_eq!(
        find(&db, "acme").await,
        ["alan@acme.com", "ada@acme.com"],
        "newest first"
    );
    assert_eq!(
        find(&db, "acme corp").await,
        ["ada@acme.com"],
        "every word must match"
    );
    assert_eq!(
        find(&db, "ind acm").await,
        ["alan@acme.com"],
        "in any order"
    );
    assert_eq!(
        find(&db, "acme.com").await,
        ["alan@acme.com", "ada@acme.com"]
    );
    assert!(
        find(&db, "ovelace").await.is_empty(),
        "the middle of a word is not a match"
    );
    assert!(find(&db, "ada grace").await.is_empty());
}

#[tokio::test]
async fn an_address_or_its_start_is_still_an_email_search() {
    let db = people().await;
    assert_eq!(find(&db, "ada@").await, ["ada@acme.com"]);
    assert_eq!(find(&db, "Grace@Globex.com").await, ["grace@globex.com"]);
    assert!(find(&db, "ada@globex").await.is_empty());
}

#[tokio::test]
async fn accents_are_ignored_in_the_names_and_in_the_query() {
    let db = people().await;
    for q in ["jose", "José", "JOSÉ", "nunez", "Ñúñez", "jose nun"] {
        assert_eq!(find(&db, q).await, ["jose@initech.com"], "{q}");
    }
}

#[tokio::test]
async fn query_syntax_in_the_text_is_searched_as_words_without_error() {
    let db = people().await;
    for q in [
        "\"",
        "*",
        "OR",
        "NEAR(",
        "-",
        ":",
        "'",
        "\\",
        "%",
        "_",
        "(",
        ")",
        "^",
        "+",
        "{}",
        "\"ada",
        "ada\"",
        "a\"b",
        "ada*",
        "-ada",
        "ada:",
        "last_name:ada",
        "NEAR(ada grace)",
        "ada OR grace",
        "ada AND NOT grace",
        "ada & grace | !x",
        "ada:* & b:*",
        "'ada'",
    ] {
        let filter = LeadFilter {
            q: Some(q.into()),
            ..LeadFilter::default()
        };
        let r = db.store.list_leads(&filter, None, 50).await;
        assert!(r.is_ok(), "{q:?}: {r:?}");
    }
    assert_eq!(find(&db, "ada*").await, ["ada@acme.com"]);
    assert_eq!(find(&db, "-ada").await, ["ada@acme.com"]);
    assert_eq!(find(&db, "\"ada").await, ["ada@acme.com"]);
    assert!(find(&db, "ada OR grace").await.is_empty(), "OR is a word");
    assert!(find(&db, "*").await.is_empty(), "no word: no match");
}

#[tokio::test]
async fn words_combine_with_the_other_filters() {
    let db = people().await;
    let mut e = identify(10, "ada@acme.org", "Ada", "Byron", "Acme Labs");
    e.initial_stage = Some(Stage::Mql);
    db.capturer.capture(vec![e]).await.unwrap();
    let filter = |stage: Option<&str>| LeadFilter {
        q: Some("acme".into()),
        stage: stage.map(Into::into),
        ..LeadFilter::default()
    };
    assert_eq!(find_with(&db, filter(Some("mql"))).await, ["ada@acme.org"]);
    assert_eq!(
        find_with(&db, filter(Some("lead"))).await,
        ["alan@acme.com", "ada@acme.com"]
    );
    assert!(find_with(&db, filter(Some("customer"))).await.is_empty());
}

#[tokio::test]
async fn a_renamed_lead_is_found_by_its_new_name_and_not_its_old_one() {
    let db = people().await;
    let rename = identify(20, "ada@acme.com", "Ada", "Byron", "Acme Corp");
    db.capturer.capture(vec![rename]).await.unwrap();
    assert_eq!(find(&db, "byron").await, ["ada@acme.com"]);
    assert!(find(&db, "lovelace").await.is_empty());
    assert_eq!(find(&db, "ada").await, ["ada@acme.com"]);
}

#[tokio::test]
async fn paging_through_many_matches_returns_each_one_once_in_id_order() {
    let db = test_db().await;
    let mut smiths = BTreeSet::new();
    // Batches of one and of many (a batch's new leads may be inserted in any order).
    for (batch, size) in [(0, 1), (1, 60), (2, 1), (3, 45), (4, 1)] {
        let events: Vec<CaptureEvent> = (0..size)
            .map(|i| {
                let n = batch * 100 + i;
                let (last, company) = if i % 3 == 0 {
                    ("Jones", "Globex")
                } else {
                    ("Smith", "Acme")
                };
                identify(n, &format!("p{n}@example.com"), "Pat", last, company)
            })
            .collect();
        for (e, out) in events
            .iter()
            .zip(db.capturer.capture(events.clone()).await.unwrap())
        {
            if e.traits.last_name.as_deref() == Some("Smith") {
                smiths.insert(out.lead_id().unwrap().to_owned());
            }
        }
    }
    for sort in [LeadSort::Newest, LeadSort::Oldest] {
        let filter = LeadFilter {
            q: Some("smi acm".into()),
            sort,
            ..LeadFilter::default()
        };
        let (mut seen, mut after) = (Vec::new(), None::<Cursor>);
        loop {
            let page = db
                .store
                .list_leads(&filter, after.as_ref(), 7)
                .await
                .unwrap();
            seen.extend(page.items.into_iter().map(|l| l.id));
            match page.next {
                Some(c) => after = Cursor::decode(&c),
                None => break,
            }
            assert!(seen.len() <= smiths.len(), "paging does not end");
        }
        let mut want: Vec<String> = smiths.iter().cloned().collect();
        if sort == LeadSort::Newest {
            want.reverse();
        }
        assert_eq!(seen, want, "{sort:?}");
    }
}
