//! The two records of each pair, as the queue shows them: a page's leads and accounts read
//! in one query each.

use std::collections::HashMap;

use sqlx::AssertSqlSafe;

use super::{Candidate, Kind, Party};
use crate::{Result, Store};

impl Store {
    /// Fills in `a` and `b` of every candidate (tombstones included: a merged pair still
    /// shows who it was).
    pub(super) async fn fill_parties(&self, items: &mut [Candidate]) -> Result<()> {
        let ids = |kind: Kind| -> Vec<String> {
            items
                .iter()
                .filter(|c| c.kind == kind)
                .flat_map(|c| [c.a.id.clone(), c.b.id.clone()])
                .collect()
        };
        let mut found: HashMap<String, Party> = HashMap::new();
        let leads = ids(Kind::Person);
        for chunk in leads.chunks(400) {
            let sql = format!(
                "SELECT l.id, l.first_name, l.last_name, l.email, l.company, a.domain, l.merged_into \
                 FROM leads l LEFT JOIN accounts a ON a.id = l.account_id WHERE l.id IN ({})",
                placeholders(chunk.len())
            );
            let mut q = sqlx::query_as::<_, LeadParty>(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id);
            }
            for (id, first, last, email, company, domain, merged_into) in
                q.fetch_all(&self.pool).await?
            {
                let name = [first, last]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                found.insert(
                    id.clone(),
                    Party {
                        id,
                        name: (!name.trim().is_empty()).then_some(name),
                        email,
                        company,
                        domain,
                        merged_into,
                    },
                );
            }
        }
        let accounts = ids(Kind::Account);
        for chunk in accounts.chunks(400) {
            let sql = format!(
                "SELECT id, name, domain, merged_into FROM accounts WHERE id IN ({})",
                placeholders(chunk.len())
            );
            let mut q = sqlx::query_as::<_, (String, Option<String>, String, Option<String>)>(
                AssertSqlSafe(sql),
            );
            for id in chunk {
                q = q.bind(id);
            }
            for (id, name, domain, merged_into) in q.fetch_all(&self.pool).await? {
                found.insert(
                    id.clone(),
                    Party {
                        id,
                        name,
                        domain: Some(domain),
                        merged_into,
                        ..Party::default()
                    },
                );
            }
        }
        for c in items {
            for p in [&mut c.a, &mut c.b] {
                if let Some(f) = found.get(&p.id) {
                    *p = f.clone();
                }
            }
        }
        Ok(())
    }
}

/// id, first_name, last_name, email, company, account domain, merged_into
type LeadParty = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// `$1, $2, …, $n`.
pub(super) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
