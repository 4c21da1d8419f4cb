//! Attribution against the channelattribution 2.2.5 oracle (issue 6):
//!
//! * `heuristic.csv` (first, last, linear; conversions and value) to 1e-9 relative;
//! * `markov_exact.csv` (closed-form order 1 and 3 removal effects, conversions, value) to
//!   1e-9 relative, and the order-1 transition matrix exactly (to its 12 printed digits);
//! * the library's Monte-Carlo runs within the tolerances the oracle's README gives.
//!
//! The oracle lives outside the repository (`../shared/reference` beside the repo root, or
//! `$LEADLINE_REFERENCE_DIR`); a clone without it skips these tests with a message.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use leadline_core::attribution::{Attribution, Model, PathSet, attribute, markov, read_paths};

fn oracle_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("LEADLINE_REFERENCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference"),
    };
    let dir = dir.join("attribution");
    dir.join("paths_2k.csv").is_file().then_some(dir)
}

fn skip(test: &str) {
    eprintln!(
        "SKIPPED {test}: no attribution oracle (../shared/reference/attribution or \
         $LEADLINE_REFERENCE_DIR/attribution)"
    );
}

fn paths(dir: &Path) -> PathSet {
    let file = File::open(dir.join("paths_2k.csv")).expect("paths_2k.csv opens");
    read_paths(std::io::BufReader::new(file)).expect("paths_2k.csv parses")
}

/// A reference CSV as rows of `column → text` (no quoting in these files).
fn table(dir: &Path, name: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(dir.join(name)).expect("oracle file reads");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} is a number in {row:?}"))
}

/// Asserts |got − want| ≤ tol·|want| (tiny absolute slack for zeros).
fn within(what: &str, got: f64, want: f64, tol: f64) {
    let err = (got - want).abs();
    assert!(
        err <= tol * want.abs() + 1e-12,
        "{what}: got {got}, want {want} (relative error {:.3e} > {tol:e})",
        err / want.abs()
    );
}

fn by_channel(a: &Attribution) -> HashMap<&str, &leadline_core::attribution::ChannelCredit> {
    a.channels.iter().map(|c| (c.channel.as_str(), c)).collect()
}

#[test]
fn first_last_and_linear_match_the_library_to_1e_9() {
    let Some(dir) = oracle_dir() else {
        return skip("first_last_and_linear_match_the_library_to_1e_9");
    };
    let set = paths(&dir);
    let rows = table(&dir, "heuristic.csv");
    assert_eq!(rows.len(), set.channels().len());
    for (model, prefix) in [
        (Model::First, "first_touch"),
        (Model::Last, "last_touch"),
        (Model::Linear, "linear_touch"),
    ] {
        let a = attribute(&set, &model);
        let got = by_channel(&a);
        for row in &rows {
            let c = got[row["channel_name"].as_str()];
            within(
                &format!("{prefix} {}", c.channel),
                c.conversions,
                num(row, &format!("{prefix}_conversions")),
                1e-9,
            );
            within(
                &format!("{prefix} value {}", c.channel),
                c.value,
                num(row, &format!("{prefix}_value")),
                1e-9,
            );
        }
    }
    // channels come in order of first appearance, as the library lists them
    let names: Vec<&str> = rows.iter().map(|r| r["channel_name"].as_str()).collect();
    assert_eq!(set.channels(), names.as_slice());
}

#[test]
fn markov_order_1_and_3_match_the_exact_absorbing_chain_to_1e_9() {
    let Some(dir) = oracle_dir() else {
        return skip("markov_order_1_and_3_match_the_exact_absorbing_chain_to_1e_9");
    };
    let set = paths(&dir);
    let rows = table(&dir, "markov_exact.csv");
    for order in [1usize, 3] {
        let m = markov::removal_effects(&set, order);
        assert_eq!(m.attribution.order, Some(order));
        let index: HashMap<&str, usize> = set
            .channels()
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r["order"] == order.to_string())
            .collect();
        assert_eq!(mine.len(), set.channels().len());
        for row in mine {
            let i = index[row["channel_name"].as_str()];
            let c = &m.attribution.channels[i];
            let what = |k: &str| format!("order {order} {k} {}", c.channel);
            within(
                &what("removal effect"),
                c.removal_effect.unwrap_or(f64::NAN),
                num(row, "removal_effect"),
                1e-9,
            );
            within(
                &what("value removal effect"),
                m.removal_effect_value[i],
                num(row, "removal_effect_value"),
                1e-9,
            );
            within(
                &what("conversions"),
                c.conversions,
                num(row, "total_conversions"),
                1e-9,
            );
            within(
                &what("value"),
                c.value,
                num(row, "total_conversion_value"),
                1e-9,
            );
        }
    }
}

#[test]
fn the_order_1_transition_matrix_is_the_library_s() {
    let Some(dir) = oracle_dir() else {
        return skip("the_order_1_transition_matrix_is_the_library_s");
    };
    let set = paths(&dir);
    let want = table(&dir, "markov_o1_transition_matrix.csv");
    let got: HashMap<(String, String), f64> = markov::transition_matrix(&set, 1)
        .into_iter()
        .map(|t| ((t.from, t.to), t.probability))
        .collect();
    assert_eq!(got.len(), want.len(), "number of transitions");
    for row in &want {
        let key = (row["channel_from"].clone(), row["channel_to"].clone());
        let p = got
            .get(&key)
            .unwrap_or_else(|| panic!("no transition {key:?}"));
        within(
            &format!("{key:?}"),
            *p,
            num(row, "transition_probability"),
            1e-10,
        );
    }
}

/// The library's simulated results sit within its Monte-Carlo error of the exact values:
/// the README's tolerances (7 % / 22 % default, 0.8 % precise, order 3: 5.3 % / 10.1 %),
/// read at the precision they are printed with — the README rounds the largest errors the
/// oracle's own files show (7.30 %, 22.24 %, 0.82 % for precise value, 5.29 %, 10.11 %), so
/// "7 %" admits anything that rounds to 7 %, i.e. below 7.5 %.
#[test]
fn the_library_s_simulations_are_within_their_stated_error_of_ours() {
    let Some(dir) = oracle_dir() else {
        return skip("the_library_s_simulations_are_within_their_stated_error_of_ours");
    };
    let set = paths(&dir);
    let cases = [
        ("markov_o1_default.csv", 1, 0.075, 0.225),
        ("markov_o1_precise.csv", 1, 0.0085, 0.0085),
        ("markov_o3_default.csv", 3, 0.0535, 0.1015),
    ];
    for (file, order, tol_conv, tol_value) in cases {
        let a = attribute(&set, &Model::Markov { order });
        let got = by_channel(&a);
        for row in table(&dir, file) {
            let c = got[row["channel_name"].as_str()];
            within(
                &format!("{file} conversions {}", c.channel),
                num(&row, "total_conversions"),
                c.conversions,
                tol_conv,
            );
            within(
                &format!("{file} value {}", c.channel),
                num(&row, "total_conversion_value"),
                c.value,
                tol_value,
            );
        }
    }
}
