//! The shapes of journeys: how each kind of campaign brings a person in, what converts
//! them, and how engaged they stay, weighted by who they are.
//!
//! Good-fit buyers come back, read pricing and ask for demos; students and freebie seekers
//! download and vanish; junk fills one form. That is the contrast lead scoring must find.

use std::collections::VecDeque;

use super::campaigns::{self as plan, How, SPECS, When};
use super::journey::*;
use super::people::{Person, Persona};
use super::rng::Rng;
use super::{Ctx, DAY_MS, FormKind};
use crate::Channel;
use crate::capture::CaptureEvent;

/// Salt for the anonymous visitors' streams, apart from the leads' streams.
const VISITOR_STREAM: u64 = 0x5649_5349_544F_5253;

/// Generates lead `index` (the first-touch campaign, then the whole journey) into `out`.
pub(crate) fn lead(ctx: &Ctx, index: usize, out: &mut VecDeque<CaptureEvent>) {
    let mut rng = Rng::new(ctx.seed, index as u64);
    let person = Person::generate(&mut rng, ctx.seed, index, ctx.accounts);
    let c = rng.cumulative(&ctx.tables[person.persona as usize]);
    let anon = visitor_id(&mut rng, index as u64 * 4);
    let mut j = Journey::new(ctx, rng, person, index, anon, out);
    match SPECS[c].how {
        How::Web { .. } => from_web(&mut j, c),
        How::Webinar { .. } => from_webinar(&mut j, c),
        How::Import { list } => from_import(&mut j, c, list),
        How::Referral => {
            j.t = j.first_touch_time(c, 2 * DAY_MS);
            j.referral(c);
        }
        How::Direct { form, .. } => {
            j.t = j.first_touch_time(c, 2 * DAY_MS);
            let pages = if j.p.persona == Persona::Junk {
                0
            } else {
                j.rng.below(3) as usize
            };
            j.session(Entry::Direct, pages);
            j.form(form, c);
        }
    }
    nurture(&mut j);
}

/// Visitors who came through a campaign and never told us who they are: most web traffic.
pub(crate) fn visitors(ctx: &Ctx, slot: usize, out: &mut VecDeque<CaptureEvent>) {
    let mut rng = Rng::new(ctx.seed ^ VISITOR_STREAM, slot as u64);
    let count = rng.weighted(&[40, 30, 20, 10]);
    for v in 1..=count {
        let anon = visitor_id(&mut rng, slot as u64 * 4 + v as u64);
        let persona = if rng.chance(700) {
            Persona::Buyer
        } else {
            Persona::Student
        };
        let c = rng.cumulative(&ctx.tables[persona as usize]);
        let pages = [0, 0, 0, 0, 0, 0, 1, 1, 2, 4][rng.below(10) as usize];
        let person = Person::anonymous(persona);
        let mut j = Journey::new(ctx, rng.clone(), person, slot, anon, out);
        j.t = j.first_touch_time(c, HOUR_MS);
        let entry = match SPECS[c].how {
            How::Web { .. } | How::Webinar { .. } => Entry::Campaign(c),
            _ if j.rng.chance(500) => Entry::Organic,
            _ => Entry::Direct,
        };
        j.session(entry, pages);
        rng = j.rng;
    }
}

/// Search, social, content and press: a few anonymous sessions, then a conversion.
fn from_web(j: &mut Journey, c: usize) {
    j.t = j.first_touch_time(c, 8 * DAY_MS);
    let junk = j.p.persona == Persona::Junk;
    let extra = if junk {
        0
    } else {
        [0, 0, 0, 1, 1, 2, 3][j.rng.below(7) as usize]
    };
    j.session(Entry::Campaign(c), extra);
    let returns = match j.p.persona {
        Persona::Buyer | Persona::Competitor => j.rng.weighted(&[65, 28, 7]),
        Persona::Junk => 0,
        _ => j.rng.weighted(&[80, 20]),
    };
    for _ in 0..returns {
        j.t += j.rng.range(2 * HOUR_MS, 3 * DAY_MS);
        let entry = match j.rng.below(3) {
            0 => Entry::Direct,
            1 => Entry::Organic,
            _ if j.active(c) => Entry::Campaign(c),
            _ => Entry::Direct,
        };
        let pages = j.rng.below(4) as usize;
        j.session(entry, pages);
    }
    convert(j, c);
}

/// The hand-raise that turns a visitor into a lead, weighted by persona and seniority.
fn convert(j: &mut Journey, c: usize) {
    #[derive(Clone, Copy)]
    enum Conv {
        Form(FormKind),
        Content(usize),
        Webinar(usize),
        Trial,
    }
    let asset = match c {
        plan::EBOOK | plan::WHITEPAPER => Some(c),
        _ => j.open_asset(),
    };
    let webinar = j.upcoming_webinar();
    let demo_weight = [35, 30, 20, 14, 8, 5][usize::from(j.p.seniority)];
    let on = |cond: bool, w: u32| if cond { w } else { 0 };
    let is_content = SPECS[c].channel == Channel::ContentDownload;
    let w: [u32; 6] = match j.p.persona {
        // [demo, contact, content, newsletter, webinar, trial]
        Persona::Buyer => [
            demo_weight,
            8,
            on(is_content, 300) + 25,
            on(c == plan::NEWSLETTER, 40) + 8,
            12,
            15,
        ],
        Persona::Student => [1, 15, 45, 25, 5, 10],
        Persona::Freebie => [0, 2, 85, 10, 3, 5],
        Persona::Competitor => [0, 2, 40, 10, 30, 20],
        Persona::Junk => [40, 50, 5, 10, 0, 0],
    };
    let options = [
        (Conv::Form(FormKind::Demo), w[0]),
        (Conv::Form(FormKind::Contact), w[1]),
        (
            asset.map_or(Conv::Form(FormKind::Newsletter), Conv::Content),
            on(asset.is_some(), w[2]),
        ),
        (Conv::Form(FormKind::Newsletter), w[3]),
        (
            webinar.map_or(Conv::Trial, Conv::Webinar),
            on(webinar.is_some(), w[4]),
        ),
        (Conv::Trial, w[5]),
    ];
    match j.rng.weighted_pick(&options) {
        Conv::Form(FormKind::Demo) => j.form(FormKind::Demo, plan::DEMO_FORM),
        Conv::Form(FormKind::Newsletter) => j.form(FormKind::Newsletter, plan::NEWSLETTER),
        Conv::Form(_) => j.form(FormKind::Contact, plan::CONTACT_FORM),
        Conv::Content(a) => j.form(FormKind::Content, a),
        Conv::Webinar(w) => j.webinar(w),
        Conv::Trial => j.trial(),
    }
}

/// A webinar promoted on the web: most register on the site (then attend or not); the rest
/// registered on the webinar platform and arrive with its attendee export.
fn from_webinar(j: &mut Journey, w: usize) {
    let start = j.ctx.campaigns[w].start_ms;
    if j.rng.chance(600) {
        j.t = business_time(&mut j.rng, start - 21 * DAY_MS, start - 2 * HOUR_MS, false);
        let extra = j.rng.below(3) as usize;
        j.session(Entry::Campaign(w), extra);
        j.webinar(w);
    } else {
        j.t = j.ctx.campaigns[w].end_ms + j.rng.range(HOUR_MS, 20 * HOUR_MS);
        let attended = j.rng.chance(600);
        let list = format!("{} – registrants", SPECS[w].name);
        j.import(w, &list, Some(attended));
        j.did |= DID_WEBINAR;
    }
}

/// Trade shows, talks, mailers and call blitzes: the person arrives on a list.
fn from_import(j: &mut Journey, c: usize, list: &str) {
    let k = &j.ctx.campaigns[c];
    j.t = match SPECS[c].when {
        When::Event { .. } => k.end_ms + j.rng.range(DAY_MS, 4 * DAY_MS),
        _ => j.first_touch_time(c, 2 * DAY_MS),
    };
    if SPECS[c].channel == Channel::ColdCall && j.rng.chance(300) {
        // A call sheet from the CRM: a record id and a phone number, no email address.
        j.p.email = None;
        j.p.external_key = Some(format!("crm:{}:{}", j.ctx.seed, j.index));
    }
    j.import(c, list, None);
}

/// What happens after the first hand-raise: email clicks, return visits, pricing views,
/// webinars, more content and, for the best buyers, a demo request.
fn nurture(j: &mut Journey) {
    if j.p.email.is_none() {
        return;
    }
    let touches = match j.p.persona {
        Persona::Buyer if j.p.good_fit() => j.rng.weighted(&[15, 25, 20, 15, 10, 8, 5, 2]) as i64,
        Persona::Buyer => j.rng.range(0, 3),
        Persona::Student | Persona::Freebie => j.rng.range(0, 2),
        Persona::Competitor => j.rng.range(1, 3),
        Persona::Junk => 0,
    };
    for n in 0..touches {
        if !wait_days(j, 1, 30) {
            return;
        }
        let fit = j.p.good_fit();
        let options: [(u8, u32); 6] = [
            (0, 35),
            (1, if j.stitched { 20 } else { 0 }),
            (2, if j.stitched { 15 } else { 0 }),
            (3, if j.open_asset().is_some() { 10 } else { 0 }),
            (
                4,
                if j.upcoming_webinar().is_some() && !j.has(DID_WEBINAR) {
                    12
                } else {
                    0
                },
            ),
            (
                5,
                if fit && !j.has(DID_DEMO) {
                    4 + 4 * n as u32
                } else {
                    0
                },
            ),
        ];
        match j.rng.weighted_pick(&options) {
            0 => email_click(j),
            1 => {
                let pages = j.rng.below(3) as usize;
                j.session(Entry::Organic, pages);
                j.t += j.rng.range(20_000, 120_000);
                j.page(super::data::PAGE_PRICING, None);
                j.track(super::data::TRACK_PRICING);
            }
            2 => {
                j.session(Entry::Direct, 1);
                let name = *j.rng.pick(&super::data::TRACK_ENGAGED);
                j.track(name);
            }
            3 => {
                let a = j.open_asset().expect("checked above");
                j.session(Entry::Campaign(a), 0);
                j.form(FormKind::Content, a);
            }
            4 => {
                let w = j.upcoming_webinar().expect("checked above");
                j.session(Entry::Campaign(w), 0);
                j.webinar(w);
            }
            _ => {
                j.session(Entry::Direct, 1);
                j.form(FormKind::Demo, plan::DEMO_FORM);
            }
        }
    }
}

/// A click in a marketing email: onboarding mail for trial users, the launch announcement
/// while it runs, the newsletter otherwise. The link identifies a visitor not yet stitched.
fn email_click(j: &mut Journey) {
    let c = if j.has(DID_TRIAL) {
        plan::NURTURE
    } else if j.active(plan::LAUNCH) && j.rng.chance(600) {
        plan::LAUNCH
    } else {
        plan::NEWSLETTER
    };
    let pages = j.rng.below(3) as usize;
    j.session(Entry::Campaign(c), 0);
    if !j.stitched && j.p.email.is_some() {
        j.identify();
    }
    j.browse(pages);
}

fn wait_days(j: &mut Journey, lo: i64, hi: i64) -> bool {
    let day = j.t.div_euclid(DAY_MS) + j.rng.range(lo, hi);
    j.t = (day * DAY_MS + working_hours(&mut j.rng)).max(j.t + HOUR_MS);
    j.t + HOUR_MS < j.ctx.now
}
