//! The references: the same rows written with bare SQL, no capture pipeline, one connection,
//! prepared single-row inserts, one transaction per batch. On SQLite: SQLite's C API through
//! rusqlite (the raw rate of the engine), a separate file with the store's settings (WAL,
//! `synchronous=NORMAL`, 32 MB page cache). On PostgreSQL: sqlx's native driver, a scratch table in the bench
//! database, dropped after.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use leadline_store::Backend;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgPool};

use super::Target;
use super::events::{Event, Kind, Stream};

/// Rows written and the time it took.
pub struct RawRun {
    pub rows: u64,
    pub secs: f64,
}

impl RawRun {
    pub fn rate(&self) -> f64 {
        self.rows as f64 / self.secs.max(1e-9)
    }
}

enum Raw {
    Sqlite(rusqlite::Connection),
    Pg(PgPool),
}

/// A bound value of a reference row.
enum Val {
    Text(Option<String>),
    Int(i64),
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Val::Text(v) => v.to_sql(),
            Val::Int(v) => v.to_sql(),
        }
    }
}

/// The `activities` table of `migrations/*/0001_init.sql`, same columns, keys and indexes.
const ACTIVITIES_DDL: &str = "DROP TABLE IF EXISTS bench_raw_activities;
CREATE TABLE bench_raw_activities (
  id TEXT PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, lead_id TEXT, visitor_id TEXT,
  type TEXT NOT NULL, name TEXT, channel TEXT, campaign_id TEXT,
  occurred_at BIGINT NOT NULL, received_at BIGINT NOT NULL, origin TEXT NOT NULL,
  properties TEXT, context TEXT);
CREATE INDEX bench_raw_activities_lead ON bench_raw_activities(lead_id, occurred_at);
CREATE INDEX bench_raw_activities_visitor ON bench_raw_activities(visitor_id);";
const INSERT_ACTIVITY: &str = "INSERT INTO bench_raw_activities (id, message_id, lead_id, visitor_id, type, name, channel, campaign_id, occurred_at, received_at, origin, properties, context) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (message_id) DO NOTHING";

/// A bare `leads`-like table with a unique email index.
const LEADS_DDL: &str = "DROP TABLE IF EXISTS bench_raw_leads;
CREATE TABLE bench_raw_leads (
  id TEXT PRIMARY KEY, email TEXT NOT NULL, first_name TEXT, last_name TEXT, company TEXT,
  title TEXT, phone TEXT, country TEXT, custom TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE UNIQUE INDEX bench_raw_leads_email ON bench_raw_leads(email);";
const INSERT_LEAD: &str = "INSERT INTO bench_raw_leads (id, email, first_name, last_name, company, title, phone, country, custom, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

impl Raw {
    async fn open(target: &Target, file: &str, ddl: &'static str) -> anyhow::Result<Raw> {
        let raw = match target.backend {
            Backend::Sqlite => {
                let c = rusqlite::Connection::open(target.scratch.path().join(file))
                    .context("opening the reference SQLite file")?;
                c.execute_batch(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;",
                )?;
                c.execute_batch(ddl)?;
                Raw::Sqlite(c)
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(&target.url)?.disable_statement_logging();
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .context("connecting to PostgreSQL for the reference")?;
                sqlx::raw_sql(ddl).execute(&pool).await?;
                Raw::Pg(pool)
            }
        };
        Ok(raw)
    }

    async fn drop_table(self, table: &'static str) {
        if let Raw::Pg(pool) = &self {
            let sql = match table {
                "leads" => "DROP TABLE IF EXISTS bench_raw_leads",
                _ => "DROP TABLE IF EXISTS bench_raw_activities",
            };
            let _ = sqlx::query(sql).execute(pool).await;
        }
        if let Raw::Pg(p) = self {
            p.close().await;
        }
    }

    /// Inserts `rows` with the prepared statement `sql`, in one transaction.
    async fn insert_all(&self, sql: &'static str, rows: Vec<Vec<Val>>) -> anyhow::Result<()> {
        match self {
            Raw::Sqlite(c) => {
                let tx = c.unchecked_transaction()?;
                {
                    let mut st = tx.prepare_cached(sql)?;
                    for row in &rows {
                        st.execute(rusqlite::params_from_iter(row))?;
                    }
                }
                tx.commit()?;
            }
            Raw::Pg(pool) => {
                let mut tx = pool.begin().await?;
                for row in rows {
                    let mut q = sqlx::query(sql);
                    for v in row {
                        q = match v {
                            Val::Text(t) => q.bind(t),
                            Val::Int(i) => q.bind(i),
                        };
                    }
                    q.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }
}

fn text(s: &str) -> Val {
    Val::Text(Some(s.to_owned()))
}

fn opt(s: Option<&str>) -> Val {
    Val::Text(s.map(str::to_owned))
}

/// One activity row as the capture pipeline would write it for `ev` (without resolving
/// identities: lead and visitor ids are derived from the message's ids).
struct ActivityRow {
    id: String,
    ev: Event,
    lead_id: Option<String>,
    visitor_id: Option<String>,
    campaign_id: Option<String>,
}

/// Inserts the same messages the ingest clients had acknowledged (`acked[c]` of client `c`'s
/// stream) in transactions of `batch` rows. Time counts the transactions only, not making
/// the rows.
pub async fn activities(
    target: &Target,
    seed: u64,
    acked: &[u64],
    batch: usize,
) -> anyhow::Result<RawRun> {
    let raw = Raw::open(target, "reference-activities.db", ACTIVITIES_DDL).await?;
    let now = leadline_store::now_ms();
    let mut spent = Duration::ZERO;
    let mut rows = 0u64;
    for (client, &count) in acked.iter().enumerate() {
        let mut stream = Stream::new(seed, client as u64);
        let mut left = count;
        while left > 0 {
            let n = left.min(batch as u64);
            left -= n;
            let chunk: Vec<Vec<Val>> = (0..n)
                .map(|_| {
                    let r = activity_row(stream.next_event());
                    vec![
                        text(&r.id),
                        text(&r.ev.message_id),
                        opt(r.lead_id.as_deref()),
                        opt(r.visitor_id.as_deref()),
                        text(r.ev.kind.as_str()),
                        opt((r.ev.kind != Kind::Identify).then_some(r.ev.name.as_str())),
                        text(r.ev.channel),
                        opt(r.campaign_id.as_deref()),
                        Val::Int(now),
                        Val::Int(now),
                        text("source:bench"),
                        opt(r.ev.properties.as_deref()),
                        text(&r.ev.context),
                    ]
                })
                .collect();
            let started = Instant::now();
            raw.insert_all(INSERT_ACTIVITY, chunk).await?;
            spent += started.elapsed();
            rows += n;
        }
    }
    raw.drop_table("activities").await;
    Ok(RawRun {
        rows,
        secs: spent.as_secs_f64(),
    })
}

fn activity_row(ev: Event) -> ActivityRow {
    ActivityRow {
        id: leadline_store::new_id(),
        lead_id: ev.user_id.as_ref().map(|u| format!("lead-{u}")),
        visitor_id: ev.anonymous_id.as_ref().map(|a| format!("visitor-{a}")),
        campaign_id: ev.campaign.map(|c| format!("campaign-{c}")),
        ev,
    }
}

/// Reads the CSV at `path` (the csv crate, no mapping or validation) and inserts every row,
/// in transactions of 1,000. Time counts reading and inserting.
pub async fn leads_from_csv(target: &Target, path: &Path) -> anyhow::Result<RawRun> {
    const CHUNK: usize = 1_000;
    let raw = Raw::open(target, "reference-leads.db", LEADS_DDL).await?;
    let started = Instant::now();
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let now = leadline_store::now_ms();
    let mut rows = 0u64;
    let mut chunk: Vec<Vec<Val>> = Vec::with_capacity(CHUNK);
    let mut records = reader.records();
    loop {
        let record = records.next().transpose()?;
        if let Some(r) = &record {
            let f = |i: usize| r.get(i).unwrap_or_default().to_owned();
            let custom = format!(
                r#"{{"industry":"{}","employees":"{}"}}"#,
                r.get(7).unwrap_or_default(),
                r.get(8).unwrap_or_default()
            );
            chunk.push(vec![
                text(&leadline_store::new_id()),
                text(&f(0).to_lowercase()),
                text(&f(1)),
                text(&f(2)),
                text(&f(3)),
                text(&f(4)),
                text(&f(5)),
                text(&f(6)),
                text(&custom),
                Val::Int(now),
            ]);
        }
        if chunk.len() == CHUNK || (record.is_none() && !chunk.is_empty()) {
            rows += chunk.len() as u64;
            raw.insert_all(INSERT_LEAD, std::mem::take(&mut chunk))
                .await?;
        }
        if record.is_none() {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    raw.drop_table("leads").await;
    Ok(RawRun { rows, secs })
}
