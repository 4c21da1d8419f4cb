//! Header names we recognise: the generic table every import uses, and presets for the
//! exports of the CRMs and marketing tools our users leave (HubSpot, Salesforce, Mautic).
//!
//! Headers are compared in compact form (lower-case letters and digits only), so spacing,
//! punctuation and case never matter. A preset only lists what the generic table would get
//! wrong or miss for that tool (chiefly its record-id column, which becomes the key).

use super::mapping::Target;

/// An export format whose columns we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Preset {
    /// HubSpot contact export (`Record ID`, `Phone Number`, `Country/Region`, `Website URL`).
    HubSpot,
    /// Salesforce lead export or report (`Lead ID`, `Company / Account`, `Email Opt Out`).
    Salesforce,
    /// Mautic contact export (`id`, `firstname`, `position`, `doNotContact`).
    Mautic,
}

impl Preset {
    pub fn parse(s: &str) -> Option<Preset> {
        match s.trim().to_ascii_lowercase().as_str() {
            "hubspot" => Some(Preset::HubSpot),
            "salesforce" | "sfdc" => Some(Preset::Salesforce),
            "mautic" => Some(Preset::Mautic),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::HubSpot => "hubspot",
            Preset::Salesforce => "salesforce",
            Preset::Mautic => "mautic",
        }
    }

    /// The target this tool means by a (compact) header, when it differs from the generic.
    pub(crate) fn target(self, compact: &str) -> Option<Target> {
        let custom = |n: &str| Some(Target::Custom(n.to_owned()));
        match (self, compact) {
            (Preset::HubSpot, "recordid" | "contactid" | "hubspotid") => Some(Target::Key),
            (Preset::HubSpot, "mobilephonenumber") => custom("mobile_phone_number"),
            (Preset::HubSpot, "associatedcompany") => custom("associated_company"),
            (Preset::Salesforce, "leadid" | "contactid" | "id") => Some(Target::Key),
            (Preset::Salesforce, "companyaccount" | "company") => Some(Target::Profile("company")),
            (Preset::Salesforce, "accountname") => custom("account_name"),
            (Preset::Salesforce, "mobile" | "mobilephone") => custom("mobile"),
            (Preset::Salesforce, "emailoptout" | "hasoptedoutofemail") => Some(Target::OptOut),
            (Preset::Mautic, "id") => Some(Target::Key),
            (Preset::Mautic, "position") => Some(Target::Profile("title")),
            (Preset::Mautic, "mobile") => custom("mobile"),
            (Preset::Mautic, "donotcontact") => Some(Target::OptOut),
            _ => None,
        }
    }
}

/// The generic guess for a compact header, with its rank (0 = the most specific name, which
/// wins when two columns claim the same target).
pub(crate) fn generic(compact: &str) -> Option<(Target, u8)> {
    use Target::*;
    let p = Profile;
    let t = match compact {
        "email" | "emailaddress" | "primaryemail" => (Email, 0),
        "touchedat" | "date" | "touchdate" | "scannedat" | "scandate" | "attendedat"
        | "eventdate" => (TouchedAt, 0),
        "workemail" | "businessemail" | "workemailaddress" | "businessemailaddress" => (Email, 1),
        "contactemail" | "emailid" | "mail" => (Email, 2),
        "personalemail" | "personalemailaddress" | "otheremail" => (Email, 3),
        "firstname" | "givenname" | "forename" | "fname" => (p("first_name"), 0),
        "lastname" | "surname" | "familyname" | "lname" => (p("last_name"), 0),
        "name" | "fullname" | "contactname" | "leadname" | "contact" => (FullName, 0),
        "jobtitle" | "title" => (p("title"), 0),
        "position" | "role" | "jobrole" | "designation" | "jobposition" => (p("title"), 1),
        "phone" | "phonenumber" | "telephone" | "telephonenumber" | "tel" => (p("phone"), 0),
        "workphone" | "businessphone" | "officephone" | "directphone" => (p("phone"), 1),
        "mobile" | "mobilephone" | "mobilephonenumber" | "mobilenumber" | "cell" | "cellphone" => {
            (p("phone"), 2)
        }
        "company" | "companyname" | "organization" | "organisation" | "companyaccount" => {
            (p("company"), 0)
        }
        "accountname" | "account" | "employer" | "organizationname" => (p("company"), 1),
        "country" | "countryregion" | "countryname" => (p("country"), 0),
        "website" | "websiteurl" | "web" | "webaddress" => (p("website"), 0),
        "companywebsite" | "companyurl" | "url" | "homepage" => (p("website"), 1),
        "optin" | "emailoptin" | "consent" | "marketingconsent" | "emailconsent" => (Consent, 0),
        "gdprconsent" | "marketingoptin" | "acceptsmarketing" | "subscribed" => (Consent, 1),
        "emailoptout" | "optout" | "donotemail" | "hasoptedoutofemail" => (OptOut, 0),
        "unsubscribed" | "emailunsubscribed" | "unsubscribedfromallemail" => (OptOut, 1),
        "utmsource" => (Utm("utm_source"), 0),
        "utmmedium" => (Utm("utm_medium"), 0),
        "utmcampaign" => (Utm("utm_campaign"), 0),
        "utmterm" => (Utm("utm_term"), 0),
        "utmcontent" => (Utm("utm_content"), 0),
        _ => return None,
    };
    Some(t)
}
