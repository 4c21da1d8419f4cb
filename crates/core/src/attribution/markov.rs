//! Markov-chain attribution of order k with exact removal effects.
//!
//! **States** (as channelattribution builds them): order 1, a channel; order k, a window
//! of k consecutive touches (the whole path when it is shorter than k). Consecutive equal
//! states of a path are collapsed, so a path `a > a > b` at order 1 is `a → b`. Every
//! path adds `conversions + null` to each of its transitions (from the start state to its
//! first state, then between states), `conversions` to last state → (conversion) and
//! `null` to last state → (null); probabilities are counts over each state's row total.
//!
//! **Removal effect** of channel c: the share of conversions lost when every transition
//! into a state containing c goes to (null) instead, i.e. 1 − P(conv | c removed) / P(conv).
//! Computed from expected visits of the absorbing chain ([`super::solve`]): P(conv) =
//! visits · p_conv, one linear solve for the full chain and one per channel — no simulation.
//!
//! **Credit**: channel c gets RE_c / Σ RE × total conversions. For value, each conversion
//! is weighted by the mean value per conversion of the state it converted from, and the
//! value removal effects are normalised over the total value in the same way. This is the
//! closed form `markov_exact.csv` of the reference holds, to which channelattribution's
//! simulation converges.

use super::solve::Chain;
use super::{Attribution, FxMap, PathSet, credits};

/// The full Markov answer, beyond the per-channel credit.
#[derive(Debug, Clone, PartialEq)]
pub struct Markov {
    pub attribution: Attribution,
    /// Per channel (channel order): the share of conversion *value* lost on removal.
    pub removal_effect_value: Vec<f64>,
    /// P(a journey from the start converts).
    pub p_conversion: f64,
    /// Transient states of the chain (start excluded).
    pub states: usize,
}

/// Markov attribution of order `order` (≥ 1).
pub fn attribute(paths: &PathSet, order: usize) -> Attribution {
    removal_effects(paths, order).attribution
}

/// Counts gathered from the paths, by state (state 0 is the start).
struct Counts {
    n: usize,
    /// Distinct channels of each state, sorted.
    members: Vec<Vec<u32>>,
    /// Each state's window of touches (empty for the start).
    windows: Vec<Box<[u32]>>,
    out_total: Vec<f64>,
    conv: Vec<f64>,
    null: Vec<f64>,
    value: Vec<f64>,
    edges: FxMap<u64, f64>,
}

fn count(paths: &PathSet, order: usize) -> Counts {
    let order = order.max(1);
    let mut c = Counts {
        n: 1,
        members: vec![Vec::new()],
        windows: vec![Box::default()],
        out_total: vec![0.0],
        conv: vec![0.0],
        null: vec![0.0],
        value: vec![0.0],
        edges: FxMap::default(),
    };
    let mut windows: FxMap<Box<[u32]>, u32> = FxMap::default();
    let mut seq: Vec<u32> = Vec::new();
    // Order 1 (the common case, benchmarked): state = channel + 1, counts in a dense
    // matrix, no hashing per touch.
    let channels = paths.channels().len();
    let mut dense = (order == 1 && channels < 2048).then(|| vec![0.0f64; (channels + 1).pow(2)]);
    if dense.is_some() {
        for ch in 0..channels as u32 {
            c.add_state(&[ch]);
        }
    }
    for p in paths.iter() {
        seq.clear();
        let t = p.touches;
        if dense.is_some() {
            for &ch in t {
                if seq.last() != Some(&(ch + 1)) {
                    seq.push(ch + 1);
                }
            }
        } else {
            for w in t.windows(order.min(t.len()).max(1)) {
                let id = match windows.get(w) {
                    Some(&id) => id,
                    None => {
                        let id = c.add_state(w);
                        windows.insert(w.into(), id);
                        id
                    }
                };
                if seq.last() != Some(&id) {
                    seq.push(id);
                }
            }
        }
        let weight = p.conversions + p.null;
        let mut prev = 0u32;
        for &s in &seq {
            if weight > 0.0 {
                match dense.as_mut() {
                    Some(d) => d[prev as usize * (channels + 1) + s as usize] += weight,
                    None => {
                        *c.edges
                            .entry(u64::from(prev) << 32 | u64::from(s))
                            .or_insert(0.0) += weight;
                    }
                }
                c.out_total[prev as usize] += weight;
            }
            prev = s;
        }
        if !seq.is_empty() {
            let last = prev as usize;
            c.conv[last] += p.conversions;
            c.null[last] += p.null;
            c.value[last] += p.value;
        }
    }
    for (i, &w) in dense.iter().flatten().enumerate() {
        if w > 0.0 {
            let (from, to) = (i / (channels + 1), i % (channels + 1));
            c.edges.insert((from as u64) << 32 | to as u64, w);
        }
    }
    c
}

impl Counts {
    /// A new state for window `w`; returns its id.
    fn add_state(&mut self, w: &[u32]) -> u32 {
        let id = self.n as u32;
        let mut m = w.to_vec();
        m.sort_unstable();
        m.dedup();
        self.members.push(m);
        self.windows.push(w.into());
        for v in [
            &mut self.out_total,
            &mut self.conv,
            &mut self.null,
            &mut self.value,
        ] {
            v.push(0.0);
        }
        self.n += 1;
        id
    }
}

/// The chain of `c` with its per-state conversion and value probabilities: `pc[s]` the
/// probability of converting from s, `pv[s]` that times the mean value per conversion of s.
fn chain(c: &Counts) -> (Chain, Vec<f64>, Vec<f64>) {
    let n = c.n;
    let total: Vec<f64> = (0..n)
        .map(|s| match c.out_total[s] + c.conv[s] + c.null[s] {
            t if t > 0.0 => t,
            _ => 1.0,
        })
        .collect();
    let pc: Vec<f64> = (0..n).map(|s| c.conv[s] / total[s]).collect();
    // conv/total × value/conv = value/total where anything converted
    let pv: Vec<f64> = (0..n)
        .map(|s| {
            if c.conv[s] > 0.0 {
                c.value[s] / total[s]
            } else {
                0.0
            }
        })
        .collect();
    let mut edges: Vec<(u32, u32, f64)> = c
        .edges
        .iter()
        .map(|(&k, &w)| ((k >> 32) as u32, k as u32, w / total[(k >> 32) as usize]))
        .collect();
    edges.sort_unstable_by_key(|e| (e.1, e.0));
    (Chain::new(n, &edges), pc, pv)
}

/// Removal effects and credit for every channel (see the module docs).
pub fn removal_effects(paths: &PathSet, order: usize) -> Markov {
    let c = count(paths, order);
    let n = c.n;
    let (chain, pc, pv) = chain(&c);
    let k = paths.channels().len();
    let mut removed_by: Vec<Vec<u32>> = vec![Vec::new(); k];
    for (s, m) in c.members.iter().enumerate() {
        for &ch in m {
            removed_by[ch as usize].push(s as u32);
        }
    }
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let base = chain.visits(&vec![false; n]);
    let (p_conv, p_value) = (dot(&base, &pc), dot(&base, &pv));
    let mut removed = vec![false; n];
    let (mut lost, mut lost_value) = (vec![0.0; k], vec![0.0; k]);
    for ch in 0..k {
        removed_by[ch]
            .iter()
            .for_each(|&s| removed[s as usize] = true);
        let vis = chain.visits(&removed);
        removed_by[ch]
            .iter()
            .for_each(|&s| removed[s as usize] = false);
        let diff: Vec<f64> = base.iter().zip(&vis).map(|(b, v)| b - v).collect();
        lost[ch] = dot(&diff, &pc);
        lost_value[ch] = dot(&diff, &pv);
    }
    let share = |lost: &[f64], total: f64| -> Vec<f64> {
        let sum: f64 = lost.iter().sum();
        lost.iter()
            .map(|l| if sum > 0.0 { l / sum * total } else { 0.0 })
            .collect()
    };
    let ratio = |x: f64, by: f64| if by > 0.0 { x / by } else { 0.0 };
    let conv = share(&lost, paths.total_conversions());
    let value = share(&lost_value, paths.total_value());
    let mut channels = credits(paths, &conv, &value);
    for (row, l) in channels.iter_mut().zip(&lost) {
        row.removal_effect = Some(ratio(*l, p_conv));
    }
    Markov {
        attribution: Attribution {
            model: "markov",
            order: Some(order),
            channels,
            error_bound: None,
        },
        removal_effect_value: lost_value.iter().map(|l| ratio(*l, p_value)).collect(),
        p_conversion: p_conv,
        states: n - 1,
    }
}

/// One row of the transition matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// `(start)` or a state: its channels joined by `>` (order 1: the channel name).
    pub from: String,
    /// A state, `(conversion)` or `(null)`.
    pub to: String,
    pub probability: f64,
}

/// The chain's transition probabilities, as channelattribution's `out_more` prints them:
/// per state, transitions to other states, `(conversion)` and `(null)` (non-zero only).
pub fn transition_matrix(paths: &PathSet, order: usize) -> Vec<Transition> {
    let c = count(paths, order);
    let names = paths.channels();
    let name = |s: usize| -> String {
        if s == 0 {
            return "(start)".into();
        }
        let parts: Vec<&str> = c.windows[s]
            .iter()
            .map(|&t| names[t as usize].as_str())
            .collect();
        parts.join(">")
    };
    let total = |s: usize| c.out_total[s] + c.conv[s] + c.null[s];
    let mut edges: Vec<(u64, f64)> = c.edges.iter().map(|(&k, &w)| (k, w)).collect();
    edges.sort_unstable_by_key(|e| e.0);
    let mut out: Vec<Transition> = edges
        .iter()
        .map(|&(k, w)| {
            let (f, t) = ((k >> 32) as usize, (k & 0xffff_ffff) as usize);
            Transition {
                from: name(f),
                to: name(t),
                probability: w / total(f),
            }
        })
        .collect();
    for s in 1..c.n {
        for (to, x) in [("(conversion)", c.conv[s]), ("(null)", c.null[s])] {
            if x > 0.0 {
                out.push(Transition {
                    from: name(s),
                    to: to.into(),
                    probability: x / total(s),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::PathSetBuilder;

    /// Three paths, the chain solved by hand in the comments.
    #[test]
    fn removal_effects_match_a_chain_solved_by_hand() {
        let mut b = PathSetBuilder::new();
        // a > b converts once (value 30); a alone: 1 null journey.
        b.push_path(["a", "b"], 1.0, 30.0, 0.0).unwrap();
        b.push_path(["a"], 0.0, 0.0, 1.0).unwrap();
        b.push_path(["c"], 1.0, 10.0, 1.0).unwrap();
        let m = removal_effects(&b.build(), 1);
        // start → a: 2/4, start → c: 2/4; a → b: 1/2, a → null: 1/2; b → conv: 1;
        // c → conv 1/2. P(conv) = 1/2·1/2 + 1/2·1/2 = 1/2.
        assert!((m.p_conversion - 0.5).abs() < 1e-15);
        // removing a or b loses the a-b conversions (1/4 of 1/2), removing c loses 1/4.
        let re: Vec<f64> = m
            .attribution
            .channels
            .iter()
            .map(|c| c.removal_effect.unwrap())
            .collect();
        for (got, want) in re.iter().zip([0.5, 0.5, 0.5]) {
            assert!((got - want).abs() < 1e-15, "{re:?}");
        }
        let conv: Vec<f64> = m
            .attribution
            .channels
            .iter()
            .map(|c| c.conversions)
            .collect();
        assert!(
            conv.iter().all(|c| (c - 2.0 / 3.0).abs() < 1e-15),
            "{conv:?}"
        );
        // value: (a,b) lose 1/4·30 each, c loses 1/4·10 → 40 split 3:3:1
        let value: Vec<f64> = m.attribution.channels.iter().map(|c| c.value).collect();
        for (got, want) in value.iter().zip([120.0 / 7.0, 120.0 / 7.0, 40.0 / 7.0]) {
            assert!((got - want).abs() < 1e-12, "{value:?}");
        }
        assert_eq!(m.states, 3);
    }
}
