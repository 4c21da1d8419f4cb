//! Merging reviewed pairs on both engines: what the surviving lead or account keeps, and
//! how the merge is recorded.

use std::collections::BTreeMap;

use leadline_store::StoreError;
use leadline_store::duplicates::{Actor, Kind, MergeChoice, Pick, Status};
use leadline_store::leads::LeadFilter;

use crate::duplicates::{cli, open, person};
use crate::support::test_db;

#[tokio::test]
async fn a_merged_pair_is_one_lead_with_both_histories_and_the_chosen_fields() {
    let db = test_db().await;
    let ann = db
        .store
        .create_user("ann@ops.example", "Ann", "sales", None)
        .await
        .unwrap();
    let a = person(
        &db,
        "jon@acme.com",
        ("Jon", "Smith"),
        &[("title", "Engineer"), ("country", "DE")],
        1_000,
    )
    .await;
    let b = person(
        &db,
        "john.smith@acme.com",
        ("John", "Smith"),
        &[("title", "VP Engineering"), ("phone", "+49 30 1234567")],
        2_000,
    )
    .await;
    db.store.scan_duplicates(&cli()).await.unwrap();
    let c = open(&db, Kind::Person).await.remove(0);

    // The review screen: the older lead survives by default, names keep their longest
    // spelling, the newest title wins.
    let detail = db.store.candidate_detail(&c.id).await.unwrap();
    let (older, newer) = if c.a.id == a {
        (Pick::A, Pick::B)
    } else {
        (Pick::B, Pick::A)
    };
    assert_eq!(detail.survivor, older);
    let row = |f: &str| detail.fields.iter().find(|r| r.field == f).unwrap().clone();
    assert_eq!(row("first_name").keep, newer, "most complete: John");
    assert_eq!(row("title").keep, newer, "newest");
    assert_eq!(row("email").keep, older);
    assert!(!row("last_name").differs);
    assert_eq!(detail.leads.len(), 2);

    // The reviewer keeps the older title instead.
    let choice = MergeChoice {
        survivor: Some(older),
        fields: BTreeMap::from([("title".to_owned(), older)]),
        reason: Some("same person, two addresses".into()),
    };
    let merged = db
        .capturer
        .merge_candidate(
            &c.id,
            choice.clone(),
            Actor::new(Some(ann.id.clone()), "ui"),
        )
        .await
        .unwrap();
    assert_eq!(
        (merged.survivor_id.as_str(), merged.merged_id.as_str()),
        (a.as_str(), b.as_str())
    );

    let leads = db
        .store
        .list_leads(&LeadFilter::default(), None, 10)
        .await
        .unwrap()
        .items;
    assert_eq!(leads.len(), 1, "one person, one lead");
    let lead = &leads[0];
    assert_eq!(lead.id, a);
    assert_eq!(lead.email.as_deref(), Some("jon@acme.com"));
    assert_eq!(lead.first_name.as_deref(), Some("John"));
    assert_eq!(
        lead.title.as_deref(),
        Some("Engineer"),
        "the reviewer's choice"
    );
    assert_eq!(
        lead.phone.as_deref(),
        Some("+49 30 1234567"),
        "a blank filled"
    );
    assert_eq!(lead.country.as_deref(), Some("DE"));
    assert_eq!(
        db.store.get_lead(&b).await.unwrap().id,
        a,
        "the merged id leads to the survivor"
    );

    // Both histories, and the merge itself, on the survivor's timeline.
    let timeline = db.store.lead_activities(&a, None, 50).await.unwrap().items;
    let kinds: Vec<&str> = timeline.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(kinds, ["merged", "form_submitted", "form_submitted"]);
    let m = &timeline[0];
    assert_eq!(m.name.as_deref(), Some("john.smith@acme.com"));
    assert_eq!(m.origin, format!("user:{}", ann.id));
    assert_eq!(m.properties["reason"], "same person, two addresses");
    let changed: Vec<&str> = m.properties["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["first_name", "phone"]);
    let merges = db.store.lead_merges(&a).await.unwrap();
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0].by_email.as_deref(), Some("ann@ops.example"));
    assert_eq!(merges[0].via.as_deref(), Some("ui"));
    let title = merges[0]
        .fields
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "title")
        .unwrap();
    assert_eq!(
        (title["from"].as_str(), title["decided_by"]["by"].as_str()),
        (Some("survivor"), Some("reviewer"))
    );

    // The pair is closed, with who and when; merging it again is refused.
    let closed = db.store.get_candidate(&c.id).await.unwrap();
    assert_eq!(closed.status, Status::Merged);
    assert_eq!(closed.resolved_by_email.as_deref(), Some("ann@ops.example"));
    assert!(open(&db, Kind::Person).await.is_empty());
    let again = db.capturer.merge_candidate(&c.id, choice, cli()).await;
    assert!(
        matches!(
            again,
            Err(StoreError::Refused {
                code: "not_open",
                ..
            })
        ),
        "{again:?}"
    );
    let unknown = db
        .capturer
        .merge_candidate("nope", MergeChoice::default(), cli())
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
}

#[tokio::test]
async fn merging_accounts_moves_their_leads_and_the_merged_domain_keeps_leading_to_the_survivor() {
    let db = test_db().await;
    person(
        &db,
        "ann@acme.com",
        ("Ann", "Ark"),
        &[("company", "Acme Inc")],
        1_000,
    )
    .await;
    person(
        &db,
        "bob@acme.com",
        ("Bob", "Bay"),
        &[("company", "Acme Inc")],
        2_000,
    )
    .await;
    let de = person(
        &db,
        "carl@acme.de",
        ("Carl", "Cole"),
        &[("company", "ACME GmbH")],
        3_000,
    )
    .await;
    person(
        &db,
        "dora@globex.com",
        ("Dora", "Dunn"),
        &[("company", "Globex")],
        4_000,
    )
    .await;
    let scan = db.store.scan_duplicates(&cli()).await.unwrap();
    assert_eq!(scan.accounts.records, 3);
    let found = open(&db, Kind::Account).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let c = &found[0];
    let detail = db.store.candidate_detail(&c.id).await.unwrap();
    let com = if c.a.domain.as_deref() == Some("acme.com") {
        Pick::A
    } else {
        Pick::B
    };
    assert_eq!(detail.survivor, com, "the account with more leads");

    let merged = db
        .capturer
        .merge_candidate(
            &c.id,
            MergeChoice {
                fields: BTreeMap::from([("name".to_owned(), com.other())]),
                ..Default::default()
            },
            cli(),
        )
        .await
        .unwrap();
    assert_eq!(merged.leads_moved, Some(1));
    let survivor = db.store.get_account(&merged.survivor_id).await.unwrap();
    assert_eq!(
        (
            survivor.domain.as_str(),
            survivor.name.as_deref(),
            survivor.leads
        ),
        ("acme.com", Some("ACME GmbH"), 3)
    );
    assert_eq!(
        db.store.get_account(&merged.merged_id).await.unwrap().id,
        survivor.id
    );
    let listed = db.store.list_accounts(None, None, 10).await.unwrap().items;
    assert_eq!(listed.len(), 2, "the merged account is gone from the list");
    assert_eq!(
        db.store.get_lead(&de).await.unwrap().account_id.as_deref(),
        Some(survivor.id.as_str())
    );

    let new = person(&db, "eve@acme.de", ("Eve", "Eck"), &[], 5_000).await;
    assert_eq!(
        db.store.get_lead(&new).await.unwrap().account_id.as_deref(),
        Some(survivor.id.as_str()),
        "a new lead of the merged domain joins the surviving account"
    );
}

#[tokio::test]
async fn merges_follow_the_configured_survivorship_rules_and_refuse_unknown_fields() {
    let db = test_db().await;
    let rules = db
        .store
        .survivorship_rules()
        .await
        .unwrap()
        .with("title=oldest")
        .unwrap();
    db.store.set_survivorship_rules(Some(&rules)).await.unwrap();
    assert_eq!(db.store.survivorship_rules().await.unwrap(), rules);
    let a = person(
        &db,
        "max@acme.com",
        ("Max", "Roth"),
        &[("title", "Founder")],
        1_000,
    )
    .await;
    person(
        &db,
        "m.roth@acme.com",
        ("Max", "Roth"),
        &[("title", "CEO")],
        2_000,
    )
    .await;
    db.store.scan_duplicates(&cli()).await.unwrap();
    let c = open(&db, Kind::Person).await.remove(0);
    let bad = MergeChoice {
        fields: BTreeMap::from([("salary".to_owned(), Pick::A)]),
        ..Default::default()
    };
    let r = db.capturer.merge_candidate(&c.id, bad, cli()).await;
    assert!(
        matches!(&r, Err(StoreError::Invalid(m)) if m.contains("salary")),
        "{r:?}"
    );
    // No survivor named: the older lead lives on, and its title is the oldest.
    let merged = db
        .capturer
        .merge_candidate(&c.id, MergeChoice::default(), cli())
        .await
        .unwrap();
    assert_eq!(merged.survivor_id, a);
    assert_eq!(
        db.store.get_lead(&a).await.unwrap().title.as_deref(),
        Some("Founder")
    );
    db.store.set_survivorship_rules(None).await.unwrap();
    assert_eq!(
        db.store.survivorship_rules().await.unwrap(),
        Default::default()
    );
}

#[tokio::test]
async fn a_merged_lead_is_scored_again_with_both_histories() {
    let db = test_db().await;
    let now = leadline_store::now_ms();
    let a = person(&db, "rae@acme.com", ("Rae", "Quinn"), &[], now - 2_000).await;
    let b = person(&db, "r.quinn@acme.com", ("Rae", "Quinn"), &[], now - 1_000).await;
    let before = db.store.get_lead(&a).await.unwrap().engagement_score;
    db.store.scan_duplicates(&cli()).await.unwrap();
    let c = open(&db, Kind::Person).await.remove(0);
    let survivor = if c.a.id == a { Pick::A } else { Pick::B };
    let choice = MergeChoice {
        survivor: Some(survivor),
        ..Default::default()
    };
    db.capturer
        .merge_candidate(&c.id, choice, cli())
        .await
        .unwrap();
    let after = db.store.get_lead(&a).await.unwrap().engagement_score;
    assert!(
        before.is_some_and(|b| b > 0),
        "a form submission counts: {before:?}"
    );
    assert!(
        after > before,
        "two form submissions count more than one: {before:?} → {after:?}"
    );
    assert_eq!(db.store.get_lead(&b).await.unwrap().id, a);
}
