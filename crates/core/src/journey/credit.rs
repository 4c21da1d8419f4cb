//! Credit for the conversions of a set of journeys, by channel and by campaign, under one
//! model. Position models split each journey by its real anchors and times; Markov and
//! Shapley run the path engine over the converting and the non-converting journeys.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Journey, NO_CAMPAIGN, NO_TOUCH, Names, Touch};
use crate::attribution::position::{full_path, path_weights, time_decay_by_time, w_shaped};
use crate::attribution::{self, Model, PathSetBuilder, is_direct};

/// The knobs of attribution in the product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Touches older than this many days before the conversion do not count.
    pub lookback_days: u32,
    /// Time decay: a touch this many days older weighs half as much.
    pub half_life_days: f64,
    /// Markov: states are windows of this many consecutive touches (1: one channel).
    pub markov_order: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lookback_days: super::DEFAULT_LOOKBACK_DAYS,
            half_life_days: super::DEFAULT_HALF_LIFE_DAYS,
            markov_order: 1,
        }
    }
}

impl Settings {
    fn lookback_ms(&self) -> i64 {
        i64::from(self.lookback_days) * 86_400_000
    }
}

/// The journeys of one outcome with the names their touches refer to.
#[derive(Debug, Clone, Default)]
pub struct JourneySet {
    pub channels: Names,
    /// Campaign ids as stored on activities.
    pub campaigns: Names,
    pub journeys: Vec<Journey>,
}

impl JourneySet {
    /// Conversions in the set (converting journeys).
    pub fn conversions(&self) -> usize {
        self.journeys.iter().filter(|j| j.converted).count()
    }

    /// The conversions' summed value (minor units).
    pub fn value(&self) -> i64 {
        self.journeys
            .iter()
            .filter(|j| j.converted)
            .map(|j| j.value)
            .sum()
    }
}

/// One key's credit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credit {
    pub key: String,
    pub conversions: f64,
    /// Attributed value in minor units (fractional: credit is split).
    pub value: f64,
}

/// A model's credit over a [`JourneySet`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credits {
    pub model: &'static str,
    /// By channel name, largest first.
    pub by_channel: Vec<Credit>,
    /// By campaign id ([`NO_CAMPAIGN`] for touches without one), largest first.
    pub by_campaign: Vec<Credit>,
    /// Position models only: conversions by (bucket of the conversion time, channel).
    #[serde(skip)]
    pub trend: BTreeMap<(usize, String), f64>,
}

/// Which model names the product offers, in the order reports show them.
pub const MODELS: [&str; 10] = [
    "first",
    "last",
    "last-non-direct",
    "linear",
    "time-decay",
    "u-shaped",
    "w-shaped",
    "full-path",
    "markov",
    "shapley",
];

/// The model named `name` (one of [`MODELS`]) with the product's settings.
pub fn model(name: &str, settings: &Settings) -> Option<Model> {
    Some(match name.trim() {
        "first" => Model::First,
        "last" => Model::Last,
        "last-non-direct" => Model::LastNonDirect,
        "linear" => Model::Linear,
        "time-decay" => Model::TimeDecay {
            half_life: settings.half_life_days,
        },
        "u-shaped" | "position" => Model::UShaped,
        "w-shaped" => Model::WShaped,
        "full-path" => Model::FullPath,
        "markov" => Model::Markov {
            order: settings.markov_order as usize,
        },
        "shapley" => Model::Shapley,
        _ => return None,
    })
}

/// Accumulates credit by touch keys; slot `len` of each table is the "no touch" key.
struct Tally {
    channel: Vec<(f64, f64)>,
    campaign: Vec<(f64, f64)>,
    none_campaign: (f64, f64),
    trend: BTreeMap<(usize, u32), f64>,
}

impl Tally {
    fn add(&mut self, t: Option<&Touch>, w: f64, value: f64, bucket: usize) {
        let ch = t.map_or(self.channel.len() - 1, |t| t.channel as usize);
        self.channel[ch].0 += w;
        self.channel[ch].1 += w * value;
        let cp = match t {
            Some(t) if t.campaign != Touch::NONE => &mut self.campaign[t.campaign as usize],
            _ => &mut self.none_campaign,
        };
        cp.0 += w;
        cp.1 += w * value;
        *self.trend.entry((bucket, ch as u32)).or_insert(0.0) += w;
    }
}

/// Credit of `set`'s conversions under `model`; `bucket` maps a conversion time to its
/// trend bucket (a month index).
pub fn attribute(
    set: &JourneySet,
    model: &Model,
    settings: &Settings,
    bucket: impl Fn(i64) -> usize,
) -> Credits {
    if matches!(model, Model::Markov { .. } | Model::Shapley) {
        return by_paths(set, model, settings);
    }
    let names = |n: &Names| {
        (0..n.len() as u32)
            .map(|i| n.name(i).to_owned())
            .collect::<Vec<_>>()
    };
    let (channels, campaigns) = (names(&set.channels), names(&set.campaigns));
    let direct: Vec<bool> = channels.iter().map(|c| is_direct(c)).collect();
    let mut tally = Tally {
        channel: vec![(0.0, 0.0); channels.len() + 1],
        campaign: vec![(0.0, 0.0); campaigns.len()],
        none_campaign: (0.0, 0.0),
        trend: BTreeMap::new(),
    };
    let lookback = settings.lookback_ms();
    let mut ids = Vec::new();
    for j in set.journeys.iter().filter(|j| j.converted) {
        let w = j.window(lookback);
        let value = j.value as f64;
        let b = bucket(j.at);
        if w.is_empty() {
            tally.add(None, 1.0, value, b);
            continue;
        }
        let anchor = |at: i64| w.partition_point(|t| t.at <= at).saturating_sub(1);
        let weights = match model {
            Model::TimeDecay { half_life } => {
                let times: Vec<i64> = w.iter().map(|t| t.at).collect();
                time_decay_by_time(&times, j.at, *half_life)
            }
            Model::WShaped => w_shaped(w.len(), anchor(j.lead_at)),
            Model::FullPath => {
                let opp = j.opportunity_at.map_or(w.len() - 1, anchor);
                full_path(w.len(), anchor(j.lead_at), opp)
            }
            other => {
                ids.clear();
                ids.extend(w.iter().map(|t| t.channel));
                path_weights(other, &ids, &direct)
            }
        };
        for (t, wi) in w.iter().zip(weights) {
            tally.add(Some(t), wi, value, b);
        }
    }
    let mut by_channel: Vec<Credit> = tally
        .channel
        .iter()
        .enumerate()
        .map(|(i, &(c, v))| credit(channels.get(i).map_or(NO_TOUCH, String::as_str), c, v))
        .collect();
    let mut by_campaign: Vec<Credit> = tally
        .campaign
        .iter()
        .zip(&campaigns)
        .map(|(&(c, v), k)| credit(k, c, v))
        .chain([credit(
            NO_CAMPAIGN,
            tally.none_campaign.0,
            tally.none_campaign.1,
        )])
        .collect();
    tidy(&mut by_channel);
    tidy(&mut by_campaign);
    let trend = tally
        .trend
        .into_iter()
        .map(|((b, ch), c)| {
            let name = channels.get(ch as usize).map_or(NO_TOUCH, String::as_str);
            ((b, name.to_owned()), c)
        })
        .collect();
    Credits {
        model: model.name(),
        by_channel,
        by_campaign,
        trend,
    }
}

fn credit(key: &str, conversions: f64, value: f64) -> Credit {
    Credit {
        key: key.to_owned(),
        conversions,
        value,
    }
}

/// Drops keys with no credit and sorts the rest largest first (then by name).
fn tidy(rows: &mut Vec<Credit>) {
    rows.retain(|c| c.conversions != 0.0 || c.value != 0.0);
    rows.sort_by(|a, b| {
        b.conversions
            .total_cmp(&a.conversions)
            .then_with(|| a.key.cmp(&b.key))
    });
}

/// Markov or Shapley: one path per journey (converting ones carry 1 conversion and their
/// value, the others one null), keyed by channel, then again by campaign.
fn by_paths(set: &JourneySet, model: &Model, settings: &Settings) -> Credits {
    let lookback = settings.lookback_ms();
    // `key` gives a touch's index in `names`; index `names.len()` is `empty`, the key of a
    // converting journey without touches. Each name is interned into the path set once, on
    // first sight (so ids keep the order of first appearance), not once per touch.
    let run = |names: &Names, key: &dyn Fn(&Touch) -> usize, empty: &str| -> Vec<Credit> {
        let touches = set.journeys.iter().map(|j| j.touches.len().max(1)).sum();
        let mut b = PathSetBuilder::with_capacity(set.journeys.len(), touches);
        let mut ids: Vec<Option<u32>> = vec![None; names.len() + 1];
        let mut id = |b: &mut PathSetBuilder, k: usize| -> Option<u32> {
            if ids[k].is_none() {
                let name = if k < names.len() {
                    names.name(k as u32)
                } else {
                    empty
                };
                ids[k] = b.intern(name.trim().as_bytes()).ok();
            }
            ids[k]
        };
        for j in &set.journeys {
            let w = j.window(lookback);
            if w.is_empty() && !j.converted {
                continue;
            }
            if w.is_empty()
                && let Some(i) = id(&mut b, names.len())
            {
                b.push_touch(i);
            }
            for t in w {
                if let Some(i) = id(&mut b, key(t)) {
                    b.push_touch(i);
                }
            }
            let (c, v, n) = if j.converted {
                (1.0, j.value as f64, 0.0)
            } else {
                (0.0, 0.0, 1.0)
            };
            // names are never empty and counts are finite: the builder accepts every path
            let _ = b.finish_path(c, v, n);
        }
        let paths = b.build();
        let mut rows: Vec<Credit> = attribution::attribute(&paths, model)
            .channels
            .into_iter()
            .map(|c| credit(&c.channel, c.conversions, c.value))
            .collect();
        tidy(&mut rows);
        rows
    };
    let no_campaign = set.campaigns.len();
    let campaign = |t: &Touch| match t.campaign {
        Touch::NONE => no_campaign,
        c => c as usize,
    };
    // by channel and by campaign at once: a report credits several sets at once too, and two
    // halves of each keep both cores busy to the end
    let (by_channel, by_campaign) = std::thread::scope(|s| {
        let channels = s.spawn(|| run(&set.channels, &|t: &Touch| t.channel as usize, NO_TOUCH));
        let campaigns = run(&set.campaigns, &campaign, NO_CAMPAIGN);
        let channels = channels
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (channels, campaigns)
    });
    Credits {
        model: model.name(),
        by_channel,
        by_campaign,
        trend: BTreeMap::new(),
    }
}

/// The models named by `text`: `all`, one name of [`MODELS`], or several joined by commas.
pub fn models(text: &str, settings: &Settings) -> Result<Vec<Model>, String> {
    let names: Vec<&str> = match text.trim() {
        "" | "all" => MODELS.to_vec(),
        t => t.split(',').map(str::trim).collect(),
    };
    names
        .iter()
        .map(|n| {
            model(n, settings).ok_or_else(|| {
                format!(
                    "unknown model {n:?}: expected all or one of {}",
                    MODELS.join(", ")
                )
            })
        })
        .collect()
}
