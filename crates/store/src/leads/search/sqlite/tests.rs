//! The SQLite search plan against a brute-force answer, on leads whose rowid order is not
//! their id order, with limits small enough to take every branch (repair, bounded plans).

use sqlx::Row;

use super::{Limits, Search, page};
use crate::Store;
use crate::leads::search::Words;
use crate::leads::{LeadFilter, LeadSort};
use crate::page::Cursor;

const FIRST: &[&str] = &["Ada", "Bob", "Carla", "Dan", "Eve"];
const LAST: &[&str] = &["Smith", "Smithers", "Jones", "Lee", "Li", "Lopez", "Okafor"];
const COMPANY: &[&str] = &["Acme", "Globex", "Initech"];
const STAGES: &[&str] = &["lead", "mql", "sql", "customer"];

struct Row_ {
    id: String,
    search: String,
    stage: &'static str,
    merged: bool,
}

/// 240 leads inserted out of id order: chunks of 25 reversed, and every 17th lead inserted
/// 60 places early.
async fn fixture() -> (Store, Vec<Row_>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let mut ids: Vec<String> = (0..240).map(|_| crate::new_id()).collect();
    ids.sort();
    let rows: Vec<Row_> = ids
        .into_iter()
        .enumerate()
        .map(|(k, id)| {
            let (first, last) = (FIRST[k % 5], LAST[k % 7]);
            let company = format!("{} {}", COMPANY[k % 3], k % 11);
            let email = format!("{first}.{last}{k}@{}.com", COMPANY[k % 3]);
            Row_ {
                id,
                search: format!("{email} {first} {last} {company}").to_lowercase(),
                stage: STAGES[k % 4],
                merged: k % 37 == 5,
            }
        })
        .collect();
    let mut order: Vec<usize> = Vec::new();
    for chunk in (0..rows.len()).collect::<Vec<_>>().chunks(25) {
        order.extend(chunk.iter().rev());
    }
    for k in (17..rows.len()).step_by(17) {
        let at = order.iter().position(|&o| o == k).unwrap();
        order.remove(at);
        order.insert(at.saturating_sub(60), k);
    }
    for k in order {
        let r = &rows[k];
        sqlx::query(
            "INSERT INTO leads (id, stage, search, merged_into, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, 0)",
        )
        .bind(&r.id)
        .bind(r.stage)
        .bind(&r.search)
        .bind(r.merged.then_some("someone"))
        .execute(&store.pool)
        .await
        .unwrap();
    }
    (store, rows, dir)
}

/// Every term's words follow each other in the text, the last one as a prefix.
fn matches(words: &Words, search: &str) -> bool {
    let tokens: Vec<&str> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    words.0.iter().all(|term| {
        tokens.windows(term.len()).any(|run| {
            let (last, init) = term.split_last().unwrap();
            init.iter().zip(run).all(|(w, t)| w == t)
                && run[term.len() - 1].starts_with(last.as_str())
        })
    })
}

fn expected(rows: &[Row_], words: &Words, filter: &LeadFilter) -> Vec<String> {
    let mut ids: Vec<String> = rows
        .iter()
        .filter(|r| !r.merged && matches(words, &r.search))
        .filter(|r| filter.stage.as_deref().is_none_or(|s| s == r.stage))
        .map(|r| r.id.clone())
        .collect();
    ids.sort();
    if filter.sort == LeadSort::Newest {
        ids.reverse();
    }
    ids
}

/// Every page of 7 from `after`, through the cursor, concatenated.
async fn pages_from(
    store: &Store,
    words: &Words,
    filter: &LeadFilter,
    limits: Limits,
    after: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = after.map(|id| Cursor {
        key: None,
        id: id.to_owned(),
    });
    loop {
        let page = page(store, words, filter, cursor.as_ref(), 8, limits)
            .await
            .unwrap();
        let more = page.len() > 7;
        out.extend(page.into_iter().take(7).map(|l| l.id));
        if !more {
            return out;
        }
        cursor = Some(Cursor {
            key: None,
            id: out.last().unwrap().clone(),
        });
        assert!(out.len() <= 240, "paging does not end");
    }
}

#[tokio::test]
async fn every_branch_of_the_plan_pages_exactly_through_the_matches_in_id_order() {
    let (store, rows, _dir) = fixture().await;
    let limits = [
        Limits::default(),
        Limits { scan: 3, check: 5 },
        Limits { scan: 2, check: 40 },
        Limits {
            scan: 50,
            check: 1_000,
        },
        Limits {
            scan: 100,
            check: 10,
        },
    ];
    for q in [
        "smi",
        "smithers",
        "acme",
        "acme 3",
        "li",
        "com",
        "ada smi",
        "zzz",
        "eve.lopez",
    ] {
        let words = Words::parse(q);
        for stage in [None, Some("mql")] {
            for sort in [LeadSort::Newest, LeadSort::Oldest] {
                let filter = LeadFilter {
                    stage: stage.map(Into::into),
                    sort,
                    ..LeadFilter::default()
                };
                let want = expected(&rows, &words, &filter);
                for l in limits {
                    let got = pages_from(&store, &words, &filter, l, None).await;
                    assert_eq!(
                        got, want,
                        "q={q:?} stage={stage:?} sort={sort:?} limits={l:?}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn a_cursor_that_names_no_lead_pages_on_from_its_place() {
    let (store, rows, _dir) = fixture().await;
    let words = Words::parse("com");
    for sort in [LeadSort::Newest, LeadSort::Oldest] {
        let filter = LeadFilter {
            sort,
            ..LeadFilter::default()
        };
        let all = expected(&rows, &words, &filter);
        for after in [format!("{}0", rows[100].id), "0".into(), "z".into()] {
            let want: Vec<String> = all
                .iter()
                .filter(|id| match sort {
                    LeadSort::Newest => **id < after,
                    LeadSort::Oldest => **id > after,
                })
                .cloned()
                .collect();
            for l in [Limits::default(), Limits { scan: 3, check: 5 }] {
                let got = pages_from(&store, &words, &filter, l, Some(&after)).await;
                assert_eq!(got, want, "after={after:?} sort={sort:?} limits={l:?}");
            }
        }
    }
}

#[tokio::test]
async fn the_scan_reads_matches_in_rowid_order_without_sorting_them() {
    let (store, _rows, _dir) = fixture().await;
    let words = Words::parse("smi acme");
    for sort in [LeadSort::Newest, LeadSort::Oldest] {
        let filter = LeadFilter {
            stage: Some("mql".into()),
            sort,
            ..LeadFilter::default()
        };
        let s = Search {
            expr: words.fts5(),
            filter: &filter,
            newest: sort == LeadSort::Newest,
            cursor: Some("0190"),
            n: 51,
            limits: Limits::default(),
        };
        let (sql, c) = s.scan_sql(Some(10), Some(2));
        let plan: Vec<String> = c
            .bind(sqlx::query(sqlx::AssertSqlSafe(format!(
                "EXPLAIN QUERY PLAN {sql}"
            ))))
            .fetch_all(&store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect();
        assert!(plan.iter().all(|p| !p.contains("TEMP B-TREE")), "{plan:#?}");
        assert!(plan[0].contains("leads_fts"), "{plan:#?}");
    }
}

#[tokio::test]
async fn the_bundled_sqlite_has_fts5() {
    let (store, _rows, _dir) = fixture().await;
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert!(options.iter().any(|o| o == "ENABLE_FTS5"), "{options:?}");
}
