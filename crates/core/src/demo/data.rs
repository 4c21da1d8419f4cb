//! Word lists the demo draws people, companies and pages from.
//!
//! Kept as static tables so that generating a person allocates only the strings that end up
//! in events. Names are common ones across the countries the demo sells to; companies are
//! built from parts so that thousands of distinct accounts exist without a huge list.

/// The demo vendor's own web host; reserved `.example` names never route to a real mailbox.
pub(crate) const SITE: &str = "https://www.northwind.example";

pub(crate) const FIRST_NAMES: [&str; 64] = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Carlos", "Karen", "Priya", "Aisha", "Wei", "Mei", "Hiroshi", "Yuki", "Lukas",
    "Anna", "Felix", "Lena", "Oliver", "Amelia", "Harry", "Olivia", "Jack", "Isla", "Noah",
    "Emma", "Liam", "Sophie", "Mateo", "Lucia", "Hugo", "Chloe", "Lars", "Ingrid", "Arjun",
    "Ananya", "Rahul", "Fatima", "Omar", "Leila", "Daniel", "Grace", "Samuel", "Zoe",
    "Pedro", "Ana", "Marco", "Giulia", "Pierre", "Camille", "Sven", "Freya",
];

pub(crate) const LAST_NAMES: [&str; 80] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
    "Campbell", "Mitchell", "Roberts", "Carter", "Patel", "Shah", "Singh", "Kumar", "Chen",
    "Wang", "Li", "Zhang", "Tanaka", "Sato", "Suzuki", "Kim", "Park", "Nguyen", "Mueller",
    "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Dubois", "Bernard", "Laurent",
    "Rossi", "Russo", "Ferrari", "Silva", "Santos", "Oliveira", "Jansen", "de Vries",
    "Bakker", "Andersson", "Johansson", "Nielsen", "Hansen", "O'Brien", "Murphy", "Kelly",
    "Walsh",
];

/// Names people type when they do not want to give theirs.
pub(crate) const JUNK_NAMES: [(&str, &str); 10] = [
    ("asdf", "asdf"), ("Test", "Test"), ("qwerty", "uiop"), ("jkjkjk", "lklk"),
    ("Mickey", "Mouse"), ("a", "b"), ("xxx", "xxx"), ("sdfsdf", "sdf"), ("N/A", "N/A"),
    ("Donald", "Duck"),
];
pub(crate) const JUNK_DOMAINS: [&str; 5] =
    ["test.com", "asdf.com", "example.com", "mailinator.com", "aaa.com"];
pub(crate) const JUNK_LOCALS: [&str; 5] = ["test", "asdf", "noreply", "a", "fake"];

/// Consumer mailbox providers, by rough popularity (all are in the free-mail list).
pub(crate) const FREE_MAIL: [(&str, u32); 7] = [
    ("gmail.com", 55), ("yahoo.com", 12), ("outlook.com", 10), ("hotmail.com", 10),
    ("icloud.com", 6), ("aol.com", 3), ("gmx.de", 4),
];

/// Universities (fictional names on academic suffixes, so the student rules can spot them).
pub(crate) const UNIVERSITIES: [(&str, &str); 8] = [
    ("Lakeside State University", "lakeside-state.edu"),
    ("Northfield Institute of Technology", "nit-northfield.edu"),
    ("Westbrook College", "westbrook.edu"),
    ("Pinecrest University", "pinecrest.edu"),
    ("University of Kingsbridge", "kingsbridge.ac.uk"),
    ("Ashford Business School", "ashford.ac.uk"),
    ("Riverside Community College", "riverside-cc.edu"),
    ("Coastal Metropolitan University", "coastalmet.edu"),
];
pub(crate) const STUDENT_TITLES: [&str; 4] =
    ["Student", "MBA Candidate", "Graduate Student", "PhD Student"];

/// Vendors that compete with the demo company and come to read its pricing.
pub(crate) const COMPETITORS: [(&str, &str); 4] = [
    ("Contoso Insights", "contoso-insights.example"),
    ("Fabrikam BI", "fabrikam-bi.example"),
    ("Tailspin Metrics", "tailspin-metrics.example"),
    ("Litware Analytics", "litware.example"),
];
pub(crate) const COMPETITOR_TITLES: [&str; 4] = [
    "Product Marketing Manager", "Competitive Intelligence Analyst", "Product Manager",
    "Solutions Engineer",
];

/// Job titles by seniority, with how often each seniority shows up among buyers.
pub(crate) const TITLES: [(&[&str], u32); 5] = [
    (&["CEO", "CFO", "CTO", "CMO", "COO", "Chief Data Officer", "Chief Revenue Officer"], 6),
    (&["VP of Finance", "VP of Sales", "VP Marketing", "VP of Engineering", "VP Operations",
       "VP of Data"], 11),
    (&["Director of Analytics", "Director of IT", "Finance Director", "Marketing Director",
       "Director of Data Engineering", "Head of Revenue Operations"], 21),
    (&["Analytics Manager", "BI Manager", "IT Manager", "Marketing Operations Manager",
       "Finance Manager", "Sales Operations Manager"], 30),
    (&["Data Analyst", "Business Analyst", "Financial Analyst", "Data Engineer",
       "Marketing Analyst", "Software Engineer", "Consultant"], 32),
];

pub(crate) const INDUSTRIES: [(&str, u32); 12] = [
    ("Software", 20), ("Financial Services", 13), ("Retail", 9), ("Healthcare", 9),
    ("Manufacturing", 11), ("Logistics", 7), ("Professional Services", 9), ("Media", 5),
    ("Telecommunications", 4), ("Energy", 4), ("Education", 5), ("Government", 4),
];

pub(crate) const COMPANY_SIZES: [(&str, u32); 7] = [
    ("1-10", 9), ("11-50", 16), ("51-200", 22), ("201-500", 19), ("501-1000", 12),
    ("1001-5000", 13), ("5001+", 9),
];

/// Countries (ISO 3166 alpha-2) with the skew of an English-speaking, US-led SaaS vendor.
pub(crate) const COUNTRIES: [(&str, u32); 18] = [
    ("US", 440), ("GB", 120), ("DE", 70), ("CA", 60), ("FR", 45), ("NL", 35), ("AU", 40),
    ("IN", 45), ("SE", 18), ("ES", 20), ("IT", 18), ("BR", 22), ("JP", 12), ("SG", 12),
    ("IE", 15), ("CH", 12), ("MX", 10), ("ZA", 6),
];

/// Company names are `prefix + core + kind`; 32 × 32 × 16 = 16,384 before numbering.
pub(crate) const CO_PREFIX: [&str; 32] = [
    "Blue", "Red", "Silver", "Golden", "North", "South", "East", "West", "Bright", "Clear",
    "Swift", "Iron", "Green", "Summit", "Harbor", "Pioneer", "Granite", "Maple", "Cedar",
    "Atlas", "Crescent", "Evergreen", "Falcon", "Horizon", "Lunar", "Meridian", "Nova",
    "Orion", "Pacific", "Quantum", "Redwood", "Sterling",
];
pub(crate) const CO_CORE: [&str; 32] = [
    "peak", "river", "stone", "field", "bridge", "wave", "point", "gate", "wood", "light",
    "path", "line", "star", "rock", "lake", "vale", "crest", "forge", "hill", "port",
    "brook", "ridge", "shore", "spring", "tower", "works", "leaf", "cloud", "arc", "mark",
    "wind", "haven",
];
/// `(name word, domain word, industry)`; an empty industry is drawn from [`INDUSTRIES`].
pub(crate) const CO_KIND: [(&str, &str, &str); 16] = [
    ("Logistics", "logistics", "Logistics"), ("Health", "health", "Healthcare"),
    ("Capital", "capital", "Financial Services"), ("Retail", "retail", "Retail"),
    ("Systems", "systems", "Software"), ("Foods", "foods", "Manufacturing"),
    ("Energy", "energy", "Energy"), ("Media", "media", "Media"),
    ("Manufacturing", "mfg", "Manufacturing"), ("Labs", "labs", "Software"),
    ("Partners", "partners", ""), ("Software", "software", "Software"), ("Group", "group", ""),
    ("Insurance", "insurance", "Financial Services"), ("Telecom", "telecom", "Telecommunications"),
    ("Consulting", "consulting", "Professional Services"),
];

/// Pages of the demo company's website: `(name, path)`.
pub(crate) const PAGE_HOME: (&str, &str) = ("Home", "/");
pub(crate) const PAGE_PRICING: (&str, &str) = ("Pricing", "/pricing");
pub(crate) const PAGE_CONTACT: (&str, &str) = ("Contact Us", "/contact");
pub(crate) const PAGE_DEMO: (&str, &str) = ("Request a Demo", "/demo");
pub(crate) const PAGE_SIGNUP: (&str, &str) = ("Start a Free Trial", "/signup");
pub(crate) const PAGE_NEWSLETTER: (&str, &str) = ("Newsletter", "/newsletter");

/// What buyers browse after landing.
pub(crate) const BUYER_PAGES: [(&str, &str); 10] = [
    ("Product Tour", "/product/tour"), ("Dashboards", "/product/dashboards"),
    ("Forecasting", "/product/forecasting"), ("Integrations", "/integrations"),
    ("Customers", "/customers"), ("Case Study: Harborline Foods", "/customers/harborline"),
    ("Security", "/security"), PAGE_PRICING, ("Compare Northwind", "/compare"),
    ("ROI Calculator", "/roi-calculator"),
];
/// What students, job seekers and freebie seekers browse.
pub(crate) const READER_PAGES: [(&str, &str); 8] = [
    ("Blog", "/blog"), ("Blog: 7 KPIs Every CFO Should Track", "/blog/cfo-kpis"),
    ("Blog: Cohort Analysis in 10 Minutes", "/blog/cohort-analysis"),
    ("Resources", "/resources"), ("Careers", "/careers"), ("About", "/about"),
    ("Docs: Getting Started", "/docs/getting-started"), ("Glossary: What is ELT?", "/glossary/elt"),
];

/// Event names a product-led site sends with `track`.
pub(crate) const TRACK_PRICING: &str = "Pricing Viewed";
pub(crate) const TRACK_DEMO: &str = "Demo Requested";
pub(crate) const TRACK_TRIAL: &str = "Trial Started";
pub(crate) const TRACK_ENGAGED: [&str; 4] = [
    "Product Tour Completed", "ROI Calculator Used", "Integration Docs Viewed",
    "Case Study Viewed",
];

/// What people write in a form's message box: a few themes, so listening has signal.
pub(crate) const BUYER_MESSAGES: [&str; 12] = [
    "We are replacing spreadsheets for our monthly board reporting and need forecasting.",
    "Do you integrate with Salesforce and Snowflake? We need both on day one.",
    "What does pricing look like for about 40 users? Budget is approved for Q3.",
    "Our security team needs your SOC 2 report and details on SSO/SAML before a trial.",
    "Looking to consolidate three BI tools into one; can you migrate Tableau dashboards?",
    "Need better visibility into pipeline and revenue by region for our CRO.",
    "Can we embed dashboards in our customer portal? White-labelling is a must.",
    "Our current vendor's renewal is coming up and the price went up 30%.",
    "Interested in the forecasting module after the webinar; can we see it on our data?",
    "We need GDPR-compliant hosting in the EU. Is a Frankfurt region available?",
    "How long does a typical implementation take with a two-person data team?",
    "Please send a quote for the Enterprise plan including premium support.",
];
pub(crate) const OTHER_MESSAGES: [&str; 6] = [
    "I'm writing my thesis on BI adoption, could I interview someone from your team?",
    "Is there a free student licence?",
    "Are you hiring data engineers? I'd love to apply.",
    "Just want the ebook, please stop calling me.",
    "asdfasdf",
    "We offer SEO services that can 10x your traffic, reply for a free audit!",
];
pub(crate) const HEARD_ABOUT: [&str; 7] = [
    "Search engine", "LinkedIn", "Colleague or friend", "Analyst report", "Event",
    "Podcast", "Other",
];

/// What someone whose session came through `channel` says when asked how they heard of us
/// (`roll` below twice the answers): half the time what people typically remember instead of
/// the measured touch ("Google" after a paid ad, "a colleague" after a webinar, "an analyst
/// report" after press coverage), else any answer.
pub(crate) fn heard_about(channel: crate::Channel, roll: usize) -> &'static str {
    use crate::Channel as C;
    if roll >= HEARD_ABOUT.len() {
        return HEARD_ABOUT[roll - HEARD_ABOUT.len()];
    }
    match channel {
        C::PaidSearch | C::OrganicSearch | C::Display => "Google",
        C::Webinar | C::Email | C::ContentDownload => "A colleague told me",
        C::PressRelease | C::Analyst | C::Blog => "Analyst report",
        C::Social | C::PaidSocial => "LinkedIn",
        C::Tradeshow | C::EventPresentation => "Saw you at a conference",
        _ => HEARD_ABOUT[roll],
    }
}

/// Consultancies in the partner programme, credited on the referrals they make.
pub(crate) const PARTNERS: [&str; 4] = [
    "Crestline Consulting", "Bluebird Data Partners", "Ironwood Advisory",
    "Northstar Systems Integrators",
];
