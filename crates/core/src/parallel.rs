//! Mapping a few independent, CPU-bound jobs over the machine's cores: a report's models
//! (or ROI's outcomes) are credited one per thread instead of one after another.

use std::num::NonZeroUsize;
use std::thread;

/// `items.iter().map(f)`, results in input order, run on up to as many scoped threads as the
/// machine has cores (one: on the calling thread). Each thread takes every n-th item, so a
/// slow item (Shapley, Markov) does not hold its neighbours up behind it.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    let parts: Vec<Vec<(usize, R)>> = thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    items
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, x)| (i, f(x)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut all: Vec<(usize, R)> = parts.into_iter().flatten().collect();
    all.sort_unstable_by_key(|p| p.0);
    all.into_iter().map(|p| p.1).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn gives_what_a_sequential_map_gives_in_order(xs in proptest::collection::vec(any::<i32>(), 0..40)) {
            let seq: Vec<i64> = xs.iter().map(|&x| i64::from(x) * 3 - 1).collect();
            prop_assert_eq!(super::map(&xs, |&x| i64::from(x) * 3 - 1), seq);
        }
    }
}
