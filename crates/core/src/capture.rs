//! The capture pipeline's input and its pure decisions.
//!
//! Every way a person reaches Leadline (Segment-spec events, forms, list imports, the API,
//! a rep logging a referral) is turned into a [`CaptureEvent`]; the store applies a batch of
//! them in one transaction using the decisions made here: which lead an event belongs to
//! ([`resolve`]), and how what it says changes the lead's profile ([`merge_profile`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Channel, Email, Stage};

/// What happened, as recorded on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Page,
    Screen,
    Track,
    Identify,
    Group,
    Alias,
    FormSubmitted,
    ListImported,
    ApiCreated,
    ReferralLogged,
}

impl Activity {
    /// The stable name stored in `activities.type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Page => "page",
            Activity::Screen => "screen",
            Activity::Track => "track",
            Activity::Identify => "identify",
            Activity::Group => "group",
            Activity::Alias => "alias",
            Activity::FormSubmitted => "form_submitted",
            Activity::ListImported => "list_imported",
            Activity::ApiCreated => "api_created",
            Activity::ReferralLogged => "referral_logged",
        }
    }

    /// True when the activity is a person deliberately telling us who they are, which makes a
    /// new record a `lead` rather than a `subscriber`.
    pub fn is_hand_raise(self) -> bool {
        matches!(
            self,
            Activity::FormSubmitted
                | Activity::ListImported
                | Activity::ApiCreated
                | Activity::ReferralLogged
        )
    }
}

/// The profile fields a lead carries, as far as capture knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Traits {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    /// Consent to marketing email, when the touch asked for it.
    pub consent: Option<bool>,
    /// Anything else the source told us, kept verbatim under its own name.
    pub custom: BTreeMap<String, String>,
}

/// The names of the standard profile fields, as forms, imports and the API spell them.
pub const PROFILE_FIELDS: [&str; 8] = [
    "email",
    "first_name",
    "last_name",
    "title",
    "phone",
    "company",
    "country",
    "website",
];

impl Traits {
    /// Reads a standard field by its name; `None` for unknown names or empty values.
    pub fn get(&self, field: &str) -> Option<&str> {
        let v = match field {
            "first_name" => &self.first_name,
            "last_name" => &self.last_name,
            "title" => &self.title,
            "phone" => &self.phone,
            "company" => &self.company,
            "country" => &self.country,
            "website" => &self.website,
            _ => {
                return self
                    .custom
                    .get(field)
                    .map(String::as_str)
                    .filter(|v| !v.is_empty());
            }
        };
        v.as_deref().filter(|v| !v.is_empty())
    }

    /// Sets a field by name: a standard field when the name is one, else a custom field.
    /// Blank values are ignored: an empty cell never erases what we know.
    pub fn set(&mut self, field: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let slot = match field {
            "first_name" => &mut self.first_name,
            "last_name" => &mut self.last_name,
            "title" => &mut self.title,
            "phone" => &mut self.phone,
            "company" => &mut self.company,
            "country" => &mut self.country,
            "website" => &mut self.website,
            _ => {
                self.custom.insert(field.to_owned(), value.to_owned());
                return;
            }
        };
        *slot = Some(value.to_owned());
    }

    /// The fields (standard names and custom keys) whose value differs between `self` and
    /// `other`: what a capture changed, so the time each value was set can be recorded.
    pub fn changed_fields(&self, other: &Traits) -> Vec<String> {
        let mut out: Vec<String> = PROFILE_FIELDS[1..]
            .iter()
            .filter(|f| self.get(f) != other.get(f))
            .map(|f| (*f).to_owned())
            .collect();
        let keys: std::collections::BTreeSet<&String> =
            self.custom.keys().chain(other.custom.keys()).collect();
        out.extend(
            keys.into_iter()
                .filter(|k| self.custom.get(*k) != other.custom.get(*k))
                .cloned(),
        );
        out
    }

    /// Splits a full name ("Ada King Lovelace") into first and last when those are missing.
    pub fn set_full_name(&mut self, full: &str) {
        let full = full.trim();
        if full.is_empty() {
            return;
        }
        match full.rsplit_once(' ') {
            Some((first, last)) => {
                self.first_name
                    .get_or_insert_with(|| first.trim().to_owned());
                self.last_name.get_or_insert_with(|| last.trim().to_owned());
            }
            None => {
                self.first_name.get_or_insert_with(|| full.to_owned());
            }
        }
    }

    /// True when the person told us more than an address: a name or a company.
    pub fn has_name_or_company(&self) -> bool {
        self.first_name.is_some() || self.last_name.is_some() || self.company.is_some()
    }
}

/// UTM tags of a touch; `campaign` names the campaign it belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Utm {
    pub source: Option<String>,
    pub medium: Option<String>,
    pub campaign: Option<String>,
    pub term: Option<String>,
    pub content: Option<String>,
}

/// What to do when an incoming record matches a lead we already have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Newer non-empty values replace older ones (the default for live touches).
    #[default]
    Update,
    /// Leave the existing lead untouched.
    Skip,
}

/// One thing that happened, from any source, on its way into the capture pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureEvent {
    /// Idempotency key: an event whose message id was already stored is acknowledged and ignored.
    pub message_id: String,
    pub activity: Activity,
    /// Page name, event name, form name, list name.
    pub name: Option<String>,
    pub anonymous_id: Option<String>,
    pub user_id: Option<String>,
    /// For `alias`: the earlier identity (an anonymous id or a user id).
    pub previous_id: Option<String>,
    pub email: Option<Email>,
    /// An external identifier when a list has no email (e.g. a CRM export's record id).
    pub external_key: Option<String>,
    pub traits: Traits,
    /// For `group`: the company's domain or website.
    pub group_domain: Option<String>,
    /// The channel, when the source states it (an import's `--channel`, a form's setting).
    pub channel: Option<Channel>,
    /// The campaign, by name, when the source states it (an import's `--campaign`).
    pub campaign: Option<String>,
    pub utm: Utm,
    pub referrer: Option<String>,
    pub page_url: Option<String>,
    /// When it happened (epoch ms), already corrected for client clock skew.
    pub occurred_at: i64,
    /// Where it came in: `source:<id>`, `form:<id>`, `import:<id>`, `api:<key id>`, `user:<id>`.
    pub origin: String,
    pub properties: serde_json::Value,
    pub context: serde_json::Value,
    pub on_duplicate: OnDuplicate,
    /// A stage the source asks for on creation (a form configured as a newsletter sign-up).
    pub initial_stage: Option<Stage>,
}

impl CaptureEvent {
    /// A bare event of the given kind; sources fill in what they know.
    pub fn new(
        message_id: impl Into<String>,
        activity: Activity,
        occurred_at: i64,
        origin: impl Into<String>,
    ) -> Self {
        CaptureEvent {
            message_id: message_id.into(),
            activity,
            name: None,
            anonymous_id: None,
            user_id: None,
            previous_id: None,
            email: None,
            external_key: None,
            traits: Traits::default(),
            group_domain: None,
            channel: None,
            campaign: None,
            utm: Utm::default(),
            referrer: None,
            page_url: None,
            occurred_at,
            origin: origin.into(),
            properties: serde_json::Value::Null,
            context: serde_json::Value::Null,
            on_duplicate: OnDuplicate::Update,
            initial_stage: None,
        }
    }

    /// True when the event names a person strongly enough to create a lead.
    pub fn has_strong_identity(&self) -> bool {
        self.email.is_some() || self.user_id.is_some() || self.external_key.is_some()
    }

    /// The channel of this touch: stated by the source, else classified from UTM and referrer.
    pub fn touch_channel(&self) -> Channel {
        self.channel.unwrap_or_else(|| {
            Channel::classify(
                self.utm.medium.as_deref(),
                self.utm.source.as_deref(),
                self.referrer.as_deref(),
                self.page_url
                    .as_deref()
                    .and_then(crate::registrable_domain)
                    .as_deref(),
            )
        })
    }

    /// The channel of this touch: stated by the source, else the team's first matching
    /// UTM rule, else classified from UTM and referrer.
    pub fn touch_channel_with(&self, rules: &crate::channel_rules::ChannelRules) -> Channel {
        if let Some(c) = self.channel {
            return c;
        }
        let touch = crate::channel_rules::Touch {
            utm_medium: self.utm.medium.as_deref(),
            utm_source: self.utm.source.as_deref(),
            utm_campaign: self.utm.campaign.as_deref(),
            referrer: self.referrer.as_deref(),
        };
        match rules.matching(&touch) {
            Some((_, c)) => c,
            None => self.touch_channel(),
        }
    }

    /// The campaign name of this touch: stated by the source, else its `utm_campaign`.
    pub fn touch_campaign(&self) -> Option<&str> {
        self.campaign
            .as_deref()
            .or(self.utm.campaign.as_deref())
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }

    /// The stage a lead created by this event starts in.
    pub fn stage_on_creation(&self) -> Stage {
        self.initial_stage.unwrap_or_else(|| {
            Stage::on_capture(
                self.traits.has_name_or_company(),
                self.activity.is_hand_raise(),
            )
        })
    }
}

mod resolve;
pub use resolve::{Known, Resolution, merge_profile, resolve};
