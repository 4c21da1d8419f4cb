//! `leadline bench rescore`: re-assessing every lead (qualification, fit, engagement, grade,
//! MQL definition) on a large database, as after a scoring-rule change, against a bare pass
//! over the same rows (read every activity, rewrite one column of every lead).

use std::time::Instant;

use anyhow::Context;
use leadline_core::policy::Policy;
use serde_json::json;
use sqlx::AssertSqlSafe;

use super::Target;
use super::list::{is_sqlite, placeholder};
use super::report::{Report, round3};

#[derive(clap::Args)]
pub struct Args {
    /// Leads in the database.
    #[arg(long, default_value_t = 1_000_000)]
    leads: u64,
    /// Activities per lead, on average.
    #[arg(long, default_value_t = 3)]
    activities_per_lead: u64,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Goal: seconds for a rescore after a rule change.
    #[arg(long, default_value_t = 10.0)]
    goal_s: f64,
    /// Reuse the database an earlier run of this bench built with the same `--leads`,
    /// skipping the setup (for profiling).
    #[arg(long)]
    reuse: bool,
}

/// Activities as a website, forms and email produce them: `(type, name)`.
const KINDS: &[(&str, Option<&str>)] = &[
    ("page", Some("Home")),
    ("page", Some("Blog: ten ways")),
    ("page", Some("Pricing")),
    ("page", Some("Docs")),
    ("track", Some("Email Opened")),
    ("track", Some("Email Clicked")),
    ("track", Some("Webinar Attended")),
    ("form_submitted", Some("Contact us")),
];

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let (store, pool, activities) = if args.reuse {
        reopen(target, args.leads).await?
    } else {
        let store = target.open_empty().await?;
        let pool = target.any_pool().await?;
        let started = Instant::now();
        super::list::fill(&pool, args.leads, args.seed)
            .await
            .context("building the bench database")?;
        let activities =
            fill_activities(&pool, args.leads * args.activities_per_lead, args.seed).await?;
        eprintln!(
            "rescore: {} leads and {activities} activities inserted in {:.1} s (setup, not measured)",
            args.leads,
            started.elapsed().as_secs_f64()
        );
        (store, pool, activities)
    };
    if target.backend == leadline_store::Backend::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await?;
    }
    let now = leadline_store::now_ms();
    let mut runs = Vec::new();
    let mut timed =
        |label: &'static str, secs: f64, report: leadline_store::scores::RescoreReport| {
            eprintln!("rescore: {label}: {secs:.2} s, {report:?}");
            runs.push((label, secs, report));
        };
    let t = Instant::now();
    let first = store.rescore_all(now).await?;
    timed(
        "first scoring (every lead written)",
        t.elapsed().as_secs_f64(),
        first,
    );

    let mut policy = Policy::default();
    policy.scoring.weights.insert("page".into(), 2.0);
    policy.scoring.weights.insert("page:pricing".into(), 15.0);
    policy.scoring.business_email = 12.0;
    store.set_policy(policy).await?;
    let t = Instant::now();
    let changed = store.rescore_all(now).await?;
    let change_secs = t.elapsed().as_secs_f64();
    timed("after a rule change", change_secs, changed);

    let t = Instant::now();
    let same = store.rescore_all(now).await?;
    timed("no change", t.elapsed().as_secs_f64(), same);

    let t = Instant::now();
    let (n, len): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), SUM(LENGTH(name)) FROM activities")
            .fetch_one(&pool)
            .await?;
    std::hint::black_box((n, len));
    sqlx::query(AssertSqlSafe(format!("UPDATE leads SET scored_at = {now}")))
        .execute(&pool)
        .await?;
    let reference = t.elapsed().as_secs_f64();
    pool.close().await;

    let mut r = Report::on_engine("rescore", target.engine());
    r.add("leads", args.leads.to_string(), "leads", json!(args.leads));
    r.add(
        "activities",
        activities.to_string(),
        "activities",
        json!(activities),
    );
    let mut json_runs = Vec::new();
    for (label, secs, rep) in &runs {
        r.line(
            label,
            format!(
                "{secs:.2} s ({} leads changed, {} became MQL, {} disqualified)",
                rep.changed, rep.became_mql, rep.disqualified
            ),
        );
        json_runs.push(json!({"run": label, "seconds": round3(*secs), "report": rep}));
    }
    r.field("runs", json!(json_runs));
    r.add(
        "reference: scan activities + UPDATE every lead",
        format!("{reference:.2} s"),
        "reference_s",
        json!(round3(reference)),
    );
    let ratio = change_secs / reference.max(1e-6);
    r.add(
        "ratio rule change / reference",
        format!("{ratio:.1}"),
        "ratio",
        json!(round3(ratio)),
    );
    r.target(
        format!("rescore after a rule change ≤ {:.0} s", args.goal_s),
        change_secs <= args.goal_s,
    );
    Ok(r)
}

/// Opens a database an earlier run built, checking it holds `leads` leads.
async fn reopen(
    target: &Target,
    leads: u64,
) -> anyhow::Result<(leadline_store::Store, sqlx::AnyPool, u64)> {
    let store = leadline_store::Store::open(&target.url).await?;
    let pool = target.any_pool().await?;
    let (n, activities): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM activities)")
            .fetch_one(&pool)
            .await?;
    if n as u64 != leads {
        anyhow::bail!(
            "--reuse: {} holds {n} leads, not {leads}: run once without --reuse",
            target.describe()
        );
    }
    // Back to the default policy, as a fresh run starts.
    store.set_policy(Policy::default()).await?;
    Ok((store, pool, activities as u64))
}

/// One generated activity (its id is also its message id).
struct Generated {
    id: String,
    lead: String,
    kind: &'static str,
    name: Option<&'static str>,
    at: i64,
}

/// Inserts `n` activities spread over the leads and the last 180 days, ids made at insert
/// time (as capture makes them, so id order is insertion order).
async fn fill_activities(pool: &sqlx::AnyPool, n: u64, seed: u64) -> anyhow::Result<u64> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM leads")
        .fetch_all(pool)
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let now = leadline_store::now_ms();
    let sqlite = is_sqlite(pool).await?;
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const ROWS: u64 = 400;
    let mut done = 0;
    while done < n {
        let mut tx = pool.begin().await?;
        for _ in 0..50 {
            let rows = ROWS.min(n - done);
            if rows == 0 {
                break;
            }
            let mut sql = String::from(
                "INSERT INTO activities (id, message_id, lead_id, type, name, channel, occurred_at, received_at, origin) VALUES ",
            );
            let mut binds: Vec<Generated> = Vec::new();
            for r in 0..rows as usize {
                let (kind, name) = KINDS[(next() % KINDS.len() as u64) as usize];
                let lead = ids[(next() % ids.len() as u64) as usize].clone();
                let at = now - (next() % (180 * 86_400_000)) as i64;
                let id = leadline_store::new_id();
                let p = |c: usize| placeholder(sqlite, r * 6 + c);
                sql.push_str(&format!(
                    "{}({}, {}, {}, {}, {}, 'direct', {}, {now}, 'bench')",
                    if r == 0 { "" } else { "," },
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5),
                    p(6)
                ));
                binds.push(Generated {
                    id,
                    lead,
                    kind,
                    name,
                    at,
                });
            }
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for g in binds {
                q = q
                    .bind(g.id.clone())
                    .bind(g.id)
                    .bind(g.lead)
                    .bind(g.kind)
                    .bind(g.name)
                    .bind(g.at);
            }
            q.execute(&mut *tx).await?;
            done += rows;
        }
        tx.commit().await?;
    }
    Ok(done)
}
