//! The catch-up promise: however often (or rarely) the worker runs, and in whatever batches,
//! each step is taken once, in ladder order, and exactly the steps due by the last run.

use proptest::prelude::*;

use super::*;

fn ladder() -> impl Strategy<Value = Ladder> {
    (
        0i64..1_000,
        proptest::option::of(0i64..1_000),
        proptest::option::of(0i64..1_000),
    )
        .prop_map(|(remind, esc, re)| {
            let escalate_at = esc.map(|e| remind + e);
            Ladder {
                remind_at: remind,
                escalate_at,
                // Reassigning never comes before escalating (validated settings).
                reassign_at: re.map(|r| escalate_at.unwrap_or(remind) + r),
            }
        })
}

/// Runs the worker at each of `runs` (sorted), keeping what it took, as the store does.
fn simulate(watches: &mut [Watch], runs: &[i64]) -> Vec<(Deadline, Step)> {
    let mut taken = Vec::new();
    for &now in runs {
        if taken.iter().any(|(_, s)| *s == Step::Reassign) {
            break;
        }
        for (d, s) in plan(watches, now) {
            if let Some(w) = watches.iter_mut().find(|w| w.deadline == d) {
                w.last = Some(s);
            }
            taken.push((d, s));
        }
    }
    taken
}

proptest! {
    #[test]
    fn any_schedule_of_runs_takes_each_due_step_once_in_order(
        accept in ladder(),
        touch in ladder(),
        mut runs in proptest::collection::vec(0i64..4_000, 1..12),
    ) {
        runs.sort();
        let fresh = |l: Ladder, d: Deadline| Watch { deadline: d, ladder: l, done: false, last: None };
        let mut many = [fresh(accept, Deadline::Accept), fresh(touch, Deadline::Touch)];
        let mut once = many;
        let taken = simulate(&mut many, &runs);
        let last = *runs.last().unwrap();
        // One late run catches up with exactly what many runs took.
        prop_assert_eq!(&simulate(&mut once, &[last]), &taken);
        // Never twice, and in ladder order per deadline.
        for d in [Deadline::Accept, Deadline::Touch] {
            let steps: Vec<Step> = taken.iter().filter(|(x, _)| *x == d).map(|(_, s)| *s).collect();
            prop_assert!(steps.windows(2).all(|w| w[0] < w[1]), "{:?}", steps);
        }
        // Nothing after a reassignment; running again takes nothing more.
        if let Some(i) = taken.iter().position(|(_, s)| *s == Step::Reassign) {
            prop_assert_eq!(i, taken.len() - 1);
        } else {
            prop_assert!(plan(&many, last).is_empty());
        }
    }

    #[test]
    fn a_deadline_met_takes_no_step(l in ladder(), now in 0i64..4_000) {
        let w = Watch { deadline: Deadline::Touch, ladder: l, done: true, last: None };
        prop_assert!(plan(&[w], now).is_empty());
    }
}
