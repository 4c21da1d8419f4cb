//! `leadline duplicates scan|list|show|merge|dismiss|rules`: the duplicate review queue from
//! a terminal. Merges go through the capture writer like the server's.
//!
//! Listings go to stdout; what a command did goes to stderr, with the surviving record's id
//! alone on the last line of stdout after a merge (for scripts).

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, bail};
use leadline_store::duplicates::{Actor, CandidateFilter, Kind, MergeChoice, Pick, Status};
use leadline_store::{Capturer, Store, StoreError};

/// `leadline duplicates …`.
#[derive(clap::Subcommand)]
pub enum DuplicatesCommand {
    /// Scan every lead and account for likely duplicates and refresh the review queue.
    Scan,
    /// List pairs of the queue: open ones surest first, resolved ones latest first.
    List {
        #[arg(long, value_parser = ["person", "account"])]
        kind: Option<String>,
        #[arg(long, default_value = "open", value_parser = ["open", "merged", "dismissed"])]
        status: String,
        /// Pairs to show at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Show a pair side by side, with the value a merge keeps of each field by default.
    Show { id: String },
    /// Merge a pair: one record lives on with both histories and the chosen values.
    Merge {
        /// The pair's id (see `leadline duplicates list`).
        id: String,
        /// The record to keep, a or b (default: the older lead, the account with more leads).
        #[arg(long, value_parser = ["a", "b"])]
        keep: Option<String>,
        /// Keep this record's value of a field, e.g. `--take title=b` (repeatable); other
        /// fields follow the survivorship rules (see `leadline duplicates show ID`).
        #[arg(long = "take", value_name = "FIELD=a|b")]
        take: Vec<String>,
        /// Why they are one (shown on the timeline).
        #[arg(long)]
        reason: Option<String>,
        /// The user to record as the reviewer (email of a `leadline user`).
        #[arg(long, value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Mark a pair "not a duplicate": it leaves the queue and is never proposed again.
    Dismiss {
        id: String,
        #[arg(long)]
        reason: Option<String>,
        #[arg(long, value_name = "EMAIL")]
        by: Option<String>,
    },
    /// Show the survivorship rules, or change them with FIELD=RULE pairs (`title=oldest`,
    /// `default=non_empty`); rules: survivor, non_empty, newest, oldest, most_complete.
    Rules {
        #[arg(value_name = "FIELD=RULE")]
        changes: Vec<String>,
        /// Go back to the default rules.
        #[arg(long, conflicts_with = "changes")]
        reset: bool,
    },
}

/// Runs one `leadline duplicates` command.
pub async fn run(store: Store, cmd: DuplicatesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DuplicatesCommand::Scan => scan(&store).await?,
        DuplicatesCommand::List {
            kind,
            status,
            limit,
            format,
        } => list(&store, kind, &status, limit, format == "json").await?,
        DuplicatesCommand::Show { id } => show(&store, &id).await?,
        DuplicatesCommand::Merge {
            id,
            keep,
            take,
            reason,
            by,
        } => {
            let choice = MergeChoice {
                survivor: keep.as_deref().and_then(Pick::parse),
                fields: takes(&take)?,
                reason,
            };
            let actor = actor(&store, by.as_deref()).await?;
            let capturer = Capturer::start(store.clone());
            let m = capturer
                .merge_candidate(&id, choice, actor)
                .await
                .map_err(|e| pair_error(&id, e))?;
            eprintln!(
                "merged {} {} into {}",
                m.kind.as_str(),
                m.merged_id,
                m.survivor_id
            );
            for f in &m.fields {
                eprintln!(
                    "  {}: {} (from {}, {})",
                    f.field,
                    f.value.as_deref().unwrap_or("blank"),
                    if f.from == Pick::A { "a" } else { "b" },
                    f.decided_by.replace('_', " ")
                );
            }
            if let Some(n) = m.leads_moved {
                eprintln!("  {n} leads moved to the kept account");
            }
            print_out(&format!("{}\n", m.survivor_id))?;
        }
        DuplicatesCommand::Dismiss { id, reason, by } => {
            let actor = actor(&store, by.as_deref()).await?;
            store
                .dismiss_candidate(&id, &actor, reason.as_deref())
                .await
                .map_err(|e| pair_error(&id, e))?;
            eprintln!("pair {id} marked not a duplicate; no scan will propose it again");
        }
        DuplicatesCommand::Rules { changes, reset } => rules(&store, &changes, reset).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn scan(store: &Store) -> anyhow::Result<()> {
    let s = store
        .scan_duplicates(&Actor::new(None, "cli"))
        .await
        .context("scanning for duplicates")?;
    for (what, k) in [("people", &s.people), ("accounts", &s.accounts)] {
        eprintln!(
            "{what}: {} records, {} blocks ({} large, compared in a window), {} pairs scored, {} likely duplicates ({} new, {} no longer found)",
            k.records, k.blocks, k.large_blocks, k.compared, k.found, k.new, k.dropped
        );
    }
    eprintln!(
        "scan took {:.1} s; review with `leadline duplicates list`",
        s.duration_ms.unwrap_or(0) as f64 / 1000.0
    );
    if s.truncated {
        eprintln!("the scan stopped at its limit of pairs: merge or dismiss some and scan again");
    }
    Ok(())
}

async fn list(
    store: &Store,
    kind: Option<String>,
    status: &str,
    limit: usize,
    json: bool,
) -> anyhow::Result<()> {
    let filter = CandidateFilter {
        kind: kind.as_deref().and_then(Kind::parse),
        status: Status::parse(status),
        record: None,
    };
    let page = store
        .list_candidates(&filter, None, limit.clamp(1, 500))
        .await?;
    if json {
        return print_out(&format!("{}\n", serde_json::to_string(&page.items)?));
    }
    let mut out = String::new();
    for c in &page.items {
        let label = |p: &leadline_store::duplicates::Party| {
            [
                p.name.as_deref(),
                p.email.as_deref().or(p.domain.as_deref()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
        };
        out.push_str(&format!(
            "{}\t{}\t{:.0}%\t{}\t{}\t{}\n",
            c.id,
            c.kind.as_str(),
            c.score * 100.0,
            label(&c.a),
            label(&c.b),
            c.reasons.join(", ")
        ));
    }
    print_out(&out)?;
    if page.items.is_empty() {
        eprintln!("no {status} pairs; `leadline duplicates scan` looks for new ones");
    }
    Ok(())
}

async fn show(store: &Store, id: &str) -> anyhow::Result<()> {
    let d = store
        .candidate_detail(id)
        .await
        .map_err(|e| pair_error(id, e))?;
    let c = &d.candidate;
    let mut out = format!(
        "{} pair {} ({}): {:.0}% — {}\n",
        c.kind.as_str(),
        c.id,
        c.status.as_str(),
        c.score * 100.0,
        c.reasons.join(", ")
    );
    let keep = |p: Pick| if p == Pick::A { "a" } else { "b" };
    out.push_str(&format!(
        "a: {}\nb: {}\nkept record by default: {}\nfield\ta\tb\tkept by default\n",
        c.a.id,
        c.b.id,
        keep(d.survivor)
    ));
    for r in &d.fields {
        let kept = if r.differs {
            format!("{} ({})", keep(r.keep), r.rule.as_deref().unwrap_or(""))
        } else {
            "same".into()
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{kept}\n",
            r.field,
            r.a.as_deref().unwrap_or("-"),
            r.b.as_deref().unwrap_or("-")
        ));
    }
    for x in &d.fixed {
        out.push_str(&format!(
            "{}\t{}\t{}\t{} ({})\n",
            x.field,
            x.a.as_deref().unwrap_or("-"),
            x.b.as_deref().unwrap_or("-"),
            x.result.as_deref().unwrap_or("-"),
            x.why
        ));
    }
    print_out(&out)
}

async fn rules(store: &Store, changes: &[String], reset: bool) -> anyhow::Result<()> {
    let rules = if reset {
        store.set_survivorship_rules(None).await?
    } else if !changes.is_empty() {
        let current = store.survivorship_rules().await?;
        let next = current
            .with(&changes.join(" "))
            .map_err(|e| anyhow::anyhow!("FIELD=RULE {e}"))?;
        store.set_survivorship_rules(Some(&next)).await?
    } else {
        store.survivorship_rules().await?
    };
    print_out(&format!("{}\n", rules.to_string().replace(' ', "\n")))
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn print_out(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout"),
    }
}

/// `--take FIELD=a|b` pairs.
fn takes(take: &[String]) -> anyhow::Result<BTreeMap<String, Pick>> {
    let mut out = BTreeMap::new();
    for t in take {
        let Some((field, pick)) = t
            .split_once('=')
            .and_then(|(f, p)| Some((f, Pick::parse(p)?)))
        else {
            bail!("--take {t:?}: expected FIELD=a or FIELD=b, e.g. --take title=b");
        };
        out.insert(field.trim().to_owned(), pick);
    }
    Ok(out)
}

/// Who the CLI acts as: a named user, or the CLI itself.
async fn actor(store: &Store, by: Option<&str>) -> anyhow::Result<Actor> {
    let user_id = match by {
        Some(email) => match store.user_for_login(email).await? {
            Some((u, _)) => Some(u.id),
            None => bail!("--by {email:?}: no such user (see `leadline user list`)"),
        },
        None => None,
    };
    Ok(Actor::new(user_id, "cli"))
}

/// The store's refusals in the terms of the command line.
fn pair_error(id: &str, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::NotFound => {
            anyhow::anyhow!("no duplicate pair {id:?} (see `leadline duplicates list`)")
        }
        StoreError::Refused { message, .. } => anyhow::anyhow!("pair {id}: {message}"),
        StoreError::Invalid(m) => anyhow::anyhow!("--take: {m}"),
        e => anyhow::Error::new(e),
    }
}
