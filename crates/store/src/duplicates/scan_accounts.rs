//! Likely duplicate accounts. There is one account per company domain, so even a large
//! installation has few enough to read at once: they are blocked in memory by domain stem
//! (`acme` of `acme.com` and `acme.de`), by company name without its legal form, and by the
//! first letters of that name (a typo further on), then scored with
//! [`likely_same_account`].

use std::collections::HashMap;

use leadline_core::dedupe::{Company, company_key, domain_stem, likely_same_account};

use super::scan::{CAP, Found, KindStats, WINDOW};
use crate::{Result, Store};

/// Keys shorter than this block too much together to be worth comparing.
const MIN_KEY: usize = 3;
/// Letters of the name key that make the typo block.
const PREFIX: usize = 5;

impl Store {
    /// Scores the live accounts that share a block.
    pub(super) async fn account_pairs(&self, stats: &mut KindStats) -> Result<Found> {
        let accounts: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT id, domain, name FROM accounts WHERE merged_into IS NULL ORDER BY domain",
        )
        .fetch_all(&self.pool)
        .await?;
        stats.records = accounts.len() as u64;
        let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (_, domain, name)) in accounts.iter().enumerate() {
            for key in keys(domain, name.as_deref()) {
                blocks.entry(key).or_default().push(i);
            }
        }
        let mut found = Found::default();
        for members in blocks.values().filter(|m| m.len() > 1) {
            stats.blocks += 1;
            let large = members.len() > CAP;
            stats.large_blocks += u64::from(large);
            let window = if large { WINDOW } else { CAP };
            // Members are in domain order (the query's), which the window follows.
            for (j, &x) in members.iter().enumerate() {
                for &y in &members[j.saturating_sub(window)..j] {
                    stats.compared += 1;
                    let (a, b) = (&accounts[x], &accounts[y]);
                    let ca = Company {
                        name: a.2.as_deref(),
                        domain: Some(&a.1),
                    };
                    let cb = Company {
                        name: b.2.as_deref(),
                        domain: Some(&b.1),
                    };
                    if let Some(l) = likely_same_account(&ca, &cb) {
                        found.add(&a.0, &b.0, l);
                    }
                }
            }
        }
        Ok(found)
    }
}

/// The blocks an account belongs to.
fn keys(domain: &str, name: Option<&str>) -> Vec<String> {
    let long = |k: &String| k.chars().count() >= MIN_KEY;
    let mut out = Vec::new();
    if let Some(stem) = domain_stem(domain).filter(long) {
        out.push(format!("stem:{stem}"));
    }
    if let Some(key) = name.map(company_key).filter(long) {
        out.push(format!(
            "prefix:{}",
            key.chars().take(PREFIX).collect::<String>()
        ));
        out.push(format!("name:{key}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_account_is_blocked_by_stem_name_and_name_prefix() {
        assert_eq!(
            super::keys("www.acme.co.uk", Some("The Acme Widget Co.")),
            ["stem:acme", "prefix:acme ", "name:acme widget"]
        );
        assert_eq!(super::keys("ab.se", Some("AB")), Vec::<String>::new());
    }
}
