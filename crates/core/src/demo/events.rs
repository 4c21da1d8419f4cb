//! The event stream: people one after another, each person's journey buffered alone, so
//! memory stays constant whether the demo has a hundred leads or a million.

use std::collections::VecDeque;

use super::campaigns::{SPECS, Spec};
use super::people::Persona;
use super::{DemoCampaign, company, story};
use crate::{CaptureEvent, Channel};

/// What every journey needs to know, computed once per stream.
pub(crate) struct Ctx {
    pub seed: u64,
    pub now: i64,
    pub campaigns: Vec<DemoCampaign>,
    /// Per persona: prefix sums of how likely each campaign is to be their first touch.
    pub tables: [Vec<u64>; 5],
    /// How many prospect companies the buyers are spread over.
    pub accounts: u64,
    pub reps: Vec<String>,
}

/// How much more (or less) likely a persona is to arrive through a channel than a buyer,
/// in tenths: students read the blog, freebie seekers chase ebooks, junk hits the forms.
fn affinity(persona: Persona, spec: &Spec) -> u64 {
    use Channel::*;
    let ch = spec.channel;
    match persona {
        Persona::Buyer => 10,
        Persona::Student => match ch {
            Blog => 30,
            OrganicSearch => 20,
            ContentDownload | Social => 15,
            PaidSocial | Webinar | Email | PressRelease => 10,
            PaidSearch | WebForm | Analyst => 5,
            Tradeshow => 2,
            _ => 0,
        },
        Persona::Freebie => match ch {
            ContentDownload => 40,
            PaidSocial => 20,
            OrganicSearch | Blog | Social | Webinar | Email => 10,
            PaidSearch => 7,
            Tradeshow => 3,
            WebForm => 2,
            _ => 0,
        },
        Persona::Competitor => match ch {
            Webinar => 30,
            PaidSearch if spec.name.contains("Competitor") => 30,
            ContentDownload | Analyst => 20,
            PaidSearch | OrganicSearch | Tradeshow | PressRelease => 10,
            Social | Blog => 5,
            _ => 0,
        },
        Persona::Junk => match ch {
            WebForm => 60,
            PaidSearch | ContentDownload | PaidSocial => 10,
            OrganicSearch | Social => 5,
            _ => 0,
        },
    }
}

impl Ctx {
    pub(crate) fn new(seed: u64, leads: usize, now_ms: i64) -> Ctx {
        let tables = Persona::ALL.map(|p| {
            SPECS
                .iter()
                .scan(0u64, |sum, s| {
                    *sum += u64::from(s.weight) * affinity(p, s);
                    Some(*sum)
                })
                .collect()
        });
        Ctx {
            seed,
            now: now_ms,
            campaigns: super::campaigns::campaigns(seed, now_ms),
            tables,
            accounts: (leads / 4).max(leads.min(10)).max(1) as u64,
            reps: company::rep_locals()
                .map(|l| format!("{l}@{}", company::DOMAIN))
                .collect(),
        }
    }
}

/// The demo's capture events, person by person; see [`super::events`].
pub struct DemoEvents {
    ctx: Ctx,
    leads: usize,
    next_person: usize,
    /// The current person's events, in order.
    pending: VecDeque<CaptureEvent>,
    next_id: u64,
    id_prefix: String,
}

impl DemoEvents {
    pub(crate) fn new(seed: u64, leads: usize, now_ms: i64) -> DemoEvents {
        DemoEvents {
            ctx: Ctx::new(seed, leads, now_ms),
            leads,
            next_person: 0,
            pending: VecDeque::with_capacity(64),
            next_id: 0,
            id_prefix: format!("demo:{seed}:"),
        }
    }

    /// How many leads have been generated so far, for a progress bar (`0..=leads`).
    pub fn leads_done(&self) -> usize {
        self.next_person - usize::from(!self.pending.is_empty())
    }

    /// How many leads the stream will produce in total.
    pub fn leads(&self) -> usize {
        self.leads
    }
}

impl Iterator for DemoEvents {
    type Item = CaptureEvent;

    fn next(&mut self) -> Option<CaptureEvent> {
        while self.pending.is_empty() {
            if self.next_person >= self.leads {
                return None;
            }
            story::lead(&self.ctx, self.next_person, &mut self.pending);
            story::visitors(&self.ctx, self.next_person, &mut self.pending);
            self.next_person += 1;
        }
        let mut e = self.pending.pop_front()?;
        let mut id = String::with_capacity(self.id_prefix.len() + 20);
        id.push_str(&self.id_prefix);
        push_decimal(&mut id, self.next_id);
        self.next_id += 1;
        e.message_id = id;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.pending.len() + self.leads - self.next_person, None)
    }
}

/// Appends `n` in decimal without the formatting machinery: this runs once per event.
fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[i..].iter().map(|&d| char::from(d)));
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_are_written_like_display() {
        for n in [0u64, 7, 10, 99, 1_000_000, u64::MAX] {
            let mut s = String::from("x");
            super::push_decimal(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
}
