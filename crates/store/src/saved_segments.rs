//! Saved segments: named filter expressions a team reuses in lists, exports, the MQL
//! definition and reports, with the leads they match counted live.

use leadline_core::filter::{self, Expr};
use leadline_core::time::ms;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

use crate::capture::tx::bind_any;
use crate::leads::{LEAD_COLUMNS, LEAD_JOINS, Lead, lead_from_row};
use crate::page::{Cursor, Page};
use crate::segments::compile;
use crate::{Result, Store, StoreError, new_id};

/// A saved segment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SavedSegment {
    pub id: String,
    pub name: String,
    pub expression: String,
    pub description: String,
    pub created_by: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub created_at: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "ms")]
    pub updated_at: i64,
}

/// Parses an expression, turning a parse error into an invalid-input error that names the
/// column.
pub fn parse_expression(text: &str) -> Result<Expr> {
    filter::parse(text).map_err(|e| StoreError::Invalid(format!("expression: {e}")))
}

impl Store {
    /// Saves a new segment; its expression must parse and compile.
    pub async fn create_segment(
        &self,
        name: &str,
        expression: &str,
        description: &str,
        created_by: Option<&str>,
        now: i64,
    ) -> Result<SavedSegment> {
        let name = checked_name(name)?;
        self.check_expression(expression, now)?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO segments (id, name, name_key, expression, description, created_by, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$7)",
        )
        .bind(&id)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(expression.trim())
        .bind(description.trim())
        .bind(created_by)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, &format!("a segment named {name:?}")))?;
        self.segment(&id).await
    }

    /// Changes a segment's name, expression or description.
    pub async fn update_segment(
        &self,
        id: &str,
        name: &str,
        expression: &str,
        description: &str,
        now: i64,
    ) -> Result<SavedSegment> {
        let name = checked_name(name)?;
        self.check_expression(expression, now)?;
        let done = sqlx::query(
            "UPDATE segments SET name = $2, name_key = $3, expression = $4, description = $5, updated_at = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(expression.trim())
        .bind(description.trim())
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, &format!("a segment named {name:?}")))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.segment(id).await
    }

    pub async fn delete_segment(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM segments WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A segment by id or (ignoring case) by name.
    pub async fn segment(&self, id_or_name: &str) -> Result<SavedSegment> {
        let r = sqlx::query(
            "SELECT id, name, expression, description, created_by, created_at, updated_at FROM segments WHERE id = $1 OR name_key = $2",
        )
        .bind(id_or_name)
        .bind(id_or_name.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        segment_from(&r)
    }

    /// Every saved segment, by name.
    pub async fn segments(&self) -> Result<Vec<SavedSegment>> {
        sqlx::query(
            "SELECT id, name, expression, description, created_by, created_at, updated_at FROM segments ORDER BY name_key",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(segment_from)
        .collect()
    }

    /// One page of the live leads matching `expr` at `now`, in id order.
    pub async fn segment_leads(
        &self,
        expr: &Expr,
        now: i64,
        cursor: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Lead>> {
        let mut c = compile(expr, self.backend(), now)?;
        let mut sql = format!(
            "SELECT {LEAD_COLUMNS} FROM leads l {LEAD_JOINS} WHERE l.merged_into IS NULL AND {}",
            c.sql
        );
        if let Some(cur) = cursor {
            c.args.push(cur.id.as_str().into());
            sql.push_str(&format!(" AND l.id > ${}", c.args.len()));
        }
        sql.push_str(&format!(" ORDER BY l.id LIMIT {}", limit + 1));
        let rows = bind_any(sqlx::query(AssertSqlSafe(sql)), c.args)
            .fetch_all(&self.pool)
            .await?;
        let items = rows.iter().map(lead_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, limit, |l| Cursor {
            key: None,
            id: l.id.clone(),
        }))
    }

    fn check_expression(&self, text: &str, now: i64) -> Result<()> {
        let expr = parse_expression(text)?;
        compile(&expr, self.backend(), now).map(drop)
    }
}

fn checked_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::Invalid(
            "name: give the segment a name of 1 to 100 characters".into(),
        ));
    }
    Ok(name)
}

fn segment_from(r: &sqlx::any::AnyRow) -> Result<SavedSegment> {
    Ok(SavedSegment {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        expression: r.try_get("expression")?,
        description: r.try_get("description")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}
