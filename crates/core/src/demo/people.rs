//! Who the demo's leads are: mostly B2B buyers at accounts with several contacts, plus the
//! students, freebie seekers, competitors and junk that real lead flows carry, so that
//! qualification rules have something to reject.

use std::fmt::Write as _;

use super::data::*;
use super::rng::{Rng, mix};
use crate::Email;
use crate::capture::Traits;

/// The kind of person behind a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Persona {
    /// A work email at a prospect company: the people the product exists to find.
    Buyer,
    /// A `.edu`/`.ac.uk` address or the title "Student".
    Student,
    /// A free-mail address downloading content, with no buying intent.
    Freebie,
    /// Someone from a rival vendor reading the pricing page.
    Competitor,
    /// `test@test.com`, keyboard mash and cartoon characters.
    Junk,
}

impl Persona {
    pub(crate) const ALL: [Persona; 5] = [
        Persona::Buyer,
        Persona::Student,
        Persona::Freebie,
        Persona::Competitor,
        Persona::Junk,
    ];

    /// The share of leads (per mille) of each persona.
    pub(crate) fn weight(self) -> u32 {
        match self {
            Persona::Buyer => 777,
            Persona::Student => 80,
            Persona::Freebie => 100,
            Persona::Competitor => 13,
            Persona::Junk => 30,
        }
    }
}

/// One generated person; strings borrowed from the word lists where possible.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub persona: Persona,
    pub first: &'static str,
    pub last: &'static str,
    pub email: Option<Email>,
    pub external_key: Option<String>,
    pub title: Option<&'static str>,
    /// 0 = C-level … 4 = individual contributor; 5 when unknown.
    pub seniority: u8,
    pub company: Option<String>,
    pub website: Option<String>,
    pub country: Option<&'static str>,
    pub industry: Option<&'static str>,
    /// Index into [`COMPANY_SIZES`].
    pub size: Option<usize>,
    pub phone: Option<String>,
}

/// A prospect company, fully determined by the seed and its index, so that every contact
/// drawn at that index agrees on its name, domain, size and industry.
struct Account {
    name: String,
    domain: String,
    industry: &'static str,
    size: usize,
    country: &'static str,
}

const NAME_SUFFIX: [&str; 8] = [
    "",
    " Inc.",
    " Ltd",
    " GmbH",
    " LLC",
    " Holdings",
    " AG",
    " Corp.",
];

fn account(seed: u64, index: u64, big: bool) -> Account {
    // An odd multiplier permutes the name combinations (their count is a power of two), so
    // neighbouring indexes get unrelated names; `round` numbers the rare repeats.
    let combos = (CO_PREFIX.len() * CO_CORE.len() * CO_KIND.len()) as u64;
    let c = (index % combos)
        .wrapping_mul(0x2F1D)
        .wrapping_add(mix(seed ^ 0xACC))
        % combos;
    let round = index / combos;
    let prefix = CO_PREFIX[(c % 32) as usize];
    let core = CO_CORE[(c / 32 % 32) as usize];
    let (kind, kind_slug, industry) = CO_KIND[(c / 1024) as usize];
    let suffix = NAME_SUFFIX[(round % 8) as usize];
    let name = format!("{prefix}{core} {kind}{suffix}");
    let domain = match round {
        0 => format!("{}{core}-{kind_slug}.example", prefix.to_ascii_lowercase()),
        r => format!(
            "{}{core}-{kind_slug}{r}.example",
            prefix.to_ascii_lowercase()
        ),
    };
    let mut rng = Rng::new(seed ^ 0xACC0_0000, index);
    let size = rng.weighted(&COMPANY_SIZES.map(|s| s.1));
    Account {
        name,
        domain,
        industry: match industry {
            "" => rng.weighted_pick(&INDUSTRIES),
            named => named,
        },
        size: if big { size.max(4) } else { size },
        country: rng.weighted_pick(&COUNTRIES),
    }
}

/// Appends `word` lower-cased with everything but letters and digits dropped
/// ("O'Brien" → "obrien", "de Vries" → "devries").
fn push_slug(out: &mut String, word: &str) {
    out.extend(
        word.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase()),
    );
}

/// `first.last{index}@domain`: unique per person because the index is.
fn email(first: &str, last: &str, index: usize, domain: &str) -> Email {
    let mut s = String::with_capacity(first.len() + last.len() + domain.len() + 10);
    push_slug(&mut s, first);
    s.push('.');
    push_slug(&mut s, last);
    let _ = write!(s, "{index}");
    s.push('@');
    s.push_str(domain);
    Email::parse(&s).expect("generated addresses are valid")
}

/// A phone number in the ranges reserved for fiction (NANP 555-01xx, Ofcom 020 7946 0xxx).
fn phone(country: &str, index: usize) -> Option<String> {
    match country {
        "US" | "CA" => Some(format!("+1 202 555 01{:02}", index % 100)),
        "GB" => Some(format!("+44 20 7946 0{:03}", index % 1000)),
        _ => None,
    }
}

impl Person {
    /// A visitor we know nothing about but how they browse.
    pub(crate) fn anonymous(persona: Persona) -> Person {
        Person {
            persona,
            first: "",
            last: "",
            email: None,
            external_key: None,
            title: None,
            seniority: 5,
            company: None,
            website: None,
            country: None,
            industry: None,
            size: None,
            phone: None,
        }
    }

    /// The person at `index`, given how many accounts the demo has.
    pub(crate) fn generate(rng: &mut Rng, seed: u64, index: usize, accounts: u64) -> Person {
        let persona = Persona::ALL[rng.weighted(&Persona::ALL.map(Persona::weight))];
        let (first, last) = (*rng.pick(&FIRST_NAMES), *rng.pick(&LAST_NAMES));
        let mut p = Person {
            first,
            last,
            country: Some(rng.weighted_pick(&COUNTRIES)),
            ..Person::anonymous(persona)
        };
        match persona {
            Persona::Buyer => p.buyer(rng, seed, index, accounts),
            Persona::Student => {
                let (uni, domain) = *rng.pick(&UNIVERSITIES);
                p.email = Some(email(first, last, index, domain));
                p.title = rng.chance(700).then(|| *rng.pick(&STUDENT_TITLES));
                p.company = rng.chance(600).then(|| uni.to_owned());
                if domain.ends_with(".ac.uk") {
                    p.country = Some("GB");
                }
            }
            Persona::Freebie => {
                p.email = Some(email(first, last, index, rng.weighted_pick(&FREE_MAIL)));
                if rng.chance(400) {
                    p.title =
                        Some(*rng.pick(&["Consultant", "Freelancer", "Marketing Coordinator"]));
                    p.company = Some(rng.pick(&["Self-employed", "Freelance", "N/A"]).to_string());
                }
            }
            Persona::Competitor => {
                let (name, domain) = *rng.pick(&COMPETITORS);
                p.email = Some(email(first, last, index, domain));
                p.title = Some(*rng.pick(&COMPETITOR_TITLES));
                p.company = rng.chance(500).then(|| name.to_owned());
                p.country = Some("US");
            }
            Persona::Junk => {
                let (f, l) = *rng.pick(&JUNK_NAMES);
                (p.first, p.last) = (f, l);
                let local = rng.pick(&JUNK_LOCALS);
                let domain = rng.pick(&JUNK_DOMAINS);
                p.email = Email::parse(&format!("{local}{index}@{domain}")).ok();
                p.company = rng
                    .chance(500)
                    .then(|| rng.pick(&["asdf", "test", "none", "-"]).to_string());
                p.country = None;
            }
        }
        p
    }

    fn buyer(&mut self, rng: &mut Rng, seed: u64, index: usize, accounts: u64) {
        // A third of buyers belong to the few big accounts, the rest spread thinly, so the
        // account list shows both whales with dozens of contacts and single-contact firms.
        let big_pool = (accounts / 20).max(1);
        let big = rng.chance(330);
        let a = if big {
            rng.below(big_pool)
        } else {
            rng.below(accounts.max(1))
        };
        let acct = account(seed, a, a < big_pool);
        let seniority = rng.weighted(&TITLES.map(|t| t.1));
        self.title = Some(*rng.pick(TITLES[seniority].0));
        self.seniority = seniority as u8;
        self.email = Some(email(self.first, self.last, index, &acct.domain));
        self.website = Some(acct.domain);
        self.company = Some(acct.name);
        self.industry = Some(acct.industry);
        self.size = Some(acct.size);
        if rng.chance(850) {
            self.country = Some(acct.country);
        }
        self.phone = self.country.and_then(|c| phone(c, index));
    }

    /// True for the buyers sales wants: a company of 51+ people and a manager or above.
    pub(crate) fn good_fit(&self) -> bool {
        self.persona == Persona::Buyer && self.size.is_some_and(|s| s >= 2) && self.seniority <= 3
    }

    /// What this person tells a form or a list: names, company and, with `detail`, the
    /// rest of the profile (title, country, phone, size and industry as custom traits).
    pub(crate) fn traits(&self, detail: bool) -> Traits {
        let mut t = Traits {
            first_name: Some(self.first.to_owned()),
            last_name: Some(self.last.to_owned()),
            company: self.company.clone(),
            ..Traits::default()
        };
        if detail {
            t.title = self.title.map(str::to_owned);
            t.country = self.country.map(str::to_owned);
            t.phone = self.phone.clone();
            t.website = self.website.clone();
            if let Some(s) = self.size {
                t.custom
                    .insert("company_size".into(), COMPANY_SIZES[s].0.into());
            }
            if let Some(i) = self.industry {
                t.custom.insert("industry".into(), i.into());
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_stable_per_index_and_distinct_across_indexes() {
        let a = account(5, 17, false);
        let b = account(5, 17, false);
        assert_eq!(
            (a.name.as_str(), a.domain.as_str()),
            (b.name.as_str(), b.domain.as_str())
        );
        let domains: std::collections::HashSet<String> =
            (0..40_000).map(|i| account(5, i, false).domain).collect();
        assert_eq!(domains.len(), 40_000);
    }

    #[test]
    fn account_domains_are_their_own_registrable_domain() {
        let d = account(1, 3, false).domain;
        assert_eq!(crate::registrable_domain(&d).as_deref(), Some(d.as_str()));
        let e = Email::parse(&format!("x@{d}")).unwrap();
        assert_eq!(e.company_domain().as_deref(), Some(d.as_str()));
    }

    #[test]
    fn freebie_providers_are_known_free_mail_and_universities_are_academic() {
        for (d, _) in FREE_MAIL {
            assert!(crate::email::is_free_mail_domain(d), "{d}");
        }
        for (_, d) in UNIVERSITIES {
            assert!(d.ends_with(".edu") || d.ends_with(".ac.uk"), "{d}");
        }
    }

    #[test]
    fn slugs_drop_apostrophes_and_spaces() {
        let e = email("Seán", "O'Brien", 7, "acme.example");
        assert_eq!(e.as_str(), "sen.obrien7@acme.example");
        assert_eq!(
            email("Anna", "de Vries", 0, "a.example").as_str(),
            "anna.devries0@a.example"
        );
    }
}
