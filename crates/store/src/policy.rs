//! The team's lead-management policy (`leadline_core::policy`), stored in `settings` so every
//! process sharing the database applies the same one, and cached in memory because the
//! capture pipeline reads it for every group of events.

use std::sync::{Arc, RwLock};

use leadline_core::policy::Policy;

use crate::{Result, Store, StoreError};

const KEY: &str = "policy";

/// The cached policy, shared by every clone of a [`Store`].
#[derive(Debug, Default, Clone)]
pub(crate) struct PolicyCell(Arc<RwLock<Arc<Policy>>>);

impl PolicyCell {
    fn get(&self) -> Arc<Policy> {
        match self.0.read() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, policy: Policy) {
        let policy = Arc::new(policy);
        match self.0.write() {
            Ok(mut p) => *p = policy,
            Err(poisoned) => *poisoned.into_inner() = policy,
        }
    }
}

impl Store {
    /// The policy in force (as last loaded or set by this process).
    pub fn policy(&self) -> Arc<Policy> {
        self.policy.get()
    }

    /// Reads the stored policy again (another process may have changed it); the defaults
    /// when none was ever saved. Returns whether it differs from the cached one.
    pub async fn reload_policy(&self) -> Result<bool> {
        self.reload_channel_rules().await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(KEY)
                .fetch_optional(&self.pool)
                .await?;
        let policy = match stored {
            Some(json) => serde_json::from_str::<Policy>(&json)
                .map_err(|e| StoreError::Corrupt(format!("stored policy: {e}")))?,
            None => Policy::default(),
        };
        let changed = *self.policy() != policy;
        if changed {
            self.policy.set(policy);
        }
        Ok(changed)
    }

    /// Saves a (validated) policy for every process and starts applying it here; existing
    /// leads follow with the next rescore.
    pub async fn set_policy(&self, policy: Policy) -> Result<()> {
        policy
            .validate()
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let json = serde_json::to_string(&policy)
            .map_err(|e| StoreError::Corrupt(format!("policy: {e}")))?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(KEY)
        .bind(json)
        .execute(&self.pool)
        .await?;
        self.policy.set(policy);
        Ok(())
    }
}
