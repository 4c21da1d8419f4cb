//! A realistic, deterministic demo company, so every screen and report has data on first run.
//!
//! `leadline demo` and `leadline serve --demo` write what this module produces through the
//! ordinary capture pipeline: [`company`] is the workspace (users, campaigns with costs, forms,
//! sources) and [`events`] is a year of what prospects did, as plain [`CaptureEvent`]s. Going
//! through the same door as real traffic keeps the demo honest: identity stitching, scoring,
//! qualification and attribution all run on it exactly as in production.
//!
//! Output is a pure function of `(seed, leads, now_ms)`: a hand-written PRNG (no `rand`,
//! whose streams change between versions) and no clock, so tests and screenshots are stable.
//! Generation streams in constant memory, one person at a time.

mod calendar;
mod campaigns;
mod company;
#[rustfmt::skip] // word lists read better as dense tables
mod data;
mod deals;
mod events;
mod journey;
mod measurement;
mod people;
mod rng;
mod routing;
mod sales;
mod story;

use serde::{Deserialize, Serialize};

use crate::capture::Utm;
use crate::form::FormDefinition;
use crate::{CaptureEvent, Channel, Email};

pub use deals::{DealPlan, deal_plan};
pub(crate) use events::Ctx;
pub use events::DemoEvents;
pub use measurement::{DemoChannelCost, DemoMarker, channel_costs, markers};
pub use routing::{rep_calendars, routing_rules};
pub use sales::{SalesStep, sales_history};

pub(crate) const DAY_MS: i64 = 86_400_000;
/// The `origin` of every demo event.
pub const ORIGIN: &str = "demo";

/// The demo workspace: who uses it, what marketing ran, and which forms the site has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoCompany {
    pub name: String,
    /// The vendor's own domain (`admin@` it is the admin user).
    pub domain: String,
    /// ISO 4217 code of every `*_minor` amount.
    pub currency: String,
    pub users: Vec<DemoUser>,
    pub campaigns: Vec<DemoCampaign>,
    pub forms: Vec<DemoForm>,
    /// Names of the event sources (write keys) to create; demo events come from the first.
    pub sources: Vec<String>,
}

/// A person who logs in to the demo workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoUser {
    pub email: Email,
    pub name: String,
    pub title: String,
    pub role: Role,
    /// The sales territory routing rules can assign by (reps only).
    pub territory: Option<String>,
}

/// What a user may do, as `leadline user add --role` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Marketer,
    Sales,
    Viewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Marketer => "marketer",
            Role::Sales => "sales",
            Role::Viewer => "viewer",
        }
    }
}

/// One marketing campaign: what it is, when it ran, and what it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoCampaign {
    pub name: String,
    pub channel: Channel,
    /// When it started; for a dated event (webinar, trade show) when the event began.
    /// Webinar promotion and registrations come in the three weeks before it.
    pub start_ms: i64,
    /// Last moment the campaign ran (now, for campaigns still running). An event's list
    /// import arrives up to four days after it.
    pub end_ms: i64,
    /// Planned spend in minor units (cents).
    pub budget_minor: i64,
    /// UTM tags of the campaign's links, for web campaigns. Events carry
    /// `utm.campaign` = this `utm.campaign` key (a slug), not the display name.
    pub utm: Option<Utm>,
    /// Where the campaign's links point.
    pub landing_url: Option<String>,
    /// Actual spend: `(day_ms, amount_minor)`, day at 00:00 UTC, oldest first; sums to
    /// 95–105 % of the budget.
    pub costs: Vec<(i64, i64)>,
}

/// A form of the demo website.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoForm {
    /// The public key: `POST /f/{key}`.
    pub key: String,
    pub name: String,
    pub definition: FormDefinition,
}

/// The forms, by role; `key()` and `name()` match [`DemoForm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormKind {
    Contact,
    Demo,
    Content,
    Newsletter,
    Webinar,
}

impl FormKind {
    pub(crate) fn key(self) -> &'static str {
        match self {
            FormKind::Contact => "contact-us",
            FormKind::Demo => "demo-request",
            FormKind::Content => "content-download",
            FormKind::Newsletter => "newsletter",
            FormKind::Webinar => "webinar-registration",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            FormKind::Contact => "Contact Us",
            FormKind::Demo => "Request a Demo",
            FormKind::Content => "Download: Ebooks & Whitepapers",
            FormKind::Newsletter => "Newsletter Sign-up",
            FormKind::Webinar => "Webinar Registration",
        }
    }
}

/// The demo company "Northwind Analytics": 12 users, 31 campaigns over 17 channels dated
/// within the year before `now_ms`, 5 forms and one source. Dates and spend vary a little
/// with the seed; names do not.
pub fn company(seed: u64, now_ms: i64) -> DemoCompany {
    DemoCompany {
        name: "Northwind Analytics".into(),
        domain: company::DOMAIN.into(),
        currency: "USD".into(),
        users: company::users(),
        campaigns: campaigns::campaigns(seed, now_ms),
        forms: company::forms(),
        sources: vec!["Website".into()],
    }
}

/// What `leads` people (plus anonymous visitors who never identify) did in the year before
/// `now_ms`, about ten events per lead, streamed one person at a time.
///
/// Each person's events are in time order (anonymous pages before the form or `identify`
/// that stitches them); the stream as a whole is ordered by person, not by time.
/// Message ids are `demo:{seed}:{n}`, so writing the stream twice stores it once.
pub fn events(seed: u64, leads: usize, now_ms: i64) -> DemoEvents {
    DemoEvents::new(seed, leads, now_ms)
}

impl DemoCompany {
    /// The campaign an event's touch belongs to: by the name it states, else by its
    /// `utm_campaign` key.
    pub fn campaign_for(&self, event: &CaptureEvent) -> Option<&DemoCampaign> {
        let wanted = event.touch_campaign()?;
        self.campaigns.iter().find(|c| {
            c.name == wanted || c.utm.as_ref().and_then(|u| u.campaign.as_deref()) == Some(wanted)
        })
    }
}

#[cfg(test)]
mod tests;
