//! Opportunities as a rep works them: a qualified lead converts into a deal at its account,
//! people get their parts, the deal moves through its stages, and closing it won makes the
//! lead and the account customers in the same step; lost deals keep their reasons.

use leadline_core::opportunity::OppStage;
use leadline_core::roi::RoiInputs;
use leadline_core::{Activity, CaptureEvent, Email, Stage};
use leadline_store::opportunities::{NewOpportunity, OppFilter, OppPatch, StageMove};
use leadline_store::{Store, StoreError};

use crate::support::{TestDb, test_db};

const NOW: i64 = 1_767_974_400_000;

/// A lead with a business address (so an account), moved to `stage` by a person.
async fn lead_at(db: &TestDb, email: &str, stage: Stage) -> String {
    let mut e = CaptureEvent::new(email, Activity::Page, NOW - 1000, "source:test");
    e.email = Some(Email::parse(email).unwrap());
    db.capturer.capture(vec![e]).await.unwrap();
    let filter = leadline_store::leads::LeadFilter {
        q: Some(email.into()),
        ..Default::default()
    };
    let id = db.store.list_leads(&filter, None, 2).await.unwrap().items[0]
        .id
        .clone();
    let current = db.store.get_lead(&id).await.unwrap().stage;
    if current != stage.as_str() {
        db.store
            .change_stage(&id, stage, None, "qualified on a call", NOW - 500)
            .await
            .unwrap();
    }
    id
}

async fn rep(store: &Store, name: &str) -> String {
    store
        .create_user(&format!("{name}@seller.example"), name, "sales", None)
        .await
        .unwrap()
        .id
}

fn convert(lead: &str) -> NewOpportunity {
    NewOpportunity {
        lead_id: lead.into(),
        amount_minor: Some(2_400_000),
        role: Some("champion".into()),
        ..Default::default()
    }
}

fn to(stage: OppStage) -> StageMove {
    StageMove {
        to: stage,
        reason: None,
        lost_reason: None,
        competitor: None,
        amount_minor: None,
    }
}

#[tokio::test]
async fn converting_a_qualified_lead_opens_a_deal_at_its_account_and_moves_the_lead() {
    let db = test_db().await;
    let s = &db.store;
    let ana = rep(s, "ana").await;
    let lead = lead_at(&db, "cfo@initech.com", Stage::Sql).await;
    let o = s
        .convert_to_opportunity(&convert(&lead), Some(&ana), NOW)
        .await
        .unwrap();
    assert_eq!(o.stage, "needs_analysis");
    assert_eq!(o.probability, 10);
    assert_eq!(o.weighted_amount_minor, 240_000);
    assert_eq!(o.account_domain.as_deref(), Some("initech.com"));
    assert_eq!(o.owner_id.as_deref(), Some(ana.as_str()));
    assert_eq!(o.checklist.len(), 7);
    assert!(o.checklist.iter().all(|c| !c.done));
    assert_eq!(s.get_lead(&lead).await.unwrap().stage, "opportunity");
    let contacts = s.opportunity_contacts(&o.id).await.unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(
        (contacts[0].lead_id.as_str(), contacts[0].role.as_str()),
        (lead.as_str(), "champion")
    );
    let history = s.opportunity_stage_changes(&o.id).await.unwrap();
    assert_eq!(
        (history[0].from.as_deref(), history[0].to.as_str()),
        (None, "needs_analysis")
    );
    let lead_history = s.lead_stage_changes(&lead).await.unwrap();
    assert!(
        lead_history
            .last()
            .unwrap()
            .reason
            .contains("converted to opportunity")
    );

    let again = s
        .convert_to_opportunity(&convert(&lead), Some(&ana), NOW)
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Refused {
            code: "already_opportunity",
            ..
        })
    ));
    let cold = lead_at(&db, "intern@initech.com", Stage::Lead).await;
    let refused = s
        .convert_to_opportunity(&convert(&cold), Some(&ana), NOW)
        .await;
    assert!(matches!(
        refused,
        Err(StoreError::Refused {
            code: "not_sales_ready",
            ..
        })
    ));
    assert_eq!(
        s.get_lead(&cold).await.unwrap().stage,
        "lead",
        "nothing changed"
    );
    let bad = NewOpportunity {
        role: Some("boss".into()),
        ..convert(&lead)
    };
    match s.convert_to_opportunity(&bad, None, NOW).await {
        Err(StoreError::Invalid(m)) => assert!(m.starts_with("role:"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn closing_won_makes_the_lead_and_account_customers_and_the_deal_final() {
    let db = test_db().await;
    let s = &db.store;
    let lead = lead_at(&db, "vp@globex.com", Stage::Sal).await;
    let o = s
        .convert_to_opportunity(&convert(&lead), None, NOW)
        .await
        .unwrap();
    let account = o.account_id.clone().unwrap();
    assert_eq!(s.account_customer_since(&account).await.unwrap(), None);
    s.move_opportunity_stage(&o.id, &to(OppStage::Proposal), None, NOW + 1)
        .await
        .unwrap();
    let won = StageMove {
        amount_minor: Some(3_000_000),
        ..to(OppStage::ClosedWon)
    };
    let o = s
        .move_opportunity_stage(&o.id, &won, None, NOW + 2)
        .await
        .unwrap();
    assert_eq!(o.stage, "closed_won");
    assert_eq!(o.won_amount_minor, Some(3_000_000));
    assert_eq!(o.closed_at, Some(NOW + 2));
    assert_eq!(o.weighted_amount_minor, 3_000_000);
    assert_eq!(s.get_lead(&lead).await.unwrap().stage, "customer");
    assert_eq!(
        s.account_customer_since(&account).await.unwrap(),
        Some(NOW + 2)
    );
    let last = s.lead_stage_changes(&lead).await.unwrap().pop().unwrap();
    assert_eq!(last.to, "customer");
    assert!(
        last.reason.starts_with("won opportunity"),
        "{}",
        last.reason
    );

    let reopen = s
        .move_opportunity_stage(&o.id, &to(OppStage::Demo), None, NOW + 3)
        .await;
    assert!(matches!(
        reopen,
        Err(StoreError::Refused { code: "closed", .. })
    ));
    let patch = OppPatch {
        amount_minor: Some(1),
        ..Default::default()
    };
    let changed = s.update_opportunity(&o.id, &patch, NOW + 3).await;
    assert!(matches!(
        changed,
        Err(StoreError::Refused { code: "closed", .. })
    ));
    let history: Vec<String> = s
        .opportunity_stage_changes(&o.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.to)
        .collect();
    assert_eq!(history, ["needs_analysis", "proposal", "closed_won"]);
    // A customer may open an expansion deal and stays a customer.
    let more = s
        .convert_to_opportunity(&convert(&lead), None, NOW + 4)
        .await
        .unwrap();
    assert_eq!(more.stage, "needs_analysis");
    assert_eq!(s.get_lead(&lead).await.unwrap().stage, "customer");
}

#[tokio::test]
async fn a_lost_deal_needs_its_reason_and_the_lead_can_get_a_new_deal_later() {
    let db = test_db().await;
    let s = &db.store;
    let lead = lead_at(&db, "it@hooli.com", Stage::Mql).await;
    let o = s
        .convert_to_opportunity(&convert(&lead), None, NOW)
        .await
        .unwrap();
    match s
        .move_opportunity_stage(&o.id, &to(OppStage::ClosedLost), None, NOW + 1)
        .await
    {
        Err(StoreError::Invalid(m)) => assert!(m.starts_with("lost_reason:"), "{m}"),
        other => panic!("{other:?}"),
    }
    let lost = StageMove {
        lost_reason: Some("No budget this year".into()),
        competitor: Some("Pied Piper".into()),
        ..to(OppStage::ClosedLost)
    };
    let o = s
        .move_opportunity_stage(&o.id, &lost, None, NOW + 2)
        .await
        .unwrap();
    assert_eq!(o.lost_reason.as_deref(), Some("No budget this year"));
    assert_eq!(o.competitor.as_deref(), Some("Pied Piper"));
    assert_eq!(o.won_amount_minor, None);
    assert_eq!(
        s.get_lead(&lead).await.unwrap().stage,
        "opportunity",
        "stays for nurture"
    );
    let again = s
        .convert_to_opportunity(&convert(&lead), None, NOW + 3)
        .await
        .unwrap();
    assert_ne!(again.id, o.id);
}

#[tokio::test]
async fn the_list_filters_by_stage_owner_and_account_and_pages_newest_first() {
    let db = test_db().await;
    let s = &db.store;
    let (ana, bo) = (rep(s, "ana").await, rep(s, "bo").await);
    let mut ids = Vec::new();
    for (i, email) in ["a@one.com", "b@two.com", "c@three.com"].iter().enumerate() {
        let lead = lead_at(&db, email, Stage::Sql).await;
        let owner = if i == 0 { &ana } else { &bo };
        let new = NewOpportunity {
            owner_id: Some(owner.clone()),
            ..convert(&lead)
        };
        ids.push(s.convert_to_opportunity(&new, None, NOW).await.unwrap());
    }
    s.move_opportunity_stage(&ids[2].id, &to(OppStage::Demo), None, NOW + 1)
        .await
        .unwrap();
    let list =
        |f: OppFilter| async move { s.list_opportunities(&f, None, 10).await.unwrap().items };
    let names = |v: Vec<leadline_store::opportunities::Opportunity>| {
        v.into_iter().map(|o| o.id).collect::<Vec<_>>()
    };
    assert_eq!(
        names(list(OppFilter::default()).await),
        [ids[2].id.clone(), ids[1].id.clone(), ids[0].id.clone()]
    );
    let demo = OppFilter {
        stage: Some("demo".into()),
        ..Default::default()
    };
    assert_eq!(names(list(demo).await), [ids[2].id.clone()]);
    let mine = OppFilter {
        owner: Some(ana.clone()),
        ..Default::default()
    };
    assert_eq!(names(list(mine).await), [ids[0].id.clone()]);
    let acct = OppFilter {
        account: ids[1].account_id.clone(),
        ..Default::default()
    };
    assert_eq!(names(list(acct).await), [ids[1].id.clone()]);
    let bad = OppFilter {
        stage: Some("won".into()),
        ..Default::default()
    };
    assert!(matches!(
        s.list_opportunities(&bad, None, 10).await,
        Err(StoreError::Invalid(_))
    ));
    let first = s
        .list_opportunities(&OppFilter::default(), None, 2)
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let second = s
        .list_opportunities(&OppFilter::default(), first.next_cursor().as_ref(), 2)
        .await
        .unwrap();
    assert_eq!(names(second.items), [ids[0].id.clone()]);
    assert!(second.next.is_none());

    let pipeline = s.opportunity_pipeline(None).await.unwrap();
    let na = pipeline
        .iter()
        .find(|p| p.stage == "needs_analysis")
        .unwrap();
    assert_eq!(
        (na.deals, na.amount_minor, na.weighted_amount_minor),
        (2, 4_800_000, 480_000)
    );
    let demo = pipeline.iter().find(|p| p.stage == "demo").unwrap();
    assert_eq!((demo.deals, demo.weighted_amount_minor), (1, 600_000));
}

#[tokio::test]
async fn contacts_checklist_fields_roi_inputs_and_the_share_link_are_kept() {
    let db = test_db().await;
    let s = &db.store;
    let lead = lead_at(&db, "ceo@umbrella.com", Stage::Sql).await;
    let cto = lead_at(&db, "cto@umbrella.com", Stage::Lead).await;
    let o = s
        .convert_to_opportunity(&convert(&lead), None, NOW)
        .await
        .unwrap();
    s.add_opportunity_contact(&o.id, &cto, "technical_evaluator", NOW)
        .await
        .unwrap();
    let twice = s
        .add_opportunity_contact(&o.id, &cto, "technical evaluator", NOW)
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))));
    assert!(matches!(
        s.add_opportunity_contact(&o.id, &cto, "boss", NOW).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.opportunity_contacts(&o.id).await.unwrap().len(), 2);
    s.remove_opportunity_contact(&o.id, &cto, "technical_evaluator", NOW)
        .await
        .unwrap();
    assert_eq!(s.opportunity_contacts(&o.id).await.unwrap().len(), 1);
    assert_eq!(
        s.get_lead(&cto).await.unwrap().stage,
        "lead",
        "a contact keeps its stage"
    );

    let o2 = s.set_checklist_item(&o.id, 2, true, NOW).await.unwrap();
    assert!(o2.checklist[2].done && !o2.checklist[1].done);
    assert!(matches!(
        s.set_checklist_item(&o.id, 99, true, NOW).await,
        Err(StoreError::Invalid(_))
    ));

    let patch: OppPatch = serde_json::from_value(serde_json::json!({
        "probability": 40, "expected_close": "2026-03-31", "next_step": "Demo to the CFO",
        "needs_analysis": "Spends 3 days a month on manual reports", "competitor": "Hooli"
    }))
    .unwrap();
    let o3 = s.update_opportunity(&o.id, &patch, NOW).await.unwrap();
    assert_eq!((o3.probability, o3.weighted_amount_minor), (40, 960_000));
    assert_eq!(o3.expected_close.as_deref(), Some("2026-03-31"));
    let clear: OppPatch = serde_json::from_value(serde_json::json!({"probability": null})).unwrap();
    assert_eq!(
        s.update_opportunity(&o.id, &clear, NOW)
            .await
            .unwrap()
            .probability,
        10
    );
    let bad: OppPatch =
        serde_json::from_value(serde_json::json!({"expected_close": "soon"})).unwrap();
    match s.update_opportunity(&o.id, &bad, NOW).await {
        Err(StoreError::Invalid(m)) => assert!(m.starts_with("expected_close:"), "{m}"),
        other => panic!("{other:?}"),
    }

    let mut roi = RoiInputs {
        current_cost_monthly: 1_000_000,
        expected_savings_monthly: 400_000,
        price_upfront: 1_200_000,
        price_monthly: 100_000,
        horizon_months: 24,
        discount_rate: 0.08,
    };
    let o4 = s.save_roi_inputs(&o.id, &roi, NOW).await.unwrap();
    assert_eq!(o4.roi_inputs.as_ref(), Some(&roi));
    roi.horizon_months = 0;
    match s.save_roi_inputs(&o.id, &roi, NOW).await {
        Err(StoreError::Invalid(m)) => assert!(m.starts_with("horizon_months:"), "{m}"),
        other => panic!("{other:?}"),
    }
    let token = s.share_roi(&o.id, "tok-0123456789abcdef").await.unwrap();
    assert_eq!(
        s.share_roi(&o.id, "another-0123456789").await.unwrap(),
        token,
        "kept"
    );
    assert_eq!(s.opportunity_by_share_token(&token).await.unwrap().id, o.id);
    s.unshare_roi(&o.id).await.unwrap();
    assert!(matches!(
        s.opportunity_by_share_token(&token).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn merging_two_records_of_a_person_moves_their_deals_to_the_survivor() {
    use leadline_store::duplicates::{Actor, Kind, MergeChoice};
    let db = test_db().await;
    let s = &db.store;
    let a = crate::duplicates::person(&db, "jon@acme.com", ("Jon", "Smith"), &[], 1_000).await;
    let b =
        crate::duplicates::person(&db, "john.smith@acme.com", ("John", "Smith"), &[], 2_000).await;
    s.change_stage(&b, Stage::Sql, None, "qualified", NOW)
        .await
        .unwrap();
    let o = s
        .convert_to_opportunity(&convert(&b), None, NOW)
        .await
        .unwrap();
    s.add_opportunity_contact(&o.id, &a, "champion", NOW)
        .await
        .unwrap();
    s.scan_duplicates(&crate::duplicates::cli()).await.unwrap();
    let c = crate::duplicates::open(&db, Kind::Person).await.remove(0);
    let merged = db
        .capturer
        .merge_candidate(&c.id, MergeChoice::default(), Actor::new(None, "cli"))
        .await
        .unwrap();
    let survivor = merged.survivor_id.clone();
    let o = s.get_opportunity(&o.id).await.unwrap();
    assert_eq!(o.primary_lead_id, survivor);
    let contacts = s.opportunity_contacts(&o.id).await.unwrap();
    assert_eq!(
        contacts.len(),
        1,
        "one person plays the part once: {contacts:?}"
    );
    assert_eq!(contacts[0].lead_id, survivor);
    s.move_opportunity_stage(&o.id, &to(OppStage::ClosedWon), None, NOW + 1)
        .await
        .unwrap();
    assert_eq!(s.get_lead(&survivor).await.unwrap().stage, "customer");
}

#[tokio::test]
async fn two_people_closing_one_deal_at_once_take_turns_and_the_second_is_refused() {
    let db = test_db().await;
    let s = &db.store;
    let lead = lead_at(&db, "buyer@wayne.com", Stage::Sql).await;
    let o = s
        .convert_to_opportunity(&convert(&lead), None, NOW)
        .await
        .unwrap();
    let lost = StageMove {
        lost_reason: Some("Went quiet".into()),
        ..to(OppStage::ClosedLost)
    };
    let win = to(OppStage::ClosedWon);
    let (won, lost) = tokio::join!(
        s.move_opportunity_stage(&o.id, &win, None, NOW + 1),
        s.move_opportunity_stage(&o.id, &lost, None, NOW + 1)
    );
    let refused = [&won, &lost]
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Refused { code: "closed", .. })))
        .count();
    assert_eq!(
        (won.is_ok() as u8 + lost.is_ok() as u8, refused),
        (1, 1),
        "{won:?} {lost:?}"
    );
    let history = s.opportunity_stage_changes(&o.id).await.unwrap();
    assert_eq!(history.len(), 2, "opened, then one close");
}
