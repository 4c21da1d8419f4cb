//! The demo company's people and forms: who logs in, and what the website asks visitors.

use super::campaigns::{SPECS, WEBINARS};
use super::{DemoForm, DemoUser, FormKind, Role};
use crate::form::{FieldType, FormDefinition, FormField};
use crate::{Channel, Email, Stage};

/// The demo vendor's email domain (reserved `.example`: mail to it can never be delivered).
pub(crate) const DOMAIN: &str = "northwind.example";

#[rustfmt::skip]
const USERS: [(&str, &str, &str, Role, Option<&str>); 12] = [
    ("admin", "Avery Quinn", "Revenue Operations Lead", Role::Admin, None),
    ("maya.patel", "Maya Patel", "Demand Generation Manager", Role::Marketer, None),
    ("jonas.weber", "Jonas Weber", "Marketing Operations Manager", Role::Marketer, None),
    ("liam.oconnor", "Liam O'Connor", "Account Executive", Role::Sales, Some("NA East")),
    ("ethan.brooks", "Ethan Brooks", "Account Executive", Role::Sales, Some("NA West")),
    ("isabella.garcia", "Isabella Garcia", "Sales Development Rep", Role::Sales, Some("NA East")),
    ("marcus.lee", "Marcus Lee", "Sales Development Rep", Role::Sales, Some("NA West")),
    ("grace.thompson", "Grace Thompson", "Account Executive", Role::Sales, Some("UK & Ireland")),
    ("sofia.rossi", "Sofia Rossi", "Account Executive", Role::Sales, Some("EMEA")),
    ("lukas.schmidt", "Lukas Schmidt", "Sales Development Rep", Role::Sales, Some("DACH")),
    ("noah.kim", "Noah Kim", "Account Executive", Role::Sales, Some("APAC")),
    ("daniel.reed", "Daniel Reed", "Chief Financial Officer", Role::Viewer, None),
];

/// The people who use the demo workspace: an admin, two marketers, eight reps over
/// territories the routing rules can use, and a finance viewer who reads the ROI screens.
pub(crate) fn users() -> Vec<DemoUser> {
    USERS
        .iter()
        .map(|&(local, name, title, role, territory)| DemoUser {
            email: Email::parse(&format!("{local}@{DOMAIN}")).expect("demo addresses are valid"),
            name: name.into(),
            title: title.into(),
            role,
            territory: territory.map(Into::into),
        })
        .collect()
}

/// Email addresses of the sales reps, for referrals they log.
pub(crate) fn rep_locals() -> impl Iterator<Item = &'static str> {
    USERS.iter().filter(|u| u.3 == Role::Sales).map(|u| u.0)
}

fn field(name: &str, label: &str, kind: FieldType, required: bool) -> FormField {
    FormField {
        name: name.into(),
        label: label.into(),
        kind,
        required,
        options: vec![],
        placeholder: None,
        capture: None,
        value: None,
    }
}

fn select(name: &str, label: &str, options: &[&str], required: bool) -> FormField {
    FormField {
        options: options.iter().map(|&o| o.into()).collect(),
        ..field(name, label, FieldType::Select, required)
    }
}

/// Hidden inputs the embed script fills from the page, so a form fill keeps the UTM tags and
/// referrer of the visit that led to it.
fn utm_capture() -> Vec<FormField> {
    [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "referrer",
    ]
    .into_iter()
    .map(|c| FormField {
        capture: Some(c.into()),
        ..field(c, "", FieldType::Hidden, false)
    })
    .collect()
}

fn base(fields: Vec<FormField>, channel: Channel, campaign: Option<&str>) -> FormDefinition {
    FormDefinition {
        fields: fields.into_iter().chain(utm_capture()).collect(),
        progressive_fields: vec![],
        max_fields: None,
        consent_text: Some("Send me product news and invitations. Unsubscribe any time.".into()),
        consent_required: false,
        thank_you: Some("Thanks! We'll be in touch shortly.".into()),
        redirect_url: None,
        submit_label: None,
        min_seconds: 3,
        campaign: campaign.map(Into::into),
        channel: Some(channel),
        stage: None,
    }
}

const SIZES: [&str; 7] = [
    "1-10",
    "11-50",
    "51-200",
    "201-500",
    "501-1000",
    "1001-5000",
    "5001+",
];

/// The website's forms. Gated content and webinar registration serve several campaigns, so
/// they name the asset or session in a field and the submission states the campaign.
pub(crate) fn forms() -> Vec<DemoForm> {
    use FieldType::*;
    let who = || {
        vec![
            field("email", "Work email", Email, true),
            field("first_name", "First name", Text, true),
            field("last_name", "Last name", Text, true),
            field("company", "Company", Text, true),
        ]
    };
    let contact = base(
        [
            who(),
            vec![
                field("country", "Country", Country, false),
                field("message", "How can we help?", Textarea, true),
            ],
        ]
        .concat(),
        Channel::WebForm,
        Some(SPECS[super::campaigns::CONTACT_FORM].name),
    );
    let demo = base(
        [
            who(),
            vec![
                field("title", "Job title", Text, true),
                field("phone", "Phone", Tel, false),
                select("company_size", "Company size", &SIZES, true),
                field("country", "Country", Country, true),
                select(
                    "how_did_you_hear",
                    "How did you hear about us?",
                    &super::data::HEARD_ABOUT,
                    false,
                ),
                field("message", "What would you like to see?", Textarea, false),
            ],
        ]
        .concat(),
        Channel::WebForm,
        Some(SPECS[super::campaigns::DEMO_FORM].name),
    );
    let mut content = base(
        [
            who(),
            vec![FormField {
                value: None,
                ..field("asset", "", Hidden, false)
            }],
        ]
        .concat(),
        Channel::ContentDownload,
        None,
    );
    content.progressive_fields = vec![
        field("title", "Job title", Text, false),
        select("company_size", "Company size", &SIZES, false),
        field("country", "Country", Country, false),
        field("phone", "Phone", Tel, false),
    ];
    content.max_fields = Some(4);
    content.thank_you = Some("Your download is on its way to your inbox.".into());
    let mut newsletter = base(
        vec![
            field("email", "Email", Email, true),
            field("first_name", "First name", Text, false),
        ],
        Channel::Email,
        Some(SPECS[super::campaigns::NEWSLETTER].name),
    );
    newsletter.stage = Some(Stage::Subscriber);
    newsletter.consent_required = true;
    let webinars: Vec<&str> = WEBINARS.iter().map(|&i| SPECS[i].name).collect();
    let webinar = base(
        [
            who(),
            vec![
                field("title", "Job title", Text, false),
                field("country", "Country", Country, false),
                select("webinar", "Session", &webinars, true),
            ],
        ]
        .concat(),
        Channel::Webinar,
        None,
    );
    [
        (FormKind::Contact, contact),
        (FormKind::Demo, demo),
        (FormKind::Content, content),
        (FormKind::Newsletter, newsletter),
        (FormKind::Webinar, webinar),
    ]
    .into_iter()
    .map(|(kind, definition)| DemoForm {
        key: kind.key().into(),
        name: kind.name().into(),
        definition,
    })
    .collect()
}
