//! Likely duplicate accounts: one company filed twice, under `acme.com` and `acme.de`, or as
//! "Acme, Inc." and "ACME" on two domains. Accounts are keyed by their registrable domain,
//! so two accounts never share one; what is compared is the domain's name without its
//! ending, and the company name without its legal form.

use super::{Likely, jaro_winkler};
use crate::email::registrable_domain;

/// What dedupe compares of an account.
#[derive(Debug, Clone, Copy, Default)]
pub struct Company<'a> {
    pub name: Option<&'a str>,
    pub domain: Option<&'a str>,
}

/// Words that say what kind of company it is, not which: "Acme, Inc." is "Acme".
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "lp",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "pty",
    "oy",
    "oyj",
    "ab",
    "aps",
    "kk",
    "the",
];

/// A company name as dedupe compares it: lower case, punctuation gone, legal forms dropped
/// (`"Acme, Inc."`, `"ACME GmbH"` and `"The Acme Co."` are all `"acme"`). A name made only
/// of such words ("The Limited") keeps them, so it is not confused with every other.
pub fn company_key(name: &str) -> String {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect();
    if kept.is_empty() {
        words.join(" ")
    } else {
        kept.join(" ")
    }
}

/// The name part of a web domain, without `www.`, subdomains or its public suffix:
/// `www.acme.co.uk`, `eu.acme.com` and `acme.de` are all `acme`. `None` when the text is
/// not a domain.
pub fn domain_stem(domain: &str) -> Option<String> {
    let registrable = registrable_domain(domain)?;
    registrable
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Stems this short (`ab.se`, `go.de`) say too little to call two domains one company.
const MIN_STEM: usize = 3;
/// Name keys this short ("AB", "X") say too little too.
const MIN_NAME: usize = 3;
/// Names this long or longer may differ by one typo and still be one name ("Acme"/"Acne"
/// are two companies; "Globex"/"Globexx" one).
const MIN_TYPO: usize = 5;

/// How two company names relate.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Names {
    Equal,
    /// The same name but for one typo (how alike, by Jaro–Winkler).
    Alike(f64),
    /// One name's words are all in the other ("Acme" / "Acme Widgets").
    Related,
    /// Different companies, whatever their domains ("Delta Air Lines" / "Delta Faucet").
    Unlike,
}

fn names(a: &str, b: &str) -> Option<Names> {
    let (x, y) = (company_key(a), company_key(b));
    if x.chars().count() < MIN_NAME || y.chars().count() < MIN_NAME {
        return None;
    }
    // "Test", "N/A", "asdf": not a company's name.
    if crate::qualify::junk::junk_name(&x).is_some()
        || crate::qualify::junk::junk_name(&y).is_some()
    {
        return None;
    }
    if x == y {
        return Some(Names::Equal);
    }
    let sim = jaro_winkler(&x, &y);
    let typo = super::names::distance(&x, &y) <= 1 && x.chars().count() >= MIN_TYPO;
    if typo && numbers(&x) == numbers(&y) {
        return Some(Names::Alike(sim));
    }
    let words = |s: &str| {
        s.split(' ')
            .map(str::to_owned)
            .collect::<std::collections::BTreeSet<_>>()
    };
    let (wx, wy) = (words(&x), words(&y));
    Some(if wx.is_subset(&wy) || wy.is_subset(&wx) {
        Names::Related
    } else {
        Names::Unlike
    })
}

/// The words of a name key that hold digits: "Studio 54" and "Studio 56" are two companies
/// however alike they are spelled.
fn numbers(key: &str) -> Vec<&str> {
    key.split(' ')
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// Whether two company names (as people type them) name one company: the same name
/// without legal forms, or a small typo that changes no number.
pub fn same_company_name(a: &str, b: &str) -> bool {
    matches!(names(a, b), Some(Names::Equal | Names::Alike(_)))
}

/// Whether two accounts are probably one company, and why. Same domain stem with another
/// ending (`acme.com` / `acme.de`) counts unless the names say otherwise; the same company
/// name on unrelated domains counts, with less confidence.
pub fn likely_same_account(a: &Company<'_>, b: &Company<'_>) -> Option<Likely> {
    let (da, db) = (
        a.domain.and_then(registrable_domain),
        b.domain.and_then(registrable_domain),
    );
    if da.is_some() && da == db {
        return Some(Likely {
            score: 1.0,
            reasons: vec!["same domain".into()],
        });
    }
    let stems = (
        a.domain.and_then(domain_stem),
        b.domain.and_then(domain_stem),
    );
    let same_stem = matches!(&stems, (Some(x), Some(y)) if x == y && x.chars().count() >= MIN_STEM);
    let names = match (a.name, b.name) {
        (Some(x), Some(y)) => names(x, y),
        _ => None,
    };
    let mut reasons = Vec::new();
    if same_stem {
        reasons.push("same domain name, different ending".to_owned());
    }
    match names {
        Some(Names::Equal) => reasons.push("same company name".to_owned()),
        Some(Names::Alike(sim)) => {
            reasons.push(format!("company names {:.0} % alike", sim * 100.0));
        }
        Some(Names::Related) => reasons.push("one company name contains the other".to_owned()),
        _ => {}
    }
    let score = match (same_stem, names) {
        (_, Some(Names::Unlike)) => return None,
        (true, Some(Names::Equal | Names::Alike(_))) => 0.95,
        (true, None) => 0.8,
        (true, Some(Names::Related)) => 0.75,
        (false, Some(Names::Equal)) => 0.8,
        (false, Some(Names::Alike(_))) => 0.7,
        (false, _) => return None,
    };
    Some(Likely { score, reasons })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn co<'a>(name: Option<&'a str>, domain: &'a str) -> Company<'a> {
        Company {
            name,
            domain: Some(domain),
        }
    }

    #[test]
    fn legal_forms_and_punctuation_do_not_make_another_company() {
        assert_eq!(company_key("Acme, Inc."), "acme");
        assert_eq!(company_key("ACME GmbH"), "acme");
        assert_eq!(company_key("The Acme Co."), "acme");
        assert_eq!(company_key("Acme Widgets Ltd"), "acme widgets");
        assert_eq!(company_key("The Limited"), "the limited");
        assert_eq!(company_key(""), "");
    }

    #[test]
    fn domains_compare_without_www_subdomains_or_their_ending() {
        assert_eq!(domain_stem("www.acme.co.uk").as_deref(), Some("acme"));
        assert_eq!(domain_stem("eu.acme.com").as_deref(), Some("acme"));
        assert_eq!(
            domain_stem("https://acme.de/about").as_deref(),
            Some("acme")
        );
        assert_eq!(domain_stem("localhost"), None);
    }

    #[test]
    fn the_same_company_on_another_country_domain_is_a_likely_duplicate() {
        let m = likely_same_account(
            &co(Some("Acme Inc"), "acme.com"),
            &co(Some("ACME GmbH"), "acme.de"),
        )
        .expect("one company");
        assert!(m.score >= 0.9, "{m:?}");
        assert!(m.reasons.iter().any(|r| r.contains("different ending")));
        let m = likely_same_account(&co(None, "www.acme.com"), &co(Some("Acme"), "acme.co.uk"))
            .expect("a stem alone, with no name against it");
        assert!(m.score < 0.9, "{m:?}");
    }

    #[test]
    fn the_same_stem_with_different_names_is_not_a_duplicate() {
        let a = co(Some("Delta Air Lines"), "delta.com");
        let b = co(Some("Delta Faucet Company"), "delta.de");
        assert_eq!(likely_same_account(&a, &b), None);
    }

    #[test]
    fn the_same_name_on_unrelated_domains_is_a_weaker_duplicate() {
        let m = likely_same_account(
            &co(Some("Initech, LLC"), "initech.com"),
            &co(Some("INITECH"), "initech-software.io"),
        )
        .expect("same company name");
        assert!(m.score < 0.9);
        assert_eq!(
            likely_same_account(
                &co(Some("Initech"), "initech.com"),
                &co(Some("Globex"), "globex.com")
            ),
            None
        );
        // A different number is a different company, however alike the rest.
        assert_eq!(
            likely_same_account(
                &co(Some("Studio 54"), "studio54.com"),
                &co(Some("Studio 56"), "studio56.com")
            ),
            None
        );
        assert!(same_company_name("Acme, Inc.", "ACME"));
        assert!(same_company_name("Initech Software", "Initech Sofware"));
        assert!(!same_company_name("Acme 12", "Acme 13"));
        assert!(
            !same_company_name("Test", "test"),
            "a placeholder is no company"
        );
        // Short stems and names are too common to mean anything.
        assert_eq!(
            likely_same_account(&co(None, "ab.se"), &co(None, "ab.fi")),
            None
        );
    }

    proptest! {
        #[test]
        fn account_likeness_is_symmetric_and_bounded(
            n1 in "[A-Za-z ,.]{0,14}", n2 in "[A-Za-z ,.]{0,14}",
            d1 in "[a-z]{1,8}\\.(com|de|co\\.uk)", d2 in "[a-z]{1,8}\\.(com|de|co\\.uk)",
        ) {
            let a = co(Some(&n1), &d1);
            let b = co(Some(&n2), &d2);
            let ab = likely_same_account(&a, &b);
            let ba = likely_same_account(&b, &a);
            prop_assert_eq!(ab.as_ref().map(|l| l.score), ba.as_ref().map(|l| l.score));
            if let Some(l) = ab {
                prop_assert!((0.0..=1.0).contains(&l.score));
                prop_assert!(!l.reasons.is_empty());
            }
        }

        #[test]
        fn a_company_key_has_no_punctuation_and_no_capitals(name in "\\PC{0,20}") {
            let k = company_key(&name);
            prop_assert!(k.chars().all(|c| c.is_alphanumeric() || c == ' '));
            prop_assert_eq!(k.to_lowercase(), k.clone());
            prop_assert_eq!(company_key(&k), k);
        }
    }
}
