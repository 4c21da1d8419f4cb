//! Behaviour of the whole trainer: reading, degenerate input, determinism, explanations.

use std::collections::BTreeMap;

use super::cv::SplitMix;
use super::metrics::auc;
use super::*;

fn unit(rng: &mut SplitMix) -> f64 {
    (rng.next() >> 11) as f64 / (1u64 << 53) as f64
}

/// Leads whose outcome follows a known logit: a strong source effect, recency decaying as
/// exp(-days/14), log-visits, a column of noise, and placeholders in Country.
fn synthetic(n: usize, seed: u64) -> Vec<(BTreeMap<String, String>, bool, f64)> {
    let mut rng = SplitMix(seed);
    let sources = [
        ("Referral", 1.5),
        ("Ads", -0.5),
        ("Web", 0.0),
        ("Event", 0.5),
    ];
    (0..n)
        .map(|_| {
            let (source, effect) = sources[rng.below(sources.len())];
            let days = (-30.0 * (1.0 - unit(&mut rng)).ln()).floor();
            let visits = (unit(&mut rng) * 20.0).powi(2).floor();
            let country = ["DE", "FR", "Select", "", "US"][rng.below(5)];
            let z = -2.0 + effect + 2.5 * (-days / 14.0).exp() + 0.3 * visits.ln_1p();
            let y = unit(&mut rng) < logistic::sigmoid(z);
            let record = BTreeMap::from([
                ("Source".to_owned(), source.to_owned()),
                ("Days".to_owned(), days.to_string()),
                ("Visits".to_owned(), visits.to_string()),
                ("Country".to_owned(), country.to_owned()),
                ("Noise".to_owned(), format!("{:.3}", unit(&mut rng))),
            ]);
            (record, y, z)
        })
        .collect()
}

fn dataset(rows: &[(BTreeMap<String, String>, bool, f64)]) -> Dataset {
    Dataset::from_records(rows.iter().map(|(r, y, _)| (r.clone(), *y)))
}

fn now() -> i64 {
    1_790_000_000_000
}

fn csv(text: &str, label: &str) -> Result<Dataset, PredictError> {
    let options = CsvOptions {
        label: label.into(),
        ..CsvOptions::default()
    };
    Dataset::from_csv(text.as_bytes(), &options)
}

#[test]
fn auc_of_a_perfect_a_reversed_and_a_constant_score() {
    let y = [false, false, true, true, false, true];
    let perfect = [0.1, 0.2, 0.8, 0.9, 0.3, 0.7];
    let reversed: Vec<f64> = perfect.iter().map(|p| 1.0 - p).collect();
    assert_eq!(auc(&perfect, &y), Some(1.0));
    assert_eq!(auc(&reversed, &y), Some(0.0));
    assert_eq!(auc(&[0.4; 6], &y), Some(0.5));
    assert_eq!(auc(&perfect, &[true; 6]), None);
    assert_eq!(auc(&[], &[]), None);
}

#[test]
fn the_trainer_learns_a_decaying_recency_effect_nearly_as_well_as_the_truth() {
    let rows = synthetic(6000, 1);
    let truth: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let y: Vec<bool> = rows.iter().map(|r| r.1).collect();
    let best = auc(&truth, &y).unwrap();
    let e = cross_validate(
        &dataset(&rows),
        &TrainOptions::default(),
        &CvOptions::default(),
    )
    .unwrap();
    let got = e.metrics.auc.unwrap();
    assert!(got > best - 0.02, "CV AUC {got:.4}, truth {best:.4}");
    assert!(e.metrics.ece < 0.05, "ECE {}", e.metrics.ece);
    let model = train(&dataset(&rows), &TrainOptions::default(), now()).unwrap();
    let at = |days: &str| {
        let lead = BTreeMap::from([
            ("Source".to_owned(), "Web".to_owned()),
            ("Days".to_owned(), days.to_owned()),
        ]);
        model.predict(&lead).probability_0_to_100
    };
    assert!(
        at("0") > at("14") && at("14") > at("60"),
        "{} {} {}",
        at("0"),
        at("14"),
        at("60")
    );
}

#[test]
fn factors_name_the_column_and_value_and_add_up_to_the_score() {
    let rows = synthetic(3000, 2);
    let options = TrainOptions {
        top_factors: 100,
        ..TrainOptions::default()
    };
    let model = train(&dataset(&rows), &options, now()).unwrap();
    let lead = BTreeMap::from([
        ("Source".to_owned(), " referral ".to_owned()),
        ("Days".to_owned(), "1".to_owned()),
        ("Country".to_owned(), "N/A".to_owned()),
    ]);
    let p = model.predict(&lead);
    let source = p
        .top_factors
        .iter()
        .find(|f| f.description.starts_with("Source"))
        .unwrap();
    assert_eq!(source.description, "Source = Referral");
    assert!(source.contribution > 0.5);
    assert_eq!(
        source.to_string(),
        format!("Source = Referral +{:.1}", source.contribution)
    );
    assert!(
        p.top_factors
            .iter()
            .any(|f| f.description == "Visits: missing")
    );
    assert!(
        p.top_factors
            .iter()
            .any(|f| f.description == "Country: missing")
    );
    // The average lead's logit plus every contribution is the lead's logit.
    let average = model.predict(&BTreeMap::new());
    let base = average.logit
        - average
            .top_factors
            .iter()
            .map(|f| f.contribution)
            .sum::<f64>();
    let total = base + p.top_factors.iter().map(|f| f.contribution).sum::<f64>();
    assert!((total - p.logit).abs() < 1e-9, "{total} vs {}", p.logit);
    assert!((p.probability_0_to_100 - 100.0 * logistic::sigmoid(p.logit)).abs() < 1e-9);
}

#[test]
fn training_twice_gives_the_same_model_and_the_json_round_trips() {
    let data = dataset(&synthetic(2000, 3));
    let a = train(&data, &TrainOptions::default(), now()).unwrap();
    let b = train(&data, &TrainOptions::default(), now()).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    // serde_json reads floats back to within one unit in the last place.
    let back = Model::from_json(&a.to_json()).unwrap();
    assert_eq!(
        (back.created_at, back.counts, back.l2),
        (now(), a.counts, a.l2)
    );
    assert_eq!(back.features.summary(), a.features.summary());
    let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * (1.0 + x.abs());
    assert!(
        back.coefficients
            .iter()
            .zip(&a.coefficients)
            .all(|(x, y)| close(*x, *y))
    );
    for lead in [
        &[("Source", "Event"), ("Visits", "7")][..],
        &[("Days", "3")][..],
    ] {
        let (p, q) = (back.predict(lead), a.predict(lead));
        assert!(close(p.logit, q.logit));
        assert_eq!(p.top_factors.len(), q.top_factors.len());
    }
}

#[test]
fn a_model_of_another_version_or_with_missing_parts_is_refused() {
    let model = train(
        &dataset(&synthetic(500, 4)),
        &TrainOptions::default(),
        now(),
    )
    .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    json["version"] = 99.into();
    let err = Model::from_json(&json.to_string()).unwrap_err().to_string();
    assert!(err.contains("version 99"), "{err}");
    json["version"] = MODEL_VERSION.into();
    json["coefficients"].as_array_mut().unwrap().pop();
    assert!(matches!(
        Model::from_json(&json.to_string()),
        Err(PredictError::BadModel(_))
    ));
    assert!(Model::from_json("not json").is_err());
}

#[test]
fn too_few_outcomes_is_a_typed_error_that_counts_them() {
    let rows: Vec<_> = synthetic(400, 5).into_iter().take(60).collect();
    let data = dataset(&rows);
    match train(&data, &TrainOptions::default(), now()) {
        Err(PredictError::TooFewOutcomes {
            positives,
            negatives,
            min_positives,
            ..
        }) => {
            assert_eq!((positives, negatives), (data.positives(), data.negatives()));
            assert_eq!(min_positives, 30);
        }
        other => panic!("expected TooFewOutcomes, got {other:?}"),
    }
    let one_class = Dataset::from_records((0..100).map(|i| ([("a", i.to_string())], true)));
    assert!(matches!(
        cross_validate(&one_class, &TrainOptions::default(), &CvOptions::default()),
        Err(PredictError::TooFewOutcomes { negatives: 0, .. })
    ));
}

#[test]
fn empty_constant_id_and_all_missing_columns_are_dropped_with_a_note() {
    let mut text = String::from("id,const,blank,Source,Converted\n");
    for i in 0..200 {
        let source = ["Ads", "Web", "Referral"][i % 3];
        text.push_str(&format!(
            "L{i},x,N/A,{source},{}\n",
            u8::from(i % 3 == 2 || i % 5 == 0)
        ));
    }
    let data = csv(&text, "converted").unwrap();
    let model = train(&data, &TrainOptions::default(), now()).unwrap();
    let notes = model.features.notes.join("\n");
    assert!(
        notes.contains("id: dropped, every value is different"),
        "{notes}"
    );
    assert!(
        notes.contains("const: dropped, every row has the same value"),
        "{notes}"
    );
    assert!(notes.contains("blank: dropped, never answered"), "{notes}");
    assert_eq!(model.features.columns.len(), 1);
    let only_blank = "blank,Converted\n".to_owned() + &"-,1\n-,0\n".repeat(50);
    assert!(matches!(
        train(
            &csv(&only_blank, "Converted").unwrap(),
            &TrainOptions::default(),
            now()
        ),
        Err(PredictError::NoFeatures { .. })
    ));
}

#[test]
fn files_without_rows_or_label_are_clear_errors() {
    assert!(matches!(csv("", "y"), Err(PredictError::Empty)));
    let header_only = csv("a,y\n", "y").unwrap();
    assert_eq!(header_only.rows(), 0);
    assert!(matches!(
        cross_validate(
            &header_only,
            &TrainOptions::default(),
            &CvOptions::default()
        ),
        Err(PredictError::TooFewOutcomes {
            positives: 0,
            negatives: 0,
            ..
        })
    ));
    let err = csv("a,b\n1,2\n", "Converted").unwrap_err().to_string();
    assert!(
        err.contains("\"Converted\"") && err.contains("\"a\", \"b\""),
        "{err}"
    );
    let options = CsvOptions {
        label: "b".into(),
        exclude: vec!["nope".into()],
        ..CsvOptions::default()
    };
    let err = Dataset::from_csv(&b"a,b\n1,0\n"[..], &options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("--exclude \"nope\""), "{err}");
}

#[test]
fn labels_read_in_every_usual_spelling_and_bad_ones_are_reported_by_line() {
    let text =
        "Source;Won\nAds;Yes\nWeb;no\nAds;TRUE\nWeb;0\nAds;maybe\nWeb;\nAds;1;extra\n\"Web;1\n";
    let data = csv(text, "won").unwrap();
    assert_eq!(data.labels(), &[true, false, true, false]);
    let problems: Vec<String> = data.problems().iter().map(ToString::to_string).collect();
    assert_eq!(data.skipped_rows(), 4, "{problems:?}");
    assert!(
        problems[0].starts_with("line 6, column \"Won\": expected a label of 0/1"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("line 7, column \"Won\": the label is missing"),
        "{problems:?}"
    );
    assert!(
        problems[2].starts_with("line 8: row has 3 values"),
        "{problems:?}"
    );
    assert!(
        problems[3].starts_with("line 9: a quoted value"),
        "{problems:?}"
    );
    let options = CsvOptions {
        label: "Stage".into(),
        rule: LabelRule::Positive("closed won".into()),
        ..CsvOptions::default()
    };
    let data =
        Dataset::from_csv(&b"Stage,x\nClosed Won,1\nlost,2\nOpen,3\n"[..], &options).unwrap();
    assert_eq!(data.labels(), &[true, false, false]);
}

#[test]
fn windows_1252_files_and_bom_headers_are_read_like_the_importer_does() {
    let mut bytes = b"Ville;R\xe9sultat\n".to_vec();
    bytes.extend(b"K\xf6ln;1\nParis;0\n");
    let options = CsvOptions {
        label: "Résultat".into(),
        ..CsvOptions::default()
    };
    let data = Dataset::from_csv(&bytes[..], &options).unwrap();
    assert_eq!(data.labels(), &[true, false]);
    assert_eq!(data.columns[0].values, ["Köln", "Paris"]);
    let bom = csv("\u{FEFF}a,y\n1,1\n", "y").unwrap();
    assert_eq!(bom.column_names().collect::<Vec<_>>(), ["a"]);
}

#[test]
fn placeholders_are_missing_and_real_answers_are_not() {
    for blank in [
        "",
        " ",
        "Select",
        "-- Select --",
        "N/A",
        "null",
        "-",
        "NaN",
        "#N/A",
    ] {
        assert!(is_missing(blank), "{blank:?}");
    }
    for answer in ["0", "-1", "None of these", "Selected", "n"] {
        assert!(!is_missing(answer), "{answer:?}");
    }
}
