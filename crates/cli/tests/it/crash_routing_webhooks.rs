//! The outbox under SIGKILL: a few thousand leads become MQL, then `leadline serve` is
//! killed while it routes them and delivers their webhooks, and restarted. Once the queues
//! drain every lead has exactly one assignment and the receiver got every expected event
//! (lead.created, lead.became_mql, lead.assigned per lead) at least once; a duplicate
//! carries the same webhook-id and body as the first delivery.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use leadline_core::business_hours::{Calendar, WeeklyHours};
use leadline_core::policy::Policy;
use leadline_core::routing::{Assign, Member, RoutingRule};
use leadline_core::{Activity, CaptureEvent, Email};
use leadline_store::{Capturer, Store};
use sqlx::AnyPool;

use crate::support::{Server, database};

const LEADS: usize = 3_000;
const TYPES: [&str; 3] = ["lead.created", "lead.became_mql", "lead.assigned"];

/// What the receiver got: (webhook-id, body) in arrival order.
type Log = Arc<Mutex<Vec<(String, Bytes)>>>;

async fn receiver() -> (String, Log) {
    let log: Log = Arc::default();
    let l = log.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let log = l.clone();
            async move {
                let id = headers
                    .get("webhook-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                log.lock().unwrap().push((id, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, log)
}

/// A rep, a rule sending every lead to them, an endpoint for every event; then `LEADS`
/// strong-fit form submissions, each an MQL on capture with its route job and events queued.
async fn prepare(db: &str, hook: &str) {
    let store = Store::open(db).await.unwrap();
    store
        .set_team_calendar(&Calendar {
            time_zone: "UTC".into(),
            hours: WeeklyHours::every_day(Some("00:00-24:00")),
            holidays: vec![],
        })
        .await
        .unwrap();
    let rep = store
        .create_user("rep@seller.example", "Rep", "sales", None)
        .await
        .unwrap();
    let rule = RoutingRule {
        name: "everyone".into(),
        when: String::new(),
        assign: Assign {
            team: Some("inbound".into()),
            members: vec![Member {
                rep: rep.id,
                ..Default::default()
            }],
            ..Default::default()
        },
        account_owner_first: false,
        accept_within_hours: Some(4.0),
        first_touch_within_hours: Some(24.0),
    };
    let policy = Policy {
        routing: vec![rule],
        ..Default::default()
    };
    store.set_policy(policy).await.unwrap();
    store
        .create_webhook(hook, "crash test", &[], leadline_store::now_ms())
        .await
        .unwrap();
    let capturer = Capturer::start(store.clone());
    let now = leadline_store::now_ms();
    let events: Vec<CaptureEvent> = (0..LEADS)
        .map(|i| {
            let mut e =
                CaptureEvent::new(format!("a{i}"), Activity::FormSubmitted, now, "source:test");
            e.email = Some(Email::parse(&format!("vp{i}@acme-industrial.com")).unwrap());
            e.traits.title = Some("VP Sales".into());
            e.traits
                .custom
                .insert("company_size".into(), "1001-5000".into());
            e
        })
        .collect();
    for chunk in events.chunks(500) {
        capturer.capture(chunk.to_vec()).await.unwrap();
    }
    // Not `close()`: the capture writer keeps a pooled connection for as long as it runs.
    drop(capturer);
}

async fn count(pool: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// (event type, lead id) → the webhook-ids and bodies it arrived with.
fn received(log: &Log) -> HashMap<(String, String), Vec<(String, Bytes)>> {
    let mut out: HashMap<(String, String), Vec<(String, Bytes)>> = HashMap::new();
    for (id, body) in log.lock().unwrap().iter() {
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        let key = (
            v["type"].as_str().unwrap_or("").to_owned(),
            v["data"]["lead_id"].as_str().unwrap_or("").to_owned(),
        );
        out.entry(key).or_default().push((id.clone(), body.clone()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_kill_9_mid_routing_and_delivery_every_lead_is_assigned_once_and_every_event_arrives()
 {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let (hook, log) = receiver().await;
    prepare(&db, &hook).await;
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&db).await.unwrap();
    let leads = count(&pool, "SELECT COUNT(*) FROM leads WHERE stage = 'mql'").await;
    assert_eq!(leads, LEADS as i64, "every lead is an MQL");
    let expected = TYPES.len() * LEADS;

    // First kill: while routing is part way (some leads assigned, not all). Routing commits
    // a thousand leads per transaction, so on a fast machine it may finish between two looks;
    // then this kill lands in the deliveries instead.
    let mut server = Server::start(&db);
    let deadline = Instant::now() + Duration::from_secs(30);
    let assigned = loop {
        assert!(Instant::now() < deadline, "the server made no progress");
        let assigned = count(&pool, "SELECT COUNT(*) FROM assignments").await;
        if assigned > 0 {
            server.kill_9();
            break assigned;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    eprintln!(
        "first kill with {assigned} of {leads} leads assigned, {} of {expected} deliveries received",
        log.lock().unwrap().len()
    );
    // Second kill: while deliveries are part way.
    let mut server = Server::start(&db);
    let deadline = Instant::now() + Duration::from_secs(40);
    let got = loop {
        assert!(Instant::now() < deadline, "deliveries made no progress");
        let got = log.lock().unwrap().len();
        if got > expected / 5 {
            server.kill_9();
            break got;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let assigned = count(&pool, "SELECT COUNT(*) FROM assignments").await;
    eprintln!(
        "second kill with {assigned} of {leads} leads assigned, {got} of {expected} deliveries received"
    );
    assert!(got < expected, "killed before every delivery was made");

    let _restarted = Server::start(&db);
    let deadline = Instant::now() + Duration::from_secs(50);
    loop {
        let all_in = received(&log).len() == expected;
        let pending = count(
            &pool,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'delivered'",
        )
        .await;
        if all_in && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "queues did not drain: {} of {expected} events received, {pending} deliveries outstanding",
            received(&log).len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Every lead has exactly one assignment.
    let per_lead: Vec<(String, i64)> =
        sqlx::query_as("SELECT l.id, COUNT(a.id) FROM leads l LEFT JOIN assignments a ON a.lead_id = l.id GROUP BY l.id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(per_lead.len(), LEADS);
    let wrong: Vec<_> = per_lead.iter().filter(|(_, n)| *n != 1).collect();
    assert!(
        wrong.is_empty(),
        "leads without exactly one assignment: {wrong:?}"
    );

    // Every expected event arrived; repeats of one carry the same id and body.
    let got = received(&log);
    let ids: HashSet<&String> = per_lead.iter().map(|(id, _)| id).collect();
    let mut duplicates = 0;
    for t in TYPES {
        for id in &ids {
            let copies = got
                .get(&(t.to_owned(), (*id).clone()))
                .unwrap_or_else(|| panic!("no {t} for lead {id}"));
            let (first_id, first_body) = &copies[0];
            for (wid, body) in &copies[1..] {
                assert_eq!(wid, first_id, "a repeated {t} keeps its webhook-id");
                assert_eq!(body, first_body, "a repeated {t} keeps its body");
                duplicates += 1;
            }
        }
    }
    assert_eq!(got.len(), expected, "nothing unexpected arrived");
    eprintln!("{duplicates} deliveries arrived twice (sent before the kill, not yet marked)");
}
