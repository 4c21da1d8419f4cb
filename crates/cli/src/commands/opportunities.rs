//! `leadline opportunity …`: deals from the command line: list, show, convert a lead, move
//! the stage (closing won makes the lead and account customers), contact roles and the ROI
//! estimate. Amounts are in minor units (cents), as in the API.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use leadline_core::opportunity::OppStage;
use leadline_core::roi::RoiInputs;
use leadline_store::opportunities::{NewOpportunity, OppFilter, Opportunity, StageMove};
use leadline_store::{Store, StoreError};

use super::report::Format;

#[derive(clap::Subcommand)]
pub enum OpportunityCommand {
    /// List deals, newest first.
    List {
        /// A stage, or `open`.
        #[arg(long)]
        stage: Option<String>,
        /// Owner user id.
        #[arg(long)]
        owner: Option<String>,
        /// Account id.
        #[arg(long)]
        account: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one deal with its contacts and stage history (JSON with `--format json`).
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Convert a sales-ready lead (MQL, SAL, SQL) into a deal; prints its id last.
    Create {
        #[arg(long)]
        lead: String,
        #[arg(long)]
        name: Option<String>,
        /// Amount in minor units (cents).
        #[arg(long)]
        amount_minor: Option<i64>,
        #[arg(long)]
        currency: Option<String>,
        /// Expected close day, e.g. 2026-03-31.
        #[arg(long)]
        expected_close: Option<String>,
        /// The lead's part: decision_maker (default), economic_buyer, champion, …
        #[arg(long)]
        role: Option<String>,
        /// Owner user id (default: the lead's owner).
        #[arg(long)]
        owner: Option<String>,
    },
    /// Move a deal to another stage; closed_lost needs --lost-reason.
    Stage {
        id: String,
        /// needs_analysis, demo, proposal, negotiation, closed_won or closed_lost.
        stage: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        lost_reason: Option<String>,
        #[arg(long)]
        competitor: Option<String>,
        /// The final amount in minor units, when it changed.
        #[arg(long)]
        amount_minor: Option<i64>,
    },
    /// Name (or with --remove, remove) a person's part in a deal.
    Contact {
        id: String,
        #[arg(long)]
        lead: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        remove: bool,
    },
    /// Save the ROI inputs (when given) and print the estimate; --csv prints the schedule.
    Roi {
        id: String,
        /// Inputs as JSON, as the API takes them (`{"current_cost_monthly":…}`).
        #[arg(long)]
        inputs: Option<String>,
        #[arg(long)]
        csv: bool,
    },
}

fn named(id: &str, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NotFound => anyhow::anyhow!("opportunity {id}: not found"),
        e => anyhow::anyhow!("opportunity {id}: {e}"),
    }
}

pub async fn run(store: Store, cmd: OpportunityCommand) -> anyhow::Result<ExitCode> {
    let now = leadline_store::now_ms();
    let mut out = std::io::stdout().lock();
    match cmd {
        OpportunityCommand::List {
            stage,
            owner,
            account,
            format,
        } => {
            let filter = OppFilter {
                stage,
                owner,
                account,
                lead: None,
            };
            let mut all = Vec::new();
            let mut cursor = None;
            loop {
                let page = store
                    .list_opportunities(&filter, cursor.as_ref(), 500)
                    .await?;
                all.extend(page.items.iter().cloned());
                match page.next_cursor() {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            print_list(&mut out, &all, format)?;
        }
        OpportunityCommand::Show { id, format } => {
            let o = store
                .get_opportunity(&id)
                .await
                .map_err(|e| named(&id, e))?;
            let contacts = store.opportunity_contacts(&o.id).await?;
            let history = store.opportunity_stage_changes(&o.id).await?;
            if format == Format::Json {
                let v = serde_json::json!({"opportunity": o, "contacts": contacts, "stage_changes": history});
                writeln!(out, "{v}")?;
            } else {
                print_list(&mut out, std::slice::from_ref(&o), Format::Table)?;
                for c in &contacts {
                    writeln!(
                        out,
                        "contact  {}  {}",
                        c.role,
                        c.email.as_deref().unwrap_or(&c.lead_id)
                    )?;
                }
                for h in &history {
                    let at = leadline_core::time::rfc3339(h.at);
                    writeln!(
                        out,
                        "stage    {at}  {} → {}  {}",
                        h.from.as_deref().unwrap_or("opened"),
                        h.to,
                        h.reason
                    )?;
                }
            }
        }
        OpportunityCommand::Create {
            lead,
            name,
            amount_minor,
            currency,
            expected_close,
            role,
            owner,
        } => {
            let new = NewOpportunity {
                lead_id: lead.clone(),
                name,
                owner_id: owner,
                amount_minor,
                currency,
                expected_close,
                role,
            };
            let o = store
                .convert_to_opportunity(&new, None, now)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => anyhow::anyhow!("lead {lead}: not found"),
                    e => anyhow::anyhow!("lead {lead}: {e}"),
                })?;
            eprintln!("opened {:?} at needs_analysis from lead {lead}", o.name);
            writeln!(out, "{}", o.id)?;
        }
        OpportunityCommand::Stage {
            id,
            stage,
            reason,
            lost_reason,
            competitor,
            amount_minor,
        } => {
            let Some(to) = OppStage::parse(&stage) else {
                bail!(
                    "stage {stage:?}: expected one of {}",
                    OppStage::ALL.map(OppStage::as_str).join(", ")
                );
            };
            let mv = StageMove {
                to,
                reason,
                lost_reason,
                competitor,
                amount_minor,
            };
            let o = store
                .move_opportunity_stage(&id, &mv, None, now)
                .await
                .map_err(|e| named(&id, e))?;
            eprintln!("opportunity {id}: now {} ({}%)", o.stage, o.probability);
        }
        OpportunityCommand::Contact {
            id,
            lead,
            role,
            remove,
        } => {
            if remove {
                store
                    .remove_opportunity_contact(&id, &lead, &role, now)
                    .await
            } else {
                store.add_opportunity_contact(&id, &lead, &role, now).await
            }
            .map_err(|e| named(&id, e))?;
            eprintln!(
                "opportunity {id}: {} {lead} as {role}",
                if remove { "removed" } else { "added" }
            );
        }
        OpportunityCommand::Roi { id, inputs, csv } => {
            let o = match inputs {
                Some(json) => {
                    let inputs: RoiInputs =
                        serde_json::from_str(&json).context("--inputs: the ROI inputs as JSON")?;
                    store
                        .save_roi_inputs(&id, &inputs, now)
                        .await
                        .map_err(|e| named(&id, e))?
                }
                None => store
                    .get_opportunity(&id)
                    .await
                    .map_err(|e| named(&id, e))?,
            };
            let Some(inputs) = o.roi_inputs else {
                bail!("opportunity {id}: no ROI estimate yet; give --inputs");
            };
            let e = inputs.estimate().map_err(|e| anyhow::anyhow!("{e}"))?;
            if csv {
                write!(out, "{}", e.to_csv())?;
            } else {
                let payback = e
                    .payback_months
                    .map_or("never".into(), |p| format!("{p:.1} months"));
                let roi = e.roi_percent.map_or("—".into(), |p| format!("{p:.1} %"));
                writeln!(
                    out,
                    "payback  {payback}\nroi      {roi}\nnpv      {:.0} (minor units, {})",
                    e.npv, o.currency
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

const HEADER: [&str; 9] = [
    "id",
    "name",
    "stage",
    "prob",
    "amount_minor",
    "weighted_minor",
    "currency",
    "close",
    "account",
];

fn print_list(out: &mut impl Write, opps: &[Opportunity], format: Format) -> anyhow::Result<()> {
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string(opps)?)?;
        return Ok(());
    }
    let rows: Vec<[String; 9]> = opps
        .iter()
        .map(|o| {
            [
                o.id.clone(),
                o.name.clone(),
                o.stage.clone(),
                format!("{}%", o.probability),
                o.amount_minor.to_string(),
                o.weighted_amount_minor.to_string(),
                o.currency.clone(),
                o.expected_close.clone().unwrap_or_default(),
                o.account_domain.clone().unwrap_or_default(),
            ]
        })
        .collect();
    if format == Format::Csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        for r in &rows {
            w.write_record(
                r.iter()
                    .map(|c| leadline_core::export::csv_safe(c).into_owned()),
            )?;
        }
        w.flush()?;
        return Ok(());
    }
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([HEADER[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let head = HEADER.map(str::to_owned);
    for line in std::iter::once(&head).chain(rows.iter()) {
        let padded: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        writeln!(out, "{}", padded.join("  ").trim_end())?;
    }
    Ok(())
}
