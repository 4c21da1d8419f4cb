//! `leadline webhook …`: the webhook endpoints and their delivery log from a terminal, the
//! same store calls as *Settings → Webhooks* and `/api/v1/webhooks`.

use std::process::ExitCode;

use anyhow::anyhow;
use leadline_core::time::rfc3339;
use leadline_store::{Store, StoreError};

#[derive(clap::Subcommand)]
pub enum WebhookCommand {
    /// Every endpoint: id, URL, events, enabled.
    List,
    /// Add an endpoint; prints its signing secret (`whsec_…`) alone on the last line, once.
    Add {
        /// Where to POST: `https://…` (or `http://`).
        url: String,
        #[arg(long, default_value = "")]
        description: String,
        /// An event type to send (repeat for more; none: every type), e.g.
        /// `--event lead.assigned --event sla.breached`.
        #[arg(long = "event", value_name = "TYPE")]
        events: Vec<String>,
    },
    /// An endpoint's latest deliveries, newest first.
    Deliveries {
        id: String,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Queue a signed `ping` event to the endpoint; prints the event id.
    Ping { id: String },
    /// Remove an endpoint and its pending deliveries.
    Remove { id: String },
}

/// A store error in the CLI's words: field errors name the field, unknown ids say so.
fn explain(e: StoreError, id: &str) -> anyhow::Error {
    match e {
        StoreError::NotFound => anyhow!("webhook {id}: not found (see `leadline webhook list`)"),
        StoreError::Invalid(m) => anyhow!("{m}"),
        e => anyhow!(e),
    }
}

pub async fn run(store: Store, cmd: WebhookCommand) -> anyhow::Result<ExitCode> {
    let now = leadline_store::now_ms();
    match cmd {
        WebhookCommand::List => {
            for e in store.webhooks().await? {
                let events = if e.event_types.is_empty() {
                    "all events".to_owned()
                } else {
                    e.event_types.join(",")
                };
                let state = if e.enabled { "enabled" } else { "disabled" };
                println!("{}\t{}\t{events}\t{state}", e.id, e.url);
            }
        }
        WebhookCommand::Add {
            url,
            description,
            events,
        } => {
            let made = store
                .create_webhook(&url, &description, &events, now)
                .await
                .map_err(|e| explain(e, &url))?;
            eprintln!(
                "webhook {} added for {}; keep the secret below, it is not shown again",
                made.endpoint.id, made.endpoint.url
            );
            println!("{}", made.secret);
        }
        WebhookCommand::Deliveries { id, limit } => {
            let page = store
                .webhook_deliveries(&id, None, limit)
                .await
                .map_err(|e| explain(e, &id))?;
            for d in page.items {
                let answer = match (d.last_status_code, d.last_error) {
                    (Some(code), _) => code.to_string(),
                    (None, Some(err)) => err,
                    (None, None) => "-".into(),
                };
                println!(
                    "{}\t{}\t{}\t{}\tattempts {}\t{answer}",
                    rfc3339(d.created_at),
                    d.event_type,
                    d.event_id,
                    d.status,
                    d.attempts
                );
            }
        }
        WebhookCommand::Ping { id } => {
            let event = store
                .ping_webhook(&id, now)
                .await
                .map_err(|e| explain(e, &id))?;
            eprintln!("ping queued; the server delivers it within seconds");
            println!("{event}");
        }
        WebhookCommand::Remove { id } => {
            store
                .delete_webhook(&id)
                .await
                .map_err(|e| explain(e, &id))?;
            eprintln!("webhook {id} removed");
        }
    }
    Ok(ExitCode::SUCCESS)
}
