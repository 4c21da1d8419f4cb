//! The report probes of `leadline bench reports`: one entry per report function, each with
//! the bare scan it is measured against. Adding a probe is one call in [`all`].

use std::future::Future;
use std::pin::Pin;

use leadline_core::Stage;
use leadline_core::attribution::Model;
use leadline_core::followup::By;
use leadline_core::funnel::{self, By as FunnelBy, quality};
use leadline_core::journey::credit::{self, Settings};
use leadline_core::journey::report::By as Credit;
use leadline_core::journey::{DEFAULT_LOOKBACK_DAYS, Outcome};
use leadline_store::Store;
use leadline_store::funnel::{FunnelScope, Program};

use super::Period;

/// What a store probe returns: the number of rows (or groups) the report produced.
pub type Rows<'a> = Pin<Box<dyn Future<Output = anyhow::Result<usize>> + Send + 'a>>;

type StoreFn = Box<dyn for<'a> Fn(&'a Store) -> Rows<'a> + Send + Sync>;

/// A bare SQL statement with integer parameters (`$1`, `$2`, … in order).
#[derive(Clone)]
pub struct Sql {
    /// How the table shows it, e.g. "scan leads".
    pub label: &'static str,
    pub text: &'static str,
    pub binds: Vec<i64>,
}

/// One timed report and the bare scan of the same tables it is compared with.
pub struct Probe {
    pub name: String,
    pub run: StoreFn,
    pub reference: Sql,
}

/// A probe of a store report function.
fn report<F>(name: &str, reference: Sql, f: F) -> Probe
where
    F: for<'a> Fn(&'a Store) -> Rows<'a> + Send + Sync + 'static,
{
    Probe {
        name: name.to_owned(),
        run: Box::new(f),
        reference,
    }
}

fn sql(label: &'static str, text: &'static str, binds: &[i64]) -> Sql {
    Sql {
        label,
        text,
        binds: binds.to_vec(),
    }
}

/// The reference of lead reports: every lead read once, with a milestone column.
fn scan_leads() -> Sql {
    sql(
        "scan leads",
        "SELECT COUNT(*), SUM(CASE WHEN mql_at IS NOT NULL THEN 1 ELSE 0 END) FROM leads",
        &[],
    )
}

/// The reference of touch reports: the lead touches of a period through the covering index.
fn scan_touches(from: i64, to: i64) -> Sql {
    sql(
        "scan touches (covering index)",
        "SELECT COUNT(*), COUNT(channel) FROM activities \
         WHERE lead_id IS NOT NULL AND occurred_at >= $1 AND occurred_at < $2",
        &[from, to],
    )
}

/// The reference of follow-up reports: the assignments of the period joined to their leads.
fn scan_assignments(from: i64) -> Sql {
    sql(
        "scan assignments ⋈ leads",
        "SELECT COUNT(*), COUNT(a.first_touch_at) FROM assignments a \
         JOIN leads l ON l.id = a.lead_id WHERE a.assigned_at >= $1",
        &[from],
    )
}

/// Every probe, in the order the table shows them.
pub fn all(p: &Period) -> Vec<Probe> {
    let (now, from90) = (p.as_of, p.as_of - 90 * super::DAY);
    let quarter = p.last_quarter;
    let (q_from, q_to) = (quarter.from, quarter.to);
    let year = p.as_of - 365 * super::DAY;
    // Attribution reads the touches of the lookback window before the period.
    let lookback = q_from - i64::from(DEFAULT_LOOKBACK_DAYS) * super::DAY;
    let all = models("all");
    let w_shaped = models("w-shaped").remove(0);
    let markov = models("markov").remove(0);
    let campaign = p.biggest_campaign.clone();
    let yearly = move || FunnelScope {
        from: year,
        to: now,
        source: None,
    };
    vec![
        report(
            "followup by rep, 90 days",
            scan_assignments(from90),
            move |s| {
                Box::pin(async move { Ok(s.followup_report(By::Rep, from90, now).await?.len()) })
            },
        ),
        report(
            "followup by source, 90 days",
            scan_assignments(from90),
            move |s| {
                Box::pin(async move { Ok(s.followup_report(By::Source, from90, now).await?.len()) })
            },
        ),
        report(
            "followup by month, 1 year",
            scan_assignments(year),
            move |s| {
                Box::pin(async move { Ok(s.followup_report(By::Month, year, now).await?.len()) })
            },
        ),
        report(
            "followup never touched, 90 days",
            scan_assignments(from90),
            move |s| {
                Box::pin(async move {
                    let all = s.handovers(from90).await?;
                    Ok(leadline_core::followup::never_touched(&all, now).len())
                })
            },
        ),
        report("funnel by month, 1 year", scan_leads(), move |s| {
            Box::pin(async move { funnel_report(s, yearly(), FunnelBy::Month).await })
        }),
        report("funnel by source, 1 year", scan_leads(), move |s| {
            Box::pin(async move { funnel_report(s, yearly(), FunnelBy::Source).await })
        }),
        report("funnel by campaign, 1 year", scan_leads(), move |s| {
            Box::pin(async move { funnel_report(s, yearly(), FunnelBy::Campaign).await })
        }),
        report(
            "sources (lead quality) by channel, 1 year",
            scan_leads(),
            move |s| Box::pin(async move { sources(s, yearly(), FunnelBy::Source).await }),
        ),
        report(
            "sources (lead quality) by campaign, 1 year",
            scan_leads(),
            move |s| Box::pin(async move { sources(s, yearly(), FunnelBy::Campaign).await }),
        ),
        report(
            "compare: biggest campaign, SQL rate, 1 year",
            scan_touches(year, now),
            move |s| {
                let program = Program::Campaign(campaign.clone());
                Box::pin(async move {
                    let (a, b) = s.exposure_cohorts(&yearly(), &program, Stage::Sql).await?;
                    Ok((a.leads + b.leads) as usize)
                })
            },
        ),
        report(
            "attribution, leads, all models, last quarter",
            scan_touches(lookback, q_to),
            {
                let all = all.clone();
                move |s| {
                    Box::pin(attribution(
                        s,
                        Outcome::Leads,
                        quarter,
                        Credit::Channel,
                        all.clone(),
                    ))
                }
            },
        ),
        report(
            "attribution, revenue, all models, by campaign, last quarter",
            scan_touches(lookback, q_to),
            {
                let all = all.clone();
                move |s| {
                    Box::pin(attribution(
                        s,
                        Outcome::Revenue,
                        quarter,
                        Credit::Campaign,
                        all.clone(),
                    ))
                }
            },
        ),
        report(
            "roi + overview (w-shaped), last quarter",
            scan_touches(lookback, q_to),
            move |s| {
                let model = w_shaped.clone();
                Box::pin(async move { roi(s, quarter, model).await })
            },
        ),
        report(
            "roi (markov), last quarter",
            scan_touches(lookback, q_to),
            move |s| {
                let model = markov.clone();
                Box::pin(async move { roi(s, quarter, model).await })
            },
        ),
    ]
}

/// The models the reports name `text` (`all`, `w-shaped`, …) with default settings.
fn models(text: &str) -> Vec<Model> {
    let found = credit::models(text, &Settings::default()).unwrap_or_default();
    assert!(!found.is_empty(), "no attribution model is called {text:?}");
    found
}

/// The funnel report as the API builds it: rows by `by`, the monthly trend, the velocity.
async fn funnel_report(s: &Store, scope: FunnelScope, by: FunnelBy) -> anyhow::Result<usize> {
    let counts = s.funnel_counts(&scope).await?;
    let rows = funnel::funnel_of(&counts.tallies(by), by);
    if by != FunnelBy::Month {
        funnel::funnel_of(&counts.tallies(FunnelBy::Month), FunnelBy::Month);
    }
    counts.velocity();
    Ok(rows.len())
}

/// Lead quality as the API builds it: tallies and costs by `by`.
async fn sources(s: &Store, scope: FunnelScope, by: FunnelBy) -> anyhow::Result<usize> {
    let tallies = s.funnel_counts(&scope).await?.tallies(by);
    let costs = s.funnel_costs(by, scope.from, scope.to).await?;
    Ok(quality::quality_of(&tallies, by, &costs).len())
}

/// The attribution report under `models`; its rows.
async fn attribution(
    s: &Store,
    outcome: Outcome,
    period: leadline_core::period::Period,
    by: Credit,
    models: Vec<Model>,
) -> anyhow::Result<usize> {
    let r = s.attribution_report(outcome, period, by, &models, Settings::default());
    Ok(r.await?.rows.len())
}

/// The ROI report (the overview page reads the same one); rows of both views.
async fn roi(
    s: &Store,
    period: leadline_core::period::Period,
    model: Model,
) -> anyhow::Result<usize> {
    let r = s.roi_report(period, &model, Settings::default()).await?;
    Ok(r.by_channel.len() + r.by_campaign.len())
}
