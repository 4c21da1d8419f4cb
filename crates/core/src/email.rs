//! Email addresses as Leadline understands them: one person, one normalised address.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Why an address was refused, in words a form or import report can show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is empty")]
    Empty,
    #[error("is not a valid email address (expected name@company.com)")]
    Invalid,
    #[error("is longer than 254 characters")]
    TooLong,
}

/// A syntactically valid, normalised email address.
///
/// Normalisation trims whitespace and lower-cases the domain; the local part keeps its case
/// and any `+tag` (plus-addresses are distinct mailboxes to the people who use them).
/// Matching uses [`Email::key`], the fully lower-cased form, because no mainstream provider
/// treats local parts case-sensitively and a lead must not split in two over a capital letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email {
    address: String,
    at: usize,
    /// Where the registrable domain starts in `address`, when there is one: worked out
    /// once here, asked for by qualification, fit and account matching.
    registrable: Option<usize>,
    free_mail: bool,
}

impl Email {
    /// Parses and normalises an address typed by a person or found in a file.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim().trim_start_matches("mailto:");
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let at = trimmed.rfind('@').ok_or(EmailError::Invalid)?;
        let (local, domain) = (&trimmed[..at], trimmed[at + 1..].to_ascii_lowercase());
        let domain = domain.trim_end_matches('.');
        if local.is_empty() || !domain.contains('.') || domain.starts_with('.') {
            return Err(EmailError::Invalid);
        }
        let address = format!("{local}@{domain}");
        if !email_address::EmailAddress::is_valid(&address) {
            return Err(EmailError::Invalid);
        }
        let domain = &address[at + 1..];
        let registrable = registrable_domain(domain);
        let free_mail = FREE_MAIL.contains(domain)
            || registrable
                .as_deref()
                .is_some_and(|r| FREE_MAIL.contains(r));
        // A suffix of the domain (it is lower-case, with no trailing dot, already).
        let registrable = registrable
            .filter(|r| domain.ends_with(r.as_str()))
            .map(|r| address.len() - r.len());
        Ok(Email {
            at,
            registrable,
            free_mail,
            address,
        })
    }

    /// The address as stored and shown: original local part, lower-case domain.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The matching key: the whole address lower-cased.
    pub fn key(&self) -> String {
        self.address.to_lowercase()
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        &self.address[..self.at]
    }

    /// The domain after the `@`, lower-case.
    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }

    /// True for consumer mailbox providers (gmail.com, outlook.com …), which say nothing
    /// about the company a person works for and so never create an account.
    pub fn is_free_mail(&self) -> bool {
        self.free_mail
    }

    /// The registrable part of the domain (`mail.example.co.uk` → `example.co.uk`).
    pub fn registrable(&self) -> Option<&str> {
        self.registrable.map(|r| &self.address[r..])
    }

    /// The company domain this address implies, or `None` for free-mail providers.
    pub fn company_domain(&self) -> Option<String> {
        if self.is_free_mail() {
            return None;
        }
        self.registrable().map(str::to_owned)
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.address)
    }
}

static FREE_MAIL: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/free_email_domains.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// True when `domain` (or its registrable parent) is a consumer mailbox provider.
pub fn is_free_mail_domain(domain: &str) -> bool {
    let domain = domain.trim().to_ascii_lowercase();
    FREE_MAIL.contains(domain.as_str())
        || registrable_domain(&domain).is_some_and(|d| FREE_MAIL.contains(d.as_str()))
}

/// The registrable domain of a host or URL-ish string: `mail.example.co.uk` → `example.co.uk`.
/// Accounts are keyed by it so that `eu.acme.com` and `acme.com` are one company.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    let host = host
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split(['/', '?', '#', ':'])
        .next()?
        .trim_start_matches("www.")
        .trim_end_matches('.');
    if !host.contains('.') {
        return None;
    }
    psl::domain_str(host).map(str::to_owned)
}

impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.address)
    }
}

impl<'de> serde::Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Email::parse(&raw).map_err(|e| serde::de::Error::custom(format!("email {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_domain_case_and_whitespace_but_keeps_local_part_and_plus_tag() {
        let e = Email::parse("  Jane.Doe+webinar@ACME.Example.COM ").unwrap();
        assert_eq!(e.as_str(), "Jane.Doe+webinar@acme.example.com");
        assert_eq!(e.key(), "jane.doe+webinar@acme.example.com");
        assert_eq!(e.local_part(), "Jane.Doe+webinar");
        assert_eq!(e.domain(), "acme.example.com");
    }

    #[test]
    fn refuses_addresses_without_domain_or_local_part() {
        for bad in [
            "",
            "  ",
            "jane",
            "jane@",
            "@acme.com",
            "jane@localhost",
            "ja ne@acme.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Email::parse(" ").unwrap_err(), EmailError::Empty);
    }

    #[test]
    fn free_mail_never_implies_a_company() {
        assert!(
            Email::parse("x@gmail.com")
                .unwrap()
                .company_domain()
                .is_none()
        );
        assert!(Email::parse("x@outlook.com").unwrap().is_free_mail());
        assert_eq!(
            Email::parse("x@eu.acme.co.uk")
                .unwrap()
                .company_domain()
                .as_deref(),
            Some("acme.co.uk")
        );
    }

    #[test]
    fn registrable_domain_accepts_urls() {
        assert_eq!(
            registrable_domain("https://www.Acme.com/pricing?x=1").as_deref(),
            Some("acme.com")
        );
        assert_eq!(
            registrable_domain("shop.acme.com:8443").as_deref(),
            Some("acme.com")
        );
        assert_eq!(registrable_domain("localhost"), None);
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics_and_is_idempotent(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                let again = Email::parse(e.as_str()).unwrap();
                proptest::prop_assert_eq!(again, e);
            }
        }
    }
}
