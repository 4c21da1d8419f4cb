//! Multi-row statements: one INSERT for hundreds of rows, one SELECT … IN (…) for hundreds of
//! keys. Per-statement overhead, not SQLite itself, is what limits a row-at-a-time writer.

use super::tx::{DbRow, ScanRow, Tx};
use crate::Result;

/// Keys per `IN (…)` list and rows per multi-row INSERT: well under both engines' parameter
/// limits (SQLite 32,766, PostgreSQL 65,535), and few distinct statement shapes to cache.
pub(crate) const CHUNK: usize = 400;

/// A bound value of a multi-row statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_owned))
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}

/// Placeholders for `rows` × `cols` values. SQLite gets anonymous `?`: it resolves every
/// *named* or numbered parameter (`$7`, `?7`) by a linear scan of those seen so far, which
/// makes a statement with thousands of them quadratic to prepare. PostgreSQL needs `$N`.
fn placeholders(conn: &Tx<'_>, rows: usize, cols: usize) -> String {
    let anonymous = conn.anonymous_placeholders();
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            if anonymous {
                s.push('?');
            } else {
                s.push('$');
                s.push_str(&(r * cols + c + 1).to_string());
            }
        }
        s.push(')');
    }
    s
}

/// `INSERT INTO {head} VALUES (…),(…) {tail}` over `rows`, in chunks.
pub(crate) async fn insert(
    conn: &mut Tx<'_>,
    head: &str,
    tail: &str,
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    let Some(cols) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(CHUNK).collect();
        let sql = format!(
            "INSERT INTO {head} VALUES {} {tail}",
            placeholders(conn, chunk.len(), cols)
        );
        conn.execute(&sql, chunk.into_iter().flatten().collect())
            .await?;
    }
    Ok(())
}

/// Updates many rows at once: `WITH v({cols}) AS (VALUES …) UPDATE {table} SET {set} FROM v
/// WHERE {table}.id = v.id`; the first column of every row is the id. Works on SQLite
/// (3.33+) and PostgreSQL alike.
pub(crate) async fn update_from_values(
    conn: &mut Tx<'_>,
    table: &str,
    cols: &str,
    set: &str,
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    let Some(ncols) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(CHUNK).collect();
        let sql = format!(
            "WITH v({cols}) AS (VALUES {}) UPDATE {table} SET {set} FROM v WHERE {table}.id = v.id",
            placeholders(conn, chunk.len(), ncols)
        );
        conn.execute(&sql, chunk.into_iter().flatten().collect())
            .await?;
    }
    Ok(())
}

/// `{select} WHERE {column} IN (…)` over `keys`, in chunks, each row handed to `f` as it
/// is read (see [`Tx::scan`]).
pub(crate) async fn scan_in(
    conn: &mut Tx<'_>,
    select: &str,
    column: &str,
    keys: &[String],
    mut f: impl FnMut(&ScanRow<'_, '_>) -> Result<()>,
) -> Result<()> {
    for chunk in keys.chunks(CHUNK) {
        let list = placeholders(conn, 1, chunk.len());
        let sql = format!("{select} WHERE {column} IN {list}");
        let args = chunk.iter().map(|k| Arg::from(k.as_str())).collect();
        conn.scan(&sql, args, &mut f).await?;
    }
    Ok(())
}

/// `{select} WHERE {column} IN (…)` over `keys`, in chunks; all rows.
pub(crate) async fn select_in(
    conn: &mut Tx<'_>,
    select: &str,
    column: &str,
    keys: &[String],
) -> Result<Vec<DbRow>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let list = placeholders(conn, 1, chunk.len());
        let sql = format!("{select} WHERE {column} IN {list}");
        let args = chunk.iter().map(|k| Arg::from(k.as_str())).collect();
        out.extend(conn.fetch_all(&sql, args).await?);
    }
    Ok(out)
}
