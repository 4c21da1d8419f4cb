//! Marketing channels, and how a touch's UTM tags or referrer tell which one it came from.

use serde::{Deserialize, Serialize};

/// The channel through which a touch reached a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Direct,
    WebForm,
    OrganicSearch,
    PaidSearch,
    Social,
    PaidSocial,
    Email,
    Webinar,
    Tradeshow,
    EventPresentation,
    DirectMail,
    ColdCall,
    ContentDownload,
    Blog,
    PressRelease,
    Analyst,
    CustomerReferral,
    PartnerReferral,
    SalesReferral,
    SalesProspecting,
    Referral,
    Display,
    Api,
    Import,
}

impl Channel {
    /// Every channel, in the order reports list them.
    pub const ALL: [Channel; 24] = [
        Channel::Direct,
        Channel::WebForm,
        Channel::OrganicSearch,
        Channel::PaidSearch,
        Channel::Social,
        Channel::PaidSocial,
        Channel::Email,
        Channel::Webinar,
        Channel::Tradeshow,
        Channel::EventPresentation,
        Channel::DirectMail,
        Channel::ColdCall,
        Channel::ContentDownload,
        Channel::Blog,
        Channel::PressRelease,
        Channel::Analyst,
        Channel::CustomerReferral,
        Channel::PartnerReferral,
        Channel::SalesReferral,
        Channel::SalesProspecting,
        Channel::Referral,
        Channel::Display,
        Channel::Api,
        Channel::Import,
    ];

    /// The stable snake_case name used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Direct => "direct",
            Channel::WebForm => "web_form",
            Channel::OrganicSearch => "organic_search",
            Channel::PaidSearch => "paid_search",
            Channel::Social => "social",
            Channel::PaidSocial => "paid_social",
            Channel::Email => "email",
            Channel::Webinar => "webinar",
            Channel::Tradeshow => "tradeshow",
            Channel::EventPresentation => "event_presentation",
            Channel::DirectMail => "direct_mail",
            Channel::ColdCall => "cold_call",
            Channel::ContentDownload => "content_download",
            Channel::Blog => "blog",
            Channel::PressRelease => "press_release",
            Channel::Analyst => "analyst",
            Channel::CustomerReferral => "customer_referral",
            Channel::PartnerReferral => "partner_referral",
            Channel::SalesReferral => "sales_referral",
            Channel::SalesProspecting => "sales_prospecting",
            Channel::Referral => "referral",
            Channel::Display => "display",
            Channel::Api => "api",
            Channel::Import => "import",
        }
    }

    /// Human label for screens and reports.
    pub fn label(self) -> String {
        let s = self.as_str().replace('_', " ");
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }

    /// Parses a channel name; accepts spaces, dashes and common synonyms
    /// (`trade show`, `cpc`, `ppc`, `seo`, `partner`).
    pub fn parse(s: &str) -> Option<Channel> {
        let n = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let synonym = match n.as_str() {
            "trade_show" | "tradeshows" | "event" | "events" | "conference" => "tradeshow",
            "cpc" | "ppc" | "sem" | "paid" => "paid_search",
            "seo" | "organic" | "search" => "organic_search",
            "form" | "website" | "web" => "web_form",
            "partner" | "consultant" | "consultant_referral" => "partner_referral",
            "customer" => "customer_referral",
            "newsletter" | "e_mail" => "email",
            "pr" | "press" => "press_release",
            "mail" | "postal" => "direct_mail",
            "content" | "ebook" | "whitepaper" => "content_download",
            "list" | "list_import" => "import",
            other => other,
        };
        Channel::ALL.into_iter().find(|c| c.as_str() == synonym)
    }

    /// Classifies a web touch from its UTM medium/source and referrer, the way analytics
    /// tools do: explicit UTM medium first, then the referring host, else direct.
    pub fn classify(
        utm_medium: Option<&str>,
        utm_source: Option<&str>,
        referrer: Option<&str>,
        own_host: Option<&str>,
    ) -> Channel {
        if let Some(c) = utm_medium.and_then(|m| Self::from_medium(m, utm_source)) {
            return c;
        }
        match referrer.map(referrer_host).filter(|h| !h.is_empty()) {
            Some(h) if own_host.is_some_and(|o| h == o.to_ascii_lowercase()) => Channel::Direct,
            Some(h) if is_search_engine(&h) => Channel::OrganicSearch,
            Some(h) if is_social_network(&h) => Channel::Social,
            Some(_) => Channel::Referral,
            None if utm_source.is_some() => Channel::Referral,
            None => Channel::Direct,
        }
    }

    fn from_medium(medium: &str, source: Option<&str>) -> Option<Channel> {
        let m = medium.trim().to_ascii_lowercase();
        let social_source = source.is_some_and(|s| is_social_network(&s.to_ascii_lowercase()));
        Some(match m.as_str() {
            "cpc" | "ppc" | "paidsearch" | "paid_search" | "sem" => {
                if social_source {
                    Channel::PaidSocial
                } else {
                    Channel::PaidSearch
                }
            }
            "paid_social" | "paidsocial" | "social_paid" => Channel::PaidSocial,
            "social" | "social_media" | "social-network" | "sm" => Channel::Social,
            "email" | "e-mail" | "newsletter" => Channel::Email,
            "display" | "banner" | "cpm" => Channel::Display,
            "organic" => Channel::OrganicSearch,
            "referral" => Channel::Referral,
            "affiliate" | "partner" => Channel::PartnerReferral,
            _ => return Channel::parse(&m),
        })
    }
}

/// What a person's answer to "How did you hear about us?" means as a channel, or `None`
/// when it names none we know (reports count those as "other"). People answer in their
/// words, so names of search engines, networks and analysts count as their channel.
pub fn heard_about(answer: &str) -> Option<Channel> {
    let a = answer.trim().to_ascii_lowercase();
    if a.is_empty() {
        return None;
    }
    if let Some(c) = Channel::parse(&a) {
        return Some(c);
    }
    let has = |words: &[&str]| words.iter().any(|w| a.contains(w));
    Some(
        if has(&["gartner", "forrester", "idc", "analyst", "g2", "capterra"]) {
            Channel::Analyst
        } else if has(&[
            "colleague",
            "friend",
            "word of mouth",
            "recommend",
            "coworker",
            "co-worker",
        ]) {
            Channel::Referral
        } else if has(&["partner", "consultant", "reseller", "integrator"]) {
            Channel::PartnerReferral
        } else if has(&["customer"]) {
            Channel::CustomerReferral
        } else if has(&["google", "bing", "search", "duckduckgo"]) {
            Channel::OrganicSearch
        } else if has(&[
            "linkedin",
            "twitter",
            "facebook",
            "reddit",
            "youtube",
            "social",
            "instagram",
        ]) {
            Channel::Social
        } else if has(&["webinar"]) {
            Channel::Webinar
        } else if has(&["trade show", "tradeshow", "conference", "booth", "expo"]) {
            Channel::Tradeshow
        } else if has(&["talk", "keynote", "presentation", "meetup"]) {
            Channel::EventPresentation
        } else if has(&["press", "news", "article", "magazine"]) {
            Channel::PressRelease
        } else if has(&["blog", "podcast"]) {
            Channel::Blog
        } else if has(&["email", "newsletter"]) {
            Channel::Email
        } else if has(&["mail", "letter", "postcard", "flyer"]) {
            Channel::DirectMail
        } else if has(&["ad", "ads", "advert"]) {
            Channel::PaidSearch
        } else {
            return None;
        },
    )
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The referring page's host, lower-cased, without `www.`.
pub(crate) fn referrer_host(referrer: &str) -> String {
    let r = referrer.trim().to_ascii_lowercase();
    let r = r.split("://").nth(1).unwrap_or(&r).to_owned();
    let host = r.split(['/', '?', '#', ':']).next().unwrap_or("");
    host.trim_start_matches("www.").to_owned()
}

fn host_matches(host: &str, names: &[&str]) -> bool {
    host.split('.').any(|label| names.contains(&label))
}

fn is_search_engine(host: &str) -> bool {
    host_matches(
        host,
        &[
            "google",
            "bing",
            "duckduckgo",
            "yahoo",
            "baidu",
            "yandex",
            "ecosia",
            "qwant",
            "startpage",
            "search",
        ],
    )
}

fn is_social_network(host: &str) -> bool {
    host_matches(
        host,
        &[
            "linkedin",
            "lnkd",
            "facebook",
            "fb",
            "twitter",
            "x",
            "t",
            "instagram",
            "youtube",
            "reddit",
            "tiktok",
            "xing",
            "mastodon",
            "threads",
            "bsky",
        ],
    ) && !host.starts_with("mail.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_synonyms_parse() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("Trade Show"), Some(Channel::Tradeshow));
        assert_eq!(Channel::parse("cpc"), Some(Channel::PaidSearch));
        assert_eq!(Channel::parse("carrier pigeon"), None);
        assert_eq!(Channel::EventPresentation.label(), "Event presentation");
    }

    #[test]
    fn self_reported_answers_are_normalised_by_synonyms() {
        assert_eq!(heard_about("Google"), Some(Channel::OrganicSearch));
        assert_eq!(heard_about("LinkedIn"), Some(Channel::Social));
        assert_eq!(heard_about("a colleague told me"), Some(Channel::Referral));
        assert_eq!(heard_about("Friend"), Some(Channel::Referral));
        assert_eq!(
            heard_about("Gartner Magic Quadrant"),
            Some(Channel::Analyst)
        );
        assert_eq!(heard_about("analyst report"), Some(Channel::Analyst));
        assert_eq!(heard_about("webinar"), Some(Channel::Webinar));
        assert_eq!(heard_about("Trade Show"), Some(Channel::Tradeshow));
        assert_eq!(heard_about("no idea"), None);
        assert_eq!(heard_about("  "), None);
    }

    #[test]
    fn utm_medium_wins_over_referrer() {
        let c = Channel::classify(
            Some("cpc"),
            Some("google"),
            Some("https://www.bing.com/"),
            None,
        );
        assert_eq!(c, Channel::PaidSearch);
        let c = Channel::classify(Some("cpc"), Some("linkedin"), None, None);
        assert_eq!(c, Channel::PaidSocial);
        assert_eq!(
            Channel::classify(Some("webinar"), None, None, None),
            Channel::Webinar
        );
    }

    #[test]
    fn referrers_are_classified_by_host() {
        let c = |r| Channel::classify(None, None, Some(r), Some("acme.com"));
        assert_eq!(
            c("https://www.google.co.uk/search?q=x"),
            Channel::OrganicSearch
        );
        assert_eq!(c("https://www.linkedin.com/feed/"), Channel::Social);
        assert_eq!(c("https://t.co/abc"), Channel::Social);
        assert_eq!(c("https://blog.partner.io/post"), Channel::Referral);
        assert_eq!(c("https://acme.com/pricing"), Channel::Direct);
        assert_eq!(Channel::classify(None, None, None, None), Channel::Direct);
    }
}
