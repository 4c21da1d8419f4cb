//! The references: the same rows written with bare SQL through sqlx's native drivers (no
//! `Any` layer, no capture pipeline), one connection, prepared single-row inserts, one
//! transaction per batch. On SQLite a separate file with the store's settings (WAL,
//! `synchronous=NORMAL`); on PostgreSQL a scratch table in the bench database, dropped after.

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use leadline_store::Backend;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, SqlitePool};

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
    Sqlite(SqlitePool),
    Pg(PgPool),
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
                let options = SqliteConnectOptions::new()
                    .filename(target.scratch.path().join(file))
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .disable_statement_logging();
                let pool = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .context("opening the reference SQLite file")?;
                sqlx::raw_sql(ddl).execute(&pool).await?;
                Raw::Sqlite(pool)
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
        match self {
            Raw::Sqlite(p) => p.close().await,
            Raw::Pg(p) => p.close().await,
        }
    }
}

/// Runs `$body` (binding `$row` to each of `$rows`) in one transaction on either pool.
macro_rules! in_transaction {
    ($raw:expr, $rows:expr, |$q:ident, $row:ident| $bind:expr) => {
        match $raw {
            Raw::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for $row in $rows {
                    let $q = sqlx::query(INSERT_SQL);
                    $bind.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Raw::Pg(pool) => {
                let mut tx = pool.begin().await?;
                for $row in $rows {
                    let $q = sqlx::query(INSERT_SQL);
                    $bind.execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
    };
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
    const INSERT_SQL: &str = INSERT_ACTIVITY;
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
            let chunk: Vec<ActivityRow> =
                (0..n).map(|_| activity_row(stream.next_event())).collect();
            let started = Instant::now();
            in_transaction!(&raw, &chunk, |q, r| q
                .bind(&r.id)
                .bind(&r.ev.message_id)
                .bind(r.lead_id.as_deref())
                .bind(r.visitor_id.as_deref())
                .bind(r.ev.kind.as_str())
                .bind((r.ev.kind != Kind::Identify).then_some(r.ev.name.as_str()))
                .bind(r.ev.channel)
                .bind(r.campaign_id.as_deref())
                .bind(now)
                .bind(now)
                .bind("source:bench")
                .bind(r.ev.properties.as_deref())
                .bind(r.ev.context.as_str()));
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
    const INSERT_SQL: &str = INSERT_LEAD;
    const CHUNK: usize = 1_000;
    let raw = Raw::open(target, "reference-leads.db", LEADS_DDL).await?;
    let started = Instant::now();
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let now = leadline_store::now_ms();
    let mut rows = 0u64;
    let mut chunk: Vec<[String; 9]> = Vec::with_capacity(CHUNK);
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
            chunk.push([
                leadline_store::new_id(),
                f(0).to_lowercase(),
                f(1),
                f(2),
                f(3),
                f(4),
                f(5),
                f(6),
                custom,
            ]);
        }
        if chunk.len() == CHUNK || (record.is_none() && !chunk.is_empty()) {
            in_transaction!(&raw, &chunk, |q, r| q
                .bind(&r[0])
                .bind(&r[1])
                .bind(&r[2])
                .bind(&r[3])
                .bind(&r[4])
                .bind(&r[5])
                .bind(&r[6])
                .bind(&r[7])
                .bind(&r[8])
                .bind(now));
            rows += chunk.len() as u64;
            chunk.clear();
        }
        if record.is_none() {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    raw.drop_table("leads").await;
    Ok(RawRun { rows, secs })
}
