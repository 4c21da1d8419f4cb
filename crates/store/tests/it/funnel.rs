//! The funnel reports' reads on both engines, over a small hand-built history whose expected
//! figures are counted by hand in the comments.

use std::collections::HashMap;

use leadline_core::Stage;
use leadline_core::funnel::{self, By, quality};
use leadline_store::Store;
use leadline_store::funnel::{FunnelScope, Program};
use sqlx::AnyPool;

const DAY: i64 = 86_400_000;
/// 2026-01-05T00:00:00Z.
const T: i64 = 1_767_571_200_000;
/// January 2026.
const JAN_FROM: i64 = 1_767_225_600_000;
const JAN_TO: i64 = JAN_FROM + 31 * DAY - 1;

struct Db {
    store: Store,
    raw: AnyPool,
    _dir: tempfile::TempDir,
}

async fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = leadline_store::testing::fresh_database_url(dir.path()).await;
    let store = Store::open(&url).await.unwrap();
    let raw = AnyPool::connect(&url).await.unwrap();
    Db {
        store,
        raw,
        _dir: dir,
    }
}

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&db.raw)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn lead(db: &Db, id: &str, created: i64, source: &str, campaign: Option<&str>, stage: &str) {
    let campaign = campaign.map_or("NULL".into(), |c| format!("'{c}'"));
    exec(db, &format!(
        "INSERT INTO leads (id, source_channel, source_campaign_id, stage, created_at, updated_at) \
         VALUES ('{id}', '{source}', {campaign}, '{stage}', {created}, {created})"
    ))
    .await;
}

/// Stage changes `(to_stage, day offset, reason)` of a lead created at `T`.
async fn moves(db: &Db, id: &str, steps: &[(&str, i64, &str)]) {
    for (n, (to, d, reason)) in steps.iter().enumerate() {
        exec(
            db,
            &format!(
                "INSERT INTO stage_changes (id, lead_id, to_stage, at, reason) \
             VALUES ('{id}-s{n}', '{id}', '{to}', {}, '{reason}')",
                T + d * DAY
            ),
        )
        .await;
    }
}

async fn touch(db: &Db, id: &str, lead: &str, channel: &str, campaign: Option<&str>, at: i64) {
    let campaign = campaign.map_or("NULL".into(), |c| format!("'{c}'"));
    exec(db, &format!(
        "INSERT INTO activities (id, message_id, lead_id, type, channel, campaign_id, occurred_at, received_at, origin) \
         VALUES ('{id}', '{id}', '{lead}', 'webinar_attended', '{channel}', {campaign}, {at}, {at}, 'test')"
    ))
    .await;
}

async fn cost(db: &Db, id: &str, campaign: Option<&str>, channel: &str, day: i64, amount: i64) {
    let campaign = campaign.map_or("NULL".into(), |c| format!("'{c}'"));
    exec(
        db,
        &format!(
            "INSERT INTO costs (id, campaign_id, channel, day, amount_minor, currency, created_at) \
         VALUES ('{id}', {campaign}, '{channel}', {day}, {amount}, 'USD', {day})"
        ),
    )
    .await;
}

/// L1, L2 (webinar, campaign c1), L3, L4 (paid search) in January; L5 in February and L6
/// merged away, both outside every report.
async fn history(db: &Db) {
    exec(db, &format!("INSERT INTO campaigns (id, name, name_key, channel, created_at) VALUES ('c1', 'Spring webinar', 'spring webinar', 'webinar', {T})")).await;
    lead(db, "l1", T, "webinar", Some("c1"), "sql").await;
    moves(
        db,
        "l1",
        &[("lead", 0, "form"), ("mql", 2, "score"), ("sql", 5, "call")],
    )
    .await;
    lead(db, "l2", T, "webinar", Some("c1"), "customer").await;
    moves(
        db,
        "l2",
        &[
            ("lead", 0, "form"),
            ("sql", 1, "call"),
            ("opportunity", 3, "deal"),
            ("customer", 10, "won"),
        ],
    )
    .await;
    exec(db, &format!(
        "INSERT INTO opportunities (id, primary_lead_id, name, stage, amount_minor, created_at, updated_at, won_amount_minor) \
         VALUES ('o1', 'l2', 'Deal', 'closed_won', 4000, {T}, {T}, 5000)"
    ))
    .await;
    lead(db, "l3", T, "paid_search", None, "disqualified").await;
    moves(
        db,
        "l3",
        &[
            ("lead", 0, "form"),
            (
                "disqualified",
                1,
                "disqualified by rules: student (academic domain x.edu)",
            ),
        ],
    )
    .await;
    lead(db, "l4", T, "paid_search", None, "lead").await;
    moves(db, "l4", &[("lead", 0, "import")]).await;
    lead(db, "l5", T + 31 * DAY, "webinar", None, "customer").await;
    lead(db, "l6", T, "webinar", None, "customer").await;
    exec(db, "UPDATE leads SET merged_into = 'l1' WHERE id = 'l6'").await;
    touch(db, "a1", "l1", "webinar", Some("c1"), T).await;
    touch(db, "a2", "l2", "webinar", Some("c1"), T).await;
    touch(db, "a3", "l4", "webinar", None, T + DAY).await;
    // After the period's end: not an exposure of January's cohort.
    touch(db, "a4", "l3", "webinar", Some("c1"), JAN_TO + DAY).await;
    cost(db, "k1", None, "paid_search", T + 5 * DAY, 3000).await;
    cost(db, "k2", Some("c1"), "webinar", T + 7 * DAY, 2000).await;
    cost(db, "k3", None, "paid_search", JAN_TO + 10 * DAY, 999).await;
}

fn january() -> FunnelScope {
    FunnelScope {
        from: JAN_FROM,
        to: JAN_TO,
        source: None,
    }
}

#[tokio::test]
async fn funnel_counts_the_periods_leads_by_source_with_jumps_passing_earlier_stages() {
    let db = db().await;
    history(&db).await;
    let leads = db.store.funnel_leads(&january()).await.unwrap();
    assert_eq!(
        leads.len(),
        4,
        "February's lead and the merged one are left out"
    );
    let rows = funnel::funnel(&leads, By::Source);
    let counts = |r: &funnel::FunnelRow| r.stages.iter().map(|s| s.count).collect::<Vec<_>>();
    assert_eq!(rows[0].key, "paid_search");
    assert_eq!(counts(&rows[0]), [2, 2, 0, 0, 0, 0, 0]);
    assert_eq!(rows[1].key, "webinar");
    assert_eq!(counts(&rows[1]), [2, 2, 2, 2, 2, 1, 1]);
    assert_eq!(counts(&rows[2]), [4, 4, 2, 2, 2, 1, 1]);
    let v = funnel::velocity(&leads);
    assert_eq!(
        v.steps[1].median_days,
        Some(2.0),
        "l1: lead → MQL in 2 days"
    );
    assert_eq!(v.steps[2].leads, 0, "nobody has both MQL and SAL times");
    assert_eq!(
        v.steps[5].median_days,
        Some(7.0),
        "l2: opportunity → customer"
    );
    assert_eq!(v.to_close.median_days, Some(10.0));
    let counts = db.store.funnel_counts(&january()).await.unwrap();
    assert_eq!(
        counts.velocity(),
        v,
        "whole days read to the hour give the same figures"
    );
    for by in [By::Month, By::Source, By::Campaign] {
        let tallies = counts.tallies(by);
        assert_eq!(
            funnel::funnel_of(&tallies, by),
            funnel::funnel(&leads, by),
            "{by:?}"
        );
        let none = HashMap::new();
        assert_eq!(
            quality::quality_of(&tallies, by, &none),
            quality::quality(&leads, by, &none),
            "{by:?}"
        );
    }
    let only = FunnelScope {
        source: Some("webinar".into()),
        ..january()
    };
    assert_eq!(db.store.funnel_leads(&only).await.unwrap().len(), 2);
}

#[tokio::test]
async fn quality_reads_reasons_revenue_and_costs_per_source_and_campaign() {
    let db = db().await;
    history(&db).await;
    let leads = db.store.funnel_leads(&january()).await.unwrap();
    let costs = db
        .store
        .funnel_costs(By::Source, JAN_FROM, JAN_TO)
        .await
        .unwrap();
    assert_eq!(
        costs,
        HashMap::from([("paid_search".into(), 3000), ("webinar".into(), 2000)])
    );
    let rows = quality::quality(&leads, By::Source, &costs);
    let (paid, web) = (&rows[0], &rows[1]);
    assert_eq!((paid.leads, paid.disqualified), (2, 1));
    assert_eq!(paid.top_reasons[0].reason, "student");
    assert_eq!(paid.sql_rate, Some(0.0));
    assert_eq!(paid.cost_per_lead_minor, Some(1500.0));
    assert_eq!(web.sql_rate, Some(1.0));
    assert_eq!(web.win_rate, Some(0.5));
    assert_eq!(
        web.revenue_minor, 5000,
        "the won amount, not the opportunity's estimate"
    );
    assert_eq!(web.revenue_per_lead_minor, Some(2500.0));
    assert_eq!(web.cost_per_lead_minor, Some(1000.0));
    let by_campaign = db
        .store
        .funnel_costs(By::Campaign, JAN_FROM, JAN_TO)
        .await
        .unwrap();
    assert_eq!(
        by_campaign,
        HashMap::from([("Spring webinar".into(), 2000)])
    );
    let rows = quality::quality(&leads, By::Campaign, &by_campaign);
    assert_eq!(rows[0].key, funnel::NO_CAMPAIGN);
    assert_eq!((rows[0].leads, rows[0].cost_minor), (2, None));
    assert_eq!((rows[1].key.as_str(), rows[1].leads), ("Spring webinar", 2));
}

#[tokio::test]
async fn compare_splits_the_cohort_by_touches_before_the_periods_end() {
    let db = db().await;
    history(&db).await;
    let (id, name) = db
        .store
        .campaign_by_name(" spring WEBINAR ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((id.as_str(), name.as_str()), ("c1", "Spring webinar"));
    let program = Program::Campaign(id);
    let (exposed, others) = db
        .store
        .exposure_cohorts(&january(), &program, Stage::Sql)
        .await
        .unwrap();
    assert_eq!((exposed.leads, exposed.converted), (2, 2));
    assert_eq!(
        (others.leads, others.converted),
        (2, 0),
        "l3's touch came after January"
    );
    let channel = Program::Channel("webinar".into());
    let (exposed, others) = db
        .store
        .exposure_cohorts(&january(), &channel, Stage::Sql)
        .await
        .unwrap();
    assert_eq!((exposed.leads, exposed.converted), (3, 2));
    assert_eq!((others.leads, others.converted), (1, 0));
    let (exposed, _) = db
        .store
        .exposure_cohorts(&january(), &channel, Stage::Customer)
        .await
        .unwrap();
    assert_eq!(exposed.converted, 1);
    let (exposed, _) = db
        .store
        .exposure_cohorts(&january(), &channel, Stage::Mql)
        .await
        .unwrap();
    assert_eq!(exposed.converted, 2, "l2 jumped to SQL and so passed MQL");
}
