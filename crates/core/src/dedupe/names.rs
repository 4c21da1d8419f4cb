//! When two people's names could be one person's. Jaro–Winkler over the full name rewards a
//! shared first name too much ("Camille Walsh" and "Camille Jansen" are 90 % alike), so the
//! parts are checked on their own: the last names must be the same family name give or take
//! a typo, the first names alike or one the initial of the other. Both need a last name: a
//! first name alone ("Liam" at a university) names too many people. Placeholder and junk
//! names ("N/A", "Donald Duck", "asdf", a one-letter last name) say nothing about who
//! someone is.

use super::jaro_winkler;
use crate::qualify::junk::junk_name;

/// Last names this long may differ by two typos and still be one (`Kowalczyk`/`Kowalcyzk`
/// is one swap, `Kowalcik` two edits away); shorter ones by one (`Smith`/`Smyth`,
/// but not `Sato`/`Santos`).
const LONG_LAST: usize = 8;
/// First names at least this alike may be one person's (`Jon`/`John`, `Ann`/`Anne`).
const SAME_FIRST: f64 = 0.75;

/// True when the names `(first, last)` of two people could be one person's.
pub fn compatible(a: (Option<&str>, Option<&str>), b: (Option<&str>, Option<&str>)) -> bool {
    let clean = |s: Option<&str>| {
        s.map(|s| s.trim().trim_end_matches('.').to_lowercase())
            .filter(|s| !s.is_empty())
    };
    let (af, al, bf, bl) = (clean(a.0), clean(a.1), clean(b.0), clean(b.1));
    let parts = [&af, &al, &bf, &bl];
    if parts
        .iter()
        .any(|p| p.as_deref().is_some_and(|p| junk_name(p).is_some()))
    {
        return false;
    }
    let full = |f: &Option<String>, l: &Option<String>| {
        [f.as_deref(), l.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    };
    if junk_name(&full(&af, &al)).is_some() || junk_name(&full(&bf, &bl)).is_some() {
        return false;
    }
    let last_ok = match (&al, &bl) {
        (Some(x), Some(y)) if x.chars().count() > 1 && y.chars().count() > 1 => {
            let long = x.chars().count().min(y.chars().count()) >= LONG_LAST;
            distance(x, y) <= if long { 2 } else { 1 }
        }
        _ => false,
    };
    let first_ok = match (&af, &bf) {
        (Some(x), Some(y)) => {
            let initial = |i: &str, n: &str| i.chars().count() == 1 && n.starts_with(i);
            jaro_winkler(x, y) >= SAME_FIRST || initial(x, y) || initial(y, x)
        }
        _ => true,
    };
    last_ok && first_ok
}

/// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: the optimal string
/// alignment distance. One edit is one typo.
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn n<'a>(first: &'a str, last: &'a str) -> (Option<&'a str>, Option<&'a str>) {
        (Some(first), Some(last))
    }

    #[test]
    fn a_shared_first_name_is_not_one_person() {
        assert!(!compatible(n("Camille", "Walsh"), n("Camille", "Jansen")));
        assert!(!compatible(n("Sarah", "Park"), n("Sarah", "Walsh")));
        assert!(compatible(n("Jon", "Smith"), n("John", "Smith")));
        assert!(compatible(n("John", "Smith"), n("John", "Smyth")));
        assert!(!compatible(n("Emma", "Sato"), n("Emma", "Santos")));
        assert!(compatible(n("Anna", "Kowalczyk"), n("Anna", "Kowalcik")));
        assert!(compatible(n("J.", "Smith"), n("John", "Smith")));
        assert!(!compatible(n("Paul", "Smith"), n("John", "Smith")));
        assert!(compatible((None, Some("Smith")), n("John", "Smith")));
        assert!(
            !compatible((Some("Liam"), None), (Some("Liam"), None)),
            "a first name alone"
        );
    }

    #[test]
    fn placeholder_names_say_nothing() {
        assert!(!compatible(n("N/A", "N/A"), n("N/A", "N/A")));
        assert!(!compatible(n("Donald", "Duck"), n("Donald", "Duck")));
        assert!(!compatible(n("asdf", "Smith"), n("asdf", "Smith")));
        assert!(!compatible(n("a", "b"), n("a", "b")));
    }

    #[test]
    fn one_typo_is_one_edit() {
        assert_eq!(distance("globex", "globexx"), 1);
        assert_eq!(distance("smith", "smiht"), 1, "a swap");
        assert_eq!(distance("northrock", "northarc"), 3);
        assert_eq!(distance("", "abc"), 3);
    }

    proptest! {
        #[test]
        fn the_distance_is_symmetric_zero_only_between_equals_and_bounded(a in "\\PC{0,10}", b in "\\PC{0,10}") {
            let d = distance(&a, &b);
            prop_assert_eq!(d, distance(&b, &a));
            prop_assert_eq!(d == 0, a == b);
            prop_assert!(d <= a.chars().count().max(b.chars().count()));
        }
    }
}
