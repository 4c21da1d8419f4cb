//! `leadline user …`, `leadline apikey …`, `leadline source …`.
//!
//! Commands that create a secret print it alone on the last line of stdout, so scripts can
//! take it with `tail -n1`; everything else goes to stderr.

use std::process::ExitCode;

use anyhow::{Context, bail};
use leadline_server::auth::{self, Role};
use leadline_store::Store;

#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add a user; prints a generated password when --password is not given.
    Add {
        email: String,
        #[arg(long, value_parser = ["admin", "marketer", "sales", "viewer"])]
        role: String,
        #[arg(long, default_value = "")]
        name: String,
        /// The password (at least 10 characters); generated when omitted.
        #[arg(long, env = "LEADLINE_PASSWORD")]
        password: Option<String>,
    },
    /// Set a user's password; prints a generated one when --password is not given.
    Passwd {
        email: String,
        /// The new password (at least 10 characters); generated when omitted.
        #[arg(long, env = "LEADLINE_PASSWORD")]
        password: Option<String>,
    },
    /// List users.
    List,
}

#[derive(clap::Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key; its secret is printed once, on the last line.
    Create { name: String },
    /// List API keys (never their secrets).
    List,
}

#[derive(clap::Subcommand)]
pub enum SourceCommand {
    /// Create an event source; its write key is printed on the last line.
    Create { name: String },
    /// List sources and their write keys.
    List,
}

pub async fn user(store: Store, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        UserCommand::Add {
            email,
            role,
            name,
            password,
        } => {
            let email = leadline_core::Email::parse(&email)
                .map_err(|e| anyhow::anyhow!("EMAIL {email:?} {e}"))?;
            let role =
                Role::parse(&role).context("role must be admin, marketer, sales or viewer")?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| auth::random_token(12));
            if password.chars().count() < 10 {
                bail!("--password: a password needs at least 10 characters");
            }
            let hash = auth::hash_password(&password)?;
            store
                .create_user(&email.key(), &name, role.as_str(), Some(&hash))
                .await
                .map_err(|e| anyhow::anyhow!("EMAIL {}: {e}", email.key()))?;
            eprintln!("added {} as {}", email.key(), role.as_str());
            if generated {
                eprintln!("generated password (shown once):");
                println!("{password}");
            }
        }
        UserCommand::Passwd { email, password } => {
            let Some((user, _)) = store.user_for_login(&email).await? else {
                bail!("EMAIL {email:?}: no such user (see `leadline user list`)");
            };
            let generated = password.is_none();
            let password = password.unwrap_or_else(|| auth::random_token(12));
            if password.chars().count() < 10 {
                bail!("--password: a password needs at least 10 characters");
            }
            store
                .set_password(&user.id, &auth::hash_password(&password)?)
                .await?;
            eprintln!("password of {} changed", user.email);
            if generated {
                eprintln!("new password (shown once):");
                println!("{password}");
            }
        }
        UserCommand::List => {
            for u in store.list_users().await? {
                println!("{}\t{}\t{}", u.email, u.role, u.name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn apikey(store: Store, cmd: ApiKeyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ApiKeyCommand::Create { name } => {
            let (secret, prefix) = auth::new_api_key();
            let key = store
                .create_api_key(name.trim(), &prefix, &auth::sha256_hex(&secret))
                .await?;
            eprintln!(
                "created API key {:?} ({}); use it as Authorization: Bearer <key>. It is shown once:",
                key.name, key.prefix
            );
            println!("{secret}");
        }
        ApiKeyCommand::List => {
            for k in store.list_api_keys().await? {
                println!("{}\t{}\t{}…", k.id, k.name, k.prefix);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn source(store: Store, cmd: SourceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SourceCommand::Create { name } => {
            let s = store
                .create_source(name.trim(), &auth::random_token(24))
                .await?;
            eprintln!(
                "created source {:?}; point a Segment client at this server with its write key:",
                s.name
            );
            println!("{}", s.write_key);
        }
        SourceCommand::List => {
            for s in store.list_sources().await? {
                println!("{}\t{}\t{}", s.id, s.name, s.write_key);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
