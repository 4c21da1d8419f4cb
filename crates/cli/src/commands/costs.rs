//! `leadline cost …`, `leadline marker …` and `leadline channel-rules …`: what marketing
//! spent, the dated indirect touches, and the UTM → channel rules, from a terminal (the same
//! store calls as the `/costs` page and `/api/v1/costs`).

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use leadline_core::Channel;
use leadline_core::channel_rules::{ChannelRule, Touch};
use leadline_core::costs::{
    currency_exponent, format_day, parse_amount, parse_cost_csv, parse_currency, parse_day,
};
use leadline_core::export::csv_safe;
use leadline_store::costs::{CostFilter, DEFAULT_CURRENCY, NewCost};
use leadline_store::markers::NewMarker;
use leadline_store::{Store, StoreError};

use super::report::Format;

#[derive(clap::Subcommand)]
pub enum CostCommand {
    /// Record a cost for a campaign (its channel) or for a channel alone.
    Add {
        #[arg(long, conflicts_with = "channel", required_unless_present = "channel")]
        campaign: Option<String>,
        #[arg(long)]
        channel: Option<String>,
        /// The day the money was spent, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// A decimal amount such as 1234.50.
        #[arg(long)]
        amount: String,
        /// Default: the campaign's currency, else USD.
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Import an ad platform's export (`date,campaign,cost`); re-importing replaces.
    Import {
        file: std::path::PathBuf,
        /// Create campaigns the file names but Leadline does not know, in this channel.
        #[arg(long, value_name = "CHANNEL")]
        create_campaigns: Option<String>,
    },
    /// Costs, newest day first.
    List {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Last day (inclusive), YYYY-MM-DD.
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(clap::Subcommand)]
pub enum MarkerCommand {
    /// Record a dated indirect touch (analyst report, press release, blog post, keynote).
    Add {
        #[arg(long)]
        date: String,
        #[arg(long)]
        channel: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        campaign: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Every marker, oldest first: id, day, channel, title.
    List,
    /// Remove a marker by id.
    Remove { id: String },
}

#[derive(clap::Subcommand)]
pub enum ChannelRulesCommand {
    /// The rules in force, as JSON (the format `set` reads).
    Show,
    /// Replace the rules with a JSON file: `[{"utm_medium":"qr","channel":"direct_mail"}]`.
    Set { file: std::path::PathBuf },
    /// Which channel a touch would get, and which rule decided.
    Test {
        #[arg(long)]
        medium: Option<String>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        campaign: Option<String>,
        #[arg(long)]
        referrer: Option<String>,
    },
}

const DAY_MS: i64 = 86_400_000;

fn day_flag(flag: &str, v: &str) -> anyhow::Result<i64> {
    parse_day(v).ok_or_else(|| anyhow!("--{flag}: expected a day YYYY-MM-DD, found {v:?}"))
}

fn channel_flag(flag: &str, v: &str) -> anyhow::Result<Channel> {
    Channel::parse(v).ok_or_else(|| {
        anyhow!(
            "--{flag}: expected a channel such as paid_search, tradeshow or analyst, found {v:?}"
        )
    })
}

async fn campaign_flag(store: &Store, name: &str) -> anyhow::Result<String> {
    store
        .campaign_id_by_name(name)
        .await?
        .ok_or_else(|| anyhow!("--campaign: no campaign is named {name:?}"))
}

pub async fn cost(store: Store, cmd: CostCommand) -> anyhow::Result<ExitCode> {
    let now = leadline_store::now_ms();
    match cmd {
        CostCommand::Add {
            campaign,
            channel,
            date,
            amount,
            currency,
            note,
        } => {
            let day = day_flag("date", &date)?;
            let currency = match currency {
                Some(c) => Some(parse_currency(&c).ok_or_else(|| {
                    anyhow!("--currency: expected a code such as EUR, found {c:?}")
                })?),
                None => None,
            };
            let (campaign_id, channel, default_currency) = match (campaign, channel) {
                (Some(name), _) => {
                    let id = campaign_flag(&store, &name).await?;
                    let c = store.get_campaign(&id).await?;
                    (Some(id), None, c.currency)
                }
                (None, Some(ch)) => (
                    None,
                    Some(channel_flag("channel", &ch)?),
                    DEFAULT_CURRENCY.to_owned(),
                ),
                (None, None) => bail!("give --campaign NAME or --channel CHANNEL"),
            };
            let exp = currency_exponent(currency.as_deref().unwrap_or(&default_currency));
            let amount_minor = parse_amount(&amount, exp)
                .map_err(|m| anyhow!("--amount: {m}, found {amount:?}"))?;
            let new = NewCost {
                campaign_id,
                channel,
                day,
                amount_minor,
                currency,
                note,
            };
            let k = store.add_cost(&new, None, now).await.map_err(|e| match e {
                StoreError::Invalid(m) => anyhow!("--{m}"),
                e => anyhow!(e),
            })?;
            eprintln!(
                "recorded {} {} on {} ({})",
                k.amount_minor,
                k.currency,
                format_day(k.day),
                k.channel
            );
            println!("{}", k.id);
        }
        CostCommand::Import {
            file,
            create_campaigns,
        } => {
            let create = match create_campaigns {
                Some(c) => Some(channel_flag("create-campaigns", &c)?),
                None => None,
            };
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).with_context(|| format!("reading {name}"))?;
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                anyhow!("{name}: not UTF-8 (bad byte at offset {})", e.valid_up_to())
            })?;
            let parsed = parse_cost_csv(text, DEFAULT_CURRENCY);
            let r = store
                .import_costs(&parsed.rows, parsed.errors, create, None, now)
                .await?;
            for e in &r.errors {
                let col = if e.column_name.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", e.column_name)
                };
                eprintln!(
                    "{name}: line {}, column {}{col}: {}",
                    e.line, e.column, e.message
                );
            }
            println!(
                "imported {} new, replaced {}, {} rows refused, {} campaigns created",
                r.imported,
                r.replaced,
                r.errors.len(),
                r.created_campaigns
            );
            if !r.errors.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        CostCommand::List { from, to, format } => {
            let f = CostFilter {
                from: from.as_deref().map(|d| day_flag("from", d)).transpose()?,
                to: to
                    .as_deref()
                    .map(|d| day_flag("to", d))
                    .transpose()?
                    .map(|d| d + DAY_MS),
                ..CostFilter::default()
            };
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let page = store.costs(&f, after.as_ref(), 500).await?;
                all.extend(page.items.iter().cloned());
                match page.next_cursor() {
                    Some(c) => after = Some(c),
                    None => break,
                }
            }
            let mut out = std::io::stdout().lock();
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv | Format::Table => {
                    let sep = if format == Format::Csv { "," } else { "\t" };
                    writeln!(
                        out,
                        "{}",
                        [
                            "day",
                            "campaign",
                            "channel",
                            "amount_minor",
                            "currency",
                            "source",
                            "note"
                        ]
                        .join(sep)
                    )?;
                    for k in &all {
                        let cells = [
                            format_day(k.day),
                            k.campaign.clone().unwrap_or_default(),
                            k.channel.clone(),
                            k.amount_minor.to_string(),
                            k.currency.clone(),
                            k.source.clone(),
                            k.note.clone().unwrap_or_default(),
                        ];
                        let cells: Vec<String> = if format == Format::Csv {
                            cells.iter().map(|c| csv_cell(c)).collect()
                        } else {
                            cells.to_vec()
                        };
                        writeln!(out, "{}", cells.join(sep))?;
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A CSV cell: neutralised against spreadsheet formulas, quoted when needed.
fn csv_cell(c: &str) -> String {
    let c = csv_safe(c);
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.into_owned()
    }
}

pub async fn marker(store: Store, cmd: MarkerCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        MarkerCommand::Add {
            date,
            channel,
            title,
            url,
            campaign,
            note,
        } => {
            let campaign_id = match campaign {
                Some(name) => Some(campaign_flag(&store, &name).await?),
                None => None,
            };
            let m = NewMarker {
                at: day_flag("date", &date)?,
                channel: channel_flag("channel", &channel)?,
                campaign_id,
                title,
                url,
                note,
            };
            let m = store
                .add_marker(&m, None, leadline_store::now_ms())
                .await
                .map_err(|e| match e {
                    StoreError::Invalid(m) => anyhow!("--{m}"),
                    e => anyhow!(e),
                })?;
            println!("{}", m.id);
        }
        MarkerCommand::List => {
            let mut out = std::io::stdout().lock();
            for m in store.markers_between(i64::MIN, i64::MAX).await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    m.id,
                    format_day(m.at),
                    m.channel,
                    m.title
                )?;
            }
        }
        MarkerCommand::Remove { id } => match store.delete_marker(&id).await {
            Ok(()) => eprintln!("removed marker {id}"),
            Err(StoreError::NotFound) => {
                bail!("marker {id}: not found (see `leadline marker list`)")
            }
            Err(e) => return Err(e.into()),
        },
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn channel_rules(store: Store, cmd: ChannelRulesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ChannelRulesCommand::Show => {
            let json = serde_json::to_string_pretty(store.channel_rules().rules())?;
            writeln!(std::io::stdout().lock(), "{json}")?;
        }
        ChannelRulesCommand::Set { file } => {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {name}"))?;
            let rules: Vec<ChannelRule> = serde_json::from_str(&text)
                .map_err(|e| anyhow!("{name}: line {}, column {}: {e}", e.line(), e.column()))?;
            match store.set_channel_rules(rules).await {
                Ok(()) => eprintln!(
                    "saved {} rules; they apply to touches captured from now on",
                    store.channel_rules().rules().len()
                ),
                Err(leadline_store::channel_rules::SetRulesError::Invalid(errors)) => {
                    for e in &errors {
                        eprintln!("{name}: rule {} ({}): {}", e.index + 1, e.field, e.message);
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(leadline_store::channel_rules::SetRulesError::Store(e)) => return Err(e.into()),
            }
        }
        ChannelRulesCommand::Test {
            medium,
            source,
            campaign,
            referrer,
        } => {
            let t = Touch {
                utm_medium: medium.as_deref(),
                utm_source: source.as_deref(),
                utm_campaign: campaign.as_deref(),
                referrer: referrer.as_deref(),
            };
            match store.channel_rules().classify(&t, None) {
                (c, Some(i)) => println!("{c}\trule {}", i + 1),
                (c, None) => println!("{c}\tbuilt-in classifier"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
