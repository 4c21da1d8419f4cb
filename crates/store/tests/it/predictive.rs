//! Predictive scoring on the database's own leads: outcomes from the lifecycle history,
//! only what was known before the first sales touch as features, honest refusal with too
//! few outcomes, probabilities on every lead, and the score-validation report.

use leadline_core::{Activity, CaptureEvent, Email, Stage};

use crate::support::test_db;

const DAY: i64 = 86_400_000;

fn event(id: &str, kind: Activity, email: &str, at: i64) -> CaptureEvent {
    let mut e = CaptureEvent::new(id, kind, at, "source:test");
    e.email = Some(Email::parse(email).unwrap());
    e
}

#[tokio::test]
async fn a_model_learns_from_outcomes_without_what_sales_wrote_afterwards() {
    let db = test_db().await;
    let now = leadline_store::now_ms();
    let start = now - 200 * DAY;
    let mut events = Vec::new();
    for i in 0..80 {
        let email = format!("p{i}@company{i}.com");
        let buyer = i % 2 == 0;
        let mut e = event(&format!("c{i}"), Activity::Identify, &email, start);
        e.traits.first_name = Some("Pat".into());
        e.traits.title = Some(if buyer { "CTO" } else { "Intern" }.into());
        events.push(e);
        for k in 0..(if buyer { 3 } else { 1 }) {
            let mut p = event(&format!("p{i}-{k}"), Activity::Page, &email, start + DAY);
            p.name = Some("Pricing".into());
            events.push(p);
        }
    }
    db.capturer.capture(events).await.unwrap();
    let few = db.store.train_from_leads(now, None).await.unwrap_err();
    assert!(
        few.to_string().contains("outcome") || few.to_string().contains("converted"),
        "{few}"
    );

    let page = db
        .store
        .segment_leads(
            &leadline_core::filter::parse("stage != \"x\"").unwrap(),
            now,
            None,
            500,
        )
        .await
        .unwrap();
    for l in &page.items {
        let buyer = l.title.as_deref() == Some("CTO");
        let touch = start + 10 * DAY;
        db.store
            .change_stage(&l.id, Stage::Sal, None, "call", touch)
            .await
            .unwrap();
        let to = if buyer {
            Stage::Opportunity
        } else {
            Stage::Recycled
        };
        db.store
            .change_stage(&l.id, to, None, "outcome", touch + DAY)
            .await
            .unwrap();
        // What sales typed in after the call: must never be a feature.
        let mut note = event(
            &format!("n-{}", l.id),
            Activity::Identify,
            l.email.as_deref().unwrap(),
            touch + 2 * DAY,
        );
        note.traits.custom.insert(
            "deal_notes".into(),
            if buyer { "won".into() } else { "lost".into() },
        );
        db.capturer.capture(vec![note]).await.unwrap();
    }

    let trained = db
        .store
        .train_from_leads(now, Some("user-1"))
        .await
        .unwrap();
    assert_eq!(trained.version, 1);
    assert_eq!(
        (trained.evaluation.positives, trained.evaluation.negatives),
        (40, 40)
    );
    let features = trained.evaluation.features.join("\n");
    assert!(
        !features.contains("deal_notes"),
        "a value set after the first sales touch leaked: {features}"
    );
    assert!(
        trained.evaluation.metrics.auc.unwrap() > 0.9,
        "{:?}",
        trained.evaluation.metrics.auc
    );
    assert_eq!(trained.scored, 80);

    let lead = db.store.get_lead(&page.items[0].id).await.unwrap();
    assert!(lead.probability.is_some());
    let scoring = db.store.lead_scoring(&lead.id).await.unwrap();
    assert!(!scoring.prediction.unwrap().top_factors.is_empty());

    let v = db.store.score_validation(now).await.unwrap();
    assert_eq!((v.rules.leads, v.rules.converted), (80, 40));
    assert!(v.rules.rule_auc.unwrap() > 0.5);
    assert_eq!(v.model_version, Some(1));
    assert!(v.model_auc.is_some());
    let again = db.store.train_from_leads(now, None).await.unwrap();
    assert_eq!(again.version, 2, "models are versioned");
    assert_eq!(db.store.active_model().await.unwrap().unwrap().0, 2);
}
