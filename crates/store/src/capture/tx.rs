//! The capture pipeline's write transaction, on either engine.
//!
//! PostgreSQL goes through sqlx. SQLite goes through rusqlite on the writer's own thread:
//! sqlx's SQLite driver hands every statement and every result row to a worker thread and
//! back, which cost more than SQLite's own work for the small statements a capture makes;
//! rusqlite calls SQLite directly and keeps the statements prepared. Both link the same
//! bundled SQLite (libsqlite3-sys).

use std::sync::Arc;

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AssertSqlSafe};

use super::bulk::Arg;
use crate::{Backend, Result, StoreError};

/// A connection inside an open write transaction.
pub(crate) enum Tx<'c> {
    Any(&'c mut AnyConnection),
    Lite(&'c mut rusqlite::Connection),
}

/// One result row, read by column name.
pub(crate) enum DbRow {
    Any(AnyRow),
    Lite {
        columns: Arc<[String]>,
        values: Vec<Value>,
    },
}

/// A value read from SQLite.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// Types the pipeline reads from rows.
pub(crate) trait FromValue: Sized {
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl DbRow {
    /// The value of column `name`, or a decode error naming it.
    pub fn try_get<T>(&self, name: &str) -> Result<T>
    where
        T: FromValue + for<'r> sqlx::Decode<'r, Any> + sqlx::Type<Any>,
    {
        match self {
            DbRow::Any(r) => Ok(sqlx::Row::try_get(r, name)?),
            DbRow::Lite { columns, values } => {
                let i = columns
                    .iter()
                    .position(|c| c == name)
                    .ok_or_else(|| StoreError::Corrupt(format!("no column {name:?}")))?;
                T::from_value(&values[i]).ok_or_else(|| {
                    StoreError::Corrupt(format!("column {name:?} holds {:?}", values[i]))
                })
            }
        }
    }
}

impl Tx<'_> {
    /// SQLite resolves named placeholders by a linear scan; bulk statements use `?` there.
    pub fn anonymous_placeholders(&self) -> bool {
        self.backend() == Backend::Sqlite
    }

    /// The engine this transaction runs on.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Any(c) if !c.backend_name().eq_ignore_ascii_case("sqlite") => Backend::Postgres,
            Tx::Any(_) | Tx::Lite(_) => Backend::Sqlite,
        }
    }

    /// Runs a statement; `$N` placeholders take `args[N-1]`, `?` ones take them in order.
    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        match self {
            Tx::Any(c) => Ok(bind_any(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .execute(&mut **c)
                .await?
                .rows_affected()),
            Tx::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                bind_lite(&mut st, &args)?;
                Ok(st.raw_execute()? as u64)
            }
        }
    }

    /// Runs one SQLite statement once per row of `rows`, prepared once and bound by position
    /// (`?N` takes `args[N-1]`): the one-row-at-a-time writes SQLite called directly is
    /// fastest at.
    pub async fn execute_each(&mut self, sql: &str, rows: Vec<Vec<Arg>>) -> Result<u64> {
        let mut n = 0;
        match self {
            Tx::Any(_) => {
                for args in rows {
                    n += self.execute(sql, args).await?;
                }
            }
            Tx::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                for args in rows {
                    for (i, arg) in args.iter().enumerate() {
                        match arg {
                            Arg::Text(v) => st.raw_bind_parameter(i + 1, v.as_deref())?,
                            Arg::Int(v) => st.raw_bind_parameter(i + 1, *v)?,
                        }
                    }
                    n += st.raw_execute()? as u64;
                }
            }
        }
        Ok(n)
    }

    /// Runs a query and returns every row.
    pub async fn fetch_all(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<DbRow>> {
        match self {
            Tx::Any(c) => Ok(bind_any(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_all(&mut **c)
                .await?
                .into_iter()
                .map(DbRow::Any)
                .collect()),
            Tx::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                bind_lite(&mut st, &args)?;
                let columns: Arc<[String]> =
                    st.column_names().into_iter().map(str::to_owned).collect();
                let n = columns.len();
                let mut rows = st.raw_query();
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let mut values = Vec::with_capacity(n);
                    for i in 0..n {
                        values.push(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => Value::Null,
                            rusqlite::types::ValueRef::Integer(v) => Value::Int(v),
                            rusqlite::types::ValueRef::Real(v) => Value::Int(v as i64),
                            rusqlite::types::ValueRef::Text(t)
                            | rusqlite::types::ValueRef::Blob(t) => {
                                Value::Text(String::from_utf8_lossy(t).into_owned())
                            }
                        });
                    }
                    out.push(DbRow::Lite {
                        columns: columns.clone(),
                        values,
                    });
                }
                Ok(out)
            }
        }
    }

    /// Runs a query and returns its first row, if any.
    pub async fn fetch_optional(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<DbRow>> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }
}

/// One row of a [`Tx::scan`], read by column index without copying on SQLite.
pub(crate) enum ScanRow<'r, 's> {
    Any(&'r AnyRow),
    Lite(&'r rusqlite::Row<'s>),
}

impl ScanRow<'_, '_> {
    /// Text column `i`; NULL is `None`.
    pub fn text(&self, i: usize) -> Result<Option<&str>> {
        match self {
            ScanRow::Any(r) => Ok(sqlx::Row::try_get::<Option<&str>, _>(*r, i)?),
            ScanRow::Lite(r) => match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Ok(None),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    std::str::from_utf8(t)
                        .map(Some)
                        .map_err(|e| StoreError::Corrupt(format!("column {i}: {e}")))
                }
                other => Err(StoreError::Corrupt(format!("column {i} holds {other:?}"))),
            },
        }
    }

    /// Integer column `i`.
    pub fn int(&self, i: usize) -> Result<i64> {
        match self {
            ScanRow::Any(r) => Ok(sqlx::Row::try_get::<i64, _>(*r, i)?),
            ScanRow::Lite(r) => Ok(r.get::<_, i64>(i)?),
        }
    }

    /// Integer column `i`; NULL is `None`.
    pub fn int_opt(&self, i: usize) -> Result<Option<i64>> {
        match self {
            ScanRow::Any(r) => Ok(sqlx::Row::try_get::<Option<i64>, _>(*r, i)?),
            ScanRow::Lite(r) => Ok(r.get::<_, Option<i64>>(i)?),
        }
    }
}

impl Tx<'_> {
    /// Runs a query and hands each row to `f` as it is read, holding one row at a time:
    /// for passes over whole tables (a rescore reads every activity).
    pub async fn scan(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
        mut f: impl FnMut(&ScanRow<'_, '_>) -> Result<()>,
    ) -> Result<u64> {
        let mut n = 0;
        match self {
            Tx::Any(c) => {
                use futures_util::TryStreamExt;
                let q = bind_any(sqlx::query(AssertSqlSafe(sql.to_owned())), args);
                let mut rows = q.fetch(&mut **c);
                while let Some(r) = rows.try_next().await? {
                    f(&ScanRow::Any(&r))?;
                    n += 1;
                }
            }
            Tx::Lite(c) => {
                let mut st = c.prepare_cached(sql)?;
                bind_lite(&mut st, &args)?;
                let mut rows = st.raw_query();
                while let Some(r) = rows.next()? {
                    f(&ScanRow::Lite(r))?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

/// Binds `args` to a query in order.
pub(crate) fn bind_any(
    mut q: sqlx::query::Query<'_, Any, sqlx::any::AnyArguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments> {
    for arg in args {
        q = match arg {
            Arg::Text(v) => q.bind(v),
            Arg::Int(v) => q.bind(v),
        };
    }
    q
}

fn bind_lite(st: &mut rusqlite::Statement<'_>, args: &[Arg]) -> Result<()> {
    for i in 1..=st.parameter_count() {
        let at = match st.parameter_name(i) {
            Some(name) if name.starts_with('$') => name[1..]
                .parse::<usize>()
                .map_err(|_| StoreError::Corrupt(format!("placeholder {name}")))?
                .saturating_sub(1),
            _ => i - 1,
        };
        match args.get(at) {
            Some(Arg::Text(v)) => st.raw_bind_parameter(i, v.as_deref())?,
            Some(Arg::Int(v)) => st.raw_bind_parameter(i, *v)?,
            None => {
                return Err(StoreError::Corrupt(format!(
                    "placeholder {i} has no value ({} given)",
                    args.len()
                )));
            }
        }
    }
    Ok(())
}
