//! Forms as stored: a key for public URLs, a name, and a JSON definition.

use leadline_core::form::FormDefinition;
use leadline_core::time::ms;
use serde::Serialize;

use crate::{Result, Store, StoreError, new_id, now_ms};

/// A stored form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Form {
    pub id: String,
    pub key: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub definition: FormDefinition,
    pub submissions: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub updated_at: i64,
}

type FormRow = (String, String, String, String, i64, i64, i64);

const FORM_COLS: &str = "f.id, f.key, f.name, f.definition, \
    (SELECT COUNT(*) FROM activities a WHERE a.origin = 'form:' || f.id) AS submissions, f.created_at, f.updated_at FROM forms f";

fn form_from_row(
    (id, key, name, def, submissions, created_at, updated_at): FormRow,
) -> Result<Form> {
    let definition = serde_json::from_str(&def)
        .map_err(|e| StoreError::Corrupt(format!("form {id} definition: {e}")))?;
    Ok(Form {
        id,
        key,
        name,
        definition,
        submissions,
        created_at,
        updated_at,
    })
}

impl Store {
    /// Saves a new form under `key` (its public URL part).
    pub async fn create_form(
        &self,
        key: &str,
        name: &str,
        definition: &FormDefinition,
    ) -> Result<Form> {
        let now = now_ms();
        let id = new_id();
        sqlx::query("INSERT INTO forms (id, key, name, definition, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$5)")
            .bind(&id)
            .bind(key)
            .bind(name)
            .bind(serde_json::to_string(definition).unwrap_or_default())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, "a form with this key"))?;
        self.get_form(&id).await
    }

    /// Replaces a form's name and definition.
    pub async fn update_form(
        &self,
        id: &str,
        name: &str,
        definition: &FormDefinition,
    ) -> Result<Form> {
        let done = sqlx::query("UPDATE forms SET name = $1, definition = $2, updated_at = $3 WHERE id = $4 AND archived_at IS NULL")
            .bind(name)
            .bind(serde_json::to_string(definition).unwrap_or_default())
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_form(id).await
    }

    /// One form by id.
    pub async fn get_form(&self, id: &str) -> Result<Form> {
        let sql = format!("SELECT {FORM_COLS} WHERE f.id = $1 AND f.archived_at IS NULL");
        let row: Option<FormRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        form_from_row(row.ok_or(StoreError::NotFound)?)
    }

    /// One live form by its public key.
    pub async fn form_by_key(&self, key: &str) -> Result<Form> {
        let sql = format!("SELECT {FORM_COLS} WHERE f.key = $1 AND f.archived_at IS NULL");
        let row: Option<FormRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        form_from_row(row.ok_or(StoreError::NotFound)?)
    }

    /// Every live form, newest first.
    pub async fn list_forms(&self) -> Result<Vec<Form>> {
        let sql = format!("SELECT {FORM_COLS} WHERE f.archived_at IS NULL ORDER BY f.id DESC");
        let rows: Vec<FormRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(form_from_row).collect()
    }

    /// The lead an anonymous visitor is stitched to, for progressive profiling.
    pub async fn lead_for_visitor(&self, anonymous_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT lead_id FROM visitors WHERE anonymous_id = $1 AND lead_id IS NOT NULL",
        )
        .bind(anonymous_id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
