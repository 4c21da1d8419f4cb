//! Shapley-value attribution over the channel *sets* of paths ("simplified Shapley", Zhao
//! et al. 2018, the form channel-attribution libraries use).
//!
//! **Characteristic function.** A coalition S is a set of channels; its worth v(S) is the
//! conversions (for value: the conversion value) of every path whose set of distinct
//! channels is a subset of S — what those channels would have produced on their own. Order
//! and repeats within a path do not matter. A channel's credit is its Shapley value
//! φ_c = Σ_{S ∌ c} |S|! (n − |S| − 1)! / n! · (v(S ∪ {c}) − v(S)); by efficiency the credits
//! sum to v(all channels) = the total conversions (and value).
//!
//! **Exact** for up to [`EXACT_MAX_CHANNELS`] channels: the conversions of each exact channel
//! set are summed into a table of 2^n coalitions, turned into v by a subset-sum transform and
//! the formula above is evaluated over all coalitions, O(n·2^n).
//!
//! **Sampled** beyond: `samples` random channel orders (a seeded generator, so runs repeat);
//! in each, a channel's marginal contribution is the conversions of the paths whose channel
//! set it completes, so each order's credits sum exactly to the total. The estimate is the
//! mean over orders and [`Attribution::error_bound`] reports 1.96 × the largest standard
//! error over channels (a 95 % bound on any one channel's conversions).
//!
//! (For this v, a sum of unanimity games, the Shapley value also equals each path's
//! conversions split evenly over its distinct channels — the unit tests check both
//! computations against that identity.)

use super::{Attribution, FxMap, PathSet, credits};

/// Up to this many channels, Shapley values are exact (2^15 coalitions).
pub const EXACT_MAX_CHANNELS: usize = 15;
/// Channel orders sampled beyond [`EXACT_MAX_CHANNELS`] channels.
pub const DEFAULT_SAMPLES: usize = 400;

/// Shapley attribution; exact up to 15 channels, else `samples` orders from `seed`.
pub fn attribute(paths: &PathSet, samples: usize, seed: u64) -> Attribution {
    let k = paths.channels().len();
    let (conv, value, error_bound) = if k <= EXACT_MAX_CHANNELS {
        let (c, v) = exact(paths, k);
        (c, v, None)
    } else {
        let (c, v, e) = sampled(paths, k, samples.max(2), seed);
        (c, v, Some(e))
    };
    Attribution {
        model: "shapley",
        order: None,
        channels: credits(paths, &conv, &value),
        error_bound,
    }
}

fn exact(paths: &PathSet, k: usize) -> (Vec<f64>, Vec<f64>) {
    let size = 1usize << k;
    let (mut vc, mut vv) = (vec![0.0; size], vec![0.0; size]);
    for p in paths.iter() {
        let mask = p.touches.iter().fold(0usize, |m, &t| m | 1 << t);
        vc[mask] += p.conversions;
        vv[mask] += p.value;
    }
    for bit in 0..k {
        for s in 0..size {
            if s & 1 << bit != 0 {
                vc[s] += vc[s ^ 1 << bit];
                vv[s] += vv[s ^ 1 << bit];
            }
        }
    }
    // weight of a coalition of size s not containing c: s!(k−s−1)!/k!
    let mut weight = vec![0.0; k.max(1)];
    for (s, w) in weight.iter_mut().enumerate() {
        *w = (0..k).fold(1.0, |acc, i| {
            let num = if i < s {
                (i + 1) as f64
            } else if i < k - 1 {
                (i - s + 1) as f64
            } else {
                1.0
            };
            acc * num / (i + 1) as f64
        });
    }
    let (mut conv, mut value) = (vec![0.0; k], vec![0.0; k]);
    for s in 0..size {
        let w = weight[(s.count_ones() as usize).min(k.saturating_sub(1))];
        for c in 0..k {
            if s & 1 << c == 0 {
                conv[c] += w * (vc[s | 1 << c] - vc[s]);
                value[c] += w * (vv[s | 1 << c] - vv[s]);
            }
        }
    }
    (conv, value)
}

fn sampled(paths: &PathSet, k: usize, samples: usize, seed: u64) -> (Vec<f64>, Vec<f64>, f64) {
    let mut sets: FxMap<Box<[u32]>, (f64, f64)> = FxMap::default();
    let mut members = Vec::new();
    for p in paths.iter() {
        if p.conversions == 0.0 && p.value == 0.0 {
            continue;
        }
        members.clear();
        members.extend_from_slice(p.touches);
        members.sort_unstable();
        members.dedup();
        let e = sets.entry(members.as_slice().into()).or_insert((0.0, 0.0));
        e.0 += p.conversions;
        e.1 += p.value;
    }
    // ranks are drawn in the order of the channels' names, not of their ids (which follow
    // the paths' order), so the same paths read in another order draw the same samples
    let mut by_name: Vec<usize> = (0..k).collect();
    by_name.sort_by_key(|&c| paths.channels()[c].as_str());
    let mut rng = SplitMix(seed);
    let mut rank: Vec<u64> = vec![0; k];
    let (mut sum, mut sq, mut value) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    let mut this = vec![0.0; k];
    for _ in 0..samples {
        by_name.iter().for_each(|&c| rank[c] = rng.next());
        this.fill(0.0);
        for (set, &(c, v)) in &sets {
            let Some(&last) = set.iter().max_by_key(|&&ch| rank[ch as usize]) else {
                continue;
            };
            this[last as usize] += c;
            value[last as usize] += v;
        }
        for ch in 0..k {
            sum[ch] += this[ch];
            sq[ch] += this[ch] * this[ch];
        }
    }
    let n = samples as f64;
    let mut bound = 0.0f64;
    for ch in 0..k {
        let mean = sum[ch] / n;
        let var = ((sq[ch] / n - mean * mean) * n / (n - 1.0)).max(0.0);
        bound = bound.max(1.96 * (var / n).sqrt());
        sum[ch] = mean;
        value[ch] /= n;
    }
    (sum, value, bound)
}

/// SplitMix64: tiny, seedable, good enough to draw channel orders.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::PathSetBuilder;

    /// Each path's conversions split evenly over its distinct channels (the identity).
    fn even_split(paths: &PathSet) -> Vec<f64> {
        let mut out = vec![0.0; paths.channels().len()];
        for p in paths.iter() {
            let mut m = p.touches.to_vec();
            m.sort_unstable();
            m.dedup();
            m.iter()
                .for_each(|&c| out[c as usize] += p.conversions / m.len() as f64);
        }
        out
    }

    fn paths(channels: u32, n: usize) -> PathSet {
        let mut b = PathSetBuilder::new();
        let mut s = 9u64;
        for i in 0..n {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = 1 + (s >> 60) as usize % 5;
            let names: Vec<String> = (0..len)
                .map(|j| format!("c{}", ((s >> (8 * j)) as u32 + i as u32) % channels))
                .collect();
            b.push_path(
                names.iter().map(String::as_str),
                (i % 3) as f64,
                10.0 * (i % 3) as f64,
                1.0,
            )
            .unwrap();
        }
        b.build()
    }

    #[test]
    fn exact_shapley_matches_the_even_split_identity() {
        let set = paths(12, 500);
        let a = attribute(&set, 10, 1);
        assert_eq!(a.error_bound, None);
        for (row, want) in a.channels.iter().zip(even_split(&set)) {
            assert!(
                (row.conversions - want).abs() < 1e-9,
                "{} {want}",
                row.conversions
            );
            assert!((row.value - 10.0 * want).abs() < 1e-8);
        }
    }

    #[test]
    fn sampled_shapley_lands_within_its_reported_bound() {
        let set = paths(20, 800);
        let a = attribute(&set, 2000, 3);
        let bound = a.error_bound.unwrap();
        assert!(bound > 0.0 && bound < 5.0, "{bound}");
        let total: f64 = a.channels.iter().map(|c| c.conversions).sum();
        assert!((total - set.total_conversions()).abs() < 1e-6);
        let misses = a
            .channels
            .iter()
            .zip(even_split(&set))
            .filter(|(row, want)| (row.conversions - want).abs() > bound)
            .count();
        assert!(
            misses <= 3,
            "{misses} of 20 channels outside the 95 % bound"
        );
    }

    #[test]
    fn sampled_shapley_does_not_depend_on_the_order_of_the_paths() {
        let set = paths(20, 300);
        let mut reversed = PathSetBuilder::new();
        let all: Vec<_> = set.iter().collect();
        for p in all.iter().rev() {
            let names = p
                .touches
                .iter()
                .map(|&c| set.channels()[c as usize].as_str());
            reversed
                .push_path(names, p.conversions, p.value, p.null)
                .unwrap();
        }
        let reversed = reversed.build();
        assert_ne!(set.channels(), reversed.channels(), "ids differ");
        let by_name = |a: Attribution| {
            let mut rows: Vec<(String, f64)> = a
                .channels
                .into_iter()
                .map(|c| (c.channel, c.conversions))
                .collect();
            rows.sort_by(|x, y| x.0.cmp(&y.0));
            rows
        };
        let (a, b) = (
            by_name(attribute(&set, 200, 7)),
            by_name(attribute(&reversed, 200, 7)),
        );
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-9, "{name}: {x} != {y}");
        }
    }

    #[test]
    fn a_channel_on_its_own_keeps_its_conversions() {
        let mut b = PathSetBuilder::new();
        b.push_path(["a"], 3.0, 30.0, 0.0).unwrap();
        b.push_path(["a", "b", "a"], 2.0, 20.0, 0.0).unwrap();
        let a = attribute(&b.build(), 10, 1);
        assert_eq!(
            (a.channels[0].conversions, a.channels[1].conversions),
            (4.0, 1.0)
        );
        assert_eq!((a.channels[0].value, a.channels[1].value), (40.0, 10.0));
    }
}
