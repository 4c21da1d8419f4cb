//! PostgreSQL's text search: the newest matches, exactly, whether a word is common or rare.
//!
//! The planner cannot be left to choose between the GIN index and walking the newest leads
//! by id: it estimates every prefix word alike (2 % of the rows), so a word that matches
//! nothing would be looked for in every lead, one `to_tsvector` each (seconds at 1M). The
//! search therefore decides itself, in two steps:
//!
//! 1. **Walk.** The newest [`WINDOW`] leads of the other filters, in list order, each
//!    tested (a substring test first, cheap, then the vector). A word in more than one lead
//!    in 200 fills the page here, and the page is exact: the walk is in id order.
//! 2. **Index.** Otherwise the word is rare: every match from the GIN index (a CTE, so that
//!    no `ORDER BY … LIMIT` tempts the planner into walking), sorted.

use sqlx::{AnyConnection, AssertSqlSafe};

use super::super::{Conds, LEAD_COLUMNS, LEAD_JOINS, Lead, LeadSort, lead_from_row};
use super::Words;
use crate::page::Cursor;
use crate::{Result, Store};

/// Leads the walk tests before it hands over to the index: ~5 ms.
const WINDOW: usize = 10_000;

/// Up to `n` leads matching `words` and `conds` (the other filters), after `cursor`, in
/// `sort` order.
pub(in crate::leads) async fn page(
    store: &Store,
    words: &Words,
    mut conds: Conds,
    sort: LeadSort,
    cursor: Option<&Cursor>,
    n: usize,
) -> Result<Vec<Lead>> {
    let (op, dir) = sort.op_dir();
    if let Some(c) = cursor {
        conds.and(&format!(" AND l.id {op} ?"), c.id.as_str());
    }
    let mut conn = store.pool.acquire().await?;
    let mut walk = conds.clone();
    let matched = matches(&mut walk, words);
    let sql = format!(
        "SELECT {LEAD_COLUMNS} FROM (SELECT * FROM leads l WHERE l.merged_into IS NULL{} \
         ORDER BY l.id {dir} LIMIT {WINDOW}) l {LEAD_JOINS} WHERE {matched} ORDER BY l.id {dir} LIMIT {n}",
        walk.sql
    );
    let found = fetch(&mut conn, &walk, sql).await?;
    if found.len() == n {
        return Ok(found);
    }
    let matched = matches(&mut conds, words);
    let sql = format!(
        "WITH m AS MATERIALIZED (SELECT l.id FROM leads l WHERE l.merged_into IS NULL{} AND {matched}) \
         SELECT {LEAD_COLUMNS} FROM m JOIN leads l ON l.id = m.id {LEAD_JOINS} ORDER BY l.id {dir} LIMIT {n}",
        conds.sql
    );
    fetch(&mut conn, &conds, sql).await
}

/// The condition that `l.search` matches `words`, its values bound in `c`: each word a
/// substring of the folded text (cheap, and true of every match), then the tsquery against
/// the indexed vector. The tsquery text is a bound value, folded by the same function as
/// the indexed text.
fn matches(c: &mut Conds, words: &Words) -> String {
    let mut parts: Vec<String> = words
        .each()
        .into_iter()
        .map(|w| {
            format!(
                "strpos(leadline_fold(l.search), leadline_fold({})) > 0",
                c.arg(w)
            )
        })
        .collect();
    parts.push(format!(
        "leadline_search_vector(l.search) @@ to_tsquery('simple', leadline_fold({}))",
        c.arg(words.tsquery())
    ));
    parts.join(" AND ")
}

/// Runs `sql` unprepared (`persistent(false)`): PostgreSQL then plans it for these values,
/// where a cached generic plan would not know a cursor deep in the list from none.
async fn fetch(conn: &mut AnyConnection, c: &Conds, sql: String) -> Result<Vec<Lead>> {
    let rows = c
        .bind(sqlx::query(AssertSqlSafe(sql)))
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(lead_from_row).collect()
}
