//! A tiny seeded PRNG, so demo data is bit-for-bit the same for a seed on every platform.
//!
//! The core crate takes no `rand` dependency: its output would change with the crate's
//! version and algorithm choices. SplitMix64 is eight lines, passes BigCrush, and every
//! operation below is integer arithmetic or IEEE-exact float arithmetic (`+ - * / sqrt`),
//! never `powf`/`exp`/`ln`, whose last bits differ between math libraries.

/// SplitMix64 (Steele, Lea and Flood 2014), used both to derive seeds and as the generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// Mixes a value into a well-spread 64-bit hash (the SplitMix64 finaliser).
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for one stream, identified by a seed and a stream number, so that each
    /// person (or campaign) has its own sequence independent of how many draws others made.
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        Rng(mix(seed ^ mix(stream.wrapping_add(GOLDEN))))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in `0..n` (multiply-high; the bias is below 2^-40 for the ranges used here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform in `[0, 1)` with 53 bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `per_mille / 1000`.
    pub(crate) fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// A uniformly chosen element.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights (linear scan: the tables here are short).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total.max(1));
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }

    /// An element of a `(item, weight)` table, drawn by weight.
    pub(crate) fn weighted_pick<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u64 = table.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut x = self.below(total.max(1));
        for &(item, w) in table {
            if x < u64::from(w) {
                return item;
            }
            x -= u64::from(w);
        }
        table[table.len() - 1].0
    }

    /// An index into a prefix-sum table (`cumulative[i]` = sum of weights `0..=i`), by
    /// binary search: used for the per-persona campaign tables drawn once per person.
    pub(crate) fn cumulative(&mut self, cumulative: &[u64]) -> usize {
        let total = cumulative.last().copied().unwrap_or(0);
        let x = self.below(total.max(1));
        cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_and_stream_give_the_same_sequence() {
        let a: Vec<u64> = (0..8)
            .map({
                let mut r = Rng::new(7, 3);
                move |_| r.next_u64()
            })
            .collect();
        let mut r = Rng::new(7, 3);
        assert!(a.iter().all(|&x| x == r.next_u64()));
        assert_ne!(Rng::new(7, 4).next_u64(), a[0]);
        assert_ne!(Rng::new(8, 3).next_u64(), a[0]);
    }

    #[test]
    fn splitmix_matches_the_reference_values() {
        // Reference: SplitMix64 seeded with 0 yields 0xE220A8397B1DCDAF first.
        let mut r = Rng(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn draws_stay_in_their_ranges_and_follow_weights() {
        let mut r = Rng::new(1, 1);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            assert!(r.below(10) < 10);
            let x = r.range(-5, 5);
            assert!((-5..=5).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            counts[r.weighted(&[1, 0, 2])] += 1;
        }
        assert_eq!(counts[1], 0);
        assert!(counts[2] > counts[0] * 17 / 10 && counts[2] < counts[0] * 23 / 10);
        let cum = [1u64, 1, 3];
        for _ in 0..1000 {
            assert_ne!(r.cumulative(&cum), 1);
        }
    }
}
