//! Properties over random inputs: every model hands out exactly what it was given, and the
//! path-file reader never panics and reads back what was written.

use proptest::prelude::*;

use super::*;

fn models() -> Vec<Model> {
    vec![
        Model::First,
        Model::Last,
        Model::LastNonDirect,
        Model::Linear,
        Model::TimeDecay { half_life: 1.5 },
        Model::TimeDecay { half_life: 0.0 },
        Model::TimeDecay {
            half_life: f64::NAN,
        },
        Model::UShaped,
        Model::WShaped,
        Model::FullPath,
        Model::Custom(PositionWeights::new(0.5, 0.0, 0.2).unwrap_or_else(|e| panic!("{e}"))),
        Model::Markov { order: 1 },
        Model::Markov { order: 2 },
        Model::Markov { order: 3 },
        Model::Shapley,
    ]
}

/// Paths over up to `channels` channel names (one of them `Direct`).
fn path_sets(channels: usize) -> impl Strategy<Value = Vec<(Vec<usize>, u32, u32, u32)>> {
    prop::collection::vec(
        (
            prop::collection::vec(0..channels, 1..8),
            0u32..5,
            0u32..10_000,
            0u32..5,
        ),
        1..40,
    )
}

fn build(rows: &[(Vec<usize>, u32, u32, u32)]) -> PathSet {
    let mut b = PathSetBuilder::new();
    for (touches, conv, value, null) in rows {
        let names: Vec<String> = touches
            .iter()
            .map(|&t| {
                if t == 0 {
                    "Direct".to_owned()
                } else {
                    format!("ch {t}")
                }
            })
            .collect();
        let value = if *conv == 0 { 0.0 } else { f64::from(*value) };
        b.push_path(
            names.iter().map(String::as_str),
            f64::from(*conv),
            value,
            f64::from(*null),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    b.build()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_model_distributes_exactly_the_conversions_and_value(rows in path_sets(7)) {
        let set = build(&rows);
        let (conv, value) = (set.total_conversions(), set.total_value());
        for model in models() {
            let a = attribute(&set, &model);
            let c: f64 = a.channels.iter().map(|r| r.conversions).sum();
            let v: f64 = a.channels.iter().map(|r| r.value).sum();
            // Markov hands out nothing when nothing can convert (no conversions at all)
            prop_assert!(close(c, conv), "{}: conversions {c} vs {conv}", a.model);
            prop_assert!(close(v, value), "{}: value {v} vs {value}", a.model);
            prop_assert!(a.channels.iter().all(|r| r.conversions >= -1e-9), "{}", a.model);
        }
    }

    #[test]
    fn sampled_shapley_also_distributes_exactly(rows in path_sets(19)) {
        let set = build(&rows);
        let a = shapley::attribute(&set, 50, 7);
        let c: f64 = a.channels.iter().map(|r| r.conversions).sum();
        let v: f64 = a.channels.iter().map(|r| r.value).sum();
        prop_assert!(close(c, set.total_conversions()), "{c}");
        prop_assert!(close(v, set.total_value()), "value {v} vs {}", set.total_value());
        // sampled (more than 15 channels) or exact, the bound says which
        let sampled = set.channels().len() > shapley::EXACT_MAX_CHANNELS;
        prop_assert_eq!(a.error_bound.is_some(), sampled);
        prop_assert!(a.error_bound.unwrap_or(0.0) >= 0.0);
    }

    #[test]
    fn the_reader_never_panics_on_garbage(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_paths(bytes.as_slice());
        let mut with_header = b"path,total_conversions,total_conversion_value,total_null\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = read_paths(with_header.as_slice());
    }

    #[test]
    fn the_reader_never_panics_on_csv_like_garbage(text in "[a-c>,\"\r\n 0-9.e-]{0,200}") {
        let input = format!("path,total_conversions,total_conversion_value,total_null\n{text}");
        let _ = read_paths(input.as_bytes());
    }

    #[test]
    fn the_reader_reads_back_what_was_written(rows in path_sets(7)) {
        let set = build(&rows);
        let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
        for p in set.iter() {
            let names: Vec<&str> = p.touches.iter().map(|&t| set.channels()[t as usize].as_str()).collect();
            text.push_str(&format!("{},{},{},{}\n", names.join(" > "), p.conversions, p.value, p.null));
        }
        let back = read_paths(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(back, set);
    }
}
