//! `leadline routing …` and `leadline rep …`: the routing rules on their own (show, set from
//! a TOML file of `[[routing]]` sections, preview a lead), and the reps' calendars and
//! out-of-office windows that routing respects.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, anyhow, bail};
use leadline_core::business_hours::Calendar;
use leadline_core::routing::{RoutingRule, compile};
use leadline_core::time::{parse_rfc3339, rfc3339};
use leadline_store::Store;
use leadline_store::leads::LeadFilter;
use serde::{Deserialize, Serialize};

#[derive(clap::Subcommand)]
pub enum RoutingCommand {
    /// Print the routing rules in force as `[[routing]]` TOML (reps by user id).
    Show,
    /// Replace the routing rules with a file's `[[routing]]` sections (the rest of the
    /// policy stays); reps and owners may be written as emails.
    Set { file: PathBuf },
    /// Which rule would fire for a lead now, whom it would choose and why.
    Preview {
        /// The lead's id or email.
        lead: String,
    },
}

#[derive(clap::Subcommand)]
pub enum RepCommand {
    /// Every sales rep: calendar, out of office, open assignments.
    List,
    /// Change a rep's working hours or absence; what is not given stays as it is.
    Set(RepSetArgs),
    /// Replace the team calendar (reps without their own hours follow it): from a JSON file,
    /// or the same hours every day (`--every-day 09:00-17:00`).
    TeamCalendar {
        #[arg(required_unless_present = "every_day", conflicts_with = "every_day")]
        file: Option<PathBuf>,
        #[arg(long, value_name = "HH:MM-HH:MM")]
        every_day: Option<String>,
        /// The time zone of `--every-day`.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Name a rep's team lead, told when the rep misses a deadline (omit `--lead` to clear:
    /// the admins are told).
    TeamLead {
        /// The rep's email.
        rep: String,
        /// The team lead's email.
        #[arg(long)]
        lead: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct RepSetArgs {
    /// The rep's email.
    email: String,
    /// Their own hours: a JSON file `{"time_zone", "hours": {"monday": "09:00-17:00", …},
    /// "holidays": ["2026-12-25"]}`.
    #[arg(long, conflicts_with = "team_calendar")]
    calendar: Option<PathBuf>,
    /// Follow the team calendar again.
    #[arg(long)]
    team_calendar: bool,
    /// `FROM..UNTIL` in RFC 3339 (either side may be empty: `..2026-12-31T09:00:00Z`).
    #[arg(long, conflicts_with = "back")]
    out_of_office: Option<String>,
    /// Clear the out-of-office window.
    #[arg(long)]
    back: bool,
}

/// A file of `[[routing]]` sections.
#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    routing: Vec<RoutingRule>,
}

/// 1-based line of the `n`th `[[routing]]` header, to point at a rule.
fn rule_line(text: &str, n: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[routing]]"))
        .nth(n)
        .map(|(i, _)| i + 1)
}

/// Reads and checks a rules file; errors name the file, line and column or field.
async fn read_rules(store: &Store, file: &Path) -> anyhow::Result<Vec<RoutingRule>> {
    let name = file.display();
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {name}"))?;
    let parsed: RulesFile = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(":{line}:{col}")
            })
            .unwrap_or_default();
        anyhow!("{name}{at}: {}", e.message().trim())
    })?;
    let mut rules = parsed.routing;
    // Routing only chooses among sales reps: any other name would be passed over every time.
    let reps = store.rep_overviews().await?;
    let id_of = |v: &str, field: String| -> anyhow::Result<String> {
        let v = v.trim();
        reps.iter()
            .find(|r| r.user_id == v || r.email.eq_ignore_ascii_case(v))
            .map(|r| r.user_id.clone())
            .ok_or_else(|| {
                anyhow!("{name}: {field}: {v:?} is not a sales rep (see `leadline rep list`)")
            })
    };
    for (i, r) in rules.iter_mut().enumerate() {
        if let Some(o) = &r.assign.owner {
            r.assign.owner = Some(id_of(o, format!("routing[{i}].assign.owner"))?);
        }
        for (j, m) in r.assign.members.iter_mut().enumerate() {
            m.rep = id_of(&m.rep, format!("routing[{i}].assign.members[{j}].rep"))?;
        }
    }
    compile(&rules).map_err(|e| {
        let line = rule_line(&text, e.rule)
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        anyhow!("{name}{line}: {e}")
    })?;
    Ok(rules)
}

/// A lead by id, or by email when the key holds an `@`.
async fn find_lead(store: &Store, key: &str) -> anyhow::Result<String> {
    if !key.contains('@') {
        return Ok(store
            .get_lead(key)
            .await
            .map_err(|_| anyhow!("lead {key}: not found"))?
            .id);
    }
    let filter = LeadFilter {
        q: Some(key.to_owned()),
        ..LeadFilter::default()
    };
    let page = store.list_leads(&filter, None, 10).await?;
    page.items
        .into_iter()
        .find(|l| {
            l.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(key))
        })
        .map(|l| l.id)
        .ok_or_else(|| anyhow!("no lead has the email {key}"))
}

pub async fn routing(store: Store, cmd: RoutingCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RoutingCommand::Show => {
            let file = RulesFile {
                routing: store.policy().routing.clone(),
            };
            let users = store.list_users().await?;
            // Reps are ids in the file; a comment names each one.
            for line in toml::to_string_pretty(&file)?.lines() {
                match users
                    .iter()
                    .find(|u| line.contains(&format!("\"{}\"", u.id)))
                {
                    Some(u) => println!("{line}  # {}", u.email),
                    None => println!("{line}"),
                }
            }
        }
        RoutingCommand::Set { file } => {
            let rules = read_rules(&store, &file).await?;
            let n = rules.len();
            store.set_routing_rules(rules).await?;
            eprintln!("{}: {n} routing rules applied", file.display());
        }
        RoutingCommand::Preview { lead } => preview(&store, &lead).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn preview(store: &Store, key: &str) -> anyhow::Result<()> {
    let id = find_lead(store, key).await?;
    let now = leadline_store::now_ms();
    let p = store.route_preview_with_deadlines(&id, now).await?;
    let users = store.list_users().await?;
    let email = |id: &str| {
        users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_owned(), |u| u.email.clone())
    };
    for line in &p.decision.explanation {
        let line = users
            .iter()
            .fold(line.clone(), |l, u| l.replace(&u.id, &u.email));
        println!("  {line}");
    }
    match (p.decision.rule(), p.decision.owner()) {
        (Some(rule), Some(owner)) => {
            println!(
                "rule {} '{}' fires: {}",
                rule.index + 1,
                rule.name,
                email(owner)
            );
            let due = |t: Option<i64>| t.map_or_else(|| "no deadline".to_owned(), rfc3339);
            println!(
                "accept by {}; first touch by {}",
                due(p.accept_due_at),
                due(p.touch_due_at)
            );
        }
        _ if p.decision.skipped.is_empty() => println!("no rule matches: the lead would wait"),
        _ => println!("no one available: the lead would wait and retry"),
    }
    Ok(())
}

/// `FROM..UNTIL`, either side optional.
fn window(text: &str) -> anyhow::Result<(Option<i64>, Option<i64>)> {
    let Some((from, until)) = text.split_once("..") else {
        bail!(
            "--out-of-office {text:?}: expected FROM..UNTIL, e.g. 2026-12-24T00:00:00Z..2027-01-04T09:00:00Z"
        );
    };
    let time = |s: &str, which: &str| -> anyhow::Result<Option<i64>> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| anyhow!("--out-of-office: {which} {s:?} is not an RFC 3339 time"))
    };
    let (f, u) = (time(from, "FROM")?, time(until, "UNTIL")?);
    if let (Some(f), Some(u)) = (f, u)
        && u <= f
    {
        bail!("--out-of-office: UNTIL must be after FROM");
    }
    if f.is_none() && u.is_none() {
        bail!("--out-of-office: give FROM, UNTIL or both (use --back to clear it)");
    }
    Ok((f, u))
}

fn read_calendar(file: &Path) -> anyhow::Result<Calendar> {
    let name = file.display();
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {name}"))?;
    let cal: Calendar = serde_json::from_str(&text)
        .map_err(|e| anyhow!("{name}:{}:{}: {e}", e.line(), e.column()))?;
    cal.validate().map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(cal)
}

pub async fn rep(store: Store, cmd: RepCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        RepCommand::List => {
            let opt = |t: Option<i64>| t.map_or_else(String::new, rfc3339);
            for r in store.rep_overviews().await? {
                let cal = r.profile.calendar.as_ref().map_or_else(
                    || "team calendar".to_owned(),
                    |c| format!("own ({})", c.time_zone),
                );
                let ooo = match (r.profile.out_of_office_from, r.profile.out_of_office_until) {
                    (None, None) => String::new(),
                    (f, u) => format!("out of office {}..{}", opt(f), opt(u)),
                };
                println!("{}\t{} open\t{cal}\t{ooo}", r.email, r.open);
            }
        }
        RepCommand::TeamCalendar {
            file: Some(file), ..
        } => {
            store.set_team_calendar(&read_calendar(&file)?).await?;
            eprintln!("{}: team calendar saved", file.display());
        }
        RepCommand::TeamCalendar {
            every_day,
            time_zone,
            ..
        } => {
            let every_day = every_day.unwrap_or_default();
            super::rep::every_day_calendar(&store, &every_day, time_zone).await?;
        }
        RepCommand::TeamLead { rep, lead } => super::rep::team_lead(&store, &rep, lead).await?,
        RepCommand::Set(a) => {
            let user = super::rep::user_id(&store, a.email.trim(), "email").await?;
            let mut p = store.rep_overview(&user).await?.profile;
            if let Some(file) = &a.calendar {
                p.calendar = Some(read_calendar(file)?);
            }
            if a.team_calendar {
                p.calendar = None;
            }
            if let Some(w) = &a.out_of_office {
                (p.out_of_office_from, p.out_of_office_until) = window(w)?;
            }
            if a.back {
                (p.out_of_office_from, p.out_of_office_until) = (None, None);
            }
            store.set_rep_profile(&user, &p).await?;
            eprintln!("{}: saved", a.email.trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}
