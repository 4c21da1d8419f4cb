//! The report probes of `leadline bench reports`: one entry per report function, each with
//! the bare scan it is measured against. Adding a probe is one call in [`all`].

use std::future::Future;
use std::pin::Pin;

use leadline_core::followup::By;
use leadline_store::Store;

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

/// How a probe does its work: through the store's report function, or a raw query.
pub enum Work {
    Store(StoreFn),
    Sql(Sql),
}

/// One timed report and the bare scan of the same tables it is compared with.
pub struct Probe {
    pub name: String,
    pub work: Work,
    pub reference: Sql,
}

/// A probe of a store report function.
fn report<F>(name: &str, reference: Sql, f: F) -> Probe
where
    F: for<'a> Fn(&'a Store) -> Rows<'a> + Send + Sync + 'static,
{
    Probe {
        name: name.to_owned(),
        work: Work::Store(Box::new(f)),
        reference,
    }
}

/// A probe of a raw query, for reports not built yet: how fast the database alone can
/// answer the question the report asks.
fn raw(name: &str, query: Sql, reference: Sql) -> Probe {
    Probe {
        name: name.to_owned(),
        work: Work::Sql(query),
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
    let (q_from, q_to) = p.last_quarter;
    let year = p.as_of - 365 * super::DAY;
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
        raw(
            "raw: funnel counts by source, 1 year",
            sql(
                "",
                "SELECT source_channel, COUNT(*), COUNT(mql_at), COUNT(sal_at), COUNT(sql_at), \
                 COUNT(opportunity_at), COUNT(customer_at), COUNT(disqualified_at) \
                 FROM leads WHERE created_at >= $1 GROUP BY source_channel",
                &[year],
            ),
            scan_leads(),
        ),
        raw(
            "raw: leads touched per channel, last quarter",
            sql(
                "",
                "SELECT channel, COUNT(*), COUNT(DISTINCT lead_id) FROM activities \
                 WHERE lead_id IS NOT NULL AND occurred_at >= $1 AND occurred_at < $2 \
                 GROUP BY channel",
                &[q_from, q_to],
            ),
            scan_touches(q_from, q_to),
        ),
    ]
}
