//! SQLite's text search: the newest matches from `leads_fts`, exactly, and fast at any
//! number of matches.
//!
//! FTS5 hands out matches in rowid order and can stop early (`ORDER BY rowid DESC LIMIT`),
//! while the list is in id order (UUIDv7, time ordered). The two orders agree for leads
//! inserted one after another, but not exactly: a writer that inserts a batch of new leads
//! in any order, or whose ids were made a moment before the insert, leaves some disorder.
//! So the search reads a page in rowid order, proves it is the page in id order, and
//! repairs it when it is not:
//!
//! 1. **Scan.** The first `n` matches (other filters applied) in rowid order, from the
//!    cursor's own rowid on. They cover a window of rowids, and `x`, the last of them in id
//!    order, bounds the page: the true page holds only ids between the cursor and `x`.
//! 2. **Check.** Walk the id index between the cursor and `x` (covering: the index holds
//!    the rowid) and count the leads whose rowid is outside the window. None: every lead
//!    that could be on the page was seen, and the page is exact. The walk reads about
//!    `n / (share of leads matching)` entries: a common word checks in well under 1 ms.
//! 3. **Repair.** Otherwise those outside leads that match join the page, re-sorted by id.
//!
//! When a step would read too much (a rare word, whose check range spans the table; a rare
//! filter, which would have the scan read every match) the search takes a plan bounded by
//! the number of matches instead: fetch every match and sort (few matches), or walk the
//! leads in id order testing membership in the set of matches (many).

use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::super::{
    Conds, LEAD_COLUMNS, LEAD_JOINS, Lead, LeadFilter, LeadSort, filter_conds, lead_from_row,
};
use super::Words;
use crate::page::Cursor;
use crate::{Result, Store};

/// How much each step may read before the search takes the bounded plan.
#[derive(Debug, Clone, Copy)]
pub(in crate::leads) struct Limits {
    /// Matches the scan may read while other filters reject them; also the number of matches
    /// under which the bounded plan fetches them all and sorts.
    pub scan: usize,
    /// Index entries the check may read between the cursor and the end of the page.
    pub check: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        // 4,096 rowid lookups or 100,000 covering index entries: a few ms each at 1M leads.
        Limits {
            scan: 4_096,
            check: 100_000,
        }
    }
}

/// Up to `n` leads matching `words` and `filter`, after `cursor`, in `filter.sort` order.
pub(in crate::leads) async fn page(
    store: &Store,
    words: &Words,
    filter: &LeadFilter,
    cursor: Option<&Cursor>,
    n: usize,
    limits: Limits,
) -> Result<Vec<Lead>> {
    let s = Search {
        expr: words.fts5(),
        filter,
        newest: filter.sort == LeadSort::Newest,
        cursor: cursor.map(|c| c.id.as_str()),
        n,
        limits,
    };
    // One read transaction, so that every step sees the same snapshot.
    let mut tx = store.pool.begin().await?;
    let leads = s.run(&mut tx).await?;
    tx.commit().await?;
    Ok(leads)
}

struct Search<'a> {
    expr: String,
    filter: &'a LeadFilter,
    newest: bool,
    cursor: Option<&'a str>,
    n: usize,
    limits: Limits,
}

/// A lead with its rowid.
type Found = (i64, Lead);

/// What the scan covered: rowids from `start` (the cursor's) to `edge` (the last one read,
/// when the scan filled the page), and `x`, the page's last id then.
struct Window {
    start: Option<i64>,
    edge: Option<i64>,
    x: Option<String>,
}

impl Search<'_> {
    async fn run(&self, conn: &mut AnyConnection) -> Result<Vec<Lead>> {
        // The rowid of the first lead at or after the cursor (the cursor's own, unless a
        // client made it up): where the scan starts.
        let start = match self.cursor {
            Some(id) => {
                let sql = format!(
                    "SELECT rowid FROM leads WHERE id {} $1 ORDER BY id {} LIMIT 1",
                    self.after_eq(),
                    self.order()
                );
                let start: Option<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?;
                if start.is_none() {
                    return Ok(Vec::new());
                }
                start
            }
            None => None,
        };
        // Other filters may reject many matches in a row: the scan then stops at a floor.
        let floor = if self.has_filters() {
            self.nth_match(conn, start).await?
        } else {
            None
        };
        let mut found = self.scan(conn, start, floor).await?;
        let full = found.len() == self.n;
        if !full && floor.is_some() {
            return self.bounded(conn).await;
        }
        self.sort(&mut found);
        let w = Window {
            start,
            edge: found
                .iter()
                .map(|f| f.0)
                .reduce(|a, b| self.last(a, b))
                .filter(|_| full),
            x: found.last().map(|f| f.1.id.clone()).filter(|_| full),
        };
        if w.start.is_none() && w.edge.is_none() {
            // No cursor, and the scan read every match: nothing is outside the window.
            return Ok(self.take(found));
        }
        let Some(stray) = self.check(conn, &w).await? else {
            return self.bounded(conn).await;
        };
        if let Some((lo, hi)) = stray {
            found.extend(self.repair(conn, &w, lo, hi).await?);
        }
        Ok(self.take(found))
    }

    fn has_filters(&self) -> bool {
        let mut c = Conds::default();
        filter_conds(&mut c, self.filter);
        !c.args.is_empty()
    }

    fn order(&self) -> &'static str {
        if self.newest { "DESC" } else { "ASC" }
    }
    /// How a later value (in list order) compares to an earlier one.
    fn after(&self) -> &'static str {
        if self.newest { "<" } else { ">" }
    }
    /// How a later or equal value compares to an earlier one.
    fn after_eq(&self) -> &'static str {
        if self.newest { "<=" } else { ">=" }
    }
    /// How an earlier value compares to a later one.
    fn before(&self) -> &'static str {
        if self.newest { ">" } else { "<" }
    }
    /// How an earlier or equal value compares to a later one.
    fn before_eq(&self) -> &'static str {
        if self.newest { ">=" } else { "<=" }
    }
    /// The later of two rowids in list order.
    fn last(&self, a: i64, b: i64) -> i64 {
        if self.newest { a.min(b) } else { a.max(b) }
    }

    /// The rowid of the `limits.scan`-th match from `start` on, when there are that many.
    async fn nth_match(&self, conn: &mut AnyConnection, start: Option<i64>) -> Result<Option<i64>> {
        let mut c = Conds::default();
        c.and(" AND leads_fts MATCH ?", self.expr.as_str());
        if let Some(s) = start {
            c.and(&format!(" AND rowid {} ?", self.after_eq()), s);
        }
        let sql = format!(
            "SELECT rowid FROM leads_fts WHERE 1 = 1{} ORDER BY rowid {} LIMIT 1 OFFSET {}",
            c.sql,
            self.order(),
            self.limits.scan.saturating_sub(1)
        );
        let row = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_optional(&mut *conn)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Step 1: the first `n` matches from `start` on, and not past `floor`, in rowid order.
    async fn scan(
        &self,
        conn: &mut AnyConnection,
        start: Option<i64>,
        floor: Option<i64>,
    ) -> Result<Vec<Found>> {
        let (sql, c) = self.scan_sql(start, floor);
        fetch_found(conn, &c, sql).await
    }

    fn scan_sql(&self, start: Option<i64>, floor: Option<i64>) -> (String, Conds) {
        let mut c = Conds::default();
        filter_conds(&mut c, self.filter);
        c.and(" AND leads_fts MATCH ?", self.expr.as_str());
        if let Some(s) = start {
            c.and(&format!(" AND leads_fts.rowid {} ?", self.after_eq()), s);
        }
        if let Some(f) = floor {
            c.and(&format!(" AND leads_fts.rowid {} ?", self.before_eq()), f);
        }
        if let Some(id) = self.cursor {
            c.and(&format!(" AND l.id {} ?", self.after()), id);
        }
        // CROSS JOIN keeps leads_fts the outer loop, so FTS5 itself yields rowid order and
        // the LIMIT stops it early (a test checks that the plan has no sort).
        let sql = format!(
            "SELECT l.rowid AS rid, {LEAD_COLUMNS} FROM leads_fts CROSS JOIN leads l ON l.rowid = leads_fts.rowid \
             {LEAD_JOINS} WHERE l.merged_into IS NULL{} ORDER BY leads_fts.rowid {} LIMIT {}",
            c.sql,
            self.order(),
            self.n
        );
        (sql, c)
    }

    /// Step 2: the leads between the cursor and `x` whose rowid is outside the window.
    /// `None` when there are too many leads between to tell; `Some(None)` when none is
    /// outside; else the lowest and highest rowid of those outside.
    async fn check(
        &self,
        conn: &mut AnyConnection,
        w: &Window,
    ) -> Result<Option<Option<(i64, i64)>>> {
        let mut c = Conds::default();
        let outside = self.outside(&mut c, "rid", w);
        self.between(&mut c, "id", w);
        let sql = format!(
            "SELECT COUNT(*) AS scanned, MIN(CASE WHEN {outside} THEN rid END) AS lo, \
             MAX(CASE WHEN {outside} THEN rid END) AS hi \
             FROM (SELECT rowid AS rid FROM leads WHERE 1 = 1{} ORDER BY id {} LIMIT {})",
            c.sql,
            self.order(),
            self.limits.check
        );
        let row = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_one(&mut *conn)
            .await?;
        let scanned: i64 = row.try_get("scanned")?;
        if usize::try_from(scanned).unwrap_or(usize::MAX) >= self.limits.check {
            return Ok(None);
        }
        let lo: Option<i64> = row.try_get("lo")?;
        let hi: Option<i64> = row.try_get("hi")?;
        Ok(Some(lo.zip(hi)))
    }

    /// Step 3: the matching leads between the cursor and `x`, outside the window, whose
    /// rowids lie in `lo..=hi`.
    async fn repair(
        &self,
        conn: &mut AnyConnection,
        w: &Window,
        lo: i64,
        hi: i64,
    ) -> Result<Vec<Found>> {
        let mut c = Conds::default();
        filter_conds(&mut c, self.filter);
        self.between(&mut c, "l.id", w);
        let outside = self.outside(&mut c, "l.rowid", w);
        let (e, lo, hi) = (c.arg(self.expr.as_str()), c.arg(lo), c.arg(hi));
        // `+l.rowid`: walk the id range (bounded by the check) rather than the matches.
        let sql = format!(
            "SELECT l.rowid AS rid, {LEAD_COLUMNS} FROM leads l {LEAD_JOINS} \
             WHERE l.merged_into IS NULL{} AND ({outside}) AND +l.rowid IN \
             (SELECT rowid FROM leads_fts WHERE leads_fts MATCH {e} AND rowid >= {lo} AND rowid <= {hi})",
            c.sql
        );
        fetch_found(conn, &c, sql).await
    }

    /// `col` outside the window, as SQL whose values are bound in `c`.
    fn outside(&self, c: &mut Conds, col: &str, w: &Window) -> String {
        let mut parts = Vec::new();
        if let Some(e) = w.edge {
            parts.push(format!("{col} {} {}", self.after(), c.arg(e)));
        }
        if let Some(s) = w.start {
            parts.push(format!("{col} {} {}", self.before(), c.arg(s)));
        }
        parts.join(" OR ")
    }

    /// Conditions: `col` after the cursor and before `x`.
    fn between(&self, c: &mut Conds, col: &str, w: &Window) {
        if let Some(id) = self.cursor {
            c.and(&format!(" AND {col} {} ?", self.after()), id);
        }
        if let Some(x) = &w.x {
            c.and(&format!(" AND {col} {} ?", self.before()), x.as_str());
        }
    }

    /// The bounded plan: exact, and its cost grows with the number of matches, not leads.
    async fn bounded(&self, conn: &mut AnyConnection) -> Result<Vec<Lead>> {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM leads_fts WHERE leads_fts MATCH $1 LIMIT {})",
            self.limits.scan
        );
        let matches: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(self.expr.as_str())
            .fetch_one(&mut *conn)
            .await?;
        let mut c = Conds::default();
        filter_conds(&mut c, self.filter);
        if let Some(id) = self.cursor {
            c.and(&format!(" AND l.id {} ?", self.after()), id);
        }
        let e = c.arg(self.expr.as_str());
        let few = usize::try_from(matches).unwrap_or(usize::MAX) < self.limits.scan;
        let sql = if few {
            // Every match, its lead by rowid, sorted.
            format!(
                "SELECT {LEAD_COLUMNS} FROM (SELECT rowid AS rid FROM leads_fts WHERE leads_fts MATCH {e}) m \
                 CROSS JOIN leads l ON l.rowid = m.rid {LEAD_JOINS} WHERE l.merged_into IS NULL{} \
                 ORDER BY l.id {} LIMIT {}",
                c.sql,
                self.order(),
                self.n
            )
        } else {
            // The leads in id order (or a filter's index), each tested against the set of
            // matches, built once.
            format!(
                "SELECT {LEAD_COLUMNS} FROM leads l {LEAD_JOINS} WHERE l.merged_into IS NULL{} \
                 AND +l.rowid IN (SELECT rowid FROM leads_fts WHERE leads_fts MATCH {e}) \
                 ORDER BY l.id {} LIMIT {}",
                c.sql,
                self.order(),
                self.n
            )
        };
        let rows = c
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(lead_from_row).collect()
    }

    fn sort(&self, found: &mut [Found]) {
        found.sort_by(|a, b| {
            let o = a.1.id.cmp(&b.1.id);
            if self.newest { o.reverse() } else { o }
        });
    }

    /// The first `n` of `found` in list order.
    fn take(&self, mut found: Vec<Found>) -> Vec<Lead> {
        self.sort(&mut found);
        found.dedup_by(|a, b| a.0 == b.0);
        found.into_iter().take(self.n).map(|f| f.1).collect()
    }
}

/// Reads `(rowid, lead)` rows.
async fn fetch_found(conn: &mut AnyConnection, c: &Conds, sql: String) -> Result<Vec<Found>> {
    let rows = c
        .bind(sqlx::query(AssertSqlSafe(sql)))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("rid")?, lead_from_row(r)?)))
        .collect()
}

#[cfg(test)]
mod tests;
