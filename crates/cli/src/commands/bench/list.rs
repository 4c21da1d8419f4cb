//! `leadline bench list`: the lead list's queries (`GET /leads`) on a large database, against
//! a bare `SELECT id FROM leads ORDER BY id DESC LIMIT 50` on the same database.

use std::time::Instant;

use anyhow::Context;
use leadline_store::Store;
use leadline_store::leads::LeadFilter;
use leadline_store::page::Cursor;
use serde_json::json;
use sqlx::AssertSqlSafe;

use super::Target;
use super::events::{FIRST, LAST, Rng, person};
use super::report::{Percentiles, Report};

/// Options of `leadline bench list`.
#[derive(clap::Args)]
pub struct Args {
    /// Leads in the database.
    #[arg(long, default_value_t = 1_000_000)]
    leads: u64,
    /// Timed runs of each query.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Seed of the synthetic leads.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Goal: p95 of every list query, in milliseconds.
    #[arg(long, default_value_t = 100.0)]
    goal_p95_ms: f64,
}

/// Page size of the UI and the API default.
const PAGE: usize = 50;
/// Untimed runs before the timed ones (connection setup, statement preparation).
const WARMUP: usize = 3;

/// (stage, weight in percent)
const STAGES: &[(&str, u64)] = &[
    ("subscriber", 15),
    ("lead", 45),
    ("mql", 12),
    ("sal", 5),
    ("sql", 5),
    ("opportunity", 4),
    ("customer", 6),
    ("disqualified", 6),
    ("recycled", 2),
];
/// (channel, weight in percent, has campaigns)
const CHANNELS: &[(&str, u64, bool)] = &[
    ("organic_search", 22, false),
    ("direct", 14, false),
    ("paid_search", 14, true),
    ("web_form", 10, false),
    ("paid_social", 8, true),
    ("email", 7, true),
    ("webinar", 5, true),
    ("tradeshow", 5, true),
    ("referral", 4, false),
    ("content_download", 4, true),
    ("import", 4, false),
    ("partner_referral", 3, false),
];
const CAMPAIGNS_PER_CHANNEL: u64 = 25;
const ACCOUNTS: u64 = 20_000;

fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u64)]) -> T {
    let mut roll = rng.below(items.iter().map(|i| i.1).sum());
    for (item, w) in items {
        if roll < *w {
            return *item;
        }
        roll -= w;
    }
    items[0].0
}

pub async fn run(target: &Target, args: Args) -> anyhow::Result<Report> {
    let store = target.open_empty().await?;
    let pool = target.any_pool().await?;
    let started = Instant::now();
    let emails = fill(&pool, args.leads, args.seed)
        .await
        .context("building the bench database")?;
    eprintln!(
        "list: {} leads inserted in {:.1} s (setup, not measured)",
        args.leads,
        started.elapsed().as_secs_f64()
    );
    if target.backend == leadline_store::Backend::Postgres {
        // What autovacuum would have done on a database this size.
        sqlx::query("ANALYZE").execute(&pool).await?;
    }
    let mut deep = Vec::new();
    for depth in [
        args.leads / 4,
        args.leads / 2,
        args.leads * 3 / 4,
        args.leads - 100,
    ] {
        let id: Option<String> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT id FROM leads ORDER BY id DESC LIMIT 1 OFFSET {depth}"
        )))
        .fetch_optional(&pool)
        .await?;
        deep.extend(id.map(|id| Cursor { key: None, id }));
    }
    let lower =
        |words: &[&str]| -> Vec<String> { words.iter().map(|w| w.to_lowercase()).collect() };
    // Word prefixes of one company in 4,999 (`umb 4321` for "Umbrella 4321"): 200 leads.
    let companies: Vec<String> = [4321, 1234, 2500]
        .iter()
        .map(|&k| {
            let company = person(k).company.to_lowercase();
            let (word, number) = company.split_once(' ').unwrap_or((&company, ""));
            format!("{} {number}", &word[..3])
        })
        .collect();
    let filter = |q: &str, stage: Option<&str>, cursor: Option<&Cursor>| {
        let filter = LeadFilter {
            q: (!q.is_empty()).then(|| q.to_owned()),
            stage: stage.map(str::to_owned),
            ..LeadFilter::default()
        };
        (filter, cursor.cloned())
    };
    let each = |qs: &[String], stage: Option<&str>| -> Vec<(LeadFilter, Option<Cursor>)> {
        qs.iter().map(|q| filter(q, stage, None)).collect()
    };
    type Case = (&'static str, Vec<(LeadFilter, Option<Cursor>)>);
    let cases: Vec<Case> = vec![
        ("first page", vec![filter("", None, None)]),
        ("stage = mql", vec![filter("", Some("mql"), None)]),
        (
            "source = webinar",
            vec![(
                LeadFilter {
                    source: Some("webinar".into()),
                    ..LeadFilter::default()
                },
                None,
            )],
        ),
        ("q = a last name (4 %)", each(&lower(LAST), None)),
        ("q = a first name (5 %)", each(&lower(FIRST), None)),
        (
            "q = a word of every lead",
            each(&lower(&["example", "com"]), None),
        ),
        (
            "q = one letter (s, m, t)",
            each(&lower(&["s", "m", "t"]), None),
        ),
        ("q = one email", each(&emails, None)),
        ("q = company word prefixes (0.02 %)", each(&companies, None)),
        (
            "q = a first name, stage = sal (0.25 %)",
            each(&lower(FIRST), Some("sal")),
        ),
        ("q = no match", vec![filter("zzyzx", None, None)]),
        (
            "deep page via cursor",
            deep.iter().map(|c| filter("", None, Some(c))).collect(),
        ),
        (
            "q = a word of every lead, deep page",
            deep.iter()
                .map(|c| filter("example", None, Some(c)))
                .collect(),
        ),
    ];
    let mut results = Vec::new();
    for (name, variants) in &cases {
        let p = time_list(&store, variants, args.runs).await?;
        eprintln!("list: {name}: {}", p.shown());
        results.push((*name, p));
    }
    let reference = time_reference(&pool, args.runs).await?;
    pool.close().await;
    Ok(report(&args, target, &results, reference))
}

async fn time_list(
    store: &Store,
    variants: &[(LeadFilter, Option<Cursor>)],
    runs: usize,
) -> anyhow::Result<Percentiles> {
    let mut samples = Vec::with_capacity(runs);
    for i in 0..WARMUP + runs {
        let (filter, cursor) = &variants[i % variants.len()];
        let t = Instant::now();
        let page = store.list_leads(filter, cursor.as_ref(), PAGE).await?;
        if i >= WARMUP {
            samples.push(t.elapsed().as_secs_f64() * 1e3);
        }
        std::hint::black_box(page);
    }
    Ok(Percentiles::of(&mut samples))
}

async fn time_reference(pool: &sqlx::AnyPool, runs: usize) -> anyhow::Result<Percentiles> {
    let mut samples = Vec::with_capacity(runs);
    for i in 0..WARMUP + runs {
        let t = Instant::now();
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM leads ORDER BY id DESC LIMIT 50")
            .fetch_all(pool)
            .await?;
        if i >= WARMUP {
            samples.push(t.elapsed().as_secs_f64() * 1e3);
        }
        std::hint::black_box(ids);
    }
    Ok(Percentiles::of(&mut samples))
}

/// Inserts campaigns, accounts and `args.leads` leads with bare SQL in large transactions;
/// returns a sample of emails for the text-search query.
/// Fills the database with `leads` synthetic leads (bare multi-row inserts); returns a
/// sample of their email addresses.
pub(super) async fn fill(
    pool: &sqlx::AnyPool,
    leads: u64,
    seed: u64,
) -> anyhow::Result<Vec<String>> {
    let now = leadline_store::now_ms();
    let sqlite = is_sqlite(pool).await?;
    let mut tx = pool.begin().await?;
    let mut campaigns: Vec<(&str, Vec<String>)> = Vec::new();
    for (channel, _, has) in CHANNELS {
        let mut ids = Vec::new();
        for c in 0..if *has { CAMPAIGNS_PER_CHANNEL } else { 0 } {
            let id = leadline_store::new_id();
            let name = format!("{channel} campaign {c}");
            sqlx::query("INSERT INTO campaigns (id, name, name_key, channel, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&id)
                .bind(&name)
                .bind(name.to_lowercase())
                .bind(*channel)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            ids.push(id);
        }
        campaigns.push((channel, ids));
    }
    let mut accounts = Vec::new();
    for a in 0..ACCOUNTS {
        let id = leadline_store::new_id();
        sqlx::query("INSERT INTO accounts (id, domain, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&id)
            .bind(format!("account{a}.example.com"))
            .bind(format!("Account {a}"))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        accounts.push(id);
    }
    tx.commit().await?;
    let mut rng = Rng::new(seed);
    let channels: Vec<((&str, usize), u64)> = CHANNELS
        .iter()
        .enumerate()
        .map(|(i, (c, w, _))| ((*c, i), *w))
        .collect();
    let mut emails = Vec::new();
    const ROWS: u64 = 500;
    const COLUMNS: usize = 16;
    let mut done = 0;
    while done < leads {
        let mut tx = pool.begin().await?;
        for _ in 0..100 {
            let n = ROWS.min(leads - done);
            if n == 0 {
                break;
            }
            let mut sql = String::from(
                "INSERT INTO leads (id, email, email_key, first_name, last_name, title, company, country, account_id, \
                 source_channel, source_campaign_id, first_touch_at, stage, search, created_at, updated_at) VALUES ",
            );
            for r in 0..n as usize {
                sql.push_str(if r == 0 { "(" } else { ",(" });
                for c in 1..=COLUMNS {
                    let sep = if c == COLUMNS { ")" } else { "," };
                    sql.push_str(&placeholder(sqlite, r * COLUMNS + c));
                    sql.push_str(sep);
                }
            }
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for i in done..done + n {
                let p = person(i);
                let email = p.email.clone();
                if i % (leads / 200).max(1) == 7 {
                    emails.push(email.clone());
                }
                let (channel, ci) = weighted(&mut rng, &channels);
                let campaign = campaigns[ci]
                    .1
                    .get(rng.below(CAMPAIGNS_PER_CHANNEL) as usize)
                    .cloned();
                let account =
                    (rng.below(10) < 7).then(|| accounts[rng.below(ACCOUNTS) as usize].clone());
                let at = now - (leads - i) as i64 * 30_000;
                q = q
                    .bind(leadline_store::new_id())
                    .bind(email.clone())
                    .bind(email.to_lowercase())
                    .bind(p.first)
                    .bind(p.last)
                    .bind(p.title)
                    .bind(p.company.clone())
                    .bind(p.country)
                    .bind(account)
                    .bind(channel)
                    .bind(campaign)
                    .bind(at)
                    .bind(weighted(&mut rng, STAGES))
                    .bind(format!("{email} {} {} {}", p.first, p.last, p.company).to_lowercase())
                    .bind(at)
                    .bind(at);
            }
            q.execute(&mut *tx).await?;
            done += n;
        }
        tx.commit().await?;
    }
    Ok(emails)
}

/// Whether the bench pool is SQLite's.
pub(super) async fn is_sqlite(pool: &sqlx::AnyPool) -> anyhow::Result<bool> {
    let conn = pool.acquire().await?;
    Ok(conn.backend_name().eq_ignore_ascii_case("sqlite"))
}

/// The `n`th placeholder of a multi-row insert: `?` on SQLite, which resolves numbered ones
/// (`$7`) by a linear scan and makes statements with thousands of them slow to bind.
pub(super) fn placeholder(sqlite: bool, n: usize) -> String {
    if sqlite { "?".into() } else { format!("${n}") }
}

fn report(
    args: &Args,
    target: &Target,
    results: &[(&str, Percentiles)],
    reference: Percentiles,
) -> Report {
    let mut r = Report::on_engine("list", target.engine());
    r.add("leads", args.leads.to_string(), "leads", json!(args.leads));
    r.add(
        "runs per query",
        format!("{} (+{WARMUP} warm-up), page of {PAGE}", args.runs),
        "runs",
        json!(args.runs),
    );
    let mut queries = serde_json::Map::new();
    for (name, p) in results {
        r.line(name, p.shown());
        queries.insert((*name).into(), p.json());
    }
    r.field("queries", serde_json::Value::Object(queries));
    r.add(
        "reference: SELECT id … LIMIT 50",
        reference.shown(),
        "reference",
        reference.json(),
    );
    if let Some((_, worst)) = results.iter().max_by(|a, b| a.1.p95.total_cmp(&b.1.p95)) {
        let ratio = worst.p95 / reference.p95.max(1e-6);
        r.add(
            "ratio worst p95 / reference p95",
            format!("{ratio:.1}"),
            "ratio_worst_p95",
            json!(super::report::round3(ratio)),
        );
    }
    for (name, p) in results {
        r.target(
            format!("{name}: p95 ≤ {:.0} ms", args.goal_p95_ms),
            p.p95 <= args.goal_p95_ms,
        );
    }
    r
}
