//! `leadline lead accept|reject|touch|next-step`, `leadline referral add`, `leadline sla run`,
//! `leadline rep team-lead`: a rep's actions from scripts and cron, checked as the UI and the
//! API check them (see `leadline_server::rep`), errors naming the field.

use std::process::ExitCode;

use anyhow::{anyhow, bail};
use leadline_core::referral::ReferralInput;
use leadline_server::rep::{self, RepError};
use leadline_store::{Capturer, Store, StoreError};

#[derive(clap::Subcommand)]
pub enum LeadCommand {
    /// Accept a lead assigned to the rep (an MQL becomes a sales-accepted lead).
    Accept {
        /// The lead's id.
        id: String,
        #[command(flatten)]
        rep: RepArg,
    },
    /// Send a lead back to marketing with a reason (it becomes recycled).
    Reject {
        id: String,
        #[command(flatten)]
        rep: RepArg,
        /// not_a_fit, no_budget, duplicate, bad_data, competitor, no_response or other.
        #[arg(long)]
        reason: String,
        /// Why, in the rep's words (required with `other`).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Log a touch: a call, email, meeting or note, with its outcome.
    Touch {
        id: String,
        #[command(flatten)]
        rep: RepArg,
        /// call, email, meeting or note.
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "")]
        outcome: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Schedule the rep's next step on a lead (an empty text clears it).
    NextStep {
        id: String,
        #[command(flatten)]
        rep: RepArg,
        #[arg(long)]
        text: String,
        /// When, RFC 3339 (e.g. 2026-12-01T10:00:00Z).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct RepArg {
    /// The rep acting, by email.
    #[arg(long = "rep", id = "rep", value_name = "EMAIL")]
    rep_email: String,
}

#[derive(clap::Subcommand)]
pub enum ReferralCommand {
    /// Log a referral or networking contact: captured as a lead from `sales referral` and
    /// assigned to the rep. Prints the lead's id.
    Add {
        #[command(flatten)]
        rep: RepArg,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, default_value = "")]
        company: String,
        #[arg(long, default_value = "")]
        title: String,
        #[arg(long, default_value = "")]
        phone: String,
        #[arg(long, default_value = "")]
        note: String,
    },
}

#[derive(clap::Subcommand)]
pub enum SlaCommand {
    /// Take the SLA steps due now (or at `--as-of`) once: reminders, escalations,
    /// reassignments. For cron, and for trying the ladder out without waiting.
    Run {
        /// Act as if it were this time (RFC 3339).
        #[arg(long)]
        as_of: Option<String>,
    },
}

/// The user id of the account with `email`, or an error naming the field.
pub(super) async fn user_id(store: &Store, email: &str, field: &str) -> anyhow::Result<String> {
    match store.user_for_login(email).await? {
        Some((u, _)) => Ok(u.id),
        None => bail!(
            "{field}: no active user has the email {email:?} (add one with `leadline user add`)"
        ),
    }
}

/// A rep action's error in the CLI's words.
fn explain(id: &str, e: RepError) -> anyhow::Error {
    match e {
        RepError::Field { field, message } => anyhow!("{field}: {message}"),
        RepError::Store(StoreError::NotFound) => anyhow!("lead {id}: not found"),
        RepError::Store(StoreError::Refused { code, message }) => {
            anyhow!("lead {id}: {message} ({code})")
        }
        RepError::Store(e) => anyhow!("lead {id}: {e}"),
    }
}

pub async fn lead(store: Store, cmd: LeadCommand) -> anyhow::Result<ExitCode> {
    let now = leadline_store::now_ms();
    match cmd {
        LeadCommand::Accept { id, rep } => {
            let rep = user_id(&store, &rep.rep_email, "rep").await?;
            store
                .accept_lead(&id, &rep, now)
                .await
                .map_err(|e| explain(&id, RepError::from_store(e)))?;
            eprintln!("lead {id}: accepted");
        }
        LeadCommand::Reject {
            id,
            rep,
            reason,
            note,
        } => {
            let rep = user_id(&store, &rep.rep_email, "rep").await?;
            let reason = rep::reject_reason(&reason).map_err(|e| explain(&id, e))?;
            store
                .reject_lead(&id, &rep, reason, &note, now)
                .await
                .map_err(|e| explain(&id, RepError::from_store(e)))?;
            eprintln!("lead {id}: rejected ({}), recycled", reason.label());
        }
        LeadCommand::Touch {
            id,
            rep,
            kind,
            outcome,
            note,
        } => {
            let rep = user_id(&store, &rep.rep_email, "rep").await?;
            let kind = rep::touch_kind(&kind).map_err(|e| explain(&id, e))?;
            let activity = store
                .log_touch(&id, &rep, kind, &rep::touch_text(&outcome, &note), now)
                .await
                .map_err(|e| explain(&id, RepError::from_store(e)))?;
            eprintln!("lead {id}: {} logged", kind.as_str());
            println!("{activity}");
        }
        LeadCommand::NextStep { id, rep, text, at } => {
            let rep = user_id(&store, &rep.rep_email, "rep").await?;
            let at =
                rep::parse_when(at.as_deref().unwrap_or(""), "at").map_err(|e| explain(&id, e))?;
            store
                .set_next_step(&id, &rep, &text, at)
                .await
                .map_err(|e| explain(&id, RepError::from_store(e)))?;
            eprintln!("lead {id}: next step saved");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn referral(store: Store, cmd: ReferralCommand) -> anyhow::Result<ExitCode> {
    let ReferralCommand::Add {
        rep,
        email,
        name,
        company,
        title,
        phone,
        note,
    } = cmd;
    let rep = user_id(&store, &rep.rep_email, "rep").await?;
    let input = ReferralInput {
        email,
        name,
        company,
        title,
        phone,
        note,
    };
    let capturer = Capturer::start(store.clone());
    let lead = rep::log_referral(&store, &capturer, &rep, &input, leadline_store::now_ms())
        .await
        .map_err(|e| explain("(new)", e))?;
    eprintln!("referral logged and assigned to the rep");
    println!("{lead}");
    Ok(ExitCode::SUCCESS)
}

pub async fn sla(store: Store, cmd: SlaCommand) -> anyhow::Result<ExitCode> {
    let SlaCommand::Run { as_of } = cmd;
    let now = match as_of {
        Some(t) => leadline_core::time::parse_rfc3339(&t).ok_or_else(|| {
            anyhow!("--as-of: expected an RFC 3339 time such as 2026-12-31T23:59:59Z, got {t:?}")
        })?,
        None => leadline_store::now_ms(),
    };
    let r = store.sla_pending(now).await?;
    eprintln!(
        "{} overdue assignments: {} reminded, {} escalated, {} reassigned",
        r.overdue, r.reminded, r.escalated, r.reassigned
    );
    Ok(ExitCode::SUCCESS)
}

/// `rep team-calendar --every-day`: the same hours every day of the week.
pub async fn every_day_calendar(
    store: &Store,
    every_day: &str,
    time_zone: String,
) -> anyhow::Result<()> {
    let calendar = leadline_core::business_hours::Calendar {
        time_zone,
        hours: leadline_core::business_hours::WeeklyHours::every_day(Some(every_day)),
        holidays: vec![],
    };
    store
        .set_team_calendar(&calendar)
        .await
        .map_err(|e| anyhow!("--every-day/--time-zone: {e}"))?;
    eprintln!(
        "team calendar: every day {every_day} ({})",
        calendar.time_zone
    );
    Ok(())
}

/// `rep team-lead REP [--lead EMAIL]`.
pub async fn team_lead(store: &Store, rep: &str, lead: Option<String>) -> anyhow::Result<()> {
    let rep_id = user_id(store, rep, "rep").await?;
    let lead_id = match &lead {
        Some(l) => Some(user_id(store, l, "lead").await?),
        None => None,
    };
    store
        .set_team_lead(&rep_id, lead_id.as_deref())
        .await
        .map_err(|e| match RepError::from_store(e) {
            RepError::Field { field, message } => anyhow!("{field}: {message}"),
            RepError::Store(e) => anyhow!("{e}"),
        })?;
    match lead {
        Some(l) => eprintln!("{rep}: team lead is {l}"),
        None => eprintln!("{rep}: no team lead; the admins hear of missed deadlines"),
    }
    Ok(())
}
