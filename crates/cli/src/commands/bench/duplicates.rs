//! `leadline bench duplicates`: a duplicate scan over a large database with planted
//! duplicates, timed, and how many of the planted pairs it found.
//!
//! The people are synthetic but shaped like a real base: names drawn with a skew (a few
//! very common, most rare), companies of very different sizes (one has thousands of leads),
//! a fifth on free mail, half with a phone. One lead in a hundred (`--dupes-per-mille`) gets
//! a second record: a typo in the first name at the same company, the same phone on a
//! free-mail address, or the company typed with its legal form. (The leads of `bench list`
//! do not fit: they all share one company domain and 600 names, so every namesake pair
//! would be a likely duplicate.) Domains use the reserved `.example` and `.test` endings.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::Context;
use leadline_store::duplicates::{Actor, CandidateFilter, Kind};
use serde_json::json;
use sqlx::AssertSqlSafe;

use super::Target;
use super::events::Rng;
use super::report::Report;

mod people;
use people::{Person, company_name, person, twin};

/// Options of `leadline bench duplicates`.
#[derive(clap::Args)]
pub struct Args {
    /// Leads in the database (planted duplicates come on top).
    #[arg(long, default_value_t = 1_000_000)]
    leads: u64,
    /// Companies (accounts) the leads work for.
    #[arg(long, default_value_t = 100_000)]
    companies: u64,
    /// Planted duplicate people per thousand leads (and duplicate accounts per thousand
    /// companies).
    #[arg(long, default_value_t = 10)]
    dupes_per_mille: u64,
    /// Seed of the synthetic data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Goal: the scan's wall time, in seconds.
    #[arg(long, default_value_t = 120.0)]
    goal_s: f64,
}

/// Fills the database, scans it once, and reports the time and what was found.
pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let store = target.open_empty().await?;
    let pool = target.any_pool().await?;
    let started = Instant::now();
    let (planted, planted_accounts) = fill(target, &pool, &args)
        .await
        .context("building the bench database")?;
    eprintln!(
        "duplicates: {} leads ({} planted twins) and {} accounts inserted in {:.1} s (setup, not measured)",
        args.leads + planted.len() as u64,
        planted.len(),
        args.companies + planted_accounts.len() as u64,
        started.elapsed().as_secs_f64()
    );
    if target.backend == leadline_store::Backend::Postgres {
        sqlx::query("ANALYZE").execute(&pool).await?;
    }
    pool.close().await;
    let t = Instant::now();
    let scan = store.scan_duplicates(&Actor::new(None, "cli")).await?;
    let seconds = t.elapsed().as_secs_f64();
    eprintln!("duplicates: scan took {seconds:.1} s");
    let found = |kind: Kind| {
        let store = store.clone();
        async move {
            let mut pairs = HashSet::new();
            let mut cursor = None;
            let filter = CandidateFilter {
                kind: Some(kind),
                ..Default::default()
            };
            loop {
                let page = store.list_candidates(&filter, cursor.as_ref(), 500).await?;
                for c in &page.items {
                    pairs.insert(sorted(&c.a.id, &c.b.id));
                }
                match page.next_cursor() {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            anyhow::Ok(pairs)
        }
    };
    let people = found(Kind::Person).await?;
    let accounts = found(Kind::Account).await?;
    let recall = |planted: &[(String, String)], found: &HashSet<(String, String)>| {
        let hit = planted.iter().filter(|p| found.contains(*p)).count();
        hit as f64 / planted.len().max(1) as f64
    };
    let (rp, ra) = (
        recall(&planted, &people),
        recall(&planted_accounts, &accounts),
    );
    let mut r = Report::on_engine("duplicates", target.engine());
    r.add(
        "leads",
        (args.leads + planted.len() as u64).to_string(),
        "leads",
        json!(args.leads + planted.len() as u64),
    );
    r.add(
        "scan wall time",
        format!("{seconds:.1} s"),
        "scan_s",
        json!(super::report::round3(seconds)),
    );
    for (label, key, s) in [
        ("people", "people", &scan.people),
        ("accounts", "accounts", &scan.accounts),
    ] {
        r.add(
            label,
            format!(
                "{} records, {} blocks ({} windowed), {} pairs scored, {} found",
                s.records, s.blocks, s.large_blocks, s.compared, s.found
            ),
            key,
            json!(s),
        );
    }
    r.add(
        "planted people found",
        format!("{:.1} % of {}", rp * 100.0, planted.len()),
        "recall_people",
        json!(super::report::round3(rp)),
    );
    r.add(
        "planted accounts found",
        format!("{:.1} % of {}", ra * 100.0, planted_accounts.len()),
        "recall_accounts",
        json!(super::report::round3(ra)),
    );
    if let Some(rss) = super::peak_rss_mib() {
        r.add(
            "peak RSS",
            format!("{rss:.0} MiB"),
            "peak_rss_mib",
            json!(rss.round()),
        );
    }
    r.target(
        format!("scan ≤ {:.0} s", args.goal_s),
        seconds <= args.goal_s,
    );
    r.target("≥ 90 % of planted people found".into(), rp >= 0.9);
    Ok(r)
}

fn sorted(a: &str, b: &str) -> (String, String) {
    let (x, y) = leadline_core::dedupe::canonical_pair(a, b);
    (x.to_owned(), y.to_owned())
}

/// Inserts the accounts and people with bare multi-row inserts; returns the planted pairs
/// of people and of accounts.
async fn fill(
    target: &Target,
    pool: &sqlx::AnyPool,
    args: &Args,
) -> anyhow::Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    let now = leadline_store::now_ms();
    let sqlite = target.backend == leadline_store::Backend::Sqlite;
    let mut account_ids = Vec::with_capacity(args.companies as usize);
    let mut planted_accounts = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in 0..args.companies {
        let id = leadline_store::new_id();
        rows.push(vec![id.clone(), format!("co{c}.example"), company_name(c)]);
        if c % 1000 < args.dupes_per_mille {
            let twin = leadline_store::new_id();
            rows.push(vec![
                twin.clone(),
                format!("co{c}.test"),
                format!("{} GmbH", company_name(c)),
            ]);
            planted_accounts.push(sorted(&id, &twin));
        }
        account_ids.push(id);
    }
    for chunk in rows.chunks(500) {
        insert(
            pool,
            sqlite,
            "accounts (id, domain, name, created_at)",
            chunk,
            &[now],
        )
        .await?;
    }
    let mut planted = Vec::new();
    let mut batch: Vec<Vec<String>> = Vec::new();
    let mut ids: Vec<String> = Vec::with_capacity(args.leads as usize);
    let lead_row = |id: &str, p: &Person| -> Vec<String> {
        let search = format!(
            "{} {} {} {}",
            p.email,
            p.first,
            p.last,
            p.company.as_deref().unwrap_or("")
        )
        .to_lowercase();
        vec![
            id.to_owned(),
            p.email.clone(),
            p.email.to_lowercase(),
            p.first.clone(),
            p.last.clone(),
            p.company.clone().unwrap_or_default(),
            p.phone.clone().unwrap_or_default(),
            p.account
                .map(|c| account_ids[c as usize].clone())
                .unwrap_or_default(),
            search,
        ]
    };
    for k in 0..args.leads {
        let p = person(args.seed, k, args.companies);
        let id = leadline_store::new_id();
        batch.push(lead_row(&id, &p));
        ids.push(id);
        if k % 1000 < args.dupes_per_mille && k > 0 {
            let mut rng = Rng::new(args.seed ^ k);
            let orig = rng.below(k);
            let original = person(args.seed, orig, args.companies);
            if let Some(t) = twin(&original, args.leads + k, rng.below(3)) {
                let twin_id = leadline_store::new_id();
                batch.push(lead_row(&twin_id, &t));
                planted.push(sorted(&ids[orig as usize], &twin_id));
            }
        }
        if batch.len() >= 50_000 || k + 1 == args.leads {
            let mut tx = pool.begin().await?;
            for chunk in batch.chunks(500) {
                let sql = lead_insert(sqlite, chunk.len());
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for row in chunk {
                    for (i, v) in row.iter().enumerate() {
                        // Empty optional columns (company, phone, account) are NULL.
                        q = q.bind((!(v.is_empty() && (5..=7).contains(&i))).then(|| v.clone()));
                    }
                    q = q.bind(now).bind(now);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            batch.clear();
        }
    }
    Ok((planted, planted_accounts))
}

fn placeholders(sqlite: bool, rows: usize, cols: usize, literal: &str) -> String {
    let mut n = 0;
    (0..rows)
        .map(|_| {
            let v: Vec<String> = (0..cols)
                .map(|_| {
                    n += 1;
                    if sqlite {
                        "?".to_owned()
                    } else {
                        format!("${n}")
                    }
                })
                .collect();
            format!("({}{literal})", v.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn lead_insert(sqlite: bool, rows: usize) -> String {
    // id, email, email_key, first, last, company, phone, account, search, created, updated; stage
    let values = placeholders(sqlite, rows, 11, ", 'lead'");
    format!(
        "INSERT INTO leads (id, email, email_key, first_name, last_name, company, phone, account_id, search, \
         created_at, updated_at, stage) VALUES {values}"
    )
}

async fn insert(
    pool: &sqlx::AnyPool,
    sqlite: bool,
    head: &str,
    rows: &[Vec<String>],
    tail: &[i64],
) -> anyhow::Result<()> {
    let cols = rows.first().map_or(0, Vec::len) + tail.len();
    let sql = format!(
        "INSERT INTO {head} VALUES {}",
        placeholders(sqlite, rows.len(), cols, "")
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for row in rows {
        for v in row {
            q = q.bind(v.clone());
        }
        for t in tail {
            q = q.bind(*t);
        }
    }
    q.execute(pool).await?;
    Ok(())
}
