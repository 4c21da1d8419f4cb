use leadline_core::business_hours::{Calendar, WeeklyHours};
use leadline_core::policy::Policy;
use leadline_core::routing::{Assign, Member, RoutingRule};
use leadline_core::{Activity, CaptureEvent, Email};
use leadline_store::{Capturer, Store};

/// A fresh store for one test (SQLite file, or a new PostgreSQL database under
/// `TEST_DATABASE_URL`) with a capture writer running on it.
pub struct TestDb {
    pub store: Store,
    pub capturer: Capturer,
    _dir: tempfile::TempDir,
}

pub async fn test_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = leadline_store::testing::fresh_database_url(dir.path()).await;
    let store = Store::open(&url).await.expect("open test database");
    TestDb {
        capturer: Capturer::start(store.clone()),
        store,
        _dir: dir,
    }
}

/// A team calendar open around the clock, in UTC.
pub fn always_open() -> Calendar {
    Calendar {
        time_zone: "UTC".into(),
        hours: WeeklyHours::every_day(Some("00:00-24:00")),
        holidays: vec![],
    }
}

/// Sales reps on an always-open team calendar, by user id.
pub async fn reps(store: &Store, names: &[&str]) -> Vec<String> {
    store.set_team_calendar(&always_open()).await.unwrap();
    let mut ids = Vec::new();
    for n in names {
        let u = store
            .create_user(&format!("{n}@seller.example"), n, "sales", None)
            .await
            .unwrap();
        ids.push(u.id);
    }
    ids
}

/// A lead captured from a page view (not sales-ready by itself): its id.
pub async fn page_view_lead(db: &TestDb, email: &str) -> String {
    let mut e = CaptureEvent::new(
        email,
        Activity::Page,
        leadline_store::now_ms(),
        "source:test",
    );
    e.email = Some(Email::parse(email).unwrap());
    db.capturer.capture(vec![e]).await.unwrap();
    let filter = leadline_store::leads::LeadFilter {
        q: Some(email.into()),
        ..Default::default()
    };
    db.store.list_leads(&filter, None, 2).await.unwrap().items[0]
        .id
        .clone()
}

/// A round-robin rule named `name` for the "inbound" team of `reps`: accept within 4 h, first
/// touch within 24 h.
pub fn team_rule(name: &str, when: &str, reps: &[impl AsRef<str>]) -> RoutingRule {
    RoutingRule {
        name: name.into(),
        when: when.into(),
        assign: Assign {
            team: Some("inbound".into()),
            members: reps
                .iter()
                .map(|r| Member {
                    rep: r.as_ref().into(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        },
        account_owner_first: false,
        accept_within_hours: Some(4.0),
        first_touch_within_hours: Some(24.0),
    }
}

/// Replaces the policy with one of only these routing rules.
pub async fn set_rules(store: &Store, rules: Vec<RoutingRule>) {
    let policy = Policy {
        routing: rules,
        ..Default::default()
    };
    store.set_policy(policy).await.unwrap();
}
