//! Likely duplicate people beyond the exact email: similar names at the same company or
//! domain, or with the same phone number. Pure scoring; finding candidates (blocking by
//! domain, phone or name key) and the review queue come with storage.
//!
//! Also here: likely duplicate accounts ([`account`]) and which values survive a merge
//! ([`survivorship`]).

use serde::Serialize;

use crate::email::Email;

pub mod account;
pub mod names;
pub mod survivorship;

pub use account::{Company, company_key, domain_stem, likely_same_account, same_company_name};

/// Jaro–Winkler similarity in `[0, 1]`: 1 for equal strings, high for small typos and
/// transpositions near the start (`Martha`/`Marhta` ≈ 0.96).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_hit = vec![false; a.len()];
    let mut b_hit = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_hit[j] && b[j] == *ca {
                a_hit[i] = true;
                b_hit[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_seq = a.iter().zip(&a_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let b_seq = b.iter().zip(&b_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let transpositions = a_seq.zip(b_seq).filter(|(x, y)| x != y).count() / 2;
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

/// The comparable part of a phone number: its last nine digits (the national number without
/// country and trunk prefixes), when it has at least seven.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then(|| digits[digits.len().saturating_sub(9)..].to_owned())
}

/// What dedupe compares of a person.
#[derive(Debug, Clone, Copy, Default)]
pub struct Person<'a> {
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub company: Option<&'a str>,
    pub email: Option<&'a Email>,
    pub phone: Option<&'a str>,
    /// The account (company) the person is filed under: the same account is as good as the
    /// same company domain.
    pub account: Option<&'a str>,
}

/// Why two people are probably one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Likely {
    /// 0–1: how sure the rule is.
    pub score: f64,
    pub reasons: Vec<String>,
}

/// Name similarity from which two people at the same company count as one.
const SAME_NAME: f64 = 0.92;
/// Name similarity from which two people with the same phone count as one.
const SAME_NAME_WITH_PHONE: f64 = 0.85;

fn full_name(p: &Person<'_>) -> Option<String> {
    let name = [p.first_name, p.last_name]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (!name.is_empty()).then_some(name)
}

/// The two ids of a pair in canonical order (smaller first), so that a pair is stored once
/// whichever way round it was found.
pub fn canonical_pair<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Whether `a` and `b` are probably the same person, and why. Different email addresses
/// at different company domains never match on name alone.
pub fn likely_same(a: &Person<'_>, b: &Person<'_>) -> Option<Likely> {
    if let (Some(x), Some(y)) = (a.email, b.email)
        && x.key() == y.key()
    {
        return Some(Likely {
            score: 1.0,
            reasons: vec!["same email".into()],
        });
    }
    let name = jaro_winkler(&full_name(a)?, &full_name(b)?);
    if !names::compatible((a.first_name, a.last_name), (b.first_name, b.last_name)) {
        return None;
    }
    let mut reasons = vec![format!("names {:.0} % alike", name * 100.0)];
    // A disposable-mail domain is no company, however many people use it.
    let company_domain = |e: &Email| {
        e.company_domain()
            .filter(|d| !crate::qualify::is_disposable_domain(d))
    };
    let same_domain = match (
        a.email.and_then(company_domain),
        b.email.and_then(company_domain),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    let same_company = match (a.company, b.company) {
        (Some(x), Some(y)) => same_company_name(x, y),
        _ => false,
    };
    let same_account = matches!((a.account, b.account), (Some(x), Some(y)) if x == y);
    // A made-up number ("1234567", "0000000") shared by two junk records proves nothing.
    let real = |p: &str| crate::qualify::junk::impossible_phone(p).is_none();
    let phone = |p: &Person<'_>| p.phone.filter(|p| real(p)).and_then(phone_key);
    let same_phone = match (phone(a), phone(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    if same_domain {
        reasons.push("same company domain".into());
    } else if same_company {
        reasons.push("same company".into());
    } else if same_account {
        reasons.push("same account".into());
    }
    if same_phone {
        reasons.push("same phone".into());
    }
    let at_company = same_domain || same_company || same_account;
    let matched = (at_company && name >= SAME_NAME) || (same_phone && name >= SAME_NAME_WITH_PHONE);
    matched.then(|| Likely {
        score: (name * 0.6
            + f64::from(u8::from(at_company)) * 0.25
            + f64::from(u8::from(same_phone)) * 0.15)
            .min(1.0),
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn jaro_winkler_matches_the_published_examples() {
        let close = |a: &str, b: &str, want: f64| {
            let got = jaro_winkler(a, b);
            assert!((got - want).abs() < 0.001, "{a}/{b}: {got} vs {want}");
        };
        close("MARTHA", "MARHTA", 0.961);
        close("DWAYNE", "DUANE", 0.840);
        close("DIXON", "DICKSONX", 0.813);
        close("abc", "xyz", 0.0);
        close("", "", 1.0);
    }

    #[test]
    fn phones_compare_by_their_national_number() {
        assert_eq!(phone_key("+44 20 7946 0958"), phone_key("020 7946 0958"));
        assert_eq!(phone_key("(415) 555-2671"), Some("155552671".into()));
        assert_eq!(phone_key("12345"), None);
    }

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn a_typo_at_the_same_company_is_a_likely_duplicate() {
        let (e1, e2) = (email("jon.smith@acme.com"), email("j.smith@acme.com"));
        let a = Person {
            first_name: Some("Jon"),
            last_name: Some("Smith"),
            email: Some(&e1),
            ..Person::default()
        };
        let b = Person {
            first_name: Some("John"),
            last_name: Some("Smith"),
            email: Some(&e2),
            ..Person::default()
        };
        let m = likely_same(&a, &b).expect("a likely duplicate");
        assert!(
            m.reasons.contains(&"same company domain".to_owned()),
            "{m:?}"
        );
        assert!(m.score > 0.8);
    }

    #[test]
    fn the_same_name_elsewhere_is_not_a_duplicate_but_the_same_phone_is() {
        let (e1, e2) = (email("sam.lee@acme.com"), email("sam.lee@globex.com"));
        let mut a = Person {
            first_name: Some("Sam"),
            last_name: Some("Lee"),
            email: Some(&e1),
            ..Person::default()
        };
        let mut b = Person {
            first_name: Some("Sam"),
            last_name: Some("Lee"),
            email: Some(&e2),
            ..Person::default()
        };
        assert_eq!(likely_same(&a, &b), None);
        a.phone = Some("+1 415 555 2671");
        b.phone = Some("415-555-2671");
        assert!(
            likely_same(&a, &b)
                .unwrap()
                .reasons
                .contains(&"same phone".to_owned())
        );
        // Free mail says nothing about the company.
        let (e3, e4) = (email("sam@gmail.com"), email("samlee@gmail.com"));
        let c = Person {
            first_name: Some("Sam"),
            last_name: Some("Lee"),
            email: Some(&e3),
            ..Person::default()
        };
        let d = Person {
            first_name: Some("Sam"),
            last_name: Some("Lee"),
            email: Some(&e4),
            ..Person::default()
        };
        assert_eq!(likely_same(&c, &d), None);
        // Company names compare without their legal form.
        let e = Person {
            first_name: Some("Sam"),
            last_name: Some("Lee"),
            company: Some("Acme, Inc."),
            ..Person::default()
        };
        let f = Person {
            first_name: Some("Sam"),
            last_name: Some("Lee"),
            company: Some("ACME"),
            ..Person::default()
        };
        assert!(likely_same(&e, &f).is_some());
    }

    #[test]
    fn the_same_account_counts_like_the_same_company_domain() {
        let (e1, e2) = (email("ann.k@acme.com"), email("ann@acme-labs.io"));
        let mut a = Person {
            first_name: Some("Ann"),
            last_name: Some("Kowalski"),
            email: Some(&e1),
            account: Some("acct-1"),
            ..Person::default()
        };
        let b = Person {
            first_name: Some("Anne"),
            last_name: Some("Kowalski"),
            email: Some(&e2),
            account: Some("acct-1"),
            ..Person::default()
        };
        let m = likely_same(&a, &b).expect("same account, names alike");
        assert!(m.reasons.contains(&"same account".to_owned()), "{m:?}");
        a.account = Some("acct-2");
        assert_eq!(likely_same(&a, &b), None);
        assert_eq!(canonical_pair("b", "a"), ("a", "b"));
        assert_eq!(canonical_pair("a", "b"), ("a", "b"));
    }

    proptest! {
        #[test]
        fn a_free_mail_domain_alone_never_makes_a_pair(
            first in "[A-Z][a-z]{1,8}", last in "[A-Z][a-z]{1,8}",
            l1 in "[a-z]{1,8}", l2 in "[a-z]{1,8}",
            provider in proptest::sample::select(vec!["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"]),
        ) {
            let (e1, e2) = (email(&format!("{l1}@{provider}")), email(&format!("{l2}x@{provider}")));
            let p = |e| Person { first_name: Some(&first), last_name: Some(&last), email: Some(e), ..Person::default() };
            prop_assert_eq!(likely_same(&p(&e1), &p(&e2)), None);
        }

        #[test]
        fn jaro_winkler_is_symmetric_bounded_and_one_on_equal(a in "\\PC{0,12}", b in "\\PC{0,12}") {
            let ab = jaro_winkler(&a, &b);
            prop_assert!((ab - jaro_winkler(&b, &a)).abs() < 1e-12);
            prop_assert!((0.0..=1.0).contains(&ab));
            prop_assert!((jaro_winkler(&a, &a) - 1.0).abs() < 1e-12);
        }
    }
}
