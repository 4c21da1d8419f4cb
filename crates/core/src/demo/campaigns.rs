//! The demo company's marketing plan: about thirty campaigns over every acquisition channel,
//! with dates, budgets, dated costs and UTM keys.
//!
//! One static table ([`SPECS`]) drives both [`super::company`] and the event generator, so
//! that every touch the generator emits names a campaign that exists, in that campaign's
//! channel and during its dates. `weight` is how many people a campaign brings in relative to
//! the others: search is big, analyst relations small, as in real B2B funnels.

use super::data::{self, SITE};
use super::rng::Rng;
use super::{DAY_MS, DemoCampaign, FormKind};
use crate::Channel;
use crate::capture::Utm;

/// When a campaign runs, in days before "now".
#[derive(Debug, Clone, Copy)]
pub(crate) enum When {
    /// Runs all year (SEO, brand ads, newsletter, referral programmes).
    AlwaysOn,
    /// Runs for `days` starting `ago` days before now.
    Window { ago: i64, days: i64 },
    /// A dated event (trade show, webinar) of `days` days, `ago` days before now, give or take
    /// a few days depending on the seed.
    Event { ago: i64, days: i64 },
}

/// How a campaign brings people in, which decides the shape of their journey.
#[derive(Debug, Clone, Copy)]
pub(crate) enum How {
    /// A tracked link to a landing page (`referrer` is the site the click came from).
    Web {
        landing: (&'static str, &'static str),
        referrer: Option<&'static str>,
    },
    /// A web page promoting a webinar, a registration form, then the attendee list import.
    Webinar {
        landing: (&'static str, &'static str),
    },
    /// A list of people imported after the campaign (badge scans, call sheets, responders).
    Import { list: &'static str },
    /// A sales rep logs the referral by hand.
    Referral,
    /// People arriving on the site untracked who fill a form straight away.
    Direct {
        page: (&'static str, &'static str),
        form: FormKind,
    },
}

/// One campaign of the plan.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec {
    pub name: &'static str,
    pub channel: Channel,
    pub when: When,
    pub budget_usd: i64,
    /// `(utm_source, utm_medium, utm_campaign)`; the medium classifies to `channel`.
    pub utm: Option<(&'static str, &'static str, &'static str)>,
    pub how: How,
    /// Relative number of people first reached by this campaign.
    pub weight: u32,
}

use How::*;
use When::*;

const GOOGLE: Option<&str> = Some("https://www.google.com/");
const LANDING_BI: (&str, &str) = ("Self-Service BI for Finance Teams", "/lp/self-service-bi");

#[rustfmt::skip]
pub(crate) const SPECS: [Spec; 31] = [
    Spec { name: "SEO – Analytics Content Hub", channel: Channel::OrganicSearch, when: AlwaysOn, budget_usd: 48_000,
           utm: Some(("google", "organic", "seo-content-hub")), how: Web { landing: ("Guide: Modern BI", "/resources/guides/modern-bi"), referrer: GOOGLE }, weight: 150 },
    Spec { name: "SEO – Product Pages", channel: Channel::OrganicSearch, when: AlwaysOn, budget_usd: 24_000,
           utm: Some(("bing", "organic", "seo-product-pages")), how: Web { landing: ("Dashboards", "/product/dashboards"), referrer: Some("https://www.bing.com/") }, weight: 90 },
    Spec { name: "Google Ads – Brand", channel: Channel::PaidSearch, when: AlwaysOn, budget_usd: 36_000,
           utm: Some(("google", "cpc", "gads-brand")), how: Web { landing: data::PAGE_HOME, referrer: GOOGLE }, weight: 60 },
    Spec { name: "Google Ads – Generic BI Keywords", channel: Channel::PaidSearch, when: AlwaysOn, budget_usd: 90_000,
           utm: Some(("google", "cpc", "gads-generic-bi")), how: Web { landing: LANDING_BI, referrer: GOOGLE }, weight: 80 },
    Spec { name: "Google Ads – Competitor Keywords", channel: Channel::PaidSearch, when: Window { ago: 270, days: 180 }, budget_usd: 30_000,
           utm: Some(("google", "cpc", "gads-competitors")), how: Web { landing: ("Compare Northwind", "/compare"), referrer: GOOGLE }, weight: 30 },
    Spec { name: "Bing Ads – Generic", channel: Channel::PaidSearch, when: Window { ago: 200, days: 200 }, budget_usd: 18_000,
           utm: Some(("bing", "cpc", "bing-generic")), how: Web { landing: LANDING_BI, referrer: Some("https://www.bing.com/") }, weight: 20 },
    Spec { name: "LinkedIn – Company Page", channel: Channel::Social, when: AlwaysOn, budget_usd: 6_000,
           utm: Some(("linkedin", "social", "li-company-page")), how: Web { landing: data::PAGE_HOME, referrer: Some("https://www.linkedin.com/") }, weight: 35 },
    Spec { name: "X – Product Updates", channel: Channel::Social, when: AlwaysOn, budget_usd: 3_000,
           utm: Some(("twitter", "social", "x-product-updates")), how: Web { landing: ("Blog: What's New", "/blog/whats-new"), referrer: Some("https://t.co/") }, weight: 12 },
    Spec { name: "LinkedIn Sponsored – Finance Leaders", channel: Channel::PaidSocial, when: Window { ago: 150, days: 120 }, budget_usd: 60_000,
           utm: Some(("linkedin", "paid_social", "li-sponsored-finance")), how: Web { landing: ("Forecasting for CFOs", "/lp/forecasting"), referrer: Some("https://www.linkedin.com/") }, weight: 45 },
    Spec { name: "Monthly Newsletter", channel: Channel::Email, when: AlwaysOn, budget_usd: 12_000,
           utm: Some(("newsletter", "email", "monthly-newsletter")), how: Web { landing: ("Blog", "/blog"), referrer: None }, weight: 15 },
    Spec { name: "Nurture – Trial Onboarding", channel: Channel::Email, when: AlwaysOn, budget_usd: 8_000,
           utm: Some(("nurture", "email", "trial-onboarding")), how: Web { landing: ("Product Tour", "/product/tour"), referrer: None }, weight: 0 },
    Spec { name: "Product Launch – Forecasting 2.0", channel: Channel::Email, when: Window { ago: 120, days: 21 }, budget_usd: 5_000,
           utm: Some(("launch", "email", "forecasting-2-launch")), how: Web { landing: ("Forecasting", "/product/forecasting"), referrer: None }, weight: 8 },
    Spec { name: "Webinar: Forecasting with Confidence", channel: Channel::Webinar, when: Event { ago: 250, days: 1 }, budget_usd: 4_000,
           utm: Some(("webinar", "webinar", "wb-forecasting")), how: Webinar { landing: ("Webinar: Forecasting with Confidence", "/webinars/forecasting") }, weight: 25 },
    Spec { name: "Webinar: Data Governance 101", channel: Channel::Webinar, when: Event { ago: 140, days: 1 }, budget_usd: 3_500,
           utm: Some(("webinar", "webinar", "wb-governance-101")), how: Webinar { landing: ("Webinar: Data Governance 101", "/webinars/governance-101") }, weight: 25 },
    Spec { name: "Webinar: Customer 360 Live Demo", channel: Channel::Webinar, when: Event { ago: 35, days: 1 }, budget_usd: 4_500,
           utm: Some(("webinar", "webinar", "wb-customer-360")), how: Webinar { landing: ("Webinar: Customer 360 Live Demo", "/webinars/customer-360") }, weight: 25 },
    Spec { name: "DataConnect Summit 2026", channel: Channel::Tradeshow, when: Event { ago: 290, days: 3 }, budget_usd: 45_000,
           utm: None, how: Import { list: "DataConnect Summit 2026 – booth scans" }, weight: 30 },
    Spec { name: "B2B Marketing Expo London", channel: Channel::Tradeshow, when: Event { ago: 175, days: 2 }, budget_usd: 30_000,
           utm: None, how: Import { list: "B2B Marketing Expo London – badge scans" }, weight: 25 },
    Spec { name: "CloudNative World Berlin", channel: Channel::Tradeshow, when: Event { ago: 60, days: 3 }, budget_usd: 25_000,
           utm: None, how: Import { list: "CloudNative World Berlin – booth scans" }, weight: 20 },
    Spec { name: "Keynote: Revenue Ops Forum", channel: Channel::EventPresentation, when: Event { ago: 100, days: 1 }, budget_usd: 15_000,
           utm: None, how: Import { list: "Revenue Ops Forum – session attendees" }, weight: 12 },
    Spec { name: "Executive Gift Box Mailer", channel: Channel::DirectMail, when: Window { ago: 210, days: 45 }, budget_usd: 22_000,
           utm: None, how: Import { list: "Gift box mailer – responders" }, weight: 10 },
    Spec { name: "Outbound Call Blitz – Q2", channel: Channel::ColdCall, when: Window { ago: 230, days: 60 }, budget_usd: 28_000,
           utm: None, how: Import { list: "Call blitz – interested contacts" }, weight: 25 },
    Spec { name: "Ebook: State of B2B Analytics 2026", channel: Channel::ContentDownload, when: Window { ago: 330, days: 330 }, budget_usd: 15_000,
           utm: Some(("syndication", "content", "ebook-state-of-analytics")), how: Web { landing: ("Ebook: State of B2B Analytics 2026", "/resources/state-of-b2b-analytics"), referrer: Some("https://www.techtarget.com/") }, weight: 55 },
    Spec { name: "Whitepaper: ROI of Self-Service BI", channel: Channel::ContentDownload, when: Window { ago: 160, days: 160 }, budget_usd: 9_000,
           utm: Some(("syndication", "content", "wp-roi-self-service")), how: Web { landing: ("Whitepaper: ROI of Self-Service BI", "/resources/roi-self-service-bi"), referrer: Some("https://www.techtarget.com/") }, weight: 25 },
    Spec { name: "Northwind Blog", channel: Channel::Blog, when: AlwaysOn, budget_usd: 20_000,
           utm: Some(("blog", "blog", "northwind-blog")), how: Web { landing: ("Blog: 7 KPIs Every CFO Should Track", "/blog/cfo-kpis"), referrer: Some("https://blog.northwind.example/") }, weight: 40 },
    Spec { name: "Press Release – Series B", channel: Channel::PressRelease, when: Window { ago: 190, days: 30 }, budget_usd: 12_000,
           utm: Some(("newswire", "pr", "series-b")), how: Web { landing: ("News: Northwind Raises Series B", "/news/series-b"), referrer: Some("https://www.businesswire.com/") }, weight: 10 },
    Spec { name: "Analyst Report – Wave Mention", channel: Channel::Analyst, when: Window { ago: 220, days: 220 }, budget_usd: 40_000,
           utm: Some(("analyst", "analyst", "analyst-wave-2026")), how: Web { landing: ("Analyst Report", "/analyst-report"), referrer: Some("https://www.forrester.com/") }, weight: 7 },
    Spec { name: "Customer Referral Programme", channel: Channel::CustomerReferral, when: AlwaysOn, budget_usd: 10_000,
           utm: None, how: Referral, weight: 30 },
    Spec { name: "Partner Programme – Consultancies", channel: Channel::PartnerReferral, when: AlwaysOn, budget_usd: 25_000,
           utm: None, how: Referral, weight: 28 },
    Spec { name: "Cloud Marketplace Listing", channel: Channel::PartnerReferral, when: Window { ago: 240, days: 240 }, budget_usd: 8_000,
           utm: Some(("marketplace", "partner", "cloud-marketplace")), how: Web { landing: ("Northwind on Cloud Marketplace", "/marketplace"), referrer: Some("https://marketplace.cloud.example/") }, weight: 10 },
    Spec { name: "Website – Contact Form", channel: Channel::WebForm, when: AlwaysOn, budget_usd: 2_400,
           utm: None, how: Direct { page: data::PAGE_CONTACT, form: FormKind::Contact }, weight: 45 },
    Spec { name: "Website – Demo Request Form", channel: Channel::WebForm, when: AlwaysOn, budget_usd: 3_600,
           utm: None, how: Direct { page: data::PAGE_DEMO, form: FormKind::Demo }, weight: 30 },
];

/// Campaign indexes the journeys refer to by role.
pub(crate) const NEWSLETTER: usize = 9;
pub(crate) const NURTURE: usize = 10;
pub(crate) const LAUNCH: usize = 11;
pub(crate) const WEBINARS: [usize; 3] = [12, 13, 14];
pub(crate) const EBOOK: usize = 21;
pub(crate) const WHITEPAPER: usize = 22;
pub(crate) const CONTACT_FORM: usize = 29;
pub(crate) const DEMO_FORM: usize = 30;

/// The campaigns of the plan, dated relative to `now_ms`, with costs, for a seed.
pub(crate) fn campaigns(seed: u64, now_ms: i64) -> Vec<DemoCampaign> {
    let today = now_ms.div_euclid(DAY_MS) * DAY_MS;
    let year_ago = today - 364 * DAY_MS;
    SPECS
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let mut rng = Rng::new(seed, 0xCA4_0000 + i as u64);
            let (start_ms, end_ms) = match spec.when {
                AlwaysOn => (year_ago, now_ms),
                Window { ago, days } => {
                    let start = today - ago * DAY_MS;
                    (start, (start + days * DAY_MS).min(now_ms))
                }
                Event { ago, days } => {
                    let start = today - (ago + rng.range(-6, 6)) * DAY_MS + 9 * 3_600_000;
                    (start, start + days * DAY_MS - 16 * 3_600_000)
                }
            };
            let budget_minor = spec.budget_usd * 100 * rng.range(90, 110) / 100;
            let utm = spec.utm.map(|(source, medium, campaign)| Utm {
                source: Some(source.into()),
                medium: Some(medium.into()),
                campaign: Some(campaign.into()),
                ..Utm::default()
            });
            let costs = costs(&mut rng, spec, start_ms, end_ms, budget_minor, now_ms);
            DemoCampaign {
                name: spec.name.into(),
                channel: spec.channel,
                start_ms,
                end_ms,
                budget_minor,
                utm,
                landing_url: landing(spec).map(|(_, path)| format!("{SITE}{path}")),
                costs,
            }
        })
        .collect()
}

/// The page a campaign's links point at, if it has one.
pub(crate) fn landing(spec: &Spec) -> Option<(&'static str, &'static str)> {
    match spec.how {
        Web { landing, .. } | Webinar { landing } => Some(landing),
        Direct { page, .. } => Some(page),
        Import { .. } | Referral => None,
    }
}

/// Dated costs summing to 95–105 % of the budget: monthly invoices for running campaigns;
/// deposit, event-week and follow-up invoices for dated events. Never after now, never more
/// than a year back.
fn costs(
    rng: &mut Rng,
    spec: &Spec,
    start: i64,
    end: i64,
    budget: i64,
    now_ms: i64,
) -> Vec<(i64, i64)> {
    let day = |t: i64| t.div_euclid(DAY_MS) * DAY_MS;
    let earliest = day(now_ms) - 364 * DAY_MS;
    let dates: Vec<i64> = match spec.when {
        Event { .. } => vec![
            (day(start) - 45 * DAY_MS).max(earliest),
            day(start),
            (day(end) + 10 * DAY_MS).min(day(now_ms)),
        ],
        _ => (0..)
            .map(|m| day(start) + m * 30 * DAY_MS)
            .take_while(|&d| d <= end.min(now_ms))
            .collect(),
    };
    let shares: Vec<i64> = match spec.when {
        Event { .. } => vec![50, 35, 15],
        _ => dates.iter().map(|_| rng.range(90, 110)).collect(),
    };
    let target = budget * rng.range(950, 1050) / 1000;
    let total: i64 = shares.iter().sum();
    let mut out: Vec<(i64, i64)> = dates
        .iter()
        .zip(&shares)
        .map(|(&d, &s)| (d, target * s / total))
        .collect();
    let rounding = target - out.iter().map(|c| c.1).sum::<i64>();
    if let Some(last) = out.last_mut() {
        last.1 += rounding;
    }
    out
}
