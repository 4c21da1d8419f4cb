//! One lead's year: how they first arrived, what made them raise a hand, and what they did
//! afterwards, as time-ordered capture events.
//!
//! Every person is generated from their own PRNG stream (seed, index), so a journey depends
//! on nothing generated before it: output is reproducible and could be split across threads.

use std::collections::VecDeque;

pub(crate) use super::calendar::{HOUR_MS, business_time, working_hours};
use super::campaigns::{self as plan, How, SPECS, When};
use super::data::{self, SITE};
use super::people::{Person, Persona};
use super::rng::Rng;
use super::{Ctx, DAY_MS, FormKind};
use crate::Stage;
use crate::capture::{Activity, CaptureEvent, Utm};

const SEC_MS: i64 = 1_000;

/// Where a browsing session came from.
#[derive(Clone, Copy)]
pub(crate) enum Entry {
    /// A tracked link of a campaign: UTM tags, the campaign's landing page and referrer.
    Campaign(usize),
    /// A search for the brand: referrer Google, no tags.
    Organic,
    /// A typed URL or bookmark.
    Direct,
}

/// Progress flags, so a person does not request two demos or download the same ebook twice.
pub(crate) const DID_DEMO: u8 = 1;
pub(crate) const DID_TRIAL: u8 = 2;
pub(crate) const DID_NEWSLETTER: u8 = 4;
pub(crate) const DID_CONTENT: u8 = 8;
pub(crate) const DID_WEBINAR: u8 = 16;

pub(crate) struct Journey<'a> {
    pub ctx: &'a Ctx,
    pub rng: Rng,
    pub p: Person,
    pub index: usize,
    pub anon: String,
    pub out: &'a mut VecDeque<CaptureEvent>,
    pub t: i64,
    /// The anonymous visitor is known to belong to this person (they identified on it).
    pub stitched: bool,
    /// The campaign of the current web session, which hidden form fields capture.
    session: Option<usize>,
    pub did: u8,
}

/// A visitor id shaped like the UUIDs analytics libraries set: random bits from the stream,
/// the visitor number in the last group, so ids are unique by construction.
pub(crate) fn visitor_id(rng: &mut Rng, number: u64) -> String {
    let r = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        r >> 32,
        (r >> 16) & 0xffff,
        r & 0xfff,
        (r >> 12) & 0xfff,
        number
    )
}

/// Joins strings with one allocation (`format!` is measurably slower on this hot path).
fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| s.push_str(p));
    s
}

fn utm_of(c: usize) -> Utm {
    match SPECS[c].utm {
        Some((s, m, k)) => Utm {
            source: Some(s.into()),
            medium: Some(m.into()),
            campaign: Some(k.into()),
            ..Utm::default()
        },
        None => Utm::default(),
    }
}

impl<'a> Journey<'a> {
    pub(crate) fn new(
        ctx: &'a Ctx,
        rng: Rng,
        p: Person,
        index: usize,
        anon: String,
        out: &'a mut VecDeque<CaptureEvent>,
    ) -> Self {
        Journey {
            ctx,
            rng,
            p,
            index,
            anon,
            out,
            t: 0,
            stitched: false,
            session: None,
            did: 0,
        }
    }

    fn event(&self, activity: Activity) -> CaptureEvent {
        CaptureEvent::new(String::new(), activity, self.t, super::ORIGIN)
    }

    /// An event carrying who the person is (email, or the CRM key of a list without one).
    fn identified(&self, activity: Activity) -> CaptureEvent {
        let mut e = self.event(activity);
        e.email = self.p.email.clone();
        e.external_key = self.p.external_key.clone();
        e
    }

    pub(crate) fn page(&mut self, (name, path): (&str, &str), entry: Option<Entry>) {
        let mut e = self.event(Activity::Page);
        e.name = Some(name.into());
        e.anonymous_id = Some(self.anon.clone());
        match entry {
            Some(Entry::Campaign(c)) => {
                let (s, m, k) = SPECS[c].utm.unwrap_or(("", "", ""));
                e.page_url = Some(concat(&[
                    SITE,
                    path,
                    "?utm_source=",
                    s,
                    "&utm_medium=",
                    m,
                    "&utm_campaign=",
                    k,
                ]));
                e.utm = utm_of(c);
                if let How::Web { referrer, .. } = SPECS[c].how {
                    e.referrer = referrer.map(Into::into);
                }
            }
            Some(Entry::Organic) => {
                e.page_url = Some(concat(&[SITE, path]));
                e.referrer = Some("https://www.google.com/".into());
            }
            Some(Entry::Direct) => e.page_url = Some(concat(&[SITE, path])),
            None => {
                e.page_url = Some(concat(&[SITE, path]));
                e.referrer = Some(SITE.into());
            }
        }
        self.out.push_back(e);
    }

    /// A browsing session: the entry page, then `extra` pages a few seconds to minutes apart.
    pub(crate) fn session(&mut self, entry: Entry, extra: usize) {
        self.session = match entry {
            Entry::Campaign(c) if SPECS[c].utm.is_some() => Some(c),
            _ => None,
        };
        let landing = match entry {
            Entry::Campaign(c) => plan::landing(&SPECS[c]).unwrap_or(data::PAGE_HOME),
            _ => *self
                .rng
                .pick(&[data::PAGE_HOME, data::PAGE_PRICING, data::PAGE_HOME]),
        };
        self.page(landing, Some(entry));
        self.browse(extra);
    }

    pub(crate) fn browse(&mut self, pages: usize) {
        for _ in 0..pages {
            self.t += self.rng.range(15 * SEC_MS, 4 * 60 * SEC_MS);
            let page = match self.p.persona {
                Persona::Buyer | Persona::Competitor if self.rng.chance(850) => {
                    *self.rng.pick(&data::BUYER_PAGES)
                }
                Persona::Junk => data::PAGE_HOME,
                _ => *self.rng.pick(&data::READER_PAGES),
            };
            self.page(page, None);
        }
    }

    /// A form fill, after the visitor opens the form's page; `campaign` is the one the
    /// submission states (the form's own, or the asset or session it names).
    pub(crate) fn form(&mut self, kind: FormKind, campaign: usize) {
        let page = match kind {
            FormKind::Contact => data::PAGE_CONTACT,
            FormKind::Demo => data::PAGE_DEMO,
            FormKind::Newsletter => data::PAGE_NEWSLETTER,
            FormKind::Content | FormKind::Webinar => {
                plan::landing(&SPECS[campaign]).unwrap_or(data::PAGE_HOME)
            }
        };
        if self
            .out
            .back()
            .and_then(|e| e.page_url.as_deref())
            .is_none_or(|u| !u.contains(page.1))
        {
            self.t += self.rng.range(10 * SEC_MS, 90 * SEC_MS);
            self.page(page, None);
        }
        self.t += self.rng.range(20 * SEC_MS, 180 * SEC_MS);
        let mut e = self.identified(Activity::FormSubmitted);
        e.name = Some(kind.name().into());
        e.anonymous_id = Some(self.anon.clone());
        e.channel = Some(SPECS[campaign].channel);
        e.campaign = Some(SPECS[campaign].name.into());
        if let Some(s) = self.session {
            e.utm = utm_of(s);
        }
        e.traits = self.form_traits(kind, campaign);
        let mut props = serde_json::Map::new();
        props.insert("form_key".into(), kind.key().into());
        match kind {
            FormKind::Content => props.insert("asset".into(), SPECS[campaign].name.into()),
            FormKind::Webinar => props.insert("webinar".into(), SPECS[campaign].name.into()),
            _ => None,
        };
        e.properties = serde_json::Value::Object(props);
        if kind == FormKind::Newsletter {
            e.initial_stage = Some(Stage::Subscriber);
        }
        self.out.push_back(e);
        self.stitched = true;
        self.did |= match kind {
            FormKind::Demo => DID_DEMO,
            FormKind::Newsletter => DID_NEWSLETTER,
            FormKind::Content => DID_CONTENT,
            FormKind::Webinar => DID_WEBINAR,
            FormKind::Contact => 0,
        };
        if kind == FormKind::Demo {
            self.track(data::TRACK_DEMO);
        }
    }

    fn form_traits(&mut self, kind: FormKind, campaign: usize) -> crate::Traits {
        let detail = match kind {
            FormKind::Demo | FormKind::Webinar => true,
            FormKind::Content => self.did & DID_CONTENT != 0, // progressive profiling
            _ => false,
        };
        let mut t = self.p.traits(detail);
        match kind {
            FormKind::Newsletter => {
                (t.last_name, t.company) = (None, None);
            }
            FormKind::Contact | FormKind::Demo => {
                let buyer = matches!(self.p.persona, Persona::Buyer | Persona::Competitor);
                if kind == FormKind::Contact || self.rng.chance(600) {
                    let message = if buyer {
                        *self.rng.pick(&data::BUYER_MESSAGES)
                    } else {
                        data::OTHER_MESSAGES[match self.p.persona {
                            Persona::Student => self.rng.below(3) as usize,
                            Persona::Freebie => 3,
                            _ => 4 + self.rng.below(2) as usize,
                        }]
                    };
                    t.custom.insert("message".into(), message.into());
                }
                if kind == FormKind::Demo {
                    let roll = self.rng.below(data::HEARD_ABOUT.len() as u64 * 2) as usize;
                    let heard = data::heard_about(SPECS[campaign].channel, roll);
                    t.custom.insert("how_did_you_hear".into(), heard.into());
                }
            }
            FormKind::Webinar => {
                t.custom
                    .insert("webinar".into(), SPECS[campaign].name.into());
            }
            FormKind::Content => {}
        }
        t.consent = Some(self.rng.chance(550));
        t
    }

    pub(crate) fn track(&mut self, name: &str) {
        self.t += self.rng.range(2 * SEC_MS, 60 * SEC_MS);
        let mut e = self.identified(Activity::Track);
        e.name = Some(name.into());
        e.anonymous_id = Some(self.anon.clone());
        self.out.push_back(e);
    }

    /// An `identify` on the current visitor: a trial sign-up, or a click on a personalised
    /// email link. It stitches the visitor's earlier anonymous pages to the person.
    pub(crate) fn identify(&mut self) {
        self.t += self.rng.range(5 * SEC_MS, 60 * SEC_MS);
        let mut e = self.identified(Activity::Identify);
        e.anonymous_id = Some(self.anon.clone());
        e.traits = self.p.traits(false);
        self.out.push_back(e);
        self.stitched = true;
    }

    /// A product trial: the sign-up page, an `identify`, then "Trial Started".
    pub(crate) fn trial(&mut self) {
        self.t += self.rng.range(10 * SEC_MS, 90 * SEC_MS);
        self.page(data::PAGE_SIGNUP, None);
        self.identify();
        self.track(data::TRACK_TRIAL);
        self.did |= DID_TRIAL;
    }

    /// A row of an imported list (badge scans, call sheets, responders, attendees).
    pub(crate) fn import(&mut self, c: usize, list: &str, attended: Option<bool>) {
        let mut e = self.identified(Activity::ListImported);
        e.name = Some(list.into());
        e.channel = Some(SPECS[c].channel);
        e.campaign = Some(SPECS[c].name.into());
        e.traits = self.p.traits(true);
        let mut props = serde_json::Map::new();
        props.insert("list".into(), list.into());
        if let Some(a) = attended {
            props.insert("attended".into(), a.into());
        }
        e.properties = serde_json::Value::Object(props);
        self.out.push_back(e);
    }

    /// A referral a rep typed in, crediting the customer or partner who made it.
    pub(crate) fn referral(&mut self, c: usize) {
        let mut e = self.identified(Activity::ReferralLogged);
        e.name = Some("Referral".into());
        e.channel = Some(SPECS[c].channel);
        e.campaign = Some(SPECS[c].name.into());
        e.traits = self.p.traits(true);
        let by = if SPECS[c].channel == crate::Channel::PartnerReferral {
            (*self.rng.pick(&data::PARTNERS)).to_owned()
        } else {
            let first = self.rng.pick(&data::FIRST_NAMES);
            format!("{first} {} (customer)", self.rng.pick(&data::LAST_NAMES))
        };
        let rep = self.rng.pick(&self.ctx.reps).clone();
        e.properties = serde_json::json!({ "referred_by": by, "logged_by": rep });
        self.out.push_back(e);
    }

    /// The campaign's usable time range for a first touch, leaving `margin` before now for
    /// what follows.
    pub(crate) fn first_touch_time(&mut self, c: usize, margin: i64) -> i64 {
        let k = &self.ctx.campaigns[c];
        let hi = k.end_ms.min(self.ctx.now - margin).max(k.start_ms);
        let growth = matches!(SPECS[c].when, When::AlwaysOn);
        business_time(&mut self.rng, k.start_ms, hi, growth)
    }

    pub(crate) fn active(&self, c: usize) -> bool {
        let k = &self.ctx.campaigns[c];
        k.start_ms <= self.t && self.t <= k.end_ms
    }

    /// A webinar whose date is between one hour and three weeks (its promotion) from now-in-the-journey.
    pub(crate) fn upcoming_webinar(&self) -> Option<usize> {
        plan::WEBINARS.into_iter().find(|&w| {
            let start = self.ctx.campaigns[w].start_ms;
            start > self.t + HOUR_MS && start < self.t + 21 * DAY_MS && start < self.ctx.now
        })
    }

    /// A gated asset running now that this person has not downloaded yet.
    pub(crate) fn open_asset(&self) -> Option<usize> {
        if self.did & DID_CONTENT != 0 {
            return None;
        }
        match [plan::EBOOK, plan::WHITEPAPER].map(|a| self.active(a)) {
            [true, true] => Some(if self.index.is_multiple_of(3) {
                plan::WHITEPAPER
            } else {
                plan::EBOOK
            }),
            [true, false] => Some(plan::EBOOK),
            [false, true] => Some(plan::WHITEPAPER),
            [false, false] => None,
        }
    }

    /// Registers for a webinar and, two times in three, attends (the attendee list import).
    pub(crate) fn webinar(&mut self, w: usize) {
        self.form(FormKind::Webinar, w);
        let start = self.ctx.campaigns[w].start_ms;
        if self.rng.chance(650) && start > self.t {
            self.t = start + self.rng.range(60 * SEC_MS, 20 * 60 * SEC_MS);
            let list = format!("{} – attendees", SPECS[w].name);
            self.import(w, &list, Some(true));
        }
    }

    pub(crate) fn has(&self, flag: u8) -> bool {
        self.did & flag != 0
    }
}
