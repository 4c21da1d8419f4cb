//! The working parts of a deal: contact roles, the proposal checklist, the ROI inputs and
//! the share link of the public ROI page.

use leadline_core::opportunity::ContactRole;
use leadline_core::roi::RoiInputs;

use super::Opportunity;
use super::write::{add_contact_in, load, load_locked, role_error};
use crate::{Result, Store, StoreError};

impl Store {
    /// Names a person's part in a deal; `Conflict` when they already play it.
    pub async fn add_opportunity_contact(
        &self,
        id: &str,
        lead_id: &str,
        role: &str,
        now: i64,
    ) -> Result<()> {
        let role = ContactRole::parse(role).ok_or_else(role_error)?;
        let mut tx = self.begin_write().await?;
        load(&mut tx, id).await?;
        let live: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE id = $1 AND merged_into IS NULL")
                .bind(lead_id)
                .fetch_one(&mut *tx)
                .await?;
        if live == 0 {
            return Err(StoreError::Invalid("lead_id: no such lead".into()));
        }
        add_contact_in(&mut tx, id, lead_id, role, now).await?;
        touch(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a person's part in a deal; `NotFound` when they do not play it.
    pub async fn remove_opportunity_contact(
        &self,
        id: &str,
        lead_id: &str,
        role: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM opportunity_contacts WHERE opportunity_id = $1 AND lead_id = $2 AND role = $3")
            .bind(id)
            .bind(lead_id)
            .bind(role.trim())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        touch(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ticks (or unticks) item `index` of the proposal checklist.
    pub async fn set_checklist_item(
        &self,
        id: &str,
        index: usize,
        done: bool,
        now: i64,
    ) -> Result<Opportunity> {
        let mut tx = self.begin_write().await?;
        let mut o = load_locked(&mut tx, id).await?;
        let item = o
            .checklist
            .get_mut(index)
            .ok_or_else(|| StoreError::Invalid("item: no such checklist item".into()))?;
        item.done = done;
        sqlx::query("UPDATE opportunities SET checklist = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(serde_json::to_string(&o.checklist).unwrap_or_else(|_| "[]".into()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let out = load(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Saves the ROI estimate's inputs once they make an estimate (errors name the field).
    pub async fn save_roi_inputs(
        &self,
        id: &str,
        inputs: &RoiInputs,
        now: i64,
    ) -> Result<Opportunity> {
        inputs
            .validate()
            .map_err(|e| StoreError::Invalid(format!("{}: {}", e.field, e.message)))?;
        let json = serde_json::to_string(inputs).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        load(&mut tx, id).await?;
        sqlx::query("UPDATE opportunities SET roi_inputs = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(json)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let out = load(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Shares the deal's ROI page: keeps the token it has, else sets `token` (an unguessable
    /// secret the caller made). Returns the token in force.
    pub async fn share_roi(&self, id: &str, token: &str) -> Result<String> {
        let mut tx = self.begin_write().await?;
        let o = load_locked(&mut tx, id).await?;
        if let Some(t) = o.share_token {
            return Ok(t);
        }
        sqlx::query("UPDATE opportunities SET share_token = $2 WHERE id = $1")
            .bind(id)
            .bind(token)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, "this share token"))?;
        tx.commit().await?;
        Ok(token.to_owned())
    }

    /// Stops sharing: the public ROI page's link no longer opens.
    pub async fn unshare_roi(&self, id: &str) -> Result<()> {
        let done = sqlx::query("UPDATE opportunities SET share_token = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

async fn touch(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE opportunities SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
