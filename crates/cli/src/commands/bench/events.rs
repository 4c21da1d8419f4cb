//! Deterministic synthetic traffic for the benches: Segment messages of a website with
//! anonymous visitors, signed-in users and identifications, plus the people of a CSV list.
//!
//! Everything derives from a seed through SplitMix64 (no dependency, stable across crate
//! versions), so a run can be repeated exactly. Strings come from fixed ASCII lists and need
//! no JSON escaping.

use std::fmt::Write;

/// SplitMix64: tiny, fast, and good enough for picking synthetic data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Distinct anonymous visitors of the site.
pub const ANONYMOUS_IDS: u64 = 50_000;
/// Distinct signed-in users (each becomes a lead when identified).
pub const USERS: u64 = 20_000;

pub const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Margaret",
    "Ken",
    "Radia",
    "Dennis",
    "Hedy",
    "Linus",
    "Sophie",
    "Tim",
    "Katherine",
    "Niklaus",
    "Shafi",
    "Leslie",
];
pub const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Backus",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Ritchie",
    "Lamarr",
    "Torvalds",
    "Wilson",
    "Berners",
    "Johnson",
    "Wirth",
    "Goldwasser",
    "Lamport",
    "Moreno",
    "Schmidt",
    "Okafor",
    "Tanaka",
    "Nowak",
];
pub const COMPANY_WORDS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Aperture",
    "Massive",
    "Oscorp",
    "Pied",
];
pub const TITLES: &[&str] = &[
    "Marketing Manager",
    "Head of Growth",
    "VP Sales",
    "CTO",
    "Founder",
    "Sales Development Rep",
    "Operations Lead",
    "Product Manager",
];
pub const COUNTRIES: &[&str] = &["US", "DE", "FR", "GB", "NL", "ES", "IT", "CA", "AU", "JP"];

const PAGES: &[(&str, &str)] = &[
    ("Home", "/"),
    ("Pricing", "/pricing"),
    ("Product", "/product"),
    ("Lead scoring 101", "/blog/lead-scoring-101"),
    ("Integrations", "/integrations"),
    ("Customers", "/customers"),
    ("Getting started", "/docs/getting-started"),
    ("Book a demo", "/demo"),
];
/// (utm_source, utm_medium, utm_campaign, the channel Leadline would derive)
const UTMS: &[(&str, &str, &str, &str)] = &[
    ("google", "cpc", "brand-search", "paid_search"),
    ("google", "cpc", "competitor-terms", "paid_search"),
    ("linkedin", "paid_social", "abm-q2", "paid_social"),
    ("facebook", "paid_social", "retargeting", "paid_social"),
    ("newsletter", "email", "may-digest", "email"),
    ("partner", "referral", "partner-directory", "referral"),
];
const REFERRERS: &[&str] = &[
    "https://www.google.com/",
    "https://www.linkedin.com/",
    "https://news.ycombinator.com/",
    "",
];
const EVENTS: &[&str] = &[
    "Signed Up",
    "Demo Requested",
    "Trial Started",
    "Webinar Registered",
    "Whitepaper Downloaded",
    "Invited Teammate",
];

/// The person behind user number `k`: always the same for the same `k`.
pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    pub company: String,
    pub email: String,
    pub title: &'static str,
    pub country: &'static str,
}

pub fn person(k: u64) -> Person {
    let n = |len: usize, div: u64| ((k / div) % len as u64) as usize;
    let first = FIRST[n(FIRST.len(), 1)];
    let last = LAST[n(LAST.len(), FIRST.len() as u64)];
    let c = k % 4_999;
    let word = COMPANY_WORDS[(c % COMPANY_WORDS.len() as u64) as usize];
    let company = format!("{word} {c}");
    let email = format!(
        "{}.{}{k}@{}{c}.example.com",
        first.to_lowercase(),
        last.to_lowercase(),
        word.to_lowercase()
    );
    Person {
        first,
        last,
        company,
        email,
        title: TITLES[n(TITLES.len(), 7)],
        country: COUNTRIES[n(COUNTRIES.len(), 3)],
    }
}

/// The Segment call types of the mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Page,
    Track,
    Identify,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Track => "track",
            Kind::Identify => "identify",
        }
    }
}

/// One synthetic message, in the parts both Segment JSON and a raw activity row need.
pub struct Event {
    pub kind: Kind,
    pub message_id: String,
    pub anonymous_id: Option<String>,
    pub user_id: Option<String>,
    pub name: String,
    /// JSON object text (None for identify, which has traits instead).
    pub properties: Option<String>,
    /// JSON object text.
    pub context: String,
    pub traits: Option<String>,
    pub channel: &'static str,
    pub campaign: Option<&'static str>,
}

/// One client's endless, deterministic stream of messages with unique ids.
pub struct Stream {
    rng: Rng,
    prefix: String,
    seq: u64,
}

impl Stream {
    pub fn new(seed: u64, client: u64) -> Stream {
        Stream {
            rng: Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(client)),
            prefix: format!("bench-{seed}-{client}-"),
            seq: 0,
        }
    }

    /// ≈70 % page views, ≈20 % tracks, ≈10 % identifies.
    pub fn next_event(&mut self) -> Event {
        self.seq += 1;
        let message_id = format!("{}{}", self.prefix, self.seq);
        let r = &mut self.rng;
        let roll = r.below(100);
        let ip = r.below(250) + 1;
        let context = |extra: &str| {
            format!(
                r#"{{{extra}"library":{{"name":"analytics.js","version":"4.1.0"}},"userAgent":"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0","ip":"203.0.113.{ip}","locale":"en-US"}}"#
            )
        };
        if roll < 70 {
            let anon = format!("anon-{:05}", r.below(ANONYMOUS_IDS));
            let (title, path) = *r.pick(PAGES);
            let referrer = *r.pick(REFERRERS);
            let utm = (r.below(100) < 60).then(|| *r.pick(UTMS));
            let mut url = format!("https://www.example.com{path}");
            let mut campaign = String::new();
            if let Some((source, medium, name, _)) = utm {
                let _ = write!(
                    url,
                    "?utm_source={source}&utm_medium={medium}&utm_campaign={name}"
                );
                campaign = format!(
                    r#""campaign":{{"source":"{source}","medium":"{medium}","name":"{name}"}},"#
                );
            }
            let page = format!(
                r#""page":{{"url":"{url}","path":"{path}","referrer":"{referrer}","title":"{title}"}},"#
            );
            Event {
                kind: Kind::Page,
                message_id,
                anonymous_id: Some(anon),
                user_id: None,
                name: title.to_owned(),
                properties: Some(format!(
                    r#"{{"title":"{title}","url":"{url}","path":"{path}","referrer":"{referrer}"}}"#
                )),
                context: context(&format!("{campaign}{page}")),
                traits: None,
                channel: utm.map_or(
                    if referrer.is_empty() {
                        "direct"
                    } else {
                        "referral"
                    },
                    |u| u.3,
                ),
                campaign: utm.map(|u| u.2),
            }
        } else if roll < 90 {
            let user = r.below(USERS);
            let event = *r.pick(EVENTS);
            let value = r.below(500);
            Event {
                kind: Kind::Track,
                message_id,
                anonymous_id: None,
                user_id: Some(format!("user-{user:05}")),
                name: event.to_owned(),
                properties: Some(format!(r#"{{"plan":"growth","value":{value}}}"#)),
                context: context(""),
                traits: None,
                channel: "direct",
                campaign: None,
            }
        } else {
            let user = r.below(USERS);
            let anon = format!("anon-{:05}", r.below(ANONYMOUS_IDS));
            let p = person(user);
            Event {
                kind: Kind::Identify,
                message_id,
                anonymous_id: Some(anon),
                user_id: Some(format!("user-{user:05}")),
                name: String::new(),
                properties: None,
                context: context(""),
                traits: Some(format!(
                    r#"{{"email":"{}","firstName":"{}","lastName":"{}","company":"{}","title":"{}","country":"{}"}}"#,
                    p.email, p.first, p.last, p.company, p.title, p.country
                )),
                channel: "direct",
                campaign: None,
            }
        }
    }
}

impl Event {
    /// Appends this message as Segment JSON.
    pub fn write_segment(&self, out: &mut String, timestamp: &str) {
        let _ = write!(
            out,
            r#"{{"type":"{}","messageId":"{}""#,
            self.kind.as_str(),
            self.message_id
        );
        if let Some(a) = &self.anonymous_id {
            let _ = write!(out, r#","anonymousId":"{a}""#);
        }
        if let Some(u) = &self.user_id {
            let _ = write!(out, r#","userId":"{u}""#);
        }
        match self.kind {
            Kind::Page => {
                let _ = write!(out, r#","name":"{}""#, self.name);
            }
            Kind::Track => {
                let _ = write!(out, r#","event":"{}""#, self.name);
            }
            Kind::Identify => {}
        }
        if let Some(p) = &self.properties {
            let _ = write!(out, r#","properties":{p}"#);
        }
        if let Some(t) = &self.traits {
            let _ = write!(out, r#","traits":{t}"#);
        }
        let _ = write!(
            out,
            r#","context":{},"originalTimestamp":"{timestamp}"}}"#,
            self.context
        );
    }
}

/// A `/v1/batch` body of `n` messages from `stream`, sent at `now_ms`.
pub fn batch_body(stream: &mut Stream, n: usize, now_ms: i64) -> String {
    let sent = leadline_core::time::rfc3339(now_ms);
    let mut out = String::with_capacity(n * 700 + 64);
    out.push_str(r#"{"batch":["#);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        stream.next_event().write_segment(&mut out, &sent);
    }
    let _ = write!(out, r#"],"sentAt":"{sent}"}}"#);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_valid_json_with_the_intended_mix_and_unique_ids() {
        let mut s = Stream::new(7, 0);
        let body = batch_body(&mut s, 1000, 1_700_000_000_000);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let batch = v["batch"].as_array().unwrap();
        let count = |t: &str| batch.iter().filter(|m| m["type"] == t).count();
        assert!((650..750).contains(&count("page")), "{}", count("page"));
        assert!((150..250).contains(&count("track")));
        assert!((60..140).contains(&count("identify")));
        let ids: std::collections::HashSet<_> =
            batch.iter().map(|m| m["messageId"].clone()).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let a = batch_body(&mut Stream::new(3, 1), 50, 0);
        let b = batch_body(&mut Stream::new(3, 1), 50, 0);
        assert_eq!(a, b);
        assert_ne!(a, batch_body(&mut Stream::new(4, 1), 50, 0));
    }
}
