//! Attribution and ROI as the store reads them: a lead's touches from its activities (repeats
//! collapsed, non-touches dropped), credited by hand-computed shares.

use leadline_core::attribution::Model;
use leadline_core::journey::Outcome;
use leadline_core::journey::credit::Settings;
use leadline_core::journey::report::By;
use leadline_core::period::Period;
use leadline_core::{Activity, CaptureEvent, Channel, Email, Stage};

use crate::support::{TestDb, test_db};

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;

fn event(
    email: &str,
    kind: Activity,
    at: i64,
    channel: Channel,
    campaign: Option<&str>,
) -> CaptureEvent {
    let mut e = CaptureEvent::new(format!("{email}-{at}-{kind:?}"), kind, at, "source:test");
    e.email = Some(Email::parse(email).unwrap());
    e.channel = Some(channel);
    e.campaign = campaign.map(str::to_owned);
    e
}

/// One lead: an organic visit of two page views, a newsletter email, an identify call, a
/// webinar form; MQL three days in. Returns its id and the first touch's time.
async fn journey(db: &TestDb) -> (String, i64) {
    let t0 = leadline_store::now_ms() - 10 * DAY;
    let who = "ana@globex.example";
    let events = vec![
        event(who, Activity::Page, t0, Channel::OrganicSearch, None),
        event(
            who,
            Activity::Page,
            t0 + 10 * MIN,
            Channel::OrganicSearch,
            None,
        ),
        event(
            who,
            Activity::Track,
            t0 + DAY,
            Channel::Email,
            Some("Newsletter"),
        ),
        event(
            who,
            Activity::Identify,
            t0 + DAY + MIN,
            Channel::Social,
            None,
        ),
        event(
            who,
            Activity::FormSubmitted,
            t0 + 2 * DAY,
            Channel::Webinar,
            Some("Autumn webinar"),
        ),
    ];
    for e in events {
        db.capturer.capture(vec![e]).await.unwrap();
    }
    let filter = leadline_store::leads::LeadFilter {
        q: Some(who.into()),
        ..Default::default()
    };
    let id = db.store.list_leads(&filter, None, 10).await.unwrap().items[0]
        .id
        .clone();
    db.store
        .change_stage(&id, Stage::Mql, None, "test", t0 + 3 * DAY)
        .await
        .unwrap();
    (id, t0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn w_shaped_credit_of_an_mql_follows_its_touches_by_hand() {
    let db = test_db().await;
    let (_, t0) = journey(&db).await;
    let period = Period {
        from: t0 - DAY,
        to: leadline_store::now_ms() + DAY,
    };
    let settings = Settings::default();
    let set = db
        .store
        .journeys(Outcome::Mqls, period, &settings, false)
        .await
        .unwrap();
    assert_eq!(set.conversions(), 1);
    let touches = set.journeys[0].window(365 * DAY);
    let names: Vec<&str> = touches
        .iter()
        .map(|t| set.channels.name(t.channel))
        .collect();
    // two page views in ten minutes are one touch; identify is not a touch
    assert_eq!(names, ["organic_search", "email", "webinar"]);
    // the lead was created by (at or after) the webinar form, the last touch before the MQL:
    // W-shaped = first 30 %, lead creation 30 % + last 30 % on the same touch, 10 % between
    let r = db
        .store
        .attribution_report(
            Outcome::Mqls,
            period,
            By::Channel,
            &[Model::WShaped, Model::Linear],
            settings,
        )
        .await
        .unwrap();
    let row = |k: &str| {
        r.rows
            .iter()
            .find(|x| x.key == k)
            .unwrap()
            .conversions
            .clone()
    };
    assert!(
        close(row("organic_search")[0], 0.3)
            && close(row("email")[0], 0.1)
            && close(row("webinar")[0], 0.6)
    );
    assert!(close(row("email")[1], 1.0 / 3.0));
    let by_campaign = db
        .store
        .attribution_report(
            Outcome::Mqls,
            period,
            By::Campaign,
            &[Model::WShaped],
            settings,
        )
        .await
        .unwrap();
    let c = |label: &str| {
        by_campaign
            .rows
            .iter()
            .find(|x| x.label == label)
            .unwrap()
            .conversions[0]
    };
    assert!(
        close(c("Newsletter"), 0.1)
            && close(c("Autumn webinar"), 0.6)
            && close(c("(no campaign)"), 0.3)
    );
}

#[tokio::test]
async fn conversions_outside_the_period_and_merged_leads_are_left_out() {
    let db = test_db().await;
    let (_, t0) = journey(&db).await;
    let before = Period {
        from: t0 - 30 * DAY,
        to: t0 - DAY,
    };
    let set = db
        .store
        .journeys(Outcome::Mqls, before, &Settings::default(), true)
        .await
        .unwrap();
    assert_eq!(set.conversions(), 0);
    let roi = db
        .store
        .roi_report(before, &Model::WShaped, Settings::default())
        .await
        .unwrap();
    assert_eq!(roi.total.leads, 0.0);
    assert_eq!(roi.total.roi, None);
}

#[tokio::test]
async fn roi_reads_each_lead_once_and_cuts_each_outcome_at_its_own_conversion() {
    let db = test_db().await;
    let (_, t0) = journey(&db).await;
    // Ana reads a nurture email between her webinar form (she became a lead) and her MQL.
    let nurture = event(
        "ana@globex.example",
        Activity::Track,
        t0 + 2 * DAY + 12 * 60 * MIN,
        Channel::Email,
        Some("Nurture"),
    );
    db.capturer.capture(vec![nurture]).await.unwrap();
    // A second lead created in the period that never becomes an MQL.
    let bob = event(
        "bob@initech.example",
        Activity::FormSubmitted,
        t0 + 5 * DAY,
        Channel::PaidSearch,
        None,
    );
    db.capturer.capture(vec![bob]).await.unwrap();
    let period = Period {
        from: t0 - DAY,
        to: leadline_store::now_ms() + DAY,
    };
    let roi = db
        .store
        .roi_report(period, &Model::Last, Settings::default())
        .await
        .unwrap();
    let row = |key: &str| {
        roi.by_channel
            .iter()
            .find(|r| r.key == key)
            .unwrap_or_else(|| panic!("no row {key}: {:?}", roi.by_channel))
    };
    // Ana became a lead by the webinar form and an MQL after the nurture email.
    assert_eq!(row("webinar").leads, 1.0);
    assert_eq!(row("webinar").mqls, 0.0);
    assert_eq!(row("email").leads, 0.0);
    assert_eq!(row("email").mqls, 1.0);
    assert_eq!(row("paid_search").leads, 1.0);
    assert_eq!(roi.total.leads, 2.0);
    assert_eq!(roi.total.mqls, 1.0);
    // Bob is the one non-converting MQL journey Markov reads, with his own touch only.
    let mqls = db
        .store
        .journeys(Outcome::Mqls, period, &Settings::default(), true)
        .await
        .unwrap();
    let nulls: Vec<_> = mqls.journeys.iter().filter(|j| !j.converted).collect();
    assert_eq!(nulls.len(), 1);
    assert_eq!(nulls[0].window(365 * DAY).len(), 1);
    assert_eq!(mqls.conversions(), 1);
    let ana = mqls.journeys.iter().find(|j| j.converted).unwrap();
    assert_eq!(
        ana.window(365 * DAY).len(),
        4,
        "visit, email, webinar, nurture"
    );
}

/// The touches of each journey by name, in a stable order: what a report reads of them.
fn named(set: &leadline_core::journey::credit::JourneySet) -> Vec<(bool, i64, Vec<String>)> {
    let mut out: Vec<_> = set
        .journeys
        .iter()
        .map(|j| {
            let touches = j
                .window(365 * DAY)
                .iter()
                .map(|t| {
                    format!(
                        "{}/{}",
                        set.channels.name(t.channel),
                        set.campaigns.name(t.campaign)
                    )
                })
                .collect();
            (j.converted, j.at, touches)
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn a_pass_split_over_threads_reads_the_journeys_one_pass_reads() {
    let db = test_db().await;
    let (_, t0) = journey(&db).await;
    // Leads whose touches meet channels and campaigns in different orders, so that each part
    // of a split read sees its names first in its own order.
    let channels = [
        Channel::PaidSearch,
        Channel::Email,
        Channel::Webinar,
        Channel::Social,
    ];
    for i in 0..12i64 {
        let who = format!("lead{i}@example.com");
        for k in 0..3i64 {
            let ch = channels[((i + k * (i % 3 + 1)) % 4) as usize];
            let campaign = format!("Campaign {}", (i * 7 + k) % 5);
            let at = t0 + i * 60 * MIN + k * DAY;
            let e = event(&who, Activity::Page, at, ch, Some(&campaign));
            db.capturer.capture(vec![e]).await.unwrap();
        }
    }
    let period = Period {
        from: t0 - DAY,
        to: leadline_store::now_ms() + DAY,
    };
    let settings = Settings::default();
    for outcome in [Outcome::Leads, Outcome::Mqls] {
        let whole = db
            .store
            .journeys_in_parts(outcome, period, &settings, true, 1)
            .await
            .unwrap();
        assert_eq!(whole.journeys.len(), 13, "{outcome:?}");
        let paid = |j: &(bool, i64, Vec<String>)| j.2.iter().any(|t| t.starts_with("paid_search/"));
        assert!(named(&whole).iter().any(paid), "{:?}", named(&whole));
        for parts in [2, 3, 5] {
            let split = db
                .store
                .journeys_in_parts(outcome, period, &settings, true, parts)
                .await
                .unwrap();
            assert_eq!(named(&split), named(&whole), "{outcome:?} in {parts} parts");
        }
    }
}
