//! Identity resolution and profile merging: pure decisions the store carries out.

use super::{OnDuplicate, Traits};

/// The leads the store found for an event's identifiers (lead ids are UUIDv7 strings, so the
/// smallest is the oldest).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Known {
    pub by_email: Option<String>,
    pub by_user_id: Option<String>,
    pub by_external_key: Option<String>,
    /// For `alias`: the lead the previous identity belongs to.
    pub by_previous_id: Option<String>,
    /// The lead the event's anonymous visitor is already stitched to.
    pub by_visitor: Option<String>,
}

/// Which lead an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// An existing lead; `merge` lists other leads proven to be the same person, to be merged
    /// into it (histories kept, merge recorded).
    Existing { lead: String, merge: Vec<String> },
    /// A new lead must be created.
    Create,
    /// No person is known yet: the activity belongs to the anonymous visitor alone.
    Anonymous,
}

/// Decides which lead an event belongs to.
///
/// Strong identifiers (email, user id, external key, and an alias's previous id) are proof:
/// when they point at different leads, those leads are one person and merge into the oldest,
/// which keeps the first touch. A shared browser is not proof: the visitor link is used only
/// when no strong identifier matched, and never causes a merge.
pub fn resolve(known: &Known, has_strong_identity: bool) -> Resolution {
    let mut strong: Vec<&String> = [
        &known.by_email,
        &known.by_user_id,
        &known.by_external_key,
        &known.by_previous_id,
    ]
    .into_iter()
    .flatten()
    .collect();
    strong.sort();
    strong.dedup();
    if let Some((oldest, rest)) = strong.split_first() {
        return Resolution::Existing {
            lead: (*oldest).clone(),
            merge: rest.iter().map(|s| (*s).clone()).collect(),
        };
    }
    match (&known.by_visitor, has_strong_identity) {
        (Some(v), _) => Resolution::Existing {
            lead: v.clone(),
            merge: vec![],
        },
        (None, true) => Resolution::Create,
        (None, false) => Resolution::Anonymous,
    }
}

/// Applies what an event says about a person to what we know, returning the new profile and
/// whether anything changed. Empty fields are always filled; known fields change only under
/// [`OnDuplicate::Update`], and an empty incoming value never erases a known one.
pub fn merge_profile(known: &Traits, incoming: &Traits, policy: OnDuplicate) -> (Traits, bool) {
    let mut out = known.clone();
    let overwrite = policy == OnDuplicate::Update;
    let fields: [(&mut Option<String>, &Option<String>); 7] = [
        (&mut out.first_name, &incoming.first_name),
        (&mut out.last_name, &incoming.last_name),
        (&mut out.title, &incoming.title),
        (&mut out.phone, &incoming.phone),
        (&mut out.company, &incoming.company),
        (&mut out.country, &incoming.country),
        (&mut out.website, &incoming.website),
    ];
    for (slot, new) in fields {
        if let Some(v) = new.as_deref().map(str::trim).filter(|v| !v.is_empty())
            && (slot.is_none() || overwrite)
        {
            *slot = Some(v.to_owned());
        }
    }
    if let Some(c) = incoming.consent
        && (out.consent.is_none() || overwrite)
    {
        out.consent = Some(c);
    }
    for (k, v) in &incoming.custom {
        if !v.trim().is_empty() && (overwrite || !out.custom.contains_key(k)) {
            out.custom.insert(k.clone(), v.clone());
        }
    }
    let changed = &out != known;
    (out, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Option<String> {
        Some(x.to_owned())
    }

    #[test]
    fn an_unknown_person_with_an_email_creates_a_lead() {
        assert_eq!(resolve(&Known::default(), true), Resolution::Create);
    }

    #[test]
    fn an_anonymous_visitor_stays_anonymous_until_identified() {
        assert_eq!(resolve(&Known::default(), false), Resolution::Anonymous);
        let k = Known {
            by_visitor: s("0001"),
            ..Default::default()
        };
        assert_eq!(
            resolve(&k, false),
            Resolution::Existing {
                lead: "0001".into(),
                merge: vec![]
            }
        );
    }

    #[test]
    fn two_leads_proven_one_person_merge_into_the_oldest() {
        let k = Known {
            by_email: s("0009"),
            by_user_id: s("0002"),
            ..Default::default()
        };
        assert_eq!(
            resolve(&k, true),
            Resolution::Existing {
                lead: "0002".into(),
                merge: vec!["0009".into()]
            }
        );
        let alias = Known {
            by_user_id: s("0005"),
            by_previous_id: s("0003"),
            ..Default::default()
        };
        assert_eq!(
            resolve(&alias, true),
            Resolution::Existing {
                lead: "0003".into(),
                merge: vec!["0005".into()]
            }
        );
    }

    #[test]
    fn a_shared_browser_never_merges_people() {
        let k = Known {
            by_email: s("0009"),
            by_visitor: s("0001"),
            ..Default::default()
        };
        assert_eq!(
            resolve(&k, true),
            Resolution::Existing {
                lead: "0009".into(),
                merge: vec![]
            }
        );
    }

    #[test]
    fn the_same_lead_found_twice_is_not_a_merge() {
        let k = Known {
            by_email: s("0004"),
            by_user_id: s("0004"),
            by_visitor: s("0004"),
            ..Default::default()
        };
        assert_eq!(
            resolve(&k, true),
            Resolution::Existing {
                lead: "0004".into(),
                merge: vec![]
            }
        );
    }

    #[test]
    fn update_overwrites_skip_only_fills_blanks_and_blanks_never_erase() {
        let known = Traits {
            first_name: s("Ada"),
            company: s("Acme"),
            ..Default::default()
        };
        let incoming = Traits {
            first_name: s("Augusta"),
            title: s("CTO"),
            company: s("  "),
            ..Default::default()
        };
        let (upd, changed) = merge_profile(&known, &incoming, OnDuplicate::Update);
        assert!(changed);
        assert_eq!(
            (
                upd.first_name.as_deref(),
                upd.title.as_deref(),
                upd.company.as_deref()
            ),
            (Some("Augusta"), Some("CTO"), Some("Acme"))
        );
        let (skip, _) = merge_profile(&known, &incoming, OnDuplicate::Skip);
        assert_eq!(
            (skip.first_name.as_deref(), skip.title.as_deref()),
            (Some("Ada"), Some("CTO"))
        );
    }

    #[test]
    fn merging_the_same_values_again_changes_nothing() {
        let t = Traits {
            first_name: s("Ada"),
            custom: [("shirt".to_owned(), "M".to_owned())].into(),
            ..Default::default()
        };
        let (once, _) = merge_profile(&Traits::default(), &t, OnDuplicate::Update);
        let (twice, changed) = merge_profile(&once, &t, OnDuplicate::Update);
        assert!(!changed);
        assert_eq!(once, twice);
    }
}
