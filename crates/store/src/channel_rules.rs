//! The team's UTM → channel rules (`leadline_core::channel_rules`), stored in `settings` and
//! cached in memory: capture reads them for every event, so they must cost no query there.
//! The cache is replaced when the rules are saved and reloaded with the policy (workers do
//! so periodically, so other processes pick changes up).

use std::sync::{Arc, RwLock};

use leadline_core::channel_rules::{ChannelRule, ChannelRules, RuleError, default_rules};

use crate::{Result, Store, StoreError};

const KEY: &str = "channel_rules";

/// The cached rules, shared by every clone of a [`Store`].
#[derive(Debug, Clone)]
pub(crate) struct RulesCell(Arc<RwLock<Arc<ChannelRules>>>);

impl Default for RulesCell {
    fn default() -> RulesCell {
        let rules = ChannelRules::new(default_rules()).unwrap_or_default();
        RulesCell(Arc::new(RwLock::new(Arc::new(rules))))
    }
}

impl RulesCell {
    fn get(&self) -> Arc<ChannelRules> {
        match self.0.read() {
            Ok(r) => r.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, rules: ChannelRules) {
        let rules = Arc::new(rules);
        match self.0.write() {
            Ok(mut r) => *r = rules,
            Err(poisoned) => *poisoned.into_inner() = rules,
        }
    }
}

impl Store {
    /// The rules in force (as last loaded or saved by this process).
    pub fn channel_rules(&self) -> Arc<ChannelRules> {
        self.channel_rules.get()
    }

    /// Reads the stored rules again; the defaults when none were saved.
    pub async fn reload_channel_rules(&self) -> Result<()> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(KEY)
                .fetch_optional(&self.pool)
                .await?;
        let rules = match stored {
            Some(json) => serde_json::from_str::<Vec<ChannelRule>>(&json)
                .map_err(|e| StoreError::Corrupt(format!("stored channel rules: {e}")))?,
            None => default_rules(),
        };
        let rules = ChannelRules::new(rules).map_err(|e| {
            StoreError::Corrupt(format!("stored channel rules: {} problems", e.len()))
        })?;
        if *self.channel_rules() != rules {
            self.channel_rules.set(rules);
        }
        Ok(())
    }

    /// Validates and saves rules for every process; they apply to touches captured from now
    /// on. Errors name the rule and field.
    pub async fn set_channel_rules(
        &self,
        rules: Vec<ChannelRule>,
    ) -> std::result::Result<(), SetRulesError> {
        let compiled = ChannelRules::new(rules.clone()).map_err(SetRulesError::Invalid)?;
        let json = serde_json::to_string(&rules)
            .map_err(|e| SetRulesError::Store(StoreError::Corrupt(e.to_string())))?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(KEY)
        .bind(json)
        .execute(&self.pool)
        .await
        .map_err(|e| SetRulesError::Store(e.into()))?;
        self.channel_rules.set(compiled);
        Ok(())
    }
}

/// Why rules were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SetRulesError {
    #[error("{} rule problems", .0.len())]
    Invalid(Vec<RuleError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}
