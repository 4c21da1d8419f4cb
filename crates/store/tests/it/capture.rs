use leadline_core::capture::OnDuplicate;
use leadline_core::{Activity, CaptureEvent, Email};
use leadline_store::CaptureOutcome;
use leadline_store::leads::LeadFilter;

use crate::support::test_db;

fn page(id: &str, anon: &str, at: i64) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, Activity::Page, at, "source:test");
    e.anonymous_id = Some(anon.into());
    e.name = Some("Pricing".into());
    e.utm.medium = Some("cpc".into());
    e.utm.source = Some("google".into());
    e.utm.campaign = Some("Spring Search".into());
    e
}

fn identify(id: &str, anon: Option<&str>, email: &str, at: i64) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, Activity::Identify, at, "source:test");
    e.anonymous_id = anon.map(Into::into);
    e.email = Some(Email::parse(email).unwrap());
    e.traits.first_name = Some("Ada".into());
    e.traits.company = Some("Acme".into());
    e
}

#[tokio::test]
async fn identify_stitches_the_visitors_earlier_page_views_and_keeps_their_first_touch() {
    let db = test_db().await;
    let out = db
        .capturer
        .capture(vec![
            page("m1", "anon-1", 1_000),
            page("m2", "anon-1", 2_000),
        ])
        .await
        .unwrap();
    assert_eq!(
        out,
        vec![CaptureOutcome::Anonymous, CaptureOutcome::Anonymous]
    );
    let mut id = identify("m3", Some("anon-1"), "Ada@ACME.com", 3_000);
    id.utm = Default::default();
    let out = db.capturer.capture(vec![id]).await.unwrap();
    let CaptureOutcome::Created { lead_id } = &out[0] else {
        panic!("{out:?}")
    };

    let lead = db.store.get_lead(lead_id).await.unwrap();
    assert_eq!(lead.email.as_deref(), Some("Ada@acme.com"));
    assert_eq!(lead.stage, "lead");
    assert_eq!(
        lead.source_channel.as_deref(),
        Some("paid_search"),
        "first touch is the stitched page view"
    );
    assert_eq!(lead.source_campaign.as_deref(), Some("Spring Search"));
    assert_eq!(lead.account_domain.as_deref(), Some("acme.com"));
    assert_eq!(
        lead.created_at, 3_000,
        "a lead is created when the event that created it happened"
    );
    let history = db.store.lead_stage_changes(lead_id).await.unwrap();
    assert_eq!((history[0].to.as_str(), history[0].at), ("lead", 3_000));
    let timeline = db.store.lead_activities(lead_id, None, 50).await.unwrap();
    let kinds: Vec<_> = timeline
        .items
        .iter()
        .map(|a| (a.kind.as_str(), a.message_id.as_str()))
        .collect();
    assert_eq!(kinds, [("identify", "m3"), ("page", "m2"), ("page", "m1")]);
}

#[tokio::test]
async fn a_resent_message_is_acknowledged_and_not_stored_twice() {
    let db = test_db().await;
    let first = db
        .capturer
        .capture(vec![identify("m1", None, "ada@acme.com", 1)])
        .await
        .unwrap();
    let again = db
        .capturer
        .capture(vec![identify("m1", None, "ada@acme.com", 1)])
        .await
        .unwrap();
    assert!(matches!(first[0], CaptureOutcome::Created { .. }));
    assert_eq!(again, vec![CaptureOutcome::Duplicate]);
    let lead_id = first[0].lead_id().unwrap();
    assert_eq!(
        db.store
            .lead_activities(lead_id, None, 50)
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}

#[tokio::test]
async fn free_mail_never_creates_an_account_and_a_bare_address_is_a_subscriber() {
    let db = test_db().await;
    let mut e = CaptureEvent::new("m1", Activity::Identify, 1, "source:test");
    e.email = Some(Email::parse("someone@gmail.com").unwrap());
    let out = db.capturer.capture(vec![e]).await.unwrap();
    let lead = db.store.get_lead(out[0].lead_id().unwrap()).await.unwrap();
    assert_eq!((lead.account_id, lead.stage.as_str()), (None, "subscriber"));
}

#[tokio::test]
async fn a_user_id_and_an_email_proven_to_be_one_person_merge_and_keep_both_histories() {
    let db = test_db().await;
    let mut by_uid = CaptureEvent::new("m1", Activity::Track, 1, "source:test");
    by_uid.user_id = Some("u-42".into());
    let a = db.capturer.capture(vec![by_uid]).await.unwrap()[0]
        .lead_id()
        .unwrap()
        .to_owned();
    let b = db
        .capturer
        .capture(vec![identify("m2", None, "ada@acme.com", 2)])
        .await
        .unwrap()[0]
        .lead_id()
        .unwrap()
        .to_owned();
    assert_ne!(a, b);
    let mut both = identify("m3", None, "ada@acme.com", 3);
    both.user_id = Some("u-42".into());
    let out = db.capturer.capture(vec![both]).await.unwrap();
    assert_eq!(
        out[0].lead_id(),
        Some(a.as_str()),
        "the older lead survives"
    );

    let survivor = db.store.get_lead(&b).await.unwrap();
    assert_eq!(survivor.id, a, "the merged lead's id leads to the survivor");
    assert_eq!(survivor.email.as_deref(), Some("ada@acme.com"));
    let ids: Vec<_> = db
        .store
        .lead_activities(&a, None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|x| x.message_id)
        .collect();
    assert!(
        ids[0].starts_with("merge:"),
        "the merge is on the timeline: {ids:?}"
    );
    assert_eq!(ids[1..], ["m3", "m2", "m1"]);
    let merges = db.store.lead_merges(&a).await.unwrap();
    assert_eq!(merges.len(), 1);
    assert_eq!(merges[0].merged_id, b);
    let page = db
        .store
        .list_leads(
            &LeadFilter {
                q: Some("acme".into()),
                ..Default::default()
            },
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1, "the tombstone is not listed");
}

#[tokio::test]
async fn skip_leaves_a_known_lead_untouched_and_update_overwrites() {
    let db = test_db().await;
    db.capturer
        .capture(vec![identify("m1", None, "ada@acme.com", 1)])
        .await
        .unwrap();
    let mut skip = identify("m2", None, "ada@acme.com", 2);
    skip.traits.first_name = Some("Augusta".into());
    skip.on_duplicate = OnDuplicate::Skip;
    let out = db.capturer.capture(vec![skip.clone()]).await.unwrap();
    assert!(matches!(out[0], CaptureOutcome::Skipped { .. }));
    let lead = db.store.get_lead(out[0].lead_id().unwrap()).await.unwrap();
    assert_eq!(lead.first_name.as_deref(), Some("Ada"));
    skip.message_id = "m3".into();
    skip.on_duplicate = OnDuplicate::Update;
    let out = db.capturer.capture(vec![skip]).await.unwrap();
    assert!(matches!(out[0], CaptureOutcome::Updated { .. }));
    assert_eq!(
        db.store
            .get_lead(out[0].lead_id().unwrap())
            .await
            .unwrap()
            .first_name
            .as_deref(),
        Some("Augusta")
    );
}

#[tokio::test]
async fn concurrent_batches_are_group_committed_without_losing_any() {
    let db = test_db().await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let c = db.capturer.clone();
        tasks.push(tokio::spawn(async move {
            let events = (0..50)
                .map(|i| identify(&format!("m{t}-{i}"), None, &format!("p{t}.{i}@acme.com"), i))
                .collect();
            c.capture(events).await.unwrap()
        }));
    }
    for t in tasks {
        assert!(
            t.await
                .unwrap()
                .iter()
                .all(|o| matches!(o, CaptureOutcome::Created { .. }))
        );
    }
    assert_eq!(db.store.count_leads().await.unwrap(), 400);
}

#[tokio::test]
async fn a_journey_sent_in_one_batch_is_stitched_and_counted_once_per_person() {
    let db = test_db().await;
    let mut late_first = page("m0", "anon-9", 500);
    late_first.utm.medium = Some("email".into());
    late_first.utm.campaign = Some("Newsletter".into());
    let batch = vec![
        page("m1", "anon-9", 1_000),
        identify("m2", Some("anon-9"), "bo@beta.io", 2_000),
        identify("m3", None, "BO@beta.io", 3_000),
        page("m4", "anon-9", 4_000),
        late_first,
        identify("m2", Some("anon-9"), "bo@beta.io", 2_000),
    ];
    let out = db.capturer.capture(batch).await.unwrap();
    assert!(matches!(out[1], CaptureOutcome::Created { .. }), "{out:?}");
    assert_eq!(
        out[5],
        CaptureOutcome::Duplicate,
        "a message repeated inside one batch is stored once"
    );
    let lead_id = out[1].lead_id().unwrap();
    assert_eq!(out[2].lead_id(), Some(lead_id));
    assert_eq!(
        out[3].lead_id(),
        Some(lead_id),
        "a page after identify belongs to the lead"
    );
    assert_eq!(db.store.count_leads().await.unwrap(), 1);
    let ids: Vec<_> = db
        .store
        .lead_activities(lead_id, None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.message_id)
        .collect();
    assert_eq!(ids, ["m4", "m3", "m2", "m1", "m0"]);
    let lead = db.store.get_lead(lead_id).await.unwrap();
    assert_eq!(
        lead.source_channel.as_deref(),
        Some("paid_search"),
        "first touch known when the lead was created"
    );
}

#[tokio::test]
async fn alias_merges_an_anonymous_history_into_the_known_user_within_one_batch() {
    let db = test_db().await;
    let mut by_uid = CaptureEvent::new("m1", Activity::Identify, 1, "source:test");
    by_uid.user_id = Some("u-7".into());
    by_uid.email = Some(Email::parse("cy@gamma.dev").unwrap());
    db.capturer.capture(vec![by_uid]).await.unwrap();
    let mut anon_lead = identify("m2", Some("anon-x"), "cy.personal@gmail.com", 2);
    anon_lead.traits.first_name = None;
    let mut alias = CaptureEvent::new("m3", Activity::Alias, 3, "source:test");
    alias.user_id = Some("u-7".into());
    alias.previous_id = Some("anon-x".into());
    let out = db
        .capturer
        .capture(vec![anon_lead, page("m4", "anon-x", 4), alias])
        .await
        .unwrap();
    let survivor = out[2].lead_id().unwrap();
    assert_ne!(out[0].lead_id(), Some(survivor));
    assert_eq!(db.store.count_leads().await.unwrap(), 1);
    assert_eq!(db.store.lead_merges(survivor).await.unwrap().len(), 1);
    let ids: Vec<_> = db
        .store
        .lead_activities(survivor, None, 50)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.message_id)
        .collect();
    assert!(
        ids[0].starts_with("merge:"),
        "the merge is on the timeline: {ids:?}"
    );
    assert_eq!(ids[1..], ["m4", "m3", "m2", "m1"]);
}

#[tokio::test]
async fn search_finds_people_by_email_prefix_name_company_and_domain() {
    let db = test_db().await;
    let mut ada = identify("m1", None, "Ada.Lovelace@acme.com", 1);
    ada.traits.last_name = Some("Lovelace".into());
    let other = identify("m2", None, "ada_x@acmes.com", 2);
    db.capturer.capture(vec![ada, other]).await.unwrap();
    let found = |q: &str| {
        let filter = LeadFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let store = db.store.clone();
        async move {
            let mut emails: Vec<String> = store
                .list_leads(&filter, None, 10)
                .await
                .unwrap()
                .items
                .into_iter()
                .filter_map(|l| l.email)
                .collect();
            emails.sort();
            emails
        }
    };
    assert_eq!(
        found("ADA.LOVELACE@ACME.COM").await,
        ["Ada.Lovelace@acme.com"],
        "exact email, any case"
    );
    assert_eq!(
        found("ada.lovelace@ac").await,
        ["Ada.Lovelace@acme.com"],
        "email prefix"
    );
    assert!(found("ada.lovelace@acx").await.is_empty());
    assert_eq!(
        found("ada_x@").await,
        ["ada_x@acmes.com"],
        "_ is a character, not a wildcard"
    );
    assert_eq!(
        found("@acme.com").await,
        ["Ada.Lovelace@acme.com"],
        "a domain"
    );
    assert_eq!(found("lovelace").await, ["Ada.Lovelace@acme.com"], "a name");
    assert_eq!(found("acme").await.len(), 2, "a company");
}
