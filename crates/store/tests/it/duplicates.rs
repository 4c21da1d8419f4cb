//! The duplicate queue on both engines: what a scan proposes, and that a "not a duplicate"
//! is final.

use leadline_core::{Activity, CaptureEvent, Email};
use leadline_store::duplicates::{
    Actor, Candidate, CandidateFilter, Kind, MergeChoice, Pick, Status,
};
use leadline_store::{CaptureOutcome, StoreError};

use crate::support::{TestDb, test_db};

/// Captures a person as a form would, at `at`; returns the lead id.
pub async fn person(
    db: &TestDb,
    email: &str,
    name: (&str, &str),
    extra: &[(&str, &str)],
    at: i64,
) -> String {
    let mut e = CaptureEvent::new(
        format!("m-{email}-{at}"),
        Activity::FormSubmitted,
        at,
        "form:test",
    );
    e.email = Some(Email::parse(email).unwrap());
    e.traits.first_name = Some(name.0.into());
    e.traits.last_name = Some(name.1.into());
    for (k, v) in extra {
        e.traits.set(k, v);
    }
    let out = db.capturer.capture(vec![e]).await.unwrap();
    match &out[0] {
        CaptureOutcome::Created { lead_id } | CaptureOutcome::Updated { lead_id } => {
            lead_id.clone()
        }
        other => panic!("{other:?}"),
    }
}

pub fn cli() -> Actor {
    Actor::new(None, "cli")
}

pub async fn open(db: &TestDb, kind: Kind) -> Vec<Candidate> {
    let filter = CandidateFilter {
        kind: Some(kind),
        ..Default::default()
    };
    db.store
        .list_candidates(&filter, None, 100)
        .await
        .unwrap()
        .items
}

pub fn pair_of(c: &Candidate) -> (String, String) {
    let mut p = [c.a.id.clone(), c.b.id.clone()];
    p.sort();
    (p[0].clone(), p[1].clone())
}

pub fn sorted(a: &str, b: &str) -> (String, String) {
    let (x, y) = leadline_core::dedupe::canonical_pair(a, b);
    (x.to_owned(), y.to_owned())
}

#[tokio::test]
async fn a_scan_proposes_a_typo_at_one_company_and_a_shared_phone_but_never_free_mail_alone() {
    let db = test_db().await;
    let jon = person(&db, "jon@acme.com", ("Jon", "Smith"), &[], 1_000).await;
    let john = person(&db, "j.smith@acme.com", ("John", "Smith"), &[], 2_000).await;
    person(&db, "sam@gmail.com", ("Sam", "Lee"), &[], 3_000).await;
    person(&db, "samlee@gmail.com", ("Sam", "Lee"), &[], 4_000).await;
    let ana = person(
        &db,
        "ana@globex.com",
        ("Ana", "Silva"),
        &[("phone", "+1 (415) 555-2671")],
        5_000,
    )
    .await;
    let ana2 = person(
        &db,
        "ana.s@yahoo.com",
        ("Ana", "Silva"),
        &[("phone", "415.555.2671")],
        6_000,
    )
    .await;
    person(&db, "zoe@initech.com", ("Zoe", "Park"), &[], 7_000).await;

    let scan = db.store.scan_duplicates(&cli()).await.unwrap();
    assert_eq!(scan.status, "done");
    assert_eq!(scan.people.records, 7);
    assert_eq!((scan.people.found, scan.people.new), (2, 2), "{scan:?}");

    let found = open(&db, Kind::Person).await;
    let pairs: Vec<_> = found.iter().map(pair_of).collect();
    assert!(pairs.contains(&sorted(&jon, &john)), "{found:?}");
    assert!(pairs.contains(&sorted(&ana, &ana2)), "{found:?}");
    let phone = found
        .iter()
        .find(|c| pair_of(c) == sorted(&ana, &ana2))
        .unwrap();
    assert!(
        phone.reasons.contains(&"same phone".to_owned()),
        "{phone:?}"
    );
    assert!(
        found
            .iter()
            .all(|c| c.a.email.is_some() && c.b.name.is_some())
    );
    assert_eq!(db.store.count_open_candidates().await.unwrap().person, 2);

    // A second scan finds the same pairs: nothing new, nothing dropped, no copies.
    let again = db.store.scan_duplicates(&cli()).await.unwrap();
    assert_eq!(
        (again.people.found, again.people.new, again.people.dropped),
        (2, 0, 0)
    );
    assert_eq!(open(&db, Kind::Person).await.len(), 2);
    assert_eq!(db.store.list_scans(10).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_dismissed_pair_never_returns_even_after_one_of_its_leads_is_merged() {
    let db = test_db().await;
    let a = person(&db, "kim.lee@acme.com", ("Kim", "Lee"), &[], 1_000).await;
    let b = person(&db, "k.lee@acme.com", ("Kim", "Lee"), &[], 2_000).await;
    let c = person(&db, "kimberly.lee@acme.com", ("Kim", "Lee"), &[], 3_000).await;
    db.store.scan_duplicates(&cli()).await.unwrap();
    let found = open(&db, Kind::Person).await;
    assert_eq!(found.len(), 3, "{found:?}");
    let bc = found.iter().find(|x| pair_of(x) == sorted(&b, &c)).unwrap();
    db.store
        .dismiss_candidate(&bc.id, &cli(), Some("two different people"))
        .await
        .unwrap();
    let again = db.store.dismiss_candidate(&bc.id, &cli(), None).await;
    assert!(matches!(
        again,
        Err(StoreError::Refused {
            code: "not_open",
            ..
        })
    ));

    let scan = db.store.scan_duplicates(&cli()).await.unwrap();
    assert_eq!(scan.people.found, 3, "the scan still sees the pair…");
    let pairs: Vec<_> = open(&db, Kind::Person).await.iter().map(pair_of).collect();
    assert!(
        !pairs.contains(&sorted(&b, &c)),
        "…but does not propose it again"
    );

    // B merges into A: "C is not B" now reads "C is not A".
    let ab = open(&db, Kind::Person)
        .await
        .into_iter()
        .find(|x| pair_of(x) == sorted(&a, &b))
        .unwrap();
    let survivor = if ab.a.id == a { Pick::A } else { Pick::B };
    let choice = MergeChoice {
        survivor: Some(survivor),
        ..Default::default()
    };
    db.capturer
        .merge_candidate(&ab.id, choice, cli())
        .await
        .unwrap();
    db.store.scan_duplicates(&cli()).await.unwrap();
    assert!(
        open(&db, Kind::Person).await.is_empty(),
        "A–C was dismissed through B–C"
    );
    let dismissed = CandidateFilter {
        status: Some(Status::Dismissed),
        ..Default::default()
    };
    let closed: Vec<_> = db
        .store
        .list_candidates(&dismissed, None, 10)
        .await
        .unwrap()
        .items
        .iter()
        .map(pair_of)
        .collect();
    assert!(closed.contains(&sorted(&a, &c)), "{closed:?}");
}

#[tokio::test]
async fn a_pair_merged_meanwhile_by_identity_is_hidden_and_refused_as_outdated() {
    let db = test_db().await;
    let mut ids = Vec::new();
    for (user, email, at) in [
        ("u-1", "lea@acme.com", 1_000),
        ("u-2", "lea.m@acme.com", 2_000),
    ] {
        let mut e = CaptureEvent::new(format!("m-{user}"), Activity::Identify, at, "source:test");
        e.user_id = Some(user.into());
        e.email = Some(Email::parse(email).unwrap());
        e.traits.first_name = Some("Lea".into());
        e.traits.last_name = Some("Martin".into());
        let out = db.capturer.capture(vec![e]).await.unwrap();
        ids.push(out[0].lead_id().unwrap().to_owned());
    }
    db.store.scan_duplicates(&cli()).await.unwrap();
    let c = open(&db, Kind::Person).await.remove(0);
    let mut alias = CaptureEvent::new("m-alias", Activity::Alias, 3_000, "source:test");
    alias.user_id = Some("u-2".into());
    alias.previous_id = Some("u-1".into());
    db.capturer.capture(vec![alias]).await.unwrap();

    assert!(
        open(&db, Kind::Person).await.is_empty(),
        "a stale pair is hidden"
    );
    let r = db
        .capturer
        .merge_candidate(&c.id, MergeChoice::default(), cli())
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::Refused {
                code: "outdated",
                ..
            })
        ),
        "{r:?}"
    );
    let scan = db.store.scan_duplicates(&cli()).await.unwrap();
    assert_eq!(scan.people.dropped, 1, "the next scan drops it");
}
