//! Expected visits of an absorbing Markov chain from its start state.
//!
//! With Q the transient-to-transient transition probabilities and some states *removed*
//! (every transition into them leaks to null), the expected number of visits x solves
//! x = e_start + Q_kᵀ x, i.e. (I − Q_k)ᵀ x = e_start, where Q_k is Q with the removed
//! states' columns zeroed. Small chains (order 1: a dozen states) are solved directly by
//! Gaussian elimination with partial pivoting; large ones (order 3: thousands of states,
//! a dozen transitions each) by Gauss–Seidel sweeps over the sparse incoming transitions,
//! in breadth-first order from the start so most of the flow is final after one sweep,
//! until no visit count moves by more than 1e-15 (absolute; the start is visited once).

/// Chains up to this many states are solved densely (at most ~3 M flops per solve).
const DENSE_MAX: usize = 200;
const TOLERANCE: f64 = 1e-15;
const MAX_SWEEPS: usize = 100_000;

/// A chain over states `0..n` with state 0 the start, stored by incoming transitions.
#[derive(Debug, Clone)]
pub(super) struct Chain {
    n: usize,
    /// `from[starts[j]..starts[j + 1]]` lead into j with probability `prob[…]`.
    starts: Vec<usize>,
    from: Vec<u32>,
    prob: Vec<f64>,
    /// Reachable states except the start, breadth-first from the start.
    order: Vec<u32>,
}

impl Chain {
    /// Builds from `(from, to, probability)` triples; probabilities out of a state may sum
    /// to less than 1 (the rest is absorption).
    pub(super) fn new(n: usize, edges: &[(u32, u32, f64)]) -> Self {
        let mut starts = vec![0usize; n + 1];
        for &(_, to, _) in edges {
            starts[to as usize + 1] += 1;
        }
        for j in 0..n {
            starts[j + 1] += starts[j];
        }
        let mut fill = starts.clone();
        let (mut from, mut prob) = (vec![0u32; edges.len()], vec![0.0; edges.len()]);
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); n];
        for &(f, t, p) in edges {
            let k = &mut fill[t as usize];
            from[*k] = f;
            prob[*k] = p;
            *k += 1;
            out[f as usize].push(t);
        }
        let mut seen = vec![false; n];
        let mut order = Vec::with_capacity(n);
        let mut next = 0;
        if n > 0 {
            seen[0] = true;
            order.push(0u32);
        }
        while next < order.len() {
            let s = order[next] as usize;
            next += 1;
            for &t in &out[s] {
                if !std::mem::replace(&mut seen[t as usize], true) {
                    order.push(t);
                }
            }
        }
        order.retain(|&s| s != 0);
        Self {
            n,
            starts,
            from,
            prob,
            order,
        }
    }

    /// Expected visits to every state from the start, with transitions into the states
    /// marked in `removed` leaking to null. The start is never removed.
    pub(super) fn visits(&self, removed: &[bool]) -> Vec<f64> {
        if self.n <= DENSE_MAX {
            self.dense(removed)
        } else {
            self.gauss_seidel(removed)
        }
    }

    fn incoming(&self, j: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let r = self.starts[j]..self.starts[j + 1];
        self.from[r.clone()]
            .iter()
            .map(|&f| f as usize)
            .zip(self.prob[r].iter().copied())
    }

    fn gauss_seidel(&self, removed: &[bool]) -> Vec<f64> {
        let mut x = vec![0.0; self.n];
        if self.n == 0 {
            return x;
        }
        x[0] = 1.0;
        for _ in 0..MAX_SWEEPS {
            let mut moved = 0.0f64;
            for &j in &self.order {
                let j = j as usize;
                if removed[j] {
                    continue;
                }
                let v: f64 = self.incoming(j).map(|(i, q)| q * x[i]).sum();
                moved = moved.max((v - x[j]).abs());
                x[j] = v;
            }
            if moved <= TOLERANCE {
                break;
            }
        }
        x
    }

    fn dense(&self, removed: &[bool]) -> Vec<f64> {
        let n = self.n;
        let mut a = vec![0.0; n * n];
        let mut b = vec![0.0; n];
        if n == 0 {
            return b;
        }
        b[0] = 1.0;
        for j in 0..n {
            a[j * n + j] = 1.0;
            if j != 0 && removed[j] {
                continue;
            }
            for (i, q) in self.incoming(j) {
                a[j * n + i] -= q;
            }
        }
        gauss(&mut a, &mut b, n);
        b
    }
}

/// Solves a·x = b in place (x in b) by elimination with partial pivoting. A singular
/// matrix (impossible for an absorbing chain) leaves zeros rather than panicking.
fn gauss(a: &mut [f64], b: &mut [f64], n: usize) {
    for c in 0..n {
        let p = (c..n)
            .max_by(|&r, &s| a[r * n + c].abs().total_cmp(&a[s * n + c].abs()))
            .unwrap_or(c);
        if a[p * n + c] == 0.0 {
            continue;
        }
        if p != c {
            for k in 0..n {
                a.swap(p * n + k, c * n + k);
            }
            b.swap(p, c);
        }
        let d = a[c * n + c];
        for r in c + 1..n {
            let f = a[r * n + c] / d;
            if f != 0.0 {
                for k in c..n {
                    a[r * n + k] -= f * a[c * n + k];
                }
                b[r] -= f * b[c];
            }
        }
    }
    for c in (0..n).rev() {
        let s: f64 = (c + 1..n).map(|k| a[c * n + k] * b[k]).sum();
        let d = a[c * n + c];
        b[c] = if d == 0.0 { 0.0 } else { (b[c] - s) / d };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random chain with cycles: both solvers must agree to 1e-13.
    #[test]
    fn gauss_seidel_agrees_with_elimination_on_a_cyclic_chain() {
        let n = 150;
        let mut seed = 42u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut edges = Vec::new();
        for f in 0..n as u32 {
            let k = 1 + (rnd() * 5.0) as u32;
            let mut left = 0.9;
            for _ in 0..k {
                let t = 1 + (rnd() * (n - 1) as f64) as u32;
                let p = left * rnd();
                left -= p;
                edges.push((f, t, p));
            }
        }
        let chain = Chain::new(n, &edges);
        let mut removed = vec![false; n];
        for r in [0usize, 3, 17, 90] {
            if r != 0 {
                removed[r] = true;
            }
            let (d, g) = (chain.dense(&removed), chain.gauss_seidel(&removed));
            for (x, y) in d.iter().zip(&g) {
                assert!((x - y).abs() <= 1e-13 * x.abs().max(1.0), "{x} vs {y}");
            }
        }
    }
}
