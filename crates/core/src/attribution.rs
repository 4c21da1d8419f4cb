//! Multi-touch attribution: which channels get the credit for conversions and their value.
//!
//! Input is a [`PathSet`]: journeys (ordered touches, channels interned to `u32` ids in
//! order of first appearance) with the conversions, conversion value and non-converting
//! journeys that followed each path. [`read_paths`] parses the path-file format
//! (`path,total_conversions,total_conversion_value,total_null`, touches joined by `>`).
//!
//! Every model hands out exactly the conversions and value it was given (property-tested):
//!
//! * position models ([`position`]): first, last, last non-direct, linear, time decay,
//!   U-shaped (40/20/40), W-shaped (30/30/30 + 10), full path (22.5 × 4 + 10) and custom
//!   first/middle/last weights;
//! * [`markov`]: removal effects of a Markov chain of order k, computed exactly from the
//!   absorbing chain (a linear solve per channel, no simulation);
//! * [`shapley`]: Shapley values over the channel sets of paths, exact up to
//!   [`shapley::EXACT_MAX_CHANNELS`] channels, sampled with an error bound beyond.
//!
//! **Direct.** A channel is *direct* when its name is `direct` or `(direct)`, ignoring ASCII
//! case and surrounding spaces ([`is_direct`]); last non-direct skips those touches.

pub mod csv;
pub mod markov;
pub mod paths;
pub mod position;
pub mod shapley;
mod solve;

#[cfg(test)]
mod props;

pub use csv::{ReadError, read_paths, read_paths_sized};
pub use paths::{PathError, PathSet, PathSetBuilder};
pub use position::PositionWeights;

use serde::Serialize;

/// The credit one channel received from a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelCredit {
    pub channel: String,
    /// Conversions attributed to the channel (fractional: credit is split).
    pub conversions: f64,
    /// Conversion value attributed to the channel.
    pub value: f64,
    /// Markov only: the share of conversions lost when the channel is removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_effect: Option<f64>,
}

/// A model's answer: one row per channel, in order of the channel's first appearance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    /// The model's name as the CLI spells it (`first`, `markov`, …).
    pub model: &'static str,
    /// The Markov order; `None` for the other models.
    pub order: Option<usize>,
    pub channels: Vec<ChannelCredit>,
    /// Sampled Shapley only: a 95 % bound on each channel's conversions error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_bound: Option<f64>,
}

/// Which model to run, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Model {
    First,
    Last,
    LastNonDirect,
    Linear,
    /// Half-life in touches: a touch `h` positions before the last one weighs half as much.
    TimeDecay {
        half_life: f64,
    },
    UShaped,
    WShaped,
    FullPath,
    Custom(PositionWeights),
    Markov {
        order: usize,
    },
    Shapley,
}

impl Model {
    /// The name the CLI and JSON use.
    pub fn name(&self) -> &'static str {
        match self {
            Model::First => "first",
            Model::Last => "last",
            Model::LastNonDirect => "last-non-direct",
            Model::Linear => "linear",
            Model::TimeDecay { .. } => "time-decay",
            Model::UShaped => "u-shaped",
            Model::WShaped => "w-shaped",
            Model::FullPath => "full-path",
            Model::Custom(_) => "custom",
            Model::Markov { .. } => "markov",
            Model::Shapley => "shapley",
        }
    }
}

/// Runs `model` over `paths`. Markov orders below 1 are treated as 1.
pub fn attribute(paths: &PathSet, model: &Model) -> Attribution {
    match model {
        Model::Markov { order } => markov::attribute(paths, (*order).max(1)),
        Model::Shapley => shapley::attribute(paths, shapley::DEFAULT_SAMPLES, 0x5eed),
        m => position::attribute(paths, m),
    }
}

/// Whether a channel name means "direct" (typed-in URL, bookmark, no referrer): `direct` or
/// `(direct)`, ASCII case ignored — the spellings of Google Analytics and of most exports.
pub fn is_direct(name: &str) -> bool {
    let n = name.trim();
    n.eq_ignore_ascii_case("direct") || n.eq_ignore_ascii_case("(direct)")
}

/// Per-channel totals as rows, in channel order.
fn credits(paths: &PathSet, conv: &[f64], value: &[f64]) -> Vec<ChannelCredit> {
    paths
        .channels()
        .iter()
        .enumerate()
        .map(|(i, name)| ChannelCredit {
            channel: name.clone(),
            conversions: conv[i],
            value: value[i],
            removal_effect: None,
        })
        .collect()
}

/// FxHash (rustc's hasher): interning channel names and Markov states hashes millions of
/// short keys, where SipHash's DoS resistance buys nothing (the input is the user's file).
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub(crate) type FxMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_is_direct_or_parenthesised_in_any_case() {
        for n in ["direct", "(direct)", " Direct ", "(DIRECT)"] {
            assert!(is_direct(n), "{n}");
        }
        for n in ["direct_mail", "indirect", "(none)", ""] {
            assert!(!is_direct(n), "{n}");
        }
    }
}
