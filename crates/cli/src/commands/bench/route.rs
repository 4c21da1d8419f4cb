//! `leadline bench route`: routing newly sales-ready leads end to end — claiming their route
//! jobs from the outbox, reading each lead, its reps and the rotation, deciding by three
//! rules (a territory round robin, a weighted team, a capacity team), writing assignments
//! with SLA deadlines, owners and job outcomes — through `Store::route_pending`, against a
//! bare pass that writes the same number of assignment rows and owners with no decisions.

use std::time::Instant;

use anyhow::{Context, bail};
use leadline_core::business_hours::{Calendar, WeeklyHours};
use leadline_core::policy::Policy;
use leadline_core::routing::{Assign, Member, RoutingRule};
use serde_json::json;
use sqlx::AssertSqlSafe;

use super::Target;
use super::report::{Report, round3};

#[derive(clap::Args)]
pub struct Args {
    /// Leads that become sales-ready at once.
    #[arg(long, default_value_t = 100_000)]
    leads: u64,
    /// Sales reps, split over three teams.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u64).range(3..=1000))]
    reps: u64,
    /// Route jobs per transaction (the server's routing worker uses 1,000).
    #[arg(long, default_value_t = 1_000)]
    batch: i64,
    /// Seed of the synthetic leads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Goal: seconds to route every lead.
    #[arg(long, default_value_t = 5.0)]
    goal_s: f64,
}

fn team(name: &str, method: &str, members: Vec<Member>) -> Assign {
    Assign {
        team: Some(name.into()),
        method: Some(method.into()),
        members,
        ..Default::default()
    }
}

fn rule(name: &str, when: &str, assign: Assign) -> RoutingRule {
    RoutingRule {
        name: name.into(),
        when: when.into(),
        assign,
        account_owner_first: false,
        accept_within_hours: Some(4.0),
        first_touch_within_hours: Some(24.0),
    }
}

/// DACH leads to a territory round robin, heads and VPs to a weighted team, the rest to a
/// team filled by capacity.
fn rules(reps: &[String]) -> Vec<RoutingRule> {
    let third = reps.len() / 3;
    let member = |rep: &String, weight: Option<i64>, capacity: Option<i64>| Member {
        rep: rep.clone(),
        weight,
        capacity,
    };
    vec![
        rule(
            "DACH",
            r#"country in ("DE", "AT", "CH")"#,
            team(
                "dach",
                "round_robin",
                reps[..third]
                    .iter()
                    .map(|r| member(r, None, None))
                    .collect(),
            ),
        ),
        rule(
            "Senior titles",
            r#"title contains "head" or title contains "vp""#,
            team(
                "senior",
                "weighted",
                reps[third..2 * third]
                    .iter()
                    .enumerate()
                    .map(|(i, r)| member(r, Some(1 + i as i64 % 3), None))
                    .collect(),
            ),
        ),
        rule(
            "Everyone else",
            "",
            team(
                "inbound",
                "capacity",
                reps[2 * third..]
                    .iter()
                    .map(|r| member(r, None, Some(100_000)))
                    .collect(),
            ),
        ),
    ]
}

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let store = target.open_empty().await?;
    let pool = target.any_pool().await?;
    let started = Instant::now();
    super::list::fill(&pool, args.leads, args.seed)
        .await
        .context("building the bench database")?;
    let mut reps = Vec::new();
    for i in 0..args.reps {
        let u = store
            .create_user(
                &format!("rep{i}@bench.example"),
                &format!("Rep {i}"),
                "sales",
                None,
            )
            .await?;
        reps.push(u.id);
    }
    // Open around the clock: the bench measures routing, not the time of day it runs at.
    let always = Calendar {
        hours: WeeklyHours::every_day(Some("00:00-24:00")),
        ..Default::default()
    };
    store.set_team_calendar(&always).await?;
    store
        .set_policy(Policy {
            routing: rules(&reps),
            ..Default::default()
        })
        .await?;
    // Every lead becomes sales-ready at once, each with its route job, as the MQL check
    // leaves them.
    let now = leadline_store::now_ms();
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE leads SET stage = 'mql', owner_id = NULL, updated_at = {now}"
    )))
    .execute(&pool)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO jobs (id, kind, payload, status, run_at, created_at) \
         SELECT 'bench-' || id, '{}', '{{\"lead_id\":\"' || id || '\"}}', 'queued', {now}, {now} FROM leads",
        leadline_store::routing::ROUTE_JOB
    )))
    .execute(&pool)
    .await?;
    if target.backend == leadline_store::Backend::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await?;
    }
    eprintln!(
        "route: {} sales-ready leads, {} reps (setup {:.1} s, not measured)",
        args.leads,
        args.reps,
        started.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let routed = store.route_pending(now, args.batch).await?;
    let secs = t.elapsed().as_secs_f64();
    eprintln!("route: {secs:.2} s, {routed:?}");
    let (open, leads_owned): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM assignments WHERE ended_at IS NULL), \
                (SELECT COUNT(*) FROM leads WHERE owner_id IS NOT NULL)",
    )
    .fetch_one(&pool)
    .await?;
    if open as u64 != args.leads || leads_owned as u64 != args.leads {
        bail!(
            "routing left leads without exactly one owner: {open} open assignments, {leads_owned} owned leads, {} leads",
            args.leads
        );
    }
    let by_rule: Vec<(String, i64)> =
        sqlx::query_as("SELECT rule, COUNT(*) FROM assignments GROUP BY rule ORDER BY rule")
            .fetch_all(&pool)
            .await?;

    // Reference: the same number of assignment rows and owners, written in bulk.
    let t = Instant::now();
    sqlx::query(
        "CREATE TABLE bench_assignments AS SELECT id, lead_id, owner_id, rule, via, explanation, assigned_at, \
         accept_due_at, touch_due_at FROM assignments WHERE 1 = 0",
    )
    .execute(&pool)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO bench_assignments SELECT 'ref-' || id, id, '{}', 'rule', 'round_robin', '{{}}', {now}, {now}, {now} FROM leads",
        reps[0]
    )))
    .execute(&pool)
    .await?;
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE leads SET owner_id = '{}'",
        reps[0]
    )))
    .execute(&pool)
    .await?;
    let reference = t.elapsed().as_secs_f64();
    pool.close().await;

    let mut r = Report::on_engine("route", target.engine());
    r.add("leads", args.leads.to_string(), "leads", json!(args.leads));
    r.add("reps", args.reps.to_string(), "reps", json!(args.reps));
    for (rule, n) in &by_rule {
        r.line(&format!("  by rule {rule:?}"), n.to_string());
    }
    r.field("by_rule", json!(by_rule));
    r.add(
        "routed (one open assignment per lead)",
        format!(
            "{secs:.2} s ({:.0} leads/s)",
            args.leads as f64 / secs.max(1e-9)
        ),
        "seconds",
        json!(round3(secs)),
    );
    r.add(
        "reference: bulk INSERT of the assignments + UPDATE of the owners",
        format!("{reference:.2} s"),
        "reference_s",
        json!(round3(reference)),
    );
    let ratio = secs / reference.max(1e-6);
    r.add(
        "ratio route / reference",
        format!("{ratio:.1}"),
        "ratio",
        json!(round3(ratio)),
    );
    r.target(
        format!(
            "route {} sales-ready leads ≤ {:.0} s",
            args.leads, args.goal_s
        ),
        secs <= args.goal_s,
    );
    Ok(r)
}
