//! What the predictive model learns from, for one lead as of a moment (its cutoff): the
//! profile values set before that moment and the behaviour up to it. Training uses each
//! lead's first sales touch (or its disqualification) as the cutoff, so nothing sales
//! learned afterwards leaks into the model; scoring uses now.

use std::collections::BTreeMap;

use crate::capture::Traits;
use crate::email::Email;

/// A lead's behaviour up to the cutoff, gathered as activities stream past.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Behaviour {
    /// Activities per kind (`page`, `form_submitted`, `track`…), and pricing/demo page views.
    pub counts: BTreeMap<String, u32>,
    pub pricing_views: u32,
    pub first_at: Option<i64>,
    pub last_at: Option<i64>,
}

impl Behaviour {
    /// Adds one activity if it happened before `cutoff`.
    pub fn add(&mut self, kind: &str, name: Option<&str>, at: i64, cutoff: i64) {
        if at > cutoff {
            return;
        }
        match self.counts.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.counts.insert(kind.to_owned(), 1);
            }
        }
        if kind == "page"
            && name.is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                n.contains("pricing") || n.contains("demo")
            })
        {
            self.pricing_views += 1;
        }
        self.first_at = Some(self.first_at.map_or(at, |f| f.min(at)));
        self.last_at = Some(self.last_at.map_or(at, |l| l.max(at)));
    }
}

/// The activity kinds whose counts are features (others are summed into `other`).
const KINDS: &[&str] = &[
    "page",
    "form_submitted",
    "track",
    "identify",
    "list_imported",
    "referral_logged",
];

const DAY_MS: f64 = 86_400_000.0;

/// One lead's features as of `cutoff`: profile values set by then (by `field_times`;
/// values with no recorded time count as known), source channel, address kind, behaviour.
pub fn features(
    email: Option<&Email>,
    traits: &Traits,
    field_times: &BTreeMap<String, i64>,
    source: Option<&str>,
    behaviour: &Behaviour,
    cutoff: i64,
) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let known = |field: &str| field_times.get(field).is_none_or(|at| *at <= cutoff);
    for field in ["title", "country"] {
        if let Some(v) = traits.get(field).filter(|_| known(field)) {
            f.insert(field.to_owned(), v.to_owned());
        }
    }
    for (k, v) in &traits.custom {
        if known(k) && !v.trim().is_empty() {
            f.insert(format!("custom.{k}"), v.clone());
        }
    }
    f.insert(
        "email_kind".into(),
        match email {
            None => "none",
            Some(e) if e.is_free_mail() => "free",
            Some(_) => "business",
        }
        .into(),
    );
    if let Some(s) = source {
        f.insert("source".into(), s.to_owned());
    }
    let mut other = 0;
    for (kind, n) in &behaviour.counts {
        if KINDS.contains(&kind.as_str()) {
            f.insert(format!("count.{kind}"), n.to_string());
        } else {
            other += n;
        }
    }
    for kind in KINDS {
        f.entry(format!("count.{kind}"))
            .or_insert_with(|| "0".into());
    }
    f.insert("count.other".into(), other.to_string());
    f.insert("pricing_views".into(), behaviour.pricing_views.to_string());
    if let Some(last) = behaviour.last_at {
        let days = ((cutoff - last).max(0) as f64 / DAY_MS).round();
        f.insert("days_since_last_activity".into(), days.to_string());
    }
    if let (Some(first), Some(last)) = (behaviour.first_at, behaviour.last_at) {
        let days = ((last - first).max(0) as f64 / DAY_MS).round();
        f.insert("active_days_span".into(), days.to_string());
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_set_after_the_cutoff_and_activity_after_it_are_not_features() {
        let mut t = Traits::default();
        t.set("title", "CTO");
        t.set("country", "DE");
        t.set("budget", "50k");
        let times = BTreeMap::from([("title".to_owned(), 100), ("budget".to_owned(), 500)]);
        let mut b = Behaviour::default();
        b.add("page", Some("Pricing"), 150, 300);
        b.add("form_submitted", None, 200, 300);
        b.add("page", None, 400, 300);
        let f = features(None, &t, &times, Some("webinar"), &b, 300);
        assert_eq!(f["title"], "CTO");
        assert_eq!(f["country"], "DE", "no recorded time: known");
        assert!(!f.contains_key("custom.budget"), "set after the cutoff");
        assert_eq!(f["count.page"], "1");
        assert_eq!(f["count.form_submitted"], "1");
        assert_eq!(f["pricing_views"], "1");
        assert_eq!(f["email_kind"], "none");
        assert_eq!(f["source"], "webinar");
        assert_eq!(f["count.identify"], "0");
    }
}
